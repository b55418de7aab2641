/*
 * Steering GRE to data-path workers in the kernel: a classic BPF filter
 * for a raw IPPROTO_GRE socket that keeps the PPTP frames of one worker's
 * calls only (issue 13, "Multi-core"; docs/performance.md).
 *
 * A call ID carries its worker in its low bits (server_callid_alloc_for):
 * with W workers, worker k's socket keeps the frames whose key's call ID
 * has (id & (W - 1)) == k. Every raw GRE socket of the host gets its own
 * copy of each GRE packet and its filter decides, so W sockets with
 * disjoint filters share the stream without a lock and without a thread
 * that only steers.
 *
 * What the raw socket's filter sees is the IPv4 packet: an IPv4 header of
 * 4 * IHL bytes (options included, IHL 5 to 15), then GRE. The program
 * finds the GRE header through the IHL and keeps a packet when its GRE
 * header has K set, C and R clear, version 1 (the key, then the call ID,
 * sits at a fixed place: GRE bytes 4-7) and the call ID matches.
 *
 * Who gets what:
 *   gre_filter_attach(fd, W - 1, k)  worker k: the enhanced-GRE (v1, keyed)
 *           frames of its call IDs; nothing else. It parses them as the
 *           main socket does today (gre_parse) and counts what it drops.
 *   gre_filter_attach_rest(fd)       the main loop's socket: everything no
 *           worker takes: GRE of another version, keyless or with a
 *           checksum or routing field, and GRE too short to hold a call ID
 *           (what gre_sock counts and logs as malformed today).
 * The two sets are disjoint and together hold every GRE packet. With one
 * worker (today) no filter is attached: the one socket gets everything.
 *
 * The filter is attached, then locked (SO_LOCK_FILTER: a later bug cannot
 * take it off), and the packets that queued on the socket between its
 * socket() and the attach are read and dropped, so after the call only
 * filtered packets are on it. Needs nothing beyond the socket itself
 * (no capability); the caller opens the socket (CAP_NET_RAW).
 *
 * The program builders are pure functions over the caller's array, for
 * reading and for the attach: nothing is kept. Only the kernel runs the
 * program: tests/integration/test_gre_filter.sh is its test.
 */
#ifndef PPTP_SERVER_GRE_FILTER_H
#define PPTP_SERVER_GRE_FILTER_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Instructions of the longest program below. */
#define GRE_FILTER_MAX 12

/* Build worker (mask, value)'s program into prog; its length. */
size_t gre_filter_build(struct sock_filter prog[static GRE_FILTER_MAX], uint16_t mask,
			uint16_t value);
/* Build the main socket's program (the complement of every worker's). */
size_t gre_filter_build_rest(struct sock_filter prog[static GRE_FILTER_MAX]);

/* Attach, lock, drain (above). false with errno and a log line on failure. */
bool gre_filter_attach(int fd, uint16_t mask, uint16_t value);
bool gre_filter_attach_rest(int fd);

#endif
