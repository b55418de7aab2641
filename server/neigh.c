#include "server/neigh.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "server/rtnl.h"

struct neigh {
	struct rtnl nl;
};

static void fmt_ip(uint32_t host, char s[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(host) };
	inet_ntop(AF_INET, &a, s, INET_ADDRSTRLEN);
}

struct neigh *neigh_new(void)
{
	struct neigh *n = calloc(1, sizeof(*n));
	if (!n) {
		log_errx("event=out-of-memory what=neigh");
		return NULL;
	}
	if (!rtnl_open(&n->nl)) {
		free(n);
		return NULL;
	}
	return n;
}

void neigh_free(struct neigh *n)
{
	if (!n)
		return;
	rtnl_free(&n->nl);
	free(n);
}

int neigh_lan_ifindex(uint32_t addr, const char *exclude, char name[IFNAMSIZ])
{
	struct ifaddrs *list;
	int found = 0;
	if (getifaddrs(&list) < 0) {
		log_warn("event=getifaddrs-failed");
		return 0;
	}
	for (const struct ifaddrs *i = list; i && !found; i = i->ifa_next) {
		if (!i->ifa_addr || !i->ifa_netmask || i->ifa_addr->sa_family != AF_INET)
			continue;
		if (i->ifa_flags & (IFF_LOOPBACK | IFF_POINTOPOINT) || !(i->ifa_flags & IFF_UP))
			continue;
		if (exclude && strcmp(i->ifa_name, exclude) == 0)
			continue;
		struct sockaddr_in a, m;
		memcpy(&a, i->ifa_addr, sizeof(a));
		memcpy(&m, i->ifa_netmask, sizeof(m));
		uint32_t ia = ntohl(a.sin_addr.s_addr), mask = ntohl(m.sin_addr.s_addr);
		/* A /32 (or /31) has no neighbours to answer for. */
		if (mask == UINT32_MAX || (addr & mask) != (ia & mask) || addr == ia)
			continue;
		int idx = (int)if_nametoindex(i->ifa_name);
		if (idx > 0) {
			found = idx;
			snprintf(name, IFNAMSIZ, "%s", i->ifa_name);
		}
	}
	freeifaddrs(list);
	return found;
}

int neigh_proxy_add(struct neigh *n, uint32_t addr, const char *exclude)
{
	char s[INET_ADDRSTRLEN], name[IFNAMSIZ];
	fmt_ip(addr, s);
	int idx = neigh_lan_ifindex(addr, exclude, name);
	if (idx == 0) {
		log_info("event=proxyarp-skipped addr=%s reason=no-lan-subnet", s);
		return 0;
	}
	int e = rtnl_neigh_proxy(&n->nl, true, idx, addr);
	if (e) {
		log_warnx("event=proxyarp-failed addr=%s dev=%s error=\"%s\"", s, name,
			  strerror(-e));
		return -1;
	}
	log_info("event=proxyarp-added addr=%s dev=%s", s, name);
	return idx;
}

bool neigh_proxy_del(struct neigh *n, uint32_t addr, int ifindex)
{
	char s[INET_ADDRSTRLEN];
	fmt_ip(addr, s);
	int e = rtnl_neigh_proxy(&n->nl, false, ifindex, addr);
	if (e && e != -ENOENT && e != -ENODEV) {
		log_warnx("event=proxyarp-del-failed addr=%s ifindex=%d error=\"%s\"", s, ifindex,
			  strerror(-e));
		return false;
	}
	log_info("event=proxyarp-removed addr=%s ifindex=%d", s, ifindex);
	return true;
}
