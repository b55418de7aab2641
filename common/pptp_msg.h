/*
 * PPTP control messages (RFC 2637 section 2): constants, host structs and
 * the codec between them.
 *
 * Wire bytes are never cast to structs: pptp_msg_decode() reads through an
 * rbuf into a struct pptp_msg (a tagged union over the 15 control message
 * types) and pptp_msg_encode() writes one through a wbuf. Every type has one
 * exact length (pptp_msg_len()) and one table of its body's fields in wire
 * order (in pptp_msg.c), which drives decode, encode and pptp_msg_equal()
 * alike; reserved fields are ignored on decode and written as zero. Field values (version, framing bits, call IDs, result
 * codes) are not judged here: that is the control connection's policy, and
 * real clients need tolerance (no synchronous framing bit in a Start
 * request, peer call ID 0).
 *
 * The fixed 64-byte string fields (host name, vendor, numbers, subaddress)
 * and the 128-byte call statistics become NUL-terminated host strings cut
 * at the first NUL and never read past the field; bytes are kept as sent,
 * so run them through LOG_ESC() (common/log.h) before logging.
 *
 * A TCP stream is split into messages with pptp_frame(), which needs only
 * the bytes received so far. What the server should do with each error:
 *   framing errors (BAD_LENGTH outside 12..220, BAD_MSG_TYPE, BAD_MAGIC):
 *     the stream cannot be trusted any more; close the control connection.
 *   PPTP_E_UNKNOWN_TYPE: the message is framed; skip it.
 *   PPTP_E_BAD_LENGTH on a known type: general error Bad-Format (2).
 *
 * Nothing here allocates or keeps state; every struct is plain data owned
 * by the caller.
 */
#ifndef PPTP_COMMON_PPTP_MSG_H
#define PPTP_COMMON_PPTP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define PPTP_TCP_PORT       1723
#define PPTP_VERSION        0x0100
#define PPTP_MAGIC_COOKIE   0x1A2B3C4Du
#define PPTP_MSG_CONTROL    1   /* PPTP Message Type */
#define PPTP_MSG_MANAGEMENT 2   /* defined by the RFC, never used; rejected */

#define PPTP_HEADER_LEN     12
/* Where the Control Message Type sits in the header: after Length,
 * PPTP Message Type and Magic Cookie. */
#define PPTP_CTRL_TYPE_OFFSET 8
#define PPTP_MAX_MSG_LEN    220 /* Incoming-Call-Request, the largest */
#define PPTP_STR_LEN        64  /* host name, vendor, numbers, subaddress */
#define PPTP_STATS_LEN      128 /* Call-Disconnect-Notify call statistics */

/* Control Message Type */
enum pptp_ctrl_type {
	PPTP_START_CTRL_REQUEST = 1,  /* Start-Control-Connection-Request */
	PPTP_START_CTRL_REPLY = 2,    /* Start-Control-Connection-Reply */
	PPTP_STOP_CTRL_REQUEST = 3,   /* Stop-Control-Connection-Request */
	PPTP_STOP_CTRL_REPLY = 4,     /* Stop-Control-Connection-Reply */
	PPTP_ECHO_REQUEST = 5,
	PPTP_ECHO_REPLY = 6,
	PPTP_OUT_CALL_REQUEST = 7,    /* Outgoing-Call-Request */
	PPTP_OUT_CALL_REPLY = 8,
	PPTP_IN_CALL_REQUEST = 9,     /* Incoming-Call-Request */
	PPTP_IN_CALL_REPLY = 10,
	PPTP_IN_CALL_CONNECTED = 11,
	PPTP_CALL_CLEAR_REQUEST = 12,
	PPTP_CALL_DISCONNECT_NOTIFY = 13,
	PPTP_WAN_ERROR_NOTIFY = 14,
	PPTP_SET_LINK_INFO = 15,
};
#define PPTP_CTRL_TYPE_MAX 15

/* Framing Capabilities / Framing Type bits */
#define PPTP_FRAMING_ASYNC  0x1u
#define PPTP_FRAMING_SYNC   0x2u
#define PPTP_FRAMING_EITHER 0x3u  /* Framing Type only */
/* Bearer Capabilities / Bearer Type bits */
#define PPTP_BEARER_ANALOG  0x1u
#define PPTP_BEARER_DIGITAL 0x2u
#define PPTP_BEARER_EITHER  0x3u  /* Bearer Type only */

/* Start-Control-Connection-Reply Result Code */
enum {
	PPTP_START_OK = 1,             /* Successful channel establishment */
	PPTP_START_GENERAL_ERROR = 2,
	PPTP_START_EXISTS = 3,         /* Command channel already exists */
	PPTP_START_NOT_AUTHORIZED = 4, /* Requester is not authorized */
	PPTP_START_BAD_VERSION = 5,    /* Protocol version not supported */
};
/* Stop-Control-Connection-Request Reason */
enum {
	PPTP_STOP_NONE = 1,            /* General request to clear */
	PPTP_STOP_PROTOCOL = 2,        /* Can't support peer's protocol version */
	PPTP_STOP_LOCAL_SHUTDOWN = 3,  /* Requester is being shut down */
};
/* Stop-Control-Connection-Reply and Echo-Reply Result Code */
enum {
	PPTP_STOP_OK = 1,
	PPTP_STOP_GENERAL_ERROR = 2,
	PPTP_ECHO_OK = 1,
	PPTP_ECHO_GENERAL_ERROR = 2,
};
/* Outgoing-Call-Reply Result Code */
enum {
	PPTP_OUT_CONNECTED = 1,
	PPTP_OUT_GENERAL_ERROR = 2,
	PPTP_OUT_NO_CARRIER = 3,
	PPTP_OUT_BUSY = 4,
	PPTP_OUT_NO_DIAL_TONE = 5,
	PPTP_OUT_TIMEOUT = 6,
	PPTP_OUT_DO_NOT_ACCEPT = 7,
};
/* Incoming-Call-Reply Result Code */
enum {
	PPTP_IN_CONNECT = 1,
	PPTP_IN_GENERAL_ERROR = 2,
	PPTP_IN_DO_NOT_ACCEPT = 3,
};
/* Call-Disconnect-Notify Result Code */
enum {
	PPTP_CDN_LOST_CARRIER = 1,
	PPTP_CDN_GENERAL_ERROR = 2,
	PPTP_CDN_ADMIN_SHUTDOWN = 3,
	PPTP_CDN_REQUEST = 4,
};
/* General Error Codes (section 2.16) */
enum {
	PPTP_ERR_NONE = 0,
	PPTP_ERR_NOT_CONNECTED = 1,
	PPTP_ERR_BAD_FORMAT = 2,
	PPTP_ERR_BAD_VALUE = 3,
	PPTP_ERR_NO_RESOURCE = 4,
	PPTP_ERR_BAD_CALL_ID = 5,
	PPTP_ERR_PAC_ERROR = 6,
};

/* Decoding and framing errors. */
enum pptp_err {
	PPTP_OK = 0,
	PPTP_E_TRUNCATED,    /* fewer bytes than the header or the Length field */
	PPTP_E_BAD_LENGTH,   /* Length < 12, > 220, or not the type's exact length */
	PPTP_E_BAD_MSG_TYPE, /* PPTP Message Type is not 1 (control) */
	PPTP_E_BAD_MAGIC,    /* Magic Cookie is not 0x1A2B3C4D */
	PPTP_E_UNKNOWN_TYPE, /* Control Message Type outside 1..15 */
};

/* A string field: up to 64 bytes plus the NUL. */
typedef char pptp_str[PPTP_STR_LEN + 1];

struct pptp_start_ctrl_request {
	uint16_t version;
	uint32_t framing_caps;
	uint32_t bearer_caps;
	uint16_t max_channels;
	uint16_t firmware_rev;
	pptp_str host_name;
	pptp_str vendor;
};

struct pptp_start_ctrl_reply {
	uint16_t version;
	uint8_t result;
	uint8_t error;
	uint32_t framing_caps;
	uint32_t bearer_caps;
	uint16_t max_channels;
	uint16_t firmware_rev;
	pptp_str host_name;
	pptp_str vendor;
};

struct pptp_stop_ctrl_request {
	uint8_t reason;
};

struct pptp_stop_ctrl_reply {
	uint8_t result;
	uint8_t error;
};

struct pptp_echo_request {
	uint32_t id;
};

struct pptp_echo_reply {
	uint32_t id;
	uint8_t result;
	uint8_t error;
};

struct pptp_out_call_request {
	uint16_t call_id;
	uint16_t call_serial;
	uint32_t min_bps;
	uint32_t max_bps;
	uint32_t bearer_type;
	uint32_t framing_type;
	uint16_t recv_window;
	uint16_t proc_delay;
	uint16_t phone_len;  /* as sent; not checked against phone */
	pptp_str phone;
	pptp_str subaddress;
};

struct pptp_out_call_reply {
	uint16_t call_id;
	uint16_t peer_call_id;
	uint8_t result;
	uint8_t error;
	uint16_t cause;
	uint32_t connect_speed;
	uint16_t recv_window;
	uint16_t proc_delay;
	uint32_t phys_channel_id;
};

struct pptp_in_call_request {
	uint16_t call_id;
	uint16_t call_serial;
	uint32_t bearer_type;
	uint32_t phys_channel_id;
	uint16_t dialed_len;
	uint16_t dialing_len;
	pptp_str dialed;
	pptp_str dialing;
	pptp_str subaddress;
};

struct pptp_in_call_reply {
	uint16_t call_id;
	uint16_t peer_call_id;
	uint8_t result;
	uint8_t error;
	uint16_t recv_window;
	uint16_t transmit_delay;
};

struct pptp_in_call_connected {
	uint16_t peer_call_id;
	uint32_t connect_speed;
	uint16_t recv_window;
	uint16_t transmit_delay;
	uint32_t framing_type;
};

struct pptp_call_clear_request {
	uint16_t call_id;
};

struct pptp_call_disconnect_notify {
	uint16_t call_id;
	uint8_t result;
	uint8_t error;
	uint16_t cause;
	char stats[PPTP_STATS_LEN + 1];
};

struct pptp_wan_error_notify {
	uint16_t peer_call_id;
	uint32_t crc_errors;
	uint32_t framing_errors;
	uint32_t hw_overruns;
	uint32_t buf_overruns;
	uint32_t timeout_errors;
	uint32_t alignment_errors;
};

struct pptp_set_link_info {
	uint16_t peer_call_id;
	uint32_t send_accm;
	uint32_t recv_accm;
};

struct pptp_msg {
	enum pptp_ctrl_type type;
	union {
		struct pptp_start_ctrl_request start_rq;
		struct pptp_start_ctrl_reply start_rp;
		struct pptp_stop_ctrl_request stop_rq;
		struct pptp_stop_ctrl_reply stop_rp;
		struct pptp_echo_request echo_rq;
		struct pptp_echo_reply echo_rp;
		struct pptp_out_call_request ocrq;
		struct pptp_out_call_reply ocrp;
		struct pptp_in_call_request icrq;
		struct pptp_in_call_reply icrp;
		struct pptp_in_call_connected iccn;
		struct pptp_call_clear_request ccrq;
		struct pptp_call_disconnect_notify cdn;
		struct pptp_wan_error_notify wen;
		struct pptp_set_link_info sli;
	};
};

/* Exact wire length of a control message type, header included; 0 if unknown. */
size_t pptp_msg_len(unsigned type);
/* The RFC's name ("Outgoing-Call-Request"), or "Unknown" for a bad type. */
const char *pptp_msg_name(unsigned type);
/* Short name of an error ("bad-magic"), for logs. */
const char *pptp_err_name(enum pptp_err err);

enum pptp_frame_status {
	PPTP_FRAME_NEED_MORE, /* *msg_len: total bytes needed, if known yet */
	PPTP_FRAME_READY,     /* *msg_len: length of the complete message at p */
	PPTP_FRAME_ERROR,     /* *err says why; the stream is unusable */
};
/*
 * Look at the first `avail` bytes of a TCP stream and say whether they start
 * with a complete message. Errors are reported as soon as the bytes that
 * show them have arrived, so a split read gives the same verdict. A READY
 * message may still fail pptp_msg_decode() (unknown type, wrong length for
 * its type).
 */
enum pptp_frame_status pptp_frame(const uint8_t *p, size_t avail, size_t *msg_len,
				  enum pptp_err *err);

/*
 * Decode the one message at the front of r (exactly its Length bytes are
 * consumed on success; bytes after it are left in r). On error nothing
 * useful is in *m and r's position is unspecified.
 */
enum pptp_err pptp_msg_decode(struct rbuf *r, struct pptp_msg *m);
/* Convenience: decode from a byte array holding at least one message. */
enum pptp_err pptp_msg_decode_bytes(const uint8_t *p, size_t len, struct pptp_msg *m);

/*
 * Append m to w, pptp_msg_len(m->type) bytes. Strings longer than their
 * field are cut to it. False (w is then sticky-failed or untouched for a
 * bad type) if the type is unknown or w has no room.
 */
bool pptp_msg_encode(struct wbuf *w, const struct pptp_msg *m);

/* Field-by-field equality of the fields that m->type puts on the wire. */
bool pptp_msg_equal(const struct pptp_msg *a, const struct pptp_msg *b);


#endif
