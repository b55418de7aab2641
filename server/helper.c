#include "server/helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"

/* Message types on the channel (first byte). */
enum {
	MSG_RUN = 1,  /* daemon → helper: id, path, env */
	MSG_KILL = 2, /* daemon → helper: id */
	MSG_DONE = 3, /* helper → daemon: id, wait status, started */
};

#define MSG_MAX    8192
#define STR_MAX    310 /* each string of a RUN but the path, cut as hooks.c cuts them */
#define FINISH_MS  2000
#define HELPER_FD  3

struct helper {
	int fd;
	pid_t pid;
};

/* ---- the wire format ---- */

static void put_str(struct wbuf *w, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	if (n > max)
		n = max;
	wbuf_be16(w, (uint16_t)n);
	wbuf_bytes(w, s ? s : "", n);
}

/* A string of at most max bytes without NUL into out[max + 1]. */
static bool get_str(struct rbuf *r, char *out, size_t max)
{
	uint16_t n;
	if (!rbuf_be16(r, &n) || n > max || !rbuf_copy(r, out, n))
		return false;
	out[n] = '\0';
	return strlen(out) == n;
}

/* What a RUN carries, decoded. */
struct run_req {
	uint32_t id;
	char path[PATH_MAX];
	char ifname[STR_MAX + 1], tty[STR_MAX + 1], ipparam[STR_MAX + 1];
	char peername[STR_MAX + 1], peer[STR_MAX + 1], linkname[STR_MAX + 1];
	struct hook_env env;
};

/* A 64-bit count as two 32-bit halves, high first. */
static bool get_u64(struct rbuf *r, uint64_t *v)
{
	uint32_t hi, lo;
	if (!rbuf_be32(r, &hi) || !rbuf_be32(r, &lo))
		return false;
	*v = ((uint64_t)hi << 32) | lo;
	return true;
}

static bool decode_run(struct rbuf *r, struct run_req *q)
{
	uint32_t speed, local, remote, call_id, connect_time;
	uint64_t sent, rcvd;
	uint8_t down;
	if (!rbuf_be32(r, &q->id) || !rbuf_be32(r, &speed) || !rbuf_be32(r, &local) ||
	    !rbuf_be32(r, &remote) || !rbuf_be32(r, &call_id) || !rbuf_u8(r, &down) ||
	    down > 1 || !rbuf_be32(r, &connect_time) || !get_u64(r, &sent) ||
	    !get_u64(r, &rcvd) ||
	    !get_str(r, q->path, PATH_MAX - 1) || !get_str(r, q->ifname, STR_MAX) ||
	    !get_str(r, q->tty, STR_MAX) || !get_str(r, q->ipparam, STR_MAX) ||
	    !get_str(r, q->peername, STR_MAX) || !get_str(r, q->peer, STR_MAX) ||
	    !get_str(r, q->linkname, STR_MAX) || rbuf_left(r) != 0)
		return false;
	q->env = (struct hook_env){
		.ifname = q->ifname,
		.tty = q->tty,
		.speed = speed,
		.local = local,
		.remote = remote,
		.ipparam = q->ipparam,
		.peername = q->peername,
		.peer = q->peer,
		.call_id = call_id,
		.linkname = q->linkname,
		.down = down,
		.connect_time = connect_time,
		.bytes_sent = sent,
		.bytes_rcvd = rcvd,
	};
	return true;
}

static bool send_msg(int fd, const struct wbuf *w)
{
	if (!wbuf_ok(w))
		return false;
	ssize_t n;
	do
		n = send(fd, w->p, w->len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)w->len;
}

/* ---- the helper process ---- */

struct child {
	pid_t pid;
	uint32_t id;
};

struct helper_state {
	int fd;
	const struct config *cfg;
	const struct privs_id *as;
	pid_t daemon;
	char logname[HOOK_LOGNAME_MAX]; /* PPPLOGNAME: who started pptpd */
	struct child kids[HELPER_HOOKS_MAX];
	size_t nkids;
};

static void report(struct helper_state *hs, uint32_t id, int status, bool started)
{
	uint8_t b[16];
	struct wbuf w;
	wbuf_init(&w, b, sizeof(b));
	wbuf_u8(&w, MSG_DONE);
	wbuf_be32(&w, id);
	wbuf_be32(&w, (uint32_t)status);
	wbuf_u8(&w, started);
	send_msg(hs->fd, &w);
}

static void do_run(struct helper_state *hs, struct rbuf *r)
{
	struct run_req *q = calloc(1, sizeof(*q));
	if (!q || !decode_run(r, q)) {
		log_errx("helper event=bad-request type=run");
		free(q);
		return;
	}
	q->env.logname = hs->logname; /* not the daemon's to say */
	const struct config *cfg = hs->cfg;
	bool known = (cfg->ip_up && strcmp(q->path, cfg->ip_up) == 0) ||
		     (cfg->ip_down && strcmp(q->path, cfg->ip_down) == 0);
	char err[128];
	pid_t pid = -1;
	if (!known)
		log_errx("helper event=hook-refused id=%u path=%s reason=not-configured", q->id,
			 LOG_ESC(q->path));
	else if (hs->nkids == HELPER_HOOKS_MAX)
		log_errx("helper event=hook-refused id=%u path=%s reason=\"%d scripts running\"",
			 q->id, q->path, HELPER_HOOKS_MAX);
	else if ((pid = hook_spawn(q->path, &q->env, hs->as, err, sizeof(err))) < 0)
		log_errx("helper event=hook-failed id=%u path=%s error=\"%s\"", q->id, q->path, err);
	if (pid < 0)
		report(hs, q->id, W_EXITCODE(127, 0), false);
	else
		hs->kids[hs->nkids++] = (struct child){ .pid = pid, .id = q->id };
	free(q);
}

static void do_kill(struct helper_state *hs, struct rbuf *r)
{
	uint32_t id;
	if (!rbuf_be32(r, &id) || rbuf_left(r) != 0) {
		log_errx("helper event=bad-request type=kill");
		return;
	}
	for (size_t i = 0; i < hs->nkids; i++)
		if (hs->kids[i].id == id && kill(-hs->kids[i].pid, SIGKILL) < 0 && errno != ESRCH)
			log_warn("helper event=hook-kill-failed id=%u", id);
}

/* Every child that ended: report it. */
static void reap(struct helper_state *hs)
{
	int st;
	pid_t pid;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (size_t i = 0; i < hs->nkids; i++) {
			if (hs->kids[i].pid != pid)
				continue;
			report(hs, hs->kids[i].id, st, true);
			hs->kids[i] = hs->kids[--hs->nkids];
			break;
		}
	}
}

/* The daemon is gone: its pidfile goes too, if it is still the daemon's. */
static void remove_pidfile(const struct helper_state *hs)
{
	const char *path = hs->cfg->pidfile;
	if (!path)
		return;
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	long pid = 0;
	bool ours = fscanf(f, "%ld", &pid) == 1 && pid == (long)hs->daemon;
	fclose(f);
	if (ours && unlink(path) != 0)
		log_warn("helper event=pidfile-remove-failed path=%s", path);
}

static _Noreturn void helper_main(struct helper_state *hs)
{
	prctl(PR_SET_NAME, "pptpd-helper", 0, 0, 0);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	sigset_t chld;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	int sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		log_err("helper event=start-failed step=signalfd");
		_exit(1);
	}
	uint8_t buf[MSG_MAX];
	for (;;) {
		struct pollfd pf[2] = { { .fd = hs->fd, .events = POLLIN }, { .fd = sfd, .events = POLLIN } };
		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_err("helper event=poll-failed");
			break;
		}
		if (pf[1].revents) {
			struct signalfd_siginfo si;
			while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				;
			reap(hs);
		}
		if (!pf[0].revents)
			continue;
		ssize_t n = recv(hs->fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break; /* the daemon's end closed */
		struct rbuf r;
		uint8_t type;
		rbuf_init(&r, buf, (size_t)n);
		rbuf_u8(&r, &type);
		if (type == MSG_RUN)
			do_run(hs, &r);
		else if (type == MSG_KILL)
			do_kill(hs, &r);
		else
			log_errx("helper event=bad-request type=%u", type);
	}
	remove_pidfile(hs);
	_exit(0);
}

/* ---- the daemon's side ---- */

struct helper *helper_start(const struct config *cfg, const struct privs_id *hook_as)
{
	struct helper *h = calloc(1, sizeof(*h));
	int sv[2];
	if (!h) {
		log_errx("out of memory");
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		log_err("event=helper-failed step=socketpair");
		free(h);
		return NULL;
	}
	pid_t daemon = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		log_err("event=helper-failed step=fork");
		close(sv[0]);
		close(sv[1]);
		free(h);
		return NULL;
	}
	if (pid == 0) {
		/* Nothing but stdio and the channel: everything else closes. */
		static struct helper_state hs;
		if (dup2(sv[1], HELPER_FD) < 0 || close_range(HELPER_FD + 1, ~0U, 0) != 0) {
			log_err("helper event=start-failed step=descriptors");
			_exit(1);
		}
		hs.fd = HELPER_FD;
		hs.cfg = cfg;
		hs.as = hook_as;
		hs.daemon = daemon;
		hook_logname(hs.logname);
		helper_main(&hs);
	}
	close(sv[1]);
	h->fd = sv[0];
	h->pid = pid;
	int fl = fcntl(h->fd, F_GETFL);
	if (fl < 0 || fcntl(h->fd, F_SETFL, fl | O_NONBLOCK) != 0)
		log_warn("event=helper-nonblock-failed");
	log_info("event=helper-started pid=%d hook-user=%s pidfile=%s", (int)pid,
		 hook_as ? hook_as->name : "(unchanged)",
		 cfg->pidfile ? cfg->pidfile : "none");
	return h;
}

int helper_fd(const struct helper *h)
{
	return h->fd;
}

bool helper_run(struct helper *h, uint32_t id, const char *path, const struct hook_env *e)
{
	uint8_t b[MSG_MAX];
	struct wbuf w;
	wbuf_init(&w, b, sizeof(b));
	wbuf_u8(&w, MSG_RUN);
	wbuf_be32(&w, id);
	wbuf_be32(&w, e->speed);
	wbuf_be32(&w, e->local);
	wbuf_be32(&w, e->remote);
	wbuf_be32(&w, e->call_id);
	wbuf_u8(&w, e->down ? 1 : 0);
	wbuf_be32(&w, e->connect_time);
	wbuf_be32(&w, (uint32_t)(e->bytes_sent >> 32));
	wbuf_be32(&w, (uint32_t)e->bytes_sent);
	wbuf_be32(&w, (uint32_t)(e->bytes_rcvd >> 32));
	wbuf_be32(&w, (uint32_t)e->bytes_rcvd);
	put_str(&w, path, PATH_MAX - 1);
	put_str(&w, e->ifname, STR_MAX);
	put_str(&w, e->tty, STR_MAX);
	put_str(&w, e->ipparam, STR_MAX);
	put_str(&w, e->peername, STR_MAX);
	put_str(&w, e->peer, STR_MAX);
	put_str(&w, e->linkname, STR_MAX);
	return send_msg(h->fd, &w);
}

bool helper_kill(struct helper *h, uint32_t id)
{
	uint8_t b[8];
	struct wbuf w;
	wbuf_init(&w, b, sizeof(b));
	wbuf_u8(&w, MSG_KILL);
	wbuf_be32(&w, id);
	return send_msg(h->fd, &w);
}

int helper_read(struct helper *h, struct helper_done *d)
{
	uint8_t b[64];
	ssize_t n;
	do
		n = recv(h->fd, b, sizeof(b), MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0)
		return -1;
	struct rbuf r;
	uint8_t type, started;
	uint32_t status;
	rbuf_init(&r, b, (size_t)n);
	if (!rbuf_u8(&r, &type) || type != MSG_DONE || !rbuf_be32(&r, &d->id) ||
	    !rbuf_be32(&r, &status) || !rbuf_u8(&r, &started) || rbuf_left(&r) != 0) {
		log_errx("event=helper-bad-report length=%zd", n);
		return -1;
	}
	d->status = (int)status;
	d->started = started != 0;
	return 1;
}

void helper_finish(struct helper *h)
{
	if (!h)
		return;
	/* The helper sees EOF, removes the pidfile and exits: its end of the
	 * channel closing is the sign, whoever reaps it. */
	shutdown(h->fd, SHUT_WR);
	uint8_t b[64];
	bool eof = false;
	for (int i = 0; i < FINISH_MS / 50 && !eof; i++) {
		struct pollfd pf = { .fd = h->fd, .events = POLLIN };
		(void)poll(&pf, 1, 50);
		ssize_t n = -1;
		/* Reports still on the way are of no use now: drop them. */
		for (int k = 0; k < HELPER_HOOKS_MAX && (n = recv(h->fd, b, sizeof(b), MSG_DONTWAIT)) > 0;
		     k++)
			;
		eof = n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR);
	}
	close(h->fd);
	/* Its end closed: it is exiting, so wait for it (unless the loop
	 * reaped it already: ECHILD). Else leave it to init. */
	if (eof)
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
	else
		log_warnx("event=helper-exit-timeout pid=%d", (int)h->pid);
	free(h);
}
