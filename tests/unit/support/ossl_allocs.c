#include "tests/unit/support/ossl_allocs.h"

#include <stdlib.h>

#include <openssl/crypto.h>

static long allocs;

static void *count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	allocs++;
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	allocs++;
	return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

bool ossl_allocs_install(void)
{
	return CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1;
}

long ossl_allocs(void)
{
	return allocs;
}
