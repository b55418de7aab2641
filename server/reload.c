/*
 * Reload: see server/reload.h.
 */
#include "server/reload.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/backend.h"
#include "auth/backend_radius.h"
#include "common/log.h"
#include "server/login_lock.h"
#include "server/pool.h"
#include "server/radius_setup.h"
#include "server/server.h"
#include "server/session.h"
#include "server/tun.h"

/* Keys whose value is used only while the server starts: sockets, the tun
 * device, files opened as root, the user it runs as, table sizes. */
static const char *const restart_keys[] = {
	"listen",             /* the TCP 1723 sockets (and the GRE socket's bind) */
	"localip",            /* the tun address, every session's peer address */
	"tun",                /* the device */
	"tun-io",             /* the io_uring ring is set up at start, as root */
	"workers",            /* the threads and the tun queues, opened as root */
	"mtu",                /* the device's MTU */
	"connections",        /* the size of the session table */
	"proxyarp",           /* its netlink socket is opened at start, as root */
	"logwtmp",            /* wtmp is opened at start, as root */
	"auth",               /* the backend type */
	"user-db",            /* the store, checked and given to `user` at start */
	"lockout-table-size", /* the lock-out table */
	"log-target",         /* where logs go is set up once */
	"control-socket",     /* bound at start, as root */
	"pidfile",
	"user",
	"group",
	"hook-user",
	"radius-acct-server", /* accounting keeps its client and spool */
	"radius-acct-spool",
	"radius-config",      /* a radiusclient.conf may be readable by root only */
	"radius-dictionary",
	"dae-listen",         /* bound at start, as root */
	"metrics-listen",     /* bound at start, as root */
	"ipv6",               /* the /64 table and the tun's IPv6 are set up at start */
	"ipv6-prefix-pool",   /* live sessions hold /64s of it */
	"ipv6-pool",          /* the same for the named IPv6 pools */
};
/* Live, for instance: eap, require-eap, eap-max-rounds, eap-timeout (read
 * into each new session's link; a login in progress keeps its values). */

/* What the RADIUS authentication client is made from: a change makes a
 * new one (with radius-config it needs a restart: that file is read as
 * root). Accounting keeps its client until the restart. */
static const char *const radius_auth_keys[] = {
	"radius-server", "radius-timeout", "radius-tries", "radius-dead-time",
	"radius-status-server", "radius-attr",
	"radius-nas-identifier", "radius-nas-ip", "radius-bind", "require-mppe",
	"require-mppe-128",
};

static bool is_radius_auth_key(const char *key)
{
	for (size_t i = 0; i < sizeof(radius_auth_keys) / sizeof(radius_auth_keys[0]); i++)
		if (strcmp(key, radius_auth_keys[i]) == 0)
			return true;
	return false;
}

bool reload_key_live(const char *key)
{
	for (size_t i = 0; i < sizeof(restart_keys) / sizeof(restart_keys[0]); i++)
		if (strcmp(key, restart_keys[i]) == 0)
			return false;
	return true;
}

/* ---- the diff ---- */

static bool ranges_equal(const struct config_pool *a, const struct config_pool *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->range[i].first != b->range[i].first || a->range[i].last != b->range[i].last)
			return false;
	return true;
}

static const struct config_named_pool *pool_named(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->pools.n; i++)
		if (strcmp(cfg->pools.p[i].name, name) == 0)
			return &cfg->pools.p[i];
	return NULL;
}

static void add_item(struct reload_item *out, size_t max, size_t *n, const char *name,
		     size_t key, unsigned line)
{
	if (*n < max) {
		struct reload_item *it = &out[*n];
		snprintf(it->name, sizeof(it->name), "%s", name);
		it->key = key;
		it->line = line;
		it->live = reload_key_live(config_key_name(key));
	}
	(*n)++;
}

/* Named pools: one item per pool added, changed or removed. */
static void diff_pools(const struct config *running, const struct config *next, size_t key,
		       struct reload_item *out, size_t max, size_t *n)
{
	char name[RELOAD_NAME_MAX];

	for (size_t i = 0; i < next->pools.n; i++) {
		const struct config_named_pool *np = &next->pools.p[i];
		const struct config_named_pool *op = pool_named(running, np->name);
		if (op && ranges_equal(&op->pool, &np->pool))
			continue;
		snprintf(name, sizeof(name), "pool:%s", np->name);
		add_item(out, max, n, name, key, np->line);
	}
	for (size_t i = 0; i < running->pools.n; i++) {
		if (pool_named(next, running->pools.p[i].name))
			continue;
		snprintf(name, sizeof(name), "pool:%s", running->pools.p[i].name);
		add_item(out, max, n, name, key, 0);
	}
}

size_t reload_diff(const struct config *running, const struct config *next,
		   struct reload_item *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < config_key_count(); i++) {
		if (!config_key_is_setting(i) || config_key_equal(running, next, i))
			continue;
		if (strcmp(config_key_name(i), "pool") == 0)
			diff_pools(running, next, i, out, max, &n);
		else
			add_item(out, max, &n, config_key_name(i), i, config_key_line(next, i));
	}
	return n;
}

/* ---- text ---- */

static void append(char *buf, size_t cap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	if (len + 1 >= cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

/* Log the loader's messages (one per line) as `pptpd -t` prints them. */
static unsigned log_errors(const char *err, struct reload_result *res)
{
	unsigned n = 0;
	const char *p = err;
	while (*p) {
		size_t len = strcspn(p, "\n");
		if (len) {
			log_errx("%.*s", (int)len, p);
			if (res)
				append(res->error, sizeof(res->error), "%s%.*s", n ? "\n" : "",
				       (int)len, p);
			n++;
		}
		p += len;
		if (*p)
			p++;
	}
	return n;
}

static bool refuse(struct server *srv, const char *how, const char *err,
		   struct reload_result *res)
{
	unsigned n = log_errors(err, res);
	if (!n) {
		log_errx("reload: %s", "failed");
		n = 1;
	}
	srv->stats.reloads_refused++;
	log_errx("event=reload-refused by=%s errors=%u", how, n);
	if (res) {
		res->ok = false;
		res->errors = n;
	}
	return false;
}

/* ---- applying ---- */

/* The new pools, built from next before anything is replaced. */
struct new_pools {
	struct pool *main;
	struct pool **named;
	size_t nnamed;
};

static void new_pools_free(struct new_pools *np)
{
	pool_free(np->main);
	for (size_t i = 0; i < np->nnamed; i++)
		pool_free(np->named[i]);
	free(np->named);
	*np = (struct new_pools){ 0 };
}

static bool new_pools_make(struct new_pools *np, const struct config *next)
{
	*np = (struct new_pools){ 0 };
	if (!(np->main = pool_new(next)))
		return false;
	if (next->pools.n && !(np->named = calloc(next->pools.n, sizeof(*np->named)))) {
		new_pools_free(np);
		return false;
	}
	for (size_t i = 0; i < next->pools.n; i++) {
		if (!(np->named[i] = pool_new_ranges(&next->pools.p[i].pool))) {
			new_pools_free(np);
			return false;
		}
		np->nnamed++;
	}
	return true;
}

/* The new pools against the localip that keeps running (localip needs a
 * restart): the loader checked them against the new file's. */
static bool pools_clear_of(const struct config *next, struct in_addr localip, char *err,
			   size_t errlen)
{
	uint32_t local = ntohl(localip.s_addr);
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &localip, a, sizeof(a));
	if (config_pool_contains(next, local)) {
		snprintf(err, errlen, "%s: remoteip holds %s, the running localip (a new "
			 "localip needs a restart)", next->source, a);
		return false;
	}
	for (size_t i = 0; i < next->pools.n; i++) {
		const struct config_pool *p = &next->pools.p[i].pool;
		for (size_t r = 0; r < p->n; r++) {
			if (p->range[r].first <= local && local <= p->range[r].last) {
				snprintf(err, errlen, "%s:%u: pool %s holds %s, the running localip "
					 "(a new localip needs a restart)", next->source,
					 next->pools.p[i].line, next->pools.p[i].name, a);
				return false;
			}
		}
	}
	return true;
}

static bool pools_changed(const struct reload_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(items[i].name, "remoteip") == 0 || strncmp(items[i].name, "pool:", 5) == 0)
			return true;
	return false;
}

/* ---- RADIUS: a new authentication client, the old one retired ---- */

struct auth_retired {
	struct server *srv;
	struct auth_backend *b;
	ev_io io;
	bool done; /* nothing in flight: the reaper frees it */
	struct auth_retired *next;
};

static void retired_check(struct auth_retired *r)
{
	if (r->done || auth_radius_pending(r->b))
		return;
	ev_io_stop(r->srv->loop, &r->io);
	r->done = true;
	ev_idle_start(r->srv->loop, &r->srv->reaper);
}

static void retired_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct auth_retired *r = container_of(w, struct auth_retired, io);
	(void)loop;
	(void)revents;
	auth_backend_drain(r->b);
	retired_check(r);
}

void reload_reap_auth(struct server *srv, bool force)
{
	for (struct auth_retired **pp = &srv->auth_retired; *pp;) {
		struct auth_retired *r = *pp;
		/* Not done yet but nothing in flight: its last request was
		 * cancelled (its session ended), which no fd event reports. */
		if (!r->done && !force && auth_radius_pending(r->b)) {
			pp = &r->next;
			continue;
		}
		*pp = r->next;
		ev_io_stop(srv->loop, &r->io);
		log_info("event=radius-auth-retired-freed in-flight=%zu", auth_radius_pending(r->b));
		auth_backend_free(r->b);
		free(r);
	}
}

static bool radius_auth_changed(const struct reload_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_radius_auth_key(config_key_name(items[i].key)))
			return true;
	return false;
}

/* A new RADIUS authentication backend from next; NULL with err set. */
static struct auth_backend *radius_auth_make(struct server *srv, const struct config *next,
					     char *err, size_t errlen)
{
	struct radius_setup *rs = calloc(1, sizeof(*rs));
	if (!rs) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	struct auth_backend *b = NULL;
	char why[512];
	if (!radius_setup_load(next, srv->hostname, rs, why, sizeof(why)))
		snprintf(err, errlen, "RADIUS: %s", why);
	else if (!(b = radius_setup_auth(rs, next, session_auth_complete, srv, why, sizeof(why))))
		snprintf(err, errlen, "cannot start the RADIUS authentication backend: %s", why);
	if (b)
		for (size_t i = 0; i < rs->nauth; i++)
			log_notice("radius=auth server=%s order=%zu event=reloaded", rs->auth[i].name,
				   i + 1);
	radius_setup_wipe(rs);
	free(rs);
	return b;
}

/* New requests go to b; the running backend, kept in r, finishes what it
 * has in flight. */
static void radius_auth_install(struct server *srv, struct auth_backend *b,
				struct auth_retired *r)
{
	struct auth_backend *old = srv->auth;
	ev_io_stop(srv->loop, &srv->auth_io);
	srv->auth = b;
	ev_io_set(&srv->auth_io, auth_backend_fd(b), EV_READ);
	ev_io_start(srv->loop, &srv->auth_io);
	log_notice("event=radius-auth-retired in-flight=%zu", auth_radius_pending(old));
	r->srv = srv;
	r->b = old;
	ev_io_init(&r->io, retired_io_cb, auth_backend_fd(old), EV_READ);
	ev_io_start(srv->loop, &r->io);
	r->next = srv->auth_retired;
	srv->auth_retired = r;
	retired_check(r);
}

/* Exchange the kept (restart-only) keys between next and running: once to
 * give next the running values, once more to undo it. A key is swapped
 * once even if it has several items. */
static void swap_kept(struct config *next, struct config *running,
		      const struct reload_item *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (items[i].live)
			continue;
		bool seen = false;
		for (size_t k = 0; k < i && !seen; k++)
			seen = !items[k].live && items[k].key == items[i].key;
		if (!seen)
			config_key_swap(next, running, items[i].key);
	}
}

bool server_reload(struct server *srv, const char *how, struct reload_result *res)
{
	char err[RELOAD_TEXT_MAX];
	struct reload_item items[RELOAD_ITEMS_MAX];

	if (res)
		memset(res, 0, sizeof(*res));
	if (srv->stopping)
		return refuse(srv, how, "shutting down: not reloaded", res);
	log_notice("event=reload-start by=%s file=%s", how, LOG_ESC(srv->cfg->source));
	struct config *next = config_load(srv->cfg->source, err, sizeof(err));
	if (!next)
		return refuse(srv, how, err, res);
	if (!pools_clear_of(next, srv->cfg->localip, err, sizeof(err))) {
		config_free(next);
		return refuse(srv, how, err, res);
	}
	size_t n = reload_diff(srv->cfg, next, items, RELOAD_ITEMS_MAX);
	if (n > RELOAD_ITEMS_MAX)
		n = RELOAD_ITEMS_MAX; /* more keys than the table has: cannot happen */

	/* RADIUS keys with a radius-config file: read as root, so a restart. */
	bool radius = srv->cfg->auth == CONFIG_AUTH_RADIUS && srv->auth;
	for (size_t i = 0; i < n; i++)
		if ((!radius || srv->cfg->radius_config) &&
		    is_radius_auth_key(config_key_name(items[i].key)) &&
		    strncmp(items[i].name, "require-mppe", 12) != 0)
			items[i].live = false;

	/* ip-up/ip-down: once pptpd has dropped to `user`, scripts are vetted
	 * at start and run by the root helper, which knows only the ones
	 * named then; a daemon that stays root starts them itself. */
	bool dropped = srv->run_uid != 0 && srv->run_uid != (uid_t)-1;
	for (size_t i = 0; i < n; i++)
		if (dropped && (strcmp(items[i].name, "ip-up") == 0 ||
				strcmp(items[i].name, "ip-down") == 0))
			items[i].live = false;

	/* The running values of the kept keys go into the new config first,
	 * so what is built below (the RADIUS client) sees what runs. */
	struct config *running = srv->cfg_rw;
	swap_kept(next, running, items, n);

	/* Everything that can fail, before anything is replaced. */
	struct auth_backend *nb = NULL;
	struct auth_retired *retired = NULL;
	if (radius && !srv->cfg->radius_config && radius_auth_changed(items, n)) {
		if (!(retired = calloc(1, sizeof(*retired))))
			snprintf(err, sizeof(err), "out of memory");
		else
			nb = radius_auth_make(srv, next, err, sizeof(err));
		if (!nb) {
			free(retired);
			swap_kept(next, running, items, n);
			config_free(next);
			return refuse(srv, how, err, res);
		}
	}
	struct new_pools np = { 0 };
	bool pools = !srv->echo_frames && srv->pool && pools_changed(items, n);
	if (pools && (!new_pools_make(&np, next) ||
		      !session_pools_replace(srv, next, np.main, np.named, np.nnamed))) {
		new_pools_free(&np);
		if (nb)
			auth_backend_free(nb);
		free(retired);
		swap_kept(next, running, items, n);
		config_free(next);
		return refuse(srv, how, "out of memory for the new pools", res);
	}

	/* Committed from here on. */
	char changed[RELOAD_TEXT_MAX] = "", kept[RELOAD_TEXT_MAX] = "";
	for (size_t i = 0; i < n; i++) {
		const struct reload_item *it = &items[i];
		if (it->live) {
			append(changed, sizeof(changed), "%s%s", changed[0] ? "," : "", it->name);
			continue;
		}
		log_notice("event=reload-kept key=%s line=%u reason=needs-restart", it->name,
			   it->line);
		append(kept, sizeof(kept), "%s%s", kept[0] ? "," : "", it->name);
		if (res)
			append(res->kept_lines, sizeof(res->kept_lines), "%skey=%s line=%u",
			       res->kept_lines[0] ? "," : "", it->name, it->line);
	}
	srv->cfg = srv->cfg_rw = next;
	if (pools && srv->tun)
		tun_route_pools(srv->tun, next); /* logged; the pools apply all the same */
	if (nb)
		radius_auth_install(srv, nb, retired);
	log_set_level(next->log_level);
	login_lock_reconfigure(srv);
	config_free(srv->cfg_loaded); /* NULL while main()'s config was running */
	srv->cfg_loaded = next;

	srv->stats.reloads++;
	log_notice("event=reloaded by=%s changed=%s kept=%s", how,
		   changed[0] ? changed : "none", kept[0] ? kept : "none");
	if (res) {
		res->ok = true;
		snprintf(res->changed, sizeof(res->changed), "%s", changed);
		snprintf(res->kept, sizeof(res->kept), "%s", kept);
	}
	return true;
}
