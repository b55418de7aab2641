/*
 * The RADIUS transport: requests to a list of servers over UDP, with
 * retransmission, failover and dead-server tracking, and every reply checked
 * before anyone sees it. Non-blocking and single-threaded: it runs on the
 * owner's event loop, yet has no event loop of its own (auth/ has none).
 *
 * The owner watches one file descriptor, radius_client_fd() (an epoll set
 * holding the client's UDP sockets and a timerfd for its retransmissions),
 * and calls radius_client_run() whenever it is readable. run() reads every
 * waiting reply, fires every retransmission that is due and delivers the
 * completions; it never waits. Completions run only inside run(), never
 * inside radius_client_send(), so a caller may send from anywhere.
 *
 * A request is built anew for each server it goes to (each server has its
 * own secret, and a User-Password is hidden with it): the caller gives the
 * code, the attributes as wire bytes and optionally a password to hide;
 * the client adds the identifier, the authenticator, an Acct-Delay-Time
 * (when asked: seconds since the request was created, fixed per server),
 * the Message-Authenticator and signs it. A retransmission to the same
 * server repeats the same bytes (same identifier, RFC 5080 2.2.1); moving
 * to the next server builds it again with a new identifier.
 *
 * Replies: only from the server the request went to (address and port),
 * with the identifier of an outstanding request, whose authenticator is
 * right and, for Access-Accept/-Reject/-Challenge, that carry a correct
 * Message-Authenticator (Blast-RADIUS, CVE-2024-3596). Anything else is
 * dropped, counted, and logged at most once a second.
 *
 * Servers are tried in order, `tries` times each (`timeout_ms` apart). A
 * server that used up its tries without an answer is dead for
 * `dead_time_s`: later requests start at the first live server; when all
 * are dead the one dead longest is tried. Any verified reply revives it.
 * When every server has been tried, the completion gets NULL.
 *
 * Status-Server (RFC 5997, with `status_server`): while a server is dead,
 * the client sends it a Status-Server (with Message-Authenticator) every
 * `probe_interval_ms`, jittered by a third either way (RFC 3539 3.4.1
 * jitters its watchdog likewise), one try each, never failed over. The
 * first verified answer (Access-Accept on an auth port, Accounting-Response
 * on an acct port) revives the server at once (`event=server-alive
 * by=status-server`); a server that does not answer Status-Server comes
 * back after `dead_time_s` as before. Probes are the client's own
 * requests: they count in `probes`, not in `sent`, and call nobody back.
 *
 * Message-Authenticator in replies: required in every Access-Accept,
 * -Reject and -Challenge, unless the server is marked `ma_optional`
 * (NPS and old servers that cannot add one; radius_client_new() warns for
 * each), and then still for a request that asks for it (require_ma: EAP).
 * One that is present is checked either way.
 *
 * Pinned requests (radius_req_params.pinned) go to one named server only,
 * dead or alive, and are never failed over.
 *
 * Identifiers: each UDP socket has 256; the client opens more sockets
 * (up to RADIUS_CLIENT_SOCKETS) as requests outstanding to one server grow.
 *
 * Lifetimes: radius_client_new() .. radius_client_free(), which drops every
 * outstanding request without calling its completion. A struct radius_req
 * is the client's: valid from radius_client_send() until its completion
 * is called (the request is already freed then: the callback gets only the
 * caller's ctx) or radius_client_cancel().
 */
#ifndef PPTP_AUTH_RADIUS_CLIENT_H
#define PPTP_AUTH_RADIUS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/radius_pkt.h"

#define RADIUS_CLIENT_SOCKETS 16
#define RADIUS_SERVERS_MAX    8
/* RFC 3539 3.4.1's smallest watchdog interval, Tw >= 6 s. */
#define RADIUS_PROBE_INTERVAL_MS 6000

struct radius_server {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	struct radius_secret secret;
	char name[64];                 /* "addr:port", for logs */
	bool ma_optional;              /* replies need no Message-Authenticator */
};

struct radius_client_config {
	const char *what;              /* "auth" or "acct", for logs */
	const struct radius_server *servers;
	size_t nservers;               /* 1..RADIUS_SERVERS_MAX */
	unsigned timeout_ms;           /* per try; 0: 3000 */
	unsigned tries;                /* per server; 0: 3 */
	unsigned dead_time_s;          /* 0: 30 */
	bool status_server;            /* probe dead servers (RFC 5997) */
	unsigned probe_interval_ms;    /* 0: RADIUS_PROBE_INTERVAL_MS */
	const struct sockaddr_storage *bind_addr; /* source address; NULL: any */
	size_t max_outstanding;        /* 0: 4096 */
};

/* Upper bounds (ms) of the reply-latency buckets: from the first send of
 * a request to its verified reply, retransmissions and failovers included. */
#define RADIUS_LATENCY_BUCKETS 10
extern const unsigned radius_latency_bounds_ms[RADIUS_LATENCY_BUCKETS];

struct radius_stats {
	uint64_t sent, retransmitted, failovers, timeouts;
	uint64_t replies, bad_replies, unexpected;
	uint64_t probes, probe_answers; /* Status-Server sent / verified answers */
	/* Replies by latency: latency[i] counts those over bound i-1 and at
	 * most bound i (not cumulative); the last one those over every bound. */
	uint64_t latency[RADIUS_LATENCY_BUCKETS + 1];
	uint64_t latency_sum_ms;
};

struct radius_client;
struct radius_req;

/* The reply (verified; valid only during the call) or NULL: no server
 * answered. sec and req_auth are what the reply was checked with (for
 * MS-MPPE key decryption). server: who answered, NULL with no reply. */
typedef void (*radius_done_fn)(void *ctx, const struct radius_packet *reply,
			       const struct radius_server *server,
			       const uint8_t req_auth[RADIUS_AUTH_LEN]);

struct radius_req_params {
	uint8_t code;                  /* Access-Request or Accounting-Request */
	const uint8_t *attrs;          /* attributes as wire bytes */
	size_t attrs_len;
	const void *password;          /* User-Password to hide, or NULL */
	size_t password_len;
	bool add_delay_time;           /* Acct-Delay-Time since created_ms */
	uint64_t created_ms;           /* the caller's clock (now_ms) */
	/* Go to servers[server] only (its index in the configuration):
	 * retransmitted there, never failed over; the completion gets NULL
	 * when it used up its tries. For a conversation whose State only that
	 * server knows (an EAP exchange after its first answer). */
	bool pinned;
	size_t server;
	/* Every Access-Accept, -Reject and -Challenge must carry a valid
	 * Message-Authenticator, even from an ma_optional server (RFC 3579
	 * 3.2: EAP). */
	bool require_ma;
	radius_done_fn done;
	void *ctx;
};

/* NULL with a reason in err (no servers, a socket or epoll failed). */
struct radius_client *radius_client_new(const struct radius_client_config *cfg,
					char *err, size_t errlen);
void radius_client_free(struct radius_client *c);

int radius_client_fd(const struct radius_client *c);
/* Process replies and due retransmissions. now_ms: a monotonic clock in
 * milliseconds (the same one as created_ms). */
void radius_client_run(struct radius_client *c, uint64_t now_ms);

/* Queue and send a request. NULL if the client is full, the attributes
 * do not fit or a pinned server does not exist (nothing is called back
 * then). */
struct radius_req *radius_client_send(struct radius_client *c,
				      const struct radius_req_params *p, uint64_t now_ms);
/* Forget a request: its completion is never called. */
void radius_client_cancel(struct radius_client *c, struct radius_req *req);

size_t radius_client_outstanding(const struct radius_client *c);
/* The index in the configuration of srv, a server a completion named
 * (radius_req_params.server); nservers if it is not one of this client's. */
size_t radius_client_server_index(const struct radius_client *c,
				  const struct radius_server *srv);
/* servers[i] as configured (its name for logs); NULL past the last. */
const struct radius_server *radius_client_server(const struct radius_client *c, size_t i);
/* CLOCK_MONOTONIC in milliseconds plus RADIUS_CLOCK_BASE_MS: the clock
 * now_ms and created_ms are on. CLOCK_MONOTONIC starts near 0 at boot; the
 * base keeps a time before this boot (the creation of an accounting record
 * spooled by an earlier run, for its Acct-Delay-Time) above 0. */
#define RADIUS_CLOCK_BASE_MS (UINT64_C(1) << 40) /* about 35 years */
uint64_t radius_now_ms(void);
const struct radius_stats *radius_client_stats(const struct radius_client *c);

#endif
