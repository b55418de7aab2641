#include "server/sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"

bool sdnotify_parse_usec(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		uint64_t d = (uint64_t)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (v == 0)
		return false;
	*out = v;
	return true;
}

/* WATCHDOG_USEC counts for us unless WATCHDOG_PID names another process
 * (a variable inherited from a parent that was itself watched). */
static uint64_t watchdog_usec(void)
{
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t usec, want;

	if (!sdnotify_parse_usec(getenv("WATCHDOG_USEC"), &usec))
		return 0;
	if (pid && (!sdnotify_parse_usec(pid, &want) || want != (uint64_t)getpid()))
		return 0;
	return usec;
}

bool sdnotify_open(struct sdnotify *n)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t len;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (!path || !*path)
		return true;
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 || len >= sizeof(sa.sun_path)) {
		log_errx("event=notify-failed reason=bad-socket-name notify-socket=%s",
			 LOG_ESC(path));
		return false;
	}
	memcpy(sa.sun_path, path, len);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* abstract: no terminating NUL counts */
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0 || connect(n->fd, (const struct sockaddr *)&sa,
				 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) != 0) {
		log_err("event=notify-failed step=connect notify-socket=%s", LOG_ESC(path));
		if (n->fd >= 0)
			close(n->fd);
		n->fd = -1;
		return false;
	}
	n->watchdog_usec = watchdog_usec();
	return true;
}

bool sdnotify_send(struct sdnotify *n, const char *msg)
{
	if (n->fd < 0)
		return false;
	ssize_t r;
	do
		r = send(n->fd, msg, strlen(msg), MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)strlen(msg))
		return true;
	/* Once per run: a manager that went away would else fill the log. */
	if (n->send_failures++ == 0)
		log_warn("event=notify-failed step=send message=%.16s", msg);
	return false;
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct sdnotify *n = (struct sdnotify *)((char *)w - offsetof(struct sdnotify, watchdog));
	sdnotify_send(n, "WATCHDOG=1");
}

void sdnotify_ready(struct sdnotify *n, struct ev_loop *loop)
{
	if (n->fd < 0)
		return;
	sdnotify_send(n, "READY=1\nSTATUS=accepting calls");
	if (!n->watchdog_usec)
		return;
	double every = (double)n->watchdog_usec / 2e6;
	n->loop = loop;
	ev_timer_init(&n->watchdog, watchdog_cb, every, every);
	ev_timer_start(loop, &n->watchdog);
	log_notice("event=watchdog interval-ms=%llu",
		   (unsigned long long)(n->watchdog_usec / 2000));
}

void sdnotify_close(struct sdnotify *n)
{
	if (n->loop) {
		ev_timer_stop(n->loop, &n->watchdog);
		n->loop = NULL;
	}
	if (n->fd < 0)
		return;
	sdnotify_send(n, "STOPPING=1");
	if (n->send_failures)
		log_notice("event=notify-failures count=%lu", n->send_failures);
	close(n->fd);
	n->fd = -1;
}
