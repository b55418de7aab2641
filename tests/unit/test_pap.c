/* PAP (RFC 1334) in both roles; the authenticator's owner checks through
 * the SQLite backend with a real temporary store. */
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
#include "common/ppp/pap.h"

#define MAXQ 16

struct end {
	struct pap p;
	uint8_t q[MAXQ][PAP_PKT_MAX];
	size_t qlen[MAXQ];
	size_t nq;
	uint32_t timer;
	int done_calls;
	enum pap_outcome outcome;
	char why[256];
	int requests;
	struct auth_backend *b;
	int submitted, completed;
	enum auth_verdict verdict;
};

static void e_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct end *e = ctx;
	assert_true(e->nq < MAXQ);
	memcpy(e->q[e->nq], pkt, len);
	e->qlen[e->nq++] = len;
}

static void e_timer(void *ctx, uint32_t ms)
{
	((struct end *)ctx)->timer = ms;
}

static void e_done(void *ctx, enum pap_outcome o, const char *why)
{
	struct end *e = ctx;
	e->done_calls++;
	e->outcome = o;
	snprintf(e->why, sizeof(e->why), "%s", why);
}

static void e_request(void *ctx, const struct pap_request_info *r)
{
	struct end *e = ctx;
	struct auth_request req;

	e->requests++;
	if (!e->b)
		return;
	memset(&req, 0, sizeof(req));
	req.session = (struct auth_session_ref){ 3, 9 };
	req.method = AUTH_PAP;
	assert_true(auth_request_set_user(&req, r->peer_id, r->peer_id_len));
	memcpy(req.u.pap.password, r->password, r->password_len);
	req.u.pap.password_len = r->password_len;
	assert_int_equal(auth_backend_submit(e->b, &req), AUTH_SUBMIT_PENDING);
	auth_request_wipe(&req);
	e->submitted++;
}

static void e_complete(void *ctx, const struct auth_result *res)
{
	struct end *e = ctx;
	e->completed++;
	e->verdict = res->verdict;
	assert_true(pap_auth_result(&e->p, res->verdict == AUTH_ACCEPT,
				    res->verdict == AUTH_ACCEPT ? "Welcome" : "Authentication failure", 0));
}

static const struct pap_callbacks auth_cb = { .send = e_send, .set_timer = e_timer,
					      .request = e_request, .done = e_done };
static const struct pap_callbacks peer_cb = { .send = e_send, .set_timer = e_timer, .done = e_done };

static void deliver(struct end *from, struct end *to)
{
	size_t n = from->nq;
	for (size_t i = 0; i < n; i++)
		pap_input(&to->p, from->q[i], from->qlen[i], 0);
	from->nq = 0;
}

struct fixture {
	struct temp_store ts;
	struct end *srv, *cli;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct userdb *db = NULL;
	struct user_record rec;
	char err[256];

	if (!f)
		return -1;
	if (!temp_store_make(&f->ts, "test_pap"))
		return -1;
	if (userdb_open(f->ts.path, USERDB_OPEN_CREATE, &db, err, sizeof(err)) != USERDB_OK)
		return -1;
	memset(&rec, 0, sizeof(rec));
	strcpy(rec.name, "alice");
	NtPasswordHash("alicePass", rec.nt_hash);
	rec.enabled = true;
	if (userdb_add(db, &rec) != USERDB_OK)
		return -1;
	userdb_free(db);
	f->srv = calloc(1, sizeof(*f->srv));
	f->cli = calloc(1, sizeof(*f->cli));
	struct auth_sqlite_config cfg = { .path = f->ts.path };
	f->srv->b = auth_sqlite_new(&cfg, e_complete, f->srv, err, sizeof(err));
	if (!f->srv->b)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	auth_backend_free(f->srv->b);
	pap_free(&f->srv->p);
	pap_free(&f->cli->p);
	free(f->srv);
	free(f->cli);
	temp_store_remove(&f->ts);
	free(f);
	return 0;
}

static void wait_backend(struct end *srv)
{
	while (srv->completed < srv->submitted) {
		struct pollfd pfd = { .fd = auth_backend_fd(srv->b), .events = POLLIN };
		assert_int_equal(poll(&pfd, 1, 20000), 1);
		auth_backend_drain(srv->b);
	}
}

static void exchange(struct fixture *f, const char *user, const char *pw)
{
	struct pap_config scfg = { .max_attempts = 1 };
	struct pap_config ccfg = { .user = user, .password = pw };
	assert_true(pap_init(&f->srv->p, PAP_AUTHENTICATOR, &scfg, &auth_cb, f->srv));
	assert_true(pap_init(&f->cli->p, PAP_PEER, &ccfg, &peer_cb, f->cli));
	pap_start(&f->srv->p, 0);
	pap_start(&f->cli->p, 0);
	assert_int_equal(f->cli->nq, 1);
	/* code 1, id, length, peer-id, password */
	size_t ul = strlen(user), pl = strlen(pw);
	assert_int_equal(f->cli->q[0][0], 1);
	assert_int_equal(f->cli->qlen[0], 4 + 2 + ul + pl);
	assert_int_equal(f->cli->q[0][4], ul);
	assert_memory_equal(f->cli->q[0] + 5, user, ul);
	deliver(f->cli, f->srv);
	assert_int_equal(f->srv->requests, 1);
	wait_backend(f->srv);
	deliver(f->srv, f->cli);
}

static void pap_accept(void **state)
{
	struct fixture *f = *state;
	exchange(f, "alice", "alicePass");
	assert_int_equal(f->srv->verdict, AUTH_ACCEPT);
	assert_int_equal(f->srv->outcome, PAP_SUCCESS);
	assert_int_equal(f->cli->done_calls, 1);
	assert_int_equal(f->cli->outcome, PAP_SUCCESS);
	assert_string_equal(f->cli->why, "Welcome");
	assert_int_equal(f->cli->timer, 0);
}

static void pap_reject(void **state)
{
	struct fixture *f = *state;
	exchange(f, "alice", "nope");
	assert_int_equal(f->srv->verdict, AUTH_REJECT_BAD_CREDENTIALS);
	assert_int_equal(f->srv->outcome, PAP_FAILURE);
	assert_int_equal(f->cli->outcome, PAP_FAILURE);
	assert_string_equal(f->cli->why, "Authentication failure");
	/* A late retransmission gets the same Nak with its own id. */
	uint8_t req[] = { 1, 0x55, 0, 6 + 5 + 4, 5, 'a', 'l', 'i', 'c', 'e', 4, 'n', 'o', 'p', 'e' };
	pap_input(&f->srv->p, req, sizeof(req), 0);
	assert_int_equal(f->srv->nq, 1);
	assert_int_equal(f->srv->q[0][0], 3);
	assert_int_equal(f->srv->q[0][1], 0x55);
	assert_int_equal(f->srv->requests, 1);
}

static void pap_unknown_user(void **state)
{
	struct fixture *f = *state;
	exchange(f, "mallory", "x");
	assert_int_equal(f->srv->verdict, AUTH_REJECT_BAD_CREDENTIALS);
	assert_int_equal(f->cli->outcome, PAP_FAILURE);
}

static void pap_strict_parse_and_pending(void **state)
{
	(void)state;
	struct end *srv = calloc(1, sizeof(*srv));
	struct pap_config cfg = { 0 };
	assert_true(pap_init(&srv->p, PAP_AUTHENTICATOR, &cfg, &auth_cb, srv));
	pap_start(&srv->p, 0);
	const uint8_t shorthdr[] = { 1, 1, 0 };
	const uint8_t beyond[] = { 1, 1, 0, 20, 1, 'a', 0 };
	const uint8_t trailing[] = { 1, 1, 0, 8, 1, 'a', 0, 'x' };
	const uint8_t pwshort[] = { 1, 1, 0, 8, 1, 'a', 5, 'x' };
	const uint8_t noname[] = { 1, 1, 0, 6, 0, 0 };
	pap_input(&srv->p, shorthdr, sizeof(shorthdr), 0);
	pap_input(&srv->p, beyond, sizeof(beyond), 0);
	pap_input(&srv->p, trailing, sizeof(trailing), 0);
	pap_input(&srv->p, pwshort, sizeof(pwshort), 0);
	pap_input(&srv->p, noname, sizeof(noname), 0);
	assert_int_equal(pap_stats(&srv->p)->rx_malformed, 5);
	assert_int_equal(srv->requests, 0);

	/* Padding after the length is fine; an empty password is passed on. */
	const uint8_t ok[] = { 1, 7, 0, 7, 1, 'a', 0, 0xEE };
	pap_input(&srv->p, ok, sizeof(ok), 0);
	assert_int_equal(srv->requests, 1);
	/* A retransmission with a new id while pending: the answer uses it. */
	const uint8_t again[] = { 1, 8, 0, 7, 1, 'a', 0 };
	pap_input(&srv->p, again, sizeof(again), 0);
	assert_int_equal(srv->requests, 1);
	assert_true(pap_auth_result(&srv->p, false, "no", 0));
	assert_int_equal(srv->nq, 1);
	assert_memory_equal(srv->q[0], "\x03\x08\x00\x07\x02no", 7);
	/* Nak with attempts left: the next request is checked again. */
	assert_int_equal(srv->done_calls, 0);
	pap_input(&srv->p, again, sizeof(again), 0);
	assert_int_equal(srv->requests, 2);
	assert_true(pap_auth_result(&srv->p, true, NULL, 0));
	assert_int_equal(srv->outcome, PAP_SUCCESS);
	assert_memory_equal(srv->q[1], "\x02\x08\x00\x05\x00", 5);
	pap_free(&srv->p);
	free(srv);
}

static void pap_peer_retransmits_and_times_out(void **state)
{
	(void)state;
	struct end *cli = calloc(1, sizeof(*cli));
	struct pap_config cfg = { .user = "alice", .password = "pw", .restart_ms = 1000,
				  .max_requests = 3, .auth_timeout_ms = 60000 };
	assert_true(pap_init(&cli->p, PAP_PEER, &cfg, &peer_cb, cli));
	pap_start(&cli->p, 0);
	assert_int_equal(cli->timer, 1000);
	pap_timeout(&cli->p, 1000);
	pap_timeout(&cli->p, 2000);
	assert_int_equal(cli->nq, 3);
	assert_memory_equal(cli->q[0], cli->q[2], cli->qlen[0]);
	/* An Ack with another id is ignored. */
	uint8_t ack[] = { 2, (uint8_t)(cli->q[0][1] + 1), 0, 5, 0 };
	pap_input(&cli->p, ack, sizeof(ack), 2500);
	assert_int_equal(cli->done_calls, 0);
	assert_int_equal(pap_stats(&cli->p)->rx_ignored, 1);
	pap_timeout(&cli->p, 3000);
	assert_int_equal(cli->done_calls, 1);
	assert_int_equal(cli->outcome, PAP_TIMEOUT);
	assert_int_equal(cli->nq, 3);
	pap_free(&cli->p);
	free(cli);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pap_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(pap_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(pap_unknown_user, setup, teardown),
		cmocka_unit_test(pap_strict_parse_and_pending),
		cmocka_unit_test(pap_peer_retransmits_and_times_out),
	};
	char err[256];
	if (!crypto_init(err, sizeof(err)))
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	crypto_shutdown();
	return rc;
}
