/*
 * server/tun_mq.h: the queues, and the steering program written out by
 * hand in eBPF.
 */
#include "server/tun_mq.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/if_tun.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/log.h"

struct tun_mq {
	int fd[TUN_MQ_MAX];
	unsigned n;
	unsigned first;             /* the device's queues before ours */
	char name[IFNAMSIZ];
	enum tun_mq_steering steering;
};

/* ---- the steering program ---- */

/* eBPF instructions, spelled with the opcodes of linux/bpf.h (the kernel's
 * own instruction macros are not part of its user-space headers). */
static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	return (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

/*
 * r6 = ctx (the legacy packet loads read the packet through r6)
 * r0 = packet byte 0 & 0xf0          (LD_ABS: a load past the end exits
 * if r0 != 0x40 goto not_ipv4          with r0 = 0: queue 0)
 * r0 = packet bytes 16..19           (LD_ABS converts to host order)
 * r0 = (u32)r0 % n
 * r0 += first                       (only when first > 0)
 * exit
 * not_ipv4: r0 = 0; exit
 * The device takes the result mod its number of queues again, so a queue
 * that goes away never leaves a packet without one.
 */
enum { STEER_LEN = 10 };
static size_t steer_build(struct bpf_insn p[static STEER_LEN], unsigned n, unsigned first)
{
	size_t i = 0;
	p[i++] = insn(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	p[i++] = insn(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0);
	p[i++] = insn(BPF_ALU | BPF_AND | BPF_K, BPF_REG_0, 0, 0, 0xf0);
	p[i++] = insn(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, first ? 4 : 3, 0x40);
	p[i++] = insn(BPF_LD | BPF_ABS | BPF_W, 0, 0, 0, 16);
	p[i++] = insn(BPF_ALU | BPF_MOD | BPF_K, BPF_REG_0, 0, 0, (int32_t)n);
	if (first)
		p[i++] = insn(BPF_ALU | BPF_ADD | BPF_K, BPF_REG_0, 0, 0, (int32_t)first);
	p[i++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[i++] = insn(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	p[i++] = insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return i;
}

/* Load the program and attach it to the device through queue 0's fd. */
static bool steer_attach(struct tun_mq *t)
{
	struct bpf_insn prog[STEER_LEN];
	static char vlog[4096];
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	vlog[0] = 0;
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)prog;
	a.insn_cnt = (uint32_t)steer_build(prog, t->n, t->first);
	/* No helper it calls is GPL-only: any string would do. */
	a.license = (uint64_t)(uintptr_t)"Dual BSD/GPL";
	a.log_buf = (uint64_t)(uintptr_t)vlog;
	a.log_size = sizeof(vlog);
	a.log_level = 1;
	int pfd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (pfd < 0) {
		/* the verifier's last line says why */
		size_t len = strlen(vlog);
		while (len && vlog[len - 1] == '\n')
			vlog[--len] = 0;
		const char *last = strrchr(vlog, '\n');
		if (len)
			log_warn("tun=%s event=tun-mq-steering steering=hash reason=bpf-load "
				 "verifier=%s", LOG_ESC(t->name), LOG_ESC(last ? last + 1 : vlog));
		else
			log_warn("tun=%s event=tun-mq-steering steering=hash reason=bpf-load",
				 LOG_ESC(t->name));
		return false;
	}
	int rc = ioctl(t->fd[0], TUNSETSTEERINGEBPF, &pfd);
	int e = errno;
	close(pfd);
	if (rc < 0) {
		errno = e;
		log_warn("tun=%s event=tun-mq-steering steering=hash reason=attach",
			 LOG_ESC(t->name));
		return false;
	}
	return true;
}

/* ---- the queues ---- */

struct tun_mq *tun_mq_open(const char *name, unsigned n)
{
	return tun_mq_attach(name, n, 0);
}

struct tun_mq *tun_mq_attach(const char *name, unsigned n, unsigned first)
{
	if (!n || n > TUN_MQ_MAX || strlen(name) >= IFNAMSIZ) {
		log_errx("tun=%s event=tun-mq-failed reason=bad-argument queues=%u",
			 LOG_ESC(name), n);
		return NULL;
	}
	struct tun_mq *t = calloc(1, sizeof(*t));
	if (!t) {
		log_errx("event=tun-mq-failed reason=out-of-memory");
		return NULL;
	}
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->first = first;
	for (unsigned q = 0; q < n; q++) {
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_MULTI_QUEUE;
		memcpy(ifr.ifr_name, t->name, sizeof(ifr.ifr_name));
		int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) < 0) {
			log_err("tun=%s event=tun-mq-failed queue=%u", LOG_ESC(t->name), q);
			if (fd >= 0)
				close(fd);
			tun_mq_free(t);
			return NULL;
		}
		/* the first queue's name (a %d filled in) for the others */
		memcpy(t->name, ifr.ifr_name, sizeof(t->name) - 1);
		t->fd[t->n++] = fd;
	}
	t->steering = steer_attach(t) ? TUN_MQ_STEER_DADDR : TUN_MQ_STEER_HASH;
	log_info("tun=%s event=tun-mq-open queues=%u steering=%s", LOG_ESC(t->name), t->n,
		 tun_mq_steering_name(t->steering));
	return t;
}

void tun_mq_free(struct tun_mq *t)
{
	if (!t)
		return;
	for (unsigned q = 0; q < t->n; q++)
		close(t->fd[q]);
	free(t);
}

unsigned tun_mq_nqueues(const struct tun_mq *t)
{
	return t->n;
}

int tun_mq_fd(const struct tun_mq *t, unsigned q)
{
	return q < t->n ? t->fd[q] : -1;
}

const char *tun_mq_name(const struct tun_mq *t)
{
	return t->name;
}

enum tun_mq_steering tun_mq_steering(const struct tun_mq *t)
{
	return t->steering;
}

const char *tun_mq_steering_name(enum tun_mq_steering s)
{
	return s == TUN_MQ_STEER_DADDR ? "daddr" : "hash";
}
