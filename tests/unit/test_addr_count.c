/*
 * addr_count: counts per address as a plain array would keep them, through
 * growth and deletions (backward shift), with addresses of one subnet
 * (neighbouring keys) and refused decrements.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "common/addr_count.h"

static void basics(void **state)
{
	(void)state;
	struct addr_count ac = { 0 };
	uint32_t a = htonl(0xC6336402), b = htonl(0xC6336403);

	assert_int_equal(addr_count_conns(&ac, a), 0);
	assert_true(addr_count_add(&ac, a, 1, 0));
	assert_true(addr_count_add(&ac, a, 0, 1));
	assert_true(addr_count_add(&ac, a, 0, 1));
	assert_true(addr_count_add(&ac, b, 1, 0));
	assert_int_equal(addr_count_conns(&ac, a), 1);
	assert_int_equal(addr_count_calls(&ac, a), 2);
	assert_int_equal(addr_count_conns(&ac, b), 1);
	assert_int_equal(addr_count_calls(&ac, b), 0);
	assert_int_equal(addr_count_addresses(&ac), 2);
	/* below zero: refused, nothing changes */
	assert_false(addr_count_add(&ac, b, 0, -1));
	assert_false(addr_count_add(&ac, htonl(0x0A000001), -1, 0));
	assert_int_equal(addr_count_addresses(&ac), 2);
	/* the address leaves once both counts are 0 */
	assert_true(addr_count_add(&ac, a, -1, 0));
	assert_int_equal(addr_count_addresses(&ac), 2);
	assert_true(addr_count_add(&ac, a, 0, -1));
	assert_true(addr_count_add(&ac, a, 0, -1));
	assert_int_equal(addr_count_addresses(&ac), 1);
	assert_int_equal(addr_count_calls(&ac, a), 0);
	assert_int_equal(addr_count_conns(&ac, b), 1);
	addr_count_free(&ac);
	assert_int_equal(addr_count_addresses(&ac), 0);
}

/* Random adds and removes over 3,000 addresses (two /22s and scattered
 * ones) against an array; every count checked after every step block. */
#define N_ADDR 3000
static void against_a_model(void **state)
{
	(void)state;
	struct addr_count ac = { 0 };
	static uint32_t addr[N_ADDR], conns[N_ADDR], calls[N_ADDR];
	uint32_t live = 0;
	unsigned seed = 12345;

	for (uint32_t i = 0; i < N_ADDR; i++)
		addr[i] = i < 2000 ? htonl(0xC6330000 + i) : htonl(0x0A000000 + i * 7919);
	for (int step = 0; step < 200000; step++) {
		seed = seed * 1103515245u + 12345u;
		uint32_t i = (seed >> 8) % N_ADDR;
		bool up = step <= 150000 && ((seed >> 4) & 3) != 0; /* then drain */
		bool conn = (seed >> 2) & 1;
		uint32_t *c = conn ? &conns[i] : &calls[i];
		bool was = conns[i] || calls[i];
		if (up) {
			assert_true(addr_count_add(&ac, addr[i], conn, !conn));
			(*c)++;
		} else if (*c) {
			assert_true(addr_count_add(&ac, addr[i], -(int)conn, -(int)!conn));
			(*c)--;
		} else {
			assert_false(addr_count_add(&ac, addr[i], -(int)conn, -(int)!conn));
		}
		live += (conns[i] || calls[i]) - was;
		if (step % 5000 == 0 || step > 199000) {
			assert_int_equal(addr_count_addresses(&ac), live);
			for (uint32_t k = 0; k < N_ADDR; k++) {
				assert_int_equal(addr_count_conns(&ac, addr[k]), conns[k]);
				assert_int_equal(addr_count_calls(&ac, addr[k]), calls[k]);
			}
		}
	}
	/* empty it whole: every address leaves */
	for (uint32_t k = 0; k < N_ADDR; k++) {
		while (conns[k]--)
			assert_true(addr_count_add(&ac, addr[k], -1, 0));
		while (calls[k]--)
			assert_true(addr_count_add(&ac, addr[k], 0, -1));
	}
	assert_int_equal(addr_count_addresses(&ac), 0);
	for (uint32_t k = 0; k < ac.cap; k++)
		assert_true(ac.e[k].conns == 0 && ac.e[k].calls == 0);
	addr_count_free(&ac);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(basics),
		cmocka_unit_test(against_a_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
