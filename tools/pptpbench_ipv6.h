/*
 * `pptpbench connect --ipv6`: the client end of IPv6 over the link, as a
 * host behind a PPP server sees it. On ipv6_up it gives the tun its
 * link-local address fe80::<our identifier>, sends a Router Solicitation
 * (and, with --dhcpv6-info, one DHCPv6 Information-Request; with
 * --dhcpv6-pd, one Solicit with Rapid Commit and an IA_PD, as a router
 * behind the client asks for its prefix); the Router
 * Advertisement's /64 becomes prefix::<our identifier>/64 on the tun with
 * a default IPv6 route through it, and its RDNSS servers are printed, as
 * are the DNS servers of the DHCPv6 Reply. Both are consumed here, never
 * written to the tun (the kernel's own SLAAC stays out of it).
 *
 * Lines printed: "ipv6cp-up MS iid=... server-iid=...", "ipv6-up PREFIX/64
 * addr=ADDR", "ra-rdnss ADDR", "dhcpv6-dns ADDR", "dhcpv6-pd PREFIX/LEN"
 * (the Reply's IA Prefix) or "dhcpv6-pd none status=N" (its Status Code);
 * with --rs-flood N, "rs-flood N" when they are sent and "ra-count K" at
 * every RA.
 *
 * Lifetime: embedded in struct connect; no allocation.
 */
#ifndef PPTP_TOOLS_PPTPBENCH_IPV6_H
#define PPTP_TOOLS_PPTPBENCH_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ppp/ppp.h"

struct bench_ipv6 {
	bool enabled;           /* --ipv6 */
	bool dhcp_info;         /* --dhcpv6-info */
	bool dhcp_pd;           /* --dhcpv6-pd */
	unsigned rs_flood;      /* --rs-flood N: N more RSs once the first RA is in */
	const char *tun_name;
	uint64_t iid, server_iid;
	bool up, have_prefix, dhcp_answered, pd_answered;
	uint8_t prefix[16];
	unsigned ra_seen;
	/* Sends one IPv6 packet (PPP_TX_HEADROOM writable before pkt). */
	void (*send)(void *ctx, uint8_t *pkt, size_t len);
	void *ctx;
};

/* IPV6CP is up: the link-local address, then RS (and DHCPv6). False with
 * err filled if the tun cannot be configured. */
bool bench_ipv6_up(struct bench_ipv6 *v, const struct ppp_ipv6_info *info, double ms,
		   char *err, size_t errlen);
/* A received IPv6 packet: true if it was ours (RA, DHCPv6 Reply) and is
 * consumed; false: write it to the tun. */
bool bench_ipv6_rx(struct bench_ipv6 *v, const uint8_t *pkt, size_t len, double ms);

#endif
