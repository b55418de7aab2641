#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

static const char *log_prog = "pptpd";
static enum log_level log_level_cur = LOG_LVL_NOTICE;
static bool log_syslog;
static bool log_journal; /* stderr with <N> priority prefixes */

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "error",
	[LOG_LVL_WARN] = "warning",
	[LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

void log_init(const char *progname, enum log_level level)
{
	if (progname)
		log_prog = progname;
	log_level_cur = level;
	log_set_target(LOG_TARGET_AUTO);
}

void log_set_level(enum log_level level) { log_level_cur = level; }
enum log_level log_get_level(void) { return log_level_cur; }

void log_use_syslog(bool on)
{
	if (on && !log_syslog)
		openlog(log_prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else if (!on && log_syslog)
		closelog();
	log_syslog = on;
}

/* systemd sets JOURNAL_STREAM=DEV:INODE for the stream it connects; a
 * child whose stderr was redirected inherits the variable but not the
 * stream, so the device and inode must match stderr's. */
bool log_stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	uintmax_t dev, ino;
	char tail;
	struct stat st;

	if (!v || sscanf(v, "%ju:%ju%c", &dev, &ino, &tail) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) != 0)
		return false;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void log_set_target(enum log_target target)
{
	if (target == LOG_TARGET_AUTO)
		target = log_stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
	log_use_syslog(target == LOG_TARGET_SYSLOG);
	log_journal = target == LOG_TARGET_JOURNAL;
}

enum log_target log_get_target(void)
{
	if (log_syslog)
		return LOG_TARGET_SYSLOG;
	return log_journal ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
}

bool log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcasecmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return true;
		}
	}
	if (strcasecmp(s, "err") == 0 || strcasecmp(s, "warn") == 0) {
		*out = s[0] == 'e' || s[0] == 'E' ? LOG_LVL_ERR : LOG_LVL_WARN;
		return true;
	}
	return false;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level < sizeof(level_names) / sizeof(level_names[0]))
		return level_names[level];
	return "?";
}

/* The backstop: whatever a log call forgot to escape cannot break the line. */
static void scrub(char *line)
{
	for (unsigned char *p = (unsigned char *)line; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static bool bare_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '=';
}

const char *log_esc_n(char out[static LOG_ESC_SIZE], const void *data, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = data;
	size_t n = len > LOG_ESC_MAX ? LOG_ESC_MAX : len;
	bool bare = n > 0 && n == len;
	char *o = out;

	for (size_t i = 0; bare && i < n; i++)
		bare = bare_byte(p[i]);
	if (bare) {
		memcpy(out, p, n);
		out[n] = '\0';
		return out;
	}
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c < 0x20 || c >= 0x7f) {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		} else {
			*o++ = (char)c;
		}
	}
	*o++ = '"';
	if (n < len) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return out;
}

const char *log_esc(char out[static LOG_ESC_SIZE], const char *s)
{
	return log_esc_n(out, s ? s : "", s ? strlen(s) : 0);
}

/* One line, one write(2), as an unbuffered stderr did it, without stdio
 * formatting the line a second time: the prefix goes in front of the
 * message in the same buffer. */
static void write_line(const char *line, size_t len)
{
	for (int tries = 0; len > 0 && tries < 8; tries++) {
		ssize_t n = write(STDERR_FILENO, line, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		line += n;
		len -= (size_t)n;
	}
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	if (level > log_level_cur)
		return;
	enum { PREFIX_MAX = 64, MSG_MAX = 2048 };
	char buf[PREFIX_MAX + MSG_MAX + 1];
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG };
	int pre = 0;
	if (log_journal)
		pre = snprintf(buf, PREFIX_MAX, "<%d>%s: ", prio[level], level_names[level]);
	else if (!log_syslog)
		pre = snprintf(buf, PREFIX_MAX, "%s: %s: ", log_prog, level_names[level]);
	if (pre < 0)
		return;
	if (pre >= PREFIX_MAX)
		pre = PREFIX_MAX - 1; /* a long program name, cut */
	char *line = buf + pre;
	int n = vsnprintf(line, MSG_MAX, fmt, ap);
	if (n < 0)
		return;
	if (n >= MSG_MAX)
		n = MSG_MAX - 1;
	/* Every sink gets the scrubbed line. */
	scrub(line);
	if (log_syslog) {
		syslog(prio[level], "%s", line);
		return;
	}
	line[n] = '\n';
	write_line(buf, (size_t)pre + (size_t)n + 1);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

__attribute__((format(printf, 2, 0)))
static void log_errno(enum log_level level, const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[1536];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_msg(level, "%s: %s", msg, strerror(saved));
	errno = saved;
}

void log_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_errno(LOG_LVL_WARN, fmt, ap);
	va_end(ap);
}

void log_err(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_errno(LOG_LVL_ERR, fmt, ap);
	va_end(ap);
}
