#include "tools/client_tun.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <linux/ipv6.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

static bool fail(char err[static CLIENT_TUN_ERR_SIZE], const char *what)
{
	int e = errno;
	snprintf(err, CLIENT_TUN_ERR_SIZE, "%s: %s", what, strerror(e));
	errno = e;
	return false;
}

static bool name_ok(const char *name, char err[static CLIENT_TUN_ERR_SIZE])
{
	if (!name[0] || strlen(name) >= IFNAMSIZ) {
		errno = EINVAL;
		return fail(err, "interface name");
	}
	return true;
}

int client_tun_open(const char *name, char err[static CLIENT_TUN_ERR_SIZE])
{
	struct ifreq ifr;
	int fd;

	if (!name_ok(name, err))
		return -1;
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		fail(err, "/dev/net/tun");
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fail(err, "TUNSETIFF");
		close(fd);
		return -1;
	}
	return fd;
}

static void set_sin(struct sockaddr *sa, uint32_t addr)
{
	struct sockaddr_in sin;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	memcpy(sa, &sin, sizeof(sin));
}

static void ifr_init(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, name, strlen(name));
}

bool client_tun_configure(const char *name, uint32_t local, uint32_t peer, unsigned mtu,
			  char err[static CLIENT_TUN_ERR_SIZE])
{
	struct ifreq ifr;
	bool ok = false;
	int s;

	if (!name_ok(name, err))
		return false;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail(err, "socket");

	ifr_init(&ifr, name);
	set_sin(&ifr.ifr_addr, local);
	if (ioctl(s, SIOCSIFADDR, &ifr) < 0) {
		fail(err, "SIOCSIFADDR");
		goto out;
	}
	ifr_init(&ifr, name);
	set_sin(&ifr.ifr_dstaddr, peer);
	if (ioctl(s, SIOCSIFDSTADDR, &ifr) < 0) {
		fail(err, "SIOCSIFDSTADDR");
		goto out;
	}
	if (mtu) {
		ifr_init(&ifr, name);
		ifr.ifr_mtu = (int)mtu;
		if (ioctl(s, SIOCSIFMTU, &ifr) < 0) {
			fail(err, "SIOCSIFMTU");
			goto out;
		}
	}
	ifr_init(&ifr, name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		fail(err, "SIOCGIFFLAGS");
		goto out;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING | IFF_POINTOPOINT;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) {
		fail(err, "SIOCSIFFLAGS");
		goto out;
	}
	ok = true;
out:
	close(s);
	return ok;
}

bool client_tun_add_route(const char *name, uint32_t net, unsigned prefix_len,
			  char err[static CLIENT_TUN_ERR_SIZE])
{
	char dev[IFNAMSIZ];
	struct rtentry rt;
	uint32_t mask = prefix_len ? 0xFFFFFFFFu << (32 - prefix_len) : 0;
	bool ok = true;
	int s;

	if (!name_ok(name, err))
		return false;
	if (prefix_len > 32) {
		errno = EINVAL;
		return fail(err, "prefix length");
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail(err, "socket");
	memset(&rt, 0, sizeof(rt));
	memset(dev, 0, sizeof(dev));
	memcpy(dev, name, strlen(name));
	set_sin(&rt.rt_dst, net & mask);
	set_sin(&rt.rt_genmask, mask);
	set_sin(&rt.rt_gateway, 0);
	rt.rt_flags = RTF_UP | (prefix_len == 32 ? RTF_HOST : 0);
	rt.rt_dev = dev;
	if (ioctl(s, SIOCADDRT, &rt) < 0)
		ok = fail(err, "SIOCADDRT");
	close(s);
	return ok;
}

/* The interface's index and an AF_INET6 socket for its ioctls; -1 (the
 * reason in err) if the name is bad or either fails. */
static int open_inet6(const char *name, unsigned *idx, char err[static CLIENT_TUN_ERR_SIZE])
{
	if (!name_ok(name, err))
		return -1;
	*idx = if_nametoindex(name);
	if (!*idx) {
		fail(err, "if_nametoindex");
		return -1;
	}
	int s = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		fail(err, "socket(AF_INET6)");
	return s;
}

bool client_tun_add_addr6(const char *name, const uint8_t addr[static 16], unsigned prefix_len,
			  char err[static CLIENT_TUN_ERR_SIZE])
{
	struct in6_ifreq r;
	bool ok = true;

	unsigned idx;
	int s = open_inet6(name, &idx, err);
	if (s < 0)
		return false;
	memset(&r, 0, sizeof(r));
	memcpy(&r.ifr6_addr, addr, 16);
	r.ifr6_prefixlen = prefix_len;
	r.ifr6_ifindex = (int)idx;
	if (ioctl(s, SIOCSIFADDR, &r) < 0 && errno != EEXIST)
		ok = fail(err, "SIOCSIFADDR (IPv6)");
	close(s);
	return ok;
}

bool client_tun_add_route6(const char *name, const uint8_t dst[static 16], unsigned prefix_len,
			   char err[static CLIENT_TUN_ERR_SIZE])
{
	struct in6_rtmsg rt;
	bool ok = true;

	unsigned idx;
	int s = open_inet6(name, &idx, err);
	if (s < 0)
		return false;
	memset(&rt, 0, sizeof(rt));
	memcpy(&rt.rtmsg_dst, dst, 16);
	rt.rtmsg_dst_len = (uint16_t)prefix_len;
	rt.rtmsg_flags = RTF_UP;
	rt.rtmsg_metric = 1;
	rt.rtmsg_ifindex = (int)idx;
	if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST)
		ok = fail(err, "SIOCADDRT (IPv6)");
	close(s);
	return ok;
}

bool client_tun_parse_cidr(const char *s, uint32_t *net, unsigned *prefix_len)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	struct in_addr in;
	unsigned long n;
	char *end;
	uint32_t a, mask;

	if (!slash || (size_t)(slash - s) >= sizeof(addr) || !slash[1])
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (inet_pton(AF_INET, addr, &in) != 1)
		return false;
	errno = 0;
	n = strtoul(slash + 1, &end, 10);
	if (errno || *end || n > 32 || slash[1] < '0' || slash[1] > '9')
		return false;
	a = ntohl(in.s_addr);
	mask = n ? 0xFFFFFFFFu << (32 - n) : 0;
	if (a & ~mask)
		return false;
	*net = a;
	*prefix_len = (unsigned)n;
	return true;
}
