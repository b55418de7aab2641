/*
 * IPV6CP (RFC 5072): the Interface-Identifier option in both roles; zero,
 * colliding and taken identifiers Naked with the owner's suggestion;
 * compression rejected; Protocol-Reject stops IPV6CP; a server and a client
 * back to back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/support/ctl_wire.h"
#include "common/ppp/ipv6cp.h"

#define SRV_IID  0x0000000000000001ull
#define SUGGEST  0x02005efffe000042ull
#define TAKEN    0x1111222233334444ull

struct side {
	struct ipv6cp v;
	struct ipv6cp_config cfg;
	struct fsm_io io;
	struct ctl_out out;
	unsigned ups, downs, finished, suggested;
	uint64_t suggestion;
};

static void s_send(void *arg, uint16_t proto, const uint8_t *p, size_t len)
{
	struct side *s = arg;
	assert_int_equal(proto, PPP_PROTO_IPV6CP);
	ctl_out_push(&s->out, p, len);
}
static void s_up(void *arg) { ((struct side *)arg)->ups++; }
static void s_down(void *arg) { ((struct side *)arg)->downs++; }
static void s_finished(void *arg) { ((struct side *)arg)->finished++; }
static bool s_iid_ok(void *arg, uint64_t iid) { (void)arg; return iid != TAKEN; }
static uint64_t s_suggest(void *arg)
{
	struct side *s = arg;
	s->suggested++;
	return s->suggestion;
}

static const struct ipv6cp_events sev = { s_up, s_down, s_finished, s_iid_ok, s_suggest };

static void side_init(struct side *s, enum ppp_role role, uint64_t local)
{
	memset(s, 0, sizeof(*s));
	s->cfg.role = role;
	s->cfg.local = local;
	s->suggestion = SUGGEST;
	s->io = (struct fsm_io){ s_send, ctl_timer_start_noop, ctl_timer_stop_noop, s };
	ipv6cp_init(&s->v, &s->cfg, &s->io, &sev, s);
}

static const struct ctl_pkt *last(const struct side *s)
{
	return ctl_out_last(&s->out);
}

static void feed(struct side *s, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
	uint8_t p[FSM_PKT_MAX];
	ipv6cp_input(&s->v, p, ctl_build(p, code, id, d, n));
}

static void expect(const struct side *s, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
	assert_int_equal(last(s)->b[0], code);
	assert_int_equal(last(s)->b[1], id);
	assert_int_equal(last(s)->len, n + 4);
	assert_memory_equal(last(s)->b + 4, d, n);
}

/* The Interface-Identifier option with iid, into o (10 bytes). */
static const uint8_t *opt(uint8_t o[10], uint64_t iid)
{
	o[0] = IPV6CP_OPT_IID;
	o[1] = 10;
	for (int i = 0; i < 8; i++)
		o[2 + i] = (uint8_t)(iid >> (56 - 8 * i));
	return o;
}

static void ack_our_request(struct side *s)
{
	for (unsigned i = 0; i < s->out.n; i++)
		if (s->out.pkt[i].b[0] == PPP_CONF_REQ) {
			feed(s, PPP_CONF_ACK, s->out.pkt[i].b[1], s->out.pkt[i].b + 4, s->out.pkt[i].len - 4);
			return;
		}
	fail_msg("no request");
}

static void server_acks_unique_iid(void **state)
{
	(void)state;
	struct side s;
	uint8_t o[10];
	const uint64_t peer = 0x1c2b3a4958677685ull; /* what Windows sends: random */

	side_init(&s, PPP_ROLE_SERVER, SRV_IID);
	ipv6cp_open(&s.v);
	expect(&s, PPP_CONF_REQ, last(&s)->b[1], opt(o, SRV_IID), 10);
	feed(&s, PPP_CONF_REQ, 1, opt(o, peer), 10);
	expect(&s, PPP_CONF_ACK, 1, opt(o, peer), 10);
	ack_our_request(&s);
	assert_true(ipv6cp_is_opened(&s.v));
	assert_int_equal(ipv6cp_result(&s.v)->local, SRV_IID);
	assert_int_equal(ipv6cp_result(&s.v)->peer, peer);
	assert_int_equal(s.ups, 1);
	assert_int_equal(s.suggested, 0);
}

/* RFC 5072 4.1: a zero identifier is Naked with a suggestion. */
static void server_naks_zero_iid(void **state)
{
	(void)state;
	struct side s;
	uint8_t o[10];

	side_init(&s, PPP_ROLE_SERVER, SRV_IID);
	ipv6cp_open(&s.v);
	feed(&s, PPP_CONF_REQ, 1, opt(o, 0), 10);
	expect(&s, PPP_CONF_NAK, 1, opt(o, SUGGEST), 10);
	feed(&s, PPP_CONF_REQ, 2, opt(o, SUGGEST), 10);
	expect(&s, PPP_CONF_ACK, 2, opt(o, SUGGEST), 10);
	ack_our_request(&s);
	assert_int_equal(ipv6cp_result(&s.v)->peer, SUGGEST);
}

/* The peer's identifier equal to ours, or one another session has: never
 * Acked, Naked with the owner's. */
static void server_naks_colliding_and_taken_iid(void **state)
{
	(void)state;
	struct side s;
	uint8_t o[10];

	side_init(&s, PPP_ROLE_SERVER, SRV_IID);
	ipv6cp_open(&s.v);
	feed(&s, PPP_CONF_REQ, 1, opt(o, SRV_IID), 10);
	expect(&s, PPP_CONF_NAK, 1, opt(o, SUGGEST), 10);
	feed(&s, PPP_CONF_REQ, 2, opt(o, TAKEN), 10);
	expect(&s, PPP_CONF_NAK, 2, opt(o, SUGGEST), 10);
	assert_int_equal(s.suggested, 2);
	assert_false(ipv6cp_is_opened(&s.v));
	ack_our_request(&s);
	assert_false(ipv6cp_is_opened(&s.v));
	feed(&s, PPP_CONF_REQ, 3, opt(o, SUGGEST), 10);
	expect(&s, PPP_CONF_ACK, 3, opt(o, SUGGEST), 10);
	assert_true(ipv6cp_is_opened(&s.v));
	assert_int_equal(ipv6cp_result(&s.v)->peer, SUGGEST);
}

/* No suggestion from the owner: the option is Rejected, never Acked. */
static void server_without_suggestion_rejects(void **state)
{
	(void)state;
	struct side s;
	uint8_t o[10];

	side_init(&s, PPP_ROLE_SERVER, SRV_IID);
	s.suggestion = SRV_IID; /* equal to ours: unusable */
	ipv6cp_open(&s.v);
	feed(&s, PPP_CONF_REQ, 1, opt(o, 0), 10);
	expect(&s, PPP_CONF_REJ, 1, opt(o, 0), 10);
}

/* A request without the option is told the identifier it gets; the
 * compression option and a wrong-length identifier are Rejected. */
static void server_requests_left_out_and_bad_options(void **state)
{
	(void)state;
	struct side s;
	uint8_t o[10];
	const uint8_t comp[] = { IPV6CP_OPT_COMP, 4, 0x00, 0x4f }; /* RFC 2507 */
	const uint8_t shortid[] = { IPV6CP_OPT_IID, 6, 1, 2, 3, 4 };
	uint8_t both[14];

	side_init(&s, PPP_ROLE_SERVER, SRV_IID);
	ipv6cp_open(&s.v);
	feed(&s, PPP_CONF_REQ, 1, NULL, 0);
	expect(&s, PPP_CONF_NAK, 1, opt(o, SUGGEST), 10);
	memcpy(both, opt(o, 0x0123456789abcdefull), 10);
	memcpy(both + 10, comp, 4);
	feed(&s, PPP_CONF_REQ, 2, both, sizeof(both));
	expect(&s, PPP_CONF_REJ, 2, comp, sizeof(comp));
	feed(&s, PPP_CONF_REQ, 3, shortid, sizeof(shortid));
	expect(&s, PPP_CONF_REJ, 3, shortid, sizeof(shortid));
	assert_false(ipv6cp_is_opened(&s.v));
}

/* Client: asks with 0, adopts the Nak, Acks the server's identifier. */
static void client_adopts_suggested_iid(void **state)
{
	(void)state;
	struct side c;
	uint8_t o[10];

	side_init(&c, PPP_ROLE_CLIENT, 0);
	ipv6cp_open(&c.v);
	expect(&c, PPP_CONF_REQ, last(&c)->b[1], opt(o, 0), 10);
	feed(&c, PPP_CONF_NAK, last(&c)->b[1], opt(o, SUGGEST), 10);
	expect(&c, PPP_CONF_REQ, last(&c)->b[1], opt(o, SUGGEST), 10);
	feed(&c, PPP_CONF_ACK, last(&c)->b[1], opt(o, SUGGEST), 10);
	feed(&c, PPP_CONF_REQ, 7, opt(o, SRV_IID), 10);
	expect(&c, PPP_CONF_ACK, 7, opt(o, SRV_IID), 10);
	assert_true(ipv6cp_is_opened(&c.v));
	assert_int_equal(ipv6cp_result(&c.v)->local, SUGGEST);
	assert_int_equal(ipv6cp_result(&c.v)->peer, SRV_IID);
}

/* Client: a server identifier that is zero or equal to ours is Naked with
 * a different, non-zero one. */
static void client_naks_zero_or_equal_server_iid(void **state)
{
	(void)state;
	struct side c;
	uint8_t o[10];

	side_init(&c, PPP_ROLE_CLIENT, SUGGEST);
	ipv6cp_open(&c.v);
	feed(&c, PPP_CONF_REQ, 1, opt(o, SUGGEST), 10);
	expect(&c, PPP_CONF_NAK, 1, opt(o, ~SUGGEST), 10);
	feed(&c, PPP_CONF_REQ, 2, opt(o, 0), 10);
	expect(&c, PPP_CONF_NAK, 2, opt(o, ~SUGGEST), 10);
}

/* The peer Protocol-Rejects IPV6CP: it stops (finished), nothing is up. */
static void protocol_reject_stops(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER, SRV_IID);
	ipv6cp_open(&s.v);
	ipv6cp_protocol_rejected(&s.v);
	assert_int_equal(s.v.fsm.state, FSM_STOPPED);
	assert_int_equal(s.finished, 1);
	assert_int_equal(s.ups, 0);
}

/* The peer rejects our identifier: we stop asking for it and the rest of
 * the negotiation goes on. */
static void peer_rejects_our_iid(void **state)
{
	(void)state;
	struct side s;
	uint8_t o[10];

	side_init(&s, PPP_ROLE_SERVER, SRV_IID);
	ipv6cp_open(&s.v);
	feed(&s, PPP_CONF_REJ, last(&s)->b[1], opt(o, SRV_IID), 10);
	expect(&s, PPP_CONF_REQ, last(&s)->b[1], NULL, 0);
	assert_int_equal(s.v.rejects_received, 1);
}

static void input(void *obj, const uint8_t *pkt, size_t len)
{
	ipv6cp_input(obj, pkt, len);
}

/* A server and a client whose own identifier collides with the server's:
 * the client ends up with the owner's suggestion. */
static void back_to_back_collision(void **state)
{
	(void)state;
	struct side s, c;

	side_init(&s, PPP_ROLE_SERVER, SRV_IID);
	side_init(&c, PPP_ROLE_CLIENT, SRV_IID);
	ipv6cp_open(&c.v);
	ipv6cp_open(&s.v);
	ctl_pump(&s.out, input, &s.v, &c.out, input, &c.v);
	assert_true(ipv6cp_is_opened(&s.v));
	assert_true(ipv6cp_is_opened(&c.v));
	assert_int_equal(ipv6cp_result(&s.v)->local, SRV_IID);
	assert_int_equal(ipv6cp_result(&s.v)->peer, SUGGEST);
	assert_int_equal(ipv6cp_result(&c.v)->local, SUGGEST);
	assert_int_equal(ipv6cp_result(&c.v)->peer, SRV_IID);
	assert_int_equal(s.ups, 1);
	assert_int_equal(c.ups, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(server_acks_unique_iid),
		cmocka_unit_test(server_naks_zero_iid),
		cmocka_unit_test(server_naks_colliding_and_taken_iid),
		cmocka_unit_test(server_without_suggestion_rejects),
		cmocka_unit_test(server_requests_left_out_and_bad_options),
		cmocka_unit_test(client_adopts_suggested_iid),
		cmocka_unit_test(client_naks_zero_or_equal_server_iid),
		cmocka_unit_test(protocol_reject_stops),
		cmocka_unit_test(peer_rejects_our_iid),
		cmocka_unit_test(back_to_back_collision),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
