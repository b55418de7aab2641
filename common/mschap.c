/*
 * MS-CHAP arithmetic, RFC 2759 section 8 and RFC 2433 appendix A.
 * Function names follow the RFCs.
 */
#include "common/mschap.h"

#include <string.h>

#include "common/crypto.h"

/* Decode one UTF-8 sequence at in[*pos]; strict: no overlong forms, no
 * surrogate code points, nothing above U+10FFFF. */
static bool utf8_next(const uint8_t *in, size_t len, size_t *pos, uint32_t *cp)
{
	size_t i = *pos;
	uint8_t b = in[i];
	uint32_t c, min;
	int more;

	if (b < 0x80) {
		*cp = b;
		*pos = i + 1;
		return true;
	} else if (b >= 0xC2 && b <= 0xDF) {
		c = b & 0x1F;
		more = 1;
		min = 0x80;
	} else if (b >= 0xE0 && b <= 0xEF) {
		c = b & 0x0F;
		more = 2;
		min = 0x800;
	} else if (b >= 0xF0 && b <= 0xF4) {
		c = b & 0x07;
		more = 3;
		min = 0x10000;
	} else {
		return false; /* continuation byte, C0/C1 overlong lead, or F5..FF */
	}
	if (len - i - 1 < (size_t)more)
		return false;
	for (int k = 1; k <= more; k++) {
		uint8_t t = in[i + (size_t)k];
		if ((t & 0xC0) != 0x80)
			return false;
		c = c << 6 | (t & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return false;
	*cp = c;
	*pos = i + 1 + (size_t)more;
	return true;
}

long mschap_utf8_to_utf16le(const char *in, size_t inlen, uint8_t *out, size_t outlen)
{
	const uint8_t *p = (const uint8_t *)in;
	size_t pos = 0, o = 0;

	while (pos < inlen) {
		uint32_t cp;
		if (!utf8_next(p, inlen, &pos, &cp))
			return -1;
		if (cp >= 0x10000) {
			uint32_t v = cp - 0x10000;
			uint16_t hi = (uint16_t)(0xD800 | v >> 10), lo = (uint16_t)(0xDC00 | (v & 0x3FF));
			if (outlen - o < 4)
				return -1;
			out[o++] = (uint8_t)hi;
			out[o++] = (uint8_t)(hi >> 8);
			out[o++] = (uint8_t)lo;
			out[o++] = (uint8_t)(lo >> 8);
		} else {
			if (outlen - o < 2)
				return -1;
			out[o++] = (uint8_t)cp;
			out[o++] = (uint8_t)(cp >> 8);
		}
	}
	return (long)o;
}

bool NtPasswordHash(const char *password_utf8, uint8_t hash[static MSCHAP_NT_HASH_LEN])
{
	uint8_t unicode[MSCHAP_MAX_PASSWORD * 2];
	long n = mschap_utf8_to_utf16le(password_utf8, strlen(password_utf8),
					unicode, sizeof(unicode));
	if (n < 0) {
		crypto_wipe(unicode, sizeof(unicode));
		return false;
	}
	crypto_md4(unicode, (size_t)n, hash);
	crypto_wipe(unicode, sizeof(unicode));
	return true;
}

void HashNtPasswordHash(const uint8_t hash[static MSCHAP_NT_HASH_LEN],
			uint8_t hashhash[static MSCHAP_NT_HASH_LEN])
{
	crypto_md4(hash, MSCHAP_NT_HASH_LEN, hashhash);
}

void ChallengeHash(const uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
		   const uint8_t auth_challenge[static MSCHAP_CHALLENGE_LEN],
		   const char *username, size_t username_len,
		   uint8_t challenge[static MSCHAP_V1_CHALLENGE_LEN])
{
	uint8_t buf[2 * MSCHAP_CHALLENGE_LEN + MSCHAP_MAX_USERNAME];
	uint8_t digest[SHA1_LEN];

	/* RFC 2759 8.2: the user name without any "DOMAIN\" prefix. */
	for (size_t i = username_len; i > 0; i--) {
		if (username[i - 1] == '\\') {
			username += i;
			username_len -= i;
			break;
		}
	}
	if (username_len > MSCHAP_MAX_USERNAME)
		username_len = MSCHAP_MAX_USERNAME; /* see mschap.h */
	memcpy(buf, peer_challenge, MSCHAP_CHALLENGE_LEN);
	memcpy(buf + MSCHAP_CHALLENGE_LEN, auth_challenge, MSCHAP_CHALLENGE_LEN);
	if (username_len)
		memcpy(buf + 2 * MSCHAP_CHALLENGE_LEN, username, username_len);
	crypto_sha1(buf, 2 * MSCHAP_CHALLENGE_LEN + username_len, digest);
	memcpy(challenge, digest, MSCHAP_V1_CHALLENGE_LEN);
}

void ChallengeResponse(const uint8_t challenge[static 8],
		       const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
		       uint8_t response[static MSCHAP_NT_RESPONSE_LEN])
{
	uint8_t z[21] = { 0 };

	memcpy(z, nt_hash, MSCHAP_NT_HASH_LEN);
	crypto_des_encrypt(z, challenge, response);
	crypto_des_encrypt(z + 7, challenge, response + 8);
	crypto_des_encrypt(z + 14, challenge, response + 16);
	crypto_wipe(z, sizeof(z));
}

void GenerateNTResponse(const uint8_t auth_challenge[static MSCHAP_CHALLENGE_LEN],
			const uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
			const char *username, size_t username_len,
			const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
			uint8_t response[static MSCHAP_NT_RESPONSE_LEN])
{
	uint8_t challenge[MSCHAP_V1_CHALLENGE_LEN];

	ChallengeHash(peer_challenge, auth_challenge, username, username_len, challenge);
	ChallengeResponse(challenge, nt_hash, response);
}

/* RFC 2759 8.7 */
static const char magic1[39] = "Magic server to client signing constant";
static const char magic2[41] = "Pad to make it do more than one iteration";

void GenerateAuthenticatorResponse(const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
				   const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN],
				   const uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
				   const uint8_t auth_challenge[static MSCHAP_CHALLENGE_LEN],
				   const char *username, size_t username_len,
				   char out[static MSCHAP_AUTH_RESPONSE_LEN])
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t hashhash[MSCHAP_NT_HASH_LEN];
	uint8_t digest[SHA1_LEN];
	uint8_t challenge[MSCHAP_V1_CHALLENGE_LEN];
	uint8_t buf1[MSCHAP_NT_HASH_LEN + MSCHAP_NT_RESPONSE_LEN + sizeof(magic1)];
	uint8_t buf2[SHA1_LEN + MSCHAP_V1_CHALLENGE_LEN + sizeof(magic2)];

	HashNtPasswordHash(nt_hash, hashhash);
	memcpy(buf1, hashhash, sizeof(hashhash));
	memcpy(buf1 + sizeof(hashhash), nt_response, MSCHAP_NT_RESPONSE_LEN);
	memcpy(buf1 + sizeof(hashhash) + MSCHAP_NT_RESPONSE_LEN, magic1, sizeof(magic1));
	crypto_sha1(buf1, sizeof(buf1), digest);

	ChallengeHash(peer_challenge, auth_challenge, username, username_len, challenge);
	memcpy(buf2, digest, SHA1_LEN);
	memcpy(buf2 + SHA1_LEN, challenge, sizeof(challenge));
	memcpy(buf2 + SHA1_LEN + sizeof(challenge), magic2, sizeof(magic2));
	crypto_sha1(buf2, sizeof(buf2), digest);

	out[0] = 'S';
	out[1] = '=';
	for (size_t i = 0; i < SHA1_LEN; i++) {
		out[2 + 2 * i] = hex[digest[i] >> 4];
		out[3 + 2 * i] = hex[digest[i] & 0x0F];
	}
	crypto_wipe(hashhash, sizeof(hashhash));
	crypto_wipe(buf1, sizeof(buf1));
}

bool mschapv2_verify(const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
		     const uint8_t auth_challenge[static MSCHAP_CHALLENGE_LEN],
		     const uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
		     const char *username, size_t username_len,
		     const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN],
		     char auth_response[MSCHAP_AUTH_RESPONSE_LEN])
{
	uint8_t expected[MSCHAP_NT_RESPONSE_LEN];
	bool ok;

	GenerateNTResponse(auth_challenge, peer_challenge, username, username_len,
			   nt_hash, expected);
	ok = crypto_equal(expected, nt_response, sizeof(expected));
	crypto_wipe(expected, sizeof(expected));
	if (ok && auth_response)
		GenerateAuthenticatorResponse(nt_hash, nt_response, peer_challenge,
					      auth_challenge, username, username_len,
					      auth_response);
	return ok;
}

void mschapv1_nt_response(const uint8_t challenge[static MSCHAP_V1_CHALLENGE_LEN],
			  const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
			  uint8_t response[static MSCHAP_NT_RESPONSE_LEN])
{
	ChallengeResponse(challenge, nt_hash, response);
}

bool mschapv1_verify(const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
		     const uint8_t challenge[static MSCHAP_V1_CHALLENGE_LEN],
		     const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN])
{
	uint8_t expected[MSCHAP_NT_RESPONSE_LEN];
	bool ok;

	ChallengeResponse(challenge, nt_hash, expected);
	ok = crypto_equal(expected, nt_response, sizeof(expected));
	crypto_wipe(expected, sizeof(expected));
	return ok;
}

/* ---- RFC 3079: MPPE keys from MS-CHAP credentials ------------------------ */

#define SHS_PAD_LEN 40

static const uint8_t shs_pad1[SHS_PAD_LEN]; /* 40 x 0x00 */
static const uint8_t shs_pad2[SHS_PAD_LEN] = {
	0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2,
	0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2,
	0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2,
	0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2, 0xF2,
};

/* RFC 3079 3.4 (Magic1..3 there); the string constants without their NUL. */
static const char key_magic1[27] = "This is the MPPE Master Key";
static const char key_magic2[84] =
	"On the client side, this is the send key; on the server side, it is the receive key.";
static const char key_magic3[84] =
	"On the client side, this is the receive key; on the server side, it is the send key.";

void GetMasterKey(const uint8_t password_hash_hash[static MSCHAP_NT_HASH_LEN],
		  const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN],
		  uint8_t master_key[static MSCHAP_MASTER_KEY_LEN])
{
	uint8_t buf[MSCHAP_NT_HASH_LEN + MSCHAP_NT_RESPONSE_LEN + sizeof(key_magic1)];
	uint8_t digest[SHA1_LEN];

	memcpy(buf, password_hash_hash, MSCHAP_NT_HASH_LEN);
	memcpy(buf + MSCHAP_NT_HASH_LEN, nt_response, MSCHAP_NT_RESPONSE_LEN);
	memcpy(buf + MSCHAP_NT_HASH_LEN + MSCHAP_NT_RESPONSE_LEN, key_magic1, sizeof(key_magic1));
	crypto_sha1(buf, sizeof(buf), digest);
	memcpy(master_key, digest, MSCHAP_MASTER_KEY_LEN);
	crypto_wipe(buf, sizeof(buf));
	crypto_wipe(digest, sizeof(digest));
}

void GetAsymmetricStartKey(const uint8_t master_key[static MSCHAP_MASTER_KEY_LEN],
			   uint8_t *session_key, size_t session_key_len,
			   bool is_send, bool is_server)
{
	uint8_t buf[MSCHAP_MASTER_KEY_LEN + SHS_PAD_LEN + sizeof(key_magic2) + SHS_PAD_LEN];
	uint8_t digest[SHA1_LEN];
	const char *s = is_send == is_server ? key_magic3 : key_magic2;

	if (session_key_len > SHA1_LEN)
		session_key_len = SHA1_LEN;
	memcpy(buf, master_key, MSCHAP_MASTER_KEY_LEN);
	memcpy(buf + MSCHAP_MASTER_KEY_LEN, shs_pad1, SHS_PAD_LEN);
	memcpy(buf + MSCHAP_MASTER_KEY_LEN + SHS_PAD_LEN, s, sizeof(key_magic2));
	memcpy(buf + MSCHAP_MASTER_KEY_LEN + SHS_PAD_LEN + sizeof(key_magic2), shs_pad2,
	       SHS_PAD_LEN);
	crypto_sha1(buf, sizeof(buf), digest);
	memcpy(session_key, digest, session_key_len);
	crypto_wipe(buf, sizeof(buf));
	crypto_wipe(digest, sizeof(digest));
}

void GetNewKeyFromSHA(const uint8_t *start_key, const uint8_t *session_key,
		      size_t key_len, uint8_t *interim_key)
{
	uint8_t buf[MSCHAP_START_KEY_LEN + SHS_PAD_LEN + MSCHAP_START_KEY_LEN + SHS_PAD_LEN];
	uint8_t digest[SHA1_LEN];
	size_t n = 0;

	if (key_len > MSCHAP_START_KEY_LEN)
		key_len = MSCHAP_START_KEY_LEN;
	memcpy(buf + n, start_key, key_len);
	n += key_len;
	memcpy(buf + n, shs_pad1, SHS_PAD_LEN);
	n += SHS_PAD_LEN;
	memcpy(buf + n, session_key, key_len);
	n += key_len;
	memcpy(buf + n, shs_pad2, SHS_PAD_LEN);
	n += SHS_PAD_LEN;
	crypto_sha1(buf, n, digest);
	memcpy(interim_key, digest, key_len);
	crypto_wipe(buf, sizeof(buf));
	crypto_wipe(digest, sizeof(digest));
}

void Get_Start_Key(const uint8_t challenge[static MSCHAP_V1_CHALLENGE_LEN],
		   const uint8_t nt_password_hash_hash[static MSCHAP_NT_HASH_LEN],
		   uint8_t initial_session_key[static MSCHAP_START_KEY_LEN])
{
	uint8_t buf[2 * MSCHAP_NT_HASH_LEN + MSCHAP_V1_CHALLENGE_LEN];
	uint8_t digest[SHA1_LEN];

	memcpy(buf, nt_password_hash_hash, MSCHAP_NT_HASH_LEN);
	memcpy(buf + MSCHAP_NT_HASH_LEN, nt_password_hash_hash, MSCHAP_NT_HASH_LEN);
	memcpy(buf + 2 * MSCHAP_NT_HASH_LEN, challenge, MSCHAP_V1_CHALLENGE_LEN);
	crypto_sha1(buf, sizeof(buf), digest);
	memcpy(initial_session_key, digest, MSCHAP_START_KEY_LEN);
	crypto_wipe(buf, sizeof(buf));
	crypto_wipe(digest, sizeof(digest));
}

void mschapv2_start_keys(enum mschap_role role, const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
			 const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN],
			 uint8_t send_key[static MSCHAP_START_KEY_LEN],
			 uint8_t recv_key[static MSCHAP_START_KEY_LEN])
{
	uint8_t hashhash[MSCHAP_NT_HASH_LEN];
	uint8_t master[MSCHAP_MASTER_KEY_LEN];
	bool server = role == MSCHAP_ROLE_SERVER;

	HashNtPasswordHash(nt_hash, hashhash);
	GetMasterKey(hashhash, nt_response, master);
	GetAsymmetricStartKey(master, send_key, MSCHAP_START_KEY_LEN, true, server);
	GetAsymmetricStartKey(master, recv_key, MSCHAP_START_KEY_LEN, false, server);
	crypto_wipe(hashhash, sizeof(hashhash));
	crypto_wipe(master, sizeof(master));
}

void mschapv1_start_key(const uint8_t nt_hash[static MSCHAP_NT_HASH_LEN],
			const uint8_t challenge[static MSCHAP_V1_CHALLENGE_LEN],
			uint8_t key[static MSCHAP_START_KEY_LEN])
{
	uint8_t hashhash[MSCHAP_NT_HASH_LEN];

	HashNtPasswordHash(nt_hash, hashhash);
	Get_Start_Key(challenge, hashhash, key);
	crypto_wipe(hashhash, sizeof(hashhash));
}
