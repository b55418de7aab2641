/*
 * MS-CHAP arithmetic: RFC 2759 (MS-CHAPv2) and RFC 2433 (MS-CHAPv1), with the
 * RFC's function names. Pure functions over caller buffers; no allocation.
 * Passwords are UTF-8 and are hashed in their UTF-16LE form.
 */
#ifndef PPTP_COMMON_MSCHAP_H
#define PPTP_COMMON_MSCHAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSCHAP_NT_HASH_LEN     16
#define MSCHAP_CHALLENGE_LEN   16 /* v2 authenticator and peer challenge */
#define MSCHAP_V1_CHALLENGE_LEN 8
#define MSCHAP_NT_RESPONSE_LEN 24
#define MSCHAP_AUTH_RESPONSE_LEN 42 /* "S=" + 40 hex digits, no NUL */
#define MSCHAP_MAX_PASSWORD    256 /* characters, as Windows allows */
/* Longest user name (bytes, after any "DOMAIN\" prefix) that ChallengeHash
 * hashes in full; a longer one is hashed truncated and so never verifies.
 * Callers should reject such names before getting here. */
#define MSCHAP_MAX_USERNAME    1024

/* UTF-8 to UTF-16LE. Returns the number of bytes written to out, or -1 on
 * invalid UTF-8 or when out (outlen bytes) is too small. Characters outside
 * the BMP become surrogate pairs. */
long mschap_utf8_to_utf16le(const char *in, size_t inlen, uint8_t *out, size_t outlen);

/* NtPasswordHash: MD4 of the UTF-16LE password. False on invalid UTF-8 or a
 * password longer than MSCHAP_MAX_PASSWORD characters (UTF-16 code units: a
 * character outside the BMP counts as two). */
bool NtPasswordHash(const char *password_utf8, uint8_t hash[static MSCHAP_NT_HASH_LEN]);
void HashNtPasswordHash(const uint8_t hash[static MSCHAP_NT_HASH_LEN],
			uint8_t hashhash[static MSCHAP_NT_HASH_LEN]);

/* RFC 2759 8.2. As the RFC requires, only the part of username after its last
 * backslash ("DOMAIN\user" -> "user") is hashed. */
void ChallengeHash(const uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
		   const uint8_t auth_challenge[static MSCHAP_CHALLENGE_LEN],
		   const char *username, size_t username_len,
		   uint8_t challenge[static MSCHAP_V1_CHALLENGE_LEN]);

/* ChallengeResponse: three DES encryptions of an 8-byte challenge. */
void ChallengeResponse(const uint8_t challenge[static 8],
		       const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
		       uint8_t response[static MSCHAP_NT_RESPONSE_LEN]);

/* RFC 2759 8.1, from the NT hash (what the user store keeps). */
void GenerateNTResponse(const uint8_t auth_challenge[static MSCHAP_CHALLENGE_LEN],
			const uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
			const char *username, size_t username_len,
			const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
			uint8_t response[static MSCHAP_NT_RESPONSE_LEN]);

/* RFC 2759 8.7: writes "S=<40 upper-case hex>" (42 bytes, no NUL). */
void GenerateAuthenticatorResponse(const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
				   const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN],
				   const uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
				   const uint8_t auth_challenge[static MSCHAP_CHALLENGE_LEN],
				   const char *username, size_t username_len,
				   char out[static MSCHAP_AUTH_RESPONSE_LEN]);

/* Server-side check of a peer's MS-CHAPv2 NT-Response in constant time.
 * On success, if auth_response is not NULL, it receives the "S=..." string. */
bool mschapv2_verify(const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
		     const uint8_t auth_challenge[static MSCHAP_CHALLENGE_LEN],
		     const uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
		     const char *username, size_t username_len,
		     const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN],
		     char auth_response[MSCHAP_AUTH_RESPONSE_LEN]);

/* RFC 2433 NtChallengeResponse (MS-CHAPv1) from the NT hash, and its
 * constant-time check. */
void mschapv1_nt_response(const uint8_t challenge[static MSCHAP_V1_CHALLENGE_LEN],
			  const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
			  uint8_t response[static MSCHAP_NT_RESPONSE_LEN]);
bool mschapv1_verify(const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
		     const uint8_t challenge[static MSCHAP_V1_CHALLENGE_LEN],
		     const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN]);

#endif
