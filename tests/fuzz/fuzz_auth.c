/*
 * libFuzzer harness for the authentication packet layer: arbitrary packets
 * into the CHAP machine (MD5, MS-CHAPv1, MS-CHAPv2) and the PAP machine, in
 * both roles.
 *
 * Input: byte 0 selects the machine (low 3 bits: 0-2 CHAP authenticator
 * MD5/v1/v2, 3-5 CHAP peer MD5/v1/v2, 6 PAP authenticator, 7 PAP peer) and
 * the owner's verdicts (bit 3: accept, bit 4: answer synchronously from the
 * callback, else after the packet). The rest is a sequence of packets, each
 * a one-octet length then that many bytes; a zero length fires the timer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/ppp/chap.h"
#include "common/ppp/pap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct owner {
	struct chap chap;
	struct pap pap;
	bool is_pap;
	bool accept, sync;
	bool pending;
	uint64_t now;
	uint32_t counter;
	size_t sent;
};

static const char fake_s[] = "S=0123456789ABCDEF0123456789ABCDEF01234567";

static void o_send(void *ctx, const uint8_t *pkt, size_t len)
{
	struct owner *o = ctx;
	/* Whatever leaves must be a well-formed packet of its own length. */
	if (len < 4 || ((size_t)pkt[2] << 8 | pkt[3]) != len)
		abort();
	o->sent++;
}

static void o_timer(void *ctx, uint32_t ms)
{
	(void)ctx;
	(void)ms;
}

static void answer(struct owner *o)
{
	o->pending = false;
	if (o->is_pap)
		pap_auth_result(&o->pap, o->accept, o->accept ? "ok" : "no", o->now);
	else
		chap_auth_result(&o->chap, o->accept ? 0 : 691, fake_s, o->now);
}

static void o_chap_response(void *ctx, const struct chap_response_info *r)
{
	struct owner *o = ctx;
	if (r->name_len == 0 || r->name_len > CHAP_NAME_MAX || r->name_sent_len < r->name_len)
		abort();
	o->pending = true;
	if (o->sync)
		answer(o);
}

static void o_pap_request(void *ctx, const struct pap_request_info *r)
{
	struct owner *o = ctx;
	if (r->peer_id_len == 0 || r->peer_id_len > PAP_FIELD_MAX)
		abort();
	o->pending = true;
	if (o->sync)
		answer(o);
}

static bool o_retry(void *ctx, const struct chap_ms_failure *f)
{
	(void)f;
	return ((struct owner *)ctx)->accept;
}

static void o_chap_done(void *ctx, enum chap_outcome oc, unsigned error, const char *why)
{
	(void)ctx;
	(void)oc;
	(void)error;
	(void)why;
}

static void o_pap_done(void *ctx, enum pap_outcome oc, const char *why)
{
	(void)ctx;
	(void)oc;
	(void)why;
}

static bool o_random(void *ctx, void *buf, size_t len)
{
	struct owner *o = ctx;
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(o->counter++ * 37u);
	return true;
}

static const struct chap_callbacks chap_cb = {
	.send = o_send, .set_timer = o_timer, .response = o_chap_response,
	.retry = o_retry, .done = o_chap_done, .random = o_random,
};
static const struct pap_callbacks pap_cb = {
	.send = o_send, .set_timer = o_timer, .request = o_pap_request,
	.done = o_pap_done, .random = o_random,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static const enum chap_algo algos[3] = { CHAP_MD5, CHAP_MSCHAPV1, CHAP_MSCHAPV2 };
	struct owner *o;
	size_t off = 1;

	if (!ready) {
		char err[256];
		if (!crypto_init(err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			abort();
		}
		ready = true;
	}
	if (size < 1)
		return 0;
	o = calloc(1, sizeof(*o));
	if (!o)
		return 0;
	unsigned sel = data[0] & 7;
	o->accept = data[0] & 8;
	o->sync = data[0] & 16;
	if (sel < 6) {
		struct chap_config cfg = {
			.algo = algos[sel % 3],
			.name = sel < 3 ? "pptpd" : "alice",
			.password = "alicePass",
			.max_attempts = 2,
		};
		if (!chap_init(&o->chap, sel < 3 ? CHAP_AUTHENTICATOR : CHAP_PEER, &cfg, &chap_cb, o))
			abort();
		chap_start(&o->chap, 0);
	} else {
		struct pap_config cfg = { .user = "alice", .password = "alicePass", .max_attempts = 2 };
		o->is_pap = true;
		if (!pap_init(&o->pap, sel == 6 ? PAP_AUTHENTICATOR : PAP_PEER, &cfg, &pap_cb, o))
			abort();
		pap_start(&o->pap, 0);
	}
	while (off < size) {
		size_t len = data[off++];
		if (len > size - off)
			len = size - off;
		o->now += 700;
		if (len == 0) {
			if (o->is_pap)
				pap_timeout(&o->pap, o->now);
			else
				chap_timeout(&o->chap, o->now);
			continue;
		}
		/* A private copy, so reads past the packet are caught. */
		uint8_t *pkt = malloc(len);
		if (!pkt)
			break;
		memcpy(pkt, data + off, len);
		off += len;
		if (o->is_pap)
			pap_input(&o->pap, pkt, len, o->now);
		else
			chap_input(&o->chap, pkt, len, o->now);
		free(pkt);
		if (o->pending && !o->sync)
			answer(o);
	}
	if (o->is_pap)
		pap_free(&o->pap);
	else
		chap_free(&o->chap);
	free(o);
	return 0;
}
