/*
 * A PPTP call: one PPP session carried over enhanced GRE, belonging to one
 * control connection.
 *
 * PAC calls come from Outgoing-Call-Request (VPN clients) and are up at
 * once; PNS calls come from Incoming-Call-Request (a NAS) and are up on
 * Incoming-Call-Connected, which brings the peer's receive window. Each call
 * has its own call ID (ours, unique server-wide, carried in the key of GRE
 * packets sent to us), the peer's call ID (what we put in the key when we
 * send), its own gre_flow (sequence numbers, acks, window, reordering) and
 * an ev_timer armed at the flow's next deadline.
 *
 * The PPP layer attaches through struct call_ops and sends with
 * call_send_frame(): it never sees a PPTP or GRE header. Frames go through
 * the flow's send queue (common/gre_flow.h): at once while the peer's
 * receive window has room, otherwise they wait (at most `gre-tx-queue`,
 * buffers from srv->txq_pool) and leave as the peer's acknowledgements
 * arrive; a frame sent while the flow is delivering (from inside
 * ops->frame) waits there too and goes as soon as the flow returns. A full
 * queue drops its oldest frame (a call without MPPE: counted
 * gre-tx-queue-drop, logged once per call); after call_set_ordered() (any
 * MPPE: the session sets it at UP) it keeps its frames and refuses the new
 * one, and call_can_send() says so before the frame is encrypted. An idle
 * call holds no queue buffer.
 *
 * call_new() installs the ops the server chose for every call
 * (srv->call_ops): the session's (server/session.h), whose up callback
 * creates the call's PPP session, or with --echo-frames call_echo_ops.
 * This file names no module above it.
 *
 * Setup bound: from call_new() a call has `call-setup-timeout` seconds to
 * reach an open LCP, which the PPP side reports with
 * call_link_established() (with --echo-frames, call_up() counts as that).
 * A call still short of it then is cleared (Call-Disconnect-Notify, or
 * Call-Clear-Request for a NAS's call) and killed at once: a peer that
 * opens calls and never follows them with PPP holds no slot for longer.
 *
 * Lifetime: call_new() links it into its ctrl and into srv->callid[];
 * call_kill() calls ops->down, stops the timer, unlinks it from both and
 * hands it to the reaper, which calls call_free(). The ctrl outlives its
 * calls: ctrl_kill() kills them first.
 */
#ifndef PPTP_SERVER_CALL_H
#define PPTP_SERVER_CALL_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gre.h"

#define CALL_RX_WINDOW  64   /* the receive window we announce */
#define CALL_FRAME_MAX  1600 /* largest PPP frame carried */
/* Send-queue buffers all calls together may hold (CALL_FRAME_MAX bytes
 * each: 6.4 MB at most), whatever `gre-tx-queue` allows each call. */
#define CALL_TXQ_POOL_BUFS 4096
/* Writable bytes call_send_frame() wants in front of a frame. 0: the GRE
 * socket sends its header and the frame as two iovecs (no copy). */
#define CALL_TX_HEADROOM 0

struct server;
struct ctrl;
struct call;
struct gre_flow;
struct wsess;
struct workers;
struct wsess_params;
struct ppp_data;

/* A worker's MPPE receiver, as the link's own would report it. */
enum call_worker_event {
	CALL_WORKER_MPPE_REFUSED, /* the first count jump refused (arg: the jump) */
	CALL_WORKER_MPPE_ABUSE,   /* refusals kept up: close (arg: frames refused) */
	CALL_WORKER_MPPE_FATAL,   /* the receive state is lost: close */
	CALL_WORKER_RATE_LIMITED, /* the first packet over the rate (arg: enum shaper_dir) */
	CALL_WORKER_SPOOFED,      /* the first packet from a source not the client's (arg: it) */
	CALL_WORKER_GRE_FAR,      /* the first GRE packet far outside the window (arg: its
				   * sequence number; the call logs it, not the session) */
};

struct call_ops {
	void (*up)(void *ctx, struct call *call);
	/* One PPP frame received in order. It is writable (the session
	 * decrypts it in place) and valid only during the call. */
	void (*frame)(void *ctx, struct call *call, uint8_t *frame, size_t len);
	void (*down)(void *ctx, struct call *call);
	/* What a data-path worker reports on the call's link (server/worker.h);
	 * NULL: ignored. */
	void (*worker_event)(void *ctx, struct call *call, enum call_worker_event ev,
			     uint64_t arg);
};

enum call_role {
	CALL_PAC, /* the peer sent Outgoing-Call-Request: we are the PAC */
	CALL_PNS, /* the peer sent Incoming-Call-Request: we are the PNS */
};

enum call_state {
	CALL_WAIT_CONNECTED, /* PNS: Incoming-Call-Reply sent, waiting for Connected */
	CALL_UP,
	CALL_CLEARING,       /* PNS: we sent Call-Clear-Request, waiting for the notify */
};

struct call {
	struct server *srv;
	struct ctrl *ctrl;
	struct call *next, *prev;   /* ctrl->calls, or the reaper list (next) */
	uint16_t id;                /* ours */
	uint16_t peer_id;           /* the peer's */
	enum call_role role;
	enum call_state state;
	bool dying;
	bool wrong_src_logged;
	bool txq_drop_logged;       /* a send-queue head drop was logged */
	bool far_logged;            /* a GRE packet far outside the window was logged */
	bool established;           /* LCP opened: the setup timer is done */
	uint32_t peer_addr;         /* host order */
	uint32_t local_addr;
	uint16_t peer_window;
	uint32_t send_accm, recv_accm;

	struct gre_flow *flow;      /* NULL until the call is up, and once handed over */
	struct wsess *ws;           /* the worker that has the flow (server/worker.h),
				     * from call_hand_over() to call_kill() */
	bool flow_moved;
	ev_timer flow_timer;
	uint64_t flow_armed_at;      /* deadline flow_timer is set for (UINT64_MAX: none) */
	ev_timer setup_timer;       /* call-setup-timeout, until established */

	const struct call_ops *ops;
	void *ops_ctx;

	uint64_t frames_rx, frames_tx, tx_dropped;
	uint64_t dup_seen, old_seen; /* flow counters already added to the server's */
	uint64_t far_dropped;        /* GRE packets far outside the receive window */
	uint64_t txq_queued, txq_drops; /* flow counters already added to the server's */
	bool peer_ended;              /* the peer asked for the end (Call-Clear-Request,
					* Call-Disconnect-Notify, Stop-Control-Connection-
					* Request): set before call_kill(), read by ops->down */
};

/* The call's log identity: ctrl=3 call=4711 peer=198.51.100.2:1234
 * (log_id.h; needs server/ctrl.h where it is used). */
#define CALL_LOG_ID(call) \
	LOG_ID(.ctrl = (call)->ctrl->id, .call = (call)->id, .peer = (call)->ctrl->peer_str)

/* A new call on c with our fresh call ID; NULL if no ID or memory. */
struct call *call_new(struct ctrl *c, enum call_role role, uint16_t peer_id);
/* Bring it up: create the flow with the peer's window. False on failure. */
bool call_up(struct call *call, uint16_t peer_window);
/* End it now, without any message; reason for the log. */
void call_kill(struct call *call, const char *reason);
void call_free(struct call *call);

/* The PPP side: LCP is open on this call (idempotent). Stops the setup timer. */
void call_link_established(struct call *call);

void call_set_ops(struct call *call, const struct call_ops *ops, void *ctx);
/* Send one PPP frame on the call. False if dropped (window, size, down). */
bool call_send_frame(struct call *call, const uint8_t *data, size_t len);
/* Would call_send_frame() take a frame now (send or queue it)? For the
 * data path, to drop an IP packet before it is encrypted (stateful MPPE
 * must not lose a frame it already counted) rather than after. */
bool call_can_send(const struct call *call);
/* Stateful MPPE: a full send queue refuses new frames instead of dropping
 * its oldest (an encrypted frame lost would desynchronise the peer). */
void call_set_ordered(struct call *call, bool ordered);

/* Hand the call's flow and the link's data state d to a data-path worker
 * (server/worker.h); p's call fields are filled in here. False (nothing
 * moved, d still the caller's) if the worker cannot take it now. From then
 * on the call's GRE goes to the worker (gre_sock.c), call_send_frame()
 * goes there too, and call_kill() releases it. */
bool call_hand_over(struct call *call, struct workers *set, struct wsess_params *p,
		    struct ppp_data *d);
/* A frame the worker passes back for the call's link (not IPv4 data), if
 * the call is still the one (call ID and generation) that it names. */
void call_from_worker(struct server *srv, uint16_t id, uint64_t gen, uint8_t *frame, size_t len);
/* An event of the worker's MPPE receiver for the call's link. */
void call_worker_event(struct server *srv, uint16_t id, uint64_t gen, enum call_worker_event ev,
		       uint64_t arg);

/* One GRE packet for this call, source already checked (gre_sock.c). */
void call_gre_input(struct call *call, const struct gre_hdr *h, uint8_t *payload);

/* The --echo-frames test mode: every frame goes back on its call. */
extern const struct call_ops call_echo_ops;

#endif
