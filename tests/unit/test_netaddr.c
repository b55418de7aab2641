/* netaddr: parsing "addr[:port]" and formatting addresses for logs, IPv4
 * and IPv6, with and without the port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/socket.h>

#include "common/netaddr.h"

static void format_round_trip(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	socklen_t sl;
	char s[NETADDR_STRLEN];

	assert_true(netaddr_parse("198.51.100.7:1723", 3799, &ss, &sl));
	netaddr_format(&ss, true, s, sizeof(s));
	assert_string_equal(s, "198.51.100.7:1723");
	netaddr_format(&ss, false, s, sizeof(s));
	assert_string_equal(s, "198.51.100.7");

	assert_true(netaddr_parse("198.51.100.7", 3799, &ss, &sl));
	netaddr_format(&ss, true, s, sizeof(s));
	assert_string_equal(s, "198.51.100.7:3799");

	assert_true(netaddr_parse("[2001:db8::1]:1812", 3799, &ss, &sl));
	netaddr_format(&ss, true, s, sizeof(s));
	assert_string_equal(s, "[2001:db8::1]:1812");
	netaddr_format(&ss, false, s, sizeof(s));
	assert_string_equal(s, "2001:db8::1");
}

static void format_unknown_family(void **state)
{
	(void)state;
	struct sockaddr_storage ss;
	char s[NETADDR_STRLEN];

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	netaddr_format(&ss, true, s, sizeof(s));
	assert_string_equal(s, "-");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_round_trip),
		cmocka_unit_test(format_unknown_family),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
