/* The client-side EAP methods (tools/eap_peer.c): EAP-MSCHAPv2 against the
 * RFC 2759 9.2 vectors (NT-Response, S=) and the RFC 3079 keys, a wrong S=
 * and a Failure-Request; the EAP-TLS framing without a TLS server: a
 * fragmented Request acked per fragment and reassembled in order (the TLS
 * alert it carries is what the peer reports), a Length lie and an
 * oversize total refused, a Request of another type Naked. With a TLS
 * server in the test (OpenSSL, certificates made here) playing the EAP
 * server: EAP-TLS and PEAPv0/EAP-MSCHAPv2 complete, both sides fragment
 * (ours at 1000 bytes, acked one by one), and the MPPE keys are the
 * server's MSK split as FreeRADIUS sends it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

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

/* ---- a TLS server in the test ---- */

struct srv {
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rb, *wb;
	struct eap_peer *p;
	uint8_t type;              /* EAP_TYPE_TLS or EAP_TYPE_PEAP */
	uint8_t id;
	unsigned client_frags;     /* fragments of ours the server acked */
	unsigned server_frags;     /* fragments of the server's the client acked */
	char dir[256];
};

static void write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	if (x)
		assert_int_equal(PEM_write_X509(f, x), 1);
	else
		assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(f), 0);
}

/* A self-signed certificate for CN cn (its own CA). */
static X509 *make_cert(EVP_PKEY *k, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *nm;
	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, nm);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	return x;
}

static int accept_any(int ok, X509_STORE_CTX *ctx)
{
	(void)ok;
	(void)ctx;
	return 1;
}

/* The server's certificate (srv.crt, also the client's CA) and key, and
 * for EAP-TLS a client certificate (RSA 2048: its flight needs two
 * fragments). */
static void srv_init(struct srv *s, enum eap_peer_method m)
{
	EVP_PKEY *sk = EVP_EC_gen("P-256"), *ck = NULL;
	X509 *sx, *cx = NULL;
	char ca[sizeof(s->dir) + 16], cert[sizeof(s->dir) + 16], key[sizeof(s->dir) + 16], err[256];
	const char *tmp = getenv("TMPDIR");
	struct eap_peer_config cfg = { .method = m, .identity = "alice", .password = "pw" };

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "%s/eap_peer_test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(s->dir));
	assert_non_null(sk);
	sx = make_cert(sk, "radius.test");
	snprintf(ca, sizeof(ca), "%s/srv.crt", s->dir);
	write_pem(ca, sx, NULL);
	cfg.ca_file = ca;
	if (m == EAP_PEER_TLS) {
		ck = EVP_RSA_gen(2048);
		assert_non_null(ck);
		cx = make_cert(ck, "alice");
		snprintf(cert, sizeof(cert), "%s/alice.crt", s->dir);
		snprintf(key, sizeof(key), "%s/alice.key", s->dir);
		write_pem(cert, cx, NULL);
		write_pem(key, NULL, ck);
		cfg.cert_file = cert;
		cfg.key_file = key;
	}
	s->p = eap_peer_new(&cfg, err, sizeof(err));
	assert_non_null(s->p);
	s->type = m == EAP_PEER_TLS ? EAP_TYPE_TLS : EAP_TYPE_PEAP;

	s->ctx = SSL_CTX_new(TLS_server_method());
	assert_non_null(s->ctx);
	SSL_CTX_set_max_proto_version(s->ctx, TLS1_2_VERSION);
	assert_int_equal(SSL_CTX_use_certificate(s->ctx, sx), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(s->ctx, sk), 1);
	if (m == EAP_PEER_TLS)
		SSL_CTX_set_verify(s->ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
				   accept_any);
	s->ssl = SSL_new(s->ctx);
	s->rb = BIO_new(BIO_s_mem());
	s->wb = BIO_new(BIO_s_mem());
	assert_non_null(s->ssl);
	SSL_set_bio(s->ssl, s->rb, s->wb);
	SSL_set_accept_state(s->ssl);
	X509_free(sx);
	X509_free(cx);
	EVP_PKEY_free(sk);
	EVP_PKEY_free(ck);
}

static void srv_free(struct srv *s)
{
	char path[sizeof(s->dir) + 16];
	eap_peer_free(s->p);
	SSL_free(s->ssl);
	SSL_CTX_free(s->ctx);
	for (const char **f = (const char *[]){ "srv.crt", "alice.crt", "alice.key", NULL }; *f; f++) {
		snprintf(path, sizeof(path), "%s/%s", s->dir, *f);
		unlink(path);
	}
	rmdir(s->dir);
}

/* One Request of the method's type with this Type-Data; the Response
 * (checked: a Response, same Identifier, same Type) in resp. */
static int to_client(struct srv *s, const uint8_t *td, size_t n, uint8_t *resp)
{
	uint8_t req[1500];
	int r;
	s->id++;
	r = eap_peer_request(s->p, req, request(req, s->id, s->type, td, n), resp, 1500);
	assert_true(r >= 6);
	assert_int_equal(resp[0], EAP_CODE_RESPONSE);
	assert_int_equal(resp[1], s->id);
	assert_int_equal(load_be16(resp + 2), r);
	assert_int_equal(resp[4], s->type);
	return r;
}

/* The client's message starting in resp: fragments acked and joined, the
 * whole given to the server's TLS. Returns its length (0: an ack). */
static size_t from_client(struct srv *s, uint8_t *resp, int n)
{
	size_t total = 0, announced = 0;
	for (;;) {
		uint8_t flags = resp[5];
		size_t at = 6;
		if (flags & 0x80) {
			announced = load_be32(resp + 6);
			at += 4;
		}
		assert_int_equal(BIO_write(s->rb, resp + at, n - (int)at), n - (int)at);
		total += (size_t)n - at;
		if (!(flags & 0x40))
			break;
		assert_int_equal(n - (int)at, 1000); /* the client's fragment size */
		s->client_frags++;
		n = to_client(s, (const uint8_t[]){ 0 }, 1, resp);
	}
	if (announced)
		assert_int_equal(total, announced);
	return total;
}

/* What the server's TLS wrote, to the client in 300-byte fragments (each
 * but the last acked), or an empty Request; the client's answer in resp. */
static int server_flight(struct srv *s, uint8_t *resp)
{
	uint8_t flight[16384], td[320];
	int len = BIO_read(s->wb, flight, sizeof(flight)), n = 0;
	size_t off = 0;

	if (len <= 0)
		return to_client(s, (const uint8_t[]){ 0 }, 1, resp);
	assert_int_equal(BIO_ctrl_pending(s->wb), 0);
	while (off < (size_t)len) {
		size_t k = (size_t)len - off > 300 ? 300 : (size_t)len - off, t = 0;
		td[t++] = (uint8_t)((off == 0 ? 0x80 : 0) | (off + k < (size_t)len ? 0x40 : 0));
		if (off == 0) {
			store_be32(td + 1, (uint32_t)len);
			t += 4;
		}
		memcpy(td + t, flight + off, k);
		n = to_client(s, td, t + k, resp);
		off += k;
		if (off < (size_t)len) {
			assert_int_equal(n, 6); /* an ack: no flags, no data */
			assert_int_equal(resp[5], 0);
			s->server_frags++;
		}
	}
	return n;
}

/* Start, then flights both ways until the server's handshake is done and
 * the client has acked its last flight. */
static void handshake(struct srv *s, uint8_t *resp)
{
	int n = to_client(s, (const uint8_t[]){ 0x20 }, 1, resp);
	for (int i = 0; i < 20; i++) {
		size_t got = from_client(s, resp, n);
		if (SSL_is_init_finished(s->ssl)) {
			assert_int_equal(got, 0);
			return;
		}
		int rc = SSL_do_handshake(s->ssl);
		assert_true(rc == 1 || SSL_get_error(s->ssl, rc) == SSL_ERROR_WANT_READ);
		n = server_flight(s, resp);
	}
	fail_msg("the handshake did not finish");
}

static void expect_msk_keys(struct srv *s)
{
	uint8_t msk[64], send[16], recv[16];
	assert_int_equal(SSL_export_keying_material(s->ssl, msk, sizeof(msk),
						    "client EAP encryption", 21, NULL, 0, 0),
			 1);
	assert_true(eap_peer_keys(s->p, send, recv));
	/* MS-MPPE-Recv-Key = MSK[0..31] (what the client sends with),
	 * MS-MPPE-Send-Key = MSK[32..63] */
	assert_memory_equal(send, msk, 16);
	assert_memory_equal(recv, msk + 32, 16);
}

static void tls_with_server(void **state)
{
	(void)state;
	struct srv s;
	uint8_t resp[1500], send[16], recv[16];

	srv_init(&s, EAP_PEER_TLS);
	assert_false(eap_peer_keys(s.p, send, recv));
	handshake(&s, resp);
	assert_true(s.client_frags >= 1); /* the client's certificate flight */
	assert_true(s.server_frags >= 1);
	expect_msk_keys(&s);
	assert_string_equal(eap_peer_error(s.p), "");
	srv_free(&s);
}

/* PEAP: one inner packet (plaintext) to the client through the tunnel;
 * its inner answer decrypted into out. */
static int inner(struct srv *s, const uint8_t *pkt, size_t n, uint8_t *out, size_t cap)
{
	uint8_t resp[1500];
	int r;
	assert_int_equal(SSL_write(s->ssl, pkt, (int)n), (int)n);
	r = server_flight(s, resp);
	assert_true(from_client(s, resp, r) > 0);
	r = SSL_read(s->ssl, out, (int)cap);
	assert_true(r > 0);
	return r;
}

static void peap_with_server(void **state)
{
	(void)state;
	struct srv s;
	uint8_t resp[1500], out[1500], chal[1 + 4 + 1 + 16 + 3], send[16], recv[16], nt_hash[16];
	uint8_t succ[4 + 1 + 4 + MSCHAP_AUTH_RESPONSE_LEN + 5];
	char auth_resp[MSCHAP_AUTH_RESPONSE_LEN];
	static const uint8_t result_ok[] = { 1, 9, 0, 11, 33, 0x80, 0x03, 0, 2, 0, 1 };
	int n;

	srv_init(&s, EAP_PEER_PEAP_MSCHAPV2);
	handshake(&s, resp);
	assert_false(eap_peer_keys(s.p, send, recv)); /* not before the Result */

	/* inner Identity: the Type alone, without a header, both ways */
	n = inner(&s, (const uint8_t[]){ EAP_TYPE_IDENTITY }, 1, out, sizeof(out));
	assert_int_equal(n, 6);
	assert_memory_equal(out, "\x01" "alice", 6);

	/* inner MS-CHAPv2 Challenge, header-less */
	chal[0] = EAP_TYPE_MSCHAPV2;
	chal[1] = 1;
	chal[2] = 5;
	store_be16(chal + 3, sizeof(chal) - 1);
	chal[5] = 16;
	assert_int_equal(RAND_bytes(chal + 6, 16), 1);
	memcpy(chal + 22, "srv", 3);
	n = inner(&s, chal, sizeof(chal), out, sizeof(out));
	assert_int_equal(n, 1 + 4 + 1 + 49 + 5);
	assert_int_equal(out[0], EAP_TYPE_MSCHAPV2);
	assert_int_equal(out[1], 2);
	assert_true(NtPasswordHash("pw", nt_hash));
	assert_true(mschapv2_verify(nt_hash, chal + 6, out + 6, "alice", 5, out + 30, auth_resp));

	/* Success-Request with the right S=, then the Result TLV */
	succ[0] = EAP_TYPE_MSCHAPV2;
	succ[1] = 3;
	succ[2] = 5;
	store_be16(succ + 3, sizeof(succ) - 1);
	memcpy(succ + 5, auth_resp, MSCHAP_AUTH_RESPONSE_LEN);
	memcpy(succ + 5 + MSCHAP_AUTH_RESPONSE_LEN, " M=ok", 5);
	n = inner(&s, succ, sizeof(succ), out, sizeof(out));
	assert_int_equal(n, 2);
	assert_memory_equal(out, ((uint8_t[]){ EAP_TYPE_MSCHAPV2, 3 }), 2);
	n = inner(&s, result_ok, sizeof(result_ok), out, sizeof(out));
	/* a whole EAP Response: Extensions, Result TLV success */
	assert_int_equal(n, 11);
	assert_memory_equal(out, ((uint8_t[]){ 2, 9, 0, 11, 33, 0x80, 0x03, 0, 2, 0, 1 }), 11);
	expect_msk_keys(&s);
	srv_free(&s);
}

/* PEAP: a Result TLV success before the inner method succeeded is a lie
 * the client does not go along with. */
static void peap_early_success_refused(void **state)
{
	(void)state;
	struct srv s;
	uint8_t resp[1500], send[16], recv[16];
	static const uint8_t result_ok[] = { 1, 9, 0, 11, 33, 0x80, 0x03, 0, 2, 0, 1 };

	srv_init(&s, EAP_PEER_PEAP_MSCHAPV2);
	handshake(&s, resp);
	assert_int_equal(SSL_write(s.ssl, result_ok, sizeof(result_ok)), (int)sizeof(result_ok));
	uint8_t req[1500], td[512];
	int len = BIO_read(s.wb, td + 5, sizeof(td) - 5);
	assert_true(len > 0);
	td[0] = 0x80;
	store_be32(td + 1, (uint32_t)len);
	assert_int_equal(eap_peer_request(s.p, req, request(req, 99, EAP_TYPE_PEAP, td, 5 + (size_t)len),
					  resp, sizeof(resp)),
			 -1);
	assert_non_null(strstr(eap_peer_error(s.p), "before the inner method"));
	assert_false(eap_peer_keys(s.p, send, recv));
	srv_free(&s);
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
		cmocka_unit_test(tls_with_server),
		cmocka_unit_test(peap_with_server),
		cmocka_unit_test(peap_early_success_refused),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
