/*
 * Test support for the tests that drive a real server object over a
 * socketpair: write one PPTP control message, and let the loop run.
 */
#ifndef PPTP_TESTS_PPTP_WIRE_H
#define PPTP_TESTS_PPTP_WIRE_H

#include <ev.h>

#include "common/pptp_msg.h"

/* Encode m and write it whole to fd; the test fails otherwise. */
void pptp_wire_send(int fd, const struct pptp_msg *m);
/* A few non-blocking turns of the loop: enough for a request, its reply
 * and the events they start. */
void pptp_wire_turn(struct ev_loop *loop);

#endif
