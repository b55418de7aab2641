/*
 * IPCP (RFC 1332) with the Microsoft DNS/NBNS options (RFC 1877) on the
 * shared automaton in fsm.h.
 *
 * Server role: our request carries our address (config local); the peer's
 * address is the one the owner assigned with ipcp_set_peer_address() (pool
 * or static) before ipcp_open(): any other value is Naked with it. DNS and
 * NBNS requests are Naked with the configured values or Rejected when
 * nothing is configured. VJ compression and IP-Addresses are rejected.
 * Client role: request 0.0.0.0 (or the configured address) and, if asked,
 * DNS; adopt the values the server Naks.
 *
 * The server never agrees to a link without the peer's address: once
 * Max-Failure Naks are spent (where the automaton would Reject the address
 * option, or Ack a request that leaves it out), a Configure-Request that
 * still does not carry the assigned address is not answered; IPCP reports
 * ipcp_events.no_address once and the owner ends the link.  IPCP never
 * reaches Opened without the address.
 *
 * Addresses are host-order uint32_t (0x0A000001 is 10.0.0.1).
 *
 * Lifetime: embedded in the owner's session, set up by ipcp_init(), owns
 * nothing; cfg, io and events must outlive it. Event callbacks must not
 * call ipcp_* event functions on the same object.
 */
#ifndef PPTP_COMMON_PPP_IPCP_H
#define PPTP_COMMON_PPP_IPCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ppp/fsm.h"
#include "common/ppp/ppp_defs.h"

struct ipcp_config {
	enum ppp_role role;
	uint32_t local;      /* server: our address; client: address to ask for (0: any) */
	uint32_t dns[2];     /* server: handed out (0: reject the option) */
	uint32_t nbns[2];
	bool want_dns;       /* client: ask for DNS servers */
	bool want_nbns;      /* client: ask for NBNS servers too (Windows does) */
};

struct ipcp_events {
	void (*up)(void *arg);       /* addresses agreed: configure the tun / routes */
	void (*down)(void *arg);
	void (*finished)(void *arg); /* IPCP gave up or was closed */
	void (*no_address)(void *arg); /* server: the peer will not take its address */
};

struct ipcp_result {
	uint32_t local, peer;
	uint32_t dns[2], nbns[2]; /* server: given to the peer; client: received */
};

struct ipcp {
	struct fsm fsm;
	const struct ipcp_config *cfg;
	const struct ipcp_events *ev;
	void *arg;
	uint32_t assigned;           /* server: the peer's address */
	/* our request, adjusted by Naks/Rejects */
	bool want_addr, want_dns[2], want_nbns[2];
	uint32_t addr, dns[2], nbns[2];
	struct ipcp_result pend, res;
	bool pend_has_addr;
	bool no_address;             /* server: refused after the Nak limit */
};

void ipcp_init(struct ipcp *ip, const struct ipcp_config *cfg, const struct fsm_io *io,
	       const struct ipcp_events *ev, void *arg);
void ipcp_set_peer_address(struct ipcp *ip, uint32_t addr);
void ipcp_open(struct ipcp *ip);   /* Open + Up (after authentication) */
void ipcp_close(struct ipcp *ip, const char *reason);
void ipcp_lower_down(struct ipcp *ip);
void ipcp_timeout(struct ipcp *ip);
void ipcp_input(struct ipcp *ip, const uint8_t *pkt, size_t len);
bool ipcp_is_opened(const struct ipcp *ip);
const struct ipcp_result *ipcp_result(const struct ipcp *ip);

#endif
