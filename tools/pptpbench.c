/*
 * pptpbench: measurement tool for the PPTP server's building blocks and,
 * later, for a running server. One subcommand per job, dispatched from a
 * table; each lives in its own tools/pptpbench_NAME.c.
 */
#include <stdio.h>
#include <string.h>

#include "tools/pptpbench.h"

static const struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} subcommands[] = {
	{ "crypto", pptpbench_crypto,
	  "[--packets N] [--size BYTES]  RC4 and MPPE-128 throughput on this machine" },
	{ "probe", pptpbench_probe,
	  "--server ADDR [--bind ADDR] [--timeout S] [--expect-echo]  one call, step by step" },
	{ "load", pptpbench_load,
	  "--server ADDR --sources A,B --conns N --calls-per-conn M --frames K  echo load" },
	{ "connect", pptpbench_connect,
	  "--server ADDR --user U --password-stdin [--mppe stateless|stateful] [--tun NAME]\n"
	  "           [--route CIDR]... [--bind ADDR] [--timeout S] [--run CMD]  one VPN session" },
	{ "churn", pptpbench_churn,
	  "--server ADDR --user U --password-stdin --cycles N [--parallel P]\n"
	  "           [--report-every K] [--checkpoint CMD]  login/logout cycles" },
	{ "sessions", pptpbench_sessions,
	  "--server ADDR --user U --password-stdin --sessions N [--sources A-B,...]\n"
	  "           [--calls-per-conn M] [--parallel P] [--login-rate R] [--hold S]\n"
	  "           [--teardown-rate R] [--server-pid PID]  login rate, memory and CPU\n"
	  "           per held session" },
	{ "datapath", pptpbench_datapath,
	  "blast --dst ADDR [--size B] [--seconds S] [--rate PPS]  UDP load\n"
	  "           | forward --tun NAME --peer ADDR  the no-PPP baseline forwarder\n"
	  "           (scripts/bench_datapath.sh runs both against pptpd)" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: pptpbench COMMAND [options]\n"
		"       pptpbench -h | --help | -V | --version\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		fprintf(f, "  %-8s %s\n", subcommands[i].name, subcommands[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("pptpbench %s\n", PPTPD_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (strcmp(argv[1], subcommands[i].name) == 0)
			return subcommands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "pptpbench: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
