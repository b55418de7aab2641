#include "auth/userdb.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/sqlite_util.h"

#define USERDB_BUSY_TIMEOUT_MS 5000

struct userdb {
	sqlite3 *h;
	/* userdb_get()'s statement, prepared at its first use and kept for
	 * the connection's life (reset after each lookup, so it holds no read
	 * transaction between lookups; SQLite prepares it again by itself if
	 * the schema changes). Finalized by userdb_free(). */
	sqlite3_stmt *get_st;
	bool readonly;
	int64_t (*now)(void *ctx);
	void *now_ctx;
	char path[256]; /* for messages; may be truncated */
	char err[512];
};

/* Migrations, applied in order: entry i brings the schema to version i + 1. */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE users ("
	" id INTEGER PRIMARY KEY,"
	" name TEXT UNIQUE NOT NULL"
	"  CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 256),"
	" nt_hash BLOB NOT NULL CHECK (typeof(nt_hash) = 'blob' AND length(nt_hash) = 16),"
	" enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
	" static_ip TEXT NULL,"
	" max_sessions INTEGER NULL CHECK (max_sessions BETWEEN 1 AND 4294967295),"
	" created INTEGER NOT NULL,"
	" updated INTEGER NOT NULL"
	");",
	/* 2: per-user idle and session timeouts; NULL: the `idle` key, no
	 * session limit. Existing rows get NULL: nothing changes for them. */
	"ALTER TABLE users ADD COLUMN idle INTEGER NULL"
	" CHECK (idle BETWEEN 0 AND 604800);"
	"ALTER TABLE users ADD COLUMN session_timeout INTEGER NULL"
	" CHECK (session_timeout BETWEEN 1 AND 4294967295);",
	/* 3: per-user rate limits, kbit/s (0: none that way); both NULL: the
	 * rate-limit keys. Existing rows get NULL: nothing changes for them. */
	"ALTER TABLE users ADD COLUMN rate_down INTEGER NULL"
	" CHECK (rate_down BETWEEN 0 AND 10000000);"
	"ALTER TABLE users ADD COLUMN rate_up INTEGER NULL"
	" CHECK (rate_up BETWEEN 0 AND 10000000);",
};
_Static_assert(USERDB_RATE_MAX == 10000000, "the rate columns' CHECKs say the same");
_Static_assert(USERDB_IDLE_MAX == 604800, "the idle column's CHECK says the same");
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == USERDB_SCHEMA_VERSION,
	       "one migration per schema version");

static const char *const status_names[] = {
	[USERDB_OK] = "ok",
	[USERDB_NOT_FOUND] = "not found",
	[USERDB_EXISTS] = "already exists",
	[USERDB_INVALID] = "invalid argument",
	[USERDB_READONLY] = "read-only",
	[USERDB_CORRUPT] = "corrupt",
	[USERDB_TOO_NEW] = "schema too new",
	[USERDB_ERROR] = "error",
};

const char *userdb_status_name(enum userdb_status st)
{
	if ((unsigned)st < sizeof(status_names) / sizeof(status_names[0]))
		return status_names[st];
	return "unknown";
}

const char *userdb_errmsg(const struct userdb *db)
{
	return db->err;
}

static int64_t clock_default(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

void userdb_set_clock(struct userdb *db, int64_t (*now)(void *ctx), void *ctx)
{
	db->now = now ? now : clock_default;
	db->now_ctx = ctx;
}

/* ---- UTF-8 and names ---------------------------------------------------- */

/* Decode one code point at s[*i]; rejects overlong forms, surrogates and
 * values above U+10FFFF. */
static bool utf8_next(const unsigned char *s, size_t len, size_t *i, uint32_t *cp)
{
	unsigned char c = s[*i];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		*i += 1;
		return true;
	}
	if ((c & 0xE0) == 0xC0) {
		n = 1; v = c & 0x1F; min = 0x80;
	} else if ((c & 0xF0) == 0xE0) {
		n = 2; v = c & 0x0F; min = 0x800;
	} else if ((c & 0xF8) == 0xF0) {
		n = 3; v = c & 0x07; min = 0x10000;
	} else {
		return false;
	}
	if (len - *i <= n)
		return false;
	for (size_t k = 1; k <= n; k++) {
		unsigned char cc = s[*i + k];
		if ((cc & 0xC0) != 0x80)
			return false;
		v = (v << 6) | (cc & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return false;
	*cp = v;
	*i += n + 1;
	return true;
}

bool userdb_name_check(const char *name, char *why, size_t whylen)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len, i = 0;
	uint32_t cp;

	if (!name || name[0] == '\0') {
		sqlu_set_err(why, whylen, "empty user name");
		return false;
	}
	len = strnlen(name, USERDB_NAME_MAX + 1);
	if (len > USERDB_NAME_MAX) {
		sqlu_set_err(why, whylen, "user name longer than %d bytes", USERDB_NAME_MAX);
		return false;
	}
	while (i < len) {
		size_t at = i;
		if (!utf8_next(s, len, &i, &cp)) {
			sqlu_set_err(why, whylen, "user name is not valid UTF-8 (byte %zu)", at + 1);
			return false;
		}
		if (cp < 0x20 || cp == 0x7F) {
			sqlu_set_err(why, whylen, "user name contains a control character (byte %zu)",
				at + 1);
			return false;
		}
	}
	return true;
}

bool userdb_password_check(const char *pw, size_t len, char *why, size_t whylen)
{
	const unsigned char *s = (const unsigned char *)pw;
	size_t i = 0, chars = 0;
	uint32_t cp;

	if (len == 0) {
		sqlu_set_err(why, whylen, "empty password");
		return false;
	}
	if (memchr(pw, '\0', len)) {
		sqlu_set_err(why, whylen, "password contains a NUL byte");
		return false;
	}
	while (i < len) {
		if (!utf8_next(s, len, &i, &cp)) {
			sqlu_set_err(why, whylen, "password is not valid UTF-8");
			return false;
		}
		if (++chars > USERDB_PASSWORD_MAX) {
			sqlu_set_err(why, whylen, "password longer than %d characters",
				USERDB_PASSWORD_MAX);
			return false;
		}
	}
	return true;
}

/* Copy name into out for a message, with bytes that are not printable ASCII
 * or valid UTF-8 shown as \xNN. */
static const char *name_shown(const char *name, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t len = strnlen(name, USERDB_NAME_MAX + 1), i = 0, o = 0;
	uint32_t cp;

	while (i < len && o + 5 < outlen) {
		size_t at = i;
		if (utf8_next(s, len, &i, &cp) && cp >= 0x20 && cp != 0x7F) {
			size_t n = i - at;
			if (o + n + 1 >= outlen)
				break;
			memcpy(out + o, s + at, n);
			o += n;
		} else {
			i = at + 1;
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02X", s[at]);
		}
	}
	if (i < len && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

/* ---- errors ------------------------------------------------------------- */

static void db_err(struct userdb *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void db_err(struct userdb *db, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
}

/* The sqlite_util statuses are a subset of the store's. */
static enum userdb_status from_sqlu(enum sqlu_status st)
{
	static const enum userdb_status map[] = {
		[SQLU_OK] = USERDB_OK,
		[SQLU_INVALID] = USERDB_INVALID,
		[SQLU_READONLY] = USERDB_READONLY,
		[SQLU_CORRUPT] = USERDB_CORRUPT,
		[SQLU_TOO_NEW] = USERDB_TOO_NEW,
		[SQLU_ERROR] = USERDB_ERROR,
	};
	return map[st];
}

/* Record a failed SQLite call made for "what"; returns the status. */
static enum userdb_status db_fail(struct userdb *db, int rc, const char *what)
{
	return from_sqlu(sqlu_fail(db->h, db->path, rc, what, db->err, sizeof(db->err)));
}

/* ---- small statement helpers -------------------------------------------- */

static int exec_sql(struct userdb *db, const char *sql)
{
	return sqlite3_exec(db->h, sql, NULL, NULL, NULL);
}

/* ---- transactions -------------------------------------------------------- */

enum userdb_status userdb_begin(struct userdb *db)
{
	int rc;
	db->err[0] = '\0';
	if (db->readonly) {
		db_err(db, "%s: opened read-only", db->path);
		return USERDB_READONLY;
	}
	if (!sqlite3_get_autocommit(db->h)) {
		db_err(db, "%s: a transaction is already open", db->path);
		return USERDB_INVALID;
	}
	rc = exec_sql(db, "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "begin transaction");
	return USERDB_OK;
}

enum userdb_status userdb_commit(struct userdb *db)
{
	int rc;
	enum userdb_status st;
	if (sqlite3_get_autocommit(db->h)) {
		db_err(db, "%s: no transaction is open", db->path);
		return USERDB_INVALID;
	}
	rc = exec_sql(db, "COMMIT");
	if (rc == SQLITE_OK)
		return USERDB_OK;
	st = db_fail(db, rc, "commit");
	if (!sqlite3_get_autocommit(db->h))
		exec_sql(db, "ROLLBACK");
	return st;
}

void userdb_rollback(struct userdb *db)
{
	if (!sqlite3_get_autocommit(db->h))
		exec_sql(db, "ROLLBACK");
}

/* Start one operation: a transaction of its own, or a savepoint when the
 * caller has opened one with userdb_begin(). */
static enum userdb_status op_begin(struct userdb *db, bool *nested)
{
	int rc;
	if (db->readonly) {
		db_err(db, "%s: opened read-only", db->path);
		return USERDB_READONLY;
	}
	*nested = !sqlite3_get_autocommit(db->h);
	rc = exec_sql(db, *nested ? "SAVEPOINT userdb_op" : "BEGIN IMMEDIATE");
	if (rc != SQLITE_OK)
		return db_fail(db, rc, "begin transaction");
	return USERDB_OK;
}

/* Finish an operation: keep its changes if st is USERDB_OK, undo them
 * otherwise. db->err already describes a failure. */
static enum userdb_status op_end(struct userdb *db, bool nested, enum userdb_status st)
{
	int rc;
	if (st == USERDB_OK) {
		rc = exec_sql(db, nested ? "RELEASE userdb_op" : "COMMIT");
		if (rc == SQLITE_OK)
			return USERDB_OK;
		st = db_fail(db, rc, "commit");
	}
	if (nested) {
		exec_sql(db, "ROLLBACK TO userdb_op");
		exec_sql(db, "RELEASE userdb_op");
	} else if (!sqlite3_get_autocommit(db->h)) {
		exec_sql(db, "ROLLBACK");
	}
	return st;
}

/* ---- open, migrate, close ------------------------------------------------ */

static const struct sqlu_schema schema = {
	.kind = "a user database",
	.migrations = migrations,
	.version = USERDB_SCHEMA_VERSION,
};

static enum userdb_status open_checks(struct userdb *db)
{
	int64_t version;
	enum sqlu_status st;

	st = sqlu_check_schema(db->h, db->path, &schema, db->readonly, &version,
			       db->err, sizeof(db->err));
	if (st != SQLU_OK)
		return from_sqlu(st);
	if (db->readonly) {
		if (version < USERDB_SCHEMA_VERSION) {
			db_err(db, "%s: schema version %lld is older than %d and the store is "
			       "opened read-only (any change with pptpctl upgrades it)",
			       db->path, (long long)version, USERDB_SCHEMA_VERSION);
			return USERDB_ERROR;
		}
		return USERDB_OK;
	}
	/* Only now write anything: WAL mode changes the file header. */
	st = sqlu_check_and_wal(db->h, db->path, db->err, sizeof(db->err));
	if (st == SQLU_OK && version < USERDB_SCHEMA_VERSION)
		st = sqlu_migrate(db->h, db->path, &schema, db->err, sizeof(db->err));
	return from_sqlu(st);
}

enum userdb_status userdb_open(const char *path, unsigned flags, struct userdb **out,
			       char *err, size_t errlen)
{
	bool ro = flags & USERDB_OPEN_READONLY;
	struct userdb *db;
	enum userdb_status st;
	int rc;

	*out = NULL;
	if (err && errlen)
		err[0] = '\0';
	st = from_sqlu(sqlu_create_file(path, (flags & USERDB_OPEN_CREATE) && !ro, err, errlen));
	if (st != USERDB_OK)
		return st;
	db = calloc(1, sizeof(*db));
	if (!db) {
		sqlu_set_err(err, errlen, "%s: out of memory", path);
		return USERDB_ERROR;
	}
	db->readonly = ro;
	db->now = clock_default;
	snprintf(db->path, sizeof(db->path), "%s", path);
	st = from_sqlu(sqlu_open(path, ro, USERDB_BUSY_TIMEOUT_MS, &db->h, err, errlen));
	if (st != USERDB_OK) {
		userdb_free(db);
		return st;
	}
	st = open_checks(db);
	if (st == USERDB_OK) {
		rc = exec_sql(db, "PRAGMA foreign_keys = ON");
		if (rc != SQLITE_OK)
			st = db_fail(db, rc, "enable foreign keys");
	}
	if (st != USERDB_OK) {
		sqlu_set_err(err, errlen, "%s", db->err);
		userdb_free(db);
		return st;
	}
	db->err[0] = '\0';
	*out = db;
	return USERDB_OK;
}

void userdb_free(struct userdb *db)
{
	if (!db)
		return;
	sqlite3_finalize(db->get_st);
	sqlite3_close(db->h);
	free(db);
}

/* ---- rows ---------------------------------------------------------------- */

#define USER_COLUMNS "name, nt_hash, enabled, static_ip, max_sessions, created, updated, " \
	"idle, session_timeout, rate_down, rate_up"

static enum userdb_status row_to_record(struct userdb *db, sqlite3_stmt *st,
					struct user_record *rec)
{
	const unsigned char *name = sqlite3_column_text(st, 0);
	int namelen = sqlite3_column_bytes(st, 0);
	const void *hash = sqlite3_column_blob(st, 1);
	int hashlen = sqlite3_column_bytes(st, 1);
	char shown[64];

	memset(rec, 0, sizeof(*rec));
	if (!name || namelen < 1 || namelen > USERDB_NAME_MAX) {
		db_err(db, "%s: a row has an invalid name (the database file is corrupt)",
		       db->path);
		return USERDB_CORRUPT;
	}
	memcpy(rec->name, name, (size_t)namelen);
	rec->name[namelen] = '\0';
	if (!userdb_name_check(rec->name, NULL, 0)) {
		/* Written by hand around this program: never hand it to a terminal. */
		db_err(db, "%s: user '%s' has an invalid name", db->path,
		       name_shown(rec->name, shown, sizeof(shown)));
		return USERDB_CORRUPT;
	}
	if (!hash || hashlen != USERDB_NT_HASH_LEN) {
		db_err(db, "%s: user '%s' has an invalid nt_hash (the database file is corrupt)",
		       db->path, name_shown(rec->name, shown, sizeof(shown)));
		return USERDB_CORRUPT;
	}
	memcpy(rec->nt_hash, hash, USERDB_NT_HASH_LEN);
	rec->enabled = sqlite3_column_int64(st, 2) != 0;
	if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
		const unsigned char *ip = sqlite3_column_text(st, 3);
		if (!ip || inet_pton(AF_INET, (const char *)ip, &rec->static_ip) != 1) {
			db_err(db, "%s: user '%s' has an invalid static_ip '%s'", db->path,
			       name_shown(rec->name, shown, sizeof(shown)),
			       ip ? (const char *)ip : "");
			return USERDB_CORRUPT;
		}
		rec->has_static_ip = true;
	}
	if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
		int64_t n = sqlite3_column_int64(st, 4);
		if (n < 1 || n > UINT32_MAX) {
			db_err(db, "%s: user '%s' has an invalid max_sessions %lld", db->path,
			       name_shown(rec->name, shown, sizeof(shown)), (long long)n);
			return USERDB_CORRUPT;
		}
		rec->max_sessions = (uint32_t)n;
	}
	rec->created = sqlite3_column_int64(st, 5);
	rec->updated = sqlite3_column_int64(st, 6);
	if (sqlite3_column_type(st, 7) != SQLITE_NULL) {
		int64_t n = sqlite3_column_int64(st, 7);
		if (n < 0 || n > USERDB_IDLE_MAX) {
			db_err(db, "%s: user '%s' has an invalid idle %lld", db->path,
			       name_shown(rec->name, shown, sizeof(shown)), (long long)n);
			return USERDB_CORRUPT;
		}
		rec->has_idle = true;
		rec->idle = (uint32_t)n;
	}
	if (sqlite3_column_type(st, 8) != SQLITE_NULL) {
		int64_t n = sqlite3_column_int64(st, 8);
		if (n < 1 || n > UINT32_MAX) {
			db_err(db, "%s: user '%s' has an invalid session_timeout %lld", db->path,
			       name_shown(rec->name, shown, sizeof(shown)), (long long)n);
			return USERDB_CORRUPT;
		}
		rec->session_timeout = (uint32_t)n;
	}
	/* Both or neither (userdb_set_rate writes both). */
	if (sqlite3_column_type(st, 9) != SQLITE_NULL &&
	    sqlite3_column_type(st, 10) != SQLITE_NULL) {
		int64_t d = sqlite3_column_int64(st, 9), u = sqlite3_column_int64(st, 10);
		if (d < 0 || d > USERDB_RATE_MAX || u < 0 || u > USERDB_RATE_MAX) {
			db_err(db, "%s: user '%s' has an invalid rate %lld/%lld", db->path,
			       name_shown(rec->name, shown, sizeof(shown)), (long long)d,
			       (long long)u);
			return USERDB_CORRUPT;
		}
		rec->has_rate = true;
		rec->rate_down = (uint32_t)d;
		rec->rate_up = (uint32_t)u;
	}
	return USERDB_OK;
}

static bool name_ok(struct userdb *db, const char *what, const char *name)
{
	char why[128];
	if (userdb_name_check(name, why, sizeof(why)))
		return true;
	db_err(db, "%s: %s", what, why);
	return false;
}

static bool static_ip_ok(struct userdb *db, const struct in_addr *ip, char *text, size_t len)
{
	uint32_t a = ntohl(ip->s_addr);
	inet_ntop(AF_INET, ip, text, (socklen_t)len);
	if (a == 0 || a == 0xFFFFFFFFu || (a >> 24) == 127 || (a >> 28) == 0xE) {
		db_err(db, "static IP %s is not a usable unicast address", text);
		return false;
	}
	return true;
}

static bool idle_ok(struct userdb *db, uint32_t idle)
{
	if (idle <= USERDB_IDLE_MAX)
		return true;
	db_err(db, "idle %" PRIu32 " is more than %d seconds", idle, USERDB_IDLE_MAX);
	return false;
}

static bool rate_ok(struct userdb *db, uint32_t down, uint32_t up)
{
	if (down <= USERDB_RATE_MAX && up <= USERDB_RATE_MAX)
		return true;
	db_err(db, "rate %" PRIu32 "/%" PRIu32 " is more than %d kbit/s", down, up,
	       USERDB_RATE_MAX);
	return false;
}

/* ---- operations ---------------------------------------------------------- */

enum userdb_status userdb_add(struct userdb *db, const struct user_record *rec)
{
	static const char sql[] = "INSERT INTO users (name, nt_hash, enabled, static_ip, "
		"max_sessions, created, updated, idle, session_timeout, rate_down, rate_up) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9, ?10)";
	char shown[USERDB_NAME_MAX * 4 + 8], ip[INET_ADDRSTRLEN];
	sqlite3_stmt *st = NULL;
	enum userdb_status res;
	bool nested;
	int rc;

	db->err[0] = '\0';
	if (!name_ok(db, "add user", rec->name))
		return USERDB_INVALID;
	if (rec->has_static_ip && !static_ip_ok(db, &rec->static_ip, ip, sizeof(ip)))
		return USERDB_INVALID;
	if (rec->has_idle && !idle_ok(db, rec->idle))
		return USERDB_INVALID;
	if (rec->has_rate && !rate_ok(db, rec->rate_down, rec->rate_up))
		return USERDB_INVALID;
	res = op_begin(db, &nested);
	if (res != USERDB_OK)
		return res;
	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, rec->name, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, rec->nt_hash, USERDB_NT_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, rec->enabled ? 1 : 0);
		if (rec->has_static_ip)
			sqlite3_bind_text(st, 4, ip, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 4);
		if (rec->max_sessions)
			sqlite3_bind_int64(st, 5, rec->max_sessions);
		else
			sqlite3_bind_null(st, 5);
		sqlite3_bind_int64(st, 6, db->now(db->now_ctx));
		if (rec->has_idle)
			sqlite3_bind_int64(st, 7, rec->idle);
		else
			sqlite3_bind_null(st, 7);
		if (rec->session_timeout)
			sqlite3_bind_int64(st, 8, rec->session_timeout);
		else
			sqlite3_bind_null(st, 8);
		if (rec->has_rate) {
			sqlite3_bind_int64(st, 9, rec->rate_down);
			sqlite3_bind_int64(st, 10, rec->rate_up);
		} else {
			sqlite3_bind_null(st, 9);
			sqlite3_bind_null(st, 10);
		}
		rc = sqlite3_step(st);
	}
	name_shown(rec->name, shown, sizeof(shown));
	if (rc == SQLITE_DONE) {
		res = USERDB_OK;
	} else if (rc == SQLITE_CONSTRAINT_UNIQUE) {
		db_err(db, "user '%s' already exists", shown);
		res = USERDB_EXISTS;
	} else {
		char what[USERDB_NAME_MAX * 4 + 32];
		snprintf(what, sizeof(what), "add user '%s'", shown);
		res = db_fail(db, rc, what);
	}
	sqlite3_finalize(st);
	return op_end(db, nested, res);
}

/* One column value for set_column(). */
struct colval {
	enum { CV_NULL, CV_INT, CV_TEXT, CV_BLOB } kind;
	int64_t i;
	const void *p;
	int len;
};

/* End the change of one user's row that st made (rc: its last step): the
 * failure of "what", no such user, or done; then the operation's end. */
static enum userdb_status end_change(struct userdb *db, bool nested, sqlite3_stmt *st, int rc,
				     const char *what, const char *shown)
{
	enum userdb_status res = USERDB_OK;

	if (rc != SQLITE_DONE) {
		res = db_fail(db, rc, what);
	} else if (sqlite3_changes(db->h) == 0) {
		db_err(db, "user '%s' not found", shown);
		res = USERDB_NOT_FOUND;
	}
	sqlite3_finalize(st);
	return op_end(db, nested, res);
}

/* UPDATE one column of one user, and its updated time; NOT_FOUND if no row.
 * column is a fixed identifier from this file, never user input. */
static enum userdb_status set_column(struct userdb *db, const char *name, const char *column,
				     const struct colval *v)
{
	char sql[128], shown[USERDB_NAME_MAX * 4 + 8], what[USERDB_NAME_MAX * 4 + 64];
	sqlite3_stmt *st = NULL;
	enum userdb_status res;
	bool nested;
	int rc;

	db->err[0] = '\0';
	snprintf(what, sizeof(what), "set %s", column);
	if (!name_ok(db, what, name))
		return USERDB_INVALID;
	name_shown(name, shown, sizeof(shown));
	snprintf(what, sizeof(what), "set %s of user '%s'", column, shown);
	res = op_begin(db, &nested);
	if (res != USERDB_OK)
		return res;
	snprintf(sql, sizeof(sql), "UPDATE users SET %s = ?1, updated = ?2 WHERE name = ?3",
		 column);
	rc = sqlite3_prepare_v2(db->h, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		switch (v->kind) {
		case CV_NULL:
			sqlite3_bind_null(st, 1);
			break;
		case CV_INT:
			sqlite3_bind_int64(st, 1, v->i);
			break;
		case CV_TEXT:
			sqlite3_bind_text(st, 1, v->p, v->len, SQLITE_STATIC);
			break;
		case CV_BLOB:
			sqlite3_bind_blob(st, 1, v->p, v->len, SQLITE_STATIC);
			break;
		}
		sqlite3_bind_int64(st, 2, db->now(db->now_ctx));
		sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	return end_change(db, nested, st, rc, what, shown);
}

enum userdb_status userdb_set_nt_hash(struct userdb *db, const char *name,
				      const uint8_t hash[static USERDB_NT_HASH_LEN])
{
	struct colval v = { .kind = CV_BLOB, .p = hash, .len = USERDB_NT_HASH_LEN };
	return set_column(db, name, "nt_hash", &v);
}

enum userdb_status userdb_set_enabled(struct userdb *db, const char *name, bool enabled)
{
	struct colval v = { .kind = CV_INT, .i = enabled ? 1 : 0 };
	return set_column(db, name, "enabled", &v);
}

enum userdb_status userdb_set_static_ip(struct userdb *db, const char *name,
					const struct in_addr *ip)
{
	char text[INET_ADDRSTRLEN];
	struct colval v = { .kind = CV_NULL };
	if (ip) {
		db->err[0] = '\0';
		if (!static_ip_ok(db, ip, text, sizeof(text)))
			return USERDB_INVALID;
		v.kind = CV_TEXT;
		v.p = text;
		v.len = -1;
	}
	return set_column(db, name, "static_ip", &v);
}

enum userdb_status userdb_set_max_sessions(struct userdb *db, const char *name, uint32_t n)
{
	struct colval v = { .kind = n ? CV_INT : CV_NULL, .i = n };
	return set_column(db, name, "max_sessions", &v);
}

enum userdb_status userdb_set_idle(struct userdb *db, const char *name, const uint32_t *idle)
{
	struct colval v = { .kind = CV_NULL };
	if (idle) {
		db->err[0] = '\0';
		if (!idle_ok(db, *idle))
			return USERDB_INVALID;
		v.kind = CV_INT;
		v.i = *idle;
	}
	return set_column(db, name, "idle", &v);
}

enum userdb_status userdb_set_session_timeout(struct userdb *db, const char *name, uint32_t n)
{
	struct colval v = { .kind = n ? CV_INT : CV_NULL, .i = n };
	return set_column(db, name, "session_timeout", &v);
}

enum userdb_status userdb_set_rate(struct userdb *db, const char *name, const uint32_t *down,
				   const uint32_t *up)
{
	struct colval d = { .kind = CV_NULL }, u = { .kind = CV_NULL };
	enum userdb_status res;
	bool nested;

	db->err[0] = '\0';
	if (!down != !up) {
		db_err(db, "set rate: give both directions or neither");
		return USERDB_INVALID;
	}
	if (down) {
		if (!rate_ok(db, *down, *up))
			return USERDB_INVALID;
		d.kind = u.kind = CV_INT;
		d.i = *down;
		u.i = *up;
	}
	/* Both columns or neither: one transaction around the two. */
	res = op_begin(db, &nested);
	if (res != USERDB_OK)
		return res;
	res = set_column(db, name, "rate_down", &d);
	if (res == USERDB_OK)
		res = set_column(db, name, "rate_up", &u);
	if (res != USERDB_OK) {
		char err[sizeof(db->err)];
		memcpy(err, db->err, sizeof(err));
		op_end(db, nested, res);
		memcpy(db->err, err, sizeof(err));
		return res;
	}
	return op_end(db, nested, res);
}

enum userdb_status userdb_delete(struct userdb *db, const char *name)
{
	char shown[USERDB_NAME_MAX * 4 + 8], what[USERDB_NAME_MAX * 4 + 32];
	sqlite3_stmt *st = NULL;
	enum userdb_status res;
	bool nested;
	int rc;

	db->err[0] = '\0';
	if (!name_ok(db, "delete user", name))
		return USERDB_INVALID;
	name_shown(name, shown, sizeof(shown));
	res = op_begin(db, &nested);
	if (res != USERDB_OK)
		return res;
	rc = sqlite3_prepare_v2(db->h, "DELETE FROM users WHERE name = ?1", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
	}
	snprintf(what, sizeof(what), "delete user '%s'", shown);
	return end_change(db, nested, st, rc, what, shown);
}

enum userdb_status userdb_get(struct userdb *db, const char *name, struct user_record *rec)
{
	char shown[USERDB_NAME_MAX * 4 + 8], what[USERDB_NAME_MAX * 4 + 32];
	enum userdb_status res = USERDB_OK;
	int rc = SQLITE_OK;

	db->err[0] = '\0';
	if (!name_ok(db, "get user", name))
		return USERDB_INVALID;
	/* Prepared once per connection: the lookup is on every login's path. */
	if (!db->get_st)
		rc = sqlite3_prepare_v2(db->h, "SELECT " USER_COLUMNS " FROM users WHERE name = ?1",
					-1, &db->get_st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(db->get_st, 1, name, -1, SQLITE_STATIC);
		rc = sqlite3_step(db->get_st);
	}
	if (rc == SQLITE_ROW) {
		res = row_to_record(db, db->get_st, rec);
	} else if (rc == SQLITE_DONE) {
		db_err(db, "user '%s' not found", name_shown(name, shown, sizeof(shown)));
		res = USERDB_NOT_FOUND;
	} else {
		snprintf(what, sizeof(what), "read user '%s'", name_shown(name, shown, sizeof(shown)));
		res = db_fail(db, rc, what);
	}
	if (db->get_st) {
		sqlite3_reset(db->get_st);
		sqlite3_clear_bindings(db->get_st);
	}
	return res;
}

enum userdb_status userdb_foreach(struct userdb *db,
				  int (*cb)(const struct user_record *rec, void *ctx), void *ctx)
{
	struct user_record rec;
	sqlite3_stmt *st = NULL;
	enum userdb_status res = USERDB_OK;
	int rc;

	db->err[0] = '\0';
	rc = sqlite3_prepare_v2(db->h, "SELECT " USER_COLUMNS " FROM users ORDER BY name",
				-1, &st, NULL);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		res = row_to_record(db, st, &rec);
		if (res != USERDB_OK || cb(&rec, ctx) != 0)
			break;
	}
	if (res == USERDB_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
		res = db_fail(db, rc, "list users");
	sqlite3_finalize(st);
	return res;
}
