/*
 * The pptpd.conf parser and the immutable configuration it produces.
 *
 * File format (poptop style): one "key value" per line, '#' starts a comment
 * at the beginning of a line or after whitespace, blank lines are ignored,
 * keys are case-sensitive. Boolean keys may be given bare (meaning yes) or
 * with yes/no, true/false, on/off, 1/0. Every key lives in one table in
 * config.c (name, type, default as text, limits), so a new key is one line
 * there plus a field here.
 *
 * `option FILE` reads a pppd options file into these keys (conf/pppd_options.h);
 * its errors name that file and its lines.
 *
 * Errors: loading reads the whole file and returns NULL if anything was
 * wrong; every error is one line "FILE:LINE: message" (quoting the offending
 * token) in the caller's buffer, lines joined by '\n', in reading order, as
 * many as fit (a cut one ends in "..."). Warnings (keys accepted but
 * ignored) go to log_warnx with the same prefix. There is never a partially
 * loaded configuration.
 *
 * Lifetime: config_load() and config_load_string() return a struct config
 * that owns every string and array it points at; nothing changes it after
 * load (treat it as read-only and replace it whole on reload). It lives
 * until config_free().
 */
#ifndef PPTP_CONF_CONFIG_H
#define PPTP_CONF_CONFIG_H

#include <netinet/in.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/log.h"

#define CONFIG_DEFAULT_PATH "/etc/pptpd.conf"
#define CONFIG_PPTP_PORT    1723
#define CONFIG_RADIUS_AUTH_PORT 1812 /* RFC 2865 */
#define CONFIG_RADIUS_ACCT_PORT 1813 /* RFC 2866 */
#define CONFIG_DAE_PORT     3799 /* RFC 5176 */
/* Most addresses remoteip may hand out in total. */
#define CONFIG_POOL_MAX     65536u

enum config_auth {
	CONFIG_AUTH_SQLITE = 0,
	CONFIG_AUTH_RADIUS,
};

/* user-domain: what a "DOMAIN\user" name becomes (auth_canonical_user()). */
enum config_user_domain {
	CONFIG_USER_DOMAIN_STRIP = 0,
	CONFIG_USER_DOMAIN_KEEP,
	CONFIG_USER_DOMAIN_REFUSE,
};

/* tun-io: how packets for the tun device are written (server/tun_io.h). */
enum config_tun_io {
	CONFIG_TUN_IO_AUTO = 0, /* io_uring if the kernel lets us set up a ring, else syscall */
	CONFIG_TUN_IO_URING,    /* io_uring or refuse to start */
	CONFIG_TUN_IO_SYSCALL,  /* one write() per packet */
};

/* A list of IPv4 addresses in network order (listen, ms-dns, ms-wins). */
struct config_addrs {
	struct in_addr *addr;
	size_t n;
};

/* One RADIUS server (or DAE client): its address and shared secret. */
struct config_radius_server {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *secret;
	/* radius-server ... require-message-authenticator=no: Access-Accept,
	 * -Reject and -Challenge of this server may come without one. */
	bool ma_optional;
};

struct config_radius_servers {
	struct config_radius_server *s;
	size_t n;
};

/* Repeatable free-text values (radius-attr). */
struct config_strs {
	char **s;
	size_t n;
};

/* One run of pool addresses, inclusive, in host order. */
struct config_range {
	uint32_t first;
	uint32_t last;
};

/* The remoteip pool: ranges sorted ascending, never overlapping. */
struct config_pool {
	struct config_range *range;
	size_t n;
	uint32_t size; /* addresses in all ranges together */
};

#define CONFIG_POOL_NAME_MAX 31

/* A named pool (`pool NAME ITEMS`), chosen by RADIUS Framed-Pool. */
struct config_named_pool {
	char *name;
	struct config_pool pool;
	unsigned line; /* the first line that names it (reload's reports) */
};

struct config_named_pools {
	struct config_named_pool *p;
	size_t n;
};

/* IPv6 (docs/ipv6.md): the prefix the sessions' /64s come from, and the
 * DNS servers sent in RAs (RDNSS) and DHCPv6 Replies. Fixed size, owning
 * nothing (config_key_swap exchanges them as bytes). */
#define CONFIG_IPV6_DNS_MAX 3
struct config_ipv6_prefix {
	struct in6_addr addr; /* host bits zero */
	unsigned len;         /* 0: not set; else 1..64 */
};

/* Named IPv6 pools (`ipv6-pool NAME PREFIX/LEN`, RADIUS Framed-IPv6-Pool):
 * fixed size too. line: where each was given (overlap errors). */
#define CONFIG_IPV6_POOLS_MAX 16
struct config_ipv6_pools {
	struct config_ipv6_pool {
		char name[CONFIG_POOL_NAME_MAX + 1];
		struct config_ipv6_prefix prefix;
		unsigned line;
	} p[CONFIG_IPV6_POOLS_MAX];
	unsigned n;
};

struct config_ipv6_addrs {
	struct in6_addr addr[CONFIG_IPV6_DNS_MAX];
	unsigned n;
};

struct config {
	char *source; /* the file name it was loaded from */

	struct config_addrs listen; /* addresses to bind TCP 1723 on */
	struct in_addr localip;     /* the server's tunnel address */
	struct config_pool pool;    /* remoteip */
	struct config_named_pools pools; /* pool NAME ITEMS: RADIUS Framed-Pool */
	unsigned connections;       /* most calls at once */
	unsigned stimeout;          /* seconds to finish the start exchange */
	unsigned max_conn_per_addr; /* control connections from one source address */
	unsigned max_unstarted;     /* connections before their start exchange, server-wide */
	unsigned max_calls_per_conn; /* calls on one control connection */
	unsigned max_calls_per_addr; /* calls from one source address */
	unsigned call_setup_timeout; /* seconds for a call to reach an open LCP */
	unsigned echo_interval;     /* seconds of silence before we send Echo-Request */
	unsigned echo_timeout;      /* seconds to wait for its Echo-Reply */
	unsigned ctrl_idle_timeout; /* seconds a control connection may have no call */
	unsigned gre_reorder_packets; /* GRE reorder slots per call, 0 = none */
	unsigned gre_reorder_hold_ms; /* longest wait for a missing GRE packet */
	unsigned gre_tx_queue;      /* frames per call waiting for the peer's window, 0 = drop */
	bool logwtmp;

	enum config_auth auth;
	char *user_db;
	/* Not set: strip with auth sqlite, keep with auth radius. */
	enum config_user_domain user_domain;

	/* Failed-login lock-out (auth/lockout.h); 0 failures: that lock off. */
	unsigned lockout_user_failures;   /* per user from one source, in the window */
	unsigned lockout_source_failures; /* per source address, any user */
	unsigned lockout_window;          /* seconds the failures are counted over */
	unsigned lockout_time;            /* seconds a lock lasts */
	unsigned lockout_table_size;      /* entries the lock-out table keeps at most */

	char *tun; /* interface name */
	enum config_tun_io tun_io; /* batched io_uring writes or one write() each */
	unsigned workers;          /* data-path threads (server/worker.h); 1: the main loop alone */
	struct config_addrs ms_dns;
	struct config_addrs ms_wins;

	bool require_mppe;
	bool require_mppe_128;
	bool mppe_40;
	bool mppe_56;
	bool mppe_stateful;

	bool refuse_pap;
	bool refuse_chap;
	bool refuse_mschap;
	bool refuse_mschap_v2;

	unsigned lcp_echo_interval; /* seconds, 0 = no echo requests */
	unsigned lcp_echo_failure;
	unsigned mtu;
	unsigned mru;
	bool proxyarp;
	bool mss_clamp;             /* lower the MSS of TCP SYNs to fit the tunnel */
	unsigned idle;              /* seconds without data either way before hang-up; 0: never */
	unsigned rate_limit_down;   /* kbit/s LAN -> client per session; 0: none */
	unsigned rate_limit_up;     /* kbit/s client -> LAN per session; 0: none */
	unsigned rate_limit_burst;  /* ms of the rate a bucket holds (at least 2 × MTU) */
	unsigned auth_timeout;      /* seconds for the whole authentication */
	unsigned auth_retries;      /* MS-CHAP retries after a failed password */
	/* EAP relayed to RADIUS (docs/eap.md): asked for first, MS-CHAPv2
	 * after a Nak unless require_eap; needs auth radius. */
	bool eap;
	bool require_eap;
	unsigned eap_max_rounds;    /* EAP Requests per login */
	unsigned eap_timeout;       /* seconds for the whole EAP exchange */

	enum log_level log_level;
	enum log_target log_target; /* auto: journal under systemd, else stderr */
	char *control_socket;      /* the admin socket (server/admin.h); "" or NULL: none */
	char *ip_up;   /* NULL: not set */
	char *ip_down; /* NULL: not set */
	char *pidfile; /* NULL: not set */
	char *user;      /* run as this user once the sockets are open; "root": stay root */
	char *group;     /* ... and this group; NULL: the user's own group */
	char *hook_user; /* ip-up/ip-down run as this user (and its groups) */

	/* RADIUS (docs/radius.md) */
	struct config_radius_servers radius_auth; /* radius-server, in order */
	struct config_radius_servers radius_acct; /* radius-acct-server; none: no accounting */
	char *radius_config;        /* a radiusclient.conf (libradcli); NULL: not set */
	char *radius_dictionary;    /* for radius-attr names */
	struct config_strs radius_attrs; /* "Name = value" added to every Access-Request */
	unsigned radius_timeout;    /* seconds per try */
	unsigned radius_tries;      /* tries per server */
	unsigned radius_dead_time;  /* seconds a silent server is skipped */
	bool radius_status_server;  /* probe dead servers with Status-Server */
	char *radius_nas_identifier; /* NULL: the host name */
	struct in_addr radius_nas_ip; /* 0: NAS-IP-Address not sent */
	struct in_addr radius_bind; /* source address of RADIUS packets; 0: any */
	unsigned radius_acct_interim; /* seconds; 0: only when RADIUS says */
	char *radius_acct_spool;    /* unacknowledged accounting records */
	char *dae_listen;           /* "addr[:port]" for RFC 5176 requests; NULL: off */
	struct config_radius_servers dae_clients; /* who may send them, with secrets */
	bool dae_require_ma;        /* refuse requests without a Message-Authenticator */
	bool dae_require_event_timestamp; /* refuse requests without an Event-Timestamp */
	unsigned dae_event_timestamp_window; /* seconds either way; also the duplicate cache's */
	char *metrics_listen;       /* "addr:port" of the Prometheus endpoint; NULL: off */

	/* IPv6 on the sessions (docs/ipv6.md) */
	bool ipv6;                  /* negotiate IPV6CP, route one /64 per session */
	struct config_ipv6_prefix ipv6_prefix_pool; /* the /64s come from here */
	struct config_ipv6_addrs ipv6_dns; /* RDNSS and DHCPv6 DNS servers */
	struct config_ipv6_pools ipv6_pools; /* ipv6-pool NAME PREFIX/LEN */

	/* Per key (config_key_name() order): the line that set it, 0 for a
	 * default; NULL if it could not be kept. Read through config_key_line(). */
	unsigned *key_line;
};

/* Load a file. NULL on error with "FILE:LINE: message" in err. */
struct config *config_load(const char *path, char *err, size_t errlen);
/* Load from memory; name stands for the file name in messages. */
struct config *config_load_string(const char *name, const char *text, char *err,
				  size_t errlen);
void config_free(struct config *cfg);

/* What `pptpd -t` checks beyond the file (config_check()), supplied by the
 * server, which has the RADIUS dictionary reader. */
struct config_checks {
	/* Is attr ("Name = value") in the dictionary? False with why filled.
	 * NULL: not checked. */
	bool (*radius_attr)(const char *dictionary, const char *attr, char *why, size_t whylen);
	/* Does the radiusclient.conf at path read (with its servers file)?
	 * NULL: only checked for being readable. */
	bool (*radius_config)(const char *path, char *why, size_t whylen);
};

/* config_load() and the checks that only make sense on the machine that
 * will run the file: radius-config readable (and read by the hook),
 * radius-dictionary readable and
 * every radius-attr in it, the user store's directory there or makeable
 * (its parent exists). Each error at the line of the key it is about. */
struct config *config_check(const char *path, const struct config_checks *checks, char *err,
			    size_t errlen);

/* Write every key, defaults included, in the file's own syntax: the output
 * loads back into an equal configuration, except that RADIUS secrets are
 * written as "********". */
void config_print(FILE *f, const struct config *cfg);

/* Is a host-order address one that remoteip may hand out? */
bool config_pool_contains(const struct config *cfg, uint32_t addr);
/* How many addresses remoteip holds. */
uint32_t config_pool_size(const struct config *cfg);

/* The names of every key the parser knows, i < config_key_count(). */
size_t config_key_count(void);
const char *config_key_name(size_t i);

/* ---- comparing two configurations (reload: server/reload.h) ---- */

/* The line of cfg's file that set key i; 0: its default (or not known). */
unsigned config_key_line(const struct config *cfg, size_t i);
/* Is key i a setting (printed by config_print), not a compatibility word? */
bool config_key_is_setting(size_t i);
/* Does key i hold the same value in a and b? Compares what config_print()
 * writes, and RADIUS/DAE secrets besides; keys that are not settings are
 * always equal. */
bool config_key_equal(const struct config *a, const struct config *b, size_t i);
/* Exchange the values of key i between a and b, with what they own (strings,
 * arrays): each config still frees only what it holds afterwards. */
void config_key_swap(struct config *a, struct config *b, size_t i);

#endif
