/* CHAP-MD5 (RFC 1994) in both roles, against a stub owner that knows the
 * clear password (in this test only: the real stores keep NT hashes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/mschap.h"
#include "common/crypto.h"
#include "common/ppp/chap.h"
#include "common/ppp/chap_md5.h"

#define MAXQ 8

struct end {
	struct chap c;
	uint8_t q[MAXQ][CHAP_PKT_MAX];
	size_t qlen[MAXQ];
	size_t nq;
	int done_calls;
	enum chap_outcome outcome;
	int responses;
	const char *secret; /* the stub backend's clear password */
};

static void e_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct end *e = ctx;
	assert_true(e->nq < MAXQ);
	memcpy(e->q[e->nq], pkt, len);
	e->qlen[e->nq++] = len;
}

static void e_done(void *ctx, enum chap_outcome o, unsigned error, const char *why)
{
	struct end *e = ctx;
	(void)error;
	(void)why;
	e->done_calls++;
	e->outcome = o;
}

/* The stub backend answers at once, from inside the callback. */
static void e_response(void *ctx, const struct chap_response_info *r)
{
	struct end *e = ctx;
	uint8_t want[CHAP_MD5_LEN];
	e->responses++;
	assert_int_equal(r->algo, CHAP_MD5);
	assert_int_equal(r->name_len, 5);
	assert_memory_equal(r->name, "alice", 5);
	assert_true(chap_md5_response(r->id, e->secret, strlen(e->secret), r->challenge,
				      r->challenge_len, want));
	bool ok = crypto_equal(want, r->md5, sizeof(want));
	assert_true(chap_auth_result(&e->c, ok ? 0 : 691, NULL, 0));
}

static const struct chap_callbacks auth_cb = { .send = e_send, .response = e_response, .done = e_done };
static const struct chap_callbacks peer_cb = { .send = e_send, .done = e_done };

static void pump(struct end *a, struct end *b)
{
	for (int i = 0; i < 10 && (a->nq || b->nq); i++) {
		struct end *from = a->nq ? a : b, *to = from == a ? b : a;
		uint8_t pkt[CHAP_PKT_MAX];
		size_t len = from->qlen[0];
		memcpy(pkt, from->q[0], len);
		memmove(from->q, from->q + 1, (from->nq - 1) * sizeof(from->q[0]));
		memmove(from->qlen, from->qlen + 1, (from->nq - 1) * sizeof(from->qlen[0]));
		from->nq--;
		chap_input(&to->c, pkt, len, 0);
	}
}

static void known_answer(void **state)
{
	(void)state;
	uint8_t ch[16], out[16];
	for (int i = 0; i < 16; i++)
		ch[i] = (uint8_t)i;
	assert_true(chap_md5_response(1, "secret", 6, ch, 16, out));
	assert_memory_equal(out, "\x74\x0e\x86\x46\x3b\xda\x3a\x4d\x70\x17\xd6\xe0\xfb\xa0\x69\x9d", 16);
}

static void round_trip(const char *client_pw, enum chap_outcome want)
{
	struct end *srv = calloc(1, sizeof(*srv)), *cli = calloc(1, sizeof(*cli));
	struct chap_config scfg = { .algo = CHAP_MD5, .name = "pptpd", .md5_challenge_len = 24 };
	struct chap_config ccfg = { .algo = CHAP_MD5, .name = "alice", .password = client_pw };

	srv->secret = "s3cret";
	assert_true(chap_init(&srv->c, CHAP_AUTHENTICATOR, &scfg, &auth_cb, srv));
	assert_true(chap_init(&cli->c, CHAP_PEER, &ccfg, &peer_cb, cli));
	chap_start(&cli->c, 0);
	chap_start(&srv->c, 0);
	assert_int_equal(srv->q[0][4], 24); /* value-size */
	pump(srv, cli);
	assert_int_equal(srv->responses, 1);
	assert_int_equal(srv->done_calls, 1);
	assert_int_equal(srv->outcome, want);
	assert_int_equal(cli->done_calls, 1);
	assert_int_equal(cli->outcome, want);
	/* No MPPE keys from CHAP-MD5. */
	uint8_t k1[16], k2[16];
	assert_false(chap_peer_keys(&cli->c, k1, k2));
	chap_free(&srv->c);
	chap_free(&cli->c);
	free(srv);
	free(cli);
}

static void accept_both_roles(void **state)
{
	(void)state;
	round_trip("s3cret", CHAP_SUCCESS);
}

static void reject_is_final(void **state)
{
	(void)state;
	round_trip("wrong", CHAP_FAILURE);
}

static void malformed_md5_response(void **state)
{
	(void)state;
	struct end *srv = calloc(1, sizeof(*srv));
	struct chap_config scfg = { .algo = CHAP_MD5, .name = "pptpd" };
	assert_true(chap_init(&srv->c, CHAP_AUTHENTICATOR, &scfg, &auth_cb, srv));
	chap_start(&srv->c, 0);
	uint8_t id = srv->q[0][1];
	/* value-size 15 */
	uint8_t pkt[4 + 1 + 16 + 5] = { 2, id, 0, 25, 15 };
	memcpy(pkt + 20, "alice", 5);
	chap_input(&srv->c, pkt, 25, 0);
	/* a Challenge sent to the authenticator */
	pkt[0] = 1;
	pkt[3] = 26;
	pkt[4] = 16;
	chap_input(&srv->c, pkt, 26, 0);
	assert_int_equal(chap_stats(&srv->c)->rx_malformed, 1);
	assert_int_equal(chap_stats(&srv->c)->rx_ignored, 1);
	assert_int_equal(srv->responses, 0);
	chap_free(&srv->c);
	free(srv);
}

/* The MD5 secret is raw bytes: a secret no NT hash can be made of (invalid
 * UTF-8) is fine for CHAP-MD5 but refused by an MS-CHAP peer. (This test
 * also references auth/mschap.c directly, which the link order of the
 * test programs currently needs: see docs/auth.md.) */
static void md5_secret_is_raw_bytes(void **state)
{
	(void)state;
	struct chap c;
	uint8_t h[16];
	struct chap_config cfg = { .algo = CHAP_MD5, .name = "alice", .password = "\xff\xfe" };
	assert_false(NtPasswordHash("\xff\xfe", h));
	assert_true(chap_init(&c, CHAP_PEER, &cfg, &peer_cb, NULL));
	chap_free(&c);
	cfg.algo = CHAP_MSCHAPV2;
	assert_false(chap_init(&c, CHAP_PEER, &cfg, &peer_cb, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answer),
		cmocka_unit_test(accept_both_roles),
		cmocka_unit_test(reject_is_final),
		cmocka_unit_test(malformed_md5_response),
		cmocka_unit_test(md5_secret_is_raw_bytes),
	};
	char err[256];
	if (!crypto_init(err, sizeof(err)))
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	crypto_shutdown();
	return rc;
}
