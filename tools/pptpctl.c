/*
 * pptpctl: administration of the SQLite user store.
 *
 *   pptpctl [--db PATH] user add NAME [--password-stdin] [--static-ip ADDR]
 *                                     [--max-sessions N] [--idle N]
 *                                     [--session-timeout N] [--rate DOWN/UP]
 *                                     [--disabled]
 *   pptpctl [--db PATH] user del|show|enable|disable NAME
 *   pptpctl [--db PATH] user passwd NAME [--password-stdin]
 *   pptpctl [--db PATH] user list
 *   pptpctl [--db PATH] user set NAME [--static-ip ADDR|none] [--max-sessions N|none]
 *                                     [--idle N|default] [--session-timeout N|none]
 *                                     [--rate DOWN/UP|default]
 *   pptpctl [--db PATH] import-chap-secrets FILE [--server NAME] [--update]
 *   pptpctl [--socket PATH] session list|show|kill ..., stats, lock list|clear, reload
 *                           (the running server: tools/pptpctl_admin.c)
 *
 * Passwords come from the terminal (no echo, asked twice) or, with
 * --password-stdin, as one line of standard input; never from the command
 * line. Exit status: 0 success, 1 the operation failed, 2 usage error. On any
 * failure the store is left unchanged.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "common/mschap.h"
#include "auth/backend.h"
#include "auth/userdb.h"
#include "common/crypto.h"
#include "tools/pptpctl_admin.h"

#define EXIT_FAIL  1
#define EXIT_USAGE 2

#define DEFAULT_DB "/var/lib/pptpd/users.db"
/* A password line: USERDB_PASSWORD_MAX characters of at most 4 bytes, a CR
 * and the NUL; anything longer is certainly too long. */
#define PW_BUF (USERDB_PASSWORD_MAX * 4 + 2)

static const char *prog = "pptpctl";

static void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void errmsg(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* ---- command-line options ------------------------------------------------ */

enum opt_bits {
	OPT_PW_STDIN    = 1u << 0,
	OPT_STATIC_IP   = 1u << 1,
	OPT_MAX_SESS    = 1u << 2,
	OPT_DISABLED    = 1u << 3,
	OPT_SERVER      = 1u << 4,
	OPT_UPDATE      = 1u << 5,
	OPT_IDLE        = 1u << 6,
	OPT_SESS_TIME   = 1u << 7,
	OPT_RATE        = 1u << 8,
};

struct opts {
	bool pw_stdin;
	bool disabled;
	const char *static_ip;    /* as given; NULL if absent */
	const char *max_sessions; /* as given; NULL if absent */
	const char *server;       /* import: the server column to take; NULL: pptpd */
	bool update;              /* import: change users that exist */
	const char *idle;         /* as given; NULL if absent */
	const char *session_timeout; /* as given; NULL if absent */
	const char *rate;         /* as given; NULL if absent */
	const char *pos[2];
	int npos;
};

struct cmd;
typedef int (*cmd_fn)(const char *dbpath, const struct cmd *c, struct opts *o);

struct cmd {
	const char *group; /* "user", or NULL for a top-level command */
	const char *name;
	cmd_fn run;
	unsigned opts;     /* enum opt_bits allowed */
	int npos;          /* positional arguments required */
	const char *args;
	const char *help;
};

static const char password_refused[] =
	"passwords are never accepted on the command line: other users can read "
	"them in the process list and they stay in shell history; use "
	"--password-stdin or type it at the prompt";

static void cmd_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: %s [--db PATH] %s%s%s %s\n", prog, c->group ? c->group : "",
		c->group ? " " : "", c->name, c->args);
}

static bool is_opt(const char *arg, const char *name, const char **value)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0)
		return false;
	if (arg[n] == '\0') {
		*value = NULL;
		return true;
	}
	if (arg[n] == '=') {
		*value = arg + n + 1;
		return true;
	}
	return false;
}

/* Parse the words after the subcommand. Returns 0, -1 for help, or
 * EXIT_USAGE after printing why. */
static int parse_opts(const struct cmd *c, int argc, char **argv, struct opts *o)
{
	static const struct {
		const char *name;
		unsigned bit;
		bool has_value;
	} table[] = {
		{ "--password-stdin", OPT_PW_STDIN, false },
		{ "--static-ip", OPT_STATIC_IP, true },
		{ "--max-sessions", OPT_MAX_SESS, true },
		{ "--disabled", OPT_DISABLED, false },
		{ "--server", OPT_SERVER, true },
		{ "--update", OPT_UPDATE, false },
		{ "--idle", OPT_IDLE, true },
		{ "--session-timeout", OPT_SESS_TIME, true },
		{ "--rate", OPT_RATE, true },
	};
	bool only_pos = false;

	memset(o, 0, sizeof(*o));
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *val;
		size_t k;

		if (only_pos || a[0] != '-' || a[1] == '\0') {
			if (o->npos >= c->npos) {
				errmsg("unexpected argument '%s'", a);
				cmd_usage(stderr, c);
				return EXIT_USAGE;
			}
			o->pos[o->npos++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return -1;
		if (is_opt(a, "--password", &val) || strcmp(a, "-p") == 0) {
			errmsg("%s refused: %s", a[1] == 'p' ? "-p" : "--password", password_refused);
			return EXIT_USAGE;
		}
		for (k = 0; k < sizeof(table) / sizeof(table[0]); k++)
			if (is_opt(a, table[k].name, &val))
				break;
		if (k == sizeof(table) / sizeof(table[0]) || !(c->opts & table[k].bit)) {
			errmsg("unknown option '%s' for '%s%s%s'", a, c->group ? c->group : "",
			       c->group ? " " : "", c->name);
			cmd_usage(stderr, c);
			return EXIT_USAGE;
		}
		if (table[k].has_value && !val) {
			if (i + 1 >= argc) {
				errmsg("option %s needs a value", table[k].name);
				return EXIT_USAGE;
			}
			val = argv[++i];
		} else if (!table[k].has_value && val) {
			errmsg("option %s takes no value", table[k].name);
			return EXIT_USAGE;
		}
		switch (table[k].bit) {
		case OPT_PW_STDIN:
			o->pw_stdin = true;
			break;
		case OPT_STATIC_IP:
			o->static_ip = val;
			break;
		case OPT_MAX_SESS:
			o->max_sessions = val;
			break;
		case OPT_DISABLED:
			o->disabled = true;
			break;
		case OPT_SERVER:
			if (!val[0]) {
				errmsg("option --server needs a name");
				return EXIT_USAGE;
			}
			o->server = val;
			break;
		case OPT_UPDATE:
			o->update = true;
			break;
		case OPT_IDLE:
			o->idle = val;
			break;
		case OPT_SESS_TIME:
			o->session_timeout = val;
			break;
		case OPT_RATE:
			o->rate = val;
			break;
		}
	}
	if (o->npos < c->npos) {
		errmsg("missing argument");
		cmd_usage(stderr, c);
		return EXIT_USAGE;
	}
	return 0;
}

static int check_name(const char *name)
{
	char why[128];
	if (userdb_name_check(name, why, sizeof(why)))
		return 0;
	errmsg("invalid user name: %s", why);
	return EXIT_USAGE;
}

/* "none" clears (*has = false); otherwise a dotted quad. */
static int parse_static_ip(const char *s, bool *has, struct in_addr *ip)
{
	if (strcmp(s, "none") == 0) {
		*has = false;
		return 0;
	}
	if (inet_pton(AF_INET, s, ip) != 1) {
		errmsg("--static-ip '%s': not an IPv4 address in dotted-quad form (or 'none')", s);
		return EXIT_USAGE;
	}
	*has = true;
	return 0;
}

/* "none" is 0 (no limit); otherwise 1..4294967295. */
static int parse_max_sessions(const char *s, uint32_t *n)
{
	char *end;
	unsigned long long v;

	if (strcmp(s, "none") == 0) {
		*n = 0;
		return 0;
	}
	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v == 0 || v > UINT32_MAX) {
		errmsg("--max-sessions '%s': expected a number from 1 to %" PRIu32 " or 'none'",
		       s, UINT32_MAX);
		return EXIT_USAGE;
	}
	*n = (uint32_t)v;
	return 0;
}

/* ---- passwords ----------------------------------------------------------- */

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

enum line_result { LINE_OK, LINE_EOF, LINE_TOO_LONG, LINE_ERROR, LINE_SIGNAL };

/* Read one line from fd into buf (NUL-terminated, without the newline or a
 * CR before it) one byte at a time, so nothing stays in stdio buffers. */
static enum line_result read_line(int fd, char *buf, size_t cap, size_t *len)
{
	size_t n = 0;
	for (;;) {
		char ch;
		ssize_t r = read(fd, &ch, 1);
		if (r < 0) {
			if (errno == EINTR && !got_signal)
				continue;
			return errno == EINTR ? LINE_SIGNAL : LINE_ERROR;
		}
		if (r == 0) {
			if (n == 0)
				return LINE_EOF;
			break;
		}
		if (ch == '\n')
			break;
		if (n + 1 >= cap)
			return LINE_TOO_LONG;
		buf[n++] = ch;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	*len = n;
	return LINE_OK;
}

static bool line_failed(enum line_result r, const char *from)
{
	switch (r) {
	case LINE_OK:
		return false;
	case LINE_EOF:
		errmsg("no password on %s", from);
		break;
	case LINE_TOO_LONG:
		errmsg("password refused: longer than %d characters", USERDB_PASSWORD_MAX);
		break;
	case LINE_ERROR:
		errmsg("cannot read the password from %s: %s", from, strerror(errno));
		break;
	case LINE_SIGNAL:
		errmsg("interrupted");
		break;
	}
	return true;
}

/* Ask on the terminal with echo off. */
static bool prompt_tty(int fd, const char *prompt, char *buf, size_t cap, size_t *len)
{
	struct termios old, quiet;
	enum line_result r;

	if (tcgetattr(fd, &old) != 0) {
		errmsg("cannot set up the terminal: %s; use --password-stdin", strerror(errno));
		return false;
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		errmsg("cannot turn off echo: %s; use --password-stdin", strerror(errno));
		return false;
	}
	if (write(fd, prompt, strlen(prompt)) < 0) {
		/* still try to read */
	}
	r = read_line(fd, buf, cap, len);
	tcsetattr(fd, TCSAFLUSH, &old);
	return !line_failed(r, "the terminal");
}

static bool read_password_tty(const char *name, char pw[static PW_BUF], size_t *len)
{
	char again[PW_BUF], prompt[USERDB_NAME_MAX + 64];
	struct sigaction sa, old[4];
	static const int sigs[4] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	size_t len2 = 0;
	bool ok = false;
	int fd;

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		errmsg("cannot open the terminal to ask for the password (%s); "
		       "use --password-stdin", strerror(errno));
		return false;
	}
	/* Interrupt the read (no SA_RESTART) so the terminal is restored. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);

	snprintf(prompt, sizeof(prompt), "Password for '%s': ", name);
	if (prompt_tty(fd, prompt, pw, PW_BUF, len) &&
	    prompt_tty(fd, "Retype password: ", again, sizeof(again), &len2)) {
		if (*len != len2 || memcmp(pw, again, *len) != 0)
			errmsg("the passwords do not match");
		else
			ok = true;
	}
	explicit_bzero(again, sizeof(again));
	close(fd);
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (got_signal) {
		explicit_bzero(pw, PW_BUF);
		raise(got_signal);
		return false;
	}
	return ok;
}

/* Read and check a password and turn it into its NT hash. The clear password
 * never outlives this function. */
static int get_nt_hash(const char *name, bool from_stdin, uint8_t hash[static MSCHAP_NT_HASH_LEN])
{
	char pw[PW_BUF], why[128];
	size_t len = 0;
	int rc = EXIT_FAIL;
	bool ok;

	if (from_stdin)
		ok = !line_failed(read_line(STDIN_FILENO, pw, sizeof(pw), &len),
				  "standard input");
	else
		ok = read_password_tty(name, pw, &len);
	if (ok) {
		if (!userdb_password_check(pw, len, why, sizeof(why)))
			errmsg("password refused: %s", why);
		else if (!NtPasswordHash(pw, hash))
			errmsg("password refused: cannot compute its NT hash");
		else
			rc = 0;
	}
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

/* ---- store helpers ------------------------------------------------------- */

static struct userdb *open_db(const char *path, unsigned flags)
{
	struct userdb *db;
	char err[512];
	if (userdb_open(path, flags, &db, err, sizeof(err)) != USERDB_OK) {
		errmsg("%s", err);
		return NULL;
	}
	return db;
}

static int db_result(struct userdb *db, enum userdb_status st)
{
	if (st == USERDB_OK)
		return 0;
	errmsg("%s", userdb_errmsg(db));
	return st == USERDB_INVALID ? EXIT_USAGE : EXIT_FAIL;
}

static void format_time(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, len, "%" PRId64, t);
}

/* A number of seconds from min to max, for option opt. */
static bool parse_seconds(const char *s, uint32_t min, uint32_t max, uint32_t *n)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || v < min || v > max)
		return false;
	*n = (uint32_t)v;
	return true;
}

/* "default" clears (*has = false: the server's `idle` key applies);
 * otherwise 0 (never) to USERDB_IDLE_MAX seconds. */
static int parse_idle(const char *s, bool *has, uint32_t *n)
{
	if (strcmp(s, "default") == 0) {
		*has = false;
		*n = 0;
		return 0;
	}
	if (!parse_seconds(s, 0, USERDB_IDLE_MAX, n)) {
		errmsg("--idle '%s': expected seconds from 0 (never) to %d or 'default' "
		       "(the server's idle key)", s, USERDB_IDLE_MAX);
		return EXIT_USAGE;
	}
	*has = true;
	return 0;
}

/* "none" or 0 is no limit; otherwise 1..4294967295 seconds. */
static int parse_session_timeout(const char *s, uint32_t *n)
{
	if (strcmp(s, "none") == 0) {
		*n = 0;
		return 0;
	}
	if (!parse_seconds(s, 0, UINT32_MAX, n)) {
		errmsg("--session-timeout '%s': expected seconds from 1 to %" PRIu32 ", or 0 or "
		       "'none' for no limit", s, UINT32_MAX);
		return EXIT_USAGE;
	}
	return 0;
}

/* "default" clears (*has = false: the server's rate-limit keys apply);
 * otherwise "DOWN/UP" or "N" (both ways) in kbit/s, 0 no limit that way:
 * the form accel-ppp's shaper reads from Filter-Id (auth_parse_rate). */
static int parse_rate(const char *s, bool *has, uint32_t *down, uint32_t *up)
{
	if (strcmp(s, "default") == 0) {
		*has = false;
		*down = *up = 0;
		return 0;
	}
	if (!auth_parse_rate(s, strlen(s), down, up)) {
		errmsg("--rate '%s': expected DOWN/UP or N in kbit/s (0 to %d, 0: no limit that "
		       "way) or 'default' (the server's rate-limit keys)", s, USERDB_RATE_MAX);
		return EXIT_USAGE;
	}
	*has = true;
	return 0;
}

/* The limits given as options (user add, user set) into the fields of rec
 * they name; fields of options not given are left as they are. */
static int parse_limits(const struct opts *o, struct user_record *rec)
{
	int rc;

	if (o->static_ip && (rc = parse_static_ip(o->static_ip, &rec->has_static_ip,
						   &rec->static_ip)))
		return rc;
	if (o->max_sessions && (rc = parse_max_sessions(o->max_sessions, &rec->max_sessions)))
		return rc;
	if (o->idle && (rc = parse_idle(o->idle, &rec->has_idle, &rec->idle)))
		return rc;
	if (o->session_timeout &&
	    (rc = parse_session_timeout(o->session_timeout, &rec->session_timeout)))
		return rc;
	if (o->rate && (rc = parse_rate(o->rate, &rec->has_rate, &rec->rate_down, &rec->rate_up)))
		return rc;
	return 0;
}

/* The store, for a command on the user named by the first argument. */
static int open_user_db(const char *dbpath, const struct opts *o, unsigned flags,
			struct userdb **db)
{
	int rc;

	if ((rc = check_name(o->pos[0])))
		return rc;
	*db = open_db(dbpath, flags);
	return *db ? 0 : EXIT_FAIL;
}

/* ---- user commands ------------------------------------------------------- */

static int cmd_user_add(const char *dbpath, const struct cmd *c, struct opts *o)
{
	struct user_record rec, old;
	struct userdb *db;
	bool existing;
	int rc;

	(void)c;
	memset(&rec, 0, sizeof(rec));
	if ((rc = check_name(o->pos[0])))
		return rc;
	snprintf(rec.name, sizeof(rec.name), "%s", o->pos[0]);
	rec.enabled = !o->disabled;
	if ((rc = parse_limits(o, &rec)))
		return rc;
	/* A new store is created only once the password is good; an existing
	 * one is asked first whether the name is taken (userdb_add checks
	 * again), so the password is not typed for nothing. */
	existing = access(dbpath, F_OK) == 0;
	if (!existing && (rc = get_nt_hash(rec.name, o->pw_stdin, rec.nt_hash)))
		return rc;
	db = open_db(dbpath, USERDB_OPEN_CREATE);
	if (!db) {
		explicit_bzero(rec.nt_hash, sizeof(rec.nt_hash));
		return EXIT_FAIL;
	}
	if (existing) {
		if (userdb_get(db, rec.name, &old) == USERDB_OK) {
			errmsg("user '%s' already exists", rec.name);
			userdb_free(db);
			return EXIT_FAIL;
		}
		rc = get_nt_hash(rec.name, o->pw_stdin, rec.nt_hash);
	}
	if (rc == 0)
		rc = db_result(db, userdb_add(db, &rec));
	explicit_bzero(rec.nt_hash, sizeof(rec.nt_hash));
	userdb_free(db);
	return rc;
}

static int cmd_user_passwd(const char *dbpath, const struct cmd *c, struct opts *o)
{
	uint8_t hash[MSCHAP_NT_HASH_LEN];
	struct user_record rec;
	struct userdb *db;
	int rc;

	(void)c;
	if ((rc = open_user_db(dbpath, o, 0, &db)))
		return rc;
	rc = db_result(db, userdb_get(db, o->pos[0], &rec));
	if (rc == 0)
		rc = get_nt_hash(o->pos[0], o->pw_stdin, hash);
	if (rc == 0)
		rc = db_result(db, userdb_set_nt_hash(db, o->pos[0], hash));
	explicit_bzero(hash, sizeof(hash));
	explicit_bzero(&rec, sizeof(rec));
	userdb_free(db);
	return rc;
}

static int cmd_user_del(const char *dbpath, const struct cmd *c, struct opts *o)
{
	struct userdb *db;
	int rc;

	(void)c;
	if ((rc = open_user_db(dbpath, o, 0, &db)))
		return rc;
	rc = db_result(db, userdb_delete(db, o->pos[0]));
	userdb_free(db);
	return rc;
}

static int cmd_user_enable(const char *dbpath, const struct cmd *c, struct opts *o)
{
	struct userdb *db;
	int rc;

	if ((rc = open_user_db(dbpath, o, 0, &db)))
		return rc;
	rc = db_result(db, userdb_set_enabled(db, o->pos[0], strcmp(c->name, "enable") == 0));
	userdb_free(db);
	return rc;
}

static int cmd_user_set(const char *dbpath, const struct cmd *c, struct opts *o)
{
	struct user_record lim;      /* the limits to set */
	struct userdb *db;
	int rc;

	if ((rc = check_name(o->pos[0])))
		return rc;
	if (!o->static_ip && !o->max_sessions && !o->idle && !o->session_timeout && !o->rate) {
		errmsg("nothing to set: give --static-ip, --max-sessions, --idle, "
		       "--session-timeout and/or --rate");
		cmd_usage(stderr, c);
		return EXIT_USAGE;
	}
	memset(&lim, 0, sizeof(lim));
	if ((rc = parse_limits(o, &lim)))
		return rc;
	db = open_db(dbpath, 0);
	if (!db)
		return EXIT_FAIL;
	/* Every change or none. */
	rc = db_result(db, userdb_begin(db));
	if (rc == 0 && o->static_ip)
		rc = db_result(db, userdb_set_static_ip(db, o->pos[0],
							lim.has_static_ip ? &lim.static_ip : NULL));
	if (rc == 0 && o->max_sessions)
		rc = db_result(db, userdb_set_max_sessions(db, o->pos[0], lim.max_sessions));
	if (rc == 0 && o->idle)
		rc = db_result(db, userdb_set_idle(db, o->pos[0], lim.has_idle ? &lim.idle : NULL));
	if (rc == 0 && o->session_timeout)
		rc = db_result(db, userdb_set_session_timeout(db, o->pos[0], lim.session_timeout));
	if (rc == 0 && o->rate)
		rc = db_result(db, userdb_set_rate(db, o->pos[0],
						   lim.has_rate ? &lim.rate_down : NULL,
						   lim.has_rate ? &lim.rate_up : NULL));
	if (rc == 0)
		rc = db_result(db, userdb_commit(db));
	else
		userdb_rollback(db);
	userdb_free(db);
	return rc;
}

/* A user's idle as shown: "-" (the server's key), "never" or seconds. */
static const char *idle_shown(const struct user_record *r, char out[static 16])
{
	if (!r->has_idle)
		return "-";
	if (r->idle == 0)
		return "never";
	snprintf(out, 16, "%" PRIu32, r->idle);
	return out;
}

/* A user's rates as shown: "-" (the server's keys) or "DOWN/UP" kbit/s. */
static const char *rate_shown(const struct user_record *r, char out[static 24])
{
	if (!r->has_rate)
		return "-";
	snprintf(out, 24, "%" PRIu32 "/%" PRIu32, r->rate_down, r->rate_up);
	return out;
}

static int print_user_line(const struct user_record *r, void *ctx)
{
	char ip[INET_ADDRSTRLEN] = "-", max[16] = "-", idle[16], stime[16] = "-", rate[24];
	(void)ctx;
	if (r->has_static_ip)
		inet_ntop(AF_INET, &r->static_ip, ip, sizeof(ip));
	if (r->max_sessions)
		snprintf(max, sizeof(max), "%" PRIu32, r->max_sessions);
	if (r->session_timeout)
		snprintf(stime, sizeof(stime), "%" PRIu32, r->session_timeout);
	/* New columns go at the end: scripts that cut the first four keep working. */
	printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r->name, r->enabled ? "enabled" : "disabled",
	       ip, max, idle_shown(r, idle), stime, rate_shown(r, rate));
	return 0;
}

static int cmd_user_list(const char *dbpath, const struct cmd *c, struct opts *o)
{
	struct userdb *db;
	int rc;

	(void)c;
	(void)o;
	db = open_db(dbpath, USERDB_OPEN_READONLY);
	if (!db)
		return EXIT_FAIL;
	rc = db_result(db, userdb_foreach(db, print_user_line, NULL));
	userdb_free(db);
	return rc;
}

static int cmd_user_show(const char *dbpath, const struct cmd *c, struct opts *o)
{
	char ip[INET_ADDRSTRLEN] = "-", created[32], updated[32], idle[16], rate[24];
	struct user_record r;
	struct userdb *db;
	int rc;

	(void)c;
	if ((rc = open_user_db(dbpath, o, USERDB_OPEN_READONLY, &db)))
		return rc;
	rc = db_result(db, userdb_get(db, o->pos[0], &r));
	userdb_free(db);
	if (rc)
		return rc;
	if (r.has_static_ip)
		inet_ntop(AF_INET, &r.static_ip, ip, sizeof(ip));
	format_time(r.created, created, sizeof(created));
	format_time(r.updated, updated, sizeof(updated));
	printf("name: %s\nstatus: %s\nstatic-ip: %s\n", r.name,
	       r.enabled ? "enabled" : "disabled", ip);
	if (r.max_sessions)
		printf("max-sessions: %" PRIu32 "\n", r.max_sessions);
	else
		printf("max-sessions: -\n");
	printf("idle: %s\n", idle_shown(&r, idle));
	if (r.session_timeout)
		printf("session-timeout: %" PRIu32 "\n", r.session_timeout);
	else
		printf("session-timeout: -\n");
	printf("rate: %s\n", rate_shown(&r, rate));
	printf("created: %s\nupdated: %s\n", created, updated);
	explicit_bzero(&r, sizeof(r));
	return 0;
}

/* ---- import-chap-secrets ------------------------------------------------- */

#define MAX_WORDS 8

/* Split one chap-secrets line into words, pppd style: whitespace separated,
 * '#' at the start of a word begins a comment, single or double quotes group,
 * a backslash escapes the next character (\n \t \r \a \b \f \v, \ooo octal,
 * \xhh hex). Decoded words go into out (at least strlen(line) + 1 bytes).
 * Returns the number of words (counting those beyond MAX_WORDS, which are not
 * stored); on a syntax error *why is set and the count is of the words
 * before the bad one. */
static int split_words(const char *line, char *out, char *words[MAX_WORDS], const char **why)
{
	const char *p = line;
	int n = 0;

	for (;;) {
		char quote = 0;
		char *w = out;

		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v')
			p++;
		if (*p == '\0' || *p == '#')
			return n;
		while (*p && (quote || !(*p == ' ' || *p == '\t' || *p == '\r' ||
					 *p == '\f' || *p == '\v'))) {
			char ch = *p++;
			if (quote && ch == quote) {
				quote = 0;
				continue;
			}
			if (!quote && (ch == '"' || ch == '\'')) {
				quote = ch;
				continue;
			}
			if (ch == '\\') {
				unsigned v = 0;
				int k;
				ch = *p++;
				switch (ch) {
				case '\0':
					*why = "backslash at end of line";
					return n;
				case 'n': ch = '\n'; break;
				case 't': ch = '\t'; break;
				case 'r': ch = '\r'; break;
				case 'a': ch = '\a'; break;
				case 'b': ch = '\b'; break;
				case 'f': ch = '\f'; break;
				case 'v': ch = '\v'; break;
				case 'x':
					for (k = 0; k < 2 && strchr("0123456789abcdefABCDEF", *p) && *p; k++) {
						char d = *p++;
						v = v * 16 + (unsigned)(d <= '9' ? d - '0' :
									 (d | 0x20) - 'a' + 10);
					}
					if (k == 0) {
						*why = "\\x without hex digits";
						return n;
					}
					ch = (char)v;
					break;
				default:
					if (ch >= '0' && ch <= '7') {
						v = (unsigned)(ch - '0');
						for (k = 1; k < 3 && *p >= '0' && *p <= '7'; k++)
							v = v * 8 + (unsigned)(*p++ - '0');
						ch = (char)v;
					}
					break;
				}
				if (ch == '\0') {
					*why = "escaped NUL character";
					return n;
				}
			}
			*out++ = ch;
		}
		if (quote) {
			*why = "unterminated quote";
			return n;
		}
		*out++ = '\0';
		if (n < MAX_WORDS)
			words[n] = w;
		n++;
	}
}

struct seen {
	char **names;
	size_t n;
};

static void seen_add(struct seen *s, const char *name)
{
	char **grown;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->names[i], name) == 0)
			return;
	grown = realloc(s->names, (s->n + 1) * sizeof(*grown));
	if (!grown)
		return;
	s->names = grown;
	if ((s->names[s->n] = strdup(name)))
		s->n++;
}

static void seen_free(struct seen *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
}

/* Print a word for a report: non-printable bytes as \xNN. */
static void print_shown(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch < 0x20 || ch == 0x7F || ch == '\\' || ch == '\'')
			fprintf(f, "\\x%02X", ch);
		else
			fputc(ch, f);
	}
}

static void skipped(const char *file, unsigned long lineno, const char *name, const char *why)
{
	fprintf(stderr, "%s:%lu: skipped '", file, lineno);
	print_shown(stderr, name);
	fprintf(stderr, "': %s\n", why);
}

/* Outcome of one line: imported, an existing user changed (--update),
 * skipped (why filled), or a store failure that aborts the whole import. */
enum line_outcome { LINE_IMPORTED, LINE_UPDATED, LINE_SKIPPED, LINE_FATAL };

/* An existing user takes the line's password and static address (none
 * when the line has none); enabled and max-sessions stay as they are. */
static enum line_outcome update_user(struct userdb *db, const struct user_record *rec,
				     char *why, size_t whylen)
{
	enum userdb_status st = userdb_set_nt_hash(db, rec->name, rec->nt_hash);
	if (st == USERDB_OK)
		st = userdb_set_static_ip(db, rec->name, rec->has_static_ip ? &rec->static_ip
									   : NULL);
	switch (st) {
	case USERDB_OK:
		return LINE_UPDATED;
	case USERDB_INVALID:
		snprintf(why, whylen, "%s", userdb_errmsg(db));
		return LINE_SKIPPED;
	default:
		return LINE_FATAL;
	}
}

/* server: the server column to take besides '*'. */
static enum line_outcome import_line(struct userdb *db, char **words, int n,
				     struct seen *servers, const char *server, bool update,
				     char *why, size_t whylen)
{
	struct user_record rec;
	enum userdb_status st;
	const char *secret;

	if (n < 3) {
		snprintf(why, whylen, "expected 'client server secret [addresses...]'");
		return LINE_SKIPPED;
	}
	seen_add(servers, words[1]);
	if (strcmp(words[1], "*") != 0 && strcmp(words[1], server) != 0) {
		char shown[65];
		size_t k;
		for (k = 0; words[1][k] && k + 1 < sizeof(shown); k++) /* bytes as printed */
			shown[k] = words[1][k] < 0x20 || words[1][k] == 0x7f ? '?' : words[1][k];
		shown[k] = '\0';
		snprintf(why, whylen, "server '%s' is not %s (--server NAME takes its lines)",
			 shown, server);
		return LINE_SKIPPED;
	}
	if (strcmp(words[0], "*") == 0) {
		snprintf(why, whylen, "wildcard client '*' is not a user");
		return LINE_SKIPPED;
	}
	if (!userdb_name_check(words[0], why, whylen))
		return LINE_SKIPPED;
	secret = words[2];
	if (secret[0] == '@') {
		snprintf(why, whylen, "secret is a file reference (@file), not a password");
		return LINE_SKIPPED;
	}
	if (!userdb_password_check(secret, strlen(secret), why, whylen))
		return LINE_SKIPPED;

	memset(&rec, 0, sizeof(rec));
	snprintf(rec.name, sizeof(rec.name), "%s", words[0]);
	rec.enabled = true;
	if (n > 4) {
		snprintf(why, whylen, "%d addresses: only one static IPv4 address is supported",
			 n - 3);
		return LINE_SKIPPED;
	}
	if (n == 4 && strcmp(words[3], "*") != 0 && strcmp(words[3], "-") != 0) {
		if (inet_pton(AF_INET, words[3], &rec.static_ip) != 1) {
			snprintf(why, whylen, "address '%.64s' is not a single IPv4 address "
				 "(ranges, networks and names are not supported)", words[3]);
			return LINE_SKIPPED;
		}
		rec.has_static_ip = true;
	}
	if (!NtPasswordHash(secret, rec.nt_hash)) {
		snprintf(why, whylen, "cannot compute the NT hash of the secret");
		return LINE_SKIPPED;
	}
	st = userdb_add(db, &rec);
	if (st == USERDB_EXISTS && update) {
		enum line_outcome out = update_user(db, &rec, why, whylen);
		explicit_bzero(rec.nt_hash, sizeof(rec.nt_hash));
		return out;
	}
	explicit_bzero(rec.nt_hash, sizeof(rec.nt_hash));
	switch (st) {
	case USERDB_OK:
		return LINE_IMPORTED;
	case USERDB_EXISTS:
		snprintf(why, whylen, "already exists (--update changes it)");
		return LINE_SKIPPED;
	case USERDB_INVALID:
		snprintf(why, whylen, "%s", userdb_errmsg(db));
		return LINE_SKIPPED;
	default:
		return LINE_FATAL;
	}
}

static int cmd_import(const char *dbpath, const struct cmd *c, struct opts *o)
{
	const char *file = o->pos[0];
	char *line = NULL, *scratch = NULL, why[256];
	size_t cap = 0, scratch_cap = 0;
	unsigned long lineno = 0, imported = 0, updated = 0, skips = 0;
	const char *server = o->server ? o->server : "pptpd";
	struct seen servers = { 0 };
	struct userdb *db;
	ssize_t len;
	int rc = 0;
	FILE *f;

	(void)c;
	f = fopen(file, "re");
	if (!f) {
		errmsg("cannot read %s: %s", file, strerror(errno));
		return EXIT_FAIL;
	}
	db = open_db(dbpath, USERDB_OPEN_CREATE);
	if (!db) {
		fclose(f);
		return EXIT_FAIL;
	}
	if (db_result(db, userdb_begin(db)) != 0) {
		userdb_free(db);
		fclose(f);
		return EXIT_FAIL;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		char *words[MAX_WORDS];
		const char *bad = NULL;
		int n;

		lineno++;
		if ((size_t)len + 1 > scratch_cap) {
			char *grown = malloc((size_t)len + 1);
			if (!grown) {
				errmsg("out of memory");
				rc = EXIT_FAIL;
				break;
			}
			if (scratch) {
				explicit_bzero(scratch, scratch_cap);
				free(scratch);
			}
			scratch = grown;
			scratch_cap = (size_t)len + 1;
		}
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (memchr(line, '\0', (size_t)len)) {
			skipped(file, lineno, "", "NUL byte in line");
			skips++;
			continue;
		}
		n = split_words(line, scratch, words, &bad);
		if (bad) {
			skipped(file, lineno, n > 0 ? words[0] : "", bad);
			skips++;
			continue;
		}
		if (n == 0)
			continue;
		switch (import_line(db, words, n, &servers, server, o->update, why, sizeof(why))) {
		case LINE_IMPORTED:
			imported++;
			break;
		case LINE_UPDATED:
			updated++;
			break;
		case LINE_SKIPPED:
			skipped(file, lineno, words[0], why);
			skips++;
			break;
		case LINE_FATAL:
			errmsg("%s:%lu: %s", file, lineno, userdb_errmsg(db));
			rc = EXIT_FAIL;
			break;
		}
		if (rc)
			break;
	}
	if (rc == 0 && ferror(f)) {
		errmsg("cannot read %s: %s", file, strerror(errno));
		rc = EXIT_FAIL;
	}
	if (rc == 0)
		rc = db_result(db, userdb_commit(db)) ? EXIT_FAIL : 0;
	else
		userdb_rollback(db);
	if (line)
		explicit_bzero(line, cap);
	if (scratch)
		explicit_bzero(scratch, scratch_cap);
	free(line);
	free(scratch);
	fclose(f);
	userdb_free(db);

	if (rc == 0) {
		if (o->update)
			printf("imported %lu users, updated %lu, skipped %lu lines\n", imported,
			       updated, skips);
		else
			printf("imported %lu users, skipped %lu lines\n", imported, skips);
		printf("server names seen:");
		for (size_t i = 0; i < servers.n; i++) {
			printf(" '");
			print_shown(stdout, servers.names[i]);
			printf("'");
		}
		printf("%s\n", servers.n ? "" : " none");
	} else {
		errmsg("nothing imported: the store is unchanged");
	}
	seen_free(&servers);
	return rc;
}

/* ---- the command table and main ------------------------------------------ */

static const struct cmd commands[] = {
	{ "user", "add", cmd_user_add,
	  OPT_PW_STDIN | OPT_STATIC_IP | OPT_MAX_SESS | OPT_IDLE | OPT_SESS_TIME | OPT_RATE |
	  OPT_DISABLED, 1,
	  "NAME [--password-stdin] [--static-ip ADDR] [--max-sessions N] [--idle N] "
	  "[--session-timeout N] [--rate DOWN/UP] [--disabled]",
	  "add a user; the password is asked on the terminal or read from stdin" },
	{ "user", "del", cmd_user_del, 0, 1, "NAME", "delete a user" },
	{ "user", "passwd", cmd_user_passwd, OPT_PW_STDIN, 1, "NAME [--password-stdin]",
	  "change a user's password" },
	{ "user", "list", cmd_user_list, 0, 0, "",
	  "list users: name, enabled|disabled, static IP or -, max sessions or -, idle (- for "
	  "the server's key, never, or seconds), session timeout or -, rate DOWN/UP kbit/s or - "
	  "(tab separated)" },
	{ "user", "show", cmd_user_show, 0, 1, "NAME", "show one user (never the hash)" },
	{ "user", "enable", cmd_user_enable, 0, 1, "NAME", "allow a user to log in" },
	{ "user", "disable", cmd_user_enable, 0, 1, "NAME", "refuse a user's logins" },
	{ "user", "set", cmd_user_set,
	  OPT_STATIC_IP | OPT_MAX_SESS | OPT_IDLE | OPT_SESS_TIME | OPT_RATE, 1,
	  "NAME [--static-ip ADDR|none] [--max-sessions N|none] [--idle N|default] "
	  "[--session-timeout N|none] [--rate DOWN/UP|default]",
	  "change a user's static IP, session limit, idle time, session timeout and/or rate "
	  "limits (kbit/s)" },
	{ NULL, "import-chap-secrets", cmd_import, OPT_SERVER | OPT_UPDATE, 1,
	  "FILE [--server NAME] [--update]",
	  "import users from a pppd chap-secrets file (one transaction): the lines whose "
	  "server is NAME (default pptpd) or '*'; --update changes existing users' password "
	  "and static IP" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: %s [--db PATH] [--socket PATH] COMMAND [ARGS]\n"
		"       %s -h | --help | -V | --version\n\n"
		"Administer the pptpd user store (default %s) and, through its\n"
		"control-socket (default %s), the running server.\n\n"
		"commands:\n", prog, prog, DEFAULT_DB, PPTPCTL_DEFAULT_SOCKET);
	for (size_t i = 0; i < NCOMMANDS; i++) {
		const struct cmd *c = &commands[i];
		fprintf(f, "  %s%s%s %s\n      %s\n", c->group ? c->group : "", c->group ? " " : "",
			c->name, c->args, c->help);
	}
	fprintf(f, "  session list [--json]\n      the running sessions, one row each\n"
		"  session show ID|USER|--peer ADDR [--json]\n      the sessions that match\n"
		"  session kill ID|USER|--peer ADDR\n"
		"      end them (LCP Terminate, Call-Disconnect-Notify, Admin-Reset)\n"
		"  stats [--json]\n      the server's counters (what SIGUSR1 logs)\n"
		"  lock list [--json]\n      the failed-login locks in force\n"
		"  lock clear [USER] [ADDR]\n      lift locks (none named: all)\n"
		"  reload [--json]\n      read the configuration file again (as SIGHUP does);\n"
		"      says what changed, what needs a restart, or the file's errors\n");
	fprintf(f, "\nPasswords are never taken from the command line.\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	const char *dbpath = DEFAULT_DB, *sockpath = PPTPCTL_DEFAULT_SOCKET, *val;
	const struct cmd *c = NULL;
	char err[256];
	struct opts o;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "--version") == 0) {
			printf("pptpctl %s\n", PPTPD_VERSION);
			return 0;
		}
		if (is_opt(argv[i], "--db", &val)) {
			if (!val) {
				if (++i >= argc) {
					errmsg("option --db needs a path");
					return EXIT_USAGE;
				}
				val = argv[i];
			}
			if (val[0] == '\0') {
				errmsg("option --db needs a path");
				return EXIT_USAGE;
			}
			dbpath = val;
			continue;
		}
		if (is_opt(argv[i], "--socket", &val)) {
			if (!val && ++i < argc)
				val = argv[i];
			if (!val || val[0] == '\0') {
				errmsg("option --socket needs a path");
				return EXIT_USAGE;
			}
			sockpath = val;
			continue;
		}
		if (is_opt(argv[i], "--password", &val) || strcmp(argv[i], "-p") == 0) {
			errmsg("--password refused: %s", password_refused);
			return EXIT_USAGE;
		}
		errmsg("unknown option '%s'", argv[i]);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (i >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[i], "session") == 0 || strcmp(argv[i], "stats") == 0 ||
	    strcmp(argv[i], "lock") == 0 || strcmp(argv[i], "reload") == 0)
		return admin_command(sockpath, argc - i, argv + i);
	for (size_t k = 0; k < NCOMMANDS && !c; k++) {
		const struct cmd *t = &commands[k];
		if (t->group && strcmp(argv[i], t->group) == 0 && i + 1 < argc &&
		    strcmp(argv[i + 1], t->name) == 0)
			c = t;
		else if (!t->group && strcmp(argv[i], t->name) == 0)
			c = t;
	}
	if (!c) {
		errmsg("unknown command '%s%s%s'", argv[i],
		       (strcmp(argv[i], "user") == 0 && i + 1 < argc) ? " " : "",
		       (strcmp(argv[i], "user") == 0 && i + 1 < argc) ? argv[i + 1] : "");
		usage(stderr);
		return EXIT_USAGE;
	}
	i += c->group ? 2 : 1;
	rc = parse_opts(c, argc - i, argv + i, &o);
	if (rc < 0) {
		cmd_usage(stdout, c);
		printf("  %s\n", c->help);
		return 0;
	}
	if (rc)
		return rc;
	if (!crypto_init(err, sizeof(err))) {
		errmsg("cannot initialise cryptography: %s", err);
		return EXIT_FAIL;
	}
	rc = c->run(dbpath, c, &o);
	crypto_shutdown();
	return rc;
}
