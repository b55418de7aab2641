#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tests/unit/support/radius_fake.h"

uint64_t radius_fake_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- the socket ---- */

int radius_fake_udp_loopback(struct sockaddr_storage *addr, socklen_t *addrlen)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = 0 };
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	memset(addr, 0, sizeof(*addr));
	*addrlen = sizeof(*addr);
	assert_int_equal(getsockname(fd, (struct sockaddr *)addr, addrlen), 0);
	return fd;
}

void radius_fake_open(struct radius_fake *f, const char *secret)
{
	memset(f, 0, sizeof(*f));
	f->fd = radius_fake_udp_loopback(&f->addr, &f->addrlen);
	assert_true(radius_secret_set(&f->sec, secret));
}

void radius_fake_close(struct radius_fake *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
}

struct radius_server radius_fake_server(const struct radius_fake *f, const char *name)
{
	struct radius_server s;
	memset(&s, 0, sizeof(s));
	s.addr = f->addr;
	s.addrlen = f->addrlen;
	s.secret = f->sec;
	if (name)
		snprintf(s.name, sizeof(s.name), "%s", name);
	else
		snprintf(s.name, sizeof(s.name), "127.0.0.1:%u",
			 ntohs(((const struct sockaddr_in *)&f->addr)->sin_port));
	return s;
}

void radius_fake_read(struct radius_fake *f)
{
	f->fromlen = sizeof(f->from);
	ssize_t n = recvfrom(f->fd, f->pkt, sizeof(f->pkt), 0, (struct sockaddr *)&f->from,
			     &f->fromlen);
	assert_true(n > 0);
	f->len = (size_t)n;
	f->received++;
	assert_true(radius_parse(f->pkt, f->len, &f->p));
	if (f->check)
		f->check(f);
}

/* ---- driving the peer ---- */

int radius_fake_pump(const struct radius_fake_peer *peer, struct radius_fake *const *fakes,
		     size_t nfakes, int budget_ms)
{
	uint64_t end = radius_fake_mono_ms() + (uint64_t)budget_ms;
	struct pollfd pfd[1 + RADIUS_FAKE_PUMP_MAX];
	uint64_t n0 = peer->completions ? peer->completions(peer->ctx) : 0;

	assert_true(nfakes <= RADIUS_FAKE_PUMP_MAX);
	for (;;) {
		if (peer->completions && peer->completions(peer->ctx) != n0)
			return -2;
		uint64_t now = radius_fake_mono_ms();
		if (now >= end)
			return -1;
		pfd[0] = (struct pollfd){ .fd = peer->fd, .events = POLLIN };
		for (size_t i = 0; i < nfakes; i++)
			pfd[1 + i] = (struct pollfd){ .fd = fakes[i]->fd, .events = POLLIN };
		assert_true(poll(pfd, 1 + nfakes, (int)(end - now)) >= 0);
		for (size_t i = 0; i < nfakes; i++)
			if (pfd[1 + i].revents & POLLIN) {
				radius_fake_read(fakes[i]);
				return (int)i;
			}
		if (pfd[0].revents & POLLIN)
			peer->run(peer->ctx);
	}
}

bool radius_fake_wait(const struct radius_fake_peer *peer, uint64_t want, int budget_ms)
{
	uint64_t end = radius_fake_mono_ms() + (uint64_t)budget_ms;

	assert_non_null(peer->completions);
	while (peer->completions(peer->ctx) < want) {
		uint64_t now = radius_fake_mono_ms();
		if (now >= end)
			return false;
		struct pollfd pfd = { .fd = peer->fd, .events = POLLIN };
		assert_true(poll(&pfd, 1, (int)(end - now)) >= 0);
		if (pfd.revents & POLLIN)
			peer->run(peer->ctx);
	}
	return true;
}

/* ---- replies ---- */

struct radius_fake_req radius_fake_last(const struct radius_fake *f)
{
	struct radius_fake_req r = { .id = f->p.id };
	memcpy(r.auth, f->p.auth, RADIUS_AUTH_LEN);
	return r;
}

void radius_fake_reply_init(struct radius_writer *w, uint8_t code, uint8_t id, bool with_ma)
{
	radius_writer_init(w, code, id, NULL);
	if (with_ma)
		assert_true(radius_put_ma(w));
}

void radius_fake_sign_send(const struct radius_fake *f, struct radius_writer *w,
			   const uint8_t req_auth[RADIUS_AUTH_LEN])
{
	assert_true(radius_finish(w, RADIUS_SIGN_RESPONSE, &f->sec, req_auth));
	radius_fake_send(f, w->buf, w->len);
}

void radius_fake_answer(const struct radius_fake *f, const struct radius_fake_req *r,
			uint8_t code, bool with_ma)
{
	struct radius_writer w;
	radius_fake_reply_init(&w, code, r->id, with_ma);
	radius_fake_sign_send(f, &w, r->auth);
}

void radius_fake_send_to(int fd, const void *buf, size_t len, const struct sockaddr_storage *to,
			 socklen_t tolen)
{
	assert_int_equal(sendto(fd, buf, len, 0, (const struct sockaddr *)to, tolen),
			 (ssize_t)len);
}

void radius_fake_send(const struct radius_fake *f, const void *buf, size_t len)
{
	radius_fake_send_to(f->fd, buf, len, &f->from, f->fromlen);
}

/* ---- requests and checks ---- */

void radius_fake_sockaddr4(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
}

uint32_t radius_fake_u32(const struct radius_packet *p, uint8_t type)
{
	struct radius_attr a;
	uint32_t v = 0;
	assert_int_equal(radius_count(p, 0, type), 1);
	assert_true(radius_find(p, 0, type, &a));
	assert_true(radius_attr_u32(&a, &v));
	return v;
}

void radius_fake_expect_text(const struct radius_packet *p, uint8_t type, const char *want)
{
	struct radius_attr a;
	assert_int_equal(radius_count(p, 0, type), 1);
	assert_true(radius_find(p, 0, type, &a));
	assert_int_equal(a.len, strlen(want));
	assert_memory_equal(a.val, want, a.len);
}

/* ---- the test's own MD5 ---- */

void radius_fake_md5(const void *a, size_t an, const void *b, size_t bn, const void *c,
		     size_t cn, uint8_t out[16])
{
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	unsigned n = 0;
	assert_non_null(x);
	assert_true(EVP_DigestInit_ex(x, EVP_md5(), NULL));
	assert_true(EVP_DigestUpdate(x, a, an));
	assert_true(EVP_DigestUpdate(x, b, bn));
	if (cn)
		assert_true(EVP_DigestUpdate(x, c, cn));
	assert_true(EVP_DigestFinal_ex(x, out, &n));
	assert_int_equal(n, 16);
	EVP_MD_CTX_free(x);
}
