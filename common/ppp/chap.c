/*
 * The CHAP state machine, RFC 1994, for MD5, MS-CHAPv1 and MS-CHAPv2, in
 * the authenticator and the peer role. See chap.h for the flow.
 */
#include "common/ppp/chap.h"

#include <string.h>

#include "common/auth_codes.h"
#include "common/buf.h"
#include "common/mschap.h"
#include "common/crypto.h"
#include "common/ppp/auth_timer.h"
#include "common/ppp/chap_md5.h"
#include "common/ppp/chap_ms.h"
#include "common/ppp/cp.h"

enum chap_state {
	ST_INITIAL,
	ST_WAIT,      /* authenticator: wants a Response; peer: wants a Challenge */
	ST_PENDING,   /* authenticator: the owner is checking a Response */
	ST_RESPONDED, /* peer: Response sent, wants Success/Failure */
	ST_SUCCESS,
	ST_FAILED,
	ST_TIMEOUT,
};

#define DEFAULT_RESTART_MS     3000
#define DEFAULT_MAX_CHALLENGES 10
#define DEFAULT_AUTH_TIMEOUT   30000
#define DEFAULT_MAX_ATTEMPTS   4
#define DEFAULT_MD5_CHALLENGE  16

const char *chap_algo_name(enum chap_algo a)
{
	switch (a) {
	case CHAP_MD5:      return "chap-md5";
	case CHAP_MSCHAPV1: return "mschapv1";
	case CHAP_MSCHAPV2: return "mschapv2";
	}
	return "unknown";
}

static bool is_ms(const struct chap *c)
{
	return c->algo != CHAP_MD5;
}

static bool get_random(struct chap *c, void *buf, size_t len)
{
	if (c->cb->random)
		return c->cb->random(c->ctx, buf, len);
	return crypto_random(buf, len);
}

static void arm(struct chap *c, uint64_t now)
{
	if (c->cb->set_timer)
		c->cb->set_timer(c->ctx, auth_timer_after(c->retx_at, c->deadline, now));
}

/* Build code/id/length + parts into last_tx and send it. */
static void transmit(struct chap *c, uint8_t code, uint8_t id,
		     const void *a, size_t alen, const void *b, size_t blen,
		     const void *d, size_t dlen)
{
	struct wbuf w;

	wbuf_init(&w, c->last_tx, sizeof(c->last_tx));
	wbuf_u8(&w, code);
	wbuf_u8(&w, id);
	wbuf_be16(&w, (uint16_t)(CHAP_HDR_LEN + alen + blen + dlen));
	wbuf_bytes(&w, a, alen);
	wbuf_bytes(&w, b, blen);
	wbuf_bytes(&w, d, dlen);
	if (!wbuf_ok(&w)) {
		/* Sizes are bounded at init: cannot happen. */
		c->last_tx_len = 0;
		return;
	}
	c->last_tx_len = w.len;
	c->stats.tx++;
	c->cb->send(c->ctx, c->last_tx, c->last_tx_len);
}

static void resend(struct chap *c)
{
	if (!c->last_tx_len)
		return;
	c->stats.tx++;
	c->cb->send(c->ctx, c->last_tx, c->last_tx_len);
}

/* Terminal: stop the timer, then tell the owner (the last thing done). */
static void finish(struct chap *c, enum chap_outcome o, unsigned error, const char *why,
		   uint64_t now)
{
	c->state = o == CHAP_SUCCESS ? ST_SUCCESS : o == CHAP_FAILURE ? ST_FAILED : ST_TIMEOUT;
	c->retx_at = 0;
	c->deadline = 0;
	arm(c, now);
	c->cb->done(c->ctx, o, error, why);
}

bool chap_init(struct chap *c, enum chap_role role, const struct chap_config *cfg,
	       const struct chap_callbacks *cb, void *ctx)
{
	memset(c, 0, sizeof(*c));
	if (cfg->algo != CHAP_MD5 && cfg->algo != CHAP_MSCHAPV1 && cfg->algo != CHAP_MSCHAPV2)
		return false;
	if (!cb || !cb->send || !cb->done)
		return false;
	if (role == CHAP_AUTHENTICATOR && !cb->response)
		return false;
	size_t nlen = cfg->name ? strlen(cfg->name) : 0;
	if (nlen > CHAP_NAME_MAX || (role == CHAP_PEER && nlen == 0))
		return false;
	c->role = role;
	c->algo = cfg->algo;
	c->cb = cb;
	c->ctx = ctx;
	memcpy(c->name, cfg->name ? cfg->name : "", nlen);
	c->name_len = nlen;
	c->restart_ms = cfg->restart_ms ? cfg->restart_ms : DEFAULT_RESTART_MS;
	c->max_challenges = cfg->max_challenges ? cfg->max_challenges : DEFAULT_MAX_CHALLENGES;
	c->auth_timeout_ms = cfg->auth_timeout_ms ? cfg->auth_timeout_ms : DEFAULT_AUTH_TIMEOUT;
	c->max_attempts = cfg->max_attempts ? cfg->max_attempts : DEFAULT_MAX_ATTEMPTS;
	c->md5_challenge_len = cfg->md5_challenge_len ? cfg->md5_challenge_len : DEFAULT_MD5_CHALLENGE;
	if (c->md5_challenge_len > CHAP_CHALLENGE_MAX)
		return false;
	switch (c->algo) {
	case CHAP_MSCHAPV2: c->challenge_len = MSCHAP_CHALLENGE_LEN; break;
	case CHAP_MSCHAPV1: c->challenge_len = MSCHAP_V1_CHALLENGE_LEN; break;
	case CHAP_MD5:      c->challenge_len = c->md5_challenge_len; break;
	}
	if (role == CHAP_PEER && !chap_peer_set_password(c, cfg->password)) {
		chap_free(c);
		return false;
	}
	return true;
}

void chap_free(struct chap *c)
{
	crypto_wipe(c, sizeof(*c));
}

bool chap_peer_set_password(struct chap *c, const char *password)
{
	if (c->role != CHAP_PEER || !password)
		return false;
	size_t len = strlen(password);
	if (len == 0 || len > CHAP_PASSWORD_MAX)
		return false;
	if (is_ms(c)) {
		uint8_t h[MSCHAP_NT_HASH_LEN];
		if (!NtPasswordHash(password, h))
			return false;
		memcpy(c->nt_hash, h, sizeof(h));
		crypto_wipe(h, sizeof(h));
	} else {
		crypto_wipe(c->password, sizeof(c->password));
		memcpy(c->password, password, len);
		c->password_len = len;
	}
	return true;
}

const struct chap_stats *chap_stats(const struct chap *c)
{
	return &c->stats;
}

/* ---- Authenticator ---- */

static void send_challenge(struct chap *c, uint64_t now)
{
	uint8_t vs = (uint8_t)c->challenge_len;

	transmit(c, CHAP_CODE_CHALLENGE, c->id, &vs, 1, c->challenge, c->challenge_len,
		 c->name, c->name_len);
	c->challenges_sent++;
	c->retx_at = now + c->restart_ms;
}

/* A Response with the expected id: parse strictly and hand it over. */
static void auth_response(struct chap *c, uint8_t id, struct rbuf *body, uint64_t now)
{
	struct chap_response_info info;
	uint8_t vs;
	const uint8_t *value;
	bool local_reject = false;

	memset(&info, 0, sizeof(info));
	rbuf_u8(body, &vs);
	value = rbuf_take(body, vs);
	size_t name_len = rbuf_left(body);
	const uint8_t *name = rbuf_take(body, name_len);
	if (!rbuf_ok(body) || !value || name_len == 0 ||
	    vs != (is_ms(c) ? CHAP_MS_VALUE_LEN : CHAP_MD5_LEN)) {
		c->stats.rx_malformed++;
		return;
	}
	info.algo = c->algo;
	info.id = id;
	info.name = name;
	info.name_len = name_len > CHAP_NAME_MAX ? CHAP_NAME_MAX : name_len;
	info.name_sent_len = name_len;
	info.challenge = c->challenge;
	info.challenge_len = c->challenge_len;
	switch (c->algo) {
	case CHAP_MSCHAPV2:
		chap_ms_v2_value_decode(value, info.peer_challenge, info.nt_response);
		break;
	case CHAP_MSCHAPV1:
		if (!chap_ms_v1_value_decode(value, info.nt_response))
			local_reject = true; /* LM-only response: unusable */
		break;
	case CHAP_MD5:
		memcpy(info.md5, value, CHAP_MD5_LEN);
		break;
	}
	if (memchr(name, 0, info.name_len))
		local_reject = true; /* no such user can exist */

	c->state = ST_PENDING;
	c->retx_at = 0;
	arm(c, now);
	if (local_reject) {
		chap_auth_result(c, AUTH_E_AUTHENTICATION_FAILURE, NULL, now);
		return;
	}
	c->cb->response(c->ctx, &info);
}

static void auth_input(struct chap *c, uint8_t code, uint8_t id, struct rbuf *body,
		       uint64_t now)
{
	if (code != CHAP_CODE_RESPONSE) {
		c->stats.rx_ignored++;
		return;
	}
	if (c->state == ST_WAIT && id == c->id) {
		auth_response(c, id, body, now);
		return;
	}
	/* A duplicate of a Response already answered gets the same answer. */
	if (c->state != ST_PENDING && c->last_tx_len && c->last_tx[1] == id &&
	    (c->last_tx[0] == CHAP_CODE_SUCCESS || c->last_tx[0] == CHAP_CODE_FAILURE)) {
		resend(c);
		return;
	}
	c->stats.rx_ignored++;
}

bool chap_auth_result(struct chap *c, unsigned error, const char *auth_response,
		      uint64_t now)
{
	char msg[CHAP_MS_FAILURE_MAX];
	size_t n;

	if (c->role != CHAP_AUTHENTICATOR || c->state != ST_PENDING)
		return false;
	if (error == 0 && c->algo == CHAP_MSCHAPV2 && !auth_response)
		error = AUTH_E_AUTHENTICATION_FAILURE;
	if (error == 0) {
		if (c->algo == CHAP_MSCHAPV2)
			n = chap_ms_format_success(msg, sizeof(msg), auth_response, "Welcome");
		else
			n = (size_t)(stpcpy(msg, "Welcome") - msg);
		transmit(c, CHAP_CODE_SUCCESS, c->id, msg, n, NULL, 0, NULL, 0);
		finish(c, CHAP_SUCCESS, 0, "authenticated", now);
		return true;
	}

	c->failures++;
	bool retry = is_ms(c) && error == AUTH_E_AUTHENTICATION_FAILURE &&
		     c->failures < c->max_attempts;
	uint8_t next[MSCHAP_CHALLENGE_LEN];
	if (retry && !get_random(c, next, c->challenge_len))
		retry = false;
	if (c->algo == CHAP_MSCHAPV2)
		n = chap_ms_format_failure(msg, sizeof(msg), error, retry,
					   retry ? next : c->challenge, c->challenge_len,
					   CHAP_MS_V2_VERSION, "Authentication failure");
	else if (c->algo == CHAP_MSCHAPV1)
		n = chap_ms_format_failure(msg, sizeof(msg), error, retry,
					   retry ? next : c->challenge, c->challenge_len, 0, NULL);
	else
		n = (size_t)(stpcpy(msg, "Authentication failure") - msg);
	transmit(c, CHAP_CODE_FAILURE, c->id, msg, n, NULL, 0, NULL, 0);
	if (retry) {
		/* The peer retries with the next identifier and this challenge. */
		memcpy(c->challenge, next, c->challenge_len);
		c->id++;
		c->state = ST_WAIT;
		arm(c, now);
		return true;
	}
	finish(c, CHAP_FAILURE, error, "authentication failed", now);
	return true;
}

/* ---- Peer ---- */

static void peer_answer(struct chap *c, uint8_t id, const uint8_t *challenge, size_t clen,
			uint64_t now)
{
	uint8_t value[CHAP_MS_VALUE_LEN];
	uint8_t vs;

	memcpy(c->challenge, challenge, clen);
	c->challenge_len = clen;
	c->id = id;
	switch (c->algo) {
	case CHAP_MSCHAPV2:
		if (!get_random(c, c->peer_challenge, sizeof(c->peer_challenge))) {
			finish(c, CHAP_FAILURE, 0, "random number generator failed", now);
			return;
		}
		GenerateNTResponse(c->challenge, c->peer_challenge, c->name, c->name_len,
				   c->nt_hash, c->nt_response);
		chap_ms_v2_value_encode(value, c->peer_challenge, c->nt_response);
		vs = CHAP_MS_VALUE_LEN;
		break;
	case CHAP_MSCHAPV1:
		mschapv1_nt_response(c->challenge, c->nt_hash, c->nt_response);
		chap_ms_v1_value_encode(value, c->nt_response);
		vs = CHAP_MS_VALUE_LEN;
		break;
	case CHAP_MD5:
	default:
		if (!chap_md5_response(id, c->password, c->password_len, c->challenge, clen, value)) {
			finish(c, CHAP_FAILURE, 0, "md5 failed", now);
			return;
		}
		vs = CHAP_MD5_LEN;
		break;
	}
	transmit(c, CHAP_CODE_RESPONSE, id, &vs, 1, value, vs, c->name, c->name_len);
	crypto_wipe(value, sizeof(value));
	c->state = ST_RESPONDED;
	arm(c, now);
}

static void peer_challenge(struct chap *c, uint8_t id, struct rbuf *body, uint64_t now)
{
	uint8_t vs;
	const uint8_t *value;

	if (c->state != ST_WAIT && c->state != ST_RESPONDED) {
		c->stats.rx_ignored++;
		return;
	}
	rbuf_u8(body, &vs);
	value = rbuf_take(body, vs);
	if (!rbuf_ok(body) || !value || vs == 0 ||
	    (c->algo == CHAP_MSCHAPV2 && vs != MSCHAP_CHALLENGE_LEN) ||
	    (c->algo == CHAP_MSCHAPV1 && vs != MSCHAP_V1_CHALLENGE_LEN) ||
	    (c->algo == CHAP_MD5 && vs > CHAP_CHALLENGE_MAX)) {
		c->stats.rx_malformed++;
		return;
	}
	/* The rest is the authenticator's name: informational. */
	if (c->state == ST_RESPONDED && id == c->id && vs == c->challenge_len &&
	    memcmp(value, c->challenge, vs) == 0) {
		resend(c); /* a retransmitted Challenge: the same Response */
		return;
	}
	peer_answer(c, id, value, vs, now);
}

static void peer_success(struct chap *c, struct rbuf *body, uint64_t now)
{
	size_t len = rbuf_left(body);
	const uint8_t *msg = rbuf_take(body, len);

	if (c->algo == CHAP_MSCHAPV2) {
		char expected[MSCHAP_AUTH_RESPONSE_LEN];
		GenerateAuthenticatorResponse(c->nt_hash, c->nt_response, c->peer_challenge,
					      c->challenge, c->name, c->name_len, expected);
		bool ok = msg && chap_ms_check_success(msg, len, expected);
		crypto_wipe(expected, sizeof(expected));
		if (!ok) {
			finish(c, CHAP_FAILURE, 0, "authenticator response missing or wrong", now);
			return;
		}
	}
	finish(c, CHAP_SUCCESS, 0, "authenticated", now);
}

static void peer_failure(struct chap *c, struct rbuf *body, uint64_t now)
{
	size_t len = rbuf_left(body);
	const uint8_t *msg = rbuf_take(body, len);
	struct chap_ms_failure f;

	if (!is_ms(c)) {
		finish(c, CHAP_FAILURE, 0, "authentication failed", now);
		return;
	}
	chap_ms_parse_failure(msg, len, c->challenge_len, &f);
	unsigned error = f.has_error ? f.error : AUTH_E_AUTHENTICATION_FAILURE;
	bool can_retry = f.has_retry && f.retry &&
			 (f.has_challenge || c->algo == CHAP_MSCHAPV1);
	if (can_retry && c->cb->retry && c->cb->retry(c->ctx, &f)) {
		uint8_t next[MSCHAP_CHALLENGE_LEN];
		size_t clen = c->challenge_len;
		if (f.has_challenge)
			memcpy(next, f.challenge, clen);
		else
			memcpy(next, c->challenge, clen);
		peer_answer(c, (uint8_t)(c->id + 1), next, clen, now);
		return;
	}
	finish(c, CHAP_FAILURE, error, "authentication failed", now);
}

static void peer_input(struct chap *c, uint8_t code, uint8_t id, struct rbuf *body,
		       uint64_t now)
{
	switch (code) {
	case CHAP_CODE_CHALLENGE:
		peer_challenge(c, id, body, now);
		return;
	case CHAP_CODE_SUCCESS:
	case CHAP_CODE_FAILURE:
		if (c->state != ST_RESPONDED || id != c->id) {
			c->stats.rx_ignored++;
			return;
		}
		if (code == CHAP_CODE_SUCCESS)
			peer_success(c, body, now);
		else
			peer_failure(c, body, now);
		return;
	default:
		c->stats.rx_ignored++;
		return;
	}
}

bool chap_peer_keys(const struct chap *c, uint8_t send_key[static MSCHAP_START_KEY_LEN],
		    uint8_t recv_key[static MSCHAP_START_KEY_LEN])
{
	if (c->role != CHAP_PEER || c->state != ST_SUCCESS)
		return false;
	if (c->algo == CHAP_MSCHAPV2) {
		mschapv2_start_keys(MSCHAP_ROLE_CLIENT, c->nt_hash, c->nt_response, send_key, recv_key);
		return true;
	}
	if (c->algo == CHAP_MSCHAPV1) {
		mschapv1_start_key(c->nt_hash, c->challenge, send_key);
		memcpy(recv_key, send_key, MSCHAP_START_KEY_LEN);
		return true;
	}
	return false;
}

/* ---- Entry points ---- */

void chap_start(struct chap *c, uint64_t now)
{
	if (c->state != ST_INITIAL)
		return;
	c->deadline = now + c->auth_timeout_ms;
	c->state = ST_WAIT;
	if (c->role == CHAP_AUTHENTICATOR) {
		if (!get_random(c, &c->id, 1) || !get_random(c, c->challenge, c->challenge_len)) {
			finish(c, CHAP_FAILURE, 0, "random number generator failed", now);
			return;
		}
		send_challenge(c, now);
	}
	arm(c, now);
}

void chap_input(struct chap *c, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct rbuf body;
	uint8_t code = 0, id = 0;

	if (!ppp_cp_read(pkt, len, &code, &id, &body)) {
		c->stats.rx_malformed++;
		return;
	}
	if (c->state == ST_INITIAL || c->state == ST_TIMEOUT) {
		c->stats.rx_ignored++;
		return;
	}
	if (c->role == CHAP_AUTHENTICATOR)
		auth_input(c, code, id, &body, now);
	else
		peer_input(c, code, id, &body, now);
}

void chap_timeout(struct chap *c, uint64_t now)
{
	if (c->state != ST_WAIT && c->state != ST_PENDING && c->state != ST_RESPONDED)
		return;
	if (c->deadline && now >= c->deadline) {
		finish(c, CHAP_TIMEOUT, 0, "authentication timed out", now);
		return;
	}
	if (c->retx_at && now >= c->retx_at) {
		if (c->challenges_sent >= c->max_challenges) {
			finish(c, CHAP_TIMEOUT, 0, "no response to challenge", now);
			return;
		}
		resend(c);
		c->challenges_sent++;
		c->retx_at = now + c->restart_ms;
	}
	arm(c, now);
}
