/*
 * CCP (RFC 1962) restricted to MPPE (RFC 3078/3079, option 18) on the
 * shared automaton in fsm.h. Every other compression option is rejected.
 *
 * Policy (struct ccp_config): the key lengths allowed, stateless and/or
 * stateful mode, and whether encryption is required. A Nak we send always
 * names exactly one key length and one mode, with C (MPPC) and D cleared;
 * the server's own request offers exactly that too, while the client role
 * offers every allowed key length (as Windows does) and accepts a Nak that
 * suits its policy.
 *
 * If encryption is required and cannot be agreed (the peer rejects MPPE,
 * keeps offering what we cannot accept past Max-Failure, Protocol-Rejects
 * CCP, or CCP finishes without it), ccp_events.refused is called once; the
 * owner then terminates LCP with a reason. Reset-Request/Reset-Ack: the
 * owner calls ccp_send_reset_request() when mppe_rx_decrypt() says
 * MPPE_RX_RESET_NEEDED; a received Reset-Request is reported through
 * reset_request (the owner calls mppe_tx_reset()) and answered with a
 * Reset-Ack here.
 *
 * Renegotiation is refused: a Configure-Request from the peer while CCP is
 * Opened is not handed to the automaton (nothing is answered, CCP stays
 * Opened) but reported once through ccp_events.renegotiate; the owner ends
 * the link. Restarting MPPE would start again from the same start keys
 * and coherency count and reuse keystream (RFC 3078 allows dropping the
 * link instead). Reset-Request/Reset-Ack are not affected.
 *
 * Lifetime: embedded in the owner's session, set up by ccp_init(), owns
 * nothing; cfg, io and events must outlive it. Event callbacks must not
 * call ccp_* event functions on the same object.
 */
#ifndef PPTP_COMMON_PPP_CCP_H
#define PPTP_COMMON_PPP_CCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ppp/fsm.h"
#include "common/ppp/ppp_defs.h"

/* MPPE grows each frame by 4 octets (the 2-byte MPPE header and the
 * encrypted protocol field): the tunnel MTU must shrink by as much. */
#define CCP_MPPE_OVERHEAD 4

/* Key lengths, for ccp_config.keys. */
#define CCP_KEY_40  0x1u
#define CCP_KEY_56  0x2u
#define CCP_KEY_128 0x4u

struct ccp_config {
	enum ppp_role role;
	unsigned keys;  /* CCP_KEY_* set; default CCP_KEY_128 */
	bool stateless; /* default true */
	bool stateful;  /* default false (mppe-stateful) */
	bool required;  /* default true */
};

struct ccp_events {
	void (*up)(void *arg);            /* MPPE agreed: set up mppe_tx/mppe_rx */
	void (*down)(void *arg);
	void (*refused)(void *arg);       /* encryption required but refused */
	void (*reset_request)(void *arg); /* call mppe_tx_reset() */
	void (*reset_ack)(void *arg);
	void (*renegotiate)(void *arg);   /* Configure-Request in Opened: end the link */
};

struct ccp_dir {
	unsigned bits;  /* 40, 56, 128; 0: no MPPE in this direction */
	bool stateless;
};

struct ccp_result {
	struct ccp_dir tx; /* what we encrypt with (the peer's request) */
	struct ccp_dir rx; /* what we decrypt (our request) */
};

struct ccp {
	struct fsm fsm;
	const struct ccp_config *cfg;
	const struct ccp_events *ev;
	void *arg;
	bool want_mppe;
	uint32_t want_bits;     /* our MPPE supported bits */
	bool pend_mppe;
	uint32_t pend_bits;
	bool seen_mppe;         /* the peer's request carried option 18 */
	unsigned bad_naks;      /* Naks of ours we could not accept */
	bool refused, refused_reported, closing;
	bool renegotiation_reported;
	uint64_t renegotiations;  /* Configure-Requests refused in Opened */
	struct ccp_result res;
	uint64_t resets_rx, resets_tx;
};

/* The one value we would request or Nak in answer to `offered` (supported
 * bits): one key length (the strongest both allow, else our strongest) and
 * one mode; 0 if the policy allows nothing. */
uint32_t ccp_mppe_choose(const struct ccp_config *cfg, uint32_t offered);
/* Bits 40/56/128 of a supported-bits value with one key bit; 0 otherwise. */
unsigned ccp_mppe_bits(uint32_t sb);
void ccp_config_default(struct ccp_config *cfg, enum ppp_role role);

void ccp_init(struct ccp *c, const struct ccp_config *cfg, const struct fsm_io *io,
	      const struct ccp_events *ev, void *arg);
void ccp_open(struct ccp *c);   /* Open + Up (after authentication) */
void ccp_close(struct ccp *c, const char *reason);
void ccp_lower_down(struct ccp *c);
void ccp_timeout(struct ccp *c);
void ccp_input(struct ccp *c, const uint8_t *pkt, size_t len);
/* LCP reported a Protocol-Reject of CCP. */
void ccp_protocol_rejected(struct ccp *c);
bool ccp_send_reset_request(struct ccp *c);
bool ccp_is_opened(const struct ccp *c);
const struct ccp_result *ccp_result(const struct ccp *c);
/* The MTU to give the tunnel interface for a PPP MTU of link_mtu: lowered by
 * CCP_MPPE_OVERHEAD when we encrypt. */
unsigned ccp_tunnel_mtu(const struct ccp *c, unsigned link_mtu);

#endif
