#include "server/pool.h"

#include <stdlib.h>
#include <string.h>

#define POOL_NIL UINT32_MAX
#define HT_MIN   8

/* One static address outside the pool; addr 0 marks an empty slot. */
struct pool_ext {
	uint32_t addr;
	void *owner;
};

struct pool {
	struct config_range *range; /* copied from the config, sorted */
	uint32_t *base;             /* pool offset of each range's first address */
	size_t nrange;
	uint32_t size;

	void **owner;               /* by pool offset; NULL = free */
	uint32_t *prev, *next;      /* the free list, by pool offset */
	uint32_t head, tail;

	struct pool_ext *ext;       /* open addressing, linear probing */
	size_t ext_cap;             /* a power of two, or 0 */

	struct pool_stats st;
};

struct pool *pool_new(const struct config *cfg)
{
	return pool_new_ranges(&cfg->pool);
}

struct pool *pool_new_ranges(const struct config_pool *ranges)
{
	struct pool *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	size_t n = ranges->n;
	uint32_t size = 0;
	for (size_t i = 0; i < n; i++)
		size += ranges->range[i].last - ranges->range[i].first + 1;
	p->nrange = n;
	p->size = size;
	p->head = p->tail = POOL_NIL;
	if (n) {
		p->range = calloc(n, sizeof(*p->range));
		p->base = calloc(n, sizeof(*p->base));
		if (!p->range || !p->base)
			goto fail;
		memcpy(p->range, ranges->range, n * sizeof(*p->range));
	}
	if (size) {
		p->owner = calloc(size, sizeof(*p->owner));
		p->prev = calloc(size, sizeof(*p->prev));
		p->next = calloc(size, sizeof(*p->next));
		if (!p->owner || !p->prev || !p->next)
			goto fail;
	}
	uint32_t off = 0;
	for (size_t i = 0; i < n; i++) {
		p->base[i] = off;
		off += p->range[i].last - p->range[i].first + 1;
	}
	/* Every address free, in address order. */
	for (uint32_t i = 0; i < size; i++) {
		p->prev[i] = i ? i - 1 : POOL_NIL;
		p->next[i] = i + 1 < size ? i + 1 : POOL_NIL;
	}
	if (size) {
		p->head = 0;
		p->tail = size - 1;
	}
	p->st.size = size;
	return p;
fail:
	pool_free(p);
	return NULL;
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	free(p->range);
	free(p->base);
	free(p->owner);
	free(p->prev);
	free(p->next);
	free(p->ext);
	free(p);
}

/* The pool offset of addr, or POOL_NIL if it is outside every range. */
static uint32_t pool_offset(const struct pool *p, uint32_t addr)
{
	size_t lo = 0, hi = p->nrange;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct config_range *r = &p->range[mid];
		if (addr < r->first)
			hi = mid;
		else if (addr > r->last)
			lo = mid + 1;
		else
			return p->base[mid] + (addr - r->first);
	}
	return POOL_NIL;
}

static uint32_t pool_addr_at(const struct pool *p, uint32_t off)
{
	size_t lo = 0, hi = p->nrange;
	/* The last range whose base is <= off. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->base[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return p->range[lo].first + (off - p->base[lo]);
}

static void list_unlink(struct pool *p, uint32_t i)
{
	if (p->prev[i] != POOL_NIL)
		p->next[p->prev[i]] = p->next[i];
	else
		p->head = p->next[i];
	if (p->next[i] != POOL_NIL)
		p->prev[p->next[i]] = p->prev[i];
	else
		p->tail = p->prev[i];
	p->prev[i] = p->next[i] = POOL_NIL;
}

static void list_append(struct pool *p, uint32_t i)
{
	p->next[i] = POOL_NIL;
	p->prev[i] = p->tail;
	if (p->tail != POOL_NIL)
		p->next[p->tail] = i;
	else
		p->head = i;
	p->tail = i;
}

bool pool_contains(const struct pool *p, uint32_t addr)
{
	return pool_offset(p, addr) != POOL_NIL;
}

bool pool_alloc(struct pool *p, void *owner, uint32_t *addr)
{
	if (!owner)
		return false;
	if (p->head == POOL_NIL) {
		p->st.exhausted++;
		return false;
	}
	uint32_t i = p->head;
	list_unlink(p, i);
	p->owner[i] = owner;
	p->st.in_use++;
	*addr = pool_addr_at(p, i);
	return true;
}

/* ---- static addresses outside the pool ---- */

static size_t ext_hash(const struct pool *p, uint32_t addr)
{
	uint32_t h = addr * 2654435761u; /* Knuth's multiplicative hash */
	h ^= h >> 16;
	return h & (p->ext_cap - 1);
}

/* The slot holding addr, or the empty slot where it would go. */
static struct pool_ext *ext_find(const struct pool *p, uint32_t addr)
{
	size_t mask = p->ext_cap - 1;
	for (size_t i = ext_hash(p, addr);; i = (i + 1) & mask) {
		struct pool_ext *e = &p->ext[i];
		if (e->addr == addr || e->addr == 0)
			return e;
	}
}

static bool ext_grow(struct pool *p)
{
	size_t cap = p->ext_cap ? 2 * p->ext_cap : HT_MIN;
	struct pool_ext *old = p->ext;
	size_t oldcap = p->ext_cap;
	struct pool_ext *ne = calloc(cap, sizeof(*ne));
	if (!ne)
		return false;
	p->ext = ne;
	p->ext_cap = cap;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].addr)
			*ext_find(p, old[i].addr) = old[i];
	free(old);
	return true;
}

/* Remove slot e, shifting later members of its probe run back so that no
 * lookup meets a hole before its key (no tombstones needed). */
static void ext_remove(struct pool *p, struct pool_ext *e)
{
	size_t mask = p->ext_cap - 1;
	size_t hole = (size_t)(e - p->ext);
	size_t i = hole;
	p->ext[hole].addr = 0;
	p->ext[hole].owner = NULL;
	for (;;) {
		i = (i + 1) & mask;
		if (p->ext[i].addr == 0)
			return;
		size_t home = ext_hash(p, p->ext[i].addr);
		/* Leave it if its home lies cyclically in (hole, i]. */
		bool stays = hole <= i ? (home > hole && home <= i) : (home > hole || home <= i);
		if (stays)
			continue;
		p->ext[hole] = p->ext[i];
		p->ext[i].addr = 0;
		p->ext[i].owner = NULL;
		hole = i;
	}
}

bool pool_reserve(struct pool *p, uint32_t addr, void *owner)
{
	if (!owner || addr == 0 || addr == UINT32_MAX)
		return false;
	uint32_t i = pool_offset(p, addr);
	if (i != POOL_NIL) {
		if (p->owner[i]) {
			p->st.reserve_busy++;
			return false;
		}
		list_unlink(p, i);
		p->owner[i] = owner;
		p->st.in_use++;
		return true;
	}
	if (p->ext_cap && ext_find(p, addr)->addr == addr) {
		p->st.reserve_busy++;
		return false;
	}
	/* Keep the load at most one half. */
	if (2 * ((size_t)p->st.outside + 1) > p->ext_cap && !ext_grow(p))
		return false;
	struct pool_ext *e = ext_find(p, addr);
	e->addr = addr;
	e->owner = owner;
	p->st.outside++;
	return true;
}

bool pool_release(struct pool *p, uint32_t addr)
{
	uint32_t i = pool_offset(p, addr);
	if (i != POOL_NIL) {
		if (!p->owner[i]) {
			p->st.bad_release++;
			return false;
		}
		p->owner[i] = NULL;
		list_append(p, i);
		p->st.in_use--;
		return true;
	}
	struct pool_ext *e = p->ext_cap && addr ? ext_find(p, addr) : NULL;
	if (!e || e->addr != addr) {
		p->st.bad_release++;
		return false;
	}
	ext_remove(p, e);
	p->st.outside--;
	return true;
}

void *pool_lookup(const struct pool *p, uint32_t addr)
{
	uint32_t i = pool_offset(p, addr);
	if (i != POOL_NIL)
		return p->owner[i];
	if (!p->ext_cap || addr == 0)
		return NULL;
	const struct pool_ext *e = ext_find(p, addr);
	return e->addr == addr ? e->owner : NULL;
}

struct pool_stats pool_stats(const struct pool *p)
{
	return p->st;
}
