/*
 * A single-producer, single-consumer message ring between two threads,
 * with an eventfd that wakes the consumer's event loop (issue 13,
 * "Multi-core": the main loop's messages to a worker, and a worker's back;
 * docs/performance.md). No lock: C11 atomics, each index written by one
 * side only (release) and read by the other (acquire).
 *
 * Messages are fixed-size byte copies (msg_size bytes, set at creation):
 * a small struct, a pointer, or a packet with its header. The ring holds `capacity` of them, fixed at
 * creation (rounded up to a power of two).
 *
 * Hand-off rules:
 *   - One producer thread calls spsc_ring_push() and spsc_ring_kick(); one
 *     consumer thread calls spsc_ring_pop() and spsc_ring_ack(). Which
 *     threads those are is the owner's choice, but each role stays on one
 *     thread for the ring's life; a second producer or consumer needs a
 *     second ring.
 *   - A push copies the message in; a pop copies it out. What a message
 *     points to belongs to the producer until its push returns true, then
 *     to the consumer, who frees it (or hands it on). A push that returns
 *     false leaves it with the producer.
 *   - Full: spsc_ring_push() returns false at once and never blocks or
 *     overwrites; the producer decides (drop and count, keep and retry
 *     after the next batch). Empty: spsc_ring_pop() returns false.
 *   - In place (no copy; for packets): the producer fills the slot that
 *     spsc_ring_claim() returns (NULL: full) and publishes it with
 *     spsc_ring_commit(); the consumer reads the slot spsc_ring_peek()
 *     returns (NULL: empty) and gives it back with spsc_ring_release().
 *     Between claim and commit the slot is the producer's alone, between
 *     peek and release the consumer's; a claim not committed is simply
 *     claimed again by the next claim. One slot at a time on each side.
 *   - Waking: the producer calls spsc_ring_kick() once after a batch of
 *     pushes (one eventfd write per batch, not per message). The consumer
 *     watches spsc_ring_fd() for reading in its loop (ev_io); when it is
 *     readable it calls spsc_ring_ack() first, then pops until the ring is
 *     empty. In that order no message is left unseen: a push after the
 *     last pop comes with a kick that makes the fd readable again.
 *
 * Lifetime: spsc_ring_new() .. spsc_ring_free(), both by the owner while
 * neither side uses the ring any more (the consumer's watcher stopped,
 * the producer told). spsc_ring_free() does not look at messages still in
 * the ring: whoever frees it pops them first if they own memory.
 *
 * No libev here (common/): the consumer makes its own watcher on the fd.
 */
#ifndef PPTP_COMMON_SPSC_RING_H
#define PPTP_COMMON_SPSC_RING_H

#include <stdbool.h>
#include <stddef.h>

/* Largest capacity and message size accepted. */
#define SPSC_RING_MAX_CAPACITY (1u << 20)
#define SPSC_RING_MAX_MSG      4096u

struct spsc_ring;

/* A ring of at least capacity messages of msg_size bytes (both from 1 to
 * the maxima above), with its eventfd (non-blocking, close-on-exec); NULL
 * on a bad argument or when memory or the eventfd cannot be had. */
struct spsc_ring *spsc_ring_new(size_t capacity, size_t msg_size);
/* Close the eventfd and free the ring; NULL is fine. */
void spsc_ring_free(struct spsc_ring *r);

/* Producer: copy msg in; false if the ring is full (nothing changed). */
bool spsc_ring_push(struct spsc_ring *r, const void *msg);
/* Producer, in place: the next free slot (msg_size bytes) or NULL if the
 * ring is full; spsc_ring_commit() publishes it. */
void *spsc_ring_claim(struct spsc_ring *r);
void spsc_ring_commit(struct spsc_ring *r);
/* Consumer, in place: the oldest slot or NULL if empty;
 * spsc_ring_release() frees it for the producer. */
void *spsc_ring_peek(struct spsc_ring *r);
void spsc_ring_release(struct spsc_ring *r);
/* Producer: wake the consumer (after a batch of pushes). */
void spsc_ring_kick(struct spsc_ring *r);

/* Consumer: copy the oldest message out; false if the ring is empty. */
bool spsc_ring_pop(struct spsc_ring *r, void *msg);
/* Consumer: clear the eventfd (before popping the ring empty). */
void spsc_ring_ack(struct spsc_ring *r);
/* The eventfd the consumer watches for reading. */
int spsc_ring_fd(const struct spsc_ring *r);

/* The capacity after rounding: most messages the ring holds. */
size_t spsc_ring_capacity(const struct spsc_ring *r);

#endif
