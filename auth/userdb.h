/*
 * The SQLite user store: one row per user with the NT password hash
 * (RFC 2759 NtPasswordHash, never the clear password), an enabled flag, an
 * optional static IPv4 address, an optional per-user session limit, and
 * optional idle and session timeouts (schema version 2), optional rate
 * limits (schema version 3).
 *
 * The schema carries its version in PRAGMA user_version. userdb_open()
 * applies the missing migrations in order inside one transaction and refuses
 * (leaving the file untouched) a store written by a newer schema. Stores are
 * opened in WAL mode with a busy timeout and foreign keys on; a database file
 * created here gets mode 0600.
 *
 * Lifetimes: userdb_open() returns a connection owned by the caller until
 * userdb_free(). There is no global state: a worker thread may own its own
 * connection, but one connection must not be used by two threads at once.
 * Every mutating call is one transaction (or one savepoint inside a
 * transaction opened with userdb_begin()); on any error the store is left as
 * it was. After a call that did not return USERDB_OK, userdb_errmsg() gives a
 * one-line reason naming the cause; it stays valid until the next call on the
 * same connection.
 */
#ifndef PPTP_AUTH_USERDB_H
#define PPTP_AUTH_USERDB_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USERDB_SCHEMA_VERSION 3
#define USERDB_NAME_MAX       256 /* bytes of UTF-8 */
#define USERDB_NT_HASH_LEN    16
#define USERDB_PASSWORD_MAX   256 /* characters (code points) */
#define USERDB_IDLE_MAX       604800 /* seconds (a week), as the `idle` key */
#define USERDB_RATE_MAX       10000000 /* kbit/s, as the rate-limit keys */

enum userdb_status {
	USERDB_OK = 0,
	USERDB_NOT_FOUND,
	USERDB_EXISTS,
	USERDB_INVALID,  /* bad argument: name, address, count */
	USERDB_READONLY, /* the file or its directory cannot be written */
	USERDB_CORRUPT,  /* not a database, or a damaged one */
	USERDB_TOO_NEW,  /* schema written by a newer program */
	USERDB_ERROR,    /* anything else: disk full, I/O, locked... */
};

enum userdb_open_flags {
	USERDB_OPEN_CREATE   = 1u << 0, /* create the file (mode 0600) if missing */
	USERDB_OPEN_READONLY = 1u << 1, /* never write; no migration */
};

struct user_record {
	char name[USERDB_NAME_MAX + 1];
	uint8_t nt_hash[USERDB_NT_HASH_LEN];
	bool enabled;
	bool has_static_ip;
	struct in_addr static_ip;
	uint32_t max_sessions; /* 0 = no per-user limit */
	/* Seconds without data before hang-up, replacing the `idle` key; with
	 * has_idle false the key applies. 0..USERDB_IDLE_MAX, 0 = never. */
	bool has_idle;
	uint32_t idle;
	uint32_t session_timeout; /* seconds a session may last; 0 = no limit */
	/* Rate limits in kbit/s (0: none that way), replacing the rate-limit
	 * keys; with has_rate false the keys apply. */
	bool has_rate;
	uint32_t rate_down, rate_up;
	int64_t created, updated; /* seconds since the epoch, set by the store */
};

struct userdb;

/* Open (and migrate, unless read-only) the store at path. On failure *out is
 * NULL and err holds a one-line reason. */
enum userdb_status userdb_open(const char *path, unsigned flags, struct userdb **out,
			       char *err, size_t errlen);
void userdb_free(struct userdb *db);

const char *userdb_errmsg(const struct userdb *db);
const char *userdb_status_name(enum userdb_status st);

/* The clock used for created/updated; default time(NULL). For tests. */
void userdb_set_clock(struct userdb *db, int64_t (*now)(void *ctx), void *ctx);

/* A user name is 1..USERDB_NAME_MAX bytes of valid UTF-8 with no control
 * characters (below 0x20, or 0x7F). False with a reason in why otherwise. */
bool userdb_name_check(const char *name, char *why, size_t whylen);
/* A password is 1..USERDB_PASSWORD_MAX characters of valid UTF-8 and no NUL;
 * len excludes any terminator. False with a reason otherwise. */
bool userdb_password_check(const char *pw, size_t len, char *why, size_t whylen);

/* Add rec (name, nt_hash, enabled, static ip, max_sessions, idle,
 * session_timeout; created and updated are set by the store).
 * USERDB_EXISTS if the name is taken. */
enum userdb_status userdb_add(struct userdb *db, const struct user_record *rec);
enum userdb_status userdb_delete(struct userdb *db, const char *name);
enum userdb_status userdb_set_nt_hash(struct userdb *db, const char *name,
				      const uint8_t hash[static USERDB_NT_HASH_LEN]);
enum userdb_status userdb_set_enabled(struct userdb *db, const char *name, bool enabled);
/* ip NULL clears the static address. */
enum userdb_status userdb_set_static_ip(struct userdb *db, const char *name,
					const struct in_addr *ip);
/* 0 clears the limit. */
enum userdb_status userdb_set_max_sessions(struct userdb *db, const char *name, uint32_t n);
/* idle NULL clears the user's value (the `idle` key applies); *idle 0 is
 * never, at most USERDB_IDLE_MAX (else USERDB_INVALID). */
enum userdb_status userdb_set_idle(struct userdb *db, const char *name, const uint32_t *idle);
/* 0 clears the limit. */
enum userdb_status userdb_set_session_timeout(struct userdb *db, const char *name, uint32_t n);
/* Both NULL clear the user's rates (the rate-limit keys apply); else both
 * given, kbit/s, 0 = no limit that way, at most USERDB_RATE_MAX. */
enum userdb_status userdb_set_rate(struct userdb *db, const char *name, const uint32_t *down,
				   const uint32_t *up);

enum userdb_status userdb_get(struct userdb *db, const char *name, struct user_record *rec);
/* Calls cb for each user in name order; a non-zero return from cb stops the
 * walk (the call still returns USERDB_OK). */
enum userdb_status userdb_foreach(struct userdb *db,
				  int (*cb)(const struct user_record *rec, void *ctx), void *ctx);

/* Group several mutating calls into one transaction: all or nothing. Inside
 * it each call still undoes its own changes when it fails. */
enum userdb_status userdb_begin(struct userdb *db);
enum userdb_status userdb_commit(struct userdb *db);
void userdb_rollback(struct userdb *db);

#endif
