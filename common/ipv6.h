/*
 * Pure helpers over IPv6 packets in caller buffers, for the data path
 * between PPP sessions and tun (the IPv4 ones are in ipv4.h):
 *
 *   ipv6_parse          the fixed header (version, payload length against
 *                       the buffer) into a host struct;
 *   ipv6_rx_check       what to do with a packet a client sent: to the
 *                       LAN only from inside its /64, link-local traffic
 *                       only to us (anti-spoofing);
 *   ipv6_clamp_mss      lower the TCP MSS option of a SYN in place, the
 *                       checksum fixed incrementally (RFC 1624); TCP right
 *                       after the fixed header only (an extension header
 *                       in front: left alone);
 *   ipv6_packet_too_big the ICMPv6 Packet Too Big error (RFC 4443 3.2)
 *                       about a packet, as much of it as fits in 1280
 *                       octets. Rate limiting is the caller's.
 *
 * Nothing here trusts a header field; nothing is kept between calls;
 * nothing allocates. Addresses are 16 octets in network order.
 */
#ifndef PPTP_COMMON_IPV6_H
#define PPTP_COMMON_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ipv6_nd.h"

#define IPV6_MIN_MTU      1280 /* RFC 8200 5 */
#define IPV6_NH_TCP       6
#define ICMPV6_PACKET_TOO_BIG 2
/* Room a Packet Too Big takes at most: the minimum MTU. */
#define IPV6_PTB_MAX      IPV6_MIN_MTU

struct ipv6_hdr {
	uint16_t payload_len;
	uint8_t next_header;
	uint8_t hop_limit;
	uint8_t src[IPV6_ADDR_LEN];
	uint8_t dst[IPV6_ADDR_LEN];
	size_t tot_len;              /* header + payload (link padding ignored) */
};

/* False if shorter than a header, not version 6, or the payload length
 * runs past len (0, a jumbogram, is refused too). */
bool ipv6_parse(const uint8_t *pkt, size_t len, struct ipv6_hdr *h);

/* Is addr inside prefix/64? */
bool ipv6_in_64(const uint8_t addr[static IPV6_ADDR_LEN],
		const uint8_t prefix[static IPV6_ADDR_LEN]);
bool ipv6_is_link_local(const uint8_t addr[static IPV6_ADDR_LEN]);

enum ipv6_rx_verdict {
	IPV6_RX_FORWARD,        /* from the session's /64 to a global address: tun */
	IPV6_RX_LOCAL,          /* link-local/unspecified to us or a link multicast:
				 * ours to answer (RS, DHCPv6) or drop quietly */
	IPV6_RX_SPOOFED,        /* a source outside the session's /64 */
	IPV6_RX_LINK_LOCAL,     /* link-local traffic to anything but us */
	IPV6_RX_MALFORMED,
};

/* The anti-spoofing decision for a packet from a client whose /64 is
 * prefix (NULL: none yet) and whose link has our_iid (fe80::<our_iid>). */
enum ipv6_rx_verdict ipv6_rx_check(const uint8_t *pkt, size_t len,
				   const uint8_t *prefix, uint64_t our_iid);
const char *ipv6_rx_verdict_name(enum ipv6_rx_verdict v);

enum ipv6_mss { IPV6_MSS_SKIPPED, IPV6_MSS_UNCHANGED, IPV6_MSS_CLAMPED, IPV6_MSS_MALFORMED };
enum ipv6_mss ipv6_clamp_mss(uint8_t *pkt, size_t len, uint16_t mss);

/* The Packet Too Big about pkt (its first len octets) from src to pkt's
 * source, telling mtu, into out (at least IPV6_PTB_MAX). 0 when none may
 * be sent (RFC 4443 2.4 e: about an ICMPv6 error, from the unspecified,
 * a multicast or a link-local source, or a malformed packet). */
size_t ipv6_packet_too_big(const uint8_t *pkt, size_t len, const uint8_t src[static IPV6_ADDR_LEN],
			   uint32_t mtu, uint8_t *out, size_t cap);

#endif
