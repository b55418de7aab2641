/*
 * libFuzzer target for the PPTP control message codec: the input is a TCP
 * stream. It is split with pptp_frame() as the server would, each framed
 * message decoded, and whatever decodes is encoded again and must decode to
 * an equal message and re-encode to the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/pptp_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct pptp_msg *m)
{
	uint8_t a[PPTP_MAX_MSG_LEN], b[PPTP_MAX_MSG_LEN];
	struct wbuf wa, wb;
	struct pptp_msg again;
	char safe[LOG_ESC_SIZE];

	wbuf_init(&wa, a, sizeof(a));
	if (!pptp_msg_encode(&wa, m) || wa.len != pptp_msg_len(m->type))
		abort();
	if (pptp_msg_decode_bytes(a, wa.len, &again) != PPTP_OK)
		abort();
	if (!pptp_msg_equal(m, &again))
		abort();
	wbuf_init(&wb, b, sizeof(b));
	if (!pptp_msg_encode(&wb, &again) || wb.len != wa.len || memcmp(a, b, wa.len) != 0)
		abort();
	/* the log helper on every string a peer controls */
	switch (m->type) {
	case PPTP_START_CTRL_REQUEST:
		log_esc(safe, m->start_rq.host_name);
		log_esc(safe, m->start_rq.vendor);
		break;
	case PPTP_OUT_CALL_REQUEST:
		log_esc(safe, m->ocrq.phone);
		break;
	case PPTP_CALL_DISCONNECT_NOTIFY:
		log_esc(safe, m->cdn.stats);
		break;
	default:
		break;
	}
	(void)pptp_msg_name(m->type);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		size_t n;
		enum pptp_err err;
		enum pptp_frame_status st = pptp_frame(data + off, size - off, &n, &err);
		if (st == PPTP_FRAME_ERROR) {
			(void)pptp_err_name(err);
			break;
		}
		/* decode sees the unframed remainder too: it must stay in bounds */
		struct pptp_msg m;
		enum pptp_err derr = pptp_msg_decode_bytes(data + off, size - off, &m);
		if (st == PPTP_FRAME_NEED_MORE) {
			if (derr == PPTP_OK)
				abort();  /* framing and decoding disagree */
			break;
		}
		if (n < PPTP_HEADER_LEN || n > PPTP_MAX_MSG_LEN || n > size - off)
			abort();
		/* bytes after the framed message change nothing */
		if (pptp_msg_decode_bytes(data + off, n, &m) != derr)
			abort();
		if (derr == PPTP_OK)
			check_round_trip(&m);
		off += n;
	}
	return 0;
}
