/*
 * IPCP: what Windows and pppd send (clients.md), address assignment, RFC
 * 1877 DNS/NBNS, and a server/client negotiation back to back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/support/ctl_wire.h"
#include "common/ppp/ipcp.h"

struct side {
	struct ipcp ip;
	struct ipcp_config cfg;
	struct fsm_io io;
	struct ctl_out out;
	unsigned ups, no_address;
};

static void s_send(void *arg, uint16_t proto, const uint8_t *p, size_t len)
{
	struct side *s = arg;
	assert_int_equal(proto, PPP_PROTO_IPCP);
	ctl_out_push(&s->out, p, len);
}
static void s_up(void *arg) { ((struct side *)arg)->ups++; }
static void s_no_address(void *arg) { ((struct side *)arg)->no_address++; }

static const struct ipcp_events sev = { s_up, NULL, NULL, s_no_address };

#define A(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

static void side_init(struct side *s, enum ppp_role role)
{
	memset(s, 0, sizeof(*s));
	s->cfg.role = role;
	if (role == PPP_ROLE_SERVER) {
		s->cfg.local = A(10, 0, 0, 1);
		s->cfg.dns[0] = A(8, 8, 8, 8);
		s->cfg.dns[1] = A(8, 8, 4, 4);
	} else {
		s->cfg.want_dns = true;
	}
	s->io = (struct fsm_io){ s_send, ctl_timer_start_noop, ctl_timer_stop_noop, s };
	ipcp_init(&s->ip, &s->cfg, &s->io, &sev, s);
	if (role == PPP_ROLE_SERVER)
		ipcp_set_peer_address(&s->ip, A(10, 0, 0, 5));
}

static const struct ctl_pkt *last(const struct side *s)
{
	return ctl_out_last(&s->out);
}

static void feed(struct side *s, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
	uint8_t p[FSM_PKT_MAX];
	ipcp_input(&s->ip, p, ctl_build(p, code, id, d, n));
}

static void expect(const struct side *s, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
	assert_int_equal(last(s)->b[0], code);
	assert_int_equal(last(s)->b[1], id);
	assert_int_equal(last(s)->len, n + 4);
	assert_memory_equal(last(s)->b + 4, d, n);
}

static void ack_server_request(struct side *s)
{
	for (unsigned i = 0; i < s->out.n; i++)
		if (s->out.pkt[i].b[0] == PPP_CONF_REQ) {
			feed(s, PPP_CONF_ACK, s->out.pkt[i].b[1], s->out.pkt[i].b + 4, s->out.pkt[i].len - 4);
			return;
		}
	fail_msg("no request");
}

/* clients.md: Windows asks for 0.0.0.0 with MS-DNS 1/2 and MS-NBNS 1/2 all
 * 0.0.0.0; with NBNS rejected it retries without. */
static void windows_request_nbns_rejected_then_naked_then_acked(void **state)
{
	(void)state;
	struct side s;
	const uint8_t req[] = { 0x03, 0x06, 0, 0, 0, 0, 0x81, 0x06, 0, 0, 0, 0, 0x82, 0x06, 0, 0, 0, 0,
				0x83, 0x06, 0, 0, 0, 0, 0x84, 0x06, 0, 0, 0, 0 };
	const uint8_t rej[] = { 0x82, 0x06, 0, 0, 0, 0, 0x84, 0x06, 0, 0, 0, 0 };
	const uint8_t req2[] = { 0x03, 0x06, 0, 0, 0, 0, 0x81, 0x06, 0, 0, 0, 0, 0x83, 0x06, 0, 0, 0, 0 };
	const uint8_t nak[] = { 0x03, 0x06, 10, 0, 0, 5, 0x81, 0x06, 8, 8, 8, 8, 0x83, 0x06, 8, 8, 4, 4 };

	side_init(&s, PPP_ROLE_SERVER);
	ipcp_open(&s.ip);
	expect(&s, PPP_CONF_REQ, last(&s)->b[1], (const uint8_t *)"\x03\x06\x0A\x00\x00\x01", 6);
	feed(&s, PPP_CONF_REQ, 1, req, sizeof(req));
	expect(&s, PPP_CONF_REJ, 1, rej, sizeof(rej));
	feed(&s, PPP_CONF_REQ, 2, req2, sizeof(req2));
	expect(&s, PPP_CONF_NAK, 2, nak, sizeof(nak));
	feed(&s, PPP_CONF_REQ, 3, nak, sizeof(nak));
	expect(&s, PPP_CONF_ACK, 3, nak, sizeof(nak));
	ack_server_request(&s);
	assert_true(ipcp_is_opened(&s.ip));
	const struct ipcp_result *r = ipcp_result(&s.ip);
	assert_int_equal(r->local, A(10, 0, 0, 1));
	assert_int_equal(r->peer, A(10, 0, 0, 5));
	assert_int_equal(r->dns[0], A(8, 8, 8, 8));
	assert_int_equal(r->dns[1], A(8, 8, 4, 4));
	assert_int_equal(r->nbns[0], 0);
	assert_int_equal(s.ups, 1);
}

static void windows_request_with_nbns_configured_naked_whole(void **state)
{
	(void)state;
	struct side s;
	const uint8_t req[] = { 0x03, 0x06, 0, 0, 0, 0, 0x81, 0x06, 0, 0, 0, 0, 0x82, 0x06, 0, 0, 0, 0,
				0x83, 0x06, 0, 0, 0, 0, 0x84, 0x06, 0, 0, 0, 0 };
	const uint8_t nak[] = { 0x03, 0x06, 10, 0, 0, 5, 0x81, 0x06, 8, 8, 8, 8, 0x82, 0x06, 10, 1, 1, 1,
				0x83, 0x06, 8, 8, 4, 4, 0x84, 0x06, 10, 1, 1, 2 };

	side_init(&s, PPP_ROLE_SERVER);
	s.cfg.nbns[0] = A(10, 1, 1, 1);
	s.cfg.nbns[1] = A(10, 1, 1, 2);
	ipcp_open(&s.ip);
	feed(&s, PPP_CONF_REQ, 1, req, sizeof(req));
	expect(&s, PPP_CONF_NAK, 1, nak, sizeof(nak));
}

/* clients.md: pppd offers VJ compression: reject it. */
static void pppd_vj_and_old_addresses_rejected(void **state)
{
	(void)state;
	struct side s;
	const uint8_t req[] = { 0x02, 0x06, 0x00, 0x2D, 0x0F, 0x01, 0x03, 0x06, 0, 0, 0, 0 };
	const uint8_t old[] = { 0x01, 0x0A, 0, 0, 0, 0, 0, 0, 0, 0 };

	side_init(&s, PPP_ROLE_SERVER);
	ipcp_open(&s.ip);
	feed(&s, PPP_CONF_REQ, 1, req, sizeof(req));
	expect(&s, PPP_CONF_REJ, 1, req, 6);
	feed(&s, PPP_CONF_REQ, 2, old, sizeof(old));
	expect(&s, PPP_CONF_REJ, 2, old, sizeof(old));
}

static void only_the_assigned_address_is_acked(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	ipcp_open(&s.ip);
	feed(&s, PPP_CONF_REQ, 1, (const uint8_t *)"\x03\x06\x0A\x00\x00\x63", 6);
	expect(&s, PPP_CONF_NAK, 1, (const uint8_t *)"\x03\x06\x0A\x00\x00\x05", 6);
	feed(&s, PPP_CONF_REQ, 2, (const uint8_t *)"\x03\x06\x0A\x00\x00\x05", 6);
	expect(&s, PPP_CONF_ACK, 2, (const uint8_t *)"\x03\x06\x0A\x00\x00\x05", 6);
	/* no address in the request: we tell it which one (unsolicited Nak) */
	feed(&s, PPP_CONF_REQ, 3, NULL, 0);
	expect(&s, PPP_CONF_NAK, 3, (const uint8_t *)"\x03\x06\x0A\x00\x00\x05", 6);
	/* a wrong option length is rejected */
	feed(&s, PPP_CONF_REQ, 4, (const uint8_t *)"\x03\x04\x0A\x00", 4);
	expect(&s, PPP_CONF_REJ, 4, (const uint8_t *)"\x03\x04\x0A\x00", 4);
}

static void dns_rejected_when_not_configured(void **state)
{
	(void)state;
	struct side s;

	side_init(&s, PPP_ROLE_SERVER);
	s.cfg.dns[0] = s.cfg.dns[1] = 0;
	ipcp_open(&s.ip);
	feed(&s, PPP_CONF_REQ, 1, (const uint8_t *)"\x03\x06\x0A\x00\x00\x05\x81\x06\0\0\0\0", 12);
	expect(&s, PPP_CONF_REJ, 1, (const uint8_t *)"\x81\x06\0\0\0\0", 6);
}

/* clients.md: Windows may send IPCP while CCP is still negotiating: before
 * the owner opens IPCP it is ignored (counted), not fatal; the retransmitted
 * request is handled once IPCP is open. */
static void early_request_ignored_until_opened(void **state)
{
	(void)state;
	struct side s;
	const uint8_t req[] = { 0x03, 0x06, 0, 0, 0, 0, 0x81, 0x06, 0, 0, 0, 0, 0x83, 0x06, 0, 0, 0, 0 };

	side_init(&s, PPP_ROLE_SERVER);
	feed(&s, PPP_CONF_REQ, 1, req, sizeof(req));
	assert_int_equal(s.out.n, 0);
	assert_int_equal(s.ip.fsm.state, FSM_INITIAL);
	assert_int_equal(s.ip.fsm.drops[FSM_DROP_STATE], 1);
	ipcp_open(&s.ip);
	feed(&s, PPP_CONF_REQ, 2, req, sizeof(req));
	assert_int_equal(last(&s)->b[0], PPP_CONF_NAK);
}

/* Issue 10 item 11a: a peer that never takes its address. Our own request
 * is acknowledged first, so an Ack of the peer's would open IPCP. After
 * max_failure Naks the automaton would Ack a request without an address
 * (or Reject a wrong one); instead it is not answered, IPCP stays short of
 * Opened and no_address is reported once. */
static void address_left_out_past_nak_limit_never_opens(void **state)
{
	(void)state;
	struct side s;
	const uint8_t dns[] = { 0x81, 0x06, 0, 0, 0, 0 };

	side_init(&s, PPP_ROLE_SERVER);
	ipcp_open(&s.ip);
	ack_server_request(&s);
	assert_int_equal(s.ip.fsm.state, FSM_ACK_RCVD);
	for (uint8_t id = 1; id <= s.ip.fsm.max_failure; id++) {
		feed(&s, PPP_CONF_REQ, id, dns, sizeof(dns));
		assert_int_equal(last(&s)->b[0], PPP_CONF_NAK);
		assert_int_equal(s.no_address, 0);
	}
	s.out.n = 0;
	feed(&s, PPP_CONF_REQ, 20, dns, sizeof(dns));
	assert_int_equal(s.out.n, 0);
	assert_int_equal(s.no_address, 1);
	assert_false(ipcp_is_opened(&s.ip));
	assert_int_equal(s.ups, 0);
	assert_int_equal(ipcp_result(&s.ip)->peer, 0);
	/* whatever comes next is ignored: the owner is ending the link */
	feed(&s, PPP_CONF_REQ, 21, (const uint8_t *)"\x03\x06\x0A\x00\x00\x05", 6);
	assert_int_equal(s.out.n, 0);
	assert_int_equal(s.no_address, 1);
	assert_int_equal(s.ups, 0);
}

static void wrong_address_past_nak_limit_never_opens(void **state)
{
	(void)state;
	struct side s;
	const uint8_t want[] = { 0x03, 0x06, 10, 0, 0, 99 };

	side_init(&s, PPP_ROLE_SERVER);
	ipcp_open(&s.ip);
	ack_server_request(&s);
	for (uint8_t id = 1; id <= s.ip.fsm.max_failure; id++) {
		feed(&s, PPP_CONF_REQ, id, want, sizeof(want));
		expect(&s, PPP_CONF_NAK, id, (const uint8_t *)"\x03\x06\x0A\x00\x00\x05", 6);
	}
	s.out.n = 0;
	feed(&s, PPP_CONF_REQ, 9, want, sizeof(want));
	assert_int_equal(s.out.n, 0); /* not a Reject of the address either */
	assert_int_equal(s.no_address, 1);
	feed(&s, PPP_CONF_REQ, 10, NULL, 0);
	assert_int_equal(s.out.n, 0);
	assert_false(ipcp_is_opened(&s.ip));
	assert_int_equal(s.ups, 0);
}

/* Naks spent on DNS only: a request with the right address still opens
 * (the DNS options are rejected, as RFC 1661 4.6 says). */
static void nak_limit_spent_on_dns_still_opens_with_address(void **state)
{
	(void)state;
	struct side s;
	const uint8_t req[] = { 0x03, 0x06, 10, 0, 0, 5, 0x81, 0x06, 1, 2, 3, 4 };

	side_init(&s, PPP_ROLE_SERVER);
	ipcp_open(&s.ip);
	ack_server_request(&s);
	for (uint8_t id = 1; id <= s.ip.fsm.max_failure; id++) {
		feed(&s, PPP_CONF_REQ, id, req, sizeof(req));
		assert_int_equal(last(&s)->b[0], PPP_CONF_NAK);
	}
	feed(&s, PPP_CONF_REQ, 9, req, sizeof(req));
	expect(&s, PPP_CONF_REJ, 9, req + 6, 6);
	feed(&s, PPP_CONF_REQ, 10, req, 6);
	expect(&s, PPP_CONF_ACK, 10, req, 6);
	assert_true(ipcp_is_opened(&s.ip));
	assert_int_equal(ipcp_result(&s.ip)->peer, A(10, 0, 0, 5));
	assert_int_equal(s.no_address, 0);
	assert_int_equal(s.ups, 1);
}

static void input(void *obj, const uint8_t *pkt, size_t len)
{
	ipcp_input(obj, pkt, len);
}

static void pump(struct side *a, struct side *b)
{
	ctl_pump(&a->out, input, &a->ip, &b->out, input, &b->ip);
}

static void server_and_client_back_to_back(void **state)
{
	(void)state;
	struct side s, c;

	side_init(&s, PPP_ROLE_SERVER);
	side_init(&c, PPP_ROLE_CLIENT);
	ipcp_open(&c.ip);
	expect(&c, PPP_CONF_REQ, last(&c)->b[1],
	       (const uint8_t *)"\x03\x06\0\0\0\0\x81\x06\0\0\0\0\x83\x06\0\0\0\0", 18);
	ipcp_open(&s.ip);
	pump(&s, &c);
	assert_true(ipcp_is_opened(&s.ip));
	assert_true(ipcp_is_opened(&c.ip));
	const struct ipcp_result *rc = ipcp_result(&c.ip), *rs = ipcp_result(&s.ip);
	assert_int_equal(rc->local, A(10, 0, 0, 5));
	assert_int_equal(rc->peer, A(10, 0, 0, 1));
	assert_int_equal(rc->dns[0], A(8, 8, 8, 8));
	assert_int_equal(rc->dns[1], A(8, 8, 4, 4));
	assert_int_equal(rs->peer, A(10, 0, 0, 5));
	assert_int_equal(rs->local, A(10, 0, 0, 1));
}

static void client_stops_asking_for_rejected_dns(void **state)
{
	(void)state;
	struct side s, c;

	side_init(&s, PPP_ROLE_SERVER);
	s.cfg.dns[0] = s.cfg.dns[1] = 0;
	side_init(&c, PPP_ROLE_CLIENT);
	ipcp_open(&c.ip);
	ipcp_open(&s.ip);
	pump(&s, &c);
	assert_true(ipcp_is_opened(&c.ip));
	assert_int_equal(ipcp_result(&c.ip)->dns[0], 0);
	assert_int_equal(ipcp_result(&c.ip)->local, A(10, 0, 0, 5));
}

/* ipcp_config.want_nbns (the Windows-shaped test client): it asks as
 * Windows does, 0.0.0.0 with DNS 1, NBNS 1, DNS 2, NBNS 2; a server
 * without NBNS servers Rejects them and the client goes on without; one
 * with them hands them out. */
static void client_asks_nbns_like_windows(void **state)
{
	(void)state;
	struct side s, c;

	side_init(&s, PPP_ROLE_SERVER);
	side_init(&c, PPP_ROLE_CLIENT);
	c.cfg.want_nbns = true;
	ipcp_init(&c.ip, &c.cfg, &c.io, &sev, &c);
	ipcp_open(&c.ip);
	expect(&c, PPP_CONF_REQ, last(&c)->b[1],
	       (const uint8_t *)"\x03\x06\0\0\0\0\x81\x06\0\0\0\0\x82\x06\0\0\0\0"
				"\x83\x06\0\0\0\0\x84\x06\0\0\0\0", 30);
	ipcp_open(&s.ip);
	pump(&s, &c);
	assert_true(ipcp_is_opened(&c.ip));
	assert_false(c.ip.want_nbns[0] || c.ip.want_nbns[1]);
	assert_int_equal(ipcp_result(&c.ip)->dns[0], A(8, 8, 8, 8));
	assert_int_equal(ipcp_result(&c.ip)->nbns[0], 0);
	assert_int_equal(ipcp_result(&c.ip)->local, A(10, 0, 0, 5));

	side_init(&s, PPP_ROLE_SERVER);
	s.cfg.nbns[0] = A(10, 0, 0, 53);
	side_init(&c, PPP_ROLE_CLIENT);
	c.cfg.want_nbns = true;
	ipcp_init(&c.ip, &c.cfg, &c.io, &sev, &c);
	ipcp_open(&c.ip);
	ipcp_open(&s.ip);
	pump(&s, &c);
	assert_true(ipcp_is_opened(&c.ip));
	assert_int_equal(ipcp_result(&c.ip)->nbns[0], A(10, 0, 0, 53));
	assert_false(c.ip.want_nbns[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(windows_request_nbns_rejected_then_naked_then_acked),
		cmocka_unit_test(windows_request_with_nbns_configured_naked_whole),
		cmocka_unit_test(pppd_vj_and_old_addresses_rejected),
		cmocka_unit_test(only_the_assigned_address_is_acked),
		cmocka_unit_test(dns_rejected_when_not_configured),
		cmocka_unit_test(early_request_ignored_until_opened),
		cmocka_unit_test(address_left_out_past_nak_limit_never_opens),
		cmocka_unit_test(wrong_address_past_nak_limit_never_opens),
		cmocka_unit_test(nak_limit_spent_on_dns_still_opens_with_address),
		cmocka_unit_test(server_and_client_back_to_back),
		cmocka_unit_test(client_stops_asking_for_rejected_dns),
		cmocka_unit_test(client_asks_nbns_like_windows),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
