/*
 * Log once per key per interval: for conditions a peer can make repeat (a
 * refused call, an evicted connection, a forged packet), the first
 * occurrence for a key is logged, the following ones within the interval
 * are only counted, and the next line after the interval says how many
 * were held back (suppressed=N). The key is whatever identifies the peer,
 * usually its IPv4 address.
 *
 * Pure logic: no clock of its own (now in milliseconds from any monotonic
 * clock), no allocation. A fixed table of LOG_LIMIT_SLOTS entries: a key
 * lands in one of LOG_LIMIT_WAYS neighbouring entries; when all of them
 * hold other keys whose interval still runs, the one seen longest ago is
 * replaced, so a flood from many addresses costs at most one line per new
 * address, never one per packet of the same address.
 *
 * Lifetime: embedded in its owner (the server), set up by log_limit_init().
 * Not thread-safe.
 */
#ifndef PPTP_COMMON_LOG_LIMIT_H
#define PPTP_COMMON_LOG_LIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define LOG_LIMIT_SLOTS 256
#define LOG_LIMIT_WAYS  4

struct log_limit_entry {
	bool used;
	uint32_t key;
	uint64_t logged_at;   /* when its last line was written */
	uint64_t suppressed;  /* occurrences since then that were not logged */
};

struct log_limit {
	uint64_t interval_ms;
	struct log_limit_entry e[LOG_LIMIT_SLOTS];
};

void log_limit_init(struct log_limit *l, uint64_t interval_ms);

/*
 * One occurrence for key at now. True: log it now, and *suppressed (if not
 * NULL) is how many occurrences for key were held back since its last
 * line. False: counted, not to be logged.
 */
bool log_limit_due(struct log_limit *l, uint32_t key, uint64_t now, uint64_t *suppressed);

#endif
