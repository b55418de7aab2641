/*
 * The listener hands accepted sockets to ctrl_accept_listened() without a
 * getsockname() or setsockopt() per connection: the connection's local
 * address is the listener's own, and TCP_NODELAY comes from the listening
 * socket. A real server object (no GRE, no tun) and a loopback listener on
 * a port the kernel picks.
 */
#include <arpa/inet.h>
#include <ev.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/crypto.h"
#include "conf/config.h"
#include "server/ctrl.h"
#include "server/listener.h"
#include "server/server.h"

static int nodelay_of(int fd)
{
	int v = 0;
	socklen_t len = sizeof(v);
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
	return v;
}

static void accepted_socket_has_local_address_and_nodelay(void **state)
{
	(void)state;
	char err[512];
	struct in_addr lo = { .s_addr = htonl(INADDR_LOOPBACK) };
	struct listener l = { .fd = -1 };
	struct sockaddr_in at;
	socklen_t len = sizeof(at);

	assert_true(crypto_init(err, sizeof(err)));
	struct config *cfg = config_load_string("t.conf",
		"localip 192.0.2.1\nremoteip 192.0.2.10-20\nconnections 8\n", err, sizeof(err));
	assert_non_null(cfg);
	struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
	struct server *srv = server_new(loop, cfg, false);
	assert_non_null(srv);

	assert_true(listener_open(&l, srv, lo, 0));
	assert_int_equal(nodelay_of(l.fd), 1);
	assert_int_equal(getsockname(l.fd, (struct sockaddr *)&at, &len), 0);

	int cl = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(cl >= 0);
	assert_int_equal(connect(cl, (struct sockaddr *)&at, sizeof(at)), 0);
	for (int i = 0; i < 100 && !srv->ctrls; i++)
		ev_run(loop, EVRUN_ONCE);
	assert_non_null(srv->ctrls);
	assert_int_equal(srv->nctrls, 1);
	assert_int_equal(srv->ctrls->local_addr, INADDR_LOOPBACK);
	assert_int_equal(nodelay_of(srv->ctrls->fd), 1);

	close(cl);
	listener_free(&l);
	server_free(srv);
	ev_loop_destroy(loop);
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted_socket_has_local_address_and_nodelay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
