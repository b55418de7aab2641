/*
 * The classic BPF programs of server/gre_filter.h, written out by hand.
 *
 * Registers: A the accumulator, X the index. BPF_MSH loads 4 * (byte & 0xf)
 * into X: the IPv4 header's length in bytes, so [x + n] is GRE byte n.
 * A load past the end of the packet ends the program with 0 (drop); the
 * length check in front makes sure no load does.
 */
#include "server/gre_filter.h"

#include <errno.h>
#include <sys/socket.h>

#include "common/gre.h"
#include "common/log.h"

#define KEEP 0xffffffffu /* the whole packet */
#define DROP 0u

/* GRE's first 16 bits, of which C, R, K and the version say where the key
 * is: PPTP's enhanced GRE has K set, C and R clear, version 1. */
#define GRE_VERSION_BITS 0x07u
#define GRE_WHERE_MASK  (((GRE_FLAG_C | GRE_FLAG_R | GRE_FLAG_K) << 8) | GRE_VERSION_BITS)
#define GRE_WHERE_PPTP  ((GRE_FLAG_K << 8) | GRE_VERSION_PPTP)
/* Bytes of GRE up to and with the call ID: flags, protocol, length, ID. */
#define GRE_UPTO_CALLID 8u
#define GRE_OFF_CALLID  6u

/*
 * The common head of both programs: X = the IPv4 header's length; if fewer
 * than GRE_UPTO_CALLID bytes follow it, jump to the instruction `other`
 * places past the head's end; else fall through with A = GRE's first 16
 * bits & GRE_WHERE_MASK, for the caller to compare with GRE_WHERE_PPTP.
 * Returns the head's length.
 */
enum { HEAD_LEN = 6 };
static size_t head(struct sock_filter *p, uint8_t other)
{
	p[0] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0);
	p[1] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0);
	p[2] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_SUB | BPF_X, 0);
	/* A = bytes after the IPv4 header */
	p[3] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, GRE_UPTO_CALLID, 0,
					    (uint8_t)(other + 2));
	p[4] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0);
	p[5] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, GRE_WHERE_MASK);
	return HEAD_LEN;
}

size_t gre_filter_build(struct sock_filter prog[static GRE_FILTER_MAX], uint16_t mask,
			uint16_t value)
{
	size_t n = head(prog, 5); /* too short: to the final DROP */
	/* PPTP's GRE? then the call ID, else DROP */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, GRE_WHERE_PPTP, 0, 4);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_H | BPF_IND, GRE_OFF_CALLID);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, mask);
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, value & mask, 0, 1);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, KEEP);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DROP);
	return n;
}

size_t gre_filter_build_rest(struct sock_filter prog[static GRE_FILTER_MAX])
{
	size_t n = head(prog, 2); /* too short: to the final KEEP */
	/* PPTP's GRE (a worker's)? DROP, else KEEP */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, GRE_WHERE_PPTP, 0, 1);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, DROP);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, KEEP);
	return n;
}

static bool attach(int fd, struct sock_filter *prog, size_t n, const char *which)
{
	struct sock_fprog fp = {.len = (unsigned short)n, .filter = prog};
	int one = 1;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_LOCK_FILTER, &one, sizeof(one)) < 0) {
		int e = errno;
		log_err("event=gre-filter-failed filter=%s", which);
		errno = e;
		return false;
	}
	/* What queued before the filter: no worker's own. The queue is
	 * bounded by the socket's buffer; so is this loop. */
	char b;
	for (int i = 0; i < 65536; i++)
		if (recv(fd, &b, 1, MSG_DONTWAIT | MSG_TRUNC) < 0)
			break;
	return true;
}

bool gre_filter_attach(int fd, uint16_t mask, uint16_t value)
{
	struct sock_filter prog[GRE_FILTER_MAX];
	return attach(fd, prog, gre_filter_build(prog, mask, value), "worker");
}

bool gre_filter_attach_rest(int fd)
{
	struct sock_filter prog[GRE_FILTER_MAX];
	return attach(fd, prog, gre_filter_build_rest(prog), "rest");
}
