/*
 * The session's one timer and what it carries: the passive open, a refusal
 * due, the link's deadlines, and once UP the session and idle timeouts and
 * the accounting records (Start, Interim-Update, Stop).
 */
#include "server/session_priv.h"

#include <stdio.h>
#include <string.h>

#include "auth/acct.h"
#include "common/log.h"
#include "server/call.h"
#include "server/server.h"
#include "server/worker.h"

/* ---- the timer ---- */

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static uint64_t session_deadline(const struct session *s)
{
	switch (s->state) {
	case SESSION_WAIT_LCP:
		return s->open_deadline;
	case SESSION_AUTH_REFUSE:
		return 0;
	case SESSION_LINK:
	case SESSION_AUTH_WAIT:
	case SESSION_NETWORK:
		return ppp_next_deadline(s->link);
	case SESSION_UP:
		return min_u64(min_u64(min_u64(ppp_next_deadline(s->link), s->end_at),
				       min_u64(s->idle_check_at, s->interim_at)),
			       min_u64(s->v6_ra_at, s->offload_at));
	case SESSION_ENDING:
	case SESSION_DEAD:
		break;
	}
	return UINT64_MAX;
}

double session_coalesce_after(double now, double after)
{
	double at = now + after;
	double whole = (double)(int64_t)at;
	if (whole < at)
		whole += 1.0;
	return whole - now;
}

double session_timer_after(enum session_state st, uint64_t due, uint64_t now, double loop_now)
{
	double after = due > now ? (double)(due - now) / 1000.0 : 0.;
	if (st == SESSION_UP && due > now && due - now >= SESSION_COALESCE_MIN_MS)
		after = session_coalesce_after(loop_now, after);
	return after;
}

/* Re-arm the one timer after any call into the link (cheap when the
 * deadline did not move, as after most data packets). */
void session_arm(struct session *s)
{
	struct ev_loop *loop = s->srv->loop;
	uint64_t due = session_deadline(s);

	if (due == s->armed_at && (due == UINT64_MAX || ev_is_active(&s->timer)))
		return;
	ev_timer_stop(loop, &s->timer);
	s->armed_at = due;
	if (due == UINT64_MAX)
		return;
	ev_timer_set(&s->timer, session_timer_after(s->state, due, server_now_ms(), ev_now(loop)),
		     0.);
	ev_timer_start(loop, &s->timer);
}

/* ---- accounting ---- */

static void acct_fill(const struct session *s, struct acct_session *as,
		      struct sockaddr_storage *peer, uint64_t now)
{
	struct ppp_stats st;
	const struct ppp_stats *ps = session_link_stats(s, &st);

	memset(as, 0, sizeof(*as));
	as->session_id = s->acct_id;
	as->user = s->user;
	as->nas_port = s->call_id;
	memset(peer, 0, sizeof(*peer));
	memcpy(peer, &s->peer, sizeof(s->peer));
	as->peer = peer;
	as->local = &s->local;
	as->framed_ip = s->addr;
	as->classes = s->classes;
	as->classes_len = s->classes_len;
	as->multi_session_id = s->multi_id;
	as->radius_authentic = s->radius_authed;
	as->session_time = s->up_ms && now > s->up_ms ? (uint32_t)((now - s->up_ms) / 1000) : 0;
	as->in_octets = ps->rx_ip_bytes;
	as->out_octets = ps->tx_ip_bytes;
	as->in_packets = ps->rx_ip_packets;
	as->out_packets = ps->tx_ip_packets;
	/* IPv6 once it was up (kept for the Stop after an IPV6CP close):
	 * Framed-Interface-Id, Framed-IPv6-Prefix, Delegated-IPv6-Prefix. */
	if (s->v6_had_prefix) {
		as->ipv6_iid = s->v6_peer_iid;
		memcpy(as->ipv6_prefix, s->v6_prefix, 16);
		as->ipv6_prefix_len = 64;
		if (s->v6_delegated_len) {
			memcpy(as->delegated_prefix, s->v6_delegated, 16);
			as->delegated_prefix_len = s->v6_delegated_len;
		}
	}
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

void session_acct_stop(struct session *s, enum ppp_cause cause, uint64_t now)
{
	if (!s->acct_started)
		return;
	acct_send(s, RADIUS_ACCT_STOP, cause, now);
	s->acct_started = false;
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

/* (Re)start both buckets from the rates in s->rate_kbit. */
static void rate_arm(struct session *s)
{
	uint64_t now_us = (uint64_t)(ev_now(s->srv->loop) * 1e6);
	for (int d = 0; d < SHAPER_NDIRS; d++)
		shaper_set(&s->shaper[d], s->rate_kbit[d], s->srv->cfg->rate_limit_burst,
			   s->ip_mtu, now_us);
}

void session_limits_start(struct session *s, uint64_t now)
{
	rate_arm(s);
	s->last_active_ms = now;
	s->active_mark = 0;
	limits_arm(s, now);
	s->interim_at = s->interim && s->srv->acct ? now + (uint64_t)s->interim * 1000u
						   : UINT64_MAX;
	if (s->srv->acct) {
		acct_send(s, RADIUS_ACCT_START, PPP_CAUSE_NONE, now);
		s->acct_started = true;
	}
}

void session_set_rate(struct session *s, uint32_t down_kbit, uint32_t up_kbit)
{
	s->rate_kbit[SHAPER_DOWN] = down_kbit;
	s->rate_kbit[SHAPER_UP] = up_kbit;
	if (s->state == SESSION_UP)
		rate_arm(s);
	log_notice("%s event=rate-changed rate=%u/%u", s->log_id, down_kbit, up_kbit);
	/* A worker polices the session's packets: it gets the new buckets. */
	if (s->state == SESSION_UP && s->call && s->call->ws &&
	    !worker_set_rate(s->call->ws, s->shaper))
		log_warnx("%s event=rate-not-applied reason=worker-busy worker=%u", s->log_id,
			  wsess_worker(s->call->ws));
}

void session_set_limits(struct session *s, bool set_session, uint32_t session_timeout,
			bool set_idle, uint32_t idle_timeout)
{
	if (set_session)
		s->session_timeout = session_timeout;
	if (set_idle)
		s->idle_timeout = idle_timeout;
	if (s->state == SESSION_UP)
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
		struct ppp_stats st;
		const struct ppp_stats *ps = session_link_stats(s, &st);
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
	uint64_t now = server_now_ms();
	switch (s->state) {
	case SESSION_WAIT_LCP:
		if (now >= s->open_deadline)
			session_open(s, now);
		break;
	case SESSION_AUTH_REFUSE: {
		struct ppp_auth_verdict v = {
			.win_error = s->reject_error, .message = s->reject_msg,
		};
		session_set_state(s, SESSION_LINK);
		ppp_auth_result(s->link, &v, now);
		break;
	}
	case SESSION_UP:
		if (session_limits_due(s, now))
			return; /* closing: session_close() re-armed the timer */
		session_ipv6_timer(s, now);
		ppp_on_timer(s->link, now);
		session_offload_due(s, now);
		break;
	case SESSION_LINK:
	case SESSION_AUTH_WAIT:
	case SESSION_NETWORK:
		ppp_on_timer(s->link, now);
		break;
	case SESSION_ENDING:
	case SESSION_DEAD:
		return;
	}
	session_arm(s);
}

void session_timer_init(struct session *s)
{
	s->end_at = s->idle_check_at = s->interim_at = UINT64_MAX;
	s->v6_ra_at = UINT64_MAX;
	s->offload_at = UINT64_MAX;
	s->armed_at = UINT64_MAX;
	s->open_deadline = server_now_ms() + SESSION_OPEN_WAIT_MS;
	ev_timer_init(&s->timer, timer_cb, 0., 0.);
}
