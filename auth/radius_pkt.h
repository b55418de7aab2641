/*
 * RADIUS packets (RFC 2865, 2866, 2869, 3579, 5176) and the RFC 2548
 * Microsoft attributes, as pure functions: no sockets, no clock, no
 * allocation. The transport (auth/radius_client.h), the accounting sender
 * and the dynamic-authorization listener build and check packets here.
 *
 * Writing: radius_writer_init() starts a packet in the writer's own buffer;
 * radius_put_*() append attributes (a failed put makes the writer
 * sticky-failed, like struct wbuf); radius_finish() writes the length, the
 * Message-Authenticator (if one was reserved with radius_put_ma()) and the
 * authenticator, in the order the RFCs require for each kind of packet:
 *
 *   RADIUS_SIGN_ACCESS_REQUEST   Access-Request, Status-Server: the random
 *       Request Authenticator given at init stays; the Message-Authenticator
 *       is HMAC-MD5 over the packet with it (RFC 3579 3.2).
 *   RADIUS_SIGN_REQUEST_HASH     Accounting-, Disconnect-, CoA-Request: the
 *       Message-Authenticator is computed over the packet with 16 zero octets
 *       as authenticator, then the Request Authenticator is
 *       MD5(Code+Identifier+Length+16 zero octets+Attributes+Secret)
 *       (RFC 2866 3, RFC 5176 3.5).
 *   RADIUS_SIGN_RESPONSE         every reply: the Message-Authenticator is
 *       computed with the request's authenticator in the field, then the
 *       Response Authenticator is
 *       MD5(Code+Identifier+Length+RequestAuth+Attributes+Secret).
 *
 * Reading: radius_parse() checks the header and that the attributes tile the
 * packet exactly (each length >= 2, none past Length; octets after Length
 * are ignored, RFC 2865 3); a packet it accepts can be walked with
 * radius_iter_*() without further bounds worries. Vendor-Specific attributes
 * in the RFC 2865 5.26 layout (vendor id, then sub-attributes each with
 * type and length >= 2 tiling the value exactly) are yielded one
 * sub-attribute at a time with .vendor set; a Vendor-Specific attribute not
 * in that layout is yielded whole with .vendor = 0 and .type = 26.
 *
 * radius_verify() checks a received packet against the secret: the
 * authenticator for its kind and the Message-Authenticator (exactly one,
 * 16 octets, correct; required when the caller says so). It never accepts
 * a packet whose Message-Authenticator is present but wrong.
 *
 * Secrets are bytes (RADIUS_SECRET_MAX at most); every function that
 * handles a key or a password wipes its temporaries.
 *
 * Lifetimes: a struct radius_writer owns its buffer; a struct radius_packet,
 * the struct radius_attr values found in it and a struct radius_iter borrow
 * the received buffer given to radius_parse(), which must outlive them.
 */
#ifndef PPTP_AUTH_RADIUS_PKT_H
#define PPTP_AUTH_RADIUS_PKT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RADIUS_HDR_LEN       20
#define RADIUS_MAX_LEN       4096
#define RADIUS_AUTH_LEN      16
#define RADIUS_ATTR_MAX      253 /* value octets of one attribute */
#define RADIUS_VSA_MAX       247 /* value octets of one vendor sub-attribute */
#define RADIUS_SECRET_MAX    128
#define RADIUS_PASSWORD_MAX  128 /* User-Password: 16..128 octets on the wire */

enum radius_code {
	RADIUS_ACCESS_REQUEST = 1,
	RADIUS_ACCESS_ACCEPT = 2,
	RADIUS_ACCESS_REJECT = 3,
	RADIUS_ACCOUNTING_REQUEST = 4,
	RADIUS_ACCOUNTING_RESPONSE = 5,
	RADIUS_ACCESS_CHALLENGE = 11,
	RADIUS_STATUS_SERVER = 12,
	RADIUS_DISCONNECT_REQUEST = 40,
	RADIUS_DISCONNECT_ACK = 41,
	RADIUS_DISCONNECT_NAK = 42,
	RADIUS_COA_REQUEST = 43,
	RADIUS_COA_ACK = 44,
	RADIUS_COA_NAK = 45,
};

/* Attribute types (RFC 2865, 2866, 2869, 3576/5176). */
enum radius_attr_type {
	RADIUS_USER_NAME = 1,
	RADIUS_USER_PASSWORD = 2,
	RADIUS_CHAP_PASSWORD = 3,
	RADIUS_NAS_IP_ADDRESS = 4,
	RADIUS_NAS_PORT = 5,
	RADIUS_SERVICE_TYPE = 6,
	RADIUS_FRAMED_PROTOCOL = 7,
	RADIUS_FRAMED_IP_ADDRESS = 8,
	RADIUS_FRAMED_IP_NETMASK = 9,
	RADIUS_FILTER_ID = 11,
	RADIUS_FRAMED_MTU = 12,
	RADIUS_REPLY_MESSAGE = 18,
	RADIUS_FRAMED_ROUTE = 22,
	RADIUS_STATE = 24,
	RADIUS_CLASS = 25,
	RADIUS_VENDOR_SPECIFIC = 26,
	RADIUS_SESSION_TIMEOUT = 27,
	RADIUS_IDLE_TIMEOUT = 28,
	RADIUS_TERMINATION_ACTION = 29,
	RADIUS_CALLED_STATION_ID = 30,
	RADIUS_CALLING_STATION_ID = 31,
	RADIUS_NAS_IDENTIFIER = 32,
	RADIUS_PROXY_STATE = 33,
	RADIUS_ACCT_STATUS_TYPE = 40,
	RADIUS_ACCT_DELAY_TIME = 41,
	RADIUS_ACCT_INPUT_OCTETS = 42,
	RADIUS_ACCT_OUTPUT_OCTETS = 43,
	RADIUS_ACCT_SESSION_ID = 44,
	RADIUS_ACCT_AUTHENTIC = 45,
	RADIUS_ACCT_SESSION_TIME = 46,
	RADIUS_ACCT_INPUT_PACKETS = 47,
	RADIUS_ACCT_OUTPUT_PACKETS = 48,
	RADIUS_ACCT_TERMINATE_CAUSE = 49,
	RADIUS_ACCT_MULTI_SESSION_ID = 50,
	RADIUS_ACCT_INPUT_GIGAWORDS = 52,
	RADIUS_ACCT_OUTPUT_GIGAWORDS = 53,
	RADIUS_EVENT_TIMESTAMP = 55,
	RADIUS_CHAP_CHALLENGE = 60,
	RADIUS_NAS_PORT_TYPE = 61,
	RADIUS_EAP_MESSAGE = 79,
	RADIUS_ACCT_INTERIM_INTERVAL = 85,
	RADIUS_NAS_PORT_ID = 87,
	RADIUS_FRAMED_POOL = 88,
	RADIUS_MESSAGE_AUTHENTICATOR = 80,
	RADIUS_ERROR_CAUSE = 101,
};

/* pptpd's own vendor attributes (dist/dictionary.pptpd): rate limits in
 * kbit/s, integers. 32473 is the Private Enterprise Number IANA reserves
 * for documentation (RFC 5612): it belongs to no real vendor, so it
 * collides with none; a deployment may keep it or renumber both sides. */
#define RADIUS_VENDOR_PPTPD 32473
enum radius_pptpd_type {
	RADIUS_PPTPD_RATE_LIMIT_DOWN = 1,
	RADIUS_PPTPD_RATE_LIMIT_UP = 2,
};

/* Microsoft vendor attributes (RFC 2548), vendor id 311. */
#define RADIUS_VENDOR_MICROSOFT 311
enum radius_ms_type {
	RADIUS_MS_CHAP_RESPONSE = 1,
	RADIUS_MS_CHAP_ERROR = 2,
	RADIUS_MS_MPPE_ENCRYPTION_POLICY = 7,
	RADIUS_MS_MPPE_ENCRYPTION_TYPES = 8,
	RADIUS_MS_CHAP_CHALLENGE = 11,
	RADIUS_MS_CHAP_MPPE_KEYS = 12,
	RADIUS_MS_MPPE_SEND_KEY = 16,
	RADIUS_MS_MPPE_RECV_KEY = 17,
	RADIUS_MS_CHAP2_RESPONSE = 25,
	RADIUS_MS_CHAP2_SUCCESS = 26,
	RADIUS_MS_PRIMARY_DNS_SERVER = 28,
	RADIUS_MS_SECONDARY_DNS_SERVER = 29,
	RADIUS_MS_PRIMARY_NBNS_SERVER = 30,
	RADIUS_MS_SECONDARY_NBNS_SERVER = 31,
};

/* MS-CHAP-Response and MS-CHAP2-Response (RFC 2548 2.1.3, 2.3.2): Ident,
 * Flags, then 48 octets (v1: LM-Response, NT-Response; v2: Peer-Challenge,
 * Reserved, NT-Response). */
#define RADIUS_MS_RESPONSE_LEN        50
#define RADIUS_MS_RESPONSE_PEER_CHAL  2  /* v2 Peer-Challenge */
#define RADIUS_MS_RESPONSE_NT         26 /* NT-Response, v1 and v2 */
/* MS-CHAP-MPPE-Keys (RFC 2548 2.4.1), once unhidden: LM-Key 8, NT-Key 16
 * (HashNtPasswordHash), padding 8. */
#define RADIUS_MS_MPPE_KEYS_LEN       32
#define RADIUS_MS_MPPE_KEYS_NT_KEY    8

/* Values of a few enumerated attributes. */
#define RADIUS_SERVICE_FRAMED_USER   2
#define RADIUS_FRAMED_PROTOCOL_PPP   1
#define RADIUS_NAS_PORT_TYPE_VIRTUAL 5
#define RADIUS_ACCT_START            1
#define RADIUS_ACCT_STOP             2
#define RADIUS_ACCT_INTERIM_UPDATE   3
#define RADIUS_ACCT_ON               7
#define RADIUS_ACCT_OFF              8
#define RADIUS_ACCT_AUTHENTIC_RADIUS 1
#define RADIUS_ACCT_AUTHENTIC_LOCAL  2

/* Acct-Terminate-Cause values (RFC 2866 5.10). */
enum radius_terminate_cause {
	RADIUS_TERM_USER_REQUEST = 1,
	RADIUS_TERM_LOST_CARRIER = 2,
	RADIUS_TERM_LOST_SERVICE = 3,
	RADIUS_TERM_IDLE_TIMEOUT = 4,
	RADIUS_TERM_SESSION_TIMEOUT = 5,
	RADIUS_TERM_ADMIN_RESET = 6,
	RADIUS_TERM_ADMIN_REBOOT = 7,
	RADIUS_TERM_PORT_ERROR = 8,
	RADIUS_TERM_NAS_ERROR = 9,
	RADIUS_TERM_NAS_REQUEST = 10,
	RADIUS_TERM_NAS_REBOOT = 11,
	RADIUS_TERM_PORT_UNNEEDED = 12,
	RADIUS_TERM_PORT_PREEMPTED = 13,
	RADIUS_TERM_PORT_SUSPENDED = 14,
	RADIUS_TERM_SERVICE_UNAVAILABLE = 15,
	RADIUS_TERM_CALLBACK = 16,
	RADIUS_TERM_USER_ERROR = 17,
	RADIUS_TERM_HOST_REQUEST = 18,
};

/* Error-Cause values (RFC 5176 3.6) the DAE listener sends. */
enum radius_error_cause {
	RADIUS_ERR_UNSUPPORTED_ATTRIBUTE = 401,
	RADIUS_ERR_MISSING_ATTRIBUTE = 402,
	RADIUS_ERR_NAS_IDENTIFICATION_MISMATCH = 403,
	RADIUS_ERR_INVALID_REQUEST = 404,
	RADIUS_ERR_UNSUPPORTED_SERVICE = 405,
	RADIUS_ERR_UNSUPPORTED_EXTENSION = 406,
	RADIUS_ERR_INVALID_ATTRIBUTE_VALUE = 407,
	RADIUS_ERR_SESSION_CONTEXT_NOT_FOUND = 503,
	RADIUS_ERR_SESSION_CONTEXT_NOT_REMOVABLE = 504,
	RADIUS_ERR_RESOURCES_UNAVAILABLE = 506,
};

struct radius_secret {
	uint8_t data[RADIUS_SECRET_MAX];
	size_t len;
};

/* False if s is empty or longer than RADIUS_SECRET_MAX. */
bool radius_secret_set(struct radius_secret *sec, const char *s);

/* ---- writing ---- */

struct radius_writer {
	uint8_t buf[RADIUS_MAX_LEN];
	size_t len;
	size_t ma_off;  /* offset of the reserved Message-Authenticator value; 0: none */
	bool failed;
};

enum radius_sign {
	RADIUS_SIGN_ACCESS_REQUEST,
	RADIUS_SIGN_REQUEST_HASH,
	RADIUS_SIGN_RESPONSE,
};

/* auth: the authenticator field as it starts (Access-Request: 16 random
 * octets); NULL writes zeros. */
void radius_writer_init(struct radius_writer *w, uint8_t code, uint8_t id,
			const uint8_t *auth);
/* One attribute; len 1..RADIUS_ATTR_MAX. */
bool radius_put(struct radius_writer *w, uint8_t type, const void *val, size_t len);
bool radius_put_str(struct radius_writer *w, uint8_t type, const char *s);
bool radius_put_u32(struct radius_writer *w, uint8_t type, uint32_t v);
/* addr in network order. */
bool radius_put_addr(struct radius_writer *w, uint8_t type, struct in_addr addr);
/* One Vendor-Specific attribute holding one sub-attribute; len 1..RADIUS_VSA_MAX. */
bool radius_put_vsa(struct radius_writer *w, uint32_t vendor, uint8_t vtype,
		    const void *val, size_t len);
/* Reserve the Message-Authenticator (filled by radius_finish()); at most once. */
bool radius_put_ma(struct radius_writer *w);
/* User-Password hidden as RFC 2865 5.2 describes; len 0..RADIUS_PASSWORD_MAX
 * (padded with NULs to a multiple of 16, at least 16). */
bool radius_put_user_password(struct radius_writer *w, const struct radius_secret *sec,
			      const uint8_t req_auth[static RADIUS_AUTH_LEN],
			      const void *pw, size_t len);
/* MS-MPPE-Send-Key or -Recv-Key (vtype) as RFC 2548 2.4.2/2.4.3 encrypts
 * it: salt (its high bit is set here), then the key length octet, the key
 * and zero padding to a multiple of 16, hidden with the secret and the
 * request's authenticator. keylen 1..32. (Servers do this; the tests' fake
 * RADIUS server uses it.) */
bool radius_put_mppe_key(struct radius_writer *w, uint8_t vtype,
			 const struct radius_secret *sec,
			 const uint8_t req_auth[static RADIUS_AUTH_LEN], uint16_t salt,
			 const uint8_t *key, size_t keylen);
/* Write the length, Message-Authenticator and authenticator (see the top).
 * req_auth: the request's authenticator for RADIUS_SIGN_RESPONSE, else
 * ignored (may be NULL). False if any put failed or the packet is full;
 * on success w->buf[0..w->len) is the packet to send. */
bool radius_finish(struct radius_writer *w, enum radius_sign how,
		   const struct radius_secret *sec, const uint8_t *req_auth);

/* ---- reading ---- */

struct radius_packet {
	const uint8_t *raw;   /* the packet, raw[0..len) */
	size_t len;           /* the Length field (<= what was received) */
	uint8_t code;
	uint8_t id;
	const uint8_t *auth;  /* raw + 4, RADIUS_AUTH_LEN octets */
};

struct radius_attr {
	uint8_t type;         /* attribute type, or the vendor's sub-type */
	uint32_t vendor;      /* 0: a standard attribute */
	const uint8_t *val;
	size_t len;
};

/* False if n < 20, Length < 20 or > min(n, RADIUS_MAX_LEN), or the
 * attributes do not tile [20, Length) exactly. */
bool radius_parse(const uint8_t *buf, size_t n, struct radius_packet *p);

struct radius_iter {
	const struct radius_packet *p;
	size_t off;       /* next attribute */
	size_t vsa_off;   /* next sub-attribute inside the current VSA; 0: none */
	size_t vsa_end;
	uint32_t vendor;
};

void radius_iter_init(struct radius_iter *it, const struct radius_packet *p);
/* The next attribute (or vendor sub-attribute); false at the end. */
bool radius_iter_next(struct radius_iter *it, struct radius_attr *a);

/* The first attribute of that vendor (0: standard) and type; false if none. */
bool radius_find(const struct radius_packet *p, uint32_t vendor, uint8_t type,
		 struct radius_attr *a);
/* How many such attributes the packet carries. */
size_t radius_count(const struct radius_packet *p, uint32_t vendor, uint8_t type);
/* A 4-octet integer or address value; false if the length is not 4. */
bool radius_attr_u32(const struct radius_attr *a, uint32_t *v);

enum radius_verify_result {
	RADIUS_OK = 0,
	RADIUS_BAD_AUTHENTICATOR,  /* Request/Response Authenticator wrong */
	RADIUS_BAD_MA,             /* Message-Authenticator wrong, not 16 octets, or twice */
	RADIUS_MISSING_MA,         /* required and absent */
};

/* how: RADIUS_SIGN_ACCESS_REQUEST (the authenticator is not checked, only the
 * Message-Authenticator), RADIUS_SIGN_REQUEST_HASH (Accounting-, Disconnect-,
 * CoA-Request) or RADIUS_SIGN_RESPONSE (req_auth: the authenticator of the
 * request this answers). require_ma: a missing Message-Authenticator is an
 * error. */
enum radius_verify_result radius_verify(const struct radius_packet *p, enum radius_sign how,
					const struct radius_secret *sec,
					const uint8_t *req_auth, bool require_ma);
const char *radius_verify_name(enum radius_verify_result r);

/* Decrypt an MS-MPPE-Send-Key/Recv-Key value (a->val, a->len: salt + hidden
 * string, RFC 2548 2.4.2) into key[0..*keylen). False if the value is
 * malformed (shorter than 2 + 16, not 2 + a multiple of 16, salt's high bit
 * clear, or the key length octet zero, larger than what follows or than
 * keymax). key and *keylen are written only on success. */
bool radius_get_mppe_key(const struct radius_attr *a, const struct radius_secret *sec,
			 const uint8_t req_auth[static RADIUS_AUTH_LEN],
			 uint8_t *key, size_t keymax, size_t *keylen);
/* Reverse the RFC 2865 5.2 hiding (User-Password, and RFC 2548's
 * MS-CHAP-MPPE-Keys) into out[0..a->len), padding included. False if the
 * value is not 16..outmax octets in steps of 16. */
bool radius_unhide(const struct radius_attr *a, const struct radius_secret *sec,
		   const uint8_t req_auth[static RADIUS_AUTH_LEN], uint8_t *out, size_t outmax);
/* Recover a User-Password (servers; the fake RADIUS server of the tests):
 * pw gets the padded plaintext with trailing NULs removed. False if the
 * value is not 16..128 octets in steps of 16. pw must hold 129 bytes; it is
 * NUL-terminated. */
bool radius_get_user_password(const struct radius_attr *a, const struct radius_secret *sec,
			      const uint8_t req_auth[static RADIUS_AUTH_LEN],
			      char pw[static RADIUS_PASSWORD_MAX + 1], size_t *len);

/* EAP-Message (RFC 3579 3.1): every EAP-Message attribute of p, in order,
 * concatenated into out[0..*len) is one EAP packet (RFC 3748 4). */
enum radius_eap_result {
	RADIUS_EAP_NONE,       /* no EAP-Message: *len 0 */
	RADIUS_EAP_OK,         /* one EAP packet whose Length is exactly *len */
	RADIUS_EAP_TOO_LONG,   /* the chain is longer than outmax: *len 0 */
	RADIUS_EAP_MALFORMED,  /* shorter than an EAP header, or its Length is
				* not the chain's size: *len 0 */
};

/* Reassemble the EAP packet of p into out (outmax octets at most); out is
 * written in every case but only meaningful with RADIUS_EAP_OK. */
enum radius_eap_result radius_get_eap(const struct radius_packet *p, uint8_t *out,
				      size_t outmax, size_t *len);
/* "none", "ok", "too-long", "malformed". */
const char *radius_eap_result_name(enum radius_eap_result r);

/* The name of a packet code for logs ("Access-Accept", ...): a static
 * string; "unknown" for a code not listed in enum radius_code. */
const char *radius_code_name(uint8_t code);

#endif
