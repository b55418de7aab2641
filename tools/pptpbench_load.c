/*
 * pptpbench load: N control connections spread round-robin over the local
 * source addresses (one pptp_client per address, all on one shared GRE
 * endpoint: one raw socket, sends batched; tools/pptp_client.h), M
 * calls on each, K frames per call against a server that echoes every
 * frame (pptpd --echo-frames). Each frame carries a per-run tag, its call
 * index and its frame index, so the tool can tell that every call got its
 * own frames back and none of another call's.
 *
 * Phases: connect and place every call; send frames while the peer's
 * window allows (re-tried before the loop blocks and on a 5 ms tick);
 * once every call has all its frames back, or --timeout seconds after the
 * last call came up, clear every call and then stop every connection.
 * Prints the figures and exits 1 if a connection or call failed, a frame
 * was misrouted or corrupted, or more than --max-loss frames (default 0)
 * were lost.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "tools/pptp_client.h"
#include "tools/pptpbench.h"

#define MAX_SOURCES 64
#define FRAME_HDR   20   /* ff 03 00 21, magic, tag, call, frame */
#define LOAD_MAGIC  0x50424C44u  /* "PBLD" */

struct load;

struct load_call {
	struct load *ld;
	struct load_conn *conn;
	struct pptp_call *call;
	uint32_t index;
	uint32_t sent, received;
	bool up, down, failed;
	uint8_t *seen;          /* one byte per frame index */
};

struct load_conn {
	struct load *ld;
	struct pptp_ctrl *ctrl;
	struct load_call *calls;  /* M */
	unsigned calls_open;      /* placed and not down yet */
	bool up, down, closing;
};

struct load {
	struct ev_loop *loop;
	unsigned nsrc, nconns, ncalls_per, nframes, frame_size;
	unsigned long max_loss;
	double timeout;
	uint32_t tag;
	struct pptp_gre *gre;     /* shared by every client */
	struct pptp_client *clients[MAX_SOURCES];
	struct load_conn *conns;
	struct load_call *calls;
	unsigned conns_up, conns_down, conn_failures;
	unsigned calls_up, calls_settled, call_failures, calls_complete;
	uint64_t frames_sent, frames_received, misrouted, duplicates, corrupt, send_drops;
	double t0, t_ctrls_up, t_calls_up, t_first_tx, t_last_rx;
	bool tearing_down, hard_timeout;
	ev_prepare pump;
	ev_timer tick, phase;
	uint8_t *frame;
};

static void load_teardown(struct load *ld);

static double since(const struct load *ld, double t)
{
	return (t - ld->t0) * 1000.0;
}

static void conn_maybe_close(struct load_conn *cn)
{
	if (cn->closing && cn->calls_open == 0 && !cn->down && cn->ctrl)
		pptp_ctrl_close(cn->ctrl);
}

static void check_settled(struct load *ld)
{
	if (ld->calls_settled == ld->nconns * ld->ncalls_per && ld->t_calls_up == 0) {
		ld->t_calls_up = ev_now(ld->loop);
		/* From now on the frames have --timeout seconds to come back. */
		ev_timer_stop(ld->loop, &ld->phase);
		ev_timer_set(&ld->phase, ld->timeout, 0.0);
		ev_timer_start(ld->loop, &ld->phase);
	}
	if (!ld->tearing_down && ld->t_calls_up != 0 &&
	    ld->calls_complete + ld->call_failures >= ld->calls_settled)
		load_teardown(ld);
}

static void build_frame(struct load *ld, struct load_call *lc, uint32_t fi)
{
	struct wbuf w;
	wbuf_init(&w, ld->frame, ld->frame_size);
	wbuf_be32(&w, 0xFF030021u);
	wbuf_be32(&w, LOAD_MAGIC);
	wbuf_be32(&w, ld->tag);
	wbuf_be32(&w, lc->index);
	wbuf_be32(&w, fi);
	for (size_t i = FRAME_HDR; i < ld->frame_size; i++)
		wbuf_u8(&w, (uint8_t)(ld->tag + lc->index * 3 + fi * 5 + i));
}

static void pump_call(struct load *ld, struct load_call *lc)
{
	while (lc->up && !lc->down && lc->sent < ld->nframes && pptp_call_can_send(lc->call)) {
		build_frame(ld, lc, lc->sent);
		if (pptp_call_send(lc->call, ld->frame, ld->frame_size) < 0) {
			ld->send_drops++;
			break;
		}
		if (ld->frames_sent == 0)
			ld->t_first_tx = ev_now(ld->loop);
		lc->sent++;
		ld->frames_sent++;
	}
}

static void pump_all(struct load *ld)
{
	if (ld->tearing_down)
		return;
	for (unsigned i = 0; i < ld->nconns * ld->ncalls_per; i++)
		pump_call(ld, &ld->calls[i]);
}

static void pump_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop;
	(void)revents;
	pump_all(w->data);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	pump_all(w->data);
}

static void phase_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct load *ld = w->data;
	(void)revents;
	if (!ld->tearing_down) {
		load_teardown(ld);
		return;
	}
	/* The teardown itself did not finish in time. */
	ld->hard_timeout = true;
	ev_break(loop, EVBREAK_ALL);
}

static void load_teardown(struct load *ld)
{
	ld->tearing_down = true;
	ev_timer_stop(ld->loop, &ld->tick);
	ev_timer_stop(ld->loop, &ld->phase);
	ev_timer_set(&ld->phase, ld->timeout * 3 + 1, 0.0);
	ev_timer_start(ld->loop, &ld->phase);
	for (unsigned i = 0; i < ld->nconns; i++) {
		struct load_conn *cn = &ld->conns[i];
		if (cn->down)
			continue;
		cn->closing = true;
		for (unsigned j = 0; j < ld->ncalls_per; j++) {
			struct load_call *lc = &cn->calls[j];
			if (lc->call && !lc->down)
				pptp_call_clear(lc->call);
		}
		if (!cn->up)
			continue;  /* still connecting: closed when it comes up or fails */
		conn_maybe_close(cn);
	}
}

static void on_ctrl_up(struct pptp_ctrl *c)
{
	struct load_conn *cn = pptp_ctrl_user(c);
	struct load *ld = cn->ld;
	cn->up = true;
	if (++ld->conns_up == ld->nconns)
		ld->t_ctrls_up = ev_now(ld->loop);
	if (ld->tearing_down) {
		conn_maybe_close(cn);
		return;
	}
	for (unsigned j = 0; j < ld->ncalls_per && !cn->down; j++) {
		struct load_call *lc = &cn->calls[j];
		lc->call = pptp_call_place(c, lc);
		if (lc->call) {
			cn->calls_open++;
		} else if (!lc->down) {
			lc->failed = true;
			ld->call_failures++;
			ld->calls_settled++;
		}
	}
	check_settled(ld);
}

static void on_call_up(struct pptp_call *call)
{
	struct load_call *lc = pptp_call_user(call);
	struct load *ld = lc->ld;
	lc->up = true;
	ld->calls_up++;
	ld->calls_settled++;
	if (ld->nframes == 0)
		ld->calls_complete++;
	pump_call(ld, lc);
	check_settled(ld);
}

static void on_frame(struct pptp_call *call, const uint8_t *data, size_t len)
{
	struct load_call *lc = pptp_call_user(call);
	struct load *ld = lc->ld;
	struct rbuf r;
	uint32_t hdr, magic, tag, ci, fi;

	rbuf_init(&r, data, len);
	rbuf_be32(&r, &hdr);
	rbuf_be32(&r, &magic);
	rbuf_be32(&r, &tag);
	rbuf_be32(&r, &ci);
	rbuf_be32(&r, &fi);
	if (!rbuf_ok(&r) || len != ld->frame_size || hdr != 0xFF030021u || magic != LOAD_MAGIC ||
	    tag != ld->tag || fi >= ld->nframes) {
		ld->corrupt++;
		return;
	}
	if (ci != lc->index) {
		ld->misrouted++;
		return;
	}
	for (size_t i = FRAME_HDR; i < len; i++)
		if (data[i] != (uint8_t)(ld->tag + ci * 3 + fi * 5 + i)) {
			ld->corrupt++;
			return;
		}
	if (lc->seen[fi]) {
		ld->duplicates++;
		return;
	}
	lc->seen[fi] = 1;
	lc->received++;
	ld->frames_received++;
	ld->t_last_rx = ev_now(ld->loop);
	if (lc->received == ld->nframes) {
		ld->calls_complete++;
		check_settled(ld);
	}
}

static void on_call_down(struct pptp_call *call, enum pptp_down_reason reason)
{
	struct load_call *lc = pptp_call_user(call);
	struct load *ld = lc->ld;
	struct load_conn *cn = lc->conn;
	bool was_up = lc->up;

	lc->down = true;
	lc->call = NULL;
	cn->calls_open--;
	if (!was_up)
		ld->calls_settled++;
	if (reason != PPTP_DOWN_LOCAL || !ld->tearing_down) {
		fprintf(stderr, "load: call %u down: %s result=%u\n", lc->index,
			pptp_down_reason_name(reason), pptp_call_result(call));
		lc->failed = true;
		ld->call_failures++;
		if (lc->received == ld->nframes)
			ld->calls_complete--;  /* counted as failed instead */
	}
	if (!ld->tearing_down)
		check_settled(ld);
	conn_maybe_close(cn);
}

static void on_ctrl_down(struct pptp_ctrl *c, enum pptp_down_reason reason)
{
	struct load_conn *cn = pptp_ctrl_user(c);
	struct load *ld = cn->ld;
	cn->down = true;
	cn->ctrl = NULL;
	ld->conns_down++;
	if (reason != PPTP_DOWN_LOCAL || !ld->tearing_down) {
		fprintf(stderr, "load: connection %u down: %s result=%u\n",
			(unsigned)(cn - ld->conns), pptp_down_reason_name(reason),
			pptp_ctrl_result(c));
		ld->conn_failures++;
		/* Calls never placed on it will never settle. */
		if (!cn->up) {
			ld->calls_settled += ld->ncalls_per;
			ld->call_failures += ld->ncalls_per;
		}
	}
	if (!ld->tearing_down)
		check_settled(ld);
	if (ld->conns_down == ld->nconns)
		ev_break(ld->loop, EVBREAK_ALL);
}

static const struct pptp_client_ops load_ops = {
	.on_ctrl_up = on_ctrl_up,
	.on_call_up = on_call_up,
	.on_frame = on_frame,
	.on_call_down = on_call_down,
	.on_ctrl_down = on_ctrl_down,
};

static bool parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;
	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static void load_usage(FILE *f)
{
	fprintf(f, "usage: pptpbench load --server ADDR [--sources A,B,...] [--conns N]\n"
		   "         [--calls-per-conn M] [--frames K] [--frame-size B] [--timeout S]\n"
		   "         [--max-loss N]\n"
		   "  defaults: 1 connection, 1 call, 10 frames of 100 bytes, 5 s, max-loss 0\n");
}

static int parse_sources(struct in_addr *src, unsigned *n, char *list)
{
	char *save = NULL;
	*n = 0;
	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n == MAX_SOURCES || inet_pton(AF_INET, tok, &src[*n]) != 1)
			return -1;
		(*n)++;
	}
	return *n ? 0 : -1;
}

static int load_run(struct load *ld, const struct pptp_client_params *base,
		    const struct in_addr *src)
{
	unsigned total = ld->nconns * ld->ncalls_per;
	bool ok;
	uint64_t expected, lost;
	double xfer;

	ld->conns = calloc(ld->nconns, sizeof(*ld->conns));
	ld->calls = calloc(total, sizeof(*ld->calls));
	ld->frame = malloc(ld->frame_size);
	if (!ld->conns || !ld->calls || !ld->frame)
		return -1;
	for (unsigned i = 0; i < total; i++) {
		ld->calls[i].ld = ld;
		ld->calls[i].index = i;
		ld->calls[i].conn = &ld->conns[i / ld->ncalls_per];
		ld->calls[i].seen = calloc(ld->nframes, 1);
		if (!ld->calls[i].seen)
			return -1;
	}
	ld->gre = pptp_gre_new(ld->loop);
	if (!ld->gre) {
		fprintf(stderr, "load: GRE socket: %s\n", strerror(errno));
		return -1;
	}
	for (unsigned s = 0; s < ld->nsrc; s++) {
		struct pptp_client_params p = *base;
		p.local = src[s];
		p.gre = ld->gre;
		ld->clients[s] = pptp_client_new(ld->loop, &p, &load_ops, ld);
		if (!ld->clients[s]) {
			fprintf(stderr, "load: client on %s: %s\n", inet_ntoa(src[s]),
				strerror(errno));
			return -1;
		}
	}

	ev_prepare_init(&ld->pump, pump_cb);
	ld->pump.data = ld;
	ev_prepare_start(ld->loop, &ld->pump);
	ev_timer_init(&ld->tick, tick_cb, 0.005, 0.005);
	ld->tick.data = ld;
	ev_timer_start(ld->loop, &ld->tick);
	/* Until every call is settled: each step has its own time-out, this
	 * one only guards against a tool bug. */
	ev_timer_init(&ld->phase, phase_cb, ld->timeout * 3 + 1, 0.0);
	ld->phase.data = ld;
	ev_timer_start(ld->loop, &ld->phase);

	ev_now_update(ld->loop);
	ld->t0 = ev_now(ld->loop);
	for (unsigned i = 0; i < ld->nconns; i++) {
		struct load_conn *cn = &ld->conns[i];
		cn->ld = ld;
		cn->calls = &ld->calls[i * ld->ncalls_per];
		cn->ctrl = pptp_ctrl_open(ld->clients[i % ld->nsrc], cn);
		if (!cn->ctrl) {
			fprintf(stderr, "load: connection %u: %s\n", i, strerror(errno));
			cn->down = true;
			ld->conns_down++;
			ld->conn_failures++;
			ld->calls_settled += ld->ncalls_per;
			ld->call_failures += ld->ncalls_per;
		}
	}
	check_settled(ld);
	if (ld->conns_down < ld->nconns)
		ev_run(ld->loop, 0);
	ev_prepare_stop(ld->loop, &ld->pump);
	ev_timer_stop(ld->loop, &ld->tick);
	ev_timer_stop(ld->loop, &ld->phase);

	expected = (uint64_t)ld->nframes * ld->calls_up;
	lost = expected > ld->frames_received ? expected - ld->frames_received : 0;
	xfer = ld->t_last_rx > ld->t_first_tx ? ld->t_last_rx - ld->t_first_tx : 0;
	printf("load conns=%u conns-up=%u conn-failures=%u calls=%u calls-up=%u call-failures=%u\n",
	       ld->nconns, ld->conns_up, ld->conn_failures, total, ld->calls_up,
	       ld->call_failures);
	printf("frames sent=%llu received=%llu misrouted=%llu lost=%llu duplicate=%llu "
	       "corrupt=%llu window-drops=%llu max-loss=%lu\n",
	       (unsigned long long)ld->frames_sent, (unsigned long long)ld->frames_received,
	       (unsigned long long)ld->misrouted, (unsigned long long)lost,
	       (unsigned long long)ld->duplicates, (unsigned long long)ld->corrupt,
	       (unsigned long long)ld->send_drops, ld->max_loss);
	printf("time ctrl-setup-ms=%.1f call-setup-ms=%.1f transfer-ms=%.1f frames-per-s=%.0f\n",
	       ld->t_ctrls_up ? since(ld, ld->t_ctrls_up) : -1.0,
	       ld->t_calls_up ? since(ld, ld->t_calls_up) : -1.0, xfer * 1000.0,
	       xfer > 0 ? (double)ld->frames_received / xfer : 0.0);
	for (unsigned s = 0; s < ld->nsrc; s++) {
		const struct pptp_client_stats *st = pptp_client_stats(ld->clients[s]);
		printf("gre source=%s rx=%llu bad=%llu wrong-src=%llu unknown-call=%llu tx=%llu "
		       "tx-errors=%llu\n", inet_ntoa(src[s]),
		       (unsigned long long)st->gre_rx, (unsigned long long)st->gre_bad,
		       (unsigned long long)st->gre_wrong_src,
		       (unsigned long long)st->gre_unknown_call, (unsigned long long)st->gre_tx,
		       (unsigned long long)st->gre_tx_errors);
	}
	{
		/* What named none of the clients (another local address's
		 * GRE, late packets of calls gone). */
		const struct pptp_client_stats *st = pptp_gre_stats(ld->gre);
		printf("gre shared rx=%llu bad=%llu unknown-call=%llu\n",
		       (unsigned long long)st->gre_rx, (unsigned long long)st->gre_bad,
		       (unsigned long long)st->gre_unknown_call);
	}
	ok = ld->conn_failures == 0 && ld->call_failures == 0 && ld->conns_up == ld->nconns &&
	     ld->calls_up == total && ld->misrouted == 0 && ld->corrupt == 0 &&
	     lost <= ld->max_loss && !ld->hard_timeout;
	printf("result=%s%s\n", ok ? "ok" : "FAIL", ld->hard_timeout ? " (teardown timed out)" : "");
	return ok ? 0 : 1;
}

int pptpbench_load(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "sources", required_argument, NULL, 'S' },
		{ "conns", required_argument, NULL, 'n' },
		{ "calls-per-conn", required_argument, NULL, 'm' },
		{ "frames", required_argument, NULL, 'k' },
		{ "frame-size", required_argument, NULL, 'B' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-loss", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pptp_client_params p;
	struct in_addr src[MAX_SOURCES];
	struct load ld;
	bool have_server = false;
	unsigned long v;
	int opt, rc;
	struct timespec ts;

	memset(&ld, 0, sizeof(ld));
	pptp_client_params_default(&p);
	ld.nsrc = 1;
	src[0].s_addr = htonl(INADDR_ANY);
	ld.nconns = 1;
	ld.ncalls_per = 1;
	ld.nframes = 10;
	ld.frame_size = 100;
	ld.timeout = 5.0;
	while ((opt = getopt_long(argc, argv, "s:S:n:m:k:B:t:l:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (inet_pton(AF_INET, optarg, &p.server) != 1)
				goto bad;
			have_server = true;
			break;
		case 'S':
			if (parse_sources(src, &ld.nsrc, optarg) < 0)
				goto bad;
			break;
		case 'n':
			if (!parse_uint(optarg, 1, 60000, &v))
				goto bad;
			ld.nconns = (unsigned)v;
			break;
		case 'm':
			if (!parse_uint(optarg, 1, 1000, &v))
				goto bad;
			ld.ncalls_per = (unsigned)v;
			break;
		case 'k':
			if (!parse_uint(optarg, 0, 1000000, &v))
				goto bad;
			ld.nframes = (unsigned)v;
			break;
		case 'B':
			if (!parse_uint(optarg, FRAME_HDR, PPTP_CLIENT_MAX_FRAME, &v))
				goto bad;
			ld.frame_size = (unsigned)v;
			break;
		case 't': {
			char *end;
			ld.timeout = strtod(optarg, &end);
			if (*end || !(ld.timeout > 0 && ld.timeout <= 3600))
				goto bad;
			break;
		}
		case 'l':
			if (!parse_uint(optarg, 0, ULONG_MAX, &v))
				goto bad;
			ld.max_loss = v;
			break;
		case 'h':
			load_usage(stdout);
			return 0;
		default:
			load_usage(stderr);
			return 2;
		}
	}
	if (!have_server || optind != argc || (unsigned long)ld.nconns * ld.ncalls_per > 60000) {
		load_usage(stderr);
		return 2;
	}
	p.timeout = ld.timeout;
	clock_gettime(CLOCK_REALTIME, &ts);
	ld.tag = (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec ^ ((uint32_t)getpid() << 16);

	ld.loop = ev_loop_new(EVFLAG_AUTO);
	if (!ld.loop)
		return 1;
	rc = load_run(&ld, &p, src);
	if (rc < 0)
		rc = 1;
	for (unsigned s = 0; s < ld.nsrc; s++)
		pptp_client_free(ld.clients[s]);
	pptp_gre_free(ld.gre);
	if (ld.calls)
		for (unsigned i = 0; i < ld.nconns * ld.ncalls_per; i++)
			free(ld.calls[i].seen);
	free(ld.calls);
	free(ld.conns);
	free(ld.frame);
	ev_loop_destroy(ld.loop);
	return rc;
bad:
	fprintf(stderr, "load: bad value for option '%s': '%s'\n", argv[optind - 1], optarg);
	load_usage(stderr);
	return 2;
}
