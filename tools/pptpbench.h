/*
 * pptpbench subcommands. Each lives in tools/pptpbench_NAME.c and is called
 * with argv[0] set to the subcommand name; it returns the exit status.
 */
#ifndef PPTP_TOOLS_PPTPBENCH_H
#define PPTP_TOOLS_PPTPBENCH_H

int pptpbench_crypto(int argc, char **argv);
int pptpbench_probe(int argc, char **argv);
int pptpbench_load(int argc, char **argv);
int pptpbench_connect(int argc, char **argv);
int pptpbench_churn(int argc, char **argv);
int pptpbench_sessions(int argc, char **argv);
int pptpbench_datapath(int argc, char **argv);

#endif
