/*
 * The RADIUS authentication backend (struct auth_backend, auth/backend.h)
 * and the NAS attributes that authentication and accounting share.
 *
 * Access-Request (RFC 2865, 2548, 2869): User-Name; for MS-CHAPv2
 * MS-CHAP-Challenge + MS-CHAP2-Response, MS-CHAPv1 MS-CHAP-Challenge +
 * MS-CHAP-Response, CHAP-MD5 CHAP-Password + CHAP-Challenge, PAP
 * User-Password; NAS-IP-Address (if configured), NAS-Identifier, NAS-Port
 * (the call ID), NAS-Port-Id ("pptp:<call ID>"), NAS-Port-Type Virtual,
 * Framed-MTU (the `mtu` key), Service-Type Framed-User,
 * Framed-Protocol PPP, Calling-Station-Id (the client's public address),
 * Called-Station-Id (our address it reached), Acct-Session-Id, the
 * operator's extra attributes (`radius-attr`), Message-Authenticator.
 *
 * Access-Accept: MS-CHAP2-Success (required for MS-CHAPv2: it is what
 * proves the server to the client), MS-MPPE-Send-Key / -Recv-Key (v2) or
 * MS-CHAP-MPPE-Keys (v1) decrypted into the MPPE start keys (send = ours to
 * the client), Framed-IP-Address, Framed-Pool, Session-Timeout,
 * Idle-Timeout, Acct-Interim-Interval, Framed-Route (AUTH_ROUTE_MAX),
 * Framed-IP-Netmask, MS-MPPE-Encryption-Policy / -Types, every Class (AUTH_CLASS_COUNT_MAX,
 * AUTH_CLASS_BYTES_MAX), MS-Primary/Secondary-DNS and
 * -NBNS-Server, Reply-Message. An Accept without keys while MPPE is
 * required becomes AUTH_REJECT_ERROR. Access-Reject: MS-CHAP-Error's E=
 * and M= (else E=691). Access-Challenge: refused, except to an EAP round.
 * No answer from any server: AUTH_REJECT_ERROR "no RADIUS server answered".
 *
 * EAP (AUTH_EAP, RFC 3579): one Access-Request per round, each with a new
 * Identifier and Request Authenticator: User-Name (the outer identity),
 * the peer's EAP packet as EAP-Message attributes of 253 bytes in order,
 * the State of the last Challenge, the NAS attributes and always a
 * Message-Authenticator; no password. Every reply must carry a valid
 * Message-Authenticator whatever the server's setting (else it is
 * discarded, as RFC 3579 3.2 says). Access-Challenge: AUTH_CHALLENGE with
 * the reassembled EAP Request (its EAP Length must be the chain's size)
 * and the State; Access-Accept: the EAP Success, MS-MPPE-Send/Recv-Key and
 * the reply's User-Name besides all of the above; Access-Reject: the EAP
 * Failure, AUTH_REJECT_BAD_CREDENTIALS. A chain longer than EAP_PACKET_MAX
 * is dropped, counted and ends the round with AUTH_REJECT_ERROR.
 * Failover: the first round goes to the first live server and fails over
 * as any request; once a server has answered with a Challenge the State
 * is its own, so the later rounds of that session's exchange are pinned to
 * it (retransmitted there, never failed over) and end with
 * AUTH_REJECT_ERROR when it does not answer. The pin goes with the
 * exchange's end, a cancel, or after 10 minutes without a round.
 *
 * Lifetime: auth_radius_new() .. auth_backend_free(); the backend runs on
 * the owner's thread (its fd is the transport's epoll set). cfg's strings
 * and extra bytes are copied.
 */
#ifndef PPTP_AUTH_BACKEND_RADIUS_H
#define PPTP_AUTH_BACKEND_RADIUS_H

#include "auth/backend.h"
#include "auth/radius_client.h"

/* Who we are to RADIUS (RFC 2865 needs NAS-IP-Address or NAS-Identifier). */
struct auth_radius_nas {
	struct in_addr ip;             /* NAS-IP-Address; 0: not sent */
	const char *identifier;        /* NAS-Identifier; NULL/"": not sent */
	/* The operator's own NAS-Port-Id (radius-attr) goes instead of ours;
	 * set by auth_radius_new() from the extra attributes. */
	bool port_id_given;
};

struct auth_radius_config {
	struct radius_client_config client; /* the authentication servers */
	struct auth_radius_nas nas;
	bool mppe_required;            /* every Accept must carry MPPE keys (so PAP and
					* CHAP-MD5, which give none, fail at once) */
	size_t queue_max;              /* outstanding logins; 0: 4096 */
	const uint8_t *extra;          /* attributes added to every request */
	size_t extra_len;
	uint32_t framed_mtu;           /* Framed-MTU of every request (our `mtu`); 0: none */
};

struct auth_backend *auth_radius_new(const struct auth_radius_config *cfg,
				     auth_complete_fn complete, void *ctx,
				     char *err, size_t errlen);

/* Requests submitted and neither answered nor cancelled yet (0 for
 * another kind): a retired backend is freed when it reaches 0. */
size_t auth_radius_pending(const struct auth_backend *b);
/* The transport's counters of a RADIUS backend; NULL for another kind. */
const struct radius_stats *auth_radius_stats(const struct auth_backend *b);

/* The EAP relay's counters (method AUTH_EAP), since auth_radius_new(). */
struct auth_radius_eap_stats {
	uint64_t rounds;      /* Access-Requests of EAP rounds sent */
	uint64_t challenges;  /* Access-Challenges relayed to the peer (AUTH_CHALLENGE) */
	uint64_t accepts;     /* exchanges ended AUTH_ACCEPT */
	uint64_t rejects;     /* exchanges ended by an Access-Reject */
	uint64_t oversized;   /* replies whose EAP-Message chain passed EAP_PACKET_MAX: dropped */
	uint64_t malformed;   /* replies whose EAP-Message is not one packet of the right code */
	uint64_t stranded;    /* rounds whose exchange's server did not answer */
	uint64_t refused;     /* rounds refused at submit (EAP packet or State too long) */
};

/* NULL for another kind of backend. */
const struct auth_radius_eap_stats *auth_radius_eap_stats(const struct auth_backend *b);
/* EAP exchanges tied to the server that answered them (for tests). */
size_t auth_radius_eap_pinned(const struct auth_backend *b);

/* A Framed-Route value (RFC 2865 5.22): "a.b.c.d[/len] gateway [metric...]";
 * without /len a host route (/32). False for anything else, or host bits
 * set beyond len. */
bool auth_radius_parse_route(const uint8_t *text, size_t len, struct auth_route *out);

/* The NAS and session attributes of Access- and Accounting-Requests:
 * NAS-IP-Address, NAS-Identifier, NAS-Port, NAS-Port-Id ("pptp:" and the
 * NAS-Port, unless nas->port_id_given), NAS-Port-Type, Service-Type,
 * Framed-Protocol, Calling-/Called-Station-Id (peer/local may be NULL),
 * Acct-Session-Id. False if the writer failed. */
bool auth_radius_put_nas(struct radius_writer *w, const struct auth_radius_nas *nas,
			 uint32_t nas_port, const struct sockaddr_storage *peer,
			 const struct sockaddr_storage *local, const char *session_id);

#endif
