/*
 * common/spsc_ring.h. Indices count messages from 0 and only grow (size_t
 * wraps after far more messages than any run sends, and the arithmetic is
 * modular anyway); the slot is index & mask. head is written by the
 * consumer only, tail by the producer only; each side keeps a cached copy
 * of the other's index and reloads it (acquire) only when the cache says
 * full or empty, so a side touches the other's cache line about once per
 * lap, not once per message.
 *
 *   push: the slot is written, then tail is stored with release: the
 *         consumer that loads tail with acquire sees the slot written.
 *   pop:  the slot is read, then head is stored with release: the producer
 *         that loads head with acquire reuses the slot only after the read.
 */
#include "common/spsc_ring.h"

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define CACHE_LINE 64

struct spsc_ring {
	/* the consumer's */
	alignas(CACHE_LINE) atomic_size_t head; /* next to pop */
	size_t tail_cache;
	/* the producer's */
	alignas(CACHE_LINE) atomic_size_t tail; /* next to push */
	size_t head_cache;
	/* set at creation, read by both */
	alignas(CACHE_LINE) size_t mask;
	size_t msg_size;
	int efd;
	unsigned char *slots;
};

struct spsc_ring *spsc_ring_new(size_t capacity, size_t msg_size)
{
	if (!capacity || capacity > SPSC_RING_MAX_CAPACITY || !msg_size ||
	    msg_size > SPSC_RING_MAX_MSG)
		return NULL;
	size_t cap = 1;
	while (cap < capacity)
		cap <<= 1;
	size_t size = (sizeof(struct spsc_ring) + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
	struct spsc_ring *r = aligned_alloc(CACHE_LINE, size);
	if (!r)
		return NULL;
	memset(r, 0, sizeof(*r));
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	r->mask = cap - 1;
	r->msg_size = msg_size;
	r->slots = calloc(cap, msg_size);
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!r->slots || r->efd < 0) {
		int e = errno;
		if (r->efd >= 0)
			close(r->efd);
		free(r->slots);
		free(r);
		errno = e;
		return NULL;
	}
	return r;
}

void spsc_ring_free(struct spsc_ring *r)
{
	if (!r)
		return;
	close(r->efd);
	free(r->slots);
	free(r);
}

void *spsc_ring_claim(struct spsc_ring *r)
{
	size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	if (t - r->head_cache > r->mask) {
		r->head_cache = atomic_load_explicit(&r->head, memory_order_acquire);
		if (t - r->head_cache > r->mask)
			return NULL;
	}
	return r->slots + (t & r->mask) * r->msg_size;
}

void spsc_ring_commit(struct spsc_ring *r)
{
	size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
	atomic_store_explicit(&r->tail, t + 1, memory_order_release);
}

bool spsc_ring_push(struct spsc_ring *r, const void *msg)
{
	void *slot = spsc_ring_claim(r);
	if (!slot)
		return false;
	memcpy(slot, msg, r->msg_size);
	spsc_ring_commit(r);
	return true;
}

void spsc_ring_kick(struct spsc_ring *r)
{
	/* Fails only when the counter is near 2^64 - 1 (EAGAIN): the fd is
	 * readable then anyway. */
	uint64_t one = 1;
	ssize_t n = write(r->efd, &one, sizeof(one));
	(void)n;
}

void *spsc_ring_peek(struct spsc_ring *r)
{
	size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	if (h == r->tail_cache) {
		r->tail_cache = atomic_load_explicit(&r->tail, memory_order_acquire);
		if (h == r->tail_cache)
			return NULL;
	}
	return r->slots + (h & r->mask) * r->msg_size;
}

void spsc_ring_release(struct spsc_ring *r)
{
	size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
	atomic_store_explicit(&r->head, h + 1, memory_order_release);
}

bool spsc_ring_pop(struct spsc_ring *r, void *msg)
{
	void *slot = spsc_ring_peek(r);
	if (!slot)
		return false;
	memcpy(msg, slot, r->msg_size);
	spsc_ring_release(r);
	return true;
}

void spsc_ring_ack(struct spsc_ring *r)
{
	/* EAGAIN: nothing to clear. */
	uint64_t v;
	ssize_t n = read(r->efd, &v, sizeof(v));
	(void)n;
}

int spsc_ring_fd(const struct spsc_ring *r)
{
	return r->efd;
}

size_t spsc_ring_capacity(const struct spsc_ring *r)
{
	return r->mask + 1;
}
