/*
 * LCP: the requests real clients send (clients.md), option handling,
 * loopback, keepalive, Protocol-Reject and back-to-back negotiations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/support/ctl_wire.h"
#include "common/ppp/lcp.h"

struct side {
	struct lcp l;
	struct lcp_config cfg;
	struct fsm_io io;
	struct ctl_out out;
	uint32_t seed;
	unsigned ups, downs, fins;
	uint16_t rejected;
};

static void s_send(void *arg, uint16_t proto, const uint8_t *p, size_t len)
{
	struct side *s = arg;
	assert_int_equal(proto, PPP_PROTO_LCP);
	ctl_out_push(&s->out, p, len);
}
static void s_up(void *arg) { ((struct side *)arg)->ups++; }
static void s_down(void *arg) { ((struct side *)arg)->downs++; }
static void s_fin(void *arg) { ((struct side *)arg)->fins++; }
static void s_prej(void *arg, uint16_t proto) { ((struct side *)arg)->rejected = proto; }
static uint32_t s_rand(void *arg)
{
	struct side *s = arg;
	s->seed = s->seed * 1103515245u + 12345u;
	return s->seed;
}

static const struct lcp_events sev = { s_up, s_down, s_fin, s_prej, s_rand };

static void side_init(struct side *s, enum ppp_role role, uint32_t seed)
{
	memset(s, 0, sizeof(*s));
	s->cfg.role = role;
	s->cfg.mru = 1400;
	s->cfg.auth_allowed = role == PPP_ROLE_SERVER
		? LCP_AUTH_BIT(LCP_AUTH_MSCHAPV2) | LCP_AUTH_BIT(LCP_AUTH_PAP)
		: LCP_AUTH_BIT(LCP_AUTH_MSCHAPV2);
	s->cfg.pfc = s->cfg.acfc = true;
	s->cfg.echo_interval_ms = 10000;
	s->cfg.echo_failures = 3;
	s->seed = seed;
	s->io = (struct fsm_io){ s_send, ctl_timer_start_noop, ctl_timer_stop_noop, s };
	lcp_init(&s->l, &s->cfg, &s->io, &sev, s);
}

static const struct ctl_pkt *last(const struct side *s)
{
	return ctl_out_last(&s->out);
}

static void feed(struct side *s, uint8_t code, uint8_t id, const uint8_t *d, size_t n)
{
	uint8_t p[FSM_PKT_MAX];
	lcp_input(&s->l, p, ctl_build(p, code, id, d, n));
}

/* Deliver queued packets both ways until quiet. */
static void input(void *obj, const uint8_t *pkt, size_t len)
{
	lcp_input(obj, pkt, len);
}

static void pump(struct side *a, struct side *b)
{
	ctl_pump(&a->out, input, &a->l, &b->out, input, &b->l);
}

/* Ack whatever the server asked for, as the client would. */
static void ack_server_request(struct side *s)
{
	for (unsigned i = 0; i < s->out.n; i++) {
		if (s->out.pkt[i].b[0] == PPP_CONF_REQ) {
			feed(s, PPP_CONF_ACK, s->out.pkt[i].b[1], s->out.pkt[i].b + 4, s->out.pkt[i].len - 4);
			return;
		}
	}
	fail_msg("no Configure-Request sent");
}

/* clients.md: Windows Configure-Request. */
static const uint8_t win_req[] = {
	0x01, 0x04, 0x05, 0x78,                         /* MRU 1400 */
	0x05, 0x06, 0x3A, 0x1B, 0x7C, 0x55,             /* magic */
	0x07, 0x02,                                     /* PFC */
	0x08, 0x02,                                     /* ACFC */
	0x0D, 0x03, 0x06,                               /* callback: CBCP */
	0x11, 0x04, 0x06, 0x4E,                         /* MRRU 1614 */
	0x13, 0x17, 0x01, 0x2C, 0x0A, 0x6E, 0x6A, 0x4D, /* endpoint discriminator */
	0x31, 0x41, 0xD0, 0x9C, 0xD7, 0x3F, 0x5F, 0x13, /*  class 1, 20 octets */
	0xE2, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00,
	0x17, 0x04, 0x00, 0x2C,                         /* link discriminator */
};

static void windows_request_rejects_13_17_23_then_acks(void **state)
{
	(void)state;
	struct side s;
	const uint8_t rej[] = { 0x0D, 0x03, 0x06, 0x11, 0x04, 0x06, 0x4E, 0x17, 0x04, 0x00, 0x2C };
	uint8_t again[sizeof(win_req)];
	size_t n = 0;

	side_init(&s, PPP_ROLE_SERVER, 1);
	lcp_open(&s.l);
	feed(&s, PPP_CONF_REQ, 1, win_req, sizeof(win_req));
	assert_int_equal(last(&s)->b[0], PPP_CONF_REJ);
	assert_int_equal(last(&s)->b[1], 1);
	assert_int_equal(last(&s)->len, 4 + sizeof(rej));
	assert_memory_equal(last(&s)->b + 4, rej, sizeof(rej));

	/* Windows resends without the rejected options. */
	memcpy(again, win_req, 14);
	n = 14;
	memcpy(again + n, win_req + 21, 23);
	n += 23;
	feed(&s, PPP_CONF_REQ, 2, again, n);
	assert_int_equal(last(&s)->b[0], PPP_CONF_ACK);
	assert_int_equal(last(&s)->len, 4 + n);
	assert_memory_equal(last(&s)->b + 4, again, n);
	ack_server_request(&s);
	assert_true(lcp_is_opened(&s.l));
	const struct lcp_result *r = lcp_result(&s.l);
	assert_int_equal(r->peer_mru, 1400);
	assert_int_equal(r->peer_magic, 0x3A1B7C55);
	assert_true(r->pfc_tx && r->acfc_tx && r->pfc_rx && r->acfc_rx);
	assert_int_equal(r->auth, LCP_AUTH_MSCHAPV2);
	assert_int_equal(s.ups, 1);
}

static void server_request_prefers_mschapv2(void **state)
{
	(void)state;
	struct side s;
	side_init(&s, PPP_ROLE_SERVER, 1);
	lcp_open(&s.l);
	const struct ctl_pkt *p = last(&s);
	assert_int_equal(p->b[0], PPP_CONF_REQ);
	/* MRU 1400, auth C223/81, magic, PFC, ACFC */
	assert_int_equal(p->len, 4 + 4 + 5 + 6 + 2 + 2);
	assert_memory_equal(p->b + 4, "\x01\x04\x05\x78\x03\x05\xC2\x23\x81\x05\x06", 11);
	assert_memory_equal(p->b + 4 + 15, "\x07\x02\x08\x02", 4);
	assert_int_not_equal(load_be32(p->b + 15), 0);
}

/* clients.md: pptp-linux/pppd Configure-Request: ACCM 0, magic, PFC, ACFC. */
static void pppd_request_acked(void **state)
{
	(void)state;
	struct side s;
	const uint8_t req[] = { 0x02, 0x06, 0, 0, 0, 0, 0x05, 0x06, 0x12, 0x34, 0x56, 0x78,
				0x07, 0x02, 0x08, 0x02 };
	side_init(&s, PPP_ROLE_SERVER, 1);
	lcp_open(&s.l);
	feed(&s, PPP_CONF_REQ, 1, req, sizeof(req));
	assert_int_equal(last(&s)->b[0], PPP_CONF_ACK);
	assert_memory_equal(last(&s)->b + 4, req, sizeof(req));
	ack_server_request(&s);
	assert_true(lcp_is_opened(&s.l));
	assert_int_equal(lcp_result(&s.l)->peer_mru, 1500);
}

/* clients.md: some testers Nak boolean options instead of rejecting them. */
static void nak_of_boolean_option_stops_requesting_it(void **state)
{
	(void)state;
	struct side s;
	side_init(&s, PPP_ROLE_SERVER, 1);
	lcp_open(&s.l);
	uint8_t id = last(&s)->b[1];
	feed(&s, PPP_CONF_NAK, id, (const uint8_t *)"\x07\x02\x08\x02", 4);
	const struct ctl_pkt *p = last(&s);
	assert_int_equal(p->b[0], PPP_CONF_REQ);
	assert_int_not_equal(p->b[1], id);
	assert_int_equal(p->len, 4 + 4 + 5 + 6); /* no PFC, no ACFC */
	assert_int_equal(s.l.fsm.state, FSM_REQ_SENT);
}

static void auth_nak_moves_to_allowed_protocol_or_gives_up(void **state)
{
	(void)state;
	struct side s;
	side_init(&s, PPP_ROLE_SERVER, 1);
	lcp_open(&s.l);
	/* client wants PAP: allowed, adopt it */
	feed(&s, PPP_CONF_NAK, last(&s)->b[1], (const uint8_t *)"\x03\x04\xC0\x23", 4);
	assert_memory_equal(last(&s)->b + 8, "\x03\x04\xC0\x23", 4);
	/* then it wants EAP: not allowed and nothing left */
	feed(&s, PPP_CONF_NAK, last(&s)->b[1], (const uint8_t *)"\x03\x04\xC2\x27", 4);
	assert_int_equal(s.l.fail, LCP_FAIL_AUTH);
	assert_int_equal(last(&s)->b[0], PPP_TERM_REQ);
	assert_int_equal(s.l.fsm.state, FSM_CLOSING);

	/* EAP suggested first: fall back to the next we allow (PAP) */
	side_init(&s, PPP_ROLE_SERVER, 1);
	lcp_open(&s.l);
	feed(&s, PPP_CONF_NAK, last(&s)->b[1], (const uint8_t *)"\x03\x04\xC2\x27", 4);
	assert_memory_equal(last(&s)->b + 8, "\x03\x04\xC0\x23", 4);
	/* a Reject of the auth option ends it */
	feed(&s, PPP_CONF_REJ, last(&s)->b[1], (const uint8_t *)"\x03\x04\xC0\x23", 4);
	assert_int_equal(last(&s)->b[0], PPP_TERM_REQ);
}

static void client_naks_unsupported_auth_with_preferred(void **state)
{
	(void)state;
	struct side c;
	side_init(&c, PPP_ROLE_CLIENT, 2);
	lcp_open(&c.l);
	feed(&c, PPP_CONF_REQ, 9, (const uint8_t *)"\x03\x04\xC0\x23", 4);
	assert_int_equal(last(&c)->b[0], PPP_CONF_NAK);
	assert_memory_equal(last(&c)->b + 4, "\x03\x05\xC2\x23\x81", 5);
	feed(&c, PPP_CONF_REQ, 10, (const uint8_t *)"\x03\x05\xC2\x23\x81", 5);
	assert_int_equal(last(&c)->b[0], PPP_CONF_ACK);
	/* clients.md: a Windows RAS server asks for EAP first, then MS-CHAPv2 */
	feed(&c, PPP_CONF_REQ, 11, (const uint8_t *)"\x03\x04\xC2\x27", 4);
	assert_int_equal(last(&c)->b[0], PPP_CONF_NAK);
	assert_memory_equal(last(&c)->b + 4, "\x03\x05\xC2\x23\x81", 5);
	/* and a server asking the client's own request for auth is rejected */
	struct side s;
	side_init(&s, PPP_ROLE_SERVER, 3);
	lcp_open(&s.l);
	feed(&s, PPP_CONF_REQ, 1, (const uint8_t *)"\x03\x05\xC2\x23\x81", 5);
	assert_int_equal(last(&s)->b[0], PPP_CONF_REJ);
}

static void own_magic_is_naked_then_loop_declared(void **state)
{
	(void)state;
	struct side s;
	uint8_t opt[6] = { 0x05, 0x06 };

	side_init(&s, PPP_ROLE_SERVER, 1);
	lcp_open(&s.l);
	for (int i = 0; i < 5; i++) {
		store_be32(opt + 2, s.l.want.magic_val);
		uint32_t old = s.l.want.magic_val;
		feed(&s, PPP_CONF_REQ, (uint8_t)i, opt, sizeof(opt));
		if (i < 4) {
			assert_int_equal(last(&s)->b[0], PPP_CONF_NAK);
			assert_int_not_equal(load_be32(last(&s)->b + 6), old);
			assert_int_not_equal(load_be32(last(&s)->b + 6), 0);
		}
	}
	assert_int_equal(s.l.fail, LCP_FAIL_LOOPBACK);
	assert_int_equal(last(&s)->b[0], PPP_TERM_REQ);
	/* a zero magic is naked too, but is not a loop */
	side_init(&s, PPP_ROLE_SERVER, 1);
	lcp_open(&s.l);
	feed(&s, PPP_CONF_REQ, 1, (const uint8_t *)"\x05\x06\0\0\0\0", 6);
	assert_int_equal(last(&s)->b[0], PPP_CONF_NAK);
	assert_int_equal(s.l.loop_naks, 0);
}

static void open_windows_server(struct side *s)
{
	const uint8_t req[] = { 0x01, 0x04, 0x00, 0x80, 0x05, 0x06, 0x3A, 0x1B, 0x7C, 0x55 };
	side_init(s, PPP_ROLE_SERVER, 1);
	lcp_open(&s->l);
	feed(s, PPP_CONF_REQ, 1, req, sizeof(req)); /* peer MRU 128 */
	ack_server_request(s);
	assert_true(lcp_is_opened(&s->l));
	s->out.n = 0;
}

/* clients.md: Identification packets right after LCP opens are accepted silently. */
static void windows_identification_accepted_silently(void **state)
{
	(void)state;
	struct side s;
	uint8_t bin[20] = { 0 };

	open_windows_server(&s);
	feed(&s, PPP_IDENTIFICATION, 2, (const uint8_t *)"\x3A\x1B\x7C\x55MSRASV5.20", 14);
	feed(&s, PPP_IDENTIFICATION, 3, (const uint8_t *)"\x3A\x1B\x7C\x55MSRAS-0-DESKTOP1", 20);
	for (int i = 0; i < 16; i++)
		bin[4 + i] = (uint8_t)(0xA0 + i);
	feed(&s, PPP_IDENTIFICATION, 4, bin, sizeof(bin));
	feed(&s, PPP_TIME_REMAINING, 5, (const uint8_t *)"\x3A\x1B\x7C\x55\0\0\x0E\x10", 8);
	assert_int_equal(s.out.n, 0);
	assert_int_equal(s.l.idents, 3);
	assert_int_equal(s.l.time_remaining, 1);
	assert_true(lcp_is_opened(&s.l));
}

/* clients.md: the Echo-Reply must fit the client's MRU. */
static void echo_reply_has_our_magic_and_fits_peer_mru(void **state)
{
	(void)state;
	struct side s;
	uint8_t big[300];

	open_windows_server(&s);
	memset(big, 0xEE, sizeof(big));
	store_be32(big, 0x3A1B7C55);
	feed(&s, PPP_ECHO_REQ, 7, big, sizeof(big));
	assert_int_equal(s.out.n, 1);
	assert_int_equal(last(&s)->b[0], PPP_ECHO_REP);
	assert_int_equal(last(&s)->b[1], 7);
	assert_int_equal(last(&s)->len, 128);
	assert_int_equal(load_be16(last(&s)->b + 2), 128);
	assert_int_equal(load_be32(last(&s)->b + 4), lcp_result(&s.l)->our_magic);
	/* Discard-Request: nothing */
	feed(&s, PPP_DISCARD_REQ, 8, big, 8);
	assert_int_equal(s.out.n, 1);
	/* not answered before Opened */
	side_init(&s, PPP_ROLE_SERVER, 1);
	lcp_open(&s.l);
	s.out.n = 0;
	feed(&s, PPP_ECHO_REQ, 7, big, 8);
	assert_int_equal(s.out.n, 0);
}

static void keepalive_counts_unanswered_echoes(void **state)
{
	(void)state;
	struct side s;
	uint64_t t = 1000;

	open_windows_server(&s);
	assert_true(lcp_keepalive(&s.l, t)); /* arms the interval */
	assert_int_equal(s.out.n, 0);
	t += 10000;
	assert_true(lcp_keepalive(&s.l, t));
	assert_int_equal(s.out.n, 1);
	assert_int_equal(last(&s)->b[0], PPP_ECHO_REQ);
	/* a reply clears the count */
	feed(&s, PPP_ECHO_REP, last(&s)->b[1], (const uint8_t *)"\x3A\x1B\x7C\x55", 4);
	assert_int_equal(s.l.echo_outstanding, 0);
	for (int i = 0; i < 3; i++) {
		t += 10000;
		assert_true(lcp_keepalive(&s.l, t));
	}
	assert_int_equal(s.l.echo_outstanding, 3);
	t += 5000;
	assert_true(lcp_keepalive(&s.l, t)); /* not yet due */
	t += 5000;
	assert_false(lcp_keepalive(&s.l, t));
	/* traffic from the peer counts as alive */
	lcp_note_rx(&s.l, t);
	assert_true(lcp_keepalive(&s.l, t + 10000));
}

static void protocol_reject_sent_and_received(void **state)
{
	(void)state;
	struct side s;
	uint8_t info[400];

	open_windows_server(&s);
	memset(info, 0x11, sizeof(info));
	info[0] = 1;
	assert_true(lcp_send_protocol_reject(&s.l, PPP_PROTO_IPV6CP, info, sizeof(info)));
	assert_int_equal(last(&s)->b[0], PPP_PROTO_REJ);
	assert_int_equal(last(&s)->len, 128); /* truncated to the peer's MRU */
	assert_memory_equal(last(&s)->b + 4, "\x80\x57\x01\x11", 4);
	/* the peer rejects our CCP: reported */
	feed(&s, PPP_PROTO_REJ, 9, (const uint8_t *)"\x80\xFD\x01\x01\x00\x04", 6);
	assert_int_equal(s.rejected, PPP_PROTO_CCP);
	assert_true(lcp_is_opened(&s.l));
	/* not before Opened */
	side_init(&s, PPP_ROLE_SERVER, 1);
	assert_false(lcp_send_protocol_reject(&s.l, PPP_PROTO_IPV6CP, info, 4));
}

static void server_and_pppd_like_client_back_to_back(void **state)
{
	(void)state;
	struct side s, c;

	side_init(&s, PPP_ROLE_SERVER, 11);
	side_init(&c, PPP_ROLE_CLIENT, 22);
	c.cfg.mru = 1500;
	lcp_open(&s.l);
	lcp_open(&c.l);
	pump(&s, &c);
	assert_true(lcp_is_opened(&s.l));
	assert_true(lcp_is_opened(&c.l));
	const struct lcp_result *rs = lcp_result(&s.l), *rc = lcp_result(&c.l);
	assert_int_equal(rs->auth, LCP_AUTH_MSCHAPV2);
	assert_int_equal(rc->auth, LCP_AUTH_MSCHAPV2);
	assert_int_equal(rs->our_mru, 1400);
	assert_int_equal(rc->peer_mru, 1400);
	assert_int_equal(rs->peer_mru, 1500);
	assert_int_equal(rs->our_magic, rc->peer_magic);
	assert_int_equal(rc->our_magic, rs->peer_magic);
	assert_true(rs->pfc_tx && rs->pfc_rx && rc->acfc_tx && rc->acfc_rx);
	/* and a clean close */
	lcp_close(&s.l, "admin");
	pump(&s, &c);
	assert_int_equal(s.l.fsm.state, FSM_CLOSED);
	assert_int_equal(c.l.fsm.state, FSM_STOPPING);
	assert_int_equal(s.fins, 1);
	assert_int_equal(c.downs, 1);
}

/* Does this Configure-Request carry an option of this type? */
static bool req_has(const struct ctl_pkt *p, uint8_t type)
{
	for (size_t at = 4; at + 2 <= p->len && p->b[at + 1] >= 2; at += p->b[at + 1])
		if (p->b[at] == type)
			return true;
	return false;
}

/* lcp_config.windows_options (the Windows-shaped test client): the client
 * asks for 13, 17, 19 and 23 as Windows does; our server Rejects 13, 17
 * and 23, the client resends without them, keeps the endpoint
 * discriminator (acknowledged) and both sides open. */
static void client_windows_options_dropped_when_rejected(void **state)
{
	(void)state;
	struct side s, c;
	const struct ctl_pkt *first = NULL;

	side_init(&s, PPP_ROLE_SERVER, 11);
	side_init(&c, PPP_ROLE_CLIENT, 22);
	c.cfg.windows_options = true;
	lcp_init(&c.l, &c.cfg, &c.io, &sev, &c);
	lcp_open(&s.l);
	lcp_open(&c.l);
	first = &c.out.pkt[0];
	assert_int_equal(first->b[0], PPP_CONF_REQ);
	assert_true(req_has(first, LCP_OPT_CALLBACK) && req_has(first, LCP_OPT_MRRU) &&
		    req_has(first, LCP_OPT_EPDISC) && req_has(first, LCP_OPT_LDISC));
	assert_true(req_has(first, LCP_OPT_MRU) && req_has(first, LCP_OPT_MAGIC) &&
		    req_has(first, LCP_OPT_PFC) && req_has(first, LCP_OPT_ACFC));
	pump(&s, &c);
	assert_true(lcp_is_opened(&s.l));
	assert_true(lcp_is_opened(&c.l));
	assert_false(c.l.want.callback || c.l.want.mrru || c.l.want.ldisc);
	/* the endpoint discriminator was acknowledged, the others dropped */
	assert_true(c.l.want.epdisc);
	/* never on the server side */
	side_init(&s, PPP_ROLE_SERVER, 11);
	s.cfg.windows_options = true;
	lcp_init(&s.l, &s.cfg, &s.io, &sev, &s);
	lcp_open(&s.l);
	assert_false(req_has(&s.out.pkt[0], LCP_OPT_CALLBACK) || req_has(&s.out.pkt[0], LCP_OPT_MRRU));
}

static void client_only_pap_server_mschap_gives_up(void **state)
{
	(void)state;
	struct side s, c;

	side_init(&s, PPP_ROLE_SERVER, 11);
	s.cfg.auth_allowed = LCP_AUTH_BIT(LCP_AUTH_MSCHAPV2);
	side_init(&c, PPP_ROLE_CLIENT, 22);
	c.cfg.auth_allowed = LCP_AUTH_BIT(LCP_AUTH_PAP);
	lcp_open(&s.l);
	lcp_open(&c.l);
	pump(&s, &c);
	assert_false(lcp_is_opened(&s.l));
	assert_int_equal(s.l.fail, LCP_FAIL_AUTH);
}

/* EAP (0xC227, no data) asked for first; a Nak (whatever it suggests we
 * do not allow) or a Reject falls back to MS-CHAPv2, as a Windows RAS
 * server does; with EAP the only one allowed (require-eap) the link ends. */
static void server_asks_eap_first_then_falls_back(void **state)
{
	(void)state;
	struct side s;
	const uint8_t eap_opt[] = { 0x03, 0x04, 0xC2, 0x27 };

	side_init(&s, PPP_ROLE_SERVER, 1);
	s.cfg.auth_allowed |= LCP_AUTH_BIT(LCP_AUTH_EAP);
	lcp_open(&s.l);
	assert_int_equal(last(&s)->b[0], PPP_CONF_REQ);
	assert_memory_equal(last(&s)->b + 8, eap_opt, 4);
	assert_int_equal(last(&s)->len, 4 + 4 + 4 + 6 + 2 + 2);
	/* pppd without EAP secrets Naks with CHAP/MS-CHAPv2 */
	feed(&s, PPP_CONF_NAK, last(&s)->b[1], (const uint8_t *)"\x03\x05\xC2\x23\x81", 5);
	assert_int_equal(last(&s)->b[0], PPP_CONF_REQ);
	assert_memory_equal(last(&s)->b + 8, "\x03\x05\xC2\x23\x81", 5);
	feed(&s, PPP_CONF_ACK, last(&s)->b[1], last(&s)->b + 4, last(&s)->len - 4);
	feed(&s, PPP_CONF_REQ, 1, (const uint8_t *)"\x05\x06\x12\x34\x56\x78", 6);
	assert_true(lcp_is_opened(&s.l));
	assert_int_equal(lcp_result(&s.l)->auth, LCP_AUTH_MSCHAPV2);

	/* A Nak suggesting something we do not allow (CHAP-MD5): MS-CHAPv2 */
	side_init(&s, PPP_ROLE_SERVER, 1);
	s.cfg.auth_allowed |= LCP_AUTH_BIT(LCP_AUTH_EAP);
	lcp_open(&s.l);
	feed(&s, PPP_CONF_NAK, last(&s)->b[1], (const uint8_t *)"\x03\x05\xC2\x23\x05", 5);
	assert_memory_equal(last(&s)->b + 8, "\x03\x05\xC2\x23\x81", 5);
	assert_int_equal(s.l.fail, LCP_FAIL_NONE);

	/* A Reject of the option asking for EAP: MS-CHAPv2 asked next; a
	 * Reject of that ends it (authentication is not optional). */
	side_init(&s, PPP_ROLE_SERVER, 1);
	s.cfg.auth_allowed |= LCP_AUTH_BIT(LCP_AUTH_EAP);
	lcp_open(&s.l);
	feed(&s, PPP_CONF_REJ, last(&s)->b[1], eap_opt, 4);
	assert_int_equal(last(&s)->b[0], PPP_CONF_REQ);
	assert_memory_equal(last(&s)->b + 8, "\x03\x05\xC2\x23\x81", 5);
	assert_int_equal(s.l.fail, LCP_FAIL_NONE);
	feed(&s, PPP_CONF_REJ, last(&s)->b[1], (const uint8_t *)"\x03\x05\xC2\x23\x81", 5);
	assert_int_equal(s.l.fail, LCP_FAIL_AUTH);
	assert_int_equal(last(&s)->b[0], PPP_TERM_REQ);
}

static void require_eap_refuses_fallback(void **state)
{
	(void)state;
	struct side s;

	for (int rej = 0; rej < 2; rej++) {
		side_init(&s, PPP_ROLE_SERVER, 1);
		s.cfg.auth_allowed = LCP_AUTH_BIT(LCP_AUTH_EAP);
		lcp_open(&s.l);
		assert_memory_equal(last(&s)->b + 8, "\x03\x04\xC2\x27", 4);
		if (rej)
			feed(&s, PPP_CONF_REJ, last(&s)->b[1], (const uint8_t *)"\x03\x04\xC2\x27", 4);
		else
			feed(&s, PPP_CONF_NAK, last(&s)->b[1],
			     (const uint8_t *)"\x03\x05\xC2\x23\x81", 5);
		assert_int_equal(s.l.fail, LCP_FAIL_AUTH);
		assert_int_equal(last(&s)->b[0], PPP_TERM_REQ);
		assert_int_equal(s.l.fsm.state, FSM_CLOSING);
	}
}

/* Client role: EAP allowed, a request for it is acknowledged; a
 * malformed one (data after the protocol) is Naked with EAP. */
static void client_accepts_eap_when_allowed(void **state)
{
	(void)state;
	struct side c, s;

	side_init(&c, PPP_ROLE_CLIENT, 2);
	c.cfg.auth_allowed |= LCP_AUTH_BIT(LCP_AUTH_EAP);
	lcp_open(&c.l);
	feed(&c, PPP_CONF_REQ, 11, (const uint8_t *)"\x03\x04\xC2\x27", 4);
	assert_int_equal(last(&c)->b[0], PPP_CONF_ACK);
	feed(&c, PPP_CONF_REQ, 12, (const uint8_t *)"\x03\x05\xC2\x27\x00", 5);
	assert_int_equal(last(&c)->b[0], PPP_CONF_NAK);
	assert_memory_equal(last(&c)->b + 4, "\x03\x04\xC2\x27", 4);

	/* back to back: EAP agreed on both sides */
	side_init(&s, PPP_ROLE_SERVER, 11);
	s.cfg.auth_allowed |= LCP_AUTH_BIT(LCP_AUTH_EAP);
	side_init(&c, PPP_ROLE_CLIENT, 22);
	c.cfg.auth_allowed |= LCP_AUTH_BIT(LCP_AUTH_EAP);
	lcp_open(&s.l);
	lcp_open(&c.l);
	pump(&s, &c);
	assert_true(lcp_is_opened(&s.l) && lcp_is_opened(&c.l));
	assert_int_equal(lcp_result(&s.l)->auth, LCP_AUTH_EAP);
	assert_int_equal(lcp_result(&c.l)->auth, LCP_AUTH_EAP);

	/* a client without EAP: the server falls back to MS-CHAPv2 */
	side_init(&s, PPP_ROLE_SERVER, 11);
	s.cfg.auth_allowed |= LCP_AUTH_BIT(LCP_AUTH_EAP);
	side_init(&c, PPP_ROLE_CLIENT, 22);
	lcp_open(&s.l);
	lcp_open(&c.l);
	pump(&s, &c);
	assert_true(lcp_is_opened(&s.l) && lcp_is_opened(&c.l));
	assert_int_equal(lcp_result(&s.l)->auth, LCP_AUTH_MSCHAPV2);
	assert_int_equal(lcp_result(&c.l)->auth, LCP_AUTH_MSCHAPV2);
	assert_string_equal(lcp_auth_name(LCP_AUTH_EAP), "eap");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(windows_request_rejects_13_17_23_then_acks),
		cmocka_unit_test(server_request_prefers_mschapv2),
		cmocka_unit_test(pppd_request_acked),
		cmocka_unit_test(nak_of_boolean_option_stops_requesting_it),
		cmocka_unit_test(auth_nak_moves_to_allowed_protocol_or_gives_up),
		cmocka_unit_test(client_naks_unsupported_auth_with_preferred),
		cmocka_unit_test(own_magic_is_naked_then_loop_declared),
		cmocka_unit_test(windows_identification_accepted_silently),
		cmocka_unit_test(echo_reply_has_our_magic_and_fits_peer_mru),
		cmocka_unit_test(keepalive_counts_unanswered_echoes),
		cmocka_unit_test(protocol_reject_sent_and_received),
		cmocka_unit_test(server_and_pppd_like_client_back_to_back),
		cmocka_unit_test(client_windows_options_dropped_when_rejected),
		cmocka_unit_test(client_only_pap_server_mschap_gives_up),
		cmocka_unit_test(server_asks_eap_first_then_falls_back),
		cmocka_unit_test(require_eap_refuses_fallback),
		cmocka_unit_test(client_accepts_eap_when_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
