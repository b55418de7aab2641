/*
 * Proxy ARP for clients (config `proxyarp`): the server answers ARP on the
 * operator's LAN for a client address that lies inside the LAN's subnet, so
 * LAN hosts reach the client as if it were on the wire.
 *
 * The LAN interface for an address is the one holding an IPv4 address whose
 * subnet contains it (not loopback, not point-to-point, not the tun);
 * found with getifaddrs() at the time of the call. If there is none, the
 * entry is skipped (logged at info): the address is routed, not bridged.
 * Entries are RTM_NEWNEIGH/RTM_DELNEIGH with NTF_PROXY through rtnetlink.
 * The kernel answers only if forwarding is on, as with pppd's proxyarp.
 *
 * Lifetime: neigh_new() .. neigh_free(), one per server, opened in
 * privileged set-up (it keeps a netlink socket; later requests need
 * CAP_NET_ADMIN). Entries are not removed by neigh_free(): each session
 * removes its own with neigh_proxy_del() and the ifindex it got.
 */
#ifndef PPTP_SERVER_NEIGH_H
#define PPTP_SERVER_NEIGH_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct neigh;

/* NULL (logged) if the netlink socket cannot be opened. */
struct neigh *neigh_new(void);
void neigh_free(struct neigh *n);

/* The LAN interface whose subnet contains addr (host order), skipping the
 * interface named exclude (may be NULL); its index, with its name in name,
 * or 0 if there is none. */
int neigh_lan_ifindex(uint32_t addr, const char *exclude, char name[IFNAMSIZ]);

/* Publish addr on its LAN interface. Returns the ifindex used (> 0, keep it
 * for neigh_proxy_del), 0 if no LAN subnet holds addr (skipped), or -1 if
 * the kernel refused (logged). */
int neigh_proxy_add(struct neigh *n, uint32_t addr, const char *exclude);
/* Withdraw it. False (logged) if the kernel refused; a missing entry
 * (already gone with its interface) is not an error. */
bool neigh_proxy_del(struct neigh *n, uint32_t addr, int ifindex);

#endif
