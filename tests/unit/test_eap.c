/*
 * EAP on the PPP link (common/ppp/eap.c through ppp.c): a server-role link
 * relaying to a fake RADIUS owner and a client-role link with a trivial
 * method, wired back to back (tests/unit/support/ppp_pair.h) with a fake
 * clock.
 *
 * The method ("echo", type EAP_TYPE_MD5 here): the Request carries 16
 * challenge octets, the Response returns each XOR the password octet; the
 * MPPE start keys both ends use after Success are the last challenge XOR
 * 0x11 (server send) and XOR 0x22 (server receive).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/ppp/eap.h"
#include "common/ppp/ppp.h"
#include "tests/unit/support/crypto_group.h"
#include "tests/unit/support/ppp_pair.h"

#define HEADROOM   16
#define SRV_ADDR   0x0A000001u
#define PEER_ADDR  0x0A000064u
#define CHAL_LEN   16
#define PW_OCTET   0x5A

struct net;

struct end {
	struct ppp_pair_end io;      /* its link, what it sent (ppp_pair.h) */
	struct net *net;
	struct ppp_config cfg;
	bool drop_eap;               /* its EAP packets never arrive */
	uint8_t rx[2][1500];         /* ups, downs, cause, detail, ip: in io */
	size_t rx_len[2];
	unsigned nrx;
	/* server owner: the fake RADIUS */
	bool manual, pending, inline_answer;
	unsigned responses, cancels, auth_requests;
	uint8_t resp[EAP_PACKET_MAX];
	size_t resp_len;
	unsigned resp_round;
	uint8_t resp_id, resp_type;
	char identity[64];
	uint8_t chal[CHAL_LEN];
	uint8_t req_id;              /* Identifier of the owner's last Request */
	unsigned method_rounds;      /* echo rounds before the verdict */
	unsigned echo_done;
	bool reject, no_keys, own_verdict_pkt, wrong_verdict_pkt;
	/* client owner: the method */
	unsigned method_calls;
	int method_ret;              /* 1: answer; 0, -1 as returned */
	uint8_t last_chal[CHAL_LEN];
	bool keys_given;
	uint32_t rng;                /* e_random's state: one per end */
};

struct net {
	struct ppp_pair p;           /* the wire between s and c, the clock */
	struct end s, c;
};

/* ---- frames ---- */

/* The k-th EAP packet (from the end when k < 0) e sent: its bytes. */
static const uint8_t *eap_sent(const struct end *e, long k, size_t *len)
{
	long seen = 0;

	for (size_t j = 0; j < e->io.nsent; j++) {
		size_t i = k < 0 ? e->io.nsent - 1 - j : j;
		size_t hl;
		if (ppp_pair_frame_proto(e->io.sent[i].b, e->io.sent[i].len, &hl) != PPP_PROTO_EAP)
			continue;
		if (seen++ == (k < 0 ? -k - 1 : k)) {
			*len = e->io.sent[i].len - hl;
			return e->io.sent[i].b + hl;
		}
	}
	return NULL;
}

static size_t count_eap(const struct end *e, uint8_t code)
{
	size_t k = 0;

	for (size_t i = 0; i < e->io.nsent; i++) {
		const struct ppp_pair_frame *f = &e->io.sent[i];
		size_t hl;
		if (ppp_pair_frame_proto(f->b, f->len, &hl) == PPP_PROTO_EAP && hl < f->len &&
		    f->b[hl] == code)
			k++;
	}
	return k;
}

/* ---- ops ---- */

static void e_send(void *owner, uint8_t *frame, size_t len)
{
	struct end *e = owner;

	struct ppp_pair_frame *f = ppp_pair_record(&e->io, HEADROOM, frame, len);
	size_t hl;
	f->lost = e->drop_eap && ppp_pair_frame_proto(frame, len, &hl) == PPP_PROTO_EAP;
}

static void e_auth_request(void *owner, const struct chap_response_info *chap,
			   const struct pap_request_info *pap)
{
	(void)chap;
	(void)pap;
	((struct end *)owner)->auth_requests++;
}

static void srv_answer(struct end *s);

static void e_eap_response(void *owner, const struct eap_packet_info *eap)
{
	struct end *s = owner;

	assert_false(s->pending);
	assert_true(eap->len <= sizeof(s->resp));
	assert_int_equal(load_be16(eap->pkt + 2), eap->len);
	assert_int_equal(eap->pkt[0], EAP_CODE_RESPONSE);
	assert_int_equal(eap->pkt[1], eap->id);
	assert_int_equal(eap->pkt[4], eap->type);
	s->pending = true;
	s->responses++;
	memcpy(s->resp, eap->pkt, eap->len);
	s->resp_len = eap->len;
	s->resp_round = eap->round;
	s->resp_id = eap->id;
	s->resp_type = eap->type;
	if (eap->round == 1) {
		assert_non_null(eap->identity);
		assert_true(eap->identity_len < sizeof(s->identity));
		memcpy(s->identity, eap->identity, eap->identity_len);
		s->identity[eap->identity_len] = '\0';
	} else {
		assert_null(eap->identity);
	}
	if (s->inline_answer)
		srv_answer(s);
}

static void e_auth_cancel(void *owner)
{
	((struct end *)owner)->cancels++;
}

static void e_ip_up(void *owner, const struct ppp_ip_info *info)
{
	ppp_pair_ip_up(&((struct end *)owner)->io, info);
}

static void e_ip_rx(void *owner, uint8_t *pkt, size_t len)
{
	struct end *e = owner;

	assert_true(e->nrx < 2 && len <= sizeof(e->rx[0]));
	memcpy(e->rx[e->nrx], pkt, len);
	e->rx_len[e->nrx++] = len;
}

static void e_down(void *owner, enum ppp_cause cause, const char *detail)
{
	ppp_pair_down(&((struct end *)owner)->io, cause, detail);
}

/* The client's method: echo the challenge XOR the password octet. */
static int e_eap_method(void *owner, const uint8_t *req, size_t len, uint8_t *resp, size_t cap)
{
	struct end *c = owner;

	c->method_calls++;
	assert_true(cap >= EAP_HDR_LEN + 2 + CHAL_LEN);
	if (c->method_ret <= 0)
		return c->method_ret;
	if (len != EAP_HDR_LEN + 2 + CHAL_LEN || req[4] != EAP_TYPE_MD5 || req[5] != CHAL_LEN)
		return -1;
	memcpy(c->last_chal, req + 6, CHAL_LEN);
	resp[0] = EAP_CODE_RESPONSE;
	resp[1] = req[1];
	store_be16(resp + 2, EAP_HDR_LEN + 2 + CHAL_LEN);
	resp[4] = EAP_TYPE_MD5;
	resp[5] = CHAL_LEN;
	for (int i = 0; i < CHAL_LEN; i++)
		resp[6 + i] = req[6 + i] ^ PW_OCTET;
	return EAP_HDR_LEN + 2 + CHAL_LEN;
}

static bool e_eap_keys(void *owner, uint8_t send_key[16], uint8_t recv_key[16])
{
	struct end *c = owner;

	c->keys_given = true;
	for (int i = 0; i < 16; i++) {
		send_key[i] = c->last_chal[i] ^ 0x22; /* client send = server receive */
		recv_key[i] = c->last_chal[i] ^ 0x11;
	}
	return true;
}

/* Deterministic random bytes, a different stream per end (the LCP magic
 * numbers must differ). The server's Identity Request then has the same
 * Identifier every run: the client tests below inject Requests with
 * Identifiers 0x40..0x50 as new ones, which a random Identifier that
 * happened to be equal would turn into retransmissions (client_answers
 * checks it is outside that range). */
static bool e_random(void *owner, void *buf, size_t len)
{
	struct end *e = owner;
	uint8_t *b = buf;

	for (size_t i = 0; i < len; i++) {
		e->rng = e->rng * 1103515245u + 12345u;
		b[i] = (uint8_t)(e->rng >> 16);
	}
	return true;
}

static const struct ppp_ops ops = {
	.random = e_random,
	.send = e_send,
	.auth_request = e_auth_request,
	.auth_cancel = e_auth_cancel,
	.ip_up = e_ip_up,
	.ip_rx = e_ip_rx,
	.down = e_down,
	.eap_response = e_eap_response,
	.eap_method = e_eap_method,
	.eap_keys = e_eap_keys,
};

/* A client without a method of its own (Naks every method). */
static const struct ppp_ops ops_no_method = {
	.send = e_send,
	.ip_up = e_ip_up,
	.ip_rx = e_ip_rx,
	.down = e_down,
};

/* ---- the fake RADIUS ---- */

static void srv_request(struct end *s)
{
	uint8_t req[EAP_HDR_LEN + 2 + CHAL_LEN];

	for (int i = 0; i < CHAL_LEN; i++)
		s->chal[i] = (uint8_t)(s->echo_done * 31 + i * 7 + 1);
	s->req_id = (uint8_t)(s->resp_id + 1);
	req[0] = EAP_CODE_REQUEST;
	req[1] = s->req_id;
	store_be16(req + 2, sizeof(req));
	req[4] = EAP_TYPE_MD5;
	req[5] = CHAL_LEN;
	memcpy(req + 6, s->chal, CHAL_LEN);
	s->pending = false;
	ppp_eap_request(s->io.l, req, sizeof(req), s->net->p.now);
}

static void srv_verdict(struct end *s, bool accept)
{
	struct ppp_auth_verdict v;
	uint8_t pkt[EAP_HDR_LEN] = { accept ? EAP_CODE_SUCCESS : EAP_CODE_FAILURE, s->resp_id, 0,
				     EAP_HDR_LEN };

	memset(&v, 0, sizeof(v));
	v.win_error = accept ? 0 : 691;
	v.message = accept ? "ok" : "refused";
	if (!s->own_verdict_pkt) {
		if (s->wrong_verdict_pkt)
			pkt[0] = accept ? EAP_CODE_FAILURE : EAP_CODE_SUCCESS;
		v.eap_pkt = pkt;
		v.eap_len = sizeof(pkt);
	}
	if (accept) {
		v.peer_addr = PEER_ADDR;
		v.have_keys = !s->no_keys;
		for (int i = 0; i < 16; i++) {
			v.send_key[i] = s->chal[i] ^ 0x11;
			v.recv_key[i] = s->chal[i] ^ 0x22;
		}
	}
	s->pending = false;
	ppp_auth_result(s->io.l, &v, s->net->p.now);
}

static void srv_answer(struct end *s)
{
	if (s->resp_round == 1) {
		srv_request(s);
		return;
	}
	bool ok = s->resp_len == EAP_HDR_LEN + 2 + CHAL_LEN && s->resp_type == EAP_TYPE_MD5;
	for (int i = 0; ok && i < CHAL_LEN; i++)
		ok = s->resp[6 + i] == (s->chal[i] ^ PW_OCTET);
	if (!ok || s->reject) {
		srv_verdict(s, false);
		return;
	}
	if (++s->echo_done < s->method_rounds) {
		srv_request(s);
		return;
	}
	srv_verdict(s, true);
}

/* ---- the wire and the clock ---- */

/* The pump's turn: the fake RADIUS answers a pending Response. */
static bool turn(void *ctx)
{
	struct net *n = ctx;

	if (!n->s.pending || n->s.manual || n->s.io.downs != 0)
		return false;
	srv_answer(&n->s);
	return true;
}

static void inject(struct net *n, struct end *to, const uint8_t *eap, size_t len)
{
	uint8_t buf[PPP_FRAME_MAX];

	assert_true(len + 4 <= sizeof(buf));
	buf[0] = 0xFF;
	buf[1] = 0x03;
	buf[2] = 0xC2;
	buf[3] = 0x27;
	memcpy(buf + 4, eap, len);
	ppp_input(to->io.l, buf, len + 4, n->p.now);
}

/* ---- set-up ---- */

static int setup(void **state)
{
	struct net *n = calloc(1, sizeof(*n));

	assert_non_null(n);
	ppp_pair_init(&n->p, &n->s.io, &n->c.io, 1000000, turn, n);
	n->s.net = n->c.net = n;
	n->s.method_rounds = 3;
	n->c.method_ret = 1;
	n->s.rng = 1;
	n->c.rng = 2;

	ppp_pair_config(&n->s.cfg, &n->c.cfg, HEADROOM, SRV_ADDR);
	n->s.cfg.allow_eap = true;
	n->c.cfg.allow_eap = true;
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

static void start_with(struct net *n, const struct ppp_ops *cops)
{
	ppp_pair_start(&n->p, &n->s.cfg, &ops, &n->s, &n->c.cfg, cops, &n->c);
}

static void start(struct net *n)
{
	start_with(n, &ops);
}

/* Both links up to the point where the server holds the Identity
 * Response; then the client is muted and the test speaks for it. */
static void to_identity(struct net *n)
{
	n->s.manual = true;
	start(n);
	ppp_pair_run_for(&n->p, 100);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_AUTHENTICATE);
	assert_true(n->s.pending);
	assert_int_equal(n->s.resp_round, 1);
	n->c.io.mute = true;
}

struct ip_buf {
	uint8_t b[HEADROOM + PPP_TX_HEADROOM + 1500];
	uint8_t plain[1500];
};

static void send_and_check(struct net *n, struct end *from, struct end *to, size_t len,
			   uint8_t tag)
{
	struct ip_buf p;
	uint8_t *pkt = p.b + HEADROOM + PPP_TX_HEADROOM;
	unsigned before = to->nrx;

	pkt[0] = 0x45;
	for (size_t i = 1; i < len; i++)
		pkt[i] = (uint8_t)(i * 13 + tag);
	memcpy(p.plain, pkt, len);
	assert_true(ppp_send_ip(from->io.l, pkt, len, n->p.now));
	const struct ppp_pair_frame *w = &from->io.sent[from->io.nsent - 1];
	assert_null(memmem(w->b, w->len, p.plain + 8, 32)); /* encrypted */
	ppp_pair_pump(&n->p);
	assert_int_equal(to->nrx, before + 1);
	assert_int_equal(to->rx_len[before], len);
	assert_memory_equal(to->rx[before], p.plain, len);
}

/* ---- tests ---- */

/* A full EAP login: Identity, three echo rounds relayed by the owner, the
 * RADIUS Success sent as it is, keys from both owners, IPCP up and MPPE
 * working both ways. */
static void eap_login_back_to_back(void **state)
{
	struct net *n = *state;
	size_t len = 0;

	start(n);
	ppp_pair_run_for(&n->p, 1000);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(n->s.io.ups + n->c.io.ups, 2);
	assert_int_equal(n->s.responses, 4); /* Identity + 3 echo rounds */
	assert_int_equal(n->c.method_calls, 3);
	assert_string_equal(n->s.identity, "alice");
	assert_string_equal(ppp_peer_name(n->s.io.l), "alice");
	assert_true(n->c.keys_given);
	assert_int_equal(n->s.auth_requests, 0);
	assert_int_equal(n->s.cancels, 0);
	assert_int_equal(n->s.io.ip.mppe_bits, 128);
	assert_int_equal(n->c.io.ip.mppe_bits, 128);
	assert_int_equal(n->c.io.ip.local_addr, PEER_ADDR);
	/* the Success is the owner's, Identifier of the last Response */
	const uint8_t *succ = eap_sent(&n->s, -1, &len);
	assert_non_null(succ);
	assert_int_equal(len, 4);
	assert_int_equal(succ[0], EAP_CODE_SUCCESS);
	assert_int_equal(succ[1], n->s.resp_id);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_eap_dropped, 0);
	assert_int_equal(ppp_stats(n->c.io.l)->rx_eap_dropped, 0);
	send_and_check(n, &n->c, &n->s, 300, 1);
	send_and_check(n, &n->s, &n->c, 1200, 2);
}

/* The owner answering from inside ops->eap_response works the same. */
static void eap_login_inline_owner(void **state)
{
	struct net *n = *state;

	n->s.inline_answer = true;
	n->s.method_rounds = 1;
	start(n);
	ppp_pair_run_for(&n->p, 1000);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(n->s.responses, 2);
	send_and_check(n, &n->c, &n->s, 100, 3);
}

/* Request/Identity (type 1, no prompt) is resent while the peer is silent,
 * a bounded number of times; nothing was handed to the owner, so there is
 * nothing to cancel. */
static void identity_request_resent_and_bounded(void **state)
{
	struct net *n = *state;
	size_t len = 0, len2 = 0;

	n->c.drop_eap = true;
	n->s.cfg.eap_timeout_s = 100;
	start(n);
	ppp_pair_run_for(&n->p, 10);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_AUTHENTICATE);
	assert_int_equal(count_eap(&n->s, EAP_CODE_REQUEST), 1);
	const uint8_t *req = eap_sent(&n->s, 0, &len);
	assert_int_equal(len, 5);
	assert_int_equal(req[0], EAP_CODE_REQUEST);
	assert_int_equal(load_be16(req + 2), 5);
	assert_int_equal(req[4], EAP_TYPE_IDENTITY);
	ppp_pair_run_for(&n->p, 3000);
	assert_int_equal(count_eap(&n->s, EAP_CODE_REQUEST), 2);
	const uint8_t *again = eap_sent(&n->s, -1, &len2);
	assert_int_equal(len2, 5);
	assert_memory_equal(again, req, 5); /* the same Request, same Identifier */
	ppp_pair_run_for(&n->p, 60000);
	assert_int_equal(count_eap(&n->s, EAP_CODE_REQUEST), 10);
	assert_int_equal(n->s.io.downs, 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_AUTH_TIMEOUT);
	assert_int_equal(n->s.responses, 0);
	assert_int_equal(n->s.cancels, 0);
}

/* Three rounds relayed: each Response reaches the owner unchanged with its
 * round number, each of the owner's Requests reaches the peer unchanged. */
static void relay_three_rounds(void **state)
{
	struct net *n = *state;
	size_t len = 0;

	n->s.manual = true;
	n->s.method_rounds = 3;
	start(n);
	ppp_pair_run_for(&n->p, 100);
	assert_int_equal(n->s.resp_round, 1);
	assert_int_equal(n->s.resp_type, EAP_TYPE_IDENTITY);
	for (unsigned round = 2; round <= 4; round++) {
		srv_answer(&n->s);
		const uint8_t *req = eap_sent(&n->s, -1, &len);
		assert_int_equal(len, EAP_HDR_LEN + 2 + CHAL_LEN);
		assert_int_equal(req[1], n->s.req_id);
		assert_memory_equal(req + 6, n->s.chal, CHAL_LEN);
		ppp_pair_run_for(&n->p, 10);
		assert_true(n->s.pending);
		assert_int_equal(n->s.resp_round, round);
		assert_int_equal(n->s.resp_id, n->s.req_id);
		const uint8_t *resp = eap_sent(&n->c, -1, &len);
		assert_int_equal(len, n->s.resp_len);
		assert_memory_equal(resp, n->s.resp, len);
		assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_AUTHENTICATE);
	}
	srv_answer(&n->s); /* the verdict */
	ppp_pair_run_for(&n->p, 100);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(n->s.responses, 4);
}

/* A verdict's EAP packet that does not match (Failure on accept): the link
 * sends its own Success with the last Request's Identifier. */
static void verdict_packet_checked(void **state)
{
	struct net *n = *state;
	size_t len = 0;

	n->s.method_rounds = 1;
	n->s.wrong_verdict_pkt = true;
	start(n);
	ppp_pair_run_for(&n->p, 1000);
	const uint8_t *succ = eap_sent(&n->s, -1, &len);
	assert_int_equal(len, 4);
	assert_int_equal(succ[0], EAP_CODE_SUCCESS);
	assert_int_equal(succ[1], n->s.req_id);
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_RUNNING);
}

/* A rejection without a packet: our own Failure, Identifier of the last
 * Request; both ends go down with auth-failed. */
static void own_failure(void **state)
{
	struct net *n = *state;
	size_t len = 0;

	n->s.reject = true;
	n->s.own_verdict_pkt = true;
	start(n);
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(count_eap(&n->s, EAP_CODE_FAILURE), 1);
	const uint8_t *fail = eap_sent(&n->s, -1, &len);
	assert_non_null(fail);
	assert_int_equal(len, 4);
	assert_memory_equal(fail, ((const uint8_t[]){ EAP_CODE_FAILURE, n->s.req_id, 0, 4 }), 4);
	assert_int_equal(count_eap(&n->s, EAP_CODE_SUCCESS), 0);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_AUTH_FAILED);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_AUTH_FAILED);
	assert_int_equal(n->s.io.ups + n->c.io.ups, 0);
	assert_string_equal(ppp_peer_name(n->s.io.l), "");
	assert_int_equal(n->s.cancels, 0);
}

/* Stale Identifiers, duplicates while the owner works, and codes the
 * authenticator never receives: dropped, counted, never relayed. */
static void stale_and_unexpected_dropped(void **state)
{
	struct net *n = *state;

	to_identity(n);
	uint8_t ident_id = n->s.resp_id;
	uint8_t dup[] = { EAP_CODE_RESPONSE, ident_id, 0, 10, EAP_TYPE_IDENTITY, 'a', 'l', 'i', 'c',
			  'e' };
	inject(n, &n->s, dup, sizeof(dup)); /* duplicate while pending */
	assert_int_equal(n->s.responses, 1);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_eap_dropped, 1);

	srv_request(&n->s); /* Identifier ident_id + 1 outstanding */
	inject(n, &n->s, dup, sizeof(dup)); /* stale now */
	uint8_t req[] = { EAP_CODE_REQUEST, n->s.req_id, 0, 5, EAP_TYPE_IDENTITY };
	inject(n, &n->s, req, sizeof(req));
	uint8_t succ[] = { EAP_CODE_SUCCESS, n->s.req_id, 0, 4 };
	inject(n, &n->s, succ, sizeof(succ));
	succ[0] = EAP_CODE_FAILURE;
	inject(n, &n->s, succ, sizeof(succ));
	uint8_t untyped[] = { EAP_CODE_RESPONSE, n->s.req_id, 0, 4 };
	inject(n, &n->s, untyped, sizeof(untyped));
	assert_int_equal(n->s.responses, 1);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_eap_dropped, 6);
	assert_int_equal(n->s.io.downs, 0);

	/* the right one still goes through */
	uint8_t ok[EAP_HDR_LEN + 2 + CHAL_LEN] = { EAP_CODE_RESPONSE, n->s.req_id, 0,
						   sizeof(ok), EAP_TYPE_MD5, CHAL_LEN };
	for (int i = 0; i < CHAL_LEN; i++)
		ok[6 + i] = n->s.chal[i] ^ PW_OCTET;
	inject(n, &n->s, ok, sizeof(ok));
	assert_int_equal(n->s.responses, 2);
	assert_int_equal(n->s.resp_round, 2);
	assert_memory_equal(n->s.resp, ok, sizeof(ok));
}

/* Length shorter than the header, longer than the frame, over
 * EAP_PACKET_MAX: dropped and counted. A frame longer than Length: the
 * Length octets are the packet (RFC 3748 4.1). */
static void length_lies_dropped(void **state)
{
	struct net *n = *state;
	static uint8_t big[EAP_PACKET_MAX + 20];

	to_identity(n);
	srv_request(&n->s);
	uint8_t id = n->s.req_id;
	uint8_t shorter[] = { EAP_CODE_RESPONSE, id, 0, 3, EAP_TYPE_MD5 };
	inject(n, &n->s, shorter, sizeof(shorter));
	uint8_t longer[] = { EAP_CODE_RESPONSE, id, 0, 40, EAP_TYPE_MD5, 1, 2, 3 };
	inject(n, &n->s, longer, sizeof(longer));
	uint8_t stub[] = { EAP_CODE_RESPONSE, id, 0 };
	inject(n, &n->s, stub, sizeof(stub));
	memset(big, 0x41, sizeof(big));
	big[0] = EAP_CODE_RESPONSE;
	big[1] = id;
	store_be16(big + 2, EAP_PACKET_MAX + 10);
	big[4] = EAP_TYPE_MD5;
	inject(n, &n->s, big, sizeof(big));
	assert_int_equal(n->s.responses, 1);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_eap_dropped, 4);

	/* padding after Length is not relayed */
	uint8_t padded[EAP_HDR_LEN + 2 + CHAL_LEN + 7] = { EAP_CODE_RESPONSE, id, 0,
							   EAP_HDR_LEN + 2 + CHAL_LEN,
							   EAP_TYPE_MD5, CHAL_LEN };
	memset(padded + EAP_HDR_LEN + 2 + CHAL_LEN, 0xEE, 7);
	inject(n, &n->s, padded, sizeof(padded));
	assert_int_equal(n->s.responses, 2);
	assert_int_equal(n->s.resp_len, EAP_HDR_LEN + 2 + CHAL_LEN);
	assert_int_equal(ppp_stats(n->s.io.l)->rx_eap_dropped, 4);
}

/* More Requests than eap_max_rounds: the owner is told to cancel and the
 * link ends with auth-failed and the limit in its detail. */
static void rounds_limit(void **state)
{
	struct net *n = *state;

	n->s.cfg.eap_max_rounds = 5;
	n->s.method_rounds = 100;
	start(n);
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(n->s.responses, 5); /* Identity + 4 relayed rounds */
	assert_int_equal(n->c.method_calls, 4);
	assert_int_equal(n->s.io.downs, 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_AUTH_FAILED);
	assert_string_equal(n->s.io.detail, "EAP rounds limit (5) reached");
	assert_int_equal(n->s.cancels, 1);
	assert_int_equal(count_eap(&n->s, EAP_CODE_SUCCESS), 0);
	assert_int_equal(n->s.io.ups + n->c.io.ups, 0);
}

/* eap_timeout_s bounds the whole exchange, the owner's time included. */
static void exchange_timeout(void **state)
{
	struct net *n = *state;

	n->s.cfg.eap_timeout_s = 10;
	to_identity(n);
	ppp_pair_run_for(&n->p, 5000); /* the owner holds the Identity Response: no resend */
	assert_int_equal(count_eap(&n->s, EAP_CODE_REQUEST), 1);
	n->c.io.mute = false;
	srv_request(&n->s);
	ppp_pair_run_for(&n->p, 4000); /* the peer answers; the owner sits on it */
	assert_true(n->s.pending);
	assert_int_equal(n->s.io.downs, 0);
	ppp_pair_run_for(&n->p, 1100);
	assert_int_equal(n->s.io.downs, 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_AUTH_TIMEOUT);
	assert_int_equal(n->s.cancels, 1);
	/* a late answer from the owner does nothing */
	n->s.pending = false;
	srv_verdict(&n->s, true);
	assert_int_equal(n->s.io.ups, 0);
}

/* The owner's next Request must be a well-formed Request. */
static void malformed_owner_request_ends_link(void **state)
{
	struct net *n = *state;
	uint8_t bad[] = { EAP_CODE_RESPONSE, 7, 0, 5, EAP_TYPE_MD5 };

	to_identity(n);
	size_t reqs = count_eap(&n->s, EAP_CODE_REQUEST);
	n->s.pending = false;
	ppp_eap_request(n->s.io.l, bad, sizeof(bad), n->p.now);
	assert_int_equal(count_eap(&n->s, EAP_CODE_REQUEST), reqs);
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_AUTH_FAILED);
	assert_int_equal(n->s.cancels, 1);
}

/* MPPE required and the Accept carries no keys: the link ends as with
 * CHAP, after the Success. */
static void accept_without_keys_with_mppe_required(void **state)
{
	struct net *n = *state;

	n->s.no_keys = true;
	n->s.method_rounds = 1;
	start(n);
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(count_eap(&n->s, EAP_CODE_SUCCESS), 1);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_ENCRYPTION_REFUSED);
	assert_int_equal(n->s.io.ups, 0);
}

/* Client role: Identity with cfg.user, Notification with an empty
 * Notification Response, the method for the rest; a retransmitted Request
 * gets the same Response without asking the method again. */
static void client_answers(void **state)
{
	struct net *n = *state;
	size_t len = 0;
	const uint8_t *r;

	n->s.manual = true;
	start(n);
	ppp_pair_run_for(&n->p, 100);
	n->s.io.mute = true;
	r = eap_sent(&n->c, -1, &len);
	assert_int_equal(len, 10);
	assert_memory_equal(r + 4, "\x01" "alice", 6);
	assert_true(r[1] < 0x40 || r[1] > 0x50);

	uint8_t note[] = { EAP_CODE_REQUEST, 0x40, 0, 9, EAP_TYPE_NOTIFICATION, 'h', 'e', 'y', '!' };
	inject(n, &n->c, note, sizeof(note));
	r = eap_sent(&n->c, -1, &len);
	assert_int_equal(len, 5);
	assert_memory_equal(r, "\x02\x40\x00\x05\x02", 5);

	uint8_t req[EAP_HDR_LEN + 2 + CHAL_LEN] = { EAP_CODE_REQUEST, 0x41, 0, sizeof(req),
						    EAP_TYPE_MD5, CHAL_LEN, 9, 8, 7 };
	inject(n, &n->c, req, sizeof(req));
	assert_int_equal(n->c.method_calls, 1);
	size_t sent = count_eap(&n->c, EAP_CODE_RESPONSE);
	r = eap_sent(&n->c, -1, &len);
	assert_int_equal(len, sizeof(req));
	assert_int_equal(r[1], 0x41);
	assert_int_equal(r[6], 9 ^ PW_OCTET);
	uint8_t first[sizeof(req)];
	memcpy(first, r, len);
	inject(n, &n->c, req, sizeof(req)); /* retransmitted */
	assert_int_equal(n->c.method_calls, 1);
	assert_int_equal(count_eap(&n->c, EAP_CODE_RESPONSE), sent + 1);
	r = eap_sent(&n->c, -1, &len);
	assert_memory_equal(r, first, sizeof(first));

	/* the method sends nothing (0): nothing goes out */
	n->c.method_ret = 0;
	req[1] = 0x42;
	inject(n, &n->c, req, sizeof(req));
	assert_int_equal(n->c.method_calls, 2);
	assert_int_equal(count_eap(&n->c, EAP_CODE_RESPONSE), sent + 1);
	/* a Response or an untyped Request is no Request for the peer */
	uint8_t resp[] = { EAP_CODE_RESPONSE, 0x43, 0, 5, EAP_TYPE_IDENTITY };
	inject(n, &n->c, resp, sizeof(resp));
	uint8_t untyped[] = { EAP_CODE_REQUEST, 0x44, 0, 4 };
	inject(n, &n->c, untyped, sizeof(untyped));
	assert_int_equal(ppp_stats(n->c.io.l)->rx_eap_dropped, 2);
	/* the method gives up: the link ends */
	n->c.method_ret = -1;
	req[1] = 0x45;
	inject(n, &n->c, req, sizeof(req));
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_AUTH_FAILED);
}

/* Client without a method: the legacy Nak with no alternative (type 0). */
static void client_without_method_naks(void **state)
{
	struct net *n = *state;
	size_t len = 0;

	n->s.manual = true;
	start_with(n, &ops_no_method);
	ppp_pair_run_for(&n->p, 100);
	n->s.io.mute = true;
	uint8_t req[EAP_HDR_LEN + 2 + CHAL_LEN] = { EAP_CODE_REQUEST, 0x50, 0, sizeof(req),
						    EAP_TYPE_TLS, 0x20 };
	inject(n, &n->c, req, sizeof(req));
	const uint8_t *r = eap_sent(&n->c, -1, &len);
	assert_int_equal(len, 6);
	assert_memory_equal(r, "\x02\x50\x00\x06\x03\x00", 6);
	/* a Failure ends it */
	uint8_t fail[] = { EAP_CODE_FAILURE, 0x50, 0, 4 };
	inject(n, &n->c, fail, sizeof(fail));
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(n->c.io.cause, PPP_CAUSE_AUTH_FAILED);
}

/* Client: a Success before any Response is not believed (it would skip the
 * method and its keys); after one, Success brings the keys and the network
 * phase. */
static void client_ignores_early_success(void **state)
{
	struct net *n = *state;
	uint8_t succ[] = { EAP_CODE_SUCCESS, 0x60, 0, 4 };
	uint8_t ident[] = { EAP_CODE_REQUEST, 0x60, 0, 5, EAP_TYPE_IDENTITY };

	n->s.drop_eap = true; /* the test speaks EAP for the server */
	n->s.manual = true;
	start(n);
	ppp_pair_run_for(&n->p, 100);
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_AUTHENTICATE);
	inject(n, &n->c, succ, sizeof(succ));
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_AUTHENTICATE);
	assert_int_equal(ppp_stats(n->c.io.l)->rx_eap_dropped, 1);
	assert_false(n->c.keys_given);
	inject(n, &n->c, ident, sizeof(ident));
	inject(n, &n->c, succ, sizeof(succ));
	assert_true(n->c.keys_given);
	assert_int_equal(ppp_phase(n->c.io.l), PPP_PHASE_NETWORK);
}

/* ppp_new() refuses a server with EAP and no eap_response. */
static void server_needs_eap_response(void **state)
{
	struct net *n = *state;
	struct ppp_ops o = ops;

	o.eap_response = NULL;
	assert_null(ppp_new(&n->s.cfg, &o, &n->s));
	n->s.cfg.allow_eap = false;
	struct ppp_link *l = ppp_new(&n->s.cfg, &o, &n->s);
	assert_non_null(l);
	ppp_free(l);
}

/* Forty rounds (the RADIUS test server's long exchange) fit the default
 * limit of 50 and complete. */
static void forty_rounds_within_default_limit(void **state)
{
	struct net *n = *state;

	n->s.method_rounds = 40;
	start(n);
	ppp_pair_run_for(&n->p, 1000);
	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	assert_int_equal(n->s.responses, 41);
	assert_int_equal(n->c.method_calls, 40);
	send_and_check(n, &n->c, &n->s, 64, 5);
}

/* A Request of EAP_PACKET_MAX octets (a full EAP-TLS fragment) goes out
 * whole and unchanged; one octet more ends the link. */
static void largest_request_relayed_whole(void **state)
{
	struct net *n = *state;
	static uint8_t req[EAP_PACKET_MAX + 1];
	size_t len = 0;

	to_identity(n);
	memset(req, 0xC3, sizeof(req));
	req[0] = EAP_CODE_REQUEST;
	req[1] = 0x21;
	store_be16(req + 2, EAP_PACKET_MAX);
	req[4] = EAP_TYPE_TLS;
	n->s.pending = false;
	ppp_eap_request(n->s.io.l, req, EAP_PACKET_MAX, n->p.now);
	const uint8_t *out = eap_sent(&n->s, -1, &len);
	assert_int_equal(len, EAP_PACKET_MAX);
	assert_memory_equal(out, req, EAP_PACKET_MAX);
	/* the peer's answer, then one octet too many from the owner */
	uint8_t resp[] = { EAP_CODE_RESPONSE, 0x21, 0, 6, EAP_TYPE_TLS, 0 };
	inject(n, &n->s, resp, sizeof(resp));
	assert_true(n->s.pending);
	store_be16(req + 2, EAP_PACKET_MAX + 1);
	req[1] = 0x22;
	n->s.pending = false;
	ppp_eap_request(n->s.io.l, req, sizeof(req), n->p.now);
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_AUTH_FAILED);
	assert_int_equal(n->s.cancels, 1);
}

/* A peer that Protocol-Rejects EAP after agreeing to it in LCP ends the
 * link as for CHAP. */
static void eap_protocol_rejected(void **state)
{
	struct net *n = *state;
	static const uint8_t prej[] = { 0xFF, 0x03, 0xC0, 0x21, 0x08, 0x33, 0x00, 0x0B,
					0xC2, 0x27, 0x01, 0x5C, 0x00, 0x05, 0x01 };
	uint8_t buf[sizeof(prej)];

	to_identity(n);
	memcpy(buf, prej, sizeof(prej));
	ppp_input(n->s.io.l, buf, sizeof(buf), n->p.now);
	ppp_pair_run_for(&n->p, 10000);
	assert_int_equal(n->s.io.cause, PPP_CAUSE_AUTH_FAILED);
	assert_string_equal(n->s.io.detail, "peer rejected the authentication protocol");
	assert_int_equal(n->s.cancels, 1); /* the owner held the Identity */
}

/* One line at the start (with the identity, escaped: the peer chose it)
 * and one at the end with the rounds; no raw control byte of the
 * identity reaches the log. */
static void start_and_end_logged_escaped(void **state)
{
	struct net *n = *state;
	char line[1024];
	bool start_seen = false, end_seen = false, raw = false;

	log_init("pptpd", LOG_LVL_DEBUG);
	FILE *log = tmpfile();
	assert_non_null(log);
	int saved = dup(STDERR_FILENO);
	dup2(fileno(log), STDERR_FILENO);

	n->c.cfg.user = "al\nice\x1b[31m";
	start(n);
	ppp_pair_run_for(&n->p, 1000);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	log_init("pptpd", LOG_LVL_NOTICE);

	assert_int_equal(ppp_phase(n->s.io.l), PPP_PHASE_RUNNING);
	rewind(log);
	while (fgets(line, sizeof(line), log)) {
		if (strstr(line, "role=server ppp=eap event=start role=authenticator identity="))
			start_seen = true;
		if (strstr(line, "role=server ppp=eap event=end result=success rounds=4 max-rounds=50"))
			end_seen = true;
		if (strncmp(line, "ice", 3) == 0 || strchr(line, 0x1b))
			raw = true;
	}
	fclose(log);
	assert_true(start_seen);
	assert_true(end_seen);
	assert_false(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(eap_login_back_to_back, setup, teardown),
		cmocka_unit_test_setup_teardown(eap_login_inline_owner, setup, teardown),
		cmocka_unit_test_setup_teardown(identity_request_resent_and_bounded, setup, teardown),
		cmocka_unit_test_setup_teardown(relay_three_rounds, setup, teardown),
		cmocka_unit_test_setup_teardown(verdict_packet_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(own_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_and_unexpected_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(length_lies_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(rounds_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(exchange_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(malformed_owner_request_ends_link, setup, teardown),
		cmocka_unit_test_setup_teardown(accept_without_keys_with_mppe_required, setup, teardown),
		cmocka_unit_test_setup_teardown(client_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(client_without_method_naks, setup, teardown),
		cmocka_unit_test_setup_teardown(client_ignores_early_success, setup, teardown),
		cmocka_unit_test_setup_teardown(server_needs_eap_response, setup, teardown),
		cmocka_unit_test_setup_teardown(forty_rounds_within_default_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(largest_request_relayed_whole, setup, teardown),
		cmocka_unit_test_setup_teardown(eap_protocol_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(start_and_end_logged_escaped, setup, teardown),
	};
	return cmocka_run_group_tests(tests, crypto_group_setup, NULL);
}
