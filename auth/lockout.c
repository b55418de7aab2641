/*
 * Failed-login lock-out: a fixed, set-associative table of sliding-window
 * counters (see lockout.h for the rules).
 */
#include "auth/lockout.h"

#include <stdlib.h>
#include <string.h>

#include "auth/backend.h"

struct entry {
	uint64_t hash;          /* 0: free */
	uint32_t addr;          /* network order */
	uint8_t kind;           /* enum lockout_kind */
	uint32_t cur, prev;     /* failures in this window interval, the one before */
	uint64_t win_start;     /* ms: start of the interval cur counts */
	uint64_t last_ms;       /* last failure (eviction order) */
	uint64_t locked_until;  /* 0: not locked */
	unsigned lock_failures; /* the count that started the lock */
	char user[AUTH_USER_MAX + 1]; /* USER entries; "" for SOURCE */
};

struct lockout {
	struct lockout_config cfg;
	uint64_t seed;
	size_t nsets;
	struct entry *e;        /* nsets * LOCKOUT_WAYS */
	struct lockout_stats st;
};

/* FNV-1a over the seed and the key, then a 64-bit finalizer so that every
 * bit of the seed reaches the set index. Never 0 (0 marks a free entry). */
static uint64_t key_hash(const struct lockout *lo, enum lockout_kind kind, uint32_t addr,
			 const char *user)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t head[13];

	memcpy(head, &lo->seed, 8);
	memcpy(head + 8, &addr, 4);
	head[12] = (uint8_t)kind;
	for (size_t i = 0; i < sizeof(head); i++)
		h = (h ^ head[i]) * 0x100000001b3ull;
	for (const unsigned char *p = (const unsigned char *)user; *p; p++)
		h = (h ^ *p) * 0x100000001b3ull;
	h ^= lo->seed;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h ? h : 1;
}

static struct entry *set_of(struct lockout *lo, uint64_t h)
{
	return &lo->e[(h % lo->nsets) * LOCKOUT_WAYS];
}

static bool is_locked(const struct entry *e, uint64_t now)
{
	return e->locked_until && now < e->locked_until;
}

/* Move the two buckets forward to now; an ended lock starts afresh. */
static void roll(const struct lockout *lo, struct entry *e, uint64_t now)
{
	uint64_t w = lo->cfg.window_ms;

	if (e->locked_until && now >= e->locked_until) {
		e->locked_until = 0;
		e->cur = e->prev = 0;
		e->win_start = now;
		return;
	}
	if (now < e->win_start)
		return; /* the clock is monotonic; be safe anyway */
	uint64_t age = now - e->win_start;
	if (age >= 2 * w) {
		e->prev = e->cur = 0;
		e->win_start = now;
	} else if (age >= w) {
		e->prev = e->cur;
		e->cur = 0;
		e->win_start += w;
	}
}

/* Failures inside the sliding window ending at now (after roll()). */
static unsigned count(const struct lockout *lo, const struct entry *e, uint64_t now)
{
	uint64_t w = lo->cfg.window_ms, age = now - e->win_start;
	uint64_t c = e->cur + (age < w ? (uint64_t)e->prev * (w - age) / w : 0);
	return c > UINT32_MAX ? UINT32_MAX : (unsigned)c;
}

/* Nothing worth keeping: no lock, and no failure left in the window. */
static bool is_stale(const struct lockout *lo, struct entry *e, uint64_t now)
{
	if (!e->hash)
		return true;
	roll(lo, e, now);
	return !is_locked(e, now) && count(lo, e, now) == 0;
}

static bool key_is(const struct entry *e, uint64_t h, enum lockout_kind kind, uint32_t addr,
		   const char *user)
{
	return e->hash == h && e->kind == kind && e->addr == addr && strcmp(e->user, user) == 0;
}

static struct entry *find(struct lockout *lo, enum lockout_kind kind, uint32_t addr,
			  const char *user, uint64_t now)
{
	uint64_t h = key_hash(lo, kind, addr, user);
	struct entry *set = set_of(lo, h);

	for (size_t i = 0; i < LOCKOUT_WAYS; i++) {
		if (key_is(&set[i], h, kind, addr, user)) {
			roll(lo, &set[i], now);
			return &set[i];
		}
	}
	return NULL;
}

/* Which way of a full set gives room: see lockout.h. */
static struct entry *victim(struct lockout *lo, struct entry *set, uint64_t now)
{
	struct entry *best = NULL;
	unsigned best_count = 0;

	for (size_t i = 0; i < LOCKOUT_WAYS; i++) {
		struct entry *e = &set[i];
		if (is_locked(e, now))
			continue;
		unsigned c = count(lo, e, now);
		if (!best || c < best_count || (c == best_count && e->last_ms < best->last_ms)) {
			best = e;
			best_count = c;
		}
	}
	if (best)
		return best;
	for (size_t i = 0; i < LOCKOUT_WAYS; i++)
		if (!best || set[i].locked_until < best->locked_until)
			best = &set[i];
	return best;
}

static struct entry *find_or_add(struct lockout *lo, enum lockout_kind kind, uint32_t addr,
				 const char *user, uint64_t now)
{
	uint64_t h = key_hash(lo, kind, addr, user);
	struct entry *set = set_of(lo, h), *room = NULL;

	for (size_t i = 0; i < LOCKOUT_WAYS; i++) {
		if (key_is(&set[i], h, kind, addr, user)) {
			roll(lo, &set[i], now);
			return &set[i];
		}
		if (!room && is_stale(lo, &set[i], now))
			room = &set[i];
	}
	if (!room) {
		room = victim(lo, set, now);
		lo->st.evictions++;
	}
	memset(room, 0, sizeof(*room));
	room->hash = h;
	room->kind = (uint8_t)kind;
	room->addr = addr;
	room->win_start = now;
	room->last_ms = now;
	size_t n = strlen(user);
	memcpy(room->user, user, n + 1);
	return room;
}

static void describe(const struct entry *e, struct lockout_lock *lock)
{
	if (!lock)
		return;
	lock->kind = (enum lockout_kind)e->kind;
	lock->addr = e->addr;
	lock->user = e->user;
	lock->until_ms = e->locked_until;
	lock->failures = e->lock_failures;
}

struct lockout *lockout_new(const struct lockout_config *cfg, uint64_t seed)
{
	if (!cfg->window_ms || !cfg->lock_ms || cfg->slots < LOCKOUT_WAYS)
		return NULL;
	struct lockout *lo = calloc(1, sizeof(*lo));
	if (!lo)
		return NULL;
	lo->cfg = *cfg;
	lo->seed = seed;
	lo->nsets = cfg->slots / LOCKOUT_WAYS;
	lo->e = calloc(lo->nsets * LOCKOUT_WAYS, sizeof(*lo->e));
	if (!lo->e) {
		free(lo);
		return NULL;
	}
	return lo;
}

void lockout_set_config(struct lockout *lo, const struct lockout_config *cfg)
{
	if (!cfg->window_ms || !cfg->lock_ms)
		return;
	size_t slots = lo->cfg.slots;
	lo->cfg = *cfg;
	lo->cfg.slots = slots;
}

void lockout_free(struct lockout *lo)
{
	if (!lo)
		return;
	free(lo->e);
	free(lo);
}

static const char *name_of(const char *user)
{
	return user && strlen(user) <= AUTH_USER_MAX ? user : "";
}

enum lockout_kind lockout_check(struct lockout *lo, uint32_t addr, const char *user,
				uint64_t now, struct lockout_lock *lock)
{
	struct entry *e = find(lo, LOCKOUT_SOURCE, addr, "", now);
	if (!e || !is_locked(e, now)) {
		user = name_of(user);
		e = user[0] ? find(lo, LOCKOUT_USER, addr, user, now) : NULL;
		if (!e || !is_locked(e, now))
			return LOCKOUT_NONE;
	}
	lo->st.refused++;
	describe(e, lock);
	return (enum lockout_kind)e->kind;
}

bool lockout_source_locked(struct lockout *lo, uint32_t addr, uint64_t now,
			   struct lockout_lock *lock)
{
	struct entry *e = find(lo, LOCKOUT_SOURCE, addr, "", now);
	if (!e || !is_locked(e, now))
		return false;
	lo->st.conn_refused++;
	describe(e, lock);
	return true;
}

/* Count one failure on the key; true if that starts its lock. */
static bool fail_one(struct lockout *lo, enum lockout_kind kind, uint32_t addr,
		     const char *user, unsigned threshold, uint64_t now, struct lockout_lock *lock)
{
	struct entry *e = find_or_add(lo, kind, addr, user, now);
	if (is_locked(e, now))
		return false;
	if (e->cur < UINT32_MAX)
		e->cur++;
	e->last_ms = now;
	unsigned n = count(lo, e, now);
	if (n < threshold)
		return false;
	e->locked_until = now + lo->cfg.lock_ms;
	e->lock_failures = n;
	if (kind == LOCKOUT_USER)
		lo->st.user_locks++;
	else
		lo->st.source_locks++;
	describe(e, lock);
	return true;
}

unsigned lockout_fail(struct lockout *lo, uint32_t addr, const char *user, uint64_t now,
		      struct lockout_lock started[static 2])
{
	unsigned n = 0;
	struct entry *src = find(lo, LOCKOUT_SOURCE, addr, "", now);

	user = name_of(user);
	/* Already locked: the attempt was not checked, so it is no failure. */
	if (src && is_locked(src, now))
		return 0;
	if (user[0]) {
		struct entry *u = find(lo, LOCKOUT_USER, addr, user, now);
		if (u && is_locked(u, now))
			return 0;
	}
	lo->st.failures++;
	if (lo->cfg.user_failures && user[0] &&
	    fail_one(lo, LOCKOUT_USER, addr, user, lo->cfg.user_failures, now, &started[n]))
		n++;
	if (lo->cfg.source_failures &&
	    fail_one(lo, LOCKOUT_SOURCE, addr, "", lo->cfg.source_failures, now, &started[n]))
		n++;
	/* The second fail_one() may have reused the entry the first one
	 * described (a full set): describe both again from the table. */
	for (unsigned i = 0; i < n; i++) {
		struct entry *e = find(lo, started[i].kind, addr,
				       started[i].kind == LOCKOUT_USER ? user : "", now);
		if (e)
			describe(e, &started[i]);
	}
	return n;
}

void lockout_success(struct lockout *lo, uint32_t addr, const char *user, uint64_t now)
{
	user = name_of(user);
	if (!user[0])
		return;
	struct entry *e = find(lo, LOCKOUT_USER, addr, user, now);
	if (e)
		memset(e, 0, sizeof(*e));
}

size_t lockout_list(struct lockout *lo, uint64_t now,
		    void (*fn)(void *ctx, const struct lockout_lock *lock), void *ctx)
{
	size_t n = 0;
	struct lockout_lock l;

	for (size_t i = 0; i < lo->nsets * LOCKOUT_WAYS; i++) {
		struct entry *e = &lo->e[i];
		if (!e->hash || !is_locked(e, now))
			continue;
		n++;
		if (fn) {
			describe(e, &l);
			fn(ctx, &l);
		}
	}
	return n;
}

size_t lockout_active(struct lockout *lo, uint64_t now)
{
	return lockout_list(lo, now, NULL, NULL);
}

size_t lockout_clear(struct lockout *lo, uint32_t addr, const char *user)
{
	size_t n = 0;

	for (size_t i = 0; i < lo->nsets * LOCKOUT_WAYS; i++) {
		struct entry *e = &lo->e[i];
		if (!e->hash || (addr && e->addr != addr))
			continue;
		if (user && (e->kind != LOCKOUT_USER || strcmp(e->user, user) != 0))
			continue;
		memset(e, 0, sizeof(*e));
		n++;
	}
	return n;
}

const struct lockout_stats *lockout_stats(const struct lockout *lo)
{
	return &lo->st;
}

const char *lockout_kind_name(enum lockout_kind k)
{
	switch (k) {
	case LOCKOUT_NONE:   return "none";
	case LOCKOUT_USER:   return "user";
	case LOCKOUT_SOURCE: return "source";
	}
	return "unknown";
}
