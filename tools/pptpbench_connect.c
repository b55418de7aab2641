/*
 * pptpbench connect: the client role end to end. One control connection,
 * one call, a PPP link in client role on it (MS-CHAPv2, MPPE-128 required,
 * stateless or stateful), and when the link runs a tun device carrying IP
 * through it. Each phase is printed with the time since the start:
 *
 *   tcp-connect, start-reply, call-up, lcp-up, auth-ok (or auth-failed
 *   E=N), ccp-up, ipcp-up, then "up"; on the way out: disconnect.
 *
 * With --run CMD, CMD runs (sh -c) once the link is up; then the link is
 * closed cleanly (LCP Terminate, Call-Clear, Stop-Control-Connection) and
 * the exit status is CMD's. Without it the link stays up until SIGTERM or
 * SIGINT, then is closed the same way (exit 0). A failure on the way up,
 * or the link going away under us, prints "FAIL phase: why" and exits 1.
 *
 * Testing aids: --retries N answers an MS-CHAP Failure that allows another
 * try (R=1) with the same password, up to N times ("auth-retry" lines; a
 * refusal ends with "auth-attempts K"). --send-proto 0xHHHH sends, once the
 * link is up, one frame of that protocol (the bytes of a Configure-Request
 * as IPv6CP sends it) and prints "proto-reject ... proto=0xHHHH" when the
 * peer's LCP Protocol-Reject for it comes back.
 *
 * Playing the attacker (issue 10 item 3): --hostile-ccount-jump N sends,
 * once the link is up, --hostile-rate R frames a second (default 200) of
 * MPPE data whose coherency count each jumps N ahead of the one before (the
 * first N ahead of the last count the link itself sent), FLUSHED and
 * ENCRYPTED set, 40 random bytes after the header: a receiver without a
 * budget re-keys N times for each. After --hostile-seconds S (default 10)
 * it stops and disconnects; a server that ends the link first makes it
 * exit 1 ("FAIL ... link down"). "hostile-ccount sent=K jump=N" is printed
 * on the way out.
 *
 * Playing the attacker (issue 10 item 11a): --hostile-ipcp-addr A.B.C.D
 * makes every IPCP Configure-Request on its way out ask for that address,
 * whatever the server Naked: the client's own IPCP adopts the Nak as
 * usual, and the request it builds is rewritten in link_send().
 * --hostile-ipcp-addr none leaves the IP-Address option out instead. Each
 * rewrite prints "hostile-ipcp T ms id=N addr=A|none was=B" (B: the address
 * the client's IPCP would have asked for, the server's Nak after the first).
 * A server that gives in brings the link up (exit 0 with --run); one that
 * refuses ends it (exit 1, "FAIL network: ...").
 *
 * EAP (issue 15): --auth eap-mschapv2, peap-mschapv2 or eap-tls makes the
 * link accept EAP (ppp_config.allow_eap) and answer it with that method of
 * tools/eap_peer.h (ops->eap_method), alone or beside the CHAP kinds of
 * the list; --ca FILE checks the server's certificate (PEAP, EAP-TLS),
 * --cert FILE and --key FILE are the client's (EAP-TLS, which needs no
 * password: --password-stdin is then optional). The MPPE keys come from
 * the method (ops->eap_keys). A method that gives up (a wrong S=, a
 * refused certificate) ends the link like a refusal: "auth-failed", then
 * "FAIL auth: ... eap=REASON".
 *
 * Windows-shaped (issue 14): --profile windows sends LCP, IPCP and IPV6CP
 * as Windows' built-in client does, with IPCP and IPV6CP requests already
 * while CCP negotiates, then RS and DHCPv6 (pptpbench_windows.h).
 *
 * Small windows (issue 13): --window N announces N as the receive window
 * in Outgoing-Call-Request (pptp-linux announces 3); --ack-delay MS makes
 * the client acknowledge the server's packets only on its own data or
 * after MS with nothing to carry them, never early at half the window.
 *
 * Driving the layers: PPP frames from the call's on_frame go to
 * ppp_input(); frames from ops->send go to pptp_call_send(), or into a
 * short queue while the call is delivering (pptp_call_send refuses there)
 * that an ev_prepare watcher flushes before the loop sleeps. The same
 * watcher advances the disconnect one step at a time, so nothing is torn
 * down inside a callback of its own. One ev_timer follows
 * ppp_next_deadline(). IP from the tun is read only while the peer's GRE
 * window has room (otherwise the packet would be dropped); the tun watcher
 * restarts from the prepare watcher when it has room again.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/wait.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/pptp_msg.h"
#include "common/ppp/cp.h"
#include "common/ppp/ppp.h"
#include "tools/client_tun.h"
#include "tools/eap_peer.h"
#include "tools/pptp_client.h"
#include "tools/pptpbench.h"
#include "tools/pptpbench_ipv6.h"
#include "tools/pptpbench_windows.h"

#define TXQ_SLOTS    32
#define TUN_BATCH    64
#define TUN_READ_MAX 65536
#define MAX_ROUTES   16

struct route {
	uint32_t net;
	unsigned len;
};

struct connect {
	struct ev_loop *loop;
	struct pptp_client *cl;
	struct pptp_ctrl *ctrl;
	struct pptp_call *call;
	struct ppp_link *link;
	struct ppp_config pcfg;
	double t0, timeout;

	/* Options. */
	const char *tun_name;
	const char *run_cmd;
	struct route routes[MAX_ROUTES];
	unsigned nroutes;
	unsigned retries;            /* --retries: MS-CHAP retries allowed */
	uint16_t send_proto;         /* --send-proto; 0: none */
	unsigned tun_mtu;            /* --tun-mtu; 0: the link's IP MTU */
	unsigned hostile_jump;       /* --hostile-ccount-jump; 0: none */
	unsigned hostile_rate;       /* --hostile-rate: frames a second */
	double hostile_secs;         /* --hostile-seconds */
	uint32_t hostile_ipcp_addr;  /* --hostile-ipcp-addr, host order */
	bool hostile_ipcp;
	bool hostile_ipcp_none;      /* --hostile-ipcp-addr none: leave it out */
	struct eap_peer_config eap_cfg; /* --auth eap-*, --ca, --cert, --key */
	bool use_eap;
	struct eap_peer *eap;        /* from the start of the link to the end */
	struct bench_ipv6 v6;        /* --ipv6, --dhcpv6-info, --dhcpv6-pd, --rs-flood */
	struct bench_windows win;    /* --profile windows (pptpbench_windows.h) */

	/* Progress. */
	const char *step;            /* the phase under way, for FAIL */
	bool failed;
	bool lcp_up, auth_ok, running, link_down;
	bool stopping, closing_link, clearing_call, closing_ctrl;
	struct ppp_ip_info info;
	unsigned auth_attempts;      /* responses sent (1 + retries taken) */

	/* The command run once up. */
	pid_t child_pid;
	bool child_running;
	int child_status;
	bool child_done;

	int tun_fd;
	bool tun_blocked;            /* stopped for want of GRE window */
	ev_io tun_io;
	ev_timer ppp_timer, setup_timer, stop_timer;
	ev_prepare prepare;
	ev_signal sig_term, sig_int;
	ev_child child;

	/* --hostile-ccount-jump: the last count on the wire, ours or forged. */
	unsigned last_ccount;
	uint64_t hostile_sent;
	double hostile_until;
	ev_timer hostile_timer;

	/* Counters for the closing line. */
	uint64_t tun_rx, tun_tx, tun_oversize, tun_write_errors;
	uint64_t gre_window_waits, gre_send_errors, txq_drops;

	/* Frames ops->send produced while the call was delivering. */
	unsigned txq_head, txq_count;
	size_t txq_len[TXQ_SLOTS];
	uint8_t txq[TXQ_SLOTS][PPP_FRAME_MAX];

	uint8_t rx[PPTP_CLIENT_MAX_FRAME];
	uint8_t tunbuf[PPP_TX_HEADROOM + TUN_READ_MAX];
};

static uint64_t now_ms(const struct connect *c)
{
	return (uint64_t)(ev_now(c->loop) * 1000.0);
}

static double elapsed_ms(const struct connect *c)
{
	return (ev_now(c->loop) - c->t0) * 1000.0;
}

static void begin_stop(struct connect *c)
{
	if (c->stopping)
		return;
	c->stopping = true;
	ev_timer_stop(c->loop, &c->setup_timer);
	ev_timer_set(&c->stop_timer, c->timeout * 2 + 1, 0.0);
	ev_timer_start(c->loop, &c->stop_timer);
}

/* The first failure is the one reported; the connection then winds down. */
static void connect_fail(struct connect *c, const char *step, const char *why)
{
	if (!c->failed) {
		c->failed = true;
		printf("FAIL %s: %s\n", step, why);
	}
	if (c->child_running)
		kill(c->child_pid, SIGTERM);
	begin_stop(c);
}

static void ipstr(uint32_t a, char out[static INET_ADDRSTRLEN])
{
	struct in_addr in = { .s_addr = htonl(a) };
	inet_ntop(AF_INET, &in, out, INET_ADDRSTRLEN);
}

/* ---- the PPP link's timer and phases ---- */

static void arm_ppp_timer(struct connect *c)
{
	uint64_t due, now;
	ev_timer_stop(c->loop, &c->ppp_timer);
	if (!c->link || c->link_down)
		return;
	due = ppp_next_deadline(c->link);
	if (due == UINT64_MAX)
		return;
	now = now_ms(c);
	ev_timer_set(&c->ppp_timer, due > now ? (double)(due - now) / 1000.0 : 0.0, 0.0);
	ev_timer_start(c->loop, &c->ppp_timer);
}

/* Print the milestones the link passed since the last look. */
static void note_phase(struct connect *c)
{
	enum ppp_phase p;
	if (!c->link || c->link_down)
		return;
	p = ppp_phase(c->link);
	if (p != PPP_PHASE_AUTHENTICATE && p != PPP_PHASE_NETWORK && p != PPP_PHASE_RUNNING)
		return;
	if (!c->lcp_up) {
		c->lcp_up = true;
		printf("lcp-up %.1f ms\n", elapsed_ms(c));
		c->step = "auth";
		bench_windows_lcp_up(&c->win, elapsed_ms(c));
	}
	if (p != PPP_PHASE_AUTHENTICATE && !c->auth_ok) {
		c->auth_ok = true;
		printf("auth-ok %.1f ms\n", elapsed_ms(c));
		c->step = "network";
	}
}

/* After every entry point of the link. */
static void after_ppp(struct connect *c)
{
	note_phase(c);
	arm_ppp_timer(c);
}

static void ppp_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct connect *c = w->data;
	(void)loop;
	(void)revents;
	if (!c->link || c->link_down)
		return;
	ppp_on_timer(c->link, now_ms(c));
	after_ppp(c);
}

/* ---- frames out ---- */

/*
 * Send the queued frames in order while the call takes them; a frame the
 * peer's window refuses stays queued until the window opens (an ack, or
 * the flow's time-out, wakes the loop).
 */
static void flush_txq(struct connect *c)
{
	if (!c->call) {
		c->txq_head = 0;
		c->txq_count = 0;
		return;
	}
	while (c->txq_count) {
		unsigned i = c->txq_head;
		if (pptp_call_send(c->call, c->txq[i], c->txq_len[i]) < 0) {
			if (errno == EBUSY || errno == ENOBUFS)
				return;
			c->gre_send_errors++;
		}
		c->txq_head = (i + 1) % TXQ_SLOTS;
		c->txq_count--;
	}
}

/*
 * ops->send. Straight out when possible; queued when the call is
 * delivering (EBUSY) or the peer's window is full (ENOBUFS): control
 * frames such as a CCP Reset-Request must not be lost to the window. Data
 * rarely meets a full window: the tun is read only while it has room.
 */
/* The coherency count of an MPPE data frame ([FF 03] 00 FD or FD, then
 * the MPPE header); false for anything else. */
static bool frame_ccount(const uint8_t *frame, size_t len, unsigned *cc)
{
	struct rbuf r;
	uint8_t b, h0, h1;

	rbuf_init(&r, frame, len);
	if (rbuf_peek_u8(&r, 0, &b) && b == 0xFF && !rbuf_skip(&r, 2))
		return false;
	if (!rbuf_u8(&r, &b))
		return false;
	if (b == 0x00 && !rbuf_u8(&r, &b))
		return false;
	if (b != 0xFD || !rbuf_u8(&r, &h0) || !rbuf_u8(&r, &h1))
		return false;
	*cc = (unsigned)(h0 & 0x0F) << 8 | h1;
	return true;
}

/*
 * --hostile-ipcp-addr: an outgoing IPCP Configure-Request ([FF 03] 80 21,
 * code 1) has the value of its IP-Address option overwritten, in place,
 * with the address we insist on; with "none" the option is cut out and the
 * packet's length lowered. Returns the frame's length; anything else
 * passes untouched.
 */
static size_t hostile_ipcp_rewrite(struct connect *c, uint8_t *frame, size_t len)
{
	struct rbuf r, opts;
	uint8_t b, code = 0, id = 0, type, olen;
	uint16_t proto;
	const uint8_t *pkt, *val;
	size_t n, at;
	char want[INET_ADDRSTRLEN], was[INET_ADDRSTRLEN];

	rbuf_init(&r, frame, len);
	if (rbuf_peek_u8(&r, 0, &b) && b == PPP_ALLSTATIONS && !rbuf_skip(&r, 2))
		return len;
	if (!rbuf_be16(&r, &proto) || proto != PPP_PROTO_IPCP)
		return len;
	n = rbuf_left(&r);
	pkt = rbuf_take(&r, n);
	if (!pkt || !ppp_cp_read(pkt, n, &code, &id, &opts) || code != PPP_CONF_REQ)
		return len;
	while (rbuf_left(&opts) > 0) {
		if (!rbuf_u8(&opts, &type) || !rbuf_u8(&opts, &olen) || olen < PPP_OPT_HDR_LEN)
			return len;
		val = rbuf_take(&opts, olen - PPP_OPT_HDR_LEN);
		if (!val)
			return len;
		if (type != IPCP_OPT_ADDR || olen != PPP_OPT_HDR_LEN + IPCP_ADDR_LEN)
			continue;
		ipstr(load_be32(val), was);
		at = (size_t)(val - frame);
		if (c->hostile_ipcp_none) {
			/* the option's header and value go; the rest moves up */
			at -= PPP_OPT_HDR_LEN;
			memmove(frame + at, frame + at + olen, len - at - olen);
			store_be16(frame + (pkt - frame) + 2, (uint16_t)(load_be16(pkt + 2) - olen));
			len -= olen;
			snprintf(want, sizeof(want), "none");
		} else {
			store_be32(frame + at, c->hostile_ipcp_addr);
			ipstr(c->hostile_ipcp_addr, want);
		}
		printf("hostile-ipcp %.1f ms id=%u addr=%s was=%s\n", elapsed_ms(c), id, want, was);
		return len;
	}
	return len;
}

static void link_send_one(struct connect *c, uint8_t *frame, size_t len);

static void link_send(void *owner, uint8_t *frame, size_t len)
{
	struct connect *c = owner;
	if (!c->call)
		return;
	link_send_one(c, frame, len);
	/* after the frame: the early NCP requests follow our first CCP one */
	bench_windows_tx(&c->win, frame, len, elapsed_ms(c));
}

static void link_send_one(struct connect *c, uint8_t *frame, size_t len)
{
	unsigned slot;
	if (c->hostile_jump)
		frame_ccount(frame, len, &c->last_ccount);
	if (c->hostile_ipcp)
		len = hostile_ipcp_rewrite(c, frame, len);
	if (c->txq_count == 0) {
		if (pptp_call_send(c->call, frame, len) == 0)
			return;
		if (errno != EBUSY && errno != ENOBUFS) {
			c->gre_send_errors++;
			return;
		}
		if (errno == ENOBUFS)
			c->gre_window_waits++;
	}
	if (c->txq_count == TXQ_SLOTS || len > PPP_FRAME_MAX) {
		c->txq_drops++;
		return;
	}
	slot = (c->txq_head + c->txq_count) % TXQ_SLOTS;
	memcpy(c->txq[slot], frame, len);
	c->txq_len[slot] = len;
	c->txq_count++;
}

/* ---- IP in and out of the tun ---- */

static void tun_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct connect *c = w->data;
	uint8_t *pkt = c->tunbuf + PPP_TX_HEADROOM;
	bool sent = false;
	(void)revents;
	/* Frames queued during a delivery go first; data never waits in the
	 * queue behind them (it would overflow it). */
	flush_txq(c);
	for (int i = 0; i < TUN_BATCH; i++) {
		ssize_t n;
		if (!c->call || !c->link || c->link_down)
			break;
		if (c->txq_count || !pptp_call_can_send(c->call)) {
			ev_io_stop(loop, w);
			c->tun_blocked = true;
			break;
		}
		n = read(c->tun_fd, pkt, TUN_READ_MAX);
		if (n <= 0)
			break;
		c->tun_rx++;
		if ((size_t)n > PPP_FRAME_MAX - PPP_TX_HEADROOM) {
			c->tun_oversize++;
			continue;
		}
		if (c->v6.up && pkt[0] >> 4 == 6)
			ppp_send_ipv6(c->link, pkt, (size_t)n, now_ms(c));
		else
			ppp_send_ip(c->link, pkt, (size_t)n, now_ms(c));
		sent = true;
	}
	if (sent)
		after_ppp(c);
}

static void link_ip_rx(void *owner, uint8_t *pkt, size_t len)
{
	struct connect *c = owner;
	if (c->tun_fd < 0)
		return;
	if (write(c->tun_fd, pkt, len) == (ssize_t)len)
		c->tun_tx++;
	else
		c->tun_write_errors++;
}

/* ---- the command run once up ---- */

static void child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	struct connect *c = w->data;
	(void)revents;
	ev_child_stop(loop, w);
	c->child_running = false;
	c->child_done = true;
	c->child_status = WIFEXITED(w->rstatus) ? WEXITSTATUS(w->rstatus)
						: 128 + WTERMSIG(w->rstatus);
	printf("run %.1f ms exit=%d\n", elapsed_ms(c), c->child_status);
	begin_stop(c);
}

static void run_command(struct connect *c)
{
	pid_t pid;
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		connect_fail(c, "run", strerror(errno));
		return;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		execl("/bin/sh", "sh", "-c", c->run_cmd, (char *)NULL);
		_exit(127);
	}
	c->child_pid = pid;
	c->child_running = true;
	ev_child_set(&c->child, pid, 0);
	ev_child_start(c->loop, &c->child);
}

/* ---- the link's callbacks ---- */

static void dns_list(const uint32_t dns[2], char *out, size_t size)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	ipstr(dns[0], a);
	ipstr(dns[1], b);
	if (!dns[0] && !dns[1])
		snprintf(out, size, "none");
	else if (!dns[1])
		snprintf(out, size, "%s", a);
	else if (!dns[0])
		snprintf(out, size, "%s", b);
	else
		snprintf(out, size, "%s,%s", a, b);
}

/*
 * --send-proto: one frame of the given protocol, FF 03 and the protocol in
 * full, carrying a Configure-Request as IPv6CP would send it (an Interface-
 * Identifier option). Outside the link, through link_send(), which queues
 * it while the call is delivering.
 */
static void send_test_frame(struct connect *c)
{
	static const uint8_t ifid[8] = { 0x02, 0x00, 0x5e, 0xff, 0xfe, 0x00, 0x53, 0x01 };
	uint8_t frame[32];
	struct wbuf w;

	wbuf_init(&w, frame, sizeof(frame));
	wbuf_u8(&w, PPP_ALLSTATIONS);
	wbuf_u8(&w, PPP_UI);
	wbuf_be16(&w, c->send_proto);
	wbuf_u8(&w, PPP_CONF_REQ);
	wbuf_u8(&w, 0x42);  /* identifier */
	wbuf_be16(&w, 14);  /* length: header and one option */
	wbuf_u8(&w, 1);     /* Interface-Identifier */
	wbuf_u8(&w, 10);
	wbuf_bytes(&w, ifid, sizeof(ifid));
	if (!wbuf_ok(&w))
		return;
	printf("send-proto %.1f ms proto=0x%04x len=%zu\n", elapsed_ms(c), c->send_proto, w.len);
	link_send(c, frame, w.len);
}

/*
 * --hostile-ccount-jump: one forged MPPE data frame per tick, N counts
 * ahead of the last one on the wire; after --hostile-seconds, disconnect.
 */
static void hostile_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct connect *c = w->data;
	uint8_t frame[2 + 2 + 40];
	unsigned cc;
	(void)revents;

	if (!c->call || !c->link || c->link_down || c->stopping) {
		ev_timer_stop(loop, w);
		return;
	}
	if (ev_now(loop) >= c->hostile_until) {
		ev_timer_stop(loop, w);
		printf("hostile-done %.1f ms\n", elapsed_ms(c));
		begin_stop(c);
		return;
	}
	cc = (c->last_ccount + c->hostile_jump) % 4096;
	frame[0] = 0x00;
	frame[1] = 0xFD;
	frame[2] = (uint8_t)(0x80 | 0x10 | cc >> 8); /* FLUSHED, ENCRYPTED */
	frame[3] = (uint8_t)cc;
	if (!crypto_random(frame + 4, sizeof(frame) - 4))
		memset(frame + 4, 0x5A, sizeof(frame) - 4);
	link_send(c, frame, sizeof(frame)); /* also takes cc as the last count */
	c->hostile_sent++;
}

static void hostile_start(struct connect *c)
{
	printf("hostile-start %.1f ms jump=%u rate=%u\n", elapsed_ms(c), c->hostile_jump,
	       c->hostile_rate);
	c->hostile_until = ev_now(c->loop) + c->hostile_secs;
	ev_timer_set(&c->hostile_timer, 0.0, 1.0 / c->hostile_rate);
	ev_timer_start(c->loop, &c->hostile_timer);
}

/*
 * --send-proto: is this received frame an LCP Protocol-Reject for it? The
 * link itself only logs a reject of a protocol it does not run, so look
 * before handing the frame over: [FF 03] C0 21, code 8, id, length, the
 * rejected protocol.
 */
static void check_proto_reject(struct connect *c, const uint8_t *data, size_t len)
{
	struct rbuf r;
	uint8_t b0, code, id;
	uint16_t proto, plen, rejected;

	rbuf_init(&r, data, len);
	if (rbuf_peek_u8(&r, 0, &b0) && b0 == 0xFF && !rbuf_skip(&r, 2))
		return;
	if (!rbuf_be16(&r, &proto) || proto != PPP_PROTO_LCP)
		return;
	if (!rbuf_u8(&r, &code) || !rbuf_u8(&r, &id) || !rbuf_be16(&r, &plen) ||
	    !rbuf_be16(&r, &rejected))
		return;
	if (code != 8 || plen < 6)
		return;
	if (rejected == c->send_proto)
		printf("proto-reject %.1f ms proto=0x%04x id=%u\n", elapsed_ms(c), rejected, id);
}

static void link_ip_up(void *owner, const struct ppp_ip_info *info)
{
	struct connect *c = owner;
	char err[CLIENT_TUN_ERR_SIZE], local[INET_ADDRSTRLEN], peer[INET_ADDRSTRLEN];
	char dns[2 * INET_ADDRSTRLEN + 2];

	c->info = *info;
	note_phase(c);
	if (info->mppe_bits)
		printf("ccp-up %.1f ms mppe=%u %s\n", elapsed_ms(c), info->mppe_bits,
		       info->mppe_stateful ? "stateful" : "stateless");
	else
		printf("ccp-up %.1f ms mppe=none\n", elapsed_ms(c));
	ipstr(info->local_addr, local);
	ipstr(info->peer_addr, peer);
	dns_list(info->dns, dns, sizeof(dns));
	printf("ipcp-up %.1f ms addr=%s peer=%s dns=%s mtu=%u\n", elapsed_ms(c), local, peer, dns,
	       info->ip_mtu);
	ev_timer_stop(c->loop, &c->setup_timer);
	c->step = "tun";
	c->tun_fd = client_tun_open(c->tun_name, err);
	if (c->tun_fd < 0 ||
	    !client_tun_configure(c->tun_name, info->local_addr, info->peer_addr,
				  c->tun_mtu ? c->tun_mtu : info->ip_mtu, err)) {
		connect_fail(c, "tun", err);
		return;
	}
	for (unsigned i = 0; i < c->nroutes; i++) {
		if (!client_tun_add_route(c->tun_name, c->routes[i].net, c->routes[i].len, err)) {
			connect_fail(c, "route", err);
			return;
		}
	}
	ev_io_set(&c->tun_io, c->tun_fd, EV_READ);
	ev_io_start(c->loop, &c->tun_io);
	c->running = true;
	c->step = "up";
	printf("up %.1f ms tun=%s\n", elapsed_ms(c), c->tun_name);
	if (c->send_proto)
		send_test_frame(c);
	if (c->hostile_jump)
		hostile_start(c);
	if (c->run_cmd)
		run_command(c);
	fflush(stdout);
}

/* The Windows error number in a CHAP failure detail ("E=691 R=0 ..."). */
static unsigned detail_error(const char *detail)
{
	const char *e = detail ? strstr(detail, "E=") : NULL;
	unsigned long v;
	char *end;
	if (!e || e[2] < '0' || e[2] > '9')
		return 0;
	v = strtoul(e + 2, &end, 10);
	return v > 99999 ? 0 : (unsigned)v;
}

static void link_down(void *owner, enum ppp_cause cause, const char *detail)
{
	struct connect *c = owner;
	char why[256];
	c->link_down = true;
	ev_timer_stop(c->loop, &c->ppp_timer);
	ev_io_stop(c->loop, &c->tun_io);
	if (!detail)
		detail = "";
	if (cause == PPP_CAUSE_AUTH_FAILED) {
		unsigned e = detail_error(detail);
		printf("auth-failed %.1f ms E=%u\n", elapsed_ms(c), e);
		printf("auth-attempts %u\n", c->auth_attempts);
		if (c->eap && eap_peer_error(c->eap)[0])
			snprintf(why, sizeof(why), "E=%u %s eap=%s", e, detail,
				 eap_peer_error(c->eap));
		else
			snprintf(why, sizeof(why), "E=%u %s", e, detail);
		connect_fail(c, "auth", why);
		return;
	}
	if (c->closing_link || c->failed)
		return;
	snprintf(why, sizeof(why), "link down: %s%s%s", ppp_cause_name(cause), detail[0] ? " " : "",
		 detail);
	connect_fail(c, c->step, why);
}

/* An MS-CHAP Failure with R=1: the same password again while --retries
 * allows. */
static const char *link_auth_retry(void *owner, unsigned win_error)
{
	struct connect *c = owner;
	if (c->auth_attempts > c->retries)
		return NULL;
	c->auth_attempts++;
	printf("auth-retry %.1f ms E=%u attempt=%u\n", elapsed_ms(c), win_error,
	       c->auth_attempts);
	return c->pcfg.password;
}

/* EAP: every Request but Identity goes to the method. */
static int link_eap_method(void *owner, const uint8_t *req, size_t len, uint8_t *resp, size_t cap)
{
	struct connect *c = owner;
	if (!c->eap)
		return -1;
	return eap_peer_request(c->eap, req, len, resp, cap);
}

static bool link_eap_keys(void *owner, uint8_t send_key[16], uint8_t recv_key[16])
{
	struct connect *c = owner;
	return c->eap && eap_peer_keys(c->eap, send_key, recv_key);
}

/* ---- IPv6 (--ipv6): pptpbench_ipv6.c does the work ---- */

static void ipv6_send(void *ctx, uint8_t *pkt, size_t len)
{
	struct connect *c = ctx;
	if (c->link && !c->link_down)
		ppp_send_ipv6(c->link, pkt, len, now_ms(c));
}

static void link_ipv6_up(void *owner, const struct ppp_ipv6_info *info)
{
	struct connect *c = owner;
	char err[CLIENT_TUN_ERR_SIZE];

	if (c->tun_fd < 0)
		return;
	c->v6.tun_name = c->tun_name;
	c->v6.send = ipv6_send;
	c->v6.ctx = c;
	if (!bench_ipv6_up(&c->v6, info, elapsed_ms(c), err, sizeof(err)))
		connect_fail(c, "ipv6", err);
}

static void link_ipv6_rx(void *owner, uint8_t *pkt, size_t len)
{
	struct connect *c = owner;
	if (bench_ipv6_rx(&c->v6, pkt, len, elapsed_ms(c)))
		return;
	link_ip_rx(owner, pkt, len);
}

static const struct ppp_ops link_ops = {
	.send = link_send,
	.ip_up = link_ip_up,
	.ip_rx = link_ip_rx,
	.ipv6_up = link_ipv6_up,
	.ipv6_rx = link_ipv6_rx,
	.down = link_down,
	.auth_retry = link_auth_retry,
	.eap_method = link_eap_method,
	.eap_keys = link_eap_keys,
};

/* ---- the PPTP layer's callbacks ---- */

static void on_tcp_up(struct pptp_ctrl *ctrl)
{
	struct connect *c = pptp_client_user(pptp_ctrl_client(ctrl));
	printf("tcp-connect %.1f ms\n", elapsed_ms(c));
	c->step = "start-reply";
}

static void on_ctrl_up(struct pptp_ctrl *ctrl)
{
	struct connect *c = pptp_client_user(pptp_ctrl_client(ctrl));
	printf("start-reply %.1f ms result=%u host=%s\n", elapsed_ms(c),
	       pptp_ctrl_result(ctrl), LOG_ESC(pptp_ctrl_peer_host(ctrl)));
	if (c->stopping)
		return;
	c->step = "call-up";
	c->call = pptp_call_place(ctrl, c);
	if (!c->call)
		connect_fail(c, "call-up", strerror(errno));
}

static void on_call_up(struct pptp_call *call)
{
	struct connect *c = pptp_call_user(call);
	printf("call-up %.1f ms call-id=%u peer-call-id=%u window=%u\n", elapsed_ms(c),
	       pptp_call_id(call), pptp_call_peer_id(call), pptp_call_peer_window(call));
	if (c->stopping)
		return;
	c->step = "lcp";
	c->link = ppp_new(&c->pcfg, &link_ops, c);
	if (!c->link) {
		connect_fail(c, "lcp", "cannot create the PPP link");
		return;
	}
	ev_timer_set(&c->setup_timer, c->timeout, 0.0);
	ev_timer_start(c->loop, &c->setup_timer);
	ppp_start(c->link, now_ms(c));
	after_ppp(c);
}

static void on_frame(struct pptp_call *call, const uint8_t *data, size_t len)
{
	struct connect *c = pptp_call_user(call);
	if (!c->link || c->link_down || len > sizeof(c->rx))
		return;
	if (c->send_proto)
		check_proto_reject(c, data, len);
	if (bench_windows_rx(&c->win, data, len, elapsed_ms(c)))
		return;
	memcpy(c->rx, data, len);
	ppp_input(c->link, c->rx, len, now_ms(c));
	after_ppp(c);
}

static void on_call_down(struct pptp_call *call, enum pptp_down_reason reason)
{
	struct connect *c = pptp_call_user(call);
	char why[96];
	c->call = NULL;
	if (!c->clearing_call || reason != PPTP_DOWN_LOCAL) {
		snprintf(why, sizeof(why), "call down: %s result=%u", pptp_down_reason_name(reason),
			 pptp_call_result(call));
		connect_fail(c, c->step, why);
	}
	if (c->link && !c->link_down) {
		ppp_lower_down(c->link, PPP_CAUSE_LOWER_DOWN, now_ms(c));
		after_ppp(c);
	}
}

static void on_ctrl_down(struct pptp_ctrl *ctrl, enum pptp_down_reason reason)
{
	struct connect *c = pptp_client_user(pptp_ctrl_client(ctrl));
	char why[96];
	c->ctrl = NULL;
	if (!c->closing_ctrl || reason != PPTP_DOWN_LOCAL) {
		snprintf(why, sizeof(why), "control connection down: %s result=%u",
			 pptp_down_reason_name(reason), pptp_ctrl_result(ctrl));
		connect_fail(c, c->step, why);
	}
}

static const struct pptp_client_ops client_ops = {
	.on_tcp_up = on_tcp_up,
	.on_ctrl_up = on_ctrl_up,
	.on_call_up = on_call_up,
	.on_frame = on_frame,
	.on_call_down = on_call_down,
	.on_ctrl_down = on_ctrl_down,
};

/* ---- the loop's own watchers ---- */

/*
 * Before the loop sleeps: send what was queued, resume the tun, and take
 * the disconnect one step further: LCP Terminate, then Call-Clear once the
 * link is down, then Stop once the call is gone, then leave the loop.
 */
static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct connect *c = w->data;
	(void)revents;
	flush_txq(c);
	if (c->tun_blocked && c->call && !c->link_down && !c->txq_count &&
	    pptp_call_can_send(c->call)) {
		c->tun_blocked = false;
		ev_io_start(loop, &c->tun_io);
	}
	if (!c->stopping)
		return;
	if (c->link && !c->link_down && !c->closing_link) {
		c->closing_link = true;
		c->step = "disconnect";
		ppp_close(c->link, PPP_CAUSE_ADMIN, "user request", now_ms(c));
		after_ppp(c);
		flush_txq(c);
	}
	if ((!c->link || c->link_down) && c->call && !c->clearing_call && !c->txq_count) {
		c->clearing_call = true;
		c->step = "disconnect";
		pptp_call_clear(c->call);
	}
	if (!c->call && c->ctrl && !c->closing_ctrl) {
		c->closing_ctrl = true;
		c->step = "disconnect";
		pptp_ctrl_close(c->ctrl);
	}
	if (!c->ctrl && !c->child_running)
		ev_break(loop, EVBREAK_ALL);
}

static void setup_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct connect *c = w->data;
	(void)loop;
	(void)revents;
	connect_fail(c, c->step, "timed out");
}

static void stop_timeout_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct connect *c = w->data;
	(void)revents;
	if (!c->failed) {
		c->failed = true;
		printf("FAIL disconnect: timed out\n");
	}
	if (c->child_running)
		kill(c->child_pid, SIGKILL);
	ev_break(loop, EVBREAK_ALL);
}

static void signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct connect *c = w->data;
	(void)loop;
	(void)revents;
	if (c->stopping)
		return;
	printf("signal %.1f ms %s\n", elapsed_ms(c), strsignal(w->signum));
	if (!c->running || c->child_running)
		connect_fail(c, c->step, "interrupted");
	else
		begin_stop(c);
}

/* ---- options ---- */

static void connect_usage(FILE *f)
{
	fprintf(f, "usage: pptpbench connect --server ADDR --user USER --password-stdin\n"
		   "         [--bind ADDR] [--mppe stateless|stateful|none] [--tun NAME]\n"
		   "         [--mppe-bits 40|56|128]  (the one key length it offers; default 128)\n"
		   "         [--auth mschapv2,mschapv1,chap,pap]  (what it accepts; default mschapv2)\n"
		   "         [--auth eap-mschapv2|peap-mschapv2|eap-tls[,...]]  (EAP with that method)\n"
		   "         [--ca FILE] [--cert FILE --key FILE]  (PEAP, EAP-TLS: PEM files)\n"
		   "         [--route CIDR]... [--timeout S] [--run CMD]\n"
		   "         [--retries N] [--send-proto 0xHHHH]\n"
		   "         [--hostile-ccount-jump N [--hostile-rate R] [--hostile-seconds S]]\n"
		   "         [--hostile-ipcp-addr A.B.C.D|none]  (ask for it, or for none,\n"
		   "          whatever the server Naks)\n"
		   "         [--tun-mtu N]  (a client that ignores the link MTU, for MSS tests)\n"
		   "         [--window N]  (the receive window it announces; default 64)\n"
		   "         [--ack-delay MS]  (ack only after MS, never early: a slow acker)\n"
		   "         [--ipv6]  (IPV6CP; the RA's /64 and a default IPv6 route on the tun)\n"
		   "         [--dhcpv6-info]  (with --ipv6: one DHCPv6 Information-Request)\n"
		   "         [--dhcpv6-pd]  (with --ipv6: a Solicit with Rapid Commit and an\n"
		   "                         IA_PD; prints the delegated prefix)\n"
		   "         [--rs-flood N]  (with --ipv6: N Router Solicitations at once\n"
		   "                          after the first RA, 1..1000)\n"
		   "         [--profile windows]  (LCP, IPCP, IPV6CP, RS and DHCPv6 as Windows\n"
		   "                               sends them; implies --ipv6 --dhcpv6-info)\n");
}

static bool read_password(char **out)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, stdin);
	if (n < 0) {
		free(line);
		return false;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	*out = line;
	return true;
}

static void wipe_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void print_stats(struct connect *c)
{
	const struct ppp_stats *s = c->link ? ppp_stats(c->link) : NULL;
	const struct pptp_client_stats *g = pptp_client_stats(c->cl);
	printf("stats tx-ip=%llu rx-ip=%llu tx-ip-bytes=%llu rx-ip-bytes=%llu tun-rx=%llu "
	       "tun-tx=%llu gre-tx=%llu gre-rx=%llu "
	       "window-waits=%llu send-errors=%llu queue-drops=%llu mppe-dropped=%llu mppe-resets=%llu "
	       "held-ipcp=%llu\n",
	       (unsigned long long)(s ? s->tx_ip_packets : 0),
	       (unsigned long long)(s ? s->rx_ip_packets : 0),
	       (unsigned long long)(s ? s->tx_ip_bytes : 0),
	       (unsigned long long)(s ? s->rx_ip_bytes : 0), (unsigned long long)c->tun_rx,
	       (unsigned long long)c->tun_tx, (unsigned long long)g->gre_tx,
	       (unsigned long long)g->gre_rx, (unsigned long long)c->gre_window_waits,
	       (unsigned long long)c->gre_send_errors, (unsigned long long)c->txq_drops,
	       (unsigned long long)(s ? s->rx_mppe_dropped : 0),
	       (unsigned long long)(s ? s->mppe_resets : 0),
	       (unsigned long long)(s ? s->rx_held_ipcp : 0));
}

/* "mschapv2,pap": the methods the client accepts; at most one EAP method
 * among them. */
static bool parse_auth_list(struct connect *c, const char *list)
{
	struct ppp_config *pc = &c->pcfg;
	char buf[64];
	if (strlen(list) >= sizeof(buf))
		return false;
	strcpy(buf, list);
	pc->allow_mschapv2 = pc->allow_mschapv1 = pc->allow_chap_md5 = pc->allow_pap = false;
	pc->allow_eap = false;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		enum eap_peer_method m = EAP_PEER_MSCHAPV2;
		bool is_eap = true;
		if (strcmp(t, "eap-mschapv2") == 0)
			m = EAP_PEER_MSCHAPV2;
		else if (strcmp(t, "peap-mschapv2") == 0)
			m = EAP_PEER_PEAP_MSCHAPV2;
		else if (strcmp(t, "eap-tls") == 0)
			m = EAP_PEER_TLS;
		else
			is_eap = false;
		if (is_eap) {
			if (pc->allow_eap)
				return false;
			pc->allow_eap = true;
			c->eap_cfg.method = m;
		} else if (strcmp(t, "mschapv2") == 0)
			pc->allow_mschapv2 = true;
		else if (strcmp(t, "mschapv1") == 0)
			pc->allow_mschapv1 = true;
		else if (strcmp(t, "chap") == 0)
			pc->allow_chap_md5 = true;
		else if (strcmp(t, "pap") == 0)
			pc->allow_pap = true;
		else
			return false;
	}
	c->use_eap = pc->allow_eap;
	return pc->allow_mschapv2 || pc->allow_mschapv1 || pc->allow_chap_md5 || pc->allow_pap ||
	       pc->allow_eap;
}

static int parse_args(struct connect *c, struct pptp_client_params *p, bool *pw_stdin, int argc,
		      char **argv)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "bind", required_argument, NULL, 'b' },
		{ "user", required_argument, NULL, 'u' },
		{ "password-stdin", no_argument, NULL, 'P' },
		{ "mppe", required_argument, NULL, 'm' },
		{ "tun", required_argument, NULL, 'T' },
		{ "route", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "run", required_argument, NULL, 'R' },
		{ "retries", required_argument, NULL, 'n' },
		{ "send-proto", required_argument, NULL, 'p' },
		{ "tun-mtu", required_argument, NULL, 'M' },
		{ "auth", required_argument, NULL, 'A' },
		{ "hostile-ccount-jump", required_argument, NULL, 'J' },
		{ "hostile-rate", required_argument, NULL, 'J' + 256 },
		{ "hostile-seconds", required_argument, NULL, 'J' + 512 },
		{ "hostile-ipcp-addr", required_argument, NULL, 'I' + 256 },
		{ "window", required_argument, NULL, 'W' + 256 },
		{ "ack-delay", required_argument, NULL, 'D' + 256 },
		{ "mppe-bits", required_argument, NULL, 'K' + 256 },
		{ "ca", required_argument, NULL, 'C' + 256 },
		{ "cert", required_argument, NULL, 'C' + 512 },
		{ "key", required_argument, NULL, 'C' + 768 },
		/* IPv6 (pptpbench_ipv6.h) */
		{ "ipv6", no_argument, NULL, '6' + 256 },
		{ "dhcpv6-info", no_argument, NULL, 'd' + 512 },
		{ "dhcpv6-pd", no_argument, NULL, 'd' + 768 },
		{ "rs-flood", required_argument, NULL, 'r' + 768 },
		/* a client shaped as Windows' (pptpbench_windows.h) */
		{ "profile", required_argument, NULL, 'P' + 512 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_server = false;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:b:u:Pm:T:r:t:R:n:p:M:A:J:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			if (inet_pton(AF_INET, optarg, &p->server) != 1) {
				fprintf(stderr, "connect: bad --server '%s'\n", optarg);
				return 2;
			}
			have_server = true;
			break;
		case 'b':
			if (inet_pton(AF_INET, optarg, &p->local) != 1) {
				fprintf(stderr, "connect: bad --bind '%s'\n", optarg);
				return 2;
			}
			break;
		case 'u':
			c->pcfg.user = optarg;
			break;
		case 'A':
			if (!parse_auth_list(c, optarg)) {
				fprintf(stderr,
					"connect: bad --auth '%s' (mschapv2, mschapv1, chap, pap, and one "
					"of eap-mschapv2, peap-mschapv2, eap-tls)\n",
					optarg);
				return 2;
			}
			break;
		case 'P':
			*pw_stdin = true;
			break;
		case 'm':
			if (strcmp(optarg, "stateless") == 0) {
				c->pcfg.mppe_stateless = true;
				c->pcfg.mppe_stateful = false;
			} else if (strcmp(optarg, "stateful") == 0) {
				c->pcfg.mppe_stateless = false;
				c->pcfg.mppe_stateful = true;
			} else if (strcmp(optarg, "none") == 0) {
				c->pcfg.mppe_required = false;
				c->pcfg.mppe_128 = false;
			} else {
				fprintf(stderr, "connect: bad --mppe '%s'\n", optarg);
				return 2;
			}
			break;
		case 'K' + 256: {
			unsigned bits = (unsigned)strtoul(optarg, NULL, 10);
			if (bits != 40 && bits != 56 && bits != 128) {
				fprintf(stderr, "connect: bad --mppe-bits '%s' (40, 56, 128)\n", optarg);
				return 2;
			}
			c->pcfg.mppe_40 = bits == 40;
			c->pcfg.mppe_56 = bits == 56;
			c->pcfg.mppe_128 = bits == 128;
			break;
		}
		case 'T':
			if (!optarg[0] || strlen(optarg) >= 16) {
				fprintf(stderr, "connect: bad --tun '%s'\n", optarg);
				return 2;
			}
			c->tun_name = optarg;
			break;
		case 'r':
			if (c->nroutes == MAX_ROUTES ||
			    !client_tun_parse_cidr(optarg, &c->routes[c->nroutes].net,
						   &c->routes[c->nroutes].len)) {
				fprintf(stderr, "connect: bad --route '%s'\n", optarg);
				return 2;
			}
			c->nroutes++;
			break;
		case 't': {
			char *end;
			c->timeout = strtod(optarg, &end);
			if (*end || !(c->timeout > 0 && c->timeout <= 3600)) {
				fprintf(stderr, "connect: bad --timeout '%s'\n", optarg);
				return 2;
			}
			p->timeout = c->timeout;
			break;
		}
		case 'R':
			c->run_cmd = optarg;
			break;
		case '6' + 256:
			c->v6.enabled = true;
			c->pcfg.allow_ipv6 = true;
			break;
		case 'd' + 512:
			c->v6.dhcp_info = true;
			break;
		case 'd' + 768:
			c->v6.dhcp_pd = true;
			break;
		case 'r' + 768: {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*end || n < 1 || n > 1000) {
				fprintf(stderr, "connect: bad --rs-flood '%s' (1..1000)\n", optarg);
				return 2;
			}
			c->v6.rs_flood = (unsigned)n;
			break;
		}
		case 'P' + 512:
			if (strcmp(optarg, "windows") != 0) {
				fprintf(stderr, "connect: bad --profile '%s' (windows)\n", optarg);
				return 2;
			}
			c->win.send = link_send;
			c->win.ctx = c;
			if (!bench_windows_configure(&c->win, &c->pcfg, &c->v6)) {
				fprintf(stderr, "connect: --profile windows: no random identifier\n");
				return 2;
			}
			break;
		case 'n': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!optarg[0] || *end || v > 100) {
				fprintf(stderr, "connect: bad --retries '%s'\n", optarg);
				return 2;
			}
			c->retries = (unsigned)v;
			break;
		}
		case 'p': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 16);
			if (!optarg[0] || *end || v == 0 || v > 0xFFFF) {
				fprintf(stderr, "connect: bad --send-proto '%s'\n", optarg);
				return 2;
			}
			c->send_proto = (uint16_t)v;
			break;
		}
		case 'W' + 256:
		case 'D' + 256: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			unsigned long max = opt == 'W' + 256 ? 65535 : 1000;
			if (!optarg[0] || *end || v == 0 || v > max) {
				fprintf(stderr, "connect: bad --%s '%s' (1 to %lu)\n",
					opt == 'W' + 256 ? "window" : "ack-delay", optarg, max);
				return 2;
			}
			if (opt == 'W' + 256)
				p->recv_window = (uint16_t)v;
			else
				p->ack_delay_ms = (unsigned)v;
			break;
		}
		case 'M': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!optarg[0] || *end || v < 576 || v > 9000) {
				fprintf(stderr, "connect: bad --tun-mtu '%s' (576 to 9000)\n", optarg);
				return 2;
			}
			c->tun_mtu = (unsigned)v;
			break;
		}
		case 'J':
		case 'J' + 256: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (!optarg[0] || *end || v == 0 || v > (opt == 'J' ? 4095 : 10000)) {
				fprintf(stderr, "connect: bad --hostile-%s '%s'\n",
					opt == 'J' ? "ccount-jump" : "rate", optarg);
				return 2;
			}
			if (opt == 'J')
				c->hostile_jump = (unsigned)v;
			else
				c->hostile_rate = (unsigned)v;
			break;
		}
		case 'J' + 512: {
			char *end;
			c->hostile_secs = strtod(optarg, &end);
			if (*end || !(c->hostile_secs > 0 && c->hostile_secs <= 600)) {
				fprintf(stderr, "connect: bad --hostile-seconds '%s'\n", optarg);
				return 2;
			}
			break;
		}
		case 'I' + 256: {
			struct in_addr a;
			c->hostile_ipcp = true;
			if (strcmp(optarg, "none") == 0) {
				c->hostile_ipcp_none = true;
				break;
			}
			if (inet_pton(AF_INET, optarg, &a) != 1) {
				fprintf(stderr, "connect: bad --hostile-ipcp-addr '%s'\n", optarg);
				return 2;
			}
			c->hostile_ipcp_addr = ntohl(a.s_addr);
			break;
		}
		case 'C' + 256:
			c->eap_cfg.ca_file = optarg;
			break;
		case 'C' + 512:
			c->eap_cfg.cert_file = optarg;
			break;
		case 'C' + 768:
			c->eap_cfg.key_file = optarg;
			break;
		case 'h':
			connect_usage(stdout);
			return 0;
		default:
			connect_usage(stderr);
			return 2;
		}
	}
	/* EAP-TLS alone needs no password */
	if (!*pw_stdin && !(c->use_eap && c->eap_cfg.method == EAP_PEER_TLS &&
			    !c->pcfg.allow_mschapv2 && !c->pcfg.allow_mschapv1 &&
			    !c->pcfg.allow_chap_md5 && !c->pcfg.allow_pap)) {
		connect_usage(stderr);
		return 2;
	}
	if (!have_server || !c->pcfg.user || optind != argc) {
		connect_usage(stderr);
		return 2;
	}
	if ((c->eap_cfg.cert_file || c->eap_cfg.key_file || c->eap_cfg.ca_file) &&
	    (!c->use_eap || c->eap_cfg.method == EAP_PEER_MSCHAPV2)) {
		fprintf(stderr, "connect: --ca, --cert and --key go with --auth peap-mschapv2 or "
				"eap-tls\n");
		return 2;
	}
	if (c->use_eap && c->eap_cfg.method == EAP_PEER_TLS &&
	    (!c->eap_cfg.cert_file || !c->eap_cfg.key_file)) {
		fprintf(stderr, "connect: --auth eap-tls needs --cert and --key\n");
		return 2;
	}
	return -1;
}

static void connect_init(struct connect *c)
{
	memset(c, 0, sizeof(*c));
	c->tun_fd = -1;
	c->timeout = 10;
	c->tun_name = "pptpb0";
	c->step = "tcp-connect";
	c->auth_attempts = 1;
	c->hostile_rate = 200;
	c->hostile_secs = 10;
	c->last_ccount = 4095; /* MPPE starts there: the first frame carries 0 */
	c->pcfg.role = PPP_ROLE_CLIENT;
	c->pcfg.headroom = 0; /* pptp_call_send copies into its own GRE buffer */
	c->pcfg.allow_mschapv2 = true;
	c->pcfg.mppe_required = true;
	c->pcfg.mppe_128 = true;
	c->pcfg.mppe_stateless = true;
}

static void watchers_init(struct connect *c)
{
	ev_timer_init(&c->ppp_timer, ppp_timer_cb, 0.0, 0.0);
	ev_timer_init(&c->setup_timer, setup_timeout_cb, 0.0, 0.0);
	ev_timer_init(&c->stop_timer, stop_timeout_cb, 0.0, 0.0);
	ev_io_init(&c->tun_io, tun_cb, -1, EV_READ);
	ev_prepare_init(&c->prepare, prepare_cb);
	ev_signal_init(&c->sig_term, signal_cb, SIGTERM);
	ev_signal_init(&c->sig_int, signal_cb, SIGINT);
	ev_child_init(&c->child, child_cb, 0, 0);
	ev_timer_init(&c->hostile_timer, hostile_cb, 0.0, 0.0);
	c->hostile_timer.data = c;
	c->ppp_timer.data = c->setup_timer.data = c->stop_timer.data = c;
	c->tun_io.data = c->prepare.data = c->sig_term.data = c->sig_int.data = c;
	c->child.data = c;
	ev_prepare_start(c->loop, &c->prepare);
	ev_signal_start(c->loop, &c->sig_term);
	ev_signal_start(c->loop, &c->sig_int);
}

static void watchers_stop(struct connect *c)
{
	ev_prepare_stop(c->loop, &c->prepare);
	ev_signal_stop(c->loop, &c->sig_term);
	ev_signal_stop(c->loop, &c->sig_int);
	ev_timer_stop(c->loop, &c->ppp_timer);
	ev_timer_stop(c->loop, &c->setup_timer);
	ev_timer_stop(c->loop, &c->stop_timer);
	ev_timer_stop(c->loop, &c->hostile_timer);
	ev_io_stop(c->loop, &c->tun_io);
	ev_child_stop(c->loop, &c->child);
}

int pptpbench_connect(int argc, char **argv)
{
	struct pptp_client_params p;
	struct connect *c;
	char *password = NULL, err[256];
	bool pw_stdin = false;
	int rc;

	c = malloc(sizeof(*c));
	if (!c) {
		fprintf(stderr, "connect: out of memory\n");
		return 1;
	}
	connect_init(c);
	pptp_client_params_default(&p);
	p.timeout = c->timeout;
	rc = parse_args(c, &p, &pw_stdin, argc, argv);
	if (rc >= 0) {
		free(c);
		return rc;
	}
	if (pw_stdin ? !read_password(&password) : !(password = strdup(""))) {
		fprintf(stderr, "connect: no password on stdin\n");
		free(c);
		return 2;
	}
	c->pcfg.password = password;
	if (!crypto_init(err, sizeof(err))) {
		fprintf(stderr, "connect: %s\n", err);
		wipe_free(password);
		free(c);
		return 1;
	}
	if (c->use_eap) {
		c->eap_cfg.identity = c->pcfg.user;
		c->eap_cfg.password = password;
		c->eap = eap_peer_new(&c->eap_cfg, err, sizeof(err));
		if (!c->eap) {
			fprintf(stderr, "connect: %s\n", err);
			wipe_free(password);
			free(c);
			crypto_shutdown();
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	log_init("pptpbench", LOG_LVL_WARN);

	/* ev_child needs the default loop. */
	c->loop = ev_default_loop(EVFLAG_AUTO);
	if (!c->loop) {
		fprintf(stderr, "connect: no event loop\n");
		wipe_free(password);
		eap_peer_free(c->eap);
		free(c);
		crypto_shutdown();
		return 1;
	}
	watchers_init(c);
	c->cl = pptp_client_new(c->loop, &p, &client_ops, c);
	if (!c->cl) {
		printf("FAIL gre-socket: %s\n", strerror(errno));
		rc = 1;
		goto out;
	}
	ev_now_update(c->loop);
	c->t0 = ev_now(c->loop);
	c->ctrl = pptp_ctrl_open(c->cl, c);
	if (!c->ctrl)
		connect_fail(c, "tcp-connect", strerror(errno));
	else
		ev_run(c->loop, 0);
	ev_now_update(c->loop);
	if (c->running)
		print_stats(c);
	if (c->hostile_jump)
		printf("hostile-ccount sent=%llu jump=%u\n", (unsigned long long)c->hostile_sent,
		       c->hostile_jump);
	if (!c->failed && c->stopping)
		printf("disconnect %.1f ms\n", elapsed_ms(c));
	if (c->failed)
		rc = 1;
	else
		rc = c->run_cmd && c->child_done ? c->child_status : 0;
	pptp_client_free(c->cl);
out:
	watchers_stop(c);
	if (c->link)
		ppp_free(c->link);
	eap_peer_free(c->eap);
	if (c->tun_fd >= 0)
		close(c->tun_fd);
	wipe_free(password);
	free(c);
	crypto_shutdown();
	return rc;
}
