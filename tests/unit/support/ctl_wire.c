#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/buf.h"
#include "tests/unit/support/ctl_wire.h"

void ctl_out_push(struct ctl_out *o, const uint8_t *p, size_t len)
{
	assert_true(o->n < CTL_OUT_MAX);
	assert_true(len <= FSM_PKT_MAX);
	memcpy(o->pkt[o->n].b, p, len);
	o->pkt[o->n++].len = len;
}

const struct ctl_pkt *ctl_out_last(const struct ctl_out *o)
{
	assert_true(o->n > 0);
	return &o->pkt[o->n - 1];
}

size_t ctl_build(uint8_t p[static FSM_PKT_MAX], uint8_t code, uint8_t id, const uint8_t *d,
		 size_t n)
{
	assert_true(n + 4 <= FSM_PKT_MAX);
	p[0] = code;
	p[1] = id;
	store_be16(p + 2, (uint16_t)(n + 4));
	if (n)
		memcpy(p + 4, d, n);
	return n + 4;
}

/* Take out's packets (the receiver may send while they are delivered). */
static void deliver(struct ctl_out *out, ctl_input_fn in, void *to)
{
	static struct ctl_pkt q[CTL_OUT_MAX];
	unsigned n = out->n;

	memcpy(q, out->pkt, sizeof(q[0]) * n);
	out->n = 0;
	for (unsigned i = 0; i < n; i++)
		in(to, q[i].b, q[i].len);
}

void ctl_pump(struct ctl_out *a_out, ctl_input_fn a_in, void *a, struct ctl_out *b_out,
	      ctl_input_fn b_in, void *b)
{
	for (int round = 0; round < 50 && (a_out->n || b_out->n); round++) {
		deliver(a_out, b_in, b);
		deliver(b_out, a_in, a);
	}
}

void ctl_timer_start_noop(void *arg, struct fsm *f, unsigned ms)
{
	(void)arg;
	(void)f;
	(void)ms;
}

void ctl_timer_stop_noop(void *arg, struct fsm *f)
{
	(void)arg;
	(void)f;
}
