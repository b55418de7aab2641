/*
 * Log identity: the one way a log line names the object it is about.
 *
 * Every line about a control connection, a call, a session or its PPP link
 * starts with the same keys in the same order, each present only when
 * known:
 *
 *   ctrl=3 call=4711 session=12 user=alice peer=198.51.100.2:1234
 *
 * then `event=...` and the line's own fields. The user name is the peer's
 * choice and goes through log_esc() here; peer is the server's own
 * "a.b.c.d:port" text and is written as it is.
 *
 * An object either formats its identity per line (LOG_ID(), a compound
 * literal buffer like LOG_ESC()) or keeps it formatted in a buffer it
 * re-formats when a part changes (the session, whose buffer the PPP link
 * borrows through struct ppp_config.log_id).
 */
#ifndef PPTP_COMMON_LOG_ID_H
#define PPTP_COMMON_LOG_ID_H

#include <stddef.h>

#include "common/log.h"

struct log_id {
	unsigned ctrl;       /* 0: not known */
	unsigned call;       /* 0: not known (call IDs are never 0) */
	unsigned session;    /* 0: not known (serials are never 0) */
	const char *user;    /* NULL or "": not known; escaped */
	const char *peer;    /* NULL or "": not known; as is */
};

/* Room for every part: the escaped user name is the largest. */
#define LOG_ID_PEER_MAX 48
#define LOG_ID_SIZE (3 * 20 + 6 + LOG_ESC_SIZE + 6 + LOG_ID_PEER_MAX)

/* Write the known parts of id, space separated, into out; returns out
 * ("" when nothing is known). */
const char *log_id_fmt(char out[static LOG_ID_SIZE], const struct log_id *id);

/* For one argument of one log call:
 * log_notice("%s event=x", LOG_ID(.ctrl = c->id, .peer = c->peer_str)); */
#define LOG_ID(...) log_id_fmt((char[LOG_ID_SIZE]){ 0 }, &(const struct log_id){ __VA_ARGS__ })

#endif
