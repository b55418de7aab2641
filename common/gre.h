/*
 * Enhanced GRE (RFC 2637 section 4.1), the PPTP data channel, and the IPv4
 * header in front of it as a raw IPPROTO_GRE socket delivers it.
 *
 *   byte 0: C R K S s Recur(3)   byte 1: A Flags(4) Ver(3)   bytes 2-3: 0x880B
 *   bytes 4-5: payload length    bytes 6-7: call ID
 *   [sequence number, if S]      [acknowledgement number, if A]
 *
 * gre_parse() accepts only what PPTP sends: version 1, protocol 0x880B, K
 * set, C, R and s clear, recursion 0. The four reserved Flags bits are
 * ignored. The payload length must fit in the bytes after the header;
 * trailing bytes beyond it are accepted and ignored (the payload is the
 * declared length). Whether a payload without S, or S without a payload,
 * is acceptable is the caller's policy: both parse.
 *
 * gre_build() writes a header into caller memory without allocating. To
 * send without copying, keep GRE_HDR_MAX bytes of headroom in front of the
 * PPP frame and build the header at frame - gre_hdr_len(has_seq, has_ack).
 *
 * Plain functions over caller buffers: nothing is kept.
 */
#ifndef PPTP_COMMON_GRE_H
#define PPTP_COMMON_GRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GRE_IPPROTO      47
#define GRE_PROTO_PPTP   0x880B
#define GRE_VERSION_PPTP 1
#define GRE_HDR_MIN      8
#define GRE_HDR_MAX      16

/* Byte 0 */
#define GRE_FLAG_C       0x80u  /* checksum present */
#define GRE_FLAG_R       0x40u  /* routing present */
#define GRE_FLAG_K       0x20u  /* key present */
#define GRE_FLAG_S       0x10u  /* sequence number present */
#define GRE_FLAG_SSR     0x08u  /* strict source route */
#define GRE_RECUR_MASK   0x07u
/* Byte 1 */
#define GRE_FLAG_A       0x80u  /* acknowledgement number present */
#define GRE_VER_MASK     0x07u

enum gre_err {
	GRE_OK = 0,
	GRE_E_SHORT,          /* fewer bytes than the header its flags announce */
	GRE_E_VERSION,        /* version is not 1 */
	GRE_E_PROTO,          /* protocol type is not 0x880B */
	GRE_E_NO_KEY,         /* K bit clear */
	GRE_E_CHECKSUM,       /* C bit set */
	GRE_E_ROUTING,        /* R bit set */
	GRE_E_STRICT_ROUTE,   /* s bit set */
	GRE_E_RECURSION,      /* recursion control not 0 */
	GRE_E_PAYLOAD_LEN,    /* payload length beyond the packet */
	GRE_E_IP_SHORT,       /* fewer than 20 bytes, or than IHL says */
	GRE_E_IP_VERSION,     /* not IPv4 */
	GRE_E_IP_IHL,         /* IHL < 5 */
	GRE_E_IP_LENGTH,      /* total length < IHL * 4 or > bytes received */
	GRE_E_IP_PROTO,       /* protocol is not 47 */
	GRE_E_IP_FRAGMENT,    /* MF set or fragment offset non-zero */
};

struct gre_hdr {
	uint16_t payload_len;
	uint16_t call_id;      /* the receiver's call ID */
	bool has_seq;
	bool has_ack;
	uint32_t seq;          /* valid if has_seq */
	uint32_t ack;          /* valid if has_ack */
};

struct ipv4_info {
	size_t hdr_len;        /* IHL * 4: GRE starts here */
	size_t total_len;      /* IPv4 total length; bytes after it are ignored */
	uint32_t src;          /* host byte order */
	uint32_t dst;
};

static inline size_t gre_hdr_len(bool has_seq, bool has_ack)
{
	return GRE_HDR_MIN + (has_seq ? 4u : 0u) + (has_ack ? 4u : 0u);
}

/*
 * Check the IPv4 header at pkt (len bytes, as read from a raw socket) with
 * ipv4_parse() (common/ipv4.h), then GRE's policy: protocol 47, not a
 * fragment. Fills *ip on GRE_OK only. The GRE packet is pkt + ip->hdr_len,
 * ip->total_len - ip->hdr_len bytes. The header checksum is not verified
 * (the kernel did).
 */
enum gre_err gre_skip_ipv4(const uint8_t *pkt, size_t len, struct ipv4_info *ip);

/*
 * Parse the GRE header at pkt (len bytes). On success *hdr_len is 8, 12 or
 * 16 and the payload is pkt[*hdr_len .. *hdr_len + h->payload_len).
 */
enum gre_err gre_parse(const uint8_t *pkt, size_t len, struct gre_hdr *h, size_t *hdr_len);

/*
 * Write the header for h into dst (cap bytes): K always, S if has_seq, A if
 * has_ack. Returns gre_hdr_len(h->has_seq, h->has_ack), or 0 if cap is
 * too small (nothing written then).
 */
size_t gre_build(uint8_t *dst, size_t cap, const struct gre_hdr *h);

/* Field-by-field equality (seq/ack compared only when present). */
bool gre_hdr_equal(const struct gre_hdr *a, const struct gre_hdr *b);

/* Short name of an error, for logs. */
const char *gre_err_name(enum gre_err err);

#endif
