/*
 * RADIUS accounting (RFC 2866): records built when something happens
 * (Accounting-On/Off, a session's Start, Interim-Update and Stop), kept in
 * one FIFO in memory and mirrored in the spool (auth/acct_spool.h) until
 * the accounting server acknowledges them, sent in order over
 * auth/radius_client.h.
 *
 * No record is lost: a record is spooled when it is made and deleted from
 * the spool only when an Accounting-Response for it has been verified. A
 * record whose servers all stayed silent (each tried `tries` times,
 * `timeout` apart) is sent again, forever; Acct-Delay-Time tells the
 * server how old it is. Records left in the spool by an earlier run are loaded at start
 * and sent first, in their order.
 *
 * At most `window` records are outstanding at once (the oldest ones), so
 * a backlog after an outage drains in order without flooding the server.
 *
 * Like the auth backend it runs on the owner's thread: watch acct_fd()
 * and call acct_run() when it is readable. Nothing here blocks (the spool
 * writes from its own thread).
 *
 * Lifetime: acct_new() .. acct_free(); free drops what is in memory (the
 * spool keeps every unacknowledged record for the next start).
 */
#ifndef PPTP_AUTH_ACCT_H
#define PPTP_AUTH_ACCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/backend_radius.h"
#include "auth/radius_client.h"

#define ACCT_WINDOW_DEFAULT  8
#define ACCT_QUEUE_DEFAULT   100000

struct acct_config {
	struct radius_client_config client; /* the accounting servers */
	struct auth_radius_nas nas;
	const char *spool_path;      /* NULL: memory only */
	size_t window;               /* 0: ACCT_WINDOW_DEFAULT */
	size_t queue_max;            /* records kept at most; 0: ACCT_QUEUE_DEFAULT */
	const char *boot_session_id; /* Acct-Session-Id of Accounting-On/Off */
};

/* What a record says about a session. */
struct acct_session {
	const char *session_id;
	const char *user;
	uint32_t nas_port;
	const struct sockaddr_storage *peer;  /* may be NULL */
	const struct sockaddr_storage *local; /* may be NULL */
	uint32_t framed_ip;                   /* host order; 0: none */
	const char *multi_session_id;         /* Acct-Multi-Session-Id; NULL: none */
	/* Every echoed Class, packed as struct auth_result's (length octet,
	 * value: auth_class_next()); NULL: none. */
	const uint8_t *classes;
	size_t classes_len;
	bool radius_authentic;                /* Acct-Authentic RADIUS, else Local */
	/* IPv6 (RFC 3162, RFC 6911), in Start, Interim-Update and Stop when
	 * the session has them; zero (the default): not sent. ipv6_iid: the
	 * peer's interface identifier (Framed-Interface-Id); ipv6_prefix_len
	 * 1..128: the session's prefix (Framed-IPv6-Prefix); delegated_len
	 * 1..128: the prefix routed to the client (Delegated-IPv6-Prefix). */
	uint64_t ipv6_iid;
	uint8_t ipv6_prefix[16];
	uint8_t ipv6_prefix_len;
	uint8_t delegated_prefix[16];
	uint8_t delegated_prefix_len;
	/* Interim-Update and Stop: */
	uint32_t session_time;                /* seconds */
	uint64_t in_octets, out_octets;       /* from / to the client */
	uint64_t in_packets, out_packets;
	unsigned terminate_cause;             /* Stop: RADIUS_TERM_* */
};

struct acct_stats {
	uint64_t made, acked, resent, dropped; /* dropped: queue full */
	size_t queued;                          /* in memory, not yet acknowledged */
	size_t loaded;                          /* from the spool at start */
};

struct acct;

struct acct *acct_new(const struct acct_config *cfg, char *err, size_t errlen);
void acct_free(struct acct *a);

int acct_fd(const struct acct *a);
void acct_run(struct acct *a);

/* Make one record (RADIUS_ACCT_START, _STOP, _INTERIM_UPDATE: s is
 * required; RADIUS_ACCT_ON, _OFF: s is NULL) and send it when its turn
 * comes. False (logged) if the queue is full or it does not encode. */
bool acct_record(struct acct *a, uint32_t status, const struct acct_session *s);

const struct acct_stats *acct_get_stats(const struct acct *a);
/* The transport's counters. */
const struct radius_stats *acct_radius_stats(const struct acct *a);
/* Records made or loaded and not yet acknowledged. */
size_t acct_queued(const struct acct *a);
/* The spool has written everything queued so far (shutdown, tests). */
void acct_flush(struct acct *a);

#endif
