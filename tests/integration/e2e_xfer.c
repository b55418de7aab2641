/*
 * e2e_xfer: a TCP transfer in both directions with its content checked,
 * for tests/integration/test_e2e.sh.
 *
 * ADDR is an IPv4 or an IPv6 address.
 *
 *   e2e_xfer serve ADDR PORT
 *       Listen on ADDR:PORT and serve connections one after the other,
 *       forever: read a 12-byte header (seed, byte count; big-endian), then
 *       that many bytes, which must be the pseudo-random stream of the
 *       seed; if they are, send the same count of the stream of seed ^
 *       0x5A5A5A5A and close; if not, close at once. One line per
 *       connection on stdout: "rx ok bytes=N seed=S mss=M" or "rx BAD ...",
 *       M being the connection's send MSS (what the peer's SYN allowed,
 *       after any clamping on the way).
 *   e2e_xfer send ADDR PORT BYTES SEED
 *       Connect, send the header and the stream, read the answer stream
 *       and check it byte for byte and that it ends exactly there. Prints
 *       "xfer ok bytes=N mss=M up=X.XXMB/s down=X.XXMB/s" and exits 0;
 *       1 on any difference, short stream, error or 60 s of silence.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 16384
#define IO_TIMEOUT_S 60

/* xorshift64*: a seeded byte stream, produced and checked in order. */
struct stream {
	uint64_t s;
	uint8_t word[8];
	unsigned pos;
};

static void stream_init(struct stream *st, uint32_t seed)
{
	st->s = 0x9E3779B97F4A7C15ull ^ ((uint64_t)seed << 17) ^ seed;
	if (!st->s)
		st->s = 1;
	st->pos = 8;
}

static uint8_t stream_next(struct stream *st)
{
	if (st->pos == 8) {
		uint64_t x = st->s;
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		st->s = x;
		x *= 0x2545F4914F6CDD1Dull;
		for (unsigned i = 0; i < 8; i++)
			st->word[i] = (uint8_t)(x >> (8 * i));
		st->pos = 0;
	}
	return st->word[st->pos++];
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S, .tv_usec = 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static bool write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool read_all(int fd, uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool send_stream(int fd, uint32_t seed, uint64_t bytes)
{
	struct stream st;
	uint8_t buf[CHUNK];
	stream_init(&st, seed);
	while (bytes) {
		size_t n = bytes < CHUNK ? (size_t)bytes : CHUNK;
		for (size_t i = 0; i < n; i++)
			buf[i] = stream_next(&st);
		if (!write_all(fd, buf, n))
			return false;
		bytes -= n;
	}
	return true;
}

/* Reads exactly `bytes` of the stream; why says what went wrong. */
static bool check_stream(int fd, uint32_t seed, uint64_t bytes, char *why, size_t whysize,
			 double *first)
{
	struct stream st;
	uint8_t buf[CHUNK];
	uint64_t off = 0;
	stream_init(&st, seed);
	while (off < bytes) {
		size_t want = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;
		ssize_t n = recv(fd, buf, want, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whysize, "stream ended at %llu of %llu (%s)",
				 (unsigned long long)off, (unsigned long long)bytes,
				 n == 0 ? "EOF" : strerror(errno));
			return false;
		}
		if (off == 0 && first)
			*first = now_s();
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != stream_next(&st)) {
				snprintf(why, whysize, "byte %llu differs",
					 (unsigned long long)(off + (uint64_t)i));
				return false;
			}
		}
		off += (uint64_t)n;
	}
	return true;
}

/* An IPv4 or IPv6 address and a port; *len set to the address's size. */
static bool parse_addr(const char *a, const char *port, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	memset(ss, 0, sizeof(*ss));
	if (*end || p == 0 || p > 65535)
		return false;
	if (inet_pton(AF_INET, a, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		*len = sizeof(*sin);
		return true;
	}
	if (inet_pton(AF_INET6, a, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*sin6);
		return true;
	}
	return false;
}

static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* The connection's current send MSS (tcpi_snd_mss), 0 if unknown. */
static unsigned snd_mss(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return 0;
	return ti.tcpi_snd_mss;
}

static int serve(const struct sockaddr_storage *sa, socklen_t salen)
{
	int one = 1;
	int ls = socket(sa->ss_family, SOCK_STREAM, 0);
	if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(ls, (const struct sockaddr *)sa, salen) < 0 || listen(ls, 8) < 0) {
		perror("e2e_xfer: listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		uint8_t hdr[12];
		char why[128];
		uint32_t seed;
		uint64_t bytes;
		int fd = accept(ls, NULL, NULL);
		if (fd < 0) {
			if (errno == EINTR)
				continue;
			perror("e2e_xfer: accept");
			return 1;
		}
		set_timeouts(fd);
		if (!read_all(fd, hdr, sizeof(hdr))) {
			printf("rx BAD no header\n");
			fflush(stdout);
			close(fd);
			continue;
		}
		seed = (uint32_t)get_be(hdr, 4);
		bytes = get_be(hdr + 4, 8);
		if (!check_stream(fd, seed, bytes, why, sizeof(why), NULL)) {
			printf("rx BAD seed=%u %s\n", seed, why);
		} else {
			printf("rx ok bytes=%llu seed=%u mss=%u\n", (unsigned long long)bytes, seed,
			       snd_mss(fd));
			if (!send_stream(fd, seed ^ 0x5A5A5A5Au, bytes))
				printf("tx BAD seed=%u %s\n", seed, strerror(errno));
			else
				printf("tx ok bytes=%llu seed=%u\n", (unsigned long long)bytes, seed);
		}
		fflush(stdout);
		close(fd);
	}
}

static int client(const struct sockaddr_storage *sa, socklen_t salen, uint64_t bytes,
		  uint32_t seed)
{
	uint8_t hdr[12], extra;
	char why[128];
	double t0, t1 = 0, t2;
	int fd = socket(sa->ss_family, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("e2e_xfer: socket");
		return 1;
	}
	set_timeouts(fd);
	if (connect(fd, (const struct sockaddr *)sa, salen) < 0) {
		perror("e2e_xfer: connect");
		return 1;
	}
	put_be(hdr, seed, 4);
	put_be(hdr + 4, bytes, 8);
	t0 = now_s();
	if (!write_all(fd, hdr, sizeof(hdr)) || !send_stream(fd, seed, bytes)) {
		fprintf(stderr, "e2e_xfer: send: %s\n", strerror(errno));
		return 1;
	}
	if (!check_stream(fd, seed ^ 0x5A5A5A5Au, bytes, why, sizeof(why), &t1)) {
		fprintf(stderr, "e2e_xfer: receive: %s\n", why);
		return 1;
	}
	t2 = now_s();
	if (recv(fd, &extra, 1, 0) != 0) {
		fprintf(stderr, "e2e_xfer: more data than announced\n");
		return 1;
	}
	unsigned mss = snd_mss(fd);
	close(fd);
	/* The upload ends when the server, having checked it, starts to answer. */
	printf("xfer ok bytes=%llu mss=%u up=%.2fMB/s down=%.2fMB/s\n", (unsigned long long)bytes, mss,
	       t1 > t0 ? (double)bytes / 1e6 / (t1 - t0) : 0.0,
	       t2 > t1 ? (double)bytes / 1e6 / (t2 - t1) : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage sa;
	socklen_t salen = 0;
	if (argc == 4 && strcmp(argv[1], "serve") == 0) {
		if (!parse_addr(argv[2], argv[3], &sa, &salen)) {
			fprintf(stderr, "e2e_xfer: bad address\n");
			return 2;
		}
		return serve(&sa, salen);
	}
	if (argc == 6 && strcmp(argv[1], "send") == 0) {
		char *end1, *end2;
		unsigned long long bytes = strtoull(argv[4], &end1, 10);
		unsigned long seed = strtoul(argv[5], &end2, 10);
		if (!parse_addr(argv[2], argv[3], &sa, &salen) || *end1 || *end2 || seed > 0xFFFFFFFFul) {
			fprintf(stderr, "e2e_xfer: bad arguments\n");
			return 2;
		}
		return client(&sa, salen, bytes, (uint32_t)seed);
	}
	fprintf(stderr, "usage: e2e_xfer serve ADDR PORT | send ADDR PORT BYTES SEED\n");
	return 2;
}
