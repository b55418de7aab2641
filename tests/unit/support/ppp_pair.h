/*
 * Test support for the tests that drive two real PPP links
 * (common/ppp/ppp.h) back to back: a server-role link and a client-role
 * link, each end keeping every frame its link sends, a pump that hands
 * them to the other end, and a fake clock that fires the links' timers.
 *
 * Lifetime: the test owns a struct ppp_pair and its two ends (usually in
 * its fixture). ppp_pair_init() in set-up, before anything else;
 * ppp_pair_fini() in teardown (frees both links, if made, and what they
 * sent). In between a test:
 *  - may start its configs from ppp_pair_config();
 *  - makes and starts both links with ppp_pair_start() from its own
 *    configs, ops and owners (or makes them itself into s->l and c->l);
 *  - from its ops' send calls ppp_pair_record(), which keeps the frame and
 *    gives it back so the test may mark it lost; from its ip_up and down
 *    ops, ppp_pair_ip_up() and ppp_pair_down() (or counts them itself);
 *  - moves frames with ppp_pair_pump() (until both ends are quiet) or lets
 *    fake time pass with ppp_pair_run_for().
 * A frame is delivered once, in the order sent; one marked lost, or sent by
 * a muted end, or to an end without a link, is passed over (still counted
 * as sent). Between deliveries the pump calls the test's turn hook, if any:
 * the owner's own work (an auth backend answering), true if it did some.
 */
#ifndef PPTP_TESTS_PPP_PAIR_H
#define PPTP_TESTS_PPP_PAIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ppp/ppp.h"

#define PPP_PAIR_MAX_FRAMES 1024

struct ppp_pair_frame {
	uint8_t b[PPP_FRAME_MAX];
	size_t len;
	bool lost;                   /* never arrives */
};

/* One end: its link, what the link has sent, and what its ip_up and down
 * ops saw (when they call ppp_pair_ip_up() and ppp_pair_down()). */
struct ppp_pair_end {
	struct ppp_link *l;
	struct ppp_pair_frame *sent; /* PPP_PAIR_MAX_FRAMES of them */
	size_t nsent, next;          /* next: first frame not yet delivered */
	bool mute;                   /* what it sends never arrives */
	unsigned ups, downs;
	enum ppp_cause cause;        /* of the down */
	char detail[64];
	struct ppp_ip_info ip;       /* of the last ip_up */
};

struct ppp_pair {
	struct ppp_pair_end *s, *c;  /* the server's end and the client's */
	uint64_t now;                /* the fake clock, ms */
	bool (*turn)(void *ctx);     /* NULL: none */
	void *ctx;
};

/* s and c: the server's end and the client's; now: the clock's start;
 * turn (NULL: none) with ctx: the pump's turn hook. */
void ppp_pair_init(struct ppp_pair *p, struct ppp_pair_end *s, struct ppp_pair_end *c,
		   uint64_t now, bool (*turn)(void *ctx), void *ctx);
void ppp_pair_fini(struct ppp_pair *p);
/* The configs the tests start from: a server ("pptpd", address srv_addr)
 * and a client (alice, password "secret"), both with MS-CHAPv2 and
 * stateless 128-bit MPPE required, headroom octets in front of a frame.
 * Anything else in s and c is left as it was. */
void ppp_pair_config(struct ppp_config *s, struct ppp_config *c, size_t headroom,
		     uint32_t srv_addr);
/* Make the server's link, then the client's (the test fails if either is
 * refused), each from its config, ops and owner; start them in that order. */
void ppp_pair_start(struct ppp_pair *p, const struct ppp_config *scfg,
		    const struct ppp_ops *sops, void *sowner, const struct ppp_config *ccfg,
		    const struct ppp_ops *cops, void *cowner);

/* Keep a frame e's link sends: its headroom octets in front of frame are
 * overwritten first (they are the owner's to write). */
struct ppp_pair_frame *ppp_pair_record(struct ppp_pair_end *e, size_t headroom,
				       uint8_t *frame, size_t len);
/* The protocol field of a frame (FF 03 skipped, PFC undone) and the length
 * of the header in front of the information; 0 if there is none. */
uint16_t ppp_pair_frame_proto(const uint8_t *f, size_t len, size_t *hdr_len);

/* What an end's ops record: an ip_up (counted, its info kept); the down
 * (at most one per link: the test fails on a second). */
void ppp_pair_ip_up(struct ppp_pair_end *e, const struct ppp_ip_info *info);
void ppp_pair_down(struct ppp_pair_end *e, enum ppp_cause cause, const char *detail);

/* Deliver until both ends are quiet and the turn hook has nothing to do. */
void ppp_pair_pump(struct ppp_pair *p);
/* Let ms of fake time pass, firing timers when they are due. */
void ppp_pair_run_for(struct ppp_pair *p, uint64_t ms);

#endif
