/*
 * PPTP client side (RFC 2637, the PNS role: what Windows and pptp-linux do)
 * on libev, for pptpbench and the integration tests.
 *
 * Object tree and lifetimes:
 *
 *   pptp_gre      a GRE endpoint: one raw IPPROTO_GRE socket, the table of
 *                 our call IDs (unique across every client using the
 *                 endpoint: the server's packets are demultiplexed by that
 *                 key) and a batch of packets waiting to be sent. Either
 *                 shared: pptp_gre_new() opens it bound to no address (it
 *                 receives the GRE of every local address), the caller
 *                 hands it to each client in pptp_client_params.gre and
 *                 frees it with pptp_gre_free() after every one of those
 *                 clients; or a client's own (params.gre NULL): opened by
 *                 pptp_client_new(), bound to the client's local address,
 *                 freed with the client.
 *   pptp_client   one per local source address and server. Uses one
 *                 endpoint (shared or its own) and owns the list of
 *                 control connections. _free() flushes the endpoint's
 *                 batch, closes and frees everything below the client at
 *                 once, without callbacks, and gives its call IDs back.
 *     pptp_ctrl   one TCP control connection to server:1723. Created by
 *                 pptp_ctrl_open() (non-blocking connect, then the start
 *                 exchange; on_ctrl_up when the reply says 1). Ends with
 *                 on_ctrl_down(reason) exactly once: after our stop
 *                 exchange (pptp_ctrl_close), the server's Stop request, a
 *                 time-out, a reset or a protocol error. The pointer is
 *                 invalid once on_ctrl_down returns.
 *       pptp_call one Outgoing-Call-Request on a ctrl, created by
 *                 pptp_call_place(); on_call_up when the reply says 1. Ends
 *                 with on_call_down(reason) exactly once: after our
 *                 Call-Clear-Request is answered by Call-Disconnect-Notify,
 *                 a Call-Disconnect-Notify from the server, a rejected
 *                 reply, a time-out, or its ctrl going down (calls first,
 *                 then the ctrl). Invalid once on_call_down returns.
 *
 * Objects that go down are unlinked from every table at once and freed
 * from a zero timer, never inside their own callbacks. Every wait (connect,
 * start reply, call reply, disconnect notify, stop reply) has the
 * client's time-out.
 *
 * GRE: received packets (recvmmsg batches) are demultiplexed by the key
 * (our call ID) to the call and its client; the destination must be that
 * client's local address (when it has one) and the source its server.
 * What names no client is counted in the shared endpoint's own stats
 * (pptp_gre_stats), else in the client's. Each call has a gre_flow for
 * sequence numbers, acknowledgements and reordering. Sent packets (data
 * and acks) are copied into one of the endpoint's GRE_BATCH slots with
 * their source address (IP_PKTINFO on a shared endpoint) and leave with
 * one sendmmsg() when the slots are full, after each received batch and,
 * from an ev_prepare watcher of the lowest priority, before the loop
 * sleeps: within the loop turn that made them, in order (a packet made
 * outside ev_run() leaves in the next turn, or when a client of the
 * endpoint is freed). on_frame runs
 * inside the flow's delivery: it must not send on the same call
 * (pptp_call_send refuses with EBUSY there) nor free anything; send
 * later (ev_prepare); sending on another call is fine.
 *
 * Times are ev_now() of the client's loop. Not thread-safe.
 */
#ifndef PPTP_TOOLS_PPTP_CLIENT_H
#define PPTP_TOOLS_PPTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include <ev.h>

struct pptp_gre;
struct pptp_client;
struct pptp_ctrl;
struct pptp_call;

enum pptp_down_reason {
	PPTP_DOWN_LOCAL,      /* we cleared / stopped it and the peer confirmed */
	PPTP_DOWN_PEER,       /* the server sent Call-Disconnect-Notify / Stop */
	PPTP_DOWN_REJECTED,   /* start or call reply result other than 1 or 4 */
	PPTP_DOWN_BUSY,       /* Outgoing-Call-Reply result 4 (busy) */
	PPTP_DOWN_TIMEOUT,    /* a wait ran out */
	PPTP_DOWN_CONNECT,    /* TCP connect failed */
	PPTP_DOWN_CONN_LOST,  /* TCP reset or EOF */
	PPTP_DOWN_PROTOCOL,   /* framing error or unexpected message */
	PPTP_DOWN_CTRL,       /* a call whose control connection went down */
};
const char *pptp_down_reason_name(enum pptp_down_reason r);

struct pptp_client_ops {
	void (*on_tcp_up)(struct pptp_ctrl *c);   /* optional */
	void (*on_ctrl_up)(struct pptp_ctrl *c);
	void (*on_call_up)(struct pptp_call *call);
	void (*on_frame)(struct pptp_call *call, const uint8_t *data, size_t len);
	void (*on_call_down)(struct pptp_call *call, enum pptp_down_reason reason);
	void (*on_ctrl_down)(struct pptp_ctrl *c, enum pptp_down_reason reason);
};

struct pptp_client_params {
	struct in_addr server;     /* TCP port 1723 */
	struct in_addr local;      /* INADDR_ANY: the kernel chooses */
	double timeout;            /* seconds, every wait */
	uint16_t recv_window;      /* announced in Outgoing-Call-Request */
	unsigned ack_delay_ms;     /* 0: gre_flow's acks; N: ack-only only after N ms,
				    * no early ack at half the window (a slow acker) */
	const char *host_name;     /* Start request; default "pptpbench" */
	const char *vendor;        /* default "pptpbench" */
	struct pptp_gre *gre;      /* shared endpoint; NULL: the client's own */
};

/* Defaults: timeout 5 s, window 64, names "pptpbench", own endpoint. */
void pptp_client_params_default(struct pptp_client_params *p);

/* A shared endpoint on loop; NULL (errno set) if the socket cannot be
 * opened. Free it after every client that uses it. */
struct pptp_gre *pptp_gre_new(struct ev_loop *loop);
void pptp_gre_free(struct pptp_gre *g);

/* NULL (errno set) if the client's own GRE socket cannot be opened or
 * bound. */
struct pptp_client *pptp_client_new(struct ev_loop *loop, const struct pptp_client_params *p,
				    const struct pptp_client_ops *ops, void *user);
void pptp_client_free(struct pptp_client *cl);
void *pptp_client_user(const struct pptp_client *cl);

struct pptp_client_stats {
	uint64_t gre_rx;           /* packets read from the raw socket */
	uint64_t gre_bad;          /* IPv4/GRE parse errors */
	uint64_t gre_wrong_src;    /* not from the server */
	uint64_t gre_unknown_call; /* key is no call of ours in state up */
	uint64_t gre_tx;           /* packets sent */
	uint64_t gre_tx_errors;    /* send failures (that packet dropped) */
	uint64_t gre_tx_window;    /* frames refused by the peer's window */
};
const struct pptp_client_stats *pptp_client_stats(const struct pptp_client *cl);
/* A shared endpoint's packets that named none of its clients (rx, bad,
 * unknown_call only). */
const struct pptp_client_stats *pptp_gre_stats(const struct pptp_gre *g);
/* The endpoint the client uses (shared, or its own). */
struct pptp_gre *pptp_client_gre(const struct pptp_client *cl);

/* Start a control connection; NULL (errno set) if no socket could be made. */
struct pptp_ctrl *pptp_ctrl_open(struct pptp_client *cl, void *user);
/* Stop-Control-Connection-Request; calls still up go down with PPTP_DOWN_CTRL. */
void pptp_ctrl_close(struct pptp_ctrl *c);
void *pptp_ctrl_user(const struct pptp_ctrl *c);
struct pptp_client *pptp_ctrl_client(const struct pptp_ctrl *c);
bool pptp_ctrl_is_up(const struct pptp_ctrl *c);
/* From the Start-Control-Connection-Reply (valid after it arrived). */
uint8_t pptp_ctrl_result(const struct pptp_ctrl *c);
const char *pptp_ctrl_peer_host(const struct pptp_ctrl *c);
const char *pptp_ctrl_peer_vendor(const struct pptp_ctrl *c);

/*
 * Outgoing-Call-Request on an up ctrl. NULL (errno set) if the ctrl is not
 * up or no call ID is free.
 */
struct pptp_call *pptp_call_place(struct pptp_ctrl *c, void *user);
/* Call-Clear-Request; on_call_down(LOCAL) follows the server's notify. */
void pptp_call_clear(struct pptp_call *call);
void *pptp_call_user(const struct pptp_call *call);
struct pptp_ctrl *pptp_call_ctrl(const struct pptp_call *call);
uint16_t pptp_call_id(const struct pptp_call *call);       /* ours */
uint16_t pptp_call_peer_id(const struct pptp_call *call);  /* the server's */
uint8_t pptp_call_result(const struct pptp_call *call);    /* reply result */
uint16_t pptp_call_peer_window(const struct pptp_call *call);

/* Would pptp_call_send() pass the peer's window now? */
bool pptp_call_can_send(const struct pptp_call *call);
/*
 * Send one PPP frame (at most PPTP_CLIENT_MAX_FRAME bytes) in a GRE packet.
 * 0: accepted (queued for the endpoint's next sendmmsg, within this loop
 * turn; a send error then drops it and counts gre_tx_errors); -1 with
 * errno: ENOTCONN (call not up), EMSGSIZE, ENOBUFS (window full: dropped),
 * EBUSY (inside on_frame of this call).
 */
#define PPTP_CLIENT_MAX_FRAME 1600
int pptp_call_send(struct pptp_call *call, const uint8_t *frame, size_t len);
const struct gre_flow_stats *pptp_call_flow_stats(const struct pptp_call *call);

#endif
