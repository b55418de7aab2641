/*
 * Token-bucket policing (server/shaper.h).
 */
#include "server/shaper.h"

#define US_PER_S 1000000u

void shaper_set(struct shaper *b, uint32_t kbit, unsigned burst_ms, unsigned mtu,
		uint64_t now_us)
{
	if (kbit > SHAPER_KBIT_MAX)
		kbit = SHAPER_KBIT_MAX;
	b->kbit = kbit;
	b->rate = (uint64_t)kbit * 125u; /* 1000 / 8 bytes per kbit */
	if (!b->rate) {
		b->burst = b->tokens = 0;
		return;
	}
	/* burst_ms of the rate in bytes: at most 1.25e9 B/s × 60 s, so
	 * × 10^6 stays far below 2^64. */
	if (burst_ms > 60000u)
		burst_ms = 60000u;
	uint64_t bytes = b->rate * burst_ms / 1000u;
	uint64_t floor = (uint64_t)SHAPER_MIN_BURST_PKTS * (mtu ? mtu : 1500u);
	if (bytes < floor)
		bytes = floor;
	b->burst = bytes * US_PER_S;
	b->tokens = b->burst;
	b->last_us = now_us;
}

bool shaper_admit_limited(struct shaper *b, size_t len, uint64_t now_us)
{
	if (now_us > b->last_us) {
		uint64_t dt = now_us - b->last_us;
		uint64_t room = b->burst - b->tokens;
		/* dt × rate overflows only for a dt that fills the bucket
		 * many times over: compare by division first. */
		if (dt >= room / b->rate + 1)
			b->tokens = b->burst;
		else
			b->tokens += dt * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
	}
	/* Backwards (or equal): no refill; the clock restarts from here. */
	b->last_us = now_us;
	uint64_t cost = (uint64_t)len * US_PER_S;
	if (cost > b->tokens) {
		b->dropped++;
		return false;
	}
	b->tokens -= cost;
	return true;
}
