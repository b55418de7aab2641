/* sqlite_util: migration by steps (from nothing and from an older
 * version), the refusals of a newer schema and of someone else's
 * database, and the file creation rules, on files in a temporary
 * directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "auth/sqlite_util.h"
#include "tests/unit/support/temp_store.h"

static const char *const two_steps[] = {
	"CREATE TABLE a (x INTEGER);",
	"CREATE TABLE b (y INTEGER);",
};
static const struct sqlu_schema v1 = { "a test file", two_steps, 1 };
static const struct sqlu_schema v2 = { "a test file", two_steps, 2 };

static int setup(void **state)
{
	static struct temp_store ts;
	if (!temp_store_make(&ts, "sqlite_util"))
		return -1;
	*state = &ts;
	return 0;
}

static int teardown(void **state)
{
	temp_store_remove(*state);
	return 0;
}

/* Create, open, check and migrate to s; the version found before. */
static int64_t open_and_migrate(const char *path, const struct sqlu_schema *s)
{
	char err[256];
	sqlite3 *h;
	int64_t version = -1;

	assert_int_equal(sqlu_create_file(path, true, err, sizeof(err)), SQLU_OK);
	assert_int_equal(sqlu_open(path, false, 100, &h, err, sizeof(err)), SQLU_OK);
	assert_int_equal(sqlu_check_schema(h, path, s, false, &version, err, sizeof(err)), SQLU_OK);
	assert_int_equal(sqlu_check_and_wal(h, path, err, sizeof(err)), SQLU_OK);
	if (version < s->version)
		assert_int_equal(sqlu_migrate(h, path, s, err, sizeof(err)), SQLU_OK);
	sqlite3_close(h);
	return version;
}

static int64_t tables(const char *path)
{
	char err[256];
	sqlite3 *h;
	int64_t n = -1;

	assert_int_equal(sqlu_open(path, true, 100, &h, err, sizeof(err)), SQLU_OK);
	assert_int_equal(sqlu_query_int(h, "SELECT count(*) FROM sqlite_master", &n), SQLITE_OK);
	sqlite3_close(h);
	return n;
}

static void migrates_by_steps(void **state)
{
	const struct temp_store *ts = *state;
	struct stat sb;

	assert_int_equal(open_and_migrate(ts->path, &v1), 0);
	assert_int_equal(stat(ts->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(tables(ts->path), 1);
	/* From version 1, only the second step runs. */
	assert_int_equal(open_and_migrate(ts->path, &v2), 1);
	assert_int_equal(tables(ts->path), 2);
	assert_int_equal(open_and_migrate(ts->path, &v2), 2);
	assert_int_equal(tables(ts->path), 2);
}

static void refuses_newer_and_foreign(void **state)
{
	const struct temp_store *ts = *state;
	char err[256];
	sqlite3 *h;
	int64_t version;

	open_and_migrate(ts->path, &v2);
	assert_int_equal(sqlu_open(ts->path, false, 100, &h, err, sizeof(err)), SQLU_OK);
	assert_int_equal(sqlu_check_schema(h, ts->path, &v1, false, &version, err, sizeof(err)),
			 SQLU_TOO_NEW);
	assert_non_null(strstr(err, "schema version 2 is newer than this program supports (1)"));
	/* Tables but no version: not ours. */
	assert_int_equal(sqlite3_exec(h, "PRAGMA user_version = 0", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlu_check_schema(h, ts->path, &v2, false, &version, err, sizeof(err)),
			 SQLU_CORRUPT);
	assert_non_null(strstr(err, "not a test file (schema version 0 with 2 tables)"));
	sqlite3_close(h);
}

static void create_rules(void **state)
{
	const struct temp_store *ts = *state;
	char err[256], path[400];

	assert_int_equal(sqlu_create_file(ts->path, false, err, sizeof(err)), SQLU_ERROR);
	snprintf(path, sizeof(path), "%s/missing/x.db", ts->dir);
	assert_int_not_equal(sqlu_create_file(path, true, err, sizeof(err)), SQLU_OK);
	assert_non_null(strstr(err, "its directory does not exist"));
	assert_int_equal(sqlu_create_file(ts->dir, true, err, sizeof(err)), SQLU_INVALID);
	assert_non_null(strstr(err, "not a regular file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(migrates_by_steps, setup, teardown),
		cmocka_unit_test_setup_teardown(refuses_newer_and_foreign, setup, teardown),
		cmocka_unit_test_setup_teardown(create_rules, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
