/*
 * Replay protection for RFC 5176 requests (see dae_replay.h).
 */
#include "server/dae_replay.h"

#include <stdlib.h>
#include <string.h>

#include "common/netaddr.h"

struct slot {
	struct sockaddr_storage from;
	uint8_t id;
	uint8_t auth[RADIUS_AUTH_LEN];
	uint64_t expires_ms;
	uint8_t *reply;               /* NULL: the slot is free */
	size_t len;
};

struct dae_replay {
	struct slot slots[DAE_REPLAY_SLOTS];
};

enum dae_timestamp dae_timestamp_check(const struct radius_packet *p, uint64_t now_s,
				       unsigned window, uint32_t *ts)
{
	struct radius_attr a;
	uint32_t v;

	if (!radius_find(p, 0, RADIUS_EVENT_TIMESTAMP, &a))
		return DAE_TS_ABSENT;
	if (radius_count(p, 0, RADIUS_EVENT_TIMESTAMP) != 1 || !radius_attr_u32(&a, &v))
		return DAE_TS_MALFORMED;
	*ts = v;
	uint64_t diff = now_s > v ? now_s - v : v - now_s;
	return diff > window ? DAE_TS_STALE : DAE_TS_CURRENT;
}

const char *dae_timestamp_name(enum dae_timestamp t)
{
	switch (t) {
	case DAE_TS_ABSENT: return "absent";
	case DAE_TS_CURRENT: return "current";
	case DAE_TS_STALE: return "stale";
	case DAE_TS_MALFORMED: return "malformed";
	}
	return "?";
}

uint64_t dae_replay_ttl_ms(bool has_ts, uint32_t ts, uint64_t now_s, unsigned window)
{
	if (!has_ts)
		return (uint64_t)window * 1000u;
	/* The bytes pass the window check until now_s > ts + window. */
	uint64_t until = (uint64_t)ts + window;
	uint64_t left = until > now_s ? until - now_s : 0;
	return (left < 1 ? 1 : left) * 1000u;
}

struct dae_replay *dae_replay_new(void)
{
	return calloc(1, sizeof(struct dae_replay));
}

static void slot_clear(struct slot *s)
{
	free(s->reply);
	s->reply = NULL;
	s->len = 0;
}

void dae_replay_free(struct dae_replay *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < DAE_REPLAY_SLOTS; i++)
		slot_clear(&r->slots[i]);
	free(r);
}

static bool slot_live(const struct slot *s, uint64_t now_ms)
{
	return s->reply && now_ms < s->expires_ms;
}

bool dae_replay_find(struct dae_replay *r, const struct sockaddr_storage *from, uint8_t id,
		     const uint8_t auth[static RADIUS_AUTH_LEN], uint64_t now_ms,
		     const uint8_t **reply, size_t *len)
{
	for (size_t i = 0; i < DAE_REPLAY_SLOTS; i++) {
		const struct slot *s = &r->slots[i];
		if (!slot_live(s, now_ms) || s->id != id ||
		    memcmp(s->auth, auth, RADIUS_AUTH_LEN) != 0 ||
		    !netaddr_same_host(&s->from, from))
			continue;
		*reply = s->reply;
		*len = s->len;
		return true;
	}
	return false;
}

static struct slot *free_slot(struct dae_replay *r, uint64_t now_ms)
{
	for (size_t i = 0; i < DAE_REPLAY_SLOTS; i++)
		if (!slot_live(&r->slots[i], now_ms))
			return &r->slots[i];
	return NULL;
}

bool dae_replay_room(struct dae_replay *r, uint64_t now_ms)
{
	return free_slot(r, now_ms) != NULL;
}

bool dae_replay_add(struct dae_replay *r, const struct sockaddr_storage *from, uint8_t id,
		    const uint8_t auth[static RADIUS_AUTH_LEN], const uint8_t *reply, size_t len,
		    uint64_t now_ms, uint64_t ttl_ms)
{
	struct slot *s = free_slot(r, now_ms);
	if (!s || !len)
		return false;
	uint8_t *copy = malloc(len);
	if (!copy)
		return false;
	memcpy(copy, reply, len);
	slot_clear(s);
	s->from = *from;
	s->id = id;
	memcpy(s->auth, auth, RADIUS_AUTH_LEN);
	s->expires_ms = now_ms + ttl_ms;
	s->reply = copy;
	s->len = len;
	return true;
}

size_t dae_replay_live(const struct dae_replay *r, uint64_t now_ms)
{
	size_t n = 0;
	for (size_t i = 0; i < DAE_REPLAY_SLOTS; i++)
		n += slot_live(&r->slots[i], now_ms);
	return n;
}
