#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/support/temp_store.h"
#include "auth/acct_spool.h"

/* The shared fixture names its file users.db; here that file is the spool. */
struct fixture {
	struct temp_store ts;
	char err[512];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (!temp_store_make(&f->ts, "test_acct_spool"))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	temp_store_remove(&f->ts);
	free(f);
	return 0;
}

static struct acct_spool *open_q(struct fixture *f, size_t queue_max)
{
	struct acct_spool_config cfg = {
		.path = f->ts.path, .queue_max = queue_max, .lock_wait_ms = 20,
	};
	struct acct_spool *sp = acct_spool_open_ex(&cfg, f->err, sizeof(f->err));
	if (!sp)
		print_error("open: %s\n", f->err);
	assert_non_null(sp);
	return sp;
}

static struct acct_spool *open_ok(struct fixture *f)
{
	return open_q(f, 0);
}

/* Open must fail with a reason containing want (and naming the path). */
static void open_fails(struct fixture *f, const char *path, const char *want)
{
	struct acct_spool_config cfg = { .path = path, .lock_wait_ms = 20 };
	struct acct_spool *sp = acct_spool_open_ex(&cfg, f->err, sizeof(f->err));
	if (sp || !strstr(f->err, want))
		print_error("open %s: want failure with \"%s\", got %s \"%s\"\n", path, want,
			    sp ? "success" : "failure", f->err);
	assert_null(sp);
	assert_non_null(strstr(f->err, want));
	assert_non_null(strstr(f->err, path));
}

/* The bytes of record id: a length and a pattern that both depend on id. */
static size_t make_rec(uint64_t id, uint8_t *buf)
{
	size_t len = 1 + (size_t)(id * 37 % 400);
	if (id % 1000 == 7)
		len = ACCT_SPOOL_RECORD_MAX; /* now and then the largest allowed */
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(id * 7 + i * 13);
	return len;
}

static int64_t created_of(uint64_t id)
{
	if (id == 2)
		return -1;
	if (id == 3)
		return INT64_MAX;
	return 1700000000 + (int64_t)id;
}

static void put_ok(struct acct_spool *sp, uint64_t id)
{
	uint8_t buf[ACCT_SPOOL_RECORD_MAX];
	size_t len = make_rec(id, buf);
	assert_true(acct_spool_put(sp, id, created_of(id), buf, len));
}

/* What acct_spool_load() delivered. */
struct loaded {
	size_t n;
	uint64_t ids[64];
	size_t bad;     /* records whose bytes or time differ from make_rec/created_of */
	bool ordered;   /* ids strictly ascending */
	uint64_t last;
};

static void collect(void *ctx, uint64_t id, int64_t created, const void *rec, size_t len)
{
	struct loaded *l = ctx;
	uint8_t want[ACCT_SPOOL_RECORD_MAX];
	size_t wlen = make_rec(id, want);

	if (len != wlen || memcmp(rec, want, len) != 0 || created != created_of(id))
		l->bad++;
	if (l->n > 0 && id <= l->last)
		l->ordered = false;
	l->last = id;
	if (l->n < sizeof(l->ids) / sizeof(l->ids[0]))
		l->ids[l->n] = id;
	l->n++;
}

/* Reopen and load: the stored ids must be exactly want[0..n), in order. */
static void expect_stored(struct fixture *f, const uint64_t *want, size_t n)
{
	struct loaded l = { .ordered = true };
	struct acct_spool *sp = open_ok(f);
	long got = acct_spool_load(sp, collect, &l, f->err, sizeof(f->err));

	if (got < 0)
		print_error("load: %s\n", f->err);
	assert_int_equal(got, (long)n);
	assert_int_equal(l.n, n);
	assert_int_equal(l.bad, 0);
	assert_true(l.ordered);
	for (size_t i = 0; i < n && i < sizeof(l.ids) / sizeof(l.ids[0]); i++)
		assert_int_equal(l.ids[i], want[i]);
	assert_int_equal(acct_spool_max_id(sp), n ? want[n - 1] : 0);
	acct_spool_free(sp);
}

/* Every accepted operation is written, failed, cancelled or still pending. */
static void check_balance(struct acct_spool *sp, uint64_t accepted)
{
	struct acct_spool_stats st;
	acct_spool_stats(sp, &st);
	assert_int_equal(st.written + st.failed + st.cancelled + st.pending, accepted);
}

static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *h;
	char *msg = NULL;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
					 NULL), SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg ? msg : "?");
	sqlite3_close(h);
}

/* ---- tests ---------------------------------------------------------------- */

static void empty_spool_loads_nothing(void **state)
{
	struct fixture *f = *state;
	struct loaded l = { .ordered = true };
	struct acct_spool *sp = open_ok(f);

	assert_int_equal(acct_spool_max_id(sp), 0);
	assert_int_equal(acct_spool_load(sp, collect, &l, f->err, sizeof(f->err)), 0);
	assert_int_equal(l.n, 0);
	acct_spool_free(sp);
	/* And again once the file exists. */
	expect_stored(f, NULL, 0);
	acct_spool_free(NULL);
}

static void put_del_reopen_loads_remaining(void **state)
{
	struct fixture *f = *state;
	struct acct_spool_stats st;
	struct acct_spool *sp = open_ok(f);
	static const uint64_t left[] = { 1, 2, 3, 6, 1007 };

	for (uint64_t id = 1; id <= 6; id++)
		put_ok(sp, id);
	put_ok(sp, 1007); /* ACCT_SPOOL_RECORD_MAX bytes */
	put_ok(sp, 1008);
	acct_spool_flush(sp);
	assert_true(acct_spool_del(sp, 4));
	assert_true(acct_spool_del(sp, 5));
	assert_true(acct_spool_del(sp, 1008)); /* the highest: max_id is 1007 after */
	assert_true(acct_spool_del(sp, 999)); /* never stored: harmless */
	acct_spool_flush(sp);
	acct_spool_stats(sp, &st);
	assert_int_equal(st.written, 12);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.cancelled, 0);
	assert_false(acct_spool_error(sp, f->err, sizeof(f->err)));
	acct_spool_free(sp);

	expect_stored(f, left, sizeof(left) / sizeof(left[0]));
}

static void put_survives_restart(void **state)
{
	struct fixture *f = *state;
	struct acct_spool *sp = open_ok(f);
	static const uint64_t one[] = { 7 }, two[] = { 7, 8 }, three[] = { 7, 8, 9 };

	/* pptpd stops: close without an explicit flush still writes. */
	put_ok(sp, 7);
	acct_spool_free(sp);
	expect_stored(f, one, 1);

	/* Even when the worker is held, close writes what is queued. */
	sp = open_ok(f);
	acct_spool_pause(sp, true);
	put_ok(sp, 8);
	acct_spool_free(sp);
	expect_stored(f, two, 2);

	/* The restarted pptpd numbers after max_id and the old record stays. */
	sp = open_ok(f);
	assert_int_equal(acct_spool_max_id(sp), 8);
	put_ok(sp, acct_spool_max_id(sp) + 1);
	acct_spool_free(sp);
	expect_stored(f, three, 3);
}

static void many_records_written_then_deleted(void **state)
{
	struct fixture *f = *state;
	struct acct_spool_stats st;
	struct acct_spool *sp = open_ok(f);
	uint64_t left[10];

	for (uint64_t id = 1; id <= 10000; id++)
		put_ok(sp, id);
	acct_spool_flush(sp);
	acct_spool_stats(sp, &st);
	/* How many transactions depends on the worker's pace: see
	 * queued_put_and_del_cancel_out for a batch counted exactly. */
	assert_int_equal(st.written, 10000);
	assert_in_range(st.transactions, 1, 10000);
	for (uint64_t id = 1; id <= 10000; id++)
		if (id % 1000 != 500)
			assert_true(acct_spool_del(sp, id));
	acct_spool_flush(sp);
	acct_spool_stats(sp, &st);
	assert_int_equal(st.written, 19990);
	assert_int_equal(st.cancelled, 0);
	assert_int_equal(st.failed + st.dropped + st.pending, 0);
	acct_spool_free(sp);

	for (size_t i = 0; i < 10; i++)
		left[i] = 500 + 1000 * i;
	expect_stored(f, left, 10);
}

static void queued_put_and_del_cancel_out(void **state)
{
	struct fixture *f = *state;
	struct acct_spool_stats st;
	struct acct_spool *sp = open_ok(f);
	uint64_t left[10];

	acct_spool_pause(sp, true);
	for (uint64_t id = 1; id <= 10000; id++)
		put_ok(sp, id);
	for (uint64_t id = 1; id <= 10000; id++)
		if (id % 1000 != 1)
			assert_true(acct_spool_del(sp, id));
	acct_spool_stats(sp, &st);
	assert_int_equal(st.pending, 10);
	assert_int_equal(st.cancelled, 2 * 9990);
	assert_int_equal(st.written, 0);
	check_balance(sp, 19990);
	acct_spool_flush(sp);
	acct_spool_stats(sp, &st);
	/* Only the 10 survivors reach the disk, in one transaction. */
	assert_int_equal(st.written, 10);
	assert_int_equal(st.transactions, 1);
	assert_int_equal(st.pending, 0);
	check_balance(sp, 19990);

	/* A batch where everything cancelled out costs no transaction at all. */
	put_ok(sp, 20000);
	assert_true(acct_spool_del(sp, 20000));
	acct_spool_flush(sp);
	acct_spool_stats(sp, &st);
	assert_int_equal(st.transactions, 1);
	assert_int_equal(st.written, 10);
	acct_spool_free(sp);

	for (size_t i = 0; i < 10; i++)
		left[i] = 1 + 1000 * i;
	expect_stored(f, left, 10);
}

static void requeued_id_delete_reaches_disk(void **state)
{
	struct fixture *f = *state;
	struct acct_spool_stats st;
	struct acct_spool *sp = open_ok(f);

	/* Id 5 is on disk; a second put of 5 and a del are then queued together:
	 * the del must still reach the disk or the old record would come back. */
	put_ok(sp, 5);
	acct_spool_flush(sp);
	acct_spool_pause(sp, true);
	put_ok(sp, 5);
	assert_true(acct_spool_del(sp, 5));
	acct_spool_stats(sp, &st);
	assert_int_equal(st.cancelled, 1); /* the put only */
	assert_int_equal(st.pending, 1);   /* the del */
	acct_spool_free(sp);
	expect_stored(f, NULL, 0);

	/* The same after a restart: ids up to max_id may be on disk. */
	sp = open_ok(f);
	put_ok(sp, 3);
	acct_spool_free(sp);
	sp = open_ok(f);
	acct_spool_pause(sp, true);
	put_ok(sp, 2); /* below max_id 3: not known to be new */
	assert_true(acct_spool_del(sp, 2));
	assert_true(acct_spool_del(sp, 3));
	acct_spool_stats(sp, &st);
	assert_int_equal(st.pending, 2);
	acct_spool_free(sp);
	expect_stored(f, NULL, 0);
}

static void paused_calls_do_no_io(void **state)
{
	struct fixture *f = *state;
	struct acct_spool_stats st;
	struct acct_spool *sp = open_ok(f);

	acct_spool_pause(sp, true);
	for (uint64_t id = 1; id <= 100; id++)
		put_ok(sp, id);
	for (uint64_t id = 1; id <= 100; id += 2)
		assert_true(acct_spool_del(sp, id));
	assert_true(acct_spool_del(sp, 5000)); /* not queued: a real delete */
	/* Every call returned while the worker could not touch the file. */
	acct_spool_stats(sp, &st);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.transactions, 0);
	assert_int_equal(st.pending, 51);
	assert_int_equal(st.cancelled, 100);
	check_balance(sp, 151);

	acct_spool_pause(sp, false);
	acct_spool_flush(sp);
	acct_spool_stats(sp, &st);
	assert_int_equal(st.written, 51);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.transactions, 1);
	acct_spool_free(sp);

	uint64_t left[50];
	for (size_t i = 0; i < 50; i++)
		left[i] = 2 + 2 * i;
	expect_stored(f, left, 50);
}

static void queue_full_drops(void **state)
{
	struct fixture *f = *state;
	struct acct_spool_stats st;
	struct acct_spool *sp = open_q(f, 4);
	uint8_t buf[8] = { 1 };
	static const uint64_t left[] = { 1, 2, 4, 6 };

	acct_spool_pause(sp, true);
	for (uint64_t id = 1; id <= 4; id++)
		put_ok(sp, id);
	assert_false(acct_spool_put(sp, 5, 0, buf, sizeof(buf)));
	assert_false(acct_spool_del(sp, 100)); /* needs a slot too */
	acct_spool_stats(sp, &st);
	assert_int_equal(st.dropped, 2);
	assert_int_equal(st.pending, 4);
	assert_int_equal(st.written, 0);
	/* A del that cancels a queued put needs no slot. */
	assert_true(acct_spool_del(sp, 3));
	acct_spool_stats(sp, &st);
	assert_int_equal(st.pending, 3);
	assert_int_equal(st.cancelled, 2);
	assert_int_equal(st.dropped, 2);
	/* The cancelled put still holds its slot until the worker runs. */
	assert_false(acct_spool_put(sp, 6, 0, buf, sizeof(buf)));
	check_balance(sp, 5);

	acct_spool_flush(sp);
	acct_spool_stats(sp, &st);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.pending, 0);
	assert_int_equal(st.dropped, 3);
	put_ok(sp, 6); /* room again */
	acct_spool_free(sp);
	expect_stored(f, left, 4);
}

static void invalid_arguments_refused(void **state)
{
	struct fixture *f = *state;
	struct acct_spool_stats st;
	struct acct_spool *sp = open_ok(f);
	static uint8_t big[ACCT_SPOOL_RECORD_MAX + 1];

	assert_false(acct_spool_put(sp, 0, 0, big, 1));
	assert_false(acct_spool_put(sp, (uint64_t)INT64_MAX + 1, 0, big, 1));
	assert_false(acct_spool_put(sp, 1, 0, big, 0));
	assert_false(acct_spool_put(sp, 1, 0, NULL, 1));
	assert_false(acct_spool_put(sp, 1, 0, big, sizeof(big)));
	assert_false(acct_spool_del(sp, 0));
	assert_true(acct_spool_put(sp, INT64_MAX, 0, big, sizeof(big) - 1));
	acct_spool_flush(sp);
	acct_spool_stats(sp, &st);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.dropped + st.failed + st.pending, 0);
	acct_spool_free(sp);
	sp = open_ok(f);
	assert_int_equal(acct_spool_max_id(sp), (uint64_t)INT64_MAX);
	acct_spool_free(sp);
}

static void load_after_put_refused(void **state)
{
	struct fixture *f = *state;
	struct loaded l = { .ordered = true };
	struct acct_spool *sp = open_ok(f);

	put_ok(sp, 1);
	assert_int_equal(acct_spool_load(sp, collect, &l, f->err, sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, "before any put"));
	assert_int_equal(l.n, 0);
	acct_spool_free(sp);
}

static void created_file_is_0600(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	char wal[400];
	mode_t old = umask(0); /* the spool, not the umask, must give 0600 */
	struct acct_spool *sp = open_ok(f);

	put_ok(sp, 1);
	acct_spool_flush(sp);
	umask(old);
	assert_int_equal(stat(f->ts.path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	/* The WAL holds the records too: SQLite gives it the database's mode. */
	snprintf(wal, sizeof(wal), "%s-wal", f->ts.path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	acct_spool_free(sp);
}

static void missing_directory_fails(void **state)
{
	struct fixture *f = *state;
	char path[400];

	snprintf(path, sizeof(path), "%s/no-such-dir/acct.db", f->ts.dir);
	open_fails(f, path, "directory does not exist");
	/* A directory where the file should be. */
	open_fails(f, f->ts.dir, "not a regular file");
}

static void garbage_file_fails_untouched(void **state)
{
	struct fixture *f = *state;
	unsigned char junk[8192], after[sizeof(junk) + 1];
	int fd;

	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (unsigned char)(i * 151 + 7);
	fd = open(f->ts.path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	close(fd);

	open_fails(f, f->ts.path, "not a database");
	assert_int_equal(temp_store_slurp(f->ts.path, after, sizeof(after)), sizeof(junk));
	assert_memory_equal(after, junk, sizeof(junk));
}

static void newer_schema_fails(void **state)
{
	struct fixture *f = *state;

	acct_spool_free(open_ok(f));
	raw_exec(f->ts.path, "PRAGMA user_version = 99");
	open_fails(f, f->ts.path, "schema version 99 is newer than this program supports (1)");
}

static void foreign_database_fails(void **state)
{
	struct fixture *f = *state;

	raw_exec(f->ts.path, "CREATE TABLE users (id INTEGER PRIMARY KEY)");
	open_fails(f, f->ts.path, "not an accounting spool");
}

static void second_open_is_locked(void **state)
{
	struct fixture *f = *state;
	struct acct_spool *sp = open_ok(f);

	put_ok(sp, 1);
	acct_spool_flush(sp);
	/* In the same process too: a second connection cannot get in. */
	open_fails(f, f->ts.path, "locked by another process");
	acct_spool_free(sp);
	static const uint64_t one[] = { 1 };
	expect_stored(f, one, 1);
}

static void write_error_fails_the_spool(void **state)
{
	struct fixture *f = *state;
	struct acct_spool_stats st;
	struct acct_spool *sp;
	struct loaded l = { .ordered = true };
	uint8_t buf[4] = { 9 };
	static const uint64_t left[] = { 12 };

	/* A real SQLite error on insert of id 13, from a trigger put in by hand. */
	acct_spool_free(open_ok(f));
	raw_exec(f->ts.path, "CREATE TRIGGER fail13 BEFORE INSERT ON records "
		 "WHEN NEW.id = 13 BEGIN SELECT RAISE(ABORT, 'injected write failure'); END");

	sp = open_ok(f);
	put_ok(sp, 12);
	acct_spool_flush(sp);
	put_ok(sp, 13);
	acct_spool_flush(sp);
	acct_spool_stats(sp, &st);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.pending, 0);
	assert_true(acct_spool_error(sp, f->err, sizeof(f->err)));
	assert_non_null(strstr(f->err, "injected write failure"));
	assert_non_null(strstr(f->err, "id=13"));

	/* Refused from now on, and counted. */
	assert_false(acct_spool_put(sp, 14, 0, buf, sizeof(buf)));
	assert_false(acct_spool_del(sp, 12));
	acct_spool_flush(sp); /* returns: nothing is queued */
	acct_spool_stats(sp, &st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.dropped, 2);
	check_balance(sp, 2);
	/* load is refused too: the spool was used. */
	assert_int_equal(acct_spool_load(sp, collect, &l, f->err, sizeof(f->err)), -1);
	acct_spool_free(sp);

	/* The failed transaction was rolled back; what was committed is there. */
	expect_stored(f, left, 1);
}

static void failure_loses_the_whole_batch(void **state)
{
	struct fixture *f = *state;
	struct acct_spool_stats st;
	struct acct_spool *sp;

	acct_spool_free(open_ok(f));
	raw_exec(f->ts.path, "CREATE TRIGGER fail2 BEFORE INSERT ON records "
		 "WHEN NEW.id = 2 BEGIN SELECT RAISE(ABORT, 'injected write failure'); END");
	sp = open_ok(f);
	/* One batch with 1, 2, 3: the whole transaction is lost. */
	acct_spool_pause(sp, true);
	put_ok(sp, 1);
	put_ok(sp, 2);
	put_ok(sp, 3);
	acct_spool_flush(sp);
	acct_spool_stats(sp, &st);
	assert_int_equal(st.failed, 3);
	assert_int_equal(st.written, 0);
	assert_int_equal(st.transactions, 0);
	assert_true(acct_spool_error(sp, NULL, 0));
	acct_spool_free(sp);
	expect_stored(f, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(empty_spool_loads_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(put_del_reopen_loads_remaining, setup, teardown),
		cmocka_unit_test_setup_teardown(put_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(many_records_written_then_deleted, setup, teardown),
		cmocka_unit_test_setup_teardown(queued_put_and_del_cancel_out, setup, teardown),
		cmocka_unit_test_setup_teardown(requeued_id_delete_reaches_disk, setup, teardown),
		cmocka_unit_test_setup_teardown(paused_calls_do_no_io, setup, teardown),
		cmocka_unit_test_setup_teardown(queue_full_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(invalid_arguments_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(load_after_put_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(created_file_is_0600, setup, teardown),
		cmocka_unit_test_setup_teardown(missing_directory_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_file_fails_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(newer_schema_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_database_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(second_open_is_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(write_error_fails_the_spool, setup, teardown),
		cmocka_unit_test_setup_teardown(failure_loses_the_whole_batch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
