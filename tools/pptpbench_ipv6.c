/*
 * The client end of IPv6 for `pptpbench connect --ipv6` (pptpbench_ipv6.h).
 */
#include "tools/pptpbench_ipv6.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/ipv6.h"
#include "common/ipv6_nd.h"
#include "tools/client_tun.h"

#define V6_OUT_MAX 256

static void put_iid(uint8_t a[static 16], uint64_t iid)
{
	for (int i = 0; i < 8; i++)
		a[8 + i] = (uint8_t)(iid >> (8 * (7 - i)));
}

static void fmt6(const uint8_t a[static 16], char out[static INET6_ADDRSTRLEN])
{
	inet_ntop(AF_INET6, a, out, INET6_ADDRSTRLEN);
}

/* The IPv6 header and checksum around an ICMPv6/UDP payload already at
 * b + 40; returns the whole length. */
static size_t finish(uint8_t *b, const uint8_t src[16], const uint8_t dst[16], uint8_t nh,
		     size_t plen, size_t csum_at)
{
	b[0] = 0x60;
	b[1] = b[2] = b[3] = 0;
	b[4] = (uint8_t)(plen >> 8);
	b[5] = (uint8_t)plen;
	b[6] = nh;
	b[7] = 255;
	memcpy(b + 8, src, 16);
	memcpy(b + 24, dst, 16);
	uint16_t c = ipv6_l4_checksum(src, dst, nh, b + IPV6_HDR_LEN, plen);
	if (nh == IPV6_NH_UDP && c == 0)
		c = 0xffff;
	b[IPV6_HDR_LEN + csum_at] = (uint8_t)(c >> 8);
	b[IPV6_HDR_LEN + csum_at + 1] = (uint8_t)c;
	return IPV6_HDR_LEN + plen;
}

static void send_rs(struct bench_ipv6 *v)
{
	uint8_t mem[PPP_TX_HEADROOM + V6_OUT_MAX] = { 0 };
	uint8_t *b = mem + PPP_TX_HEADROOM, src[16], dst[16];
	ipv6_link_local(src, v->iid);
	inet_pton(AF_INET6, "ff02::2", dst);
	b[IPV6_HDR_LEN] = ICMPV6_ROUTER_SOLICIT; /* code, checksum, reserved: 0 */
	v->send(v->ctx, b, finish(b, src, dst, IPV6_NH_ICMPV6, 8, 2));
}

/* Transaction IDs: which Reply answers which of our two requests. */
#define XID_INFO 0x123456u
#define XID_PD   0x65a1d0u
#define PD_IAID  1u

/* A DHCPv6 message of type with xid, our Client Identifier (DUID-LL,
 * EUI-64 hardware type, our identifier) and Elapsed Time 0; then, for an
 * Information-Request, the ORO asking for DNS servers, for a Solicit
 * Rapid Commit and one IA_PD (IAID 1, T1 and T2 left to the server). */
static void send_dhcp6(struct bench_ipv6 *v, uint8_t type, uint32_t xid)
{
	uint8_t mem[PPP_TX_HEADROOM + V6_OUT_MAX] = { 0 };
	uint8_t *b = mem + PPP_TX_HEADROOM, src[16], dst[16];
	struct wbuf w;
	ipv6_link_local(src, v->iid);
	inet_pton(AF_INET6, "ff02::1:2", dst);
	wbuf_init(&w, b + IPV6_HDR_LEN, V6_OUT_MAX - IPV6_HDR_LEN);
	wbuf_be16(&w, DHCP6_CLIENT_PORT);
	wbuf_be16(&w, DHCP6_SERVER_PORT);
	wbuf_be16(&w, 0); /* length, below */
	wbuf_be16(&w, 0); /* checksum */
	wbuf_u8(&w, type);
	wbuf_u8(&w, (uint8_t)(xid >> 16));
	wbuf_be16(&w, (uint16_t)xid);
	wbuf_be16(&w, DHCP6_OPT_CLIENTID);
	wbuf_be16(&w, 12);
	wbuf_be16(&w, 3);
	wbuf_be16(&w, 27);
	for (int i = 7; i >= 0; i--)
		wbuf_u8(&w, (uint8_t)(v->iid >> (8 * i)));
	wbuf_be16(&w, 8); /* Elapsed Time: 0 */
	wbuf_be16(&w, 2);
	wbuf_be16(&w, 0);
	if (type == DHCP6_MSG_INFO_REQUEST) {
		wbuf_be16(&w, DHCP6_OPT_ORO);
		wbuf_be16(&w, 2);
		wbuf_be16(&w, DHCP6_OPT_DNS_SERVERS);
	} else {
		wbuf_be16(&w, DHCP6_OPT_RAPID_COMMIT);
		wbuf_be16(&w, 0);
		wbuf_be16(&w, DHCP6_OPT_IA_PD);
		wbuf_be16(&w, 12);
		wbuf_be32(&w, PD_IAID);
		wbuf_be32(&w, 0);
		wbuf_be32(&w, 0);
	}
	if (!wbuf_ok(&w))
		return;
	size_t plen = w.len;
	b[IPV6_HDR_LEN + 4] = (uint8_t)(plen >> 8);
	b[IPV6_HDR_LEN + 5] = (uint8_t)plen;
	v->send(v->ctx, b, finish(b, src, dst, IPV6_NH_UDP, plen, 6));
}

bool bench_ipv6_up(struct bench_ipv6 *v, const struct ppp_ipv6_info *info, double ms,
		   char *err, size_t errlen)
{
	char e[CLIENT_TUN_ERR_SIZE];
	uint8_t ll[16];

	v->iid = info->local_iid;
	v->server_iid = info->peer_iid;
	printf("ipv6cp-up %.1f ms iid=%016llx server-iid=%016llx\n", ms,
	       (unsigned long long)v->iid, (unsigned long long)v->server_iid);
	ipv6_link_local(ll, v->iid);
	if (!client_tun_add_addr6(v->tun_name, ll, 64, e)) {
		snprintf(err, errlen, "%s", e);
		return false;
	}
	v->up = true;
	send_rs(v);
	if (v->dhcp_info)
		send_dhcp6(v, DHCP6_MSG_INFO_REQUEST, XID_INFO);
	if (v->dhcp_pd)
		send_dhcp6(v, DHCP6_MSG_SOLICIT, XID_PD);
	fflush(stdout);
	return true;
}

/* RA options: the first Prefix Information's /64 and every RDNSS server. */
static void take_ra(struct bench_ipv6 *v, struct rbuf *r, double ms)
{
	char s[INET6_ADDRSTRLEN], e[CLIENT_TUN_ERR_SIZE];
	bool first = !v->ra_seen++;

	if (v->rs_flood)
		printf("ra-count %u\n", v->ra_seen);
	if (first && v->rs_flood) {
		/* right after the server's RA: every one inside its window */
		for (unsigned i = 0; i < v->rs_flood; i++)
			send_rs(v);
		printf("rs-flood %u\n", v->rs_flood);
	}

	while (rbuf_left(r) >= 8) {
		uint8_t type, olen;
		struct rbuf o;
		if (!rbuf_peek_u8(r, 0, &type) || !rbuf_peek_u8(r, 1, &olen) || olen == 0 ||
		    !rbuf_sub(r, (size_t)olen * 8, &o))
			return;
		rbuf_skip(&o, 2);
		if (type == ND_OPT_PREFIX_INFO && olen == 4 && !v->have_prefix) {
			uint8_t plen, flags, pfx[16];
			rbuf_u8(&o, &plen);
			rbuf_u8(&o, &flags);
			rbuf_skip(&o, 12);
			if (!rbuf_copy(&o, pfx, 16) || plen != 64 || !(flags & 0x40))
				continue;
			memcpy(v->prefix, pfx, 16);
			v->have_prefix = true;
			uint8_t addr[16], any[16] = { 0 };
			memcpy(addr, pfx, 8);
			put_iid(addr, v->iid);
			if (!client_tun_add_addr6(v->tun_name, addr, 64, e) ||
			    !client_tun_add_route6(v->tun_name, any, 0, e)) {
				printf("ipv6-error %s\n", e);
				continue;
			}
			fmt6(pfx, s);
			printf("ipv6-up %.1f ms %s/64", ms, s);
			fmt6(addr, s);
			printf(" addr=%s\n", s);
		} else if (type == ND_OPT_RDNSS && olen >= 3 && first) {
			uint8_t a[16];
			rbuf_skip(&o, 6); /* reserved, lifetime */
			while (rbuf_copy(&o, a, 16)) {
				fmt6(a, s);
				printf("ra-rdnss %s\n", s);
			}
		}
	}
}

/* The IA_PD of our Solicit's Reply: its IA Prefix, or its Status Code. */
static void take_ia_pd(struct rbuf *o)
{
	char s[INET6_ADDRSTRLEN];
	uint32_t iaid = 0;
	uint16_t code, olen, status;
	struct rbuf sub;

	if (!rbuf_be32(o, &iaid) || iaid != PD_IAID || !rbuf_skip(o, 8))
		return;
	while (rbuf_left(o) >= 4) {
		if (!rbuf_be16(o, &code) || !rbuf_be16(o, &olen) || !rbuf_sub(o, olen, &sub))
			return;
		uint8_t plen, pfx[16];
		if (code == DHCP6_OPT_IA_PREFIX && rbuf_skip(&sub, 8) && rbuf_u8(&sub, &plen) &&
		    rbuf_copy(&sub, pfx, 16)) {
			fmt6(pfx, s);
			printf("dhcpv6-pd %s/%u\n", s, plen);
			return;
		}
		if (code == DHCP6_OPT_STATUS_CODE && rbuf_be16(&sub, &status)) {
			printf("dhcpv6-pd none status=%u\n", status);
			return;
		}
	}
	printf("dhcpv6-pd none status=none\n");
}

static void take_reply(struct bench_ipv6 *v, struct rbuf *r)
{
	char s[INET6_ADDRSTRLEN];
	uint8_t type, x[3];

	if (!rbuf_u8(r, &type) || type != DHCP6_MSG_REPLY || !rbuf_copy(r, x, 3))
		return;
	uint32_t xid = (uint32_t)x[0] << 16 | (uint32_t)x[1] << 8 | x[2];
	bool pd = xid == XID_PD;
	if (pd ? v->pd_answered : xid != XID_INFO || v->dhcp_answered)
		return;
	if (pd)
		v->pd_answered = true;
	else
		v->dhcp_answered = true;
	if (!pd)
		printf("dhcpv6-reply\n");
	while (rbuf_left(r) >= 4) {
		uint16_t code, olen;
		struct rbuf o;
		if (!rbuf_be16(r, &code) || !rbuf_be16(r, &olen) || !rbuf_sub(r, olen, &o))
			return;
		if (pd && code == DHCP6_OPT_IA_PD) {
			take_ia_pd(&o);
			continue;
		}
		if (pd || code != DHCP6_OPT_DNS_SERVERS)
			continue;
		uint8_t a[16];
		while (rbuf_copy(&o, a, 16)) {
			fmt6(a, s);
			printf("dhcpv6-dns %s\n", s);
		}
	}
}

bool bench_ipv6_rx(struct bench_ipv6 *v, const uint8_t *pkt, size_t len, double ms)
{
	struct ipv6_hdr h;
	struct rbuf r;

	if (!v->up || !ipv6_parse(pkt, len, &h))
		return false;
	rbuf_init(&r, pkt + IPV6_HDR_LEN, h.payload_len);
	if (h.next_header == IPV6_NH_ICMPV6) {
		uint8_t type;
		if (!rbuf_peek_u8(&r, 0, &type) || type != ICMPV6_ROUTER_ADVERT)
			return false;
		if (h.hop_limit != 255 || !rbuf_skip(&r, 16))
			return true; /* not a valid one: dropped */
		take_ra(v, &r, ms);
		fflush(stdout);
		return true;
	}
	if (h.next_header == IPV6_NH_UDP) {
		uint16_t sport, dport;
		if (!rbuf_be16(&r, &sport) || !rbuf_be16(&r, &dport) ||
		    sport != DHCP6_SERVER_PORT || dport != DHCP6_CLIENT_PORT)
			return false;
		rbuf_skip(&r, 4);
		take_reply(v, &r);
		fflush(stdout);
		return true;
	}
	return false;
}
