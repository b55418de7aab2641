/*
 * A session's IPv6 (server/session_ipv6.c) through the ops it gives its
 * link, on the scene of tests/unit/support/session_scene.h as in
 * test_session.c (a real server object without tun, GRE or accounting;
 * the call's flow held aside so what the link sends is dropped): the /64 taken at ipv6_up and given back by ipv6_down and by
 * every end, the identifiers, the anti-spoofing counters, RSs folded
 * into one RA per 3 s, DHCPv6-PD answered and counted.
 */
#include <arpa/inet.h>
#include <ev.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/ipv6.h"
#include "common/log.h"
#include "conf/config.h"
#include "server/call.h"
#include "server/pool.h"
#include "server/pool6.h"
#include "server/server.h"
#include "server/session_ipv6.h"
#include "server/session_priv.h"
#include "tests/unit/support/pptp_wire.h"
#include "tests/unit/support/session_scene.h"

/* What the Access-Accept of the scene adds (RADIUS IPv6 attributes);
 * zero: a plain Accept. */
static struct auth_result accept_extra;

static int setup(void **state)
{
	struct session_scene *t = session_scene_new("localip 192.0.2.1\nremoteip 192.0.2.10-20\n"
						    "connections 4\nipv6 yes\n"
						    "ipv6-prefix-pool 2001:db8:100::/63\n"
						    "ipv6-dns 2001:db8:53::53\n", LOG_LVL_ERR, false);

	/* Up: LCP, MS-CHAPv2 accepted, IPCP. */
	uint8_t lcp[] = { 0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x04 };
	t->call->ops->frame(t->call->ops_ctx, t->call, lcp, sizeof(lcp));
	static const uint8_t challenge[16] = { 1, 2, 3 };
	struct chap_response_info chap = {
		.algo = CHAP_MSCHAPV2, .id = 1, .name = (const uint8_t *)"alice",
		.name_len = 5, .name_sent_len = 5,
		.challenge = challenge, .challenge_len = sizeof(challenge),
	};
	session_link_ops.auth_request(t->s, &chap, NULL);
	struct auth_result res = accept_extra;
	res.session = t->fb.last;
	res.method = AUTH_MSCHAPV2;
	res.verdict = AUTH_ACCEPT;
	session_auth_complete(t->srv, &res);
	struct ppp_ip_info info = { .local_addr = 0xC0000201, .peer_addr = session_addr(t->s),
				    .ip_mtu = 1400 };
	session_link_ops.ip_up(t->s, &info);
	assert_int_equal(session_state(t->s), SESSION_UP);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	session_scene_free(*state);
	return 0;
}

static void ipv6_up(struct session_scene *t)
{
	struct ppp_ipv6_info info = { .local_iid = 1, .peer_iid = 0x1234, .ip_mtu = 1396 };
	session_link_ops.ipv6_up(t->s, &info);
}

/* A UDP packet from src to dst through the link. */
static void rx(struct session_scene *t, const char *src, const char *dst)
{
	uint8_t b[64] = { 0x60 };
	b[5] = 8;
	b[6] = IPV6_NH_UDP;
	b[7] = 64;
	assert_int_equal(inet_pton(AF_INET6, src, b + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, b + 24), 1);
	session_link_ops.ipv6_rx(t->s, b, 48);
}

/* The link's settings: IPV6CP on, our identifier 1, a random suggestion
 * that is neither 0 nor ours; only 0 and ours are refused. */
static void link_config(void **state)
{
	struct session_scene *t = *state;
	struct ppp_config pc = { 0 };
	session_ipv6_config(t->srv, &pc);
	assert_true(pc.allow_ipv6);
	assert_int_equal(pc.ipv6_local_iid, 1);
	assert_true(pc.ipv6_peer_iid != 0 && pc.ipv6_peer_iid != 1);
	assert_false(session_link_ops.ipv6_iid_ok(t->s, 0));
	assert_false(session_link_ops.ipv6_iid_ok(t->s, 1));
	assert_true(session_link_ops.ipv6_iid_ok(t->s, 0x1234));
}

/* ipv6_up takes a /64 (found by the lookup), ipv6_down gives it back;
 * an end while IPv6 is up gives it back too. */
static void prefix_held_and_released(void **state)
{
	struct session_scene *t = *state;
	uint8_t p[16], want[16];

	ipv6_up(t);
	assert_true(session_ipv6_prefix(t->s, p));
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:100::", want), 1);
	assert_memory_equal(p, want, 16);
	p[15] = 0x42;
	assert_ptr_equal(pool6_lookup(t->srv->pool6, p), t->s);
	assert_int_equal(t->srv->stats.ipv6_sessions, 1);
	session_link_ops.ipv6_down(t->s);
	assert_false(session_ipv6_prefix(t->s, p));
	assert_int_equal(pool6_stats(t->srv->pool6).in_use, 0);

	ipv6_up(t); /* IPV6CP up again: the same /64 */
	assert_true(session_ipv6_prefix(t->s, p));
	assert_memory_equal(p, want, 16);
	if (t->flow)
		t->call->flow = t->flow;
	t->flow = NULL;
	session_link_ops.down(t->s, PPP_CAUSE_PEER_TERMINATE, "test");
	assert_int_equal(pool6_stats(t->srv->pool6).in_use, 0);
	assert_null(pool6_lookup(t->srv->pool6, p));
	pptp_wire_turn(t->loop);
}

/* What the client sends: its own /64 passes (no tun here: nothing
 * counted), another /64 or outside is spoofed, link-local to someone else
 * is dropped; RSs within 3 s of the last RA are folded into one RA at the
 * end of the window, on the session's timer. */
static void rx_decisions(void **state)
{
	struct session_scene *t = *state;

	ipv6_up(t);
	rx(t, "2001:db8:100::1234", "2001:db8:200::2");
	assert_int_equal(t->srv->stats.ipv6_spoofed, 0);
	rx(t, "2001:db8:100:1::1234", "2001:db8:200::2");
	rx(t, "2001:db8:999::1", "2001:db8:200::2");
	assert_int_equal(t->srv->stats.ipv6_spoofed, 2);
	assert_int_equal(t->s->v6_spoofed, 2);
	rx(t, "fe80::1234", "fe80::99");
	assert_int_equal(t->srv->stats.ipv6_link_local, 1);

	/* Router Solicitations: fe80::1234 -> ff02::2, checksummed. */
	uint8_t rs[48] = { 0x60 };
	rs[5] = 8;
	rs[6] = IPV6_NH_ICMPV6;
	rs[7] = 255;
	inet_pton(AF_INET6, "fe80::1234", rs + 8);
	inet_pton(AF_INET6, "ff02::2", rs + 24);
	rs[40] = ICMPV6_ROUTER_SOLICIT;
	uint16_t c = ipv6_l4_checksum(rs + 8, rs + 24, IPV6_NH_ICMPV6, rs + 40, 8);
	rs[42] = (uint8_t)(c >> 8);
	rs[43] = (uint8_t)c;
	/* Right after ipv6-up (its RA just went out): one RA scheduled at
	 * the end of the 3 s window, not dropped, not sent now. */
	uint8_t copy[48];
	uint64_t up_ra = t->s->v6_ra_ms;
	assert_int_equal(t->s->v6_ra_at, up_ra + 4000); /* the first unsolicited */
	memcpy(copy, rs, sizeof(rs));
	session_link_ops.ipv6_rx(t->s, copy, sizeof(copy));
	assert_int_equal(t->srv->stats.ipv6_rs_folded, 1);
	assert_int_equal(t->s->v6_ra_ms, up_ra);
	assert_int_equal(t->s->v6_ra_at, up_ra + 3000);
	/* A flood: still that one RA. */
	for (int i = 0; i < 5; i++) {
		memcpy(copy, rs, sizeof(rs));
		session_link_ops.ipv6_rx(t->s, copy, sizeof(copy));
	}
	assert_int_equal(t->srv->stats.ipv6_rs_folded, 6);
	assert_int_equal(t->s->v6_ra_at, up_ra + 3000);
	/* Nothing before the window ends; at its end the RA goes out and
	 * the next unsolicited one is a full interval later. */
	session_ipv6_timer(t->s, up_ra + 2999);
	assert_int_equal(t->s->v6_ra_ms, up_ra);
	session_ipv6_timer(t->s, up_ra + 3000);
	assert_int_equal(t->s->v6_ra_ms, up_ra + 3000);
	assert_int_equal(t->s->v6_ra_at, up_ra + 3000 + 4000);
	/* With the last RA 3 s old an RS is answered at once (to its
	 * source), and restarts the interval. */
	t->s->v6_ra_ms = 0;
	t->s->v6_ra_at = UINT64_MAX;
	memcpy(copy, rs, sizeof(rs));
	session_link_ops.ipv6_rx(t->s, copy, sizeof(copy));
	assert_int_equal(t->srv->stats.ipv6_rs_folded, 6);
	assert_true(t->s->v6_ra_ms >= up_ra);
	assert_int_equal(t->s->v6_ra_at, t->s->v6_ra_ms + 4000);
	/* One with a wrong checksum is refused by the parser: counted bad. */
	memcpy(copy, rs, sizeof(rs));
	copy[43] ^= 1;
	session_link_ops.ipv6_rx(t->s, copy, sizeof(copy));
	assert_int_equal(t->srv->stats.ipv6_bad, 1);
	assert_int_equal(t->srv->stats.ipv6_rs_folded, 6);
}

/* A DHCPv6 message from fe80::1234 to ff02::1:2: type, then a DUID-LL
 * Client ID, and for a Solicit an IA_PD (IAID 1); checksummed. */
static size_t dhcp6_msg(uint8_t b[128], uint8_t type)
{
	static const uint8_t clid[] = { 0, 1, 0, 10, 0, 3, 0, 1, 2, 0, 0x5e, 0x10, 0x20, 0x30 };
	static const uint8_t iapd[] = { 0, 25, 0, 12, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0 };
	size_t n = 48 + 4;
	memset(b, 0, 128);
	b[0] = 0x60;
	b[6] = IPV6_NH_UDP;
	b[7] = 1;
	inet_pton(AF_INET6, "fe80::1234", b + 8);
	inet_pton(AF_INET6, "ff02::1:2", b + 24);
	b[41] = 0x22; /* 546 */
	b[40] = 0x02;
	b[42] = 0x02;
	b[43] = 0x23; /* 547 */
	b[48] = type;
	b[51] = 7; /* transaction ID */
	memcpy(b + n, clid, sizeof(clid));
	n += sizeof(clid);
	if (type != DHCP6_MSG_INFO_REQUEST) {
		memcpy(b + n, iapd, sizeof(iapd));
		n += sizeof(iapd);
	}
	b[5] = (uint8_t)(n - 40);
	b[45] = (uint8_t)(n - 40);
	uint16_t c = ipv6_l4_checksum(b + 8, b + 24, IPV6_NH_UDP, b + 40, n - 40);
	b[46] = (uint8_t)(c >> 8);
	b[47] = (uint8_t)c;
	return n;
}

/* DHCPv6-PD through the session: a Solicit and a Rebind are parsed as
 * PD and answered (the call's flow is held aside, so the answer is seen
 * as one more packet the window refused: tx_window; integration.
 * radius_ipv6 shows it delivered and counted as pd-replies); a broken
 * one is counted bad and not answered; a Request without our Server ID
 * is refused; an Information-Request still goes to its own parser. */
static void dhcpv6_pd(void **state)
{
	struct session_scene *t = *state;
	uint8_t b[128];
	size_t n;

	ipv6_up(t);
	uint64_t tried = t->srv->stats.tx_window;
	n = dhcp6_msg(b, DHCP6_MSG_SOLICIT);
	session_link_ops.ipv6_rx(t->s, b, n);
	assert_int_equal(t->srv->stats.ipv6_bad, 0);
	assert_int_equal(t->srv->stats.tx_window, tried + 1);
	n = dhcp6_msg(b, DHCP6_MSG_SOLICIT);
	b[47] ^= 1;
	session_link_ops.ipv6_rx(t->s, b, n);
	assert_int_equal(t->srv->stats.ipv6_bad, 1);
	assert_int_equal(t->srv->stats.tx_window, tried + 1);
	n = dhcp6_msg(b, DHCP6_MSG_REQUEST); /* no Server ID */
	session_link_ops.ipv6_rx(t->s, b, n);
	assert_int_equal(t->srv->stats.ipv6_bad, 2);
	n = dhcp6_msg(b, DHCP6_MSG_REBIND);
	session_link_ops.ipv6_rx(t->s, b, n);
	assert_int_equal(t->srv->stats.tx_window, tried + 2);
	n = dhcp6_msg(b, DHCP6_MSG_INFO_REQUEST);
	session_link_ops.ipv6_rx(t->s, b, n);
	assert_int_equal(t->srv->stats.ipv6_bad, 2);
	assert_int_equal(t->srv->stats.tx_window, tried + 3);
	/* an Information-Request with an IA_PD is refused by its parser */
	n = dhcp6_msg(b, DHCP6_MSG_SOLICIT);
	b[48] = DHCP6_MSG_INFO_REQUEST;
	b[46] = b[47] = 0;
	uint16_t c = ipv6_l4_checksum(b + 8, b + 24, IPV6_NH_UDP, b + 40, n - 40);
	b[46] = (uint8_t)(c >> 8);
	b[47] = (uint8_t)c;
	session_link_ops.ipv6_rx(t->s, b, n);
	assert_int_equal(t->srv->stats.ipv6_bad, 3);
	assert_int_equal(t->srv->stats.ipv6_pd_replies, 0); /* none delivered */
}

/* Without IPV6CP up nothing from the client is taken, and from tun a
 * packet for a /64 nobody holds is counted as no-route. */
static void not_up(void **state)
{
	struct session_scene *t = *state;
	uint8_t pkt[48] = { 0x60 }, scratch[IPV6_PTB_MAX];

	rx(t, "2001:db8:999::1", "2001:db8:200::2");
	assert_int_equal(t->srv->stats.ipv6_spoofed, 0);
	pkt[5] = 8;
	pkt[6] = IPV6_NH_UDP;
	inet_pton(AF_INET6, "2001:db8:200::2", pkt + 8);
	inet_pton(AF_INET6, "2001:db8:100::5", pkt + 24);
	session_ipv6_from_tun(t->srv, pkt, sizeof(pkt), scratch, sizeof(scratch));
	assert_int_equal(t->srv->stats.ipv6_no_route, 1);
}

static void pfx(const char *s, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

/* Framed-IPv6-Prefix inside the pool and Framed-Interface-Id. */
static int setup_radius_in_pool(void **state)
{
	memset(&accept_extra, 0, sizeof(accept_extra));
	accept_extra.has_ipv6_prefix = true;
	pfx("2001:db8:100:1::", accept_extra.ipv6_prefix);
	accept_extra.ipv6_prefix_len = 64;
	accept_extra.has_ipv6_iid = true;
	accept_extra.ipv6_iid = 0x0200000000000042ull;
	int r = setup(state);
	memset(&accept_extra, 0, sizeof(accept_extra));
	return r;
}

/* Framed-IPv6-Prefix outside the pool, a Framed-IPv6-Route and a
 * Delegated-IPv6-Prefix. */
static struct auth_route6 routes6[1];
static int setup_radius_outside(void **state)
{
	memset(&accept_extra, 0, sizeof(accept_extra));
	accept_extra.has_ipv6_prefix = true;
	pfx("2001:db8:500:7::", accept_extra.ipv6_prefix);
	accept_extra.ipv6_prefix_len = 64;
	pfx("2001:db8:300::", routes6[0].dst);
	routes6[0].plen = 48;
	accept_extra.routes6 = routes6;
	accept_extra.nroutes6 = 1;
	accept_extra.has_delegated_prefix = true;
	pfx("2001:db8:400::", accept_extra.delegated_prefix);
	accept_extra.delegated_prefix_len = 56;
	int r = setup(state);
	memset(&accept_extra, 0, sizeof(accept_extra));
	return r;
}

/* A Framed-IPv6-Prefix that is not a /64: the pool's first /64. */
static int setup_radius_not64(void **state)
{
	memset(&accept_extra, 0, sizeof(accept_extra));
	accept_extra.has_ipv6_prefix = true;
	pfx("2001:db8:100::", accept_extra.ipv6_prefix);
	accept_extra.ipv6_prefix_len = 56;
	int r = setup(state);
	memset(&accept_extra, 0, sizeof(accept_extra));
	return r;
}

/* RADIUS's /64 in the pool is held there (not the pool's next one), and
 * given back; only RADIUS's identifier is acceptable (the link Naks
 * with it: the suggestion it was given). */
static void radius_prefix_in_pool(void **state)
{
	struct session_scene *t = *state;
	uint8_t p[16], want[16];

	assert_false(session_link_ops.ipv6_iid_ok(t->s, 0x1234));
	assert_true(session_link_ops.ipv6_iid_ok(t->s, 0x0200000000000042ull));
	ipv6_up(t);
	assert_true(session_ipv6_prefix(t->s, p));
	pfx("2001:db8:100:1::", want);
	assert_memory_equal(p, want, 16);
	assert_ptr_equal(pool6_lookup(t->srv->pool6, want), t->s);
	assert_int_equal(pool6_stats(t->srv->pool6).in_use, 1);
	session_link_ops.ipv6_down(t->s);
	assert_int_equal(pool6_stats(t->srv->pool6).in_use, 0);
	assert_null(pool6_lookup(t->srv->pool6, want));
}

/* Another session holds RADIUS's /64: no IPv6 for this one (counted),
 * the other keeps it; IPv4 stays up. */
static void radius_prefix_taken(void **state)
{
	struct session_scene *t = *state;
	uint8_t want[16], p[16];
	int other;

	pfx("2001:db8:100:1::", want);
	assert_true(pool6_take(t->srv->pool6, want, &other));
	ipv6_up(t);
	assert_false(session_ipv6_prefix(t->s, p));
	assert_int_equal(t->srv->stats.ipv6_no_prefix, 1);
	assert_ptr_equal(pool6_lookup(t->srv->pool6, want), &other);
	assert_int_equal(session_state(t->s), SESSION_UP);
	assert_true(pool6_release(t->srv->pool6, want));
}

/* Outside the pool: held in the server's table, where packets from tun
 * find the session, and gone with IPv6. The routes cannot be installed
 * without a tun (refused, not in the table), so the client cannot send
 * from them. */
static void radius_prefix_outside(void **state)
{
	struct session_scene *t = *state;
	uint8_t a[16], p[16];

	ipv6_up(t);
	assert_true(session_ipv6_prefix(t->s, p));
	pfx("2001:db8:500:7::", a);
	assert_memory_equal(p, a, 16);
	assert_int_equal(pool6_stats(t->srv->pool6).in_use, 0);
	pfx("2001:db8:500:7::99", a);
	assert_ptr_equal(session_route6_lookup(t->srv, a), t->s);
	assert_int_equal(t->srv->nfroutes6, 1);
	pfx("2001:db8:300::1", a);
	assert_null(session_route6_lookup(t->srv, a));
	assert_int_equal(t->s->nroutes6, 2);
	assert_int_equal(t->s->v6_delegated_len, 56);
	rx(t, "2001:db8:500:7::1234", "2001:db8:200::2");
	assert_int_equal(t->srv->stats.ipv6_spoofed, 0);
	rx(t, "2001:db8:300::5", "2001:db8:200::2");
	assert_int_equal(t->srv->stats.ipv6_spoofed, 1);
	session_link_ops.ipv6_down(t->s);
	pfx("2001:db8:500:7::99", a);
	assert_null(session_route6_lookup(t->srv, a));
	assert_int_equal(t->srv->nfroutes6, 0);
}

static void radius_prefix_not64(void **state)
{
	struct session_scene *t = *state;
	uint8_t p[16], want[16];

	ipv6_up(t);
	assert_true(session_ipv6_prefix(t->s, p));
	pfx("2001:db8:100::", want);
	assert_memory_equal(p, want, 16);
	assert_int_equal(pool6_stats(t->srv->pool6).in_use, 1);
	/* No identifier from RADIUS: the usual rule. */
	assert_true(session_link_ops.ipv6_iid_ok(t->s, 0x1234));
}

/* Framed-IPv6-Pool "gold" (ipv6-pool gold 2001:db8:600::/63, made
 * here as server start would), or an unknown name. */
static int setup_radius_named(void **state)
{
	memset(&accept_extra, 0, sizeof(accept_extra));
	strcpy(accept_extra.ipv6_pool, "gold");
	int r = setup(state);
	memset(&accept_extra, 0, sizeof(accept_extra));
	return r;
}

static void radius_named_pool(void **state)
{
	struct session_scene *t = *state;
	char err[512];
	uint8_t p[16], want[16];

	/* The scene's config has no ipv6-pool: the name was unknown at
	 * authentication, so the default pool serves. */
	ipv6_up(t);
	assert_true(session_ipv6_prefix(t->s, p));
	pfx("2001:db8:100::", want);
	assert_memory_equal(p, want, 16);
	session_link_ops.ipv6_down(t->s);

	/* Now with the pool: authenticate again as the server would see it. */
	struct config *c2 = config_load_string("t.conf", "localip 192.0.2.1\n"
					       "remoteip 192.0.2.10-20\nipv6 yes\n"
					       "ipv6-prefix-pool 2001:db8:100::/63\n"
					       "ipv6-pool gold 2001:db8:600::/63\n"
					       "mss-clamp no\n", err, sizeof(err)); /* no tun here */
	assert_non_null(c2);
	const struct config *old = t->srv->cfg;
	t->srv->cfg = c2;
	struct pool6 *gold = pool6_new(&c2->ipv6_pools.p[0].prefix);
	t->srv->npools6 = &gold;
	t->srv->nnpools6 = 1;
	struct auth_result res = { .verdict = AUTH_ACCEPT };
	strcpy(res.ipv6_pool, "gold");
	session_ipv6_keep(t->s, &res);
	ipv6_up(t);
	assert_true(session_ipv6_prefix(t->s, p));
	pfx("2001:db8:600::", want);
	assert_memory_equal(p, want, 16);
	assert_int_equal(pool6_stats(gold).in_use, 1);
	assert_int_equal(pool6_stats(t->srv->pool6).in_use, 0);
	/* From tun: found through the named pool. */
	uint8_t pkt[48] = { 0x60 }, scratch[IPV6_PTB_MAX];
	pkt[5] = 8;
	pkt[6] = IPV6_NH_UDP;
	pfx("2001:db8:200::2", pkt + 8);
	pfx("2001:db8:600::1234", pkt + 24);
	session_ipv6_from_tun(t->srv, pkt, sizeof(pkt), scratch, sizeof(scratch));
	assert_int_equal(t->srv->stats.ipv6_no_route, 0);
	session_link_ops.ipv6_down(t->s);
	assert_int_equal(pool6_stats(gold).in_use, 0);
	t->srv->npools6 = NULL;
	t->srv->nnpools6 = 0;
	pool6_free(gold);
	t->srv->cfg = old;
	config_free(c2);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(link_config),
		T(prefix_held_and_released),
		T(rx_decisions),
		T(not_up),
		T(dhcpv6_pd),
		cmocka_unit_test_setup_teardown(radius_prefix_in_pool, setup_radius_in_pool, teardown),
		cmocka_unit_test_setup_teardown(radius_prefix_taken, setup_radius_in_pool, teardown),
		cmocka_unit_test_setup_teardown(radius_prefix_outside, setup_radius_outside, teardown),
		cmocka_unit_test_setup_teardown(radius_prefix_not64, setup_radius_not64, teardown),
		cmocka_unit_test_setup_teardown(radius_named_pool, setup_radius_named, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
