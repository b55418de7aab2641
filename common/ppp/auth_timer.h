/*
 * The one timer CHAP and PAP each ask their owner for: the earlier of the
 * retransmission time and the overall authentication deadline.
 */
#ifndef PPTP_COMMON_PPP_AUTH_TIMER_H
#define PPTP_COMMON_PPP_AUTH_TIMER_H

#include <stdint.h>

/* Milliseconds from now until the earlier of retx_at and deadline (either
 * 0 = not set), at least 1 and at most UINT32_MAX; 0 when neither is set,
 * which means "stop the timer" to the owner's set_timer callback. */
static inline uint32_t auth_timer_after(uint64_t retx_at, uint64_t deadline, uint64_t now)
{
	uint64_t next = retx_at;

	if (deadline && (!next || deadline < next))
		next = deadline;
	if (!next)
		return 0;
	uint64_t d = next > now ? next - now : 1;
	return d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
}

#endif
