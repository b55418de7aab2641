/* The client-side EAP methods (tools/eap_peer.c): EAP-MSCHAPv2 against the
 * RFC 2759 9.2 vectors (NT-Response, S=) and the RFC 3079 keys, a wrong S=
 * and a Failure-Request; the EAP-TLS framing without a TLS server: a
 * fragmented Request acked per fragment and reassembled in order (the TLS
 * alert it carries is what the peer reports), a Length lie and an
 * oversize total refused, a Request of another type Naked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/buf.h"
#include "common/mschap.h"
#include "common/ppp/eap.h"
#include "tests/unit/support/vectors.h"
#include "tools/eap_peer.h"

#define V(name, len) vec("rfc2759.9.2." name, len)

static struct eap_peer *new_mschapv2(void)
{
	char user[32] = "", pw[32] = "", err[128];
	struct eap_peer_config cfg = { .method = EAP_PEER_MSCHAPV2 };
	struct eap_peer *p;

	memcpy(user, V("UserName.ascii", 0), vec_len("rfc2759.9.2.UserName.ascii"));
	memcpy(pw, V("Password.ascii", 0), vec_len("rfc2759.9.2.Password.ascii"));
	cfg.identity = user;
	cfg.password = pw;
	p = eap_peer_new(&cfg, err, sizeof(err));
	assert_non_null(p);
	eap_peer_test_peer_challenge(p, V("PeerChallenge", 16));
	return p;
}

/* An EAP Request: header, Type, then data. */
static size_t request(uint8_t *out, uint8_t id, uint8_t type, const void *data, size_t n)
{
	out[0] = EAP_CODE_REQUEST;
	out[1] = id;
	store_be16(out + 2, (uint16_t)(EAP_HDR_LEN + 1 + n));
	out[4] = type;
	if (n)
		memcpy(out + 5, data, n);
	return EAP_HDR_LEN + 1 + n;
}

/* EAP-MSCHAPv2 Type-Data: OpCode, MS-CHAPv2-ID, MS-Length, then body. */
static size_t ms_data(uint8_t *out, uint8_t op, uint8_t ms_id, const void *body, size_t n)
{
	out[0] = op;
	out[1] = ms_id;
	store_be16(out + 2, (uint16_t)(4 + n));
	memcpy(out + 4, body, n);
	return 4 + n;
}

static size_t challenge_request(uint8_t *req, uint8_t id)
{
	uint8_t body[64], td[80];
	body[0] = 16;
	memcpy(body + 1, V("AuthenticatorChallenge", 16), 16);
	memcpy(body + 17, "srv", 3);
	return request(req, id, EAP_TYPE_MSCHAPV2, td, ms_data(td, 1, 7, body, 20));
}

static void mschapv2_rfc2759_vectors(void **state)
{
	(void)state;
	struct eap_peer *p = new_mschapv2();
	uint8_t req[256], resp[1500], td[128], send[16], recv[16];
	const char *s = "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=welcome";
	int n;

	assert_false(eap_peer_keys(p, send, recv));
	n = eap_peer_request(p, req, challenge_request(req, 42), resp, sizeof(resp));
	/* header 4, Type, OpCode, MS-CHAPv2-ID, MS-Length 2, Value-Size,
	 * 49 octets of value, the name "User" */
	assert_int_equal(n, 4 + 1 + 4 + 1 + 49 + 4);
	assert_int_equal(resp[0], EAP_CODE_RESPONSE);
	assert_int_equal(resp[1], 42);
	assert_int_equal(load_be16(resp + 2), n);
	assert_int_equal(resp[4], EAP_TYPE_MSCHAPV2);
	assert_int_equal(resp[5], 2);                 /* Response */
	assert_int_equal(resp[6], 7);                 /* the Challenge's MS-CHAPv2-ID */
	assert_int_equal(load_be16(resp + 7), n - 5); /* MS-Length: the Type-Data */
	assert_int_equal(resp[9], 49);
	assert_memory_equal(resp + 10, V("PeerChallenge", 16), 16);
	assert_memory_equal(resp + 26, (uint8_t[8]){ 0 }, 8);
	assert_memory_equal(resp + 34, V("NT-Response", 24), 24);
	assert_int_equal(resp[58], 0);
	assert_memory_equal(resp + 59, "User", 4);

	n = eap_peer_request(p, req,
			     request(req, 43, EAP_TYPE_MSCHAPV2, td, ms_data(td, 3, 7, s, strlen(s))),
			     resp, sizeof(resp));
	assert_int_equal(n, 6); /* Success-Response: the OpCode alone */
	assert_memory_equal(resp, ((uint8_t[]){ 2, 43, 0, 6, 26, 3 }), 6);
	assert_true(eap_peer_keys(p, send, recv));
	/* RFC 3079 3.5.3: the server's send key is our receive key */
	assert_memory_equal(recv, vec("rfc3079.3.5.3.SendStartKey128", 16), 16);
	assert_memory_equal(send, vec("derived.ServerRecvStartKey128", 16), 16);
	assert_string_equal(eap_peer_error(p), "");
	eap_peer_free(p);
}

/* A server that does not know the password cannot make S=: refused. */
static void mschapv2_wrong_authenticator_refused(void **state)
{
	(void)state;
	struct eap_peer *p = new_mschapv2();
	uint8_t req[256], resp[1500], td[128], send[16], recv[16];
	const char *s = "S=407A5589115FD0D6209F510FE9C04566932CDA57 M=welcome";

	assert_true(eap_peer_request(p, req, challenge_request(req, 1), resp, sizeof(resp)) > 0);
	assert_int_equal(eap_peer_request(p, req,
					  request(req, 2, EAP_TYPE_MSCHAPV2, td,
						  ms_data(td, 3, 7, s, strlen(s))),
					  resp, sizeof(resp)),
			 -1);
	assert_non_null(strstr(eap_peer_error(p), "S="));
	assert_false(eap_peer_keys(p, send, recv));
	/* and it stays given up */
	assert_int_equal(eap_peer_request(p, req, challenge_request(req, 3), resp, sizeof(resp)), -1);
	eap_peer_free(p);

	/* a Success-Request with no Challenge before it */
	p = new_mschapv2();
	assert_int_equal(eap_peer_request(p, req,
					  request(req, 2, EAP_TYPE_MSCHAPV2, td,
						  ms_data(td, 3, 7, s, strlen(s))),
					  resp, sizeof(resp)),
			 -1);
	eap_peer_free(p);
}

/* Failure-Request: answered with a Failure-Response, the server's message
 * kept as the reason, then nothing more. */
static void mschapv2_failure(void **state)
{
	(void)state;
	struct eap_peer *p = new_mschapv2();
	uint8_t req[256], resp[1500], td[128], send[16], recv[16];
	const char *f = "E=691 R=0 C=00000000000000000000000000000000 V=3 M=bad\x01pw";

	assert_true(eap_peer_request(p, req, challenge_request(req, 1), resp, sizeof(resp)) > 0);
	assert_int_equal(eap_peer_request(p, req,
					  request(req, 9, EAP_TYPE_MSCHAPV2, td,
						  ms_data(td, 4, 7, f, strlen(f))),
					  resp, sizeof(resp)),
			 6);
	assert_memory_equal(resp, ((uint8_t[]){ 2, 9, 0, 6, 26, 4 }), 6);
	assert_non_null(strstr(eap_peer_error(p), "E=691"));
	assert_null(strchr(eap_peer_error(p), '\x01')); /* the peer's bytes made printable */
	assert_false(eap_peer_keys(p, send, recv));
	assert_int_equal(eap_peer_request(p, req, challenge_request(req, 10), resp, sizeof(resp)), -1);
	eap_peer_free(p);
}

/* Identity answered, Notification acknowledged, another method Naked;
 * Success/Failure and garbage are not Requests to answer. */
static void other_requests(void **state)
{
	(void)state;
	struct eap_peer *p = new_mschapv2();
	uint8_t req[64], resp[256];

	assert_int_equal(eap_peer_request(p, req, request(req, 5, EAP_TYPE_IDENTITY, NULL, 0), resp,
					  sizeof(resp)),
			 9);
	assert_memory_equal(resp, ((uint8_t[]){ 2, 5, 0, 9, 1, 'U', 's', 'e', 'r' }), 9);
	assert_int_equal(eap_peer_request(p, req, request(req, 6, EAP_TYPE_NOTIFICATION, "hi", 2),
					  resp, sizeof(resp)),
			 5);
	assert_int_equal(eap_peer_request(p, req, request(req, 7, EAP_TYPE_MD5, "\x10", 1), resp,
					  sizeof(resp)),
			 6);
	assert_memory_equal(resp, ((uint8_t[]){ 2, 7, 0, 6, EAP_TYPE_NAK, EAP_TYPE_MSCHAPV2 }), 6);
	assert_int_equal(eap_peer_request(p, (uint8_t[]){ 3, 7, 0, 4 }, 4, resp, sizeof(resp)), 0);
	assert_int_equal(eap_peer_request(p, (uint8_t[]){ 1, 7, 0, 40 }, 4, resp, sizeof(resp)), 0);
	eap_peer_free(p);
}

/* ---- EAP-TLS framing ---- */

static struct eap_peer *new_peap(void)
{
	char err[128];
	struct eap_peer_config cfg = {
		.method = EAP_PEER_PEAP_MSCHAPV2, .identity = "alice", .password = "pw",
	};
	struct eap_peer *p = eap_peer_new(&cfg, err, sizeof(err));
	assert_non_null(p);
	return p;
}

/* Start: a ClientHello in one fragment with its length (L). */
static void start(struct eap_peer *p)
{
	uint8_t req[16], resp[1500];
	int n = eap_peer_request(p, req, request(req, 1, EAP_TYPE_PEAP, "\x20", 1), resp,
				 sizeof(resp));
	assert_true(n > 10);
	assert_int_equal(resp[4], EAP_TYPE_PEAP);
	assert_int_equal(resp[5], 0x80);                 /* L, no M, version 0 */
	assert_int_equal(load_be32(resp + 6), n - 10);
	assert_int_equal(resp[10], 0x16);                /* a TLS handshake record */
}

/* One TLS Request fragment: flags, the length if L, data. */
static int fragment(struct eap_peer *p, uint8_t id, uint8_t flags, uint32_t total,
		    const uint8_t *data, size_t n, uint8_t *resp)
{
	uint8_t td[64], req[80];
	size_t k = 0;
	td[k++] = flags;
	if (flags & 0x80) {
		store_be32(td + k, total);
		k += 4;
	}
	memcpy(td + k, data, n);
	return eap_peer_request(p, req, request(req, id, EAP_TYPE_PEAP, td, k + n), resp, 1500);
}

/* A fatal handshake_failure alert, cut in three fragments. */
static const uint8_t alert[7] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };

static void tls_fragments_reassembled(void **state)
{
	(void)state;
	struct eap_peer *p = new_peap();
	uint8_t resp[1500];

	start(p);
	assert_int_equal(fragment(p, 2, 0x80 | 0x40, 7, alert, 3, resp), 6);
	assert_memory_equal(resp, ((uint8_t[]){ 2, 2, 0, 6, EAP_TYPE_PEAP, 0 }), 6); /* ack */
	assert_int_equal(fragment(p, 3, 0x40, 0, alert + 3, 2, resp), 6);
	assert_memory_equal(resp, ((uint8_t[]){ 2, 3, 0, 6, EAP_TYPE_PEAP, 0 }), 6);
	/* the last one: the whole alert reaches TLS in order */
	assert_int_equal(fragment(p, 4, 0, 0, alert + 5, 2, resp), -1);
	assert_non_null(strstr(eap_peer_error(p), "handshake failure"));
	eap_peer_free(p);
}

static void tls_length_lie_refused(void **state)
{
	(void)state;
	struct eap_peer *p = new_peap();
	uint8_t resp[1500];

	/* 8 announced, 7 arrive */
	start(p);
	assert_int_equal(fragment(p, 2, 0x80 | 0x40, 8, alert, 3, resp), 6);
	assert_int_equal(fragment(p, 3, 0, 0, alert + 3, 4, resp), -1);
	assert_non_null(strstr(eap_peer_error(p), "announced"));
	eap_peer_free(p);

	/* 5 announced, more arrive */
	p = new_peap();
	start(p);
	assert_int_equal(fragment(p, 2, 0x80 | 0x40, 5, alert, 3, resp), 6);
	assert_int_equal(fragment(p, 3, 0x40, 0, alert + 3, 4, resp), -1);
	eap_peer_free(p);

	/* more fragments announced without a length on the first */
	p = new_peap();
	start(p);
	assert_int_equal(fragment(p, 2, 0x40, 0, alert, 3, resp), -1);
	eap_peer_free(p);
}

static void tls_oversize_refused(void **state)
{
	(void)state;
	struct eap_peer *p = new_peap();
	uint8_t resp[1500];

	start(p);
	assert_int_equal(fragment(p, 2, 0x80 | 0x40, 65537, alert, 3, resp), -1);
	assert_non_null(strstr(eap_peer_error(p), "65537"));
	eap_peer_free(p);

	/* within the cap, but not this much data before Start */
	p = new_peap();
	assert_int_equal(fragment(p, 2, 0x80 | 0x40, 65536, alert, 3, resp), -1);
	eap_peer_free(p);
}

static void tls_bad_files(void **state)
{
	(void)state;
	char err[256];
	struct eap_peer_config cfg = {
		.method = EAP_PEER_TLS, .identity = "alice", .cert_file = "/nonexistent/c.pem",
		.key_file = "/nonexistent/k.pem",
	};
	assert_null(eap_peer_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "certificate"));
	cfg.cert_file = NULL;
	assert_null(eap_peer_new(&cfg, err, sizeof(err)));
	cfg.method = EAP_PEER_PEAP_MSCHAPV2;
	cfg.password = "pw";
	cfg.ca_file = "/nonexistent/ca.pem";
	assert_null(eap_peer_new(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "CA"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mschapv2_rfc2759_vectors),
		cmocka_unit_test(mschapv2_wrong_authenticator_refused),
		cmocka_unit_test(mschapv2_failure),
		cmocka_unit_test(other_requests),
		cmocka_unit_test(tls_fragments_reassembled),
		cmocka_unit_test(tls_length_lie_refused),
		cmocka_unit_test(tls_oversize_refused),
		cmocka_unit_test(tls_bad_files),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
