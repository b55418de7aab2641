/*
 * Sessions: the PPP link of a call, its timer, authentication through the
 * backend, the client's address, hooks, proxy ARP and the session log lines.
 */
#include "server/session.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "auth/acct.h"
#include "common/log.h"
#include "common/log_id.h"
#include "server/call.h"
#include "server/ctrl.h"
#include "server/datapath.h"
#include "server/hooks.h"
#include "server/login_lock.h"
#include "server/neigh.h"
#include "server/pool.h"
#include "server/server.h"
#include "server/tun.h"

static void session_arm(struct session *s);
static void session_end(struct session *s, enum ppp_cause cause, const char *detail);

/* The session's log identity (log_id.h), re-written whenever a part of it
 * changes; the link's log lines borrow it (struct ppp_config.log_id). */
static void session_log_id_update(struct session *s)
{
	log_id_fmt(s->log_id, &(const struct log_id){ .ctrl = s->ctrl_id, .call = s->call_id,
						       .session = s->serial, .user = s->user,
						       .peer = s->peer_str });
}

/* The session's user name from here on; NULL: none (a refused name). */
static void session_set_user(struct session *s, const char *user)
{
	snprintf(s->user, sizeof(s->user), "%s", user ? user : "");
	session_log_id_update(s);
}

static void fmt_addr(uint32_t host, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(host) };
	if (!host || !inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN))
		strcpy(out, "-");
}

/* ---- the slot table ---- */

static bool slot_take(struct server *srv, struct session *s)
{
	for (uint32_t i = 0; i < srv->nslots; i++) {
		uint32_t k = srv->slot_cursor++ % srv->nslots;
		if (srv->session_slot[k])
			continue;
		srv->session_slot[k] = s;
		s->slot = k;
		if (++srv->session_serial == 0)
			srv->session_serial = 1;
		s->serial = srv->session_serial;
		return true;
	}
	return false;
}

struct session *session_lookup(const struct server *srv, struct auth_session_ref ref)
{
	if (ref.id >= srv->nslots)
		return NULL;
	struct session *s = srv->session_slot[ref.id];
	if (!s || s->serial != ref.generation || s->dying)
		return NULL;
	return s;
}

static struct auth_session_ref session_ref(const struct session *s)
{
	return (struct auth_session_ref){ .id = s->slot, .generation = s->serial };
}

unsigned session_count_user(const struct server *srv, const char *user)
{
	unsigned n = 0;
	for (const struct session *s = srv->sessions; s; s = s->next)
		n += s->authed && !s->link_done && strcmp(s->user, user) == 0;
	return n;
}

/* ---- the timer ---- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t session_deadline(const struct session *s)
{
	if (s->dying || s->link_done)
		return UINT64_MAX;
	if (s->reject_due)
		return 0;
	if (!s->started)
		return s->open_deadline;
	uint64_t d = ppp_next_deadline(s->link);
	if (!s->up)
		return d;
	return min_u64(min_u64(d, s->end_at), min_u64(s->idle_check_at, s->interim_at));
}

/* Re-arm the one timer after any call into the link (cheap when the
 * deadline did not move, as after most data packets). */
static void session_arm(struct session *s)
{
	struct ev_loop *loop = s->srv->loop;
	uint64_t due = session_deadline(s);

	if (due == s->armed_at && (due == UINT64_MAX || ev_is_active(&s->timer)))
		return;
	ev_timer_stop(loop, &s->timer);
	s->armed_at = due;
	if (due == UINT64_MAX)
		return;
	uint64_t now = server_now_ms();
	ev_timer_set(&s->timer, due > now ? (double)(due - now) / 1000.0 : 0., 0.);
	ev_timer_start(loop, &s->timer);
}

/* Start LCP (passive open ends). */
static void session_open(struct session *s, uint64_t now)
{
	s->started = true;
	s->started_ms = now;
	ppp_start(s->link, now);
}

/* ---- accounting ---- */

static void acct_fill(const struct session *s, struct acct_session *as,
		      struct sockaddr_storage *peer, uint64_t now)
{
	const struct ppp_stats *ps = ppp_stats(s->link);

	memset(as, 0, sizeof(*as));
	as->session_id = s->acct_id;
	as->user = s->user;
	as->nas_port = s->call_id;
	memset(peer, 0, sizeof(*peer));
	memcpy(peer, &s->peer, sizeof(s->peer));
	as->peer = peer;
	as->local = &s->local;
	as->framed_ip = s->addr;
	as->class_val = s->class_len ? s->class_val : NULL;
	as->class_len = s->class_len;
	as->radius_authentic = s->radius_authed;
	as->session_time = s->up_ms && now > s->up_ms ? (uint32_t)((now - s->up_ms) / 1000) : 0;
	as->in_octets = ps->rx_ip_bytes;
	as->out_octets = ps->tx_ip_bytes;
	as->in_packets = ps->rx_ip_packets;
	as->out_packets = ps->tx_ip_packets;
}

static void acct_send(struct session *s, uint32_t status, enum ppp_cause cause, uint64_t now)
{
	struct acct_session as;
	struct sockaddr_storage peer;

	if (!s->srv->acct)
		return;
	acct_fill(s, &as, &peer, now);
	if (status == RADIUS_ACCT_STOP)
		as.terminate_cause = cause == PPP_CAUSE_LOWER_DOWN && s->peer_hangup
					     ? RADIUS_TERM_USER_REQUEST
					     : session_terminate_cause(cause);
	acct_record(s->srv->acct, status, &as);
}

unsigned session_terminate_cause(enum ppp_cause cause)
{
	switch (cause) {
	case PPP_CAUSE_PEER_TERMINATE:     return RADIUS_TERM_USER_REQUEST;
	case PPP_CAUSE_LOWER_DOWN:
	case PPP_CAUSE_KEEPALIVE:          return RADIUS_TERM_LOST_CARRIER;
	case PPP_CAUSE_SESSION_TIMEOUT:    return RADIUS_TERM_SESSION_TIMEOUT;
	case PPP_CAUSE_IDLE_TIMEOUT:       return RADIUS_TERM_IDLE_TIMEOUT;
	case PPP_CAUSE_ADMIN:              return RADIUS_TERM_ADMIN_RESET;
	case PPP_CAUSE_SHUTDOWN:           return RADIUS_TERM_NAS_REBOOT;
	case PPP_CAUSE_AUTH_FAILED:
	case PPP_CAUSE_AUTH_TIMEOUT:
	case PPP_CAUSE_ENCRYPTION_REFUSED:
	case PPP_CAUSE_MPPE_ABUSE:
	case PPP_CAUSE_CCP_RENEGOTIATED:   return RADIUS_TERM_USER_ERROR;
	case PPP_CAUSE_NO_ADDRESS:         return RADIUS_TERM_SERVICE_UNAVAILABLE;
	case PPP_CAUSE_NONE:
	case PPP_CAUSE_LCP_FAILED:
	case PPP_CAUSE_LOOPBACK:
	case PPP_CAUSE_IPCP_FAILED:
	case PPP_CAUSE_MPPE_ERROR:
		break;
	}
	return RADIUS_TERM_NAS_ERROR;
}

/* ---- session and idle timeouts, interim updates ---- */

/* Idle checks run this often (a tenth of the limit, at least 1 s), so a
 * session is ended between T and 1.1 T after its last packet. */
static uint64_t idle_step_ms(const struct session *s)
{
	uint64_t step = (uint64_t)s->idle_timeout * 100u;
	return step < 1000 ? 1000 : step;
}

/* The session- and idle-timeout deadlines from the limits in force. */
static void limits_arm(struct session *s, uint64_t now)
{
	s->end_at = s->session_timeout ? s->up_ms + (uint64_t)s->session_timeout * 1000u
				       : UINT64_MAX;
	s->idle_check_at = s->idle_timeout ? now + idle_step_ms(s) : UINT64_MAX;
}

/* The session is up: its limits and Interim-Updates start counting. */
static void limits_start(struct session *s, uint64_t now)
{
	s->last_active_ms = now;
	s->active_mark = 0;
	limits_arm(s, now);
	s->interim_at = s->interim && s->srv->acct ? now + (uint64_t)s->interim * 1000u
						   : UINT64_MAX;
}

void session_set_limits(struct session *s, bool set_session, uint32_t session_timeout,
			bool set_idle, uint32_t idle_timeout)
{
	if (set_session)
		s->session_timeout = session_timeout;
	if (set_idle)
		s->idle_timeout = idle_timeout;
	if (s->up)
		limits_arm(s, server_now_ms());
	log_notice("%s event=limits-changed session-timeout=%u idle-timeout=%u",
		   s->log_id, s->session_timeout, s->idle_timeout);
	session_arm(s);
}

/* True if the session is being closed. */
static bool session_limits_due(struct session *s, uint64_t now)
{
	if (now >= s->end_at) {
		char d[64];
		snprintf(d, sizeof(d), "session timeout (%u s)", s->session_timeout);
		session_close(s, PPP_CAUSE_SESSION_TIMEOUT, d);
		return true;
	}
	if (now >= s->idle_check_at) {
		const struct ppp_stats *ps = ppp_stats(s->link);
		uint64_t mark = ps->rx_ip_packets + ps->tx_ip_packets;
		if (mark != s->active_mark) {
			s->active_mark = mark;
			s->last_active_ms = now;
		}
		if (now - s->last_active_ms >= (uint64_t)s->idle_timeout * 1000u) {
			char d[64];
			snprintf(d, sizeof(d), "idle timeout (%u s)", s->idle_timeout);
			session_close(s, PPP_CAUSE_IDLE_TIMEOUT, d);
			return true;
		}
		s->idle_check_at = now + idle_step_ms(s);
	}
	if (now >= s->interim_at) {
		acct_send(s, RADIUS_ACCT_INTERIM_UPDATE, PPP_CAUSE_NONE, now);
		s->interim_at = now + (uint64_t)s->interim * 1000u;
	}
	return false;
}

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct session *s = container_of(w, struct session, timer);
	(void)loop;
	(void)revents;

	s->armed_at = UINT64_MAX;
	if (s->dying || s->link_done)
		return;
	uint64_t now = server_now_ms();
	if (!s->started) {
		if (now >= s->open_deadline)
			session_open(s, now);
	} else if (s->reject_due) {
		struct ppp_auth_verdict v = {
			.win_error = s->reject_error, .message = s->reject_msg,
		};
		s->reject_due = false;
		ppp_auth_result(s->link, &v, now);
	} else {
		if (s->up && session_limits_due(s, now))
			return; /* closing: session_close() re-armed the timer */
		ppp_on_timer(s->link, now);
	}
	session_arm(s);
}

/* ---- hooks and proxy ARP ---- */

static void hook_done(void *arg, int status, bool timed_out)
{
	struct session *s = arg;

	s->hook = NULL;
	if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("%s event=hook-failed hook=ip-up status=%d%s", s->log_id,
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1, timed_out ? " timed-out=yes" : "");
}

static void hook_down_done(void *arg, int status, bool timed_out)
{
	struct server *srv = arg;

	srv->hooks_running--;
	if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("event=hook-failed hook=ip-down status=%d%s",
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			  timed_out ? " timed-out=yes" : "");
	server_check_done(srv);
}

static void run_hook(struct session *s, const char *path, bool up)
{
	struct server *srv = s->srv;
	char ipparam[INET_ADDRSTRLEN];

	if (!path)
		return;
	fmt_addr(ntohl(s->peer.sin_addr.s_addr), ipparam);
	struct hook_env env = {
		.ifname = srv->tun ? srv->tun->name : NULL,
		.tty = "pptp",
		.speed = 0,
		.local = ntohl(srv->cfg->localip.s_addr),
		.remote = s->addr,
		.ipparam = ipparam, /* poptop passes the client's address as ipparam */
		.peername = s->user,
		.peer = s->peer_str,
		.call_id = s->call_id,
	};
	if (up) {
		s->hook = hook_run(srv->loop, path, &env, SESSION_HOOK_LIMIT, hook_done, s);
	} else if (hook_run(srv->loop, path, &env, SESSION_HOOK_LIMIT, hook_down_done, srv)) {
		/* ip-down outlives the session; the server counts it so shutdown
		 * can wait for it (within its bound). */
		srv->hooks_running++;
	}
}

/* ---- the link's callbacks ---- */

static void link_send(void *owner, uint8_t *frame, size_t len)
{
	struct session *s = owner;
	if (s->call)
		call_send_frame(s->call, frame, len);
}

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
	rq->session = session_ref(s);
	memcpy(&rq->peer, &s->peer, sizeof(s->peer));
	rq->local = s->local;
	rq->nas_port = s->call_id;
	snprintf(rq->session_id, sizeof(rq->session_id), "%s", s->acct_id);
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
	s->reject_due = true;
	s->reject_error = win_error;
	s->reject_msg = msg;
}

static void link_auth_request(void *owner, const struct chap_response_info *chap,
			      const struct pap_request_info *pap)
{
	struct session *s = owner;
	struct auth_request rq;
	enum auth_user_status ust;

	memset(&rq, 0, sizeof(rq));
	switch (fill_request(s, &rq, chap, pap, &ust)) {
	case FILL_OK:
		break;
	case FILL_BAD_REQUEST:
		log_notice("%s event=auth-fail reason=bad-request", s->log_id);
		reject_soon(s, 691, "malformed authentication request");
		auth_request_wipe(&rq);
		return;
	case FILL_BAD_NAME: {
		/* The name as sent, escaped and cut: it is no user of ours. */
		size_t len = pap ? pap->peer_id_len : chap->name_sent_len > chap->name_len
							     ? chap->name_sent_len : chap->name_len;
		const void *name = pap ? (const void *)pap->peer_id : (const void *)chap->name;
		size_t shown = pap ? pap->peer_id_len : chap->name_len;
		log_notice("%s user=%s peer=%s event=auth-fail reason=%s error=691 len=%zu max=%u",
			   LOG_ID(.ctrl = s->ctrl_id, .call = s->call_id, .session = s->serial),
			   LOG_ESC_N(name, shown), s->peer_str, auth_user_status_name(ust), len,
			   AUTH_USER_MAX);
		/* No name of an earlier attempt stays on the session. */
		session_set_user(s, NULL);
		login_lock_failed(s->srv, &s->peer, NULL);
		reject_soon(s, 691, auth_user_status_name(ust));
		auth_request_wipe(&rq);
		return;
	}
	}
	session_set_user(s, rq.user);
	if (s->auth_pending)
		auth_backend_cancel(s->srv->auth, session_ref(s));
	s->auth_pending = false;
	if (login_lock_check(s->srv, &s->peer, s->user, s->serial)) {
		/* Answered as a wrong password is, whether the user exists or
		 * not, and the store is not asked. */
		reject_soon(s, 691, "locked out");
	} else if (auth_backend_submit(s->srv->auth, &rq) != AUTH_SUBMIT_PENDING) {
		log_warnx("%s event=auth-fail reason=backend-busy", s->log_id);
		reject_soon(s, 691, "authentication backend busy");
	} else {
		s->auth_pending = true;
		log_info("%s method=%s event=auth-request", s->log_id, auth_method_name(rq.method));
	}
	auth_request_wipe(&rq);
}

static void link_auth_cancel(void *owner)
{
	struct session *s = owner;
	if (s->auth_pending)
		auth_backend_cancel(s->srv->auth, session_ref(s));
	s->auth_pending = false;
	s->reject_due = false;
}

static void link_ip_up(void *owner, const struct ppp_ip_info *info)
{
	struct session *s = owner;
	struct server *srv = s->srv;
	char addr[INET_ADDRSTRLEN];

	if (info->peer_addr != s->addr)
		log_warnx("%s event=address-mismatch agreed=%08x assigned=%08x", s->log_id,
			  (unsigned)info->peer_addr, (unsigned)s->addr);
	s->up = true;
	s->up_ms = server_now_ms();
	s->ip_mtu = info->ip_mtu;
	s->mppe_bits = info->mppe_bits;
	s->mppe_stateful = info->mppe_stateful;
	run_hook(s, srv->cfg->ip_up, true);
	if (srv->neigh && s->addr) {
		int ifindex = neigh_proxy_add(srv->neigh, s->addr, srv->tun ? srv->tun->name : NULL);
		if (ifindex > 0)
			s->arp_ifindex = ifindex;
	}
	fmt_addr(s->addr, addr);
	char mppe[24];
	if (s->mppe_bits)
		snprintf(mppe, sizeof(mppe), "%u/%s", s->mppe_bits,
			 s->mppe_stateful ? "stateful" : "stateless");
	else
		strcpy(mppe, "none");
	log_notice("%s addr=%s mppe=%s mtu=%u event=session-up acct-session-id=%s "
		   "session-timeout=%u idle-timeout=%u", s->log_id, addr, mppe, s->ip_mtu, s->acct_id,
		   s->session_timeout, s->idle_timeout);
	limits_start(s, s->up_ms);
	if (srv->acct) {
		acct_send(s, RADIUS_ACCT_START, PPP_CAUSE_NONE, s->up_ms);
		s->acct_started = true;
	}
}

static void link_ip_rx(void *owner, uint8_t *pkt, size_t len)
{
	struct session *s = owner;
	if (s->up && !s->dying)
		datapath_from_client(s->srv, s, pkt, len);
}

static void link_down(void *owner, enum ppp_cause cause, const char *detail)
{
	session_end(owner, cause, detail);
}

static const struct ppp_ops link_ops = {
	.send = link_send,
	.auth_request = link_auth_request,
	.auth_cancel = link_auth_cancel,
	.ip_up = link_ip_up,
	.ip_rx = link_ip_rx,
	.down = link_down,
};

/* ---- the end ---- */

/* Unlink from every table and hand to the reaper. */
static void session_kill(struct session *s)
{
	struct server *srv = s->srv;

	if (s->dying)
		return;
	s->dying = true;
	s->up = false;
	ev_timer_stop(srv->loop, &s->timer);
	srv->session_slot[s->slot] = NULL;
	if (s->prev)
		s->prev->next = s->next;
	else
		srv->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	srv->nsessions--;
	server_reap_session(srv, s);
}

static const char *pptp_reason(enum ppp_cause cause)
{
	return cause == PPP_CAUSE_SHUTDOWN ? "shutdown" : "ppp-down";
}

/* The link is finished (its ops->down, or the call went away before LCP
 * started): everything in reverse order of set-up, once. */
static void session_end(struct session *s, enum ppp_cause cause, const char *detail)
{
	struct server *srv = s->srv;
	char addr[INET_ADDRSTRLEN];

	if (s->link_done)
		return;
	s->link_done = true;
	uint64_t now = server_now_ms();
	const struct ppp_stats *ps = ppp_stats(s->link);
	fmt_addr(s->addr, addr);
	if (cause == PPP_CAUSE_MPPE_ABUSE)
		srv->stats.mppe_abuse++;
	if (cause == PPP_CAUSE_NO_ADDRESS && !s->addr) /* else IPCP: the peer refused it */
		log_warnx("%s event=no-address pool-size=%u", s->log_id, srv->cfg->pool.size);
	log_notice("%s addr=%s event=session-down reason=%s "
		   "duration=%llu rx-bytes=%llu tx-bytes=%llu rx-packets=%llu tx-packets=%llu "
		   "spoofed=%llu tx-window=%llu detail=%s",
		   s->log_id, addr,
		   ppp_cause_name(cause),
		   (unsigned long long)(s->up ? (now - s->up_ms) / 1000 : 0),
		   (unsigned long long)ps->rx_ip_bytes, (unsigned long long)ps->tx_ip_bytes,
		   (unsigned long long)ps->rx_ip_packets, (unsigned long long)ps->tx_ip_packets,
		   (unsigned long long)s->st.spoofed, (unsigned long long)s->st.window_drops,
		   LOG_ESC(detail));
	if (s->acct_started) {
		acct_send(s, RADIUS_ACCT_STOP, cause, now);
		s->acct_started = false;
	}
	bool was_up = s->up;
	s->up = false;
	if (s->hook) {
		hook_detach(s->hook);
		s->hook = NULL;
	}
	if (was_up)
		run_hook(s, srv->cfg->ip_down, false);
	if (s->arp_ifindex > 0) {
		neigh_proxy_del(srv->neigh, s->addr, s->arp_ifindex);
		s->arp_ifindex = 0;
	}
	if (s->addr) {
		pool_release(srv->pool, s->addr);
		if (s->npool)
			pool_release(s->npool, s->addr);
		if (s->host_route && srv->tun)
			tun_host_route(srv->tun, s->addr, false);
		s->npool = NULL;
		s->host_route = false;
		s->addr = 0;
	}
	if (s->auth_pending) {
		auth_backend_cancel(srv->auth, session_ref(s));
		s->auth_pending = false;
	}
	struct call *call = s->call;
	s->call = NULL;
	if (call) {
		call_set_ops(call, NULL, NULL);
		if (cause != PPP_CAUSE_LOWER_DOWN)
			ctrl_clear_call(call, pptp_reason(cause));
	}
	session_kill(s);
}

void session_close(struct session *s, enum ppp_cause cause, const char *detail)
{
	if (s->dying || s->link_done)
		return;
	if (!s->started) {
		session_end(s, cause, detail);
		return;
	}
	ppp_close(s->link, cause, detail, server_now_ms());
	session_arm(s);
}

/* By the slot table, not the list: closing a session whose LCP has not
 * started ends it at once, and its Call-Disconnect-Notify may kill its
 * control connection and every other session on it (into the reaper's
 * list, where a saved next pointer would lead). Those leave their slots;
 * nothing here makes sessions, so each slot is visited once. */
void session_close_all(struct server *srv, enum ppp_cause cause, const char *detail)
{
	for (uint32_t i = 0; i < srv->nslots; i++) {
		struct session *s = srv->session_slot[i];
		if (s)
			session_close(s, cause, detail);
	}
}

/* ---- the call's callbacks ---- */

static void call_up_cb(void *ctx, struct call *call)
{
	(void)ctx;
	if (!session_new(call))
		log_warnx("%s event=session-refused reason=no-resource", CALL_LOG_ID(call));
}

/* Is this frame LCP (with or without FF 03)? */
static bool is_lcp(const uint8_t *f, size_t len)
{
	if (len >= 2 && f[0] == 0xFF && f[1] == 0x03) {
		f += 2;
		len -= 2;
	}
	return len >= 2 && f[0] == 0xC0 && f[1] == 0x21;
}

static void call_frame_cb(void *ctx, struct call *call, const uint8_t *frame, size_t len)
{
	struct session *s = ctx;
	uint8_t buf[PPP_FRAME_MAX];
	(void)call;

	if (!s || s->dying || s->link_done)
		return;
	uint64_t now = server_now_ms();
	if (!s->started) {
		if (!is_lcp(frame, len)) {
			s->srv->stats.frames_dropped++;
			return;
		}
		session_open(s, now);
		if (s->dying || s->link_done)
			return;
	}
	if (len > sizeof(buf)) {
		s->srv->stats.frames_dropped++;
		return;
	}
	/* The link decrypts in place; the flow's frame is const. */
	memcpy(buf, frame, len);
	uint64_t refused = ppp_stats(s->link)->rx_mppe_refused;
	ppp_input(s->link, buf, len, now);
	s->srv->stats.mppe_refused += ppp_stats(s->link)->rx_mppe_refused - refused;
	/* LCP open: the call's setup bound (call-setup-timeout) is met. */
	enum ppp_phase ph = ppp_phase(s->link);
	if (!s->dying && s->call && ph > PPP_PHASE_ESTABLISH && ph < PPP_PHASE_TERMINATE)
		call_link_established(s->call);
	session_arm(s);
}

static void call_down_cb(void *ctx, struct call *call)
{
	struct session *s = ctx;

	if (!s || s->dying || s->link_done)
		return;
	s->call = NULL;
	/* The client hung up the call rather than losing it: the user asked
	 * for the end (RADIUS User-Request). */
	s->peer_hangup = call->peer_ended;
	if (!s->started) {
		session_end(s, PPP_CAUSE_LOWER_DOWN, "call cleared before LCP");
		return;
	}
	ppp_lower_down(s->link, PPP_CAUSE_LOWER_DOWN, server_now_ms());
	/* ops->down follows at once; make sure of it. */
	if (!s->link_done)
		session_end(s, PPP_CAUSE_LOWER_DOWN, "call went away");
}

const struct call_ops session_call_ops = {
	.up = call_up_cb,
	.frame = call_frame_cb,
	.down = call_down_cb,
};

/* ---- authentication completions ---- */

/* A refusal of the backend, or of ours after its acceptance. */
static void auth_refuse(struct session *s, unsigned win_error, const char *why,
			const char *message)
{
	s->srv->stats.auth_fail++;
	log_notice("%s event=auth-fail reason=%s error=%u message=%s", s->log_id, why, win_error,
		   LOG_ESC(message));
	struct ppp_auth_verdict v = { .win_error = win_error, .message = message };
	ppp_auth_result(s->link, &v, server_now_ms());
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
			fmt_addr(a, str);
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

	if (!s || s->link_done || !s->auth_pending) {
		srv->stats.auth_stale++;
		log_debug("session-ref=%u/%u event=auth-stale", res->session.id,
			  res->session.generation);
		return;
	}
	s->auth_pending = false;
	if (res->verdict == AUTH_REJECT_BAD_CREDENTIALS)
		login_lock_failed(srv, &s->peer, s->user);
	else if (res->verdict == AUTH_ACCEPT)
		login_lock_succeeded(srv, &s->peer, s->user);
	if (res->verdict != AUTH_ACCEPT) {
		auth_refuse(s, res->win_error ? res->win_error : auth_verdict_error_code(res->verdict),
			    auth_verdict_name(res->verdict), res->message);
		session_arm(s);
		return;
	}
	srv->stats.auth_ok++;
	unsigned others = session_count_user(srv, s->user);
	if (res->max_sessions && others >= res->max_sessions) {
		/* E=649 (no dial-in permission now): Windows shows it without
		 * asking for the password again, which would not help. */
		char msg[AUTH_MESSAGE_MAX];
		snprintf(msg, sizeof(msg), "session limit reached (%u)", res->max_sessions);
		auth_refuse(s, 649, "session-limit", msg);
		session_arm(s);
		return;
	}
	s->authed = true;
	s->radius_authed = srv->cfg->auth == CONFIG_AUTH_RADIUS;
	s->session_timeout = res->session_timeout;
	s->idle_timeout = res->idle_timeout;
	s->interim = res->interim_interval ? res->interim_interval : srv->cfg->radius_acct_interim;
	s->class_len = res->class_len;
	memcpy(s->class_val, res->class_val, res->class_len);
	struct ppp_auth_verdict v = {
		.win_error = 0,
		.message = res->message,
		.auth_response = res->auth_response[0] ? res->auth_response : NULL,
		.have_keys = res->has_keys,
		.peer_addr = take_address(s, res),
	};
	memcpy(v.dns, res->dns, sizeof(v.dns));
	memcpy(v.nbns, res->nbns, sizeof(v.nbns));
	if (res->has_keys) {
		memcpy(v.send_key, res->send_key, sizeof(v.send_key));
		memcpy(v.recv_key, res->recv_key, sizeof(v.recv_key));
	}
	log_info("%s method=%s event=auth-ok", s->log_id, auth_method_name(res->method));
	ppp_auth_result(s->link, &v, server_now_ms());
	memset(&v, 0, sizeof(v));
	if (!s->dying)
		session_arm(s);
}

/* ---- life ---- */

static void fill_ppp_config(const struct server *srv, struct ppp_config *pc)
{
	const struct config *cfg = srv->cfg;

	memset(pc, 0, sizeof(*pc));
	pc->role = PPP_ROLE_SERVER;
	pc->headroom = CALL_TX_HEADROOM;
	pc->mru = (uint16_t)cfg->mru;
	pc->echo_interval_s = cfg->lcp_echo_interval;
	pc->echo_failures = cfg->lcp_echo_failure;
	pc->allow_mschapv2 = !cfg->refuse_mschap_v2;
	pc->allow_mschapv1 = !cfg->refuse_mschap;
	pc->allow_chap_md5 = !cfg->refuse_chap;
	pc->allow_pap = !cfg->refuse_pap;
	pc->host_name = srv->hostname;
	pc->auth_timeout_s = cfg->auth_timeout;
	pc->auth_max_attempts = cfg->auth_retries + 1;
	pc->mppe_required = cfg->require_mppe || cfg->require_mppe_128;
	pc->mppe_128 = true;
	pc->mppe_56 = cfg->mppe_56 && !cfg->require_mppe_128;
	pc->mppe_40 = cfg->mppe_40 && !cfg->require_mppe_128;
	pc->mppe_stateless = true;
	pc->mppe_stateful = cfg->mppe_stateful;
	pc->local_addr = ntohl(cfg->localip.s_addr);
	for (size_t i = 0; i < cfg->ms_dns.n && i < 2; i++)
		pc->dns[i] = ntohl(cfg->ms_dns.addr[i].s_addr);
	for (size_t i = 0; i < cfg->ms_wins.n && i < 2; i++)
		pc->nbns[i] = ntohl(cfg->ms_wins.addr[i].s_addr);
}

struct session *session_new(struct call *call)
{
	struct server *srv = call->srv;
	struct session *s = server_alloc(srv, sizeof(*s));
	struct ppp_config pc;

	if (!s)
		return NULL;
	s->srv = srv;
	if (!slot_take(srv, s)) {
		server_release(srv, s);
		return NULL;
	}
	s->call_id = call->id;
	s->ctrl_id = call->ctrl->id;
	snprintf(s->peer_str, sizeof(s->peer_str), "%s", call->ctrl->peer_str);
	session_log_id_update(s);
	fill_ppp_config(srv, &pc);
	pc.log_id = s->log_id;
	s->link = ppp_new(&pc, &link_ops, s);
	if (!s->link) {
		srv->session_slot[s->slot] = NULL;
		server_release(srv, s);
		return NULL;
	}
	s->call = call;
	s->peer = call->ctrl->peer;
	struct sockaddr_in *local = (struct sockaddr_in *)&s->local;
	local->sin_family = AF_INET;
	local->sin_addr.s_addr = htonl(call->ctrl->local_addr);
	snprintf(s->acct_id, sizeof(s->acct_id), "%s%08X", srv->boot_id, s->serial);
	s->end_at = s->idle_check_at = s->interim_at = UINT64_MAX;
	s->armed_at = UINT64_MAX;
	s->open_deadline = server_now_ms() + SESSION_OPEN_WAIT_MS;
	ev_timer_init(&s->timer, timer_cb, 0., 0.);
	s->next = srv->sessions;
	if (srv->sessions)
		srv->sessions->prev = s;
	srv->sessions = s;
	srv->nsessions++;
	srv->stats.sessions_opened++;
	call_set_ops(call, &session_call_ops, s);
	log_info("%s event=session-new", s->log_id);
	session_arm(s);
	return s;
}

bool session_send_ip(struct session *s, uint8_t *pkt, size_t len)
{
	if (!session_is_up(s))
		return false;
	if (!s->call || !call_can_send(s->call)) {
		s->st.window_drops++;
		s->srv->stats.tx_window++;
		return false;
	}
	bool ok = ppp_send_ip(s->link, pkt, len, server_now_ms());
	session_arm(s);
	return ok;
}

void session_free(struct session *s)
{
	if (s->hook)
		hook_detach(s->hook);
	ppp_free(s->link);
	server_release(s->srv, s);
}
