"""The host's HTTP surface on a real wharfd: health, ready, metrics, routing, limits, allow-lists."""
import json
import socket

from prometheus_client.parser import text_string_to_metric_families

from conftest import http

BASE = """
metrics_listener = api
admin_listener = admin
[listener.api]
bind = 127.0.0.1:{api}
max_body = 1M
max_header_fields = 20
max_header_bytes = 16K
[listener.admin]
bind = 127.0.0.1:{admin}
[listener.walled]
bind = 127.0.0.1:{walled}
allow = 10.0.0.0/8, fd00::/8
[plugin.echo]
module = test-echo
listener = api
"""
LISTENERS = ("api", "admin", "walled")


def test_health_ready_and_metrics(wharfd):
    w = wharfd(BASE, LISTENERS)
    status, headers, body = http("GET", w.url("api", "/health"))
    assert status == 200 and json.loads(body) == {"status": "ok"}
    status, _, body = http("GET", w.url("api", "/ready"))
    assert status == 200 and json.loads(body)["status"] == "ready"
    assert http("GET", w.url("api", "/echo/x?y=1"))[0] == 200
    status, headers, body = http("GET", w.url("api", "/metrics"))
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    for name in ("process_cpu_seconds", "process_resident_memory_bytes", "process_open_fds",
                 "process_start_time_seconds", "wharf_http_requests", "wharf_http_request_duration_seconds",
                 "wharf_http_requests_in_flight"):
        assert name in families, name
    requests = {(s.labels["route"], s.labels["code"]): s.value for s in families["wharf_http_requests"].samples
                if s.name == "wharf_http_requests_total"}
    assert requests[("/health", "200")] == 1
    assert requests[("/echo", "200")] == 1
    assert families["process_resident_memory_bytes"].samples[0].value > 1e6


def test_ready_names_the_failing_instance(wharfd):
    w = wharfd(BASE + "[plugin.sick]\nmodule = test-echo\nlistener = api\nprefix = /sick\nunhealthy = true\n", LISTENERS)
    status, _, body = http("GET", w.url("api", "/ready"))
    assert status == 503
    assert json.loads(body)["failing"] == [{"instance": "sick", "error": "told to be unhealthy"}]
    assert http("GET", w.url("admin", "/health"))[0] == 200


def test_routing_and_errors(wharfd):
    w = wharfd(BASE, LISTENERS)
    status, _, body = http("GET", w.url("api", "/echo/a/b?q=%20x"))
    assert status == 200
    echoed = json.loads(body)
    assert echoed == {"instance": "echo", "method": "GET", "path": "/echo/a/b", "query": "q=%20x"}
    status, _, body = http("GET", w.url("api", "/nothing-here"))
    assert status == 404 and json.loads(body)["error"]["type"] == "not_found"
    status, _, body = http("GET", w.url("api", "/echo/throw"))
    assert status == 500 and b"boom" in body
    status, headers, body = http("GET", w.url("api", "/echo/stream?n=4"))
    assert status == 200 and headers.get("Transfer-Encoding") == "chunked"
    assert body == b"chunk 0\nchunk 1\nchunk 2\nchunk 3\n"


def test_body_limit_413(wharfd):
    w = wharfd(BASE, LISTENERS)
    assert http("POST", w.url("api", "/echo/body"), body=b"x" * 1000)[2] == b"1000\n"
    status, _, body = http("POST", w.url("api", "/echo/body"), body=b"x" * (2 << 20))
    assert status == 413 and b"max_body" in body
    # Chunked bodies have no declared length: the limit applies while reading.
    def chunks():
        for _ in range(40):
            yield b"y" * 65536
    import urllib.request
    req = urllib.request.Request(w.url("api", "/echo/body"), data=chunks(), method="POST")
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("expected 413")
    except urllib.error.HTTPError as e:
        assert e.code == 413
    except (ConnectionError, urllib.error.URLError):
        pass  # the server may close while the client still sends


def test_a_refused_body_is_drained_before_the_close(wharfd):
    # The 413 is sent before the body is read; the server then half-closes and drops the rest of
    # the body until the client is done. Closing with unread bytes would reset the connection,
    # and the client, still sending, would see a broken pipe instead of the answer.
    w = wharfd(BASE, LISTENERS)
    body = b"x" * (8 << 20)
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", w.ports["api"]), timeout=10) as s:
            s.sendall(b"POST /echo/body HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
                      + body)
            assert s.recv(4096).startswith(b"HTTP/1.1 413 ")


def raw_request(port, data, timeout=5):
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def test_header_limits_431_and_malformed_400(wharfd):
    w = wharfd(BASE, LISTENERS)
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(30))
    reply = raw_request(w.ports["api"], b"GET /health HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert reply.startswith(b"HTTP/1.1 431 "), reply[:100]
    long_value = b"X-Long: " + b"a" * 10000 + b"\r\n"
    reply = raw_request(w.ports["api"], b"GET /health HTTP/1.1\r\nHost: x\r\n" + long_value + b"\r\n")
    assert reply.startswith(b"HTTP/1.1 431 "), reply[:100]
    # each field within its own limits, 20 000 bytes in all
    fields = b"".join(b"X-F%d: " % i + b"b" * 5000 + b"\r\n" for i in range(4))
    reply = raw_request(w.ports["api"], b"GET /health HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert reply.startswith(b"HTTP/1.1 431 "), reply[:100]
    assert b"the limit is 16384" in reply
    fields = b"".join(b"X-F%d: " % i + b"b" * 3000 + b"\r\n" for i in range(4))
    reply = raw_request(w.ports["api"], b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + fields + b"\r\n")
    assert reply.startswith(b"HTTP/1.1 200 "), reply[:100]
    reply = raw_request(w.ports["api"], b"NONSENSE\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 400 "), reply[:100]
    assert http("GET", w.url("api", "/health"))[0] == 200  # still serving


def test_keep_alive_and_pipelining(wharfd):
    w = wharfd(BASE, LISTENERS)
    reply = raw_request(w.ports["api"], b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                                        b"GET /echo/p HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert reply.count(b"HTTP/1.1 200 OK") == 2
    assert b'"path":"/echo/p"' in reply


def test_pipelined_bodies_are_read_exactly(wharfd):
    # Three requests with fixed-length bodies (one large, read in pieces) in one send: each body
    # must end where its Content-Length says, leaving the next request intact.
    w = wharfd(BASE, LISTENERS)
    big = b"b" * 700_000
    reply = raw_request(w.ports["api"],
                        b"POST /echo/body HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                        b"POST /echo/body HTTP/1.1\r\nHost: x\r\nContent-Length: 700000\r\n\r\n"
                        + big +
                        b"POST /echo/body HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                        b"Connection: close\r\n\r\nxyz")
    assert reply.count(b"HTTP/1.1 200 OK") == 3, reply[:300]
    bodies = [part.split(b"\r\n\r\n", 1)[1] for part in reply.split(b"HTTP/1.1 ")[1:]]
    assert bodies == [b"5\n", b"700000\n", b"3\n"]


def test_allow_list_refuses_with_403(wharfd):
    w = wharfd(BASE, LISTENERS)
    status, _, body = http("GET", w.url("walled", "/health"))
    assert status == 403
    assert "127.0.0.1 is not allowed on listener walled" in json.loads(body)["error"]["message"]
    assert http("GET", w.url("api", "/health"))[0] == 200
