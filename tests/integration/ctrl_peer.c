/*
 * ctrl_peer: a scriptable raw PPTP peer for the integration tests. It sends
 * crafted control messages over TCP and GRE packets over a raw socket and
 * asserts what comes back. Plain blocking sockets with time-outs.
 *
 *   ctrl_peer SERVER_ADDR STEP [STEP...]
 *
 * Each STEP is a word, optionally followed by key=value words that belong
 * to it. A number may be written @NAME for a value saved before with
 * save=NAME. Steps stop at the first failure (exit 1, "FAIL: step N ...").
 *
 * Control connections (the current one is used by every step):
 *   open                   connect to SERVER_ADDR:1723 (becomes current)
 *   use n=I                make connection I (0-based, opening order) current
 *   start [version=V] [host=H] [vendor=S]   Start-Control-Connection-Request
 *   expect-start result=R  Start-Control-Connection-Reply (checks version,
 *                          caps, vendor when R=1)
 *   echo id=I / expect-echo-reply id=I [result=R]
 *   expect-echo-request [answer=1] [timeout=S]   and optionally reply
 *   ocrq peer-call=N [window=W] [speed=B]        Outgoing-Call-Request
 *   expect-ocrp result=R peer-call=N [window=W] [speed=B] [save=NAME]
 *   icrq peer-call=N / expect-icrp result=R peer-call=N [save=NAME]
 *   iccn call=N [window=W]                       Incoming-Call-Connected
 *   ccrq peer-call=N / expect-cdn call=N result=R
 *   cdn peer-call=N                              Call-Disconnect-Notify
 *   sli call=N / wen call=N
 *   stop [reason=R] / expect-stop-reply
 *   expect-stop-request reason=R [reply=1]
 *   expect type=T [result=R]   next message of type T (a number)
 *   raw hex=HEX            send bytes as given
 *   bytewise on|off        send each later message one byte per write
 *   batch on|off           collect later messages; `batch off` writes them
 *                          in one write
 *   expect-closed [timeout=S]  the server closes (EOF or reset); messages
 *                          arriving first are skipped
 *   expect-silence [secs=S]    nothing arrives for S seconds, still open
 *   reset / close          close with SO_LINGER 0 (RST) / normally
 *   sleep secs=S
 *   hold-open n=N secs=S   N more TCP connections (outside the numbered
 *                          ones), opened without waiting for the server to
 *                          accept them, silent for S seconds, then closed;
 *                          prints how many connected
 * GRE (one raw socket, opened on first use):
 *   gre-send call=N seq=S [ack=A] data=TEXT [src=ADDR] [count=K]
 *            [hex=HEX] [calls=M]
 *                          K packets, seq S.., payload TEXT (K>1: TEXT-i),
 *                          or the bytes HEX in each; to each of the M call
 *                          IDs N, N+1, ... (0 skipped), K packets apiece
 *   gre-expect call=N data=TEXT [seq=S] [ack=A] [count=K]
 *                          next K data packets keyed N carry TEXT (TEXT-i);
 *                          seq increases by one; ack-only packets skipped
 *   gre-expect-ack call=N ack=A [timeout=S]  an ack-only packet with ack A
 *   gre-expect-none [secs=S]   no GRE packet at all for S seconds
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/gre.h"
#include "common/pptp_msg.h"
#include "common/serial.h"

#define MAX_CONNS 16
#define MAX_VARS  32
#define MAX_ARGS  16
#define DEFAULT_TIMEOUT 5.0

struct conn {
	int fd;
	uint8_t in[4096];
	size_t in_len;
};

struct var {
	char name[32];
	unsigned long value;
};

struct peer {
	struct in_addr server;
	struct conn conns[MAX_CONNS];
	int nconns;
	int cur;
	int gre_fd;
	bool bytewise;
	bool batching;
	uint8_t batch[8192];
	size_t batch_len;
	struct var vars[MAX_VARS];
	int nvars;
	int step;
	const char *step_name;
	/* the current step's key=value words */
	const char *key[MAX_ARGS];
	const char *val[MAX_ARGS];
	int nargs;
};

static struct peer P = { .gre_fd = -1, .cur = -1 };

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void fail(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "FAIL: step %d (%s): ", P.step, P.step_name ? P.step_name : "?");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- arguments ---- */

static const char *arg(const char *k)
{
	for (int i = 0; i < P.nargs; i++)
		if (strcmp(P.key[i], k) == 0)
			return P.val[i];
	return NULL;
}

static unsigned long parse_num(const char *k, const char *v)
{
	if (v[0] == '@') {
		for (int i = 0; i < P.nvars; i++)
			if (strcmp(P.vars[i].name, v + 1) == 0)
				return P.vars[i].value;
		fail("%s: no saved value '%s'", k, v + 1);
	}
	char *end;
	errno = 0;
	unsigned long n = strtoul(v, &end, 0);
	if (errno || !*v || *end)
		fail("%s: '%s' is not a number", k, v);
	return n;
}

static unsigned long num(const char *k)
{
	const char *v = arg(k);
	if (!v)
		fail("missing %s=", k);
	return parse_num(k, v);
}

static unsigned long num_or(const char *k, unsigned long def)
{
	const char *v = arg(k);
	return v ? parse_num(k, v) : def;
}

static bool has(const char *k)
{
	return arg(k) != NULL;
}

static double secs_or(const char *k, double def)
{
	const char *v = arg(k);
	return v ? strtod(v, NULL) : def;
}

static void save(const char *name, unsigned long value)
{
	if (!name)
		return;
	if (P.nvars >= MAX_VARS)
		fail("too many saved values");
	snprintf(P.vars[P.nvars].name, sizeof(P.vars[P.nvars].name), "%s", name);
	P.vars[P.nvars++].value = value;
	printf("saved %s=%lu\n", name, value);
}

/* ---- control connection ---- */

static struct conn *cur(void)
{
	if (P.cur < 0)
		fail("no connection open");
	return &P.conns[P.cur];
}

static void write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			fail("send: %s", strerror(errno));
		}
		p += w;
		n -= (size_t)w;
	}
}

static void send_bytes(const uint8_t *p, size_t n)
{
	struct conn *c = cur();

	if (P.batching) {
		if (n > sizeof(P.batch) - P.batch_len)
			fail("batch full");
		memcpy(P.batch + P.batch_len, p, n);
		P.batch_len += n;
		return;
	}
	if (P.bytewise) {
		for (size_t i = 0; i < n; i++) {
			write_all(c->fd, p + i, 1);
			usleep(2000);
		}
		return;
	}
	write_all(c->fd, p, n);
}

static void send_msg(const struct pptp_msg *m)
{
	uint8_t buf[PPTP_MAX_MSG_LEN];
	struct wbuf w;

	wbuf_init(&w, buf, sizeof(buf));
	if (!pptp_msg_encode(&w, m))
		fail("cannot encode %s", pptp_msg_name(m->type));
	send_bytes(buf, w.len);
}

enum rx { RX_MSG, RX_TIMEOUT, RX_CLOSED };

/* Wait up to `timeout` seconds for the next message on the current connection. */
static enum rx recv_msg(struct pptp_msg *m, double timeout)
{
	struct conn *c = cur();
	double end = now_s() + timeout;

	for (;;) {
		size_t mlen;
		enum pptp_err err;
		enum pptp_frame_status st = pptp_frame(c->in, c->in_len, &mlen, &err);
		if (st == PPTP_FRAME_ERROR)
			fail("server sent a bad stream: %s", pptp_err_name(err));
		if (st == PPTP_FRAME_READY) {
			err = pptp_msg_decode_bytes(c->in, mlen, m);
			if (err != PPTP_OK)
				fail("server sent an undecodable message: %s", pptp_err_name(err));
			memmove(c->in, c->in + mlen, c->in_len - mlen);
			c->in_len -= mlen;
			return RX_MSG;
		}
		double left = end - now_s();
		if (left <= 0)
			return RX_TIMEOUT;
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, 0);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return RX_CLOSED;
		if (n < 0)
			fail("recv: %s", strerror(errno));
		c->in_len += (size_t)n;
	}
}

/* The next message, which must be of `type`; Echo-Requests met on the way
 * are answered, as a real peer would. */
static void expect_msg(struct pptp_msg *m, enum pptp_ctrl_type type)
{
	enum rx r;
	double end = now_s() + secs_or("timeout", DEFAULT_TIMEOUT);

	for (;;) {
		r = recv_msg(m, end - now_s());
		if (r != RX_MSG || m->type != PPTP_ECHO_REQUEST || type == PPTP_ECHO_REQUEST)
			break;
		struct pptp_msg rp = { .type = PPTP_ECHO_REPLY };
		rp.echo_rp.id = m->echo_rq.id;
		rp.echo_rp.result = PPTP_ECHO_OK;
		send_msg(&rp);
		printf("answered Echo-Request id=%u\n", m->echo_rq.id);
	}
	if (r == RX_TIMEOUT)
		fail("no %s within the time-out", pptp_msg_name(type));
	if (r == RX_CLOSED)
		fail("connection closed while waiting for %s", pptp_msg_name(type));
	if (m->type != type)
		fail("got %s, expected %s", pptp_msg_name(m->type), pptp_msg_name(type));
}

static void check(const char *field, unsigned long got, const char *key)
{
	if (!has(key))
		return;
	unsigned long want = num(key);
	if (got != want)
		fail("%s is %lu, expected %lu", field, got, want);
}

static void step_open(void)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(PPTP_TCP_PORT), .sin_addr = P.server,
	};
	int one = 1;

	if (P.nconns >= MAX_CONNS)
		fail("too many connections");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0)
		fail("connect: %s", strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	P.conns[P.nconns].fd = fd;
	P.conns[P.nconns].in_len = 0;
	P.cur = P.nconns++;
}

static void step_start(void)
{
	struct pptp_msg m = { .type = PPTP_START_CTRL_REQUEST };
	m.start_rq.version = (uint16_t)num_or("version", PPTP_VERSION);
	m.start_rq.framing_caps = PPTP_FRAMING_ASYNC;
	m.start_rq.bearer_caps = PPTP_BEARER_ANALOG;
	snprintf(m.start_rq.host_name, sizeof(m.start_rq.host_name), "%s",
		 has("host") ? arg("host") : "local");
	snprintf(m.start_rq.vendor, sizeof(m.start_rq.vendor), "%s",
		 has("vendor") ? arg("vendor") : "cananian");
	send_msg(&m);
}

static void step_expect_start(void)
{
	struct pptp_msg m;
	expect_msg(&m, PPTP_START_CTRL_REPLY);
	const struct pptp_start_ctrl_reply *r = &m.start_rp;
	check("result", r->result, "result");
	check("error", r->error, "error");
	if (r->version != PPTP_VERSION)
		fail("version 0x%04x, expected 0x0100", r->version);
	if (r->result == PPTP_START_OK) {
		if (r->framing_caps != (PPTP_FRAMING_ASYNC | PPTP_FRAMING_SYNC))
			fail("framing caps %u, expected 3", r->framing_caps);
		if (r->bearer_caps != (PPTP_BEARER_ANALOG | PPTP_BEARER_DIGITAL))
			fail("bearer caps %u, expected 3", r->bearer_caps);
		if (strcmp(r->vendor, "pptpd") != 0)
			fail("vendor '%s', expected 'pptpd'", r->vendor);
		if (!r->host_name[0])
			fail("empty host name");
	}
}

static void step_echo(void)
{
	struct pptp_msg m = { .type = PPTP_ECHO_REQUEST };
	m.echo_rq.id = (uint32_t)num("id");
	send_msg(&m);
}

static void step_expect_echo_reply(void)
{
	struct pptp_msg m;
	expect_msg(&m, PPTP_ECHO_REPLY);
	check("id", m.echo_rp.id, "id");
	check("result", m.echo_rp.result, "result");
	if (!has("result") && m.echo_rp.result != PPTP_ECHO_OK)
		fail("echo result %u", m.echo_rp.result);
	check("error", m.echo_rp.error, "error");
}

static void step_expect_echo_request(void)
{
	struct pptp_msg m;
	expect_msg(&m, PPTP_ECHO_REQUEST);
	if (num_or("answer", 0)) {
		struct pptp_msg r = { .type = PPTP_ECHO_REPLY };
		r.echo_rp.id = m.echo_rq.id;
		r.echo_rp.result = PPTP_ECHO_OK;
		send_msg(&r);
	}
}

static void step_ocrq(void)
{
	struct pptp_msg m = { .type = PPTP_OUT_CALL_REQUEST };
	m.ocrq.call_id = (uint16_t)num("peer-call");
	m.ocrq.call_serial = 1;
	m.ocrq.min_bps = 300;
	m.ocrq.max_bps = (uint32_t)num_or("speed", 100000000);
	m.ocrq.bearer_type = PPTP_BEARER_EITHER;
	m.ocrq.framing_type = PPTP_FRAMING_EITHER;
	m.ocrq.recv_window = (uint16_t)num_or("window", 64);
	send_msg(&m);
}

static void step_expect_ocrp(void)
{
	struct pptp_msg m;
	expect_msg(&m, PPTP_OUT_CALL_REPLY);
	check("result", m.ocrp.result, "result");
	check("error", m.ocrp.error, "error");
	check("peer call ID", m.ocrp.peer_call_id, "peer-call");
	check("window", m.ocrp.recv_window, "window");
	check("connect speed", m.ocrp.connect_speed, "speed");
	if (m.ocrp.result == PPTP_OUT_CONNECTED) {
		if (m.ocrp.call_id == 0)
			fail("call ID 0");
		if (m.ocrp.proc_delay != 0)
			fail("processing delay %u", m.ocrp.proc_delay);
	}
	save(arg("save"), m.ocrp.call_id);
}

static void step_icrq(void)
{
	struct pptp_msg m = { .type = PPTP_IN_CALL_REQUEST };
	m.icrq.call_id = (uint16_t)num("peer-call");
	m.icrq.call_serial = 7;
	m.icrq.bearer_type = PPTP_BEARER_DIGITAL;
	snprintf(m.icrq.dialed, sizeof(m.icrq.dialed), "5551234");
	m.icrq.dialed_len = 7;
	send_msg(&m);
}

static void step_expect_icrp(void)
{
	struct pptp_msg m;
	expect_msg(&m, PPTP_IN_CALL_REPLY);
	check("result", m.icrp.result, "result");
	check("peer call ID", m.icrp.peer_call_id, "peer-call");
	check("window", m.icrp.recv_window, "window");
	if (m.icrp.result == PPTP_IN_CONNECT && m.icrp.call_id == 0)
		fail("call ID 0");
	save(arg("save"), m.icrp.call_id);
}

static void step_iccn(void)
{
	struct pptp_msg m = { .type = PPTP_IN_CALL_CONNECTED };
	m.iccn.peer_call_id = (uint16_t)num("call");
	m.iccn.connect_speed = 64000;
	m.iccn.recv_window = (uint16_t)num_or("window", 16);
	m.iccn.framing_type = PPTP_FRAMING_SYNC;
	send_msg(&m);
}

static void step_ccrq(void)
{
	struct pptp_msg m = { .type = PPTP_CALL_CLEAR_REQUEST };
	m.ccrq.call_id = (uint16_t)num("peer-call");
	send_msg(&m);
}

static void step_expect_cdn(void)
{
	struct pptp_msg m;
	expect_msg(&m, PPTP_CALL_DISCONNECT_NOTIFY);
	check("call ID", m.cdn.call_id, "call");
	check("result", m.cdn.result, "result");
}

static void step_cdn(void)
{
	struct pptp_msg m = { .type = PPTP_CALL_DISCONNECT_NOTIFY };
	m.cdn.call_id = (uint16_t)num("peer-call");
	m.cdn.result = PPTP_CDN_REQUEST;
	send_msg(&m);
}

static void step_sli(void)
{
	struct pptp_msg m = { .type = PPTP_SET_LINK_INFO };
	m.sli.peer_call_id = (uint16_t)num("call");
	m.sli.send_accm = 0xffffffffu;
	m.sli.recv_accm = 0xffffffffu;
	send_msg(&m);
}

static void step_wen(void)
{
	struct pptp_msg m = { .type = PPTP_WAN_ERROR_NOTIFY };
	m.wen.peer_call_id = (uint16_t)num("call");
	m.wen.crc_errors = 1;
	m.wen.framing_errors = 2;
	m.wen.timeout_errors = 3;
	send_msg(&m);
}

static void step_stop(void)
{
	struct pptp_msg m = { .type = PPTP_STOP_CTRL_REQUEST };
	m.stop_rq.reason = (uint8_t)num_or("reason", PPTP_STOP_NONE);
	send_msg(&m);
}

static void step_expect_stop_reply(void)
{
	struct pptp_msg m;
	expect_msg(&m, PPTP_STOP_CTRL_REPLY);
	check("result", m.stop_rp.result, "result");
}

static void step_expect_stop_request(void)
{
	struct pptp_msg m;
	expect_msg(&m, PPTP_STOP_CTRL_REQUEST);
	check("reason", m.stop_rq.reason, "reason");
	if (num_or("reply", 0)) {
		struct pptp_msg r = { .type = PPTP_STOP_CTRL_REPLY };
		r.stop_rp.result = PPTP_STOP_OK;
		send_msg(&r);
	}
}

static void step_expect(void)
{
	struct pptp_msg m;
	unsigned type = (unsigned)num("type");
	expect_msg(&m, (enum pptp_ctrl_type)type);
	if (has("result")) {
		unsigned long res = 0;
		switch (m.type) {
		case PPTP_START_CTRL_REPLY: res = m.start_rp.result; break;
		case PPTP_STOP_CTRL_REPLY: res = m.stop_rp.result; break;
		case PPTP_ECHO_REPLY: res = m.echo_rp.result; break;
		case PPTP_OUT_CALL_REPLY: res = m.ocrp.result; break;
		case PPTP_IN_CALL_REPLY: res = m.icrp.result; break;
		case PPTP_CALL_DISCONNECT_NOTIFY: res = m.cdn.result; break;
		default: fail("type %u has no result", type);
		}
		check("result", res, "result");
	}
	if (has("error")) {
		unsigned long e = 0;
		switch (m.type) {
		case PPTP_START_CTRL_REPLY: e = m.start_rp.error; break;
		case PPTP_STOP_CTRL_REPLY: e = m.stop_rp.error; break;
		case PPTP_ECHO_REPLY: e = m.echo_rp.error; break;
		case PPTP_OUT_CALL_REPLY: e = m.ocrp.error; break;
		case PPTP_IN_CALL_REPLY: e = m.icrp.error; break;
		default: fail("type %u has no error field", type);
		}
		check("error", e, "error");
	}
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static void step_raw(void)
{
	const char *h = arg("hex");
	uint8_t buf[1024];
	size_t n = 0;

	if (!h)
		fail("missing hex=");
	for (; *h; h++) {
		if (*h == ' ' || *h == ':')
			continue;
		int hi = hexval(h[0]), lo = h[1] ? hexval(h[1]) : -1;
		if (hi < 0 || lo < 0 || n >= sizeof(buf))
			fail("bad hex");
		buf[n++] = (uint8_t)(hi << 4 | lo);
		h++;
	}
	send_bytes(buf, n);
}

static void step_expect_closed(void)
{
	struct pptp_msg m;
	double end = now_s() + secs_or("timeout", DEFAULT_TIMEOUT);

	for (;;) {
		double left = end - now_s();
		if (left <= 0)
			fail("connection still open");
		enum rx r = recv_msg(&m, left);
		if (r == RX_CLOSED)
			return;
		if (r == RX_MSG)
			printf("skipped %s before close\n", pptp_msg_name(m.type));
	}
}

static void step_expect_silence(void)
{
	struct pptp_msg m;
	enum rx r = recv_msg(&m, secs_or("secs", 1.0));
	if (r == RX_MSG)
		fail("unexpected %s", pptp_msg_name(m.type));
	if (r == RX_CLOSED)
		fail("connection closed");
}

static void step_close(bool rst)
{
	struct conn *c = cur();
	if (rst) {
		struct linger l = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(c->fd);
	c->fd = -1;
	P.cur = -1;
}

/* ---- GRE ---- */

static int gre_fd(void)
{
	if (P.gre_fd < 0) {
		P.gre_fd = socket(AF_INET, SOCK_RAW, IPPROTO_GRE);
		if (P.gre_fd < 0)
			fail("raw GRE socket: %s", strerror(errno));
		/* Room for a burst's echoes before gre-expect reads them (the
		 * default buffer holds about 250 small packets). */
		int size = 4 << 20;
		if (setsockopt(P.gre_fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
			setsockopt(P.gre_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	}
	return P.gre_fd;
}

static void payload_text(char *out, size_t cap, const char *text, unsigned long count,
			 unsigned long i)
{
	if (count > 1)
		snprintf(out, cap, "%s-%lu", text, i);
	else
		snprintf(out, cap, "%s", text);
}

/* hex= of the current step into buf; its length. */
static size_t hex_arg(uint8_t *buf, size_t cap)
{
	const char *h = arg("hex");
	size_t n = 0;

	if (!h)
		fail("missing hex=");
	for (; *h; h++) {
		if (*h == ' ' || *h == ':')
			continue;
		int hi = hexval(h[0]), lo = h[1] ? hexval(h[1]) : -1;
		if (hi < 0 || lo < 0 || n >= cap)
			fail("bad hex");
		buf[n++] = (uint8_t)(hi << 4 | lo);
		h++;
	}
	return n;
}

/* One data packet (and ack= if given) keyed call_id, from src= if given. */
static void gre_send_one(int fd, uint16_t call_id, uint32_t seq, const void *pl, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = P.server };
	uint8_t pkt[GRE_HDR_MAX + 256];
	struct gre_hdr h = {
		.call_id = call_id, .payload_len = (uint16_t)len, .has_seq = true, .seq = seq,
	};

	if (has("ack")) {
		h.has_ack = true;
		h.ack = (uint32_t)num("ack");
	}
	size_t hl = gre_build(pkt, sizeof(pkt), &h);
	memcpy(pkt + hl, pl, len);
	struct iovec iov = { .iov_base = pkt, .iov_len = hl + len };
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cb;
	struct msghdr msg = {
		.msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov, .msg_iovlen = 1,
	};
	if (has("src")) {
		struct in_pktinfo pi = { 0 };
		if (inet_pton(AF_INET, arg("src"), &pi.ipi_spec_dst) != 1)
			fail("bad src=");
		memset(&cb, 0, sizeof(cb));
		msg.msg_control = cb.buf;
		msg.msg_controllen = sizeof(cb.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	}
	/* A flood may fill the socket's buffer: wait a little and go on. */
	for (int tries = 0; sendmsg(fd, &msg, 0) < 0; tries++) {
		if ((errno != ENOBUFS && errno != EAGAIN) || tries > 1000)
			fail("GRE send: %s", strerror(errno));
		struct timespec ts = { .tv_nsec = 1000000 };
		nanosleep(&ts, NULL);
	}
}

static void step_gre_send(void)
{
	int fd = gre_fd();
	unsigned long count = num_or("count", 1);
	unsigned long ncalls = num_or("calls", 1);
	const char *text = has("data") ? arg("data") : "";
	uint32_t seq = (uint32_t)num("seq");
	uint16_t call_id = (uint16_t)num("call");
	uint8_t bin[200];
	size_t bin_len = has("hex") ? hex_arg(bin, sizeof(bin)) : 0;

	for (unsigned long c = 0; c < ncalls; c++, call_id++) {
		if (call_id == 0)
			call_id++;
		for (unsigned long i = 0; i < count; i++) {
			char pl[200];
			if (has("hex")) {
				gre_send_one(fd, call_id, seq + (uint32_t)i, bin, bin_len);
				continue;
			}
			payload_text(pl, sizeof(pl), text, count, i);
			gre_send_one(fd, call_id, seq + (uint32_t)i, pl, strlen(pl));
		}
	}
}

/* Next GRE packet from the server within timeout seconds; false on time-out. */
static bool gre_recv(struct gre_hdr *h, uint8_t *payload, size_t cap, double timeout)
{
	int fd = gre_fd();
	double end = now_s() + timeout;
	uint8_t pkt[4096];

	for (;;) {
		double left = end - now_s();
		if (left <= 0)
			return false;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		ssize_t n = recv(fd, pkt, sizeof(pkt), 0);
		if (n < 0)
			fail("GRE recv: %s", strerror(errno));
		struct ipv4_info ip;
		size_t hl;
		if (gre_skip_ipv4(pkt, (size_t)n, &ip) != GRE_OK)
			fail("server sent a bad IPv4 header");
		if (ip.src != ntohl(P.server.s_addr))
			continue; /* not from the server */
		enum gre_err e = gre_parse(pkt + ip.hdr_len, ip.total_len - ip.hdr_len, h, &hl);
		if (e != GRE_OK)
			fail("server sent a bad GRE header: %s", gre_err_name(e));
		if (h->payload_len > cap)
			fail("payload too long");
		memcpy(payload, pkt + ip.hdr_len + hl, h->payload_len);
		return true;
	}
}

static void step_gre_expect(void)
{
	unsigned long count = num_or("count", 1);
	const char *text = has("data") ? arg("data") : "";
	uint16_t call = (uint16_t)num("call");
	double timeout = secs_or("timeout", DEFAULT_TIMEOUT);
	static bool have_last;
	static uint32_t last_seq;

	for (unsigned long i = 0; i < count; i++) {
		struct gre_hdr h;
		uint8_t pl[2048];
		char want[200];
		do {
			if (!gre_recv(&h, pl, sizeof(pl), timeout))
				fail("no GRE data packet #%lu within the time-out", i);
		} while (!h.has_seq);
		payload_text(want, sizeof(want), text, count, i);
		if (h.call_id != call)
			fail("packet #%lu has key call ID %u, expected %u", i, h.call_id, call);
		if (h.payload_len != strlen(want) || memcmp(pl, want, h.payload_len) != 0)
			fail("packet #%lu carries '%.*s', expected '%s'", i, (int)h.payload_len,
			     (const char *)pl, want);
		if (i == 0 && has("seq") && h.seq != (uint32_t)num("seq"))
			fail("first seq %u, expected %lu", h.seq, num("seq"));
		if (i > 0 && have_last && h.seq != last_seq + 1)
			fail("seq %u after %u", h.seq, last_seq);
		if (i + 1 == count && has("ack")) {
			if (!h.has_ack)
				fail("last packet carries no ack");
			if (h.ack != (uint32_t)num("ack"))
				fail("ack %u, expected %lu", h.ack, num("ack"));
		}
		have_last = true;
		last_seq = h.seq;
	}
}

/* Ack-only packets until one acknowledges `ack` (earlier acks are fine). */
static void step_gre_expect_ack(void)
{
	struct gre_hdr h;
	uint8_t pl[2048];
	uint32_t want = (uint32_t)num("ack");
	double end = now_s() + secs_or("timeout", DEFAULT_TIMEOUT);

	for (;;) {
		if (!gre_recv(&h, pl, sizeof(pl), end - now_s()))
			fail("no ack-only packet acknowledging %u within the time-out", want);
		if (h.has_seq || h.payload_len)
			fail("packet carries data (seq %u, %u bytes)", h.seq, h.payload_len);
		if (h.call_id != (uint16_t)num("call"))
			fail("key call ID %u, expected %lu", h.call_id, num("call"));
		if (!h.has_ack)
			fail("no ack in the packet");
		printf("ack-only packet ack=%u\n", h.ack);
		if (h.ack == want)
			return;
		if (seq_gt(h.ack, want))
			fail("ack %u beyond %u", h.ack, want);
	}
}

static void step_gre_expect_none(void)
{
	struct gre_hdr h;
	uint8_t pl[2048];
	if (gre_recv(&h, pl, sizeof(pl), secs_or("secs", 1.0)))
		fail("unexpected GRE packet (key %u, %u bytes)", h.call_id, h.payload_len);
}

/* ---- the script ---- */

struct step {
	const char *name;
	void (*fn)(void);
};

static void step_use(void)
{
	unsigned long n = num("n");
	if ((int)n >= P.nconns || P.conns[n].fd < 0)
		fail("no open connection %lu", n);
	P.cur = (int)n;
}

static void step_sleep(void)
{
	double s = secs_or("secs", 1.0);
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };
	nanosleep(&ts, NULL);
}

static void step_hold_open(void)
{
	unsigned long n = num("n");
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(PPTP_TCP_PORT), .sin_addr = P.server,
	};

	if (n > 4096)
		fail("n= is at most 4096");
	int *fds = calloc(n, sizeof(*fds));
	if (!fds)
		fail("out of memory");
	unsigned long ok = 0;
	for (unsigned long i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fds[i] < 0)
			fail("socket: %s", strerror(errno));
		if (connect(fds[i], (struct sockaddr *)&sin, sizeof(sin)) != 0 &&
		    errno != EINPROGRESS)
			fail("connect: %s", strerror(errno));
	}
	/* A connection the server's kernel completed (in its backlog or
	 * accepted) is writable here. */
	double end = now_s() + 2.0;
	for (unsigned long i = 0; i < n; i++) {
		struct pollfd pfd = { .fd = fds[i], .events = POLLOUT };
		double left = end - now_s();
		int err = 0;
		socklen_t len = sizeof(err);
		if (poll(&pfd, 1, left > 0 ? (int)(left * 1000) : 0) == 1 &&
		    getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &len) == 0 && !err)
			ok++;
	}
	printf("hold-open connected=%lu of %lu\n", ok, n);
	fflush(stdout);
	step_sleep();
	for (unsigned long i = 0; i < n; i++)
		close(fds[i]);
	free(fds);
}

static void step_reset(void) { step_close(true); }
static void step_close_normal(void) { step_close(false); }

static void step_bytewise(void) { P.bytewise = has("on"); }

static void step_batch(void)
{
	if (has("on")) {
		P.batching = true;
		P.batch_len = 0;
		return;
	}
	P.batching = false;
	write_all(cur()->fd, P.batch, P.batch_len);
	P.batch_len = 0;
}

static const struct step steps[] = {
	{ "open", step_open },
	{ "use", step_use },
	{ "start", step_start },
	{ "expect-start", step_expect_start },
	{ "echo", step_echo },
	{ "expect-echo-reply", step_expect_echo_reply },
	{ "expect-echo-request", step_expect_echo_request },
	{ "ocrq", step_ocrq },
	{ "expect-ocrp", step_expect_ocrp },
	{ "icrq", step_icrq },
	{ "expect-icrp", step_expect_icrp },
	{ "iccn", step_iccn },
	{ "ccrq", step_ccrq },
	{ "expect-cdn", step_expect_cdn },
	{ "cdn", step_cdn },
	{ "sli", step_sli },
	{ "wen", step_wen },
	{ "stop", step_stop },
	{ "expect-stop-reply", step_expect_stop_reply },
	{ "expect-stop-request", step_expect_stop_request },
	{ "expect", step_expect },
	{ "raw", step_raw },
	{ "bytewise", step_bytewise },
	{ "batch", step_batch },
	{ "expect-closed", step_expect_closed },
	{ "expect-silence", step_expect_silence },
	{ "reset", step_reset },
	{ "close", step_close_normal },
	{ "sleep", step_sleep },
	{ "hold-open", step_hold_open },
	{ "gre-send", step_gre_send },
	{ "gre-expect", step_gre_expect },
	{ "gre-expect-ack", step_gre_expect_ack },
	{ "gre-expect-none", step_gre_expect_none },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || inet_pton(AF_INET, argv[1], &P.server) != 1) {
		fprintf(stderr, "usage: ctrl_peer SERVER_ADDR STEP [key=value...] ...\n");
		return 2;
	}
	int i = 2;
	while (i < argc) {
		const char *name = argv[i++];
		const struct step *s = NULL;
		for (size_t k = 0; k < sizeof(steps) / sizeof(steps[0]); k++)
			if (strcmp(steps[k].name, name) == 0)
				s = &steps[k];
		P.step++;
		P.step_name = name;
		if (!s)
			fail("unknown step");
		P.nargs = 0;
		while (i < argc && strchr(argv[i], '=')) {
			if (P.nargs >= MAX_ARGS)
				fail("too many arguments");
			char *eq = strchr(argv[i], '=');
			*eq = '\0';
			P.key[P.nargs] = argv[i];
			P.val[P.nargs++] = eq + 1;
			i++;
		}
		/* bare flags after bytewise/batch */
		if ((s->fn == step_bytewise || s->fn == step_batch) && i < argc &&
		    (strcmp(argv[i], "on") == 0 || strcmp(argv[i], "off") == 0)) {
			if (strcmp(argv[i], "on") == 0) {
				P.key[P.nargs] = "on";
				P.val[P.nargs++] = "1";
			}
			i++;
		}
		printf("step %d: %s\n", P.step, name);
		s->fn();
	}
	printf("ctrl_peer: all %d steps passed\n", P.step);
	return 0;
}
