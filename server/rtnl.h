/*
 * A few rtnetlink (NETLINK_ROUTE) requests, hand-built: link MTU and up,
 * IPv4 addresses, routes through an interface, proxy neighbour entries.
 *
 * Each request is sent with NLM_F_ACK and waits for the kernel's answer on
 * a blocking socket; they belong in privileged set-up and in session
 * up/down, which are rare, and the kernel answers at once. Every reply is
 * read with explicit length checks before any field is used. Results are 0
 * or -errno (the kernel's, or the socket's). Addresses are host order.
 *
 * Lifetime: struct rtnl is embedded in its owner (tun, neigh); rtnl_open()
 * .. rtnl_free(). After privileges are dropped the process still needs
 * CAP_NET_ADMIN for these requests.
 */
#ifndef PPTP_SERVER_RTNL_H
#define PPTP_SERVER_RTNL_H

#include <stdbool.h>
#include <stdint.h>

struct rtnl {
	int fd;       /* -1 when closed */
	uint32_t seq;
	uint32_t pid; /* our port id, to match replies */
};

/* False (logged) if the socket cannot be made. */
bool rtnl_open(struct rtnl *nl);
void rtnl_free(struct rtnl *nl);

/* Set an interface's MTU (0 = leave) and bring it up. */
int rtnl_link_up(struct rtnl *nl, int ifindex, unsigned mtu);
/* Add or delete local/plen on ifindex (scope global). */
int rtnl_addr(struct rtnl *nl, bool add, int ifindex, uint32_t local, uint8_t plen);
/* Add (must not exist yet) or delete the route dst/plen through ifindex in
 * the main table, scope link, with preferred source src (0 = none). */
int rtnl_route(struct rtnl *nl, bool add, int ifindex, uint32_t dst, uint8_t plen,
	       uint32_t src);
/* The same for IPv6: dst (16 octets, network order)/plen through ifindex,
 * main table, no preferred source (a session's /64). */
int rtnl_route6(struct rtnl *nl, bool add, int ifindex, const uint8_t dst[static 16],
		uint8_t plen);
/* Add (or replace) or delete a proxy ARP entry for addr on ifindex. */
int rtnl_neigh_proxy(struct rtnl *nl, bool add, int ifindex, uint32_t addr);

#endif
