/*
 * The asynchronous authentication interface: how PPP asks "is this peer who
 * it claims to be?" without ever blocking the event loop.
 *
 * The owner (the server, or a test) fills a struct auth_request and calls
 * auth_backend_submit(). Submit never blocks and never answers on the spot:
 * it either queues the request (AUTH_SUBMIT_PENDING) or refuses it at once
 * (AUTH_SUBMIT_BUSY: queue full or backend stopping). The answer arrives
 * later as a struct auth_result, delivered by auth_backend_drain() to the
 * completion callback given when the backend was created, in submit order
 * for one backend. A completion names its session by {id, generation}, never
 * by pointer: the owner looks the session up and drops the result if the
 * session has gone or been reused (generation mismatch).
 *
 * There is no event loop in auth/: each backend exposes one file descriptor
 * (an eventfd) that becomes readable when completions are waiting. The
 * server wraps it in an ev_io and calls auth_backend_drain() when it fires;
 * tests poll() it. Draining clears the readiness; a spurious wake-up with
 * nothing to drain is harmless.
 *
 * auth_backend_cancel() drops every queued, running or undelivered request
 * of one session: its completion is never delivered. Call it when a session
 * dies with an authentication outstanding.
 *
 * A backend is a struct auth_backend with a vtable (struct auth_backend_ops).
 * The SQLite backend (backend_sqlite.c) answers from a worker thread
 * through struct auth_cq, the bounded, locked completion queue with the
 * eventfd defined below; a backend with threads of its own can reuse it.
 * The RADIUS backend (backend_radius.h) needs no queue: it runs on the
 * owner's thread, and its fd is its transport's epoll set.
 *
 * Lifetimes: a backend lives from its constructor (auth_sqlite_new()) to
 * auth_backend_free(), which stops its threads, drops every request still
 * queued or undelivered (no completion is delivered for them) and wipes
 * their secrets. The completion callback runs only inside
 * auth_backend_drain(), on the owner's thread; it may submit and cancel but
 * must not free the backend. Requests are copied at submit: the caller's
 * struct may be reused (and should be wiped) at once.
 */
#ifndef PPTP_AUTH_BACKEND_H
#define PPTP_AUTH_BACKEND_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "common/mschap.h"

#define AUTH_NAME_MAX          256 /* user name bytes as the peer sent them, at most */
/* The canonical user name, at most: what a RADIUS User-Name (RFC 2865 5.1)
 * and so every accounting record can carry. */
#define AUTH_USER_MAX          253
#define AUTH_PAP_PASSWORD_MAX  255 /* PAP carries a one-octet length */
#define AUTH_CHAP_CHALLENGE_MAX 64 /* CHAP-MD5 challenge octets we accept */
#define AUTH_MD5_LEN           16
#define AUTH_MESSAGE_MAX       160
#define AUTH_KEY_LEN           16
#define AUTH_QUEUE_DEFAULT     256
#define AUTH_SESSION_ID_MAX    32  /* Acct-Session-Id text, NUL included */
#define AUTH_CLASS_MAX         253 /* one RADIUS Class value */
/* Every Class of an Access-Accept is kept, packed (auth_result.classes),
 * up to this many values and bytes (length prefixes included); further
 * ones are dropped with a log line. */
#define AUTH_CLASS_COUNT_MAX   8
#define AUTH_CLASS_BYTES_MAX   1024
#define AUTH_POOL_NAME_MAX     32  /* a named address pool, NUL included */

/* Framed-Route (RFC 2865 5.22): routes behind the client, at most this
 * many per session (further ones are dropped with a log line). */
#define AUTH_ROUTE_MAX         16

/* One Framed-Route, parsed: dst/plen (no host bits set) through gw, host
 * order; gw 0: through the session (0.0.0.0 in the attribute). Metrics
 * are not kept: a route into the tun has only one way. */
struct auth_route {
	uint32_t dst;
	uint8_t plen;
	uint32_t gw;
};

/* One Framed-IPv6-Route (RFC 3162 2.5), parsed: dst/plen (no bits set
 * beyond plen) through gw; gw all zeros: through the session (:: in the
 * attribute). Metrics are not kept, as for struct auth_route. */
struct auth_route6 {
	uint8_t dst[16];
	uint8_t plen;
	uint8_t gw[16];
};

/* MS-MPPE-Encryption-Policy values and -Types bits (RFC 2548 2.4.5,
 * 2.4.6; 56-bit as Microsoft's servers send it). */
#define AUTH_MPPE_POLICY_ALLOWED  1
#define AUTH_MPPE_POLICY_REQUIRED 2
#define AUTH_MPPE_TYPE_40         0x2u
#define AUTH_MPPE_TYPE_128        0x4u
#define AUTH_MPPE_TYPE_56         0x8u

/* Names a session without pointing at it. generation changes whenever the
 * session slot id is reused. */
struct auth_session_ref {
	uint32_t id;
	uint32_t generation;
};

static inline bool auth_session_ref_eq(struct auth_session_ref a, struct auth_session_ref b)
{
	return a.id == b.id && a.generation == b.generation;
}

enum auth_method {
	AUTH_MSCHAPV2,
	AUTH_MSCHAPV1,
	AUTH_CHAP_MD5,
	AUTH_PAP,
	/* EAP relayed to RADIUS (RFC 3579): one round per request. Only the
	 * RADIUS backend takes it; the store refuses it (AUTH_REJECT_ERROR). */
	AUTH_EAP,
};

enum auth_verdict {
	AUTH_ACCEPT,
	AUTH_REJECT_BAD_CREDENTIALS, /* unknown user or wrong password: E=691 */
	AUTH_REJECT_DISABLED,        /* right password, account disabled: E=647 */
	AUTH_REJECT_NO_DIALIN,       /* no dial-in permission: E=649 */
	AUTH_REJECT_ERROR,           /* backend failure: E=691 to the peer, logged as such */
	/* EAP only: RADIUS answered Access-Challenge. eap_msg is the next
	 * Request for the peer, state the State to echo in the next round. */
	AUTH_CHALLENGE,
};

enum auth_submit_status {
	AUTH_SUBMIT_PENDING, /* queued: a completion will follow unless cancelled */
	AUTH_SUBMIT_BUSY,    /* refused at once: queue full or backend stopping */
};

struct auth_request {
	struct auth_session_ref session;
	enum auth_method method;
	/* The canonical name (auth_canonical_user()), NUL-terminated: what the
	 * store looks up and RADIUS gets as User-Name. MS-CHAPv2 hashes only
	 * the part after the last '\' (RFC 2759 8.2), which the canonical
	 * name keeps whole, so the crypto sees the bytes the peer hashed. */
	char user[AUTH_NAME_MAX + 1];
	size_t user_len;
	struct sockaddr_storage peer; /* the peer's public address (logs, RADIUS) */
	struct sockaddr_storage local; /* our address the peer connected to (RADIUS) */
	uint32_t nas_port;            /* the call's ID (RADIUS NAS-Port) */
	char session_id[AUTH_SESSION_ID_MAX]; /* Acct-Session-Id, NUL-terminated */
	uint8_t chap_ident;           /* the CHAP Identifier (MS-CHAP attributes) */
	union {
		struct {
			uint8_t auth_challenge[MSCHAP_CHALLENGE_LEN];
			uint8_t peer_challenge[MSCHAP_CHALLENGE_LEN];
			uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN];
		} mschapv2;
		struct {
			uint8_t challenge[MSCHAP_V1_CHALLENGE_LEN];
			uint8_t nt_response[MSCHAP_NT_RESPONSE_LEN];
		} mschapv1;
		struct {
			uint8_t id;
			uint8_t challenge[AUTH_CHAP_CHALLENGE_MAX];
			size_t challenge_len;
			uint8_t response[AUTH_MD5_LEN];
		} chap_md5;
		struct {
			char password[AUTH_PAP_PASSWORD_MAX + 1]; /* NUL-terminated */
			size_t password_len;
		} pap;
		/* One EAP round: the peer's whole EAP Response (msg) and the
		 * State of the previous Access-Challenge (none in the first
		 * round). Both point into the caller's memory and are valid
		 * only during auth_backend_submit(), which copies what it
		 * keeps. user is the outer identity (the Identity Response). */
		struct {
			const uint8_t *msg;
			size_t msg_len;
			const uint8_t *state;
			size_t state_len;
			unsigned round;
		} eap;
	} u;
};

struct auth_result {
	struct auth_session_ref session;
	enum auth_method method;
	enum auth_verdict verdict;
	char message[AUTH_MESSAGE_MAX]; /* one line for the log, NUL-terminated */
	/* ACCEPT with MS-CHAPv2 only: "S=<40 hex>", NUL-terminated. */
	char auth_response[MSCHAP_AUTH_RESPONSE_LEN + 1];
	/* ACCEPT with MS-CHAPv2 or v1: MPPE start keys, server's point of view
	 * (send = server to client). v1: both equal (see docs/auth.md). */
	bool has_keys;
	uint8_t send_key[AUTH_KEY_LEN];
	uint8_t recv_key[AUTH_KEY_LEN];
	bool has_static_ip;
	struct in_addr static_ip;
	uint32_t max_sessions; /* 0: no per-user limit */
	/* A rejection's Windows error (E=) when the backend knows it (RADIUS
	 * MS-CHAP-Error); 0: auth_verdict_error_code(verdict). */
	unsigned win_error;
	/* What a RADIUS Access-Accept may add (0 / empty: not given). */
	char pool[AUTH_POOL_NAME_MAX];  /* Framed-Pool: take the address from this pool */
	uint32_t session_timeout;       /* seconds */
	uint32_t idle_timeout;          /* seconds; 0 with idle_given: never */
	/* The backend named an idle timeout for this user (RADIUS Idle-Timeout,
	 * the store's idle column): it replaces the `idle` key, 0 included. */
	bool idle_given;
	uint32_t interim_interval;      /* seconds between Interim-Updates */
	uint32_t dns[2], nbns[2];       /* host order: offered to the client instead */
	/* RADIUS MS-MPPE-Encryption-Policy (RFC 2548 2.4.5): 0 not given,
	 * AUTH_MPPE_POLICY_ALLOWED, AUTH_MPPE_POLICY_REQUIRED; and
	 * MS-MPPE-Encryption-Types (2.4.6) when mppe_types_given: the
	 * AUTH_MPPE_TYPE_* bits. */
	uint32_t mppe_policy;
	uint32_t mppe_types;
	bool mppe_types_given;
	/* The user's rate limits, kbit/s (0: none), when rate_given: they
	 * replace the rate-limit-down/-up keys (the store's rate column,
	 * RADIUS Filter-Id "DOWN/UP" or the pptpd vendor pair). */
	bool rate_given;
	uint32_t rate_down, rate_up;
	/* Framed-MTU (RFC 2865 5.12); 0: not given. */
	uint32_t framed_mtu;
	/* Framed-IP-Netmask, host order; 0: not given. */
	uint32_t netmask;
	/* Every well-formed Framed-Route, at most AUTH_ROUTE_MAX; owned by the
	 * backend and valid only during the completion, as classes below. */
	const struct auth_route *routes;
	size_t nroutes;
	/* IPv6 (RFC 3162, RFC 4818), what a RADIUS Access-Accept may add;
	 * a malformed attribute is ignored (logged once per reply, see
	 * docs/radius.md):
	 * - Framed-Interface-Id: the peer's IPV6CP interface identifier
	 *   (host order; never 0, which IPV6CP cannot give).
	 * - Framed-IPv6-Prefix: the session's prefix, no bits set beyond
	 *   ipv6_prefix_len. Kept whatever its length; a session prefix is a
	 *   /64, so ipv6_prefix_len != 64 is the flag the server decides on
	 *   (the backend logs it).
	 * - Framed-IPv6-Pool: take the session's prefix from this pool.
	 * - Delegated-IPv6-Prefix: a prefix routed to the client (DHCPv6-PD
	 *   style), no bits set beyond delegated_prefix_len.
	 * - routes6: every well-formed Framed-IPv6-Route, at most
	 *   AUTH_ROUTE_MAX; owned by the backend and valid only during the
	 *   completion, as routes. */
	bool has_ipv6_iid;
	uint64_t ipv6_iid;
	bool has_ipv6_prefix;
	uint8_t ipv6_prefix[16];
	uint8_t ipv6_prefix_len;
	char ipv6_pool[AUTH_POOL_NAME_MAX];
	bool has_delegated_prefix;
	uint8_t delegated_prefix[16];
	uint8_t delegated_prefix_len;
	const struct auth_route6 *routes6;
	size_t nroutes6;
	/* Every Class, in the Accept's order, echoed in accounting: packed as
	 * a length octet then the value, classes_len bytes in all (0: none;
	 * at most AUTH_CLASS_BYTES_MAX). Owned by the backend and valid only
	 * during the completion callback: the owner copies what it keeps.
	 * Only the RADIUS backend, which completes on the owner's thread, sets
	 * it; results that cross struct auth_cq leave it NULL. */
	const uint8_t *classes;
	size_t classes_len;
	/* EAP (method AUTH_EAP), owned by the backend and valid only during
	 * the completion, as classes: eap_msg the reassembled EAP-Message of
	 * the reply (a Request with AUTH_CHALLENGE; the Success or Failure
	 * with ACCEPT or a rejection; NULL: the reply carried none); state
	 * the State of an Access-Challenge (NULL: none); reply_user the
	 * User-Name of an Access-Accept (the inner identity some methods
	 * reveal; NULL: not given), not NUL-terminated. */
	const uint8_t *eap_msg;
	size_t eap_len;
	const uint8_t *state;
	size_t state_len;
	const uint8_t *reply_user;
	size_t reply_user_len;
};

/* The largest rate a user may be given, kbit/s (10 Gbit/s). */
#define AUTH_RATE_KBIT_MAX 10000000u

/*
 * A rate as accel-ppp's shaper reads Filter-Id (and as the store and
 * `pptpctl user set --rate` take it): "N" (N kbit/s both ways) or
 * "DOWN/UP" (kbit/s; '\\' or ':' may stand for '/'); decimal digits only,
 * each at most AUTH_RATE_KBIT_MAX, 0: no limit that way. The whole value
 * must be that: anything else (accel-ppp's time-range "ID,RATE" form, an
 * ACL name) is false and sets nothing.
 */
bool auth_parse_rate(const void *val, size_t len, uint32_t *down, uint32_t *up);

/* Walk packed Class values (auth_result.classes): *pos starts at 0; each
 * call gives the next value; false at the end or on a length that runs
 * past len. */
static inline bool auth_class_next(const uint8_t *packed, size_t len, size_t *pos,
				   const uint8_t **val, size_t *vlen)
{
	if (!packed || *pos >= len || packed[*pos] == 0 || packed[*pos] > len - *pos - 1)
		return false;
	*vlen = packed[*pos];
	*val = packed + *pos + 1;
	*pos += 1 + *vlen;
	return true;
}

typedef void (*auth_complete_fn)(void *ctx, const struct auth_result *res);

struct auth_backend;

struct auth_backend_ops {
	const char *name;
	enum auth_submit_status (*submit)(struct auth_backend *b, const struct auth_request *req);
	void (*cancel)(struct auth_backend *b, struct auth_session_ref s);
	int (*fd)(const struct auth_backend *b);
	size_t (*drain)(struct auth_backend *b);
	void (*free)(struct auth_backend *b);
};

/* The common head of every backend; a backend embeds it first. */
struct auth_backend {
	const struct auth_backend_ops *ops;
	auth_complete_fn complete;
	void *complete_ctx;
};

enum auth_submit_status auth_backend_submit(struct auth_backend *b, const struct auth_request *req);
void auth_backend_cancel(struct auth_backend *b, struct auth_session_ref s);
int auth_backend_fd(const struct auth_backend *b);
/* Deliver every waiting completion to the callback, in order; returns how
 * many were delivered. Never blocks. */
size_t auth_backend_drain(struct auth_backend *b);
void auth_backend_free(struct auth_backend *b);

const char *auth_method_name(enum auth_method m);
const char *auth_verdict_name(enum auth_verdict v);
/* The Windows error number the peer sees for a rejection (691, 647, 649);
 * 0 for AUTH_ACCEPT. */
unsigned auth_verdict_error_code(enum auth_verdict v);

/* Fill req->user from name[0..len). False (req untouched) if the name is
 * empty, longer than AUTH_NAME_MAX or contains a NUL. */
bool auth_request_set_user(struct auth_request *req, const void *name, size_t len);

/*
 * One canonical user name, decided once at authentication, before the
 * backend: the session's limits, accounting, DAE matching, hooks and logs
 * all use it. A "DOMAIN\user" name (Windows sends the domain the user typed)
 * is, by mode:
 *   STRIP   "user" (the part after the last '\', as MS-CHAPv2 hashes it);
 *   KEEP    "DOMAIN\user" unchanged (RADIUS decides what it means);
 *   REFUSE  refused (AUTH_USER_DOMAIN).
 * Refused in every mode: an empty name or an empty part after the '\'
 * (AUTH_USER_EMPTY), a NUL or any control byte (below 0x20, 0x7f:
 * AUTH_USER_BAD_BYTE), more than AUTH_NAME_MAX bytes sent or more than
 * AUTH_USER_MAX bytes left (AUTH_USER_TOO_LONG).
 */
enum auth_user_domain {
	AUTH_USER_DOMAIN_STRIP,
	AUTH_USER_DOMAIN_KEEP,
	AUTH_USER_DOMAIN_REFUSE,
};

enum auth_user_status {
	AUTH_USER_OK,
	AUTH_USER_EMPTY,
	AUTH_USER_TOO_LONG,
	AUTH_USER_BAD_BYTE,
	AUTH_USER_DOMAIN,
};

/* On AUTH_USER_OK out holds the canonical name (NUL-terminated) and
 * *outlen its length; otherwise out is "" and *outlen 0. */
enum auth_user_status auth_canonical_user(enum auth_user_domain mode, const void *raw,
					  size_t len, char out[static AUTH_USER_MAX + 1],
					  size_t *outlen);
/* "ok", "empty-name", "name-too-long", "bad-byte-in-name", "domain-refused". */
const char *auth_user_status_name(enum auth_user_status st);
/* The same canonical name fills req->user; the status as above. */
enum auth_user_status auth_request_set_canonical_user(struct auth_request *req,
						      enum auth_user_domain mode,
						      const void *raw, size_t len);
/* Wipe every secret in a request (the whole struct). */
void auth_request_wipe(struct auth_request *req);

/* ---- Building blocks for backends ---- */

/* A bounded completion queue with an eventfd, filled by worker threads and
 * drained on the owner's thread. Capacity is fixed at init; a backend that
 * admits at most `capacity` outstanding requests never overflows it. */
struct auth_cq {
	pthread_mutex_t lock;
	int efd;
	struct auth_result *ring;
	size_t cap, head, count;
};

bool auth_cq_init(struct auth_cq *q, size_t capacity, char *err, size_t errlen);
void auth_cq_destroy(struct auth_cq *q);
/* Thread-safe. False if full (the result is dropped). Signals the eventfd
 * when the queue was empty (one write per batch, not per result). */
bool auth_cq_post(struct auth_cq *q, const struct auth_result *res);
/* Drop undelivered completions of a session; returns how many. */
size_t auth_cq_cancel(struct auth_cq *q, struct auth_session_ref s);
size_t auth_cq_count(struct auth_cq *q);
/* Owner's thread: clear the eventfd, then pop and deliver one at a time
 * (the lock is not held while cb runs). */
size_t auth_cq_drain(struct auth_cq *q, auth_complete_fn cb, void *ctx);

/* ---- The SQLite backend (backend_sqlite.c) ---- */

struct auth_sqlite_config {
	const char *path;     /* the user store, opened read-only */
	size_t queue_max;     /* outstanding requests; 0: AUTH_QUEUE_DEFAULT */
};

/* Opens the store once (so a bad path fails here, with a reason in err) and
 * starts one worker thread that owns the connection. crypto_init() must have
 * succeeded. */
struct auth_backend *auth_sqlite_new(const struct auth_sqlite_config *cfg,
				     auth_complete_fn complete, void *ctx,
				     char *err, size_t errlen);

/* For tests: hold the worker before it takes the next request until
 * released (lets a test fill the queue deterministically). */
void auth_sqlite_pause(struct auth_backend *b, bool paused);

#endif
