/*
 * The reload diff (server/reload.h) and the config helpers under it
 * (config_key_equal, config_key_line, config_key_swap): which keys differ,
 * on which line of the new file, and which of them apply live.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"
#include "server/reload.h"
#include "server/server.h"

#define BASE "localip 192.0.2.1\nremoteip 192.0.2.10-20\n"

static char errbuf[1024];

static struct config *load(const char *text)
{
	struct config *cfg = config_load_string("t.conf", text, errbuf, sizeof(errbuf));
	if (!cfg)
		print_error("unexpected error: %s\n", errbuf);
	assert_non_null(cfg);
	return cfg;
}

static size_t key_index(const char *name)
{
	for (size_t i = 0; i < config_key_count(); i++)
		if (strcmp(config_key_name(i), name) == 0)
			return i;
	fail_msg("no key %s", name);
	return 0;
}

/* The diff of two texts as "name:line:live|restart" joined with spaces. */
static void diff_text(const char *a, const char *b, char *out, size_t cap)
{
	struct config *ca = load(a), *cb = load(b);
	struct reload_item items[RELOAD_ITEMS_MAX];
	size_t n = reload_diff(ca, cb, items, RELOAD_ITEMS_MAX);
	out[0] = '\0';
	for (size_t i = 0; i < n && i < RELOAD_ITEMS_MAX; i++) {
		char e[RELOAD_NAME_MAX + 32];
		snprintf(e, sizeof(e), "%s%.47s:%u:%s", i ? " " : "", items[i].name, items[i].line,
			 items[i].live ? "live" : "restart");
		assert_true(strlen(out) + strlen(e) < cap);
		strcat(out, e);
	}
	config_free(ca);
	config_free(cb);
}

static void assert_diff(const char *a, const char *b, const char *want)
{
	char got[1024];
	diff_text(a, b, got, sizeof(got));
	if (strcmp(got, want) != 0)
		fail_msg("diff is \"%s\", want \"%s\"", got, want);
}

static void same_file_no_diff(void **state)
{
	(void)state;
	assert_diff(BASE "ms-dns 192.0.2.53\n", BASE "ms-dns 192.0.2.53\n", "");
	/* A default written out is the same value as the default. */
	assert_diff(BASE, BASE "connections 100\n", "");
	/* Comments and order do not matter. */
	assert_diff(BASE "ms-dns 192.0.2.53\nmtu 1400\n", "# x\nmtu 1400\n" BASE "ms-dns 192.0.2.53\n",
		    "");
}

static void live_keys(void **state)
{
	(void)state;
	assert_diff(BASE "ms-dns 192.0.2.53\n", BASE "ms-dns 192.0.2.54\n", "ms-dns:3:live");
	/* A key given in the new file only, and one removed (back to default: line 0). */
	assert_diff(BASE, BASE "\nlog-level debug\n", "log-level:4:live");
	assert_diff(BASE "max-calls-per-connection 4\n", BASE, "max-calls-per-connection:0:live");
	assert_diff(BASE, BASE "lockout-time 60\nrequire-mppe-128 no\n",
		    "lockout-time:3:live require-mppe-128:4:live");
	assert_diff(BASE, "localip 192.0.2.1\nremoteip 192.0.2.10-40\n", "remoteip:2:live");
}

static void restart_keys(void **state)
{
	(void)state;
	assert_diff(BASE, BASE "tun pptp9\n", "tun:3:restart");
	assert_diff(BASE "listen 198.51.100.1\n", BASE "listen 198.51.100.2\n", "listen:3:restart");
	assert_diff(BASE, "localip 192.0.2.2\nremoteip 192.0.2.10-20\n", "localip:1:restart");
	/* Both kinds in one diff, in key order. */
	assert_diff(BASE, BASE "ms-wins 192.0.2.7\ntun x1\n", "tun:4:restart ms-wins:3:live");
	assert_false(reload_key_live("control-socket"));
	assert_false(reload_key_live("connections"));
	assert_false(reload_key_live("tun-io")); /* the ring is set up at start */
	assert_true(reload_key_live("call-setup-timeout"));
	assert_true(reload_key_live("mppe-stateful"));
	assert_true(reload_key_live("a-key-added-later"));
}

static void named_pools(void **state)
{
	(void)state;
	const char *one = BASE "pool office 192.0.2.100-110\n";
	assert_diff(BASE, one, "pool:office:3:live");
	assert_diff(one, BASE, "pool:office:0:live");
	assert_diff(one, BASE "pool office 192.0.2.100-120\n", "pool:office:3:live");
	assert_diff(one, one, "");
	/* A named pool's item carries the first line that names it. */
	assert_diff(one, BASE "pool lab 192.0.2.200-205\npool office 192.0.2.100-110\n"
		    "pool lab 192.0.2.206-210\n", "pool:lab:3:live");
}

static void secrets_compared(void **state)
{
	(void)state;
	/* config_print() hides secrets: a new secret alone is still a change. */
	assert_diff(BASE "auth radius\nradius-server 127.0.0.1 s1\n",
		    BASE "auth radius\nradius-server 127.0.0.1 s2\n", "radius-server:4:live");
	assert_diff(BASE "dae-listen 127.0.0.1\ndae-client 127.0.0.1 s1\n",
		    BASE "dae-listen 127.0.0.1\ndae-client 127.0.0.1 s2\n", "dae-client:4:live");
}

static void swap_moves_values(void **state)
{
	(void)state;
	struct config *a = load(BASE "tun first0\n");
	struct config *b = load(BASE "\n\ntun second0\n");
	size_t k = key_index("tun");
	assert_int_equal(config_key_line(a, k), 3);
	assert_int_equal(config_key_line(b, k), 5);
	assert_int_equal(config_key_line(a, key_index("ms-dns")), 0);
	assert_false(config_key_equal(a, b, k));
	config_key_swap(a, b, k);
	assert_string_equal(a->tun, "second0");
	assert_string_equal(b->tun, "first0");
	assert_int_equal(config_key_line(b, k), 3);
	/* Each frees what it holds now (ASan would see a double free). */
	config_free(a);
	config_free(b);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* server_reload() on a server without a data path (--echo-frames): the
 * live keys move to srv->cfg, a restart-only key keeps its value, a broken
 * file changes nothing, and every config is freed once (ASan). */
static void reload_server(void **state)
{
	(void)state;
	char dir[] = "/tmp/pptpd-reload-XXXXXX", path[64], err[256];
	struct reload_result *res = calloc(1, sizeof(*res));
	assert_non_null(res);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pptpd.conf", dir);
	write_file(path, BASE "ms-dns 192.0.2.53\ntun first0\n");
	struct config *boot = config_load(path, err, sizeof(err));
	assert_non_null(boot);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct server *srv = server_new(loop, boot, true);
	assert_non_null(srv);

	write_file(path, BASE "ms-dns 192.0.2.54\nmax-calls-per-connection 2\ntun second0\n");
	assert_true(server_reload(srv, "test", res));
	assert_int_equal(srv->stats.reloads, 1);
	assert_string_equal(res->changed, "max-calls-per-connection,ms-dns");
	assert_string_equal(res->kept, "tun");
	assert_string_equal(res->kept_lines, "key=tun line=5");
	assert_ptr_equal(srv->cfg, srv->cfg_loaded);
	assert_int_equal(ntohl(srv->cfg->ms_dns.addr[0].s_addr), 0xc0000236u);
	assert_int_equal(srv->cfg->max_calls_per_conn, 2);
	assert_string_equal(srv->cfg->tun, "first0"); /* what runs */

	/* Refused whole: nothing moves. */
	const struct config *before = srv->cfg;
	write_file(path, BASE "ms-dns 192.0.2.55\nmtu 99999\n");
	assert_false(server_reload(srv, "test", res));
	assert_int_equal(srv->stats.reloads_refused, 1);
	assert_int_equal(res->errors, 1);
	char want[128];
	snprintf(want, sizeof(want), "%s:4: '99999' is out of range for 'mtu'", path);
	if (!strstr(res->error, want))
		fail_msg("error \"%s\" lacks \"%s\"", res->error, want);
	assert_ptr_equal(srv->cfg, before);
	assert_int_equal(ntohl(srv->cfg->ms_dns.addr[0].s_addr), 0xc0000236u);

	/* A second reload frees the first reloaded config; tun is still kept. */
	write_file(path, BASE "ms-dns 192.0.2.54\ntun second0\n");
	assert_true(server_reload(srv, "test", res));
	assert_string_equal(res->changed, "max-calls-per-connection");
	assert_string_equal(res->kept, "tun");
	assert_string_equal(srv->cfg->tun, "first0");

	/* A pool over the running localip (the new file moves localip, which
	 * needs a restart) is refused. */
	write_file(path, "localip 192.0.2.2\nremoteip 192.0.2.1,192.0.2.10-20\n");
	assert_false(server_reload(srv, "test", res));
	assert_non_null(strstr(res->error, "remoteip holds 192.0.2.1, the running localip"));
	write_file(path, "localip 192.0.2.2\nremoteip 192.0.2.10-20\npool p 192.0.2.100\n"
			 "pool q 192.0.2.1\n");
	assert_false(server_reload(srv, "test", res));
	snprintf(want, sizeof(want), "%s:4: pool q holds 192.0.2.1", path);
	if (!strstr(res->error, want))
		fail_msg("error \"%s\" lacks \"%s\"", res->error, want);
	assert_string_equal(srv->cfg->tun, "first0");

	/* A missing file is refused too. */
	unlink(path);
	assert_false(server_reload(srv, "test", res));
	assert_non_null(strstr(res->error, "cannot open"));

	server_free(srv);
	ev_loop_destroy(loop);
	config_free(boot);
	rmdir(dir);
	free(res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(same_file_no_diff),
		cmocka_unit_test(live_keys),
		cmocka_unit_test(restart_keys),
		cmocka_unit_test(named_pools),
		cmocka_unit_test(secrets_compared),
		cmocka_unit_test(swap_moves_values),
		cmocka_unit_test(reload_server),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
