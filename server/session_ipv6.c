/*
 * IPv6 on a session (docs/ipv6.md): the link's IPV6CP settings and
 * callbacks, the session's /64 from ipv6-prefix-pool with its route into
 * the tun, Router Advertisements (unsolicited at ipv6_up, and answering
 * Router Solicitations at most once per SESSION_RS_INTERVAL_MS), DHCPv6
 * Information-Request answered with the DNS servers, anti-spoofing of what
 * the client sends, and the tun -> session direction (Packet Too Big, MSS
 * clamp).
 *
 * Lifetime: the /64 and its route are taken at ipv6_up and given back at
 * ipv6_down or session_ipv6_release() (session_kill), whichever comes
 * first; both are idempotent.
 */
#include "server/session_priv.h"

#include <arpa/inet.h>
#include <string.h>

#include "common/crypto.h"
#include "common/ipv6.h"
#include "common/buf.h"
#include "common/ipv6_nd.h"
#include "common/log.h"
#include "server/call.h"
#include "server/pool6.h"
#include "server/server.h"
#include "server/session_ipv6.h"
#include "server/tun.h"

/* Our interface identifier on every link: fe80::1, and prefix::1. */
#define SESSION_IPV6_IID       1ull
/* Router Solicitations answered at most this often per session. */
#define SESSION_RS_INTERVAL_MS 3000
/* Unsolicited RAs (RFC 4861 6.2.4, 10): after the one at ipv6_up, a few
 * more soon (the first may reach a client not yet listening), then one
 * every MaxRtrAdvInterval. */
#define RA_INITIAL_COUNT       3
#define RA_INITIAL_INTERVAL_MS 4000
#define RA_INTERVAL_MS         600000
/* The prefix is valid for the session's life: infinite lifetimes; the
 * router lifetime is RFC 4861's default, 3 x MaxRtrAdvInterval. */
#define RA_ROUTER_LIFETIME_S   1800
#define RA_INFINITE            0xffffffffu
/* Room for one of our packets with the link's headers in front. */
#define V6_TX_ROOM             (PPP_TX_HEADROOM_IPV6 + CALL_TX_HEADROOM)
#define V6_PKT_MAX             512

void session_ipv6_config(const struct server *srv, struct ppp_config *pc)
{
	if (!srv->cfg->ipv6 || !srv->pool6)
		return;
	pc->allow_ipv6 = true;
	pc->ipv6_local_iid = SESSION_IPV6_IID;
	/* Suggested to a peer proposing zero or ours: random, so it says
	 * nothing about the session (RFC 7217's concern). */
	uint64_t iid = 0;
	for (int tries = 0; tries < 4 && (iid == 0 || iid == SESSION_IPV6_IID); tries++)
		if (!crypto_random(&iid, sizeof(iid)))
			iid = 0;
	pc->ipv6_peer_iid = iid == SESSION_IPV6_IID ? 0 : iid;
}

bool session_ipv6_iid_ok(void *owner, uint64_t iid)
{
	(void)owner;
	/* Each session has its own /64: only ours can collide. */
	return iid != 0 && iid != SESSION_IPV6_IID;
}

static void fmt6(const uint8_t a[static 16], char out[static INET6_ADDRSTRLEN])
{
	inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
}

/* One IPv6 packet to the client; pkt has V6_TX_ROOM in front. */
static bool send6(struct session *s, uint8_t *pkt, size_t len)
{
	if (!s->v6_up || !session_is_up(s))
		return false;
	if (!s->call || !call_can_send(s->call)) {
		s->st.window_drops++;
		s->srv->stats.tx_window++;
		return false;
	}
	bool ok = ppp_send_ipv6(s->link, pkt, len, server_now_ms());
	session_arm(s);
	return ok;
}

/* An RA to dst (NULL: ff02::1) with the session's /64, MTU and RDNSS. */
static void send_ra(struct session *s, const uint8_t *dst)
{
	const struct config *cfg = s->srv->cfg;
	uint8_t mem[V6_TX_ROOM + V6_PKT_MAX];
	struct nd_ra_params p = {
		.router_iid = SESSION_IPV6_IID,
		.other = cfg->ipv6_dns.n > 0,
		.router_lifetime_s = RA_ROUTER_LIFETIME_S,
		.prefix_len = 64,
		.on_link = true,
		.autonomous = true,
		.valid_s = RA_INFINITE,
		.preferred_s = RA_INFINITE,
		.mtu = s->v6_mtu,
		.rdnss_lifetime_s = RA_INFINITE,
	};

	if (dst)
		memcpy(p.dst, dst, 16);
	memcpy(p.prefix, s->v6_prefix, 16);
	for (unsigned i = 0; i < cfg->ipv6_dns.n && i < ND_RDNSS_MAX; i++)
		memcpy(p.rdnss[i], &cfg->ipv6_dns.addr[i], 16);
	p.rdnss_count = cfg->ipv6_dns.n < ND_RDNSS_MAX ? cfg->ipv6_dns.n : ND_RDNSS_MAX;
	size_t n = nd_build_ra(&p, mem + V6_TX_ROOM, V6_PKT_MAX);
	if (n && send6(s, mem + V6_TX_ROOM, n)) {
		s->v6_ra++;
		s->srv->stats.ipv6_ra_sent++;
	}
}

static void route6(struct session *s, bool add)
{
	struct server *srv = s->srv;

	if (!srv->tun || s->v6_route == add)
		return;
	int e = tun_route6(srv->tun, s->v6_prefix, add);
	s->v6_route = add ? e == 0 : false;
}

void session_ipv6_up(void *owner, const struct ppp_ipv6_info *info)
{
	struct session *s = owner;
	struct server *srv = s->srv;
	char pfx[INET6_ADDRSTRLEN];

	if (s->v6_up || s->state != SESSION_UP || !srv->pool6)
		return;
	/* IPV6CP up again: the same /64 if it is still free. */
	bool again = s->v6_had_prefix && pool6_take(srv->pool6, s->v6_prefix, s);
	if (!again && !pool6_alloc(srv->pool6, s, s->v6_prefix)) {
		srv->stats.ipv6_no_prefix++;
		log_warnx("%s event=ipv6-no-prefix (ipv6-prefix-pool exhausted; IPv4 goes on)",
			  s->log_id);
		return;
	}
	s->v6_up = true;
	s->v6_had_prefix = true;
	s->v6_peer_iid = info->peer_iid;
	s->v6_mtu = info->ip_mtu;
	if (s->ip_mtu && s->ip_mtu < s->v6_mtu)
		s->v6_mtu = s->ip_mtu; /* Framed-MTU */
	if (s->v6_mtu < IPV6_MIN_MTU)
		s->v6_mtu = IPV6_MIN_MTU; /* RFC 8200 5: the link must carry it */
	route6(s, true);
	srv->stats.ipv6_sessions++;
	fmt6(s->v6_prefix, pfx);
	log_notice("%s event=ipv6-up prefix=%s/64 iid=%016llx mtu=%u route=%s", s->log_id, pfx,
		   (unsigned long long)s->v6_peer_iid, s->v6_mtu, s->v6_route ? "yes" : "no");
	send_ra(s, NULL);
	s->v6_ra_initial = 0;
	s->v6_ra_at = server_now_ms() + RA_INITIAL_INTERVAL_MS;
	session_arm(s);
}

void session_ipv6_timer(struct session *s, uint64_t now)
{
	if (!s->v6_up || now < s->v6_ra_at)
		return;
	send_ra(s, NULL);
	if (s->v6_ra_initial < RA_INITIAL_COUNT)
		s->v6_ra_initial++;
	s->v6_ra_at = now + (s->v6_ra_initial < RA_INITIAL_COUNT ? RA_INITIAL_INTERVAL_MS
								 : RA_INTERVAL_MS);
}

void session_ipv6_release(struct session *s)
{
	s->v6_ra_at = UINT64_MAX;
	if (!s->v6_up)
		return;
	route6(s, false);
	if (s->srv->pool6)
		pool6_release(s->srv->pool6, s->v6_prefix);
	s->v6_up = false;
}

void session_ipv6_down(void *owner)
{
	struct session *s = owner;
	char pfx[INET6_ADDRSTRLEN];

	if (!s->v6_up)
		return;
	fmt6(s->v6_prefix, pfx);
	log_notice("%s event=ipv6-down prefix=%s/64", s->log_id, pfx);
	session_ipv6_release(s);
}

/* What the client sent to us on the link: RS, DHCPv6 (one refused by its
 * parser: counted as bad, the first of the session logged with the
 * reason); the rest (MLD, neighbour solicitations) is dropped quietly. */
static void local6(struct session *s, const uint8_t *pkt, size_t len)
{
	struct server *srv = s->srv;
	struct nd_rs rs;
	struct dhcp6_info_request req;

	struct ipv6_hdr h;
	if (!ipv6_parse(pkt, len, &h))
		return;
	bool is_rs = h.next_header == IPV6_NH_ICMPV6 && h.payload_len >= 1 &&
		     pkt[IPV6_HDR_LEN] == ICMPV6_ROUTER_SOLICIT;
	bool is_dhcp = h.next_header == IPV6_NH_UDP && h.payload_len >= 4 &&
		       load_be16(pkt + IPV6_HDR_LEN + 2) == DHCP6_SERVER_PORT;
	if (!is_rs && !is_dhcp)
		return; /* MLD, neighbour solicitations: nothing to answer */
	enum nd_error e = is_rs ? nd_parse_rs(pkt, len, &rs)
				: dhcp6_parse_info_request(pkt, len, SESSION_IPV6_IID, &req);
	if (e != ND_OK) {
		srv->stats.ipv6_bad++;
		if (!s->v6_nd_logged) {
			s->v6_nd_logged = true;
			log_warnx("%s event=ipv6-refused reason=%s what=%s (logged once per session)",
				  s->log_id, nd_error_name(e), is_rs ? "router-solicitation" : "dhcpv6");
		}
		return;
	}
	if (is_rs) {
		uint64_t now = server_now_ms();
		if (s->v6_ra_ms && now - s->v6_ra_ms < SESSION_RS_INTERVAL_MS) {
			srv->stats.ipv6_rs_limited++;
			return;
		}
		s->v6_ra_ms = now;
		send_ra(s, rs.unspecified_src ? NULL : rs.src);
		return;
	}
	const struct config *cfg = srv->cfg;
	struct dhcp6_reply_params p = { .server_iid = SESSION_IPV6_IID };
	uint8_t mem[V6_TX_ROOM + V6_PKT_MAX];
	for (unsigned i = 0; i < cfg->ipv6_dns.n && i < ND_RDNSS_MAX; i++)
		memcpy(p.dns[i], &cfg->ipv6_dns.addr[i], 16);
	p.dns_count = cfg->ipv6_dns.n < ND_RDNSS_MAX ? cfg->ipv6_dns.n : ND_RDNSS_MAX;
	size_t n = dhcp6_build_reply(&req, &p, mem + V6_TX_ROOM, V6_PKT_MAX);
	if (n && send6(s, mem + V6_TX_ROOM, n)) {
		s->v6_dhcp++;
		srv->stats.ipv6_dhcp_replies++;
	}
}

/* The MSS that fits an IPv6 MTU (40 octets of IPv6 and 20 of TCP). */
static uint16_t mss6_for(unsigned mtu)
{
	return (uint16_t)(mtu > 60 + 1220 ? mtu - 60 : 1220);
}

void session_ipv6_rx(void *owner, uint8_t *pkt, size_t len)
{
	struct session *s = owner;
	struct server *srv = s->srv;
	struct ipv6_hdr h;

	if (s->state != SESSION_UP || !s->v6_up)
		return;
	enum ipv6_rx_verdict v = ipv6_rx_check(pkt, len, s->v6_prefix, SESSION_IPV6_IID);
	switch (v) {
	case IPV6_RX_LOCAL:
		local6(s, pkt, len);
		return;
	case IPV6_RX_FORWARD:
		break;
	case IPV6_RX_SPOOFED:
		s->v6_spoofed++;
		s->st.spoofed++;
		srv->stats.ipv6_spoofed++;
		break;
	case IPV6_RX_LINK_LOCAL:
		srv->stats.ipv6_link_local++;
		break;
	case IPV6_RX_MALFORMED:
		srv->stats.ipv6_bad++;
		break;
	}
	if (v != IPV6_RX_FORWARD) {
		if (!s->v6_logged && (v == IPV6_RX_SPOOFED || v == IPV6_RX_LINK_LOCAL)) {
			char src[INET6_ADDRSTRLEN];
			s->v6_logged = true;
			if (ipv6_parse(pkt, len, &h))
				fmt6(h.src, src);
			else
				strcpy(src, "-");
			log_warnx("%s event=ipv6-dropped reason=%s src=%s (logged once per session)",
				  s->log_id, ipv6_rx_verdict_name(v), src);
		}
		return;
	}
	if (!srv->tun || !ipv6_parse(pkt, len, &h))
		return;
	if (!session_police(s, SHAPER_UP, h.tot_len))
		return;
	if (srv->cfg->mss_clamp) {
		unsigned mtu = s->v6_mtu < srv->tun->mtu ? s->v6_mtu : srv->tun->mtu;
		ipv6_clamp_mss(pkt, h.tot_len, mss6_for(mtu));
	}
	tun_write(srv->tun, pkt, h.tot_len);
}

void session_ipv6_from_tun(struct server *srv, uint8_t *pkt, size_t len, uint8_t *scratch,
			   size_t scratch_cap)
{
	struct ipv6_hdr h;

	if (!ipv6_parse(pkt, len, &h)) {
		srv->stats.ipv6_bad++;
		return;
	}
	struct session *s = pool6_lookup(srv->pool6, h.dst);
	if (!s || !s->v6_up || !session_is_up(s)) {
		srv->stats.ipv6_no_route++;
		return;
	}
	if (!session_police(s, SHAPER_DOWN, h.tot_len))
		return;
	if (h.tot_len > s->v6_mtu) {
		/* RFC 4443 3.2; from our address in the session's /64, which
		 * the LAN routes to us. */
		if (!session_icmp_allowed(s, server_now_ms())) {
			s->st.icmp_limited++;
			srv->stats.ipv6_ptb_limited++;
			return;
		}
		uint8_t src[16];
		memcpy(src, s->v6_prefix, 8);
		for (int i = 0; i < 8; i++)
			src[8 + i] = (uint8_t)(SESSION_IPV6_IID >> (8 * (7 - i)));
		size_t n = ipv6_packet_too_big(pkt, h.tot_len, src, s->v6_mtu, scratch, scratch_cap);
		if (n) {
			s->st.icmp_sent++;
			srv->stats.ipv6_ptb_sent++;
			tun_write(srv->tun, scratch, n);
		}
		return;
	}
	if (srv->cfg->mss_clamp) {
		unsigned mtu = s->v6_mtu < srv->tun->mtu ? s->v6_mtu : srv->tun->mtu;
		ipv6_clamp_mss(pkt, h.tot_len, mss6_for(mtu));
	}
	send6(s, pkt, h.tot_len);
}

bool session_ipv6_prefix(const struct session *s, uint8_t prefix[static 16])
{
	if (!s->v6_up)
		return false;
	memcpy(prefix, s->v6_prefix, 16);
	return true;
}
