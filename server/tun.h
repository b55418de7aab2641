/*
 * The tun device: the server's side of every client's IP traffic.
 *
 * tun_open() opens one tun device (IFF_TUN | IFF_NO_PI, non-blocking,
 * close-on-exec) named by config `tun`, sets its MTU to config `mtu`,
 * brings it up, gives it the server's localip as a /32, and adds one route
 * per CIDR-aligned block of every remoteip range through it (main table,
 * scope link, preferred source localip), all by rtnetlink. It needs
 * CAP_NET_ADMIN: call it in privileged set-up. A failure at any step is
 * logged and undoes the steps before it.
 *
 * Packets are bare IPv4 datagrams (no packet-information header).
 * tun_read_batch() reads up to n packets with one read() each until the
 * device has no more (EAGAIN), into buffers the caller preallocated.
 * tun_write() writes one packet (the server writes through server/tun_io.h,
 * which batches them through io_uring or calls this); the device takes or
 * drops it whole, so a full queue (EAGAIN) means the packet was dropped and
 * is counted, never retried.
 *
 * Lifetime: tun_open() .. tun_free(). tun_free() deletes the routes it
 * added and the address, then closes the fd; a non-persistent device
 * vanishes with its fd. The owner makes its own ev_io on tun_fd() and must
 * stop it before tun_free(). tun copies what it needs from the config.
 */
#ifndef PPTP_SERVER_TUN_H
#define PPTP_SERVER_TUN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ipv4.h"
#include "conf/config.h"
#include "server/rtnl.h"

struct tun_stats {
	uint64_t rx;         /* packets read */
	uint64_t tx;         /* packets written */
	uint64_t tx_dropped; /* write failed (queue full or an error) */
	uint64_t rx_err;     /* read errors other than EAGAIN */
	uint64_t rx_bytes, tx_bytes; /* IP bytes of rx and tx (the metrics endpoint) */
};

struct tun {
	int fd;
	int ifindex;
	char name[IFNAMSIZ];
	unsigned mtu;
	uint32_t localip;         /* host order */
	struct rtnl nl;
	struct ipv4_cidr *routes; /* the routes we added, to delete on close */
	size_t nroutes;
	bool addr_added;
	struct tun_stats st;
};

/* One receive buffer of a batch. */
struct tun_pkt {
	uint8_t *buf;
	size_t cap;   /* at least mtu: the kernel routes nothing longer to the
		       * device, and read() would cut a longer packet */
	size_t len;   /* set by tun_read_batch */
};

/* Open and configure the device; NULL (logged) on failure. */
struct tun *tun_open(const struct config *cfg);
/* Delete the routes and the address, close the device; NULL is fine. */
void tun_free(struct tun *t);
/* A /32 route to addr through the device (add) or its removal: for a
 * client address outside every configured pool (a static address). False
 * (logged) on failure; an existing route, or a missing one on removal, is
 * not a failure. */
bool tun_host_route(struct tun *t, uint32_t addr, bool add);
/* The same for dst/plen (RADIUS Framed-Route: a network behind a client),
 * but 0 or the -errno: -EEXIST when the kernel has that prefix already
 * (through any device: not ours to take over or delete later). Other
 * failures are logged. */
int tun_net_route(struct tun *t, uint32_t dst, uint8_t plen, bool add);
/* A session's IPv6 /64 (prefix: 16 octets) through the device, or its
 * removal: 0 or the -errno (-EEXIST: the kernel has it already, through
 * any device). Failures are logged. */
int tun_route6(struct tun *t, const uint8_t prefix[static 16], bool add);
/* Reload: add the routes of cfg's pools that t does not have yet (routes
 * of ranges no longer configured stay until tun_free()). False (logged)
 * if one could not be added; the others are still tried. */
bool tun_route_pools(struct tun *t, const struct config *cfg);

static inline int tun_fd(const struct tun *t) { return t->fd; }

/* Read packets into pkts[0..n) until the device is empty or n are read.
 * Returns how many were read (0: none waiting). A read error other than
 * EAGAIN/EINTR ends the batch (logged, counted); if nothing was read before
 * it the result is -1, which the caller treats like 0. */
int tun_read_batch(struct tun *t, struct tun_pkt *pkts, size_t n);
/* Write one packet. False if it was not taken (counted). */
bool tun_write(struct tun *t, const void *pkt, size_t len);

#endif
