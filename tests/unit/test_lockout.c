/* The failed-login lock-out table (auth/lockout.h): thresholds, the
 * sliding window, expiry, success, unknown and known users alike, the
 * fixed table under a flood of keys, listing and clearing. Time is passed
 * in, so nothing here waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/lockout.h"

#define SEC 1000u
#define A 0x0100000au /* two sources, any fixed values */
#define B 0x0200000au

static struct lockout *make(unsigned user, unsigned source, size_t slots)
{
	struct lockout_config cfg = {
		.user_failures = user, .source_failures = source,
		.window_ms = 300 * SEC, .lock_ms = 900 * SEC, .slots = slots,
	};
	struct lockout *lo = lockout_new(&cfg, 0x5eed);
	assert_non_null(lo);
	return lo;
}

static unsigned fail_n(struct lockout *lo, uint32_t addr, const char *user, unsigned n,
		       uint64_t now, struct lockout_lock started[2])
{
	unsigned locks = 0;
	for (unsigned i = 0; i < n; i++)
		locks += lockout_fail(lo, addr, user, now, started);
	return locks;
}

static void user_threshold_locks_that_user_from_that_source(void **state)
{
	struct lockout *lo = make(5, 0, 4096);
	struct lockout_lock started[2], lock;
	(void)state;

	assert_int_equal(fail_n(lo, A, "alice", 4, 10 * SEC, started), 0);
	assert_int_equal(lockout_check(lo, A, "alice", 10 * SEC, &lock), LOCKOUT_NONE);
	assert_int_equal(lockout_fail(lo, A, "alice", 11 * SEC, started), 1);
	assert_int_equal(started[0].kind, LOCKOUT_USER);
	assert_int_equal(started[0].addr, A);
	assert_string_equal(started[0].user, "alice");
	assert_int_equal(started[0].until_ms, 911 * SEC);
	assert_int_equal(started[0].failures, 5);

	assert_int_equal(lockout_check(lo, A, "alice", 12 * SEC, &lock), LOCKOUT_USER);
	assert_int_equal(lock.until_ms, 911 * SEC);
	/* Not another name, not another source, and no source lock. */
	assert_int_equal(lockout_check(lo, A, "bob", 12 * SEC, NULL), LOCKOUT_NONE);
	assert_int_equal(lockout_check(lo, B, "alice", 12 * SEC, NULL), LOCKOUT_NONE);
	assert_false(lockout_source_locked(lo, A, 12 * SEC, NULL));
	assert_int_equal(lockout_stats(lo)->user_locks, 1);
	assert_int_equal(lockout_stats(lo)->refused, 1);
	lockout_free(lo);
}

static void locked_attempts_do_not_extend_the_lock_and_it_expires(void **state)
{
	struct lockout *lo = make(3, 0, 4096);
	struct lockout_lock started[2], lock;
	(void)state;

	assert_int_equal(fail_n(lo, A, "alice", 3, 0, started), 1);
	uint64_t failures = lockout_stats(lo)->failures;
	/* Knocking on the lock: no failure counted, no new lock, same end. */
	assert_int_equal(fail_n(lo, A, "alice", 50, 100 * SEC, started), 0);
	assert_int_equal(lockout_stats(lo)->failures, failures);
	assert_int_equal(lockout_check(lo, A, "alice", 899 * SEC, &lock), LOCKOUT_USER);
	assert_int_equal(lock.until_ms, 900 * SEC);
	/* Over at until_ms, and counting starts from zero again. */
	assert_int_equal(lockout_check(lo, A, "alice", 900 * SEC, NULL), LOCKOUT_NONE);
	assert_int_equal(fail_n(lo, A, "alice", 2, 901 * SEC, started), 0);
	assert_int_equal(lockout_check(lo, A, "alice", 902 * SEC, NULL), LOCKOUT_NONE);
	assert_int_equal(lockout_fail(lo, A, "alice", 903 * SEC, started), 1);
	assert_int_equal(started[0].until_ms, 1803 * SEC);
	lockout_free(lo);
}

static void the_window_slides(void **state)
{
	struct lockout *lo = make(5, 0, 4096);
	struct lockout_lock started[2];
	(void)state;

	/* Four failures, then one a whole window and more later: they have
	 * aged out. */
	assert_int_equal(fail_n(lo, A, "alice", 4, 0, started), 0);
	assert_int_equal(fail_n(lo, A, "alice", 1, 600 * SEC, started), 0);
	/* Three more at 600 s (four in that interval); at 1050 s, half-way
	 * through the next interval, half of them still count: 2 + 1 < 5 ... */
	assert_int_equal(fail_n(lo, A, "alice", 3, 600 * SEC, started), 0);
	assert_int_equal(fail_n(lo, A, "alice", 1, 1050 * SEC, started), 0);
	/* ... while the same spread inside one window locks. */
	assert_int_equal(fail_n(lo, B, "alice", 4, 0, started), 0);
	assert_int_equal(fail_n(lo, B, "alice", 1, 299 * SEC, started), 1);
	lockout_free(lo);
}

static void source_threshold_counts_every_name(void **state)
{
	struct lockout *lo = make(5, 20, 4096);
	struct lockout_lock started[2], lock;
	char name[32];
	(void)state;

	for (unsigned i = 0; i < 19; i++) {
		snprintf(name, sizeof(name), "guess%u", i);
		assert_int_equal(lockout_fail(lo, A, name, 5 * SEC, started), 0);
	}
	assert_false(lockout_source_locked(lo, A, 5 * SEC, NULL));
	assert_int_equal(lockout_fail(lo, A, "guess19", 6 * SEC, started), 1);
	assert_int_equal(started[0].kind, LOCKOUT_SOURCE);
	assert_int_equal(started[0].failures, 20);
	assert_string_equal(started[0].user, "");
	/* Every name from that source, new connections from it; not B. */
	assert_int_equal(lockout_check(lo, A, "alice", 7 * SEC, &lock), LOCKOUT_SOURCE);
	assert_int_equal(lock.until_ms, 906 * SEC);
	assert_true(lockout_source_locked(lo, A, 7 * SEC, &lock));
	assert_false(lockout_source_locked(lo, B, 7 * SEC, NULL));
	assert_int_equal(lockout_check(lo, B, "alice", 7 * SEC, NULL), LOCKOUT_NONE);
	assert_int_equal(lockout_stats(lo)->conn_refused, 1);
	assert_false(lockout_source_locked(lo, A, 906 * SEC, NULL));
	lockout_free(lo);
}

static void user_and_source_lock_at_once(void **state)
{
	struct lockout *lo = make(3, 3, 4096);
	struct lockout_lock started[2];
	(void)state;

	assert_int_equal(fail_n(lo, A, "alice", 2, 0, started), 0);
	assert_int_equal(lockout_fail(lo, A, "alice", 0, started), 2);
	assert_int_equal(started[0].kind, LOCKOUT_USER);
	assert_int_equal(started[1].kind, LOCKOUT_SOURCE);
	/* Thresholds of 0: no lock of that kind at all. */
	lockout_free(lo);
	lo = make(0, 0, 4096);
	assert_int_equal(fail_n(lo, A, "alice", 1000, 0, started), 0);
	assert_int_equal(lockout_check(lo, A, "alice", 0, NULL), LOCKOUT_NONE);
	lockout_free(lo);
}

static void success_clears_only_that_users_counter(void **state)
{
	struct lockout *lo = make(5, 10, 4096);
	struct lockout_lock started[2];
	(void)state;

	assert_int_equal(fail_n(lo, A, "alice", 4, 0, started), 0);
	lockout_success(lo, A, "alice", 1 * SEC);
	/* alice starts again from 0: four more do not lock her ... */
	assert_int_equal(fail_n(lo, A, "alice", 4, 2 * SEC, started), 0);
	assert_int_equal(lockout_check(lo, A, "alice", 2 * SEC, NULL), LOCKOUT_NONE);
	/* ... but the source has 8, and bob's success does not reset it:
	 * two more failures from A of anyone lock A. */
	lockout_success(lo, A, "bob", 3 * SEC);
	assert_int_equal(lockout_fail(lo, A, "carol", 4 * SEC, started), 0);
	assert_int_equal(lockout_fail(lo, A, "dave", 4 * SEC, started), 1);
	assert_int_equal(started[0].kind, LOCKOUT_SOURCE);
	lockout_free(lo);
}

/* The table never learns whether a user exists: a name in the store and
 * one that is not give the same answers at the same times. */
static void unknown_and_known_users_alike(void **state)
{
	struct lockout *lo = make(5, 0, 4096);
	struct lockout_lock s1[2], s2[2];
	(void)state;

	for (unsigned i = 0; i < 12; i++) {
		uint64_t now = (uint64_t)i * 60 * SEC;
		assert_int_equal(lockout_fail(lo, A, "alice", now, s1),
				 lockout_fail(lo, B, "no-such-user", now, s2));
		assert_int_equal(lockout_check(lo, A, "alice", now, NULL),
				 lockout_check(lo, B, "no-such-user", now, NULL));
	}
	lockout_free(lo);
}

static void a_flood_of_keys_stays_in_the_table_and_keeps_locks(void **state)
{
	/* 64 entries: 8 sets of 8. */
	struct lockout *lo = make(3, 0, 64);
	struct lockout_lock started[2];
	char name[32];
	(void)state;

	assert_int_equal(fail_n(lo, A, "alice", 3, 0, started), 1);
	/* 100000 one-off failures of distinct names from distinct sources. */
	for (uint32_t i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "n%u", i);
		lockout_fail(lo, 0x0a000000u + i, name, 1 * SEC, started);
	}
	assert_true(lockout_stats(lo)->evictions > 99000);
	/* The lock survived: the flood evicted its own single failures. */
	assert_int_equal(lockout_check(lo, A, "alice", 2 * SEC, NULL), LOCKOUT_USER);
	assert_int_equal(lockout_active(lo, 2 * SEC), 1);
	lockout_free(lo);
}

static void count_lock(void *ctx, const struct lockout_lock *lock)
{
	unsigned *n = ctx;
	n[lock->kind]++;
}

static void list_and_clear(void **state)
{
	struct lockout *lo = make(2, 4, 4096);
	struct lockout_lock started[2];
	unsigned n[3] = { 0 };
	(void)state;

	fail_n(lo, A, "alice", 2, 0, started);
	fail_n(lo, A, "bob", 2, 0, started);
	fail_n(lo, B, "alice", 2, 0, started);
	assert_int_equal(lockout_list(lo, 1 * SEC, count_lock, n), 4);
	assert_int_equal(n[LOCKOUT_USER], 3);
	assert_int_equal(n[LOCKOUT_SOURCE], 1);
	/* alice from B only; then everything of A. */
	assert_int_equal(lockout_clear(lo, B, "alice"), 1);
	assert_int_equal(lockout_check(lo, B, "alice", 1 * SEC, NULL), LOCKOUT_NONE);
	assert_int_equal(lockout_check(lo, A, "alice", 1 * SEC, NULL), LOCKOUT_SOURCE);
	assert_int_equal(lockout_clear(lo, A, NULL), 3);
	assert_int_equal(lockout_check(lo, A, "alice", 1 * SEC, NULL), LOCKOUT_NONE);
	assert_false(lockout_source_locked(lo, A, 1 * SEC, NULL));
	assert_int_equal(lockout_active(lo, 1 * SEC), 0);
	assert_string_equal(lockout_kind_name(LOCKOUT_SOURCE), "source");
	lockout_free(lo);
}

static void bad_configuration(void **state)
{
	struct lockout_config cfg = { .user_failures = 5, .window_ms = 1, .lock_ms = 1, .slots = 7 };
	(void)state;
	assert_null(lockout_new(&cfg, 1));
	cfg.slots = 8;
	cfg.window_ms = 0;
	assert_null(lockout_new(&cfg, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(user_threshold_locks_that_user_from_that_source),
		cmocka_unit_test(locked_attempts_do_not_extend_the_lock_and_it_expires),
		cmocka_unit_test(the_window_slides),
		cmocka_unit_test(source_threshold_counts_every_name),
		cmocka_unit_test(user_and_source_lock_at_once),
		cmocka_unit_test(success_clears_only_that_users_counter),
		cmocka_unit_test(unknown_and_known_users_alike),
		cmocka_unit_test(a_flood_of_keys_stays_in_the_table_and_keeps_locks),
		cmocka_unit_test(list_and_clear),
		cmocka_unit_test(bad_configuration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
