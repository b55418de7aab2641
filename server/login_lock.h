/*
 * The server's side of the failed-login lock-out (auth/lockout.h holds the
 * rules): the one table, fed from the session's authentication, asked by
 * the listener, logged and counted here and nowhere else.
 *
 *   - session (auth request, after the canonical name): login_lock_check()
 *     before the backend is asked; locked -> E=691 as for a wrong password;
 *   - session (auth completion): login_lock_failed() on bad credentials or
 *     a refused name, login_lock_succeeded() on an accepted login;
 *   - listener (accept): login_lock_refuse_conn() for a SOURCE-locked
 *     address: the connection is closed at once.
 *
 * One `event=login-locked` line per lock started (user, peer, until,
 * failures, window), for fail2ban; locked attempts and refused
 * connections are counted, shown by SIGUSR1 (login_lock_log_stats()).
 *
 * Lifetime: login_lock_start() in the server's session set-up,
 * login_lock_stop() in server_free(); srv->lockout NULL means no lock-out
 * (--echo-frames), and every call here is then a no-op.
 */
#ifndef PPTP_SERVER_LOGIN_LOCK_H
#define PPTP_SERVER_LOGIN_LOCK_H

#include <netinet/in.h>
#include <stdbool.h>

struct server;

bool login_lock_start(struct server *srv);
void login_lock_stop(struct server *srv);
/* Take the lock-out keys of srv->cfg (reload); lockout-table-size needs a
 * restart, the locks in the table stay. */
void login_lock_reconfigure(struct server *srv);

/* Is user (canonical) from peer locked out? True: answer E=691 unchecked.
 * Logs one info line naming the lock (the lock itself was logged once). */
bool login_lock_check(struct server *srv, const struct sockaddr_in *peer, const char *user,
		      unsigned session_serial);
/* A failed login (user NULL: a refused name, counted for the source only);
 * logs each lock it starts. */
void login_lock_failed(struct server *srv, const struct sockaddr_in *peer, const char *user);
void login_lock_succeeded(struct server *srv, const struct sockaddr_in *peer, const char *user);
/* A new control connection from peer: true if it is to be refused. */
bool login_lock_refuse_conn(struct server *srv, const struct sockaddr_in *peer);

void login_lock_log_stats(const struct server *srv);

#endif
