/*
 * radius_forge: a RADIUS "server" that answers every Access-Request with a
 * forged Access-Accept, for the tests that pptpd ignores such replies; or,
 * with an EAP option, a scripted EAP server for the tests of the relay.
 *
 *   radius_forge ADDR PORT SECRET MODE
 *   radius_forge --eap-rounds N ADDR PORT SECRET [MODE]
 *   radius_forge --eap-oversize ADDR PORT SECRET [MODE]
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
 *   ok                 a correct reply (the default with an EAP option)
 *
 * Every reply carries what a real Accept for MS-CHAPv2 would (an
 * MS-CHAP2-Success and MPPE keys), so only the checks can stop it. Prints
 * "ready" once bound and one "forged MODE id=N" line per reply; exits
 * after 600 s.
 *
 * EAP (an Access-Request carrying EAP-Message; others get an
 * Access-Reject, "eap reject-non-eap id=N"); MODE then applies to these
 * replies, so `no-ma` tests that an EAP reply without Message-Authenticator
 * is discarded:
 *   --eap-rounds N     an exchange of N rounds (1..255): rounds 1..N-1 are
 *                      answered with an Access-Challenge carrying an EAP
 *                      Request/Notification (type 2, text "round K of N",
 *                      the Identifier one above the Response's) and State
 *                      "forge-round=K"; the Response that echoes
 *                      "forge-round=N-1" (round N; round 1 has no State)
 *                      gets an Access-Accept with an EAP Success (the
 *                      Response's Identifier), MS-MPPE-Send-Key and
 *                      -Recv-Key (both 16 octets of 0x42), User-Name
 *                      "forge-inner" and Session-Timeout 3600. A State
 *                      that is not one of ours gets an Access-Reject with
 *                      an EAP Failure. Prints "eap challenge round=K/N
 *                      id=I" or "eap accept round=N id=I" per reply.
 *   --eap-oversize     every EAP round gets an Access-Challenge whose
 *                      EAP-Message chain is 7 x 253 = 1771 octets (a
 *                      Request/Notification whose EAP Length says so, past
 *                      the relay's bound of 1500) and a State. Prints
 *                      "eap oversize id=I".
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
	fprintf(stderr, "usage: radius_forge [--eap-rounds N|--eap-oversize] ADDR PORT SECRET "
			"[bad-authenticator|bad-ma|no-ma|wrong-secret|other-port|ok]\n");
	return 2;
}

#define EAP_OVERSIZE_ATTRS 7
#define STATE_PREFIX "forge-round="

/* An EAP packet into EAP-Message attributes of 253 octets, in order. */
static void put_eap(struct radius_writer *w, const uint8_t *pkt, size_t len)
{
	for (size_t off = 0; off < len; off += RADIUS_ATTR_MAX)
		radius_put(w, RADIUS_EAP_MESSAGE, pkt + off,
			   len - off < RADIUS_ATTR_MAX ? len - off : RADIUS_ATTR_MAX);
}

/* EAP code, id, Length, then (for a Request) type Notification and text. */
static size_t eap_build(uint8_t *pkt, size_t cap, uint8_t code, uint8_t id, const char *text,
			size_t pad_to)
{
	size_t len = 4;
	if (text) {
		pkt[len++] = 2; /* Notification */
		size_t n = strlen(text);
		memcpy(pkt + len, text, n);
		len += n;
		while (len < pad_to && len < cap)
			pkt[len++] = '.';
	}
	pkt[0] = code;
	pkt[1] = id;
	pkt[2] = (uint8_t)(len >> 8);
	pkt[3] = (uint8_t)len;
	return len;
}

/* The EAP reply to p into w (initialised here); false: nothing to send.
 * *what: what to print. */
static bool eap_reply(struct radius_writer *w, const struct radius_packet *p,
		      const struct radius_secret *sec, unsigned rounds, bool oversize,
		      char *what, size_t whatlen)
{
	static uint8_t eap[EAP_OVERSIZE_ATTRS * RADIUS_ATTR_MAX];
	struct radius_attr a;
	uint8_t resp_id;
	char text[64], state[32];
	size_t len;

	if (!radius_find(p, 0, RADIUS_EAP_MESSAGE, &a)) {
		radius_writer_init(w, RADIUS_ACCESS_REJECT, p->id, NULL);
		snprintf(what, whatlen, "reject-non-eap");
		return true;
	}
	resp_id = a.len >= 2 ? a.val[1] : 0;
	if (oversize) {
		radius_writer_init(w, RADIUS_ACCESS_CHALLENGE, p->id, NULL);
		len = eap_build(eap, sizeof(eap), 1, (uint8_t)(resp_id + 1), "oversize",
				sizeof(eap));
		put_eap(w, eap, len);
		radius_put_str(w, RADIUS_STATE, STATE_PREFIX "0");
		snprintf(what, whatlen, "oversize");
		return true;
	}
	/* Which round: 1 without State, K+1 after "forge-round=K". */
	unsigned round = 1;
	if (radius_find(p, 0, RADIUS_STATE, &a)) {
		unsigned k = 0;
		char sv[RADIUS_ATTR_MAX + 1];
		memcpy(sv, a.val, a.len);
		sv[a.len] = '\0';
		if (strncmp(sv, STATE_PREFIX, strlen(STATE_PREFIX)) ||
		    sscanf(sv + strlen(STATE_PREFIX), "%u", &k) != 1 || k == 0 || k >= rounds) {
			radius_writer_init(w, RADIUS_ACCESS_REJECT, p->id, NULL);
			len = eap_build(eap, sizeof(eap), 4, resp_id, NULL, 0);
			put_eap(w, eap, len);
			snprintf(what, whatlen, "reject-bad-state");
			return true;
		}
		round = k + 1;
	}
	if (round < rounds) {
		radius_writer_init(w, RADIUS_ACCESS_CHALLENGE, p->id, NULL);
		snprintf(text, sizeof(text), "round %u of %u", round, rounds);
		len = eap_build(eap, sizeof(eap), 1, (uint8_t)(resp_id + 1), text, 0);
		put_eap(w, eap, len);
		snprintf(state, sizeof(state), STATE_PREFIX "%u", round);
		radius_put_str(w, RADIUS_STATE, state);
		snprintf(what, whatlen, "challenge round=%u/%u", round, rounds);
		return true;
	}
	radius_writer_init(w, RADIUS_ACCESS_ACCEPT, p->id, NULL);
	len = eap_build(eap, sizeof(eap), 3, resp_id, NULL, 0);
	put_eap(w, eap, len);
	uint8_t key[16];
	memset(key, 0x42, sizeof(key));
	radius_put_mppe_key(w, RADIUS_MS_MPPE_SEND_KEY, sec, p->auth, 0x8001, key, 16);
	radius_put_mppe_key(w, RADIUS_MS_MPPE_RECV_KEY, sec, p->auth, 0x8002, key, 16);
	radius_put_str(w, RADIUS_USER_NAME, "forge-inner");
	radius_put_u32(w, RADIUS_SESSION_TIMEOUT, 3600);
	snprintf(what, whatlen, "accept round=%u", round);
	return true;
}

int main(int argc, char **argv)
{
	char err[256];
	unsigned eap_rounds = 0;
	bool eap_oversize = false;
	while (argc > 1 && !strncmp(argv[1], "--", 2)) {
		if (!strcmp(argv[1], "--eap-rounds") && argc > 2) {
			char *end;
			unsigned long v = strtoul(argv[2], &end, 10);
			if (*end || v < 1 || v > 255)
				return usage();
			eap_rounds = (unsigned)v;
			argv += 2;
			argc -= 2;
		} else if (!strcmp(argv[1], "--eap-oversize")) {
			eap_oversize = true;
			argv++;
			argc--;
		} else {
			return usage();
		}
	}
	bool eap = eap_rounds || eap_oversize;
	if (argc != 5 && !(eap && argc == 4))
		return usage();
	const char *mode = argc == 5 ? argv[4] : "ok";
	bool bad_auth = !strcmp(mode, "bad-authenticator"), bad_ma = !strcmp(mode, "bad-ma");
	bool no_ma = !strcmp(mode, "no-ma"), wrong = !strcmp(mode, "wrong-secret");
	bool other = !strcmp(mode, "other-port"), ok = !strcmp(mode, "ok");
	if (!bad_auth && !bad_ma && !no_ma && !wrong && !other && !ok)
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
		char what[64] = "";
		if (eap) {
			eap_reply(&w, &p, &sec, eap_rounds, eap_oversize, what, sizeof(what));
			goto sign;
		}
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
sign:
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
			radius_writer_init(&w, copy[0], p.id, NULL);
			memcpy(w.buf + RADIUS_HDR_LEN, copy + RADIUS_HDR_LEN, len - RADIUS_HDR_LEN);
			w.len = len;
			if (!radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, p.auth))
				continue;
		}
		sendto(other ? fd2 : fd, w.buf, w.len, 0, (struct sockaddr *)&from, fl);
		if (eap)
			printf("eap %s id=%u\n", what, p.id);
		else
			printf("forged %s id=%u\n", mode, p.id);
		fflush(stdout);
	}
	return 0;
}
