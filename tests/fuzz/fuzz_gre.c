/*
 * libFuzzer target for the GRE data path: the input is what a raw
 * IPPROTO_GRE socket returns (IPv4 header + GRE). The IPv4 header is
 * skipped and the GRE header parsed; the input is also parsed as bare GRE.
 * Every header that parses is built again and must re-parse equal.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/gre.h"
#include "common/ipv4.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_and_rebuild(const uint8_t *pkt, size_t len)
{
	struct gre_hdr h, again;
	size_t hl, hl2;
	uint8_t buf[GRE_HDR_MAX + 4];

	if (gre_parse(pkt, len, &h, &hl) != GRE_OK)
		return;
	if (hl != gre_hdr_len(h.has_seq, h.has_ack) || hl > len || h.payload_len > len - hl)
		abort();
	size_t n = gre_build(buf, sizeof(buf), &h);
	if (n != hl)
		abort();
	/* the payload length must be backed by bytes to re-parse */
	struct gre_hdr h0 = h;
	h0.payload_len = (uint16_t)(h.payload_len > 4 ? 4 : h.payload_len);
	n = gre_build(buf, sizeof(buf), &h0);
	memset(buf + n, 0, sizeof(buf) - n);
	if (gre_parse(buf, n + h0.payload_len, &again, &hl2) != GRE_OK || hl2 != n)
		abort();
	if (!gre_hdr_equal(&h0, &again))
		abort();
	/* the same fixed part as the input, apart from the reserved flag bits */
	if (buf[0] != (pkt[0] & 0xF8) || buf[1] != (pkt[1] & 0x87) ||
	    memcmp(buf + 2, pkt + 2, 2) != 0 || memcmp(buf + 6, pkt + 6, n - 6) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipv4_info ip;
	enum gre_err err = gre_skip_ipv4(data, size, &ip);

	(void)gre_err_name(err);
	if (err == GRE_OK) {
		if (ip.hdr_len < IPV4_MIN_HLEN || ip.hdr_len > ip.total_len || ip.total_len > size)
			abort();
		parse_and_rebuild(data + ip.hdr_len, ip.total_len - ip.hdr_len);
	}
	parse_and_rebuild(data, size);
	return 0;
}
