#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "server/pool6.h"

static struct config_ipv6_prefix prefix(const char *addr, unsigned len)
{
	struct config_ipv6_prefix p = { .len = len };
	assert_int_equal(inet_pton(AF_INET6, addr, &p.addr), 1);
	return p;
}

static void addr(const char *s, uint8_t out[16])
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

/* A /56 holds 256 /64s: each handed out once, in order, then none. */
static void alloc_all(void **state)
{
	(void)state;
	struct config_ipv6_prefix cp = prefix("2001:db8:100::", 56);
	struct pool6 *p = pool6_new(&cp);
	assert_non_null(p);
	assert_int_equal(pool6_stats(p).size, 256);
	static int owners[256];
	uint8_t got[16], want[16];
	for (int i = 0; i < 256; i++) {
		assert_true(pool6_alloc(p, &owners[i], got));
		char s[64];
		snprintf(s, sizeof(s), "2001:db8:100:%x::", i);
		addr(s, want);
		assert_memory_equal(got, want, 16);
	}
	assert_int_equal(pool6_stats(p).in_use, 256);
	assert_false(pool6_alloc(p, &owners[0], got));
	assert_int_equal(pool6_stats(p).exhausted, 1);
	/* One given back is the one taken next. */
	addr("2001:db8:100:2a::", want);
	assert_true(pool6_release(p, want));
	assert_true(pool6_alloc(p, &owners[42], got));
	assert_memory_equal(got, want, 16);
	pool6_free(p);
}

/* The lookup: any address inside a held /64 finds its owner; outside the
 * prefix, or a free /64, nobody. */
static void lookup(void **state)
{
	(void)state;
	struct config_ipv6_prefix cp = prefix("2001:db8:100::", 56);
	struct pool6 *p = pool6_new(&cp);
	int a, b;
	uint8_t pa[16], pb[16], x[16];
	assert_true(pool6_alloc(p, &a, pa));
	assert_true(pool6_alloc(p, &b, pb));
	addr("2001:db8:100:0:1234:5678:9abc:def0", x);
	assert_ptr_equal(pool6_lookup(p, x), &a);
	addr("2001:db8:100:1::1", x);
	assert_ptr_equal(pool6_lookup(p, x), &b);
	addr("2001:db8:100:2::1", x);   /* free */
	assert_null(pool6_lookup(p, x));
	addr("2001:db8:101::1", x);     /* past the /56 */
	assert_null(pool6_lookup(p, x));
	addr("2001:db8:ff::1", x);      /* before it */
	assert_null(pool6_lookup(p, x));
	assert_true(pool6_release(p, pa));
	addr("2001:db8:100::1", x);
	assert_null(pool6_lookup(p, x));
	/* Releasing twice, or outside: counted, harmless. */
	assert_false(pool6_release(p, pa));
	addr("2001:db8:200::", x);
	assert_false(pool6_release(p, x));
	assert_int_equal(pool6_stats(p).bad_release, 2);
	/* A given /64: taken only while free and inside. */
	assert_true(pool6_take(p, pa, &a));
	assert_ptr_equal(pool6_lookup(p, pa), &a);
	assert_false(pool6_take(p, pa, &b));
	assert_false(pool6_take(p, x, &b));
	assert_false(pool6_take(p, pb, &a)); /* b holds it */
	assert_null(pool6_lookup(NULL, x));
	/* Contains: held or not, inside the /56 only. */
	addr("2001:db8:100:ff::1", x);
	assert_true(pool6_contains(p, x));
	addr("2001:db8:101::", x);
	assert_false(pool6_contains(p, x));
	assert_true(pool6_contains(p, pa));
	assert_false(pool6_contains(NULL, pa));
	pool6_free(p);
}

/* A short prefix is bounded to POOL6_MAX /64s; a /64 holds one. */
static void bounds(void **state)
{
	(void)state;
	struct config_ipv6_prefix cp = prefix("2001:db8::", 32);
	struct pool6 *p = pool6_new(&cp);
	assert_non_null(p);
	assert_int_equal(pool6_stats(p).size, POOL6_MAX);
	uint8_t x[16];
	int o;
	addr("2001:db8:f:ffff::1", x);  /* index 2^20 - 1: tracked */
	assert_null(pool6_lookup(p, x));
	addr("2001:db8:10::1", x);      /* index 2^20: beyond what is tracked */
	assert_null(pool6_lookup(p, x));
	pool6_free(p);

	cp = prefix("2001:db8:1:2::", 64);
	p = pool6_new(&cp);
	assert_int_equal(pool6_stats(p).size, 1);
	assert_true(pool6_alloc(p, &o, x));
	assert_false(pool6_alloc(p, &o, x));
	assert_false(pool6_alloc(p, NULL, x));
	pool6_free(p);

	cp.len = 0;
	assert_null(pool6_new(&cp));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(alloc_all),
		cmocka_unit_test(lookup),
		cmocka_unit_test(bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
