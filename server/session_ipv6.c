/*
 * IPv6 on a session (docs/ipv6.md): the link's IPV6CP settings and
 * callbacks, the session's /64 from ipv6-prefix-pool with its route into
 * the tun, Router Advertisements (unsolicited at ipv6_up, and answering
 * Router Solicitations; never two within SESSION_RS_INTERVAL_MS: an RS
 * inside that window is answered by one RA at its end), DHCPv6
 * Information-Request answered with the DNS servers, DHCPv6 prefix
 * delegation of RADIUS's Delegated-IPv6-Prefix, anti-spoofing of what
 * the client sends, and the tun -> session direction (Packet Too Big, MSS
 * clamp).
 *
 * RADIUS (docs/radius.md) may name the /64 (Framed-IPv6-Prefix: taken in
 * the pool when it lies there, else routed as it is and found through
 * srv->froutes6), the peer's identifier (Framed-Interface-Id), routes
 * behind the client (Framed-IPv6-Route) and a prefix delegated to it
 * (Delegated-IPv6-Prefix, a route into the tun through the session).
 *
 * Lifetime: the /64, its route and the RADIUS routes are taken at ipv6_up
 * and given back at ipv6_down or session_ipv6_release() (session_kill),
 * whichever comes first; both are idempotent. What the Accept said
 * (session_ipv6_keep()) stays until session_ipv6_release().
 */
#include "server/session_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/ipv6.h"
#include "common/buf.h"
#include "common/ipv6_nd.h"
#include "common/log.h"
#include "server/call.h"
#include "server/pool6.h"
#include "server/rtnl.h"
#include "server/server.h"
#include "server/session_ipv6.h"
#include "server/tun.h"
#include "server/tun_io.h"

/* Our interface identifier on every link: fe80::1, and prefix::1. */
#define SESSION_IPV6_IID       1ull
/* At most one RA per this per session (RFC 4861 10,
 * MIN_DELAY_BETWEEN_RAS): an RS inside it is answered at its end. */
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
/* DHCPv6-PD lifetimes (RFC 8415 21.21-21.22): the prefix is routed for
 * the session's life; finite lifetimes let the router behind the client
 * drop it after the session ends, and Renew (at T1) keeps it while up. */
#define PD_T1_S                1800
#define PD_T2_S                2880
#define PD_PREFERRED_S         3600
#define PD_VALID_S             7200

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
	const struct session *s = owner;

	/* RADIUS named it (Framed-Interface-Id): that one only; the link
	 * Naks anything else with it (RFC 3162 2.2). */
	if (s->v6_want_iid)
		return iid == s->v6_want_iid;
	/* Each session has its own /64: only ours can collide. */
	return iid != 0 && iid != SESSION_IPV6_IID;
}

static void fmt6(const uint8_t a[static 16], char out[static INET6_ADDRSTRLEN])
{
	inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
}

/* a and b agree over their first plen bits. */
static bool prefix_match(const uint8_t a[static 16], const uint8_t b[static 16], unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	if (memcmp(a, b, full) != 0)
		return false;
	uint8_t m = (uint8_t)(0xFFu << (8 - rest));
	return !rest || ((a[full] ^ b[full]) & m) == 0;
}

/* ---- what the Access-Accept said ---- */

/* The pool (default or named) whose /64s hold addr; NULL: none. */
static struct pool6 *pool_holding(const struct server *srv, const uint8_t a[static 16])
{
	if (pool6_contains(srv->pool6, a))
		return srv->pool6;
	for (size_t i = 0; i < srv->nnpools6; i++)
		if (pool6_contains(srv->npools6[i], a))
			return srv->npools6[i];
	return NULL;
}

static void routes6_forget(struct session *s)
{
	free(s->routes6);
	s->routes6 = NULL;
	s->nroutes6 = 0;
	s->v6_delegated_len = 0;
	s->v6_fixed = false;
	s->v6_want_iid = 0;
	s->v6_npool = NULL;
}

uint64_t session_ipv6_keep(struct session *s, const struct auth_result *res)
{
	struct server *srv = s->srv;
	char a[INET6_ADDRSTRLEN];

	routes6_forget(s);
	if (!srv->cfg->ipv6 || !srv->pool6)
		return 0;
	if (res->has_ipv6_prefix && res->ipv6_prefix_len != 64) {
		fmt6(res->ipv6_prefix, a);
		log_warnx("%s event=ipv6-prefix-ignored prefix=%s/%u reason=not-64 "
			  "(SLAAC needs a /64: one from the pool instead)",
			  s->log_id, a, res->ipv6_prefix_len);
	} else if (res->has_ipv6_prefix) {
		memcpy(s->v6_prefix, res->ipv6_prefix, 16);
		s->v6_fixed = true;
	}
	/* Framed-IPv6-Pool: the named pool (ipv6-pool); an explicit prefix
	 * wins; an unknown name falls back to the default pool (IPv6 still
	 * works; the operator sees the line). */
	const struct config_ipv6_pools *np = &srv->cfg->ipv6_pools;
	for (size_t i = 0; res->ipv6_pool[0] && i < np->n && i < srv->nnpools6; i++)
		if (strcmp(np->p[i].name, res->ipv6_pool) == 0)
			s->v6_npool = srv->npools6[i];
	if (res->ipv6_pool[0] && !s->v6_npool)
		log_warnx("%s event=ipv6-pool-unknown pool=%s (ipv6-prefix-pool is used)",
			  s->log_id, LOG_ESC(res->ipv6_pool));
	else if (res->ipv6_pool[0] && s->v6_fixed)
		log_info("%s event=ipv6-pool-ignored pool=%s reason=framed-ipv6-prefix",
			 s->log_id, LOG_ESC(res->ipv6_pool));
	if (res->has_ipv6_iid && res->ipv6_iid == SESSION_IPV6_IID)
		log_warnx("%s event=ipv6-iid-ignored iid=%016llx reason=ours", s->log_id,
			  (unsigned long long)res->ipv6_iid);
	else if (res->has_ipv6_iid)
		s->v6_want_iid = res->ipv6_iid;
	size_t n = res->nroutes6 < AUTH_ROUTE_MAX ? res->nroutes6 : AUTH_ROUTE_MAX;
	bool deleg = res->has_delegated_prefix && res->delegated_prefix_len >= 1 &&
		     res->delegated_prefix_len <= 128;
	if (!n && !deleg)
		return s->v6_want_iid;
	s->routes6 = calloc(n + deleg, sizeof(*s->routes6));
	if (!s->routes6) {
		log_warnx("%s event=framed-route6-refused reason=out-of-memory", s->log_id);
		return s->v6_want_iid;
	}
	for (size_t i = 0; i < n; i++)
		s->routes6[i].r = res->routes6[i];
	if (deleg) {
		struct auth_route6 *r = &s->routes6[n].r;
		memcpy(r->dst, res->delegated_prefix, 16);
		r->plen = res->delegated_prefix_len;
		memcpy(s->v6_delegated, res->delegated_prefix, 16);
		s->v6_delegated_len = res->delegated_prefix_len;
	}
	s->nroutes6 = n + deleg;
	return s->v6_want_iid;
}

/* ---- the table of prefixes outside the pool (srv->froutes6) ---- */

static bool table6_taken(const struct server *srv, const uint8_t dst[static 16], uint8_t plen)
{
	for (size_t i = 0; i < srv->nfroutes6; i++)
		if (srv->froutes6[i].plen == plen && memcmp(srv->froutes6[i].dst, dst, 16) == 0)
			return true;
	return false;
}

static bool table6_add(struct server *srv, struct session *s, const uint8_t dst[static 16],
		       uint8_t plen)
{
	if (srv->nfroutes6 == srv->froutes6_cap) {
		size_t cap = srv->froutes6_cap ? srv->froutes6_cap * 2 : 16;
		struct server_froute6 *t = realloc(srv->froutes6, cap * sizeof(*t));
		if (!t)
			return false;
		srv->froutes6 = t;
		srv->froutes6_cap = cap;
	}
	struct server_froute6 *f = &srv->froutes6[srv->nfroutes6++];
	memcpy(f->dst, dst, 16);
	f->plen = plen;
	f->s = s;
	return true;
}

/* Remove s's entry for dst/plen. */
static void table6_del(struct server *srv, const struct session *s,
		       const uint8_t dst[static 16], uint8_t plen)
{
	size_t k = 0;
	for (size_t i = 0; i < srv->nfroutes6; i++) {
		const struct server_froute6 *f = &srv->froutes6[i];
		bool match = f->s == s && f->plen == plen && !memcmp(f->dst, dst, 16);
		if (!match)
			srv->froutes6[k++] = *f;
	}
	srv->nfroutes6 = k;
	if (!k) {
		free(srv->froutes6);
		srv->froutes6 = NULL;
		srv->froutes6_cap = 0;
	}
}

struct session *session_route6_lookup(const struct server *srv, const uint8_t dst[static 16])
{
	const struct server_froute6 *best = NULL;
	for (size_t i = 0; i < srv->nfroutes6; i++) {
		const struct server_froute6 *f = &srv->froutes6[i];
		if (prefix_match(dst, f->dst, f->plen) && (!best || f->plen > best->plen))
			best = f;
	}
	return best ? best->s : NULL;
}

/* The client may send from its installed routes and delegated prefix. */
static bool route6_src_ok(const struct session *s, const uint8_t src[static 16])
{
	for (size_t i = 0; i < s->nroutes6; i++)
		if (s->routes6[i].installed && prefix_match(src, s->routes6[i].r.dst,
							    s->routes6[i].r.plen))
			return true;
	return false;
}

/* Why r may not be installed for s (whose /64 is held); NULL if it may. */
static const char *route6_refusal(const struct session *s, const struct auth_route6 *r)
{
	const struct server *srv = s->srv;
	const struct config_ipv6_prefix *pool = &srv->cfg->ipv6_prefix_pool;
	static const uint8_t zero[16];

	if (memcmp(r->gw, zero, 16) != 0) {
		/* Through the session: its address in the /64 or fe80::IID. */
		uint8_t own[16], ll[16] = { 0xfe, 0x80 };
		memcpy(own, s->v6_prefix, 8);
		for (int i = 0; i < 8; i++)
			own[8 + i] = ll[8 + i] = (uint8_t)(s->v6_peer_iid >> (8 * (7 - i)));
		if (memcmp(r->gw, own, 16) != 0 && memcmp(r->gw, ll, 16) != 0)
			return "gateway-not-client";
	}
	unsigned common = r->plen < pool->len ? r->plen : pool->len;
	if (prefix_match(r->dst, pool->addr.s6_addr, common))
		return "overlaps-pool";
	for (size_t i = 0; i < srv->cfg->ipv6_pools.n; i++) {
		const struct config_ipv6_prefix *np = &srv->cfg->ipv6_pools.p[i].prefix;
		if (prefix_match(r->dst, np->addr.s6_addr, r->plen < np->len ? r->plen : np->len))
			return "overlaps-pool";
	}
	if (prefix_match(r->dst, s->v6_prefix, r->plen < 64 ? r->plen : 64))
		return "overlaps-session";
	if (table6_taken(srv, r->dst, r->plen))
		return "route-taken";
	if (!srv->tun)
		return "no-tun";
	return NULL;
}

static void routes6_up(struct session *s)
{
	struct server *srv = s->srv;
	char dst[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < s->nroutes6; i++) {
		struct session_route6 *sr = &s->routes6[i];
		const char *kind = s->v6_delegated_len && i == s->nroutes6 - 1 ? "delegated"
										 : "framed";
		fmt6(sr->r.dst, dst);
		const char *why = route6_refusal(s, &sr->r);
		int e = why ? 0 : rtnl_route6(&srv->tun->nl, true, srv->tun->ifindex, sr->r.dst,
					      sr->r.plen);
		if (e)
			why = e == -EEXIST ? "route-exists" : "route-add-failed";
		if (!why && !table6_add(srv, s, sr->r.dst, sr->r.plen)) {
			rtnl_route6(&srv->tun->nl, false, srv->tun->ifindex, sr->r.dst, sr->r.plen);
			why = "out-of-memory";
		}
		if (why) {
			log_warnx("%s event=route6-refused kind=%s route=%s/%u reason=%s", s->log_id,
				  kind, dst, sr->r.plen, why);
			continue;
		}
		sr->installed = true;
		log_notice("%s event=route6 kind=%s route=%s/%u", s->log_id, kind, dst, sr->r.plen);
	}
}

static void routes6_down(struct session *s)
{
	struct server *srv = s->srv;

	for (size_t i = 0; i < s->nroutes6; i++) {
		struct session_route6 *sr = &s->routes6[i];
		if (sr->installed && srv->tun)
			rtnl_route6(&srv->tun->nl, false, srv->tun->ifindex, sr->r.dst, sr->r.plen);
		if (sr->installed)
			table6_del(srv, s, sr->r.dst, sr->r.plen);
		sr->installed = false;
	}
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

/* An RA just went out (or was tried): the next unsolicited one is an
 * interval away, and nothing earlier than SESSION_RS_INTERVAL_MS. */
static void ra_schedule(struct session *s, uint64_t now)
{
	s->v6_ra_ms = now;
	s->v6_ra_at = now + (s->v6_ra_initial < RA_INITIAL_COUNT ? RA_INITIAL_INTERVAL_MS
								 : RA_INTERVAL_MS);
}

/* A valid Router Solicitation: answered now to its source when the last
 * RA is SESSION_RS_INTERVAL_MS old, else folded into one multicast RA at
 * the end of that window (RFC 4861 6.2.6) on the session's timer; a
 * flood still costs one RA per window. */
static void answer_rs(struct session *s, const struct nd_rs *rs)
{
	uint64_t now = server_now_ms();

	if (now >= s->v6_ra_ms && now - s->v6_ra_ms >= SESSION_RS_INTERVAL_MS) {
		send_ra(s, rs->unspecified_src ? NULL : rs->src);
		ra_schedule(s, now);
		session_arm(s);
		return;
	}
	s->srv->stats.ipv6_rs_folded++;
	if (s->v6_ra_at > s->v6_ra_ms + SESSION_RS_INTERVAL_MS) {
		s->v6_ra_at = s->v6_ra_ms + SESSION_RS_INTERVAL_MS;
		session_arm(s);
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
	if (s->v6_fixed) {
		/* RADIUS's /64: held in the pool when it lies there, else in
		 * the table of prefixes outside it; another session's: no
		 * IPv6 for this one (the /64 routes to one session only). */
		s->v6_pool = pool_holding(srv, s->v6_prefix);
		bool ok = !s->v6_pool ? !table6_taken(srv, s->v6_prefix, 64) &&
						table6_add(srv, s, s->v6_prefix, 64)
				      : pool6_take(s->v6_pool, s->v6_prefix, s);
		if (!ok) {
			srv->stats.ipv6_no_prefix++;
			fmt6(s->v6_prefix, pfx);
			if (!s->v6_refused_logged)
				log_warnx("%s event=ipv6-no-prefix reason=prefix-taken prefix=%s/64 "
					  "source=radius (IPv4 goes on)", s->log_id, pfx);
			s->v6_refused_logged = true;
			return;
		}
	} else {
		/* IPV6CP up again: the same /64 if it is still free. */
		s->v6_pool = s->v6_npool ? s->v6_npool : srv->pool6;
		bool again = s->v6_had_prefix && pool6_take(s->v6_pool, s->v6_prefix, s);
		if (!again && !pool6_alloc(s->v6_pool, s, s->v6_prefix)) {
			srv->stats.ipv6_no_prefix++;
			log_warnx("%s event=ipv6-no-prefix (%s exhausted; IPv4 goes on)", s->log_id,
				  s->v6_npool ? "the named ipv6-pool" : "ipv6-prefix-pool");
			return;
		}
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
	log_notice("%s event=ipv6-up prefix=%s/64 iid=%016llx mtu=%u route=%s source=%s", s->log_id,
		   pfx, (unsigned long long)s->v6_peer_iid, s->v6_mtu, s->v6_route ? "yes" : "no",
		   s->v6_fixed ? "radius" : "pool");
	routes6_up(s);
	send_ra(s, NULL);
	s->v6_ra_initial = 0;
	ra_schedule(s, server_now_ms());
	session_arm(s);
}

void session_ipv6_timer(struct session *s, uint64_t now)
{
	if (!s->v6_up || now < s->v6_ra_at)
		return;
	/* Unsolicited, or the end of a window an RS fell into (then it
	 * answers every RS folded into it; ff02::1 reaches the one peer). */
	send_ra(s, NULL);
	if (s->v6_ra_initial < RA_INITIAL_COUNT)
		s->v6_ra_initial++;
	ra_schedule(s, now);
}

/* IPv6 ends on the session (ipv6_down or the end): routes and /64 back. */
static void v6_stop(struct session *s)
{
	s->v6_ra_at = UINT64_MAX;
	if (!s->v6_up)
		return;
	routes6_down(s);
	route6(s, false);
	if (s->v6_pool)
		pool6_release(s->v6_pool, s->v6_prefix);
	else
		table6_del(s->srv, s, s->v6_prefix, 64);
	s->v6_up = false;
}

void session_ipv6_release(struct session *s)
{
	v6_stop(s);
	routes6_forget(s);
}

void session_ipv6_down(void *owner)
{
	struct session *s = owner;
	char pfx[INET6_ADDRSTRLEN];

	if (!s->v6_up)
		return;
	fmt6(s->v6_prefix, pfx);
	log_notice("%s event=ipv6-down prefix=%s/64", s->log_id, pfx);
	v6_stop(s);
}

/* The delegated prefix when its route is installed (the last entry of
 * routes6, session_ipv6_keep()); false: none to give. */
static bool delegated_prefix(const struct session *s, struct dhcp6_pd_params *p)
{
	if (!s->v6_delegated_len || !s->nroutes6 || !s->routes6[s->nroutes6 - 1].installed)
		return false;
	memcpy(p->prefix, s->v6_delegated, 16);
	p->prefix_len = s->v6_delegated_len;
	return true;
}

static const char *pd_msg_name(uint8_t type)
{
	switch (type) {
	case DHCP6_MSG_SOLICIT: return "solicit";
	case DHCP6_MSG_REQUEST: return "request";
	case DHCP6_MSG_RENEW: return "renew";
	case DHCP6_MSG_REBIND: return "rebind";
	case DHCP6_MSG_RELEASE: return "release";
	}
	return "other";
}

/* DHCPv6-PD (RFC 8415 18.3): the session's Delegated-IPv6-Prefix in the
 * first IA_PD, NoPrefixAvail without one. A Release is acknowledged; the
 * route stays, it is the session's for its life. The first answer of the
 * session is logged, every one counted. */
static void answer_pd(struct session *s, const struct dhcp6_pd_request *rq)
{
	struct server *srv = s->srv;
	struct dhcp6_pd_params p = {
		.server_iid = SESSION_IPV6_IID,
		.t1_s = PD_T1_S, .t2_s = PD_T2_S,
		.preferred_s = PD_PREFERRED_S, .valid_s = PD_VALID_S,
	};
	uint8_t mem[V6_TX_ROOM + V6_PKT_MAX];
	char pfx[INET6_ADDRSTRLEN];

	bool have = delegated_prefix(s, &p);
	size_t n = dhcp6_build_pd_reply(rq, &p, mem + V6_TX_ROOM, V6_PKT_MAX);
	if (!n || !send6(s, mem + V6_TX_ROOM, n))
		return;
	s->v6_dhcp++;
	srv->stats.ipv6_pd_replies++;
	if (s->v6_pd_logged)
		return;
	s->v6_pd_logged = true;
	if (!have) {
		log_notice("%s event=dhcpv6-pd msg=%s status=no-prefix-avail rapid-commit=%s "
			   "(logged once per session)", s->log_id, pd_msg_name(rq->msg_type),
			   rq->rapid_commit ? "yes" : "no");
		return;
	}
	fmt6(p.prefix, pfx);
	log_notice("%s event=dhcpv6-pd msg=%s prefix=%s/%u rapid-commit=%s (logged once per session)",
		   s->log_id, pd_msg_name(rq->msg_type), pfx, p.prefix_len,
		   rq->rapid_commit ? "yes" : "no");
}

/* What the client sent to us on the link: RS, DHCPv6 (one refused by its
 * parser: counted as bad, the first of the session logged with the
 * reason); the rest (MLD, neighbour solicitations) is dropped quietly. */
static void local6(struct session *s, const uint8_t *pkt, size_t len)
{
	struct server *srv = s->srv;
	struct nd_rs rs;
	struct dhcp6_info_request req;
	struct dhcp6_pd_request pd;

	struct ipv6_hdr h;
	if (!ipv6_parse(pkt, len, &h))
		return;
	bool is_rs = h.next_header == IPV6_NH_ICMPV6 && h.payload_len >= 1 &&
		     pkt[IPV6_HDR_LEN] == ICMPV6_ROUTER_SOLICIT;
	bool is_dhcp = h.next_header == IPV6_NH_UDP && h.payload_len >= 4 &&
		       load_be16(pkt + IPV6_HDR_LEN + 2) == DHCP6_SERVER_PORT;
	if (!is_rs && !is_dhcp)
		return; /* MLD, neighbour solicitations: nothing to answer */
	/* DHCPv6: an Information-Request, or else a prefix-delegation
	 * message (the parsers check the rest). */
	bool is_pd = is_dhcp && h.payload_len > 8 && pkt[IPV6_HDR_LEN + 8] != DHCP6_MSG_INFO_REQUEST;
	enum nd_error e = is_rs ? nd_parse_rs(pkt, len, &rs)
			  : is_pd ? dhcp6_parse_pd(pkt, len, SESSION_IPV6_IID, &pd)
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
		answer_rs(s, &rs);
		return;
	}
	if (is_pd) {
		answer_pd(s, &pd);
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
	/* From behind the client: its Framed-IPv6-Routes and delegated
	 * prefix are its own too. */
	if (v == IPV6_RX_SPOOFED && s->nroutes6 && ipv6_parse(pkt, len, &h) &&
	    route6_src_ok(s, h.src))
		v = IPV6_RX_FORWARD;
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
	if (!srv->tio || !ipv6_parse(pkt, len, &h))
		return;
	if (!session_police(s, SHAPER_UP, h.tot_len))
		return;
	if (srv->cfg->mss_clamp) {
		unsigned mtu = s->v6_mtu < srv->tun->mtu ? s->v6_mtu : srv->tun->mtu;
		ipv6_clamp_mss(pkt, h.tot_len, mss6_for(mtu));
	}
	tun_io_write(srv->tio, pkt, h.tot_len);
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
	for (size_t i = 0; !s && i < srv->nnpools6; i++)
		s = pool6_lookup(srv->npools6[i], h.dst);
	if (!s && srv->nfroutes6)
		s = session_route6_lookup(srv, h.dst);
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
			tun_io_write(srv->tio, scratch, n);
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
