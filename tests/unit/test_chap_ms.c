/* MS-CHAPv2 and v1 through the CHAP packet layer: the RFC 2759 vectors end
 * to end, a server and a client wired back to back through the SQLite
 * backend with a real temporary store, retries, strict parsing, mutual
 * authentication and the timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
#include "common/ppp/chap.h"
#include "common/ppp/chap_ms.h"

#include "tests/unit/support/vectors.h"

#define MAXQ 16

/* One end of the link: its machine, what it sent, what it reported. */
struct end {
	struct chap c;
	uint8_t q[MAXQ][CHAP_PKT_MAX];
	size_t qlen[MAXQ];
	size_t nq;
	uint32_t timer;
	int done_calls;
	enum chap_outcome outcome;
	unsigned error;
	/* fixed random bytes, consumed in order; empty: crypto_random */
	uint8_t rnd[64];
	size_t rnd_len, rnd_off;
	/* authenticator owner */
	struct auth_backend *backend;
	struct auth_result last;
	int responses;
	int submitted, completed;
	struct chap_response_info info;
	uint8_t info_name[CHAP_NAME_MAX];
	uint64_t now;
	/* peer owner */
	const char *retry_password; /* NULL: do not retry */
	int retries;
	struct chap_ms_failure failure;
};

static void e_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct end *e = ctx;
	assert_true(e->nq < MAXQ);
	assert_true(len <= CHAP_PKT_MAX);
	memcpy(e->q[e->nq], pkt, len);
	e->qlen[e->nq++] = len;
}

static void e_timer(void *ctx, uint32_t ms)
{
	((struct end *)ctx)->timer = ms;
}

static void e_done(void *ctx, enum chap_outcome o, unsigned error, const char *why)
{
	struct end *e = ctx;
	(void)why;
	e->done_calls++;
	e->outcome = o;
	e->error = error;
}

static bool e_random(void *ctx, void *buf, size_t len)
{
	struct end *e = ctx;
	if (e->rnd_len == 0)
		return crypto_random(buf, len);
	assert_true(e->rnd_off + len <= e->rnd_len);
	memcpy(buf, e->rnd + e->rnd_off, len);
	e->rnd_off += len;
	return true;
}

/* Authenticator owner: remember the Response; with a backend, submit it. */
static void e_response(void *ctx, const struct chap_response_info *r)
{
	struct end *e = ctx;
	e->responses++;
	e->info = *r;
	memcpy(e->info_name, r->name, r->name_len);
	e->info.name = e->info_name;
	if (!e->backend)
		return;
	struct auth_request req;
	memset(&req, 0, sizeof(req));
	req.session = (struct auth_session_ref){ 42, 1 };
	req.method = r->algo == CHAP_MSCHAPV2 ? AUTH_MSCHAPV2 : AUTH_MSCHAPV1;
	assert_true(auth_request_set_user(&req, r->name, r->name_len));
	if (r->algo == CHAP_MSCHAPV2) {
		memcpy(req.u.mschapv2.auth_challenge, r->challenge, 16);
		memcpy(req.u.mschapv2.peer_challenge, r->peer_challenge, 16);
		memcpy(req.u.mschapv2.nt_response, r->nt_response, 24);
	} else {
		memcpy(req.u.mschapv1.challenge, r->challenge, 8);
		memcpy(req.u.mschapv1.nt_response, r->nt_response, 24);
	}
	assert_int_equal(auth_backend_submit(e->backend, &req), AUTH_SUBMIT_PENDING);
	e->submitted++;
	auth_request_wipe(&req);
}

static void e_complete(void *ctx, const struct auth_result *res)
{
	struct end *e = ctx;
	assert_int_equal(res->session.id, 42);
	e->last = *res;
	e->completed++;
	chap_auth_result(&e->c, auth_verdict_error_code(res->verdict),
			 res->verdict == AUTH_ACCEPT ? res->auth_response : NULL, e->now);
}

static bool e_retry(void *ctx, const struct chap_ms_failure *f)
{
	struct end *e = ctx;
	e->failure = *f;
	if (!e->retry_password)
		return false;
	e->retries++;
	assert_true(chap_peer_set_password(&e->c, e->retry_password));
	return true;
}

static const struct chap_callbacks auth_cb = {
	.send = e_send, .set_timer = e_timer, .response = e_response,
	.done = e_done, .random = e_random,
};
static const struct chap_callbacks peer_cb = {
	.send = e_send, .set_timer = e_timer, .retry = e_retry,
	.done = e_done, .random = e_random,
};

/* Move every queued packet from one end to the other; true if any moved. */
static bool deliver(struct end *from, struct end *to)
{
	bool moved = from->nq > 0;
	size_t n = from->nq;
	uint8_t q[MAXQ][CHAP_PKT_MAX];
	size_t qlen[MAXQ];
	memcpy(q, from->q, sizeof(q));
	memcpy(qlen, from->qlen, sizeof(qlen));
	from->nq = 0;
	for (size_t i = 0; i < n; i++)
		chap_input(&to->c, q[i], qlen[i], to->now);
	return moved;
}

/* Run the conversation until both ends are quiet and nothing is pending in
 * the backend (its fd is polled, as the server's ev_io would). */
static void run(struct end *srv, struct end *cli)
{
	for (int guard = 0; guard < 100; guard++) {
		bool moved = deliver(srv, cli);
		moved = deliver(cli, srv) || moved;
		if (moved)
			continue;
		if (!srv->backend || srv->submitted == srv->completed)
			return;
		struct pollfd pfd = { .fd = auth_backend_fd(srv->backend), .events = POLLIN };
		if (poll(&pfd, 1, 20000) != 1)
			fail_msg("backend never completed");
		auth_backend_drain(srv->backend);
	}
	fail_msg("conversation did not settle");
}

/* ---- RFC 2759 section 9.2 through the packet layer ---- */

static void rfc2759_vectors_end_to_end(void **state)
{
	(void)state;
	struct end *srv = calloc(1, sizeof(*srv)), *cli = calloc(1, sizeof(*cli));
	struct chap_config scfg = { .algo = CHAP_MSCHAPV2, .name = "server" };
	struct chap_config ccfg = { .algo = CHAP_MSCHAPV2, .name = "User", .password = "clientPass" };
	const uint8_t *ac = vec("rfc2759.9.2.AuthenticatorChallenge", 16);
	const uint8_t *pc = vec("rfc2759.9.2.PeerChallenge", 16);
	const uint8_t *ntr = vec("rfc2759.9.2.NT-Response", 24);
	const uint8_t *s = vec("rfc2759.9.2.AuthenticatorResponse", 42);

	srv->rnd[0] = 0x07; /* identifier */
	memcpy(srv->rnd + 1, ac, 16);
	srv->rnd_len = 17;
	memcpy(cli->rnd, pc, 16);
	cli->rnd_len = 16;
	assert_true(chap_init(&srv->c, CHAP_AUTHENTICATOR, &scfg, &auth_cb, srv));
	assert_true(chap_init(&cli->c, CHAP_PEER, &ccfg, &peer_cb, cli));
	chap_start(&cli->c, 0);
	chap_start(&srv->c, 0);

	/* Challenge: 1, id, length 4+1+16+6, value-size 16, challenge, name. */
	assert_int_equal(srv->nq, 1);
	uint8_t want_ch[4 + 1 + 16 + 6] = { 1, 7, 0, 27, 16 };
	memcpy(want_ch + 5, ac, 16);
	memcpy(want_ch + 21, "server", 6);
	assert_int_equal(srv->qlen[0], sizeof(want_ch));
	assert_memory_equal(srv->q[0], want_ch, sizeof(want_ch));
	assert_int_equal(srv->timer, 3000);

	/* Response: 2, id, 4+1+49+4, peer challenge, 8 zero, NT-Response, 0, "User". */
	deliver(srv, cli);
	assert_int_equal(cli->nq, 1);
	uint8_t want_rs[4 + 1 + 49 + 4] = { 2, 7, 0, 58, 49 };
	memcpy(want_rs + 5, pc, 16);
	memcpy(want_rs + 29, ntr, 24);
	memcpy(want_rs + 54, "User", 4);
	assert_int_equal(cli->qlen[0], sizeof(want_rs));
	assert_memory_equal(cli->q[0], want_rs, sizeof(want_rs));

	deliver(cli, srv);
	assert_int_equal(srv->responses, 1);
	assert_int_equal(srv->info.id, 7);
	assert_int_equal(srv->info.name_len, 4);
	assert_memory_equal(srv->info.name, "User", 4);
	assert_memory_equal(srv->info.challenge, ac, 16);
	assert_memory_equal(srv->info.peer_challenge, pc, 16);
	assert_memory_equal(srv->info.nt_response, ntr, 24);
	assert_int_equal(srv->timer, 30000); /* only the auth timeout is left */

	/* The owner's verdict: the exact Success. */
	assert_true(chap_auth_result(&srv->c, 0, (const char *)s, 10));
	assert_false(chap_auth_result(&srv->c, 0, (const char *)s, 10)); /* only once */
	const char *want_ok = "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Welcome";
	assert_int_equal(srv->nq, 1);
	assert_int_equal(srv->qlen[0], 4 + strlen(want_ok));
	assert_memory_equal(srv->q[0], "\x03\x07\x00\x38", 4);
	assert_memory_equal(srv->q[0] + 4, want_ok, strlen(want_ok));
	assert_int_equal(srv->done_calls, 1);
	assert_int_equal(srv->outcome, CHAP_SUCCESS);
	assert_int_equal(srv->timer, 0);

	deliver(srv, cli);
	assert_int_equal(cli->done_calls, 1);
	assert_int_equal(cli->outcome, CHAP_SUCCESS);

	/* The client's keys mirror the server's. */
	uint8_t csend[16], crecv[16], ssend[16], srecv[16], hash[16];
	assert_true(chap_peer_keys(&cli->c, csend, crecv));
	assert_true(NtPasswordHash("clientPass", hash));
	mschapv2_start_keys(MSCHAP_ROLE_SERVER, hash, ntr, ssend, srecv);
	assert_memory_equal(csend, srecv, 16);
	assert_memory_equal(crecv, ssend, 16);

	/* A duplicate of the answered Response gets the same Success. */
	chap_input(&srv->c, want_rs, sizeof(want_rs), 20);
	assert_int_equal(srv->nq, 1);
	assert_memory_equal(srv->q[0] + 4, want_ok, strlen(want_ok));
	/* A stale id is ignored. */
	want_rs[1] = 6;
	srv->nq = 0;
	chap_input(&srv->c, want_rs, sizeof(want_rs), 20);
	assert_int_equal(srv->nq, 0);
	assert_int_equal(chap_stats(&srv->c)->rx_ignored, 1);
	assert_int_equal(srv->done_calls, 1);

	chap_free(&srv->c);
	chap_free(&cli->c);
	free(srv);
	free(cli);
}

/* ---- Through the SQLite backend ---- */

struct fixture {
	struct temp_store ts;
	struct end *srv, *cli;
	struct auth_backend *b;
};

static void add_user(struct userdb *db, const char *name, const char *pw, bool enabled)
{
	struct user_record rec;
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.name, sizeof(rec.name), "%s", name);
	assert_true(NtPasswordHash(pw, rec.nt_hash));
	rec.enabled = enabled;
	assert_int_equal(userdb_add(db, &rec), USERDB_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct userdb *db = NULL;
	char err[256];

	if (!f)
		return -1;
	if (!temp_store_make(&f->ts, "test_chap_ms"))
		return -1;
	if (userdb_open(f->ts.path, USERDB_OPEN_CREATE, &db, err, sizeof(err)) != USERDB_OK)
		return -1;
	add_user(db, "alice", "alicePass", true);
	add_user(db, "bob", "bobPass", false);
	userdb_free(db);
	f->srv = calloc(1, sizeof(*f->srv));
	f->cli = calloc(1, sizeof(*f->cli));
	struct auth_sqlite_config cfg = { .path = f->ts.path };
	f->b = auth_sqlite_new(&cfg, e_complete, f->srv, err, sizeof(err));
	if (!f->b || !f->srv || !f->cli)
		return -1;
	f->srv->backend = f->b;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	auth_backend_free(f->b);
	chap_free(&f->srv->c);
	chap_free(&f->cli->c);
	free(f->srv);
	free(f->cli);
	temp_store_remove(&f->ts);
	free(f);
	return 0;
}

static void start_pair(struct fixture *f, enum chap_algo algo, const char *user,
		       const char *pw, uint32_t max_attempts)
{
	struct chap_config scfg = { .algo = algo, .name = "pptpd", .max_attempts = max_attempts };
	struct chap_config ccfg = { .algo = algo, .name = user, .password = pw };
	assert_true(chap_init(&f->srv->c, CHAP_AUTHENTICATOR, &scfg, &auth_cb, f->srv));
	assert_true(chap_init(&f->cli->c, CHAP_PEER, &ccfg, &peer_cb, f->cli));
	chap_start(&f->cli->c, 0);
	chap_start(&f->srv->c, 0);
}

static void backend_accepts_and_keys_match(void **state)
{
	struct fixture *f = *state;
	uint8_t csend[16], crecv[16];

	start_pair(f, CHAP_MSCHAPV2, "alice", "alicePass", 0);
	run(f->srv, f->cli);
	assert_int_equal(f->srv->done_calls, 1);
	assert_int_equal(f->srv->outcome, CHAP_SUCCESS);
	assert_int_equal(f->cli->done_calls, 1);
	assert_int_equal(f->cli->outcome, CHAP_SUCCESS);
	assert_int_equal(f->srv->last.verdict, AUTH_ACCEPT);
	assert_true(chap_peer_keys(&f->cli->c, csend, crecv));
	assert_true(f->srv->last.has_keys);
	assert_memory_equal(f->srv->last.send_key, crecv, 16);
	assert_memory_equal(f->srv->last.recv_key, csend, 16);
}

static void wrong_password_then_retry_succeeds(void **state)
{
	struct fixture *f = *state;
	uint8_t first[16];

	f->cli->retry_password = "alicePass";
	start_pair(f, CHAP_MSCHAPV2, "alice", "guess", 0);
	memcpy(first, f->srv->c.challenge, 16);
	run(f->srv, f->cli);
	assert_int_equal(f->cli->retries, 1);
	assert_true(f->cli->failure.has_error);
	assert_int_equal(f->cli->failure.error, 691);
	assert_true(f->cli->failure.retry);
	assert_true(f->cli->failure.has_version);
	assert_int_equal(f->cli->failure.version, 3);
	assert_true(f->cli->failure.has_challenge);
	/* A fresh challenge, and the one the retry was checked against. */
	assert_memory_not_equal(f->cli->failure.challenge, first, 16);
	assert_int_equal(f->srv->responses, 2);
	assert_memory_equal(f->srv->info.challenge, f->cli->failure.challenge, 16);
	assert_int_equal(f->srv->outcome, CHAP_SUCCESS);
	assert_int_equal(f->cli->outcome, CHAP_SUCCESS);
	assert_int_equal(f->cli->done_calls, 1);
}

static void retries_exhausted_gives_up(void **state)
{
	struct fixture *f = *state;

	f->cli->retry_password = "stillwrong";
	start_pair(f, CHAP_MSCHAPV2, "alice", "guess", 3);
	run(f->srv, f->cli);
	assert_int_equal(f->srv->responses, 3);
	assert_int_equal(f->cli->retries, 2);
	assert_int_equal(f->srv->done_calls, 1);
	assert_int_equal(f->srv->outcome, CHAP_FAILURE);
	assert_int_equal(f->srv->error, 691);
	assert_int_equal(f->cli->outcome, CHAP_FAILURE);
	assert_int_equal(f->cli->error, 691);
	/* The last message said R=0. */
	struct chap_ms_failure last;
	chap_ms_parse_failure(f->srv->c.last_tx + 4, f->srv->c.last_tx_len - 4, 16, &last);
	assert_true(last.has_retry);
	assert_false(last.retry);
	assert_int_equal(last.error, 691);
}

static void disabled_and_unknown_users(void **state)
{
	struct fixture *f = *state;

	f->cli->retry_password = "bobPass";
	start_pair(f, CHAP_MSCHAPV2, "bob", "bobPass", 0);
	run(f->srv, f->cli);
	assert_int_equal(f->srv->outcome, CHAP_FAILURE);
	assert_int_equal(f->srv->error, 647);
	assert_int_equal(f->cli->error, 647);
	assert_int_equal(f->cli->retries, 0); /* R=0: no retry offered */
	assert_int_equal(f->srv->last.verdict, AUTH_REJECT_DISABLED);

	chap_free(&f->srv->c);
	chap_free(&f->cli->c);
	memset(f->srv, 0, sizeof(*f->srv));
	memset(f->cli, 0, sizeof(*f->cli));
	f->srv->backend = f->b;
	start_pair(f, CHAP_MSCHAPV2, "mallory", "x", 1);
	run(f->srv, f->cli);
	assert_int_equal(f->srv->outcome, CHAP_FAILURE);
	assert_int_equal(f->cli->error, 691);
	assert_int_equal(f->srv->last.verdict, AUTH_REJECT_BAD_CREDENTIALS);
}

static void mschapv1_round_trip(void **state)
{
	struct fixture *f = *state;
	uint8_t csend[16], crecv[16];

	f->cli->retry_password = "alicePass";
	start_pair(f, CHAP_MSCHAPV1, "alice", "wrong", 0);
	run(f->srv, f->cli);
	assert_int_equal(f->cli->retries, 1);
	assert_int_equal(f->cli->failure.challenge_len, 8);
	assert_int_equal(f->srv->outcome, CHAP_SUCCESS);
	assert_int_equal(f->cli->outcome, CHAP_SUCCESS);
	assert_true(chap_peer_keys(&f->cli->c, csend, crecv));
	assert_memory_equal(f->srv->last.send_key, crecv, 16);
	assert_memory_equal(f->srv->last.recv_key, csend, 16);
}

/* ---- Strict parsing and protocol rules, without a backend ---- */

static void make_pair(struct end *srv, struct end *cli, enum chap_algo algo)
{
	struct chap_config scfg = { .algo = algo, .name = "pptpd" };
	struct chap_config ccfg = { .algo = algo, .name = "alice", .password = "alicePass" };
	assert_true(chap_init(&srv->c, CHAP_AUTHENTICATOR, &scfg, &auth_cb, srv));
	assert_true(chap_init(&cli->c, CHAP_PEER, &ccfg, &peer_cb, cli));
	chap_start(&cli->c, 0);
	chap_start(&srv->c, 0);
}

static void malformed_responses_dropped(void **state)
{
	(void)state;
	struct end *srv = calloc(1, sizeof(*srv)), *cli = calloc(1, sizeof(*cli));
	make_pair(srv, cli, CHAP_MSCHAPV2);
	deliver(srv, cli);
	assert_int_equal(cli->nq, 1);
	uint8_t good[CHAP_PKT_MAX], bad[CHAP_PKT_MAX];
	size_t glen = cli->qlen[0];
	memcpy(good, cli->q[0], glen);
	cli->nq = 0;

	/* short */
	chap_input(&srv->c, good, 3, 1);
	/* value-size wrong (48) with the length adjusted */
	memcpy(bad, good, glen);
	bad[4] = 48;
	chap_input(&srv->c, bad, glen, 1);
	/* name empty */
	memcpy(bad, good, glen);
	bad[2] = 0;
	bad[3] = 4 + 1 + 49;
	chap_input(&srv->c, bad, 4 + 1 + 49, 1);
	/* length field beyond the data */
	memcpy(bad, good, glen);
	bad[3] = (uint8_t)(glen + 1);
	chap_input(&srv->c, bad, glen, 1);
	/* length below the header */
	memcpy(bad, good, glen);
	bad[2] = 0;
	bad[3] = 3;
	chap_input(&srv->c, bad, glen, 1);
	assert_int_equal(chap_stats(&srv->c)->rx_malformed, 5);
	assert_int_equal(srv->responses, 0);
	assert_int_equal(srv->nq, 0);

	/* Trailing padding beyond the length field is fine. */
	memcpy(bad, good, glen);
	bad[glen] = 0xEE;
	chap_input(&srv->c, bad, glen + 1, 1);
	assert_int_equal(srv->responses, 1);
	assert_memory_equal(srv->info.name, "alice", 5);

	/* While the owner is checking, a duplicate is ignored silently. */
	chap_input(&srv->c, good, glen, 2);
	assert_int_equal(srv->responses, 1);
	assert_int_equal(srv->nq, 0);
	assert_int_equal(chap_stats(&srv->c)->rx_ignored, 1);

	chap_free(&srv->c);
	chap_free(&cli->c);
	free(srv);
	free(cli);
}

/* A name longer than CHAP_NAME_MAX is handed over cut, with the length
 * it was sent with, so the owner can refuse it and say why. */
static void over_long_name_reaches_the_owner(void **state)
{
	(void)state;
	struct end *srv = calloc(1, sizeof(*srv)), *cli = calloc(1, sizeof(*cli));
	uint8_t pkt[4 + 1 + 49 + 300];
	make_pair(srv, cli, CHAP_MSCHAPV2);
	deliver(srv, cli);
	assert_int_equal(cli->nq, 1);
	assert_true(cli->qlen[0] >= 4 + 1 + 49);
	memcpy(pkt, cli->q[0], 4 + 1 + 49);
	memset(pkt + 4 + 1 + 49, 'n', 300);
	pkt[2] = (uint8_t)(sizeof(pkt) >> 8);
	pkt[3] = (uint8_t)(sizeof(pkt) & 0xff);
	chap_input(&srv->c, pkt, sizeof(pkt), 1);
	assert_int_equal(srv->responses, 1);
	assert_int_equal(srv->info.name_len, CHAP_NAME_MAX);
	assert_int_equal(srv->info.name_sent_len, 300);
	assert_int_equal(srv->info.name[0], 'n');
	assert_int_equal(chap_stats(&srv->c)->rx_malformed, 0);
	chap_free(&srv->c);
	chap_free(&cli->c);
	free(srv);
	free(cli);
}

static void client_rejects_forged_success(void **state)
{
	(void)state;
	struct end *srv = calloc(1, sizeof(*srv)), *cli = calloc(1, sizeof(*cli));
	uint8_t pkt[128];

	make_pair(srv, cli, CHAP_MSCHAPV2);
	deliver(srv, cli);
	uint8_t id = cli->q[0][1];
	cli->nq = 0;
	/* A Success with a wrong (well-formed) authenticator response. */
	const char *forged = "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=Welcome";
	pkt[0] = 3;
	pkt[1] = id;
	pkt[2] = 0;
	pkt[3] = (uint8_t)(4 + strlen(forged));
	memcpy(pkt + 4, forged, strlen(forged));
	chap_input(&cli->c, pkt, 4 + strlen(forged), 1);
	assert_int_equal(cli->done_calls, 1);
	assert_int_equal(cli->outcome, CHAP_FAILURE);
	uint8_t k1[16], k2[16];
	assert_false(chap_peer_keys(&cli->c, k1, k2));

	/* A Success with no S= at all. */
	chap_free(&cli->c);
	memset(cli, 0, sizeof(*cli));
	struct chap_config ccfg = { .algo = CHAP_MSCHAPV2, .name = "alice", .password = "alicePass" };
	assert_true(chap_init(&cli->c, CHAP_PEER, &ccfg, &peer_cb, cli));
	chap_start(&cli->c, 0);
	srv->nq = 0;
	chap_input(&cli->c, srv->c.last_tx, srv->c.last_tx_len, 0); /* the Challenge */
	assert_int_equal(cli->nq, 1);
	memcpy(pkt, "\x03\x00\x00\x0BWelcome", 11);
	pkt[1] = cli->q[0][1];
	chap_input(&cli->c, pkt, 11, 1);
	assert_int_equal(cli->outcome, CHAP_FAILURE);

	chap_free(&srv->c);
	chap_free(&cli->c);
	free(srv);
	free(cli);
}

static void retransmits_and_times_out(void **state)
{
	(void)state;
	struct end *srv = calloc(1, sizeof(*srv)), *cli = calloc(1, sizeof(*cli));
	struct chap_config scfg = { .algo = CHAP_MSCHAPV2, .name = "pptpd",
				    .restart_ms = 1000, .max_challenges = 3,
				    .auth_timeout_ms = 60000 };
	assert_true(chap_init(&srv->c, CHAP_AUTHENTICATOR, &scfg, &auth_cb, srv));
	chap_start(&srv->c, 100);
	assert_int_equal(srv->nq, 1);
	assert_int_equal(srv->timer, 1000);
	chap_timeout(&srv->c, 600); /* early: nothing */
	assert_int_equal(srv->nq, 1);
	chap_timeout(&srv->c, 1100);
	assert_int_equal(srv->nq, 2);
	assert_memory_equal(srv->q[0], srv->q[1], srv->qlen[0]);
	chap_timeout(&srv->c, 2100);
	assert_int_equal(srv->nq, 3);
	chap_timeout(&srv->c, 3100);
	assert_int_equal(srv->nq, 3);
	assert_int_equal(srv->done_calls, 1);
	assert_int_equal(srv->outcome, CHAP_TIMEOUT);
	assert_int_equal(srv->timer, 0);
	chap_free(&srv->c);

	/* The overall timeout while the owner is still checking. */
	memset(srv, 0, sizeof(*srv));
	scfg.auth_timeout_ms = 5000;
	scfg.max_challenges = 0;
	make_pair(srv, cli, CHAP_MSCHAPV2);
	chap_free(&srv->c);
	memset(srv, 0, sizeof(*srv));
	assert_true(chap_init(&srv->c, CHAP_AUTHENTICATOR, &scfg, &auth_cb, srv));
	chap_start(&srv->c, 0);
	deliver(srv, cli);
	deliver(cli, srv);
	assert_int_equal(srv->responses, 1);
	assert_int_equal(srv->timer, 5000);
	chap_timeout(&srv->c, 5000);
	assert_int_equal(srv->outcome, CHAP_TIMEOUT);
	/* The late verdict is refused. */
	assert_false(chap_auth_result(&srv->c, 0, "S=0000000000000000000000000000000000000000", 6000));
	assert_int_equal(srv->nq, 0);

	/* The peer: a retransmitted Challenge gets the same Response. */
	chap_free(&srv->c);
	chap_free(&cli->c);
	memset(srv, 0, sizeof(*srv));
	memset(cli, 0, sizeof(*cli));
	make_pair(srv, cli, CHAP_MSCHAPV2);
	chap_input(&cli->c, srv->q[0], srv->qlen[0], 1);
	chap_input(&cli->c, srv->q[0], srv->qlen[0], 2);
	assert_int_equal(cli->nq, 2);
	assert_memory_equal(cli->q[0], cli->q[1], cli->qlen[0]);
	chap_timeout(&cli->c, 30000);
	assert_int_equal(cli->outcome, CHAP_TIMEOUT);

	chap_free(&srv->c);
	chap_free(&cli->c);
	free(srv);
	free(cli);
}

static void failure_message_parsing(void **state)
{
	(void)state;
	struct chap_ms_failure f;
	const char *m1 = "M=bad luck, try again V=3 E=691";
	chap_ms_parse_failure((const uint8_t *)m1, strlen(m1), 16, &f);
	assert_false(f.has_error); /* everything after M= is text */
	assert_int_equal(f.text_len, strlen(m1) - 2);

	const char *m2 = "C=0123456789ABCDEF0123456789abcdef  V=3 R=1 E=649 M=No dial-in";
	chap_ms_parse_failure((const uint8_t *)m2, strlen(m2), 16, &f);
	assert_true(f.has_error);
	assert_int_equal(f.error, 649);
	assert_true(f.retry);
	assert_true(f.has_challenge);
	assert_int_equal(f.challenge[0], 0x01);
	assert_int_equal(f.challenge[15], 0xEF);
	assert_int_equal(f.version, 3);
	assert_int_equal(f.text_len, 10);
	assert_memory_equal(f.text, "No dial-in", 10);

	const char *m3 = "E=691";
	chap_ms_parse_failure((const uint8_t *)m3, strlen(m3), 16, &f);
	assert_true(f.has_error);
	assert_false(f.has_retry);
	assert_false(f.has_challenge);
	assert_false(f.has_version);
	assert_null(f.text);

	const char *m4 = "E=69x R=2 C=12 V= X=1 garbage";
	chap_ms_parse_failure((const uint8_t *)m4, strlen(m4), 16, &f);
	assert_false(f.has_error);
	assert_false(f.has_retry);
	assert_false(f.has_challenge);
	assert_false(f.has_version);
	chap_ms_parse_failure(NULL, 0, 8, &f);
	assert_false(f.has_error);

	char out[CHAP_MS_FAILURE_MAX];
	const uint8_t ch[8] = { 0xDE, 0xAD, 0xBE, 0xEF, 0, 1, 2, 3 };
	size_t n = chap_ms_format_failure(out, sizeof(out), 647, false, ch, 8, 0, NULL);
	assert_int_equal(n, strlen("E=647 R=0 C=DEADBEEF00010203 V=0"));
	assert_memory_equal(out, "E=647 R=0 C=DEADBEEF00010203 V=0", n);
	assert_int_equal(chap_ms_format_failure(out, 10, 647, false, ch, 8, 0, NULL), 0);

	const char *s = "S=407A5589115FD0D6209F510FE9C04566932CDA56";
	assert_true(chap_ms_check_success((const uint8_t *)"s=407a5589115fd0d6209f510fe9c04566932cda56", 42, s) == false);
	assert_true(chap_ms_check_success((const uint8_t *)"S=407a5589115fd0d6209f510fe9c04566932cda56 M=x", 46, s));
	assert_false(chap_ms_check_success((const uint8_t *)"S=407A5589115FD0D6209F510FE9C04566932CDA5", 41, s));
	assert_false(chap_ms_check_success((const uint8_t *)"S=407A5589115FD0D6209F510FE9C04566932CDA56X", 43, s));
}

static void init_rejects_bad_config(void **state)
{
	(void)state;
	struct chap c;
	struct chap_config cfg = { .algo = CHAP_MSCHAPV2, .name = "alice" };
	assert_false(chap_init(&c, CHAP_PEER, &cfg, &peer_cb, NULL)); /* no password */
	cfg.password = "\xff";
	assert_false(chap_init(&c, CHAP_PEER, &cfg, &peer_cb, NULL)); /* not UTF-8 */
	cfg.password = "x";
	cfg.algo = (enum chap_algo)3;
	assert_false(chap_init(&c, CHAP_PEER, &cfg, &peer_cb, NULL));
	cfg.algo = CHAP_MSCHAPV2;
	assert_false(chap_init(&c, CHAP_AUTHENTICATOR, &cfg, &peer_cb, NULL)); /* no response cb */
	assert_true(chap_init(&c, CHAP_PEER, &cfg, &peer_cb, NULL));
	chap_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc2759_vectors_end_to_end),
		cmocka_unit_test_setup_teardown(backend_accepts_and_keys_match, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_password_then_retry_succeeds, setup, teardown),
		cmocka_unit_test_setup_teardown(retries_exhausted_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(disabled_and_unknown_users, setup, teardown),
		cmocka_unit_test_setup_teardown(mschapv1_round_trip, setup, teardown),
		cmocka_unit_test(malformed_responses_dropped),
		cmocka_unit_test(over_long_name_reaches_the_owner),
		cmocka_unit_test(client_rejects_forged_success),
		cmocka_unit_test(retransmits_and_times_out),
		cmocka_unit_test(failure_message_parsing),
		cmocka_unit_test(init_rejects_bad_config),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
