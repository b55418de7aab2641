/*
 * libFuzzer harness for the EAP relay of the RADIUS backend
 * (auth/backend_radius.c, included whole so its reply path is reached
 * without sockets): the input is a reply to an EAP round. Its first octet
 * picks the code (Access-Challenge, -Accept or -Reject) and whether the
 * round was pinned to its server; the rest are the reply's attributes as
 * they come on the wire. The harness adds the header, a
 * Message-Authenticator and the Response Authenticator computed with the
 * secret over the request's authenticator, checks that the packet parses
 * and verifies as the transport would, and hands it to the backend's
 * completion path. The completion must keep every promise of
 * struct auth_result: bounded lengths, a Challenge always with one whole
 * EAP Request whose EAP Length is its size, keys only with an Accept,
 * pointers into memory that can be read to the end (ASan checks it).
 * An empty input is "no server answered".
 */
#include "auth/backend_radius.c"

#include "common/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t req_auth[RADIUS_AUTH_LEN] = {
	0x5e, 0x11, 0x3a, 0x90, 0x01, 0x77, 0x42, 0xc3,
	0x2d, 0x9b, 0x60, 0x18, 0xfe, 0x04, 0xa5, 0x3c,
};

static unsigned seen;
static volatile uint8_t sink;

static void touch(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sink ^= p[i];
}

static void on_complete(void *ctx, const struct auth_result *r)
{
	(void)ctx;
	seen++;
	if (r->method != AUTH_EAP || r->eap_len > EAP_PACKET_MAX ||
	    (r->eap_msg == NULL) != (r->eap_len == 0) || r->state_len > RADIUS_ATTR_MAX ||
	    (r->state == NULL && r->state_len) || r->reply_user_len > RADIUS_ATTR_MAX ||
	    (r->reply_user == NULL && r->reply_user_len))
		abort();
	if (r->eap_msg && (r->eap_len < EAP_HDR_LEN || load_be16(r->eap_msg + 2) != r->eap_len))
		abort();
	if (r->verdict == AUTH_CHALLENGE && (!r->eap_msg || r->eap_msg[0] != EAP_CODE_REQUEST))
		abort();
	if (r->verdict != AUTH_CHALLENGE && r->state)
		abort();
	if (r->has_keys && r->verdict != AUTH_ACCEPT)
		abort();
	if (!memchr(r->message, '\0', sizeof(r->message)))
		abort();
	touch(r->eap_msg, r->eap_len);
	touch(r->state, r->state_len);
	touch(r->reply_user, r->reply_user_len);
}

static struct auth_backend *backend(void)
{
	static struct auth_backend *b;
	char err[256];

	if (b)
		return b;
	if (!crypto_init(err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	log_set_level(LOG_LVL_ERR);
	/* A server that is never sent to: only the reply path runs. */
	struct radius_server srv;
	memset(&srv, 0, sizeof(srv));
	struct sockaddr_in *sin = (struct sockaddr_in *)&srv.addr;
	sin->sin_family = AF_INET; /* only its family matters */
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(9);
	srv.addrlen = sizeof(*sin);
	if (!radius_secret_set(&srv.secret, "fuzz-secret"))
		abort();
	snprintf(srv.name, sizeof(srv.name), "fuzz");
	struct auth_radius_config cfg = {
		.client = { .servers = &srv, .nservers = 1 },
		.nas = { .identifier = "fuzz" },
	};
	b = auth_radius_new(&cfg, on_complete, NULL, err, sizeof(err));
	if (!b) {
		fprintf(stderr, "%s\n", err);
		abort();
	}
	return b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t codes[3] = { RADIUS_ACCESS_CHALLENGE, RADIUS_ACCESS_ACCEPT,
					  RADIUS_ACCESS_REJECT };
	static struct radius_writer w;
	struct radius_backend *b = to_radius(backend());
	const struct radius_server *srv = radius_client_server(b->client, 0);
	const struct auth_session_ref ref = { 7, 1 };
	struct radius_packet p;

	/* The round waiting for its answer, as r_submit() leaves it. */
	struct pending *pd = calloc(1, sizeof(*pd));
	if (!pd)
		return 0;
	pd->b = b;
	pd->ref = ref;
	pd->method = AUTH_EAP;
	pd->eap_round = 2;
	pd->pinned = size && (data[0] & 0x80);
	snprintf(pd->user, sizeof(pd->user), "fuzz");
	pd->next = b->pending;
	if (b->pending)
		b->pending->prev = pd;
	b->pending = pd;
	b->npending++;

	unsigned before = seen;
	if (!size) {
		done_cb(pd, NULL, NULL, req_auth);
	} else {
		radius_writer_init(&w, codes[(data[0] & 0x7f) % 3], 1, NULL);
		size_t n = size - 1;
		if (n > sizeof(w.buf) - w.len - 18)
			n = sizeof(w.buf) - w.len - 18;
		memcpy(w.buf + w.len, data + 1, n);
		w.len += n;
		if (!radius_put_ma(&w) || !radius_finish(&w, RADIUS_SIGN_RESPONSE, &srv->secret,
							 req_auth) ||
		    !radius_parse(w.buf, w.len, &p) ||
		    radius_verify(&p, RADIUS_SIGN_RESPONSE, &srv->secret, req_auth, true) !=
			    RADIUS_OK) {
			/* Not a packet the transport would hand on. */
			pending_unlink(b, pd);
			free(pd);
			return 0;
		}
		done_cb(pd, &p, srv, req_auth);
	}
	if (seen != before + 1 || b->npending != 0)
		abort();
	/* The exchange ends here; a Challenge's pin goes with it. */
	r_cancel(&b->base, ref);
	if (b->npins)
		abort();
	return 0;
}
