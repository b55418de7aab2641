#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/unit/support/temp_store.h"
#include "auth/userdb.h"

struct fixture {
	struct temp_store ts;
	int64_t clock;
};

static int64_t test_clock(void *ctx)
{
	return ((struct fixture *)ctx)->clock;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	if (!temp_store_make(&f->ts, "test_userdb"))
		return -1;
	f->clock = 1000;
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

static struct userdb *open_ok(struct fixture *f, unsigned flags)
{
	struct userdb *db = NULL;
	char err[512];
	enum userdb_status st = userdb_open(f->ts.path, flags, &db, err, sizeof(err));
	if (st != USERDB_OK)
		print_error("open: %s\n", err);
	assert_int_equal(st, USERDB_OK);
	assert_non_null(db);
	userdb_set_clock(db, test_clock, f);
	return db;
}

static struct user_record make_user(const char *name, uint8_t fill)
{
	struct user_record r;
	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "%s", name);
	memset(r.nt_hash, fill, sizeof(r.nt_hash));
	r.enabled = true;
	return r;
}

/* Run a statement with sqlite directly, returning one integer or text. */
static int64_t raw_int(const char *path, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t v = -1;
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(h);
	return v;
}

static void raw_text(const char *path, const char *sql, char *out, size_t len)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	out[0] = '\0';
	assert_int_equal(sqlite3_open_v2(path, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
}

static void create_sets_mode_wal_and_version(void **state)
{
	struct fixture *f = *state;
	struct stat sb;
	char mode[16];
	mode_t old = umask(0); /* the store, not the umask, must give 0600 */
	struct userdb *db = open_ok(f, USERDB_OPEN_CREATE);
	umask(old);

	assert_int_equal(stat(f->ts.path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	userdb_free(db);
	assert_int_equal(raw_int(f->ts.path, "PRAGMA user_version"), USERDB_SCHEMA_VERSION);
	raw_text(f->ts.path, "PRAGMA journal_mode", mode, sizeof(mode));
	assert_string_equal(mode, "wal");
	assert_int_equal(raw_int(f->ts.path, "SELECT count(*) FROM users"), 0);
}

static void open_without_create_fails_on_missing_file(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = (struct userdb *)1;
	char err[512];
	assert_int_equal(userdb_open(f->ts.path, 0, &db, err, sizeof(err)), USERDB_ERROR);
	assert_null(db);
	assert_non_null(strstr(err, "No such file"));
	assert_int_equal(access(f->ts.path, F_OK), -1);
}

static int count_cb(const struct user_record *r, void *ctx)
{
	char *names = ctx;
	strcat(names, r->name);
	strcat(names, ",");
	return 0;
}

static void add_get_list_delete(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = open_ok(f, USERDB_OPEN_CREATE);
	struct user_record a = make_user("bob", 0x11), b = make_user("alice", 0x22), got;
	char names[64] = "";

	b.has_static_ip = true;
	inet_pton(AF_INET, "10.1.2.3", &b.static_ip);
	b.max_sessions = 3;
	b.enabled = false;
	assert_int_equal(userdb_add(db, &a), USERDB_OK);
	assert_int_equal(userdb_add(db, &b), USERDB_OK);

	assert_int_equal(userdb_get(db, "alice", &got), USERDB_OK);
	assert_string_equal(got.name, "alice");
	assert_memory_equal(got.nt_hash, b.nt_hash, 16);
	assert_false(got.enabled);
	assert_true(got.has_static_ip);
	assert_int_equal(got.static_ip.s_addr, b.static_ip.s_addr);
	assert_int_equal(got.max_sessions, 3);
	assert_int_equal(got.created, 1000);
	assert_int_equal(got.updated, 1000);

	assert_int_equal(userdb_get(db, "bob", &got), USERDB_OK);
	assert_true(got.enabled);
	assert_false(got.has_static_ip);
	assert_int_equal(got.max_sessions, 0);

	assert_int_equal(userdb_foreach(db, count_cb, names), USERDB_OK);
	assert_string_equal(names, "alice,bob,"); /* name order */

	assert_int_equal(userdb_delete(db, "alice"), USERDB_OK);
	assert_int_equal(userdb_get(db, "alice", &got), USERDB_NOT_FOUND);
	names[0] = '\0';
	assert_int_equal(userdb_foreach(db, count_cb, names), USERDB_OK);
	assert_string_equal(names, "bob,");
	userdb_free(db);
}

/* userdb_get() keeps its statement prepared for the connection's life: a
 * reader (the SQLite backend's worker) must still see every change another
 * connection (pptpctl) commits, a name bound before must not leak into the
 * next lookup, and the statement must not pin an old snapshot. */
static void get_sees_other_connections_changes(void **state)
{
	struct fixture *f = *state;
	struct userdb *w = open_ok(f, USERDB_OPEN_CREATE);
	struct userdb *r = open_ok(f, USERDB_OPEN_READONLY);
	struct user_record a = make_user("erin", 0x55), got;
	uint8_t h[16];

	assert_int_equal(userdb_get(r, "erin", &got), USERDB_NOT_FOUND);
	assert_int_equal(userdb_add(w, &a), USERDB_OK);
	assert_int_equal(userdb_get(r, "erin", &got), USERDB_OK);
	assert_memory_equal(got.nt_hash, a.nt_hash, 16);
	memset(h, 0x66, sizeof(h));
	assert_int_equal(userdb_set_nt_hash(w, "erin", h), USERDB_OK);
	assert_int_equal(userdb_get(r, "erin", &got), USERDB_OK);
	assert_memory_equal(got.nt_hash, h, 16);
	assert_int_equal(userdb_get(r, "frank", &got), USERDB_NOT_FOUND);
	assert_non_null(strstr(userdb_errmsg(r), "'frank' not found"));
	assert_int_equal(userdb_delete(w, "erin"), USERDB_OK);
	assert_int_equal(userdb_get(r, "erin", &got), USERDB_NOT_FOUND);
	userdb_free(r);
	userdb_free(w);
}

static void duplicate_and_unknown(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = open_ok(f, USERDB_OPEN_CREATE);
	struct user_record a = make_user("carol", 0x33), dup = make_user("carol", 0x44), got;
	uint8_t h[16] = { 0 };
	struct in_addr ip;

	assert_int_equal(userdb_add(db, &a), USERDB_OK);
	assert_int_equal(userdb_add(db, &dup), USERDB_EXISTS);
	assert_non_null(strstr(userdb_errmsg(db), "already exists"));
	assert_int_equal(userdb_get(db, "carol", &got), USERDB_OK);
	assert_memory_equal(got.nt_hash, a.nt_hash, 16); /* unchanged */
	assert_int_equal(raw_int(f->ts.path, "SELECT count(*) FROM users"), 1);

	inet_pton(AF_INET, "10.0.0.9", &ip);
	assert_int_equal(userdb_get(db, "dave", &got), USERDB_NOT_FOUND);
	assert_non_null(strstr(userdb_errmsg(db), "not found"));
	assert_int_equal(userdb_delete(db, "dave"), USERDB_NOT_FOUND);
	assert_int_equal(userdb_set_nt_hash(db, "dave", h), USERDB_NOT_FOUND);
	assert_int_equal(userdb_set_enabled(db, "dave", false), USERDB_NOT_FOUND);
	assert_int_equal(userdb_set_static_ip(db, "dave", &ip), USERDB_NOT_FOUND);
	assert_int_equal(userdb_set_max_sessions(db, "dave", 2), USERDB_NOT_FOUND);
	assert_int_equal(raw_int(f->ts.path, "SELECT count(*) FROM users"), 1);
	userdb_free(db);
}

static void name_checks(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = open_ok(f, USERDB_OPEN_CREATE);
	char why[128], name[USERDB_NAME_MAX + 2];
	struct user_record r, got;

	assert_true(userdb_name_check("alice", why, sizeof(why)));
	assert_true(userdb_name_check("j\xC3\xBCrgen", why, sizeof(why)));        /* ü */
	assert_true(userdb_name_check("DOMAIN\\user name", why, sizeof(why)));
	assert_true(userdb_name_check("\xF0\x9F\x98\x80", why, sizeof(why)));    /* U+1F600 */
	assert_false(userdb_name_check("", why, sizeof(why)));
	assert_false(userdb_name_check("a\tb", why, sizeof(why)));
	assert_non_null(strstr(why, "control character"));
	assert_false(userdb_name_check("a\nb", why, sizeof(why)));
	assert_false(userdb_name_check("a\x7F", why, sizeof(why)));
	assert_false(userdb_name_check("a\x1B[0m", why, sizeof(why)));
	assert_false(userdb_name_check("\xC3", why, sizeof(why)));               /* truncated */
	assert_non_null(strstr(why, "UTF-8"));
	assert_false(userdb_name_check("\xC0\x80", why, sizeof(why)));           /* overlong */
	assert_false(userdb_name_check("\xED\xA0\x80", why, sizeof(why)));       /* surrogate */
	assert_false(userdb_name_check("\xF4\x90\x80\x80", why, sizeof(why)));   /* > U+10FFFF */
	assert_false(userdb_name_check("\xFF", why, sizeof(why)));

	memset(name, 'x', USERDB_NAME_MAX + 1);
	name[USERDB_NAME_MAX + 1] = '\0'; /* 257 bytes */
	assert_false(userdb_name_check(name, why, sizeof(why)));
	assert_non_null(strstr(why, "256"));
	name[USERDB_NAME_MAX] = '\0';     /* 256 bytes */
	assert_true(userdb_name_check(name, why, sizeof(why)));

	/* The store applies the same check and stores nothing. */
	r = make_user("bad\x01name", 1);
	assert_int_equal(userdb_add(db, &r), USERDB_INVALID);
	assert_non_null(strstr(userdb_errmsg(db), "control character"));
	r = make_user("\xC3(", 1);
	assert_int_equal(userdb_add(db, &r), USERDB_INVALID);
	assert_int_equal(raw_int(f->ts.path, "SELECT count(*) FROM users"), 0);
	r = make_user(name, 5);
	assert_int_equal(userdb_add(db, &r), USERDB_OK);
	assert_int_equal(userdb_get(db, name, &got), USERDB_OK);
	assert_int_equal(strlen(got.name), USERDB_NAME_MAX);
	userdb_free(db);
}

static void password_checks(void **state)
{
	(void)state;
	char why[128], pw[USERDB_PASSWORD_MAX * 2 + 4];
	size_t i;

	assert_true(userdb_password_check("clientPass", 10, why, sizeof(why)));
	assert_false(userdb_password_check("", 0, why, sizeof(why)));
	assert_non_null(strstr(why, "empty"));
	assert_false(userdb_password_check("a\xC3", 2, why, sizeof(why)));
	assert_non_null(strstr(why, "UTF-8"));
	assert_false(userdb_password_check("a\0b", 3, why, sizeof(why)));
	/* 256 two-byte characters are fine, 257 are not. */
	for (i = 0; i < USERDB_PASSWORD_MAX; i++)
		memcpy(pw + 2 * i, "\xC3\xA9", 2);
	assert_true(userdb_password_check(pw, 2 * USERDB_PASSWORD_MAX, why, sizeof(why)));
	memcpy(pw + 2 * i, "\xC3\xA9", 2);
	assert_false(userdb_password_check(pw, 2 * USERDB_PASSWORD_MAX + 2, why, sizeof(why)));
	assert_non_null(strstr(why, "256"));
}

static void set_fields_moves_updated(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = open_ok(f, USERDB_OPEN_CREATE);
	struct user_record r = make_user("erin", 0x55), got;
	uint8_t h[16];
	struct in_addr ip;

	assert_int_equal(userdb_add(db, &r), USERDB_OK);

	f->clock = 2000;
	memset(h, 0xAB, sizeof(h));
	assert_int_equal(userdb_set_nt_hash(db, "erin", h), USERDB_OK);
	assert_int_equal(userdb_get(db, "erin", &got), USERDB_OK);
	assert_memory_equal(got.nt_hash, h, 16);
	assert_int_equal(got.created, 1000);
	assert_int_equal(got.updated, 2000);

	f->clock = 3000;
	assert_int_equal(userdb_set_enabled(db, "erin", false), USERDB_OK);
	assert_int_equal(userdb_get(db, "erin", &got), USERDB_OK);
	assert_false(got.enabled);
	assert_int_equal(got.updated, 3000);

	f->clock = 4000;
	inet_pton(AF_INET, "192.168.7.8", &ip);
	assert_int_equal(userdb_set_static_ip(db, "erin", &ip), USERDB_OK);
	assert_int_equal(userdb_get(db, "erin", &got), USERDB_OK);
	assert_true(got.has_static_ip);
	assert_int_equal(got.static_ip.s_addr, ip.s_addr);
	assert_int_equal(got.updated, 4000);

	f->clock = 5000;
	assert_int_equal(userdb_set_max_sessions(db, "erin", 7), USERDB_OK);
	assert_int_equal(userdb_get(db, "erin", &got), USERDB_OK);
	assert_int_equal(got.max_sessions, 7);
	assert_int_equal(got.updated, 5000);

	/* Clearing, and an unusable address refused without a change. */
	f->clock = 6000;
	assert_int_equal(userdb_set_static_ip(db, "erin", NULL), USERDB_OK);
	assert_int_equal(userdb_set_max_sessions(db, "erin", 0), USERDB_OK);
	inet_pton(AF_INET, "0.0.0.0", &ip);
	f->clock = 7000;
	assert_int_equal(userdb_set_static_ip(db, "erin", &ip), USERDB_INVALID);
	assert_int_equal(userdb_get(db, "erin", &got), USERDB_OK);
	assert_false(got.has_static_ip);
	assert_int_equal(got.max_sessions, 0);
	assert_int_equal(got.updated, 6000);
	assert_int_equal(got.created, 1000);
	userdb_free(db);
}

static void reopen_persists(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = open_ok(f, USERDB_OPEN_CREATE);
	struct user_record r = make_user("frank", 0x66), got;

	r.max_sessions = 1;
	assert_int_equal(userdb_add(db, &r), USERDB_OK);
	userdb_free(db);

	db = open_ok(f, USERDB_OPEN_READONLY);
	assert_int_equal(userdb_get(db, "frank", &got), USERDB_OK);
	assert_memory_equal(got.nt_hash, r.nt_hash, 16);
	assert_int_equal(got.max_sessions, 1);
	/* A read-only connection refuses every change. */
	assert_int_equal(userdb_set_enabled(db, "frank", false), USERDB_READONLY);
	assert_int_equal(userdb_delete(db, "frank"), USERDB_READONLY);
	r = make_user("gina", 1);
	assert_int_equal(userdb_add(db, &r), USERDB_READONLY);
	userdb_free(db);
	assert_int_equal(raw_int(f->ts.path, "SELECT count(*) FROM users WHERE enabled = 1"), 1);
}

static void transaction_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = open_ok(f, USERDB_OPEN_CREATE);
	struct user_record a = make_user("h1", 1), b = make_user("h2", 2), got;

	assert_int_equal(userdb_begin(db), USERDB_OK);
	assert_int_equal(userdb_add(db, &a), USERDB_OK);
	assert_int_equal(userdb_add(db, &b), USERDB_OK);
	userdb_rollback(db);
	assert_int_equal(userdb_get(db, "h1", &got), USERDB_NOT_FOUND);

	/* A failed call inside a transaction undoes only itself. */
	assert_int_equal(userdb_begin(db), USERDB_OK);
	assert_int_equal(userdb_add(db, &a), USERDB_OK);
	assert_int_equal(userdb_add(db, &a), USERDB_EXISTS);
	assert_int_equal(userdb_set_enabled(db, "nobody", false), USERDB_NOT_FOUND);
	assert_int_equal(userdb_add(db, &b), USERDB_OK);
	assert_int_equal(userdb_commit(db), USERDB_OK);
	userdb_free(db);
	assert_int_equal(raw_int(f->ts.path, "SELECT count(*) FROM users"), 2);
}

static void newer_schema_refused_untouched(void **state)
{
	struct fixture *f = *state;
	static unsigned char before[1 << 16], after[1 << 16];
	struct userdb *db = open_ok(f, USERDB_OPEN_CREATE);
	struct user_record r = make_user("ivan", 9);
	char err[512];
	size_t n1, n2;

	assert_int_equal(userdb_add(db, &r), USERDB_OK);
	userdb_free(db);
	raw_int(f->ts.path, "PRAGMA user_version = 99");
	assert_int_equal(raw_int(f->ts.path, "PRAGMA user_version"), 99);

	n1 = temp_store_slurp(f->ts.path, before, sizeof(before));
	db = (struct userdb *)1;
	assert_int_equal(userdb_open(f->ts.path, 0, &db, err, sizeof(err)), USERDB_TOO_NEW);
	assert_null(db);
	assert_non_null(strstr(err, "schema version 99 is newer than this program supports (3)"));
	assert_int_equal(userdb_open(f->ts.path, USERDB_OPEN_READONLY, &db, err, sizeof(err)),
			 USERDB_TOO_NEW);
	n2 = temp_store_slurp(f->ts.path, after, sizeof(after));
	assert_int_equal(n1, n2);
	assert_memory_equal(before, after, n1);
	assert_int_equal(raw_int(f->ts.path, "PRAGMA user_version"), 99);
}

static void corrupt_file_refused_untouched(void **state)
{
	struct fixture *f = *state;
	unsigned char garbage[4096], after[8192];
	struct userdb *db = (struct userdb *)1;
	char err[512];
	int fd;

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 131 + 7);
	fd = open(f->ts.path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, garbage, sizeof(garbage)), (ssize_t)sizeof(garbage));
	close(fd);

	assert_int_equal(userdb_open(f->ts.path, USERDB_OPEN_CREATE, &db, err, sizeof(err)),
			 USERDB_CORRUPT);
	assert_null(db);
	assert_non_null(strstr(err, "not a database"));
	assert_int_equal(userdb_open(f->ts.path, USERDB_OPEN_READONLY, &db, err, sizeof(err)),
			 USERDB_CORRUPT);
	assert_int_equal(temp_store_slurp(f->ts.path, after, sizeof(after)), sizeof(garbage));
	assert_memory_equal(after, garbage, sizeof(garbage));
}

static void foreign_database_refused(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = (struct userdb *)1;
	char err[512];

	{
		sqlite3 *h;
		assert_int_equal(sqlite3_open(f->ts.path, &h), SQLITE_OK);
		assert_int_equal(sqlite3_exec(h, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(h);
	}
	assert_int_equal(userdb_open(f->ts.path, 0, &db, err, sizeof(err)), USERDB_CORRUPT);
	assert_non_null(strstr(err, "not a user database"));
	assert_int_equal(raw_int(f->ts.path, "SELECT count(*) FROM sqlite_master"), 1);
}

static void migrates_empty_file(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = (struct userdb *)1;
	struct user_record r = make_user("judy", 0x77), got;
	char err[512];
	int fd = open(f->ts.path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);

	/* Read-only cannot migrate. */
	assert_int_equal(userdb_open(f->ts.path, USERDB_OPEN_READONLY, &db, err, sizeof(err)),
			 USERDB_ERROR);
	assert_null(db);
	assert_non_null(strstr(err, "schema version 0"));

	db = open_ok(f, 0);
	assert_int_equal(userdb_add(db, &r), USERDB_OK);
	assert_int_equal(userdb_get(db, "judy", &got), USERDB_OK);
	userdb_free(db);
	assert_int_equal(raw_int(f->ts.path, "PRAGMA user_version"), USERDB_SCHEMA_VERSION);

	/* Opening an up-to-date store again does not migrate twice. */
	db = open_ok(f, 0);
	userdb_free(db);
	assert_int_equal(raw_int(f->ts.path, "SELECT count(*) FROM users"), 1);
}

static void schema_rejects_bad_rows(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = open_ok(f, USERDB_OPEN_CREATE);
	sqlite3 *h;
	userdb_free(db);
	/* The table itself refuses a hash that is not 16 bytes. */
	assert_int_equal(sqlite3_open(f->ts.path, &h), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "INSERT INTO users (name, nt_hash, created, updated)"
					  " VALUES ('k', x'00', 1, 1)", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "INSERT INTO users (name, nt_hash, created, updated)"
					  " VALUES ('', zeroblob(16), 1, 1)", NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(h);
}

/* Idle and session timeouts: unset (the `idle` key, no limit), never (0),
 * a value; the range checked by the store and by the table itself. */
static void idle_and_session_timeout(void **state)
{
	struct fixture *f = *state;
	struct userdb *db = open_ok(f, USERDB_OPEN_CREATE);
	struct user_record r = make_user("gina", 0x21), got;
	uint32_t v;

	r.has_idle = true;
	r.idle = 0;
	r.session_timeout = 7200;
	assert_int_equal(userdb_add(db, &r), USERDB_OK);
	assert_int_equal(userdb_get(db, "gina", &got), USERDB_OK);
	assert_true(got.has_idle);
	assert_int_equal(got.idle, 0);
	assert_int_equal(got.session_timeout, 7200);

	f->clock = 2000;
	v = 300;
	assert_int_equal(userdb_set_idle(db, "gina", &v), USERDB_OK);
	assert_int_equal(userdb_get(db, "gina", &got), USERDB_OK);
	assert_true(got.has_idle);
	assert_int_equal(got.idle, 300);
	assert_int_equal(got.updated, 2000);

	v = USERDB_IDLE_MAX + 1;
	assert_int_equal(userdb_set_idle(db, "gina", &v), USERDB_INVALID);
	assert_non_null(strstr(userdb_errmsg(db), "604801"));
	assert_int_equal(userdb_get(db, "gina", &got), USERDB_OK);
	assert_int_equal(got.idle, 300);

	assert_int_equal(userdb_set_idle(db, "gina", NULL), USERDB_OK);
	assert_int_equal(userdb_set_session_timeout(db, "gina", 0), USERDB_OK);
	assert_int_equal(userdb_get(db, "gina", &got), USERDB_OK);
	assert_false(got.has_idle);
	assert_int_equal(got.session_timeout, 0);
	assert_int_equal(raw_int(f->ts.path, "SELECT count(*) FROM users WHERE idle IS NULL AND "
				 "session_timeout IS NULL"), 1);

	v = 5;
	assert_int_equal(userdb_set_idle(db, "nobody", &v), USERDB_NOT_FOUND);
	r = make_user("hank", 0x22);
	r.has_idle = true;
	r.idle = USERDB_IDLE_MAX + 1;
	assert_int_equal(userdb_add(db, &r), USERDB_INVALID);
	userdb_free(db);

	/* The table refuses what the program would never write. */
	sqlite3 *h;
	assert_int_equal(sqlite3_open(f->ts.path, &h), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "UPDATE users SET idle = 604801", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "UPDATE users SET session_timeout = 0", NULL, NULL,
					  NULL), SQLITE_OK);
	sqlite3_close(h);
}

/* The users table as schema version 1 created it, frozen here: stores
 * written then must still upgrade whatever auth/userdb.c creates now. */
#define SCHEMA_V1_USERS \
	"CREATE TABLE users (" \
	" id INTEGER PRIMARY KEY," \
	" name TEXT UNIQUE NOT NULL" \
	"  CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 256)," \
	" nt_hash BLOB NOT NULL CHECK (typeof(nt_hash) = 'blob' AND length(nt_hash) = 16)," \
	" enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1))," \
	" static_ip TEXT NULL," \
	" max_sessions INTEGER NULL CHECK (max_sessions BETWEEN 1 AND 4294967295)," \
	" created INTEGER NOT NULL," \
	" updated INTEGER NOT NULL);"

/* A store as an older version left it: sql run on a fresh file. */
static void write_old_store(struct fixture *f, const char *sql)
{
	sqlite3 *h;

	assert_int_equal(sqlite3_open(f->ts.path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(h);
}

/* A store of schema `version` is refused read-only, untouched, then
 * upgraded to 3 when opened for writing: the open store. */
static struct userdb *upgrade_old_store(struct fixture *f, int version)
{
	struct userdb *db = (struct userdb *)1;
	char err[512], want[64];

	assert_int_equal(userdb_open(f->ts.path, USERDB_OPEN_READONLY, &db, err, sizeof(err)),
			 USERDB_ERROR);
	snprintf(want, sizeof(want), "schema version %d is older than 3", version);
	assert_non_null(strstr(err, want));
	assert_int_equal(raw_int(f->ts.path, "PRAGMA user_version"), version);

	db = open_ok(f, 0);
	assert_int_equal(raw_int(f->ts.path, "PRAGMA user_version"), 3);
	return db;
}

/* A store written by schema version 1 (before idle and session_timeout)
 * upgrades in place when opened for writing: its users keep everything and
 * read as "no value" for the new fields. Read-only cannot upgrade. */
static void upgrades_version_1_store(void **state)
{
	struct fixture *f = *state;
	struct userdb *db;
	struct user_record got;

	write_old_store(f, SCHEMA_V1_USERS
		"INSERT INTO users (name, nt_hash, enabled, static_ip, max_sessions, created, updated)"
		" VALUES ('olga', zeroblob(16), 0, '192.0.2.77', 2, 100, 200);"
		"PRAGMA user_version = 1;");
	db = upgrade_old_store(f, 1);
	assert_int_equal(userdb_get(db, "olga", &got), USERDB_OK);
	assert_false(got.enabled);
	assert_true(got.has_static_ip);
	assert_int_equal(ntohl(got.static_ip.s_addr), 0xC000024D);
	assert_int_equal(got.max_sessions, 2);
	assert_int_equal(got.created, 100);
	assert_int_equal(got.updated, 200);
	assert_false(got.has_idle);
	assert_int_equal(got.session_timeout, 0);
	uint32_t v = 60;
	assert_int_equal(userdb_set_idle(db, "olga", &v), USERDB_OK);
	assert_int_equal(userdb_get(db, "olga", &got), USERDB_OK);
	assert_int_equal(got.idle, 60);
	userdb_free(db);
}

/* A store written by schema version 2 (idle and session_timeout, before
 * the rates) upgrades in place: its users keep their values and have no
 * rate of their own (the keys apply); then a rate is set, read back,
 * cleared; the table refuses what the program would never write. */
static void upgrades_version_2_store(void **state)
{
	struct fixture *f = *state;
	struct userdb *db;
	struct user_record got;
	sqlite3 *h;

	write_old_store(f, SCHEMA_V1_USERS
		"ALTER TABLE users ADD COLUMN idle INTEGER NULL CHECK (idle BETWEEN 0 AND 604800);"
		"ALTER TABLE users ADD COLUMN session_timeout INTEGER NULL"
		" CHECK (session_timeout BETWEEN 1 AND 4294967295);"
		"INSERT INTO users (name, nt_hash, enabled, static_ip, max_sessions, created, updated,"
		" idle, session_timeout)"
		" VALUES ('petra', zeroblob(16), 1, NULL, NULL, 100, 200, 30, 3600);"
		"PRAGMA user_version = 2;");
	db = upgrade_old_store(f, 2);
	assert_int_equal(userdb_get(db, "petra", &got), USERDB_OK);
	assert_true(got.has_idle);
	assert_int_equal(got.idle, 30);
	assert_int_equal(got.session_timeout, 3600);
	assert_int_equal(got.updated, 200);
	assert_false(got.has_rate);

	f->clock = 3000;
	uint32_t d = 4000, u = 0;
	assert_int_equal(userdb_set_rate(db, "petra", &d, &u), USERDB_OK);
	assert_int_equal(userdb_get(db, "petra", &got), USERDB_OK);
	assert_true(got.has_rate);
	assert_int_equal(got.rate_down, 4000);
	assert_int_equal(got.rate_up, 0);
	assert_int_equal(got.updated, 3000);
	d = USERDB_RATE_MAX + 1;
	assert_int_equal(userdb_set_rate(db, "petra", &d, &u), USERDB_INVALID);
	assert_int_equal(userdb_set_rate(db, "petra", &d, NULL), USERDB_INVALID);
	d = 1;
	assert_int_equal(userdb_set_rate(db, "nobody", &d, &u), USERDB_NOT_FOUND);
	assert_int_equal(userdb_get(db, "petra", &got), USERDB_OK);
	assert_int_equal(got.rate_down, 4000);
	assert_int_equal(userdb_set_rate(db, "petra", NULL, NULL), USERDB_OK);
	assert_int_equal(userdb_get(db, "petra", &got), USERDB_OK);
	assert_false(got.has_rate);
	struct user_record r = make_user("quinn", 0x33);
	r.has_rate = true;
	r.rate_down = 512;
	r.rate_up = 256;
	assert_int_equal(userdb_add(db, &r), USERDB_OK);
	assert_int_equal(userdb_get(db, "quinn", &got), USERDB_OK);
	assert_true(got.has_rate && got.rate_down == 512 && got.rate_up == 256);
	userdb_free(db);

	assert_int_equal(sqlite3_open(f->ts.path, &h), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "UPDATE users SET rate_down = 10000001", NULL, NULL,
					  NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(h, "UPDATE users SET rate_up = -1", NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(create_sets_mode_wal_and_version, setup, teardown),
		cmocka_unit_test_setup_teardown(open_without_create_fails_on_missing_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(add_get_list_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(duplicate_and_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(get_sees_other_connections_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(name_checks, setup, teardown),
		cmocka_unit_test(password_checks),
		cmocka_unit_test_setup_teardown(set_fields_moves_updated, setup, teardown),
		cmocka_unit_test_setup_teardown(reopen_persists, setup, teardown),
		cmocka_unit_test_setup_teardown(transaction_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(newer_schema_refused_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupt_file_refused_untouched, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_database_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(migrates_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(schema_rejects_bad_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(idle_and_session_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(upgrades_version_1_store, setup, teardown),
		cmocka_unit_test_setup_teardown(upgrades_version_2_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
