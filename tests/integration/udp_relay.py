#!/usr/bin/env python3
"""A UDP black hole or delaying relay for the RADIUS integration tests.

    udp_relay.py --listen ADDR:PORT [--target ADDR:PORT] [--delay SECONDS]
                 [--lifetime SECONDS]

Without --target every datagram that arrives on the listening socket is
read, logged and dropped. With --target each one is sent on to the target
--delay seconds after it arrived, from a socket of its own per original
sender, and whatever the target answers on that socket goes straight back
to that sender from the listening socket.

One line per event on stdout, flushed at once, for the tests to count:
    ready listen=ADDR:PORT
    in from=ADDR:PORT len=N code=C id=I hex=...  (a client's datagram)
    fwd to=ADDR:PORT len=N code=C id=I hex=...   (passed on after the delay)
    out to=ADDR:PORT len=N code=C id=I hex=...   (the target's answer relayed)
    exit reason=lifetime|signal
The process ends after --lifetime seconds (default 600) or on SIGTERM/SIGINT.
Only the standard library is used.
"""

import argparse
import heapq
import selectors
import signal
import socket
import sys
import time


def addr_port(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise argparse.ArgumentTypeError("want ADDR:PORT, got %r" % text)
    return host, int(port)


def describe(data):
    code = data[0] if len(data) > 0 else -1
    ident = data[1] if len(data) > 1 else -1
    return "len=%d code=%d id=%d hex=%s" % (len(data), code, ident, data.hex())


def log(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class Stop(Exception):
    pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", type=addr_port, required=True)
    ap.add_argument("--target", type=addr_port)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--lifetime", type=float, default=600.0)
    args = ap.parse_args()

    def on_signal(signum, frame):
        raise Stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    sel = selectors.DefaultSelector()
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(args.listen)
    front.setblocking(False)
    sel.register(front, selectors.EVENT_READ, None)

    upstream = {}  # original sender -> socket connected to the target
    pending = []  # heap of (due, sequence, sender, datagram)
    seq = 0
    deadline = time.monotonic() + args.lifetime
    log("ready listen=%s:%d" % front.getsockname())

    reason = "lifetime"
    try:
        while True:
            now = time.monotonic()
            if now >= deadline:
                break
            while pending and pending[0][0] <= now:
                _, _, sender, data = heapq.heappop(pending)
                sock = upstream.get(sender)
                if sock is None:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                    # The target sees the relay's own loopback address.
                    sock.bind((args.listen[0], 0))
                    sock.connect(args.target)
                    sock.setblocking(False)
                    sel.register(sock, selectors.EVENT_READ, sender)
                    upstream[sender] = sock
                try:
                    sock.send(data)
                    log("fwd to=%s:%d %s" % (args.target + (describe(data),)))
                except OSError as e:
                    log("fwd-error %s" % e)
            timeout = deadline - now
            if pending:
                timeout = min(timeout, max(0.0, pending[0][0] - now))
            for key, _ in sel.select(timeout):
                sock = key.fileobj
                try:
                    data, peer = sock.recvfrom(65535)
                except OSError as e:
                    # e.g. ECONNREFUSED: the target is not listening.
                    log("recv-error %s" % e)
                    continue
                if key.data is None:
                    log("in from=%s:%d %s" % (peer + (describe(data),)))
                    if args.target is not None:
                        seq += 1
                        due = time.monotonic() + args.delay
                        heapq.heappush(pending, (due, seq, peer, data))
                else:
                    front.sendto(data, key.data)
                    log("out to=%s:%d %s" % (key.data + (describe(data),)))
    except Stop:
        reason = "signal"
    log("exit reason=%s" % reason)
    return 0


if __name__ == "__main__":
    sys.exit(main())
