/* The RADIUS transport (auth/radius_client.h) against fake RADIUS servers
 * the test runs itself: UDP sockets on 127.0.0.1 that read what the client
 * sends, check it with the codec (auth/radius_pkt.h) and answer, or stay
 * silent. The client is driven as an event loop would drive it: poll() its
 * fd, then radius_client_run() with a monotonic clock in milliseconds.
 * Timeouts are short so that retransmission and failover take a few hundred
 * milliseconds; every wait is bounded, and nothing asserts on timings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/radius_client.h"
#include "auth/radius_pkt.h"
#include "common/buf.h"
#include "common/crypto.h"
#include "tests/unit/support/radius_fake.h"
#include "tests/unit/support/crypto_group.h"

#define FAKES_MAX 3
#define SAFETY_MS 3000 /* a bound against a hang, not a timing check */
#define MAX_DONE  300

/* ---- the completions ---- */

struct done_rec {
	int tag;
	bool has_reply;
	uint8_t code, id;
	uint8_t req_auth[RADIUS_AUTH_LEN];
	const struct radius_server *server;
	char server_name[64];
	uint8_t reply[RADIUS_MAX_LEN]; /* the reply's bytes, copied */
	size_t reply_len;
};

struct seen {
	struct done_rec d[MAX_DONE];
	size_t n;
	/* Cancel this request from inside the next completion (then NULL). */
	struct radius_client *c;
	struct radius_req *cancel_in_cb;
};

struct tagged {
	struct seen *s;
	int tag;
};

static void on_done(void *ctx, const struct radius_packet *reply,
		    const struct radius_server *server, const uint8_t req_auth[RADIUS_AUTH_LEN])
{
	struct tagged *t = ctx;
	struct seen *s = t->s;
	assert_true(s->n < MAX_DONE);
	struct done_rec *d = &s->d[s->n++];
	memset(d, 0, sizeof(*d));
	d->tag = t->tag;
	d->server = server;
	memcpy(d->req_auth, req_auth, RADIUS_AUTH_LEN);
	if (server)
		snprintf(d->server_name, sizeof(d->server_name), "%s", server->name);
	if (reply) {
		d->has_reply = true;
		d->code = reply->code;
		d->id = reply->id;
		assert_true(reply->len <= sizeof(d->reply));
		memcpy(d->reply, reply->raw, reply->len);
		d->reply_len = reply->len;
	}
	if (s->cancel_in_cb) {
		radius_client_cancel(s->c, s->cancel_in_cb);
		s->cancel_in_cb = NULL;
	}
}

/* ---- driving the client ---- */

/* The client and the completions it delivers to s (not counted: NULL). */
struct driven {
	struct radius_client *c;
	const struct seen *s;
};

static void run_client(void *ctx)
{
	const struct driven *d = ctx;
	radius_client_run(d->c, radius_fake_mono_ms());
}

static uint64_t completions(void *ctx)
{
	const struct driven *d = ctx;
	return d->s->n;
}

/* Run the client whenever its fd is readable until one of the fakes has a
 * datagram: read it and return the fake's index; -1 after budget_ms; -2
 * as soon as a completion was delivered to s (when s is given). */
static int pump_watch(struct radius_client *c, struct radius_fake *const *fakes, size_t nfakes,
		      int budget_ms, const struct seen *s)
{
	struct driven d = { c, s };
	struct radius_fake_peer peer = {
		.fd = radius_client_fd(c),
		.run = run_client,
		.completions = s ? completions : NULL,
		.ctx = &d,
	};
	return radius_fake_pump(&peer, fakes, nfakes, budget_ms);
}

static int pump(struct radius_client *c, struct radius_fake *const *fakes, size_t nfakes,
		int budget_ms)
{
	return pump_watch(c, fakes, nfakes, budget_ms, NULL);
}

static void expect_datagram(struct radius_client *c, struct radius_fake *f)
{
	struct radius_fake *one[1] = { f };
	assert_int_equal(pump(c, one, 1, SAFETY_MS), 0);
}

/* Run the client until s has `want` completions (or budget_ms passed). */
static void drive(struct radius_client *c, const struct seen *s, size_t want, int budget_ms)
{
	struct driven d = { c, s };
	struct radius_fake_peer peer = {
		.fd = radius_client_fd(c), .run = run_client, .completions = completions, .ctx = &d,
	};
	(void)radius_fake_wait(&peer, want, budget_ms);
}

/* A datagram was just sent to the client over loopback: wait for its fd
 * and let it process what is waiting. */
static void settle(struct radius_client *c)
{
	struct pollfd pfd = { .fd = radius_client_fd(c), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, SAFETY_MS), 1);
	radius_client_run(c, radius_fake_mono_ms());
}

/* ---- the fake's replies ---- */

/* The reply to the fake's last request: code, one Reply-Message, signed
 * with the fake's secret; a Message-Authenticator when with_ma. */
static void reply_build(const struct radius_fake *f, struct radius_writer *w, uint8_t code,
			uint8_t id, bool with_ma, const char *message)
{
	radius_fake_reply_init(w, code, id, with_ma);
	if (message)
		assert_true(radius_put_str(w, RADIUS_REPLY_MESSAGE, message));
	assert_true(radius_finish(w, RADIUS_SIGN_RESPONSE, &f->sec, f->p.auth));
}

static void fake_answer(const struct radius_fake *f, uint8_t code, const char *message)
{
	struct radius_writer w;
	reply_build(f, &w, code, f->p.id, true, message);
	radius_fake_send(f, w.buf, w.len);
}

/* Recompute a reply's Response Authenticator in place (RFC 2865 3), after
 * the test changed its attributes. */
static void resign_response(uint8_t *pkt, size_t len, const uint8_t req_auth[16],
			    const struct radius_secret *sec)
{
	uint8_t buf[RADIUS_MAX_LEN];
	memcpy(buf, pkt, len);
	memcpy(buf + 4, req_auth, 16);
	radius_fake_md5(buf, len, sec->data, sec->len, "", 0, pkt + 4);
}

static size_t find_attr_off(const uint8_t *pkt, size_t len, uint8_t type)
{
	size_t off = RADIUS_HDR_LEN;
	while (off + 2 <= len) {
		if (pkt[off] == type)
			return off;
		off += pkt[off + 1];
	}
	fail_msg("attribute %u not found", type);
	return 0;
}

/* ---- the client ---- */

struct env {
	struct radius_fake f[FAKES_MAX];
	struct radius_server servers[FAKES_MAX];
	size_t nfakes;
	struct radius_client *c;
	struct seen seen;
	struct tagged tags[MAX_DONE];
	unsigned dead_time_s;  /* 0: 30 */
	bool status_server;    /* probe dead servers */
	unsigned probe_ms;     /* probe interval; 0: the client's default */
	bool ma_optional[FAKES_MAX];
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	for (size_t i = 0; i < FAKES_MAX; i++)
		e->f[i].fd = -1;
	for (int i = 0; i < MAX_DONE; i++)
		e->tags[i] = (struct tagged){ &e->seen, i };
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	radius_client_free(e->c);
	for (size_t i = 0; i < FAKES_MAX; i++)
		radius_fake_close(&e->f[i]);
	free(e);
	return 0;
}

static const char *const secrets[FAKES_MAX] = { "s3cret-one", "another secret", "third" };

static struct radius_client *start(struct env *e, size_t nservers, unsigned timeout_ms,
				   unsigned tries, size_t max_outstanding)
{
	char err[256] = "";
	for (size_t i = 0; i < nservers; i++) {
		radius_fake_open(&e->f[i], secrets[i]);
		e->servers[i] = radius_fake_server(&e->f[i], NULL);
		e->servers[i].ma_optional = e->ma_optional[i];
	}
	e->nfakes = nservers;
	struct radius_client_config cfg = {
		.what = "auth",
		.servers = e->servers,
		.nservers = nservers,
		.timeout_ms = timeout_ms,
		.tries = tries,
		.dead_time_s = e->dead_time_s ? e->dead_time_s : 30,
		.status_server = e->status_server,
		.probe_interval_ms = e->probe_ms,
		.max_outstanding = max_outstanding,
	};
	e->c = radius_client_new(&cfg, err, sizeof(err));
	if (!e->c)
		fail_msg("radius_client_new: %s", err);
	e->seen.c = e->c;
	return e->c;
}

/* An Access-Request's attributes: User-Name and NAS-Identifier. */
static size_t access_attrs(uint8_t *out, size_t cap, const char *user)
{
	struct radius_writer w;
	radius_writer_init(&w, RADIUS_ACCESS_REQUEST, 0, NULL);
	assert_true(radius_put_str(&w, RADIUS_USER_NAME, user));
	assert_true(radius_put_str(&w, RADIUS_NAS_IDENTIFIER, "test-nas"));
	size_t n = w.len - RADIUS_HDR_LEN;
	assert_true(n <= cap);
	memcpy(out, w.buf + RADIUS_HDR_LEN, n);
	return n;
}

static struct radius_req *send_access(struct env *e, int tag, const char *user,
				      const char *password)
{
	uint8_t attrs[256];
	size_t n = access_attrs(attrs, sizeof(attrs), user);
	uint64_t now = radius_fake_mono_ms();
	struct radius_req_params p = {
		.code = RADIUS_ACCESS_REQUEST,
		.attrs = attrs,
		.attrs_len = n,
		.password = password,
		.password_len = password ? strlen(password) : 0,
		.created_ms = now,
		.done = on_done,
		.ctx = &e->tags[tag],
	};
	return radius_client_send(e->c, &p, now);
}

static void expect_text(const struct radius_packet *p, uint8_t type, const char *want)
{
	struct radius_attr a;
	assert_true(radius_find(p, 0, type, &a));
	assert_int_equal(a.len, strlen(want));
	assert_memory_equal(a.val, want, a.len);
}

/* ---- the cases ---- */

/* A signed Access-Request with the password hidden for this server; the
 * Accept completes it once, inside run() only, naming server and req_auth. */
static void access_request_and_accept(void **state)
{
	struct env *e = *state;
	struct radius_fake *f = &e->f[0];
	struct radius_attr a;
	char pw[RADIUS_PASSWORD_MAX + 1];
	size_t pwlen = 0;
	struct radius_secret wrong;

	assert_true(radius_secret_set(&wrong, "not the secret"));
	start(e, 1, 1000, 3, 0);
	assert_non_null(send_access(e, 1, "alice", "correct horse battery"));
	assert_int_equal(e->seen.n, 0); /* never inside send */
	assert_int_equal(radius_client_outstanding(e->c), 1);

	expect_datagram(e->c, f);
	assert_int_equal(f->p.code, RADIUS_ACCESS_REQUEST);
	assert_int_equal(radius_verify(&f->p, RADIUS_SIGN_ACCESS_REQUEST, &f->sec, NULL, true),
			 RADIUS_OK);
	assert_int_equal(radius_count(&f->p, 0, RADIUS_MESSAGE_AUTHENTICATOR), 1);
	/* With another secret the Message-Authenticator does not verify. */
	assert_int_equal(radius_verify(&f->p, RADIUS_SIGN_ACCESS_REQUEST, &wrong, NULL, true),
			 RADIUS_BAD_MA);
	expect_text(&f->p, RADIUS_USER_NAME, "alice");
	expect_text(&f->p, RADIUS_NAS_IDENTIFIER, "test-nas");
	assert_true(radius_find(&f->p, 0, RADIUS_USER_PASSWORD, &a));
	assert_int_equal(a.len, 32); /* 21 octets padded to 32 */
	assert_true(radius_get_user_password(&a, &f->sec, f->p.auth, pw, &pwlen));
	assert_int_equal(pwlen, strlen("correct horse battery"));
	assert_string_equal(pw, "correct horse battery");
	assert_int_equal(radius_count(&f->p, 0, RADIUS_ACCT_DELAY_TIME), 0);

	uint8_t req_auth[RADIUS_AUTH_LEN];
	memcpy(req_auth, f->p.auth, sizeof(req_auth));
	uint8_t id = f->p.id;
	fake_answer(f, RADIUS_ACCESS_ACCEPT, "welcome");
	drive(e->c, &e->seen, 1, SAFETY_MS);
	assert_int_equal(e->seen.n, 1);
	struct done_rec *d = &e->seen.d[0];
	assert_int_equal(d->tag, 1);
	assert_true(d->has_reply);
	assert_int_equal(d->code, RADIUS_ACCESS_ACCEPT);
	assert_int_equal(d->id, id);
	assert_memory_equal(d->req_auth, req_auth, RADIUS_AUTH_LEN);
	assert_non_null(d->server);
	assert_string_equal(d->server_name, e->servers[0].name);
	struct radius_packet rp;
	assert_true(radius_parse(d->reply, d->reply_len, &rp));
	expect_text(&rp, RADIUS_REPLY_MESSAGE, "welcome");

	/* Done: the same reply again is no longer for anyone. */
	assert_int_equal(radius_client_outstanding(e->c), 0);
	fake_answer(f, RADIUS_ACCESS_ACCEPT, "welcome");
	settle(e->c);
	drive(e->c, &e->seen, 2, 150);
	assert_int_equal(e->seen.n, 1);
	const struct radius_stats *st = radius_client_stats(e->c);
	assert_int_equal(st->sent, 1);
	assert_int_equal(st->replies, 1);
	assert_int_equal(st->unexpected, 1);
	assert_int_equal(st->retransmitted, 0);
	/* The one reply is in one latency bucket; the unexpected one in none. */
	uint64_t in_buckets = 0;
	for (size_t i = 0; i <= RADIUS_LATENCY_BUCKETS; i++)
		in_buckets += st->latency[i];
	assert_int_equal(in_buckets, 1);
	assert_true(st->latency_sum_ms < SAFETY_MS);
}

/* Silence: `tries` identical datagrams to server 1, then a new packet to
 * server 2, whose answer completes the request; server 1 is then dead and
 * the next request goes straight to server 2. */
static void retransmit_then_failover(void **state)
{
	struct env *e = *state;
	struct radius_fake *f1 = &e->f[0], *f2 = &e->f[1];
	struct radius_fake *both[2] = { f1, f2 };
	uint8_t first[RADIUS_MAX_LEN];
	size_t first_len;

	start(e, 2, 100, 3, 0);
	assert_non_null(send_access(e, 2, "bob", "pw-of-bob"));
	expect_datagram(e->c, f1);
	memcpy(first, f1->pkt, f1->len);
	first_len = f1->len;
	struct radius_fake_req req1 = radius_fake_last(f1);

	for (int i = 0; i < 2; i++) {
		assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 0);
		assert_int_equal(f1->len, first_len);
		assert_memory_equal(f1->pkt, first, first_len); /* the same bytes */
	}
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 1);
	assert_int_equal(f1->received, 3);
	assert_int_equal(f2->received, 1);
	assert_int_not_equal(f2->p.id, req1.id);
	assert_memory_not_equal(f2->p.auth, req1.auth, RADIUS_AUTH_LEN);
	/* Built anew for server 2: its secret, its password hiding. */
	assert_int_equal(radius_verify(&f2->p, RADIUS_SIGN_ACCESS_REQUEST, &f2->sec, NULL, true),
			 RADIUS_OK);
	assert_int_equal(radius_verify(&f2->p, RADIUS_SIGN_ACCESS_REQUEST, &f1->sec, NULL, true),
			 RADIUS_BAD_MA);
	struct radius_attr a;
	char pw[RADIUS_PASSWORD_MAX + 1];
	size_t pwlen;
	assert_true(radius_find(&f2->p, 0, RADIUS_USER_PASSWORD, &a));
	assert_true(radius_get_user_password(&a, &f2->sec, f2->p.auth, pw, &pwlen));
	assert_string_equal(pw, "pw-of-bob");
	expect_text(&f2->p, RADIUS_USER_NAME, "bob");
	assert_int_equal(e->seen.n, 0);

	/* A late answer from server 1 to the old packet is not accepted. */
	radius_fake_answer(f1, &req1, RADIUS_ACCESS_ACCEPT, true);
	settle(e->c);
	assert_int_equal(e->seen.n, 0);

	fake_answer(f2, RADIUS_ACCESS_ACCEPT, NULL);
	drive(e->c, &e->seen, 1, SAFETY_MS);
	assert_int_equal(e->seen.n, 1);
	assert_true(e->seen.d[0].has_reply);
	assert_string_equal(e->seen.d[0].server_name, e->servers[1].name);
	assert_memory_equal(e->seen.d[0].req_auth, f2->p.auth, RADIUS_AUTH_LEN);

	const struct radius_stats *st = radius_client_stats(e->c);
	assert_int_equal(st->retransmitted, 2);
	assert_int_equal(st->failovers, 1);
	assert_int_equal(st->sent, 2);
	assert_int_equal(st->timeouts, 0);
	assert_int_equal(st->replies, 1);
	assert_int_equal(st->unexpected, 1);
	/* Its latency counts from the first send: the tries at server 1 are in it. */
	assert_int_equal(st->latency[0], 0);

	/* Server 1 is dead for dead_time_s: straight to server 2. */
	assert_non_null(send_access(e, 3, "carol", NULL));
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 1);
	assert_int_equal(f1->received, 3);
	assert_int_equal(radius_count(&f2->p, 0, RADIUS_USER_PASSWORD), 0);
	fake_answer(f2, RADIUS_ACCESS_REJECT, NULL);
	drive(e->c, &e->seen, 2, SAFETY_MS);
	assert_int_equal(e->seen.n, 2);
	assert_int_equal(e->seen.d[1].tag, 3);
	assert_int_equal(e->seen.d[1].code, RADIUS_ACCESS_REJECT);
	assert_int_equal(st->failovers, 1);
	assert_int_equal(st->sent, 3);
}

/* A dead server is skipped only for dead_time_s: then it is asked first
 * again, and its answer makes it live. */
static void dead_server_tried_again(void **state)
{
	struct env *e = *state;
	struct radius_fake *f1 = &e->f[0], *f2 = &e->f[1];
	struct radius_fake *both[2] = { f1, f2 };

	e->dead_time_s = 1;
	start(e, 2, 100, 1, 0);
	assert_non_null(send_access(e, 0, "dave", NULL));
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 0);  /* server 1: silent */
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 1);  /* then server 2 */
	fake_answer(f2, RADIUS_ACCESS_ACCEPT, NULL);
	drive(e->c, &e->seen, 1, SAFETY_MS);
	assert_string_equal(e->seen.d[0].server_name, e->servers[1].name);

	/* Within the dead time: server 2 first. */
	assert_non_null(send_access(e, 1, "dave", NULL));
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 1);
	assert_int_equal(f1->received, 1);
	fake_answer(f2, RADIUS_ACCESS_ACCEPT, NULL);
	drive(e->c, &e->seen, 2, SAFETY_MS);

	/* After it: server 1 again, and it answers this time. */
	struct timespec ts = { .tv_sec = 1, .tv_nsec = 200 * 1000000L };
	nanosleep(&ts, NULL);
	assert_non_null(send_access(e, 2, "dave", NULL));
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 0);
	assert_int_equal(f1->received, 2);
	assert_int_equal(f2->received, 2);
	fake_answer(f1, RADIUS_ACCESS_ACCEPT, NULL);
	drive(e->c, &e->seen, 3, SAFETY_MS);
	assert_int_equal(e->seen.n, 3);
	assert_string_equal(e->seen.d[2].server_name, e->servers[0].name);
	assert_int_equal(radius_client_stats(e->c)->failovers, 1);
}

/* A dead server is probed with Status-Server (RFC 5997): unanswered probes
 * repeat, the first verified answer revives it long before its dead time,
 * and the next request goes to it again. */
static void status_server_revives(void **state)
{
	struct env *e = *state;
	struct radius_fake *f1 = &e->f[0], *f2 = &e->f[1];
	struct radius_fake *both[2] = { f1, f2 };

	e->dead_time_s = 300; /* only a probe can bring server 1 back */
	e->status_server = true;
	e->probe_ms = 150;
	start(e, 2, 100, 1, 0);
	assert_non_null(send_access(e, 0, "dave", NULL));
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 0);  /* server 1: silent */
	assert_int_equal(f1->p.code, RADIUS_ACCESS_REQUEST);
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 1);  /* failover to 2 */
	fake_answer(f2, RADIUS_ACCESS_ACCEPT, NULL);
	drive(e->c, &e->seen, 1, SAFETY_MS);
	assert_int_equal(e->seen.n, 1);

	/* Probes reach server 1 only, each a Status-Server with a correct
	 * Message-Authenticator; the first goes unanswered. */
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 0);
	assert_int_equal(f1->p.code, RADIUS_STATUS_SERVER);
	assert_int_equal(radius_verify(&f1->p, RADIUS_SIGN_ACCESS_REQUEST, &f1->sec, NULL, true),
			 RADIUS_OK);
	uint8_t first_id = f1->p.id;
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 0);
	assert_int_equal(f1->p.code, RADIUS_STATUS_SERVER);
	assert_int_equal(radius_verify(&f1->p, RADIUS_SIGN_ACCESS_REQUEST, &f1->sec, NULL, true),
			 RADIUS_OK);
	assert_int_equal(f2->received, 1);
	/* A late answer to the first probe is no answer to this one. */
	struct radius_writer w;
	reply_build(f1, &w, RADIUS_ACCESS_ACCEPT, first_id, true, NULL);
	if (first_id != f1->p.id) {
		radius_fake_send(f1, w.buf, w.len);
		settle(e->c);
		assert_int_equal(radius_client_stats(e->c)->probe_answers, 0);
	}
	fake_answer(f1, RADIUS_ACCESS_ACCEPT, NULL);
	settle(e->c);
	const struct radius_stats *st = radius_client_stats(e->c);
	assert_int_equal(st->probe_answers, 1);
	assert_true(st->probes >= 2);
	assert_int_equal(st->sent, 2);     /* probes are not requests */
	assert_int_equal(e->seen.n, 1);    /* and call nobody back */
	assert_int_equal(radius_client_outstanding(e->c), 0);

	/* Alive again: the next request goes to server 1, and no more probes. */
	unsigned long probes = (unsigned long)st->probes;
	assert_non_null(send_access(e, 1, "dave", NULL));
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 0);
	assert_int_equal(f1->p.code, RADIUS_ACCESS_REQUEST);
	fake_answer(f1, RADIUS_ACCESS_ACCEPT, NULL);
	drive(e->c, &e->seen, 2, SAFETY_MS);
	assert_string_equal(e->seen.d[1].server_name, e->servers[0].name);
	assert_int_equal(pump(e->c, both, 2, 500), -1);
	assert_int_equal(st->probes, probes);
}

/* Without status_server a dead server gets no probe: it waits out its
 * dead time. */
static void no_probes_when_off(void **state)
{
	struct env *e = *state;
	struct radius_fake *both[2] = { &e->f[0], &e->f[1] };

	e->dead_time_s = 300;
	e->probe_ms = 100;
	start(e, 2, 100, 1, 0);
	assert_non_null(send_access(e, 0, "dave", NULL));
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 0);
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 1);
	fake_answer(&e->f[1], RADIUS_ACCESS_ACCEPT, NULL);
	drive(e->c, &e->seen, 1, SAFETY_MS);
	assert_int_equal(pump(e->c, both, 2, 600), -1);
	assert_int_equal(radius_client_stats(e->c)->probes, 0);
}

/* require-message-authenticator=no on server 2 only: its Access-Accept
 * without one is taken, server 1's is dropped; a wrong one is dropped
 * from either. */
static void message_authenticator_optional_per_server(void **state)
{
	struct env *e = *state;
	struct radius_fake *f1 = &e->f[0], *f2 = &e->f[1];
	struct radius_fake *one[1] = { f1 }, *two[1] = { f2 };
	struct radius_writer w;

	e->ma_optional[1] = true;
	start(e, 2, 300, 1, 0);
	assert_true(e->servers[1].ma_optional);
	assert_false(e->servers[0].ma_optional);

	/* Server 1 (required): no Message-Authenticator, dropped; the request
	 * then fails over to server 2. */
	assert_non_null(send_access(e, 0, "erin", NULL));
	assert_int_equal(pump(e->c, one, 1, SAFETY_MS), 0);
	reply_build(f1, &w, RADIUS_ACCESS_ACCEPT, f1->p.id, false, NULL);
	radius_fake_send(f1, w.buf, w.len);
	settle(e->c);
	assert_int_equal(e->seen.n, 0);
	assert_int_equal(radius_client_stats(e->c)->bad_replies, 1);

	/* Server 2 (optional): a wrong Message-Authenticator is still dropped. */
	assert_int_equal(pump(e->c, two, 1, SAFETY_MS), 0);
	reply_build(f2, &w, RADIUS_ACCESS_ACCEPT, f2->p.id, true, NULL);
	size_t off = find_attr_off(w.buf, w.len, RADIUS_MESSAGE_AUTHENTICATOR);
	w.buf[off + 2] ^= 0xff;
	resign_response(w.buf, w.len, f2->p.auth, &f2->sec);
	radius_fake_send(f2, w.buf, w.len);
	settle(e->c);
	assert_int_equal(e->seen.n, 0);
	assert_int_equal(radius_client_stats(e->c)->bad_replies, 2);

	/* ... and none at all is taken. */
	reply_build(f2, &w, RADIUS_ACCESS_ACCEPT, f2->p.id, false, "no MA");
	radius_fake_send(f2, w.buf, w.len);
	drive(e->c, &e->seen, 1, SAFETY_MS);
	assert_int_equal(e->seen.n, 1);
	assert_true(e->seen.d[0].has_reply);
	assert_int_equal(e->seen.d[0].code, RADIUS_ACCESS_ACCEPT);
	assert_string_equal(e->seen.d[0].server_name, e->servers[1].name);
}

/* A pinned request goes to its server only, tried there and never failed
 * over; with require_ma even an ma_optional server must sign its reply. */
static void pinned_and_require_ma(void **state)
{
	struct env *e = *state;
	struct radius_fake *both[2] = { &e->f[0], &e->f[1] };
	struct radius_writer w;
	uint8_t attrs[256];
	size_t n;

	e->ma_optional[1] = true;
	start(e, 2, 100, 2, 0);
	n = access_attrs(attrs, sizeof(attrs), "pinned");
	uint64_t now = radius_fake_mono_ms();
	struct radius_req_params p = {
		.code = RADIUS_ACCESS_REQUEST,
		.attrs = attrs,
		.attrs_len = n,
		.created_ms = now,
		.pinned = true,
		.server = 1,
		.require_ma = true,
		.done = on_done,
		.ctx = &e->tags[0],
	};
	assert_non_null(radius_client_send(e->c, &p, now));
	/* Server 2 only; its reply without Message-Authenticator is dropped. */
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 1);
	reply_build(&e->f[1], &w, RADIUS_ACCESS_CHALLENGE, e->f[1].p.id, false, NULL);
	radius_fake_send(&e->f[1], w.buf, w.len);
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 1); /* the retransmission */
	assert_int_equal(radius_client_stats(e->c)->bad_replies, 1);
	/* No answer: it ends there, server 1 never hears of it. */
	for (int k = 0; k != -2;) {
		k = pump_watch(e->c, both, 2, SAFETY_MS, &e->seen);
		assert_true(k == -2);
	}
	assert_int_equal(e->seen.n, 1);
	assert_false(e->seen.d[0].has_reply);
	assert_int_equal(e->f[0].received, 0);
	assert_int_equal(e->f[1].received, 2);
	assert_int_equal(radius_client_stats(e->c)->failovers, 0);
	assert_int_equal(radius_client_server_index(e->c, radius_client_server(e->c, 1)), 1);
	assert_null(radius_client_server(e->c, 2));
	assert_int_equal(radius_client_server_index(e->c, &e->servers[0]), 2); /* a copy */

	/* A pinned server that does not exist is refused at once. */
	p.server = 2;
	assert_null(radius_client_send(e->c, &p, now));
	assert_int_equal(radius_client_outstanding(e->c), 0);
}

/* Every server silent: one completion with reply == NULL. */
static void all_servers_silent(void **state)
{
	struct env *e = *state;
	struct radius_fake *both[2] = { &e->f[0], &e->f[1] };

	start(e, 2, 100, 2, 0);
	assert_non_null(send_access(e, 4, "dave", "x"));
	/* Read what arrives, answer nothing, until the completion. */
	for (int k = 0; k != -2;) {
		k = pump_watch(e->c, both, 2, SAFETY_MS, &e->seen);
		assert_int_not_equal(k, -1);
	}
	assert_int_equal(e->seen.n, 1);
	struct done_rec *d = &e->seen.d[0];
	assert_int_equal(d->tag, 4);
	assert_false(d->has_reply);
	assert_null(d->server);
	assert_int_equal(e->f[0].received, 2);
	assert_int_equal(e->f[1].received, 2);
	assert_int_equal(radius_client_outstanding(e->c), 0);
	/* Not called again, and nothing more is sent. */
	assert_int_equal(pump(e->c, both, 2, 300), -1);
	assert_int_equal(e->seen.n, 1);

	const struct radius_stats *st = radius_client_stats(e->c);
	assert_int_equal(st->timeouts, 1);
	assert_int_equal(st->retransmitted, 2);
	assert_int_equal(st->failovers, 1);
	assert_int_equal(st->replies, 0);

	/* Both dead: the one dead longest (server 1) is tried first. */
	assert_non_null(send_access(e, 5, "dave", "x"));
	assert_int_equal(pump(e->c, both, 2, SAFETY_MS), 0);
	fake_answer(&e->f[0], RADIUS_ACCESS_ACCEPT, NULL);
	drive(e->c, &e->seen, 2, SAFETY_MS);
	assert_int_equal(e->seen.n, 2);
	assert_true(e->seen.d[1].has_reply);
}

/* Forgeries are dropped and counted; the request survives them all and the
 * genuine reply completes it. */
static void forged_replies_are_ignored(void **state)
{
	struct env *e = *state;
	struct radius_fake *f = &e->f[0];
	struct radius_writer w;
	const struct radius_stats *st;
	uint64_t bad = 0, unexpected = 0;

	/* A long timeout: no retransmission while the forgeries go in. */
	start(e, 1, 5000, 1, 0);
	st = radius_client_stats(e->c);
	assert_non_null(send_access(e, 6, "eve", "pw"));
	expect_datagram(e->c, f);
	uint8_t id = f->p.id;

	/* 1. Wrong Response Authenticator. */
	reply_build(f, &w, RADIUS_ACCESS_ACCEPT, id, true, "forged");
	w.buf[4] ^= 0x01;
	radius_fake_send(f, w.buf, w.len);
	settle(e->c);
	assert_int_equal(st->bad_replies, ++bad);

	/* 2. Signed with the wrong secret. */
	{
		struct radius_fake other = *f;
		assert_true(radius_secret_set(&other.sec, "not the secret"));
		reply_build(&other, &w, RADIUS_ACCESS_ACCEPT, id, true, "forged");
		radius_fake_send(f, w.buf, w.len);
		settle(e->c);
		assert_int_equal(st->bad_replies, ++bad);
	}

	/* 3. An Access-Accept without Message-Authenticator (the Response
	 * Authenticator is right: Blast-RADIUS). */
	reply_build(f, &w, RADIUS_ACCESS_ACCEPT, id, false, "forged");
	radius_fake_send(f, w.buf, w.len);
	settle(e->c);
	assert_int_equal(st->bad_replies, ++bad);
	/* The same for an Access-Reject. */
	reply_build(f, &w, RADIUS_ACCESS_REJECT, id, false, "forged");
	radius_fake_send(f, w.buf, w.len);
	settle(e->c);
	assert_int_equal(st->bad_replies, ++bad);

	/* 4. A wrong Message-Authenticator under a right Response
	 * Authenticator. */
	reply_build(f, &w, RADIUS_ACCESS_ACCEPT, id, true, "forged");
	size_t ma = find_attr_off(w.buf, w.len, RADIUS_MESSAGE_AUTHENTICATOR);
	w.buf[ma + 2 + 5] ^= 0x40;
	resign_response(w.buf, w.len, f->p.auth, &f->sec);
	{
		struct radius_packet chk;
		assert_true(radius_parse(w.buf, w.len, &chk));
		assert_int_equal(radius_verify(&chk, RADIUS_SIGN_RESPONSE, &f->sec, f->p.auth,
					       true), RADIUS_BAD_MA);
	}
	radius_fake_send(f, w.buf, w.len);
	settle(e->c);
	assert_int_equal(st->bad_replies, ++bad);

	/* 5. The right reply from another port of the same host. */
	{
		struct sockaddr_storage a;
		socklen_t al;
		int other = radius_fake_udp_loopback(&a, &al);
		reply_build(f, &w, RADIUS_ACCESS_ACCEPT, id, true, "forged");
		radius_fake_send_to(other, w.buf, w.len, &f->from, f->fromlen);
		close(other);
		settle(e->c);
		assert_int_equal(st->unexpected, ++unexpected);
	}

	/* 6. An identifier no request has. */
	reply_build(f, &w, RADIUS_ACCESS_ACCEPT, (uint8_t)(id + 1), true, "forged");
	radius_fake_send(f, w.buf, w.len);
	settle(e->c);
	assert_int_equal(st->unexpected, ++unexpected);

	/* 7. A code that does not answer an Access-Request. */
	reply_build(f, &w, RADIUS_ACCOUNTING_RESPONSE, id, true, "forged");
	radius_fake_send(f, w.buf, w.len);
	settle(e->c);
	assert_int_equal(st->bad_replies, ++bad);
	reply_build(f, &w, RADIUS_ACCESS_REQUEST, id, true, "forged");
	radius_fake_send(f, w.buf, w.len);
	settle(e->c);
	assert_int_equal(st->bad_replies, ++bad);

	/* 8. Malformed: shorter than a header; a Length past the datagram;
	 * attributes that do not tile the packet. */
	reply_build(f, &w, RADIUS_ACCESS_ACCEPT, id, true, "forged");
	radius_fake_send(f, w.buf, 12);
	settle(e->c);
	assert_int_equal(st->bad_replies, ++bad);
	radius_fake_send(f, w.buf, w.len - 1);
	settle(e->c);
	assert_int_equal(st->bad_replies, ++bad);
	{
		uint8_t broken[RADIUS_MAX_LEN];
		memcpy(broken, w.buf, w.len);
		broken[RADIUS_HDR_LEN + 1] = 0xF0; /* first attribute runs past the end */
		radius_fake_send(f, broken, w.len);
		settle(e->c);
		assert_int_equal(st->bad_replies, ++bad);
	}

	assert_int_equal(e->seen.n, 0);
	assert_int_equal(radius_client_outstanding(e->c), 1);
	assert_int_equal(st->replies, 0);

	/* The genuine one. */
	fake_answer(f, RADIUS_ACCESS_ACCEPT, "genuine");
	drive(e->c, &e->seen, 1, SAFETY_MS);
	assert_int_equal(e->seen.n, 1);
	struct radius_packet rp;
	assert_true(radius_parse(e->seen.d[0].reply, e->seen.d[0].reply_len, &rp));
	expect_text(&rp, RADIUS_REPLY_MESSAGE, "genuine");
	assert_int_equal(st->replies, 1);
	assert_int_equal(st->bad_replies, bad);
	assert_int_equal(st->unexpected, unexpected);
	assert_int_equal(st->retransmitted, 0);
}

/* A cancelled request never completes, even when its reply comes: after
 * the cancel, or already waiting in the socket, or cancelled from inside
 * another request's completion. */
static void cancel_drops_the_completion(void **state)
{
	struct env *e = *state;
	struct radius_fake *f = &e->f[0];
	const struct radius_stats *st;

	start(e, 1, 5000, 1, 0);
	st = radius_client_stats(e->c);

	struct radius_req *r = send_access(e, 7, "frank", NULL);
	assert_non_null(r);
	expect_datagram(e->c, f);
	radius_client_cancel(e->c, r);
	assert_int_equal(radius_client_outstanding(e->c), 0);
	fake_answer(f, RADIUS_ACCESS_ACCEPT, NULL);
	settle(e->c);
	assert_int_equal(st->unexpected, 1);
	assert_int_equal(e->seen.n, 0);

	/* The reply is already in the client's socket when it is cancelled. */
	r = send_access(e, 8, "frank", NULL);
	assert_non_null(r);
	expect_datagram(e->c, f);
	fake_answer(f, RADIUS_ACCESS_ACCEPT, NULL);
	struct pollfd pfd = { .fd = radius_client_fd(e->c), .events = POLLIN };
	assert_int_equal(poll(&pfd, 1, SAFETY_MS), 1);
	radius_client_cancel(e->c, r);
	radius_client_run(e->c, radius_fake_mono_ms());
	assert_int_equal(st->unexpected, 2);
	assert_int_equal(e->seen.n, 0);

	/* Two replies waiting; the first completion cancels the other. */
	struct radius_req *a = send_access(e, 9, "a", NULL);
	assert_non_null(a);
	expect_datagram(e->c, f);
	struct radius_fake_req ha = radius_fake_last(f);
	struct radius_req *b = send_access(e, 10, "b", NULL);
	assert_non_null(b);
	expect_datagram(e->c, f);
	struct radius_fake_req hb = radius_fake_last(f);
	radius_fake_answer(f, &ha, RADIUS_ACCESS_ACCEPT, true);
	radius_fake_answer(f, &hb, RADIUS_ACCESS_ACCEPT, true);
	e->seen.cancel_in_cb = b;
	assert_int_equal(poll(&pfd, 1, SAFETY_MS), 1);
	radius_client_run(e->c, radius_fake_mono_ms());
	drive(e->c, &e->seen, 2, 150);
	assert_int_equal(e->seen.n, 1);
	assert_int_equal(e->seen.d[0].tag, 9);
	assert_null(e->seen.cancel_in_cb);
	assert_int_equal(radius_client_outstanding(e->c), 0);
	assert_int_equal(st->replies, 1);
	assert_int_equal(st->unexpected, 3);
}

/* Accounting-Request: signed with the request hash, Acct-Delay-Time when
 * asked (fixed across retransmissions), and an Accounting-Response without
 * Message-Authenticator accepted. */
static void accounting_request(void **state)
{
	struct env *e = *state;
	struct radius_fake *f = &e->f[0];
	struct radius_writer w;
	struct radius_attr a;
	uint32_t v;
	struct radius_secret wrong;

	assert_true(radius_secret_set(&wrong, "not the secret"));
	start(e, 1, 150, 3, 0);
	radius_writer_init(&w, RADIUS_ACCOUNTING_REQUEST, 0, NULL);
	assert_true(radius_put_u32(&w, RADIUS_ACCT_STATUS_TYPE, RADIUS_ACCT_START));
	assert_true(radius_put_str(&w, RADIUS_ACCT_SESSION_ID, "sess-1"));
	uint64_t now = radius_fake_mono_ms();
	struct radius_req_params p = {
		.code = RADIUS_ACCOUNTING_REQUEST,
		.attrs = w.buf + RADIUS_HDR_LEN,
		.attrs_len = w.len - RADIUS_HDR_LEN,
		.add_delay_time = true,
		.created_ms = now - 3500, /* made 3.5 s ago by the caller's clock */
		.done = on_done,
		.ctx = &e->tags[11],
	};
	assert_non_null(radius_client_send(e->c, &p, now));
	assert_int_equal(e->seen.n, 0);

	expect_datagram(e->c, f);
	assert_int_equal(f->p.code, RADIUS_ACCOUNTING_REQUEST);
	assert_int_equal(radius_verify(&f->p, RADIUS_SIGN_REQUEST_HASH, &f->sec, NULL, false),
			 RADIUS_OK);
	assert_int_equal(radius_verify(&f->p, RADIUS_SIGN_REQUEST_HASH, &wrong, NULL, false),
			 RADIUS_BAD_AUTHENTICATOR);
	assert_true(radius_find(&f->p, 0, RADIUS_ACCT_STATUS_TYPE, &a));
	assert_true(radius_attr_u32(&a, &v));
	assert_int_equal(v, RADIUS_ACCT_START);
	expect_text(&f->p, RADIUS_ACCT_SESSION_ID, "sess-1");
	assert_int_equal(radius_count(&f->p, 0, RADIUS_ACCT_DELAY_TIME), 1);
	assert_true(radius_find(&f->p, 0, RADIUS_ACCT_DELAY_TIME, &a));
	assert_true(radius_attr_u32(&a, &v));
	assert_int_equal(v, 3);
	assert_int_equal(radius_count(&f->p, 0, RADIUS_USER_PASSWORD), 0);

	/* The retransmission repeats the same bytes, delay time included. */
	uint8_t first[RADIUS_MAX_LEN];
	size_t first_len = f->len;
	memcpy(first, f->pkt, f->len);
	expect_datagram(e->c, f);
	assert_int_equal(f->len, first_len);
	assert_memory_equal(f->pkt, first, first_len);

	/* Accounting-Response, no Message-Authenticator. */
	reply_build(f, &w, RADIUS_ACCOUNTING_RESPONSE, f->p.id, false, NULL);
	radius_fake_send(f, w.buf, w.len);
	drive(e->c, &e->seen, 1, SAFETY_MS);
	assert_int_equal(e->seen.n, 1);
	assert_true(e->seen.d[0].has_reply);
	assert_int_equal(e->seen.d[0].code, RADIUS_ACCOUNTING_RESPONSE);
	/* req_auth is the Request Authenticator the client computed. */
	assert_memory_equal(e->seen.d[0].req_auth, f->p.auth, RADIUS_AUTH_LEN);

	/* Without add_delay_time: no Acct-Delay-Time; an Access-Accept is not
	 * an answer to it. */
	p.add_delay_time = false;
	p.ctx = &e->tags[12];
	now = radius_fake_mono_ms();
	assert_non_null(radius_client_send(e->c, &p, now));
	expect_datagram(e->c, f);
	assert_int_equal(radius_count(&f->p, 0, RADIUS_ACCT_DELAY_TIME), 0);
	assert_int_equal(radius_verify(&f->p, RADIUS_SIGN_REQUEST_HASH, &f->sec, NULL, false),
			 RADIUS_OK);
	fake_answer(f, RADIUS_ACCESS_ACCEPT, NULL);
	settle(e->c);
	assert_int_equal(radius_client_stats(e->c)->bad_replies, 1);
	reply_build(f, &w, RADIUS_ACCOUNTING_RESPONSE, f->p.id, false, NULL);
	radius_fake_send(f, w.buf, w.len);
	drive(e->c, &e->seen, 2, SAFETY_MS);
	assert_int_equal(e->seen.n, 2);
	assert_int_equal(e->seen.d[1].tag, 12);
	assert_int_equal(e->seen.d[1].code, RADIUS_ACCOUNTING_RESPONSE);
}

static void max_outstanding_refuses(void **state)
{
	struct env *e = *state;

	start(e, 1, 5000, 1, 2);
	struct radius_req *a = send_access(e, 13, "a", NULL);
	struct radius_req *b = send_access(e, 14, "b", NULL);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(send_access(e, 15, "c", NULL));
	assert_int_equal(radius_client_outstanding(e->c), 2);
	assert_int_equal(radius_client_stats(e->c)->sent, 2);
	/* A freed slot takes a request again. */
	radius_client_cancel(e->c, a);
	assert_non_null(send_access(e, 15, "c", NULL));
	assert_null(send_access(e, 16, "d", NULL));
	/* A password too long to hide is refused too, with nothing called back. */
	radius_client_cancel(e->c, b);
	char longpw[RADIUS_PASSWORD_MAX + 2];
	memset(longpw, 'p', sizeof(longpw) - 1);
	longpw[sizeof(longpw) - 1] = '\0';
	assert_null(send_access(e, 16, "d", longpw));
	assert_int_equal(radius_client_outstanding(e->c), 1);
	assert_int_equal(e->seen.n, 0);
}

/* More requests outstanding to one server than one socket has
 * identifiers: the client opens another socket, every (source port,
 * identifier) pair is distinct, and each reply completes its own request. */
static void identifiers_beyond_one_socket(void **state)
{
	enum { N = 300, BATCH = 50 };
	struct env *e = *state;
	struct radius_fake *f = &e->f[0];
	static struct tagged tags[N];
	static struct seen many;
	static struct {
		struct radius_fake_req h;
		struct sockaddr_storage from;
		socklen_t fromlen;
		uint8_t tag_byte;
	} req[N];
	uint16_t ports[2] = { 0, 0 };

	start(e, 1, 5000, 1, 0);
	memset(&many, 0, sizeof(many));
	uint8_t attrs[64];
	for (int i = 0; i < N; i++) {
		tags[i] = (struct tagged){ &many, i };
		/* The request's number in a Class attribute the fake can read. */
		attrs[0] = RADIUS_CLASS;
		attrs[1] = 4;
		store_be16(attrs + 2, (uint16_t)i);
		uint64_t now = radius_fake_mono_ms();
		struct radius_req_params p = {
			.code = RADIUS_ACCESS_REQUEST, .attrs = attrs, .attrs_len = 4,
			.created_ms = now, .done = on_done, .ctx = &tags[i],
		};
		assert_non_null(radius_client_send(e->c, &p, now));
		if (i % BATCH == BATCH - 1)
			for (int k = 0; k < BATCH; k++) {
				expect_datagram(e->c, f);
				struct radius_attr a;
				assert_true(radius_find(&f->p, 0, RADIUS_CLASS, &a));
				assert_int_equal(a.len, 2);
				int n = load_be16(a.val);
				assert_true(n <= i);
				req[n].h = radius_fake_last(f);
				req[n].from = f->from;
				req[n].fromlen = f->fromlen;
				uint16_t port = ntohs(((struct sockaddr_in *)&f->from)->sin_port);
				if (!ports[0] || ports[0] == port)
					ports[0] = port;
				else
					ports[1] = port;
			}
	}
	assert_int_equal(radius_client_outstanding(e->c), N);
	assert_int_not_equal(ports[1], 0); /* a second socket */
	for (int i = 0; i < N; i++)
		for (int j = i + 1; j < N; j++)
			assert_false(req[i].h.id == req[j].h.id &&
				     memcmp(&req[i].from, &req[j].from, sizeof(req[i].from)) == 0);

	/* Answer in reverse order, a batch at a time. */
	for (int i = N - 1; i >= 0; i--) {
		struct radius_writer w;
		radius_fake_reply_init(&w, RADIUS_ACCESS_ACCEPT, req[i].h.id, true);
		assert_true(radius_finish(&w, RADIUS_SIGN_RESPONSE, &f->sec, req[i].h.auth));
		radius_fake_send_to(f->fd, w.buf, w.len, &req[i].from, req[i].fromlen);
		if (i % BATCH == 0) {
			drive(e->c, &many, (size_t)(N - i), SAFETY_MS);
			assert_int_equal(many.n, (size_t)(N - i));
		}
	}
	for (int i = 0; i < N; i++)
		assert_int_equal(many.d[i].tag, N - 1 - i);
	const struct radius_stats *st = radius_client_stats(e->c);
	assert_int_equal(st->replies, N);
	assert_int_equal(st->bad_replies + st->unexpected, 0);
}

/* Free with requests outstanding (one with its reply waiting): no
 * completion, and nothing leaks (the ASan build checks). */
static void free_with_requests_outstanding(void **state)
{
	struct env *e = *state;
	struct radius_fake *f = &e->f[0];

	start(e, 1, 100, 3, 0);
	for (int i = 0; i < 5; i++)
		assert_non_null(send_access(e, i, "g", i % 2 ? "pw" : NULL));
	for (int i = 0; i < 5; i++)
		expect_datagram(e->c, f);
	fake_answer(f, RADIUS_ACCESS_ACCEPT, NULL);
	assert_int_equal(radius_client_outstanding(e->c), 5);
	radius_client_free(e->c);
	e->c = NULL;
	assert_int_equal(e->seen.n, 0);
}

static void bad_config_is_refused(void **state)
{
	(void)state;
	char err[256] = "";
	struct radius_client_config cfg = { .what = "auth", .nservers = 0 };
	assert_null(radius_client_new(&cfg, err, sizeof(err)));
	assert_true(strlen(err) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(access_request_and_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(retransmit_then_failover, setup, teardown),
		cmocka_unit_test_setup_teardown(pinned_and_require_ma, setup, teardown),
		cmocka_unit_test_setup_teardown(all_servers_silent, setup, teardown),
		cmocka_unit_test_setup_teardown(dead_server_tried_again, setup, teardown),
		cmocka_unit_test_setup_teardown(status_server_revives, setup, teardown),
		cmocka_unit_test_setup_teardown(no_probes_when_off, setup, teardown),
		cmocka_unit_test_setup_teardown(message_authenticator_optional_per_server, setup,
						teardown),
		cmocka_unit_test_setup_teardown(forged_replies_are_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_drops_the_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(accounting_request, setup, teardown),
		cmocka_unit_test_setup_teardown(max_outstanding_refuses, setup, teardown),
		cmocka_unit_test_setup_teardown(identifiers_beyond_one_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(free_with_requests_outstanding, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_config_is_refused, setup, teardown),
	};
	return cmocka_run_group_tests(tests, crypto_group_setup, crypto_group_teardown);
}
