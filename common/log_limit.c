#include "common/log_limit.h"

#include <string.h>

void log_limit_init(struct log_limit *l, uint64_t interval_ms)
{
	memset(l, 0, sizeof(*l));
	l->interval_ms = interval_ms;
}

/* A multiplicative hash: addresses of one subnet spread over the table. */
static unsigned slot_of(uint32_t key)
{
	return (unsigned)((key * 2654435761u) >> 24) % LOG_LIMIT_SLOTS;
}

bool log_limit_due(struct log_limit *l, uint32_t key, uint64_t now, uint64_t *suppressed)
{
	unsigned base = slot_of(key);
	struct log_limit_entry *victim = NULL;

	for (unsigned i = 0; i < LOG_LIMIT_WAYS; i++) {
		struct log_limit_entry *e = &l->e[(base + i) % LOG_LIMIT_SLOTS];
		if (e->used && e->key == key) {
			if (now - e->logged_at < l->interval_ms) {
				e->suppressed++;
				return false;
			}
			if (suppressed)
				*suppressed = e->suppressed;
			e->logged_at = now;
			e->suppressed = 0;
			return true;
		}
		/* A free entry, else one whose interval is over, else the oldest. */
		if (!victim || !e->used ||
		    (victim->used && e->logged_at < victim->logged_at))
			victim = e;
	}
	if (suppressed)
		*suppressed = 0;
	victim->used = true;
	victim->key = key;
	victim->logged_at = now;
	victim->suppressed = 0;
	return true;
}
