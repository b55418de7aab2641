#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "common/ipv6.h"

#define PREFIX "2001:db8:100:7::"

static void addr(const char *s, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

/* A bare IPv6 header with payload_len octets of payload (zero) after it. */
static size_t pkt6(uint8_t *b, const char *src, const char *dst, uint8_t nh, size_t payload_len)
{
	memset(b, 0, IPV6_HDR_LEN + payload_len);
	b[0] = 0x60;
	b[4] = (uint8_t)(payload_len >> 8);
	b[5] = (uint8_t)payload_len;
	b[6] = nh;
	b[7] = 64;
	addr(src, b + 8);
	addr(dst, b + 24);
	return IPV6_HDR_LEN + payload_len;
}

static void parse(void **state)
{
	(void)state;
	uint8_t b[200];
	struct ipv6_hdr h;
	size_t n = pkt6(b, "2001:db8::1", "2001:db8::2", IPV6_NH_UDP, 8);
	assert_true(ipv6_parse(b, n + 3, &h)); /* padding after: ignored */
	assert_int_equal(h.tot_len, n);
	assert_int_equal(h.next_header, IPV6_NH_UDP);
	assert_false(ipv6_parse(b, n - 1, &h)); /* payload past the buffer */
	assert_false(ipv6_parse(b, 39, &h));
	b[0] = 0x45;
	assert_false(ipv6_parse(b, n, &h));
	n = pkt6(b, "2001:db8::1", "2001:db8::2", IPV6_NH_UDP, 0);
	assert_false(ipv6_parse(b, n, &h)); /* jumbogram / empty */
}

/* The anti-spoofing decision, case by case. */
static void rx_check(void **state)
{
	(void)state;
	uint8_t b[100], pfx[16];
	addr(PREFIX, pfx);
	static const struct {
		const char *src, *dst;
		enum ipv6_rx_verdict want;
	} cases[] = {
		{ "2001:db8:100:7::abcd", "2001:db8:200::2", IPV6_RX_FORWARD },
		{ "2001:db8:100:8::abcd", "2001:db8:200::2", IPV6_RX_SPOOFED }, /* another /64 */
		{ "2001:db8:999::1", "2001:db8:200::2", IPV6_RX_SPOOFED },      /* outside */
		{ "fe80::1234", "fe80::1", IPV6_RX_LOCAL },                      /* to us */
		{ "fe80::1234", "ff02::2", IPV6_RX_LOCAL },                      /* RS */
		{ "fe80::1234", "ff02::1:2", IPV6_RX_LOCAL },                    /* DHCPv6 */
		{ "::", "ff02::2", IPV6_RX_LOCAL },                              /* DAD-time RS */
		{ "fe80::1234", "fe80::99", IPV6_RX_LINK_LOCAL },                /* not us */
		{ "fe80::1234", "2001:db8:200::2", IPV6_RX_LINK_LOCAL },         /* off-link */
		{ "::", "2001:db8:200::2", IPV6_RX_LINK_LOCAL },
		{ "2001:db8:100:7::abcd", "fe80::99", IPV6_RX_LINK_LOCAL },
		{ "2001:db8:100:7::abcd", "ff02::16", IPV6_RX_LOCAL },           /* MLD */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = pkt6(b, cases[i].src, cases[i].dst, IPV6_NH_UDP, 8);
		enum ipv6_rx_verdict v = ipv6_rx_check(b, n, pfx, 1);
		if (v != cases[i].want)
			fail_msg("%s -> %s: %s, not %s", cases[i].src, cases[i].dst,
				 ipv6_rx_verdict_name(v), ipv6_rx_verdict_name(cases[i].want));
	}
	/* No /64 yet: nothing global goes. */
	size_t n = pkt6(b, "2001:db8:100:7::abcd", "2001:db8:200::2", IPV6_NH_UDP, 8);
	assert_int_equal(ipv6_rx_check(b, n, NULL, 1), IPV6_RX_SPOOFED);
	assert_int_equal(ipv6_rx_check(b, n - 1, pfx, 1), IPV6_RX_MALFORMED);
}

/* A TCP SYN with MSS 1460 (checksummed in full): clamped to 1340, and the
 * incrementally fixed checksum equals a full recomputation. */
static size_t syn6(uint8_t *b, uint16_t mss, uint8_t flags)
{
	size_t n = pkt6(b, "2001:db8:200::2", "2001:db8:100:7::abcd", IPV6_NH_TCP, 24);
	uint8_t *t = b + IPV6_HDR_LEN;
	t[0] = 0x1f; t[1] = 0x90; t[2] = 0xc0; t[3] = 0x01; /* ports */
	t[4] = 1;                                           /* seq */
	t[12] = 6 << 4;                                     /* 24 octets */
	t[13] = flags;
	t[14] = 0xff;
	t[20] = 2; t[21] = 4; t[22] = (uint8_t)(mss >> 8); t[23] = (uint8_t)mss;
	uint16_t c = ipv6_l4_checksum(b + 8, b + 24, IPV6_NH_TCP, t, 24);
	t[16] = (uint8_t)(c >> 8);
	t[17] = (uint8_t)c;
	return n;
}

static void mss_clamp(void **state)
{
	(void)state;
	uint8_t b[100];
	size_t n = syn6(b, 1460, 0x02);
	assert_int_equal(ipv6_l4_checksum(b + 8, b + 24, IPV6_NH_TCP, b + 40, 24), 0);
	assert_int_equal(ipv6_clamp_mss(b, n, 1340), IPV6_MSS_CLAMPED);
	assert_int_equal(b[62] << 8 | b[63], 1340);
	assert_int_equal(ipv6_l4_checksum(b + 8, b + 24, IPV6_NH_TCP, b + 40, 24), 0);
	assert_int_equal(ipv6_clamp_mss(b, n, 1340), IPV6_MSS_UNCHANGED);
	n = syn6(b, 1200, 0x12); /* SYN-ACK, already small */
	assert_int_equal(ipv6_clamp_mss(b, n, 1340), IPV6_MSS_UNCHANGED);
	n = syn6(b, 1460, 0x10); /* not a SYN */
	assert_int_equal(ipv6_clamp_mss(b, n, 1340), IPV6_MSS_SKIPPED);
	assert_int_equal(b[62] << 8 | b[63], 1460);
	n = syn6(b, 1460, 0x02);
	b[61] = 9; /* option runs past the header */
	assert_int_equal(ipv6_clamp_mss(b, n, 1340), IPV6_MSS_MALFORMED);
	n = pkt6(b, "2001:db8::1", "2001:db8::2", IPV6_NH_UDP, 24);
	assert_int_equal(ipv6_clamp_mss(b, n, 1340), IPV6_MSS_SKIPPED);
}

/* Packet Too Big: type 2, the MTU, the packet quoted up to 1280 octets in
 * all, checksum right, to the sender. */
static void packet_too_big(void **state)
{
	(void)state;
	static uint8_t big[1500], out[IPV6_PTB_MAX];
	uint8_t src[16], want_dst[16];
	addr("2001:db8:100:7::1", src);
	size_t n = pkt6(big, "2001:db8:200::2", "2001:db8:100:7::abcd", IPV6_NH_UDP, 1450);
	size_t m = ipv6_packet_too_big(big, n, src, 1400, out, sizeof(out));
	assert_int_equal(m, IPV6_MIN_MTU);
	assert_int_equal(out[0] >> 4, 6);
	assert_int_equal(out[4] << 8 | out[5], IPV6_MIN_MTU - 40);
	assert_int_equal(out[6], IPV6_NH_ICMPV6);
	assert_memory_equal(out + 8, src, 16);
	addr("2001:db8:200::2", want_dst);
	assert_memory_equal(out + 24, want_dst, 16);
	assert_int_equal(out[40], ICMPV6_PACKET_TOO_BIG);
	assert_int_equal(out[41], 0);
	assert_int_equal((uint32_t)out[44] << 24 | out[45] << 16 | out[46] << 8 | out[47], 1400);
	assert_memory_equal(out + 48, big, m - 48);
	assert_int_equal(ipv6_l4_checksum(out + 8, out + 24, IPV6_NH_ICMPV6, out + 40, m - 40), 0);

	/* A small packet is quoted whole. */
	n = pkt6(big, "2001:db8:200::2", "2001:db8:100:7::abcd", IPV6_NH_UDP, 100);
	assert_int_equal(ipv6_packet_too_big(big, n, src, 1400, out, sizeof(out)), 48 + n);

	/* Never about an ICMPv6 error, a link-local or multicast source,
	 * to a multicast destination, or with too little room. */
	n = pkt6(big, "2001:db8:200::2", "2001:db8:100:7::abcd", IPV6_NH_ICMPV6, 100);
	big[40] = 1; /* Destination Unreachable */
	assert_int_equal(ipv6_packet_too_big(big, n, src, 1400, out, sizeof(out)), 0);
	big[40] = 128; /* Echo Request: fine */
	assert_int_not_equal(ipv6_packet_too_big(big, n, src, 1400, out, sizeof(out)), 0);
	n = pkt6(big, "fe80::2", "2001:db8:100:7::abcd", IPV6_NH_UDP, 100);
	assert_int_equal(ipv6_packet_too_big(big, n, src, 1400, out, sizeof(out)), 0);
	n = pkt6(big, "2001:db8:200::2", "ff0e::1", IPV6_NH_UDP, 100);
	assert_int_equal(ipv6_packet_too_big(big, n, src, 1400, out, sizeof(out)), 0);
	n = pkt6(big, "2001:db8:200::2", "2001:db8:100:7::abcd", IPV6_NH_UDP, 100);
	assert_int_equal(ipv6_packet_too_big(big, n, src, 1400, out, 1000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse),
		cmocka_unit_test(rx_check),
		cmocka_unit_test(mss_clamp),
		cmocka_unit_test(packet_too_big),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
