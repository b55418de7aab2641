/*
 * The data path between the tun device and the sessions.
 *
 * LAN -> client: the tun fd is watched with an ev_io; packets are read in
 * batches of DATAPATH_BATCH into buffers allocated once, each with
 * PPP_TX_HEADROOM + CALL_TX_HEADROOM bytes free in front so PPP (and, when
 * the GRE socket allows it, GRE) can write headers without a copy. For each
 * packet: IPv4 header checked -> destination -> session in O(1) through the
 * pool's address -> owner lookup -> a packet for no running session is
 * dropped and counted (no-route) -> larger than the session's IP MTU: DF
 * clear -> fragmented (each fragment sent), DF set -> ICMP Fragmentation
 * Needed back into tun (rate-limited per session, counted when suppressed)
 * -> TCP MSS clamp on SYNs (`mss-clamp`) -> session_send_ip().
 *
 * Client -> LAN (datapath_from_client(), called by the session's ip_rx):
 * IPv4 header checked -> the source must be the session's own address
 * (else dropped, counted per session and server-wide, logged once per
 * session) -> MSS clamp -> tun_io_write() (server/tun_io.h: queued and
 * written in batches through io_uring, or one write() each).
 *
 * Lifetime: datapath_new() after tun_open(), owned by the server;
 * datapath_free() stops the watcher before the tun is closed.
 */
#ifndef PPTP_SERVER_DATAPATH_H
#define PPTP_SERVER_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DATAPATH_BATCH     32
#define DATAPATH_PKT_MAX   2048 /* room per packet (tun MTU is at most 1500) */
#define DATAPATH_MAX_FRAGS 48   /* fragments of one packet at the smallest MTU */

struct server;
struct session;
struct datapath;

/* Watch the server's tun; NULL (logged) if out of memory. */
struct datapath *datapath_new(struct server *srv);
void datapath_free(struct datapath *dp);

/* One IP packet the session's client sent (decrypted); may be changed in
 * place. */
void datapath_from_client(struct server *srv, struct session *s, uint8_t *pkt, size_t len);
/* A packet from the tun device that a data-path worker read and does not
 * carry (server/worker.h): no session of its own, larger than the
 * session's MTU, or not IPv4. Taken as if read here; pkt has
 * PPP_TX_HEADROOM writable bytes in front of it. */
void datapath_from_worker(struct datapath *dp, uint8_t *pkt, size_t len);
/* A packet from the client with a source not its own (src, host order):
 * logged the first time for the session (the caller counts). */
void datapath_spoofed_log(struct session *s, uint32_t src);
/* The MSS a SYN may announce through an MTU (MSS clamping). */
uint16_t datapath_mss_for(unsigned mtu);
/* Send what the packets handled since the last flush produced. */
void datapath_flush(struct server *srv);

#endif
