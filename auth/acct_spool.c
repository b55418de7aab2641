/*
 * The accounting spool (see acct_spool.h). Layout:
 *
 *   producers (put/del) --> sp->q (array, at most queue_max slots)
 *                           sp->index (id -> slot of a queued put)
 *   worker: swaps sp->q with sp->batch under the lock, writes sp->batch in
 *           one transaction without the lock, frees its bytes, repeats.
 *
 * A slot is a put, a del, or a put cancelled by a later del (kept in place
 * so that slot numbers in the index stay valid; it is skipped when written).
 * The index is open addressing with linear probing, at most half full; it is
 * emptied slot by slot when the worker takes the batch, in time linear in
 * the batch. Cancelled entries stay in it until then.
 *
 * One mutex guards everything but the SQLite connection and the batch being
 * written, which belong to the worker. Two condition variables: wake (the
 * worker waits for work) and idle (flush waits for the worker).
 */
#include "auth/acct_spool.h"

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/sqlite_util.h"
#include "common/log.h"

/* Bytes the WAL is truncated back to after a checkpoint. */
#define SPOOL_JOURNAL_LIMIT "1048576"

/* Migrations, applied in order: entry i brings the schema to version i + 1. */
static const char *const migrations[] = {
	/* 1 */
	"CREATE TABLE records ("
	" id INTEGER PRIMARY KEY CHECK (id >= 1),"
	" created INTEGER NOT NULL,"
	" rec BLOB NOT NULL CHECK (typeof(rec) = 'blob' AND length(rec) BETWEEN 1 AND 4096)"
	");",
};
_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == ACCT_SPOOL_SCHEMA_VERSION,
	       "one migration per schema version");
_Static_assert(ACCT_SPOOL_RECORD_MAX == 4096, "the CHECK in migration 1 names the limit");

enum op_kind {
	OP_PUT,
	OP_DEL,
	OP_CANCELLED, /* a put undone by a later del while both were queued */
};

#define NO_SLOT UINT32_MAX

struct op {
	uint64_t id;
	int64_t created;
	uint8_t *rec;      /* OP_PUT: malloc'ed copy of the caller's bytes */
	uint32_t len;
	uint32_t islot;    /* OP_PUT/OP_CANCELLED: its entry in sp->index */
	enum op_kind kind;
	bool fresh;        /* OP_PUT: the id was above every id stored or queued before */
};

struct acct_spool {
	pthread_mutex_t lock;
	pthread_cond_t wake;  /* worker: work, a flush or stop */
	pthread_cond_t idle;  /* flush: the worker finished a batch or exited */

	/* Guarded by lock. */
	struct op *q;         /* the queue: q[0..qlen) in call order */
	size_t qlen, qlive;   /* slots used; slots that are not OP_CANCELLED */
	size_t cap;           /* queue_max */
	uint32_t *index;      /* 1 + slot in q of a queued put, 0 empty */
	size_t index_mask;    /* index size - 1 (a power of two >= 2 * cap) */
	uint64_t high;        /* the highest id stored at open or queued since */
	size_t inflight;      /* live operations in the batch being written */
	unsigned flushers;    /* threads waiting in acct_spool_flush() */
	bool paused, loading, stopping, exited;
	bool touched;         /* put or del accepted: load is no longer allowed */
	bool failed;
	char reason[384];     /* why the spool failed */
	struct acct_spool_stats st;

	/* Worker-owned after open (the caller's during open and load). */
	struct op *batch;
	sqlite3 *h;
	sqlite3_stmt *ins, *del;

	/* Immutable after open. */
	uint64_t max_id;
	pthread_t thread;
	bool thread_started;
	char path[256]; /* for messages; may be truncated */
};

/* A lock held by another process is most likely a second pptpd configured
 * with the same spool: say so after the reason already in err. */
static void lock_hint(struct acct_spool *sp, char *err, size_t errlen)
{
	int code = sp->h ? sqlite3_errcode(sp->h) & 0xFF : SQLITE_OK;
	size_t n;

	if (!err || (code != SQLITE_BUSY && code != SQLITE_LOCKED))
		return;
	n = strlen(err);
	if (n < errlen)
		sqlu_set_err(err + n, errlen - n, " (another pptpd using the same file?)");
}

/* "path: what: cause (sqlite: message)" */
static void sql_err(struct acct_spool *sp, int rc, const char *what, char *err, size_t errlen)
{
	sqlu_fail(sp->h, sp->path, rc, what, err, errlen);
	lock_hint(sp, err, errlen);
}

/* ---- open ----------------------------------------------------------------- */

static const struct sqlu_schema schema = {
	.kind = "an accounting spool",
	.migrations = migrations,
	.version = ACCT_SPOOL_SCHEMA_VERSION,
};

/* The checks and settings every open spool needs. Nothing is written
 * before the file is known to be a spool this program can use. */
static bool check_file(struct acct_spool *sp, char *err, size_t errlen)
{
	int64_t version;
	char text[32];
	int rc;

	/* Before the first read: hold the file from now to close, with no -shm. */
	rc = sqlu_query_text(sp->h, "PRAGMA locking_mode = EXCLUSIVE", text, sizeof(text));
	if (rc != SQLITE_OK) {
		sql_err(sp, rc, "set exclusive locking", err, errlen);
		return false;
	}
	if (sqlu_check_schema(sp->h, sp->path, &schema, false, &version, err, errlen) != SQLU_OK ||
	    sqlu_check_and_wal(sp->h, sp->path, err, errlen) != SQLU_OK) {
		lock_hint(sp, err, errlen);
		return false;
	}
	/* The durability trade-off explained in acct_spool.h. */
	rc = sqlite3_exec(sp->h, "PRAGMA synchronous = NORMAL; "
			  "PRAGMA journal_size_limit = " SPOOL_JOURNAL_LIMIT, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sql_err(sp, rc, "set synchronous mode", err, errlen);
		return false;
	}
	if (version < ACCT_SPOOL_SCHEMA_VERSION &&
	    sqlu_migrate(sp->h, sp->path, &schema, err, errlen) != SQLU_OK) {
		lock_hint(sp, err, errlen);
		return false;
	}
	return true;
}

/* The worker's statements and the largest id stored. */
static bool prepare_statements(struct acct_spool *sp, char *err, size_t errlen)
{
	int64_t max_id;
	int rc;

	rc = sqlite3_prepare_v3(sp->h, "INSERT OR REPLACE INTO records (id, created, rec) "
				"VALUES (?1, ?2, ?3)", -1, SQLITE_PREPARE_PERSISTENT, &sp->ins, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v3(sp->h, "DELETE FROM records WHERE id = ?1", -1,
					SQLITE_PREPARE_PERSISTENT, &sp->del, NULL);
	if (rc != SQLITE_OK) {
		sql_err(sp, rc, "prepare statements", err, errlen);
		return false;
	}
	rc = sqlu_query_int(sp->h, "SELECT coalesce(max(id), 0) FROM records", &max_id);
	if (rc != SQLITE_OK) {
		sql_err(sp, rc, "read the largest id", err, errlen);
		return false;
	}
	sp->max_id = (uint64_t)max_id;
	sp->high = sp->max_id;
	return true;
}

static void *worker(void *arg);

static void spool_free(struct acct_spool *sp)
{
	for (size_t i = 0; i < sp->qlen; i++)
		free(sp->q[i].rec);
	free(sp->q);
	free(sp->batch);
	free(sp->index);
	sqlite3_finalize(sp->ins);
	sqlite3_finalize(sp->del);
	if (sp->h)
		sqlite3_close(sp->h);
	pthread_cond_destroy(&sp->idle);
	pthread_cond_destroy(&sp->wake);
	pthread_mutex_destroy(&sp->lock);
	free(sp);
}

struct acct_spool *acct_spool_open_ex(const struct acct_spool_config *cfg,
				      char *err, size_t errlen)
{
	struct acct_spool *sp;
	size_t cap = cfg->queue_max ? cfg->queue_max : ACCT_SPOOL_QUEUE_DEFAULT;
	size_t isize = 2;
	unsigned wait_ms = cfg->lock_wait_ms ? cfg->lock_wait_ms : ACCT_SPOOL_LOCK_WAIT_DEFAULT_MS;
	sigset_t all, old;
	int rc;

	sqlu_set_err(err, errlen, "%s", "");
	if (!cfg->path || !cfg->path[0]) {
		sqlu_set_err(err, errlen, "accounting spool: no path");
		return NULL;
	}
	if (cap > UINT32_MAX / 4) {
		sqlu_set_err(err, errlen, "%s: queue size %zu is too large", cfg->path, cap);
		return NULL;
	}
	if (sqlite3_threadsafe() == 0) {
		sqlu_set_err(err, errlen, "%s: SQLite was built without thread support", cfg->path);
		return NULL;
	}
	if (sqlu_create_file(cfg->path, true, err, errlen) != SQLU_OK)
		return NULL;
	while (isize < 2 * cap)
		isize *= 2;
	sp = calloc(1, sizeof(*sp));
	if (!sp) {
		sqlu_set_err(err, errlen, "%s: out of memory", cfg->path);
		return NULL;
	}
	pthread_mutex_init(&sp->lock, NULL);
	pthread_cond_init(&sp->wake, NULL);
	pthread_cond_init(&sp->idle, NULL);
	snprintf(sp->path, sizeof(sp->path), "%s", cfg->path);
	sp->cap = cap;
	sp->index_mask = isize - 1;
	/* Pages are touched only as the queue fills. */
	sp->q = malloc(cap * sizeof(*sp->q));
	sp->batch = malloc(cap * sizeof(*sp->batch));
	sp->index = calloc(isize, sizeof(*sp->index));
	if (!sp->q || !sp->batch || !sp->index) {
		sqlu_set_err(err, errlen, "%s: out of memory", sp->path);
		goto fail;
	}
	if (sqlu_open(cfg->path, false, (int)wait_ms, &sp->h, err, errlen) != SQLU_OK) {
		lock_hint(sp, err, errlen);
		goto fail;
	}
	if (!check_file(sp, err, errlen) || !prepare_statements(sp, err, errlen))
		goto fail;
	/* The worker takes no signals: they stay with the event loop. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&sp->thread, NULL, worker, sp);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		sqlu_set_err(err, errlen, "%s: cannot start the spool thread: %s", sp->path,
			strerror(rc));
		goto fail;
	}
	sp->thread_started = true;
	return sp;
fail:
	spool_free(sp);
	return NULL;
}

struct acct_spool *acct_spool_open(const char *path, char *err, size_t errlen)
{
	struct acct_spool_config cfg = { .path = path };
	return acct_spool_open_ex(&cfg, err, errlen);
}

uint64_t acct_spool_max_id(const struct acct_spool *sp)
{
	return sp->max_id;
}

/* ---- load ----------------------------------------------------------------- */

long acct_spool_load(struct acct_spool *sp, acct_spool_load_fn cb, void *ctx,
		     char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	long n = 0;
	int rc;

	sqlu_set_err(err, errlen, "%s", "");
	pthread_mutex_lock(&sp->lock);
	if (sp->touched) {
		pthread_mutex_unlock(&sp->lock);
		sqlu_set_err(err, errlen, "%s: load must come before any put or del", sp->path);
		return -1;
	}
	/* The worker has nothing to do and will not start while loading. */
	sp->loading = true;
	pthread_mutex_unlock(&sp->lock);

	rc = sqlite3_prepare_v2(sp->h, "SELECT id, created, rec FROM records ORDER BY id",
				-1, &st, NULL);
	while (rc == SQLITE_OK || rc == SQLITE_ROW) {
		rc = sqlite3_step(st);
		if (rc != SQLITE_ROW)
			break;
		/* The type first: reading the value may convert it. */
		bool blob = sqlite3_column_type(st, 2) == SQLITE_BLOB;
		int64_t id = sqlite3_column_int64(st, 0);
		const void *rec = sqlite3_column_blob(st, 2);
		int len = sqlite3_column_bytes(st, 2);
		if (id < 1 || !blob || !rec || len < 1 || len > ACCT_SPOOL_RECORD_MAX) {
			sqlu_set_err(err, errlen, "%s: record id=%lld is damaged (%d bytes; the file "
				"is corrupt)", sp->path, (long long)id, len);
			n = -1;
			break;
		}
		cb(ctx, (uint64_t)id, sqlite3_column_int64(st, 1), rec, (size_t)len);
		n++;
	}
	if (n >= 0 && rc != SQLITE_DONE) {
		sql_err(sp, rc, "read records", err, errlen);
		n = -1;
	}
	sqlite3_finalize(st);

	pthread_mutex_lock(&sp->lock);
	sp->loading = false;
	pthread_cond_signal(&sp->wake);
	pthread_mutex_unlock(&sp->lock);
	return n;
}

/* ---- the queue (callers' side) --------------------------------------------- */

static size_t index_home(const struct acct_spool *sp, uint64_t id)
{
	/* Fibonacci hashing: consecutive ids spread over the table. */
	return (size_t)((id * UINT64_C(0x9E3779B97F4A7C15)) >> 32) & sp->index_mask;
}

/* The index entry holding id, or the empty entry where it would go. */
static size_t index_find(const struct acct_spool *sp, uint64_t id)
{
	size_t i = index_home(sp, id);
	while (sp->index[i] != 0 && sp->q[sp->index[i] - 1].id != id)
		i = (i + 1) & sp->index_mask;
	return i;
}

static bool args_ok(uint64_t id, const void *rec, size_t len)
{
	return id >= 1 && id <= INT64_MAX && rec && len >= 1 && len <= ACCT_SPOOL_RECORD_MAX;
}

/* Room for one more slot; a refusal is counted. Called with the lock held. */
static bool admit(struct acct_spool *sp)
{
	if (sp->failed || sp->stopping || sp->qlen >= sp->cap) {
		sp->st.dropped++;
		return false;
	}
	return true;
}

/* The slot just written at q[qlen] is queued (under the lock): count it and
 * wake the worker. */
static void queued(struct acct_spool *sp)
{
	sp->qlen++;
	sp->qlive++;
	sp->st.pending++;
	sp->touched = true;
	if (!sp->paused)
		pthread_cond_signal(&sp->wake);
}

bool acct_spool_put(struct acct_spool *sp, uint64_t id, int64_t created,
		    const void *rec, size_t len)
{
	uint8_t *copy;
	struct op *op;
	size_t slot;

	if (!args_ok(id, rec, len))
		return false;
	copy = malloc(len);
	pthread_mutex_lock(&sp->lock);
	if (!admit(sp))
		goto refused;
	if (!copy) {
		sp->st.dropped++;
		goto refused;
	}
	memcpy(copy, rec, len);
	slot = index_find(sp, id);
	op = &sp->q[sp->qlen];
	*op = (struct op){
		.id = id, .created = created, .rec = copy, .len = (uint32_t)len,
		.islot = (uint32_t)slot, .kind = OP_PUT, .fresh = id > sp->high,
	};
	/* A second put of a queued id takes over its entry: a del finds the newest. */
	sp->index[slot] = (uint32_t)(sp->qlen + 1);
	if (id > sp->high)
		sp->high = id;
	queued(sp);
	pthread_mutex_unlock(&sp->lock);
	return true;
refused:
	pthread_mutex_unlock(&sp->lock);
	free(copy);
	return false;
}

/* A queued put undone (under the lock): its slot stays, its bytes are
 * returned for the caller to free after unlocking. */
static uint8_t *cancel_put(struct acct_spool *sp, struct op *put)
{
	uint8_t *gone = put->rec;

	put->rec = NULL;
	put->kind = OP_CANCELLED;
	sp->qlive--;
	sp->st.pending--;
	return gone;
}

bool acct_spool_del(struct acct_spool *sp, uint64_t id)
{
	uint8_t *gone = NULL;
	struct op *put = NULL;
	bool ok = false;
	size_t slot;

	if (id < 1 || id > INT64_MAX)
		return false;
	pthread_mutex_lock(&sp->lock);
	if (sp->failed || sp->stopping) {
		sp->st.dropped++;
		goto out;
	}
	slot = index_find(sp, id);
	if (sp->index[slot] != 0 && sp->q[sp->index[slot] - 1].kind == OP_PUT)
		put = &sp->q[sp->index[slot] - 1];
	if (put && put->fresh) {
		/* Neither on disk nor queued before: the pair never reaches the disk. */
		gone = cancel_put(sp, put);
		sp->st.cancelled += 2;
		sp->touched = true;
		ok = true;
		goto out;
	}
	if (!admit(sp))
		goto out;
	if (put) {
		/* An older record with this id may be stored: drop the put, keep the del. */
		gone = cancel_put(sp, put);
		sp->st.cancelled++;
	}
	sp->q[sp->qlen] = (struct op){ .id = id, .islot = NO_SLOT, .kind = OP_DEL };
	queued(sp);
	ok = true;
out:
	pthread_mutex_unlock(&sp->lock);
	free(gone);
	return ok;
}

/* ---- the worker -------------------------------------------------------------- */

/* Write batch[0..n) in one transaction. False with a reason in why. */
static bool write_batch(struct acct_spool *sp, const struct op *batch, size_t n, size_t live,
			char *why, size_t whylen)
{
	const char *what = "begin transaction";
	int rc = sqlite3_exec(sp->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		const struct op *op = &batch[i];
		sqlite3_stmt *st;
		if (op->kind == OP_PUT) {
			st = sp->ins;
			what = "insert";
			sqlite3_bind_int64(st, 1, (int64_t)op->id);
			sqlite3_bind_int64(st, 2, op->created);
			sqlite3_bind_blob(st, 3, op->rec, (int)op->len, SQLITE_STATIC);
		} else if (op->kind == OP_DEL) {
			st = sp->del;
			what = "delete";
			sqlite3_bind_int64(st, 1, (int64_t)op->id);
		} else {
			continue;
		}
		rc = sqlite3_step(st);
		if (rc == SQLITE_DONE)
			rc = SQLITE_OK;
		else
			snprintf(why, whylen, "%s: %s of record id=%llu: %s (sqlite: %s)",
				 sp->path, what, (unsigned long long)op->id, sqlu_rc_cause(rc),
				 sqlite3_errmsg(sp->h));
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (rc != SQLITE_OK)
			goto fail;
	}
	if (rc == SQLITE_OK) {
		what = "commit";
		rc = sqlite3_exec(sp->h, "COMMIT", NULL, NULL, NULL);
	}
	if (rc == SQLITE_OK)
		return true;
	snprintf(why, whylen, "%s: %s of %zu operations: %s (sqlite: %s)", sp->path, what,
		 live, sqlu_rc_cause(rc), sqlite3_errmsg(sp->h));
fail:
	if (!sqlite3_get_autocommit(sp->h))
		sqlite3_exec(sp->h, "ROLLBACK", NULL, NULL, NULL);
	return false;
}

static void *worker(void *arg)
{
	struct acct_spool *sp = arg;
	char why[sizeof(sp->reason)];

	pthread_mutex_lock(&sp->lock);
	for (;;) {
		while (!sp->stopping &&
		       (sp->qlen == 0 || sp->loading || (sp->paused && sp->flushers == 0)))
			pthread_cond_wait(&sp->wake, &sp->lock);
		if (sp->qlen == 0)
			break; /* stopping, and nothing left */

		/* Take the whole queue; producers start again on an empty one. */
		struct op *batch = sp->q;
		size_t n = sp->qlen, live = sp->qlive;
		bool failed = sp->failed;
		for (size_t i = 0; i < n; i++)
			if (batch[i].islot != NO_SLOT)
				sp->index[batch[i].islot] = 0;
		sp->q = sp->batch;
		sp->batch = batch;
		sp->qlen = sp->qlive = 0;
		sp->inflight = live;
		pthread_mutex_unlock(&sp->lock);

		/* live == 0: every put was cancelled by its del; no transaction. */
		bool ok = !failed && (live == 0 ||
				      write_batch(sp, batch, n, live, why, sizeof(why)));
		if (!failed && !ok)
			log_warnx("event=acct-spool-error path=%s ops=%zu error=\"%s\"",
				  sp->path, live, why);
		for (size_t i = 0; i < n; i++)
			free(batch[i].rec);

		pthread_mutex_lock(&sp->lock);
		if (!ok) {
			/* Failed now, or discarded because an earlier batch failed. */
			sp->st.failed += live;
			if (!sp->failed) {
				sp->failed = true;
				snprintf(sp->reason, sizeof(sp->reason), "%s", why);
			}
		} else if (live > 0) {
			sp->st.written += live;
			sp->st.transactions++;
		}
		sp->st.pending -= live;
		sp->inflight = 0;
		pthread_cond_broadcast(&sp->idle);
	}
	sp->exited = true;
	pthread_cond_broadcast(&sp->idle);
	pthread_mutex_unlock(&sp->lock);
	return NULL;
}

/* ---- flush, close, stats -------------------------------------------------- */

void acct_spool_flush(struct acct_spool *sp)
{
	pthread_mutex_lock(&sp->lock);
	sp->flushers++;
	pthread_cond_signal(&sp->wake);
	while ((sp->qlen > 0 || sp->inflight > 0) && !sp->exited)
		pthread_cond_wait(&sp->idle, &sp->lock);
	sp->flushers--;
	pthread_mutex_unlock(&sp->lock);
}

void acct_spool_free(struct acct_spool *sp)
{
	if (!sp)
		return;
	if (sp->thread_started) {
		pthread_mutex_lock(&sp->lock);
		sp->stopping = true;
		pthread_cond_signal(&sp->wake);
		pthread_mutex_unlock(&sp->lock);
		/* The worker writes what is queued before it exits. */
		pthread_join(sp->thread, NULL);
	}
	spool_free(sp);
}

void acct_spool_stats(struct acct_spool *sp, struct acct_spool_stats *out)
{
	pthread_mutex_lock(&sp->lock);
	*out = sp->st;
	pthread_mutex_unlock(&sp->lock);
}

bool acct_spool_error(struct acct_spool *sp, char *why, size_t whylen)
{
	bool failed;

	pthread_mutex_lock(&sp->lock);
	failed = sp->failed;
	if (failed)
		sqlu_set_err(why, whylen, "%s", sp->reason);
	pthread_mutex_unlock(&sp->lock);
	return failed;
}

void acct_spool_pause(struct acct_spool *sp, bool paused)
{
	pthread_mutex_lock(&sp->lock);
	sp->paused = paused;
	pthread_cond_signal(&sp->wake);
	pthread_mutex_unlock(&sp->lock);
}
