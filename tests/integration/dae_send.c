/*
 * dae_send: one RFC 5176 Disconnect- or CoA-Request, built and signed here
 * (auth/radius_pkt.h), for the replay tests; no FreeRADIUS needed.
 *
 *   dae_send [OPTIONS] ADDR PORT SECRET [ATTR...]
 *
 * ATTR: user=NAME  sid=ACCT-SESSION-ID  ip=A.B.C.D  session-timeout=N
 * OPTIONS:
 *   --coa          a CoA-Request (default: Disconnect-Request)
 *   --id N         the Identifier (default: random)
 *   --sport N      send from this UDP source port (default: any)
 *   --no-ma        no Message-Authenticator
 *   --ts OFFSET    an Event-Timestamp of now + OFFSET seconds (e.g. -3600)
 *   --save FILE    write the request's bytes to FILE
 *   --replay FILE  send FILE's bytes unchanged (ATTRs and the options that
 *                  build a request are ignored)
 *   --timeout S    wait S seconds for the answer (default 2)
 *
 * Prints one line: the answer's code ("Disconnect-ACK", "CoA-NAK", ...)
 * followed by " error-cause=N" when it carries one, "bad-reply" when its
 * signature or Message-Authenticator is wrong, or "timeout". Exit status 0
 * in all three cases, 2 on a usage error.
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
	fprintf(stderr, "usage: dae_send [--coa] [--id N] [--sport N] [--no-ma] [--ts OFFSET] "
			"[--save FILE] [--replay FILE] [--timeout S] ADDR PORT SECRET "
			"[user=NAME] [sid=ID] [ip=A.B.C.D] [session-timeout=N]\n");
	return 2;
}

static bool add_attr(struct radius_writer *w, const char *a)
{
	struct in_addr ip;

	if (!strncmp(a, "user=", 5))
		return radius_put_str(w, RADIUS_USER_NAME, a + 5);
	if (!strncmp(a, "sid=", 4))
		return radius_put_str(w, RADIUS_ACCT_SESSION_ID, a + 4);
	if (!strncmp(a, "ip=", 3))
		return inet_pton(AF_INET, a + 3, &ip) == 1 &&
		       radius_put_addr(w, RADIUS_FRAMED_IP_ADDRESS, ip);
	if (!strncmp(a, "session-timeout=", 16))
		return radius_put_u32(w, RADIUS_SESSION_TIMEOUT, (uint32_t)atol(a + 16));
	return false;
}

int main(int argc, char **argv)
{
	static struct radius_writer w;
	bool coa = false, no_ma = false, has_ts = false;
	long id = -1, sport = 0, ts_off = 0;
	const char *save = NULL, *replay = NULL;
	double timeout = 2;
	char err[256];
	int i = 1;

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *o = argv[i];
		bool more = i + 1 < argc;
		if (!strcmp(o, "--coa"))
			coa = true;
		else if (!strcmp(o, "--no-ma"))
			no_ma = true;
		else if (!strcmp(o, "--id") && more)
			id = atol(argv[++i]);
		else if (!strcmp(o, "--sport") && more)
			sport = atol(argv[++i]);
		else if (!strcmp(o, "--ts") && more) {
			has_ts = true;
			ts_off = atol(argv[++i]);
		} else if (!strcmp(o, "--save") && more)
			save = argv[++i];
		else if (!strcmp(o, "--replay") && more)
			replay = argv[++i];
		else if (!strcmp(o, "--timeout") && more)
			timeout = atof(argv[++i]);
		else
			return usage();
	}
	if (argc - i < 3 || id > 255 || sport < 0 || sport > 65535 || timeout <= 0)
		return usage();
	const char *addr = argv[i], *port = argv[i + 1], *secret = argv[i + 2];
	i += 3;
	if (!crypto_init(err, sizeof(err))) {
		fprintf(stderr, "crypto: %s\n", err);
		return 1;
	}
	struct radius_secret sec;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	if (!radius_secret_set(&sec, secret) || inet_pton(AF_INET, addr, &to.sin_addr) != 1)
		return usage();

	uint8_t req[RADIUS_MAX_LEN];
	size_t reqlen;
	if (replay) {
		FILE *f = fopen(replay, "rb");
		if (!f) {
			perror(replay);
			return 1;
		}
		reqlen = fread(req, 1, sizeof(req), f);
		fclose(f);
	} else {
		srand((unsigned)time(NULL) ^ (unsigned)getpid());
		radius_writer_init(&w, coa ? RADIUS_COA_REQUEST : RADIUS_DISCONNECT_REQUEST,
				   (uint8_t)(id >= 0 ? id : rand() % 256), NULL);
		for (; i < argc; i++)
			if (!add_attr(&w, argv[i]))
				return usage();
		if (has_ts)
			radius_put_u32(&w, RADIUS_EVENT_TIMESTAMP, (uint32_t)(time(NULL) + ts_off));
		if (!no_ma)
			radius_put_ma(&w);
		if (!radius_finish(&w, RADIUS_SIGN_REQUEST_HASH, &sec, NULL)) {
			fprintf(stderr, "dae_send: cannot build the request\n");
			return 1;
		}
		memcpy(req, w.buf, w.len);
		reqlen = w.len;
	}
	if (save) {
		FILE *f = fopen(save, "wb");
		if (!f || fwrite(req, 1, reqlen, f) != reqlen || fclose(f) != 0) {
			perror(save);
			return 1;
		}
	}

	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)sport) };
	if (fd < 0 || bind(fd, (struct sockaddr *)&me, sizeof(me)) < 0) {
		perror("dae_send: bind");
		return 1;
	}
	if (sendto(fd, req, reqlen, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
		perror("dae_send: sendto");
		return 1;
	}
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t buf[RADIUS_MAX_LEN];
	struct radius_packet rq, p;
	if (!radius_parse(req, reqlen, &rq)) {
		fprintf(stderr, "dae_send: the request does not parse\n");
		return 1;
	}
	if (poll(&pfd, 1, (int)(timeout * 1000)) <= 0) {
		printf("timeout\n");
		return 0;
	}
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n <= 0 || !radius_parse(buf, (size_t)n, &p) || p.id != rq.id ||
	    radius_verify(&p, RADIUS_SIGN_RESPONSE, &sec, rq.auth, true) != RADIUS_OK) {
		printf("bad-reply\n");
		return 0;
	}
	struct radius_attr a;
	uint32_t cause;
	if (radius_find(&p, 0, RADIUS_ERROR_CAUSE, &a) && radius_attr_u32(&a, &cause))
		printf("%s error-cause=%u\n", radius_code_name(p.code), cause);
	else
		printf("%s\n", radius_code_name(p.code));
	return 0;
}
