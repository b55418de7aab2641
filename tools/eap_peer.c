/*
 * The peer side of EAP-MSCHAPv2, PEAPv0/EAP-MSCHAPv2 and EAP-TLS for the
 * client tools (see eap_peer.h).
 *
 * EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2): the Type-Data is
 * OpCode, MS-CHAPv2-ID, MS-Length (the Type-Data's length), then per
 * OpCode: Challenge (Value-Size 16, the challenge, the server's name),
 * Response (Value-Size 49: Peer-Challenge, 8 reserved, NT-Response, Flags,
 * then our name), Success-Request ("S=<40 hex> M=..."), Failure-Request
 * ("E=691 R=0 ..."). Success- and Failure-Response are the OpCode alone.
 *
 * EAP-TLS framing (RFC 5216 3.1, PEAP uses the same): Flags (L 0x80: a
 * 4-octet TLS Message Length follows; M 0x40: more fragments; S 0x20:
 * start; the low three bits are PEAP's version, 0 here), then TLS data.
 * A fragmented Request is reassembled (every fragment but the last is
 * acked with an empty Response); the total announced by L bounds it and
 * must be met exactly; no message may exceed EAP_TLS_MSG_MAX. Our own
 * flights go out in EAP_TLS_FRAG bytes, L on the first, M on all but the
 * last, each sent when the server acks the one before.
 *
 * TLS runs over two memory BIOs (rbio: what the server sent, wbio: what we
 * send), capped at TLS 1.2: the MSK is the RFC 5216 2.3 exporter
 * ("client EAP encryption", no context), which is what PEAPv0 and
 * FreeRADIUS use for both methods up to TLS 1.2.
 *
 * PEAPv0 inside the tunnel (what Windows and FreeRADIUS's peap module
 * speak): inner EAP packets travel without their 4-octet header, the Type
 * first, except Extensions (type 33) which carry a whole EAP packet; the
 * server ends the inner method with a Result TLV, answered with the same
 * result.
 */
#include "tools/eap_peer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/mschap.h"
#include "common/ppp/eap.h"

#define EAP_TYPE_EXTENSIONS 33

#define TLS_FLAG_L 0x80
#define TLS_FLAG_M 0x40
#define TLS_FLAG_S 0x20
#define TLS_FLAG_VERSION 0x07

/* The largest TLS message we reassemble (a certificate chain fits many
 * times over). */
#define EAP_TLS_MSG_MAX 65536
/* TLS data per fragment we send. */
#define EAP_TLS_FRAG 1000

#define MSCHAPV2_OP_CHALLENGE 1
#define MSCHAPV2_OP_RESPONSE  2
#define MSCHAPV2_OP_SUCCESS   3
#define MSCHAPV2_OP_FAILURE   4
#define MSCHAPV2_RESPONSE_VALUE_LEN 49

/* PEAP Result TLV (type 3, mandatory bit set), value 1 success, 2 failure. */
#define PEAP_TLV_RESULT   0x0003
#define PEAP_TLV_MANDATORY 0x8000
#define PEAP_RESULT_SUCCESS 1
#define PEAP_RESULT_FAILURE 2

#define MSK_LEN 64

enum ms_state {
	MS_IDLE,        /* no Challenge yet */
	MS_RESPONDED,   /* our Response sent, waiting for Success or Failure */
	MS_SUCCESS,     /* the server proved it knows the password */
	MS_FAILED,      /* the server refused us */
};

enum tls_state {
	TLS_IDLE,       /* no Start yet */
	TLS_HANDSHAKE,  /* Start seen, handshake under way */
	TLS_UP,         /* handshake done, MSK exported (EAP-TLS: done) */
	TLS_RESULT_OK,  /* PEAP: the Result TLV said success and we agreed */
};

struct eap_peer {
	enum eap_peer_method method;
	char identity[256];
	size_t identity_len;
	uint8_t nt_hash[MSCHAP_NT_HASH_LEN];

	/* MS-CHAPv2, alone or inside PEAP */
	enum ms_state ms;
	uint8_t auth_chal[MSCHAP_CHALLENGE_LEN];
	uint8_t peer_chal[MSCHAP_CHALLENGE_LEN];
	uint8_t nt_resp[MSCHAP_NT_RESPONSE_LEN];
	bool fixed_peer_chal;   /* tests: peer_chal set beforehand */

	/* TLS, PEAP */
	SSL_CTX *ctx;
	SSL *ssl;
	BIO *rbio, *wbio;       /* owned by ssl once it exists */
	enum tls_state tls;
	uint8_t *in;            /* the Request being reassembled */
	size_t in_len, in_total;
	bool in_have_total, in_progress;
	uint8_t *out;           /* our flight being sent in fragments */
	size_t out_len, out_off;
	uint8_t msk[MSK_LEN];

	bool gave_up;
	char err[256];
};

static int fail(struct eap_peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct eap_peer *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	p->gave_up = true;
	return -1;
}

/* The last OpenSSL error as text ("" if none), then the queue emptied. */
static void ssl_reason(char *out, size_t cap)
{
	unsigned long e = ERR_peek_error(); /* the first: the cause */
	const char *r = e ? ERR_reason_error_string(e) : NULL;
	if (e && ERR_SYSTEM_ERROR(e))
		r = strerror(ERR_GET_REASON(e));
	snprintf(out, cap, "%s", r ? r : (e ? "unknown error" : "no reason given"));
	ERR_clear_error();
}

static bool load_tls(struct eap_peer *p, const struct eap_peer_config *cfg, char *err,
		     size_t errlen)
{
	char why[160];
	p->ctx = SSL_CTX_new(TLS_client_method());
	if (!p->ctx) {
		snprintf(err, errlen, "cannot create a TLS context");
		return false;
	}
	/* PEAPv0's and EAP-TLS's key derivation as FreeRADIUS does it */
	SSL_CTX_set_max_proto_version(p->ctx, TLS1_2_VERSION);
	if (cfg->ca_file) {
		if (SSL_CTX_load_verify_locations(p->ctx, cfg->ca_file, NULL) != 1) {
			ssl_reason(why, sizeof(why));
			snprintf(err, errlen, "cannot read CA file %s: %s", cfg->ca_file, why);
			return false;
		}
		SSL_CTX_set_verify(p->ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(p->ctx, SSL_VERIFY_NONE, NULL);
	}
	if (p->method != EAP_PEER_TLS)
		return true;
	if (!cfg->cert_file || !cfg->key_file) {
		snprintf(err, errlen, "EAP-TLS needs a certificate and its key");
		return false;
	}
	if (SSL_CTX_use_certificate_chain_file(p->ctx, cfg->cert_file) != 1) {
		ssl_reason(why, sizeof(why));
		snprintf(err, errlen, "cannot read certificate %s: %s", cfg->cert_file, why);
		return false;
	}
	if (SSL_CTX_use_PrivateKey_file(p->ctx, cfg->key_file, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(p->ctx) != 1) {
		ssl_reason(why, sizeof(why));
		snprintf(err, errlen, "cannot use key %s: %s", cfg->key_file, why);
		return false;
	}
	return true;
}

struct eap_peer *eap_peer_new(const struct eap_peer_config *cfg, char *err, size_t errlen)
{
	struct eap_peer *p;
	size_t n;

	if (!cfg->identity || (n = strlen(cfg->identity)) == 0 || n >= sizeof(p->identity)) {
		snprintf(err, errlen, "the identity must be 1 to 255 bytes");
		return NULL;
	}
	if (cfg->method != EAP_PEER_MSCHAPV2 && cfg->method != EAP_PEER_PEAP_MSCHAPV2 &&
	    cfg->method != EAP_PEER_TLS) {
		snprintf(err, errlen, "unknown EAP method");
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->method = cfg->method;
	memcpy(p->identity, cfg->identity, n);
	p->identity_len = n;
	if (cfg->method != EAP_PEER_TLS) {
		if (!cfg->password || !NtPasswordHash(cfg->password, p->nt_hash)) {
			snprintf(err, errlen, "the password is missing or not valid UTF-8");
			eap_peer_free(p);
			return NULL;
		}
	}
	if (cfg->method != EAP_PEER_MSCHAPV2 && !load_tls(p, cfg, err, errlen)) {
		eap_peer_free(p);
		return NULL;
	}
	return p;
}

void eap_peer_free(struct eap_peer *p)
{
	if (!p)
		return;
	if (p->ssl)
		SSL_free(p->ssl); /* and both BIOs */
	SSL_CTX_free(p->ctx);
	if (p->in)
		OPENSSL_clear_free(p->in, EAP_TLS_MSG_MAX);
	if (p->out)
		OPENSSL_clear_free(p->out, p->out_len);
	OPENSSL_cleanse(p, sizeof(*p));
	free(p);
}

const char *eap_peer_error(const struct eap_peer *p)
{
	return p->err;
}

void eap_peer_test_peer_challenge(struct eap_peer *p, const uint8_t chal[16])
{
	memcpy(p->peer_chal, chal, MSCHAP_CHALLENGE_LEN);
	p->fixed_peer_chal = true;
}

bool eap_peer_keys(struct eap_peer *p, uint8_t send_key[16], uint8_t recv_key[16])
{
	switch (p->method) {
	case EAP_PEER_MSCHAPV2:
		if (p->ms != MS_SUCCESS)
			return false;
		mschapv2_start_keys(MSCHAP_ROLE_CLIENT, p->nt_hash, p->nt_resp, send_key, recv_key);
		return true;
	case EAP_PEER_PEAP_MSCHAPV2:
		if (p->tls != TLS_RESULT_OK)
			return false;
		break;
	case EAP_PEER_TLS:
		if (p->tls != TLS_UP)
			return false;
		break;
	}
	/* MS-MPPE-Recv-Key (the server's) = MSK[0..31] = what we send with */
	memcpy(send_key, p->msk, 16);
	memcpy(recv_key, p->msk + 32, 16);
	return true;
}

/* ---- EAP-MSCHAPv2 ---- */

/*
 * One EAP-MSCHAPv2 Request's Type-Data (after the Type octet) in; the
 * Response's Type-Data written to w. -1 (with the reason) to give up.
 */
static int mschapv2_step(struct eap_peer *p, struct rbuf *r, struct wbuf *w)
{
	uint8_t op = 0, ms_id = 0, vsize = 0;
	uint16_t ms_len = 0;
	const uint8_t *msg;
	size_t msg_len;
	char want[MSCHAP_AUTH_RESPONSE_LEN];

	if (!rbuf_u8(r, &op))
		return fail(p, "EAP-MSCHAPv2: empty Request");
	switch (op) {
	case MSCHAPV2_OP_CHALLENGE:
		if (!rbuf_u8(r, &ms_id) || !rbuf_be16(r, &ms_len) || !rbuf_u8(r, &vsize) ||
		    vsize != MSCHAP_CHALLENGE_LEN || !rbuf_copy(r, p->auth_chal, MSCHAP_CHALLENGE_LEN))
			return fail(p, "EAP-MSCHAPv2: malformed Challenge");
		if (p->ms != MS_IDLE)
			return fail(p, "EAP-MSCHAPv2: a second Challenge");
		if (!p->fixed_peer_chal && RAND_bytes(p->peer_chal, MSCHAP_CHALLENGE_LEN) != 1)
			return fail(p, "no random bytes for the peer challenge");
		GenerateNTResponse(p->auth_chal, p->peer_chal, p->identity, p->identity_len,
				   p->nt_hash, p->nt_resp);
		wbuf_u8(w, MSCHAPV2_OP_RESPONSE);
		wbuf_u8(w, ms_id);
		wbuf_be16(w, (uint16_t)(5 + MSCHAPV2_RESPONSE_VALUE_LEN + p->identity_len));
		wbuf_u8(w, MSCHAPV2_RESPONSE_VALUE_LEN);
		wbuf_bytes(w, p->peer_chal, MSCHAP_CHALLENGE_LEN);
		wbuf_zero(w, 8);
		wbuf_bytes(w, p->nt_resp, MSCHAP_NT_RESPONSE_LEN);
		wbuf_u8(w, 0); /* Flags */
		wbuf_bytes(w, p->identity, p->identity_len);
		p->ms = MS_RESPONDED;
		return 0;
	case MSCHAPV2_OP_SUCCESS:
		if (!rbuf_u8(r, &ms_id) || !rbuf_be16(r, &ms_len))
			return fail(p, "EAP-MSCHAPv2: malformed Success-Request");
		if (p->ms != MS_RESPONDED)
			return fail(p, "EAP-MSCHAPv2: Success-Request before our Response");
		msg_len = rbuf_left(r);
		msg = rbuf_take(r, msg_len);
		GenerateAuthenticatorResponse(p->nt_hash, p->nt_resp, p->peer_chal, p->auth_chal,
					      p->identity, p->identity_len, want);
		/* "S=" and 40 hex digits; Windows servers send upper case, so
		 * compare without case */
		if (!msg || msg_len < MSCHAP_AUTH_RESPONSE_LEN ||
		    strncasecmp((const char *)msg, want, MSCHAP_AUTH_RESPONSE_LEN) != 0)
			return fail(p, "EAP-MSCHAPv2: the server's authenticator response S= is "
				       "wrong (it does not know the password)");
		p->ms = MS_SUCCESS;
		wbuf_u8(w, MSCHAPV2_OP_SUCCESS);
		return 0;
	case MSCHAPV2_OP_FAILURE:
		if (!rbuf_u8(r, &ms_id) || !rbuf_be16(r, &ms_len))
			return fail(p, "EAP-MSCHAPv2: malformed Failure-Request");
		msg_len = rbuf_left(r);
		msg = rbuf_take(r, msg_len);
		/* the server's text, escaped as every peer-chosen value */
		snprintf(p->err, sizeof(p->err), "EAP-MSCHAPv2: refused: %s",
			 msg ? LOG_ESC_N(msg, msg_len) : "\"\"");
		p->ms = MS_FAILED;
		wbuf_u8(w, MSCHAPV2_OP_FAILURE);
		return 0;
	default:
		return fail(p, "EAP-MSCHAPv2: unsupported OpCode %u", op);
	}
}

/* ---- the EAP-TLS framing ---- */

/* Copy what TLS wrote into the flight to send. */
static int take_flight(struct eap_peer *p)
{
	size_t n = BIO_ctrl_pending(p->wbio);
	if (n == 0)
		return 0;
	if (n > EAP_TLS_MSG_MAX)
		return fail(p, "TLS: our message of %zu bytes is too long", n);
	if (p->out)
		OPENSSL_clear_free(p->out, p->out_len);
	p->out = malloc(n);
	if (!p->out)
		return fail(p, "out of memory");
	if (BIO_read(p->wbio, p->out, (int)n) != (int)n)
		return fail(p, "TLS: cannot read our own flight");
	p->out_len = n;
	p->out_off = 0;
	return 0;
}

/* The next fragment of our flight (or an empty ack when there is none)
 * after the Type octet. */
static void put_fragment(struct eap_peer *p, struct wbuf *w)
{
	size_t left, n;
	uint8_t flags = 0;

	if (!p->out || p->out_off == p->out_len) {
		wbuf_u8(w, 0); /* an ack: no flags, PEAP version 0 */
		return;
	}
	left = p->out_len - p->out_off;
	n = left;
	if (n > EAP_TLS_FRAG)
		n = EAP_TLS_FRAG;
	if (n + 5 > wbuf_room(w))
		n = wbuf_room(w) > 5 ? wbuf_room(w) - 5 : 0;
	if (p->out_off == 0)
		flags |= TLS_FLAG_L;
	if (n < left)
		flags |= TLS_FLAG_M;
	wbuf_u8(w, flags);
	if (flags & TLS_FLAG_L)
		wbuf_be32(w, (uint32_t)p->out_len);
	wbuf_bytes(w, p->out + p->out_off, n);
	p->out_off += n;
	if (p->out_off == p->out_len) {
		OPENSSL_clear_free(p->out, p->out_len);
		p->out = NULL;
		p->out_len = p->out_off = 0;
	}
}

/*
 * One fragment in. Returns 1 when the message is whole (p->in[0..in_len)),
 * 0 when more fragments are to come (ack it), -1 on a framing error.
 */
static int reassemble(struct eap_peer *p, uint8_t flags, struct rbuf *r)
{
	uint32_t total = 0;
	size_t n;

	if (flags & TLS_FLAG_L) {
		if (!rbuf_be32(r, &total))
			return fail(p, "EAP-TLS: L set without a length");
		if (total == 0 || total > EAP_TLS_MSG_MAX)
			return fail(p, "EAP-TLS: a TLS message of %u bytes announced (at most %u)",
				    total, EAP_TLS_MSG_MAX);
		if (p->in_progress && (!p->in_have_total || total != p->in_total))
			return fail(p, "EAP-TLS: the announced length changed between fragments");
	}
	if (!p->in_progress) {
		if ((flags & TLS_FLAG_M) && !(flags & TLS_FLAG_L))
			return fail(p, "EAP-TLS: a first fragment without its length");
		p->in_len = 0;
		p->in_have_total = (flags & TLS_FLAG_L) != 0;
		p->in_total = total;
		p->in_progress = true;
	}
	n = rbuf_left(r);
	if (!p->in) {
		p->in = malloc(EAP_TLS_MSG_MAX);
		if (!p->in)
			return fail(p, "out of memory");
	}
	if (n > EAP_TLS_MSG_MAX - p->in_len)
		return fail(p, "EAP-TLS: the TLS message grows past %u bytes", EAP_TLS_MSG_MAX);
	if (p->in_have_total && p->in_len + n > p->in_total)
		return fail(p, "EAP-TLS: fragments longer than the announced %zu bytes", p->in_total);
	rbuf_copy(r, p->in + p->in_len, n);
	p->in_len += n;
	if (flags & TLS_FLAG_M) {
		if (n == 0)
			return fail(p, "EAP-TLS: an empty fragment with more to come");
		return 0;
	}
	p->in_progress = false;
	if (p->in_have_total && p->in_len != p->in_total)
		return fail(p, "EAP-TLS: %zu bytes received, %zu announced", p->in_len, p->in_total);
	return 1;
}

static int tls_failed(struct eap_peer *p)
{
	char why[160];
	long v = p->ssl ? SSL_get_verify_result(p->ssl) : X509_V_OK;
	if (v != X509_V_OK) {
		ERR_clear_error();
		return fail(p, "TLS: the server's certificate is refused: %s",
			    X509_verify_cert_error_string(v));
	}
	ssl_reason(why, sizeof(why));
	return fail(p, "TLS: handshake failed: %s", why);
}

/* PEAP: the inner packet the server sent (decrypted) in; the inner
 * response written to w (plaintext, to be encrypted). */
static int peap_inner(struct eap_peer *p, const uint8_t *in, size_t n, struct wbuf *w)
{
	struct rbuf r;
	uint8_t type;

	rbuf_init(&r, in, n);
	/* Extensions come whole: Code 1, Identifier, Length, Type 33 */
	if (n >= EAP_HDR_LEN + 1 && in[0] == EAP_CODE_REQUEST && load_be16(in + 2) == n &&
	    in[4] == EAP_TYPE_EXTENSIONS) {
		uint16_t tlv_type = 0, tlv_len = 0, result = 0;
		bool have = false;
		rbuf_skip(&r, EAP_HDR_LEN + 1);
		while (rbuf_left(&r) > 0) {
			struct rbuf v;
			if (!rbuf_be16(&r, &tlv_type) || !rbuf_be16(&r, &tlv_len) ||
			    !rbuf_sub(&r, tlv_len, &v))
				return fail(p, "PEAP: malformed TLVs");
			if ((tlv_type & 0x3FFF) == PEAP_TLV_RESULT && rbuf_be16(&v, &result))
				have = true;
			else if (tlv_type & PEAP_TLV_MANDATORY)
				return fail(p, "PEAP: unsupported mandatory TLV %u", tlv_type & 0x3FFF);
		}
		if (!have)
			return fail(p, "PEAP: Extensions without a Result TLV");
		if (result == PEAP_RESULT_SUCCESS && p->ms != MS_SUCCESS)
			return fail(p, "PEAP: success announced before the inner method succeeded");
		if (result == PEAP_RESULT_SUCCESS)
			p->tls = TLS_RESULT_OK;
		else if (!p->err[0])
			snprintf(p->err, sizeof(p->err), "PEAP: the server reports failure");
		wbuf_u8(w, EAP_CODE_RESPONSE);
		wbuf_u8(w, in[1]);
		wbuf_be16(w, EAP_HDR_LEN + 1 + 6);
		wbuf_u8(w, EAP_TYPE_EXTENSIONS);
		wbuf_be16(w, PEAP_TLV_MANDATORY | PEAP_TLV_RESULT);
		wbuf_be16(w, 2);
		wbuf_be16(w, p->tls == TLS_RESULT_OK ? PEAP_RESULT_SUCCESS : PEAP_RESULT_FAILURE);
		return 0;
	}
	if (!rbuf_u8(&r, &type))
		return fail(p, "PEAP: an empty inner packet");
	switch (type) {
	case EAP_TYPE_IDENTITY:
		wbuf_u8(w, EAP_TYPE_IDENTITY);
		wbuf_bytes(w, p->identity, p->identity_len);
		return 0;
	case EAP_TYPE_MSCHAPV2:
		wbuf_u8(w, EAP_TYPE_MSCHAPV2);
		return mschapv2_step(p, &r, w);
	default:
		/* Nak: MS-CHAPv2 is what we do inside */
		wbuf_u8(w, EAP_TYPE_NAK);
		wbuf_u8(w, EAP_TYPE_MSCHAPV2);
		return 0;
	}
}

/* PEAP after the handshake: decrypt what came, answer it inside TLS. */
static int peap_data(struct eap_peer *p)
{
	uint8_t plain[EAP_PACKET_MAX], reply[EAP_PACKET_MAX];
	struct wbuf w;
	int n = SSL_read(p->ssl, plain, sizeof(plain));

	if (n <= 0) {
		int e = SSL_get_error(p->ssl, n);
		if (e == SSL_ERROR_WANT_READ)
			return 0; /* nothing for us yet: ack */
		return tls_failed(p);
	}
	wbuf_init(&w, reply, sizeof(reply));
	if (peap_inner(p, plain, (size_t)n, &w) < 0)
		return -1;
	if (!wbuf_ok(&w))
		return fail(p, "PEAP: inner response too long");
	if (SSL_write(p->ssl, reply, (int)w.len) != (int)w.len)
		return tls_failed(p);
	OPENSSL_cleanse(plain, sizeof(plain));
	OPENSSL_cleanse(reply, sizeof(reply));
	return take_flight(p);
}

/* Drive TLS over what was reassembled; leaves our flight in p->out. */
static int tls_run(struct eap_peer *p)
{
	if (BIO_write(p->rbio, p->in, (int)p->in_len) != (int)p->in_len)
		return fail(p, "TLS: cannot queue the server's data");
	p->in_len = 0;
	if (p->tls == TLS_HANDSHAKE) {
		int rc = SSL_do_handshake(p->ssl);
		if (rc != 1) {
			int e = SSL_get_error(p->ssl, rc);
			if (e != SSL_ERROR_WANT_READ) {
				take_flight(p); /* an alert of ours, if any, is lost: we give up */
				return tls_failed(p);
			}
			return take_flight(p);
		}
		if (SSL_export_keying_material(p->ssl, p->msk, MSK_LEN, "client EAP encryption",
					       strlen("client EAP encryption"), NULL, 0, 0) != 1)
			return fail(p, "TLS: cannot export the MSK");
		p->tls = TLS_UP;
		if (take_flight(p) < 0)
			return -1;
		if (p->out || p->method == EAP_PEER_TLS)
			return 0;
	}
	if (p->method == EAP_PEER_TLS)
		return 0; /* nothing travels inside EAP-TLS */
	return peap_data(p);
}

static int tls_start(struct eap_peer *p)
{
	int rc;

	if (p->tls != TLS_IDLE)
		return fail(p, "EAP-TLS: a second Start");
	p->ssl = SSL_new(p->ctx);
	p->rbio = BIO_new(BIO_s_mem());
	p->wbio = BIO_new(BIO_s_mem());
	if (!p->ssl || !p->rbio || !p->wbio) {
		BIO_free(p->rbio);
		BIO_free(p->wbio);
		p->rbio = p->wbio = NULL;
		return fail(p, "out of memory");
	}
	SSL_set_bio(p->ssl, p->rbio, p->wbio);
	SSL_set_connect_state(p->ssl);
	p->tls = TLS_HANDSHAKE;
	rc = SSL_do_handshake(p->ssl);
	if (rc != 1 && SSL_get_error(p->ssl, rc) != SSL_ERROR_WANT_READ)
		return tls_failed(p);
	ERR_clear_error();
	return take_flight(p);
}

/* One EAP-TLS or PEAP Request's Type-Data in, the Response's out. */
static int tls_step(struct eap_peer *p, struct rbuf *r, struct wbuf *w)
{
	uint8_t flags;
	int rc;

	if (!rbuf_u8(r, &flags))
		return fail(p, "EAP-TLS: no Flags");
	if (flags & TLS_FLAG_S) {
		if (tls_start(p) < 0)
			return -1;
		put_fragment(p, w);
		return 0;
	}
	if (p->tls == TLS_IDLE)
		return fail(p, "EAP-TLS: data before Start");
	if (p->out) {
		/* the server acks our fragment: the next one */
		if (rbuf_left(r) != 0 || (flags & (TLS_FLAG_L | TLS_FLAG_M)))
			return fail(p, "EAP-TLS: data while our fragments are pending");
		put_fragment(p, w);
		return 0;
	}
	rc = reassemble(p, flags, r);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		wbuf_u8(w, 0); /* ack this fragment */
		return 0;
	}
	if (p->in_len == 0) {
		/* an empty Request: after the handshake, the server's ack of our
		 * last flight (nothing to say) */
		wbuf_u8(w, 0);
		return 0;
	}
	if (tls_run(p) < 0)
		return -1;
	put_fragment(p, w);
	return 0;
}

/* ---- the dispatch ---- */

int eap_peer_request(struct eap_peer *p, const uint8_t *req, size_t len, uint8_t *resp, size_t cap)
{
	struct rbuf r;
	struct wbuf w;
	uint8_t code = 0, id = 0, type = 0, want;
	uint16_t elen = 0;
	int rc;

	if (p->gave_up)
		return -1;
	rbuf_init(&r, req, len);
	if (!rbuf_u8(&r, &code) || !rbuf_u8(&r, &id) || !rbuf_be16(&r, &elen) ||
	    elen < EAP_HDR_LEN || elen > len)
		return 0; /* not an EAP packet: ignore it */
	if (code != EAP_CODE_REQUEST)
		return 0;
	rbuf_init(&r, req + EAP_HDR_LEN, elen - EAP_HDR_LEN);
	if (!rbuf_u8(&r, &type))
		return 0;
	wbuf_init(&w, resp, cap);
	wbuf_u8(&w, EAP_CODE_RESPONSE);
	wbuf_u8(&w, id);
	wbuf_be16(&w, 0); /* filled in below */
	wbuf_u8(&w, type);
	want = p->method == EAP_PEER_MSCHAPV2	  ? EAP_TYPE_MSCHAPV2
	       : p->method == EAP_PEER_PEAP_MSCHAPV2 ? EAP_TYPE_PEAP
						     : EAP_TYPE_TLS;
	if (type == EAP_TYPE_IDENTITY) {
		wbuf_bytes(&w, p->identity, p->identity_len);
		rc = 0;
	} else if (type == EAP_TYPE_NOTIFICATION) {
		rc = 0; /* the Response carries no data (RFC 3748 5.2) */
	} else if (type != want) {
		/* Legacy Nak with the one method we were told to use */
		w.len--;
		wbuf_u8(&w, EAP_TYPE_NAK);
		wbuf_u8(&w, want);
		rc = 0;
	} else if (type == EAP_TYPE_MSCHAPV2) {
		if (p->ms == MS_FAILED)
			return -1; /* we answered its Failure-Request: nothing more */
		rc = mschapv2_step(p, &r, &w);
	} else {
		rc = tls_step(p, &r, &w);
	}
	if (rc < 0)
		return -1;
	if (!wbuf_ok(&w) || w.len > 0xFFFF)
		return fail(p, "the Response does not fit %zu bytes", cap);
	store_be16(resp + 2, (uint16_t)w.len);
	return (int)w.len;
}
