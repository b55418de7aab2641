/*
 * The IPv6 control messages a PPP server answers on a session, as pure
 * builders and parsers over caller buffers (no state, no allocation, no
 * sockets): Router Advertisements (RFC 4861 4.2) with the Prefix
 * Information, MTU and RDNSS (RFC 8106) options; Router Solicitations
 * (RFC 4861 4.1, validated as 6.1.1 asks); DHCPv6 Information-Request and
 * its Reply (RFC 8415 / RFC 3736 stateless service: DNS servers and the
 * domain search list); DHCPv6 prefix delegation (RFC 8415 18.3, IA_PD and
 * IA Prefix options, 21.21-21.22): Solicit / Request / Renew / Rebind /
 * Release parsed, Advertise / Reply built with one delegated prefix or
 * NoPrefixAvail. Every packet in and out is a whole IPv6 packet
 * (header included), as it travels in a PPP 0x0057 frame.
 *
 * Every parser reads through common/buf.h and answers ND_OK or the reason
 * the packet is not taken (nd_error_name() for logs and counters); the
 * caller drops what is not ND_OK. Builders return the packet's length, or
 * 0 when it does not fit cap or the parameters are invalid.
 *
 * Addresses are 16 octets in network order; interface identifiers are
 * host-order uint64_t as in ppp/ipv6cp.h (link-local fe80::<iid>).
 */
#ifndef PPTP_COMMON_IPV6_ND_H
#define PPTP_COMMON_IPV6_ND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPV6_HDR_LEN        40
#define IPV6_ADDR_LEN       16
#define IPV6_NH_UDP         17
#define IPV6_NH_ICMPV6      58

#define ICMPV6_ROUTER_SOLICIT 133
#define ICMPV6_ROUTER_ADVERT  134
#define ND_OPT_SOURCE_LLADDR  1
#define ND_OPT_PREFIX_INFO    3
#define ND_OPT_MTU            5
#define ND_OPT_RDNSS          25   /* RFC 8106 */
#define ND_RDNSS_MAX          3
#define ND_HOP_LIMIT          255  /* sent, and required on what we accept */

#define DHCP6_CLIENT_PORT     546
#define DHCP6_SERVER_PORT     547
#define DHCP6_MSG_SOLICIT     1
#define DHCP6_MSG_ADVERTISE   2
#define DHCP6_MSG_REQUEST     3
#define DHCP6_MSG_RENEW       5
#define DHCP6_MSG_REBIND      6
#define DHCP6_MSG_REPLY       7
#define DHCP6_MSG_RELEASE     8
#define DHCP6_MSG_INFO_REQUEST 11
#define DHCP6_OPT_CLIENTID    1
#define DHCP6_OPT_SERVERID    2
#define DHCP6_OPT_IA_NA       3
#define DHCP6_OPT_IA_TA       4
#define DHCP6_OPT_ORO         6
#define DHCP6_OPT_STATUS_CODE 13
#define DHCP6_OPT_RAPID_COMMIT 14
#define DHCP6_OPT_DNS_SERVERS 23   /* RFC 3646 */
#define DHCP6_OPT_DOMAIN_LIST 24
#define DHCP6_OPT_IA_PD       25
#define DHCP6_OPT_IA_PREFIX   26
#define DHCP6_STATUS_SUCCESS  0
#define DHCP6_STATUS_NO_PREFIX_AVAIL 6
#define DHCP6_IA_PD_MAX       4    /* IA_PDs taken from one message */
#define DHCP6_DUID_MIN        3    /* type code and at least one octet */
#define DHCP6_DUID_MAX        130  /* type code and at most 128 octets (RFC 8415 11.1) */
/* Our DUID: DUID-LL (type 3) with hardware type 27 (EUI-64) and the
 * server's interface identifier: stable as long as the identifier is. */
#define DHCP6_SERVER_DUID_LEN 12
#define DHCP6_DOMAIN_MAX      253  /* one name, dotted text */

enum nd_error {
	ND_OK,
	ND_ERR_SHORT,         /* shorter than its headers */
	ND_ERR_VERSION,       /* not IPv6 */
	ND_ERR_LENGTH,        /* payload/UDP length disagrees with the packet */
	ND_ERR_NEXT_HEADER,   /* not ICMPv6 / UDP right after the header */
	ND_ERR_HOP_LIMIT,     /* RS: not 255 (it crossed a router) */
	ND_ERR_TYPE,          /* not a Router Solicitation */
	ND_ERR_CODE,          /* ICMPv6 code not 0 */
	ND_ERR_CHECKSUM,      /* ICMPv6/UDP checksum wrong (or UDP's zero) */
	ND_ERR_OPTION,        /* an option of length 0, past the end, or not allowed */
	ND_ERR_SOURCE,        /* source neither link-local nor (RS) unspecified */
	ND_ERR_DEST,          /* not sent to the all-routers/all-DHCP group or link-local */
	ND_ERR_PORT,          /* UDP not to port 547 */
	ND_ERR_MSG_TYPE,      /* DHCPv6: not the message type(s) this parser takes */
	ND_ERR_NOT_FOR_US,    /* DHCPv6: a Server Identifier that is not ours */
	ND_ERR_NO_CLIENT_ID,  /* DHCPv6 PD: no Client Identifier (RFC 8415 16) */
	ND_ERR_SERVER_ID,     /* DHCPv6 PD: Server Identifier missing (Request, Renew,
	                       * Release) or present (Solicit, Rebind) */
	ND_ERR_NO_IA_PD,      /* DHCPv6 PD: no IA_PD, or more than DHCP6_IA_PD_MAX */
	ND_ERR_COUNT
};

const char *nd_error_name(enum nd_error e);

/* fe80::<iid> */
void ipv6_link_local(uint8_t out[static IPV6_ADDR_LEN], uint64_t iid);
/* The ICMPv6/UDP checksum (RFC 8200 8.1) over the pseudo-header and len
 * octets of payload (its checksum field included: 0 on a valid packet when
 * the field is filled in, the value to store when it is zero). */
uint16_t ipv6_l4_checksum(const uint8_t src[static IPV6_ADDR_LEN],
			  const uint8_t dst[static IPV6_ADDR_LEN], uint8_t next_header,
			  const uint8_t *payload, size_t len);

/* ---- Router Advertisement ---- */

struct nd_ra_params {
	uint64_t router_iid;          /* source fe80::<router_iid> (non-zero) */
	uint8_t dst[IPV6_ADDR_LEN];   /* all zero: ff02::1 (unsolicited) */
	uint8_t cur_hop_limit;        /* for the host's packets; 0: unspecified */
	bool managed, other;          /* M and O flags */
	uint16_t router_lifetime_s;   /* 0: not a default router */
	uint32_t reachable_ms, retrans_ms;
	/* Prefix Information (the session's /64); prefix_len 0: none */
	uint8_t prefix[IPV6_ADDR_LEN];
	uint8_t prefix_len;
	bool on_link, autonomous;     /* L and A flags */
	uint32_t valid_s, preferred_s;
	uint32_t mtu;                 /* MTU option; 0: none */
	uint8_t rdnss[ND_RDNSS_MAX][IPV6_ADDR_LEN];
	unsigned rdnss_count;         /* 0: no RDNSS option */
	uint32_t rdnss_lifetime_s;
};

/* The whole packet (IPv6 header, hop limit 255, checksum) into buf. 0 if it
 * does not fit, router_iid is 0, rdnss_count > ND_RDNSS_MAX, prefix_len >
 * 128 or preferred_s > valid_s. */
size_t nd_build_ra(const struct nd_ra_params *p, uint8_t *buf, size_t cap);

/* ---- Router Solicitation ---- */

struct nd_rs {
	uint8_t src[IPV6_ADDR_LEN];   /* where a solicited RA may go (:: -> ff02::1) */
	bool unspecified_src;
	bool have_source_lladdr;
};

enum nd_error nd_parse_rs(const uint8_t *pkt, size_t len, struct nd_rs *out);

/* ---- DHCPv6 Information-Request and Reply ---- */

struct dhcp6_info_request {
	uint8_t src[IPV6_ADDR_LEN];   /* the client's link-local address */
	uint16_t src_port;            /* the Reply goes back to it */
	uint32_t xid;                 /* 24 bits */
	uint8_t client_id[DHCP6_DUID_MAX];
	size_t client_id_len;         /* 0: none sent (allowed) */
	bool want_dns, want_domains;  /* ORO asked for options 23 / 24 */
};

/* A Server Identifier in the request must be ours (server_iid's DUID). */
enum nd_error dhcp6_parse_info_request(const uint8_t *pkt, size_t len, uint64_t server_iid,
				       struct dhcp6_info_request *out);

struct dhcp6_reply_params {
	uint64_t server_iid;          /* source fe80::<iid>, and our DUID */
	uint8_t dns[ND_RDNSS_MAX][IPV6_ADDR_LEN];
	unsigned dns_count;
	const char *domain;           /* one search domain; NULL or "": none */
};

/* The DUID in our Server Identifier option. */
void dhcp6_server_duid(uint64_t server_iid, uint8_t out[static DHCP6_SERVER_DUID_LEN]);

/* The Reply (type 7, the request's transaction ID, our Server Identifier,
 * its Client Identifier echoed, DNS servers and the domain list when the
 * ORO asked and there are any) with the IPv6 and UDP headers, into buf.
 * 0 if it does not fit, dns_count > ND_RDNSS_MAX or the domain is not a
 * valid name (labels of 1..63 octets, at most DHCP6_DOMAIN_MAX). */
size_t dhcp6_build_reply(const struct dhcp6_info_request *req, const struct dhcp6_reply_params *p,
			 uint8_t *buf, size_t cap);

/* ---- DHCPv6 prefix delegation (RFC 8415 18.3) ---- */

struct dhcp6_pd_request {
	uint8_t src[IPV6_ADDR_LEN];   /* the client's link-local address */
	uint16_t src_port;
	uint8_t msg_type;             /* Solicit, Request, Renew, Rebind, Release */
	uint32_t xid;                 /* 24 bits */
	uint8_t client_id[DHCP6_DUID_MAX];
	size_t client_id_len;         /* always > 0 on ND_OK */
	bool rapid_commit;            /* Solicit with Rapid Commit (option 14) */
	uint32_t iaid[DHCP6_IA_PD_MAX];
	unsigned n_ia_pd;             /* > 0 on ND_OK except for a Release */
};

/* A Solicit (1, with or without Rapid Commit), Request (3), Renew (5),
 * Rebind (6) or Release (8) from a link-local address to port 547 with a
 * valid checksum. Client Identifier required (3..130 octets, once); a
 * Server Identifier required in Request / Renew / Release and then ours
 * (ND_ERR_NOT_FOR_US otherwise), refused in Solicit / Rebind; 1 to
 * DHCP6_IA_PD_MAX IA_PDs (a Release may have none), each at least IAID,
 * T1 and T2 with its options (IA Prefix hints, Status Code) walked in
 * bounds, an IA Prefix at least 25 octets with a length <= 128, T1 <= T2
 * when both are set. IA_NA / IA_TA and unknown options are ignored. */
enum nd_error dhcp6_parse_pd(const uint8_t *pkt, size_t len, uint64_t server_iid,
			     struct dhcp6_pd_request *out);

struct dhcp6_pd_params {
	uint64_t server_iid;          /* source fe80::<iid>, and our DUID */
	uint8_t prefix[IPV6_ADDR_LEN];
	uint8_t prefix_len;           /* 0: none: NoPrefixAvail in each IA_PD */
	uint32_t t1_s, t2_s;          /* in each IA_PD */
	uint32_t preferred_s, valid_s;/* in the IA Prefix */
};

/* The answer (IPv6 and UDP headers, our Server Identifier, the Client
 * Identifier echoed): a Solicit gets an Advertise, or with Rapid Commit a
 * Reply carrying Rapid Commit; Request / Renew / Rebind a Reply. Each
 * IA_PD of the request is answered with its IAID: the first with one IA
 * Prefix (the bits past prefix_len sent as zero), the others, or all when
 * prefix_len is 0, with Status Code NoPrefixAvail inside. A Release gets a
 * Reply with Status Code Success. 0 if it does not fit, server_iid is 0,
 * prefix_len > 128, preferred_s > valid_s or t1_s > t2_s. */
size_t dhcp6_build_pd_reply(const struct dhcp6_pd_request *req, const struct dhcp6_pd_params *p,
			    uint8_t *buf, size_t cap);

#endif
