/*
 * Teardown loops that survive a nested teardown: a real server object (no
 * listeners, no GRE, no tun) with control connections over socketpairs,
 * calls and sessions made by real Outgoing-Call-Requests.
 *
 * The scene: bob's session on connection 1 is the oldest; alice has two
 * sessions on connection 2, whose peer reads nothing (its output buffer is
 * full). Ending one of alice's sessions sends a Call-Disconnect-Notify that
 * does not fit, which kills connection 2 and with it her other session,
 * from inside the loop that is ending sessions. A loop that kept a `next`
 * pointer then follows it into the reaper's list and never reaches bob.
 */
#include <arpa/inet.h>
#include <ev.h>
#include <poll.h>
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

#include "auth/radius_pkt.h"
#include "common/buf.h"
#include "common/crypto.h"
#include "common/pptp_msg.h"
#include "conf/config.h"
#include "server/ctrl.h"
#include "server/dae.h"
#include "server/pool.h"
#include "server/server.h"
#include "server/session_priv.h"
#include "tests/unit/support/pptp_wire.h"

struct scene {
	struct config *cfg;
	struct ev_loop *loop;
	struct server *srv;
	int peer[2];            /* our ends of connections 1 and 2 */
	struct ctrl *ctrl[2];
	uint16_t dae_port;
};

/* A connection with `calls` calls, each with its (waiting) session. */
static struct ctrl *connect_calls(struct scene *t, int *peer, unsigned calls)
{
	int sv[2];
	struct sockaddr_in from = { .sin_family = AF_INET, .sin_port = htons(1024) };
	from.sin_addr.s_addr = htonl(0xC6336402); /* 198.51.100.2 */

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	ctrl_accept(t->srv, sv[0], &from);
	struct ctrl *c = t->srv->ctrls;
	*peer = sv[1];
	struct pptp_msg m = { .type = PPTP_START_CTRL_REQUEST };
	m.start_rq.version = PPTP_VERSION;
	m.start_rq.framing_caps = PPTP_FRAMING_SYNC;
	m.start_rq.bearer_caps = PPTP_BEARER_DIGITAL;
	pptp_wire_send(sv[1], &m);
	for (unsigned i = 0; i < calls; i++) {
		m = (struct pptp_msg){ .type = PPTP_OUT_CALL_REQUEST };
		m.ocrq.call_id = (uint16_t)(i + 1);
		m.ocrq.call_serial = (uint16_t)(i + 1);
		m.ocrq.max_bps = 100000000;
		m.ocrq.bearer_type = PPTP_BEARER_DIGITAL;
		m.ocrq.framing_type = PPTP_FRAMING_SYNC;
		m.ocrq.recv_window = 64;
		pptp_wire_send(sv[1], &m);
	}
	pptp_wire_turn(t->loop);
	assert_int_equal(c->state, CTRL_ESTABLISHED);
	assert_int_equal(c->ncalls, calls);
	return c;
}

/* The sessions on a connection: named and put in NETWORK (logged in), as
 * the backend would have; the link itself never saw the client's LCP. */
static void name_sessions(struct scene *t, const struct ctrl *c, const char *user)
{
	for (struct session *s = t->srv->sessions; s; s = s->next) {
		if (s->ctrl_id != c->id)
			continue;
		session_set_user(s, user);
		s->state = SESSION_NETWORK;
	}
}

static uint16_t free_udp_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int setup(void **state)
{
	struct scene *t = calloc(1, sizeof(*t));
	char err[512], text[512];

	assert_non_null(t);
	assert_true(crypto_init(err, sizeof(err)));
	t->dae_port = free_udp_port();
	snprintf(text, sizeof(text),
		 "localip 192.0.2.1\nremoteip 192.0.2.10-20\nconnections 8\n"
		 "dae-listen 127.0.0.1:%u\ndae-client 127.0.0.1 daesecret\n", t->dae_port);
	t->cfg = config_load_string("t.conf", text, err, sizeof(err));
	assert_non_null(t->cfg);
	t->loop = ev_loop_new(EVFLAG_AUTO);
	t->srv = server_new(t->loop, t->cfg, false);
	assert_non_null(t->srv);
	/* What start_sessions() sets up, without tun and backend. */
	t->srv->pool = pool_new(t->cfg);
	t->srv->session_slot = calloc(t->cfg->connections, sizeof(*t->srv->session_slot));
	t->srv->nslots = t->cfg->connections;
	assert_non_null(t->srv->pool);
	assert_non_null(t->srv->session_slot);

	/* bob first (the oldest session, last on the list), then alice's two. */
	t->ctrl[0] = connect_calls(t, &t->peer[0], 1);
	name_sessions(t, t->ctrl[0], "bob");
	t->ctrl[1] = connect_calls(t, &t->peer[1], 2);
	name_sessions(t, t->ctrl[1], "alice");
	assert_int_equal(t->srv->nsessions, 3);
	/* Connection 2's peer reads nothing: no notify fits any more. */
	t->ctrl[1]->out = calloc(1, CTRL_OUT_SIZE);
	assert_non_null(t->ctrl[1]->out);
	t->ctrl[1]->out_len = CTRL_OUT_SIZE - 4;
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct scene *t = *state;
	server_free(t->srv);
	ev_loop_destroy(t->loop);
	config_free(t->cfg);
	close(t->peer[0]);
	close(t->peer[1]);
	free(t);
	return 0;
}

/* Server shutdown's first step: every session is closed, bob's too. */
static void close_all_survives_nested_teardown(void **state)
{
	struct scene *t = *state;

	session_close_all(t->srv, PPP_CAUSE_SHUTDOWN, "test");
	assert_int_equal(t->srv->nsessions, 0);
	/* Connection 2 died of its full buffer; connection 1 lives on. */
	assert_int_equal(t->srv->nctrls, 1);
	assert_ptr_equal(t->srv->ctrls, t->ctrl[0]);
}

/* A Disconnect-Request for a user with all three sessions (bob's becomes
 * alice's here): all three end. */
static void dae_survives_nested_teardown(void **state)
{
	struct scene *t = *state;
	struct radius_secret sec;
	static struct radius_writer w;
	uint8_t buf[RADIUS_MAX_LEN];
	struct radius_packet rq, p;
	struct radius_attr a;

	name_sessions(t, t->ctrl[0], "alice");
	assert_non_null(t->srv->dae = dae_open(t->srv));
	assert_true(radius_secret_set(&sec, "daesecret"));
	radius_writer_init(&w, RADIUS_DISCONNECT_REQUEST, 42, NULL);
	assert_true(radius_put_str(&w, RADIUS_USER_NAME, "alice"));
	assert_true(radius_put_ma(&w));
	assert_true(radius_finish(&w, RADIUS_SIGN_REQUEST_HASH, &sec, NULL));
	assert_true(radius_parse(w.buf, w.len, &rq));

	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(t->dae_port) };
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(sendto(fd, w.buf, w.len, 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)w.len);
	ssize_t n = -1;
	for (int i = 0; i < 100 && n < 0; i++) {
		pptp_wire_turn(t->loop);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 10) == 1)
			n = recv(fd, buf, sizeof(buf), 0);
	}
	close(fd);
	assert_true(n > 0);
	assert_true(radius_parse(buf, (size_t)n, &p));
	assert_int_equal(radius_verify(&p, RADIUS_SIGN_RESPONSE, &sec, rq.auth, true), RADIUS_OK);
	assert_int_equal(p.code, RADIUS_DISCONNECT_ACK);
	assert_false(radius_find(&p, 0, RADIUS_ERROR_CAUSE, &a));
	/* All three ended, also the one after the connection that died. */
	assert_int_equal(t->srv->nsessions, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(close_all_survives_nested_teardown, setup, teardown),
		cmocka_unit_test_setup_teardown(dae_survives_nested_teardown, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
