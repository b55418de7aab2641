/*
 * OpenSSL 3 wrappers for MD4, SHA-1, DES-ECB and RC4.
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
 * RC4 re-keying through EVP_EncryptInit_ex2() on a live context does not
 * allocate (measured), so RC4 stays on EVP.
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
static EVP_CIPHER *cipher_rc4;

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

	if (cipher_rc4)
		return true;
	/* Loading "legacy" explicitly turns off the implicit load of "default". */
	prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
	if (!prov_legacy) {
		last_error(reason, sizeof(reason));
		snprintf(err, errlen,
			 "cannot load OpenSSL legacy provider (MD4, DES, RC4): %s: "
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
	cipher_rc4 = EVP_CIPHER_fetch(NULL, "RC4", NULL);
	if (!md_md4 || !cipher_des_ecb || !cipher_rc4) {
		last_error(reason, sizeof(reason));
		snprintf(err, errlen, "cannot fetch %s from OpenSSL: %s",
			 !md_md4 ? "MD4" : !cipher_des_ecb ? "DES-ECB" : "RC4", reason);
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
	EVP_CIPHER_free(cipher_rc4);
	md_md4 = NULL;
	cipher_des_ecb = NULL;
	cipher_rc4 = NULL;
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

struct rc4 {
	EVP_CIPHER_CTX *ctx;
	size_t keylen; /* what the context is set up for; 0 before the first key */
};

struct rc4 *rc4_new(void)
{
	struct rc4 *s;

	if (!cipher_rc4)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ctx = EVP_CIPHER_CTX_new();
	if (!s->ctx || !EVP_EncryptInit_ex2(s->ctx, cipher_rc4, NULL, NULL, NULL)) {
		EVP_CIPHER_CTX_free(s->ctx);
		free(s);
		return NULL;
	}
	return s;
}

void rc4_free(struct rc4 *s)
{
	if (!s)
		return;
	EVP_CIPHER_CTX_free(s->ctx); /* cleanses the key schedule */
	free(s);
}

void rc4_setkey(struct rc4 *s, const uint8_t *key, size_t keylen)
{
	if (keylen == 0 || keylen > 256)
		crypto_fatal("RC4 key length");
	if (keylen != s->keylen) {
		if (!EVP_CIPHER_CTX_set_key_length(s->ctx, (int)keylen))
			crypto_fatal("RC4 set key length");
		s->keylen = keylen;
	}
	if (!EVP_EncryptInit_ex2(s->ctx, NULL, key, NULL, NULL))
		crypto_fatal("RC4 set key");
}

void rc4_crypt(struct rc4 *s, const uint8_t *in, uint8_t *out, size_t len)
{
	while (len > 0) {
		int chunk = len > INT_MAX / 2 ? INT_MAX / 2 : (int)len, n = 0;
		if (!EVP_EncryptUpdate(s->ctx, out, &n, in, chunk) || n != chunk)
			crypto_fatal("RC4");
		in += chunk;
		out += chunk;
		len -= (size_t)chunk;
	}
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

bool crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

void crypto_wipe(void *p, size_t len)
{
	OPENSSL_cleanse(p, len);
}
