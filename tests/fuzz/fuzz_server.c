/*
 * libFuzzer target for the whole server on its event loop: the real
 * struct server with real sessions (SQLite user store with one user, pool,
 * data path, PPP, MS-CHAPv2, MPPE), fed hostile byte streams on control
 * connections and hostile GRE datagrams, not only the parsers.
 *
 * Per input: a fresh server on one loop through server_start_offline()
 * (the test seam that takes a socketpair for the raw GRE socket and a
 * socketpair-backed struct tun for the tun device, and opens no listener),
 * then the input is run as a script of events, then everything is torn
 * down; a server whose objects are not all freed then aborts, and
 * LeakSanitizer checks the rest.
 *
 * The script: records of one opcode byte and its operands, until the
 * input ends (a record cut short is dropped):
 *   op & 7 == 0  ctrl bytes: be16 length (mod 2048), bytes; written to
 *                control connection (op >> 3) & 1, opened (TCP on
 *                loopback, handed to ctrl_accept()) when not open; then
 *                one loop turn
 *   op & 7 == 1  GRE datagram as the raw socket returns it: be16 length,
 *                bytes; with op bit 3, an IPv4 header (protocol 47, source
 *                the peer, or 192.0.2.99 with op bit 4) is put in front
 *   op & 7 == 2  PPP frame to the first live call: be16 length, bytes; the
 *                harness adds the GRE header (the call's ID, the next
 *                sequence number, an ack with op bit 3) and the IPv4 header
 *   op & 7 == 3  IPv4 packet from the LAN into the tun: be16 length, bytes
 *   op & 7 == 4  tick: drain what the server sent, wait (at most 200 ms)
 *                for an authentication in progress, two loop turns
 *   op & 7 == 5  close control connection (op >> 3) & 1: with op bit 4 a
 *                reset (SO_LINGER 0), else an orderly close
 *   op & 7 == 6  help the peer along: op bits 3-4 choose a reply to what
 *                the server last sent: 0 Configure-Ack of its last LCP
 *                Configure-Request, 1 of CCP's, 2 of IPCP's, 3 the
 *                MS-CHAPv2 Response to its last Challenge (one byte
 *                operand: bit 0 set = a wrong password, the rest seeds the
 *                peer challenge)
 *   op & 7 == 7  with op bit 3, the stats line (as SIGUSR1 writes it);
 *                without, time passes: one byte operand N, the monotonic
 *                clock jumps (N + 1) * 100 ms ahead, then two loop turns
 *                (every timer due by then fires: start and echo timeouts,
 *                LCP restarts, authentication timeouts, GRE acks); at most
 *                an hour per input
 * Without the help a fuzzer could never get past LCP: the server's
 * Configure-Request carries a random magic number and its Challenge random
 * bytes.
 *
 * Fake time: this file defines clock_gettime(), which the server's own
 * server_now_ms() and libev's clock (libev.so imports clock_gettime) both
 * resolve to, so CLOCK_MONOTONIC can be moved ahead by the script. Only
 * ever ahead, and across inputs too: a clock never goes back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "auth/backend.h"
#include "auth/userdb.h"
#include "common/crypto.h"
#include "common/gre.h"
#include "common/log.h"
#include "common/mschap.h"
#include "conf/config.h"
#include "server/call.h"
#include "server/ctrl.h"
#include "server/server.h"
#include "server/session.h"
#include "server/tun.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_USER     "fuzz"
#define FUZZ_PASSWORD "fuzz-password"
#define NCONN         2
#define PKT_MAX       2048

static struct {
	char dir[256];
	char db[300];
	struct config *cfg;
	struct ev_loop *loop;
	int lfd;                 /* loopback listener the connections come from */
	struct sockaddr_in laddr;
	uint8_t nt_hash[MSCHAP_NT_HASH_LEN];
} G;

/* One input's world. */
struct run {
	struct server *srv;
	int conn[NCONN];         /* our ends of the control connections */
	int gre;                 /* our end of the GRE socketpair */
	int tun;                 /* our end of the tun socketpair */
	uint32_t seq;            /* our next GRE sequence number */
	uint32_t peer_seq;       /* the last the server sent, to ack */
	bool have_peer_seq;
	/* What the server sent last: Configure-Requests of LCP, CCP and IPCP,
	 * and the MS-CHAPv2 Challenge. */
	uint8_t req[3][PKT_MAX];
	size_t req_len[3];
	uint8_t chal_id;
	uint8_t chal[MSCHAP_CHALLENGE_LEN];
	bool have_chal;
	uint64_t warped_ns;      /* this input's share of warp_ns */
};

/* At most an hour of fake time per input: the clock only goes ahead, for
 * the whole process, and must not wrap in the longest of runs. */
#define WARP_MAX_NS (3600ull * 1000000000u)

static const uint16_t cp_proto[3] = { 0xC021, 0x80FD, 0x8021 };

/* ---- fake time ---- */

static uint64_t warp_ns; /* added to CLOCK_MONOTONIC */

int clock_gettime(clockid_t id, struct timespec *ts)
{
	long rc = syscall(SYS_clock_gettime, id, ts);

	if (rc != 0)
		return -1;
	if (id == CLOCK_MONOTONIC || id == CLOCK_MONOTONIC_COARSE || id == CLOCK_MONOTONIC_RAW ||
	    id == CLOCK_BOOTTIME) {
		uint64_t ns = (uint64_t)ts->tv_nsec + warp_ns % 1000000000u;
		ts->tv_sec += (time_t)(warp_ns / 1000000000u + ns / 1000000000u);
		ts->tv_nsec = (long)(ns % 1000000000u);
	}
	return 0;
}

static void cleanup(void)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	char p[320];

	for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", G.db, sfx[i]);
		unlink(p);
	}
	rmdir(G.dir);
	config_free(G.cfg);
	if (G.loop)
		ev_loop_destroy(G.loop);
	if (G.lfd >= 0)
		close(G.lfd);
	crypto_shutdown();
}

static void die(const char *what)
{
	fprintf(stderr, "fuzz_server: %s\n", what);
	abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[512];
	const char *tmp = getenv("TMPDIR");
	struct userdb *db = NULL;
	struct user_record rec = { .enabled = true };
	(void)argc;
	(void)argv;

	/* Quiet; FUZZ_SERVER_LOG=1 shows the server's log, to see how far an
	 * input gets. */
	log_init("fuzz_server", getenv("FUZZ_SERVER_LOG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	if (!crypto_init(err, sizeof(err)))
		die(err);
	snprintf(G.dir, sizeof(G.dir), "%s/fuzz_server.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(G.dir))
		die("mkdtemp");
	snprintf(G.db, sizeof(G.db), "%s/users.db", G.dir);
	if (userdb_open(G.db, USERDB_OPEN_CREATE, &db, err, sizeof(err)) != USERDB_OK)
		die(err);
	snprintf(rec.name, sizeof(rec.name), "%s", FUZZ_USER);
	if (!NtPasswordHash(FUZZ_PASSWORD, G.nt_hash))
		die("NtPasswordHash");
	memcpy(rec.nt_hash, G.nt_hash, sizeof(rec.nt_hash));
	if (userdb_add(db, &rec) != USERDB_OK)
		die("userdb_add");
	userdb_free(db);

	/* Every method and MPPE variant on offer, so that each can be reached;
	 * MPPE not required, so that PAP logins reach IPCP as well. */
	char text[1024];
	snprintf(text, sizeof(text),
		 "localip 192.0.2.1\n"
		 "remoteip 192.0.2.10-13\n"
		 "connections 4\n"
		 "user-db %s\n"
		 "ms-dns 203.0.113.53\n"
		 "require-mppe no\n"
		 "require-mppe-128 no\n"
		 "mppe-40 yes\n"
		 "mppe-56 yes\n"
		 "mppe-stateful yes\n"
		 "refuse-pap no\n"
		 "refuse-mschap no\n"
		 "auth-retries 2\n",
		 G.db);
	G.cfg = config_load_string("fuzz_server.conf", text, err, sizeof(err));
	if (!G.cfg)
		die(err);
	G.loop = ev_loop_new(EVFLAG_AUTO);
	if (!G.loop)
		die("ev_loop_new");

	G.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	G.laddr = (struct sockaddr_in){ .sin_family = AF_INET,
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(G.laddr);
	if (G.lfd < 0 || bind(G.lfd, (struct sockaddr *)&G.laddr, sizeof(G.laddr)) != 0 ||
	    listen(G.lfd, 8) != 0 || getsockname(G.lfd, (struct sockaddr *)&G.laddr, &len) != 0)
		die("loopback listener");
	atexit(cleanup);
	return 0;
}

/* ---- the script's reader ---- */

struct script {
	const uint8_t *p;
	size_t left;
};

static bool take(struct script *s, size_t n, const uint8_t **out)
{
	if (s->left < n)
		return false;
	*out = s->p;
	s->p += n;
	s->left -= n;
	return true;
}

static bool take_block(struct script *s, const uint8_t **out, size_t *len)
{
	const uint8_t *l;
	if (!take(s, 2, &l))
		return false;
	*len = (size_t)((l[0] << 8) | l[1]) % PKT_MAX;
	return take(s, *len, out);
}

/* ---- the world ---- */

static void turn(void)
{
	ev_run(G.loop, EVRUN_NOWAIT);
}

static int conn_open(struct run *r, unsigned k)
{
	if (r->conn[k] >= 0)
		return r->conn[k];
	int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		return -1;
	if (connect(c, (struct sockaddr *)&G.laddr, sizeof(G.laddr)) != 0) {
		close(c);
		return -1;
	}
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int fd = accept4(G.lfd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		close(c);
		return -1;
	}
	/* Our end never blocks: what the server sends waits for a tick. */
	int fl = fcntl(c, F_GETFL);
	if (fl < 0 || fcntl(c, F_SETFL, fl | O_NONBLOCK) != 0) {
		close(c);
		close(fd);
		return -1;
	}
	ctrl_accept(r->srv, fd, &peer);
	r->conn[k] = c;
	return c;
}

static void conn_close(struct run *r, unsigned k, bool reset)
{
	if (r->conn[k] < 0)
		return;
	if (reset) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(r->conn[k], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	close(r->conn[k]);
	r->conn[k] = -1;
}

/* A PPP frame the server sent: remember Configure-Requests and the
 * MS-CHAPv2 Challenge for the help op. */
static void note_frame(struct run *r, const uint8_t *f, size_t len)
{
	uint16_t proto;

	if (len >= 2 && f[0] == 0xFF && f[1] == 0x03) {
		f += 2;
		len -= 2;
	}
	if (len < 1)
		return;
	if (f[0] & 1) { /* a compressed protocol field */
		proto = f[0];
		f += 1;
		len -= 1;
	} else {
		if (len < 2)
			return;
		proto = (uint16_t)((f[0] << 8) | f[1]);
		f += 2;
		len -= 2;
	}
	if (len < 4)
		return;
	for (int i = 0; i < 3; i++) {
		if (proto == cp_proto[i] && f[0] == 1 && len <= PKT_MAX) {
			memcpy(r->req[i], f, len);
			r->req_len[i] = len;
		}
	}
	/* C2 23, Challenge: code 1, id, length, value-size 16, value, name */
	if (proto == 0xC223 && f[0] == 1 && len >= 5 + MSCHAP_CHALLENGE_LEN &&
	    f[4] == MSCHAP_CHALLENGE_LEN) {
		r->chal_id = f[1];
		memcpy(r->chal, f + 5, MSCHAP_CHALLENGE_LEN);
		r->have_chal = true;
	}
}

/* Read and drop what the server sent on every channel; GRE is parsed for
 * the help op and for the sequence number to acknowledge. */
static void drain(struct run *r)
{
	uint8_t buf[4096];

	for (unsigned k = 0; k < NCONN; k++) {
		for (int i = 0; r->conn[k] >= 0 && i < 64; i++)
			if (read(r->conn[k], buf, sizeof(buf)) <= 0)
				break;
	}
	for (int i = 0; i < 256; i++) {
		ssize_t n = recv(r->gre, buf, sizeof(buf), MSG_DONTWAIT);
		struct gre_hdr h;
		size_t hl;
		if (n <= 0)
			break;
		if (gre_parse(buf, (size_t)n, &h, &hl) != GRE_OK)
			abort(); /* the server sent a GRE header that does not parse */
		if (h.has_seq) {
			r->peer_seq = h.seq;
			r->have_peer_seq = true;
		}
		if (h.payload_len)
			note_frame(r, buf + hl, h.payload_len);
	}
	for (int i = 0; i < 256; i++)
		if (recv(r->tun, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
			break;
}

/* The IPv4 header the raw socket puts in front of GRE. */
static size_t ipv4_hdr(uint8_t *out, size_t payload, uint32_t src)
{
	size_t tot = 20 + payload;
	uint32_t dst = INADDR_LOOPBACK;

	memset(out, 0, 20);
	out[0] = 0x45;
	out[2] = (uint8_t)(tot >> 8);
	out[3] = (uint8_t)tot;
	out[6] = 0x40; /* DF */
	out[8] = 64;
	out[9] = 47;
	for (int i = 0; i < 4; i++) {
		out[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		out[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	return 20;
}

static void gre_raw(struct run *r, const uint8_t *p, size_t len)
{
	(void)send(r->gre, p, len, MSG_DONTWAIT);
	turn();
}

static void gre_with_ip(struct run *r, const uint8_t *p, size_t len, uint32_t src)
{
	uint8_t pkt[20 + PKT_MAX];
	size_t hl = ipv4_hdr(pkt, len, src);
	memcpy(pkt + hl, p, len);
	gre_raw(r, pkt, hl + len);
}

static struct call *first_call(const struct run *r)
{
	for (unsigned id = 1; id <= 16; id++) {
		struct call *c = server_call_by_id(r->srv, (uint16_t)id);
		if (c && !c->dying)
			return c;
	}
	return NULL;
}

/* A PPP frame to the first live call, as a client's GRE stack sends it. */
static void ppp_out(struct run *r, const uint8_t *frame, size_t len, bool ack)
{
	struct call *c = first_call(r);
	uint8_t pkt[GRE_HDR_MAX + PKT_MAX];

	if (!c || len > PKT_MAX)
		return;
	struct gre_hdr h = {
		.payload_len = (uint16_t)len,
		.call_id = c->id,
		.has_seq = true,
		.seq = r->seq++,
		.has_ack = ack && r->have_peer_seq,
		.ack = r->peer_seq,
	};
	size_t hl = gre_build(pkt, sizeof(pkt), &h);
	if (!hl)
		return;
	memcpy(pkt + hl, frame, len);
	gre_with_ip(r, pkt, hl + len, INADDR_LOOPBACK);
}

static void tick(struct run *r)
{
	drain(r);
	bool pending = false;
	for (unsigned i = 0; i < r->srv->nslots; i++) {
		const struct session *s = r->srv->session_slot[i];
		pending |= s && session_state(s) == SESSION_AUTH_WAIT;
	}
	if (pending && r->srv->auth) {
		struct pollfd pfd = { .fd = auth_backend_fd(r->srv->auth), .events = POLLIN };
		(void)poll(&pfd, 1, 200);
	}
	turn();
	turn();
	drain(r);
}

/* ---- the help op ---- */

static void ack_request(struct run *r, unsigned which)
{
	uint8_t f[4 + PKT_MAX];
	size_t len = r->req_len[which];

	if (!len || len + 4 > sizeof(f))
		return;
	f[0] = 0xFF;
	f[1] = 0x03;
	f[2] = (uint8_t)(cp_proto[which] >> 8);
	f[3] = (uint8_t)cp_proto[which];
	memcpy(f + 4, r->req[which], len);
	f[4] = 2; /* Configure-Ack: same id, same options */
	r->req_len[which] = 0;
	ppp_out(r, f, len + 4, true);
}

static void mschapv2_response(struct run *r, uint8_t arg)
{
	static const char name[] = FUZZ_USER;
	uint8_t hash[MSCHAP_NT_HASH_LEN], peer_chal[MSCHAP_CHALLENGE_LEN];
	uint8_t f[4 + 5 + 49 + sizeof(name)];
	size_t n = 0;

	if (!r->have_chal)
		return;
	memcpy(hash, G.nt_hash, sizeof(hash));
	if (arg & 1)
		hash[0] ^= 0x5A;
	memset(peer_chal, arg, sizeof(peer_chal));
	f[n++] = 0xFF;
	f[n++] = 0x03;
	f[n++] = 0xC2;
	f[n++] = 0x23;
	f[n++] = 2; /* Response */
	f[n++] = r->chal_id;
	size_t plen = 5 + 49 + sizeof(name) - 1;
	f[n++] = (uint8_t)(plen >> 8);
	f[n++] = (uint8_t)plen;
	f[n++] = 49;
	memcpy(f + n, peer_chal, MSCHAP_CHALLENGE_LEN);
	n += MSCHAP_CHALLENGE_LEN;
	memset(f + n, 0, 8);
	n += 8;
	GenerateNTResponse(r->chal, peer_chal, name, sizeof(name) - 1, hash, f + n);
	n += MSCHAP_NT_RESPONSE_LEN;
	f[n++] = 0; /* flags */
	memcpy(f + n, name, sizeof(name) - 1);
	n += sizeof(name) - 1;
	r->have_chal = false;
	ppp_out(r, f, n, true);
}

/* ---- one input ---- */

static void run_script(struct run *r, struct script *s)
{
	const uint8_t *op, *p;
	size_t len;
	unsigned k;

	/* Bounded: every record takes at least one byte. */
	while (take(s, 1, &op)) {
		k = (*op >> 3) & 1;
		switch (*op & 7) {
		case 0:
			if (!take_block(s, &p, &len))
				return;
			if (conn_open(r, k) >= 0 && len)
				(void)send(r->conn[k], p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			turn();
			break;
		case 1:
			if (!take_block(s, &p, &len))
				return;
			if (*op & 8)
				gre_with_ip(r, p, len, *op & 16 ? 0xC0000263u : INADDR_LOOPBACK);
			else
				gre_raw(r, p, len);
			break;
		case 2:
			if (!take_block(s, &p, &len))
				return;
			ppp_out(r, p, len, *op & 8);
			break;
		case 3:
			if (!take_block(s, &p, &len))
				return;
			(void)send(r->tun, p, len, MSG_DONTWAIT);
			turn();
			break;
		case 4:
			tick(r);
			break;
		case 5:
			conn_close(r, k, *op & 16);
			turn();
			break;
		case 6: {
			unsigned which = (*op >> 3) & 3;
			if (which < 3) {
				drain(r);
				ack_request(r, which);
			} else {
				if (!take(s, 1, &p))
					return;
				drain(r);
				mschapv2_response(r, *p);
			}
			break;
		}
		case 7:
			if (*op & 8) {
				server_log_stats(r->srv);
				break;
			}
			if (!take(s, 1, &p))
				return;
			if (r->warped_ns < WARP_MAX_NS) {
				r->warped_ns += ((uint64_t)*p + 1) * 100000000u;
				warp_ns += ((uint64_t)*p + 1) * 100000000u;
			}
			turn();
			turn();
			drain(r);
			break;
		}
	}
}

static bool pair(int out[2])
{
	return socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, out) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run r = { .conn = { -1, -1 }, .gre = -1, .tun = -1 };
	struct script s = { .p = data, .left = size };
	int g[2], t[2];

	if (!pair(g))
		die("socketpair");
	if (!pair(t))
		die("socketpair");
	struct tun *tun = calloc(1, sizeof(*tun));
	if (!tun)
		die("out of memory");
	tun->fd = t[0];
	tun->nl.fd = -1;
	snprintf(tun->name, sizeof(tun->name), "fuzz0");
	tun->mtu = G.cfg->mtu;
	tun->localip = ntohl(G.cfg->localip.s_addr);
	r.gre = g[1];
	r.tun = t[1];

	r.srv = server_new(G.loop, G.cfg, false);
	if (!r.srv)
		die("server_new");
	if (!server_start_offline(r.srv, g[0], tun))
		die("server_start_offline");

	run_script(&r, &s);

	/* Down: our ends closed, every control connection killed, reaped. */
	for (unsigned k = 0; k < NCONN; k++)
		conn_close(&r, k, false);
	drain(&r);
	while (r.srv->ctrls)
		ctrl_kill(r.srv->ctrls, "fuzz-end");
	for (int i = 0; i < 8 && (r.srv->dead_ctrls || r.srv->dead_calls || r.srv->dead_sessions);
	     i++)
		turn();
	if (r.srv->nsessions || r.srv->ncalls || r.srv->nctrls || r.srv->objects)
		die("objects left after every control connection was killed and reaped");
	server_free(r.srv);
	close(r.gre);
	close(r.tun);
	return 0;
}
