/*
 * The persistent accounting spool: a small SQLite file that keeps every
 * RADIUS accounting record (RFC 2866) that the accounting server has not
 * acknowledged yet, so that it survives a server outage and a restart of
 * pptpd.
 *
 * The accounting sender keeps the authoritative FIFO in memory, on the
 * event-loop thread; the spool only mirrors it on disk. Each record is an
 * opaque blob of 1..ACCT_SPOOL_RECORD_MAX bytes (the caller's encoded
 * attributes) with a caller-chosen id (1..INT64_MAX, ascending, never reused
 * while stored) and a creation time. The sender calls acct_spool_put() when
 * it queues a record and acct_spool_del() when the server acknowledges it.
 *
 * Never blocking the loop: put and del only copy the bytes into a bounded,
 * locked queue and wake one worker thread; they never touch SQLite. The
 * worker sleeps on a condition variable, takes everything queued at once
 * and writes it in one transaction (BEGIN IMMEDIATE ... COMMIT), so a burst
 * of thousands of operations costs a few transactions. A put and a del of
 * the same id that are both still queued cancel out without touching the
 * disk (when the put created the id: its id is above every id stored or
 * queued before).
 *
 * Durability: the file is in WAL mode with synchronous=NORMAL. A committed
 * transaction is in the WAL file, so a crash, kill -9 or restart of pptpd
 * loses nothing that was committed; only a power loss or kernel crash may
 * lose the last transactions, because the WAL is not fsync'ed at every
 * commit (it is at each checkpoint). synchronous=FULL would fsync at every
 * commit, for records the accounting sender still holds in memory and
 * retries anyway. Operations still queued (not yet committed) are lost if
 * pptpd dies; acct_spool_flush() and acct_spool_free() wait for them.
 *
 * Errors: a failed transaction is logged once (event=acct-spool-error, with
 * the reason) and rolled back; the spool is then failed for good: what
 * was still queued is discarded (the lost operations count in
 * stats.failed) and every later put/del is refused (stats.dropped).
 * acct_spool_error() gives the reason. The caller keeps and sends its in-memory records either way.
 *
 * Exclusive use: the file is held with SQLite's exclusive locking mode from
 * open to close, so a second process (a second pptpd configured with the
 * same spool, which would send every record twice) fails to open it with a
 * reason. While pptpd runs, the sqlite3 shell cannot read the file either.
 *
 * Records are not secret: RFC 2866 section 5.13 keeps passwords out of
 * accounting, so the bytes are not wiped. They name users and addresses,
 * hence mode 0600 for a file created here (an existing file keeps its mode).
 *
 * Lifetimes and threads: acct_spool_open() returns a spool owned by the
 * caller until acct_spool_free(). The SQLite connection belongs to the
 * worker thread, except in open and in acct_spool_load(), which run on the
 * caller's thread at start-up while the worker is held. put, del, flush,
 * stats and pause take the spool's mutex and may be called from any thread;
 * operations are applied in the order the calls returned. put copies the
 * caller's bytes: the buffer may be reused at once.
 */
#ifndef PPTP_AUTH_ACCT_SPOOL_H
#define PPTP_AUTH_ACCT_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACCT_SPOOL_SCHEMA_VERSION 1
#define ACCT_SPOOL_RECORD_MAX     4096  /* bytes of one record */
#define ACCT_SPOOL_QUEUE_DEFAULT  65536 /* queued operations */
#define ACCT_SPOOL_LOCK_WAIT_DEFAULT_MS 1000

struct acct_spool;

struct acct_spool_config {
	const char *path;     /* created (0600) if missing; its directory must exist */
	size_t queue_max;     /* queued operations; 0: ACCT_SPOOL_QUEUE_DEFAULT */
	/* How long open waits for another process to release the file; 0:
	 * ACCT_SPOOL_LOCK_WAIT_DEFAULT_MS. */
	unsigned lock_wait_ms;
};

/* Open (creating it if missing) the spool, check or create its schema
 * (PRAGMA user_version; a newer one is refused and the file left untouched,
 * as is a file that is not a spool) and start the worker thread.
 * Synchronous: for start-up, before the event loop runs. NULL with a
 * one-line reason in err on failure. */
struct acct_spool *acct_spool_open(const char *path, char *err, size_t errlen);
struct acct_spool *acct_spool_open_ex(const struct acct_spool_config *cfg,
				      char *err, size_t errlen);

typedef void (*acct_spool_load_fn)(void *ctx, uint64_t id, int64_t created,
				   const void *rec, size_t len);

/* Start-up only, before any put or del: call cb for every stored record in
 * ascending id order (rec is valid during the call only). cb must not call
 * flush or close. Returns the number of records, or -1 with a reason in err
 * (a damaged record, a read error, or put/del already called). */
long acct_spool_load(struct acct_spool *sp, acct_spool_load_fn cb, void *ctx,
		     char *err, size_t errlen);

/* The largest id stored when the spool was opened (0 if none): the caller
 * numbers new records after it. */
uint64_t acct_spool_max_id(const struct acct_spool *sp);

/* Queue an insert (replacing any stored record with that id) or a delete
 * for the worker; never blocks on I/O. False, counted in stats.dropped, if
 * the queue is full, a copy of the bytes cannot be allocated or the spool
 * has failed; false, not counted, for an invalid argument (id 0 or above
 * INT64_MAX, rec NULL, len 0 or above ACCT_SPOOL_RECORD_MAX). A del that
 * cancels out a queued put of a new id (see above) needs no room in the
 * queue and succeeds even when it is full. */
bool acct_spool_put(struct acct_spool *sp, uint64_t id, int64_t created,
		    const void *rec, size_t len);
bool acct_spool_del(struct acct_spool *sp, uint64_t id);

/* Wait until every operation queued so far is committed, or discarded
 * because the spool failed (shutdown, tests). Writes even while paused. */
void acct_spool_flush(struct acct_spool *sp);

/* Flush (even while paused), stop the worker, close the file. NULL is fine. */
void acct_spool_free(struct acct_spool *sp);

/* Every operation put/del accepted (returned true) ends up in exactly one
 * of written, failed or cancelled, and is pending until then; every one
 * refused for a reason other than a bad argument is counted in dropped. */
struct acct_spool_stats {
	uint64_t written;      /* operations committed */
	uint64_t failed;       /* accepted, then lost to a write error */
	uint64_t dropped;      /* refused: queue full, out of memory, spool failed */
	uint64_t cancelled;    /* put/del pairs that cancelled out (2 per pair) or a
				* queued put superseded by a del */
	uint64_t pending;      /* accepted, not yet committed or failed */
	uint64_t transactions; /* transactions committed */
};
void acct_spool_stats(struct acct_spool *sp, struct acct_spool_stats *out);

/* True once the spool has failed; then why holds the reason. */
bool acct_spool_error(struct acct_spool *sp, char *why, size_t whylen);

/* For tests: hold the worker before it takes the next batch until released
 * (lets a test queue operations, or fill the queue, deterministically).
 * flush and close still write. */
void acct_spool_pause(struct acct_spool *sp, bool paused);

#endif
