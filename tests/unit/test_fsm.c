/*
 * The RFC 1661 automaton: every state/event cell of the transition table
 * (checked against the RFC's table written out below as text, not against
 * fsm_table), the RFC reply-order rule, counters and malformed packets.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/ppp/fsm.h"
#include "common/ppp/ppp_defs.h"

/* ---- A test protocol: option 1 (one octet, 1 is acceptable), option 2 rejected ---- */

struct tproto {
	struct fsm f;
	char log[256];          /* actions seen, in order: "tld,scr,sca" */
	struct { uint8_t pkt[FSM_PKT_MAX]; size_t len; } sent[32];
	unsigned nsent;
	unsigned timer_starts, timer_stops;
	unsigned naks_rcvd, rejs_rcvd, acks_rcvd, exhausted, ser;
	uint8_t want;
};

static void logact(struct tproto *t, const char *a)
{
	if (t->log[0])
		strcat(t->log, ",");
	strcat(t->log, a);
}

static void t_build(struct fsm *f, struct wbuf *w)
{
	struct tproto *t = f->ctx;
	wbuf_u8(w, 1);
	wbuf_u8(w, 3);
	wbuf_u8(w, t->want);
}

static enum fsm_verdict t_opt(struct fsm *f, uint8_t type, const uint8_t *d, size_t n, struct wbuf *nak)
{
	(void)f;
	if (type == 1 && n == 1) {
		if (d[0] == 1)
			return FSM_OPT_ACK;
		wbuf_u8(nak, 1);
		return FSM_OPT_NAK;
	}
	return FSM_OPT_REJECT;
}

static void t_ack(struct fsm *f) { ((struct tproto *)f->ctx)->acks_rcvd++; }
static void t_nak(struct fsm *f, uint8_t type, const uint8_t *d, size_t n)
{
	(void)type; (void)d; (void)n;
	((struct tproto *)f->ctx)->naks_rcvd++;
}
static void t_rej(struct fsm *f, uint8_t type, const uint8_t *d, size_t n)
{
	(void)type; (void)d; (void)n;
	((struct tproto *)f->ctx)->rejs_rcvd++;
}
static void t_exhausted(struct fsm *f) { ((struct tproto *)f->ctx)->exhausted++; }
static enum fsm_xcode t_extra(struct fsm *f, uint8_t code, uint8_t id, struct rbuf *d)
{
	(void)f; (void)id; (void)d;
	if (code == PPP_ECHO_REQ)
		return FSM_XC_RXR;
	if (code == PPP_IDENTIFICATION)
		return FSM_XC_HANDLED;
	return FSM_XC_UNKNOWN;
}
static void t_ser(struct fsm *f, uint8_t code, uint8_t id, struct rbuf *d)
{
	(void)code; (void)id; (void)d;
	logact(f->ctx, "ser");
}
static void t_up(struct fsm *f) { logact(f->ctx, "tlu"); }
static void t_down(struct fsm *f) { logact(f->ctx, "tld"); }
static void t_started(struct fsm *f) { logact(f->ctx, "tls"); }
static void t_finished(struct fsm *f) { logact(f->ctx, "tlf"); }

static const struct fsm_ops tops = {
	.build_request = t_build, .req_option = t_opt, .rcv_ack = t_ack,
	.rcv_nak = t_nak, .rcv_reject = t_rej, .nak_exhausted = t_exhausted,
	.extra_code = t_extra, .ser = t_ser, .up = t_up, .down = t_down,
	.started = t_started, .finished = t_finished,
};

static void io_send(void *arg, uint16_t proto, const uint8_t *pkt, size_t len)
{
	struct tproto *t = arg;
	static const char *const acts[] = { "?", "scr", "sca", "scn", "scn", "str", "sta", "scj" };
	assert_int_equal(proto, 0xC021);
	assert_true(len >= 4 && len <= FSM_PKT_MAX);
	assert_int_equal(load_be16(pkt + 2), len);
	if (t->nsent < 32) {
		memcpy(t->sent[t->nsent].pkt, pkt, len);
		t->sent[t->nsent].len = len;
		t->nsent++;
	}
	logact(t, pkt[0] <= 7 ? acts[pkt[0]] : "x");
}
static void io_tstart(void *arg, struct fsm *f, unsigned ms)
{
	(void)f;
	assert_int_equal(ms, 3000);
	((struct tproto *)arg)->timer_starts++;
}
static void io_tstop(void *arg, struct fsm *f)
{
	(void)f;
	((struct tproto *)arg)->timer_stops++;
}

static struct fsm_io tio = { io_send, io_tstart, io_tstop, NULL };

static void tp_init(struct tproto *t)
{
	memset(t, 0, sizeof(*t));
	tio.arg = t;
	t->want = 1;
	fsm_init(&t->f, "test", 0xC021, &tops, t, &tio);
}

static void tp_reset_log(struct tproto *t)
{
	t->log[0] = '\0';
	t->nsent = 0;
}

static void feed(struct tproto *t, uint8_t code, uint8_t id, const uint8_t *data, size_t n)
{
	uint8_t pkt[FSM_PKT_MAX];
	pkt[0] = code;
	pkt[1] = id;
	store_be16(pkt + 2, (uint16_t)(n + 4));
	if (n)
		memcpy(pkt + 4, data, n);
	fsm_input(&t->f, pkt, n + 4);
}

/* ---- RFC 1661 section 4.1 table, as printed there ---- */

static const char *const rfc_table[FSM_NEVENTS][FSM_NSTATES] = {
	/*            Initial   Starting     Closed       Stopped          Closing  Stopping Req-Sent     Ack-Rcvd     Ack-Sent     Opened */
	/* Up    */ { "2",      "irc,scr/6", "-",         "-",             "-",     "-",     "-",         "-",         "-",         "-" },
	/* Down  */ { "-",      "-",         "0",         "tls/1",         "0",     "1",     "1",         "1",         "1",         "tld/1" },
	/* Open  */ { "tls/1",  "1",         "irc,scr/6", "3",             "5",     "5",     "6",         "7",         "8",         "9" },
	/* Close */ { "0",      "tlf/0",     "2",         "2",             "4",     "4",     "irc,str/4", "irc,str/4", "irc,str/4", "tld,irc,str/4" },
	/* TO+   */ { "-",      "-",         "-",         "-",             "str/4", "str/5", "scr/6",     "scr/6",     "scr/8",     "-" },
	/* TO-   */ { "-",      "-",         "-",         "-",             "tlf/2", "tlf/3", "tlf/3",     "tlf/3",     "tlf/3",     "-" },
	/* RCR+  */ { "-",      "-",         "sta/2",     "irc,scr,sca/8", "4",     "5",     "sca/8",     "sca,tlu/9", "sca/8",     "tld,scr,sca/8" },
	/* RCR-  */ { "-",      "-",         "sta/2",     "irc,scr,scn/6", "4",     "5",     "scn/6",     "scn/7",     "scn/6",     "tld,scr,scn/6" },
	/* RCA   */ { "-",      "-",         "sta/2",     "sta/3",         "4",     "5",     "irc/7",     "scr/6",     "irc,tlu/9", "tld,scr/6" },
	/* RCN   */ { "-",      "-",         "sta/2",     "sta/3",         "4",     "5",     "irc,scr/6", "scr/6",     "irc,scr/8", "tld,scr/6" },
	/* RTR   */ { "-",      "-",         "sta/2",     "sta/3",         "sta/4", "sta/5", "sta/6",     "sta/6",     "sta/6",     "tld,zrc,sta/5" },
	/* RTA   */ { "-",      "-",         "2",         "3",             "tlf/2", "tlf/3", "6",         "6",         "8",         "tld,scr/6" },
	/* RUC   */ { "-",      "-",         "scj/2",     "scj/3",         "scj/4", "scj/5", "scj/6",     "scj/7",     "scj/8",     "scj/9" },
	/* RXJ+  */ { "-",      "-",         "2",         "3",             "4",     "5",     "6",         "7",         "8",         "9" },
	/* RXJ-  */ { "-",      "-",         "tlf/2",     "tlf/3",         "tlf/2", "tlf/3", "tlf/3",     "tlf/3",     "tlf/3",     "tld,irc,str/5" },
	/* RXR   */ { "-",      "-",         "2",         "3",             "4",     "5",     "6",         "7",         "8",         "ser/9" },
};

static bool runs_timer(enum fsm_state s)
{
	return s == FSM_CLOSING || s == FSM_STOPPING || s == FSM_REQ_SENT ||
	       s == FSM_ACK_RCVD || s == FSM_ACK_SENT;
}

static void fire(struct tproto *t, enum fsm_event ev)
{
	static const uint8_t good[] = { 1, 3, 1 }, bad[] = { 1, 3, 9 }, naked[] = { 1, 3, 5 };
	static const uint8_t rej_plus[] = { 9, 1, 0, 4 }, rej_minus[] = { 1, 1, 0, 4 };
	static const uint8_t magic[] = { 0, 0, 0, 0 };

	switch (ev) {
	case FSM_EV_UP: fsm_up(&t->f); break;
	case FSM_EV_DOWN: fsm_down(&t->f); break;
	case FSM_EV_OPEN: fsm_open(&t->f); break;
	case FSM_EV_CLOSE: fsm_close(&t->f, "bye"); break;
	case FSM_EV_TO_PLUS: t->f.timer_running = true; t->f.restart_count = 3; fsm_timeout(&t->f); break;
	case FSM_EV_TO_MINUS: t->f.timer_running = true; t->f.restart_count = 0; fsm_timeout(&t->f); break;
	case FSM_EV_RCR_PLUS: feed(t, PPP_CONF_REQ, 0x42, good, sizeof(good)); break;
	case FSM_EV_RCR_MINUS: feed(t, PPP_CONF_REQ, 0x42, bad, sizeof(bad)); break;
	case FSM_EV_RCA: feed(t, PPP_CONF_ACK, 7, good, sizeof(good)); break;
	case FSM_EV_RCN: feed(t, PPP_CONF_NAK, 7, naked, sizeof(naked)); break;
	case FSM_EV_RTR: feed(t, PPP_TERM_REQ, 0x43, NULL, 0); break;
	case FSM_EV_RTA: feed(t, PPP_TERM_ACK, 0x44, NULL, 0); break;
	case FSM_EV_RUC: feed(t, 0x30, 0x45, magic, sizeof(magic)); break;
	case FSM_EV_RXJ_PLUS: feed(t, PPP_CODE_REJ, 0x46, rej_plus, sizeof(rej_plus)); break;
	case FSM_EV_RXJ_MINUS: feed(t, PPP_CODE_REJ, 0x46, rej_minus, sizeof(rej_minus)); break;
	case FSM_EV_RXR: feed(t, PPP_ECHO_REQ, 0x47, magic, sizeof(magic)); break;
	default: fail();
	}
}

/* The expected cell with irc/zrc (not visible as packets) taken out. */
static void parse_cell(const char *cell, char *acts, bool *irc, bool *zrc, int *next)
{
	char tmp[64], *tok, *save = NULL;
	const char *slash = strchr(cell, '/');

	acts[0] = '\0';
	*irc = *zrc = false;
	*next = -1;
	if (strcmp(cell, "-") == 0)
		return;
	if (!slash) {
		*next = cell[0] - '0';
		return;
	}
	*next = slash[1] - '0';
	snprintf(tmp, sizeof(tmp), "%.*s", (int)(slash - cell), cell);
	for (tok = strtok_r(tmp, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "irc") == 0) {
			*irc = true;
		} else if (strcmp(tok, "zrc") == 0) {
			*zrc = true;
		} else {
			if (acts[0])
				strcat(acts, ",");
			strcat(acts, tok);
		}
	}
}

static void every_cell_matches_rfc1661(void **state)
{
	(void)state;
	struct tproto t;
	unsigned cells = 0;

	for (int s = 0; s < FSM_NSTATES; s++) {
		for (int e = 0; e < FSM_NEVENTS; e++) {
			char acts[64], msg[512];
			bool irc, zrc;
			int next;

			parse_cell(rfc_table[e][s], acts, &irc, &zrc, &next);
			tp_init(&t);
			t.f.state = (enum fsm_state)s;
			t.f.timer_running = runs_timer((enum fsm_state)s);
			t.f.restart_count = 5;
			t.f.req[0] = 1; t.f.req[1] = 3; t.f.req[2] = 1;
			t.f.req_len = 3;
			t.f.req_id = 7;
			t.f.next_id = 20;
			uint64_t illegal = t.f.illegal_events + t.f.drops[FSM_DROP_STATE];
			fire(&t, (enum fsm_event)e);
			snprintf(msg, sizeof(msg), "state=%s event=%s expected=%s got=%s->%s",
				 fsm_state_name((enum fsm_state)s), fsm_event_name((enum fsm_event)e),
				 rfc_table[e][s], t.log, fsm_state_name(t.f.state));
			if (next < 0) {
				/* "-": no change, nothing sent, counted */
				if (t.f.state != (enum fsm_state)s || t.log[0] ||
				    t.f.illegal_events + t.f.drops[FSM_DROP_STATE] != illegal + 1)
					fail_msg("%s", msg);
				cells++;
				continue;
			}
			if ((int)t.f.state != next || strcmp(t.log, acts) != 0)
				fail_msg("%s", msg);
			if (t.f.timer_running != runs_timer(t.f.state))
				fail_msg("timer %s", msg);
			bool scr = strstr(acts, "scr") != NULL, str = strstr(acts, "str") != NULL;
			if (irc && scr && t.f.restart_count != 9)
				fail_msg("irc,scr count=%u %s", t.f.restart_count, msg);
			if (irc && str && t.f.restart_count != 1)
				fail_msg("irc,str count=%u %s", t.f.restart_count, msg);
			if (irc && !scr && !str && t.f.restart_count != 10)
				fail_msg("irc count=%u %s", t.f.restart_count, msg);
			if (zrc && (t.f.restart_count != 0 || !t.f.timer_running))
				fail_msg("zrc %s", msg);
			/* The packets themselves. */
			for (unsigned i = 0; i < t.nsent; i++) {
				const uint8_t *p = t.sent[i].pkt;
				switch (p[0]) {
				case PPP_CONF_REQ:
					assert_int_equal(t.sent[i].len, 7);
					assert_int_equal(p[1], 20);
					assert_int_equal(t.f.req_id, 20);
					assert_memory_equal(p + 4, "\x01\x03\x01", 3);
					break;
				case PPP_CONF_ACK:
					assert_int_equal(p[1], 0x42);
					assert_int_equal(t.sent[i].len, 7);
					assert_memory_equal(p + 4, "\x01\x03\x01", 3);
					break;
				case PPP_CONF_NAK:
					assert_int_equal(p[1], 0x42);
					assert_int_equal(t.sent[i].len, 7);
					assert_memory_equal(p + 4, "\x01\x03\x01", 3);
					break;
				case PPP_TERM_REQ:
					/* the reason given to fsm_close(), else empty */
					if (e == FSM_EV_CLOSE) {
						assert_int_equal(t.sent[i].len, 7);
						assert_memory_equal(p + 4, "bye", 3);
					} else {
						assert_int_equal(t.sent[i].len, 4);
					}
					break;
				case PPP_TERM_ACK:
					assert_int_equal(t.sent[i].len, 4);
					assert_int_equal(p[1], t.f.rx_id);
					break;
				case PPP_CODE_REJ:
					assert_int_equal(t.sent[i].len, 12);
					assert_memory_equal(p + 4, "\x30\x45\x00\x08\x00\x00\x00\x00", 8);
					break;
				default:
					fail_msg("unexpected code %u %s", p[0], msg);
				}
			}
			cells++;
		}
	}
	assert_int_equal(cells, FSM_NSTATES * FSM_NEVENTS);
}

static void names_cover_every_state_and_event(void **state)
{
	(void)state;
	for (int s = 0; s < FSM_NSTATES; s++)
		assert_string_not_equal(fsm_state_name((enum fsm_state)s), "?");
	for (int e = 0; e < FSM_NEVENTS; e++)
		assert_string_not_equal(fsm_event_name((enum fsm_event)e), "?");
	for (int d = 0; d < FSM_DROP_MAX; d++)
		assert_string_not_equal(fsm_drop_name((enum fsm_drop)d), "?");
	assert_string_equal(fsm_state_name(FSM_ACK_RCVD), "Ack-Rcvd");
	assert_string_equal(fsm_event_name(FSM_EV_RXJ_MINUS), "RXJ-");
	assert_string_equal(fsm_state_name(FSM_NSTATES), "?");
}

static void opened_pair(struct tproto *t)
{
	tp_init(t);
	fsm_open(&t->f);
	fsm_up(&t->f);
	assert_int_equal(t->f.state, FSM_REQ_SENT);
	feed(t, PPP_CONF_ACK, t->f.req_id, t->f.req, t->f.req_len);
	assert_int_equal(t->f.state, FSM_ACK_RCVD);
	feed(t, PPP_CONF_REQ, 1, (const uint8_t *)"\x01\x03\x01", 3);
	assert_int_equal(t->f.state, FSM_OPENED);
	tp_reset_log(t);
}

static void reply_order_reject_then_nak_then_ack(void **state)
{
	(void)state;
	struct tproto t;
	/* option 1 nakable, option 2 rejected: only the Reject is sent */
	const uint8_t both[] = { 1, 3, 9, 2, 4, 0xAA, 0xBB };
	const uint8_t nakonly[] = { 1, 3, 9, 1, 3, 1 };
	const uint8_t good[] = { 1, 3, 1, 1, 3, 1 };

	tp_init(&t);
	fsm_open(&t.f);
	fsm_up(&t.f);
	tp_reset_log(&t);
	feed(&t, PPP_CONF_REQ, 5, both, sizeof(both));
	assert_int_equal(t.nsent, 1);
	assert_int_equal(t.sent[0].pkt[0], PPP_CONF_REJ);
	assert_int_equal(t.sent[0].pkt[1], 5);
	assert_int_equal(t.sent[0].len, 8);
	assert_memory_equal(t.sent[0].pkt + 4, both + 3, 4);

	tp_reset_log(&t);
	feed(&t, PPP_CONF_REQ, 6, nakonly, sizeof(nakonly));
	assert_int_equal(t.sent[0].pkt[0], PPP_CONF_NAK);
	assert_int_equal(t.sent[0].len, 7); /* only the naked option, with our value */
	assert_memory_equal(t.sent[0].pkt + 4, "\x01\x03\x01", 3);

	tp_reset_log(&t);
	feed(&t, PPP_CONF_REQ, 7, good, sizeof(good));
	assert_int_equal(t.sent[0].pkt[0], PPP_CONF_ACK);
	assert_int_equal(t.sent[0].len, 4 + sizeof(good));
	assert_memory_equal(t.sent[0].pkt + 4, good, sizeof(good));
	assert_int_equal(t.f.state, FSM_ACK_SENT);
}

/* The reply is built on fsm_input's stack, not kept in the FSM: a long
 * request (1,200 bytes of acceptable options) is acknowledged whole, one
 * with rejected options among them gets exactly those back, and the
 * reply is gone once fsm_input returns. */
static void long_request_answered_whole(void **state)
{
	(void)state;
	struct tproto t;
	uint8_t req[1200], rej[400];
	size_t nrej = 0;

	for (size_t i = 0; i < sizeof(req); i += 3) {
		req[i] = 1;
		req[i + 1] = 3;
		req[i + 2] = 1;
	}
	tp_init(&t);
	fsm_open(&t.f);
	fsm_up(&t.f);
	tp_reset_log(&t);
	feed(&t, PPP_CONF_REQ, 9, req, sizeof(req));
	assert_int_equal(t.nsent, 1);
	assert_int_equal(t.sent[0].pkt[0], PPP_CONF_ACK);
	assert_int_equal(t.sent[0].len, 4 + sizeof(req));
	assert_memory_equal(t.sent[0].pkt + 4, req, sizeof(req));
	assert_null(t.f.reply);

	for (size_t i = 0; i < sizeof(req); i += 30) {
		req[i] = 2;  /* every tenth option: rejected */
		memcpy(rej + nrej, req + i, 3);
		nrej += 3;
	}
	tp_reset_log(&t);
	feed(&t, PPP_CONF_REQ, 10, req, sizeof(req));
	assert_int_equal(t.nsent, 1);
	assert_int_equal(t.sent[0].pkt[0], PPP_CONF_REJ);
	assert_int_equal(t.sent[0].len, 4 + nrej);
	assert_memory_equal(t.sent[0].pkt + 4, rej, nrej);
	assert_null(t.f.reply);
}

static void max_failure_turns_naks_into_rejects(void **state)
{
	(void)state;
	struct tproto t;
	const uint8_t bad[] = { 1, 3, 9 };

	tp_init(&t);
	fsm_open(&t.f);
	fsm_up(&t.f);
	for (unsigned i = 0; i < 5; i++) {
		tp_reset_log(&t);
		feed(&t, PPP_CONF_REQ, (uint8_t)i, bad, sizeof(bad));
		assert_int_equal(t.sent[0].pkt[0], PPP_CONF_NAK);
	}
	assert_int_equal(t.exhausted, 0);
	tp_reset_log(&t);
	feed(&t, PPP_CONF_REQ, 9, bad, sizeof(bad));
	assert_int_equal(t.sent[0].pkt[0], PPP_CONF_REJ);
	assert_memory_equal(t.sent[0].pkt + 4, bad, 3);
	assert_int_equal(t.exhausted, 1);
}

static void max_configure_then_stopped(void **state)
{
	(void)state;
	struct tproto t;
	unsigned crs = 0;

	tp_init(&t);
	fsm_open(&t.f);
	fsm_up(&t.f);
	crs = t.nsent;
	for (int i = 0; i < 20 && t.f.timer_running; i++) {
		fsm_timeout(&t.f);
		crs = t.nsent;
	}
	assert_int_equal(crs, 10); /* Max-Configure requests in all */
	assert_int_equal(t.f.state, FSM_STOPPED);
	assert_non_null(strstr(t.log, "tlf"));
	assert_false(t.f.timer_running);
	assert_true(t.timer_stops == 0 || t.timer_stops >= 1);
}

static void max_terminate_then_closed(void **state)
{
	(void)state;
	struct tproto t;

	opened_pair(&t);
	fsm_close(&t.f, "admin");
	assert_int_equal(t.f.state, FSM_CLOSING);
	fsm_timeout(&t.f);
	assert_int_equal(t.f.state, FSM_CLOSING);
	fsm_timeout(&t.f);
	assert_int_equal(t.f.state, FSM_CLOSED);
	assert_string_equal(t.log, "tld,str,str,tlf");
	/* timeouts after that are ignored */
	fsm_timeout(&t.f);
	assert_int_equal(t.f.state, FSM_CLOSED);
}

static void stale_and_mismatched_replies_dropped(void **state)
{
	(void)state;
	struct tproto t;

	tp_init(&t);
	fsm_open(&t.f);
	fsm_up(&t.f);
	uint8_t id = t.f.req_id;
	feed(&t, PPP_CONF_ACK, (uint8_t)(id + 1), t.f.req, t.f.req_len);
	assert_int_equal(t.f.drops[FSM_DROP_STALE_ID], 1);
	feed(&t, PPP_CONF_ACK, id, (const uint8_t *)"\x01\x03\x02", 3);
	assert_int_equal(t.f.drops[FSM_DROP_ACK_MISMATCH], 1);
	feed(&t, PPP_CONF_REJ, id, (const uint8_t *)"\x02\x02", 2);
	assert_int_equal(t.f.drops[FSM_DROP_BAD_REJECT], 1);
	assert_int_equal(t.f.state, FSM_REQ_SENT);
	feed(&t, PPP_CONF_ACK, id, t.f.req, t.f.req_len);
	assert_int_equal(t.f.state, FSM_ACK_RCVD);
	assert_int_equal(t.acks_rcvd, 1);
	/* a second copy of the same Ack is stale */
	feed(&t, PPP_CONF_ACK, id, t.f.req, t.f.req_len);
	assert_int_equal(t.f.drops[FSM_DROP_STALE_ID], 2);
	assert_int_equal(t.f.state, FSM_ACK_RCVD);
}

static void nak_and_reject_reach_the_protocol(void **state)
{
	(void)state;
	struct tproto t;

	tp_init(&t);
	fsm_open(&t.f);
	fsm_up(&t.f);
	feed(&t, PPP_CONF_NAK, t.f.req_id, (const uint8_t *)"\x01\x03\x04", 3);
	assert_int_equal(t.naks_rcvd, 1);
	feed(&t, PPP_CONF_REJ, t.f.req_id, (const uint8_t *)"\x01\x03\x01", 3);
	assert_int_equal(t.rejs_rcvd, 1);
	assert_int_equal(t.f.state, FSM_REQ_SENT);
}

static void malformed_packets_dropped_with_reason(void **state)
{
	(void)state;
	struct tproto t;
	const uint8_t short_hdr[] = { 1, 1, 0 };
	const uint8_t len_small[] = { 1, 1, 0, 3 };
	const uint8_t len_large[] = { 1, 1, 0, 9, 1, 3, 1 };
	const uint8_t opt_zero[] = { 1, 1, 0, 6, 1, 0 };
	const uint8_t opt_one[] = { 1, 1, 0, 6, 1, 1 };
	const uint8_t opt_past[] = { 1, 1, 0, 7, 1, 4, 1 };
	const uint8_t opt_trunc[] = { 1, 1, 0, 5, 1 };
	const uint8_t nak_past[] = { 3, 0, 0, 7, 1, 9, 1 };
	const uint8_t coderej_empty[] = { 7, 1, 0, 4 };
	const uint8_t padded[] = { 1, 1, 0, 7, 1, 3, 1, 0xEE, 0xEE };

	opened_pair(&t);
	fsm_input(&t.f, short_hdr, sizeof(short_hdr));
	assert_int_equal(t.f.drops[FSM_DROP_SHORT], 1);
	fsm_input(&t.f, NULL, 0);
	assert_int_equal(t.f.drops[FSM_DROP_SHORT], 2);
	fsm_input(&t.f, len_small, sizeof(len_small));
	fsm_input(&t.f, len_large, sizeof(len_large));
	assert_int_equal(t.f.drops[FSM_DROP_BAD_LENGTH], 2);
	fsm_input(&t.f, opt_zero, sizeof(opt_zero));
	fsm_input(&t.f, opt_one, sizeof(opt_one));
	fsm_input(&t.f, opt_past, sizeof(opt_past));
	fsm_input(&t.f, opt_trunc, sizeof(opt_trunc));
	assert_int_equal(t.f.drops[FSM_DROP_BAD_OPTION], 4);
	uint8_t np[sizeof(nak_past)];
	memcpy(np, nak_past, sizeof(np));
	np[1] = t.f.req_id;
	t.f.reply_seen = false; /* as if our request were still outstanding */
	fsm_input(&t.f, np, sizeof(np));
	assert_int_equal(t.f.drops[FSM_DROP_BAD_OPTION], 5);
	fsm_input(&t.f, coderej_empty, sizeof(coderej_empty));
	assert_int_equal(t.f.drops[FSM_DROP_BAD_LENGTH], 3);
	/* nothing was sent and the link is still up */
	assert_int_equal(t.nsent, 0);
	assert_int_equal(t.f.state, FSM_OPENED);
	/* octets past the length field are padding */
	fsm_input(&t.f, padded, sizeof(padded));
	assert_int_equal(t.f.state, FSM_ACK_SENT);
	assert_int_equal(t.sent[t.nsent - 1].pkt[0], PPP_CONF_ACK);
	assert_int_equal(t.sent[t.nsent - 1].len, 7);
}

static void extra_codes_handled_or_code_rejected(void **state)
{
	(void)state;
	struct tproto t;

	opened_pair(&t);
	feed(&t, PPP_IDENTIFICATION, 3, (const uint8_t *)"\0\0\0\0MSRASV5.20", 14);
	assert_int_equal(t.nsent, 0);
	feed(&t, 200, 3, (const uint8_t *)"zz", 2);
	assert_int_equal(t.nsent, 1);
	assert_int_equal(t.sent[0].pkt[0], PPP_CODE_REJ);
	assert_memory_equal(t.sent[0].pkt + 4, "\xC8\x03\x00\x06zz", 6);
	assert_int_equal(t.f.state, FSM_OPENED);
}

static void protocol_reject_is_rxj_minus(void **state)
{
	(void)state;
	struct tproto t;

	opened_pair(&t);
	fsm_protocol_rejected(&t.f);
	assert_int_equal(t.f.state, FSM_STOPPING);
	assert_string_equal(t.log, "tld,str");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_cell_matches_rfc1661),
		cmocka_unit_test(names_cover_every_state_and_event),
		cmocka_unit_test(reply_order_reject_then_nak_then_ack),
		cmocka_unit_test(long_request_answered_whole),
		cmocka_unit_test(max_failure_turns_naks_into_rejects),
		cmocka_unit_test(max_configure_then_stopped),
		cmocka_unit_test(max_terminate_then_closed),
		cmocka_unit_test(stale_and_mismatched_replies_dropped),
		cmocka_unit_test(nak_and_reject_reach_the_protocol),
		cmocka_unit_test(malformed_packets_dropped_with_reason),
		cmocka_unit_test(extra_codes_handled_or_code_rejected),
		cmocka_unit_test(protocol_reject_is_rxj_minus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
