#include "common/gre.h"

#include "common/buf.h"
#include "common/ipv4.h"

/*
 * The header is judged by ipv4_parse(), the one IPv4 parser; GRE adds its
 * own policy (protocol 47, a whole datagram) and keeps its error codes, which
 * are logged and counted by name.
 */
enum gre_err gre_skip_ipv4(const uint8_t *pkt, size_t len, struct ipv4_info *ip)
{
	struct ipv4_hdr h;

	switch (ipv4_parse(pkt, len, false, &h)) {
	case IPV4_OK:
		break;
	case IPV4_BAD_VERSION:
		return GRE_E_IP_VERSION;
	case IPV4_BAD_IHL:
		/* *h is the header as sent: which length the IHL disagrees with */
		if (h.hlen < IPV4_MIN_HLEN)
			return GRE_E_IP_IHL;
		return h.hlen > len ? GRE_E_IP_SHORT : GRE_E_IP_LENGTH;
	case IPV4_BAD_LEN:
		return GRE_E_IP_LENGTH;
	default:           /* IPV4_SHORT: nothing else without a checksum check */
		return GRE_E_IP_SHORT;
	}
	if (h.proto != GRE_IPPROTO)
		return GRE_E_IP_PROTO;
	if (ipv4_is_fragment(&h))
		return GRE_E_IP_FRAGMENT;
	ip->hdr_len = h.hlen;
	ip->total_len = h.tot_len;
	ip->src = h.src;
	ip->dst = h.dst;
	return GRE_OK;
}

enum gre_err gre_parse(const uint8_t *pkt, size_t len, struct gre_hdr *h, size_t *hdr_len)
{
	struct rbuf r;
	uint8_t f0, f1;
	uint16_t proto;

	rbuf_init(&r, pkt, len);
	h->has_seq = h->has_ack = false;
	h->seq = h->ack = 0;
	rbuf_u8(&r, &f0);
	rbuf_u8(&r, &f1);
	rbuf_be16(&r, &proto);
	if (!rbuf_ok(&r))
		return GRE_E_SHORT;
	if ((f1 & GRE_VER_MASK) != GRE_VERSION_PPTP)
		return GRE_E_VERSION;
	if (proto != GRE_PROTO_PPTP)
		return GRE_E_PROTO;
	if (f0 & GRE_FLAG_C)
		return GRE_E_CHECKSUM;
	if (f0 & GRE_FLAG_R)
		return GRE_E_ROUTING;
	if (!(f0 & GRE_FLAG_K))
		return GRE_E_NO_KEY;
	if (f0 & GRE_FLAG_SSR)
		return GRE_E_STRICT_ROUTE;
	if (f0 & GRE_RECUR_MASK)
		return GRE_E_RECURSION;

	h->has_seq = (f0 & GRE_FLAG_S) != 0;
	h->has_ack = (f1 & GRE_FLAG_A) != 0;
	rbuf_be16(&r, &h->payload_len);
	rbuf_be16(&r, &h->call_id);
	if (h->has_seq)
		rbuf_be32(&r, &h->seq);
	if (h->has_ack)
		rbuf_be32(&r, &h->ack);
	if (!rbuf_ok(&r))
		return GRE_E_SHORT;
	if (h->payload_len > rbuf_left(&r))
		return GRE_E_PAYLOAD_LEN;
	*hdr_len = r.off;
	return GRE_OK;
}

size_t gre_build(uint8_t *dst, size_t cap, const struct gre_hdr *h)
{
	size_t n = gre_hdr_len(h->has_seq, h->has_ack);
	struct wbuf w;

	if (cap < n)
		return 0;
	wbuf_init(&w, dst, cap);
	wbuf_u8(&w, (uint8_t)(GRE_FLAG_K | (h->has_seq ? GRE_FLAG_S : 0)));
	wbuf_u8(&w, (uint8_t)((h->has_ack ? GRE_FLAG_A : 0) | GRE_VERSION_PPTP));
	wbuf_be16(&w, GRE_PROTO_PPTP);
	wbuf_be16(&w, h->payload_len);
	wbuf_be16(&w, h->call_id);
	if (h->has_seq)
		wbuf_be32(&w, h->seq);
	if (h->has_ack)
		wbuf_be32(&w, h->ack);
	return wbuf_ok(&w) ? w.len : 0;
}

bool gre_hdr_equal(const struct gre_hdr *a, const struct gre_hdr *b)
{
	return a->payload_len == b->payload_len && a->call_id == b->call_id &&
	       a->has_seq == b->has_seq && a->has_ack == b->has_ack &&
	       (!a->has_seq || a->seq == b->seq) && (!a->has_ack || a->ack == b->ack);
}

const char *gre_err_name(enum gre_err err)
{
	switch (err) {
	case GRE_OK:             return "ok";
	case GRE_E_SHORT:        return "short-header";
	case GRE_E_VERSION:      return "bad-version";
	case GRE_E_PROTO:        return "bad-protocol";
	case GRE_E_NO_KEY:       return "no-key";
	case GRE_E_CHECKSUM:     return "checksum-present";
	case GRE_E_ROUTING:      return "routing-present";
	case GRE_E_STRICT_ROUTE: return "strict-source-route";
	case GRE_E_RECURSION:    return "recursion";
	case GRE_E_PAYLOAD_LEN:  return "payload-length";
	case GRE_E_IP_SHORT:     return "ip-short";
	case GRE_E_IP_VERSION:   return "ip-version";
	case GRE_E_IP_IHL:       return "ip-ihl";
	case GRE_E_IP_LENGTH:    return "ip-total-length";
	case GRE_E_IP_PROTO:     return "ip-protocol";
	case GRE_E_IP_FRAGMENT:  return "ip-fragment";
	}
	return "unknown-error";
}
