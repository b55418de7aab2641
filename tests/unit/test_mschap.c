/* MS-CHAP: every RFC 2759 9.2 vector in tests/unit/data/vectors.txt, UTF-8
 * password handling, MS-CHAPv1 (RFC 2433) responses, and the MPPE start keys
 * of RFC 3079 (its 3.5 vectors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/mschap.h"
#include "common/crypto.h"

#include "tests/unit/support/vectors.h"


#define V(name, len) vec("rfc2759.9.2." name, len)

static void rfc2759_hash_example(void **state)
{
	(void)state;
	char password[64] = "", username[64] = "";
	uint8_t unicode[64], hash[16], hashhash[16], challenge[8], resp[24];
	char auth[MSCHAP_AUTH_RESPONSE_LEN];

	memcpy(password, V("Password.ascii", 0), vec_len("rfc2759.9.2.Password.ascii"));
	size_t ulen = vec_len("rfc2759.9.2.UserName.ascii");
	memcpy(username, V("UserName.ascii", 0), ulen);
	assert_int_equal(vec_len("rfc2759.9.2.UserName"), ulen);
	assert_memory_equal(username, V("UserName", 0), ulen);

	size_t ulen16 = vec_len("rfc2759.9.2.Password.unicode");
	assert_int_equal(mschap_utf8_to_utf16le(password, strlen(password), unicode,
						sizeof(unicode)), (long)ulen16);
	assert_memory_equal(unicode, V("Password.unicode", 0), ulen16);

	assert_true(NtPasswordHash(password, hash));
	assert_memory_equal(hash, V("PasswordHash", 16), 16);

	HashNtPasswordHash(hash, hashhash);
	assert_memory_equal(hashhash, V("PasswordHashHash", 16), 16);

	ChallengeHash(V("PeerChallenge", 16), V("AuthenticatorChallenge", 16), username, ulen,
		      challenge);
	assert_memory_equal(challenge, V("Challenge", 8), 8);

	ChallengeResponse(challenge, hash, resp);
	assert_memory_equal(resp, V("NT-Response", 24), 24);

	memset(resp, 0, sizeof(resp));
	GenerateNTResponse(V("AuthenticatorChallenge", 16), V("PeerChallenge", 16), username,
			   ulen, hash, resp);
	assert_memory_equal(resp, V("NT-Response", 24), 24);

	GenerateAuthenticatorResponse(hash, resp, V("PeerChallenge", 16),
				      V("AuthenticatorChallenge", 16), username, ulen, auth);
	assert_memory_equal(auth, V("AuthenticatorResponse", MSCHAP_AUTH_RESPONSE_LEN),
			    MSCHAP_AUTH_RESPONSE_LEN);
}

static void rfc2759_verify_accepts_and_rejects_bit_flips(void **state)
{
	(void)state;
	char username[64] = "";
	char auth[MSCHAP_AUTH_RESPONSE_LEN];
	uint8_t resp[24], hash[16], ac[16], pc[16];
	size_t ulen = vec_len("rfc2759.9.2.UserName.ascii");

	memcpy(username, V("UserName.ascii", 0), ulen);
	memcpy(resp, V("NT-Response", 24), 24);
	memcpy(hash, V("PasswordHash", 16), 16);
	memcpy(ac, V("AuthenticatorChallenge", 16), 16);
	memcpy(pc, V("PeerChallenge", 16), 16);

	memset(auth, 0, sizeof(auth));
	assert_true(mschapv2_verify(hash, ac, pc, username, ulen, resp, auth));
	assert_memory_equal(auth, V("AuthenticatorResponse", MSCHAP_AUTH_RESPONSE_LEN),
			    MSCHAP_AUTH_RESPONSE_LEN);
	assert_true(mschapv2_verify(hash, ac, pc, username, ulen, resp, NULL));

	for (unsigned bit = 0; bit < 24 * 8; bit++) {
		resp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memset(auth, 'x', sizeof(auth));
		assert_false(mschapv2_verify(hash, ac, pc, username, ulen, resp, auth));
		assert_int_equal(auth[0], 'x'); /* untouched on failure */
		resp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	hash[5] ^= 0x10;
	assert_false(mschapv2_verify(hash, ac, pc, username, ulen, resp, NULL));
	hash[5] ^= 0x10;
	ac[0] ^= 1;
	assert_false(mschapv2_verify(hash, ac, pc, username, ulen, resp, NULL));
	ac[0] ^= 1;
	pc[15] ^= 0x80;
	assert_false(mschapv2_verify(hash, ac, pc, username, ulen, resp, NULL));
	pc[15] ^= 0x80;
	assert_false(mschapv2_verify(hash, ac, pc, "user", ulen, resp, NULL));
	assert_true(mschapv2_verify(hash, ac, pc, username, ulen, resp, NULL));
}

static void challenge_hash_strips_domain(void **state)
{
	(void)state;
	char name[80];
	uint8_t challenge[8];
	size_t ulen = vec_len("rfc2759.9.2.UserName.ascii");
	int n = snprintf(name, sizeof(name), "EXAMPLE\\%.*s", (int)ulen,
			 (const char *)V("UserName.ascii", 0));
	ChallengeHash(V("PeerChallenge", 16), V("AuthenticatorChallenge", 16), name, (size_t)n,
		      challenge);
	assert_memory_equal(challenge, V("Challenge", 8), 8);
	/* and the domain really is not hashed: a different name differs */
	ChallengeHash(V("PeerChallenge", 16), V("AuthenticatorChallenge", 16), "EXAMPLE/User", 12,
		      challenge);
	assert_memory_not_equal(challenge, V("Challenge", 8), 8);
}

/* "Pässwörd €𝄞": ä U+00E4, ö U+00F6, € U+20AC, 𝄞 U+1D11E (surrogates
 * D834 DD1E). The UTF-16LE form is written out by hand. */
static void non_ascii_password(void **state)
{
	(void)state;
	const char *pw = "P\xC3\xA4ss\x77\xC3\xB6rd \xE2\x82\xAC\xF0\x9D\x84\x9E";
	static const uint8_t utf16[] = {
		'P', 0, 0xE4, 0, 's', 0, 's', 0, 'w', 0, 0xF6, 0, 'r', 0, 'd', 0, ' ', 0,
		0xAC, 0x20, 0x34, 0xD8, 0x1E, 0xDD,
	};
	uint8_t out[64], exp[16], hash[16];

	assert_int_equal(mschap_utf8_to_utf16le(pw, strlen(pw), out, sizeof(out)),
			 (long)sizeof(utf16));
	assert_memory_equal(out, utf16, sizeof(utf16));
	crypto_md4(utf16, sizeof(utf16), exp);
	assert_true(NtPasswordHash(pw, hash));
	assert_memory_equal(hash, exp, 16);

	/* boundaries of each sequence length */
	static const struct { const char *s; uint8_t le[4]; long n; } edge[] = {
		{ "\x7F", { 0x7F, 0 }, 2 },
		{ "\xC2\x80", { 0x80, 0 }, 2 },
		{ "\xDF\xBF", { 0xFF, 0x07 }, 2 },
		{ "\xE0\xA0\x80", { 0x00, 0x08 }, 2 },
		{ "\xED\x9F\xBF", { 0xFF, 0xD7 }, 2 },
		{ "\xEE\x80\x80", { 0x00, 0xE0 }, 2 },
		{ "\xEF\xBF\xBF", { 0xFF, 0xFF }, 2 },
		{ "\xF0\x90\x80\x80", { 0x00, 0xD8, 0x00, 0xDC }, 4 },
		{ "\xF4\x8F\xBF\xBF", { 0xFF, 0xDB, 0xFF, 0xDF }, 4 },
	};
	for (size_t i = 0; i < sizeof(edge) / sizeof(edge[0]); i++) {
		assert_int_equal(mschap_utf8_to_utf16le(edge[i].s, strlen(edge[i].s), out,
							sizeof(out)), edge[i].n);
		assert_memory_equal(out, edge[i].le, (size_t)edge[i].n);
	}
}

static void invalid_utf8_rejected(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"\x80",                 /* lone continuation */
		"ab\xBF",
		"\xC0\xAF",             /* overlong '/' */
		"\xC1\xBF",             /* overlong */
		"\xE0\x80\xAF",         /* overlong 3-byte */
		"\xE0\x9F\xBF",         /* overlong 3-byte, top */
		"\xF0\x80\x80\xAF",     /* overlong 4-byte */
		"\xF0\x8F\xBF\xBF",     /* overlong 4-byte, top */
		"\xED\xA0\x80",         /* U+D800, a surrogate */
		"\xED\xBF\xBF",         /* U+DFFF */
		"\xED\xA0\xBD\xED\xB8\x80", /* CESU-8 surrogate pair */
		"\xF4\x90\x80\x80",     /* U+110000 */
		"\xF5\x80\x80\x80",
		"\xF8\x88\x80\x80\x80",
		"\xFE",
		"\xFF",
		"\xE2\x82",             /* truncated */
		"x\xF0\x9D\x84",        /* truncated 4-byte */
		"\xE2\x28\xA1",         /* bad continuation */
		"\xC3\xC3",
	};
	uint8_t out[64], hash[16];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mschap_utf8_to_utf16le(bad[i], strlen(bad[i]), out, sizeof(out)), -1);
		assert_false(NtPasswordHash(bad[i], hash));
	}
	/* A valid string that does not fit. */
	assert_int_equal(mschap_utf8_to_utf16le("abc", 3, out, 5), -1);
	assert_int_equal(mschap_utf8_to_utf16le("\xF0\x9D\x84\x9E", 4, out, 3), -1);
	assert_int_equal(mschap_utf8_to_utf16le("", 0, out, 0), 0);
}

static void password_length_limit(void **state)
{
	(void)state;
	char pw[MSCHAP_MAX_PASSWORD * 4 + 8];
	uint8_t hash[16];
	memset(pw, 'a', MSCHAP_MAX_PASSWORD);
	pw[MSCHAP_MAX_PASSWORD] = '\0';
	assert_true(NtPasswordHash(pw, hash));
	pw[MSCHAP_MAX_PASSWORD] = 'a';
	pw[MSCHAP_MAX_PASSWORD + 1] = '\0';
	assert_false(NtPasswordHash(pw, hash));
	assert_true(NtPasswordHash("", hash)); /* MD4 of nothing */
	uint8_t empty[16];
	crypto_md4("", 0, empty);
	assert_memory_equal(hash, empty, 16);
}

/* RFC 2433 appendix B.2 sample data (not in vectors.txt). */
static void rfc2433_sample(void **state)
{
	(void)state;
	static const uint8_t challenge[8] = { 0x10, 0x2D, 0xB5, 0xDF, 0x08, 0x5D, 0x30, 0x41 };
	static const uint8_t exp_hash[16] = {
		0xFC, 0x15, 0x6A, 0xF7, 0xED, 0xCD, 0x6C, 0x0E,
		0xDD, 0xE3, 0x33, 0x7D, 0x42, 0x7F, 0x4E, 0xAC,
	};
	static const uint8_t exp_resp[24] = {
		0x4E, 0x9D, 0x3C, 0x8F, 0x9C, 0xFD, 0x38, 0x5D, 0x5B, 0xF4, 0xD3, 0x24,
		0x67, 0x91, 0x95, 0x6C, 0xA4, 0xC3, 0x51, 0xAB, 0x40, 0x9A, 0x3D, 0x61,
	};
	uint8_t hash[16], resp[24];

	assert_true(NtPasswordHash("MyPw", hash));
	assert_memory_equal(hash, exp_hash, 16);
	mschapv1_nt_response(challenge, hash, resp);
	assert_memory_equal(resp, exp_resp, 24);
	assert_true(mschapv1_verify(hash, challenge, resp));
	for (unsigned bit = 0; bit < 24 * 8; bit += 7) {
		resp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_false(mschapv1_verify(hash, challenge, resp));
		resp[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	uint8_t other[8];
	memcpy(other, challenge, 8);
	other[7] ^= 1;
	assert_false(mschapv1_verify(hash, other, resp));
}

/* RFC 3079 3.5: the master key and the start keys of both roles. */
static void master_and_start_keys(void **state)
{
	(void)state;
	uint8_t master[16], key[16];
	GetMasterKey(vec("rfc2759.9.2.PasswordHashHash", 16), vec("rfc2759.9.2.NT-Response", 24),
		     master);
	assert_memory_equal(master, vec("rfc3079.3.5.MasterKey", 16), 16);

	/* The RFC's "Send" keys are the server's send keys. */
	GetAsymmetricStartKey(master, key, 8, true, true);
	assert_memory_equal(key, vec("rfc3079.3.5.1.SendStartKey40", 8), 8);
	assert_memory_equal(key, vec("rfc3079.3.5.2.SendStartKey56", 8), 8);
	GetAsymmetricStartKey(master, key, 16, true, true);
	assert_memory_equal(key, vec("rfc3079.3.5.3.SendStartKey128", 16), 16);
	GetAsymmetricStartKey(master, key, 16, false, true);
	assert_memory_equal(key, vec("derived.ServerRecvStartKey128", 16), 16);
	/* client role mirrors: client send = server receive and vice versa */
	GetAsymmetricStartKey(master, key, 16, true, false);
	assert_memory_equal(key, vec("derived.ServerRecvStartKey128", 16), 16);
	GetAsymmetricStartKey(master, key, 16, false, false);
	assert_memory_equal(key, vec("rfc3079.3.5.3.SendStartKey128", 16), 16);
}

static void start_keys_per_role(void **state)
{
	(void)state;
	uint8_t ss[16], sr[16], cs[16], cr[16];
	mschapv2_start_keys(MSCHAP_ROLE_SERVER, vec("rfc2759.9.2.PasswordHash", 16),
			vec("rfc2759.9.2.NT-Response", 24), ss, sr);
	mschapv2_start_keys(MSCHAP_ROLE_CLIENT, vec("rfc2759.9.2.PasswordHash", 16),
			vec("rfc2759.9.2.NT-Response", 24), cs, cr);
	assert_memory_equal(ss, vec("rfc3079.3.5.3.SendStartKey128", 16), 16);
	assert_memory_equal(sr, vec("derived.ServerRecvStartKey128", 16), 16);
	assert_memory_equal(cs, sr, 16);
	assert_memory_equal(cr, ss, 16);
	assert_memory_not_equal(ss, sr, 16);

}

/* MS-CHAPv1 start key (RFC 3079 2.4), against SHA-1 computed here with
 * OpenSSL's EVP from the RFC's formula; both directions use it. */
static void v1_start_key(void **state)
{
	(void)state;
	static const uint8_t challenge[8] = { 0x10, 0x2D, 0xB5, 0xDF, 0x08, 0x5D, 0x30, 0x41 };
	uint8_t hash[16], hashhash[16], key[16], exp[EVP_MAX_MD_SIZE];
	unsigned explen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_true(NtPasswordHash("MyPw", hash));
	HashNtPasswordHash(hash, hashhash);
	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha1(), NULL), 1);
	EVP_DigestUpdate(ctx, hashhash, 16);
	EVP_DigestUpdate(ctx, hashhash, 16);
	EVP_DigestUpdate(ctx, challenge, 8);
	assert_int_equal(EVP_DigestFinal_ex(ctx, exp, &explen), 1);
	EVP_MD_CTX_free(ctx);
	assert_int_equal(explen, 20);

	mschapv1_start_key(hash, challenge, key);
	assert_memory_equal(key, exp, 16);
	Get_Start_Key(challenge, hashhash, key);
	assert_memory_equal(key, exp, 16);
}

/* An independent DES path: expand the 7-byte keys bit by bit and run
 * OpenSSL's DES-ECB directly, for many hashes and challenges. */
static void independent_des(const uint8_t k7[7], const uint8_t in[8], uint8_t out[8])
{
	uint8_t k8[8] = { 0 };
	int n = 0;
	for (int bit = 0; bit < 56; bit++)
		if (k7[bit / 8] & (0x80 >> (bit % 8)))
			k8[bit / 7] |= (uint8_t)(0x80 >> (bit % 7));
	EVP_CIPHER *des = EVP_CIPHER_fetch(NULL, "DES-ECB", NULL);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	assert_non_null(des);
	assert_non_null(c);
	assert_true(EVP_EncryptInit_ex2(c, des, k8, NULL, NULL));
	assert_true(EVP_CIPHER_CTX_set_padding(c, 0));
	assert_true(EVP_EncryptUpdate(c, out, &n, in, 8));
	assert_int_equal(n, 8);
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(des);
}

static void challenge_response_matches_independent_des(void **state)
{
	(void)state;
	uint8_t hash[16], ch[8], resp[24], exp[24], z[21];
	for (int i = 0; i < 50; i++) {
		assert_true(crypto_random(hash, sizeof(hash)));
		assert_true(crypto_random(ch, sizeof(ch)));
		if (i == 0)
			memset(hash, 0xFF, sizeof(hash));
		memset(z, 0, sizeof(z));
		memcpy(z, hash, 16);
		for (int k = 0; k < 3; k++)
			independent_des(z + 7 * k, ch, exp + 8 * k);
		mschapv1_nt_response(ch, hash, resp);
		assert_memory_equal(resp, exp, 24);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc2759_hash_example),
		cmocka_unit_test(rfc2759_verify_accepts_and_rejects_bit_flips),
		cmocka_unit_test(challenge_hash_strips_domain),
		cmocka_unit_test(non_ascii_password),
		cmocka_unit_test(invalid_utf8_rejected),
		cmocka_unit_test(password_length_limit),
		cmocka_unit_test(rfc2433_sample),
		cmocka_unit_test(challenge_response_matches_independent_des),
		cmocka_unit_test(master_and_start_keys),
		cmocka_unit_test(start_keys_per_role),
		cmocka_unit_test(v1_start_key),
	};
	return cmocka_run_group_tests(tests, vectors_setup, vectors_teardown);
}
