/* Known answers for the OpenSSL wrappers, RC4 re-keying and the promise
 * that the packet-path primitives never allocate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "common/crypto.h"

#include "tests/unit/support/ossl_allocs.h"

static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (; s[0] && s[1] && n < cap; s += 2) {
		unsigned v;
		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void init(void)
{
	char err[256] = "";
	assert_true(crypto_init(err, sizeof(err)));
}

/* Runs first, before anything loaded a provider in this process: a child
 * that cannot find the legacy module must get false and a clear reason. */
static void init_fails_clearly_without_legacy_module(void **state)
{
	(void)state;
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[512] = "";
		setenv("OPENSSL_MODULES", "/nonexistent-pptpd-test-dir", 1);
		bool ok = crypto_init(err, sizeof(err));
		if (ok || !strstr(err, "legacy provider") || strchr(err, '\n'))
			_exit(1);
		_exit(0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void init_is_idempotent(void **state)
{
	(void)state;
	init();
	init();
}

static void md4_rfc1320(void **state)
{
	(void)state;
	static const struct { const char *in, *hex; } v[] = {
		{ "", "31d6cfe0d16ae931b73c59d7e0c089c0" },
		{ "a", "bde52cb31de33e46245e05fbdbd6fb24" },
		{ "abc", "a448017aaf21d8525fc10ae87aa6729d" },
		{ "message digest", "d9130a8164549fe818874806e1c7014b" },
	};
	init();
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t out[MD4_LEN], exp[MD4_LEN];
		unhex(v[i].hex, exp, sizeof(exp));
		crypto_md4(v[i].in, strlen(v[i].in), out);
		assert_memory_equal(out, exp, MD4_LEN);
	}
}

static void sha1_fips180_and_incremental(void **state)
{
	(void)state;
	const char *msg = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	uint8_t exp[SHA1_LEN], out[SHA1_LEN], out2[SHA1_LEN];
	init();
	unhex("a9993e364706816aba3e25717850c26c9cd0d89d", exp, sizeof(exp));
	crypto_sha1("abc", 3, out);
	assert_memory_equal(out, exp, SHA1_LEN);

	unhex("84983e441c3bd26ebaae4aa1f95129e5e54670f1", exp, sizeof(exp));
	crypto_sha1(msg, strlen(msg), out);
	assert_memory_equal(out, exp, SHA1_LEN);

	struct sha1_ctx c;
	assert_true(sha1_ctx_init(&c));
	for (int round = 0; round < 2; round++) { /* the context is reusable */
		sha1_begin(&c);
		sha1_update(&c, msg, 7);
		sha1_update(&c, msg + 7, 0);
		sha1_update(&c, msg + 7, strlen(msg) - 7);
		sha1_end(&c, out2);
		assert_memory_equal(out2, exp, SHA1_LEN);
	}
	sha1_ctx_free(&c);
}

/* 8-byte DES key (with parity bits) -> the 7 key bytes RFC 2759 passes. */
static void des_key_8_to_7(const uint8_t k8[8], uint8_t k7[7])
{
	memset(k7, 0, 7);
	for (int bit = 0; bit < 56; bit++) {
		int byte8 = bit / 7, pos8 = 7 - bit % 7; /* skip each byte's low bit */
		if (k8[byte8] >> pos8 & 1)
			k7[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
	}
}

static void des_known_answers(void **state)
{
	(void)state;
	static const struct { const char *key, *pt, *ct; } v[] = {
		{ "133457799BBCDFF1", "0123456789ABCDEF", "85E813540F0AB405" },
		{ "0E329232EA6D0D73", "8787878787878787", "0000000000000000" },
		{ "0123456789ABCDEF", "4E6F772069732074", "3FA40E8A984D4815" },
	};
	init();
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t k8[8], k7[7], pt[8], ct[8], out[8];
		unhex(v[i].key, k8, 8);
		unhex(v[i].pt, pt, 8);
		unhex(v[i].ct, ct, 8);
		des_key_8_to_7(k8, k7);
		crypto_des_encrypt(k7, pt, out);
		assert_memory_equal(out, ct, 8);
	}
}

static void rc4_known_answers_and_rekey(void **state)
{
	(void)state;
	/* RFC 6229 offset 0 for 40- and 128-bit keys, and the classic "Key". */
	uint8_t k40[5] = { 1, 2, 3, 4, 5 }, k128[16], exp[16], buf[16];
	for (int i = 0; i < 16; i++)
		k128[i] = (uint8_t)(i + 1);
	init();
	struct rc4 *s = rc4_new();
	assert_non_null(s);
	for (int round = 0; round < 2; round++) {
		memset(buf, 0, sizeof(buf));
		rc4_setkey(s, k40, sizeof(k40));
		rc4_crypt(s, buf, buf, sizeof(buf)); /* in place */
		unhex("b2396305f03dc027ccc3524a0a1118a8", exp, 16);
		assert_memory_equal(buf, exp, 16);

		uint8_t zero[16] = { 0 };
		rc4_setkey(s, k128, sizeof(k128));
		rc4_crypt(s, zero, buf, 8); /* split: the keystream runs on */
		rc4_crypt(s, zero + 8, buf + 8, 8);
		unhex("9ac7cc9a609d1ef7b2932899cde41b97", exp, 16);
		assert_memory_equal(buf, exp, 16);

		uint8_t pt[9];
		memcpy(pt, "Plaintext", 9);
		rc4_setkey(s, (const uint8_t *)"Key", 3);
		rc4_crypt(s, pt, buf, 9);
		unhex("BBF316E8D940AF0AD3", exp, 9);
		assert_memory_equal(buf, exp, 9);
	}
	rc4_free(s);
	rc4_free(NULL);
}

/* Our RC4 against OpenSSL's (legacy provider) as the reference: keys of
 * 1..32 bytes, outputs split at odd places so the state carries over. */
static void rc4_matches_openssl(void **state)
{
	(void)state;
	uint8_t key[32], in[700], ours[700], ref[700];
	init();
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "RC4", NULL);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	struct rc4 *s = rc4_new();
	assert_non_null(c);
	assert_non_null(x);
	assert_non_null(s);
	for (size_t klen = 1; klen <= sizeof(key); klen++) {
		int n = 0;
		assert_true(crypto_random(key, klen));
		assert_true(crypto_random(in, sizeof(in)));
		assert_true(EVP_EncryptInit_ex2(x, c, NULL, NULL, NULL));
		assert_true(EVP_CIPHER_CTX_set_key_length(x, (int)klen));
		assert_true(EVP_EncryptInit_ex2(x, NULL, key, NULL, NULL));
		assert_true(EVP_EncryptUpdate(x, ref, &n, in, (int)sizeof(in)));
		assert_int_equal(n, sizeof(in));
		rc4_setkey(s, key, klen);
		size_t cut = 1 + klen * 7;
		rc4_crypt(s, in, ours, cut);
		rc4_crypt(s, in + cut, ours + cut, sizeof(in) - cut);
		assert_memory_equal(ours, ref, sizeof(in));
	}
	rc4_free(s);
	EVP_CIPHER_CTX_free(x);
	EVP_CIPHER_free(c);
}

static void packet_path_does_not_allocate(void **state)
{
	(void)state;
	uint8_t key8[8] = { 0xD1, 0x26, 0x9E, 4, 5, 6, 7, 8 }, key16[16] = { 9 };
	uint8_t buf[1400] = { 0 }, d[SHA1_LEN];
	struct sha1_ctx c;
	init();
	struct rc4 *s = rc4_new();
	assert_non_null(s);
	assert_true(sha1_ctx_init(&c));
	long before = ossl_allocs();
	for (int i = 0; i < 100; i++) {
		rc4_setkey(s, i & 1 ? key8 : key16, i & 1 ? 8 : 16);
		rc4_crypt(s, buf, buf, sizeof(buf));
		crypto_sha1(buf, 112, d);
		sha1_begin(&c);
		sha1_update(&c, buf, 112);
		sha1_end(&c, d);
	}
	assert_int_equal(ossl_allocs() - before, 0);
	sha1_ctx_free(&c);
	rc4_free(s);
}

static void equal_random_wipe(void **state)
{
	(void)state;
	uint8_t a[32], b[32];
	init();
	memset(a, 0x5A, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(crypto_equal(a, b, sizeof(a)));
	b[31] ^= 1;
	assert_false(crypto_equal(a, b, sizeof(a)));
	assert_true(crypto_equal(a, b, 31));

	assert_true(crypto_random(a, sizeof(a)));
	assert_true(crypto_random(b, sizeof(b)));
	assert_false(crypto_equal(a, b, sizeof(a)));

	crypto_wipe(a, sizeof(a));
	memset(b, 0, sizeof(b));
	assert_memory_equal(a, b, sizeof(a));
}

/* The batched source hands out every byte of a batch once, in order, wipes
 * what it gave, refills when a request does not fit what is left, and
 * passes large requests straight through. */
static void rng_batches_and_wipes(void **state)
{
	(void)state;
	struct crypto_rng r = { 0 };
	uint8_t seen[CRYPTO_RNG_BATCH], zero[CRYPTO_RNG_BATCH] = { 0 }, a[16], b[16];
	uint8_t big[CRYPTO_RNG_BATCH + 1];
	init();

	assert_true(crypto_rng_get(&r, a, sizeof(a)));
	assert_int_equal(r.left, CRYPTO_RNG_BATCH - sizeof(a));
	memcpy(seen, r.buf, sizeof(seen));
	assert_memory_equal(seen, zero, sizeof(a)); /* what was handed out is gone */
	assert_true(crypto_rng_get(&r, b, sizeof(b)));
	assert_memory_equal(b, seen + sizeof(a), sizeof(b)); /* the next bytes */
	assert_false(crypto_equal(a, b, sizeof(a)));

	/* Drain to 4 bytes left: a 16-byte request refills. */
	while (r.left >= sizeof(a) + 4)
		assert_true(crypto_rng_get(&r, a, sizeof(a)));
	while (r.left > 4)
		assert_true(crypto_rng_get(&r, a, 1));
	assert_true(crypto_rng_get(&r, b, sizeof(b)));
	assert_int_equal(r.left, CRYPTO_RNG_BATCH - sizeof(b));

	/* Large: not from the batch, which stays as it was. */
	size_t left = r.left;
	assert_true(crypto_rng_get(&r, big, sizeof(big)));
	assert_int_equal(r.left, left);

	crypto_rng_wipe(&r);
	assert_int_equal(r.left, 0);
	assert_memory_equal(r.buf, zero, sizeof(zero));
}

int main(void)
{
	/* Must precede every OpenSSL allocation to count them. */
	assert_true(ossl_allocs_install());
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_fails_clearly_without_legacy_module),
		cmocka_unit_test(init_is_idempotent),
		cmocka_unit_test(md4_rfc1320),
		cmocka_unit_test(sha1_fips180_and_incremental),
		cmocka_unit_test(des_known_answers),
		cmocka_unit_test(rc4_known_answers_and_rekey),
		cmocka_unit_test(rc4_matches_openssl),
		cmocka_unit_test(packet_path_does_not_allocate),
		cmocka_unit_test(equal_random_wipe),
		cmocka_unit_test(rng_batches_and_wipes),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	crypto_shutdown();
	return rc;
}
