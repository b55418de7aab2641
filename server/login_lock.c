/*
 * The failed-login lock-out in the server: configuration, log lines and
 * counters around auth/lockout.c.
 */
#include "server/login_lock.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "auth/lockout.h"
#include "common/crypto.h"
#include "common/log.h"
#include "server/server.h"

static struct lockout_config lock_config(const struct config *cfg)
{
	return (struct lockout_config){
		.user_failures = cfg->lockout_user_failures,
		.source_failures = cfg->lockout_source_failures,
		.window_ms = (uint64_t)cfg->lockout_window * 1000u,
		.lock_ms = (uint64_t)cfg->lockout_time * 1000u,
		.slots = cfg->lockout_table_size,
	};
}

bool login_lock_start(struct server *srv)
{
	struct lockout_config lc = lock_config(srv->cfg);
	uint64_t seed;

	if (!crypto_random(&seed, sizeof(seed))) {
		log_errx("event=lockout-failed error=\"random number generator failed\"");
		return false;
	}
	srv->lockout = lockout_new(&lc, seed);
	if (!srv->lockout) {
		log_errx("event=lockout-failed error=\"out of memory\"");
		return false;
	}
	return true;
}

void login_lock_reconfigure(struct server *srv)
{
	if (!srv->lockout)
		return;
	struct lockout_config lc = lock_config(srv->cfg);
	lockout_set_config(srv->lockout, &lc);
}

void login_lock_stop(struct server *srv)
{
	lockout_free(srv->lockout);
	srv->lockout = NULL;
}

/* A monotonic deadline as UTC wall-clock time, ISO 8601. */
static void fmt_until(uint64_t until_ms, uint64_t now_ms, char out[32])
{
	struct tm tm;
	time_t t = time(NULL) + (time_t)((until_ms > now_ms ? until_ms - now_ms + 999 : 0) / 1000);

	if (!gmtime_r(&t, &tm) || !strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
		strcpy(out, "-");
}

static void fmt_peer(uint32_t addr, char out[INET_ADDRSTRLEN])
{
	struct in_addr a = { .s_addr = addr };
	if (!inet_ntop(AF_INET, &a, out, INET_ADDRSTRLEN))
		strcpy(out, "-");
}

bool login_lock_check(struct server *srv, const struct sockaddr_in *peer, const char *user,
		      unsigned session_serial)
{
	struct lockout_lock lock;
	char p[INET_ADDRSTRLEN], until[32];
	uint64_t now = server_now_ms();

	if (!srv->lockout)
		return false;
	enum lockout_kind k = lockout_check(srv->lockout, peer->sin_addr.s_addr, user, now, &lock);
	if (k == LOCKOUT_NONE)
		return false;
	fmt_peer(peer->sin_addr.s_addr, p);
	fmt_until(lock.until_ms, now, until);
	log_info("session=%u user=%s peer=%s event=login-refused reason=locked lock=%s until=%s",
		 session_serial, LOG_ESC(user), p, lockout_kind_name(k), until);
	return true;
}

void login_lock_failed(struct server *srv, const struct sockaddr_in *peer, const char *user)
{
	struct lockout_lock started[2];
	char p[INET_ADDRSTRLEN], until[32];
	uint64_t now = server_now_ms();

	if (!srv->lockout)
		return;
	unsigned n = lockout_fail(srv->lockout, peer->sin_addr.s_addr, user, now, started);
	for (unsigned i = 0; i < n; i++) {
		fmt_peer(started[i].addr, p);
		fmt_until(started[i].until_ms, now, until);
		/* user= is the name of the attempt that started the lock; for
		 * a source lock, every name from that address is locked. */
		log_notice("user=%s peer=%s event=login-locked lock=%s until=%s failures=%u "
			   "window=%u lock-time=%u", user && user[0] ? LOG_ESC(user) : "-", p,
			   lockout_kind_name(started[i].kind), until, started[i].failures,
			   srv->cfg->lockout_window, srv->cfg->lockout_time);
	}
}

void login_lock_succeeded(struct server *srv, const struct sockaddr_in *peer, const char *user)
{
	if (srv->lockout)
		lockout_success(srv->lockout, peer->sin_addr.s_addr, user, server_now_ms());
}

bool login_lock_refuse_conn(struct server *srv, const struct sockaddr_in *peer)
{
	return srv->lockout &&
	       lockout_source_locked(srv->lockout, peer->sin_addr.s_addr, server_now_ms(), NULL);
}

void login_lock_log_stats(const struct server *srv)
{
	if (!srv->lockout)
		return;
	const struct lockout_stats *st = lockout_stats(srv->lockout);
	log_notice("event=lockout-stats locks=%zu user-locks=%llu source-locks=%llu "
		   "failures=%llu refused=%llu conn-refused=%llu evictions=%llu",
		   lockout_active(srv->lockout, server_now_ms()),
		   (unsigned long long)st->user_locks, (unsigned long long)st->source_locks,
		   (unsigned long long)st->failures, (unsigned long long)st->refused,
		   (unsigned long long)st->conn_refused, (unsigned long long)st->evictions);
}
