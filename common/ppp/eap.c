/*
 * The EAP exchange, RFC 3748, in the authenticator (pass-through) and the
 * peer role. See eap_sm.h for the flow and eap.h for what the owner sees.
 */
#include "common/ppp/eap_sm.h"

#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/ppp/auth_timer.h"
#include "common/ppp/cp.h"

enum eap_state {
	ST_INITIAL,
	ST_WAIT,      /* authenticator: a Request is out; peer: answering Requests */
	ST_PENDING,   /* authenticator: the owner holds a Response */
	ST_SUCCESS,
	ST_FAILED,
	ST_TIMEOUT,
};

#define DEFAULT_RESTART_MS    3000
#define DEFAULT_MAX_TRANSMITS 10
#define DEFAULT_TIMEOUT_MS    60000
#define DEFAULT_MAX_ROUNDS    50
#define EAP_TYPED_MIN         (EAP_HDR_LEN + 1) /* a Request or Response has a Type */

static void arm(struct eap *e, uint64_t now)
{
	if (e->cb->set_timer)
		e->cb->set_timer(e->ctx, auth_timer_after(e->retx_at, e->deadline, now));
}

static void drop(struct eap *e, const char *reason)
{
	if (e->cb->dropped)
		e->cb->dropped(e->ctx, reason);
}

static void send_last(struct eap *e)
{
	if (e->last_tx_len)
		e->cb->send(e->ctx, e->last_tx, e->last_tx_len);
}

/* Keep pkt as the last packet sent and send it. */
static void transmit(struct eap *e, const uint8_t *pkt, size_t len)
{
	if (len > sizeof(e->last_tx))
		return; /* bounded by every caller */
	memmove(e->last_tx, pkt, len);
	e->last_tx_len = len;
	send_last(e);
}

/* Code, Identifier, Length (+ Type and data when typed) into last_tx. */
static void transmit_own(struct eap *e, uint8_t code, uint8_t id, int type, const void *data,
			 size_t dlen)
{
	uint8_t pkt[EAP_TYPED_MIN + EAP_IDENTITY_MAX];
	struct wbuf w;
	size_t typed = type >= 0 ? 1 : 0;

	wbuf_init(&w, pkt, sizeof(pkt));
	wbuf_u8(&w, code);
	wbuf_u8(&w, id);
	wbuf_be16(&w, (uint16_t)(EAP_HDR_LEN + typed + dlen));
	if (type >= 0)
		wbuf_u8(&w, (uint8_t)type);
	wbuf_bytes(&w, data, dlen);
	if (wbuf_ok(&w))
		transmit(e, pkt, w.len);
}

static void finish(struct eap *e, enum eap_outcome o, const char *why, uint64_t now)
{
	e->state = o == EAP_SUCCESS ? ST_SUCCESS : o == EAP_FAILURE ? ST_FAILED : ST_TIMEOUT;
	e->retx_at = 0;
	e->deadline = 0;
	arm(e, now);
	e->cb->done(e->ctx, o, why);
}

bool eap_init(struct eap *e, enum eap_role role, const struct eap_config *cfg,
	      const struct eap_callbacks *cb, void *ctx)
{
	memset(e, 0, sizeof(*e));
	if (!cb || !cb->send || !cb->done || (role == EAP_AUTHENTICATOR && !cb->response))
		return false;
	size_t n = cfg->identity ? strlen(cfg->identity) : 0;
	if (n > EAP_IDENTITY_MAX)
		return false;
	e->role = role;
	e->cb = cb;
	e->ctx = ctx;
	if (role == EAP_PEER) {
		memcpy(e->identity, cfg->identity ? cfg->identity : "", n);
		e->identity_len = n;
	}
	e->restart_ms = cfg->restart_ms ? cfg->restart_ms : DEFAULT_RESTART_MS;
	e->max_transmits = cfg->max_transmits ? cfg->max_transmits : DEFAULT_MAX_TRANSMITS;
	e->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	e->max_rounds = cfg->max_rounds ? cfg->max_rounds : DEFAULT_MAX_ROUNDS;
	return true;
}

void eap_free(struct eap *e)
{
	crypto_wipe(e, sizeof(*e)); /* the TLS records and identities relayed */
}

bool eap_waiting_owner(const struct eap *e)
{
	return e->role == EAP_AUTHENTICATOR && e->state == ST_PENDING;
}

unsigned eap_rounds(const struct eap *e)
{
	return e->rounds;
}

const uint8_t *eap_identity(const struct eap *e, size_t *len)
{
	*len = e->identity_len;
	return e->identity;
}

/* ---- Authenticator ---- */

/* The next Request (ours or the owner's) goes out and is resent while the
 * peer is silent. */
static void send_request(struct eap *e, const uint8_t *pkt, size_t len, uint64_t now)
{
	e->id = pkt[1];
	e->rounds++;
	e->transmits = 1;
	e->state = ST_WAIT;
	transmit(e, pkt, len);
	e->retx_at = now + e->restart_ms;
	arm(e, now);
}

static void auth_input(struct eap *e, uint8_t code, uint8_t id, const uint8_t *pkt, size_t len,
		       uint64_t now)
{
	if (code != EAP_CODE_RESPONSE) {
		drop(e, "not-a-response");
		return;
	}
	if (e->state != ST_WAIT) {
		/* A duplicate of the Response the owner holds, or one the
		 * verdict answered: the verdict goes out again (the peer may
		 * have missed it), as CHAP does. */
		if ((e->state == ST_SUCCESS || e->state == ST_FAILED) && id == e->id &&
		    e->last_tx_len == EAP_HDR_LEN) {
			send_last(e);
			return;
		}
		drop(e, e->state == ST_PENDING && id == e->id ? "duplicate-while-pending" :
		     "unexpected");
		return;
	}
	if (id != e->id) {
		drop(e, "stale-identifier");
		return;
	}
	if (len < EAP_TYPED_MIN) {
		drop(e, "no-type");
		return;
	}
	uint8_t type = pkt[EAP_HDR_LEN];
	bool identity_round = e->rounds == 1;
	if (identity_round && type != EAP_TYPE_IDENTITY) {
		drop(e, "not-an-identity");
		return;
	}
	memcpy(e->rx, pkt, len);
	memset(&e->info, 0, sizeof(e->info));
	e->info.pkt = e->rx;
	e->info.len = len;
	e->info.id = id;
	e->info.type = type;
	e->info.round = e->rounds;
	if (identity_round) {
		size_t n = len - EAP_TYPED_MIN;
		e->info.identity = e->rx + EAP_TYPED_MIN;
		e->info.identity_len = n;
		e->identity_len = n > EAP_IDENTITY_MAX ? EAP_IDENTITY_MAX : n;
		memcpy(e->identity, e->info.identity, e->identity_len);
	}
	e->state = ST_PENDING;
	e->retx_at = 0;
	arm(e, now);
	e->cb->response(e->ctx, &e->info);
}

bool eap_request(struct eap *e, const uint8_t *pkt, size_t len, uint64_t now)
{
	uint16_t plen = 0;

	if (!eap_waiting_owner(e))
		return false;
	if (!pkt || len < EAP_TYPED_MIN || pkt[0] != EAP_CODE_REQUEST ||
	    (plen = load_be16(pkt + 2)) < EAP_TYPED_MIN || plen > len || plen > EAP_PACKET_MAX) {
		finish(e, EAP_FAILURE, "malformed EAP Request from the owner", now);
		return true;
	}
	if (e->rounds >= e->max_rounds) {
		e->rounds++; /* the one refused, for the log */
		finish(e, EAP_ROUNDS, "too many EAP rounds", now);
		return true;
	}
	send_request(e, pkt, plen, now);
	return true;
}

bool eap_auth_result(struct eap *e, bool accept, const uint8_t *pkt, size_t len, uint64_t now)
{
	uint8_t code = accept ? EAP_CODE_SUCCESS : EAP_CODE_FAILURE;

	if (!eap_waiting_owner(e))
		return false;
	if (pkt && len >= EAP_HDR_LEN && pkt[0] == code && load_be16(pkt + 2) == EAP_HDR_LEN)
		transmit(e, pkt, EAP_HDR_LEN);
	else
		transmit_own(e, code, e->id, -1, NULL, 0);
	finish(e, accept ? EAP_SUCCESS : EAP_FAILURE,
	       accept ? "authenticated" : "authentication failed", now);
	return true;
}

/* ---- Peer ---- */

static void peer_request(struct eap *e, uint8_t id, const uint8_t *pkt, size_t len, uint64_t now)
{
	uint8_t resp[EAP_PACKET_MAX];
	uint8_t nak = 0; /* legacy Nak: no alternative method */
	int n;

	if (len < EAP_TYPED_MIN) {
		drop(e, "no-type");
		return;
	}
	if (e->answered && id == e->id) {
		send_last(e); /* a retransmission: the same Response */
		return;
	}
	switch (pkt[EAP_HDR_LEN]) {
	case EAP_TYPE_IDENTITY:
		transmit_own(e, EAP_CODE_RESPONSE, id, EAP_TYPE_IDENTITY, e->identity,
			     e->identity_len);
		break;
	case EAP_TYPE_NOTIFICATION:
		transmit_own(e, EAP_CODE_RESPONSE, id, EAP_TYPE_NOTIFICATION, NULL, 0);
		break;
	case EAP_TYPE_NAK:
		drop(e, "nak-in-request");
		return;
	default:
		if (!e->cb->method) {
			transmit_own(e, EAP_CODE_RESPONSE, id, EAP_TYPE_NAK, &nak, 1);
			break;
		}
		n = e->cb->method(e->ctx, pkt, len, resp, sizeof(resp));
		if (n == 0)
			return; /* ignored: the authenticator resends */
		if (n < 0 || (size_t)n > sizeof(resp) || n < EAP_HDR_LEN) {
			crypto_wipe(resp, sizeof(resp));
			finish(e, EAP_FAILURE, "the EAP method gave up", now);
			return;
		}
		transmit(e, resp, (size_t)n);
		crypto_wipe(resp, sizeof(resp));
		break;
	}
	e->id = id;
	e->answered = true;
}

static void peer_input(struct eap *e, uint8_t code, uint8_t id, const uint8_t *pkt, size_t len,
		       uint64_t now)
{
	switch (code) {
	case EAP_CODE_REQUEST:
		peer_request(e, id, pkt, len, now);
		return;
	case EAP_CODE_SUCCESS:
		/* Not before we took part: a Success right after Identity
		 * would skip the method (and its keys). */
		if (!e->answered) {
			drop(e, "early-success");
			return;
		}
		finish(e, EAP_SUCCESS, "authenticated", now);
		return;
	case EAP_CODE_FAILURE:
		finish(e, EAP_FAILURE, "authentication failed", now);
		return;
	default:
		drop(e, "not-a-request");
		return;
	}
}

/* ---- Entry points ---- */

void eap_start(struct eap *e, uint64_t now)
{
	uint8_t id = 0;

	if (e->state != ST_INITIAL)
		return;
	e->deadline = now + e->timeout_ms;
	e->state = ST_WAIT;
	if (e->role == EAP_AUTHENTICATOR) {
		bool ok = e->cb->random ? e->cb->random(e->ctx, &id, 1) : crypto_random(&id, 1);
		if (!ok) {
			finish(e, EAP_FAILURE, "random number generator failed", now);
			return;
		}
		uint8_t req[EAP_TYPED_MIN] = { EAP_CODE_REQUEST, id, 0, EAP_TYPED_MIN,
					       EAP_TYPE_IDENTITY };
		send_request(e, req, sizeof(req), now);
		return;
	}
	arm(e, now);
}

void eap_input(struct eap *e, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct rbuf body;
	uint8_t code = 0, id = 0;

	/* Length below 4 or beyond the frame: dropped; octets past Length
	 * are padding (RFC 3748 4.1). */
	if (!ppp_cp_read(pkt, len, &code, &id, &body)) {
		drop(e, "bad-length");
		return;
	}
	len = EAP_HDR_LEN + rbuf_left(&body);
	if (len > EAP_PACKET_MAX) {
		drop(e, "too-long");
		return;
	}
	if (e->state == ST_INITIAL || e->state == ST_TIMEOUT) {
		drop(e, "not-running");
		return;
	}
	if (e->role == EAP_AUTHENTICATOR) {
		auth_input(e, code, id, pkt, len, now);
		return;
	}
	if (e->state != ST_WAIT) {
		drop(e, "finished");
		return;
	}
	peer_input(e, code, id, pkt, len, now);
}

void eap_timeout(struct eap *e, uint64_t now)
{
	if (e->state != ST_WAIT && e->state != ST_PENDING)
		return;
	if (e->deadline && now >= e->deadline) {
		finish(e, EAP_TIMEOUT, "EAP exchange timed out", now);
		return;
	}
	if (e->role == EAP_AUTHENTICATOR && e->state == ST_WAIT && e->retx_at &&
	    now >= e->retx_at) {
		if (e->transmits >= e->max_transmits) {
			finish(e, EAP_TIMEOUT, "no response to EAP request", now);
			return;
		}
		send_last(e);
		e->transmits++;
		e->retx_at = now + e->restart_ms;
	}
	arm(e, now);
}
