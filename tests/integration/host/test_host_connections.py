"""Connections on a real wharfd, over raw sockets: idle and slow connections wait in the listener's
waiting room (one epoll thread) and hold no worker; a request head has a deadline
(header_timeout); the listener caps open connections (max_connections) and connections per client
address (max_connections_per_client); the workers' queue (max_queued) answers 503 when full; and
many slow requests run at once.

Every test here fails on a host that gives each connection a worker of its own for its whole life
(and has no head deadline): its workers would be held by connections that send nothing.
"""
import json
import re
import resource
import select
import selectors
import socket
import ssl
import time

from conftest import wait_until

# Up to ~450 client sockets at once, plus wharfd's own: take what the hard limit allows.
_soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
_want = _hard if _hard != resource.RLIM_INFINITY else 65536
if _soft != resource.RLIM_INFINITY and _soft < _want:
    resource.setrlimit(resource.RLIMIT_NOFILE, (_want, _hard))

DEADLINE = 5.0  # seconds any single raw exchange may take before the test gives up on it
FAST = 1.0  # seconds a /health answer may take while the waiting room holds the slow crowd

HEALTH_CLOSE = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
HEALTH_KEEP = b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
PARTIAL_HEAD = b"GET /health HTTP/1.1\r\nHost: x\r\n"  # no empty line: the head never completes

PLAIN = """
metrics_listener = none
admin_listener = none
[listener.api]
bind = 127.0.0.1:{api}
{extra}
[plugin.echo]
module = test-echo
listener = api
"""


def ini(extra, plugin_extra=""):
    # wharfd() formats the body with the ports and tmp: keep those fields, fill ours now.
    return PLAIN.replace("{extra}", extra) + plugin_extra


# ---- raw-socket helpers ----------------------------------------------------------------------

def connect(port, source="127.0.0.1", timeout=DEADLINE):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def tls_client_context():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def read_until_close(s, timeout=DEADLINE):
    """Reads until the server closes (EOF or reset) or `timeout` passes.
    -> (bytes received, closed by the server, seconds until then)."""
    start = time.monotonic()
    deadline = start + timeout
    out = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return out, False, time.monotonic() - start
        s.settimeout(left)
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            return out, False, time.monotonic() - start
        except (ConnectionResetError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
            return out, True, time.monotonic() - start
        if not chunk:
            return out, True, time.monotonic() - start
        out += chunk


STATUS_LINE = re.compile(rb"HTTP/1\.1 (\d{3}) [^\r\n]*\r\n")


def parse_response(data):
    """-> (status, {lowercase header: value}, body) of the first response in `data`, or None when
    `data` holds no complete head."""
    end = data.find(b"\r\n\r\n")
    m = STATUS_LINE.match(data)
    if end < 0 or not m:
        return None
    headers = {}
    for line in data[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        headers[name.strip().decode("latin-1").lower()] = value.strip().decode("latin-1")
    body = data[end + 4:]
    if headers.get("content-length", "").isdigit():
        body = body[:int(headers["content-length"])]
    return int(m.group(1)), headers, body


def read_response(s, timeout=DEADLINE):
    """Reads exactly one Content-Length-framed response on a connection that stays open.
    -> (status, headers, body)."""
    deadline = time.monotonic() + timeout
    data = b""
    while True:
        r = parse_response(data)
        if r and len(r[2]) == int(r[1].get("content-length", "0")):
            return r
        left = deadline - time.monotonic()
        assert left > 0, f"no complete response within {timeout} s, got {data!r}"
        s.settimeout(left)
        chunk = s.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk


def silent_and_open(s):
    """True while the server has neither answered nor closed this connection."""
    if isinstance(s, ssl.SSLSocket):
        s.setblocking(False)
        try:
            s.recv(1)
            return False  # data, or b"" at end of file: not silent
        except ssl.SSLWantReadError:
            return True  # (session tickets, if any, are consumed on the way)
        except (OSError, ssl.SSLError):
            return False
        finally:
            s.setblocking(True)
    # Readable means data or end of file (or a reset): either way the server spoke.
    return not select.select([s], [], [], 0)[0]


def health_on_new_connection(port, source="127.0.0.1", tls=None, timeout=DEADLINE):
    """GET /health with Connection: close on a fresh connection (TLS when `tls` is a context).
    -> (status or None, headers, body, seconds from connect to the server's close)."""
    start = time.monotonic()
    s = connect(port, source, timeout)
    try:
        if tls is not None:
            s = tls.wrap_socket(s)
        s.sendall(HEALTH_CLOSE)
        data, closed, _ = read_until_close(s, timeout - (time.monotonic() - start))
    finally:
        s.close()
    elapsed = time.monotonic() - start
    r = parse_response(data)
    if r is None or not closed:
        return None, {}, data, elapsed
    return r[0], r[1], r[2], elapsed


def assert_json_error(status, headers, body, expected_status):
    assert status == expected_status, (status, headers, body)
    assert headers.get("content-type", "").startswith("application/json"), headers
    doc = json.loads(body)
    assert doc, body
    return doc


def close_all(socks):
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


def open_up_to_cap(port, n, source):
    """Opens `n` silent connections from `source` that the server admitted, and one more that it
    refused. Admission happens asynchronously, in accept order, so the refusal of the extra one
    proves that every earlier connection has been counted; one of ours that was refused too (the
    server may still have been counting a connection that had just closed) is replaced.
    -> (the n admitted connections, what the extra one received, whether it was closed)."""
    conns = []
    deadline = time.monotonic() + 10
    while True:
        while len(conns) < n:
            conns.append(connect(port, source))
        extra = connect(port, source)
        data, closed, _ = read_until_close(extra)
        extra.close()
        refused_too = [c for c in conns if not silent_and_open(c)]
        if not refused_too or time.monotonic() > deadline:
            return conns, data, closed
        for c in refused_too:
            conns.remove(c)
            c.close()


# ---- a. idle and slow plain connections hold no worker ---------------------------------------

def test_idle_and_slow_connections_hold_no_worker(wharfd):
    # Two workers, and 400 connections that are not sending a request: a host with a worker per
    # connection would have both workers held by the first two and never answer the probes.
    w = wharfd(ini("min_threads = 1\nmax_threads = 2\nheader_timeout = 60s\n"))
    port = w.ports["api"]
    crowd = []
    try:
        crowd += [connect(port) for _ in range(300)]  # silent
        for _ in range(50):  # a partial head
            s = connect(port)
            s.sendall(PARTIAL_HEAD)
            crowd.append(s)
        for _ in range(50):  # one complete keep-alive request, then idle
            s = connect(port)
            s.sendall(HEALTH_KEEP)
            status, headers, _ = read_response(s)
            assert status == 200 and headers.get("connection", "").lower() != "close", (status, headers)
            crowd.append(s)

        latencies = []
        for i in range(20):
            status, headers, body, elapsed = health_on_new_connection(port, timeout=3)
            assert status == 200, f"probe {i}: no 200 within {elapsed:.2f} s: {body!r}"
            assert elapsed < FAST, f"probe {i} took {elapsed:.3f} s"
            latencies.append(elapsed)
        print(f"\n/health beside 400 idle/slow connections: max {max(latencies) * 1000:.1f} ms, "
              f"mean {sum(latencies) / len(latencies) * 1000:.1f} ms")
        # The crowd was still there all along: nothing was shed to make room.
        still = sum(silent_and_open(s) for s in crowd)
        assert still == len(crowd), f"only {still} of {len(crowd)} idle/slow connections still open"
    finally:
        close_all(crowd)


# ---- b. the same on a TLS listener -----------------------------------------------------------

def test_idle_tls_connections_hold_no_worker(wharfd):
    w = wharfd(ini("tls = self-signed\nmin_threads = 1\nmax_threads = 2\nheader_timeout = 60s\n"))
    port = w.ports["api"]
    ctx = tls_client_context()
    crowd = []
    try:
        crowd += [connect(port) for _ in range(100)]  # never start a handshake
        for _ in range(50):  # handshake done, then nothing
            crowd.append(ctx.wrap_socket(connect(port)))

        latencies = []
        for i in range(20):
            status, headers, body, elapsed = health_on_new_connection(port, tls=ctx, timeout=3)
            assert status == 200, f"TLS probe {i}: no 200 within {elapsed:.2f} s: {body!r}"
            assert elapsed < FAST, f"TLS probe {i} took {elapsed:.3f} s"
            latencies.append(elapsed)
        print(f"\nTLS /health beside 150 idle connections: max {max(latencies) * 1000:.1f} ms, "
              f"mean {sum(latencies) / len(latencies) * 1000:.1f} ms")
        still = sum(silent_and_open(s) for s in crowd)
        assert still == len(crowd), f"only {still} of {len(crowd)} idle TLS connections still open"
    finally:
        close_all(crowd)


# ---- c. header_timeout -----------------------------------------------------------------------

def test_header_timeout_closes_silent_partial_and_slowloris(wharfd):
    w = wharfd(ini("header_timeout = 1s\n"))
    port = w.ports["api"]
    # A head that never completes at 5 bytes/s within the test's deadline.
    drip = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    socks = {"silent": connect(port), "partial": connect(port), "slowloris": connect(port)}
    socks["partial"].sendall(PARTIAL_HEAD)
    start = time.monotonic()
    got = {name: b"" for name in socks}
    ended = {}  # name -> seconds from start until the server closed it
    sel = selectors.DefaultSelector()
    for name, s in socks.items():
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ, name)
    sent, next_drip = 0, start
    try:
        while len(ended) < len(socks):
            now = time.monotonic()
            if now - start > DEADLINE:
                break
            if "slowloris" not in ended and not got["slowloris"] and now >= next_drip:
                try:
                    socks["slowloris"].send(drip[sent:sent + 1])  # keeps sending: no idle gap
                    sent += 1
                except OSError:
                    pass  # closed under us; the read side tells
                next_drip = now + 0.2
            for key, _ in sel.select(timeout=max(0.0, min(next_drip, start + DEADLINE) - time.monotonic())):
                name = key.data
                try:
                    chunk = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    chunk = b""
                if chunk:
                    got[name] += chunk
                else:
                    ended[name] = time.monotonic() - start
                    sel.unregister(key.fileobj)
    finally:
        sel.close()
        close_all(socks.values())

    summary = {name: (ended.get(name), got[name][:300]) for name in socks}
    for name in socks:
        assert name in ended, f"{name}: not closed within {DEADLINE} s: {summary}"
    # Silent: closed without a word, and by the deadline, not at once.
    assert got["silent"] == b"", summary
    assert ended["silent"] >= 0.5, summary
    for name in ("partial", "slowloris"):
        r = parse_response(got[name])
        assert r is not None and got[name].startswith(b"HTTP/1.1 408 "), summary
        doc = assert_json_error(*r, 408)
        assert "header_timeout" in json.dumps(doc), doc
    assert sent >= 5, f"the slowloris connection sent only {sent} bytes: {summary}"


# ---- d. max_connections_per_client -----------------------------------------------------------

def test_max_connections_per_client(wharfd):
    w = wharfd(ini("max_connections_per_client = 5\n"))
    port = w.ports["api"]
    five, data, closed = open_up_to_cap(port, 5, "127.0.0.2")
    try:
        r = parse_response(data)
        assert closed and r is not None and data.startswith(b"HTTP/1.1 503 "), (closed, data)
        doc = assert_json_error(*r, 503)
        assert "max_connections_per_client" in json.dumps(doc), doc
        assert all(silent_and_open(s) for s in five), "one of the five admitted connections was closed"

        status, _, body, _ = health_on_new_connection(port, "127.0.0.1")
        assert status == 200, f"another client was refused too: {body!r}"

        five.pop().close()

        def served():
            return health_on_new_connection(port, "127.0.0.2")[0] == 200
        wait_until(served, timeout=DEADLINE, what="a new connection from 127.0.0.2 once one of five closed",
                   proc=w.proc)
    finally:
        close_all(five)


# ---- e. max_connections ----------------------------------------------------------------------

def test_max_connections(wharfd):
    w = wharfd(ini("max_connections = 10\n"))
    port = w.ports["api"]
    ten, data, closed = open_up_to_cap(port, 10, "127.0.0.1")
    try:
        r = parse_response(data)
        assert closed and r is not None and data.startswith(b"HTTP/1.1 503 "), (closed, data)
        doc = assert_json_error(*r, 503)
        message = json.dumps(doc)
        assert "max_connections" in message and "max_connections_per_client" not in message, doc
        assert all(silent_and_open(s) for s in ten), "one of the ten admitted connections was closed"

        for _ in range(3):
            ten.pop().close()

        def served():
            return health_on_new_connection(port)[0] == 200
        wait_until(served, timeout=DEADLINE, what="/health once three of ten connections closed", proc=w.proc)
    finally:
        close_all(ten)


# ---- f. the workers' queue -------------------------------------------------------------------

def test_full_queue_answers_503(wharfd, tmp_path):
    log = tmp_path / "order.log"
    w = wharfd(ini("min_threads = 1\nmax_threads = 1\nmax_queued = 1\n", f"order_log = {log}\n"))
    port = w.ports["api"]
    a = connect(port)
    b = c = None
    try:
        a.sendall(b"GET /echo/slow?ms=3000 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        # The one worker is in the handler (it logs before it sleeps): the queue is empty again.
        wait_until(lambda: "slow 3000" in log.read_text(), timeout=DEADLINE,
                   what="the worker to start the slow request", proc=w.proc)
        b = connect(port)
        b.sendall(HEALTH_CLOSE)  # queued: the only worker is busy
        c = connect(port)
        c.sendall(HEALTH_CLOSE)  # the queue (1) is full
        data_c, closed_c, seconds_c = read_until_close(c)
        r = parse_response(data_c)
        assert closed_c and r is not None and data_c.startswith(b"HTTP/1.1 503 "), (closed_c, data_c)
        assert_json_error(*r, 503)
        assert r[1].get("retry-after", "").isdigit(), r[1]
        assert seconds_c < 2.0, f"the refusal waited {seconds_c:.2f} s (for the worker?)"

        data_a, closed_a, _ = read_until_close(a)
        a.close()  # the worker lingers on A until it closes
        data_b, closed_b, seconds_b = read_until_close(b)
        print(f"\nqueued request answered {seconds_b:.2f} s after A's answer")
        ra, rb = parse_response(data_a), parse_response(data_b)
        assert closed_a and ra and ra[0] == 200 and b"slow done" in ra[2], data_a
        assert closed_b and rb and rb[0] == 200, data_b
    finally:
        close_all(s for s in (a, b, c) if s is not None)


# ---- g. many slow requests at once -----------------------------------------------------------

def test_many_slow_requests_run_at_once(wharfd):
    n, ms = 300, 1500
    # 300 sleeps of 1.5 s: at once they take ~1.5 s; 128 at a time (the old max_threads default)
    # would take 3 rounds, 4.5 s or more.
    limit = 4.0
    w = wharfd(ini(""))
    port = w.ports["api"]
    request = f"GET /echo/slow?ms={ms} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
    sel = selectors.DefaultSelector()
    got, done, socks = {}, {}, []
    start = time.monotonic()
    try:
        for i in range(n):
            s = connect(port)
            s.sendall(request)
            s.setblocking(False)
            socks.append(s)
            got[i] = b""
            sel.register(s, selectors.EVENT_READ, i)
        deadline = start + 10
        while len(done) < n and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=max(0.0, deadline - time.monotonic())):
                i = key.data
                try:
                    chunk = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except ConnectionResetError:
                    chunk = b""
                if chunk:
                    got[i] += chunk
                else:
                    done[i] = time.monotonic() - start
                    sel.unregister(key.fileobj)
                    key.fileobj.close()
        total = time.monotonic() - start
    finally:
        sel.close()
        close_all(socks)
    ok = sum(1 for i in done if (parse_response(got[i]) or (0,))[0] == 200)
    print(f"\n{n} concurrent /echo/slow?ms={ms}: {ok} answered 200 in {total:.2f} s")
    assert len(done) == n, f"only {len(done)} of {n} finished within 10 s"
    bad = [got[i][:200] for i in done if (parse_response(got[i]) or (0,))[0] != 200]
    assert not bad, f"{len(bad)} not 200, e.g. {bad[0]!r}"
    assert total < limit, f"{n} concurrent requests of {ms} ms took {total:.2f} s (slowest {max(done.values()):.2f} s)"


# ---- a client that does not close after the answer -------------------------------------------

def test_unclosed_connection_after_close_holds_no_worker(wharfd):
    # One worker. A client asks for Connection: close, reads the whole answer and the server's end
    # of file, and keeps its end open: that is a slow connection too, and must not hold the worker.
    w = wharfd(ini("min_threads = 1\nmax_threads = 1\n"))
    port = w.ports["api"]
    held = connect(port)
    try:
        held.sendall(HEALTH_CLOSE)
        data, closed, _ = read_until_close(held)
        assert closed and data.startswith(b"HTTP/1.1 200 "), data
        status, _, body, elapsed = health_on_new_connection(port)
        assert status == 200, body
        assert elapsed < FAST, f"the next request waited {elapsed:.2f} s for the only worker"
    finally:
        held.close()
