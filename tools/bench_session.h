/*
 * One benchmark session's client side, shared by `pptpbench churn` and
 * `pptpbench sessions`: a PPTP call (tools/pptp_client.h) carrying a PPP
 * link in the client role (common/ppp/ppp.h) that logs in with MS-CHAPv2
 * and MPPE-128 stateless required, without tun and without data, and is
 * then ended cleanly: LCP Terminate, then Call-Clear once the link is
 * down. The control connection is not the session's: the tool opens it,
 * places the session's call on it (bench_session_place) and closes it
 * once its calls are gone.
 *
 * Object tree and lifetimes:
 *
 *   bench_env      one per tool run: the loop, the PPP configuration, the
 *                  tool's callbacks, the transmit queue's dimensions, one
 *                  receive buffer (frames are handled one at a time) and
 *                  the count of frames too large to queue. Owned by the
 *                  tool; outlives every session that points to it.
 *     bench_session  the first member of the tool's own per-session
 *                  object (its callbacks cast the pointer back). Set up
 *                  once with bench_session_init(), which is handed the
 *                  storage of its transmit queue; bench_session_reset()
 *                  makes it ready for another login (churn reuses its
 *                  slots). It owns its PPP link (from the call's up to
 *                  bench_session_release()) and its PPP timer; the call
 *                  belongs to the pptp_client and is only pointed to
 *                  while it is up (NULL after on_call_down).
 *
 * The tool installs the call-level callbacks below in its
 * pptp_client_ops (directly, or from a wrapper of its own that does its
 * part first), places calls with the session as the call's user pointer
 * (bench_session_place), and handles the control connection's callbacks
 * itself. It provides in bench_session_ops:
 *
 *   up    the link is RUNNING with MPPE stateless: the login succeeded.
 *   fail  something went down that was not asked to, or the login cannot
 *         go on (enum bench_fail; name and detail as listed there). May
 *         come more than once per session: the tool counts the first,
 *         setting and reading bs->failed.
 *   wake  optional: the session has something to do at the tool's next
 *         bench_session_hang_up() or bench_session_flush() (a frame
 *         queued, a layer gone). A tool that steps every session every
 *         loop turn leaves it NULL.
 *
 * Nothing here frees or tears anything down inside a callback of its own:
 * frames the link sends while the call is delivering wait in the queue
 * (pptp_call_send refuses there), and the tool calls bench_session_flush()
 * and bench_session_hang_up() from its ev_prepare watcher. Times are
 * ev_now() of the loop, in milliseconds for the PPP layer. Not thread-safe.
 */
#ifndef PPTP_TOOLS_BENCH_SESSION_H
#define PPTP_TOOLS_BENCH_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "common/ppp/ppp.h"
#include "tools/pptp_client.h"

struct bench_session;

enum bench_fail {
	BENCH_FAIL_NO_MPPE,   /* link up without MPPE stateless; name, detail NULL */
	BENCH_FAIL_PPP_NEW,   /* the PPP link could not be made; name, detail NULL */
	BENCH_FAIL_LINK,      /* link down unasked: name ppp_cause_name(), detail the link's */
	BENCH_FAIL_CALL,      /* call down unasked: name pptp_down_reason_name(), detail NULL */
};

struct bench_session_ops {
	void (*up)(struct bench_session *s);
	void (*fail)(struct bench_session *s, enum bench_fail what, const char *name,
		     const char *detail);
	void (*wake)(struct bench_session *s);   /* optional */
};

struct bench_env {
	struct ev_loop *loop;
	struct ppp_config pcfg;      /* bench_env_init's; the tool sets user, password */
	const struct bench_session_ops *ops;
	unsigned txq_depth;          /* frames a session can hold back, at most 255 */
	size_t txq_frame;            /* bytes per held frame; longer ones are lost */
	unsigned long oversize_frames; /* frames lost for being longer than txq_frame */
	uint8_t rx[PPTP_CLIENT_MAX_FRAME];
};

struct bench_session {
	struct bench_env *env;
	struct pptp_call *call;      /* while up */
	struct ppp_link *link;       /* from the call's up to release */
	bool failed;                 /* the tool's: its first failure was counted */
	bool link_down, closing_link, clearing_call;
	ev_timer ppp_timer;
	uint8_t txq_head, txq_count;
	uint8_t *txq;                /* txq_depth frames of txq_frame bytes */
	uint16_t *txq_len;           /* txq_depth lengths */
};

/* --password-stdin: the first line of stdin without its line end, to
 * free() (after explicit_bzero); NULL if there is none. */
char *bench_read_password(void);

/* The PPP client configuration both tools log in with (MS-CHAPv2, MPPE-128
 * stateless required); user and password are the tool's to set. */
void bench_env_init(struct bench_env *env, struct ev_loop *loop,
		    const struct bench_session_ops *ops, unsigned txq_depth, size_t txq_frame);

/* Once per session; txq holds env->txq_depth * env->txq_frame bytes and
 * txq_len env->txq_depth entries, both living as long as the session. */
void bench_session_init(struct bench_session *s, struct bench_env *env, uint8_t *txq,
			uint16_t *txq_len);
/* Ready for another login: no link, no call, nothing queued or failed. */
void bench_session_reset(struct bench_session *s);

/* Outgoing-Call-Request on an up ctrl, the session as the call's user;
 * false (errno set) as pptp_call_place(). */
bool bench_session_place(struct bench_session *s, struct pptp_ctrl *ctrl);

/* The call-level pptp_client_ops: the call's user must be the session. */
void bench_session_on_call_up(struct pptp_call *call);
void bench_session_on_frame(struct pptp_call *call, const uint8_t *data, size_t len);
void bench_session_on_call_down(struct pptp_call *call, enum pptp_down_reason reason);

/* Send what the queue holds back, as far as the peer's window lets. */
void bench_session_flush(struct bench_session *s);
/*
 * One step of the session's end (call it again until the call is gone):
 * LCP Terminate once, then Call-Clear once the link is down and the queue
 * has drained. True when this call started the LCP Terminate.
 */
bool bench_session_hang_up(struct bench_session *s);
/* Stop the PPP timer and free the link. A zeroed session that was never
 * set up (a tool giving up half-way through its set-up) is left alone. */
void bench_session_release(struct bench_session *s);

#endif
