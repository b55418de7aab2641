/*
 * PAP, RFC 1334 section 2, in both roles.
 *
 * Authenticator (server): waits for Authenticate-Request, parses it
 * strictly (peer-id length and value, password length and value, nothing
 * else inside the length), hands it to the owner through cb->request(), and
 * sends Authenticate-Ack or -Nak when the owner calls pap_auth_result().
 * Requests arriving while the owner is checking only update the identifier
 * the answer will carry (peers such as pppd change it on each
 * retransmission). A Request after the final answer gets that answer again.
 * After a Nak the peer may try again, up to max_attempts requests in all.
 *
 * Peer (client): sends Authenticate-Request and retransmits it (same id)
 * every restart_ms, max_requests times; Ack -> PAP_SUCCESS, Nak ->
 * PAP_FAILURE.
 *
 * Time, timer and output work as in chap.h: now in ms passed in, one timer
 * through cb->set_timer (0 = stop), pap_timeout() when it fires, packets
 * (code, id, length, data) through cb->send for PPP protocol 0xC023. No
 * valid exchange within auth_timeout_ms: PAP_TIMEOUT.
 *
 * Lifetimes: the owner embeds struct pap (private fields), pap_init() ...
 * pap_free() (wipes the password). Callbacks must not free the machine;
 * cb->done is always the last thing a call does.
 */
#ifndef PPTP_COMMON_PPP_PAP_H
#define PPTP_COMMON_PPP_PAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ppp/ppp_defs.h"

#define PAP_PPP_PROTO PPP_PROTO_PAP
#define PAP_HDR_LEN   PPP_CP_HDR_LEN
#define PAP_FIELD_MAX 255 /* one-octet lengths */
#define PAP_PKT_MAX   (PAP_HDR_LEN + 2 + 2 * PAP_FIELD_MAX)

enum pap_code {
	PAP_CODE_REQUEST = 1,
	PAP_CODE_ACK     = 2,
	PAP_CODE_NAK     = 3,
};

enum pap_role {
	PAP_AUTHENTICATOR,
	PAP_PEER,
};

enum pap_outcome {
	PAP_SUCCESS,
	PAP_FAILURE,
	PAP_TIMEOUT,
};

/* Valid during cb->request only. peer_id: 1..255 bytes without NUL;
 * password: 0..255 bytes without NUL. */
struct pap_request_info {
	uint8_t id;
	const uint8_t *peer_id;
	size_t peer_id_len;
	const uint8_t *password;
	size_t password_len;
};

struct pap_callbacks {
	void (*send)(void *ctx, const uint8_t *pkt, size_t len);
	void (*set_timer)(void *ctx, uint32_t after_ms);
	void (*request)(void *ctx, const struct pap_request_info *r); /* authenticator */
	/* why: the peer's or our message, for the log. */
	void (*done)(void *ctx, enum pap_outcome o, const char *why);
	bool (*random)(void *ctx, void *buf, size_t len); /* optional */
};

struct pap_config {
	const char *user;          /* peer */
	const char *password;      /* peer */
	uint32_t restart_ms;       /* 0: 3000 */
	uint32_t max_requests;     /* peer transmissions; 0: 10 */
	uint32_t auth_timeout_ms;  /* 0: 30000 */
	uint32_t max_attempts;     /* authenticator: requests checked; 0: 3 */
};

struct pap_stats {
	uint64_t rx_malformed;
	uint64_t rx_ignored;
	uint64_t tx;
};

struct pap {
	enum pap_role role;
	int state;
	const struct pap_callbacks *cb;
	void *ctx;
	uint8_t id;
	uint8_t last_tx[PAP_PKT_MAX];
	size_t last_tx_len;
	uint32_t sent, failures;
	uint64_t retx_at, deadline;
	uint32_t restart_ms, max_requests, auth_timeout_ms, max_attempts;
	char user[PAP_FIELD_MAX + 1];
	char password[PAP_FIELD_MAX + 1];
	char why[PAP_FIELD_MAX + 1];
	struct pap_stats stats;
};

bool pap_init(struct pap *p, enum pap_role role, const struct pap_config *cfg,
	      const struct pap_callbacks *cb, void *ctx);
void pap_free(struct pap *p);
void pap_start(struct pap *p, uint64_t now_ms);
void pap_input(struct pap *p, const uint8_t *pkt, size_t len, uint64_t now_ms);
void pap_timeout(struct pap *p, uint64_t now_ms);
/* Authenticator: answer the pending request. message: the text sent (may be
 * NULL). False when no request is waiting. */
bool pap_auth_result(struct pap *p, bool accept, const char *message, uint64_t now_ms);
const struct pap_stats *pap_stats(const struct pap *p);

#endif
