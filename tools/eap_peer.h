/*
 * The peer side of EAP methods for the client tools (pptpbench connect
 * --auth eap-mschapv2|peap-mschapv2|eap-tls): given an EAP Request, write
 * the Response. Synchronous: TLS runs over memory BIOs, never a socket.
 *
 * The PPP link answers Request/Identity itself (ppp_config.user); the
 * method sees every other Request through eap_peer_request(), which is
 * what ppp_ops.eap_method calls. After EAP Success, eap_peer_keys() gives
 * the MPPE start keys from the method's key material (MS-CHAPv2: RFC 3079
 * from the NT hash; TLS and PEAP: the MSK of RFC 5216 2.3, exported from
 * the TLS session), client's point of view.
 *
 * Lifetimes: one struct eap_peer per login attempt, from eap_peer_new() to
 * eap_peer_free(), which wipes the password and every key.
 */
#ifndef PPTP_TOOLS_EAP_PEER_H
#define PPTP_TOOLS_EAP_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum eap_peer_method {
	EAP_PEER_MSCHAPV2,      /* EAP-MSCHAPv2 (type 26) */
	EAP_PEER_PEAP_MSCHAPV2, /* PEAPv0 (type 25) with EAP-MSCHAPv2 inside */
	EAP_PEER_TLS,           /* EAP-TLS (type 13) with a client certificate */
};

struct eap_peer_config {
	enum eap_peer_method method;
	const char *identity;   /* outer identity and MS-CHAPv2 user name */
	const char *password;   /* MS-CHAPv2 methods; copied */
	const char *ca_file;    /* PEAP, TLS: the CA that signed the server (PEM); NULL: no check */
	const char *cert_file;  /* TLS: our certificate (PEM) */
	const char *key_file;   /* TLS: its key (PEM) */
};

struct eap_peer;

/* NULL with a reason in err (for the user) when a file cannot be read. */
struct eap_peer *eap_peer_new(const struct eap_peer_config *cfg, char *err, size_t errlen);
void eap_peer_free(struct eap_peer *p);

/* One Request (whole EAP packet) in; the Response written to resp.
 * Returns its length, 0 to ignore the Request, -1 to give up (the reason
 * then in eap_peer_error()). */
int eap_peer_request(struct eap_peer *p, const uint8_t *req, size_t len, uint8_t *resp, size_t cap);
/* After EAP Success: the MPPE start keys (send = client to server). */
bool eap_peer_keys(struct eap_peer *p, uint8_t send_key[16], uint8_t recv_key[16]);
/* Why the method gave up, or "". */
const char *eap_peer_error(const struct eap_peer *p);

/* Tests only (the RFC 2759 vectors): the MS-CHAPv2 Peer-Challenge to use
 * instead of a random one. */
void eap_peer_test_peer_challenge(struct eap_peer *p, const uint8_t chal[16]);

#endif
