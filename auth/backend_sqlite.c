/*
 * The SQLite authentication backend: one worker thread that owns its own
 * read-only connection to the user store, a bounded request ring guarded by
 * a mutex and condition variable, and an auth_cq for the answers.
 *
 * Outstanding requests (queued + running + undelivered completions) are
 * bounded by queue_max; beyond it submit answers AUTH_SUBMIT_BUSY at once,
 * so the completion queue can never overflow.
 *
 * Lock order: b->lock, then b->cq.lock. The worker never holds b->lock while
 * it reads the database or hashes.
 */
#include "auth/backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/userdb.h"
#include "common/crypto.h"

struct sqlite_backend {
	struct auth_backend base;
	struct auth_cq cq;

	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct auth_request *ring;
	size_t cap, head, count;
	bool stopping;
	bool paused;
	bool running;                 /* the worker holds a request */
	bool running_cancelled;
	struct auth_session_ref running_ref;
	pthread_t thread;
	bool thread_started;

	/* Worker-owned from the thread's start. */
	char *path;
	struct userdb *db;
	uint8_t dummy_hash[MSCHAP_NT_HASH_LEN];
};

static struct sqlite_backend *to_sqlite(struct auth_backend *b)
{
	return (struct sqlite_backend *)b;
}

/* Look the user up, reopening the store if an earlier error closed it.
 * The name is the canonical one (auth_canonical_user()): whether a
 * "DOMAIN\" prefix was stripped is decided there, once, not here. */
static enum userdb_status lookup(struct sqlite_backend *b, const char *name,
				 struct user_record *rec, char *why, size_t whylen)
{
	enum userdb_status st;

	if (!b->db) {
		st = userdb_open(b->path, USERDB_OPEN_READONLY, &b->db, why, whylen);
		if (st != USERDB_OK)
			return st;
	}
	st = userdb_get(b->db, name, rec);
	/* A name the store could never hold (not UTF-8, say) is an unknown
	 * user like any other: the same answer, the same dummy-hash check,
	 * counted by the lock-out; not a store failure that reopens it. */
	if (st == USERDB_INVALID)
		st = USERDB_NOT_FOUND;
	if (st != USERDB_OK && st != USERDB_NOT_FOUND) {
		snprintf(why, whylen, "user store: %.120s", userdb_errmsg(b->db));
		userdb_free(b->db);
		b->db = NULL;
	}
	return st;
}

static void process(struct sqlite_backend *b, const struct auth_request *req,
		    struct auth_result *res)
{
	struct user_record rec;
	char why[AUTH_MESSAGE_MAX] = "";
	enum userdb_status st;
	bool found, ok = false;
	const uint8_t *hash;
	uint8_t pap_hash[MSCHAP_NT_HASH_LEN];

	memset(res, 0, sizeof(*res));
	res->session = req->session;
	res->method = req->method;

	if (req->method == AUTH_CHAP_MD5) {
		res->verdict = AUTH_REJECT_ERROR;
		snprintf(res->message, sizeof(res->message),
			 "chap-md5 needs the clear password; the sqlite store keeps only NT hashes");
		return;
	}
	if (req->method == AUTH_EAP) {
		/* Never dereferences req->u.eap: its pointers were valid only
		 * during submit. */
		res->verdict = AUTH_REJECT_ERROR;
		snprintf(res->message, sizeof(res->message),
			 "eap is relayed to RADIUS only; the sqlite store speaks MS-CHAP");
		return;
	}

	memset(&rec, 0, sizeof(rec));
	st = lookup(b, req->user, &rec, why, sizeof(why));
	if (st != USERDB_OK && st != USERDB_NOT_FOUND) {
		res->verdict = AUTH_REJECT_ERROR;
		snprintf(res->message, sizeof(res->message), "%s", why);
		return;
	}
	found = st == USERDB_OK;
	/* An unknown user goes through the same check against a dummy hash. */
	hash = found ? rec.nt_hash : b->dummy_hash;

	switch (req->method) {
	case AUTH_MSCHAPV2:
		ok = mschapv2_verify(hash, req->u.mschapv2.auth_challenge,
				     req->u.mschapv2.peer_challenge, req->user, req->user_len,
				     req->u.mschapv2.nt_response, res->auth_response);
		break;
	case AUTH_MSCHAPV1:
		ok = mschapv1_verify(hash, req->u.mschapv1.challenge, req->u.mschapv1.nt_response);
		break;
	case AUTH_PAP:
		if (!NtPasswordHash(req->u.pap.password, pap_hash))
			memset(pap_hash, 0xFF, sizeof(pap_hash));
		ok = crypto_equal(pap_hash, hash, sizeof(pap_hash));
		crypto_wipe(pap_hash, sizeof(pap_hash));
		break;
	case AUTH_CHAP_MD5:
	case AUTH_EAP:
		break;
	}
	if (!found || !ok) {
		res->verdict = AUTH_REJECT_BAD_CREDENTIALS;
		memset(res->auth_response, 0, sizeof(res->auth_response));
		snprintf(res->message, sizeof(res->message), "%s",
			 found ? "wrong password" : "unknown user");
		goto out;
	}
	if (!rec.enabled) {
		res->verdict = AUTH_REJECT_DISABLED;
		memset(res->auth_response, 0, sizeof(res->auth_response));
		snprintf(res->message, sizeof(res->message), "account disabled");
		goto out;
	}
	res->verdict = AUTH_ACCEPT;
	snprintf(res->message, sizeof(res->message), "authenticated as %.100s", rec.name);
	if (req->method == AUTH_MSCHAPV2) {
		res->auth_response[MSCHAP_AUTH_RESPONSE_LEN] = '\0';
		mschapv2_start_keys(MSCHAP_ROLE_SERVER, rec.nt_hash, req->u.mschapv2.nt_response,
				res->send_key, res->recv_key);
		res->has_keys = true;
	} else if (req->method == AUTH_MSCHAPV1) {
		mschapv1_start_key(rec.nt_hash, req->u.mschapv1.challenge, res->send_key);
		memcpy(res->recv_key, res->send_key, AUTH_KEY_LEN);
		res->has_keys = true;
	}
	res->has_static_ip = rec.has_static_ip;
	res->static_ip = rec.static_ip;
	res->max_sessions = rec.max_sessions;
	res->idle_given = rec.has_idle;
	res->idle_timeout = rec.idle;
	res->session_timeout = rec.session_timeout;
	res->rate_given = rec.has_rate;
	res->rate_down = rec.rate_down;
	res->rate_up = rec.rate_up;
out:
	crypto_wipe(&rec, sizeof(rec));
}

static void *worker(void *arg)
{
	struct sqlite_backend *b = arg;
	struct auth_request req;
	struct auth_result res;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (!b->stopping && (b->paused || b->count == 0))
			pthread_cond_wait(&b->cond, &b->lock);
		if (b->stopping)
			break;
		req = b->ring[b->head];
		crypto_wipe(&b->ring[b->head], sizeof(req));
		b->head = (b->head + 1) % b->cap;
		b->count--;
		b->running = true;
		b->running_cancelled = false;
		b->running_ref = req.session;
		pthread_mutex_unlock(&b->lock);

		process(b, &req, &res);
		crypto_wipe(&req, sizeof(req));

		pthread_mutex_lock(&b->lock);
		/* Cannot fail: outstanding requests never exceed the capacity. */
		if (!b->running_cancelled)
			auth_cq_post(&b->cq, &res);
		crypto_wipe(&res, sizeof(res));
		b->running = false;
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static enum auth_submit_status sqlite_submit(struct auth_backend *base, const struct auth_request *req)
{
	struct sqlite_backend *b = to_sqlite(base);
	enum auth_submit_status st = AUTH_SUBMIT_BUSY;

	pthread_mutex_lock(&b->lock);
	if (!b->stopping && b->count + (b->running ? 1 : 0) + auth_cq_count(&b->cq) < b->cap) {
		b->ring[(b->head + b->count) % b->cap] = *req;
		b->count++;
		pthread_cond_signal(&b->cond);
		st = AUTH_SUBMIT_PENDING;
	}
	pthread_mutex_unlock(&b->lock);
	return st;
}

static void sqlite_cancel(struct auth_backend *base, struct auth_session_ref s)
{
	struct sqlite_backend *b = to_sqlite(base);
	size_t kept = 0;

	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->count; i++) {
		struct auth_request *r = &b->ring[(b->head + i) % b->cap];
		if (auth_session_ref_eq(r->session, s))
			continue;
		if (kept != i)
			b->ring[(b->head + kept) % b->cap] = *r;
		kept++;
	}
	for (size_t i = kept; i < b->count; i++)
		crypto_wipe(&b->ring[(b->head + i) % b->cap], sizeof(*b->ring));
	b->count = kept;
	if (b->running && auth_session_ref_eq(b->running_ref, s))
		b->running_cancelled = true;
	auth_cq_cancel(&b->cq, s);
	pthread_mutex_unlock(&b->lock);
}

static int sqlite_fd(const struct auth_backend *base)
{
	return ((const struct sqlite_backend *)base)->cq.efd;
}

static size_t sqlite_drain(struct auth_backend *base)
{
	struct sqlite_backend *b = to_sqlite(base);
	return auth_cq_drain(&b->cq, b->base.complete, b->base.complete_ctx);
}

static void sqlite_free(struct auth_backend *base)
{
	struct sqlite_backend *b = to_sqlite(base);

	if (b->thread_started) {
		pthread_mutex_lock(&b->lock);
		b->stopping = true;
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->lock);
		pthread_join(b->thread, NULL);
	}
	if (b->db)
		userdb_free(b->db);
	if (b->ring) {
		crypto_wipe(b->ring, b->cap * sizeof(*b->ring));
		free(b->ring);
	}
	auth_cq_destroy(&b->cq);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->lock);
	crypto_wipe(b->dummy_hash, sizeof(b->dummy_hash));
	free(b->path);
	free(b);
}

static const struct auth_backend_ops sqlite_ops = {
	.name = "sqlite",
	.submit = sqlite_submit,
	.cancel = sqlite_cancel,
	.fd = sqlite_fd,
	.drain = sqlite_drain,
	.free = sqlite_free,
};

void auth_sqlite_pause(struct auth_backend *base, bool paused)
{
	struct sqlite_backend *b = to_sqlite(base);

	pthread_mutex_lock(&b->lock);
	b->paused = paused;
	pthread_cond_broadcast(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

struct auth_backend *auth_sqlite_new(const struct auth_sqlite_config *cfg,
				     auth_complete_fn complete, void *ctx,
				     char *err, size_t errlen)
{
	struct sqlite_backend *b;
	size_t cap = cfg->queue_max ? cfg->queue_max : AUTH_QUEUE_DEFAULT;
	char why[256] = "";
	int rc;

	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b->base.ops = &sqlite_ops;
	b->base.complete = complete;
	b->base.complete_ctx = ctx;
	b->cap = cap;
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	b->cq.efd = -1;
	if (!auth_cq_init(&b->cq, cap, err, errlen))
		goto fail;
	b->ring = calloc(cap, sizeof(*b->ring));
	b->path = strdup(cfg->path);
	if (!b->ring || !b->path) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (!crypto_random(b->dummy_hash, sizeof(b->dummy_hash))) {
		snprintf(err, errlen, "random number generator failed");
		goto fail;
	}
	if (userdb_open(b->path, USERDB_OPEN_READONLY, &b->db, why, sizeof(why)) != USERDB_OK) {
		snprintf(err, errlen, "user store %s: %s", b->path, why);
		goto fail;
	}
	rc = pthread_create(&b->thread, NULL, worker, b);
	if (rc != 0) {
		snprintf(err, errlen, "pthread_create: %s", strerror(rc));
		goto fail;
	}
	b->thread_started = true;
	return &b->base;
fail:
	sqlite_free(&b->base);
	return NULL;
}
