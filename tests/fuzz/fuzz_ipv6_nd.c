/*
 * libFuzzer target for the IPv6 control-message parsers (common/ipv6_nd.c):
 * the input is an IPv6 packet as it arrives in a PPP 0x0057 frame, parsed
 * as a Router Solicitation, as a DHCPv6 Information-Request and as a
 * DHCPv6 prefix-delegation message. What parses is answered as the server
 * will (an RA to the solicitor, the DHCPv6 Reply, the Advertise/Reply with
 * a delegated prefix and without), and the answer must carry a valid
 * checksum, stay in bounds and echo the request's type and IAIDs.
 * The same input goes through the data path's helpers (common/ipv6.c):
 * the anti-spoofing verdict, the MSS clamp (a TCP checksum valid before
 * stays valid) and the Packet Too Big about it (valid, at most 1280).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/ipv6.h"
#include "common/ipv6_nd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_l4(const uint8_t *p, size_t n, uint8_t nh)
{
	if (n < IPV6_HDR_LEN || p[6] != nh || load_be16(p + 4) != n - IPV6_HDR_LEN)
		abort();
	if (ipv6_l4_checksum(p + 8, p + 24, nh, p + IPV6_HDR_LEN, n - IPV6_HDR_LEN) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nd_rs rs;
	struct nd_ra_params ra;
	struct dhcp6_info_request req;
	struct dhcp6_reply_params rp;
	uint8_t out[1024];
	size_t n;

	if (nd_parse_rs(data, size, &rs) == ND_OK) {
		memset(&ra, 0, sizeof(ra));
		ra.router_iid = 1;
		if (!rs.unspecified_src)
			memcpy(ra.dst, rs.src, IPV6_ADDR_LEN);
		ra.prefix[0] = 0x20;
		ra.prefix_len = 64;
		ra.valid_s = ra.preferred_s = 3600;
		ra.mtu = 1400;
		ra.rdnss_count = 1;
		n = nd_build_ra(&ra, out, sizeof(out));
		if (n == 0)
			abort();
		check_l4(out, n, IPV6_NH_ICMPV6);
	}
	static const uint8_t prefix[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x01 };
	if (ipv6_rx_check(data, size, prefix, 1) > IPV6_RX_MALFORMED)
		abort();
	static uint8_t copy[65536 + 64];
	struct ipv6_hdr h;
	if (size <= sizeof(copy) && ipv6_parse(data, size, &h)) {
		memcpy(copy, data, size);
		bool tcp_ok = h.next_header == IPV6_NH_TCP &&
			      ipv6_l4_checksum(copy + 8, copy + 24, IPV6_NH_TCP, copy + IPV6_HDR_LEN,
					       h.payload_len) == 0;
		if (ipv6_clamp_mss(copy, size, 536) == IPV6_MSS_CLAMPED && tcp_ok &&
		    ipv6_l4_checksum(copy + 8, copy + 24, IPV6_NH_TCP, copy + IPV6_HDR_LEN,
				     h.payload_len) != 0)
			abort();
		static uint8_t ptb[IPV6_PTB_MAX];
		n = ipv6_packet_too_big(data, size, prefix, 1280, ptb, sizeof(ptb));
		if (n > IPV6_PTB_MAX)
			abort();
		if (n)
			check_l4(ptb, n, IPV6_NH_ICMPV6);
	}
	if (dhcp6_parse_info_request(data, size, 1, &req) == ND_OK) {
		if (req.client_id_len > DHCP6_DUID_MAX || req.xid > 0xffffff)
			abort();
		memset(&rp, 0, sizeof(rp));
		rp.server_iid = 1;
		rp.dns_count = ND_RDNSS_MAX;
		rp.domain = "example.net";
		n = dhcp6_build_reply(&req, &rp, out, sizeof(out));
		if (n == 0)
			abort();
		check_l4(out, n, IPV6_NH_UDP);
		if (out[IPV6_HDR_LEN + 8] != DHCP6_MSG_REPLY)
			abort();
	}
	struct dhcp6_pd_request pd;
	if (dhcp6_parse_pd(data, size, 1, &pd) == ND_OK) {
		if (pd.client_id_len == 0 || pd.client_id_len > DHCP6_DUID_MAX ||
		    pd.n_ia_pd > DHCP6_IA_PD_MAX || pd.xid > 0xffffff ||
		    (pd.rapid_commit && pd.msg_type != DHCP6_MSG_SOLICIT))
			abort();
		struct dhcp6_pd_params pp = {
			.server_iid = 1, .prefix_len = 56, .t1_s = 1800, .t2_s = 2880,
			.preferred_s = 3600, .valid_s = 7200,
		};
		memset(pp.prefix, 0xab, sizeof(pp.prefix));
		for (int with = 0; with < 2; with++) {
			pp.prefix_len = with ? 56 : 0;
			n = dhcp6_build_pd_reply(&pd, &pp, out, sizeof(out));
			if (n == 0)
				abort();
			check_l4(out, n, IPV6_NH_UDP);
			uint8_t t = out[IPV6_HDR_LEN + 8];
			bool adv = pd.msg_type == DHCP6_MSG_SOLICIT && !pd.rapid_commit;
			if (t != (adv ? DHCP6_MSG_ADVERTISE : DHCP6_MSG_REPLY))
				abort();
			/* the answer parses back: options walk to its end */
			struct rbuf r, o;
			uint16_t code = 0, olen = 0;
			unsigned ias = 0;
			rbuf_init(&r, out + IPV6_HDR_LEN + 12, n - IPV6_HDR_LEN - 12);
			while (rbuf_left(&r) > 0) {
				if (!rbuf_be16(&r, &code) || !rbuf_be16(&r, &olen) ||
				    !rbuf_sub(&r, olen, &o))
					abort();
				uint32_t iaid = 0;
				if (code == DHCP6_OPT_IA_PD &&
				    (!rbuf_be32(&o, &iaid) || ias >= pd.n_ia_pd || iaid != pd.iaid[ias++]))
					abort();
			}
			if (pd.msg_type != DHCP6_MSG_RELEASE && ias != pd.n_ia_pd)
				abort();
		}
	}
	return 0;
}
