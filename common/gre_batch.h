/*
 * The batches of one raw GRE socket, as the server (server/gre_sock.c) and
 * the client tools (tools/pptp_client.c) both use them: GRE_BATCH_N
 * receive buffers wired for recvmmsg(), and GRE_BATCH_N send slots for
 * sendmmsg(). A packet queued with gre_batch_put() is copied whole into
 * its slot (header built there, payload copied after it: the caller's
 * buffer is free at once), with its destination and, when one is given,
 * its source address (IP_PKTINFO: a socket bound to no address or to
 * INADDR_ANY still sends from the address the caller names).
 *
 * No socket, loop or counter here: the owner opens the socket, reads
 * (gre_batch_recv), queues (gre_batch_put, after flushing a full batch
 * itself), flushes (gre_batch_flush) when it likes, and counts through the
 * flush's callbacks. Lifetime: a plain struct embedded in its owner;
 * gre_batch_init() wires it once (it holds pointers into itself, so it
 * must not be copied after). Not thread-safe: one owner, one thread.
 */
#ifndef PPTP_COMMON_GRE_BATCH_H
#define PPTP_COMMON_GRE_BATCH_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/gre.h"

#define GRE_BATCH_N         32
#define GRE_BATCH_RXSIZE    2048
/* The largest payload a send slot takes (a PPP frame). */
#define GRE_BATCH_FRAME_MAX 1600

struct gre_batch_slot {
	struct sockaddr_in to;
	_Alignas(struct cmsghdr) char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	uint8_t pkt[GRE_HDR_MAX + GRE_BATCH_FRAME_MAX];
};

struct gre_batch {
	/* Receive: gre_batch_recv() fills rx[0 .. n) with rx_msgs[i].msg_len
	 * bytes each (what a raw socket returns: the IPv4 header first). */
	struct mmsghdr rx_msgs[GRE_BATCH_N];
	struct iovec rx_iov[GRE_BATCH_N];
	struct sockaddr_in rx_from[GRE_BATCH_N];
	uint8_t rx[GRE_BATCH_N][GRE_BATCH_RXSIZE];
	/* Send: slots [0, ntx) wait for gre_batch_flush(). */
	unsigned ntx;
	struct mmsghdr tx_msgs[GRE_BATCH_N];
	struct iovec tx_iov[GRE_BATCH_N];
	struct gre_batch_slot tx[GRE_BATCH_N];
};

void gre_batch_init(struct gre_batch *b);

/* One recvmmsg() on fd (non-blocking): the number of packets read into
 * rx[], 0 if none, -1 with errno on an error. */
int gre_batch_recv(struct gre_batch *b, int fd);

/*
 * Queue one packet in slot b->ntx, which must be free (b->ntx <
 * GRE_BATCH_N: the owner flushes a full batch first). Addresses in host
 * order; src 0: no source named; named false: no destination either (a
 * connected socket). False, nothing queued, if the header does not build
 * or len is over GRE_BATCH_FRAME_MAX.
 */
bool gre_batch_put(struct gre_batch *b, uint32_t src, uint32_t dst, bool named,
		   const struct gre_hdr *h, const uint8_t *payload, size_t len);

/*
 * Send slots [0, ntx) in order with sendmmsg() (MSG_DONTWAIT), then empty
 * the batch. A packet the kernel refuses (a full buffer, no route) is
 * dropped and the rest still go: failed(ctx, i) for it; sent(ctx, first,
 * n) for each run the kernel took. Bounded: every round sends a packet or
 * drops one (EINTR aside). Either callback may be NULL.
 */
void gre_batch_flush(struct gre_batch *b, int fd, void (*sent)(void *ctx, unsigned first, unsigned n),
		     void (*failed)(void *ctx, unsigned i), void *ctx);

#endif
