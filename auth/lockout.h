/*
 * Failed-login lock-out, as pure logic: the time is passed in (milliseconds
 * of a monotonic clock), nothing here does I/O, logs or knows libev.
 *
 * Two kinds of counter, each over a sliding window of window_ms:
 *   USER    failed logins of one canonical user name from one source
 *           address (auth_canonical_user());
 *   SOURCE  failed logins from one source address, whatever the name.
 * The failure that brings a counter to its threshold locks that key for
 * lock_ms: lockout_check() then answers LOCKED for every attempt of that
 * user from that source (USER) or of any user from that source (SOURCE),
 * and lockout_source_locked() tells the listener to refuse new control
 * connections from a SOURCE-locked address. The caller answers a locked
 * attempt as it answers a wrong password (E=691), without asking the user
 * store, so whether the user exists makes no difference here: the table
 * never learns it. Attempts made while locked are not failures (a lock
 * is not extended by the attacker knocking on it); when the lock ends,
 * its counter starts from zero. A successful login clears that user's
 * counter from that source and nothing else: the source's own counter
 * (other users' failures) stays.
 *
 * The sliding window is two buckets per key: the failures of the current
 * window_ms interval and those of the one before, the older weighted by
 * the share of it still inside the window (count = prev * (W - age) / W +
 * cur, rounded down). No per-failure timestamps, so an entry is small
 * whatever the thresholds.
 *
 * Memory is fixed at lockout_new(): `slots` entries (rounded down to whole
 * sets), set-associative with LOCKOUT_WAYS entries per set; the set is
 * chosen by a hash of the key mixed with a secret seed, so a remote party
 * cannot aim its keys at one set. A new key takes a free entry of its set,
 * else one whose counts have aged out, else evicts: the unlocked entry with
 * the fewest failures (the least recently seen among equals), and only when
 * every way of the set is locked, the lock that ends first. Evictions are
 * counted. An attacker with many addresses and names therefore mostly
 * churns its own low-count entries; to evict a lock it must lock a whole
 * set of its own first.
 *
 * Lifetime: lockout_new() .. lockout_free(); one owner, one thread.
 */
#ifndef PPTP_AUTH_LOCKOUT_H
#define PPTP_AUTH_LOCKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOCKOUT_WAYS 8

struct lockout_config {
	unsigned user_failures;   /* per user from one source; 0: no USER locks */
	unsigned source_failures; /* per source; 0: no SOURCE locks */
	uint64_t window_ms;       /* > 0 */
	uint64_t lock_ms;         /* > 0 */
	size_t slots;             /* entries at most; at least LOCKOUT_WAYS */
};

enum lockout_kind {
	LOCKOUT_NONE = 0,
	LOCKOUT_USER,   /* this user from this source */
	LOCKOUT_SOURCE, /* every user from this source */
};

/* A lock: what lockout_check() found, or what a failure has just started. */
struct lockout_lock {
	enum lockout_kind kind;
	uint32_t addr;         /* the source, network order */
	const char *user;      /* LOCKOUT_USER: the name; valid until the next call */
	uint64_t until_ms;
	unsigned failures;     /* counted in the window when the lock started */
};

struct lockout_stats {
	uint64_t failures;     /* failures counted */
	uint64_t user_locks;   /* locks started */
	uint64_t source_locks;
	uint64_t refused;      /* attempts answered "locked" (lockout_check) */
	uint64_t conn_refused; /* connections refused (lockout_source_locked) */
	uint64_t evictions;    /* entries that made room for another key */
};

struct lockout;

/* NULL if out of memory or the configuration is unusable. */
struct lockout *lockout_new(const struct lockout_config *cfg, uint64_t seed);
void lockout_free(struct lockout *lo);
/* New thresholds, window and lock time (reload); the table and its size
 * stay, and so do the locks and counts in it. Ignored if cfg is invalid. */
void lockout_set_config(struct lockout *lo, const struct lockout_config *cfg);

/* Before an attempt is checked: is user from addr locked? The SOURCE lock
 * is reported first. LOCKOUT_NONE (lock untouched) if not; counts refused. */
enum lockout_kind lockout_check(struct lockout *lo, uint32_t addr, const char *user,
				uint64_t now, struct lockout_lock *lock);
/* A new control connection from addr: is the source locked? Counts
 * conn_refused when it is. */
bool lockout_source_locked(struct lockout *lo, uint32_t addr, uint64_t now,
			   struct lockout_lock *lock);
/* One failed login of user from addr. Returns how many locks it started
 * (0, 1 or 2), described in started[0..n). user NULL or "": only the
 * SOURCE counter moves. */
unsigned lockout_fail(struct lockout *lo, uint32_t addr, const char *user, uint64_t now,
		      struct lockout_lock started[static 2]);
/* A successful login: that user's counter from addr is cleared. */
void lockout_success(struct lockout *lo, uint32_t addr, const char *user, uint64_t now);

/* Locks in force at now, each given to fn once; returns how many. */
size_t lockout_list(struct lockout *lo, uint64_t now,
		    void (*fn)(void *ctx, const struct lockout_lock *lock), void *ctx);
/* Lift the locks and drop the counters of addr (0: any) and user (NULL:
 * every entry, SOURCE ones too; a name: that user's USER entries); returns
 * how many entries were cleared. */
size_t lockout_clear(struct lockout *lo, uint32_t addr, const char *user);
/* Locks in force at now. */
size_t lockout_active(struct lockout *lo, uint64_t now);
const struct lockout_stats *lockout_stats(const struct lockout *lo);

const char *lockout_kind_name(enum lockout_kind k);

#endif
