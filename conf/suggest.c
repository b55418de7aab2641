/*
 * Suggestions for unknown names: edit distance, opposites left out.
 */
#include "conf/suggest.h"

#include <string.h>

#define NAME_MAX_LEN 32

/* Levenshtein distance, or a large number for long strings. */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[NAME_MAX_LEN + 1];

	if (la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static const char *const antonyms[][2] = {
	{ "require", "refuse" }, { "enable", "disable" }, { "allow", "deny" },
	{ "yes", "no" },         { "on", "off" },         { "true", "false" },
	{ "with", "without" },   { "stateful", "stateless" },
};

/* Does the word of a starting at i run to the end or to a '-' after n bytes? */
static bool word_ends(const char *s, size_t n)
{
	return s[n] == '\0' || s[n] == '-';
}

/* One direction: a is b with a negation or an antonym at some word start. */
static bool negates(const char *a, const char *b)
{
	size_t la = strlen(a);

	for (size_t i = 0; i < la; i++) {
		if (i > 0 && a[i - 1] != '-')
			continue;
		if (strncmp(a, b, i) != 0)
			return false; /* the words before differ */
		/* "no-x" or "nox" against "x" */
		if (strncmp(a + i, "no-", 3) == 0 && strcmp(a + i + 3, b + i) == 0)
			return true;
		if (strncmp(a + i, "no", 2) == 0 && a[i + 2] && a[i + 2] != '-' &&
		    strcmp(a + i + 2, b + i) == 0)
			return true;
		for (size_t k = 0; k < sizeof(antonyms) / sizeof(antonyms[0]); k++) {
			for (int d = 0; d < 2; d++) {
				const char *x = antonyms[k][d], *y = antonyms[k][!d];
				size_t lx = strlen(x), ly = strlen(y);
				if (strncmp(a + i, x, lx) == 0 && word_ends(a + i, lx) &&
				    strncmp(b + i, y, ly) == 0 && word_ends(b + i, ly) &&
				    strcmp(a + i + lx, b + i + ly) == 0)
					return true;
			}
		}
	}
	return false;
}

bool suggest_opposite(const char *a, const char *b)
{
	return negates(a, b) || negates(b, a);
}

const char *suggest_name(const char *word, const char *(*name_at)(size_t), size_t n)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < n; i++) {
		const char *name = name_at(i);
		if (!name || suggest_opposite(word, name))
			continue;
		size_t d = edit_distance(word, name);
		if (d < best_d) {
			best_d = d;
			best = name;
		}
	}
	return best;
}
