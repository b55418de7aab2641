/*
 * pptpd: command line, configuration and start-up.
 *
 *   pptpd [-c FILE]     run in the foreground, logging to stderr
 *   pptpd --echo-frames [-c FILE]
 *                       testing aid: every call sends each PPP frame it
 *                       receives back unchanged (no PPP layer)
 *   pptpd -t [-c FILE]  check FILE, print the effective settings, exit
 *   pptpd -h | -V       usage, version (--help, --version)
 *
 * Start-up order: arguments, configuration, log level, crypto providers;
 * then as root: the accounts of `user` and `hook-user`, the privileged
 * helper (server/helper.h: only when privileges are dropped and there are
 * hooks or a pidfile), the state directories and files given to the run
 * user, the privileged part of the server (server_open: GRE socket, listeners
 * and, without --echo-frames, tun and its routes, pool, proxy ARP, DAE,
 * the RADIUS files), the pidfile; then the drop to the run user with
 * CAP_NET_ADMIN alone (server/privs.h); then, as that user, the user
 * store checked (created on first start), the threads (authentication
 * backend, accounting), READY=1 to systemd (server/sdnotify.h: its
 * socket was connected before the drop) and the loop, until SIGTERM or
 * SIGINT.
 * Exit status: 0 success, 1 configuration or start-up error, 2 usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/userdb.h"
#include "common/crypto.h"
#include "common/log.h"
#include "conf/config.h"
#include "server/helper.h"
#include "server/hooks.h"
#include "server/privs.h"
#include "server/radius_setup.h"
#include "server/sdnotify.h"
#include "server/server.h"
#include "server/wtmp.h"

#ifndef PPTPD_VERSION /* CMakeLists.txt: the project's version */
#define PPTPD_VERSION "0.1.0"
#endif

enum mode {
	MODE_RUN,
	MODE_CHECK,
	MODE_HELP,
	MODE_VERSION,
	MODE_LIST_KEYS, /* hidden: the parser's key names, one a line (for tests) */
};

struct options {
	enum mode mode;
	const char *config_path;
	bool echo_frames; /* hidden testing aid: --echo-frames */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pptpd [-t] [-c FILE] [--echo-frames]\n"
		"       pptpd -h | --help | -V | --version\n"
		"  -c, --config FILE  configuration file (default " CONFIG_DEFAULT_PATH ")\n"
		"  -t, --check        check the configuration, print the effective settings\n"
		"                     and exit\n"
		"  -h, --help         this help\n"
		"  -V, --version      print the version and exit\n"
		"  --echo-frames      testing aid: every call echoes each PPP frame it receives\n"
		"                     (no PPP, no tun, no authentication backend)\n"
		"Runs in the foreground; under systemd (Type=notify) it reports READY=1 once\n"
		"the listeners are up and sends watchdog keep-alives when WatchdogSec is set.\n"
		"Exit status: 0 success, 1 configuration or start-up error, 2 usage error.\n");
}

/* false on a usage error (already reported). */
static bool parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "list-keys", no_argument, NULL, 'K' },
		{ "echo-frames", no_argument, NULL, 'E' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->mode = MODE_RUN;
	o->config_path = CONFIG_DEFAULT_PATH;
	o->echo_frames = false;
	while ((c = getopt_long(argc, argv, "c:thV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config_path = optarg;
			break;
		case 't':
			o->mode = MODE_CHECK;
			break;
		case 'h':
			o->mode = MODE_HELP;
			break;
		case 'V':
			o->mode = MODE_VERSION;
			break;
		case 'K':
			o->mode = MODE_LIST_KEYS;
			break;
		case 'E':
			o->echo_frames = true;
			break;
		default:
			usage(stderr);
			return false;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "pptpd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return false;
	}
	return true;
}

/* Every error of the file, one log line each. -t also checks what the
 * file names on this machine (config_check()). */
static struct config *load_config(const char *path, bool check)
{
	static const struct config_checks checks = {
		.radius_attr = radius_setup_check_attr,
		.radius_config = radius_setup_check_config,
	};
	static char err[16384];
	struct config *cfg = check ? config_check(path, &checks, err, sizeof(err))
				   : config_load(path, err, sizeof(err));
	if (cfg)
		return cfg;
	for (char *line = err, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		log_errx("%s", line);
	}
	return NULL;
}

static bool start_crypto(void)
{
	char err[512];
	if (crypto_init(err, sizeof(err)))
		return true;
	log_errx("cannot start cryptography: %s", err);
	return false;
}

static int count_user(const struct user_record *rec, void *ctx)
{
	(void)rec;
	(*(unsigned long *)ctx)++;
	return 0;
}

/* With `auth sqlite`: open the store (creating it on first start; its
 * directory is made by privs_prepare_dir()) and count the users. */
static bool open_user_store(const struct config *cfg)
{
	char err[512];
	struct userdb *db;
	unsigned long users = 0;

	if (cfg->auth != CONFIG_AUTH_SQLITE)
		return true;
	if (userdb_open(cfg->user_db, USERDB_OPEN_CREATE, &db, err, sizeof(err)) != USERDB_OK) {
		log_errx("user store %s: %s", cfg->user_db, err);
		return false;
	}
	enum userdb_status st = userdb_foreach(db, count_user, &users);
	if (st != USERDB_OK) {
		log_errx("user store %s: %s", cfg->user_db, userdb_errmsg(db));
		userdb_free(db);
		return false;
	}
	userdb_free(db);
	log_notice("user store %s: %lu user%s", cfg->user_db, users, users == 1 ? "" : "s");
	if (users == 0)
		log_warnx("no users yet: add one with `pptpctl --db %s user add NAME`", cfg->user_db);
	return true;
}

/* `pidfile`: our PID, written once the sockets are open, removed at a clean
 * exit. We are root here, so the file is never opened by its name: what
 * sits at that name (a symlink to /etc/shadow, say) could point anywhere.
 * A new file is created beside it under a fresh name (O_EXCL and
 * O_NOFOLLOW: an existing file or symlink there makes us try another name),
 * written and synced, then renamed over the name, which replaces whatever
 * was there without following it. A directory anyone may write to without
 * the sticky bit is refused: anyone could swap the file under us. */
static bool write_pidfile(const char *path)
{
	if (!path)
		return true;
	const char *slash = strrchr(path, '/');
	char dir[4096], tmp[4096];
	struct stat st;

	/* The configuration only takes absolute paths. */
	if (!slash || (size_t)(slash - path) >= sizeof(dir) || strlen(path) + 32 >= sizeof(tmp)) {
		log_errx("pidfile %s: not an absolute path of a file", path);
		return false;
	}
	if (slash == path)
		strcpy(dir, "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) != 0) {
		log_err("pidfile %s: directory %s", path, dir);
		return false;
	}
	if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
		log_errx("pidfile %s: directory %s is writable by everyone (and not sticky): "
			 "anyone could replace the file; use a directory only root can write",
			 path, dir);
		return false;
	}
	int fd = -1;
	for (unsigned i = 0; i < 16 && fd < 0; i++) {
		int n = snprintf(tmp, sizeof(tmp), "%s/.%s.%ld.%u", dir, slash + 1,
				 (long)getpid(), i);
		if (n < 0 || (size_t)n >= sizeof(tmp)) {
			log_errx("pidfile %s: path too long", path);
			return false;
		}
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		log_err("pidfile %s: cannot create a new file in %s", path, dir);
		return false;
	}
	char line[32];
	int n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	bool ok = fchmod(fd, 0644) == 0 && write(fd, line, (size_t)n) == n && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		log_err("cannot write pidfile %s", path);
		unlink(tmp);
		return false;
	}
	return true;
}

/* With RADIUS accounting: the spool is kept. */
static bool has_spool(const struct config *cfg, bool echo_frames)
{
	return !echo_frames && (cfg->radius_acct.n || cfg->radius_config);
}

/* As root, before anything is opened: the state directories and the files
 * already there, for the run user. Root never opens them with SQLite: a
 * file in a directory the run user may write could be a link it planted. */
static bool prepare_state(const struct config *cfg, const struct privs *p, bool echo_frames)
{
	bool sqlite = cfg->auth == CONFIG_AUTH_SQLITE, spool = has_spool(cfg, echo_frames);
	if (sqlite)
		privs_prepare_dir(p, cfg->user_db, "user store");
	if (spool)
		privs_prepare_dir(p, cfg->radius_acct_spool, "accounting spool");
	return (!sqlite || privs_prepare_files(p, cfg->user_db, "user store")) &&
	       (!spool || privs_prepare_files(p, cfg->radius_acct_spool, "accounting spool"));
}

/* After the drop, as the run user: can it use them (one clear line if
 * not)? The user store is checked (and created on first start) so a wrong
 * path or a damaged file stops the server at start rather than at the
 * first login. */
static bool check_state(const struct config *cfg, const struct privs *p, bool echo_frames)
{
	return (cfg->auth != CONFIG_AUTH_SQLITE || privs_usable(p, cfg->user_db, "user store")) &&
	       (!has_spool(cfg, echo_frames) ||
		privs_usable(p, cfg->radius_acct_spool, "accounting spool")) &&
	       open_user_store(cfg);
}

/* Open the sockets as root, drop to the run user, start the threads and
 * run the loop until an orderly shutdown. */
static int run_server(struct config *cfg, bool echo_frames)
{
	struct privs p;
	if (!privs_resolve(cfg, &p) || (cfg->ip_up && !privs_hook_safe(&p, cfg->ip_up, "ip-up")) ||
	    (cfg->ip_down && !privs_hook_safe(&p, cfg->ip_down, "ip-down")))
		return 1;
	/* Forked first, holding nothing: it outlives the drop to start the
	 * hooks as hook-user and to remove the pidfile. */
	struct helper *helper = NULL;
	if (p.drop && (cfg->ip_up || cfg->ip_down || cfg->pidfile) &&
	    !(helper = helper_start(cfg, &p.hook)))
		return 1;
	int status = 1;
	struct ev_loop *loop = NULL;
	struct server *srv = NULL;
	struct hooks *hooks = NULL;
	struct sdnotify notify;
	/* Connected while root: the manager's socket may be closed to `user`. */
	if (!sdnotify_open(&notify) || !prepare_state(cfg, &p, echo_frames))
		goto out;
	/* logwtmp: opened while root, too (server/wtmp.h); not fatal. */
	wtmp_open(cfg->logwtmp && !echo_frames);
	if (!(loop = ev_default_loop(EVFLAG_AUTO))) {
		log_errx("cannot start the event loop");
		goto out;
	}
	srv = server_new(loop, cfg, echo_frames);
	hooks = helper ? hooks_new_helper(loop, helper) : hooks_new_direct(loop, &p.hook);
	if (hooks)
		helper = NULL; /* hooks_free() finishes it */
	if (!srv || !hooks) {
		log_errx("out of memory");
		goto out;
	}
	srv->hooks = hooks;
	srv->run_uid = p.run.uid;
	srv->run_gid = p.run.gid;
	if (server_open(srv) && write_pidfile(cfg->pidfile) && privs_drop(&p) &&
	    check_state(cfg, &p, echo_frames) && server_start(srv)) {
		sdnotify_ready(&notify, loop);
		server_run(srv);
		status = 0;
		/* As root it is removed here; else the helper removes it.
		 * srv->cfg: a reload may have moved the value there. */
		if (srv->cfg->pidfile && !p.drop)
			unlink(srv->cfg->pidfile);
	}
out:
	sdnotify_close(&notify);
	wtmp_close();
	/* Routes and the tun address go with the server: CAP_NET_ADMIN was
	 * kept for that, too. */
	server_free(srv);
	hooks_free(hooks);
	helper_finish(helper);
	if (loop)
		ev_loop_destroy(loop);
	return status;
}

static void list_keys(void)
{
	for (size_t i = 0; i < config_key_count(); i++)
		printf("%s\n", config_key_name(i));
}

int main(int argc, char **argv)
{
	struct options opt;
	int status = 1;

	log_init("pptpd", LOG_LVL_NOTICE);
	if (!parse_args(argc, argv, &opt))
		return 2;
	switch (opt.mode) {
	case MODE_HELP:
		usage(stdout);
		return 0;
	case MODE_VERSION:
		printf("pptpd %s\n", PPTPD_VERSION);
		return 0;
	case MODE_LIST_KEYS:
		list_keys();
		return 0;
	case MODE_CHECK:
	case MODE_RUN:
		break;
	}

	struct config *cfg = load_config(opt.config_path, opt.mode == MODE_CHECK);
	if (!cfg)
		return 1;
	if (opt.mode == MODE_CHECK) {
		config_print(stdout, cfg);
		status = fflush(stdout) == 0 ? 0 : 1;
	} else {
		log_set_level(cfg->log_level);
		log_set_target(cfg->log_target);
		if (start_crypto()) {
			status = run_server(cfg, opt.echo_frames);
			crypto_shutdown();
		}
	}
	config_free(cfg);
	return status;
}
