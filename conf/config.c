/* placeholder: replaced by the config parser */
typedef int pptp_conf_placeholder;
