/*
 * The data frames of a PPP link, apart from the link: how an IP packet is
 * framed (and encrypted with MPPE) to go out, and how a received frame is
 * told apart (IPv4 data, decrypted in place, or anything else, which
 * belongs to the link's control plane). The link itself (ppp.c) frames
 * its data with the same functions; a data-path worker (server/worker.h)
 * uses them on a running link's data state, moved out of the link with
 * ppp_data_export(), while the link stays with the main loop.
 *
 * Pure functions over the caller's buffers and state: no allocation, no
 * clock (now is passed in), no logging. A struct ppp_data belongs to one
 * thread at a time; it is handed over whole (server/worker.h says when).
 */
#ifndef PPTP_COMMON_PPP_DATA_H
#define PPTP_COMMON_PPP_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/ppp/mppe.h"

struct ppp_link;

/* What a running link's data path needs, copied out of the link. */
struct ppp_data {
	bool mppe;          /* MPPE is up (stateless: stateful links are not exported) */
	bool mppe_required; /* plain IP frames are refused */
	bool pfc, acfc;     /* we may compress the protocol / omit FF 03 */
	struct mppe_tx tx;  /* with their RC4 contexts, moved out of the link */
	struct mppe_rx rx;
};

/* Move l's data state into d (its framing, and MPPE's keys, counts and
 * RC4 contexts: d owns them now): false (d zeroed, l unchanged) unless
 * the link is running with no MPPE or stateless MPPE. From then on the
 * link carries no data of its own (ppp_send_ip() and MPPE frames are
 * dropped and counted) while its control protocols go on; the state comes
 * back with ppp_data_restore() (a hand-over that did not happen), or goes
 * with ppp_data_free() by its new owner. */
bool ppp_data_export(struct ppp_link *l, struct ppp_data *d);
void ppp_data_restore(struct ppp_link *l, struct ppp_data *d);
void ppp_data_free(struct ppp_data *d);

/* The protocol field (one octet with PFC, else two, the low octet odd). */
bool ppp_read_proto(struct rbuf *r, uint16_t *proto);
/* The optional FF 03 and the protocol field of frame[0 .. len): false for
 * a bad header; else *proto and *off, where the information field starts. */
bool ppp_frame_header(const uint8_t *frame, size_t len, uint16_t *proto, size_t *off);

/*
 * Frame one packet of protocol inner that starts at pkt with at least
 * PPP_TX_HEADROOM (ppp.h) writable bytes in front of it: with tx (not
 * NULL) the inner protocol and the packet are encrypted in place behind an
 * MPPE header; then the protocol (one octet with pfc) and, without acfc,
 * FF 03. Returns where the frame starts; *len becomes its length.
 */
uint8_t *ppp_data_wrap(struct mppe_tx *tx, bool pfc, bool acfc, uint16_t inner, uint8_t *pkt,
		       size_t *len);

enum ppp_data_kind {
	PPP_DATA_IPV4,    /* an IPv4 packet at *ip, *n bytes (decrypted in place) */
	PPP_DATA_CONTROL, /* not IPv4 data: the frame, untouched, is the link's */
	PPP_DATA_BAD,     /* a bad header: drop */
	PPP_DATA_DROP,    /* late or replayed MPPE, unencrypted while MPPE is up,
			   * or something other than IPv4 inside MPPE: drop */
	PPP_DATA_REFUSED, /* MPPE_RX_REFUSED: a count jump refused before any
			   * re-key work (d->rx.max_jump): drop and count */
	PPP_DATA_ABUSE,   /* MPPE_RX_ABUSE: refused for MPPE_ABUSE_MS: drop, and
			   * the link must be closed (PPP_CAUSE_MPPE_ABUSE) */
	PPP_DATA_FATAL,   /* MPPE_RX_FATAL: too many bad frames: drop, and the
			   * link must be closed (PPP_CAUSE_MPPE_ERROR) */
};

/* Sort one received frame (at most PPP_FRAME_MAX bytes) with d's receive
 * state; now (ms) feeds MPPE's re-key budget. */
enum ppp_data_kind ppp_data_unwrap(struct ppp_data *d, uint8_t *frame, size_t len, uint64_t now,
				   uint8_t **ip, size_t *n);

#endif
