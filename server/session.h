/*
 * A session: the PPP link (common/ppp/ppp.h) of one PPTP call, and
 * everything the server attaches to it: the authentication request in the
 * backend, the client's address in the pool, the ip-up/ip-down hooks and
 * the proxy ARP entry.
 *
 * A session attaches to its call through struct call_ops: the server makes
 * session_call_ops what every new call carries (unless --echo-frames) and
 * the call's up callback creates the session. The server waits up to
 * SESSION_OPEN_WAIT_MS for the client's first LCP packet before it opens
 * LCP itself (every PPTP client speaks first), so nothing is sent on the
 * call before the Outgoing-Call-Reply; frames that are not LCP before then
 * are counted as frames-dropped.
 *
 * The session is one state machine (enum session_state below, one
 * transition function that logs every change at debug level as
 * `event=state from= to=`). Other modules ask it through the functions
 * here; struct session is private to the session_*.c files
 * (server/session_priv.h).
 *
 * Login: LCP -> ops->auth_request -> auth_backend_submit() naming the
 * session by {slot, serial} -> the backend's completion (server's auth_io)
 * -> session_auth_complete() finds the session by that reference or drops
 * the result -> per-user limit, address (static: pool_reserve, else
 * pool_alloc) -> ppp_auth_result() -> CCP/IPCP -> ops->ip_up: the address
 * becomes routable (datapath), ip-up hook, proxy ARP, one session-up line.
 * EAP (ops->eap_response) is the same path once per round: each Response
 * is one request, each Access-Challenge goes back to the link as the next
 * Request (ppp_eap_request()) with its State kept on the session, until
 * an Accept or a refusal (server/session_auth.c).
 *
 * End: the link's ops->down (any cause, set once) logs one session-down
 * line, runs ip-down, withdraws proxy ARP, releases the address, cancels a
 * pending authentication, frees a kept EAP State, clears the call (Call-Disconnect-Notify) unless
 * the call is what went away, and kills the session.
 *
 * Lifetime: session_new() on call up; the call owns it through its ops
 * context. The session is killed (DEAD: unlinked from the session table
 * and the live list, detached from its call, its timer stopped) when its
 * link ends, from anywhere, also inside its own callbacks; the server's
 * reaper frees it (session_free(), which frees the link). The call may die
 * first: its down callback lowers the link, whose ops->down kills the
 * session at once.
 */
#ifndef PPTP_SERVER_SESSION_H
#define PPTP_SERVER_SESSION_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/backend.h"
#include "common/ppp/ppp.h"
#include "server/shaper.h"

/* How long the server waits for the client's LCP before it opens LCP. */
#define SESSION_OPEN_WAIT_MS  5000
/* ICMP Fragmentation Needed sent per session per second, at most. */
#define SESSION_ICMP_PER_SEC  10
/* Seconds an ip-up or ip-down script may run. */
#define SESSION_HOOK_LIMIT    30.0

struct server;
struct call;
struct hook;
struct call_ops;
struct session;

/*
 * The states, in the order a login passes them; each may also go to
 * ENDING (the link is finished), and ENDING only to DEAD.
 */
enum session_state {
	/* Created on call up; the link is not started (the server waits for
	 * the client's LCP, at most until open_deadline). No user, no
	 * address, nothing in the backend. */
	SESSION_WAIT_LCP,
	/* The link runs LCP, or the authentication phase between attempts
	 * or between EAP rounds (the peer has the next Request; the last
	 * Challenge's State may be kept): no request in the backend, no
	 * refusal due, no address held. */
	SESSION_LINK,
	/* Exactly one request is in the backend, named by {slot, serial};
	 * the user name is set. -> NETWORK (accepted) or LINK (refused,
	 * abandoned, or an EAP Challenge: the next round). */
	SESSION_AUTH_WAIT,
	/* A refusal of ours (malformed request, refused name, locked out,
	 * backend busy) is due: the timer answers it at once, never from
	 * inside the link's callback. Nothing in the backend. -> LINK. */
	SESSION_AUTH_REFUSE,
	/* The backend accepted the user: counted by the per-user limit,
	 * found by Disconnect/CoA; the address is held (0 when none: the
	 * link is ending with no-address). CCP and IPCP negotiate; the data
	 * path does not route to it yet. -> UP. */
	SESSION_NETWORK,
	/* ip_up ran: the address is routable, ip-up hook, proxy ARP, limits
	 * and Interim-Updates on the timer, accounting Start made (when
	 * accounting is on). */
	SESSION_UP,
	/* The link is finished: everything is being released in reverse
	 * order (session_kill); callbacks that reach the session do nothing.
	 * -> DEAD. */
	SESSION_ENDING,
	/* Out of the slot table and the live list, timer stopped, detached
	 * from the call: the reaper frees it. Final. */
	SESSION_DEAD,
};
#define SESSION_NSTATES (SESSION_DEAD + 1)

const char *session_state_name(enum session_state st);

struct session_stats {
	uint64_t spoofed;       /* client packets with a source not its address */
	uint64_t bad_ip;        /* client packets that are not valid IPv4 */
	uint64_t icmp_sent;     /* Fragmentation Needed sent toward the LAN */
	uint64_t icmp_limited;  /* ... suppressed by the rate limit (dropped) */
	uint64_t fragmented;    /* LAN packets split to fit the link */
	uint64_t window_drops;  /* LAN packets dropped: the call's GRE window was full */
};

/* What the server hands every new call that carries PPP. */
extern const struct call_ops session_call_ops;

/* Attach a new session to an up call; NULL (logged) if out of memory. */
struct session *session_new(struct call *call);
/* Free a killed session (the reaper). */
void session_free(struct session *s);
/* The server's reaper list runs through the sessions: the next dead one,
 * and linking s in front of next. */
struct session *session_dead_next(const struct session *s);
void session_dead_link(struct session *s, struct session *next);

/* The live session a backend completion names, or NULL if it is gone. */
struct session *session_lookup(const struct server *srv, struct auth_session_ref ref);
/* The backend's completion callback; ctx is the server. */
void session_auth_complete(void *ctx, const struct auth_result *res);

/* End the link in order (LCP Terminate-Request), e.g. at shutdown. */
void session_close(struct session *s, enum ppp_cause cause, const char *detail);
/* Close every live session (server shutdown). */
void session_close_all(struct server *srv, enum ppp_cause cause, const char *detail);

/* What other modules may ask. */
enum session_state session_state(const struct session *s);
/* UP: the link is running and takes IP packets. */
bool session_is_up(const struct session *s);
/* NETWORK or UP: the backend accepted the user and the link lives. */
bool session_is_authed(const struct session *s);
/* The canonical user name ("" before the client sent one). */
const char *session_user(const struct session *s);
/* Acct-Session-Id. */
const char *session_acct_id(const struct session *s);
/* The client's address, host order; 0: none held. */
uint32_t session_addr(const struct session *s);
/* The session whose Framed-Route holds dst (longest prefix); NULL: none. */
struct session *session_route_lookup(const struct server *srv, uint32_t dst);
/* src lies in one of s's installed Framed-Routes (the source check). */
bool session_route_src_ok(const struct session *s, uint32_t src);
/* Largest IP packet the client takes (valid once UP). */
uint16_t session_ip_mtu(const struct session *s);
/* ctrl= call= session= user= peer=, for the first field of a log line. */
const char *session_log_id(const struct session *s);

/* The data path's per-session counters and once-only conditions. */
struct session_stats *session_dp_stats(struct session *s);
/* True the first time a spoofed source is seen (log it once). */
bool session_spoof_first(struct session *s);
/* May one more ICMP Fragmentation Needed go out (SESSION_ICMP_PER_SEC)? */
bool session_icmp_allowed(struct session *s, uint64_t now);

/* What the admin socket shows of a session (server/admin.c): a copy. */
struct session_info {
	uint32_t serial;             /* the session's id */
	unsigned ctrl_id;
	uint16_t call_id;
	enum session_state state;
	const char *user;            /* canonical name, "" before one; valid until the loop runs */
	const char *peer;            /* "a.b.c.d:port" */
	uint32_t addr;               /* host order; 0: none */
	uint64_t uptime_s;           /* since UP; 0 before */
	uint64_t rx_bytes, tx_bytes, rx_packets, tx_packets;
	unsigned mppe_bits;          /* 0: none */
	bool mppe_stateful;
	bool radius;                 /* authenticated by RADIUS, else the local store */
	const char *method;          /* auth_method_name() once authenticated, else "" */
	uint32_t rate_down, rate_up; /* kbit/s; 0: no limit */
	uint64_t rate_dropped;       /* packets dropped over either rate */
	int worker;                  /* the data-path worker that carries it; -1: the main loop */
};
void session_get_info(const struct session *s, uint64_t now, struct session_info *out);
/* The live sessions, in no order: the first, and the one after s. */
struct session *session_first(const struct server *srv);
struct session *session_next(const struct session *s);

/* Send one IP packet from the LAN toward the client; PPP_TX_HEADROOM plus
 * CALL_TX_HEADROOM writable bytes must precede pkt. False if dropped. */
bool session_send_ip(struct session *s, uint8_t *pkt, size_t len);

/* The rate limit of direction dir: may a packet of len bytes pass now?
 * False: it is dropped (counted per session and in the server's
 * rate_dropped; the first drop of a session logged). One branch when the
 * session has no limit. */
bool session_police(struct session *s, enum shaper_dir dir, size_t len);
/* Change the rates of a running session (CoA), kbit/s, 0: none. */
void session_set_rate(struct session *s, uint32_t down_kbit, uint32_t up_kbit);

/* Change the limits of a running session (CoA): 0 clears one; a session
 * timeout counts from the session's start. */
void session_set_limits(struct session *s, bool set_session, uint32_t session_timeout,
			bool set_idle, uint32_t idle_timeout);

/* The RADIUS Acct-Terminate-Cause for a cause of the end. */
unsigned session_terminate_cause(enum ppp_cause cause);

/* The canonical form of a user name as the sessions of srv keep it
 * (auth_canonical_user() with the configured user-domain). */
enum auth_user_status session_canonical_user(const struct server *srv, const void *raw,
					     size_t len, char out[static AUTH_USER_MAX + 1]);

/* Live sessions of user (the per-user limit). */
unsigned session_count_user(const struct server *srv, const char *user);
/* Live sessions by state (the metrics endpoint). */
void session_count_states(const struct server *srv, unsigned counts[static SESSION_NSTATES]);

/* Reload (server/reload.h): move every session's address into the new
 * pools built from next (main: remoteip; named[i]: next->pools.p[i]),
 * then free the running ones and install the new (the server owns them).
 * Every address is held in main, and in the named pool whose ranges hold
 * it (else in the one with its old pool's name), so it is never handed
 * out twice; one outside the new ranges stays held until released. False
 * (out of memory): nothing changed, the caller frees the new pools. */
struct pool;
struct config;
bool session_pools_replace(struct server *srv, const struct config *next, struct pool *main,
			   struct pool **named, size_t nnamed);

#endif
