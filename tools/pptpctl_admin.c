/*
 * pptpctl's admin commands: one request line to the server's control
 * socket (server/admin.h), one JSON answer line back, printed as rows or
 * passed through with --json.
 *
 *   pptpctl [--socket PATH] session list [--json]
 *   pptpctl [--socket PATH] session show ID|USER|--peer ADDR [--json]
 *   pptpctl [--socket PATH] session kill ID|USER|--peer ADDR
 *   pptpctl [--socket PATH] stats [--json]
 *   pptpctl [--socket PATH] lock list [--json]
 *   pptpctl [--socket PATH] lock clear [USER] [ADDR]
 *   pptpctl [--socket PATH] reload [--json]
 *
 * The answer is read by a small JSON walker that hands every leaf to a
 * callback with its path ("sessions.0.user"); nothing here trusts the
 * answer's size or shape beyond the bounds below.
 */
#include "tools/pptpctl_admin.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define ANSWER_MAX (4 * 1024 * 1024)
#define REQUEST_MAX 512
#define TIMEOUT_MS 10000
#define PATH_MAX_LEN 128
#define VALUE_MAX 256
#define ROWS_MAX 100000

/* ---- a tiny JSON walker --------------------------------------------------- */

struct walk {
	const char *p, *end;
	bool err;
	void (*leaf)(void *ctx, const char *path, const char *value, bool is_str);
	void *ctx;
};

static void skip_ws(struct walk *w)
{
	while (w->p < w->end && (*w->p == ' ' || *w->p == '\n' || *w->p == '\r' || *w->p == '\t'))
		w->p++;
}

/* A string into out (escapes decoded; \u00XX kept as one byte, others '?'). */
static void walk_string(struct walk *w, char out[static VALUE_MAX])
{
	size_t n = 0;
	if (w->p >= w->end || *w->p != '"') {
		w->err = true;
		return;
	}
	w->p++;
	while (w->p < w->end && *w->p != '"') {
		char c = *w->p++;
		if (c == '\\') {
			if (w->p >= w->end) {
				w->err = true;
				return;
			}
			c = *w->p++;
			if (c == 'u') {
				if (w->end - w->p < 4) {
					w->err = true;
					return;
				}
				char hex[5] = { w->p[0], w->p[1], w->p[2], w->p[3], 0 };
				unsigned long v = strtoul(hex, NULL, 16);
				c = v < 0x100 ? (char)v : '?';
				w->p += 4;
			} else if (c == 'n') {
				c = '\n';
			} else if (c == 't') {
				c = '\t';
			}
		}
		if (n + 1 < VALUE_MAX)
			out[n++] = c;
	}
	if (w->p >= w->end) {
		w->err = true;
		return;
	}
	w->p++;
	out[n] = '\0';
}

static void walk_value(struct walk *w, char path[static PATH_MAX_LEN], int depth);

static void sub_path(char out[static PATH_MAX_LEN], const char *path, const char *key)
{
	/* A path cut at PATH_MAX_LEN only misses a deep key nobody prints. */
	size_t n = strlen(path);
	memcpy(out, path, n);
	if (n && n + 1 < PATH_MAX_LEN)
		out[n++] = '.';
	size_t k = strlen(key);
	if (k > PATH_MAX_LEN - 1 - n)
		k = PATH_MAX_LEN - 1 - n;
	memcpy(out + n, key, k);
	out[n + k] = '\0';
}

static void walk_value(struct walk *w, char path[static PATH_MAX_LEN], int depth)
{
	char v[VALUE_MAX], sub[PATH_MAX_LEN];
	skip_ws(w);
	if (w->err || w->p >= w->end || depth > 8) {
		w->err = true;
		return;
	}
	if (*w->p == '{' || *w->p == '[') {
		bool obj = *w->p == '{';
		char close = obj ? '}' : ']';
		unsigned i = 0;
		w->p++;
		skip_ws(w);
		if (w->p < w->end && *w->p == close) {
			w->p++;
			return;
		}
		while (!w->err && i < ROWS_MAX) {
			skip_ws(w);
			if (obj) {
				walk_string(w, v);
				skip_ws(w);
				if (w->err || w->p >= w->end || *w->p != ':') {
					w->err = true;
					return;
				}
				w->p++;
				sub_path(sub, path, v);
			} else {
				char idx[16];
				snprintf(idx, sizeof(idx), "%u", i);
				sub_path(sub, path, idx);
			}
			walk_value(w, sub, depth + 1);
			skip_ws(w);
			i++;
			if (w->p < w->end && *w->p == ',') {
				w->p++;
				continue;
			}
			if (w->p < w->end && *w->p == close) {
				w->p++;
				return;
			}
			w->err = true;
		}
		w->err = true;
		return;
	}
	if (*w->p == '"') {
		walk_string(w, v);
		if (!w->err)
			w->leaf(w->ctx, path, v, true);
		return;
	}
	size_t n = 0;
	while (w->p < w->end && n + 1 < VALUE_MAX && strchr("0123456789-+.eEtruefalsn", *w->p))
		v[n++] = *w->p++;
	v[n] = '\0';
	if (n == 0) {
		w->err = true;
		return;
	}
	w->leaf(w->ctx, path, v, false);
}

/* ---- printing --------------------------------------------------------------- */

struct out {
	bool ok;
	char error[VALUE_MAX];
	const char *list;      /* "sessions" or "locks": rows; NULL: key value lines */
	long row;              /* the row being printed; -1 none */
	const char *const *cols;
	size_t ncols;
	char (*vals)[VALUE_MAX];
	unsigned rows;
};

static const char *const session_cols[] = { "id", "user", "peer", "addr", "call_id", "state",
	"uptime", "rx_bytes", "tx_bytes", "rx_packets", "tx_packets", "mppe", "auth", "rate", "rate_dropped",
	"method", "ipv6_prefix", "worker" };
static const char *const lock_cols[] = { "kind", "user", "addr", "seconds_left", "failures" };
#define NCOLS(a) (sizeof(a) / sizeof((a)[0]))
/* One value buffer per column of the widest table. */
#define COLS_MAX (NCOLS(session_cols) > NCOLS(lock_cols) ? NCOLS(session_cols) : NCOLS(lock_cols))

static void flush_row(struct out *o)
{
	if (o->row < 0)
		return;
	for (size_t i = 0; i < o->ncols; i++)
		printf("%s%s", i ? "\t" : "", o->vals[i][0] ? o->vals[i] : "-");
	printf("\n");
	for (size_t i = 0; i < o->ncols; i++)
		o->vals[i][0] = '\0';
	o->rows++;
	o->row = -1;
}

/* Printable ASCII only on the terminal, whatever a peer chose. */
static void clean(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

static void on_leaf(void *ctx, const char *path, const char *value, bool is_str)
{
	struct out *o = ctx;
	char v[VALUE_MAX];
	(void)is_str;
	snprintf(v, sizeof(v), "%s", value);
	clean(v);
	if (strcmp(path, "ok") == 0) {
		o->ok = strcmp(v, "true") == 0;
		return;
	}
	if (strcmp(path, "error") == 0) {
		snprintf(o->error, sizeof(o->error), "%s", v);
		return;
	}
	size_t ll = o->list ? strlen(o->list) : 0;
	if (o->list && strncmp(path, o->list, ll) == 0 && path[ll] == '.') {
		char *end;
		long row = strtol(path + ll + 1, &end, 10);
		if (*end != '.')
			return;
		if (row != o->row) {
			flush_row(o);
			o->row = row;
		}
		for (size_t i = 0; i < o->ncols; i++)
			if (strcmp(end + 1, o->cols[i]) == 0)
				snprintf(o->vals[i], VALUE_MAX, "%s", v);
		return;
	}
	printf("%s %s\n", path, v);
}

/* ---- the socket --------------------------------------------------------------- */

static int talk(const char *sock, const char *req, char **answer)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "pptpctl: socket path too long: %s\n", sock);
		return 2;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		if (e == ENOENT || e == ECONNREFUSED)
			fprintf(stderr, "pptpctl: cannot reach %s: is pptpd running? is "
				"control-socket set?\n", sock);
		else
			fprintf(stderr, "pptpctl: cannot reach %s: %s\n", sock, strerror(e));
		return 1;
	}
	size_t len = strlen(req);
	if (send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
		fprintf(stderr, "pptpctl: cannot send to %s: %s\n", sock, strerror(errno));
		close(fd);
		return 1;
	}
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, TIMEOUT_MS) <= 0) {
			fprintf(stderr, "pptpctl: no answer from %s\n", sock);
			break;
		}
		if (n + 1 >= cap) {
			char *nb = cap < ANSWER_MAX ? realloc(buf, cap * 2) : NULL;
			if (!nb) {
				fprintf(stderr, "pptpctl: answer too large\n");
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
		if (r <= 0) {
			fprintf(stderr, "pptpctl: %s closed without an answer\n", sock);
			break;
		}
		n += (size_t)r;
		buf[n] = '\0';
		if (memchr(buf, '\n', n)) {
			close(fd);
			*answer = buf;
			return 0;
		}
	}
	free(buf);
	close(fd);
	return 1;
}

int admin_command(const char *sock, int argc, char **argv)
{
	char req[REQUEST_MAX];
	size_t len = 0;
	bool json = false;

	req[0] = '\0';
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			continue;
		}
		if (strpbrk(argv[i], " \t\r\n") || argv[i][0] == '\0') {
			fprintf(stderr, "pptpctl: bad argument '%s'\n", argv[i]);
			return 2;
		}
		int w = snprintf(req + len, sizeof(req) - len, "%s%s", len ? " " : "", argv[i]);
		if (w < 0 || (size_t)w >= sizeof(req) - len - 1) {
			fprintf(stderr, "pptpctl: request too long\n");
			return 2;
		}
		len += (size_t)w;
	}
	req[len++] = '\n';
	req[len] = '\0';

	char *answer = NULL;
	int rc = talk(sock, req, &answer);
	if (rc)
		return rc;
	if (json) {
		fputs(answer, stdout);
		bool ok = strstr(answer, "{\"ok\":true") == answer;
		free(answer);
		return ok ? 0 : 1;
	}
	struct out o = { .row = -1 };
	if (strcmp(argv[0], "session") == 0 && argc > 1 &&
	    (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "show") == 0)) {
		o.list = "sessions";
		o.cols = session_cols;
		o.ncols = NCOLS(session_cols);
	} else if (strcmp(argv[0], "lock") == 0 && argc > 1 && strcmp(argv[1], "list") == 0) {
		o.list = "locks";
		o.cols = lock_cols;
		o.ncols = NCOLS(lock_cols);
	}
	char vals[COLS_MAX][VALUE_MAX] = { { 0 } };
	o.vals = vals;
	if (o.list) {
		for (size_t i = 0; i < o.ncols; i++)
			printf("%s%s", i ? "\t" : "", o.cols[i]);
		printf("\n");
	}
	struct walk w = { answer, answer + strlen(answer), false, on_leaf, &o };
	char path[PATH_MAX_LEN] = "";
	walk_value(&w, path, 0);
	flush_row(&o);
	free(answer);
	if (w.err) {
		fprintf(stderr, "pptpctl: the server's answer did not parse\n");
		return 1;
	}
	if (!o.ok) {
		fprintf(stderr, "pptpctl: %s\n", o.error[0] ? o.error : "request failed");
		return 1;
	}
	return 0;
}
