/*
 * A PPTP control connection (RFC 2637 section 2): one accepted TCP 1723
 * connection, its framing, its state machine and its calls.
 *
 * Roles: toward a VPN client (which sends Outgoing-Call-Request) the server
 * is the PAC; toward a NAS (Incoming-Call-Request) it is the PNS. Both kinds
 * of call may share one connection.
 *
 * Limits: connections in WAIT_START are counted in srv->nunstarted (the
 * listener closes the oldest over max-unstarted-connections); a call
 * request over `connections`, max-calls-per-connection or
 * max-calls-per-address is refused with its RFC 2637 result code (see
 * call_limit() in ctrl.c), logged once per peer address per minute.
 *
 * States: WAIT_START (until Start-Control-Connection-Request; `stimeout`),
 * ESTABLISHED, STOPPING (we sent Stop-Control-Connection-Request and wait a
 * few seconds for the reply), CLOSING (a last message is being written;
 * nothing more is read). Every message goes through one dispatch table of
 * type x state; the reaction to each framing or decoding error is written
 * at ctrl_input().
 *
 * Writes go through a fixed output buffer; EV_WRITE interest is recomputed
 * from it after every event. A peer that lets it fill up is closed.
 *
 * Timers (ctrl_timers.c decides, other code reports events):
 *   start  `stimeout` from accept until the start request;
 *   echo   `echo-interval` of silence -> Echo-Request, then `echo-timeout`
 *          for any message -> else closed;
 *   idle   `ctrl-idle-timeout` while established with no call -> stopped;
 *   stop   a few seconds for the Stop reply or for the last write.
 *
 * Lifetime: ctrl_accept() allocates it on srv->ctrls. ctrl_kill() (from
 * anywhere, also its own callbacks) ends its calls, stops the watchers,
 * closes the socket, unlinks it and hands it to the reaper, which calls
 * ctrl_free(). After any call that may kill it, check c->dying.
 */
#ifndef PPTP_SERVER_CTRL_H
#define PPTP_SERVER_CTRL_H

#include <ev.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/pptp_msg.h"

#define CTRL_IN_SIZE   (PPTP_MAX_MSG_LEN * 8)
#define CTRL_OUT_SIZE  4096
#define CTRL_STOP_WAIT 3.0 /* seconds for a Stop reply or a last write */

struct server;
struct listener;
struct call;

enum ctrl_state {
	CTRL_WAIT_START,
	CTRL_ESTABLISHED,
	CTRL_STOPPING,
	CTRL_CLOSING,
};
#define CTRL_NSTATES 4

struct ctrl {
	struct server *srv;
	struct ctrl *next, *prev;   /* srv->ctrls, or the reaper list (next) */
	unsigned id;
	int fd;
	struct sockaddr_in peer;
	uint32_t local_addr;        /* host order: our address on this connection */
	char peer_str[32];          /* "a.b.c.d:port" for logs */
	enum ctrl_state state;
	bool dying;
	bool echo_outstanding;
	const char *close_reason;   /* STOPPING/CLOSING: for the ctrl-close log */
	uint32_t echo_id;

	struct call *calls;         /* this connection's live calls */
	unsigned ncalls;

	ev_io io;
	ev_timer start_timer, echo_timer, idle_timer, stop_timer;

	/* The start of a message whose end has not arrived yet. Messages
	 * are cut from a buffer on read_input()'s stack; only such a rest
	 * is kept, in a buffer (CTRL_IN_SIZE bytes) allocated then and freed
	 * when a later read completes it. */
	uint8_t *in;
	size_t in_len;
	/* What the socket has not taken yet. ctrl_send() writes straight
	 * through while nothing waits, so most connections never have it:
	 * allocated (CTRL_OUT_SIZE bytes) when a first byte must wait, freed
	 * once all is sent. */
	uint8_t *out;
	size_t out_len;
};

/* The connection's log identity: ctrl=3 peer=198.51.100.2:1234 (log_id.h). */
#define CTRL_LOG_ID(c) LOG_ID(.ctrl = (c)->id, .peer = (c)->peer_str)

/* Take over an accepted socket: its local address from getsockname(),
 * TCP_NODELAY set on it. */
void ctrl_accept(struct server *srv, int fd, const struct sockaddr_in *peer);
/* The same for a socket a listener accepted, without the two system calls
 * per connection: local_addr (host order) is the listener's own address
 * (0 when it listens on every address: then getsockname()), and the socket
 * inherited TCP_NODELAY from the listening one (listener_open()). */
void ctrl_accept_listened(struct server *srv, int fd, const struct sockaddr_in *peer,
			  uint32_t local_addr);
/* An unstarted connection about to be closed for room: read what it has
 * received first (its start request may be waiting in the socket). True
 * if it is still alive and waiting for its start request. */
bool ctrl_poll_unstarted(struct ctrl *c);
/* Close now: calls end without messages; reason goes to the log. */
void ctrl_kill(struct ctrl *c, const char *reason);
/* Our own stop: Stop-Control-Connection-Request with `reason` (PPTP_STOP_*),
 * then close on the reply or after CTRL_STOP_WAIT. */
void ctrl_close(struct ctrl *c, uint8_t reason, const char *why);
/* Queue a message; false (and the connection killed) if it cannot be sent. */
bool ctrl_send(struct ctrl *c, const struct pptp_msg *m);
void ctrl_free(struct ctrl *c);

/* We clear one call: Call-Disconnect-Notify (we are its PAC) or
 * Call-Clear-Request, then the peer's notify (we are its PNS). */
void ctrl_close_call(struct call *call, const char *reason);

/* Call bookkeeping, from call.c. */
void ctrl_call_added(struct ctrl *c, struct call *call);
void ctrl_call_removed(struct ctrl *c, struct call *call);

/* Timer policy (ctrl_timers.c): event-named hooks. */
void ctrl_timers_init(struct ctrl *c);
void ctrl_timers_started(struct ctrl *c);      /* start exchange done */
void ctrl_timers_msg_received(struct ctrl *c); /* any valid message */
void ctrl_timers_calls_changed(struct ctrl *c);
void ctrl_timers_stopping(struct ctrl *c);     /* waiting for Stop reply / last write */
void ctrl_timers_stop_all(struct ctrl *c);

#endif
