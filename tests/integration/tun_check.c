/*
 * tun_check: drives server/tun for tests/integration/test_tun.sh.
 *
 *   tun_check IFNAME LOCALIP POOL MTU REPLIES
 *
 * Opens the tun device with tun_open() from a configuration made of the
 * arguments, prints "ready", then answers ICMP echo requests addressed to
 * pool addresses (read with tun_read_batch, answered with tun_write) until
 * it has sent REPLIES replies, closes the device with tun_free() and exits
 * 0. Exits 1 after 30 s without enough requests or on any failure.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/buf.h"
#include "common/ipv4.h"
#include "common/log.h"
#include "conf/config.h"

/* The helpers do not link pptp_server; the modules under test are built in. */
#include "server/rtnl.h"
#include "server/tun.h"

#define BATCH 8
#define PKT_MAX 2048

/* Turn an echo request to a pool address into its reply in place. */
static bool echo_reply(const struct config *cfg, uint8_t *p, size_t len, size_t *outlen)
{
	struct ipv4_hdr h;
	if (ipv4_parse(p, len, true, &h) != IPV4_OK || h.proto != IPV4_PROTO_ICMP ||
	    ipv4_is_fragment(&h))
		return false;
	size_t ilen = (size_t)h.tot_len - h.hlen;
	uint8_t *icmp = p + h.hlen;
	if (ilen < 8 || icmp[0] != 8 || !config_pool_contains(cfg, h.dst))
		return false;
	if (ipv4_checksum(icmp, ilen) != 0)
		return false;
	store_be32(p + 12, h.dst);
	store_be32(p + 16, h.src);
	store_be16(p + 10, 0);
	store_be16(p + 10, ipv4_checksum(p, h.hlen));
	icmp[0] = 0;
	store_be16(icmp + 2, 0);
	store_be16(icmp + 2, ipv4_checksum(icmp, ilen));
	*outlen = h.tot_len;
	return true;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: tun_check IFNAME LOCALIP POOL MTU REPLIES\n");
		return 2;
	}
	log_init("tun_check", LOG_LVL_DEBUG);
	char text[512], err[256];
	snprintf(text, sizeof(text), "tun %s\nlocalip %s\nremoteip %s\nmtu %s\n", argv[1], argv[2],
		 argv[3], argv[4]);
	struct config *cfg = config_load_string("tun_check", text, err, sizeof(err));
	if (!cfg) {
		fprintf(stderr, "tun_check: %s\n", err);
		return 1;
	}
	long want = strtol(argv[5], NULL, 10);
	struct tun *t = tun_open(cfg);
	if (!t) {
		config_free(cfg);
		return 1;
	}
	printf("ready %s ifindex=%d\n", t->name, t->ifindex);
	fflush(stdout);

	static uint8_t bufs[BATCH][PKT_MAX];
	struct tun_pkt pkts[BATCH];
	for (int i = 0; i < BATCH; i++) {
		pkts[i].buf = bufs[i];
		pkts[i].cap = sizeof(bufs[i]);
	}
	long replies = 0;
	time_t end = time(NULL) + 30;
	while (replies < want && time(NULL) < end) {
		struct pollfd pfd = { .fd = tun_fd(t), .events = POLLIN };
		if (poll(&pfd, 1, 500) <= 0)
			continue;
		int n = tun_read_batch(t, pkts, BATCH);
		for (int i = 0; i < n; i++) {
			size_t out;
			if (!echo_reply(cfg, pkts[i].buf, pkts[i].len, &out))
				continue;
			if (!tun_write(t, pkts[i].buf, out)) {
				fprintf(stderr, "tun_check: tun_write failed\n");
				continue;
			}
			replies++;
			printf("reply %ld\n", replies);
			fflush(stdout);
		}
	}
	int rc = replies >= want ? 0 : 1;
	printf("done replies=%ld rx=%llu tx=%llu\n", replies, (unsigned long long)t->st.rx,
	       (unsigned long long)t->st.tx);
	tun_free(t);
	config_free(cfg);
	return rc;
}
