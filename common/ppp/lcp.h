/*
 * LCP (RFC 1661) on top of the shared automaton in fsm.h: MRU, ACCM,
 * Authentication-Protocol (PAP, CHAP with its algorithms, EAP), Magic-Number (with loopback detection), PFC and
 * ACFC; everything else (callback, MRRU, link discriminator, unknown
 * options) rejected, the endpoint discriminator acknowledged. Also the
 * LCP-only codes: Echo (keepalive), Discard, Identification,
 * Time-Remaining and Protocol-Reject.
 *
 * The owner supplies struct fsm_io (send, timer) and struct lcp_events;
 * it calls lcp_input() for every LCP packet, lcp_timeout() when the timer
 * fires, lcp_keepalive() periodically with the current time in ms.
 *
 * Lifetime: struct lcp is embedded in the owner's session, set up with
 * lcp_init() and owns nothing; the config, io and events pointers must
 * outlive it. Event callbacks must not call lcp_* event functions on the
 * same object (mark and defer), except lcp_send_* which are always safe.
 */
#ifndef PPTP_COMMON_PPP_LCP_H
#define PPTP_COMMON_PPP_LCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ppp/fsm.h"
#include "common/ppp/ppp_defs.h"

/* Authentication protocols. The order of preference (what the server asks
 * for first, what the client suggests in a Nak) is EAP when allowed, then
 * the rest in this order: EAP comes last here only so that the values of
 * the older ones stay put. A peer that Naks or Rejects EAP gets the next
 * one allowed (a Windows RAS server falls back so to MS-CHAPv2); with EAP
 * the only one allowed (require-eap) that ends the negotiation
 * (LCP_FAIL_AUTH). */
enum lcp_auth {
	LCP_AUTH_NONE = 0,
	LCP_AUTH_MSCHAPV2,
	LCP_AUTH_MSCHAPV1,
	LCP_AUTH_CHAP_MD5,
	LCP_AUTH_PAP,
	LCP_AUTH_EAP,        /* 0xC227, RFC 3748 */
	LCP_AUTH_MAX
};
#define LCP_AUTH_BIT(a) (1u << (a))

/* The values Windows puts in the options of lcp_config.windows_options. */
#define LCP_WIN_CALLBACK_CBCP 6    /* callback operation 6: CBCP */
#define LCP_WIN_MRRU          1614

struct lcp_config {
	enum ppp_role role;
	uint16_t mru;              /* ours; requested only if != 1500 */
	unsigned auth_allowed;     /* LCP_AUTH_BIT() set: server requests, client accepts */
	bool pfc, acfc;            /* request them */
	/* Client role only, for tests that play Windows (../docs/ipv6.md):
	 * also request callback (13, CBCP), MRRU 1614 (17), an endpoint
	 * discriminator (19, class 1) and a link discriminator (23), as
	 * Windows' Configure-Request does; each is left out once the peer
	 * Rejects or Naks it. Never set by the server. */
	bool windows_options;
	unsigned echo_interval_ms; /* 0: no keepalive */
	unsigned echo_failures;    /* unanswered Echo-Requests before the link is dead */
};

enum lcp_fail {
	LCP_FAIL_NONE,
	LCP_FAIL_LOOPBACK,   /* our own magic number came back repeatedly */
	LCP_FAIL_AUTH,       /* no authentication protocol both sides accept */
};

struct lcp_events {
	void (*up)(void *arg);           /* Opened: start authentication */
	void (*down)(void *arg);         /* left Opened: take the NCPs down */
	void (*finished)(void *arg);     /* the link can go (tear the call down) */
	/* The peer Protocol-Rejected one of ours (e.g. CCP). */
	void (*protocol_rejected)(void *arg, uint16_t proto);
	uint32_t (*random)(void *arg);   /* magic numbers */
};

/* Negotiated results (valid once Opened). */
struct lcp_result {
	uint16_t peer_mru;   /* largest frame we may send */
	uint16_t our_mru;    /* largest frame the peer may send us */
	bool pfc_tx, acfc_tx; /* we may compress towards the peer */
	bool pfc_rx, acfc_rx; /* the peer may compress towards us */
	enum lcp_auth auth;  /* server: what the peer must do; client: what we must do */
	uint32_t our_magic, peer_magic;
};

struct lcp_want {
	bool mru, auth, magic, pfc, acfc;
	bool callback, mrru, epdisc, ldisc; /* lcp_config.windows_options */
	uint16_t mru_val;
	enum lcp_auth auth_val;
	uint32_t magic_val;
};

struct lcp {
	struct fsm fsm;
	const struct lcp_config *cfg;
	const struct lcp_events *ev;
	void *arg;
	struct lcp_want want;      /* our request as adjusted by Naks/Rejects */
	unsigned auth_left;        /* server: protocols not yet refused by the peer */
	struct lcp_result pend;    /* the peer's request being judged */
	struct lcp_result res;
	unsigned loop_naks;
	enum lcp_fail fail;
	bool fail_handled;
	/* keepalive */
	uint64_t next_echo_ms;
	unsigned echo_outstanding;
	uint64_t echo_sent, echo_replies;
	uint64_t idents, time_remaining, discards;
};

void lcp_init(struct lcp *l, const struct lcp_config *cfg, const struct fsm_io *io,
	      const struct lcp_events *ev, void *arg);
void lcp_open(struct lcp *l);   /* Open + Up: the PPTP call is up */
void lcp_close(struct lcp *l, const char *reason);
void lcp_lower_down(struct lcp *l);
void lcp_timeout(struct lcp *l);
void lcp_input(struct lcp *l, const uint8_t *pkt, size_t len);

/* Keepalive: call with the current time (ms) at least every interval; any
 * frame from the peer should be reported with lcp_note_rx(). False once
 * echo_failures Echo-Requests went unanswered: the owner closes the link. */
bool lcp_keepalive(struct lcp *l, uint64_t now_ms);
void lcp_note_rx(struct lcp *l, uint64_t now_ms);
bool lcp_send_echo(struct lcp *l);
/* Protocol-Reject an unsupported protocol; info is the rejected packet's
 * information field. Only in Opened. Truncated to fit the peer's MRU. */
bool lcp_send_protocol_reject(struct lcp *l, uint16_t proto, const uint8_t *info, size_t len);

bool lcp_is_opened(const struct lcp *l);
const struct lcp_result *lcp_result(const struct lcp *l);
const char *lcp_auth_name(enum lcp_auth a);
const char *lcp_fail_name(enum lcp_fail f);

#endif
