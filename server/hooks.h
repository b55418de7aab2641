/*
 * ip-up / ip-down scripts, run without blocking the loop.
 *
 * Who starts them (struct hooks):
 *   direct   this process forks the script (hooks_new_direct): pptpd
 *            running as root (`user root`), and the tests. With an account
 *            given, the child switches to it before exec.
 *   helper   the privileged helper (server/helper.h) forks it: pptpd runs
 *            unprivileged and could neither start a root script nor kill
 *            one; it asks the helper over a socketpair and hears the wait
 *            status back. The helper runs only the configured ip-up and
 *            ip-down paths.
 * Either way the script runs in its own process group, as `hook-user`
 * with that user's groups, in "/"; the completion comes back through a
 * callback with the wait status. A script still running after the time
 * limit gets SIGKILL on its whole process group (logged), and the callback
 * reports timed_out. A script the helper could not start completes with
 * exit status 127.
 *
 * What the script sees, compatible with pppd (pppd(8) "SCRIPTS"; the table
 * with every variable is in docs/operations.md):
 *   argv: interface-name tty-device speed local-IP remote-IP ipparam
 *   env:  IFNAME DEVICE SPEED IPLOCAL IPREMOTE PEERNAME IPPARAM LINKNAME
 *         ORIG_UID PPPLOGNAME, on ip-down also CONNECT_TIME BYTES_SENT
 *         BYTES_RCVD; and ours: PPTP_PEER (the client's public
 *         address:port) and PPTP_CALL_ID;
 *         PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin.
 *         Nothing else of the server's environment is passed on.
 *         ORIG_UID and PPPLOGNAME name who started pptpd (its real user ID,
 *         which the drop of privileges leaves to the helper): root under
 *         systemd, as pppd's are when poptop starts it.
 *   stdin /dev/null; stdout and stderr the server's stderr (the journal
 *   under systemd), so a script's messages are kept without a pipe to
 *   drain; every other descriptor is closed; signal mask empty, SIGPIPE
 *   default; working directory "/".
 *
 * The direct kind needs the default loop (libev delivers child status only
 * there): the server runs on ev_default_loop().
 *
 * Lifetime: struct hooks from hooks_new_*() to hooks_free(), made by
 * main() before the server and freed after it (hooks still waiting then
 * are forgotten; the helper kind also finishes the helper). A struct hook
 * lives from hook_run() until just after its callback returns; it frees
 * itself then. The owner keeps the pointer only to hook_detach() it (when
 * the owner dies first: the script runs on, still under its limit, and
 * nobody is called) or hook_kill() it (SIGKILL now; the callback still
 * comes). Neither may be called after the callback ran.
 */
#ifndef PPTP_SERVER_HOOKS_H
#define PPTP_SERVER_HOOKS_H

#include <ev.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "server/privs.h"

struct hook;
struct hooks;
struct helper;

/* What a script is told about the link. Strings may be NULL (passed as ""). */
struct hook_env {
	const char *ifname;   /* the tun device */
	const char *tty;      /* pppd's tty-device argument */
	unsigned speed;       /* pppd's speed argument */
	uint32_t local;       /* host order */
	uint32_t remote;      /* host order */
	const char *ipparam;
	const char *peername; /* the authenticated user name */
	const char *peer;     /* the client's public address:port */
	unsigned call_id;
	const char *linkname; /* pppd's linkname: "pptp" and the session ID */
	/* PPPLOGNAME: hook_run() fills it in (the caller's is ignored). */
	const char *logname;
	/* ip-down only (down true): the link's totals, pppd's meaning. */
	bool down;
	uint32_t connect_time; /* seconds since the link came up (IPCP) */
	uint64_t bytes_sent;   /* IP bytes sent to the client */
	uint64_t bytes_rcvd;   /* IP bytes received from the client */
};

#define HOOK_LOGNAME_MAX 33

/* The name of this process's real user ID (its number if it has no name):
 * PPPLOGNAME. Looked up once, where struct hooks and the helper start. */
void hook_logname(char out[static HOOK_LOGNAME_MAX]);

/* status is a wait status (WIFEXITED/WEXITSTATUS/WIFSIGNALED...). */
typedef void (*hook_done_fn)(void *arg, int status, bool timed_out);

/* Scripts forked by this process on loop (the default loop), switching to
 * as in the child (NULL: run as this process). as must outlive the hooks.
 * NULL if out of memory. */
struct hooks *hooks_new_direct(struct ev_loop *loop, const struct privs_id *as);
/* Scripts started by the helper (which hooks_free() then finishes: see
 * helper_finish()). NULL if out of memory. */
struct hooks *hooks_new_helper(struct ev_loop *loop, struct helper *helper);
/* After every hook was detached or finished. NULL is fine. */
void hooks_free(struct hooks *hs);

/* Start path for env; limit in seconds (> 0). NULL (logged) if the script
 * could not be started (missing, not executable, out of memory, the helper
 * gone): then done is never called. */
struct hook *hook_run(struct hooks *hs, const char *path, const struct hook_env *env,
		      double limit, hook_done_fn done, void *arg);
/* Forget the callback; the hook finishes and frees itself. */
void hook_detach(struct hook *h);
/* SIGKILL the script's process group now; the callback still comes. */
void hook_kill(struct hook *h);

/* Fork path with pppd's argv and the environment above, in its own process
 * group, switched to as (NULL: unchanged). The pid, or -1 with the reason
 * in err (exec failures included: they are reported back through a pipe
 * before this returns). Used by both kinds of struct hooks. */
pid_t hook_spawn(const char *path, const struct hook_env *env, const struct privs_id *as,
		 char *err, size_t errlen);

#endif
