#include "server/tun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common/log.h"
#include "server/worker.h"

#define TUN_DEV "/dev/net/tun"
/* Blocks per range: ipv4_range_cidrs() needs at most 62. */
#define TUN_CIDRS_MAX 62

static void fmt_ip(uint32_t host, char s[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(host) };
	inet_ntop(AF_INET, &a, s, INET_ADDRSTRLEN);
}

static void tun_unroute(struct tun *t)
{
	char s[INET_ADDRSTRLEN];
	for (size_t i = t->nroutes; i-- > 0;) {
		int e = rtnl_route(&t->nl, false, t->ifindex, t->routes[i].addr, t->routes[i].len,
				   t->localip);
		/* ENODEV/ESRCH: the device is gone and its routes with it. */
		if (e && e != -ESRCH && e != -ENODEV) {
			fmt_ip(t->routes[i].addr, s);
			log_warnx("tun=%s event=route-del-failed route=%s/%u error=\"%s\"", t->name,
				  s, t->routes[i].len, strerror(-e));
		}
	}
	t->nroutes = 0;
}

static bool tun_route(struct tun *t, const struct config_pool *pool);

static size_t pool_cidrs(const struct config_pool *pool)
{
	size_t total = 0;
	for (size_t i = 0; i < pool->n; i++)
		total += ipv4_range_cidrs(pool->range[i].first, pool->range[i].last, NULL, 0);
	return total;
}

/* Routes for remoteip and every named pool into the tun device. */
static bool tun_route_all(struct tun *t, const struct config *cfg)
{
	size_t total = pool_cidrs(&cfg->pool);
	for (size_t i = 0; i < cfg->pools.n; i++)
		total += pool_cidrs(&cfg->pools.p[i].pool);
	if (total) {
		t->routes = calloc(total, sizeof(*t->routes));
		if (!t->routes) {
			log_errx("tun=%s event=out-of-memory", t->name);
			return false;
		}
	}
	if (!tun_route(t, &cfg->pool))
		return false;
	for (size_t i = 0; i < cfg->pools.n; i++)
		if (!tun_route(t, &cfg->pools.p[i].pool))
			return false;
	return true;
}

int tun_net_route(struct tun *t, uint32_t dst, uint8_t plen, bool add)
{
	char s[INET_ADDRSTRLEN];
	int e = rtnl_route(&t->nl, add, t->ifindex, dst, plen, t->localip);
	fmt_ip(dst, s);
	if (e && !(add && e == -EEXIST) && !(!add && e == -ESRCH))
		log_warnx("tun=%s event=host-route-failed route=%s/%u add=%s error=\"%s\"", t->name,
			  s, plen, add ? "yes" : "no", strerror(-e));
	else
		log_debug("tun=%s event=host-route route=%s/%u add=%s%s", t->name, s, plen,
			  add ? "yes" : "no", e ? " (already so)" : "");
	return e;
}

int tun_route6(struct tun *t, const uint8_t prefix[static 16], bool add)
{
	char s[INET6_ADDRSTRLEN];
	int e = rtnl_route6(&t->nl, add, t->ifindex, prefix, 64);
	inet_ntop(AF_INET6, prefix, s, sizeof(s));
	if (e && !(!add && e == -ESRCH))
		log_warnx("tun=%s event=route6-failed route=%s/64 add=%s error=\"%s\"", t->name, s,
			  add ? "yes" : "no", strerror(-e));
	else
		log_debug("tun=%s event=route6 route=%s/64 add=%s", t->name, s, add ? "yes" : "no");
	return e;
}

bool tun_host_route(struct tun *t, uint32_t addr, bool add)
{
	int e = tun_net_route(t, addr, 32, add);
	return !e || (add && e == -EEXIST) || (!add && e == -ESRCH);
}

/* Add the routes of one pool; t->routes has room for them. */
static bool tun_route(struct tun *t, const struct config_pool *pool)
{
	char s[INET_ADDRSTRLEN];
	for (size_t i = 0; i < pool->n; i++) {
		struct ipv4_cidr c[TUN_CIDRS_MAX];
		size_t n = ipv4_range_cidrs(pool->range[i].first, pool->range[i].last, c,
					    TUN_CIDRS_MAX);
		for (size_t k = 0; k < n; k++) {
			int e = rtnl_route(&t->nl, true, t->ifindex, c[k].addr, c[k].len,
					   t->localip);
			fmt_ip(c[k].addr, s);
			if (e) {
				log_errx("tun=%s event=route-add-failed route=%s/%u error=\"%s\"",
					 t->name, s, c[k].len, strerror(-e));
				return false;
			}
			t->routes[t->nroutes++] = c[k];
			log_debug("tun=%s event=route-added route=%s/%u", t->name, s, c[k].len);
		}
	}
	return true;
}

static bool has_route(const struct tun *t, struct ipv4_cidr c)
{
	for (size_t i = 0; i < t->nroutes; i++)
		if (t->routes[i].addr == c.addr && t->routes[i].len == c.len)
			return true;
	return false;
}

/* Routes for the ranges of one pool that t does not have yet. */
static bool tun_route_new(struct tun *t, const struct config_pool *pool)
{
	char s[INET_ADDRSTRLEN];
	for (size_t i = 0; i < pool->n; i++) {
		struct ipv4_cidr c[TUN_CIDRS_MAX];
		size_t n = ipv4_range_cidrs(pool->range[i].first, pool->range[i].last, c,
					    TUN_CIDRS_MAX);
		for (size_t k = 0; k < n; k++) {
			if (has_route(t, c[k]))
				continue;
			struct ipv4_cidr *r = realloc(t->routes, (t->nroutes + 1) * sizeof(*r));
			if (!r) {
				log_errx("tun=%s event=out-of-memory", t->name);
				return false;
			}
			t->routes = r;
			int e = rtnl_route(&t->nl, true, t->ifindex, c[k].addr, c[k].len,
					   t->localip);
			fmt_ip(c[k].addr, s);
			if (e && e != -EEXIST) {
				log_errx("tun=%s event=route-add-failed route=%s/%u error=\"%s\"",
					 t->name, s, c[k].len, strerror(-e));
				return false;
			}
			t->routes[t->nroutes++] = c[k];
			log_info("tun=%s event=route-added route=%s/%u", t->name, s, c[k].len);
		}
	}
	return true;
}

bool tun_route_pools(struct tun *t, const struct config *cfg)
{
	bool ok = tun_route_new(t, &cfg->pool);
	for (size_t i = 0; i < cfg->pools.n; i++)
		ok = tun_route_new(t, &cfg->pools.p[i].pool) && ok;
	return ok;
}

/* Write value to /proc/sys/net/<family>/conf/<device>/<key>; false if the
 * file cannot be written (a kernel without IPv6 has no ipv6 files). */
static bool tun_sysctl(const char *family, const char *name, const char *key, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", family, name, key);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t n = strlen(value);
	bool ok = write(fd, value, n) == (ssize_t)n;
	close(fd);
	return ok;
}

/* Per-device settings the data path relies on:
 * - without `ipv6`, IPv6 off: the tunnel carries IPv4 only, and the
 *   kernel's router solicitations would only be counted as bad packets;
 *   with it, IPv6 on (the sessions' /64 routes need it) but quiet: no
 *   link-local address of its own (the server's side of each link is
 *   session_ipv6.c's), no router solicitations, no RAs taken;
 * - accept_local on: ICMP errors the server writes into the tun (e.g.
 *   fragmentation needed) come from localip, which is the tun's own
 *   address; without it the kernel drops them as martians. */
static bool tun_sysctls(const char *name, bool ipv6)
{
	if (ipv6) {
		tun_sysctl("ipv6", name, "addr_gen_mode", "1");
		tun_sysctl("ipv6", name, "router_solicitations", "0");
		tun_sysctl("ipv6", name, "accept_ra", "0");
		if (!tun_sysctl("ipv6", name, "disable_ipv6", "0")) {
			log_warn("tun=%s event=tun-open-failed step=ipv6", name);
			return false;
		}
	} else {
		tun_sysctl("ipv6", name, "disable_ipv6", "1");
	}
	if (!tun_sysctl("ipv4", name, "accept_local", "1")) {
		log_warn("tun=%s event=tun-open-failed step=accept_local", name);
		return false;
	}
	return true;
}

struct tun *tun_open(const struct config *cfg)
{
	const char *name = cfg->tun && cfg->tun[0] ? cfg->tun : "pptp0";
	struct tun *t = calloc(1, sizeof(*t));
	if (!t) {
		log_errx("tun=%s event=out-of-memory", name);
		return NULL;
	}
	t->fd = -1;
	t->nl.fd = -1;
	t->mtu = cfg->mtu;
	t->localip = ntohl(cfg->localip.s_addr);
	if (strlen(name) >= sizeof(t->name)) {
		log_errx("tun=%s event=tun-open-failed error=\"name too long\"", name);
		goto fail;
	}
	memcpy(t->name, name, strlen(name) + 1);

	t->fd = open(TUN_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd < 0) {
		log_err("tun=%s event=tun-open-failed open " TUN_DEV, t->name);
		goto fail;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	/* With workers the device has a queue per worker after this one. */
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (workers_wanted(cfg) > 1 ? IFF_MULTI_QUEUE : 0);
	memcpy(ifr.ifr_name, t->name, sizeof(t->name));
	if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
		log_err("tun=%s event=tun-open-failed TUNSETIFF", t->name);
		goto fail;
	}
	/* The kernel may have completed a template name such as "pptp%d". */
	memcpy(t->name, ifr.ifr_name, sizeof(t->name));
	t->name[sizeof(t->name) - 1] = '\0';
	t->ifindex = (int)if_nametoindex(t->name);
	if (t->ifindex <= 0) {
		log_err("tun=%s event=tun-open-failed if_nametoindex", t->name);
		goto fail;
	}
	if (!tun_sysctls(t->name, cfg->ipv6))
		goto fail;
	if (!rtnl_open(&t->nl))
		goto fail;
	int e = rtnl_link_up(&t->nl, t->ifindex, t->mtu);
	if (e) {
		log_errx("tun=%s event=tun-open-failed step=link-up mtu=%u error=\"%s\"", t->name,
			 t->mtu, strerror(-e));
		goto fail;
	}
	e = rtnl_addr(&t->nl, true, t->ifindex, t->localip, 32);
	if (e) {
		log_errx("tun=%s event=tun-open-failed step=address error=\"%s\"", t->name,
			 strerror(-e));
		goto fail;
	}
	t->addr_added = true;
	if (!tun_route_all(t, cfg))
		goto fail;
	char s[INET_ADDRSTRLEN];
	fmt_ip(t->localip, s);
	log_info("tun=%s event=tun-up ifindex=%d mtu=%u localip=%s routes=%zu", t->name,
		 t->ifindex, t->mtu, s, t->nroutes);
	return t;
fail:
	tun_free(t);
	return NULL;
}

void tun_free(struct tun *t)
{
	if (!t)
		return;
	if (t->nl.fd >= 0) {
		tun_unroute(t);
		if (t->addr_added)
			(void)rtnl_addr(&t->nl, false, t->ifindex, t->localip, 32);
		rtnl_free(&t->nl);
	}
	if (t->fd >= 0)
		close(t->fd);
	free(t->routes);
	free(t);
}

int tun_read_batch(struct tun *t, struct tun_pkt *pkts, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(t->fd, pkts[got].buf, pkts[got].cap);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			t->st.rx_err++;
			log_warn("tun=%s event=tun-read-failed", t->name);
			return got ? (int)got : -1;
		}
		if (r == 0)
			break;
		pkts[got].len = (size_t)r;
		t->st.rx_bytes += (size_t)r;
		got++;
	}
	t->st.rx += got;
	return (int)got;
}

bool tun_write(struct tun *t, const void *pkt, size_t len)
{
	ssize_t r;
	do
		r = write(t->fd, pkt, len);
	while (r < 0 && errno == EINTR);
	if (r < 0 || (size_t)r != len) {
		t->st.tx_dropped++;
		return false;
	}
	t->st.tx++;
	t->st.tx_bytes += len;
	return true;
}
