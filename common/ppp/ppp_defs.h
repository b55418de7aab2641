/*
 * PPP numbers shared by the stack: protocol field values, control packet
 * codes (RFC 1661 section 5, RFC 1962 for the CCP reset codes), and the
 * option types used by LCP, IPCP and CCP. Constants only; no state.
 */
#ifndef PPTP_COMMON_PPP_PPP_DEFS_H
#define PPTP_COMMON_PPP_PPP_DEFS_H

/* Which end of the link a protocol object plays. */
enum ppp_role {
	PPP_ROLE_SERVER, /* the authenticator: assigns addresses, requires auth */
	PPP_ROLE_CLIENT, /* the peer that dials in */
};

/* ---- HDLC-like framing (RFC 1662 3.1): the two octets before the protocol ---- */
#define PPP_ALLSTATIONS    0xFF /* Address: All-Stations */
#define PPP_UI             0x03 /* Control: Unnumbered Information */

/* ---- PPP protocol field values ---- */
#define PPP_PROTO_IP       0x0021
#define PPP_PROTO_IPV6     0x0057
#define PPP_PROTO_MP       0x003D
#define PPP_PROTO_COMP     0x00FD /* MPPE/MPPC-compressed datagram */
#define PPP_PROTO_IPCP     0x8021
#define PPP_PROTO_IPXCP    0x802B
#define PPP_PROTO_NBFCP    0x803F
#define PPP_PROTO_ECP      0x8053
#define PPP_PROTO_IPV6CP   0x8057
#define PPP_PROTO_CCP      0x80FD
#define PPP_PROTO_LCP      0xC021
#define PPP_PROTO_PAP      0xC023
#define PPP_PROTO_LQR      0xC025
#define PPP_PROTO_BACP     0xC02B
#define PPP_PROTO_BAP      0xC02D
#define PPP_PROTO_CBCP     0xC029
#define PPP_PROTO_CHAP     0xC223
#define PPP_PROTO_EAP      0xC227

/* ---- Control packet codes ---- */
#define PPP_CONF_REQ       1
#define PPP_CONF_ACK       2
#define PPP_CONF_NAK       3
#define PPP_CONF_REJ       4
#define PPP_TERM_REQ       5
#define PPP_TERM_ACK       6
#define PPP_CODE_REJ       7
/* LCP only */
#define PPP_PROTO_REJ      8
#define PPP_ECHO_REQ       9
#define PPP_ECHO_REP       10
#define PPP_DISCARD_REQ    11
#define PPP_IDENTIFICATION 12 /* RFC 1570 */
#define PPP_TIME_REMAINING 13 /* RFC 1570 */
/* CCP only (RFC 1962) */
#define PPP_RESET_REQ      14
#define PPP_RESET_ACK      15

#define PPP_CP_HDR_LEN     4  /* code, identifier, length */
#define PPP_OPT_HDR_LEN    2  /* type, length */
#define PPP_MRU_DEFAULT    1500
#define PPP_MRU_MIN        128

/* ---- LCP options (RFC 1661, 1570, 1990, 2125) ---- */
#define LCP_OPT_MRU        1
#define LCP_OPT_ACCM       2
#define LCP_OPT_AUTH       3
#define LCP_OPT_QUALITY    4
#define LCP_OPT_MAGIC      5
#define LCP_OPT_PFC        7
#define LCP_OPT_ACFC       8
#define LCP_OPT_CALLBACK   13
#define LCP_OPT_MRRU       17
#define LCP_OPT_SSNHF      18
#define LCP_OPT_EPDISC     19
#define LCP_OPT_LDISC      23
/* Octets of option data (after type and length). */
#define LCP_MRU_LEN        2
#define LCP_ACCM_LEN       4
#define LCP_MAGIC_LEN      4
#define LCP_AUTH_PAP_LEN   2  /* protocol */
#define LCP_AUTH_CHAP_LEN  3  /* protocol, algorithm */
#define LCP_AUTH_EAP_LEN   2  /* protocol 0xC227, no data (RFC 3748 7.1) */

/* CHAP algorithm octet after the 0xC223 protocol (RFC 1994, 2433, 2759). */
#define CHAP_ALG_MD5       0x05
#define CHAP_ALG_MSCHAPV1  0x80
#define CHAP_ALG_MSCHAPV2  0x81

/* ---- IPCP options (RFC 1332, 1877) ---- */
#define IPCP_OPT_ADDRS     1  /* IP-Addresses, deprecated */
#define IPCP_OPT_COMP      2  /* IP-Compression-Protocol (VJ) */
#define IPCP_OPT_ADDR      3
#define IPCP_OPT_DNS1      129
#define IPCP_OPT_NBNS1     130
#define IPCP_OPT_DNS2      131
#define IPCP_OPT_NBNS2     132
#define IPCP_ADDR_LEN      4  /* octets of an address option's data */

/* ---- CCP options (RFC 1962 and the registry) ---- */
#define CCP_OPT_PRED1      1
#define CCP_OPT_PRED2      2
#define CCP_OPT_STAC       17
#define CCP_OPT_MPPE       18 /* MPPE/MPPC, RFC 2118/3078 */
#define CCP_OPT_BSD        21
#define CCP_OPT_DEFLATE    26
#define CCP_MPPE_OPT_LEN   6

/*
 * The 32-bit MPPE "supported bits" field (RFC 3078 section 2.2, checked
 * against pppd's and Linux's ppp_mppe.h): H in the most significant octet,
 * the rest in the least significant one. S is 128-bit, M 56-bit, L 40-bit.
 */
#define MPPE_SB_H          0x01000000u /* stateless ("history-less") mode */
#define MPPE_SB_M          0x00000080u /* 56-bit keys */
#define MPPE_SB_S          0x00000040u /* 128-bit keys */
#define MPPE_SB_L          0x00000020u /* 40-bit keys */
#define MPPE_SB_D          0x00000010u /* obsolete */
#define MPPE_SB_C          0x00000001u /* MPPC compression */
#define MPPE_SB_KEYS       (MPPE_SB_M | MPPE_SB_S | MPPE_SB_L)

#endif
