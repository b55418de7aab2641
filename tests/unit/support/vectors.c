/* Reader for tests/unit/data/vectors.txt (format described at its top),
 * shared by the crypto tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "common/crypto.h"
#include "tests/unit/support/vectors.h"

struct vec {
	char label[160];
	uint8_t val[128];
	size_t len;
};
static struct vec vecs[96];
static size_t nvecs;

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Value forms: HEX, "string", or "N x HH" (N copies of one byte). */
static bool parse_value(const char *s, struct vec *v)
{
	unsigned count, byte;
	char x;
	v->len = 0;
	if (*s == '"') {
		const char *end = strchr(s + 1, '"');
		if (!end || (size_t)(end - s - 1) > sizeof(v->val))
			return false;
		v->len = (size_t)(end - s - 1);
		memcpy(v->val, s + 1, v->len);
		return true;
	}
	if (sscanf(s, "%u %c %2x", &count, &x, &byte) == 3 && x == 'x') {
		if (count > sizeof(v->val))
			return false;
		memset(v->val, (int)byte, count);
		v->len = count;
		return true;
	}
	for (; hexval(s[0]) >= 0; s += 2) {
		if (hexval(s[1]) < 0 || v->len == sizeof(v->val))
			return false;
		v->val[v->len++] = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
	}
	return v->len > 0 && (*s == '\0' || *s == ' ' || *s == '\t' || *s == '#');
}

void load_vectors(void)
{
	char line[512];
	FILE *f = fopen(TEST_DATA_DIR "/vectors.txt", "r");
	assert_non_null(f);
	nvecs = 0;
	while (fgets(line, sizeof(line), f)) {
		char *eq, *p, *end;
		line[strcspn(line, "\r\n")] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (*p == '#' || *p == '\0')
			continue;
		eq = strchr(p, '=');
		assert_non_null(eq);
		for (end = eq; end > p && (end[-1] == ' ' || end[-1] == '\t'); end--)
			;
		assert_true(nvecs < sizeof(vecs) / sizeof(vecs[0]));
		struct vec *v = &vecs[nvecs++];
		assert_true((size_t)(end - p) < sizeof(v->label));
		memcpy(v->label, p, (size_t)(end - p));
		v->label[end - p] = '\0';
		for (p = eq + 1; *p == ' ' || *p == '\t'; p++)
			;
		if (!parse_value(p, v))
			fail_msg("vectors.txt: cannot parse the value of %s", v->label);
	}
	fclose(f);
	assert_true(nvecs > 10);
}

/* The value of a label; the test fails if it is missing or of another length. */
const uint8_t *vec(const char *label, size_t len)
{
	for (size_t i = 0; i < nvecs; i++) {
		if (strcmp(vecs[i].label, label) == 0) {
			if (len && vecs[i].len != len)
				fail_msg("vectors.txt: %s has %zu bytes, expected %zu", label,
					 vecs[i].len, len);
			return vecs[i].val;
		}
	}
	fail_msg("vectors.txt: no %s", label);
	return NULL;
}

size_t vec_len(const char *label)
{
	for (size_t i = 0; i < nvecs; i++)
		if (strcmp(vecs[i].label, label) == 0)
			return vecs[i].len;
	fail_msg("vectors.txt: no %s", label);
	return 0;
}

int vectors_setup(void **state)
{
	char err[256];
	(void)state;
	if (!crypto_init(err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	load_vectors();
	return 0;
}

int vectors_teardown(void **state)
{
	(void)state;
	crypto_shutdown();
	return 0;
}
