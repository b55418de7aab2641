/*
 * MPPE session keys and packet encryption (RFC 3078; the start keys come
 * from common/mschap.c, RFC 3079).
 *
 * RFC 3078 leaves several things open; the stock Linux client runs the
 * kernel's ppp_mppe, so this file follows that implementation's behaviour,
 * which is:
 *
 * Keys. Each direction has a start key (GetAsymmetricStartKey). The first
 *   session key is GetNewKeyFromSHA(start, start) plus the salt (40-bit keys
 *   begin D1 26 9E, 56-bit keys begin D1) -- the RFC 3079 3.5 examples. A
 *   key change ("re-key") is: interim = GetNewKeyFromSHA(start, session);
 *   session = RC4 of interim under the key interim; salt; RC4 re-keyed with
 *   session. 40- and 56-bit keys are 8 octets, 128-bit keys 16.
 *
 * Coherency count. Both ends start at 4095, so the first packet carries 0.
 *   The sender adds 1 (mod 4096) before every packet.
 *
 * Sender. Re-key before the packet, and set the FLUSHED bit (A), when:
 *   stateless mode (every packet, the first one included), or the packet is
 *   a "flag" packet (low 8 bits of the count are 0xFF), or a CCP
 *   Reset-Request arrived since the last packet. Several Reset-Requests
 *   before the next packet still cause one re-key only. The ENCRYPTED bit
 *   (D) is always set; FLUSHED is NOT set on the first stateful packet even
 *   though the table is fresh (contrary to RFC 3078 3.1). The RC4 state runs
 *   on across packets between re-keys (stateful) -- it is never reset to the
 *   session key without a key change.
 *
 * Receiver, checks first (a failing packet changes nothing but the error
 *   score): D must be set; C must be clear (no MPPC here; Linux does not
 *   check C); stateless packets must have A; stateful flag packets must have
 *   A. Each such error adds 100 to a score, a late packet adds 1, a good
 *   packet halves it; an error that brings the score to 1600 or more is
 *   fatal (Linux then takes the link down).
 *
 * Receiver, stateless: a count more than half the space behind (forward
 *   distance > 2048) is late and dropped. Otherwise re-key once per count
 *   step up to the packet's count, so lost packets are caught up. A packet
 *   with the same count as the last one is dropped too: Linux would decrypt
 *   it with the used-up keystream and pass garbage up; dropping it is what
 *   the sender expects and keeps replays out.
 *
 * Receiver, stateful: normally the count must be exactly last + 1; if not
 *   (loss, duplicate, reordering), enter the discard state: the caller sends
 *   a CCP Reset-Request, and every packet without A is discarded. The
 *   expected count (last good + 1) is kept. The first packet with A ends the
 *   discard state: re-key once for every 256-boundary between the expected
 *   count and the packet's count (the flag packets that were missed), take
 *   the packet's count, then re-key for the packet itself as for any packet
 *   with A. Linux sends one Reset-Request per discard episode; this code
 *   reports MPPE_RX_RESET_NEEDED once and MPPE_RX_DISCARD after that, and the
 *   caller may repeat the request on a timer.
 *
 * Re-key budget (where this file departs from Linux). Catching up costs a
 *   re-key (a SHA-1 and an RC4 set-up, about 1.5 us) per step, and the
 *   count in the header is chosen by the peer before anything can check
 *   the packet: one small stateless packet 2048 ahead costs some 3 ms of
 *   CPU, so a few hundred a second would stall the server's one loop.
 *   Hence, checked before any re-key work, and the packet dropped
 *   (MPPE_RX_REFUSED, state unchanged) when it fails:
 *   - stateless: a packet may be at most MPPE_RX_MAX_JUMP (1024) ahead,
 *     i.e. follow at most 1023 lost packets. Linux accepts anything up to
 *     half the count space (2048); FreeBSD's netgraph MPPE node gives up at
 *     256. A loss run of 1023 frames is a link outage at full rate (a
 *     second at 1000 packets/s); a client that loses more can never be
 *     decrypted again (the keys cannot be skipped), so it loses nothing by
 *     the refusal but the time until the link is dropped.
 *   - stateless and stateful: the catch-up re-keys (ahead - 1 stateless;
 *     one per missed flag packet in a stateful resync, at most 15) come
 *     from a token bucket of MPPE_REKEY_RATE (2048) a second, holding at
 *     most MPPE_REKEY_BURST (2048): some 3 ms of CPU a second per session
 *     at worst. A client losing 10% of 10000 packets a second needs half
 *     of it. The one re-key every stateless packet needs for itself is not
 *     charged: it is the price of any packet, not an amplification.
 *   A peer whose packets keep being refused -- a run of refusals with no
 *   pause over a second, lasting MPPE_ABUSE_MS (3 s) -- gets MPPE_RX_ABUSE:
 *   the caller ends the link. The run counts from the first refusal, so
 *   valid packets in between do not reset it.
 */
#include "common/ppp/mppe.h"

#include <string.h>

#include "common/crypto.h"
#include "common/mschap.h"

#define SANITY_BAD_BITS 100
#define SANITY_LATE 1
#define SANITY_MAX 1600
#define BUDGET_FULL ((uint64_t)MPPE_REKEY_BURST * 1000u) /* milli-re-keys */
#define ABUSE_PAUSE_MS 1000 /* a pause this long between refusals ends a run */

/* Start keys (common/mschap.h) are what this file keys from. */
_Static_assert(MPPE_KEY_LEN_MAX == MSCHAP_START_KEY_LEN, "start key sizes agree");

/* The largest jump allowed must be affordable from a full bucket. */
_Static_assert(MPPE_REKEY_BURST >= MPPE_RX_MAX_JUMP - 1, "burst below the largest jump");

size_t mppe_key_len(unsigned bits)
{
	switch (bits) {
	case 40:
	case 56:
		return 8;
	case 128:
		return 16;
	default:
		return 0;
	}
}

void mppe_salt_key(uint8_t *key, unsigned bits)
{
	if (bits == 40) {
		key[0] = 0xD1;
		key[1] = 0x26;
		key[2] = 0x9E;
	} else if (bits == 56) {
		key[0] = 0xD1;
	}
}

void mppe_initial_session_key(const uint8_t start_key[static MPPE_KEY_LEN_MAX],
			      unsigned bits, uint8_t session_key[static MPPE_KEY_LEN_MAX])
{
	GetNewKeyFromSHA(start_key, start_key, mppe_key_len(bits), session_key);
	mppe_salt_key(session_key, bits);
}

void mppe_change_key(struct rc4 *scratch, const uint8_t *start_key,
		     uint8_t *session_key, unsigned bits)
{
	uint8_t interim[MPPE_KEY_LEN_MAX];
	size_t len = mppe_key_len(bits);

	GetNewKeyFromSHA(start_key, session_key, len, interim);
	rc4_setkey(scratch, interim, len);
	rc4_crypt(scratch, interim, session_key, len);
	mppe_salt_key(session_key, bits);
	crypto_wipe(interim, sizeof(interim));
}

/* ---- per-direction state ---- */

static bool dir_init(struct mppe_dir *d, const uint8_t start_key[static MPPE_KEY_LEN_MAX],
		     unsigned bits, bool stateful)
{
	memset(d, 0, sizeof(*d));
	d->key_len = mppe_key_len(bits);
	if (d->key_len == 0)
		return false;
	d->rc4 = rc4_new();
	if (!d->rc4)
		return false;
	d->bits = bits;
	d->stateful = stateful;
	memcpy(d->start_key, start_key, d->key_len);
	mppe_initial_session_key(d->start_key, bits, d->session_key);
	rc4_setkey(d->rc4, d->session_key, d->key_len);
	d->ccount = MPPE_CCOUNT_SPACE - 1; /* the first packet carries 0 */
	return true;
}

static void dir_free(struct mppe_dir *d)
{
	rc4_free(d->rc4);
	crypto_wipe(d, sizeof(*d));
}

static void dir_rekey(struct mppe_dir *d)
{
	mppe_change_key(d->rc4, d->start_key, d->session_key, d->bits);
	rc4_setkey(d->rc4, d->session_key, d->key_len);
}

bool mppe_tx_init(struct mppe_tx *tx, const uint8_t start_key[static MPPE_KEY_LEN_MAX],
		  unsigned bits, bool stateful)
{
	memset(tx, 0, sizeof(*tx));
	return dir_init(&tx->d, start_key, bits, stateful);
}

void mppe_tx_free(struct mppe_tx *tx)
{
	dir_free(&tx->d);
	memset(tx, 0, sizeof(*tx));
}

void mppe_tx_reset(struct mppe_tx *tx)
{
	tx->flush_pending = true;
}

void mppe_tx_encrypt(struct mppe_tx *tx, uint8_t hdr[static MPPE_HDR_LEN],
		     uint8_t *data, size_t len)
{
	struct mppe_dir *d = &tx->d;
	uint8_t bits = MPPE_BIT_D;

	d->ccount = (d->ccount + 1) % MPPE_CCOUNT_SPACE;
	if (!d->stateful || (d->ccount & 0xFF) == 0xFF || tx->flush_pending) {
		dir_rekey(d);
		tx->rekeys++;
		bits |= MPPE_BIT_A;
		tx->flush_pending = false;
	}
	hdr[0] = (uint8_t)(bits | d->ccount >> 8);
	hdr[1] = (uint8_t)d->ccount;
	rc4_crypt(d->rc4, data, data, len);
	tx->packets++;
}

bool mppe_rx_init(struct mppe_rx *rx, const uint8_t start_key[static MPPE_KEY_LEN_MAX],
		  unsigned bits, bool stateful)
{
	memset(rx, 0, sizeof(*rx));
	rx->budget.tokens = BUDGET_FULL;
	return dir_init(&rx->d, start_key, bits, stateful);
}

void mppe_rx_free(struct mppe_rx *rx)
{
	dir_free(&rx->d);
	memset(rx, 0, sizeof(*rx));
}

static enum mppe_rx_result rx_reject(struct mppe_rx *rx, unsigned score)
{
	rx->dropped++;
	rx->sanity_errors += score;
	return rx->sanity_errors < SANITY_MAX ? MPPE_RX_DROP : MPPE_RX_FATAL;
}

/* Pay for `cost` catch-up re-keys at now; false, and nothing paid, when
 * the bucket does not hold that much. */
static bool budget_take(struct mppe_budget *b, unsigned cost, uint64_t now)
{
	if (now > b->refill_ms) {
		uint64_t dt = now - b->refill_ms;
		if (dt >= BUDGET_FULL / MPPE_REKEY_RATE)
			b->tokens = BUDGET_FULL; /* also keeps dt * rate from overflowing */
		else if ((b->tokens += dt * MPPE_REKEY_RATE) > BUDGET_FULL)
			b->tokens = BUDGET_FULL;
		b->refill_ms = now;
	}
	if (b->tokens < (uint64_t)cost * 1000u)
		return false;
	b->tokens -= (uint64_t)cost * 1000u;
	return true;
}

/* A packet dropped before any re-key work; jump is how far ahead it was. */
static enum mppe_rx_result rx_refuse(struct mppe_rx *rx, unsigned jump, uint64_t now)
{
	struct mppe_budget *b = &rx->budget;

	rx->refused++;
	if (jump > rx->max_jump)
		rx->max_jump = jump;
	if (!b->streak || now - b->last_refusal_ms > ABUSE_PAUSE_MS) {
		b->streak = true;
		b->streak_start_ms = now;
	}
	b->last_refusal_ms = now;
	return now - b->streak_start_ms >= MPPE_ABUSE_MS ? MPPE_RX_ABUSE : MPPE_RX_REFUSED;
}

enum mppe_rx_result mppe_rx_decrypt(struct mppe_rx *rx, const uint8_t hdr[static MPPE_HDR_LEN],
				    uint8_t *data, size_t len, uint64_t now_ms)
{
	struct mppe_dir *d = &rx->d;
	unsigned flags = hdr[0] & 0xF0;
	unsigned ccount = mppe_ccount(hdr);
	bool flushed = flags & MPPE_BIT_A;

	if (len == 0) {
		rx->dropped++;
		return MPPE_RX_DROP;
	}
	if (!(flags & MPPE_BIT_D) || (flags & MPPE_BIT_C) ||
	    (!d->stateful && !flushed) ||
	    (d->stateful && (ccount & 0xFF) == 0xFF && !flushed))
		return rx_reject(rx, SANITY_BAD_BITS);

	if (!d->stateful) {
		unsigned ahead = mppe_ccount_diff(ccount, d->ccount);
		if (ahead == 0 || ahead > MPPE_CCOUNT_SPACE / 2)
			return rx_reject(rx, SANITY_LATE);
		if (ahead > 1) { /* lost packets to catch up on: checked first */
			if (ahead > MPPE_RX_MAX_JUMP || !budget_take(&rx->budget, ahead - 1, now_ms))
				return rx_refuse(rx, ahead, now_ms);
			rx->catchup_rekeys += ahead - 1;
		}
		while (d->ccount != ccount) {
			dir_rekey(d);
			rx->rekeys++;
			d->ccount = (d->ccount + 1) % MPPE_CCOUNT_SPACE;
		}
	} else {
		if (!rx->discard) {
			d->ccount = (d->ccount + 1) % MPPE_CCOUNT_SPACE;
			if (ccount != d->ccount) {
				rx->discard = true;
				rx->resets++;
				return MPPE_RX_RESET_NEEDED;
			}
		} else if (!flushed) {
			rx->discarded++;
			return MPPE_RX_DISCARD;
		} else {
			/* one re-key per flag packet missed (at most 15) */
			unsigned steps = mppe_ccount_diff(ccount & ~0xFFu, d->ccount & ~0xFFu) >> 8;
			if (steps && !budget_take(&rx->budget, steps, now_ms))
				return rx_refuse(rx, mppe_ccount_diff(ccount, d->ccount), now_ms);
			rx->catchup_rekeys += steps;
			while ((ccount & ~0xFFu) != (d->ccount & ~0xFFu)) {
				dir_rekey(d);
				rx->rekeys++;
				d->ccount = (d->ccount + 256) % MPPE_CCOUNT_SPACE;
			}
			rx->discard = false;
			d->ccount = ccount;
		}
		if (flushed) {
			dir_rekey(d);
			rx->rekeys++;
		}
	}
	rc4_crypt(d->rc4, data, data, len);
	rx->sanity_errors >>= 1;
	rx->packets++;
	return MPPE_RX_OK;
}

const char *mppe_rx_result_name(enum mppe_rx_result r)
{
	switch (r) {
	case MPPE_RX_OK:
		return "ok";
	case MPPE_RX_DROP:
		return "drop";
	case MPPE_RX_RESET_NEEDED:
		return "reset-needed";
	case MPPE_RX_DISCARD:
		return "discard";
	case MPPE_RX_FATAL:
		return "fatal";
	case MPPE_RX_REFUSED:
		return "refused";
	case MPPE_RX_ABUSE:
		return "abuse";
	}
	return "?";
}
