#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "session_scene.h"

#include "common/crypto.h"
#include "common/pptp_msg.h"
#include "server/call.h"
#include "server/ctrl.h"
#include "server/pool.h"
#include "server/pool6.h"
#include "server/session_priv.h"
#include "tests/unit/support/pptp_wire.h"

/* ---- the fake backend ---- */

static enum auth_submit_status fb_submit(struct auth_backend *b, const struct auth_request *rq)
{
	struct session_scene_backend *f = (struct session_scene_backend *)b;
	f->submits++;
	f->last = rq->session;
	snprintf(f->user, sizeof(f->user), "%s", rq->user);
	f->method = rq->method;
	if (rq->method == AUTH_EAP) {
		assert_true(rq->u.eap.msg_len <= sizeof(f->eap_msg));
		assert_true(rq->u.eap.state_len <= sizeof(f->eap_state));
		memcpy(f->eap_msg, rq->u.eap.msg, rq->u.eap.msg_len);
		f->eap_msg_len = rq->u.eap.msg_len;
		f->eap_state_given = rq->u.eap.state != NULL;
		if (rq->u.eap.state_len)
			memcpy(f->eap_state, rq->u.eap.state, rq->u.eap.state_len);
		f->eap_state_len = rq->u.eap.state_len;
		f->eap_round = rq->u.eap.round;
	}
	return f->answer;
}

static void fb_cancel(struct auth_backend *b, struct auth_session_ref s)
{
	struct session_scene_backend *f = (struct session_scene_backend *)b;
	if (auth_session_ref_eq(s, f->last))
		f->cancels++;
}

static int fb_fd(const struct auth_backend *b) { (void)b; return -1; }
static size_t fb_drain(struct auth_backend *b) { (void)b; return 0; }
static void fb_free(struct auth_backend *b) { (void)b; }

static const struct auth_backend_ops fb_ops = {
	.name = "fake", .submit = fb_submit, .cancel = fb_cancel, .fd = fb_fd,
	.drain = fb_drain, .free = fb_free,
};

/* ---- the scene ---- */

struct session_scene *session_scene_new(const char *conf, enum log_level level,
					bool capture_log)
{
	struct session_scene *t = calloc(1, sizeof(*t));
	char err[512];
	int sv[2];

	assert_non_null(t);
	assert_true(crypto_init(err, sizeof(err)));
	t->cfg = config_load_string("t.conf", conf, err, sizeof(err));
	assert_non_null(t->cfg);
	t->loop = ev_loop_new(EVFLAG_AUTO);
	t->srv = server_new(t->loop, t->cfg, false);
	assert_non_null(t->srv);
	t->srv->pool = pool_new(t->cfg);
	if (t->cfg->ipv6) {
		t->srv->pool6 = pool6_new(&t->cfg->ipv6_prefix_pool);
		assert_non_null(t->srv->pool6);
	}
	t->srv->session_slot = calloc(t->cfg->connections, sizeof(*t->srv->session_slot));
	t->srv->nslots = t->cfg->connections;
	t->fb.b.ops = &fb_ops;
	t->fb.answer = AUTH_SUBMIT_PENDING;
	t->srv->auth = &t->fb.b;
	log_init("pptpd", level);
	t->saved_stderr = -1;
	if (capture_log) {
		t->log = tmpfile();
		assert_non_null(t->log);
		t->saved_stderr = dup(STDERR_FILENO);
		dup2(fileno(t->log), STDERR_FILENO);
	}

	/* One control connection with one call: its session waits for LCP. */
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(1024) };
	from.sin_addr.s_addr = htonl(0xC6336402); /* 198.51.100.2 */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	ctrl_accept(t->srv, sv[0], &from);
	t->peer = sv[1];
	struct pptp_msg m = { .type = PPTP_START_CTRL_REQUEST };
	m.start_rq.version = PPTP_VERSION;
	m.start_rq.framing_caps = PPTP_FRAMING_SYNC;
	m.start_rq.bearer_caps = PPTP_BEARER_DIGITAL;
	pptp_wire_send(sv[1], &m);
	m = (struct pptp_msg){ .type = PPTP_OUT_CALL_REQUEST };
	m.ocrq.call_id = 1;
	m.ocrq.call_serial = 1;
	m.ocrq.max_bps = 100000000;
	m.ocrq.bearer_type = PPTP_BEARER_DIGITAL;
	m.ocrq.framing_type = PPTP_FRAMING_SYNC;
	m.ocrq.recv_window = 64;
	pptp_wire_send(sv[1], &m);
	pptp_wire_turn(t->loop);
	assert_int_equal(t->srv->nsessions, 1);
	t->s = t->srv->sessions;
	t->call = t->s->call;
	t->flow = t->call->flow;
	t->call->flow = NULL;
	return t;
}

void session_scene_real_call(struct session_scene *t)
{
	if (t->flow)
		t->call->flow = t->flow;
	t->flow = NULL;
}

void session_scene_free(struct session_scene *t)
{
	session_scene_real_call(t);
	server_free(t->srv);
	ev_loop_destroy(t->loop);
	config_free(t->cfg);
	close(t->peer);
	if (t->log) {
		fflush(stderr);
		dup2(t->saved_stderr, STDERR_FILENO);
		close(t->saved_stderr);
		fclose(t->log);
	}
	log_init("pptpd", LOG_LVL_NOTICE);
	free(t);
}

bool session_scene_logged(struct session_scene *t, const char *text)
{
	char line[2048];
	bool found = false;

	assert_non_null(t->log);
	fflush(stderr);
	rewind(t->log);
	while (!found && fgets(line, sizeof(line), t->log))
		found = strstr(line, text) != NULL;
	fseek(t->log, 0, SEEK_END);
	return found;
}
