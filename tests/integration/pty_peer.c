/*
 * pty_peer: play pppd's part on a pseudo-terminal for a program such as
 * `pptp SERVER --nolaunchpppd`, which reads PPP frames in asynchronous HDLC
 * (RFC 1662: 0x7E flags, 0x7D escapes, FCS-16) from its terminal and writes
 * what comes back from the tunnel to it the same way.
 *
 *   pty_peer [--frames N] [--size B] [--timeout S] -- CMD [ARG...]
 *
 * Runs CMD in a new session with the pty slave as stdin/stdout (raw mode;
 * stderr is inherited), prints "pgid=PID", then sends N frames one at a
 * time, each until the identical frame comes back (re-sent every 0.5 s, at
 * most S seconds per frame; the first frame may wait for the tunnel to come
 * up). Frames read back must have a good FCS; frames that are not the one
 * awaited (late duplicates) are counted and ignored. Prints
 * "frames sent=.. echoed=.. bad-fcs=.. other=..", then sends SIGTERM to
 * CMD's process group, waits up to 10 s for CMD, and SIGKILLs it (with a
 * note) if it is still there. Exit 0 iff every frame came back intact.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sys/ioctl.h>
#include <sys/wait.h>

#define MAX_FRAME 1500
#define HDLC_FLAG 0x7E
#define HDLC_ESC  0x7D

static uint16_t fcs16(uint16_t fcs, const uint8_t *p, size_t n)
{
	while (n--) {
		fcs ^= *p++;
		for (int i = 0; i < 8; i++)
			fcs = (fcs & 1) ? (uint16_t)((fcs >> 1) ^ 0x8408) : (uint16_t)(fcs >> 1);
	}
	return fcs;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Frame i: address/control, protocol 0x0021, "PTYP", index, pattern. */
static size_t make_frame(uint8_t *f, size_t size, uint32_t i)
{
	static const uint8_t head[] = { 0xFF, 0x03, 0x00, 0x21, 'P', 'T', 'Y', 'P' };
	memcpy(f, head, sizeof(head));
	f[8] = (uint8_t)(i >> 24);
	f[9] = (uint8_t)(i >> 16);
	f[10] = (uint8_t)(i >> 8);
	f[11] = (uint8_t)i;
	/* Every byte value, so escaping is exercised both ways. */
	for (size_t k = 12; k < size; k++)
		f[k] = (uint8_t)(k * 13 + i);
	return size;
}

static size_t hdlc_encode(uint8_t *out, const uint8_t *f, size_t n)
{
	uint8_t tail[2];
	uint16_t fcs = fcs16(0xFFFF, f, n) ^ 0xFFFF;
	size_t o = 0;
	tail[0] = (uint8_t)fcs;
	tail[1] = (uint8_t)(fcs >> 8);
	out[o++] = HDLC_FLAG;
	for (size_t k = 0; k < n + 2; k++) {
		uint8_t c = k < n ? f[k] : tail[k - n];
		if (c < 0x20 || c == HDLC_FLAG || c == HDLC_ESC) {
			out[o++] = HDLC_ESC;
			out[o++] = c ^ 0x20;
		} else {
			out[o++] = c;
		}
	}
	out[o++] = HDLC_FLAG;
	return o;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

struct rx {
	uint8_t buf[MAX_FRAME + 2];
	size_t len;
	bool esc, overflow;
	unsigned bad_fcs, other;
};

/* Feed bytes; returns true when a good frame (FCS removed) is in buf/len. */
static bool rx_byte(struct rx *r, uint8_t c, uint8_t *frame, size_t *flen)
{
	if (c == HDLC_FLAG) {
		bool good = false;
		if (r->len >= 4 && !r->esc && !r->overflow) {
			if (fcs16(0xFFFF, r->buf, r->len) == 0xF0B8) {
				memcpy(frame, r->buf, r->len - 2);
				*flen = r->len - 2;
				good = true;
			} else {
				r->bad_fcs++;
			}
		}
		r->len = 0;
		r->esc = r->overflow = false;
		return good;
	}
	if (c == HDLC_ESC) {
		r->esc = true;
		return false;
	}
	if (r->esc) {
		c ^= 0x20;
		r->esc = false;
	}
	if (r->len < sizeof(r->buf))
		r->buf[r->len++] = c;
	else
		r->overflow = true;
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: pty_peer [--frames N] [--size B] [--timeout S] -- CMD [ARG...]\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "frames", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned nframes = 10, echoed = 0;
	size_t size = 100;
	double timeout = 10;
	int opt, master, slave, status = 0;
	struct termios tio;
	pid_t child;
	struct rx rx;
	bool ok = true, exited = false;

	while ((opt = getopt_long(argc, argv, "+n:s:t:", opts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			nframes = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			size = strtoul(optarg, NULL, 10);
			break;
		case 't':
			timeout = strtod(optarg, NULL);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind >= argc || size < 12 || size > MAX_FRAME || timeout <= 0) {
		usage();
		return 2;
	}
	if (openpty(&master, &slave, NULL, NULL, NULL) < 0) {
		perror("openpty");
		return 1;
	}
	tcgetattr(slave, &tio);
	cfmakeraw(&tio);
	tcsetattr(slave, TCSANOW, &tio);

	child = fork();
	if (child < 0) {
		perror("fork");
		return 1;
	}
	if (child == 0) {
		setsid();
		(void)ioctl(slave, TIOCSCTTY, 0);
		dup2(slave, STDIN_FILENO);
		dup2(slave, STDOUT_FILENO);
		close(master);
		if (slave > STDERR_FILENO)
			close(slave);
		execvp(argv[optind], argv + optind);
		perror("execvp");
		_exit(127);
	}
	close(slave);
	printf("pgid=%d\n", (int)child);
	fflush(stdout);

	memset(&rx, 0, sizeof(rx));
	for (unsigned i = 0; i < nframes && ok; i++) {
		uint8_t f[MAX_FRAME], wire[2 * MAX_FRAME + 8], got[MAX_FRAME + 2];
		size_t n = make_frame(f, size, i), wn = hdlc_encode(wire, f, n);
		double start = mono(), next_send = 0;
		bool done = false;
		while (!done) {
			double now = mono();
			struct pollfd pfd = { .fd = master, .events = POLLIN };
			uint8_t buf[4096];
			ssize_t r;
			if (now - start > timeout) {
				fprintf(stderr, "pty_peer: frame %u did not come back\n", i);
				ok = false;
				break;
			}
			if (now >= next_send) {
				if (write_all(master, wire, wn) < 0) {
					perror("pty_peer: write");
					ok = false;
					break;
				}
				next_send = now + 0.5;
			}
			if (poll(&pfd, 1, 100) <= 0)
				continue;
			r = read(master, buf, sizeof(buf));
			if (r <= 0) {
				fprintf(stderr, "pty_peer: the program closed its terminal\n");
				ok = false;
				break;
			}
			for (ssize_t k = 0; k < r; k++) {
				size_t glen;
				if (!rx_byte(&rx, buf[k], got, &glen))
					continue;
				if (!done && glen == n && memcmp(got, f, n) == 0) {
					echoed++;
					done = true;
				} else {
					rx.other++;
				}
			}
		}
	}
	printf("frames sent=%u echoed=%u bad-fcs=%u other=%u\n", nframes, echoed, rx.bad_fcs,
	       rx.other);

	/* End the program: SIGTERM to its process group. pptp then clears its
	 * call and closes the control connection (what the test is about), but
	 * pptp 1.10 itself sometimes never exits after that (seen on loaded
	 * CI runs, even after 20 s): then it is killed, with a note, and the
	 * caller checks that the server cleaned up and nothing is left. */
	kill(-child, SIGTERM);
	for (int k = 0; k < 100; k++) {
		pid_t w = waitpid(child, &status, WNOHANG);
		if (w == child) {
			exited = true;
			break;
		}
		usleep(100000);
	}
	if (!exited) {
		fprintf(stderr, "pty_peer: note: the program did not exit 10 s after SIGTERM; "
				"killed\n");
		printf("note: killed after SIGTERM was not enough\n");
		kill(-child, SIGKILL);
		waitpid(child, &status, 0);
	}
	printf("exit=%s%d\n", WIFSIGNALED(status) ? "signal " : "",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	close(master);
	return ok && echoed == nframes ? 0 : 1;
}
