/*
 * pptpctl's admin commands over the server's control socket
 * (tools/pptpctl_admin.c). Stateless: one connection per command.
 */
#ifndef PPTP_TOOLS_PPTPCTL_ADMIN_H
#define PPTP_TOOLS_PPTPCTL_ADMIN_H

#include <stdbool.h>

#define PPTPCTL_DEFAULT_SOCKET "/run/pptpd/control.sock"

/* argv: the words from "session", "stats" or "lock" on. Exit status:
 * 0 ok, 1 failed (one line on stderr), 2 usage. */
int admin_command(const char *sock, int argc, char **argv);

#endif
