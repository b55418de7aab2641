/*
 * Dynamic authorization (RFC 5176): a UDP listener (`dae-listen`) on which
 * the operator's RADIUS side ends sessions (Disconnect-Request) or changes
 * their Session-Timeout and Idle-Timeout (CoA-Request).
 *
 * A request is considered only if it comes from a `dae-client` address
 * (any source port) and its Request Authenticator, computed with that
 * client's secret, is right; a Message-Authenticator, when present, must
 * be right too. Anything else is dropped and logged (at most once a
 * second).
 *
 * Replay protection (server/dae_replay.h), in this order:
 *   - a request seen before (same client host, any source port, same
 *     Identifier and Request Authenticator) while its answer is cached gets
 *     that answer again and is not acted on (RFC 5176 2.3);
 *   - an Event-Timestamp more than `dae-event-timestamp-window` seconds
 *     from our clock: silently discarded, counted, logged (RFC 5176 6.3);
 *   - no Event-Timestamp with `dae-require-event-timestamp`, or no
 *     Message-Authenticator with `dae-require-message-authenticator`
 *     (default): NAK, Error-Cause 402;
 *   - the duplicate cache full of live answers: NAK 506, not acted on.
 *
 * Sessions are named by User-Name, Acct-Session-Id and/or
 * Framed-IP-Address; every attribute given must match. NAS-IP-Address and
 * NAS-Identifier, when present, must be ours. The answer:
 *   Disconnect-ACK / CoA-ACK   every matching session ended / changed
 *   NAK with Error-Cause        402 no identifying attribute, or a required
 *                               Message-Authenticator or Event-Timestamp
 *                               missing; 401 an attribute we do not act
 *                               on; 403 another NAS; 407 a malformed value
 *                               (an Event-Timestamp too); 405 Service-Type
 *                               not supported; 503 no such session; 506
 *                               the duplicate cache is full
 * Proxy-State attributes are echoed in order; every answer carries a
 * Message-Authenticator and is signed with the client's secret.
 *
 * Lifetime: dae_open() at start-up (after the sessions), dae_free() before
 * the server frees its sessions.
 */
#ifndef PPTP_SERVER_DAE_H
#define PPTP_SERVER_DAE_H

#include <stdbool.h>

struct server;
struct dae;

/* NULL (logged) if the address cannot be bound. */
struct dae *dae_open(struct server *srv);
void dae_free(struct dae *d);

#endif
