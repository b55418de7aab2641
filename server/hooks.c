#include "server/hooks.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <linux/close_range.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "server/helper.h"

#define HOOK_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define HOOK_ENV_MAX 24
#define HOOK_STR 320 /* one "NAME=value" */

struct hook {
	struct hooks *hs;
	struct hook *next; /* helper kind: in hs->live until its DONE */
	ev_child child;    /* direct kind */
	ev_timer limit;
	pid_t pid;         /* direct kind */
	uint32_t id;       /* helper kind */
	bool timed_out;
	double limit_secs;
	hook_done_fn done;
	void *arg;
	char path[256]; /* for log lines */
};

struct hooks {
	struct ev_loop *loop;
	char logname[HOOK_LOGNAME_MAX]; /* PPPLOGNAME (direct; the helper has its own) */
	const struct privs_id *as; /* direct: the account the child takes on */
	struct helper *helper;     /* NULL: direct */
	ev_io io;                  /* helper: its reports */
	struct hook *live;         /* helper: started, not yet reported done */
	uint32_t next_id;
	bool helper_gone;
};

/* The script ended with wait status st: tell the owner, free. */
static void hook_finish(struct hook *h, int st)
{
	ev_timer_stop(h->hs->loop, &h->limit);
	if (WIFEXITED(st))
		log_debug("hook=%s pid=%d id=%u event=hook-done status=%d", h->path, (int)h->pid,
			  h->id, WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		log_debug("hook=%s pid=%d id=%u event=hook-done signal=%d", h->path, (int)h->pid,
			  h->id, WTERMSIG(st));
	/* Last use: the hook is unlinked from the loop before the owner hears. */
	if (h->done)
		h->done(h->arg, st, h->timed_out);
	free(h);
}

static void hook_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	struct hook *h = (struct hook *)(void *)((char *)w - offsetof(struct hook, child));
	ev_child_stop(loop, &h->child);
	hook_finish(h, w->rstatus);
}

/* The helper's reports: each DONE finishes its hook. */
static void helper_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct hooks *hs = (struct hooks *)(void *)((char *)w - offsetof(struct hooks, io));
	struct helper_done d;
	int r;
	/* Bounded: one report per hook started, and at most a batch per turn. */
	for (unsigned n = 0; n < 64 && (r = helper_read(hs->helper, &d)) == 1; n++) {
		struct hook **pp = &hs->live;
		while (*pp && (*pp)->id != d.id)
			pp = &(*pp)->next;
		struct hook *h = *pp;
		if (!h) {
			log_warnx("event=helper-unknown-hook id=%u", d.id);
			continue;
		}
		*pp = h->next;
		if (!d.started)
			log_errx("hook=%s id=%u event=hook-failed error=\"the helper could not start "
				 "it\"", h->path, h->id);
		hook_finish(h, d.status);
	}
	if (r == -1) {
		log_errx("event=helper-gone hooks=%s", hs->live ? "failed" : "none-running");
		ev_io_stop(loop, &hs->io);
		hs->helper_gone = true;
		/* Whoever waits for a script hears it failed. */
		while (hs->live) {
			struct hook *h = hs->live;
			hs->live = h->next;
			hook_finish(h, W_EXITCODE(127, 0));
		}
	}
}

void hook_logname(char out[static HOOK_LOGNAME_MAX])
{
	uid_t uid = getuid();
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res &&
	    strlen(pw.pw_name) < HOOK_LOGNAME_MAX)
		snprintf(out, HOOK_LOGNAME_MAX, "%s", pw.pw_name);
	else
		snprintf(out, HOOK_LOGNAME_MAX, "%u", (unsigned)uid);
}

struct hooks *hooks_new_direct(struct ev_loop *loop, const struct privs_id *as)
{
	struct hooks *hs = calloc(1, sizeof(*hs));
	if (!hs)
		return NULL;
	hs->loop = loop;
	hook_logname(hs->logname);
	hs->as = as;
	return hs;
}

struct hooks *hooks_new_helper(struct ev_loop *loop, struct helper *helper)
{
	struct hooks *hs = calloc(1, sizeof(*hs));
	if (!hs)
		return NULL;
	hs->loop = loop;
	hs->helper = helper;
	ev_io_init(&hs->io, helper_io_cb, helper_fd(helper), EV_READ);
	ev_io_start(loop, &hs->io);
	return hs;
}

void hooks_free(struct hooks *hs)
{
	if (!hs)
		return;
	/* Detached hooks still waiting for a report: nobody listens now. */
	while (hs->live) {
		struct hook *h = hs->live;
		hs->live = h->next;
		ev_timer_stop(hs->loop, &h->limit);
		free(h);
	}
	if (hs->helper) {
		ev_io_stop(hs->loop, &hs->io);
		helper_finish(hs->helper);
	}
	free(hs);
}

static void hook_limit_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct hook *h = (struct hook *)(void *)((char *)w - offsetof(struct hook, limit));
	log_warnx("hook=%s pid=%d event=hook-timeout limit=%gs action=kill", h->path,
		  (int)h->pid, h->limit_secs);
	h->timed_out = true;
	hook_kill(h);
}

void hook_kill(struct hook *h)
{
	if (h->hs->helper) {
		if (!h->hs->helper_gone && !helper_kill(h->hs->helper, h->id))
			log_warnx("hook=%s id=%u event=hook-kill-failed error=\"helper gone\"",
				  h->path, h->id);
		return;
	}
	/* The child is a group leader (setpgid in the child) and is not
	 * reaped yet, so its process group ID cannot have been reused. */
	if (kill(-h->pid, SIGKILL) < 0 && errno != ESRCH)
		log_warn("hook=%s pid=%d event=hook-kill-failed", h->path, (int)h->pid);
}

void hook_detach(struct hook *h)
{
	h->done = NULL;
	h->arg = NULL;
}

/* Append "name=value" to env (with room for the final NULL). */
static void env_add(char **env, size_t *n, char store[][HOOK_STR], const char *name,
		    const char *value)
{
	if (*n + 1 >= HOOK_ENV_MAX)
		return;
	snprintf(store[*n], HOOK_STR, "%s=%s", name, value ? value : "");
	/* A backstop: values a peer chose (PEERNAME) are canonical names,
	 * which hold no control byte; none reaches a script either way. */
	for (char *p = store[*n]; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	env[*n] = store[*n];
	(*n)++;
	env[*n] = NULL;
}

static void fmt_ip(uint32_t host, char s[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(host) };
	inet_ntop(AF_INET, &a, s, INET_ADDRSTRLEN);
}

/* The argv and environment a script gets; the strings live in a. */
struct hook_args {
	char local[INET_ADDRSTRLEN], remote[INET_ADDRSTRLEN], speed[16], callid[16];
	char uid[16], connect_time[16], sent[24], rcvd[24];
	char ifname[HOOK_STR], tty[HOOK_STR], ipparam[HOOK_STR];
	char path[PATH_MAX];
	char *argv[8];
	char store[HOOK_ENV_MAX][HOOK_STR];
	char *env[HOOK_ENV_MAX];
};

static void hook_args(struct hook_args *a, const char *path, const struct hook_env *e)
{
	fmt_ip(e->local, a->local);
	fmt_ip(e->remote, a->remote);
	snprintf(a->speed, sizeof(a->speed), "%u", e->speed);
	snprintf(a->callid, sizeof(a->callid), "%u", e->call_id);
	snprintf(a->path, sizeof(a->path), "%s", path);
	snprintf(a->ifname, sizeof(a->ifname), "%s", e->ifname ? e->ifname : "");
	snprintf(a->tty, sizeof(a->tty), "%s", e->tty ? e->tty : "");
	snprintf(a->ipparam, sizeof(a->ipparam), "%s", e->ipparam ? e->ipparam : "");
	char *argv[] = { a->path, a->ifname, a->tty, a->speed, a->local, a->remote, a->ipparam,
			 NULL };
	memcpy(a->argv, argv, sizeof(argv));
	size_t n = 0;
	a->env[0] = NULL;
	snprintf(a->store[n], HOOK_STR, "%s", HOOK_PATH);
	a->env[n] = a->store[n];
	a->env[++n] = NULL;
	env_add(a->env, &n, a->store, "IFNAME", e->ifname);
	env_add(a->env, &n, a->store, "DEVICE", e->tty);
	env_add(a->env, &n, a->store, "SPEED", a->speed);
	env_add(a->env, &n, a->store, "IPLOCAL", a->local);
	env_add(a->env, &n, a->store, "IPREMOTE", a->remote);
	env_add(a->env, &n, a->store, "PEERNAME", e->peername);
	env_add(a->env, &n, a->store, "IPPARAM", e->ipparam);
	env_add(a->env, &n, a->store, "LINKNAME", e->linkname);
	snprintf(a->uid, sizeof(a->uid), "%u", (unsigned)getuid());
	env_add(a->env, &n, a->store, "ORIG_UID", a->uid);
	env_add(a->env, &n, a->store, "PPPLOGNAME", e->logname);
	if (e->down) {
		snprintf(a->connect_time, sizeof(a->connect_time), "%" PRIu32, e->connect_time);
		snprintf(a->sent, sizeof(a->sent), "%" PRIu64, e->bytes_sent);
		snprintf(a->rcvd, sizeof(a->rcvd), "%" PRIu64, e->bytes_rcvd);
		env_add(a->env, &n, a->store, "CONNECT_TIME", a->connect_time);
		env_add(a->env, &n, a->store, "BYTES_SENT", a->sent);
		env_add(a->env, &n, a->store, "BYTES_RCVD", a->rcvd);
	}
	env_add(a->env, &n, a->store, "PPTP_PEER", e->peer);
	env_add(a->env, &n, a->store, "PPTP_CALL_ID", a->callid);
}

/* In the forked child: only system calls from here to exec. On failure
 * the step and errno go back through fd, then exit 127. */
static _Noreturn void hook_child(const struct hook_args *a, const struct privs_id *as, int fd)
{
	static const int defaults[] = { SIGPIPE, SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct { int step, err; } why = { 0, 0 };
	sigset_t none;

	if (setpgid(0, 0) != 0) {
		why.step = 1;
		goto fail;
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		signal(defaults[i], SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, 0) < 0 || dup2(2, 1) < 0) {
		why.step = 2;
		goto fail;
	}
	/* Every other descriptor closes at exec (fd, the report pipe, too). */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0 || chdir("/") != 0) {
		why.step = 3;
		goto fail;
	}
	if (as && privs_become(as) != 0) {
		why.step = 4;
		goto fail;
	}
	execve(a->path, a->argv, a->env);
	why.step = 5;
fail:
	why.err = errno;
	if (write(fd, &why, sizeof(why)) < 0) {
		/* Nobody to tell: the parent sees exit status 127. */
	}
	_exit(127);
}

pid_t hook_spawn(const char *path, const struct hook_env *e, const struct privs_id *as,
		 char *err, size_t errlen)
{
	static const char *const steps[] = { "", "setpgid", "stdio", "descriptors",
					     "switch to hook-user", "exec" };
	struct hook_args *a = malloc(sizeof(*a));
	int pfd[2];
	if (!a) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	hook_args(a, path, e);
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(a);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0)
		hook_child(a, as, pfd[1]);
	int fork_errno = errno;
	close(pfd[1]);
	free(a);
	if (pid < 0) {
		close(pfd[0]);
		snprintf(err, errlen, "fork: %s", strerror(fork_errno));
		return -1;
	}
	/* EOF: exec succeeded (the pipe closed with it). */
	struct { int step, err; } why;
	ssize_t n;
	do
		n = read(pfd[0], &why, sizeof(why));
	while (n < 0 && errno == EINTR);
	close(pfd[0]);
	if (n != (ssize_t)sizeof(why))
		return pid;
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	snprintf(err, errlen, "%s: %s",
		 why.step > 0 && why.step < (int)(sizeof(steps) / sizeof(steps[0])) ?
			 steps[why.step] : "start", strerror(why.err));
	return -1;
}

struct hook *hook_run(struct hooks *hs, const char *path, const struct hook_env *e,
		      double limit, hook_done_fn done, void *arg)
{
	struct hook *h = calloc(1, sizeof(*h));
	if (!h) {
		log_errx("hook=%s event=hook-failed error=\"out of memory\"", path);
		return NULL;
	}
	h->hs = hs;
	h->done = done;
	h->arg = arg;
	snprintf(h->path, sizeof(h->path), "%s", path);

	/* PPPLOGNAME is the starter's to say: ours here, the helper's there. */
	struct hook_env full = *e;
	full.logname = hs->logname;
	e = &full;
	if (hs->helper) {
		h->id = ++hs->next_id;
		if (hs->helper_gone || !helper_run(hs->helper, h->id, path, e)) {
			log_errx("hook=%s event=hook-failed error=\"the privileged helper is gone\"",
				 path);
			free(h);
			return NULL;
		}
		h->next = hs->live;
		hs->live = h;
	} else {
		char err[128];
		pid_t pid = hook_spawn(path, e, hs->as, err, sizeof(err));
		if (pid < 0) {
			log_errx("hook=%s event=hook-failed error=\"%s\"", path, err);
			free(h);
			return NULL;
		}
		h->pid = pid;
		ev_child_init(&h->child, hook_child_cb, pid, 0);
		ev_child_start(hs->loop, &h->child);
	}
	h->limit_secs = limit;
	ev_timer_init(&h->limit, hook_limit_cb, limit, 0.0);
	ev_timer_start(hs->loop, &h->limit);
	char remote[INET_ADDRSTRLEN];
	fmt_ip(e->remote, remote);
	log_debug("hook=%s pid=%d id=%u event=hook-started ifname=%s remote=%s", path,
		  (int)h->pid, h->id, e->ifname ? e->ifname : "", remote);
	return h;
}
