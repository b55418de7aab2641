/*
 * MS-CHAP arithmetic: RFC 2759 (MS-CHAPv2), RFC 2433 (MS-CHAPv1) and the
 * MPPE start keys RFC 3079 derives from their credentials, with the RFCs'
 * function names. Pure functions over caller buffers; no allocation.
 * Passwords are UTF-8 and are hashed in their UTF-16LE form. The MPPE packet
 * path that uses the start keys (session keys, re-keying) is
 * common/ppp/mppe.h; the user stores only need this file.
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
#define MSCHAP_MASTER_KEY_LEN  16 /* RFC 3079 MasterKey */
#define MSCHAP_START_KEY_LEN   16 /* an MPPE start key; 40/56-bit use its first 8 */

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

/* ---- RFC 3079: MPPE keys from MS-CHAP credentials ---- */

/* RFC 3079 3.4: SHA1(PasswordHashHash | NTResponse | Magic1), first 16
 * octets. */
void GetMasterKey(const uint8_t password_hash_hash[static MSCHAP_NT_HASH_LEN],
		  const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN],
		  uint8_t master_key[static MSCHAP_MASTER_KEY_LEN]);

/* RFC 3079 3.4: SHA1(MasterKey | SHSpad1 | Magic2 or Magic3 | SHSpad2),
 * first session_key_len (8 or 16) octets. is_send/is_server pick the magic. */
void GetAsymmetricStartKey(const uint8_t master_key[static MSCHAP_MASTER_KEY_LEN],
			   uint8_t *session_key, size_t session_key_len,
			   bool is_send, bool is_server);

/* RFC 3079 3.4 (and 2.4): SHA1(StartKey | SHSpad1 | SessionKey | SHSpad2),
 * first key_len octets. interim_key may alias session_key.
 * key_len <= MSCHAP_START_KEY_LEN. */
void GetNewKeyFromSHA(const uint8_t *start_key, const uint8_t *session_key,
		      size_t key_len, uint8_t *interim_key);

/* RFC 3079 2.4, MS-CHAPv1 128-bit keys: SHA1(NtPasswordHashHash |
 * NtPasswordHashHash | Challenge), first 16 octets. */
void Get_Start_Key(const uint8_t challenge[static MSCHAP_V1_CHALLENGE_LEN],
		   const uint8_t nt_password_hash_hash[static MSCHAP_NT_HASH_LEN],
		   uint8_t initial_session_key[static MSCHAP_START_KEY_LEN]);

enum mschap_role {
	MSCHAP_ROLE_SERVER, /* the authenticator */
	MSCHAP_ROLE_CLIENT, /* the peer */
};

/* MS-CHAPv2: both 16-byte MPPE start keys for one side, from the NT password
 * hash and the peer's NT-Response. The server's send key is the client's
 * receive key and vice versa. For 40/56-bit use, the first 8 octets are the
 * key. */
void mschapv2_start_keys(enum mschap_role role, const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
			 const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN],
			 uint8_t send_key[static MSCHAP_START_KEY_LEN],
			 uint8_t recv_key[static MSCHAP_START_KEY_LEN]);

/* MS-CHAPv1: the MPPE start key, Get_Start_Key over the hash of the NT hash
 * (the 128-bit form, which Linux pppd also uses for 40/56 bits). The same
 * key is used in both directions. */
void mschapv1_start_key(const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
			const uint8_t challenge[static MSCHAP_V1_CHALLENGE_LEN],
			uint8_t key[static MSCHAP_START_KEY_LEN]);

#endif
