#include "common/buf.h"

#include <string.h>

void rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = p ? len : 0;
	r->off = 0;
	r->err = false;
}

static bool rbuf_need(struct rbuf *r, size_t n)
{
	if (r->err || r->len - r->off < n) {
		r->err = true;
		return false;
	}
	return true;
}

bool rbuf_u8(struct rbuf *r, uint8_t *v)
{
	if (!rbuf_need(r, 1))
		return false;
	*v = r->p[r->off++];
	return true;
}

bool rbuf_be16(struct rbuf *r, uint16_t *v)
{
	if (!rbuf_need(r, 2))
		return false;
	*v = load_be16(r->p + r->off);
	r->off += 2;
	return true;
}

bool rbuf_be32(struct rbuf *r, uint32_t *v)
{
	if (!rbuf_need(r, 4))
		return false;
	*v = load_be32(r->p + r->off);
	r->off += 4;
	return true;
}

bool rbuf_copy(struct rbuf *r, void *dst, size_t n)
{
	const uint8_t *src = rbuf_take(r, n);
	if (!src)
		return false;
	if (n)
		memcpy(dst, src, n);
	return true;
}

bool rbuf_skip(struct rbuf *r, size_t n)
{
	return rbuf_take(r, n) != NULL;
}

const uint8_t *rbuf_take(struct rbuf *r, size_t n)
{
	if (!rbuf_need(r, n))
		return NULL;
	const uint8_t *p = r->p + r->off;
	r->off += n;
	return p;
}

bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub)
{
	const uint8_t *p = rbuf_take(r, n);
	if (!p) {
		rbuf_init(sub, NULL, 0);
		sub->err = true;
		return false;
	}
	rbuf_init(sub, p, n);
	return true;
}

bool rbuf_peek_u8(const struct rbuf *r, size_t at, uint8_t *v)
{
	if (r->err || at >= r->len - r->off)
		return false;
	*v = r->p[r->off + at];
	return true;
}

bool rbuf_peek_be16(const struct rbuf *r, size_t at, uint16_t *v)
{
	if (r->err || r->len - r->off < 2 || at > r->len - r->off - 2)
		return false;
	*v = load_be16(r->p + r->off + at);
	return true;
}

void wbuf_init(struct wbuf *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = p ? cap : 0;
	w->len = 0;
	w->err = false;
}

uint8_t *wbuf_reserve(struct wbuf *w, size_t n)
{
	if (w->err || w->cap - w->len < n) {
		w->err = true;
		return NULL;
	}
	uint8_t *p = w->p + w->len;
	w->len += n;
	return p;
}

bool wbuf_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *p = wbuf_reserve(w, 1);
	if (p)
		*p = v;
	return p != NULL;
}

bool wbuf_be16(struct wbuf *w, uint16_t v)
{
	uint8_t *p = wbuf_reserve(w, 2);
	if (p)
		store_be16(p, v);
	return p != NULL;
}

bool wbuf_be32(struct wbuf *w, uint32_t v)
{
	uint8_t *p = wbuf_reserve(w, 4);
	if (p)
		store_be32(p, v);
	return p != NULL;
}

bool wbuf_bytes(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *p = wbuf_reserve(w, n);
	if (p && n)
		memcpy(p, src, n);
	return p != NULL;
}

bool wbuf_zero(struct wbuf *w, size_t n)
{
	uint8_t *p = wbuf_reserve(w, n);
	if (p && n)
		memset(p, 0, n);
	return p != NULL;
}

bool wbuf_put_be16_at(struct wbuf *w, size_t at, uint16_t v)
{
	if (w->err || at > w->len || w->len - at < 2) {
		w->err = true;
		return false;
	}
	store_be16(w->p + at, v);
	return true;
}
