/*
 * CHAP (RFC 1994) with its three algorithms: MD5 (5), MS-CHAPv1 (0x80,
 * RFC 2433) and MS-CHAPv2 (0x81, RFC 2759), in both roles.
 *
 * One struct chap is one authentication of one link, either as the
 * authenticator (the server: sends Challenge, checks Response through the
 * owner, answers Success/Failure) or as the peer (the client: answers
 * Challenge, checks the authenticator's Success for MS-CHAPv2). The packet
 * formats specific to MS-CHAP live in chap_ms.h, the MD5 response in
 * chap_md5.h; this file is the state machine and the RFC 1994 framing.
 *
 * No event loop and no clock here: every entry point takes the current time
 * in milliseconds (any monotonic origin), the machine asks for its single
 * timer through cb->set_timer(after_ms, 0 = stop) and the owner calls
 * chap_timeout() when it fires. Packets leave through cb->send() as CHAP
 * packets (code, id, length, data): the owner adds the PPP protocol field
 * 0xC223 (CHAP_PPP_PROTO). chap_input() takes a CHAP packet without it.
 *
 * Authenticator flow: chap_start() sends the Challenge and retransmits it
 * every restart_ms (max_challenges times). A valid Response is handed to
 * cb->response(); the owner submits it to an auth backend and later calls
 * chap_auth_result() with the Windows error number (0 = accept) and, for
 * MS-CHAPv2, the "S=..." authenticator response. A MS-CHAP failure with
 * error 691 allows max_attempts - 1 retries ("R=1" with a fresh challenge; the
 * peer answers with the next id); after that, and for 647/649 or any other
 * code, "R=0" and cb->done(CHAP_FAILURE). A duplicate of an answered
 * Response gets the same Success/Failure again; a Response with a stale id,
 * or one that arrives while the owner is checking, is ignored. No valid
 * exchange within auth_timeout_ms: cb->done(CHAP_TIMEOUT) (the owner then
 * cancels any backend request it still has out).
 *
 * Peer flow: chap_start() arms the authentication timeout; each Challenge
 * is answered (a retransmitted one with the same id gets the same Response).
 * MS-CHAPv2 Success is accepted only with the right authenticator response
 * (mutual authentication). On a Failure with R=1, cb->retry() (if set and
 * it returns true) lets the owner change the password with
 * chap_peer_set_password() and the machine answers the new challenge.
 *
 * Lifetimes: the owner embeds struct chap (fields are private) and calls
 * chap_init() ... chap_free(); chap_free() wipes every secret. Callbacks run
 * inside chap_start/chap_input/chap_timeout/chap_auth_result; the owner must
 * not free the machine from inside one (cb->done is always the last thing a
 * call does, so a "mark dying, free later" owner is safe).
 * crypto_init() must have succeeded.
 */
#ifndef PPTP_COMMON_PPP_CHAP_H
#define PPTP_COMMON_PPP_CHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mschap.h"
#include "common/ppp/ppp_defs.h"

#define CHAP_PPP_PROTO   PPP_PROTO_CHAP
#define CHAP_HDR_LEN     PPP_CP_HDR_LEN
#define CHAP_NAME_MAX    256 /* longest user name accepted or sent */
#define CHAP_PASSWORD_MAX 256
#define CHAP_CHALLENGE_MAX 64 /* MD5 challenge length we send/accept at most */
#define CHAP_PKT_MAX     (CHAP_HDR_LEN + 1 + CHAP_CHALLENGE_MAX + CHAP_NAME_MAX + 64)

enum chap_code {
	CHAP_CODE_CHALLENGE = 1,
	CHAP_CODE_RESPONSE  = 2,
	CHAP_CODE_SUCCESS   = 3,
	CHAP_CODE_FAILURE   = 4,
};

enum chap_algo {
	CHAP_MD5      = 0x05,
	CHAP_MSCHAPV1 = 0x80,
	CHAP_MSCHAPV2 = 0x81,
};

enum chap_role {
	CHAP_AUTHENTICATOR,
	CHAP_PEER,
};

enum chap_outcome {
	CHAP_SUCCESS,
	CHAP_FAILURE,
	CHAP_TIMEOUT,
};

/* A parsed Response, handed to the authenticator's owner. Pointers are valid
 * during the callback only. */
struct chap_response_info {
	enum chap_algo algo;
	uint8_t id;
	const uint8_t *name;           /* 1..CHAP_NAME_MAX bytes, no NUL */
	size_t name_len;
	/* The name's length as sent: above name_len when it was longer than
	 * CHAP_NAME_MAX and name holds its first CHAP_NAME_MAX bytes (the
	 * owner refuses it, and can say why in its log). */
	size_t name_sent_len;
	const uint8_t *challenge;      /* the challenge we sent */
	size_t challenge_len;          /* 16 (v2), 8 (v1), md5_challenge_len */
	uint8_t peer_challenge[MSCHAP_CHALLENGE_LEN];  /* MS-CHAPv2 */
	uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN];   /* MS-CHAPv1 and v2 */
	uint8_t md5[16];               /* CHAP-MD5 response value */
};

/* A MS-CHAP Failure message, parsed (peer side). Missing tokens are
 * reported as absent. */
struct chap_ms_failure {
	bool has_error;
	unsigned error;                /* E= */
	bool has_retry;
	bool retry;                    /* R=1 */
	bool has_challenge;
	uint8_t challenge[MSCHAP_CHALLENGE_LEN]; /* C=: 16 (v2) or 8 (v1) octets */
	size_t challenge_len;
	bool has_version;
	unsigned version;              /* V= */
	const uint8_t *text;           /* M=... up to the end, not NUL-terminated */
	size_t text_len;
};

struct chap_callbacks {
	void (*send)(void *ctx, const uint8_t *pkt, size_t len);
	void (*set_timer)(void *ctx, uint32_t after_ms); /* 0: stop the timer */
	/* Authenticator: a valid Response to check. */
	void (*response)(void *ctx, const struct chap_response_info *r);
	/* Peer: a Failure with R=1; return true to retry (optional). */
	bool (*retry)(void *ctx, const struct chap_ms_failure *f);
	/* Final outcome. error: the Windows error number on MS-CHAP failure
	 * (0 when unknown); why: a short reason for the log. */
	void (*done)(void *ctx, enum chap_outcome o, unsigned error, const char *why);
	/* Optional source of random bytes (tests); NULL: crypto_random(). */
	bool (*random)(void *ctx, void *buf, size_t len);
};

struct chap_config {
	enum chap_algo algo;
	/* Authenticator: our host name in Challenges. Peer: the user name. */
	const char *name;
	/* Peer only: the password (UTF-8 for MS-CHAP, any bytes for MD5). */
	const char *password;
	uint32_t restart_ms;      /* Challenge retransmission; 0: 3000 */
	uint32_t max_challenges;  /* Challenges sent before giving up; 0: 10 */
	uint32_t auth_timeout_ms; /* whole authentication; 0: 30000 */
	/* MS-CHAP Responses checked before the final Failure; 0: 4 (the first
	 * try and 3 retries after E=691). 1: no retry. */
	uint32_t max_attempts;
	uint8_t md5_challenge_len; /* CHAP-MD5 challenge octets; 0: 16 */
};

struct chap_stats {
	uint64_t rx_malformed;    /* dropped: bad framing or contents */
	uint64_t rx_ignored;      /* well-formed but stale, duplicate or unexpected */
	uint64_t tx;
};

/* Private state; embedded by the owner. */
struct chap {
	enum chap_role role;
	enum chap_algo algo;
	int state;
	const struct chap_callbacks *cb;
	void *ctx;
	char name[CHAP_NAME_MAX + 1];
	size_t name_len;
	/* peer secrets */
	uint8_t nt_hash[MSCHAP_NT_HASH_LEN];
	char password[CHAP_PASSWORD_MAX + 1];
	size_t password_len;
	/* current exchange */
	uint8_t challenge[CHAP_CHALLENGE_MAX];
	size_t challenge_len;
	uint8_t id;                     /* authenticator: id expected; peer: id answered */
	uint8_t peer_challenge[MSCHAP_CHALLENGE_LEN];
	uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN];
	uint32_t failures;
	uint32_t challenges_sent;
	/* last packet sent, for retransmission and duplicate answers */
	uint8_t last_tx[CHAP_PKT_MAX];
	size_t last_tx_len;
	/* timers (absolute ms; 0 = off) */
	uint64_t retx_at, deadline;
	uint32_t restart_ms, max_challenges, auth_timeout_ms, max_attempts;
	uint8_t md5_challenge_len;
	struct chap_stats stats;
};

/* False if the configuration is invalid (name too long or empty, unknown
 * algorithm, peer without password, bad MS-CHAP password). */
bool chap_init(struct chap *c, enum chap_role role, const struct chap_config *cfg,
	       const struct chap_callbacks *cb, void *ctx);
void chap_free(struct chap *c);

void chap_start(struct chap *c, uint64_t now_ms);
void chap_input(struct chap *c, const uint8_t *pkt, size_t len, uint64_t now_ms);
void chap_timeout(struct chap *c, uint64_t now_ms);

/* Authenticator: the owner's verdict on the Response last handed over.
 * error 0 accepts; auth_response ("S=" + 40 hex, 42 chars) is required for
 * MS-CHAPv2 acceptance. Returns false (and does nothing) when no Response
 * is waiting for a verdict, e.g. after a timeout. */
bool chap_auth_result(struct chap *c, unsigned error, const char *auth_response,
		      uint64_t now_ms);

/* Peer: replace the password (from the retry callback). */
bool chap_peer_set_password(struct chap *c, const char *password);
/* Peer after CHAP_SUCCESS with MS-CHAP: the MPPE start keys from the
 * client's point of view (v2: RFC 3079 via mschapv2_start_keys; v1: both
 * equal, see mschapv1_start_key). False otherwise. */
bool chap_peer_keys(const struct chap *c, uint8_t send_key[static MSCHAP_START_KEY_LEN],
		    uint8_t recv_key[static MSCHAP_START_KEY_LEN]);

const struct chap_stats *chap_stats(const struct chap *c);
const char *chap_algo_name(enum chap_algo a);

#endif
