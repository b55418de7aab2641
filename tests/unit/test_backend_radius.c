/* The RADIUS authentication backend (auth/backend_radius.h) through the
 * generic interface (auth_backend_submit/fd/drain/cancel), against a fake
 * RADIUS server the test runs on 127.0.0.1: it reads each Access-Request,
 * checks its attributes with the codec (auth/radius_pkt.h) and answers with
 * what the case needs. Requests are filled the way the server's session
 * code fills them. Every wait is bounded; nothing asserts on timings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "auth/backend.h"
#include "auth/backend_radius.h"
#include "auth/radius_pkt.h"
#include "common/buf.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/mschap.h"
#include "common/ppp/eap.h"
#include "tests/unit/support/radius_fake.h"
#include "tests/unit/support/crypto_group.h"

#define SAFETY_MS 3000 /* a bound against a hang, not a timing check */
#define MAX_SEEN  48 /* the 40-round EAP exchange */
#define SECRET    "backend-test-secret"

/* ---- the fake server ---- */

/* Every datagram the fake reads is a signed Access-Request. */
static void check_access_request(const struct radius_fake *f)
{
	assert_int_equal(f->p.code, RADIUS_ACCESS_REQUEST);
	assert_int_equal(radius_verify(&f->p, RADIUS_SIGN_ACCESS_REQUEST, &f->sec, NULL, true),
			 RADIUS_OK);
}

static void fake_open(struct radius_fake *f)
{
	radius_fake_open(f, SECRET);
	f->check = check_access_request;
}

/* A reply to the last request: radius_writer_init'ed here, the caller adds
 * attributes, fake_send signs (with a Message-Authenticator) and sends. */
static void reply_begin(const struct radius_fake *f, struct radius_writer *w, uint8_t code)
{
	radius_fake_reply_init(w, code, f->p.id, true);
}

static void fake_send(const struct radius_fake *f, struct radius_writer *w)
{
	radius_fake_sign_send(f, w, f->p.auth);
}

/* ---- the backend and its completions ---- */

struct env {
	struct radius_fake f;
	struct radius_fake f2; /* a second server, with two_servers */
	struct auth_backend *b;
	struct auth_result seen[MAX_SEEN];
	/* The Class values of each, copied: the result's are the backend's. */
	uint8_t classes[MAX_SEEN][AUTH_CLASS_BYTES_MAX];
	struct auth_route routes[MAX_SEEN][AUTH_ROUTE_MAX];
	struct auth_route6 routes6[MAX_SEEN][AUTH_ROUTE_MAX];
	/* The EAP packet, State and reply User-Name of each, copied. */
	uint8_t eap[MAX_SEEN][EAP_PACKET_MAX];
	uint8_t state[MAX_SEEN][RADIUS_ATTR_MAX];
	uint8_t reply_user[MAX_SEEN][RADIUS_ATTR_MAX];
	size_t nseen;
	size_t queue_max; /* for start(); 0: the default */
	bool no_extra;    /* for start(): no radius-attr lines */
	bool two_servers; /* for start(): f then f2 */
	bool ma_optional; /* for start(): f is marked ma_optional */
};

static void on_complete(void *ctx, const struct auth_result *res)
{
	struct env *e = ctx;
	assert_true(e->nseen < MAX_SEEN);
	assert_true(res->classes_len <= AUTH_CLASS_BYTES_MAX);
	assert_true((res->classes == NULL) == (res->classes_len == 0));
	e->seen[e->nseen] = *res;
	if (res->classes_len) {
		memcpy(e->classes[e->nseen], res->classes, res->classes_len);
		e->seen[e->nseen].classes = e->classes[e->nseen];
	}
	assert_true(res->nroutes <= AUTH_ROUTE_MAX);
	if (res->nroutes) {
		memcpy(e->routes[e->nseen], res->routes, res->nroutes * sizeof(*res->routes));
		e->seen[e->nseen].routes = e->routes[e->nseen];
	}
	assert_true(res->nroutes6 <= AUTH_ROUTE_MAX);
	assert_true((res->routes6 == NULL) == (res->nroutes6 == 0));
	if (res->nroutes6) {
		memcpy(e->routes6[e->nseen], res->routes6, res->nroutes6 * sizeof(*res->routes6));
		e->seen[e->nseen].routes6 = e->routes6[e->nseen];
	}
	assert_true(res->eap_len <= EAP_PACKET_MAX);
	assert_true((res->eap_msg == NULL) == (res->eap_len == 0));
	if (res->eap_len) {
		memcpy(e->eap[e->nseen], res->eap_msg, res->eap_len);
		e->seen[e->nseen].eap_msg = e->eap[e->nseen];
	}
	assert_true(res->state_len <= RADIUS_ATTR_MAX);
	if (res->state) {
		memcpy(e->state[e->nseen], res->state, res->state_len);
		e->seen[e->nseen].state = e->state[e->nseen];
	}
	assert_true(res->reply_user_len <= RADIUS_ATTR_MAX);
	if (res->reply_user) {
		memcpy(e->reply_user[e->nseen], res->reply_user, res->reply_user_len);
		e->seen[e->nseen].reply_user = e->reply_user[e->nseen];
	}
	e->nseen++;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));
	if (!e)
		return -1;
	e->f.fd = -1;
	e->f2.fd = -1;
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	auth_backend_free(e->b);
	radius_fake_close(&e->f);
	radius_fake_close(&e->f2);
	free(e);
	return 0;
}

/* Operator's radius-attr: NAS-Port-Id "pptp" and a vendor attribute. */
static const uint8_t extra_attrs[] = {
	RADIUS_NAS_PORT_ID, 6, 'p', 'p', 't', 'p',
	RADIUS_VENDOR_SPECIFIC, 11, 0, 0, 0x30, 0x39, 1, 5, 'x', 'y', 'z',
};

static void start(struct env *e, bool mppe_required, unsigned timeout_ms, unsigned tries)
{
	char err[256] = "";

	fake_open(&e->f);
	struct radius_server srv[2] = { radius_fake_server(&e->f, "fake-radius") };
	srv[0].ma_optional = e->ma_optional;
	if (e->two_servers) {
		fake_open(&e->f2);
		srv[1] = radius_fake_server(&e->f2, "fake-radius-2");
	}
	struct auth_radius_config cfg = {
		.client = {
			.servers = srv,
			.nservers = e->two_servers ? 2 : 1,
			.timeout_ms = timeout_ms,
			.tries = tries,
		},
		.nas = { .identifier = "pptpd-test" },
		.mppe_required = mppe_required,
		.queue_max = e->queue_max,
		.extra = e->no_extra ? NULL : extra_attrs,
		.extra_len = e->no_extra ? 0 : sizeof(extra_attrs),
		.framed_mtu = 1400,
	};
	assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &cfg.nas.ip), 1);
	e->b = auth_radius_new(&cfg, on_complete, e, err, sizeof(err));
	if (!e->b)
		fail_msg("auth_radius_new: %s", err);
}

static void drain(void *ctx)
{
	struct env *e = ctx;
	auth_backend_drain(e->b);
}

static uint64_t completions(void *ctx)
{
	const struct env *e = ctx;
	return e->nseen;
}

static struct radius_fake_peer peer_of(struct env *e)
{
	return (struct radius_fake_peer){
		.fd = auth_backend_fd(e->b), .run = drain, .completions = completions, .ctx = e,
	};
}

/* Drain whenever the backend's fd is readable until the fake has a request
 * (true) or budget_ms passed or a completion came (false). */
static bool pump(struct env *e, int budget_ms)
{
	struct radius_fake_peer peer = peer_of(e);
	struct radius_fake *one[1] = { &e->f };
	return radius_fake_pump(&peer, one, 1, budget_ms) == 0;
}

static void expect_request(struct env *e)
{
	assert_true(pump(e, SAFETY_MS));
}

/* Drain until `want` completions in all. */
static void wait_for(struct env *e, size_t want)
{
	struct radius_fake_peer peer = peer_of(e);
	assert_true(radius_fake_wait(&peer, want, SAFETY_MS));
	assert_int_equal(e->nseen, want);
}

/* The common part, as server/session.c fill_request() does it. */
static void req_base(struct auth_request *rq, uint32_t sid, enum auth_method m, const char *user)
{
	memset(rq, 0, sizeof(*rq));
	rq->session = (struct auth_session_ref){ sid, 3 };
	rq->method = m;
	radius_fake_sockaddr4(&rq->peer, "198.51.100.7", 50123);
	radius_fake_sockaddr4(&rq->local, "203.0.113.1", 1723);
	rq->nas_port = 0x1234;
	snprintf(rq->session_id, sizeof(rq->session_id), "5F00AA01%08X", sid);
	rq->chap_ident = 0x5A;
	assert_true(auth_request_set_user(rq, user, strlen(user)));
}

static void req_mschapv2(struct auth_request *rq, uint32_t sid)
{
	req_base(rq, sid, AUTH_MSCHAPV2, "CORP\\alice");
	for (int i = 0; i < MSCHAP_CHALLENGE_LEN; i++) {
		rq->u.mschapv2.auth_challenge[i] = (uint8_t)(0xA0 + i);
		rq->u.mschapv2.peer_challenge[i] = (uint8_t)(0x30 + i);
	}
	for (int i = 0; i < MSCHAP_NT_RESPONSE_LEN; i++)
		rq->u.mschapv2.nt_response[i] = (uint8_t)(0xC0 ^ i);
}

static void submit(struct env *e, const struct auth_request *rq)
{
	size_t before = e->nseen;
	assert_int_equal(auth_backend_submit(e->b, rq), AUTH_SUBMIT_PENDING);
	assert_int_equal(e->nseen, before); /* never on the spot */
}

static void expect_u32(const struct radius_packet *p, uint8_t type, uint32_t want)
{
	assert_int_equal(radius_fake_u32(p, type), want);
}

static void expect_nas_attrs(const struct radius_fake *f, const struct auth_request *rq)
{
	const struct radius_packet *p = &f->p;
	struct radius_attr a;
	char sid[AUTH_SESSION_ID_MAX];

	radius_fake_expect_text(p, RADIUS_USER_NAME, rq->user);
	expect_u32(p, RADIUS_NAS_IP_ADDRESS, 0xC0000201);
	radius_fake_expect_text(p, RADIUS_NAS_IDENTIFIER, "pptpd-test");
	expect_u32(p, RADIUS_NAS_PORT, rq->nas_port);
	expect_u32(p, RADIUS_NAS_PORT_TYPE, 5);
	expect_u32(p, RADIUS_SERVICE_TYPE, 2);
	expect_u32(p, RADIUS_FRAMED_PROTOCOL, 1);
	radius_fake_expect_text(p, RADIUS_CALLING_STATION_ID, "198.51.100.7");
	radius_fake_expect_text(p, RADIUS_CALLED_STATION_ID, "203.0.113.1");
	snprintf(sid, sizeof(sid), "%s", rq->session_id);
	radius_fake_expect_text(p, RADIUS_ACCT_SESSION_ID, sid);
	assert_int_equal(radius_count(p, 0, RADIUS_MESSAGE_AUTHENTICATOR), 1);
	/* The operator's attributes, as given, in one piece. */
	assert_non_null(memmem(f->pkt + RADIUS_HDR_LEN, f->len - RADIUS_HDR_LEN, extra_attrs,
			       sizeof(extra_attrs)));
	/* The operator's NAS-Port-Id, not ours beside it. */
	assert_int_equal(radius_count(p, 0, RADIUS_NAS_PORT_ID), 1);
	radius_fake_expect_text(p, RADIUS_NAS_PORT_ID, "pptp");
	expect_u32(p, RADIUS_FRAMED_MTU, 1400);
	assert_true(radius_find(p, 12345, 1, &a));
	assert_int_equal(a.len, 3);
	assert_memory_equal(a.val, "xyz", 3);
}

/* A valid MS-CHAP2-Success: the CHAP ident, then "S=" and 40 hex digits. */
static void put_chap2_success(struct radius_writer *w, uint8_t ident, const char *s40)
{
	uint8_t v[1 + MSCHAP_AUTH_RESPONSE_LEN];
	v[0] = ident;
	memcpy(v + 1, "S=", 2);
	assert_int_equal(strlen(s40), 40);
	memcpy(v + 3, s40, 40);
	assert_true(radius_put_vsa(w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_SUCCESS, v,
				   sizeof(v)));
}

static void put_ms_addr(struct radius_writer *w, uint8_t vtype, uint32_t host)
{
	uint8_t v[4];
	store_be32(v, host);
	assert_true(radius_put_vsa(w, RADIUS_VENDOR_MICROSOFT, vtype, v, 4));
}

static const char auth_hex[] = "0123456789ABCDEF0123456789ABCDEF01234567";
static const uint8_t send_key[16] = { 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
				      0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F, 0x10 };
static const uint8_t recv_key[16] = { 0xE1, 0xE2, 0xE3, 0xE4, 0xE5, 0xE6, 0xE7, 0xE8,
				      0xE9, 0xEA, 0xEB, 0xEC, 0xED, 0xEE, 0xEF, 0xE0 };

static void put_v2_keys(const struct radius_fake *f, struct radius_writer *w)
{
	assert_true(radius_put_mppe_key(w, RADIUS_MS_MPPE_SEND_KEY, &f->sec, f->p.auth, 0x8123,
					send_key, sizeof(send_key)));
	assert_true(radius_put_mppe_key(w, RADIUS_MS_MPPE_RECV_KEY, &f->sec, f->p.auth, 0x8456,
					recv_key, sizeof(recv_key)));
}

/* ---- the steps every case repeats ---- */

/* Submit rq and read the Access-Request it makes. */
static void submit_read(struct env *e, const struct auth_request *rq)
{
	submit(e, rq);
	expect_request(e);
}

/* An MS-CHAPv2 login of session sid, submitted, its Access-Request read. */
static void login_mschapv2(struct env *e, struct auth_request *rq, uint32_t sid)
{
	req_mschapv2(rq, sid);
	submit_read(e, rq);
}

/* An Access-Accept to the last request that proves the server (a valid
 * MS-CHAP2-Success for rq's CHAP ident) and no more; the caller adds what
 * the case needs, then send_wait. */
static void accept_no_keys_begin(struct env *e, const struct auth_request *rq,
				 struct radius_writer *w)
{
	reply_begin(&e->f, w, RADIUS_ACCESS_ACCEPT);
	put_chap2_success(w, rq->chap_ident, auth_hex);
}

/* The same, with both MPPE keys. */
static void accept_begin(struct env *e, const struct auth_request *rq, struct radius_writer *w)
{
	accept_no_keys_begin(e, rq, w);
	put_v2_keys(&e->f, w);
}

/* Sign and send the reply w from the first fake, then drain until `want`
 * completions in all. */
static void send_wait(struct env *e, struct radius_writer *w, size_t want)
{
	fake_send(&e->f, w);
	wait_for(e, want);
}

/* ---- the cases ---- */

static void mschapv2_request_attributes(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_attr a;

	start(e, true, 1000, 2);
	login_mschapv2(e, &rq, 1);
	const struct radius_packet *p = &e->f.p;
	expect_nas_attrs(&e->f, &rq);

	assert_int_equal(radius_count(p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_CHALLENGE), 1);
	assert_true(radius_find(p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_CHALLENGE, &a));
	assert_int_equal(a.len, MSCHAP_CHALLENGE_LEN);
	assert_memory_equal(a.val, rq.u.mschapv2.auth_challenge, MSCHAP_CHALLENGE_LEN);

	/* RFC 2548 2.3.2: Ident, Flags 0, Peer-Challenge, 8 reserved, Response. */
	assert_true(radius_find(p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_RESPONSE, &a));
	assert_int_equal(a.len, 50);
	assert_int_equal(a.val[0], 0x5A);
	assert_int_equal(a.val[1], 0);
	assert_memory_equal(a.val + 2, rq.u.mschapv2.peer_challenge, 16);
	static const uint8_t zero8[8];
	assert_memory_equal(a.val + 18, zero8, 8);
	assert_memory_equal(a.val + 26, rq.u.mschapv2.nt_response, 24);

	assert_int_equal(radius_count(p, 0, RADIUS_USER_PASSWORD), 0);
	assert_int_equal(radius_count(p, 0, RADIUS_CHAP_PASSWORD), 0);
	assert_int_equal(radius_count(p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_RESPONSE), 0);

	/* Without an answer from us yet, nothing completes. */
	assert_int_equal(auth_backend_drain(e->b), 0);
	assert_int_equal(e->nseen, 0);
}

static void mschapv2_accept_with_everything(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	static const uint8_t class_val[] = { 'c', 'l', 0, 0xFF, 's' };

	start(e, true, 1000, 2);
	login_mschapv2(e, &rq, 2);
	accept_begin(e, &rq, &w);
	assert_true(radius_put_u32(&w, RADIUS_FRAMED_IP_ADDRESS, 0x0A090807));
	assert_true(radius_put_u32(&w, RADIUS_SESSION_TIMEOUT, 3600));
	assert_true(radius_put_u32(&w, RADIUS_IDLE_TIMEOUT, 600));
	assert_true(radius_put_u32(&w, RADIUS_ACCT_INTERIM_INTERVAL, 300));
	assert_true(radius_put(&w, RADIUS_CLASS, class_val, sizeof(class_val)));
	assert_true(radius_put_str(&w, RADIUS_FRAMED_POOL, "poolA"));
	assert_true(radius_put_str(&w, RADIUS_FRAMED_ROUTE, "10.20.0.0/16 0.0.0.0 1"));
	assert_true(radius_put_str(&w, RADIUS_FRAMED_ROUTE, "not a route"));
	assert_true(radius_put_str(&w, RADIUS_FRAMED_ROUTE, "10.30.1.7 10.9.8.7"));
	assert_true(radius_put_u32(&w, RADIUS_FRAMED_IP_NETMASK, 0xFFFFFF00));
	assert_true(radius_put_u32(&w, RADIUS_FRAMED_MTU, 1300));
	put_ms_addr(&w, RADIUS_MS_PRIMARY_DNS_SERVER, 0x0A000035);
	put_ms_addr(&w, RADIUS_MS_SECONDARY_DNS_SERVER, 0x0A000036);
	put_ms_addr(&w, RADIUS_MS_PRIMARY_NBNS_SERVER, 0x0A000089);
	put_ms_addr(&w, RADIUS_MS_SECONDARY_NBNS_SERVER, 0x0A00008A);
	send_wait(e, &w, 1);

	const struct auth_result *r = &e->seen[0];
	assert_int_equal(r->session.id, 2);
	assert_int_equal(r->session.generation, 3);
	assert_int_equal(r->method, AUTH_MSCHAPV2);
	assert_int_equal(r->verdict, AUTH_ACCEPT);
	assert_int_equal(strlen(r->auth_response), MSCHAP_AUTH_RESPONSE_LEN);
	assert_memory_equal(r->auth_response, "S=", 2);
	assert_memory_equal(r->auth_response + 2, auth_hex, 40);
	assert_true(r->has_keys);
	assert_memory_equal(r->send_key, send_key, 16); /* MS-MPPE-Send-Key: ours to send */
	assert_memory_equal(r->recv_key, recv_key, 16);
	assert_true(r->has_static_ip);
	assert_int_equal(ntohl(r->static_ip.s_addr), 0x0A090807);
	assert_int_equal(r->session_timeout, 3600);
	assert_int_equal(r->idle_timeout, 600);
	assert_true(r->idle_given); /* replaces the `idle` key */
	assert_int_equal(r->interim_interval, 300);
	assert_int_equal(r->classes_len, 1 + sizeof(class_val));
	assert_int_equal(r->classes[0], sizeof(class_val));
	assert_memory_equal(r->classes + 1, class_val, sizeof(class_val));
	assert_string_equal(r->pool, "poolA");
	/* The malformed route is left out (and logged), the others kept. */
	assert_int_equal(r->nroutes, 2);
	assert_int_equal(r->routes[0].dst, 0x0A140000);
	assert_int_equal(r->routes[0].plen, 16);
	assert_int_equal(r->routes[0].gw, 0);
	assert_int_equal(r->routes[1].dst, 0x0A1E0107);
	assert_int_equal(r->routes[1].plen, 32);
	assert_int_equal(r->routes[1].gw, 0x0A090807);
	assert_int_equal(r->netmask, 0xFFFFFF00);
	assert_int_equal(r->framed_mtu, 1300);
	assert_int_equal(r->dns[0], 0x0A000035);
	assert_int_equal(r->dns[1], 0x0A000036);
	assert_int_equal(r->nbns[0], 0x0A000089);
	assert_int_equal(r->nbns[1], 0x0A00008A);
	assert_int_equal(r->win_error, 0);
}

/* Every Class is kept, in order, packed, up to AUTH_CLASS_COUNT_MAX
 * values and AUTH_CLASS_BYTES_MAX bytes; without radius-attr lines the
 * Access-Request carries our own NAS-Port-Id. */
static void every_class_within_bounds(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	uint8_t big[200];

	e->no_extra = true;
	start(e, true, 1000, 2);
	/* Ten small values: the first eight kept. */
	login_mschapv2(e, &rq, 4);
	radius_fake_expect_text(&e->f.p, RADIUS_NAS_PORT_ID, "pptp:4660");
	accept_begin(e, &rq, &w);
	for (uint8_t i = 0; i < 10; i++) {
		uint8_t v[3] = { 'c', '0' + i, i };
		assert_true(radius_put(&w, RADIUS_CLASS, v, sizeof(v)));
	}
	send_wait(e, &w, 1);
	const struct auth_result *r = &e->seen[0];
	assert_int_equal(r->verdict, AUTH_ACCEPT);
	assert_int_equal(r->classes_len, AUTH_CLASS_COUNT_MAX * 4);
	size_t pos = 0, n = 0, vlen;
	const uint8_t *val;
	while (auth_class_next(r->classes, r->classes_len, &pos, &val, &vlen)) {
		assert_int_equal(vlen, 3);
		assert_int_equal(val[1], '0' + n);
		assert_int_equal(val[2], n);
		n++;
	}
	assert_int_equal(n, AUTH_CLASS_COUNT_MAX);

	/* Six of 200 bytes: five fit in AUTH_CLASS_BYTES_MAX, the sixth not. */
	login_mschapv2(e, &rq, 5);
	accept_begin(e, &rq, &w);
	for (uint8_t i = 0; i < 6; i++) {
		memset(big, 'A' + i, sizeof(big));
		assert_true(radius_put(&w, RADIUS_CLASS, big, sizeof(big)));
	}
	send_wait(e, &w, 2);
	r = &e->seen[1];
	assert_int_equal(r->classes_len, 5 * (1 + sizeof(big)));
	assert_true(r->classes_len <= AUTH_CLASS_BYTES_MAX);
	pos = n = 0;
	while (auth_class_next(r->classes, r->classes_len, &pos, &val, &vlen)) {
		assert_int_equal(vlen, sizeof(big));
		assert_int_equal(val[0], 'A' + n);
		assert_int_equal(val[sizeof(big) - 1], 'A' + n);
		n++;
	}
	assert_int_equal(n, 5);
	/* A length that runs past the end stops the walk. */
	static const uint8_t cut[] = { 3, 'a', 'b' };
	pos = 0;
	assert_false(auth_class_next(cut, sizeof(cut), &pos, &val, &vlen));
}

/* Framed-Route text (RFC 2865 5.22), accepted and refused forms. */
static void framed_route_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool ok;
		uint32_t dst, gw;
		uint8_t plen;
	} cases[] = {
		{ "192.168.1.0/24 0.0.0.0 1", true, 0xC0A80100, 0, 24 },
		{ "192.168.1.0/24 192.0.2.7", true, 0xC0A80100, 0xC0000207, 24 },
		{ "10.0.0.0/8 0.0.0.0 1 2 3", true, 0x0A000000, 0, 8 },
		{ "10.1.2.3 0.0.0.0", true, 0x0A010203, 0, 32 },
		{ "0.0.0.0/0 0.0.0.0 1", true, 0, 0, 0 },
		{ "192.168.1.1/24 0.0.0.0 1", false, 0, 0, 0 },   /* host bits */
		{ "192.168.1.0/33 0.0.0.0 1", false, 0, 0, 0 },
		{ "192.168.1.0/ 0.0.0.0", false, 0, 0, 0 },
		{ "192.168.1.0/24", false, 0, 0, 0 },             /* no gateway */
		{ "192.168.1.0/24 0.0.0.0 x", false, 0, 0, 0 },
		{ "192.168.1.0/24\t0.0.0.0", false, 0, 0, 0 },
		{ "300.1.1.0/24 0.0.0.0", false, 0, 0, 0 },
		{ "", false, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct auth_route r;
		bool ok = auth_radius_parse_route((const uint8_t *)cases[i].text,
						  strlen(cases[i].text), &r);
		if (ok != cases[i].ok)
			fail_msg("'%s': %s", cases[i].text, ok ? "accepted" : "refused");
		if (!ok)
			continue;
		assert_int_equal(r.dst, cases[i].dst);
		assert_int_equal(r.gw, cases[i].gw);
		assert_int_equal(r.plen, cases[i].plen);
	}
	/* No NUL needed: the length bounds the text. */
	struct auth_route r;
	assert_true(auth_radius_parse_route((const uint8_t *)"10.1.0.0/16 0.0.0.0 1XYZ", 20, &r));
	assert_int_equal(r.plen, 16);
}

/* ---- IPv6 attributes (RFC 3162, RFC 4818) ---- */

static void put_prefix_raw(struct radius_writer *w, uint8_t type, uint8_t plen,
			   const uint8_t *octets, size_t n)
{
	uint8_t v[RADIUS_ATTR_MAX] = { 0, plen };
	memcpy(v + 2, octets, n);
	assert_true(radius_put(w, type, v, 2 + n));
}

static void addr6(const char *text, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, text, out), 1);
}

/* Stderr into a temporary file while the test runs (the one log line per
 * reply is part of what is tested). */
struct logcap {
	FILE *f;
	int saved;
};

static void logcap_start(struct logcap *c)
{
	log_init("pptpd", LOG_LVL_INFO);
	c->f = tmpfile();
	assert_non_null(c->f);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	dup2(fileno(c->f), STDERR_FILENO);
}

/* Lines containing what; the capture ends. */
static size_t logcap_count(struct logcap *c, const char *what)
{
	char line[2048];
	size_t n = 0;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	log_init("pptpd", LOG_LVL_NOTICE);
	rewind(c->f);
	while (fgets(line, sizeof(line), c->f))
		n += strstr(line, what) != NULL;
	fclose(c->f);
	return n;
}

/* One Accept with every IPv6 attribute, well-formed: all of them parsed;
 * a /56 Framed-IPv6-Prefix is kept (the server decides) and logged. */
static void ipv6_accept_parsed(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	uint8_t p64[16], p56[16], want[16];
	struct logcap lc;

	addr6("2001:db8:1:2::", p64);
	addr6("2001:db8:ff00::", p56);
	start(e, true, 1000, 2);
	login_mschapv2(e, &rq, 6);
	accept_begin(e, &rq, &w);
	static const uint8_t iid[8] = { 0x02, 0x11, 0x22, 0xff, 0xfe, 0x33, 0x44, 0x55 };
	assert_true(radius_put(&w, RADIUS_FRAMED_INTERFACE_ID, iid, sizeof(iid)));
	put_prefix_raw(&w, RADIUS_FRAMED_IPV6_PREFIX, 64, p64, 16); /* all 16 octets */
	put_prefix_raw(&w, RADIUS_DELEGATED_IPV6_PREFIX, 56, p56, 7); /* only those needed */
	assert_true(radius_put_str(&w, RADIUS_FRAMED_IPV6_POOL, "v6pool"));
	assert_true(radius_put_str(&w, RADIUS_FRAMED_IPV6_ROUTE, "2001:db8:100::/48 :: 1"));
	assert_true(radius_put_str(&w, RADIUS_FRAMED_IPV6_ROUTE, "2001:db8:200::1 fe80::1"));
	logcap_start(&lc);
	send_wait(e, &w, 1);
	assert_int_equal(logcap_count(&lc, "event=ipv6-attr-ignored"), 0);

	const struct auth_result *r = &e->seen[0];
	assert_int_equal(r->verdict, AUTH_ACCEPT);
	assert_true(r->has_ipv6_iid);
	assert_true(r->ipv6_iid == 0x021122fffe334455ull);
	assert_true(r->has_ipv6_prefix);
	assert_int_equal(r->ipv6_prefix_len, 64);
	assert_memory_equal(r->ipv6_prefix, p64, 16);
	assert_true(r->has_delegated_prefix);
	assert_int_equal(r->delegated_prefix_len, 56);
	assert_memory_equal(r->delegated_prefix, p56, 16);
	assert_string_equal(r->ipv6_pool, "v6pool");
	assert_int_equal(r->nroutes6, 2);
	addr6("2001:db8:100::", want);
	assert_memory_equal(r->routes6[0].dst, want, 16);
	assert_int_equal(r->routes6[0].plen, 48);
	static const uint8_t zero16[16];
	assert_memory_equal(r->routes6[0].gw, zero16, 16);
	addr6("2001:db8:200::1", want);
	assert_memory_equal(r->routes6[1].dst, want, 16);
	assert_int_equal(r->routes6[1].plen, 128);
	addr6("fe80::1", want);
	assert_memory_equal(r->routes6[1].gw, want, 16);

	/* A /48 as the session's prefix: kept, and the log says so. */
	login_mschapv2(e, &rq, 7);
	accept_begin(e, &rq, &w);
	put_prefix_raw(&w, RADIUS_FRAMED_IPV6_PREFIX, 48, p64, 6);
	logcap_start(&lc);
	send_wait(e, &w, 2);
	assert_int_equal(logcap_count(&lc, "event=ipv6-prefix-not-64 server="), 1);
	r = &e->seen[1];
	assert_true(r->has_ipv6_prefix);
	assert_int_equal(r->ipv6_prefix_len, 48);
	assert_memory_equal(r->ipv6_prefix, p64, 6);
	assert_memory_equal(r->ipv6_prefix + 6, zero16, 10);
	assert_false(r->has_ipv6_iid);
	assert_false(r->has_delegated_prefix);
	assert_string_equal(r->ipv6_pool, "");
	assert_int_equal(r->nroutes6, 0);
}

/* Malformed IPv6 attributes are ignored, the login goes on, and each
 * reply logs one line however many it had. */
static void ipv6_malformed_ignored(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	uint8_t p[18] = { 0 };
	struct logcap lc;

	addr6("2001:db8:1::", p); /* no bit set beyond /48 but those the cases set */
	static const struct {
		uint8_t type;
		uint8_t plen;
		size_t n;        /* prefix octets */
		bool host_bit;   /* set a bit just beyond plen */
		const char *why;
	} cases[] = {
		{ RADIUS_FRAMED_IPV6_PREFIX, 129, 16, false, "reason=prefix-length-over-128" },
		{ RADIUS_FRAMED_IPV6_PREFIX, 64, 4, false, "reason=prefix-too-short" },
		{ RADIUS_FRAMED_IPV6_PREFIX, 64, 17, false, "reason=bad-length" },
		{ RADIUS_FRAMED_IPV6_PREFIX, 60, 8, true, "reason=bits-beyond-prefix-length" },
		{ RADIUS_FRAMED_IPV6_PREFIX, 64, 9, true, "reason=bits-beyond-prefix-length" },
		{ RADIUS_FRAMED_IPV6_PREFIX, 64, 16, true, "reason=bits-beyond-prefix-length" },
		{ RADIUS_DELEGATED_IPV6_PREFIX, 56, 8, true, "reason=bits-beyond-prefix-length" },
		{ RADIUS_DELEGATED_IPV6_PREFIX, 200, 16, false, "reason=prefix-length-over-128" },
	};
	start(e, true, 1000, 2);
	size_t n = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++, n++) {
		uint8_t v[18];
		memcpy(v, p, sizeof(v));
		if (cases[i].host_bit) {
			unsigned bit = cases[i].plen; /* the first bit beyond the prefix */
			if (bit / 8 < cases[i].n)
				v[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
			else
				fail_msg("case %zu: no octet beyond the prefix", i);
		}
		login_mschapv2(e, &rq, 10 + (uint32_t)i);
		accept_begin(e, &rq, &w);
		put_prefix_raw(&w, cases[i].type, cases[i].plen, v, cases[i].n);
		logcap_start(&lc);
		send_wait(e, &w, n + 1);
		if (logcap_count(&lc, cases[i].why) != 1)
			fail_msg("case %zu: no one line with %s", i, cases[i].why);
		const struct auth_result *r = &e->seen[n];
		assert_int_equal(r->verdict, AUTH_ACCEPT);
		assert_false(r->has_ipv6_prefix);
		assert_false(r->has_delegated_prefix);
	}
	/* A Framed-IPv6-Prefix of two octets (plen 0, no prefix) is well
	 * formed; one octet is not. */
	static const uint8_t short1[] = { 0 };
	/* Everything wrong at once: one line, malformed=6 (the first named),
	 * and the good route beside the bad ones kept. */
	login_mschapv2(e, &rq, 30);
	accept_begin(e, &rq, &w);
	static const uint8_t iid7[7] = { 1, 2, 3, 4, 5, 6, 7 };
	static const uint8_t iid0[8] = { 0 };
	assert_true(radius_put(&w, RADIUS_FRAMED_INTERFACE_ID, iid7, sizeof(iid7)));
	assert_true(radius_put(&w, RADIUS_FRAMED_IPV6_PREFIX, short1, sizeof(short1)));
	put_prefix_raw(&w, RADIUS_DELEGATED_IPV6_PREFIX, 129, p, 16);
	assert_true(radius_put_str(&w, RADIUS_FRAMED_IPV6_POOL,
				   "a-pool-name-longer-than-the-limit-of-32"));
	assert_true(radius_put_str(&w, RADIUS_FRAMED_IPV6_ROUTE, "2001:db8::1/64 ::"));
	assert_true(radius_put_str(&w, RADIUS_FRAMED_IPV6_ROUTE, "2001:db8:5::/48 :: 1"));
	assert_true(radius_put_str(&w, RADIUS_FRAMED_IPV6_ROUTE, "10.0.0.0/8 0.0.0.0"));
	logcap_start(&lc);
	send_wait(e, &w, ++n);
	assert_int_equal(logcap_count(&lc, "event=ipv6-attr-ignored server=fake-radius malformed=6 "
					   "first=Framed-Interface-Id reason=bad-length "
					   "routes6-kept=1 routes6-over-limit=0"), 1);
	const struct auth_result *r = &e->seen[n - 1];
	assert_int_equal(r->verdict, AUTH_ACCEPT);
	assert_false(r->has_ipv6_iid);
	assert_false(r->has_ipv6_prefix);
	assert_false(r->has_delegated_prefix);
	assert_string_equal(r->ipv6_pool, "");
	assert_int_equal(r->nroutes6, 1);
	assert_int_equal(r->routes6[0].plen, 48);

	/* An all-zero Framed-Interface-Id is no identifier IPV6CP can give. */
	login_mschapv2(e, &rq, 31);
	accept_begin(e, &rq, &w);
	assert_true(radius_put(&w, RADIUS_FRAMED_INTERFACE_ID, iid0, sizeof(iid0)));
	logcap_start(&lc);
	send_wait(e, &w, ++n);
	assert_int_equal(logcap_count(&lc, "malformed=1 first=Framed-Interface-Id reason=zero"), 1);
	assert_false(e->seen[n - 1].has_ipv6_iid);
}

/* Framed-IPv6-Route text (RFC 3162 2.5), accepted and refused forms. */
static void framed_ipv6_route_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		bool ok;
		const char *dst, *gw;
		uint8_t plen;
	} cases[] = {
		{ "2001:db8::/32 :: 1", true, "2001:db8::", "::", 32 },
		{ "2001:db8:1::/48 2001:db8::1", true, "2001:db8:1::", "2001:db8::1", 48 },
		{ "2001:db8::7 ::", true, "2001:db8::7", "::", 128 },
		{ "::/0 fe80::1 1 2", true, "::", "fe80::1", 0 },
		{ "::ffff:10.0.0.0/104 ::", true, "::ffff:10.0.0.0", "::", 104 },
		{ "2001:db8::1/64 :: 1", false, NULL, NULL, 0 },  /* bits beyond /64 */
		{ "2001:db8::/129 :: 1", false, NULL, NULL, 0 },
		{ "2001:db8::/ ::", false, NULL, NULL, 0 },
		{ "2001:db8::/48", false, NULL, NULL, 0 },       /* no gateway */
		{ "2001:db8::/48 :: x", false, NULL, NULL, 0 },
		{ "2001:db8::/48\t::", false, NULL, NULL, 0 },
		{ "2001:db8:::/48 ::", false, NULL, NULL, 0 },
		{ "10.0.0.0/8 0.0.0.0", false, NULL, NULL, 0 },
		{ "", false, NULL, NULL, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct auth_route6 r;
		uint8_t want[16];
		bool ok = auth_radius_parse_route6((const uint8_t *)cases[i].text,
						   strlen(cases[i].text), &r);
		if (ok != cases[i].ok)
			fail_msg("'%s': %s", cases[i].text, ok ? "accepted" : "refused");
		if (!ok)
			continue;
		addr6(cases[i].dst, want);
		assert_memory_equal(r.dst, want, 16);
		addr6(cases[i].gw, want);
		assert_memory_equal(r.gw, want, 16);
		assert_int_equal(r.plen, cases[i].plen);
	}
}

/* 255.255.255.254: the NAS picks the address, so no static one. */
static void framed_ip_nas_selects(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;

	start(e, true, 1000, 2);
	login_mschapv2(e, &rq, 3);
	accept_begin(e, &rq, &w);
	assert_true(radius_put_u32(&w, RADIUS_FRAMED_IP_ADDRESS, 0xFFFFFFFE));
	send_wait(e, &w, 1);
	assert_int_equal(e->seen[0].verdict, AUTH_ACCEPT);
	assert_false(e->seen[0].has_static_ip);
	assert_int_equal(e->seen[0].session_timeout, 0);
	assert_false(e->seen[0].idle_given); /* the `idle` key stays */
	assert_int_equal(e->seen[0].classes_len, 0);
	assert_null(e->seen[0].classes);
	assert_int_equal(e->seen[0].dns[0], 0);
}

static void accept_without_keys_or_success(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;

	start(e, true, 1000, 2);
	/* MPPE required, no keys. */
	login_mschapv2(e, &rq, 4);
	accept_no_keys_begin(e, &rq, &w);
	send_wait(e, &w, 1);
	assert_int_equal(e->seen[0].verdict, AUTH_REJECT_ERROR);
	assert_false(e->seen[0].has_keys);
	assert_non_null(strstr(e->seen[0].message, "MPPE"));

	/* Only one of the two keys is no keys either. */
	login_mschapv2(e, &rq, 5);
	accept_no_keys_begin(e, &rq, &w);
	assert_true(radius_put_mppe_key(&w, RADIUS_MS_MPPE_SEND_KEY, &e->f.sec, e->f.p.auth,
					0x8001, send_key, 16));
	send_wait(e, &w, 2);
	assert_int_equal(e->seen[1].verdict, AUTH_REJECT_ERROR);
	assert_false(e->seen[1].has_keys);

	/* Keys but no MS-CHAP2-Success: the server is not proven. */
	login_mschapv2(e, &rq, 6);
	reply_begin(&e->f, &w, RADIUS_ACCESS_ACCEPT);
	put_v2_keys(&e->f, &w);
	send_wait(e, &w, 3);
	assert_int_equal(e->seen[2].verdict, AUTH_REJECT_ERROR);
	assert_non_null(strstr(e->seen[2].message, "MS-CHAP2-Success"));

	/* A truncated MS-CHAP2-Success is no better. */
	login_mschapv2(e, &rq, 7);
	reply_begin(&e->f, &w, RADIUS_ACCESS_ACCEPT);
	assert_true(radius_put_vsa(&w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_SUCCESS,
				   "\x5AS=0123", 7));
	put_v2_keys(&e->f, &w);
	send_wait(e, &w, 4);
	assert_int_equal(e->seen[3].verdict, AUTH_REJECT_ERROR);
}

/* With MPPE optional, an MS-CHAPv2 Accept without keys is an Accept. */
static void accept_without_keys_mppe_optional(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;

	start(e, false, 1000, 2);
	login_mschapv2(e, &rq, 8);
	accept_no_keys_begin(e, &rq, &w);
	send_wait(e, &w, 1);
	assert_int_equal(e->seen[0].verdict, AUTH_ACCEPT);
	assert_false(e->seen[0].has_keys);
	static const uint8_t zero16[16];
	assert_memory_equal(e->seen[0].send_key, zero16, 16);
}

/* Rate limits: Filter-Id in accel-ppp's form (a Filter-Id that names a
 * filter is skipped); the pptpd vendor pair wins over it, a missing one of
 * the pair is no limit that way; neither: not given. */
static void rate_limits(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	uint8_t v[4] = { 0, 0, 0x0F, 0xA0 }; /* 4000 */

	start(e, false, 1000, 2);
	login_mschapv2(e, &rq, 9);
	accept_begin(e, &rq, &w);
	assert_true(radius_put_str(&w, RADIUS_FILTER_ID, "guests-acl"));
	assert_true(radius_put_str(&w, RADIUS_FILTER_ID, "10000/2000"));
	send_wait(e, &w, 1);
	assert_true(e->seen[0].rate_given);
	assert_int_equal(e->seen[0].rate_down, 10000);
	assert_int_equal(e->seen[0].rate_up, 2000);

	login_mschapv2(e, &rq, 10);
	accept_begin(e, &rq, &w);
	assert_true(radius_put_str(&w, RADIUS_FILTER_ID, "10000/2000"));
	assert_true(radius_put_vsa(&w, RADIUS_VENDOR_PPTPD, RADIUS_PPTPD_RATE_LIMIT_DOWN, v, 4));
	send_wait(e, &w, 2);
	assert_true(e->seen[1].rate_given);
	assert_int_equal(e->seen[1].rate_down, 4000);
	assert_int_equal(e->seen[1].rate_up, 0);

	login_mschapv2(e, &rq, 11);
	accept_begin(e, &rq, &w);
	assert_true(radius_put_str(&w, RADIUS_FILTER_ID, "1,2000"));
	send_wait(e, &w, 3);
	assert_int_equal(e->seen[2].verdict, AUTH_ACCEPT);
	assert_false(e->seen[2].rate_given);
}

/* MS-MPPE-Encryption-Policy / -Types are handed on (unknown type bits
 * dropped); Policy 2 (required) in an Accept without keys fails the login
 * even when the server does not require MPPE. */
static void mppe_encryption_policy(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;

	start(e, false, 1000, 2);
	login_mschapv2(e, &rq, 9);
	accept_begin(e, &rq, &w);
	put_ms_addr(&w, RADIUS_MS_MPPE_ENCRYPTION_POLICY, AUTH_MPPE_POLICY_REQUIRED);
	put_ms_addr(&w, RADIUS_MS_MPPE_ENCRYPTION_TYPES, 0x4 | 0x10);
	send_wait(e, &w, 1);
	assert_int_equal(e->seen[0].verdict, AUTH_ACCEPT);
	assert_int_equal(e->seen[0].mppe_policy, AUTH_MPPE_POLICY_REQUIRED);
	assert_true(e->seen[0].mppe_types_given);
	assert_int_equal(e->seen[0].mppe_types, AUTH_MPPE_TYPE_128);

	/* Required, and no keys to encrypt with. */
	login_mschapv2(e, &rq, 10);
	accept_no_keys_begin(e, &rq, &w);
	put_ms_addr(&w, RADIUS_MS_MPPE_ENCRYPTION_POLICY, AUTH_MPPE_POLICY_REQUIRED);
	send_wait(e, &w, 2);
	assert_int_equal(e->seen[1].verdict, AUTH_REJECT_ERROR);
	assert_non_null(strstr(e->seen[1].message, "requires MPPE"));

	/* Neither given: nothing changes (the configured policy applies). */
	login_mschapv2(e, &rq, 11);
	accept_begin(e, &rq, &w);
	send_wait(e, &w, 3);
	assert_int_equal(e->seen[2].verdict, AUTH_ACCEPT);
	assert_int_equal(e->seen[2].mppe_policy, 0);
	assert_false(e->seen[2].mppe_types_given);
}

static void reject_with(struct env *e, uint32_t sid, const char *ms_error,
			const char *reply_message)
{
	struct auth_request rq;
	struct radius_writer w;
	uint8_t v[200];

	login_mschapv2(e, &rq, sid);
	reply_begin(&e->f, &w, RADIUS_ACCESS_REJECT);
	if (reply_message)
		assert_true(radius_put_str(&w, RADIUS_REPLY_MESSAGE, reply_message));
	if (ms_error) {
		v[0] = rq.chap_ident;
		memcpy(v + 1, ms_error, strlen(ms_error));
		assert_true(radius_put_vsa(&w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_ERROR, v,
					   1 + strlen(ms_error)));
	}
	send_wait(e, &w, e->nseen + 1);
}

static void rejections(void **state)
{
	struct env *e = *state;
	const struct auth_result *r;

	start(e, true, 1000, 2);
	reject_with(e, 10, "E=647 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=Account disabled",
		    NULL);
	r = &e->seen[0];
	assert_int_equal(r->session.id, 10);
	assert_int_equal(r->verdict, AUTH_REJECT_DISABLED);
	assert_int_equal(r->win_error, 647);
	assert_string_equal(r->message, "Account disabled");
	assert_false(r->has_keys);
	assert_int_equal(r->auth_response[0], '\0');

	reject_with(e, 11, "E=649 R=0 C=00112233445566778899AABBCCDDEEFF V=3 M=No dial-in", NULL);
	r = &e->seen[1];
	assert_int_equal(r->verdict, AUTH_REJECT_NO_DIALIN);
	assert_int_equal(r->win_error, 649);
	assert_string_equal(r->message, "No dial-in");

	reject_with(e, 12, "E=691 R=1 C=00112233445566778899AABBCCDDEEFF V=3", NULL);
	r = &e->seen[2];
	assert_int_equal(r->verdict, AUTH_REJECT_BAD_CREDENTIALS);
	assert_int_equal(r->win_error, 691);

	/* No MS-CHAP-Error: wrong credentials, E=691 for the peer. */
	reject_with(e, 13, NULL, "bad password");
	r = &e->seen[3];
	assert_int_equal(r->verdict, AUTH_REJECT_BAD_CREDENTIALS);
	assert_int_equal(r->win_error, 0);
	assert_int_equal(auth_verdict_error_code(r->verdict), 691);
	assert_string_equal(r->message, "bad password");
	reject_with(e, 14, NULL, NULL);
	assert_int_equal(e->seen[4].verdict, AUTH_REJECT_BAD_CREDENTIALS);
	assert_true(strlen(e->seen[4].message) > 0);
}

static void access_challenge_refused(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;

	start(e, true, 1000, 2);
	login_mschapv2(e, &rq, 15);
	reply_begin(&e->f, &w, RADIUS_ACCESS_CHALLENGE);
	assert_true(radius_put_str(&w, RADIUS_STATE, "state-1"));
	assert_true(radius_put_str(&w, RADIUS_REPLY_MESSAGE, "enter your token"));
	send_wait(e, &w, 1);
	assert_int_equal(e->seen[0].verdict, AUTH_REJECT_ERROR);
	assert_false(e->seen[0].has_keys);
	assert_non_null(strstr(e->seen[0].message, "Challenge"));
}

static void no_server_answers(void **state)
{
	struct env *e = *state;
	struct auth_request rq;

	start(e, true, 100, 2);
	req_mschapv2(&rq, 16);
	submit(e, &rq);
	/* Read both tries and answer neither. */
	expect_request(e);
	expect_request(e);
	wait_for(e, 1);
	assert_int_equal(e->f.received, 2);
	assert_int_equal(e->seen[0].session.id, 16);
	assert_int_equal(e->seen[0].verdict, AUTH_REJECT_ERROR);
	assert_string_equal(e->seen[0].message, "no RADIUS server answered");
	assert_false(e->seen[0].has_keys);
}

/* Cancel drops the completion of that session only (generation counts),
 * even when the answer comes afterwards. */
static void cancel_drops_completion(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_fake_req reqs[2];

	start(e, false, 2000, 1);
	for (uint32_t i = 0; i < 2; i++) {
		login_mschapv2(e, &rq, 20 + i);
		reqs[i] = radius_fake_last(&e->f);
	}
	auth_backend_cancel(e->b, (struct auth_session_ref){ 20, 4 }); /* other generation */
	auth_backend_cancel(e->b, (struct auth_session_ref){ 20, 3 });
	for (int i = 0; i < 2; i++)
		radius_fake_answer(&e->f, &reqs[i], RADIUS_ACCESS_REJECT, true);
	wait_for(e, 1);
	assert_int_equal(e->seen[0].session.id, 21);
	/* Nothing more comes for session 20. */
	assert_false(pump(e, 200));
	assert_int_equal(e->nseen, 1);
}

static void pap_password_hidden(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_attr a;
	struct radius_writer w;
	char pw[RADIUS_PASSWORD_MAX + 1];
	size_t pwlen = 0;

	start(e, false, 1000, 2);
	req_base(&rq, 30, AUTH_PAP, "bob");
	snprintf(rq.u.pap.password, sizeof(rq.u.pap.password), "p@ss word, 17+chr");
	rq.u.pap.password_len = strlen(rq.u.pap.password);
	submit_read(e, &rq);
	expect_nas_attrs(&e->f, &rq);
	assert_int_equal(radius_count(&e->f.p, 0, RADIUS_USER_PASSWORD), 1);
	assert_true(radius_find(&e->f.p, 0, RADIUS_USER_PASSWORD, &a));
	assert_int_equal(a.len, 32);
	assert_true(radius_get_user_password(&a, &e->f.sec, e->f.p.auth, pw, &pwlen));
	assert_int_equal(pwlen, rq.u.pap.password_len);
	assert_string_equal(pw, "p@ss word, 17+chr");
	assert_int_equal(radius_count(&e->f.p, 0, RADIUS_CHAP_PASSWORD), 0);
	assert_int_equal(radius_count(&e->f.p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_CHALLENGE),
			 0);

	reply_begin(&e->f, &w, RADIUS_ACCESS_ACCEPT);
	send_wait(e, &w, 1);
	assert_int_equal(e->seen[0].method, AUTH_PAP);
	assert_int_equal(e->seen[0].verdict, AUTH_ACCEPT);
	assert_false(e->seen[0].has_keys);
}

static void chap_md5_attributes(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_attr a;
	struct radius_writer w;

	start(e, false, 1000, 2);
	req_base(&rq, 31, AUTH_CHAP_MD5, "carol");
	rq.u.chap_md5.id = 0x77;
	rq.u.chap_md5.challenge_len = 21;
	for (size_t i = 0; i < rq.u.chap_md5.challenge_len; i++)
		rq.u.chap_md5.challenge[i] = (uint8_t)(3 * i + 1);
	for (int i = 0; i < AUTH_MD5_LEN; i++)
		rq.u.chap_md5.response[i] = (uint8_t)(0xF0 - i);
	submit_read(e, &rq);
	expect_nas_attrs(&e->f, &rq);
	assert_true(radius_find(&e->f.p, 0, RADIUS_CHAP_PASSWORD, &a));
	assert_int_equal(a.len, 17);
	assert_int_equal(a.val[0], 0x77);
	assert_memory_equal(a.val + 1, rq.u.chap_md5.response, 16);
	assert_true(radius_find(&e->f.p, 0, RADIUS_CHAP_CHALLENGE, &a));
	assert_int_equal(a.len, 21);
	assert_memory_equal(a.val, rq.u.chap_md5.challenge, 21);
	assert_int_equal(radius_count(&e->f.p, 0, RADIUS_USER_PASSWORD), 0);

	reply_begin(&e->f, &w, RADIUS_ACCESS_ACCEPT);
	send_wait(e, &w, 1);
	assert_int_equal(e->seen[0].method, AUTH_CHAP_MD5);
	assert_int_equal(e->seen[0].verdict, AUTH_ACCEPT);
}

/* MS-CHAP-MPPE-Keys (RFC 2548 2.4.1) hidden as RFC 2865 5.2 hides a
 * User-Password: c(i) = p(i) xor MD5(secret + c(i-1)), c(0) = the
 * Request Authenticator. The test's own code, independent of the backend. */
static void hide_like_password(const struct radius_secret *sec, const uint8_t ra[16],
			       const uint8_t *plain, size_t n, uint8_t *out)
{
	const uint8_t *prev = ra;
	for (size_t off = 0; off < n; off += 16) {
		uint8_t b[16];
		radius_fake_md5(sec->data, sec->len, prev, 16, NULL, 0, b);
		for (size_t i = 0; i < 16; i++)
			out[off + i] = plain[off + i] ^ b[i];
		prev = out + off;
	}
}

static void mschapv1_request_and_keys(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_attr a;
	struct radius_writer w;
	static const uint8_t challenge[8] = { 0x10, 0x2D, 0xB5, 0xDF, 0x08, 0x5D, 0x30, 0x41 };

	start(e, true, 1000, 2);
	req_base(&rq, 32, AUTH_MSCHAPV1, "dave");
	memcpy(rq.u.mschapv1.challenge, challenge, 8);
	for (int i = 0; i < MSCHAP_NT_RESPONSE_LEN; i++)
		rq.u.mschapv1.nt_response[i] = (uint8_t)(0x40 + 2 * i);
	submit_read(e, &rq);
	expect_nas_attrs(&e->f, &rq);
	assert_true(radius_find(&e->f.p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_CHALLENGE, &a));
	assert_int_equal(a.len, 8);
	assert_memory_equal(a.val, challenge, 8);
	/* RFC 2548 2.1.3: Ident, Flags 1 (use the NT response), LM 24 (unused),
	 * NT 24. */
	assert_true(radius_find(&e->f.p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_RESPONSE, &a));
	assert_int_equal(a.len, 50);
	assert_int_equal(a.val[0], 0x5A);
	assert_int_equal(a.val[1], 1);
	static const uint8_t zero24[24];
	assert_memory_equal(a.val + 2, zero24, 24);
	assert_memory_equal(a.val + 26, rq.u.mschapv1.nt_response, 24);
	assert_int_equal(radius_count(&e->f.p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_RESPONSE),
			 0);

	/* LM-Key 8, NT-Key 16, padding 8; hidden with the request's
	 * authenticator. */
	uint8_t plain[32], hidden[32];
	for (int i = 0; i < 8; i++)
		plain[i] = (uint8_t)(0xA0 + i);
	for (int i = 0; i < 16; i++)
		plain[8 + i] = (uint8_t)(0x5C ^ (7 * i));
	memset(plain + 24, 0, 8);
	hide_like_password(&e->f.sec, e->f.p.auth, plain, 32, hidden);
	reply_begin(&e->f, &w, RADIUS_ACCESS_ACCEPT);
	assert_true(radius_put_vsa(&w, RADIUS_VENDOR_MICROSOFT, 12 /* MS-CHAP-MPPE-Keys */, hidden,
				   32));
	send_wait(e, &w, 1);

	/* RFC 3079: the start key is SHA1(NT-Key | NT-Key | challenge), 16 octets,
	 * the same both ways. */
	uint8_t buf[40], digest[20];
	unsigned dl = 0;
	memcpy(buf, plain + 8, 16);
	memcpy(buf + 16, plain + 8, 16);
	memcpy(buf + 32, challenge, 8);
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	assert_non_null(x);
	assert_true(EVP_DigestInit_ex(x, EVP_sha1(), NULL));
	assert_true(EVP_DigestUpdate(x, buf, sizeof(buf)));
	assert_true(EVP_DigestFinal_ex(x, digest, &dl));
	EVP_MD_CTX_free(x);
	assert_int_equal(dl, 20);

	const struct auth_result *r = &e->seen[0];
	assert_int_equal(r->method, AUTH_MSCHAPV1);
	assert_int_equal(r->verdict, AUTH_ACCEPT);
	assert_true(r->has_keys);
	assert_memory_equal(r->send_key, digest, 16);
	assert_memory_equal(r->recv_key, digest, 16);
	assert_int_equal(r->auth_response[0], '\0');

	/* The same Accept without MS-CHAP-MPPE-Keys, MPPE required: error. */
	submit_read(e, &rq);
	reply_begin(&e->f, &w, RADIUS_ACCESS_ACCEPT);
	send_wait(e, &w, 2);
	assert_int_equal(e->seen[1].verdict, AUTH_REJECT_ERROR);
	assert_false(e->seen[1].has_keys);
}

/* queue_max logins outstanding at most: the next is BUSY at once, and a
 * completion or a cancel makes room. */
static void queue_full_is_busy(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;

	e->queue_max = 2;
	start(e, false, 2000, 1);
	login_mschapv2(e, &rq, 50);
	req_mschapv2(&rq, 51);
	submit(e, &rq);
	req_mschapv2(&rq, 52);
	assert_int_equal(auth_backend_submit(e->b, &rq), AUTH_SUBMIT_BUSY);
	expect_request(e); /* 51's */
	reply_begin(&e->f, &w, RADIUS_ACCESS_REJECT);
	send_wait(e, &w, 1);
	assert_int_equal(e->seen[0].session.id, 51);
	submit(e, &rq);
	req_mschapv2(&rq, 53);
	assert_int_equal(auth_backend_submit(e->b, &rq), AUTH_SUBMIT_BUSY);
	auth_backend_cancel(e->b, (struct auth_session_ref){ 50, 3 });
	submit(e, &rq);
	assert_int_equal(e->nseen, 1);
}

/* Free with a login outstanding: no completion, nothing leaks. */
static void free_with_login_outstanding(void **state)
{
	struct env *e = *state;
	struct auth_request rq;

	start(e, true, 1000, 2);
	req_mschapv2(&rq, 40);
	submit(e, &rq);
	req_base(&rq, 41, AUTH_PAP, "pap-user");
	snprintf(rq.u.pap.password, sizeof(rq.u.pap.password), "secret");
	rq.u.pap.password_len = 6;
	submit_read(e, &rq);
	auth_backend_free(e->b);
	e->b = NULL;
	assert_int_equal(e->nseen, 0);
}

/* ---- EAP relayed (RFC 3579) ---- */

/* An EAP packet of len bytes: code, id, Length, type, then a pattern. */
static void eap_make(uint8_t *pkt, size_t len, uint8_t code, uint8_t id, uint8_t type)
{
	assert_true(len >= EAP_HDR_LEN && len <= 65535);
	pkt[0] = code;
	pkt[1] = id;
	store_be16(pkt + 2, (uint16_t)len);
	for (size_t i = EAP_HDR_LEN; i < len; i++)
		pkt[i] = (uint8_t)(i * 7 + id);
	if (len > EAP_HDR_LEN)
		pkt[4] = type;
}

/* One EAP round as the server's session code fills it. */
static void req_eap(struct auth_request *rq, uint32_t sid, const uint8_t *msg, size_t len,
		    const void *state, size_t state_len, unsigned round)
{
	req_base(rq, sid, AUTH_EAP, "anonymous@example.org");
	rq->u.eap.msg = msg;
	rq->u.eap.msg_len = len;
	rq->u.eap.state = state;
	rq->u.eap.state_len = state_len;
	rq->u.eap.round = round;
}

/* The packet the fake heard carries msg as EAP-Message attributes of 253
 * bytes in order (the last shorter), want_state as its one State (NULL:
 * none), one Message-Authenticator and no password of any kind. */
static void expect_eap_request(const struct radius_fake *f, const uint8_t *msg, size_t len,
			       const char *want_state)
{
	const struct radius_packet *p = &f->p;
	struct radius_iter it;
	struct radius_attr a;
	size_t off = 0, n = 0;

	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a)) {
		if (a.vendor || a.type != RADIUS_EAP_MESSAGE)
			continue;
		size_t want = len - off < RADIUS_ATTR_MAX ? len - off : RADIUS_ATTR_MAX;
		assert_int_equal(a.len, want);
		assert_memory_equal(a.val, msg + off, want);
		off += a.len;
		n++;
	}
	assert_int_equal(off, len);
	assert_int_equal(n, (len + RADIUS_ATTR_MAX - 1) / RADIUS_ATTR_MAX);
	if (want_state)
		radius_fake_expect_text(p, RADIUS_STATE, want_state);
	else
		assert_int_equal(radius_count(p, 0, RADIUS_STATE), 0);
	assert_int_equal(radius_count(p, 0, RADIUS_MESSAGE_AUTHENTICATOR), 1);
	assert_int_equal(radius_count(p, 0, RADIUS_USER_PASSWORD), 0);
	assert_int_equal(radius_count(p, 0, RADIUS_CHAP_PASSWORD), 0);
	assert_int_equal(radius_count(p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_RESPONSE), 0);
}

/* pkt as EAP-Message attributes of 253 bytes, in order. */
static void put_eap(struct radius_writer *w, const uint8_t *pkt, size_t len)
{
	for (size_t off = 0; off < len; off += RADIUS_ATTR_MAX) {
		size_t n = len - off < RADIUS_ATTR_MAX ? len - off : RADIUS_ATTR_MAX;
		assert_true(radius_put(w, RADIUS_EAP_MESSAGE, pkt + off, n));
	}
}

/* An Access-Challenge carrying an EAP Request of len bytes and a State. */
static void answer_challenge(const struct radius_fake *f, uint8_t *pkt, size_t len, uint8_t id,
			     const char *state)
{
	struct radius_writer w;

	eap_make(pkt, len, EAP_CODE_REQUEST, id, EAP_TYPE_TLS);
	radius_fake_reply_init(&w, RADIUS_ACCESS_CHALLENGE, f->p.id, true);
	put_eap(&w, pkt, len);
	if (state)
		assert_true(radius_put_str(&w, RADIUS_STATE, state));
	fake_send(f, &w);
}

static void expect_challenge(const struct env *e, size_t i, const uint8_t *pkt, size_t len,
			     const char *state)
{
	const struct auth_result *r = &e->seen[i];
	assert_int_equal(r->verdict, AUTH_CHALLENGE);
	assert_int_equal(r->method, AUTH_EAP);
	assert_int_equal(r->eap_len, len);
	assert_memory_equal(r->eap_msg, pkt, len);
	assert_int_equal(r->state_len, strlen(state));
	assert_memory_equal(r->state, state, r->state_len);
	assert_false(r->has_keys);
}

static void eap_three_rounds(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	uint8_t resp[600], chal[1000], auth1[RADIUS_AUTH_LEN];

	start(e, true, 1000, 2);
	/* Round 1: a 600-byte Response, three attributes, no State. */
	eap_make(resp, sizeof(resp), EAP_CODE_RESPONSE, 1, EAP_TYPE_TLS);
	req_eap(&rq, 60, resp, sizeof(resp), NULL, 0, 1);
	submit_read(e, &rq);
	expect_nas_attrs(&e->f, &rq);
	expect_eap_request(&e->f, resp, sizeof(resp), NULL);
	uint8_t id1 = e->f.p.id;
	memcpy(auth1, e->f.p.auth, sizeof(auth1));
	answer_challenge(&e->f, chal, 90, 2, "state-one");
	wait_for(e, 1);
	expect_challenge(e, 0, chal, 90, "state-one");

	/* Round 2: the State echoed, a new Identifier and Authenticator; a
	 * 1000-byte Request back in four attributes. */
	eap_make(resp, 6, EAP_CODE_RESPONSE, 2, EAP_TYPE_TLS);
	req_eap(&rq, 60, resp, 6, e->seen[0].state, e->seen[0].state_len, 2);
	submit_read(e, &rq);
	expect_eap_request(&e->f, resp, 6, "state-one");
	assert_int_not_equal(e->f.p.id, id1);
	assert_memory_not_equal(e->f.p.auth, auth1, RADIUS_AUTH_LEN);
	answer_challenge(&e->f, chal, sizeof(chal), 3, "state-two");
	wait_for(e, 2);
	expect_challenge(e, 1, chal, sizeof(chal), "state-two");
	assert_int_equal(auth_radius_eap_pinned(e->b), 1);

	/* Round 3: Access-Accept with the EAP Success, keys and the inner name. */
	eap_make(resp, 6, EAP_CODE_RESPONSE, 3, EAP_TYPE_TLS);
	req_eap(&rq, 60, resp, 6, e->seen[1].state, e->seen[1].state_len, 3);
	submit_read(e, &rq);
	expect_eap_request(&e->f, resp, 6, "state-two");
	uint8_t success[EAP_HDR_LEN];
	eap_make(success, sizeof(success), EAP_CODE_SUCCESS, 3, 0);
	reply_begin(&e->f, &w, RADIUS_ACCESS_ACCEPT);
	put_eap(&w, success, sizeof(success));
	put_v2_keys(&e->f, &w);
	assert_true(radius_put_str(&w, RADIUS_USER_NAME, "alice@example.org"));
	assert_true(radius_put_u32(&w, RADIUS_SESSION_TIMEOUT, 3600));
	assert_true(radius_put_str(&w, RADIUS_CLASS, "eap-class"));
	send_wait(e, &w, 3);
	const struct auth_result *r = &e->seen[2];
	assert_int_equal(r->verdict, AUTH_ACCEPT);
	assert_int_equal(r->eap_len, sizeof(success));
	assert_memory_equal(r->eap_msg, success, sizeof(success));
	assert_null(r->state);
	assert_true(r->has_keys);
	assert_memory_equal(r->send_key, send_key, 16);
	assert_memory_equal(r->recv_key, recv_key, 16);
	assert_int_equal(r->reply_user_len, strlen("alice@example.org"));
	assert_memory_equal(r->reply_user, "alice@example.org", r->reply_user_len);
	assert_int_equal(r->session_timeout, 3600);
	assert_int_equal(r->classes_len, 1 + strlen("eap-class"));

	const struct auth_radius_eap_stats *st = auth_radius_eap_stats(e->b);
	assert_non_null(st);
	assert_int_equal(st->rounds, 3);
	assert_int_equal(st->challenges, 2);
	assert_int_equal(st->accepts, 1);
	assert_int_equal(st->oversized + st->malformed + st->stranded + st->refused, 0);
	assert_int_equal(auth_radius_eap_pinned(e->b), 0);
}

/* RFC 3579 3.2: an EAP reply without Message-Authenticator is discarded,
 * even from a server whose other replies may go without. */
static void eap_reply_without_ma_dropped(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	uint8_t resp[20];

	e->ma_optional = true;
	start(e, false, 200, 3);
	eap_make(resp, sizeof(resp), EAP_CODE_RESPONSE, 1, EAP_TYPE_IDENTITY);
	req_eap(&rq, 61, resp, sizeof(resp), NULL, 0, 1);
	submit_read(e, &rq);
	struct radius_fake_req first = radius_fake_last(&e->f);
	radius_fake_answer(&e->f, &first, RADIUS_ACCESS_ACCEPT, false);
	/* Dropped: the backend retransmits instead of completing. */
	expect_request(e);
	assert_int_equal(e->nseen, 0);
	assert_int_equal(e->f.p.id, first.id);
	assert_int_equal(auth_radius_stats(e->b)->bad_replies, 1);
	radius_fake_answer(&e->f, &first, RADIUS_ACCESS_ACCEPT, true);
	wait_for(e, 1);
	assert_int_equal(e->seen[0].verdict, AUTH_ACCEPT);
	assert_null(e->seen[0].eap_msg);

	/* The same server's MS-CHAPv2 Accept without one is still taken. */
	login_mschapv2(e, &rq, 62);
	radius_fake_reply_init(&w, RADIUS_ACCESS_ACCEPT, e->f.p.id, false);
	put_chap2_success(&w, 0x5A, auth_hex);
	put_v2_keys(&e->f, &w);
	send_wait(e, &w, 2);
	assert_int_equal(e->seen[1].verdict, AUTH_ACCEPT);
}

static void eap_bad_challenges(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	uint8_t resp[20];
	static uint8_t big[7 * RADIUS_ATTR_MAX];

	start(e, true, 1000, 2);
	eap_make(resp, sizeof(resp), EAP_CODE_RESPONSE, 1, EAP_TYPE_IDENTITY);

	/* A chain of 7 x 253 bytes, past EAP_PACKET_MAX: dropped, counted. */
	req_eap(&rq, 63, resp, sizeof(resp), NULL, 0, 1);
	submit_read(e, &rq);
	eap_make(big, sizeof(big), EAP_CODE_REQUEST, 2, EAP_TYPE_TLS);
	reply_begin(&e->f, &w, RADIUS_ACCESS_CHALLENGE);
	put_eap(&w, big, sizeof(big));
	assert_true(radius_put_str(&w, RADIUS_STATE, "s"));
	send_wait(e, &w, 1);
	assert_int_equal(e->seen[0].verdict, AUTH_REJECT_ERROR);
	assert_null(e->seen[0].eap_msg);
	assert_non_null(strstr(e->seen[0].message, "longer than 1500"));
	assert_int_equal(auth_radius_eap_stats(e->b)->oversized, 1);

	/* An EAP Length that is not the chain's size. */
	req_eap(&rq, 64, resp, sizeof(resp), NULL, 0, 1);
	submit_read(e, &rq);
	eap_make(big, 300, EAP_CODE_REQUEST, 2, EAP_TYPE_TLS);
	store_be16(big + 2, 299);
	reply_begin(&e->f, &w, RADIUS_ACCESS_CHALLENGE);
	put_eap(&w, big, 300);
	send_wait(e, &w, 2);
	assert_int_equal(e->seen[1].verdict, AUTH_REJECT_ERROR);
	assert_int_equal(auth_radius_eap_stats(e->b)->malformed, 1);

	/* A Challenge with no EAP-Message at all. */
	req_eap(&rq, 65, resp, sizeof(resp), NULL, 0, 1);
	submit_read(e, &rq);
	reply_begin(&e->f, &w, RADIUS_ACCESS_CHALLENGE);
	assert_true(radius_put_str(&w, RADIUS_STATE, "s"));
	send_wait(e, &w, 3);
	assert_int_equal(e->seen[2].verdict, AUTH_REJECT_ERROR);
	assert_non_null(strstr(e->seen[2].message, "no EAP Request"));

	/* A Challenge without State is taken (RFC 3579 makes it optional). */
	req_eap(&rq, 66, resp, sizeof(resp), NULL, 0, 1);
	submit_read(e, &rq);
	answer_challenge(&e->f, big, 40, 2, NULL);
	wait_for(e, 4);
	assert_int_equal(e->seen[3].verdict, AUTH_CHALLENGE);
	assert_null(e->seen[3].state);
	assert_int_equal(e->seen[3].eap_len, 40);

	/* A round the relay cannot carry is refused at once. */
	req_eap(&rq, 67, big, EAP_PACKET_MAX + 1, NULL, 0, 2);
	assert_int_equal(auth_backend_submit(e->b, &rq), AUTH_SUBMIT_BUSY);
	assert_int_equal(auth_radius_eap_stats(e->b)->refused, 1);
	assert_int_equal(auth_radius_eap_stats(e->b)->rounds, 4);
}

static void eap_reject_with_failure(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	uint8_t resp[30], failure[EAP_HDR_LEN];

	start(e, true, 1000, 2);
	eap_make(resp, sizeof(resp), EAP_CODE_RESPONSE, 5, EAP_TYPE_TLS);
	req_eap(&rq, 68, resp, sizeof(resp), "st", 2, 4);
	submit_read(e, &rq);
	expect_eap_request(&e->f, resp, sizeof(resp), "st");
	eap_make(failure, sizeof(failure), EAP_CODE_FAILURE, 5, 0);
	reply_begin(&e->f, &w, RADIUS_ACCESS_REJECT);
	put_eap(&w, failure, sizeof(failure));
	assert_true(radius_put_str(&w, RADIUS_REPLY_MESSAGE, "certificate revoked"));
	/* FreeRADIUS adds this generic one too: the reason above wins. */
	static const char ms_err[] = "\x05" "E=691 R=0 M=Authentication rejected";
	radius_put_vsa(&w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_ERROR, ms_err,
		       sizeof(ms_err) - 1);
	send_wait(e, &w, 1);
	assert_int_equal(e->seen[0].verdict, AUTH_REJECT_BAD_CREDENTIALS);
	assert_int_equal(e->seen[0].win_error, 691);
	assert_int_equal(e->seen[0].eap_len, sizeof(failure));
	assert_memory_equal(e->seen[0].eap_msg, failure, sizeof(failure));
	assert_string_equal(e->seen[0].message, "certificate revoked");
	assert_false(e->seen[0].has_keys);
	assert_int_equal(auth_radius_eap_stats(e->b)->rejects, 1);
}

/* 39 Challenges then the Accept: every round goes through. */
static void eap_forty_rounds(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	uint8_t resp[64], chal[300];
	char st[32], prev[32] = "";

	start(e, true, 1000, 2);
	for (unsigned round = 1; round <= 40; round++) {
		eap_make(resp, sizeof(resp), EAP_CODE_RESPONSE, (uint8_t)round, EAP_TYPE_TLS);
		req_eap(&rq, 70, resp, sizeof(resp), prev, strlen(prev), round);
		submit_read(e, &rq);
		expect_eap_request(&e->f, resp, sizeof(resp), prev[0] ? prev : NULL);
		if (round < 40) {
			snprintf(st, sizeof(st), "round-%u", round);
			answer_challenge(&e->f, chal, sizeof(chal), (uint8_t)(round + 1), st);
			wait_for(e, round);
			expect_challenge(e, round - 1, chal, sizeof(chal), st);
			snprintf(prev, sizeof(prev), "%s", st);
			continue;
		}
		reply_begin(&e->f, &w, RADIUS_ACCESS_ACCEPT);
		put_v2_keys(&e->f, &w);
		send_wait(e, &w, 40);
	}
	assert_int_equal(e->seen[39].verdict, AUTH_ACCEPT);
	assert_true(e->seen[39].has_keys);
	assert_null(e->seen[39].eap_msg); /* no Success given: the link makes its own */
	assert_int_equal(auth_radius_eap_stats(e->b)->rounds, 40);
	assert_int_equal(auth_radius_eap_stats(e->b)->challenges, 39);
}

/* Run the backend until one of the two fakes has a datagram: its index. */
static int pump2(struct env *e, int budget_ms)
{
	struct radius_fake_peer peer = peer_of(e);
	struct radius_fake *both[2] = { &e->f, &e->f2 };
	return radius_fake_pump(&peer, both, 2, budget_ms);
}

/* The State belongs to the server that answered: once it has, the later
 * rounds go to it alone, and fail when it stops answering. */
static void eap_pinned_server_dies(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	struct radius_writer w;
	uint8_t resp[20], chal[50];

	e->two_servers = true;
	start(e, true, 100, 2);
	eap_make(resp, sizeof(resp), EAP_CODE_RESPONSE, 1, EAP_TYPE_IDENTITY);
	req_eap(&rq, 80, resp, sizeof(resp), NULL, 0, 1);
	submit(e, &rq);
	assert_int_equal(pump2(e, SAFETY_MS), 0);
	answer_challenge(&e->f, chal, sizeof(chal), 2, "held-by-one");
	wait_for(e, 1);
	assert_int_equal(e->seen[0].verdict, AUTH_CHALLENGE);

	/* Round 2: server one is gone; both tries go to it, none to two. */
	req_eap(&rq, 80, resp, sizeof(resp), e->seen[0].state, e->seen[0].state_len, 2);
	submit(e, &rq);
	assert_int_equal(pump2(e, SAFETY_MS), 0);
	assert_int_equal(pump2(e, SAFETY_MS), 0);
	assert_int_equal(pump2(e, SAFETY_MS), -2); /* the completion, nothing to two */
	assert_int_equal(e->nseen, 2);
	assert_int_equal(e->f.received, 3);
	assert_int_equal(e->f2.received, 0);
	assert_int_equal(e->seen[1].verdict, AUTH_REJECT_ERROR);
	assert_non_null(strstr(e->seen[1].message, "holding this EAP exchange"));
	assert_int_equal(auth_radius_eap_stats(e->b)->stranded, 1);
	assert_int_equal(auth_radius_eap_pinned(e->b), 0);

	/* A new exchange starts at server two (one is dead) and stays there. */
	req_eap(&rq, 81, resp, sizeof(resp), NULL, 0, 1);
	submit(e, &rq);
	assert_int_equal(pump2(e, SAFETY_MS), 1);
	answer_challenge(&e->f2, chal, sizeof(chal), 2, "held-by-two");
	wait_for(e, 3);
	assert_int_equal(e->seen[2].verdict, AUTH_CHALLENGE);
	req_eap(&rq, 81, resp, sizeof(resp), e->seen[2].state, e->seen[2].state_len, 2);
	submit(e, &rq);
	assert_int_equal(pump2(e, SAFETY_MS), 1);
	radius_fake_expect_text(&e->f2.p, RADIUS_STATE, "held-by-two");
	reply_begin(&e->f2, &w, RADIUS_ACCESS_ACCEPT);
	put_v2_keys(&e->f2, &w);
	fake_send(&e->f2, &w);
	wait_for(e, 4);
	assert_int_equal(e->seen[3].verdict, AUTH_ACCEPT);
	assert_int_equal(e->f.received, 3);

	/* A cancelled exchange lets go of its server. */
	req_eap(&rq, 82, resp, sizeof(resp), NULL, 0, 1);
	submit(e, &rq);
	assert_int_equal(pump2(e, SAFETY_MS), 1);
	answer_challenge(&e->f2, chal, sizeof(chal), 2, "x");
	wait_for(e, 5);
	assert_int_equal(auth_radius_eap_pinned(e->b), 1);
	auth_backend_cancel(e->b, (struct auth_session_ref){ 82, 3 });
	assert_int_equal(auth_radius_eap_pinned(e->b), 0);
}

/* Exchanges tied to their server are bounded by the queue: the least
 * recently answered one lets go first (its next round goes unpinned). */
static void eap_pins_bounded(void **state)
{
	struct env *e = *state;
	struct auth_request rq;
	uint8_t resp[20], chal[40];

	e->queue_max = 2;
	start(e, true, 1000, 2);
	eap_make(resp, sizeof(resp), EAP_CODE_RESPONSE, 1, EAP_TYPE_IDENTITY);
	for (uint32_t sid = 90; sid < 93; sid++) {
		req_eap(&rq, sid, resp, sizeof(resp), NULL, 0, 1);
		submit_read(e, &rq);
		answer_challenge(&e->f, chal, sizeof(chal), 2, "s");
		wait_for(e, sid - 89);
		assert_int_equal(e->seen[sid - 90].verdict, AUTH_CHALLENGE);
		assert_int_equal(auth_radius_eap_pinned(e->b), sid == 90 ? 1 : 2);
	}
	/* 90 was evicted: cancelling it changes nothing; 91 and 92 let go. */
	auth_backend_cancel(e->b, (struct auth_session_ref){ 90, 3 });
	assert_int_equal(auth_radius_eap_pinned(e->b), 2);
	auth_backend_cancel(e->b, (struct auth_session_ref){ 91, 3 });
	assert_int_equal(auth_radius_eap_pinned(e->b), 1);
	auth_backend_cancel(e->b, (struct auth_session_ref){ 92, 3 });
	assert_int_equal(auth_radius_eap_pinned(e->b), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(mschapv2_request_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(mschapv2_accept_with_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(framed_ip_nas_selects, setup, teardown),
		cmocka_unit_test_setup_teardown(every_class_within_bounds, setup, teardown),
		cmocka_unit_test(framed_route_parse),
		cmocka_unit_test(framed_ipv6_route_parse),
		cmocka_unit_test_setup_teardown(ipv6_accept_parsed, setup, teardown),
		cmocka_unit_test_setup_teardown(ipv6_malformed_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(accept_without_keys_or_success, setup, teardown),
		cmocka_unit_test_setup_teardown(accept_without_keys_mppe_optional, setup, teardown),
		cmocka_unit_test_setup_teardown(mppe_encryption_policy, setup, teardown),
		cmocka_unit_test_setup_teardown(rate_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(rejections, setup, teardown),
		cmocka_unit_test_setup_teardown(access_challenge_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(no_server_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(cancel_drops_completion, setup, teardown),
		cmocka_unit_test_setup_teardown(pap_password_hidden, setup, teardown),
		cmocka_unit_test_setup_teardown(chap_md5_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(mschapv1_request_and_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_full_is_busy, setup, teardown),
		cmocka_unit_test_setup_teardown(free_with_login_outstanding, setup, teardown),
		cmocka_unit_test_setup_teardown(eap_three_rounds, setup, teardown),
		cmocka_unit_test_setup_teardown(eap_reply_without_ma_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(eap_bad_challenges, setup, teardown),
		cmocka_unit_test_setup_teardown(eap_reject_with_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(eap_forty_rounds, setup, teardown),
		cmocka_unit_test_setup_teardown(eap_pinned_server_dies, setup, teardown),
		cmocka_unit_test_setup_teardown(eap_pins_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, crypto_group_setup, crypto_group_teardown);
}
