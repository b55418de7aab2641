/*
 * radius_forge: a RADIUS "server" that answers every Access-Request with a
 * forged Access-Accept, for the tests that pptpd ignores such replies.
 *
 *   radius_forge ADDR PORT SECRET MODE
 *
 * MODE:
 *   bad-authenticator  the Response Authenticator is wrong (the
 *                      Message-Authenticator is right)
 *   bad-ma             the Message-Authenticator is wrong (the Response
 *                      Authenticator, computed over it, is right)
 *   no-ma              no Message-Authenticator, authenticator right
 *                      (what an attacker of CVE-2024-3596 can produce)
 *   wrong-secret       signed correctly with another secret
 *   other-port         a correct reply, sent from another source port
 *
 * Every reply carries what a real Accept for MS-CHAPv2 would (an
 * MS-CHAP2-Success and MPPE keys), so only the checks can stop it. Prints
 * "ready" once bound and one "forged MODE id=N" line per reply; exits
 * after 600 s.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/radius_pkt.h"
#include "common/crypto.h"

static int usage(void)
{
	fprintf(stderr, "usage: radius_forge ADDR PORT SECRET "
			"bad-authenticator|bad-ma|no-ma|wrong-secret|other-port\n");
	return 2;
}

int main(int argc, char **argv)
{
	char err[256];
	if (argc != 5)
		return usage();
	const char *mode = argv[4];
	bool bad_auth = !strcmp(mode, "bad-authenticator"), bad_ma = !strcmp(mode, "bad-ma");
	bool no_ma = !strcmp(mode, "no-ma"), wrong = !strcmp(mode, "wrong-secret");
	bool other = !strcmp(mode, "other-port");
	if (!bad_auth && !bad_ma && !no_ma && !wrong && !other)
		return usage();
	if (!crypto_init(err, sizeof(err))) {
		fprintf(stderr, "crypto: %s\n", err);
		return 1;
	}
	struct radius_secret sec;
	if (!radius_secret_set(&sec, wrong ? "not-the-secret" : argv[3]))
		return usage();

	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2])) };
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
		return usage();
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int fd2 = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || fd2 < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		perror("radius_forge: bind");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	time_t end = time(NULL) + 600;
	static struct radius_writer w;
	uint8_t buf[RADIUS_MAX_LEN];
	while (time(NULL) < end) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 1000) <= 0)
			continue;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		struct radius_packet p;
		if (n <= 0 || !radius_parse(buf, (size_t)n, &p) || p.code != RADIUS_ACCESS_REQUEST)
			continue;
		radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, p.id, NULL);
		uint8_t success[43];
		success[0] = 0;
		memcpy(success + 1, "S=", 2);
		memset(success + 3, '0', 40);
		radius_put_vsa(&w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_SUCCESS, success,
			       sizeof(success));
		uint8_t key[16];
		memset(key, 0x42, sizeof(key));
		radius_put_mppe_key(&w, RADIUS_MS_MPPE_SEND_KEY, &sec, p.auth, 0x8001, key, 16);
		radius_put_mppe_key(&w, RADIUS_MS_MPPE_RECV_KEY, &sec, p.auth, 0x8002, key, 16);
		if (!no_ma)
			radius_put_ma(&w);
		size_t ma = w.ma_off;
		if (!radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, p.auth))
			continue;
		if (bad_auth)
			w.buf[4] ^= 0x01;
		if (bad_ma) {
			/* Break the Message-Authenticator, then re-sign the
			 * Response Authenticator over the broken one. */
			w.buf[ma] ^= 0x01;
			w.ma_off = 0;
			uint8_t copy[RADIUS_MAX_LEN];
			size_t len = w.len;
			memcpy(copy, w.buf, len);
			radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, p.id, NULL);
			memcpy(w.buf + RADIUS_HDR_LEN, copy + RADIUS_HDR_LEN, len - RADIUS_HDR_LEN);
			w.len = len;
			if (!radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, p.auth))
				continue;
		}
		sendto(other ? fd2 : fd, w.buf, w.len, 0, (struct sockaddr *)&from, fl);
		printf("forged %s id=%u\n", mode, p.id);
		fflush(stdout);
	}
	return 0;
}
