/*
 * pptpbench crypto: per-packet cost of raw RC4, MPPE-128 stateless (a re-key
 * before every packet) and MPPE-128 stateful (a re-key every 256 packets),
 * and of the stateless receive path (header checks, re-key budget, one
 * re-key, RC4), on the same pre-allocated buffer in one run. Nothing is allocated inside
 * the timed loops. Output: one "name key=value ..." line per mode, then the
 * per-packet re-key cost.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/ppp/mppe.h"
#include "tools/pptpbench.h"

#define MAX_SIZE 65535

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void crypto_usage(FILE *f)
{
	fprintf(f, "usage: pptpbench crypto [--packets N] [--size BYTES]\n"
		   "  --packets N   packets per mode (default: about 1 s of MPPE stateless)\n"
		   "  --size BYTES  packet size, 1..%d (default 1400)\n", MAX_SIZE);
}

static bool parse_ulong(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;
	if (!s || *s < '0' || *s > '9')
		return false;
	v = strtoul(s, &end, 10);
	if (*end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

enum mode { RAW, STATELESS, STATEFUL, STATELESS_RX };

/* The receive side sees what a stateless sender sends: FLUSHED and
 * ENCRYPTED, the count one up per packet (the content is not checked). */
static void rx_header(uint8_t hdr[static MPPE_HDR_LEN], unsigned long i)
{
	unsigned cc = (unsigned)(i % MPPE_CCOUNT_SPACE);
	hdr[0] = (uint8_t)(MPPE_BIT_A | MPPE_BIT_D | cc >> 8);
	hdr[1] = (uint8_t)cc;
}

static double run(enum mode m, struct rc4 *rc4, struct mppe_tx *tx, struct mppe_rx *rx,
		  uint8_t *buf, size_t size, unsigned long packets)
{
	uint8_t hdr[MPPE_HDR_LEN];
	unsigned long bad = 0;
	double t0 = now();
	for (unsigned long i = 0; i < packets; i++) {
		if (m == RAW) {
			rc4_crypt(rc4, buf, buf, size);
		} else if (m == STATELESS_RX) {
			rx_header(hdr, i);
			bad += mppe_rx_decrypt(rx, hdr, buf, size, 0) != MPPE_RX_OK;
		} else {
			mppe_tx_encrypt(tx, hdr, buf, size);
		}
	}
	double t = now() - t0;
	if (bad)
		fprintf(stderr, "pptpbench crypto: %lu packets not decrypted\n", bad);
	return t;
}

static void report(const char *name, unsigned long packets, size_t size, double secs,
		   double raw_us)
{
	double us = secs * 1e6 / (double)packets;
	printf("%-20s packets/s=%.0f MB/s=%.2f us/packet=%.3f", name, (double)packets / secs,
	       (double)packets * (double)size / secs / 1e6, us);
	if (raw_us > 0)
		printf(" ratio_vs_raw=%.2f", us / raw_us);
	printf("\n");
}

int pptpbench_crypto(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "packets", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long packets = 0, size = 1400;
	char err[256];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "n:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (!parse_ulong(optarg, 1, 1000000000UL, &packets)) {
				fprintf(stderr, "pptpbench crypto: bad --packets '%s'\n", optarg);
				return 2;
			}
			break;
		case 's':
			if (!parse_ulong(optarg, 1, MAX_SIZE, &size)) {
				fprintf(stderr, "pptpbench crypto: bad --size '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			crypto_usage(stdout);
			return 0;
		default:
			crypto_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "pptpbench crypto: unexpected argument '%s'\n", argv[optind]);
		crypto_usage(stderr);
		return 2;
	}
	if (!crypto_init(err, sizeof(err))) {
		fprintf(stderr, "pptpbench: %s\n", err);
		return 1;
	}

	static uint8_t buf[MAX_SIZE];
	uint8_t key[MPPE_KEY_LEN_MAX];
	struct mppe_tx stateless, stateful;
	struct mppe_rx rx;
	struct rc4 *rc4 = rc4_new();
	bool ok = rc4 && crypto_random(key, sizeof(key)) && crypto_random(buf, size) &&
		  mppe_tx_init(&stateless, key, 128, false);
	ok = ok && mppe_tx_init(&stateful, key, 128, true);
	ok = ok && mppe_rx_init(&rx, key, 128, false);
	if (!ok) {
		fprintf(stderr, "pptpbench: cannot set up the crypto state\n");
		return 1;
	}
	rc4_setkey(rc4, key, sizeof(key));

	if (packets == 0) { /* calibrate: about one second of the slowest mode */
		double t = run(STATELESS, rc4, &stateless, NULL, buf, size, 2000);
		packets = t > 0 ? (unsigned long)(2000 / t) : 100000;
		if (packets < 2000)
			packets = 2000;
	}
	printf("pptpbench crypto: packets=%lu size=%lu\n", packets, size);
	double raw = run(RAW, rc4, NULL, NULL, buf, size, packets);
	double sl = run(STATELESS, rc4, &stateless, NULL, buf, size, packets);
	double sf = run(STATEFUL, rc4, &stateful, NULL, buf, size, packets);
	double rx_sl = run(STATELESS_RX, rc4, NULL, &rx, buf, size, packets);
	double raw_us = raw * 1e6 / (double)packets;
	report("raw_rc4", packets, size, raw, 0);
	report("mppe128_stateless", packets, size, sl, raw_us);
	report("mppe128_stateful", packets, size, sf, raw_us);
	report("mppe128_stateless_rx", packets, size, rx_sl, raw_us);
	printf("rekey_cost us/packet=%.3f (stateless - stateful)\n",
	       (sl - sf) * 1e6 / (double)packets);

	mppe_tx_free(&stateless);
	mppe_tx_free(&stateful);
	mppe_rx_free(&rx);
	rc4_free(rc4);
	crypto_shutdown();
	return 0;
}
