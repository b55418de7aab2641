#include "server/rtnl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/log.h"

#define RTNL_TIMEOUT_SECS 5

/* One request under construction. */
struct rtnl_req {
	union {
		struct nlmsghdr h;
		uint8_t b[512];
	} u;
	bool err; /* an attribute did not fit */
};

bool rtnl_open(struct rtnl *nl)
{
	nl->seq = 0;
	nl->pid = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0) {
		log_warn("rtnl: socket");
		return false;
	}
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);
	struct timeval tv = { .tv_sec = RTNL_TIMEOUT_SECS };
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(nl->fd, (struct sockaddr *)&sa, &sl) < 0 ||
	    setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0) {
		log_warn("rtnl: bind");
		close(nl->fd);
		nl->fd = -1;
		return false;
	}
	nl->pid = sa.nl_pid;
	return true;
}

void rtnl_free(struct rtnl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

/* Start a request with a zeroed fixed header of fixed bytes; returns it. */
static void *req_init(struct rtnl_req *r, uint16_t type, uint16_t flags, size_t fixed)
{
	memset(r, 0, sizeof(*r));
	r->u.h.nlmsg_len = NLMSG_LENGTH(fixed);
	r->u.h.nlmsg_type = type;
	r->u.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return NLMSG_DATA(&r->u.h);
}

static void req_attr(struct rtnl_req *r, uint16_t type, const void *data, size_t len)
{
	size_t off = NLMSG_ALIGN(r->u.h.nlmsg_len);
	if (r->err || off + RTA_SPACE(len) > sizeof(r->u.b)) {
		r->err = true;
		return;
	}
	struct rtattr rta = { .rta_len = (unsigned short)RTA_LENGTH(len), .rta_type = type };
	memcpy(r->u.b + off, &rta, sizeof(rta));
	memcpy(r->u.b + off + RTA_LENGTH(0), data, len);
	r->u.h.nlmsg_len = (uint32_t)(off + RTA_SPACE(len));
}

static void req_attr_u32(struct rtnl_req *r, uint16_t type, uint32_t v)
{
	req_attr(r, type, &v, sizeof(v));
}

/* An IPv4 address attribute (network order on the wire). */
static void req_attr_in(struct rtnl_req *r, uint16_t type, uint32_t host)
{
	uint32_t be = htonl(host);
	req_attr(r, type, &be, sizeof(be));
}

/* Send r and wait for its acknowledgement: 0 or -errno. */
static int req_talk(struct rtnl *nl, struct rtnl_req *r)
{
	if (nl->fd < 0)
		return -EBADF;
	if (r->err)
		return -EMSGSIZE;
	r->u.h.nlmsg_seq = ++nl->seq;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	ssize_t n = sendto(nl->fd, r->u.b, r->u.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	if (n < 0)
		return -errno;
	union {
		struct nlmsghdr h;
		uint8_t b[8192];
	} in;
	for (;;) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof(from);
		n = recvfrom(nl->fd, in.b, sizeof(in.b), 0, (struct sockaddr *)&from, &fl);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		if (fl != sizeof(from) || from.nl_pid != 0)
			continue; /* not from the kernel */
		size_t left = (size_t)n;
		/* NLMSG_OK checks the header fits and nlmsg_len is within left. */
		for (struct nlmsghdr *h = &in.h; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != nl->seq || h->nlmsg_pid != nl->pid)
				continue;
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
				return -EBADMSG;
			struct nlmsgerr e;
			memcpy(&e, NLMSG_DATA(h), sizeof(e));
			return e.error > 0 ? -e.error : e.error;
		}
	}
}

int rtnl_link_up(struct rtnl *nl, int ifindex, unsigned mtu)
{
	struct rtnl_req r;
	struct ifinfomsg *ifi = req_init(&r, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (mtu)
		req_attr_u32(&r, IFLA_MTU, mtu);
	return req_talk(nl, &r);
}

int rtnl_addr(struct rtnl *nl, bool add, int ifindex, uint32_t local, uint8_t plen)
{
	struct rtnl_req r;
	struct ifaddrmsg *ifa = req_init(&r, add ? RTM_NEWADDR : RTM_DELADDR,
					 add ? NLM_F_CREATE | NLM_F_REPLACE : 0, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	req_attr_in(&r, IFA_LOCAL, local);
	req_attr_in(&r, IFA_ADDRESS, local);
	return req_talk(nl, &r);
}

/* A main-table static unicast route to a prefix of len plen (added
 * exclusively, or deleted); the caller adds RTA_DST and the rest. */
static void route_req_init(struct rtnl_req *r, bool add, unsigned char family, uint8_t plen,
			   unsigned char scope)
{
	struct rtmsg *rtm = req_init(r, add ? RTM_NEWROUTE : RTM_DELROUTE,
				     add ? NLM_F_CREATE | NLM_F_EXCL : 0, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = plen;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_scope = scope;
	rtm->rtm_type = RTN_UNICAST;
}

int rtnl_route(struct rtnl *nl, bool add, int ifindex, uint32_t dst, uint8_t plen,
	       uint32_t src)
{
	struct rtnl_req r;
	route_req_init(&r, add, AF_INET, plen, RT_SCOPE_LINK);
	req_attr_in(&r, RTA_DST, dst);
	req_attr_u32(&r, RTA_OIF, (uint32_t)ifindex);
	if (src)
		req_attr_in(&r, RTA_PREFSRC, src);
	return req_talk(nl, &r);
}

int rtnl_route6(struct rtnl *nl, bool add, int ifindex, const uint8_t dst[static 16],
		uint8_t plen)
{
	struct rtnl_req r;
	route_req_init(&r, add, AF_INET6, plen, RT_SCOPE_UNIVERSE);
	req_attr(&r, RTA_DST, dst, 16);
	req_attr_u32(&r, RTA_OIF, (uint32_t)ifindex);
	return req_talk(nl, &r);
}

int rtnl_neigh_proxy(struct rtnl *nl, bool add, int ifindex, uint32_t addr)
{
	struct rtnl_req r;
	struct ndmsg *nd = req_init(&r, add ? RTM_NEWNEIGH : RTM_DELNEIGH,
				    add ? NLM_F_CREATE | NLM_F_REPLACE : 0, sizeof(*nd));
	nd->ndm_family = AF_INET;
	nd->ndm_ifindex = ifindex;
	nd->ndm_state = NUD_PERMANENT;
	nd->ndm_flags = NTF_PROXY;
	req_attr_in(&r, NDA_DST, addr);
	return req_talk(nl, &r);
}
