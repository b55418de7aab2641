/*
 * Test support: cmocka group setup and teardown for the tests that need
 * OpenSSL's providers (MD4, DES, RC4) loaded once for the whole group.
 */
#ifndef PPTP_TESTS_CRYPTO_GROUP_H
#define PPTP_TESTS_CRYPTO_GROUP_H

/* crypto_init(); -1 (the group fails) if the providers cannot be loaded. */
int crypto_group_setup(void **state);
/* crypto_shutdown(). */
int crypto_group_teardown(void **state);

#endif
