/*
 * PPP data frames apart from the link: framing and MPPE for a worker's
 * copy of a running link (ppp_data.h).
 */
#include "common/ppp/ppp_data.h"

#include <string.h>

#include "common/ppp/ppp.h"
#include "common/ppp/ppp_defs.h"

void ppp_data_free(struct ppp_data *d)
{
	if (d->mppe) {
		mppe_tx_free(&d->tx);
		mppe_rx_free(&d->rx);
	}
	memset(d, 0, sizeof(*d));
}

bool ppp_read_proto(struct rbuf *r, uint16_t *proto)
{
	uint8_t hi, lo;

	if (!rbuf_u8(r, &hi))
		return false;
	if (hi & 1) {
		*proto = hi; /* compressed (PFC): the high octet is 0 */
		return true;
	}
	if (!rbuf_u8(r, &lo) || !(lo & 1))
		return false;
	*proto = (uint16_t)(hi << 8 | lo);
	return true;
}

bool ppp_frame_header(const uint8_t *frame, size_t len, uint16_t *proto, size_t *off)
{
	struct rbuf r;
	uint8_t b;

	rbuf_init(&r, frame, len);
	if (rbuf_peek_u8(&r, 0, &b) && b == 0xFF) {
		/* Address and control: FF 03 exactly (0xFF is no protocol octet). */
		if (!rbuf_peek_u8(&r, 1, &b) || b != 0x03)
			return false;
		rbuf_skip(&r, 2);
	}
	if (!ppp_read_proto(&r, proto))
		return false;
	*off = len - rbuf_left(&r);
	return true;
}

static uint8_t *put_proto(uint8_t *p, size_t *n, bool pfc, uint16_t proto)
{
	if (pfc) {
		*--p = (uint8_t)proto;
		*n += 1;
	} else {
		p -= 2;
		p[0] = (uint8_t)(proto >> 8);
		p[1] = (uint8_t)proto;
		*n += 2;
	}
	return p;
}

uint8_t *ppp_data_wrap(struct mppe_tx *tx, bool pfc, bool acfc, uint16_t inner, uint8_t *pkt,
		       size_t *len)
{
	uint8_t *p = pkt;
	uint16_t proto = inner;

	if (tx) {
		/* The inner protocol field is encrypted with the packet. */
		p = put_proto(p, len, pfc, inner);
		mppe_tx_encrypt(tx, p - MPPE_HDR_LEN, p, *len);
		p -= MPPE_HDR_LEN;
		*len += MPPE_HDR_LEN;
		proto = PPP_PROTO_COMP;
	}
	p = put_proto(p, len, pfc, proto);
	if (!acfc) {
		p -= 2;
		p[0] = 0xFF;
		p[1] = 0x03;
		*len += 2;
	}
	return p;
}

enum ppp_data_kind ppp_data_unwrap(struct ppp_data *d, uint8_t *frame, size_t len, uint64_t now,
				   uint8_t **ip, size_t *n)
{
	uint16_t proto, inner;
	size_t off;

	if (len > PPP_FRAME_MAX || !ppp_frame_header(frame, len, &proto, &off))
		return PPP_DATA_BAD;
	uint8_t *p = frame + off;
	size_t left = len - off;
	if (proto == PPP_PROTO_IP) {
		if (d->mppe || d->mppe_required)
			return PPP_DATA_DROP;
		*ip = p;
		*n = left;
		return PPP_DATA_IPV4;
	}
	if (proto != PPP_PROTO_COMP || !d->mppe)
		return PPP_DATA_CONTROL;
	if (left < MPPE_HDR_LEN)
		return PPP_DATA_BAD;
	switch (mppe_rx_decrypt(&d->rx, p, p + MPPE_HDR_LEN, left - MPPE_HDR_LEN, now)) {
	case MPPE_RX_OK:
		break;
	case MPPE_RX_REFUSED:
		return PPP_DATA_REFUSED;
	case MPPE_RX_ABUSE:
		return PPP_DATA_ABUSE;
	case MPPE_RX_FATAL:
		return PPP_DATA_FATAL;
	default:
		return PPP_DATA_DROP;
	}
	struct rbuf r;
	rbuf_init(&r, p + MPPE_HDR_LEN, left - MPPE_HDR_LEN);
	if (!ppp_read_proto(&r, &inner))
		return PPP_DATA_BAD;
	if (inner != PPP_PROTO_IP)
		return PPP_DATA_DROP;
	*n = rbuf_left(&r);
	*ip = p + left - *n;
	return PPP_DATA_IPV4;
}
