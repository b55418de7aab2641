/*
 * The admin socket's requests (server/admin.c) through admin_handle(): the
 * parser (words, bounds, bytes that are not allowed), every command on a
 * server with no sessions, the JSON escaping of a name a peer chose (via a
 * lock in `lock list`), and the socket file (mode 0600, replaced when
 * stale, removed at the end).
 */
#include <arpa/inet.h>
#include <ev.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/lockout.h"
#include "conf/config.h"
#include "server/admin.h"
#include "server/server.h"

struct t {
	struct config *cfg;
	struct ev_loop *loop;
	struct server *srv;
	struct admin *ad;
	char dir[64];
	char path[96];
};

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	char err[256];
	assert_non_null(t);
	t->cfg = config_load_string("t.conf", "localip 192.0.2.1\nremoteip 192.0.2.10-20\n", err,
				    sizeof(err));
	assert_non_null(t->cfg);
	t->loop = ev_loop_new(EVFLAG_AUTO);
	t->srv = server_new(t->loop, t->cfg, true);
	assert_non_null(t->srv);
	strcpy(t->dir, "/tmp/pptpd-admin-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/sub/control.sock", t->dir);
	t->ad = admin_open(t->srv, t->path, (uid_t)-1, (gid_t)-1);
	assert_non_null(t->ad);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	char sub[128];
	admin_free(t->ad);
	if (t->srv->lockout)
		lockout_free(t->srv->lockout);
	t->srv->lockout = NULL;
	server_free(t->srv);
	ev_loop_destroy(t->loop);
	config_free(t->cfg);
	snprintf(sub, sizeof(sub), "%s/sub", t->dir);
	rmdir(sub);
	rmdir(t->dir);
	free(t);
	return 0;
}

/* The answer to one request line, NUL-terminated (the newline removed). */
static char *ask(struct t *t, const char *line, size_t len)
{
	char *out = NULL;
	size_t n = 0;
	assert_true(admin_handle(t->ad, line, len, &out, &n));
	assert_true(n > 0 && out[n - 1] == '\n');
	assert_null(memchr(out, '\n', n - 1));
	char *s = malloc(n);
	assert_non_null(s);
	memcpy(s, out, n - 1);
	s[n - 1] = '\0';
	free(out);
	return s;
}

static void expect(struct t *t, const char *line, const char *want)
{
	char *got = ask(t, line, strlen(line));
	assert_string_equal(got, want);
	free(got);
}

static void expect_prefix(struct t *t, const char *line, size_t len, const char *want)
{
	char *got = ask(t, line, len);
	if (strncmp(got, want, strlen(want)) != 0)
		fail_msg("'%s' answered '%s', expected '%s...'", line, got, want);
	free(got);
}

static void test_requests(void **state)
{
	struct t *t = *state;
	expect(t, "session list", "{\"ok\":true,\"sessions\":[]}");
	expect(t, "  session   list  ", "{\"ok\":true,\"sessions\":[]}");
	expect(t, "session show alice", "{\"ok\":true,\"sessions\":[]}");
	expect(t, "session show --peer 198.51.100.2", "{\"ok\":true,\"sessions\":[]}");
	expect(t, "session kill 7", "{\"ok\":false,\"error\":\"no such session\"}");
	expect(t, "session kill alice", "{\"ok\":false,\"error\":\"no such session\"}");
	expect(t, "session kill --peer 198.51.100.2", "{\"ok\":false,\"error\":\"no such session\"}");
	expect_prefix(t, "stats", 5, "{\"ok\":true,\"ctrls\":0,\"ctrl_unstarted\":0,\"calls\":0,\"sessions\":0,");
	/* --echo-frames: no lock-out table. */
	expect(t, "lock list", "{\"ok\":false,\"error\":\"no lock-out on this server\"}");
}

static void test_bad_requests(void **state)
{
	struct t *t = *state;
	const char *unknown = "{\"ok\":false,\"error\":\"unknown command";
	expect(t, "", "{\"ok\":false,\"error\":\"empty request\"}");
	expect(t, "   ", "{\"ok\":false,\"error\":\"empty request\"}");
	expect_prefix(t, "session", 7, unknown);
	expect_prefix(t, "session list extra", 18, unknown);
	expect_prefix(t, "session kill", 12, unknown);
	expect_prefix(t, "session kill --peer", 19, unknown);
	expect_prefix(t, "session kill -x", 15, unknown);
	expect_prefix(t, "stats now", 9, unknown);
	expect_prefix(t, "STATS", 5, unknown);
	/* Five words: one too many. */
	expect(t, "lock clear a b c", "{\"ok\":false,\"error\":\"bad request\"}");
	/* A tab, a control byte, a NUL, a byte over 0x7e. */
	expect_prefix(t, "session\tlist", 12, "{\"ok\":false,\"error\":\"bad request\"}");
	expect_prefix(t, "session\x01list", 12, "{\"ok\":false,\"error\":\"bad request\"}");
	expect_prefix(t, "stats\0", 6, "{\"ok\":false,\"error\":\"bad request\"}");
	expect_prefix(t, "session li\xffst", 13, "{\"ok\":false,\"error\":\"bad request\"}");
	/* A word of 128 bytes is over the bound. */
	char line[200] = "session show ";
	memset(line + 13, 'a', 128);
	line[141] = '\0';
	expect(t, line, "{\"ok\":false,\"error\":\"bad request\"}");
	const struct admin_stats *st = admin_get_stats(t->ad);
	assert_int_equal(st->bad, 15);
	assert_int_equal(st->requests, 15);
}

/* A lock on a name with a quote, a backslash and a byte over 0x7e: the
 * answer stays one line of valid, ASCII JSON. */
static void test_lock_escaping(void **state)
{
	struct t *t = *state;
	struct lockout_config lc = { .user_failures = 2, .source_failures = 0, .window_ms = 60000,
				     .lock_ms = 60000, .slots = 64 };
	struct lockout_lock started[2];
	uint32_t addr = htonl(0xC6336402); /* 198.51.100.2 */
	t->srv->lockout = lockout_new(&lc, 1);
	assert_non_null(t->srv->lockout);
	uint64_t now = server_now_ms();
	lockout_fail(t->srv->lockout, addr, "a\"b\\c\xe9", now, started);
	assert_int_equal(lockout_fail(t->srv->lockout, addr, "a\"b\\c\xe9", now, started), 1);

	char *got = ask(t, "lock list", 9);
	assert_non_null(strstr(got, "\"kind\":\"user\",\"addr\":\"198.51.100.2\","
				    "\"user\":\"a\\\"b\\\\c\\u00e9\",\"seconds_left\":"));
	assert_non_null(strstr(got, ",\"failures\":2}]}"));
	free(got);
	expect(t, "lock clear bob", "{\"ok\":true,\"cleared\":0}");
	expect(t, "lock clear 198.51.100.2", "{\"ok\":true,\"cleared\":1}");
	expect(t, "lock list", "{\"ok\":true,\"locks\":[]}");
	expect(t, "lock clear bob carol", "{\"ok\":false,\"error\":\"usage: lock clear [USER] [ADDR]\"}");
	expect(t, "lock clear", "{\"ok\":true,\"cleared\":0}");
}

static void test_socket_file(void **state)
{
	struct t *t = *state;
	struct stat st;
	assert_int_equal(stat(t->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	/* A second server on the same path: this one answers, so it is left
	 * alone and the second runs without. */
	assert_null(admin_open(t->srv, t->path, (uid_t)-1, (gid_t)-1));
	assert_int_equal(stat(t->path, &st), 0);
	/* Closed: removed. */
	admin_free(t->ad);
	t->ad = NULL;
	assert_int_not_equal(stat(t->path, &st), 0);
	/* A stale socket (bound, nobody listening) is replaced. */
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	strcpy(sa.sun_path, t->path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	t->ad = admin_open(t->srv, t->path, (uid_t)-1, (gid_t)-1);
	assert_non_null(t->ad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock_escaping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
