/*
 * libFuzzer target for EAP on the PPP link (common/ppp/eap.c through the
 * real ppp.c): a server-role link in the EAP authenticate phase, or a
 * client-role one, gets arbitrary frames, and its owner answers from the
 * fuzz bytes too (ppp_eap_request, ppp_auth_result, the client's method
 * and keys), with time passing in between.
 *
 * Input: [selector] then records [op][len][len bytes]:
 *   op % 5 == 0: an EAP frame (FF 03 C2 27 put in front) into the link
 *   op % 5 == 1: a raw frame into the link (any protocol)
 *   op % 5 == 2: server: ppp_eap_request(bytes); client: the next method
 *                Response is these bytes
 *   op % 5 == 3: server: ppp_auth_result (bytes[0] & 1: reject; the rest
 *                as the verdict's eap_pkt when bytes[0] & 2)
 *   op % 5 == 4: time passes ((len + 1) * 250 ms), the link's timer fires
 * The selector: bit 0 client role, bit 1 require EAP, bit 2 MPPE
 * required, bit 3 the client's method gives up (-1), bit 4 no keys.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/log.h"
#include "common/ppp/ppp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	struct ppp_link *l;
	bool down;
	uint64_t now;
	unsigned sel;
	/* the last LCP Configure-Request the link sent (to acknowledge) */
	uint8_t lcp_req[PPP_FRAME_MAX];
	size_t lcp_req_len;
	/* the client's next method Response */
	uint8_t method[EAP_PACKET_MAX];
	size_t method_len;
};

static void f_send(void *owner, uint8_t *frame, size_t len)
{
	struct fz *z = owner;
	size_t off = 0;

	if (len > PPP_FRAME_MAX)
		abort();
	if (len >= 2 && frame[0] == 0xFF && frame[1] == 0x03)
		off = 2;
	if (len >= off + 4 && frame[off] == 0xC0 && frame[off + 1] == 0x21 &&
	    frame[off + 2] == 1) {
		z->lcp_req_len = len - off - 2;
		memcpy(z->lcp_req, frame + off + 2, z->lcp_req_len);
	}
	/* every EAP packet the link sends says its own length */
	if (len >= off + 2 && frame[off] == 0xC2 && frame[off + 1] == 0x27) {
		if (len < off + 6 || load_be16(frame + off + 4) != len - off - 2 ||
		    len - off - 2 > EAP_PACKET_MAX)
			abort();
	}
}

static void f_auth_request(void *owner, const struct chap_response_info *chap,
			   const struct pap_request_info *pap)
{
	(void)owner;
	(void)chap;
	(void)pap;
}

static void f_eap_response(void *owner, const struct eap_packet_info *eap)
{
	(void)owner;
	if (eap->len < 5 || eap->len > EAP_PACKET_MAX || load_be16(eap->pkt + 2) != eap->len ||
	    eap->pkt[0] != EAP_CODE_RESPONSE || eap->round == 0 ||
	    (eap->round == 1) != (eap->identity != NULL))
		abort();
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < eap->identity_len; i++)
		sink ^= eap->identity[i];
	(void)sink;
}

static void f_down(void *owner, enum ppp_cause cause, const char *detail)
{
	(void)cause;
	(void)detail;
	((struct fz *)owner)->down = true;
}

static bool f_random(void *owner, void *buf, size_t len)
{
	(void)owner;
	memset(buf, 0x5C, len);
	return true;
}

static int f_eap_method(void *owner, const uint8_t *req, size_t len, uint8_t *resp, size_t cap)
{
	struct fz *z = owner;

	if (len < 5 || req[0] != EAP_CODE_REQUEST)
		abort();
	if (z->sel & 8)
		return -1;
	if (z->method_len < 4 || z->method_len > cap)
		return 0;
	memcpy(resp, z->method, z->method_len);
	resp[0] = EAP_CODE_RESPONSE;
	resp[1] = req[1];
	store_be16(resp + 2, (uint16_t)z->method_len);
	return (int)z->method_len;
}

static bool f_eap_keys(void *owner, uint8_t send_key[16], uint8_t recv_key[16])
{
	struct fz *z = owner;

	memset(send_key, 0x11, 16);
	memset(recv_key, 0x22, 16);
	return !(z->sel & 16);
}

static const struct ppp_ops fops = {
	.send = f_send,
	.auth_request = f_auth_request,
	.down = f_down,
	.random = f_random,
	.eap_response = f_eap_response,
	.eap_method = f_eap_method,
	.eap_keys = f_eap_keys,
};

static void input(struct fz *z, const uint8_t *frame, size_t len)
{
	uint8_t buf[PPP_FRAME_MAX + 8];

	if (len > sizeof(buf))
		return;
	memcpy(buf, frame, len);
	ppp_input(z->l, buf, len, z->now);
}

/* LCP opened by hand: our request acknowledged, the peer's (asking for EAP
 * when the link is the client) sent. */
static void open_lcp(struct fz *z, bool client)
{
	static const uint8_t peer_srv[] = { 0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x0E,
					    0x03, 0x04, 0xC2, 0x27, 0x05, 0x06, 0x12, 0x34, 0x56, 0x78 };
	static const uint8_t peer_cli[] = { 0xFF, 0x03, 0xC0, 0x21, 0x01, 0x01, 0x00, 0x0A,
					    0x05, 0x06, 0x12, 0x34, 0x56, 0x78 };
	uint8_t ack[PPP_FRAME_MAX];

	if (client)
		input(z, peer_srv, sizeof(peer_srv));
	else
		input(z, peer_cli, sizeof(peer_cli));
	if (z->lcp_req_len < 4 || z->lcp_req_len + 2 > sizeof(ack))
		return;
	ack[0] = 0xC0;
	ack[1] = 0x21;
	memcpy(ack + 2, z->lcp_req, z->lcp_req_len);
	ack[2] = 2; /* Configure-Ack */
	input(z, ack, z->lcp_req_len + 2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ppp_config cfg;
	struct fz z;
	struct rbuf r;
	uint8_t sel = 0;

	log_set_level(LOG_LVL_ERR);
	memset(&z, 0, sizeof(z));
	memset(&cfg, 0, sizeof(cfg));
	rbuf_init(&r, data, size);
	if (!rbuf_u8(&r, &sel))
		return 0;
	z.sel = sel;
	z.now = 1000;
	bool client = sel & 1;
	cfg.role = client ? PPP_ROLE_CLIENT : PPP_ROLE_SERVER;
	cfg.allow_eap = true;
	cfg.require_eap = (sel & 2) != 0;
	cfg.allow_mschapv2 = true;
	cfg.host_name = "pptpd";
	cfg.user = "alice";
	cfg.password = "secret";
	cfg.mppe_required = (sel & 4) != 0;
	cfg.mppe_128 = true;
	cfg.mppe_stateless = true;
	cfg.local_addr = client ? 0 : 0x0A000001u;
	cfg.eap_max_rounds = 8;
	cfg.eap_timeout_s = 20;
	z.l = ppp_new(&cfg, &fops, &z);
	if (!z.l)
		abort();
	ppp_start(z.l, z.now);
	open_lcp(&z, client);

	for (int step = 0; step < 256 && !z.down && rbuf_left(&r) >= 2; step++) {
		uint8_t op = 0, len = 0;
		rbuf_u8(&r, &op);
		rbuf_u8(&r, &len);
		if (len > rbuf_left(&r))
			len = (uint8_t)rbuf_left(&r);
		const uint8_t *b = rbuf_take(&r, len);
		uint8_t frame[4 + 255];
		switch (op % 5) {
		case 0:
			frame[0] = 0xFF;
			frame[1] = 0x03;
			frame[2] = 0xC2;
			frame[3] = 0x27;
			memcpy(frame + 4, b, len);
			input(&z, frame, 4u + len);
			break;
		case 1:
			input(&z, b, len);
			break;
		case 2:
			if (client) {
				memcpy(z.method, b, len);
				z.method_len = len;
			} else {
				ppp_eap_request(z.l, b, len, z.now);
			}
			break;
		case 3: {
			struct ppp_auth_verdict v;
			memset(&v, 0, sizeof(v));
			v.win_error = len && (b[0] & 1) ? 691 : 0;
			v.have_keys = !(sel & 16);
			v.peer_addr = 0x0A000064u;
			if (len && (b[0] & 2)) {
				v.eap_pkt = b + 1;
				v.eap_len = len - 1u;
			}
			ppp_auth_result(z.l, &v, z.now);
			break;
		}
		default:
			z.now += (uint64_t)(len + 1) * 250;
			if (ppp_next_deadline(z.l) <= z.now)
				ppp_on_timer(z.l, z.now);
			break;
		}
	}
	ppp_free(z.l);
	return 0;
}
