/*
 * neigh_check: drives server/neigh for tests/integration/test_neigh.sh.
 *
 *   neigh_check add ADDR [EXCLUDE]   prints "added dev=NAME ifindex=N" or
 *                                    "skipped"
 *   neigh_check del ADDR             finds the LAN interface again and
 *                                    removes the entry; prints "removed"
 *
 * The helpers do not link pptp_server; the modules are built in.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"

#include "server/neigh.h"
#include "server/rtnl.h"

int main(int argc, char **argv)
{
	struct in_addr a;
	if (argc < 3 || inet_pton(AF_INET, argv[2], &a) != 1) {
		fprintf(stderr, "usage: neigh_check add|del ADDR [EXCLUDE]\n");
		return 2;
	}
	log_init("neigh_check", LOG_LVL_DEBUG);
	uint32_t addr = ntohl(a.s_addr);
	struct neigh *n = neigh_new();
	if (!n)
		return 1;
	int rc = 1;
	char name[IFNAMSIZ];
	if (strcmp(argv[1], "add") == 0) {
		int idx = neigh_proxy_add(n, addr, argc > 3 ? argv[3] : NULL);
		if (idx > 0) {
			neigh_lan_ifindex(addr, NULL, name);
			printf("added dev=%s ifindex=%d\n", name, idx);
			rc = 0;
		} else if (idx == 0) {
			printf("skipped\n");
			rc = 0;
		}
	} else if (strcmp(argv[1], "del") == 0) {
		int idx = neigh_lan_ifindex(addr, NULL, name);
		if (idx > 0 && neigh_proxy_del(n, addr, idx)) {
			printf("removed\n");
			rc = 0;
		}
	}
	neigh_free(n);
	return rc;
}
