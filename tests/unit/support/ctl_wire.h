/*
 * Test support for the PPP control protocols (LCP, IPCP, CCP): capture what
 * a protocol object sends, build packets to feed it, and pump packets
 * between two objects wired back to back. Timers are not run.
 */
#ifndef PPTP_TESTS_CTL_WIRE_H
#define PPTP_TESTS_CTL_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "common/ppp/fsm.h"

#define CTL_OUT_MAX 64

struct ctl_pkt {
	uint8_t b[FSM_PKT_MAX];
	size_t len;
};

/* What one side has sent and the other has not received yet. */
struct ctl_out {
	struct ctl_pkt pkt[CTL_OUT_MAX];
	unsigned n;
};

void ctl_out_push(struct ctl_out *o, const uint8_t *p, size_t len);
/* The newest packet; the test fails if nothing was sent. */
const struct ctl_pkt *ctl_out_last(const struct ctl_out *o);
/* code, id, length, then n bytes of d into p; returns the length. */
size_t ctl_build(uint8_t p[static FSM_PKT_MAX], uint8_t code, uint8_t id, const uint8_t *d,
		 size_t n);

typedef void (*ctl_input_fn)(void *obj, const uint8_t *pkt, size_t len);
/* Deliver a's packets to b and b's to a, round after round, until both are
 * quiet (at most 50 rounds). */
void ctl_pump(struct ctl_out *a_out, ctl_input_fn a_in, void *a, struct ctl_out *b_out,
	      ctl_input_fn b_in, void *b);

/* fsm_io timer callbacks that do nothing. */
void ctl_timer_start_noop(void *arg, struct fsm *f, unsigned ms);
void ctl_timer_stop_noop(void *arg, struct fsm *f);

#endif
