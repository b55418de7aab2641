/*
 * MPPE: session keys and packet encryption (RFC 3078), with the exact
 * per-packet rules of the Linux kernel's ppp_mppe, which the stock Linux
 * client uses (see mppe.c). The start keys come from the MS-CHAP
 * credentials (RFC 3079, common/mschap.h).
 *
 * One direction of one session is either a struct mppe_tx (we encrypt) or a
 * struct mppe_rx (we decrypt). Each owns one struct rc4 created by
 * mppe_tx_init()/mppe_rx_init() and released by mppe_tx_free()/mppe_rx_free();
 * nothing allocates in between, so the per-packet calls are safe on the hot
 * path. A state is used by one thread at a time. crypto_init() must have
 * succeeded before any function here is called.
 *
 * Packet layout handled here: the 2-byte MPPE header (flag bits A B C D in
 * the high nibble, then the 12-bit coherency count), followed by the
 * encrypted data, which is the PPP protocol field plus payload. The caller
 * frames the packet (PPP protocol 0x00FD) and handles protocol-field
 * compression after decryption.
 */
#ifndef PPTP_COMMON_PPP_MPPE_H
#define PPTP_COMMON_PPP_MPPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rc4;

#define MPPE_HDR_LEN       2
#define MPPE_KEY_LEN_MAX   16     /* start and session keys are kept in 16 bytes */
#define MPPE_CCOUNT_SPACE  4096   /* the coherency count is 12 bits */

/* Header flag bits (first header octet). */
#define MPPE_BIT_A 0x80 /* FLUSHED: the RC4 table was re-keyed/reset for this packet */
#define MPPE_BIT_B 0x40 /* MPPC only */
#define MPPE_BIT_C 0x20 /* MPPC: compressed (never valid without MPPC) */
#define MPPE_BIT_D 0x10 /* ENCRYPTED */

/* Session key length in octets for a strength of 40, 56 or 128 bits:
 * 8, 8, 16; 0 for anything else. */
size_t mppe_key_len(unsigned bits);

/* Apply RFC 3079's salt: 40-bit keys start D1 26 9E, 56-bit keys start D1;
 * 128-bit keys are untouched. */
void mppe_salt_key(uint8_t *key, unsigned bits);

/* The first session key: GetNewKeyFromSHA(start, start) then the salt
 * (RFC 3079 3.5 examples; what Linux uses before the first packet). Writes
 * mppe_key_len(bits) octets. */
void mppe_initial_session_key(const uint8_t start_key[static MPPE_KEY_LEN_MAX],
			      unsigned bits, uint8_t session_key[static MPPE_KEY_LEN_MAX]);

/* RFC 3078 7.3 key change, updating session_key in place:
 * interim = GetNewKeyFromSHA(start, session); session = RC4(interim, interim);
 * salt. scratch is left keyed with the interim key (callers re-key it). */
void mppe_change_key(struct rc4 *scratch, const uint8_t *start_key,
		     uint8_t *session_key, unsigned bits);

/* ---- Packet path ---- */

/* State shared by both directions (internal; read-only for callers). */
struct mppe_dir {
	struct rc4 *rc4;                   /* owned; keyed with session_key */
	uint8_t start_key[MPPE_KEY_LEN_MAX];
	uint8_t session_key[MPPE_KEY_LEN_MAX];
	size_t key_len;                    /* 8 or 16 */
	unsigned bits;                     /* 40, 56 or 128 */
	bool stateful;
	unsigned ccount;                   /* count of the last packet, 12 bits */
};

struct mppe_tx {
	struct mppe_dir d;
	bool flush_pending;                /* Reset-Request seen: flush next packet */
	uint64_t packets;
	uint64_t rekeys;
};

enum mppe_rx_result {
	MPPE_RX_OK,            /* data decrypted in place */
	MPPE_RX_DROP,          /* malformed or late/duplicate packet: drop it, state unchanged */
	MPPE_RX_RESET_NEEDED,  /* stateful: loss detected; drop it and send a CCP Reset-Request */
	MPPE_RX_DISCARD,       /* stateful: still waiting for a flushed packet; drop it */
	MPPE_RX_FATAL,         /* too many malformed packets (as Linux counts): close the link */
	MPPE_RX_REFUSED,       /* the count jumps too far, or the re-key budget is spent:
				* dropped before any re-key work, state unchanged */
	MPPE_RX_ABUSE,         /* refused again and again for MPPE_ABUSE_MS: close the link */
};

/* What one peer can make the receiver spend on re-keys (see "Re-key
 * budget" in mppe.c). A catch-up re-key is one a packet needs beyond its
 * own: one per lost packet (stateless), one per missed flag packet
 * (stateful resync). */
#define MPPE_RX_MAX_JUMP   1024 /* stateless: largest count step one packet may make */
#define MPPE_REKEY_RATE    2048 /* catch-up re-keys allowed per second, per session */
#define MPPE_REKEY_BURST   2048 /* ... saved up at most (>= MPPE_RX_MAX_JUMP - 1) */
#define MPPE_ABUSE_MS      3000 /* refusals with no pause over 1 s, this long: abuse */

/* The catch-up budget: a token bucket in thousandths of a re-key, and the
 * current run of refusals. Time is passed in (monotonic milliseconds). */
struct mppe_budget {
	uint64_t tokens;                   /* milli-re-keys available */
	uint64_t refill_ms;                /* when tokens were last topped up */
	uint64_t streak_start_ms;          /* first refusal of the current run */
	uint64_t last_refusal_ms;
	bool streak;                       /* a run of refusals is going on */
};

struct mppe_rx {
	struct mppe_dir d;
	bool discard;                      /* stateful: waiting for a flushed packet */
	unsigned sanity_errors;            /* Linux's "bogon factor" */
	struct mppe_budget budget;
	uint64_t packets;                  /* decrypted */
	uint64_t dropped;                  /* MPPE_RX_DROP and MPPE_RX_FATAL */
	uint64_t discarded;                /* MPPE_RX_DISCARD */
	uint64_t resets;                   /* MPPE_RX_RESET_NEEDED */
	uint64_t refused;                  /* MPPE_RX_REFUSED and MPPE_RX_ABUSE */
	uint64_t rekeys;                   /* every re-key, catch-up ones included */
	uint64_t catchup_rekeys;           /* re-keys for lost/missed packets */
	unsigned max_jump;                 /* largest count step refused (for the log) */
};

/* start_key: the 16-byte start key for this direction (first 8 octets used
 * for 40/56 bits). bits: 40, 56 or 128. False if bits is invalid or the RC4
 * context cannot be allocated (then *_free is still safe). */
bool mppe_tx_init(struct mppe_tx *tx, const uint8_t start_key[static MPPE_KEY_LEN_MAX],
		  unsigned bits, bool stateful);
void mppe_tx_free(struct mppe_tx *tx);
/* Encrypts data[0..len) in place (PPP protocol field + payload) and writes
 * the MPPE header into hdr. */
void mppe_tx_encrypt(struct mppe_tx *tx, uint8_t hdr[static MPPE_HDR_LEN],
		     uint8_t *data, size_t len);
/* A CCP Reset-Request arrived (stateful mode): the next packet is re-keyed
 * and carries the FLUSHED bit. Idempotent until that packet is sent. */
void mppe_tx_reset(struct mppe_tx *tx);

bool mppe_rx_init(struct mppe_rx *rx, const uint8_t start_key[static MPPE_KEY_LEN_MAX],
		  unsigned bits, bool stateful);
void mppe_rx_free(struct mppe_rx *rx);
/* Decrypts data[0..len) in place when the result is MPPE_RX_OK; otherwise
 * data is left untouched. now_ms (monotonic) drives the re-key budget; it
 * is read only when a packet needs catch-up re-keys. */
enum mppe_rx_result mppe_rx_decrypt(struct mppe_rx *rx, const uint8_t hdr[static MPPE_HDR_LEN],
				    uint8_t *data, size_t len, uint64_t now_ms);
const char *mppe_rx_result_name(enum mppe_rx_result r);

/* Coherency-count helpers (12-bit serial arithmetic). */
static inline unsigned mppe_ccount(const uint8_t hdr[static MPPE_HDR_LEN])
{
	return (unsigned)(hdr[0] & 0x0F) << 8 | hdr[1];
}
/* Forward distance from a to b modulo 4096. */
static inline unsigned mppe_ccount_diff(unsigned b, unsigned a)
{
	return (b - a) & (MPPE_CCOUNT_SPACE - 1);
}

#endif
