#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>

/* The unit tests do not link pptp_server; the module is built in here. */
#include "server/pool.h"

static uint32_t ip(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return ntohl(a.s_addr);
}

static struct config *load(const char *text)
{
	char err[256] = "";
	struct config *cfg = config_load_string("t.conf", text, err, sizeof(err));
	if (!cfg)
		fail_msg("config: %s", err);
	return cfg;
}

/* Distinct non-NULL owners. */
static char owners[64];
#define OWNER(i) ((void *)&owners[i])

/* Two ranges: 192.0.2.10-12 and 192.0.2.20-21 (five addresses). */
#define TWO_RANGES "localip 192.0.2.1\nremoteip 192.0.2.10-12,192.0.2.20-21\n"

static void allocates_every_address_then_exhausts(void **state)
{
	(void)state;
	struct config *cfg = load(TWO_RANGES);
	struct pool *p = pool_new(cfg);
	assert_non_null(p);
	assert_int_equal(pool_stats(p).size, 5);
	const char *want[] = { "192.0.2.10", "192.0.2.11", "192.0.2.12", "192.0.2.20",
			       "192.0.2.21" };
	for (int i = 0; i < 5; i++) {
		uint32_t a = 0;
		assert_true(pool_alloc(p, OWNER(i), &a));
		assert_int_equal(a, ip(want[i]));
		assert_true(pool_contains(p, a));
		assert_ptr_equal(pool_lookup(p, a), OWNER(i));
	}
	assert_int_equal(pool_stats(p).in_use, 5);
	uint32_t a = 0x12345678;
	assert_false(pool_alloc(p, OWNER(9), &a));
	assert_int_equal(a, 0x12345678); /* untouched */
	assert_false(pool_alloc(p, OWNER(9), &a));
	assert_int_equal(pool_stats(p).exhausted, 2);
	assert_false(pool_alloc(p, NULL, &a)); /* NULL owner refused */
	pool_free(p);
	config_free(cfg);
}

static void release_reuses_least_recently_used(void **state)
{
	(void)state;
	struct config *cfg = load(TWO_RANGES);
	struct pool *p = pool_new(cfg);
	uint32_t a[5];
	for (int i = 0; i < 5; i++)
		assert_true(pool_alloc(p, OWNER(i), &a[i]));
	/* Give back in the order .20, .10, .21 */
	assert_true(pool_release(p, ip("192.0.2.20")));
	assert_true(pool_release(p, ip("192.0.2.10")));
	assert_true(pool_release(p, ip("192.0.2.21")));
	assert_null(pool_lookup(p, ip("192.0.2.20")));
	assert_int_equal(pool_stats(p).in_use, 2);
	uint32_t b;
	assert_true(pool_alloc(p, OWNER(10), &b));
	assert_int_equal(b, ip("192.0.2.20"));
	/* .20 comes back last now; .10 and .21 go first */
	assert_true(pool_release(p, b));
	assert_true(pool_alloc(p, OWNER(11), &b));
	assert_int_equal(b, ip("192.0.2.10"));
	assert_true(pool_alloc(p, OWNER(12), &b));
	assert_int_equal(b, ip("192.0.2.21"));
	assert_true(pool_alloc(p, OWNER(13), &b));
	assert_int_equal(b, ip("192.0.2.20"));
	assert_ptr_equal(pool_lookup(p, b), OWNER(13));
	assert_false(pool_alloc(p, OWNER(14), &b));
	pool_free(p);
	config_free(cfg);
}

static void fresh_pool_hands_out_never_used_before_reused(void **state)
{
	(void)state;
	struct config *cfg = load("localip 10.0.0.1\nremoteip 10.0.0.100-109\n");
	struct pool *p = pool_new(cfg);
	uint32_t a, b;
	assert_true(pool_alloc(p, OWNER(0), &a));
	assert_true(pool_release(p, a));
	assert_true(pool_alloc(p, OWNER(1), &b));
	assert_int_not_equal(a, b); /* the just-freed one is queued behind 9 others */
	assert_int_equal(b, ip("10.0.0.101"));
	pool_free(p);
	config_free(cfg);
}

static void double_release_harmless_and_counted(void **state)
{
	(void)state;
	struct config *cfg = load(TWO_RANGES);
	struct pool *p = pool_new(cfg);
	uint32_t a, b;
	assert_true(pool_alloc(p, OWNER(0), &a));
	assert_true(pool_release(p, a));
	assert_false(pool_release(p, a));
	assert_false(pool_release(p, ip("192.0.2.11"))); /* never held */
	assert_false(pool_release(p, ip("198.51.100.7"))); /* outside, not held */
	assert_false(pool_release(p, 0));
	struct pool_stats st = pool_stats(p);
	assert_int_equal(st.bad_release, 4);
	assert_int_equal(st.in_use, 0);
	/* The free list is intact: all five come out, each once. */
	uint32_t seen = 0;
	for (int i = 0; i < 5; i++) {
		assert_true(pool_alloc(p, OWNER(i), &b));
		uint32_t bit = 1u << (b & 31);
		assert_false(seen & bit);
		seen |= bit;
	}
	assert_false(pool_alloc(p, OWNER(6), &b));
	pool_free(p);
	config_free(cfg);
}

static void reserve_inside_pool(void **state)
{
	(void)state;
	struct config *cfg = load(TWO_RANGES);
	struct pool *p = pool_new(cfg);
	/* A static address in the middle of the free list. */
	assert_true(pool_reserve(p, ip("192.0.2.11"), OWNER(1)));
	assert_false(pool_reserve(p, ip("192.0.2.11"), OWNER(2)));
	assert_int_equal(pool_stats(p).reserve_busy, 1);
	assert_ptr_equal(pool_lookup(p, ip("192.0.2.11")), OWNER(1));
	assert_int_equal(pool_stats(p).in_use, 1);
	/* pool_alloc never hands it out */
	uint32_t a;
	for (int i = 0; i < 4; i++) {
		assert_true(pool_alloc(p, OWNER(10 + i), &a));
		assert_int_not_equal(a, ip("192.0.2.11"));
	}
	assert_false(pool_alloc(p, OWNER(20), &a));
	/* A dynamic address cannot be reserved while held. */
	assert_false(pool_reserve(p, ip("192.0.2.21"), OWNER(3)));
	/* Released, the static address goes back into the pool's rotation. */
	assert_true(pool_release(p, ip("192.0.2.11")));
	assert_true(pool_alloc(p, OWNER(21), &a));
	assert_int_equal(a, ip("192.0.2.11"));
	/* Reserve the head and the tail of the free list. */
	assert_true(pool_release(p, ip("192.0.2.10")));
	assert_true(pool_release(p, ip("192.0.2.12")));
	assert_true(pool_release(p, ip("192.0.2.20")));
	assert_true(pool_reserve(p, ip("192.0.2.10"), OWNER(4)));
	assert_true(pool_reserve(p, ip("192.0.2.20"), OWNER(5)));
	assert_true(pool_alloc(p, OWNER(22), &a));
	assert_int_equal(a, ip("192.0.2.12"));
	assert_false(pool_alloc(p, OWNER(23), &a));
	pool_free(p);
	config_free(cfg);
}

static void reserve_outside_pool(void **state)
{
	(void)state;
	struct config *cfg = load(TWO_RANGES);
	struct pool *p = pool_new(cfg);
	assert_false(pool_contains(p, ip("203.0.113.5")));
	assert_true(pool_reserve(p, ip("203.0.113.5"), OWNER(1)));
	assert_false(pool_reserve(p, ip("203.0.113.5"), OWNER(2)));
	assert_ptr_equal(pool_lookup(p, ip("203.0.113.5")), OWNER(1));
	assert_null(pool_lookup(p, ip("203.0.113.6")));
	assert_false(pool_reserve(p, 0, OWNER(3)));
	assert_false(pool_reserve(p, UINT32_MAX, OWNER(3)));
	assert_false(pool_reserve(p, ip("203.0.113.9"), NULL));
	struct pool_stats st = pool_stats(p);
	assert_int_equal(st.outside, 1);
	assert_int_equal(st.in_use, 0);
	/* The pool itself is unaffected. */
	uint32_t a;
	for (int i = 0; i < 5; i++)
		assert_true(pool_alloc(p, OWNER(10 + i), &a));
	assert_true(pool_release(p, ip("203.0.113.5")));
	assert_null(pool_lookup(p, ip("203.0.113.5")));
	assert_false(pool_release(p, ip("203.0.113.5")));
	assert_int_equal(pool_stats(p).outside, 0);
	pool_free(p);
	config_free(cfg);
}

/* Many static addresses outside the pool: growth, colliding probes and
 * removal from the middle of probe runs keep every lookup right. */
static void many_outside_addresses(void **state)
{
	(void)state;
	struct config *cfg = load(TWO_RANGES);
	struct pool *p = pool_new(cfg);
	enum { N = 500 };
	static char own[N];
	/* Addresses 256 apart collide often in a small table. */
	for (uint32_t i = 0; i < N; i++)
		assert_true(pool_reserve(p, ip("10.0.0.1") + i * 256, &own[i]));
	assert_int_equal(pool_stats(p).outside, N);
	for (uint32_t i = 0; i < N; i += 3)
		assert_true(pool_release(p, ip("10.0.0.1") + i * 256));
	for (uint32_t i = 0; i < N; i++) {
		void *o = pool_lookup(p, ip("10.0.0.1") + i * 256);
		if (i % 3 == 0)
			assert_null(o);
		else
			assert_ptr_equal(o, &own[i]);
	}
	for (uint32_t i = 0; i < N; i += 3)
		assert_true(pool_reserve(p, ip("10.0.0.1") + i * 256, &own[i]));
	for (uint32_t i = 0; i < N; i++)
		assert_ptr_equal(pool_lookup(p, ip("10.0.0.1") + i * 256), &own[i]);
	for (uint32_t i = 0; i < N; i++)
		assert_true(pool_release(p, ip("10.0.0.1") + i * 256));
	assert_int_equal(pool_stats(p).outside, 0);
	assert_int_equal(pool_stats(p).bad_release, 0);
	pool_free(p);
	config_free(cfg);
}

static void lookup_free_and_unknown(void **state)
{
	(void)state;
	struct config *cfg = load(TWO_RANGES);
	struct pool *p = pool_new(cfg);
	assert_null(pool_lookup(p, ip("192.0.2.10")));
	assert_null(pool_lookup(p, ip("192.0.2.13"))); /* between the ranges */
	assert_false(pool_contains(p, ip("192.0.2.13")));
	assert_null(pool_lookup(p, 0));
	assert_false(pool_release(p, ip("192.0.2.13")));
	pool_free(p);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(allocates_every_address_then_exhausts),
		cmocka_unit_test(release_reuses_least_recently_used),
		cmocka_unit_test(fresh_pool_hands_out_never_used_before_reused),
		cmocka_unit_test(double_release_harmless_and_counted),
		cmocka_unit_test(reserve_inside_pool),
		cmocka_unit_test(reserve_outside_pool),
		cmocka_unit_test(many_outside_addresses),
		cmocka_unit_test(lookup_free_and_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
