/*
 * pppd options files: a word reader in pppd's syntax, a table of the
 * options it knows (what each becomes here), and the few options whose
 * argument needs reading (mppe, plugin).
 */
#include "conf/pppd_options.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "conf/suggest.h"

#define WORD_MAX      1024
#define FILE_MAX_LEN  (1024 * 1024)
#define SET_MAX       64   /* keys one file may set */
#define IGNORED_LIST  512  /* bytes of the notice's list */
#define IGNORED_MAX   64

enum action {
	A_SET,    /* key = value (NULL value: the argument) */
	A_IGNORE, /* no meaning here: named in the summary notice */
	A_REFUSE, /* an error; note says what to do */
	A_MPPE,   /* mppe LIST */
	A_PLUGIN, /* plugin FILE */
	A_NAME,   /* name NAME: the chap-secrets server column */
};

struct popt {
	const char *name;
	enum action action;
	unsigned nargs;
	const char *key, *value;   /* A_SET */
	const char *key2, *value2; /* A_SET: a second key, if any */
	const char *note;          /* A_REFUSE: what to do */
};

#define SET1(n, k, v) { .name = (n), .action = A_SET, .key = (k), .value = (v) }
#define SETARG(n, k) { .name = (n), .action = A_SET, .nargs = 1, .key = (k) }
#define IGNORE(n) { .name = (n), .action = A_IGNORE }
#define IGNORE_ARG(n) { .name = (n), .action = A_IGNORE, .nargs = 1 }
#define REFUSE(n, a, why) { .name = (n), .action = A_REFUSE, .nargs = (a), .note = (why) }

static const struct popt popts[] = {
	SETARG("ms-dns", "ms-dns"),
	SETARG("ms-wins", "ms-wins"),
	SETARG("mtu", "mtu"),
	SETARG("mru", "mru"),
	SETARG("lcp-echo-interval", "lcp-echo-interval"),
	SETARG("lcp-echo-failure", "lcp-echo-failure"),
	SETARG("idle", "idle"),
	SETARG("radius-config-file", "radius-config"),
	SET1("proxyarp", "proxyarp", "yes"),
	SET1("noproxyarp", "proxyarp", "no"),
	SET1("require-mppe", "require-mppe", "yes"),
	{ .name = "require-mppe-128", .action = A_SET, .key = "require-mppe", .value = "yes",
	  .key2 = "require-mppe-128", .value2 = "yes" },
	SET1("refuse-pap", "refuse-pap", "yes"),
	SET1("refuse-chap", "refuse-chap", "yes"),
	SET1("refuse-mschap", "refuse-mschap", "yes"),
	SET1("refuse-mschap-v2", "refuse-mschap-v2", "yes"),
	/* pppd's require-X makes the peer authenticate with X: here, allow X. */
	SET1("require-pap", "refuse-pap", "no"),
	SET1("require-chap", "refuse-chap", "no"),
	SET1("require-mschap", "refuse-mschap", "no"),
	SET1("require-mschap-v2", "refuse-mschap-v2", "no"),
	{ .name = "mppe", .action = A_MPPE, .nargs = 1 },
	{ .name = "plugin", .action = A_PLUGIN, .nargs = 1 },
	{ .name = "name", .action = A_NAME, .nargs = 1 },
	/* Harmless: what they change does not exist here. */
	IGNORE("lock"), IGNORE("nolock"), IGNORE("nobsdcomp"), IGNORE("novj"),
	IGNORE("novjccomp"), IGNORE("nodeflate"), IGNORE("nopcomp"), IGNORE("noaccomp"),
	IGNORE("nologfd"), IGNORE("nodefaultroute"), IGNORE("noipx"), IGNORE("debug"),
	IGNORE("dump"), IGNORE("auth"), IGNORE("refuse-eap"), IGNORE("nodetach"),
	IGNORE("noipdefault"), IGNORE("ipcp-accept-local"), IGNORE("ipcp-accept-remote"),
	IGNORE("persist"), IGNORE("crtscts"), IGNORE("local"), IGNORE("modem"),
	IGNORE("hide-password"), IGNORE("nomagic"), IGNORE("ktune"),
	IGNORE_ARG("linkname"), IGNORE_ARG("ipparam"), IGNORE_ARG("logfile"),
	IGNORE_ARG("asyncmap"), IGNORE_ARG("lcp-max-configure"), IGNORE_ARG("lcp-restart"),
	/* Refused: they would change what this server promises, or need a feature
	 * it does not have. */
	REFUSE("noauth", 0, "this server always authenticates its clients: remove the line"),
	REFUSE("noccp", 0, "it would turn MPPE off: remove the line (to let clients in "
	       "without encryption, set 'require-mppe no' in pptpd.conf)"),
	REFUSE("nomppe", 0, "remove the line (to let clients in without encryption, set "
	       "'require-mppe no' in pptpd.conf)"),
	REFUSE("refuse-mppe", 0, "remove the line (to let clients in without encryption, "
	       "set 'require-mppe no' in pptpd.conf)"),
	REFUSE("require-mppe-40", 0, "40-bit MPPE is weak: remove the line (if you must, set "
	       "'require-mppe-128 no' and 'mppe-40 yes' in pptpd.conf)"),
	REFUSE("require-mppe-56", 0, "56-bit MPPE is weak: remove the line (if you must, set "
	       "'require-mppe-128 no' and 'mppe-56 yes' in pptpd.conf)"),
	REFUSE("require-eap", 0, "EAP is not supported: use require-mschap-v2"),
	REFUSE("file", 1, "options files are not nested: copy its options into this file"),
	REFUSE("call", 1, "options files are not nested: copy its options into this file"),
	REFUSE("defaultroute", 0, "there is no per-session route to the client's side: remove "
	       "the line"),
	REFUSE("ipv6", 1, "IPv6 (IPV6CP) is not supported: remove the line"),
	REFUSE("+ipv6", 0, "IPv6 (IPV6CP) is not supported: remove the line"),
	REFUSE("bsdcomp", 1, "compression is not supported: remove the line"),
	REFUSE("deflate", 1, "compression is not supported: remove the line"),
	REFUSE("ms-lanman", 0, "LAN Manager hashes are not supported: remove the line"),
	REFUSE("chap-secrets", 1, "users live in the user store: import the file with "
	       "'pptpctl import-chap-secrets FILE'"),
	REFUSE("pap-secrets", 1, "users live in the user store (MS-CHAPv2, NT hashes): import "
	       "chap-secrets with 'pptpctl import-chap-secrets FILE'"),
	REFUSE("ip-up-script", 1, "set 'ip-up' in pptpd.conf"),
	REFUSE("ip-down-script", 1, "set 'ip-down' in pptpd.conf"),
	REFUSE("maxconnect", 1, "not supported; RADIUS Session-Timeout limits a session's time"),
};

#define NPOPTS (sizeof(popts) / sizeof(popts[0]))

const char *pppd_option_name(size_t i)
{
	return i < NPOPTS ? popts[i].name : NULL;
}

static const struct popt *popt_find(const char *name)
{
	for (size_t i = 0; i < NPOPTS; i++)
		if (strcmp(popts[i].name, name) == 0)
			return &popts[i];
	return NULL;
}

/* ---- the reader's state ---- */

struct set_seen {
	const char *key;  /* static (from the table) */
	char value[WORD_MAX + 1];
	unsigned line;
	const char *opt;
};

struct reader {
	const char *name;
	const struct pppd_options_sink *sink;
	struct rbuf r;
	unsigned line;      /* the line the reader is on */
	unsigned errors;
	char ignored[IGNORED_LIST]; /* the notice's list */
	const char *ignored_names[IGNORED_MAX];
	size_t nignored;
	struct set_seen *seen; /* keys set, for same-file duplicates */
	size_t nseen;
};

static void error(struct reader *rd, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void error(struct reader *rd, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	rd->sink->error(rd->sink->ctx, line, msg);
	rd->errors++;
}

/* ---- words ---- */

static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The next word into w[WORD_MAX + 1], its line in *line. False at the end
 * of the file (or after an error, reported, that ends the file). */
static bool next_word(struct reader *rd, char w[static WORD_MAX + 1], unsigned *line)
{
	uint8_t c;
	size_t n = 0;
	uint8_t quote = 0;

	/* white space and comments */
	for (;;) {
		if (!rbuf_peek_u8(&rd->r, 0, &c))
			return false;
		if (is_blank(c)) {
			rbuf_u8(&rd->r, &c);
			if (c == '\n')
				rd->line++;
			continue;
		}
		if (c != '#')
			break;
		while (rbuf_u8(&rd->r, &c) && c != '\n')
			;
		if (c == '\n')
			rd->line++;
	}
	*line = rd->line;
	while (rbuf_peek_u8(&rd->r, 0, &c) && (quote || !is_blank(c))) {
		rbuf_u8(&rd->r, &c);
		if (quote && c == quote) {
			quote = 0;
			continue;
		}
		if (!quote && (c == '"' || c == '\'')) {
			quote = c;
			continue;
		}
		if (c == '\\') {
			if (!rbuf_u8(&rd->r, &c)) {
				error(rd, *line, "backslash at the end of the file");
				return false;
			}
			if (c == '\n') { /* a joined line */
				rd->line++;
				continue;
			}
		} else if (c == '\n') {
			rd->line++;
		}
		if (c == 0 || c == 0x7f || (c < 0x20 && c != '\t' && c != '\n')) {
			error(rd, rd->line, "control character 0x%02x", c);
			return false;
		}
		if (n == WORD_MAX) {
			error(rd, *line, "a word longer than %d characters", WORD_MAX);
			return false;
		}
		w[n++] = (char)c;
	}
	if (quote) {
		error(rd, *line, "unterminated quote");
		return false;
	}
	w[n] = '\0';
	return true;
}

/* ---- setting keys ---- */

static void set(struct reader *rd, unsigned line, const char *opt, const char *key,
		const char *value)
{
	bool repeatable = strcmp(key, "ms-dns") == 0 || strcmp(key, "ms-wins") == 0;

	for (size_t i = 0; i < rd->nseen && !repeatable; i++) {
		const struct set_seen *s = &rd->seen[i];
		if (strcmp(s->key, key) != 0)
			continue;
		if (strcmp(s->value, value) == 0)
			return; /* said twice: once is enough */
		error(rd, line, "'%s' sets '%s %s', but '%s' on line %u set '%s %s': keep one "
		      "of them", opt, key, value, s->opt, s->line, key, s->value);
		return;
	}
	if (!repeatable) {
		if (rd->nseen == SET_MAX) {
			error(rd, line, "more than %d settings in one options file", SET_MAX);
			return;
		}
		struct set_seen *s = &rd->seen[rd->nseen++];
		s->key = key;
		snprintf(s->value, sizeof(s->value), "%s", value);
		s->line = line;
		s->opt = opt;
	}
	if (!rd->sink->set(rd->sink->ctx, line, opt, key, value))
		rd->errors++;
}

/* name is static: a table entry's name or a literal. */
static void ignore(struct reader *rd, const char *name)
{
	size_t len = strlen(rd->ignored);

	for (size_t i = 0; i < rd->nignored; i++)
		if (strcmp(rd->ignored_names[i], name) == 0)
			return;
	if (rd->nignored == IGNORED_MAX)
		return;
	rd->ignored_names[rd->nignored++] = name;
	if (len + strlen(name) + 3 < sizeof(rd->ignored))
		snprintf(rd->ignored + len, sizeof(rd->ignored) - len, "%s%s", len ? ", " : "",
			 name);
}

/* mppe required,stateless,no40,no56 (pppd 2.4.2 and later). */
static void mppe(struct reader *rd, unsigned line, const char *opt, const char *arg)
{
	char list[WORD_MAX + 1];
	snprintf(list, sizeof(list), "%s", arg);

	for (char *save = NULL, *w = strtok_r(list, ",", &save); w;
	     w = strtok_r(NULL, ",", &save)) {
		if (strcmp(w, "required") == 0)
			set(rd, line, opt, "require-mppe", "yes");
		else if (strcmp(w, "stateless") == 0)
			set(rd, line, opt, "mppe-stateful", "no");
		else if (strcmp(w, "stateful") == 0)
			set(rd, line, opt, "mppe-stateful", "yes");
		else if (strcmp(w, "no40") == 0)
			set(rd, line, opt, "mppe-40", "no");
		else if (strcmp(w, "no56") == 0)
			set(rd, line, opt, "mppe-56", "no");
		else if (strcmp(w, "no128") == 0)
			error(rd, line, "'mppe no128': 128-bit MPPE cannot be turned off: remove "
			      "'no128' (40 and 56 bits are set with mppe-40 and mppe-56 in "
			      "pptpd.conf)");
		else
			error(rd, line, "'mppe %s': '%s' is not one of required, stateless, "
			      "stateful, no40, no56", LOG_ESC(arg), LOG_ESC(w));
	}
}

/* plugin radius.so (any directory): auth radius. */
static void plugin(struct reader *rd, unsigned line, const char *opt, const char *arg)
{
	const char *base = strrchr(arg, '/');
	base = base ? base + 1 : arg;

	if (strcmp(base, "radius.so") == 0)
		set(rd, line, opt, "auth", "radius");
	else if (strcmp(base, "radattr.so") == 0)
		ignore(rd, "plugin radattr.so");
	else
		error(rd, line, "'plugin %s' is not supported: only radius.so has a meaning here "
		      "(it becomes 'auth radius'); remove the line", LOG_ESC(arg));
}

static void unknown(struct reader *rd, unsigned line, const char *w)
{
	const char *near = suggest_name(w, pppd_option_name, NPOPTS);

	if (near)
		error(rd, line, "'%s' is not a pppd option this server reads (did you mean "
		      "'%s'?): remove it, or set the matching pptpd.conf key (docs/migration.md)",
		      LOG_ESC(w), near);
	else
		error(rd, line, "'%s' is not a pppd option this server reads: remove it, or set "
		      "the matching pptpd.conf key (docs/migration.md)", LOG_ESC(w));
}

unsigned pppd_options_parse(const char *name, const char *text, size_t len,
			    const struct pppd_options_sink *sink)
{
	struct set_seen seen[SET_MAX];
	struct reader rd = { .name = name, .sink = sink, .line = 1, .seen = seen };
	char w[WORD_MAX + 1], arg[WORD_MAX + 1];
	unsigned line, aline;

	rbuf_init(&rd.r, text, len);
	unsigned unknown_line = 0;

	while (next_word(&rd, w, &line)) {
		const struct popt *o = popt_find(w);
		if (!o && line == unknown_line)
			continue; /* likely the arguments of the unknown option before */
		if (!o) {
			unknown(&rd, line, w);
			unknown_line = line;
			continue;
		}
		if (o->nargs) {
			unsigned before = rd.errors;
			if (!next_word(&rd, arg, &aline)) {
				if (rd.errors == before)
					error(&rd, line, "'%s' needs a value", o->name);
				break;
			}
		}
		switch (o->action) {
		case A_SET:
			set(&rd, line, o->name, o->key, o->value ? o->value : arg);
			if (o->key2)
				set(&rd, line, o->name, o->key2, o->value2);
			break;
		case A_IGNORE:
			ignore(&rd, o->name);
			break;
		case A_REFUSE:
			error(&rd, line, "'%s' is not supported: %s", o->name, o->note);
			break;
		case A_MPPE:
			mppe(&rd, line, o->name, arg);
			break;
		case A_PLUGIN:
			plugin(&rd, line, o->name, arg);
			break;
		case A_NAME:
			/* The CHAP name is the host name; the value only picks
			 * chap-secrets lines at import. */
			if (strcmp(arg, "pptpd") != 0)
				log_notice("%s:%u: 'name %s': import chap-secrets with "
					   "'pptpctl import-chap-secrets FILE --server %s'", name,
					   line, LOG_ESC(arg), LOG_ESC(arg));
			ignore(&rd, "name");
			break;
		}
	}
	if (rd.nignored)
		log_notice("%s: ignored pppd options with no meaning here: %s", name, rd.ignored);
	return rd.errors;
}

unsigned pppd_options_read(const char *path, const struct pppd_options_sink *sink)
{
	char msg[512];
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	unsigned errors = 1;

	/* O_NONBLOCK: a FIFO named by mistake must not hang the load. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		snprintf(msg, sizeof(msg), "cannot open the options file: %s", strerror(errno));
		sink->error(sink->ctx, 0, msg);
		return 1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		sink->error(sink->ctx, 0, "the options file is not a regular file");
		goto out;
	}
	if (st.st_size > FILE_MAX_LEN) {
		snprintf(msg, sizeof(msg), "the options file is larger than %d bytes",
			 FILE_MAX_LEN);
		sink->error(sink->ctx, 0, msg);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		sink->error(sink->ctx, 0, "out of memory");
		goto out;
	}
	while (len <= (size_t)st.st_size &&
	       (n = read(fd, text + len, (size_t)st.st_size + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(msg, sizeof(msg), "cannot read the options file: %s",
				 strerror(errno));
			sink->error(sink->ctx, 0, msg);
			goto out;
		}
		len += (size_t)n;
	}
	errors = pppd_options_parse(path, text, len, sink);
out:
	free(text);
	close(fd);
	return errors;
}
