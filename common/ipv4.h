/*
 * Pure helpers over IPv4 packets in caller buffers, for the data path
 * between PPP sessions and tun:
 *
 *   ipv4_parse          validate a header (version, IHL, total length against
 *                       the buffer, optionally the header checksum) into a
 *                       host struct;
 *   ipv4_clamp_mss      lower the TCP MSS option of a SYN or SYN-ACK in place,
 *                       fixing the TCP checksum incrementally (RFC 1624);
 *   ipv4_fragment       split a datagram whose DF bit is clear into fragments
 *                       no longer than an MTU (RFC 791);
 *   ipv4_icmp_frag_needed
 *                       the ICMP Destination Unreachable / Fragmentation
 *                       Needed error (type 3 code 4, RFC 1191) for a datagram
 *                       with DF set. Rate limiting is the caller's.
 *
 * Nothing here trusts a header field: every read is checked against the
 * buffer (through rbuf or an explicit length test) and a malformed packet is
 * left untouched and reported through enum ipv4_err. Bytes after the IPv4
 * total length in the buffer are ignored (link padding). Addresses are
 * host order. Nothing is kept between calls; nothing allocates.
 */
#ifndef PPTP_COMMON_IPV4_H
#define PPTP_COMMON_IPV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPV4_MIN_HLEN   20
#define IPV4_MAX_HLEN   60
#define IPV4_MIN_MTU    68   /* RFC 791: every host must take this unfragmented */
#define IPV4_PROTO_ICMP 1
#define IPV4_PROTO_TCP  6
#define IPV4_PROTO_UDP  17

#define IPV4_FLAG_DF    0x4000u
#define IPV4_FLAG_MF    0x2000u
#define IPV4_FRAG_MASK  0x1fffu  /* fragment offset, in units of 8 bytes */

/* Room an ICMP Fragmentation Needed message may take. */
#define IPV4_ICMP_ERR_MAX (IPV4_MIN_HLEN + 8 + IPV4_MAX_HLEN + 8)

enum ipv4_err {
	IPV4_OK = 0,
	IPV4_SHORT,        /* buffer shorter than a header */
	IPV4_BAD_VERSION,  /* version is not 4 */
	IPV4_BAD_IHL,      /* IHL < 5, or past the buffer or the total length */
	IPV4_BAD_LEN,      /* total length larger than the buffer */
	IPV4_BAD_CSUM,     /* header checksum wrong */
	IPV4_BAD_OPTS,     /* IP options malformed (fragmenting needs them) */
	IPV4_BAD_TCP,      /* TCP header or options truncated or malformed */
	IPV4_DF,           /* must be fragmented but DF is set */
	IPV4_BAD_MTU,      /* MTU below 68, or too small for header + 8 bytes */
	IPV4_NO_ROOM,      /* too few or too small output buffers */
	IPV4_NO_ICMP,      /* no ICMP error may be sent about this packet */
};

/* The decoded fixed header. */
struct ipv4_hdr {
	uint8_t hlen;      /* header length in bytes (IHL * 4) */
	uint8_t tos;
	uint16_t tot_len;  /* the datagram's length, <= the buffer */
	uint16_t id;
	uint16_t frag;     /* flags and offset as on the wire */
	uint8_t ttl;
	uint8_t proto;
	uint32_t src;
	uint32_t dst;
};

static inline bool ipv4_is_fragment(const struct ipv4_hdr *h)
{
	return (h->frag & (IPV4_FLAG_MF | IPV4_FRAG_MASK)) != 0;
}

/* One output buffer of ipv4_fragment(). */
struct ipv4_frag {
	uint8_t *buf;
	size_t cap;
	size_t len;        /* set on success */
};

enum ipv4_mss {
	IPV4_MSS_CLAMPED,    /* the option was lowered */
	IPV4_MSS_UNCHANGED,  /* a SYN whose MSS is already <= the limit, or no MSS option */
	IPV4_MSS_SKIPPED,    /* not TCP, not a SYN, or a non-first fragment */
	IPV4_MSS_MALFORMED,  /* IPv4 or TCP header malformed: left untouched */
};

const char *ipv4_err_name(enum ipv4_err e);

/* The Internet checksum (RFC 1071) of len bytes, ready to store: 0 when run
 * over data that already holds its correct checksum. */
uint16_t ipv4_checksum(const void *data, size_t len);

/* Decode and check the header of the datagram at pkt. Past IPV4_SHORT, *h
 * holds the fixed header as sent even when it is refused (hlen = IHL * 4,
 * which may be below 20 or beyond the buffer or the total length), so a
 * caller with its own error codes can tell which length was wrong. */
enum ipv4_err ipv4_parse(const uint8_t *pkt, size_t len, bool check_csum, struct ipv4_hdr *h);

/* Lower the MSS option of a TCP SYN (or SYN-ACK) to mss if it is larger. Only
 * for TCP packets at fragment offset 0 with a full TCP header. */
enum ipv4_mss ipv4_clamp_mss(uint8_t *pkt, size_t len, uint16_t mss);

/* Split the datagram at pkt into fragments of at most mtu bytes, written to
 * out[0..nout). The first fragment carries every option, the others only
 * those with the copy flag; offsets are multiples of 8 bytes, MF is set on
 * all but the last (which keeps the original MF, so a fragment may be
 * fragmented again); header checksums are computed. A datagram that fits is
 * copied as one fragment. *nfrag is the number written. IPV4_DF if it does
 * not fit and DF is set (answer with ipv4_icmp_frag_needed()). */
enum ipv4_err ipv4_fragment(const uint8_t *pkt, size_t len, unsigned mtu,
			    struct ipv4_frag *out, size_t nout, size_t *nfrag);

/* Build into out the ICMP Fragmentation Needed error about the datagram at
 * pkt: from src (the server's address) to the datagram's source, carrying
 * next-hop MTU mtu and the original header plus 8 bytes of its payload.
 * IPV4_NO_ICMP for packets RFC 1122 forbids answering: ICMP errors,
 * non-first fragments, sources that are 0, broadcast or multicast. */
enum ipv4_err ipv4_icmp_frag_needed(const uint8_t *pkt, size_t len, uint32_t src,
				    uint16_t mtu, uint8_t *out, size_t cap, size_t *outlen);

/* One CIDR block: prefix (host order, host bits zero) and length. */
struct ipv4_cidr {
	uint32_t addr;
	uint8_t len;
};

/* The fewest CIDR-aligned blocks that cover first..last exactly (inclusive,
 * host order), written to out[0..max). Returns how many are needed; when
 * that is more than max only the first max were written. At most 62. */
size_t ipv4_range_cidrs(uint32_t first, uint32_t last, struct ipv4_cidr *out, size_t max);

#endif
