/*
 * PAP, RFC 1334 section 2. See pap.h.
 */
#include "common/ppp/pap.h"

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/ppp/auth_timer.h"
#include "common/ppp/cp.h"

enum pap_state {
	ST_INITIAL,
	ST_WAIT,     /* authenticator: wants a Request; peer: sent one */
	ST_PENDING,  /* authenticator: the owner is checking */
	ST_SUCCESS,
	ST_FAILED,
	ST_TIMEOUT,
};

static void arm(struct pap *p, uint64_t now)
{
	if (p->cb->set_timer)
		p->cb->set_timer(p->ctx, auth_timer_after(p->retx_at, p->deadline, now));
}

static void finish(struct pap *p, enum pap_outcome o, const char *why, uint64_t now)
{
	p->state = o == PAP_SUCCESS ? ST_SUCCESS : o == PAP_FAILURE ? ST_FAILED : ST_TIMEOUT;
	p->retx_at = 0;
	p->deadline = 0;
	arm(p, now);
	p->cb->done(p->ctx, o, why);
}

static void transmit(struct pap *p)
{
	p->stats.tx++;
	p->cb->send(p->ctx, p->last_tx, p->last_tx_len);
}

bool pap_init(struct pap *p, enum pap_role role, const struct pap_config *cfg,
	      const struct pap_callbacks *cb, void *ctx)
{
	memset(p, 0, sizeof(*p));
	if (!cb || !cb->send || !cb->done || (role == PAP_AUTHENTICATOR && !cb->request))
		return false;
	if (role == PAP_PEER) {
		size_t ul = cfg->user ? strlen(cfg->user) : 0;
		size_t pl = cfg->password ? strlen(cfg->password) : 0;
		if (ul == 0 || ul > PAP_FIELD_MAX || pl > PAP_FIELD_MAX)
			return false;
		memcpy(p->user, cfg->user, ul);
		if (pl)
			memcpy(p->password, cfg->password, pl);
	}
	p->role = role;
	p->cb = cb;
	p->ctx = ctx;
	p->restart_ms = cfg->restart_ms ? cfg->restart_ms : 3000;
	p->max_requests = cfg->max_requests ? cfg->max_requests : 10;
	p->auth_timeout_ms = cfg->auth_timeout_ms ? cfg->auth_timeout_ms : 30000;
	p->max_attempts = cfg->max_attempts ? cfg->max_attempts : 3;
	return true;
}

void pap_free(struct pap *p)
{
	crypto_wipe(p, sizeof(*p));
}

const struct pap_stats *pap_stats(const struct pap *p)
{
	return &p->stats;
}

void pap_start(struct pap *p, uint64_t now)
{
	if (p->state != ST_INITIAL)
		return;
	p->state = ST_WAIT;
	p->deadline = now + p->auth_timeout_ms;
	if (p->role == PAP_PEER) {
		struct wbuf w;
		size_t ul = strlen(p->user), pl = strlen(p->password);
		if (p->cb->random && !p->cb->random(p->ctx, &p->id, 1))
			p->id = 0;
		else if (!p->cb->random && !crypto_random(&p->id, 1))
			p->id = 0;
		wbuf_init(&w, p->last_tx, sizeof(p->last_tx));
		wbuf_u8(&w, PAP_CODE_REQUEST);
		wbuf_u8(&w, p->id);
		wbuf_be16(&w, (uint16_t)(PAP_HDR_LEN + 2 + ul + pl));
		wbuf_u8(&w, (uint8_t)ul);
		wbuf_bytes(&w, p->user, ul);
		wbuf_u8(&w, (uint8_t)pl);
		wbuf_bytes(&w, p->password, pl);
		p->last_tx_len = w.len; /* sizes bounded at init */
		transmit(p);
		p->sent = 1;
		p->retx_at = now + p->restart_ms;
	}
	arm(p, now);
}

/* Answer packet: code, id, msg-length, message. */
static void build_reply(struct pap *p, uint8_t code, uint8_t id, const char *msg)
{
	struct wbuf w;
	size_t ml = msg ? strlen(msg) : 0;

	if (ml > PAP_FIELD_MAX)
		ml = PAP_FIELD_MAX;
	wbuf_init(&w, p->last_tx, sizeof(p->last_tx));
	wbuf_u8(&w, code);
	wbuf_u8(&w, id);
	wbuf_be16(&w, (uint16_t)(PAP_HDR_LEN + 1 + ml));
	wbuf_u8(&w, (uint8_t)ml);
	wbuf_bytes(&w, msg, ml);
	p->last_tx_len = w.len;
}

static void auth_request(struct pap *p, uint8_t id, struct rbuf *body, uint64_t now)
{
	struct pap_request_info info;
	uint8_t ul = 0, pl = 0;

	rbuf_u8(body, &ul);
	info.peer_id = rbuf_take(body, ul);
	rbuf_u8(body, &pl);
	info.password = rbuf_take(body, pl);
	if (!rbuf_ok(body) || rbuf_left(body) != 0 || ul == 0) {
		p->stats.rx_malformed++;
		return;
	}
	if (p->state == ST_PENDING) {
		p->id = id; /* answer the latest retransmission */
		p->stats.rx_ignored++;
		return;
	}
	if (p->state == ST_SUCCESS || p->state == ST_FAILED) {
		p->last_tx[1] = id;
		transmit(p);
		return;
	}
	info.id = id;
	info.peer_id_len = ul;
	info.password_len = pl;
	p->id = id;
	p->state = ST_PENDING;
	if (memchr(info.peer_id, 0, ul) || (pl && memchr(info.password, 0, pl))) {
		pap_auth_result(p, false, "Authentication failure", now);
		return;
	}
	p->cb->request(p->ctx, &info);
}

bool pap_auth_result(struct pap *p, bool accept, const char *message, uint64_t now)
{
	if (p->role != PAP_AUTHENTICATOR || p->state != ST_PENDING)
		return false;
	build_reply(p, accept ? PAP_CODE_ACK : PAP_CODE_NAK, p->id, message);
	transmit(p);
	if (accept) {
		finish(p, PAP_SUCCESS, "authenticated", now);
		return true;
	}
	if (++p->failures < p->max_attempts) {
		p->state = ST_WAIT;
		return true;
	}
	finish(p, PAP_FAILURE, "authentication failed", now);
	return true;
}

static void peer_reply(struct pap *p, uint8_t code, uint8_t id, struct rbuf *body, uint64_t now)
{
	uint8_t ml = 0;
	const uint8_t *msg;

	if (p->state != ST_WAIT || id != p->id) {
		p->stats.rx_ignored++;
		return;
	}
	/* Be lenient with the message: some servers send none at all. */
	if (rbuf_u8(body, &ml) && (msg = rbuf_take(body, ml)) != NULL) {
		size_t n = 0;
		for (size_t i = 0; i < ml && n + 1 < sizeof(p->why); i++)
			p->why[n++] = (msg[i] >= 0x20 && msg[i] < 0x7F) ? (char)msg[i] : '?';
		p->why[n] = '\0';
	} else {
		snprintf(p->why, sizeof(p->why), "%s", code == PAP_CODE_ACK ? "ack" : "nak");
	}
	finish(p, code == PAP_CODE_ACK ? PAP_SUCCESS : PAP_FAILURE, p->why, now);
}

void pap_input(struct pap *p, const uint8_t *pkt, size_t len, uint64_t now)
{
	struct rbuf body;
	uint8_t code = 0, id = 0;

	if (!ppp_cp_read(pkt, len, &code, &id, &body)) {
		p->stats.rx_malformed++;
		return;
	}
	if (p->state == ST_INITIAL || p->state == ST_TIMEOUT) {
		p->stats.rx_ignored++;
		return;
	}
	if (p->role == PAP_AUTHENTICATOR) {
		if (code == PAP_CODE_REQUEST)
			auth_request(p, id, &body, now);
		else
			p->stats.rx_ignored++;
		return;
	}
	if (code == PAP_CODE_ACK || code == PAP_CODE_NAK)
		peer_reply(p, code, id, &body, now);
	else
		p->stats.rx_ignored++;
}

void pap_timeout(struct pap *p, uint64_t now)
{
	if (p->state != ST_WAIT && p->state != ST_PENDING)
		return;
	if (p->deadline && now >= p->deadline) {
		finish(p, PAP_TIMEOUT, "authentication timed out", now);
		return;
	}
	if (p->retx_at && now >= p->retx_at) {
		if (p->sent >= p->max_requests) {
			finish(p, PAP_TIMEOUT, "no answer to authenticate-request", now);
			return;
		}
		transmit(p);
		p->sent++;
		p->retx_at = now + p->restart_ms;
	}
	arm(p, now);
}
