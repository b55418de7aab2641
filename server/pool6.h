/*
 * The IPv6 prefix pool (ipv6-prefix-pool): one /64 per session, and the
 * /64 -> owner lookup the data path uses for packets read from tun.
 *
 * The pool tracks the first POOL6_MAX /64s of the configured prefix (all of
 * them for a /44 or longer), one owner pointer per /64 in an array indexed
 * by the /64's offset into the prefix: lookup is one subtraction and one
 * load, never a scan over sessions. Allocation is next-fit from a cursor
 * that moves on after each allocation, so a /64 just given back is the
 * last one handed out again (the old session's neighbours and routes have
 * time to go); it stops at once when every /64 is held.
 *
 * Owners are opaque non-NULL pointers (the session); the owner must
 * pool6_release() its /64 before it is freed.
 *
 * Lifetime: pool6_new() copies the prefix from the config; the pool lives
 * until pool6_free().
 */
#ifndef PPTP_SERVER_POOL6_H
#define PPTP_SERVER_POOL6_H

#include <stdbool.h>
#include <stdint.h>

#include "conf/config.h"

#define POOL6_MAX (1u << 20) /* /64s tracked at most, whatever the prefix length */

struct pool6;

struct pool6_stats {
	uint32_t size;         /* /64s tracked */
	uint32_t in_use;
	uint64_t exhausted;    /* pool6_alloc() found none free */
	uint64_t bad_release;  /* pool6_release() of a /64 not held */
};

/* NULL if the prefix is not set (len 0) or out of memory. */
struct pool6 *pool6_new(const struct config_ipv6_prefix *prefix);
void pool6_free(struct pool6 *p);

/* Take a free /64 for owner (non-NULL): its first 8 octets into prefix
 * (the rest zero). False if none is free (counted). */
bool pool6_alloc(struct pool6 *p, void *owner, uint8_t prefix[static 16]);
/* Take the /64 holding prefix for owner if it is free (a session whose
 * IPV6CP came up again gets its /64 back). False if taken or outside. */
bool pool6_take(struct pool6 *p, const uint8_t prefix[static 16], void *owner);
/* Give back the /64 holding prefix. False (counted) if it was not held. */
bool pool6_release(struct pool6 *p, const uint8_t prefix[static 16]);
/* addr lies in the /64s the pool tracks (held or not). */
bool pool6_contains(const struct pool6 *p, const uint8_t addr[static 16]);
/* The owner of the /64 holding addr, or NULL. */
void *pool6_lookup(const struct pool6 *p, const uint8_t addr[static 16]);

struct pool6_stats pool6_stats(const struct pool6 *p);

#endif
