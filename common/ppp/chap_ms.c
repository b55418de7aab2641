/*
 * MS-CHAP packet contents, RFC 2759 sections 4-6 and RFC 2433.
 */
#include "common/ppp/chap_ms.h"

#include <stdio.h>
#include <string.h>

_Static_assert(CHAP_MS_VALUE_LEN == CHAP_MS_FLAGS + 1, "the flags end the value");
_Static_assert(CHAP_MS_FLAGS == CHAP_MS_NT_RESPONSE + MSCHAP_NT_RESPONSE_LEN,
	       "NT-Response, then flags");

static const char hexdig[] = "0123456789ABCDEF";

void chap_ms_v2_value_encode(uint8_t value[static CHAP_MS_VALUE_LEN],
			     const uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
			     const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN])
{
	memcpy(value, peer_challenge, MSCHAP_CHALLENGE_LEN);
	memset(value + CHAP_MS_V2_RESERVED, 0, CHAP_MS_NT_RESPONSE - CHAP_MS_V2_RESERVED);
	memcpy(value + CHAP_MS_NT_RESPONSE, nt_response, MSCHAP_NT_RESPONSE_LEN);
	value[CHAP_MS_FLAGS] = 0;
}

void chap_ms_v2_value_decode(const uint8_t value[static CHAP_MS_VALUE_LEN],
			     uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
			     uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN])
{
	memcpy(peer_challenge, value, MSCHAP_CHALLENGE_LEN);
	memcpy(nt_response, value + CHAP_MS_NT_RESPONSE, MSCHAP_NT_RESPONSE_LEN);
}

void chap_ms_v1_value_encode(uint8_t value[static CHAP_MS_VALUE_LEN],
			     const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN])
{
	memset(value, 0, CHAP_MS_NT_RESPONSE); /* LM-Response */
	memcpy(value + CHAP_MS_NT_RESPONSE, nt_response, MSCHAP_NT_RESPONSE_LEN);
	value[CHAP_MS_FLAGS] = 1;
}

bool chap_ms_v1_value_decode(const uint8_t value[static CHAP_MS_VALUE_LEN],
			     uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN])
{
	memcpy(nt_response, value + CHAP_MS_NT_RESPONSE, MSCHAP_NT_RESPONSE_LEN);
	return value[CHAP_MS_FLAGS] == 1;
}

size_t chap_ms_format_success(char *out, size_t cap,
			      const char auth_response[static MSCHAP_AUTH_RESPONSE_LEN],
			      const char *text)
{
	int n = snprintf(out, cap, "%.*s M=%s", MSCHAP_AUTH_RESPONSE_LEN, auth_response, text ? text : "");
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool chap_ms_check_success(const uint8_t *msg, size_t len,
			   const char expected[static MSCHAP_AUTH_RESPONSE_LEN])
{
	if (len < MSCHAP_AUTH_RESPONSE_LEN || msg[0] != 'S' || msg[1] != '=')
		return false;
	if (len > MSCHAP_AUTH_RESPONSE_LEN && msg[MSCHAP_AUTH_RESPONSE_LEN] != ' ')
		return false;
	for (size_t i = 2; i < MSCHAP_AUTH_RESPONSE_LEN; i++) {
		int a = hexval(msg[i]), b = hexval((uint8_t)expected[i]);
		if (a < 0 || a != b)
			return false;
	}
	return true;
}

size_t chap_ms_format_failure(char *out, size_t cap, unsigned error, bool retry,
			      const uint8_t *challenge, size_t challenge_len,
			      unsigned version, const char *text)
{
	char hex[2 * MSCHAP_CHALLENGE_LEN + 1];
	int n;

	if (challenge_len > MSCHAP_CHALLENGE_LEN)
		return 0;
	for (size_t i = 0; i < challenge_len; i++) {
		hex[2 * i] = hexdig[challenge[i] >> 4];
		hex[2 * i + 1] = hexdig[challenge[i] & 0x0F];
	}
	hex[2 * challenge_len] = '\0';
	if (text)
		n = snprintf(out, cap, "E=%u R=%d C=%s V=%u M=%s", error, retry ? 1 : 0,
			     hex, version, text);
	else
		n = snprintf(out, cap, "E=%u R=%d C=%s V=%u", error, retry ? 1 : 0, hex, version);
	if (n < 0 || (size_t)n >= cap)
		return 0;
	return (size_t)n;
}

/* A decimal of at most 9 digits spanning the whole token. */
static bool parse_uint(const uint8_t *p, size_t n, unsigned *out)
{
	unsigned v = 0;
	if (n == 0 || n > 9)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return true;
}

void chap_ms_parse_failure(const uint8_t *msg, size_t len, size_t challenge_len,
			   struct chap_ms_failure *f)
{
	size_t i = 0;

	memset(f, 0, sizeof(*f));
	if (challenge_len > sizeof(f->challenge))
		challenge_len = sizeof(f->challenge);
	while (i < len) {
		while (i < len && msg[i] == ' ')
			i++;
		size_t start = i;
		while (i < len && msg[i] != ' ')
			i++;
		const uint8_t *tok = msg + start;
		size_t tlen = i - start;
		if (tlen < 2 || tok[1] != '=')
			continue;
		const uint8_t *val = tok + 2;
		size_t vlen = tlen - 2;
		unsigned u;
		switch (tok[0]) {
		case 'E':
			if (parse_uint(val, vlen, &u)) {
				f->has_error = true;
				f->error = u;
			}
			break;
		case 'R':
			if (vlen == 1 && (val[0] == '0' || val[0] == '1')) {
				f->has_retry = true;
				f->retry = val[0] == '1';
			}
			break;
		case 'C':
			if (vlen == 2 * challenge_len && challenge_len > 0) {
				bool ok = true;
				for (size_t k = 0; k < challenge_len && ok; k++) {
					int hi = hexval(val[2 * k]), lo = hexval(val[2 * k + 1]);
					if (hi < 0 || lo < 0)
						ok = false;
					else
						f->challenge[k] = (uint8_t)(hi << 4 | lo);
				}
				if (ok) {
					f->has_challenge = true;
					f->challenge_len = challenge_len;
				}
			}
			break;
		case 'V':
			if (parse_uint(val, vlen, &u)) {
				f->has_version = true;
				f->version = u;
			}
			break;
		case 'M':
			/* The text runs to the end of the message, spaces included. */
			f->text = val;
			f->text_len = len - (size_t)(val - msg);
			return;
		default:
			break;
		}
	}
}
