/*
 * Test support: count OpenSSL's allocations, to prove a code path makes none.
 * Call ossl_allocs_install() first thing in main(), before OpenSSL allocates.
 */
#ifndef PPTP_TESTS_OSSL_ALLOCS_H
#define PPTP_TESTS_OSSL_ALLOCS_H

#include <stdbool.h>

bool ossl_allocs_install(void);
/* Allocations (malloc and realloc) OpenSSL made since the install. */
long ossl_allocs(void);

#endif
