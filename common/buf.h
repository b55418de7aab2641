/*
 * Bounds-checked readers and writers for wire formats.
 *
 * Every protocol parser reads through a struct rbuf and every encoder writes
 * through a struct wbuf. A failed read or write returns false and makes the
 * buffer sticky-failed: every later call fails too, so a parser may do a run
 * of reads and test rbuf_ok() once at the end. Nothing here allocates.
 *
 * Lifetime: both structs only borrow the memory they point at.
 */
#ifndef PPTP_COMMON_BUF_H
#define PPTP_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *p;
	size_t len;
	size_t off;
	bool err;
};

struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool err;
};

void rbuf_init(struct rbuf *r, const void *p, size_t len);
static inline size_t rbuf_left(const struct rbuf *r) { return r->err ? 0 : r->len - r->off; }
static inline bool rbuf_ok(const struct rbuf *r) { return !r->err; }
bool rbuf_u8(struct rbuf *r, uint8_t *v);
bool rbuf_be16(struct rbuf *r, uint16_t *v);
bool rbuf_be32(struct rbuf *r, uint32_t *v);
bool rbuf_copy(struct rbuf *r, void *dst, size_t n);
bool rbuf_skip(struct rbuf *r, size_t n);
/* Pointer to the next n bytes, advancing past them; NULL (and sticky) if short. */
const uint8_t *rbuf_take(struct rbuf *r, size_t n);
/* A sub-reader over the next n bytes, advancing past them. */
bool rbuf_sub(struct rbuf *r, size_t n, struct rbuf *sub);
/* Peek without consuming. */
bool rbuf_peek_u8(const struct rbuf *r, size_t at, uint8_t *v);
bool rbuf_peek_be16(const struct rbuf *r, size_t at, uint16_t *v);

void wbuf_init(struct wbuf *w, void *p, size_t cap);
static inline size_t wbuf_room(const struct wbuf *w) { return w->err ? 0 : w->cap - w->len; }
static inline bool wbuf_ok(const struct wbuf *w) { return !w->err; }
bool wbuf_u8(struct wbuf *w, uint8_t v);
bool wbuf_be16(struct wbuf *w, uint16_t v);
bool wbuf_be32(struct wbuf *w, uint32_t v);
bool wbuf_bytes(struct wbuf *w, const void *src, size_t n);
bool wbuf_zero(struct wbuf *w, size_t n);
/* Reserve n bytes and return where they start (to fill in later), or NULL. */
uint8_t *wbuf_reserve(struct wbuf *w, size_t n);
/* Overwrite a big-endian 16-bit value at an offset already written. */
bool wbuf_put_be16_at(struct wbuf *w, size_t at, uint16_t v);

static inline uint16_t load_be16(const uint8_t *p) { return (uint16_t)((unsigned)p[0] << 8 | p[1]); }
static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void store_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

#endif
