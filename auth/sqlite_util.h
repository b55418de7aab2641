/*
 * One SQLite file as the user store (userdb.c) and the accounting spool
 * (acct_spool.c) use one: created with mode 0600 if missing, opened with
 * extended result codes and a busy timeout, checked (schema version not
 * newer than this program's, not somebody else's database, quick_check),
 * switched to WAL, and migrated by steps, one SQL text per schema version,
 * under PRAGMA user_version. Errors are one line for an operator:
 * "PATH: what: cause (sqlite: message)".
 *
 * No state of its own: every function works on the caller's connection and
 * writes the reason for a failure into the caller's err buffer (errlen 0 or
 * err NULL: no text). The caller owns the connection and closes it with
 * sqlite3_close().
 */
#ifndef PPTP_AUTH_SQLITE_UTIL_H
#define PPTP_AUTH_SQLITE_UTIL_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sqlu_status {
	SQLU_OK,
	SQLU_INVALID,  /* a bad argument, a constraint, not a regular file */
	SQLU_READONLY, /* no write permission, read-only file system */
	SQLU_CORRUPT,  /* not a database, quick_check failed, not ours */
	SQLU_TOO_NEW,  /* schema newer than this program */
	SQLU_ERROR,    /* anything else */
};

/* What a file holds: the migrations (entry i brings the schema from version
 * i to i + 1, so version is their count) and, for "not KIND", what it is. */
struct sqlu_schema {
	const char *kind;                /* "a user database" */
	const char *const *migrations;
	int version;
};

void sqlu_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The status of an SQLite result code and a cause an operator can act on. */
enum sqlu_status sqlu_rc_status(int rc, const char **cause);
const char *sqlu_rc_cause(int rc);

/* Writes "path: what: cause (sqlite: message)"; returns the status of rc. */
enum sqlu_status sqlu_fail(sqlite3 *h, const char *path, int rc, const char *what,
			   char *err, size_t errlen);

/* Make sure path is a regular file; when it does not exist and create is
 * set, create it with mode 0600 (its directory must exist). */
enum sqlu_status sqlu_create_file(const char *path, bool create, char *err, size_t errlen);

/* sqlite3_open_v2 (read-only or read-write, never creating), extended
 * result codes, a read-write open that SQLite silently made read-only
 * refused, and the busy timeout. *out is NULL on failure. */
enum sqlu_status sqlu_open(const char *path, bool readonly, int busy_timeout_ms,
			   sqlite3 **out, char *err, size_t errlen);

/* Run a statement returning one row of one integer, or one text (copied,
 * truncated to outlen). SQLITE_OK, or the failing code (SQLITE_ERROR when
 * there is no row). */
int sqlu_query_int(sqlite3 *h, const char *sql, int64_t *out);
int sqlu_query_text(sqlite3 *h, const char *sql, char *out, size_t outlen);

/* Read the schema version into *version and refuse a newer one or a file
 * with tables but no version (not s->kind). Writes nothing. readonly: the
 * connection was opened read-only (a WAL file then needs a writable
 * directory for its -shm file, which the message says). */
enum sqlu_status sqlu_check_schema(sqlite3 *h, const char *path, const struct sqlu_schema *s,
				   bool readonly, int64_t *version, char *err, size_t errlen);

/* quick_check, then the switch to WAL: the first write to the file. */
enum sqlu_status sqlu_check_and_wal(sqlite3 *h, const char *path, char *err, size_t errlen);

/* Bring the schema to s->version in one transaction (BEGIN IMMEDIATE; the
 * version is read again under the lock, another process may have done it).
 * No transaction may be open. */
enum sqlu_status sqlu_migrate(sqlite3 *h, const char *path, const struct sqlu_schema *s,
			      char *err, size_t errlen);

#endif
