/*
 * CHAP-MD5 response value, RFC 1994 section 4.1.
 */
#include "common/ppp/chap_md5.h"

#include <openssl/evp.h>

bool chap_md5_response(uint8_t id, const void *secret, size_t secret_len,
		       const uint8_t *challenge, size_t challenge_len,
		       uint8_t out[static CHAP_MD5_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int n = 0;
	bool ok;

	if (!ctx)
		return false;
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, &id, 1) == 1 &&
	     EVP_DigestUpdate(ctx, secret, secret_len) == 1 &&
	     EVP_DigestUpdate(ctx, challenge, challenge_len) == 1 &&
	     EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == CHAP_MD5_LEN;
	EVP_MD_CTX_free(ctx);
	return ok;
}
