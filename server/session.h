/*
 * A session: the PPP link (common/ppp/ppp.h) of one PPTP call, and
 * everything the server attaches to it: the authentication request in the
 * backend, the client's address in the pool, the ip-up/ip-down hooks and
 * the proxy ARP entry.
 *
 * A session attaches to its call through struct call_ops: call.c installs
 * session_call_ops on every new call (unless --echo-frames) and the call's
 * up callback creates the session. The server waits up to
 * SESSION_OPEN_WAIT_MS for the client's first LCP packet before it opens
 * LCP itself (every PPTP client speaks first), so nothing is sent on the
 * call before the Outgoing-Call-Reply; frames that are not LCP before then
 * are counted as frames-dropped.
 *
 * Login: LCP -> ops->auth_request -> auth_backend_submit() naming the
 * session by {slot, serial} -> the backend's completion (server's auth_io)
 * -> session_auth_complete() finds the session by that reference or drops
 * the result -> per-user limit, address (static: pool_reserve, else
 * pool_alloc) -> ppp_auth_result() -> CCP/IPCP -> ops->ip_up: the address
 * becomes routable (datapath), ip-up hook, proxy ARP, one session-up line.
 *
 * End: the link's ops->down (any cause, set once) logs one session-down
 * line, runs ip-down, withdraws proxy ARP, releases the address, cancels a
 * pending authentication, clears the call (Call-Disconnect-Notify) unless
 * the call is what went away, and kills the session.
 *
 * Lifetime: session_new() on call up; the call owns it through its ops
 * context. The session is killed (marked dying, unlinked from the session
 * table and the live list, detached from its call, its timer stopped) when
 * its link ends, from anywhere, also inside its own callbacks; the server's
 * reaper frees it (session_free(), which frees the link). The call may die
 * first: its down callback lowers the link, whose ops->down kills the
 * session at once.
 */
#ifndef PPTP_SERVER_SESSION_H
#define PPTP_SERVER_SESSION_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/backend.h"
#include "common/log_id.h"
#include "common/ppp/ppp.h"

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

struct session_stats {
	uint64_t spoofed;       /* client packets with a source not its address */
	uint64_t bad_ip;        /* client packets that are not valid IPv4 */
	uint64_t icmp_sent;     /* Fragmentation Needed sent toward the LAN */
	uint64_t icmp_limited;  /* ... suppressed by the rate limit (dropped) */
	uint64_t fragmented;    /* LAN packets split to fit the link */
	uint64_t window_drops;  /* LAN packets dropped: the call's GRE window was full */
};

struct session {
	struct server *srv;
	struct session *next, *prev; /* srv->sessions, or the reaper list (next) */
	uint32_t slot;               /* index in srv->session_slot[] */
	uint32_t serial;             /* server-unique, never 0: id and generation */
	struct call *call;           /* NULL once detached */
	uint16_t call_id;            /* for logs */
	unsigned ctrl_id;
	struct sockaddr_in peer;     /* the client's public address */
	char peer_str[32];
	char log_id[LOG_ID_SIZE];    /* ctrl= call= session= user= peer= (log_id.h) */

	struct ppp_link *link;
	ev_timer timer;
	uint64_t armed_at;           /* deadline the timer is set for; UINT64_MAX none */
	uint64_t open_deadline;      /* passive open: when we start LCP ourselves */
	uint64_t started_ms, up_ms;

	bool started;                /* ppp_start() was called */
	bool link_done;              /* the link's ops->down ran */
	bool dying;
	bool auth_pending;           /* a request is in the backend */
	bool reject_due;             /* answer reject_error from the timer */
	unsigned reject_error;
	const char *reject_msg;
	bool authed;                 /* the backend accepted the user */
	bool up;                     /* ip_up ran: the address is routable */
	bool spoof_logged;

	char user[AUTH_NAME_MAX + 1];
	char acct_id[AUTH_SESSION_ID_MAX]; /* Acct-Session-Id: boot id + serial */
	struct sockaddr_storage local; /* our address the client reached */

	/* Limits and accounting (from the backend's answer or the config). */
	uint32_t session_timeout;    /* seconds; 0: none */
	uint32_t idle_timeout;       /* seconds; 0: none */
	uint32_t interim;            /* seconds between Interim-Updates; 0: none */
	uint64_t end_at;             /* session-timeout deadline; UINT64_MAX none */
	uint64_t idle_check_at;      /* next idle check; UINT64_MAX none */
	uint64_t last_active_ms;     /* when traffic was last seen (idle checks) */
	uint64_t active_mark;        /* packets counted at that check */
	uint64_t interim_at;         /* next Interim-Update; UINT64_MAX none */
	bool acct_started;           /* a Start record was made: a Stop follows */
	bool peer_hangup;            /* the call ended by the client's request */
	bool radius_authed;          /* Acct-Authentic RADIUS */
	uint8_t class_len;
	uint8_t class_val[AUTH_CLASS_MAX];

	uint32_t addr;               /* host order; 0: none held */
	struct pool *npool;          /* the named pool addr came from, or NULL */
	bool host_route;             /* a /32 route to addr was added */
	uint16_t ip_mtu;
	unsigned mppe_bits;
	bool mppe_stateful;
	int arp_ifindex;             /* > 0: a proxy ARP entry is published */
	struct hook *hook;           /* the running ip-up script, if any */

	uint64_t icmp_window_ms;     /* rate-limit window start */
	unsigned icmp_in_window;
	struct session_stats st;
};

/* What call.c installs on a call that carries PPP. */
extern const struct call_ops session_call_ops;

/* Attach a new session to an up call; NULL (logged) if out of memory. */
struct session *session_new(struct call *call);
/* Free a killed session (the reaper). */
void session_free(struct session *s);

/* The live session a backend completion names, or NULL if it is gone. */
struct session *session_lookup(const struct server *srv, struct auth_session_ref ref);
/* The backend's completion callback; ctx is the server. */
void session_auth_complete(void *ctx, const struct auth_result *res);

/* End the link in order (LCP Terminate-Request), e.g. at shutdown. */
void session_close(struct session *s, enum ppp_cause cause, const char *detail);
/* Close every live session (server shutdown). */
void session_close_all(struct server *srv, enum ppp_cause cause, const char *detail);

/* The session's link is running and takes IP packets. */
static inline bool session_is_up(const struct session *s)
{
	return s->up && !s->dying;
}

/* Send one IP packet from the LAN toward the client; PPP_TX_HEADROOM plus
 * CALL_TX_HEADROOM writable bytes must precede pkt. False if dropped. */
bool session_send_ip(struct session *s, uint8_t *pkt, size_t len);

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

#endif
