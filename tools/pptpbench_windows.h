/*
 * `pptpbench connect --profile windows`: the client behaves as
 * ../shared/clients.md says Windows' built-in client does, for the tests
 * of issue 14 (docs/ipv6.md, "The clients"):
 *  - LCP Configure-Request with MRU 1400, magic, PFC, ACFC, callback (13),
 *    MRRU (17), endpoint discriminator (19) and option 23, resent without
 *    the ones the server Rejects (ppp_config.client_windows_options);
 *  - three Identification packets (LCP code 12) once LCP is open;
 *  - CCP offering MPPE stateless with every key length (40, 56, 128),
 *    for the server to Nak down to one;
 *  - IPCP asking 0.0.0.0 with MS-DNS 1/2 and MS-NBNS 1/2;
 *  - one IPCP and one IPV6CP Configure-Request sent while CCP is still
 *    negotiating (ids BENCH_WIN_EARLY_IPCP_ID / _IPV6CP_ID, outside the
 *    link's own automata): the server must hold them, not fail; its
 *    answers to them are consumed here and printed;
 *  - IPV6CP with a random non-zero interface identifier, then a Router
 *    Solicitation and a DHCPv6 Information-Request asking for DNS (the
 *    --ipv6 --dhcpv6-info machinery of pptpbench_ipv6.h).
 *
 * Lines printed: "windows-iid IID", "windows-lcp-reject OPTS" (the option
 * types of each LCP Configure-Reject the server sent), "windows-lcp-ack
 * OPTS", "windows-ident MS sent=3", "windows-early MS ipcp=ID ipv6cp=ID"
 * (sent right after our first CCP Configure-Request), "windows-early-answer
 * MS proto=ipcp|ipv6cp code=N id=ID" (the server answered a held request
 * once CCP was up).
 *
 * Lifetime: embedded in struct connect; no allocation.
 */
#ifndef PPTP_TOOLS_PPTPBENCH_WINDOWS_H
#define PPTP_TOOLS_PPTPBENCH_WINDOWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ppp/ppp.h"
#include "tools/pptpbench_ipv6.h"

#define BENCH_WIN_EARLY_IPCP_ID   0xE0
#define BENCH_WIN_EARLY_IPV6CP_ID 0xE1

struct bench_windows {
	bool enabled;            /* --profile windows */
	bool early_sent, idents_sent;
	uint64_t iid;            /* our IPV6CP interface identifier */
	unsigned early_answers;
	/* Sends one raw PPP frame ([FF 03] protocol, packet) on the call. */
	void (*send)(void *ctx, uint8_t *frame, size_t len);
	void *ctx;
};

/* --profile windows: sets the link's and --ipv6's knobs. False if no
 * random identifier could be drawn. */
bool bench_windows_configure(struct bench_windows *w, struct ppp_config *pcfg,
			     struct bench_ipv6 *v6);
/* LCP is open: the Identification packets. */
void bench_windows_lcp_up(struct bench_windows *w, double ms);
/* Every frame the link sent: after our first CCP Configure-Request, the
 * early IPCP and IPV6CP requests. */
void bench_windows_tx(struct bench_windows *w, const uint8_t *frame, size_t len, double ms);
/* Every frame received, before the link: true if it answers one of the
 * early requests (consumed, not for the link's automata). */
bool bench_windows_rx(struct bench_windows *w, const uint8_t *frame, size_t len, double ms);

#endif
