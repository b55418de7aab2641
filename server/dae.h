/*
 * Dynamic authorization (RFC 5176): a UDP listener (`dae-listen`) on which
 * the operator's RADIUS side ends sessions (Disconnect-Request) or changes
 * their Session-Timeout and Idle-Timeout (CoA-Request).
 *
 * A request is considered only if it comes from a `dae-client` address
 * (any source port) and its Request Authenticator, computed with that
 * client's secret, is right; a Message-Authenticator, when present, must
 * be right too. Anything else is dropped and logged (at most once a
 * second). A retransmission (same client, identifier and authenticator
 * within DAE_DUP_SECS) gets the first answer again instead of acting twice.
 *
 * Sessions are named by User-Name, Acct-Session-Id and/or
 * Framed-IP-Address; every attribute given must match. NAS-IP-Address and
 * NAS-Identifier, when present, must be ours. The answer:
 *   Disconnect-ACK / CoA-ACK   every matching session ended / changed
 *   NAK with Error-Cause        402 no identifying attribute, 401 an attribute
 *                               we do not act on, 403 another NAS, 404 a
 *                               malformed value, 405 Service-Type not
 *                               supported, 503 no such session
 * Proxy-State attributes are echoed in order; every answer carries a
 * Message-Authenticator and is signed with the client's secret.
 *
 * Lifetime: dae_open() at start-up (after the sessions), dae_close() before
 * the server frees its sessions.
 */
#ifndef PPTP_SERVER_DAE_H
#define PPTP_SERVER_DAE_H

#include <stdbool.h>

#define DAE_DUP_SECS   30
#define DAE_DUP_SLOTS  64

struct server;
struct dae;

/* NULL (logged) if the address cannot be bound. */
struct dae *dae_open(struct server *srv);
void dae_close(struct dae *d);

#endif
