/*
 * Reload: SIGHUP and `pptpctl reload` read the configuration file again
 * (the path the daemon was started with) and apply what can change while
 * sessions run.
 *
 * Steps, all on the loop:
 *   1. config_load() into a new struct config, the loader `pptpd -t` uses.
 *      A file with errors is refused as a whole: each message is logged
 *      with its "FILE:LINE: " prefix, then event=reload-refused errors=N;
 *      the running configuration stays.
 *   2. reload_diff() compares it key by key with the running one; a named
 *      pool is its own item ("pool:NAME"). New pools must not hold the
 *      running localip.
 *   3. A restart-only key that differs (reload_key_live() false) keeps its
 *      running value: the field is swapped into the new config
 *      (config_key_swap()).
 *   4. What the new values need is built before anything is replaced
 *      (the pools; the RADIUS authentication client): if that fails the
 *      swaps are undone and the reload is refused the same way.
 *   5. The rest applies: srv->cfg points at the new config; each kept key
 *      is logged (event=reload-kept key=K line=N reason=needs-restart) and
 *      one event=reloaded changed=... kept=... line says what changed.
 *
 * Config generations and lifetimes: srv->cfg is always the configuration
 * in effect, restart-only keys included (they hold the values the server
 * started with). Nothing keeps a pointer into a struct config across a
 * return to the loop: what lives longer copies at its start (a session's
 * PPP options, DNS/WINS, MPPE policy and limits at session_new(); a
 * call's GRE window at call_new(); pools their ranges; RADIUS clients
 * their servers and secrets). So a session keeps what it started with,
 * and the new values reach new calls and sessions only. The few readers
 * that look at srv->cfg later see the new value from then on: the control
 * connection timers (echo-interval, echo-timeout, ctrl-idle-timeout) at
 * their next re-arm, mss-clamp per packet, ip-up/ip-down at the next
 * script started, DAE client checks per request. The first config is
 * main()'s; each reloaded one is owned by the server (srv->cfg_loaded)
 * and freed at the next reload or by server_free(): the strings of
 * restart-only keys move with the swap, so what was opened from them
 * (tun name, socket paths) stays valid.
 *
 * Pools: remoteip and every named pool are rebuilt from the new ranges;
 * every address a session holds is reserved again in the new pools, so a
 * lease in a shrunk range or a removed pool stays valid (held outside the
 * ranges, like a static address) until its session ends, and is never
 * handed out again. Routes into tun are added for new ranges; routes of
 * removed ranges stay until the restart (packets for them find no
 * session and are dropped as before).
 *
 * RADIUS: when authentication is RADIUS and a key that the authentication
 * client uses changed (radius-server and its secret, radius-timeout,
 * radius-tries, radius-dead-time, radius-attr, radius-nas-identifier,
 * radius-nas-ip, radius-bind, require-mppe*), a new backend is made for
 * new requests. The old one retires (srv->auth_retired): it takes no new
 * request, its requests in flight finish (or are cancelled by their
 * session) on it, and it is freed by the server once it has none left or
 * at server_free(). Accounting keeps its client until the restart.
 *
 * Hooks: ip-up/ip-down change live only for a daemon that stays root
 * (`user root`), which starts the scripts itself. Once it has dropped to
 * `user`, the scripts were vetted at start (privs_hook_safe()) and the
 * root helper runs only those: a change needs a restart.
 *
 * What is restart-only, and why, is the table in reload.c; a key not in
 * it is live, which is right for every value read when a call or session
 * starts. docs/configuration.md marks each key.
 */
#ifndef PPTP_SERVER_RELOAD_H
#define PPTP_SERVER_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/config.h"

struct server;

#define RELOAD_NAME_MAX 48   /* "pool:" and a pool name */
#define RELOAD_ITEMS_MAX 128 /* items one diff reports at most */
#define RELOAD_TEXT_MAX 2048

/* One difference between the running and the new configuration. */
struct reload_item {
	char name[RELOAD_NAME_MAX]; /* the key, or "pool:NAME" */
	size_t key;                 /* its index (config_key_name()) */
	unsigned line;              /* the line of the new file; 0: default or removed */
	bool live;                  /* applied now; false: needs a restart, kept */
};

/* Can key (a config_key_name()) change without a restart? */
bool reload_key_live(const char *key);

/* The differences from running to next, in key order, at most max into
 * out; returns how many there are (more than max: the rest not stored). */
size_t reload_diff(const struct config *running, const struct config *next,
		   struct reload_item *out, size_t max);

/* What one reload did, for the admin socket's answer. */
struct reload_result {
	bool ok;
	unsigned errors;                /* refused: how many messages */
	char error[RELOAD_TEXT_MAX];    /* refused: the messages, one per line */
	char changed[RELOAD_TEXT_MAX];  /* applied: names, comma-separated ("" none) */
	char kept[RELOAD_TEXT_MAX];     /* needs a restart: names, comma-separated */
	char kept_lines[RELOAD_TEXT_MAX]; /* "key=K line=N" for each kept, comma-separated */
};

/* Reload srv's configuration file; how says who asked ("sighup",
 * "admin"). res may be NULL. False when the file was refused. */
bool server_reload(struct server *srv, const char *how, struct reload_result *res);

/* Free the retired authentication backends that have nothing in flight
 * (all of them with force): from the server's reaper, which runs after a
 * session ends (its request may have been the last), and server_free(). */
void reload_reap_auth(struct server *srv, bool force);

#endif
