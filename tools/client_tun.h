/*
 * The client end's tun device for `pptpbench connect`: a point-to-point
 * IPv4 interface (IFF_TUN | IFF_NO_PI, so every read and write is one bare
 * IPv4 packet) configured with the ioctls a point-to-point link needs:
 * our address, the server's address as the far end, the MTU, up; and
 * routes through it (SIOCADDRT). No shelling out to ip(8).
 *
 * Lifetime: client_tun_open() returns a non-blocking, close-on-exec file
 * descriptor owned by the caller; closing it removes the interface and with
 * it its addresses and routes. Addresses are in host byte order. Each
 * function returns false with errno set and a message in err.
 */
#ifndef PPTP_TOOLS_CLIENT_TUN_H
#define PPTP_TOOLS_CLIENT_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLIENT_TUN_ERR_SIZE 128

/* Create (or attach to) tun device name; -1 on failure. */
int client_tun_open(const char *name, char err[static CLIENT_TUN_ERR_SIZE]);

/* Address local, far end peer, MTU mtu, then up and running. */
bool client_tun_configure(const char *name, uint32_t local, uint32_t peer, unsigned mtu,
			  char err[static CLIENT_TUN_ERR_SIZE]);

/* Route net/prefix_len through the device. */
bool client_tun_add_route(const char *name, uint32_t net, unsigned prefix_len,
			  char err[static CLIENT_TUN_ERR_SIZE]);

/* IPv6 (pptpbench connect --ipv6): add addr (16 octets)/prefix_len to the
 * device, and a route dst/prefix_len through it (::/0: the default). */
bool client_tun_add_addr6(const char *name, const uint8_t addr[static 16], unsigned prefix_len,
			  char err[static CLIENT_TUN_ERR_SIZE]);
bool client_tun_add_route6(const char *name, const uint8_t dst[static 16], unsigned prefix_len,
			   char err[static CLIENT_TUN_ERR_SIZE]);

/* Parse "A.B.C.D/N" (host bits must be zero); false if malformed. */
bool client_tun_parse_cidr(const char *s, uint32_t *net, unsigned *prefix_len);

#endif
