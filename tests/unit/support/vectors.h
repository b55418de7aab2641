/*
 * Test support: the published MS-CHAPv2/MPPE vectors in
 * tests/unit/data/vectors.txt, looked up by label. Values are HEX, "string"
 * or "N x HH". A missing label or a wrong length fails the running test.
 */
#ifndef PPTP_TESTS_VECTORS_H
#define PPTP_TESTS_VECTORS_H

#include <stddef.h>
#include <stdint.h>

/* Parse the file; call from a setup function before vec(). */
void load_vectors(void);
/* cmocka group setup/teardown: crypto_init() and load_vectors(), and back. */
int vectors_setup(void **state);
int vectors_teardown(void **state);
/* The value of a label; with len != 0 the test fails unless it has len bytes. */
const uint8_t *vec(const char *label, size_t len);
size_t vec_len(const char *label);

#endif
