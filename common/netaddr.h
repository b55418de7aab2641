/*
 * Socket addresses as operators write them: "host[:port]" with an IPv4
 * address or an IPv6 address in brackets ("[2001:db8::1]:1812"). No name
 * resolution: a daemon that must not block never asks DNS.
 */
#ifndef PPTP_COMMON_NETADDR_H
#define PPTP_COMMON_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define NETADDR_STRLEN 56 /* "[" IPv6 "]:" port NUL */

/* Parse s into addr (port default_port when none is written; 0 allowed
 * only as that default). False on anything malformed. */
bool netaddr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *addr,
		   socklen_t *addrlen);
/* "a.b.c.d:port" or "[v6]:port"; with_port false: the address alone. */
void netaddr_format(const struct sockaddr_storage *addr, bool with_port, char *out,
		    size_t outlen);
/* Same family, address and port. */
bool netaddr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/* Same family and address (ports ignored). */
bool netaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b);

#endif
