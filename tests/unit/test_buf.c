#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/buf.h"

static void reads_within_bounds(void **state)
{
	(void)state;
	const uint8_t data[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07 };
	struct rbuf r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	rbuf_init(&r, data, sizeof(data));
	assert_true(rbuf_u8(&r, &u8));
	assert_int_equal(u8, 0x01);
	assert_true(rbuf_be16(&r, &u16));
	assert_int_equal(u16, 0x0203);
	assert_true(rbuf_be32(&r, &u32));
	assert_int_equal(u32, 0x04050607);
	assert_int_equal(rbuf_left(&r), 0);
	assert_true(rbuf_ok(&r));
}

static void short_read_fails_and_sticks(void **state)
{
	(void)state;
	const uint8_t data[] = { 0xAA, 0xBB, 0xCC };
	struct rbuf r;
	uint32_t u32 = 0x12345678;
	uint8_t u8 = 0x55;
	rbuf_init(&r, data, sizeof(data));
	assert_false(rbuf_be32(&r, &u32));
	assert_int_equal(u32, 0x12345678); /* untouched */
	/* sticky: even a read that would fit now fails */
	assert_false(rbuf_u8(&r, &u8));
	assert_int_equal(u8, 0x55);
	assert_false(rbuf_ok(&r));
	assert_int_equal(rbuf_left(&r), 0);
}

static void take_skip_sub_and_peek(void **state)
{
	(void)state;
	const uint8_t data[] = { 1, 2, 3, 4, 5, 6 };
	struct rbuf r, sub;
	uint8_t v;
	uint16_t v16;
	rbuf_init(&r, data, sizeof(data));
	assert_true(rbuf_peek_be16(&r, 4, &v16));
	assert_int_equal(v16, 0x0506);
	assert_false(rbuf_peek_be16(&r, 5, &v16));
	assert_false(rbuf_peek_u8(&r, 6, &v));
	assert_true(rbuf_skip(&r, 1));
	assert_true(rbuf_sub(&r, 3, &sub));
	assert_int_equal(rbuf_left(&sub), 3);
	assert_true(rbuf_u8(&sub, &v));
	assert_int_equal(v, 2);
	assert_false(rbuf_skip(&sub, 3));
	const uint8_t *p = rbuf_take(&r, 2);
	assert_non_null(p);
	assert_int_equal(p[0], 5);
	assert_null(rbuf_take(&r, 1));
	struct rbuf r2;
	rbuf_init(&r2, data, 2);
	assert_false(rbuf_sub(&r2, 3, &sub));
	assert_false(rbuf_ok(&sub));
}

static void writes_and_overflow(void **state)
{
	(void)state;
	uint8_t out[7];
	struct wbuf w;
	wbuf_init(&w, out, sizeof(out));
	assert_true(wbuf_u8(&w, 0x11));
	assert_true(wbuf_be16(&w, 0x2233));
	assert_true(wbuf_be32(&w, 0x44556677));
	assert_int_equal(w.len, 7);
	const uint8_t want[] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77 };
	assert_memory_equal(out, want, 7);
	assert_false(wbuf_u8(&w, 0x88));
	assert_false(wbuf_ok(&w));
	assert_int_equal(w.len, 7);

	wbuf_init(&w, out, sizeof(out));
	assert_true(wbuf_be16(&w, 0));
	assert_true(wbuf_zero(&w, 2));
	assert_true(wbuf_put_be16_at(&w, 0, 0xBEEF));
	assert_false(wbuf_put_be16_at(&w, 3, 1)); /* beyond what was written */
	assert_int_equal(out[0], 0xBE);
	assert_int_equal(out[1], 0xEF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_within_bounds),
		cmocka_unit_test(short_read_fails_and_sticks),
		cmocka_unit_test(take_skip_sub_and_peek),
		cmocka_unit_test(writes_and_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
