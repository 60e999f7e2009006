"""Strict HTTP/1.1 request framing (RFC 9112) on a real wharfd, over raw sockets.

A request whose framing is ambiguous or malformed gets exactly one answer, 400 (505 for an HTTP
version the host does not speak), with `Connection: close` and a JSON error body, and then the
connection is closed: whatever follows it on the wire, which a lenient or differently-parsing
peer (a proxy in front of wharfd) might take for a second request, is never answered. The
positive cases guard against over-strictness: what RFC 9112 allows is still served.
"""
import json
import re
import socket
import time

import pytest

BASE = """
metrics_listener = api
admin_listener = none
[listener.api]
bind = 127.0.0.1:{api}
max_body = 1M
[plugin.echo]
module = test-echo
listener = api
"""

DEADLINE = 5.0  # seconds a raw exchange may take; loopback answers come in milliseconds

# The carrier's request line and Host; the vectors add their own header lines and body.
POST = b"POST /echo/body HTTP/1.1\r\nHost: x\r\n"
# What follows a bad request on the wire: a complete request that must never be answered. It asks
# for the connection to close, so that a server that does answer it does not hold the test until
# the deadline.
SMUGGLED = b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
CHUNKED_HELLO = b"5\r\nhello\r\n0\r\n\r\n"


def raw_exchange(port, data, timeout=DEADLINE):
    """Sends `data` on a fresh connection (never half-closing it) and reads until the server closes
    the connection or `timeout` seconds have passed. -> (bytes received, closed_by_server)."""
    deadline = time.monotonic() + timeout
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server refused early and closed; what it answered is still readable
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return out, False
            s.settimeout(left)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return out, False
            except ConnectionResetError:
                return out, True  # closed with our bytes unread: a reset, but closed by the server
            if not chunk:
                return out, True
            out += chunk


STATUS_LINE = re.compile(rb"HTTP/\d\.\d (\d{3})[^\r\n]*\r\n")


class Response:
    def __init__(self, status_line, headers, body):
        self.status_line = status_line  # bytes, without the CRLF
        self.status = int(status_line.split()[1])
        self.headers = headers  # lowercase name -> list of values
        self.body = body

    def header(self, name):
        values = self.headers.get(name.lower())
        return None if values is None else ", ".join(values)

    def __repr__(self):
        return f"<{self.status_line!r} {self.headers!r} {self.body[:200]!r}>"


def parse_responses(data):
    """Splits what a server sent into responses, each framed by its Content-Length, its chunked
    coding or the end of the data. -> (responses, bytes left over that are not a response)."""
    responses = []
    rest = data
    while rest:
        end = rest.find(b"\r\n\r\n")
        if end < 0 or not STATUS_LINE.match(rest):
            break
        lines = rest[:end].split(b"\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.setdefault(name.strip().decode("latin-1").lower(), []).append(value.strip().decode("latin-1"))
        rest = rest[end + 4:]
        r = Response(lines[0], headers, b"")
        te = (r.header("Transfer-Encoding") or "").lower()
        if r.status in (204, 304) or 100 <= r.status < 200:
            pass
        elif "chunked" in te:
            body = b""
            while True:
                line_end = rest.find(b"\r\n")
                if line_end < 0:
                    break
                try:
                    size = int(rest[:line_end].split(b";")[0], 16)
                except ValueError:
                    break  # not chunked after all: the rest stays unparsed
                rest = rest[line_end + 2:]
                if size == 0:
                    rest = rest[rest.find(b"\r\n") + 2:] if b"\r\n" in rest else b""
                    break
                body += rest[:size]
                rest = rest[size + 2:]
            r.body = body
        elif (r.header("Content-Length") or "").isdigit():
            n = int(r.header("Content-Length"))
            r.body, rest = rest[:n], rest[n:]
        else:
            r.body, rest = rest, b""
        responses.append(r)
    return responses, rest


def exchange(w, data):
    reply, closed = raw_exchange(w.ports["api"], data)
    responses, rest = parse_responses(reply)
    return reply, closed, responses, rest


# ---- requests that must be refused ---------------------------------------------------------------

def _post(headers, body=b"hello"):
    return POST + headers + b"\r\n" + body


def _line(request_line):
    return request_line + b"\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"


def _chunked(body):
    return POST + b"Transfer-Encoding: chunked\r\n\r\n" + body


# (id, request without the smuggled tail, expected status, head problem?) -- a head problem can be
# refused before any handler runs; a chunked-body problem shows only once the handler reads.
REFUSED = [
    # 1. Content-Length repeated
    ("cl-twice-different", _post(b"Content-Length: 5\r\nContent-Length: 40\r\n"), 400, True),
    ("cl-twice-same", _post(b"Content-Length: 5\r\nContent-Length: 5\r\n"), 400, True),
    ("cl-list-same", _post(b"Content-Length: 5, 5\r\n"), 400, True),
    # 2. Content-Length with Transfer-Encoding
    ("cl-then-te-chunked", _post(b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", CHUNKED_HELLO), 400, True),
    ("te-chunked-then-cl", _post(b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", CHUNKED_HELLO), 400, True),
    # 3. Transfer-Encoding other than exactly "chunked"
    ("te-xchunked", _post(b"Transfer-Encoding: xchunked\r\n", CHUNKED_HELLO), 400, True),
    ("te-chunked-identity", _post(b"Transfer-Encoding: chunked, identity\r\n", CHUNKED_HELLO), 400, True),
    ("te-identity", _post(b"Transfer-Encoding: identity\r\n"), 400, True),
    ("te-gzip-chunked", _post(b"Transfer-Encoding: gzip, chunked\r\n", CHUNKED_HELLO), 400, True),
    ("te-chunked-twice", _post(b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", CHUNKED_HELLO),
     400, True),
    ("te-folded", _post(b"Transfer-Encoding:\r\n chunked\r\n", CHUNKED_HELLO), 400, True),
    ("te-space-before-colon", _post(b"Transfer-Encoding : chunked\r\n", CHUNKED_HELLO), 400, True),
    # 4. Content-Length values that are not one decimal number that fits
    ("cl-negative", _post(b"Content-Length: -1\r\n"), 400, True),
    ("cl-plus-sign", _post(b"Content-Length: +5\r\n"), 400, True),
    ("cl-hex", _post(b"Content-Length: 0x10\r\n"), 400, True),
    ("cl-two-numbers", _post(b"Content-Length: 5 5\r\n"), 400, True),
    ("cl-overflow-30-digits", _post(b"Content-Length: " + b"1" * 30 + b"\r\n"), 400, True),
    # 5. Host
    ("host-missing-http11", b"POST /echo/body HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 400, True),
    ("host-twice", _post(b"Host: y\r\nContent-Length: 5\r\n"), 400, True),
    # 6. header lines
    ("header-no-colon", _post(b"X-Nocolon\r\nContent-Length: 5\r\n"), 400, True),
    ("header-nul-in-value", _post(b"X-A: a\x00b\r\nContent-Length: 5\r\n"), 400, True),
    ("header-bare-cr-in-value", _post(b"X-A: a\rb\r\nContent-Length: 5\r\n"), 400, True),
    ("header-obs-fold", _post(b"X-A: b\r\n c\r\nContent-Length: 5\r\n"), 400, True),
    # 7. request line
    ("version-1.2x", _line(b"POST /echo/body HTTP/1.2x"), 400, True),
    ("version-no-minor", _line(b"POST /echo/body HTTP/1"), 400, True),
    ("version-lowercase", _line(b"POST /echo/body http/1.1"), 400, True),
    ("two-spaces-after-method", _line(b"POST  /echo/body HTTP/1.1"), 400, True),
    ("space-in-target", _line(b"POST /echo/bo dy HTTP/1.1"), 400, True),
    ("version-9.9-is-505", _line(b"POST /echo/body HTTP/9.9"), 505, True),
    ("version-2.0-is-505", _line(b"POST /echo/body HTTP/2.0"), 505, True),
    # 8. chunked bodies
    ("chunk-size-not-hex", _chunked(b"zz\r\nhello\r\n0\r\n\r\n"), 400, False),
    ("chunk-size-overflow-17-digits", _chunked(b"1" + b"0" * 16 + b"\r\nhello\r\n0\r\n\r\n"), 400, False),
    ("chunk-size-line-bare-lf", _chunked(b"5\nhello\r\n0\r\n\r\n"), 400, False),
    ("chunk-data-without-crlf", _chunked(b"5\r\nhelloXX0\r\n\r\n"), 400, False),
    ("te-chunked-on-http10", b"POST /echo/body HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
     + CHUNKED_HELLO, 400, True),
]


@pytest.mark.parametrize("request_bytes,status,head_problem", [v[1:] for v in REFUSED],
                         ids=[v[0] for v in REFUSED])
def test_bad_framing_is_refused_once_and_closed(wharfd, request_bytes, status, head_problem):
    w = wharfd(BASE)
    reply, closed, responses, rest = exchange(w, request_bytes + SMUGGLED)
    assert len(responses) == 1 and rest == b"", \
        f"expected exactly one response, got {len(responses)} (closed by server: {closed}): {reply[:600]!r}"
    r = responses[0]
    assert r.status_line.startswith(b"HTTP/1.1 %d " % status), reply[:600]
    assert closed, f"the server kept the connection open after {r.status}: {reply[:600]!r}"
    if head_problem:
        # A refused head is answered by the host itself: it says it closes, and why, in JSON.
        assert (r.header("Connection") or "").lower() == "close", r
        assert "error" in json.loads(r.body), r
    # and it still serves new connections
    reply, closed, responses, _ = exchange(w, SMUGGLED)
    assert closed and len(responses) == 1 and responses[0].status == 200, reply[:600]


# ---- requests that must be served --------------------------------------------------------------

def assert_served(reply, closed, responses, rest, bodies):
    """`bodies`: one entry per expected response, all 200; None accepts any body."""
    assert len(responses) == len(bodies) and rest == b"", \
        f"expected {len(bodies)} responses, got {len(responses)} (closed by server: {closed}): {reply[:800]!r}"
    for r, body in zip(responses, bodies):
        assert r.status == 200, reply[:800]
        if body is not None:
            assert r.body == body, reply[:800]
    assert closed, f"the server did not close after Connection: close: {reply[:800]!r}"


def test_chunk_size_with_leading_zeros(wharfd):
    # 0x40 = 64 bytes, written with eleven digits: the size is the number, not its first digits.
    w = wharfd(BASE)
    data = _chunked(b"00000000040\r\n" + b"z" * 64 + b"\r\n0\r\n\r\n") + SMUGGLED
    assert_served(*exchange(w, data), [b"64\n", None])


@pytest.mark.parametrize("body", [
    b"5;name=value\r\nhello\r\n0\r\n\r\n",
    b"5;a=1;b=\"q\"\r\nhello\r\n0;last\r\n\r\n",
    b"5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n",
], ids=["extension", "extensions-on-last-chunk-too", "trailer-field"])
def test_chunk_extensions_and_trailers_are_accepted(wharfd, body):
    # and the body ends where the chunked coding says: the pipelined request is answered
    w = wharfd(BASE)
    assert_served(*exchange(w, _chunked(body) + SMUGGLED), [b"5\n", None])


def test_uppercase_hex_chunk_size(wharfd):
    w = wharfd(BASE)
    assert_served(*exchange(w, _chunked(b"A\r\n0123456789\r\n0\r\n\r\n") + SMUGGLED), [b"10\n", None])


def test_transfer_encoding_is_case_insensitive(wharfd):
    w = wharfd(BASE)
    data = POST + b"Transfer-Encoding: Chunked\r\n\r\n" + CHUNKED_HELLO + SMUGGLED
    assert_served(*exchange(w, data), [b"5\n", None])


def test_http10_without_host(wharfd):
    w = wharfd(BASE)
    # HTTP/1.0 without keep-alive: the response ends the connection.
    assert_served(*exchange(w, b"POST /echo/body HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello"), [b"5\n"])
    assert_served(*exchange(w, b"GET /health HTTP/1.0\r\n\r\n"), [None])


@pytest.mark.parametrize("data,bodies", [
    (b"\r\n" + SMUGGLED, [None]),
    (b"\r\n\r\n" + SMUGGLED, [None]),
    (POST + b"Content-Length: 5\r\n\r\nhello\r\n" + SMUGGLED, [b"5\n", None]),
    (POST + b"Content-Length: 5\r\n\r\nhello\r\n\r\n" + SMUGGLED, [b"5\n", None]),
], ids=["one-at-start", "two-at-start", "one-after-body", "two-after-body"])
def test_empty_lines_before_request_line_are_ignored(wharfd, data, bodies):
    w = wharfd(BASE)
    assert_served(*exchange(w, data), bodies)


def test_header_value_with_surrounding_whitespace(wharfd):
    w = wharfd(BASE)
    data = POST + b"X-A: \t value \t \r\nContent-Length:  5\t\r\nConnection: close\r\n\r\nhello"
    assert_served(*exchange(w, data), [b"5\n"])


def test_content_length_zero_then_pipelined(wharfd):
    w = wharfd(BASE)
    assert_served(*exchange(w, POST + b"Content-Length: 0\r\n\r\n" + SMUGGLED), [b"0\n", None])
