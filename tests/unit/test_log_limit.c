/*
 * log_limit: one line per key per interval, the held-back count on the next
 * line, keys independent, a full table never silences a new key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "common/log_limit.h"

static void once_per_interval(void **state)
{
	(void)state;
	static struct log_limit l;
	uint64_t sup = 99;

	log_limit_init(&l, 60000);
	assert_true(log_limit_due(&l, 0xC6336402, 1000, &sup));
	assert_int_equal(sup, 0);
	for (int i = 0; i < 500; i++)
		assert_false(log_limit_due(&l, 0xC6336402, 1000 + (uint64_t)i * 100, &sup));
	/* another key is independent */
	assert_true(log_limit_due(&l, 0xC6336403, 2000, &sup));
	assert_false(log_limit_due(&l, 0xC6336403, 2001, NULL));
	/* the interval over: logged again with the count held back */
	assert_false(log_limit_due(&l, 0xC6336402, 60999, &sup));
	assert_true(log_limit_due(&l, 0xC6336402, 61000, &sup));
	assert_int_equal(sup, 501);
	assert_false(log_limit_due(&l, 0xC6336402, 61001, &sup));
}

static void many_keys(void **state)
{
	(void)state;
	static struct log_limit l;
	unsigned logged = 0;

	log_limit_init(&l, 60000);
	/* more keys than slots: each new key is logged once at least */
	for (uint32_t k = 0; k < 4 * LOG_LIMIT_SLOTS; k++)
		logged += log_limit_due(&l, 0xC6336400 + k, 10, NULL);
	assert_int_equal(logged, 4 * LOG_LIMIT_SLOTS);
	/* the latest keys are remembered: a repeat is not logged */
	assert_false(log_limit_due(&l, 0xC6336400 + 4 * LOG_LIMIT_SLOTS - 1, 11, NULL));
	/* repeats of one key among them cost no line */
	logged = 0;
	for (int i = 0; i < 1000; i++)
		logged += log_limit_due(&l, 0x0A000001, 20 + (uint64_t)i, NULL);
	assert_int_equal(logged, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(once_per_interval),
		cmocka_unit_test(many_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
