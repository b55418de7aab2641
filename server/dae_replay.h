/*
 * Replay protection for RFC 5176 requests, as pure logic (time passed in):
 * the Event-Timestamp window and the duplicate cache the DAE listener
 * (server/dae.c) consults before it acts on a verified request.
 *
 * Event-Timestamp (RFC 5176 6.3): when present it must be within `window`
 * seconds of our clock, either way; a request outside it is silently
 * discarded (the RFC's MUST), which the caller counts and logs.
 *
 * The duplicate cache (RFC 5176 2.3): a request is the same request when
 * it comes from the same client host (any source port: a replay need not
 * keep the port), with the same Identifier and the same Request
 * Authenticator (an MD5 over the whole packet and the secret, so equal
 * authenticators mean equal packets). Each answered request keeps its
 * answer until it expires: a request with an Event-Timestamp until that
 * timestamp leaves the window (after which the window check refuses the
 * bytes anyway), one without for `window` seconds from its arrival. A
 * duplicate gets the first answer again and is never acted on twice. The
 * cache holds at most DAE_REPLAY_SLOTS answers: when every slot is live,
 * dae_replay_room() says no and the caller refuses the request (Error-Cause
 * 506) rather than forget an answer that could still be replayed.
 *
 * Lifetime: dae_replay_new() with the listener, dae_replay_free() with it;
 * a cached answer is owned by the cache (copied in).
 */
#ifndef PPTP_SERVER_DAE_REPLAY_H
#define PPTP_SERVER_DAE_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/radius_pkt.h"

#define DAE_REPLAY_SLOTS 4096

enum dae_timestamp {
	DAE_TS_ABSENT,     /* no Event-Timestamp */
	DAE_TS_CURRENT,    /* within the window */
	DAE_TS_STALE,      /* outside it (past or future): silently discard */
	DAE_TS_MALFORMED,  /* not 4 octets, or more than one */
};

/* Check p's Event-Timestamp against now (seconds since the epoch); *ts gets
 * its value when there is exactly one of 4 octets. */
enum dae_timestamp dae_timestamp_check(const struct radius_packet *p, uint64_t now_s,
				       unsigned window, uint32_t *ts);
const char *dae_timestamp_name(enum dae_timestamp t);

/* How long (ms) the answer to a request stays cached: until ts leaves the
 * window (at least 1 s) when the request carried one, else the window. */
uint64_t dae_replay_ttl_ms(bool has_ts, uint32_t ts, uint64_t now_s, unsigned window);

struct dae_replay;

struct dae_replay *dae_replay_new(void);
void dae_replay_free(struct dae_replay *r);

/* The cached answer to this request (from's host, id, auth) if it has not
 * expired at now_ms: *reply and *len point into the cache until the next
 * dae_replay_add(). */
bool dae_replay_find(struct dae_replay *r, const struct sockaddr_storage *from, uint8_t id,
		     const uint8_t auth[static RADIUS_AUTH_LEN], uint64_t now_ms,
		     const uint8_t **reply, size_t *len);
/* Is there a free or expired slot for one more answer at now_ms? */
bool dae_replay_room(struct dae_replay *r, uint64_t now_ms);
/* Keep an answer (copied) until now_ms + ttl_ms. False if there is no room
 * (see dae_replay_room()) or no memory. */
bool dae_replay_add(struct dae_replay *r, const struct sockaddr_storage *from, uint8_t id,
		    const uint8_t auth[static RADIUS_AUTH_LEN], const uint8_t *reply, size_t len,
		    uint64_t now_ms, uint64_t ttl_ms);
/* Live answers at now_ms (for logs and tests). */
size_t dae_replay_live(const struct dae_replay *r, uint64_t now_ms);

#endif
