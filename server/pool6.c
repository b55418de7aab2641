/*
 * One /64 per session out of ipv6-prefix-pool (pool6.h).
 */
#include "server/pool6.h"

#include <stdlib.h>
#include <string.h>

struct pool6 {
	uint64_t base;         /* the prefix's first 64 bits, host order */
	uint32_t size;
	uint32_t cursor;       /* where the next search starts */
	void **owner;          /* size entries; NULL: free */
	struct pool6_stats st;
};

static uint64_t hi64(const uint8_t a[static 16])
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | a[i];
	return v;
}

struct pool6 *pool6_new(const struct config_ipv6_prefix *prefix)
{
	if (!prefix->len || prefix->len > 64)
		return NULL;
	struct pool6 *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	unsigned bits = 64 - prefix->len;
	p->size = bits >= 20 ? POOL6_MAX : 1u << bits;
	p->base = hi64(prefix->addr.s6_addr);
	p->owner = calloc(p->size, sizeof(*p->owner));
	if (!p->owner) {
		free(p);
		return NULL;
	}
	p->st.size = p->size;
	return p;
}

void pool6_free(struct pool6 *p)
{
	if (!p)
		return;
	free(p->owner);
	free(p);
}

/* The index of the /64 holding addr; false if outside what is tracked. */
static bool index_of(const struct pool6 *p, const uint8_t addr[static 16], uint32_t *i)
{
	uint64_t off = hi64(addr) - p->base; /* wraps to huge below base */
	if (off >= p->size)
		return false;
	*i = (uint32_t)off;
	return true;
}

bool pool6_alloc(struct pool6 *p, void *owner, uint8_t prefix[static 16])
{
	if (!owner || p->st.in_use >= p->size) {
		p->st.exhausted++;
		return false;
	}
	for (uint32_t n = 0; n < p->size; n++) {
		uint32_t i = (p->cursor + n) % p->size;
		if (p->owner[i])
			continue;
		p->owner[i] = owner;
		p->st.in_use++;
		p->cursor = (i + 1) % p->size;
		uint64_t v = p->base + i;
		memset(prefix, 0, 16);
		for (int k = 7; k >= 0; k--, v >>= 8)
			prefix[k] = (uint8_t)v;
		return true;
	}
	p->st.exhausted++;
	return false;
}

bool pool6_take(struct pool6 *p, const uint8_t prefix[static 16], void *owner)
{
	uint32_t i;
	if (!owner || !index_of(p, prefix, &i) || p->owner[i])
		return false;
	p->owner[i] = owner;
	p->st.in_use++;
	return true;
}

bool pool6_release(struct pool6 *p, const uint8_t prefix[static 16])
{
	uint32_t i;
	if (!index_of(p, prefix, &i) || !p->owner[i]) {
		p->st.bad_release++;
		return false;
	}
	p->owner[i] = NULL;
	p->st.in_use--;
	return true;
}

bool pool6_contains(const struct pool6 *p, const uint8_t addr[static 16])
{
	uint32_t i;
	return p && index_of(p, addr, &i);
}

void *pool6_lookup(const struct pool6 *p, const uint8_t addr[static 16])
{
	uint32_t i;
	return p && index_of(p, addr, &i) ? p->owner[i] : NULL;
}

struct pool6_stats pool6_stats(const struct pool6 *p)
{
	return p->st;
}
