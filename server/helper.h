/*
 * The privileged helper: what must stay root once pptpd has dropped to its
 * unprivileged user (server/privs.h).
 *
 * An unprivileged daemon can neither start an ip-up script as root (an
 * ip-up usually adds routes or firewall rules) nor kill one, nor remove a
 * pidfile from a root-owned directory. So, when pptpd will drop its
 * privileges and has hooks or a pidfile to look after, main() forks this
 * helper first, as root, before any socket, tun or file is opened (it
 * holds nothing but stdio and its end of a SOCK_SEQPACKET socketpair), in
 * the manner of OpenBSD's privilege-separated daemons. Asked by the daemon
 * it:
 *   RUN id path env  starts path (only the configured ip-up or ip-down;
 *                    anything else is refused) as `hook-user` with the
 *                    clean environment of server/hooks.h; answers DONE
 *                    with the wait status when it ends, or at once with
 *                    status 127 (started=0) if it could not start;
 *   KILL id          SIGKILLs that script's process group;
 * and when the daemon's end closes (exit, crash) it removes the pidfile if
 * the file still holds the daemon's PID, then exits. It ignores SIGINT,
 * SIGTERM and SIGHUP (a terminal's Ctrl-C reaches it too) so the ip-down
 * scripts of the daemon's shutdown still run. Every message is parsed
 * through common/buf.h readers; at most HELPER_HOOKS_MAX scripts run at
 * once.
 *
 * Lifetime: helper_start() .. helper_finish(), in the daemon; struct
 * hooks (server/hooks.h) reads DONE messages from helper_fd() on the loop.
 */
#ifndef PPTP_SERVER_HELPER_H
#define PPTP_SERVER_HELPER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "conf/config.h"
#include "server/hooks.h"
#include "server/privs.h"

#define HELPER_HOOKS_MAX 1024

struct helper;

/* A script's end, as the helper reports it. */
struct helper_done {
	uint32_t id;
	int status;   /* wait status */
	bool started; /* false: it never ran (status is exit 127) */
};

/* Fork the helper, normally as root; the scripts run as hook_as (NULL: as
 * the helper itself, for tests; else it must outlive the helper's fork,
 * which it does in main()). NULL (logged) on failure. */
struct helper *helper_start(const struct config *cfg, const struct privs_id *hook_as);
/* The daemon's end of the channel (readable: helper_read()). */
int helper_fd(const struct helper *h);
/* Ask for a script; false if the helper is gone. */
bool helper_run(struct helper *h, uint32_t id, const char *path, const struct hook_env *env);
bool helper_kill(struct helper *h, uint32_t id);
/* 1: a report read into d; 0: none waiting; -1: the helper is gone. */
int helper_read(struct helper *h, struct helper_done *d);
/* Close the channel and wait (at most ~2 s) for the helper to remove the
 * pidfile and exit; free. NULL is fine. */
void helper_finish(struct helper *h);

#endif
