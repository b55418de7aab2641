/*
 * The RFC 1661 section 4 option-negotiation automaton, shared by LCP, IPCP
 * and CCP. The transition table is data (fsm.c: state x event -> actions +
 * next state); a protocol plugs in through struct fsm_ops (option callbacks
 * and layer events only) and the owner through struct fsm_io (send a
 * packet, start/stop the restart timer). Time never comes from here: the
 * owner runs the timer it is asked for and calls fsm_timeout().
 *
 * Packets handed to fsm_input() and written through fsm_io.send are the PPP
 * information field of a control protocol: code, identifier, length, data.
 * Everything is parsed through struct rbuf; malformed packets are dropped
 * and counted in drops[] by enum fsm_drop.
 *
 * Re-entrancy: callbacks run inside fsm_input()/fsm_open()/... and must not
 * call back into the same struct fsm's event functions (fsm_open, fsm_close,
 * fsm_input, ...). Protocols that need to act on what a callback learnt
 * (LCP loopback, CCP encryption refused) set a flag and act after the call
 * returns. Sending extra-code packets with fsm_send() is allowed anywhere.
 *
 * Lifetime: a struct fsm is embedded in its protocol object (struct lcp,
 * ...), set up by fsm_init() and owns nothing; the ops, io and ctx pointers
 * must outlive it. Before freeing the protocol object the owner stops its
 * timer (fsm_init'd objects never allocate).
 */
#ifndef PPTP_COMMON_PPP_FSM_H
#define PPTP_COMMON_PPP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum fsm_state {
	FSM_INITIAL,
	FSM_STARTING,
	FSM_CLOSED,
	FSM_STOPPED,
	FSM_CLOSING,
	FSM_STOPPING,
	FSM_REQ_SENT,
	FSM_ACK_RCVD,
	FSM_ACK_SENT,
	FSM_OPENED,
	FSM_NSTATES
};

enum fsm_event {
	FSM_EV_UP,
	FSM_EV_DOWN,
	FSM_EV_OPEN,
	FSM_EV_CLOSE,
	FSM_EV_TO_PLUS,
	FSM_EV_TO_MINUS,
	FSM_EV_RCR_PLUS,
	FSM_EV_RCR_MINUS,
	FSM_EV_RCA,
	FSM_EV_RCN,
	FSM_EV_RTR,
	FSM_EV_RTA,
	FSM_EV_RUC,
	FSM_EV_RXJ_PLUS,
	FSM_EV_RXJ_MINUS,
	FSM_EV_RXR,
	FSM_NEVENTS
};

/* Actions of one table cell, run in this bit order (RFC order in every cell). */
enum fsm_action {
	FSM_A_TLD = 1u << 0,
	FSM_A_TLS = 1u << 1,
	FSM_A_IRC = 1u << 2,
	FSM_A_ZRC = 1u << 3,
	FSM_A_SCR = 1u << 4,
	FSM_A_SCA = 1u << 5,
	FSM_A_SCN = 1u << 6,
	FSM_A_STR = 1u << 7,
	FSM_A_STA = 1u << 8,
	FSM_A_SCJ = 1u << 9,
	FSM_A_SER = 1u << 10,
	FSM_A_TLU = 1u << 11,
	FSM_A_TLF = 1u << 12,
	FSM_A_ILLEGAL = 1u << 15, /* "-" in the RFC table: ignored, counted */
};

struct fsm_cell {
	uint16_t actions; /* enum fsm_action bits */
	uint8_t next;     /* enum fsm_state */
};

extern const struct fsm_cell fsm_table[FSM_NSTATES][FSM_NEVENTS];

/* Why a received packet was dropped. */
enum fsm_drop {
	FSM_DROP_SHORT,        /* fewer than 4 octets: no header */
	FSM_DROP_BAD_LENGTH,   /* length field < 4 or larger than the data */
	FSM_DROP_BAD_OPTION,   /* option length < 2 or past the end */
	FSM_DROP_STALE_ID,     /* Ack/Nak/Reject not for our outstanding request */
	FSM_DROP_ACK_MISMATCH, /* Configure-Ack differs from what we sent */
	FSM_DROP_BAD_REJECT,   /* Nak/Reject names an option we did not send (Reject) or is invalid */
	FSM_DROP_TOO_LONG,     /* the reply would not fit FSM_PKT_MAX */
	FSM_DROP_STATE,        /* not acceptable in this state (Initial/Starting) */
	FSM_DROP_MAX
};

/* Largest control packet we build or answer. */
#define FSM_PKT_MAX 1500
/* Largest option list of our own Configure-Request, kept for
 * retransmission and to match the peer's Ack: LCP's is about 20 bytes,
 * IPCP's 30, CCP's 6. A request that would not fit is sent empty, as one
 * over FSM_PKT_MAX always was. Kept per FSM, so small: three per link. */
#define FSM_REQ_MAX 256

enum fsm_verdict {
	FSM_OPT_ACK,
	FSM_OPT_NAK,    /* the callback wrote the suggested value */
	FSM_OPT_REJECT,
};

/* What a protocol's handler made of a code outside 1..7. */
enum fsm_xcode {
	FSM_XC_UNKNOWN, /* send Code-Reject (RUC) */
	FSM_XC_HANDLED, /* consumed by the protocol */
	FSM_XC_RXR,     /* Echo-Request/Reply, Discard-Request: run event RXR */
};

struct fsm;

/* What a protocol (LCP, IPCP, CCP) supplies. All optional except build_request
 * and req_option. */
struct fsm_ops {
	/* Our Configure-Request options, appended to w. */
	void (*build_request)(struct fsm *f, struct wbuf *w);
	/* The peer's Configure-Request: begin, once per option, end. */
	void (*req_begin)(struct fsm *f);
	/* data/len: the option value (after type and length). For FSM_OPT_NAK
	 * write the suggested value (without type and length) into nak. */
	enum fsm_verdict (*req_option)(struct fsm *f, uint8_t type, const uint8_t *data,
				       size_t len, struct wbuf *nak);
	/* May append whole options (type, length, value) the peer should add:
	 * used only if nothing was rejected. */
	void (*req_end)(struct fsm *f, struct wbuf *nak);
	/* We are about to send a Configure-Ack: commit what req_option saw. */
	void (*req_acked)(struct fsm *f);
	/* A Configure-Ack matching our request arrived. */
	void (*rcv_ack)(struct fsm *f);
	/* One option of a Configure-Nak / Configure-Reject of our request. */
	void (*rcv_nak)(struct fsm *f, uint8_t type, const uint8_t *data, size_t len);
	void (*rcv_reject)(struct fsm *f, uint8_t type, const uint8_t *data, size_t len);
	/* Naks reached max_failure: further Naks are sent as Rejects. */
	void (*nak_exhausted)(struct fsm *f);
	/* Codes outside 1..7; data is the packet's data field. */
	enum fsm_xcode (*extra_code)(struct fsm *f, uint8_t code, uint8_t id, struct rbuf *data);
	/* Action ser (Opened + RXR): answer an Echo-Request. */
	void (*ser)(struct fsm *f, uint8_t code, uint8_t id, struct rbuf *data);
	/* Layer events: tlu, tld, tls, tlf. */
	void (*up)(struct fsm *f);
	void (*down)(struct fsm *f);
	void (*started)(struct fsm *f);
	void (*finished)(struct fsm *f);
};

/* What the owner supplies. arg is passed back untouched. */
struct fsm_io {
	/* pkt: code, id, length, data; the owner adds the protocol field. */
	void (*send)(void *arg, uint16_t proto, const uint8_t *pkt, size_t len);
	void (*timer_start)(void *arg, struct fsm *f, unsigned ms);
	void (*timer_stop)(void *arg, struct fsm *f);
	void *arg;
};

/* The identity a protocol's log lines start with. */
#define FSM_LOG_ID(f) ((f)->log_id ? (f)->log_id : "role=-")

struct fsm {
	const char *name;          /* "lcp", "ipcp", "ccp" (logs) */
	uint16_t proto;
	const struct fsm_ops *ops;
	const struct fsm_io *io;
	void *ctx;                 /* the protocol object */
	/* The owner's log identity, first on every line (struct
	 * ppp_config.log_id); NULL (as fsm_init leaves it): "role=-". */
	const char *log_id;

	enum fsm_state state;
	/* Parameters (RFC 1661 4.6); fsm_init sets the defaults. */
	unsigned restart_ms;       /* 3000 */
	unsigned max_configure;    /* 10 */
	unsigned max_terminate;    /* 2 */
	unsigned max_failure;      /* 5 */

	unsigned restart_count;
	unsigned nak_count;        /* Naks sent since our last Ack */
	bool timer_running;
	bool reply_seen;           /* an Ack/Nak/Reject for req_id was processed */
	uint8_t req_id;            /* identifier of our last Configure-Request */
	uint8_t next_id;           /* next identifier we use */
	uint8_t req[FSM_REQ_MAX];  /* options of our last Configure-Request */
	size_t req_len;
	char term_reason[64];      /* data of our Terminate-Request */

	/* The reply prepared for the Configure-Request being handled. Its
	 * options live on fsm_input's stack (valid during fsm_input only, as
	 * rx_data): an idle link keeps no reply buffer. */
	uint8_t reply_code;
	uint8_t reply_id;
	uint8_t *reply;
	size_t reply_len;
	/* The packet being handled (valid during fsm_input only). */
	uint8_t rx_code;
	uint8_t rx_id;
	const uint8_t *rx_data;
	size_t rx_len;

	uint64_t drops[FSM_DROP_MAX];
	uint64_t illegal_events;
};

void fsm_init(struct fsm *f, const char *name, uint16_t proto, const struct fsm_ops *ops,
	      void *ctx, const struct fsm_io *io);

/* Administrative and lower-layer events. reason (may be NULL) is the text of
 * our Terminate-Request. */
void fsm_up(struct fsm *f);
void fsm_down(struct fsm *f);
void fsm_open(struct fsm *f);
void fsm_close(struct fsm *f, const char *reason);
/* The restart timer the owner started has expired. */
void fsm_timeout(struct fsm *f);
/* The peer sent a Protocol-Reject for this protocol (RXJ-). */
void fsm_protocol_rejected(struct fsm *f);
/* One received control packet (code, id, length, data; padding allowed). */
void fsm_input(struct fsm *f, const uint8_t *pkt, size_t len);

/* Build and send one packet (extra codes: Echo, Reset, ...). False if it
 * does not fit FSM_PKT_MAX. */
bool fsm_send(struct fsm *f, uint8_t code, uint8_t id, const void *data, size_t len);
/* A fresh identifier for a packet we originate. */
uint8_t fsm_new_id(struct fsm *f);

/* One event through the table (exposed for protocols and tests). */
void fsm_event(struct fsm *f, enum fsm_event ev);

const char *fsm_state_name(enum fsm_state s);
const char *fsm_event_name(enum fsm_event e);
const char *fsm_drop_name(enum fsm_drop d);
const char *fsm_code_name(uint8_t code);

#endif
