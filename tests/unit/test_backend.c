/* The asynchronous authentication interface and the SQLite backend, against
 * a real temporary user store. Completions are collected by poll()ing the
 * backend's fd, as the server's ev_io would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/support/temp_store.h"
#include "auth/backend.h"
#include "common/mschap.h"
#include "auth/userdb.h"
#include "common/crypto.h"
#include "tests/unit/support/crypto_group.h"

#define MAX_SEEN 128

struct fixture {
	struct temp_store ts;
	struct auth_backend *b;
	struct auth_result seen[MAX_SEEN];
	size_t nseen;
};

static void on_complete(void *ctx, const struct auth_result *res)
{
	struct fixture *f = ctx;
	assert_true(f->nseen < MAX_SEEN);
	f->seen[f->nseen++] = *res;
}

static void add_user(struct userdb *db, const char *name, const char *pw, bool enabled,
		     const char *ip, uint32_t max_sessions)
{
	struct user_record rec;
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.name, sizeof(rec.name), "%s", name);
	assert_true(NtPasswordHash(pw, rec.nt_hash));
	rec.enabled = enabled;
	if (ip) {
		rec.has_static_ip = true;
		assert_int_equal(inet_pton(AF_INET, ip, &rec.static_ip), 1);
	}
	rec.max_sessions = max_sessions;
	assert_int_equal(userdb_add(db, &rec), USERDB_OK);
}

static struct auth_backend *start(struct fixture *f, size_t queue_max)
{
	struct auth_sqlite_config cfg = { .path = f->ts.path, .queue_max = queue_max };
	char err[256] = "";
	struct auth_backend *b = auth_sqlite_new(&cfg, on_complete, f, err, sizeof(err));
	assert_non_null(b);
	f->b = b;
	return b;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct userdb *db = NULL;
	char err[256];

	if (!f)
		return -1;
	if (!temp_store_make(&f->ts, "test_backend"))
		return -1;
	if (userdb_open(f->ts.path, USERDB_OPEN_CREATE, &db, err, sizeof(err)) != USERDB_OK)
		return -1;
	add_user(db, "alice", "alicePass", true, "10.1.2.3", 2);
	add_user(db, "bob", "bobPass", false, NULL, 0);
	add_user(db, "User", "clientPass", true, NULL, 0);
	uint32_t never = 0, rate_down = 4000, rate_up = 2000;
	if (userdb_set_idle(db, "alice", &never) != USERDB_OK ||
	    userdb_set_session_timeout(db, "alice", 3600) != USERDB_OK ||
	    userdb_set_rate(db, "alice", &rate_down, &rate_up) != USERDB_OK)
		return -1;
	userdb_free(db);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	auth_backend_free(f->b);
	temp_store_remove(&f->ts);
	free(f);
	return 0;
}

/* Poll the fd and drain until n completions have arrived in total. */
static void wait_for(struct fixture *f, size_t n)
{
	while (f->nseen < n) {
		struct pollfd pfd = { .fd = auth_backend_fd(f->b), .events = POLLIN };
		/* A generous safety net against a hang, not a timing check. */
		assert_int_equal(poll(&pfd, 1, 20000), 1);
		auth_backend_drain(f->b);
	}
	assert_int_equal(f->nseen, n);
}

static void req_mschapv2(struct auth_request *req, uint32_t id, const char *user, const char *pw)
{
	uint8_t hash[16];
	memset(req, 0, sizeof(*req));
	req->session = (struct auth_session_ref){ id, 7 };
	req->method = AUTH_MSCHAPV2;
	assert_true(auth_request_set_user(req, user, strlen(user)));
	memset(req->u.mschapv2.auth_challenge, 0x11 + (int)id, 16);
	memset(req->u.mschapv2.peer_challenge, 0x22, 16);
	assert_true(NtPasswordHash(pw, hash));
	GenerateNTResponse(req->u.mschapv2.auth_challenge, req->u.mschapv2.peer_challenge,
			   user, strlen(user), hash, req->u.mschapv2.nt_response);
}

static struct auth_result run_one(struct fixture *f, const struct auth_request *req)
{
	size_t before = f->nseen;
	assert_int_equal(auth_backend_submit(f->b, req), AUTH_SUBMIT_PENDING);
	wait_for(f, before + 1);
	return f->seen[before];
}

static void mschapv2_accept_carries_keys_and_attributes(void **state)
{
	struct fixture *f = *state;
	struct auth_request req;
	uint8_t hash[16], send[16], recv[16];
	char s[MSCHAP_AUTH_RESPONSE_LEN];

	start(f, 0);
	req_mschapv2(&req, 1, "alice", "alicePass");
	struct auth_result r = run_one(f, &req);
	assert_int_equal(r.session.id, 1);
	assert_int_equal(r.session.generation, 7);
	assert_int_equal(r.method, AUTH_MSCHAPV2);
	assert_int_equal(r.verdict, AUTH_ACCEPT);
	assert_true(NtPasswordHash("alicePass", hash));
	GenerateAuthenticatorResponse(hash, req.u.mschapv2.nt_response,
				      req.u.mschapv2.peer_challenge,
				      req.u.mschapv2.auth_challenge, "alice", 5, s);
	assert_int_equal(strlen(r.auth_response), MSCHAP_AUTH_RESPONSE_LEN);
	assert_memory_equal(r.auth_response, s, MSCHAP_AUTH_RESPONSE_LEN);
	mschapv2_start_keys(MSCHAP_ROLE_SERVER, hash, req.u.mschapv2.nt_response, send, recv);
	assert_true(r.has_keys);
	assert_memory_equal(r.send_key, send, 16);
	assert_memory_equal(r.recv_key, recv, 16);
	assert_true(r.has_static_ip);
	assert_int_equal(ntohl(r.static_ip.s_addr), 0x0A010203);
	assert_int_equal(r.max_sessions, 2);
	/* The store's idle 0 (never) is given, so it replaces the `idle` key. */
	assert_true(r.idle_given);
	assert_int_equal(r.idle_timeout, 0);
	assert_int_equal(r.session_timeout, 3600);
	/* The store's rate replaces the rate-limit keys. */
	assert_true(r.rate_given);
	assert_int_equal(r.rate_down, 4000);
	assert_int_equal(r.rate_up, 2000);

	/* A user without the fields: the key applies, no session limit. */
	req_mschapv2(&req, 2, "User", "clientPass");
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_ACCEPT);
	assert_false(r.idle_given);
	assert_int_equal(r.session_timeout, 0);
	assert_false(r.rate_given);
}

static void mschapv2_rejections(void **state)
{
	struct fixture *f = *state;
	struct auth_request req;
	struct auth_result r;

	start(f, 0);
	req_mschapv2(&req, 1, "alice", "wrong");
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_REJECT_BAD_CREDENTIALS);
	assert_false(r.has_keys);
	assert_int_equal(r.auth_response[0], '\0');
	assert_int_equal(auth_verdict_error_code(r.verdict), 691);

	req_mschapv2(&req, 2, "nobody", "whatever");
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_REJECT_BAD_CREDENTIALS);
	assert_non_null(strstr(r.message, "unknown user"));

	/* Disabled: only revealed to the holder of the right password. */
	req_mschapv2(&req, 3, "bob", "bobPass");
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_REJECT_DISABLED);
	assert_int_equal(auth_verdict_error_code(r.verdict), 647);
	assert_false(r.has_keys);
	req_mschapv2(&req, 4, "bob", "nope");
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_REJECT_BAD_CREDENTIALS);
}

/* The store looks up the canonical name and nothing else: stripped, the
 * peer's MS-CHAPv2 response (hashed over "alice" only, RFC 2759 8.2)
 * checks out; kept whole, "CORP\alice" is a user the store does not have. */
static void domain_prefix_is_decided_by_the_canonical_name(void **state)
{
	struct fixture *f = *state;
	struct auth_request req;
	struct auth_result r;

	start(f, 0);
	req_mschapv2(&req, 1, "CORP\\alice", "alicePass");
	assert_int_equal(auth_request_set_canonical_user(&req, AUTH_USER_DOMAIN_STRIP,
							 "CORP\\alice", 10), AUTH_USER_OK);
	assert_string_equal(req.user, "alice");
	assert_int_equal(req.user_len, 5);
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_ACCEPT);
	assert_int_equal(r.max_sessions, 2);

	req_mschapv2(&req, 2, "CORP\\alice", "alicePass");
	assert_int_equal(auth_request_set_canonical_user(&req, AUTH_USER_DOMAIN_KEEP,
							 "CORP\\alice", 10), AUTH_USER_OK);
	assert_string_equal(req.user, "CORP\\alice");
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_REJECT_BAD_CREDENTIALS);
	assert_string_equal(r.message, "unknown user");

	/* A name the store could never hold (not UTF-8) is an unknown user
	 * too, not a store error. */
	req_mschapv2(&req, 3, "\xc3\xa9t\xff", "alicePass");
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_REJECT_BAD_CREDENTIALS);
	assert_string_equal(r.message, "unknown user");
}

static enum auth_user_status canon(enum auth_user_domain mode, const char *raw, size_t len,
				   char out[static AUTH_USER_MAX + 1])
{
	size_t n = 99;
	enum auth_user_status st = auth_canonical_user(mode, raw, len, out, &n);
	assert_int_equal(n, st == AUTH_USER_OK ? strlen(out) : 0);
	if (st != AUTH_USER_OK)
		assert_string_equal(out, "");
	return st;
}

static void canonical_user_name(void **state)
{
	char out[AUTH_USER_MAX + 1], raw[AUTH_NAME_MAX + 2];
	(void)state;

	/* Plain names are the same in every mode. */
	for (int m = AUTH_USER_DOMAIN_STRIP; m <= AUTH_USER_DOMAIN_REFUSE; m++) {
		assert_int_equal(canon(m, "alice", 5, out), AUTH_USER_OK);
		assert_string_equal(out, "alice");
		assert_int_equal(canon(m, "a \"q\" \xc3\xa9", 8, out), AUTH_USER_OK);
		assert_string_equal(out, "a \"q\" \xc3\xa9");
		assert_int_equal(canon(m, "", 0, out), AUTH_USER_EMPTY);
		assert_int_equal(canon(m, "a\nb", 3, out), AUTH_USER_BAD_BYTE);
		assert_int_equal(canon(m, "a\0b", 3, out), AUTH_USER_BAD_BYTE);
		assert_int_equal(canon(m, "a\x7f", 2, out), AUTH_USER_BAD_BYTE);
		assert_int_equal(canon(m, "\tb\\alice", 8, out), AUTH_USER_BAD_BYTE);
	}
	/* The domain: stripped at the last backslash, kept, or refused. */
	assert_int_equal(canon(AUTH_USER_DOMAIN_STRIP, "b\\alice", 7, out), AUTH_USER_OK);
	assert_string_equal(out, "alice");
	assert_int_equal(canon(AUTH_USER_DOMAIN_STRIP, "x\\y\\alice", 9, out), AUTH_USER_OK);
	assert_string_equal(out, "alice");
	assert_int_equal(canon(AUTH_USER_DOMAIN_STRIP, "CORP\\", 5, out), AUTH_USER_EMPTY);
	assert_int_equal(canon(AUTH_USER_DOMAIN_STRIP, "\\alice", 6, out), AUTH_USER_OK);
	assert_string_equal(out, "alice");
	assert_int_equal(canon(AUTH_USER_DOMAIN_KEEP, "b\\alice", 7, out), AUTH_USER_OK);
	assert_string_equal(out, "b\\alice");
	assert_int_equal(canon(AUTH_USER_DOMAIN_KEEP, "CORP\\", 5, out), AUTH_USER_EMPTY);
	assert_int_equal(canon(AUTH_USER_DOMAIN_REFUSE, "b\\alice", 7, out), AUTH_USER_DOMAIN);
	assert_int_equal(canon(AUTH_USER_DOMAIN_REFUSE, "CORP\\", 5, out), AUTH_USER_DOMAIN);

	/* Lengths: AUTH_USER_MAX bytes left is the most; more than
	 * AUTH_NAME_MAX sent is refused before anything else. */
	memset(raw, 'a', sizeof(raw));
	assert_int_equal(canon(AUTH_USER_DOMAIN_STRIP, raw, AUTH_USER_MAX, out), AUTH_USER_OK);
	assert_int_equal(strlen(out), AUTH_USER_MAX);
	assert_int_equal(canon(AUTH_USER_DOMAIN_STRIP, raw, AUTH_USER_MAX + 1, out),
			 AUTH_USER_TOO_LONG);
	assert_int_equal(canon(AUTH_USER_DOMAIN_KEEP, raw, AUTH_NAME_MAX + 1, out),
			 AUTH_USER_TOO_LONG);
	/* A long domain is no longer a long name once stripped ... */
	raw[200] = '\\';
	assert_int_equal(canon(AUTH_USER_DOMAIN_STRIP, raw, AUTH_NAME_MAX, out), AUTH_USER_OK);
	assert_int_equal(strlen(out), AUTH_NAME_MAX - 201);
	/* ... but kept whole it is. */
	assert_int_equal(canon(AUTH_USER_DOMAIN_KEEP, raw, AUTH_NAME_MAX, out), AUTH_USER_TOO_LONG);
	assert_int_equal(canon(AUTH_USER_DOMAIN_KEEP, raw, AUTH_USER_MAX, out), AUTH_USER_OK);
	assert_string_equal(auth_user_status_name(AUTH_USER_TOO_LONG), "name-too-long");
	assert_string_equal(auth_user_status_name(AUTH_USER_DOMAIN), "domain-refused");
}

static void mschapv1_pap_and_md5(void **state)
{
	struct fixture *f = *state;
	struct auth_request req;
	struct auth_result r;
	uint8_t hash[16];

	start(f, 0);
	memset(&req, 0, sizeof(req));
	req.session = (struct auth_session_ref){ 5, 1 };
	req.method = AUTH_MSCHAPV1;
	assert_true(auth_request_set_user(&req, "alice", 5));
	memcpy(req.u.mschapv1.challenge, "\x10\x2D\xB5\xDF\x08\x5D\x30\x41", 8);
	assert_true(NtPasswordHash("alicePass", hash));
	mschapv1_nt_response(req.u.mschapv1.challenge, hash, req.u.mschapv1.nt_response);
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_ACCEPT);
	assert_true(r.has_keys);
	assert_memory_equal(r.send_key, r.recv_key, 16);
	req.u.mschapv1.nt_response[3] ^= 1;
	assert_int_equal(run_one(f, &req).verdict, AUTH_REJECT_BAD_CREDENTIALS);

	memset(&req, 0, sizeof(req));
	req.method = AUTH_PAP;
	assert_true(auth_request_set_user(&req, "alice", 5));
	strcpy(req.u.pap.password, "alicePass");
	req.u.pap.password_len = 9;
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_ACCEPT);
	assert_false(r.has_keys);
	strcpy(req.u.pap.password, "alicePasS");
	assert_int_equal(run_one(f, &req).verdict, AUTH_REJECT_BAD_CREDENTIALS);
	/* Invalid UTF-8 is a bad password, not an error. */
	strcpy(req.u.pap.password, "\xff\xfe");
	req.u.pap.password_len = 2;
	assert_int_equal(run_one(f, &req).verdict, AUTH_REJECT_BAD_CREDENTIALS);

	req.method = AUTH_CHAP_MD5;
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_REJECT_ERROR);
	assert_non_null(strstr(r.message, "clear password"));
	assert_int_equal(auth_verdict_error_code(r.verdict), 691);
}

/* Submit never waits for the worker: with the worker held, every submit
 * still answers PENDING, and the completions come out in submit order. */
static void submit_is_immediate_and_ordered(void **state)
{
	struct fixture *f = *state;
	struct auth_request req;

	start(f, 64);
	auth_sqlite_pause(f->b, true);
	for (uint32_t i = 0; i < 60; i++) {
		req_mschapv2(&req, i, (i % 3) ? "alice" : "nobody", "alicePass");
		assert_int_equal(auth_backend_submit(f->b, &req), AUTH_SUBMIT_PENDING);
	}
	/* Nothing can have completed yet. */
	assert_int_equal(auth_backend_drain(f->b), 0);
	assert_int_equal(f->nseen, 0);
	auth_sqlite_pause(f->b, false);
	wait_for(f, 60);
	for (uint32_t i = 0; i < 60; i++) {
		assert_int_equal(f->seen[i].session.id, i);
		assert_int_equal(f->seen[i].verdict,
				 (i % 3) ? AUTH_ACCEPT : AUTH_REJECT_BAD_CREDENTIALS);
	}
}

static void cancel_drops_completion(void **state)
{
	struct fixture *f = *state;
	struct auth_request req;

	start(f, 0);
	auth_sqlite_pause(f->b, true);
	for (uint32_t i = 1; i <= 3; i++) {
		req_mschapv2(&req, i, "alice", "alicePass");
		assert_int_equal(auth_backend_submit(f->b, &req), AUTH_SUBMIT_PENDING);
	}
	/* Same id, other generation: not cancelled. */
	auth_backend_cancel(f->b, (struct auth_session_ref){ 2, 8 });
	auth_backend_cancel(f->b, (struct auth_session_ref){ 2, 7 });
	auth_sqlite_pause(f->b, false);
	wait_for(f, 2);
	assert_int_equal(f->seen[0].session.id, 1);
	assert_int_equal(f->seen[1].session.id, 3);

	/* Cancel after the completion was posted but before the drain. */
	req_mschapv2(&req, 9, "alice", "alicePass");
	assert_int_equal(auth_backend_submit(f->b, &req), AUTH_SUBMIT_PENDING);
	struct pollfd pfd = { .fd = auth_backend_fd(f->b), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, 20000), 1);
	auth_backend_cancel(f->b, (struct auth_session_ref){ 9, 7 });
	assert_int_equal(auth_backend_drain(f->b), 0);
	assert_int_equal(f->nseen, 2);
}

static void queue_full_is_busy(void **state)
{
	struct fixture *f = *state;
	struct auth_request req;

	start(f, 4);
	auth_sqlite_pause(f->b, true);
	for (uint32_t i = 0; i < 4; i++) {
		req_mschapv2(&req, i, "alice", "alicePass");
		assert_int_equal(auth_backend_submit(f->b, &req), AUTH_SUBMIT_PENDING);
	}
	assert_int_equal(auth_backend_submit(f->b, &req), AUTH_SUBMIT_BUSY);
	auth_sqlite_pause(f->b, false);
	/* Queued, running and posted-but-undrained requests all count: the
	 * queue stays full wherever the worker is, until the owner drains. */
	assert_int_equal(auth_backend_submit(f->b, &req), AUTH_SUBMIT_BUSY);
	wait_for(f, 4);
	assert_int_equal(auth_backend_submit(f->b, &req), AUTH_SUBMIT_PENDING);
	wait_for(f, 5);
}

static void free_with_requests_queued(void **state)
{
	struct fixture *f = *state;
	struct auth_request req;

	start(f, 0);
	auth_sqlite_pause(f->b, true);
	for (uint32_t i = 0; i < 10; i++) {
		req_mschapv2(&req, i, "alice", "alicePass");
		assert_int_equal(auth_backend_submit(f->b, &req), AUTH_SUBMIT_PENDING);
	}
	auth_backend_free(f->b); /* joins the worker; nothing delivered */
	f->b = NULL;
	assert_int_equal(f->nseen, 0);
}

static void bad_store_path_fails_at_start(void **state)
{
	struct fixture *f = *state;
	char path[400], err[256] = "";
	snprintf(path, sizeof(path), "%s/missing.db", f->ts.dir);
	struct auth_sqlite_config cfg = { .path = path };
	assert_null(auth_sqlite_new(&cfg, on_complete, f, err, sizeof(err)));
	assert_non_null(strstr(err, "missing.db"));
}

/* A store damaged under a running backend: REJECT_ERROR with the reason,
 * and later requests keep failing the same way (reopen fails too). */
static void database_error_is_reject_error(void **state)
{
	struct fixture *f = *state;
	struct auth_request req;
	struct auth_result r;
	char junk[8192];

	start(f, 0);
	req_mschapv2(&req, 1, "alice", "alicePass");
	assert_int_equal(run_one(f, &req).verdict, AUTH_ACCEPT);
	memset(junk, 'x', sizeof(junk));
	int fd = open(f->ts.path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_REJECT_ERROR);
	assert_true(strlen(r.message) > 0);
	r = run_one(f, &req);
	assert_int_equal(r.verdict, AUTH_REJECT_ERROR);
}

static void names_and_codes(void **state)
{
	(void)state;
	struct auth_request req;
	memset(&req, 0, sizeof(req));
	assert_false(auth_request_set_user(&req, "", 0));
	assert_false(auth_request_set_user(&req, "a\0b", 3));
	char big[AUTH_NAME_MAX + 1];
	memset(big, 'a', sizeof(big));
	assert_false(auth_request_set_user(&req, big, sizeof(big)));
	assert_true(auth_request_set_user(&req, big, AUTH_NAME_MAX));
	assert_int_equal(req.user_len, AUTH_NAME_MAX);
	assert_int_equal(auth_verdict_error_code(AUTH_REJECT_NO_DIALIN), 649);
	assert_int_equal(auth_verdict_error_code(AUTH_ACCEPT), 0);
	assert_string_equal(auth_verdict_name(AUTH_REJECT_ERROR), "backend-error");
	assert_string_equal(auth_method_name(AUTH_MSCHAPV2), "mschapv2");
}

/* Rates as accel-ppp's shaper reads Filter-Id: "N" both ways, "DOWN/UP"
 * (or '\\', ':'); nothing else, and nothing set when it is not one. */
static void rate_forms(void **state)
{
	(void)state;
	uint32_t d = 7, u = 7;
#define R(str) auth_parse_rate(str, strlen(str), &d, &u)
	assert_true(R("10000/2000"));
	assert_int_equal(d, 10000);
	assert_int_equal(u, 2000);
	assert_true(R("1000"));
	assert_int_equal(d, 1000);
	assert_int_equal(u, 1000);
	assert_true(R("512\\256") && d == 512 && u == 256);
	assert_true(R("0:64") && d == 0 && u == 64);
	assert_true(R("10000000/10000000"));
	d = u = 7;
	static const char *const bad[] = { "", "/", "1000/", "/1000", "10000001", "1,2000",
		"1000/2000/3000", "1000k", " 1000", "-1", "acl-guests", "99999999999/1",
		"4294967296" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(R(bad[i]));
	assert_int_equal(d, 7);
	assert_int_equal(u, 7);
	/* the length bounds it, not a NUL */
	assert_true(auth_parse_rate("4000/2000junk", 9, &d, &u) && d == 4000 && u == 2000);
#undef R
}

static void count_cb(void *ctx, const struct auth_result *res)
{
	(void)res;
	(*(size_t *)ctx)++;
}

/* The completion queue signals its eventfd once per batch: three results
 * posted before a drain make one wake-up and are all delivered by it; a
 * result after the drain signals again. */
static void cq_signals_once_per_batch(void **state)
{
	(void)state;
	struct auth_cq q;
	struct auth_result r = { .verdict = AUTH_ACCEPT };
	char err[128];
	uint64_t v = 0;
	size_t got = 0;

	assert_true(auth_cq_init(&q, 4, err, sizeof(err)));
	for (int i = 0; i < 3; i++)
		assert_true(auth_cq_post(&q, &r));
	assert_int_equal(read(q.efd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	assert_int_equal(auth_cq_drain(&q, count_cb, &got), 3);
	assert_int_equal(got, 3);
	assert_int_equal(auth_cq_count(&q), 0);
	assert_true(read(q.efd, &v, sizeof(v)) < 0); /* nothing pending */

	assert_true(auth_cq_post(&q, &r));
	assert_int_equal(read(q.efd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	assert_true(auth_cq_post(&q, &r)); /* queue not empty: no signal */
	assert_true(read(q.efd, &v, sizeof(v)) < 0);
	got = 0;
	assert_int_equal(auth_cq_drain(&q, count_cb, &got), 2);
	auth_cq_destroy(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names_and_codes),
		cmocka_unit_test_setup_teardown(mschapv2_accept_carries_keys_and_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(mschapv2_rejections, setup, teardown),
		cmocka_unit_test_setup_teardown(domain_prefix_is_decided_by_the_canonical_name, setup,
						teardown),
		cmocka_unit_test(canonical_user_name),
		cmocka_unit_test_setup_teardown(mschapv1_pap_and_md5, setup, teardown),
		cmocka_unit_test_setup_teardown(submit_is_immediate_and_ordered, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_drops_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_full_is_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(free_with_requests_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_store_path_fails_at_start, setup, teardown),
		cmocka_unit_test_setup_teardown(database_error_is_reject_error, setup, teardown),
		cmocka_unit_test(rate_forms),
		cmocka_unit_test(cq_signals_once_per_batch),
	};
	return cmocka_run_group_tests(tests, crypto_group_setup, crypto_group_teardown);
}
