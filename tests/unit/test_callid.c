/*
 * The server's call-ID allocator (server_callid_alloc): random IDs, never 0,
 * never one in use, a released ID kept out for SERVER_CALLID_QUARANTINE
 * releases, and every free ID found when the table is nearly full.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "server/server.h"

/* The allocator stores the pointer only: any distinct address will do. */
static char calls[SERVER_CALLIDS];
#define CALL(i) ((struct call *)(void *)&calls[(i)])

static struct server *new_server(void)
{
	struct server *srv = calloc(1, sizeof(*srv));
	assert_non_null(srv);
	return srv;
}

static void random_unique_not_sequential(void **state)
{
	(void)state;
	struct server *srv = new_server();
	enum { N = 4000 };
	static uint16_t ids[N];
	unsigned plus_one = 0;

	for (unsigned i = 0; i < N; i++) {
		ids[i] = server_callid_alloc(srv, CALL(i));
		assert_int_not_equal(ids[i], 0);
		assert_ptr_equal(server_call_by_id(srv, ids[i]), CALL(i));
		if (i && ids[i] == (uint16_t)(ids[i - 1] + 1))
			plus_one++;
	}
	/* no duplicates among live IDs: each still maps to its own call */
	for (unsigned i = 0; i < N; i++)
		assert_ptr_equal(server_call_by_id(srv, ids[i]), CALL(i));
	/* a +1 sequence would give N - 1; random IDs about N / 65535 */
	assert_true(plus_one < 5);
	/* and the first IDs are not 1, 2, 3 ... */
	assert_false(ids[0] == 1 && ids[1] == 2);
	free(srv);
}

static void released_id_quarantined(void **state)
{
	(void)state;
	struct server *srv = new_server();
	uint16_t first = server_callid_alloc(srv, CALL(0));

	server_callid_release(srv, first);
	assert_null(server_call_by_id(srv, first));
	/* churn: alloc and release one call at a time, as a flood would */
	for (unsigned i = 1; i < SERVER_CALLID_QUARANTINE; i++) {
		uint16_t id = server_callid_alloc(srv, CALL(i));
		assert_int_not_equal(id, first);
		server_callid_release(srv, id);
	}
	free(srv);
}

static void full_table(void **state)
{
	(void)state;
	struct server *srv = new_server();
	unsigned n = 0;

	/* some released IDs sit in the quarantine */
	for (unsigned i = 0; i < 100; i++)
		server_callid_release(srv, server_callid_alloc(srv, CALL(0)));
	for (;;) {
		uint16_t id = server_callid_alloc(srv, CALL(1));
		if (!id)
			break;
		n++;
		assert_true(n < SERVER_CALLIDS);
	}
	/* every ID but 0 and the 100 quarantined ones was found */
	assert_int_equal(n, SERVER_CALLIDS - 1 - 100);
	free(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_unique_not_sequential),
		cmocka_unit_test(released_id_quarantined),
		cmocka_unit_test(full_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
