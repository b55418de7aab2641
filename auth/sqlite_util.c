/*
 * Opening, checking and migrating one SQLite file (see sqlite_util.h).
 */
#include "auth/sqlite_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void sqlu_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

enum sqlu_status sqlu_rc_status(int rc, const char **cause)
{
	switch (rc & 0xFF) {
	case SQLITE_READONLY:
		*cause = "the database is read-only";
		return SQLU_READONLY;
	case SQLITE_PERM:
		*cause = "permission denied";
		return SQLU_READONLY;
	case SQLITE_FULL:
		*cause = "disk full";
		return SQLU_ERROR;
	case SQLITE_CORRUPT:
		*cause = "the database file is corrupt";
		return SQLU_CORRUPT;
	case SQLITE_NOTADB:
		*cause = "the file is not a database";
		return SQLU_CORRUPT;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		*cause = "the database is locked by another process";
		return SQLU_ERROR;
	case SQLITE_CANTOPEN:
		*cause = "cannot open a database file (is its directory writable?)";
		return SQLU_ERROR;
	case SQLITE_IOERR:
		*cause = "I/O error";
		return SQLU_ERROR;
	case SQLITE_NOMEM:
		*cause = "out of memory";
		return SQLU_ERROR;
	case SQLITE_CONSTRAINT:
		*cause = "constraint violated";
		return SQLU_INVALID;
	default:
		*cause = "database error";
		return SQLU_ERROR;
	}
}

const char *sqlu_rc_cause(int rc)
{
	const char *cause;
	sqlu_rc_status(rc, &cause);
	return cause;
}

enum sqlu_status sqlu_fail(sqlite3 *h, const char *path, int rc, const char *what,
			   char *err, size_t errlen)
{
	const char *cause;
	enum sqlu_status st = sqlu_rc_status(rc, &cause);
	sqlu_set_err(err, errlen, "%s: %s: %s (sqlite: %s)", path, what, cause,
		     h ? sqlite3_errmsg(h) : "out of memory");
	return st;
}

enum sqlu_status sqlu_create_file(const char *path, bool create, char *err, size_t errlen)
{
	struct stat sb;
	int fd;

	if (stat(path, &sb) == 0) {
		if (!S_ISREG(sb.st_mode)) {
			sqlu_set_err(err, errlen, "%s: not a regular file", path);
			return SQLU_INVALID;
		}
		return SQLU_OK;
	}
	if (errno != ENOENT || !create) {
		sqlu_set_err(err, errlen, "%s: %s", path, strerror(errno));
		return SQLU_ERROR;
	}
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return SQLU_OK; /* created meanwhile */
		if (errno == ENOENT)
			sqlu_set_err(err, errlen, "%s: cannot create: its directory does not exist",
				     path);
		else
			sqlu_set_err(err, errlen, "%s: cannot create: %s", path, strerror(errno));
		return (errno == EACCES || errno == EROFS || errno == EPERM) ?
			SQLU_READONLY : SQLU_ERROR;
	}
	/* The umask may have narrowed the mode; never widened. Make it exact. */
	if (fchmod(fd, 0600) != 0) {
		sqlu_set_err(err, errlen, "%s: chmod 0600: %s", path, strerror(errno));
		close(fd);
		return SQLU_ERROR;
	}
	close(fd);
	return SQLU_OK;
}

enum sqlu_status sqlu_open(const char *path, bool readonly, int busy_timeout_ms,
			   sqlite3 **out, char *err, size_t errlen)
{
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(path, &h, readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE,
				 NULL);

	*out = NULL;
	if (rc != SQLITE_OK) {
		enum sqlu_status st = sqlu_fail(h, path, rc, "cannot open", err, errlen);
		sqlite3_close(h);
		return st;
	}
	sqlite3_extended_result_codes(h, 1);
	/* SQLite silently falls back to read-only when it cannot write the file. */
	if (!readonly && sqlite3_db_readonly(h, "main") == 1) {
		sqlu_set_err(err, errlen, "%s: the database file is read-only "
			     "(no write permission, or a read-only file system)", path);
		sqlite3_close(h);
		return SQLU_READONLY;
	}
	sqlite3_busy_timeout(h, busy_timeout_ms);
	*out = h;
	return SQLU_OK;
}

/* Step a prepared one-column statement to its first row. */
static int query_row(sqlite3 *h, const char *sql, sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(h, sql, -1, st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(*st);
	if (rc == SQLITE_ROW)
		return SQLITE_OK;
	sqlite3_finalize(*st);
	return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
}

int sqlu_query_int(sqlite3 *h, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc = query_row(h, sql, &st);
	if (rc != SQLITE_OK)
		return rc;
	*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return SQLITE_OK;
}

int sqlu_query_text(sqlite3 *h, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int rc = query_row(h, sql, &st);
	if (rc != SQLITE_OK)
		return rc;
	t = sqlite3_column_text(st, 0);
	snprintf(out, outlen, "%s", t ? (const char *)t : "");
	sqlite3_finalize(st);
	return SQLITE_OK;
}

/* Why the version or the table count could not be read. */
static enum sqlu_status read_schema_fail(sqlite3 *h, const char *path, int rc, bool readonly,
					 char *err, size_t errlen)
{
	const char *cause;
	enum sqlu_status st = sqlu_rc_status(rc, &cause);

	if (st == SQLU_CORRUPT) {
		sqlu_set_err(err, errlen, "%s: %s (sqlite: %s)", path, cause, sqlite3_errmsg(h));
	} else if (readonly && ((rc & 0xFF) == SQLITE_READONLY || (rc & 0xFF) == SQLITE_CANTOPEN)) {
		/* A WAL file needs its -shm file even to be read. */
		sqlu_set_err(err, errlen, "%s: cannot read the store: in WAL mode SQLite must "
			     "create its -shm file next to it, and that directory is not "
			     "writable by this user (run as the store's owner)", path);
		st = SQLU_READONLY;
	} else {
		sqlu_fail(h, path, rc, "read schema", err, errlen);
	}
	return st;
}

enum sqlu_status sqlu_check_schema(sqlite3 *h, const char *path, const struct sqlu_schema *s,
				   bool readonly, int64_t *version, char *err, size_t errlen)
{
	int64_t ntables;
	int rc = sqlu_query_int(h, "PRAGMA user_version", version);

	if (rc == SQLITE_OK)
		rc = sqlu_query_int(h, "SELECT count(*) FROM sqlite_master", &ntables);
	if (rc != SQLITE_OK)
		return read_schema_fail(h, path, rc, readonly, err, errlen);
	if (*version > s->version) {
		sqlu_set_err(err, errlen, "%s: schema version %lld is newer than this program "
			     "supports (%d)", path, (long long)*version, s->version);
		return SQLU_TOO_NEW;
	}
	if (*version < 0 || (*version == 0 && ntables > 0)) {
		sqlu_set_err(err, errlen, "%s: not %s (schema version %lld with %lld tables)",
			     path, s->kind, (long long)*version, (long long)ntables);
		return SQLU_CORRUPT;
	}
	return SQLU_OK;
}

enum sqlu_status sqlu_check_and_wal(sqlite3 *h, const char *path, char *err, size_t errlen)
{
	char text[256];
	int rc = sqlu_query_text(h, "PRAGMA quick_check", text, sizeof(text));

	if (rc != SQLITE_OK)
		return sqlu_fail(h, path, rc, "integrity check", err, errlen);
	if (strcmp(text, "ok") != 0) {
		sqlu_set_err(err, errlen, "%s: the database file is corrupt (quick_check: %s)",
			     path, text);
		return SQLU_CORRUPT;
	}
	rc = sqlu_query_text(h, "PRAGMA journal_mode = WAL", text, sizeof(text));
	if (rc != SQLITE_OK)
		return sqlu_fail(h, path, rc, "switch to WAL mode", err, errlen);
	if (strcmp(text, "wal") != 0) {
		sqlu_set_err(err, errlen, "%s: cannot switch to WAL mode (journal mode is '%s')",
			     path, text);
		return SQLU_ERROR;
	}
	return SQLU_OK;
}

/* The migrations after version v, in the open transaction. */
static enum sqlu_status migrate_steps(sqlite3 *h, const char *path, const struct sqlu_schema *s,
				      int64_t v, char *err, size_t errlen)
{
	for (; v < s->version; v++) {
		char sql[64], what[64];
		int rc = sqlite3_exec(h, s->migrations[v], NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			snprintf(what, sizeof(what), "migrate to schema version %d", (int)v + 1);
			return sqlu_fail(h, path, rc, what, err, errlen);
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", (int)v + 1);
		rc = sqlite3_exec(h, sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return sqlu_fail(h, path, rc, "write schema version", err, errlen);
	}
	return SQLU_OK;
}

enum sqlu_status sqlu_migrate(sqlite3 *h, const char *path, const struct sqlu_schema *s,
			      char *err, size_t errlen)
{
	int64_t v;
	enum sqlu_status st;
	int rc = sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc != SQLITE_OK)
		return sqlu_fail(h, path, rc, "begin transaction", err, errlen);
	/* Read again under the write lock: another process may have migrated. */
	rc = sqlu_query_int(h, "PRAGMA user_version", &v);
	if (rc != SQLITE_OK)
		st = sqlu_fail(h, path, rc, "read schema version", err, errlen);
	else
		st = migrate_steps(h, path, s, v, err, errlen);
	if (st == SQLU_OK) {
		rc = sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return SQLU_OK;
		st = sqlu_fail(h, path, rc, "commit schema", err, errlen);
	}
	if (!sqlite3_get_autocommit(h))
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	return st;
}
