/* The batches of one raw GRE socket (common/gre_batch.h). */
#include "common/gre_batch.h"

#include <errno.h>
#include <string.h>

void gre_batch_init(struct gre_batch *b)
{
	memset(b, 0, sizeof(*b));
	for (int i = 0; i < GRE_BATCH_N; i++) {
		b->rx_iov[i].iov_base = b->rx[i];
		b->rx_iov[i].iov_len = sizeof(b->rx[i]);
		b->rx_msgs[i].msg_hdr.msg_iov = &b->rx_iov[i];
		b->rx_msgs[i].msg_hdr.msg_iovlen = 1;
		b->rx_msgs[i].msg_hdr.msg_name = &b->rx_from[i];
		b->tx_iov[i].iov_base = b->tx[i].pkt;
		b->tx_msgs[i].msg_hdr.msg_iov = &b->tx_iov[i];
		b->tx_msgs[i].msg_hdr.msg_iovlen = 1;
		b->tx[i].to.sin_family = AF_INET;
	}
}

int gre_batch_recv(struct gre_batch *b, int fd)
{
	for (int i = 0; i < GRE_BATCH_N; i++) {
		b->rx_msgs[i].msg_hdr.msg_namelen = sizeof(b->rx_from[i]);
		b->rx_msgs[i].msg_len = 0;
	}
	int n = recvmmsg(fd, b->rx_msgs, GRE_BATCH_N, MSG_DONTWAIT, NULL);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	return n;
}

bool gre_batch_put(struct gre_batch *b, uint32_t src, uint32_t dst, bool named,
		   const struct gre_hdr *h, const uint8_t *payload, size_t len)
{
	if (b->ntx >= GRE_BATCH_N || len > GRE_BATCH_FRAME_MAX)
		return false;
	unsigned i = b->ntx;
	struct gre_batch_slot *t = &b->tx[i];
	size_t hl = gre_build(t->pkt, GRE_HDR_MAX, h);
	if (!hl)
		return false;
	if (len)
		memcpy(t->pkt + hl, payload, len);
	b->tx_iov[i].iov_len = hl + len;

	struct msghdr *msg = &b->tx_msgs[i].msg_hdr;
	t->to.sin_addr.s_addr = htonl(dst);
	msg->msg_name = named ? &t->to : NULL;
	msg->msg_namelen = named ? sizeof(t->to) : 0;
	msg->msg_control = NULL;
	msg->msg_controllen = 0;
	if (src) {
		struct in_pktinfo pi = { .ipi_spec_dst.s_addr = htonl(src) };
		memset(t->cbuf, 0, sizeof(t->cbuf));
		msg->msg_control = t->cbuf;
		msg->msg_controllen = sizeof(t->cbuf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(msg);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	b->ntx++;
	return true;
}

void gre_batch_flush(struct gre_batch *b, int fd, void (*sent)(void *ctx, unsigned first, unsigned n),
		     void (*failed)(void *ctx, unsigned i), void *ctx)
{
	unsigned done = 0;

	while (done < b->ntx) {
		int n = sendmmsg(fd, b->tx_msgs + done, b->ntx - done, MSG_DONTWAIT);
		if (n > 0) {
			if (sent)
				sent(ctx, done, (unsigned)n);
			done += (unsigned)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else {
			if (failed)
				failed(ctx, done);
			done++;
		}
	}
	b->ntx = 0;
}
