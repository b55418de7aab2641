/*
 * Routes behind a client (RADIUS Framed-Route, and Framed-IP-Netmask wider
 * than /32): kept from the Access-Accept, checked and installed into the
 * tun when the session comes up, removed when it ends.
 *
 * A route is refused (logged once, at session-up) when its gateway is
 * neither 0.0.0.0 nor the client's address, when it overlaps the server's
 * localip or any address pool (those are the server's own), or when
 * another session already has the same prefix, or the kernel has a route
 * to that prefix already (route-exists: someone else's, which the end of
 * the session must not delete). The installed ones live in
 * one server-wide table (srv->froutes), where the data path finds the
 * session for a destination outside the pools (longest prefix first) and
 * the source check lets the client send from them.
 *
 * Lifetime: s->routes from session_routes_keep() (authentication) to
 * session_routes_down() (the session ends); table entries from
 * session_routes_up() to session_routes_down().
 */
#include "server/session_priv.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "server/server.h"
#include "server/tun.h"

static uint32_t mask_of(uint8_t plen)
{
	return plen ? 0xFFFFFFFFu << (32 - plen) : 0;
}

/* A contiguous netmask's prefix length; -1 if it is not one. */
static int netmask_plen(uint32_t m)
{
	int n = 0;
	while (n < 32 && (m & (0x80000000u >> n)))
		n++;
	return mask_of((uint8_t)n) == m ? n : -1;
}

void session_routes_keep(struct session *s, const struct auth_result *res)
{
	size_t n = res->nroutes < AUTH_ROUTE_MAX ? res->nroutes : AUTH_ROUTE_MAX;
	bool mask = res->netmask && res->netmask != 0xFFFFFFFFu;

	free(s->routes);
	s->routes = NULL;
	s->nroutes = 0;
	s->netmask = mask ? res->netmask : 0;
	if (!n && !mask)
		return;
	/* One slot more for the netmask's subnet, made at session-up. */
	s->routes = calloc(n + 1, sizeof(*s->routes));
	if (!s->routes) {
		log_warnx("%s event=framed-route-refused reason=out-of-memory", s->log_id);
		return;
	}
	for (size_t i = 0; i < n; i++)
		s->routes[i].r = res->routes[i];
	s->nroutes = n;
}

static bool ranges_overlap(uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1)
{
	return !(a1 < b0 || b1 < a0);
}

static bool pool_overlaps(const struct config_pool *p, uint32_t lo, uint32_t hi)
{
	for (size_t i = 0; i < p->n; i++)
		if (ranges_overlap(lo, hi, p->range[i].first, p->range[i].last))
			return true;
	return false;
}

/* Why r may not be installed for s; NULL if it may. */
static const char *route_refusal(const struct session *s, const struct auth_route *r)
{
	const struct server *srv = s->srv;
	const struct config *cfg = srv->cfg;
	uint32_t lo = r->dst, hi = r->dst | ~mask_of(r->plen);
	uint32_t local = ntohl(cfg->localip.s_addr);

	if (r->gw && r->gw != s->addr)
		return "gateway-not-client";
	if (local >= lo && local <= hi)
		return "overlaps-localip";
	if (pool_overlaps(&cfg->pool, lo, hi))
		return "overlaps-pool";
	for (size_t i = 0; i < cfg->pools.n; i++)
		if (pool_overlaps(&cfg->pools.p[i].pool, lo, hi))
			return "overlaps-pool";
	for (size_t i = 0; i < srv->nfroutes; i++)
		if (srv->froutes[i].dst == r->dst && srv->froutes[i].plen == r->plen)
			return "route-taken";
	return NULL;
}

static bool table_add(struct server *srv, struct session *s, const struct auth_route *r)
{
	if (srv->nfroutes == srv->froutes_cap) {
		size_t cap = srv->froutes_cap ? srv->froutes_cap * 2 : 16;
		struct server_froute *t = realloc(srv->froutes, cap * sizeof(*t));
		if (!t)
			return false;
		srv->froutes = t;
		srv->froutes_cap = cap;
	}
	srv->froutes[srv->nfroutes++] = (struct server_froute){
		.dst = r->dst, .plen = r->plen, .s = s,
	};
	return true;
}

static void table_del(struct server *srv, const struct session *s)
{
	size_t k = 0;
	for (size_t i = 0; i < srv->nfroutes; i++)
		if (srv->froutes[i].s != s)
			srv->froutes[k++] = srv->froutes[i];
	srv->nfroutes = k;
	if (!k) {
		free(srv->froutes);
		srv->froutes = NULL;
		srv->froutes_cap = 0;
	}
}

void session_routes_up(struct session *s)
{
	struct server *srv = s->srv;
	char dst[INET_ADDRSTRLEN];

	if (!s->routes || !s->addr)
		return;
	if (s->netmask) {
		int plen = netmask_plen(s->netmask);
		struct in_addr m = { .s_addr = htonl(s->netmask) };
		if (plen < 0) {
			inet_ntop(AF_INET, &m, dst, sizeof(dst));
			log_warnx("%s event=framed-route-refused netmask=%s reason=not-contiguous",
				  s->log_id, dst);
		} else {
			struct session_route *sr = &s->routes[s->nroutes++];
			sr->r.dst = s->addr & mask_of((uint8_t)plen);
			sr->r.plen = (uint8_t)plen;
			sr->r.gw = 0;
		}
	}
	for (size_t i = 0; i < s->nroutes; i++) {
		struct session_route *sr = &s->routes[i];
		session_fmt_addr(sr->r.dst, dst);
		const char *why = route_refusal(s, &sr->r);
		if (!why && !srv->tun)
			why = "no-tun";
		int e = why ? 0 : tun_net_route(srv->tun, sr->r.dst, sr->r.plen, true);
		if (e)
			why = e == -EEXIST ? "route-exists" : "route-add-failed";
		if (!why && !table_add(srv, s, &sr->r)) {
			tun_net_route(srv->tun, sr->r.dst, sr->r.plen, false);
			why = "out-of-memory";
		}
		if (why) {
			srv->stats.framed_routes_refused++;
			log_warnx("%s event=framed-route-refused route=%s/%u reason=%s", s->log_id,
				  dst, sr->r.plen, why);
			continue;
		}
		sr->installed = true;
		srv->stats.framed_routes++;
		log_notice("%s event=framed-route route=%s/%u", s->log_id, dst, sr->r.plen);
	}
}

void session_routes_down(struct session *s)
{
	struct server *srv = s->srv;

	if (!s->routes)
		return;
	for (size_t i = 0; i < s->nroutes; i++) {
		struct session_route *sr = &s->routes[i];
		if (sr->installed && srv->tun)
			tun_net_route(srv->tun, sr->r.dst, sr->r.plen, false);
		sr->installed = false;
	}
	table_del(srv, s);
	free(s->routes);
	s->routes = NULL;
	s->nroutes = 0;
	s->netmask = 0;
}

struct session *session_route_lookup(const struct server *srv, uint32_t dst)
{
	const struct server_froute *best = NULL;
	for (size_t i = 0; i < srv->nfroutes; i++) {
		const struct server_froute *f = &srv->froutes[i];
		if ((dst & mask_of(f->plen)) == f->dst && (!best || f->plen > best->plen))
			best = f;
	}
	return best ? best->s : NULL;
}

bool session_route_src_ok(const struct session *s, uint32_t src)
{
	for (size_t i = 0; i < s->nroutes; i++) {
		const struct session_route *sr = &s->routes[i];
		if (sr->installed && (src & mask_of(sr->r.plen)) == sr->r.dst)
			return true;
	}
	return false;
}
