/*
 * pptpbench probe: one control connection, one call, one GRE frame and its
 * echo, then the call cleared and the connection stopped, each step printed
 * with the time since the start ("call-reply 1.2 ms result=1 ..."). Exit 0
 * when every step succeeded, 1 with "FAIL step: why" otherwise. A missing
 * GRE reply is reported but fails only with --expect-echo.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/pptp_msg.h"
#include "common/ppp/ppp_defs.h"
#include "tools/pptp_client.h"
#include "tools/pptpbench.h"

struct probe {
	struct ev_loop *loop;
	struct pptp_client *cl;
	struct pptp_call *call;
	double t0;
	bool expect_echo;
	bool failed;
	const char *step;
	ev_timer echo_timer;
	uint8_t frame[64];
};

static double elapsed_ms(const struct probe *pr)
{
	return (ev_now(pr->loop) - pr->t0) * 1000.0;
}

static void probe_fail(struct probe *pr, const char *why)
{
	if (pr->failed)
		return;
	pr->failed = true;
	printf("FAIL %s: %s\n", pr->step, why);
	ev_break(pr->loop, EVBREAK_ALL);
}

static void probe_tcp_up(struct pptp_ctrl *c)
{
	struct probe *pr = pptp_client_user(pptp_ctrl_client(c));
	printf("tcp-connect %.1f ms\n", elapsed_ms(pr));
	pr->step = "start-reply";
}

static void probe_ctrl_up(struct pptp_ctrl *c)
{
	struct probe *pr = pptp_client_user(pptp_ctrl_client(c));
	printf("start-reply %.1f ms result=%u host=%s vendor=%s\n", elapsed_ms(pr),
	       pptp_ctrl_result(c), LOG_ESC(pptp_ctrl_peer_host(c)),
	       LOG_ESC(pptp_ctrl_peer_vendor(c)));
	pr->step = "call-reply";
	pr->call = pptp_call_place(c, pr);
	if (!pr->call)
		probe_fail(pr, strerror(errno));
}

static void probe_clear(struct probe *pr)
{
	pr->step = "call-clear";
	pptp_call_clear(pr->call);
}

static void probe_echo_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct probe *pr = w->data;
	(void)loop;
	(void)revents;
	if (pr->expect_echo) {
		probe_fail(pr, "no GRE reply");
		return;
	}
	printf("gre-echo %.1f ms no GRE reply\n", elapsed_ms(pr));
	probe_clear(pr);
}

static void probe_call_up(struct pptp_call *call)
{
	struct probe *pr = pptp_call_user(call);
	printf("call-reply %.1f ms result=%u call-id=%u peer-call-id=%u window=%u\n",
	       elapsed_ms(pr), pptp_call_result(call), pptp_call_id(call),
	       pptp_call_peer_id(call), pptp_call_peer_window(call));
	pr->step = "gre-echo";
	if (pptp_call_send(call, pr->frame, sizeof(pr->frame)) < 0) {
		probe_fail(pr, strerror(errno));
		return;
	}
	ev_timer_start(pr->loop, &pr->echo_timer);
}

static void probe_frame(struct pptp_call *call, const uint8_t *data, size_t len)
{
	struct probe *pr = pptp_call_user(call);
	bool same = len == sizeof(pr->frame) && memcmp(data, pr->frame, len) == 0;
	if (strcmp(pr->step, "gre-echo") != 0)
		return;
	ev_timer_stop(pr->loop, &pr->echo_timer);
	printf("gre-echo %.1f ms len=%zu same=%s\n", elapsed_ms(pr), len, same ? "yes" : "no");
	if (pr->expect_echo && !same) {
		probe_fail(pr, "GRE reply differs from the frame sent");
		return;
	}
	probe_clear(pr);
}

static void probe_call_down(struct pptp_call *call, enum pptp_down_reason reason)
{
	struct probe *pr = pptp_call_user(call);
	char why[64];
	ev_timer_stop(pr->loop, &pr->echo_timer);
	pr->call = NULL;
	if (reason != PPTP_DOWN_LOCAL || strcmp(pr->step, "call-clear") != 0) {
		snprintf(why, sizeof(why), "call down: %s result=%u", pptp_down_reason_name(reason),
			 pptp_call_result(call));
		probe_fail(pr, why);
		return;
	}
	printf("call-clear %.1f ms result=%u\n", elapsed_ms(pr), pptp_call_result(call));
	pr->step = "stop";
	pptp_ctrl_close(pptp_call_ctrl(call));
}

static void probe_ctrl_down(struct pptp_ctrl *c, enum pptp_down_reason reason)
{
	struct probe *pr = pptp_client_user(pptp_ctrl_client(c));
	char why[64];
	if (reason != PPTP_DOWN_LOCAL || strcmp(pr->step, "stop") != 0) {
		snprintf(why, sizeof(why), "control connection down: %s result=%u",
			 pptp_down_reason_name(reason), pptp_ctrl_result(c));
		probe_fail(pr, why);
		return;
	}
	printf("stop %.1f ms\n", elapsed_ms(pr));
	ev_break(pr->loop, EVBREAK_ALL);
}

static const struct pptp_client_ops probe_ops = {
	.on_tcp_up = probe_tcp_up,
	.on_ctrl_up = probe_ctrl_up,
	.on_call_up = probe_call_up,
	.on_frame = probe_frame,
	.on_call_down = probe_call_down,
	.on_ctrl_down = probe_ctrl_down,
};

static void probe_usage(FILE *f)
{
	fprintf(f, "usage: pptpbench probe --server ADDR [--bind ADDR] [--timeout S] [--expect-echo]\n");
}

int pptpbench_probe(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "bind", required_argument, NULL, 'b' },
		{ "timeout", required_argument, NULL, 't' },
		{ "expect-echo", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pptp_client_params p;
	struct probe pr;
	bool have_server = false;
	int opt;

	memset(&pr, 0, sizeof(pr));
	pptp_client_params_default(&p);
	while ((opt = getopt_long(argc, argv, "s:b:t:eh", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (inet_pton(AF_INET, optarg, &p.server) != 1) {
				fprintf(stderr, "probe: bad --server '%s'\n", optarg);
				return 2;
			}
			have_server = true;
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &p.local) != 1) {
				fprintf(stderr, "probe: bad --bind '%s'\n", optarg);
				return 2;
			}
			break;
		case 't': {
			char *end;
			p.timeout = strtod(optarg, &end);
			if (*end || !(p.timeout > 0 && p.timeout <= 3600)) {
				fprintf(stderr, "probe: bad --timeout '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'e':
			pr.expect_echo = true;
			break;
		case 'h':
			probe_usage(stdout);
			return 0;
		default:
			probe_usage(stderr);
			return 2;
		}
	}
	if (!have_server || optind != argc) {
		probe_usage(stderr);
		return 2;
	}

	/* A PPP frame: address, control, protocol IPv4, then a pattern. */
	pr.frame[0] = PPP_ALLSTATIONS;
	pr.frame[1] = PPP_UI;
	pr.frame[2] = PPP_PROTO_IP >> 8;
	pr.frame[3] = PPP_PROTO_IP & 0xFF;
	for (size_t i = 4; i < sizeof(pr.frame); i++)
		pr.frame[i] = (uint8_t)(i * 7 + 1);

	pr.loop = ev_loop_new(EVFLAG_AUTO);
	if (!pr.loop) {
		fprintf(stderr, "probe: no event loop\n");
		return 1;
	}
	ev_timer_init(&pr.echo_timer, probe_echo_timeout, p.timeout, 0.0);
	pr.echo_timer.data = &pr;
	pr.step = "gre-socket";
	pr.cl = pptp_client_new(pr.loop, &p, &probe_ops, &pr);
	if (!pr.cl) {
		printf("FAIL gre-socket: %s\n", strerror(errno));
		ev_loop_destroy(pr.loop);
		return 1;
	}
	ev_now_update(pr.loop);
	pr.t0 = ev_now(pr.loop);
	pr.step = "tcp-connect";
	if (!pptp_ctrl_open(pr.cl, &pr))
		probe_fail(&pr, strerror(errno));
	else
		ev_run(pr.loop, 0);
	ev_timer_stop(pr.loop, &pr.echo_timer);
	pptp_client_free(pr.cl);
	ev_loop_destroy(pr.loop);
	return pr.failed ? 1 : 0;
}
