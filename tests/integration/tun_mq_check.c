/*
 * tun_mq_check: the multi-queue tun (server/tun_mq.h) against the kernel,
 * for tests/integration/test_tun_mq.sh.
 *
 *   tun_mq_check NAME N SECONDS
 *       Opens N queues of tun NAME with the steering program, prints
 *       "ready name=NAME steering=daddr|hash", waits for SIGUSR1 (at most
 *       SECONDS), then reads every queue until it is empty and prints one
 *       line per packet read:
 *         queue=K dst=A.B.C.D proto=P   (IPv4)
 *         queue=K other                 (anything else)
 *       and "done". The packets wait in the queues until then: the test
 *       sends them all while the helper sleeps.
 *
 * Exit status: 0, or 1 with a message on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/tun_mq.h"

int main(int argc, char **argv)
{
	char *end;
	unsigned long n = argc == 4 ? strtoul(argv[2], &end, 10) : 0;
	unsigned long secs = argc == 4 ? strtoul(argv[3], NULL, 10) : 0;
	if (argc != 4 || !n || n > TUN_MQ_MAX || *end || !secs || secs > 600) {
		fprintf(stderr, "usage: tun_mq_check NAME N SECONDS\n");
		return 1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);

	struct tun_mq *t = tun_mq_open(argv[1], (unsigned)n);
	if (!t)
		return 1;
	printf("ready name=%s steering=%s\n", tun_mq_name(t),
	       tun_mq_steering_name(tun_mq_steering(t)));
	fflush(stdout);

	struct timespec ts = {.tv_sec = (time_t)secs};
	if (sigtimedwait(&set, NULL, &ts) < 0) {
		fprintf(stderr, "tun_mq_check: no SIGUSR1: %s\n", strerror(errno));
		tun_mq_free(t);
		return 1;
	}
	uint8_t buf[2048];
	for (unsigned q = 0; q < tun_mq_nqueues(t); q++) {
		for (int i = 0; i < 10000; i++) {
			ssize_t len = read(tun_mq_fd(t, q), buf, sizeof(buf));
			if (len < 0)
				break;
			if (len >= 20 && (buf[0] >> 4) == 4) {
				char dst[INET_ADDRSTRLEN];
				inet_ntop(AF_INET, buf + 16, dst, sizeof(dst));
				printf("queue=%u dst=%s proto=%u\n", q, dst, buf[9]);
			} else {
				printf("queue=%u other\n", q);
			}
		}
	}
	printf("done\n");
	tun_mq_free(t);
	return 0;
}
