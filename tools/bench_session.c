/*
 * One benchmark session's client side: see tools/bench_session.h.
 */
#include "tools/bench_session.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

static uint64_t now_ms(const struct bench_env *env)
{
	return (uint64_t)(ev_now(env->loop) * 1000.0);
}

static void wake(struct bench_session *s)
{
	if (s->env->ops->wake)
		s->env->ops->wake(s);
}

static void fail(struct bench_session *s, enum bench_fail what, const char *name,
		 const char *detail)
{
	s->env->ops->fail(s, what, name, detail);
}

static void arm_ppp_timer(struct bench_session *s)
{
	struct bench_env *env = s->env;
	uint64_t due, now;

	ev_timer_stop(env->loop, &s->ppp_timer);
	if (!s->link || s->link_down)
		return;
	due = ppp_next_deadline(s->link);
	if (due == UINT64_MAX)
		return;
	now = now_ms(env);
	ev_timer_set(&s->ppp_timer, due > now ? (double)(due - now) / 1000.0 : 0.0, 0.0);
	ev_timer_start(env->loop, &s->ppp_timer);
}

static void ppp_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bench_session *s = w->data;
	(void)loop;
	(void)revents;
	if (!s->link || s->link_down)
		return;
	ppp_on_timer(s->link, now_ms(s->env));
	arm_ppp_timer(s);
	if (s->txq_count)
		wake(s);
}

/* ---- frames out: queued while the call is delivering ---- */

void bench_session_flush(struct bench_session *s)
{
	const struct bench_env *env = s->env;

	if (!s->call) {
		s->txq_head = s->txq_count = 0;
		return;
	}
	while (s->txq_count) {
		unsigned i = s->txq_head;
		if (pptp_call_send(s->call, s->txq + i * env->txq_frame, s->txq_len[i]) < 0 &&
		    (errno == EBUSY || errno == ENOBUFS))
			return;
		s->txq_head = (uint8_t)((i + 1) % env->txq_depth);
		s->txq_count--;
	}
}

static void link_send(void *owner, uint8_t *frame, size_t len)
{
	struct bench_session *s = owner;
	struct bench_env *env = s->env;

	if (!s->call)
		return;
	if (s->txq_count == 0 && pptp_call_send(s->call, frame, len) == 0)
		return;
	if (len > env->txq_frame) {
		env->oversize_frames++;
		return;
	}
	if (s->txq_count == env->txq_depth)
		return; /* lost like a dropped packet: PPP retransmits */
	unsigned slot = (s->txq_head + s->txq_count) % env->txq_depth;
	memcpy(s->txq + slot * env->txq_frame, frame, len);
	s->txq_len[slot] = (uint16_t)len;
	s->txq_count++;
	wake(s);
}

static void link_ip_up(void *owner, const struct ppp_ip_info *info)
{
	struct bench_session *s = owner;

	if (!info->mppe_bits || info->mppe_stateful) {
		fail(s, BENCH_FAIL_NO_MPPE, NULL, NULL);
		return;
	}
	s->env->ops->up(s);
}

static void link_ip_rx(void *owner, uint8_t *pkt, size_t len)
{
	(void)owner;
	(void)pkt;
	(void)len;
}

static void link_down(void *owner, enum ppp_cause cause, const char *detail)
{
	struct bench_session *s = owner;

	s->link_down = true;
	ev_timer_stop(s->env->loop, &s->ppp_timer);
	if (!s->closing_link)
		fail(s, BENCH_FAIL_LINK, ppp_cause_name(cause), detail);
	wake(s);
}

static const struct ppp_ops link_ops = {
	.send = link_send,
	.ip_up = link_ip_up,
	.ip_rx = link_ip_rx,
	.down = link_down,
};

/* ---- set-up ---- */

char *bench_read_password(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);

	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

void bench_env_init(struct bench_env *env, struct ev_loop *loop,
		    const struct bench_session_ops *ops, unsigned txq_depth, size_t txq_frame)
{
	memset(env, 0, sizeof(*env));
	env->loop = loop;
	env->ops = ops;
	env->txq_depth = txq_depth;
	env->txq_frame = txq_frame;
	env->pcfg.role = PPP_ROLE_CLIENT;
	env->pcfg.allow_mschapv2 = true;
	env->pcfg.mppe_required = true;
	env->pcfg.mppe_128 = true;
	env->pcfg.mppe_stateless = true;
}

void bench_session_init(struct bench_session *s, struct bench_env *env, uint8_t *txq,
			uint16_t *txq_len)
{
	memset(s, 0, sizeof(*s));
	s->env = env;
	s->txq = txq;
	s->txq_len = txq_len;
	ev_timer_init(&s->ppp_timer, ppp_timer_cb, 0.0, 0.0);
	s->ppp_timer.data = s;
}

void bench_session_reset(struct bench_session *s)
{
	s->failed = s->link_down = false;
	s->closing_link = s->clearing_call = false;
	s->txq_head = s->txq_count = 0;
}

/* ---- the PPTP call ---- */

bool bench_session_place(struct bench_session *s, struct pptp_ctrl *ctrl)
{
	s->call = pptp_call_place(ctrl, s);
	return s->call != NULL;
}

void bench_session_on_call_up(struct pptp_call *call)
{
	struct bench_session *s = pptp_call_user(call);

	if (s->failed)
		return;
	s->link = ppp_new(&s->env->pcfg, &link_ops, s);
	if (!s->link) {
		fail(s, BENCH_FAIL_PPP_NEW, NULL, NULL);
		return;
	}
	ppp_start(s->link, now_ms(s->env));
	arm_ppp_timer(s);
}

void bench_session_on_frame(struct pptp_call *call, const uint8_t *data, size_t len)
{
	struct bench_session *s = pptp_call_user(call);
	struct bench_env *env = s->env;

	if (!s->link || s->link_down || len > sizeof(env->rx))
		return;
	memcpy(env->rx, data, len);
	ppp_input(s->link, env->rx, len, now_ms(env));
	arm_ppp_timer(s);
}

void bench_session_on_call_down(struct pptp_call *call, enum pptp_down_reason reason)
{
	struct bench_session *s = pptp_call_user(call);

	s->call = NULL;
	/* Closing, the server may notify the call's end before our
	 * Call-Clear reaches it: both are a clean end. */
	if (!s->clearing_call && !(s->closing_link && reason == PPTP_DOWN_PEER))
		fail(s, BENCH_FAIL_CALL, pptp_down_reason_name(reason), NULL);
	if (s->link && !s->link_down) {
		ppp_lower_down(s->link, PPP_CAUSE_LOWER_DOWN, now_ms(s->env));
		arm_ppp_timer(s);
	}
	wake(s);
}

/* ---- the end ---- */

bool bench_session_hang_up(struct bench_session *s)
{
	bool closed = false;

	if (s->link && !s->link_down && !s->closing_link) {
		s->closing_link = true;
		closed = true;
		ppp_close(s->link, PPP_CAUSE_ADMIN, "user request", now_ms(s->env));
		arm_ppp_timer(s);
		bench_session_flush(s);
	}
	if ((!s->link || s->link_down) && s->call && !s->clearing_call && !s->txq_count) {
		s->clearing_call = true;
		pptp_call_clear(s->call);
	}
	return closed;
}

void bench_session_release(struct bench_session *s)
{
	if (!s->env)
		return; /* zeroed, never set up: nothing to release */
	ev_timer_stop(s->env->loop, &s->ppp_timer);
	if (s->link)
		ppp_free(s->link);
	s->link = NULL;
}
