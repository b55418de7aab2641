/*
 * The server's call-ID allocator (server_callid_alloc): random IDs, never 0,
 * never one in use, a released ID kept out for SERVER_CALLID_QUARANTINE
 * releases, and every free ID found when the table is nearly full; with W
 * workers each worker's IDs carry its number in their low bits.
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

/* W = 2 and 4: every ID of worker k has (id & (W - 1)) == k, live IDs are
 * unique across all workers, and the IDs are still random above the bits. */
static void worker_bits(void **state)
{
	(void)state;
	static const unsigned ws[] = {2, 4};
	for (unsigned wi = 0; wi < 2; wi++) {
		unsigned w = ws[wi];
		struct server *srv = new_server();
		enum { PER = 1500 };
		static uint16_t owner[SERVER_CALLIDS];
		memset(owner, 0, sizeof(owner));
		assert_true(server_callid_set_workers(srv, w));
		for (unsigned i = 0; i < PER * w; i++) {
			unsigned k = i % w;
			uint16_t id = server_callid_alloc_for(srv, CALL(i), k);
			assert_int_not_equal(id, 0);
			assert_int_equal(id & (w - 1), k);
			assert_int_equal(owner[id], 0);	/* not live already */
			owner[id] = (uint16_t)(k + 1);
			assert_ptr_equal(server_call_by_id(srv, id), CALL(i));
		}
		/* server_callid_alloc is worker 0's */
		uint16_t id = server_callid_alloc(srv, CALL(PER * w));
		assert_int_equal(id & (w - 1), 0);
		assert_int_equal(owner[id], 0);
		/* no such worker */
		assert_int_equal(server_callid_alloc_for(srv, CALL(0), w), 0);
		free(srv);
	}
}

static void worker_count_checked(void **state)
{
	(void)state;
	struct server *srv = new_server();
	assert_false(server_callid_set_workers(srv, 0));
	assert_false(server_callid_set_workers(srv, 3));
	assert_false(server_callid_set_workers(srv, 6));
	assert_false(server_callid_set_workers(srv, SERVER_WORKERS_MAX * 2));
	assert_true(server_callid_set_workers(srv, 1));
	assert_true(server_callid_set_workers(srv, SERVER_WORKERS_MAX));
	/* not while a call is live */
	uint16_t id = server_callid_alloc(srv, CALL(0));
	assert_false(server_callid_set_workers(srv, 2));
	uint16_t id5 = server_callid_alloc_for(srv, CALL(1), 5);
	assert_int_equal(id5 & (SERVER_WORKERS_MAX - 1), 5);
	server_callid_release(srv, id);
	assert_false(server_callid_set_workers(srv, 2));
	server_callid_release(srv, id5);
	assert_true(server_callid_set_workers(srv, 2));
	free(srv);
}

/* The quarantine holds for a worker's IDs too: a released ID of worker 1
 * does not come back within the next SERVER_CALLID_QUARANTINE releases
 * (made by the calls of both workers). */
static void worker_quarantine(void **state)
{
	(void)state;
	struct server *srv = new_server();
	assert_true(server_callid_set_workers(srv, 2));
	uint16_t first = server_callid_alloc_for(srv, CALL(0), 1);
	assert_int_equal(first & 1, 1);
	server_callid_release(srv, first);
	for (unsigned i = 1; i < SERVER_CALLID_QUARANTINE; i++) {
		uint16_t id = server_callid_alloc_for(srv, CALL(i), i % 2);
		assert_int_not_equal(id, first);
		assert_int_equal(id & 1, i % 2);
		server_callid_release(srv, id);
	}
	free(srv);
}

/* W = 4: worker 2's share (16384 IDs) runs out, quarantined ones not
 * counted; it gets 0, never another worker's ID, and the other workers
 * still get theirs. */
static void worker_share_runs_out(void **state)
{
	(void)state;
	struct server *srv = new_server();
	unsigned n = 0, quarantined = 0;
	assert_true(server_callid_set_workers(srv, 4));
	/* 100 released IDs, of workers 2 and 3, sit in the quarantine */
	for (unsigned i = 0; i < 100; i++) {
		unsigned k = 2 + i % 2;
		server_callid_release(srv, server_callid_alloc_for(srv, CALL(0), k));
		quarantined += k == 2;
	}
	for (;;) {
		uint16_t id = server_callid_alloc_for(srv, CALL(1), 2);
		if (!id)
			break;
		assert_int_equal(id & 3, 2);
		n++;
		assert_true(n <= SERVER_CALLIDS / 4);
	}
	assert_int_equal(n, SERVER_CALLIDS / 4 - quarantined);
	assert_int_equal(server_callid_alloc_for(srv, CALL(1), 2), 0);
	for (unsigned k = 0; k < 4; k++) {
		if (k == 2)
			continue;
		uint16_t id = server_callid_alloc_for(srv, CALL(2), k);
		assert_int_not_equal(id, 0);
		assert_int_equal(id & 3, k);
	}
	free(srv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_unique_not_sequential),
		cmocka_unit_test(released_id_quarantined),
		cmocka_unit_test(full_table),
		cmocka_unit_test(worker_bits),
		cmocka_unit_test(worker_count_checked),
		cmocka_unit_test(worker_quarantine),
		cmocka_unit_test(worker_share_runs_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
