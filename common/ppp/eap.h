/*
 * EAP (RFC 3748) on a PPP link, protocol 0xC227.
 *
 * Server role: the authenticator in pass-through mode (RFC 3748 2.3,
 * RFC 3579). The link answers nothing but Identity itself: it sends
 * Request/Identity, and every Response from the peer, the Identity one
 * first, goes up to the owner (ppp_ops.eap_response) unchanged. The owner
 * relays it to RADIUS and answers with ppp_eap_request() (an
 * Access-Challenge's EAP Request, sent to the peer as it is) or with
 * ppp_auth_result() (Accept or Reject; the EAP Success or Failure of the
 * RADIUS reply goes out when the verdict carries one, else the link makes
 * its own). The link counts rounds (ppp_config.eap_max_rounds) and bounds
 * the whole exchange in time (eap_timeout_s); either limit ends the link
 * with PPP_CAUSE_AUTH_TIMEOUT or PPP_CAUSE_AUTH_FAILED and calls
 * ops->auth_cancel.
 *
 * Client role: the link answers Request/Identity with ppp_config.user and
 * hands every other Request to the owner's method (ppp_ops.eap_method),
 * which writes the Response; on EAP Success it asks the owner for the MPPE
 * start keys (ppp_ops.eap_keys).
 *
 * Lifetimes: every pointer in struct eap_packet_info is valid only during
 * the callback that receives it.
 */
#ifndef PPTP_PPP_EAP_H
#define PPTP_PPP_EAP_H

#include <stddef.h>
#include <stdint.h>

#define EAP_CODE_REQUEST  1
#define EAP_CODE_RESPONSE 2
#define EAP_CODE_SUCCESS  3
#define EAP_CODE_FAILURE  4

#define EAP_TYPE_IDENTITY     1
#define EAP_TYPE_NOTIFICATION 2
#define EAP_TYPE_NAK          3
#define EAP_TYPE_MD5          4
#define EAP_TYPE_TLS          13
#define EAP_TYPE_PEAP         25
#define EAP_TYPE_MSCHAPV2     26

#define EAP_HDR_LEN 4   /* Code, Identifier, Length */
/* The largest EAP packet relayed either way: what fits a PPP frame of the
 * largest MRU we negotiate. Longer ones are dropped and counted. */
#define EAP_PACKET_MAX 1500

/* Server role: one EAP Response from the peer, whole (header included),
 * for the owner to relay. identity is set on the Identity Response only
 * (the peer's outer identity, not NUL-terminated; may be empty). */
struct eap_packet_info {
	const uint8_t *pkt;
	size_t len;
	uint8_t id;
	uint8_t type;                  /* the Response's Type */
	const uint8_t *identity;
	size_t identity_len;
	unsigned round;                /* 1 for the Identity Response */
};

#endif
