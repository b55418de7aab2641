#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ppp_pair.h"

void ppp_pair_init(struct ppp_pair *p, struct ppp_pair_end *s, struct ppp_pair_end *c,
		   uint64_t now, bool (*turn)(void *ctx), void *ctx)
{
	p->s = s;
	p->c = c;
	p->now = now;
	p->turn = turn;
	p->ctx = ctx;
	s->sent = calloc(PPP_PAIR_MAX_FRAMES, sizeof(struct ppp_pair_frame));
	c->sent = calloc(PPP_PAIR_MAX_FRAMES, sizeof(struct ppp_pair_frame));
	assert_non_null(s->sent);
	assert_non_null(c->sent);
}

void ppp_pair_fini(struct ppp_pair *p)
{
	ppp_free(p->s->l);
	ppp_free(p->c->l);
	free(p->s->sent);
	free(p->c->sent);
}

void ppp_pair_config(struct ppp_config *s, struct ppp_config *c, size_t headroom,
		     uint32_t srv_addr)
{
	s->role = PPP_ROLE_SERVER;
	s->headroom = headroom;
	s->allow_mschapv2 = true;
	s->host_name = "pptpd";
	s->mppe_required = true;
	s->mppe_128 = true;
	s->mppe_stateless = true;
	s->local_addr = srv_addr;

	c->role = PPP_ROLE_CLIENT;
	c->headroom = headroom;
	c->allow_mschapv2 = true;
	c->user = "alice";
	c->password = "secret";
	c->mppe_required = true;
	c->mppe_128 = true;
	c->mppe_stateless = true;
}

void ppp_pair_start(struct ppp_pair *p, const struct ppp_config *scfg,
		    const struct ppp_ops *sops, void *sowner, const struct ppp_config *ccfg,
		    const struct ppp_ops *cops, void *cowner)
{
	p->s->l = ppp_new(scfg, sops, sowner);
	p->c->l = ppp_new(ccfg, cops, cowner);
	assert_non_null(p->s->l);
	assert_non_null(p->c->l);
	ppp_start(p->s->l, p->now);
	ppp_start(p->c->l, p->now);
}

struct ppp_pair_frame *ppp_pair_record(struct ppp_pair_end *e, size_t headroom,
				       uint8_t *frame, size_t len)
{
	memset(frame - headroom, 0xAA, headroom);
	assert_true(len <= PPP_FRAME_MAX);
	assert_true(e->nsent < PPP_PAIR_MAX_FRAMES);
	struct ppp_pair_frame *f = &e->sent[e->nsent++];
	memcpy(f->b, frame, len);
	f->len = len;
	f->lost = false;
	return f;
}

uint16_t ppp_pair_frame_proto(const uint8_t *f, size_t len, size_t *hdr_len)
{
	size_t off = 0;

	if (len >= 2 && f[0] == 0xFF && f[1] == 0x03)
		off = 2;
	if (off < len && (f[off] & 1)) {
		*hdr_len = off + 1;
		return f[off];
	}
	if (off + 2 > len)
		return 0;
	*hdr_len = off + 2;
	return (uint16_t)(f[off] << 8 | f[off + 1]);
}

void ppp_pair_ip_up(struct ppp_pair_end *e, const struct ppp_ip_info *info)
{
	e->ups++;
	e->ip = *info;
}

void ppp_pair_down(struct ppp_pair_end *e, enum ppp_cause cause, const char *detail)
{
	e->downs++;
	assert_int_equal(e->downs, 1);
	e->cause = cause;
	snprintf(e->detail, sizeof(e->detail), "%s", detail ? detail : "");
}

static bool deliver(struct ppp_pair *p, struct ppp_pair_end *from, struct ppp_pair_end *to)
{
	bool any = false;
	uint8_t buf[PPP_FRAME_MAX];

	while (from->next < from->nsent) {
		struct ppp_pair_frame *f = &from->sent[from->next++];
		any = true;
		if (from->mute || f->lost || !to->l)
			continue;
		memcpy(buf, f->b, f->len);
		ppp_input(to->l, buf, f->len, p->now);
	}
	return any;
}

void ppp_pair_pump(struct ppp_pair *p)
{
	for (int i = 0; i < 10000; i++) {
		bool any = deliver(p, p->s, p->c);
		any |= deliver(p, p->c, p->s);
		if (p->turn && p->turn(p->ctx))
			any = true;
		if (!any)
			return;
	}
	fail_msg("the links never go quiet");
}

static uint64_t deadline(const struct ppp_pair_end *e)
{
	return e->l ? ppp_next_deadline(e->l) : UINT64_MAX;
}

void ppp_pair_run_for(struct ppp_pair *p, uint64_t ms)
{
	uint64_t until = p->now + ms;

	ppp_pair_pump(p);
	for (int i = 0; i < 100000; i++) {
		uint64_t d = deadline(p->s) < deadline(p->c) ? deadline(p->s) : deadline(p->c);
		if (d == UINT64_MAX || d > until) {
			p->now = until;
			return;
		}
		if (d > p->now)
			p->now = d;
		if (p->s->l && deadline(p->s) <= p->now)
			ppp_on_timer(p->s->l, p->now);
		if (p->c->l && deadline(p->c) <= p->now)
			ppp_on_timer(p->c->l, p->now);
		ppp_pair_pump(p);
	}
	fail_msg("timers keep firing");
}
