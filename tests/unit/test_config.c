#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/netaddr.h"
#include "conf/config.h"

/* The two required keys, on lines 1 and 2. */
#define BASE "localip 192.0.2.1\nremoteip 192.0.2.10-200\n"

static char errbuf[1024];

static struct config *load(const char *text)
{
	struct config *cfg = config_load_string("t.conf", text, errbuf, sizeof(errbuf));
	if (!cfg)
		print_error("unexpected error: %s\n", errbuf);
	assert_non_null(cfg);
	return cfg;
}

/* A text that must not load: the error starts with "t.conf:LINE: " and
 * holds needle, and needle2 when that is not NULL. */
struct bad_conf {
	const char *text;
	unsigned line;
	const char *needle, *needle2;
};

/* The case's text on one line, newlines as \n, to name it in a failure. */
static const char *case_name(const char *text)
{
	static char name[512];
	size_t n = 0;
	for (const char *p = text; *p && n + 3 < sizeof(name); p++) {
		if (*p == '\n') {
			name[n++] = '\\';
			name[n++] = 'n';
		} else {
			name[n++] = *p;
		}
	}
	name[n] = '\0';
	return name;
}

static void fails_case(const struct bad_conf *c)
{
	char prefix[32];
	struct config *cfg = config_load_string("t.conf", c->text, errbuf, sizeof(errbuf));
	if (cfg) {
		config_free(cfg);
		fail_msg("\"%s\" loaded", case_name(c->text));
	}
	snprintf(prefix, sizeof(prefix), "t.conf:%u: ", c->line);
	if (strncmp(errbuf, prefix, strlen(prefix)) != 0 || !strstr(errbuf, c->needle) ||
	    (c->needle2 && !strstr(errbuf, c->needle2)))
		fail_msg("\"%s\": error \"%s\" is not \"%s...%s...%s\"", case_name(c->text),
			 errbuf, prefix, c->needle, c->needle2 ? c->needle2 : "");
}

static void fails_each(const struct bad_conf *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fails_case(&cases[i]);
}

#define FAILS_EACH(cases) fails_each((cases), sizeof(cases) / sizeof((cases)[0]))

/* One case whose text is built at run time. */
static void fails_at(const char *text, unsigned line, const char *needle, const char *needle2)
{
	fails_case(&(struct bad_conf){ text, line, needle, needle2 });
}

static uint32_t ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static uint32_t addr_host(struct in_addr a)
{
	return ntohl(a.s_addr);
}

/* A scratch directory with an executable and a non-executable file. */
struct scratch {
	char dir[64];
	char exec[128];
	char noexec[128];
};

static void scratch_make(struct scratch *s)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(s->dir, sizeof(s->dir), "%s/test_config.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(s->dir));
	snprintf(s->exec, sizeof(s->exec), "%s/ip-up", s->dir);
	snprintf(s->noexec, sizeof(s->noexec), "%s/ip-down", s->dir);
	FILE *f = fopen(s->exec, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\nexit 0\n", f);
	fclose(f);
	assert_int_equal(chmod(s->exec, 0755), 0);
	f = fopen(s->noexec, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(s->noexec, 0644), 0);
}

static void scratch_remove(struct scratch *s)
{
	unlink(s->exec);
	unlink(s->noexec);
	rmdir(s->dir);
}

static void defaults(void **state)
{
	(void)state;
	struct config *c = load(BASE);
	assert_null(c->metrics_listen);
	assert_int_equal(c->listen.n, 1);
	assert_int_equal(c->listen.addr[0].s_addr, htonl(INADDR_ANY));
	assert_int_equal(addr_host(c->localip), ip("192.0.2.1"));
	assert_int_equal(config_pool_size(c), 191);
	assert_int_equal(c->connections, 100);
	assert_int_equal(c->stimeout, 10);
	assert_int_equal(c->max_conn_per_addr, 64);
	assert_int_equal(c->max_unstarted, 256);
	assert_int_equal(c->max_calls_per_conn, 16);
	assert_int_equal(c->max_calls_per_addr, 64);
	assert_int_equal(c->call_setup_timeout, 30);
	assert_int_equal(c->echo_interval, 60);
	assert_int_equal(c->echo_timeout, 60);
	assert_int_equal(c->ctrl_idle_timeout, 60);
	assert_int_equal(c->gre_reorder_packets, 4);
	assert_int_equal(c->gre_reorder_hold_ms, 5);
	assert_int_equal(c->gre_tx_queue, 256);
	assert_false(c->logwtmp);
	assert_int_equal(c->auth, CONFIG_AUTH_SQLITE);
	assert_string_equal(c->user_db, "/var/lib/pptpd/users.db");
	assert_string_equal(c->tun, "pptp0");
	assert_int_equal(c->tun_io, CONFIG_TUN_IO_AUTO);
	assert_int_equal(c->ms_dns.n, 0);
	assert_int_equal(c->ms_wins.n, 0);
	assert_true(c->require_mppe);
	assert_true(c->require_mppe_128);
	assert_false(c->mppe_40);
	assert_false(c->mppe_56);
	assert_false(c->mppe_stateful);
	assert_true(c->refuse_pap);
	assert_true(c->refuse_chap);
	assert_true(c->refuse_mschap);
	assert_false(c->refuse_mschap_v2);
	assert_int_equal(c->lcp_echo_interval, 30);
	assert_int_equal(c->lcp_echo_failure, 4);
	assert_int_equal(c->mtu, 1400);
	assert_int_equal(c->mru, 1400);
	assert_false(c->proxyarp);
	assert_int_equal(c->idle, 0);
	assert_int_equal(c->rate_limit_down, 0);
	assert_int_equal(c->rate_limit_up, 0);
	assert_int_equal(c->rate_limit_burst, 100);
	assert_false(c->eap);
	assert_false(c->require_eap);
	assert_int_equal(c->eap_max_rounds, 50);
	assert_int_equal(c->eap_timeout, 60);
	assert_int_equal(c->log_level, LOG_LVL_NOTICE);
	assert_int_equal(c->log_target, LOG_TARGET_AUTO);
	assert_string_equal(c->control_socket, "/run/pptpd/control.sock");
	assert_null(c->ip_up);
	assert_null(c->ip_down);
	assert_null(c->pidfile);
	assert_string_equal(c->user, "pptpd");
	assert_null(c->group);
	assert_string_equal(c->hook_user, "root");
	assert_string_equal(c->source, "t.conf");
	config_free(c);
}

/* Every key set to something other than its default. */
static char *all_keys_text(const struct scratch *s)
{
	static char text[4096];
	snprintf(text, sizeof(text),
		 "listen 198.51.100.1,198.51.100.2\n"
		 "listen 198.51.100.3\n"
		 "localip 10.0.0.1\n"
		 "remoteip 10.0.0.100-110\n"
		 "connections 65535\n"
		 "stimeout 30\n"
		 "max-connections-per-address 2\n"
		 "max-unstarted-connections 5\n"
		 "max-calls-per-connection 3\n"
		 "max-calls-per-address 4\n"
		 "call-setup-timeout 12\n"
		 "echo-interval 5\n"
		 "echo-timeout 7\n"
		 "ctrl-idle-timeout 90\n"
		 "gre-reorder-packets 0\n"
		 "gre-reorder-hold-ms 100\n"
		 "gre-tx-queue 0\n"
		 "logwtmp\n"
		 "auth radius\n"
		 "user-db /srv/users.db\n"
		 "tun vpn7\n"
		 "tun-io syscall\n"
		 "workers auto\n"
		 "ms-dns 203.0.113.53\n"
		 "ms-dns 203.0.113.54\n"
		 "ms-wins 203.0.113.80\n"
		 "require-mppe-128 no\n"
		 "mppe-40 yes\n"
		 "mppe-56 yes\n"
		 "mppe-stateful yes\n"
		 "refuse-pap no\n"
		 "refuse-chap no\n"
		 "refuse-mschap no\n"
		 "refuse-mschap-v2 no\n"
		 "lcp-echo-interval 0\n"
		 "lcp-echo-failure 1\n"
		 "mtu 576\n"
		 "mru 1500\n"
		 "proxyarp\n"
		 "idle 600\n"
		 "rate-limit-down 4000\n"
		 "rate-limit-up 2000\n"
		 "rate-limit-burst 250\n"
		 "eap yes\n"
		 "require-eap yes\n"
		 "eap-max-rounds 200\n"
		 "eap-timeout 10\n"
		 "log-level debug\n"
		 "log-target journal\n"
		 "control-socket /run/x.sock\n"
		 "ip-up %s\n"
		 "ip-down %s\n"
		 "pidfile /run/pptpd.pid\n"
		 "user nobody\n"
		 "group nogroup\n"
		 "hook-user nobody\n"
		 "radius-server 127.0.0.1 s3cret\n"
		 "radius-server [2001:db8::5]:18120   other#secret   # a comment\n"
		 "radius-acct-server 127.0.0.1:18130 acct\n"
		 "radius-config /etc/radcli/radiusclient.conf\n"
		 "radius-dictionary /srv/dictionary\n"
		 "radius-attr NAS-Port-Id = pptp\n"
		 "radius-attr Idle-Timeout=600\n"
		 "radius-timeout 2\n"
		 "radius-tries 1\n"
		 "radius-dead-time 5\n"
		 "radius-nas-identifier gw1\n"
		 "radius-nas-ip 198.51.100.1\n"
		 "radius-bind 198.51.100.1\n"
		 "radius-acct-interim 300\n"
		 "radius-acct-spool /srv/spool.db\n"
		 "dae-listen 127.0.0.1:3799\n"
		 "dae-client 127.0.0.1 daesecret\n"
		 "dae-require-message-authenticator no\n"
		 "dae-require-event-timestamp yes\n"
		 "dae-event-timestamp-window 60\n"
		 "metrics-listen 127.0.0.1:9123\n"
		 "pool gold 10.0.1.10-12\n"
		 "pool silver 10.0.2.0/30\n"
		 "pool gold 10.0.1.20\n",
		 s->exec, s->exec);
	return text;
}

static void check_all_keys(const struct config *c, const struct scratch *s)
{
	assert_int_equal(c->listen.n, 3);
	assert_int_equal(addr_host(c->listen.addr[0]), ip("198.51.100.1"));
	assert_int_equal(addr_host(c->listen.addr[1]), ip("198.51.100.2"));
	assert_int_equal(addr_host(c->listen.addr[2]), ip("198.51.100.3"));
	assert_int_equal(addr_host(c->localip), ip("10.0.0.1"));
	assert_int_equal(config_pool_size(c), 11);
	assert_int_equal(c->connections, 65535);
	assert_int_equal(c->stimeout, 30);
	assert_int_equal(c->max_conn_per_addr, 2);
	assert_int_equal(c->max_unstarted, 5);
	assert_int_equal(c->max_calls_per_conn, 3);
	assert_int_equal(c->max_calls_per_addr, 4);
	assert_int_equal(c->call_setup_timeout, 12);
	assert_int_equal(c->echo_interval, 5);
	assert_int_equal(c->echo_timeout, 7);
	assert_int_equal(c->ctrl_idle_timeout, 90);
	assert_int_equal(c->gre_reorder_packets, 0);
	assert_int_equal(c->gre_reorder_hold_ms, 100);
	assert_int_equal(c->gre_tx_queue, 0);
	assert_true(c->logwtmp);
	assert_int_equal(c->auth, CONFIG_AUTH_RADIUS);
	assert_string_equal(c->user_db, "/srv/users.db");
	assert_string_equal(c->tun, "vpn7");
	assert_int_equal(c->ms_dns.n, 2);
	assert_int_equal(addr_host(c->ms_dns.addr[0]), ip("203.0.113.53"));
	assert_int_equal(addr_host(c->ms_dns.addr[1]), ip("203.0.113.54"));
	assert_int_equal(c->ms_wins.n, 1);
	assert_int_equal(addr_host(c->ms_wins.addr[0]), ip("203.0.113.80"));
	assert_true(c->require_mppe);
	assert_false(c->require_mppe_128);
	assert_true(c->mppe_40);
	assert_true(c->mppe_56);
	assert_true(c->mppe_stateful);
	assert_false(c->refuse_pap);
	assert_false(c->refuse_chap);
	assert_false(c->refuse_mschap);
	assert_false(c->refuse_mschap_v2);
	assert_int_equal(c->lcp_echo_interval, 0);
	assert_int_equal(c->lcp_echo_failure, 1);
	assert_int_equal(c->mtu, 576);
	assert_int_equal(c->mru, 1500);
	assert_true(c->proxyarp);
	assert_int_equal(c->idle, 600);
	assert_int_equal(c->rate_limit_down, 4000);
	assert_int_equal(c->rate_limit_up, 2000);
	assert_int_equal(c->rate_limit_burst, 250);
	assert_true(c->eap);
	assert_true(c->require_eap);
	assert_int_equal(c->eap_max_rounds, 200);
	assert_int_equal(c->eap_timeout, 10);
	assert_int_equal(c->log_level, LOG_LVL_DEBUG);
	assert_int_equal(c->log_target, LOG_TARGET_JOURNAL);
	assert_string_equal(c->control_socket, "/run/x.sock");
	assert_string_equal(c->ip_up, s->exec);
	assert_string_equal(c->ip_down, s->exec);
	assert_string_equal(c->pidfile, "/run/pptpd.pid");
	assert_string_equal(c->user, "nobody");
	assert_string_equal(c->group, "nogroup");
	assert_string_equal(c->hook_user, "nobody");
	assert_int_equal(c->tun_io, CONFIG_TUN_IO_SYSCALL);
	assert_int_equal(c->workers, 0); /* auto: one per CPU, resolved at start */
	char a[NETADDR_STRLEN];
	assert_int_equal(c->radius_auth.n, 2);
	netaddr_format(&c->radius_auth.s[0].addr, true, a, sizeof(a));
	assert_string_equal(a, "127.0.0.1:1812");
	netaddr_format(&c->radius_auth.s[1].addr, true, a, sizeof(a));
	assert_string_equal(a, "[2001:db8::5]:18120");
	assert_int_equal(c->radius_acct.n, 1);
	netaddr_format(&c->radius_acct.s[0].addr, true, a, sizeof(a));
	assert_string_equal(a, "127.0.0.1:18130");
	assert_string_equal(c->radius_config, "/etc/radcli/radiusclient.conf");
	assert_string_equal(c->radius_dictionary, "/srv/dictionary");
	assert_int_equal(c->radius_attrs.n, 2);
	assert_string_equal(c->radius_attrs.s[0], "NAS-Port-Id = pptp");
	assert_string_equal(c->radius_attrs.s[1], "Idle-Timeout=600");
	assert_int_equal(c->radius_timeout, 2);
	assert_int_equal(c->radius_tries, 1);
	assert_int_equal(c->radius_dead_time, 5);
	assert_string_equal(c->radius_nas_identifier, "gw1");
	assert_int_equal(addr_host(c->radius_nas_ip), ip("198.51.100.1"));
	assert_int_equal(addr_host(c->radius_bind), ip("198.51.100.1"));
	assert_int_equal(c->radius_acct_interim, 300);
	assert_string_equal(c->radius_acct_spool, "/srv/spool.db");
	assert_string_equal(c->dae_listen, "127.0.0.1:3799");
	assert_false(c->dae_require_ma);
	assert_true(c->dae_require_event_timestamp);
	assert_int_equal(c->dae_event_timestamp_window, 60);
	assert_string_equal(c->metrics_listen, "127.0.0.1:9123");
	assert_int_equal(c->pools.n, 2);
	assert_string_equal(c->pools.p[0].name, "gold");
	assert_int_equal(c->pools.p[0].pool.n, 2);
	assert_int_equal(c->pools.p[0].pool.size, 4);
	assert_int_equal(c->pools.p[0].pool.range[1].first, ip("10.0.1.20"));
	assert_string_equal(c->pools.p[1].name, "silver");
	assert_int_equal(c->pools.p[1].pool.size, 2);
	assert_int_equal(c->dae_clients.n, 1);
	netaddr_format(&c->dae_clients.s[0].addr, false, a, sizeof(a));
	assert_string_equal(a, "127.0.0.1");
}

static void every_key(void **state)
{
	(void)state;
	struct scratch s;
	scratch_make(&s);
	struct config *c = load(all_keys_text(&s));
	check_all_keys(c, &s);
	assert_string_equal(c->radius_auth.s[0].secret, "s3cret");
	assert_string_equal(c->radius_auth.s[1].secret, "other#secret");
	assert_string_equal(c->radius_acct.s[0].secret, "acct");
	assert_string_equal(c->dae_clients.s[0].secret, "daesecret");
	config_free(c);
	scratch_remove(&s);
}

static void booleans(void **state)
{
	(void)state;
	static const struct {
		const char *word;
		bool value;
	} forms[] = {
		{ "", true }, { " yes", true }, { " no", false }, { " true", true },
		{ " false", false }, { " on", true }, { " off", false }, { " 1", true },
		{ " 0", false }, { " YES", true }, { " Off", false },
	};
	char text[128];

	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(text, sizeof(text), BASE "proxyarp%s\n", forms[i].word);
		struct config *c = load(text);
		assert_int_equal(c->proxyarp, forms[i].value);
		config_free(c);
	}
	static const struct bad_conf bad[] = {
		{ BASE "proxyarp maybe\n", 3, "'maybe' is not a yes/no value for 'proxyarp'",
		  NULL },
		{ BASE "proxyarp yes please\n", 3, "unexpected 'please'", NULL },
	};
	FAILS_EACH(bad);
}

static void syntax(void **state)
{
	(void)state;
	struct config *c = load("# comment\r\n"
				"   \t\r\n"
				"\tlocalip   192.0.2.1   # trailing comment\r\n"
				"remoteip 192.0.2.10-20 #comment\n"
				"pidfile /run/a#b\n"
				"log-level INFO");
	assert_int_equal(config_pool_size(c), 11);
	assert_string_equal(c->pidfile, "/run/a#b");
	assert_int_equal(c->log_level, LOG_LVL_INFO);
	config_free(c);
	/* "20#not-a-comment" is part of the token, so it is no short range. */
	static const struct bad_conf bad[] = {
		{ BASE "remoteip 192.0.2.1-9#x\n", 3, "'192.0.2.1-9#x'", NULL },
		{ BASE "mtu\x01 1400\n", 3, "control character 0x01", NULL },
		{ BASE "mtu=1400\n", 3, "unknown key 'mtu=1400'", NULL },
		{ BASE "mtu\n", 3, "'mtu' needs a value", NULL },
	};
	FAILS_EACH(bad);
}

static void pools(void **state)
{
	(void)state;
	struct config *c = load("localip 192.0.2.1\n"
				"remoteip 192.0.2.10-20\n"             /* short range: 11 */
				"remoteip 198.51.100.250-198.51.101.5\n" /* full range: 12 */
				"remoteip 203.0.113.0/25,10.1.0.7\n"   /* CIDR 126 + 1 */
				"remoteip 10.2.0.0/31,10.3.0.9/32\n"); /* 2 + 1 */
	assert_int_equal(config_pool_size(c), 11 + 12 + 126 + 1 + 2 + 1);
	assert_int_equal(c->pool.n, 6);
	for (size_t i = 1; i < c->pool.n; i++) /* kept sorted */
		assert_true(c->pool.range[i - 1].last < c->pool.range[i].first);
	assert_true(config_pool_contains(c, ip("192.0.2.10")));
	assert_true(config_pool_contains(c, ip("192.0.2.20")));
	assert_false(config_pool_contains(c, ip("192.0.2.9")));
	assert_false(config_pool_contains(c, ip("192.0.2.21")));
	assert_true(config_pool_contains(c, ip("198.51.100.255")));
	assert_true(config_pool_contains(c, ip("198.51.101.0")));
	assert_true(config_pool_contains(c, ip("198.51.101.5")));
	assert_false(config_pool_contains(c, ip("203.0.113.0")));   /* network */
	assert_true(config_pool_contains(c, ip("203.0.113.1")));
	assert_true(config_pool_contains(c, ip("203.0.113.126")));
	assert_false(config_pool_contains(c, ip("203.0.113.127"))); /* broadcast */
	assert_true(config_pool_contains(c, ip("10.1.0.7")));
	assert_true(config_pool_contains(c, ip("10.2.0.0")));       /* /31: both */
	assert_true(config_pool_contains(c, ip("10.2.0.1")));
	assert_true(config_pool_contains(c, ip("10.3.0.9")));
	assert_false(config_pool_contains(c, ip("10.3.0.10")));
	config_free(c);

	/* The largest pool allowed. */
	c = load("localip 192.0.2.1\nremoteip 10.0.0.0-10.0.255.255\n");
	assert_int_equal(config_pool_size(c), CONFIG_POOL_MAX);
	config_free(c);
}

static void pool_errors(void **state)
{
	(void)state;
	static const struct bad_conf bad[] = {
		{ "localip 192.0.2.1\nremoteip 192.0.2.20-10\n", 2,
		  "'192.0.2.20-10' is a reversed range",
		  NULL },
		{ "localip 192.0.2.1\nremoteip 192.0.2.20-192.0.2.19\n", 2, "reversed range",
		  NULL },
		{ "localip 192.0.2.1\nremoteip 192.0.2.10-20\n\nremoteip 192.0.2.15\n", 4,
		  "'192.0.2.15' overlaps '192.0.2.10-20' from line 2", NULL },
		{ "localip 192.0.2.1\nremoteip 192.0.2.0/24,192.0.2.200-250\n", 2, "overlaps",
		  "line 2" },
		{ "localip 192.0.2.1\nremoteip 192.0.2.10,,192.0.2.12\n", 2, "empty item", NULL },
		{ "localip 192.0.2.1\nremoteip 192.0.2.10,\n", 2, "empty item", NULL },
		{ "localip 192.0.2.1\nremoteip\n", 2, "'remoteip' needs a value", NULL },
		{ "localip 192.0.2.1\nremoteip 10.0.0.0/15\n", 2, "more than 65536", NULL },
		{ "localip 192.0.2.1\nremoteip 10.0.0.0-10.1.0.0\n", 2, "larger than 65536", NULL },
		{ "localip 192.0.2.1\nremoteip 10.0.0.0-10.0.255.255\nremoteip 10.1.0.0\n", 3,
		  "larger than 65536", NULL },
		{ "localip 192.0.2.1\nremoteip 192.0.2.5/24\n", 2, "host bits set",
		  "'192.0.2.0/24'" },
		{ "localip 192.0.2.1\nremoteip 192.0.2.0/33\n", 2, "prefix length", NULL },
		{ "localip 192.0.2.1\nremoteip 192.0.2.10-256\n", 2, "short range", NULL },
		{ "localip 192.0.2.1\nremoteip 192.0.2.300\n", 2, "bad address '192.0.2.300'",
		  NULL },
		{ "localip 192.0.2.1\nremoteip 224.0.0.1\n", 2, "cannot be given to clients",
		  NULL },
		{ "localip 192.0.2.1\nremoteip 126.255.255.250-127.0.0.5\n", 2,
		  "cannot be given to clients", NULL },
		/* Missing or empty pool: named at the end of the file. */
		{ "localip 192.0.2.1\n\n", 2, "required key 'remoteip' is missing", NULL },
		{ "remoteip 192.0.2.10-20\n", 1, "required key 'localip' is missing", NULL },
		{ "", 1, "required key", NULL },
		/* localip inside the pool: at the localip line, naming the remoteip line. */
		{ "remoteip 192.0.2.10-20\nlocalip 192.0.2.15\n", 2,
		  "localip 192.0.2.15 is inside the remoteip pool (line 1)", NULL },
		{ "remoteip 192.0.2.10-20\nremoteip 198.51.100.0/24\n\nlocalip 198.51.100.9\n", 4,
		  "localip 198.51.100.9 is inside the remoteip pool (line 2)", NULL },
	};
	FAILS_EACH(bad);
}

static void value_errors(void **state)
{
	(void)state;
	static const struct bad_conf bad[] = {
		{ BASE "Mtu 1400\n", 3, "unknown key 'Mtu' (did you mean 'mtu'?)", NULL },
		{ BASE "refuse-mschapv2 no\n", 3, "did you mean 'refuse-mschap-v2'?", NULL },
		{ BASE "mtu 575\n", 3, "'575' is out of range for 'mtu' (576 to 1500)", NULL },
		{ BASE "mru 1501\n", 3, "out of range", NULL },
		{ BASE "mtu 99999999999999999999\n", 3, "out of range", NULL },
		{ BASE "connections 0\n", 3, "out of range", NULL },
		{ BASE "connections 65536\n", 3, "out of range", NULL },
		{ BASE "lcp-echo-failure 0\n", 3, "out of range", NULL },
		{ BASE "stimeout -1\n", 3, "'-1' is not a number for 'stimeout'", NULL },
		{ BASE "stimeout 1x\n", 3, "not a number", NULL },
		{ BASE "echo-interval 0\n", 3, "out of range for 'echo-interval'", NULL },
		{ BASE "echo-timeout 3601\n", 3, "out of range for 'echo-timeout'", NULL },
		{ BASE "max-connections-per-address 0\n", 3, "out of range", NULL },
		{ BASE "max-unstarted-connections 0\n", 3, "'0' is out of range for "
		  "'max-unstarted-connections' (1 to 65535)", NULL },
		{ BASE "max-calls-per-connection 65536\n", 3, "'65536' is out of range for "
		  "'max-calls-per-connection' (1 to 65535)", NULL },
		{ BASE "max-calls-per-address 0\n", 3, "out of range for 'max-calls-per-address'",
		  NULL },
		{ BASE "call-setup-timeout 0\n", 3, "'0' is out of range for "
		  "'call-setup-timeout' (1 to 3600)", NULL },
		{ BASE "call-setup-timeout 3601\n", 3, "out of range", NULL },
		{ BASE "ctrl-idle-timeout 0\n", 3, "out of range", NULL },
		{ BASE "gre-reorder-packets 65\n", 3, "'65' is out of range for "
		  "'gre-reorder-packets' (0 to 64)", NULL },
		{ BASE "gre-reorder-hold-ms 0\n", 3, "out of range", NULL },
		{ BASE "idle 604801\n", 3, "'604801' is out of range for 'idle' (0 to 604800)",
		  NULL },
		{ BASE "idle -1\n", 3, "'-1' is not a number for 'idle'", NULL },
		{ BASE "\nidle 30m\n", 4, "not a number for 'idle'", NULL },
		{ BASE "rate-limit-down 10000001\n", 3, "'10000001' is out of range for "
		  "'rate-limit-down' (0 to 10000000)", NULL },
		{ BASE "\nrate-limit-up 2M\n", 4, "not a number for 'rate-limit-up'", NULL },
		{ BASE "rate-limit-burst 0\n", 3, "'0' is out of range for "
		  "'rate-limit-burst' (1 to 60000)", NULL },
		{ BASE "gre-tx-queue 1025\n", 3, "'1025' is out of range for "
		  "'gre-tx-queue' (0 to 1024)", NULL },
		{ BASE "auth ldap\n", 3,
		  "'ldap' is not a valid value for 'auth' (sqlite or radius)",
		  NULL },
		{ BASE "log-level loud\n", 3, "'loud' is not a log level", NULL },
		{ BASE "log-target file\n", 3, "'file' is not a valid value for 'log-target' "
		  "(auto or stderr or syslog or journal)", NULL },
		{ BASE "\ntun-io uring\n", 4, "'uring' is not a valid value for 'tun-io' "
		  "(auto or io_uring or syscall)", NULL },
		{ BASE "tun-io\n", 3, "tun-io", NULL },
		{ BASE "workers 0\n", 3, "'0' is out of range for 'workers' (1 to 32)", NULL },
		{ BASE "workers 33\n", 3, "'33' is out of range for 'workers' (1 to 32)", NULL },
		{ BASE "workers many\n", 3, "'many' is not a number for 'workers'", NULL },
		{ BASE "tun a/b\n", 3, "'a/b' is not a valid interface name", NULL },
		{ BASE "tun 0123456789abcdef\n", 3, "not a valid interface name", NULL },
		{ BASE "user-db users.db\n", 3, "must be an absolute path", NULL },
		{ BASE "control-socket /run/"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", 3, "too long", NULL },
		{ BASE "ms-dns 203.0.113.1\nms-dns 203.0.113.2\nms-dns 203.0.113.3\n", 5,
		  "at most 2 addresses", NULL },
		{ BASE "ms-wins 203.0.113.1,203.0.113.1\n", 3, "given twice", NULL },
		{ BASE "ms-dns 0.0.0.0\n", 3, "not a unicast host address", NULL },
		{ BASE "ms-dns dns.example\n", 3, "'dns.example' is not an IPv4 address", NULL },
		{ "localip 192.0.2.1-5\nremoteip 192.0.2.10-20\n", 1, "takes one address", NULL },
		{ "localip 192.0.2.1,192.0.2.2\n", 1, "takes one address", NULL },
		{ BASE "listen 0.0.0.0,192.0.2.1\n", 3, "cannot be combined", NULL },
	};
	FAILS_EACH(bad);
	/* Without a key near enough, no guess. */
	fails_at(BASE "frobnicate 1\n", 3, "unknown key 'frobnicate'", NULL);
	assert_null(strstr(errbuf, "did you mean"));
}

static void duplicates(void **state)
{
	(void)state;
	static const struct bad_conf bad[] = {
		{ BASE "mtu 1400\n# x\nmtu 1300\n", 5, "'mtu' is already set on line 3", NULL },
		{ "localip 192.0.2.1\nlocalip 192.0.2.2\n", 2, "already set on line 1", NULL },
		{ BASE "proxyarp\nproxyarp no\n", 4, "already set on line 3", NULL },
		{ BASE "log-level info\ndebug\n", 4, "'debug' sets 'log-level', which is already "
		  "set on line 3", NULL },
		{ BASE "debug\nlog-level info\n", 4, "already set on line 3", NULL },
		{ BASE "debug yes\n", 3, "'debug' takes no value", NULL },
	};
	FAILS_EACH(bad);
	/* Repeatable keys append; the first listen line replaces the default. */
	struct config *c = load(BASE "listen 192.0.2.1\nlisten 198.51.100.1\n");
	assert_int_equal(c->listen.n, 2);
	assert_int_equal(addr_host(c->listen.addr[0]), ip("192.0.2.1"));
	config_free(c);
}

static void mppe_rules(void **state)
{
	(void)state;
	static const struct bad_conf bad[] = {
		{ BASE "require-mppe-128 yes\nmppe-40\n", 4,
		  "'mppe-40 yes' conflicts with 'require-mppe-128 yes' on line 3",
		  "also set 'require-mppe-128 no'" },
		{ BASE "mppe-56 yes\n", 3,
		  "'mppe-56 yes' conflicts with require-mppe-128, which is "
		  "yes by default", NULL },
		{ BASE "require-mppe no\n", 3, "'require-mppe no' conflicts with require-mppe-128",
		  "also set 'require-mppe-128 no'" },
		{ BASE "\nrequire-mppe-128 yes\nrequire-mppe no\n", 5,
		  "'require-mppe-128 yes' on line 4", NULL },
	};
	FAILS_EACH(bad);

	struct config *c = load(BASE "require-mppe no\nrequire-mppe-128 no\nmppe-40\n");
	assert_false(c->require_mppe);
	assert_false(c->require_mppe_128);
	assert_true(c->mppe_40);
	config_free(c);
}

static void auth_rules(void **state)
{
	(void)state;
	static const struct bad_conf bad[] = {
		{ BASE "refuse-chap no\n", 3, "'refuse-chap no' cannot work with 'auth sqlite'",
		  "the SQLite store keeps only NT hashes and CHAP-MD5 needs a clear-text "
		  "password" },
		{ BASE "refuse-mschap-v2 yes\n", 3, "every authentication method is refused",
		  NULL },
		{ BASE "refuse-mschap-v2\nrefuse-pap yes\n", 4, "every authentication method",
		  NULL },
		{ BASE "refuse-pap no\nrefuse-mschap-v2 yes\n", 4, "MPPE keys come from MS-CHAP",
		  NULL },
	};
	FAILS_EACH(bad);

	struct config *c = load(BASE "auth radius\nradius-server 127.0.0.1 x\nrefuse-chap no\n");
	assert_false(c->refuse_chap);
	config_free(c);
	c = load(BASE "refuse-mschap no\nrefuse-mschap-v2 yes\n");
	assert_false(c->refuse_mschap);
	config_free(c);
}

/* EAP is relayed to RADIUS: never with the store; require-eap only with
 * eap; the bounds of the exchange in range. Errors name file and line. */
static void eap_keys(void **state)
{
	(void)state;
#define RADIUS "auth radius\nradius-server 127.0.0.1 x\n"
	static const struct bad_conf bad[] = {
		{ BASE "eap yes\n", 3, "t.conf:3: 'eap yes' needs 'auth radius'",
		  "the SQLite store keeps MS-CHAPv2" },
		{ BASE "auth sqlite\n\neap\n", 5, "'eap yes' needs 'auth radius'", NULL },
		{ BASE RADIUS "require-eap yes\n", 5, "t.conf:5: 'require-eap yes' needs 'eap yes'",
		  NULL },
		{ BASE RADIUS "eap no\nrequire-eap yes\n", 6, "needs 'eap yes'", NULL },
		{ BASE RADIUS "eap yes\neap-max-rounds 4\n", 6,
		  "t.conf:6: '4' is out of range for 'eap-max-rounds' (5 to 200)", NULL },
		{ BASE RADIUS "eap-max-rounds 201\n", 5, "out of range for 'eap-max-rounds'",
		  NULL },
		{ BASE RADIUS "eap-timeout 9\n", 5,
		  "t.conf:5: '9' is out of range for 'eap-timeout' (10 to 600)", NULL },
		{ BASE RADIUS "eap-timeout 601\n", 5, "out of range for 'eap-timeout'", NULL },
		{ BASE RADIUS "eap maybe\n", 5, "t.conf:5:", "'eap'" },
	};
	FAILS_EACH(bad);

	struct config *c = load(BASE RADIUS "eap yes\neap-max-rounds 5\neap-timeout 600\n");
	assert_true(c->eap);
	assert_false(c->require_eap);
	assert_int_equal(c->eap_max_rounds, 5);
	assert_int_equal(c->eap_timeout, 600);
	config_free(c);
	/* EAP alone: the CHAP kinds may all be refused, MPPE still required
	 * (its keys come from the EAP method). */
	c = load(BASE RADIUS "eap yes\nrequire-eap yes\nrefuse-mschap-v2 yes\n");
	assert_true(c->require_eap);
	assert_true(c->refuse_mschap_v2);
	assert_true(c->require_mppe);
	config_free(c);
	/* Without eap that is still every method refused. */
	fails_at(BASE RADIUS "refuse-mschap-v2 yes\n", 5, "every authentication method", NULL);
#undef RADIUS
}

static void radius_keys(void **state)
{
	(void)state;
	static const struct bad_conf bad[] = {
		{ BASE "auth radius\n", 3, "'auth radius' needs at least one 'radius-server",
		  NULL },
		{ BASE "radius-server 127.0.0.1 x\n", 3, "'auth' is not radius", NULL },
		{ BASE "auth radius\nradius-server 127.0.0.1\n", 4,
		  "'radius-server' needs a shared secret", NULL },
		{ BASE "auth radius\nradius-server radius.example.net x\n", 4,
		  "'radius.example.net' is not an address for 'radius-server'", NULL },
		{ BASE "auth radius\nradius-server 127.0.0.1:0 x\n", 4, "not an address", NULL },
		{ BASE "auth radius\nradius-server 127.0.0.1:70000 x\n", 4, "not an address",
		  NULL },
		{ BASE "auth radius\nradius-server 2001:db8::1 x\n", 4, "not an address", NULL },
		{ BASE "auth radius\nradius-server 127.0.0.1 a b\n", 4, "cannot contain blanks",
		  NULL },
		{ BASE "auth radius\nradius-server 127.0.0.1 x\nradius-server 127.0.0.1:1812 y\n",
		  5, "is given twice", NULL },
		{ BASE "auth radius\n"
		  "radius-server 127.0.0.1 x require-message-authenticator=maybe\n", 4,
		  "takes yes or no", NULL },
		{ BASE "auth radius\nradius-server 127.0.0.1 x require-message-authenticator=\n",
		  4, "not a flag it knows", NULL },
		{ BASE "radius-acct-server 127.0.0.1 x require-message-authenticator=no\n", 3,
		  "a flag of 'radius-server' only", NULL },
		{ BASE "dae-listen 127.0.0.1\ndae-client 127.0.0.1 x "
		  "require-message-authenticator=no\n", 4, "a flag of 'radius-server' only", NULL },
		{ BASE "radius-status-server maybe\n", 3, "radius-status-server", NULL },
	};
	FAILS_EACH(bad);
	{
		struct config *c = load(BASE "auth radius\n"
					"radius-server 127.0.0.1 x\n"
					"radius-server 127.0.0.2 y\trequire-message-authenticator=no\n"
					"radius-server 127.0.0.3 z require-message-authenticator=yes\n");
		assert_int_equal(c->radius_auth.n, 3);
		assert_false(c->radius_auth.s[0].ma_optional);
		assert_true(c->radius_auth.s[1].ma_optional);
		assert_string_equal(c->radius_auth.s[1].secret, "y");
		assert_false(c->radius_auth.s[2].ma_optional);
		assert_string_equal(c->radius_auth.s[2].secret, "z");
		assert_true(c->radius_status_server);
		config_free(c);
		c = load(BASE "radius-status-server no\n");
		assert_false(c->radius_status_server);
		config_free(c);
	}
	static const struct bad_conf bad2[] = {
		{ BASE "auth radius\nradius-server 127.0.0.1 "
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", 4, "longer than 128",
		  NULL },
		{ BASE "radius-acct-server 127.0.0.1:1 a\nradius-acct-server 127.0.0.2 a\n"
		  "radius-acct-server 127.0.0.3 a\nradius-acct-server 127.0.0.4 a\n"
		  "radius-acct-server 127.0.0.5 a\nradius-acct-server 127.0.0.6 a\n"
		  "radius-acct-server 127.0.0.7 a\nradius-acct-server 127.0.0.8 a\n"
		  "radius-acct-server 127.0.0.9 a\n", 11, "more than 8 'radius-acct-server'",
		  NULL },
		{ BASE "radius-attr Class\n", 3, "is not 'Attribute-Name = value'", NULL },
		{ BASE "radius-attr =x\n", 3, "is not 'Attribute-Name = value'", NULL },
		{ BASE "radius-attr\n", 3, "'radius-attr' needs a value", NULL },
		{ BASE "radius-timeout 0\n", 3, "out of range", NULL },
		{ BASE "radius-nas-ip 0.0.0.0\n", 3, "not a unicast host address", NULL },
		{ BASE "radius-acct-spool spool.db\n", 3, "must be an absolute path", NULL },
		{ BASE "dae-listen 127.0.0.1\n", 3, "'dae-listen' needs at least one 'dae-client",
		  NULL },
		{ BASE "dae-client 127.0.0.1 s\n", 3, "'dae-listen' is not", NULL },
		{ BASE "dae-listen nowhere\ndae-client 127.0.0.1 s\n", 3,
		  "'nowhere' is not an address for 'dae-listen'", NULL },
		{ BASE "metrics-listen 127.0.0.1\n", 3,
		  "'127.0.0.1' is not an address with a port for 'metrics-listen'", NULL },
		{ BASE "\nmetrics-listen 127.0.0.1:0\n", 4, "not an address with a port", NULL },
		{ BASE "metrics-listen [::1]:99999\n", 3, "not an address with a port", NULL },
		{ BASE "dae-event-timestamp-window 0\n", 3,
		  "'0' is out of range for 'dae-event-timestamp-window' (1 to 3600)", NULL },
		{ BASE "\ndae-event-timestamp-window 3601\n", 4, "out of range", NULL },
		{ BASE "dae-require-message-authenticator maybe\n", 3,
		  "dae-require-message-authenticator", NULL },

		/* Named pools (Framed-Pool). */
		{ BASE "pool gold\n", 3, "'pool gold' needs addresses", NULL },
		{ BASE "pool g/d 192.0.2.230\n", 3, "'g/d' is not a pool name", NULL },
		{ BASE "pool gold 192.0.2.15\n", 3,
		  "pool gold item '192.0.2.15' overlaps '192.0.2.10-200' of remoteip", NULL },
		{ BASE "pool gold 192.0.2.210-220\npool blue 192.0.2.215/32\n", 4,
		  "pool blue item '192.0.2.215' overlaps '192.0.2.210-220' of gold", NULL },
		{ BASE "pool gold 192.0.2.230\npool gold 192.0.2.230\n", 4,
		  "pool item '192.0.2.230' overlaps '192.0.2.230' from line 3", NULL },
		{ BASE "pool gold 192.0.2.0/24\n", 3, "localip is inside pool gold", NULL },
	};
	FAILS_EACH(bad2);

	/* Accounting works with the SQLite store too; DAE's default port. */
	struct config *c = load(BASE "radius-acct-server 127.0.0.1 s\n"
				"dae-listen 127.0.0.1\ndae-client 127.0.0.1 t\n");
	assert_int_equal(c->auth, CONFIG_AUTH_SQLITE);
	assert_int_equal(c->radius_acct.n, 1);
	assert_int_equal(ntohs(((struct sockaddr_in *)&c->radius_acct.s[0].addr)->sin_port), 1813);
	assert_int_equal(c->radius_timeout, 3);
	assert_int_equal(c->radius_tries, 3);
	assert_null(c->radius_nas_identifier);
	assert_int_equal(c->radius_nas_ip.s_addr, 0);
	/* Replay protection is on unless turned off. */
	assert_true(c->dae_require_ma);
	assert_false(c->dae_require_event_timestamp);
	assert_int_equal(c->dae_event_timestamp_window, 300);
	config_free(c);
}

static void hooks(void **state)
{
	(void)state;
	struct scratch s;
	char text[512];

	scratch_make(&s);
	snprintf(text, sizeof(text), BASE "ip-up %s\nip-down %s\n", s.exec, s.noexec);
	fails_at(text, 4, "is not executable", s.noexec);
	snprintf(text, sizeof(text), BASE "ip-up %s/missing\n", s.dir);
	fails_at(text, 3, "No such file or directory", NULL);
	snprintf(text, sizeof(text), BASE "ip-down %s\n", s.dir);
	fails_at(text, 3, "not a regular file", NULL);
	fails_at(BASE "ip-up hooks/ip-up\n", 3, "must be an absolute path", NULL);
	scratch_remove(&s);
}

/* user, group and hook-user name accounts of this machine when the file
 * gives them; the defaults are left to the start (server/privs.c). */
static void privileges(void **state)
{
	(void)state;
	static const struct bad_conf bad[] = {
		{ BASE "log-level info\nuser nosuchuser-pptpd\n", 4,
		  "'nosuchuser-pptpd' for 'user'",
		  "no such user" },
		{ BASE "group nosuchgroup-pptpd\n", 3, "'nosuchgroup-pptpd' for 'group'",
		  "no such group" },
		{ BASE "hook-user nosuchuser-pptpd\n", 3, "for 'hook-user'", "no such user" },
		{ BASE "user root\nuser root\n", 4, "'user' is already set on line 3", NULL },
		{ BASE "user aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 3, "too long for 'user'",
		  "at most 32" },
		{ BASE "group\n", 3, "'group' needs a value", NULL },
	};
	FAILS_EACH(bad);

	struct config *c = load(BASE "user root\ngroup root\nhook-user root\n");
	assert_string_equal(c->user, "root");
	assert_string_equal(c->group, "root");
	assert_string_equal(c->hook_user, "root");
	config_free(c);
}

static void poptop_keys(void **state)
{
	(void)state;
	/* option reads a pppd options file (test_pppd_options.c): a missing
	 * one is an error at the option line. */
	static const struct bad_conf bad[] = {
		{ BASE "option /nonexistent/options.pptpd\n", 3,
		  "'option /nonexistent/options.pptpd': cannot open", "No such file" },
		{ BASE "ppp /usr/sbin/pppd\n", 3, "'ppp' is not supported", "ms-dns" },
		{ BASE "bcrelay eth1\n", 3, "'bcrelay' is not supported", NULL },
		{ BASE "delegate\n", 3, "'delegate' is not supported", NULL },
	};
	FAILS_EACH(bad);

	struct config *c = load(BASE "speed 115200\nnoipparam\ndebug\n");
	assert_int_equal(c->log_level, LOG_LVL_DEBUG);
	config_free(c);
}

static char *print_to_string(const struct config *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print(f, c);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void assert_pool_equal(const struct config_pool *a, const struct config_pool *b)
{
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->size, b->size);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->range[i].first, b->range[i].first);
		assert_int_equal(a->range[i].last, b->range[i].last);
	}
}

static void print_reloads(void **state)
{
	(void)state;
	struct scratch s;
	scratch_make(&s);

	/* All keys set, and defaults with a multi-line pool. */
	struct config *orig[2];
	orig[0] = load(all_keys_text(&s));
	orig[1] = load("localip 192.0.2.1\n"
		       "remoteip 10.0.0.1,10.0.0.3,10.0.0.5,10.0.0.7,10.0.0.9,10.0.0.11\n"
		       "remoteip 10.0.0.13,10.0.0.15,10.0.0.17,10.0.1.0/24,10.0.2.250-10.0.3.4\n");
	for (int i = 0; i < 2; i++) {
		char *text = print_to_string(orig[i]);
		struct config *again = load(text);
		char *text2 = print_to_string(again);
		assert_string_equal(text, text2);
		if (i == 0)
			check_all_keys(again, &s);
		else
			assert_int_equal(config_pool_size(again), 9 + 254 + 11);
		assert_pool_equal(&orig[i]->pool, &again->pool);
		assert_int_equal(orig[i]->localip.s_addr, again->localip.s_addr);
		/* Every settable key appears in the output. */
		for (size_t k = 0; k < config_key_count(); k++) {
			const char *name = config_key_name(k);
			char pattern[64];
			snprintf(pattern, sizeof(pattern), "\n%s ", name);
			if (strcmp(name, "debug") && strcmp(name, "speed") && strcmp(name,
		  "noipparam") &&
			    strcmp(name, "option") && strcmp(name, "ppp") && strcmp(name,
		  "bcrelay") &&
			    strcmp(name, "delegate") && !strstr(text, pattern)) {
				snprintf(pattern, sizeof(pattern), "\n# %s (not set)", name);
				if (!strstr(text, pattern))
					fail_msg("key %s missing from config_print output", name);
			}
		}
		free(text);
		free(text2);
		config_free(again);
		config_free(orig[i]);
	}
	scratch_remove(&s);
}

static void from_files(void **state)
{
	(void)state;
	char path[512];
	char prefix[600];

	snprintf(path, sizeof(path), "%s/conf/valid.conf", TEST_DATA_DIR);
	struct config *c = config_load(path, errbuf, sizeof(errbuf));
	if (!c)
		fail_msg("%s", errbuf);
	assert_int_equal(c->connections, 7);
	assert_int_equal(config_pool_size(c), 11 + 2);
	assert_string_equal(c->source, path);
	config_free(c);

	snprintf(path, sizeof(path), "%s/conf/broken.conf", TEST_DATA_DIR);
	assert_null(config_load(path, errbuf, sizeof(errbuf)));
	snprintf(prefix, sizeof(prefix), "%s:4: '9000' is out of range for 'mtu'", path);
	assert_string_equal(strstr(errbuf, prefix) == errbuf ? prefix : errbuf, prefix);

	snprintf(path, sizeof(path), "%s/conf/does-not-exist.conf", TEST_DATA_DIR);
	assert_null(config_load(path, errbuf, sizeof(errbuf)));
	assert_non_null(strstr(errbuf, "No such file or directory"));
	assert_non_null(strstr(errbuf, path));
}

static void key_list(void **state)
{
	(void)state;
	assert_true(config_key_count() > 30);
	assert_string_equal(config_key_name(0), "listen");
	assert_null(config_key_name(config_key_count()));
	for (size_t i = 0; i < config_key_count(); i++)
		for (size_t j = i + 1; j < config_key_count(); j++)
			assert_string_not_equal(config_key_name(i), config_key_name(j));
}

/* ipv6, ipv6-prefix-pool, ipv6-dns: values, print round trip, errors at their lines. */
static void ipv6_keys(void **state)
{
	(void)state;
	struct in6_addr a;
	struct config *c = load(BASE);
	assert_false(c->ipv6);
	assert_int_equal(c->ipv6_prefix_pool.len, 0);
	assert_int_equal(c->ipv6_dns.n, 0);
	config_free(c);

	c = load(BASE "ipv6 yes\nipv6-prefix-pool 2001:db8:100::/56\n"
		 "ipv6-dns 2001:db8:53::53,2001:db8:53::54\nipv6-dns 2001:db8:53::55\n");
	assert_true(c->ipv6);
	assert_int_equal(c->ipv6_prefix_pool.len, 56);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:100::", &a), 1);
	assert_memory_equal(&c->ipv6_prefix_pool.addr, &a, sizeof(a));
	assert_int_equal(c->ipv6_dns.n, 3);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:53::55", &a), 1);
	assert_memory_equal(&c->ipv6_dns.addr[2], &a, sizeof(a));
	/* What -t prints loads back into the same values. */
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print(f, c);
	fclose(f);
	assert_non_null(strstr(text, "ipv6-prefix-pool 2001:db8:100::/56\n"));
	assert_non_null(strstr(text, "ipv6-dns 2001:db8:53::54\n"));
	struct config *again = load(text);
	for (size_t i = 0; i < config_key_count(); i++)
		assert_true(config_key_equal(c, again, i));
	config_free(again);
	free(text);
	config_free(c);

	/* A /64 pool holds one session's prefix: allowed. */
	c = load(BASE "ipv6-prefix-pool 2001:db8:1:2::/64\nipv6 yes\n");
	assert_int_equal(c->ipv6_prefix_pool.len, 64);
	config_free(c);

	/* Named IPv6 pools: one prefix each, printed back, never overlapping
	 * the default pool or each other; errors name the line. */
	c = load(BASE "ipv6 yes\nipv6-prefix-pool 2001:db8:100::/56\n"
		 "ipv6-pool gold 2001:db8:600::/60\nipv6-pool silver 2001:db8:700::/64\n");
	assert_int_equal(c->ipv6_pools.n, 2);
	assert_string_equal(c->ipv6_pools.p[0].name, "gold");
	assert_int_equal(c->ipv6_pools.p[0].prefix.len, 60);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:700::", &a), 1);
	assert_memory_equal(&c->ipv6_pools.p[1].prefix.addr, &a, sizeof(a));
	text = NULL;
	f = open_memstream(&text, &len);
	assert_non_null(f);
	config_print(f, c);
	fclose(f);
	assert_non_null(strstr(text, "ipv6-pool gold 2001:db8:600::/60\n"));
	again = load(text);
	for (size_t i = 0; i < config_key_count(); i++)
		assert_true(config_key_equal(c, again, i));
	config_free(again);
	free(text);
	config_free(c);
	static const struct bad_conf bad[] = {
		{ BASE "ipv6-prefix-pool 2001:db8:100::/56\nipv6-pool gold 2001:db8:100:80::/57\n",
		  4, "'ipv6-pool gold' overlaps ipv6-prefix-pool", NULL },
		{ BASE "ipv6-pool gold 2001:db8:600::/60\nipv6-pool bronze 2001:db8:600:4::/64\n",
		  4, "'ipv6-pool bronze' overlaps 'ipv6-pool gold' (line 3)", NULL },
		{ BASE "ipv6-pool gold 2001:db8:600::/60\nipv6-pool gold 2001:db8:700::/60\n", 4,
		  "'ipv6-pool gold' is given twice (line 3)", NULL },
		{ BASE "ipv6-pool gold\n", 3, "needs a prefix", NULL },
		{ BASE "ipv6-pool g/d 2001:db8:600::/60\n", 3, "is not a pool name", NULL },
		{ BASE "ipv6-pool gold 2001:db8:600::/65\n", 3, "the length must be 1 to 64",
		  NULL },

		{ BASE "ipv6 yes\n", 3, "'ipv6 yes' needs 'ipv6-prefix-pool", NULL },
		{ BASE "ipv6-prefix-pool 2001:db8::/65\n", 3, "the length must be 1 to 64",
		  NULL },
		{ BASE "ipv6-prefix-pool 2001:db8::/0\n", 3, "the length must be 1 to 64", NULL },
		{ BASE "ipv6-prefix-pool 2001:db8::\n", 3, "is not PREFIX/LEN", NULL },
		{ BASE "ipv6-prefix-pool 2001:db8::1/56\n", 3, "host bits set past /56", NULL },
		{ BASE "ipv6-prefix-pool 2001:zz8::/56\n", 3, "is not an IPv6 prefix", NULL },
		{ BASE "ipv6-prefix-pool 2001:db8::/5x\n", 3, "must be 1 to 64", NULL },
		{ BASE "ipv6-prefix-pool fe80::/64\n", 3, "link-local", NULL },
		{ BASE "\nipv6-prefix-pool 2001:db8::/56\nipv6-prefix-pool 2001:db8:1::/56\n", 5,
		  "ipv6-prefix-pool", NULL },
		{ BASE "ipv6-dns 192.0.2.53\n", 3, "is not an IPv6 address for 'ipv6-dns'", NULL },
		{ BASE "ipv6-dns ff02::1\n", 3, "not a unicast address", NULL },
		{ BASE "ipv6-dns 2001:db8::1\nipv6-dns 2001:db8::1\n", 4, "given twice", NULL },
		{ BASE "ipv6-dns 2001:db8::1,2001:db8::2,2001:db8::3\nipv6-dns 2001:db8::4\n", 4,
		  "at most 3 addresses", NULL },
	};
	FAILS_EACH(bad);
}

/* user-domain follows `auth` unless set; the lock-out keys and their ranges. */
static void user_domain_and_lockout(void **state)
{
	(void)state;
	struct config *c = load(BASE);
	assert_int_equal(c->user_domain, CONFIG_USER_DOMAIN_STRIP);
	assert_int_equal(c->lockout_user_failures, 5);
	assert_int_equal(c->lockout_source_failures, 20);
	assert_int_equal(c->lockout_window, 300);
	assert_int_equal(c->lockout_time, 900);
	assert_int_equal(c->lockout_table_size, 4096);
	config_free(c);
	c = load(BASE "auth radius\nradius-server 127.0.0.1 x\n");
	assert_int_equal(c->user_domain, CONFIG_USER_DOMAIN_KEEP);
	config_free(c);
	c = load(BASE "user-domain refuse\nauth radius\nradius-server 127.0.0.1 x\n");
	assert_int_equal(c->user_domain, CONFIG_USER_DOMAIN_REFUSE);
	config_free(c);
	c = load(BASE "user-domain keep\nlockout-user-failures 0\nlockout-source-failures 0\n"
		 "lockout-window 1\nlockout-time 86400\nlockout-table-size 64\n");
	assert_int_equal(c->user_domain, CONFIG_USER_DOMAIN_KEEP);
	assert_int_equal(c->lockout_user_failures, 0);
	assert_int_equal(c->lockout_source_failures, 0);
	assert_int_equal(c->lockout_window, 1);
	assert_int_equal(c->lockout_time, 86400);
	assert_int_equal(c->lockout_table_size, 64);
	config_free(c);
	c = load(BASE "auth radius\nradius-server 127.0.0.1 x\nuser-domain strip\n");
	assert_int_equal(c->user_domain, CONFIG_USER_DOMAIN_STRIP);
	config_free(c);

	static const struct bad_conf bad[] = {
		{ BASE "user-domain drop\n", 3, "'drop' is not a valid value for 'user-domain'",
		  "strip or keep or refuse" },
		{ BASE "lockout-user-failures 1001\n", 3,
		  "'1001' is out of range for 'lockout-user-failures' (0 to 1000)", NULL },
		{ BASE "lockout-source-failures 100001\n", 3, "out of range", NULL },
		{ BASE "\nlockout-window 0\n", 4,
		  "'0' is out of range for 'lockout-window' (1 to 86400)", NULL },
		{ BASE "lockout-time 86401\n", 3, "out of range for 'lockout-time'", NULL },
		{ BASE "lockout-table-size 63\n", 3,
		  "'63' is out of range for 'lockout-table-size' (64 to 262144)", NULL },
	};
	FAILS_EACH(bad);
}

/* Every error of a file in one load, each "FILE:LINE: message" on its own
 * line, in file order; checks across keys leave keys whose line failed
 * alone (no "required key missing" for a localip that did not parse). */
static void every_error(void **state)
{
	(void)state;
	assert_null(config_load_string("t.conf",
				       "localip 192.0.2.300\n"       /* 1: bad address */
				       "remoteip 192.0.2.10-200\n"
				       "mtu 9000\n"                  /* 3: out of range */
				       "requre-mppe yes\n"           /* 4: unknown key */
				       "auth ldap\n"                 /* 5: bad value */
				       "ms-dns 198.51.100.1\n"
				       "mtu 1400\n"                  /* 7: fine: 3 failed */
				       "mppe-40 yes\n",              /* 8: conflict (check) */
				       errbuf, sizeof(errbuf)));
	const char *want[] = {
		"t.conf:1: '192.0.2.300' is not an IPv4 address for 'localip'",
		"t.conf:3: '9000' is out of range for 'mtu'",
		"t.conf:4: unknown key 'requre-mppe' (did you mean 'require-mppe'?)",
		"t.conf:5: 'ldap' is not a valid value for 'auth'",
		"t.conf:8: 'mppe-40 yes' conflicts with require-mppe-128",
	};
	const char *p = errbuf;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (strncmp(p, want[i], strlen(want[i])) != 0)
			fail_msg("error %zu: \"%s\" does not start with \"%s\"", i, p, want[i]);
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	assert_string_equal(p, "");
	assert_null(strstr(errbuf, "required key"));

	/* A message cut for lack of room says so. */
	char small[64];
	assert_null(config_load_string("t.conf", "mtu 1\nmru 1\nfoo\n", small, sizeof(small)));
	assert_non_null(strstr(small, "..."));
	assert_int_equal(strlen(small), sizeof(small) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(every_key),
		cmocka_unit_test(booleans),
		cmocka_unit_test(syntax),
		cmocka_unit_test(pools),
		cmocka_unit_test(pool_errors),
		cmocka_unit_test(value_errors),
		cmocka_unit_test(duplicates),
		cmocka_unit_test(mppe_rules),
		cmocka_unit_test(auth_rules),
		cmocka_unit_test(hooks),
		cmocka_unit_test(privileges),
		cmocka_unit_test(poptop_keys),
		cmocka_unit_test(print_reloads),
		cmocka_unit_test(radius_keys),
		cmocka_unit_test(eap_keys),
		cmocka_unit_test(from_files),
		cmocka_unit_test(key_list),
		cmocka_unit_test(user_domain_and_lockout),
		cmocka_unit_test(ipv6_keys),
		cmocka_unit_test(every_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
