/*
 * The EAP exchange of one link (RFC 3748), in both roles: the state machine
 * behind the pass-through relay described in eap.h. ppp.c drives it as it
 * drives CHAP (chap.h): no clock and no event loop here, every entry point
 * takes the time in ms, the machine asks for its one timer through
 * cb->set_timer (0 = stop), packets leave through cb->send as EAP packets
 * (code, id, length, data) without the PPP protocol field 0xC227.
 *
 * Authenticator (the server, pass-through): eap_start() sends
 * Request/Identity. A Response whose Identifier matches the outstanding
 * Request is copied into the machine and handed to cb->response (round 1:
 * the Identity Response); the machine then waits for the owner, who answers
 * with eap_request() (the next Request, from RADIUS, sent as it is) or
 * eap_auth_result() (Success or Failure). While the peer is silent the
 * last Request is resent every restart_ms, max_transmits times. Whatever
 * does not fit (a stale Identifier, a duplicate while the owner works, a
 * Request/Success/Failure from the peer, a Length that lies, a packet over
 * EAP_PACKET_MAX) is dropped and reported to cb->dropped with a reason
 * token. At most max_rounds Requests (the Identity one included) and
 * timeout_ms for the whole exchange: beyond, cb->done(EAP_ROUNDS or
 * EAP_TIMEOUT).
 *
 * Peer (the client): Request/Identity is answered with cfg->identity,
 * Request/Notification with an empty Notification Response, any other
 * Request by cb->method (NULL: a legacy Nak with no alternative, type 0).
 * A retransmitted Request (the Identifier last answered) gets the same
 * Response again without asking the method (RFC 3748 4.1). Success after
 * a Response was sent ends with EAP_SUCCESS, Failure with EAP_FAILURE;
 * nothing within timeout_ms: EAP_TIMEOUT.
 *
 * Lifetimes: the owner embeds struct eap (fields private), eap_init() ...
 * eap_free(), which wipes it. Callbacks run inside the entry points and
 * must not call back into the machine; cb->done is the last thing an entry
 * point does. The eap_packet_info given to cb->response points into the
 * machine and stays valid until the next entry point call that changes
 * state (eap_request, eap_auth_result, eap_free).
 */
#ifndef PPTP_COMMON_PPP_EAP_SM_H
#define PPTP_COMMON_PPP_EAP_SM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ppp/eap.h"

#define EAP_IDENTITY_MAX 256 /* identity kept (peer: sent; authenticator: for names) */

enum eap_role {
	EAP_AUTHENTICATOR,
	EAP_PEER,
};

enum eap_outcome {
	EAP_SUCCESS,
	EAP_FAILURE,
	EAP_TIMEOUT,
	EAP_ROUNDS,      /* authenticator: max_rounds Requests were not enough */
};

struct eap_callbacks {
	void (*send)(void *ctx, const uint8_t *pkt, size_t len);
	void (*set_timer)(void *ctx, uint32_t after_ms);
	/* Authenticator: one Response for the owner. */
	void (*response)(void *ctx, const struct eap_packet_info *info);
	/* Peer: the owner's method (as ppp_ops.eap_method); optional. */
	int (*method)(void *ctx, const uint8_t *req, size_t len, uint8_t *resp, size_t cap);
	/* A received packet was dropped; reason is a fixed token. */
	void (*dropped)(void *ctx, const char *reason);
	/* Final outcome; why: a short fixed text for the log. */
	void (*done)(void *ctx, enum eap_outcome o, const char *why);
	/* Optional random source (tests); NULL: crypto_random(). */
	bool (*random)(void *ctx, void *buf, size_t len);
};

struct eap_config {
	const char *identity;    /* peer: the Identity Response (cfg.user) */
	uint32_t restart_ms;     /* authenticator: Request resent; 0: 3000 */
	uint32_t max_transmits;  /* authenticator: sends of one Request; 0: 10 */
	uint32_t timeout_ms;     /* the whole exchange; 0: 60000 */
	uint32_t max_rounds;     /* authenticator: Requests; 0: 50 */
};

struct eap {
	enum eap_role role;
	int state;
	const struct eap_callbacks *cb;
	void *ctx;
	uint8_t id;                      /* authenticator: outstanding Request's; peer: last answered */
	bool answered;                   /* peer: a Response went out */
	unsigned rounds;                 /* authenticator: Requests sent (not counting resends) */
	uint32_t transmits;              /* sends of the current Request */
	/* peer: our identity; authenticator: the peer's (first EAP_IDENTITY_MAX bytes) */
	uint8_t identity[EAP_IDENTITY_MAX];
	size_t identity_len;
	/* the last packet sent: authenticator the Request (or Success/Failure),
	 * peer the Response, for retransmission */
	uint8_t last_tx[EAP_PACKET_MAX];
	size_t last_tx_len;
	/* authenticator: the Response handed to the owner */
	uint8_t rx[EAP_PACKET_MAX];
	struct eap_packet_info info;
	uint64_t retx_at, deadline;
	uint32_t restart_ms, max_transmits, timeout_ms, max_rounds;
};

bool eap_init(struct eap *e, enum eap_role role, const struct eap_config *cfg,
	      const struct eap_callbacks *cb, void *ctx);
void eap_free(struct eap *e);

void eap_start(struct eap *e, uint64_t now_ms);
void eap_input(struct eap *e, const uint8_t *pkt, size_t len, uint64_t now_ms);
void eap_timeout(struct eap *e, uint64_t now_ms);

/* Authenticator, while the owner holds a Response (eap_waiting_owner):
 * the next Request. False (nothing done) when no Response is held; a
 * packet that is no well-formed Request ends the exchange (EAP_FAILURE),
 * one Request too many with EAP_ROUNDS. */
bool eap_request(struct eap *e, const uint8_t *pkt, size_t len, uint64_t now_ms);
/* Authenticator: the verdict. pkt (may be NULL) is the server's Success or
 * Failure, sent when its code matches the verdict and its Length is 4;
 * else the machine makes its own with the last Request's Identifier. */
bool eap_auth_result(struct eap *e, bool accept, const uint8_t *pkt, size_t len,
		     uint64_t now_ms);

bool eap_waiting_owner(const struct eap *e);
unsigned eap_rounds(const struct eap *e);
/* Authenticator: the peer's identity as far as it was kept. */
const uint8_t *eap_identity(const struct eap *e, size_t *len);

#endif
