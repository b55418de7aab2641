/*
 * RADIUS accounting records: made, spooled, sent in order, acknowledged
 * (see acct.h).
 */
#include "auth/acct.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/acct_spool.h"
#include "common/log.h"

struct rec {
	struct rec *prev, *next;
	struct acct *a;
	uint64_t id;
	int64_t created_wall;         /* seconds since the epoch */
	uint64_t created_mono;        /* ms, the client's clock */
	struct radius_req *req;       /* outstanding; NULL: waiting its turn */
	uint32_t status;
	size_t len;
	uint8_t attrs[];
};

struct acct {
	struct radius_client *client;
	struct acct_spool *spool;
	struct auth_radius_nas nas;
	char *nas_identifier;
	char *boot_session_id;
	struct rec *head, *tail;
	size_t window, queue_max, inflight;
	uint64_t next_id;
	struct acct_stats st;
	bool spool_warned;
};

static const char *status_name(uint32_t s)
{
	switch (s) {
	case RADIUS_ACCT_START: return "start";
	case RADIUS_ACCT_STOP: return "stop";
	case RADIUS_ACCT_INTERIM_UPDATE: return "interim-update";
	case RADIUS_ACCT_ON: return "accounting-on";
	case RADIUS_ACCT_OFF: return "accounting-off";
	}
	return "other";
}

static void unlink_rec(struct acct *a, struct rec *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		a->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		a->tail = r->prev;
	a->st.queued--;
}

static void append_rec(struct acct *a, struct rec *r)
{
	r->next = NULL;
	r->prev = a->tail;
	if (a->tail)
		a->tail->next = r;
	else
		a->head = r;
	a->tail = r;
	a->st.queued++;
}

static void kick(struct acct *a);

static void done_cb(void *ctx, const struct radius_packet *reply,
		    const struct radius_server *srv, const uint8_t req_auth[RADIUS_AUTH_LEN])
{
	struct rec *r = ctx;
	struct acct *a = r->a;
	(void)req_auth;

	r->req = NULL;
	a->inflight--;
	if (!reply) {
		/* Every server stayed silent: it waits for its turn again. */
		a->st.resent++;
		kick(a);
		return;
	}
	a->st.acked++;
	log_debug("radius=acct event=acked id=%llu status=%s server=%s",
		  (unsigned long long)r->id, status_name(r->status), srv->name);
	if (a->spool)
		acct_spool_del(a->spool, r->id);
	unlink_rec(a, r);
	free(r);
	kick(a);
}

/* Send the oldest records that are not outstanding, up to the window. */
static void kick(struct acct *a)
{
	uint64_t now = radius_now_ms();

	for (struct rec *r = a->head; r && a->inflight < a->window; r = r->next) {
		if (r->req)
			continue;
		struct radius_req_params p = {
			.code = RADIUS_ACCOUNTING_REQUEST,
			.attrs = r->attrs,
			.attrs_len = r->len,
			.add_delay_time = true,
			.created_ms = r->created_mono,
			.done = done_cb,
			.ctx = r,
		};
		r->req = radius_client_send(a->client, &p, now);
		if (!r->req)
			return; /* full: the next completion kicks again */
		a->inflight++;
	}
}

static struct rec *rec_new(struct acct *a, const uint8_t *attrs, size_t len)
{
	struct rec *r = calloc(1, sizeof(*r) + len);
	if (!r)
		return NULL;
	r->a = a;
	r->len = len;
	memcpy(r->attrs, attrs, len);
	return r;
}

static void put_u64(struct radius_writer *w, uint8_t lo, uint8_t hi, uint64_t v)
{
	radius_put_u32(w, lo, (uint32_t)v);
	if (v >> 32)
		radius_put_u32(w, hi, (uint32_t)(v >> 32));
}

/* The session's IPv6 attributes, those it has (struct acct_session). */
static void put_ipv6(struct radius_writer *w, const struct acct_session *s)
{
	if (s->ipv6_iid)
		radius_put_iid(w, s->ipv6_iid);
	if (s->ipv6_prefix_len && s->ipv6_prefix_len <= 128)
		radius_put_ipv6_prefix(w, RADIUS_FRAMED_IPV6_PREFIX, s->ipv6_prefix,
				       s->ipv6_prefix_len);
	if (s->delegated_prefix_len && s->delegated_prefix_len <= 128)
		radius_put_ipv6_prefix(w, RADIUS_DELEGATED_IPV6_PREFIX, s->delegated_prefix,
				       s->delegated_prefix_len);
}

bool acct_record(struct acct *a, uint32_t status, const struct acct_session *s)
{
	struct radius_writer *w;
	bool session = status == RADIUS_ACCT_START || status == RADIUS_ACCT_STOP ||
		       status == RADIUS_ACCT_INTERIM_UPDATE;

	if (session != (s != NULL))
		return false;
	if (a->st.queued >= a->queue_max) {
		a->st.dropped++;
		log_warnx("radius=acct event=record-dropped reason=queue-full status=%s queued=%zu "
			  "session-id=%s", status_name(status), a->st.queued,
			  s ? s->session_id : a->boot_session_id);
		return false;
	}
	if (!(w = malloc(sizeof(*w))))
		return false;
	radius_writer_init(w, RADIUS_ACCOUNTING_REQUEST, 0, NULL);
	radius_put_u32(w, RADIUS_ACCT_STATUS_TYPE, status);
	if (s) {
		radius_put_str(w, RADIUS_USER_NAME, s->user);
		auth_radius_put_nas(w, &a->nas, s->nas_port, s->peer, s->local, s->session_id);
		if (s->framed_ip) {
			struct in_addr ip = { .s_addr = htonl(s->framed_ip) };
			radius_put_addr(w, RADIUS_FRAMED_IP_ADDRESS, ip);
		}
		if (s->multi_session_id && s->multi_session_id[0])
			radius_put_str(w, RADIUS_ACCT_MULTI_SESSION_ID, s->multi_session_id);
		const uint8_t *cv;
		size_t cl, pos = 0;
		while (auth_class_next(s->classes, s->classes_len, &pos, &cv, &cl))
			radius_put(w, RADIUS_CLASS, cv, cl);
		put_ipv6(w, s);
		radius_put_u32(w, RADIUS_ACCT_AUTHENTIC, s->radius_authentic
							     ? RADIUS_ACCT_AUTHENTIC_RADIUS
							     : RADIUS_ACCT_AUTHENTIC_LOCAL);
		if (status != RADIUS_ACCT_START) {
			radius_put_u32(w, RADIUS_ACCT_SESSION_TIME, s->session_time);
			put_u64(w, RADIUS_ACCT_INPUT_OCTETS, RADIUS_ACCT_INPUT_GIGAWORDS,
				s->in_octets);
			put_u64(w, RADIUS_ACCT_OUTPUT_OCTETS, RADIUS_ACCT_OUTPUT_GIGAWORDS,
				s->out_octets);
			radius_put_u32(w, RADIUS_ACCT_INPUT_PACKETS, (uint32_t)s->in_packets);
			radius_put_u32(w, RADIUS_ACCT_OUTPUT_PACKETS, (uint32_t)s->out_packets);
		}
		if (status == RADIUS_ACCT_STOP && s->terminate_cause)
			radius_put_u32(w, RADIUS_ACCT_TERMINATE_CAUSE, s->terminate_cause);
	} else {
		if (a->nas.ip.s_addr)
			radius_put_addr(w, RADIUS_NAS_IP_ADDRESS, a->nas.ip);
		if (a->nas.identifier && a->nas.identifier[0])
			radius_put_str(w, RADIUS_NAS_IDENTIFIER, a->nas.identifier);
		radius_put_str(w, RADIUS_ACCT_SESSION_ID, a->boot_session_id);
	}
	int64_t wall = (int64_t)time(NULL);
	radius_put_u32(w, RADIUS_EVENT_TIMESTAMP, (uint32_t)wall);
	struct rec *r = NULL;
	if (!w->failed)
		r = rec_new(a, w->buf + RADIUS_HDR_LEN, w->len - RADIUS_HDR_LEN);
	free(w);
	if (!r) {
		log_warnx("radius=acct event=record-dropped reason=encode status=%s",
			  status_name(status));
		return false;
	}
	r->id = ++a->next_id;
	r->status = status;
	r->created_wall = wall;
	r->created_mono = radius_now_ms();
	if (a->spool && !acct_spool_put(a->spool, r->id, wall, r->attrs, r->len) &&
	    !a->spool_warned) {
		a->spool_warned = true;
		log_warnx("radius=acct event=spool-refused id=%llu: the record is kept in memory "
			  "only", (unsigned long long)r->id);
	}
	a->st.made++;
	append_rec(a, r);
	log_debug("radius=acct event=record id=%llu status=%s", (unsigned long long)r->id,
		  status_name(status));
	kick(a);
	return true;
}

/* Records of an earlier run: their age is kept for Acct-Delay-Time. */
static void load_cb(void *ctx, uint64_t id, int64_t created, const void *bytes, size_t len)
{
	struct acct *a = ctx;
	struct rec *r = rec_new(a, bytes, len);
	if (!r)
		return;
	int64_t age_s = (int64_t)time(NULL) - created;
	uint64_t now = radius_now_ms();
	uint64_t age_ms = age_s > 0 ? (uint64_t)age_s * 1000u : 0;
	r->id = id;
	r->created_wall = created;
	r->created_mono = age_ms < now ? now - age_ms : 0;
	append_rec(a, r);
	a->st.loaded++;
}

struct acct *acct_new(const struct acct_config *cfg, char *err, size_t errlen)
{
	struct acct *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	a->window = cfg->window ? cfg->window : ACCT_WINDOW_DEFAULT;
	a->queue_max = cfg->queue_max ? cfg->queue_max : ACCT_QUEUE_DEFAULT;
	a->nas = cfg->nas;
	if (cfg->nas.identifier && !(a->nas_identifier = strdup(cfg->nas.identifier)))
		goto oom;
	a->nas.identifier = a->nas_identifier;
	if (!(a->boot_session_id = strdup(cfg->boot_session_id ? cfg->boot_session_id : "0")))
		goto oom;
	struct radius_client_config cc = cfg->client;
	cc.what = "acct";
	if (!cc.max_outstanding)
		cc.max_outstanding = a->window;
	a->client = radius_client_new(&cc, err, errlen);
	if (!a->client)
		goto fail;
	if (cfg->spool_path) {
		char why[256];
		a->spool = acct_spool_open(cfg->spool_path, why, sizeof(why));
		if (!a->spool) {
			snprintf(err, errlen, "accounting spool %s: %s", cfg->spool_path, why);
			goto fail;
		}
		if (acct_spool_load(a->spool, load_cb, a, why, sizeof(why)) < 0) {
			snprintf(err, errlen, "accounting spool %s: %s", cfg->spool_path, why);
			goto fail;
		}
		a->next_id = acct_spool_max_id(a->spool);
		if (a->st.loaded)
			log_notice("radius=acct event=spool-loaded records=%zu path=%s", a->st.loaded,
				   cfg->spool_path);
	}
	/* Loaded records go now: the owner runs us only when acct_fd() is
	 * readable, which it never is while nothing is outstanding. */
	kick(a);
	return a;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	acct_free(a);
	return NULL;
}

void acct_free(struct acct *a)
{
	if (!a)
		return;
	radius_client_free(a->client);
	acct_spool_free(a->spool);
	while (a->head) {
		struct rec *r = a->head;
		unlink_rec(a, r);
		free(r);
	}
	free(a->nas_identifier);
	free(a->boot_session_id);
	free(a);
}

int acct_fd(const struct acct *a)
{
	return radius_client_fd(a->client);
}

void acct_run(struct acct *a)
{
	radius_client_run(a->client, radius_now_ms());
	kick(a);
}

const struct acct_stats *acct_get_stats(const struct acct *a)
{
	return &a->st;
}

const struct radius_stats *acct_radius_stats(const struct acct *a)
{
	return radius_client_stats(a->client);
}

size_t acct_queued(const struct acct *a)
{
	return a->st.queued;
}

void acct_flush(struct acct *a)
{
	if (a->spool)
		acct_spool_flush(a->spool);
}
