/*
 * The server registry: the one place that holds the event loop, the
 * configuration, the listeners, every control connection, the server-wide
 * call-ID table, the GRE socket, the counters, the reaper and the signal
 * watchers. There is no other mutable state: the loop carries the server
 * (ev_set_userdata) and every object points back at it.
 *
 * Object tree and lifetimes:
 *   server   server_new() .. server_free(); owns everything below.
 *   listener one per `listen` address, opened by server_start(), closed on
 *            shutdown or by server_free().
 *   ctrl     one per accepted TCP connection (server/ctrl.h); lives on
 *            srv->ctrls until it dies, then on the reaper list until freed.
 *   call     one per call of a ctrl (server/call.h); in its ctrl's list and
 *            in srv->callid[] until it dies, then on the reaper list.
 *   session  one per call that carries PPP (server/session.h), owned by its
 *            call; on srv->sessions and in srv->session_slot[] until it
 *            dies, then on the reaper list.
 *   metrics  the Prometheus endpoint (server/metrics.h): opened by
 *            server_open(), started by server_start(), freed by server_free().
 *   tun, tun_io, pool, datapath, neigh, DAE: opened by server_open() (as root,
 *            not with --echo-frames); the auth backend and accounting by
 *            server_start() (after the drop to the run user); all freed by
 *            server_free() after every session.
 *   admin    the control-socket (server/admin.h): opened by server_open()
 *            (as root), accepting from server_start(), freed (socket
 *            removed) by server_free().
 *   hooks    who starts ip-up/ip-down (server/hooks.h): made by main()
 *            before server_open(), freed by main() after server_free().
 * Nothing is freed inside one of its own callbacks: ctrl_kill() and
 * call_kill() stop the watchers, unlink the object from every lookup table
 * and hand it to server_reap_*(); the reaper (an ev_idle) frees it later.
 *
 * Signals: SIGTERM/SIGINT orderly shutdown (every session sends LCP
 * Terminate-Request, then every control connection gets a
 * Stop-Control-Connection-Request, ~3 s for the replies, then the loop
 * ends), SIGUSR1 one `event=stats` log line, SIGHUP a reload of the
 * configuration file (server/reload.h: what changes live, what needs a
 * restart, and the config generations).
 */
#ifndef PPTP_SERVER_SERVER_H
#define PPTP_SERVER_SERVER_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/addr_count.h"
#include "common/crypto.h"
#include "common/log_limit.h"
#include "conf/config.h"

#define SERVER_CALLIDS        65536
#define SERVER_SHUTDOWN_SECS  3.0
/* Freed call IDs not handed out again before this many later releases:
 * late GRE packets of a call that just ended find no call, not a new one. */
#define SERVER_CALLID_QUARANTINE 1024
/* Most data-path workers a call ID can name (its low log2 bits). */
#define SERVER_WORKERS_MAX    64
/* Interval of the once-per-peer log lines (refused calls, evictions). */
#define SERVER_PEER_LOG_MS    60000

/* The struct that holds member `member` at ptr. */
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct listener;
struct ctrl;
struct call;
struct call_ops;
struct gre_sock;
struct gre_txq_pool;
struct session;
struct pool;
struct tun;
struct datapath;
struct tun_io;
struct neigh;
struct auth_backend;
struct acct;
struct dae;
struct hooks;
struct lockout;
struct radius_setup;
struct admin;
struct metrics;
struct auth_retired;

struct server_stats {
	uint64_t gre_rx;        /* GRE packets read from the raw socket */
	uint64_t gre_tx;        /* GRE packets sent */
	uint64_t gre_bad;       /* did not parse (IPv4 or GRE header) */
	uint64_t gre_no_call;   /* no live call has the key's call ID */
	uint64_t gre_wrong_src; /* source address is not the call's peer */
	uint64_t gre_tx_err;    /* sendmsg failed */
	uint64_t tun_tx_err;    /* tun writes that failed (server/tun_io.h) */
	uint64_t tun_submit_err; /* io_uring_enter() refusals (the writes wait, not lost) */
	uint64_t tun_submits;   /* io_uring_enter() calls that submitted tun writes */
	uint64_t gre_dup;       /* duplicates dropped by the calls' flows */
	uint64_t gre_old;       /* packets older than the window dropped */
	uint64_t gre_far;       /* sequence number far outside the window: dropped */
	uint64_t frames_rx;     /* PPP frames delivered to calls */
	uint64_t frames_dropped; /* delivered with no PPP layer attached */
	uint64_t ctrl_opened;
	uint64_t ctrl_closed;
	uint64_t ctrl_refused;  /* over max-connections-per-address */
	uint64_t ctrl_evicted;  /* unstarted, closed for a newer one (max-unstarted-connections) */
	uint64_t accept_failed; /* accept() failed for lack of descriptors or memory */
	uint64_t accept_paused; /* back-offs started by such failures */
	uint64_t calls_opened;
	uint64_t calls_closed;
	uint64_t calls_busy;    /* refused over `connections` */
	uint64_t calls_limited; /* refused over max-calls-per-connection/-address */
	uint64_t calls_setup_timeout; /* cleared before LCP opened (call-setup-timeout) */
	uint64_t sessions_opened;
	uint64_t auth_ok;       /* backend accepted (before the session limit) */
	uint64_t auth_fail;     /* rejected by the backend, busy, or over the limit */
	uint64_t auth_stale;    /* completions for sessions already gone */
	uint64_t spoofed;       /* client packets with a source not its own */
	uint64_t framed_routes;         /* RADIUS Framed-Routes installed */
	uint64_t framed_routes_refused; /* ... refused (overlap, gateway, taken) */
	uint64_t bad_ip;        /* packets that are not valid IPv4 (either way) */
	uint64_t no_route;      /* tun packets for no running session */
	uint64_t icmp_frag_needed; /* Fragmentation Needed sent into tun */
	uint64_t icmp_limited;  /* ... suppressed by the per-session limit */
	uint64_t fragmented;    /* tun packets split to fit a session's MTU */
	uint64_t too_big;       /* could neither be fragmented nor answered */
	uint64_t tx_window;     /* tun packets dropped before encryption: GRE window full */
	uint64_t gre_tx_queued; /* frames that waited in a call's send queue for the window */
	uint64_t gre_tx_queue_drop; /* queued frames dropped from the head: queue full */
	uint64_t mppe_refused;  /* MPPE frames dropped before re-keying: count jump / budget */
	uint64_t eap_dropped;   /* EAP packets the links dropped (ppp_stats.rx_eap_dropped) */
	uint64_t mppe_abuse;    /* sessions ended for exceeding the MPPE re-key budget */
	uint64_t worker_taken;  /* sessions handed to a data-path worker at UP */
	uint64_t worker_kept;   /* sessions kept on the main loop with workers (reason logged) */
	uint64_t worker_full;   /* GRE packets and frames dropped: a worker's ring was full */
	uint64_t reloads;       /* configuration reloads applied (server/reload.h) */
	uint64_t reloads_refused; /* ... and refused */
	uint64_t rate_dropped;  /* packets dropped over a session's rate limit (either way) */
	/* IPv6 (server/session_ipv6.c) */
	uint64_t ipv6_sessions;     /* sessions that got a /64 */
	uint64_t ipv6_no_prefix;    /* IPV6CP up but the prefix pool was exhausted */
	uint64_t ipv6_spoofed;      /* client IPv6 from outside its /64: dropped */
	uint64_t ipv6_link_local;   /* client link-local IPv6 not for us: dropped */
	uint64_t ipv6_bad;          /* malformed IPv6 (either way), or RS/DHCPv6 refused */
	uint64_t ipv6_ra_sent;      /* Router Advertisements sent */
	uint64_t ipv6_rs_folded;    /* RSs inside the 3 s window: answered by the RA at its end */
	uint64_t ipv6_dhcp_replies; /* DHCPv6 Replies to Information-Requests */
	uint64_t ipv6_pd_replies;   /* DHCPv6 Advertise/Reply to IA_PD messages (PD, Release) */
	uint64_t ipv6_no_route;     /* tun IPv6 for no running session */
	uint64_t ipv6_ptb_sent;     /* ICMPv6 Packet Too Big sent into tun */
	uint64_t ipv6_ptb_limited;  /* ... suppressed by the per-session limit */
};

struct server {
	struct ev_loop *loop;
	/* The configuration in effect (server/reload.h): main()'s until the
	 * first reload, then the last one reloaded, which the server owns
	 * (cfg_loaded, NULL before). */
	const struct config *cfg;
	struct config *cfg_rw;     /* the same, writable for reload's swap only */
	struct config *cfg_loaded;
	bool echo_frames;         /* --echo-frames: every call echoes its frames */
	/* What call_new() installs on every call: session_call_ops, or
	 * call_echo_ops with --echo-frames (call.c names neither module). */
	const struct call_ops *call_ops;
	char hostname[65];

	struct listener *listeners; /* array of nlisteners */
	size_t nlisteners;
	struct gre_sock *gre;
	/* Buffers of the calls' send queues (call.c creates it with the
	 * first call that comes up; freed after every call). */
	struct gre_txq_pool *txq_pool;

	struct ctrl *ctrls;       /* live control connections */
	unsigned nctrls;
	/* Live connections and calls per peer address (the per-address
	 * limits): kept by ctrl.c beside nctrls and each ctrl's ncalls. */
	struct addr_count peer_counts;
	unsigned nunstarted;      /* of which still in WAIT_START */
	unsigned next_ctrl_id;

	struct call *callid[SERVER_CALLIDS]; /* live calls by our call ID */
	unsigned ncalls;
	/* Call IDs are random (server_callid_alloc); a released one waits in
	 * the quarantine ring (and its bit) before it can come back. */
	uint8_t callid_recent[SERVER_CALLIDS / 8];
	uint16_t callid_ring[SERVER_CALLID_QUARANTINE];
	unsigned callid_ring_head, callid_ring_len;
	uint16_t callid_rnd[64];  /* random numbers not used yet */
	unsigned callid_rnd_left;
	/* Data-path workers W, a power of two (0 counts as 1): a call ID's
	 * low log2(W) bits name its worker (server_callid_alloc_for). */
	unsigned callid_workers;
	/* The PPP links' random numbers (LCP magic numbers, CHAP challenges),
	 * a batch at a time; used on the loop's thread only. */
	struct crypto_rng link_rng;

	/* Once per peer per SERVER_PEER_LOG_MS: refused calls; refused or
	 * evicted connections (the rest is counted). */
	struct log_limit log_call_refused;
	struct log_limit log_ctrl_refused;

	/* Sessions (server/session.c): a slot table of `connections` entries,
	 * looked up by the {slot, serial} of backend completions. */
	struct session *sessions; /* live sessions */
	unsigned nsessions;
	/* Installed Framed-Routes of every session (session_routes.c): the
	 * data path's second lookup, after the pools. */
	struct server_froute {
		uint32_t dst;
		uint8_t plen;
		struct session *s;
	} *froutes;
	size_t nfroutes, froutes_cap;
	/* The same for IPv6 (session_ipv6.c): RADIUS /64s outside the pool,
	 * Framed-IPv6-Routes and Delegated-IPv6-Prefixes of every session. */
	struct server_froute6 {
		uint8_t dst[16];
		uint8_t plen;
		struct session *s;
	} *froutes6;
	size_t nfroutes6, froutes6_cap;
	struct session **session_slot;
	uint32_t nslots;
	uint32_t slot_cursor;
	uint32_t session_serial;  /* last serial given; never 0 */

	/* The data plane and its services; NULL with --echo-frames. */
	struct tun *tun;
	struct tun_io *tio;        /* writes into tun (server/tun_io.h) */
	struct pool *pool;
	struct pool6 *pool6;      /* ipv6-prefix-pool; NULL unless `ipv6` */
	struct pool6 **npools6;   /* ipv6-pool NAME ..., as cfg->ipv6_pools */
	size_t nnpools6;
	struct pool **npools;     /* the named pools, as cfg->pools */
	size_t nnpools;
	struct datapath *dp;
	struct workers *workers;   /* NULL with `workers 1` (server/worker.h) */
	bool offline;              /* server_start_offline(): a test seam, no workers */
	struct neigh *neigh;      /* NULL unless `proxyarp` */
	struct auth_backend *auth;
	ev_io auth_io;
	/* RADIUS backends a reload replaced, until their last request ends
	 * (server/reload.h). */
	struct auth_retired *auth_retired;
	struct acct *acct;        /* RADIUS accounting; NULL: none */
	ev_io acct_io;
	bool acct_off_sent;
	struct dae *dae;          /* RFC 5176 listener; NULL: none */
	struct metrics *metrics;  /* Prometheus endpoint (server/metrics.h); NULL: none */
	struct lockout *lockout;  /* failed-login lock-out (server/login_lock.h); NULL: none */
	struct radius_setup *rs;  /* between server_open() and server_start() only */
	struct hooks *hooks;      /* who starts ip-up/ip-down; set by main, not owned */
	struct admin *admin;      /* the control-socket (server/admin.h); NULL: none */
	uid_t run_uid;            /* who gets the control-socket: set by main before */
	gid_t run_gid;            /* server_open(); (uid_t)-1 (server_new): keep root */
	char boot_id[9];          /* hex start time: the head of every Acct-Session-Id */

	struct ctrl *dead_ctrls;  /* waiting for the reaper */
	struct call *dead_calls;
	struct session *dead_sessions;
	ev_idle reaper;

	ev_signal sig_term, sig_int, sig_hup, sig_usr1;
	ev_timer shutdown_timer;
	bool stopping;
	bool shutdown_done;  /* the loop was told to end (logged once) */
	bool shutdown_expired; /* the shutdown bound passed: stop waiting */
	unsigned hooks_running; /* ip-down scripts shutdown waits for */

	long objects;             /* live server-allocated objects */
	struct server_stats stats;
};

/* Allocate the registry on loop; cfg must outlive it (a reload replaces
 * srv->cfg with a config the server owns; cfg itself is never freed here,
 * but its restart-only values may be swapped into the new one, so after
 * the start read srv->cfg, not cfg). NULL if out of memory. */
struct server *server_new(struct ev_loop *loop, struct config *cfg, bool echo_frames);
/* The privileged part of the start (as root, before the drop): the GRE
 * socket, the listeners and, without --echo-frames, tun and its routes,
 * the pool, the data path, proxy ARP's netlink socket, the DAE socket and
 * the RADIUS files. False (logged) on failure. */
bool server_open(struct server *srv);
/* The rest (after the drop; no privilege needed): the authentication
 * backend's and accounting's threads, the signal watchers. False (logged)
 * on failure. */
bool server_start(struct server *srv);
/* Test seam (tests/fuzz/fuzz_server.c): start without privileges and
 * without listeners. gre_fd stands for the raw GRE socket (see
 * gre_sock_adopt()); tun, allocated by the caller with its fd open and
 * nl.fd -1 (no routes, no address), for the tun device. The server owns
 * both from here on, also on failure. Control connections are handed to
 * ctrl_accept() by the caller. No signal watchers. */
bool server_start_offline(struct server *srv, int gre_fd, struct tun *tun);
/* Run the loop until shutdown completes. */
void server_run(struct server *srv);
/* Close and free everything left; NULL is fine. */
void server_free(struct server *srv);

/* The server a watcher's loop belongs to. */
static inline struct server *server_of(struct ev_loop *loop)
{
	return ev_userdata(loop);
}

/* Milliseconds of a monotonic clock, for gre_flow. */
uint64_t server_now_ms(void);

/* Allocate a random free call ID for c: never 0, never one in use, never
 * one of the last SERVER_CALLID_QUARANTINE released; 0 if none is left.
 * With W workers it is an ID of worker 0 (server_callid_alloc_for). */
uint16_t server_callid_alloc(struct server *srv, struct call *c);
/* The same among the IDs of worker `worker` < W alone: (id & (W - 1)) ==
 * worker, so the GRE filter of that worker's socket (server/gre_filter.h)
 * keeps the call's frames. 0 when that worker's IDs are all taken or in
 * quarantine, even if other workers have free ones, and for worker >= W. */
uint16_t server_callid_alloc_for(struct server *srv, struct call *c, unsigned worker);
/* Set W: a power of two from 1 to SERVER_WORKERS_MAX, while no call is
 * live (an ID in use would name the wrong worker); false (W unchanged)
 * otherwise. */
bool server_callid_set_workers(struct server *srv, unsigned workers);
void server_callid_release(struct server *srv, uint16_t id);
/* The live call with our call ID id, or NULL. */
struct call *server_call_by_id(const struct server *srv, uint16_t id);

/* Count allocations that the stats line reports as `objects`. */
void *server_alloc(struct server *srv, size_t size);
void server_release(struct server *srv, void *p);
static inline void server_object_add(struct server *srv) { srv->objects++; }
static inline void server_object_del(struct server *srv) { srv->objects--; }

/* Hand a dead object to the reaper (it must already be unlinked). */
void server_reap_ctrl(struct server *srv, struct ctrl *c);
void server_reap_call(struct server *srv, struct call *c);
void server_reap_session(struct server *srv, struct session *s);

/* While stopping: end the loop once nothing is left to wait for. */
void server_check_done(struct server *srv);

/* Log the `event=stats` line. */
void server_log_stats(const struct server *srv);

#endif
