/* The log escaping rule (common/log.h) and the sink's backstop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* A message longer than the line is cut at 2,047 bytes, still one line
 * with its prefix and its newline, in one write. */
static void long_message_cut_to_one_line(void **state)
{
	(void)state;
	char path[] = "/tmp/pptpd-test-log.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static char msg[3000], buf[4096];
	memset(msg, 'a', sizeof(msg) - 1);
	fflush(stderr);
	int saved = dup(2);
	assert_true(dup2(fd, 2) == 2);
	log_init("t", LOG_LVL_DEBUG);
	log_notice("%s", msg);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	unlink(path);
	assert_int_equal(n, strlen("t: notice: ") + 2047 + 1);
	assert_memory_equal(buf, "t: notice: aaa", 14);
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
}

/* Capture what the sink writes to stderr while fn runs; JOURNAL_STREAM is
 * set to stderr's own device:inode when journal_env, to another inode else
 * (what a child whose stderr was redirected inherits). */
static void capture(bool journal_env, void (*fn)(void), char *buf, size_t size)
{
	char path[] = "/tmp/pptpd-test-log.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	struct stat st;
	assert_int_equal(fstat(fd, &st), 0);
	char env[64];
	snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev,
		 (uintmax_t)st.st_ino + (journal_env ? 0 : 1));
	assert_int_equal(setenv("JOURNAL_STREAM", env, 1), 0);
	fflush(stderr);
	int saved = dup(2);
	assert_true(dup2(fd, 2) == 2);

	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	log_set_target(LOG_TARGET_STDERR);

	memset(buf, 0, size);
	ssize_t n = pread(fd, buf, size - 1, 0);
	close(fd);
	unlink(path);
	assert_true(n > 0);
}

static void log_some_lines(void)
{
	log_init("t", LOG_LVL_DEBUG); /* log_init resolves auto */
	log_errx("a=1");
	log_warnx("b=2");
	log_notice("c=%s", "x\ny");
	log_info("d=4");
	log_debug("e=5");
}

/* Under systemd every line carries its syslog priority for journald. */
static void journal_stream_gets_priority_prefixes(void **state)
{
	(void)state;
	char buf[512];
	capture(true, log_some_lines, buf, sizeof(buf));
	assert_string_equal(buf, "<3>error: a=1\n<4>warning: b=2\n<5>notice: c=x?y\n"
				 "<6>info: d=4\n<7>debug: e=5\n");
}

/* JOURNAL_STREAM inherited by a process whose stderr is elsewhere: plain. */
static void journal_stream_of_another_file_is_ignored(void **state)
{
	(void)state;
	char buf[512];
	capture(false, log_some_lines, buf, sizeof(buf));
	assert_string_equal(buf, "t: error: a=1\nt: warning: b=2\nt: notice: c=x?y\n"
				 "t: info: d=4\nt: debug: e=5\n");
}

static void log_as_journal(void)
{
	log_init("t", LOG_LVL_NOTICE);
	log_set_target(LOG_TARGET_JOURNAL);
	log_warnx("w=1");
	log_set_target(LOG_TARGET_STDERR);
	log_warnx("w=2");
	log_set_target(LOG_TARGET_AUTO);
	log_warnx("w=3");
}

/* `log-target journal` and `stderr` are taken as they are; auto looks. */
static void explicit_targets_win(void **state)
{
	(void)state;
	char buf[512];
	capture(false, log_as_journal, buf, sizeof(buf));
	assert_string_equal(buf, "<4>warning: w=1\nt: warning: w=2\nt: warning: w=3\n");
	capture(true, log_as_journal, buf, sizeof(buf));
	assert_string_equal(buf, "<4>warning: w=1\nt: warning: w=2\n<4>warning: w=3\n");
}

static void syslog_target_is_reported(void **state)
{
	(void)state;
	log_set_target(LOG_TARGET_SYSLOG);
	assert_int_equal(log_get_target(), LOG_TARGET_SYSLOG);
	log_set_target(LOG_TARGET_STDERR);
	assert_int_equal(log_get_target(), LOG_TARGET_STDERR);
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
		cmocka_unit_test(long_message_cut_to_one_line),
		cmocka_unit_test(journal_stream_gets_priority_prefixes),
		cmocka_unit_test(journal_stream_of_another_file_is_ignored),
		cmocka_unit_test(explicit_targets_win),
		cmocka_unit_test(syslog_target_is_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
