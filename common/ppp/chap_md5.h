/*
 * CHAP with MD5 (RFC 1994 algorithm 5): the response value
 * MD5(Identifier | secret | Challenge). The state machine is in chap.h.
 * Pure function; the MD5 comes from OpenSSL's default provider.
 */
#ifndef PPTP_COMMON_PPP_CHAP_MD5_H
#define PPTP_COMMON_PPP_CHAP_MD5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CHAP_MD5_LEN 16

/* False only if OpenSSL fails (memory exhaustion). */
bool chap_md5_response(uint8_t id, const void *secret, size_t secret_len,
		       const uint8_t *challenge, size_t challenge_len,
		       uint8_t out[static CHAP_MD5_LEN]);

#endif
