/*
 * Start-up RADIUS wiring (see radius_setup.h). libradcli is used for what
 * it does well and nothing else: reading radiusclient.conf with its
 * servers file, and the dictionaries. Every packet is ours.
 */
#include "server/radius_setup.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <radcli/radcli.h>

#include "common/crypto.h"
#include "common/netaddr.h"

static bool add_server(struct radius_server *list, size_t *n, const struct sockaddr_storage *addr,
		       socklen_t addrlen, const char *secret, char *err, size_t errlen)
{
	if (*n == RADIUS_SERVERS_MAX) {
		snprintf(err, errlen, "more than %d RADIUS servers", RADIUS_SERVERS_MAX);
		return false;
	}
	struct radius_server *s = &list[*n];
	memset(s, 0, sizeof(*s));
	s->addr = *addr;
	s->addrlen = addrlen;
	netaddr_format(addr, true, s->name, sizeof(s->name));
	if (!radius_secret_set(&s->secret, secret)) {
		snprintf(err, errlen, "RADIUS server %s: the secret is empty or longer than %d",
			 s->name, RADIUS_SECRET_MAX);
		return false;
	}
	(*n)++;
	return true;
}

/* A host name or address from radiusclient.conf; start-up only. */
static bool resolve(const char *host, uint16_t port, struct sockaddr_storage *ss,
		    socklen_t *len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_family = AF_UNSPEC };
	struct addrinfo *res = NULL;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
		return false;
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	else
		return false;
	return true;
}

static bool from_radcli(rc_handle *rh, const char *opt, uint16_t defport,
			struct radius_server *list, size_t *n, const char *path, char *err,
			size_t errlen)
{
	SERVER *srv = rc_conf_srv(rh, opt);
	if (!srv)
		return true;
	for (int i = 0; i < srv->max; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		uint16_t port = srv->port[i] ? srv->port[i] : defport;
		if (!resolve(srv->name[i], port, &ss, &sl)) {
			snprintf(err, errlen, "%s: %s '%s' does not resolve", path, opt, srv->name[i]);
			return false;
		}
		/* A secret not written in the server line comes from the servers
		 * file, which libradcli reads here. */
		char secret[MAX_SECRET_LENGTH + 1] = "";
		const char *sec = srv->secret[i];
		if (!sec || !sec[0]) {
			struct addrinfo *ai = NULL;
			if (rc_find_server_addr(rh, srv->name[i], &ai, secret,
						defport == CONFIG_RADIUS_ACCT_PORT ? ACCT : AUTH) == 0)
				sec = secret;
			if (ai)
				freeaddrinfo(ai);
		}
		if (!sec || !sec[0]) {
			snprintf(err, errlen, "%s: no secret for %s '%s' (add it to the servers file)",
				 path, opt, srv->name[i]);
			return false;
		}
		bool ok = add_server(list, n, &ss, sl, sec, err, errlen);
		crypto_wipe(secret, sizeof(secret));
		if (!ok)
			return false;
	}
	return true;
}

static bool load_radiusclient_conf(const struct config *cfg, struct radius_setup *rs,
				   char *err, size_t errlen)
{
	rc_handle *rh = rc_read_config(cfg->radius_config);
	if (!rh) {
		snprintf(err, errlen, "%s: libradcli could not read it (see the messages above)",
			 cfg->radius_config);
		return false;
	}
	bool ok = true;
	if (!cfg->radius_auth.n)
		ok = from_radcli(rh, "authserver", CONFIG_RADIUS_AUTH_PORT, rs->auth, &rs->nauth, cfg->radius_config,
				 err, errlen);
	if (ok && !cfg->radius_acct.n)
		ok = from_radcli(rh, "acctserver", CONFIG_RADIUS_ACCT_PORT, rs->acct, &rs->nacct, cfg->radius_config,
				 err, errlen);
	int v = rc_conf_int(rh, "radius_timeout");
	if (v > 0 && v <= 60)
		rs->timeout_ms = (unsigned)v * 1000u;
	v = rc_conf_int(rh, "radius_retries");
	if (v > 0 && v <= 10)
		rs->tries = (unsigned)v;
	v = rc_conf_int(rh, "radius_deadtime");
	if (v > 0 && v <= 3600)
		rs->dead_time_s = (unsigned)v;
	const char *s = rc_conf_str(rh, "nas-identifier");
	if (s && s[0] && !cfg->radius_nas_identifier)
		snprintf(rs->nas_identifier, sizeof(rs->nas_identifier), "%s", s);
	s = rc_conf_str(rh, "bindaddr");
	if (ok && s && s[0] && strcmp(s, "*") != 0 && !cfg->radius_bind.s_addr) {
		socklen_t sl;
		if (!resolve(s, 0, &rs->bind, &sl)) {
			snprintf(err, errlen, "%s: bindaddr '%s' does not resolve", cfg->radius_config,
				 s);
			ok = false;
		}
		rs->has_bind = true;
	}
	rc_destroy(rh);
	return ok;
}

/* radius-attr lines through the dictionary into wire bytes. */
static bool encode_attrs(const struct config *cfg, struct radius_setup *rs, char *err,
			 size_t errlen)
{
	if (!cfg->radius_attrs.n)
		return true;
	rc_handle *rh = rc_new();
	if (!rh || !rc_config_init(rh) || rc_read_dictionary(rh, cfg->radius_dictionary) != 0) {
		snprintf(err, errlen, "cannot read the RADIUS dictionary %s", cfg->radius_dictionary);
		if (rh)
			rc_destroy(rh);
		return false;
	}
	struct radius_writer *w = calloc(1, sizeof(*w));
	bool ok = w != NULL;
	if (w)
		radius_writer_init(w, RADIUS_ACCESS_REQUEST, 0, NULL);
	for (size_t i = 0; ok && i < cfg->radius_attrs.n; i++) {
		VALUE_PAIR *vp = NULL;
		if (rc_avpair_parse(rh, cfg->radius_attrs.s[i], &vp) != 0 || !vp) {
			snprintf(err, errlen, "radius-attr '%s': not an attribute and value of the "
				 "dictionary %s", cfg->radius_attrs.s[i], cfg->radius_dictionary);
			ok = false;
			break;
		}
		for (VALUE_PAIR *p = vp; ok && p; p = rc_avpair_next(p)) {
			unsigned type, id;
			uint8_t val[RADIUS_ATTR_MAX];
			size_t len = 0;
			uint32_t u;
			char *raw;
			unsigned rawlen;
			rc_avpair_get_attr(p, &type, &id);
			if (type == PW_TYPE_INTEGER || type == PW_TYPE_DATE || type == PW_TYPE_IPADDR) {
				rc_avpair_get_uint32(p, &u);
				val[0] = (uint8_t)(u >> 24);
				val[1] = (uint8_t)(u >> 16);
				val[2] = (uint8_t)(u >> 8);
				val[3] = (uint8_t)u;
				len = 4;
			} else if (rc_avpair_get_raw(p, &raw, &rawlen) == 0 && rawlen > 0 &&
				   rawlen <= RADIUS_VSA_MAX) {
				memcpy(val, raw, rawlen);
				len = rawlen;
			} else {
				snprintf(err, errlen, "radius-attr '%s': value type not supported",
					 cfg->radius_attrs.s[i]);
				ok = false;
				break;
			}
			unsigned vendor = VENDOR(id), attr = ATTRID(id);
			if (attr == 0 || attr > 255) {
				snprintf(err, errlen, "radius-attr '%s': attribute number %u",
					 cfg->radius_attrs.s[i], attr);
				ok = false;
			} else if (vendor) {
				ok = radius_put_vsa(w, vendor, (uint8_t)attr, val, len);
			} else {
				ok = radius_put(w, (uint8_t)attr, val, len);
			}
			if (!ok && !err[0])
				snprintf(err, errlen, "radius-attr '%s' does not fit",
					 cfg->radius_attrs.s[i]);
		}
		rc_avpair_free(vp);
	}
	if (ok) {
		rs->extra_len = w->len - RADIUS_HDR_LEN;
		memcpy(rs->extra, w->buf + RADIUS_HDR_LEN, rs->extra_len);
	}
	free(w);
	rc_destroy(rh);
	return ok;
}

bool radius_setup_check_config(const char *path, char *why, size_t whylen)
{
	rc_handle *rh = rc_read_config(path);
	if (!rh) {
		snprintf(why, whylen, "libradcli could not read it or its servers file "
			 "(libradcli logs why to syslog)");
		return false;
	}
	rc_destroy(rh);
	return true;
}

bool radius_setup_check_attr(const char *dictionary, const char *attr, char *why,
			     size_t whylen)
{
	rc_handle *rh = rc_new();
	if (!rh || !rc_config_init(rh) || rc_read_dictionary(rh, dictionary) != 0) {
		snprintf(why, whylen, "cannot read the RADIUS dictionary %s", dictionary);
		if (rh)
			rc_destroy(rh);
		return false;
	}
	VALUE_PAIR *vp = NULL;
	bool ok = rc_avpair_parse(rh, attr, &vp) == 0 && vp;
	if (!ok)
		snprintf(why, whylen, "not an attribute and value of the dictionary %s",
			 dictionary);
	if (vp)
		rc_avpair_free(vp);
	rc_destroy(rh);
	return ok;
}

bool radius_setup_load(const struct config *cfg, const char *hostname, struct radius_setup *rs,
		       char *err, size_t errlen)
{
	memset(rs, 0, sizeof(*rs));
	err[0] = '\0';
	rs->timeout_ms = cfg->radius_timeout * 1000u;
	rs->tries = cfg->radius_tries;
	rs->dead_time_s = cfg->radius_dead_time;
	rs->status_server = cfg->radius_status_server;
	for (size_t i = 0; i < cfg->radius_auth.n; i++) {
		if (!add_server(rs->auth, &rs->nauth, &cfg->radius_auth.s[i].addr,
				cfg->radius_auth.s[i].addrlen, cfg->radius_auth.s[i].secret, err,
				errlen))
			return false;
		rs->auth[rs->nauth - 1].ma_optional = cfg->radius_auth.s[i].ma_optional;
	}
	for (size_t i = 0; i < cfg->radius_acct.n; i++)
		if (!add_server(rs->acct, &rs->nacct, &cfg->radius_acct.s[i].addr,
				cfg->radius_acct.s[i].addrlen, cfg->radius_acct.s[i].secret, err,
				errlen))
			return false;
	if (cfg->radius_config && !load_radiusclient_conf(cfg, rs, err, errlen))
		return false;
	if (cfg->radius_bind.s_addr) {
		struct sockaddr_in *b = (struct sockaddr_in *)&rs->bind;
		memset(&rs->bind, 0, sizeof(rs->bind));
		b->sin_family = AF_INET;
		b->sin_addr = cfg->radius_bind;
		rs->has_bind = true;
	}
	if (cfg->radius_nas_identifier)
		snprintf(rs->nas_identifier, sizeof(rs->nas_identifier), "%s",
			 cfg->radius_nas_identifier);
	else if (!rs->nas_identifier[0])
		snprintf(rs->nas_identifier, sizeof(rs->nas_identifier), "%s", hostname);
	rs->nas_ip = cfg->radius_nas_ip;
	if (cfg->auth == CONFIG_AUTH_RADIUS && !rs->nauth) {
		snprintf(err, errlen, "auth radius: no RADIUS authentication server configured");
		return false;
	}
	return encode_attrs(cfg, rs, err, errlen);
}

void radius_setup_wipe(struct radius_setup *rs)
{
	crypto_wipe(rs, sizeof(*rs));
}

void radius_setup_client(const struct radius_setup *rs, bool acct,
			 struct radius_client_config *out)
{
	memset(out, 0, sizeof(*out));
	out->what = acct ? "acct" : "auth";
	out->servers = acct ? rs->acct : rs->auth;
	out->nservers = acct ? rs->nacct : rs->nauth;
	out->timeout_ms = rs->timeout_ms;
	out->tries = rs->tries;
	out->dead_time_s = rs->dead_time_s;
	out->status_server = rs->status_server;
	out->bind_addr = rs->has_bind ? &rs->bind : NULL;
}

struct auth_backend *radius_setup_auth(const struct radius_setup *rs, const struct config *cfg,
				       auth_complete_fn complete, void *ctx, char *err,
				       size_t errlen)
{
	struct auth_radius_config rc = {
		.nas = { .ip = rs->nas_ip, .identifier = rs->nas_identifier },
		.mppe_required = cfg->require_mppe || cfg->require_mppe_128,
		.extra = rs->extra,
		.extra_len = rs->extra_len,
		.framed_mtu = cfg->mtu,
	};
	radius_setup_client(rs, false, &rc.client);
	return auth_radius_new(&rc, complete, ctx, err, errlen);
}
