/*
 * MS-CHAP packet contents (RFC 2759 for v2, RFC 2433 for v1): the 49-octet
 * Response value, the Success "S=... M=..." message, the Failure
 * "E= R= C= V= M=" message. Pure functions over caller buffers; the CHAP
 * state machine that uses them is in chap.h, the arithmetic in
 * common/mschap.h.
 */
#ifndef PPTP_COMMON_PPP_CHAP_MS_H
#define PPTP_COMMON_PPP_CHAP_MS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/mschap.h"
#include "common/ppp/chap.h"

#define CHAP_MS_VALUE_LEN    49 /* Response value size, v1 and v2 */
/* Where the parts of a Response value start. */
#define CHAP_MS_V2_RESERVED  16 /* after the Peer-Challenge */
#define CHAP_MS_NT_RESPONSE  24 /* v1 and v2 */
#define CHAP_MS_FLAGS        48 /* v2 Flags, v1 Use-NT flag */
#define CHAP_MS_SUCCESS_MAX  64
#define CHAP_MS_FAILURE_MAX  128
#define CHAP_MS_V2_VERSION   3  /* "V=3" in a v2 Failure (RFC 2759 6) */

/* v2 Response value: Peer-Challenge 16, Reserved 8 (zero when sent, ignored
 * when read), NT-Response 24, Flags 1 (zero when sent, ignored when read). */
void chap_ms_v2_value_encode(uint8_t value[static CHAP_MS_VALUE_LEN],
			     const uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
			     const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN]);
void chap_ms_v2_value_decode(const uint8_t value[static CHAP_MS_VALUE_LEN],
			     uint8_t peer_challenge[static MSCHAP_CHALLENGE_LEN],
			     uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN]);

/* v1 Response value: LM-Response 24 (zero: we never send LM), NT-Response
 * 24, Use-NT flag 1. Decode returns the flag (false: LM only, unusable). */
void chap_ms_v1_value_encode(uint8_t value[static CHAP_MS_VALUE_LEN],
			     const uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN]);
bool chap_ms_v1_value_decode(const uint8_t value[static CHAP_MS_VALUE_LEN],
			     uint8_t nt_response[static MSCHAP_NT_RESPONSE_LEN]);

/* "S=<40 hex> M=<text>"; returns the length written (no NUL), or 0 if out
 * is too small. */
size_t chap_ms_format_success(char *out, size_t cap,
			      const char auth_response[static MSCHAP_AUTH_RESPONSE_LEN],
			      const char *text);
/* Does a v2 Success message carry exactly this authenticator response?
 * "S=" then 40 hex digits (either case) then the end or a space. */
bool chap_ms_check_success(const uint8_t *msg, size_t len,
			   const char expected[static MSCHAP_AUTH_RESPONSE_LEN]);

/* "E=<error> R=<0|1> C=<hex challenge> V=<version>[ M=<text>]"; returns the
 * length written (no NUL), or 0 if out is too small. text NULL: no M=. */
size_t chap_ms_format_failure(char *out, size_t cap, unsigned error, bool retry,
			      const uint8_t *challenge, size_t challenge_len,
			      unsigned version, const char *text);
/* Parse a Failure message: space-separated tokens in any order, unknown or
 * malformed ones skipped, M= runs to the end. challenge_len is the C= length
 * expected (16 for v2, 8 for v1). Never fails: absent tokens are flagged. */
void chap_ms_parse_failure(const uint8_t *msg, size_t len, size_t challenge_len,
			   struct chap_ms_failure *f);

#endif
