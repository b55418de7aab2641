/*
 * Live control connections and calls per peer IPv4 address, so that the
 * per-address limits (max-connections-per-address, max-calls-per-address)
 * cost O(1) per new connection and call instead of a walk over every
 * connection of the server (at 3,000 held sessions the two walks took 11%
 * of the server's CPU per login; at 50,000 they would dominate it).
 *
 * An open-addressing hash table (linear probing, deletion by backward
 * shift, so no tombstones): an address is in it exactly while it has a
 * connection or a call. It doubles when half full and never shrinks below
 * what it once held (the addresses of a busy hour come back).
 *
 * Pure logic, no clock. Lifetime: embedded in its owner (the server),
 * zeroed is empty; addr_count_free() releases the table. Not thread-safe.
 */
#ifndef PPTP_COMMON_ADDR_COUNT_H
#define PPTP_COMMON_ADDR_COUNT_H

#include <stdbool.h>
#include <stdint.h>

struct addr_count_entry {
	uint32_t addr;        /* network order, as in struct in_addr */
	uint32_t conns, calls;
};

struct addr_count {
	struct addr_count_entry *e; /* cap entries; conns + calls == 0: free */
	uint32_t cap;               /* a power of two, or 0 before the first add */
	uint32_t used;
};

/* Add d_conns / d_calls (each -1, 0 or +1) to addr's counts. An increase
 * may grow the table: false (nothing changed) if that fails. A decrease
 * below zero is refused (false) and counts nothing: a caller bug. */
bool addr_count_add(struct addr_count *ac, uint32_t addr, int d_conns, int d_calls);
uint32_t addr_count_conns(const struct addr_count *ac, uint32_t addr);
uint32_t addr_count_calls(const struct addr_count *ac, uint32_t addr);
/* Addresses with a connection or a call. */
static inline uint32_t addr_count_addresses(const struct addr_count *ac)
{
	return ac->used;
}
void addr_count_free(struct addr_count *ac);

#endif
