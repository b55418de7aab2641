/*
 * The inside of a session, shared by the session_*.c files only:
 *   session.c         the slot table, the state machine, life and end, the
 *                     call's and the link's callbacks, hooks and proxy ARP;
 *   session_auth.c    the link's credentials to the backend and back, the
 *                     per-user limit, the client's address (take, release);
 *   session_timers.c  the one timer: passive open, refusals due, the link's
 *                     deadlines, session and idle timeouts, accounting.
 * Every other module asks through server/session.h.
 */
#ifndef PPTP_SERVER_SESSION_PRIV_H
#define PPTP_SERVER_SESSION_PRIV_H

#include "server/session.h"

#include <arpa/inet.h>
#include <ev.h>

#include "common/log_id.h"
#include "common/ppp/ppp.h"
#include "server/shaper.h"
#include "server/worker.h"

struct pool;

/* The longest RADIUS State kept between EAP rounds (one attribute). */
#define SESSION_EAP_STATE_MAX 253

struct session {
	struct server *srv;
	struct session *next, *prev; /* srv->sessions, or the reaper list (next) */
	uint32_t slot;               /* index in srv->session_slot[] */
	uint32_t serial;             /* server-unique, never 0: id and generation */
	enum session_state state;    /* the invariants are at the enum (session.h) */
	struct call *call;           /* NULL once detached */
	uint16_t call_id;            /* for logs */
	unsigned ctrl_id;
	struct sockaddr_in peer;     /* the client's public address */
	char peer_str[32];
	char log_id[LOG_ID_SIZE];    /* ctrl= call= session= user= peer= (log_id.h) */

	struct ppp_link *link;
	ev_timer timer;
	uint64_t armed_at;           /* deadline the timer is set for; UINT64_MAX none */
	uint64_t open_deadline;      /* WAIT_LCP: when we start LCP ourselves */
	uint64_t up_ms;              /* when it came UP; 0: never */

	/* AUTH_WAIT: the backend asked, which a reload may have retired since
	 * (it lives until its last request is answered or cancelled). */
	struct auth_backend *auth_be;
	unsigned reject_error;       /* AUTH_REFUSE: the answer due */
	const char *reject_msg;
	/* The method of the last request (logs; `pptpctl session show` once
	 * authenticated). */
	enum auth_method auth_method;
	/* EAP (session_auth.c): the State of the last Access-Challenge, echoed
	 * in the next round. Allocated only while an EAP exchange runs and
	 * the server sent one (at most 253 bytes); freed when authentication
	 * ends (verdict, cancel, new exchange) and in session_kill(). */
	uint8_t *eap_state;
	size_t eap_state_len;
	bool spoof_logged;

	char user[AUTH_NAME_MAX + 1];
	char acct_id[AUTH_SESSION_ID_MAX]; /* Acct-Session-Id: boot id + serial */
	/* Acct-Multi-Session-Id: boot id, '-', the control connection's id:
	 * the same for every call of one control connection. */
	char multi_id[AUTH_SESSION_ID_MAX];
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
	uint64_t offload_at;         /* next try to hand the data path to a worker */
	unsigned offload_tries;
	bool ws_gone;                /* the call went first: ws_final is what its
				      * worker counted (session_link_stats()) */
	struct wsess_stats ws_final;
	/* A Start record was made, so a Stop follows: a flag beside the state,
	 * as UP without accounting makes none. */
	bool acct_started;
	bool peer_hangup;            /* the call ended by the client's request */
	bool radius_authed;          /* Acct-Authentic RADIUS */
	/* Every Class of the Access-Accept, packed as auth_result.classes
	 * (length octet, value), echoed in accounting; allocated only when
	 * there is one, freed with the session. */
	uint8_t *classes;
	size_t classes_len;

	/* Framed-Route (and a Framed-IP-Netmask subnet, added at session-up):
	 * allocated only when the Accept had one (session_routes.c). */
	struct session_route {
		struct auth_route r;
		bool installed;      /* into the tun and srv->froutes */
	} *routes;
	size_t nroutes;
	uint32_t netmask;            /* Framed-IP-Netmask wider than /32; 0: none */

	uint32_t addr;               /* host order; 0: none held */
	struct pool *npool;          /* the named pool addr came from, or NULL */
	bool host_route;             /* a /32 route to addr was added */
	uint16_t ip_mtu;
	/* RADIUS Framed-MTU: caps ip_mtu at session-up (LCP, before
	 * authentication, has agreed the link's MRU already); 0: none. */
	uint32_t framed_mtu;
	unsigned mppe_bits;
	bool mppe_stateful;
	int arp_ifindex;             /* > 0: a proxy ARP entry is published */
	struct hook *hook;           /* the running ip-up script, if any */

	/* Rate limits, kbit/s per enum shaper_dir (0: none): the backend's
	 * answer or the config's; the buckets start at session-up and a CoA
	 * changes both (session_set_rate). */
	uint32_t rate_kbit[SHAPER_NDIRS];
	struct shaper shaper[SHAPER_NDIRS];
	bool rate_logged;            /* the first drop over the rate was logged */

	/* IPv6 (session_ipv6.c): the /64 is held from ipv6_up to ipv6_down
	 * or the end of the session, its route installed with it. */
	bool v6_up;
	bool v6_route;               /* the /64's route is in the tun */
	bool v6_had_prefix;          /* v6_prefix was held once: asked for again */
	bool v6_logged;              /* a spoofed/link-local packet was logged */
	bool v6_nd_logged;           /* a refused RS or DHCPv6 request was logged */
	bool v6_pd_logged;           /* a DHCPv6-PD answer was logged */
	uint8_t v6_prefix[16];
	uint64_t v6_peer_iid;
	uint16_t v6_mtu;             /* the link's IP MTU for IPv6 */
	uint64_t v6_ra_ms;           /* when the last RA went out */
	uint64_t v6_ra_at;           /* next RA (unsolicited, or answering RSs
	                              * folded into it); UINT64_MAX none */
	unsigned v6_ra_initial;      /* unsolicited RAs of the initial burst sent */
	uint64_t v6_spoofed, v6_ra, v6_dhcp;
	/* What the Access-Accept said for IPv6 (session_ipv6_keep(), at
	 * authentication; kept until the session is freed):
	 * v6_fixed: Framed-IPv6-Prefix, a /64 already in v6_prefix, used
	 * instead of one from the pool (held in the pool it lies in, or
	 * found through srv->froutes6 when outside them all). v6_want_iid:
	 * Framed-Interface-Id (0: none). routes6: every Framed-IPv6-Route,
	 * then the Delegated-IPv6-Prefix (v6_delegated_len != 0) as the last
	 * entry; installed at ipv6_up, removed at ipv6_down or the end. */
	bool v6_fixed;
	/* The pool v6_prefix is held in while v6_up (NULL: outside every
	 * pool, in srv->froutes6); v6_npool: Framed-IPv6-Pool's, NULL: the
	 * default one. */
	struct pool6 *v6_pool;
	struct pool6 *v6_npool;
	bool v6_refused_logged;      /* a refused RADIUS /64 was logged */
	uint64_t v6_want_iid;
	uint8_t v6_delegated[16];
	uint8_t v6_delegated_len;
	struct session_route6 {
		struct auth_route6 r;
		bool installed;      /* into the tun and srv->froutes6 */
	} *routes6;
	size_t nroutes6;

	uint64_t icmp_window_ms;     /* rate-limit window start */
	unsigned icmp_in_window;
	struct session_stats st;
};

/* session.c */

/* What the session gives its link (ppp_new()); the unit tests play the
 * link's part through it. */
extern const struct ppp_ops session_link_ops;

/* The one transition function: checks the move against the table of legal
 * ones, logs it (debug: event=state from= to=) and makes it. An illegal
 * move is refused and logged (warning: event=state-illegal); false then. */
bool session_set_state(struct session *s, enum session_state to);
/* The state holds nothing to release any more: ENDING or DEAD. */
static inline bool session_ended(const struct session *s)
{
	return s->state >= SESSION_ENDING;
}
/* The user name from here on (NULL: none); re-writes the log identity. */
void session_set_user(struct session *s, const char *user);
/* The link is finished: release everything in reverse order, once. */
void session_kill(struct session *s, enum ppp_cause cause, const char *detail);
/* WAIT_LCP -> LINK: start LCP (the passive open ends). */
void session_open(struct session *s, uint64_t now);
/* "a.b.c.d", or "-" for 0. */
void session_fmt_addr(uint32_t host, char out[static INET_ADDRSTRLEN]);

/* session_routes.c */

/* Keep the Accept's routes (and netmask) for session-up. */
void session_routes_keep(struct session *s, const struct auth_result *res);
/* Session up: check and install each, logging every refusal. */
void session_routes_up(struct session *s);
/* Session ending: remove what was installed, forget the rest. */
void session_routes_down(struct session *s);

/* session_ipv6.c */

/* What fill_ppp_config() sets for IPv6: allow_ipv6, the identifiers. */
void session_ipv6_config(const struct server *srv, struct ppp_config *pc);
/* The link's IPv6 callbacks (session_link_ops). */
bool session_ipv6_iid_ok(void *owner, uint64_t iid);
void session_ipv6_up(void *owner, const struct ppp_ipv6_info *info);
void session_ipv6_down(void *owner);
void session_ipv6_rx(void *owner, uint8_t *pkt, size_t len);
/* The session ends: release the /64 and every IPv6 route, if held, and
 * forget what the Accept said. */
void session_ipv6_release(struct session *s);
/* Keep the Accept's IPv6 attributes for ipv6_up (Framed-IPv6-Prefix,
 * Framed-Interface-Id, Framed-IPv6-Route, Delegated-IPv6-Prefix); the
 * identifier the link should suggest to the peer, 0: its own. */
uint64_t session_ipv6_keep(struct session *s, const struct auth_result *res);
/* The session owning dst outside the pool (its RADIUS /64, routes and
 * delegated prefix; longest prefix first), or NULL. */
struct session *session_route6_lookup(const struct server *srv, const uint8_t dst[static 16]);
/* The session's timer fired while UP: an unsolicited RA if one is due
 * (s->v6_ra_at, one of the session's deadlines). */
void session_ipv6_timer(struct session *s, uint64_t now);

/* session_auth.c */

void session_auth_request(void *owner, const struct chap_response_info *chap,
			  const struct pap_request_info *pap);
/* One EAP Response to relay (ops->eap_response). */
void session_eap_response(void *owner, const struct eap_packet_info *eap);
/* The link abandoned the attempt (ops->auth_cancel). */
void session_auth_cancel(void *owner);
/* Forget the EAP State kept between rounds (nothing if none). */
void session_eap_end(struct session *s);
/* Drop a request in the backend or a refusal due: back to LINK. */
void session_auth_drop(struct session *s);
/* Cancel the request in the backend (AUTH_WAIT, or ending from it). */
void session_auth_withdraw(struct session *s);
/* Give back the client's address (pools, host route), if one is held. */
void session_address_release(struct session *s);

/* session_timers.c */

void session_timer_init(struct session *s);
/* Re-arm the one timer after any call into the link. */
void session_arm(struct session *s);
/*
 * Housekeeping of a running session (LCP echo, idle check, Interim-Update,
 * session timeout) is due seconds or minutes apart; left as it is, each
 * session wakes the loop alone, so 50,000 idle sessions cost ~1,700
 * wake-ups and one-packet sendmsg() calls a second for their echoes (and
 * as many again for the acknowledgements of the replies). A deadline of an
 * UP session at least SESSION_COALESCE_MIN_MS away is therefore moved to
 * the next whole second of the loop's clock: every session due within the
 * same second fires in one loop turn, and its echoes leave in sendmmsg()
 * batches (gre_sock.h), the replies come back in recvmmsg() batches and
 * their acknowledgements fall due together. It is never earlier, at most
 * a second later; shorter deadlines (FSM restart timers while IPV6CP or a
 * renegotiation runs, the RA window, the early IPCP packet) keep their
 * precision, and so does every deadline before the session is UP.
 */
#define SESSION_COALESCE_MIN_MS 5000
/* Seconds from now (a loop time, ev_now()) until the first whole second at
 * or after now + after: the rounding session_arm() applies. */
double session_coalesce_after(double now, double after);
/* What session_arm() gives ev_timer_set() for a session in state st whose
 * next deadline is due (ms, server_now_ms() clock, now is that clock's
 * present) when the loop's time is loop_now. */
double session_timer_after(enum session_state st, uint64_t due, uint64_t now, double loop_now);
/* UP: limits and Interim-Updates start counting, accounting Start. */
void session_limits_start(struct session *s, uint64_t now);
/* The accounting Stop for a session whose Start was made. */
void session_acct_stop(struct session *s, enum ppp_cause cause, uint64_t now);

/* The link's counters with what a data-path worker counted for it since
 * the hand-over (server/worker.h) added; written to *out. */
const struct ppp_stats *session_link_stats(const struct session *s, struct ppp_stats *out);

/* UP with workers: hand the data path to one if offload_at has come
 * (session.c; the session's timer calls it). */
void session_offload_due(struct session *s, uint64_t now);

#endif
