#include "server/hooks.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "common/log.h"

#define HOOK_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define HOOK_ENV_MAX 12
#define HOOK_STR 320 /* one "NAME=value" */

struct hook {
	struct ev_loop *loop;
	ev_child child;
	ev_timer limit;
	pid_t pid;
	bool timed_out;
	double limit_secs;
	hook_done_fn done;
	void *arg;
	char path[256]; /* for log lines */
};

static void hook_child_cb(struct ev_loop *loop, ev_child *w, int revents)
{
	(void)revents;
	struct hook *h = (struct hook *)(void *)((char *)w - offsetof(struct hook, child));
	ev_child_stop(loop, &h->child);
	ev_timer_stop(loop, &h->limit);
	int st = w->rstatus;
	if (WIFEXITED(st))
		log_debug("hook=%s pid=%d event=hook-done status=%d", h->path, (int)h->pid,
			  WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		log_debug("hook=%s pid=%d event=hook-done signal=%d", h->path, (int)h->pid,
			  WTERMSIG(st));
	/* Last use: the hook is unlinked from the loop before the owner hears. */
	if (h->done)
		h->done(h->arg, st, h->timed_out);
	free(h);
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
	/* The child is a group leader (POSIX_SPAWN_SETPGROUP with 0) and is not
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

struct hook *hook_run(struct ev_loop *loop, const char *path, const struct hook_env *e,
		      double limit, hook_done_fn done, void *arg)
{
	struct hook *h = calloc(1, sizeof(*h));
	if (!h) {
		log_errx("hook=%s event=hook-failed error=\"out of memory\"", path);
		return NULL;
	}
	h->loop = loop;
	h->done = done;
	h->arg = arg;
	snprintf(h->path, sizeof(h->path), "%s", path);

	char local[INET_ADDRSTRLEN], remote[INET_ADDRSTRLEN], speed[16], callid[16];
	fmt_ip(e->local, local);
	fmt_ip(e->remote, remote);
	snprintf(speed, sizeof(speed), "%u", e->speed);
	snprintf(callid, sizeof(callid), "%u", e->call_id);

	char ifname[HOOK_STR], tty[HOOK_STR], ipparam[HOOK_STR];
	snprintf(ifname, sizeof(ifname), "%s", e->ifname ? e->ifname : "");
	snprintf(tty, sizeof(tty), "%s", e->tty ? e->tty : "");
	snprintf(ipparam, sizeof(ipparam), "%s", e->ipparam ? e->ipparam : "");
	char *argv[] = { h->path, ifname, tty, speed, local, remote, ipparam, NULL };
	char store[HOOK_ENV_MAX][HOOK_STR];
	char *env[HOOK_ENV_MAX];
	size_t n = 0;
	env[0] = NULL;
	snprintf(store[n], HOOK_STR, "%s", HOOK_PATH);
	env[n] = store[n];
	env[++n] = NULL;
	env_add(env, &n, store, "IFNAME", e->ifname);
	env_add(env, &n, store, "DEVICE", e->tty);
	env_add(env, &n, store, "SPEED", speed);
	env_add(env, &n, store, "IPLOCAL", local);
	env_add(env, &n, store, "IPREMOTE", remote);
	env_add(env, &n, store, "PEERNAME", e->peername);
	env_add(env, &n, store, "IPPARAM", e->ipparam);
	env_add(env, &n, store, "PPTP_PEER", e->peer);
	env_add(env, &n, store, "PPTP_CALL_ID", callid);

	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, def;
	sigemptyset(&none);
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGCHLD);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGUSR1);
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&at);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
				      POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &def);
	pid_t pid;
	int rc = posix_spawn(&pid, path, &fa, &at, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if (rc != 0) {
		log_errx("hook=%s event=hook-failed error=\"%s\"", path, strerror(rc));
		free(h);
		return NULL;
	}
	h->pid = pid;
	ev_child_init(&h->child, hook_child_cb, pid, 0);
	ev_child_start(loop, &h->child);
	h->limit_secs = limit;
	ev_timer_init(&h->limit, hook_limit_cb, limit, 0.0);
	ev_timer_start(loop, &h->limit);
	log_debug("hook=%s pid=%d event=hook-started ifname=%s remote=%s", path, (int)pid,
		  e->ifname ? e->ifname : "", remote);
	return h;
}
