/* RADIUS accounting (auth/acct.h) against a fake accounting server on
 * 127.0.0.1 and a spool in a temporary directory: the records' attributes,
 * their order and window, acknowledgement (the record leaves the spool),
 * records that outlive an unanswered run, and the queue limit. The sender
 * is driven as the server's loop drives it: poll() acct_fd(), then
 * acct_run(). Every wait is bounded; nothing asserts on timings. */
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
#include <sys/socket.h>
#include <time.h>

#include "auth/acct.h"
#include "auth/acct_spool.h"
#include "auth/radius_pkt.h"
#include "common/buf.h"
#include "common/crypto.h"
#include "tests/unit/support/radius_fake.h"
#include "tests/unit/support/temp_store.h"
#include "tests/unit/support/crypto_group.h"

#define SAFETY_MS 3000 /* a bound against a hang, not a timing check */
#define SECRET    "acct-test-secret"
#define MAX_HEARD 32

/* ---- the fake accounting server ---- */

/* Every datagram the fake reads is a signed Accounting-Request. */
static void check_accounting_request(const struct radius_fake *f)
{
	assert_int_equal(f->p.code, RADIUS_ACCOUNTING_REQUEST);
	assert_int_equal(radius_verify(&f->p, RADIUS_SIGN_REQUEST_HASH, &f->sec, NULL, false),
			 RADIUS_OK);
}

/* One request as the fake heard it: enough to answer it later and to
 * compare it with another. */
struct heard {
	struct radius_fake_req req;   /* to answer it */
	char session_id[64];
	uint32_t status;
	uint32_t delay;       /* Acct-Delay-Time */
	uint8_t attrs[RADIUS_MAX_LEN]; /* the attributes but Acct-Delay-Time */
	size_t attrs_len;
};

static void text_attr(const struct radius_packet *p, uint8_t type, char *out, size_t outlen)
{
	struct radius_attr a;
	out[0] = '\0';
	if (radius_find(p, 0, type, &a)) {
		assert_true(a.len < outlen);
		memcpy(out, a.val, a.len);
		out[a.len] = '\0';
	}
}

static void heard_of(const struct radius_fake *f, struct heard *h)
{
	memset(h, 0, sizeof(*h));
	h->req = radius_fake_last(f);
	text_attr(&f->p, RADIUS_ACCT_SESSION_ID, h->session_id, sizeof(h->session_id));
	h->status = radius_fake_u32(&f->p, RADIUS_ACCT_STATUS_TYPE);
	h->delay = radius_fake_u32(&f->p, RADIUS_ACCT_DELAY_TIME);
	for (size_t off = RADIUS_HDR_LEN; off < f->p.len; off += f->pkt[off + 1]) {
		if (f->pkt[off] == RADIUS_ACCT_DELAY_TIME)
			continue;
		memcpy(h->attrs + h->attrs_len, f->pkt + off, f->pkt[off + 1]);
		h->attrs_len += f->pkt[off + 1];
	}
}

static void fake_ack(const struct radius_fake *f, const struct heard *h)
{
	radius_fake_answer(f, &h->req, RADIUS_ACCOUNTING_RESPONSE, false);
}

/* ---- the fixture ---- */

struct env {
	struct temp_store ts;
	struct radius_fake f;
	struct radius_server srv;
	struct acct *a;
	struct heard heard[MAX_HEARD];
	size_t nheard;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	if (!temp_store_make(&e->ts, "test_acct"))
		return -1;
	radius_fake_open(&e->f, SECRET);
	e->f.check = check_accounting_request;
	e->srv = radius_fake_server(&e->f, "fake-acct");
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	acct_free(e->a);
	radius_fake_close(&e->f);
	temp_store_remove(&e->ts);
	free(e);
	return 0;
}

static struct acct *start(struct env *e, unsigned timeout_ms, unsigned tries, size_t window,
			  size_t queue_max)
{
	char err[512] = "";
	struct acct_config cfg = {
		.client = {
			.servers = &e->srv,
			.nservers = 1,
			.timeout_ms = timeout_ms,
			.tries = tries,
		},
		.nas = { .identifier = "nas-acct" },
		.spool_path = e->ts.path,
		.window = window,
		.queue_max = queue_max,
		.boot_session_id = "5F00AA01",
	};
	assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &cfg.nas.ip), 1);
	e->a = acct_new(&cfg, err, sizeof(err));
	if (!e->a)
		fail_msg("acct_new: %s", err);
	return e->a;
}

static void stop(struct env *e)
{
	acct_flush(e->a);
	acct_free(e->a);
	e->a = NULL;
}

static void run_acct(void *ctx)
{
	acct_run(ctx);
}

static uint64_t acked(void *ctx)
{
	return acct_get_stats(ctx)->acked;
}

/* Run the sender whenever its fd is readable until the fake has a request
 * (recorded in e->heard; true) or budget_ms passed (false). */
static bool pump(struct env *e, int budget_ms)
{
	struct radius_fake_peer peer = { .fd = acct_fd(e->a), .run = run_acct, .ctx = e->a };
	struct radius_fake *one[1] = { &e->f };
	if (radius_fake_pump(&peer, one, 1, budget_ms) != 0)
		return false;
	assert_true(e->nheard < MAX_HEARD);
	heard_of(&e->f, &e->heard[e->nheard++]);
	return true;
}

static struct heard *expect_request(struct env *e)
{
	assert_true(pump(e, SAFETY_MS));
	return &e->heard[e->nheard - 1];
}

/* Run the sender until `want` records were acknowledged in all. */
static void wait_acked(struct env *e, uint64_t want)
{
	struct radius_fake_peer peer = {
		.fd = acct_fd(e->a), .run = run_acct, .completions = acked, .ctx = e->a,
	};
	assert_true(radius_fake_wait(&peer, want, SAFETY_MS));
	assert_int_equal(acct_get_stats(e->a)->acked, want);
}

static struct sockaddr_storage peer_addr, local_addr;
/* Two Class values, packed as a session keeps them (length, value). */
static const uint8_t class_val[] = { 'C', 'L', 0x00, 0x01, 0xFE };
static const uint8_t class_val2[] = { 'g', 'o', 'l', 'd' };
static const uint8_t classes[] = { 5, 'C', 'L', 0x00, 0x01, 0xFE, 4, 'g', 'o', 'l', 'd' };

static struct acct_session session(const char *sid)
{
	radius_fake_sockaddr4(&peer_addr, "198.51.100.7", 50123);
	radius_fake_sockaddr4(&local_addr, "203.0.113.1", 1723);
	struct acct_session s = {
		.session_id = sid,
		.user = "CORP\\alice",
		.nas_port = 4660,
		.peer = &peer_addr,
		.local = &local_addr,
		.framed_ip = 0x0A090807,
		.multi_session_id = "5F00AA01-00000007",
		.classes = classes,
		.classes_len = sizeof(classes),
		.radius_authentic = true,
	};
	return s;
}

static void expect_timestamp(const struct radius_packet *p, time_t t0, time_t t1)
{
	uint32_t ts = radius_fake_u32(p, RADIUS_EVENT_TIMESTAMP);
	assert_true((time_t)ts >= t0 && (time_t)ts <= t1);
}

/* What the session attributes of Start, Interim and Stop all carry. */
static void expect_session_attrs(const struct radius_packet *p, const char *sid)
{
	struct radius_attr a;
	radius_fake_expect_text(p, RADIUS_ACCT_SESSION_ID, sid);
	radius_fake_expect_text(p, RADIUS_USER_NAME, "CORP\\alice");
	assert_int_equal(radius_fake_u32(p, RADIUS_NAS_IP_ADDRESS), 0xC0000201);
	radius_fake_expect_text(p, RADIUS_NAS_IDENTIFIER, "nas-acct");
	assert_int_equal(radius_fake_u32(p, RADIUS_NAS_PORT), 4660);
	assert_int_equal(radius_fake_u32(p, RADIUS_NAS_PORT_TYPE), RADIUS_NAS_PORT_TYPE_VIRTUAL);
	assert_int_equal(radius_fake_u32(p, RADIUS_SERVICE_TYPE), RADIUS_SERVICE_FRAMED_USER);
	assert_int_equal(radius_fake_u32(p, RADIUS_FRAMED_PROTOCOL), RADIUS_FRAMED_PROTOCOL_PPP);
	radius_fake_expect_text(p, RADIUS_CALLING_STATION_ID, "198.51.100.7");
	radius_fake_expect_text(p, RADIUS_CALLED_STATION_ID, "203.0.113.1");
	assert_int_equal(radius_fake_u32(p, RADIUS_FRAMED_IP_ADDRESS), 0x0A090807);
	radius_fake_expect_text(p, RADIUS_NAS_PORT_ID, "pptp:4660");
	radius_fake_expect_text(p, RADIUS_ACCT_MULTI_SESSION_ID, "5F00AA01-00000007");
	/* Every Class, in the Accept's order. */
	assert_int_equal(radius_count(p, 0, RADIUS_CLASS), 2);
	struct radius_iter it;
	size_t nclass = 0;
	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a)) {
		if (a.vendor || a.type != RADIUS_CLASS)
			continue;
		const uint8_t *want = nclass == 0 ? class_val : class_val2;
		size_t wlen = nclass == 0 ? sizeof(class_val) : sizeof(class_val2);
		assert_int_equal(a.len, wlen);
		assert_memory_equal(a.val, want, wlen);
		nclass++;
	}
	assert_int_equal(nclass, 2);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_AUTHENTIC), RADIUS_ACCT_AUTHENTIC_RADIUS);
	assert_int_equal(radius_count(p, 0, RADIUS_ACCT_DELAY_TIME), 1);
	assert_int_equal(radius_count(p, 0, RADIUS_USER_PASSWORD), 0);
}

/* The Acct-Session-Ids of what the spool holds, oldest first. */
struct spool_view {
	size_t n;
	char sid[MAX_HEARD][64];
	uint64_t id[MAX_HEARD];
};

static void view_cb(void *ctx, uint64_t id, int64_t created, const void *rec, size_t len)
{
	struct spool_view *v = ctx;
	uint8_t pkt[RADIUS_MAX_LEN];
	struct radius_packet p;
	(void)created;
	assert_true(v->n < MAX_HEARD);
	assert_true(RADIUS_HDR_LEN + len <= sizeof(pkt));
	memset(pkt, 0, RADIUS_HDR_LEN);
	pkt[0] = RADIUS_ACCOUNTING_REQUEST;
	store_be16(pkt + 2, (uint16_t)(RADIUS_HDR_LEN + len));
	memcpy(pkt + RADIUS_HDR_LEN, rec, len);
	assert_true(radius_parse(pkt, RADIUS_HDR_LEN + len, &p));
	text_attr(&p, RADIUS_ACCT_SESSION_ID, v->sid[v->n], sizeof(v->sid[v->n]));
	v->id[v->n++] = id;
}

static void spool_view(struct env *e, struct spool_view *v)
{
	char err[256] = "";
	memset(v, 0, sizeof(*v));
	struct acct_spool *sp = acct_spool_open(e->ts.path, err, sizeof(err));
	if (!sp)
		fail_msg("acct_spool_open: %s", err);
	long n = acct_spool_load(sp, view_cb, v, err, sizeof(err));
	if (n < 0)
		fail_msg("acct_spool_load: %s", err);
	assert_int_equal(n, (long)v->n);
	acct_spool_free(sp);
}

/* ---- the cases ---- */

static void accounting_on_and_session_records(void **state)
{
	struct env *e = *state;
	struct heard *h;
	time_t t0 = time(NULL);

	start(e, 1000, 3, 0, 0);
	assert_true(acct_record(e->a, RADIUS_ACCT_ON, NULL));
	h = expect_request(e);
	const struct radius_packet *p = &e->f.p;
	assert_int_equal(h->status, RADIUS_ACCT_ON);
	radius_fake_expect_text(p, RADIUS_ACCT_SESSION_ID, "5F00AA01");
	assert_int_equal(radius_fake_u32(p, RADIUS_NAS_IP_ADDRESS), 0xC0000201);
	radius_fake_expect_text(p, RADIUS_NAS_IDENTIFIER, "nas-acct");
	expect_timestamp(p, t0, time(NULL));
	assert_int_equal(radius_count(p, 0, RADIUS_ACCT_DELAY_TIME), 1);
	assert_int_equal(radius_count(p, 0, RADIUS_USER_NAME), 0);
	assert_int_equal(radius_count(p, 0, RADIUS_NAS_PORT), 0);
	assert_int_equal(radius_count(p, 0, RADIUS_ACCT_SESSION_TIME), 0);
	fake_ack(&e->f, h);
	wait_acked(e, 1);
	assert_int_equal(acct_queued(e->a), 0);

	/* Start: the session, no counters yet. */
	struct acct_session s = session("5F00AA0100000001");
	assert_true(acct_record(e->a, RADIUS_ACCT_START, &s));
	h = expect_request(e);
	assert_int_equal(h->status, RADIUS_ACCT_START);
	expect_session_attrs(p, "5F00AA0100000001");
	expect_timestamp(p, t0, time(NULL));
	assert_int_equal(radius_count(p, 0, RADIUS_ACCT_SESSION_TIME), 0);
	assert_int_equal(radius_count(p, 0, RADIUS_ACCT_INPUT_OCTETS), 0);
	assert_int_equal(radius_count(p, 0, RADIUS_ACCT_TERMINATE_CAUSE), 0);
	fake_ack(&e->f, h);
	wait_acked(e, 2);

	/* Interim-Update: counters; 64-bit octets split into Gigawords. */
	s.session_time = 125;
	s.in_octets = 5ull * 4294967296ull + 7;
	s.out_octets = 123456;
	s.in_packets = 1001;
	s.out_packets = 2002;
	assert_true(acct_record(e->a, RADIUS_ACCT_INTERIM_UPDATE, &s));
	h = expect_request(e);
	assert_int_equal(h->status, RADIUS_ACCT_INTERIM_UPDATE);
	expect_session_attrs(p, "5F00AA0100000001");
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_SESSION_TIME), 125);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_INPUT_OCTETS), 7);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_INPUT_GIGAWORDS), 5);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_OUTPUT_OCTETS), 123456);
	assert_int_equal(radius_count(p, 0, RADIUS_ACCT_OUTPUT_GIGAWORDS), 0);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_INPUT_PACKETS), 1001);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_OUTPUT_PACKETS), 2002);
	assert_int_equal(radius_count(p, 0, RADIUS_ACCT_TERMINATE_CAUSE), 0);
	fake_ack(&e->f, h);
	wait_acked(e, 3);

	/* Stop: the last counters and why. Local authentication this time. */
	s.session_time = 300;
	s.in_octets = 9;
	s.out_octets = 2ull * 4294967296ull;
	s.terminate_cause = RADIUS_TERM_IDLE_TIMEOUT;
	s.radius_authentic = false;
	assert_true(acct_record(e->a, RADIUS_ACCT_STOP, &s));
	h = expect_request(e);
	assert_int_equal(h->status, RADIUS_ACCT_STOP);
	radius_fake_expect_text(p, RADIUS_ACCT_SESSION_ID, "5F00AA0100000001");
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_AUTHENTIC), RADIUS_ACCT_AUTHENTIC_LOCAL);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_SESSION_TIME), 300);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_INPUT_OCTETS), 9);
	assert_int_equal(radius_count(p, 0, RADIUS_ACCT_INPUT_GIGAWORDS), 0);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_OUTPUT_OCTETS), 0);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_OUTPUT_GIGAWORDS), 2);
	assert_int_equal(radius_fake_u32(p, RADIUS_ACCT_TERMINATE_CAUSE), RADIUS_TERM_IDLE_TIMEOUT);
	fake_ack(&e->f, h);
	wait_acked(e, 4);

	/* Accounting-Off. */
	assert_true(acct_record(e->a, RADIUS_ACCT_OFF, NULL));
	h = expect_request(e);
	assert_int_equal(h->status, RADIUS_ACCT_OFF);
	radius_fake_expect_text(p, RADIUS_ACCT_SESSION_ID, "5F00AA01");
	fake_ack(&e->f, h);
	wait_acked(e, 5);

	const struct acct_stats *st = acct_get_stats(e->a);
	assert_int_equal(st->made, 5);
	assert_int_equal(st->dropped, 0);
	assert_int_equal(st->resent, 0);
	assert_int_equal(st->queued, 0);
	assert_int_equal(e->f.received, 5);

	/* Every record was acknowledged: the spool is empty. */
	stop(e);
	struct spool_view v;
	spool_view(e, &v);
	assert_int_equal(v.n, 0);
}

/* RFC 3162 / RFC 6911: a session with IPv6 puts Framed-Interface-Id,
 * Framed-IPv6-Prefix and Delegated-IPv6-Prefix in Start, Interim-Update
 * and Stop, byte for byte; one without puts none of them. */
static void ipv6_session_attributes(void **state)
{
	struct env *e = *state;
	struct heard *h;
	struct radius_attr a;
	const struct radius_packet *p = &e->f.p;
	static const uint8_t iid[] = { 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55 };
	/* Reserved, Prefix-Length, then all 16 octets, bits beyond the length zero. */
	static const uint8_t prefix[18] = { 0, 64, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2 };
	static const uint8_t delegated[18] = { 0, 56, 0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0xab };

	start(e, 1000, 3, 0, 0);
	struct acct_session plain = session("5F00AA0100000002");
	assert_true(acct_record(e->a, RADIUS_ACCT_START, &plain));
	h = expect_request(e);
	expect_session_attrs(p, "5F00AA0100000002");
	assert_int_equal(radius_count(p, 0, RADIUS_FRAMED_INTERFACE_ID), 0);
	assert_int_equal(radius_count(p, 0, RADIUS_FRAMED_IPV6_PREFIX), 0);
	assert_int_equal(radius_count(p, 0, RADIUS_DELEGATED_IPV6_PREFIX), 0);
	fake_ack(&e->f, h);
	wait_acked(e, 1);

	struct acct_session s = session("5F00AA0100000003");
	s.ipv6_iid = 0x021122fffe334455ull;
	memcpy(s.ipv6_prefix, prefix + 2, 16);
	s.ipv6_prefix_len = 64;
	memcpy(s.delegated_prefix, delegated + 2, 16);
	s.delegated_prefix[9] = 0x77; /* beyond /56: not sent */
	s.delegated_prefix_len = 56;
	static const uint32_t statuses[] = { RADIUS_ACCT_START, RADIUS_ACCT_INTERIM_UPDATE,
					     RADIUS_ACCT_STOP };
	for (size_t i = 0; i < 3; i++) {
		s.terminate_cause = RADIUS_TERM_USER_REQUEST;
		assert_true(acct_record(e->a, statuses[i], &s));
		h = expect_request(e);
		assert_int_equal(h->status, statuses[i]);
		expect_session_attrs(p, "5F00AA0100000003");
		assert_int_equal(radius_count(p, 0, RADIUS_FRAMED_INTERFACE_ID), 1);
		assert_true(radius_find(p, 0, RADIUS_FRAMED_INTERFACE_ID, &a));
		assert_int_equal(a.len, sizeof(iid));
		assert_memory_equal(a.val, iid, sizeof(iid));
		assert_int_equal(radius_count(p, 0, RADIUS_FRAMED_IPV6_PREFIX), 1);
		assert_true(radius_find(p, 0, RADIUS_FRAMED_IPV6_PREFIX, &a));
		assert_int_equal(a.len, sizeof(prefix));
		assert_memory_equal(a.val, prefix, sizeof(prefix));
		assert_int_equal(radius_count(p, 0, RADIUS_DELEGATED_IPV6_PREFIX), 1);
		assert_true(radius_find(p, 0, RADIUS_DELEGATED_IPV6_PREFIX, &a));
		assert_int_equal(a.len, sizeof(delegated));
		assert_memory_equal(a.val, delegated, sizeof(delegated));
		fake_ack(&e->f, h);
		wait_acked(e, 2 + i);
	}
}

static void wrong_arguments_refused(void **state)
{
	struct env *e = *state;
	struct acct_session s = session("x");

	start(e, 1000, 1, 0, 0);
	assert_false(acct_record(e->a, RADIUS_ACCT_ON, &s));
	assert_false(acct_record(e->a, RADIUS_ACCT_START, NULL));
	assert_false(acct_record(e->a, RADIUS_ACCT_STOP, NULL));
	assert_int_equal(acct_get_stats(e->a)->made, 0);
	assert_int_equal(acct_get_stats(e->a)->dropped, 0);
	assert_int_equal(acct_queued(e->a), 0);
}

/* Oldest first, never more than `window` outstanding; an acknowledged
 * record leaves the spool, the others stay. */
static void window_order_and_spool(void **state)
{
	struct env *e = *state;
	char sid[8][32];

	/* A long timeout: nothing is resent while the test looks. */
	start(e, 5000, 1, 2, 0);
	for (int i = 0; i < 6; i++) {
		snprintf(sid[i], sizeof(sid[i]), "sess-%d", i);
		struct acct_session s = session(sid[i]);
		assert_true(acct_record(e->a, RADIUS_ACCT_START, &s));
	}
	assert_int_equal(acct_queued(e->a), 6);
	assert_string_equal(expect_request(e)->session_id, "sess-0");
	assert_string_equal(expect_request(e)->session_id, "sess-1");
	assert_false(pump(e, 200)); /* the window is full */
	assert_int_equal(e->f.received, 2);

	/* Each acknowledgement lets exactly the next one go. */
	fake_ack(&e->f, &e->heard[1]);
	assert_string_equal(expect_request(e)->session_id, "sess-2");
	fake_ack(&e->f, &e->heard[0]);
	assert_string_equal(expect_request(e)->session_id, "sess-3");
	assert_false(pump(e, 100));
	assert_int_equal(acct_get_stats(e->a)->acked, 2);
	assert_int_equal(acct_queued(e->a), 4);

	/* sess-0 and sess-1 are acknowledged; 2..5 stay in the spool. */
	stop(e);
	struct spool_view v;
	spool_view(e, &v);
	assert_int_equal(v.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_string_equal(v.sid[i], sid[2 + i]);
	assert_true(v.id[0] < v.id[1] && v.id[1] < v.id[2] && v.id[2] < v.id[3]);
}

/* Free while the server is silent: the records stay in the spool; the next
 * acct sends them again, first and in order, with their attributes as made
 * and an Acct-Delay-Time; then it numbers new records after them. */
static void unanswered_records_survive_restart(void **state)
{
	struct env *e = *state;
	struct heard first[3];

	start(e, 5000, 1, 0, 0);
	for (int i = 0; i < 3; i++) {
		char sid[32];
		snprintf(sid, sizeof(sid), "old-%d", i);
		struct acct_session s = session(sid);
		s.session_time = (uint32_t)(10 * i);
		assert_true(acct_record(e->a, i ? RADIUS_ACCT_INTERIM_UPDATE : RADIUS_ACCT_START,
					&s));
	}
	for (int i = 0; i < 3; i++)
		first[i] = *expect_request(e);
	stop(e); /* unanswered */

	e->nheard = 0;
	start(e, 1000, 3, 0, 0);
	assert_int_equal(acct_get_stats(e->a)->loaded, 3);
	assert_int_equal(acct_queued(e->a), 3);
	/* Sent with no new record made: the owner only watches acct_fd(). */
	for (int i = 0; i < 3; i++) {
		struct heard *h = expect_request(e);
		assert_string_equal(h->session_id, first[i].session_id);
		assert_int_equal(h->attrs_len, first[i].attrs_len);
		assert_memory_equal(h->attrs, first[i].attrs, h->attrs_len);
		assert_int_equal(radius_count(&e->f.p, 0, RADIUS_ACCT_DELAY_TIME), 1);
	}
	/* A new record comes after the old ones. */
	struct acct_session s = session("new-0");
	assert_true(acct_record(e->a, RADIUS_ACCT_START, &s));
	assert_string_equal(expect_request(e)->session_id, "new-0");
	for (size_t i = 0; i < 4; i++)
		fake_ack(&e->f, &e->heard[i]);
	wait_acked(e, 4);
	assert_int_equal(acct_queued(e->a), 0);
	stop(e);
	struct spool_view v;
	spool_view(e, &v);
	assert_int_equal(v.n, 0);
}

static void spool_put_stop(struct acct_spool *sp, uint64_t id, int64_t created, const char *sid)
{
	struct radius_writer w;
	radius_writer_init(&w, RADIUS_ACCOUNTING_REQUEST, 0, NULL);
	assert_true(radius_put_u32(&w, RADIUS_ACCT_STATUS_TYPE, RADIUS_ACCT_STOP));
	assert_true(radius_put_str(&w, RADIUS_ACCT_SESSION_ID, sid));
	assert_true(acct_spool_put(sp, id, created, w.buf + RADIUS_HDR_LEN,
				   w.len - RADIUS_HDR_LEN));
}

/* Records an earlier run left behind say how old they are in
 * Acct-Delay-Time: one from 100 s ago, and one from before the monotonic
 * clock started (the host rebooted since: the usual way a spool outlives
 * a run). */
static void spooled_record_keeps_its_age(void **state)
{
	struct env *e = *state;
	char err[256] = "";
	int64_t now = (int64_t)time(NULL);
	int64_t uptime_s = (int64_t)(radius_fake_mono_ms() / 1000u);

	struct acct_spool *sp = acct_spool_open(e->ts.path, err, sizeof(err));
	assert_non_null(sp);
	spool_put_stop(sp, 40, now - uptime_s - 1000, "before-boot");
	spool_put_stop(sp, 41, now - 100, "aged");
	acct_spool_free(sp);

	start(e, 1000, 3, 0, 0);
	assert_int_equal(acct_get_stats(e->a)->loaded, 2);
	struct heard *h = expect_request(e);
	assert_string_equal(h->session_id, "before-boot");
	assert_true(h->delay >= (uint32_t)uptime_s + 1000);
	h = expect_request(e);
	assert_string_equal(h->session_id, "aged");
	assert_int_equal(h->status, RADIUS_ACCT_STOP);
	assert_true(h->delay >= 100);
	/* New records are numbered after the loaded one. */
	assert_true(acct_record(e->a, RADIUS_ACCT_ON, NULL));
	h = expect_request(e);
	assert_int_equal(h->status, RADIUS_ACCT_ON);
	fake_ack(&e->f, h); /* the newest one only */
	wait_acked(e, 1);
	stop(e);
	struct spool_view v;
	spool_view(e, &v);
	assert_int_equal(v.n, 2);
	assert_int_equal(v.id[0], 40);
	assert_int_equal(v.id[1], 41);
	assert_string_equal(v.sid[1], "aged");
}

/* A silent server: the record goes again after every round of tries,
 * forever, until it is answered. */
static void silent_server_resend(void **state)
{
	struct env *e = *state;

	start(e, 150, 1, 1, 0);
	struct acct_session s = session("lonely");
	assert_true(acct_record(e->a, RADIUS_ACCT_START, &s));
	expect_request(e);
	expect_request(e);
	expect_request(e);
	for (size_t i = 1; i < e->nheard; i++) {
		assert_string_equal(e->heard[i].session_id, "lonely");
		assert_int_equal(e->heard[i].attrs_len, e->heard[0].attrs_len);
		assert_memory_equal(e->heard[i].attrs, e->heard[0].attrs, e->heard[0].attrs_len);
	}
	assert_true(acct_get_stats(e->a)->resent >= 2);
	assert_int_equal(acct_get_stats(e->a)->acked, 0);
	assert_int_equal(acct_queued(e->a), 1);
	/* Answer the latest try; should it be too late, the next one. */
	for (int k = 0; k < 10 && acct_get_stats(e->a)->acked == 0; k++) {
		fake_ack(&e->f, &e->heard[e->nheard - 1]);
		uint64_t end = radius_fake_mono_ms() + 2 * 150;
		while (acct_get_stats(e->a)->acked == 0 && radius_fake_mono_ms() < end) {
			struct pollfd pfd[2] = {
				{ .fd = acct_fd(e->a), .events = POLLIN },
				{ .fd = e->f.fd, .events = POLLIN },
			};
			assert_true(poll(pfd, 2, 50) >= 0);
			if (pfd[0].revents & POLLIN)
				acct_run(e->a);
			if (pfd[1].revents & POLLIN) {
				radius_fake_read(&e->f);
				heard_of(&e->f, &e->heard[e->nheard - 1]);
				break;
			}
		}
	}
	assert_int_equal(acct_get_stats(e->a)->acked, 1);
	assert_int_equal(acct_queued(e->a), 0);
}

/* queue_max records at most: the next is dropped and counted, until an
 * acknowledgement makes room. */
static void queue_limit_drops(void **state)
{
	struct env *e = *state;

	start(e, 5000, 1, 1, 3);
	for (int i = 0; i < 3; i++)
		assert_true(acct_record(e->a, RADIUS_ACCT_ON, NULL));
	assert_false(acct_record(e->a, RADIUS_ACCT_ON, NULL));
	struct acct_session s = session("too-many");
	assert_false(acct_record(e->a, RADIUS_ACCT_START, &s));
	const struct acct_stats *st = acct_get_stats(e->a);
	assert_int_equal(st->made, 3);
	assert_int_equal(st->dropped, 2);
	assert_int_equal(acct_queued(e->a), 3);

	struct heard *h = expect_request(e);
	fake_ack(&e->f, h);
	wait_acked(e, 1);
	assert_int_equal(acct_queued(e->a), 2);
	assert_true(acct_record(e->a, RADIUS_ACCT_START, &s));
	assert_int_equal(st->made, 4);
	assert_int_equal(st->dropped, 2);

	/* The dropped ones were never spooled either. */
	stop(e);
	struct spool_view v;
	spool_view(e, &v);
	assert_int_equal(v.n, 3);
	assert_string_equal(v.sid[2], "too-many");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(accounting_on_and_session_records, setup, teardown),
		cmocka_unit_test_setup_teardown(ipv6_session_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_arguments_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(window_order_and_spool, setup, teardown),
		cmocka_unit_test_setup_teardown(unanswered_records_survive_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(spooled_record_keeps_its_age, setup, teardown),
		cmocka_unit_test_setup_teardown(silent_server_resend, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_limit_drops, setup, teardown),
	};
	return cmocka_run_group_tests(tests, crypto_group_setup, crypto_group_teardown);
}
