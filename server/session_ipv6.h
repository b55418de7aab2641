/*
 * What the rest of the server asks of a session's IPv6 (session_ipv6.c):
 * the data path's tun -> session direction and the admin socket's view.
 */
#ifndef PPTP_SERVER_SESSION_IPV6_H
#define PPTP_SERVER_SESSION_IPV6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct session;

/* An IPv6 packet read from tun (DP headroom in front): to the session
 * owning its destination /64, MSS-clamped, or a Packet Too Big (built in
 * scratch, at least IPV6_PTB_MAX) back into tun when it is larger than
 * the link's MTU. Everything else is dropped and counted. */
void session_ipv6_from_tun(struct server *srv, uint8_t *pkt, size_t len, uint8_t *scratch,
			   size_t scratch_cap);
/* The session's /64 (16 octets); false if it has none. */
bool session_ipv6_prefix(const struct session *s, uint8_t prefix[static 16]);

#endif
