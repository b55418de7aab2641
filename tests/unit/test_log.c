/* The log escaping rule (common/log.h) and the sink's backstop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/log.h"

static void plain_names_stay_bare(void **state)
{
	(void)state;
	assert_string_equal(LOG_ESC("alice"), "alice");
	assert_string_equal(LOG_ESC("DOMAIN/alice@example.org"), "DOMAIN/alice@example.org");
	assert_string_equal(LOG_ESC("a-b_c.d~1"), "a-b_c.d~1");
}

static void empty_and_null_are_quoted(void **state)
{
	(void)state;
	assert_string_equal(LOG_ESC(""), "\"\"");
	assert_string_equal(LOG_ESC(NULL), "\"\"");
}

static void separators_force_quotes(void **state)
{
	(void)state;
	assert_string_equal(LOG_ESC("two words"), "\"two words\"");
	assert_string_equal(LOG_ESC("user=admin"), "\"user=admin\"");
	assert_string_equal(LOG_ESC("say \"hi\""), "\"say \\\"hi\\\"\"");
	assert_string_equal(LOG_ESC("b\\alice"), "\"b\\\\alice\"");
}

/* The attack of issue 10: a name that would start a second, forged line. */
static void line_breaks_cannot_forge_a_line(void **state)
{
	(void)state;
	const char *evil = "x\npptpd: notice: session=1 user=admin event=session-up\r";
	const char *out = LOG_ESC(evil);
	assert_null(strchr(out, '\n'));
	assert_null(strchr(out, '\r'));
	assert_string_equal(out,
			    "\"x\\x0apptpd: notice: session=1 user=admin event=session-up\\x0d\"");
}

static void control_and_high_bytes_are_hex(void **state)
{
	(void)state;
	const unsigned char raw[] = { 'a', 0x00, 0x1b, 0x7f, 0xc3, 0xa9, 'z' };
	assert_string_equal(LOG_ESC_N(raw, sizeof(raw)), "\"a\\x00\\x1b\\x7f\\xc3\\xa9z\"");
}

static void long_values_are_cut_and_marked(void **state)
{
	(void)state;
	char name[LOG_ESC_MAX + 2];
	memset(name, 'a', LOG_ESC_MAX);
	name[LOG_ESC_MAX] = '\0';
	/* exactly the limit: whole and bare */
	assert_string_equal(LOG_ESC(name), name);

	name[LOG_ESC_MAX] = 'b';
	name[LOG_ESC_MAX + 1] = '\0';
	const char *out = LOG_ESC(name);
	assert_int_equal(strlen(out), 2 + LOG_ESC_MAX + 3);
	assert_int_equal(out[0], '"');
	assert_null(strchr(out, 'b'));
	assert_string_equal(out + 1 + LOG_ESC_MAX, "\"...");

	/* the worst case fills the buffer exactly */
	char worst[300];
	memset(worst, 0x01, sizeof(worst) - 1);
	worst[sizeof(worst) - 1] = '\0';
	assert_int_equal(strlen(LOG_ESC(worst)), LOG_ESC_SIZE - 1);
}

/* Whatever a log call forgot to escape never reaches the sink as a control byte. */
static void sink_scrubs_control_bytes(void **state)
{
	(void)state;
	char path[] = "/tmp/pptpd-test-log.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	fflush(stderr);
	int saved = dup(2);
	assert_true(dup2(fd, 2) == 2);

	log_init("t", LOG_LVL_DEBUG);
	log_notice("user=%s event=x", "evil\nt: notice: user=admin event=session-up");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);

	char buf[512] = { 0 };
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
	/* one line, ending in its own newline */
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
	assert_string_equal(buf,
			    "t: notice: user=evil?t: notice: user=admin event=session-up event=x\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_names_stay_bare),
		cmocka_unit_test(empty_and_null_are_quoted),
		cmocka_unit_test(separators_force_quotes),
		cmocka_unit_test(line_breaks_cannot_forge_a_line),
		cmocka_unit_test(control_and_high_bytes_are_hex),
		cmocka_unit_test(long_values_are_cut_and_marked),
		cmocka_unit_test(sink_scrubs_control_bytes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
