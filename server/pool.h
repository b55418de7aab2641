/*
 * The client address pool (remoteip) and the address -> owner lookup.
 *
 * Addresses are uint32_t in host order, as in struct config_range. Every
 * address handed to a client goes through here, whether it comes from the
 * pool (pool_alloc) or is a static per-user address (pool_reserve), so one
 * lookup answers "which session owns this destination" for packets read
 * from tun.
 *
 * Allocation is O(1) and least-recently-used: free pool addresses form one
 * doubly linked list, pool_alloc takes its head and pool_release appends to
 * its tail, so an address just given back is the last one handed out again
 * (stale ARP entries and routes of the previous holder have time to go).
 * A pool address is found by its offset into the pool (a binary search over
 * the few configured ranges, then an array); a static address outside the
 * pool lives in a small open-addressing hash table.
 *
 * Owners are opaque non-NULL pointers (the session); pool_lookup() returns
 * NULL for an address nobody holds.
 *
 * Lifetime: pool_new() copies the ranges it needs from cfg, so the config
 * may be replaced afterwards; the pool lives until pool_free(). It holds
 * no references to owners: the owner must pool_release() its address
 * before it is freed.
 */
#ifndef PPTP_SERVER_POOL_H
#define PPTP_SERVER_POOL_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/config.h"

struct pool;

struct pool_stats {
	uint32_t size;           /* addresses in the configured ranges */
	uint32_t in_use;         /* pool addresses held (allocated or reserved) */
	uint32_t outside;        /* static addresses outside the pool held */
	uint64_t exhausted;      /* pool_alloc() found no free address */
	uint64_t reserve_busy;   /* pool_reserve() found the address taken */
	uint64_t bad_release;    /* pool_release() of an address not held */
};

/* A pool over cfg->pool; NULL if out of memory. An empty pool is valid
 * (every pool_alloc fails; static addresses still work). */
struct pool *pool_new(const struct config *cfg);
/* The same over any ranges (a named pool). */
struct pool *pool_new_ranges(const struct config_pool *ranges);
void pool_free(struct pool *p);

/* Take the least recently used free pool address for owner (non-NULL).
 * False if the pool is exhausted (counted) or owner is NULL. */
bool pool_alloc(struct pool *p, void *owner, uint32_t *addr);
/* Hold a given (static) address for owner. Inside the pool it is taken off
 * the free list; outside it is tracked in the hash table. False if the
 * address is already held (counted), is 0 or 255.255.255.255, owner is
 * NULL, or memory ran out. */
bool pool_reserve(struct pool *p, uint32_t addr, void *owner);
/* Give an address back. False (counted, harmless) if it was not held. */
bool pool_release(struct pool *p, uint32_t addr);
/* The owner holding addr, or NULL. */
void *pool_lookup(const struct pool *p, uint32_t addr);
/* Is addr inside the configured ranges (held or not)? */
bool pool_contains(const struct pool *p, uint32_t addr);

struct pool_stats pool_stats(const struct pool *p);

#endif
