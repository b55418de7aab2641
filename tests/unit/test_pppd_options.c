/*
 * pppd options files (conf/pppd_options.c) on their own through a recording
 * sink, then through `option FILE` in pptpd.conf; and the "did you mean"
 * rule that never offers the opposite (conf/suggest.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/config.h"
#include "conf/pppd_options.h"
#include "conf/suggest.h"

/* ---- a sink that writes what it gets as "LINE key=value" lines ---- */

struct record {
	char out[4096];
	char errs[4096];
	const char *fail_key; /* set() refuses this key */
};

static bool rec_set(void *ctx, unsigned line, const char *opt, const char *key,
		    const char *value)
{
	struct record *r = ctx;
	size_t len = strlen(r->out);
	assert_non_null(opt);
	snprintf(r->out + len, sizeof(r->out) - len, "%u %s=%s\n", line, key, value);
	return !(r->fail_key && strcmp(r->fail_key, key) == 0);
}

static void rec_error(void *ctx, unsigned line, const char *msg)
{
	struct record *r = ctx;
	size_t len = strlen(r->errs);
	snprintf(r->errs + len, sizeof(r->errs) - len, "%u: %s\n", line, msg);
}

static unsigned parse(struct record *r, const char *text)
{
	const struct pppd_options_sink sink = { .ctx = r, .set = rec_set, .error = rec_error };
	memset(r->out, 0, sizeof(r->out));
	memset(r->errs, 0, sizeof(r->errs));
	return pppd_options_parse("options.test", text, strlen(text), &sink);
}

/* pppd's syntax: several options a line, an argument on the next line,
 * comments only at the start of a word, quotes, backslashes. */
static void syntax(void **state)
{
	(void)state;
	struct record r = { 0 };

	assert_int_equal(parse(&r, "# options.pptpd\n"
				   "lock novj   ms-dns 198.51.100.53 # a comment\n"
				   "ms-wins\n"
				   "  198.51.100.54\n"
				   "mtu \"1400\" mru '1400'\n"
				   "lcp-echo-interval 3\\\n0\n"
				   "name pp#tpd\n"
				   "\n"),
			 0);
	assert_string_equal(r.out, "2 ms-dns=198.51.100.53\n"
				   "3 ms-wins=198.51.100.54\n"
				   "5 mtu=1400\n"
				   "5 mru=1400\n"
				   "6 lcp-echo-interval=30\n");
	assert_string_equal(r.errs, "");

	assert_int_equal(parse(&r, "ms-dns \"198.51.100.1\n"), 1);
	assert_non_null(strstr(r.errs, "1: unterminated quote"));
	assert_int_equal(parse(&r, "lock\nms-dns"), 1);
	assert_string_equal(r.errs, "2: 'ms-dns' needs a value\n");
}

/* What maps to what, and a key said twice in one file. */
static void mapping(void **state)
{
	(void)state;
	struct record r = { 0 };

	assert_int_equal(parse(&r, "require-mppe-128\nrequire-mppe\nrequire-mschap-v2\n"
				   "refuse-pap refuse-chap refuse-mschap proxyarp\n"
				   "mppe required,no40,no56,stateless\n"
				   "plugin /usr/lib/pppd/2.4.9/radius.so\n"
				   "radius-config-file /etc/radiusclient/radiusclient.conf\n"
				   "idle 600 lcp-echo-failure 4\n"),
			 0);
	assert_string_equal(r.out, "1 require-mppe=yes\n"
				   "1 require-mppe-128=yes\n"
				   "3 refuse-mschap-v2=no\n"
				   "4 refuse-pap=yes\n"
				   "4 refuse-chap=yes\n"
				   "4 refuse-mschap=yes\n"
				   "4 proxyarp=yes\n"
				   "5 mppe-40=no\n"
				   "5 mppe-56=no\n"
				   "5 mppe-stateful=no\n"
				   "6 auth=radius\n"
				   "7 radius-config=/etc/radiusclient/radiusclient.conf\n"
				   "8 idle=600\n"
				   "8 lcp-echo-failure=4\n");

	/* Different values for one key in one file: both lines named. */
	assert_int_equal(parse(&r, "mppe stateless\n\nmppe stateful\n"), 1);
	assert_non_null(strstr(r.errs, "3: 'mppe' sets 'mppe-stateful yes', but 'mppe' on line 1 "
				       "set 'mppe-stateful no'"));
	/* A refused set() counts as an error. */
	r.fail_key = "mtu";
	assert_int_equal(parse(&r, "mtu 1\nmru 1400\n"), 1);
	r.fail_key = NULL;
}

/* Harmless options are no error; the rest say what to do, each at its
 * line, all of them in one pass. */
static void refused(void **state)
{
	(void)state;
	struct record r = { 0 };

	assert_int_equal(parse(&r, "lock nobsdcomp novj novjccomp nodeflate nologfd\n"
				   "nodefaultroute noipx debug dump auth refuse-eap\n"),
			 0);
	assert_string_equal(r.out, "");
	assert_string_equal(r.errs, "");

	assert_int_equal(parse(&r, "noccp\n"
				   "lock\n"
				   "noauth\n"
				   "plugin rp-pppoe.so\n"
				   "mppe required,no128\n"
				   "logfd 2\n"
				   "frobnicate\n"),
			 6);
	const char *want[] = {
		"1: 'noccp' is not supported: it would turn MPPE off",
		"3: 'noauth' is not supported: this server always authenticates",
		"4: 'plugin rp-pppoe.so' is not supported: only radius.so",
		"5: 'mppe no128': 128-bit MPPE cannot be turned off",
		"6: 'logfd' is not a pppd option this server reads",
		"7: 'frobnicate' is not a pppd option this server reads: remove it",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(r.errs, want[i]))
			fail_msg("\"%s\" is not in:\n%s", want[i], r.errs);
	/* logfd is nologfd's opposite: never suggested. */
	assert_null(strstr(r.errs, "did you mean 'nologfd'"));
	assert_string_equal(r.out, "5 require-mppe=yes\n");
	assert_int_equal(parse(&r, "requre-mppe-128\n"), 1);
	assert_non_null(strstr(r.errs, "(did you mean 'require-mppe-128'?)"));
}

/* ---- through pptpd.conf ---- */

struct files {
	char dir[64];
	char conf[128];
	char opts[128];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static struct config *load_pair(struct files *fs, const char *conf_head, const char *conf_tail,
				const char *opts, char *err, size_t errlen)
{
	const char *tmp = getenv("TMPDIR");
	char text[2048];

	snprintf(fs->dir, sizeof(fs->dir), "%s/test_pppd.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(fs->dir));
	snprintf(fs->conf, sizeof(fs->conf), "%s/pptpd.conf", fs->dir);
	snprintf(fs->opts, sizeof(fs->opts), "%s/options.pptpd", fs->dir);
	write_file(fs->opts, opts);
	snprintf(text, sizeof(text), "%soption %s\nlocalip 192.0.2.1\nremoteip 192.0.2.10-20\n%s",
		 conf_head, fs->opts, conf_tail);
	write_file(fs->conf, text);
	struct config *c = config_load(fs->conf, err, errlen);
	unlink(fs->opts);
	unlink(fs->conf);
	rmdir(fs->dir);
	return c;
}

/* Debian's /etc/ppp/options.pptpd, as poptop ships it, loads unchanged. */
static void poptop_options(void **state)
{
	(void)state;
	struct files fs;
	char err[2048];

	struct config *c = load_pair(&fs, "", "logwtmp\n",
				     "name pptpd\n"
				     "refuse-pap\nrefuse-chap\nrefuse-mschap\n"
				     "require-mschap-v2\nrequire-mppe-128\n"
				     "ms-dns 198.51.100.53\nms-dns 198.51.100.54\n"
				     "ms-wins 198.51.100.55\n"
				     "proxyarp\nnodefaultroute\n#debug\n#dump\nlock\nnobsdcomp\n"
				     "novj\nnovjccomp\nnologfd\n"
				     "lcp-echo-interval 20\nlcp-echo-failure 3\nmtu 1396 mru 1396\n",
				     err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->ms_dns.n, 2);
	assert_int_equal(ntohl(c->ms_dns.addr[1].s_addr), 0xc6336436u); /* .54 */
	assert_int_equal(c->ms_wins.n, 1);
	assert_true(c->refuse_pap && c->refuse_chap && c->refuse_mschap);
	assert_false(c->refuse_mschap_v2);
	assert_true(c->require_mppe && c->require_mppe_128);
	assert_true(c->proxyarp);
	assert_true(c->logwtmp);
	assert_int_equal(c->lcp_echo_interval, 20);
	assert_int_equal(c->lcp_echo_failure, 3);
	assert_int_equal(c->mtu, 1396);
	assert_int_equal(c->mru, 1396);
	assert_int_equal(c->auth, CONFIG_AUTH_SQLITE);
	config_free(c);

	c = load_pair(&fs, "", "", "plugin radius.so\n"
		      "radius-config-file /etc/radiusclient/radiusclient.conf\n"
		      "mppe required,no40,no56,stateless\n", err, sizeof(err));
	if (!c)
		fail_msg("%s", err);
	assert_int_equal(c->auth, CONFIG_AUTH_RADIUS);
	assert_string_equal(c->radius_config, "/etc/radiusclient/radiusclient.conf");
	assert_false(c->mppe_stateful);
	config_free(c);
}

/* Errors carry the options file's name and line; a key set in both files is
 * an error naming both places, whichever comes first. */
static void errors_and_conflicts(void **state)
{
	(void)state;
	struct files fs;
	char err[2048], want[1024];

	assert_null(load_pair(&fs, "ms-dns 198.51.100.1\n", "", "lock\nms-dns 198.51.100.2\n",
			      err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:2: pppd option 'ms-dns' sets 'ms-dns', which %s:1 "
		 "sets too: keep one of them", fs.opts, fs.conf);
	assert_string_equal(err, want);

	assert_null(load_pair(&fs, "", "mtu 1400\n", "\nmtu 1300\n", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:4: 'mtu' is also set by pppd option 'mtu' in %s:2: "
		 "keep one of them", fs.conf, fs.opts);
	assert_string_equal(err, want);

	/* Every error of both files in one load, in reading order. */
	assert_null(load_pair(&fs, "mtu 9000\n", "frob 1\n",
			      "mtu 100\nnoccp\nms-dns 300.1.1.1\n", err, sizeof(err)));
	snprintf(want, sizeof(want),
		 "%s:1: '9000' is out of range for 'mtu' (576 to 1500)\n"
		 "%s:1: '100' is out of range for 'mtu' (576 to 1500)\n"
		 "%s:2: 'noccp' is not supported: it would turn MPPE off", fs.conf, fs.opts,
		 fs.opts);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("\"%s\" does not start with \"%s\"", err, want);
	assert_non_null(strstr(err, ":3: '300.1.1.1' is not an IPv4 address for 'ms-dns'"));
	snprintf(want, sizeof(want), "%s:5: unknown key 'frob'", fs.conf);
	assert_non_null(strstr(err, want));

	/* A cross-key check names the options file that set the key. */
	assert_null(load_pair(&fs, "", "", "refuse-mschap-v2\n", err, sizeof(err)));
	snprintf(want, sizeof(want), "%s:1: every authentication method is refused", fs.opts);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("\"%s\" does not start with \"%s\"", err, want);
}

/* ---- did you mean ---- */

static const char *const names[] = { "require-mppe", "logfd", "mppe-stateful", "enable-x",
				     "lock", "refuse-pap", "yes-please" };

static const char *name_at(size_t i)
{
	return i < sizeof(names) / sizeof(names[0]) ? names[i] : NULL;
}

static void opposites(void **state)
{
	(void)state;
	static const char *const pairs[][2] = {
		{ "require-mppe", "refuse-mppe" }, { "nologfd", "logfd" },
		{ "novj", "vj" },                  { "no-mppe", "mppe" },
		{ "enable-x", "disable-x" },       { "yes", "no" },
		{ "on", "off" },                   { "true", "false" },
		{ "mppe-stateful", "mppe-stateless" },
		{ "require-pap", "refuse-pap" },   { "allow-x", "deny-x" },
	};
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (!suggest_opposite(pairs[i][0], pairs[i][1]) ||
		    !suggest_opposite(pairs[i][1], pairs[i][0]))
			fail_msg("'%s' and '%s' are opposites", pairs[i][0], pairs[i][1]);
	}
	static const char *const not_pairs[][2] = {
		{ "require-mppe", "require-mppe-128" }, { "lock", "nolocks" },
		{ "refuse-pap", "refuse-chap" },        { "novj", "novjccomp" },
		{ "mppe", "mppe" },                     { "node", "nodes" },
	};
	for (size_t i = 0; i < sizeof(not_pairs) / sizeof(not_pairs[0]); i++)
		if (suggest_opposite(not_pairs[i][0], not_pairs[i][1]))
			fail_msg("'%s' and '%s' are not opposites", not_pairs[i][0],
				 not_pairs[i][1]);

	size_t n = sizeof(names) / sizeof(names[0]);
	assert_null(suggest_name("refuse-mppe", name_at, n));
	assert_null(suggest_name("nologfd", name_at, n));
	assert_null(suggest_name("mppe-stateless", name_at, n));
	assert_null(suggest_name("disable-x", name_at, n));
	assert_null(suggest_name("require-pap", name_at, n));
	assert_null(suggest_name("no-please", name_at, n));
	assert_string_equal(suggest_name("requir-mppe", name_at, n), "require-mppe");
	assert_string_equal(suggest_name("lokc", name_at, n), "lock");
	assert_string_equal(suggest_name("logfdd", name_at, n), "logfd");

	/* In pptpd.conf: refuse-mppe is no key and require-mppe is never offered. */
	char err[512];
	assert_null(config_load_string("t.conf", "localip 192.0.2.1\nremoteip 192.0.2.10-20\n"
				       "refuse-mppe\n", err, sizeof(err)));
	assert_string_equal(err, "t.conf:3: unknown key 'refuse-mppe'");
	assert_null(config_load_string("t.conf", "localip 192.0.2.1\nremoteip 192.0.2.10-20\n"
				       "refuse-mschap-v3\n", err, sizeof(err)));
	assert_non_null(strstr(err, "did you mean 'refuse-mschap-v2'?"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syntax),
		cmocka_unit_test(mapping),
		cmocka_unit_test(refused),
		cmocka_unit_test(poptop_options),
		cmocka_unit_test(errors_and_conflicts),
		cmocka_unit_test(opposites),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
