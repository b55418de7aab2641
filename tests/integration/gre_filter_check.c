/*
 * gre_filter_check: the per-worker GRE filters (server/gre_filter.h)
 * against the kernel, for tests/integration/test_gre_filter.sh.
 *
 *   gre_filter_check recv W FIRST COUNT SECONDS SRC
 *       Opens W raw GRE sockets with the filters of workers 0..W-1 of W and
 *       one with the main socket's ("rest") filter, prints "ready", reads
 *       until every socket got its end marker (below) or SECONDS pass, then
 *       prints for each worker k, of the packets from SRC (the sender)
 *         worker=k packets=N dups=D wrong=X missing=M options=O marker=0|1
 *       (wrong: not PPTP GRE, or a call ID of another worker or outside
 *       FIRST..FIRST+COUNT-1; missing: worker k's IDs in that range not
 *       received; options: packets whose IPv4 header had options), and of
 *       the packets from elsewhere (a real client's frames)
 *         foreign worker=k packets=N wrong=X last-call=ID
 *       (wrong: not PPTP GRE or another worker's call ID), and
 *         rest packets=N wrong=X marker=0|1
 *       (wrong: PPTP GRE with a call ID, which is a worker's).
 *   gre_filter_check send SRC DST W FIRST COUNT
 *       From a raw socket with our own IPv4 headers: one enhanced-GRE
 *       packet for each call ID FIRST..FIRST+COUNT-1 (data, ack-only, data
 *       with ack in turn; IPv4 header of 20, 24, 32 or 60 bytes: NOP
 *       options), then GRE a worker must not take (version 0, version 1
 *       without a key, with a checksum, too short for a call ID), then the
 *       end markers: call ID 0xff00 + k for each worker k, and a version 0
 *       packet of protocol 0xffff for the rest. Prints
 *         sent worker=k packets=N   and   sent rest packets=N
 *       (markers not counted). Call IDs must stay below 0xff00.
 *
 * Exit status: 0, or 1 with a message on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server/gre_filter.h"

#define MAXW        16
#define MARKER_BASE 0xff00u
#define REST_MARKER 0xffffu /* the protocol of the rest's marker */

static int fail(const char *what)
{
	fprintf(stderr, "gre_filter_check: %s: %s\n", what, strerror(errno));
	return 1;
}

static bool num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!s[0] || *end || errno || v > max)
		return false;
	*out = v;
	return true;
}

/* ---- recv ---- */

struct tally {
	unsigned packets, dups, wrong, options;
	bool marker;
	unsigned foreign, foreign_wrong, foreign_id;
};

/* A packet not from the sender: a real client's, or the kernel's. */
static void count_foreign(struct tally *t, unsigned k, unsigned w, const uint8_t *p, size_t len)
{
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	t->foreign++;
	if (len < ihl + 8 || (p[ihl] & 0xe0) != 0x20 || (p[ihl + 1] & 0x07) != 1) {
		t->foreign_wrong++;
		return;
	}
	t->foreign_id = (unsigned)p[ihl + 6] << 8 | p[ihl + 7];
	if ((t->foreign_id & (w - 1)) != k)
		t->foreign_wrong++;
}

static uint8_t seen[MAXW][65536 / 8];

static void count_worker(struct tally *t, unsigned k, unsigned w, unsigned first,
			 unsigned count, const uint8_t *p, size_t len)
{
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	if (len < ihl + 8 || (p[ihl] & 0xe0) != 0x20 || (p[ihl + 1] & 0x07) != 1) {
		t->wrong++;
		return;
	}
	unsigned id = (unsigned)p[ihl + 6] << 8 | p[ihl + 7];
	if (id >= MARKER_BASE) {
		if (id == MARKER_BASE + k)
			t->marker = true;
		else
			t->wrong++;
		return;
	}
	t->packets++;
	t->options += ihl > 20;
	if ((id & (w - 1)) != k || id < first || id >= first + count) {
		t->wrong++;
		return;
	}
	if (seen[k][id / 8] & (1u << (id % 8)))
		t->dups++;
	seen[k][id / 8] |= (uint8_t)(1u << (id % 8));
}

static void count_rest(struct tally *t, const uint8_t *p, size_t len)
{
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	if (len >= ihl + 4 && (p[ihl + 1] & 0x07) == 0 &&
	    ((unsigned)p[ihl + 2] << 8 | p[ihl + 3]) == REST_MARKER) {
		t->marker = true;
		return;
	}
	t->packets++;
	if (len >= ihl + 8 && (p[ihl] & 0xe0) == 0x20 && (p[ihl + 1] & 0x07) == 1)
		t->wrong++;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int do_recv(unsigned w, unsigned first, unsigned count, unsigned secs, const char *src)
{
	struct in_addr from;
	if (inet_pton(AF_INET, src, &from) != 1) {
		fprintf(stderr, "gre_filter_check: bad address\n");
		return 1;
	}
	struct pollfd pfd[MAXW + 1];
	struct tally t[MAXW + 1];
	memset(t, 0, sizeof(t));
	for (unsigned k = 0; k <= w; k++) {
		int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE);
		if (fd < 0)
			return fail("socket");
		int big = 8 << 20;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) < 0)
			return fail("SO_RCVBUFFORCE");
		bool ok = k < w ? gre_filter_attach(fd, (uint16_t)(w - 1), (uint16_t)k)
				: gre_filter_attach_rest(fd);
		if (!ok)
			return fail("attach");
		pfd[k] = (struct pollfd){.fd = fd, .events = POLLIN};
	}
	printf("ready\n");
	fflush(stdout);

	double end = now_s() + secs;
	uint8_t buf[2048];
	for (;;) {
		unsigned markers = 0;
		for (unsigned k = 0; k <= w; k++)
			markers += t[k].marker;
		if (markers == w + 1 || now_s() > end)
			break;
		if (poll(pfd, w + 1, 100) < 0 && errno != EINTR)
			return fail("poll");
		for (unsigned k = 0; k <= w; k++) {
			for (int i = 0; i < 256; i++) {
				ssize_t n = recv(pfd[k].fd, buf, sizeof(buf), MSG_DONTWAIT);
				if (n < 0)
					break;
				if (n < 20)
					continue;
				if (memcmp(buf + 12, &from, 4)) {
					if (k < w)
						count_foreign(&t[k], k, w, buf, (size_t)n);
					else
						t[k].foreign++;
					continue;
				}
				if (k < w)
					count_worker(&t[k], k, w, first, count, buf, (size_t)n);
				else
					count_rest(&t[k], buf, (size_t)n);
			}
		}
	}
	for (unsigned k = 0; k < w; k++) {
		unsigned missing = 0;
		for (unsigned id = first; id < first + count; id++)
			if ((id & (w - 1)) == k && !(seen[k][id / 8] & (1u << (id % 8))))
				missing++;
		printf("worker=%u packets=%u dups=%u wrong=%u missing=%u options=%u marker=%d\n", k,
		       t[k].packets, t[k].dups, t[k].wrong, missing, t[k].options, t[k].marker);
	}
	for (unsigned k = 0; k < w; k++)
		printf("foreign worker=%u packets=%u wrong=%u last-call=%u\n", k, t[k].foreign,
		       t[k].foreign_wrong, t[k].foreign_id);
	printf("rest packets=%u wrong=%u marker=%d\n", t[w].packets, t[w].wrong, t[w].marker);
	return 0;
}

/* ---- send ---- */

struct sender {
	int fd;
	struct sockaddr_in dst;
	struct in_addr src;
	uint32_t seq;
};

/* One packet: IPv4 header of ihl 32-bit words (NOP options past 5), then
 * gre (glen bytes). */
static bool send_one(struct sender *s, unsigned ihl, const uint8_t *gre, size_t glen)
{
	uint8_t p[128];
	size_t hl = ihl * 4;
	memset(p, 0, hl);
	p[0] = (uint8_t)(0x40 | ihl);
	p[8] = 64;           /* TTL */
	p[9] = IPPROTO_GRE;
	memcpy(p + 12, &s->src, 4);
	memcpy(p + 16, &s->dst.sin_addr, 4);
	memset(p + 20, 1, hl - 20); /* NOP options */
	memcpy(p + hl, gre, glen);
	size_t len = hl + glen;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	return sendto(s->fd, p, len, 0, (const struct sockaddr *)&s->dst, sizeof(s->dst)) ==
	       (ssize_t)len;
}

static size_t put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

static size_t put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
	return 4;
}

/* Enhanced GRE to call id: kind 0 data (S), 1 ack-only (A), 2 data + ack. */
static bool send_pptp(struct sender *s, unsigned ihl, unsigned id, unsigned kind)
{
	uint8_t g[32];
	static const uint8_t payload[4] = {0xff, 0x03, 0x00, 0x21};
	unsigned flags = 0x2001 | (kind != 1 ? 0x1000 : 0) | (kind != 0 ? 0x0080 : 0);
	size_t n = put16(g, flags);
	n += put16(g + n, 0x880b);
	n += put16(g + n, kind == 1 ? 0 : sizeof(payload));
	n += put16(g + n, id);
	if (kind != 1)
		n += put32(g + n, s->seq++);
	if (kind != 0)
		n += put32(g + n, 7);
	if (kind != 1) {
		memcpy(g + n, payload, sizeof(payload));
		n += sizeof(payload);
	}
	return send_one(s, ihl, g, n);
}

static int do_send(const char *src, const char *dst, unsigned w, unsigned first, unsigned count)
{
	static const unsigned ihls[4] = {5, 6, 8, 15};
	struct sender s = {.dst = {.sin_family = AF_INET}};
	if (inet_pton(AF_INET, src, &s.src) != 1 || inet_pton(AF_INET, dst, &s.dst.sin_addr) != 1) {
		fprintf(stderr, "gre_filter_check: bad address\n");
		return 1;
	}
	s.fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE);
	int one = 1;
	if (s.fd < 0 || setsockopt(s.fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0)
		return fail("raw socket");
	unsigned per[MAXW] = {0}, rest = 0;
	for (unsigned id = first; id < first + count; id++) {
		if (!send_pptp(&s, ihls[(id >> 4) % 4], id, id % 3))
			return fail("send");
		per[id & (w - 1)]++;
	}
	/* what no worker takes, each with and without IPv4 options */
	for (unsigned i = 0; i < 2; i++) {
		unsigned ihl = i ? 7 : 5;
		uint8_t g[16];
		size_t n;
		/* version 0, key present, IPv4 inside (the key's bytes look like
		 * a call ID of worker 0) */
		n = put16(g, 0x2000);
		n += put16(g + n, 0x0800);
		n += put32(g + n, 2);
		if (!send_one(&s, ihl, g, n))
			return fail("send");
		/* version 1 without a key */
		n = put16(g, 0x1001);
		n += put16(g + n, 0x880b);
		n += put32(g + n, 1);
		if (!send_one(&s, ihl, g, n))
			return fail("send");
		/* version 1 with a checksum in front of the key */
		n = put16(g, 0xa001);
		n += put16(g + n, 0x880b);
		n += put32(g + n, 0);
		n += put32(g + n, 2);
		if (!send_one(&s, ihl, g, n))
			return fail("send");
		/* version 1, key announced, cut before the call ID */
		n = put16(g, 0x2001);
		n += put16(g + n, 0x880b);
		n += put16(g + n, 0);
		if (!send_one(&s, ihl, g, n))
			return fail("send");
		rest += 4;
	}
	for (unsigned k = 0; k < w; k++)
		if (!send_pptp(&s, 5, MARKER_BASE + k, 1))
			return fail("send");
	uint8_t g[4];
	put16(g, 0);
	put16(g + 2, REST_MARKER);
	if (!send_one(&s, 5, g, sizeof(g)))
		return fail("send");
	for (unsigned k = 0; k < w; k++)
		printf("sent worker=%u packets=%u\n", k, per[k]);
	printf("sent rest packets=%u\n", rest);
	close(s.fd);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long w, first, count, secs;
	if (argc == 7 && !strcmp(argv[1], "recv") && num(argv[2], MAXW, &w) && w &&
	    !(w & (w - 1)) && num(argv[3], MARKER_BASE, &first) &&
	    num(argv[4], MARKER_BASE - first, &count) && num(argv[5], 600, &secs))
		return do_recv((unsigned)w, (unsigned)first, (unsigned)count, (unsigned)secs,
			       argv[6]);
	if (argc == 7 && !strcmp(argv[1], "send") && num(argv[4], MAXW, &w) && w &&
	    !(w & (w - 1)) && num(argv[5], MARKER_BASE, &first) &&
	    num(argv[6], MARKER_BASE - first, &count))
		return do_send(argv[2], argv[3], (unsigned)w, (unsigned)first, (unsigned)count);
	fprintf(stderr, "usage: gre_filter_check recv W FIRST COUNT SECONDS SRC\n"
			"       gre_filter_check send SRC DST W FIRST COUNT\n");
	return 1;
}
