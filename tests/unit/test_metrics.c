/*
 * The metrics endpoint's HTTP request parser (server/metrics.c): where a
 * head ends and what each request line is answered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/metrics.h"

static size_t end_of(const char *s)
{
	return metrics_http_head_end((const uint8_t *)s, strlen(s));
}

static int status_of(const char *s)
{
	return metrics_http_status((const uint8_t *)s, strlen(s));
}

static void head_end(void **state)
{
	(void)state;
	assert_int_equal(end_of(""), 0);
	assert_int_equal(end_of("GET /metrics HTTP/1.1\r\nHost: x\r\n"), 0);
	assert_int_equal(end_of("GET /metrics HTTP/1.1\r\n\r\n"), 25);
	assert_int_equal(end_of("GET /metrics HTTP/1.0\n\n"), 23);
	assert_int_equal(end_of("GET / HTTP/1.1\r\nA: b\r\n\r\nbody"), 24);
	assert_int_equal(end_of("\r\n\r"), 0);
}

static void statuses(void **state)
{
	(void)state;
	assert_int_equal(status_of("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
	assert_int_equal(status_of("GET /metrics HTTP/1.0\n\n"), 200);
	assert_int_equal(status_of("GET /metrics?name[]=x HTTP/1.1\r\n\r\n"), 200);
	assert_int_equal(status_of("GET /metricsx HTTP/1.1\r\n\r\n"), 404);
	assert_int_equal(status_of("GET / HTTP/1.1\r\n\r\n"), 404);
	assert_int_equal(status_of("GET /admin HTTP/1.1\r\n\r\n"), 404);
	assert_int_equal(status_of("POST /metrics HTTP/1.1\r\n\r\n"), 405);
	assert_int_equal(status_of("HEAD /metrics HTTP/1.1\r\n\r\n"), 405);
	assert_int_equal(status_of("get /metrics HTTP/1.1\r\n\r\n"), 405);
	/* Garbage: 400. */
	assert_int_equal(status_of("GET /metrics HTTP/2.0\r\n\r\n"), 400);
	assert_int_equal(status_of("GET /metrics\r\n\r\n"), 400);
	assert_int_equal(status_of("GET  /metrics HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(status_of("GET metrics HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(status_of("G(T /metrics HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(status_of("\x16\x03\x01 /metrics HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(status_of("GET /met\x01rics HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(status_of("GET /metrics HTTP/1.1 \r\n\r\n"), 400);
	assert_int_equal(status_of("VERYLONGMETHODNAME123 /metrics HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(status_of(""), 400);
	assert_int_equal(status_of("GET"), 400);
	/* A target longer than 2048 bytes: 400. */
	static char big[2200];
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', 2100);
	memcpy(big + 2105, " HTTP/1.1\r\n\r\n", 14);
	assert_int_equal(status_of(big), 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(head_end),
		cmocka_unit_test(statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
