/* The RADIUS codec (auth/radius_pkt.h): the RFC 2865 7.1 example, packets
 * made and signed by FreeRADIUS's radclient and freeradius (under
 * tests/unit/data/radius/, see the README there), the MS-MPPE key and
 * User-Password hiding, every malformed-input rule of the parser, the
 * Message-Authenticator rules and the writer's limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/radius_pkt.h"
#include "common/buf.h"
#include "common/crypto.h"
#include "tests/unit/support/radius_fake.h"
#include "tests/unit/support/vectors.h"

#define PKT_MAX 4200

/* ---- helpers ---- */

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	while (*s) {
		unsigned v;
		if (isspace((unsigned char)*s)) {
			s++;
			continue;
		}
		assert_true(n < cap);
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* A packet from tests/unit/data/radius/NAME: '#' lines skipped, the rest hex. */
static size_t load_pkt(const char *name, uint8_t *out, size_t cap)
{
	char path[512], line[2048];
	size_t n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/radius/%s", TEST_DATA_DIR, name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		n += unhex(line, out + n, cap - n);
	}
	fclose(f);
	assert_true(n >= RADIUS_HDR_LEN);
	return n;
}

static struct radius_secret secret(const char *s)
{
	struct radius_secret sec;
	assert_true(radius_secret_set(&sec, s));
	return sec;
}

static struct in_addr addr(const char *s)
{
	struct in_addr a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/* The test's own RFC 2548 2.4.2 encryption of an arbitrary plaintext (a
 * multiple of 16 octets) into salt + cipher text, to build malformed keys the
 * writer refuses to make. */
static size_t mppe_hide(const struct radius_secret *sec, const uint8_t ra[16], uint16_t salt,
			const uint8_t *plain, size_t n, uint8_t *out)
{
	uint8_t b[16];
	store_be16(out, salt);
	radius_fake_md5(sec->data, sec->len, ra, 16, out, 2, b);
	for (size_t off = 0; off < n; off += 16) {
		if (off)
			radius_fake_md5(sec->data, sec->len, out + 2 + off - 16, 16, NULL, 0, b);
		for (size_t i = 0; i < 16; i++)
			out[2 + off + i] = plain[off + i] ^ b[i];
	}
	return 2 + n;
}

static void expect_attr(const struct radius_attr *a, uint32_t vendor, uint8_t type,
			const void *val, size_t len)
{
	assert_int_equal(a->vendor, vendor);
	assert_int_equal(a->type, type);
	assert_int_equal(a->len, len);
	assert_memory_equal(a->val, val, len);
}

/* A header of code 1, id 7, the given Length, authenticator 0x11... */
static void header(uint8_t *b, size_t length)
{
	b[0] = RADIUS_ACCESS_REQUEST;
	b[1] = 7;
	store_be16(b + 2, (uint16_t)length);
	memset(b + 4, 0x11, RADIUS_AUTH_LEN);
}

/* ---- RFC 2865 section 7.1 ---- */

/* RFC 2865 7.1 "User Telnet to Specified Host", secret "xyzzy5461". */
static const char rfc_request_hex[] =
	"01 00 00 38 0f 40 3f 94 73 97 80 57 bd 83 d5 cb"
	"98 f4 22 7a 01 06 6e 65 6d 6f 02 12 0d be 70 8d"
	"93 d4 13 ce 31 96 e4 3f 78 2a 0a ee 04 06 c0 a8"
	"01 10 05 06 00 00 00 03";
static const char rfc_accept_hex[] =
	"02 00 00 26 86 fe 22 0e 76 24 ba 2a 10 05 f6 bf"
	"9b 55 e0 b2 06 06 00 00 00 01 0f 06 00 00 00 00"
	"0e 06 c0 a8 01 03";

static void rfc2865_access_request(void **state)
{
	(void)state;
	uint8_t raw[64];
	size_t n = unhex(rfc_request_hex, raw, sizeof(raw));
	struct radius_secret sec = secret("xyzzy5461");
	struct radius_packet p;
	struct radius_iter it;
	struct radius_attr a;
	uint32_t v;
	char pw[RADIUS_PASSWORD_MAX + 1];
	size_t pwlen = 0;

	assert_int_equal(n, 56);
	assert_true(radius_parse(raw, n, &p));
	assert_int_equal(p.code, RADIUS_ACCESS_REQUEST);
	assert_int_equal(p.id, 0);
	assert_int_equal(p.len, 56);
	assert_ptr_equal(p.auth, raw + 4);

	radius_iter_init(&it, &p);
	assert_true(radius_iter_next(&it, &a));
	expect_attr(&a, 0, RADIUS_USER_NAME, "nemo", 4);
	assert_true(radius_iter_next(&it, &a));
	assert_int_equal(a.type, RADIUS_USER_PASSWORD);
	assert_int_equal(a.len, 16);
	assert_true(radius_get_user_password(&a, &sec, p.auth, pw, &pwlen));
	assert_int_equal(pwlen, 10);
	assert_string_equal(pw, "arctangent");
	assert_true(radius_iter_next(&it, &a));
	assert_int_equal(a.type, RADIUS_NAS_IP_ADDRESS);
	assert_true(radius_attr_u32(&a, &v));
	assert_int_equal(v, 0xC0A80110);
	assert_true(radius_iter_next(&it, &a));
	assert_int_equal(a.type, RADIUS_NAS_PORT);
	assert_true(radius_attr_u32(&a, &v));
	assert_int_equal(v, 3);
	assert_false(radius_iter_next(&it, &a));

	/* The wrong secret recovers something else. */
	struct radius_secret bad = secret("xyzzy5462");
	assert_true(radius_find(&p, 0, RADIUS_USER_PASSWORD, &a));
	assert_true(radius_get_user_password(&a, &bad, p.auth, pw, &pwlen));
	assert_false(pwlen == 10 && memcmp(pw, "arctangent", 10) == 0);

	/* No Message-Authenticator: fine unless required; the authenticator of
	 * an Access-Request is random and not checked. */
	assert_int_equal(radius_verify(&p, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL, false), RADIUS_OK);
	assert_int_equal(radius_verify(&p, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL, true),
			 RADIUS_MISSING_MA);

	/* The writer reproduces the wire bytes. */
	struct radius_writer w;
	radius_writer_init(&w, RADIUS_ACCESS_REQUEST, 0, raw + 4);
	assert_true(radius_put_str(&w, RADIUS_USER_NAME, "nemo"));
	assert_true(radius_put_user_password(&w, &sec, raw + 4, "arctangent", 10));
	assert_true(radius_put_addr(&w, RADIUS_NAS_IP_ADDRESS, addr("192.168.1.16")));
	assert_true(radius_put_u32(&w, RADIUS_NAS_PORT, 3));
	assert_true(radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL));
	assert_int_equal(w.len, n);
	assert_memory_equal(w.buf, raw, n);
}

static void rfc2865_access_accept(void **state)
{
	(void)state;
	uint8_t req[64], acc[64], tmp[64];
	size_t rn = unhex(rfc_request_hex, req, sizeof(req));
	size_t an = unhex(rfc_accept_hex, acc, sizeof(acc));
	struct radius_secret sec = secret("xyzzy5461");
	struct radius_packet p;
	struct radius_attr a;

	assert_int_equal(rn, 56);
	assert_int_equal(an, 38);
	assert_true(radius_parse(acc, an, &p));
	assert_int_equal(p.code, RADIUS_ACCESS_ACCEPT);
	assert_int_equal(radius_count(&p, 0, RADIUS_SERVICE_TYPE), 1);
	assert_true(radius_find(&p, 0, 14 /* Login-IP-Host */, &a));
	expect_attr(&a, 0, 14, "\xc0\xa8\x01\x03", 4);
	assert_int_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &sec, req + 4, false), RADIUS_OK);
	assert_int_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &sec, req + 4, true),
			 RADIUS_MISSING_MA);
	assert_int_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &sec, NULL, false),
			 RADIUS_BAD_AUTHENTICATOR);

	/* Every single flipped bit of the packet is rejected (or no longer parses). */
	for (size_t bit = 0; bit < an * 8; bit++) {
		memcpy(tmp, acc, an);
		tmp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (radius_parse(tmp, an, &p))
			assert_int_not_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &sec, req + 4, false),
					     RADIUS_OK);
	}
	/* ... and of the secret, and of the request's authenticator. */
	assert_true(radius_parse(acc, an, &p));
	for (size_t bit = 0; bit < sec.len * 8; bit++) {
		struct radius_secret s2 = sec;
		s2.data[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &s2, req + 4, false),
				 RADIUS_BAD_AUTHENTICATOR);
	}
	for (size_t bit = 0; bit < RADIUS_AUTH_LEN * 8; bit++) {
		uint8_t ra[RADIUS_AUTH_LEN];
		memcpy(ra, req + 4, sizeof(ra));
		ra[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &sec, ra, false),
				 RADIUS_BAD_AUTHENTICATOR);
	}

	/* The writer signs it to the same bytes. */
	struct radius_writer w;
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 0, NULL);
	assert_true(radius_put_u32(&w, RADIUS_SERVICE_TYPE, 1));
	assert_true(radius_put_u32(&w, 15 /* Login-Service */, 0));
	assert_true(radius_put_addr(&w, 14, addr("192.168.1.3")));
	assert_true(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, req + 4));
	assert_int_equal(w.len, an);
	assert_memory_equal(w.buf, acc, an);
	/* A response needs the request's authenticator. */
	assert_false(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, NULL));
}

/* ---- packets from FreeRADIUS 3.2.1 ---- */

struct captured {
	const char *request, *reply;
	enum radius_sign how;   /* how the request is signed */
	size_t req_ma, rep_ma;  /* Message-Authenticators in each */
	uint8_t req_code, rep_code;
};

static const struct captured captured[] = {
	{ "pap-bob.request.hex", "pap-bob.accept.hex", RADIUS_SIGN_ACCESS_REQUEST, 1, 1,
	  RADIUS_ACCESS_REQUEST, RADIUS_ACCESS_ACCEPT },
	{ "pap-bob-wrong.request.hex", "pap-bob-wrong.reject.hex", RADIUS_SIGN_ACCESS_REQUEST, 1, 1,
	  RADIUS_ACCESS_REQUEST, RADIUS_ACCESS_REJECT },
	{ "pap-alice.request.hex", "pap-alice.accept.hex", RADIUS_SIGN_ACCESS_REQUEST, 0, 0,
	  RADIUS_ACCESS_REQUEST, RADIUS_ACCESS_ACCEPT },
	{ "mschapv2.request.hex", "mschapv2.accept.hex", RADIUS_SIGN_ACCESS_REQUEST, 1, 1,
	  RADIUS_ACCESS_REQUEST, RADIUS_ACCESS_ACCEPT },
	{ "status-server.request.hex", "status-server.accept.hex", RADIUS_SIGN_ACCESS_REQUEST, 1, 0,
	  RADIUS_STATUS_SERVER, RADIUS_ACCESS_ACCEPT },
	{ "acct-start.request.hex", "acct-start.response.hex", RADIUS_SIGN_REQUEST_HASH, 0, 0,
	  RADIUS_ACCOUNTING_REQUEST, RADIUS_ACCOUNTING_RESPONSE },
	{ "acct-stop.request.hex", "acct-stop.response.hex", RADIUS_SIGN_REQUEST_HASH, 1, 0,
	  RADIUS_ACCOUNTING_REQUEST, RADIUS_ACCOUNTING_RESPONSE },
	{ "disconnect.request.hex", "disconnect.ack.hex", RADIUS_SIGN_REQUEST_HASH, 1, 0,
	  RADIUS_DISCONNECT_REQUEST, RADIUS_DISCONNECT_ACK },
	{ "coa.request.hex", "coa.ack.hex", RADIUS_SIGN_REQUEST_HASH, 0, 0,
	  RADIUS_COA_REQUEST, RADIUS_COA_ACK },
};

/* The Message-Authenticator's value offset in a parsed packet. */
static size_t ma_offset(const struct radius_packet *p)
{
	struct radius_attr a;
	assert_true(radius_find(p, 0, RADIUS_MESSAGE_AUTHENTICATOR, &a));
	return (size_t)(a.val - p->raw);
}

static void freeradius_packets_verify(void **state)
{
	(void)state;
	struct radius_secret sec = secret("testing123"), bad = secret("testing124");

	for (size_t i = 0; i < sizeof(captured) / sizeof(captured[0]); i++) {
		const struct captured *c = &captured[i];
		uint8_t req[PKT_MAX], rep[PKT_MAX], tmp[PKT_MAX];
		size_t qn = load_pkt(c->request, req, sizeof(req));
		size_t rn = load_pkt(c->reply, rep, sizeof(rep));
		struct radius_packet q, r;

		print_message("%s -> %s\n", c->request, c->reply);
		assert_true(radius_parse(req, qn, &q));
		assert_int_equal(q.len, qn);
		assert_int_equal(q.code, c->req_code);
		assert_int_equal(radius_count(&q, 0, RADIUS_MESSAGE_AUTHENTICATOR), c->req_ma);
		assert_int_equal(radius_verify(&q, c->how, &sec, NULL, c->req_ma > 0), RADIUS_OK);
		if (c->req_ma == 0)
			assert_int_equal(radius_verify(&q, c->how, &sec, NULL, true), RADIUS_MISSING_MA);
		/* The wrong secret fails whatever is checked. */
		if (c->how == RADIUS_SIGN_REQUEST_HASH)
			assert_int_equal(radius_verify(&q, c->how, &bad, NULL, false),
					 RADIUS_BAD_AUTHENTICATOR);
		else if (c->req_ma)
			assert_int_equal(radius_verify(&q, c->how, &bad, NULL, false), RADIUS_BAD_MA);
		/* A changed Message-Authenticator is caught even when it is optional. */
		if (c->req_ma) {
			memcpy(tmp, req, qn);
			tmp[ma_offset(&q) + 5] ^= 0x40;
			assert_true(radius_parse(tmp, qn, &q));
			enum radius_verify_result want = c->how == RADIUS_SIGN_REQUEST_HASH ?
				RADIUS_BAD_AUTHENTICATOR : RADIUS_BAD_MA;
			assert_int_equal(radius_verify(&q, c->how, &sec, NULL, false), want);
			assert_true(radius_parse(req, qn, &q));
		}

		assert_true(radius_parse(rep, rn, &r));
		assert_int_equal(r.code, c->rep_code);
		assert_int_equal(r.id, q.id);
		assert_int_equal(radius_count(&r, 0, RADIUS_MESSAGE_AUTHENTICATOR), c->rep_ma);
		assert_int_equal(radius_verify(&r, RADIUS_SIGN_RESPONSE, &sec, q.auth, c->rep_ma > 0),
				 RADIUS_OK);
		assert_int_equal(radius_verify(&r, RADIUS_SIGN_RESPONSE, &bad, q.auth, false),
				 RADIUS_BAD_AUTHENTICATOR);
		/* Answering another request: the authenticator no longer matches. */
		assert_int_equal(radius_verify(&r, RADIUS_SIGN_RESPONSE, &sec, rep + 4, false),
				 RADIUS_BAD_AUTHENTICATOR);
		if (c->rep_ma) {
			/* Re-sign the reply's authenticator over a changed MA: only
			 * the Message-Authenticator is then wrong. */
			uint8_t d[16];
			memcpy(tmp, rep, rn);
			size_t off = ma_offset(&r);
			tmp[off] ^= 1;
			memcpy(tmp + 4, q.auth, 16);
			radius_fake_md5(tmp, rn, sec.data, sec.len, NULL, 0, d);
			memcpy(tmp + 4, d, 16);
			assert_true(radius_parse(tmp, rn, &r));
			assert_int_equal(radius_verify(&r, RADIUS_SIGN_RESPONSE, &sec, q.auth, false),
					 RADIUS_BAD_MA);
		}
	}
}

/* radclient's User-Password hiding, one block and three. */
static void freeradius_user_password(void **state)
{
	(void)state;
	static const struct { const char *file, *pw; } v[] = {
		{ "pap-bob.request.hex", "hello" },
		{ "pap-bob-wrong.request.hex", "wrong" },
		{ "pap-alice.request.hex", "correct horse battery staple, 40 octets" },
	};
	struct radius_secret sec = secret("testing123");

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t raw[PKT_MAX];
		size_t n = load_pkt(v[i].file, raw, sizeof(raw));
		struct radius_packet p;
		struct radius_attr a;
		char pw[RADIUS_PASSWORD_MAX + 1];
		size_t len = 0;

		assert_true(radius_parse(raw, n, &p));
		assert_true(radius_find(&p, 0, RADIUS_USER_PASSWORD, &a));
		assert_true(radius_get_user_password(&a, &sec, p.auth, pw, &len));
		assert_int_equal(len, strlen(v[i].pw));
		assert_string_equal(pw, v[i].pw);
		/* Our hiding of the same password gives radclient's bytes. */
		struct radius_writer w;
		radius_writer_init(&w, RADIUS_ACCESS_REQUEST, p.id, p.auth);
		assert_true(radius_put_user_password(&w, &sec, p.auth, v[i].pw, strlen(v[i].pw)));
		assert_int_equal(w.len - RADIUS_HDR_LEN, a.len + 2);
		assert_memory_equal(w.buf + RADIUS_HDR_LEN + 2, a.val, a.len);
	}
}

/* Our writer, given radclient's identifier and authenticator, builds its
 * packets byte for byte, Message-Authenticator and Request Authenticator
 * included. */
static void freeradius_requests_rebuilt(void **state)
{
	(void)state;
	struct radius_secret sec = secret("testing123");
	uint8_t raw[PKT_MAX];
	size_t n;
	struct radius_packet p;
	struct radius_writer w;

	n = load_pkt("pap-bob.request.hex", raw, sizeof(raw));
	assert_true(radius_parse(raw, n, &p));
	radius_writer_init(&w, RADIUS_ACCESS_REQUEST, p.id, p.auth);
	assert_true(radius_put_str(&w, RADIUS_USER_NAME, "bob"));
	assert_true(radius_put_user_password(&w, &sec, p.auth, "hello", 5));
	assert_true(radius_put_ma(&w));
	assert_true(radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL));
	assert_int_equal(w.len, n);
	assert_memory_equal(w.buf, raw, n);

	n = load_pkt("acct-stop.request.hex", raw, sizeof(raw));
	assert_true(radius_parse(raw, n, &p));
	radius_writer_init(&w, RADIUS_ACCOUNTING_REQUEST, p.id, NULL);
	assert_true(radius_put_str(&w, RADIUS_USER_NAME, "alice"));
	assert_true(radius_put_u32(&w, RADIUS_ACCT_STATUS_TYPE, RADIUS_ACCT_STOP));
	assert_true(radius_put_str(&w, RADIUS_ACCT_SESSION_ID, "5f3a0001"));
	assert_true(radius_put_addr(&w, RADIUS_NAS_IP_ADDRESS, addr("192.0.2.1")));
	assert_true(radius_put_u32(&w, RADIUS_ACCT_INPUT_OCTETS, 123456));
	assert_true(radius_put_u32(&w, RADIUS_ACCT_OUTPUT_OCTETS, 654321));
	assert_true(radius_put_u32(&w, RADIUS_ACCT_SESSION_TIME, 3600));
	assert_true(radius_put_u32(&w, RADIUS_ACCT_TERMINATE_CAUSE, RADIUS_TERM_USER_REQUEST));
	assert_true(radius_put_ma(&w));
	assert_true(radius_finish(&w, RADIUS_SIGN_REQUEST_HASH, &sec, NULL));
	assert_int_equal(w.len, n);
	assert_memory_equal(w.buf, raw, n);

	n = load_pkt("disconnect.request.hex", raw, sizeof(raw));
	assert_true(radius_parse(raw, n, &p));
	/* The authenticator given at init is ignored for REQUEST_HASH. */
	radius_writer_init(&w, RADIUS_DISCONNECT_REQUEST, p.id, raw);
	assert_true(radius_put_str(&w, RADIUS_USER_NAME, "alice"));
	assert_true(radius_put_str(&w, RADIUS_ACCT_SESSION_ID, "5f3a0001"));
	assert_true(radius_put_addr(&w, RADIUS_NAS_IP_ADDRESS, addr("192.0.2.1")));
	assert_true(radius_put_ma(&w));
	assert_true(radius_finish(&w, RADIUS_SIGN_REQUEST_HASH, &sec, NULL));
	assert_int_equal(w.len, n);
	assert_memory_equal(w.buf, raw, n);

	n = load_pkt("status-server.request.hex", raw, sizeof(raw));
	assert_true(radius_parse(raw, n, &p));
	radius_writer_init(&w, RADIUS_STATUS_SERVER, p.id, p.auth);
	assert_true(radius_put_ma(&w));
	assert_true(radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL));
	assert_int_equal(w.len, n);
	assert_memory_equal(w.buf, raw, n);
}

/* The MS-CHAPv2 exchange: the request's VSAs, then freeradius's Accept with
 * the RFC 2759/3079 results, decrypted and rebuilt. */
static void freeradius_mschapv2(void **state)
{
	(void)state;
	struct radius_secret sec = secret("testing123");
	uint8_t req[PKT_MAX], rep[PKT_MAX];
	size_t qn = load_pkt("mschapv2.request.hex", req, sizeof(req));
	size_t rn = load_pkt("mschapv2.accept.hex", rep, sizeof(rep));
	struct radius_packet q, r;
	struct radius_iter it;
	struct radius_attr a;
	uint8_t resp[50] = { 0 }, key[32];
	size_t keylen = 0;
	uint32_t v;

	assert_true(radius_parse(req, qn, &q));
	radius_iter_init(&it, &q);
	assert_true(radius_iter_next(&it, &a));
	expect_attr(&a, 0, RADIUS_USER_NAME, "User", 4);
	assert_true(radius_iter_next(&it, &a));
	expect_attr(&a, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP_CHALLENGE,
		    vec("rfc2759.9.2.AuthenticatorChallenge", 16), 16);
	assert_true(radius_iter_next(&it, &a));
	memcpy(resp + 2, vec("rfc2759.9.2.PeerChallenge", 16), 16);
	memcpy(resp + 26, vec("rfc2759.9.2.NT-Response", 24), 24);
	expect_attr(&a, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_RESPONSE, resp, sizeof(resp));
	assert_true(radius_iter_next(&it, &a));
	assert_int_equal(a.type, RADIUS_NAS_IP_ADDRESS);
	assert_int_equal(a.vendor, 0);
	assert_int_equal(radius_count(&q, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_RESPONSE), 1);
	assert_int_equal(radius_count(&q, 0, RADIUS_VENDOR_SPECIFIC), 0);
	assert_true(radius_find(&q, 0, RADIUS_CALLING_STATION_ID, &a));
	expect_attr(&a, 0, RADIUS_CALLING_STATION_ID, "198.51.100.7", 12);

	assert_true(radius_parse(rep, rn, &r));
	assert_int_equal(radius_verify(&r, RADIUS_SIGN_RESPONSE, &sec, q.auth, true), RADIUS_OK);
	assert_true(radius_find(&r, 0, RADIUS_FRAMED_IP_ADDRESS, &a));
	assert_true(radius_attr_u32(&a, &v));
	assert_int_equal(v, 0x0A000009);
	assert_true(radius_find(&r, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_SUCCESS, &a));
	assert_int_equal(a.len, 43);
	assert_int_equal(a.val[0], 0); /* the response's ident */
	const uint8_t *s = vec("rfc2759.9.2.AuthenticatorResponse", 42);
	assert_memory_equal(a.val + 1, s, 42);

	assert_true(radius_find(&r, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_SEND_KEY, &a));
	assert_true(radius_get_mppe_key(&a, &sec, q.auth, key, sizeof(key), &keylen));
	assert_int_equal(keylen, 16);
	assert_memory_equal(key, vec("rfc3079.3.5.3.SendStartKey128", 16), 16);
	uint16_t send_salt = load_be16(a.val);
	assert_true(radius_find(&r, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_RECV_KEY, &a));
	assert_true(radius_get_mppe_key(&a, &sec, q.auth, key, sizeof(key), &keylen));
	assert_int_equal(keylen, 16);
	assert_memory_equal(key, vec("derived.ServerRecvStartKey128", 16), 16);
	uint16_t recv_salt = load_be16(a.val);
	/* With the reply's own authenticator instead of the request's: garbage. */
	if (radius_get_mppe_key(&a, &sec, r.auth, key, sizeof(key), &keylen))
		assert_false(keylen == 16 &&
			     memcmp(key, vec("derived.ServerRecvStartKey128", 16), 16) == 0);

	assert_true(radius_find(&r, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_ENCRYPTION_POLICY, &a));
	assert_true(radius_attr_u32(&a, &v));
	assert_int_equal(v, 1);
	assert_true(radius_find(&r, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_ENCRYPTION_TYPES, &a));
	assert_true(radius_attr_u32(&a, &v));
	assert_int_equal(v, 6);

	/* What the tests' fake server would send, with freeradius's salts, is
	 * freeradius's reply byte for byte. */
	struct radius_writer w;
	uint8_t success[43];
	success[0] = 0;
	memcpy(success + 1, s, 42);
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, q.id, NULL);
	assert_true(radius_put_addr(&w, RADIUS_FRAMED_IP_ADDRESS, addr("10.0.0.9")));
	assert_true(radius_put_ma(&w));
	assert_true(radius_put_vsa(&w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_CHAP2_SUCCESS, success,
				   sizeof(success)));
	assert_true(radius_put_mppe_key(&w, RADIUS_MS_MPPE_RECV_KEY, &sec, q.auth, recv_salt,
					vec("derived.ServerRecvStartKey128", 16), 16));
	assert_true(radius_put_mppe_key(&w, RADIUS_MS_MPPE_SEND_KEY, &sec, q.auth, send_salt,
					vec("rfc3079.3.5.3.SendStartKey128", 16), 16));
	uint8_t four[4];
	store_be32(four, 1);
	assert_true(radius_put_vsa(&w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_ENCRYPTION_POLICY,
				   four, 4));
	store_be32(four, 6);
	assert_true(radius_put_vsa(&w, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_ENCRYPTION_TYPES,
				   four, 4));
	assert_true(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, q.auth));
	assert_int_equal(w.len, rn);
	assert_memory_equal(w.buf, rep, rn);
}

/* ---- MS-MPPE keys ---- */

static void mppe_key_round_trip(void **state)
{
	(void)state;
	struct radius_secret sec = secret("s3cr3t"), bad = secret("s3cr3u");
	uint8_t ra[16], ra2[16], k16[16], k32[32], out[32];
	size_t outlen = 0;

	for (int i = 0; i < 16; i++) {
		ra[i] = (uint8_t)(0xA0 + i);
		k16[i] = (uint8_t)(i * 7 + 1);
	}
	for (int i = 0; i < 32; i++)
		k32[i] = (uint8_t)(255 - i);
	memcpy(ra2, ra, 16);
	ra2[15] ^= 1;

	struct radius_writer w;
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 9, NULL);
	assert_true(radius_put_mppe_key(&w, RADIUS_MS_MPPE_SEND_KEY, &sec, ra, 0x0123, k16, 16));
	assert_true(radius_put_mppe_key(&w, RADIUS_MS_MPPE_RECV_KEY, &sec, ra, 0x8123, k32, 32));
	assert_true(radius_put_mppe_key(&w, 99, &sec, ra, 0x0001, k16, 1));
	assert_true(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, ra));

	struct radius_packet p;
	struct radius_attr a;
	assert_true(radius_parse(w.buf, w.len, &p));
	assert_int_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &sec, ra, false), RADIUS_OK);

	assert_true(radius_find(&p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_SEND_KEY, &a));
	assert_int_equal(a.len, 2 + 32);
	assert_int_equal(load_be16(a.val), 0x8123); /* the high bit is set for us */
	/* The key does not appear in clear. */
	assert_null(memmem(w.buf, w.len, k16, 16));
	assert_true(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));
	assert_int_equal(outlen, 16);
	assert_memory_equal(out, k16, 16);
	/* keymax: exactly enough, and one short. */
	assert_true(radius_get_mppe_key(&a, &sec, ra, out, 16, &outlen));
	outlen = 77;
	assert_false(radius_get_mppe_key(&a, &sec, ra, out, 15, &outlen));
	assert_int_equal(outlen, 77); /* untouched on failure */
	/* Wrong secret or authenticator: refused or a different key. */
	if (radius_get_mppe_key(&a, &bad, ra, out, sizeof(out), &outlen))
		assert_false(outlen == 16 && memcmp(out, k16, 16) == 0);
	if (radius_get_mppe_key(&a, &sec, ra2, out, sizeof(out), &outlen))
		assert_false(outlen == 16 && memcmp(out, k16, 16) == 0);

	assert_true(radius_find(&p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_RECV_KEY, &a));
	assert_int_equal(a.len, 2 + 48);
	assert_int_equal(load_be16(a.val), 0x8123);
	assert_true(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));
	assert_int_equal(outlen, 32);
	assert_memory_equal(out, k32, 32);

	assert_true(radius_find(&p, RADIUS_VENDOR_MICROSOFT, 99, &a));
	assert_int_equal(a.len, 2 + 16);
	assert_true(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));
	assert_int_equal(outlen, 1);
	assert_int_equal(out[0], k16[0]);

	/* The encryption matches the test's own implementation. */
	uint8_t plain[32] = { 16 }, hidden[2 + 32];
	memcpy(plain + 1, k16, 16);
	assert_true(radius_find(&p, RADIUS_VENDOR_MICROSOFT, RADIUS_MS_MPPE_SEND_KEY, &a));
	assert_int_equal(mppe_hide(&sec, ra, 0x8123, plain, 32, hidden), a.len);
	assert_memory_equal(hidden, a.val, a.len);
}

static void mppe_key_malformed(void **state)
{
	(void)state;
	struct radius_secret sec = secret("s3cr3t");
	uint8_t ra[16], plain[48], val[64], out[48];
	size_t outlen = 0;
	struct radius_attr a = { .type = RADIUS_MS_MPPE_SEND_KEY,
				 .vendor = RADIUS_VENDOR_MICROSOFT, .val = val };

	memset(ra, 0x5A, sizeof(ra));
	memset(plain, 0, sizeof(plain));
	plain[0] = 16;
	memset(plain + 1, 0xC3, 16);

	/* The well-formed reference value, then one defect at a time. */
	a.len = mppe_hide(&sec, ra, 0x8001, plain, 32, val);
	assert_true(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));
	assert_int_equal(outlen, 16);

	/* Shorter than 2 + 16, and not 2 + a multiple of 16. */
	for (size_t len = 0; len < 2 + 32; len++) {
		if (len == 2 + 16)
			continue; /* checked below: well-formed length */
		a.len = len;
		assert_false(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));
	}
	a.len = 2 + 32 + 1;
	assert_false(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));
	/* Salt's high bit clear. */
	a.len = mppe_hide(&sec, ra, 0x0001, plain, 32, val);
	assert_false(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));
	/* Key length octet larger than what follows (16 octets: at most 15). */
	plain[0] = 16;
	a.len = mppe_hide(&sec, ra, 0x8001, plain, 16, val);
	assert_false(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));
	plain[0] = 15;
	a.len = mppe_hide(&sec, ra, 0x8001, plain, 16, val);
	assert_true(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));
	assert_int_equal(outlen, 15);
	plain[0] = 48;
	a.len = mppe_hide(&sec, ra, 0x8001, plain, 48, val);
	assert_false(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));
	/* Larger than keymax. */
	plain[0] = 33;
	a.len = mppe_hide(&sec, ra, 0x8001, plain, 48, val);
	assert_false(radius_get_mppe_key(&a, &sec, ra, out, 32, &outlen));
	assert_true(radius_get_mppe_key(&a, &sec, ra, out, 33, &outlen));
	assert_int_equal(outlen, 33);
	/* Zero. */
	plain[0] = 0;
	a.len = mppe_hide(&sec, ra, 0x8001, plain, 32, val);
	assert_false(radius_get_mppe_key(&a, &sec, ra, out, sizeof(out), &outlen));

	/* The writer refuses key lengths 0 and 33, and then stays failed. */
	struct radius_writer w;
	uint8_t k[33] = { 1 };
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 1, NULL);
	assert_false(radius_put_mppe_key(&w, RADIUS_MS_MPPE_SEND_KEY, &sec, ra, 1, k, 0));
	assert_true(w.failed);
	assert_false(radius_put_u32(&w, RADIUS_SESSION_TIMEOUT, 1));
	assert_false(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, ra));
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 1, NULL);
	assert_false(radius_put_mppe_key(&w, RADIUS_MS_MPPE_SEND_KEY, &sec, ra, 1, k, 33));
	assert_false(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, ra));
}

/* ---- User-Password ---- */

static void user_password_lengths(void **state)
{
	(void)state;
	struct radius_secret sec = secret("xyzzy5461");
	uint8_t ra[16], pw[RADIUS_PASSWORD_MAX + 1];
	static const size_t lens[] = { 0, 1, 15, 16, 17, 31, 32, 33, 100, 127, 128 };

	for (int i = 0; i < 16; i++)
		ra[i] = (uint8_t)(i * 13);
	for (size_t i = 0; i < sizeof(pw); i++)
		pw[i] = (uint8_t)('!' + i % 90);

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i], want = len <= 16 ? 16 : (len + 15) / 16 * 16;
		struct radius_writer w;
		struct radius_packet p;
		struct radius_attr a;
		char out[RADIUS_PASSWORD_MAX + 1];
		size_t outlen = 999;

		radius_writer_init(&w, RADIUS_ACCESS_REQUEST, 1, ra);
		assert_true(radius_put_user_password(&w, &sec, ra, pw, len));
		assert_true(radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL));
		assert_true(radius_parse(w.buf, w.len, &p));
		assert_true(radius_find(&p, 0, RADIUS_USER_PASSWORD, &a));
		assert_int_equal(a.len, want);
		assert_true(radius_get_user_password(&a, &sec, ra, out, &outlen));
		assert_int_equal(outlen, len);
		assert_memory_equal(out, pw, len);
		assert_int_equal(out[len], '\0');
	}

	/* 129 octets are refused, and the writer stays failed. */
	struct radius_writer w;
	radius_writer_init(&w, RADIUS_ACCESS_REQUEST, 1, ra);
	assert_false(radius_put_user_password(&w, &sec, ra, pw, RADIUS_PASSWORD_MAX + 1));
	assert_false(radius_put_str(&w, RADIUS_USER_NAME, "x"));
	assert_false(radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL));

	/* Values that are not 16..128 octets in steps of 16. */
	uint8_t val[160] = { 0 };
	char out[RADIUS_PASSWORD_MAX + 1];
	size_t outlen = 0;
	static const size_t bad[] = { 0, 1, 15, 17, 31, 127, 129, 144, 160 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct radius_attr a = { .type = RADIUS_USER_PASSWORD, .val = val, .len = bad[i] };
		assert_false(radius_get_user_password(&a, &sec, ra, out, &outlen));
	}
}

/* ---- parser ---- */

static void parse_malformed(void **state)
{
	(void)state;
	uint8_t b[RADIUS_MAX_LEN + 16];
	struct radius_packet p;
	struct radius_attr a;

	memset(b, 0, sizeof(b));
	/* Short header. */
	header(b, 20);
	assert_false(radius_parse(NULL, 20, &p));
	for (size_t n = 0; n < 20; n++)
		assert_false(radius_parse(b, n, &p));
	assert_true(radius_parse(b, 20, &p));
	assert_int_equal(p.len, 20);
	assert_false(radius_find(&p, 0, RADIUS_USER_NAME, &a));
	/* Length < 20. */
	for (size_t len = 0; len < 20; len++) {
		header(b, len);
		assert_false(radius_parse(b, 40, &p));
	}
	/* Length > what was received. */
	header(b, 26);
	memcpy(b + 20, "\x01\x06" "abcd", 6);
	assert_false(radius_parse(b, 25, &p));
	assert_true(radius_parse(b, 26, &p));
	/* Octets after Length are ignored. */
	memcpy(b + 26, "\x01\x05xyz\xff\x00", 7);
	assert_true(radius_parse(b, 33, &p));
	assert_int_equal(p.len, 26);
	assert_int_equal(radius_count(&p, 0, RADIUS_USER_NAME), 1);
	assert_true(radius_find(&p, 0, RADIUS_USER_NAME, &a));
	expect_attr(&a, 0, RADIUS_USER_NAME, "abcd", 4);
	/* Length > RADIUS_MAX_LEN, even when that much arrived. */
	header(b, RADIUS_MAX_LEN + 1);
	memset(b + 20, 0, sizeof(b) - 20);
	for (size_t off = 20; off + 255 <= RADIUS_MAX_LEN + 1; off += 255) {
		b[off] = 18;
		b[off + 1] = 255;
	}
	/* 4077 = 15 * 255 + 252: one more attribute of 252 octets. */
	b[20 + 15 * 255] = 18;
	b[20 + 15 * 255 + 1] = 252;
	assert_false(radius_parse(b, RADIUS_MAX_LEN + 1, &p));
	/* ... while exactly RADIUS_MAX_LEN is fine. */
	header(b, RADIUS_MAX_LEN);
	b[20 + 15 * 255 + 1] = 251;
	assert_true(radius_parse(b, RADIUS_MAX_LEN + 1, &p));
	assert_int_equal(radius_count(&p, 0, 18), 16);

	/* Attribute length 0 and 1. */
	memset(b, 0, sizeof(b));
	for (uint8_t l = 0; l < 2; l++) {
		header(b, 26);
		memcpy(b + 20, "\x01\x00" "abcd", 6);
		b[21] = l;
		assert_false(radius_parse(b, 26, &p));
		/* ... also as the last one. */
		header(b, 28);
		memcpy(b + 20, "\x01\x06" "abcd", 6);
		b[26] = 1;
		b[27] = l;
		assert_false(radius_parse(b, 28, &p));
	}
	/* An attribute running past Length (though not past the buffer). */
	header(b, 26);
	memcpy(b + 20, "\x01\x07" "abcde", 7);
	assert_false(radius_parse(b, 27, &p));
	/* A lone type octet at the end. */
	header(b, 27);
	memcpy(b + 20, "\x01\x06" "abcd" "\x05", 7);
	assert_false(radius_parse(b, 27, &p));
	/* An attribute that ends exactly at Length with a 2-octet header only. */
	header(b, 22);
	memcpy(b + 20, "\x12\x02", 2);
	assert_true(radius_parse(b, 22, &p));
	assert_true(radius_find(&p, 0, 18, &a));
	assert_int_equal(a.len, 0);
	/* A failed parse leaves nothing usable. */
	header(b, 19);
	assert_false(radius_parse(b, 40, &p));
	assert_null(p.raw);
	assert_int_equal(p.len, 0);
}

/* ---- Vendor-Specific walking ---- */

static void vsa_walk(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t n = 20;
	struct radius_packet p;
	struct radius_iter it;
	struct radius_attr a;

	memset(b, 0, sizeof(b));
#define ADD(s) (memcpy(b + n, s, sizeof(s) - 1), n += sizeof(s) - 1)
	ADD("\x01\x05" "bob");
	/* Vendor 311 with three sub-attributes (one empty). */
	ADD("\x1a\x0f" "\x00\x00\x01\x37" "\x10\x04" "AB" "\x11\x02" "\x07\x03" "C");
	ADD("\x05\x06" "\x00\x00\x00\x09");
	/* Malformed: sub-attribute length 1. */
	ADD("\x1a\x0a" "\x00\x00\x01\x37" "\x10\x01" "AB");
	/* Malformed: sub-attribute length 0. */
	ADD("\x1a\x0a" "\x00\x00\x01\x37" "\x10\x00" "AB");
	/* Malformed: sub-attribute past the end of the VSA. */
	ADD("\x1a\x0a" "\x00\x00\x01\x37" "\x10\x05" "AB");
	/* Malformed: octets left after the last sub-attribute. */
	ADD("\x1a\x0b" "\x00\x00\x01\x37" "\x10\x04" "AB" "Z");
	/* Malformed: vendor 0 (its sub-attributes would look standard). */
	ADD("\x1a\x0a" "\x00\x00\x00\x00" "\x01\x04" "AB");
	/* Malformed: vendor id with a non-zero high octet. */
	ADD("\x1a\x0a" "\x01\x00\x01\x37" "\x10\x04" "AB");
	/* Malformed: a vendor id and nothing else, and shorter than a vendor id. */
	ADD("\x1a\x06" "\x00\x00\x01\x37");
	ADD("\x1a\x05" "\x00\x00\x01");
	ADD("\x1a\x02");
	/* Vendor 9 with one sub-attribute, last in the packet. */
	ADD("\x1a\x0b" "\x00\x00\x00\x09" "\x01\x05" "x=y");
#undef ADD
	header(b, n);
	assert_true(radius_parse(b, n, &p));

	radius_iter_init(&it, &p);
	assert_true(radius_iter_next(&it, &a));
	expect_attr(&a, 0, RADIUS_USER_NAME, "bob", 3);
	assert_true(radius_iter_next(&it, &a));
	expect_attr(&a, 311, 0x10, "AB", 2);
	assert_true(radius_iter_next(&it, &a));
	expect_attr(&a, 311, 0x11, "", 0);
	assert_true(radius_iter_next(&it, &a));
	expect_attr(&a, 311, 0x07, "C", 1);
	assert_true(radius_iter_next(&it, &a));
	expect_attr(&a, 0, RADIUS_NAS_PORT, "\x00\x00\x00\x09", 4);
	static const struct { const char *v; size_t len; } whole[] = {
		{ "\x00\x00\x01\x37" "\x10\x01" "AB", 8 },
		{ "\x00\x00\x01\x37" "\x10\x00" "AB", 8 },
		{ "\x00\x00\x01\x37" "\x10\x05" "AB", 8 },
		{ "\x00\x00\x01\x37" "\x10\x04" "AB" "Z", 9 },
		{ "\x00\x00\x00\x00" "\x01\x04" "AB", 8 },
		{ "\x01\x00\x01\x37" "\x10\x04" "AB", 8 },
		{ "\x00\x00\x01\x37", 4 },
		{ "\x00\x00\x01", 3 },
		{ "", 0 },
	};
	for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		assert_true(radius_iter_next(&it, &a));
		expect_attr(&a, 0, RADIUS_VENDOR_SPECIFIC, whole[i].v, whole[i].len);
	}
	assert_true(radius_iter_next(&it, &a));
	expect_attr(&a, 9, 1, "x=y", 3);
	assert_false(radius_iter_next(&it, &a));
	assert_false(radius_iter_next(&it, &a)); /* and stays at the end */

	assert_int_equal(radius_count(&p, 0, RADIUS_VENDOR_SPECIFIC), 9);
	assert_int_equal(radius_count(&p, 311, 0x10), 1);
	assert_int_equal(radius_count(&p, 0, 0x10), 0);
	assert_int_equal(radius_count(&p, 0, 1), 1); /* vendor 9's type 1 is not User-Name */
	assert_int_equal(radius_count(&p, 9, 1), 1);
	assert_true(radius_find(&p, 311, 0x07, &a));
	expect_attr(&a, 311, 0x07, "C", 1);
	assert_false(radius_find(&p, 311, 0x08, &a));
	assert_false(radius_find(&p, 310, 0x10, &a));

	/* radius_put_vsa writes that layout; limits 1..RADIUS_VSA_MAX. */
	struct radius_writer w;
	uint8_t big[RADIUS_VSA_MAX + 1];
	memset(big, 0x77, sizeof(big));
	radius_writer_init(&w, RADIUS_ACCESS_REQUEST, 3, NULL);
	assert_true(radius_put_vsa(&w, 311, 0x10, "AB", 2));
	assert_int_equal(w.len, 20 + 10);
	assert_memory_equal(w.buf + 20, "\x1a\x0a" "\x00\x00\x01\x37" "\x10\x04" "AB", 10);
	assert_true(radius_put_vsa(&w, 311, 0x20, big, RADIUS_VSA_MAX));
	assert_int_equal(w.buf[31], 255);
	assert_int_equal(w.buf[37], 249);
	struct radius_secret sec = secret("x");
	assert_true(radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL));
	assert_true(radius_parse(w.buf, w.len, &p));
	assert_true(radius_find(&p, 311, 0x20, &a));
	expect_attr(&a, 311, 0x20, big, RADIUS_VSA_MAX);

	radius_writer_init(&w, RADIUS_ACCESS_REQUEST, 3, NULL);
	assert_false(radius_put_vsa(&w, 311, 0x20, big, RADIUS_VSA_MAX + 1));
	assert_false(radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL));
	radius_writer_init(&w, RADIUS_ACCESS_REQUEST, 3, NULL);
	assert_false(radius_put_vsa(&w, 311, 0x20, big, 0));
	assert_false(radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL));
}

/* ---- Message-Authenticator rules ---- */

/* A packet with the given MA attributes (value lengths; 16 = a proper one,
 * filled by radius_finish when it is the first) signed the given way. */
static size_t build_ma_case(uint8_t *out, enum radius_sign how, const struct radius_secret *sec,
			    const uint8_t ra[16], const size_t *ma_lens, size_t n_ma)
{
	struct radius_writer w;
	uint8_t code = how == RADIUS_SIGN_ACCESS_REQUEST ? RADIUS_ACCESS_REQUEST :
		       how == RADIUS_SIGN_REQUEST_HASH ? RADIUS_ACCOUNTING_REQUEST :
							  RADIUS_ACCESS_ACCEPT;
	uint8_t junk[32];
	memset(junk, 0xEE, sizeof(junk));
	radius_writer_init(&w, code, 42, how == RADIUS_SIGN_ACCESS_REQUEST ? ra : NULL);
	assert_true(radius_put_str(&w, RADIUS_USER_NAME, "carol"));
	for (size_t i = 0; i < n_ma; i++) {
		if (i == 0 && ma_lens[i] == 16)
			assert_true(radius_put_ma(&w));
		else
			assert_true(radius_put(&w, RADIUS_MESSAGE_AUTHENTICATOR, junk, ma_lens[i]));
	}
	assert_true(radius_put_u32(&w, RADIUS_NAS_PORT, 1));
	assert_true(radius_finish(&w, how, sec, ra));
	memcpy(out, w.buf, w.len);
	return w.len;
}

static void message_authenticator_rules(void **state)
{
	(void)state;
	static const enum radius_sign modes[] = { RADIUS_SIGN_ACCESS_REQUEST,
						  RADIUS_SIGN_REQUEST_HASH, RADIUS_SIGN_RESPONSE };
	struct radius_secret sec = secret("testing123");
	uint8_t ra[16], b[256];
	struct radius_packet p;
	size_t n;

	memset(ra, 0x3C, sizeof(ra));
	for (size_t m = 0; m < 3; m++) {
		enum radius_sign how = modes[m];
		const uint8_t *req = how == RADIUS_SIGN_RESPONSE ? ra : NULL;

		/* None: OK unless required. */
		n = build_ma_case(b, how, &sec, ra, NULL, 0);
		assert_true(radius_parse(b, n, &p));
		assert_int_equal(radius_verify(&p, how, &sec, req, false), RADIUS_OK);
		assert_int_equal(radius_verify(&p, how, &sec, req, true), RADIUS_MISSING_MA);

		/* One, correct. */
		size_t one[] = { 16 };
		n = build_ma_case(b, how, &sec, ra, one, 1);
		assert_true(radius_parse(b, n, &p));
		assert_int_equal(radius_verify(&p, how, &sec, req, true), RADIUS_OK);
		assert_int_equal(radius_verify(&p, how, &sec, req, false), RADIUS_OK);
		size_t off = ma_offset(&p);
		assert_int_equal(off, 20 + 7 + 2);

		/* One, wrong value (the authenticator re-signed over it so only
		 * the MA is wrong): refused, required or not. */
		b[off + 15] ^= 0x80;
		if (how != RADIUS_SIGN_ACCESS_REQUEST) {
			uint8_t d[16];
			memcpy(b + 4, how == RADIUS_SIGN_RESPONSE ? ra : (const uint8_t[16]){ 0 }, 16);
			radius_fake_md5(b, n, sec.data, sec.len, NULL, 0, d);
			memcpy(b + 4, d, 16);
		}
		assert_true(radius_parse(b, n, &p));
		assert_int_equal(radius_verify(&p, how, &sec, req, false), RADIUS_BAD_MA);
		assert_int_equal(radius_verify(&p, how, &sec, req, true), RADIUS_BAD_MA);

		/* Twice (the first correct), wrong length. */
		size_t two[] = { 16, 16 }, short_[] = { 15 }, long_[] = { 17 }, empty[] = { 0 };
		const size_t *cases[] = { two, short_, long_, empty };
		const size_t counts[] = { 2, 1, 1, 1 };
		for (size_t c = 0; c < 4; c++) {
			if (cases[c][0] == 0) {
				/* A 2-octet attribute: the writer refuses len 0,
				 * so build it by hand. */
				struct radius_writer w;
				radius_writer_init(&w, RADIUS_ACCESS_REQUEST, 1, ra);
				assert_true(radius_put_str(&w, RADIUS_USER_NAME, "carol"));
				w.buf[w.len++] = RADIUS_MESSAGE_AUTHENTICATOR;
				w.buf[w.len++] = 2;
				assert_true(radius_finish(&w, how, &sec, ra));
				n = w.len;
				memcpy(b, w.buf, n);
			} else {
				n = build_ma_case(b, how, &sec, ra, cases[c], counts[c]);
			}
			assert_true(radius_parse(b, n, &p));
			assert_int_equal(radius_verify(&p, how, &sec, req, false), RADIUS_BAD_MA);
			assert_int_equal(radius_verify(&p, how, &sec, req, true), RADIUS_BAD_MA);
		}
	}

	/* A Message-Authenticator type inside a VSA is not one. */
	struct radius_writer w;
	radius_writer_init(&w, RADIUS_ACCESS_REQUEST, 1, ra);
	assert_true(radius_put_vsa(&w, 311, RADIUS_MESSAGE_AUTHENTICATOR, ra, 16));
	assert_true(radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL));
	assert_true(radius_parse(w.buf, w.len, &p));
	assert_int_equal(radius_verify(&p, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL, true),
			 RADIUS_MISSING_MA);
	/* radius_put_ma at most once. */
	radius_writer_init(&w, RADIUS_ACCESS_REQUEST, 1, ra);
	assert_true(radius_put_ma(&w));
	assert_false(radius_put_ma(&w));
	assert_false(radius_finish(&w, RADIUS_SIGN_ACCESS_REQUEST, &sec, NULL));
}

/* ---- signing round trips ---- */

static void sign_verify_round_trips(void **state)
{
	(void)state;
	static const enum radius_sign modes[] = { RADIUS_SIGN_ACCESS_REQUEST,
						  RADIUS_SIGN_REQUEST_HASH, RADIUS_SIGN_RESPONSE };
	static const uint8_t codes[] = { RADIUS_ACCESS_REQUEST, RADIUS_ACCOUNTING_REQUEST,
					 RADIUS_ACCESS_CHALLENGE };
	struct radius_secret sec = secret("a much longer shared secret, 45 octets long.");
	struct radius_secret other = secret("a much longer shared secret, 45 octets long!");
	uint8_t ra[16];

	for (int i = 0; i < 16; i++)
		ra[i] = (uint8_t)(200 - i);
	for (size_t m = 0; m < 3; m++) {
		for (int with_ma = 0; with_ma < 2; with_ma++) {
			enum radius_sign how = modes[m];
			const uint8_t *req = how == RADIUS_SIGN_RESPONSE ? ra : NULL;
			struct radius_writer w;
			struct radius_packet p;
			uint8_t tmp[512];

			radius_writer_init(&w, codes[m], 77, how == RADIUS_SIGN_ACCESS_REQUEST ? ra : NULL);
			assert_true(radius_put_str(&w, RADIUS_USER_NAME, "dave"));
			if (with_ma)
				assert_true(radius_put_ma(&w));
			assert_true(radius_put_u32(&w, RADIUS_ACCT_STATUS_TYPE, RADIUS_ACCT_START));
			assert_true(radius_put_vsa(&w, 311, 8, "\x00\x00\x00\x06", 4));
			assert_true(radius_finish(&w, how, &sec, req));
			assert_int_equal(load_be16(w.buf + 2), w.len);
			assert_int_equal(w.buf[0], codes[m]);
			assert_int_equal(w.buf[1], 77);
			if (how == RADIUS_SIGN_ACCESS_REQUEST)
				assert_memory_equal(w.buf + 4, ra, 16);

			/* The authenticator is what the RFCs say, by the test's own MD5. */
			if (how != RADIUS_SIGN_ACCESS_REQUEST) {
				uint8_t d[16];
				memcpy(tmp, w.buf, w.len);
				memcpy(tmp + 4, how == RADIUS_SIGN_RESPONSE ? ra : (const uint8_t[16]){ 0 },
				       16);
				radius_fake_md5(tmp, w.len, sec.data, sec.len, NULL, 0, d);
				assert_memory_equal(w.buf + 4, d, 16);
			}

			assert_true(radius_parse(w.buf, w.len, &p));
			assert_int_equal(radius_count(&p, 0, RADIUS_MESSAGE_AUTHENTICATOR),
					 (size_t)with_ma);
			assert_int_equal(radius_verify(&p, how, &sec, req, with_ma), RADIUS_OK);
			enum radius_verify_result r = radius_verify(&p, how, &other, req, false);
			if (how == RADIUS_SIGN_ACCESS_REQUEST)
				assert_int_equal(r, with_ma ? RADIUS_BAD_MA : RADIUS_OK);
			else
				assert_int_equal(r, RADIUS_BAD_AUTHENTICATOR);

			/* Every flipped bit after the authenticator is caught
			 * when something covers it (an Access-Request's MA only
			 * when required: a flip in its type octet removes it). */
			for (size_t bit = 20 * 8; bit < w.len * 8; bit++) {
				memcpy(tmp, w.buf, w.len);
				tmp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				if (!radius_parse(tmp, w.len, &p))
					continue;
				r = radius_verify(&p, how, &sec, req, with_ma);
				if (how != RADIUS_SIGN_ACCESS_REQUEST || with_ma)
					assert_int_not_equal(r, RADIUS_OK);
			}
			/* ... and in the header, for the signed kinds. */
			for (size_t bit = 0; bit < 20 * 8; bit++) {
				if (how == RADIUS_SIGN_ACCESS_REQUEST && !with_ma)
					break;
				memcpy(tmp, w.buf, w.len);
				tmp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
				if (radius_parse(tmp, w.len, &p))
					assert_int_not_equal(radius_verify(&p, how, &sec, req, with_ma),
							     RADIUS_OK);
			}

			/* Verified as another kind, it fails. */
			assert_true(radius_parse(w.buf, w.len, &p));
			if (how == RADIUS_SIGN_REQUEST_HASH)
				assert_int_not_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &sec, ra,
								   false), RADIUS_OK);
			if (how == RADIUS_SIGN_RESPONSE)
				assert_int_not_equal(radius_verify(&p, RADIUS_SIGN_REQUEST_HASH, &sec,
								   NULL, false), RADIUS_OK);
			if (with_ma && how != RADIUS_SIGN_ACCESS_REQUEST)
				assert_int_equal(radius_verify(&p, RADIUS_SIGN_ACCESS_REQUEST, &sec,
							       NULL, false), RADIUS_BAD_MA);

			/* finish again gives the same packet. */
			memcpy(tmp, w.buf, w.len);
			assert_true(radius_finish(&w, how, &sec, req));
			assert_memory_equal(tmp, w.buf, w.len);
		}
	}
}

/* ---- writer limits ---- */

static void writer_limits(void **state)
{
	(void)state;
	struct radius_secret sec = secret("s");
	struct radius_writer w;
	uint8_t big[RADIUS_ATTR_MAX + 1];

	memset(big, 0x42, sizeof(big));
	/* Fill to exactly RADIUS_MAX_LEN: 15 attributes of 255 octets and one
	 * of 251 after the header. */
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 5, NULL);
	for (int i = 0; i < 15; i++)
		assert_true(radius_put(&w, RADIUS_CLASS, big, RADIUS_ATTR_MAX));
	assert_true(radius_put(&w, RADIUS_CLASS, big, 249));
	assert_int_equal(w.len, RADIUS_MAX_LEN);
	assert_false(w.failed);
	assert_true(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, big));
	struct radius_packet p;
	assert_true(radius_parse(w.buf, w.len, &p));
	assert_int_equal(radius_count(&p, 0, RADIUS_CLASS), 16);
	assert_int_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &sec, big, false), RADIUS_OK);
	/* One more octet does not fit; the failure sticks. */
	assert_false(radius_put(&w, RADIUS_CLASS, big, 1));
	assert_true(w.failed);
	assert_int_equal(w.len, RADIUS_MAX_LEN);
	assert_false(radius_put_u32(&w, RADIUS_SESSION_TIMEOUT, 1));
	assert_false(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, big));

	/* A put that does not fit fails even if a smaller one would. */
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 5, NULL);
	for (int i = 0; i < 15; i++)
		assert_true(radius_put(&w, RADIUS_CLASS, big, RADIUS_ATTR_MAX));
	assert_false(radius_put(&w, RADIUS_CLASS, big, 250));
	assert_false(radius_put(&w, RADIUS_CLASS, big, 1));
	assert_false(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, big));
	/* ... and so does a reservation that does not fit. */
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 5, NULL);
	for (int i = 0; i < 15; i++)
		assert_true(radius_put(&w, RADIUS_CLASS, big, RADIUS_ATTR_MAX));
	assert_true(radius_put(&w, RADIUS_CLASS, big, 240));
	assert_false(radius_put_ma(&w));
	assert_false(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, big));

	/* Value length 0 and RADIUS_ATTR_MAX + 1 are refused, and stick. */
	const size_t bad[] = { 0, RADIUS_ATTR_MAX + 1 };
	for (size_t i = 0; i < 2; i++) {
		radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 5, NULL);
		assert_false(radius_put(&w, RADIUS_CLASS, big, bad[i]));
		assert_int_equal(w.len, RADIUS_HDR_LEN);
		assert_false(radius_put(&w, RADIUS_CLASS, big, 1));
		assert_false(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, big));
	}
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 5, NULL);
	assert_false(radius_put_str(&w, RADIUS_REPLY_MESSAGE, ""));
	assert_false(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, big));
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 5, NULL);
	assert_true(radius_put(&w, RADIUS_CLASS, big, RADIUS_ATTR_MAX));
	assert_int_equal(w.buf[21], 255);

	/* Helpers' encodings. */
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 5, NULL);
	assert_true(radius_put_u32(&w, RADIUS_SESSION_TIMEOUT, 0x01020304));
	assert_true(radius_put_addr(&w, RADIUS_FRAMED_IP_ADDRESS, addr("10.1.2.3")));
	assert_true(radius_put_str(&w, RADIUS_REPLY_MESSAGE, "hi"));
	assert_int_equal(w.len, 20 + 6 + 6 + 4);
	assert_memory_equal(w.buf + 20, "\x1b\x06\x01\x02\x03\x04" "\x08\x06\x0a\x01\x02\x03"
			    "\x12\x04hi", 16);
	assert_false(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, NULL));

	/* Secrets: 1..RADIUS_SECRET_MAX octets. */
	struct radius_secret s;
	char longs[RADIUS_SECRET_MAX + 2];
	assert_false(radius_secret_set(&s, ""));
	memset(longs, 'k', sizeof(longs));
	longs[RADIUS_SECRET_MAX + 1] = '\0';
	assert_false(radius_secret_set(&s, longs));
	longs[RADIUS_SECRET_MAX] = '\0';
	assert_true(radius_secret_set(&s, longs));
	assert_int_equal(s.len, RADIUS_SECRET_MAX);
	/* An empty secret cannot sign or verify. */
	struct radius_secret empty = { .len = 0 };
	radius_writer_init(&w, RADIUS_ACCESS_ACCEPT, 5, NULL);
	assert_false(radius_finish(&w, RADIUS_SIGN_RESPONSE, &empty, big));
	assert_true(radius_finish(&w, RADIUS_SIGN_RESPONSE, &sec, big));
	assert_true(radius_parse(w.buf, w.len, &p));
	assert_int_not_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &empty, big, false), RADIUS_OK);
}

/* ---- RFC 3579 3.1: EAP-Message reassembly ---- */

/* A packet of EAP-Message attributes: the EAP packet eap[0..len) split at
 * `piece` bytes, with a Vendor-Specific EAP-ish decoy and a State between
 * (neither is part of the chain). Returns the parse's success. */
static bool eap_packet(uint8_t *buf, const uint8_t *eap, size_t len, size_t piece,
		       struct radius_packet *p)
{
	size_t off = RADIUS_HDR_LEN;
	for (size_t i = 0; i < len; i += piece) {
		size_t n = len - i < piece ? len - i : piece;
		buf[off] = RADIUS_EAP_MESSAGE;
		buf[off + 1] = (uint8_t)(2 + n);
		memcpy(buf + off + 2, eap + i, n);
		off += 2 + n;
		if (i == 0) {
			static const uint8_t decoy[] = { RADIUS_VENDOR_SPECIFIC, 10, 0, 0, 0x01, 0x37,
							 RADIUS_EAP_MESSAGE, 4, 9, 9 };
			static const uint8_t state[] = { RADIUS_STATE, 4, 's', 't' };
			memcpy(buf + off, decoy, sizeof(decoy));
			off += sizeof(decoy);
			memcpy(buf + off, state, sizeof(state));
			off += sizeof(state);
		}
	}
	header(buf, off);
	return radius_parse(buf, off, p);
}

static void eap_reassembly(void **state)
{
	(void)state;
	static uint8_t buf[RADIUS_MAX_LEN], eap[2000], out[1500];
	struct radius_packet p;
	size_t len = 99;

	for (size_t i = 0; i < sizeof(eap); i++)
		eap[i] = (uint8_t)(i * 13);
	eap[0] = 1;
	eap[1] = 7;

	/* 1000 bytes in 253-byte pieces and in uneven ones: the same packet. */
	store_be16(eap + 2, 1000);
	assert_true(eap_packet(buf, eap, 1000, RADIUS_ATTR_MAX, &p));
	assert_int_equal(radius_count(&p, 0, RADIUS_EAP_MESSAGE), 4);
	assert_int_equal(radius_get_eap(&p, out, sizeof(out), &len), RADIUS_EAP_OK);
	assert_int_equal(len, 1000);
	assert_memory_equal(out, eap, 1000);
	assert_true(eap_packet(buf, eap, 1000, 100, &p));
	assert_int_equal(radius_get_eap(&p, out, sizeof(out), &len), RADIUS_EAP_OK);
	assert_memory_equal(out, eap, 1000);

	/* Exactly the bound, and one byte past it. */
	store_be16(eap + 2, 1500);
	assert_true(eap_packet(buf, eap, 1500, RADIUS_ATTR_MAX, &p));
	assert_int_equal(radius_get_eap(&p, out, sizeof(out), &len), RADIUS_EAP_OK);
	assert_int_equal(len, 1500);
	store_be16(eap + 2, 1501);
	assert_true(eap_packet(buf, eap, 1501, RADIUS_ATTR_MAX, &p));
	assert_int_equal(radius_get_eap(&p, out, sizeof(out), &len), RADIUS_EAP_TOO_LONG);
	assert_int_equal(len, 0);

	/* The EAP Length must be the chain's size: shorter, longer. */
	store_be16(eap + 2, 299);
	assert_true(eap_packet(buf, eap, 300, RADIUS_ATTR_MAX, &p));
	assert_int_equal(radius_get_eap(&p, out, sizeof(out), &len), RADIUS_EAP_MALFORMED);
	assert_int_equal(len, 0);
	store_be16(eap + 2, 301);
	assert_true(eap_packet(buf, eap, 300, RADIUS_ATTR_MAX, &p));
	assert_int_equal(radius_get_eap(&p, out, sizeof(out), &len), RADIUS_EAP_MALFORMED);
	/* Shorter than a header. */
	assert_true(eap_packet(buf, eap, 3, RADIUS_ATTR_MAX, &p));
	assert_int_equal(radius_get_eap(&p, out, sizeof(out), &len), RADIUS_EAP_MALFORMED);
	/* A bare Success (4 bytes). */
	static const uint8_t success[] = { 3, 9, 0, 4 };
	assert_true(eap_packet(buf, success, sizeof(success), RADIUS_ATTR_MAX, &p));
	assert_int_equal(radius_get_eap(&p, out, sizeof(out), &len), RADIUS_EAP_OK);
	assert_int_equal(len, 4);

	/* None at all (the decoy VSA does not count). */
	header(buf, RADIUS_HDR_LEN);
	assert_true(radius_parse(buf, RADIUS_HDR_LEN, &p));
	assert_int_equal(radius_get_eap(&p, out, sizeof(out), &len), RADIUS_EAP_NONE);
	assert_int_equal(len, 0);

	assert_string_equal(radius_eap_result_name(RADIUS_EAP_TOO_LONG), "too-long");
	assert_string_equal(radius_eap_result_name(RADIUS_EAP_OK), "ok");
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(radius_code_name(RADIUS_ACCESS_ACCEPT), "Access-Accept");
	assert_string_equal(radius_code_name(RADIUS_ACCOUNTING_REQUEST), "Accounting-Request");
	assert_string_equal(radius_code_name(RADIUS_DISCONNECT_NAK), "Disconnect-NAK");
	assert_string_equal(radius_code_name(RADIUS_COA_REQUEST), "CoA-Request");
	assert_string_equal(radius_code_name(0), "unknown");
	assert_string_equal(radius_code_name(6), "unknown");
	assert_string_equal(radius_code_name(255), "unknown");
	assert_string_equal(radius_verify_name(RADIUS_OK), "ok");
	assert_string_not_equal(radius_verify_name(RADIUS_BAD_MA),
				radius_verify_name(RADIUS_BAD_AUTHENTICATOR));
	assert_string_not_equal(radius_verify_name(RADIUS_MISSING_MA),
				radius_verify_name(RADIUS_BAD_MA));

	struct radius_attr a = { .val = (const uint8_t *)"\x01\x02\x03\x04\x05", .len = 4 };
	uint32_t v = 0;
	assert_true(radius_attr_u32(&a, &v));
	assert_int_equal(v, 0x01020304);
	a.len = 3;
	assert_false(radius_attr_u32(&a, &v));
	a.len = 5;
	assert_false(radius_attr_u32(&a, &v));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc2865_access_request),
		cmocka_unit_test(rfc2865_access_accept),
		cmocka_unit_test(freeradius_packets_verify),
		cmocka_unit_test(freeradius_user_password),
		cmocka_unit_test(freeradius_requests_rebuilt),
		cmocka_unit_test(freeradius_mschapv2),
		cmocka_unit_test(mppe_key_round_trip),
		cmocka_unit_test(mppe_key_malformed),
		cmocka_unit_test(user_password_lengths),
		cmocka_unit_test(parse_malformed),
		cmocka_unit_test(vsa_walk),
		cmocka_unit_test(message_authenticator_rules),
		cmocka_unit_test(sign_verify_round_trips),
		cmocka_unit_test(writer_limits),
		cmocka_unit_test(names),
		cmocka_unit_test(eap_reassembly),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
