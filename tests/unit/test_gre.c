#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/gre.h"

/* A GRE packet as pptp-linux sends it: seq and ack, 4-byte payload, call 0x1234. */
static const uint8_t data_seq_ack[] = {
	0x30, 0x81, 0x88, 0x0b, 0x00, 0x04, 0x12, 0x34,
	0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x05,
	0xff, 0x03, 0xc0, 0x21,
};

static void parses_hand_written_packet(void **state)
{
	(void)state;
	struct gre_hdr h;
	size_t hl = 0;
	assert_int_equal(gre_parse(data_seq_ack, sizeof(data_seq_ack), &h, &hl), GRE_OK);
	assert_int_equal(hl, 16);
	assert_int_equal(h.payload_len, 4);
	assert_int_equal(h.call_id, 0x1234);
	assert_true(h.has_seq);
	assert_true(h.has_ack);
	assert_int_equal(h.seq, 7);
	assert_int_equal(h.ack, 5);
	assert_memory_equal(data_seq_ack + hl, "\xff\x03\xc0\x21", 4);

	/* ack-only: no S, A set, payload length 0 */
	const uint8_t ack_only[] = {
		0x20, 0x81, 0x88, 0x0b, 0x00, 0x00, 0x00, 0x00,
		0xff, 0xff, 0xff, 0xff,
	};
	assert_int_equal(gre_parse(ack_only, sizeof(ack_only), &h, &hl), GRE_OK);
	assert_int_equal(hl, 12);
	assert_false(h.has_seq);
	assert_true(h.has_ack);
	assert_int_equal(h.ack, 0xffffffffu);
	assert_int_equal(h.call_id, 0);
	assert_int_equal(h.payload_len, 0);
}

static void build_parse_round_trip_every_combination(void **state)
{
	(void)state;
	for (int c = 0; c < 4; c++) {
		struct gre_hdr in = {
			.payload_len = 3, .call_id = 0xBEEF,
			.has_seq = c & 1, .has_ack = (c & 2) != 0,
			.seq = 0xFFFFFFFFu, .ack = 0x80000001u,
		};
		uint8_t pkt[GRE_HDR_MAX + 3];
		size_t n = gre_build(pkt, sizeof(pkt), &in);
		assert_int_equal(n, gre_hdr_len(in.has_seq, in.has_ack));
		assert_int_equal(n, 8 + 4 * (size_t)((c & 1) + ((c >> 1) & 1)));
		/* K always, S and A as asked, version 1, 0x880B */
		assert_int_equal(pkt[0], 0x20 | (in.has_seq ? 0x10 : 0));
		assert_int_equal(pkt[1], 0x01 | (in.has_ack ? 0x80 : 0));
		assert_int_equal(pkt[2], 0x88);
		assert_int_equal(pkt[3], 0x0b);
		memcpy(pkt + n, "abc", 3);

		struct gre_hdr out;
		size_t hl = 0;
		assert_int_equal(gre_parse(pkt, n + 3, &out, &hl), GRE_OK);
		assert_int_equal(hl, n);
		assert_true(gre_hdr_equal(&in, &out));
		assert_int_equal(out.has_seq, in.has_seq);
		assert_int_equal(out.has_ack, in.has_ack);
		if (in.has_seq)
			assert_int_equal(out.seq, 0xFFFFFFFFu);
		if (in.has_ack)
			assert_int_equal(out.ack, 0x80000001u);
		assert_memory_equal(pkt + hl, "abc", 3);
	}
}

static void build_in_headroom(void **state)
{
	(void)state;
	/* A PPP frame with GRE_HDR_MAX bytes reserved in front of it. */
	uint8_t buf[GRE_HDR_MAX + 4];
	uint8_t *frame = buf + GRE_HDR_MAX;
	memcpy(frame, "\xff\x03\x00\x21", 4);
	struct gre_hdr h = { .payload_len = 4, .call_id = 9, .has_seq = true, .seq = 1 };
	size_t n = gre_hdr_len(true, false);
	assert_int_equal(gre_build(frame - n, n, &h), n);
	struct gre_hdr out;
	size_t hl;
	assert_int_equal(gre_parse(frame - n, n + 4, &out, &hl), GRE_OK);
	assert_int_equal(hl, 12);
	assert_true(gre_hdr_equal(&h, &out));
	assert_memory_equal(frame, "\xff\x03\x00\x21", 4);
}

static void build_refuses_small_buffer(void **state)
{
	(void)state;
	uint8_t buf[16];
	memset(buf, 0xAA, sizeof(buf));
	struct gre_hdr h = { .has_seq = true, .has_ack = true };
	assert_int_equal(gre_build(buf, 15, &h), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xAA);
	h.has_ack = false;
	assert_int_equal(gre_build(buf, 12, &h), 12);
	assert_int_equal(gre_build(buf, 7, &h), 0);
}

static void trailing_bytes_accepted(void **state)
{
	(void)state;
	uint8_t pkt[sizeof(data_seq_ack) + 6];
	memcpy(pkt, data_seq_ack, sizeof(data_seq_ack));
	memset(pkt + sizeof(data_seq_ack), 0xEE, 6);
	struct gre_hdr h;
	size_t hl;
	assert_int_equal(gre_parse(pkt, sizeof(pkt), &h, &hl), GRE_OK);
	assert_int_equal(h.payload_len, 4); /* the declared length, not the rest */
}

static enum gre_err parse_modified(size_t at, uint8_t val, size_t len)
{
	uint8_t pkt[sizeof(data_seq_ack)];
	memcpy(pkt, data_seq_ack, sizeof(pkt));
	if (at < sizeof(pkt))
		pkt[at] = val;
	struct gre_hdr h;
	size_t hl;
	return gre_parse(pkt, len, &h, &hl);
}

static void malformed_headers_rejected(void **state)
{
	(void)state;
	size_t full = sizeof(data_seq_ack);
	assert_int_equal(parse_modified(99, 0, full), GRE_OK);
	assert_int_equal(parse_modified(1, 0x80, full), GRE_E_VERSION);  /* version 0 */
	assert_int_equal(parse_modified(1, 0x82, full), GRE_E_VERSION);
	assert_int_equal(parse_modified(3, 0x00, full), GRE_E_PROTO);
	assert_int_equal(parse_modified(2, 0x08, full), GRE_E_PROTO);
	assert_int_equal(parse_modified(0, 0x10, full), GRE_E_NO_KEY);
	assert_int_equal(parse_modified(0, 0xB0, full), GRE_E_CHECKSUM);
	assert_int_equal(parse_modified(0, 0x70, full), GRE_E_ROUTING);
	assert_int_equal(parse_modified(0, 0x38, full), GRE_E_STRICT_ROUTE);
	assert_int_equal(parse_modified(0, 0x31, full), GRE_E_RECURSION);
	/* reserved flag bits 9-12 are ignored */
	assert_int_equal(parse_modified(1, 0xF9, full), GRE_OK);
	/* payload length 5 with 4 bytes of payload */
	assert_int_equal(parse_modified(5, 0x05, full), GRE_E_PAYLOAD_LEN);
	assert_int_equal(parse_modified(4, 0x01, full), GRE_E_PAYLOAD_LEN);
	/* payload cut short by the buffer */
	assert_int_equal(parse_modified(99, 0, full - 1), GRE_E_PAYLOAD_LEN);
	/* short headers: every length below 16 with S and A announced */
	for (size_t n = 0; n < 16; n++)
		assert_int_equal(parse_modified(99, 0, n), GRE_E_SHORT);
	assert_int_equal(gre_parse(NULL, 0, &(struct gre_hdr){ 0 }, &(size_t){ 0 }), GRE_E_SHORT);
}

/* IPv4 header (20 bytes, protocol 47) + the GRE packet above. */
static size_t make_ip(uint8_t *out)
{
	memset(out, 0, 64);
	const uint8_t iph[20] = {
		0x45, 0x00, 0x00, 20 + sizeof(data_seq_ack), 0x12, 0x34, 0x40, 0x00,
		0x40, 47, 0x00, 0x00, 192, 0, 2, 1, 198, 51, 100, 7,
	};
	memcpy(out, iph, sizeof(iph));
	memcpy(out + 20, data_seq_ack, sizeof(data_seq_ack));
	return 20 + sizeof(data_seq_ack);
}

static void ipv4_skip_valid(void **state)
{
	(void)state;
	uint8_t pkt[64];
	size_t len = make_ip(pkt);
	struct ipv4_info ip;
	assert_int_equal(gre_skip_ipv4(pkt, len, &ip), GRE_OK);
	assert_int_equal(ip.hdr_len, 20);
	assert_int_equal(ip.total_len, len);
	assert_int_equal(ip.src, 0xC0000201u);
	assert_int_equal(ip.dst, 0xC6336407u);
	struct gre_hdr h;
	size_t hl;
	assert_int_equal(gre_parse(pkt + ip.hdr_len, ip.total_len - ip.hdr_len, &h, &hl), GRE_OK);
	assert_int_equal(h.call_id, 0x1234);

	/* with 8 bytes of options: IHL 7 */
	uint8_t opt[72];
	memcpy(opt, pkt, 20);
	memset(opt + 20, 1, 8);
	memcpy(opt + 28, data_seq_ack, sizeof(data_seq_ack));
	opt[0] = 0x47;
	opt[3] = (uint8_t)(28 + sizeof(data_seq_ack));
	assert_int_equal(gre_skip_ipv4(opt, 28 + sizeof(data_seq_ack), &ip), GRE_OK);
	assert_int_equal(ip.hdr_len, 28);
	assert_int_equal(gre_parse(opt + 28, ip.total_len - 28, &h, &hl), GRE_OK);

	/* bytes after the total length (link padding) are not part of it */
	assert_int_equal(gre_skip_ipv4(pkt, sizeof(pkt), &ip), GRE_OK);
	assert_int_equal(ip.total_len, len);
}

static enum gre_err ip_modified(size_t at, uint8_t val, size_t len)
{
	uint8_t pkt[64];
	make_ip(pkt);
	if (at < sizeof(pkt))
		pkt[at] = val;
	struct ipv4_info ip;
	return gre_skip_ipv4(pkt, len, &ip);
}

static void ipv4_skip_errors(void **state)
{
	(void)state;
	size_t full = 20 + sizeof(data_seq_ack);
	assert_int_equal(ip_modified(99, 0, full), GRE_OK);
	for (size_t n = 0; n < 20; n++)
		assert_int_equal(ip_modified(99, 0, n), GRE_E_IP_SHORT);
	assert_int_equal(ip_modified(0, 0x65, full), GRE_E_IP_VERSION);
	assert_int_equal(ip_modified(0, 0x44, full), GRE_E_IP_IHL);
	assert_int_equal(ip_modified(0, 0x40, full), GRE_E_IP_IHL);
	/* IHL 15 = 60 bytes, more than the packet */
	assert_int_equal(ip_modified(0, 0x4F, 40), GRE_E_IP_SHORT);
	/* IHL 6 = 24 bytes but total length 20 */
	{
		uint8_t pkt[64];
		make_ip(pkt);
		pkt[0] = 0x46;
		pkt[3] = 20;
		struct ipv4_info ip;
		assert_int_equal(gre_skip_ipv4(pkt, full, &ip), GRE_E_IP_LENGTH);
	}
	assert_int_equal(ip_modified(3, 0xFF, full), GRE_E_IP_LENGTH);
	assert_int_equal(ip_modified(99, 0, full - 1), GRE_E_IP_LENGTH);
	assert_int_equal(ip_modified(3, 19, full), GRE_E_IP_LENGTH);
	assert_int_equal(ip_modified(9, 6, full), GRE_E_IP_PROTO);
	assert_int_equal(ip_modified(7, 0x01, full), GRE_E_IP_FRAGMENT);  /* offset 1 */
	assert_int_equal(ip_modified(6, 0x1F, full), GRE_E_IP_FRAGMENT);
	assert_int_equal(ip_modified(6, 0x20, full), GRE_E_IP_FRAGMENT);  /* MF */
	assert_int_equal(ip_modified(6, 0x40, full), GRE_OK);             /* DF only */
	assert_int_equal(ip_modified(6, 0x00, full), GRE_OK);
}

static void error_names(void **state)
{
	(void)state;
	assert_string_equal(gre_err_name(GRE_OK), "ok");
	assert_string_equal(gre_err_name(GRE_E_NO_KEY), "no-key");
	assert_string_equal(gre_err_name(GRE_E_IP_FRAGMENT), "ip-fragment");
	assert_string_equal(gre_err_name((enum gre_err)999), "unknown-error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_hand_written_packet),
		cmocka_unit_test(build_parse_round_trip_every_combination),
		cmocka_unit_test(build_in_headroom),
		cmocka_unit_test(build_refuses_small_buffer),
		cmocka_unit_test(trailing_bytes_accepted),
		cmocka_unit_test(malformed_headers_rejected),
		cmocka_unit_test(ipv4_skip_valid),
		cmocka_unit_test(ipv4_skip_errors),
		cmocka_unit_test(error_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
