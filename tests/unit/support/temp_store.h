/*
 * Test support: a user store path in a fresh temporary directory
 * ($TMPDIR or /tmp), and its removal with SQLite's side files.
 */
#ifndef PPTP_TESTS_TEMP_STORE_H
#define PPTP_TESTS_TEMP_STORE_H

#include <stdbool.h>
#include <stddef.h>

struct temp_store {
	char dir[256];
	char path[300]; /* dir/users.db; not created here */
};

/* name: a prefix for the directory (the test's name). */
bool temp_store_make(struct temp_store *t, const char *name);
/* Remove users.db, its -wal/-shm/-journal files and the directory. */
void temp_store_remove(const struct temp_store *t);
/* The first cap bytes of a file, for before/after comparisons; the count
 * read. Fails the test if the file cannot be opened. */
size_t temp_store_slurp(const char *path, unsigned char *buf, size_t cap);

#endif
