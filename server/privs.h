/*
 * Privileges: who pptpd runs as once its privileged set-up is done.
 *
 * Start-up order (server/main.c), as root:
 *   privs_resolve()    the accounts of `user`, `group` and `hook-user`
 *   privs_prepare_dir()    each state file's directory made (0700, owned
 *                      by the run user) when missing
 *   privs_prepare_files()  the file and its SQLite siblings, when present,
 *                      owned by the run user, 0600 (after the start-up
 *                      check of the user store, which may create it)
 *   ... the privileged helper forked (server/helper.h), the GRE socket,
 *   the listeners, tun and its routes, the netlink sockets, the DAE socket,
 *   RADIUS files read, the pidfile written ...
 *   privs_drop()       setgroups(none), setgid, setuid to the run user,
 *                      keeping CAP_NET_ADMIN (routes, proxy ARP entries,
 *                      tun's routes and address removed at exit) in the
 *                      effective and permitted sets and nothing else;
 *                      the bounding and ambient sets cleared and
 *                      no-new-privs set. It must run before any thread
 *                      exists (capabilities are per thread): the SQLite
 *                      worker and the accounting spool thread are started
 *                      after it and inherit the reduced sets.
 *   privs_usable()     as the run user: can it use a state file (and
 *                      create SQLite's -wal/-shm next to it)?
 *
 * CAP_NET_RAW is not kept: the kernel checks it when a raw socket is
 * created, never when one is read or written, and the GRE socket is open
 * by then.
 *
 * With `user root` (or any account with UID 0) nothing is dropped; the
 * start says so in one line. Lifetime: struct privs is plain data filled
 * by privs_resolve(); it owns nothing.
 */
#ifndef PPTP_SERVER_PRIVS_H
#define PPTP_SERVER_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

#include "conf/config.h"

#define PRIVS_NAME_MAX   33 /* config: 32 characters and the NUL */
#define PRIVS_GROUPS_MAX 64

/* One account as a process takes it on. */
struct privs_id {
	char name[PRIVS_NAME_MAX];
	uid_t uid;
	gid_t gid;
	gid_t groups[PRIVS_GROUPS_MAX]; /* supplementary groups */
	int ngroups;
};

struct privs {
	struct privs_id run;  /* the daemon after privs_drop(); no supplementary groups */
	struct privs_id hook; /* ip-up / ip-down, with the user's supplementary groups */
	bool drop;            /* false: the run user is root, nothing is dropped */
};

/* Look the accounts up. False (logged, one line saying why and what to do)
 * when one does not exist or pptpd did not start as root. */
bool privs_resolve(const struct config *cfg, struct privs *p);

/* As root: path's directory for the run user (see above); path is a state
 * file of `what`, e.g. "user store". Never changes an existing directory.
 * Failures are logged; what follows reports what they break. */
void privs_prepare_dir(const struct privs *p, const char *path, const char *what);
/* As root: path and its SQLite siblings for the run user. A symbolic link
 * or a hard-linked file is refused rather than handed over. False
 * (logged) on failure. */
bool privs_prepare_files(const struct privs *p, const char *path, const char *what);

/* Become the run user with only CAP_NET_ADMIN. False (logged): the caller
 * must exit. A no-op when p->drop is false. */
bool privs_drop(const struct privs *p);

/* After the drop: can this process create files in path's directory and
 * read and write path if it exists? False (logged with the remedy). */
bool privs_usable(const struct privs *p, const char *path, const char *what);

/* Before the helper starts: a hook (key "ip-up" or "ip-down") that the
 * run user could change (the file, a link, or a directory on the way to
 * it, or to where a link points) would hand it hook-user's privileges.
 * False (logged) then. True when nothing is dropped or hook-user is the
 * run user. */
bool privs_hook_safe(const struct privs *p, const char *path, const char *key);

/* Switch the calling process to id (setgroups, setgid, setuid): for a
 * forked child about to exec. 0, or -1 with errno. Only system calls: safe
 * after fork() in a process with threads. */
int privs_become(const struct privs_id *id);

#endif
