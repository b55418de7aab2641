#include "crypto_group.h"

#include "common/crypto.h"

int crypto_group_setup(void **state)
{
	char err[256];

	(void)state;
	return crypto_init(err, sizeof(err)) ? 0 : -1;
}

int crypto_group_teardown(void **state)
{
	(void)state;
	crypto_shutdown();
	return 0;
}
