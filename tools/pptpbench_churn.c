/*
 * pptpbench churn: login/logout cycles, for leak and exhaustion tests of a
 * running server. Each cycle is a full login as `connect` makes it (start
 * exchange, Outgoing-Call, LCP, MS-CHAPv2, CCP with MPPE-128 stateless
 * required, IPCP), then a clean disconnect (LCP Terminate, Call-Clear,
 * Stop-Control-Connection). No tun device and no data: the cycle ends as
 * soon as IPCP is up.
 *
 * --parallel P slots run cycles side by side until --cycles N have been
 * started. Every --report-every K cycles the slots drain (no new cycle
 * starts until every running one has ended), one "checkpoint" line is
 * printed, and --checkpoint CMD, if given, runs (sh -c, with
 * CHURN_CYCLES set to the number of cycles done) while nothing of ours is
 * open on the server; a CMD that fails stops the run. The last line:
 *
 *   churn cycles=N ok=N failed=0 seconds=S rate=R
 *
 * The exit status is 0 only if every cycle logged in and out cleanly.
 *
 * Driving the layers: each slot's call and PPP link are a bench_session
 * (tools/bench_session.h, shared with `sessions`); as in `connect`, frames
 * the link sends while the call is delivering wait in a short per-slot
 * queue, and an ev_prepare watcher takes each slot's disconnect one step
 * further, so nothing is torn down inside a callback of its own. A cycle
 * that takes longer than --timeout seconds (from connect to the end of the
 * disconnect) fails the run at once: a server that stops answering must
 * not make this hang.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/log.h"
#include "common/ppp/ppp.h"
#include "tools/bench_session.h"
#include "tools/pptp_client.h"
#include "tools/pptpbench.h"

#define CHURN_MAX_PARALLEL 64
#define CHURN_TXQ          8
#define CHURN_FAILS_SHOWN  10

struct churn;

struct slot {
	struct bench_session bs;     /* first: the callbacks' pointer is the slot's */
	struct churn *ch;
	unsigned index;
	unsigned long cycle;         /* 1-based number of the cycle running */
	bool busy;
	struct pptp_ctrl *ctrl;
	const char *step;
	bool up, closing_ctrl;
	ev_timer watchdog;
	uint16_t txq_len[CHURN_TXQ];
	uint8_t txq[CHURN_TXQ][PPP_FRAME_MAX];
};

struct churn {
	struct bench_env env;
	struct ev_loop *loop;
	struct pptp_client *cl;
	double timeout;
	unsigned long cycles, report_every, started, done, ok, failed, next_checkpoint;
	unsigned parallel;
	const char *checkpoint_cmd;
	double t0;
	bool abort;                  /* a watchdog or checkpoint ended the run */
	ev_prepare prepare;
	struct slot slots[CHURN_MAX_PARALLEL];
};

static struct slot *slot_of(struct bench_session *bs)
{
	return (struct slot *)bs;
}

static void slot_fail(struct slot *s, const char *why)
{
	if (s->bs.failed)
		return;
	s->bs.failed = true;
	if (s->ch->failed < CHURN_FAILS_SHOWN)
		printf("FAIL cycle=%lu slot=%u step=%s: %s\n", s->cycle, s->index, s->step, why);
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct slot *s = w->data;
	(void)revents;
	slot_fail(s, "timed out");
	printf("FAIL cycle=%lu: no progress for %.0f s, giving up\n", s->cycle, s->ch->timeout);
	s->ch->abort = true;
	ev_break(loop, EVBREAK_ALL);
}

/* ---- the session (tools/bench_session.h) ---- */

static void session_up(struct bench_session *bs)
{
	slot_of(bs)->up = true;
}

static void session_fail(struct bench_session *bs, enum bench_fail what, const char *name,
			 const char *detail)
{
	char why[160];

	switch (what) {
	case BENCH_FAIL_NO_MPPE:
		slot_fail(slot_of(bs), "link up without MPPE stateless");
		return;
	case BENCH_FAIL_PPP_NEW:
		slot_fail(slot_of(bs), "cannot create the PPP link");
		return;
	case BENCH_FAIL_LINK:
		snprintf(why, sizeof(why), "link down: %s %s", name, detail ? detail : "");
		break;
	case BENCH_FAIL_CALL:
		snprintf(why, sizeof(why), "call down: %s", name);
		break;
	}
	slot_fail(slot_of(bs), why);
}

/* Every slot is stepped every loop turn: nothing to wake. */
static const struct bench_session_ops session_ops = {
	.up = session_up,
	.fail = session_fail,
};

/* ---- the PPTP layer ---- */

static void on_ctrl_up(struct pptp_ctrl *ctrl)
{
	struct slot *s = pptp_ctrl_user(ctrl);

	if (s->bs.failed)
		return;
	s->step = "call";
	if (!bench_session_place(&s->bs, ctrl))
		slot_fail(s, strerror(errno));
}

static void on_call_up(struct pptp_call *call)
{
	struct slot *s = slot_of(pptp_call_user(call));

	if (!s->bs.failed)
		s->step = "ppp";
	bench_session_on_call_up(call);
}

static void on_ctrl_down(struct pptp_ctrl *ctrl, enum pptp_down_reason reason)
{
	struct slot *s = pptp_ctrl_user(ctrl);
	char why[96];

	s->ctrl = NULL;
	if (!s->closing_ctrl || reason != PPTP_DOWN_LOCAL) {
		snprintf(why, sizeof(why), "control connection down: %s",
			 pptp_down_reason_name(reason));
		slot_fail(s, why);
	}
}

static const struct pptp_client_ops client_ops = {
	.on_ctrl_up = on_ctrl_up,
	.on_call_up = on_call_up,
	.on_frame = bench_session_on_frame,
	.on_call_down = bench_session_on_call_down,
	.on_ctrl_down = on_ctrl_down,
};

/* ---- cycles ---- */

static void slot_start(struct slot *s)
{
	struct churn *ch = s->ch;

	s->busy = true;
	s->cycle = ++ch->started;
	s->step = "start";
	bench_session_reset(&s->bs);
	s->up = s->closing_ctrl = false;
	ev_timer_set(&s->watchdog, ch->timeout, 0.0);
	ev_timer_start(ch->loop, &s->watchdog);
	s->ctrl = pptp_ctrl_open(ch->cl, s);
	if (!s->ctrl)
		slot_fail(s, strerror(errno));
}

/* One step of a slot's disconnect, once it is up or has failed: LCP
 * Terminate, Call-Clear once the link is down, Stop once the call is
 * gone; then the cycle is over. */
static void slot_step(struct slot *s)
{
	struct churn *ch = s->ch;

	bench_session_flush(&s->bs);
	if (!s->up && !s->bs.failed)
		return;
	if (bench_session_hang_up(&s->bs))
		s->step = "disconnect";
	if (!s->bs.call && s->ctrl && !s->closing_ctrl) {
		s->closing_ctrl = true;
		pptp_ctrl_close(s->ctrl);
	}
	if (s->ctrl || s->bs.call)
		return;
	ev_timer_stop(ch->loop, &s->watchdog);
	bench_session_release(&s->bs);
	s->busy = false;
	ch->done++;
	if (s->bs.failed)
		ch->failed++;
	else
		ch->ok++;
}

static double elapsed(const struct churn *ch)
{
	return ev_now(ch->loop) - ch->t0;
}

static void checkpoint(struct churn *ch)
{
	char n[24];
	double t = elapsed(ch);

	printf("checkpoint cycles=%lu ok=%lu failed=%lu seconds=%.1f rate=%.1f\n", ch->done, ch->ok,
	       ch->failed, t, t > 0 ? (double)ch->done / t : 0.0);
	fflush(stdout);
	if (!ch->checkpoint_cmd)
		return;
	snprintf(n, sizeof(n), "%lu", ch->done);
	setenv("CHURN_CYCLES", n, 1);
	int rc = system(ch->checkpoint_cmd);
	if (rc != 0) {
		printf("FAIL checkpoint cycles=%lu: command exited with status %d\n", ch->done, rc);
		ch->abort = true;
	}
	/* The command took its time: timers count from now. */
	ev_now_update(ch->loop);
}

static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct churn *ch = w->data;
	unsigned busy = 0;
	(void)revents;

	for (unsigned i = 0; i < ch->parallel; i++) {
		if (ch->slots[i].busy)
			slot_step(&ch->slots[i]);
		busy += ch->slots[i].busy;
	}
	if (!busy && ch->done == ch->next_checkpoint && ch->done) {
		checkpoint(ch);
		ch->next_checkpoint += ch->report_every;
	}
	if (ch->abort) {
		ev_break(loop, EVBREAK_ALL);
		return;
	}
	unsigned long limit = ch->next_checkpoint < ch->cycles ? ch->next_checkpoint : ch->cycles;
	for (unsigned i = 0; i < ch->parallel && ch->started < limit; i++)
		if (!ch->slots[i].busy)
			slot_start(&ch->slots[i]);
	busy = 0;
	for (unsigned i = 0; i < ch->parallel; i++)
		busy += ch->slots[i].busy;
	if (!busy && ch->started >= ch->cycles)
		ev_break(loop, EVBREAK_ALL);
}

/* ---- options ---- */

static void churn_usage(FILE *f)
{
	fprintf(f, "usage: pptpbench churn --server ADDR --user USER --password-stdin\n"
		   "         --cycles N [--parallel P] [--report-every K] [--checkpoint CMD]\n"
		   "         [--bind ADDR] [--timeout S]\n");
}

static bool parse_count(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!s[0] || *end || errno || v == 0 || v > max)
		return false;
	*out = v;
	return true;
}

static int parse_args(struct churn *ch, struct pptp_client_params *p, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "bind", required_argument, NULL, 'b' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ "cycles", required_argument, NULL, 'n' },
		{ "parallel", required_argument, NULL, 'j' },
		{ "report-every", required_argument, NULL, 'r' },
		{ "checkpoint", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_server = false, pw_stdin = false;
	unsigned long v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:b:u:Pn:j:r:c:t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (inet_pton(AF_INET, optarg, &p->server) != 1)
				goto bad;
			have_server = true;
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &p->local) != 1)
				goto bad;
			break;
		case 'u':
			ch->env.pcfg.user = optarg;
			break;
		case 'P':
			pw_stdin = true;
			break;
		case 'n':
			if (!parse_count(optarg, 100000000, &ch->cycles))
				goto bad;
			break;
		case 'j':
			if (!parse_count(optarg, CHURN_MAX_PARALLEL, &v))
				goto bad;
			ch->parallel = (unsigned)v;
			break;
		case 'r':
			if (!parse_count(optarg, 100000000, &ch->report_every))
				goto bad;
			break;
		case 'c':
			ch->checkpoint_cmd = optarg;
			break;
		case 't': {
			char *end;
			ch->timeout = strtod(optarg, &end);
			if (*end || !(ch->timeout > 0 && ch->timeout <= 3600))
				goto bad;
			p->timeout = ch->timeout;
			break;
		}
		case 'h':
			churn_usage(stdout);
			return 0;
		default:
			churn_usage(stderr);
			return 2;
		}
	}
	if (!have_server || !ch->env.pcfg.user || !pw_stdin || !ch->cycles || optind != argc) {
		churn_usage(stderr);
		return 2;
	}
	return -1;
bad:
	fprintf(stderr, "churn: bad value '%s'\n", optarg);
	churn_usage(stderr);
	return 2;
}

int pptpbench_churn(int argc, char **argv)
{
	struct pptp_client_params p;
	struct churn *ch = calloc(1, sizeof(*ch));
	char *password = NULL, err[256];
	int rc = 1;

	if (!ch) {
		fprintf(stderr, "churn: out of memory\n");
		return 1;
	}
	ch->timeout = 10;
	ch->parallel = 1;
	bench_env_init(&ch->env, NULL, &session_ops, CHURN_TXQ, PPP_FRAME_MAX);
	pptp_client_params_default(&p);
	p.timeout = ch->timeout;
	int r = parse_args(ch, &p, argc, argv);
	if (r >= 0) {
		free(ch);
		return r;
	}
	if (!ch->report_every)
		ch->report_every = ch->cycles;
	ch->next_checkpoint = ch->report_every;
	if (!(password = bench_read_password())) {
		fprintf(stderr, "churn: no password on stdin\n");
		free(ch);
		return 2;
	}
	ch->env.pcfg.password = password;
	if (!crypto_init(err, sizeof(err))) {
		fprintf(stderr, "churn: %s\n", err);
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	log_init("pptpbench", LOG_LVL_WARN);
	ch->loop = ch->env.loop = ev_loop_new(EVFLAG_AUTO);
	if (!ch->loop) {
		fprintf(stderr, "churn: no event loop\n");
		goto out_crypto;
	}
	ch->cl = pptp_client_new(ch->loop, &p, &client_ops, ch);
	if (!ch->cl) {
		printf("FAIL gre-socket: %s\n", strerror(errno));
		goto out_loop;
	}
	for (unsigned i = 0; i < ch->parallel; i++) {
		struct slot *s = &ch->slots[i];
		bench_session_init(&s->bs, &ch->env, &s->txq[0][0], s->txq_len);
		s->ch = ch;
		s->index = i;
		ev_timer_init(&s->watchdog, watchdog_cb, 0.0, 0.0);
		s->watchdog.data = s;
	}
	ev_prepare_init(&ch->prepare, prepare_cb);
	ch->prepare.data = ch;
	ev_prepare_start(ch->loop, &ch->prepare);
	ev_now_update(ch->loop);
	ch->t0 = ev_now(ch->loop);
	ev_run(ch->loop, 0);
	ev_now_update(ch->loop);
	double t = elapsed(ch);
	printf("churn cycles=%lu ok=%lu failed=%lu seconds=%.1f rate=%.1f\n", ch->done, ch->ok,
	       ch->failed, t, t > 0 ? (double)ch->done / t : 0.0);
	rc = !ch->abort && ch->ok == ch->cycles ? 0 : 1;
	ev_prepare_stop(ch->loop, &ch->prepare);
	for (unsigned i = 0; i < ch->parallel; i++)
		ev_timer_stop(ch->loop, &ch->slots[i].watchdog);
	pptp_client_free(ch->cl);
	for (unsigned i = 0; i < ch->parallel; i++)
		bench_session_release(&ch->slots[i].bs);
out_loop:
	ev_loop_destroy(ch->loop);
out_crypto:
	crypto_shutdown();
out:
	explicit_bzero(password, strlen(password));
	free(password);
	free(ch);
	return rc;
}
