#include "common/pptp_msg.h"

#include <string.h>

static const struct {
	const char *name;
	uint16_t len;
} msg_table[PPTP_CTRL_TYPE_MAX + 1] = {
	[PPTP_START_CTRL_REQUEST]     = { "Start-Control-Connection-Request", 156 },
	[PPTP_START_CTRL_REPLY]       = { "Start-Control-Connection-Reply", 156 },
	[PPTP_STOP_CTRL_REQUEST]      = { "Stop-Control-Connection-Request", 16 },
	[PPTP_STOP_CTRL_REPLY]        = { "Stop-Control-Connection-Reply", 16 },
	[PPTP_ECHO_REQUEST]           = { "Echo-Request", 16 },
	[PPTP_ECHO_REPLY]             = { "Echo-Reply", 20 },
	[PPTP_OUT_CALL_REQUEST]       = { "Outgoing-Call-Request", 168 },
	[PPTP_OUT_CALL_REPLY]         = { "Outgoing-Call-Reply", 32 },
	[PPTP_IN_CALL_REQUEST]        = { "Incoming-Call-Request", 220 },
	[PPTP_IN_CALL_REPLY]          = { "Incoming-Call-Reply", 24 },
	[PPTP_IN_CALL_CONNECTED]      = { "Incoming-Call-Connected", 28 },
	[PPTP_CALL_CLEAR_REQUEST]     = { "Call-Clear-Request", 16 },
	[PPTP_CALL_DISCONNECT_NOTIFY] = { "Call-Disconnect-Notify", 148 },
	[PPTP_WAN_ERROR_NOTIFY]       = { "WAN-Error-Notify", 40 },
	[PPTP_SET_LINK_INFO]          = { "Set-Link-Info", 24 },
};

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

static void decode_body(struct rbuf *r, struct pptp_msg *m)
{
	switch (m->type) {
	case PPTP_START_CTRL_REQUEST: {
		struct pptp_start_ctrl_request *b = &m->start_rq;
		rbuf_be16(r, &b->version);
		rbuf_skip(r, 2);
		rbuf_be32(r, &b->framing_caps);
		rbuf_be32(r, &b->bearer_caps);
		rbuf_be16(r, &b->max_channels);
		rbuf_be16(r, &b->firmware_rev);
		get_str(r, b->host_name, PPTP_STR_LEN);
		get_str(r, b->vendor, PPTP_STR_LEN);
		break;
	}
	case PPTP_START_CTRL_REPLY: {
		struct pptp_start_ctrl_reply *b = &m->start_rp;
		rbuf_be16(r, &b->version);
		rbuf_u8(r, &b->result);
		rbuf_u8(r, &b->error);
		rbuf_be32(r, &b->framing_caps);
		rbuf_be32(r, &b->bearer_caps);
		rbuf_be16(r, &b->max_channels);
		rbuf_be16(r, &b->firmware_rev);
		get_str(r, b->host_name, PPTP_STR_LEN);
		get_str(r, b->vendor, PPTP_STR_LEN);
		break;
	}
	case PPTP_STOP_CTRL_REQUEST:
		rbuf_u8(r, &m->stop_rq.reason);
		rbuf_skip(r, 3);
		break;
	case PPTP_STOP_CTRL_REPLY:
		rbuf_u8(r, &m->stop_rp.result);
		rbuf_u8(r, &m->stop_rp.error);
		rbuf_skip(r, 2);
		break;
	case PPTP_ECHO_REQUEST:
		rbuf_be32(r, &m->echo_rq.id);
		break;
	case PPTP_ECHO_REPLY:
		rbuf_be32(r, &m->echo_rp.id);
		rbuf_u8(r, &m->echo_rp.result);
		rbuf_u8(r, &m->echo_rp.error);
		rbuf_skip(r, 2);
		break;
	case PPTP_OUT_CALL_REQUEST: {
		struct pptp_out_call_request *b = &m->ocrq;
		rbuf_be16(r, &b->call_id);
		rbuf_be16(r, &b->call_serial);
		rbuf_be32(r, &b->min_bps);
		rbuf_be32(r, &b->max_bps);
		rbuf_be32(r, &b->bearer_type);
		rbuf_be32(r, &b->framing_type);
		rbuf_be16(r, &b->recv_window);
		rbuf_be16(r, &b->proc_delay);
		rbuf_be16(r, &b->phone_len);
		rbuf_skip(r, 2);
		get_str(r, b->phone, PPTP_STR_LEN);
		get_str(r, b->subaddress, PPTP_STR_LEN);
		break;
	}
	case PPTP_OUT_CALL_REPLY: {
		struct pptp_out_call_reply *b = &m->ocrp;
		rbuf_be16(r, &b->call_id);
		rbuf_be16(r, &b->peer_call_id);
		rbuf_u8(r, &b->result);
		rbuf_u8(r, &b->error);
		rbuf_be16(r, &b->cause);
		rbuf_be32(r, &b->connect_speed);
		rbuf_be16(r, &b->recv_window);
		rbuf_be16(r, &b->proc_delay);
		rbuf_be32(r, &b->phys_channel_id);
		break;
	}
	case PPTP_IN_CALL_REQUEST: {
		struct pptp_in_call_request *b = &m->icrq;
		rbuf_be16(r, &b->call_id);
		rbuf_be16(r, &b->call_serial);
		rbuf_be32(r, &b->bearer_type);
		rbuf_be32(r, &b->phys_channel_id);
		rbuf_be16(r, &b->dialed_len);
		rbuf_be16(r, &b->dialing_len);
		get_str(r, b->dialed, PPTP_STR_LEN);
		get_str(r, b->dialing, PPTP_STR_LEN);
		get_str(r, b->subaddress, PPTP_STR_LEN);
		break;
	}
	case PPTP_IN_CALL_REPLY: {
		struct pptp_in_call_reply *b = &m->icrp;
		rbuf_be16(r, &b->call_id);
		rbuf_be16(r, &b->peer_call_id);
		rbuf_u8(r, &b->result);
		rbuf_u8(r, &b->error);
		rbuf_be16(r, &b->recv_window);
		rbuf_be16(r, &b->transmit_delay);
		rbuf_skip(r, 2);
		break;
	}
	case PPTP_IN_CALL_CONNECTED: {
		struct pptp_in_call_connected *b = &m->iccn;
		rbuf_be16(r, &b->peer_call_id);
		rbuf_skip(r, 2);
		rbuf_be32(r, &b->connect_speed);
		rbuf_be16(r, &b->recv_window);
		rbuf_be16(r, &b->transmit_delay);
		rbuf_be32(r, &b->framing_type);
		break;
	}
	case PPTP_CALL_CLEAR_REQUEST:
		rbuf_be16(r, &m->ccrq.call_id);
		rbuf_skip(r, 2);
		break;
	case PPTP_CALL_DISCONNECT_NOTIFY: {
		struct pptp_call_disconnect_notify *b = &m->cdn;
		rbuf_be16(r, &b->call_id);
		rbuf_u8(r, &b->result);
		rbuf_u8(r, &b->error);
		rbuf_be16(r, &b->cause);
		rbuf_skip(r, 2);
		get_str(r, b->stats, PPTP_STATS_LEN);
		break;
	}
	case PPTP_WAN_ERROR_NOTIFY: {
		struct pptp_wan_error_notify *b = &m->wen;
		rbuf_be16(r, &b->peer_call_id);
		rbuf_skip(r, 2);
		rbuf_be32(r, &b->crc_errors);
		rbuf_be32(r, &b->framing_errors);
		rbuf_be32(r, &b->hw_overruns);
		rbuf_be32(r, &b->buf_overruns);
		rbuf_be32(r, &b->timeout_errors);
		rbuf_be32(r, &b->alignment_errors);
		break;
	}
	case PPTP_SET_LINK_INFO:
		rbuf_be16(r, &m->sli.peer_call_id);
		rbuf_skip(r, 2);
		rbuf_be32(r, &m->sli.send_accm);
		rbuf_be32(r, &m->sli.recv_accm);
		break;
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
	switch (m->type) {
	case PPTP_START_CTRL_REQUEST: {
		const struct pptp_start_ctrl_request *b = &m->start_rq;
		wbuf_be16(w, b->version);
		wbuf_zero(w, 2);
		wbuf_be32(w, b->framing_caps);
		wbuf_be32(w, b->bearer_caps);
		wbuf_be16(w, b->max_channels);
		wbuf_be16(w, b->firmware_rev);
		put_str(w, b->host_name, PPTP_STR_LEN);
		put_str(w, b->vendor, PPTP_STR_LEN);
		break;
	}
	case PPTP_START_CTRL_REPLY: {
		const struct pptp_start_ctrl_reply *b = &m->start_rp;
		wbuf_be16(w, b->version);
		wbuf_u8(w, b->result);
		wbuf_u8(w, b->error);
		wbuf_be32(w, b->framing_caps);
		wbuf_be32(w, b->bearer_caps);
		wbuf_be16(w, b->max_channels);
		wbuf_be16(w, b->firmware_rev);
		put_str(w, b->host_name, PPTP_STR_LEN);
		put_str(w, b->vendor, PPTP_STR_LEN);
		break;
	}
	case PPTP_STOP_CTRL_REQUEST:
		wbuf_u8(w, m->stop_rq.reason);
		wbuf_zero(w, 3);
		break;
	case PPTP_STOP_CTRL_REPLY:
		wbuf_u8(w, m->stop_rp.result);
		wbuf_u8(w, m->stop_rp.error);
		wbuf_zero(w, 2);
		break;
	case PPTP_ECHO_REQUEST:
		wbuf_be32(w, m->echo_rq.id);
		break;
	case PPTP_ECHO_REPLY:
		wbuf_be32(w, m->echo_rp.id);
		wbuf_u8(w, m->echo_rp.result);
		wbuf_u8(w, m->echo_rp.error);
		wbuf_zero(w, 2);
		break;
	case PPTP_OUT_CALL_REQUEST: {
		const struct pptp_out_call_request *b = &m->ocrq;
		wbuf_be16(w, b->call_id);
		wbuf_be16(w, b->call_serial);
		wbuf_be32(w, b->min_bps);
		wbuf_be32(w, b->max_bps);
		wbuf_be32(w, b->bearer_type);
		wbuf_be32(w, b->framing_type);
		wbuf_be16(w, b->recv_window);
		wbuf_be16(w, b->proc_delay);
		wbuf_be16(w, b->phone_len);
		wbuf_zero(w, 2);
		put_str(w, b->phone, PPTP_STR_LEN);
		put_str(w, b->subaddress, PPTP_STR_LEN);
		break;
	}
	case PPTP_OUT_CALL_REPLY: {
		const struct pptp_out_call_reply *b = &m->ocrp;
		wbuf_be16(w, b->call_id);
		wbuf_be16(w, b->peer_call_id);
		wbuf_u8(w, b->result);
		wbuf_u8(w, b->error);
		wbuf_be16(w, b->cause);
		wbuf_be32(w, b->connect_speed);
		wbuf_be16(w, b->recv_window);
		wbuf_be16(w, b->proc_delay);
		wbuf_be32(w, b->phys_channel_id);
		break;
	}
	case PPTP_IN_CALL_REQUEST: {
		const struct pptp_in_call_request *b = &m->icrq;
		wbuf_be16(w, b->call_id);
		wbuf_be16(w, b->call_serial);
		wbuf_be32(w, b->bearer_type);
		wbuf_be32(w, b->phys_channel_id);
		wbuf_be16(w, b->dialed_len);
		wbuf_be16(w, b->dialing_len);
		put_str(w, b->dialed, PPTP_STR_LEN);
		put_str(w, b->dialing, PPTP_STR_LEN);
		put_str(w, b->subaddress, PPTP_STR_LEN);
		break;
	}
	case PPTP_IN_CALL_REPLY: {
		const struct pptp_in_call_reply *b = &m->icrp;
		wbuf_be16(w, b->call_id);
		wbuf_be16(w, b->peer_call_id);
		wbuf_u8(w, b->result);
		wbuf_u8(w, b->error);
		wbuf_be16(w, b->recv_window);
		wbuf_be16(w, b->transmit_delay);
		wbuf_zero(w, 2);
		break;
	}
	case PPTP_IN_CALL_CONNECTED: {
		const struct pptp_in_call_connected *b = &m->iccn;
		wbuf_be16(w, b->peer_call_id);
		wbuf_zero(w, 2);
		wbuf_be32(w, b->connect_speed);
		wbuf_be16(w, b->recv_window);
		wbuf_be16(w, b->transmit_delay);
		wbuf_be32(w, b->framing_type);
		break;
	}
	case PPTP_CALL_CLEAR_REQUEST:
		wbuf_be16(w, m->ccrq.call_id);
		wbuf_zero(w, 2);
		break;
	case PPTP_CALL_DISCONNECT_NOTIFY: {
		const struct pptp_call_disconnect_notify *b = &m->cdn;
		wbuf_be16(w, b->call_id);
		wbuf_u8(w, b->result);
		wbuf_u8(w, b->error);
		wbuf_be16(w, b->cause);
		wbuf_zero(w, 2);
		put_str(w, b->stats, PPTP_STATS_LEN);
		break;
	}
	case PPTP_WAN_ERROR_NOTIFY: {
		const struct pptp_wan_error_notify *b = &m->wen;
		wbuf_be16(w, b->peer_call_id);
		wbuf_zero(w, 2);
		wbuf_be32(w, b->crc_errors);
		wbuf_be32(w, b->framing_errors);
		wbuf_be32(w, b->hw_overruns);
		wbuf_be32(w, b->buf_overruns);
		wbuf_be32(w, b->timeout_errors);
		wbuf_be32(w, b->alignment_errors);
		break;
	}
	case PPTP_SET_LINK_INFO:
		wbuf_be16(w, m->sli.peer_call_id);
		wbuf_zero(w, 2);
		wbuf_be32(w, m->sli.send_accm);
		wbuf_be32(w, m->sli.recv_accm);
		break;
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

static bool str_eq(const char *a, const char *b, size_t n)
{
	return strncmp(a, b, n) == 0;
}

#define EQ(f) (x->f == y->f)
#define STR_EQ(f, n) str_eq(x->f, y->f, n)

bool pptp_msg_equal(const struct pptp_msg *a, const struct pptp_msg *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case PPTP_START_CTRL_REQUEST: {
		const struct pptp_start_ctrl_request *x = &a->start_rq, *y = &b->start_rq;
		return EQ(version) && EQ(framing_caps) && EQ(bearer_caps) &&
		       EQ(max_channels) && EQ(firmware_rev) &&
		       STR_EQ(host_name, PPTP_STR_LEN) && STR_EQ(vendor, PPTP_STR_LEN);
	}
	case PPTP_START_CTRL_REPLY: {
		const struct pptp_start_ctrl_reply *x = &a->start_rp, *y = &b->start_rp;
		return EQ(version) && EQ(result) && EQ(error) && EQ(framing_caps) &&
		       EQ(bearer_caps) && EQ(max_channels) && EQ(firmware_rev) &&
		       STR_EQ(host_name, PPTP_STR_LEN) && STR_EQ(vendor, PPTP_STR_LEN);
	}
	case PPTP_STOP_CTRL_REQUEST:
		return a->stop_rq.reason == b->stop_rq.reason;
	case PPTP_STOP_CTRL_REPLY:
		return a->stop_rp.result == b->stop_rp.result &&
		       a->stop_rp.error == b->stop_rp.error;
	case PPTP_ECHO_REQUEST:
		return a->echo_rq.id == b->echo_rq.id;
	case PPTP_ECHO_REPLY: {
		const struct pptp_echo_reply *x = &a->echo_rp, *y = &b->echo_rp;
		return EQ(id) && EQ(result) && EQ(error);
	}
	case PPTP_OUT_CALL_REQUEST: {
		const struct pptp_out_call_request *x = &a->ocrq, *y = &b->ocrq;
		return EQ(call_id) && EQ(call_serial) && EQ(min_bps) && EQ(max_bps) &&
		       EQ(bearer_type) && EQ(framing_type) && EQ(recv_window) &&
		       EQ(proc_delay) && EQ(phone_len) && STR_EQ(phone, PPTP_STR_LEN) &&
		       STR_EQ(subaddress, PPTP_STR_LEN);
	}
	case PPTP_OUT_CALL_REPLY: {
		const struct pptp_out_call_reply *x = &a->ocrp, *y = &b->ocrp;
		return EQ(call_id) && EQ(peer_call_id) && EQ(result) && EQ(error) &&
		       EQ(cause) && EQ(connect_speed) && EQ(recv_window) &&
		       EQ(proc_delay) && EQ(phys_channel_id);
	}
	case PPTP_IN_CALL_REQUEST: {
		const struct pptp_in_call_request *x = &a->icrq, *y = &b->icrq;
		return EQ(call_id) && EQ(call_serial) && EQ(bearer_type) &&
		       EQ(phys_channel_id) && EQ(dialed_len) && EQ(dialing_len) &&
		       STR_EQ(dialed, PPTP_STR_LEN) && STR_EQ(dialing, PPTP_STR_LEN) &&
		       STR_EQ(subaddress, PPTP_STR_LEN);
	}
	case PPTP_IN_CALL_REPLY: {
		const struct pptp_in_call_reply *x = &a->icrp, *y = &b->icrp;
		return EQ(call_id) && EQ(peer_call_id) && EQ(result) && EQ(error) &&
		       EQ(recv_window) && EQ(transmit_delay);
	}
	case PPTP_IN_CALL_CONNECTED: {
		const struct pptp_in_call_connected *x = &a->iccn, *y = &b->iccn;
		return EQ(peer_call_id) && EQ(connect_speed) && EQ(recv_window) &&
		       EQ(transmit_delay) && EQ(framing_type);
	}
	case PPTP_CALL_CLEAR_REQUEST:
		return a->ccrq.call_id == b->ccrq.call_id;
	case PPTP_CALL_DISCONNECT_NOTIFY: {
		const struct pptp_call_disconnect_notify *x = &a->cdn, *y = &b->cdn;
		return EQ(call_id) && EQ(result) && EQ(error) && EQ(cause) &&
		       STR_EQ(stats, PPTP_STATS_LEN);
	}
	case PPTP_WAN_ERROR_NOTIFY: {
		const struct pptp_wan_error_notify *x = &a->wen, *y = &b->wen;
		return EQ(peer_call_id) && EQ(crc_errors) && EQ(framing_errors) &&
		       EQ(hw_overruns) && EQ(buf_overruns) && EQ(timeout_errors) &&
		       EQ(alignment_errors);
	}
	case PPTP_SET_LINK_INFO: {
		const struct pptp_set_link_info *x = &a->sli, *y = &b->sli;
		return EQ(peer_call_id) && EQ(send_accm) && EQ(recv_accm);
	}
	}
	return false;
}

#undef EQ
#undef STR_EQ
