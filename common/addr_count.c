#include "common/addr_count.h"

#include <stdlib.h>

#define ADDR_COUNT_MIN_CAP 64

static uint32_t slot_of(uint32_t addr, uint32_t cap)
{
	/* Fibonacci hashing: addresses of one subnet differ in their low
	 * bits (network order: the high bits of the integer on x86), so
	 * mix every bit into the index. */
	return (uint32_t)((addr * 2654435769u) >> 7) & (cap - 1);
}

static bool is_free(const struct addr_count_entry *x)
{
	return x->conns == 0 && x->calls == 0;
}

static struct addr_count_entry *find(const struct addr_count *ac, uint32_t addr)
{
	if (!ac->cap)
		return NULL;
	for (uint32_t i = slot_of(addr, ac->cap), n = 0; n < ac->cap; n++, i = (i + 1) & (ac->cap - 1)) {
		struct addr_count_entry *x = &ac->e[i];
		if (is_free(x))
			return NULL;
		if (x->addr == addr)
			return x;
	}
	return NULL;
}

/* A free slot for addr (not in the table), the table not full. */
static struct addr_count_entry *free_slot(struct addr_count *ac, uint32_t addr)
{
	uint32_t i = slot_of(addr, ac->cap);
	while (!is_free(&ac->e[i]))
		i = (i + 1) & (ac->cap - 1);
	return &ac->e[i];
}

static bool grow(struct addr_count *ac)
{
	uint32_t cap = ac->cap ? ac->cap * 2 : ADDR_COUNT_MIN_CAP;
	struct addr_count old = *ac;

	if (cap < ac->cap)
		return false;
	ac->e = calloc(cap, sizeof(*ac->e));
	if (!ac->e) {
		ac->e = old.e;
		return false;
	}
	ac->cap = cap;
	for (uint32_t i = 0; i < old.cap; i++)
		if (!is_free(&old.e[i]))
			*free_slot(ac, old.e[i].addr) = old.e[i];
	free(old.e);
	return true;
}

/* x became free: move later entries of its run back (Knuth's algorithm R),
 * so that every lookup still finds its entry before a free slot. */
static void remove_at(struct addr_count *ac, struct addr_count_entry *x)
{
	uint32_t mask = ac->cap - 1;
	uint32_t hole = (uint32_t)(x - ac->e);

	ac->used--;
	for (uint32_t j = (hole + 1) & mask, n = 0; n < ac->cap; n++, j = (j + 1) & mask) {
		struct addr_count_entry *y = &ac->e[j];
		if (is_free(y))
			return;
		uint32_t home = slot_of(y->addr, ac->cap);
		/* y may move to the hole if its home is not in (hole, j]. */
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			ac->e[hole] = *y;
			y->conns = y->calls = 0;
			hole = j;
		}
	}
}

bool addr_count_add(struct addr_count *ac, uint32_t addr, int d_conns, int d_calls)
{
	struct addr_count_entry *x = find(ac, addr);

	if (!x) {
		if (d_conns < 0 || d_calls < 0)
			return false;
		if (d_conns == 0 && d_calls == 0)
			return true;
		if ((ac->used + 1) * 2 > ac->cap && !grow(ac))
			return false;
		x = free_slot(ac, addr);
		x->addr = addr;
		ac->used++;
	} else if ((d_conns < 0 && x->conns == 0) || (d_calls < 0 && x->calls == 0)) {
		return false;
	}
	x->conns += (uint32_t)d_conns;
	x->calls += (uint32_t)d_calls;
	if (is_free(x))
		remove_at(ac, x);
	return true;
}

uint32_t addr_count_conns(const struct addr_count *ac, uint32_t addr)
{
	const struct addr_count_entry *x = find(ac, addr);
	return x ? x->conns : 0;
}

uint32_t addr_count_calls(const struct addr_count *ac, uint32_t addr)
{
	const struct addr_count_entry *x = find(ac, addr);
	return x ? x->calls : 0;
}

void addr_count_free(struct addr_count *ac)
{
	free(ac->e);
	ac->e = NULL;
	ac->cap = ac->used = 0;
}
