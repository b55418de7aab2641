#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "pptp_wire.h"

#include "common/buf.h"

void pptp_wire_send(int fd, const struct pptp_msg *m)
{
	uint8_t buf[PPTP_MAX_MSG_LEN];
	struct wbuf w;

	wbuf_init(&w, buf, sizeof(buf));
	assert_true(pptp_msg_encode(&w, m));
	assert_int_equal(write(fd, buf, w.len), (ssize_t)w.len);
}

void pptp_wire_turn(struct ev_loop *loop)
{
	for (int i = 0; i < 5; i++)
		ev_run(loop, EVRUN_NOWAIT);
}
