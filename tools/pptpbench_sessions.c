/*
 * pptpbench sessions: many established sessions from one process, for the
 * server's login rate and its cost per held session. Each session is a
 * full login as `churn` makes it (start exchange, Outgoing-Call, LCP,
 * MS-CHAPv2, CCP with MPPE-128 stateless required, IPCP), without tun and
 * without data: once up it is held with LCP echoes only (the server's,
 * answered by our PPP stack), then closed cleanly (LCP Terminate,
 * Call-Clear, Stop-Control-Connection).
 *
 * Sessions run over many control connections: --calls-per-conn M calls on
 * each (1, the default, is what Windows does), the connections spread
 * round-robin over the --sources addresses (one pptp_client per address).
 * Every client uses one shared GRE endpoint (tools/pptp_client.h): one raw
 * socket for all of them, not one per address, because the kernel walks
 * every raw GRE socket of the namespace for each packet, in the sender's
 * context, and the sender is the server (it would be billed for the
 * benchmark's own design); its sends are batched with sendmmsg(). The
 * first line says how many raw GRE sockets were opened (`gre_sockets 1`).
 * At most --parallel sessions are logging in at
 * any moment. With --login-rate R the logins are also paced: the k-th
 * session (counting from 1) starts no earlier than k / R seconds after
 * the start, a timer waking the loop when the next one is due, so the
 * setup latency can be measured at an offered rate below saturation;
 * without it (or with 0) they start as fast as --parallel lets them.
 *
 * Phases, each reported as it ends, one figure per line:
 *
 *   login     every session logs in or fails: offered_logins_per_s
 *             (--login-rate, 0 when unpaced), logins_per_s (achieved:
 *             sessions up over the time from the start to the last IPCP
 *             up; paced, never above the offered rate, since the k-th
 *             session cannot be up before k / R),
 *             setup_p50_ms / setup_p99_ms / setup_max_ms (TCP connect
 *             started to IPCP up, per session), failures by reason, and
 *             with --server-pid the server's CPU time per login
 *             (utime + stime over the phase, divided by the logins) beside
 *             our own (client_cpu_per_login_us);
 *   hold      --hold-cmd CMD, if given, runs first (sh -c; a failure
 *             fails the run: a test's checks while everything is up),
 *             then --hold seconds with every session up: the server's RSS
 *             (VmRSS of --server-pid) before the first login and during
 *             the hold, its difference per session, and the server's CPU
 *             (utime + stime from /proc/PID/stat) over the hold as a
 *             percentage of one core;
 *   teardown  sessions closed at --teardown-rate per second (0: all at
 *             once), until every control connection has ended.
 *
 * The last line: `sessions total=N up=N failed=N teardown_failed=N`. The
 * exit status is 0 only if every session logged in and ended cleanly.
 *
 * Driving the layers as `churn` does, with the same per-session state
 * machine (tools/bench_session.h): frames the link sends while a call
 * is delivering wait in a short per-session queue, and the sessions that
 * have something to do (a queued frame, a step of their disconnect) are
 * put on a work list that an ev_prepare watcher drains before the loop
 * blocks, so nothing is torn down inside one of its own callbacks and an
 * idle session costs nothing per loop turn.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/resource.h>

#include "common/crypto.h"
#include "common/log.h"
#include "common/ppp/ppp.h"
#include "tools/bench_session.h"
#include "tools/pptp_client.h"
#include "tools/pptpbench.h"

#define SES_MAX_SOURCES  256
#define SES_MAX_SESSIONS 200000
#define SES_TXQ          4
#define SES_TXQ_FRAME    256   /* login and echo frames are small */
#define SES_MAX_REASONS  32
#define SES_TICK_S       0.01

enum ses_state {
	SES_IDLE,       /* not started */
	SES_LOGIN,      /* its connection was opened; not up yet */
	SES_UP,         /* IPCP up: held */
	SES_FAILED,     /* settled without coming up */
	SES_CLOSING,    /* teardown asked */
	SES_DONE,       /* link, call (and the ctrl's part) gone */
};

struct bench;
struct conn;

struct ses {
	struct bench_session bs;     /* first: the callbacks' pointer is the session's */
	struct bench *b;
	struct conn *cn;
	unsigned index;
	enum ses_state state;
	bool queued, was_up;
	double t_up;
	uint16_t txq_len[SES_TXQ];
	uint8_t txq[SES_TXQ][SES_TXQ_FRAME];
};

struct conn {
	struct bench *b;
	struct pptp_client *cl;
	struct pptp_ctrl *ctrl;
	struct ses *ses;             /* calls_per of them */
	unsigned calls_open;         /* placed and not down yet */
	bool closing, down, failed;
	double t_start;
};

struct reason {
	char name[48];
	unsigned long count;
};

struct bench {
	struct bench_env env;
	struct ev_loop *loop;
	unsigned nsrc, nsessions, calls_per, nconns, parallel;
	double timeout, hold, teardown_rate;
	double login_rate;           /* sessions started per second; 0: unpaced */
	pid_t server_pid;
	const char *hold_cmd;
	struct pptp_gre *gre;        /* shared by every client */
	struct pptp_client *clients[SES_MAX_SOURCES];
	struct conn *conns;
	struct ses *ses;
	unsigned *work;              /* session indices with something to do */
	unsigned nwork;
	unsigned next_conn;          /* the next connection to open */
	unsigned started;            /* sessions whose login has started */
	unsigned inflight;           /* sessions in SES_LOGIN */
	unsigned up, failed, settled, teardown_failed, done, closed_asked;
	unsigned conns_down;
	double *setup_ms;            /* one per session that came up */
	double t0, t_last_up, t_hold, t_teardown;
	enum { PH_LOGIN, PH_HOLD, PH_TEARDOWN, PH_END } phase;
	long rss_before_kb, rss_hold_kb;
	unsigned long long cpu_login0, cpu_hold0;
	double self_cpu0;
	struct reason reasons[SES_MAX_REASONS];
	unsigned nreasons;
	ev_prepare prepare;
	ev_timer tick, phase_timer;
	ev_timer pace;               /* wakes the loop when a paced login is due */
};

static void count_reason(struct bench *b, const char *what, const char *detail)
{
	char name[48];

	snprintf(name, sizeof(name), "%s%s%s", what, detail ? "-" : "", detail ? detail : "");
	for (unsigned i = 0; i < b->nreasons; i++)
		if (strcmp(b->reasons[i].name, name) == 0) {
			b->reasons[i].count++;
			return;
		}
	if (b->nreasons == SES_MAX_REASONS) {
		b->reasons[SES_MAX_REASONS - 1].count++; /* the last one stands for the rest */
		return;
	}
	snprintf(b->reasons[b->nreasons].name, sizeof(b->reasons[0].name), "%s", name);
	b->reasons[b->nreasons++].count = 1;
}

static void ses_queue(struct ses *s)
{
	if (s->queued)
		return;
	s->queued = true;
	s->b->work[s->b->nwork++] = s->index;
}

/* The first failure of a session: counted once, by reason. */
static void ses_fail(struct ses *s, const char *what, const char *detail)
{
	struct bench *b = s->b;

	if (s->bs.failed)
		return;
	s->bs.failed = true;
	if (s->state == SES_LOGIN) {
		s->state = SES_FAILED;
		b->inflight--;
		b->failed++;
		b->settled++;
		count_reason(b, what, detail);
	} else if (s->state == SES_UP || s->state == SES_CLOSING) {
		/* Lost while held or while closing: a teardown failure. */
		b->teardown_failed++;
		count_reason(b, s->state == SES_UP ? "held-lost" : "teardown", detail ? detail : what);
	}
	ses_queue(s);
}

static struct ses *ses_of(struct bench_session *bs)
{
	return (struct ses *)bs;
}

/* ---- the session (tools/bench_session.h) ---- */

static void session_up(struct bench_session *bs)
{
	struct ses *s = ses_of(bs);
	struct bench *b = s->b;

	if (s->state != SES_LOGIN)
		return;
	s->state = SES_UP;
	s->was_up = true;
	s->t_up = ev_now(b->loop);
	b->setup_ms[b->up++] = (s->t_up - s->cn->t_start) * 1000.0;
	b->t_last_up = s->t_up;
	b->inflight--;
	b->settled++;
}

static void session_fail(struct bench_session *bs, enum bench_fail what, const char *name,
			 const char *detail)
{
	(void)detail;
	switch (what) {
	case BENCH_FAIL_NO_MPPE:
		ses_fail(ses_of(bs), "no-mppe-stateless", NULL);
		break;
	case BENCH_FAIL_PPP_NEW:
		ses_fail(ses_of(bs), "ppp-new", NULL);
		break;
	case BENCH_FAIL_LINK:
		ses_fail(ses_of(bs), "link", name);
		break;
	case BENCH_FAIL_CALL:
		ses_fail(ses_of(bs), "call", name);
		break;
	}
}

/* Only sessions with something to do are stepped: the work list. */
static void session_wake(struct bench_session *bs)
{
	ses_queue(ses_of(bs));
}

static const struct bench_session_ops session_ops = {
	.up = session_up,
	.fail = session_fail,
	.wake = session_wake,
};

/* ---- the PPTP layer ---- */

static void on_ctrl_up(struct pptp_ctrl *ctrl)
{
	struct conn *cn = pptp_ctrl_user(ctrl);

	for (unsigned i = 0; i < cn->b->calls_per && cn->ctrl && !cn->down; i++) {
		struct ses *s = &cn->ses[i];
		if (s->bs.failed)
			continue;
		cn->calls_open++;
		if (!bench_session_place(&s->bs, ctrl)) {
			/* The call was never made, or the ctrl went down
			 * with it (then on_call_down has counted it). */
			if (!s->bs.failed) {
				cn->calls_open--;
				ses_fail(s, "call-place", strerror(errno));
			}
		}
	}
}

static void on_call_down(struct pptp_call *call, enum pptp_down_reason reason)
{
	struct ses *s = ses_of(pptp_call_user(call));

	s->cn->calls_open--;
	bench_session_on_call_down(call, reason);
}

static void on_ctrl_down(struct pptp_ctrl *ctrl, enum pptp_down_reason reason)
{
	struct conn *cn = pptp_ctrl_user(ctrl);
	struct bench *b = cn->b;

	cn->ctrl = NULL;
	cn->down = true;
	b->conns_down++;
	for (unsigned i = 0; i < b->calls_per; i++) {
		struct ses *s = &cn->ses[i];
		if (!cn->closing || reason != PPTP_DOWN_LOCAL)
			ses_fail(s, "ctrl", pptp_down_reason_name(reason));
		ses_queue(s);
	}
}

static const struct pptp_client_ops client_ops = {
	.on_ctrl_up = on_ctrl_up,
	.on_call_up = bench_session_on_call_up,
	.on_frame = bench_session_on_frame,
	.on_call_down = on_call_down,
	.on_ctrl_down = on_ctrl_down,
};

/* ---- the server's figures ---- */

static long server_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	if (pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* utime + stime in clock ticks; 0 if unknown. */
static unsigned long long server_cpu_ticks(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long ut = 0, st = 0;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!(f = fopen(path, "r")))
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold spaces: fields start after the last ')'. */
	char *p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &ut, &st) != 2)
		return 0;
	return ut + st;
}

/* This process's user + system time: the client's share of the machine. */
static double self_cpu_s(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* ---- phases ---- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double percentile(const double *v, unsigned n, unsigned pct)
{
	if (!n)
		return 0;
	unsigned long i = ((unsigned long)n * pct + 99) / 100;
	return v[i ? i - 1 : 0];
}

static void report_login(struct bench *b)
{
	double t = b->t_last_up - b->t0;

	qsort(b->setup_ms, b->up, sizeof(b->setup_ms[0]), cmp_double);
	printf("sessions_up %u\n", b->up);
	printf("sessions_failed %u\n", b->failed);
	printf("offered_logins_per_s %.0f\n", b->login_rate);
	printf("login_seconds %.3f\n", b->up ? t : 0.0);
	printf("logins_per_s %.0f\n", b->up && t > 0 ? b->up / t : 0.0);
	printf("setup_p50_ms %.2f\n", percentile(b->setup_ms, b->up, 50));
	printf("setup_p99_ms %.2f\n", percentile(b->setup_ms, b->up, 99));
	printf("setup_max_ms %.2f\n", b->up ? b->setup_ms[b->up - 1] : 0.0);
	for (unsigned i = 0; i < b->nreasons; i++)
		printf("failure %s %lu\n", b->reasons[i].name, b->reasons[i].count);
	if (b->up)
		printf("client_cpu_per_login_us %.0f\n", (self_cpu_s() - b->self_cpu0) * 1e6 / b->up);
	if (b->server_pid > 0 && b->up) {
		/* Clock ticks (10 ms): meaningful over a few hundred logins. */
		unsigned long long ticks = server_cpu_ticks(b->server_pid) - b->cpu_login0;
		long hz = sysconf(_SC_CLK_TCK);
		if (hz > 0)
			printf("server_cpu_per_login_us %.0f\n",
			       (double)ticks * 1e6 / (double)hz / b->up);
	}
}

static void start_hold(struct bench *b)
{
	b->phase = PH_HOLD;
	report_login(b);
	if (b->hold_cmd) {
		/* While it runs nothing here answers: the server's echoes
		 * wait (the link tolerates several missed intervals). */
		int rc = system(b->hold_cmd);
		printf("hold_cmd status %d\n", rc);
		if (rc != 0) {
			count_reason(b, "hold-cmd", NULL);
			b->teardown_failed++;
		}
		ev_now_update(b->loop);
	}
	b->t_hold = ev_now(b->loop);
	b->cpu_hold0 = server_cpu_ticks(b->server_pid);
	ev_timer_set(&b->phase_timer, b->hold, 0.0);
	ev_timer_start(b->loop, &b->phase_timer);
}

static void start_teardown(struct bench *b)
{
	double held;

	ev_now_update(b->loop);
	held = ev_now(b->loop) - b->t_hold;
	if (b->server_pid > 0) {
		unsigned long long ticks = server_cpu_ticks(b->server_pid) - b->cpu_hold0;
		long hz = sysconf(_SC_CLK_TCK);
		/* The RSS at the end of the hold: what the sessions keep. */
		b->rss_hold_kb = server_rss_kb(b->server_pid);
		printf("server_rss_before_kb %ld\n", b->rss_before_kb);
		printf("server_rss_held_kb %ld\n", b->rss_hold_kb);
		if (b->up && b->rss_before_kb >= 0 && b->rss_hold_kb >= 0)
			printf("rss_per_session_bytes %.0f\n",
			       (double)(b->rss_hold_kb - b->rss_before_kb) * 1024.0 / b->up);
		printf("hold_seconds %.1f\n", held);
		printf("idle_cpu_pct %.2f\n",
		       held > 0 && hz > 0 ? (double)ticks * 100.0 / (double)hz / held : 0.0);
	}
	b->phase = PH_TEARDOWN;
	b->t_teardown = ev_now(b->loop);
}

static void ses_close(struct ses *s)
{
	if (s->state == SES_UP)
		s->state = SES_CLOSING;
	s->cn->closing = true;
	ses_queue(s);
}

/* One step of a session's end, once it is closing or has failed: LCP
 * Terminate, Call-Clear once the link is down, Stop for the connection
 * once its calls are gone; then the session is done. */
static void ses_step(struct ses *s)
{
	struct bench *b = s->b;
	struct conn *cn = s->cn;

	bench_session_flush(&s->bs);
	if (s->state == SES_DONE || (s->state != SES_CLOSING && !s->bs.failed)) {
		if (s->bs.txq_count)
			ses_queue(s); /* the window is full: again on the next turn */
		return;
	}
	bench_session_hang_up(&s->bs);
	if (!cn->calls_open && cn->ctrl && !cn->down) {
		/* A failed session does not end its connection's others
		 * until the teardown reaches them. */
		bool all = true;
		for (unsigned i = 0; i < b->calls_per; i++)
			all &= cn->ses[i].state == SES_CLOSING || cn->ses[i].bs.failed;
		if (all) {
			cn->closing = true;
			pptp_ctrl_close(cn->ctrl);
		}
	}
	if (s->bs.call || (cn->ctrl && !cn->down) || (s->bs.link && !s->bs.link_down))
		return;
	if (s->state != SES_CLOSING && s->state != SES_FAILED)
		return;
	bench_session_release(&s->bs);
	s->state = SES_DONE;
	b->done++;
}

/* Paced: how many sessions may have started by now (the k-th at k / R
 * after t0; the epsilon keeps a timer that fires exactly on time from
 * rounding one short). Unpaced: all of them. */
static unsigned long paced_allowed(const struct bench *b)
{
	double n;

	if (b->login_rate <= 0)
		return b->nsessions;
	n = (ev_now(b->loop) - b->t0) * b->login_rate + 1e-9;
	return n >= b->nsessions ? b->nsessions : (unsigned long)n;
}

/* The pace blocks the next connection: wake when its calls are due. */
static void arm_pace(struct bench *b)
{
	double due = b->t0 + (double)(b->started + b->calls_per) / b->login_rate;
	double wait = due - ev_now(b->loop);

	ev_timer_stop(b->loop, &b->pace);
	ev_timer_set(&b->pace, wait > 0 ? wait : 0.0, 0.0);
	ev_timer_start(b->loop, &b->pace);
}

static void pace_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	/* Nothing here: the prepare watcher opens what is due. */
}

static void open_conns(struct bench *b)
{
	unsigned long allowed = paced_allowed(b);

	while (b->next_conn < b->nconns && b->inflight + b->calls_per <= b->parallel) {
		if (b->started + b->calls_per > allowed) {
			arm_pace(b);
			return;
		}
		struct conn *cn = &b->conns[b->next_conn++];
		cn->t_start = ev_now(b->loop);
		for (unsigned i = 0; i < b->calls_per; i++)
			cn->ses[i].state = SES_LOGIN;
		b->inflight += b->calls_per;
		b->started += b->calls_per;
		cn->ctrl = pptp_ctrl_open(cn->cl, cn);
		if (!cn->ctrl) {
			cn->down = true;
			b->conns_down++;
			for (unsigned i = 0; i < b->calls_per; i++)
				ses_fail(&cn->ses[i], "connect", strerror(errno));
		}
	}
}

static void drain_work(struct bench *b)
{
	/* Steps may queue more work: bounded by rounds, the rest waits for
	 * the next loop turn. */
	for (unsigned round = 0; round < 4 && b->nwork; round++) {
		unsigned n = b->nwork;
		for (unsigned i = 0; i < n; i++) {
			struct ses *s = &b->ses[b->work[i]];
			s->queued = false;
			ses_step(s);
		}
		/* Keep what was queued during the steps. */
		memmove(b->work, b->work + n, (b->nwork - n) * sizeof(b->work[0]));
		b->nwork -= n;
	}
}

static void advance(struct bench *b)
{
	drain_work(b);
	if (b->phase == PH_LOGIN) {
		open_conns(b);
		if (b->settled == b->nsessions)
			start_hold(b);
	}
	if (b->phase == PH_TEARDOWN) {
		unsigned long allowed = b->nsessions;
		if (b->teardown_rate > 0)
			allowed = (unsigned long)((ev_now(b->loop) - b->t_teardown) *
						  b->teardown_rate) + 1;
		while (b->closed_asked < b->nsessions && b->closed_asked < allowed)
			ses_close(&b->ses[b->closed_asked++]);
		drain_work(b);
		if (b->conns_down == b->nconns && b->done == b->nsessions) {
			ev_now_update(b->loop);
			double t = ev_now(b->loop) - b->t_teardown;
			printf("teardown_seconds %.3f\n", t);
			printf("teardowns_per_s %.0f\n", t > 0 ? b->nsessions / t : 0.0);
			if (b->server_pid > 0)
				printf("server_rss_after_kb %ld\n", server_rss_kb(b->server_pid));
			b->phase = PH_END;
			ev_break(b->loop, EVBREAK_ALL);
		}
	}
}

static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop;
	(void)revents;
	advance(w->data);
}

/* Logins that take too long fail; the teardown has a deadline too. */
static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct bench *b = w->data;
	double now = ev_now(loop);
	(void)revents;

	if (b->phase == PH_LOGIN) {
		for (unsigned i = 0; i < b->next_conn; i++) {
			struct conn *cn = &b->conns[i];
			if (now - cn->t_start < b->timeout)
				continue;
			for (unsigned k = 0; k < b->calls_per; k++)
				if (cn->ses[k].state == SES_LOGIN)
					ses_fail(&cn->ses[k], "timeout", NULL);
		}
	}
	if (b->phase == PH_TEARDOWN && b->closed_asked == b->nsessions &&
	    now - b->t_teardown > b->timeout + (b->teardown_rate > 0 ?
						 b->nsessions / b->teardown_rate : 0)) {
		printf("FAIL teardown: %u of %u sessions ended, %u of %u connections\n", b->done,
		       b->nsessions, b->conns_down, b->nconns);
		b->teardown_failed += b->nsessions - b->done;
		b->phase = PH_END;
		ev_break(loop, EVBREAK_ALL);
	}
}

static void phase_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	start_teardown(w->data);
}

/* ---- options ---- */

static void sessions_usage(FILE *f)
{
	fprintf(f,
		"usage: pptpbench sessions --server ADDR --user USER --password-stdin\n"
		"         --sessions N [--sources A[-B],...] [--calls-per-conn M] [--parallel P]\n"
		"         [--hold S] [--hold-cmd CMD] [--teardown-rate R] [--server-pid PID]\n"
		"         [--login-rate R] [--timeout S]\n"
		"  defaults: 1 call per connection, 64 logins in flight, logins as fast\n"
		"  as that allows (--login-rate R: R new logins a second at most, 0 =\n"
		"  unpaced), hold 5 s, teardown all at once, timeout 30 s; --sources\n"
		"  items are addresses or ranges (198.51.100.10-198.51.100.39), all\n"
		"  sharing one GRE socket\n");
}

static bool parse_num(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!s[0] || *end || errno || !(v >= min && v <= max))
		return false;
	*out = v;
	return true;
}

static bool parse_sources(struct bench *b, struct in_addr *src, char *list)
{
	char *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *dash = strchr(tok, '-');
		struct in_addr lo, hi;
		if (dash)
			*dash = '\0';
		if (inet_pton(AF_INET, tok, &lo) != 1)
			return false;
		hi = lo;
		if (dash && inet_pton(AF_INET, dash + 1, &hi) != 1)
			return false;
		if (ntohl(hi.s_addr) < ntohl(lo.s_addr))
			return false;
		for (uint32_t a = ntohl(lo.s_addr); a <= ntohl(hi.s_addr); a++) {
			if (b->nsrc == SES_MAX_SOURCES)
				return false;
			src[b->nsrc++].s_addr = htonl(a);
			if (a == UINT32_MAX)
				break;
		}
	}
	return b->nsrc > 0;
}

static int parse_args(struct bench *b, struct pptp_client_params *p, struct in_addr *src,
		      int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "sources", required_argument, NULL, 'S' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ "sessions", required_argument, NULL, 'n' },
		{ "calls-per-conn", required_argument, NULL, 'm' },
		{ "parallel", required_argument, NULL, 'j' },
		{ "hold", required_argument, NULL, 'H' },
		{ "teardown-rate", required_argument, NULL, 'r' },
		{ "login-rate", required_argument, NULL, 'R' },
		{ "server-pid", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "hold-cmd", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_server = false, pw_stdin = false;
	double v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:S:u:Pn:m:j:H:r:R:p:t:c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (inet_pton(AF_INET, optarg, &p->server) != 1)
				goto bad;
			have_server = true;
			break;
		case 'S':
			if (!parse_sources(b, src, optarg))
				goto bad;
			break;
		case 'u':
			b->env.pcfg.user = optarg;
			break;
		case 'P':
			pw_stdin = true;
			break;
		case 'n':
			if (!parse_num(optarg, 1, SES_MAX_SESSIONS, &v))
				goto bad;
			b->nsessions = (unsigned)v;
			break;
		case 'm':
			if (!parse_num(optarg, 1, 1024, &v))
				goto bad;
			b->calls_per = (unsigned)v;
			break;
		case 'j':
			if (!parse_num(optarg, 1, SES_MAX_SESSIONS, &v))
				goto bad;
			b->parallel = (unsigned)v;
			break;
		case 'H':
			if (!parse_num(optarg, 0, 86400, &b->hold))
				goto bad;
			break;
		case 'r':
			if (!parse_num(optarg, 0, 1e7, &b->teardown_rate))
				goto bad;
			break;
		case 'R':
			if (!parse_num(optarg, 0, 1e7, &b->login_rate))
				goto bad;
			break;
		case 'p':
			if (!parse_num(optarg, 1, 4194304, &v))
				goto bad;
			b->server_pid = (pid_t)v;
			break;
		case 't':
			if (!parse_num(optarg, 0.1, 3600, &b->timeout))
				goto bad;
			p->timeout = b->timeout;
			break;
		case 'c':
			b->hold_cmd = optarg;
			break;
		case 'h':
			sessions_usage(stdout);
			return 0;
		default:
			sessions_usage(stderr);
			return 2;
		}
	}
	if (!have_server || !b->env.pcfg.user || !pw_stdin || !b->nsessions || optind != argc) {
		sessions_usage(stderr);
		return 2;
	}
	if (b->nsessions % b->calls_per) {
		fprintf(stderr, "sessions: --sessions must be a multiple of --calls-per-conn\n");
		return 2;
	}
	if (b->parallel < b->calls_per)
		b->parallel = b->calls_per;
	if (!b->nsrc) {
		src[0].s_addr = htonl(INADDR_ANY);
		b->nsrc = 1;
	}
	return -1;
bad:
	fprintf(stderr, "sessions: bad value '%s'\n", optarg);
	sessions_usage(stderr);
	return 2;
}

/* One descriptor per control connection and the GRE socket: raise the
 * soft limit as far as the hard one allows. */
static void raise_nofile(unsigned need)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur >= need)
		return;
	r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max > need ? need : r.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &r) < 0 || r.rlim_cur < need)
		fprintf(stderr, "sessions: only %lu open files allowed, %u wanted\n",
			(unsigned long)r.rlim_cur, need);
}

/* The raw GRE sockets the clients use: their distinct endpoints. */
static unsigned gre_sockets(const struct bench *b)
{
	unsigned n = 0;

	for (unsigned s = 0; s < b->nsrc; s++) {
		struct pptp_gre *g = pptp_client_gre(b->clients[s]);
		unsigned k = 0;
		while (k < s && pptp_client_gre(b->clients[k]) != g)
			k++;
		n += k == s;
	}
	return n;
}

/* Packets the kernel refused (dropped, PPP retransmits) and packets for
 * no call of ours, over every client and the shared endpoint. */
static void report_gre(const struct bench *b)
{
	unsigned long long tx_err = 0, unknown = 0;

	for (unsigned s = 0; s < b->nsrc; s++) {
		const struct pptp_client_stats *st = pptp_client_stats(b->clients[s]);
		tx_err += st->gre_tx_errors;
		unknown += st->gre_unknown_call;
	}
	unknown += pptp_gre_stats(b->gre)->gre_unknown_call;
	printf("gre_tx_errors %llu\n", tx_err);
	printf("gre_unknown_call %llu\n", unknown);
}

static int run(struct bench *b, const struct pptp_client_params *base, const struct in_addr *src)
{
	b->nconns = b->nsessions / b->calls_per;
	b->conns = calloc(b->nconns, sizeof(*b->conns));
	b->ses = calloc(b->nsessions, sizeof(*b->ses));
	b->work = calloc(b->nsessions, sizeof(*b->work));
	b->setup_ms = calloc(b->nsessions, sizeof(*b->setup_ms));
	if (!b->conns || !b->ses || !b->work || !b->setup_ms) {
		fprintf(stderr, "sessions: out of memory\n");
		return -1;
	}
	b->gre = pptp_gre_new(b->loop);
	if (!b->gre) {
		printf("FAIL gre-socket: %s\n", strerror(errno));
		return -1;
	}
	for (unsigned s = 0; s < b->nsrc; s++) {
		struct pptp_client_params p = *base;
		p.local = src[s];
		p.gre = b->gre;
		b->clients[s] = pptp_client_new(b->loop, &p, &client_ops, b);
		if (!b->clients[s]) {
			printf("FAIL client %s: %s\n", inet_ntoa(src[s]), strerror(errno));
			return -1;
		}
	}
	printf("gre_sockets %u\n", gre_sockets(b));
	for (unsigned i = 0; i < b->nconns; i++) {
		struct conn *cn = &b->conns[i];
		cn->b = b;
		cn->cl = b->clients[i % b->nsrc];
		cn->ses = &b->ses[i * b->calls_per];
	}
	for (unsigned i = 0; i < b->nsessions; i++) {
		struct ses *s = &b->ses[i];
		bench_session_init(&s->bs, &b->env, &s->txq[0][0], s->txq_len);
		s->b = b;
		s->index = i;
		s->cn = &b->conns[i / b->calls_per];
	}
	b->rss_before_kb = server_rss_kb(b->server_pid);
	b->cpu_login0 = server_cpu_ticks(b->server_pid);
	b->self_cpu0 = self_cpu_s();
	ev_prepare_init(&b->prepare, prepare_cb);
	b->prepare.data = b;
	ev_prepare_start(b->loop, &b->prepare);
	ev_timer_init(&b->tick, tick_cb, 0.5, 0.5);
	b->tick.data = b;
	ev_timer_start(b->loop, &b->tick);
	ev_timer_init(&b->phase_timer, phase_cb, 0.0, 0.0);
	b->phase_timer.data = b;
	ev_timer_init(&b->pace, pace_cb, 0.0, 0.0);
	b->pace.data = b;
	ev_now_update(b->loop);
	b->t0 = ev_now(b->loop);
	ev_run(b->loop, 0);
	if (b->phase != PH_END)
		b->teardown_failed += b->nsessions - b->done;
	report_gre(b);
	printf("sessions total=%u up=%u failed=%u teardown_failed=%u\n", b->nsessions, b->up,
	       b->failed, b->teardown_failed);
	return 0;
}

int pptpbench_sessions(int argc, char **argv)
{
	struct pptp_client_params p;
	struct in_addr *src = calloc(SES_MAX_SOURCES, sizeof(*src));
	struct bench *b = calloc(1, sizeof(*b));
	char *password = NULL, err[256];
	int rc = 1;

	if (!b || !src) {
		fprintf(stderr, "sessions: out of memory\n");
		free(b);
		free(src);
		return 1;
	}
	b->timeout = 30;
	b->hold = 5;
	b->calls_per = 1;
	b->parallel = 64;
	bench_env_init(&b->env, NULL, &session_ops, SES_TXQ, SES_TXQ_FRAME);
	pptp_client_params_default(&p);
	p.timeout = b->timeout;
	int r = parse_args(b, &p, src, argc, argv);
	if (r >= 0) {
		free(b);
		free(src);
		return r;
	}
	if (!(password = bench_read_password())) {
		fprintf(stderr, "sessions: no password on stdin\n");
		free(b);
		free(src);
		return 2;
	}
	b->env.pcfg.password = password;
	if (!crypto_init(err, sizeof(err))) {
		fprintf(stderr, "sessions: %s\n", err);
		goto out;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	log_init("pptpbench", LOG_LVL_WARN);
	raise_nofile(b->nsessions / b->calls_per + b->nsrc + 64);
	b->loop = b->env.loop = ev_loop_new(EVFLAG_AUTO);
	if (!b->loop) {
		fprintf(stderr, "sessions: no event loop\n");
		goto out_crypto;
	}
	if (run(b, &p, src) == 0)
		rc = b->phase == PH_END && b->up == b->nsessions && !b->teardown_failed ? 0 : 1;
	if (b->env.oversize_frames)
		printf("note: %lu frames larger than %d bytes were not queued\n",
		       b->env.oversize_frames, SES_TXQ_FRAME);
	ev_prepare_stop(b->loop, &b->prepare);
	ev_timer_stop(b->loop, &b->tick);
	ev_timer_stop(b->loop, &b->phase_timer);
	ev_timer_stop(b->loop, &b->pace);
	for (unsigned s = 0; s < b->nsrc; s++)
		if (b->clients[s])
			pptp_client_free(b->clients[s]);
	pptp_gre_free(b->gre);
	for (unsigned i = 0; b->ses && i < b->nsessions; i++)
		bench_session_release(&b->ses[i].bs);
	ev_loop_destroy(b->loop);
out_crypto:
	crypto_shutdown();
out:
	explicit_bzero(password, strlen(password));
	free(password);
	free(b->conns);
	free(b->ses);
	free(b->work);
	free(b->setup_ms);
	free(b);
	free(src);
	return rc;
}
