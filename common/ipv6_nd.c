/*
 * Router Advertisement / Solicitation, DHCPv6 Information-Request / Reply
 * and prefix delegation codecs: see ipv6_nd.h. Parsers read through
 * struct rbuf only.
 */
#include "common/ipv6_nd.h"

#include <string.h>

#include "common/buf.h"

#define ICMPV6_HDR_LEN   4   /* type, code, checksum */
#define RS_BODY_LEN      4   /* reserved */
#define UDP_HDR_LEN      8
#define DHCP6_HDR_LEN    4   /* msg-type, transaction-id */
#define ND_OPT_UNIT      8   /* option lengths count 8-octet units */
#define DUID_LL          3
#define HWTYPE_EUI64     27  /* IANA ARP hardware type */
#define DHCP6_HOP_LIMIT  64  /* ours; link-local anyway */
#define IA_PD_FIXED_LEN  12  /* IAID, T1, T2 */
#define IA_PREFIX_FIXED_LEN 25 /* preferred, valid, length, prefix */

static const uint8_t all_nodes[IPV6_ADDR_LEN] = { 0xff, 0x02, [15] = 0x01 };
static const uint8_t all_routers[IPV6_ADDR_LEN] = { 0xff, 0x02, [15] = 0x02 };
static const uint8_t all_dhcp[IPV6_ADDR_LEN] = { 0xff, 0x02, [13] = 0x01, [15] = 0x02 };
static const uint8_t unspecified[IPV6_ADDR_LEN];

const char *nd_error_name(enum nd_error e)
{
	switch (e) {
	case ND_OK: return "ok";
	case ND_ERR_SHORT: return "short";
	case ND_ERR_VERSION: return "not-ipv6";
	case ND_ERR_LENGTH: return "bad-length";
	case ND_ERR_NEXT_HEADER: return "next-header";
	case ND_ERR_HOP_LIMIT: return "hop-limit";
	case ND_ERR_TYPE: return "not-rs";
	case ND_ERR_CODE: return "bad-code";
	case ND_ERR_CHECKSUM: return "bad-checksum";
	case ND_ERR_OPTION: return "bad-option";
	case ND_ERR_SOURCE: return "bad-source";
	case ND_ERR_DEST: return "bad-destination";
	case ND_ERR_PORT: return "bad-port";
	case ND_ERR_MSG_TYPE: return "bad-message-type";
	case ND_ERR_NOT_FOR_US: return "other-server";
	case ND_ERR_NO_CLIENT_ID: return "no-client-id";
	case ND_ERR_SERVER_ID: return "server-id";
	case ND_ERR_NO_IA_PD: return "no-ia-pd";
	case ND_ERR_COUNT: break;
	}
	return "unknown";
}

void ipv6_link_local(uint8_t out[static IPV6_ADDR_LEN], uint64_t iid)
{
	memset(out, 0, IPV6_ADDR_LEN);
	out[0] = 0xfe;
	out[1] = 0x80;
	store_be32(out + 8, (uint32_t)(iid >> 32));
	store_be32(out + 12, (uint32_t)iid);
}

static bool is_link_local(const uint8_t a[static IPV6_ADDR_LEN])
{
	return a[0] == 0xfe && (a[1] & 0xc0) == 0x80;
}

static uint64_t sum_be16(uint64_t acc, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		acc += load_be16(p + i);
	if (i < n)
		acc += (uint64_t)p[i] << 8;
	return acc;
}

uint16_t ipv6_l4_checksum(const uint8_t src[static IPV6_ADDR_LEN],
			  const uint8_t dst[static IPV6_ADDR_LEN], uint8_t next_header,
			  const uint8_t *payload, size_t len)
{
	uint64_t acc = 0;

	acc = sum_be16(acc, src, IPV6_ADDR_LEN);
	acc = sum_be16(acc, dst, IPV6_ADDR_LEN);
	acc += (uint64_t)(len >> 16) + (len & 0xffff);
	acc += next_header;
	acc = sum_be16(acc, payload, len);
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint16_t)~acc;
}

/* ---- IPv6 header ---- */

struct ip6 {
	uint8_t src[IPV6_ADDR_LEN], dst[IPV6_ADDR_LEN];
	uint8_t next_header, hop_limit;
	const uint8_t *payload;
	size_t payload_len;
};

/* The fixed header; octets past the payload length are ignored. */
static enum nd_error read_ip6(const uint8_t *pkt, size_t len, struct ip6 *h)
{
	struct rbuf r;
	uint32_t vtf = 0;
	uint16_t plen = 0;

	rbuf_init(&r, pkt, len);
	rbuf_be32(&r, &vtf);
	rbuf_be16(&r, &plen);
	rbuf_u8(&r, &h->next_header);
	rbuf_u8(&r, &h->hop_limit);
	rbuf_copy(&r, h->src, IPV6_ADDR_LEN);
	rbuf_copy(&r, h->dst, IPV6_ADDR_LEN);
	if (!rbuf_ok(&r))
		return ND_ERR_SHORT;
	if (vtf >> 28 != 6)
		return ND_ERR_VERSION;
	h->payload = rbuf_take(&r, plen);
	if (!h->payload)
		return ND_ERR_LENGTH;
	h->payload_len = plen;
	return ND_OK;
}

/* Header with payload length 0 (filled in by finish_ip6). */
static void put_ip6(struct wbuf *w, uint8_t next_header, uint8_t hop_limit,
		    const uint8_t src[static IPV6_ADDR_LEN], const uint8_t dst[static IPV6_ADDR_LEN])
{
	wbuf_be32(w, 0x60000000u);
	wbuf_be16(w, 0);
	wbuf_u8(w, next_header);
	wbuf_u8(w, hop_limit);
	wbuf_bytes(w, src, IPV6_ADDR_LEN);
	wbuf_bytes(w, dst, IPV6_ADDR_LEN);
}

/* Payload length and the checksum at csum_at (an offset in the payload). */
static size_t finish_ip6(struct wbuf *w, size_t csum_at, bool udp)
{
	size_t plen;
	uint16_t c;

	if (!wbuf_ok(w) || w->len > IPV6_HDR_LEN + 0xffff)
		return 0;
	plen = w->len - IPV6_HDR_LEN;
	wbuf_put_be16_at(w, 4, (uint16_t)plen);
	c = ipv6_l4_checksum(w->p + 8, w->p + 24, w->p[6], w->p + IPV6_HDR_LEN, plen);
	if (udp && c == 0)
		c = 0xffff; /* RFC 768: zero means no checksum */
	wbuf_put_be16_at(w, IPV6_HDR_LEN + csum_at, c);
	return wbuf_ok(w) ? w->len : 0;
}

/* The prefix with the bits past plen (<= 128) zero, as it is sent. */
static void mask_prefix(const uint8_t in[static IPV6_ADDR_LEN], unsigned plen,
			uint8_t out[static IPV6_ADDR_LEN])
{
	memset(out, 0, IPV6_ADDR_LEN);
	for (unsigned i = 0; i < IPV6_ADDR_LEN && i * 8 < plen; i++) {
		unsigned bits = plen - i * 8;
		out[i] = bits >= 8 ? in[i] : (uint8_t)(in[i] & (0xff00u >> bits));
	}
}

/* ---- Router Advertisement ---- */

size_t nd_build_ra(const struct nd_ra_params *p, uint8_t *buf, size_t cap)
{
	uint8_t src[IPV6_ADDR_LEN], prefix[IPV6_ADDR_LEN];
	const uint8_t *dst;
	struct wbuf w;

	if (p->router_iid == 0 || p->rdnss_count > ND_RDNSS_MAX || p->prefix_len > 128 ||
	    (p->prefix_len && p->preferred_s > p->valid_s))
		return 0;
	ipv6_link_local(src, p->router_iid);
	dst = memcmp(p->dst, unspecified, IPV6_ADDR_LEN) == 0 ? all_nodes : p->dst;
	wbuf_init(&w, buf, cap);
	put_ip6(&w, IPV6_NH_ICMPV6, ND_HOP_LIMIT, src, dst);
	wbuf_u8(&w, ICMPV6_ROUTER_ADVERT);
	wbuf_u8(&w, 0);
	wbuf_be16(&w, 0);
	wbuf_u8(&w, p->cur_hop_limit);
	wbuf_u8(&w, (uint8_t)((p->managed ? 0x80 : 0) | (p->other ? 0x40 : 0)));
	wbuf_be16(&w, p->router_lifetime_s);
	wbuf_be32(&w, p->reachable_ms);
	wbuf_be32(&w, p->retrans_ms);
	if (p->prefix_len) {
		mask_prefix(p->prefix, p->prefix_len, prefix);
		wbuf_u8(&w, ND_OPT_PREFIX_INFO);
		wbuf_u8(&w, 4);
		wbuf_u8(&w, p->prefix_len);
		wbuf_u8(&w, (uint8_t)((p->on_link ? 0x80 : 0) | (p->autonomous ? 0x40 : 0)));
		wbuf_be32(&w, p->valid_s);
		wbuf_be32(&w, p->preferred_s);
		wbuf_be32(&w, 0);
		wbuf_bytes(&w, prefix, IPV6_ADDR_LEN);
	}
	if (p->mtu) {
		wbuf_u8(&w, ND_OPT_MTU);
		wbuf_u8(&w, 1);
		wbuf_be16(&w, 0);
		wbuf_be32(&w, p->mtu);
	}
	if (p->rdnss_count) {
		wbuf_u8(&w, ND_OPT_RDNSS);
		wbuf_u8(&w, (uint8_t)(1 + 2 * p->rdnss_count));
		wbuf_be16(&w, 0);
		wbuf_be32(&w, p->rdnss_lifetime_s);
		for (unsigned i = 0; i < p->rdnss_count; i++)
			wbuf_bytes(&w, p->rdnss[i], IPV6_ADDR_LEN);
	}
	return finish_ip6(&w, 2, false);
}

/* ---- Router Solicitation (RFC 4861 6.1.1) ---- */

enum nd_error nd_parse_rs(const uint8_t *pkt, size_t len, struct nd_rs *out)
{
	struct ip6 h;
	struct rbuf r, o;
	uint8_t type = 0, code = 0, otype = 0, olen = 0;
	enum nd_error e;

	memset(out, 0, sizeof(*out));
	if ((e = read_ip6(pkt, len, &h)) != ND_OK)
		return e;
	if (h.next_header != IPV6_NH_ICMPV6)
		return ND_ERR_NEXT_HEADER; /* extension headers included */
	if (h.hop_limit != ND_HOP_LIMIT)
		return ND_ERR_HOP_LIMIT;
	rbuf_init(&r, h.payload, h.payload_len);
	rbuf_u8(&r, &type);
	rbuf_u8(&r, &code);
	rbuf_skip(&r, 2 + RS_BODY_LEN); /* checksum, reserved */
	if (!rbuf_ok(&r))
		return ND_ERR_SHORT;
	if (type != ICMPV6_ROUTER_SOLICIT)
		return ND_ERR_TYPE;
	if (code != 0)
		return ND_ERR_CODE;
	if (ipv6_l4_checksum(h.src, h.dst, IPV6_NH_ICMPV6, h.payload, h.payload_len) != 0)
		return ND_ERR_CHECKSUM;
	if (memcmp(h.dst, all_routers, IPV6_ADDR_LEN) != 0 && !is_link_local(h.dst))
		return ND_ERR_DEST;
	out->unspecified_src = memcmp(h.src, unspecified, IPV6_ADDR_LEN) == 0;
	if (!out->unspecified_src && !is_link_local(h.src))
		return ND_ERR_SOURCE;
	memcpy(out->src, h.src, IPV6_ADDR_LEN);
	while (rbuf_left(&r) > 0) {
		if (!rbuf_u8(&r, &otype) || !rbuf_u8(&r, &olen) || olen == 0 ||
		    !rbuf_sub(&r, (size_t)olen * ND_OPT_UNIT - 2, &o))
			return ND_ERR_OPTION;
		if (otype == ND_OPT_SOURCE_LLADDR) {
			/* not allowed from the unspecified address (6.1.1) */
			if (out->unspecified_src)
				return ND_ERR_OPTION;
			out->have_source_lladdr = true;
		}
	}
	return ND_OK;
}

/* ---- DHCPv6 ---- */

void dhcp6_server_duid(uint64_t server_iid, uint8_t out[static DHCP6_SERVER_DUID_LEN])
{
	store_be16(out, DUID_LL);
	store_be16(out + 2, HWTYPE_EUI64);
	store_be32(out + 4, (uint32_t)(server_iid >> 32));
	store_be32(out + 8, (uint32_t)server_iid);
}

/* The options of an Information-Request (RFC 8415 16.12, 18.2.6). */
static enum nd_error read_dhcp6_options(struct rbuf *r, uint64_t server_iid,
					struct dhcp6_info_request *out)
{
	uint8_t duid[DHCP6_SERVER_DUID_LEN];
	uint16_t code = 0, olen = 0, want = 0;
	struct rbuf o;
	bool have_client = false;

	dhcp6_server_duid(server_iid, duid);
	while (rbuf_left(r) > 0) {
		if (!rbuf_be16(r, &code) || !rbuf_be16(r, &olen) || !rbuf_sub(r, olen, &o))
			return ND_ERR_OPTION;
		switch (code) {
		case DHCP6_OPT_CLIENTID:
			if (have_client || olen < DHCP6_DUID_MIN || olen > DHCP6_DUID_MAX)
				return ND_ERR_OPTION;
			have_client = true;
			rbuf_copy(&o, out->client_id, olen);
			out->client_id_len = olen;
			break;
		case DHCP6_OPT_SERVERID:
			if (olen != sizeof(duid) || memcmp(rbuf_take(&o, olen), duid, olen) != 0)
				return ND_ERR_NOT_FOR_US;
			break;
		case DHCP6_OPT_IA_NA:
		case DHCP6_OPT_IA_TA:
		case DHCP6_OPT_IA_PD:
			return ND_ERR_OPTION; /* never in an Information-Request */
		case DHCP6_OPT_ORO:
			if (olen % 2)
				return ND_ERR_OPTION;
			while (rbuf_left(&o) >= 2 && rbuf_be16(&o, &want)) {
				if (want == DHCP6_OPT_DNS_SERVERS)
					out->want_dns = true;
				else if (want == DHCP6_OPT_DOMAIN_LIST)
					out->want_domains = true;
			}
			break;
		default:
			break; /* Elapsed Time, Vendor Class, ...: nothing to do */
		}
	}
	return ND_OK;
}

/* The IPv6 and UDP headers of a DHCPv6 message to us; msg: the message
 * from its type on, with at least the type and transaction ID. */
static enum nd_error read_dhcp6(const uint8_t *pkt, size_t len, struct ip6 *h, uint16_t *sport,
				struct rbuf *msg)
{
	struct rbuf r;
	uint16_t dport = 0, ulen = 0, csum = 0;
	enum nd_error e;

	if ((e = read_ip6(pkt, len, h)) != ND_OK)
		return e;
	if (h->next_header != IPV6_NH_UDP)
		return ND_ERR_NEXT_HEADER;
	rbuf_init(&r, h->payload, h->payload_len);
	rbuf_be16(&r, sport);
	rbuf_be16(&r, &dport);
	rbuf_be16(&r, &ulen);
	rbuf_be16(&r, &csum);
	if (!rbuf_ok(&r))
		return ND_ERR_SHORT;
	if (ulen != h->payload_len)
		return ND_ERR_LENGTH;
	if (dport != DHCP6_SERVER_PORT)
		return ND_ERR_PORT;
	if (csum == 0 || ipv6_l4_checksum(h->src, h->dst, IPV6_NH_UDP, h->payload, h->payload_len) != 0)
		return ND_ERR_CHECKSUM; /* a zero checksum is not allowed over IPv6 */
	if (!is_link_local(h->src))
		return ND_ERR_SOURCE;
	if (memcmp(h->dst, all_dhcp, IPV6_ADDR_LEN) != 0 && !is_link_local(h->dst))
		return ND_ERR_DEST;
	rbuf_sub(&r, rbuf_left(&r), msg);
	if (rbuf_left(msg) < DHCP6_HDR_LEN)
		return ND_ERR_SHORT;
	return ND_OK;
}

static uint32_t read_xid(struct rbuf *msg)
{
	uint8_t x[3] = { 0 };

	rbuf_copy(msg, x, sizeof(x));
	return (uint32_t)x[0] << 16 | (uint32_t)x[1] << 8 | x[2];
}

enum nd_error dhcp6_parse_info_request(const uint8_t *pkt, size_t len, uint64_t server_iid,
				       struct dhcp6_info_request *out)
{
	struct ip6 h;
	struct rbuf msg;
	uint16_t sport = 0;
	uint8_t type = 0;
	enum nd_error e;

	memset(out, 0, sizeof(*out));
	if ((e = read_dhcp6(pkt, len, &h, &sport, &msg)) != ND_OK)
		return e;
	rbuf_u8(&msg, &type);
	if (type != DHCP6_MSG_INFO_REQUEST)
		return ND_ERR_MSG_TYPE;
	memcpy(out->src, h.src, IPV6_ADDR_LEN);
	out->src_port = sport;
	out->xid = read_xid(&msg);
	if ((e = read_dhcp6_options(&msg, server_iid, out)) != ND_OK) {
		out->client_id_len = 0;
		return e;
	}
	return ND_OK;
}

/* The domain as DNS wire labels (RFC 1035 3.1); false if not a valid name. */
static bool put_domain(struct wbuf *w, const char *d)
{
	size_t n = strnlen(d, DHCP6_DOMAIN_MAX + 1), start = 0;

	if (n == 0 || n > DHCP6_DOMAIN_MAX)
		return false;
	if (d[n - 1] == '.')
		n--; /* a root-terminated name: the final dot is the 0 label */
	for (size_t i = 0; i <= n; i++) {
		if (i < n && d[i] != '.')
			continue;
		if (i == start || i - start > 63)
			return false;
		wbuf_u8(w, (uint8_t)(i - start));
		wbuf_bytes(w, d + start, i - start);
		start = i + 1;
	}
	return wbuf_u8(w, 0);
}

/* What every answer of ours starts with: the IPv6 and UDP headers from
 * our link-local address to the client (length and checksum left for
 * finish_ip6), the message type and transaction ID, our Server ID and the
 * client's Client ID echoed (when it sent one). */
static void put_dhcp6_head(struct wbuf *w, uint64_t server_iid,
			   const uint8_t dst[static IPV6_ADDR_LEN], uint16_t dst_port,
			   uint8_t msg_type, uint32_t xid, const uint8_t *client_id,
			   size_t client_id_len)
{
	uint8_t src[IPV6_ADDR_LEN], duid[DHCP6_SERVER_DUID_LEN];

	ipv6_link_local(src, server_iid);
	dhcp6_server_duid(server_iid, duid);
	put_ip6(w, IPV6_NH_UDP, DHCP6_HOP_LIMIT, src, dst);
	wbuf_be16(w, DHCP6_SERVER_PORT);
	wbuf_be16(w, dst_port);
	wbuf_be16(w, 0); /* length, below */
	wbuf_be16(w, 0); /* checksum, by finish_ip6 */
	wbuf_u8(w, msg_type);
	wbuf_u8(w, (uint8_t)(xid >> 16));
	wbuf_u8(w, (uint8_t)(xid >> 8));
	wbuf_u8(w, (uint8_t)xid);
	wbuf_be16(w, DHCP6_OPT_SERVERID);
	wbuf_be16(w, sizeof(duid));
	wbuf_bytes(w, duid, sizeof(duid));
	if (client_id_len) {
		wbuf_be16(w, DHCP6_OPT_CLIENTID);
		wbuf_be16(w, (uint16_t)client_id_len);
		wbuf_bytes(w, client_id, client_id_len);
	}
}

size_t dhcp6_build_reply(const struct dhcp6_info_request *req, const struct dhcp6_reply_params *p,
			 uint8_t *buf, size_t cap)
{
	struct wbuf w;
	size_t at;

	if (p->dns_count > ND_RDNSS_MAX || req->client_id_len > DHCP6_DUID_MAX || p->server_iid == 0)
		return 0;
	wbuf_init(&w, buf, cap);
	put_dhcp6_head(&w, p->server_iid, req->src, req->src_port, DHCP6_MSG_REPLY, req->xid,
		       req->client_id, req->client_id_len);
	if (req->want_dns && p->dns_count) {
		wbuf_be16(&w, DHCP6_OPT_DNS_SERVERS);
		wbuf_be16(&w, (uint16_t)(p->dns_count * IPV6_ADDR_LEN));
		for (unsigned i = 0; i < p->dns_count; i++)
			wbuf_bytes(&w, p->dns[i], IPV6_ADDR_LEN);
	}
	if (req->want_domains && p->domain && p->domain[0]) {
		wbuf_be16(&w, DHCP6_OPT_DOMAIN_LIST);
		at = w.len;
		wbuf_be16(&w, 0);
		if (!put_domain(&w, p->domain))
			return 0;
		wbuf_put_be16_at(&w, at, (uint16_t)(w.len - at - 2));
	}
	if (!wbuf_ok(&w))
		return 0;
	wbuf_put_be16_at(&w, IPV6_HDR_LEN + 4, (uint16_t)(w.len - IPV6_HDR_LEN));
	return finish_ip6(&w, 6, true);
}

/* ---- DHCPv6 prefix delegation (RFC 8415 18.3, 21.21-21.22) ---- */

/* An IA Prefix option's body (a client's hint): bounded, length <= 128,
 * its own options walked. */
static bool read_ia_prefix(struct rbuf *o)
{
	uint8_t plen = 0;
	uint16_t code = 0, olen = 0;
	struct rbuf sub;

	if (rbuf_left(o) < IA_PREFIX_FIXED_LEN)
		return false;
	rbuf_skip(o, 8); /* preferred, valid */
	rbuf_u8(o, &plen);
	rbuf_skip(o, IPV6_ADDR_LEN);
	if (plen > 128)
		return false;
	while (rbuf_left(o) > 0)
		if (!rbuf_be16(o, &code) || !rbuf_be16(o, &olen) || !rbuf_sub(o, olen, &sub))
			return false;
	return true;
}

/* An IA_PD option's body: IAID, T1 <= T2 (0: the client leaves it to
 * us), then IA Prefix hints and anything else, each within the option. */
static bool read_ia_pd(struct rbuf *o, uint32_t *iaid)
{
	uint32_t t1 = 0, t2 = 0;
	uint16_t code = 0, olen = 0;
	struct rbuf sub;

	if (rbuf_left(o) < IA_PD_FIXED_LEN)
		return false;
	rbuf_be32(o, iaid);
	rbuf_be32(o, &t1);
	rbuf_be32(o, &t2);
	if (t1 && t2 && t1 > t2)
		return false; /* RFC 8415 21.21: the server discards the IA_PD */
	while (rbuf_left(o) > 0) {
		if (!rbuf_be16(o, &code) || !rbuf_be16(o, &olen) || !rbuf_sub(o, olen, &sub))
			return false;
		if (code == DHCP6_OPT_IA_PREFIX && !read_ia_prefix(&sub))
			return false;
	}
	return true;
}

static enum nd_error read_pd_options(struct rbuf *r, uint64_t server_iid,
				     struct dhcp6_pd_request *out, bool *have_server)
{
	uint8_t duid[DHCP6_SERVER_DUID_LEN];
	uint16_t code = 0, olen = 0;
	struct rbuf o;

	dhcp6_server_duid(server_iid, duid);
	while (rbuf_left(r) > 0) {
		if (!rbuf_be16(r, &code) || !rbuf_be16(r, &olen) || !rbuf_sub(r, olen, &o))
			return ND_ERR_OPTION;
		switch (code) {
		case DHCP6_OPT_CLIENTID:
			if (out->client_id_len || olen < DHCP6_DUID_MIN || olen > DHCP6_DUID_MAX)
				return ND_ERR_OPTION;
			rbuf_copy(&o, out->client_id, olen);
			out->client_id_len = olen;
			break;
		case DHCP6_OPT_SERVERID:
			if (*have_server)
				return ND_ERR_OPTION;
			if (olen != sizeof(duid) || memcmp(rbuf_take(&o, olen), duid, olen) != 0)
				return ND_ERR_NOT_FOR_US;
			*have_server = true;
			break;
		case DHCP6_OPT_RAPID_COMMIT:
			if (olen != 0)
				return ND_ERR_OPTION;
			out->rapid_commit = true;
			break;
		case DHCP6_OPT_IA_PD:
			if (out->n_ia_pd == DHCP6_IA_PD_MAX)
				return ND_ERR_NO_IA_PD;
			if (!read_ia_pd(&o, &out->iaid[out->n_ia_pd]))
				return ND_ERR_OPTION;
			for (unsigned i = 0; i < out->n_ia_pd; i++)
				if (out->iaid[i] == out->iaid[out->n_ia_pd])
					return ND_ERR_OPTION; /* an IAID once per message */
			out->n_ia_pd++;
			break;
		default:
			break; /* IA_NA, Elapsed Time, ORO, Vendor Class, ...: not ours */
		}
	}
	return ND_OK;
}

enum nd_error dhcp6_parse_pd(const uint8_t *pkt, size_t len, uint64_t server_iid,
			     struct dhcp6_pd_request *out)
{
	struct ip6 h;
	struct rbuf msg;
	uint16_t sport = 0;
	uint8_t type = 0;
	bool have_server = false, want_server;
	enum nd_error e;

	memset(out, 0, sizeof(*out));
	if ((e = read_dhcp6(pkt, len, &h, &sport, &msg)) != ND_OK)
		return e;
	rbuf_u8(&msg, &type);
	switch (type) {
	case DHCP6_MSG_SOLICIT:
	case DHCP6_MSG_REBIND:
		want_server = false;
		break;
	case DHCP6_MSG_REQUEST:
	case DHCP6_MSG_RENEW:
	case DHCP6_MSG_RELEASE:
		want_server = true;
		break;
	default:
		return ND_ERR_MSG_TYPE;
	}
	out->msg_type = type;
	out->xid = read_xid(&msg);
	e = read_pd_options(&msg, server_iid, out, &have_server);
	if (e == ND_OK && !out->client_id_len)
		e = ND_ERR_NO_CLIENT_ID;
	else if (e == ND_OK && have_server != want_server)
		e = ND_ERR_SERVER_ID;
	else if (e == ND_OK && !out->n_ia_pd && type != DHCP6_MSG_RELEASE)
		e = ND_ERR_NO_IA_PD;
	if (e != ND_OK) {
		memset(out, 0, sizeof(*out));
		return e;
	}
	if (type != DHCP6_MSG_SOLICIT)
		out->rapid_commit = false; /* only a Solicit asks for it (18.2.1) */
	memcpy(out->src, h.src, IPV6_ADDR_LEN);
	out->src_port = sport;
	return ND_OK;
}

static void put_status(struct wbuf *w, uint16_t status)
{
	wbuf_be16(w, DHCP6_OPT_STATUS_CODE);
	wbuf_be16(w, 2); /* no message text */
	wbuf_be16(w, status);
}

size_t dhcp6_build_pd_reply(const struct dhcp6_pd_request *req, const struct dhcp6_pd_params *p,
			    uint8_t *buf, size_t cap)
{
	uint8_t prefix[IPV6_ADDR_LEN];
	struct wbuf w;
	bool advertise = req->msg_type == DHCP6_MSG_SOLICIT && !req->rapid_commit;

	if (p->server_iid == 0 || p->prefix_len > 128 || p->preferred_s > p->valid_s ||
	    p->t1_s > p->t2_s || req->client_id_len > DHCP6_DUID_MAX ||
	    req->n_ia_pd > DHCP6_IA_PD_MAX)
		return 0;
	mask_prefix(p->prefix, p->prefix_len, prefix);
	wbuf_init(&w, buf, cap);
	put_dhcp6_head(&w, p->server_iid, req->src, req->src_port,
		       advertise ? DHCP6_MSG_ADVERTISE : DHCP6_MSG_REPLY, req->xid,
		       req->client_id, req->client_id_len);
	if (req->msg_type == DHCP6_MSG_SOLICIT && req->rapid_commit) {
		wbuf_be16(&w, DHCP6_OPT_RAPID_COMMIT);
		wbuf_be16(&w, 0);
	}
	if (req->msg_type == DHCP6_MSG_RELEASE) {
		put_status(&w, DHCP6_STATUS_SUCCESS); /* 18.3.7 */
	} else {
		for (unsigned i = 0; i < req->n_ia_pd; i++) {
			bool give = i == 0 && p->prefix_len;
			wbuf_be16(&w, DHCP6_OPT_IA_PD);
			wbuf_be16(&w, IA_PD_FIXED_LEN + (give ? 4 + IA_PREFIX_FIXED_LEN : 6));
			wbuf_be32(&w, req->iaid[i]);
			wbuf_be32(&w, give ? p->t1_s : 0);
			wbuf_be32(&w, give ? p->t2_s : 0);
			if (!give) {
				put_status(&w, DHCP6_STATUS_NO_PREFIX_AVAIL);
				continue;
			}
			wbuf_be16(&w, DHCP6_OPT_IA_PREFIX);
			wbuf_be16(&w, IA_PREFIX_FIXED_LEN);
			wbuf_be32(&w, p->preferred_s);
			wbuf_be32(&w, p->valid_s);
			wbuf_u8(&w, p->prefix_len);
			wbuf_bytes(&w, prefix, IPV6_ADDR_LEN);
		}
	}
	if (!wbuf_ok(&w))
		return 0;
	wbuf_put_be16_at(&w, IPV6_HDR_LEN + 4, (uint16_t)(w.len - IPV6_HDR_LEN));
	return finish_ip6(&w, 6, true);
}
