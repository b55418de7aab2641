/*
 * OpenSSL 3 wrappers for MD4, SHA-1 and DES-ECB; RC4 of our own.
 *
 * The algorithm objects fetched by crypto_init() are the only process-wide
 * state here; they are written once at start-up (before any thread is
 * started) and only read afterwards, so every other function is thread-safe.
 *
 * SHA-1 goes through libcrypto's built-in SHA1_Init/Update/Final rather than
 * EVP: on OpenSSL 3.0, every EVP_DigestInit_ex2() frees and re-creates the
 * provider's digest context (one malloc per digest, measured), and SHA-1 runs
 * on every MPPE re-key, which must not allocate. Those functions are marked
 * deprecated in 3.0 but are plain code inside libcrypto (no provider needed).
 * RC4 is written here (below): its state is 258 bytes, where an EVP
 * context costs 1,456 bytes per direction and session (issue 13).
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* SHA1_Init & co., see above */

#include "common/crypto.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

static OSSL_PROVIDER *prov_legacy;
static OSSL_PROVIDER *prov_default;
static EVP_MD *md_md4;
static EVP_CIPHER *cipher_des_ecb;

/* An OpenSSL call that cannot fail short of memory exhaustion failed. The
 * callers return void and a zeroed or partial key must never escape, so stop. */
static _Noreturn void crypto_fatal(const char *what)
{
	char reason[256];
	ERR_error_string_n(ERR_get_error(), reason, sizeof(reason));
	fprintf(stderr, "fatal: crypto: %s failed: %s\n", what, reason);
	abort();
}

static void last_error(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "unknown error");
	ERR_clear_error();
}

bool crypto_init(char *err, size_t errlen)
{
	char reason[256];

	if (cipher_des_ecb)
		return true;
	/* Loading "legacy" explicitly turns off the implicit load of "default". */
	prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	if (!prov_legacy) {
		last_error(reason, sizeof(reason));
		snprintf(err, errlen,
			 "cannot load OpenSSL legacy provider (MD4, DES): %s: "
			 "is openssl's legacy module (legacy.so) installed?", reason);
		goto fail;
	}
	prov_default = OSSL_PROVIDER_load(NULL, "default");
	if (!prov_default) {
		last_error(reason, sizeof(reason));
		snprintf(err, errlen, "cannot load OpenSSL default provider: %s", reason);
		goto fail;
	}
	md_md4 = EVP_MD_fetch(NULL, "MD4", NULL);
	cipher_des_ecb = EVP_CIPHER_fetch(NULL, "DES-ECB", NULL);
	if (!md_md4 || !cipher_des_ecb) {
		last_error(reason, sizeof(reason));
		snprintf(err, errlen, "cannot fetch %s from OpenSSL: %s",
			 !md_md4 ? "MD4" : "DES-ECB", reason);
		goto fail;
	}
	return true;
fail:
	crypto_shutdown();
	return false;
}

void crypto_shutdown(void)
{
	EVP_MD_free(md_md4);
	EVP_CIPHER_free(cipher_des_ecb);
	md_md4 = NULL;
	cipher_des_ecb = NULL;
	if (prov_legacy)
		OSSL_PROVIDER_unload(prov_legacy);
	if (prov_default)
		OSSL_PROVIDER_unload(prov_default);
	prov_legacy = NULL;
	prov_default = NULL;
}

void crypto_md4(const void *data, size_t len, uint8_t out[static MD4_LEN])
{
	unsigned int n = 0;
	if (!EVP_Digest(data, len, out, &n, md_md4, NULL) || n != MD4_LEN)
		crypto_fatal("MD4");
}

void crypto_sha1(const void *data, size_t len, uint8_t out[static SHA1_LEN])
{
	SHA_CTX c;
	SHA1_Init(&c);
	SHA1_Update(&c, data, len);
	SHA1_Final(out, &c);
	OPENSSL_cleanse(&c, sizeof(c));
}

bool sha1_ctx_init(struct sha1_ctx *c)
{
	c->md = OPENSSL_zalloc(sizeof(SHA_CTX));
	return c->md != NULL;
}

void sha1_ctx_free(struct sha1_ctx *c)
{
	OPENSSL_clear_free(c->md, sizeof(SHA_CTX));
	c->md = NULL;
}

void sha1_begin(struct sha1_ctx *c)
{
	SHA1_Init(c->md);
}

void sha1_update(struct sha1_ctx *c, const void *data, size_t len)
{
	SHA1_Update(c->md, data, len);
}

void sha1_end(struct sha1_ctx *c, uint8_t out[static SHA1_LEN])
{
	SHA1_Final(out, c->md);
}

/* RFC 2759 8.6 DesEncrypt: the 56 key bits are spread over 8 bytes, 7 bits
 * each in the high bits, and the low bit of each byte is set for odd parity
 * (DES ignores it, but some implementations check it). */
static void des_expand_key(const uint8_t k7[static 7], uint8_t k8[static 8])
{
	k8[0] = k7[0];
	for (int i = 1; i < 7; i++)
		k8[i] = (uint8_t)(k7[i - 1] << (8 - i) | k7[i] >> i);
	k8[7] = (uint8_t)(k7[6] << 1);
	for (int i = 0; i < 8; i++) {
		unsigned v = k8[i] >> 1, ones = 0;
		for (; v; v >>= 1)
			ones += v & 1;
		k8[i] = (uint8_t)((k8[i] & 0xFE) | ((ones & 1) ? 0 : 1));
	}
}

void crypto_des_encrypt(const uint8_t key7[static 7], const uint8_t in[static 8],
			uint8_t out[static 8])
{
	uint8_t k8[8];
	int n = 0, fin = 0;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

	des_expand_key(key7, k8);
	if (!c || !EVP_EncryptInit_ex2(c, cipher_des_ecb, k8, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(c, 0) || !EVP_EncryptUpdate(c, out, &n, in, 8) ||
	    !EVP_EncryptFinal_ex(c, out + n, &fin) || n + fin != 8)
		crypto_fatal("DES-ECB");
	EVP_CIPHER_CTX_free(c);
	OPENSSL_cleanse(k8, sizeof(k8));
}

/* RC4 as its description goes: a permutation of the 256 byte values, keyed
 * by one pass that swaps S[i] with S[j] (j running on by S[i] and the key
 * byte), then for each byte out one step of i and j, a swap, and the byte
 * S[S[i] + S[j]] XORed in. 258 bytes per state instead of OpenSSL's EVP
 * context (1,456 bytes in four allocations) and no provider call per
 * packet; only MD4, DES and SHA-1 still need OpenSSL. */
struct rc4 {
	uint8_t i, j;
	uint8_t s[256];
};

struct rc4 *rc4_new(void)
{
	if (!cipher_des_ecb) /* same promise as before: after crypto_init() */
		return NULL;
	return calloc(1, sizeof(struct rc4));
}

void rc4_free(struct rc4 *s)
{
	if (!s)
		return;
	OPENSSL_cleanse(s, sizeof(*s));
	free(s);
}

void rc4_setkey(struct rc4 *s, const uint8_t *key, size_t keylen)
{
	uint8_t j = 0;

	if (keylen == 0 || keylen > 256)
		crypto_fatal("RC4 key length");
	for (unsigned i = 0; i < 256; i++)
		s->s[i] = (uint8_t)i;
	for (unsigned i = 0, k = 0; i < 256; i++) {
		uint8_t t = s->s[i];
		j = (uint8_t)(j + t + key[k]);
		s->s[i] = s->s[j];
		s->s[j] = t;
		if (++k == keylen)
			k = 0;
	}
	s->i = 0;
	s->j = 0;
}

void rc4_crypt(struct rc4 *s, const uint8_t *in, uint8_t *out, size_t len)
{
	uint8_t i = s->i, j = s->j, *st = s->s;

	for (size_t n = 0; n < len; n++) {
		uint8_t ti, tj;
		i = (uint8_t)(i + 1);
		ti = st[i];
		j = (uint8_t)(j + ti);
		tj = st[j];
		st[i] = tj;
		st[j] = ti;
		out[n] = in[n] ^ st[(uint8_t)(ti + tj)];
	}
	s->i = i;
	s->j = j;
}

bool crypto_random(void *out, size_t len)
{
	while (len > 0) {
		int chunk = len > INT_MAX / 2 ? INT_MAX / 2 : (int)len;
		if (RAND_bytes(out, chunk) != 1)
			return false;
		out = (uint8_t *)out + chunk;
		len -= (size_t)chunk;
	}
	return true;
}

bool crypto_rng_get(struct crypto_rng *r, void *out, size_t len)
{
	/* A request as large as a batch gains nothing from one. */
	if (len > CRYPTO_RNG_BATCH / 4)
		return crypto_random(out, len);
	if (r->left < len) {
		if (!crypto_random(r->buf, sizeof(r->buf)))
			return false;
		r->left = sizeof(r->buf);
	}
	uint8_t *from = r->buf + sizeof(r->buf) - r->left;
	memcpy(out, from, len);
	crypto_wipe(from, len);
	r->left -= len;
	return true;
}

void crypto_rng_wipe(struct crypto_rng *r)
{
	crypto_wipe(r, sizeof(*r));
}

bool crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void crypto_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}
