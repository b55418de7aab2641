/*
 * A multi-queue tun device: one queue per data-path worker (issue 13,
 * "Multi-core"; docs/performance.md), with the kernel steering each
 * packet to the queue of the worker that owns its destination.
 *
 * tun_mq_open() opens the same tun name N times with IFF_MULTI_QUEUE
 * (IFF_TUN | IFF_NO_PI, each fd non-blocking and close-on-exec), then
 * loads a small eBPF program (BPF_PROG_TYPE_SOCKET_FILTER, through the
 * bpf() system call) and hands it to the device with TUNSETSTEERINGEBPF.
 * The program returns, for an IPv4 packet, (destination address in host
 * order) mod N: the packet goes to queue daddr % N, so a worker that owns
 * the sessions whose addresses are k mod N reads them all from queue k.
 * Anything else (IPv6, a packet too short for an IPv4 header) goes to
 * queue 0, whose worker hands what it does not own to the owner.
 *
 * If the kernel or its verifier refuses the program (loading it needs
 * CAP_BPF or CAP_SYS_ADMIN while unprivileged BPF is off, as on Debian),
 * the device keeps the kernel's own steering, a flow hash: every packet
 * still reaches exactly one queue but not by destination; that is logged
 * once (event=tun-mq-steering), tun_mq_steering() says so, and the workers
 * must hand misdirected packets to their owner. Checked on Linux 6.18 as
 * root: the program is accepted.
 *
 * Only the queues: the device's MTU, address, routes and the rest are
 * set as for the single-queue device (server/tun.h), by the caller.
 *
 * Threads and lifetime: tun_mq_open() .. tun_mq_free(), both on the main
 * thread, in privileged set-up (CAP_NET_ADMIN for the device, CAP_BPF or
 * CAP_SYS_ADMIN for the program). In between queue k's fd belongs to
 * worker k alone: only it reads and writes that fd (a tun queue is a
 * separate file; no lock is shared). Workers stop their watchers on their
 * fds before tun_mq_free(), which closes every fd; the device (not
 * persistent) vanishes with the last one. The steering program lives as
 * long as the device holds it: its fd is closed once attached.
 */
#ifndef PPTP_SERVER_TUN_MQ_H
#define PPTP_SERVER_TUN_MQ_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

/* Most queues: the kernel's limit (MAX_TAP_QUEUES) is 256. */
#define TUN_MQ_MAX 64

enum tun_mq_steering {
	TUN_MQ_STEER_HASH,  /* the kernel's flow hash (the program was refused) */
	TUN_MQ_STEER_DADDR, /* the eBPF program: IPv4 destination mod N */
};

struct tun_mq;

/* Open n queues (1..TUN_MQ_MAX) of tun `name` (a name with %d is filled in
 * by the kernel); NULL (logged) when a queue cannot be opened. */
struct tun_mq *tun_mq_open(const char *name, unsigned n);
/* The same for a device whose first `first` queues are opened elsewhere
 * (the main loop's queue 0 in server/tun.c with `workers` > 1): n more
 * queues, and the program sends an IPv4 packet to queue
 * first + daddr % n (this object's queue daddr % n); anything else still
 * to queue 0. tun_mq_fd(t, k) is the device's queue first + k. */
struct tun_mq *tun_mq_attach(const char *name, unsigned n, unsigned first);
/* Close every queue; NULL is fine. */
void tun_mq_free(struct tun_mq *t);

unsigned tun_mq_nqueues(const struct tun_mq *t);
/* Queue q's fd (q < tun_mq_nqueues()). */
int tun_mq_fd(const struct tun_mq *t, unsigned q);
/* The device's name as the kernel gave it. */
const char *tun_mq_name(const struct tun_mq *t);
enum tun_mq_steering tun_mq_steering(const struct tun_mq *t);
const char *tun_mq_steering_name(enum tun_mq_steering s);

#endif
