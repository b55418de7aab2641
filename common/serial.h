/*
 * Serial-number arithmetic (RFC 1982 style) for wrapping counters.
 *
 * 32-bit: GRE sequence and acknowledgement numbers (RFC 2637 section 4).
 * seq_diff(a, b) is the signed distance from b to a, so seq_lt(a, b) holds
 * when a comes before b within half the number space. Two numbers exactly
 * 2^31 apart are incomparable in RFC 1982; here seq_diff() gives INT32_MIN
 * for both orders, so each compares as "less" than the other. Callers never
 * have windows that wide.
 *
 * 12-bit: the MPPE coherency count (RFC 3078 section 3), which wraps at
 * 4096. cc_diff(to, from) is the forward distance from `from` to `to`
 * (0..4095); cc_sdiff() the signed distance in -2048..2047.
 *
 * Pure functions, no state.
 */
#ifndef PPTP_COMMON_SERIAL_H
#define PPTP_COMMON_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

/* Signed distance a - b, computed without implementation-defined casts. */
static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
	uint32_t d = a - b;
	if (d <= (uint32_t)INT32_MAX)
		return (int32_t)d;
	return -(int32_t)(UINT32_MAX - d) - 1;
}

static inline bool seq_lt(uint32_t a, uint32_t b) { return seq_diff(a, b) < 0; }
static inline bool seq_le(uint32_t a, uint32_t b) { return seq_diff(a, b) <= 0; }
static inline bool seq_gt(uint32_t a, uint32_t b) { return seq_diff(a, b) > 0; }
static inline bool seq_ge(uint32_t a, uint32_t b) { return seq_diff(a, b) >= 0; }

#define MPPE_CC_BITS 12
#define MPPE_CC_MOD  4096u
#define MPPE_CC_MASK 0x0FFFu

static inline uint16_t cc_add(uint16_t cc, unsigned n) { return (uint16_t)((cc + n) & MPPE_CC_MASK); }
static inline uint16_t cc_next(uint16_t cc) { return cc_add(cc, 1); }

/* Forward distance from `from` to `to`, modulo 4096: 0..4095. */
static inline uint16_t cc_diff(uint16_t to, uint16_t from)
{
	return (uint16_t)((unsigned)(to - from) & MPPE_CC_MASK);
}

/* Signed distance to - from in -2048..2047 (2048 apart counts as -2048). */
static inline int cc_sdiff(uint16_t to, uint16_t from)
{
	int d = cc_diff(to, from);
	return d >= (int)(MPPE_CC_MOD / 2) ? d - (int)MPPE_CC_MOD : d;
}

#endif
