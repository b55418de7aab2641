/*
 * The Prometheus endpoint (`metrics-listen ADDR:PORT`): GET /metrics over
 * HTTP/1.0 or 1.1 from the server's loop, in the text exposition format
 * 0.0.4, one answer per connection (Connection: close).
 *
 * It faces whatever network the operator binds it to, so everything a
 * client can make it hold is bounded: METRICS_MAX_CLIENTS connections
 * (a new one evicts the oldest still reading), METRICS_REQ_MAX bytes of
 * request, METRICS_READ_SECS to send it, and the same bound to take the
 * answer. Requests are parsed through common/buf.h readers: GET /metrics
 * answers 200, another path 404, another method 405, anything else 400.
 *
 * It also owns the loop-lag timer: an ev_timer due every second that
 * measures how late it fires (last value and maximum).
 *
 * Lifetime: metrics_open() in server_open() (as root: the port may be
 * privileged), metrics_start() in server_start(), metrics_free() in
 * server_free(); NULL when `metrics-listen` is not set. The client slots
 * are a fixed array inside struct metrics: closing one (also from its own
 * callback) stops its watchers and closes its descriptor; nothing is freed
 * but its answer buffer, which no watcher points at.
 */
#ifndef PPTP_SERVER_METRICS_H
#define PPTP_SERVER_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_CLIENTS 16
#define METRICS_REQ_MAX     4096
#define METRICS_READ_SECS   5.0

struct server;
struct metrics;

/* Bind and listen (logged on failure: NULL). */
struct metrics *metrics_open(struct server *srv);
/* Start accepting and the loop-lag timer. */
void metrics_start(struct metrics *m);
/* Close every client and the listener; NULL is fine. */
void metrics_free(struct metrics *m);

/* The parser, for tests: where a request head ends (after its empty
 * line), 0 if it does not yet; and the status a complete head gets
 * (200, 400, 404, 405). */
size_t metrics_http_head_end(const uint8_t *p, size_t len);
int metrics_http_status(const uint8_t *req, size_t len);

#endif
