/*
 * Per-session rate limits: a token bucket per direction that polices (a
 * packet over the bucket is dropped, never queued).
 *
 * The bucket holds tokens in byte-microseconds (bytes × 10^6), so a refill
 * of any elapsed time at any rate loses no fraction of a byte. It is
 * refilled lazily by the check itself from the time the caller passes (the
 * loop's cached ev_now): no timer, no allocation, no system call per
 * packet. A bucket with rate 0 admits everything after one branch.
 *
 * Lifetime: plain data inside the struct that owns it (struct session);
 * nothing to free. shaper_set() may be called at any time (a CoA): the
 * bucket restarts full at the new burst.
 */
#ifndef PPTP_SERVER_SHAPER_H
#define PPTP_SERVER_SHAPER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The largest rate a bucket takes: 10 Gbit/s, in kbit/s. */
#define SHAPER_KBIT_MAX   10000000u
/* The burst never holds less than this many packets of the link's MTU. */
#define SHAPER_MIN_BURST_PKTS 2u

enum shaper_dir {
	SHAPER_DOWN,    /* LAN -> client (tun to the session) */
	SHAPER_UP,      /* client -> LAN (the session to tun) */
};
#define SHAPER_NDIRS 2

struct shaper {
	uint64_t rate;      /* bytes per second; 0: no limit */
	uint64_t burst;     /* bucket size, byte-microseconds */
	uint64_t tokens;    /* byte-microseconds, at most burst */
	uint64_t last_us;   /* when tokens were last refilled */
	uint32_t kbit;      /* the rate as configured, for logs */
	uint64_t dropped;   /* packets dropped over the rate */
};

/*
 * Set the rate (kbit/s, 0: no limit; above SHAPER_KBIT_MAX: capped) and the
 * burst: burst_ms of the rate, at least SHAPER_MIN_BURST_PKTS × mtu bytes.
 * A new limit starts with a full bucket.
 */
void shaper_set(struct shaper *b, uint32_t kbit, unsigned burst_ms, unsigned mtu,
		uint64_t now_us);

/* The slow half of shaper_admit(): a limited bucket. */
bool shaper_admit_limited(struct shaper *b, size_t len, uint64_t now_us);

/* May a packet of len bytes pass at now_us? False: drop it (counted in
 * b->dropped). Time that goes backwards refills nothing. */
static inline bool shaper_admit(struct shaper *b, size_t len, uint64_t now_us)
{
	if (!b->rate)
		return true;
	return shaper_admit_limited(b, len, now_us);
}

#endif
