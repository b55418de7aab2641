#include "common/gre_txq.h"

#include <stdlib.h>
#include <string.h>

struct gre_txq_pool {
	size_t frame_max;
	unsigned max_bufs;
	struct gre_txbuf *free;
	struct gre_txq_pool_stats st;
};

struct gre_txq_pool *gre_txq_pool_new(size_t frame_max, unsigned max_bufs)
{
	if (frame_max == 0 || frame_max > UINT16_MAX || max_bufs == 0)
		return NULL;
	struct gre_txq_pool *pool = calloc(1, sizeof(*pool));
	if (!pool)
		return NULL;
	pool->frame_max = frame_max;
	pool->max_bufs = max_bufs;
	return pool;
}

void gre_txq_pool_free(struct gre_txq_pool *pool)
{
	if (!pool)
		return;
	struct gre_txbuf *b = pool->free;
	while (b) {
		struct gre_txbuf *next = b->next;
		free(b);
		b = next;
	}
	free(pool);
}

const struct gre_txq_pool_stats *gre_txq_pool_stats(const struct gre_txq_pool *pool)
{
	return &pool->st;
}

size_t gre_txq_pool_frame_max(const struct gre_txq_pool *pool)
{
	return pool->frame_max;
}

bool gre_txq_pool_can_get(const struct gre_txq_pool *pool)
{
	return pool->free || pool->st.allocated < pool->max_bufs;
}

static struct gre_txbuf *buf_get(struct gre_txq_pool *pool)
{
	struct gre_txbuf *b = pool->free;

	if (b) {
		pool->free = b->next;
	} else if (pool->st.allocated < pool->max_bufs &&
		   (b = malloc(sizeof(*b) + pool->frame_max)) != NULL) {
		pool->st.allocated++;
	} else {
		pool->st.exhausted++;
		return NULL;
	}
	pool->st.in_use++;
	return b;
}

static void buf_put(struct gre_txq_pool *pool, struct gre_txbuf *b)
{
	b->next = pool->free;
	pool->free = b;
	pool->st.in_use--;
}

bool gre_txq_push(struct gre_txq *q, struct gre_txq_pool *pool,
		  const uint8_t *data, size_t len)
{
	if (len > pool->frame_max)
		return false;
	struct gre_txbuf *b = buf_get(pool);
	if (!b)
		return false;
	b->next = NULL;
	b->len = (uint16_t)len;
	if (len)
		memcpy(b->data, data, len);
	if (q->tail)
		q->tail->next = b;
	else
		q->head = b;
	q->tail = b;
	q->len++;
	return true;
}

void gre_txq_pop(struct gre_txq *q, struct gre_txq_pool *pool)
{
	struct gre_txbuf *b = q->head;

	if (!b)
		return;
	q->head = b->next;
	if (!q->head)
		q->tail = NULL;
	q->len--;
	buf_put(pool, b);
}

void gre_txq_clear(struct gre_txq *q, struct gre_txq_pool *pool)
{
	/* Bounded: every pop removes one of q->len frames. */
	while (q->head)
		gre_txq_pop(q, pool);
}
