/* placeholder: replaced by the MS-CHAP implementation */
typedef int pptp_auth_placeholder;
