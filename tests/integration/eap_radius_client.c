/*
 * eap_radius_client: plays the NAS of an EAP login against a RADIUS server
 * (RFC 3579), with the client-side methods of tools/eap_peer.h as the
 * peer, so the methods can be tested against FreeRADIUS without pptpd.
 *
 *   eap_radius_client [OPTIONS] ADDR PORT SECRET
 *
 * OPTIONS:
 *   --method eap-mschapv2|peap-mschapv2|eap-tls   (default eap-mschapv2)
 *   --user NAME        the identity (outer, and the MS-CHAPv2 name)
 *   --password PW      the MS-CHAPv2 methods' password
 *   --ca FILE --cert FILE --key FILE   PEAP, EAP-TLS
 *   --timeout S        per round trip (default 3; one retransmission)
 *   --max-rounds N     give up after N Access-Requests (default 60)
 *   --print-keys       print both sides' MPPE keys in hex
 *
 * Each Access-Request carries User-Name, the EAP-Message (split at 253
 * octets), the State of the last Access-Challenge and a
 * Message-Authenticator; every reply must carry a correct one. Each
 * Access-Challenge's EAP-Message goes to eap_peer_request().
 *
 * Prints one line "accept rounds=N [user=INNER]", "reject rounds=N
 * [reason=...] [reply=REPLY-MESSAGE]", "gave-up rounds=N reason=..." (the peer method refused:
 * a wrong S=, a refused certificate...), "bad-reply" or "timeout"; after
 * an accept a second line "keys-match yes|no" (the MS-MPPE-Recv/Send-Key
 * of the Accept, first 16 octets, against what eap_peer_keys() derived).
 * Exit status 0 on accept, 1 otherwise, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "auth/radius_pkt.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/ppp/eap.h"
#include "tools/eap_peer.h"

#define RADIUS_EAP_MESSAGE 79
#define EAP_MSG_MAX 4096

static int usage(void)
{
	fprintf(stderr, "usage: eap_radius_client [--method eap-mschapv2|peap-mschapv2|eap-tls] "
			"--user NAME [--password PW] [--ca FILE] [--cert FILE] [--key FILE] "
			"[--timeout S] [--max-rounds N] [--print-keys] ADDR PORT SECRET\n");
	return 2;
}

static void hex(const char *label, const uint8_t *k, size_t n)
{
	printf("%s=", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", k[i]);
	printf("\n");
}

struct nas {
	int fd;
	struct sockaddr_in to;
	struct radius_secret sec;
	double timeout;
	uint8_t state[RADIUS_ATTR_MAX];
	size_t state_len;
	uint8_t id;
	uint8_t req[RADIUS_MAX_LEN];
	size_t req_len;
	uint8_t reply[RADIUS_MAX_LEN];
	struct radius_packet rq, rp;
};

/* One Access-Request carrying eap[0..n); false if it cannot be built. */
static bool build(struct nas *nas, const char *user, const uint8_t *eap, size_t n)
{
	struct radius_writer w;
	uint8_t auth[RADIUS_AUTH_LEN];

	if (RAND_bytes(auth, sizeof(auth)) != 1)
		return false;
	radius_writer_init(&w, RADIUS_ACCESS_REQUEST, ++nas->id, auth);
	radius_put_str(&w, RADIUS_USER_NAME, user);
	radius_put_str(&w, RADIUS_NAS_IDENTIFIER, "eap-radius-client");
	radius_put_u32(&w, RADIUS_SERVICE_TYPE, RADIUS_SERVICE_FRAMED_USER);
	radius_put_u32(&w, RADIUS_FRAMED_PROTOCOL, RADIUS_FRAMED_PROTOCOL_PPP);
	radius_put_u32(&w, RADIUS_NAS_PORT_TYPE, RADIUS_NAS_PORT_TYPE_VIRTUAL);
	radius_put_u32(&w, RADIUS_FRAMED_MTU, 1400);
	for (size_t off = 0; off < n; off += RADIUS_ATTR_MAX) {
		size_t k = n - off > RADIUS_ATTR_MAX ? RADIUS_ATTR_MAX : n - off;
		radius_put(&w, RADIUS_EAP_MESSAGE, eap + off, k);
	}
	if (nas->state_len)
		radius_put(&w, RADIUS_STATE, nas->state, nas->state_len);
	radius_put_ma(&w);
	if (!radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &nas->sec, NULL))
		return false;
	memcpy(nas->req, w.buf, w.len);
	nas->req_len = w.len;
	return radius_parse(nas->req, nas->req_len, &nas->rq);
}

/* Send the request and wait for its verified reply (one retransmission).
 * 0: nas->rp holds it; -1: timeout; -2: a bad reply. */
static int exchange(struct nas *nas)
{
	for (int attempt = 0; attempt < 2; attempt++) {
		struct pollfd pfd = { .fd = nas->fd, .events = POLLIN };
		ssize_t n;
		if (sendto(nas->fd, nas->req, nas->req_len, 0, (struct sockaddr *)&nas->to,
			   sizeof(nas->to)) < 0) {
			perror("eap_radius_client: sendto");
			return -1;
		}
		if (poll(&pfd, 1, (int)(nas->timeout * 1000)) <= 0)
			continue;
		n = recv(nas->fd, nas->reply, sizeof(nas->reply), 0);
		if (n <= 0 || !radius_parse(nas->reply, (size_t)n, &nas->rp) ||
		    nas->rp.id != nas->rq.id)
			return -2;
		if (radius_verify(&nas->rp, RADIUS_SIGN_RESPONSE, &nas->sec, nas->rq.auth, true) !=
		    RADIUS_OK)
			return -2;
		return 0;
	}
	return -1;
}

/* The EAP-Message attributes of the reply, concatenated. */
static size_t eap_of(const struct radius_packet *p, uint8_t *out, size_t cap)
{
	struct radius_iter it;
	struct radius_attr a;
	size_t n = 0;
	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a)) {
		if (a.vendor || a.type != RADIUS_EAP_MESSAGE)
			continue;
		if (a.len > cap - n)
			return 0;
		memcpy(out + n, a.val, a.len);
		n += a.len;
	}
	return n;
}

/* The Accept's MS-MPPE keys against ours. */
static void compare_keys(struct nas *nas, struct eap_peer *peer, bool print)
{
	struct radius_attr a;
	uint8_t srv_send[32], srv_recv[32], send[16], recv[16];
	size_t ls = 0, lr = 0;
	bool have_srv = radius_find(&nas->rp, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_SEND_KEY, &a) &&
			radius_get_mppe_key(&a, &nas->sec, nas->rq.auth, srv_send, sizeof(srv_send),
					    &ls) &&
			radius_find(&nas->rp, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_RECV_KEY, &a) &&
			radius_get_mppe_key(&a, &nas->sec, nas->rq.auth, srv_recv, sizeof(srv_recv),
					    &lr) &&
			ls >= 16 && lr >= 16;
	bool have_ours = eap_peer_keys(peer, send, recv);

	if (print) {
		if (have_srv) {
			hex("server-send-key", srv_send, ls);
			hex("server-recv-key", srv_recv, lr);
		}
		if (have_ours) {
			hex("client-send-key", send, 16);
			hex("client-recv-key", recv, 16);
		}
	}
	/* the server's Recv-Key is what we send with */
	printf("keys-match %s\n", have_srv && have_ours && !memcmp(srv_recv, send, 16) &&
					  !memcmp(srv_send, recv, 16)
				  ? "yes"
				  : "no");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "method", required_argument, NULL, 'm' },
		{ "user", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "ca", required_argument, NULL, 'c' },
		{ "cert", required_argument, NULL, 'C' },
		{ "key", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "max-rounds", required_argument, NULL, 'r' },
		{ "print-keys", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct eap_peer_config cfg = { .method = EAP_PEER_MSCHAPV2 };
	struct nas nas = { .fd = -1, .timeout = 3, .to = { .sin_family = AF_INET } };
	struct eap_peer *peer;
	unsigned max_rounds = 60, rounds = 0;
	bool print_keys = false;
	char err[256];
	uint8_t eap[EAP_MSG_MAX], resp[EAP_PACKET_MAX];
	int opt, n, rc = 1;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			if (!strcmp(optarg, "eap-mschapv2"))
				cfg.method = EAP_PEER_MSCHAPV2;
			else if (!strcmp(optarg, "peap-mschapv2"))
				cfg.method = EAP_PEER_PEAP_MSCHAPV2;
			else if (!strcmp(optarg, "eap-tls"))
				cfg.method = EAP_PEER_TLS;
			else
				return usage();
			break;
		case 'u': cfg.identity = optarg; break;
		case 'p': cfg.password = optarg; break;
		case 'c': cfg.ca_file = optarg; break;
		case 'C': cfg.cert_file = optarg; break;
		case 'k': cfg.key_file = optarg; break;
		case 't': nas.timeout = atof(optarg); break;
		case 'r': max_rounds = (unsigned)atoi(optarg); break;
		case 'P': print_keys = true; break;
		default: return usage();
		}
	}
	if (argc - optind != 3 || !cfg.identity || !(nas.timeout > 0) || max_rounds == 0 ||
	    max_rounds > 1000)
		return usage();
	nas.to.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &nas.to.sin_addr) != 1 ||
	    !radius_secret_set(&nas.sec, argv[optind + 2]))
		return usage();
	if (!crypto_init(err, sizeof(err))) {
		fprintf(stderr, "crypto: %s\n", err);
		return 1;
	}
	peer = eap_peer_new(&cfg, err, sizeof(err));
	if (!peer) {
		fprintf(stderr, "eap_radius_client: %s\n", err);
		crypto_shutdown();
		return 2;
	}
	nas.fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (nas.fd < 0) {
		perror("eap_radius_client: socket");
		goto out;
	}
	/* the NAS's Request/Identity, answered by the peer */
	n = eap_peer_request(peer, (const uint8_t[]){ EAP_CODE_REQUEST, 0, 0, 5, EAP_TYPE_IDENTITY },
			     5, resp, sizeof(resp));
	while (n > 0) {
		size_t elen;
		if (++rounds > max_rounds) {
			printf("gave-up rounds=%u reason=too many rounds\n", rounds - 1);
			goto out;
		}
		if (!build(&nas, cfg.identity, resp, (size_t)n)) {
			fprintf(stderr, "eap_radius_client: cannot build the Access-Request\n");
			goto out;
		}
		switch (exchange(&nas)) {
		case -1:
			printf("timeout rounds=%u\n", rounds);
			goto out;
		case -2:
			printf("bad-reply rounds=%u\n", rounds);
			goto out;
		}
		if (nas.rp.code == RADIUS_ACCESS_ACCEPT) {
			struct radius_attr u;
			if (radius_find(&nas.rp, 0, RADIUS_USER_NAME, &u))
				printf("accept rounds=%u user=%s\n", rounds, LOG_ESC_N(u.val, u.len));
			else
				printf("accept rounds=%u\n", rounds);
			compare_keys(&nas, peer, print_keys);
			rc = 0;
			goto out;
		}
		if (nas.rp.code != RADIUS_ACCESS_CHALLENGE) {
			struct radius_attr m;
			printf("reject rounds=%u", rounds);
			if (eap_peer_error(peer)[0])
				printf(" reason=%s", eap_peer_error(peer));
			if (radius_find(&nas.rp, 0, RADIUS_REPLY_MESSAGE, &m))
				printf(" reply=%s", LOG_ESC_N(m.val, m.len));
			printf("\n");
			goto out;
		}
		struct radius_attr st;
		nas.state_len = 0;
		if (radius_find(&nas.rp, 0, RADIUS_STATE, &st)) {
			memcpy(nas.state, st.val, st.len);
			nas.state_len = st.len;
		}
		elen = eap_of(&nas.rp, eap, sizeof(eap));
		if (elen == 0) {
			printf("bad-reply rounds=%u (no EAP-Message)\n", rounds);
			goto out;
		}
		n = eap_peer_request(peer, eap, elen, resp, sizeof(resp));
	}
	printf("gave-up rounds=%u reason=%s\n", rounds,
	       n < 0 ? eap_peer_error(peer) : "a Request ignored");
out:
	if (nas.fd >= 0)
		close(nas.fd);
	eap_peer_free(peer);
	crypto_shutdown();
	return rc;
}
