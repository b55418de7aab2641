/*
 * no_uring: run a program under a seccomp filter that fails io_uring_setup
 * with ENOSYS (what a kernel built without io_uring, or a container
 * runtime's seccomp profile, answers), for tests/integration/test_tun_io.sh.
 *
 *   no_uring PROGRAM [ARG...]
 *
 * Every other system call is allowed. The filter sets no_new_privs and is
 * inherited by PROGRAM's children. Exits 127 if PROGRAM cannot be run, 1 if
 * the filter cannot be installed.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: no_uring PROGRAM [ARG...]\n");
		return 2;
	}
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(filter) / sizeof(filter[0]), .filter = filter };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
		perror("no_uring: seccomp");
		return 1;
	}
	execvp(argv[1], argv + 1);
	perror("no_uring: exec");
	return 127;
}
