/* The sd_notify(3) protocol by hand (server/sdnotify.h): WATCHDOG_USEC
 * parsing, a path and an abstract NOTIFY_SOCKET, refused names, and the
 * no-op without NOTIFY_SOCKET. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "server/sdnotify.h"

static void usec_values(void **state)
{
	(void)state;
	uint64_t v = 0;
	assert_true(sdnotify_parse_usec("30000000", &v));
	assert_int_equal(v, 30000000);
	assert_true(sdnotify_parse_usec("18446744073709551615", &v));
	assert_false(sdnotify_parse_usec("18446744073709551616", &v));
	assert_false(sdnotify_parse_usec("0", &v));
	assert_false(sdnotify_parse_usec("", &v));
	assert_false(sdnotify_parse_usec(NULL, &v));
	assert_false(sdnotify_parse_usec("-5", &v));
	assert_false(sdnotify_parse_usec("5s", &v));
	assert_false(sdnotify_parse_usec(" 5", &v));
}

/* A datagram socket at name ("@x": abstract); returns its fd. */
static int manager(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	memcpy(sa.sun_path, name, len);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)), 0);
	return fd;
}

static void expect_msg(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void sends_to(const char *name)
{
	struct sdnotify n;
	int fd = manager(name);
	assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
	assert_int_equal(setenv("WATCHDOG_USEC", "2000000", 1), 0);
	unsetenv("WATCHDOG_PID");
	assert_true(sdnotify_open(&n));
	assert_true(n.fd >= 0);
	assert_int_equal(n.watchdog_usec, 2000000);
	assert_true(sdnotify_send(&n, "READY=1"));
	expect_msg(fd, "READY=1");
	sdnotify_close(&n);
	expect_msg(fd, "STOPPING=1");
	assert_int_equal(n.fd, -1);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
}

static void path_socket(void **state)
{
	(void)state;
	char dir[] = "/tmp/pptpd-test-notify.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof(path), "%s/notify", dir);
	sends_to(path);
	unlink(path);
	rmdir(dir);
}

static void abstract_socket(void **state)
{
	(void)state;
	char name[64];
	snprintf(name, sizeof(name), "@pptpd-test-notify-%ld", (long)getpid());
	sends_to(name);
}

static void watchdog_pid_of_another_process(void **state)
{
	(void)state;
	char name[64], pid[32];
	struct sdnotify n;
	snprintf(name, sizeof(name), "@pptpd-test-wdpid-%ld", (long)getpid());
	int fd = manager(name);
	setenv("NOTIFY_SOCKET", name, 1);
	setenv("WATCHDOG_USEC", "2000000", 1);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_true(sdnotify_open(&n));
	assert_int_equal(n.watchdog_usec, 0);
	sdnotify_close(&n);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_true(sdnotify_open(&n));
	assert_int_equal(n.watchdog_usec, 2000000);
	sdnotify_close(&n);
	close(fd);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void refused_and_absent(void **state)
{
	(void)state;
	struct sdnotify n;
	unsetenv("NOTIFY_SOCKET");
	assert_true(sdnotify_open(&n)); /* not under systemd: nothing to do */
	assert_int_equal(n.fd, -1);
	assert_false(sdnotify_send(&n, "READY=1"));
	sdnotify_close(&n);
	const char *bad[] = { "relative", "@", "/", "/nonexistent-dir/notify" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("NOTIFY_SOCKET", bad[i], 1);
		assert_false(sdnotify_open(&n));
		assert_int_equal(n.fd, -1);
		sdnotify_close(&n);
	}
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(usec_values),
		cmocka_unit_test(path_socket),
		cmocka_unit_test(abstract_socket),
		cmocka_unit_test(watchdog_pid_of_another_process),
		cmocka_unit_test(refused_and_absent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
