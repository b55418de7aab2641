#include "server/wtmp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <paths.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <utmp.h>

#include "common/log.h"

static int wtmp_fd = -1;
static int utmp_fd = -1;
static unsigned long utmp_busy; /* utmp records skipped: its lock was held */

static int open_file(const char *path, int flags, const char *what)
{
	struct stat st;
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		log_warn("event=logwtmp-failed file=%s what=%s", path, what);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		log_warnx("event=logwtmp-failed file=%s what=%s reason=not-a-regular-file", path,
			  what);
		close(fd);
		return -1;
	}
	return fd;
}

bool wtmp_open(bool on)
{
	if (!on)
		return true;
	const char *w = getenv("PPTPD_TEST_WTMP"), *u = getenv("PPTPD_TEST_UTMP");
	wtmp_fd = open_file(w ? w : _PATH_WTMP, O_WRONLY | O_APPEND, "wtmp");
	utmp_fd = open_file(u ? u : _PATH_UTMP, O_RDWR, "utmp");
	return wtmp_fd >= 0 && utmp_fd >= 0;
}

static void fill(struct utmp *ut, short type, uint32_t serial)
{
	struct timeval tv;
	char line[sizeof(ut->ut_line) + 1];

	memset(ut, 0, sizeof(*ut));
	ut->ut_type = type;
	ut->ut_pid = getpid();
	int n = snprintf(line, sizeof(line), "pptp%u", serial);
	memcpy(ut->ut_line, line, (size_t)n);
	/* ut_id: the line's last four bytes, as login(1) does. */
	size_t idlen = (size_t)n < sizeof(ut->ut_id) ? (size_t)n : sizeof(ut->ut_id);
	memcpy(ut->ut_id, line + (size_t)n - idlen, idlen);
	gettimeofday(&tv, NULL);
	ut->ut_tv.tv_sec = (int32_t)tv.tv_sec;
	ut->ut_tv.tv_usec = (int32_t)tv.tv_usec;
}

/* utmp: the record of this line is rewritten, else the first free slot,
 * else the record is appended. */
static void put_utmp(const struct utmp *ut)
{
	struct flock lk = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct utmp cur;
	off_t at = -1, free_at = -1, off = 0;

	if (utmp_fd < 0)
		return;
	if (fcntl(utmp_fd, F_SETLK, &lk) != 0) {
		if (utmp_busy++ == 0)
			log_warnx("event=logwtmp-busy file=utmp (records skipped while locked)");
		return;
	}
	/* Bounded by the file's size; a torn last record is overwritten. */
	while (pread(utmp_fd, &cur, sizeof(cur), off) == (ssize_t)sizeof(cur)) {
		if (strncmp(cur.ut_line, ut->ut_line, sizeof(cur.ut_line)) == 0 &&
		    (cur.ut_type == USER_PROCESS || cur.ut_type == DEAD_PROCESS)) {
			at = off;
			break;
		}
		if (free_at < 0 && (cur.ut_type == DEAD_PROCESS || cur.ut_type == EMPTY) &&
		    ut->ut_type == USER_PROCESS)
			free_at = off;
		off += (off_t)sizeof(cur);
	}
	if (at < 0)
		at = free_at >= 0 ? free_at : off;
	if (pwrite(utmp_fd, ut, sizeof(*ut), at) != (ssize_t)sizeof(*ut))
		log_warn("event=logwtmp-failed file=utmp");
	lk.l_type = F_UNLCK;
	fcntl(utmp_fd, F_SETLK, &lk);
}

static void put(const struct utmp *ut)
{
	/* O_APPEND: one write of one record lands whole at the end. */
	if (wtmp_fd >= 0 && write(wtmp_fd, ut, sizeof(*ut)) != (ssize_t)sizeof(*ut))
		log_warn("event=logwtmp-failed file=wtmp");
	put_utmp(ut);
}

void wtmp_login(uint32_t serial, const char *user, uint32_t addr)
{
	struct utmp ut;

	if (wtmp_fd < 0 && utmp_fd < 0)
		return;
	fill(&ut, USER_PROCESS, serial);
	/* Cut to the field's size, as poptop did; not NUL-terminated when full. */
	strncpy(ut.ut_user, user, sizeof(ut.ut_user));
	struct in_addr a = { .s_addr = htonl(addr) };
	inet_ntop(AF_INET, &a, ut.ut_host, sizeof(ut.ut_host));
	memcpy(&ut.ut_addr_v6[0], &a.s_addr, sizeof(a.s_addr));
	put(&ut);
}

void wtmp_logout(uint32_t serial)
{
	struct utmp ut;

	if (wtmp_fd < 0 && utmp_fd < 0)
		return;
	fill(&ut, DEAD_PROCESS, serial);
	put(&ut);
}

void wtmp_close(void)
{
	if (utmp_busy)
		log_notice("event=logwtmp-busy count=%lu", utmp_busy);
	if (wtmp_fd >= 0)
		close(wtmp_fd);
	if (utmp_fd >= 0)
		close(utmp_fd);
	wtmp_fd = utmp_fd = -1;
}
