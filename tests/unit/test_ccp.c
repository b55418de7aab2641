/*
 * CCP/MPPE: the offers real clients make (clients.md), the one-key-length
 * rule for every Nak, encryption-refused reporting, Reset-Request/Ack and
 * server/client negotiations back to back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/support/ctl_wire.h"
#include "common/ppp/ccp.h"

struct side {
	struct ccp c;
	struct ccp_config cfg;
	struct fsm_io io;
	struct ctl_out out;
	unsigned ups, downs, refused, resets, reset_acks, renegotiations;
};

static void s_send(void *arg, uint16_t proto, const uint8_t *p, size_t len)
{
	struct side *s = arg;
	assert_int_equal(proto, PPP_PROTO_CCP);
	ctl_out_push(&s->out, p, len);
}
static void s_up(void *arg) { ((struct side *)arg)->ups++; }
static void s_refused(void *arg) { ((struct side *)arg)->refused++; }
static void s_reset(void *arg) { ((struct side *)arg)->resets++; }
static void s_reset_ack(void *arg) { ((struct side *)arg)->reset_acks++; }
static void s_down(void *arg) { ((struct side *)arg)->downs++; }
static void s_renegotiate(void *arg) { ((struct side *)arg)->renegotiations++; }

static const struct ccp_events sev = { s_up, s_down, s_refused, s_reset, s_reset_ack,
				       s_renegotiate };

static void side_init(struct side *s, enum ppp_role role)
{
	memset(s, 0, sizeof(*s));
	ccp_config_default(&s->cfg, role);
	s->io = (struct fsm_io){ s_send, ctl_timer_start_noop, ctl_timer_stop_noop, s };
	ccp_init(&s->c, &s->cfg, &s->io, &sev, s);
}

static const struct ctl_pkt *last(const struct side *s)
{
	return ctl_out_last(&s->out);
}

static void feed(struct side *s, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
	uint8_t p[FSM_PKT_MAX];
	ccp_input(&s->c, p, ctl_build(p, code, id, d, n));
}

static void feed_mppe(struct side *s, uint8_t code, uint8_t id, uint32_t sb)
{
	uint8_t o[6] = { CCP_OPT_MPPE, 6 };
	store_be32(o + 2, sb);
	feed(s, code, id, o, sizeof(o));
}

/* The reply to a request, as (code, supported bits). */
static uint32_t reply_bits(const struct side *s, uint8_t code)
{
	assert_int_equal(last(s)->b[0], code);
	assert_int_equal(last(s)->len, 10);
	assert_int_equal(last(s)->b[4], CCP_OPT_MPPE);
	assert_int_equal(last(s)->b[5], 6);
	return load_be32(last(s)->b + 6);
}

#define H MPPE_SB_H
#define M MPPE_SB_M
#define S MPPE_SB_S
#define L MPPE_SB_L
#define D MPPE_SB_D
#define C MPPE_SB_C

static void bit_values_match_rfc3078(void **state)
{
	(void)state;
	/* RFC 3078 2.2 / pppd ccp.h: S is 128-bit, M 56-bit, L 40-bit */
	assert_int_equal(ccp_mppe_bits(S), 128);
	assert_int_equal(ccp_mppe_bits(M), 56);
	assert_int_equal(ccp_mppe_bits(L), 40);
	assert_int_equal(H, 0x01000000);
	assert_int_equal(ccp_mppe_bits(S | L), 0);
}

static void server_request_offers_exactly_the_policy(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	ccp_open(&s.c);
	assert_int_equal(reply_bits(&s, PPP_CONF_REQ), H | S);
	assert_memory_equal(last(&s)->b + 4, "\x12\x06\x01\x00\x00\x40", 6);
	side_init(&s, PPP_ROLE_SERVER);
	s.cfg.keys = CCP_KEY_40 | CCP_KEY_56;
	ccp_open(&s.c);
	assert_int_equal(reply_bits(&s, PPP_CONF_REQ), H | M);
	side_init(&s, PPP_ROLE_SERVER);
	s.cfg.stateless = false;
	s.cfg.stateful = true;
	ccp_open(&s.c);
	assert_int_equal(reply_bits(&s, PPP_CONF_REQ), S);
}

/* clients.md: Windows offers +H +M +S +L -D +C: Nak with one key length, C cleared. */
static void windows_offer_naked_to_one_key_then_acked(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	ccp_open(&s.c);
	feed(&s, PPP_CONF_REQ, 1, (const uint8_t *)"\x12\x06\x01\x00\x00\xE1", 6);
	assert_int_equal(reply_bits(&s, PPP_CONF_NAK), H | S);
	assert_memory_equal(last(&s)->b + 4, "\x12\x06\x01\x00\x00\x40", 6);
	feed_mppe(&s, PPP_CONF_REQ, 2, H | S);
	assert_int_equal(reply_bits(&s, PPP_CONF_ACK), H | S);
	assert_int_equal(last(&s)->b[1], 2);
	/* our request acked by Windows: opened, 128-bit stateless both ways */
	feed_mppe(&s, PPP_CONF_ACK, s.c.fsm.req_id, H | S);
	assert_true(ccp_is_opened(&s.c));
	const struct ccp_result *r = ccp_result(&s.c);
	assert_int_equal(r->tx.bits, 128);
	assert_int_equal(r->rx.bits, 128);
	assert_true(r->tx.stateless && r->rx.stateless);
	assert_int_equal(s.ups, 1);
	assert_int_equal(s.refused, 0);
}

/* clients.md: a Windows 10 first offer with H and no key bit. */
static void windows10_h_only_offer_naked(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	ccp_open(&s.c);
	feed(&s, PPP_CONF_REQ, 1, (const uint8_t *)"\x12\x06\x01\x00\x00\x00", 6);
	assert_int_equal(reply_bits(&s, PPP_CONF_NAK), H | S);
}

/* clients.md: other clients offer stateful only (-H +S). */
static void stateful_only_offer_naked_or_accepted_by_policy(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	ccp_open(&s.c);
	feed_mppe(&s, PPP_CONF_REQ, 1, S);
	assert_int_equal(reply_bits(&s, PPP_CONF_NAK), H | S);
	feed_mppe(&s, PPP_CONF_REQ, 2, M);
	assert_int_equal(reply_bits(&s, PPP_CONF_NAK), H | S);

	side_init(&s, PPP_ROLE_SERVER);
	s.cfg.stateful = true; /* mppe-stateful configured */
	ccp_open(&s.c);
	feed_mppe(&s, PPP_CONF_REQ, 1, S);
	assert_int_equal(reply_bits(&s, PPP_CONF_ACK), S);
	feed_mppe(&s, PPP_CONF_ACK, s.c.fsm.req_id, H | S);
	assert_true(ccp_is_opened(&s.c));
	assert_false(ccp_result(&s.c)->tx.stateless);
	assert_true(ccp_result(&s.c)->rx.stateless);
}

/* clients.md: pppd with require-mppe-128 offers +H +S. */
static void pppd_require_mppe_128_acked(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	ccp_open(&s.c);
	feed(&s, PPP_CONF_REQ, 1, (const uint8_t *)"\x12\x06\x01\x00\x00\x40", 6);
	assert_int_equal(reply_bits(&s, PPP_CONF_ACK), H | S);
}

/* clients.md: a Nak with two key lengths ends in "MPPE disabled": never send one. */
static void nak_never_carries_two_key_lengths(void **state)
{
	(void)state;
	const uint32_t bits[6] = { H, M, S, L, D, C };
	unsigned naks = 0;

	for (unsigned keys = 1; keys < 8; keys++) {
		for (unsigned mode = 1; mode < 4; mode++) {
			for (unsigned combo = 0; combo < 64; combo++) {
				struct side s;
				uint32_t offer = 0;

				side_init(&s, PPP_ROLE_SERVER);
				s.cfg.keys = keys;
				s.cfg.stateless = mode & 1;
				s.cfg.stateful = mode & 2;
				for (int b = 0; b < 6; b++)
					if (combo & (1u << b))
						offer |= bits[b];
				ccp_open(&s.c);
				feed_mppe(&s, PPP_CONF_REQ, 1, offer);
				uint8_t code = last(&s)->b[0];
				if (code == PPP_CONF_REJ) {
					/* only an offer with neither H nor a key bit */
					assert_int_equal(offer & (H | S | M | L), 0);
					continue;
				}
				uint32_t sb = load_be32(last(&s)->b + 6);
				uint32_t k = sb & (S | M | L);
				assert_true(code == PPP_CONF_NAK || code == PPP_CONF_ACK);
				assert_int_not_equal(k, 0);
				assert_int_equal(k & (k - 1), 0); /* exactly one key length */
				assert_int_equal(sb & ~(H | S | M | L), 0); /* no C, no D */
				assert_true(ccp_mppe_bits(sb) != 0);
				/* and it is one our policy allows */
				assert_true((sb & H) ? s.cfg.stateless : s.cfg.stateful);
				if (code == PPP_CONF_ACK)
					assert_int_equal(sb, offer);
				else
					naks++;
			}
		}
	}
	assert_true(naks > 100);
}

static void other_compression_options_rejected(void **state)
{
	(void)state;
	struct side s;
	const uint8_t deflate_bsd_pred[] = { 0x1A, 0x04, 0x78, 0x00, 0x15, 0x03, 0x2F, 0x01, 0x02 };
	const uint8_t mixed[] = { 0x12, 0x06, 0x01, 0x00, 0x00, 0x40, 0x1A, 0x04, 0x78, 0x00 };

	side_init(&s, PPP_ROLE_SERVER);
	ccp_open(&s.c);
	feed(&s, PPP_CONF_REQ, 1, deflate_bsd_pred, sizeof(deflate_bsd_pred));
	assert_int_equal(last(&s)->b[0], PPP_CONF_REJ);
	assert_memory_equal(last(&s)->b + 4, deflate_bsd_pred, sizeof(deflate_bsd_pred));
	/* MPPC alone */
	feed(&s, PPP_CONF_REQ, 2, (const uint8_t *)"\x12\x06\x00\x00\x00\x01", 6);
	assert_int_equal(last(&s)->b[0], PPP_CONF_REJ);
	/* MPPE acceptable, deflate not: only the Reject */
	feed(&s, PPP_CONF_REQ, 3, mixed, sizeof(mixed));
	assert_int_equal(last(&s)->b[0], PPP_CONF_REJ);
	assert_int_equal(last(&s)->len, 8);
	/* an empty request when encryption is required: Nak adding MPPE */
	feed(&s, PPP_CONF_REQ, 4, NULL, 0);
	assert_int_equal(reply_bits(&s, PPP_CONF_NAK), H | S);
}

static void peer_rejecting_mppe_is_encryption_refused(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	ccp_open(&s.c);
	feed(&s, PPP_CONF_REJ, s.c.fsm.req_id, last(&s)->b + 4, 6);
	assert_int_equal(s.refused, 1);
	/* reported once */
	feed(&s, PPP_CONF_REQ, 5, NULL, 0);
	assert_int_equal(s.refused, 1);

	/* not required: no report */
	side_init(&s, PPP_ROLE_SERVER);
	s.cfg.required = false;
	ccp_open(&s.c);
	feed(&s, PPP_CONF_REJ, s.c.fsm.req_id, last(&s)->b + 4, 6);
	assert_int_equal(s.refused, 0);
}

static void peer_insisting_past_max_failure_is_refused(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	ccp_open(&s.c);
	for (int i = 0; i < 5; i++) {
		feed_mppe(&s, PPP_CONF_REQ, (uint8_t)i, H | L); /* 40-bit only */
		assert_int_equal(reply_bits(&s, PPP_CONF_NAK), H | S);
	}
	assert_int_equal(s.refused, 0);
	feed_mppe(&s, PPP_CONF_REQ, 9, H | L);
	assert_int_equal(last(&s)->b[0], PPP_CONF_REJ);
	assert_int_equal(s.refused, 1);
}

static void protocol_reject_of_ccp_is_refused(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	ccp_open(&s.c);
	ccp_protocol_rejected(&s.c);
	assert_int_equal(s.refused, 1);
	assert_int_equal(s.c.fsm.state, FSM_STOPPED);
}

static void open_pair(struct side *s)
{
	side_init(s, PPP_ROLE_SERVER);
	ccp_open(&s->c);
	feed_mppe(s, PPP_CONF_REQ, 1, H | S);
	feed_mppe(s, PPP_CONF_ACK, s->c.fsm.req_id, H | S);
	assert_true(ccp_is_opened(&s->c));
	s->out.n = 0;
}

static void reset_request_reported_and_acked(void **state)
{
	(void)state;
	struct side s;

	open_pair(&s);
	feed(&s, PPP_RESET_REQ, 0x33, NULL, 0);
	assert_int_equal(s.resets, 1);
	assert_int_equal(last(&s)->b[0], PPP_RESET_ACK);
	assert_int_equal(last(&s)->b[1], 0x33);
	assert_int_equal(last(&s)->len, 4);
	assert_true(ccp_send_reset_request(&s.c));
	assert_int_equal(last(&s)->b[0], PPP_RESET_REQ);
	feed(&s, PPP_RESET_ACK, last(&s)->b[1], NULL, 0);
	assert_int_equal(s.reset_acks, 1);
	/* not before Opened */
	side_init(&s, PPP_ROLE_SERVER);
	assert_false(ccp_send_reset_request(&s.c));
}

/* Issue 10 item 5: a Configure-Request in Opened (one injected packet is
 * enough) would restart MPPE from the same keys. It is not answered, CCP
 * stays Opened (no This-Layer-Down, no new Up), and the owner is told once
 * to end the link. Reset-Request/Ack keep working around it. */
static void configure_request_in_opened_is_refused_not_answered(void **state)
{
	(void)state;
	struct side s;

	open_pair(&s);
	assert_int_equal(s.ups, 1);
	feed_mppe(&s, PPP_CONF_REQ, 0x40, H | S);
	assert_int_equal(s.renegotiations, 1);
	assert_int_equal(s.out.n, 0);            /* no Configure-Request/Ack sent */
	assert_true(ccp_is_opened(&s.c));
	assert_int_equal(s.downs, 0);
	assert_int_equal(s.ups, 1);
	/* a different offer, or a repeat: counted, reported only once */
	feed_mppe(&s, PPP_CONF_REQ, 0x41, H | S | M | L);
	feed(&s, PPP_CONF_REQ, 0x42, NULL, 0);
	assert_int_equal(s.renegotiations, 1);
	assert_int_equal(s.c.renegotiations, 3);
	assert_int_equal(s.out.n, 0);
	assert_int_equal(s.ups, 1);
	/* a truncated header is no request: the automaton drops it */
	uint8_t one = PPP_CONF_REQ;
	ccp_input(&s.c, &one, 1);
	assert_int_equal(s.c.renegotiations, 3);

	/* stateful resync is no renegotiation */
	feed(&s, PPP_RESET_REQ, 0x50, NULL, 0);
	assert_int_equal(s.resets, 1);
	assert_int_equal(last(&s)->b[0], PPP_RESET_ACK);
	assert_true(ccp_send_reset_request(&s.c));
	feed(&s, PPP_RESET_ACK, last(&s)->b[1], NULL, 0);
	assert_int_equal(s.reset_acks, 1);
	assert_true(ccp_is_opened(&s.c));
}

/* Before Opened, Configure-Requests are ordinary negotiation. */
static void configure_request_before_opened_is_negotiation(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	ccp_open(&s.c);
	feed_mppe(&s, PPP_CONF_REQ, 1, H | S | M | L);
	assert_int_equal(reply_bits(&s, PPP_CONF_NAK), H | S);
	feed_mppe(&s, PPP_CONF_REQ, 2, H | S);
	assert_int_equal(reply_bits(&s, PPP_CONF_ACK), H | S);
	assert_int_equal(s.renegotiations, 0);
}

static void input(void *obj, const uint8_t *pkt, size_t len)
{
	ccp_input(obj, pkt, len);
}

static void pump(struct side *a, struct side *b)
{
	ctl_pump(&a->out, input, &a->c, &b->out, input, &b->c);
}

/* A Windows-like client (every key length, stateless) against the server. */
static void windows_like_client_back_to_back(void **state)
{
	(void)state;
	struct side s, c;

	side_init(&s, PPP_ROLE_SERVER);
	side_init(&c, PPP_ROLE_CLIENT);
	c.cfg.keys = CCP_KEY_40 | CCP_KEY_56 | CCP_KEY_128;
	ccp_open(&c.c);
	assert_int_equal(reply_bits(&c, PPP_CONF_REQ), H | S | M | L);
	ccp_open(&s.c);
	pump(&s, &c);
	assert_true(ccp_is_opened(&s.c));
	assert_true(ccp_is_opened(&c.c));
	for (int i = 0; i < 2; i++) {
		const struct ccp_result *r = ccp_result(i ? &c.c : &s.c);
		assert_int_equal(r->tx.bits, 128);
		assert_int_equal(r->rx.bits, 128);
		assert_true(r->tx.stateless && r->rx.stateless);
	}
	assert_int_equal(s.refused + c.refused, 0);
}

/* clients.md: pppd with require-mppe-128 (offers +H +S) against the server. */
static void pppd_like_client_back_to_back(void **state)
{
	(void)state;
	struct side s, c;

	side_init(&s, PPP_ROLE_SERVER);
	side_init(&c, PPP_ROLE_CLIENT);
	ccp_open(&c.c);
	assert_int_equal(reply_bits(&c, PPP_CONF_REQ), H | S);
	ccp_open(&s.c);
	pump(&s, &c);
	assert_true(ccp_is_opened(&s.c) && ccp_is_opened(&c.c));
	assert_int_equal(ccp_result(&s.c)->tx.bits, 128);
	assert_int_equal(ccp_result(&c.c)->rx.bits, 128);
	assert_int_equal(s.ups, 1);
	assert_int_equal(c.ups, 1);
}

/* clients.md: MPPE adds 4 bytes of overhead: lower the tunnel MTU. */
static void tunnel_mtu_lowered_by_mppe_overhead(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	assert_int_equal(ccp_tunnel_mtu(&s.c, 1400), 1400);
	open_pair(&s);
	assert_int_equal(ccp_tunnel_mtu(&s.c, 1400), 1396);
}

static void stateful_client_and_stateless_server_refuse(void **state)
{
	(void)state;
	struct side s, c;

	side_init(&s, PPP_ROLE_SERVER);
	side_init(&c, PPP_ROLE_CLIENT);
	c.cfg.stateless = false;
	c.cfg.stateful = true;
	ccp_open(&c.c);
	ccp_open(&s.c);
	pump(&s, &c);
	/* neither side reports CCP up without MPPE; both report the refusal once */
	assert_int_equal(s.ups, 0);
	assert_int_equal(c.ups, 0);
	assert_int_equal(s.refused, 1);
	assert_int_equal(c.refused, 1);
	/* the same client against a server that allows stateful: agreed */
	side_init(&s, PPP_ROLE_SERVER);
	s.cfg.stateful = true;
	side_init(&c, PPP_ROLE_CLIENT);
	c.cfg.stateless = false;
	c.cfg.stateful = true;
	ccp_open(&c.c);
	ccp_open(&s.c);
	pump(&s, &c);
	assert_true(ccp_is_opened(&s.c));
	assert_false(ccp_result(&s.c)->tx.stateless);
	assert_false(ccp_result(&s.c)->rx.stateless);
	assert_int_equal(ccp_result(&c.c)->rx.bits, 128);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bit_values_match_rfc3078),
		cmocka_unit_test(server_request_offers_exactly_the_policy),
		cmocka_unit_test(windows_offer_naked_to_one_key_then_acked),
		cmocka_unit_test(windows10_h_only_offer_naked),
		cmocka_unit_test(stateful_only_offer_naked_or_accepted_by_policy),
		cmocka_unit_test(pppd_require_mppe_128_acked),
		cmocka_unit_test(nak_never_carries_two_key_lengths),
		cmocka_unit_test(other_compression_options_rejected),
		cmocka_unit_test(peer_rejecting_mppe_is_encryption_refused),
		cmocka_unit_test(peer_insisting_past_max_failure_is_refused),
		cmocka_unit_test(protocol_reject_of_ccp_is_refused),
		cmocka_unit_test(reset_request_reported_and_acked),
		cmocka_unit_test(configure_request_in_opened_is_refused_not_answered),
		cmocka_unit_test(configure_request_before_opened_is_negotiation),
		cmocka_unit_test(windows_like_client_back_to_back),
		cmocka_unit_test(stateful_client_and_stateless_server_refuse),
		cmocka_unit_test(pppd_like_client_back_to_back),
		cmocka_unit_test(tunnel_mtu_lowered_by_mppe_overhead),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
