#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/log.h"
#include "common/pptp_msg.h"

/* Start-Control-Connection-Request as pptp-linux sends it (framing: async only). */
static const uint8_t pptp_linux_sccrq[156] = {
	0x00, 0x9c, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x01, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00,             /* version 1.0, reserved */
	0x00, 0x00, 0x00, 0x01,             /* framing caps: async */
	0x00, 0x00, 0x00, 0x01,             /* bearer caps: analog */
	0xff, 0xff, 0x01, 0x00,             /* max channels 65535, firmware 0x100 */
	[28] = 'l', 'o', 'c', 'a', 'l',
	[92] = 'c', 'a', 'n', 'a', 'n', 'i', 'a', 'n',
};

/* Outgoing-Call-Request as pptp-linux sends it: its first call ID is 0. */
static const uint8_t pptp_linux_ocrq[168] = {
	0x00, 0xa8, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x07, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,             /* call ID 0, serial 0 */
	0x00, 0x00, 0x09, 0x60,             /* min 2400 bps */
	0x00, 0x98, 0x96, 0x80,             /* max 10000000 bps */
	0x00, 0x00, 0x00, 0x03,             /* bearer: any */
	0x00, 0x00, 0x00, 0x03,             /* framing: any */
	0x00, 0x03, 0x00, 0x00,             /* window 3, delay 0 */
	0x00, 0x00, 0x00, 0x00,             /* phone length 0, reserved */
};

/* Outgoing-Call-Request as Windows sends it: window 64, max 100000000 bps. */
static const uint8_t windows_ocrq[168] = {
	0x00, 0xa8, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x07, 0x00, 0x00,
	0x40, 0x00, 0x00, 0x01,             /* call ID 0x4000, serial 1 */
	0x00, 0x00, 0x01, 0x2c,             /* min 300 bps */
	0x05, 0xf5, 0xe1, 0x00,             /* max 100000000 bps */
	0x00, 0x00, 0x00, 0x03,
	0x00, 0x00, 0x00, 0x03,
	0x00, 0x40, 0x00, 0x00,             /* window 64, delay 0 */
	0x00, 0x00, 0x00, 0x00,
};

/* Windows' Start request: empty host name, vendor "Microsoft". */
static const uint8_t windows_sccrq[156] = {
	0x00, 0x9c, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x01, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x0a, 0x28,
	[92] = 'M', 'i', 'c', 'r', 'o', 's', 'o', 'f', 't',
};

static void fill_str(char *s, size_t n, char c)
{
	memset(s, c, n);
	s[n] = '\0';
}

/* A message of each type with every field non-zero and distinct. */
static struct pptp_msg sample(enum pptp_ctrl_type t)
{
	struct pptp_msg m;
	memset(&m, 0, sizeof(m));
	m.type = t;
	switch (t) {
	case PPTP_START_CTRL_REQUEST:
		m.start_rq = (struct pptp_start_ctrl_request){ 0x0100, 0x3, 0x2, 7, 0x1234,
			"host", "vendor" };
		fill_str(m.start_rq.vendor, PPTP_STR_LEN, 'v');
		break;
	case PPTP_START_CTRL_REPLY:
		m.start_rp = (struct pptp_start_ctrl_reply){ 0x0100, 3, 4, 0x1, 0x3, 9, 0x0a28,
			"srv", "pptpd" };
		break;
	case PPTP_STOP_CTRL_REQUEST:
		m.stop_rq.reason = PPTP_STOP_LOCAL_SHUTDOWN;
		break;
	case PPTP_STOP_CTRL_REPLY:
		m.stop_rp = (struct pptp_stop_ctrl_reply){ 2, 6 };
		break;
	case PPTP_ECHO_REQUEST:
		m.echo_rq.id = 0xDEADBEEF;
		break;
	case PPTP_ECHO_REPLY:
		m.echo_rp = (struct pptp_echo_reply){ 0xCAFEF00D, 2, 5 };
		break;
	case PPTP_OUT_CALL_REQUEST:
		m.ocrq = (struct pptp_out_call_request){ 1, 2, 300, 100000000, 3, 3, 64, 5, 11,
			"5551234", "sub" };
		break;
	case PPTP_OUT_CALL_REPLY:
		m.ocrp = (struct pptp_out_call_reply){ 1, 2, 7, 3, 0x99, 64000, 10, 11, 0xABCDEF01 };
		break;
	case PPTP_IN_CALL_REQUEST:
		m.icrq = (struct pptp_in_call_request){ 3, 4, 2, 0x11223344, 5, 6,
			"dialed", "dialing", "" };
		fill_str(m.icrq.subaddress, PPTP_STR_LEN, 's');
		break;
	case PPTP_IN_CALL_REPLY:
		m.icrp = (struct pptp_in_call_reply){ 5, 6, 3, 4, 16, 17 };
		break;
	case PPTP_IN_CALL_CONNECTED:
		m.iccn = (struct pptp_in_call_connected){ 7, 128000, 32, 33, 2 };
		break;
	case PPTP_CALL_CLEAR_REQUEST:
		m.ccrq.call_id = 0xFFFF;
		break;
	case PPTP_CALL_DISCONNECT_NOTIFY:
		m.cdn = (struct pptp_call_disconnect_notify){ 8, 4, 1, 0x1234, "" };
		fill_str(m.cdn.stats, PPTP_STATS_LEN, 'x');
		break;
	case PPTP_WAN_ERROR_NOTIFY:
		m.wen = (struct pptp_wan_error_notify){ 9, 1, 2, 3, 4, 5, 6 };
		break;
	case PPTP_SET_LINK_INFO:
		m.sli = (struct pptp_set_link_info){ 10, 0xFFFFFFFF, 0x000A0000 };
		break;
	}
	return m;
}

/* ---- every field of every type, placed by the RFC's layouts ---- */

/*
 * Written from RFC 2637 section 2 independently of the codec's own tables:
 * where each field of a message body (the bytes after the 12-byte header)
 * sits. The pattern message has body byte i = i + 1 (non-zero, distinct, so
 * every field holds a distinct value and strings fill their whole field),
 * except the reserved bytes, which are zero.
 */
static const struct {
	uint8_t at, n;  /* the one reserved run of the body, if n */
} body_reserved[PPTP_CTRL_TYPE_MAX + 1] = {
	[PPTP_START_CTRL_REQUEST] = { 2, 2 },  [PPTP_STOP_CTRL_REQUEST] = { 1, 3 },
	[PPTP_STOP_CTRL_REPLY] = { 2, 2 },     [PPTP_ECHO_REPLY] = { 6, 2 },
	[PPTP_OUT_CALL_REQUEST] = { 26, 2 },   [PPTP_IN_CALL_REPLY] = { 10, 2 },
	[PPTP_IN_CALL_CONNECTED] = { 2, 2 },   [PPTP_CALL_CLEAR_REQUEST] = { 2, 2 },
	[PPTP_CALL_DISCONNECT_NOTIFY] = { 6, 2 }, [PPTP_WAN_ERROR_NOTIFY] = { 2, 2 },
	[PPTP_SET_LINK_INFO] = { 2, 2 },
};

static bool is_reserved(unsigned t, size_t i)
{
	return i >= body_reserved[t].at && i < (size_t)body_reserved[t].at + body_reserved[t].n;
}

/* The pattern message of type t, on the wire. */
static size_t pattern_wire(unsigned t, uint8_t *wire)
{
	size_t len = pptp_msg_len(t);
	memset(wire, 0, len);
	store_be16(wire, (uint16_t)len);
	store_be16(wire + 2, PPTP_MSG_CONTROL);
	store_be32(wire + 4, PPTP_MAGIC_COOKIE);
	store_be16(wire + 8, (uint16_t)t);
	for (size_t i = 0; i < len - PPTP_HEADER_LEN; i++)
		if (!is_reserved(t, i))
			wire[PPTP_HEADER_LEN + i] = (uint8_t)(i + 1);
	return len;
}

static void str_at(char *dst, size_t n, const uint8_t *src)
{
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#define B16(o) load_be16(body + (o))
#define B32(o) load_be32(body + (o))
#define BSTR(dst, o) str_at(dst, sizeof(dst) - 1, body + (o))

/* The control connection messages of the pattern, as host structs. */
static void expect_ctrl(unsigned t, const uint8_t *body, struct pptp_msg *m)
{
	switch (t) {
	case PPTP_START_CTRL_REQUEST:
		m->start_rq = (struct pptp_start_ctrl_request){ B16(0), B32(4), B32(8), B16(12),
			B16(14), "", "" };
		BSTR(m->start_rq.host_name, 16);
		BSTR(m->start_rq.vendor, 80);
		break;
	case PPTP_START_CTRL_REPLY:
		m->start_rp = (struct pptp_start_ctrl_reply){ B16(0), body[2], body[3], B32(4),
			B32(8), B16(12), B16(14), "", "" };
		BSTR(m->start_rp.host_name, 16);
		BSTR(m->start_rp.vendor, 80);
		break;
	case PPTP_STOP_CTRL_REQUEST:
		m->stop_rq.reason = body[0];
		break;
	case PPTP_STOP_CTRL_REPLY:
		m->stop_rp = (struct pptp_stop_ctrl_reply){ body[0], body[1] };
		break;
	case PPTP_ECHO_REQUEST:
		m->echo_rq.id = B32(0);
		break;
	case PPTP_ECHO_REPLY:
		m->echo_rp = (struct pptp_echo_reply){ B32(0), body[4], body[5] };
		break;
	default:
		fail_msg("type %u is not a control connection message", t);
	}
}

/* The call messages of the pattern, as host structs. */
static void expect_call(unsigned t, const uint8_t *body, struct pptp_msg *m)
{
	switch (t) {
	case PPTP_OUT_CALL_REQUEST:
		m->ocrq = (struct pptp_out_call_request){ B16(0), B16(2), B32(4), B32(8), B32(12),
			B32(16), B16(20), B16(22), B16(24), "", "" };
		BSTR(m->ocrq.phone, 28);
		BSTR(m->ocrq.subaddress, 92);
		break;
	case PPTP_OUT_CALL_REPLY:
		m->ocrp = (struct pptp_out_call_reply){ B16(0), B16(2), body[4], body[5], B16(6),
			B32(8), B16(12), B16(14), B32(16) };
		break;
	case PPTP_IN_CALL_REQUEST:
		m->icrq = (struct pptp_in_call_request){ B16(0), B16(2), B32(4), B32(8), B16(12),
			B16(14), "", "", "" };
		BSTR(m->icrq.dialed, 16);
		BSTR(m->icrq.dialing, 80);
		BSTR(m->icrq.subaddress, 144);
		break;
	case PPTP_IN_CALL_REPLY:
		m->icrp = (struct pptp_in_call_reply){ B16(0), B16(2), body[4], body[5], B16(6),
			B16(8) };
		break;
	case PPTP_IN_CALL_CONNECTED:
		m->iccn = (struct pptp_in_call_connected){ B16(0), B32(4), B16(8), B16(10), B32(12) };
		break;
	case PPTP_CALL_CLEAR_REQUEST:
		m->ccrq.call_id = B16(0);
		break;
	case PPTP_CALL_DISCONNECT_NOTIFY:
		m->cdn = (struct pptp_call_disconnect_notify){ B16(0), body[2], body[3], B16(4), "" };
		BSTR(m->cdn.stats, 8);
		break;
	case PPTP_WAN_ERROR_NOTIFY:
		m->wen = (struct pptp_wan_error_notify){ B16(0), B32(4), B32(8), B32(12), B32(16),
			B32(20), B32(24) };
		break;
	case PPTP_SET_LINK_INFO:
		m->sli = (struct pptp_set_link_info){ B16(0), B32(4), B32(8) };
		break;
	default:
		fail_msg("type %u is not a call message", t);
	}
}

#undef B16
#undef B32
#undef BSTR

static void pattern_msg(unsigned t, const uint8_t *wire, struct pptp_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = (enum pptp_ctrl_type)t;
	if (t <= PPTP_ECHO_REPLY)
		expect_ctrl(t, wire + PPTP_HEADER_LEN, m);
	else
		expect_call(t, wire + PPTP_HEADER_LEN, m);
}

/* Every type with every field distinct: decode gives exactly the fields the
 * layout says, encode gives back exactly the bytes, and equality sees a
 * change in any byte of any field but none in a reserved byte. */
static void every_field_of_every_type(void **state)
{
	(void)state;
	for (unsigned t = 1; t <= PPTP_CTRL_TYPE_MAX; t++) {
		uint8_t wire[PPTP_MAX_MSG_LEN], out[PPTP_MAX_MSG_LEN], v[PPTP_MAX_MSG_LEN];
		struct pptp_msg want, got;
		size_t len = pattern_wire(t, wire);
		pattern_msg(t, wire, &want);

		assert_int_equal(pptp_msg_decode_bytes(wire, len, &got), PPTP_OK);
		assert_memory_equal(&got, &want, sizeof(got));
		assert_true(pptp_msg_equal(&got, &want));
		struct wbuf w;
		wbuf_init(&w, out, sizeof(out));
		assert_true(pptp_msg_encode(&w, &want));
		assert_int_equal(w.len, len);
		assert_memory_equal(out, wire, len);

		/* one byte changed: header Reserved0 (10, 11) and the body */
		for (size_t i = PPTP_HEADER_LEN - 2; i < len; i++) {
			memcpy(v, wire, len);
			v[i] ^= 0xFF;
			assert_int_equal(pptp_msg_decode_bytes(v, len, &got), PPTP_OK);
			bool ignored = i < PPTP_HEADER_LEN || is_reserved(t, i - PPTP_HEADER_LEN);
			if (pptp_msg_equal(&got, &want) != ignored)
				fail_msg("type %u byte %zu: change %s", t, i,
					 ignored ? "not ignored" : "not seen");
		}
	}
}

static void length_and_name_tables(void **state)
{
	(void)state;
	static const size_t want[16] = { 0, 156, 156, 16, 16, 16, 20, 168, 32, 220, 24, 28,
					 16, 148, 40, 24 };
	size_t max = 0;
	for (unsigned t = 0; t < 16; t++) {
		assert_int_equal(pptp_msg_len(t), want[t]);
		if (want[t] > max)
			max = want[t];
	}
	assert_int_equal(max, PPTP_MAX_MSG_LEN);
	assert_int_equal(pptp_msg_len(16), 0);
	assert_int_equal(pptp_msg_len(0xFFFF), 0);
	assert_string_equal(pptp_msg_name(PPTP_START_CTRL_REQUEST), "Start-Control-Connection-Request");
	assert_string_equal(pptp_msg_name(PPTP_OUT_CALL_REQUEST), "Outgoing-Call-Request");
	assert_string_equal(pptp_msg_name(PPTP_SET_LINK_INFO), "Set-Link-Info");
	assert_string_equal(pptp_msg_name(0), "Unknown");
	assert_string_equal(pptp_msg_name(16), "Unknown");
	assert_string_equal(pptp_err_name(PPTP_E_BAD_MAGIC), "bad-magic-cookie");
}

static void every_type_round_trips(void **state)
{
	(void)state;
	for (unsigned t = 1; t <= PPTP_CTRL_TYPE_MAX; t++) {
		struct pptp_msg in = sample((enum pptp_ctrl_type)t), out;
		uint8_t buf[PPTP_MAX_MSG_LEN + 8];
		struct wbuf w;
		wbuf_init(&w, buf, sizeof(buf));
		assert_true(pptp_msg_encode(&w, &in));
		assert_int_equal(w.len, pptp_msg_len(t));
		/* header: length, type 1, cookie, control type, reserved 0 */
		assert_int_equal(load_be16(buf), pptp_msg_len(t));
		assert_int_equal(load_be16(buf + 2), 1);
		assert_int_equal(load_be32(buf + 4), 0x1A2B3C4D);
		assert_int_equal(load_be16(buf + 8), t);
		assert_int_equal(load_be16(buf + 10), 0);

		memset(&out, 0xA5, sizeof(out));
		assert_int_equal(pptp_msg_decode_bytes(buf, w.len, &out), PPTP_OK);
		assert_int_equal(out.type, t);
		assert_true(pptp_msg_equal(&in, &out));

		/* and the decoded message encodes to the same bytes */
		uint8_t again[PPTP_MAX_MSG_LEN];
		struct wbuf w2;
		wbuf_init(&w2, again, sizeof(again));
		assert_true(pptp_msg_encode(&w2, &out));
		assert_int_equal(w2.len, w.len);
		assert_memory_equal(again, buf, w.len);
	}
}

static void equal_sees_each_change(void **state)
{
	(void)state;
	struct pptp_msg a = sample(PPTP_OUT_CALL_REQUEST), b = a;
	assert_true(pptp_msg_equal(&a, &b));
	b.ocrq.recv_window++;
	assert_false(pptp_msg_equal(&a, &b));
	b = a;
	b.ocrq.phone[2] = 'X';
	assert_false(pptp_msg_equal(&a, &b));
	b = a;
	b.type = PPTP_OUT_CALL_REPLY;
	assert_false(pptp_msg_equal(&a, &b));
	a = sample(PPTP_WAN_ERROR_NOTIFY);
	b = a;
	b.wen.alignment_errors = 0;
	assert_false(pptp_msg_equal(&a, &b));
}

static void decodes_pptp_linux_start_request(void **state)
{
	(void)state;
	struct pptp_msg m;
	assert_int_equal(pptp_msg_decode_bytes(pptp_linux_sccrq, sizeof(pptp_linux_sccrq), &m), PPTP_OK);
	assert_int_equal(m.type, PPTP_START_CTRL_REQUEST);
	assert_int_equal(m.start_rq.version, PPTP_VERSION);
	/* no synchronous framing bit: still decodes */
	assert_int_equal(m.start_rq.framing_caps, PPTP_FRAMING_ASYNC);
	assert_int_equal(m.start_rq.bearer_caps, PPTP_BEARER_ANALOG);
	assert_int_equal(m.start_rq.max_channels, 65535);
	assert_int_equal(m.start_rq.firmware_rev, 0x0100);
	assert_string_equal(m.start_rq.host_name, "local");
	assert_string_equal(m.start_rq.vendor, "cananian");

	uint8_t buf[156];
	struct wbuf w;
	wbuf_init(&w, buf, sizeof(buf));
	assert_true(pptp_msg_encode(&w, &m));
	assert_memory_equal(buf, pptp_linux_sccrq, sizeof(buf));

	assert_int_equal(pptp_msg_decode_bytes(windows_sccrq, sizeof(windows_sccrq), &m), PPTP_OK);
	assert_string_equal(m.start_rq.host_name, "");
	assert_string_equal(m.start_rq.vendor, "Microsoft");
	assert_int_equal(m.start_rq.firmware_rev, 0x0a28);
	assert_int_equal(m.start_rq.max_channels, 0);
}

static void decodes_outgoing_call_requests(void **state)
{
	(void)state;
	struct pptp_msg m;
	assert_int_equal(pptp_msg_decode_bytes(pptp_linux_ocrq, sizeof(pptp_linux_ocrq), &m), PPTP_OK);
	assert_int_equal(m.type, PPTP_OUT_CALL_REQUEST);
	assert_int_equal(m.ocrq.call_id, 0);
	assert_int_equal(m.ocrq.call_serial, 0);
	assert_int_equal(m.ocrq.min_bps, 2400);
	assert_int_equal(m.ocrq.max_bps, 10000000);
	assert_int_equal(m.ocrq.bearer_type, PPTP_BEARER_EITHER);
	assert_int_equal(m.ocrq.framing_type, PPTP_FRAMING_EITHER);
	assert_int_equal(m.ocrq.recv_window, 3);
	assert_int_equal(m.ocrq.proc_delay, 0);
	assert_int_equal(m.ocrq.phone_len, 0);
	assert_string_equal(m.ocrq.phone, "");
	assert_string_equal(m.ocrq.subaddress, "");

	assert_int_equal(pptp_msg_decode_bytes(windows_ocrq, sizeof(windows_ocrq), &m), PPTP_OK);
	assert_int_equal(m.ocrq.call_id, 0x4000);
	assert_int_equal(m.ocrq.call_serial, 1);
	assert_int_equal(m.ocrq.min_bps, 300);
	assert_int_equal(m.ocrq.max_bps, 100000000);
	assert_int_equal(m.ocrq.recv_window, 64);
}

static void reserved_fields_ignored_and_zeroed(void **state)
{
	(void)state;
	uint8_t v[168];
	memcpy(v, windows_ocrq, sizeof(v));
	v[10] = v[11] = 0xFF;   /* Reserved0 */
	v[38] = v[39] = 0xFF;   /* Reserved1 */
	struct pptp_msg m;
	assert_int_equal(pptp_msg_decode_bytes(v, sizeof(v), &m), PPTP_OK);
	uint8_t out[168];
	struct wbuf w;
	wbuf_init(&w, out, sizeof(out));
	assert_true(pptp_msg_encode(&w, &m));
	assert_memory_equal(out, windows_ocrq, sizeof(out));

	/* the request's Reserved1 (where a reply has its result) */
	memcpy(v, pptp_linux_sccrq, 156);
	v[14] = 0x12;
	v[15] = 0x34;
	assert_int_equal(pptp_msg_decode_bytes(v, 156, &m), PPTP_OK);
	wbuf_init(&w, out, sizeof(out));
	assert_true(pptp_msg_encode(&w, &m));
	assert_memory_equal(out, pptp_linux_sccrq, 156);
}

static enum pptp_err decode_modified(const uint8_t *src, size_t len, size_t at, uint16_t be16)
{
	uint8_t v[PPTP_MAX_MSG_LEN + 16];
	memset(v, 0, sizeof(v));
	memcpy(v, src, len);
	if (at + 1 < sizeof(v))
		store_be16(v + at, be16);
	struct pptp_msg m;
	return pptp_msg_decode_bytes(v, sizeof(v), &m);
}

static void malformed_messages_rejected(void **state)
{
	(void)state;
	const uint8_t *s = pptp_linux_sccrq;
	size_t n = sizeof(pptp_linux_sccrq);
	struct pptp_msg m;

	assert_int_equal(decode_modified(s, n, 999, 0), PPTP_OK);
	/* wrong magic cookie */
	assert_int_equal(decode_modified(s, n, 4, 0x1A2C), PPTP_E_BAD_MAGIC);
	assert_int_equal(decode_modified(s, n, 6, 0x0000), PPTP_E_BAD_MAGIC);
	/* wrong PPTP message type: management (2) and garbage */
	assert_int_equal(decode_modified(s, n, 2, 2), PPTP_E_BAD_MSG_TYPE);
	assert_int_equal(decode_modified(s, n, 2, 0), PPTP_E_BAD_MSG_TYPE);
	/* length too short for the type, too long for the type */
	assert_int_equal(decode_modified(s, n, 0, 16), PPTP_E_BAD_LENGTH);
	assert_int_equal(decode_modified(s, n, 0, 155), PPTP_E_BAD_LENGTH);
	assert_int_equal(decode_modified(s, n, 0, 157), PPTP_E_BAD_LENGTH);
	assert_int_equal(decode_modified(s, n, 0, 168), PPTP_E_BAD_LENGTH);
	/* length below the header or above the largest message */
	assert_int_equal(decode_modified(s, n, 0, 11), PPTP_E_BAD_LENGTH);
	assert_int_equal(decode_modified(s, n, 0, 0), PPTP_E_BAD_LENGTH);
	assert_int_equal(decode_modified(s, n, 0, 221), PPTP_E_BAD_LENGTH);
	assert_int_equal(decode_modified(s, n, 0, 0xFFFF), PPTP_E_BAD_LENGTH);
	/* unknown control message types */
	assert_int_equal(decode_modified(s, n, 8, 0), PPTP_E_UNKNOWN_TYPE);
	assert_int_equal(decode_modified(s, n, 8, 16), PPTP_E_UNKNOWN_TYPE);
	assert_int_equal(decode_modified(s, n, 8, 0x0101), PPTP_E_UNKNOWN_TYPE);
	/* a type whose exact length differs from the Length field */
	assert_int_equal(decode_modified(s, n, 8, PPTP_OUT_CALL_REQUEST), PPTP_E_BAD_LENGTH);
	assert_int_equal(decode_modified(s, n, 8, PPTP_START_CTRL_REPLY), PPTP_OK);

	/* truncated: every prefix of a valid message */
	for (size_t len = 0; len < n; len++)
		assert_int_equal(pptp_msg_decode_bytes(s, len, &m), PPTP_E_TRUNCATED);
	assert_int_equal(pptp_msg_decode_bytes(NULL, 0, &m), PPTP_E_TRUNCATED);
}

static void full_width_strings_without_nul(void **state)
{
	(void)state;
	uint8_t v[156];
	memcpy(v, pptp_linux_sccrq, sizeof(v));
	memset(v + 28, 'H', 64);           /* host name fills its field */
	memset(v + 92, 'V', 64);           /* vendor fills its field, up to the end */
	struct pptp_msg m;
	assert_int_equal(pptp_msg_decode_bytes(v, sizeof(v), &m), PPTP_OK);
	assert_int_equal(strlen(m.start_rq.host_name), 64);
	assert_int_equal(strlen(m.start_rq.vendor), 64);
	assert_int_equal(m.start_rq.host_name[63], 'H');
	assert_int_equal(m.start_rq.vendor[0], 'V');

	/* cut at the first NUL; bytes after it are not part of the string */
	v[28 + 3] = 0;
	v[92 + 1] = 0;
	assert_int_equal(pptp_msg_decode_bytes(v, sizeof(v), &m), PPTP_OK);
	assert_string_equal(m.start_rq.host_name, "HHH");
	assert_string_equal(m.start_rq.vendor, "V");

	/* Call-Disconnect-Notify statistics fill 128 bytes */
	uint8_t cdn[148] = { 0x00, 0x94, 0x00, 0x01, 0x1a, 0x2b, 0x3c, 0x4d, 0x00, 0x0d };
	memset(cdn + 20, 'S', 128);
	assert_int_equal(pptp_msg_decode_bytes(cdn, sizeof(cdn), &m), PPTP_OK);
	assert_int_equal(strlen(m.cdn.stats), 128);

	/* an unterminated host string is cut to its field when encoding */
	struct pptp_msg big = sample(PPTP_START_CTRL_REQUEST);
	memset(big.start_rq.host_name, 'z', sizeof(big.start_rq.host_name));
	uint8_t out[156];
	struct wbuf w;
	wbuf_init(&w, out, sizeof(out));
	assert_true(pptp_msg_encode(&w, &big));
	assert_int_equal(out[28 + 63], 'z');
	assert_int_equal(out[92], 'v');
}

static void non_printable_bytes_are_kept_and_sanitised(void **state)
{
	(void)state;
	uint8_t v[156];
	memcpy(v, pptp_linux_sccrq, sizeof(v));
	memcpy(v + 28, "a\nb\x1b[31m\"\\\xff", 11);
	struct pptp_msg m;
	assert_int_equal(pptp_msg_decode_bytes(v, sizeof(v), &m), PPTP_OK);
	assert_int_equal(strlen(m.start_rq.host_name), 11);
	assert_memory_equal(m.start_rq.host_name, "a\nb\x1b[31m\"\\\xff", 11);

	/* what the server logs of it: the one escaping rule (common/log.h) */
	assert_string_equal(LOG_ESC(m.start_rq.host_name), "\"a\\x0ab\\x1b[31m\\\"\\\\\\xff\"");

	/* worst case: a whole field of escapes fits */
	char worst[PPTP_STR_LEN + 1];
	fill_str(worst, PPTP_STR_LEN, '\x01');
	assert_int_equal(strlen(LOG_ESC(worst)), 2 + PPTP_STR_LEN * 4);
}

static void encode_refuses_bad_input(void **state)
{
	(void)state;
	uint8_t buf[PPTP_MAX_MSG_LEN];
	struct wbuf w;
	struct pptp_msg m = sample(PPTP_ECHO_REPLY);
	wbuf_init(&w, buf, 19);
	assert_false(pptp_msg_encode(&w, &m));
	assert_false(wbuf_ok(&w));
	wbuf_init(&w, buf, 20);
	assert_true(pptp_msg_encode(&w, &m));
	m.type = (enum pptp_ctrl_type)0;
	wbuf_init(&w, buf, sizeof(buf));
	assert_false(pptp_msg_encode(&w, &m));
	assert_int_equal(w.len, 0);
	m.type = (enum pptp_ctrl_type)16;
	assert_false(pptp_msg_encode(&w, &m));
}

/* A stream: Start request, Echo-Request, Outgoing-Call-Request, Set-Link-Info. */
static size_t make_stream(uint8_t *buf, size_t cap, size_t *lens)
{
	static const enum pptp_ctrl_type types[4] = {
		PPTP_START_CTRL_REQUEST, PPTP_ECHO_REQUEST, PPTP_OUT_CALL_REQUEST, PPTP_SET_LINK_INFO,
	};
	struct wbuf w;
	wbuf_init(&w, buf, cap);
	for (int i = 0; i < 4; i++) {
		struct pptp_msg m = sample(types[i]);
		size_t before = w.len;
		assert_true(pptp_msg_encode(&w, &m));
		lens[i] = w.len - before;
	}
	return w.len;
}

static void framing_several_messages_in_one_buffer(void **state)
{
	(void)state;
	uint8_t buf[600];
	size_t lens[4];
	size_t total = make_stream(buf, sizeof(buf), lens);
	size_t off = 0, n;
	enum pptp_err err;
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pptp_frame(buf + off, total - off, &n, &err), PPTP_FRAME_READY);
		assert_int_equal(n, lens[i]);
		struct pptp_msg m;
		struct rbuf r;
		rbuf_init(&r, buf + off, total - off);
		assert_int_equal(pptp_msg_decode(&r, &m), PPTP_OK);
		assert_int_equal(r.off, n);  /* exactly one message consumed */
		off += n;
	}
	assert_int_equal(off, total);
	assert_int_equal(pptp_frame(buf + off, 0, &n, &err), PPTP_FRAME_NEED_MORE);
}

static void framing_one_byte_at_a_time(void **state)
{
	(void)state;
	uint8_t stream[600];
	size_t lens[4];
	size_t total = make_stream(stream, sizeof(stream), lens);
	uint8_t rx[PPTP_MAX_MSG_LEN];
	size_t have = 0, got = 0;
	enum pptp_ctrl_type seen[4];

	for (size_t i = 0; i < total; i++) {
		rx[have++] = stream[i];
		size_t n;
		enum pptp_err err;
		enum pptp_frame_status st = pptp_frame(rx, have, &n, &err);
		assert_int_not_equal(st, PPTP_FRAME_ERROR);
		if (st == PPTP_FRAME_NEED_MORE) {
			/* once the length has arrived it is announced */
			if (have >= 2)
				assert_int_equal(n, lens[got]);
			continue;
		}
		assert_int_equal(n, have);
		assert_int_equal(n, lens[got]);
		struct pptp_msg m;
		assert_int_equal(pptp_msg_decode_bytes(rx, n, &m), PPTP_OK);
		struct pptp_msg want = sample(m.type);
		assert_true(pptp_msg_equal(&m, &want));
		seen[got++] = m.type;
		have = 0;
	}
	assert_int_equal(got, 4);
	assert_int_equal(seen[0], PPTP_START_CTRL_REQUEST);
	assert_int_equal(seen[3], PPTP_SET_LINK_INFO);
}

static enum pptp_err frame_err_at_every_split(const uint8_t *msg, size_t len, size_t *first_bad)
{
	enum pptp_err err = PPTP_OK;
	*first_bad = 0;
	for (size_t have = 0; have <= len; have++) {
		size_t n;
		if (pptp_frame(msg, have, &n, &err) == PPTP_FRAME_ERROR) {
			*first_bad = have;
			return err;
		}
	}
	return PPTP_OK;
}

static void framing_errors(void **state)
{
	(void)state;
	uint8_t v[156];
	size_t at;

	memcpy(v, pptp_linux_sccrq, sizeof(v));
	assert_int_equal(frame_err_at_every_split(v, sizeof(v), &at), PPTP_OK);

	store_be16(v, 11);
	assert_int_equal(frame_err_at_every_split(v, sizeof(v), &at), PPTP_E_BAD_LENGTH);
	assert_int_equal(at, 2);  /* known as soon as the length has arrived */
	store_be16(v, 221);
	assert_int_equal(frame_err_at_every_split(v, sizeof(v), &at), PPTP_E_BAD_LENGTH);
	store_be16(v, 0);
	assert_int_equal(frame_err_at_every_split(v, sizeof(v), &at), PPTP_E_BAD_LENGTH);

	memcpy(v, pptp_linux_sccrq, sizeof(v));
	store_be16(v + 2, 2);
	assert_int_equal(frame_err_at_every_split(v, sizeof(v), &at), PPTP_E_BAD_MSG_TYPE);
	assert_int_equal(at, 4);

	memcpy(v, pptp_linux_sccrq, sizeof(v));
	v[7] = 0x4e;
	assert_int_equal(frame_err_at_every_split(v, sizeof(v), &at), PPTP_E_BAD_MAGIC);
	assert_int_equal(at, 8);

	/* framing passes an unknown type or a wrong length for the type; decode does not */
	memcpy(v, pptp_linux_sccrq, sizeof(v));
	store_be16(v + 8, 99);
	size_t n;
	enum pptp_err err;
	assert_int_equal(pptp_frame(v, sizeof(v), &n, &err), PPTP_FRAME_READY);
	assert_int_equal(n, 156);
	struct pptp_msg m;
	assert_int_equal(pptp_msg_decode_bytes(v, n, &m), PPTP_E_UNKNOWN_TYPE);

	/* need-more before the header is complete even for a short length */
	memcpy(v, pptp_linux_sccrq, sizeof(v));
	store_be16(v, 12);
	assert_int_equal(pptp_frame(v, 11, &n, &err), PPTP_FRAME_NEED_MORE);
	assert_int_equal(pptp_frame(v, 12, &n, &err), PPTP_FRAME_READY);
	assert_int_equal(n, 12);
	assert_int_equal(pptp_msg_decode_bytes(v, n, &m), PPTP_E_BAD_LENGTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(length_and_name_tables),
		cmocka_unit_test(every_type_round_trips),
		cmocka_unit_test(every_field_of_every_type),
		cmocka_unit_test(equal_sees_each_change),
		cmocka_unit_test(decodes_pptp_linux_start_request),
		cmocka_unit_test(decodes_outgoing_call_requests),
		cmocka_unit_test(reserved_fields_ignored_and_zeroed),
		cmocka_unit_test(malformed_messages_rejected),
		cmocka_unit_test(full_width_strings_without_nul),
		cmocka_unit_test(non_printable_bytes_are_kept_and_sanitised),
		cmocka_unit_test(encode_refuses_bad_input),
		cmocka_unit_test(framing_several_messages_in_one_buffer),
		cmocka_unit_test(framing_one_byte_at_a_time),
		cmocka_unit_test(framing_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
