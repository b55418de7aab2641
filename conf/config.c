/*
 * pptpd.conf: a table of keys, one parser per value type, defaults as text
 * run through the same parsers, and the cross-field checks done once the
 * whole file has been read. The file is read line by line through an rbuf.
 */
#include "conf/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/netaddr.h"
#include "conf/pppd_options.h"
#include "conf/suggest.h"

#define LINE_MAX_LEN  1024
#define FILE_MAX_LEN  (1024 * 1024)
#define IFNAME_MAX    15 /* IFNAMSIZ - 1 */
#define SUN_PATH_MAX  (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define POOL_PER_LINE 8
#define OPTION_FILES_MAX 4 /* `option` lines */

_Static_assert(sizeof(enum config_auth) == sizeof(unsigned), "enum keys are stored as unsigned");

struct loader;
struct key;

/* How one kind of value is parsed, printed and released. */
struct type {
	/* value is NULL when the key was given bare. */
	bool (*parse)(struct loader *ld, const struct key *k, void *field, const char *value);
	/* NULL: the key is not part of the effective settings. */
	void (*print)(FILE *f, const struct key *k, const void *field);
	void (*release)(void *field);
	bool repeat;   /* may be given on several lines */
	bool any_args; /* takes the rest of the line, unread */
	bool rest;     /* the value is the rest of the line, blanks and all */
};

enum {
	K_REQUIRED = 1 << 0, /* must be in the file */
	K_ABSPATH = 1 << 1,  /* a path that must start with '/' */
	K_WILDCARD = 1 << 2, /* an address list that may hold 0.0.0.0 */
};

struct key {
	const char *name;
	const struct type *type;
	size_t off;                /* of the field in struct config */
	size_t size;               /* ... and its size (config_key_swap) */
	const char *def;           /* default as written in the file; NULL: unset */
	unsigned long min, max;    /* numbers: range; strings: most bytes; lists: most entries */
	unsigned flags;
	const char *const *names;  /* enumerations: the accepted words, in enum order */
	const char *note;          /* alias: the key it sets; compat keys: the message;
				      required keys: a hint */
	bool (*check)(struct loader *ld, const struct key *k, const char *value);
};

struct loader {
	const char *name;   /* the file being read: main, or an options file */
	const char *main;   /* pptpd.conf */
	struct config *cfg;
	unsigned lineno;    /* the line being read; 0 while applying defaults */
	unsigned *line;     /* per key: the line that set it, 0 = default */
	const char **file;  /* per key: the options file that set it; NULL: main */
	const char **opt;   /* ... and the pppd option that did (static) */
	bool *bad;          /* per key: a line setting it was in error */
	const char *cur_opt; /* the pppd option being applied; NULL: a main line */
	char *optfiles[OPTION_FILES_MAX]; /* names of the options files read */
	size_t noptfiles;
	const struct config_checks *checks; /* config_check(): NULL otherwise */
	unsigned attr_line[32]; /* the line of each radius-attr */
	unsigned errors;    /* messages written into err */
	size_t errused;     /* bytes of err in use */
	unsigned *pool_line; /* per pool range: the line it came from */
	size_t pool_cap;
	struct np_lines {    /* the same for each named pool, by index */
		unsigned *line;
		size_t cap;
	} *np;
	char *err;
	size_t errlen;
};

/* ---- messages ---- */

static bool vfail_in(struct loader *ld, const char *file, unsigned line, const char *fmt,
		     va_list ap) __attribute__((format(printf, 4, 0)));
static bool vfail_at(struct loader *ld, unsigned line, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
static bool fail_at(struct loader *ld, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool fail(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Every error is kept: one "FILE:LINE: message" line each, in err, as many
 * as fit (a cut message ends in "..."). */
static bool vfail_in(struct loader *ld, const char *file, unsigned line, const char *fmt,
		     va_list ap)
{
	char msg[1024];
	int n = snprintf(msg, sizeof(msg), "%s:%u: ", file, line);

	ld->errors++;
	if (n < 0 || (size_t)n >= sizeof(msg) || !ld->errlen)
		return false;
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	size_t used = ld->errused, left = ld->errlen - used;
	if (left <= 1)
		return false;
	int w = snprintf(ld->err + used, left, "%s%s", used ? "\n" : "", msg);
	if (w < 0 || (size_t)w >= left) {
		if (left > 4)
			memcpy(ld->err + ld->errlen - 4, "...", 4);
		ld->errused = ld->errlen - 1;
	} else {
		ld->errused += (size_t)w;
	}
	return false;
}

static bool vfail_at(struct loader *ld, unsigned line, const char *fmt, va_list ap)
{
	return vfail_in(ld, ld->name, line, fmt, ap);
}

static bool fail_at(struct loader *ld, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(ld, line, fmt, ap);
	va_end(ap);
	return false;
}

static bool fail(struct loader *ld, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_at(ld, ld->lineno, fmt, ap);
	va_end(ap);
	return false;
}

static bool need_value(struct loader *ld, const struct key *k, const char *value)
{
	if (value)
		return true;
	return fail(ld, "'%s' needs a value", k->name);
}

/* ---- addresses ---- */

static bool parse_ip(const char *s, uint32_t *host)
{
	struct in_addr a;
	if (inet_pton(AF_INET, s, &a) != 1)
		return false;
	*host = ntohl(a.s_addr);
	return true;
}

static void format_ip(uint32_t host, char out[static INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = htonl(host) };
	inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN);
}

/* No address of 0.0.0.0/8, 127.0.0.0/8 or 224.0.0.0 and above in [first, last]. */
static bool range_is_unicast(uint32_t first, uint32_t last)
{
	if (first < 0x01000000u || last >= 0xe0000000u)
		return false;
	return !(first <= 0x7fffffffu && last >= 0x7f000000u);
}

/* ---- booleans ---- */

static bool parse_bool(struct loader *ld, const struct key *k, void *field, const char *v)
{
	static const char *const words[] = { "yes", "no", "true", "false", "on", "off", "1", "0" };
	bool *b = field;

	if (!v)
		v = "yes";
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcasecmp(v, words[i]) == 0) {
			*b = i % 2 == 0;
			if (*b && k->note) /* accepted for compatibility, not done yet */
				log_warnx("%s:%u: '%s' is not implemented yet: %s", ld->name,
					  ld->lineno, k->name, k->note);
			return true;
		}
	}
	return fail(ld, "'%s' is not a yes/no value for '%s'", v, k->name);
}

static void print_bool(FILE *f, const struct key *k, const void *field)
{
	fprintf(f, "%s %s\n", k->name, *(const bool *)field ? "yes" : "no");
}

/* ---- numbers ---- */

static bool parse_uint(struct loader *ld, const struct key *k, void *field, const char *v)
{
	unsigned long n = 0;

	if (!need_value(ld, k, v))
		return false;
	if (!*v)
		return fail(ld, "'' is not a number for '%s'", k->name);
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return fail(ld, "'%s' is not a number for '%s'", v, k->name);
		if (n <= k->max)
			n = n * 10 + (unsigned long)(*p - '0');
	}
	if (n < k->min || n > k->max)
		return fail(ld, "'%s' is out of range for '%s' (%lu to %lu)", v, k->name,
			    k->min, k->max);
	*(unsigned *)field = (unsigned)n;
	return true;
}

static void print_uint(FILE *f, const struct key *k, const void *field)
{
	fprintf(f, "%s %u\n", k->name, *(const unsigned *)field);
}

/* A number, or "auto" (stored as 0: the caller decides, e.g. workers: one
 * per core). */
static bool parse_uint_auto(struct loader *ld, const struct key *k, void *field, const char *v)
{
	if (v && strcasecmp(v, "auto") == 0) {
		*(unsigned *)field = 0;
		return true;
	}
	return parse_uint(ld, k, field, v);
}

static void print_uint_auto(FILE *f, const struct key *k, const void *field)
{
	if (*(const unsigned *)field == 0)
		fprintf(f, "%s auto\n", k->name);
	else
		print_uint(f, k, field);
}

/* ---- strings and paths ---- */

static bool parse_str(struct loader *ld, const struct key *k, void *field, const char *v)
{
	char **s = field;
	size_t max = k->max ? k->max : LINE_MAX_LEN;

	if (!need_value(ld, k, v))
		return false;
	if (strlen(v) > max)
		return fail(ld, "'%s' is too long for '%s' (at most %zu characters)", v, k->name,
			    max);
	if ((k->flags & K_ABSPATH) && v[0] != '/')
		return fail(ld, "'%s' for '%s' must be an absolute path", v, k->name);
	if (k->check && !k->check(ld, k, v))
		return false;
	char *copy = strdup(v);
	if (!copy)
		return fail(ld, "out of memory");
	free(*s);
	*s = copy;
	return true;
}

static void print_str(FILE *f, const struct key *k, const void *field)
{
	const char *s = *(char *const *)field;
	if (s)
		fprintf(f, "%s %s\n", k->name, s);
	else
		fprintf(f, "# %s (not set)\n", k->name);
}

static void release_str(void *field)
{
	char **s = field;
	free(*s);
	*s = NULL;
}

/* The rules of Linux dev_valid_name(). */
static bool check_ifname(struct loader *ld, const struct key *k, const char *v)
{
	if (*v && strlen(v) <= IFNAME_MAX && strcmp(v, ".") != 0 && strcmp(v, "..") != 0 &&
	    !strpbrk(v, "/: \t"))
		return true;
	return fail(ld, "'%s' is not a valid interface name for '%s' (1 to %d characters, "
		    "no '/' or ':')", v, k->name, IFNAME_MAX);
}

static bool check_exec(struct loader *ld, const struct key *k, const char *v)
{
	struct stat st;
	if (stat(v, &st) != 0)
		return fail(ld, "'%s' for '%s': %s", v, k->name, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail(ld, "'%s' for '%s' is not a regular file", v, k->name);
	if (access(v, X_OK) != 0)
		return fail(ld, "'%s' for '%s' is not executable", v, k->name);
	return true;
}

/* After a lookup that set errno (0: none failed): found, or why not. */
static bool account_found(struct loader *ld, const struct key *k, const char *v, bool found,
			  const char *what)
{
	if (found)
		return true;
	if (errno)
		return fail(ld, "'%s' for '%s': cannot look the %s up: %s", v, k->name, what,
			    strerror(errno));
	return fail(ld, "'%s' for '%s': no such %s", v, k->name, what);
}

/* A user or group name given in the file must exist here (getpwnam/getgrnam
 * through NSS). Defaults are resolved at start instead (server/privs.c):
 * checking a file for another machine must not depend on this one's
 * accounts. */
static bool check_user(struct loader *ld, const struct key *k, const char *v)
{
	if (ld->lineno == 0)
		return true;
	errno = 0;
	return account_found(ld, k, v, getpwnam(v) != NULL, "user");
}

static bool check_group(struct loader *ld, const struct key *k, const char *v)
{
	if (ld->lineno == 0)
		return true;
	errno = 0;
	return account_found(ld, k, v, getgrnam(v) != NULL, "group");
}

/* ---- enumerations ---- */

static bool parse_enum(struct loader *ld, const struct key *k, void *field, const char *v)
{
	char list[128] = "";

	if (!need_value(ld, k, v))
		return false;
	for (unsigned i = 0; k->names[i]; i++) {
		if (strcasecmp(v, k->names[i]) == 0) {
			memcpy(field, &i, sizeof(i));
			return true;
		}
		size_t len = strlen(list);
		snprintf(list + len, sizeof(list) - len, "%s%s", i ? " or " : "", k->names[i]);
	}
	return fail(ld, "'%s' is not a valid value for '%s' (%s)", v, k->name, list);
}

static void print_enum(FILE *f, const struct key *k, const void *field)
{
	unsigned i;
	memcpy(&i, field, sizeof(i));
	fprintf(f, "%s %s\n", k->name, k->names[i]);
}

static bool parse_loglevel(struct loader *ld, const struct key *k, void *field, const char *v)
{
	if (!need_value(ld, k, v))
		return false;
	if (!log_level_parse(v, field))
		return fail(ld, "'%s' is not a log level for '%s' "
			    "(error, warning, notice, info or debug)", v, k->name);
	return true;
}

static void print_loglevel(FILE *f, const struct key *k, const void *field)
{
	fprintf(f, "%s %s\n", k->name, log_level_name(*(const enum log_level *)field));
}

/* ---- a single address ---- */

static bool parse_addr(struct loader *ld, const struct key *k, void *field, const char *v)
{
	uint32_t h;

	if (!need_value(ld, k, v))
		return false;
	if (k->check && !k->check(ld, k, v))
		return false;
	if (!parse_ip(v, &h))
		return fail(ld, "'%s' is not an IPv4 address for '%s'", v, k->name);
	if (!range_is_unicast(h, h))
		return fail(ld, "'%s' cannot be used for '%s' (not a unicast host address)", v,
			    k->name);
	((struct in_addr *)field)->s_addr = htonl(h);
	return true;
}

static void print_addr(FILE *f, const struct key *k, const void *field)
{
	char s[INET_ADDRSTRLEN];
	format_ip(ntohl(((const struct in_addr *)field)->s_addr), s);
	fprintf(f, "%s %s\n", k->name, s);
}

/* An address that may be left unset (0.0.0.0 is never a valid value). */
static void print_addr_opt(FILE *f, const struct key *k, const void *field)
{
	if (((const struct in_addr *)field)->s_addr == 0)
		fprintf(f, "# %s (not set)\n", k->name);
	else
		print_addr(f, k, field);
}

static bool check_one_addr(struct loader *ld, const struct key *k, const char *v)
{
	if (!strpbrk(v, "-,/"))
		return true;
	return fail(ld, "'%s': '%s' takes one address: this server uses a single tunnel "
		    "address for every call (poptop's localip ranges are not supported)", v,
		    k->name);
}

/* ---- IPv6 (ipv6-prefix-pool, ipv6-dns) ---- */

static bool parse_ipv6_prefix(struct loader *ld, const struct key *k, void *field, const char *v)
{
	struct config_ipv6_prefix *p = field;
	char addr[INET6_ADDRSTRLEN];
	struct in6_addr a;

	if (!need_value(ld, k, v))
		return false;
	const char *slash = strchr(v, '/');
	size_t alen = slash ? (size_t)(slash - v) : 0;
	if (!slash || alen == 0 || alen >= sizeof(addr))
		return fail(ld, "'%s' is not PREFIX/LEN for '%s' (e.g. 2001:db8:100::/56)", v,
			    k->name);
	memcpy(addr, v, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET6, addr, &a) != 1)
		return fail(ld, "'%s' is not an IPv6 prefix for '%s'", v, k->name);
	unsigned long len = 0;
	const char *q = slash + 1;
	if (!*q || strlen(q) > 3)
		return fail(ld, "'%s': the length after '/' must be 1 to 64 for '%s'", v, k->name);
	for (; *q; q++) {
		if (*q < '0' || *q > '9')
			return fail(ld, "'%s': the length after '/' must be 1 to 64 for '%s'", v,
				    k->name);
		len = len * 10 + (unsigned long)(*q - '0');
	}
	if (len < 1 || len > 64)
		return fail(ld, "'%s': the length must be 1 to 64 for '%s' (each session gets a "
			    "/64 from it)", v, k->name);
	for (unsigned bit = (unsigned)len; bit < 128; bit++)
		if (a.s6_addr[bit / 8] & (0x80u >> (bit % 8)))
			return fail(ld, "'%s' has host bits set past /%lu for '%s'", v, len,
				    k->name);
	if (a.s6_addr[0] == 0xff || (a.s6_addr[0] == 0xfe && (a.s6_addr[1] & 0xc0) == 0x80) ||
	    IN6_IS_ADDR_UNSPECIFIED(&a))
		return fail(ld, "'%s' cannot be used for '%s' (multicast, link-local or "
			    "unspecified)", v, k->name);
	p->addr = a;
	p->len = (unsigned)len;
	return true;
}

static void print_ipv6_prefix(FILE *f, const struct key *k, const void *field)
{
	const struct config_ipv6_prefix *p = field;
	char s[INET6_ADDRSTRLEN];

	if (!p->len) {
		fprintf(f, "# %s (not set)\n", k->name);
		return;
	}
	inet_ntop(AF_INET6, &p->addr, s, sizeof(s));
	fprintf(f, "%s %s/%u\n", k->name, s, p->len);
}

/* ipv6-pool NAME PREFIX/LEN: one prefix per name, on one line. */
static bool parse_ipv6_pool(struct loader *ld, const struct key *k, void *field, const char *v)
{
	struct config_ipv6_pools *l = field;
	struct config_ipv6_prefix p;

	if (!need_value(ld, k, v))
		return false;
	size_t nl = strcspn(v, " \t");
	const char *rest = v + nl;
	while (*rest == ' ' || *rest == '\t')
		rest++;
	if (nl == 0 || nl > CONFIG_POOL_NAME_MAX || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"abcdefghijklmnopqrstuvwxyz0123456789._-") < nl)
		return fail(ld, "'%.*s' is not a pool name for '%s' (1 to %d letters, digits, "
			    "'.', '_' or '-')", (int)nl, v, k->name, CONFIG_POOL_NAME_MAX);
	if (!*rest)
		return fail(ld, "'%s %.*s' needs a prefix ('%s NAME PREFIX/LEN')", k->name, (int)nl,
			    v, k->name);
	for (unsigned i = 0; i < l->n; i++)
		if (strlen(l->p[i].name) == nl && memcmp(l->p[i].name, v, nl) == 0)
			return fail(ld, "'%s %.*s' is given twice (line %u)", k->name, (int)nl, v,
				    l->p[i].line);
	if (l->n >= k->max || l->n >= CONFIG_IPV6_POOLS_MAX)
		return fail(ld, "more than %lu named IPv6 pools", k->max);
	if (!parse_ipv6_prefix(ld, k, &p, rest))
		return false;
	struct config_ipv6_pool *np = &l->p[l->n++];
	memcpy(np->name, v, nl);
	np->name[nl] = '\0';
	np->prefix = p;
	np->line = ld->lineno;
	return true;
}

static void print_ipv6_pool(FILE *f, const struct key *k, const void *field)
{
	const struct config_ipv6_pools *l = field;
	char s[INET6_ADDRSTRLEN];

	if (l->n == 0)
		fprintf(f, "# %s (not set)\n", k->name);
	for (unsigned i = 0; i < l->n; i++) {
		inet_ntop(AF_INET6, &l->p[i].prefix.addr, s, sizeof(s));
		fprintf(f, "%s %s %s/%u\n", k->name, l->p[i].name, s, l->p[i].prefix.len);
	}
}

/* The two prefixes share an address. */
static bool prefixes_overlap(const struct config_ipv6_prefix *a,
			     const struct config_ipv6_prefix *b)
{
	unsigned n = a->len < b->len ? a->len : b->len;
	for (unsigned bit = 0; bit < n; bit++) {
		uint8_t m = (uint8_t)(0x80u >> (bit % 8));
		if ((a->addr.s6_addr[bit / 8] ^ b->addr.s6_addr[bit / 8]) & m)
			return false;
	}
	return true;
}

static bool ipv6_addrs_add(struct loader *ld, const struct key *k, void *field, const char *item)
{
	struct config_ipv6_addrs *l = field;
	struct in6_addr a;

	if (inet_pton(AF_INET6, item, &a) != 1)
		return fail(ld, "'%s' is not an IPv6 address for '%s'", item, k->name);
	if (IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_MULTICAST(&a) || IN6_IS_ADDR_LOOPBACK(&a))
		return fail(ld, "'%s' cannot be used for '%s' (not a unicast address)", item,
			    k->name);
	for (unsigned i = 0; i < l->n; i++)
		if (memcmp(&l->addr[i], &a, sizeof(a)) == 0)
			return fail(ld, "'%s' is given twice for '%s'", item, k->name);
	if (l->n >= k->max || l->n >= CONFIG_IPV6_DNS_MAX)
		return fail(ld, "'%s': at most %lu addresses are allowed for '%s'", item, k->max,
			    k->name);
	l->addr[l->n++] = a;
	return true;
}

static bool parse_ipv6_addrs(struct loader *ld, const struct key *k, void *field,
			     const char *v);

static void print_ipv6_addrs(FILE *f, const struct key *k, const void *field)
{
	const struct config_ipv6_addrs *l = field;
	char s[INET6_ADDRSTRLEN];

	if (l->n == 0)
		fprintf(f, "# %s (not set)\n", k->name);
	for (unsigned i = 0; i < l->n; i++) {
		inet_ntop(AF_INET6, &l->addr[i], s, sizeof(s));
		fprintf(f, "%s %s\n", k->name, s);
	}
}

/* ---- address lists (listen, ms-dns, ms-wins) ---- */

static bool key_seen(const struct loader *ld, const struct key *k);

/* Split a comma list into items, calling fn on each; empty items are errors. */
static bool for_each_item(struct loader *ld, const struct key *k, const char *v,
			  bool (*fn)(struct loader *, const struct key *, void *, const char *),
			  void *field)
{
	char item[64];
	const char *p = v;

	for (;;) {
		size_t len = strcspn(p, ",");
		if (len == 0)
			return fail(ld, "empty item in '%s' list '%s'", k->name, v);
		if (len >= sizeof(item))
			return fail(ld, "'%.*s' is not an address for '%s'", (int)len, p, k->name);
		memcpy(item, p, len);
		item[len] = '\0';
		if (!fn(ld, k, field, item))
			return false;
		if (!p[len])
			return true;
		p += len + 1;
	}
}

static bool addrs_add(struct loader *ld, const struct key *k, void *field, const char *item)
{
	struct config_addrs *l = field;
	uint32_t h;

	if (!parse_ip(item, &h))
		return fail(ld, "'%s' is not an IPv4 address for '%s'", item, k->name);
	if (!range_is_unicast(h, h) && !(h == 0 && (k->flags & K_WILDCARD)))
		return fail(ld, "'%s' cannot be used for '%s' (not a unicast host address)", item,
			    k->name);
	for (size_t i = 0; i < l->n; i++)
		if (l->addr[i].s_addr == htonl(h))
			return fail(ld, "'%s' is given twice for '%s'", item, k->name);
	if (l->n >= k->max)
		return fail(ld, "'%s': at most %lu addresses are allowed for '%s'", item, k->max,
			    k->name);
	struct in_addr *a = realloc(l->addr, (l->n + 1) * sizeof(*a));
	if (!a)
		return fail(ld, "out of memory");
	a[l->n++].s_addr = htonl(h);
	l->addr = a;
	return true;
}

static void release_addrs(void *field)
{
	struct config_addrs *l = field;
	free(l->addr);
	l->addr = NULL;
	l->n = 0;
}

static bool parse_addrs(struct loader *ld, const struct key *k, void *field, const char *v)
{
	if (!need_value(ld, k, v))
		return false;
	if (!key_seen(ld, k)) /* the first line in the file replaces the default */
		release_addrs(field);
	return for_each_item(ld, k, v, addrs_add, field);
}

static bool parse_ipv6_addrs(struct loader *ld, const struct key *k, void *field,
			     const char *v)
{
	if (!need_value(ld, k, v))
		return false;
	return for_each_item(ld, k, v, ipv6_addrs_add, field);
}

static void print_addrs(FILE *f, const struct key *k, const void *field)
{
	const struct config_addrs *l = field;
	char s[INET_ADDRSTRLEN];

	if (l->n == 0)
		fprintf(f, "# %s (not set)\n", k->name);
	for (size_t i = 0; i < l->n; i++) {
		format_ip(ntohl(l->addr[i].s_addr), s);
		fprintf(f, "%s %s\n", k->name, s);
	}
}

/* ---- the remoteip pool ---- */

/* One pool item: a.b.c.d, a.b.c.d-e, a.b.c.d-w.x.y.z or a.b.c.d/n. */
static bool parse_pool_item(struct loader *ld, const char *item, struct config_range *r)
{
	char left[INET_ADDRSTRLEN];
	const char *sep = strpbrk(item, "-/");
	size_t len = sep ? (size_t)(sep - item) : strlen(item);
	uint32_t first, last;

	if (len >= sizeof(left))
		return fail(ld, "'%s' is not a remoteip item", item);
	memcpy(left, item, len);
	left[len] = '\0';
	if (!parse_ip(left, &first))
		return fail(ld, "'%s' is not a remoteip item (bad address '%s')", item, left);
	last = first;
	if (sep && *sep == '/') {
		const char *p = sep + 1;
		unsigned prefix = 0;
		if (!*p || strlen(p) > 2 || strspn(p, "0123456789") != strlen(p))
			return fail(ld, "'%s' is not a remoteip item (bad prefix length)", item);
		prefix = (unsigned)atoi(p);
		if (prefix > 32)
			return fail(ld, "'%s': prefix length %u is out of range (0 to 32)", item,
				    prefix);
		uint32_t host = prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)) - 1;
		if (first & host) {
			char net[INET_ADDRSTRLEN];
			format_ip(first & ~host, net);
			return fail(ld, "'%s' has host bits set (did you mean '%s/%u'?)", item, net,
				    prefix);
		}
		if (prefix < 16)
			return fail(ld, "'%s' holds more than %u addresses", item, CONFIG_POOL_MAX);
		last = first | host;
		if (prefix <= 30) { /* leave out the network and broadcast addresses */
			first++;
			last--;
		}
	} else if (sep) {
		const char *p = sep + 1;
		if (strchr(p, '.')) {
			if (!parse_ip(p, &last))
				return fail(ld, "'%s' is not a remoteip item (bad address '%s')",
					    item, p);
		} else {
			if (!*p || strlen(p) > 3 || strspn(p, "0123456789") != strlen(p) ||
			    atoi(p) > 255)
				return fail(ld, "'%s' is not a remoteip item (the end of a short "
					    "range is a number from 0 to 255)", item);
			last = (first & 0xffffff00u) | (uint32_t)atoi(p);
		}
		if (last < first)
			return fail(ld, "'%s' is a reversed range (its end comes before its start)",
				    item);
	}
	if (!range_is_unicast(first, last))
		return fail(ld, "'%s' holds addresses that cannot be given to clients "
			    "(0.0.0.0/8, 127.0.0.0/8, multicast or reserved)", item);
	r->first = first;
	r->last = last;
	return true;
}

static void format_range(const struct config_range *r, char *out, size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	format_ip(r->first, a);
	format_ip(r->last, b);
	if (r->first == r->last)
		snprintf(out, len, "%s", a);
	else if ((r->first >> 8) == (r->last >> 8))
		snprintf(out, len, "%s-%u", a, r->last & 0xff);
	else
		snprintf(out, len, "%s-%s", a, b);
}

/* The index of the range holding a host-order address, or pool->n. */
static size_t pool_find(const struct config_pool *pool, uint32_t addr)
{
	size_t lo = 0, hi = pool->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct config_range *r = &pool->range[mid];
		if (addr < r->first)
			hi = mid;
		else if (addr > r->last)
			lo = mid + 1;
		else
			return mid;
	}
	return pool->n;
}

static bool pool_add(struct loader *ld, const struct key *k, void *field, const char *item)
{
	struct config_pool *pool = field;
	struct config_range r;
	char other[2 * INET_ADDRSTRLEN];
	size_t lo = 0, hi = pool->n;

	(void)k;
	if (!parse_pool_item(ld, item, &r))
		return false;
	/* The first range that starts after this one. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (pool->range[mid].first <= r.first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo ? lo - 1 : 0; i <= lo && i < pool->n; i++) {
		const struct config_range *o = &pool->range[i];
		if (o->first <= r.last && r.first <= o->last) {
			format_range(o, other, sizeof(other));
			return fail(ld, "%s item '%s' overlaps '%s' from line %u", k->name, item,
				    other, ld->pool_line[i]);
		}
	}
	if ((uint64_t)pool->size + (r.last - r.first) + 1 > CONFIG_POOL_MAX)
		return fail(ld, "%s item '%s' makes the pool larger than %u addresses", k->name,
			    item, CONFIG_POOL_MAX);
	if (pool->n == ld->pool_cap) {
		size_t cap = ld->pool_cap ? 2 * ld->pool_cap : 8;
		struct config_range *nr = realloc(pool->range, cap * sizeof(*nr));
		if (!nr)
			return fail(ld, "out of memory");
		pool->range = nr;
		unsigned *nl = realloc(ld->pool_line, cap * sizeof(*nl));
		if (!nl)
			return fail(ld, "out of memory");
		ld->pool_line = nl;
		ld->pool_cap = cap;
	}
	memmove(&pool->range[lo + 1], &pool->range[lo], (pool->n - lo) * sizeof(r));
	memmove(&ld->pool_line[lo + 1], &ld->pool_line[lo], (pool->n - lo) * sizeof(unsigned));
	pool->range[lo] = r;
	ld->pool_line[lo] = ld->lineno;
	pool->n++;
	pool->size += r.last - r.first + 1;
	return true;
}

static bool parse_pool(struct loader *ld, const struct key *k, void *field, const char *v)
{
	if (!need_value(ld, k, v))
		return false;
	return for_each_item(ld, k, v, pool_add, field);
}

/* The ranges of one pool, POOL_PER_LINE to a line, each line starting
 * with the key and, for a named pool, the name. */
static void print_ranges(FILE *f, const char *key, const char *name,
			 const struct config_pool *pool)
{
	char s[2 * INET_ADDRSTRLEN];

	for (size_t i = 0; i < pool->n; i++) {
		format_range(&pool->range[i], s, sizeof(s));
		if (i % POOL_PER_LINE == 0)
			fprintf(f, "%s%s%s %s", key, name ? " " : "", name ? name : "", s);
		else
			fprintf(f, ",%s", s);
		if (i % POOL_PER_LINE == POOL_PER_LINE - 1 || i + 1 == pool->n)
			fputc('\n', f);
	}
}

static void print_pool(FILE *f, const struct key *k, const void *field)
{
	const struct config_pool *pool = field;

	if (pool->n == 0)
		fprintf(f, "# %s (not set)\n", k->name);
	print_ranges(f, k->name, NULL, pool);
}

static void release_pool(void *field)
{
	struct config_pool *pool = field;
	free(pool->range);
	memset(pool, 0, sizeof(*pool));
}

/* ---- RADIUS servers and DAE clients: "addr[:port] secret" ---- */

#define SECRET_MAX 128 /* RADIUS_SECRET_MAX */

static bool parse_server(struct loader *ld, const struct key *k, void *field, const char *v)
{
	struct config_radius_servers *l = field;
	char addr[NETADDR_STRLEN + 1];
	struct config_radius_server srv;

	if (!need_value(ld, k, v))
		return false;
	size_t al = strcspn(v, " \t");
	const char *sec = v + al;
	while (*sec == ' ' || *sec == '\t')
		sec++;
	if (al >= sizeof(addr))
		return fail(ld, "'%.*s' is not an address for '%s'", (int)al, v, k->name);
	memcpy(addr, v, al);
	addr[al] = '\0';
	memset(&srv, 0, sizeof(srv));
	if (!netaddr_parse(addr, (uint16_t)k->min, &srv.addr, &srv.addrlen))
		return fail(ld, "'%s' is not an address for '%s' (a.b.c.d[:port] or "
			    "[v6 address][:port])", addr, k->name);
	if (!*sec)
		return fail(ld, "'%s' needs a shared secret after the address ('%s %s SECRET')",
			    k->name, k->name, addr);
	size_t sl = strcspn(sec, " \t");
	if (sl > SECRET_MAX)
		return fail(ld, "the secret for '%s' is longer than %d characters", k->name,
			    SECRET_MAX);
	/* Flags after the secret (a secret has no blanks): only
	 * require-message-authenticator=yes|no, only on radius-server. */
	for (const char *f = sec + sl; *f;) {
		while (*f == ' ' || *f == '\t')
			f++;
		size_t fl = strcspn(f, " \t");
		if (!fl)
			break;
		static const char ma[] = "require-message-authenticator=";
		bool is_ma = fl > sizeof(ma) - 1 && strncmp(f, ma, sizeof(ma) - 1) == 0;
		if (!is_ma)
			return fail(ld, "'%.*s' after the secret of '%s' is not a flag it knows "
				    "(the secret cannot contain blanks; flags: "
				    "require-message-authenticator=yes|no on radius-server)",
				    (int)fl, f, k->name);
		if (strcmp(k->name, "radius-server") != 0)
			return fail(ld, "require-message-authenticator= is a flag of "
				    "'radius-server' only (accounting replies carry none; DAE "
				    "has dae-require-message-authenticator)");
		const char *b = f + sizeof(ma) - 1;
		size_t bl = fl - (sizeof(ma) - 1);
		if (bl == 3 && strncmp(b, "yes", 3) == 0)
			srv.ma_optional = false;
		else if (bl == 2 && strncmp(b, "no", 2) == 0)
			srv.ma_optional = true;
		else
			return fail(ld, "'%.*s': require-message-authenticator= takes yes or no",
				    (int)fl, f);
		f += fl;
	}
	if (l->n == k->max)
		return fail(ld, "more than %lu '%s' lines", k->max, k->name);
	for (size_t i = 0; i < l->n; i++)
		if (netaddr_equal(&l->s[i].addr, &srv.addr))
			return fail(ld, "'%s %s' is given twice", k->name, addr);
	struct config_radius_server *ns = realloc(l->s, (l->n + 1) * sizeof(*ns));
	if (!ns)
		return fail(ld, "out of memory");
	l->s = ns;
	if (!(srv.secret = strndup(sec, sl)))
		return fail(ld, "out of memory");
	l->s[l->n++] = srv;
	return true;
}

static void print_server(FILE *f, const struct key *k, const void *field)
{
	const struct config_radius_servers *l = field;
	char a[NETADDR_STRLEN];

	if (l->n == 0)
		fprintf(f, "# %s (not set)\n", k->name);
	for (size_t i = 0; i < l->n; i++) {
		netaddr_format(&l->s[i].addr, k->min != 0, a, sizeof(a));
		fprintf(f, "%s %s ********%s\n", k->name, a,
			l->s[i].ma_optional ? " require-message-authenticator=no" : "");
	}
}

static void release_server(void *field)
{
	struct config_radius_servers *l = field;
	for (size_t i = 0; i < l->n; i++) {
		size_t n = strlen(l->s[i].secret);
		memset(l->s[i].secret, 0, n);
		free(l->s[i].secret);
	}
	free(l->s);
	memset(l, 0, sizeof(*l));
}

/* ---- repeatable text (radius-attr) ---- */

static bool parse_strs(struct loader *ld, const struct key *k, void *field, const char *v)
{
	struct config_strs *l = field;

	if (!need_value(ld, k, v))
		return false;
	if (l->n == k->max)
		return fail(ld, "more than %lu '%s' lines", k->max, k->name);
	if (k->check && !k->check(ld, k, v))
		return false;
	char **ns = realloc(l->s, (l->n + 1) * sizeof(*ns));
	if (!ns)
		return fail(ld, "out of memory");
	l->s = ns;
	if (!(l->s[l->n] = strdup(v)))
		return fail(ld, "out of memory");
	l->n++;
	return true;
}

static void print_strs(FILE *f, const struct key *k, const void *field)
{
	const struct config_strs *l = field;
	if (l->n == 0)
		fprintf(f, "# %s (not set)\n", k->name);
	for (size_t i = 0; i < l->n; i++)
		fprintf(f, "%s %s\n", k->name, l->s[i]);
}

static void release_strs(void *field)
{
	struct config_strs *l = field;
	for (size_t i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
	memset(l, 0, sizeof(*l));
}

/* "Name = value" or "Name=value", as pppd-radius and radclient write it. */
static bool check_attr(struct loader *ld, const struct key *k, const char *v)
{
	const char *eq = strchr(v, '=');
	if (!eq || eq == v || !eq[1])
		return fail(ld, "'%s' for '%s' is not 'Attribute-Name = value'", v, k->name);
	if (ld->cfg->radius_attrs.n < sizeof(ld->attr_line) / sizeof(ld->attr_line[0]))
		ld->attr_line[ld->cfg->radius_attrs.n] = ld->lineno;
	return true;
}

/* "addr[:port]" */
static bool check_hostport(struct loader *ld, const struct key *k, const char *v)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (!netaddr_parse(v, CONFIG_DAE_PORT, &ss, &sl))
		return fail(ld, "'%s' is not an address for '%s' (a.b.c.d[:port] or "
			    "[v6 address][:port])", v, k->name);
	return true;
}

/* metrics-listen: the port is required (there is no registered one). With
 * default 0, netaddr_parse() leaves port 0 when none is written;
 * sin_port and sin6_port share their offset. */
static bool check_metrics_listen(struct loader *ld, const struct key *k, const char *v)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	if (!netaddr_parse(v, 0, &ss, &sl) || ((struct sockaddr_in *)&ss)->sin_port == 0)
		return fail(ld, "'%s' is not an address with a port for '%s' (a.b.c.d:port or "
			    "[v6 address]:port)", v, k->name);
	return true;
}

/* ---- named pools: "pool NAME ITEMS" (RADIUS Framed-Pool) ---- */

static bool parse_named_pool(struct loader *ld, const struct key *k, void *field, const char *v)
{
	struct config_named_pools *l = field;
	char name[CONFIG_POOL_NAME_MAX + 1];

	if (!need_value(ld, k, v))
		return false;
	size_t nl = strcspn(v, " \t");
	const char *items = v + nl;
	while (*items == ' ' || *items == '\t')
		items++;
	if (nl == 0 || nl > CONFIG_POOL_NAME_MAX || strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				"abcdefghijklmnopqrstuvwxyz0123456789._-") < nl)
		return fail(ld, "'%.*s' is not a pool name for '%s' (1 to %d letters, digits, "
			    "'.', '_' or '-')", (int)nl, v, k->name, CONFIG_POOL_NAME_MAX);
	memcpy(name, v, nl);
	name[nl] = '\0';
	if (!*items)
		return fail(ld, "'%s %s' needs addresses ('%s NAME ITEMS', as remoteip takes them)",
			    k->name, name, k->name);
	size_t i;
	for (i = 0; i < l->n; i++)
		if (strcmp(l->p[i].name, name) == 0)
			break;
	if (i == l->n) {
		if (l->n == k->max)
			return fail(ld, "more than %lu named pools", k->max);
		struct config_named_pool *np = realloc(l->p, (l->n + 1) * sizeof(*np));
		if (!np)
			return fail(ld, "out of memory");
		l->p = np;
		struct np_lines *nlines = realloc(ld->np, (l->n + 1) * sizeof(*nlines));
		if (!nlines)
			return fail(ld, "out of memory");
		ld->np = nlines;
		memset(&l->p[i], 0, sizeof(l->p[i]));
		memset(&ld->np[i], 0, sizeof(ld->np[i]));
		if (!(l->p[i].name = strdup(name)))
			return fail(ld, "out of memory");
		l->p[i].line = ld->lineno;
		l->n++;
	}
	/* pool_add keeps its line numbers in ld->pool_line: lend it this pool's. */
	unsigned *main_line = ld->pool_line;
	size_t main_cap = ld->pool_cap;
	ld->pool_line = ld->np[i].line;
	ld->pool_cap = ld->np[i].cap;
	bool ok = for_each_item(ld, k, items, pool_add, &l->p[i].pool);
	ld->np[i].line = ld->pool_line;
	ld->np[i].cap = ld->pool_cap;
	ld->pool_line = main_line;
	ld->pool_cap = main_cap;
	return ok;
}

static void print_named_pool(FILE *f, const struct key *k, const void *field)
{
	const struct config_named_pools *l = field;

	if (l->n == 0)
		fprintf(f, "# %s (not set)\n", k->name);
	for (size_t i = 0; i < l->n; i++)
		print_ranges(f, k->name, l->p[i].name, &l->p[i].pool);
}

static void release_named_pool(void *field)
{
	struct config_named_pools *l = field;
	for (size_t i = 0; i < l->n; i++) {
		free(l->p[i].name);
		release_pool(&l->p[i].pool);
	}
	free(l->p);
	memset(l, 0, sizeof(*l));
}

/* ---- poptop keys that mean nothing here ---- */

static bool parse_ignored(struct loader *ld, const struct key *k, void *field, const char *v)
{
	(void)field;
	(void)v;
	log_warnx("%s:%u: '%s' is ignored: %s", ld->name, ld->lineno, k->name, k->note);
	return true;
}

static bool parse_rejected(struct loader *ld, const struct key *k, void *field, const char *v)
{
	(void)field;
	(void)v;
	return fail(ld, "'%s' is not supported: %s", k->name, k->note);
}

/* ---- option FILE: a pppd options file (conf/pppd_options.h) ---- */

static bool apply(struct loader *ld, const char *name, const char *value, const char *extra);

static bool option_set(void *ctx, unsigned line, const char *opt, const char *key,
		       const char *value)
{
	struct loader *ld = ctx;
	unsigned main_line = ld->lineno;
	unsigned before = ld->errors;

	ld->lineno = line;
	ld->cur_opt = opt;
	apply(ld, key, value, NULL);
	ld->cur_opt = NULL;
	ld->lineno = main_line;
	return ld->errors == before;
}

static bool fail_in(struct loader *ld, const char *file, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool fail_in(struct loader *ld, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfail_in(ld, file, line, fmt, ap);
	va_end(ap);
	return false;
}

/* Line 0: the file as a whole, reported at the `option` line. */
static void option_error(void *ctx, unsigned line, const char *msg)
{
	struct loader *ld = ctx;

	if (line)
		fail_at(ld, line, "%s", msg);
	else
		fail_in(ld, ld->main, ld->lineno, "'option %s': %s", ld->name, msg);
}

static bool parse_option(struct loader *ld, const struct key *k, void *field, const char *v)
{
	(void)field;
	if (!need_value(ld, k, v))
		return false;
	if (ld->noptfiles == OPTION_FILES_MAX)
		return fail(ld, "more than %d '%s' lines", OPTION_FILES_MAX, k->name);
	for (size_t i = 0; i < ld->noptfiles; i++)
		if (strcmp(ld->optfiles[i], v) == 0)
			return fail(ld, "'%s %s' is given twice", k->name, v);
	char *copy = strdup(v);
	if (!copy)
		return fail(ld, "out of memory");
	ld->optfiles[ld->noptfiles++] = copy;

	const struct pppd_options_sink sink = {
		.ctx = ld, .set = option_set, .error = option_error,
	};
	const char *main_name = ld->name;
	ld->name = copy;
	unsigned errors = pppd_options_read(copy, &sink);
	ld->name = main_name;
	/* The options file's own errors are reported; the line itself is fine. */
	(void)errors;
	return true;
}

/* An alias is resolved by apply(); this is never called. */
static bool parse_alias(struct loader *ld, const struct key *k, void *field, const char *v)
{
	(void)field;
	(void)v;
	return fail(ld, "'%s': internal error", k->name);
}

static const struct type t_bool = { parse_bool, print_bool, NULL, false, false, false };
static const struct type t_uint = { parse_uint, print_uint, NULL, false, false, false };
static const struct type t_uint_auto = { parse_uint_auto, print_uint_auto, NULL, false, false,
					 false };
static const struct type t_str = { parse_str, print_str, release_str, false, false, false };
static const struct type t_server = { parse_server, print_server, release_server, true, false,
				      true };
static const struct type t_named_pool = { parse_named_pool, print_named_pool,
					  release_named_pool, true, false, true };
static const struct type t_strs = { parse_strs, print_strs, release_strs, true, false, true };
static const struct type t_enum = { parse_enum, print_enum, NULL, false, false, false };
static const struct type t_loglevel = { parse_loglevel, print_loglevel, NULL, false, false, false };
static const struct type t_addr_opt = { parse_addr, print_addr_opt, NULL, false, false, false };
static const struct type t_addr = { parse_addr, print_addr, NULL, false, false, false };
static const struct type t_addrs = { parse_addrs, print_addrs, release_addrs, true, false, false };
static const struct type t_pool = { parse_pool, print_pool, release_pool, true, false, false };
static const struct type t_ipv6_prefix = { parse_ipv6_prefix, print_ipv6_prefix, NULL, false,
					   false, false };
static const struct type t_ipv6_pool = { parse_ipv6_pool, print_ipv6_pool, NULL, true, false,
					 true };
static const struct type t_ipv6_addrs = { parse_ipv6_addrs, print_ipv6_addrs, NULL, true, false,
					  false };
static const struct type t_ignored = { parse_ignored, NULL, NULL, true, true, false };
static const struct type t_rejected = { parse_rejected, NULL, NULL, true, true, false };
static const struct type t_alias = { parse_alias, NULL, NULL, false, false, false };
static const struct type t_option = { parse_option, NULL, NULL, true, false, true };

/* ---- the keys ---- */

/* One key: name, value type, field of struct config, default (NULL: none). */
#define KEY(name_, type_, field_, def_) \
	.name = (name_), .type = &(type_), .off = offsetof(struct config, field_), .def = (def_), \
	.size = sizeof(((struct config *)0)->field_)

static const char *const auth_names[] = { "sqlite", "radius", NULL };
static const char *const user_domain_names[] = { "strip", "keep", "refuse", NULL };
static const char *const tun_io_names[] = { "auto", "io_uring", "syscall", NULL };
/* In the order of enum log_target (common/log.h). */
static const char *const log_target_names[] = { "auto", "stderr", "syslog", "journal", NULL };

#define PPP_KEYS "ms-dns, ms-wins, require-mppe, require-mppe-128, refuse-pap, " \
	"refuse-chap, lcp-echo-interval, mtu, mru, proxyarp"

static const struct key keys[] = {
	{ KEY("listen", t_addrs, listen, "0.0.0.0"), .max = 16, .flags = K_WILDCARD },
	{ KEY("localip", t_addr, localip, NULL), .flags = K_REQUIRED, .check = check_one_addr,
	  .note = "the server's tunnel address, e.g. 'localip 192.0.2.1'" },
	{ KEY("remoteip", t_pool, pool, NULL), .flags = K_REQUIRED,
	  .note = "the client address pool, e.g. 'remoteip 192.0.2.10-200'" },
	{ KEY("pool", t_named_pool, pools, NULL), .max = 64 },
	{ KEY("connections", t_uint, connections, "100"), .min = 1, .max = 65535 },
	{ KEY("stimeout", t_uint, stimeout, "10"), .min = 1, .max = 3600 },
	{ KEY("max-connections-per-address", t_uint, max_conn_per_addr, "64"), .min = 1,
	  .max = 65535 },
	{ KEY("max-unstarted-connections", t_uint, max_unstarted, "256"), .min = 1,
	  .max = 65535 },
	{ KEY("max-calls-per-connection", t_uint, max_calls_per_conn, "16"), .min = 1,
	  .max = 65535 },
	{ KEY("max-calls-per-address", t_uint, max_calls_per_addr, "64"), .min = 1,
	  .max = 65535 },
	{ KEY("call-setup-timeout", t_uint, call_setup_timeout, "30"), .min = 1, .max = 3600 },
	{ KEY("echo-interval", t_uint, echo_interval, "60"), .min = 1, .max = 3600 },
	{ KEY("echo-timeout", t_uint, echo_timeout, "60"), .min = 1, .max = 3600 },
	{ KEY("ctrl-idle-timeout", t_uint, ctrl_idle_timeout, "60"), .min = 1, .max = 86400 },
	{ KEY("gre-reorder-packets", t_uint, gre_reorder_packets, "4"), .min = 0, .max = 64 },
	{ KEY("gre-reorder-hold-ms", t_uint, gre_reorder_hold_ms, "5"), .min = 1, .max = 1000 },
	{ KEY("gre-tx-queue", t_uint, gre_tx_queue, "256"), .min = 0, .max = 1024 },
	{ KEY("workers", t_uint_auto, workers, "auto"), .min = 1, .max = 32 },
	{ KEY("logwtmp", t_bool, logwtmp, "no") },
	{ KEY("auth", t_enum, auth, "sqlite"), .names = auth_names },
	{ KEY("user-db", t_str, user_db, "/var/lib/pptpd/users.db"), .flags = K_ABSPATH },
	/* Default by `auth` (check_auth): strip for sqlite, keep for radius. */
	{ KEY("user-domain", t_enum, user_domain, NULL), .names = user_domain_names },
	{ KEY("lockout-user-failures", t_uint, lockout_user_failures, "5"), .min = 0,
	  .max = 1000 },
	{ KEY("lockout-source-failures", t_uint, lockout_source_failures, "20"), .min = 0,
	  .max = 100000 },
	{ KEY("lockout-window", t_uint, lockout_window, "300"), .min = 1, .max = 86400 },
	{ KEY("lockout-time", t_uint, lockout_time, "900"), .min = 1, .max = 86400 },
	{ KEY("lockout-table-size", t_uint, lockout_table_size, "4096"), .min = 64,
	  .max = 262144 },
	{ KEY("tun", t_str, tun, "pptp0"), .check = check_ifname },
	{ KEY("tun-io", t_enum, tun_io, "auto"), .names = tun_io_names },
	{ KEY("ms-dns", t_addrs, ms_dns, NULL), .max = 2 },
	{ KEY("ms-wins", t_addrs, ms_wins, NULL), .max = 2 },
	{ KEY("require-mppe", t_bool, require_mppe, "yes") },
	{ KEY("require-mppe-128", t_bool, require_mppe_128, "yes") },
	{ KEY("mppe-40", t_bool, mppe_40, "no") },
	{ KEY("mppe-56", t_bool, mppe_56, "no") },
	{ KEY("mppe-stateful", t_bool, mppe_stateful, "no") },
	{ KEY("refuse-pap", t_bool, refuse_pap, "yes") },
	{ KEY("refuse-chap", t_bool, refuse_chap, "yes") },
	{ KEY("refuse-mschap", t_bool, refuse_mschap, "yes") },
	{ KEY("refuse-mschap-v2", t_bool, refuse_mschap_v2, "no") },
	{ KEY("lcp-echo-interval", t_uint, lcp_echo_interval, "30"), .min = 0, .max = 3600 },
	{ KEY("lcp-echo-failure", t_uint, lcp_echo_failure, "4"), .min = 1, .max = 255 },
	{ KEY("mtu", t_uint, mtu, "1400"), .min = 576, .max = 1500 },
	{ KEY("mru", t_uint, mru, "1400"), .min = 576, .max = 1500 },
	{ KEY("proxyarp", t_bool, proxyarp, "no") },
	{ KEY("mss-clamp", t_bool, mss_clamp, "yes") },
	{ KEY("idle", t_uint, idle, "0"), .min = 0, .max = 604800 },
	/* Per-session policing (server/shaper.h): kbit/s, 0 none; the burst
	 * in ms of the rate so one value fits every user's rate. */
	{ KEY("rate-limit-down", t_uint, rate_limit_down, "0"), .min = 0, .max = 10000000 },
	{ KEY("rate-limit-up", t_uint, rate_limit_up, "0"), .min = 0, .max = 10000000 },
	{ KEY("rate-limit-burst", t_uint, rate_limit_burst, "100"), .min = 1, .max = 60000 },
	{ KEY("auth-timeout", t_uint, auth_timeout, "30"), .min = 5, .max = 300 },
	{ KEY("auth-retries", t_uint, auth_retries, "3"), .min = 0, .max = 10 },
	/* EAP pass-through to RADIUS (docs/eap.md); check_auth() ties it to
	 * auth radius. 50 rounds carry an EAP-TLS login with a long chain in
	 * 1 KB fragments several times over. */
	{ KEY("eap", t_bool, eap, "no") },
	{ KEY("require-eap", t_bool, require_eap, "no") },
	{ KEY("eap-max-rounds", t_uint, eap_max_rounds, "50"), .min = 5, .max = 200 },
	{ KEY("eap-timeout", t_uint, eap_timeout, "60"), .min = 10, .max = 600 },
	{ KEY("log-level", t_loglevel, log_level, "notice") },
	{ KEY("log-target", t_enum, log_target, "auto"), .names = log_target_names },
	/* The admin socket (server/admin.h): made as root, 0600, owned by `user`. */
	{ KEY("control-socket", t_str, control_socket, "/run/pptpd/control.sock"),
	  .max = SUN_PATH_MAX, .flags = K_ABSPATH },
	{ KEY("ip-up", t_str, ip_up, NULL), .flags = K_ABSPATH, .check = check_exec },
	{ KEY("ip-down", t_str, ip_down, NULL), .flags = K_ABSPATH, .check = check_exec },
	{ KEY("pidfile", t_str, pidfile, NULL), .flags = K_ABSPATH },
	{ KEY("user", t_str, user, "pptpd"), .max = 32, .check = check_user },
	{ KEY("group", t_str, group, NULL), .max = 32, .check = check_group },
	{ KEY("hook-user", t_str, hook_user, "root"), .max = 32, .check = check_user },
	/* t_server: .min is the default port, .max the most servers. */
	{ KEY("radius-server", t_server, radius_auth, NULL), .min = CONFIG_RADIUS_AUTH_PORT,
	  .max = 8 },
	{ KEY("radius-acct-server", t_server, radius_acct, NULL), .min = CONFIG_RADIUS_ACCT_PORT,
	  .max = 8 },
	{ KEY("radius-config", t_str, radius_config, NULL), .flags = K_ABSPATH },
	{ KEY("radius-dictionary", t_str, radius_dictionary, "/etc/radcli/dictionary"),
	  .flags = K_ABSPATH },
	{ KEY("radius-attr", t_strs, radius_attrs, NULL), .max = 32, .check = check_attr },
	{ KEY("radius-timeout", t_uint, radius_timeout, "3"), .min = 1, .max = 60 },
	{ KEY("radius-tries", t_uint, radius_tries, "3"), .min = 1, .max = 10 },
	{ KEY("radius-dead-time", t_uint, radius_dead_time, "30"), .min = 1, .max = 3600 },
	{ KEY("radius-status-server", t_bool, radius_status_server, "yes") },
	{ KEY("radius-nas-identifier", t_str, radius_nas_identifier, NULL), .max = 253 },
	{ KEY("radius-nas-ip", t_addr_opt, radius_nas_ip, NULL) },
	{ KEY("radius-bind", t_addr_opt, radius_bind, NULL) },
	{ KEY("radius-acct-interim", t_uint, radius_acct_interim, "0"), .min = 0, .max = 86400 },
	{ KEY("radius-acct-spool", t_str, radius_acct_spool, "/var/lib/pptpd/acct-spool.db"),
	  .flags = K_ABSPATH },
	{ KEY("dae-listen", t_str, dae_listen, NULL), .check = check_hostport },
	{ KEY("dae-client", t_server, dae_clients, NULL), .min = 0, .max = 64 },
	{ KEY("dae-require-message-authenticator", t_bool, dae_require_ma, "yes") },
	{ KEY("dae-require-event-timestamp", t_bool, dae_require_event_timestamp, "no") },
	{ KEY("dae-event-timestamp-window", t_uint, dae_event_timestamp_window, "300"), .min = 1,
	  .max = 3600 },
	{ KEY("metrics-listen", t_str, metrics_listen, NULL), .check = check_metrics_listen },
	/* IPv6 on the sessions (docs/ipv6.md): one /64 per session from the pool. */
	{ KEY("ipv6", t_bool, ipv6, "no") },
	{ KEY("ipv6-prefix-pool", t_ipv6_prefix, ipv6_prefix_pool, NULL) },
	{ KEY("ipv6-dns", t_ipv6_addrs, ipv6_dns, NULL), .max = CONFIG_IPV6_DNS_MAX },
	{ KEY("ipv6-pool", t_ipv6_pool, ipv6_pools, NULL), .max = CONFIG_IPV6_POOLS_MAX },
	/* poptop compatibility */
	{ .name = "debug", .type = &t_alias, .def = "debug", .note = "log-level" },
	{ .name = "speed", .type = &t_ignored, .note = "there is no serial line in PPTP" },
	{ .name = "noipparam", .type = &t_ignored, .note = "there is no pppd to pass ipparam to" },
	/* A pppd options file, read into the keys above (conf/pppd_options.h). */
	{ .name = "option", .type = &t_option },
	{ .name = "ppp", .type = &t_rejected,
	  .note = "there is no pppd: this server has its own PPP stack and PPP options are "
		  "keys in this file now (" PPP_KEYS "), or come from the pppd options file "
		  "that 'option' names" },
	{ .name = "bcrelay", .type = &t_rejected, .note = "no broadcast relay is built in" },
	{ .name = "delegate", .type = &t_rejected,
	  .note = "addresses come from remoteip (or a user's static address)" },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

size_t config_key_count(void)
{
	return NKEYS;
}

const char *config_key_name(size_t i)
{
	return i < NKEYS ? keys[i].name : NULL;
}

static const struct key *key_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static bool key_seen(const struct loader *ld, const struct key *k)
{
	return ld->line[k - keys] != 0;
}

static unsigned line_of(const struct loader *ld, const char *name)
{
	const struct key *k = key_find(name);
	return k ? ld->line[k - keys] : 0;
}

static void *field_of(struct config *cfg, const struct key *k)
{
	return (char *)cfg + k->off;
}

static const void *cfield_of(const struct config *cfg, const struct key *k)
{
	return (const char *)cfg + k->off;
}

static bool unknown_key(struct loader *ld, const char *name)
{
	const char *best = suggest_name(name, config_key_name, NKEYS);

	if (best)
		return fail(ld, "unknown key '%s' (did you mean '%s'?)", name, best);
	if (strchr(name, '='))
		return fail(ld, "unknown key '%s' (write 'key value', without '=')", name);
	return fail(ld, "unknown key '%s'", name);
}

/* ---- lines ---- */

static bool apply(struct loader *ld, const char *name, const char *value, const char *extra)
{
	const struct key *k = key_find(name);
	const struct key *dst = k;

	if (!k && ld->cur_opt)
		return fail(ld, "pppd option '%s' sets '%s', a key this build does not have: "
			    "remove the line", ld->cur_opt, name);
	if (!k)
		return unknown_key(ld, name);
	if (k->type == &t_alias) {
		if (value)
			return fail(ld, "'%s' takes no value (it means '%s %s')", name, k->note,
				    k->def);
		dst = key_find(k->note);
		value = k->def;
	}
	if (extra && !dst->type->any_args)
		return fail(ld, "'%s' takes one value; unexpected '%s'", name, extra);
	size_t i = (size_t)(dst - keys);
	unsigned *line = &ld->line[i];
	const char *here = ld->cur_opt ? ld->name : NULL; /* NULL: the main file */
	if (*line && ld->file[i] != here) {
		ld->bad[i] = true;
		if (ld->cur_opt && !ld->file[i])
			return fail(ld, "pppd option '%s' sets '%s', which %s:%u sets too: keep "
				    "one of them", ld->cur_opt, dst->name, ld->main, *line);
		if (ld->cur_opt)
			return fail(ld, "pppd option '%s' sets '%s', which pppd option '%s' in "
				    "%s:%u sets too: keep one of them", ld->cur_opt, dst->name,
				    ld->opt[i], ld->file[i], *line);
		return fail(ld, "'%s' is also set by pppd option '%s' in %s:%u: keep one of "
			    "them", dst->name, ld->opt[i], ld->file[i], *line);
	}
	if (*line && !dst->type->repeat) {
		ld->bad[i] = true;
		if (dst != k)
			return fail(ld, "'%s' sets '%s', which is already set on line %u", name,
				    dst->name, *line);
		return fail(ld, "'%s' is already set on line %u", name, *line);
	}
	if (!dst->type->parse(ld, dst, field_of(ld->cfg, dst), value)) {
		ld->bad[i] = true;
		return false;
	}
	*line = ld->lineno;
	ld->file[i] = here;
	ld->opt[i] = ld->cur_opt;
	return true;
}

/* The value of a key that takes the rest of the line: from after the key
 * to a '#' that starts a word, blanks at both ends removed. NULL if empty. */
static char *rest_of_line(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	p += strcspn(p, " \t"); /* the key */
	while (*p == ' ' || *p == '\t')
		p++;
	char *start = p, *end = p;
	for (char *q = p; *q; q++) {
		if (*q == '#' && (q == start || q[-1] == ' ' || q[-1] == '\t'))
			break;
		if (*q != ' ' && *q != '\t')
			end = q + 1;
	}
	*end = '\0';
	return *start ? start : NULL;
}

/* Split at blanks; '#' at the start of a word starts a comment. */
static bool parse_line(struct loader *ld, char *p)
{
	char *word[3] = { NULL, NULL, NULL };
	size_t n = 0;
	char whole[LINE_MAX_LEN + 1];

	snprintf(whole, sizeof(whole), "%s", p);

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		if (n < 3)
			word[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = '\0';
	}
	if (!n)
		return true;
	const struct key *k = key_find(word[0]);
	if (k && k->type->rest)
		return apply(ld, word[0], rest_of_line(whole), NULL);
	return apply(ld, word[0], word[1], word[2]);
}

/* Copy the next line (without its end of line) into line[cap]. */
static bool read_line(struct loader *ld, struct rbuf *r, char *line, size_t cap)
{
	size_t n = 0;
	uint8_t c, next;

	while (rbuf_u8(r, &c) && c != '\n') {
		if (c == '\r' && (!rbuf_peek_u8(r, 0, &next) || next == '\n'))
			continue; /* CRLF line ends */
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			fail(ld, "control character 0x%02x in line", c);
		else if (n + 1 >= cap)
			fail(ld, "line is longer than %zu characters", cap - 1);
		else {
			line[n++] = (char)c;
			continue;
		}
		while (rbuf_u8(r, &c) && c != '\n') /* the rest of the bad line */
			;
		return false;
	}
	line[n] = '\0';
	return true;
}

/* ---- checks across keys ---- */

/* An error at the line that set key, in the file that set it. */
static bool fail_key(struct loader *ld, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail_key(struct loader *ld, const char *key, const char *fmt, ...)
{
	const struct key *k = key_find(key);
	size_t i = k ? (size_t)(k - keys) : 0;
	va_list ap;

	va_start(ap, fmt);
	unsigned line = k ? ld->line[i] : 0;
	/* Not set in any file: the end of pptpd.conf. */
	vfail_in(ld, k && ld->file[i] ? ld->file[i] : ld->main,
		 line ? line : (ld->lineno ? ld->lineno : 1), fmt, ap);
	va_end(ap);
	return false;
}

/* Did a line setting any of these keys fail? The checks across keys leave
 * such keys alone: their value is not what the file meant. */
static bool any_bad(const struct loader *ld, const char *const *names)
{
	for (; *names; names++) {
		const struct key *k = key_find(*names);
		if (k && ld->bad[k - keys])
			return true;
	}
	return false;
}

#define ANY_BAD(ld, ...) any_bad((ld), (const char *const[]){ __VA_ARGS__, NULL })

static bool check_required(struct loader *ld, unsigned last)
{
	for (size_t i = 0; i < NKEYS; i++) {
		if ((keys[i].flags & K_REQUIRED) && !ld->line[i] && !ld->bad[i])
			return fail_at(ld, last, "required key '%s' is missing: %s", keys[i].name,
				       keys[i].note);
	}
	return true;
}

static bool check_addresses(struct loader *ld)
{
	const struct config *c = ld->cfg;
	char s[INET_ADDRSTRLEN];

	if (ANY_BAD(ld, "listen", "localip", "remoteip", "pool"))
		return true;
	if (c->listen.n > 1) {
		for (size_t i = 0; i < c->listen.n; i++)
			if (c->listen.addr[i].s_addr == INADDR_ANY)
				return fail_key(ld, "listen",
						"'listen 0.0.0.0' means every address and cannot "
						"be combined with other listen addresses");
	}
	for (size_t p = 0; p < c->pools.n; p++) {
		const struct config_pool *np = &c->pools.p[p].pool;
		for (size_t r = 0; r < np->n; r++) {
			const struct config_range *a = &np->range[r];
			char what[2 * INET_ADDRSTRLEN];
			format_range(a, what, sizeof(what));
			uint32_t local = ntohl(c->localip.s_addr);
			if (a->first <= local && local <= a->last)
				return fail_at(ld, ld->np[p].line[r], "localip is inside pool %s ('%s')",
					       c->pools.p[p].name, what);
			for (size_t q = 0; q <= p; q++) {
				const struct config_pool *other = q == p ? &c->pool : &c->pools.p[q].pool;
				for (size_t o = 0; o < other->n; o++) {
					const struct config_range *b = &other->range[o];
					if (a->first <= b->last && b->first <= a->last) {
						char bs[2 * INET_ADDRSTRLEN];
						format_range(b, bs, sizeof(bs));
						return fail_at(ld, ld->np[p].line[r],
							       "pool %s item '%s' overlaps '%s' of %s",
							       c->pools.p[p].name, what, bs,
							       q == p ? "remoteip" : c->pools.p[q].name);
					}
				}
			}
		}
	}
	size_t i = pool_find(&c->pool, ntohl(c->localip.s_addr));
	if (i < c->pool.n) {
		format_ip(ntohl(c->localip.s_addr), s);
		return fail_key(ld, "localip",
				"localip %s is inside the remoteip pool (line %u): the server's "
				"own address cannot be given to a client", s, ld->pool_line[i]);
	}
	return true;
}

/* A weaker MPPE setting while require-mppe-128 is yes. */
static bool mppe_conflict(struct loader *ld, const char *key, const char *setting)
{
	const struct key *k128 = key_find("require-mppe-128");
	unsigned l128 = ld->line[k128 - keys];
	if (l128)
		return fail_key(ld, key,
				"'%s' conflicts with 'require-mppe-128 yes' on line %u%s%s: "
				"also set 'require-mppe-128 no'", setting, l128,
				ld->file[k128 - keys] ? " of " : "",
				ld->file[k128 - keys] ? ld->file[k128 - keys] : "");
	return fail_key(ld, key,
			"'%s' conflicts with require-mppe-128, which is yes by default: "
			"also set 'require-mppe-128 no'", setting);
}

static bool check_mppe(struct loader *ld)
{
	const struct config *c = ld->cfg;

	if (!c->require_mppe_128 ||
	    ANY_BAD(ld, "require-mppe-128", "require-mppe", "mppe-40", "mppe-56"))
		return true;
	if (!c->require_mppe)
		return mppe_conflict(ld, "require-mppe", "require-mppe no");
	if (c->mppe_40)
		return mppe_conflict(ld, "mppe-40", "mppe-40 yes");
	if (c->mppe_56)
		return mppe_conflict(ld, "mppe-56", "mppe-56 yes");
	return true;
}

static bool check_auth(struct loader *ld)
{
	const struct config *c = ld->cfg;

	/* One canonical user name: the SQLite store's names carry no domain;
	 * a RADIUS server gets the name as the client sent it. */
	if (!line_of(ld, "user-domain"))
		ld->cfg->user_domain = c->auth == CONFIG_AUTH_RADIUS ? CONFIG_USER_DOMAIN_KEEP
								    : CONFIG_USER_DOMAIN_STRIP;
	static const char *const refuse[] = { "refuse-pap", "refuse-chap", "refuse-mschap",
					      "refuse-mschap-v2" };

	if (ANY_BAD(ld, "auth", "refuse-pap", "refuse-chap", "refuse-mschap", "refuse-mschap-v2",
		    "radius-server", "radius-config", "dae-listen", "dae-client", "require-mppe",
		    "eap", "require-eap"))
		return true;
	/* EAP is a method of its own: with it the CHAP kinds may all be
	 * refused, and its keys come from the EAP method (EAP-TLS, PEAP). */
	if (!c->eap && c->refuse_pap && c->refuse_chap && c->refuse_mschap &&
	    c->refuse_mschap_v2) {
		const char *last_set = refuse[3];
		unsigned line = 0;
		for (size_t i = 0; i < sizeof(refuse) / sizeof(refuse[0]); i++)
			if (line_of(ld, refuse[i]) > line) {
				line = line_of(ld, refuse[i]);
				last_set = refuse[i];
			}
		return fail_key(ld, last_set,
				"every authentication method is refused (refuse-pap, refuse-chap, "
				"refuse-mschap and refuse-mschap-v2 are all yes): allow at least "
				"one, normally with 'refuse-mschap-v2 no'");
	}
	if (c->auth == CONFIG_AUTH_SQLITE && !c->refuse_chap)
		return fail_key(ld, "refuse-chap",
				"'refuse-chap no' cannot work with 'auth sqlite': the SQLite store "
				"keeps only NT hashes and CHAP-MD5 needs a clear-text password");
	if (c->auth == CONFIG_AUTH_RADIUS && !c->radius_auth.n && !c->radius_config)
		return fail_key(ld, "auth",
				"'auth radius' needs at least one 'radius-server ADDR[:PORT] SECRET' "
				"(or 'radius-config' naming a radiusclient.conf)");
	if (c->auth != CONFIG_AUTH_RADIUS && c->radius_auth.n)
		return fail_key(ld, "radius-server",
				"'radius-server' is set but 'auth' is not radius: set 'auth radius' "
				"(accounting alone needs only 'radius-acct-server')");
	if (c->dae_listen && !c->dae_clients.n)
		return fail_key(ld, "dae-listen",
				"'dae-listen' needs at least one 'dae-client ADDR SECRET': "
				"requests from anyone else are dropped");
	if (!c->dae_listen && c->dae_clients.n)
		return fail_key(ld, "dae-client", "'dae-client' is set but 'dae-listen' is not");
	if (c->eap && c->auth != CONFIG_AUTH_RADIUS)
		return fail_key(ld, "eap",
				"'eap yes' needs 'auth radius': EAP is relayed to a RADIUS server "
				"(which holds the certificates); the SQLite store keeps MS-CHAPv2");
	if (c->require_eap && !c->eap)
		return fail_key(ld, "require-eap",
				"'require-eap yes' needs 'eap yes': it refuses the fallback from EAP "
				"to MS-CHAPv2");
	if (!c->eap && c->require_mppe && c->refuse_mschap && c->refuse_mschap_v2) {
		return fail_key(ld, "refuse-mschap-v2",
				"require-mppe is yes but MS-CHAP is refused: MPPE keys come from "
				"MS-CHAP, so allow 'refuse-mschap-v2 no' or set 'require-mppe no'");
	}
	return true;
}

static bool check_ipv6(struct loader *ld)
{
	const struct config *c = ld->cfg;

	if (ANY_BAD(ld, "ipv6", "ipv6-prefix-pool", "ipv6-dns", "ipv6-pool"))
		return true;
	if (c->ipv6 && !c->ipv6_prefix_pool.len)
		return fail_key(ld, "ipv6",
				"'ipv6 yes' needs 'ipv6-prefix-pool PREFIX/LEN' (LEN at most 64): "
				"each session gets a /64 from it");
	/* A /64 belongs to one pool: the data path finds its session there. */
	const struct config_ipv6_pools *l = &c->ipv6_pools;
	for (unsigned i = 0; i < l->n; i++) {
		if (c->ipv6_prefix_pool.len && prefixes_overlap(&l->p[i].prefix, &c->ipv6_prefix_pool))
			return fail_at(ld, l->p[i].line, "'ipv6-pool %s' overlaps ipv6-prefix-pool",
				       l->p[i].name);
		for (unsigned j = 0; j < i; j++)
			if (prefixes_overlap(&l->p[i].prefix, &l->p[j].prefix))
				return fail_at(ld, l->p[i].line,
					       "'ipv6-pool %s' overlaps 'ipv6-pool %s' (line %u)",
					       l->p[i].name, l->p[j].name, l->p[j].line);
	}
	return true;
}

/* ---- checks of the machine (config_check) ---- */

static bool check_readable(struct loader *ld, const char *key, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return fail_key(ld, key, "'%s' for '%s': %s", path, key, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return fail_key(ld, key, "'%s' for '%s' is not a regular file", path, key);
	if (access(path, R_OK) != 0)
		return fail_key(ld, key, "'%s' for '%s' cannot be read: %s", path, key,
				strerror(errno));
	return true;
}

/* The directory of path exists, or its parent does (start-up makes it). */
static bool check_state_dir(struct loader *ld, const char *key, const char *path)
{
	char dir[LINE_MAX_LEN + 1];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	for (int up = 0; up < 2; up++) {
		char *slash = strrchr(dir, '/');
		if (!slash)
			return true;
		*slash = '\0';
		if (!dir[0] || (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)))
			return true;
	}
	return fail_key(ld, key, "'%s' for '%s': neither its directory nor that directory's "
			"parent exists", path, key);
}

static void check_machine(struct loader *ld)
{
	const struct config *c = ld->cfg;
	char why[256];

	if (c->radius_config && !ANY_BAD(ld, "radius-config") &&
	    check_readable(ld, "radius-config", c->radius_config) && ld->checks->radius_config &&
	    !ld->checks->radius_config(c->radius_config, why, sizeof(why)))
		fail_key(ld, "radius-config", "'%s' for 'radius-config': %s", c->radius_config,
			 why);
	if (c->auth == CONFIG_AUTH_SQLITE && !ANY_BAD(ld, "auth", "user-db"))
		check_state_dir(ld, "user-db", c->user_db);
	if (!c->radius_attrs.n || ANY_BAD(ld, "radius-dictionary", "radius-attr"))
		return;
	if (!line_of(ld, "radius-dictionary")) /* the default: blame the first attr */
		ld->line[key_find("radius-dictionary") - keys] = ld->attr_line[0];
	if (!check_readable(ld, "radius-dictionary", c->radius_dictionary) ||
	    !ld->checks->radius_attr)
		return;
	for (size_t i = 0; i < c->radius_attrs.n; i++) {
		if (ld->checks->radius_attr(c->radius_dictionary, c->radius_attrs.s[i], why,
					    sizeof(why)))
			continue;
		unsigned line = i < sizeof(ld->attr_line) / sizeof(ld->attr_line[0])
					? ld->attr_line[i] : 0;
		const struct key *k = key_find("radius-attr");
		fail_in(ld, ld->file[k - keys] ? ld->file[k - keys] : ld->main, line,
			"radius-attr '%s': %s", c->radius_attrs.s[i], why);
	}
}

/* ---- loading ---- */

static bool apply_defaults(struct loader *ld)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const struct key *k = &keys[i];
		if (k->def && k->type->print && !k->type->parse(ld, k, field_of(ld->cfg, k), k->def))
			return false;
	}
	return true;
}

static bool load(struct loader *ld, const char *text, size_t len)
{
	struct rbuf r;
	char line[LINE_MAX_LEN + 1];

	if (!apply_defaults(ld))
		return false;
	rbuf_init(&r, text, len);
	while (rbuf_left(&r) > 0) {
		ld->lineno++;
		if (read_line(ld, &r, line, sizeof(line)))
			parse_line(ld, line); /* an error is kept; the next line is read */
	}
	unsigned last = ld->lineno ? ld->lineno : 1;
	/* Each check reports on its own (-t shows every error in one run). */
	check_required(ld, last);
	check_addresses(ld);
	check_mppe(ld);
	check_auth(ld);
	check_ipv6(ld);
	if (ld->checks)
		check_machine(ld);
	return ld->errors == 0;
}

static struct config *load_text(const char *name, const char *text, size_t len,
				const struct config_checks *checks, char *err, size_t errlen)
{
	unsigned line[NKEYS] = { 0 };
	const char *file[NKEYS] = { NULL }, *opt[NKEYS] = { NULL };
	bool bad[NKEYS] = { false };
	struct loader ld = {
		.name = name, .main = name, .line = line, .file = file, .opt = opt, .bad = bad,
		.err = err, .errlen = errlen, .checks = checks,
	};

	if (errlen)
		err[0] = '\0';
	ld.cfg = calloc(1, sizeof(*ld.cfg));
	if (!ld.cfg || !(ld.cfg->source = strdup(name))) {
		free(ld.cfg);
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	bool ok = load(&ld, text, len);
	free(ld.pool_line);
	for (size_t i = 0; ld.cfg && i < ld.cfg->pools.n && ld.np; i++)
		free(ld.np[i].line);
	free(ld.np);
	for (size_t i = 0; i < ld.noptfiles; i++)
		free(ld.optfiles[i]);
	if (!ok) {
		config_free(ld.cfg);
		return NULL;
	}
	/* For reload's reports (config_key_line()); without it they say line 0. */
	if ((ld.cfg->key_line = malloc(sizeof(line))))
		memcpy(ld.cfg->key_line, line, sizeof(line));
	return ld.cfg;
}

struct config *config_load_string(const char *name, const char *text, char *err,
				  size_t errlen)
{
	return load_text(name, text, strlen(text), NULL, err, errlen);
}

static struct config *load_file(const char *path, const struct config_checks *checks,
				char *err, size_t errlen)
{
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	struct config *cfg = NULL;

	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_size > FILE_MAX_LEN) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, FILE_MAX_LEN);
		goto out;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while (len <= (size_t)st.st_size &&
	       (n = read(fd, text + len, (size_t)st.st_size + 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
			goto out;
		}
		len += (size_t)n;
	}
	if (len > (size_t)st.st_size) {
		snprintf(err, errlen, "%s: changed while being read", path);
		goto out;
	}
	cfg = load_text(path, text, len, checks, err, errlen);
out:
	free(text);
	close(fd);
	return cfg;
}

struct config *config_load(const char *path, char *err, size_t errlen)
{
	return load_file(path, NULL, err, errlen);
}

struct config *config_check(const char *path, const struct config_checks *checks, char *err,
			    size_t errlen)
{
	static const struct config_checks none = { 0 };
	return load_file(path, checks ? checks : &none, err, errlen);
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type->release)
			keys[i].type->release(field_of(cfg, &keys[i]));
	free(cfg->source);
	free(cfg->key_line);
	free(cfg);
}

void config_print(FILE *f, const struct config *cfg)
{
	fprintf(f, "# effective settings of %s\n", cfg->source);
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type->print)
			keys[i].type->print(f, &keys[i], cfield_of(cfg, &keys[i]));
}

bool config_pool_contains(const struct config *cfg, uint32_t addr)
{
	return pool_find(&cfg->pool, addr) < cfg->pool.n;
}

uint32_t config_pool_size(const struct config *cfg)
{
	return cfg->pool.size;
}

/* ---- comparing two configurations (reload: server/reload.h) ---- */

unsigned config_key_line(const struct config *cfg, size_t i)
{
	return i < NKEYS && cfg->key_line ? cfg->key_line[i] : 0;
}

/* A field as config_print() writes it, into a malloc'd string; NULL: out of
 * memory. */
static char *print_field(const struct config *cfg, const struct key *k)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return NULL;
	k->type->print(f, k, cfield_of(cfg, k));
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* print_server() hides the secrets: compare them here. */
static bool secrets_equal(const struct config_radius_servers *a,
			  const struct config_radius_servers *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->s[i].secret, b->s[i].secret) != 0)
			return false;
	return true;
}

bool config_key_equal(const struct config *a, const struct config *b, size_t i)
{
	if (i >= NKEYS || !keys[i].type->print)
		return true; /* not part of the effective settings */
	const struct key *k = &keys[i];
	if (k->type == &t_server && !secrets_equal(cfield_of(a, k), cfield_of(b, k)))
		return false;
	char *ta = print_field(a, k), *tb = print_field(b, k);
	/* Out of memory: call it changed, which is never wrong to report. */
	bool eq = ta && tb && strcmp(ta, tb) == 0;
	free(ta);
	free(tb);
	return eq;
}

bool config_key_is_setting(size_t i)
{
	return i < NKEYS && keys[i].type->print;
}

void config_key_swap(struct config *a, struct config *b, size_t i)
{
	if (i >= NKEYS)
		return;
	const struct key *k = &keys[i];
	unsigned char *pa = field_of(a, k), *pb = field_of(b, k);
	for (size_t n = 0; n < k->size; n++) {
		unsigned char t = pa[n];
		pa[n] = pb[n];
		pb[n] = t;
	}
	if (a->key_line && b->key_line) {
		unsigned l = a->key_line[i];
		a->key_line[i] = b->key_line[i];
		b->key_line[i] = l;
	}
}
