/*
 * The Windows error numbers moved to common/auth_codes.h, where the user
 * stores reach them too; this name stays for code of the PPP layer and the
 * session that still includes it. New code includes common/auth_codes.h.
 */
#ifndef PPTP_COMMON_PPP_AUTH_CODES_H
#define PPTP_COMMON_PPP_AUTH_CODES_H

#include "common/auth_codes.h"

#endif
