#!/usr/bin/env python3
"""Client side of test_metrics.sh: scrape pptpd's /metrics and misbehave.

  metrics_client.py scrape HOST:PORT       GET /metrics: body on stdout; exit 1 unless 200
  metrics_client.py check FILE             validate the text exposition format 0.0.4
  metrics_client.py raw HOST:PORT HEX      send bytes, print "status N" (or "status none")
  metrics_client.py slowloris HOST:PORT N  one byte a second, at most N: "cut after K bytes"
                                           once the server closes, or "not cut"
  metrics_client.py flood HOST:PORT N SCRAPE-OUT
                                           hold N idle connections, scrape meanwhile into
                                           SCRAPE-OUT; print "flood closed-by-server=K
                                           scrape=STATUS"
  metrics_client.py big HOST:PORT BYTES    send BYTES of request head: "big status N" or
                                           "big status none" (reset before an answer)

Only for the addresses of the test's own namespaces.
"""
import re
import socket
import sys
import time
import urllib.error
import urllib.request


def hostport(s):
    h, p = s.rsplit(":", 1)
    return h, int(p)


def status_of(data):
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", data)
    return m.group(1).decode() if m else "none"


def read_all(sock, limit=1 << 20):
    out = b""
    while len(out) < limit:
        try:
            d = sock.recv(65536)
        except OSError:
            break
        if not d:
            break
        out += d
    return out


def scrape(addr, out=sys.stdout):
    try:
        with urllib.request.urlopen("http://%s/metrics" % addr, timeout=10) as r:
            ctype = r.headers.get("Content-Type", "")
            body = r.read().decode()
            if not ctype.startswith("text/plain; version=0.0.4"):
                print("bad content type %r" % ctype, file=sys.stderr)
                return 1
            out.write(body)
            return 0
    except (urllib.error.URLError, OSError) as e:
        print("scrape failed: %s" % e, file=sys.stderr)
        return 1


NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABELS = r'\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,(?!\}))?)*\}'
VALUE = r"(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)"
SAMPLE = re.compile(r"^(%s)(%s)? (%s)(?: -?\d+)?$" % (NAME, LABELS, VALUE))
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")


def check(path):
    """The rules promtool enforces that matter here: well-formed lines, one
    TYPE per family before its samples, counters ending in _total, no
    family split, no sample twice."""
    errors = []
    typed, helped, seen_samples, done = {}, set(), set(), set()
    current = None
    with open(path) as f:
        lines = f.read().split("\n")
    if lines[-1] != "":
        errors.append("no newline at the end")
    for n, line in enumerate(lines[:-1], 1):
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            if name in helped:
                errors.append("%d: second HELP for %s" % (n, name))
            helped.add(name)
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or parts[3] not in TYPES or not re.fullmatch(NAME, parts[2]):
                errors.append("%d: bad TYPE line" % n)
                continue
            name = parts[2]
            if name in typed or name in done:
                errors.append("%d: second TYPE for %s" % (n, name))
            if parts[3] == "counter" and not name.endswith("_total"):
                errors.append("%d: counter %s does not end in _total" % (n, name))
            typed[name] = parts[3]
            if current and current != name:
                done.add(current)
            current = name
            continue
        if line.startswith("#") or line == "":
            errors.append("%d: unexpected line %r" % (n, line))
            continue
        m = SAMPLE.match(line)
        if not m:
            errors.append("%d: not a sample: %r" % (n, line))
            continue
        name = orig = m.group(1)
        if current and typed.get(current) == "histogram" and name in (
                current + "_bucket", current + "_sum", current + "_count"):
            if name.endswith("_bucket") and 'le="' not in (m.group(2) or ""):
                errors.append("%d: bucket without le" % n)
            name = current
        if name != current:
            errors.append("%d: %s outside its family (TYPE first, samples together)" % (n, name))
        key = (orig, m.group(2) or "")
        if key in seen_samples:
            errors.append("%d: sample %s%s twice" % (n, orig, m.group(2) or ""))
        seen_samples.add(key)
    for e in errors:
        print(e, file=sys.stderr)
    print("checked %d families %d samples errors %d" % (len(typed), len(seen_samples), len(errors)))
    return 1 if errors else 0


def raw(addr, data):
    s = socket.create_connection(hostport(addr), timeout=10)
    s.sendall(data)
    print("status %s" % status_of(read_all(s)))
    s.close()
    return 0


def slowloris(addr, n):
    s = socket.create_connection(hostport(addr), timeout=10)
    s.settimeout(1.0)
    req = b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X" * n
    for k in range(n):
        try:
            s.send(req[k:k + 1])
            d = s.recv(1)
            if d == b"":
                print("cut after %d bytes" % (k + 1))
                return 0
        except socket.timeout:
            continue
        except OSError:
            print("cut after %d bytes" % (k + 1))
            return 0
    print("not cut")
    return 0


def flood(addr, n, scrape_out):
    socks = []
    for _ in range(n):
        socks.append(socket.create_connection(hostport(addr), timeout=10))
    time.sleep(0.5)
    with open(scrape_out, "w") as f:
        rc = scrape(addr, f)
    closed = 0
    for s in socks:
        s.setblocking(False)
        try:
            if s.recv(1) == b"":
                closed += 1
        except BlockingIOError:
            pass
        except OSError:
            closed += 1
        s.close()
    print("flood closed-by-server=%d scrape=%s" % (closed, "ok" if rc == 0 else "failed"))
    return 0


def big(addr, nbytes):
    s = socket.create_connection(hostport(addr), timeout=10)
    data = b"GET /" + b"A" * nbytes
    got = b""
    try:
        s.sendall(data)
    except OSError:
        pass
    got = read_all(s)
    print("big status %s" % status_of(got))
    return 0


def main(argv):
    cmd = argv[1]
    if cmd == "scrape":
        return scrape(argv[2])
    if cmd == "check":
        return check(argv[2])
    if cmd == "raw":
        return raw(argv[2], bytes.fromhex(argv[3]))
    if cmd == "slowloris":
        return slowloris(argv[2], int(argv[3]))
    if cmd == "flood":
        return flood(argv[2], int(argv[3]), argv[4])
    if cmd == "big":
        return big(argv[2], int(argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
