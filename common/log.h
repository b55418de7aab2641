/*
 * Logging: one line per event, "level: key=value ..." style by convention.
 *
 * Values a peer chose (user names, host and vendor names, MS-CHAP M= text,
 * RADIUS Reply-Message, ...) go through log_esc()/LOG_ESC(), one rule for
 * every line (docs/security.md, "Log lines"):
 *   - a value of 1 to LOG_ESC_MAX bytes, each a printable ASCII byte other
 *     than space, '"', '\' and '=', is written as it is;
 *   - anything else is written in double quotes, with '"' as \", '\' as
 *     \\ and every byte below 0x20, 0x7f and above as \xHH; the empty
 *     value is "";
 *   - past LOG_ESC_MAX bytes the value is cut and "..." follows the closing
 *     quote (user="aaaa"...), so a cut value never passes for a whole one.
 * As a backstop the sink itself writes any control byte that still reaches
 * it as '?', so no line can ever hold a line break.
 *
 * The sink (log_set_target(), the `log-target` key):
 *   - stderr: "prog: level: text" lines;
 *   - syslog: syslog(3), facility daemon, levels mapped one to one;
 *   - journal: stderr, each line "<N>level: text" with N the syslog
 *     priority (sd-daemon(3)), which journald reads as the priority of the
 *     line, so `journalctl -p warning` works; the unit names the program;
 *   - auto (the default): journal when stderr is the stream systemd gave
 *     us (JOURNAL_STREAM names stderr's device:inode), else stderr.
 * log_warn/log_err append strerror(errno); the *x variants do not.
 * The level and sink are process-wide settings made once at start-up.
 */
#ifndef PPTP_COMMON_LOG_H
#define PPTP_COMMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

enum log_level {
	LOG_LVL_ERR = 0,
	LOG_LVL_WARN,
	LOG_LVL_NOTICE,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

void log_init(const char *progname, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_use_syslog(bool on);

/* The order is that of the `log-target` key's names (conf/config.c). */
enum log_target {
	LOG_TARGET_AUTO = 0,
	LOG_TARGET_STDERR,
	LOG_TARGET_SYSLOG,
	LOG_TARGET_JOURNAL,
};
/* Choose the sink; AUTO is resolved here, once (log_init() does it too). */
void log_set_target(enum log_target target);
/* The sink in use: STDERR, SYSLOG or JOURNAL, never AUTO. */
enum log_target log_get_target(void);
/* Is stderr the journal stream systemd set up (JOURNAL_STREAM)? */
bool log_stderr_is_journal(void);
/* Parse "error|warning|notice|info|debug"; false if unknown. */
bool log_level_parse(const char *s, enum log_level *out);
const char *log_level_name(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Most bytes of one peer-chosen value that reach a log line. */
#define LOG_ESC_MAX 128
/* Room for the longest escaped value and its NUL. */
#define LOG_ESC_SIZE (2 + 4 * LOG_ESC_MAX + 3 + 1)

/* Escape len bytes at data by the rule above into out; returns out. */
const char *log_esc_n(char out[static LOG_ESC_SIZE], const void *data, size_t len);
/* The same for a NUL-terminated string (NULL is written as ""). */
const char *log_esc(char out[static LOG_ESC_SIZE], const char *s);
/* For one argument of one log call: the buffer lives until the end of the
 * enclosing block. log_notice("user=%s", LOG_ESC(name)); */
#define LOG_ESC(s) log_esc((char[LOG_ESC_SIZE]){ 0 }, (s))
#define LOG_ESC_N(p, n) log_esc_n((char[LOG_ESC_SIZE]){ 0 }, (p), (n))

#define log_errx(...)   log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warnx(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...)   log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)  log_msg(LOG_LVL_DEBUG, __VA_ARGS__)
/* With ": strerror(errno)" appended. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
