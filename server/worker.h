/*
 * Data-path workers (issue 13, "Multi-core"; docs/performance.md): with
 * `workers N` (N > 1) the server runs N threads beside its main loop, each
 * with its own event loop, and each UP session whose data path can run
 * apart from its link is handed to one of them, which from then on
 * decrypts, checks and writes its packets into the tun device, and reads,
 * encrypts and sends the packets for it, alone. `workers 1` (the default)
 * creates nothing here: every session stays on the main loop.
 *
 * Threads and what each owns:
 *   - The main thread keeps everything it had: the listener, the control
 *     connections, every call's control state, every PPP link (LCP, the
 *     login, CCP, IPCP, echoes), the backends, the pools, hooks, DAE, the
 *     admin socket and reloads. It also stays the one reader of the raw
 *     GRE socket: a reader that only steers. A GRE packet of a handed-over
 *     call (call->ws set) is copied, parsed header and payload, into its
 *     worker's inbound ring (gre_sock.c) and goes no further on main.
 *   - Worker k owns, from the moment its inbound ring delivers the
 *     hand-over (WMSG_TAKE) until it delivers the release (WMSG_DROP),
 *     the session's struct wsess and everything in it: the call's GRE flow
 *     (sequence numbers, acks, window, send queue: it moved whole, with
 *     gre_flow_move(), when its send queue was empty), the link's data
 *     state (framing, and stateless MPPE's keys, counts and RC4 contexts,
 *     moved out of the link by ppp_data_export(): the link carries no
 *     data of its own from then on), the rate limits' buckets, the flow's
 *     timer, and the
 *     session's entry in the worker's address table. It owns its tun queue
 *     (queue k + 1 of a multi-queue tun; queue 0 is the main loop's), its
 *     own raw GRE socket, which only sends (a filter drops everything it
 *     would receive), and its send-queue buffer pool.
 *   - Which worker: the session's address mod N, because the tun device
 *     steers an IPv4 packet to queue 1 + (destination mod N)
 *     (server/tun_mq.h): a session's downstream packets reach its own
 *     worker without a hop.
 *
 * Hand-offs (each over one single-producer single-consumer ring,
 * common/spsc_ring.h; messages are copied into the ring's slot in place,
 * with headroom for PPP's headers in front of the data):
 *   main -> worker k (inbound): TAKE (a new wsess), GRE (a packet of the
 *     call, header parsed), FRAME (a PPP frame the link sends: LCP echo,
 *     Terminate, CCP), IP (an IPv4 packet for the client that reached the
 *     main loop: fragments, or one its queue did not get), RATE (a CoA's
 *     new rate limits: the worker polices both directions), DROP (the call
 *     ended: the worker unlinks the wsess and frees it and everything in
 *     it), STOP.
 *   worker k -> main (outbound): FRAME (a frame the peer sent that is not
 *     IPv4 data: it goes to the call's link as if it came from the flow),
 *     TUN (a packet from tun queue k + 1 for no session of this worker:
 *     the main loop's data path takes it), EVENT (the MPPE receiver's
 *     first refusal, or its verdict that the link must close: the call's
 *     session logs and acts as the link would have, call_ops.worker_event).
 *   Names, not pointers, come back: outbound messages name the call by its
 *     ID and the wsess's generation number, and a message whose call has
 *     ended or moved on is dropped on arrival. Inbound messages carry the
 *     wsess pointer: it stays valid for the worker until the DROP that
 *     follows them in the same ring.
 *   Counters: the worker alone writes a wsess's counters (relaxed atomics,
 *     one writer); the main loop reads them (accounting, idle time-out,
 *     the session-down and call-down lines) until it pushes the DROP, and
 *     never touches the wsess after that push.
 *   A full ring never blocks: the message is dropped and counted (a GRE
 *     packet lost, as on the wire; PPP retransmits its control frames).
 *
 * Lifetime: workers_open() as root during start-up (sockets and tun
 * queues), workers_start() once the server is set up (threads),
 * workers_free() at exit: STOP to each thread, join, then every wsess
 * still held is freed with its worker.
 */
#ifndef PPTP_SERVER_WORKER_H
#define PPTP_SERVER_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gre.h"
#include "common/ppp/ppp_data.h"
#include "server/shaper.h"

struct server;
struct config;
struct gre_flow;
struct workers;
struct wsess;

/* Most workers (the tun device's queues are one more). */
#define WORKERS_MAX 32

/* What the main loop tells a worker about a session it hands over. */
struct wsess_params {
	uint16_t call_id, peer_call_id; /* ours (the GRE key we get), the peer's */
	uint32_t local_addr, peer_addr; /* the GRE endpoints, host order */
	uint32_t addr;                  /* the client's IPv4 address, host order */
	uint16_t ip_mtu;                /* larger packets for the client go to main */
	uint16_t mss;                   /* clamp SYNs to this MSS; 0: no clamping */
	struct shaper shaper[SHAPER_NDIRS]; /* the session's rate limits as they stand */
};

/* A session's counters as the worker last wrote them. */
struct wsess_stats {
	uint64_t rx_ip_packets, rx_ip_bytes;   /* client -> LAN, into tun */
	uint64_t tx_ip_packets, tx_ip_bytes;   /* LAN -> client, encrypted and sent */
	uint64_t frames_rx, frames_tx;         /* PPP frames through the flow */
	uint64_t spoofed, bad, dropped;        /* wrong source; bad frame or IPv4; dropped */
	uint64_t mppe_refused;                 /* count jumps refused before re-keying */
	uint64_t rate_dropped;                 /* over the session's rate limit */
	uint64_t gre_far;                      /* GRE packets far outside the window */
	uint64_t tx_refused;                   /* send queue full, before encryption */
	uint64_t tx_queued, tx_queue_drops, tx_ack_timeouts;
	unsigned tx_queue_peak;
};

/* How many workers `workers` asks for: its number, or with `auto` (0) the
 * CPUs this process may run on (sched_getaffinity: what taskset or a
 * container's cpuset allows), at most WORKERS_MAX. 1: none. */
unsigned workers_wanted(const struct config *cfg);
/* Open n workers' sockets and the tun queues 1..n (privileged start-up);
 * the tun device (srv->tun) must already be open as a multi-queue device.
 * NULL (logged) on failure. */
struct workers *workers_open(struct server *srv, unsigned n);
/* Start the threads; false (logged) if one cannot be started. */
bool workers_start(struct workers *set);
/* Stop and join the threads, free every worker and what it holds. */
void workers_free(struct workers *set);
unsigned workers_count(const struct workers *set);

/*
 * Hand a session's data path to the worker that owns addr: the flow (its
 * send queue empty, and moved only if this succeeds) and d (taken whole:
 * the caller keeps nothing of it on success). NULL, nothing taken, if the
 * flow cannot move or the worker's ring is full; the session then stays on
 * the main loop.
 */
struct wsess *worker_take(struct workers *set, const struct wsess_params *p,
			  struct gre_flow *flow, struct ppp_data *d);
/* Main thread, for a handed-over session; false if the ring was full. */
bool worker_gre(struct wsess *ws, const struct gre_hdr *h, const uint8_t *payload, size_t len);
bool worker_send_frame(struct wsess *ws, const uint8_t *frame, size_t len);
bool worker_send_ip(struct wsess *ws, const uint8_t *pkt, size_t len);
/* New rate limits (a CoA): the worker's buckets become these. */
bool worker_set_rate(struct wsess *ws, const struct shaper shaper[SHAPER_NDIRS]);
/* The call ended: the worker frees ws; the caller forgets it now. */
void worker_drop(struct wsess *ws);
/* Wake the workers that were sent something since the last kick (after a
 * batch of GRE packets, and before the main loop sleeps). */
void workers_kick(struct workers *set);

void wsess_stats(const struct wsess *ws, struct wsess_stats *out);
uint64_t wsess_gen(const struct wsess *ws);
unsigned wsess_worker(const struct wsess *ws);

/* Totals over every worker, for the metrics and `pptpctl stats`. */
struct workers_stats {
	uint64_t sessions_taken, sessions_dropped;
	uint64_t ring_full;          /* messages dropped: a ring was full */
	uint64_t tun_rx, tun_tx;     /* packets read from / written to the workers' queues */
	uint64_t tun_rx_bytes, tun_tx_bytes;
	uint64_t tun_to_main;        /* read by a worker, for no session of its own */
	uint64_t gre_tx, gre_tx_err;
	uint64_t mppe_refused;       /* MPPE count jumps refused */
	uint64_t tx_queued, tx_queue_drops; /* frames queued for the window, dropped from it */
	uint64_t tx_refused;         /* packets refused before encryption: queue full */
	uint64_t rate_dropped;       /* packets over a session's rate limit */
	uint64_t spoofed, bad_ip;    /* client packets with a wrong source, or no IPv4 */
	uint64_t frames_rx;          /* PPP frames the workers' flows delivered */
	uint64_t gre_far, gre_dup, gre_old; /* GRE packets the flows dropped */
	/* (these are folded into the server's counters once a second) */
};
void workers_stats(const struct workers *set, struct workers_stats *out);
/* Add what the workers counted since the last fold to the server's own
 * counters (srv->stats, the tun's rx and tx); NULL is fine. Done once a
 * second anyway; readers of the counters call it first. */
void workers_fold(struct workers *set);
/* One worker's packets, both directions (for the benchmark's per-worker figures). */
uint64_t workers_packets(const struct workers *set, unsigned k);

#endif
