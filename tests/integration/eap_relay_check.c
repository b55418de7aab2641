/*
 * eap_relay_check: the RADIUS backend's EAP relay (auth/backend_radius.h)
 * driven as a session drives it, against RADIUS servers on loopback (the
 * tests run radius_forge --eap-rounds / --eap-oversize there): one EAP
 * exchange after another, each round submitted, drained on the backend's
 * fd and answered the way a client answers Notification Requests.
 *
 *   eap_relay_check [options] SECRET ADDR:PORT [ADDR:PORT...]
 *     --exchanges N      N exchanges one after the other (default 1), each
 *                        a new session
 *     --kill-after R PID after round R of the first exchange was answered
 *                        with a Challenge, SIGTERM PID (a server the test
 *                        started) and go on
 *     --timeout-ms N     per try (default 300); tries: 2
 *
 * Prints for every exchange:
 *   exchange=I round=R verdict=challenge eap-len=N state-len=N
 *   exchange=I result verdict=V rounds=R keys=yes|no eap=success|failure|none
 *     reply-user=NAME message="..."
 * then the relay's counters:
 *   stats rounds=N challenges=N accepts=N rejects=N oversized=N malformed=N
 *     stranded=N
 * Exit status 0 when every exchange ended (whatever its verdict); 1 on a
 * usage error or when a completion did not come within 30 s.
 */
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/backend_radius.h"
#include "common/buf.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/netaddr.h"
#include "common/ppp/eap.h"

#define ROUNDS_MAX 300

static struct {
	bool done;
	struct auth_result res;
	uint8_t eap[EAP_PACKET_MAX];
	uint8_t state[RADIUS_ATTR_MAX];
	char user[RADIUS_ATTR_MAX + 1];
} last;

static void on_complete(void *ctx, const struct auth_result *r)
{
	(void)ctx;
	last.done = true;
	last.res = *r;
	memcpy(last.eap, r->eap_msg ? r->eap_msg : last.eap, r->eap_len);
	memcpy(last.state, r->state ? r->state : last.state, r->state_len);
	snprintf(last.user, sizeof(last.user), "%.*s", (int)r->reply_user_len,
		 r->reply_user ? (const char *)r->reply_user : "");
}

static int usage(void)
{
	fprintf(stderr, "usage: eap_relay_check [--exchanges N] [--kill-after R PID] "
			"[--timeout-ms N] SECRET ADDR:PORT...\n");
	return 1;
}

int main(int argc, char **argv)
{
	char err[256];
	unsigned exchanges = 1, kill_after = 0, timeout_ms = 300;
	long kill_pid = 0;
	int i = 1;

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--exchanges") && i + 1 < argc)
			exchanges = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--kill-after") && i + 2 < argc) {
			kill_after = (unsigned)strtoul(argv[++i], NULL, 10);
			kill_pid = strtol(argv[++i], NULL, 10);
		} else if (!strcmp(argv[i], "--timeout-ms") && i + 1 < argc)
			timeout_ms = (unsigned)strtoul(argv[++i], NULL, 10);
		else
			return usage();
	}
	if (argc - i < 2 || argc - i - 1 > RADIUS_SERVERS_MAX || !exchanges || exchanges > 100)
		return usage();
	log_init("eap_relay_check", LOG_LVL_INFO);
	if (!crypto_init(err, sizeof(err))) {
		fprintf(stderr, "crypto: %s\n", err);
		return 1;
	}
	struct radius_server srv[RADIUS_SERVERS_MAX];
	size_t nsrv = 0;
	memset(srv, 0, sizeof(srv));
	for (int k = i + 1; k < argc; k++, nsrv++) {
		if (!netaddr_parse(argv[k], 1812, &srv[nsrv].addr, &srv[nsrv].addrlen) ||
		    !radius_secret_set(&srv[nsrv].secret, argv[i])) {
			fprintf(stderr, "bad server %s\n", argv[k]);
			return usage();
		}
		snprintf(srv[nsrv].name, sizeof(srv[nsrv].name), "%s", argv[k]);
	}
	struct auth_radius_config cfg = {
		.client = { .servers = srv, .nservers = nsrv, .timeout_ms = timeout_ms, .tries = 2 },
		.nas = { .identifier = "eap-relay-check" },
	};
	struct auth_backend *b = auth_radius_new(&cfg, on_complete, NULL, err, sizeof(err));
	if (!b) {
		fprintf(stderr, "backend: %s\n", err);
		return 1;
	}
	for (unsigned x = 1; x <= exchanges; x++) {
		/* Round 1: the Identity Response; then a Notification Response
		 * (type 2, empty) to every Request, with its Identifier. */
		uint8_t resp[] = { EAP_CODE_RESPONSE, 1, 0, 11, EAP_TYPE_IDENTITY,
				   'a', 'n', 'o', 'n', 'y', 'm' };
		size_t resp_len = sizeof(resp);
		size_t state_len = 0;
		unsigned round;
		for (round = 1; round <= ROUNDS_MAX; round++) {
			struct auth_request rq;
			memset(&rq, 0, sizeof(rq));
			rq.session = (struct auth_session_ref){ x, 1 };
			rq.method = AUTH_EAP;
			auth_request_set_user(&rq, "anonym", 6);
			rq.nas_port = x;
			rq.u.eap.msg = resp;
			rq.u.eap.msg_len = resp_len;
			rq.u.eap.state = state_len ? last.state : NULL;
			rq.u.eap.state_len = state_len;
			rq.u.eap.round = round;
			last.done = false;
			if (auth_backend_submit(b, &rq) != AUTH_SUBMIT_PENDING) {
				fprintf(stderr, "submit refused\n");
				return 1;
			}
			uint64_t end = radius_now_ms() + 30000;
			while (!last.done && radius_now_ms() < end) {
				struct pollfd p = { .fd = auth_backend_fd(b), .events = POLLIN };
				poll(&p, 1, 500);
				auth_backend_drain(b);
			}
			if (!last.done) {
				fprintf(stderr, "no completion within 30 s\n");
				return 1;
			}
			if (last.res.verdict != AUTH_CHALLENGE)
				break;
			printf("exchange=%u round=%u verdict=challenge eap-len=%zu state-len=%zu\n", x,
			       round, last.res.eap_len, last.res.state_len);
			fflush(stdout);
			if (x == 1 && round == kill_after && kill_pid > 0)
				kill((pid_t)kill_pid, SIGTERM);
			state_len = last.res.state_len;
			resp[1] = last.eap[1];
			store_be16(resp + 2, 5);
			resp[4] = EAP_TYPE_NOTIFICATION;
			resp_len = 5;
		}
		const struct auth_result *r = &last.res;
		const char *eap = !r->eap_len ? "none"
				  : last.eap[0] == EAP_CODE_SUCCESS ? "success"
				  : last.eap[0] == EAP_CODE_FAILURE ? "failure" : "other";
		printf("exchange=%u result verdict=%s rounds=%u keys=%s eap=%s reply-user=%s "
		       "message=\"%s\"\n", x, auth_verdict_name(r->verdict), round,
		       r->has_keys ? "yes" : "no", eap, last.user[0] ? last.user : "-", r->message);
		fflush(stdout);
	}
	const struct auth_radius_eap_stats *st = auth_radius_eap_stats(b);
	printf("stats rounds=%llu challenges=%llu accepts=%llu rejects=%llu oversized=%llu "
	       "malformed=%llu stranded=%llu\n", (unsigned long long)st->rounds,
	       (unsigned long long)st->challenges, (unsigned long long)st->accepts,
	       (unsigned long long)st->rejects, (unsigned long long)st->oversized,
	       (unsigned long long)st->malformed, (unsigned long long)st->stranded);
	auth_backend_free(b);
	return 0;
}
