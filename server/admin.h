/*
 * The admin socket (`control-socket`): a Unix stream socket on the
 * server's loop where pptpctl asks for sessions, counters and lock-outs
 * and ends sessions. One request per line, one JSON object per answer
 * line ({"ok":true,...} or {"ok":false,"error":"..."}); the client may
 * send the next request after the answer or close. docs/pptpctl.md
 * lists the commands.
 *
 * Bounds: ADMIN_CLIENTS_MAX clients at once (one more is answered "busy"
 * and closed), ADMIN_LINE_MAX bytes per request (a longer line is
 * answered "line too long" and the client closed), ADMIN_IDLE_SECS
 * without a complete request closes the client. Everything refused is
 * counted (shown by `stats`).
 *
 * Files: admin_open() (as root, from server_open()) makes the directory
 * (0700, given to the run user when made here), replaces a stale socket
 * (one nobody answers on; a live one is left alone and the server runs
 * without the admin socket, one warning), binds, sets mode 0600 and gives
 * the socket to the run user. admin_free() removes it if it is still the
 * one bound; when it cannot (a directory the run user may not write), the
 * next start replaces the stale socket.
 *
 * Lifetime: admin_open() .. admin_free(), owned by the server
 * (srv->admin; NULL: no socket). Clients live on the admin's list; a
 * client that ends inside its own callback is unlinked, its watchers
 * stopped, and freed from the admin's idle watcher (the reaper rule).
 */
#ifndef PPTP_SERVER_ADMIN_H
#define PPTP_SERVER_ADMIN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define ADMIN_CLIENTS_MAX 8
#define ADMIN_LINE_MAX    512
#define ADMIN_IDLE_SECS   30.0
/* Largest answer kept for one client (about 2000 sessions of JSON). */
#define ADMIN_OUT_MAX     (1024 * 1024)

struct server;
struct admin;

struct admin_stats {
	uint64_t accepted;
	uint64_t requests;
	uint64_t busy;         /* refused over ADMIN_CLIENTS_MAX */
	uint64_t too_long;     /* requests over ADMIN_LINE_MAX */
	uint64_t bad;          /* requests that did not parse */
	uint64_t timeouts;     /* clients closed after ADMIN_IDLE_SECS */
	uint64_t kills;        /* sessions ended by `session kill` */
};

/* Open the socket at path (as root); uid/gid own it (uid (uid_t)-1: keep).
 * NULL with a warning when it cannot be opened: the server runs without. */
struct admin *admin_open(struct server *srv, const char *path, uid_t uid, gid_t gid);
/* Start accepting (server_start()). */
void admin_start(struct admin *ad);
void admin_free(struct admin *ad);
const struct admin_stats *admin_get_stats(const struct admin *ad);

/* One request line (no newline) of len bytes: the answer, one JSON object
 * and a newline, appended to out (malloc'd, *outlen bytes); false: out of
 * memory. Exposed for the unit tests. */
bool admin_handle(struct admin *ad, const char *line, size_t len, char **out, size_t *outlen);

#endif
