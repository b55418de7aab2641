/*
 * The RADIUS authentication backend: struct auth_backend over
 * auth/radius_client.h. It runs on the owner's thread: submit() builds
 * and sends an Access-Request (never blocking, never answering on the
 * spot), the backend's fd is the client's epoll set, and drain() lets the
 * client read replies and fire retransmissions, turning each verified
 * reply (or "no server answered") into a struct auth_result.
 *
 * Completions arrive in the order the servers answer, not in submit
 * order (one slow login does not hold up the others).
 */
#include "auth/backend_radius.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth_codes.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/ppp/eap.h"

/* The canonical name is the User-Name of every Access-Request and
 * accounting record: it must always fit one attribute. */
_Static_assert(AUTH_USER_MAX <= RADIUS_ATTR_MAX, "a canonical user name fits a User-Name");
_Static_assert(AUTH_KEY_LEN == MSCHAP_START_KEY_LEN, "the MS-CHAPv1 start key is a session key");
/* A round's EAP packet in 253-byte attributes and a State leave an
 * Access-Request 1 KiB for the NAS and the operator's attributes. */
_Static_assert(EAP_PACKET_MAX + (EAP_PACKET_MAX / RADIUS_ATTR_MAX + 1) * 2 + 2 * RADIUS_ATTR_MAX <
	       RADIUS_MAX_LEN - 1024, "an EAP round fits an Access-Request");

/* How long an EAP exchange stays tied to the server that answered it
 * since its last Access-Challenge: longer than any exchange may last
 * (the link's eap-timeout ends it sooner). */
#define EAP_PIN_MS (10u * 60u * 1000u)

struct pending {
	struct pending *prev, *next;
	struct radius_backend *b;
	struct radius_req *req;
	struct auth_session_ref ref;
	enum auth_method method;
	uint8_t v1_challenge[MSCHAP_V1_CHALLENGE_LEN];
	char user[AUTH_NAME_MAX + 1];
	unsigned eap_round;             /* EAP: the round, for logs */
	bool pinned;                    /* EAP: sent only to server (see eap_pin) */
	size_t server;
};

/* An EAP exchange a server has answered with an Access-Challenge: its
 * State is that server's, so the exchange's later rounds go to it alone
 * (radius_req_params.pinned) until the Accept or Reject, a cancel or
 * EAP_PIN_MS without a round. Most recently used first. */
struct eap_pin {
	struct eap_pin *prev, *next;
	struct auth_session_ref ref;
	size_t server;
	uint64_t at_ms;                 /* the last Access-Challenge */
};

struct radius_backend {
	struct auth_backend base;
	struct radius_client *client;
	struct auth_radius_config cfg;  /* strings below are copies */
	char *nas_identifier;
	uint8_t *extra;
	size_t extra_len;
	struct pending *pending;
	size_t npending;
	size_t delivered;               /* by the current drain */
	struct eap_pin *pins, *pins_tail;
	size_t npins;                   /* at most cfg.queue_max */
	struct auth_radius_eap_stats eap;
	uint64_t eap_warn_ms;           /* the last line about a bad EAP reply */
};

static struct radius_backend *to_radius(struct auth_backend *b)
{
	return (struct radius_backend *)b;
}

/* ---- the Access-Request ---- */

static void put_method(struct radius_writer *w, const struct auth_request *rq)
{
	uint8_t v[RADIUS_MS_RESPONSE_LEN];

	switch (rq->method) {
	case AUTH_MSCHAPV2:
		radius_put_vsa(w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_CHALLENGE,
			       rq->u.mschapv2.auth_challenge, MSCHAP_CHALLENGE_LEN);
		/* RFC 2548 2.3.2: Ident, Flags, Peer-Challenge, Reserved, Response. */
		memset(v, 0, sizeof(v));
		v[0] = rq->chap_ident;
		memcpy(v + RADIUS_MS_RESPONSE_PEER_CHAL, rq->u.mschapv2.peer_challenge,
		       MSCHAP_CHALLENGE_LEN);
		memcpy(v + RADIUS_MS_RESPONSE_NT, rq->u.mschapv2.nt_response, MSCHAP_NT_RESPONSE_LEN);
		radius_put_vsa(w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_RESPONSE, v, sizeof(v));
		break;
	case AUTH_MSCHAPV1:
		radius_put_vsa(w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_CHALLENGE,
			       rq->u.mschapv1.challenge, MSCHAP_V1_CHALLENGE_LEN);
		/* RFC 2548 2.1.3: Ident, Flags (1: use the NT response), LM, NT. */
		memset(v, 0, sizeof(v));
		v[0] = rq->chap_ident;
		v[1] = 1;
		memcpy(v + RADIUS_MS_RESPONSE_NT, rq->u.mschapv1.nt_response, MSCHAP_NT_RESPONSE_LEN);
		radius_put_vsa(w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_RESPONSE, v, sizeof(v));
		break;
	case AUTH_CHAP_MD5:
		v[0] = rq->u.chap_md5.id;
		memcpy(v + 1, rq->u.chap_md5.response, AUTH_MD5_LEN);
		radius_put(w, RADIUS_CHAP_PASSWORD, v, 1 + AUTH_MD5_LEN);
		radius_put(w, RADIUS_CHAP_CHALLENGE, rq->u.chap_md5.challenge,
			   rq->u.chap_md5.challenge_len);
		break;
	case AUTH_PAP:
		break; /* User-Password is hidden per server by the client */
	case AUTH_EAP:
		/* RFC 3579 3.1: the packet split into attributes, in order, each
		 * full but the last; then the State of the last Challenge as it
		 * came (RFC 2865 5.24). No password of any kind. */
		for (size_t off = 0; off < rq->u.eap.msg_len; off += RADIUS_ATTR_MAX) {
			size_t n = rq->u.eap.msg_len - off;
			radius_put(w, RADIUS_EAP_MESSAGE, rq->u.eap.msg + off,
				   n < RADIUS_ATTR_MAX ? n : RADIUS_ATTR_MAX);
		}
		if (rq->u.eap.state_len)
			radius_put(w, RADIUS_STATE, rq->u.eap.state, rq->u.eap.state_len);
		break;
	}
	crypto_wipe(v, sizeof(v));
}

bool auth_radius_put_nas(struct radius_writer *w, const struct auth_radius_nas *nas,
			 uint32_t nas_port, const struct sockaddr_storage *peer,
			 const struct sockaddr_storage *local, const char *session_id)
{
	char a[NETADDR_STRLEN];

	if (nas->ip.s_addr)
		radius_put_addr(w, RADIUS_NAS_IP_ADDRESS, nas->ip);
	if (nas->identifier && nas->identifier[0])
		radius_put_str(w, RADIUS_NAS_IDENTIFIER, nas->identifier);
	radius_put_u32(w, RADIUS_NAS_PORT, nas_port);
	/* NAS-Port-Id (RFC 2869 5.17): the call as text, stable for its life. */
	if (!nas->port_id_given) {
		char port_id[sizeof("pptp:4294967295")];
		snprintf(port_id, sizeof(port_id), "pptp:%u", (unsigned)nas_port);
		radius_put_str(w, RADIUS_NAS_PORT_ID, port_id);
	}
	radius_put_u32(w, RADIUS_NAS_PORT_TYPE, RADIUS_NAS_PORT_TYPE_VIRTUAL);
	radius_put_u32(w, RADIUS_SERVICE_TYPE, RADIUS_SERVICE_FRAMED_USER);
	radius_put_u32(w, RADIUS_FRAMED_PROTOCOL, RADIUS_FRAMED_PROTOCOL_PPP);
	if (peer) {
		netaddr_format(peer, false, a, sizeof(a));
		if (peer->ss_family != AF_UNSPEC)
			radius_put_str(w, RADIUS_CALLING_STATION_ID, a);
	}
	if (local) {
		netaddr_format(local, false, a, sizeof(a));
		if (local->ss_family != AF_UNSPEC)
			radius_put_str(w, RADIUS_CALLED_STATION_ID, a);
	}
	if (session_id && session_id[0])
		radius_put_str(w, RADIUS_ACCT_SESSION_ID, session_id);
	return !w->failed;
}

/* ---- the reply ---- */

/* Printable ASCII of a text attribute, for logs and messages. */
static void text_of(const struct radius_attr *a, size_t skip, char *out, size_t outlen)
{
	size_t n = 0;
	for (size_t i = skip; i < a->len && n + 1 < outlen; i++)
		out[n++] = isprint(a->val[i]) && a->val[i] != '"' ? (char)a->val[i] : '?';
	out[n] = '\0';
}

static bool get_key(const struct radius_packet *p, uint8_t vtype,
		    const struct radius_server *srv, const uint8_t *req_auth,
		    uint8_t key[AUTH_KEY_LEN])
{
	struct radius_attr a;
	uint8_t k[64];
	size_t kl = 0;
	bool ok = radius_find(p, RADIUS_VENDOR_MICROSOFT, vtype, &a) &&
		  radius_get_mppe_key(&a, &srv->secret, req_auth, k, sizeof(k), &kl) &&
		  kl >= AUTH_KEY_LEN;
	if (ok)
		memcpy(key, k, AUTH_KEY_LEN);
	crypto_wipe(k, sizeof(k));
	return ok;
}

static bool v1_keys(const struct pending *pd, const struct radius_packet *p,
		    const struct radius_server *srv, const uint8_t *req_auth,
		    struct auth_result *res)
{
	struct radius_attr a;
	uint8_t plain[RADIUS_MS_MPPE_KEYS_LEN];
	/* MS-CHAP-MPPE-Keys (RFC 2548 2.4.1) is hidden like a User-Password. */
	bool ok = radius_find(p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_MPPE_KEYS, &a) &&
		  a.len == RADIUS_MS_MPPE_KEYS_LEN &&
		  radius_unhide(&a, &srv->secret, req_auth, plain, sizeof(plain));
	if (ok) {
		/* The NT-Key is the NtPasswordHashHash of Get_Start_Key. */
		Get_Start_Key(pd->v1_challenge, plain + RADIUS_MS_MPPE_KEYS_NT_KEY, res->send_key);
		memcpy(res->recv_key, res->send_key, AUTH_KEY_LEN);
	}
	crypto_wipe(plain, sizeof(plain));
	return ok;
}

/* "E=691 R=0 C=... V=3 M=text": the error number and the text. */
static void parse_ms_error(const struct radius_attr *a, struct auth_result *res)
{
	char s[AUTH_MESSAGE_MAX + 64];
	text_of(a, 1, s, sizeof(s));
	const char *e = strstr(s, "E=");
	if (e) {
		unsigned long v = strtoul(e + 2, NULL, 10);
		if (v > 0 && v < 100000)
			res->win_error = (unsigned)v;
	}
	const char *m = strstr(s, "M=");
	if (m && m[2])
		snprintf(res->message, sizeof(res->message), "%s", m + 2);
}

/* What an Access-Accept adds beyond struct auth_result's own fields:
 * buffers the result points into while its completion runs. */
struct accept_extra {
	struct auth_route routes[AUTH_ROUTE_MAX];
	size_t routes_dropped;                 /* beyond AUTH_ROUTE_MAX */
	size_t routes_bad;                     /* not "prefix[/len] gateway ..." */
	char bad_route[64];                    /* the first bad one, for the log */
	struct auth_route6 routes6[AUTH_ROUTE_MAX];
	size_t routes6_dropped;                /* beyond AUTH_ROUTE_MAX */
	/* IPv6 attributes ignored as malformed (routes included), and the
	 * first one's name and why, for the one log line of the reply. */
	size_t ipv6_bad;
	const char *ipv6_bad_attr, *ipv6_bad_why;
	uint8_t classes[AUTH_CLASS_BYTES_MAX]; /* packed: length octet, value */
	size_t nclasses;
	size_t classes_dropped;                /* beyond the bounds */
	/* EAP: the reassembled EAP-Message, the State, the reply's User-Name. */
	uint8_t eap[EAP_PACKET_MAX];
	uint8_t state[RADIUS_ATTR_MAX];
	uint8_t reply_user[RADIUS_ATTR_MAX];
};

/* Framed-Route and Framed-IPv6-Route share their shape (RFC 2865 5.22,
 * RFC 3162 2.5): "prefix[/len] gateway [metrics...]". These read its
 * pieces from text[*pos..len). */

/* An optional "/len" of at most max (absent: *plen unchanged). */
static bool route_plen(const uint8_t *text, size_t len, size_t *pos, unsigned max,
		       unsigned *plen)
{
	size_t digits = 0;
	unsigned v = 0;

	if (*pos >= len || text[*pos] != '/')
		return true;
	(*pos)++;
	while (*pos < len && isdigit(text[*pos]) && digits < 3) {
		v = v * 10 + (unsigned)(text[(*pos)++] - '0');
		digits++;
	}
	if (!digits || v > max)
		return false;
	*plen = v;
	return true;
}

/* One or more spaces. */
static bool route_gap(const uint8_t *text, size_t len, size_t *pos)
{
	if (*pos >= len || text[*pos] != ' ')
		return false;
	while (*pos < len && text[*pos] == ' ')
		(*pos)++;
	return true;
}

/* The rest: metrics, digits and spaces only (not kept). */
static bool route_metrics(const uint8_t *text, size_t len, size_t pos)
{
	for (; pos < len; pos++)
		if (text[pos] != ' ' && !isdigit(text[pos]))
			return false;
	return true;
}

/* One dotted quad from text[*pos..len), then *pos past it. */
static bool route_addr(const uint8_t *text, size_t len, size_t *pos, uint32_t *out)
{
	char a[INET_ADDRSTRLEN];
	size_t n = 0;
	struct in_addr ia;

	while (*pos < len && n + 1 < sizeof(a) && (isdigit(text[*pos]) || text[*pos] == '.'))
		a[n++] = (char)text[(*pos)++];
	a[n] = '\0';
	if (!n || inet_pton(AF_INET, a, &ia) != 1)
		return false;
	*out = ntohl(ia.s_addr);
	return true;
}

bool auth_radius_parse_route(const uint8_t *text, size_t len, struct auth_route *out)
{
	size_t pos = 0;
	unsigned plen = 32;

	memset(out, 0, sizeof(*out));
	if (!route_addr(text, len, &pos, &out->dst))
		return false;
	/* "/len", a space, the gateway, then optional metrics. */
	if (!route_plen(text, len, &pos, 32, &plen) || !route_gap(text, len, &pos) ||
	    !route_addr(text, len, &pos, &out->gw) || !route_metrics(text, len, pos))
		return false;
	uint32_t mask = plen ? 0xFFFFFFFFu << (32 - plen) : 0;
	if (out->dst & ~mask)
		return false;
	out->plen = (uint8_t)plen;
	return true;
}

/* One IPv6 address from text[*pos..len), then *pos past it. */
static bool route6_addr(const uint8_t *text, size_t len, size_t *pos, uint8_t out[16])
{
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;

	while (*pos < len && n + 1 < sizeof(a) &&
	       (isxdigit(text[*pos]) || text[*pos] == ':' || text[*pos] == '.'))
		a[n++] = (char)text[(*pos)++];
	a[n] = '\0';
	return n && inet_pton(AF_INET6, a, out) == 1;
}

bool auth_radius_parse_route6(const uint8_t *text, size_t len, struct auth_route6 *out)
{
	size_t pos = 0;
	unsigned plen = 128;

	memset(out, 0, sizeof(*out));
	if (!route6_addr(text, len, &pos, out->dst))
		return false;
	if (!route_plen(text, len, &pos, 128, &plen) || !route_gap(text, len, &pos) ||
	    !route6_addr(text, len, &pos, out->gw) || !route_metrics(text, len, pos))
		return false;
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen > i * 8 ? plen - i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xFF : (uint8_t)(0xFF00u >> bits);
		if (out->dst[i] & ~mask)
			return false;
	}
	out->plen = (uint8_t)plen;
	return true;
}

static void ipv6_bad(struct accept_extra *x, const char *attr, const char *why)
{
	if (!x->ipv6_bad++) {
		x->ipv6_bad_attr = attr;
		x->ipv6_bad_why = why;
	}
}

/* Framed-IPv6-Prefix or Delegated-IPv6-Prefix: the first one, if well-formed. */
static bool accept_prefix(const struct radius_packet *p, uint8_t type, const char *name,
			  uint8_t prefix[16], uint8_t *plen, struct accept_extra *x)
{
	struct radius_attr a;

	if (!radius_find(p, 0, type, &a))
		return false;
	enum radius_prefix_result r = radius_attr_ipv6_prefix(&a, prefix, plen);
	if (r != RADIUS_PREFIX_OK) {
		ipv6_bad(x, name, radius_prefix_result_name(r));
		return false;
	}
	return true;
}

/* The IPv6 attributes (see struct auth_result). */
static void accept_ipv6(const struct radius_packet *p, struct auth_result *res,
			struct accept_extra *x)
{
	struct radius_attr a;
	struct radius_iter it;
	size_t n = 0;

	if (radius_find(p, 0, RADIUS_FRAMED_INTERFACE_ID, &a)) {
		if (!radius_attr_iid(&a, &res->ipv6_iid))
			ipv6_bad(x, "Framed-Interface-Id", "bad-length");
		else if (!res->ipv6_iid)
			ipv6_bad(x, "Framed-Interface-Id", "zero");
		else
			res->has_ipv6_iid = true;
	}
	res->has_ipv6_prefix = accept_prefix(p, RADIUS_FRAMED_IPV6_PREFIX, "Framed-IPv6-Prefix",
					     res->ipv6_prefix, &res->ipv6_prefix_len, x);
	res->has_delegated_prefix = accept_prefix(p, RADIUS_DELEGATED_IPV6_PREFIX,
						  "Delegated-IPv6-Prefix", res->delegated_prefix,
						  &res->delegated_prefix_len, x);
	if (radius_find(p, 0, RADIUS_FRAMED_IPV6_POOL, &a)) {
		if (a.len < sizeof(res->ipv6_pool))
			text_of(&a, 0, res->ipv6_pool, sizeof(res->ipv6_pool));
		else
			ipv6_bad(x, "Framed-IPv6-Pool", "too-long");
	}
	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a)) {
		if (a.vendor != 0 || a.type != RADIUS_FRAMED_IPV6_ROUTE)
			continue;
		if (n >= AUTH_ROUTE_MAX) {
			x->routes6_dropped++;
			continue;
		}
		if (!auth_radius_parse_route6(a.val, a.len, &x->routes6[n])) {
			ipv6_bad(x, "Framed-IPv6-Route", "not-prefix-gateway");
			continue;
		}
		n++;
	}
	res->routes6 = n ? x->routes6 : NULL;
	res->nroutes6 = n;
}

/* Every Framed-Route, parsed, while the bound allows. */
static void accept_routes(const struct radius_packet *p, struct auth_result *res,
			  struct accept_extra *x)
{
	struct radius_iter it;
	struct radius_attr a;
	size_t n = 0;

	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a)) {
		if (a.vendor != 0 || a.type != RADIUS_FRAMED_ROUTE)
			continue;
		if (n >= AUTH_ROUTE_MAX) {
			x->routes_dropped++;
			continue;
		}
		if (!auth_radius_parse_route(a.val, a.len, &x->routes[n])) {
			if (!x->routes_bad++)
				text_of(&a, 0, x->bad_route, sizeof(x->bad_route));
			continue;
		}
		n++;
	}
	res->routes = n ? x->routes : NULL;
	res->nroutes = n;
}

/* Every Class, packed in order, while the bounds allow. */
static void accept_classes(const struct radius_packet *p, struct auth_result *res,
			   struct accept_extra *x)
{
	struct radius_iter it;
	struct radius_attr a;
	size_t len = 0;

	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a)) {
		if (a.vendor != 0 || a.type != RADIUS_CLASS || a.len == 0)
			continue;
		if (x->nclasses >= AUTH_CLASS_COUNT_MAX || 1 + a.len > sizeof(x->classes) - len) {
			x->classes_dropped++;
			continue;
		}
		x->classes[len] = (uint8_t)a.len;
		memcpy(x->classes + len + 1, a.val, a.len);
		len += 1 + a.len;
		x->nclasses++;
	}
	res->classes = len ? x->classes : NULL;
	res->classes_len = len;
}

/* Rate limits: the pptpd vendor pair (a missing one is no limit that
 * way) before Filter-Id in accel-ppp's form; another Filter-Id (a filter's
 * name) is not a rate and is left alone. */
static void accept_rate(const struct radius_packet *p, struct auth_result *res)
{
	struct radius_attr a;
	uint32_t v;
	bool down = false, up = false;

	if (radius_find(p, RADIUS_VENDOR_PPTPD, RADIUS_PPTPD_RATE_LIMIT_DOWN, &a) &&
	    radius_attr_u32(&a, &v)) {
		res->rate_down = v > AUTH_RATE_KBIT_MAX ? AUTH_RATE_KBIT_MAX : v;
		down = true;
	}
	if (radius_find(p, RADIUS_VENDOR_PPTPD, RADIUS_PPTPD_RATE_LIMIT_UP, &a) &&
	    radius_attr_u32(&a, &v)) {
		res->rate_up = v > AUTH_RATE_KBIT_MAX ? AUTH_RATE_KBIT_MAX : v;
		up = true;
	}
	if (down || up) {
		res->rate_given = true;
		return;
	}
	struct radius_iter it;
	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a)) {
		if (a.vendor == 0 && a.type == RADIUS_FILTER_ID &&
		    auth_parse_rate(a.val, a.len, &res->rate_down, &res->rate_up)) {
			res->rate_given = true;
			return;
		}
	}
}

static void accept_attrs(const struct radius_packet *p, struct auth_result *res,
			 struct accept_extra *x)
{
	struct radius_attr a;
	uint32_t v;

	if (radius_find(p, 0, RADIUS_FRAMED_IP_ADDRESS, &a) && radius_attr_u32(&a, &v) &&
	    v != 0xFFFFFFFFu && v != 0xFFFFFFFEu && v != 0) {
		res->has_static_ip = true;
		res->static_ip.s_addr = htonl(v);
	}
	if (radius_find(p, 0, RADIUS_FRAMED_POOL, &a) && a.len < sizeof(res->pool))
		text_of(&a, 0, res->pool, sizeof(res->pool));
	if (radius_find(p, 0, RADIUS_SESSION_TIMEOUT, &a) && radius_attr_u32(&a, &v))
		res->session_timeout = v;
	if (radius_find(p, 0, RADIUS_IDLE_TIMEOUT, &a) && radius_attr_u32(&a, &v)) {
		res->idle_timeout = v;
		res->idle_given = true;
	}
	if (radius_find(p, 0, RADIUS_ACCT_INTERIM_INTERVAL, &a) && radius_attr_u32(&a, &v))
		res->interim_interval = v;
	accept_classes(p, res, x);
	accept_routes(p, res, x);
	accept_ipv6(p, res, x);
	if (radius_find(p, 0, RADIUS_FRAMED_IP_NETMASK, &a) && radius_attr_u32(&a, &v))
		res->netmask = v;
	if (radius_find(p, 0, RADIUS_FRAMED_MTU, &a) && radius_attr_u32(&a, &v))
		res->framed_mtu = v;
	accept_rate(p, res);
	if (radius_find(p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_ENCRYPTION_POLICY, &a) &&
	    radius_attr_u32(&a, &v) &&
	    (v == AUTH_MPPE_POLICY_ALLOWED || v == AUTH_MPPE_POLICY_REQUIRED))
		res->mppe_policy = v;
	if (radius_find(p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_ENCRYPTION_TYPES, &a) &&
	    radius_attr_u32(&a, &v)) {
		res->mppe_types = v & (AUTH_MPPE_TYPE_40 | AUTH_MPPE_TYPE_56 | AUTH_MPPE_TYPE_128);
		res->mppe_types_given = true;
	}
	static const uint8_t dns_types[4] = {
		RADIUS_MS_PRIMARY_DNS_SERVER, RADIUS_MS_SECONDARY_DNS_SERVER,
		RADIUS_MS_PRIMARY_NBNS_SERVER, RADIUS_MS_SECONDARY_NBNS_SERVER,
	};
	for (size_t i = 0; i < 4; i++) {
		if (!radius_find(p, RADIUS_VENDOR_MICROSOFT, dns_types[i], &a) ||
		    !radius_attr_u32(&a, &v))
			continue;
		if (i < 2)
			res->dns[i] = v;
		else
			res->nbns[i - 2] = v;
	}
	if (radius_find(p, 0, RADIUS_REPLY_MESSAGE, &a))
		text_of(&a, 0, res->message, sizeof(res->message));
}

/* ---- EAP: pins and replies ---- */

/* Unlink and free. */
static void pin_free(struct radius_backend *b, struct eap_pin *pin)
{
	if (pin->prev)
		pin->prev->next = pin->next;
	else
		b->pins = pin->next;
	if (pin->next)
		pin->next->prev = pin->prev;
	else
		b->pins_tail = pin->prev;
	b->npins--;
	free(pin);
}

static void pin_push_front(struct radius_backend *b, struct eap_pin *pin)
{
	pin->prev = NULL;
	pin->next = b->pins;
	if (b->pins)
		b->pins->prev = pin;
	else
		b->pins_tail = pin;
	b->pins = pin;
	b->npins++;
}

/* Pins older than EAP_PIN_MS go (the oldest are at the tail). */
static void pins_expire(struct radius_backend *b, uint64_t now)
{
	while (b->pins_tail && now - b->pins_tail->at_ms >= EAP_PIN_MS)
		pin_free(b, b->pins_tail);
}

static struct eap_pin *pin_find(struct radius_backend *b, struct auth_session_ref ref,
				uint64_t now)
{
	pins_expire(b, now);
	for (struct eap_pin *pin = b->pins; pin; pin = pin->next)
		if (auth_session_ref_eq(pin->ref, ref))
			return pin;
	return NULL;
}

static void pin_drop(struct radius_backend *b, struct auth_session_ref ref)
{
	for (struct eap_pin *pin = b->pins; pin; pin = pin->next)
		if (auth_session_ref_eq(pin->ref, ref)) {
			pin_free(b, pin);
			return;
		}
}

/* Tie the session's exchange to server (again, after each Challenge). */
static void pin_set(struct radius_backend *b, struct auth_session_ref ref, size_t server,
		    uint64_t now)
{
	struct eap_pin *pin = pin_find(b, ref, now);

	if (pin)
		pin_free(b, pin);
	if (b->npins >= b->cfg.queue_max && b->pins_tail)
		pin_free(b, b->pins_tail); /* the least recently used */
	pin = calloc(1, sizeof(*pin));
	if (!pin)
		return; /* the next round goes to the first live server */
	pin->ref = ref;
	pin->server = server;
	pin->at_ms = now;
	pin_push_front(b, pin);
}

/* A bad EAP reply: counted always, logged at most once a second. */
static void eap_warn(struct radius_backend *b, const struct pending *pd,
		     const struct radius_packet *p, const struct radius_server *srv,
		     const char *what, enum radius_eap_result r)
{
	uint64_t now = radius_now_ms();

	if (now - b->eap_warn_ms < 1000)
		return;
	b->eap_warn_ms = now;
	log_warnx("radius=auth user=%s event=eap-reply-dropped server=%s reply=%s reason=%s "
		  "eap-attrs=%zu max=%u oversized=%llu malformed=%llu", LOG_ESC(pd->user),
		  srv->name, what, radius_eap_result_name(r), radius_count(p, 0, RADIUS_EAP_MESSAGE),
		  EAP_PACKET_MAX,
		  (unsigned long long)b->eap.oversized, (unsigned long long)b->eap.malformed);
}

/* The EAP packet of a reply to an EAP round into x, and the State of a
 * Challenge. False: the round ends here with res set (the chain is longer
 * than EAP_PACKET_MAX, or a Challenge carries no Request). A Success or
 * Failure that is missing or not one is left out (NULL): the link makes
 * its own. */
static bool eap_reply(struct radius_backend *b, const struct pending *pd,
		      const struct radius_packet *p, const struct radius_server *srv,
		      struct auth_result *res, struct accept_extra *x)
{
	const char *what = radius_code_name(p->code);
	uint8_t want = p->code == RADIUS_ACCESS_CHALLENGE ? EAP_CODE_REQUEST
		       : p->code == RADIUS_ACCESS_ACCEPT  ? EAP_CODE_SUCCESS
							   : EAP_CODE_FAILURE;
	size_t len = 0;
	struct radius_attr a;
	enum radius_eap_result r = radius_get_eap(p, x->eap, sizeof(x->eap), &len);

	if (r == RADIUS_EAP_TOO_LONG) {
		b->eap.oversized++;
		eap_warn(b, pd, p, srv, what, r);
		res->verdict = AUTH_REJECT_ERROR;
		snprintf(res->message, sizeof(res->message),
			 "%s from %s: EAP-Message longer than %u bytes, dropped", what, srv->name,
			 EAP_PACKET_MAX);
		return false;
	}
	if (r == RADIUS_EAP_OK && x->eap[0] == want) {
		res->eap_msg = x->eap;
		res->eap_len = len;
	} else if (r != RADIUS_EAP_NONE) {
		b->eap.malformed++;
		eap_warn(b, pd, p, srv, what, r == RADIUS_EAP_OK ? RADIUS_EAP_MALFORMED : r);
	}
	if (p->code != RADIUS_ACCESS_CHALLENGE)
		return true;
	if (!res->eap_msg) {
		res->verdict = AUTH_REJECT_ERROR;
		snprintf(res->message, sizeof(res->message),
			 "Access-Challenge from %s carries no EAP Request", srv->name);
		return false;
	}
	/* RFC 3579 2.6.1: optional, but when there, echoed as it came. */
	if (radius_find(p, 0, RADIUS_STATE, &a) && a.len <= sizeof(x->state)) {
		memcpy(x->state, a.val, a.len);
		res->state = x->state;
		res->state_len = a.len;
	}
	res->verdict = AUTH_CHALLENGE;
	snprintf(res->message, sizeof(res->message), "Access-Challenge from %s", srv->name);
	return true;
}

static void on_reply(struct radius_backend *b, struct pending *pd, const struct radius_packet *p,
		     const struct radius_server *srv, const uint8_t *req_auth,
		     struct auth_result *res, struct accept_extra *x)
{
	struct radius_attr a;

	if (!p) {
		res->verdict = AUTH_REJECT_ERROR;
		if (pd->pinned) {
			const struct radius_server *held = radius_client_server(b->client, pd->server);
			snprintf(res->message, sizeof(res->message),
				 "RADIUS server %s holding this EAP exchange did not answer "
				 "(no failover mid-exchange)", held ? held->name : "?");
		} else {
			snprintf(res->message, sizeof(res->message), "no RADIUS server answered");
		}
		return;
	}
	if (pd->method == AUTH_EAP && (!eap_reply(b, pd, p, srv, res, x) ||
				       p->code == RADIUS_ACCESS_CHALLENGE))
		return;
	if (p->code == RADIUS_ACCESS_CHALLENGE) {
		res->verdict = AUTH_REJECT_ERROR;
		snprintf(res->message, sizeof(res->message),
			 "Access-Challenge from %s: not supported for PPP", srv->name);
		return;
	}
	if (p->code == RADIUS_ACCESS_REJECT) {
		res->verdict = AUTH_REJECT_BAD_CREDENTIALS;
		snprintf(res->message, sizeof(res->message), "Access-Reject from %s", srv->name);
		bool reply_text = radius_find(p, 0, RADIUS_REPLY_MESSAGE, &a);
		if (reply_text)
			text_of(&a, 0, res->message, sizeof(res->message));
		if (radius_find(p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_ERROR, &a)) {
			/* An EAP Reject's MS-CHAP-Error (FreeRADIUS adds one
			 * after an inner MS-CHAPv2) says only "Authentication
			 * rejected": the Reply-Message, when there is one,
			 * names the reason (revoked certificate, ...). */
			char keep[AUTH_MESSAGE_MAX];
			memcpy(keep, res->message, sizeof(keep));
			parse_ms_error(&a, res);
			if (pd->method == AUTH_EAP && reply_text)
				memcpy(res->message, keep, sizeof(keep));
		}
		if (res->win_error == AUTH_E_ACCT_DISABLED)
			res->verdict = AUTH_REJECT_DISABLED;
		else if (res->win_error == AUTH_E_NO_DIALIN_PERMISSION)
			res->verdict = AUTH_REJECT_NO_DIALIN;
		return;
	}
	/* Access-Accept */
	res->verdict = AUTH_ACCEPT;
	snprintf(res->message, sizeof(res->message), "Access-Accept from %s", srv->name);
	accept_attrs(p, res, x);
	if (pd->method == AUTH_MSCHAPV2) {
		if (!radius_find(p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_SUCCESS, &a) ||
		    a.len < 1 + MSCHAP_AUTH_RESPONSE_LEN || a.val[1] != 'S' || a.val[2] != '=') {
			res->verdict = AUTH_REJECT_ERROR;
			snprintf(res->message, sizeof(res->message),
				 "Access-Accept from %s has no valid MS-CHAP2-Success", srv->name);
			return;
		}
		memcpy(res->auth_response, a.val + 1, MSCHAP_AUTH_RESPONSE_LEN);
		res->auth_response[MSCHAP_AUTH_RESPONSE_LEN] = '\0';
		res->has_keys = get_key(p, RADIUS_MS_MPPE_SEND_KEY, srv, req_auth, res->send_key) &&
				get_key(p, RADIUS_MS_MPPE_RECV_KEY, srv, req_auth, res->recv_key);
	} else if (pd->method == AUTH_MSCHAPV1) {
		res->has_keys = v1_keys(pd, p, srv, req_auth, res);
	} else if (pd->method == AUTH_EAP) {
		/* RFC 2716 / 5216 2.3: the keys of the method, as for MS-CHAPv2. */
		res->has_keys = get_key(p, RADIUS_MS_MPPE_SEND_KEY, srv, req_auth, res->send_key) &&
				get_key(p, RADIUS_MS_MPPE_RECV_KEY, srv, req_auth, res->recv_key);
		/* The inner identity, when the server reveals it (accounting). */
		if (radius_find(p, 0, RADIUS_USER_NAME, &a) && a.len) {
			memcpy(x->reply_user, a.val, a.len);
			res->reply_user = x->reply_user;
			res->reply_user_len = a.len;
		}
	}
	if (!res->has_keys) {
		crypto_wipe(res->send_key, sizeof(res->send_key));
		crypto_wipe(res->recv_key, sizeof(res->recv_key));
	}
	if (res->mppe_policy == AUTH_MPPE_POLICY_REQUIRED && !res->has_keys) {
		res->verdict = AUTH_REJECT_ERROR;
		snprintf(res->message, sizeof(res->message),
			 "Access-Accept from %s requires MPPE but carries no MPPE keys", srv->name);
		return;
	}
	if (b->cfg.mppe_required && !res->has_keys) {
		res->verdict = AUTH_REJECT_ERROR;
		snprintf(res->message, sizeof(res->message),
			 "Access-Accept from %s carries no MPPE keys and MPPE is required",
			 srv->name);
	}
}

static void pending_unlink(struct radius_backend *b, struct pending *pd)
{
	if (pd->prev)
		pd->prev->next = pd->next;
	else
		b->pending = pd->next;
	if (pd->next)
		pd->next->prev = pd->prev;
	b->npending--;
}

static void done_cb(void *ctx, const struct radius_packet *reply,
		    const struct radius_server *srv, const uint8_t req_auth[RADIUS_AUTH_LEN])
{
	struct pending *pd = ctx;
	struct radius_backend *b = pd->b;
	struct auth_result res;
	struct accept_extra *x = calloc(1, sizeof(*x));

	memset(&res, 0, sizeof(res));
	res.session = pd->ref;
	res.method = pd->method;
	if (!x) {
		res.verdict = AUTH_REJECT_ERROR;
		snprintf(res.message, sizeof(res.message), "out of memory");
	} else {
		on_reply(b, pd, reply, srv, req_auth, &res, x);
	}
	const char *ev = !reply ? "no-answer"
			 : reply->code == RADIUS_ACCESS_ACCEPT ? "access-accept"
			 : reply->code == RADIUS_ACCESS_CHALLENGE ? "access-challenge"
			 : "access-reject";
	if (pd->method == AUTH_EAP) {
		if (res.verdict == AUTH_CHALLENGE)
			b->eap.challenges++;
		else if (res.verdict == AUTH_ACCEPT)
			b->eap.accepts++;
		else if (reply && reply->code == RADIUS_ACCESS_REJECT)
			b->eap.rejects++;
		if (!reply && pd->pinned)
			b->eap.stranded++;
		/* The exchange stays with the server that holds its State. */
		size_t si = srv ? radius_client_server_index(b->client, srv) : SIZE_MAX;
		if (res.verdict == AUTH_CHALLENGE && srv)
			pin_set(b, pd->ref, si, radius_now_ms());
		else
			pin_drop(b, pd->ref);
		log_info("radius=auth user=%s event=%s server=%s method=eap round=%u "
			 "eap-len=%zu verdict=%s message=%s", LOG_ESC(pd->user), ev,
			 srv ? srv->name : "-", pd->eap_round, res.eap_len,
			 auth_verdict_name(res.verdict), LOG_ESC(res.message));
	} else {
		log_info("radius=auth user=%s event=%s server=%s verdict=%s message=%s",
			 LOG_ESC(pd->user), ev, srv ? srv->name : "-",
			 auth_verdict_name(res.verdict), LOG_ESC(res.message));
	}
	if (x && (x->routes_dropped || x->routes_bad))
		log_warnx("radius=auth user=%s event=framed-route-dropped server=%s kept=%zu "
			  "over-limit=%zu malformed=%zu max=%u first-malformed=%s",
			  LOG_ESC(pd->user), srv ? srv->name : "-", res.nroutes,
			  x->routes_dropped, x->routes_bad, AUTH_ROUTE_MAX, LOG_ESC(x->bad_route));
	if (x && (x->ipv6_bad || x->routes6_dropped))
		log_warnx("radius=auth user=%s event=ipv6-attr-ignored server=%s malformed=%zu "
			  "first=%s reason=%s routes6-kept=%zu routes6-over-limit=%zu max=%u",
			  LOG_ESC(pd->user), srv ? srv->name : "-", x->ipv6_bad,
			  x->ipv6_bad_attr ? x->ipv6_bad_attr : "-",
			  x->ipv6_bad_why ? x->ipv6_bad_why : "-", res.nroutes6,
			  x->routes6_dropped, AUTH_ROUTE_MAX);
	if (res.has_ipv6_prefix && res.ipv6_prefix_len != 64)
		log_notice("radius=auth user=%s event=ipv6-prefix-not-64 server=%s prefix-len=%u",
			   LOG_ESC(pd->user), srv ? srv->name : "-", res.ipv6_prefix_len);
	if (x && x->classes_dropped)
		log_warnx("radius=auth user=%s event=class-dropped server=%s kept=%zu dropped=%zu "
			  "max=%u max-bytes=%u", LOG_ESC(pd->user), srv ? srv->name : "-",
			  x->nclasses, x->classes_dropped, AUTH_CLASS_COUNT_MAX,
			  AUTH_CLASS_BYTES_MAX);
	pending_unlink(b, pd);
	crypto_wipe(pd, sizeof(*pd));
	free(pd);
	b->delivered++;
	b->base.complete(b->base.complete_ctx, &res);
	crypto_wipe(&res, sizeof(res));
	free(x);
}

/* ---- the backend's ops ---- */

static enum auth_submit_status r_submit(struct auth_backend *base, const struct auth_request *rq)
{
	struct radius_backend *b = to_radius(base);
	struct radius_writer *w;
	struct pending *pd;

	if (b->npending >= b->cfg.queue_max)
		return AUTH_SUBMIT_BUSY;
	if (rq->method == AUTH_EAP &&
	    (!rq->u.eap.msg || rq->u.eap.msg_len < EAP_HDR_LEN ||
	     rq->u.eap.msg_len > EAP_PACKET_MAX || rq->u.eap.state_len > RADIUS_ATTR_MAX ||
	     (rq->u.eap.state_len && !rq->u.eap.state))) {
		b->eap.refused++;
		log_warnx("radius=auth user=%s event=eap-round-refused round=%u eap-len=%zu "
			  "state-len=%zu max=%u", LOG_ESC(rq->user), rq->u.eap.round,
			  rq->u.eap.msg_len, rq->u.eap.state_len, EAP_PACKET_MAX);
		return AUTH_SUBMIT_BUSY;
	}
	w = malloc(sizeof(*w));
	pd = calloc(1, sizeof(*pd));
	if (!w || !pd) {
		free(w);
		free(pd);
		return AUTH_SUBMIT_BUSY;
	}
	/* Attributes only: the client adds the header and signs per server. */
	radius_writer_init(w, RADIUS_ACCESS_REQUEST, 0, NULL);
	radius_put(w, RADIUS_USER_NAME, rq->user, rq->user_len);
	put_method(w, rq);
	auth_radius_put_nas(w, &b->cfg.nas, rq->nas_port, &rq->peer, &rq->local, rq->session_id);
	if (b->cfg.framed_mtu)
		radius_put_u32(w, RADIUS_FRAMED_MTU, b->cfg.framed_mtu);
	if (b->extra_len && b->extra_len <= sizeof(w->buf) - w->len) {
		memcpy(w->buf + w->len, b->extra, b->extra_len);
		w->len += b->extra_len;
	}
	pd->b = b;
	pd->ref = rq->session;
	pd->method = rq->method;
	snprintf(pd->user, sizeof(pd->user), "%s", rq->user);
	if (rq->method == AUTH_MSCHAPV1)
		memcpy(pd->v1_challenge, rq->u.mschapv1.challenge, MSCHAP_V1_CHALLENGE_LEN);
	if (rq->method == AUTH_EAP) {
		struct eap_pin *pin = pin_find(b, rq->session, radius_now_ms());
		pd->eap_round = rq->u.eap.round;
		if (pin) {
			pd->pinned = true;
			pd->server = pin->server;
		}
	}
	struct radius_req_params prm = {
		.code = RADIUS_ACCESS_REQUEST,
		.attrs = w->buf + RADIUS_HDR_LEN,
		.attrs_len = w->len - RADIUS_HDR_LEN,
		.password = rq->method == AUTH_PAP ? rq->u.pap.password : NULL,
		.password_len = rq->method == AUTH_PAP ? rq->u.pap.password_len : 0,
		.created_ms = radius_now_ms(),
		.pinned = pd->pinned,
		.server = pd->server,
		/* RFC 3579 3.2: an EAP reply without one is discarded. */
		.require_ma = rq->method == AUTH_EAP,
		.done = done_cb,
		.ctx = pd,
	};
	if (!w->failed)
		pd->req = radius_client_send(b->client, &prm, prm.created_ms);
	crypto_wipe(w, sizeof(*w));
	free(w);
	if (!pd->req) {
		crypto_wipe(pd, sizeof(*pd));
		free(pd);
		return AUTH_SUBMIT_BUSY;
	}
	if (rq->method == AUTH_EAP)
		b->eap.rounds++;
	pd->next = b->pending;
	if (b->pending)
		b->pending->prev = pd;
	b->pending = pd;
	b->npending++;
	return AUTH_SUBMIT_PENDING;
}

static void r_cancel(struct auth_backend *base, struct auth_session_ref s)
{
	struct radius_backend *b = to_radius(base);
	struct pending *pd = b->pending;

	while (pd) {
		struct pending *next = pd->next;
		if (auth_session_ref_eq(pd->ref, s)) {
			radius_client_cancel(b->client, pd->req);
			pending_unlink(b, pd);
			crypto_wipe(pd, sizeof(*pd));
			free(pd);
		}
		pd = next;
	}
	/* Its EAP exchange, if any, is over: the link gave up on it. */
	pin_drop(b, s);
}

static int r_fd(const struct auth_backend *base)
{
	return radius_client_fd(((const struct radius_backend *)base)->client);
}

static size_t r_drain(struct auth_backend *base)
{
	struct radius_backend *b = to_radius(base);
	b->delivered = 0;
	radius_client_run(b->client, radius_now_ms());
	return b->delivered;
}

static void r_free(struct auth_backend *base)
{
	struct radius_backend *b = to_radius(base);
	while (b->pending) {
		struct pending *pd = b->pending;
		radius_client_cancel(b->client, pd->req);
		pending_unlink(b, pd);
		crypto_wipe(pd, sizeof(*pd));
		free(pd);
	}
	while (b->pins)
		pin_free(b, b->pins);
	radius_client_free(b->client);
	free(b->nas_identifier);
	free(b->extra);
	free(b);
}

static const struct auth_backend_ops radius_ops = {
	.name = "radius",
	.submit = r_submit,
	.cancel = r_cancel,
	.fd = r_fd,
	.drain = r_drain,
	.free = r_free,
};

size_t auth_radius_pending(const struct auth_backend *b)
{
	if (!b || b->ops != &radius_ops)
		return 0;
	return ((const struct radius_backend *)b)->npending;
}

const struct radius_stats *auth_radius_stats(const struct auth_backend *b)
{
	if (!b || b->ops != &radius_ops)
		return NULL;
	return radius_client_stats(((const struct radius_backend *)b)->client);
}

const struct auth_radius_eap_stats *auth_radius_eap_stats(const struct auth_backend *b)
{
	if (!b || b->ops != &radius_ops)
		return NULL;
	return &((const struct radius_backend *)b)->eap;
}

size_t auth_radius_eap_pinned(const struct auth_backend *b)
{
	if (!b || b->ops != &radius_ops)
		return 0;
	return ((const struct radius_backend *)b)->npins;
}

struct auth_backend *auth_radius_new(const struct auth_radius_config *cfg,
				     auth_complete_fn complete, void *ctx,
				     char *err, size_t errlen)
{
	struct radius_backend *b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->base.ops = &radius_ops;
	b->base.complete = complete;
	b->base.complete_ctx = ctx;
	b->cfg = *cfg;
	if (!b->cfg.queue_max)
		b->cfg.queue_max = 4096;
	if (cfg->nas.identifier && !(b->nas_identifier = strdup(cfg->nas.identifier)))
		goto oom;
	b->cfg.nas.identifier = b->nas_identifier;
	if (cfg->extra_len) {
		if (!(b->extra = malloc(cfg->extra_len)))
			goto oom;
		memcpy(b->extra, cfg->extra, cfg->extra_len);
		b->extra_len = cfg->extra_len;
	}
	/* The extra attributes tile (type, length, value): an operator's
	 * NAS-Port-Id replaces ours. */
	for (size_t off = 0; off + 2 <= b->extra_len && b->extra[off + 1] >= 2;
	     off += b->extra[off + 1])
		if (b->extra[off] == RADIUS_NAS_PORT_ID)
			b->cfg.nas.port_id_given = true;
	b->cfg.extra = b->extra;
	struct radius_client_config cc = cfg->client;
	cc.what = "auth";
	if (!cc.max_outstanding)
		cc.max_outstanding = b->cfg.queue_max;
	b->client = radius_client_new(&cc, err, errlen);
	if (!b->client) {
		free(b->nas_identifier);
		free(b->extra);
		free(b);
		return NULL;
	}
	return &b->base;
oom:
	free(b->nas_identifier);
	free(b);
	snprintf(err, errlen, "out of memory");
	return NULL;
}
