/*
 * Sessions: the slot table, the state machine, life and end, the call's and
 * the link's callbacks, hooks and proxy ARP. Authentication and the
 * address are in session_auth.c, the timer, limits and accounting in
 * session_timers.c (server/session_priv.h).
 */
#include "server/session_priv.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/log.h"
#include "common/log_id.h"
#include "common/ppp/mppe.h"
#include "server/call.h"
#include "server/ctrl.h"
#include "server/datapath.h"
#include "server/hooks.h"
#include "server/neigh.h"
#include "server/server.h"
#include "server/tun.h"
#include "server/worker.h"
#include "server/wtmp.h"

/* ---- the state machine ---- */

static const char *const state_names[SESSION_NSTATES] = {
	[SESSION_WAIT_LCP] = "wait-lcp",
	[SESSION_LINK] = "link",
	[SESSION_AUTH_WAIT] = "auth-wait",
	[SESSION_AUTH_REFUSE] = "auth-refuse",
	[SESSION_NETWORK] = "network",
	[SESSION_UP] = "up",
	[SESSION_ENDING] = "ending",
	[SESSION_DEAD] = "dead",
};

#define TO(st) (1u << (st))
/* The legal moves: from each state (index) the set of states it may go
 * to. Every state but DEAD may end; ENDING only dies. */
static const unsigned legal[SESSION_NSTATES] = {
	[SESSION_WAIT_LCP] = TO(SESSION_LINK) | TO(SESSION_ENDING),
	[SESSION_LINK] = TO(SESSION_AUTH_WAIT) | TO(SESSION_AUTH_REFUSE) | TO(SESSION_ENDING),
	[SESSION_AUTH_WAIT] = TO(SESSION_LINK) | TO(SESSION_NETWORK) | TO(SESSION_ENDING),
	[SESSION_AUTH_REFUSE] = TO(SESSION_LINK) | TO(SESSION_ENDING),
	[SESSION_NETWORK] = TO(SESSION_UP) | TO(SESSION_ENDING),
	[SESSION_UP] = TO(SESSION_ENDING),
	[SESSION_ENDING] = TO(SESSION_DEAD),
	[SESSION_DEAD] = 0,
};

const char *session_state_name(enum session_state st)
{
	return (unsigned)st < SESSION_NSTATES ? state_names[st] : "?";
}

bool session_set_state(struct session *s, enum session_state to)
{
	if ((unsigned)to >= SESSION_NSTATES || !(legal[s->state] & TO(to))) {
		log_warnx("%s event=state-illegal from=%s to=%s", s->log_id,
			  session_state_name(s->state), session_state_name(to));
		return false;
	}
	log_debug("%s event=state from=%s to=%s", s->log_id, session_state_name(s->state),
		  session_state_name(to));
	s->state = to;
	return true;
}

/* ---- identity ---- */

/* The session's log identity (log_id.h), re-written whenever a part of it
 * changes; the link's log lines borrow it (struct ppp_config.log_id). */
static void session_log_id_update(struct session *s)
{
	log_id_fmt(s->log_id, &(const struct log_id){ .ctrl = s->ctrl_id, .call = s->call_id,
						       .session = s->serial, .user = s->user,
						       .peer = s->peer_str });
}

void session_set_user(struct session *s, const char *user)
{
	snprintf(s->user, sizeof(s->user), "%s", user ? user : "");
	session_log_id_update(s);
}

void session_fmt_addr(uint32_t host, char out[static INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(host) };
	if (!host || !inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN))
		strcpy(out, "-");
}

/* ---- what other modules ask ---- */

enum session_state session_state(const struct session *s) { return s->state; }
bool session_is_up(const struct session *s) { return s->state == SESSION_UP; }
bool session_is_authed(const struct session *s)
{
	return s->state == SESSION_NETWORK || s->state == SESSION_UP;
}
const char *session_user(const struct session *s) { return s->user; }
const char *session_acct_id(const struct session *s) { return s->acct_id; }
uint32_t session_addr(const struct session *s) { return s->addr; }
uint16_t session_ip_mtu(const struct session *s) { return s->ip_mtu; }
const char *session_log_id(const struct session *s) { return s->log_id; }
struct session_stats *session_dp_stats(struct session *s) { return &s->st; }

bool session_spoof_first(struct session *s)
{
	bool first = !s->spoof_logged;
	s->spoof_logged = true;
	return first;
}

bool session_police(struct session *s, enum shaper_dir dir, size_t len)
{
	struct shaper *b = &s->shaper[dir];

	if (!b->rate)
		return true;
	uint64_t now_us = (uint64_t)(ev_now(s->srv->loop) * 1e6);
	if (shaper_admit_limited(b, len, now_us))
		return true;
	s->srv->stats.rate_dropped++;
	if (!s->rate_logged) {
		s->rate_logged = true;
		log_info("%s event=rate-limited dir=%s rate=%u "
			 "(over the rate: dropped; logged once per session)", s->log_id,
			 dir == SHAPER_DOWN ? "down" : "up", b->kbit);
	}
	return false;
}

bool session_icmp_allowed(struct session *s, uint64_t now)
{
	if (now - s->icmp_window_ms >= 1000) {
		s->icmp_window_ms = now;
		s->icmp_in_window = 0;
	}
	if (s->icmp_in_window >= SESSION_ICMP_PER_SEC)
		return false;
	s->icmp_in_window++;
	return true;
}

struct session *session_dead_next(const struct session *s) { return s->next; }

void session_dead_link(struct session *s, struct session *next)
{
	s->next = next;
	s->prev = NULL;
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
	if (!s || s->serial != ref.generation || s->state == SESSION_DEAD)
		return NULL;
	return s;
}

/* ---- hooks and proxy ARP ---- */

static void hook_done(void *arg, int status, bool timed_out)
{
	struct session *s = arg;

	s->hook = NULL;
	if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("%s event=hook-failed hook=ip-up status=%d%s", s->log_id,
			  WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			  timed_out ? " timed-out=yes" : "");
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

static void run_hook(struct session *s, const char *path, bool up, uint64_t now)
{
	struct server *srv = s->srv;
	char ipparam[INET_ADDRSTRLEN], linkname[24];

	if (!path)
		return;
	session_fmt_addr(ntohl(s->peer.sin_addr.s_addr), ipparam);
	/* pppd's `linkname`: one name per link, the admin socket's session ID. */
	snprintf(linkname, sizeof(linkname), "pptp%" PRIu32, s->serial);
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
		.linkname = linkname,
	};
	if (!up) {
		/* pppd's clock starts with its network phase (start_networks(),
		 * after authentication, just before IPCP opens; not at the start
		 * of negotiation as pppd(8) says): from session-up here, as the
		 * session-down line's duration. Bytes are what accounting and
		 * `pptpctl session show` count. */
		struct ppp_stats st;
		const struct ppp_stats *ps = session_link_stats(s, &st);
		env.down = true;
		env.connect_time = s->up_ms && now > s->up_ms
					   ? (uint32_t)((now - s->up_ms) / 1000) : 0;
		env.bytes_sent = ps->tx_ip_bytes;
		env.bytes_rcvd = ps->rx_ip_bytes;
	}
	if (up) {
		s->hook = hook_run(srv->hooks, path, &env, SESSION_HOOK_LIMIT, hook_done, s);
	} else if (hook_run(srv->hooks, path, &env, SESSION_HOOK_LIMIT, hook_down_done, srv)) {
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

/* The smallest Framed-MTU honoured (RFC 791: every host takes 576). */
#define SESSION_FRAMED_MTU_MIN 576

/* What a worker counted for the session (zeros if none had it). */
static struct wsess_stats worker_counts(const struct session *s)
{
	struct wsess_stats w = { 0 };
	if (s->call && s->call->ws)
		wsess_stats(s->call->ws, &w);
	else if (s->ws_gone)
		w = s->ws_final;
	return w;
}

/* Packets dropped over the rate limit, by the main loop and a worker. */
static uint64_t rate_dropped(const struct session *s)
{
	return s->shaper[SHAPER_DOWN].dropped + s->shaper[SHAPER_UP].dropped +
	       worker_counts(s).rate_dropped;
}

const struct ppp_stats *session_link_stats(const struct session *s, struct ppp_stats *out)
{
	*out = *ppp_stats(s->link);
	if ((s->call && s->call->ws) || s->ws_gone) {
		struct wsess_stats w = worker_counts(s);
		out->rx_ip_packets += w.rx_ip_packets;
		out->rx_ip_bytes += w.rx_ip_bytes;
		out->tx_ip_packets += w.tx_ip_packets;
		out->tx_ip_bytes += w.tx_ip_bytes;
	}
	return out;
}

/* UP: the data path goes to a worker (server/worker.h) when it can run
 * apart from the link: IPv4 only (no IPv6 configured), no MPPE or
 * stateless MPPE (a stateful sender's resets need the link), no
 * Framed-Route (routes are looked up here). Rate limits go with it. Otherwise the
 * session stays on the main loop, which says why. The hand-over itself
 * waits for the session's timer (session_offload_due()): ip_up runs
 * inside the call's flow, which cannot move while it delivers. */
static void kept(struct session *s, const char *why)
{
	s->offload_at = UINT64_MAX;
	s->srv->stats.worker_kept++;
	log_info("%s event=worker-kept reason=%s", s->log_id, why);
}

static void session_offload(struct session *s)
{
	struct server *srv = s->srv;

	if (!srv->workers || !s->call || !session_is_up(s))
		return;
	if (srv->pool6)
		kept(s, "ipv6");
	else if (s->mppe_stateful)
		kept(s, "stateful-mppe");
	else if (s->nroutes)
		kept(s, "framed-route");
	else {
		s->offload_at = server_now_ms();
		session_arm(s);
	}
}

/* Tries every SESSION_OFFLOAD_RETRY_MS while the flow has frames queued
 * for the peer's window (they must leave first), at most this often. */
#define SESSION_OFFLOAD_TRIES    100
#define SESSION_OFFLOAD_RETRY_MS 50

void session_offload_due(struct session *s, uint64_t now)
{
	struct server *srv = s->srv;

	if (now < s->offload_at)
		return;
	s->offload_at = UINT64_MAX;
	if (!s->call || !session_is_up(s))
		return;
	/* The link's data state now, after whatever it sent since UP (moved
	 * out of the link: from here its data goes through the worker). */
	struct wsess_params p = { .addr = s->addr, .ip_mtu = s->ip_mtu };
	memcpy(p.shaper, s->shaper, sizeof(p.shaper));
	if (srv->cfg->mss_clamp)
		p.mss = datapath_mss_for(s->ip_mtu < srv->tun->mtu ? s->ip_mtu : srv->tun->mtu);
	struct ppp_data d;
	if (!ppp_data_export(s->link, &d)) {
		kept(s, "link");
		return;
	}
	if (!call_hand_over(s->call, srv->workers, &p, &d)) {
		ppp_data_restore(s->link, &d);
		if (++s->offload_tries >= SESSION_OFFLOAD_TRIES)
			kept(s, "busy");
		else
			s->offload_at = now + SESSION_OFFLOAD_RETRY_MS;
		return;
	}
	srv->stats.worker_taken++;
	log_info("%s event=worker-taken worker=%u tries=%u", s->log_id,
		 wsess_worker(s->call->ws), s->offload_tries + 1);
}

static void link_ip_up(void *owner, const struct ppp_ip_info *info)
{
	struct session *s = owner;
	struct server *srv = s->srv;
	char addr[INET_ADDRSTRLEN];

	if (info->peer_addr != s->addr)
		log_warnx("%s event=address-mismatch agreed=%08x assigned=%08x", s->log_id,
			  (unsigned)info->peer_addr, (unsigned)s->addr);
	if (!session_set_state(s, SESSION_UP))
		return;
	s->up_ms = server_now_ms();
	s->ip_mtu = info->ip_mtu;
	uint32_t cap = s->framed_mtu < SESSION_FRAMED_MTU_MIN ? SESSION_FRAMED_MTU_MIN
							       : s->framed_mtu;
	if (s->framed_mtu && cap < s->ip_mtu) {
		/* Framed-MTU: what leaves toward the client is fragmented (or
		 * answered with Fragmentation Needed) and MSS-clamped to it;
		 * never below the IPv4 minimum every host must take. */
		uint16_t was = s->ip_mtu;
		s->ip_mtu = (uint16_t)cap;
		log_info("%s event=framed-mtu framed-mtu=%u mtu=%u was=%u", s->log_id,
			 s->framed_mtu, s->ip_mtu, was);
	}
	s->mppe_bits = info->mppe_bits;
	s->mppe_stateful = info->mppe_stateful;
	/* MPPE: a full send queue refuses the next packet before it is
	 * encrypted instead of dropping a queued frame (call.h). Stateful
	 * MPPE must lose no frame it counted; stateless could, but each one
	 * dropped after encryption is a gap in the coherency count that the
	 * client re-keys through, and a long run of them (a client that
	 * stalls under load) exceeds what a receiver takes (1,024 counts
	 * here, MPPE_RX_MAX_JUMP; 2,047 for Linux's ppp_mppe) and ends the
	 * link. A packet refused before encryption leaves no gap. */
	if (s->call)
		call_set_ordered(s->call, s->mppe_bits != 0);
	run_hook(s, srv->cfg->ip_up, true, s->up_ms);
	if (srv->neigh && s->addr) {
		int ifindex = neigh_proxy_add(srv->neigh, s->addr, srv->tun ? srv->tun->name : NULL);
		if (ifindex > 0)
			s->arp_ifindex = ifindex;
	}
	session_fmt_addr(s->addr, addr);
	char mppe[24];
	if (s->mppe_bits)
		snprintf(mppe, sizeof(mppe), "%u/%s", s->mppe_bits,
			 s->mppe_stateful ? "stateful" : "stateless");
	else
		strcpy(mppe, "none");
	log_notice("%s addr=%s mppe=%s mtu=%u event=session-up acct-session-id=%s method=%s "
		   "rate=%u/%u session-timeout=%u idle-timeout=%u", s->log_id, addr, mppe,
		   s->ip_mtu, s->acct_id, auth_method_name(s->auth_method), s->rate_kbit[SHAPER_DOWN], s->rate_kbit[SHAPER_UP],
		   s->session_timeout, s->idle_timeout);
	wtmp_login(s->serial, s->user, s->addr);
	session_routes_up(s);
	session_limits_start(s, s->up_ms);
	session_offload(s);
}

static void link_ip_rx(void *owner, uint8_t *pkt, size_t len)
{
	struct session *s = owner;
	if (s->state == SESSION_UP)
		datapath_from_client(s->srv, s, pkt, len);
}

static void link_down(void *owner, enum ppp_cause cause, const char *detail)
{
	session_kill(owner, cause, detail);
}

static bool link_random(void *owner, void *buf, size_t len)
{
	struct session *s = owner;
	return crypto_rng_get(&s->srv->link_rng, buf, len);
}

const struct ppp_ops session_link_ops = {
	.send = link_send,
	.auth_request = session_auth_request,
	.auth_cancel = session_auth_cancel,
	.eap_response = session_eap_response,
	.ip_up = link_ip_up,
	.ip_rx = link_ip_rx,
	.down = link_down,
	.random = link_random,
	.ipv6_iid_ok = session_ipv6_iid_ok,
	.ipv6_up = session_ipv6_up,
	.ipv6_down = session_ipv6_down,
	.ipv6_rx = session_ipv6_rx,
};

/* ---- the end ---- */

/* ENDING -> DEAD: unlink from every table and hand to the reaper. */
static void session_unlink(struct session *s)
{
	struct server *srv = s->srv;

	if (!session_set_state(s, SESSION_DEAD))
		return;
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

static void log_down(const struct session *s, enum ppp_cause cause, const char *detail,
		     bool was_up, uint64_t now)
{
	struct ppp_stats st;
	const struct ppp_stats *ps = session_link_stats(s, &st);
	char addr[INET_ADDRSTRLEN];

	session_fmt_addr(s->addr, addr);
	if (cause == PPP_CAUSE_NO_ADDRESS && !s->addr) /* else IPCP: the peer refused it */
		log_warnx("%s event=no-address pool-size=%u", s->log_id, s->srv->cfg->pool.size);
	log_notice("%s addr=%s event=session-down reason=%s "
		   "duration=%llu rx-bytes=%llu tx-bytes=%llu rx-packets=%llu tx-packets=%llu "
		   "spoofed=%llu tx-window=%llu rate-dropped=%llu detail=%s",
		   s->log_id, addr, ppp_cause_name(cause),
		   (unsigned long long)(was_up ? (now - s->up_ms) / 1000 : 0),
		   (unsigned long long)ps->rx_ip_bytes, (unsigned long long)ps->tx_ip_bytes,
		   (unsigned long long)ps->rx_ip_packets, (unsigned long long)ps->tx_ip_packets,
		   (unsigned long long)(s->st.spoofed + worker_counts(s).spoofed),
		   (unsigned long long)(s->st.window_drops + worker_counts(s).tx_refused),
		   (unsigned long long)rate_dropped(s),
		   LOG_ESC(detail));
}

/* The link is finished (its ops->down, or the call went away before LCP
 * started): everything in reverse order of set-up, once. What each state
 * holds: UP the accounting Start, the hooks, proxy ARP; NETWORK and UP
 * the address; AUTH_WAIT the request in the backend; LINK and AUTH_WAIT
 * an EAP State between rounds; all the call. */
void session_kill(struct session *s, enum ppp_cause cause, const char *detail)
{
	struct server *srv = s->srv;
	enum session_state was = s->state;

	if (!session_set_state(s, SESSION_ENDING))
		return;
	uint64_t now = server_now_ms();
	if (cause == PPP_CAUSE_MPPE_ABUSE)
		srv->stats.mppe_abuse++;
	log_down(s, cause, detail, was == SESSION_UP, now);
	session_acct_stop(s, cause, now);
	if (s->hook) {
		hook_detach(s->hook);
		s->hook = NULL;
	}
	if (was == SESSION_UP)
		run_hook(s, srv->cfg->ip_down, false, now);
	if (was == SESSION_UP)
		wtmp_logout(s->serial);
	if (s->arp_ifindex > 0) {
		neigh_proxy_del(srv->neigh, s->addr, s->arp_ifindex);
		s->arp_ifindex = 0;
	}
	session_ipv6_release(s);
	session_routes_down(s);
	session_address_release(s);
	if (was == SESSION_AUTH_WAIT)
		session_auth_withdraw(s);
	session_eap_end(s);
	struct call *call = s->call;
	s->call = NULL;
	if (call) {
		call_set_ops(call, NULL, NULL);
		if (cause != PPP_CAUSE_LOWER_DOWN)
			ctrl_close_call(call, pptp_reason(cause));
	}
	session_unlink(s);
}

void session_close(struct session *s, enum ppp_cause cause, const char *detail)
{
	if (session_ended(s))
		return;
	if (s->state == SESSION_WAIT_LCP) {
		session_kill(s, cause, detail);
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

void session_open(struct session *s, uint64_t now)
{
	if (session_set_state(s, SESSION_LINK))
		ppp_start(s->link, now);
}

static void call_up_cb(void *ctx, struct call *call)
{
	(void)ctx;
	if (!session_new(call))
		log_warnx("%s event=session-refused reason=no-resource", CALL_LOG_ID(call));
}

/* Is this frame LCP (with or without FF 03)? */
static bool is_lcp(const uint8_t *f, size_t len)
{
	if (len >= 2 && f[0] == PPP_ALLSTATIONS && f[1] == PPP_UI) {
		f += 2;
		len -= 2;
	}
	return len >= 2 && f[0] == 0xC0 && f[1] == 0x21;
}

static void call_frame_cb(void *ctx, struct call *call, uint8_t *frame, size_t len)
{
	struct session *s = ctx;
	(void)call;

	if (!s || session_ended(s))
		return;
	uint64_t now = server_now_ms();
	if (s->state == SESSION_WAIT_LCP) {
		if (!is_lcp(frame, len)) {
			s->srv->stats.frames_dropped++;
			return;
		}
		session_open(s, now);
		if (session_ended(s))
			return;
	}
	if (len > PPP_FRAME_MAX) {
		s->srv->stats.frames_dropped++;
		return;
	}
	/* The link decrypts in place, in the receive buffer or the reorder
	 * slot the frame sits in (call.h: the frame is the session's for the
	 * call): no copy on the way in. */
	const struct ppp_stats *ps = ppp_stats(s->link);
	uint64_t refused = ps->rx_mppe_refused, eap_dropped = ps->rx_eap_dropped;
	ppp_input(s->link, frame, len, now);
	ps = ppp_stats(s->link);
	s->srv->stats.mppe_refused += ps->rx_mppe_refused - refused;
	s->srv->stats.eap_dropped += ps->rx_eap_dropped - eap_dropped;
	/* LCP open: the call's setup bound (call-setup-timeout) is met. */
	enum ppp_phase ph = ppp_phase(s->link);
	if (!session_ended(s) && s->call && ph > PPP_PHASE_ESTABLISH && ph < PPP_PHASE_TERMINATE)
		call_link_established(s->call);
	session_arm(s);
}

static void call_down_cb(void *ctx, struct call *call)
{
	struct session *s = ctx;

	if (!s || session_ended(s))
		return;
	/* What a worker counted stays with the session (the last lines and
	 * accounting come next; the worker's copy goes with the call). */
	if (call->ws) {
		wsess_stats(call->ws, &s->ws_final);
		s->ws_gone = true;
	}
	s->call = NULL;
	/* The client hung up the call rather than losing it: the user asked
	 * for the end (RADIUS User-Request). */
	s->peer_hangup = call->peer_ended;
	if (s->state == SESSION_WAIT_LCP) {
		session_kill(s, PPP_CAUSE_LOWER_DOWN, "call cleared before LCP");
		return;
	}
	ppp_lower_down(s->link, PPP_CAUSE_LOWER_DOWN, server_now_ms());
	/* ops->down follows at once; make sure of it. */
	if (!session_ended(s))
		session_kill(s, PPP_CAUSE_LOWER_DOWN, "call went away");
}

/* The worker's MPPE receiver (server/worker.h) reports what the link's
 * own would have done: the same lines, counters and ends. */
static void call_worker_cb(void *ctx, struct call *call, enum call_worker_event ev,
			   uint64_t arg)
{
	struct session *s = ctx;
	char why[96];

	if (!s || session_ended(s))
		return;
	switch (ev) {
	case CALL_WORKER_MPPE_REFUSED:
		log_notice("%s ppp=link event=mppe-rekey-refused user=%s jump=%llu max-jump=%u "
			   "rekey-rate=%u worker=%u", s->log_id, LOG_ESC(s->user),
			   (unsigned long long)arg, MPPE_RX_MAX_JUMP, MPPE_REKEY_RATE,
			   wsess_worker(call->ws));
		break;
	case CALL_WORKER_MPPE_ABUSE:
		snprintf(why, sizeof(why), "MPPE count jumps refused for %u s (%llu frames)",
			 MPPE_ABUSE_MS / 1000, (unsigned long long)arg);
		session_close(s, PPP_CAUSE_MPPE_ABUSE, why);
		break;
	case CALL_WORKER_MPPE_FATAL:
		session_close(s, PPP_CAUSE_MPPE_ERROR, "MPPE receive state lost");
		break;
	case CALL_WORKER_SPOOFED:
		datapath_spoofed_log(s, (uint32_t)arg);
		break;
	case CALL_WORKER_GRE_FAR:
		break; /* the call's (call_worker_event()) */
	case CALL_WORKER_RATE_LIMITED:
		if (!s->rate_logged) {
			s->rate_logged = true;
			log_info("%s event=rate-limited dir=%s rate=%u (over the rate: dropped; "
				 "logged once per session)", s->log_id,
				 arg == SHAPER_DOWN ? "down" : "up",
				 s->shaper[arg == SHAPER_DOWN ? SHAPER_DOWN : SHAPER_UP].kbit);
		}
		break;
	}
}

const struct call_ops session_call_ops = {
	.up = call_up_cb,
	.frame = call_frame_cb,
	.down = call_down_cb,
	.worker_event = call_worker_cb,
};

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
	pc->allow_eap = cfg->eap;
	pc->require_eap = cfg->require_eap;
	pc->eap_max_rounds = cfg->eap_max_rounds;
	pc->eap_timeout_s = cfg->eap_timeout;
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
	session_ipv6_config(srv, pc);
}

struct session *session_new(struct call *call)
{
	struct server *srv = call->srv;
	struct session *s = server_alloc(srv, sizeof(*s));
	struct ppp_config pc;

	if (!s)
		return NULL;
	s->srv = srv;
	s->state = SESSION_WAIT_LCP;
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
	s->link = ppp_new(&pc, &session_link_ops, s);
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
	snprintf(s->multi_id, sizeof(s->multi_id), "%s-%08X", srv->boot_id, s->ctrl_id);
	session_timer_init(s);
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
	if (s->call && s->call->ws)
		return worker_send_ip(s->call->ws, pkt, len);
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
	free(s->classes);
	s->classes = NULL;
	session_eap_end(s); /* killed first, which freed it: a safety net */
	free(s->routes); /* down already removed them (a session never up: kept only) */
	s->routes = NULL;
	server_release(s->srv, s);
}

void session_get_info(const struct session *s, uint64_t now, struct session_info *out)
{
	struct ppp_stats st;
	const struct ppp_stats *ps = session_link_stats(s, &st);
	*out = (struct session_info){
		.serial = s->serial,
		.ctrl_id = s->ctrl_id,
		.call_id = s->call_id,
		.state = s->state,
		.user = s->user,
		.peer = s->peer_str,
		.addr = s->addr,
		.uptime_s = s->up_ms && now > s->up_ms ? (now - s->up_ms) / 1000 : 0,
		.rx_bytes = ps->rx_ip_bytes,
		.tx_bytes = ps->tx_ip_bytes,
		.rx_packets = ps->rx_ip_packets,
		.tx_packets = ps->tx_ip_packets,
		.mppe_bits = s->mppe_bits,
		.mppe_stateful = s->mppe_stateful,
		.radius = s->radius_authed,
		.method = session_is_authed(s) ? auth_method_name(s->auth_method) : "",
		.rate_down = s->rate_kbit[SHAPER_DOWN],
		.rate_up = s->rate_kbit[SHAPER_UP],
		.rate_dropped = rate_dropped(s),
		.worker = s->call && s->call->ws ? (int)wsess_worker(s->call->ws) : -1,
	};
}

struct session *session_first(const struct server *srv)
{
	return srv->sessions;
}

struct session *session_next(const struct session *s)
{
	return s->next;
}
