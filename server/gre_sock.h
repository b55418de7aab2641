/*
 * The one raw IPPROTO_GRE socket of the server.
 *
 * Receive: recvmmsg() in batches of GRE_SOCK_BATCH into buffers allocated
 * once; each packet goes gre_skip_ipv4() -> gre_parse() -> the call with the
 * key's call ID (ours, unique server-wide) -> the source address must be
 * that call's peer -> call_gre_input(). Everything dropped is counted in the
 * server stats and logged once.
 *
 * Send: gre_sock_send() copies the GRE header and the payload into the next
 * of GRE_SOCK_BATCH preallocated slots, with the source address
 * (IP_PKTINFO: the local address of the call's control connection); the
 * slots leave in order, with one sendmmsg(), when gre_sock_flush() runs:
 * when the slots are full, after each received batch, after each tun
 * batch (datapath.c) and, through an ev_prepare watcher, before the loop
 * sleeps. So every packet leaves within the loop turn that produced it, in
 * the order it was produced (data, acks and the per-call send queue's
 * releases alike), and a turn that produces many costs one system call per
 * batch. A send error drops that one packet (counted in gre_tx_err, logged
 * once per power of two) and the rest of the batch still goes.
 *
 * Lifetime: gre_sock_open() .. gre_sock_free(), owned by the server.
 */
#ifndef PPTP_SERVER_GRE_SOCK_H
#define PPTP_SERVER_GRE_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/gre.h"
#include "common/gre_batch.h"

#define GRE_SOCK_BATCH   GRE_BATCH_N       /* common/gre_batch.h */
#define GRE_SOCK_BUFSIZE GRE_BATCH_RXSIZE

struct server;
struct gre_sock;

struct gre_sock *gre_sock_open(struct server *srv);
/* Test seam (tests/fuzz/fuzz_server.c): the same on fd, a connected
 * datagram socket the caller opened (a socketpair; owned from here on,
 * gre_sock_free() closes it). Each datagram read from it is taken as what
 * the raw socket returns, IPv4 header first; each packet sent goes to the
 * other end without an address or IPv4 header: GRE header and payload. */
struct gre_sock *gre_sock_adopt(struct server *srv, int fd);
void gre_sock_free(struct gre_sock *g);

/* Queue one packet for the next flush; addresses in host order. False if
 * it cannot go (no header fits, or the payload is over CALL_FRAME_MAX);
 * a later send error is only counted. */
bool gre_sock_send(struct gre_sock *g, uint32_t src, uint32_t dst, const struct gre_hdr *h,
		   const uint8_t *payload, size_t len);
/* Send what is queued now (sendmmsg). */
void gre_sock_flush(struct gre_sock *g);

#endif
