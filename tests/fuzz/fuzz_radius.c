/*
 * libFuzzer harness for the RADIUS codec (auth/radius_pkt.c): the input is
 * one received datagram. Whatever radius_parse() accepts is walked
 * attribute by attribute, searched, verified in all three signing modes
 * with a fixed secret and authenticator, and every attribute is offered to
 * the MS-MPPE key and User-Password decoders. Then the attributes are
 * written back through the writer, signed, parsed and verified again: a
 * packet we sign must verify unless it carries a broken
 * Message-Authenticator we copied on purpose. Its EAP-Messages are
 * reassembled as the EAP relay does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/radius_pkt.h"
#include "common/crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t fixed_auth[RADIUS_AUTH_LEN] = {
	0x0f, 0x40, 0x3f, 0x94, 0x73, 0x97, 0x80, 0x57,
	0xbd, 0x83, 0xd5, 0xcb, 0x98, 0xf4, 0x22, 0x7a,
};

static void check_attr(const struct radius_packet *p, const struct radius_attr *a,
		       const struct radius_secret *sec)
{
	uint8_t key[64];
	size_t keylen = 0, pwlen = 0;
	char pw[RADIUS_PASSWORD_MAX + 1];
	uint32_t v;
	struct radius_attr found;

	/* Inside the attributes, and findable. */
	if (a->val < p->raw + RADIUS_HDR_LEN || a->len > p->len ||
	    a->val + a->len > p->raw + p->len)
		abort();
	if (a->len > RADIUS_ATTR_MAX || (a->vendor && a->len > RADIUS_VSA_MAX))
		abort();
	if (!radius_find(p, a->vendor, a->type, &found) || found.vendor != a->vendor ||
	    found.type != a->type || radius_count(p, a->vendor, a->type) == 0)
		abort();
	if (radius_attr_u32(a, &v) != (a->len == 4))
		abort();

	if (radius_get_mppe_key(a, sec, fixed_auth, key, sizeof(key), &keylen) &&
	    (keylen == 0 || keylen > a->len - 3))
		abort();
	if (radius_get_mppe_key(a, sec, p->auth, key, 16, &keylen) && keylen > 16)
		abort();
	if (radius_get_user_password(a, sec, fixed_auth, pw, &pwlen) &&
	    (pwlen > a->len || pw[pwlen] != '\0'))
		abort();
}

/* Write the attributes back, sign them and check the result verifies. */
static void rewrite(const struct radius_packet *p, const struct radius_secret *sec,
		    enum radius_sign how)
{
	static struct radius_writer w;
	struct radius_iter it;
	struct radius_attr a;
	struct radius_packet q;
	bool puts_ok = true, reserved = false, broken_ma = false;

	radius_writer_init(&w, p->code, p->id, p->auth);
	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a)) {
		bool ok;
		if (a.vendor)
			ok = radius_put_vsa(&w, a.vendor, a.type, a.val, a.len);
		else if (a.type == RADIUS_MESSAGE_AUTHENTICATOR && a.len == RADIUS_AUTH_LEN &&
			 !reserved)
			ok = reserved = radius_put_ma(&w);
		else {
			if (a.type == RADIUS_MESSAGE_AUTHENTICATOR)
				broken_ma = true;
			ok = radius_put(&w, a.type, a.val, a.len);
		}
		puts_ok = puts_ok && ok;
	}
	bool fin = radius_finish(&w, how, sec, fixed_auth);
	if (fin != puts_ok || fin != !w.failed)
		abort();
	if (!fin)
		return;
	if (!radius_parse(w.buf, w.len, &q) || q.len != w.len)
		abort();
	enum radius_verify_result r = radius_verify(&q, how, sec, fixed_auth, reserved);
	if (r != (broken_ma ? RADIUS_BAD_MA : RADIUS_OK))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	static struct radius_secret sec;
	static const enum radius_sign modes[] = { RADIUS_SIGN_ACCESS_REQUEST,
						  RADIUS_SIGN_REQUEST_HASH, RADIUS_SIGN_RESPONSE };
	struct radius_packet p;
	struct radius_iter it;
	struct radius_attr a;
	size_t n = 0;

	if (!ready) {
		char err[256];
		if (!crypto_init(err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			abort();
		}
		if (!radius_secret_set(&sec, "xyzzy5461"))
			abort();
		ready = true;
	}
	/* A private copy, so reads past the datagram are caught. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	if (!radius_parse(buf, size, &p)) {
		free(buf);
		return 0;
	}
	if (p.len < RADIUS_HDR_LEN || p.len > size || p.len > RADIUS_MAX_LEN || p.raw != buf ||
	    p.auth != buf + 4 || p.code != buf[0] || p.id != buf[1])
		abort();

	radius_iter_init(&it, &p);
	while (radius_iter_next(&it, &a)) {
		check_attr(&p, &a, &sec);
		if (++n > RADIUS_MAX_LEN)
			abort(); /* each attribute takes at least two octets */
	}
	if (radius_iter_next(&it, &a))
		abort();

	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		enum radius_verify_result strict, lax;
		strict = radius_verify(&p, modes[m], &sec, fixed_auth, true);
		lax = radius_verify(&p, modes[m], &sec, fixed_auth, false);
		/* Requiring the MA can only add the MISSING_MA answer. */
		if (strict != lax && strict != RADIUS_MISSING_MA)
			abort();
		if (strict == RADIUS_OK && lax != RADIUS_OK)
			abort();
		if (!radius_verify_name(strict) || !radius_verify_name(lax))
			abort();
		rewrite(&p, &sec, modes[m]);
	}
	if (!radius_code_name(p.code))
		abort();
	/* EAP-Message reassembly (RFC 3579 3.1): bounded, and one whole packet. */
	static uint8_t eap[1500];
	size_t eap_len = 1;
	enum radius_eap_result er = radius_get_eap(&p, eap, sizeof(eap), &eap_len);
	if ((er == RADIUS_EAP_OK) != (eap_len != 0) || eap_len > sizeof(eap) ||
	    (er == RADIUS_EAP_OK && (eap_len < 4 || ((size_t)eap[2] << 8 | eap[3]) != eap_len)) ||
	    (er == RADIUS_EAP_NONE && radius_count(&p, 0, RADIUS_EAP_MESSAGE)))
		abort();
	free(buf);
	return 0;
}
