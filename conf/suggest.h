/*
 * "Did you mean" for unknown names (pptpd.conf keys, pppd options): the
 * nearest known name within a small edit distance, never one that means
 * the opposite of what was written. An operator who typed "refuse-mppe"
 * must not be pointed at "require-mppe", nor "nologfd" at "logfd": a
 * suggestion taken without thinking would turn the setting around.
 *
 * Opposites: the same words but for one "no"/"no-" prefix on a word
 * ("novj" / "vj", "no-mppe" / "mppe"), or one word swapped for its
 * antonym (require/refuse, enable/disable, allow/deny, yes/no, on/off,
 * true/false, with/without, stateful/stateless). Words are separated by
 * '-'.
 *
 * Lifetime: stateless; the result points into the caller's names.
 */
#ifndef PPTP_CONF_SUGGEST_H
#define PPTP_CONF_SUGGEST_H

#include <stdbool.h>
#include <stddef.h>

/* Do a and b say opposite things? */
bool suggest_opposite(const char *a, const char *b);

/* The known name nearest to word (edit distance below 3, ties: the first),
 * leaving out word's opposites; NULL if none. name_at(i) for i < n. */
const char *suggest_name(const char *word, const char *(*name_at)(size_t), size_t n);

#endif
