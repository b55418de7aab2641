/*
 * The PPP link: one per PPTP call, in either role. It owns LCP, the
 * authentication protocol (CHAP: MS-CHAPv2, MS-CHAPv1, MD5; PAP; or EAP
 * relayed to the owner, eap.h), CCP with MPPE, IPCP, and the MPPE data
 * path, and drives the phases:
 *
 *   DEAD -> ESTABLISH (LCP) -> AUTHENTICATE -> NETWORK (CCP and IPCP
 *   together) -> RUNNING (IPCP up, and MPPE up when required) -> TERMINATE
 *   -> DEAD
 *
 * MPPE keys are set up once per link: CCP leaving Opened after MPPE
 * started (a Configure-Request or Terminate-Request from the peer, ...)
 * ends the link with PPP_CAUSE_CCP_RENEGOTIATED (RFC 3078 lets either end
 * drop the link rather than renegotiate), because a new negotiation would
 * restart the key sequence and reuse keystream. CCP Reset-Request and
 * Reset-Ack (stateful resync) are no renegotiation and work as before.
 * A peer whose MPPE packets keep jumping the coherency count past the
 * re-key budget (mppe.h) is dropped with PPP_CAUSE_MPPE_ABUSE.
 *
 * IPCP packets that arrive while CCP is still negotiating and encryption is
 * required are held back (dropped and counted; the peer retransmits), never
 * a reason to end the link (Windows does this). Protocols the link does not
 * run (IPX, NetBEUI, CBCP, BAP, IPV6CP unless cfg.allow_ipv6, ...) are
 * answered with an LCP Protocol-Reject once LCP is open. While MPPE is up,
 * an unencrypted data frame is dropped and counted.
 *
 * IPv6 (cfg.allow_ipv6): IPV6CP (ipv6cp.h) starts with IPCP (after CCP when
 * MPPE is required) and runs beside it; the link is RUNNING on IPCP alone.
 * Once both are up, ops->ipv6_up reports the identifiers and IPv6 frames
 * (0x0057) flow both ways, through MPPE like IPv4. IPV6CP failing (the peer
 * rejects it, Protocol-Rejects 0x8057 or closes it) never ends the link:
 * ops->ipv6_down (if it was up) and IPv4 goes on.
 *
 * Framing: frames in and out are PPP frames as carried in GRE payloads: the
 * address/control bytes FF 03 and the protocol field. Input accepts both
 * with and without FF 03, and 1- or 2-byte protocol fields, at any time;
 * output leaves out FF 03 and compresses the protocol field only when the
 * peer agreed to ACFC / PFC. LCP packets always go out uncompressed.
 *
 * Time never comes from here: every entry point takes now (milliseconds,
 * monotonic). After ANY call into the link, the owner reads
 * ppp_next_deadline() and (re)arms its one timer for it; when the timer
 * fires it calls ppp_on_timer().
 *
 * Re-entrancy: ops callbacks run inside the link's entry points and must not
 * call ppp_free(). ops->down is the last callback; after it the owner frees
 * the link (from its reaper or right after the entry point returns), and no
 * entry point other than ppp_free() may be called.
 *
 * Disconnect cause: set once, at the first cause (enum ppp_cause), passed to
 * ops->down, and mapped by the owner to its log line, the PPTP result code
 * and the RADIUS Acct-Terminate-Cause (ppp_cause_name() for logs).
 *
 * Lifetime: ppp_new() allocates everything the link needs (including the
 * MPPE RC4 states, created when CCP comes up); nothing is allocated per
 * packet. ppp_free() wipes keys and passwords.
 */
#ifndef PPTP_COMMON_PPP_PPP_H
#define PPTP_COMMON_PPP_PPP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/ppp/chap.h"
#include "common/ppp/eap.h"
#include "common/ppp/pap.h"
#include "common/ppp/ppp_defs.h"

/* Bytes ppp_send_ip() may write in front of the IP packet: FF 03, the
 * protocol field (0x00FD), the MPPE header and the inner protocol 0x0021. */
#define PPP_TX_HEADROOM 8
/* Largest PPP frame the link sends or accepts. */
#define PPP_FRAME_MAX 1600
/* The most cfg.headroom ppp_new() accepts (control frames are built on
 * the stack with it in front). */
#define PPP_HEADROOM_MAX 128
/* ppp_send_ipv6() needs the same room in front of the packet. */
#define PPP_TX_HEADROOM_IPV6 PPP_TX_HEADROOM

enum ppp_phase {
	PPP_PHASE_DEAD,
	PPP_PHASE_ESTABLISH,
	PPP_PHASE_AUTHENTICATE,
	PPP_PHASE_NETWORK,
	PPP_PHASE_RUNNING,
	PPP_PHASE_TERMINATE,
};

enum ppp_cause {
	PPP_CAUSE_NONE = 0,
	PPP_CAUSE_PEER_TERMINATE,     /* the peer sent LCP Terminate-Request */
	PPP_CAUSE_LOWER_DOWN,         /* the call went away under the link */
	PPP_CAUSE_KEEPALIVE,          /* LCP echo failures */
	PPP_CAUSE_LCP_FAILED,         /* LCP negotiation gave up */
	PPP_CAUSE_LOOPBACK,           /* looped-back link (magic numbers) */
	PPP_CAUSE_AUTH_FAILED,        /* credentials refused, retries used up */
	PPP_CAUSE_AUTH_TIMEOUT,
	PPP_CAUSE_ENCRYPTION_REFUSED, /* MPPE required, peer will not */
	PPP_CAUSE_IPCP_FAILED,
	PPP_CAUSE_NO_ADDRESS,         /* the owner had no address to give */
	PPP_CAUSE_MPPE_ERROR,         /* MPPE receive state beyond recovery */
	PPP_CAUSE_ADMIN,              /* the operator ended it */
	PPP_CAUSE_SHUTDOWN,           /* the server is stopping */
	PPP_CAUSE_SESSION_TIMEOUT,
	PPP_CAUSE_IDLE_TIMEOUT,
	PPP_CAUSE_MPPE_ABUSE,         /* coherency-count jumps kept over the re-key budget */
	PPP_CAUSE_CCP_RENEGOTIATED,   /* CCP left Opened after MPPE started (refused) */
};

struct ppp_config {
	enum ppp_role role;
	/* Bytes the owner wants free in front of every frame handed to
	 * ops->send (its GRE and IP headers), so it can send without a copy;
	 * at most PPP_HEADROOM_MAX. */
	size_t headroom;

	/* LCP */
	uint16_t mru;                  /* ours; 0: 1400 */
	unsigned echo_interval_s;      /* 0: no keepalive */
	unsigned echo_failures;        /* unanswered echoes before down */

	/* Authentication. Server role: what may be used, in this preference:
	 * MS-CHAPv2, MS-CHAPv1, CHAP-MD5, PAP. Client role: what it accepts. */
	bool allow_mschapv2, allow_mschapv1, allow_chap_md5, allow_pap;
	const char *host_name;         /* server: the name in CHAP Challenges */
	unsigned auth_timeout_s;       /* 0: 30 */
	unsigned auth_max_attempts;    /* MS-CHAP responses checked; 0: 4 */
	/* EAP (common/ppp/eap.h). Server role: allow_eap asks for EAP first
	 * and falls back to the CHAP kinds above when the peer Naks it, unless
	 * require_eap; every EAP Response goes to ops->eap_response. At most
	 * eap_max_rounds Requests (0: 50) within eap_timeout_s (0: 60).
	 * Client role: allow_eap accepts EAP, answered by ops->eap_method. */
	bool allow_eap, require_eap;
	unsigned eap_max_rounds;
	unsigned eap_timeout_s;
	const char *user;              /* client role */
	const char *password;          /* client role; copied, wiped on free */

	/* CCP / MPPE */
	bool mppe_required;
	bool mppe_40, mppe_56, mppe_128;
	bool mppe_stateless, mppe_stateful; /* modes allowed */

	/* IPCP (addresses in host byte order) */
	uint32_t local_addr;           /* server: localip; client: 0 */
	uint32_t dns[2], nbns[2];      /* server: offered (0: none) */
	/* Client role only, for tests that play Windows: LCP also asks for
	 * callback, MRRU, endpoint and link discriminators
	 * (lcp_config.windows_options), IPCP for NBNS 1/2 besides DNS. */
	bool client_windows_options;
	/* Logs: the owner's identity, written first on every line of the link
	 * and its protocols ("ctrl=3 call=4711 session=12 user=alice ...",
	 * common/log_id.h). The owner keeps the string alive for the link's
	 * life and may re-write it in place (a user name learnt later). NULL:
	 * "role=server" or "role=client". */
	const char *log_id;

	/* IPV6CP (ipv6cp.h). false: IPV6CP is Protocol-Rejected. */
	bool allow_ipv6;
	/* Server: our interface identifier (non-zero; IPV6CP is not run
	 * without one); client: the one to ask for (0: the server suggests). */
	uint64_t ipv6_local_iid;
	/* Server: the identifier the owner gives this session's peer when the
	 * peer's own is zero, ours or taken (ops->ipv6_iid_ok); unique per
	 * session, the owner decides. 0: the peer's own non-zero identifier is
	 * the only one it can get. */
	uint64_t ipv6_peer_iid;
};

/* What the owner learns when IPV6CP is up (and the link RUNNING). The
 * link-local addresses are fe80::<iid>. */
struct ppp_ipv6_info {
	/* Host order, as ipv6cp.h. local_iid 0: the peer Configure-Rejected
	 * the option (RFC 5072 allows it); the server still uses its own. */
	uint64_t local_iid, peer_iid;
	unsigned mppe_bits;             /* 0 (no MPPE), 40, 56, 128 */
	uint16_t ip_mtu;                /* as ppp_ip_info.ip_mtu */
};

/* What the owner learns when the network phase is complete. */
struct ppp_ip_info {
	uint32_t local_addr, peer_addr; /* host byte order */
	uint32_t dns[2], nbns[2];
	unsigned mppe_bits;             /* 0 (no MPPE), 40, 56, 128 */
	bool mppe_stateful;
	uint16_t peer_mru;
	/* Largest IP packet the peer accepts through this link: peer MRU less
	 * the MPPE overhead. */
	uint16_t ip_mtu;
};

struct ppp_stats {
	uint64_t rx_frames, tx_frames;
	uint64_t rx_ip_packets, tx_ip_packets;
	uint64_t rx_ip_bytes, tx_ip_bytes;
	uint64_t rx_bad_frames;        /* too short, bad address/control */
	uint64_t rx_unencrypted;       /* plain data while MPPE is up: dropped */
	uint64_t rx_mppe_dropped;      /* late, replayed or bad MPPE packets */
	/* MPPE packets dropped before any re-key work: the coherency count
	 * jumped too far or the session's re-key budget was spent. */
	uint64_t rx_mppe_refused;
	uint64_t rx_held_ipcp;         /* IPCP dropped while CCP negotiates */
	uint64_t rx_proto_rejected;    /* unknown protocols Protocol-Rejected */
	uint64_t tx_dropped;           /* ppp_send_ip() while not RUNNING */
	uint64_t mppe_resets;          /* CCP Reset-Requests sent */
	/* Frames for a protocol whose phase has not started (CCP before
	 * authentication, ...), or anything but LCP while terminating. */
	uint64_t rx_dropped;
	/* IPv6 (cfg.allow_ipv6) */
	uint64_t rx_ipv6_packets, tx_ipv6_packets;
	uint64_t rx_ipv6_bytes, tx_ipv6_bytes;
	uint64_t rx_held_ipv6cp;       /* IPV6CP held while CCP negotiates */
	/* EAP packets dropped during the exchange: stale Identifier, a
	 * duplicate while the owner works, a code the role never receives,
	 * a Length that lies, longer than EAP_PACKET_MAX. */
	uint64_t rx_eap_dropped;
};

struct ppp_ops {
	/* Send one frame. frame has cfg.headroom writable bytes before it and
	 * stays valid only during the call. */
	void (*send)(void *owner, uint8_t *frame, size_t len);
	/* Server role: credentials to check (exactly one of chap/pap is set).
	 * Answer later, from any entry point, with ppp_auth_result(). */
	void (*auth_request)(void *owner, const struct chap_response_info *chap,
			     const struct pap_request_info *pap);
	/* Server role: the authentication attempt was abandoned (timeout,
	 * link down): drop any pending backend request. Optional. */
	void (*auth_cancel)(void *owner);
	/* The link is RUNNING: addresses agreed, MPPE up if required. */
	void (*ip_up)(void *owner, const struct ppp_ip_info *info);
	/* A received IPv4 packet (decrypted). pkt may be modified in place. */
	void (*ip_rx)(void *owner, uint8_t *pkt, size_t len);
	/* Last callback: the link is finished; the owner ends the call. */
	void (*down)(void *owner, enum ppp_cause cause, const char *detail);
	/* Optional random source (tests, the server's batched one); NULL:
	 * crypto_random(). */
	bool (*random)(void *owner, void *buf, size_t len);
	/* Client role: the authenticator refused the password but allows
	 * another try (MS-CHAP Failure with R=1; win_error is its E=). Return
	 * the password to send next (copied), or NULL to give up, which ends
	 * the link with PPP_CAUSE_AUTH_FAILED. Optional: NULL never retries.
	 * Must not call into the link. */
	const char *(*auth_retry)(void *owner, unsigned win_error);
	/* Server role, EAP: one Response from the peer to relay (the first is
	 * the Identity Response). Answer later with ppp_eap_request() or
	 * ppp_auth_result(). Needed when cfg.allow_eap. */
	void (*eap_response)(void *owner, const struct eap_packet_info *eap);
	/* Client role, EAP: answer one Request (not Identity: the link answers
	 * that with cfg.user): write the whole Response packet into resp
	 * (at most cap bytes) and return its length; 0 to send nothing (the
	 * Request is ignored and the authenticator will resend it); -1 to
	 * give up (the link ends with PPP_CAUSE_AUTH_FAILED). */
	int (*eap_method)(void *owner, const uint8_t *req, size_t len, uint8_t *resp, size_t cap);
	/* Client role, EAP Success: the MPPE start keys the method derived,
	 * client's point of view (send = client to server). False: none (the
	 * link ends if MPPE is required). */
	bool (*eap_keys)(void *owner, uint8_t send_key[16], uint8_t recv_key[16]);

	/* IPv6 (cfg.allow_ipv6), all optional. Server role: may the peer use
	 * this interface identifier (no other session of the owner has it)?
	 * NULL: yes. Must not call into the link. */
	bool (*ipv6_iid_ok)(void *owner, uint64_t iid);
	/* IPV6CP is up and the link RUNNING: routes, Router Advertisements. */
	void (*ipv6_up)(void *owner, const struct ppp_ipv6_info *info);
	/* IPV6CP left Opened (the link goes on with IPv4); only after ipv6_up,
	 * and not when the whole link goes down (ops->down says that). */
	void (*ipv6_down)(void *owner);
	/* A received IPv6 packet (decrypted). pkt may be modified in place. */
	void (*ipv6_rx)(void *owner, uint8_t *pkt, size_t len);
};

/* The authenticator's verdict for ppp_auth_result(). */
struct ppp_auth_verdict {
	unsigned win_error;          /* 0: accepted; else 691, 647, 649, ... */
	const char *message;         /* for the log */
	/* On acceptance: */
	const char *auth_response;   /* MS-CHAPv2 "S=..." (42 chars), else NULL */
	bool have_keys;              /* MPPE start keys below are valid */
	uint8_t send_key[16];        /* server's send start key */
	uint8_t recv_key[16];        /* server's receive start key */
	uint32_t peer_addr;          /* host order; 0: none available */
	/* Host order; non-zero entries replace the configured ones (RADIUS
	 * MS-Primary-DNS-Server and friends). */
	uint32_t dns[2], nbns[2];
	/* The user's encryption policy (RADIUS MS-MPPE-Encryption-Policy and
	 * -Types), applied to CCP, which starts after authentication: a set
	 * of CCP_KEY_* replaces the configured key lengths (0: keep them);
	 * mppe_require makes MPPE required for this link (it never lifts a
	 * configured requirement). */
	unsigned mppe_keys;
	bool mppe_require;
	/* IPV6CP, which starts after authentication: non-zero replaces
	 * cfg.ipv6_peer_iid, the identifier suggested to the peer (RADIUS
	 * Framed-Interface-Id, RFC 3162 2.2). */
	uint64_t ipv6_peer_iid;
	/* EAP: the Success or Failure packet of the RADIUS reply, sent to the
	 * peer as it is (its Identifier is the last Request's); NULL: the link
	 * makes its own. */
	const uint8_t *eap_pkt;
	size_t eap_len;
};

struct ppp_link;

struct ppp_link *ppp_new(const struct ppp_config *cfg, const struct ppp_ops *ops, void *owner);
void ppp_free(struct ppp_link *l);

/* The PPTP call is up: start LCP. */
void ppp_start(struct ppp_link *l, uint64_t now);
/* One received PPP frame (a GRE payload). The frame may be changed in
 * place (decryption). */
void ppp_input(struct ppp_link *l, uint8_t *frame, size_t len, uint64_t now);
void ppp_on_timer(struct ppp_link *l, uint64_t now);
/* When ppp_on_timer() is next due; UINT64_MAX: no timer. */
uint64_t ppp_next_deadline(const struct ppp_link *l);

/* Server role: the answer to ops->auth_request. On acceptance the link
 * sends Success, keeps the keys for MPPE and the address for IPCP, and goes
 * to the network phase; with peer_addr 0 it ends with PPP_CAUSE_NO_ADDRESS. */
void ppp_auth_result(struct ppp_link *l, const struct ppp_auth_verdict *v, uint64_t now);

/* Server role, EAP: the next Request for the peer (an Access-Challenge's
 * EAP-Message), sent as it is; the exchange goes on and the next Response
 * comes to ops->eap_response. A packet that is not a well-formed Request
 * ends the link (PPP_CAUSE_AUTH_FAILED). */
void ppp_eap_request(struct ppp_link *l, const uint8_t *pkt, size_t len, uint64_t now);

/* End the link: LCP Terminate-Request carrying detail, then ops->down. */
void ppp_close(struct ppp_link *l, enum ppp_cause cause, const char *detail, uint64_t now);
/* The call is gone: no more packets are sent; ops->down follows at once. */
void ppp_lower_down(struct ppp_link *l, enum ppp_cause cause, uint64_t now);

/* Send one IPv4 packet. PPP_TX_HEADROOM bytes before pkt, plus the
 * owner's cfg.headroom before those, must be writable; the packet is
 * encrypted in place. False (and counted) unless the link is RUNNING. */
bool ppp_send_ip(struct ppp_link *l, uint8_t *pkt, size_t len, uint64_t now);
/* Send one IPv6 packet, as ppp_send_ip() (same headroom); false (and
 * counted) unless IPV6CP is up too. */
bool ppp_send_ipv6(struct ppp_link *l, uint8_t *pkt, size_t len, uint64_t now);
/* IPV6CP is up (ops->ipv6_up was called, no ipv6_down since). */
bool ppp_ipv6_is_up(const struct ppp_link *l);

enum ppp_phase ppp_phase(const struct ppp_link *l);
const struct ppp_stats *ppp_stats(const struct ppp_link *l);
/* The authenticated user name (server role), "" before. */
const char *ppp_peer_name(const struct ppp_link *l);
const char *ppp_phase_name(enum ppp_phase p);
const char *ppp_cause_name(enum ppp_cause c);

#endif
