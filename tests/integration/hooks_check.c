/*
 * hooks_check: the tests of server/hooks on a real libev loop, run by
 * tests/integration/test_hooks.sh (no root needed).
 *
 *   hooks_check TMPDIR
 *
 * It lives here rather than in tests/unit because the unit tests link
 * neither libev nor pptp_server; it builds server/hooks.c in. Every check
 * prints "ok: ..." or "FAIL: ..." and a failure makes the exit status 1.
 */
#include <errno.h>
#include <ev.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"

#include "conf/config.h"
#include "server/helper.h"
#include "server/hooks.h"

static int failures, passes;

/* Who starts the scripts: this process, then the privileged helper (run
 * unprivileged here: it needs no root to start scripts as its own user).
 * Every check writes its script to HOOK, the one path the helper's
 * configuration names as ip-up. */
static struct hooks *HS;
static bool via_helper;
static char HOOK[512];

#define CHECK(cond, ...)                                    \
	do {                                                \
		if (cond) {                                 \
			printf("ok: ");                     \
			passes++;                           \
		} else {                                    \
			printf("FAIL: ");                   \
			failures++;                         \
		}                                           \
		printf(__VA_ARGS__);                        \
		printf("  [%s]\n", #cond);                  \
	} while (0)

struct result {
	bool done;
	int status;
	bool timed_out;
	long ticks_at_done;
	long *ticks;
};

static void on_done(void *arg, int status, bool timed_out)
{
	struct result *r = arg;
	r->done = true;
	r->status = status;
	r->timed_out = timed_out;
	r->ticks_at_done = r->ticks ? *r->ticks : 0;
	ev_break(ev_default_loop(0), EVBREAK_ALL);
}

static void tick_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	(*(long *)w->data)++;
}

static void guard_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	printf("FAIL: no completion within the guard time\n");
	failures++; /* the run's own checks fail too */
	ev_break(loop, EVBREAK_ALL);
}

static void stop_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

static void write_script(const char *path, const char *body)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

/* Run path to completion on the default loop; guard: give up after 30 s. */
static struct result run(const char *path, const struct hook_env *env, double limit, bool tick)
{
	struct ev_loop *loop = ev_default_loop(0);
	long ticks = 0;
	struct result r = { .ticks = tick ? &ticks : NULL };
	ev_timer ticker, guard;
	ev_timer_init(&ticker, tick_cb, 0.05, 0.05);
	ticker.data = &ticks;
	ev_timer_init(&guard, guard_cb, 30.0, 0.0);
	ev_timer_start(loop, &guard);
	if (tick)
		ev_timer_start(loop, &ticker);
	struct hook *h = hook_run(HS, path, env, limit, on_done, &r);
	CHECK(h != NULL, "%s started", path);
	if (h)
		ev_run(loop, 0);
	ev_timer_stop(loop, &ticker);
	ev_timer_stop(loop, &guard);
	return r;
}

static bool file_has(const char *path, const char *line)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	bool found = false;
	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f)) {
		buf[strcspn(buf, "\n")] = '\0';
		if (strcmp(buf, line) == 0)
			found = true;
	}
	fclose(f);
	return found;
}

/* Does a line of path start with prefix? */
static bool file_has_prefix(const char *path, const char *prefix)
{
	FILE *f = fopen(path, "r");
	char buf[1024];
	bool found = false;
	if (!f)
		return false;
	while (fgets(buf, sizeof(buf), f))
		if (strncmp(buf, prefix, strlen(prefix)) == 0)
			found = true;
	fclose(f);
	return found;
}

static const struct hook_env ENV = {
	.ifname = "pptp0",
	.tty = "pptp/7",
	.speed = 115200,
	.local = 0xc0000201u,  /* 192.0.2.1 */
	.remote = 0xc000020au, /* 192.0.2.10 */
	.ipparam = "office",
	.peername = "alice",
	.peer = "198.51.100.2:40000",
	.call_id = 7,
	.linkname = "pptp42",
};

static void argv_and_env(const char *dir)
{
	char out[600];
	const char *script = HOOK;
	snprintf(out, sizeof(out), "%s/hook.out", dir);
	write_script(script, "{ echo \"argc=$#\"; for a in \"$@\"; do echo \"arg=$a\"; done; env; }"
			     " > \"$0.out\"; exit 3");
	setenv("HOOKS_CHECK_SECRET", "leak", 1);
	struct result r = run(script, &ENV, 10.0, false);
	CHECK(r.done, "completion reported");
	CHECK(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3, "exit status 3 reported");
	CHECK(!r.timed_out, "not timed out");
	static const char *want[] = {
		"argc=6", "arg=pptp0", "arg=pptp/7", "arg=115200", "arg=192.0.2.1",
		"arg=192.0.2.10", "arg=office", "IFNAME=pptp0", "IPLOCAL=192.0.2.1",
		"IPREMOTE=192.0.2.10", "PEERNAME=alice", "PPTP_PEER=198.51.100.2:40000",
		"PPTP_CALL_ID=7", "DEVICE=pptp/7", "SPEED=115200", "IPPARAM=office",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		CHECK(file_has(out, want[i]), "script saw %s", want[i]);
	CHECK(!file_has(out, "HOOKS_CHECK_SECRET=leak"), "server environment not passed on");
	CHECK(file_has(out, "PWD=/"), "run in /");
	/* pppd's LINKNAME, ORIG_UID and PPPLOGNAME (the starter's real user:
	 * this process, or the helper it forked); the ip-down totals only on
	 * ip-down. */
	char want_uid[32], want_name[64 + HOOK_LOGNAME_MAX];
	char logname[HOOK_LOGNAME_MAX];
	hook_logname(logname);
	snprintf(want_uid, sizeof(want_uid), "ORIG_UID=%u", (unsigned)getuid());
	snprintf(want_name, sizeof(want_name), "PPPLOGNAME=%s", logname);
	CHECK(file_has(out, "LINKNAME=pptp42"), "script saw LINKNAME=pptp42");
	CHECK(file_has(out, want_uid), "script saw %s", want_uid);
	CHECK(file_has(out, want_name), "script saw %s", want_name);
	CHECK(!file_has_prefix(out, "CONNECT_TIME=") && !file_has_prefix(out, "BYTES_SENT=") &&
	      !file_has_prefix(out, "BYTES_RCVD="), "ip-up has no CONNECT_TIME or BYTES_*");

	struct hook_env down = ENV;
	down.down = true;
	down.connect_time = 3725;
	down.bytes_sent = 5000000000ull; /* over 32 bits: the helper's wire carries 64 */
	down.bytes_rcvd = 1234;
	down.logname = "not-the-callers-to-say";
	r = run(script, &down, 10.0, false);
	CHECK(r.done && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 3, "ip-down ran");
	CHECK(file_has(out, "CONNECT_TIME=3725"), "ip-down saw CONNECT_TIME=3725");
	CHECK(file_has(out, "BYTES_SENT=5000000000"), "ip-down saw BYTES_SENT=5000000000");
	CHECK(file_has(out, "BYTES_RCVD=1234"), "ip-down saw BYTES_RCVD=1234");
	CHECK(file_has(out, want_name), "PPPLOGNAME is the starter's, not the caller's");
	CHECK(file_has(out, "arg=192.0.2.10") && file_has(out, "argc=6"),
	      "ip-down has the same six arguments");
}

/* A value with control bytes (a peer's name that slipped past the
 * canonical-name check) reaches the script without any: one line, '?'
 * for each, the rest as it was. */
static void no_control_bytes(const char *dir)
{
	char out[600];
	const char *script = HOOK;
	struct hook_env env = ENV;
	env.peername = "x\nPEERNAME=admin\r\x7f \"q\" \xc3\xa9";
	snprintf(out, sizeof(out), "%s/hook.out", dir);
	write_script(script, "printf '%s|\\n' \"$PEERNAME\" > \"$0.out\"");
	struct result r = run(script, &env, 10.0, false);
	CHECK(r.done && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "script exit 0");
	CHECK(file_has(out, "x?PEERNAME=admin?? \"q\" \xc3\xa9|"),
	      "PEERNAME with control bytes arrives as one line, each control byte '?'");
}

/* Is pid gone (or a zombie waiting for its new parent)? */
static bool gone(pid_t pid)
{
	char p[64], buf[256];
	snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(p, "r");
	if (!f)
		return true;
	bool z = false;
	if (fgets(buf, sizeof(buf), f)) {
		char *rp = strrchr(buf, ')');
		z = rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
	}
	fclose(f);
	return z;
}

static void slow_script_killed(const char *dir)
{
	char pidf[600];
	const char *script = HOOK;
	snprintf(pidf, sizeof(pidf), "%s/hook.pid", dir);
	/* The sleep is a child of the script: the whole group must die. */
	write_script(script, "sleep 10 & echo $! > \"$0.pid\"; wait");
	struct result r = run(script, &ENV, 1.0, false);
	CHECK(r.done, "slow script reported");
	CHECK(r.timed_out, "reported as timed out");
	CHECK(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGKILL, "killed by SIGKILL");
	FILE *f = fopen(pidf, "r");
	int child = 0;
	if (f) {
		if (fscanf(f, "%d", &child) != 1)
			child = 0;
		fclose(f);
	}
	CHECK(child > 0, "script started its child");
	bool dead = false;
	for (int i = 0; i < 100 && child > 0 && !(dead = gone(child)); i++)
		usleep(20000);
	CHECK(dead, "the script's child in its process group was killed too");
}

static void loop_runs_while_script_runs(void)
{
	const char *script = HOOK;
	write_script(script, "sleep 1");
	struct result r = run(script, &ENV, 10.0, true);
	CHECK(r.done && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "sleeper exit 0");
	CHECK(r.ticks_at_done > 0, "timer ticked %ld times while the script ran",
	      r.ticks_at_done);
}

/* Direct: a missing script fails at once. Through the helper: any path
 * but the configured ones is refused, and reported as exit 127. */
static void missing_script(const char *dir)
{
	char script[512];
	snprintf(script, sizeof(script), "%s/does-not-exist", dir);
	if (!via_helper) {
		struct result r = { 0 };
		struct hook *h = hook_run(HS, script, &ENV, 1.0, on_done, &r);
		CHECK(h == NULL, "a missing script fails to start");
		CHECK(!r.done, "and no completion is reported");
		return;
	}
	write_script(script, "exit 0");
	struct result r = run(script, &ENV, 5.0, false);
	CHECK(r.done && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 127,
	      "a path the helper was not configured with is refused (exit 127)");
	unlink(script);
}

static void detached_and_killed(void)
{
	const char *script = HOOK;
	struct ev_loop *loop = ev_default_loop(0);
	write_script(script, "exec sleep 10");
	/* hook_kill: the callback still comes, not as a timeout */
	struct result r = { 0 };
	struct hook *h = hook_run(HS, script, &ENV, 20.0, on_done, &r);
	CHECK(h != NULL, "started");
	if (!h)
		return;
	hook_kill(h);
	ev_run(loop, 0);
	CHECK(r.done && !r.timed_out && WIFSIGNALED(r.status), "hook_kill reported");
	/* hook_detach: the hook finishes (and frees itself) with nobody told */
	struct result r2 = { 0 };
	write_script(script, "exit 0");
	h = hook_run(HS, script, &ENV, 5.0, on_done, &r2);
	CHECK(h != NULL, "started again");
	if (!h)
		return;
	hook_detach(h);
	ev_timer guard;
	/* The loop reaps the child meanwhile; only the stop timer ends it. */
	ev_timer_init(&guard, stop_cb, 0.5, 0.0);
	ev_timer_start(loop, &guard);
	ev_run(loop, 0);
	CHECK(!r2.done, "a detached hook calls nobody");
}

static void all_checks(const char *dir)
{
	printf("--- scripts started %s\n", via_helper ? "by the helper" : "directly");
	argv_and_env(dir);
	no_control_bytes(dir);
	slow_script_killed(dir);
	loop_runs_while_script_runs();
	missing_script(dir);
	detached_and_killed();
}

/* The helper, configured with HOOK as ip-up and a pidfile holding our PID:
 * the checks again, then its end: the pidfile is gone once hooks_free()
 * returns. */
static void helper_checks(const char *dir)
{
	char text[1200], pidfile[600], err[512];
	snprintf(pidfile, sizeof(pidfile), "%s/pptpd.pid", dir);
	snprintf(text, sizeof(text),
		 "localip 192.0.2.1\nremoteip 192.0.2.10-20\nip-up %s\npidfile %s\n", HOOK,
		 pidfile);
	write_script(HOOK, "exit 0");
	struct config *cfg = config_load_string("hooks_check.conf", text, err, sizeof(err));
	CHECK(cfg != NULL, "helper configuration loads");
	if (!cfg) {
		printf("%s\n", err);
		return;
	}
	FILE *f = fopen(pidfile, "w");
	if (f) {
		fprintf(f, "%ld\n", (long)getpid());
		fclose(f);
	}
	struct helper *helper = helper_start(cfg, NULL);
	CHECK(helper != NULL, "helper started");
	if (!helper) {
		config_free(cfg);
		return;
	}
	HS = hooks_new_helper(ev_default_loop(0), helper);
	via_helper = true;
	all_checks(dir);
	hooks_free(HS);
	HS = NULL;
	struct stat st;
	CHECK(stat(pidfile, &st) != 0 && errno == ENOENT,
	      "the helper removed the pidfile holding our PID when its channel closed");
	config_free(cfg);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: hooks_check TMPDIR\n");
		return 2;
	}
	log_init("hooks_check", LOG_LVL_DEBUG);
	ev_default_loop(0);
	snprintf(HOOK, sizeof(HOOK), "%s/hook", argv[1]);
	HS = hooks_new_direct(ev_default_loop(0), NULL);
	all_checks(argv[1]);
	hooks_free(HS);
	helper_checks(argv[1]);
	printf("%d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}
