/*
 * common/ipv6_nd.c: the Router Advertisement checked byte by byte against
 * a packet built and checksummed independently; Router Solicitation and
 * DHCPv6 Information-Request parsing, good and every kind of bad; the
 * DHCPv6 Reply against an independently built one; DHCPv6 prefix
 * delegation: a router's Solicit with Rapid Commit and an IA_PD, the Reply
 * with the delegated prefix and the Advertise with NoPrefixAvail against
 * independently built ones, the other message types and the malformed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/buf.h"
#include "common/ipv6_nd.h"

/* Built and checksummed independently (python3, RFC 4861 layout). */
static const uint8_t ra_expected[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x60, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x86, 0x00, 0xb2, 0xb5, 0x40, 0x40, 0x07, 0x08,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x04, 0x40, 0xc0, 0x00, 0x01, 0x51, 0x80,
	0x00, 0x00, 0x38, 0x40, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x05, 0x78,
	0x19, 0x05, 0x00, 0x00, 0x00, 0x00, 0x07, 0x08, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54,
};
static const uint8_t rs_good[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3a, 0xff, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x1c, 0x2b, 0x3a, 0x49, 0x58, 0x67, 0x76, 0x85, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x85, 0x00, 0x57, 0xd6, 0x00, 0x00, 0x00, 0x00,
};
/* Windows-shaped: Elapsed Time, DUID-LLT Client ID, Vendor Class, ORO
 * asking for options 17, 23 and 24. */
static const uint8_t ir_good[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x11, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x1c, 0x2b, 0x3a, 0x49, 0x58, 0x67, 0x76, 0x85, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x02, 0x22, 0x02, 0x23, 0x00, 0x3a, 0x93, 0xa3,
	0x0b, 0xab, 0xcd, 0xef, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x0e, 0x00, 0x01,
	0x00, 0x01, 0x2a, 0x3b, 0x4c, 0x5d, 0x00, 0x15, 0x5d, 0x01, 0x02, 0x03, 0x00, 0x10, 0x00, 0x08,
	0x00, 0x00, 0x01, 0x37, 0x4d, 0x53, 0x46, 0x54, 0x00, 0x06, 0x00, 0x06, 0x00, 0x11, 0x00, 0x17,
	0x00, 0x18,
};
static const uint8_t reply_expected[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x63, 0x11, 0x40, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x1c, 0x2b, 0x3a, 0x49, 0x58, 0x67, 0x76, 0x85, 0x02, 0x23, 0x02, 0x22, 0x00, 0x63, 0x0e, 0x01,
	0x07, 0xab, 0xcd, 0xef, 0x00, 0x02, 0x00, 0x0c, 0x00, 0x03, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x0e, 0x00, 0x01, 0x00, 0x01, 0x2a, 0x3b, 0x4c, 0x5d,
	0x00, 0x15, 0x5d, 0x01, 0x02, 0x03, 0x00, 0x17, 0x00, 0x20, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x53, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x54, 0x00, 0x18, 0x00, 0x0d, 0x07, 0x65,
	0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x03, 0x6e, 0x65, 0x74, 0x00,
};
/* Built and checksummed independently (python3, RFC 8415 layout): a
 * router's Solicit (DUID-LL Client ID, Elapsed Time, Rapid Commit, IA_PD
 * IAID 1 with a /56 hint, ORO 23); the Reply with 2001:db8:400::/56, T1
 * 1800, T2 2880, preferred 3600, valid 7200; the Advertise to the same
 * Solicit without Rapid Commit from a server with no prefix for it. */
static const uint8_t pd_solicit[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x57, 0x11, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x1c, 0x2b, 0x3a, 0x49, 0x58, 0x67, 0x76, 0x85, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x02, 0x02, 0x22, 0x02, 0x23, 0x00, 0x57, 0xd3, 0xdf,
	0x01, 0x1a, 0x2b, 0x3c, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x5e, 0x10,
	0x20, 0x30, 0x00, 0x08, 0x00, 0x02, 0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x19, 0x00, 0x29,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1a, 0x00, 0x19,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x38, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00, 0x17,
};
static const uint8_t pd_reply_expected[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x5b, 0x11, 0x40, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x1c, 0x2b, 0x3a, 0x49, 0x58, 0x67, 0x76, 0x85, 0x02, 0x23, 0x02, 0x22, 0x00, 0x5b, 0xf7, 0x8e,
	0x07, 0x1a, 0x2b, 0x3c, 0x00, 0x02, 0x00, 0x0c, 0x00, 0x03, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x5e, 0x10,
	0x20, 0x30, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x19, 0x00, 0x29, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	0x07, 0x08, 0x00, 0x00, 0x0b, 0x40, 0x00, 0x1a, 0x00, 0x19, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x00,
	0x1c, 0x20, 0x38, 0x20, 0x01, 0x0d, 0xb8, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00,
};
static const uint8_t pd_advertise_none[] = {
	0x60, 0x00, 0x00, 0x00, 0x00, 0x40, 0x11, 0x40, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x1c, 0x2b, 0x3a, 0x49, 0x58, 0x67, 0x76, 0x85, 0x02, 0x23, 0x02, 0x22, 0x00, 0x40, 0x2a, 0xb2,
	0x02, 0x1a, 0x2b, 0x3c, 0x00, 0x02, 0x00, 0x0c, 0x00, 0x03, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x03, 0x00, 0x01, 0x02, 0x00, 0x5e, 0x10,
	0x20, 0x30, 0x00, 0x19, 0x00, 0x12, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x0d, 0x00, 0x02, 0x00, 0x06,
};

#define RS_CSUM   (IPV6_HDR_LEN + 2)
#define UDP_CSUM  (IPV6_HDR_LEN + 6)

static void addr(uint8_t out[16], uint16_t a0, uint16_t a1, uint16_t a2, uint16_t a3, uint16_t a7)
{
	memset(out, 0, 16);
	store_be16(out, a0);
	store_be16(out + 2, a1);
	store_be16(out + 4, a2);
	store_be16(out + 6, a3);
	store_be16(out + 14, a7);
}

static void ra_params(struct nd_ra_params *p)
{
	memset(p, 0, sizeof(*p));
	p->router_iid = 1;
	p->cur_hop_limit = 64;
	p->other = true;
	p->router_lifetime_s = 1800;
	addr(p->prefix, 0x2001, 0xdb8, 1, 2, 0);
	p->prefix_len = 64;
	p->on_link = p->autonomous = true;
	p->valid_s = 86400;
	p->preferred_s = 14400;
	p->mtu = 1400;
	addr(p->rdnss[0], 0x2001, 0xdb8, 0, 0, 0x53);
	addr(p->rdnss[1], 0x2001, 0xdb8, 0, 0, 0x54);
	p->rdnss_count = 2;
	p->rdnss_lifetime_s = 1800;
}

static void ra_field_by_field(void **state)
{
	(void)state;
	struct nd_ra_params p;
	uint8_t b[256];
	size_t n;

	ra_params(&p);
	n = nd_build_ra(&p, b, sizeof(b));
	assert_int_equal(n, sizeof(ra_expected));
	assert_int_equal(b[0] >> 4, 6);
	assert_int_equal(load_be16(b + 4), n - IPV6_HDR_LEN);   /* payload length */
	assert_int_equal(b[6], IPV6_NH_ICMPV6);
	assert_int_equal(b[7], 255);                            /* hop limit */
	assert_memory_equal(b + 8, ra_expected + 8, 16);        /* fe80::1 */
	assert_memory_equal(b + 24, ra_expected + 24, 16);      /* ff02::1 */
	assert_int_equal(b[40], ICMPV6_ROUTER_ADVERT);
	assert_int_equal(b[41], 0);
	assert_int_equal(load_be16(b + 42), 0xb2b5);            /* checksum */
	assert_int_equal(b[44], 64);
	assert_int_equal(b[45], 0x40);                          /* O, not M */
	assert_int_equal(load_be16(b + 46), 1800);
	assert_int_equal(b[56], ND_OPT_PREFIX_INFO);
	assert_int_equal(b[57], 4);
	assert_int_equal(b[58], 64);
	assert_int_equal(b[59], 0xc0);                          /* L, A */
	assert_int_equal(load_be32(b + 60), 86400);
	assert_int_equal(load_be32(b + 64), 14400);
	assert_memory_equal(b + 72, p.prefix, 16);
	assert_int_equal(b[88], ND_OPT_MTU);
	assert_int_equal(load_be32(b + 92), 1400);
	assert_int_equal(b[96], ND_OPT_RDNSS);
	assert_int_equal(b[97], 5);                             /* 1 + 2 per address */
	assert_int_equal(load_be32(b + 100), 1800);
	assert_memory_equal(b + 104, p.rdnss[0], 16);
	assert_memory_equal(b + 120, p.rdnss[1], 16);
	assert_memory_equal(b, ra_expected, n);
	assert_int_equal(ipv6_l4_checksum(b + 8, b + 24, IPV6_NH_ICMPV6, b + 40, n - 40), 0);
}

/* A solicited RA goes to the soliciting address; host bits of the prefix
 * are sent as zero; options left out when not set. */
static void ra_solicited_masked_minimal(void **state)
{
	(void)state;
	struct nd_ra_params p;
	uint8_t b[256];
	size_t n;

	ra_params(&p);
	addr(p.dst, 0xfe80, 0, 0, 0, 0x42);
	p.prefix[8] = 0x99; /* inside the interface identifier: not sent */
	p.mtu = 0;
	p.rdnss_count = 0;
	p.managed = true;
	n = nd_build_ra(&p, b, sizeof(b));
	assert_int_equal(n, IPV6_HDR_LEN + 16 + 32);
	assert_memory_equal(b + 24, p.dst, 16);
	assert_int_equal(b[45], 0xc0);
	assert_int_equal(b[72 + 8], 0);
	assert_int_equal(ipv6_l4_checksum(b + 8, b + 24, IPV6_NH_ICMPV6, b + 40, n - 40), 0);
}

static void ra_invalid_params(void **state)
{
	(void)state;
	struct nd_ra_params p;
	uint8_t b[256];

	ra_params(&p);
	assert_int_equal(nd_build_ra(&p, b, sizeof(ra_expected) - 1), 0); /* does not fit */
	p.router_iid = 0;
	assert_int_equal(nd_build_ra(&p, b, sizeof(b)), 0);
	ra_params(&p);
	p.rdnss_count = ND_RDNSS_MAX + 1;
	assert_int_equal(nd_build_ra(&p, b, sizeof(b)), 0);
	ra_params(&p);
	p.preferred_s = p.valid_s + 1;
	assert_int_equal(nd_build_ra(&p, b, sizeof(b)), 0);
	ra_params(&p);
	p.prefix_len = 129;
	assert_int_equal(nd_build_ra(&p, b, sizeof(b)), 0);
	ra_params(&p);
	p.rdnss_count = 3;
	assert_true(nd_build_ra(&p, b, sizeof(b)) > sizeof(ra_expected));
}

/* ---- Router Solicitation ---- */

static void fix(uint8_t *b, size_t len, size_t at, uint8_t nh)
{
	uint16_t c;

	store_be16(b + at, 0);
	c = ipv6_l4_checksum(b + 8, b + 24, nh, b + 40, len - 40);
	store_be16(b + at, nh == IPV6_NH_UDP && c == 0 ? 0xffff : c);
}

static enum nd_error rs(const uint8_t *b, size_t len)
{
	struct nd_rs r;
	return nd_parse_rs(b, len, &r);
}

static void rs_parsed(void **state)
{
	(void)state;
	struct nd_rs r;

	assert_int_equal(nd_parse_rs(rs_good, sizeof(rs_good), &r), ND_OK);
	assert_memory_equal(r.src, rs_good + 8, 16);
	assert_false(r.unspecified_src);
	assert_false(r.have_source_lladdr);
	/* with a Source Link-Layer Address option (pppd sends none; allowed) */
	uint8_t b[64];
	memcpy(b, rs_good, sizeof(rs_good));
	const uint8_t slla[] = { ND_OPT_SOURCE_LLADDR, 1, 0, 0, 0, 0, 0, 1 };
	memcpy(b + sizeof(rs_good), slla, 8);
	store_be16(b + 4, 16);
	fix(b, sizeof(rs_good) + 8, RS_CSUM, IPV6_NH_ICMPV6);
	assert_int_equal(nd_parse_rs(b, sizeof(rs_good) + 8, &r), ND_OK);
	assert_true(r.have_source_lladdr);
	/* from the unspecified address, without options */
	memcpy(b, rs_good, sizeof(rs_good));
	memset(b + 8, 0, 16);
	fix(b, sizeof(rs_good), RS_CSUM, IPV6_NH_ICMPV6);
	assert_int_equal(nd_parse_rs(b, sizeof(rs_good), &r), ND_OK);
	assert_true(r.unspecified_src);
}

static void rs_bad(void **state)
{
	(void)state;
	uint8_t b[64];
	const size_t n = sizeof(rs_good);

#define MUT(stmt, refix, want)                                                       \
	do {                                                                         \
		memcpy(b, rs_good, n);                                               \
		stmt;                                                                \
		if (refix)                                                           \
			fix(b, n, RS_CSUM, IPV6_NH_ICMPV6);                          \
		assert_int_equal(rs(b, n), want);                                    \
	} while (0)

	assert_int_equal(rs(rs_good, 39), ND_ERR_SHORT);
	assert_int_equal(rs(rs_good, n - 1), ND_ERR_LENGTH);
	MUT(b[0] = 0x45, false, ND_ERR_VERSION);
	MUT(b[6] = 0, false, ND_ERR_NEXT_HEADER);                /* hop-by-hop header */
	MUT(b[7] = 254, false, ND_ERR_HOP_LIMIT);                /* came through a router */
	MUT(b[43] ^= 1, false, ND_ERR_CHECKSUM);
	MUT(b[40] = 135, true, ND_ERR_TYPE);                     /* Neighbor Solicitation */
	MUT(b[41] = 1, true, ND_ERR_CODE);
	MUT(b[8] = 0x20, true, ND_ERR_SOURCE);                   /* global source */
	MUT(b[24] = 0x20, true, ND_ERR_DEST);
	MUT(store_be16(b + 4, 4), false, ND_ERR_SHORT);          /* ICMPv6 shorter than 8 */
	/* options: zero length, past the end, SLLA from :: */
	uint8_t o[64];
	memcpy(o, rs_good, n);
	store_be16(o + 4, 16);
	memcpy(o + n, (const uint8_t[]){ 1, 0, 0, 0, 0, 0, 0, 0 }, 8);
	fix(o, n + 8, RS_CSUM, IPV6_NH_ICMPV6);
	assert_int_equal(rs(o, n + 8), ND_ERR_OPTION);
	o[n + 1] = 2; /* 16 octets, only 8 there */
	fix(o, n + 8, RS_CSUM, IPV6_NH_ICMPV6);
	assert_int_equal(rs(o, n + 8), ND_ERR_OPTION);
	o[n + 1] = 1;
	memset(o + 8, 0, 16);
	fix(o, n + 8, RS_CSUM, IPV6_NH_ICMPV6);
	assert_int_equal(rs(o, n + 8), ND_ERR_OPTION);
#undef MUT
}

/* ---- DHCPv6 ---- */

static void info_request_to_reply(void **state)
{
	(void)state;
	struct dhcp6_info_request req;
	struct dhcp6_reply_params p;
	uint8_t b[512];
	size_t n;

	assert_int_equal(dhcp6_parse_info_request(ir_good, sizeof(ir_good), 1, &req), ND_OK);
	assert_int_equal(req.xid, 0xabcdef);
	assert_int_equal(req.src_port, DHCP6_CLIENT_PORT);
	assert_memory_equal(req.src, ir_good + 8, 16);
	assert_int_equal(req.client_id_len, 14);
	assert_memory_equal(req.client_id, ir_good + 62, 14);
	assert_true(req.want_dns);
	assert_true(req.want_domains);

	memset(&p, 0, sizeof(p));
	p.server_iid = 1;
	addr(p.dns[0], 0x2001, 0xdb8, 0, 0, 0x53);
	addr(p.dns[1], 0x2001, 0xdb8, 0, 0, 0x54);
	p.dns_count = 2;
	p.domain = "example.net";
	n = dhcp6_build_reply(&req, &p, b, sizeof(b));
	assert_int_equal(n, sizeof(reply_expected));
	assert_int_equal(b[6], IPV6_NH_UDP);
	assert_int_equal(load_be16(b + 40), DHCP6_SERVER_PORT);
	assert_int_equal(load_be16(b + 42), DHCP6_CLIENT_PORT);
	assert_int_equal(load_be16(b + 44), n - IPV6_HDR_LEN);
	assert_int_equal(load_be16(b + 46), 0x0e01);           /* checksum */
	assert_int_equal(b[48], DHCP6_MSG_REPLY);
	assert_memory_equal(b + 49, "\xab\xcd\xef", 3);
	assert_int_equal(load_be16(b + 52), DHCP6_OPT_SERVERID);
	assert_memory_equal(b + 56, "\x00\x03\x00\x1b", 4);      /* DUID-LL, EUI-64 */
	assert_memory_equal(b, reply_expected, n);
	/* the same with a root-terminated domain */
	p.domain = "example.net.";
	assert_int_equal(dhcp6_build_reply(&req, &p, b, sizeof(b)), sizeof(reply_expected));
	assert_memory_equal(b, reply_expected, sizeof(reply_expected));
	/* our own Server Identifier in the request is fine */
	uint8_t s[128];
	size_t sn = sizeof(ir_good);
	memcpy(s, ir_good, sn);
	memcpy(s + sn, "\x00\x02\x00\x0c", 4);
	dhcp6_server_duid(1, s + sn + 4);
	sn += 16;
	store_be16(s + 4, (uint16_t)(sn - 40));
	store_be16(s + 44, (uint16_t)(sn - 40));
	fix(s, sn, UDP_CSUM, IPV6_NH_UDP);
	assert_int_equal(dhcp6_parse_info_request(s, sn, 1, &req), ND_OK);
	/* another server's: not for us */
	assert_int_equal(dhcp6_parse_info_request(s, sn, 2, &req), ND_ERR_NOT_FOR_US);
}

/* Only what the ORO asked for; nothing echoed that was not sent. */
static void reply_only_what_was_asked(void **state)
{
	(void)state;
	struct dhcp6_info_request req;
	struct dhcp6_reply_params p;
	uint8_t b[512];

	memset(&req, 0, sizeof(req));
	req.src[0] = 0xfe;
	req.src[1] = 0x80;
	req.src_port = DHCP6_CLIENT_PORT;
	req.xid = 7;
	memset(&p, 0, sizeof(p));
	p.server_iid = 1;
	addr(p.dns[0], 0x2001, 0xdb8, 0, 0, 0x53);
	p.dns_count = 1;
	p.domain = "example.net";
	/* header, UDP, msg-type + xid, Server Identifier only */
	assert_int_equal(dhcp6_build_reply(&req, &p, b, sizeof(b)), 40 + 8 + 4 + 16);
	req.want_dns = true;
	assert_int_equal(dhcp6_build_reply(&req, &p, b, sizeof(b)), 40 + 8 + 4 + 16 + 20);
	assert_int_equal(load_be16(b + 68), DHCP6_OPT_DNS_SERVERS);
	assert_int_equal(ipv6_l4_checksum(b + 8, b + 24, IPV6_NH_UDP, b + 40, 48), 0);
	/* bad domains and sizes build nothing */
	req.want_domains = true;
	p.domain = "a..b";
	assert_int_equal(dhcp6_build_reply(&req, &p, b, sizeof(b)), 0);
	p.domain = "x123456789012345678901234567890123456789012345678901234567890123.net";
	assert_int_equal(dhcp6_build_reply(&req, &p, b, sizeof(b)), 0);
	p.domain = "example.net";
	assert_int_equal(dhcp6_build_reply(&req, &p, b, 60), 0);
	p.dns_count = ND_RDNSS_MAX + 1;
	assert_int_equal(dhcp6_build_reply(&req, &p, b, sizeof(b)), 0);
}

static enum nd_error ir(const uint8_t *b, size_t len)
{
	struct dhcp6_info_request r;
	return dhcp6_parse_info_request(b, len, 1, &r);
}

static void info_request_bad(void **state)
{
	(void)state;
	uint8_t b[128];
	const size_t n = sizeof(ir_good);

#define MUT(stmt, refix, want)                                                       \
	do {                                                                         \
		memcpy(b, ir_good, n);                                               \
		stmt;                                                                \
		if (refix)                                                           \
			fix(b, n, UDP_CSUM, IPV6_NH_UDP);                            \
		assert_int_equal(ir(b, n), want);                                    \
	} while (0)

	assert_int_equal(ir(ir_good, 47), ND_ERR_LENGTH);
	assert_int_equal(ir(ir_good, 20), ND_ERR_SHORT);
	MUT(b[6] = IPV6_NH_ICMPV6, false, ND_ERR_NEXT_HEADER);
	MUT(store_be16(b + 42, 548), true, ND_ERR_PORT);
	MUT(store_be16(b + 46, 0), false, ND_ERR_CHECKSUM);      /* zero: not allowed */
	MUT(b[47] ^= 0x10, false, ND_ERR_CHECKSUM);
	MUT(store_be16(b + 44, 50), true, ND_ERR_LENGTH);        /* UDP length */
	MUT(b[8] = 0x20, true, ND_ERR_SOURCE);
	MUT(b[25] = 0x05, true, ND_ERR_DEST);                     /* ff05::1:2 */
	MUT(b[48] = 1, true, ND_ERR_MSG_TYPE);                    /* Solicit */
	MUT(store_be16(b + 52, 99), true, ND_OK);               /* an unknown option: skipped */
	MUT(store_be16(b + 60, 2), true, ND_ERR_OPTION);          /* Client ID shorter than a DUID */
	MUT(store_be16(b + 88, DHCP6_OPT_IA_NA), true, ND_ERR_OPTION); /* ORO becomes IA_NA */
	MUT(store_be16(b + 90, 5), true, ND_ERR_OPTION);          /* odd ORO */
	MUT(store_be16(b + 90, 7), true, ND_ERR_OPTION);          /* ORO past the end */
	/* a second Client ID */
	MUT(store_be16(b + 76, DHCP6_OPT_CLIENTID), true, ND_ERR_OPTION);
	/* a message of two octets */
	memcpy(b, ir_good, 50);
	store_be16(b + 4, 10);
	store_be16(b + 44, 10);
	fix(b, 50, UDP_CSUM, IPV6_NH_UDP);
	assert_int_equal(ir(b, 50), ND_ERR_SHORT);
#undef MUT
}

/* ---- DHCPv6 prefix delegation ---- */

static struct dhcp6_pd_params pd_params(void)
{
	struct dhcp6_pd_params p = {
		.server_iid = 1, .prefix_len = 56, .t1_s = 1800, .t2_s = 2880,
		.preferred_s = 3600, .valid_s = 7200,
	};
	addr(p.prefix, 0x2001, 0xdb8, 0x400, 0, 0);
	p.prefix[7] = 0x77; /* past the /56: sent as zero */
	return p;
}

/* b (n octets, a DHCPv6 packet) with one more option at its end. */
static size_t pd_append(uint8_t *b, size_t n, uint16_t code, const uint8_t *d, uint16_t dlen)
{
	store_be16(b + n, code);
	store_be16(b + n + 2, dlen);
	if (dlen)
		memcpy(b + n + 4, d, dlen);
	n += 4u + dlen;
	store_be16(b + 4, (uint16_t)(n - 40));
	store_be16(b + 44, (uint16_t)(n - 40));
	fix(b, n, UDP_CSUM, IPV6_NH_UDP);
	return n;
}

static void pd_solicit_to_reply(void **state)
{
	(void)state;
	struct dhcp6_pd_request req;
	struct dhcp6_pd_params p = pd_params();
	uint8_t b[512], m[256];
	size_t n;

	assert_int_equal(dhcp6_parse_pd(pd_solicit, sizeof(pd_solicit), 1, &req), ND_OK);
	assert_int_equal(req.msg_type, DHCP6_MSG_SOLICIT);
	assert_int_equal(req.xid, 0x1a2b3c);
	assert_true(req.rapid_commit);
	assert_int_equal(req.n_ia_pd, 1);
	assert_int_equal(req.iaid[0], 1);
	assert_int_equal(req.client_id_len, 10);
	assert_memory_equal(req.client_id, pd_solicit + 56, 10);
	assert_memory_equal(req.src, pd_solicit + 8, 16);
	assert_int_equal(req.src_port, DHCP6_CLIENT_PORT);
	n = dhcp6_build_pd_reply(&req, &p, b, sizeof(b));
	assert_int_equal(n, sizeof(pd_reply_expected));
	assert_memory_equal(b, pd_reply_expected, n);
	/* too small a buffer, or inconsistent lifetimes: nothing */
	assert_int_equal(dhcp6_build_pd_reply(&req, &p, b, n - 1), 0);
	p.preferred_s = 7201;
	assert_int_equal(dhcp6_build_pd_reply(&req, &p, b, sizeof(b)), 0);
	p = pd_params();
	p.t1_s = 2881;
	assert_int_equal(dhcp6_build_pd_reply(&req, &p, b, sizeof(b)), 0);
	p = pd_params();
	p.prefix_len = 129;
	assert_int_equal(dhcp6_build_pd_reply(&req, &p, b, sizeof(b)), 0);

	/* Without Rapid Commit (the option becomes an unknown one), from a
	 * session with no delegated prefix: an Advertise, NoPrefixAvail
	 * inside the IA_PD. */
	memcpy(m, pd_solicit, sizeof(pd_solicit));
	store_be16(m + 72, 99);
	fix(m, sizeof(pd_solicit), UDP_CSUM, IPV6_NH_UDP);
	assert_int_equal(dhcp6_parse_pd(m, sizeof(pd_solicit), 1, &req), ND_OK);
	assert_false(req.rapid_commit);
	p = pd_params();
	p.prefix_len = 0;
	n = dhcp6_build_pd_reply(&req, &p, b, sizeof(b));
	assert_int_equal(n, sizeof(pd_advertise_none));
	assert_memory_equal(b, pd_advertise_none, n);
}

/* Request / Renew / Release need our Server Identifier, Solicit / Rebind
 * may not carry one; each is answered with a Reply. */
static void pd_other_messages(void **state)
{
	(void)state;
	struct dhcp6_pd_request req;
	struct dhcp6_pd_params p = pd_params();
	uint8_t b[512], m[256], duid[DHCP6_SERVER_DUID_LEN];
	size_t n, len = sizeof(pd_solicit);

	dhcp6_server_duid(1, duid);
	memcpy(m, pd_solicit, len);
	/* a Solicit naming a server is refused */
	n = pd_append(m, len, DHCP6_OPT_SERVERID, duid, sizeof(duid));
	assert_int_equal(dhcp6_parse_pd(m, n, 1, &req), ND_ERR_SERVER_ID);
	for (uint8_t type = DHCP6_MSG_REQUEST; type <= DHCP6_MSG_RELEASE; type++) {
		if (type == 4 || type == DHCP6_MSG_REPLY)
			continue;
		m[48] = type;
		fix(m, n, UDP_CSUM, IPV6_NH_UDP);
		/* another server's identifier */
		assert_int_equal(dhcp6_parse_pd(m, n, 2, &req), ND_ERR_NOT_FOR_US);
		enum nd_error want = type == DHCP6_MSG_REBIND ? ND_ERR_SERVER_ID : ND_OK;
		assert_int_equal(dhcp6_parse_pd(m, n, 1, &req), want);
		if (want != ND_OK)
			continue;
		assert_int_equal(req.msg_type, type);
		assert_false(req.rapid_commit); /* only a Solicit's counts */
		size_t r = dhcp6_build_pd_reply(&req, &p, b, sizeof(b));
		assert_true(r > 0);
		assert_int_equal(b[48], DHCP6_MSG_REPLY);
		assert_int_equal(ipv6_l4_checksum(b + 8, b + 24, IPV6_NH_UDP, b + 40, r - 40), 0);
		/* Server ID, Client ID, then: */
		size_t at = 52 + 16 + 14;
		if (type == DHCP6_MSG_RELEASE) {
			assert_int_equal(r, at + 6); /* Status Code Success only */
			assert_int_equal(load_be16(b + at), DHCP6_OPT_STATUS_CODE);
			assert_int_equal(load_be16(b + at + 4), DHCP6_STATUS_SUCCESS);
		} else {
			assert_int_equal(load_be16(b + at), DHCP6_OPT_IA_PD);
			assert_memory_equal(b + at, pd_reply_expected + 86, 45); /* its IA_PD */
		}
	}
	/* a Rebind without one is fine */
	memcpy(m, pd_solicit, len);
	m[48] = DHCP6_MSG_REBIND;
	fix(m, len, UDP_CSUM, IPV6_NH_UDP);
	assert_int_equal(dhcp6_parse_pd(m, len, 1, &req), ND_OK);
	/* a Release without IA_PD is fine, a Renew without is not */
	memcpy(m, pd_solicit, len);
	store_be16(m + 76, 99); /* IA_PD becomes an unknown option */
	m[48] = DHCP6_MSG_RELEASE;
	n = pd_append(m, len, DHCP6_OPT_SERVERID, duid, sizeof(duid));
	assert_int_equal(dhcp6_parse_pd(m, n, 1, &req), ND_OK);
	assert_int_equal(req.n_ia_pd, 0);
	m[48] = DHCP6_MSG_RENEW;
	fix(m, n, UDP_CSUM, IPV6_NH_UDP);
	assert_int_equal(dhcp6_parse_pd(m, n, 1, &req), ND_ERR_NO_IA_PD);
}

/* Two IA_PDs: the first gets the prefix, the second NoPrefixAvail; the
 * same IAID twice and more than DHCP6_IA_PD_MAX are refused. */
static void pd_several_ia(void **state)
{
	(void)state;
	struct dhcp6_pd_request req;
	struct dhcp6_pd_params p = pd_params();
	uint8_t b[512], m[512], ia[12] = { 0, 0, 0, 2 };
	size_t n = sizeof(pd_solicit);

	memcpy(m, pd_solicit, n);
	n = pd_append(m, n, DHCP6_OPT_IA_PD, ia, sizeof(ia));
	assert_int_equal(dhcp6_parse_pd(m, n, 1, &req), ND_OK);
	assert_int_equal(req.n_ia_pd, 2);
	size_t r = dhcp6_build_pd_reply(&req, &p, b, sizeof(b));
	assert_int_equal(r, sizeof(pd_reply_expected) + 4 + 12 + 6);
	static const uint8_t second[] = { 0x00, 0x19, 0x00, 0x12, 0x00, 0x00, 0x00, 0x02,
					  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
					  0x00, 0x0d, 0x00, 0x02, 0x00, 0x06 };
	assert_memory_equal(b + sizeof(pd_reply_expected), second, sizeof(second));
	size_t two = n;
	ia[3] = 1; /* IAID 1 again */
	n = pd_append(m, two, DHCP6_OPT_IA_PD, ia, sizeof(ia));
	assert_int_equal(dhcp6_parse_pd(m, n, 1, &req), ND_ERR_OPTION);
	n = two;
	for (uint8_t id = 3; id <= DHCP6_IA_PD_MAX + 1; id++) {
		ia[3] = id;
		n = pd_append(m, n, DHCP6_OPT_IA_PD, ia, sizeof(ia));
	}
	assert_int_equal(dhcp6_parse_pd(m, n, 1, &req), ND_ERR_NO_IA_PD);
	assert_int_equal(req.n_ia_pd, 0);
}

static enum nd_error pd(const uint8_t *b, size_t len)
{
	struct dhcp6_pd_request r;
	return dhcp6_parse_pd(b, len, 1, &r);
}

static void pd_bad(void **state)
{
	(void)state;
	uint8_t b[256];
	const size_t n = sizeof(pd_solicit);

#define MUT(stmt, refix, want)                                                       \
	do {                                                                         \
		memcpy(b, pd_solicit, n);                                            \
		stmt;                                                                \
		if (refix)                                                           \
			fix(b, n, UDP_CSUM, IPV6_NH_UDP);                            \
		assert_int_equal(pd(b, n), want);                                    \
	} while (0)

	assert_int_equal(pd(pd_solicit, n - 1), ND_ERR_LENGTH);
	assert_int_equal(pd(ir_good, sizeof(ir_good)), ND_ERR_MSG_TYPE); /* Information-Request */
	MUT(b[48] = 4, true, ND_ERR_MSG_TYPE);                          /* Confirm */
	MUT(b[48] = DHCP6_MSG_ADVERTISE, true, ND_ERR_MSG_TYPE);        /* a server's */
	MUT(b[47] ^= 1, false, ND_ERR_CHECKSUM);
	MUT(store_be16(b + 46, 0), false, ND_ERR_CHECKSUM);
	MUT(b[8] = 0x20, true, ND_ERR_SOURCE);
	MUT(store_be16(b + 42, 546), true, ND_ERR_PORT);
	MUT(store_be16(b + 52, 99), true, ND_ERR_NO_CLIENT_ID);          /* Client ID unknown */
	MUT(store_be16(b + 54, 2), true, ND_ERR_OPTION);                 /* Client ID of 2 */
	MUT(store_be16(b + 76, 99), true, ND_ERR_NO_IA_PD);              /* IA_PD unknown */
	MUT(store_be16(b + 74, 2), true, ND_ERR_OPTION);                 /* Rapid Commit with data */
	MUT(store_be32(b + 84, 10); store_be32(b + 88, 5), true, ND_ERR_OPTION); /* T1 > T2 */
	MUT(store_be32(b + 84, 10), true, ND_OK);                        /* T2 0: ours to pick */
	MUT(store_be16(b + 94, 24), true, ND_ERR_OPTION);                /* IA Prefix short */
	MUT(b[104] = 129, true, ND_ERR_OPTION);                          /* prefix length */
	MUT(store_be16(b + 78, 11), true, ND_ERR_OPTION);                /* IA_PD under 12 */
	MUT(store_be16(b + 78, 200), true, ND_ERR_OPTION);               /* past the end */
	MUT(store_be16(b + 123, 7), true, ND_ERR_OPTION);                /* ORO past the end */
	/* a message of only type and transaction ID: no Client ID */
	memcpy(b, pd_solicit, 52);
	store_be16(b + 4, 12);
	store_be16(b + 44, 12);
	fix(b, 52, UDP_CSUM, IPV6_NH_UDP);
	assert_int_equal(pd(b, 52), ND_ERR_NO_CLIENT_ID);
#undef MUT
}

static void names(void **state)
{
	(void)state;
	for (int e = 0; e < ND_ERR_COUNT; e++)
		assert_string_not_equal(nd_error_name((enum nd_error)e), "unknown");
	assert_string_equal(nd_error_name(ND_ERR_HOP_LIMIT), "hop-limit");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ra_field_by_field),
		cmocka_unit_test(ra_solicited_masked_minimal),
		cmocka_unit_test(ra_invalid_params),
		cmocka_unit_test(rs_parsed),
		cmocka_unit_test(rs_bad),
		cmocka_unit_test(info_request_to_reply),
		cmocka_unit_test(reply_only_what_was_asked),
		cmocka_unit_test(info_request_bad),
		cmocka_unit_test(pd_solicit_to_reply),
		cmocka_unit_test(pd_other_messages),
		cmocka_unit_test(pd_several_ia),
		cmocka_unit_test(pd_bad),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
