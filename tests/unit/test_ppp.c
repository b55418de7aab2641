/*
 * The PPP link (common/ppp/ppp.c): a server-role and a client-role link
 * wired back to back (tests/unit/support/ppp_pair.h), with a fake clock. The
 * server's credential check is done here from the user's NT hash
 * (mschapv2_verify, GenerateAuthenticatorResponse, mschapv2_start_keys), as
 * the auth backend would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/mschap.h"
#include "common/ppp/mppe.h"
#include "common/ppp/ppp.h"
#include "common/ppp/ppp_data.h"
#include "tests/unit/support/crypto_group.h"
#include "tests/unit/support/ppp_pair.h"

#define HEADROOM   16 /* what an owner reserves for its GRE and IP headers */
#define SRV_ADDR   0x0A000001u /* 10.0.0.1 */
#define PEER_ADDR  0x0A000064u /* 10.0.0.100 */
#define DNS_ADDR   0x0A000035u

struct net;

struct end {
	struct ppp_pair_end io;      /* its link, what it sent (ppp_pair.h) */
	struct net *net;
	struct ppp_config cfg;
	unsigned ndata, lose_data;   /* lose the lose_data'th MPPE frame it sends */
	unsigned lose_resets;        /* lose this many CCP Reset-Requests it sends */
	bool drop_ipcp;              /* its IPCP packets never arrive */
	/* events (ups, downs, cause, detail, ip: in io) */
	struct ppp_pair_frame rx[8];
	unsigned nrx;
	/* server: the request being checked */
	bool manual_auth, answer_inline, auth_pending;
	unsigned auth_requests, auth_cancels;
	struct chap_response_info req;
	uint8_t req_name[CHAP_NAME_MAX], req_challenge[16];
	bool req_pap, pap_ok;
	/* client: passwords for retries */
	const char *retry_pw;
	unsigned retries_left, retries;
};

struct net {
	struct ppp_pair p;           /* the wire between s and c, the clock */
	struct end s, c;
	uint8_t nt_hash[16]; /* the user's real password */
	uint32_t give_addr;
};

/* ---- ops ---- */

static bool is_data(const uint8_t *f, size_t len)
{
	if (len >= 2 && f[0] == 0xFF && f[1] == 0x03) {
		f += 2;
		len -= 2;
	}
	return (len >= 1 && f[0] == 0xFD) || (len >= 2 && f[0] == 0x00 && f[1] == 0xFD);
}

/* A CCP Reset-Request (protocol 80FD, code 14), with or without FF 03. */
static bool is_reset_request(const uint8_t *f, size_t len)
{
	if (len >= 2 && f[0] == 0xFF && f[1] == 0x03) {
		f += 2;
		len -= 2;
	}
	return len >= 3 && f[0] == 0x80 && f[1] == 0xFD && f[2] == 14;
}

static void e_send(void *owner, uint8_t *frame, size_t len)
{
	struct end *e = owner;

	struct ppp_pair_frame *f = ppp_pair_record(&e->io, HEADROOM, frame, len);
	if (is_data(frame, len) && ++e->ndata == e->lose_data)
		f->lost = true;
	size_t hl;
	if (e->drop_ipcp && ppp_pair_frame_proto(frame, len, &hl) == 0x8021)
		f->lost = true;
	if (e->lose_resets && is_reset_request(frame, len)) {
		e->lose_resets--;
		f->lost = true;
	}
}

static void answer(struct end *s);

static void e_auth_request(void *owner, const struct chap_response_info *chap,
			   const struct pap_request_info *pap)
{
	struct end *e = owner;

	assert_false(e->auth_pending);
	assert_true((chap == NULL) != (pap == NULL));
	e->auth_pending = true;
	e->auth_requests++;
	e->req_pap = pap != NULL;
	if (pap) {
		e->pap_ok = pap->password_len == 6 && memcmp(pap->password, "secret", 6) == 0;
		if (e->answer_inline)
			answer(e);
		return;
	}
	e->req = *chap;
	memcpy(e->req_name, chap->name, chap->name_len);
	assert_int_equal(chap->challenge_len, 16);
	memcpy(e->req_challenge, chap->challenge, 16);
	e->req.name = e->req_name;
	e->req.challenge = e->req_challenge;
	if (e->answer_inline)
		answer(e);
}

static void e_auth_cancel(void *owner)
{
	((struct end *)owner)->auth_cancels++;
}

static void e_ip_up(void *owner, const struct ppp_ip_info *info)
{
	struct end *e = owner;

	ppp_pair_ip_up(&e->io, info);
	assert_int_equal(e->io.ups, 1);
	assert_int_equal(ppp_phase(e->io.l), PPP_PHASE_RUNNING);
}

static void e_ip_rx(void *owner, uint8_t *pkt, size_t len)
{
	struct end *e = owner;

	assert_true(e->nrx < 8);
	memcpy(e->rx[e->nrx].b, pkt, len);
	e->rx[e->nrx++].len = len;
}

static void e_down(void *owner, enum ppp_cause cause, const char *detail)
{
	ppp_pair_down(&((struct end *)owner)->io, cause, detail);
}

static const char *e_auth_retry(void *owner, unsigned win_error)
{
	struct end *e = owner;

	assert_int_equal(win_error, 691);
	if (e->retries_left == 0)
		return NULL;
	e->retries_left--;
	e->retries++;
	return e->retry_pw;
}

/* The clients here have no EAP: a server that allows it falls back. */
static void e_eap_response(void *owner, const struct eap_packet_info *eap)
{
	(void)owner;
	(void)eap;
	fail_msg("no EAP Response expected from a client without EAP");
}

static const struct ppp_ops ops = {
	.eap_response = e_eap_response,
	.send = e_send,
	.auth_request = e_auth_request,
	.auth_cancel = e_auth_cancel,
	.ip_up = e_ip_up,
	.ip_rx = e_ip_rx,
	.down = e_down,
	.auth_retry = e_auth_retry,
};

/* The backend's work: check the MS-CHAPv2 response against the NT hash. */
static void answer(struct end *s)
{
	struct net *n = s->net;
	const struct chap_response_info *r = &s->req;
	struct ppp_auth_verdict v;
	char user[CHAP_NAME_MAX + 1];
	char resp[MSCHAP_AUTH_RESPONSE_LEN + 1];

	memset(&v, 0, sizeof(v));
	s->auth_pending = false;
	if (!s->req_pap) {
		memcpy(user, r->name, r->name_len);
		user[r->name_len] = '\0';
	}
	if (s->req_pap) {
		v.win_error = s->pap_ok ? 0 : 691;
		v.peer_addr = n->give_addr;
	} else if (r->algo == CHAP_MSCHAPV2 &&
	    mschapv2_verify(n->nt_hash, r->challenge, r->peer_challenge, user, r->name_len,
			    r->nt_response, NULL)) {
		GenerateAuthenticatorResponse(n->nt_hash, r->nt_response, r->peer_challenge,
					      r->challenge, user, r->name_len, resp);
		resp[MSCHAP_AUTH_RESPONSE_LEN] = '\0';
		v.auth_response = resp;
		v.have_keys = true;
		mschapv2_start_keys(MSCHAP_ROLE_SERVER, n->nt_hash, r->nt_response, v.send_key,
				v.recv_key);
		v.peer_addr = n->give_addr;
		v.message = "ok";
	} else {
		v.win_error = 691;
		v.message = "bad password";
	}
	ppp_auth_result(s->io.l, &v, n->p.now);
}

/* ---- the wire and the clock ---- */

/* The pump's turn: the server's owner answers a pending request. */
static bool turn(void *ctx)
{
	struct net *n = ctx;

	if (!n->s.auth_pending || n->s.manual_auth || n->s.io.downs != 0)
		return false;
	answer(&n->s);
	return true;
}

/* ---- set-up ---- */

static int setup(void **state)
{
	struct net *n = calloc(1, sizeof(*n));

	assert_non_null(n);
	ppp_pair_init(&n->p, &n->s.io, &n->c.io, 1000000, turn, n);
	n->give_addr = PEER_ADDR;
	assert_true(NtPasswordHash("secret", n->nt_hash));
	n->s.net = n->c.net = n;

	ppp_pair_config(&n->s.cfg, &n->c.cfg, HEADROOM, SRV_ADDR);
	n->s.cfg.dns[0] = DNS_ADDR;
	n->c.cfg.allow_mschapv1 = true;
	*state = n;
	return 0;
}

static int teardown(void **state)
{
	struct net *n = *state;

	ppp_pair_fini(&n->p);
	free(n);
	return 0;
}

static void start(struct net *n)
{
	ppp_pair_start(&n->p, &n->s.cfg, &ops, &n->s, &n->c.cfg, &ops, &n->c);
}

static void login(struct net *n)
{
	start(n);
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(n->s.io.ups, 1);
	assert_int_equal(n->c.io.ups, 1);
	assert_int_equal(n->s.io.downs + n->c.io.downs, 0);
}

/* A fake IPv4 packet of len octets; pkt has PPP_TX_HEADROOM + HEADROOM in front. */
struct ip_buf {
	uint8_t b[HEADROOM + PPP_TX_HEADROOM + 1500];
	uint8_t plain[1500];
	size_t len;
};

static uint8_t *ip_make(struct ip_buf *p, size_t len, uint8_t tag)
{
	uint8_t *pkt = p->b + HEADROOM + PPP_TX_HEADROOM;

	memset(p->b, 0, sizeof(p->b));
	pkt[0] = 0x45;
	for (size_t i = 1; i < len; i++)
		pkt[i] = (uint8_t)("the quick brown fox jumps"[i % 25] ^ tag);
	memcpy(p->plain, pkt, len);
	p->len = len;
	return pkt;
}

static bool send_ip(struct net *n, struct end *e, struct ip_buf *p, size_t len, uint8_t tag)
{
	uint8_t *pkt = ip_make(p, len, tag);
	return ppp_send_ip(e->io.l, pkt, len, n->p.now);
}

static void inject(struct net *n, struct end *to, const uint8_t *frame, size_t len)
{
	uint8_t buf[PPP_FRAME_MAX];

	memcpy(buf, frame, len);
	ppp_input(to->io.l, buf, len, n->p.now);
}

/* The index of the last frame e sent starting with prefix, or -1. */
static long find_sent(const struct end *e, const uint8_t *prefix, size_t plen)
{
	for (size_t i = e->io.nsent; i-- > 0;)
		if (e->io.sent[i].len >= plen && memcmp(e->io.sent[i].b, prefix, plen) == 0)
			return (long)i;
	return -1;
}

static size_t count_sent(const struct end *e, const uint8_t *prefix, size_t plen)
{
	size_t k = 0;
	for (size_t i = 0; i < e->io.nsent; i++)
		if (e->io.sent[i].len >= plen && memcmp(e->io.sent[i].b, prefix, plen) == 0)
			k++;
	return k;
}

static bool contains(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t nlen)
{
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return true;
	return false;
}

/* ---- tests ---- */

static void exchange_ip(struct net *n)
{
	struct ip_buf p;
	unsigned s_rx = n->s.nrx, c_rx = n->c.nrx;

	/* client -> server */
	assert_true(send_ip(n, &n->c, &p, 200, 1));
	const struct ppp_pair_frame *w = &n->c.io.sent[n->c.io.nsent - 1];
	assert_true(is_data(w->b, w->len));
	assert_false(contains(w->b, w->len, p.plain + 8, 32)); /* encrypted on the wire */
	ppp_pair_pump(&n->p);
	assert_int_equal(n->s.nrx, s_rx + 1);
	assert_int_equal(n->s.rx[s_rx].len, 200);
	assert_memory_equal(n->s.rx[s_rx].b, p.plain, 200);

	/* server -> client */
	assert_true(send_ip(n, &n->s, &p, 1000, 2));
	w = &n->s.io.sent[n->s.io.nsent - 1];
	assert_true(is_data(w->b, w->len));
	assert_false(contains(w->b, w->len, p.plain + 8, 32));
	ppp_pair_pump(&n->p);
	assert_int_equal(n->c.nrx, c_rx + 1);
	assert_int_equal(n->c.rx[c_rx].len, 1000);
	assert_memory_equal(n->c.rx[c_rx].b, p.plain, 1000);
}

static void login_mppe128_stateless(void **state)
{
	struct net *n = *state;

	login(n);
	assert_int_equal(n->s.io.ip.peer_addr, PEER_ADDR);
	assert_int_equal(n->s.io.ip.local_addr, SRV_ADDR);
	assert_int_equal(n->c.io.ip.local_addr, PEER_ADDR);
	assert_int_equal(n->c.io.ip.peer_addr, SRV_ADDR);
	assert_int_equal(n->c.io.ip.dns[0], DNS_ADDR);
	assert_int_equal(n->s.io.ip.mppe_bits, 128);
	assert_int_equal(n->c.io.ip.mppe_bits, 128);
	assert_false(n->s.io.ip.mppe_stateful);
	assert_false(n->c.io.ip.mppe_stateful);
	assert_int_equal(n->s.io.ip.peer_mru, 1400);
	assert_int_equal(n->s.io.ip.ip_mtu, 1400 - 4);
	assert_string_equal(ppp_peer_name(n->s.io.l), "alice");
	assert_string_equal(ppp_peer_name(n->c.io.l), "");
	assert_int_equal(n->s.auth_requests, 1);
	exchange_ip(n);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_ip_packets, 1);
	assert_int_equal(ppp_stats(n->s.io.l)->tx_ip_packets, 1);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_bad_frames, 0);
	/* Nothing is due but nothing runs either: no keepalive configured. */
	assert_true(ppp_next_deadline(n->s.io.l) == UINT64_MAX);
}

/* Control frames are built on the stack with the owner's headroom in
 * front: ppp_new() takes at most PPP_HEADROOM_MAX, and a login with that
 * much works (the ops write into the headroom of every frame). */
static void headroom_at_most_max(void **state)
{
	struct net *n = *state;

	n->s.cfg.headroom = PPP_HEADROOM_MAX + 1;
	assert_null(ppp_new(&n->s.cfg, &ops, &n->s));
	n->s.cfg.headroom = n->c.cfg.headroom = PPP_HEADROOM_MAX;
	login(n);
}

/* ppp_data_export() (a data-path worker takes the link's data state):
 * while moved, the link carries no data (counted) but its state does, in
 * the counts the link left off at, both ways; restored, the link goes on
 * from where the moved state stopped. A stateful link is not exported. */
static void data_moved_and_back(void **state)
{
	struct net *n = *state;
	struct ip_buf p;
	struct ppp_data d;
	uint8_t *ip;
	size_t iplen;

	login(n);
	exchange_ip(n);
	assert_true(ppp_data_export(n->s.io.l, &d));
	assert_true(d.mppe);
	struct ppp_data again;
	assert_false(ppp_data_export(n->s.io.l, &again)); /* once */
	/* The link refuses data and MPPE frames while its state is away. */
	uint64_t dropped = ppp_stats(n->s.io.l)->tx_dropped;
	assert_false(send_ip(n, &n->s, &p, 300, 3));
	assert_int_equal(ppp_stats(n->s.io.l)->tx_dropped, dropped + 1);
	for (unsigned k = 0; k < 5; k++) {
		/* client -> the moved state, in the link's place */
		assert_true(send_ip(n, &n->c, &p, 200 + k, (uint8_t)(4 + k)));
		const struct ppp_pair_frame *w = &n->c.io.sent[n->c.io.nsent - 1];
		uint8_t frame[PPP_FRAME_MAX];
		memcpy(frame, w->b, w->len);
		n->c.io.nsent--; /* it goes to d, not to the server's link */
		assert_int_equal(ppp_data_unwrap(&d, frame, w->len, n->p.now, &ip, &iplen),
				 PPP_DATA_IPV4);
		assert_int_equal(iplen, 200 + k);
		assert_memory_equal(ip, p.plain, 200 + k);
		/* the moved state -> client */
		unsigned c_rx = n->c.nrx;
		uint8_t *pkt = ip_make(&p, 300 + k, (uint8_t)(9 + k));
		size_t len = 300 + k;
		uint8_t *f = ppp_data_wrap(&d.tx, d.pfc, d.acfc, 0x0021, pkt, &len);
		inject(n, &n->c, f, len);
		assert_int_equal(n->c.nrx, c_rx + 1);
		assert_memory_equal(n->c.rx[c_rx].b, p.plain, 300 + k);
	}
	uint64_t mppe_dropped = ppp_stats(n->s.io.l)->rx_mppe_dropped;
	assert_true(send_ip(n, &n->c, &p, 100, 20));
	ppp_pair_pump(&n->p); /* an MPPE frame to the link itself: dropped */
	assert_int_equal(ppp_stats(n->s.io.l)->rx_mppe_dropped, mppe_dropped + 1);
	ppp_data_restore(n->s.io.l, &d);
	exchange_ip(n); /* the counts went on while away: the client still follows */
	assert_int_equal(n->s.io.downs + n->c.io.downs, 0);
}

static void stateful_not_exported(void **state)
{
	struct net *n = *state;
	struct ppp_data d;

	n->s.cfg.mppe_stateless = false;
	n->s.cfg.mppe_stateful = true;
	n->c.cfg.mppe_stateless = false;
	n->c.cfg.mppe_stateful = true;
	login(n);
	assert_false(ppp_data_export(n->s.io.l, &d));
	exchange_ip(n); /* nothing moved */
}

static void login_mppe_stateful_inline_auth(void **state)
{
	struct net *n = *state;

	n->s.cfg.mppe_stateless = false;
	n->s.cfg.mppe_stateful = true;
	n->c.cfg.mppe_stateless = false;
	n->c.cfg.mppe_stateful = true;
	n->s.answer_inline = true; /* ppp_auth_result from inside auth_request */
	login(n);
	assert_true(n->s.io.ip.mppe_stateful);
	assert_true(n->c.io.ip.mppe_stateful);
	assert_int_equal(n->s.io.ip.mppe_bits, 128);
	exchange_ip(n);
	exchange_ip(n);
}

static void acfc_pfc_applied(void **state)
{
	struct net *n = *state;
	static const uint8_t lcp[] = { 0xFF, 0x03, 0xC0, 0x21 };
	static const uint8_t lcp_bare[] = { 0xC0, 0x21 };
	static const uint8_t ipcp_full[] = { 0xFF, 0x03, 0x80, 0x21 };
	static const uint8_t ipcp[] = { 0x80, 0x21 };
	static const uint8_t ccp[] = { 0x80, 0xFD };
	struct ip_buf p;

	login(n);
	for (int i = 0; i < 2; i++) {
		const struct end *e = i ? &n->c : &n->s;
		/* LCP always in full; NCPs (all sent after LCP is up) without FF 03. */
		assert_true(count_sent(e, lcp, sizeof(lcp)) > 0);
		assert_int_equal(count_sent(e, lcp_bare, sizeof(lcp_bare)), 0);
		assert_int_equal(count_sent(e, ipcp_full, sizeof(ipcp_full)), 0);
		assert_true(count_sent(e, ipcp, sizeof(ipcp)) > 0);
		assert_true(count_sent(e, ccp, sizeof(ccp)) > 0);
	}
	/* Data: outer protocol 0x00FD compressed to FD, no FF 03. */
	assert_true(send_ip(n, &n->c, &p, 60, 3));
	assert_int_equal(n->c.io.sent[n->c.io.nsent - 1].b[0], 0xFD);
	assert_int_equal(n->c.io.sent[n->c.io.nsent - 1].len, 1 + MPPE_HDR_LEN + 1 + 60);
	ppp_pair_pump(&n->p);
	assert_int_equal(n->s.nrx, 1);
	assert_memory_equal(n->s.rx[0].b, p.plain, 60);
}

static void plain_ip_without_mppe(void **state)
{
	struct net *n = *state;
	struct ip_buf p;

	n->s.cfg.mppe_required = n->c.cfg.mppe_required = false;
	n->s.cfg.mppe_128 = n->c.cfg.mppe_128 = false;
	login(n);
	assert_int_equal(n->s.io.ip.mppe_bits, 0);
	assert_int_equal(n->s.io.ip.ip_mtu, 1400);
	/* PFC and ACFC: a bare 21 */
	assert_true(send_ip(n, &n->c, &p, 40, 4));
	assert_int_equal(n->c.io.sent[n->c.io.nsent - 1].b[0], 0x21);
	assert_int_equal(n->c.io.sent[n->c.io.nsent - 1].len, 41);
	ppp_pair_pump(&n->p);
	assert_int_equal(n->s.nrx, 1);
	assert_memory_equal(n->s.rx[0].b, p.plain, 40);
	/* Either framing is accepted from the peer. */
	uint8_t f[64] = { 0xFF, 0x03, 0x00, 0x21 };
	memcpy(f + 4, p.plain, 40);
	inject(n, &n->s, f, 44);
	assert_int_equal(n->s.nrx, 2);
	assert_memory_equal(n->s.rx[1].b, p.plain, 40);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_bad_frames, 0);
}

static void windows_sends_ipcp_before_ccp(void **state)
{
	struct net *n = *state;
	/* IPCP Configure-Request, IP-Address 0.0.0.0, ACFC'd as Windows does */
	static const uint8_t ipcp_req[] = { 0x80, 0x21, 0x01, 0x07, 0x00, 0x0A,
					    0x03, 0x06, 0x00, 0x00, 0x00, 0x00 };

	n->s.manual_auth = true;
	start(n);
	ppp_pair_run_for(&n->p, 1000);
	assert_true(n->s.auth_pending);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_AUTHENTICATE);
	answer(&n->s); /* Success, then CCP and IPCP requests are queued */
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_NETWORK);
	inject(n, &n->s, ipcp_req, sizeof(ipcp_req));
	inject(n, &n->s, ipcp_req, sizeof(ipcp_req));
	assert_int_equal(ppp_stats(n->s.io.l)->rx_held_ipcp, 2);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_NETWORK);
	assert_int_equal(n->s.io.downs, 0);
	ppp_pair_run_for(&n->p, 100); /* the held request is answered when MPPE is up */
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_RUNNING);
	exchange_ip(n);
}

/* IPCP waits for MPPE, and what the peer sent early is replayed: the login
 * completes without waiting for any restart timer (3 s). */
static void login_needs_no_restart_timer(void **state)
{
	struct net *n = *state;

	start(n);
	ppp_pair_run_for(&n->p, 100);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_RUNNING);
	exchange_ip(n);
}

static void wrong_password_no_retry(void **state)
{
	struct net *n = *state;

	n->c.cfg.password = "wrong";
	start(n);
	ppp_pair_run_for(&n->p, 30000);
	assert_int_equal(n->c.io.downs, 1);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_AUTH_FAILED);
	/* The server offered a retry; the client hung up instead. */
	assert_int_equal(n->s.io.downs, 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_AUTH_FAILED);
	assert_int_equal(n->s.auth_requests, 1);
	assert_int_equal(n->s.io.ups + n->c.io.ups, 0);
	assert_string_equal(ppp_peer_name(n->s.io.l), "");
}

static void wrong_password_retries_used_up(void **state)
{
	struct net *n = *state;

	n->s.cfg.auth_max_attempts = 2;
	n->c.cfg.password = "wrong";
	n->c.retry_pw = "still wrong";
	n->c.retries_left = 5;
	start(n);
	ppp_pair_run_for(&n->p, 30000);
	assert_int_equal(n->s.auth_requests, 2);
	assert_int_equal(n->c.retries, 1); /* the final Failure says R=0 */
	assert_int_equal(n->s.io.cause, PPP_CAUSE_AUTH_FAILED);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_AUTH_FAILED);
	assert_true(ppp_next_deadline(n->s.io.l) == UINT64_MAX);
}

static void retry_with_right_password(void **state)
{
	struct net *n = *state;

	n->c.cfg.password = "wrong";
	n->c.retry_pw = "secret";
	n->c.retries_left = 1;
	login(n);
	assert_int_equal(n->s.auth_requests, 2);
	assert_int_equal(n->c.retries, 1);
	exchange_ip(n);
}

static void no_address(void **state)
{
	struct net *n = *state;
	static const uint8_t chap_success[] = { 0xC2, 0x23, 0x03 }; /* ACFC agreed */
	static const uint8_t term_req[] = { 0xFF, 0x03, 0xC0, 0x21, 0x05 };

	n->give_addr = 0;
	start(n);
	ppp_pair_run_for(&n->p, 30000);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_NO_ADDRESS);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_PEER_TERMINATE);
	/* Success first, then the Terminate-Request */
	long ok = find_sent(&n->s, chap_success, sizeof(chap_success));
	long term = find_sent(&n->s, term_req, sizeof(term_req));
	assert_true(ok >= 0);
	assert_true(term > ok);
	assert_int_equal(n->s.io.ups + n->c.io.ups, 0);
	assert_int_equal(n->s.auth_cancels, 0);
}

/* The last control packet of protocol proto and code `code` e sent: its
 * offset past the protocol field, or -1. */
static long last_ctl(const struct end *e, uint16_t proto, uint8_t code, size_t *at)
{
	for (size_t i = e->io.nsent; i-- > 0;) {
		size_t hl;
		const struct ppp_pair_frame *f = &e->io.sent[i];
		if (ppp_pair_frame_proto(f->b, f->len, &hl) == proto && hl < f->len &&
		    f->b[hl] == code) {
			*at = hl;
			return (long)i;
		}
	}
	return -1;
}

static size_t count_ctl(const struct end *e, uint16_t proto, uint8_t code)
{
	size_t k = 0;
	for (size_t i = 0; i < e->io.nsent; i++) {
		size_t hl;
		const struct ppp_pair_frame *f = &e->io.sent[i];
		if (ppp_pair_frame_proto(f->b, f->len, &hl) == proto && hl < f->len &&
		    f->b[hl] == code)
			k++;
	}
	return k;
}

/* Issue 10 item 11a: a client that never takes the address it is Naked.
 * The server's IPCP request is acknowledged (so one Ack of ours would open
 * IPCP); after Max-Failure Naks the link ends with no-address instead of
 * running without one. */
static void ipcp_address_never_taken_ends_link(void **state)
{
	struct net *n = *state;
	uint8_t req[] = { 0x80, 0x21, 0x01, 0x00, 0x00, 0x0A, 0x81, 0x06, 0, 0, 0, 0 };
	uint8_t ack[64];
	size_t at = 0;

	n->c.drop_ipcp = true; /* the test speaks IPCP for the client */
	start(n);
	ppp_pair_run_for(&n->p, 2000);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_NETWORK);
	long i = last_ctl(&n->s, 0x8021, PPP_CONF_REQ, &at);
	assert_true(i >= 0);
	const struct ppp_pair_frame *f = &n->s.io.sent[i];
	ack[0] = 0x80;
	ack[1] = 0x21;
	memcpy(ack + 2, f->b + at, f->len - at);
	ack[2] = PPP_CONF_ACK;
	inject(n, &n->s, ack, 2 + f->len - at);
	for (uint8_t id = 1; id <= 5; id++) {
		req[3] = id;
		inject(n, &n->s, req, sizeof(req));
		assert_int_equal(count_ctl(&n->s, 0x8021, PPP_CONF_NAK), id);
	}
	assert_int_equal(n->s.io.downs, 0);
	req[3] = 6;
	inject(n, &n->s, req, sizeof(req));
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(count_ctl(&n->s, 0x8021, PPP_CONF_ACK), 0);
	assert_int_equal(count_ctl(&n->s, 0x8021, PPP_CONF_REJ), 0);
	assert_int_equal(n->s.io.downs, 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_NO_ADDRESS);
	assert_string_equal(n->s.io.detail, "peer would not take its address");
	assert_int_equal(n->s.io.ups, 0);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_PEER_TERMINATE);
}

/* Issue 10 item 5: one injected CCP Configure-Request while MPPE runs. It
 * is not answered (no CCP Configure-Request or Ack goes out), and the link
 * ends with ccp-renegotiated: MPPE never restarts from the same keys. */
static void ccp_renegotiation_ends_link(void **state)
{
	struct net *n = *state;
	static const uint8_t creq[] = { 0x80, 0xFD, 0x01, 0x77, 0x00, 0x0A,
					0x12, 0x06, 0x01, 0x00, 0x00, 0x40 };
	struct ip_buf p;

	login(n);
	exchange_ip(n);
	size_t reqs = count_ctl(&n->s, 0x80FD, PPP_CONF_REQ);
	size_t acks = count_ctl(&n->s, 0x80FD, PPP_CONF_ACK);
	inject(n, &n->s, creq, sizeof(creq));
	assert_int_equal(count_ctl(&n->s, 0x80FD, PPP_CONF_REQ), reqs);
	assert_int_equal(count_ctl(&n->s, 0x80FD, PPP_CONF_ACK), acks);
	assert_int_not_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_false(send_ip(n, &n->s, &p, 100, 9)); /* nothing is encrypted again */
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_CCP_RENEGOTIATED);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_PEER_TERMINATE);
	assert_int_equal(n->s.io.ups, 1);
}

/* CCP leaving Opened some other way (a Terminate-Request) ends the link
 * too; Reset-Request/Ack do not (stateful_loss_resets). */
static void ccp_terminate_request_ends_link(void **state)
{
	struct net *n = *state;
	static const uint8_t treq[] = { 0x80, 0xFD, 0x05, 0x78, 0x00, 0x04 };

	login(n);
	inject(n, &n->s, treq, sizeof(treq));
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_CCP_RENEGOTIATED);
	assert_int_equal(n->s.io.ups, 1);
}

/* Issue 10 item 3 at the link: frames whose coherency count jumps past the
 * bound are dropped and counted while good frames keep flowing; kept up
 * for MPPE_ABUSE_MS the link ends with mppe-abuse. */
static void mppe_count_jumps_end_link(void **state)
{
	struct net *n = *state;
	struct ip_buf p;
	uint8_t f[PPP_FRAME_MAX];
	size_t hl;

	login(n);
	assert_true(send_ip(n, &n->c, &p, 120, 3));
	ppp_pair_pump(&n->p);
	unsigned refused = 0;
	uint64_t t0 = n->p.now;
	while (ppp_phase(n->s.io.l) == PPP_PHASE_RUNNING && refused < 100) {
		/* the client's newest data frame, far ahead of where it is */
		size_t k = n->c.io.nsent;
		while (k-- > 0 && !is_data(n->c.io.sent[k].b, n->c.io.sent[k].len))
			;
		const struct ppp_pair_frame *w = &n->c.io.sent[k];
		assert_int_equal(ppp_pair_frame_proto(w->b, w->len, &hl), 0x00FD);
		size_t flen = w->len;
		memcpy(f, w->b, flen);
		unsigned cc = (mppe_ccount(f + hl) + MPPE_CCOUNT_SPACE / 2) % MPPE_CCOUNT_SPACE;
		f[hl] = (uint8_t)((f[hl] & 0xF0) | cc >> 8);
		f[hl + 1] = (uint8_t)cc;
		inject(n, &n->s, f, flen);
		refused++;
		assert_int_equal(ppp_stats(n->s.io.l)->rx_mppe_refused, refused);
		if (ppp_phase(n->s.io.l) == PPP_PHASE_RUNNING && refused % 4 == 0)
			exchange_ip(n); /* the real traffic still gets through */
		n->p.now += 250;
	}
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_MPPE_ABUSE);
	assert_true(n->p.now - t0 >= MPPE_ABUSE_MS);
	assert_int_equal(refused, MPPE_ABUSE_MS / 250 + 1);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_PEER_TERMINATE);
}

static void client_refuses_mppe(void **state)
{
	struct net *n = *state;
	static const uint8_t term_req[] = { 0xFF, 0x03, 0xC0, 0x21, 0x05 };

	n->c.cfg.mppe_required = false;
	n->c.cfg.mppe_128 = false; /* the client runs no CCP: it Protocol-Rejects it */
	start(n);
	ppp_pair_run_for(&n->p, 30000);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_ENCRYPTION_REFUSED);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_PEER_TERMINATE);
	assert_true(ppp_stats(n->c.io.l)->rx_proto_rejected >= 1);
	long t = find_sent(&n->s, term_req, sizeof(term_req));
	assert_true(t >= 0);
	const struct ppp_pair_frame *f = &n->s.io.sent[t];
	uint16_t len = load_be16(f->b + 6);
	assert_true(len > 4);
	assert_true(contains(f->b + 8, len - 4u, (const uint8_t *)"encryption", 10));
	assert_int_equal(n->s.io.ups + n->c.io.ups, 0);
}

static void unknown_protocol_rejected(void **state)
{
	struct net *n = *state;
	/* IPv6CP Configure-Request, no options */
	static const uint8_t ipv6cp[] = { 0xFF, 0x03, 0x80, 0x57, 0x01, 0x05, 0x00, 0x04 };
	static const uint8_t prot_rej[] = { 0xFF, 0x03, 0xC0, 0x21, 0x08 };

	login(n);
	inject(n, &n->s, ipv6cp, sizeof(ipv6cp));
	assert_int_equal(ppp_stats(n->s.io.l)->rx_proto_rejected, 1);
	long i = find_sent(&n->s, prot_rej, sizeof(prot_rej));
	assert_true(i >= 0);
	const struct ppp_pair_frame *f = &n->s.io.sent[i];
	assert_int_equal(load_be16(f->b + 6), 4 + 2 + 4);
	assert_int_equal(load_be16(f->b + 8), 0x8057);
	assert_memory_equal(f->b + 10, ipv6cp + 4, 4);
	ppp_pair_pump(&n->p);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_RUNNING);
}

static void plain_ip_dropped_while_mppe_up(void **state)
{
	struct net *n = *state;
	uint8_t f[64] = { 0x00, 0x21, 0x45 };

	login(n);
	inject(n, &n->s, f, 40);
	f[0] = 0x21; /* compressed protocol field too */
	f[1] = 0x45;
	inject(n, &n->s, f, 40);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_unencrypted, 2);
	assert_int_equal(n->s.nrx, 0);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	exchange_ip(n);
}

static void keepalive_detects_dead_peer(void **state)
{
	struct net *n = *state;
	static const uint8_t echo_req[] = { 0xFF, 0x03, 0xC0, 0x21, 0x09 };
	static const uint8_t echo_rep[] = { 0xFF, 0x03, 0xC0, 0x21, 0x0A };

	n->s.cfg.echo_interval_s = 10;
	n->s.cfg.echo_failures = 3;
	login(n);
	assert_true(ppp_next_deadline(n->s.io.l) <= n->p.now + 10000);
	ppp_pair_run_for(&n->p, 60000);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_true(count_sent(&n->s, echo_req, sizeof(echo_req)) >= 5);
	assert_true(count_sent(&n->c, echo_rep, sizeof(echo_rep)) >= 5);

	n->c.io.mute = true;
	ppp_pair_run_for(&n->p, 25000);
	assert_int_equal(n->s.io.downs, 0);
	ppp_pair_run_for(&n->p, 60000);
	assert_int_equal(n->s.io.downs, 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_KEEPALIVE);
	assert_true(ppp_next_deadline(n->s.io.l) == UINT64_MAX);
}

static void server_close_ends_both(void **state)
{
	struct net *n = *state;
	static const uint8_t term_req[] = { 0xFF, 0x03, 0xC0, 0x21, 0x05 };
	struct ip_buf p;

	login(n);
	ppp_close(n->s.io.l, PPP_CAUSE_ADMIN, "stopped by admin", n->p.now);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_TERMINATE);
	assert_false(send_ip(n, &n->s, &p, 40, 5));
	assert_int_equal(ppp_stats(n->s.io.l)->tx_dropped, 1);
	long t = find_sent(&n->s, term_req, sizeof(term_req));
	assert_true(t >= 0);
	assert_true(contains(n->s.io.sent[t].b, n->s.io.sent[t].len,
			     (const uint8_t *)"stopped by admin", 16));
	ppp_pair_run_for(&n->p, 30000);
	assert_int_equal(n->s.io.downs, 1);
	assert_int_equal(n->c.io.downs, 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_ADMIN);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_PEER_TERMINATE);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_DEAD);
	/* A second close after down changes nothing. */
	ppp_close(n->s.io.l, PPP_CAUSE_SHUTDOWN, "again", n->p.now);
	assert_int_equal(n->s.io.downs, 1);
}

static void lower_down_is_immediate(void **state)
{
	struct net *n = *state;

	n->s.manual_auth = true;
	start(n);
	ppp_pair_run_for(&n->p, 1000);
	assert_true(n->s.auth_pending);
	size_t sent = n->s.io.nsent;
	ppp_lower_down(n->s.io.l, PPP_CAUSE_LOWER_DOWN, n->p.now);
	assert_int_equal(n->s.io.downs, 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_LOWER_DOWN);
	assert_int_equal(n->s.auth_cancels, 1); /* the backend request is dropped */
	assert_int_equal(n->s.io.nsent, sent);
	answer(&n->s); /* a late verdict is ignored */
	assert_int_equal(n->s.io.nsent, sent);
}

static void framing_before_negotiation(void **state)
{
	struct net *n = *state;
	/* LCP Configure-Request with a magic number, without and with FF 03 */
	uint8_t req[] = { 0xC0, 0x21, 0x01, 0x01, 0x00, 0x0A, 0x05, 0x06, 0x12, 0x34, 0x56, 0x78 };
	uint8_t req_full[] = { 0xFF, 0x03, 0xC0, 0x21, 0x01, 0x02, 0x00, 0x0A,
			       0x05, 0x06, 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t ack1[] = { 0xFF, 0x03, 0xC0, 0x21, 0x02, 0x01 };
	static const uint8_t ack2[] = { 0xFF, 0x03, 0xC0, 0x21, 0x02, 0x02 };
	/* compressed protocol fields: IPv4 (21), MPPE (FD), IPv6 (57) */
	static const uint8_t ip1[] = { 0x21, 0x45, 0x00, 0x00, 0x14 };
	static const uint8_t comp1[] = { 0xFD, 0x90, 0x00, 0x11, 0x22 };
	static const uint8_t ccp_early[] = { 0x80, 0xFD, 0x01, 0x01, 0x00, 0x04 };

	n->s.io.l = ppp_new(&n->s.cfg, &ops, &n->s);
	assert_non_null(n->s.io.l);
	ppp_start(n->s.io.l, n->p.now);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_ESTABLISH);
	inject(n, &n->s, req, sizeof(req));
	assert_true(find_sent(&n->s, ack1, sizeof(ack1)) >= 0);
	inject(n, &n->s, req_full, sizeof(req_full));
	assert_true(find_sent(&n->s, ack2, sizeof(ack2)) >= 0);
	inject(n, &n->s, ip1, sizeof(ip1));
	inject(n, &n->s, comp1, sizeof(comp1));
	inject(n, &n->s, ccp_early, sizeof(ccp_early));
	const struct ppp_stats *st = ppp_stats(n->s.io.l);
	assert_int_equal(st->rx_bad_frames, 0);
	assert_int_equal(st->rx_unencrypted, 1); /* MPPE is required: never in the clear */
	assert_int_equal(st->rx_mppe_dropped, 1);
	assert_int_equal(st->rx_dropped, 1);
	assert_int_equal(st->rx_proto_rejected, 0); /* LCP not open yet */

	/* Malformed: one octet, FF 03 alone, FF alone, bad control, even protocol */
	static const uint8_t one[] = { 0xC0 };
	static const uint8_t ac[] = { 0xFF, 0x03 };
	static const uint8_t ff[] = { 0xFF };
	static const uint8_t badctl[] = { 0xFF, 0x05, 0xC0, 0x21, 0x01 };
	static const uint8_t even[] = { 0xC0, 0x20, 0x01, 0x01, 0x00, 0x04 };
	inject(n, &n->s, one, sizeof(one));
	inject(n, &n->s, ac, sizeof(ac));
	inject(n, &n->s, ff, sizeof(ff));
	inject(n, &n->s, badctl, sizeof(badctl));
	inject(n, &n->s, even, sizeof(even));
	ppp_input(n->s.io.l, NULL, 0, n->p.now);
	assert_int_equal(st->rx_bad_frames, 6);
	assert_int_equal(st->rx_frames, 11);
	assert_int_equal(n->s.io.downs, 0);
}

static void stateful_loss_resets(void **state)
{
	struct net *n = *state;
	struct ip_buf p;
	uint8_t last[1500];

	n->s.cfg.mppe_stateless = false;
	n->s.cfg.mppe_stateful = true;
	n->c.cfg.mppe_stateless = false;
	n->c.cfg.mppe_stateful = true;
	login(n);
	n->c.lose_data = 2;
	for (uint8_t i = 1; i <= 3; i++) {
		assert_true(send_ip(n, &n->c, &p, 100, i));
		ppp_pair_pump(&n->p);
	}
	/* 1 arrived, 2 was lost, 3 revealed the loss: Reset-Request sent */
	assert_int_equal(n->s.nrx, 1);
	const struct ppp_stats *st = ppp_stats(n->s.io.l);
	assert_int_equal(st->mppe_resets, 1);
	assert_true(st->rx_mppe_dropped >= 1);
	/* The client flushed on the Reset-Request: the next packet gets through. */
	assert_true(send_ip(n, &n->c, &p, 100, 4));
	memcpy(last, p.plain, 100);
	ppp_pair_pump(&n->p);
	assert_int_equal(n->s.nrx, 2);
	assert_memory_equal(n->s.rx[1].b, last, 100);
	assert_int_equal(st->mppe_resets, 1);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	exchange_ip(n);
}

/* The Reset-Request itself is lost: while discarding, the receiver asks
 * again (at most every 500 ms) until the flushed packet comes. */
static void stateful_lost_reset_request_is_repeated(void **state)
{
	struct net *n = *state;
	struct ip_buf p;
	uint8_t last[1500];

	n->s.cfg.mppe_stateless = false;
	n->s.cfg.mppe_stateful = true;
	n->c.cfg.mppe_stateless = false;
	n->c.cfg.mppe_stateful = true;
	login(n);
	n->c.lose_data = 2;
	n->s.lose_resets = 1;
	for (uint8_t i = 1; i <= 3; i++) {
		assert_true(send_ip(n, &n->c, &p, 100, i));
		ppp_pair_pump(&n->p);
	}
	const struct ppp_stats *st = ppp_stats(n->s.io.l);
	assert_int_equal(n->s.nrx, 1);
	assert_int_equal(st->mppe_resets, 1); /* sent, and lost */
	/* Within the repeat interval: discarded, no second request yet. */
	n->p.now += 100;
	assert_true(send_ip(n, &n->c, &p, 100, 4));
	ppp_pair_pump(&n->p);
	assert_int_equal(n->s.nrx, 1);
	assert_int_equal(st->mppe_resets, 1);
	/* Later: the next discarded packet brings a second Reset-Request, the
	 * client flushes, and traffic flows again. */
	n->p.now += 500;
	assert_true(send_ip(n, &n->c, &p, 100, 5));
	ppp_pair_pump(&n->p);
	assert_int_equal(st->mppe_resets, 2);
	assert_true(send_ip(n, &n->c, &p, 100, 6));
	memcpy(last, p.plain, 100);
	ppp_pair_pump(&n->p);
	assert_int_equal(n->s.nrx, 2);
	assert_memory_equal(n->s.rx[1].b, last, 100);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
}

static void auth_timeout_cancels_backend(void **state)
{
	struct net *n = *state;

	n->s.manual_auth = true;
	start(n);
	ppp_pair_run_for(&n->p, 60000);
	assert_int_equal(n->s.auth_requests, 1);
	assert_int_equal(n->s.io.downs, 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_AUTH_TIMEOUT);
	assert_int_equal(n->s.auth_cancels, 1);
}

/* Once running, the CHAP/PAP state is gone (freed, issue 13): a late
 * Response or Authenticate-Request is dropped and counted, the link and
 * its data carry on. */
static void auth_state_gone_once_running(void **state)
{
	static const uint8_t chap_resp[] = { 0xC2, 0x23, 0x02, 0x01, 0x00, 0x06, 0x01, 0xAA };
	static const uint8_t pap_req[] = { 0xC0, 0x23, 0x01, 0x01, 0x00, 0x06, 0x00, 0x00 };
	struct net *n = *state;

	login(n);
	uint64_t dropped = ppp_stats(n->s.io.l)->rx_dropped;
	size_t sent = n->s.io.nsent;
	inject(n, &n->s, chap_resp, sizeof(chap_resp));
	inject(n, &n->s, pap_req, sizeof(pap_req));
	assert_int_equal(ppp_stats(n->s.io.l)->rx_dropped, dropped + 2);
	assert_int_equal(n->s.io.nsent, sent); /* no second Success */
	assert_int_equal(n->s.auth_requests, 1);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_string_equal(ppp_peer_name(n->s.io.l), "alice");
	exchange_ip(n);
	ppp_pair_run_for(&n->p, 60000);
	assert_int_equal(n->s.io.downs + n->c.io.downs, 0);
}

/* The configured names are copied to their length, at most CHAP_NAME_MAX
 * bytes each: one more is refused, the longest allowed logs in. */
static void name_lengths_bounded(void **state)
{
	struct net *n = *state;
	static char host[CHAP_NAME_MAX + 2];

	memset(host, 'h', CHAP_NAME_MAX + 1);
	host[CHAP_NAME_MAX + 1] = '\0';
	n->s.cfg.host_name = host;
	assert_null(ppp_new(&n->s.cfg, &ops, &n->s));
	host[CHAP_NAME_MAX] = '\0';
	login(n);
	assert_string_equal(ppp_peer_name(n->s.io.l), "alice");
	exchange_ip(n);
}

static void pap_without_mppe(void **state)
{
	struct net *n = *state;

	n->s.cfg.allow_mschapv2 = false;
	n->s.cfg.allow_pap = true;
	n->c.cfg.allow_pap = true;
	n->s.cfg.mppe_required = n->c.cfg.mppe_required = false;
	n->s.cfg.mppe_128 = n->c.cfg.mppe_128 = false;
	n->s.answer_inline = true;
	login(n);
	assert_string_equal(ppp_peer_name(n->s.io.l), "alice");
	assert_int_equal(n->s.io.ip.mppe_bits, 0);
}

static void pap_cannot_give_mppe_keys(void **state)
{
	struct net *n = *state;

	n->s.cfg.allow_mschapv2 = false;
	n->s.cfg.allow_pap = true;
	n->c.cfg.allow_pap = true;
	start(n);
	ppp_pair_run_for(&n->p, 30000);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_ENCRYPTION_REFUSED);
	assert_int_equal(n->s.io.ups + n->c.io.ups, 0);
}

/* A server that asks for EAP first (eap yes) and a client without EAP
 * (pppd with refuse-eap, Windows set to MS-CHAPv2): the client's Nak
 * brings MS-CHAPv2 and the login completes as before. */
static void eap_refused_falls_back_to_mschapv2(void **state)
{
	struct net *n = *state;
	static const uint8_t eap_opt[] = { 0x03, 0x04, 0xC2, 0x27 };

	n->s.cfg.allow_eap = true;
	login(n);
	assert_int_equal(n->s.auth_requests, 1);
	assert_string_equal(ppp_peer_name(n->s.io.l), "alice");
	/* the first LCP request asked for EAP, the client Naked it */
	size_t at = 0;
	long i = -1;
	for (size_t k = 0; k < n->s.io.nsent && i < 0; k++) {
		size_t hl;
		if (ppp_pair_frame_proto(n->s.io.sent[k].b, n->s.io.sent[k].len, &hl) == 0xC021 &&
		    n->s.io.sent[k].b[hl] == PPP_CONF_REQ) {
			i = (long)k;
			at = hl;
		}
	}
	assert_true(i >= 0);
	const struct ppp_pair_frame *f = &n->s.io.sent[i];
	assert_true(contains(f->b + at, f->len - at, eap_opt, sizeof(eap_opt)));
	assert_true(count_ctl(&n->c, 0xC021, PPP_CONF_NAK) >= 1);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_eap_dropped, 0);
	exchange_ip(n);
}

/* require-eap: the same client is refused: LCP ends with no acceptable
 * authentication protocol, nothing reaches the backend. */
static void require_eap_refused_ends_link(void **state)
{
	struct net *n = *state;

	n->s.cfg.allow_eap = true;
	n->s.cfg.require_eap = true;
	start(n);
	ppp_pair_run_for(&n->p, 30000);
	assert_int_equal(n->s.io.downs, 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_LCP_FAILED);
	assert_string_equal(n->s.io.detail, "no acceptable authentication protocol");
	assert_int_equal(n->s.auth_requests, 0);
	assert_int_equal(n->s.io.ups + n->c.io.ups, 0);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(ppp_cause_name(PPP_CAUSE_KEEPALIVE), "keepalive");
	assert_string_equal(ppp_cause_name(PPP_CAUSE_ENCRYPTION_REFUSED), "encryption-refused");
	assert_string_equal(ppp_cause_name(PPP_CAUSE_MPPE_ABUSE), "mppe-abuse");
	assert_string_equal(ppp_cause_name(PPP_CAUSE_CCP_RENEGOTIATED), "ccp-renegotiated");
	assert_string_equal(ppp_phase_name(PPP_PHASE_RUNNING), "running");
}

/* ---- IPv6: IPV6CP beside IPCP, IPv6 frames through MPPE ---- */

#define V6_SRV_IID  0x0000000000000001ull
#define V6_SUGGEST  0x02005efffe000042ull
#define V6_TAKEN    0x1111222233334444ull

/* What the IPv6 ops saw, per end (index 0: server, 1: client). */
struct v6_end {
	bool silent;                 /* its IPV6CP packets never arrive */
	unsigned ups, downs, nrx;
	struct ppp_ipv6_info info;
	struct ppp_pair_frame rx[4];
};
static struct v6_end v6_ends[2];

static struct v6_end *v6_of(void *owner)
{
	struct end *e = owner;
	return &v6_ends[e == &e->net->s ? 0 : 1];
}

static bool e_ipv6_iid_ok(void *owner, uint64_t iid)
{
	(void)owner;
	return iid != V6_TAKEN;
}

static void e_ipv6_up(void *owner, const struct ppp_ipv6_info *info)
{
	struct v6_end *v = v6_of(owner);

	v->ups++;
	assert_int_equal(ppp_phase(((struct end *)owner)->io.l), PPP_PHASE_RUNNING);
	v->info = *info;
}

static void e_ipv6_down(void *owner)
{
	v6_of(owner)->downs++;
}

static void e_ipv6_rx(void *owner, uint8_t *pkt, size_t len)
{
	struct v6_end *v = v6_of(owner);

	assert_true(v->nrx < 4);
	memcpy(v->rx[v->nrx].b, pkt, len);
	v->rx[v->nrx++].len = len;
}

static void e6_send(void *owner, uint8_t *frame, size_t len)
{
	struct end *e = owner;
	size_t hl;

	e_send(owner, frame, len);
	if (v6_of(owner)->silent && ppp_pair_frame_proto(frame, len, &hl) == PPP_PROTO_IPV6CP)
		e->io.sent[e->io.nsent - 1].lost = true;
}

static const struct ppp_ops ops6 = {
	.send = e6_send,
	.auth_request = e_auth_request,
	.auth_cancel = e_auth_cancel,
	.ip_up = e_ip_up,
	.ip_rx = e_ip_rx,
	.down = e_down,
	.auth_retry = e_auth_retry,
	.ipv6_iid_ok = e_ipv6_iid_ok,
	.ipv6_up = e_ipv6_up,
	.ipv6_down = e_ipv6_down,
	.ipv6_rx = e_ipv6_rx,
};

/* Both ends allow IPv6; the server has its identifier and a suggestion. */
static int setup6(void **state)
{
	int r = setup(state);
	struct net *n = *state;

	memset(v6_ends, 0, sizeof(v6_ends));
	n->s.cfg.allow_ipv6 = true;
	n->s.cfg.ipv6_local_iid = V6_SRV_IID;
	n->s.cfg.ipv6_peer_iid = V6_SUGGEST;
	n->c.cfg.allow_ipv6 = true;
	return r;
}

/* As login(), with the IPv6 ops: IPv4 is RUNNING whatever IPV6CP does. */
static void login6(struct net *n)
{
	ppp_pair_start(&n->p, &n->s.cfg, &ops6, &n->s, &n->c.cfg, &ops6, &n->c);
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(n->s.io.ups, 1);
	assert_int_equal(n->c.io.ups, 1);
	assert_int_equal(n->s.io.downs + n->c.io.downs, 0);
}

/* A fake IPv6 packet (version 6) of len octets, sent by e. */
static bool send_ipv6(struct net *n, struct end *e, struct ip_buf *p, size_t len, uint8_t tag)
{
	uint8_t *pkt = ip_make(p, len, tag);

	pkt[0] = p->plain[0] = 0x60;
	return ppp_send_ipv6(e->io.l, pkt, len, n->p.now);
}

static void exchange_ipv6(struct net *n)
{
	struct ip_buf p;
	unsigned s_rx = v6_ends[0].nrx, c_rx = v6_ends[1].nrx;
	const struct ppp_pair_frame *w;

	assert_true(send_ipv6(n, &n->c, &p, 120, 3));
	w = &n->c.io.sent[n->c.io.nsent - 1];
	assert_true(is_data(w->b, w->len)); /* inside MPPE (0x00FD) */
	assert_false(contains(w->b, w->len, p.plain + 8, 32));
	ppp_pair_pump(&n->p);
	assert_int_equal(v6_ends[0].nrx, s_rx + 1);
	assert_int_equal(v6_ends[0].rx[s_rx].len, 120);
	assert_memory_equal(v6_ends[0].rx[s_rx].b, p.plain, 120);

	assert_true(send_ipv6(n, &n->s, &p, 1280, 4));
	w = &n->s.io.sent[n->s.io.nsent - 1];
	assert_true(is_data(w->b, w->len));
	assert_false(contains(w->b, w->len, p.plain + 8, 32));
	ppp_pair_pump(&n->p);
	assert_int_equal(v6_ends[1].nrx, c_rx + 1);
	assert_int_equal(v6_ends[1].rx[c_rx].len, 1280);
	assert_memory_equal(v6_ends[1].rx[c_rx].b, p.plain, 1280);
}

/* IPCP and IPV6CP back to back; the client asks with 0 and gets the
 * owner's identifier; IPv6 and IPv4 both ways through MPPE. */
static void ipv6_both_ways_through_mppe(void **state)
{
	struct net *n = *state;

	login6(n);
	assert_int_equal(v6_ends[0].ups, 1);
	assert_int_equal(v6_ends[1].ups, 1);
	assert_true(ppp_ipv6_is_up(n->s.io.l));
	assert_int_equal(v6_ends[0].info.local_iid, V6_SRV_IID);
	assert_int_equal(v6_ends[0].info.peer_iid, V6_SUGGEST);
	assert_int_equal(v6_ends[0].info.mppe_bits, 128);
	assert_int_equal(v6_ends[0].info.ip_mtu, n->s.io.ip.ip_mtu);
	assert_int_equal(v6_ends[1].info.local_iid, V6_SUGGEST);
	assert_int_equal(v6_ends[1].info.peer_iid, V6_SRV_IID);
	exchange_ipv6(n);
	exchange_ip(n);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_ipv6_packets, 1);
	assert_int_equal(ppp_stats(n->s.io.l)->tx_ipv6_packets, 1);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_ip_packets, 1);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_proto_rejected, 0);
	/* plain IPv6 while MPPE is up: dropped and counted */
	uint8_t f[48] = { 0x00, 0x57, 0x60 };
	inject(n, &n->s, f, sizeof(f));
	assert_int_equal(ppp_stats(n->s.io.l)->rx_unencrypted, 1);
	assert_int_equal(v6_ends[0].nrx, 1);
}

/* A client whose identifier is the server's, or one another session has
 * (ops->ipv6_iid_ok), ends up with the owner's. */
static void ipv6_colliding_and_taken_iid(void **state)
{
	struct net *n = *state;
	const uint64_t asked[2] = { V6_SRV_IID, V6_TAKEN };

	for (int i = 0; i < 2; i++) {
		if (i) {
			teardown(state);
			setup6(state);
			n = *state;
		}
		n->c.cfg.ipv6_local_iid = asked[i];
		login6(n);
		assert_int_equal(v6_ends[0].ups, 1);
		assert_int_equal(v6_ends[0].info.peer_iid, V6_SUGGEST);
		assert_int_equal(v6_ends[1].info.local_iid, V6_SUGGEST);
		exchange_ipv6(n);
	}
}

/* The client does not run IPv6: it Protocol-Rejects 0x8057; the server
 * stops IPV6CP and IPv4 goes on; no IPv6 is sent. */
static void ipv6cp_protocol_rejected_ipv4_stays(void **state)
{
	struct net *n = *state;
	struct ip_buf p;

	n->c.cfg.allow_ipv6 = false;
	login6(n);
	assert_true(ppp_stats(n->c.io.l)->rx_proto_rejected >= 1);
	assert_int_equal(v6_ends[0].ups, 0);
	assert_false(ppp_ipv6_is_up(n->s.io.l));
	assert_true(ppp_next_deadline(n->s.io.l) == UINT64_MAX); /* no IPV6CP timer left */
	assert_false(send_ipv6(n, &n->s, &p, 100, 5));
	exchange_ip(n);
	ppp_pair_run_for(&n->p, 60000); /* nothing retransmits IPV6CP, nothing ends */
	assert_int_equal(n->s.io.downs + n->c.io.downs, 0);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
}

/* The peer closes IPV6CP (Terminate-Request) once it is up: ipv6_down,
 * no IPv6 any more, IPv4 goes on. */
static void ipv6cp_closed_by_peer_ipv4_stays(void **state)
{
	struct net *n = *state;
	struct ip_buf p;
	static const uint8_t term[] = { 0xFF, 0x03, 0x80, 0x57, 0x05, 0x77, 0x00, 0x04 };

	login6(n);
	assert_int_equal(v6_ends[0].ups, 1);
	inject(n, &n->s, term, sizeof(term));
	assert_int_equal(v6_ends[0].downs, 1);
	assert_false(ppp_ipv6_is_up(n->s.io.l));
	assert_false(send_ipv6(n, &n->s, &p, 100, 6));
	ppp_pair_run_for(&n->p, 20000);
	assert_int_equal(n->s.io.downs + n->c.io.downs, 0);
	exchange_ip(n);
}

/* The client's IPV6CP never answers: the server's IPV6CP gives up after
 * Max-Configure, the link stays up on IPv4 and no IPV6CP timer is left. */
static void ipv6cp_unanswered_ipv4_stays(void **state)
{
	struct net *n = *state;

	v6_ends[1].silent = true;
	login6(n);
	ppp_pair_run_for(&n->p, 120000);
	assert_int_equal(v6_ends[0].ups, 0);
	assert_true(n->s.io.l != NULL);
	assert_int_equal(n->s.io.downs + n->c.io.downs, 0);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_true(ppp_next_deadline(n->s.io.l) == UINT64_MAX);
	exchange_ip(n);
}

/* The server has no identifier to suggest and the client asks with 0:
 * the option is Rejected, never agreed; IPV6CP does not come up on the
 * server without the peer's identifier, and the link stays. */
static void ipv6_without_peer_iid_never_up(void **state)
{
	struct net *n = *state;

	n->s.cfg.ipv6_peer_iid = 0;
	login6(n);
	ppp_pair_run_for(&n->p, 30000);
	assert_int_equal(v6_ends[0].ups, 0);
	assert_false(ppp_ipv6_is_up(n->s.io.l));
	assert_int_equal(n->s.io.downs + n->c.io.downs, 0);
	exchange_ip(n);
}

/* Server without an identifier of its own: IPV6CP is not run (Protocol-
 * Rejected as before), whatever allow_ipv6 says. */
static void ipv6_server_without_iid_rejects(void **state)
{
	struct net *n = *state;

	n->s.cfg.ipv6_local_iid = 0;
	login6(n);
	assert_true(ppp_stats(n->s.io.l)->rx_proto_rejected >= 1);
	assert_int_equal(v6_ends[0].ups + v6_ends[1].ups, 0);
	exchange_ip(n);
}

/* IPV6CP waits for MPPE like IPCP, and what the peer sent early is held
 * and replayed (as windows_sends_ipcp_before_ccp): IPv6 comes up without
 * waiting for any restart timer (3 s). */
static void ipv6cp_before_ccp_held(void **state)
{
	struct net *n = *state;
	/* IPV6CP Configure-Request, Interface-Identifier, ACFC'd */
	static const uint8_t req[] = { 0x80, 0x57, 0x01, 0x07, 0x00, 0x0E, 0x01, 0x0A,
				       0x1c, 0x2b, 0x3a, 0x49, 0x58, 0x67, 0x76, 0x85 };

	n->s.manual_auth = true;
	n->s.io.l = ppp_new(&n->s.cfg, &ops6, &n->s);
	n->c.io.l = ppp_new(&n->c.cfg, &ops6, &n->c);
	ppp_start(n->s.io.l, n->p.now);
	ppp_start(n->c.io.l, n->p.now);
	ppp_pair_run_for(&n->p, 1000);
	assert_true(n->s.auth_pending);
	answer(&n->s);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_NETWORK);
	inject(n, &n->s, req, sizeof(req));
	inject(n, &n->s, req, sizeof(req));
	assert_int_equal(ppp_stats(n->s.io.l)->rx_held_ipv6cp, 2);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_proto_rejected, 0);
	ppp_pair_run_for(&n->p, 100);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_true(v6_ends[0].ups >= 1);
	assert_true(v6_ends[1].ups >= 1);
	assert_true(ppp_ipv6_is_up(n->s.io.l));
	assert_int_equal(v6_ends[0].info.peer_iid, v6_ends[1].info.local_iid);
	exchange_ipv6(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(login_mppe128_stateless, setup, teardown),
		cmocka_unit_test_setup_teardown(data_moved_and_back, setup, teardown),
		cmocka_unit_test_setup_teardown(stateful_not_exported, setup, teardown),
		cmocka_unit_test_setup_teardown(headroom_at_most_max, setup, teardown),
		cmocka_unit_test_setup_teardown(login_mppe_stateful_inline_auth, setup, teardown),
		cmocka_unit_test_setup_teardown(acfc_pfc_applied, setup, teardown),
		cmocka_unit_test_setup_teardown(plain_ip_without_mppe, setup, teardown),
		cmocka_unit_test_setup_teardown(windows_sends_ipcp_before_ccp, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_password_no_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(wrong_password_retries_used_up, setup, teardown),
		cmocka_unit_test_setup_teardown(retry_with_right_password, setup, teardown),
		cmocka_unit_test_setup_teardown(no_address, setup, teardown),
		cmocka_unit_test_setup_teardown(client_refuses_mppe, setup, teardown),
		cmocka_unit_test_setup_teardown(ipcp_address_never_taken_ends_link, setup, teardown),
		cmocka_unit_test_setup_teardown(ccp_renegotiation_ends_link, setup, teardown),
		cmocka_unit_test_setup_teardown(ccp_terminate_request_ends_link, setup, teardown),
		cmocka_unit_test_setup_teardown(mppe_count_jumps_end_link, setup, teardown),
		cmocka_unit_test_setup_teardown(unknown_protocol_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(plain_ip_dropped_while_mppe_up, setup, teardown),
		cmocka_unit_test_setup_teardown(keepalive_detects_dead_peer, setup, teardown),
		cmocka_unit_test_setup_teardown(server_close_ends_both, setup, teardown),
		cmocka_unit_test_setup_teardown(lower_down_is_immediate, setup, teardown),
		cmocka_unit_test_setup_teardown(framing_before_negotiation, setup, teardown),
		cmocka_unit_test_setup_teardown(stateful_loss_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(stateful_lost_reset_request_is_repeated, setup, teardown),
		cmocka_unit_test_setup_teardown(login_needs_no_restart_timer, setup, teardown),
		cmocka_unit_test_setup_teardown(auth_timeout_cancels_backend, setup, teardown),
		cmocka_unit_test_setup_teardown(auth_state_gone_once_running, setup, teardown),
		cmocka_unit_test_setup_teardown(name_lengths_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(pap_without_mppe, setup, teardown),
		cmocka_unit_test_setup_teardown(pap_cannot_give_mppe_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(eap_refused_falls_back_to_mschapv2, setup, teardown),
		cmocka_unit_test_setup_teardown(require_eap_refused_ends_link, setup, teardown),
		cmocka_unit_test(names),
		cmocka_unit_test_setup_teardown(ipv6_both_ways_through_mppe, setup6, teardown),
		cmocka_unit_test_setup_teardown(ipv6_colliding_and_taken_iid, setup6, teardown),
		cmocka_unit_test_setup_teardown(ipv6cp_protocol_rejected_ipv4_stays, setup6, teardown),
		cmocka_unit_test_setup_teardown(ipv6cp_closed_by_peer_ipv4_stays, setup6, teardown),
		cmocka_unit_test_setup_teardown(ipv6cp_unanswered_ipv4_stays, setup6, teardown),
		cmocka_unit_test_setup_teardown(ipv6_without_peer_iid_never_up, setup6, teardown),
		cmocka_unit_test_setup_teardown(ipv6_server_without_iid_rejects, setup6, teardown),
		cmocka_unit_test_setup_teardown(ipv6cp_before_ccp_held, setup6, teardown),
	};
	return cmocka_run_group_tests(tests, crypto_group_setup, NULL);
}
