/* Log identity (common/log_id.h): the parts known, in one order, the user
 * name escaped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/log_id.h"

static void every_part_in_order(void **state)
{
	(void)state;
	assert_string_equal(LOG_ID(.peer = "198.51.100.2:1234", .user = "alice", .session = 12,
				   .call = 4711, .ctrl = 3),
			    "ctrl=3 call=4711 session=12 user=alice peer=198.51.100.2:1234");
}

static void only_the_known_parts(void **state)
{
	(void)state;
	assert_string_equal(LOG_ID(.ctrl = 3, .peer = "198.51.100.2:1"),
			    "ctrl=3 peer=198.51.100.2:1");
	assert_string_equal(LOG_ID(.session = 7, .user = ""), "session=7");
	assert_string_equal(LOG_ID(.call = 9), "call=9");
	assert_string_equal(LOG_ID(.user = NULL), "");
}

/* A name a peer chose cannot forge the fields after it. */
static void the_user_is_escaped(void **state)
{
	(void)state;
	assert_string_equal(LOG_ID(.session = 1, .user = "x peer=203.0.113.9", .peer = "p"),
			    "session=1 user=\"x peer=203.0.113.9\" peer=p");
	assert_string_equal(LOG_ID(.user = "a\nb"), "user=\"a\\x0ab\"");
}

/* The longest name fits whole, cut as log_esc() cuts it. */
static void the_largest_identity_fits(void **state)
{
	char name[300];
	char out[LOG_ID_SIZE];
	(void)state;
	memset(name, '"', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	log_id_fmt(out, &(const struct log_id){ .ctrl = 4294967295u, .call = 65535,
						.session = 4294967295u, .user = name,
						.peer = "255.255.255.255:65535" });
	assert_non_null(strstr(out, "\"... peer=255.255.255.255:65535"));
	assert_true(strlen(out) < LOG_ID_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_part_in_order),
		cmocka_unit_test(only_the_known_parts),
		cmocka_unit_test(the_user_is_escaped),
		cmocka_unit_test(the_largest_identity_fits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
