/*
 * shaper: a token bucket per direction. A new limit starts full, drains by
 * the bytes admitted, refills at the rate (no fraction lost), never above
 * the burst; the burst's floor of two MTU-sized packets; rate 0 admits
 * all; long idle times and the largest rate do not overflow; a clock that
 * goes backwards refills nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "server/shaper.h"

#define T0 5000000u /* an arbitrary start, µs */

static void no_limit(void **state)
{
	(void)state;
	struct shaper b = { 0 };

	shaper_set(&b, 0, 100, 1400, T0);
	for (int i = 0; i < 10000; i++)
		assert_true(shaper_admit(&b, 1500, T0));
	assert_int_equal(b.dropped, 0);
}

static void burst_then_drop(void **state)
{
	(void)state;
	struct shaper b = { 0 };

	/* 8000 kbit/s = 1,000,000 B/s; 100 ms: 100,000 bytes of burst */
	shaper_set(&b, 8000, 100, 1400, T0);
	for (int i = 0; i < 100; i++)
		assert_true(shaper_admit(&b, 1000, T0));
	assert_false(shaper_admit(&b, 1, T0));
	assert_false(shaper_admit(&b, 1000, T0));
	assert_int_equal(b.dropped, 2);
}

static void refill_at_rate(void **state)
{
	(void)state;
	struct shaper b = { 0 };

	shaper_set(&b, 8000, 100, 1400, T0);
	assert_true(shaper_admit(&b, 100000, T0));   /* empty now */
	assert_false(shaper_admit(&b, 1000, T0 + 999)); /* 999 bytes back */
	assert_true(shaper_admit(&b, 1000, T0 + 1000)); /* 1000 bytes */
	/* a rate that is no whole number of bytes per µs loses nothing:
	 * 1 kbit/s = 125 B/s, 1 byte every 8 ms */
	shaper_set(&b, 1, 1, 100, T0);               /* floor: 200 bytes */
	assert_true(shaper_admit(&b, 200, T0));
	uint64_t t = T0, passed = 0;
	for (int i = 0; i < 8000; i++) {             /* 8 s in 1 ms steps */
		t += 1000;
		passed += shaper_admit(&b, 1, t);
	}
	assert_int_equal(passed, 1000);
}

static void never_above_burst(void **state)
{
	(void)state;
	struct shaper b = { 0 };

	shaper_set(&b, 8000, 100, 1400, T0);
	/* an hour idle still holds only the burst */
	uint64_t t = T0 + 3600ull * 1000000u;
	assert_true(shaper_admit(&b, 100000, t));
	assert_false(shaper_admit(&b, 1, t));
}

static void burst_floor(void **state)
{
	(void)state;
	struct shaper b = { 0 };

	/* 64 kbit/s, 100 ms = 800 bytes: below two 1400-byte packets */
	shaper_set(&b, 64, 100, 1400, T0);
	assert_true(shaper_admit(&b, 1400, T0));
	assert_true(shaper_admit(&b, 1400, T0));
	assert_false(shaper_admit(&b, 1, T0));
}

static void no_overflow(void **state)
{
	(void)state;
	struct shaper b = { 0 };

	/* above the largest rate: capped at 10 Gbit/s */
	shaper_set(&b, UINT32_MAX, 60000, 1500, 0);
	assert_int_equal(b.kbit, SHAPER_KBIT_MAX);
	assert_true(shaper_admit(&b, 65535, 0));
	/* a clock near its end, then the longest gap there is */
	assert_true(shaper_admit(&b, 65535, UINT64_MAX - 1));
	assert_true(b.tokens <= b.burst);
	assert_true(shaper_admit(&b, 65535, UINT64_MAX));
	/* a packet larger than the burst never passes, and the drop
	 * counter keeps counting */
	shaper_set(&b, 8, 1, 100, T0);
	b.dropped = UINT64_MAX - 1;
	assert_false(shaper_admit(&b, 100000, T0 + 10000000));
	assert_int_equal(b.dropped, UINT64_MAX);
}

static void time_backwards(void **state)
{
	(void)state;
	struct shaper b = { 0 };

	shaper_set(&b, 8000, 100, 1400, T0);
	assert_true(shaper_admit(&b, 100000, T0));
	/* the clock steps back a second: no refill from it */
	assert_false(shaper_admit(&b, 1, T0 - 1000000));
	/* and counts forward from there, not from the old time */
	assert_false(shaper_admit(&b, 1000, T0 - 1000000 + 999));
	assert_true(shaper_admit(&b, 1000, T0 - 1000000 + 1000));
}

static void change_keeps_tokens(void **state)
{
	(void)state;
	struct shaper b = { 0 };

	shaper_set(&b, 8000, 100, 1400, T0);
	assert_true(shaper_admit(&b, 100000, T0));
	/* a CoA to a lower rate: the new limit starts full, at its burst */
	shaper_set(&b, 800, 100, 1400, T0);
	assert_int_equal(b.rate, 100000);
	assert_true(shaper_admit(&b, 10000, T0));
	assert_false(shaper_admit(&b, 1, T0));
	/* and off again */
	shaper_set(&b, 0, 100, 1400, T0);
	assert_true(shaper_admit(&b, 1000000, T0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_limit),
		cmocka_unit_test(burst_then_drop),
		cmocka_unit_test(refill_at_rate),
		cmocka_unit_test(never_above_burst),
		cmocka_unit_test(burst_floor),
		cmocka_unit_test(no_overflow),
		cmocka_unit_test(time_backwards),
		cmocka_unit_test(change_keeps_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
