/*
 * Log identity: ctrl, call, session, user, peer, in that order.
 */
#include "common/log_id.h"

#include <stdio.h>

/* Append " key=value" (no space first) within out's room. */
static size_t put(char *out, size_t at, const char *key, const char *val)
{
	if (at >= LOG_ID_SIZE)
		return at;
	int n = snprintf(out + at, LOG_ID_SIZE - at, "%s%s=%s", at ? " " : "", key, val);
	return n < 0 ? at : at + (size_t)n;
}

static size_t put_u(char *out, size_t at, const char *key, unsigned val)
{
	char num[12];
	snprintf(num, sizeof(num), "%u", val);
	return put(out, at, key, num);
}

const char *log_id_fmt(char out[static LOG_ID_SIZE], const struct log_id *id)
{
	size_t at = 0;

	out[0] = '\0';
	if (id->ctrl)
		at = put_u(out, at, "ctrl", id->ctrl);
	if (id->call)
		at = put_u(out, at, "call", id->call);
	if (id->session)
		at = put_u(out, at, "session", id->session);
	if (id->user && id->user[0])
		at = put(out, at, "user", LOG_ESC(id->user));
	if (id->peer && id->peer[0])
		put(out, at, "peer", id->peer);
	return out;
}
