/*
 * The server's RADIUS wiring, done once at start-up (it may read files and
 * resolve host names; the event loop is not running yet):
 *   - the server lists, from `radius-server` / `radius-acct-server` lines,
 *     or else from the radiusclient.conf named by `radius-config` (read by
 *     libradcli: authserver, acctserver, the servers file with the secrets,
 *     radius_timeout, radius_retries, radius_deadtime, bindaddr,
 *     nas-identifier), so a pppd-radius set-up carries over;
 *   - `radius-attr "Name = value"` lines, looked up in libradcli's reading
 *     of the dictionary (`radius-dictionary`, vendor attributes included)
 *     and encoded once into wire bytes added to every Access-Request.
 */
#ifndef PPTP_SERVER_RADIUS_SETUP_H
#define PPTP_SERVER_RADIUS_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "auth/backend_radius.h"
#include "conf/config.h"

struct radius_setup {
	struct radius_server auth[RADIUS_SERVERS_MAX];
	size_t nauth;
	struct radius_server acct[RADIUS_SERVERS_MAX];
	size_t nacct;
	unsigned timeout_ms, tries, dead_time_s;
	bool status_server;             /* radius-status-server */
	bool has_bind;
	struct sockaddr_storage bind;
	char nas_identifier[254];
	struct in_addr nas_ip;
	uint8_t extra[RADIUS_MAX_LEN];
	size_t extra_len;
};

/* `pptpd -t` (struct config_checks): is attr ("Name = value") an attribute
 * and value of the dictionary? False with why filled. */
bool radius_setup_check_attr(const char *dictionary, const char *attr, char *why,
			     size_t whylen);

/* `pptpd -t`: does libradcli read the radiusclient.conf at path? */
bool radius_setup_check_config(const char *path, char *why, size_t whylen);

/* Fill rs from cfg; hostname is the NAS-Identifier when none is set.
 * False with a reason in err. */
bool radius_setup_load(const struct config *cfg, const char *hostname, struct radius_setup *rs,
		       char *err, size_t errlen);
/* Wipe the secrets. */
void radius_setup_wipe(struct radius_setup *rs);

/* The client configuration for the auth (acct false) or acct servers. */
void radius_setup_client(const struct radius_setup *rs, bool acct,
			 struct radius_client_config *out);

/* The RADIUS authentication backend of rs (its servers, NAS attributes
 * and radius-attr bytes) with cfg's MPPE policy: at start, and again on a
 * reload (server/reload.h). NULL with a reason in err. */
struct auth_backend *radius_setup_auth(const struct radius_setup *rs, const struct config *cfg,
				       auth_complete_fn complete, void *ctx, char *err,
				       size_t errlen);

#endif
