/*
 * pptpbench datapath: the two halves of the data-path benchmark that
 * scripts/bench_datapath.sh runs against pptpd in one run (issue 13).
 *
 *   pptpbench datapath blast --dst ADDR [--size BYTES] [--seconds S]
 *                            [--rate PPS]
 *     UDP datagrams of BYTES IPv4 bytes (default 1400) to ADDR port 9,
 *     sendmmsg() in batches of 32, paced to PPS packets a second (0: as
 *     fast as the socket takes them), for S seconds (default 5). Each
 *     payload starts with its sequence number (8 bytes, big-endian, from
 *     0). Prints "blast sent=N seconds=T".
 *
 *   pptpbench datapath sink --bind ADDR [--seconds S] [--gre]
 *     Receives what blast sends, on ADDR port 9 (so the host answers no
 *     ICMP port unreachable), until SIGTERM/SIGINT or S seconds (default
 *     3600), and checks the sequence numbers: "sink received=N lost=N
 *     reordered=N duplicates=N" (lost: numbers skipped and never seen
 *     later; reordered: a number lower than one already received).
 *     With --gre it is the baseline's receiver instead: a raw GRE socket
 *     bound to ADDR that reads (recvmmsg) and counts what forward sends,
 *     "sink gre received=N", so that the forwarder, like pptpd with its
 *     client, pays the kernel's delivery to a live socket on the far side
 *     of the veth (done in the sender's context: softirq on its CPU).
 *
 *   pptpbench datapath forward --tun NAME --peer ADDR [--local ADDR]
 *                              [--seconds S]
 *     The baseline: what the server's data path does without PPP. A tun
 *     device NAME (created, up, no address: the caller routes to it) and
 *     a raw GRE socket; each wake-up reads the tun in batches of 32 until
 *     it is empty (at most 4 batches, as server/datapath.c), checks each
 *     packet's IPv4 header, puts a GRE header (call ID 1, a sequence
 *     number) and the PPP header for IPv4 (FF 03 00 21) in front and sends
 *     the batch to ADDR with one sendmmsg(); GRE read with recvmmsg() goes
 *     the other way into the tun. No encryption, no sessions, no window.
 *     Runs until SIGTERM/SIGINT or S seconds (default 3600); prints
 *     "forward tun_rx=N gre_tx=N gre_rx=N tun_tx=N".
 *
 * The CPU both cost is measured from outside (the script reads
 * /proc/PID/schedstat), as it is for pptpd.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/gre.h"
#include "common/ipv4.h"
#include "tools/client_tun.h"
#include "tools/pptpbench.h"

#define DP_BATCH   32
#define DP_ROUNDS  4
#define DP_PKT_MAX 2048
#define DP_PPP_HDR 4    /* FF 03 00 21 */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static bool parse_addr(const char *s, struct in_addr *a)
{
	return s && inet_pton(AF_INET, s, a) == 1;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: pptpbench datapath blast --dst ADDR [--size BYTES] [--seconds S] "
		   "[--rate PPS]\n"
		   "       pptpbench datapath sink --bind ADDR [--seconds S] [--gre]\n"
		   "       pptpbench datapath forward --tun NAME --peer ADDR [--local ADDR] "
		   "[--seconds S]\n");
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * (7 - i)));
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- blast ---- */

static int blast(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dst", required_argument, NULL, 'd' },
		{ "size", required_argument, NULL, 's' },
		{ "seconds", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct in_addr dst = { 0 };
	double size = 1400, secs = 5, rate = 0;
	bool have_dst = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'd': ok = have_dst = parse_addr(optarg, &dst); break;
		case 's': ok = parse_num(optarg, 36, 1500, &size); break; /* 8: the number */
		case 't': ok = parse_num(optarg, 0.1, 3600, &secs); break;
		case 'r': ok = parse_num(optarg, 0, 1e8, &rate); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "datapath blast: bad --%s '%s'\n", argv[optind - 1] + 2,
				optarg);
			return 2;
		}
	}
	if (!have_dst) {
		usage(stderr);
		return 2;
	}
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9), .sin_addr = dst };
	if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof(to)) != 0) {
		perror("datapath blast: socket");
		return 1;
	}
	static uint8_t payload[DP_BATCH][1500];
	struct mmsghdr msgs[DP_BATCH];
	struct iovec iov[DP_BATCH];
	size_t plen = (size_t)size - 28; /* IPv4 and UDP headers */
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < DP_BATCH; i++) {
		memset(payload[i], 0xA5, plen);
		iov[i].iov_base = payload[i];
		iov[i].iov_len = plen;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	uint64_t sent = 0, errors = 0;
	double t0 = now(), end = t0 + secs, t = t0;
	while (!stop && t < end) {
		if (rate > 0) {
			/* Pace by the batch: sleep until this batch is due. */
			double due = t0 + (double)sent / rate;
			if (due > t) {
				double d = due - t;
				struct timespec ts = { .tv_sec = (time_t)d,
						       .tv_nsec = (long)((d - (double)(time_t)d) * 1e9) };
				nanosleep(&ts, NULL);
			}
		}
		for (int i = 0; i < DP_BATCH; i++)
			put_be64(payload[i], sent + (uint64_t)i);
		int n = sendmmsg(fd, msgs, DP_BATCH, 0);
		if (n > 0)
			sent += (uint64_t)n;
		else
			errors++; /* ENOBUFS and the like: the next batch tries again */
		t = now();
	}
	printf("blast sent=%llu errors=%llu seconds=%.3f\n", (unsigned long long)sent,
	       (unsigned long long)errors, t - t0);
	close(fd);
	return 0;
}

/* ---- sink ---- */

/* Sequence numbers seen, one bit each, for the run's first SINK_MAX. */
#define SINK_MAX (1u << 24)

static int sink(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "seconds", required_argument, NULL, 't' },
		{ "gre", no_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct in_addr addr = { 0 };
	double secs = 3600;
	bool have_addr = false, gre = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'b': ok = have_addr = parse_addr(optarg, &addr); break;
		case 't': ok = parse_num(optarg, 0.1, 86400, &secs); break;
		case 'g': gre = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "datapath sink: bad --%s '%s'\n", argv[optind - 1] + 2,
				optarg);
			return 2;
		}
	}
	if (!have_addr) {
		usage(stderr);
		return 2;
	}
	int fd = gre ? socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE)
		     : socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(gre ? 0 : 9),
				   .sin_addr = addr };
	int size = 4 << 20;
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
		perror("datapath sink: socket");
		return 1;
	}
	uint8_t *seen = calloc(SINK_MAX / 8, 1);
	if (!seen) {
		fprintf(stderr, "datapath sink: out of memory\n");
		close(fd);
		return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("sink ready\n");
	fflush(stdout);
	static uint8_t buf[DP_BATCH][1500];
	struct mmsghdr msgs[DP_BATCH];
	struct iovec iov[DP_BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < DP_BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = sizeof(buf[i]);
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	uint64_t received = 0, reordered = 0, dups = 0, top = 0, short_ = 0;
	bool any = false;
	double end = now() + secs;
	while (!stop && now() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 200) <= 0)
			continue;
		int n = recvmmsg(fd, msgs, DP_BATCH, MSG_DONTWAIT, NULL);
		if (gre) {
			/* The raw socket's packets start at their IPv4 header:
			 * count the GRE ones (protocol 47) addressed to us. */
			for (int i = 0; i < n; i++) {
				if (msgs[i].msg_len >= 20 && buf[i][9] == IPPROTO_GRE)
					received++;
				else
					short_++;
			}
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (msgs[i].msg_len < 8) {
				short_++;
				continue;
			}
			uint64_t seq = get_be64(buf[i]);
			if (seq >= SINK_MAX) {
				short_++;
				continue;
			}
			if (seen[seq / 8] & (1u << (seq % 8))) {
				dups++;
				continue;
			}
			seen[seq / 8] |= (uint8_t)(1u << (seq % 8));
			received++;
			if (any && seq < top)
				reordered++;
			if (!any || seq > top)
				top = seq;
			any = true;
		}
	}
	if (gre) {
		printf("sink gre received=%llu bad=%llu\n", (unsigned long long)received,
		       (unsigned long long)short_);
	} else {
		/* Lost: below the highest number received and never seen. */
		uint64_t lost = any ? top + 1 - received : 0;
		printf("sink received=%llu lost=%llu reordered=%llu duplicates=%llu bad=%llu\n",
		       (unsigned long long)received, (unsigned long long)lost,
		       (unsigned long long)reordered, (unsigned long long)dups,
		       (unsigned long long)short_);
	}
	free(seen);
	close(fd);
	return 0;
}

/* ---- forward ---- */

struct fwd {
	int tun, gre;
	struct sockaddr_in peer;
	uint32_t seq;
	uint64_t tun_rx, gre_tx, gre_rx, tun_tx;
	uint8_t in[DP_BATCH][DP_PKT_MAX];     /* tun packets, headroom in front */
	uint8_t grebuf[DP_BATCH][DP_PKT_MAX]; /* received GRE packets */
	struct mmsghdr tx[DP_BATCH], rx[DP_BATCH];
	struct iovec txiov[DP_BATCH], rxiov[DP_BATCH];
};

#define DP_HEADROOM 32 /* GRE header (at most 16) and the PPP header */

/* tun -> GRE: read until empty or DP_ROUNDS batches, one sendmmsg each. */
static void fwd_tun(struct fwd *f)
{
	for (int round = 0; round < DP_ROUNDS; round++) {
		int n = 0;
		while (n < DP_BATCH) {
			uint8_t *p = f->in[n] + DP_HEADROOM;
			ssize_t r = read(f->tun, p, DP_PKT_MAX - DP_HEADROOM);
			if (r <= 0)
				break;
			struct ipv4_hdr ip;
			if (ipv4_parse(p, (size_t)r, false, &ip) != IPV4_OK)
				continue;
			f->tun_rx++;
			size_t len = ip.tot_len;
			p -= DP_PPP_HDR;
			p[0] = 0xFF;
			p[1] = 0x03;
			p[2] = 0x00;
			p[3] = 0x21;
			len += DP_PPP_HDR;
			struct gre_hdr h = { .payload_len = (uint16_t)len, .call_id = 1,
					     .has_seq = true, .seq = f->seq++ };
			uint8_t hdr[GRE_HDR_MAX];
			size_t hl = gre_build(hdr, sizeof(hdr), &h);
			p -= hl;
			memcpy(p, hdr, hl);
			f->txiov[n].iov_base = p;
			f->txiov[n].iov_len = hl + len;
			n++;
		}
		int done = 0;
		while (done < n) {
			int s = sendmmsg(f->gre, f->tx + done, (unsigned)(n - done), MSG_DONTWAIT);
			if (s > 0) {
				done += s;
				f->gre_tx += (uint64_t)s;
			} else {
				done++; /* dropped, as the server drops it */
			}
		}
		if (n < DP_BATCH)
			return;
	}
}

/* GRE -> tun: recvmmsg batches, each payload's IPv4 packet written. */
static void fwd_gre(struct fwd *f)
{
	for (int round = 0; round < DP_ROUNDS; round++) {
		for (int i = 0; i < DP_BATCH; i++)
			f->rx[i].msg_len = 0;
		int n = recvmmsg(f->gre, f->rx, DP_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (int i = 0; i < n; i++) {
			const uint8_t *p = f->grebuf[i];
			struct ipv4_info ip;
			struct gre_hdr h;
			size_t hl;
			if (gre_skip_ipv4(p, f->rx[i].msg_len, &ip) != GRE_OK ||
			    gre_parse(p + ip.hdr_len, ip.total_len - ip.hdr_len, &h, &hl) != GRE_OK)
				continue;
			f->gre_rx++;
			p += ip.hdr_len + hl;
			if (h.payload_len > DP_PPP_HDR && p[0] == 0xFF && p[1] == 0x03 &&
			    p[2] == 0x00 && p[3] == 0x21 &&
			    write(f->tun, p + DP_PPP_HDR, h.payload_len - DP_PPP_HDR) > 0)
				f->tun_tx++;
		}
		if (n < DP_BATCH)
			return;
	}
}

static int forward(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tun", required_argument, NULL, 'T' },
		{ "peer", required_argument, NULL, 'p' },
		{ "local", required_argument, NULL, 'l' },
		{ "seconds", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tun = NULL;
	struct in_addr peer = { 0 }, local = { 0 };
	bool have_peer = false;
	double secs = 3600;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		bool ok = true;
		switch (c) {
		case 'T': tun = optarg; break;
		case 'p': ok = have_peer = parse_addr(optarg, &peer); break;
		case 'l': ok = parse_addr(optarg, &local); break;
		case 't': ok = parse_num(optarg, 0.1, 86400, &secs); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (!ok) {
			fprintf(stderr, "datapath forward: bad --%s '%s'\n", argv[optind - 1] + 2,
				optarg);
			return 2;
		}
	}
	if (!tun || !have_peer) {
		usage(stderr);
		return 2;
	}
	struct fwd *f = calloc(1, sizeof(*f));
	if (!f) {
		fprintf(stderr, "datapath forward: out of memory\n");
		return 1;
	}
	char err[CLIENT_TUN_ERR_SIZE];
	f->tun = client_tun_open(tun, err);
	if (f->tun < 0) {
		fprintf(stderr, "datapath forward: %s\n", err);
		free(f);
		return 1;
	}
	f->gre = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_GRE);
	if (f->gre < 0) {
		perror("datapath forward: raw GRE socket");
		close(f->tun);
		free(f);
		return 1;
	}
	if (local.s_addr) {
		struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr = local };
		if (bind(f->gre, (struct sockaddr *)&sin, sizeof(sin)) != 0)
			perror("datapath forward: bind");
	}
	f->peer = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = peer };
	for (int i = 0; i < DP_BATCH; i++) {
		f->tx[i].msg_hdr.msg_name = &f->peer;
		f->tx[i].msg_hdr.msg_namelen = sizeof(f->peer);
		f->tx[i].msg_hdr.msg_iov = &f->txiov[i];
		f->tx[i].msg_hdr.msg_iovlen = 1;
		f->rxiov[i].iov_base = f->grebuf[i];
		f->rxiov[i].iov_len = DP_PKT_MAX;
		f->rx[i].msg_hdr.msg_iov = &f->rxiov[i];
		f->rx[i].msg_hdr.msg_iovlen = 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("forward ready tun=%s\n", tun);
	fflush(stdout);
	double end = now() + secs;
	while (!stop && now() < end) {
		struct pollfd p[2] = { { .fd = f->tun, .events = POLLIN },
				       { .fd = f->gre, .events = POLLIN } };
		int n = poll(p, 2, 200);
		if (n <= 0)
			continue;
		if (p[0].revents & POLLIN)
			fwd_tun(f);
		if (p[1].revents & POLLIN)
			fwd_gre(f);
	}
	printf("forward tun_rx=%llu gre_tx=%llu gre_rx=%llu tun_tx=%llu\n",
	       (unsigned long long)f->tun_rx, (unsigned long long)f->gre_tx,
	       (unsigned long long)f->gre_rx, (unsigned long long)f->tun_tx);
	close(f->gre);
	close(f->tun);
	free(f);
	return 0;
}

int pptpbench_datapath(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "blast") == 0)
		return blast(argc - 1, argv + 1);
	if (strcmp(argv[1], "sink") == 0)
		return sink(argc - 1, argv + 1);
	if (strcmp(argv[1], "forward") == 0)
		return forward(argc - 1, argv + 1);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
