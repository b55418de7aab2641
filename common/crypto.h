/*
 * Thin wrappers over OpenSSL 3 for the primitives MS-CHAP and MPPE need:
 * MD4, SHA-1, single DES-ECB (with the 7-to-8 byte key expansion) and RC4.
 *
 * MD4 and DES live in OpenSSL's legacy provider; RC4 is our own (258 bytes
 * of state, see crypto.c). crypto_init() loads the
 * legacy and default providers explicitly and fetches every algorithm once;
 * it must succeed before any other function here is called, and a program
 * that cannot load them must stop at start with the message it returns.
 * After crypto_init(), the packet path never allocates: rc4_setkey/rc4_crypt,
 * crypto_sha1 and sha1_begin/update/end. crypto_md4 and crypto_des_encrypt
 * (authentication only) use a transient OpenSSL context per call. An OpenSSL
 * failure inside a void function (memory exhaustion) aborts the process
 * rather than return a wrong key.
 *
 * Lifetimes: the fetched algorithms live from crypto_init() to
 * crypto_shutdown(); a struct rc4 from rc4_new() to rc4_free(); a
 * struct sha1_ctx from sha1_ctx_init() to sha1_ctx_free(). All functions
 * except crypto_init/crypto_shutdown are thread-safe on distinct objects.
 */
#ifndef PPTP_COMMON_CRYPTO_H
#define PPTP_COMMON_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MD4_LEN  16
#define SHA1_LEN 20

/* Load providers and fetch algorithms. On failure returns false and writes a
 * one-line reason into err. Safe to call more than once. */
bool crypto_init(char *err, size_t errlen);
/* Release what crypto_init() fetched (for leak-checked tests and clean exits). */
void crypto_shutdown(void);

void crypto_md4(const void *data, size_t len, uint8_t out[static MD4_LEN]);
void crypto_sha1(const void *data, size_t len, uint8_t out[static SHA1_LEN]);

/* Incremental SHA-1 over a fixed, allocation-free context. */
struct sha1_ctx {
	void *md; /* SHA_CTX *, owned (see crypto.c for why not EVP) */
};
bool sha1_ctx_init(struct sha1_ctx *c);
void sha1_ctx_free(struct sha1_ctx *c);
void sha1_begin(struct sha1_ctx *c);
void sha1_update(struct sha1_ctx *c, const void *data, size_t len);
void sha1_end(struct sha1_ctx *c, uint8_t out[static SHA1_LEN]);

/* DES-ECB of one block with a 56-bit key given as 7 bytes (RFC 2759 DesEncrypt). */
void crypto_des_encrypt(const uint8_t key7[static 7], const uint8_t in[static 8],
			uint8_t out[static 8]);

/* RC4 keystream state (258 bytes). Re-keying reuses it: no allocation. */
struct rc4;
/* NULL on allocation failure or before crypto_init(). */
struct rc4 *rc4_new(void);
void rc4_free(struct rc4 *s);
void rc4_setkey(struct rc4 *s, const uint8_t *key, size_t keylen);
/* in and out may be the same buffer. */
void rc4_crypt(struct rc4 *s, const uint8_t *in, uint8_t *out, size_t len);

/* Cryptographically secure random bytes; false only if the RNG fails. */
bool crypto_random(void *out, size_t len);

/*
 * crypto_random() output handed out in small pieces: one RAND_bytes call
 * per CRYPTO_RNG_BATCH bytes instead of one per LCP magic number or CHAP
 * challenge (each call costs OpenSSL's fork check, a getpid system call,
 * and the DRBG's lock). The caller owns it (zeroed to start: empty) and
 * uses it from one thread; bytes handed out are wiped from it at once, so
 * it only ever holds bytes nobody has seen. It must not be used in a child
 * after fork() (both would hand out the same bytes); crypto_rng_wipe()
 * empties it.
 */
#define CRYPTO_RNG_BATCH 256
struct crypto_rng {
	uint8_t buf[CRYPTO_RNG_BATCH];
	size_t left; /* unused bytes, at the end of buf */
};
/* As crypto_random(); false only if the RNG fails. */
bool crypto_rng_get(struct crypto_rng *r, void *out, size_t len);
void crypto_rng_wipe(struct crypto_rng *r);
/* Constant-time comparison: true if equal. */
bool crypto_equal(const void *a, const void *b, size_t len);
/* Zero secret material in a way the compiler cannot drop. */
void crypto_wipe(void *p, size_t len);

#endif
