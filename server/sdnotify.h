/*
 * The service manager's notification protocol (sd_notify(3)), by hand.
 *
 * systemd starts a Type=notify service with NOTIFY_SOCKET naming a Unix
 * datagram socket: a path, or "@name" for the abstract namespace. Each
 * message is one datagram of "KEY=VALUE" lines. pptpd sends READY=1 once
 * the listeners are up and the loop is about to run, WATCHDOG=1 every half
 * WATCHDOG_USEC from an ev_timer on that loop (a loop that stops turning
 * stops the keep-alives, and systemd restarts the service), and STOPPING=1
 * when the loop ends. Without NOTIFY_SOCKET every call does nothing.
 *
 * Lifetimes: struct sdnotify belongs to its caller (main.c keeps it on the
 * stack of run_server). sdnotify_open() connects the socket while still
 * root, before the drop (the manager's socket or a test's may be closed to
 * the run user; a connected datagram socket keeps working after the
 * drop); sdnotify_ready() starts the watchdog timer on the loop;
 * sdnotify_close() stops it and closes the socket. A failed send is logged
 * once and counted; it never stops the server.
 */
#ifndef PPTP_SERVER_SDNOTIFY_H
#define PPTP_SERVER_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

struct sdnotify {
	int fd;              /* -1: no NOTIFY_SOCKET (or it could not be used) */
	struct ev_loop *loop;
	ev_timer watchdog;   /* active only with WATCHDOG_USEC for this process */
	uint64_t watchdog_usec;
	unsigned long send_failures;
};

/* Read NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID, connect the socket.
 * False only when NOTIFY_SOCKET is set but unusable (logged); n is usable
 * (as a no-op) either way. */
bool sdnotify_open(struct sdnotify *n);
/* Send one message (e.g. "READY=1"); false if it could not be sent. */
bool sdnotify_send(struct sdnotify *n, const char *msg);
/* READY=1 and, with a watchdog, the keep-alive timer on loop. */
void sdnotify_ready(struct sdnotify *n, struct ev_loop *loop);
/* STOPPING=1, the timer stopped, the socket closed. */
void sdnotify_close(struct sdnotify *n);

/* Parse WATCHDOG_USEC's value: a decimal number of microseconds > 0. */
bool sdnotify_parse_usec(const char *s, uint64_t *out);

#endif
