/*
 * tun <-> sessions: batched reads from tun, destination lookup, fragmenting
 * or ICMP for oversized packets, MSS clamping, anti-spoofing toward the LAN.
 */
#include "server/datapath.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "common/ipv4.h"
#include "common/ipv6.h"
#include "common/log.h"
#include "common/ppp/ppp.h"
#include "server/call.h"
#include "server/gre_sock.h"
#include "server/pool.h"
#include "server/server.h"
#include "server/session.h"
#include "server/session_ipv6.h"
#include "server/shaper.h"
#include "server/tun.h"
#include "server/tun_io.h"

/* Free bytes in front of every packet buffer for PPP and GRE headers. */
#define DP_HEADROOM (PPP_TX_HEADROOM + CALL_TX_HEADROOM)
#define DP_SLOT     (DP_HEADROOM + DATAPATH_PKT_MAX)

struct datapath {
	struct server *srv;
	struct tun *tun;
	ev_io io;
	struct tun_pkt pkts[DATAPATH_BATCH];
	struct ipv4_frag frags[DATAPATH_MAX_FRAGS];
	uint8_t icmp[IPV4_ICMP_ERR_MAX];
	uint8_t icmp6[IPV6_PTB_MAX];
	uint8_t *mem;               /* every packet and fragment slot, one block */
};

uint16_t datapath_mss_for(unsigned mtu)
{
	return (uint16_t)(mtu > 40 + 536 ? mtu - 40 : 536);
}

/* ---- client -> LAN ---- */

void datapath_spoofed_log(struct session *s, uint32_t src)
{
	if (!session_spoof_first(s))
		return;
	struct in_addr a = { .s_addr = htonl(src) };
	char str[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &a, str, sizeof(str));
	log_warnx("%s event=spoofed-source src=%s (dropped; logged once per session)",
		  session_log_id(s), str);
}

void datapath_from_client(struct server *srv, struct session *s, uint8_t *pkt, size_t len)
{
	struct ipv4_hdr h;

	if (!srv->tio)
		return;
	if (ipv4_parse(pkt, len, false, &h) != IPV4_OK) {
		session_dp_stats(s)->bad_ip++;
		srv->stats.bad_ip++;
		return;
	}
	if (h.src != session_addr(s) && !session_route_src_ok(s, h.src)) {
		session_dp_stats(s)->spoofed++;
		srv->stats.spoofed++;
		datapath_spoofed_log(s, h.src);
		return;
	}
	if (!session_police(s, SHAPER_UP, h.tot_len))
		return;
	if (srv->cfg->mss_clamp) {
		/* The LAN host will send segments of this size back to the client:
		 * fit them to the session as well as to the tun. */
		unsigned mtu = session_ip_mtu(s);
		if (mtu > srv->tun->mtu)
			mtu = srv->tun->mtu;
		ipv4_clamp_mss(pkt, h.tot_len, datapath_mss_for(mtu));
	}
	tun_io_write(srv->tio, pkt, h.tot_len);
}

/* ---- LAN -> client ---- */

/* DF set and too big: tell the sender, never drop silently. */
static void too_big(struct datapath *dp, struct session *s, const uint8_t *pkt, size_t len)
{
	struct server *srv = dp->srv;
	size_t n;

	if (!session_icmp_allowed(s, server_now_ms())) {
		session_dp_stats(s)->icmp_limited++;
		srv->stats.icmp_limited++;
		return;
	}
	uint32_t src = ntohl(srv->cfg->localip.s_addr);
	enum ipv4_err e = ipv4_icmp_frag_needed(pkt, len, src, session_ip_mtu(s), dp->icmp,
						sizeof(dp->icmp), &n);
	if (e != IPV4_OK) {
		srv->stats.too_big++;
		return;
	}
	session_dp_stats(s)->icmp_sent++;
	srv->stats.icmp_frag_needed++;
	tun_io_write(srv->tio, dp->icmp, n);
}

static void to_client(struct datapath *dp, uint8_t *pkt, size_t len)
{
	struct server *srv = dp->srv;
	struct ipv4_hdr h;

	/* The tun carries both (IFF_NO_PI): the version nibble says which. */
	if (len && pkt[0] >> 4 == 6) {
		if (srv->pool6)
			session_ipv6_from_tun(srv, pkt, len, dp->icmp6, sizeof(dp->icmp6));
		else
			srv->stats.ipv6_no_route++;
		return;
	}
	if (ipv4_parse(pkt, len, false, &h) != IPV4_OK) {
		srv->stats.bad_ip++;
		return;
	}
	len = h.tot_len;
	struct session *s = pool_lookup(srv->pool, h.dst);
	if (!s && srv->nfroutes)
		s = session_route_lookup(srv, h.dst);
	if (!s || !session_is_up(s)) {
		srv->stats.no_route++;
		return;
	}
	if (!session_police(s, SHAPER_DOWN, len))
		return;
	uint16_t ip_mtu = session_ip_mtu(s);
	if (len <= ip_mtu) {
		if (srv->cfg->mss_clamp) {
			unsigned mtu = ip_mtu < dp->tun->mtu ? ip_mtu : dp->tun->mtu;
			ipv4_clamp_mss(pkt, len, datapath_mss_for(mtu));
		}
		session_send_ip(s, pkt, len);
		return;
	}
	size_t nfrag = 0;
	enum ipv4_err e = ipv4_fragment(pkt, len, ip_mtu, dp->frags, DATAPATH_MAX_FRAGS,
					&nfrag);
	if (e == IPV4_DF) {
		too_big(dp, s, pkt, len);
		return;
	}
	if (e != IPV4_OK) {
		srv->stats.too_big++;
		return;
	}
	session_dp_stats(s)->fragmented++;
	srv->stats.fragmented++;
	for (size_t i = 0; i < nfrag && session_is_up(s); i++)
		session_send_ip(s, dp->frags[i].buf, dp->frags[i].len);
}

void datapath_from_worker(struct datapath *dp, uint8_t *pkt, size_t len)
{
	if (dp)
		to_client(dp, pkt, len);
}

void datapath_flush(struct server *srv)
{
	if (srv->gre)
		gre_sock_flush(srv->gre);
	tun_io_flush(srv->tio);
}

static void tun_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct datapath *dp = container_of(w, struct datapath, io);
	(void)loop;
	(void)revents;

	/* A few batches per wake-up, then let the GRE socket have its turn. */
	for (int round = 0; round < 4; round++) {
		int n = dp->srv->tio ? tun_io_read_batch(dp->srv->tio, dp->pkts, DATAPATH_BATCH)
				     : tun_read_batch(dp->tun, dp->pkts, DATAPATH_BATCH);
		for (int i = 0; i < n; i++)
			to_client(dp, dp->pkts[i].buf, dp->pkts[i].len);
		/* The GRE packets of this batch leave together (sendmmsg), and
		 * so do its ICMP errors back into tun (io_uring). */
		if (dp->srv->gre)
			gre_sock_flush(dp->srv->gre);
		tun_io_flush(dp->srv->tio);
		if (n < DATAPATH_BATCH)
			break;
	}
}

struct datapath *datapath_new(struct server *srv)
{
	struct datapath *dp = calloc(1, sizeof(*dp));
	size_t nslots = DATAPATH_BATCH + DATAPATH_MAX_FRAGS;

	if (dp)
		dp->mem = malloc(nslots * DP_SLOT);
	if (!dp || !dp->mem) {
		free(dp);
		log_errx("out of memory");
		return NULL;
	}
	dp->srv = srv;
	dp->tun = srv->tun;
	for (size_t i = 0; i < DATAPATH_BATCH; i++) {
		dp->pkts[i].buf = dp->mem + i * DP_SLOT + DP_HEADROOM;
		dp->pkts[i].cap = DATAPATH_PKT_MAX;
	}
	for (size_t i = 0; i < DATAPATH_MAX_FRAGS; i++) {
		dp->frags[i].buf = dp->mem + (DATAPATH_BATCH + i) * DP_SLOT + DP_HEADROOM;
		dp->frags[i].cap = DATAPATH_PKT_MAX;
	}
	ev_io_init(&dp->io, tun_cb, tun_fd(srv->tun), EV_READ);
	ev_io_start(srv->loop, &dp->io);
	return dp;
}

void datapath_free(struct datapath *dp)
{
	if (!dp)
		return;
	ev_io_stop(dp->srv->loop, &dp->io);
	free(dp->mem);
	free(dp);
}
