/*
 * The session's state machine (server/session.h): every legal transition,
 * illegal ones refused and logged, and what the end releases from each
 * state, on the scene of tests/unit/support/session_scene.h: a real server
 * object (no listeners, GRE, tun or accounting) with a control connection
 * over a socketpair gives a real call, made a fake one by holding its GRE
 * flow aside (there is no GRE socket): what the link sends on it is
 * dropped and counted, nothing else changes. The test plays the PPP link's
 * part through the ops the session gives its link (session_link_ops) and
 * the backend's through the scene's fake struct auth_backend that records
 * submits and cancels.
 * What the session hands the link for EAP is recorded on the way: the
 * build links this test with --wrap=ppp_eap_request (the test's is the
 * only one called) and --wrap=ppp_auth_result (recorded, then the link's
 * own runs).
 */
#include <ev.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "auth/radius_pkt.h"
#include "common/buf.h"
#include "common/log.h"
#include "common/pptp_msg.h"
#include "conf/config.h"
#include "server/call.h"
#include "server/pool.h"
#include "server/login_lock.h"
#include "server/server.h"
#include "server/session_priv.h"
#include "tests/unit/support/pptp_wire.h"
#include "tests/unit/support/session_scene.h"

/* ---- what the session hands the link ---- */

static struct {
	unsigned eap_requests;          /* ppp_eap_request() calls */
	uint8_t eap_req[64];            /* the last one's packet */
	size_t eap_req_len;
	unsigned verdicts;              /* ppp_auth_result() calls */
	struct ppp_auth_verdict v;      /* the last one, its EAP packet copied */
	uint8_t v_eap[64];
} linkrec;

void __wrap_ppp_eap_request(struct ppp_link *l, const uint8_t *pkt, size_t len, uint64_t now);
void __real_ppp_auth_result(struct ppp_link *l, const struct ppp_auth_verdict *v, uint64_t now);
void __wrap_ppp_auth_result(struct ppp_link *l, const struct ppp_auth_verdict *v, uint64_t now);

void __wrap_ppp_eap_request(struct ppp_link *l, const uint8_t *pkt, size_t len, uint64_t now)
{
	(void)l;
	(void)now;
	assert_true(len <= sizeof(linkrec.eap_req));
	linkrec.eap_requests++;
	memcpy(linkrec.eap_req, pkt, len);
	linkrec.eap_req_len = len;
}

void __wrap_ppp_auth_result(struct ppp_link *l, const struct ppp_auth_verdict *v, uint64_t now)
{
	linkrec.verdicts++;
	linkrec.v = *v;
	if (v->eap_pkt) {
		assert_true(v->eap_len <= sizeof(linkrec.v_eap));
		memcpy(linkrec.v_eap, v->eap_pkt, v->eap_len);
		linkrec.v.eap_pkt = linkrec.v_eap;
	}
	__real_ppp_auth_result(l, v, now);
}

/* ---- the scene (tests/unit/support/session_scene.h) ---- */

static int setup(void **state)
{
	memset(&linkrec, 0, sizeof(linkrec));
	struct session_scene *t = session_scene_new("localip 192.0.2.1\nremoteip 192.0.2.10-20\n"
						    "connections 4\n", LOG_LVL_DEBUG, true);
	assert_int_equal(session_state(t->s), SESSION_WAIT_LCP);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	session_scene_free(*state);
	return 0;
}

/* Does the captured log hold a line with text? */
static bool logged(struct session_scene *t, const char *text)
{
	return session_scene_logged(t, text);
}

/* ---- driving it ---- */

/* The client's first LCP Configure-Request arrives on the call. */
static void first_lcp(struct session_scene *t)
{
	uint8_t lcp[] = { 0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x04 };
	struct session *s = t->s;
	s->call->ops->frame(s->call->ops_ctx, s->call, lcp, sizeof(lcp));
}

/* The link asks for alice's MS-CHAPv2 response to be checked. */
static void auth_request(struct session_scene *t, const char *user)
{
	static const uint8_t challenge[16] = { 1, 2, 3 };
	struct chap_response_info chap = {
		.algo = CHAP_MSCHAPV2, .id = 1, .name = (const uint8_t *)user,
		.name_len = strlen(user), .name_sent_len = strlen(user),
		.challenge = challenge, .challenge_len = sizeof(challenge),
	};
	session_link_ops.auth_request(t->s, &chap, NULL);
	/* As the call's frame callback does after every call into the link. */
	session_arm(t->s);
}

static void complete(struct session_scene *t, enum auth_verdict verdict)
{
	struct auth_result res = { .session = t->fb.last, .method = AUTH_MSCHAPV2,
				   .verdict = verdict };
	session_auth_complete(t->srv, &res);
}

static void ip_up(struct session_scene *t)
{
	struct ppp_ip_info info = { .local_addr = 0xC0000201, .peer_addr = session_addr(t->s),
				    .ip_mtu = 1400 };
	session_link_ops.ip_up(t->s, &info);
}

/* From WAIT_LCP to the state wanted, by the legal path. */
static void drive_to(struct session_scene *t, enum session_state to)
{
	if (to >= SESSION_LINK)
		first_lcp(t);
	if (to >= SESSION_AUTH_WAIT)
		auth_request(t, "alice");
	if (to >= SESSION_NETWORK)
		complete(t, AUTH_ACCEPT);
	if (to >= SESSION_UP)
		ip_up(t);
	assert_int_equal(session_state(t->s), to);
}

/* ---- legal transitions ---- */

/* WAIT_LCP -> LINK on the client's LCP; anything else first is dropped. */
static void wait_lcp_to_link(void **state)
{
	struct session_scene *t = *state;
	uint8_t ip[] = { 0x00, 0x21, 0x45, 0x00 };
	uint64_t dropped = t->srv->stats.frames_dropped;

	t->s->call->ops->frame(t->s->call->ops_ctx, t->s->call, ip, sizeof(ip));
	assert_int_equal(session_state(t->s), SESSION_WAIT_LCP);
	assert_int_equal(t->srv->stats.frames_dropped, dropped + 1);
	first_lcp(t);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_true(logged(t, "event=state from=wait-lcp to=link"));
	/* The PPP layer's lines carry the session's identity (its config). */
	assert_true(logged(t, "session="));
	assert_true(logged(t, " call=") && logged(t, "peer=198.51.100.2:1024 ppp=lcp "));
}

/* LINK -> AUTH_WAIT -> NETWORK -> UP: the user is named, counted, the
 * address held and routable, every change logged with the identity. */
static void login_to_up(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_AUTH_WAIT);
	assert_int_equal(t->fb.submits, 1);
	assert_string_equal(session_user(t->s), "alice");
	assert_non_null(strstr(session_log_id(t->s), "session="));
	assert_non_null(strstr(session_log_id(t->s), " user=alice peer=198.51.100.2:1024"));
	assert_int_equal(session_count_user(t->srv, "alice"), 0);
	assert_false(session_is_authed(t->s));

	complete(t, AUTH_ACCEPT);
	assert_int_equal(session_state(t->s), SESSION_NETWORK);
	assert_true(session_is_authed(t->s));
	assert_false(session_is_up(t->s));
	assert_int_equal(session_count_user(t->srv, "alice"), 1);
	uint32_t a = session_addr(t->s);
	assert_true(a >= 0xC000020A && a <= 0xC0000214);
	assert_ptr_equal(pool_lookup(t->srv->pool, a), t->s);

	ip_up(t);
	assert_int_equal(session_state(t->s), SESSION_UP);
	assert_true(session_is_up(t->s));
	assert_int_equal(session_ip_mtu(t->s), 1400);
	assert_true(logged(t, "user=alice peer=198.51.100.2:1024 event=state from=network to=up"));
	/* The identity learnt the name: the link's lines have it from then on. */
	assert_true(logged(t, "ctrl=1 call="));
	assert_true(logged(t, "user=alice peer=198.51.100.2:1024 addr=192.0.2."));
	assert_true(logged(t, "event=session-up"));
}

/* AUTH_WAIT -> LINK: refused by the backend; the link may try again. */
static void refused_back_to_link(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_AUTH_WAIT);
	complete(t, AUTH_REJECT_BAD_CREDENTIALS);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_int_equal(session_addr(t->s), 0);
	assert_true(logged(t, "event=auth-fail reason=bad-credentials"));
	/* A completion for it again is stale. */
	uint64_t stale = t->srv->stats.auth_stale;
	complete(t, AUTH_ACCEPT);
	assert_int_equal(t->srv->stats.auth_stale, stale + 1);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	/* The next attempt goes to the backend again. */
	auth_request(t, "alice");
	assert_int_equal(session_state(t->s), SESSION_AUTH_WAIT);
	assert_int_equal(t->fb.submits, 2);
}

/* LINK -> AUTH_REFUSE (backend busy) -> LINK from the timer, never from
 * inside the link's callback. */
static void refusal_answered_from_timer(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_LINK);
	t->fb.answer = AUTH_SUBMIT_BUSY;
	auth_request(t, "alice");
	assert_int_equal(session_state(t->s), SESSION_AUTH_REFUSE);
	assert_true(logged(t, "event=auth-fail reason=backend-busy"));
	pptp_wire_turn(t->loop);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_true(logged(t, "event=state from=auth-refuse to=link"));
}

/* AUTH_WAIT -> LINK when the link abandons the attempt: the request is
 * cancelled in the backend. */
static void abandoned_request_cancelled(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_AUTH_WAIT);
	session_link_ops.auth_cancel(t->s);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_int_equal(t->fb.cancels, 1);
}

/* A new attempt while one waits replaces it (cancelled first). */
static void new_attempt_replaces_waiting_one(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_AUTH_WAIT);
	auth_request(t, "bob");
	assert_int_equal(t->fb.cancels, 1);
	assert_int_equal(t->fb.submits, 2);
	assert_string_equal(session_user(t->s), "bob");
	assert_int_equal(session_state(t->s), SESSION_AUTH_WAIT);
}

/* ---- illegal transitions ---- */

static void illegal_moves_refused_and_logged(void **state)
{
	struct session_scene *t = *state;

	assert_false(session_set_state(t->s, SESSION_UP));
	assert_int_equal(session_state(t->s), SESSION_WAIT_LCP);
	assert_true(logged(t, "event=state-illegal from=wait-lcp to=up"));
	assert_false(session_set_state(t->s, SESSION_DEAD));
	assert_false(session_set_state(t->s, (enum session_state)99));

	/* The link reporting IP up before any login: refused, nothing set up. */
	drive_to(t, SESSION_LINK);
	ip_up(t);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_false(logged(t, "event=session-up"));
	assert_true(logged(t, "event=state-illegal from=link to=up"));
	/* A completion nobody waits for changes nothing. */
	complete(t, AUTH_ACCEPT);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_int_equal(session_addr(t->s), 0);
}

static void every_state_has_a_name(void **state)
{
	(void)state;
	for (int st = 0; st < SESSION_NSTATES; st++)
		assert_string_not_equal(session_state_name((enum session_state)st), "?");
	assert_string_equal(session_state_name((enum session_state)SESSION_NSTATES), "?");
}

/* ---- the end from each state ---- */

/* The link ends (ops->down) in state `from`: ENDING then DEAD, out of the
 * tables, its address back in the pool, its request cancelled, its call
 * cleared; the reaper frees it on the next turn. */
static void end_from(struct session_scene *t, enum session_state from)
{
	drive_to(t, from);
	uint32_t a = session_addr(t->s);
	struct call *call = t->s->call;
	unsigned calls = t->srv->ncalls;

	session_scene_real_call(t);
	session_link_ops.down(t->s, PPP_CAUSE_PEER_TERMINATE, "test");
	assert_int_equal(session_state(t->s), SESSION_DEAD);
	assert_int_equal(t->srv->nsessions, 0);
	assert_null(t->srv->session_slot[t->s->slot]);
	assert_int_equal(session_addr(t->s), 0);
	if (a)
		assert_null(pool_lookup(t->srv->pool, a));
	assert_int_equal(pool_stats(t->srv->pool).in_use, 0);
	assert_int_equal(t->fb.cancels, from == SESSION_AUTH_WAIT ? 1 : 0);
	assert_int_equal(session_count_user(t->srv, "alice"), 0);
	/* The call is cleared with it (Call-Disconnect-Notify). */
	assert_null(call->ops);
	assert_int_equal(t->srv->ncalls, calls - 1);
	assert_true(logged(t, "event=session-down reason=peer-terminate"));
	pptp_wire_turn(t->loop);
	assert_null(t->srv->dead_sessions);
}

static void end_from_wait_lcp(void **state) { end_from(*state, SESSION_WAIT_LCP); }
static void end_from_link(void **state) { end_from(*state, SESSION_LINK); }
static void end_from_auth_wait(void **state) { end_from(*state, SESSION_AUTH_WAIT); }
static void end_from_network(void **state) { end_from(*state, SESSION_NETWORK); }
static void end_from_up(void **state) { end_from(*state, SESSION_UP); }

static void end_from_auth_refuse(void **state)
{
	struct session_scene *t = *state;
	drive_to(t, SESSION_LINK);
	t->fb.answer = AUTH_SUBMIT_BUSY;
	auth_request(t, "alice");
	assert_int_equal(session_state(t->s), SESSION_AUTH_REFUSE);
	session_scene_real_call(t);
	session_link_ops.down(t->s, PPP_CAUSE_PEER_TERMINATE, "test");
	assert_int_equal(session_state(t->s), SESSION_DEAD);
	assert_int_equal(t->fb.cancels, 0);
	pptp_wire_turn(t->loop); /* the refusal due is not answered: the timer is stopped */
	assert_int_equal(t->srv->nsessions, 0);
}

/* The call goes first, before LCP: the session ends at once, cause
 * lower-down, without clearing the call again. */
static void call_down_before_lcp(void **state)
{
	struct session_scene *t = *state;
	struct session *s = t->s;

	session_scene_real_call(t);
	call_kill(s->call, "test");
	assert_int_equal(session_state(s), SESSION_DEAD);
	assert_true(logged(t, "event=session-down reason=lower-down"));
	assert_true(logged(t, "detail=\"call cleared before LCP\""));
	pptp_wire_turn(t->loop);
}

/* Once ending, nothing moves it back, and a second end does nothing. */
static void dead_is_final(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_UP);
	session_scene_real_call(t);
	session_link_ops.down(t->s, PPP_CAUSE_ADMIN, "first");
	session_link_ops.down(t->s, PPP_CAUSE_SHUTDOWN, "second");
	assert_false(logged(t, "reason=shutdown"));
	assert_false(session_set_state(t->s, SESSION_LINK));
	assert_int_equal(session_state(t->s), SESSION_DEAD);
	pptp_wire_turn(t->loop);
}

/* The `idle` key is the session's idle time unless the backend named the
 * user's own (the store's idle column, RADIUS Idle-Timeout): 0 included. */
static void idle_from_key_or_user(struct session_scene *t, bool given, uint32_t user_idle,
				  uint32_t want)
{
	t->cfg->idle = 30;
	drive_to(t, SESSION_AUTH_WAIT);
	struct auth_result res = { .session = t->fb.last, .method = AUTH_MSCHAPV2,
				   .verdict = AUTH_ACCEPT, .idle_given = given,
				   .idle_timeout = user_idle };
	session_auth_complete(t->srv, &res);
	assert_int_equal(session_state(t->s), SESSION_NETWORK);
	assert_int_equal(t->s->idle_timeout, want);
	ip_up(t);
	char text[64];
	assert_true(logged(t, "event=session-up"));
	snprintf(text, sizeof(text), "idle-timeout=%u\n", want);
	assert_true(logged(t, text));
	/* Checked on the session's timer, not yet due. */
	if (want)
		assert_true(t->s->idle_check_at != UINT64_MAX);
	else
		assert_true(t->s->idle_check_at == UINT64_MAX);
}

static void idle_key_applies(void **state)
{
	idle_from_key_or_user(*state, false, 0, 30);
	/* Its hang-up: the log's reason and the accounting Stop's cause (4). */
	assert_string_equal(ppp_cause_name(PPP_CAUSE_IDLE_TIMEOUT), "idle-timeout");
	assert_int_equal(session_terminate_cause(PPP_CAUSE_IDLE_TIMEOUT), 4);
	assert_int_equal(RADIUS_TERM_IDLE_TIMEOUT, 4);
}
static void idle_user_never(void **state) { idle_from_key_or_user(*state, true, 0, 0); }
static void idle_user_value(void **state) { idle_from_key_or_user(*state, true, 5, 5); }

/* The rounding: to the first whole second at or after now + after. */
static void coalesce_rounds_up_to_whole_second(void **state)
{
	(void)state;
	assert_true(session_coalesce_after(100.25, 10.0) == 10.75);
	assert_true(session_coalesce_after(100.0, 5.0) == 5.0);
	assert_true(session_coalesce_after(99.5, 0.25) == 0.5);
	/* never earlier than asked, never a second or more later */
	for (int i = 0; i < 1000; i++) {
		double now = 1000.0 + i * 0.0137, after = 5.0 + i * 0.0291;
		double got = session_coalesce_after(now, after);
		assert_true(got >= after && got < after + 1.0);
		double at = now + got;
		assert_true(at == (double)(int64_t)at);
	}
}

/* What session_arm() does with a deadline: an UP session's far one (the
 * echo, idle check, Interim-Update: 5 s and more away) goes to a whole
 * second of the loop's clock, so sessions due within the same second fire
 * in one loop turn; a near one, or any before UP, is exact. */
static void up_timer_coalesced(void **state)
{
	(void)state;
	const double loop_now = 5000.125;
	const uint64_t now = 777000;
	/* UP, 30 s away: on a whole second, not earlier, under a second later */
	double a = session_timer_after(SESSION_UP, now + 30000, now, loop_now);
	assert_true(a >= 30.0 && a < 31.0);
	assert_true(loop_now + a == (double)(int64_t)(loop_now + a));
	/* UP, exactly the threshold: coalesced too */
	a = session_timer_after(SESSION_UP, now + SESSION_COALESCE_MIN_MS, now, loop_now);
	assert_true(loop_now + a == (double)(int64_t)(loop_now + a));
	/* UP, 3 s (an FSM restart timer): exact */
	assert_true(session_timer_after(SESSION_UP, now + 3000, now, loop_now) == 3.0);
	/* before UP: exact however far */
	assert_true(session_timer_after(SESSION_NETWORK, now + 30000, now, loop_now) == 30.0);
	assert_true(session_timer_after(SESSION_LINK, now + 30000, now, loop_now) == 30.0);
	/* due or past: at once */
	assert_true(session_timer_after(SESSION_UP, now, now, loop_now) == 0.0);
	assert_true(session_timer_after(SESSION_UP, now - 5, now, loop_now) == 0.0);
}

/* The rate-limit keys are the session's rates unless the backend named the
 * user's own; the buckets start at session-up, a drop is counted per
 * session and in the server, logged once; a CoA changes the rates. */
static void rate_from_key_or_user(void **state)
{
	struct session_scene *t = *state;

	t->cfg->rate_limit_down = 800;  /* 100,000 B/s: 100 ms is 10,000 bytes */
	t->cfg->rate_limit_up = 0;
	drive_to(t, SESSION_AUTH_WAIT);
	struct auth_result res = { .session = t->fb.last, .method = AUTH_MSCHAPV2,
				   .verdict = AUTH_ACCEPT };
	session_auth_complete(t->srv, &res);
	ip_up(t);
	assert_true(logged(t, "rate=800/0 "));
	/* up: no limit, one branch */
	for (int i = 0; i < 100; i++)
		assert_true(session_police(t->s, SHAPER_UP, 1400));
	/* down: the burst, then drops (the loop's time stands still here) */
	unsigned passed = 0;
	for (int i = 0; i < 20; i++)
		passed += session_police(t->s, SHAPER_DOWN, 1000);
	assert_int_equal(passed, 10);
	assert_int_equal(t->srv->stats.rate_dropped, 10);
	assert_true(logged(t, "event=rate-limited dir=down rate=800 "));
	struct session_info in;
	session_get_info(t->s, 0, &in);
	assert_int_equal(in.rate_down, 800);
	assert_int_equal(in.rate_dropped, 10);
	/* a CoA lifts the limit */
	session_set_rate(t->s, 0, 64);
	assert_true(logged(t, "event=rate-changed rate=0/64"));
	assert_true(session_police(t->s, SHAPER_DOWN, 1000));
	assert_true(session_police(t->s, SHAPER_UP, 1400)); /* 2 × MTU of burst */
}

static void rate_user_replaces_key(void **state)
{
	struct session_scene *t = *state;

	t->cfg->rate_limit_down = 800;
	t->cfg->rate_limit_up = 800;
	drive_to(t, SESSION_AUTH_WAIT);
	struct auth_result res = { .session = t->fb.last, .method = AUTH_MSCHAPV2,
				   .verdict = AUTH_ACCEPT, .rate_given = true,
				   .rate_down = 4000, .rate_up = 0 };
	session_auth_complete(t->srv, &res);
	ip_up(t);
	assert_true(logged(t, "rate=4000/0 "));
	for (int i = 0; i < 100; i++)
		assert_true(session_police(t->s, SHAPER_UP, 1400));
}

/* What an Access-Accept adds, kept at authentication and acted on at
 * session-up: Framed-Routes checked (there is no tun here, so one that
 * passes every check is refused for that: "no-tun"), the netmask's
 * subnet, Framed-MTU capping the MTU, every Class copied. */
static void accept_extras(void **state)
{
	struct session_scene *t = *state;
	static const uint8_t classes[] = { 2, 'a', 'b', 3, 'c', 'd', 'e' };
	const struct auth_route routes[] = {
		{ .dst = 0x0A630000, .plen = 24, .gw = 0 },          /* 10.99.0.0/24 */
		{ .dst = 0xC0000210, .plen = 28, .gw = 0 },          /* 192.0.2.16/28: pool */
		{ .dst = 0xC0000200, .plen = 30, .gw = 0 },          /* has localip */
		{ .dst = 0x0A010000, .plen = 16, .gw = 0xCB007109 }, /* another gateway */
	};

	drive_to(t, SESSION_AUTH_WAIT);
	struct auth_result res = {
		.session = t->fb.last, .method = AUTH_MSCHAPV2, .verdict = AUTH_ACCEPT,
		.routes = routes, .nroutes = 4, .netmask = 0xFFFFFF00, .framed_mtu = 1200,
		.classes = classes, .classes_len = sizeof(classes),
	};
	session_auth_complete(t->srv, &res);
	assert_int_equal(session_state(t->s), SESSION_NETWORK);
	/* Copied: the result's buffers were the backend's. */
	assert_int_equal(t->s->classes_len, sizeof(classes));
	assert_ptr_not_equal(t->s->classes, classes);
	assert_memory_equal(t->s->classes, classes, sizeof(classes));
	assert_int_equal(t->s->nroutes, 4);
	ip_up(t);
	assert_int_equal(t->s->ip_mtu, 1200);
	assert_true(logged(t, "event=framed-mtu framed-mtu=1200 mtu=1200 was=1400"));
	assert_true(logged(t, "route=10.99.0.0/24 reason=no-tun"));
	assert_true(logged(t, "route=192.0.2.16/28 reason=overlaps-pool"));
	assert_true(logged(t, "route=192.0.2.0/30 reason=overlaps-localip"));
	assert_true(logged(t, "route=10.1.0.0/16 reason=gateway-not-client"));
	/* 255.255.255.0: the client's /24, which holds localip too. */
	assert_true(logged(t, "route=192.0.2.0/24 reason=overlaps-localip"));
	assert_int_equal(t->srv->stats.framed_routes, 0);
	assert_int_equal(t->srv->stats.framed_routes_refused, 5);
	assert_int_equal(t->srv->nfroutes, 0);
	assert_null(session_route_lookup(t->srv, 0x0A630001));
	assert_false(session_route_src_ok(t->s, 0x0A630001));
	session_scene_real_call(t);
	session_link_ops.down(t->s, PPP_CAUSE_PEER_TERMINATE, "test");
	assert_null(t->s->routes);
	assert_int_equal(t->s->nroutes, 0);
}

/* The data path's second lookup: the longest installed prefix wins; the
 * source check allows only a session's installed routes. */
static void route_lookup_longest_prefix(void **state)
{
	struct session_scene *t = *state;
	static struct session other; /* only compared, never used */
	struct session *a = &other, *b = t->s;
	struct server_froute tab[] = {
		{ .dst = 0x0A000000, .plen = 8, .s = a },   /* 10.0.0.0/8 */
		{ .dst = 0x0A630000, .plen = 24, .s = b },  /* 10.99.0.0/24 */
		{ .dst = 0x0A600000, .plen = 12, .s = a },  /* 10.96.0.0/12 */
	};
	t->srv->froutes = tab;
	t->srv->nfroutes = 3;
	assert_ptr_equal(session_route_lookup(t->srv, 0x0A630005), b);
	assert_ptr_equal(session_route_lookup(t->srv, 0x0A640005), a);
	assert_ptr_equal(session_route_lookup(t->srv, 0x0B000001), NULL);
	t->srv->froutes = NULL;
	t->srv->nfroutes = 0;

	struct session_route r[2] = {
		{ .r = { .dst = 0x0A630000, .plen = 24 }, .installed = true },
		{ .r = { .dst = 0x0A640000, .plen = 24 }, .installed = false },
	};
	t->s->routes = r;
	t->s->nroutes = 2;
	assert_true(session_route_src_ok(t->s, 0x0A6300FE));
	assert_false(session_route_src_ok(t->s, 0x0A640001)); /* refused, not installed */
	assert_false(session_route_src_ok(t->s, 0x0A620001));
	t->s->routes = NULL;
	t->s->nroutes = 0;
}

/* A Framed-MTU below 576 caps at 576; one above the link's does nothing. */
static void framed_mtu_bounds(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_AUTH_WAIT);
	struct auth_result res = { .session = t->fb.last, .method = AUTH_MSCHAPV2,
				   .verdict = AUTH_ACCEPT, .framed_mtu = 100 };
	session_auth_complete(t->srv, &res);
	ip_up(t);
	assert_int_equal(t->s->ip_mtu, 576);
}

/* MS-MPPE-Encryption-Types narrow the server's key lengths (here 128
 * only, require-mppe-128 being on by default): 40-bit only leaves none,
 * the login is refused; 40 or 128 leaves 128. */
static void mppe_types(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_AUTH_WAIT);
	struct auth_result res = { .session = t->fb.last, .method = AUTH_MSCHAPV2,
				   .verdict = AUTH_ACCEPT, .mppe_policy = AUTH_MPPE_POLICY_REQUIRED,
				   .mppe_types = AUTH_MPPE_TYPE_40, .mppe_types_given = true };
	session_auth_complete(t->srv, &res);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_true(logged(t, "event=auth-fail reason=mppe-policy error=691"));
	assert_int_equal(session_addr(t->s), 0);

	auth_request(t, "alice");
	res.session = t->fb.last;
	res.mppe_types = AUTH_MPPE_TYPE_40 | AUTH_MPPE_TYPE_128;
	session_auth_complete(t->srv, &res);
	assert_int_equal(session_state(t->s), SESSION_NETWORK);
	assert_true(logged(t, "event=mppe-policy policy=2 types=0x6 required=yes keys=0x4"));
}

/* ---- EAP relayed to the backend ---- */

/* The link hands up one EAP Response: round 1 is the Identity. */
static void eap_response(struct session_scene *t, unsigned round, const char *identity,
			 const uint8_t *pkt, size_t len)
{
	struct eap_packet_info eap = {
		.pkt = pkt, .len = len, .id = pkt[1], .type = pkt[4], .round = round,
		.identity = (const uint8_t *)identity, .identity_len = identity ? strlen(identity) : 0,
	};
	session_link_ops.eap_response(t->s, &eap);
	session_arm(t->s);
}

/* The backend answers the last request. */
static void eap_complete(struct session_scene *t, enum auth_verdict verdict, const uint8_t *msg,
			 size_t msg_len, const char *state)
{
	struct auth_result res = { .session = t->fb.last, .method = AUTH_EAP, .verdict = verdict,
				   .eap_msg = msg, .eap_len = msg_len,
				   .state = (const uint8_t *)state,
				   .state_len = state ? strlen(state) : 0 };
	session_auth_complete(t->srv, &res);
}

static const uint8_t eap_r1[] = { 2, 1, 0, 26, 1, 'a', 'n', 'o', 'n', 'y', 'm', 'o', 'u', 's',
				  '@', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.', 'o', 'r', 'g' };
static const uint8_t eap_q2[] = { 1, 2, 0, 6, 13, 0x20 };       /* Request/TLS Start */
static const uint8_t eap_r2[] = { 2, 2, 0, 10, 13, 0, 0x16, 3, 1, 0 };
static const uint8_t eap_q3[] = { 1, 3, 0, 8, 13, 0, 0x16, 3 };
static const uint8_t eap_r3[] = { 2, 3, 0, 6, 13, 0 };
static const uint8_t eap_ok[] = { 3, 3, 0, 4 };
static const uint8_t eap_fail[] = { 4, 3, 0, 4 };

/* Identity, then a round with the State of the first Challenge. */
static void eap_to_round2(struct session_scene *t)
{
	drive_to(t, SESSION_LINK);
	eap_response(t, 1, "anonymous@example.org", eap_r1, sizeof(eap_r1));
	assert_int_equal(session_state(t->s), SESSION_AUTH_WAIT);
	eap_complete(t, AUTH_CHALLENGE, eap_q2, sizeof(eap_q2), "S1");
	assert_int_equal(session_state(t->s), SESSION_LINK);
	eap_response(t, 2, NULL, eap_r2, sizeof(eap_r2));
	assert_int_equal(session_state(t->s), SESSION_AUTH_WAIT);
}

/* Identity -> Challenge -> Challenge -> Accept: every round is one request
 * with the peer's Response, the last Challenge's State and the round; the
 * Challenges' Requests go to the peer as they are; the Accept's Success,
 * keys and User-Name (the inner identity) make the session. */
static void eap_three_rounds(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_LINK);
	eap_response(t, 1, "anonymous@example.org", eap_r1, sizeof(eap_r1));
	assert_int_equal(session_state(t->s), SESSION_AUTH_WAIT);
	assert_int_equal(t->fb.submits, 1);
	assert_int_equal(t->fb.method, AUTH_EAP);
	assert_int_equal(t->fb.eap_round, 1);
	assert_int_equal(t->fb.eap_msg_len, sizeof(eap_r1));
	assert_memory_equal(t->fb.eap_msg, eap_r1, sizeof(eap_r1));
	assert_false(t->fb.eap_state_given);
	assert_int_equal(t->fb.eap_state_len, 0);
	assert_string_equal(t->fb.user, "anonymous@example.org");
	assert_string_equal(session_user(t->s), "anonymous@example.org");
	assert_true(logged(t, "method=eap event=auth-request round=1"));

	/* Challenge 1: its Request to the peer, its State kept. */
	eap_complete(t, AUTH_CHALLENGE, eap_q2, sizeof(eap_q2), "S1");
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_int_equal(linkrec.eap_requests, 1);
	assert_int_equal(linkrec.eap_req_len, sizeof(eap_q2));
	assert_memory_equal(linkrec.eap_req, eap_q2, sizeof(eap_q2));
	assert_int_equal(t->s->eap_state_len, 2);
	assert_memory_equal(t->s->eap_state, "S1", 2);
	assert_int_equal(linkrec.verdicts, 0);

	eap_response(t, 2, NULL, eap_r2, sizeof(eap_r2));
	assert_int_equal(session_state(t->s), SESSION_AUTH_WAIT);
	assert_int_equal(t->fb.submits, 2);
	assert_int_equal(t->fb.eap_round, 2);
	assert_memory_equal(t->fb.eap_msg, eap_r2, sizeof(eap_r2));
	assert_int_equal(t->fb.eap_state_len, 2);
	assert_memory_equal(t->fb.eap_state, "S1", 2);
	assert_string_equal(t->fb.user, "anonymous@example.org");

	/* Challenge 2: the State is replaced. */
	eap_complete(t, AUTH_CHALLENGE, eap_q3, sizeof(eap_q3), "state-two");
	assert_int_equal(linkrec.eap_requests, 2);
	assert_memory_equal(linkrec.eap_req, eap_q3, sizeof(eap_q3));
	assert_int_equal(t->s->eap_state_len, 9);

	eap_response(t, 3, NULL, eap_r3, sizeof(eap_r3));
	assert_int_equal(t->fb.submits, 3);
	assert_int_equal(t->fb.eap_round, 3);
	assert_memory_equal(t->fb.eap_msg, eap_r3, sizeof(eap_r3));
	assert_int_equal(t->fb.eap_state_len, 9);
	assert_memory_equal(t->fb.eap_state, "state-two", 9);
	assert_int_equal(t->fb.cancels, 0);

	/* Accept: keys from the TLS exchange (MS-MPPE-Send/Recv-Key) and the
	 * inner identity. */
	static const char inner[] = "alice";
	struct auth_result res = { .session = t->fb.last, .method = AUTH_EAP,
				   .verdict = AUTH_ACCEPT, .eap_msg = eap_ok,
				   .eap_len = sizeof(eap_ok), .has_keys = true,
				   .reply_user = (const uint8_t *)inner, .reply_user_len = 5 };
	memset(res.send_key, 0x5A, sizeof(res.send_key));
	memset(res.recv_key, 0xA5, sizeof(res.recv_key));
	session_auth_complete(t->srv, &res);
	assert_int_equal(session_state(t->s), SESSION_NETWORK);
	assert_int_equal(linkrec.verdicts, 1);
	assert_int_equal(linkrec.v.win_error, 0);
	assert_non_null(linkrec.v.eap_pkt);
	assert_int_equal(linkrec.v.eap_len, sizeof(eap_ok));
	assert_memory_equal(linkrec.v.eap_pkt, eap_ok, sizeof(eap_ok));
	assert_true(linkrec.v.have_keys);
	assert_memory_equal(linkrec.v.send_key, res.send_key, sizeof(res.send_key));
	assert_memory_equal(linkrec.v.recv_key, res.recv_key, sizeof(res.recv_key));
	assert_true(linkrec.v.peer_addr != 0);
	/* The State is gone; the user is the inner identity from here on. */
	assert_null(t->s->eap_state);
	assert_int_equal(t->s->eap_state_len, 0);
	assert_string_equal(session_user(t->s), "alice");
	assert_int_equal(session_count_user(t->srv, "alice"), 1);
	assert_int_equal(session_count_user(t->srv, "anonymous@example.org"), 0);
	assert_true(logged(t, "event=eap-identity outer=anonymous@example.org inner=alice"));
	ip_up(t);
	assert_true(logged(t, "user=alice peer=198.51.100.2:1024 addr=192.0.2."));
	assert_true(logged(t, " method=eap rate="));
	struct session_info in;
	session_get_info(t->s, 0, &in);
	assert_string_equal(in.method, "eap");
}

/* A Reject: its EAP Failure to the peer, E=691, the State freed, back to
 * LINK. */
static void eap_reject(void **state)
{
	struct session_scene *t = *state;

	eap_to_round2(t);
	assert_non_null(t->s->eap_state);
	struct auth_result res = { .session = t->fb.last, .method = AUTH_EAP,
				   .verdict = AUTH_REJECT_BAD_CREDENTIALS, .eap_msg = eap_fail,
				   .eap_len = sizeof(eap_fail) };
	session_auth_complete(t->srv, &res);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_int_equal(linkrec.verdicts, 1);
	assert_int_equal(linkrec.v.win_error, 691);
	assert_non_null(linkrec.v.eap_pkt);
	assert_memory_equal(linkrec.v.eap_pkt, eap_fail, sizeof(eap_fail));
	assert_null(t->s->eap_state);
	assert_int_equal(session_addr(t->s), 0);
	assert_true(logged(t, "event=auth-fail reason=bad-credentials error=691"));
}

/* The link ends in round 2 while the backend has the request: it is
 * cancelled, the State freed (with ASan a leak here would show). */
static void eap_teardown_in_round2(void **state)
{
	struct session_scene *t = *state;

	eap_to_round2(t);
	assert_non_null(t->s->eap_state);
	session_scene_real_call(t);
	session_link_ops.down(t->s, PPP_CAUSE_AUTH_TIMEOUT, "test");
	assert_int_equal(session_state(t->s), SESSION_DEAD);
	assert_int_equal(t->fb.cancels, 1);
	assert_null(t->s->eap_state);
	assert_int_equal(t->s->eap_state_len, 0);
	pptp_wire_turn(t->loop);
	assert_null(t->srv->dead_sessions);
}

/* The link gives up on the exchange (its round limit or timeout): the
 * request is cancelled and the State freed. */
static void eap_cancel_frees_state(void **state)
{
	struct session_scene *t = *state;

	eap_to_round2(t);
	session_link_ops.auth_cancel(t->s);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_int_equal(t->fb.cancels, 1);
	assert_null(t->s->eap_state);
}

/* An Access-Challenge without EAP-Message has nothing for the peer: a
 * RADIUS error that ends the link, logged; nothing is sent as a Request. */
static void eap_challenge_without_message(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_LINK);
	eap_response(t, 1, "anonymous@example.org", eap_r1, sizeof(eap_r1));
	uint64_t fails = t->srv->stats.auth_fail;
	eap_complete(t, AUTH_CHALLENGE, NULL, 0, "S1");
	assert_int_equal(linkrec.eap_requests, 0);
	assert_null(t->s->eap_state);
	assert_int_equal(t->srv->stats.auth_fail, fails + 1);
	assert_true(logged(t, "event=auth-fail reason=eap-challenge-without-message"));
	/* The link is closing (LCP Terminate-Request) or already down. */
	assert_true(session_ended(t->s) || ppp_phase(t->s->link) == PPP_PHASE_TERMINATE);
	assert_int_equal(t->fb.submits, 1);
}

/* The Identity is refused as a CHAP name is (empty here): no request, a
 * refusal due from the timer. */
static void eap_identity_refused(void **state)
{
	struct session_scene *t = *state;

	drive_to(t, SESSION_LINK);
	eap_response(t, 1, "", eap_r1, 5);
	assert_int_equal(t->fb.submits, 0);
	assert_int_equal(session_state(t->s), SESSION_AUTH_REFUSE);
	assert_true(logged(t, "event=auth-fail reason="));
	assert_true(logged(t, "method=eap"));
	pptp_wire_turn(t->loop);
	assert_int_equal(session_state(t->s), SESSION_LINK);
}

/* The backend busy in round 2: a refusal due, the State freed. */
static void eap_busy_frees_state(void **state)
{
	struct session_scene *t = *state;

	eap_to_round2(t);
	eap_complete(t, AUTH_CHALLENGE, eap_q3, sizeof(eap_q3), "S2");
	assert_non_null(t->s->eap_state);
	t->fb.answer = AUTH_SUBMIT_BUSY;
	eap_response(t, 3, NULL, eap_r3, sizeof(eap_r3));
	assert_int_equal(session_state(t->s), SESSION_AUTH_REFUSE);
	assert_null(t->s->eap_state);
	assert_true(logged(t, "event=auth-fail reason=backend-busy method=eap round=3"));
	pptp_wire_turn(t->loop);
	assert_int_equal(session_state(t->s), SESSION_LINK);
}

/* An Accept's User-Name the canonical form refuses (too long) leaves the
 * outer identity as the session's user, logged with both. */
static void eap_inner_user_refused(void **state)
{
	struct session_scene *t = *state;
	char inner[AUTH_NAME_MAX + 10];

	memset(inner, 'a', sizeof(inner));
	drive_to(t, SESSION_LINK);
	eap_response(t, 1, "anonymous@example.org", eap_r1, sizeof(eap_r1));
	struct auth_result res = { .session = t->fb.last, .method = AUTH_EAP,
				   .verdict = AUTH_ACCEPT, .eap_msg = eap_ok,
				   .eap_len = sizeof(eap_ok),
				   .reply_user = (const uint8_t *)inner,
				   .reply_user_len = sizeof(inner) };
	session_auth_complete(t->srv, &res);
	assert_int_equal(session_state(t->s), SESSION_NETWORK);
	assert_string_equal(session_user(t->s), "anonymous@example.org");
	assert_true(logged(t, "event=eap-identity outer=anonymous@example.org inner=\"aaaa"));
	assert_true(logged(t, "kept=outer reason="));
}

/* EAP Rejects count toward the lock-out as wrong MS-CHAP passwords do; a
 * locked outer identity is refused before the backend is asked. */
static void eap_lockout(void **state)
{
	struct session_scene *t = *state;

	assert_true(login_lock_start(t->srv));
	drive_to(t, SESSION_LINK);
	for (unsigned i = 0; i < t->cfg->lockout_user_failures; i++) {
		eap_response(t, 1, "anonymous@example.org", eap_r1, sizeof(eap_r1));
		assert_int_equal(session_state(t->s), SESSION_AUTH_WAIT);
		eap_complete(t, AUTH_REJECT_BAD_CREDENTIALS, eap_fail, sizeof(eap_fail), NULL);
		assert_int_equal(session_state(t->s), SESSION_LINK);
	}
	unsigned submits = t->fb.submits;
	eap_response(t, 1, "anonymous@example.org", eap_r1, sizeof(eap_r1));
	assert_int_equal(t->fb.submits, submits);
	assert_int_equal(session_state(t->s), SESSION_AUTH_REFUSE);
	assert_true(logged(t, "event=login-locked"));
	pptp_wire_turn(t->loop);
	assert_int_equal(session_state(t->s), SESSION_LINK);
	assert_int_equal(linkrec.v.win_error, 691);
	assert_null(linkrec.v.eap_pkt); /* the link makes its own Failure */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(wait_lcp_to_link),
		T(login_to_up),
		T(refused_back_to_link),
		T(refusal_answered_from_timer),
		T(abandoned_request_cancelled),
		T(new_attempt_replaces_waiting_one),
		T(illegal_moves_refused_and_logged),
		cmocka_unit_test(every_state_has_a_name),
		T(end_from_wait_lcp),
		T(end_from_link),
		T(end_from_auth_wait),
		T(end_from_auth_refuse),
		T(end_from_network),
		T(end_from_up),
		T(call_down_before_lcp),
		T(dead_is_final),
		T(idle_key_applies),
		T(idle_user_never),
		T(idle_user_value),
		cmocka_unit_test(coalesce_rounds_up_to_whole_second),
		T(up_timer_coalesced),
		T(rate_from_key_or_user),
		T(rate_user_replaces_key),
		T(accept_extras),
		T(framed_mtu_bounds),
		T(route_lookup_longest_prefix),
		T(mppe_types),
		T(eap_three_rounds),
		T(eap_reject),
		T(eap_teardown_in_round2),
		T(eap_cancel_frees_state),
		T(eap_challenge_without_message),
		T(eap_identity_refused),
		T(eap_busy_frees_state),
		T(eap_inner_user_refused),
		T(eap_lockout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
