#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/buf.h"
#include "common/ipv4.h"

#define SRC 0xc6336407u /* 198.51.100.7 */
#define DST 0xcb00710au /* 203.0.113.10 */
#define LOCAL 0xc0000201u /* 192.0.2.1 */

/* Write an IPv4 header with options opts (a multiple of 4 bytes) in front of
 * payload plen bytes long; returns the header length. */
static size_t put_ip(uint8_t *p, const uint8_t *opts, size_t optlen, size_t plen, uint8_t proto,
		     uint16_t frag)
{
	size_t hlen = 20 + optlen;
	assert_int_equal(optlen % 4, 0);
	memset(p, 0, hlen);
	p[0] = (uint8_t)(0x40 | hlen / 4);
	store_be16(p + 2, (uint16_t)(hlen + plen));
	store_be16(p + 4, 0x1234);
	store_be16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	store_be32(p + 12, SRC);
	store_be32(p + 16, DST);
	if (optlen)
		memcpy(p + 20, opts, optlen);
	store_be16(p + 10, ipv4_checksum(p, hlen));
	return hlen;
}

/* The TCP checksum computed from scratch (pseudo-header included) over the
 * segment with its checksum field zero. */
static uint16_t tcp_csum_scratch(const uint8_t *pkt)
{
	size_t hlen = (size_t)(pkt[0] & 15) * 4;
	size_t tlen = load_be16(pkt + 2) - hlen;
	uint8_t tmp[1600];
	assert_true(12 + tlen <= sizeof(tmp));
	memcpy(tmp, pkt + 12, 8); /* src, dst */
	tmp[8] = 0;
	tmp[9] = 6;
	store_be16(tmp + 10, (uint16_t)tlen);
	memcpy(tmp + 12, pkt + hlen, tlen);
	store_be16(tmp + 12 + 16, 0);
	return ipv4_checksum(tmp, 12 + tlen);
}

/* A TCP segment with flags, options topts (multiple of 4) and dlen data
 * bytes after an IP header with ipopts; the TCP checksum is correct. */
static size_t build_tcp(uint8_t *p, const uint8_t *ipopts, size_t ipoptlen, uint8_t flags,
			const uint8_t *topts, size_t toptlen, size_t dlen)
{
	size_t thlen = 20 + toptlen;
	size_t hlen = put_ip(p, ipopts, ipoptlen, thlen + dlen, 6, 0x4000);
	uint8_t *t = p + hlen;
	memset(t, 0, thlen);
	store_be16(t, 40000);
	store_be16(t + 2, 80);
	store_be32(t + 4, 0x01020304);
	t[12] = (uint8_t)(thlen / 4 << 4);
	t[13] = flags;
	store_be16(t + 14, 65535);
	memcpy(t + 20, topts, toptlen);
	for (size_t i = 0; i < dlen; i++)
		t[thlen + i] = (uint8_t)(i * 7 + 3);
	store_be16(t + 16, tcp_csum_scratch(p));
	return hlen + thlen + dlen;
}

static uint16_t mss_at(const uint8_t *p, size_t at)
{
	size_t hlen = (size_t)(p[0] & 15) * 4;
	return load_be16(p + hlen + at);
}

static void check_tcp_csum(const uint8_t *p)
{
	size_t hlen = (size_t)(p[0] & 15) * 4;
	assert_int_equal(load_be16(p + hlen + 16), tcp_csum_scratch(p));
	assert_int_equal(ipv4_checksum(p, hlen), 0);
}

static void parses_header(void **state)
{
	(void)state;
	uint8_t p[64];
	put_ip(p, NULL, 0, 10, 17, 0x4000);
	struct ipv4_hdr h;
	assert_int_equal(ipv4_parse(p, 30, true, &h), IPV4_OK);
	assert_int_equal(h.hlen, 20);
	assert_int_equal(h.tot_len, 30);
	assert_int_equal(h.proto, 17);
	assert_int_equal(h.src, SRC);
	assert_int_equal(h.dst, DST);
	assert_int_equal(h.frag, IPV4_FLAG_DF);
	assert_false(ipv4_is_fragment(&h));
	/* trailing link padding is fine */
	assert_int_equal(ipv4_parse(p, 40, true, &h), IPV4_OK);
	assert_int_equal(h.tot_len, 30);
	/* a wrong header checksum is caught only when asked */
	p[8] = 63;
	assert_int_equal(ipv4_parse(p, 30, true, &h), IPV4_BAD_CSUM);
	assert_int_equal(ipv4_parse(p, 30, false, &h), IPV4_OK);
}

static void rejects_malformed_headers(void **state)
{
	(void)state;
	uint8_t p[64];
	struct ipv4_hdr h;
	put_ip(p, NULL, 0, 10, 17, 0);
	assert_int_equal(ipv4_parse(p, 19, false, &h), IPV4_SHORT);
	assert_int_equal(ipv4_parse(p, 29, false, &h), IPV4_BAD_LEN); /* total 30 > 29 */
	p[0] = 0x44; /* IHL 4 */
	assert_int_equal(ipv4_parse(p, 30, false, &h), IPV4_BAD_IHL);
	p[0] = 0x4f; /* IHL 15 = 60 bytes > total length 30 */
	assert_int_equal(ipv4_parse(p, 64, false, &h), IPV4_BAD_IHL);
	p[0] = 0x65;
	assert_int_equal(ipv4_parse(p, 30, false, &h), IPV4_BAD_VERSION);
	assert_int_equal(ipv4_parse(NULL, 0, false, &h), IPV4_SHORT);
	assert_string_equal(ipv4_err_name(IPV4_BAD_IHL), "bad-ihl");
}

/* A refused header is still decoded, so a caller can say which length was
 * wrong (gre_skip_ipv4() maps these to its own error codes). */
static void refused_header_decoded_as_sent(void **state)
{
	(void)state;
	uint8_t p[64];
	struct ipv4_hdr h;
	put_ip(p, NULL, 0, 10, 47, 0x2000);
	p[0] = 0x44; /* IHL 4: below the minimum */
	memset(&h, 0xA5, sizeof(h));
	assert_int_equal(ipv4_parse(p, 30, false, &h), IPV4_BAD_IHL);
	assert_int_equal(h.hlen, 16);
	assert_int_equal(h.tot_len, 30);
	assert_int_equal(h.id, 0x1234);
	assert_int_equal(h.frag, IPV4_FLAG_MF);
	assert_int_equal(h.ttl, 64);
	assert_int_equal(h.proto, 47);
	assert_int_equal(h.src, SRC);
	assert_int_equal(h.dst, DST);
	p[0] = 0x4f; /* IHL 15: 60 bytes, past a 40-byte buffer */
	assert_int_equal(ipv4_parse(p, 40, false, &h), IPV4_BAD_IHL);
	assert_int_equal(h.hlen, 60);
	p[0] = 0x46; /* IHL 6: 24 bytes, past a total length of 22 */
	store_be16(p + 2, 22);
	assert_int_equal(ipv4_parse(p, 40, false, &h), IPV4_BAD_IHL);
	assert_int_equal(h.hlen, 24);
	assert_int_equal(h.tot_len, 22);
	p[0] = 0x45; /* total length past the buffer */
	store_be16(p + 2, 41);
	assert_int_equal(ipv4_parse(p, 40, false, &h), IPV4_BAD_LEN);
	assert_int_equal(h.hlen, 20);
	assert_int_equal(h.tot_len, 41);
	p[0] = 0x65; /* version 6: the fields are still those sent */
	assert_int_equal(ipv4_parse(p, 40, false, &h), IPV4_BAD_VERSION);
	assert_int_equal(h.hlen, 20);
	assert_int_equal(h.proto, 47);
}

/* MSS option in several places: first, after NOPs and a timestamp, at an
 * odd offset, and behind IP options; always clamped with a checksum that
 * matches one computed from scratch. */
static void clamps_mss_in_various_positions(void **state)
{
	(void)state;
	static const struct {
		uint8_t opts[20];
		size_t len;
		size_t at; /* MSS value offset in the TCP header */
	} cases[] = {
		{ { 2, 4, 0x05, 0xb4 }, 4, 22 },
		{ { 1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 2, 4, 0x05, 0xb4 }, 16, 34 },
		{ { 1, 2, 4, 0x05, 0xb4, 1, 1, 0 }, 8, 23 },               /* odd offset */
		{ { 4, 2, 1, 2, 4, 0xff, 0xff, 0 }, 8, 25 },               /* SACK-permitted first, odd */
		{ { 1, 1, 1, 2, 4, 0x22, 0x38, 0 }, 8, 25 },
	};
	static const uint8_t ipopts[4] = { 0x94, 4, 0, 0 }; /* router alert */
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		for (int withopt = 0; withopt < 2; withopt++) {
			for (int synack = 0; synack < 2; synack++) {
				uint8_t p[200];
				size_t len = build_tcp(p, ipopts, withopt ? 4 : 0,
						       synack ? 0x12 : 0x02, cases[c].opts,
						       cases[c].len, 13);
				check_tcp_csum(p);
				uint8_t before[200];
				memcpy(before, p, len);
				assert_int_equal(ipv4_clamp_mss(p, len, 1356), IPV4_MSS_CLAMPED);
				assert_int_equal(mss_at(p, cases[c].at), 1356);
				check_tcp_csum(p);
				/* nothing else changed */
				size_t hlen = withopt ? 24 : 20;
				for (size_t i = 0; i < len; i++) {
					if (i == hlen + cases[c].at || i == hlen + cases[c].at + 1 ||
					    i == hlen + 16 || i == hlen + 17)
						continue;
					assert_int_equal(p[i], before[i]);
				}
			}
		}
	}
}

static void mss_unchanged_or_skipped(void **state)
{
	(void)state;
	uint8_t p[200], before[200];
	static const uint8_t mss1300[4] = { 2, 4, 0x05, 0x14 };
	static const uint8_t nomss[4] = { 1, 1, 4, 2 };
	static const uint8_t mss1460[4] = { 2, 4, 0x05, 0xb4 };
	size_t len;

	len = build_tcp(p, NULL, 0, 0x02, mss1300, 4, 0);
	memcpy(before, p, len);
	assert_int_equal(ipv4_clamp_mss(p, len, 1356), IPV4_MSS_UNCHANGED);
	assert_memory_equal(p, before, len);
	assert_int_equal(ipv4_clamp_mss(p, len, 1300), IPV4_MSS_UNCHANGED); /* equal */
	assert_memory_equal(p, before, len);

	len = build_tcp(p, NULL, 0, 0x02, nomss, 4, 0);
	assert_int_equal(ipv4_clamp_mss(p, len, 1356), IPV4_MSS_UNCHANGED);

	/* a plain ACK is not touched even with an MSS option */
	len = build_tcp(p, NULL, 0, 0x10, mss1460, 4, 5);
	memcpy(before, p, len);
	assert_int_equal(ipv4_clamp_mss(p, len, 1356), IPV4_MSS_SKIPPED);
	assert_memory_equal(p, before, len);

	/* a non-first fragment: the bytes there are not a TCP header */
	len = build_tcp(p, NULL, 0, 0x02, mss1460, 4, 0);
	store_be16(p + 6, 3);
	memcpy(before, p, len);
	assert_int_equal(ipv4_clamp_mss(p, len, 1356), IPV4_MSS_SKIPPED);
	assert_memory_equal(p, before, len);

	/* UDP */
	len = build_tcp(p, NULL, 0, 0x02, mss1460, 4, 0);
	p[9] = 17;
	assert_int_equal(ipv4_clamp_mss(p, len, 1356), IPV4_MSS_SKIPPED);
}

static void mss_malformed_left_untouched(void **state)
{
	(void)state;
	uint8_t p[200], before[200];
	static const uint8_t mss1460[4] = { 2, 4, 0x05, 0xb4 };
	static const uint8_t badlen[4] = { 2, 9, 0x05, 0xb4 };   /* runs past the header */
	static const uint8_t zerolen[4] = { 8, 0, 2, 4 };        /* option length 0 */
	size_t len;

	/* truncated TCP header: IP total length cuts it at 30 bytes */
	len = build_tcp(p, NULL, 0, 0x02, mss1460, 4, 0);
	store_be16(p + 2, 30);
	memcpy(before, p, len);
	assert_int_equal(ipv4_clamp_mss(p, len, 1000), IPV4_MSS_MALFORMED);
	assert_memory_equal(p, before, len);
	/* data offset beyond the segment */
	len = build_tcp(p, NULL, 0, 0x02, mss1460, 4, 0);
	p[20 + 12] = 0xf0;
	memcpy(before, p, len);
	assert_int_equal(ipv4_clamp_mss(p, len, 1000), IPV4_MSS_MALFORMED);
	assert_memory_equal(p, before, len);
	/* data offset below 5 */
	p[20 + 12] = 0x40;
	assert_int_equal(ipv4_clamp_mss(p, len, 1000), IPV4_MSS_MALFORMED);
	/* option lengths */
	len = build_tcp(p, NULL, 0, 0x02, badlen, 4, 0);
	memcpy(before, p, len);
	assert_int_equal(ipv4_clamp_mss(p, len, 1000), IPV4_MSS_MALFORMED);
	assert_memory_equal(p, before, len);
	len = build_tcp(p, NULL, 0, 0x02, zerolen, 4, 0);
	assert_int_equal(ipv4_clamp_mss(p, len, 1000), IPV4_MSS_MALFORMED);
	/* IP header: IHL < 5, total length beyond the buffer */
	len = build_tcp(p, NULL, 0, 0x02, mss1460, 4, 0);
	p[0] = 0x43;
	assert_int_equal(ipv4_clamp_mss(p, len, 1000), IPV4_MSS_MALFORMED);
	p[0] = 0x45;
	assert_int_equal(ipv4_clamp_mss(p, len - 1, 1000), IPV4_MSS_MALFORMED);
	assert_int_equal(mss_at(p, 22), 1460);
}

static void check_frag_header(const uint8_t *f, size_t flen)
{
	struct ipv4_hdr h;
	assert_int_equal(ipv4_parse(f, flen, true, &h), IPV4_OK);
	assert_int_equal(h.tot_len, flen);
	assert_int_equal(h.id, 0x1234);
	assert_int_equal(h.src, SRC);
	assert_int_equal(h.dst, DST);
}

static void fragments_1500_into_1396(void **state)
{
	(void)state;
	static uint8_t p[1500], b0[1500], b1[1500], b2[1500];
	size_t hlen = put_ip(p, NULL, 0, 1480, 17, 0);
	for (size_t i = hlen; i < 1500; i++)
		p[i] = (uint8_t)(i * 13 + 5);
	struct ipv4_frag out[3] = { { b0, sizeof(b0), 0 }, { b1, sizeof(b1), 0 },
				    { b2, sizeof(b2), 0 } };
	size_t n = 99;
	assert_int_equal(ipv4_fragment(p, 1500, 1396, out, 3, &n), IPV4_OK);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].len, 1396);
	assert_int_equal(out[1].len, 20 + 1480 - 1376);
	check_frag_header(b0, out[0].len);
	check_frag_header(b1, out[1].len);
	assert_int_equal(load_be16(b0 + 6), IPV4_FLAG_MF | 0);
	assert_int_equal(load_be16(b1 + 6), 1376 / 8);
	/* reassemble */
	static uint8_t re[1480];
	memset(re, 0, sizeof(re));
	for (size_t k = 0; k < n; k++) {
		const uint8_t *f = out[k].buf;
		size_t off = (size_t)(load_be16(f + 6) & IPV4_FRAG_MASK) * 8;
		size_t fh = (size_t)(f[0] & 15) * 4;
		assert_int_equal(off % 8, 0);
		memcpy(re + off, f + fh, out[k].len - fh);
	}
	assert_memory_equal(re, p + 20, 1480);

	/* a small MTU: many fragments, each payload but the last a multiple of 8 */
	static uint8_t bufs[40][100];
	struct ipv4_frag many[40];
	for (int i = 0; i < 40; i++) {
		many[i].buf = bufs[i];
		many[i].cap = sizeof(bufs[i]);
	}
	assert_int_equal(ipv4_fragment(p, 1500, 100, many, 40, &n), IPV4_OK);
	assert_int_equal(n, (1480 + 79) / 80);
	memset(re, 0, sizeof(re));
	for (size_t k = 0; k < n; k++) {
		check_frag_header(bufs[k], many[k].len);
		assert_true(many[k].len <= 100);
		uint16_t fr = load_be16(bufs[k] + 6);
		assert_int_equal((fr & IPV4_FLAG_MF) != 0, k + 1 < n);
		assert_int_equal((fr & IPV4_FRAG_MASK) * 8, k * 80);
		memcpy(re + k * 80, bufs[k] + 20, many[k].len - 20);
	}
	assert_memory_equal(re, p + 20, 1480);
	/* too few buffers: nothing is claimed written */
	assert_int_equal(ipv4_fragment(p, 1500, 100, many, 10, &n), IPV4_NO_ROOM);
	assert_int_equal(n, 0);
	assert_int_equal(ipv4_fragment(p, 1500, 60, many, 40, &n), IPV4_BAD_MTU);
}

static void fragments_with_ip_options(void **state)
{
	(void)state;
	/* record route (not copied), router alert (copied), EOL padding */
	static const uint8_t opts[12] = { 7, 7, 4, 0, 0, 0, 0, 0x94, 4, 0, 0, 0 };
	static uint8_t p[1200], b[4][1200];
	size_t hlen = put_ip(p, opts, sizeof(opts), 1000, 17, 0);
	assert_int_equal(hlen, 32);
	for (size_t i = hlen; i < hlen + 1000; i++)
		p[i] = (uint8_t)(i ^ 0x5a);
	struct ipv4_frag out[4];
	for (int i = 0; i < 4; i++) {
		out[i].buf = b[i];
		out[i].cap = sizeof(b[i]);
	}
	size_t n;
	assert_int_equal(ipv4_fragment(p, hlen + 1000, 576, out, 4, &n), IPV4_OK);
	/* first: 32 + 544, later: 24 + 552 */
	assert_int_equal(n, 2);
	assert_int_equal(out[0].len, 32 + 544);
	assert_int_equal(b[0][0], 0x48);
	assert_memory_equal(b[0] + 20, opts, 12);
	assert_int_equal(b[1][0], 0x46);
	static const uint8_t copied[4] = { 0x94, 4, 0, 0 };
	assert_memory_equal(b[1] + 20, copied, 4);
	assert_int_equal(out[1].len, 24 + 1000 - 544);
	check_frag_header(b[0], out[0].len);
	check_frag_header(b[1], out[1].len);
	assert_int_equal(load_be16(b[1] + 6), 544 / 8);
	assert_memory_equal(b[0] + 32, p + 32, 544);
	assert_memory_equal(b[1] + 24, p + 32 + 544, 1000 - 544);

	/* malformed options are reported, nothing written */
	p[21] = 40;
	store_be16(p + 10, 0);
	store_be16(p + 10, ipv4_checksum(p, hlen));
	assert_int_equal(ipv4_fragment(p, hlen + 1000, 576, out, 4, &n), IPV4_BAD_OPTS);
	assert_int_equal(n, 0);
}

static void refragments_a_fragment(void **state)
{
	(void)state;
	/* A middle fragment at offset 800 with MF: all pieces keep MF. */
	static uint8_t p[1020], b[3][1020];
	put_ip(p, NULL, 0, 1000, 17, IPV4_FLAG_MF | 100);
	struct ipv4_frag out[3];
	for (int i = 0; i < 3; i++) {
		out[i].buf = b[i];
		out[i].cap = sizeof(b[i]);
	}
	size_t n;
	assert_int_equal(ipv4_fragment(p, 1020, 524, out, 3, &n), IPV4_OK);
	assert_int_equal(n, 2);
	assert_int_equal(load_be16(b[0] + 6), IPV4_FLAG_MF | 100);
	assert_int_equal(load_be16(b[1] + 6), IPV4_FLAG_MF | (100 + 504 / 8));
	/* fits: copied whole */
	assert_int_equal(ipv4_fragment(p, 1020, 1500, out, 3, &n), IPV4_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(b[0], p, 1020);
}

static void df_set_gives_icmp_frag_needed(void **state)
{
	(void)state;
	static uint8_t p[1500], b[1500];
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	size_t len = build_tcp(p, NULL, 0, 0x10, mss, 4, 1500 - 44);
	assert_int_equal(len, 1500);
	struct ipv4_frag out[2] = { { b, sizeof(b), 0 }, { b, sizeof(b), 0 } };
	size_t n;
	assert_int_equal(ipv4_fragment(p, len, 1396, out, 2, &n), IPV4_DF);
	assert_int_equal(n, 0);

	uint8_t icmp[IPV4_ICMP_ERR_MAX];
	size_t ilen;
	assert_int_equal(ipv4_icmp_frag_needed(p, len, LOCAL, 1396, icmp, sizeof(icmp), &ilen),
			 IPV4_OK);
	assert_int_equal(ilen, 20 + 8 + 20 + 8);
	struct ipv4_hdr h;
	assert_int_equal(ipv4_parse(icmp, ilen, true, &h), IPV4_OK);
	assert_int_equal(h.proto, IPV4_PROTO_ICMP);
	assert_int_equal(h.src, LOCAL);
	assert_int_equal(h.dst, SRC);
	assert_int_equal(h.tot_len, ilen);
	assert_true(h.ttl > 0);
	const uint8_t *ic = icmp + 20;
	assert_int_equal(ic[0], 3);
	assert_int_equal(ic[1], 4);
	assert_int_equal(load_be16(ic + 4), 0);
	assert_int_equal(load_be16(ic + 6), 1396);
	assert_int_equal(ipv4_checksum(ic, ilen - 20), 0);
	assert_memory_equal(ic + 8, p, 28); /* original header + 8 bytes */

	/* too little room */
	assert_int_equal(ipv4_icmp_frag_needed(p, len, LOCAL, 1396, icmp, 50, &ilen),
			 IPV4_NO_ROOM);
	assert_int_equal(ilen, 0);
}

static void no_icmp_about_some_packets(void **state)
{
	(void)state;
	uint8_t p[100], icmp[IPV4_ICMP_ERR_MAX];
	size_t ilen;
	/* an ICMP error */
	put_ip(p, NULL, 0, 36, IPV4_PROTO_ICMP, IPV4_FLAG_DF);
	p[20] = 3;
	assert_int_equal(ipv4_icmp_frag_needed(p, 56, LOCAL, 1000, icmp, sizeof(icmp), &ilen),
			 IPV4_NO_ICMP);
	/* an echo request is answered; its payload is quoted even if short */
	p[20] = 8;
	assert_int_equal(ipv4_icmp_frag_needed(p, 56, LOCAL, 1000, icmp, sizeof(icmp), &ilen),
			 IPV4_OK);
	put_ip(p, NULL, 0, 4, IPV4_PROTO_UDP, IPV4_FLAG_DF);
	assert_int_equal(ipv4_icmp_frag_needed(p, 24, LOCAL, 1000, icmp, sizeof(icmp), &ilen),
			 IPV4_OK);
	assert_int_equal(ilen, 20 + 8 + 24);
	assert_int_equal(ipv4_checksum(icmp + 20, ilen - 20), 0);
	/* a non-first fragment */
	put_ip(p, NULL, 0, 36, IPV4_PROTO_UDP, 10);
	assert_int_equal(ipv4_icmp_frag_needed(p, 56, LOCAL, 1000, icmp, sizeof(icmp), &ilen),
			 IPV4_NO_ICMP);
	/* a multicast source */
	put_ip(p, NULL, 0, 36, IPV4_PROTO_UDP, 0);
	store_be32(p + 12, 0xe0000001u);
	assert_int_equal(ipv4_icmp_frag_needed(p, 56, LOCAL, 1000, icmp, sizeof(icmp), &ilen),
			 IPV4_NO_ICMP);
	/* malformed */
	p[0] = 0x44;
	assert_int_equal(ipv4_icmp_frag_needed(p, 56, LOCAL, 1000, icmp, sizeof(icmp), &ilen),
			 IPV4_BAD_IHL);
}

static void checksum_known_value(void **state)
{
	(void)state;
	/* RFC 1071 section 3 example: sum 0xddf2, checksum ~0xddf2 */
	static const uint8_t d[8] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	assert_int_equal(ipv4_checksum(d, 8), (uint16_t)~0xddf2);
	static const uint8_t odd[3] = { 0x12, 0x34, 0x56 };
	assert_int_equal(ipv4_checksum(odd, 3), (uint16_t)~(0x1234 + 0x5600));
}

static void ranges_as_cidr_blocks(void **state)
{
	(void)state;
	struct ipv4_cidr c[64];
	/* 192.0.2.10-20: .10/31 .12/30 .16/30 .20/32 */
	assert_int_equal(ipv4_range_cidrs(0xc000020a, 0xc0000214, c, 64), 4);
	assert_int_equal(c[0].addr, 0xc000020a);
	assert_int_equal(c[0].len, 31);
	assert_int_equal(c[1].addr, 0xc000020c);
	assert_int_equal(c[1].len, 30);
	assert_int_equal(c[2].addr, 0xc0000210);
	assert_int_equal(c[2].len, 30);
	assert_int_equal(c[3].addr, 0xc0000214);
	assert_int_equal(c[3].len, 32);
	/* an aligned /24 is one block, a single address one /32 */
	assert_int_equal(ipv4_range_cidrs(0x0a000000, 0x0a0000ff, c, 64), 1);
	assert_int_equal(c[0].len, 24);
	assert_int_equal(ipv4_range_cidrs(0x0a000005, 0x0a000005, c, 1), 1);
	assert_int_equal(c[0].len, 32);
	/* everything; the worst case; too small an output */
	assert_int_equal(ipv4_range_cidrs(0, UINT32_MAX, c, 64), 1);
	assert_int_equal(c[0].len, 0);
	assert_int_equal(ipv4_range_cidrs(1, UINT32_MAX - 1, c, 64), 62);
	assert_int_equal(ipv4_range_cidrs(0xc000020a, 0xc0000214, c, 2), 4);
	assert_int_equal(ipv4_range_cidrs(5, 4, c, 64), 0);
	/* every block aligned, and together exactly the range */
	size_t n = ipv4_range_cidrs(0x0a000003, 0x0a0101f0, c, 64);
	uint64_t next = 0x0a000003;
	for (size_t i = 0; i < n; i++) {
		uint64_t size = UINT64_C(1) << (32 - c[i].len);
		assert_int_equal(c[i].addr, next);
		assert_int_equal(c[i].addr % size, 0);
		next += size;
	}
	assert_int_equal(next, 0x0a0101f1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(checksum_known_value),
		cmocka_unit_test(parses_header),
		cmocka_unit_test(rejects_malformed_headers),
		cmocka_unit_test(refused_header_decoded_as_sent),
		cmocka_unit_test(clamps_mss_in_various_positions),
		cmocka_unit_test(mss_unchanged_or_skipped),
		cmocka_unit_test(mss_malformed_left_untouched),
		cmocka_unit_test(fragments_1500_into_1396),
		cmocka_unit_test(fragments_with_ip_options),
		cmocka_unit_test(refragments_a_fragment),
		cmocka_unit_test(df_set_gives_icmp_frag_needed),
		cmocka_unit_test(no_icmp_about_some_packets),
		cmocka_unit_test(ranges_as_cidr_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
