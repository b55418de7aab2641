/*
 * The backend-independent half of the asynchronous authentication interface:
 * vtable dispatch, names, and the completion queue with its eventfd.
 */
#include "auth/backend.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/auth_codes.h"
#include "common/crypto.h"

enum auth_submit_status auth_backend_submit(struct auth_backend *b, const struct auth_request *req)
{
	return b->ops->submit(b, req);
}

void auth_backend_cancel(struct auth_backend *b, struct auth_session_ref s)
{
	b->ops->cancel(b, s);
}

int auth_backend_fd(const struct auth_backend *b)
{
	return b->ops->fd(b);
}

size_t auth_backend_drain(struct auth_backend *b)
{
	return b->ops->drain(b);
}

void auth_backend_free(struct auth_backend *b)
{
	if (b)
		b->ops->free(b);
}

const char *auth_method_name(enum auth_method m)
{
	switch (m) {
	case AUTH_MSCHAPV2: return "mschapv2";
	case AUTH_MSCHAPV1: return "mschapv1";
	case AUTH_CHAP_MD5: return "chap-md5";
	case AUTH_PAP:      return "pap";
	case AUTH_EAP:      return "eap";
	}
	return "unknown";
}

const char *auth_verdict_name(enum auth_verdict v)
{
	switch (v) {
	case AUTH_ACCEPT:                 return "accept";
	case AUTH_REJECT_BAD_CREDENTIALS: return "bad-credentials";
	case AUTH_REJECT_DISABLED:        return "disabled";
	case AUTH_REJECT_NO_DIALIN:       return "no-dialin";
	case AUTH_REJECT_ERROR:           return "backend-error";
	case AUTH_CHALLENGE:              return "challenge";
	}
	return "unknown";
}

unsigned auth_verdict_error_code(enum auth_verdict v)
{
	switch (v) {
	case AUTH_ACCEPT:
	case AUTH_CHALLENGE:              return 0;
	case AUTH_REJECT_DISABLED:        return AUTH_E_ACCT_DISABLED;
	case AUTH_REJECT_NO_DIALIN:       return AUTH_E_NO_DIALIN_PERMISSION;
	case AUTH_REJECT_BAD_CREDENTIALS:
	case AUTH_REJECT_ERROR:
		break;
	}
	return AUTH_E_AUTHENTICATION_FAILURE;
}

bool auth_request_set_user(struct auth_request *req, const void *name, size_t len)
{
	if (len == 0 || len > AUTH_NAME_MAX || memchr(name, 0, len))
		return false;
	memcpy(req->user, name, len);
	req->user[len] = '\0';
	req->user_len = len;
	return true;
}

enum auth_user_status auth_canonical_user(enum auth_user_domain mode, const void *raw,
					  size_t len, char out[static AUTH_USER_MAX + 1],
					  size_t *outlen)
{
	const uint8_t *p = raw;
	size_t start = 0;

	out[0] = '\0';
	*outlen = 0;
	if (len == 0)
		return AUTH_USER_EMPTY;
	if (len > AUTH_NAME_MAX)
		return AUTH_USER_TOO_LONG;
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return AUTH_USER_BAD_BYTE;
		if (p[i] == '\\')
			start = i + 1;
	}
	if (start > 0) {
		if (mode == AUTH_USER_DOMAIN_REFUSE)
			return AUTH_USER_DOMAIN;
		if (start == len)
			return AUTH_USER_EMPTY;
		if (mode == AUTH_USER_DOMAIN_KEEP)
			start = 0;
	}
	if (len - start > AUTH_USER_MAX)
		return AUTH_USER_TOO_LONG;
	memcpy(out, p + start, len - start);
	out[len - start] = '\0';
	*outlen = len - start;
	return AUTH_USER_OK;
}

const char *auth_user_status_name(enum auth_user_status st)
{
	switch (st) {
	case AUTH_USER_OK:       return "ok";
	case AUTH_USER_EMPTY:    return "empty-name";
	case AUTH_USER_TOO_LONG: return "name-too-long";
	case AUTH_USER_BAD_BYTE: return "bad-byte-in-name";
	case AUTH_USER_DOMAIN:   return "domain-refused";
	}
	return "unknown";
}

enum auth_user_status auth_request_set_canonical_user(struct auth_request *req,
						      enum auth_user_domain mode,
						      const void *raw, size_t len)
{
	char name[AUTH_USER_MAX + 1];
	size_t n;
	enum auth_user_status st = auth_canonical_user(mode, raw, len, name, &n);

	if (st == AUTH_USER_OK) {
		memcpy(req->user, name, n + 1);
		req->user_len = n;
	}
	return st;
}

void auth_request_wipe(struct auth_request *req)
{
	crypto_wipe(req, sizeof(*req));
}

/* ---- Completion queue ---- */

bool auth_cq_init(struct auth_cq *q, size_t capacity, char *err, size_t errlen)
{
	memset(q, 0, sizeof(*q));
	q->efd = -1;
	if (capacity == 0) {
		snprintf(err, errlen, "completion queue capacity is zero");
		return false;
	}
	q->ring = calloc(capacity, sizeof(*q->ring));
	if (!q->ring) {
		snprintf(err, errlen, "out of memory for %zu completions", capacity);
		return false;
	}
	q->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (q->efd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		free(q->ring);
		q->ring = NULL;
		return false;
	}
	int rc = pthread_mutex_init(&q->lock, NULL);
	if (rc != 0) {
		snprintf(err, errlen, "pthread_mutex_init: %s", strerror(rc));
		close(q->efd);
		free(q->ring);
		q->efd = -1;
		q->ring = NULL;
		return false;
	}
	q->cap = capacity;
	return true;
}

void auth_cq_destroy(struct auth_cq *q)
{
	if (!q->ring)
		return;
	crypto_wipe(q->ring, q->cap * sizeof(*q->ring));
	free(q->ring);
	q->ring = NULL;
	close(q->efd);
	q->efd = -1;
	pthread_mutex_destroy(&q->lock);
}

static void cq_signal(struct auth_cq *q)
{
	uint64_t one = 1;
	/* Only EAGAIN (counter saturated) can fail here; the fd is then
	 * readable anyway. */
	if (write(q->efd, &one, sizeof(one)) < 0)
		return;
}

bool auth_cq_post(struct auth_cq *q, const struct auth_result *res)
{
	pthread_mutex_lock(&q->lock);
	if (q->count == q->cap) {
		pthread_mutex_unlock(&q->lock);
		return false;
	}
	q->ring[(q->head + q->count) % q->cap] = *res;
	/* Only the first result of a batch needs the eventfd: a drain clears
	 * it before it takes anything and takes until the queue is empty, so
	 * whatever joins a non-empty queue is taken by the drain that the
	 * first one's signal starts (or by one already running). */
	bool first = q->count++ == 0;
	pthread_mutex_unlock(&q->lock);
	if (first)
		cq_signal(q);
	return true;
}

size_t auth_cq_cancel(struct auth_cq *q, struct auth_session_ref s)
{
	size_t kept = 0, dropped = 0;

	pthread_mutex_lock(&q->lock);
	/* Compact in place, keeping order. */
	for (size_t i = 0; i < q->count; i++) {
		struct auth_result *r = &q->ring[(q->head + i) % q->cap];
		if (auth_session_ref_eq(r->session, s)) {
			dropped++;
			continue;
		}
		if (kept != i)
			q->ring[(q->head + kept) % q->cap] = *r;
		kept++;
	}
	for (size_t i = kept; i < q->count; i++)
		crypto_wipe(&q->ring[(q->head + i) % q->cap], sizeof(*q->ring));
	q->count = kept;
	pthread_mutex_unlock(&q->lock);
	return dropped;
}

size_t auth_cq_count(struct auth_cq *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->count;
	pthread_mutex_unlock(&q->lock);
	return n;
}

size_t auth_cq_drain(struct auth_cq *q, auth_complete_fn cb, void *ctx)
{
	uint64_t v;
	size_t n = 0;
	struct auth_result res;

	/* Clear readiness first: a post racing with us re-arms it. */
	if (read(q->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		return 0;
	for (;;) {
		pthread_mutex_lock(&q->lock);
		if (q->count == 0) {
			pthread_mutex_unlock(&q->lock);
			break;
		}
		res = q->ring[q->head];
		crypto_wipe(&q->ring[q->head], sizeof(*q->ring));
		q->head = (q->head + 1) % q->cap;
		q->count--;
		pthread_mutex_unlock(&q->lock);
		cb(ctx, &res);
		n++;
	}
	crypto_wipe(&res, sizeof(res));
	return n;
}

static bool rate_number(const char *p, const char *end, uint32_t *out)
{
	uint64_t v = 0;

	if (p == end || end - p > 10)
		return false;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > AUTH_RATE_KBIT_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool auth_parse_rate(const void *val, size_t len, uint32_t *down, uint32_t *up)
{
	const char *s = val, *end = s + len, *sep = NULL;
	uint32_t d, u;

	for (const char *p = s; p < end; p++)
		if (*p == '/' || *p == '\\' || *p == ':') {
			sep = p;
			break;
		}
	if (!sep) {
		if (!rate_number(s, end, &d))
			return false;
		u = d;
	} else if (!rate_number(s, sep, &d) || !rate_number(sep + 1, end, &u)) {
		return false;
	}
	*down = d;
	*up = u;
	return true;
}
