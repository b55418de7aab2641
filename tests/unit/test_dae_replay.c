/*
 * DAE replay protection (server/dae_replay.c): the Event-Timestamp window
 * and the duplicate cache, with the time passed in.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "server/dae_replay.h"

#define NOW 1700000000u /* seconds since the epoch, any day will do */

static struct radius_writer w;

/* A Disconnect-Request with `nts` Event-Timestamps of value ts (len octets
 * each), parsed into p (borrowing w's buffer). */
static void request(struct radius_packet *p, unsigned nts, uint32_t ts, size_t len)
{
	struct radius_secret sec;
	uint8_t v[8];

	assert_true(radius_secret_set(&sec, "daesecret"));
	radius_writer_init(&w, RADIUS_DISCONNECT_REQUEST, 7, NULL);
	assert_true(radius_put_str(&w, RADIUS_USER_NAME, "alice"));
	v[0] = (uint8_t)(ts >> 24);
	v[1] = (uint8_t)(ts >> 16);
	v[2] = (uint8_t)(ts >> 8);
	v[3] = (uint8_t)ts;
	v[4] = v[5] = v[6] = v[7] = 0;
	for (unsigned i = 0; i < nts; i++)
		assert_true(radius_put(&w, RADIUS_EVENT_TIMESTAMP, v, len));
	assert_true(radius_finish(&w, RADIUS_SIGN_REQUEST_HASH, &sec, NULL));
	assert_true(radius_parse(w.buf, w.len, p));
}

static void timestamp_window(void **state)
{
	(void)state;
	struct radius_packet p;
	uint32_t ts = 0;

	request(&p, 0, 0, 4);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_ABSENT);
	request(&p, 1, NOW, 4);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_CURRENT);
	assert_int_equal(ts, NOW);
	/* Both edges of the window are inside; one second more is stale. */
	request(&p, 1, NOW - 300, 4);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_CURRENT);
	request(&p, 1, NOW + 300, 4);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_CURRENT);
	request(&p, 1, NOW - 301, 4);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_STALE);
	request(&p, 1, NOW + 301, 4);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_STALE);
	/* A captured request an hour old; a zero timestamp. */
	request(&p, 1, NOW - 3600, 4);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_STALE);
	request(&p, 1, 0, 4);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_STALE);
	/* Not 4 octets; twice. */
	request(&p, 1, NOW, 3);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_MALFORMED);
	request(&p, 1, NOW, 8);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_MALFORMED);
	request(&p, 2, NOW, 4);
	assert_int_equal(dae_timestamp_check(&p, NOW, 300, &ts), DAE_TS_MALFORMED);
	assert_string_equal(dae_timestamp_name(DAE_TS_STALE), "stale");
}

static void ttl(void **state)
{
	(void)state;
	/* Without a timestamp: the window. With one: until it leaves it. */
	assert_int_equal(dae_replay_ttl_ms(false, 0, NOW, 300), 300000);
	assert_int_equal(dae_replay_ttl_ms(true, NOW, NOW, 300), 300000);
	assert_int_equal(dae_replay_ttl_ms(true, NOW - 200, NOW, 300), 100000);
	assert_int_equal(dae_replay_ttl_ms(true, NOW + 300, NOW, 300), 600000);
	assert_int_equal(dae_replay_ttl_ms(true, NOW - 300, NOW, 300), 1000);
}

static struct sockaddr_storage addr(const char *ip, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	return ss;
}

static void duplicates_any_port(void **state)
{
	(void)state;
	struct dae_replay *r = dae_replay_new();
	struct sockaddr_storage a = addr("127.0.0.1", 40001), b = addr("127.0.0.1", 40002);
	struct sockaddr_storage other = addr("127.0.0.2", 40001);
	uint8_t auth[RADIUS_AUTH_LEN], auth2[RADIUS_AUTH_LEN];
	const uint8_t answer[] = { RADIUS_DISCONNECT_ACK, 7, 0, 20, 1, 2, 3 };
	const uint8_t *reply;
	size_t len;

	assert_non_null(r);
	memset(auth, 0xA5, sizeof(auth));
	memcpy(auth2, auth, sizeof(auth2));
	auth2[15] ^= 1;
	assert_false(dae_replay_find(r, &a, 7, auth, 1000, &reply, &len));
	assert_true(dae_replay_add(r, &a, 7, auth, answer, sizeof(answer), 1000, 300000));
	assert_int_equal(dae_replay_live(r, 1000), 1);
	/* The same request from another source port is the same request. */
	assert_true(dae_replay_find(r, &b, 7, auth, 2000, &reply, &len));
	assert_int_equal(len, sizeof(answer));
	assert_memory_equal(reply, answer, sizeof(answer));
	/* Another identifier, authenticator or host is not. */
	assert_false(dae_replay_find(r, &a, 8, auth, 2000, &reply, &len));
	assert_false(dae_replay_find(r, &a, 7, auth2, 2000, &reply, &len));
	assert_false(dae_replay_find(r, &other, 7, auth, 2000, &reply, &len));
	/* Until it expires. */
	assert_true(dae_replay_find(r, &a, 7, auth, 300999, &reply, &len));
	assert_false(dae_replay_find(r, &a, 7, auth, 301000, &reply, &len));
	assert_int_equal(dae_replay_live(r, 301000), 0);
	dae_replay_free(r);
}

static void bounded(void **state)
{
	(void)state;
	struct dae_replay *r = dae_replay_new();
	struct sockaddr_storage a = addr("127.0.0.1", 3799);
	uint8_t auth[RADIUS_AUTH_LEN] = { 0 };
	const uint8_t answer[20] = { RADIUS_DISCONNECT_NAK };
	const uint8_t *reply;
	size_t len;

	assert_non_null(r);
	for (uint32_t i = 0; i < DAE_REPLAY_SLOTS; i++) {
		memcpy(auth, &i, sizeof(i));
		assert_true(dae_replay_room(r, 1000));
		assert_true(dae_replay_add(r, &a, 1, auth, answer, sizeof(answer), 1000, 10000));
	}
	/* Full of live answers: no room, nothing forgotten. */
	assert_false(dae_replay_room(r, 5000));
	auth[15] = 0xFF;
	assert_false(dae_replay_add(r, &a, 1, auth, answer, sizeof(answer), 5000, 10000));
	uint32_t first = 0;
	memset(auth, 0, sizeof(auth));
	memcpy(auth, &first, sizeof(first));
	assert_true(dae_replay_find(r, &a, 1, auth, 5000, &reply, &len));
	/* Once they expire the slots are reused. */
	assert_true(dae_replay_room(r, 11000));
	auth[15] = 0xFF;
	assert_true(dae_replay_add(r, &a, 1, auth, answer, sizeof(answer), 11000, 10000));
	assert_int_equal(dae_replay_live(r, 11000), 1);
	dae_replay_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timestamp_window),
		cmocka_unit_test(ttl),
		cmocka_unit_test(duplicates_any_port),
		cmocka_unit_test(bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
