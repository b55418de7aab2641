/*
 * logwtmp: login and logout records for VPN sessions in wtmp and utmp, as
 * poptop's pppd wrote them, so `last` and `who` show VPN users.
 *
 * A session is the line "pptpN" (N its serial, the session= of its log
 * lines), the user name cut to ut_user's size, the tunnel address as the
 * host. Logout is a DEAD_PROCESS record for the same line, as logwtmp(3)
 * writes it.
 *
 * glibc's updwtmp()/pututline() open the files by name each time, which
 * the daemon cannot once it runs as `user` (wtmp is root:utmp 0664 on
 * Debian and the drop keeps no supplementary group: server/privs.c checks
 * that). So wtmp_open() opens both files as root before the drop (like the
 * notify socket) and the records go to those descriptors in glibc's
 * format: wtmp appended with one write, utmp's slot for the line rewritten
 * in place or appended, under a write lock (never waited for: a busy lock
 * skips the utmp record, counted). Nothing else is kept: two descriptors.
 *
 * Lifetimes: process-wide, opened once at start-up (main.c), closed at
 * exit (wtmp_close()). Without logwtmp nothing is opened and the calls do
 * nothing. For tests only: the environment variables PPTPD_TEST_WTMP and
 * PPTPD_TEST_UTMP name other files (docs/configuration.md, "logwtmp").
 */
#ifndef PPTP_SERVER_WTMP_H
#define PPTP_SERVER_WTMP_H

#include <stdbool.h>
#include <stdint.h>

/* With on: open wtmp and utmp for writing. A file that cannot be opened is
 * logged and skipped (false), the other still used. */
bool wtmp_open(bool on);
/* Session serial, the name it logged in with, its address (host order). */
void wtmp_login(uint32_t serial, const char *user, uint32_t addr);
void wtmp_logout(uint32_t serial);
void wtmp_close(void);

#endif
