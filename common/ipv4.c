#include "common/ipv4.h"

#include <string.h>

#include "common/buf.h"

#define TCP_MIN_HLEN   20
#define TCP_FLAG_SYN   0x02u
#define OPT_EOL        0      /* IPv4 and TCP options alike */
#define OPT_NOP        1
#define TCPOPT_MSS     2
#define IPOPT_COPY     0x80u
#define ICMP_UNREACH   3
#define ICMP_FRAG_NEED 4

const char *ipv4_err_name(enum ipv4_err e)
{
	switch (e) {
	case IPV4_OK:          return "ok";
	case IPV4_SHORT:       return "short";
	case IPV4_BAD_VERSION: return "bad-version";
	case IPV4_BAD_IHL:     return "bad-ihl";
	case IPV4_BAD_LEN:     return "bad-length";
	case IPV4_BAD_CSUM:    return "bad-checksum";
	case IPV4_BAD_OPTS:    return "bad-options";
	case IPV4_BAD_TCP:     return "bad-tcp";
	case IPV4_DF:          return "dont-fragment";
	case IPV4_BAD_MTU:     return "bad-mtu";
	case IPV4_NO_ROOM:     return "no-room";
	case IPV4_NO_ICMP:     return "no-icmp";
	}
	return "?";
}

/* The folded 16-bit one's complement sum of len bytes, seeded with sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += load_be16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

uint16_t ipv4_checksum(const void *data, size_t len)
{
	return (uint16_t)~csum_add(0, data, len);
}

/* RFC 1624 eqn. 3: the checksum after one 16-bit word changed m -> mn:
 * HC' = ~(~HC + ~m + m'). */
static uint16_t csum_update16(uint16_t hc, uint16_t m, uint16_t mn)
{
	uint32_t sum = (uint16_t)~hc;
	sum += (uint16_t)~m;
	sum += mn;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

enum ipv4_err ipv4_parse(const uint8_t *pkt, size_t len, bool check_csum, struct ipv4_hdr *h)
{
	struct rbuf r;
	uint8_t vihl;

	rbuf_init(&r, pkt, len);
	rbuf_u8(&r, &vihl);
	rbuf_u8(&r, &h->tos);
	rbuf_be16(&r, &h->tot_len);
	rbuf_be16(&r, &h->id);
	rbuf_be16(&r, &h->frag);
	rbuf_u8(&r, &h->ttl);
	rbuf_u8(&r, &h->proto);
	rbuf_skip(&r, 2);              /* header checksum: over the bytes, below */
	rbuf_be32(&r, &h->src);
	rbuf_be32(&r, &h->dst);
	if (!rbuf_ok(&r))
		return IPV4_SHORT;
	/* From here on *h holds the header as sent, whatever the verdict. */
	h->hlen = (uint8_t)((vihl & 0x0f) * 4);
	if (vihl >> 4 != 4)
		return IPV4_BAD_VERSION;
	if (h->hlen < IPV4_MIN_HLEN || h->hlen > len || h->hlen > h->tot_len)
		return IPV4_BAD_IHL;
	if (h->tot_len > len)
		return IPV4_BAD_LEN;
	if (check_csum && ipv4_checksum(pkt, h->hlen) != 0)
		return IPV4_BAD_CSUM;
	return IPV4_OK;
}

/* ---- option lists ---- */

/*
 * IPv4 (RFC 791) and TCP (RFC 793) options share one format: EOL ends the
 * list, NOP is a single byte, any other option is kind, length (counting
 * both bytes, so at least 2) and data.
 */
enum opt_step {
	OPT_FOUND,      /* *at: where the option starts, *olen: its length */
	OPT_END,        /* EOL or the end of the list */
	OPT_MALFORMED,  /* a length byte missing, below 2 or past the list */
};

/* The next option other than NOP in p[*i .. n); *i moves past it. */
static enum opt_step next_option(const uint8_t *p, size_t n, size_t *i, size_t *at,
				 uint8_t *olen)
{
	while (*i < n && p[*i] == OPT_NOP)
		(*i)++;
	if (*i >= n || p[*i] == OPT_EOL)
		return OPT_END;
	if (n - *i < 2)
		return OPT_MALFORMED;
	uint8_t len = p[*i + 1];
	if (len < 2 || len > n - *i)
		return OPT_MALFORMED;
	*at = *i;
	*olen = len;
	*i += len;
	return OPT_FOUND;
}

/* ---- TCP MSS clamping ---- */

/* Replace the 16-bit value at byte offset at (from the TCP header start,
 * within the header) and fix the checksum at tcp+16 incrementally. The
 * checksum sums words aligned to the TCP header, so a value at an odd
 * offset straddles two words and both are updated. */
static void tcp_put16(uint8_t *tcp, size_t at, uint16_t v)
{
	uint16_t ck = load_be16(tcp + 16);
	size_t w = at & ~(size_t)1;
	size_t nw = at & 1 ? 2 : 1; /* words touched */
	uint16_t old[2], nu[2];
	for (size_t i = 0; i < nw; i++)
		old[i] = load_be16(tcp + w + 2 * i);
	store_be16(tcp + at, v);
	for (size_t i = 0; i < nw; i++) {
		nu[i] = load_be16(tcp + w + 2 * i);
		ck = csum_update16(ck, old[i], nu[i]);
	}
	store_be16(tcp + 16, ck);
}

enum ipv4_mss ipv4_clamp_mss(uint8_t *pkt, size_t len, uint16_t mss)
{
	struct ipv4_hdr h;
	if (ipv4_parse(pkt, len, false, &h) != IPV4_OK)
		return IPV4_MSS_MALFORMED;
	if (h.proto != IPV4_PROTO_TCP || (h.frag & IPV4_FRAG_MASK) != 0)
		return IPV4_MSS_SKIPPED;
	uint8_t *tcp = pkt + h.hlen;
	size_t tlen = (size_t)h.tot_len - h.hlen;
	if (tlen < TCP_MIN_HLEN)
		return IPV4_MSS_MALFORMED;
	size_t thlen = (size_t)(tcp[12] >> 4) * 4;
	if (thlen < TCP_MIN_HLEN || thlen > tlen)
		return IPV4_MSS_MALFORMED;
	if (!(tcp[13] & TCP_FLAG_SYN))
		return IPV4_MSS_SKIPPED;

	/* Walk the options; a malformed list is left alone as a whole. */
	size_t mss_at = 0, i = TCP_MIN_HLEN, at;
	uint8_t olen;
	enum opt_step step;
	while ((step = next_option(tcp, thlen, &i, &at, &olen)) == OPT_FOUND) {
		if (tcp[at] != TCPOPT_MSS)
			continue;
		if (olen != 4)
			return IPV4_MSS_MALFORMED;
		if (!mss_at)
			mss_at = at + 2;
	}
	if (step == OPT_MALFORMED)
		return IPV4_MSS_MALFORMED;
	if (!mss_at || load_be16(tcp + mss_at) <= mss)
		return IPV4_MSS_UNCHANGED;
	tcp_put16(tcp, mss_at, mss);
	return IPV4_MSS_CLAMPED;
}

/* ---- fragmentation ---- */

/* Write into dst the options of a non-first fragment: those of opts with the
 * copy flag, padded with EOL to a multiple of 4. The length, or -1 if the
 * option list is malformed. */
static int copied_options(const uint8_t *opts, size_t n, uint8_t *dst)
{
	size_t i = 0, o = 0, at;
	uint8_t olen;
	enum opt_step step;
	while ((step = next_option(opts, n, &i, &at, &olen)) == OPT_FOUND) {
		if (opts[at] & IPOPT_COPY) {
			memcpy(dst + o, opts + at, olen);
			o += olen;
		}
	}
	if (step == OPT_MALFORMED)
		return -1;
	while (o % 4)
		dst[o++] = OPT_EOL;
	return (int)o;
}

static void put_header(uint8_t *dst, const uint8_t *orig, const uint8_t *opts, size_t optlen,
		       size_t payload, uint16_t frag)
{
	size_t hlen = IPV4_MIN_HLEN + optlen;
	memcpy(dst, orig, IPV4_MIN_HLEN);
	memcpy(dst + IPV4_MIN_HLEN, opts, optlen);
	dst[0] = (uint8_t)(0x40 | hlen / 4);
	store_be16(dst + 2, (uint16_t)(hlen + payload));
	store_be16(dst + 6, frag);
	store_be16(dst + 10, 0);
	store_be16(dst + 10, ipv4_checksum(dst, hlen));
}

enum ipv4_err ipv4_fragment(const uint8_t *pkt, size_t len, unsigned mtu,
			    struct ipv4_frag *out, size_t nout, size_t *nfrag)
{
	struct ipv4_hdr h;
	enum ipv4_err e = ipv4_parse(pkt, len, false, &h);
	*nfrag = 0;
	if (e != IPV4_OK)
		return e;
	if (mtu < IPV4_MIN_MTU)
		return IPV4_BAD_MTU;
	if (h.tot_len <= mtu) {
		if (nout < 1 || out[0].cap < h.tot_len)
			return IPV4_NO_ROOM;
		memcpy(out[0].buf, pkt, h.tot_len);
		out[0].len = h.tot_len;
		*nfrag = 1;
		return IPV4_OK;
	}
	if (h.frag & IPV4_FLAG_DF)
		return IPV4_DF;

	const uint8_t *opts = pkt + IPV4_MIN_HLEN;
	size_t optlen = h.hlen - IPV4_MIN_HLEN;
	uint8_t later_opts[IPV4_MAX_HLEN - IPV4_MIN_HLEN];
	int lo = copied_options(opts, optlen, later_opts);
	if (lo < 0)
		return IPV4_BAD_OPTS;
	/* Payload per fragment: what fits after the header, in 8-byte units. */
	size_t first_room = (mtu - h.hlen) & ~(size_t)7;
	size_t later_room = (mtu - IPV4_MIN_HLEN - (size_t)lo) & ~(size_t)7;
	if (first_room == 0 || later_room == 0)
		return IPV4_BAD_MTU;

	const uint8_t *data = pkt + h.hlen;
	size_t total = (size_t)h.tot_len - h.hlen;
	size_t base = (size_t)(h.frag & IPV4_FRAG_MASK) * 8;
	bool last_mf = (h.frag & IPV4_FLAG_MF) != 0;
	uint16_t keep = h.frag & (uint16_t)~(IPV4_FLAG_MF | IPV4_FRAG_MASK); /* reserved bit */

	/* Check every output buffer before writing any. */
	size_t n = 0;
	for (size_t off = 0; off < total; n++) {
		size_t room = n == 0 ? first_room : later_room;
		size_t hl = n == 0 ? h.hlen : IPV4_MIN_HLEN + (size_t)lo;
		size_t chunk = total - off < room ? total - off : room;
		if (n >= nout || out[n].cap < hl + chunk)
			return IPV4_NO_ROOM;
		off += chunk;
	}
	if ((base + total + 7) / 8 > IPV4_FRAG_MASK + 1u)
		return IPV4_BAD_LEN;

	size_t off = 0;
	for (size_t k = 0; k < n; k++) {
		size_t room = k == 0 ? first_room : later_room;
		size_t chunk = total - off < room ? total - off : room;
		bool more = off + chunk < total || last_mf;
		uint16_t frag = keep | (uint16_t)((base + off) / 8);
		if (more)
			frag |= IPV4_FLAG_MF;
		const uint8_t *o = k == 0 ? opts : later_opts;
		size_t ol = k == 0 ? optlen : (size_t)lo;
		put_header(out[k].buf, pkt, o, ol, chunk, frag);
		memcpy(out[k].buf + IPV4_MIN_HLEN + ol, data + off, chunk);
		out[k].len = IPV4_MIN_HLEN + ol + chunk;
		off += chunk;
	}
	*nfrag = n;
	return IPV4_OK;
}

/* ---- ICMP Fragmentation Needed ---- */

static bool icmp_is_error(uint8_t type)
{
	/* Destination Unreachable, Source Quench, Redirect, Time Exceeded,
	 * Parameter Problem. */
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

enum ipv4_err ipv4_icmp_frag_needed(const uint8_t *pkt, size_t len, uint32_t src,
				    uint16_t mtu, uint8_t *out, size_t cap, size_t *outlen)
{
	struct ipv4_hdr h;
	enum ipv4_err e = ipv4_parse(pkt, len, false, &h);
	*outlen = 0;
	if (e != IPV4_OK)
		return e;
	if ((h.frag & IPV4_FRAG_MASK) != 0)
		return IPV4_NO_ICMP;
	if (h.src == 0 || h.src == UINT32_MAX || (h.src >> 28) == 0xe)
		return IPV4_NO_ICMP;
	size_t plen = (size_t)h.tot_len - h.hlen;
	if (h.proto == IPV4_PROTO_ICMP) {
		/* Never answer an ICMP error (and a truncated ICMP is not answered). */
		if (plen < 1 || icmp_is_error(pkt[h.hlen]))
			return IPV4_NO_ICMP;
	}
	size_t quote = h.hlen + (plen < 8 ? plen : 8);
	size_t total = IPV4_MIN_HLEN + 8 + quote;

	struct wbuf w;
	wbuf_init(&w, out, cap);
	wbuf_u8(&w, 0x45);
	wbuf_u8(&w, 0xc0);             /* precedence: internetwork control */
	wbuf_be16(&w, (uint16_t)total);
	wbuf_be16(&w, 0);              /* id */
	wbuf_be16(&w, 0);              /* flags, offset */
	wbuf_u8(&w, 64);               /* ttl */
	wbuf_u8(&w, IPV4_PROTO_ICMP);
	wbuf_be16(&w, 0);              /* header checksum, below */
	wbuf_be32(&w, src);
	wbuf_be32(&w, h.src);
	wbuf_u8(&w, ICMP_UNREACH);
	wbuf_u8(&w, ICMP_FRAG_NEED);
	wbuf_be16(&w, 0);              /* ICMP checksum, below */
	wbuf_be16(&w, 0);              /* unused */
	wbuf_be16(&w, mtu);            /* next-hop MTU (RFC 1191) */
	wbuf_bytes(&w, pkt, quote);
	if (!wbuf_ok(&w))
		return IPV4_NO_ROOM;
	store_be16(out + 10, ipv4_checksum(out, IPV4_MIN_HLEN));
	store_be16(out + IPV4_MIN_HLEN + 2, ipv4_checksum(out + IPV4_MIN_HLEN, 8 + quote));
	*outlen = total;
	return IPV4_OK;
}

/* ---- address ranges as CIDR blocks ---- */

size_t ipv4_range_cidrs(uint32_t first, uint32_t last, struct ipv4_cidr *out, size_t max)
{
	size_t n = 0;
	if (first > last)
		return 0;
	uint64_t a = first;
	while (a <= last) {
		/* The largest block aligned at a that does not pass last. */
		unsigned bits = a ? (unsigned)__builtin_ctzll(a) : 32;
		if (bits > 32)
			bits = 32;
		while (bits && a + (UINT64_C(1) << bits) - 1 > last)
			bits--;
		if (n < max) {
			out[n].addr = (uint32_t)a;
			out[n].len = (uint8_t)(32 - bits);
		}
		n++;
		a += UINT64_C(1) << bits;
	}
	return n;
}
