/*
 * The Windows-shaped client of `pptpbench connect --profile windows`
 * (pptpbench_windows.h).
 */
#include "tools/pptpbench_windows.h"

#include <stdio.h>
#include <string.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/ppp/cp.h"

#define WIN_FRAME_MAX 64

bool bench_windows_configure(struct bench_windows *w, struct ppp_config *pcfg,
			     struct bench_ipv6 *v6)
{
	uint64_t iid = 0;

	/* non-zero and not the server's usual 1; bounded: 4 draws */
	for (int i = 0; i < 4 && (iid == 0 || iid == 1); i++)
		if (!crypto_random(&iid, sizeof(iid)))
			return false;
	if (iid == 0 || iid == 1)
		return false;
	w->enabled = true;
	w->iid = iid;
	pcfg->mru = 1400;
	/* MPPE: every key length, stateless (+H +L +M +S); the server Naks one */
	pcfg->mppe_40 = pcfg->mppe_56 = pcfg->mppe_128 = true;
	pcfg->mppe_stateless = true;
	pcfg->client_windows_options = true;
	pcfg->allow_ipv6 = true;
	pcfg->ipv6_local_iid = iid;
	v6->enabled = true;
	v6->dhcp_info = true;
	printf("windows-iid %016llx\n", (unsigned long long)iid);
	return true;
}

/* The protocol and the control packet of a frame, [FF 03] optional. */
static bool frame_cp(const uint8_t *frame, size_t len, uint16_t *proto, uint8_t *code,
		     uint8_t *id, struct rbuf *opts)
{
	struct rbuf r;
	uint8_t b;
	size_t n;
	const uint8_t *pkt;

	rbuf_init(&r, frame, len);
	if (rbuf_peek_u8(&r, 0, &b) && b == PPP_ALLSTATIONS && !rbuf_skip(&r, 2))
		return false;
	if (!rbuf_be16(&r, proto))
		return false;
	n = rbuf_left(&r);
	pkt = rbuf_take(&r, n);
	return pkt && ppp_cp_read(pkt, n, code, id, opts);
}

/* [FF 03] proto, code, id, length, then body. */
static size_t put_cp(uint8_t *f, size_t cap, uint16_t proto, uint8_t code, uint8_t id,
		     const uint8_t *body, size_t blen)
{
	struct wbuf wb;

	wbuf_init(&wb, f, cap);
	wbuf_u8(&wb, PPP_ALLSTATIONS);
	wbuf_u8(&wb, PPP_UI);
	wbuf_be16(&wb, proto);
	wbuf_u8(&wb, code);
	wbuf_u8(&wb, id);
	wbuf_be16(&wb, (uint16_t)(PPP_CP_HDR_LEN + blen));
	wbuf_bytes(&wb, body, blen);
	return wbuf_ok(&wb) ? wb.len : 0;
}

void bench_windows_lcp_up(struct bench_windows *w, double ms)
{
	/* What Windows sends (clients.md): magic 0 (RFC 1570 allows it),
	 * then the message. */
	static const char *const msgs[] = { "MSRASV5.20", "MSRAS-0-PPTPBENCH" };
	uint8_t body[4 + 24], f[WIN_FRAME_MAX];
	size_t n, flen;
	unsigned sent = 0;

	if (!w->enabled || w->idents_sent)
		return;
	w->idents_sent = true;
	for (unsigned i = 0; i < 3; i++) {
		memset(body, 0, sizeof(body));
		if (i < 2) {
			n = strlen(msgs[i]);
			memcpy(body + 4, msgs[i], n);
		} else {
			n = 16; /* 16 binary bytes, as the third one is */
			for (unsigned k = 0; k < n; k++)
				body[4 + k] = (uint8_t)(0xA0 + k);
		}
		flen = put_cp(f, sizeof(f), PPP_PROTO_LCP, PPP_IDENTIFICATION, (uint8_t)(0x30 + i),
			      body, 4 + n);
		if (flen) {
			w->send(w->ctx, f, flen);
			sent++;
		}
	}
	printf("windows-ident %.1f ms sent=%u\n", ms, sent);
}

static void send_early(struct bench_windows *w, double ms)
{
	/* IPCP: address, MS-DNS 1, MS-NBNS 1, MS-DNS 2, MS-NBNS 2, all 0.0.0.0 */
	static const uint8_t types[] = { IPCP_OPT_ADDR, IPCP_OPT_DNS1, IPCP_OPT_NBNS1,
					 IPCP_OPT_DNS2, IPCP_OPT_NBNS2 };
	uint8_t body[32] = { 0 }, f[WIN_FRAME_MAX];
	size_t n = 0, flen;

	for (size_t i = 0; i < sizeof(types); i++) {
		body[n] = types[i];
		body[n + 1] = 6;
		n += 6; /* the address stays 0.0.0.0 */
	}
	flen = put_cp(f, sizeof(f), PPP_PROTO_IPCP, PPP_CONF_REQ, BENCH_WIN_EARLY_IPCP_ID, body, n);
	if (flen)
		w->send(w->ctx, f, flen);
	/* IPV6CP: Interface-Identifier, ours */
	body[0] = 1;
	body[1] = 10;
	for (int i = 0; i < 8; i++)
		body[2 + i] = (uint8_t)(w->iid >> (8 * (7 - i)));
	flen = put_cp(f, sizeof(f), PPP_PROTO_IPV6CP, PPP_CONF_REQ, BENCH_WIN_EARLY_IPV6CP_ID,
		      body, 10);
	if (flen)
		w->send(w->ctx, f, flen);
	printf("windows-early %.1f ms ipcp=%u ipv6cp=%u\n", ms, BENCH_WIN_EARLY_IPCP_ID,
	       BENCH_WIN_EARLY_IPV6CP_ID);
}

void bench_windows_tx(struct bench_windows *w, const uint8_t *frame, size_t len, double ms)
{
	uint16_t proto;
	uint8_t code, id;
	struct rbuf opts;

	if (!w->enabled || w->early_sent)
		return;
	if (!frame_cp(frame, len, &proto, &code, &id, &opts) || proto != PPP_PROTO_CCP ||
	    code != PPP_CONF_REQ)
		return;
	w->early_sent = true; /* before sending: this runs again for them */
	send_early(w, ms);
}

/* "13,17,23": the option types of a Configure-Ack or -Reject. */
static void print_types(const char *what, struct rbuf *opts)
{
	char list[128];
	size_t at = 0;
	uint8_t type, olen;

	list[0] = '\0';
	while (rbuf_left(opts) > 0 && at + 5 < sizeof(list)) {
		if (!rbuf_u8(opts, &type) || !rbuf_u8(opts, &olen) || olen < PPP_OPT_HDR_LEN ||
		    !rbuf_skip(opts, olen - PPP_OPT_HDR_LEN))
			break;
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%u", at ? "," : "", type);
	}
	printf("%s %s\n", what, at ? list : "none");
}

bool bench_windows_rx(struct bench_windows *w, const uint8_t *frame, size_t len, double ms)
{
	uint16_t proto;
	uint8_t code, id;
	struct rbuf opts;

	if (!w->enabled || !frame_cp(frame, len, &proto, &code, &id, &opts))
		return false;
	if (proto == PPP_PROTO_LCP && code == PPP_CONF_REJ) {
		print_types("windows-lcp-reject", &opts);
		return false;
	}
	if (proto == PPP_PROTO_LCP && code == PPP_CONF_ACK) {
		print_types("windows-lcp-ack", &opts);
		return false;
	}
	if (code < PPP_CONF_ACK || code > PPP_CONF_REJ)
		return false;
	if ((proto == PPP_PROTO_IPCP && id == BENCH_WIN_EARLY_IPCP_ID) ||
	    (proto == PPP_PROTO_IPV6CP && id == BENCH_WIN_EARLY_IPV6CP_ID)) {
		w->early_answers++;
		printf("windows-early-answer %.1f ms proto=%s code=%u id=%u\n", ms,
		       proto == PPP_PROTO_IPCP ? "ipcp" : "ipv6cp", code, id);
		return true;
	}
	return false;
}
