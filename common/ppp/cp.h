/*
 * The header every PPP control packet starts with (RFC 1661 section 5:
 * Code, Identifier, Length), shared by LCP, IPCP, CCP, PAP and CHAP. One
 * inline reader over common/buf.h; no state.
 */
#ifndef PPTP_COMMON_PPP_CP_H
#define PPTP_COMMON_PPP_CP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/ppp/ppp_defs.h"

/* Reads the header from pkt and points body at the Length - 4 octets after
 * it; octets past Length are padding and ignored. False if pkt is shorter
 * than its header or than Length says, or Length is below the header's
 * size. */
static inline bool ppp_cp_read(const uint8_t *pkt, size_t len, uint8_t *code, uint8_t *id,
			       struct rbuf *body)
{
	struct rbuf r;
	uint16_t plen = 0;

	rbuf_init(&r, pkt, len);
	rbuf_u8(&r, code);
	rbuf_u8(&r, id);
	rbuf_be16(&r, &plen);
	return rbuf_ok(&r) && plen >= PPP_CP_HDR_LEN && rbuf_sub(&r, plen - PPP_CP_HDR_LEN, body);
}

#endif
