#include "common/pptp_msg.h"

#include <stddef.h>
#include <string.h>

/*
 * Each message body is a list of fields in wire order; one loop each reads,
 * writes and compares them. A field names its member of struct pptp_msg by
 * offset, and the macros below refuse to compile unless the member's size
 * matches the field's wire width (a string member holds width + 1 bytes), so
 * no table entry can reach past its member.
 */
enum field_kind {
	F_U8,
	F_U16,       /* big-endian */
	F_U32,       /* big-endian */
	F_STR,       /* width bytes, NUL-padded: a NUL-terminated host string */
	F_RESERVED,  /* width bytes: ignored on decode, zero on encode */
};

struct field {
	uint8_t kind;
	uint8_t width;   /* bytes on the wire */
	uint16_t off;    /* of the member in struct pptp_msg; 0 for F_RESERVED */
};

#define MEMBER_OFF(member, size)                                                        \
	(offsetof(struct pptp_msg, member) + 0 * sizeof(struct {                          \
		_Static_assert(sizeof(((struct pptp_msg *)0)->member) == (size),          \
			       #member " does not match its wire width");                 \
		int unused;                                                               \
	}))
#define U8(m)       { F_U8, 1, MEMBER_OFF(m, 1) }
#define U16(m)      { F_U16, 2, MEMBER_OFF(m, 2) }
#define U32(m)      { F_U32, 4, MEMBER_OFF(m, 4) }
#define STR(m, n)   { F_STR, n, MEMBER_OFF(m, (n) + 1) }
#define RESERVED(n) { F_RESERVED, n, 0 }

/* The message bodies of RFC 2637 section 2, fields in wire order. */
static const struct field sccrq[] = {
	U16(start_rq.version), RESERVED(2),
	U32(start_rq.framing_caps), U32(start_rq.bearer_caps),
	U16(start_rq.max_channels), U16(start_rq.firmware_rev),
	STR(start_rq.host_name, PPTP_STR_LEN), STR(start_rq.vendor, PPTP_STR_LEN),
};
static const struct field sccrp[] = {
	U16(start_rp.version), U8(start_rp.result), U8(start_rp.error),
	U32(start_rp.framing_caps), U32(start_rp.bearer_caps),
	U16(start_rp.max_channels), U16(start_rp.firmware_rev),
	STR(start_rp.host_name, PPTP_STR_LEN), STR(start_rp.vendor, PPTP_STR_LEN),
};
static const struct field stopccrq[] = { U8(stop_rq.reason), RESERVED(3) };
static const struct field stopccrp[] = {
	U8(stop_rp.result), U8(stop_rp.error), RESERVED(2),
};
static const struct field echorq[] = { U32(echo_rq.id) };
static const struct field echorp[] = {
	U32(echo_rp.id), U8(echo_rp.result), U8(echo_rp.error), RESERVED(2),
};
static const struct field ocrq[] = {
	U16(ocrq.call_id), U16(ocrq.call_serial), U32(ocrq.min_bps), U32(ocrq.max_bps),
	U32(ocrq.bearer_type), U32(ocrq.framing_type),
	U16(ocrq.recv_window), U16(ocrq.proc_delay), U16(ocrq.phone_len), RESERVED(2),
	STR(ocrq.phone, PPTP_STR_LEN), STR(ocrq.subaddress, PPTP_STR_LEN),
};
static const struct field ocrp[] = {
	U16(ocrp.call_id), U16(ocrp.peer_call_id),
	U8(ocrp.result), U8(ocrp.error), U16(ocrp.cause), U32(ocrp.connect_speed),
	U16(ocrp.recv_window), U16(ocrp.proc_delay), U32(ocrp.phys_channel_id),
};
static const struct field icrq[] = {
	U16(icrq.call_id), U16(icrq.call_serial), U32(icrq.bearer_type),
	U32(icrq.phys_channel_id), U16(icrq.dialed_len), U16(icrq.dialing_len),
	STR(icrq.dialed, PPTP_STR_LEN), STR(icrq.dialing, PPTP_STR_LEN),
	STR(icrq.subaddress, PPTP_STR_LEN),
};
static const struct field icrp[] = {
	U16(icrp.call_id), U16(icrp.peer_call_id), U8(icrp.result), U8(icrp.error),
	U16(icrp.recv_window), U16(icrp.transmit_delay), RESERVED(2),
};
static const struct field iccn[] = {
	U16(iccn.peer_call_id), RESERVED(2), U32(iccn.connect_speed),
	U16(iccn.recv_window), U16(iccn.transmit_delay), U32(iccn.framing_type),
};
static const struct field ccrq[] = { U16(ccrq.call_id), RESERVED(2) };
static const struct field cdn[] = {
	U16(cdn.call_id), U8(cdn.result), U8(cdn.error), U16(cdn.cause), RESERVED(2),
	STR(cdn.stats, PPTP_STATS_LEN),
};
static const struct field wen[] = {
	U16(wen.peer_call_id), RESERVED(2), U32(wen.crc_errors), U32(wen.framing_errors),
	U32(wen.hw_overruns), U32(wen.buf_overruns), U32(wen.timeout_errors),
	U32(wen.alignment_errors),
};
static const struct field sli[] = {
	U16(sli.peer_call_id), RESERVED(2), U32(sli.send_accm), U32(sli.recv_accm),
};

/* Per type: the RFC's name, the exact length (header included) and the body. */
static const struct {
	const char *name;
	uint16_t len;
	uint8_t nfields;
	const struct field *fields;
} msg_table[PPTP_CTRL_TYPE_MAX + 1] = {
#define MSG(type, name, len, f) [type] = { name, len, sizeof(f) / sizeof((f)[0]), f }
	MSG(PPTP_START_CTRL_REQUEST, "Start-Control-Connection-Request", 156, sccrq),
	MSG(PPTP_START_CTRL_REPLY, "Start-Control-Connection-Reply", 156, sccrp),
	MSG(PPTP_STOP_CTRL_REQUEST, "Stop-Control-Connection-Request", 16, stopccrq),
	MSG(PPTP_STOP_CTRL_REPLY, "Stop-Control-Connection-Reply", 16, stopccrp),
	MSG(PPTP_ECHO_REQUEST, "Echo-Request", 16, echorq),
	MSG(PPTP_ECHO_REPLY, "Echo-Reply", 20, echorp),
	MSG(PPTP_OUT_CALL_REQUEST, "Outgoing-Call-Request", 168, ocrq),
	MSG(PPTP_OUT_CALL_REPLY, "Outgoing-Call-Reply", 32, ocrp),
	MSG(PPTP_IN_CALL_REQUEST, "Incoming-Call-Request", 220, icrq),
	MSG(PPTP_IN_CALL_REPLY, "Incoming-Call-Reply", 24, icrp),
	MSG(PPTP_IN_CALL_CONNECTED, "Incoming-Call-Connected", 28, iccn),
	MSG(PPTP_CALL_CLEAR_REQUEST, "Call-Clear-Request", 16, ccrq),
	MSG(PPTP_CALL_DISCONNECT_NOTIFY, "Call-Disconnect-Notify", 148, cdn),
	MSG(PPTP_WAN_ERROR_NOTIFY, "WAN-Error-Notify", 40, wen),
	MSG(PPTP_SET_LINK_INFO, "Set-Link-Info", 24, sli),
#undef MSG
};

#undef MEMBER_OFF
#undef U8
#undef U16
#undef U32
#undef STR
#undef RESERVED

size_t pptp_msg_len(unsigned type)
{
	return type >= 1 && type <= PPTP_CTRL_TYPE_MAX ? msg_table[type].len : 0;
}

const char *pptp_msg_name(unsigned type)
{
	return type >= 1 && type <= PPTP_CTRL_TYPE_MAX ? msg_table[type].name : "Unknown";
}

const char *pptp_err_name(enum pptp_err err)
{
	switch (err) {
	case PPTP_OK:             return "ok";
	case PPTP_E_TRUNCATED:    return "truncated";
	case PPTP_E_BAD_LENGTH:   return "bad-length";
	case PPTP_E_BAD_MSG_TYPE: return "bad-pptp-message-type";
	case PPTP_E_BAD_MAGIC:    return "bad-magic-cookie";
	case PPTP_E_UNKNOWN_TYPE: return "unknown-control-type";
	}
	return "unknown-error";
}

/*
 * Header checks in wire order, on however many header bytes there are: a
 * field is judged as soon as it has fully arrived.
 */
static enum pptp_err check_header_prefix(const uint8_t *p, size_t avail)
{
	if (avail >= 2) {
		uint16_t len = load_be16(p);
		if (len < PPTP_HEADER_LEN || len > PPTP_MAX_MSG_LEN)
			return PPTP_E_BAD_LENGTH;
	}
	if (avail >= 4 && load_be16(p + 2) != PPTP_MSG_CONTROL)
		return PPTP_E_BAD_MSG_TYPE;
	if (avail >= 8 && load_be32(p + 4) != PPTP_MAGIC_COOKIE)
		return PPTP_E_BAD_MAGIC;
	return PPTP_OK;
}

enum pptp_frame_status pptp_frame(const uint8_t *p, size_t avail, size_t *msg_len,
				  enum pptp_err *err)
{
	*err = check_header_prefix(p, avail);
	*msg_len = PPTP_HEADER_LEN;
	if (*err != PPTP_OK)
		return PPTP_FRAME_ERROR;
	if (avail < 2)
		return PPTP_FRAME_NEED_MORE;
	*msg_len = load_be16(p);
	if (avail < PPTP_HEADER_LEN || avail < *msg_len)
		return PPTP_FRAME_NEED_MORE;
	return PPTP_FRAME_READY;
}

/* A fixed-size string field into a NUL-terminated host string of size n + 1. */
static void get_str(struct rbuf *r, char *dst, size_t n)
{
	const uint8_t *src = rbuf_take(r, n);
	size_t i = 0;
	if (src)
		for (; i < n && src[i]; i++)
			dst[i] = (char)src[i];
	memset(dst + i, 0, n + 1 - i);
}

static void put_str(struct wbuf *w, const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	wbuf_bytes(w, s, len);
	wbuf_zero(w, n - len);
}

/* The member a field describes, in m. */
static void *member(struct pptp_msg *m, const struct field *f)
{
	return (char *)m + f->off;
}

static const void *cmember(const struct pptp_msg *m, const struct field *f)
{
	return (const char *)m + f->off;
}

static void decode_body(struct rbuf *r, struct pptp_msg *m)
{
	const struct field *f = msg_table[m->type].fields;
	for (size_t i = 0; i < msg_table[m->type].nfields; i++, f++) {
		switch (f->kind) {
		case F_U8:       rbuf_u8(r, member(m, f)); break;
		case F_U16:      rbuf_be16(r, member(m, f)); break;
		case F_U32:      rbuf_be32(r, member(m, f)); break;
		case F_STR:      get_str(r, member(m, f), f->width); break;
		case F_RESERVED: rbuf_skip(r, f->width); break;
		}
	}
}

enum pptp_err pptp_msg_decode(struct rbuf *r, struct pptp_msg *m)
{
	uint16_t len, msg_type, ctrl_type;
	uint32_t magic;
	struct rbuf body;

	memset(m, 0, sizeof(*m));
	if (rbuf_left(r) < PPTP_HEADER_LEN)
		return PPTP_E_TRUNCATED;
	rbuf_be16(r, &len);
	rbuf_be16(r, &msg_type);
	rbuf_be32(r, &magic);
	rbuf_be16(r, &ctrl_type);
	rbuf_skip(r, 2);
	if (len < PPTP_HEADER_LEN || len > PPTP_MAX_MSG_LEN)
		return PPTP_E_BAD_LENGTH;
	if (msg_type != PPTP_MSG_CONTROL)
		return PPTP_E_BAD_MSG_TYPE;
	if (magic != PPTP_MAGIC_COOKIE)
		return PPTP_E_BAD_MAGIC;
	if (pptp_msg_len(ctrl_type) == 0)
		return PPTP_E_UNKNOWN_TYPE;
	if (len != pptp_msg_len(ctrl_type))
		return PPTP_E_BAD_LENGTH;
	if (!rbuf_sub(r, len - PPTP_HEADER_LEN, &body))
		return PPTP_E_TRUNCATED;
	m->type = (enum pptp_ctrl_type)ctrl_type;
	decode_body(&body, m);
	/* The table and the layouts agree: the body is read exactly. */
	if (!rbuf_ok(&body) || rbuf_left(&body) != 0)
		return PPTP_E_BAD_LENGTH;
	return PPTP_OK;
}

enum pptp_err pptp_msg_decode_bytes(const uint8_t *p, size_t len, struct pptp_msg *m)
{
	struct rbuf r;
	rbuf_init(&r, p, len);
	return pptp_msg_decode(&r, m);
}

static void encode_body(struct wbuf *w, const struct pptp_msg *m)
{
	const struct field *f = msg_table[m->type].fields;
	for (size_t i = 0; i < msg_table[m->type].nfields; i++, f++) {
		const void *v = cmember(m, f);
		switch (f->kind) {
		case F_U8:       wbuf_u8(w, *(const uint8_t *)v); break;
		case F_U16:      wbuf_be16(w, *(const uint16_t *)v); break;
		case F_U32:      wbuf_be32(w, *(const uint32_t *)v); break;
		case F_STR:      put_str(w, v, f->width); break;
		case F_RESERVED: wbuf_zero(w, f->width); break;
		}
	}
}

bool pptp_msg_encode(struct wbuf *w, const struct pptp_msg *m)
{
	size_t len = pptp_msg_len(m->type);
	size_t start = w->len;

	if (len == 0)
		return false;
	if (wbuf_room(w) < len) {
		w->err = true;
		return false;
	}
	wbuf_be16(w, (uint16_t)len);
	wbuf_be16(w, PPTP_MSG_CONTROL);
	wbuf_be32(w, PPTP_MAGIC_COOKIE);
	wbuf_be16(w, (uint16_t)m->type);
	wbuf_zero(w, 2);
	encode_body(w, m);
	/* Catches a layout that disagrees with the length table. */
	return wbuf_ok(w) && w->len - start == len;
}

bool pptp_msg_equal(const struct pptp_msg *a, const struct pptp_msg *b)
{
	if (a->type != b->type || pptp_msg_len(a->type) == 0)
		return false;
	const struct field *f = msg_table[a->type].fields;
	for (size_t i = 0; i < msg_table[a->type].nfields; i++, f++) {
		const void *x = cmember(a, f), *y = cmember(b, f);
		bool same = true;
		switch (f->kind) {
		case F_U8:
		case F_U16:
		case F_U32:      same = memcmp(x, y, f->width) == 0; break;
		case F_STR:      same = strncmp(x, y, f->width) == 0; break;
		case F_RESERVED: break;
		}
		if (!same)
			return false;
	}
	return true;
}
