/*
 * A session's authentication and address: the link's credentials to the
 * backend (after the canonical name and the lock-out), the completion
 * back, the per-user limit, and the client's address taken from the pools
 * and given back.
 *
 * States (session.h): LINK -> AUTH_WAIT (submitted) or AUTH_REFUSE (ours,
 * answered from the timer); AUTH_WAIT -> NETWORK (accepted, address
 * taken) or LINK (refused). Whatever leaves AUTH_WAIT without a completion
 * cancels the request in the backend (session_auth_drop()).
 *
 * EAP (docs/eap.md) is relayed to RADIUS one round at a time: each EAP
 * Response of the peer is one request (LINK -> AUTH_WAIT), and an
 * Access-Challenge brings the session back to LINK with the next EAP
 * Request sent to the peer (ppp_eap_request()) and its State kept
 * (s->eap_state) for the next round; so an exchange of N rounds is N
 * times LINK -> AUTH_WAIT, ended by an Accept (-> NETWORK) or a refusal
 * (-> LINK). The Identity Response (round 1) names the user as a CHAP
 * name does, lock-out included; the State is freed whenever the exchange
 * ends: verdict, the link's cancel, a new exchange, the session's end.
 */
#include "server/session_priv.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/auth_codes.h"
#include "common/log.h"
#include "common/ppp/ccp.h"
#include "server/login_lock.h"
#include "server/pool.h"
#include "server/server.h"
#include "server/tun.h"

static struct auth_session_ref session_ref(const struct session *s)
{
	return (struct auth_session_ref){ .id = s->slot, .generation = s->serial };
}

unsigned session_count_user(const struct server *srv, const char *user)
{
	unsigned n = 0;
	for (const struct session *s = srv->sessions; s; s = s->next)
		n += session_is_authed(s) && strcmp(s->user, user) == 0;
	return n;
}

void session_count_states(const struct server *srv, unsigned counts[static SESSION_NSTATES])
{
	for (size_t i = 0; i < SESSION_NSTATES; i++)
		counts[i] = 0;
	for (const struct session *s = srv->sessions; s; s = s->next)
		counts[session_state(s)]++;
}

/* ---- the request ---- */

static enum auth_user_domain user_domain(const struct config *cfg)
{
	switch (cfg->user_domain) {
	case CONFIG_USER_DOMAIN_KEEP:   return AUTH_USER_DOMAIN_KEEP;
	case CONFIG_USER_DOMAIN_REFUSE: return AUTH_USER_DOMAIN_REFUSE;
	case CONFIG_USER_DOMAIN_STRIP:  break;
	}
	return AUTH_USER_DOMAIN_STRIP;
}

enum auth_user_status session_canonical_user(const struct server *srv, const void *raw,
					     size_t len, char out[static AUTH_USER_MAX + 1])
{
	size_t n;
	return auth_canonical_user(user_domain(srv->cfg), raw, len, out, &n);
}

/* What every request carries about the session. */
static void fill_common(struct session *s, struct auth_request *rq)
{
	rq->session = session_ref(s);
	memcpy(&rq->peer, &s->peer, sizeof(s->peer));
	rq->local = s->local;
	rq->nas_port = s->call_id;
	snprintf(rq->session_id, sizeof(rq->session_id), "%s", s->acct_id);
}

/* What fill_request() made of the peer's request. */
enum fill_status {
	FILL_OK,
	FILL_BAD_REQUEST,  /* malformed: no name to speak of */
	FILL_BAD_NAME,     /* the name was refused (*ust says why) */
};

static enum fill_status fill_request(struct session *s, struct auth_request *rq,
				     const struct chap_response_info *chap,
				     const struct pap_request_info *pap,
				     enum auth_user_status *ust)
{
	enum auth_user_domain mode = user_domain(s->srv->cfg);

	*ust = AUTH_USER_OK;
	fill_common(s, rq);
	if (chap)
		rq->chap_ident = chap->id;
	if (pap) {
		rq->method = AUTH_PAP;
		*ust = auth_request_set_canonical_user(rq, mode, pap->peer_id, pap->peer_id_len);
		if (*ust != AUTH_USER_OK)
			return FILL_BAD_NAME;
		if (pap->password_len > AUTH_PAP_PASSWORD_MAX)
			return FILL_BAD_REQUEST;
		memcpy(rq->u.pap.password, pap->password, pap->password_len);
		rq->u.pap.password[pap->password_len] = '\0';
		rq->u.pap.password_len = pap->password_len;
		return FILL_OK;
	}
	/* A name longer than the CHAP layer keeps arrives cut: refuse it
	 * for its real length. */
	*ust = chap->name_sent_len > chap->name_len
		       ? AUTH_USER_TOO_LONG
		       : auth_request_set_canonical_user(rq, mode, chap->name, chap->name_len);
	if (*ust != AUTH_USER_OK)
		return FILL_BAD_NAME;
	switch (chap->algo) {
	case CHAP_MSCHAPV2:
		if (chap->challenge_len != MSCHAP_CHALLENGE_LEN)
			return FILL_BAD_REQUEST;
		rq->method = AUTH_MSCHAPV2;
		memcpy(rq->u.mschapv2.auth_challenge, chap->challenge, MSCHAP_CHALLENGE_LEN);
		memcpy(rq->u.mschapv2.peer_challenge, chap->peer_challenge, MSCHAP_CHALLENGE_LEN);
		memcpy(rq->u.mschapv2.nt_response, chap->nt_response, MSCHAP_NT_RESPONSE_LEN);
		break;
	case CHAP_MSCHAPV1:
		if (chap->challenge_len != MSCHAP_V1_CHALLENGE_LEN)
			return FILL_BAD_REQUEST;
		rq->method = AUTH_MSCHAPV1;
		memcpy(rq->u.mschapv1.challenge, chap->challenge, MSCHAP_V1_CHALLENGE_LEN);
		memcpy(rq->u.mschapv1.nt_response, chap->nt_response, MSCHAP_NT_RESPONSE_LEN);
		break;
	case CHAP_MD5:
		if (chap->challenge_len == 0 || chap->challenge_len > AUTH_CHAP_CHALLENGE_MAX)
			return FILL_BAD_REQUEST;
		rq->method = AUTH_CHAP_MD5;
		rq->u.chap_md5.id = chap->id;
		memcpy(rq->u.chap_md5.challenge, chap->challenge, chap->challenge_len);
		rq->u.chap_md5.challenge_len = chap->challenge_len;
		memcpy(rq->u.chap_md5.response, chap->md5, AUTH_MD5_LEN);
		break;
	default:
		return FILL_BAD_REQUEST;
	}
	return FILL_OK;
}

/* Refuse from the timer: ppp_auth_result() may not be called from inside
 * the link's own auth_request callback. */
static void reject_soon(struct session *s, unsigned win_error, const char *msg)
{
	s->srv->stats.auth_fail++;
	s->reject_error = win_error;
	s->reject_msg = msg;
	session_set_state(s, SESSION_AUTH_REFUSE);
}

void session_auth_withdraw(struct session *s)
{
	auth_backend_cancel(s->auth_be ? s->auth_be : s->srv->auth, session_ref(s));
	s->auth_be = NULL;
}

void session_auth_drop(struct session *s)
{
	if (s->state == SESSION_AUTH_WAIT)
		session_auth_withdraw(s);
	if (s->state == SESSION_AUTH_WAIT || s->state == SESSION_AUTH_REFUSE)
		session_set_state(s, SESSION_LINK);
}

void session_auth_request(void *owner, const struct chap_response_info *chap,
			  const struct pap_request_info *pap)
{
	struct session *s = owner;
	struct auth_request rq;
	enum auth_user_status ust;

	/* A new attempt replaces whatever the last one left. */
	session_auth_drop(s);
	session_eap_end(s);
	memset(&rq, 0, sizeof(rq));
	switch (fill_request(s, &rq, chap, pap, &ust)) {
	case FILL_OK:
		break;
	case FILL_BAD_REQUEST:
		log_notice("%s event=auth-fail reason=bad-request", s->log_id);
		reject_soon(s, AUTH_E_AUTHENTICATION_FAILURE, "malformed authentication request");
		auth_request_wipe(&rq);
		return;
	case FILL_BAD_NAME: {
		/* The name as sent, escaped and cut: it is no user of ours. */
		size_t len = pap ? pap->peer_id_len : chap->name_sent_len > chap->name_len
							     ? chap->name_sent_len : chap->name_len;
		const void *name = pap ? (const void *)pap->peer_id : (const void *)chap->name;
		size_t shown = pap ? pap->peer_id_len : chap->name_len;
		log_notice("%s user=%s peer=%s event=auth-fail reason=%s error=%u len=%zu max=%u",
			   LOG_ID(.ctrl = s->ctrl_id, .call = s->call_id, .session = s->serial),
			   LOG_ESC_N(name, shown), s->peer_str, auth_user_status_name(ust),
			   AUTH_E_AUTHENTICATION_FAILURE, len, AUTH_USER_MAX);
		/* No name of an earlier attempt stays on the session. */
		session_set_user(s, NULL);
		login_lock_failed(s->srv, &s->peer, NULL);
		reject_soon(s, AUTH_E_AUTHENTICATION_FAILURE, auth_user_status_name(ust));
		auth_request_wipe(&rq);
		return;
	}
	}
	session_set_user(s, rq.user);
	s->auth_method = rq.method;
	if (login_lock_check(s->srv, &s->peer, s->user, s->serial)) {
		/* Answered as a wrong password is, whether the user exists or
		 * not, and the store is not asked. */
		reject_soon(s, AUTH_E_AUTHENTICATION_FAILURE, "locked out");
	} else if (auth_backend_submit(s->srv->auth, &rq) != AUTH_SUBMIT_PENDING) {
		log_warnx("%s event=auth-fail reason=backend-busy", s->log_id);
		reject_soon(s, AUTH_E_AUTHENTICATION_FAILURE, "authentication backend busy");
	} else {
		s->auth_be = s->srv->auth;
		session_set_state(s, SESSION_AUTH_WAIT);
		log_info("%s method=%s event=auth-request", s->log_id, auth_method_name(rq.method));
	}
	auth_request_wipe(&rq);
}

void session_auth_cancel(void *owner)
{
	session_auth_drop(owner);
	session_eap_end(owner);
}

/* ---- EAP: one request per Response ---- */

void session_eap_end(struct session *s)
{
	free(s->eap_state);
	s->eap_state = NULL;
	s->eap_state_len = 0;
}

/* The Identity Response (round 1): a new exchange, and the user's name
 * from it, refused and locked out as a CHAP name is. False: refused (a
 * refusal is due). */
static bool eap_identity(struct session *s, struct auth_request *rq,
			 const struct eap_packet_info *eap)
{
	enum auth_user_status ust;

	session_eap_end(s);
	ust = auth_request_set_canonical_user(rq, user_domain(s->srv->cfg), eap->identity,
					      eap->identity_len);
	if (ust != AUTH_USER_OK) {
		log_notice("%s user=%s peer=%s event=auth-fail reason=%s error=%u len=%zu max=%u "
			   "method=eap",
			   LOG_ID(.ctrl = s->ctrl_id, .call = s->call_id, .session = s->serial),
			   LOG_ESC_N(eap->identity, eap->identity_len), s->peer_str,
			   auth_user_status_name(ust), AUTH_E_AUTHENTICATION_FAILURE,
			   eap->identity_len, AUTH_USER_MAX);
		session_set_user(s, NULL);
		login_lock_failed(s->srv, &s->peer, NULL);
		reject_soon(s, AUTH_E_AUTHENTICATION_FAILURE, auth_user_status_name(ust));
		return false;
	}
	session_set_user(s, rq->user);
	if (login_lock_check(s->srv, &s->peer, s->user, s->serial)) {
		reject_soon(s, AUTH_E_AUTHENTICATION_FAILURE, "locked out");
		return false;
	}
	return true;
}

void session_eap_response(void *owner, const struct eap_packet_info *eap)
{
	struct session *s = owner;
	struct auth_request rq;

	/* A Response while the last one waits replaces it (the State is
	 * the same: it answers the same Request). */
	session_auth_drop(s);
	s->auth_method = AUTH_EAP;
	memset(&rq, 0, sizeof(rq));
	fill_common(s, &rq);
	rq.method = AUTH_EAP;
	rq.chap_ident = eap->id;
	if (eap->round <= 1) {
		if (!eap_identity(s, &rq, eap)) {
			auth_request_wipe(&rq);
			return;
		}
	} else if (!s->user[0]) {
		/* No Identity came first: the link would not do that. */
		log_notice("%s event=auth-fail reason=bad-request method=eap round=%u", s->log_id,
			   eap->round);
		reject_soon(s, AUTH_E_AUTHENTICATION_FAILURE, "EAP Response before Identity");
		return;
	} else {
		/* Every round names the outer identity (User-Name). */
		snprintf(rq.user, sizeof(rq.user), "%s", s->user);
		rq.user_len = strlen(rq.user);
	}
	rq.u.eap.msg = eap->pkt;
	rq.u.eap.msg_len = eap->len;
	rq.u.eap.state = s->eap_state;
	rq.u.eap.state_len = s->eap_state_len;
	rq.u.eap.round = eap->round;
	if (auth_backend_submit(s->srv->auth, &rq) != AUTH_SUBMIT_PENDING) {
		log_warnx("%s event=auth-fail reason=backend-busy method=eap round=%u", s->log_id,
			  eap->round);
		session_eap_end(s);
		reject_soon(s, AUTH_E_AUTHENTICATION_FAILURE, "authentication backend busy");
	} else {
		s->auth_be = s->srv->auth;
		session_set_state(s, SESSION_AUTH_WAIT);
		/* One line per login at info; the rounds after it at debug. */
		if (eap->round <= 1)
			log_info("%s method=eap event=auth-request round=%u", s->log_id, eap->round);
		else
			log_debug("%s method=eap event=auth-request round=%u type=%u len=%zu",
				  s->log_id, eap->round, eap->type, eap->len);
	}
	auth_request_wipe(&rq);
}

/* ---- the completion ---- */

/* A refusal of the backend, or of ours after its acceptance. eap_pkt:
 * the RADIUS reply's EAP Failure, sent as it is (NULL: the link makes
 * its own, always so when we refuse an Accept: its EAP Success must not
 * reach the peer). The EAP exchange is over either way. */
static void auth_refuse(struct session *s, unsigned win_error, const char *why,
			const char *message, const uint8_t *eap_pkt, size_t eap_len)
{
	s->srv->stats.auth_fail++;
	session_eap_end(s);
	log_notice("%s event=auth-fail reason=%s error=%u message=%s", s->log_id, why, win_error,
		   LOG_ESC(message));
	struct ppp_auth_verdict v = { .win_error = win_error, .message = message,
				      .eap_pkt = eap_pkt, .eap_len = eap_pkt ? eap_len : 0 };
	ppp_auth_result(s->link, &v, server_now_ms());
}

/* An Access-Challenge: back to LINK, its State kept for the next round and
 * its EAP Request to the peer. Without an EAP-Message (a RADIUS error:
 * there is nothing to send) or without memory for the State, the link
 * ends. */
static void eap_challenge(struct session *s, const struct auth_result *res)
{
	uint64_t now = server_now_ms();
	const char *why = NULL;

	session_set_state(s, SESSION_LINK);
	session_eap_end(s);
	if (s->auth_method != AUTH_EAP)
		why = "challenge-not-eap";
	else if (!res->eap_msg || !res->eap_len)
		why = "eap-challenge-without-message";
	else if (res->state_len > SESSION_EAP_STATE_MAX)
		why = "eap-state-too-long";
	else if (res->state && res->state_len) {
		if ((s->eap_state = malloc(res->state_len))) {
			memcpy(s->eap_state, res->state, res->state_len);
			s->eap_state_len = res->state_len;
		} else {
			why = "out-of-memory";
		}
	}
	if (why) {
		s->srv->stats.auth_fail++;
		log_warnx("%s event=auth-fail reason=%s method=%s state-len=%zu "
			  "detail=\"RADIUS Access-Challenge unusable: the link ends\"",
			  s->log_id, why, auth_method_name(s->auth_method), res->state_len);
		ppp_close(s->link, PPP_CAUSE_AUTH_FAILED, "RADIUS Access-Challenge unusable", now);
		session_arm(s);
		return;
	}
	ppp_eap_request(s->link, res->eap_msg, res->eap_len, now);
	session_arm(s);
}

/* An EAP Accept's User-Name (the inner identity: PEAP's user, EAP-TLS's
 * certificate name) is the session's user from here on (the per-user
 * limit, accounting, logs, hooks), canonical as the outer one was; one
 * the canonical form refuses leaves the outer. Logged once, both. */
static void eap_inner_user(struct session *s, const struct auth_result *res)
{
	char inner[AUTH_USER_MAX + 1];
	enum auth_user_status st = session_canonical_user(s->srv, res->reply_user,
							  res->reply_user_len, inner);

	if (st != AUTH_USER_OK) {
		log_notice("%s event=eap-identity outer=%s inner=%s kept=outer reason=%s",
			   s->log_id, LOG_ESC(s->user),
			   LOG_ESC_N(res->reply_user, res->reply_user_len),
			   auth_user_status_name(st));
		return;
	}
	log_notice("%s event=eap-identity outer=%s inner=%s", s->log_id, LOG_ESC(s->user),
		   LOG_ESC(inner));
	session_set_user(s, inner);
}

/* The Accept's Class values, copied for accounting (the result's are the
 * backend's). Without memory the session goes on without them, logged. */
static void session_keep_classes(struct session *s, const struct auth_result *res)
{
	free(s->classes);
	s->classes = NULL;
	s->classes_len = 0;
	if (!res->classes_len || res->classes_len > AUTH_CLASS_BYTES_MAX)
		return;
	if (!(s->classes = malloc(res->classes_len))) {
		log_warnx("%s event=class-dropped reason=out-of-memory", s->log_id);
		return;
	}
	memcpy(s->classes, res->classes, res->classes_len);
	s->classes_len = res->classes_len;
}

/* The user's MPPE policy (RADIUS MS-MPPE-Encryption-Policy / -Types) as
 * CCP key lengths: the configured ones narrowed to the types allowed
 * (*keys_out 0: the configured ones), and whether MPPE is required.
 * False (why set) when the narrowing leaves nothing. */
static bool mppe_policy(const struct server *srv, const struct auth_result *res,
			unsigned *keys_out, bool *require, const char **why)
{
	const struct config *cfg = srv->cfg;
	unsigned keys = CCP_KEY_128 |
			(cfg->mppe_56 && !cfg->require_mppe_128 ? CCP_KEY_56 : 0) |
			(cfg->mppe_40 && !cfg->require_mppe_128 ? CCP_KEY_40 : 0);
	*require = res->mppe_policy == AUTH_MPPE_POLICY_REQUIRED;
	if (!res->mppe_types_given)
		return true;
	unsigned allowed = (res->mppe_types & AUTH_MPPE_TYPE_40 ? CCP_KEY_40 : 0) |
			   (res->mppe_types & AUTH_MPPE_TYPE_56 ? CCP_KEY_56 : 0) |
			   (res->mppe_types & AUTH_MPPE_TYPE_128 ? CCP_KEY_128 : 0);
	if (!(keys & allowed)) {
		/* Refused even when encryption is optional: the verdict cannot
		 * turn CCP off, and a user limited to lengths we never offer is
		 * a configuration error worth seeing. */
		*why = "no key length both the server and the user's encryption types allow";
		return false;
	}
	*keys_out = keys & allowed;
	return true;
}

/* The address for an accepted user: its static one, else the pool's LRU. */
static uint32_t take_address(struct session *s, const struct auth_result *res)
{
	struct server *srv = s->srv;
	uint32_t a = 0;

	if (s->addr)
		return s->addr;
	if (res->pool[0] && !res->has_static_ip) {
		struct pool *np = NULL;
		for (size_t i = 0; i < srv->cfg->pools.n; i++)
			if (strcmp(srv->cfg->pools.p[i].name, res->pool) == 0)
				np = srv->npools[i];
		if (!np) {
			log_warnx("%s event=no-address reason=unknown-pool pool=%s",
				  s->log_id, LOG_ESC(res->pool));
			return 0;
		}
		/* Taken from the named pool, and held in the main one as an
		 * address outside it, so the data path finds its owner. */
		if (!pool_alloc(np, s, &a)) {
			log_warnx("%s event=no-address reason=pool-exhausted pool=%s",
				  s->log_id, LOG_ESC(res->pool));
			return 0;
		}
		if (!pool_reserve(srv->pool, a, s)) {
			pool_release(np, a);
			return 0;
		}
		s->npool = np;
		s->addr = a;
		return a;
	}
	if (res->has_static_ip) {
		a = ntohl(res->static_ip.s_addr);
		if (!pool_reserve(srv->pool, a, s)) {
			char str[INET_ADDRSTRLEN];
			session_fmt_addr(a, str);
			log_warnx("%s event=no-address reason=static-address-busy addr=%s",
				  s->log_id, str);
			return 0;
		}
	} else if (!pool_alloc(srv->pool, s, &a)) {
		log_warnx("%s event=no-address reason=pool-exhausted size=%u",
			  s->log_id, srv->cfg->pool.size);
		return 0;
	}
	s->addr = a;
	if (res->has_static_ip && !pool_contains(srv->pool, a)) {
		/* Inside a named pool: held there too, so Framed-Pool logins do
		 * not get it. Outside every pool: it has no route into tun yet. */
		for (size_t i = 0; i < srv->nnpools && !s->npool; i++) {
			if (!pool_contains(srv->npools[i], a))
				continue;
			if (!pool_reserve(srv->npools[i], a, s)) {
				pool_release(srv->pool, a);
				s->addr = 0;
				log_warnx("%s event=no-address reason=static-address-busy",
					  s->log_id);
				return 0;
			}
			s->npool = srv->npools[i];
		}
		if (!s->npool && srv->tun)
			s->host_route = tun_host_route(srv->tun, a, true);
	}
	return a;
}

void session_auth_complete(void *ctx, const struct auth_result *res)
{
	struct server *srv = ctx;
	struct session *s = session_lookup(srv, res->session);

	if (!s || s->state != SESSION_AUTH_WAIT) {
		srv->stats.auth_stale++;
		log_debug("session-ref=%u/%u event=auth-stale", res->session.id,
			  res->session.generation);
		return;
	}
	s->auth_be = NULL; /* answered: nothing left to cancel */
	if (res->verdict == AUTH_CHALLENGE) {
		eap_challenge(s, res);
		return;
	}
	/* The EAP Success or Failure of the reply, for the peer. */
	const uint8_t *eap_pkt = s->auth_method == AUTH_EAP ? res->eap_msg : NULL;
	if (res->verdict == AUTH_REJECT_BAD_CREDENTIALS)
		login_lock_failed(srv, &s->peer, s->user);
	else if (res->verdict == AUTH_ACCEPT)
		login_lock_succeeded(srv, &s->peer, s->user);
	if (res->verdict != AUTH_ACCEPT) {
		session_set_state(s, SESSION_LINK);
		auth_refuse(s, res->win_error ? res->win_error : auth_verdict_error_code(res->verdict),
			    auth_verdict_name(res->verdict), res->message, eap_pkt, res->eap_len);
		session_arm(s);
		return;
	}
	srv->stats.auth_ok++;
	session_eap_end(s);
	if (s->auth_method == AUTH_EAP && res->reply_user && res->reply_user_len)
		eap_inner_user(s, res);
	/* The count walks every session: only for a user with a limit (the
	 * walk was 6% of the server's CPU per login at 3,000 sessions). */
	if (res->max_sessions && session_count_user(srv, s->user) >= res->max_sessions) {
		/* E=649 (no dial-in permission now): Windows shows it without
		 * asking for the password again, which would not help. */
		char msg[AUTH_MESSAGE_MAX];
		snprintf(msg, sizeof(msg), "session limit reached (%u)", res->max_sessions);
		session_set_state(s, SESSION_LINK);
		auth_refuse(s, AUTH_E_NO_DIALIN_PERMISSION, "session-limit", msg, NULL, 0);
		session_arm(s);
		return;
	}
	unsigned mppe_keys = 0;
	bool mppe_require = false;
	const char *mppe_why = NULL;
	if (!mppe_policy(srv, res, &mppe_keys, &mppe_require, &mppe_why)) {
		session_set_state(s, SESSION_LINK);
		auth_refuse(s, AUTH_E_AUTHENTICATION_FAILURE, "mppe-policy", mppe_why, NULL, 0);
		session_arm(s);
		return;
	}
	if (res->mppe_policy || res->mppe_types_given)
		log_info("%s event=mppe-policy policy=%u types=0x%x required=%s keys=0x%x",
			 s->log_id, res->mppe_policy, res->mppe_types,
			 mppe_require ? "yes" : "no", mppe_keys);
	session_set_state(s, SESSION_NETWORK);
	s->radius_authed = srv->cfg->auth == CONFIG_AUTH_RADIUS;
	s->session_timeout = res->session_timeout;
	/* The user's own idle time (RADIUS Idle-Timeout, the store's column)
	 * before the `idle` key. */
	s->idle_timeout = res->idle_given ? res->idle_timeout : srv->cfg->idle;
	s->interim = res->interim_interval ? res->interim_interval : srv->cfg->radius_acct_interim;
	session_keep_classes(s, res);
	session_routes_keep(s, res);
	s->framed_mtu = res->framed_mtu;
	/* The user's own rates (the store's rate column, RADIUS Filter-Id or
	 * the vendor pair) before the rate-limit keys. */
	s->rate_kbit[SHAPER_DOWN] = res->rate_given ? res->rate_down : srv->cfg->rate_limit_down;
	s->rate_kbit[SHAPER_UP] = res->rate_given ? res->rate_up : srv->cfg->rate_limit_up;
	struct ppp_auth_verdict v = {
		.win_error = 0,
		.message = res->message,
		.auth_response = res->auth_response[0] ? res->auth_response : NULL,
		.have_keys = res->has_keys,
		.peer_addr = take_address(s, res),
	};
	memcpy(v.dns, res->dns, sizeof(v.dns));
	memcpy(v.nbns, res->nbns, sizeof(v.nbns));
	v.mppe_keys = mppe_keys;
	v.mppe_require = mppe_require;
	/* IPv6 (session_ipv6.c): the RADIUS prefix, routes and identifier,
	 * for IPV6CP, which starts after this. */
	v.ipv6_peer_iid = session_ipv6_keep(s, res);
	/* EAP: RADIUS's Success goes to the peer as it is. */
	v.eap_pkt = eap_pkt;
	v.eap_len = eap_pkt ? res->eap_len : 0;
	if (res->has_keys) {
		memcpy(v.send_key, res->send_key, sizeof(v.send_key));
		memcpy(v.recv_key, res->recv_key, sizeof(v.recv_key));
	}
	log_info("%s method=%s event=auth-ok", s->log_id, auth_method_name(res->method));
	ppp_auth_result(s->link, &v, server_now_ms());
	memset(&v, 0, sizeof(v));
	session_arm(s);
}


void session_address_release(struct session *s)
{
	struct server *srv = s->srv;

	if (!s->addr)
		return;
	pool_release(srv->pool, s->addr);
	if (s->npool)
		pool_release(s->npool, s->addr);
	if (s->host_route && srv->tun)
		tun_host_route(srv->tun, s->addr, false);
	s->npool = NULL;
	s->host_route = false;
	s->addr = 0;
}

/* ---- reload: new pools ---- */

/* The index of named pool p in srv->npools, or srv->nnpools. */
static size_t npool_index(const struct server *srv, const struct pool *p)
{
	size_t i = 0;
	while (i < srv->nnpools && srv->npools[i] != p)
		i++;
	return i;
}

/* The index of the pool called name in pools, or pools->n. */
static size_t npool_by_name(const struct config_named_pools *pools, const char *name)
{
	size_t i = 0;
	while (i < pools->n && strcmp(pools->p[i].name, name) != 0)
		i++;
	return i;
}

/* Which new named pool holds s's address: the one whose ranges contain
 * it (so it is never handed out twice), else the one with the name of
 * its old pool (held outside its ranges until released); nnamed: none. */
static size_t npool_target(const struct server *srv, const struct config *next,
			   struct pool **named, size_t nnamed, const struct session *s)
{
	for (size_t k = 0; k < nnamed; k++)
		if (pool_contains(named[k], s->addr))
			return k;
	size_t i = s->npool ? npool_index(srv, s->npool) : srv->nnpools;
	if (i == srv->nnpools)
		return nnamed;
	size_t k = npool_by_name(&next->pools, srv->cfg->pools.p[i].name);
	return k < nnamed ? k : nnamed;
}

bool session_pools_replace(struct server *srv, const struct config *next, struct pool *main,
			   struct pool **named, size_t nnamed)
{
	/* First every address into the new pools (the only step that can
	 * fail, and it leaves the running pools untouched). */
	for (struct session *s = srv->sessions; s; s = s->next) {
		if (!s->addr)
			continue;
		if (!pool_reserve(main, s->addr, s))
			return false;
		size_t k = npool_target(srv, next, named, nnamed, s);
		if (k < nnamed && !pool_reserve(named[k], s->addr, s))
			return false;
	}
	/* Then the sessions point at them (the same choice: nothing changed
	 * in between); an address in no new named pool is held in the main
	 * pool alone. */
	for (struct session *s = srv->sessions; s; s = s->next) {
		if (!s->addr)
			continue;
		size_t k = npool_target(srv, next, named, nnamed, s);
		s->npool = k < nnamed ? named[k] : NULL;
	}
	pool_free(srv->pool);
	for (size_t i = 0; i < srv->nnpools; i++)
		pool_free(srv->npools[i]);
	free(srv->npools);
	srv->pool = main;
	srv->npools = named;
	srv->nnpools = nnamed;
	return true;
}
