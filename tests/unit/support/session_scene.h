/*
 * Test support for the tests that drive one session of a real server
 * object (server/session.h) through the ops it gives its link: a server
 * with no listeners, GRE, tun or accounting, an IP pool (and a /64 pool
 * when the config has ipv6 on), a fake auth backend, and one control
 * connection over a socketpair that has placed one call, whose session
 * waits for LCP. The call is made a fake one by holding its GRE flow
 * aside (there is no GRE socket): what the link sends on it is dropped
 * and counted, nothing else changes.
 *
 * Lifetime: session_scene_new() in set-up, session_scene_free() in
 * teardown (gives the call its flow back first, frees the server with
 * everything in it, restores stderr and the NOTICE log level). A test that
 * ends the call itself calls session_scene_real_call() before, so that the
 * call frees its own flow.
 */
#ifndef PPTP_TESTS_SESSION_SCENE_H
#define PPTP_TESTS_SESSION_SCENE_H

#include <ev.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "auth/backend.h"
#include "common/log.h"
#include "conf/config.h"
#include "server/server.h"

/* The fake backend: counts submits and the cancels of the last one, keeps
 * the last submit's reference, user, method and, for EAP, copies of what
 * it carried (the request's pointers are valid only during the submit);
 * submit says answer (AUTH_SUBMIT_PENDING unless the test changes it). */
struct session_scene_backend {
	struct auth_backend b;
	enum auth_submit_status answer;
	unsigned submits, cancels;
	struct auth_session_ref last;
	char user[sizeof(((struct auth_request *)0)->user)];
	enum auth_method method;
	uint8_t eap_msg[64], eap_state[256];
	size_t eap_msg_len, eap_state_len;
	bool eap_state_given;
	unsigned eap_round;
};

struct session_scene {
	struct config *cfg;
	struct ev_loop *loop;
	struct server *srv;
	struct session_scene_backend fb;
	int peer;               /* our end of the control connection */
	struct session *s;      /* the session of the one call */
	struct call *call;
	struct gre_flow *flow;  /* the call's, held aside while it is a fake */
	FILE *log;              /* stderr, captured; NULL if not asked for */
	int saved_stderr;
};

/* The scene from config text conf ("t.conf"), logging at level; with
 * capture_log, every log line goes to t->log (read with
 * session_scene_logged()). The test fails if any step does. */
struct session_scene *session_scene_new(const char *conf, enum log_level level,
					bool capture_log);
void session_scene_free(struct session_scene *t);
/* The call gets its flow back (before it is killed, so it frees it). */
void session_scene_real_call(struct session_scene *t);
/* Does the captured log hold a line with text? */
bool session_scene_logged(struct session_scene *t, const char *text);

#endif
