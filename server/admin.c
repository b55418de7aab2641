/*
 * The admin socket: see server/admin.h.
 */
#include "server/admin.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "auth/acct.h"
#include "auth/backend_radius.h"
#include "auth/lockout.h"
#include "common/buf.h"
#include "common/log.h"
#include "server/reload.h"
#include "server/server.h"
#include "server/worker.h"
#include "server/session.h"
#include "server/session_ipv6.h"

#define ADMIN_WORD_MAX 128
#define ADMIN_WORDS    4

struct admin_client {
	struct admin *ad;
	struct admin_client *next;
	int fd;
	ev_io rio, wio;
	ev_timer timer;
	bool closing;          /* close once the answer is written */
	char in[ADMIN_LINE_MAX];
	size_t inlen;
	char *out;
	size_t outlen, outoff;
};

struct admin {
	struct server *srv;
	int fd;
	ev_io io;
	ev_idle reaper;
	char *path;
	dev_t dev;             /* the socket bound, to remove only ours */
	ino_t ino;
	struct admin_client *clients;
	unsigned nclients;
	struct admin_client *dead;
	struct admin_stats st;
};

/* ---- the JSON answer -------------------------------------------------------- */

struct jbuf {
	char *p;
	size_t len, cap;
	bool err;
};

static void jb_raw(struct jbuf *j, const char *s, size_t n)
{
	if (j->err)
		return;
	if (j->len + n + 1 > j->cap) {
		size_t cap = j->cap ? j->cap : 1024;
		while (cap < j->len + n + 1 && cap <= ADMIN_OUT_MAX)
			cap *= 2;
		char *p = cap <= ADMIN_OUT_MAX ? realloc(j->p, cap) : NULL;
		if (!p) {
			j->err = true;
			return;
		}
		j->p = p;
		j->cap = cap;
	}
	memcpy(j->p + j->len, s, n);
	j->len += n;
	j->p[j->len] = '\0';
}

static void jb_s(struct jbuf *j, const char *s)
{
	jb_raw(j, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control bytes escaped; bytes
 * over 0x7e as \u00XX so the answer is ASCII whatever a peer sent. */
static void jb_str(struct jbuf *j, const char *s)
{
	jb_raw(j, "\"", 1);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		char e[8];
		if (*c == '"' || *c == '\\') {
			e[0] = '\\';
			e[1] = (char)*c;
			jb_raw(j, e, 2);
		} else if (*c < 0x20 || *c > 0x7e) {
			snprintf(e, sizeof(e), "\\u%04x", *c);
			jb_raw(j, e, 6);
		} else {
			jb_raw(j, (const char *)c, 1);
		}
	}
	jb_raw(j, "\"", 1);
}

static void jb_key(struct jbuf *j, bool *first, const char *key)
{
	if (!*first)
		jb_raw(j, ",", 1);
	*first = false;
	jb_str(j, key);
	jb_raw(j, ":", 1);
}

static void jb_u64(struct jbuf *j, bool *first, const char *key, uint64_t v)
{
	char n[24];
	jb_key(j, first, key);
	snprintf(n, sizeof(n), "%llu", (unsigned long long)v);
	jb_s(j, n);
}

static void jb_kstr(struct jbuf *j, bool *first, const char *key, const char *v)
{
	jb_key(j, first, key);
	jb_str(j, v);
}

static void jb_error(struct jbuf *j, const char *msg)
{
	jb_s(j, "{\"ok\":false,\"error\":");
	jb_str(j, msg);
	jb_s(j, "}");
}

/* ---- the request ------------------------------------------------------------ */

/* The next word (printable ASCII but space) into out; false at the end of
 * the line or on a byte that is not allowed (*bad set). */
static bool next_word(struct rbuf *r, char out[static ADMIN_WORD_MAX], bool *bad)
{
	uint8_t c;
	size_t n = 0;

	while (rbuf_peek_u8(r, 0, &c) && c == ' ')
		rbuf_skip(r, 1);
	while (rbuf_peek_u8(r, 0, &c) && c != ' ') {
		rbuf_skip(r, 1);
		if (c < 0x21 || c > 0x7e || n + 1 >= ADMIN_WORD_MAX) {
			*bad = true;
			return false;
		}
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n > 0;
}

static void session_json(struct jbuf *j, const struct session *s, uint64_t now)
{
	struct session_info in;
	char addr[INET_ADDRSTRLEN], mppe[24];
	bool first = true;

	session_get_info(s, now, &in);
	struct in_addr ia = { htonl(in.addr) };
	if (in.addr)
		inet_ntop(AF_INET, &ia, addr, sizeof(addr));
	else
		strcpy(addr, "-");
	if (in.mppe_bits)
		snprintf(mppe, sizeof(mppe), "%u/%s", in.mppe_bits,
			 in.mppe_stateful ? "stateful" : "stateless");
	else
		strcpy(mppe, "none");
	jb_raw(j, "{", 1);
	jb_u64(j, &first, "id", in.serial);
	jb_kstr(j, &first, "user", in.user);
	jb_kstr(j, &first, "peer", in.peer);
	jb_kstr(j, &first, "addr", addr);
	jb_u64(j, &first, "ctrl", in.ctrl_id);
	jb_u64(j, &first, "call_id", in.call_id);
	jb_kstr(j, &first, "state", session_state_name(in.state));
	jb_u64(j, &first, "uptime", in.uptime_s);
	jb_u64(j, &first, "rx_bytes", in.rx_bytes);
	jb_u64(j, &first, "tx_bytes", in.tx_bytes);
	jb_u64(j, &first, "rx_packets", in.rx_packets);
	jb_u64(j, &first, "tx_packets", in.tx_packets);
	jb_kstr(j, &first, "mppe", mppe);
	jb_kstr(j, &first, "auth", in.radius ? "radius" : "local");
	char rate[24];
	if (in.rate_down || in.rate_up)
		snprintf(rate, sizeof(rate), "%u/%u", in.rate_down, in.rate_up);
	else
		strcpy(rate, "none");
	jb_kstr(j, &first, "rate", rate);
	jb_u64(j, &first, "rate_dropped", in.rate_dropped);
	jb_kstr(j, &first, "method", in.method);
	uint8_t v6[16];
	char v6s[INET6_ADDRSTRLEN + 3] = "-";
	if (session_ipv6_prefix(s, v6)) {
		inet_ntop(AF_INET6, v6, v6s, INET6_ADDRSTRLEN);
		strcat(v6s, "/64");
	}
	jb_kstr(j, &first, "ipv6_prefix", v6s);
	char worker[16] = "main";
	if (in.worker >= 0)
		snprintf(worker, sizeof(worker), "%d", in.worker);
	jb_kstr(j, &first, "worker", worker);
	jb_raw(j, "}", 1);
}

/* Does s match the selector: "ID", "USER", or peer "ADDR" / "ADDR:PORT"? */
static bool session_matches(const struct session *s, const char *sel, bool by_peer)
{
	struct session_info in;
	session_get_info(s, 0, &in);
	if (by_peer) {
		size_t n = strlen(sel);
		return strcmp(in.peer, sel) == 0 ||
		       (strncmp(in.peer, sel, n) == 0 && in.peer[n] == ':');
	}
	char *end;
	errno = 0;
	unsigned long id = strtoul(sel, &end, 10);
	if (sel[0] >= '0' && sel[0] <= '9' && *end == '\0' && errno == 0)
		return id == in.serial;
	return strcmp(in.user, sel) == 0;
}

static void cmd_sessions(struct admin *ad, struct jbuf *j, const char *sel, bool by_peer)
{
	uint64_t now = server_now_ms();
	bool first = true;
	jb_s(j, "{\"ok\":true,\"sessions\":[");
	for (const struct session *s = session_first(ad->srv); s; s = session_next(s)) {
		if (session_state(s) >= SESSION_ENDING || (sel && !session_matches(s, sel, by_peer)))
			continue;
		if (!first)
			jb_raw(j, ",", 1);
		first = false;
		session_json(j, s, now);
	}
	jb_s(j, "]}");
}

static void cmd_kill(struct admin *ad, struct jbuf *j, const char *sel, bool by_peer)
{
	struct server *srv = ad->srv;
	uint32_t *ids = calloc(srv->nsessions + 1, sizeof(*ids));
	size_t n = 0;
	if (!ids) {
		jb_error(j, "out of memory");
		return;
	}
	for (const struct session *s = session_first(srv); s && n < srv->nsessions;
	     s = session_next(s)) {
		struct session_info in;
		session_get_info(s, 0, &in);
		if (session_state(s) < SESSION_ENDING && session_matches(s, sel, by_peer))
			ids[n++] = in.serial;
	}
	/* Closing one may end it at once: find each again by its id. */
	for (size_t i = 0; i < n; i++) {
		for (struct session *s = session_first(srv); s; s = session_next(s)) {
			struct session_info in;
			session_get_info(s, 0, &in);
			if (in.serial != ids[i] || session_state(s) >= SESSION_ENDING)
				continue;
			log_notice("%s event=admin-kill", session_log_id(s));
			session_close(s, PPP_CAUSE_ADMIN, "pptpctl session kill");
			ad->st.kills++;
			break;
		}
	}
	free(ids);
	if (n == 0) {
		jb_error(j, "no such session");
		return;
	}
	bool first = false;
	jb_s(j, "{\"ok\":true");
	jb_u64(j, &first, "killed", n);
	jb_s(j, "}");
}

static void radius_json(struct jbuf *j, const char *name, const struct radius_stats *r)
{
	bool f = true;
	jb_s(j, ",");
	jb_str(j, name);
	jb_s(j, ":{");
	jb_u64(j, &f, "sent", r->sent);
	jb_u64(j, &f, "retransmitted", r->retransmitted);
	jb_u64(j, &f, "failovers", r->failovers);
	jb_u64(j, &f, "timeouts", r->timeouts);
	jb_u64(j, &f, "replies", r->replies);
	jb_u64(j, &f, "bad_replies", r->bad_replies);
	jb_u64(j, &f, "unexpected", r->unexpected);
	jb_u64(j, &f, "probes", r->probes);
	jb_u64(j, &f, "probe_answers", r->probe_answers);
	jb_s(j, "}");
}

static void cmd_stats(struct admin *ad, struct jbuf *j)
{
	workers_fold(ad->srv->workers);
	const struct server *srv = ad->srv;
	const struct server_stats *s = &srv->stats;
	bool first = false;

	jb_s(j, "{\"ok\":true");
	jb_u64(j, &first, "ctrls", srv->nctrls);
	jb_u64(j, &first, "ctrl_unstarted", srv->nunstarted);
	jb_u64(j, &first, "calls", srv->ncalls);
	jb_u64(j, &first, "sessions", srv->nsessions);
	unsigned up = 0;
	for (const struct session *x = session_first(srv); x; x = session_next(x))
		up += session_is_up(x);
	jb_u64(j, &first, "sessions_up", up);
#define F(name) jb_u64(j, &first, #name, s->name)
	F(gre_rx); F(gre_tx); F(gre_bad); F(gre_no_call); F(gre_wrong_src); F(gre_tx_err);
	F(tun_tx_err);
	F(gre_dup); F(gre_old); F(gre_far); F(frames_rx); F(frames_dropped);
	F(ctrl_opened); F(ctrl_closed); F(ctrl_refused); F(ctrl_evicted);
	F(accept_failed); F(accept_paused); F(calls_opened); F(calls_closed); F(calls_busy);
	F(calls_limited); F(calls_setup_timeout); F(sessions_opened); F(auth_ok); F(auth_fail);
	F(auth_stale); F(spoofed); F(bad_ip); F(no_route); F(icmp_frag_needed); F(icmp_limited); F(rate_dropped);
	F(fragmented); F(too_big); F(tx_window); F(gre_tx_queued); F(gre_tx_queue_drop);
	F(framed_routes); F(framed_routes_refused);
	F(mppe_refused); F(mppe_abuse); F(reloads); F(reloads_refused); F(eap_dropped);
#undef F
	if (srv->lockout) {
		const struct lockout_stats *ls = lockout_stats(srv->lockout);
		jb_s(j, ",\"lockout\":{");
		bool f = true;
		jb_u64(j, &f, "active", lockout_active(srv->lockout, server_now_ms()));
		jb_u64(j, &f, "failures", ls->failures);
		jb_u64(j, &f, "user_locks", ls->user_locks);
		jb_u64(j, &f, "source_locks", ls->source_locks);
		jb_u64(j, &f, "refused", ls->refused);
		jb_u64(j, &f, "conn_refused", ls->conn_refused);
		jb_u64(j, &f, "evictions", ls->evictions);
		jb_s(j, "}");
	}
	const struct radius_stats *ra = auth_radius_stats(srv->auth);
	if (ra)
		radius_json(j, "radius_auth", ra);
	const struct auth_radius_eap_stats *es = auth_radius_eap_stats(srv->auth);
	if (es) {
		jb_s(j, ",\"radius_eap\":{");
		bool f = true;
		jb_u64(j, &f, "rounds", es->rounds);
		jb_u64(j, &f, "challenges", es->challenges);
		jb_u64(j, &f, "accepts", es->accepts);
		jb_u64(j, &f, "rejects", es->rejects);
		jb_u64(j, &f, "oversized", es->oversized);
		jb_u64(j, &f, "malformed", es->malformed);
		jb_u64(j, &f, "stranded", es->stranded);
		jb_u64(j, &f, "refused", es->refused);
		jb_s(j, "}");
	}
	if (srv->acct) {
		const struct acct_stats *as = acct_get_stats(srv->acct);
		radius_json(j, "radius_acct", acct_radius_stats(srv->acct));
		jb_s(j, ",\"accounting\":{");
		bool f = true;
		jb_u64(j, &f, "records", as->made);
		jb_u64(j, &f, "acked", as->acked);
		jb_u64(j, &f, "resent", as->resent);
		jb_u64(j, &f, "dropped", as->dropped);
		jb_u64(j, &f, "queued", as->queued);
		jb_u64(j, &f, "loaded", as->loaded);
		jb_s(j, "}");
	}
	jb_s(j, ",\"admin\":{");
	bool f = true;
	jb_u64(j, &f, "clients", ad->nclients);
	jb_u64(j, &f, "accepted", ad->st.accepted);
	jb_u64(j, &f, "requests", ad->st.requests);
	jb_u64(j, &f, "busy", ad->st.busy);
	jb_u64(j, &f, "too_long", ad->st.too_long);
	jb_u64(j, &f, "bad", ad->st.bad);
	jb_u64(j, &f, "timeouts", ad->st.timeouts);
	jb_u64(j, &f, "kills", ad->st.kills);
	jb_s(j, "}}");
}

struct lock_ctx {
	struct jbuf *j;
	bool first;
	uint64_t now;
};

static void lock_one(void *ctx, const struct lockout_lock *lock)
{
	struct lock_ctx *lc = ctx;
	char addr[INET_ADDRSTRLEN];
	bool first = true;
	inet_ntop(AF_INET, &lock->addr, addr, sizeof(addr));
	if (!lc->first)
		jb_raw(lc->j, ",", 1);
	lc->first = false;
	jb_raw(lc->j, "{", 1);
	jb_kstr(lc->j, &first, "kind", lockout_kind_name(lock->kind));
	jb_kstr(lc->j, &first, "addr", addr);
	jb_kstr(lc->j, &first, "user",
		lock->kind == LOCKOUT_USER && lock->user ? lock->user : "");
	jb_u64(lc->j, &first, "seconds_left",
	       lock->until_ms > lc->now ? (lock->until_ms - lc->now + 999) / 1000 : 0);
	jb_u64(lc->j, &first, "failures", lock->failures);
	jb_raw(lc->j, "}", 1);
}

static void cmd_lock(struct admin *ad, struct jbuf *j, bool clear, const char *a1, const char *a2)
{
	struct lockout *lo = ad->srv->lockout;
	if (!lo) {
		jb_error(j, "no lock-out on this server");
		return;
	}
	if (!clear) {
		struct lock_ctx lc = { j, true, server_now_ms() };
		jb_s(j, "{\"ok\":true,\"locks\":[");
		lockout_list(lo, lc.now, lock_one, &lc);
		jb_s(j, "]}");
		return;
	}
	/* lock clear [USER] [ADDR], in either order: a word that reads as an
	 * IPv4 address is the address. */
	const char *user = NULL;
	struct in_addr in = { 0 };
	const char *args[2] = { a1, a2 };
	for (int i = 0; i < 2; i++) {
		if (!args[i])
			continue;
		if (inet_pton(AF_INET, args[i], &in) == 1)
			continue;
		if (user) {
			jb_error(j, "usage: lock clear [USER] [ADDR]");
			return;
		}
		user = args[i];
	}
	size_t n = lockout_clear(lo, in.s_addr, user);
	char addr[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &in, addr, sizeof(addr));
	log_notice("event=admin-lock-clear user=%s addr=%s cleared=%zu",
		   user ? LOG_ESC(user) : "*", in.s_addr ? addr : "*", n);
	bool first = false;
	jb_s(j, "{\"ok\":true");
	jb_u64(j, &first, "cleared", n);
	jb_s(j, "}");
}

/* reload: the file again (server/reload.h); the answer says what changed,
 * what needs a restart, or why the file was refused. */
static void cmd_reload(struct admin *ad, struct jbuf *j)
{
	struct reload_result *res = malloc(sizeof(*res));
	if (!res) {
		jb_error(j, "out of memory");
		return;
	}
	bool f = true;
	if (server_reload(ad->srv, "admin", res)) {
		jb_s(j, "{\"ok\":true");
		f = false;
		jb_kstr(j, &f, "changed", res->changed);
		jb_kstr(j, &f, "kept", res->kept);
		jb_kstr(j, &f, "kept_lines", res->kept_lines);
		jb_s(j, "}");
	} else {
		char msg[64];
		snprintf(msg, sizeof(msg), "reload refused: %u error%s, the running configuration "
			 "stays", res->errors, res->errors == 1 ? "" : "s");
		jb_s(j, "{\"ok\":false");
		f = false;
		jb_kstr(j, &f, "error", msg);
		jb_key(j, &f, "errors");
		jb_s(j, "[");
		const char *p = res->error;
		for (bool first = true; *p; first = false) {
			size_t len = strcspn(p, "\n");
			char line[RELOAD_TEXT_MAX];
			snprintf(line, sizeof(line), "%.*s", (int)len, p);
			if (!first)
				jb_s(j, ",");
			jb_str(j, line);
			p += len;
			if (*p)
				p++;
		}
		jb_s(j, "]}");
	}
	free(res);
}

static void dispatch(struct admin *ad, struct jbuf *j, const char *line, size_t len)
{
	char w[ADMIN_WORDS + 1][ADMIN_WORD_MAX];
	const char *v[ADMIN_WORDS + 1] = { 0 };
	struct rbuf r;
	bool bad = false;
	size_t n = 0;

	rbuf_init(&r, line, len);
	while (n <= ADMIN_WORDS && next_word(&r, w[n], &bad))
		v[n] = w[n], n++;
	if (bad || n > ADMIN_WORDS || n == 0) {
		ad->st.bad++;
		jb_error(j, n == 0 && !bad ? "empty request" : "bad request");
		return;
	}
#define IS(i, s) (v[i] && strcmp(v[i], (s)) == 0)
	if (IS(0, "session") && IS(1, "list") && n == 2)
		cmd_sessions(ad, j, NULL, false);
	else if (IS(0, "session") && IS(1, "show") && n == 3)
		cmd_sessions(ad, j, v[2], false);
	else if (IS(0, "session") && IS(1, "show") && IS(2, "--peer") && n == 4)
		cmd_sessions(ad, j, v[3], true);
	else if (IS(0, "session") && IS(1, "kill") && n == 3 && v[2][0] != '-')
		cmd_kill(ad, j, v[2], false);
	else if (IS(0, "session") && IS(1, "kill") && IS(2, "--peer") && n == 4)
		cmd_kill(ad, j, v[3], true);
	else if (IS(0, "stats") && n == 1)
		cmd_stats(ad, j);
	else if (IS(0, "lock") && IS(1, "list") && n == 2)
		cmd_lock(ad, j, false, NULL, NULL);
	else if (IS(0, "lock") && IS(1, "clear") && n <= 4)
		cmd_lock(ad, j, true, v[2], v[3]);
	else if (IS(0, "reload") && n == 1)
		cmd_reload(ad, j);
	else {
		ad->st.bad++;
		jb_error(j, "unknown command (session list|show|kill, stats, lock list|clear, "
			 "reload)");
	}
#undef IS
}

bool admin_handle(struct admin *ad, const char *line, size_t len, char **out, size_t *outlen)
{
	struct jbuf j = { 0 };
	ad->st.requests++;
	dispatch(ad, &j, line, len);
	jb_raw(&j, "\n", 1);
	if (j.err) {
		/* Over ADMIN_OUT_MAX or out of memory: say so, shortly. */
		free(j.p);
		j = (struct jbuf){ 0 };
		jb_error(&j, "answer too large");
		jb_raw(&j, "\n", 1);
		if (j.err) {
			free(j.p);
			return false;
		}
	}
	*out = j.p;
	*outlen = j.len;
	return true;
}

/* ---- clients ----------------------------------------------------------------- */

static void client_end(struct admin_client *c)
{
	struct admin *ad = c->ad;
	ev_io_stop(ad->srv->loop, &c->rio);
	ev_io_stop(ad->srv->loop, &c->wio);
	ev_timer_stop(ad->srv->loop, &c->timer);
	close(c->fd);
	c->fd = -1;
	for (struct admin_client **pp = &ad->clients; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ad->nclients--;
	c->next = ad->dead;
	ad->dead = c;
	ev_idle_start(ad->srv->loop, &ad->reaper);
}

static void reaper_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)revents;
	struct admin *ad = container_of(w, struct admin, reaper);
	while (ad->dead) {
		struct admin_client *c = ad->dead;
		ad->dead = c->next;
		free(c->out);
		free(c);
	}
	ev_idle_stop(loop, w);
}

static void client_process(struct admin_client *c);

/* Write what is pending; then read again (or close). */
static void client_flush(struct admin_client *c)
{
	struct ev_loop *loop = c->ad->srv->loop;
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_stop(loop, &c->rio);
			ev_io_start(loop, &c->wio);
			return;
		}
		if (n <= 0) {
			client_end(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	free(c->out);
	c->out = NULL;
	c->outlen = c->outoff = 0;
	ev_io_stop(loop, &c->wio);
	if (c->closing) {
		client_end(c);
		return;
	}
	ev_io_start(loop, &c->rio);
	client_process(c);
}

static void client_answer(struct admin_client *c, const char *line, size_t len)
{
	if (!admin_handle(c->ad, line, len, &c->out, &c->outlen)) {
		client_end(c);
		return;
	}
	c->outoff = 0;
	ev_timer_again(c->ad->srv->loop, &c->timer);
	client_flush(c);
}

/* Answer the first complete line in the input, if any (one at a time: the
 * next waits until this answer is written). */
static void client_process(struct admin_client *c)
{
	char *nl = memchr(c->in, '\n', c->inlen);
	if (!nl) {
		if (c->inlen == sizeof(c->in)) {
			c->ad->st.too_long++;
			c->closing = true;
			c->inlen = 0;
			struct jbuf j = { 0 };
			jb_error(&j, "line too long");
			jb_raw(&j, "\n", 1);
			if (j.err) {
				free(j.p);
				client_end(c);
				return;
			}
			c->out = j.p;
			c->outlen = j.len;
			c->outoff = 0;
			client_flush(c);
		}
		return;
	}
	size_t len = (size_t)(nl - c->in);
	char line[ADMIN_LINE_MAX];
	memcpy(line, c->in, len);
	if (len && line[len - 1] == '\r')
		len--;
	c->inlen -= (size_t)(nl - c->in) + 1;
	memmove(c->in, nl + 1, c->inlen);
	client_answer(c, line, len);
}

static void client_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	struct admin_client *c = container_of(w, struct admin_client, rio);
	ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		client_end(c);
		return;
	}
	c->inlen += (size_t)n;
	client_process(c);
}

static void client_write_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	client_flush(container_of(w, struct admin_client, wio));
}

static void client_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	struct admin_client *c = container_of(w, struct admin_client, timer);
	c->ad->st.timeouts++;
	client_end(c);
}

static void accept_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)revents;
	struct admin *ad = container_of(w, struct admin, io);
	/* A bounded batch per wake-up. */
	for (int i = 0; i < 16; i++) {
		int fd = accept4(ad->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (ad->nclients >= ADMIN_CLIENTS_MAX) {
			static const char busy[] = "{\"ok\":false,\"error\":\"busy: too many admin clients\"}\n";
			ad->st.busy++;
			(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		struct admin_client *c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->ad = ad;
		c->fd = fd;
		ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
		ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
		ev_init(&c->timer, client_timer_cb);
		c->timer.repeat = ADMIN_IDLE_SECS;
		c->next = ad->clients;
		ad->clients = c;
		ad->nclients++;
		ad->st.accepted++;
		ev_io_start(loop, &c->rio);
		ev_timer_again(loop, &c->timer);
	}
}

/* ---- the socket --------------------------------------------------------------- */

/* Someone answers on path: another pptpd runs with the same socket. */
static bool socket_live(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	bool live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return live;
}

struct admin *admin_open(struct server *srv, const char *path, uid_t uid, gid_t gid)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_warnx("control-socket %s: path too long; no admin socket", path);
		return NULL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	/* The directory: made here (0700, for the run user), else left as it is. */
	char *dir = strdup(path), *slash = dir ? strrchr(dir, '/') : NULL;
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) == 0) {
			if (uid != (uid_t)-1 && chown(dir, uid, gid) != 0)
				log_warn("control-socket: cannot give directory %s to the run user", dir);
		} else if (errno != EEXIST) {
			log_warn("control-socket: cannot create directory %s", dir);
		}
	}
	free(dir);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("control-socket %s exists and is not a socket; no admin socket", path);
			return NULL;
		}
		if (socket_live(path)) {
			log_warnx("control-socket %s: another pptpd answers there; no admin socket "
				  "(set control-socket to another path)", path);
			return NULL;
		}
		unlink(path); /* stale: left by a server that could not remove it */
	}
	struct admin *ad = calloc(1, sizeof(*ad));
	if (!ad || !(ad->path = strdup(path))) {
		free(ad);
		log_errx("out of memory");
		return NULL;
	}
	ad->srv = srv;
	ad->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* 0600 from the start: no moment where others may connect. */
	mode_t old = umask(0177);
	bool bound = ad->fd >= 0 && bind(ad->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	umask(old);
	if (!bound || chmod(path, 0600) != 0 ||
	    (uid != (uid_t)-1 && chown(path, uid, gid) != 0) || listen(ad->fd, 16) != 0 ||
	    stat(path, &st) != 0) {
		log_warn("control-socket %s: cannot open; no admin socket", path);
		if (bound)
			unlink(path);
		if (ad->fd >= 0)
			close(ad->fd);
		free(ad->path);
		free(ad);
		return NULL;
	}
	ad->dev = st.st_dev;
	ad->ino = st.st_ino;
	ev_io_init(&ad->io, accept_cb, ad->fd, EV_READ);
	ev_idle_init(&ad->reaper, reaper_cb);
	log_notice("event=admin-socket path=%s mode=0600 max-clients=%u", path, ADMIN_CLIENTS_MAX);
	return ad;
}

void admin_start(struct admin *ad)
{
	if (ad)
		ev_io_start(ad->srv->loop, &ad->io);
}

void admin_free(struct admin *ad)
{
	if (!ad)
		return;
	while (ad->clients)
		client_end(ad->clients);
	reaper_cb(ad->srv->loop, &ad->reaper, 0);
	ev_io_stop(ad->srv->loop, &ad->io);
	close(ad->fd);
	struct stat st;
	if (stat(ad->path, &st) == 0 && st.st_dev == ad->dev && st.st_ino == ad->ino &&
	    unlink(ad->path) != 0)
		log_info("control-socket %s left behind (the next start replaces it)", ad->path);
	free(ad->path);
	free(ad);
}

const struct admin_stats *admin_get_stats(const struct admin *ad)
{
	return &ad->st;
}
