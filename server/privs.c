#include "server/privs.h"

#include <cap-ng.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"

/* The files SQLite keeps next to a database (WAL mode, or a rollback
 * journal left by an older mode). */
static const char *const sqlite_suffixes[] = { "", "-wal", "-shm", "-journal" };

#define USERADD "useradd --system --no-create-home --shell /usr/sbin/nologin"

/* Fill id from the account name; key is the configuration key it came
 * from. With groups: the user's supplementary groups too. */
static bool lookup(const char *name, const char *key, bool is_default, struct privs_id *id,
		   bool groups)
{
	errno = 0;
	const struct passwd *pw = getpwnam(name);
	if (!pw) {
		if (errno)
			log_errx("event=privileges-failed %s=%s error=\"cannot look the user up: %s\"",
				 key, name, strerror(errno));
		else if (is_default)
			log_errx("event=privileges-failed %s=%s error=\"user '%s' (the default of "
				 "'%s') does not exist: create it (" USERADD " %s, as "
				 "scripts/deps.sh does) or set '%s root' to run as root\"",
				 key, name, name, key, name, key);
		else
			log_errx("event=privileges-failed %s=%s error=\"no such user\"", key, name);
		return false;
	}
	snprintf(id->name, sizeof(id->name), "%s", pw->pw_name);
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	id->ngroups = 0;
	if (groups) {
		int n = PRIVS_GROUPS_MAX;
		if (getgrouplist(pw->pw_name, pw->pw_gid, id->groups, &n) < 0) {
			log_errx("event=privileges-failed %s=%s error=\"in more than %d groups\"", key,
				 name, PRIVS_GROUPS_MAX);
			return false;
		}
		id->ngroups = n;
	}
	return true;
}

bool privs_resolve(const struct config *cfg, struct privs *p)
{
	memset(p, 0, sizeof(*p));
	/* The defaults are "pptpd" and "root": a default is what the file did
	 * not set, the only case whose message suggests creating the user. */
	if (!lookup(cfg->user, "user", strcmp(cfg->user, "pptpd") == 0, &p->run, false) ||
	    !lookup(cfg->hook_user, "hook-user", false, &p->hook, true))
		return false;
	if (cfg->group) {
		errno = 0;
		const struct group *gr = getgrnam(cfg->group);
		if (!gr) {
			log_errx("event=privileges-failed group=%s error=\"%s\"", cfg->group,
				 errno ? strerror(errno) : "no such group");
			return false;
		}
		p->run.gid = gr->gr_gid;
	}
	p->drop = p->run.uid != 0;
	if (geteuid() != 0) {
		log_errx("event=privileges-failed uid=%u error=\"pptpd must start as root: it "
			 "opens the GRE socket, TCP 1723 and tun as root, then runs as user %s\"",
			 (unsigned)geteuid(), p->run.name);
		return false;
	}
	if (!p->drop)
		log_notice("event=privileges-kept user=%s reason=\"'user %s' in the configuration\" "
			   "note=\"parsing, PPP and the user store run as root\"",
			   p->run.name, cfg->user);
	return true;
}

/* The directory part of path ("/" for "/x"), or NULL if out of memory. */
static char *dir_of(const char *path)
{
	char *dir = strdup(path);
	if (!dir)
		return NULL;
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
	return dir;
}

/* One existing file: a regular file with one link, owned by the run user,
 * 0600. Opened without following a link: root never changes the owner of
 * what a link in a directory the run user may write points at. */
static bool prepare_file(const struct privs *p, const char *path, const char *what)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return true;
		if (errno == ELOOP)
			log_errx("%s %s: is a symbolic link: refused (name the file itself)", what,
				 path);
		else
			log_err("%s %s: cannot open", what, path);
		return false;
	}
	struct stat st;
	bool ok = false;
	if (fstat(fd, &st) != 0) {
		log_err("%s %s: cannot stat", what, path);
	} else if (!S_ISREG(st.st_mode)) {
		log_errx("%s %s: not a regular file", what, path);
	} else if (st.st_nlink != 1) {
		log_errx("%s %s: has %lu hard links: refused (it would be handed to user %s)", what,
			 path, (unsigned long)st.st_nlink, p->run.name);
	} else if ((st.st_uid != p->run.uid || st.st_gid != p->run.gid) &&
		   fchown(fd, p->run.uid, p->run.gid) != 0) {
		log_err("%s %s: cannot give it to user %s", what, path, p->run.name);
	} else if ((st.st_mode & 07777) != 0600 && fchmod(fd, 0600) != 0) {
		log_err("%s %s: cannot chmod 0600", what, path);
	} else {
		ok = true;
		if (st.st_uid != p->run.uid || st.st_gid != p->run.gid)
			log_notice("%s %s: now owned by user %s (uid %u gid %u), mode 0600", what,
				   path, p->run.name, (unsigned)p->run.uid, (unsigned)p->run.gid);
	}
	close(fd);
	return ok;
}

void privs_prepare_dir(const struct privs *p, const char *path, const char *what)
{
	char *dir = dir_of(path);
	if (!dir) {
		log_errx("out of memory");
		return;
	}
	if (mkdir(dir, 0700) == 0) {
		/* Ours: made here, so it is given to the run user. An existing
		 * directory is never changed (it may be /etc); privs_usable()
		 * says what to do when the run user cannot use it. */
		if (chown(dir, p->run.uid, p->run.gid) != 0)
			log_warn("cannot give directory %s to user %s", dir, p->run.name);
		log_notice("created directory %s for the %s (owner %s, mode 0700)", dir, what,
			   p->run.name);
	} else if (errno != EEXIST) {
		log_warn("cannot create directory %s", dir);
	}
	free(dir);
}

bool privs_prepare_files(const struct privs *p, const char *path, const char *what)
{
	bool ok = true;
	for (size_t i = 0; ok && i < sizeof(sqlite_suffixes) / sizeof(sqlite_suffixes[0]); i++) {
		char file[4096];
		if ((size_t)snprintf(file, sizeof(file), "%s%s", path, sqlite_suffixes[i]) >=
		    sizeof(file)) {
			log_errx("%s %s: path too long", what, path);
			return false;
		}
		ok = prepare_file(p, file, what);
	}
	return ok;
}

bool privs_usable(const struct privs *p, const char *path, const char *what)
{
	if (!p->drop)
		return true;
	char *dir = dir_of(path);
	if (!dir) {
		log_errx("out of memory");
		return false;
	}
	bool ok = true;
	if (access(dir, W_OK | X_OK) != 0) {
		log_errx("%s %s: user %s cannot create files in %s (%s), where SQLite keeps the "
			 "-wal and -shm files: give it that directory (chown %s %s) or move the "
			 "file into a directory it owns", what, path, p->run.name, dir,
			 strerror(errno), p->run.name, dir);
		ok = false;
	} else if (access(path, R_OK | W_OK) != 0 && errno != ENOENT) {
		log_errx("%s %s: user %s cannot read and write it (%s)", what, path, p->run.name,
			 strerror(errno));
		ok = false;
	}
	free(dir);
	return ok;
}

/* Could the run user write to what st describes? It has no supplementary
 * groups. */
static bool run_may_write(const struct privs *p, const struct stat *st)
{
	return (st->st_uid == p->run.uid && (st->st_mode & S_IWUSR)) ||
	       (st->st_gid == p->run.gid && (st->st_mode & S_IWGRP)) || (st->st_mode & S_IWOTH);
}

/* Walk from path up to "/": could the run user change the file (or the
 * link) or replace any entry on the way? The name of the first weak spot
 * in why, or NULL. */
static const char *weak_spot(const struct privs *p, const char *path, char *why, size_t whylen)
{
	char cur[PATH_MAX];
	struct stat entry, dir;
	if (snprintf(cur, sizeof(cur), "%s", path) >= (int)sizeof(cur) || lstat(cur, &entry) != 0)
		return NULL; /* the exec fails later and says why */
	if (entry.st_uid == p->run.uid || (!S_ISLNK(entry.st_mode) && run_may_write(p, &entry))) {
		snprintf(why, whylen, "%s", cur);
		return why;
	}
	/* One component less each turn: at most PATH_MAX turns. */
	for (;;) {
		char *slash = strrchr(cur, '/');
		if (!slash || slash == cur)
			cur[1] = '\0', slash = NULL;
		else
			*slash = '\0';
		if (stat(cur, &dir) != 0)
			return NULL;
		/* A sticky directory (/tmp) lets others replace only what they own. */
		bool sticky_safe = (dir.st_mode & S_ISVTX) && entry.st_uid != p->run.uid;
		if (dir.st_uid == p->run.uid || (run_may_write(p, &dir) && !sticky_safe)) {
			snprintf(why, whylen, "%s", cur);
			return why;
		}
		if (!slash)
			return NULL;
		entry = dir;
	}
}

bool privs_hook_safe(const struct privs *p, const char *path, const char *key)
{
	if (!p->drop || p->hook.uid == p->run.uid)
		return true;
	char why[PATH_MAX], real[PATH_MAX];
	const char *weak = weak_spot(p, path, why, sizeof(why));
	if (!weak && realpath(path, real))
		weak = weak_spot(p, real, why, sizeof(why));
	if (!weak)
		return true;
	log_errx("%s %s: %s can be changed by user %s, which could then run its own code as "
		 "hook-user %s: refused (make it root's and not writable by others)", key, path,
		 weak, p->run.name, p->hook.name);
	return false;
}

/* Threads of this process, from /proc/self/task; -1 if unknown. */
static int thread_count(void)
{
	DIR *d = opendir("/proc/self/task");
	if (!d)
		return -1;
	int n = 0;
	const struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* After the switch: every ID is the run user's, no way back to root, and
 * the permitted set holds CAP_NET_ADMIN alone. */
static bool verify(const struct privs *p)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
	    ru != p->run.uid || eu != p->run.uid || su != p->run.uid || rg != p->run.gid ||
	    eg != p->run.gid || sg != p->run.gid || getgroups(0, NULL) != 0) {
		log_errx("event=privileges-failed error=\"the user and group IDs did not change "
			 "as asked\"");
		return false;
	}
	if (setuid(0) == 0 || seteuid(0) == 0) {
		log_errx("event=privileges-failed error=\"root could be regained\"");
		return false;
	}
	if (capng_get_caps_process() != 0) {
		log_errx("event=privileges-failed error=\"cannot read the capabilities back\"");
		return false;
	}
	for (unsigned c = 0; c <= CAP_LAST_CAP; c++) {
		bool want = c == CAP_NET_ADMIN;
		if (capng_have_capability(CAPNG_PERMITTED, c) != want ||
		    capng_have_capability(CAPNG_EFFECTIVE, c) != want ||
		    capng_have_capability(CAPNG_INHERITABLE, c) ||
		    capng_have_capability(CAPNG_BOUNDING_SET, c)) {
			log_errx("event=privileges-failed error=\"capability %u is %s\"", c,
				 want ? "missing" : "still held");
			return false;
		}
	}
	return true;
}

bool privs_drop(const struct privs *p)
{
	if (!p->drop)
		return true;
	int threads = thread_count();
	if (threads != 1) {
		/* Capabilities are per thread: one started before the drop would
		 * keep every capability. */
		log_errx("event=privileges-failed error=\"%d threads before the drop, expected 1\"",
			 threads);
		return false;
	}
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN) != 0) {
		log_errx("event=privileges-failed error=\"capng_update\"");
		return false;
	}
	int rc = capng_change_id((int)p->run.uid, (int)p->run.gid,
				 CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT);
	if (rc != 0) {
		log_errx("event=privileges-failed user=%s error=\"cannot switch to uid %u gid %u "
			 "with CAP_NET_ADMIN (libcap-ng capng_change_id: %d); a container without "
			 "CAP_SETUID, CAP_SETGID or CAP_SETPCAP cannot: set 'user root' to run as "
			 "root\"", p->run.name, (unsigned)p->run.uid, (unsigned)p->run.gid, rc);
		return false;
	}
	/* Nothing this process could exec gains privileges (it execs nothing:
	 * hooks are started by the helper). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		log_warn("event=privileges-failed step=no-new-privs");
		return false;
	}
	if (!verify(p))
		return false;
	log_notice("event=privileges-dropped user=%s uid=%u gid=%u caps=cap_net_admin",
		   p->run.name, (unsigned)p->run.uid, (unsigned)p->run.gid);
	return true;
}

int privs_become(const struct privs_id *id)
{
	if (setgroups((size_t)id->ngroups, id->groups) != 0 || setgid(id->gid) != 0 ||
	    setuid(id->uid) != 0)
		return -1;
	return 0;
}
