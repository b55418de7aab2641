/*
 * Windows error numbers carried in MS-CHAP Failure messages ("E=691") and
 * shown to users by Windows clients (RFC 2759 section 6, RFC 2433), and in
 * RADIUS MS-CHAP-Error (RFC 2548). Used by the PPP stack and the user
 * stores alike, hence in common/. Constants only.
 */
#ifndef PPTP_COMMON_AUTH_CODES_H
#define PPTP_COMMON_AUTH_CODES_H

#define AUTH_E_RESTRICTED_LOGON_HOURS 646
#define AUTH_E_ACCT_DISABLED          647
#define AUTH_E_PASSWD_EXPIRED         648
#define AUTH_E_NO_DIALIN_PERMISSION   649
#define AUTH_E_AUTHENTICATION_FAILURE 691
#define AUTH_E_CHANGING_PASSWORD      709

#endif
