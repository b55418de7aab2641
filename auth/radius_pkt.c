/*
 * RADIUS packet codec: writer, parser and iterator, authenticators,
 * Message-Authenticator, User-Password hiding and the MS-MPPE key
 * encryption. See auth/radius_pkt.h for the contract.
 *
 * Every digest here is taken over a list of byte ranges (struct span) rather
 * than over a patched copy of the packet: verifying a packet substitutes the
 * authenticator field and zeroes the Message-Authenticator value by feeding
 * other bytes in their place, so the received buffer is never written and no
 * 4 KiB copy is made. MD5 and HMAC-MD5 come from OpenSSL's default provider;
 * an OpenSSL failure makes the calling function fail (a put fails, a packet
 * does not verify, a key is not returned), never produce a wrong answer.
 */
#include "auth/radius_pkt.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "common/buf.h"
#include "common/crypto.h"

#define MD5_LEN 16
#define VSA_HDR_LEN 6 /* vendor id (4), vendor type (1), vendor length (1) */
#define MPPE_PLAIN_MAX 48 /* key length octet + 32 key octets, padded to 16 */

static const uint8_t zero16[RADIUS_AUTH_LEN];

/* ---- digests over byte ranges ---- */

struct span {
	const void *p;
	size_t n;
};

static bool md5_spans(const struct span *s, size_t count, uint8_t out[static MD5_LEN])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;
	bool ok = c && EVP_DigestInit_ex(c, EVP_md5(), NULL);

	for (size_t i = 0; ok && i < count; i++)
		ok = EVP_DigestUpdate(c, s[i].p, s[i].n);
	ok = ok && EVP_DigestFinal_ex(c, out, &n) && n == MD5_LEN;
	EVP_MD_CTX_free(c); /* cleanses the digest state */
	if (!ok)
		crypto_wipe(out, MD5_LEN);
	return ok;
}

static bool hmac_md5_spans(const struct radius_secret *sec, const struct span *s, size_t count,
			   uint8_t out[static MD5_LEN])
{
	char digest[] = "MD5";
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	EVP_MAC_CTX *c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t n = 0;
	bool ok = c && EVP_MAC_init(c, sec->data, sec->len, params);

	for (size_t i = 0; ok && i < count; i++)
		ok = EVP_MAC_update(c, s[i].p, s[i].n);
	ok = ok && EVP_MAC_final(c, out, &n, MD5_LEN) && n == MD5_LEN;
	EVP_MAC_CTX_free(c); /* cleanses the keyed state */
	EVP_MAC_free(mac);
	if (!ok)
		crypto_wipe(out, MD5_LEN);
	return ok;
}

static bool secret_ok(const struct radius_secret *sec)
{
	return sec && sec->len > 0 && sec->len <= RADIUS_SECRET_MAX;
}

/*
 * The RFC 2865 5.2 / RFC 2548 2.4.2 stream hiding, in place over n octets
 * (a multiple of 16): b(1) = MD5(S + first), b(i) = MD5(S + c(i-1)),
 * c(i) = p(i) xor b(i). first is the request authenticator, followed for
 * the MPPE keys by the salt. decrypt says whether buf holds c (and gets p)
 * or holds p (and gets c); either way the chaining uses the cipher text.
 */
static bool hide_stream(const struct radius_secret *sec, const uint8_t *first, size_t first_len,
			const uint8_t *salt, size_t salt_len, uint8_t *buf, size_t n, bool decrypt)
{
	uint8_t b[MD5_LEN], prev[MD5_LEN];
	bool ok = true;

	for (size_t off = 0; ok && off < n; off += MD5_LEN) {
		if (off == 0) {
			struct span s[] = { { sec->data, sec->len }, { first, first_len },
					    { salt, salt_len } };
			ok = md5_spans(s, salt_len ? 3 : 2, b);
		} else {
			struct span s[] = { { sec->data, sec->len }, { prev, MD5_LEN } };
			ok = md5_spans(s, 2, b);
		}
		for (size_t i = 0; ok && i < MD5_LEN; i++) {
			uint8_t in = buf[off + i];
			buf[off + i] = (uint8_t)(in ^ b[i]);
			prev[i] = decrypt ? in : buf[off + i];
		}
	}
	crypto_wipe(b, sizeof(b));
	crypto_wipe(prev, sizeof(prev));
	return ok;
}

bool radius_secret_set(struct radius_secret *sec, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n > RADIUS_SECRET_MAX)
		return false;
	crypto_wipe(sec, sizeof(*sec));
	memcpy(sec->data, s, n);
	sec->len = n;
	return true;
}

/* ---- writing ---- */

void radius_writer_init(struct radius_writer *w, uint8_t code, uint8_t id, const uint8_t *auth)
{
	w->buf[0] = code;
	w->buf[1] = id;
	store_be16(w->buf + 2, RADIUS_HDR_LEN);
	memcpy(w->buf + 4, auth ? auth : zero16, RADIUS_AUTH_LEN);
	w->len = RADIUS_HDR_LEN;
	w->ma_off = 0;
	w->failed = false;
}

/* Room for an attribute whose value is vlen octets: its start, or NULL
 * (and the writer failed). The type and length octets are written. */
static uint8_t *put_begin(struct radius_writer *w, uint8_t type, size_t vlen)
{
	if (w->failed || vlen == 0 || vlen > RADIUS_ATTR_MAX ||
	    RADIUS_MAX_LEN - w->len < 2 + vlen) {
		w->failed = true;
		return NULL;
	}
	uint8_t *a = w->buf + w->len;
	a[0] = type;
	a[1] = (uint8_t)(2 + vlen);
	w->len += 2 + vlen;
	return a + 2;
}

bool radius_put(struct radius_writer *w, uint8_t type, const void *val, size_t len)
{
	if (!val && len) {
		w->failed = true;
		return false;
	}
	uint8_t *v = put_begin(w, type, len);
	if (!v)
		return false;
	memcpy(v, val, len);
	return true;
}

bool radius_put_str(struct radius_writer *w, uint8_t type, const char *s)
{
	return radius_put(w, type, s, s ? strlen(s) : 0);
}

bool radius_put_u32(struct radius_writer *w, uint8_t type, uint32_t v)
{
	uint8_t b[4];
	store_be32(b, v);
	return radius_put(w, type, b, sizeof(b));
}

bool radius_put_addr(struct radius_writer *w, uint8_t type, struct in_addr addr)
{
	return radius_put(w, type, &addr.s_addr, 4);
}

/* A Vendor-Specific attribute with one sub-attribute of vlen octets; returns
 * where the sub-attribute's value goes. */
static uint8_t *vsa_begin(struct radius_writer *w, uint32_t vendor, uint8_t vtype, size_t vlen)
{
	if (vlen == 0 || vlen > RADIUS_VSA_MAX) {
		w->failed = true;
		return NULL;
	}
	uint8_t *v = put_begin(w, RADIUS_VENDOR_SPECIFIC, VSA_HDR_LEN + vlen);
	if (!v)
		return NULL;
	store_be32(v, vendor);
	v[4] = vtype;
	v[5] = (uint8_t)(2 + vlen);
	return v + VSA_HDR_LEN;
}

bool radius_put_vsa(struct radius_writer *w, uint32_t vendor, uint8_t vtype, const void *val,
		    size_t len)
{
	if (!val && len) {
		w->failed = true;
		return false;
	}
	uint8_t *v = vsa_begin(w, vendor, vtype, len);
	if (!v)
		return false;
	memcpy(v, val, len);
	return true;
}

bool radius_put_ma(struct radius_writer *w)
{
	if (w->ma_off) {
		w->failed = true;
		return false;
	}
	if (!radius_put(w, RADIUS_MESSAGE_AUTHENTICATOR, zero16, RADIUS_AUTH_LEN))
		return false;
	w->ma_off = w->len - RADIUS_AUTH_LEN;
	return true;
}

bool radius_put_user_password(struct radius_writer *w, const struct radius_secret *sec,
			      const uint8_t req_auth[static RADIUS_AUTH_LEN], const void *pw,
			      size_t len)
{
	uint8_t buf[RADIUS_PASSWORD_MAX];
	size_t padded = len <= 16 ? 16 : (len + 15) / 16 * 16;
	bool ok;

	if (w->failed || !secret_ok(sec) || len > RADIUS_PASSWORD_MAX || (!pw && len)) {
		w->failed = true;
		return false;
	}
	memset(buf, 0, padded);
	if (len)
		memcpy(buf, pw, len);
	ok = hide_stream(sec, req_auth, RADIUS_AUTH_LEN, NULL, 0, buf, padded, false) &&
	     radius_put(w, RADIUS_USER_PASSWORD, buf, padded);
	crypto_wipe(buf, sizeof(buf));
	if (!ok)
		w->failed = true;
	return ok;
}

bool radius_put_mppe_key(struct radius_writer *w, uint8_t vtype, const struct radius_secret *sec,
			 const uint8_t req_auth[static RADIUS_AUTH_LEN], uint16_t salt,
			 const uint8_t *key, size_t keylen)
{
	uint8_t plain[MPPE_PLAIN_MAX], salt_b[2];
	size_t padded = (1 + keylen + 15) / 16 * 16;
	bool ok;

	if (w->failed || !secret_ok(sec) || !key || keylen == 0 || keylen > 32) {
		w->failed = true;
		return false;
	}
	store_be16(salt_b, (uint16_t)(salt | 0x8000));
	memset(plain, 0, sizeof(plain));
	plain[0] = (uint8_t)keylen;
	memcpy(plain + 1, key, keylen);
	ok = hide_stream(sec, req_auth, RADIUS_AUTH_LEN, salt_b, 2, plain, padded, false);
	if (ok) {
		uint8_t *v = vsa_begin(w, RADIUS_VENDOR_MICROSOFT, vtype, 2 + padded);
		ok = v != NULL;
		if (ok) {
			memcpy(v, salt_b, 2);
			memcpy(v + 2, plain, padded);
		}
	}
	crypto_wipe(plain, sizeof(plain));
	if (!ok)
		w->failed = true;
	return ok;
}

/* The spans of a packet with the authenticator field replaced by auth and
 * the 16 octets at ma_val (an offset; 0: none) replaced by zeros. s must
 * hold 5 entries; returns how many were used. */
static size_t packet_spans(const uint8_t *pkt, size_t len, const uint8_t *auth, size_t ma_val,
			   struct span *s)
{
	size_t k = 0;

	s[k++] = (struct span){ pkt, 4 };
	s[k++] = (struct span){ auth, RADIUS_AUTH_LEN };
	if (ma_val) {
		s[k++] = (struct span){ pkt + RADIUS_HDR_LEN, ma_val - RADIUS_HDR_LEN };
		s[k++] = (struct span){ zero16, RADIUS_AUTH_LEN };
		s[k++] = (struct span){ pkt + ma_val + RADIUS_AUTH_LEN,
					len - ma_val - RADIUS_AUTH_LEN };
	} else {
		s[k++] = (struct span){ pkt + RADIUS_HDR_LEN, len - RADIUS_HDR_LEN };
	}
	return k;
}

bool radius_finish(struct radius_writer *w, enum radius_sign how, const struct radius_secret *sec,
		   const uint8_t *req_auth)
{
	struct span s[6];
	size_t k;

	if (w->failed || w->len < RADIUS_HDR_LEN || w->len > RADIUS_MAX_LEN || !secret_ok(sec))
		return false;
	switch (how) {
	case RADIUS_SIGN_ACCESS_REQUEST:
		break;
	case RADIUS_SIGN_REQUEST_HASH:
		memset(w->buf + 4, 0, RADIUS_AUTH_LEN);
		break;
	case RADIUS_SIGN_RESPONSE:
		if (!req_auth)
			return false;
		memcpy(w->buf + 4, req_auth, RADIUS_AUTH_LEN);
		break;
	default:
		return false;
	}
	store_be16(w->buf + 2, (uint16_t)w->len);
	if (w->ma_off) {
		memset(w->buf + w->ma_off, 0, RADIUS_AUTH_LEN);
		k = packet_spans(w->buf, w->len, w->buf + 4, 0, s);
		if (!hmac_md5_spans(sec, s, k, w->buf + w->ma_off))
			return false;
	}
	if (how != RADIUS_SIGN_ACCESS_REQUEST) {
		uint8_t digest[MD5_LEN];
		k = packet_spans(w->buf, w->len, w->buf + 4, 0, s);
		s[k++] = (struct span){ sec->data, sec->len };
		if (!md5_spans(s, k, digest))
			return false;
		memcpy(w->buf + 4, digest, RADIUS_AUTH_LEN);
	}
	return true;
}

/* ---- reading ---- */

/* Do type-length-value items, each of length >= 2 (type and length
 * included), tile what is left of r exactly? Consumes r. */
static bool tiles(struct rbuf *r)
{
	while (rbuf_left(r) > 0) {
		uint8_t type, len = 0;
		if (!rbuf_u8(r, &type) || !rbuf_u8(r, &len) || len < 2 || !rbuf_skip(r, len - 2u))
			return false;
	}
	return rbuf_ok(r);
}

bool radius_parse(const uint8_t *buf, size_t n, struct radius_packet *p)
{
	struct rbuf r, attrs;
	uint8_t code = 0, id = 0;
	uint16_t len = 0;

	memset(p, 0, sizeof(*p));
	if (!buf || n < RADIUS_HDR_LEN)
		return false;
	rbuf_init(&r, buf, n);
	rbuf_u8(&r, &code);
	rbuf_u8(&r, &id);
	rbuf_be16(&r, &len);
	rbuf_skip(&r, RADIUS_AUTH_LEN);
	if (!rbuf_ok(&r) || len < RADIUS_HDR_LEN || len > n || len > RADIUS_MAX_LEN)
		return false;
	/* The attributes must tile [20, Length) exactly. */
	if (!rbuf_sub(&r, len - RADIUS_HDR_LEN, &attrs))
		return false;
	if (!tiles(&attrs))
		return false;
	p->raw = buf;
	p->len = len;
	p->code = code;
	p->id = id;
	p->auth = buf + 4;
	return true;
}

void radius_iter_init(struct radius_iter *it, const struct radius_packet *p)
{
	it->p = p;
	it->off = RADIUS_HDR_LEN;
	it->vsa_off = 0;
	it->vsa_end = 0;
	it->vendor = 0;
}

/* A Vendor-Specific value in the RFC 2865 5.26 layout: a vendor id whose
 * high octet is 0 and which is not 0 (else its sub-attributes would pass
 * for standard ones), then at least one sub-attribute, each of length >= 2,
 * tiling the rest exactly. */
static bool vsa_layout_ok(const uint8_t *val, size_t len, uint32_t *vendor)
{
	struct rbuf r;
	uint32_t v = 0;

	rbuf_init(&r, val, len);
	if (!rbuf_be32(&r, &v) || v == 0 || v > 0xFFFFFFu || rbuf_left(&r) == 0)
		return false;
	if (!tiles(&r))
		return false;
	*vendor = v;
	return true;
}

/* The next sub-attribute of the current VSA; false when there is none. */
static bool iter_vsa_next(struct radius_iter *it, struct radius_attr *a)
{
	struct rbuf r;
	uint8_t type = 0, slen = 0;
	const uint8_t *val;

	if (!it->vsa_off || it->vsa_off >= it->vsa_end || it->vsa_end > it->p->len) {
		it->vsa_off = 0;
		return false;
	}
	rbuf_init(&r, it->p->raw + it->vsa_off, it->vsa_end - it->vsa_off);
	if (!rbuf_u8(&r, &type) || !rbuf_u8(&r, &slen) || slen < 2 ||
	    !(val = rbuf_take(&r, slen - 2u))) {
		it->vsa_off = 0;
		return false;
	}
	a->type = type;
	a->vendor = it->vendor;
	a->val = val;
	a->len = slen - 2u;
	it->vsa_off += slen;
	if (it->vsa_off >= it->vsa_end)
		it->vsa_off = 0;
	return true;
}

bool radius_iter_next(struct radius_iter *it, struct radius_attr *a)
{
	struct rbuf r;
	uint8_t type = 0, alen = 0;
	const uint8_t *val;
	uint32_t vendor = 0;

	if (iter_vsa_next(it, a))
		return true;
	if (!it->p || it->off >= it->p->len)
		return false;
	rbuf_init(&r, it->p->raw + it->off, it->p->len - it->off);
	if (!rbuf_u8(&r, &type) || !rbuf_u8(&r, &alen) || alen < 2 ||
	    !(val = rbuf_take(&r, alen - 2u))) {
		it->off = it->p->len; /* not a packet radius_parse() accepted */
		return false;
	}
	it->off += alen;
	if (type == RADIUS_VENDOR_SPECIFIC && vsa_layout_ok(val, alen - 2u, &vendor)) {
		it->vendor = vendor;
		it->vsa_off = (size_t)(val - it->p->raw) + 4;
		it->vsa_end = it->off;
		return iter_vsa_next(it, a);
	}
	a->type = type;
	a->vendor = 0;
	a->val = val;
	a->len = alen - 2u;
	return true;
}

bool radius_find(const struct radius_packet *p, uint32_t vendor, uint8_t type,
		 struct radius_attr *a)
{
	struct radius_iter it;
	struct radius_attr cur;

	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &cur)) {
		if (cur.vendor == vendor && cur.type == type) {
			*a = cur;
			return true;
		}
	}
	return false;
}

size_t radius_count(const struct radius_packet *p, uint32_t vendor, uint8_t type)
{
	struct radius_iter it;
	struct radius_attr cur;
	size_t n = 0;

	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &cur))
		if (cur.vendor == vendor && cur.type == type)
			n++;
	return n;
}

enum radius_eap_result radius_get_eap(const struct radius_packet *p, uint8_t *out,
				      size_t outmax, size_t *len)
{
	struct radius_iter it;
	struct radius_attr cur;
	size_t n = 0;
	bool any = false;

	*len = 0;
	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &cur)) {
		if (cur.vendor != 0 || cur.type != RADIUS_EAP_MESSAGE)
			continue;
		any = true;
		if (cur.len > outmax - n)
			return RADIUS_EAP_TOO_LONG;
		memcpy(out + n, cur.val, cur.len);
		n += cur.len;
	}
	if (!any)
		return RADIUS_EAP_NONE;
	/* RFC 3748 4: Code, Identifier, Length (the whole packet), Data. */
	if (n < 4 || load_be16(out + 2) != n)
		return RADIUS_EAP_MALFORMED;
	*len = n;
	return RADIUS_EAP_OK;
}

const char *radius_eap_result_name(enum radius_eap_result r)
{
	switch (r) {
	case RADIUS_EAP_NONE:
		return "none";
	case RADIUS_EAP_OK:
		return "ok";
	case RADIUS_EAP_TOO_LONG:
		return "too-long";
	case RADIUS_EAP_MALFORMED:
		return "malformed";
	}
	return "unknown";
}

bool radius_attr_u32(const struct radius_attr *a, uint32_t *v)
{
	if (a->len != 4)
		return false;
	*v = load_be32(a->val);
	return true;
}

enum radius_verify_result radius_verify(const struct radius_packet *p, enum radius_sign how,
					const struct radius_secret *sec, const uint8_t *req_auth,
					bool require_ma)
{
	struct radius_iter it;
	struct radius_attr a;
	const uint8_t *auth_in_field; /* what the field held when the sender signed */
	size_t ma_val = 0, n_ma = 0;
	struct span s[6];
	size_t k;
	uint8_t digest[MD5_LEN];

	if (!p || !p->raw || p->len < RADIUS_HDR_LEN || !secret_ok(sec))
		return RADIUS_BAD_AUTHENTICATOR;
	switch (how) {
	case RADIUS_SIGN_ACCESS_REQUEST:
		auth_in_field = p->raw + 4;
		break;
	case RADIUS_SIGN_REQUEST_HASH:
		auth_in_field = zero16;
		break;
	case RADIUS_SIGN_RESPONSE:
		if (!req_auth)
			return RADIUS_BAD_AUTHENTICATOR;
		auth_in_field = req_auth;
		break;
	default:
		return RADIUS_BAD_AUTHENTICATOR;
	}

	radius_iter_init(&it, p);
	while (radius_iter_next(&it, &a)) {
		if (a.vendor != 0 || a.type != RADIUS_MESSAGE_AUTHENTICATOR)
			continue;
		if (++n_ma > 1 || a.len != RADIUS_AUTH_LEN)
			return RADIUS_BAD_MA;
		ma_val = (size_t)(a.val - p->raw);
	}
	if (n_ma == 0 && require_ma)
		return RADIUS_MISSING_MA;

	if (how != RADIUS_SIGN_ACCESS_REQUEST) {
		/* The authenticator covers the Message-Authenticator as sent. */
		k = packet_spans(p->raw, p->len, auth_in_field, 0, s);
		s[k++] = (struct span){ sec->data, sec->len };
		if (!md5_spans(s, k, digest) || !crypto_equal(digest, p->raw + 4, RADIUS_AUTH_LEN))
			return RADIUS_BAD_AUTHENTICATOR;
	}
	if (n_ma == 1) {
		k = packet_spans(p->raw, p->len, auth_in_field, ma_val, s);
		if (!hmac_md5_spans(sec, s, k, digest) ||
		    !crypto_equal(digest, p->raw + ma_val, RADIUS_AUTH_LEN))
			return RADIUS_BAD_MA;
	}
	return RADIUS_OK;
}

const char *radius_verify_name(enum radius_verify_result r)
{
	switch (r) {
	case RADIUS_OK:
		return "ok";
	case RADIUS_BAD_AUTHENTICATOR:
		return "bad-authenticator";
	case RADIUS_BAD_MA:
		return "bad-message-authenticator";
	case RADIUS_MISSING_MA:
		return "missing-message-authenticator";
	}
	return "unknown";
}

bool radius_get_mppe_key(const struct radius_attr *a, const struct radius_secret *sec,
			 const uint8_t req_auth[static RADIUS_AUTH_LEN], uint8_t *key,
			 size_t keymax, size_t *keylen)
{
	uint8_t plain[RADIUS_ATTR_MAX];
	size_t n;
	bool ok;

	if (!a || !a->val || !secret_ok(sec) || a->len < 2 + 16 || (a->len - 2) % 16 != 0 ||
	    a->len - 2 > sizeof(plain) || !(a->val[0] & 0x80))
		return false;
	n = a->len - 2;
	memcpy(plain, a->val + 2, n);
	ok = hide_stream(sec, req_auth, RADIUS_AUTH_LEN, a->val, 2, plain, n, true) &&
	     plain[0] != 0 && plain[0] <= n - 1 && plain[0] <= keymax;
	if (ok) {
		memcpy(key, plain + 1, plain[0]);
		*keylen = plain[0];
	}
	crypto_wipe(plain, sizeof(plain));
	return ok;
}

bool radius_unhide(const struct radius_attr *a, const struct radius_secret *sec,
		   const uint8_t req_auth[static RADIUS_AUTH_LEN], uint8_t *out, size_t outmax)
{
	if (!a || !a->val || !secret_ok(sec) || a->len < 16 || a->len > outmax ||
	    a->len % 16 != 0)
		return false;
	memcpy(out, a->val, a->len);
	if (!hide_stream(sec, req_auth, RADIUS_AUTH_LEN, NULL, 0, out, a->len, true)) {
		crypto_wipe(out, a->len);
		return false;
	}
	return true;
}

bool radius_get_user_password(const struct radius_attr *a, const struct radius_secret *sec,
			      const uint8_t req_auth[static RADIUS_AUTH_LEN],
			      char pw[static RADIUS_PASSWORD_MAX + 1], size_t *len)
{
	uint8_t plain[RADIUS_PASSWORD_MAX];
	size_t n;

	if (!radius_unhide(a, sec, req_auth, plain, sizeof(plain)))
		return false;
	for (n = a->len; n > 0 && plain[n - 1] == 0; n--)
		;
	memcpy(pw, plain, n);
	pw[n] = '\0';
	*len = n;
	crypto_wipe(plain, sizeof(plain));
	return true;
}

const char *radius_code_name(uint8_t code)
{
	switch (code) {
	case RADIUS_ACCESS_REQUEST: return "Access-Request";
	case RADIUS_ACCESS_ACCEPT: return "Access-Accept";
	case RADIUS_ACCESS_REJECT: return "Access-Reject";
	case RADIUS_ACCOUNTING_REQUEST: return "Accounting-Request";
	case RADIUS_ACCOUNTING_RESPONSE: return "Accounting-Response";
	case RADIUS_ACCESS_CHALLENGE: return "Access-Challenge";
	case RADIUS_STATUS_SERVER: return "Status-Server";
	case RADIUS_DISCONNECT_REQUEST: return "Disconnect-Request";
	case RADIUS_DISCONNECT_ACK: return "Disconnect-ACK";
	case RADIUS_DISCONNECT_NAK: return "Disconnect-NAK";
	case RADIUS_COA_REQUEST: return "CoA-Request";
	case RADIUS_COA_ACK: return "CoA-ACK";
	case RADIUS_COA_NAK: return "CoA-NAK";
	}
	return "unknown";
}
