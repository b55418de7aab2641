/*
 * "host[:port]" socket addresses (see netaddr.h).
 */
#include "common/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool netaddr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (!netaddr_same_host(a, b))
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_port ==
		       ((const struct sockaddr_in *)b)->sin_port;
	return ((const struct sockaddr_in6 *)a)->sin6_port ==
	       ((const struct sockaddr_in6 *)b)->sin6_port;
}

bool netaddr_same_host(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)b)->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	return false;
}

/* Split s into host text and port text (NULL: none). */
static bool split(const char *s, char *host, size_t hostcap, const char **port)
{
	size_t hl;

	*port = NULL;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end)
			return false;
		hl = (size_t)(end - s - 1);
		if (hl == 0 || hl >= hostcap)
			return false;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		if (end[1] == ':')
			*port = end + 2;
		else if (end[1] != '\0')
			return false;
		return strchr(host, ':') != NULL; /* brackets hold IPv6 only */
	}
	const char *colon = strchr(s, ':');
	if (colon && strchr(colon + 1, ':'))
		return false; /* a bare IPv6 address needs brackets */
	hl = colon ? (size_t)(colon - s) : strlen(s);
	if (hl == 0 || hl >= hostcap)
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (colon)
		*port = colon + 1;
	return true;
}

bool netaddr_parse(const char *s, uint16_t default_port, struct sockaddr_storage *addr,
		   socklen_t *addrlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port;
	unsigned long p = default_port;

	memset(addr, 0, sizeof(*addr));
	if (!split(s, host, sizeof(host), &port))
		return false;
	if (port) {
		char *end;
		if (port[0] < '0' || port[0] > '9')
			return false;
		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || *end || p == 0 || p > 65535)
			return false;
	}
	struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
	if (!strchr(host, ':') && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)p);
		*addrlen = sizeof(*v4);
		return true;
	}
	if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)p);
		*addrlen = sizeof(*v6);
		return true;
	}
	memset(addr, 0, sizeof(*addr));
	return false;
}

void netaddr_format(const struct sockaddr_storage *addr, bool with_port, char *out,
		    size_t outlen)
{
	char h[INET6_ADDRSTRLEN];
	unsigned port;
	bool v6 = addr->ss_family == AF_INET6;

	if (addr->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
		inet_ntop(AF_INET, &a->sin_addr, h, sizeof(h));
		port = ntohs(a->sin_port);
	} else if (v6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
		inet_ntop(AF_INET6, &a->sin6_addr, h, sizeof(h));
		port = ntohs(a->sin6_port);
	} else {
		snprintf(out, outlen, "-");
		return;
	}
	if (!with_port)
		snprintf(out, outlen, "%s", h);
	else
		snprintf(out, outlen, v6 ? "[%s]:%u" : "%s:%u", h, port);
}
