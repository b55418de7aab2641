/*
 * pppd options files, as poptop's `option /etc/ppp/options.pptpd` names
 * them, read into pptpd.conf keys (docs/migration.md has the table).
 *
 * Syntax (pppd(8), "OPTIONS FILES"): the file is a series of words
 * separated by white space, any number to a line; an option's arguments
 * are the words that follow it, on the same line or the next. '#' at the
 * start of a word starts a comment to the end of the line; single or
 * double quotes group a word with blanks; a backslash takes the next
 * character as it is (a backslash before the end of a line joins lines).
 *
 * Each option is one of:
 *   - mapped: it sets one or more keys (require-mppe-128 sets require-mppe
 *     and require-mppe-128), handed to sink->set() in file order;
 *   - harmless (lock, novj, nologfd, ...): nothing to do here; they are
 *     named together in ONE notice per file;
 *   - refused: an error naming the file, the line and what to do instead
 *     (noccp would turn MPPE off, noauth would let anyone in, ...).
 * A key one file sets twice to different values is an error naming both
 * lines (pppd would silently take the last); the same value again is fine.
 *
 * Lifetime: nothing is kept. The strings handed to the sink live during
 * the call only, except `opt`, the option's name, which is static.
 */
#ifndef PPTP_CONF_PPPD_OPTIONS_H
#define PPTP_CONF_PPPD_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

/* Where the options go (conf/config.c). */
struct pppd_options_sink {
	void *ctx;
	/* Set key to value on line of the file, asked for by pppd option opt
	 * (static). False: the sink has reported an error. */
	bool (*set)(void *ctx, unsigned line, const char *opt, const char *key,
		    const char *value);
	/* An error at line (0: the file as a whole), already formatted. */
	void (*error)(void *ctx, unsigned line, const char *msg);
};

/* Read the options in text[len], the contents of the file `name` (used in
 * the notice). Returns the number of errors (sink->error() calls and
 * failed sink->set() calls together). */
unsigned pppd_options_parse(const char *name, const char *text, size_t len,
			    const struct pppd_options_sink *sink);

/* Read the file at path and parse it; a file that cannot be read is one
 * error at line 0. */
unsigned pppd_options_read(const char *path, const struct pppd_options_sink *sink);

/* The pppd options this reader knows (mapped, harmless or refused), for
 * "did you mean" suggestions; NULL past the end. */
const char *pppd_option_name(size_t i);

#endif
