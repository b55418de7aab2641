/*
 * Frames waiting to be sent on one GRE call, and the pool their buffers
 * come from (issue 13: a peer's small receive window must not cost frames).
 *
 * Pure data structure: no sockets, no clock, no knowledge of windows
 * (common/gre_flow.c decides when a frame may leave).
 *
 * The queue is three words inside the flow: a singly linked FIFO of pool
 * buffers. An idle call, or one whose frames all fit the window, holds no
 * buffer at all. The pool is shared by every flow of one thread: a buffer
 * is allocated once, the first time the pool runs dry while under its cap,
 * and then goes back and forth between the pool's free list and the queues
 * (no allocation per frame once traffic has reached its peak). The cap
 * bounds the memory all queues together may hold; a push that finds the
 * pool dry and at its cap fails and is counted.
 *
 * Lifetime: gre_txq_pool_new() / gre_txq_pool_free(); every queue must be
 * cleared back into its pool (gre_txq_clear()) before the pool is freed.
 * Not thread-safe: a pool and its queues belong to one thread.
 */
#ifndef PPTP_COMMON_GRE_TXQ_H
#define PPTP_COMMON_GRE_TXQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gre_txbuf {
	struct gre_txbuf *next;
	uint16_t len;
	uint8_t data[];       /* the pool's frame_max bytes */
};

struct gre_txq {
	struct gre_txbuf *head, *tail;
	unsigned len;
};

struct gre_txq_pool_stats {
	unsigned allocated;   /* buffers ever allocated (never more than the cap) */
	unsigned in_use;      /* buffers in some queue now */
	uint64_t exhausted;   /* pushes refused: pool dry and at its cap */
};

struct gre_txq_pool;

/* A pool of buffers of frame_max (1..65535) bytes, at most max_bufs of
 * them (>= 1). Allocates nothing yet. NULL on bad arguments or no memory. */
struct gre_txq_pool *gre_txq_pool_new(size_t frame_max, unsigned max_bufs);
/* Frees the pool and its free buffers; every queue must be empty. */
void gre_txq_pool_free(struct gre_txq_pool *pool);
const struct gre_txq_pool_stats *gre_txq_pool_stats(const struct gre_txq_pool *pool);
size_t gre_txq_pool_frame_max(const struct gre_txq_pool *pool);

/* Would a push find a buffer (free, or allocatable under the cap)? */
bool gre_txq_pool_can_get(const struct gre_txq_pool *pool);

/* Copy a frame to the tail. False (nothing changed) if len exceeds the
 * pool's frame_max or no buffer is to be had. */
bool gre_txq_push(struct gre_txq *q, struct gre_txq_pool *pool,
		  const uint8_t *data, size_t len);
/* The oldest frame, or NULL. Valid until the next pop or clear. */
static inline const struct gre_txbuf *gre_txq_head(const struct gre_txq *q)
{
	return q->head;
}
/* Drop the oldest frame (if any), its buffer back to the pool. */
void gre_txq_pop(struct gre_txq *q, struct gre_txq_pool *pool);
/* Every frame back to the pool. */
void gre_txq_clear(struct gre_txq *q, struct gre_txq_pool *pool);

#endif
