/*
 * Per-call GRE sequencing for PPTP (RFC 2637 section 4): the receive side
 * (reordering, duplicates, the acknowledgements we owe) and the transmit
 * side (our sequence numbers, the peer's acknowledgements, its window).
 *
 * Pure logic: no sockets, no event loop, no clock. Every call that depends
 * on time takes `now` in milliseconds from any monotonic clock the caller
 * likes; only differences are used.
 *
 * Receive. gre_flow_rx() takes a parsed header (common/gre.h) and its
 * payload. The first sequenced packet sets the start, whatever its number
 * (clients start at 0 or 1). An in-order packet is handed to the deliver
 * callback at once, with the caller's own pointer: no copy. A packet up to
 * N ahead of the expected one is copied into one of N slots and released
 * in order when the gap fills, or, once the
 * oldest held packet has waited H ms, by giving the gap up (the skipped
 * numbers count as lost). A packet more than N (and at most F) ahead
 * flushes the slots in order, counts the gap as lost and resynchronises on
 * it. A packet behind the expected one is dropped: a "duplicate" if at most
 * N behind, "old" if further. Should the peer restart its numbering,
 * GRE_FLOW_OLD_RESYNC consecutive old packets in sequence make the flow
 * resynchronise on them. A packet more than F ahead of or behind the
 * expected one is "far": dropped and counted, never delivered, and it moves
 * nothing (its ack is not read either). F, the far window, is generous
 * (by default GRE_FLOW_FAR_FACTOR times the larger of the receive window
 * and N): no peer gets that far by loss or reordering, while a frame forged
 * by someone who does not see the flow (behind the same NAT as a client,
 * or spoofing its address) and guesses a sequence number is dropped unless
 * the guess lands within F of the true one.
 * With N = 0 there is no reordering: every packet ahead is a resync.
 * The slots' storage (N * slot_size bytes) is allocated when the first
 * packet has to be held and freed by gre_flow_on_timer() once none has
 * been for GRE_FLOW_STORE_KEEP_MS (gre_flow_next_deadline() includes
 * that moment): a flow that stays in order never allocates it. Should
 * that allocation fail, the packet is handled as with N = 0.
 * A packet with S set and no payload is sequenced but delivers nothing;
 * a payload without S is dropped (RFC 2637 sets S on every data packet).
 *
 * Acknowledgements we send: the highest sequence number delivered (or given
 * up) is owed to the peer until sent. gre_flow_tx_data() piggybacks it on
 * the next data packet. If no data goes, the ack falls due ack_delay_ms
 * after it became owed, or at once when half the window we announced is
 * owed; the caller then sends an ack-only packet (S clear, A set, no
 * payload) with the number from gre_flow_take_ack().
 *
 * Transmit. gre_flow_send() is the way a server sends a frame: if nothing
 * is queued and the window has room it goes at once through the transmit
 * callback (no copy); otherwise it is copied to the tail of the call's send
 * queue (common/gre_txq.h, buffers from a shared pool, none held while the
 * queue is empty) and leaves, oldest first, as soon as the peer's
 * acknowledgements (on data or ack-only packets, in gre_flow_rx()) or the
 * window's time-out (gre_flow_on_timer()) open the window. A frame is given
 * its sequence number, and the ack we owe, when it leaves the queue, so the
 * numbers stay consecutive and the ack is the freshest. Frames are queued
 * after encryption: MPPE coherency counts leave in the order they were
 * taken. A full queue (txq_max frames, or the pool at its cap): by default
 * the oldest queued frame is dropped (counted tx_queue_drops; stateless
 * MPPE re-keys per packet and the receiver catches up over the gap in the
 * count); after gre_flow_set_ordered(f, true) (stateful MPPE, where a lost
 * frame costs the peer a Reset-Request round trip and everything up to the
 * next flushed frame) queued frames are never dropped and the new one is
 * refused instead (tx_queue_refused); the server asks gre_flow_send_room()
 * before encrypting, so for it the refusal costs no coherency count at
 * all. txq_max 0 turns the queue off: a frame the window refuses is
 * dropped (tx_window_drops), as before the queue existed.
 *
 * Our numbers start at 1 (tests may set another with tx_start): the Linux
 * kernel client takes a packet as new only if its number is above the last
 * one seen, which starts at 0, so a first packet numbered 0 would be
 * dropped; 1 suits it and every receiver that, like ours, takes the first
 * number as the start. Data may
 * go while fewer than peer_window packets are unacknowledged (peer_window 0:
 * no limit). Never a stall: a peer that has not acknowledged anything when
 * the window fills is taken for a non-acking one (Android) and its window is
 * no longer enforced until it acknowledges something; and a window that has
 * stayed full for the adaptive acknowledgement time-out (RFC 2637 4.4: RTT
 * + 4 * deviation, measured one packet at a time, bounded by ato_min_ms ..
 * ato_max_ms, doubled on each time-out) is reopened, the outstanding
 * packets taken as lost. There are no retransmissions: a packet refused by
 * the window waits in the send queue (gre_flow_send()) or, through the
 * older gre_flow_tx_data() the client tools use, is dropped by the caller
 * (counted here); the inner protocol recovers. Acknowledgements that go backwards or cover numbers never sent
 * are ignored.
 *
 * Driving it: after gre_flow_rx(), gre_flow_tx_data() or gre_flow_on_timer()
 * the caller re-arms its timer to gre_flow_next_deadline(). When it fires:
 * gre_flow_on_timer(f, now), then while gre_flow_take_ack(f, now, &ack)
 * holds, send an ack-only packet.
 *
 * Lifetime: gre_flow_new() allocates the flow (with the slots' headers);
 * the slots' storage lives from the first held packet until
 * GRE_FLOW_STORE_KEEP_MS after the last one, or gre_flow_free(), which
 * releases everything and returns its queued frames to the pool
 * (which must outlive every flow using it). The deliver callback runs
 * inside gre_flow_rx() and gre_flow_on_timer(); the only gre_flow function
 * it may call on the same flow is gre_flow_send() (the frame is queued and
 * goes when the packet is processed), and it must not free the flow (mark
 * the call dying and free it later). The transmit callback runs inside
 * gre_flow_send(), gre_flow_rx() and gre_flow_on_timer(); it must not call
 * any gre_flow function on the same flow, and its frame pointer is valid
 * only during the call. The
 * payload pointer it gets is valid only during the callback. Not
 * thread-safe: one flow belongs to one thread.
 */
#ifndef PPTP_COMMON_GRE_FLOW_H
#define PPTP_COMMON_GRE_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gre.h"
#include "common/gre_txq.h"

#define GRE_FLOW_SLOTS_DEFAULT     4
#define GRE_FLOW_SLOTS_MAX         64
#define GRE_FLOW_HOLD_MS_DEFAULT   5
#define GRE_FLOW_SLOT_SIZE_DEFAULT 1600
/* How long the slots' storage outlives the last packet held in it, ms. */
#define GRE_FLOW_STORE_KEEP_MS     10000
/*
 * When our acknowledgements go, and why.
 *
 * Whose window is whose (RFC 2637 4.4): the window a peer announces is
 * what it can take from US unacknowledged; pptp-linux announces 3, so OUR
 * sending to it waits for ITS acks (the send queue above holds what does
 * not fit; pptp-linux acks on its own data, its TCP ACKs among them, and
 * with ack-only packets). Our acks govern the PEER's sending
 * against the window WE announce (CALL_RX_WINDOW, 64), and feed the
 * round-trip time it measures for its own ack time-out.
 *
 * The policy: an ack we owe rides on the next data packet we send (free,
 * and frames released from the send queue by the peer's ack carry it at
 * once); if none goes within ack_delay_ms, an ack-only packet carries it;
 * and once half the window we announced is owed it goes at once (the flow
 * timer fires at 0), so a peer that enforces our window never has to stop:
 * it can always send the other half while our ack travels.
 *
 * 2 ms: short enough that the peer's measured round-trip time (and its ack
 * time-out, RTT + 4 deviations) stays close to the network's own, and a
 * peer sending a few packets at a time is never held back by a timer; long
 * enough that a burst received within it costs one ack-only packet, and
 * that the reply (a TCP ACK coming back through tun) usually catches the
 * ack first. One-way traffic with no reply costs at most 500 ack-only
 * packets a second per call (and at least one per 32 received); an idle
 * call owes nothing and arms no timer.
 */
#define GRE_FLOW_ACK_DELAY_MS_DEFAULT 2
#define GRE_FLOW_RX_WINDOW_DEFAULT 64
#define GRE_FLOW_ATO_MIN_MS_DEFAULT 20
#define GRE_FLOW_ATO_MAX_MS_DEFAULT 1000
/* Consecutive in-sequence old packets that mean the peer restarted. */
#define GRE_FLOW_OLD_RESYNC        8
/* The far window F, in multiples of max(rx_window, reorder_slots, 1). */
#define GRE_FLOW_FAR_FACTOR        64

struct gre_flow_params {
	unsigned reorder_slots;   /* N: 0..GRE_FLOW_SLOTS_MAX, 0 = no reordering */
	unsigned reorder_hold_ms; /* H: how long a gap may hold packets back */
	size_t slot_size;         /* largest payload a slot holds, 1..65535 */
	unsigned ack_delay_ms;    /* longest wait for a piggyback ride */
	uint16_t rx_window;       /* window we announced; 0 = no early ack */
	uint16_t peer_window;     /* peer's receive window; 0 = not enforced */
	unsigned ato_min_ms;      /* bounds of the ack time-out, 1 <= min <= max */
	unsigned ato_max_ms;
	uint32_t far_window;      /* F; 0: GRE_FLOW_FAR_FACTOR * max(rx_window, N, 1) */
	struct gre_txq_pool *txq_pool; /* buffers for the send queue; NULL: no queue */
	unsigned txq_max;         /* frames the send queue holds; 0: window drops */
	uint32_t tx_start;        /* our first sequence number; 0: 1 (see above) */
};

struct gre_flow_stats {
	uint64_t rx_packets;      /* packets with S set */
	uint64_t rx_delivered;    /* payloads handed to the deliver callback */
	uint64_t rx_reordered;    /* of which held in a slot first */
	uint64_t rx_duplicates;   /* dropped: at most N behind, or already held */
	uint64_t rx_old;          /* dropped: more than N behind */
	uint64_t rx_far;          /* dropped: more than F ahead or behind */
	uint64_t rx_lost;         /* sequence numbers skipped (never received) */
	uint64_t rx_resyncs;      /* jumps ahead by more than N, peer restarts */
	uint64_t rx_too_big;      /* dropped: out of order and larger than a slot */
	uint64_t rx_unsequenced;  /* dropped: payload without S */
	uint64_t rx_acks_ignored; /* acks backwards or beyond what we sent */
	uint64_t tx_packets;      /* data packets given a sequence number */
	uint64_t tx_window_drops; /* data packets refused by the peer's window */
	uint64_t tx_ack_timeouts; /* full windows reopened by the time-out */
	uint64_t acks_piggybacked;
	uint64_t acks_only;       /* ack-only packets */
	uint64_t tx_queued;       /* frames queued because the window was full */
	uint64_t tx_queue_drops;  /* queued frames dropped from the head, queue full */
	uint64_t tx_queue_refused; /* frames refused: queue full (ordered) or no buffer */
	unsigned tx_queue_peak;   /* most frames queued at once */
	bool peer_non_acking;     /* window not enforced: peer never acked */
};

enum gre_flow_rx_result {
	GRE_FLOW_RX_DELIVERED,    /* in order: delivered, maybe held ones too */
	GRE_FLOW_RX_HELD,         /* ahead: copied into a slot */
	GRE_FLOW_RX_RESYNC,       /* jump or restart: delivered after a flush */
	GRE_FLOW_RX_DUPLICATE,
	GRE_FLOW_RX_OLD,
	GRE_FLOW_RX_FAR,          /* far outside the window: dropped */
	GRE_FLOW_RX_TOO_BIG,
	GRE_FLOW_RX_UNSEQUENCED,
	GRE_FLOW_RX_NO_DATA,      /* ack-only packet (or nothing at all) */
};

/* payload is the caller's receive buffer (given to gre_flow_rx()) or the
 * flow's own slot for a held packet: writable by the callback (decryption
 * in place), valid only during the call. */
typedef void (*gre_flow_deliver_fn)(void *ctx, uint8_t *payload, size_t len);
/* Send one data packet now: h has the sequence number, the ack (if any)
 * and payload_len; the callback fills in the call ID. */
typedef void (*gre_flow_transmit_fn)(void *ctx, struct gre_hdr *h,
				     const uint8_t *frame, size_t len);

enum gre_flow_send_result {
	GRE_FLOW_SENT,            /* handed to the transmit callback */
	GRE_FLOW_QUEUED,          /* copied into the send queue */
	GRE_FLOW_DROPPED,         /* window full and no queue, or queue full */
};

/* Frames the send queue takes while the flow is busy even if txq_max is 0. */
#define GRE_FLOW_TXQ_BUSY_MIN 8

struct gre_flow;

/* Fill p with the defaults above (peer_window 0). */
void gre_flow_params_default(struct gre_flow_params *p);

/* NULL if a parameter is out of range or memory is short. */
struct gre_flow *gre_flow_new(const struct gre_flow_params *p,
			      gre_flow_deliver_fn deliver, void *ctx);
void gre_flow_free(struct gre_flow *f);

/*
 * One received GRE packet: h as gre_parse() filled it, payload its
 * h->payload_len bytes. Processes the ack (if A) and the data (if S). The
 * deliver callback may change payload in place.
 */
enum gre_flow_rx_result gre_flow_rx(struct gre_flow *f, const struct gre_hdr *h,
				    uint8_t *payload, uint64_t now);

/*
 * Give up gaps whose oldest held packet has waited H ms, delivering what
 * follows them. Call at (or after) gre_flow_next_deadline().
 */
void gre_flow_on_timer(struct gre_flow *f, uint64_t now);

/* Earliest time gre_flow_on_timer() / an ack-only packet is due, or UINT64_MAX. */
uint64_t gre_flow_next_deadline(const struct gre_flow *f);

/* When the owed ack falls due as an ack-only packet, or UINT64_MAX. */
uint64_t gre_flow_ack_deadline(const struct gre_flow *f);

/*
 * If an ack is owed and due at `now`: store it in *ack, mark it sent and
 * return true; the caller sends an ack-only packet carrying it.
 */
bool gre_flow_take_ack(struct gre_flow *f, uint64_t now, uint32_t *ack);

/*
 * Would gre_flow_tx_data() accept a data packet now? A pure query, for a
 * caller that wants to skip work (encryption) for a packet that would be
 * dropped.
 */
bool gre_flow_tx_allowed(const struct gre_flow *f, uint64_t now);

/*
 * Admit one data packet. On success set h->has_seq / h->seq to the next
 * sequence number and, if an ack is owed, h->has_ack / h->ack (marked sent;
 * otherwise has_ack is cleared); the caller fills call_id and payload_len.
 * On refusal (window full) return false and count the drop: the caller
 * drops the packet. Call it before encrypting: the number is taken even if
 * the caller then fails to send, which the peer sees as a loss.
 */
bool gre_flow_tx_data(struct gre_flow *f, uint64_t now, struct gre_hdr *h);

/* The callback gre_flow_send() transmits through (same ctx as deliver). */
void gre_flow_set_transmit(struct gre_flow *f, gre_flow_transmit_fn transmit);
/* Hand the flow to another owner (a data-path worker, server/worker.h):
 * new callbacks, context and send-queue pool (the old pool's buffers must
 * not follow it to another thread). False, nothing changed, while frames
 * wait in the send queue or the flow is delivering. */
bool gre_flow_move(struct gre_flow *f, gre_flow_deliver_fn deliver,
		   gre_flow_transmit_fn transmit, void *ctx, struct gre_txq_pool *pool);

/* Full queue: refuse the new frame rather than drop the oldest (above). */
void gre_flow_set_ordered(struct gre_flow *f, bool ordered);

/*
 * Send one frame (see Transmit above): at once, or queued, or dropped.
 * Needs the transmit callback; the frame is copied if queued.
 */
enum gre_flow_send_result gre_flow_send(struct gre_flow *f, uint64_t now,
					const uint8_t *data, size_t len);

/*
 * Would gre_flow_send() take a frame now (send or queue it, dropping the
 * oldest queued one if not ordered)? For a caller that must not encrypt a
 * frame that would then be refused.
 */
bool gre_flow_send_room(const struct gre_flow *f, uint64_t now);

/* Frames in the send queue. */
unsigned gre_flow_txq_len(const struct gre_flow *f);

const struct gre_flow_stats *gre_flow_stats(const struct gre_flow *f);
/* Whether the reorder slots' storage is allocated now (for tests and
 * memory accounting). */
bool gre_flow_has_store(const struct gre_flow *f);

/* The current acknowledgement time-out in ms (for logs and tests). */
unsigned gre_flow_ack_timeout(const struct gre_flow *f);

/* Unacknowledged packets in flight (0 if none or all taken as lost). */
uint32_t gre_flow_tx_outstanding(const struct gre_flow *f);

#endif
