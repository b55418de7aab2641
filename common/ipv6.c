/*
 * IPv6 data-path helpers: header parsing, the anti-spoofing decision, the
 * TCP MSS clamp and ICMPv6 Packet Too Big (ipv6.h).
 */
#include "common/ipv6.h"

#include <string.h>

#include "common/buf.h"

#define TCP_MIN_HLEN 20
#define TCP_FLAG_SYN 0x02
#define TCPOPT_EOL   0
#define TCPOPT_NOP   1
#define TCPOPT_MSS   2

bool ipv6_parse(const uint8_t *pkt, size_t len, struct ipv6_hdr *h)
{
	struct rbuf r;
	uint8_t vtc;
	uint8_t skip[3];
	uint16_t plen;

	rbuf_init(&r, pkt, len);
	if (!rbuf_u8(&r, &vtc) || (vtc >> 4) != 6 || !rbuf_copy(&r, skip, 3) ||
	    !rbuf_be16(&r, &plen) || !rbuf_u8(&r, &h->next_header) ||
	    !rbuf_u8(&r, &h->hop_limit) || !rbuf_copy(&r, h->src, IPV6_ADDR_LEN) ||
	    !rbuf_copy(&r, h->dst, IPV6_ADDR_LEN))
		return false;
	if (plen == 0 || (size_t)plen > rbuf_left(&r))
		return false;
	h->payload_len = plen;
	h->tot_len = IPV6_HDR_LEN + (size_t)plen;
	return true;
}

bool ipv6_in_64(const uint8_t addr[static IPV6_ADDR_LEN], const uint8_t prefix[static IPV6_ADDR_LEN])
{
	return memcmp(addr, prefix, 8) == 0;
}

bool ipv6_is_link_local(const uint8_t addr[static IPV6_ADDR_LEN])
{
	return addr[0] == 0xfe && (addr[1] & 0xc0) == 0x80;
}

static bool is_unspecified(const uint8_t a[static IPV6_ADDR_LEN])
{
	static const uint8_t zero[IPV6_ADDR_LEN];
	return memcmp(a, zero, IPV6_ADDR_LEN) == 0;
}

/* ff02::/16: link-scope multicast (all-nodes, all-routers, DHCP agents). */
static bool is_link_multicast(const uint8_t a[static IPV6_ADDR_LEN])
{
	return a[0] == 0xff && (a[1] & 0x0f) == 0x02;
}

enum ipv6_rx_verdict ipv6_rx_check(const uint8_t *pkt, size_t len, const uint8_t *prefix,
				   uint64_t our_iid)
{
	struct ipv6_hdr h;
	uint8_t ours[IPV6_ADDR_LEN];

	if (!ipv6_parse(pkt, len, &h))
		return IPV6_RX_MALFORMED;
	ipv6_link_local(ours, our_iid);
	bool to_us_locally = memcmp(h.dst, ours, IPV6_ADDR_LEN) == 0 || is_link_multicast(h.dst);
	if (ipv6_is_link_local(h.src) || is_unspecified(h.src))
		return to_us_locally ? IPV6_RX_LOCAL : IPV6_RX_LINK_LOCAL;
	if (!prefix || !ipv6_in_64(h.src, prefix))
		return IPV6_RX_SPOOFED;
	if (to_us_locally)
		return IPV6_RX_LOCAL;
	if (ipv6_is_link_local(h.dst))
		return IPV6_RX_LINK_LOCAL;
	return IPV6_RX_FORWARD;
}

const char *ipv6_rx_verdict_name(enum ipv6_rx_verdict v)
{
	switch (v) {
	case IPV6_RX_FORWARD: return "forward";
	case IPV6_RX_LOCAL: return "local";
	case IPV6_RX_SPOOFED: return "spoofed";
	case IPV6_RX_LINK_LOCAL: return "link-local";
	case IPV6_RX_MALFORMED: return "malformed";
	}
	return "?";
}

/* RFC 1624 eqn. 3: the checksum after one 16-bit word changes. */
static uint16_t csum_replace(uint16_t sum, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~sum;
	s += (uint16_t)~old;
	s += new;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

enum ipv6_mss ipv6_clamp_mss(uint8_t *pkt, size_t len, uint16_t mss)
{
	struct ipv6_hdr h;

	if (!ipv6_parse(pkt, len, &h))
		return IPV6_MSS_MALFORMED;
	if (h.next_header != IPV6_NH_TCP)
		return IPV6_MSS_SKIPPED;
	uint8_t *tcp = pkt + IPV6_HDR_LEN;
	size_t tlen = h.payload_len;
	if (tlen < TCP_MIN_HLEN)
		return IPV6_MSS_MALFORMED;
	size_t thlen = (size_t)(tcp[12] >> 4) * 4;
	if (thlen < TCP_MIN_HLEN || thlen > tlen)
		return IPV6_MSS_MALFORMED;
	if (!(tcp[13] & TCP_FLAG_SYN))
		return IPV6_MSS_SKIPPED;
	size_t i = TCP_MIN_HLEN, mss_at = 0;
	while (i < thlen) {
		uint8_t kind = tcp[i];
		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= thlen || tcp[i + 1] < 2 || i + tcp[i + 1] > thlen)
			return IPV6_MSS_MALFORMED;
		if (kind == TCPOPT_MSS) {
			if (tcp[i + 1] != 4)
				return IPV6_MSS_MALFORMED;
			if (!mss_at)
				mss_at = i + 2;
		}
		i += tcp[i + 1];
	}
	if (!mss_at)
		return IPV6_MSS_UNCHANGED;
	uint16_t old = (uint16_t)(tcp[mss_at] << 8 | tcp[mss_at + 1]);
	if (old <= mss)
		return IPV6_MSS_UNCHANGED;
	uint16_t sum = (uint16_t)(tcp[16] << 8 | tcp[17]);
	sum = csum_replace(sum, old, mss);
	tcp[mss_at] = (uint8_t)(mss >> 8);
	tcp[mss_at + 1] = (uint8_t)mss;
	tcp[16] = (uint8_t)(sum >> 8);
	tcp[17] = (uint8_t)sum;
	return IPV6_MSS_CLAMPED;
}

size_t ipv6_packet_too_big(const uint8_t *pkt, size_t len, const uint8_t src[static IPV6_ADDR_LEN],
			   uint32_t mtu, uint8_t *out, size_t cap)
{
	struct ipv6_hdr h;

	if (cap < IPV6_PTB_MAX || !ipv6_parse(pkt, len, &h))
		return 0;
	if (is_unspecified(h.src) || h.src[0] == 0xff || ipv6_is_link_local(h.src) ||
	    h.dst[0] == 0xff)
		return 0;
	/* Never an error about an error (a type below 128). */
	if (h.next_header == IPV6_NH_ICMPV6 &&
	    (h.payload_len < 1 || pkt[IPV6_HDR_LEN] < 128))
		return 0;
	size_t quote = h.tot_len;
	if (quote > IPV6_PTB_MAX - IPV6_HDR_LEN - 8)
		quote = IPV6_PTB_MAX - IPV6_HDR_LEN - 8;
	size_t plen = 8 + quote;
	uint8_t *icmp = out + IPV6_HDR_LEN;

	out[0] = 0x60;
	out[1] = out[2] = out[3] = 0;
	out[4] = (uint8_t)(plen >> 8);
	out[5] = (uint8_t)plen;
	out[6] = IPV6_NH_ICMPV6;
	out[7] = 64;
	memcpy(out + 8, src, IPV6_ADDR_LEN);
	memcpy(out + 24, h.src, IPV6_ADDR_LEN);
	icmp[0] = ICMPV6_PACKET_TOO_BIG;
	icmp[1] = 0;
	icmp[2] = icmp[3] = 0;
	icmp[4] = (uint8_t)(mtu >> 24);
	icmp[5] = (uint8_t)(mtu >> 16);
	icmp[6] = (uint8_t)(mtu >> 8);
	icmp[7] = (uint8_t)mtu;
	memcpy(icmp + 8, pkt, quote);
	uint16_t sum = ipv6_l4_checksum(out + 8, out + 24, IPV6_NH_ICMPV6, icmp, plen);
	icmp[2] = (uint8_t)(sum >> 8);
	icmp[3] = (uint8_t)sum;
	return IPV6_HDR_LEN + plen;
}
