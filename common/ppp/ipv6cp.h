/*
 * IPV6CP (RFC 5072) on the shared automaton in fsm.h: the Interface-
 * Identifier option (type 1, 8 octets) and nothing else; IPv6-Compression-
 * Protocol (type 2) and any other option are Rejected.
 *
 * Server role: our request carries cfg.local (non-zero, from the owner).
 * The peer's identifier is Acked when it is non-zero, differs from ours and
 * events.iid_ok (the owner: not taken by another session) agrees; anything
 * else (zero, ours, taken) is Naked with events.iid_suggest (the owner's
 * choice, unique per session), as RFC 5072 4.1 asks. A request that leaves
 * the option out is told the suggested one too. The server never runs with
 * a colliding identifier: should the automaton, past Max-Failure, agree to
 * a request without one, ipv6cp_result() says peer == 0 and the owner
 * closes IPV6CP (the link goes on with IPv4).
 * Client role: request cfg.local (0: ask the server to suggest one) and
 * adopt what the server Naks; the server's identifier is taken as it is
 * unless it is zero or equal to ours (Naked with a different one).
 *
 * Identifiers are host-order uint64_t, the 8 octets as they appear on the
 * wire read big-endian (0x0200000000000001 is ::200:0:0:1).
 *
 * Lifetime: embedded in the owner's link, set up by ipv6cp_init(), owns
 * nothing; cfg, io and events must outlive it. Event callbacks must not
 * call ipv6cp_* event functions on the same object.
 */
#ifndef PPTP_COMMON_PPP_IPV6CP_H
#define PPTP_COMMON_PPP_IPV6CP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ppp/fsm.h"
#include "common/ppp/ppp_defs.h"

#define IPV6CP_OPT_IID     1  /* Interface-Identifier */
#define IPV6CP_OPT_COMP    2  /* IPv6-Compression-Protocol: rejected */
#define IPV6CP_IID_LEN     8  /* octets of the identifier's data */

struct ipv6cp_config {
	enum ppp_role role;
	uint64_t local;      /* server: ours (non-zero); client: to ask for (0: any) */
};

struct ipv6cp_events {
	void (*up)(void *arg);       /* identifiers agreed */
	void (*down)(void *arg);     /* left Opened */
	void (*finished)(void *arg); /* gave up or was closed (Protocol-Reject too) */
	/* Server: may the peer use iid (not ours, not zero: checked already)?
	 * NULL: yes. */
	bool (*iid_ok)(void *arg, uint64_t iid);
	/* Server: the identifier to suggest to the peer (non-zero, not ours);
	 * 0: none (the option is Rejected). Required in the server role. */
	uint64_t (*iid_suggest)(void *arg);
};

struct ipv6cp_result {
	uint64_t local, peer;        /* 0: not negotiated */
};

struct ipv6cp {
	struct fsm fsm;
	const struct ipv6cp_config *cfg;
	const struct ipv6cp_events *ev;
	void *arg;
	/* our request, adjusted by Naks/Rejects */
	bool want_iid;
	uint64_t iid;
	uint64_t pend_peer;          /* the peer's identifier in the request being answered */
	bool pend_has_iid;
	struct ipv6cp_result res;
	uint64_t naks_received, rejects_received;
	unsigned iid_naks;           /* server: identifiers Naked since ipv6cp_open() */
};

void ipv6cp_init(struct ipv6cp *v, const struct ipv6cp_config *cfg, const struct fsm_io *io,
		 const struct ipv6cp_events *ev, void *arg);
void ipv6cp_open(struct ipv6cp *v);   /* Open + Up (network phase) */
void ipv6cp_close(struct ipv6cp *v, const char *reason);
void ipv6cp_lower_down(struct ipv6cp *v);
void ipv6cp_timeout(struct ipv6cp *v);
/* The peer Protocol-Rejected IPV6CP (RXJ-): IPV6CP stops, nothing else. */
void ipv6cp_protocol_rejected(struct ipv6cp *v);
void ipv6cp_input(struct ipv6cp *v, const uint8_t *pkt, size_t len);
bool ipv6cp_is_opened(const struct ipv6cp *v);
const struct ipv6cp_result *ipv6cp_result(const struct ipv6cp *v);

#endif
