/*
 * Writing packets into the tun device, and reading them from it: batched
 * through io_uring, or one write() / read() each.
 *
 * Reads (tun_io_read_batch(), the datapath's tun watcher): with io_uring a
 * second ring, for reads only, takes TUN_IO_RX_BATCH read SQEs on the
 * caller's buffers, each with RWF_NOWAIT, and one io_uring_enter() submits
 * them and waits for all: each completes inline, with a packet or -EAGAIN
 * once the device's queue is empty, so a wake-up costs one system call
 * instead of one read() per packet and one more that finds nothing, and no
 * read outlives the call. (O_NONBLOCK alone is not enough: io_uring may
 * park such a read until a packet comes, and the loop would wait in the
 * enter.) A kernel whose tun refuses RWF_NOWAIT reads (EOPNOTSUPP) makes
 * reads fall back to read() for good, with one notice line; no second
 * ring (ENOMEM) means read() from the start.
 *
 * Every packet for the LAN (a client's IPv4 or IPv6 datagram, an ICMP error
 * the server makes) goes through tun_io_write(). How it leaves is chosen
 * once, at start, by config `tun-io`:
 *
 *   - io_uring: the packet is copied into the next free one of TUN_IO_SLOTS
 *     preallocated slots and a write SQE naming that slot is queued; no
 *     system call. tun_io_flush() submits every queued SQE with one
 *     io_uring_enter() and reaps the completions already posted, without
 *     waiting. The device is O_NONBLOCK, so the kernel performs each write
 *     inline during that enter, in SQE order, and posts its completion
 *     before the call returns. A write the device refused for the moment
 *     (EAGAIN: tun's send buffer is unlimited by default, so not seen in
 *     practice) would be retried by the kernel when the device is
 *     writable, after the writes behind it, and its slot stays busy until
 *     a later flush reaps it.
 *     A slot is copied into, not pointed at, because the packet's buffer
 *     (the GRE socket's receive buffer, a call's reorder slot, a scratch
 *     buffer for ICMP) is reused or freed before the write may complete.
 *   - syscall: tun_io_write() is tun_write(): one write() at once.
 *
 * With `tun-io auto` (the default) tun_io_new() tries the ring and, if
 * io_uring_queue_init() fails (ENOSYS: a kernel without io_uring; EPERM:
 * kernel.io_uring_disabled or a seccomp filter; ENOMEM), logs one notice
 * line and uses syscall. With `tun-io io_uring` that failure is a start-up
 * error.
 *
 * Flush points, the same as the GRE socket's (gre_sock.h): when every slot
 * is taken, after each batch the GRE socket received (gre_sock.c) or the
 * datapath read from tun (datapath.c), and from an ev_prepare watcher before
 * the loop sleeps. So a packet reaches the device within the loop turn that
 * produced it, in the order it was produced.
 *
 * A write that fails (the completion's result is an error or short)
 * drops that one packet: counted in the tun's tx_dropped and the server's
 * tun_tx_err, logged on the 1st, 2nd, 4th, 8th ... failure. A packet that
 * finds every slot still in flight after a flush is dropped and counted
 * the same way (it needs a kernel that punts tun writes to its workers, and
 * 32 of them outstanding).
 *
 * Lifetime: tun_io_new() after tun_open(), owned by the server, which
 * holds it in srv->tio. It owns the ring, the slots and the watcher.
 * tun_io_free() runs before tun_free(): it submits what is queued, then
 * waits for the writes in flight (at most TUN_IO_DRAIN_MS in all) so no
 * kernel worker still reads a slot when the slots are freed; if some have
 * not completed by then, the slots are left allocated (leaked, once, at
 * exit) rather than freed under the kernel. Then it closes the ring.
 */
#ifndef PPTP_SERVER_TUN_IO_H
#define PPTP_SERVER_TUN_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"

#define TUN_IO_SLOTS    32   /* packets one flush submits at most */
#define TUN_IO_SLOT     2048 /* bytes per slot: a tun MTU is at most 1500 */
#define TUN_IO_DRAIN_MS 1000 /* tun_io_free(): longest wait for writes in flight */
#define TUN_IO_RX_BATCH 32   /* reads one tun_io_read_batch() submits at most */

struct server;
struct tun;
struct tun_io;

/* Set up the method config `tun-io` asks for, on srv->tun. NULL (logged)
 * when out of memory, or when `tun-io io_uring` and no ring can be made. */
struct tun_io *tun_io_new(struct server *srv, struct tun *tun);
/* The same for any loop and tun (a data-path worker's queue,
 * server/worker.h): the method `want`, its counters in *st (tun_tx_err,
 * tun_submits, tun_submit_err), the flush watcher on loop; the method's
 * line at notice level with announce, else at debug (a worker's). Everything
 * of one tun_io belongs to the thread that runs loop. */
struct ev_loop;
struct server_stats;
struct tun_io *tun_io_open(struct ev_loop *loop, struct tun *tun, enum config_tun_io want,
			   struct server_stats *st, bool announce);
/* Flush, wait for writes in flight (bounded), close; NULL is fine. */
void tun_io_free(struct tun_io *io);

/* Queue (io_uring) or write (syscall) one packet; pkt may be reused as soon
 * as this returns. False if it was dropped at once (counted). */
bool tun_io_write(struct tun_io *io, const void *pkt, size_t len);
/* Submit what is queued, reap what has completed; never blocks. */
void tun_io_flush(struct tun_io *io);
/* Read up to n packets from the tun into pkts, as tun_read_batch() (the
 * packets first, in the order read; their buffers may have moved between
 * the entries). With io_uring: n (at most TUN_IO_RX_BATCH) reads submitted
 * with one io_uring_enter() on their own ring; each completes during it
 * (the device is O_NONBLOCK: a read with no packet ends -EAGAIN), so none
 * is left in flight on pkts when this returns. Else one read() each. */
struct tun_pkt;
int tun_io_read_batch(struct tun_io *io, struct tun_pkt *pkts, size_t n);
/* "io_uring" or "syscall": the method in use. */
const char *tun_io_method(const struct tun_io *io);

#endif
