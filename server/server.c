/*
 * The server registry: start-up of the sockets, the call-ID table, the
 * reaper, signals and the stats line.
 */
#include "server/server.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/acct.h"
#include "auth/backend.h"
#include "auth/backend_radius.h"
#include "common/crypto.h"
#include "common/gre_txq.h"
#include "common/log.h"
#include "server/admin.h"
#include "server/call.h"
#include "server/ctrl.h"
#include "server/dae.h"
#include "server/gre_sock.h"
#include "server/datapath.h"
#include "server/listener.h"
#include "server/login_lock.h"
#include "server/metrics.h"
#include "server/neigh.h"
#include "server/pool.h"
#include "server/pool6.h"
#include "server/reload.h"
#include "server/radius_setup.h"
#include "server/session.h"
#include "server/tun.h"
#include "server/tun_io.h"
#include "server/worker.h"

uint64_t server_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void *server_alloc(struct server *srv, size_t size)
{
	void *p = calloc(1, size);
	if (p)
		srv->objects++;
	return p;
}

void server_release(struct server *srv, void *p)
{
	if (!p)
		return;
	srv->objects--;
	free(p);
}

/* ---- call IDs ---- */

/*
 * Random call IDs. A sequential ID told anyone behind the same NAT (or
 * spoofing a client's address) the IDs of the other calls from there: GRE
 * to IDs 1..32 reached every one. A random ID has to be guessed among
 * 65535. 0 is never handed out: it is the "no call yet" value of
 * Call-Clear and Set-Link-Info in some clients' eyes, and a zeroed packet
 * must not hit a call. An ID in use is never given twice; a released one
 * sits out the next SERVER_CALLID_QUARANTINE releases, so late GRE packets
 * of a call that just ended cannot reach a new one.
 */
static uint16_t callid_random(struct server *srv)
{
	if (!srv->callid_rnd_left) {
		if (!crypto_random(srv->callid_rnd, sizeof(srv->callid_rnd)))
			return 0;
		srv->callid_rnd_left = sizeof(srv->callid_rnd) / sizeof(srv->callid_rnd[0]);
	}
	return srv->callid_rnd[--srv->callid_rnd_left];
}

static bool callid_free(const struct server *srv, uint16_t id)
{
	return id != 0 && !srv->callid[id] && !(srv->callid_recent[id / 8] & (1u << (id % 8)));
}

/*
 * With W workers (a power of two) the low log2(W) bits of an ID are its
 * worker's number and only the bits above are random: each worker has
 * 65536 / W IDs and one worker running out never takes another's. The
 * quarantine is shared, as released IDs of different workers differ.
 */
static unsigned callid_nworkers(const struct server *srv)
{
	return srv->callid_workers ? srv->callid_workers : 1;
}

bool server_callid_set_workers(struct server *srv, unsigned workers)
{
	if (!workers || workers > SERVER_WORKERS_MAX || (workers & (workers - 1)))
		return false;
	for (unsigned id = 0; id < SERVER_CALLIDS; id++)
		if (srv->callid[id])
			return false;
	srv->callid_workers = workers;
	return true;
}

uint16_t server_callid_alloc_for(struct server *srv, struct call *c, unsigned worker)
{
	unsigned mask = callid_nworkers(srv) - 1;
	if (worker > mask)
		return 0;
	/* A few random tries find a free ID unless the worker's share is
	 * nearly full; then a scan of that share from a random start, so the
	 * answer is never a false "none left". */
	uint16_t id = 0;
	for (int i = 0; i < 32; i++) {
		id = (uint16_t)((callid_random(srv) & ~mask) | worker);
		if (callid_free(srv, id))
			goto found;
	}
	for (unsigned i = 0; i < SERVER_CALLIDS / (mask + 1); i++) {
		id = (uint16_t)(id + mask + 1);
		if (callid_free(srv, id))
			goto found;
	}
	return 0;
found:
	srv->callid[id] = c;
	return id;
}

uint16_t server_callid_alloc(struct server *srv, struct call *c)
{
	return server_callid_alloc_for(srv, c, 0);
}

void server_callid_release(struct server *srv, uint16_t id)
{
	srv->callid[id] = NULL;
	if (srv->callid_ring_len == SERVER_CALLID_QUARANTINE) {
		uint16_t old = srv->callid_ring[srv->callid_ring_head];
		srv->callid_recent[old / 8] &= (uint8_t)~(1u << (old % 8));
		srv->callid_ring_head = (srv->callid_ring_head + 1) % SERVER_CALLID_QUARANTINE;
		srv->callid_ring_len--;
	}
	unsigned tail = (srv->callid_ring_head + srv->callid_ring_len) % SERVER_CALLID_QUARANTINE;
	srv->callid_ring[tail] = id;
	srv->callid_recent[id / 8] |= (uint8_t)(1u << (id % 8));
	srv->callid_ring_len++;
}

struct call *server_call_by_id(const struct server *srv, uint16_t id)
{
	return srv->callid[id];
}

/* ---- the reaper ---- */

static void reaper_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct server *srv = server_of(loop);
	(void)revents;

	while (srv->dead_sessions) {
		struct session *s = srv->dead_sessions;
		srv->dead_sessions = session_dead_next(s);
		session_free(s);
	}
	while (srv->dead_calls) {
		struct call *c = srv->dead_calls;
		srv->dead_calls = c->next;
		call_free(c);
	}
	while (srv->dead_ctrls) {
		struct ctrl *c = srv->dead_ctrls;
		srv->dead_ctrls = c->next;
		ctrl_free(c);
	}
	reload_reap_auth(srv, false);
	ev_idle_stop(loop, w);
	server_check_done(srv);
}

void server_check_done(struct server *srv)
{
	if (!srv->stopping || srv->ctrls || srv->shutdown_done)
		return;
	if (srv->hooks_running && !srv->shutdown_expired)
		return;
	if (srv->acct) {
		/* Every session's Stop is queued: Accounting-Off comes last, and the
		 * loop waits (within the shutdown bound) for their answers. What
		 * is not answered stays in the spool for the next start. */
		if (!srv->acct_off_sent) {
			srv->acct_off_sent = true;
			acct_record(srv->acct, RADIUS_ACCT_OFF, NULL);
		}
		if (acct_queued(srv->acct) && !srv->shutdown_expired)
			return;
		acct_flush(srv->acct);
	}
	srv->shutdown_done = true;
	log_notice("event=shutdown-done");
	ev_break(srv->loop, EVBREAK_ALL);
}

void server_reap_session(struct server *srv, struct session *s)
{
	session_dead_link(s, srv->dead_sessions);
	srv->dead_sessions = s;
	ev_idle_start(srv->loop, &srv->reaper);
}

void server_reap_ctrl(struct server *srv, struct ctrl *c)
{
	c->next = srv->dead_ctrls;
	c->prev = NULL;
	srv->dead_ctrls = c;
	ev_idle_start(srv->loop, &srv->reaper);
}

void server_reap_call(struct server *srv, struct call *c)
{
	c->next = srv->dead_calls;
	c->prev = NULL;
	srv->dead_calls = c;
	ev_idle_start(srv->loop, &srv->reaper);
}

/* ---- signals ---- */

void server_log_stats(const struct server *srv)
{
	unsigned callids = 0;
	for (size_t i = 0; i < SERVER_CALLIDS; i++)
		callids += srv->callid[i] != NULL;
	const struct server_stats *s = &srv->stats;
	struct tun_stats ts = { 0 };
	if (srv->tun)
		ts = srv->tun->st;
	log_notice("event=stats ctrls=%u calls=%u callids=%u sessions=%u gre-rx=%llu gre-tx=%llu "
		   "gre-bad=%llu gre-no-call=%llu gre-wrong-src=%llu gre-dup=%llu gre-old=%llu "
		   "gre-tx-err=%llu frames-rx=%llu frames-dropped=%llu ctrl-opened=%llu "
		   "ctrl-closed=%llu ctrl-refused=%llu calls-opened=%llu calls-closed=%llu "
		   "calls-busy=%llu sessions-opened=%llu auth-ok=%llu auth-fail=%llu "
		   "auth-stale=%llu spoofed=%llu bad-ip=%llu no-route=%llu "
		   "icmp-frag-needed=%llu icmp-limited=%llu fragmented=%llu too-big=%llu tx-window=%llu "
		   "gre-tx-queued=%llu gre-tx-queue-drop=%llu "
		   "mppe-refused=%llu mppe-abuse=%llu rate-dropped=%llu "
		   "gre-far=%llu ctrl-unstarted=%u ctrl-evicted=%llu accept-failed=%llu "
		   "accept-paused=%llu calls-limited=%llu calls-setup-timeout=%llu "
		   "tun-rx=%llu tun-tx=%llu tun-tx-dropped=%llu tun-tx-err=%llu tun-io=%s "
		   "tun-submits=%llu objects=%ld",
		   srv->nctrls, srv->ncalls, callids, srv->nsessions, (unsigned long long)s->gre_rx,
		   (unsigned long long)s->gre_tx, (unsigned long long)s->gre_bad,
		   (unsigned long long)s->gre_no_call, (unsigned long long)s->gre_wrong_src,
		   (unsigned long long)s->gre_dup, (unsigned long long)s->gre_old,
		   (unsigned long long)s->gre_tx_err, (unsigned long long)s->frames_rx,
		   (unsigned long long)s->frames_dropped, (unsigned long long)s->ctrl_opened,
		   (unsigned long long)s->ctrl_closed, (unsigned long long)s->ctrl_refused,
		   (unsigned long long)s->calls_opened, (unsigned long long)s->calls_closed,
		   (unsigned long long)s->calls_busy, (unsigned long long)s->sessions_opened,
		   (unsigned long long)s->auth_ok, (unsigned long long)s->auth_fail,
		   (unsigned long long)s->auth_stale, (unsigned long long)s->spoofed,
		   (unsigned long long)s->bad_ip, (unsigned long long)s->no_route,
		   (unsigned long long)s->icmp_frag_needed, (unsigned long long)s->icmp_limited,
		   (unsigned long long)s->fragmented, (unsigned long long)s->too_big,
		   (unsigned long long)s->tx_window, (unsigned long long)s->gre_tx_queued,
		   (unsigned long long)s->gre_tx_queue_drop, (unsigned long long)s->mppe_refused,
		   (unsigned long long)s->mppe_abuse, (unsigned long long)s->rate_dropped,
		   (unsigned long long)s->gre_far, srv->nunstarted,
		   (unsigned long long)s->ctrl_evicted, (unsigned long long)s->accept_failed,
		   (unsigned long long)s->accept_paused, (unsigned long long)s->calls_limited,
		   (unsigned long long)s->calls_setup_timeout,
		   (unsigned long long)ts.rx, (unsigned long long)ts.tx,
		   (unsigned long long)ts.tx_dropped, (unsigned long long)s->tun_tx_err,
		   tun_io_method(srv->tio), (unsigned long long)s->tun_submits, srv->objects);
	if (srv->workers) {
		struct workers_stats w;
		char per[16 * WORKERS_MAX];
		size_t off = 0;
		workers_stats(srv->workers, &w);
		per[0] = 0;
		for (unsigned k = 0; k < workers_count(srv->workers) && off < sizeof(per); k++)
			off += (size_t)snprintf(per + off, sizeof(per) - off, "%s%llu", k ? "," : "",
						(unsigned long long)workers_packets(srv->workers, k));
		log_notice("event=worker-stats workers=%u taken=%llu kept=%llu released=%llu "
			   "ring-full=%llu worker-full=%llu tun-rx=%llu tun-tx=%llu to-main=%llu "
			   "gre-tx=%llu gre-tx-err=%llu packets=%s", workers_count(srv->workers),
			   (unsigned long long)s->worker_taken, (unsigned long long)s->worker_kept,
			   (unsigned long long)w.sessions_dropped, (unsigned long long)w.ring_full,
			   (unsigned long long)s->worker_full, (unsigned long long)w.tun_rx,
			   (unsigned long long)w.tun_tx, (unsigned long long)w.tun_to_main,
			   (unsigned long long)w.gre_tx, (unsigned long long)w.gre_tx_err, per);
	}
	if (srv->pool6) {
		struct pool6_stats p6 = pool6_stats(srv->pool6);
		unsigned named = 0;
		for (size_t i = 0; i < srv->nnpools6; i++)
			named += pool6_stats(srv->npools6[i]).in_use;
		log_notice("event=ipv6-stats prefixes-in-use=%u prefixes=%u named-in-use=%u "
			   "outside-routes=%zu sessions=%llu "
			   "no-prefix=%llu spoofed=%llu link-local=%llu bad=%llu ra-sent=%llu "
			   "rs-folded=%llu dhcp-replies=%llu pd-replies=%llu no-route=%llu packet-too-big=%llu "
			   "ptb-limited=%llu", p6.in_use, p6.size, named, srv->nfroutes6,
			   (unsigned long long)s->ipv6_sessions, (unsigned long long)s->ipv6_no_prefix,
			   (unsigned long long)s->ipv6_spoofed, (unsigned long long)s->ipv6_link_local,
			   (unsigned long long)s->ipv6_bad, (unsigned long long)s->ipv6_ra_sent,
			   (unsigned long long)s->ipv6_rs_folded,
			   (unsigned long long)s->ipv6_dhcp_replies,
			   (unsigned long long)s->ipv6_pd_replies,
			   (unsigned long long)s->ipv6_no_route, (unsigned long long)s->ipv6_ptb_sent,
			   (unsigned long long)s->ipv6_ptb_limited);
	}
	login_lock_log_stats(srv);
	const struct radius_stats *ra = auth_radius_stats(srv->auth);
	if (ra)
		log_notice("event=radius-stats what=auth sent=%llu retransmitted=%llu failovers=%llu "
			   "timeouts=%llu replies=%llu bad-replies=%llu unexpected=%llu",
			   (unsigned long long)ra->sent, (unsigned long long)ra->retransmitted,
			   (unsigned long long)ra->failovers, (unsigned long long)ra->timeouts,
			   (unsigned long long)ra->replies, (unsigned long long)ra->bad_replies,
			   (unsigned long long)ra->unexpected);
	if (srv->acct) {
		const struct radius_stats *rc = acct_radius_stats(srv->acct);
		const struct acct_stats *as = acct_get_stats(srv->acct);
		log_notice("event=radius-stats what=acct sent=%llu retransmitted=%llu failovers=%llu "
			   "timeouts=%llu replies=%llu bad-replies=%llu unexpected=%llu records=%llu "
			   "acked=%llu resent=%llu dropped=%llu queued=%zu loaded=%zu",
			   (unsigned long long)rc->sent, (unsigned long long)rc->retransmitted,
			   (unsigned long long)rc->failovers, (unsigned long long)rc->timeouts,
			   (unsigned long long)rc->replies, (unsigned long long)rc->bad_replies,
			   (unsigned long long)rc->unexpected, (unsigned long long)as->made,
			   (unsigned long long)as->acked, (unsigned long long)as->resent,
			   (unsigned long long)as->dropped, as->queued, as->loaded);
	}
}

static void shutdown_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	struct server *srv = server_of(loop);
	log_notice("event=shutdown-timeout ctrls=%u hooks=%u", srv->nctrls, srv->hooks_running);
	srv->shutdown_expired = true;
	while (srv->ctrls)
		ctrl_kill(srv->ctrls, "shutdown");
	/* The reaper ends the loop once they are freed. */
	ev_idle_start(srv->loop, &srv->reaper);
}

static void server_shutdown(struct server *srv)
{
	if (srv->stopping)
		return;
	srv->stopping = true;
	log_notice("event=shutdown ctrls=%u calls=%u sessions=%u", srv->nctrls, srv->ncalls,
		   srv->nsessions);
	for (size_t i = 0; i < srv->nlisteners; i++)
		listener_free(&srv->listeners[i]);
	/* LCP Terminate-Request on every link first; the Stop-Control-
	 * Connection-Requests below then end the calls under them. */
	session_close_all(srv, PPP_CAUSE_SHUTDOWN, "server shutdown");
	/* Stopping one connection may kill another from inside (a nested
	 * teardown moves it to the reaper's list): then its saved successor is
	 * dying and the walk starts again from the head, where the connections
	 * already stopped are skipped (ctrl_close() does nothing twice). The
	 * listeners are closed, so the list only shrinks: each restart follows
	 * a death, and there are at most nctrls of those. */
	unsigned restarts = srv->nctrls;
	struct ctrl *c = srv->ctrls;
	while (c) {
		struct ctrl *next = c->next;
		if (c->state == CTRL_ESTABLISHED)
			ctrl_close(c, PPTP_STOP_LOCAL_SHUTDOWN, "shutdown");
		else if (c->state == CTRL_WAIT_START)
			ctrl_kill(c, "shutdown");
		if (next && next->dying) {
			if (!restarts)
				break;
			restarts--;
			next = srv->ctrls;
		}
		c = next;
	}
	ev_timer_start(srv->loop, &srv->shutdown_timer);
	/* Nothing to wait for: let the reaper end the loop. */
	ev_idle_start(srv->loop, &srv->reaper);
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct server *srv = server_of(loop);
	(void)revents;

	switch (w->signum) {
	case SIGTERM:
	case SIGINT:
		server_shutdown(srv);
		break;
	case SIGUSR1:
		/* Free heap pages go back to the system first, so that the RSS an
		 * operator (or the churn test) reads next is live memory, not
		 * the allocator's high-water mark. */
		malloc_trim(0);
		workers_fold(srv->workers);
		server_log_stats(srv);
		break;
	case SIGHUP:
		server_reload(srv, "sighup", NULL);
		break;
	default:
		break;
	}
}

/* ---- life ---- */

struct server *server_new(struct ev_loop *loop, struct config *cfg, bool echo_frames)
{
	struct server *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->loop = loop;
	srv->cfg = srv->cfg_rw = cfg;
	srv->echo_frames = echo_frames;
	srv->call_ops = echo_frames ? &call_echo_ops : &session_call_ops;
	if (gethostname(srv->hostname, sizeof(srv->hostname) - 1) != 0)
		strcpy(srv->hostname, "pptpd");
	snprintf(srv->boot_id, sizeof(srv->boot_id), "%08X", (unsigned)time(NULL));
	srv->run_uid = (uid_t)-1;
	srv->run_gid = (gid_t)-1;
	ev_set_userdata(loop, srv);
	ev_idle_init(&srv->reaper, reaper_cb);
	log_limit_init(&srv->log_call_refused, SERVER_PEER_LOG_MS);
	log_limit_init(&srv->log_ctrl_refused, SERVER_PEER_LOG_MS);
	ev_signal_init(&srv->sig_term, signal_cb, SIGTERM);
	ev_signal_init(&srv->sig_int, signal_cb, SIGINT);
	ev_signal_init(&srv->sig_hup, signal_cb, SIGHUP);
	ev_signal_init(&srv->sig_usr1, signal_cb, SIGUSR1);
	ev_timer_init(&srv->shutdown_timer, shutdown_timeout_cb, SERVER_SHUTDOWN_SECS + 0.5, 0.);
	return srv;
}

static void auth_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct server *srv = server_of(loop);
	(void)w;
	(void)revents;
	auth_backend_drain(srv->auth);
}

static void acct_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct server *srv = server_of(loop);
	(void)w;
	(void)revents;
	acct_run(srv->acct);
	if (srv->stopping)
		server_check_done(srv);
}

/* Before the drop: the RADIUS servers and secrets, from the configuration
 * or a radiusclient.conf (and its servers file) that only root may read.
 * Kept in srv->rs until start_auth() uses and wipes them. */
static bool load_radius(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	char err[512];

	if (cfg->auth != CONFIG_AUTH_RADIUS && !cfg->radius_acct.n && !cfg->radius_config)
		return true;
	srv->rs = calloc(1, sizeof(*srv->rs));
	if (!srv->rs) {
		log_errx("out of memory");
		return false;
	}
	if (!radius_setup_load(cfg, srv->hostname, srv->rs, err, sizeof(err))) {
		log_errx("RADIUS: %s", err);
		return false;
	}
	return true;
}

static void wipe_radius(struct server *srv)
{
	if (!srv->rs)
		return;
	radius_setup_wipe(srv->rs);
	free(srv->rs);
	srv->rs = NULL;
}

/* The authentication backend (SQLite or RADIUS) and RADIUS accounting:
 * after the drop, so their threads (the SQLite worker, the spool) start
 * with the reduced privileges. */
static bool start_auth(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	char err[512];
	bool radius = cfg->auth == CONFIG_AUTH_RADIUS;
	bool ok = false;

	if (!radius) {
		struct auth_sqlite_config ac = { .path = cfg->user_db };
		srv->auth = auth_sqlite_new(&ac, session_auth_complete, srv, err, sizeof(err));
		if (!srv->auth) {
			log_errx("cannot start the authentication backend: %s", err);
			return false;
		}
	}
	struct radius_setup *rs = srv->rs;
	if (!rs)
		return true;
	struct auth_radius_nas nas = { .ip = rs->nas_ip, .identifier = rs->nas_identifier };
	if (radius) {
		srv->auth = radius_setup_auth(rs, cfg, session_auth_complete, srv, err, sizeof(err));
		if (!srv->auth) {
			log_errx("cannot start the RADIUS authentication backend: %s", err);
			goto out;
		}
		for (size_t i = 0; i < rs->nauth; i++)
			log_notice("radius=auth server=%s order=%zu", rs->auth[i].name, i + 1);
	}
	if (rs->nacct) {
		struct acct_config ac = {
			.nas = nas,
			.spool_path = cfg->radius_acct_spool,
			.boot_session_id = srv->boot_id,
		};
		radius_setup_client(rs, true, &ac.client);
		srv->acct = acct_new(&ac, err, sizeof(err));
		if (!srv->acct) {
			log_errx("cannot start RADIUS accounting: %s", err);
			goto out;
		}
		for (size_t i = 0; i < rs->nacct; i++)
			log_notice("radius=acct server=%s order=%zu", rs->acct[i].name, i + 1);
		ev_io_init(&srv->acct_io, acct_io_cb, acct_fd(srv->acct), EV_READ);
		ev_io_start(srv->loop, &srv->acct_io);
		acct_record(srv->acct, RADIUS_ACCT_ON, NULL);
	} else if (radius) {
		log_notice("radius=acct event=disabled reason=\"no radius-acct-server\"");
	}
	ok = true;
out:
	wipe_radius(srv);
	return ok;
}

/* The PPP side's privileged part on srv->tun: pool, data path, the proxy
 * ARP netlink socket, the DAE socket, the RADIUS files, the session table. */
static bool open_services(struct server *srv)
{
	const struct config *cfg = srv->cfg;

	srv->pool = pool_new(cfg);
	srv->session_slot = calloc(cfg->connections, sizeof(*srv->session_slot));
	if (!srv->pool || !srv->session_slot) {
		log_errx("out of memory");
		return false;
	}
	srv->nslots = cfg->connections;
	if (cfg->ipv6 && !(srv->pool6 = pool6_new(&cfg->ipv6_prefix_pool))) {
		log_errx("out of memory (ipv6-prefix-pool)");
		return false;
	}
	if (cfg->ipv6 && cfg->ipv6_pools.n) {
		srv->npools6 = calloc(cfg->ipv6_pools.n, sizeof(*srv->npools6));
		if (!srv->npools6) {
			log_errx("out of memory (ipv6-pool)");
			return false;
		}
		for (size_t i = 0; i < cfg->ipv6_pools.n; i++) {
			if (!(srv->npools6[i] = pool6_new(&cfg->ipv6_pools.p[i].prefix))) {
				log_errx("out of memory (ipv6-pool %s)", cfg->ipv6_pools.p[i].name);
				return false;
			}
			srv->nnpools6 = i + 1;
		}
	}
	if (cfg->pools.n) {
		srv->npools = calloc(cfg->pools.n, sizeof(*srv->npools));
		if (!srv->npools) {
			log_errx("out of memory");
			return false;
		}
		for (size_t i = 0; i < cfg->pools.n; i++) {
			if (!(srv->npools[i] = pool_new_ranges(&cfg->pools.p[i].pool))) {
				log_errx("out of memory");
				return false;
			}
			srv->nnpools++;
		}
	}
	srv->tio = tun_io_new(srv, srv->tun);
	if (!srv->tio)
		return false;
	srv->dp = datapath_new(srv);
	if (!srv->dp)
		return false;
	/* As root: the tun queues and the workers' raw sockets. */
	unsigned nworkers = srv->offline ? 1 : workers_wanted(cfg);
	if (nworkers > 1 && !(srv->workers = workers_open(srv, nworkers)))
		return false;
	if (cfg->proxyarp) {
		srv->neigh = neigh_new();
		if (!srv->neigh) {
			log_errx("cannot open rtnetlink for proxyarp");
			return false;
		}
	}
	if (cfg->dae_listen && !(srv->dae = dae_open(srv)))
		return false;
	return load_radius(srv);
}

/* The rest, unprivileged: the auth backend and accounting. */
static bool start_sessions(struct server *srv)
{
	const struct config *cfg = srv->cfg;

	if (!start_auth(srv) || !login_lock_start(srv))
		return false;
	ev_io_init(&srv->auth_io, auth_io_cb, auth_backend_fd(srv->auth), EV_READ);
	ev_io_start(srv->loop, &srv->auth_io);
	log_notice("event=sessions-ready tun=%s mtu=%u pool=%u auth=%s accounting=%s "
		   "proxyarp=%s mss-clamp=%s", srv->tun->name, srv->tun->mtu, cfg->pool.size,
		   cfg->auth == CONFIG_AUTH_RADIUS ? "radius" : "sqlite",
		   srv->acct ? "radius" : "none", cfg->proxyarp ? "yes" : "no",
		   cfg->mss_clamp ? "yes" : "no");
	return true;
}

/* The tun device (privileged: routes), then everything that hangs on it. */
static bool open_sessions(struct server *srv)
{
	srv->tun = tun_open(srv->cfg);
	if (!srv->tun) {
		log_errx("cannot open the tun device %s: the server cannot carry sessions",
			 srv->cfg->tun);
		return false;
	}
	return open_services(srv);
}

bool server_start_offline(struct server *srv, int gre_fd, struct tun *tun)
{
	signal(SIGPIPE, SIG_IGN);
	srv->offline = true;
	srv->gre = gre_sock_adopt(srv, gre_fd);
	if (!srv->gre) {
		close(gre_fd);
		tun_free(tun);
		return false;
	}
	srv->tun = tun;
	if (!srv->echo_frames && !(open_services(srv) && start_sessions(srv)))
		return false;
	log_notice("event=server-start listeners=0 connections=%u echo-frames=%s offline=yes",
		   srv->cfg->connections, srv->echo_frames ? "yes" : "no");
	return true;
}

bool server_open(struct server *srv)
{
	const struct config *cfg = srv->cfg;

	signal(SIGPIPE, SIG_IGN);
	listener_raise_nofile(cfg);
	srv->gre = gre_sock_open(srv);
	if (!srv->gre)
		return false;
	srv->listeners = calloc(cfg->listen.n, sizeof(*srv->listeners));
	if (!srv->listeners) {
		log_errx("out of memory");
		return false;
	}
	for (size_t i = 0; i < cfg->listen.n; i++) {
		if (!listener_open(&srv->listeners[i], srv, cfg->listen.addr[i], CONFIG_PPTP_PORT))
			return false;
		srv->nlisteners++;
	}
	/* As root: the directory and the socket go to the run user. Without
	 * it the server runs on (admin_open() said why). */
	if (cfg->control_socket && cfg->control_socket[0])
		srv->admin = admin_open(srv, cfg->control_socket, srv->run_uid, srv->run_gid);
	if (cfg->metrics_listen) {
		srv->metrics = metrics_open(srv);
		if (!srv->metrics)
			return false;
	}
	return srv->echo_frames || open_sessions(srv);
}

bool server_start(struct server *srv)
{
	const struct config *cfg = srv->cfg;

	if (!srv->echo_frames && !start_sessions(srv))
		return false;
	if (!workers_start(srv->workers))
		return false;
	ev_signal_start(srv->loop, &srv->sig_term);
	ev_signal_start(srv->loop, &srv->sig_int);
	ev_signal_start(srv->loop, &srv->sig_hup);
	ev_signal_start(srv->loop, &srv->sig_usr1);
	admin_start(srv->admin);
	if (srv->metrics)
		metrics_start(srv->metrics);
	log_notice("event=server-start listeners=%zu connections=%u echo-frames=%s",
		   srv->nlisteners, cfg->connections, srv->echo_frames ? "yes" : "no");
	return true;
}

void server_run(struct server *srv)
{
	ev_run(srv->loop, 0);
}

void server_free(struct server *srv)
{
	if (!srv)
		return;
	dae_free(srv->dae);
	srv->dae = NULL;
	admin_free(srv->admin);
	srv->admin = NULL;
	metrics_free(srv->metrics);
	srv->metrics = NULL;
	while (srv->ctrls)
		ctrl_kill(srv->ctrls, "exit");
	reaper_cb(srv->loop, &srv->reaper, 0);
	/* Every call is gone: each worker has its DROPs; stop and join. */
	workers_free(srv->workers);
	srv->workers = NULL;
	for (size_t i = 0; i < srv->nlisteners; i++)
		listener_free(&srv->listeners[i]);
	free(srv->listeners);
	gre_sock_free(srv->gre);
	gre_txq_pool_free(srv->txq_pool);
	/* Every session is gone now: their addresses are back in the pool. */
	if (srv->auth) {
		ev_io_stop(srv->loop, &srv->auth_io);
		auth_backend_free(srv->auth);
	}
	reload_reap_auth(srv, true);
	if (srv->acct) {
		ev_io_stop(srv->loop, &srv->acct_io);
		acct_free(srv->acct);
	}
	login_lock_stop(srv);
	addr_count_free(&srv->peer_counts);
	crypto_rng_wipe(&srv->link_rng);
	datapath_free(srv->dp);
	tun_io_free(srv->tio);
	srv->tio = NULL;
	tun_free(srv->tun);
	neigh_free(srv->neigh);
	pool_free(srv->pool);
	pool6_free(srv->pool6);
	for (size_t i = 0; i < srv->nnpools6; i++)
		pool6_free(srv->npools6[i]);
	free(srv->npools6);
	for (size_t i = 0; i < srv->nnpools; i++)
		pool_free(srv->npools[i]);
	free(srv->npools);
	free(srv->session_slot);
	ev_signal_stop(srv->loop, &srv->sig_term);
	ev_signal_stop(srv->loop, &srv->sig_int);
	ev_signal_stop(srv->loop, &srv->sig_hup);
	ev_signal_stop(srv->loop, &srv->sig_usr1);
	ev_timer_stop(srv->loop, &srv->shutdown_timer);
	ev_idle_stop(srv->loop, &srv->reaper);
	ev_set_userdata(srv->loop, NULL);
	wipe_radius(srv);
	config_free(srv->cfg_loaded);
	free(srv);
}
