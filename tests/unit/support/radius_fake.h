/*
 * Test support: a fake RADIUS server on loopback for the tests of the RADIUS
 * transport, the RADIUS backend and accounting. A fake is a UDP socket bound
 * to 127.0.0.1 port 0 with a shared secret: it reads the datagrams the code
 * under test sends, parses each with the codec (auth/radius_pkt.h), and
 * answers with replies signed as a RADIUS server signs them. The code under
 * test is driven as an event loop drives it: poll() its fd, run it when it
 * is readable. Every wait is bounded by a budget in milliseconds on the
 * monotonic clock. The codec's own test uses its MD5 only.
 *
 * Lifetimes: a fake owns its socket from radius_fake_open() to
 * radius_fake_close(). f->p points into f->pkt: it holds the last datagram
 * and is overwritten by the next read; keep a radius_fake_req to answer a
 * request after that. A radius_fake_peer only borrows its ctx.
 */
#ifndef PPTP_TESTS_RADIUS_FAKE_H
#define PPTP_TESTS_RADIUS_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth/radius_client.h"
#include "auth/radius_pkt.h"

/* CLOCK_MONOTONIC in milliseconds (from boot: no RADIUS_CLOCK_BASE_MS). */
uint64_t radius_fake_mono_ms(void);

struct radius_fake {
	int fd;
	struct sockaddr_storage addr; /* where it listens */
	socklen_t addrlen;
	struct radius_secret sec;
	unsigned received;            /* datagrams read */
	/* The last datagram, who sent it and its parse. */
	uint8_t pkt[RADIUS_MAX_LEN];
	size_t len;
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct radius_packet p;
	/* The test's checks of every datagram, after it parsed; NULL: none. */
	void (*check)(const struct radius_fake *f);
};

/* A UDP socket bound to 127.0.0.1 port 0; its address in addr. */
int radius_fake_udp_loopback(struct sockaddr_storage *addr, socklen_t *addrlen);
/* Zero f, open its socket, set its secret (check: NULL). */
void radius_fake_open(struct radius_fake *f, const char *secret);
/* Close the socket if open; fd is -1 after. */
void radius_fake_close(struct radius_fake *f);
/* The fake as a server for a client's configuration: its address and
 * secret; name, or "127.0.0.1:PORT" when name is NULL. */
struct radius_server radius_fake_server(const struct radius_fake *f, const char *name);
/* Read one waiting datagram: it must parse as a RADIUS packet; then
 * f->check. */
void radius_fake_read(struct radius_fake *f);

/* The code under test as an event loop sees it. */
struct radius_fake_peer {
	int fd;                             /* polled for POLLIN */
	void (*run)(void *ctx);             /* called when fd is readable */
	uint64_t (*completions)(void *ctx); /* delivered so far; NULL: not counted */
	void *ctx;
};

/* Run the peer whenever its fd is readable until one of the fakes has a
 * datagram: read it (radius_fake_read) and return the fake's index; -1
 * after budget_ms; -2 as soon as the peer's completions changed (when it
 * counts them). At most RADIUS_FAKE_PUMP_MAX fakes. */
#define RADIUS_FAKE_PUMP_MAX 3
int radius_fake_pump(const struct radius_fake_peer *peer, struct radius_fake *const *fakes,
		     size_t nfakes, int budget_ms);
/* Run the peer whenever its fd is readable until it has delivered `want`
 * completions in all (true) or budget_ms passed (false). The peer must
 * count its completions. */
bool radius_fake_wait(const struct radius_fake_peer *peer, uint64_t want, int budget_ms);

/* What answering a request needs, kept past the next datagram. */
struct radius_fake_req {
	uint8_t id;
	uint8_t auth[RADIUS_AUTH_LEN]; /* its Request Authenticator */
};

/* The last datagram's. */
struct radius_fake_req radius_fake_last(const struct radius_fake *f);
/* radius_writer_init for a reply with identifier id, a Message-Authenticator
 * first when with_ma; the caller adds attributes. */
void radius_fake_reply_init(struct radius_writer *w, uint8_t code, uint8_t id, bool with_ma);
/* Sign w with the fake's secret as the response to the request whose
 * Request Authenticator is req_auth; send it to the last datagram's sender. */
void radius_fake_sign_send(const struct radius_fake *f, struct radius_writer *w,
			   const uint8_t req_auth[RADIUS_AUTH_LEN]);
/* A reply without attributes (but the Message-Authenticator when with_ma)
 * to r, signed and sent as above. */
void radius_fake_answer(const struct radius_fake *f, const struct radius_fake_req *r,
			uint8_t code, bool with_ma);
/* One datagram of len bytes from fd to `to`: all of it is sent. */
void radius_fake_send_to(int fd, const void *buf, size_t len, const struct sockaddr_storage *to,
			 socklen_t tolen);
/* From the fake to the last datagram's sender, as it is (not signed). */
void radius_fake_send(const struct radius_fake *f, const void *buf, size_t len);

/* ip:port into ss, for the peer and local addresses a request names
 * (Calling- and Called-Station-Id). */
void radius_fake_sockaddr4(struct sockaddr_storage *ss, const char *ip, uint16_t port);

/* Checks of what the fake heard, on a standard attribute (not a vendor's):
 * p carries exactly one `type`. radius_fake_u32 returns its value as a
 * 32-bit integer; radius_fake_expect_text checks that it is the text want. */
uint32_t radius_fake_u32(const struct radius_packet *p, uint8_t type);
void radius_fake_expect_text(const struct radius_packet *p, uint8_t type, const char *want);

/* MD5 of a | b | c (c may be empty), the test's own, independent of the
 * codec under test: to compute authenticators and hidden values. */
void radius_fake_md5(const void *a, size_t an, const void *b, size_t bn, const void *c,
		     size_t cn, uint8_t out[16]);

#endif
