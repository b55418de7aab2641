/*
 * e2e_spoof: UDP datagrams with a chosen source address, for the test that
 * the server drops what a client sends from an address not its own.
 *
 *   e2e_spoof send IFNAME DST PORT FAKE_SRC
 *       Through a raw socket (IP_HDRINCL) bound to IFNAME (the client's
 *       tun): one datagram from FAKE_SRC with payload "spoofed", then one
 *       from IFNAME's own address with payload "real". Prints both sources.
 *   e2e_spoof recv ADDR PORT
 *       Prints "listening", then "rx src=A payload=P" for each datagram
 *       received on ADDR:PORT, until killed.
 *
 * Exit status: 0, or 1 with a message on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(const char *what)
{
	fprintf(stderr, "e2e_spoof: %s: %s\n", what, strerror(errno));
	return 1;
}

static bool parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	if (!s[0] || *end || v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* The IPv4 address of an interface (network order). */
static bool if_addr(const char *ifname, struct in_addr *out)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ok = ioctl(fd, SIOCGIFADDR, &ifr) == 0 && ifr.ifr_addr.sa_family == AF_INET;
	if (ok) {
		struct sockaddr_in sin;
		memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
		*out = sin.sin_addr;
	}
	close(fd);
	return ok;
}

/* One IPv4/UDP datagram; the kernel fills in the IP checksum and ID. The
 * UDP checksum is left 0 (none), which IPv4 allows. */
static bool send_one(int fd, struct in_addr src, struct in_addr dst, uint16_t port,
		     const char *payload)
{
	uint8_t pkt[64];
	struct iphdr ip;
	struct udphdr udp;
	size_t plen = strlen(payload);
	size_t len = sizeof(ip) + sizeof(udp) + plen;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = dst };

	if (len > sizeof(pkt))
		return false;
	memset(&ip, 0, sizeof(ip));
	ip.version = 4;
	ip.ihl = sizeof(ip) / 4;
	ip.ttl = 64;
	ip.protocol = IPPROTO_UDP;
	ip.tot_len = htons((uint16_t)len);
	ip.saddr = src.s_addr;
	ip.daddr = dst.s_addr;
	memset(&udp, 0, sizeof(udp));
	udp.source = htons(40000);
	udp.dest = htons(port);
	udp.len = htons((uint16_t)(sizeof(udp) + plen));
	memcpy(pkt, &ip, sizeof(ip));
	memcpy(pkt + sizeof(ip), &udp, sizeof(udp));
	memcpy(pkt + sizeof(ip) + sizeof(udp), payload, plen);
	return sendto(fd, pkt, len, 0, (const struct sockaddr *)&to, sizeof(to)) == (ssize_t)len;
}

static int do_send(char **argv)
{
	struct in_addr dst, fake, real;
	uint16_t port;
	int fd, on = 1;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (inet_pton(AF_INET, argv[1], &dst) != 1 || !parse_port(argv[2], &port) ||
	    inet_pton(AF_INET, argv[3], &fake) != 1) {
		fprintf(stderr, "e2e_spoof: bad arguments\n");
		return 2;
	}
	if (!if_addr(argv[0], &real))
		return fail(argv[0]);
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0)
		return fail("raw socket");
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof(on)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, argv[0], (socklen_t)strlen(argv[0])) < 0) {
		close(fd);
		return fail("setsockopt");
	}
	if (!send_one(fd, fake, dst, port, "spoofed")) {
		close(fd);
		return fail("send spoofed");
	}
	if (!send_one(fd, real, dst, port, "real")) {
		close(fd);
		return fail("send real");
	}
	close(fd);
	inet_ntop(AF_INET, &fake, a, sizeof(a));
	inet_ntop(AF_INET, &real, b, sizeof(b));
	printf("sent spoofed-src=%s real-src=%s\n", a, b);
	return 0;
}

static int do_recv(char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint16_t port;
	int fd;

	if (inet_pton(AF_INET, argv[0], &sin.sin_addr) != 1 || !parse_port(argv[1], &port)) {
		fprintf(stderr, "e2e_spoof: bad arguments\n");
		return 2;
	}
	sin.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (const struct sockaddr *)&sin, sizeof(sin)) < 0)
		return fail("bind");
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		char buf[256], from[INET_ADDRSTRLEN];
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		ssize_t n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&peer, &plen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return fail("recvfrom");
		}
		buf[n] = '\0';
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] < 0x20 || buf[i] > 0x7e)
				buf[i] = '.';
		inet_ntop(AF_INET, &peer.sin_addr, from, sizeof(from));
		printf("rx src=%s payload=%s\n", from, buf);
		fflush(stdout);
	}
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "send") == 0)
		return do_send(argv + 2);
	if (argc == 4 && strcmp(argv[1], "recv") == 0)
		return do_recv(argv + 2);
	fprintf(stderr, "usage: e2e_spoof send IFNAME DST PORT FAKE_SRC\n"
			"       e2e_spoof recv ADDR PORT\n");
	return 2;
}
