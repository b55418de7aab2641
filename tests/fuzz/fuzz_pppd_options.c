/*
 * libFuzzer target for pppd options files (conf/pppd_options.c): arbitrary
 * bytes through the real word reader and option table. The sink checks
 * what it is given: a line inside the input, a known key, NUL-terminated
 * strings no longer than a word, and an error count that matches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "conf/pppd_options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct count {
	unsigned lines; /* newlines in the input, plus one */
	unsigned errors;
	unsigned calls;
	unsigned refused;
};

static bool f_set(void *ctx, unsigned line, const char *opt, const char *key, const char *value)
{
	struct count *c = ctx;
	if (line == 0 || line > c->lines || !opt || !key || !value || strlen(value) > 1024)
		abort();
	/* refuse every other setting, as a loader with errors would */
	if (++c->calls & 1)
		return true;
	c->refused++;
	return false;
}

static void f_error(void *ctx, unsigned line, const char *msg)
{
	struct count *c = ctx;
	if (line > c->lines || !msg || !*msg)
		abort();
	c->errors++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct count c = { .lines = 1 };
	const struct pppd_options_sink sink = { .ctx = &c, .set = f_set, .error = f_error };

	log_set_level(LOG_LVL_ERR); /* no notice per input */
	for (size_t i = 0; i < size; i++)
		c.lines += data[i] == '\n';
	unsigned n = pppd_options_parse("fuzz", (const char *)data, size, &sink);
	if (n != c.errors + c.refused)
		abort();
	return 0;
}
