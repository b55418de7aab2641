#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/serial.h"

static void seq_diff_basic(void **state)
{
	(void)state;
	assert_int_equal(seq_diff(5, 3), 2);
	assert_int_equal(seq_diff(3, 5), -2);
	assert_int_equal(seq_diff(7, 7), 0);
	assert_int_equal(seq_diff(0x7FFFFFFFu, 0), INT32_MAX);
	assert_int_equal(seq_diff(0, 0x7FFFFFFFu), -INT32_MAX);
	/* exactly half the space apart: both orders give INT32_MIN */
	assert_int_equal(seq_diff(0x80000000u, 0), INT32_MIN);
	assert_int_equal(seq_diff(0, 0x80000000u), INT32_MIN);
	assert_int_equal(seq_diff(0x80000001u, 0), -INT32_MAX);
}

static void seq_wraps_at_32_bits(void **state)
{
	(void)state;
	/* 0xFFFFFFFF -> 0 is one step forward */
	assert_int_equal(seq_diff(0, 0xFFFFFFFFu), 1);
	assert_int_equal(seq_diff(0xFFFFFFFFu, 0), -1);
	assert_int_equal(seq_diff(5, 0xFFFFFFFBu), 10);
	assert_true(seq_lt(0xFFFFFFFFu, 0));
	assert_true(seq_le(0xFFFFFFFFu, 0));
	assert_true(seq_gt(0, 0xFFFFFFFFu));
	assert_true(seq_ge(0, 0xFFFFFFFFu));
	assert_false(seq_gt(0xFFFFFFFFu, 0));
	assert_false(seq_lt(0, 0xFFFFFFFFu));
	assert_true(seq_lt(0xFFFFFFF0u, 0x10));
	assert_true(seq_gt(0x10, 0xFFFFFFF0u));
	/* equal values */
	assert_true(seq_le(0xFFFFFFFFu, 0xFFFFFFFFu));
	assert_true(seq_ge(0, 0));
	assert_false(seq_lt(0, 0));
	assert_false(seq_gt(0, 0));
	/* ordinary order away from the wrap */
	assert_true(seq_lt(1, 2));
	assert_false(seq_lt(2, 1));
	/* just under half the space still orders forwards */
	assert_true(seq_lt(0, 0x7FFFFFFFu));
	assert_true(seq_gt(0, 0x80000001u));
}

static void cc_wraps_at_12_bits(void **state)
{
	(void)state;
	assert_int_equal(cc_next(0x0FFF), 0);
	assert_int_equal(cc_next(0x0FFE), 0x0FFF);
	assert_int_equal(cc_add(0x0FF0, 0x20), 0x010);
	assert_int_equal(cc_add(5, 4096), 5);
	assert_int_equal(cc_diff(0, 0x0FFF), 1);
	assert_int_equal(cc_diff(0x0FFF, 0), 0x0FFF);
	assert_int_equal(cc_diff(10, 3), 7);
	assert_int_equal(cc_diff(3, 3), 0);
	assert_int_equal(cc_diff(0x005, 0xFFB), 10);
	/* stray high bits are ignored */
	assert_int_equal(cc_diff(0xF005, 0x0FFB), 10);
	assert_int_equal(cc_sdiff(0, 0x0FFF), 1);
	assert_int_equal(cc_sdiff(0x0FFF, 0), -1);
	assert_int_equal(cc_sdiff(2047, 0), 2047);
	assert_int_equal(cc_sdiff(2048, 0), -2048);
	assert_int_equal(cc_sdiff(0, 2049), 2047);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seq_diff_basic),
		cmocka_unit_test(seq_wraps_at_32_bits),
		cmocka_unit_test(cc_wraps_at_12_bits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
