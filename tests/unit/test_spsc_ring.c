/*
 * common/spsc_ring: the full and empty edges, order across the wrap, the
 * eventfd's kick and ack, and two threads passing a million sequence
 * numbers through a small ring (in order, none lost, none twice); the same
 * in place (claim/commit, peek/release) with packet-sized messages.
 */
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/spsc_ring.h"

static bool readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static void bad_arguments(void **state)
{
	(void)state;
	assert_null(spsc_ring_new(0, 8));
	assert_null(spsc_ring_new(8, 0));
	assert_null(spsc_ring_new(SPSC_RING_MAX_CAPACITY + 1, 8));
	assert_null(spsc_ring_new(8, SPSC_RING_MAX_MSG + 1));
	spsc_ring_free(NULL);
}

/* A message that is not a power of two long, to catch slot arithmetic. */
struct msg {
	uint32_t seq;
	char text[20];
};

static void full_and_empty(void **state)
{
	(void)state;
	struct spsc_ring *r = spsc_ring_new(5, sizeof(struct msg));
	assert_non_null(r);
	assert_int_equal(spsc_ring_capacity(r), 8); /* rounded up */
	struct msg m = {0};

	assert_false(spsc_ring_pop(r, &m)); /* empty from the start */
	for (uint32_t lap = 0; lap < 5; lap++) {
		for (uint32_t i = 0; i < 8; i++) {
			struct msg in = {.seq = lap * 100 + i};
			snprintf(in.text, sizeof(in.text), "m%u", in.seq);
			assert_true(spsc_ring_push(r, &in));
		}
		/* full: refused, and the refused message changes nothing */
		struct msg extra = {.seq = 9999};
		assert_false(spsc_ring_push(r, &extra));
		/* one out makes room for exactly one */
		assert_true(spsc_ring_pop(r, &m));
		assert_int_equal(m.seq, lap * 100);
		struct msg late = {.seq = lap * 100 + 8};
		snprintf(late.text, sizeof(late.text), "m%u", late.seq);
		assert_true(spsc_ring_push(r, &late));
		assert_false(spsc_ring_push(r, &extra));
		/* the rest in order, across the wrap, then empty */
		for (uint32_t i = 1; i <= 8; i++) {
			char want[20];
			assert_true(spsc_ring_pop(r, &m));
			assert_int_equal(m.seq, lap * 100 + i);
			snprintf(want, sizeof(want), "m%u", lap * 100 + i);
			assert_string_equal(m.text, want);
		}
		assert_false(spsc_ring_pop(r, &m));
	}
	spsc_ring_free(r);
}

static void kick_and_ack(void **state)
{
	(void)state;
	struct spsc_ring *r = spsc_ring_new(4, sizeof(void *));
	assert_non_null(r);
	int fd = spsc_ring_fd(r);
	void *p = &fd, *out = NULL;

	assert_false(readable(fd));
	assert_true(spsc_ring_push(r, &p));
	assert_false(readable(fd)); /* a push alone does not wake */
	spsc_ring_kick(r);
	spsc_ring_kick(r);
	assert_true(readable(fd));
	spsc_ring_ack(r); /* one ack clears any number of kicks */
	assert_false(readable(fd));
	spsc_ring_ack(r); /* nothing to clear: no harm */
	assert_true(spsc_ring_pop(r, &out));
	assert_ptr_equal(out, p);
	spsc_ring_free(r);
}

enum { SEQ_N = 1000000, BATCH = 64 };

/* The consumer's wait as a loop would do it: until the fd is readable
 * (then acked: true), or a second without a kick (false; ten of those in
 * a row while messages are missing is a lost wake-up or message). */
static bool wait_kick(struct spsc_ring *r, unsigned *idle)
{
	struct pollfd p = {.fd = spsc_ring_fd(r), .events = POLLIN};
	int rc = poll(&p, 1, 1000);
	assert_true(rc >= 0);
	if (rc == 0) {
		assert_true(++*idle < 10);
		return false;
	}
	spsc_ring_ack(r);
	return true;
}

struct run {
	struct spsc_ring *r;
	unsigned long fulls; /* pushes refused for a full ring */
};

static void *producer(void *arg)
{
	struct run *run = arg;
	uint64_t seq = 0;
	while (seq < SEQ_N) {
		unsigned n = 0;
		while (n < BATCH && seq < SEQ_N) {
			if (!spsc_ring_push(run->r, &seq)) {
				run->fulls++;
				break;
			}
			seq++;
			n++;
		}
		spsc_ring_kick(run->r);
		if (n < BATCH && seq < SEQ_N)
			sched_yield();
	}
	return NULL;
}

/* The consumer as a loop would run it: wait for the fd, ack, pop until
 * empty, each message the next number. */
static void two_threads(void **state)
{
	(void)state;
	struct run run = {.r = spsc_ring_new(256, sizeof(uint64_t))};
	assert_non_null(run.r);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, producer, &run), 0);

	uint64_t next = 0, got;
	unsigned idle = 0;
	while (next < SEQ_N) {
		if (!wait_kick(run.r, &idle))
			continue;
		while (spsc_ring_pop(run.r, &got)) {
			if (got != next)
				fail_msg("got %llu, expected %llu", (unsigned long long)got,
					 (unsigned long long)next);
			next++;
		}
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_false(spsc_ring_pop(run.r, &got)); /* nothing twice, nothing more */
	assert_int_equal(next, SEQ_N);
	print_message("%d numbers, the producer found the ring full %lu times\n", SEQ_N,
		      run.fulls);
	spsc_ring_free(run.r);
}

/* In place (claim/commit, peek/release), as the workers pass packets:
 * a claim not committed is invisible and claimed again, and a slot peeked
 * but not released stays the oldest. */
static void in_place(void **state)
{
	(void)state;
	struct spsc_ring *r = spsc_ring_new(4, sizeof(struct msg));
	assert_non_null(r);
	assert_null(spsc_ring_peek(r));
	struct msg *m = spsc_ring_claim(r);
	assert_non_null(m);
	m->seq = 1;
	assert_null(spsc_ring_peek(r)); /* claimed, not committed */
	assert_ptr_equal(spsc_ring_claim(r), m); /* the same slot again */
	spsc_ring_commit(r);
	for (uint32_t i = 2; i <= 4; i++) {
		m = spsc_ring_claim(r);
		assert_non_null(m);
		m->seq = i;
		spsc_ring_commit(r);
	}
	assert_null(spsc_ring_claim(r)); /* full */
	struct msg *o = spsc_ring_peek(r);
	assert_non_null(o);
	assert_int_equal(o->seq, 1);
	assert_ptr_equal(spsc_ring_peek(r), o); /* still the oldest */
	assert_null(spsc_ring_claim(r)); /* not released: still full */
	spsc_ring_release(r);
	m = spsc_ring_claim(r);
	assert_non_null(m);
	m->seq = 5;
	spsc_ring_commit(r);
	struct msg copy;
	for (uint32_t i = 2; i <= 5; i++) { /* mixed with the copying calls */
		if (i % 2) {
			assert_true(spsc_ring_pop(r, &copy));
			assert_int_equal(copy.seq, i);
		} else {
			o = spsc_ring_peek(r);
			assert_int_equal(o->seq, i);
			spsc_ring_release(r);
		}
	}
	assert_null(spsc_ring_peek(r));
	spsc_ring_free(r);
}

/* Two threads, in place, messages the size of a worker's (a packet with
 * its header): every byte of each arrives as written. */
enum { BIG = 2200, BIG_N = 200000 };

static void *big_producer(void *arg)
{
	struct run *run = arg;
	uint32_t seq = 0;
	while (seq < BIG_N) {
		unsigned n = 0;
		uint8_t *slot;
		while (n < BATCH && seq < BIG_N && (slot = spsc_ring_claim(run->r))) {
			memcpy(slot, &seq, sizeof(seq));
			memset(slot + sizeof(seq), (int)(seq & 0xFF), BIG - sizeof(seq));
			spsc_ring_commit(run->r);
			seq++;
			n++;
		}
		if (n < BATCH && seq < BIG_N)
			run->fulls++;
		spsc_ring_kick(run->r);
		if (n < BATCH && seq < BIG_N)
			sched_yield();
	}
	return NULL;
}

static void two_threads_in_place(void **state)
{
	(void)state;
	struct run run = {.r = spsc_ring_new(64, BIG)};
	assert_non_null(run.r);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, big_producer, &run), 0);
	uint32_t next = 0;
	unsigned idle = 0;
	while (next < BIG_N) {
		if (!wait_kick(run.r, &idle))
			continue;
		const uint8_t *slot;
		while ((slot = spsc_ring_peek(run.r))) {
			uint32_t seq;
			memcpy(&seq, slot, sizeof(seq));
			if (seq != next)
				fail_msg("got %u, expected %u", seq, next);
			for (size_t i = sizeof(seq); i < BIG; i += 97)
				if (slot[i] != (uint8_t)(seq & 0xFF))
					fail_msg("message %u: byte %zu torn", seq, i);
			spsc_ring_release(run.r);
			next++;
		}
	}
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_null(spsc_ring_peek(run.r));
	print_message("%d messages of %d bytes in place, the ring full %lu times\n", BIG_N, BIG,
		      run.fulls);
	spsc_ring_free(run.r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(full_and_empty),
		cmocka_unit_test(kick_and_ack),
		cmocka_unit_test(two_threads),
		cmocka_unit_test(in_place),
		cmocka_unit_test(two_threads_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
