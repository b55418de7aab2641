/*
 * A TCP 1723 listener on one `listen` address.
 *
 * Admission, in order: the per-address limit (max-connections-per-address:
 * the new connection is closed); the server-wide cap on connections that
 * have not finished the start exchange (max-unstarted-connections: the
 * oldest such connection is closed to make room, see make_room()).
 *
 * Descriptor exhaustion: when accept() fails with EMFILE, ENFILE, ENOBUFS
 * or ENOMEM the listening socket stays readable; instead of spinning on it
 * the listener stops watching it for a back-off (LISTEN_BACKOFF_MIN, doubled
 * on each failure in a row up to LISTEN_BACKOFF_MAX), logs the first
 * failure of such a run and the resumption, and counts every failure. The
 * connections wait in the kernel's backlog meanwhile.
 *
 * Lifetime: listener_open() fills a listener embedded in the server's array
 * (the server owns the memory); listener_free() stops the watchers and
 * closes the socket and may be called twice. Accepted connections become
 * ctrl objects owned by the server, not by the listener.
 */
#ifndef PPTP_SERVER_LISTENER_H
#define PPTP_SERVER_LISTENER_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>

struct server;
struct config;

struct listener {
	struct server *srv;
	struct in_addr addr; /* network order; INADDR_ANY for every address */
	int fd;
	ev_io io;
	ev_timer backoff;    /* accepting paused after a failure */
	double backoff_s;    /* the next pause; 0: no failure in a row */
	unsigned failures;   /* failures in the current run */
};

/* Bind and listen on addr:port; false (logged) on failure. */
bool listener_open(struct listener *l, struct server *srv, struct in_addr addr, uint16_t port);
void listener_free(struct listener *l);

/*
 * Raise the soft RLIMIT_NOFILE to what cfg needs (one descriptor per call's
 * control connection, as many again for connections between calls, the
 * unstarted ones, and a reserve for the server's own files), up to the hard
 * limit; the hard limit is the operator's (systemd LimitNOFILE=) and is not
 * raised. Logs the limits (event=fd-limit), with a warning when the hard
 * limit is below the need.
 */
void listener_raise_nofile(const struct config *cfg);

#endif
