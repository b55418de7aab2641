/*
 * Timer policy of a control connection. Other code reports what happened
 * (ctrl_timers_started, _msg_received, _calls_changed, _stopping); this
 * file alone decides which timer runs and what its expiry means.
 */
#include "common/log.h"
#include "common/log_id.h"
#include "server/ctrl.h"
#include "server/server.h"

static void start_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	ctrl_kill(container_of(w, struct ctrl, start_timer), "start-timeout");
}

/* Silence for echo-interval: ask; no answer for echo-timeout: give up. */
static void echo_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctrl *c = container_of(w, struct ctrl, echo_timer);
	(void)revents;

	if (c->echo_outstanding) {
		ctrl_kill(c, "echo-timeout");
		return;
	}
	struct pptp_msg m = { .type = PPTP_ECHO_REQUEST };
	m.echo_rq.id = ++c->echo_id;
	log_debug("%s event=echo-request id=%u", CTRL_LOG_ID(c), c->echo_id);
	if (!ctrl_send(c, &m))
		return;
	c->echo_outstanding = true;
	w->repeat = c->srv->cfg->echo_timeout;
	ev_timer_again(loop, w);
}

static void idle_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	ctrl_close(container_of(w, struct ctrl, idle_timer), PPTP_STOP_NONE, "idle");
}

static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct ctrl *c = container_of(w, struct ctrl, stop_timer);
	(void)loop;
	(void)revents;
	ctrl_kill(c, c->state == CTRL_STOPPING ? "stop-reply-timeout" : c->close_reason);
}

void ctrl_timers_init(struct ctrl *c)
{
	const struct config *cfg = c->srv->cfg;

	ev_timer_init(&c->start_timer, start_cb, cfg->stimeout, 0.);
	ev_timer_init(&c->echo_timer, echo_cb, 0., cfg->echo_interval);
	ev_timer_init(&c->idle_timer, idle_cb, 0., cfg->ctrl_idle_timeout);
	ev_timer_init(&c->stop_timer, stop_cb, CTRL_STOP_WAIT, 0.);
	ev_timer_start(c->srv->loop, &c->start_timer);
}

void ctrl_timers_started(struct ctrl *c)
{
	ev_timer_stop(c->srv->loop, &c->start_timer);
	c->echo_timer.repeat = c->srv->cfg->echo_interval;
	ev_timer_again(c->srv->loop, &c->echo_timer);
	ctrl_timers_calls_changed(c);
}

void ctrl_timers_msg_received(struct ctrl *c)
{
	if (!ev_is_active(&c->echo_timer))
		return;
	c->echo_outstanding = false;
	c->echo_timer.repeat = c->srv->cfg->echo_interval;
	ev_timer_again(c->srv->loop, &c->echo_timer);
}

void ctrl_timers_calls_changed(struct ctrl *c)
{
	if (c->dying || c->state != CTRL_ESTABLISHED)
		return;
	if (c->ncalls) {
		ev_timer_stop(c->srv->loop, &c->idle_timer);
	} else if (!ev_is_active(&c->idle_timer)) {
		c->idle_timer.repeat = c->srv->cfg->ctrl_idle_timeout;
		ev_timer_again(c->srv->loop, &c->idle_timer);
	}
}

void ctrl_timers_stopping(struct ctrl *c)
{
	ev_timer_stop(c->srv->loop, &c->start_timer);
	ev_timer_stop(c->srv->loop, &c->echo_timer);
	ev_timer_stop(c->srv->loop, &c->idle_timer);
	if (!ev_is_active(&c->stop_timer))
		ev_timer_start(c->srv->loop, &c->stop_timer);
}

void ctrl_timers_stop_all(struct ctrl *c)
{
	ev_timer_stop(c->srv->loop, &c->start_timer);
	ev_timer_stop(c->srv->loop, &c->echo_timer);
	ev_timer_stop(c->srv->loop, &c->idle_timer);
	ev_timer_stop(c->srv->loop, &c->stop_timer);
}
