/*
 * A TCP 1723 listener on one `listen` address.
 *
 * Lifetime: listener_open() fills a listener embedded in the server's array
 * (the server owns the memory); listener_close() stops the watcher and
 * closes the socket and may be called twice. Accepted connections become
 * ctrl objects owned by the server, not by the listener.
 */
#ifndef PPTP_SERVER_LISTENER_H
#define PPTP_SERVER_LISTENER_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>

struct server;

struct listener {
	struct server *srv;
	struct in_addr addr; /* network order; INADDR_ANY for every address */
	int fd;
	ev_io io;
};

/* Bind and listen on addr:port; false (logged) on failure. */
bool listener_open(struct listener *l, struct server *srv, struct in_addr addr, uint16_t port);
void listener_close(struct listener *l);

#endif
