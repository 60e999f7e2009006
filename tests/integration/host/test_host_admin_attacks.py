"""Regression suite of an attack run on the admin API and on listener allow-lists: what it found
to hold must keep holding.

3. The admin bearer token ([host] admin_token_file): the guard compares the whole Authorization
   field value with "Bearer <token>" (host/src/services/admin_routes.cpp: exact length, constant
   time), so every other spelling (scheme case, separators, prefixes, suffixes, Basic, query
   strings, other headers, duplicates, another instance's secret) is a 401 JSON with
   `WWW-Authenticate: Bearer`, malformed fields are the parser's 400, an oversized one its 431;
   and none of the refused POST /admin/drain or PUT /admin/log-level had any effect.
4. Allow-lists (`allow = 10.0.0.0/8, fd00::/8`): the client is the TCP peer, so no header, Host or
   absolute-form target makes a loopback client an allowed one: 403 every time.

Every request is sent as raw bytes on loopback; each answer is read to the close.
"""
import base64
import json
import pathlib
import socket

import pytest

from conftest import Wharfd, free_port

TOKEN = "s3cret-admin"
OTHER_SECRET = "hunter2"  # the secret_token of plugin.echo: another route's secret

CONFIG = """
metrics_listener = none
admin_listener = admin
admin_token_file = {tmp}/token
[listener.api]
bind = 127.0.0.1:{api}
[listener.admin]
bind = 127.0.0.1:{admin}
[listener.walled]
bind = 127.0.0.1:{walled}
allow = 10.0.0.0/8, fd00::/8
[plugin.echo]
module = test-echo
listener = api
secret_token = hunter2
size = 2M
admin_listener = admin
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One wharfd for the whole module: refused requests must leave it as it was."""
    tmp = tmp_path_factory.mktemp("admin-attacks")
    (tmp / "token").write_text(TOKEN + "\n")
    ports = {name: free_port() for name in ("api", "admin", "walled")}
    w = Wharfd(tmp, CONFIG, ports)
    w.start()
    for listener in ports:
        w.wait_healthy(listener)
    yield w
    code = w.stop()
    assert code == 0, f"wharfd exited with {code} after SIGTERM:\n{w.output()}"


# ---- raw HTTP ------------------------------------------------------------------------------


class Reply:
    def __init__(self, data):
        self.raw = data
        head, sep, body = data.partition(b"\r\n\r\n")
        assert sep, f"no complete answer: {data[:300]!r}"
        lines = head.split(b"\r\n")
        self.status = int(lines[0].split(b" ", 2)[1])
        self.headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            self.headers.setdefault(k.strip().lower().decode("latin-1"), []).append(
                v.strip().decode("latin-1"))
        self.body = body

    def header(self, name):
        values = self.headers.get(name.lower(), [])
        assert len(values) <= 1, f"{name} sent {len(values)} times: {self!r}"
        return values[0] if values else None

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"<{self.status} {self.headers} {self.body[:300]!r}>"


def raw(port, data, timeout=10):
    """Sends `data`, reads to the close; a reset after the answer began keeps what came."""
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused while still sending (an oversized head): read what was answered
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
        except ConnectionResetError:
            pass
    assert out, "the connection closed without an answer"
    return Reply(out)


def request(method, target, fields=(), body=b"", host=b"127.0.0.1"):
    """A raw request: every field line is sent as given (bytes), each ended by CRLF."""
    req = method.encode() + b" " + (target.encode() if isinstance(target, str) else target) + \
        b" HTTP/1.1\r\n"
    if host is not None:
        req += b"Host: " + host + b"\r\n"
    req += b"Connection: close\r\n"
    for f in fields:
        req += (f.encode("utf-8") if isinstance(f, str) else f) + b"\r\n"
    if body:
        req += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
    return req + b"\r\n" + body


def b64(text):
    return base64.b64encode(text.encode()).decode()


def basic(user, password):
    return f"Authorization: Basic {b64(f'{user}:{password}')}"


def ready(server):
    r = raw(server.ports["api"], request("GET", "/ready"))
    return r.status, r.json()["status"]


def assert_untouched(server):
    """Not draining, and no log level was set."""
    assert ready(server) == (200, "ready")
    assert "log level of" not in server.output(), server.output()[-2000:]


# ---- 3. the admin bearer token -------------------------------------------------------------

GOOD = f"Authorization: Bearer {TOKEN}"

ROUTES = [
    pytest.param("GET", "/admin/config", b"", id="GET-config"),
    pytest.param("GET", "/admin/plugins", b"", id="GET-plugins"),
    pytest.param("POST", "/admin/drain", b"", id="POST-drain"),
    pytest.param("PUT", "/admin/log-level", b'{"level":"trace"}', id="PUT-log-level"),
    pytest.param("GET", "/echo-admin", b"", id="GET-plugin-admin-route"),
]


def V(name, fields, query="", status=401):
    return pytest.param(fields, query, status, id=name)


REFUSED = [
    V("missing", []),
    V("empty-value", [b"Authorization:"]),
    V("bearer-without-token", [b"Authorization: Bearer"]),
    V("bearer-and-space-only", [b"Authorization: Bearer "]),
    V("lower-case-scheme", [f"Authorization: bearer {TOKEN}"]),
    V("upper-case-scheme", [f"Authorization: BEARER {TOKEN}"]),
    V("upper-case-token", [f"Authorization: Bearer {TOKEN.upper()}"]),
    V("two-spaces", [f"Authorization: Bearer  {TOKEN}"]),
    V("tab-separator", [f"Authorization: Bearer\t{TOKEN}"]),
    V("no-separator", [f"Authorization: Bearer{TOKEN}"]),
    V("no-scheme", [f"Authorization: {TOKEN}"]),
    V("token-scheme", [f"Authorization: Token {TOKEN}"]),
    V("token-prefix", [f"Authorization: Bearer {TOKEN[:-1]}"]),
    V("token-first-char", [f"Authorization: Bearer {TOKEN[0]}"]),
    V("token-plus-suffix", [f"Authorization: Bearer {TOKEN}x"]),
    V("token-plus-word", [f"Authorization: Bearer {TOKEN} extra"]),
    V("token-then-list", [f"Authorization: Bearer {TOKEN}, Bearer wrong"]),
    V("list-wrong-then-token", [f"Authorization: Bearer wrong, Bearer {TOKEN}"]),
    V("token-quoted", [f'Authorization: Bearer "{TOKEN}"']),
    V("token-base64", [f"Authorization: Bearer {b64(TOKEN)}"]),
    V("token-nbsp-suffix", [f"Authorization: Bearer {TOKEN}".encode() + b"\xc2\xa0"]),
    V("token-homoglyph-hyphen", ["Authorization: Bearer " + TOKEN.replace("-", "\u2010")]),
    V("token-and-file-newline-as-text", [f"Authorization: Bearer {TOKEN}\\n"]),
    V("basic-token-as-password", [basic("admin", TOKEN)]),
    V("basic-token-as-user", [basic(TOKEN, "")]),
    V("basic-empty-user", [basic("", TOKEN)]),
    V("basic-scheme-raw-token", [f"Authorization: Basic {TOKEN}"]),
    V("query-token", [], f"?token={TOKEN}"),
    V("query-access-token", [], f"?access_token={TOKEN}"),
    V("query-authorization", [], f"?Authorization=Bearer%20{TOKEN}"),
    V("x-admin-token-header", [f"X-Admin-Token: {TOKEN}"]),
    V("proxy-authorization", [f"Proxy-Authorization: Bearer {TOKEN}"]),
    V("cookie", [f"Cookie: token={TOKEN}"]),
    V("x-forwarded-authorization", [f"X-Forwarded-Authorization: Bearer {TOKEN}"]),
    V("two-headers-wrong-first", [b"Authorization: Bearer wrong", GOOD]),
    V("two-headers-empty-first", [b"Authorization:", GOOD]),
    V("two-headers-basic-first", [basic("admin", TOKEN), GOOD]),
    V("other-routes-secret", [f"Authorization: Bearer {OTHER_SECRET}"]),
    V("other-routes-secret-plus-token", [f"Authorization: Bearer {OTHER_SECRET}{TOKEN}"]),
    # malformed fields: the parser's 400, before any route
    V("token-trailing-lf", [GOOD.encode() + b"\n"], status=400),
    V("token-trailing-cr", [GOOD.encode() + b"\r"], status=400),
    V("token-trailing-nul", [GOOD.encode() + b"\x00"], status=400),
    V("token-nul-then-junk", [GOOD.encode() + b"\x00junk"], status=400),
    V("token-nul-prefix", [b"Authorization: Bearer \x00" + TOKEN.encode()], status=400),
    V("token-vertical-tab", [GOOD.encode() + b"\x0b"], status=400),
    V("space-before-colon", [f"Authorization : Bearer {TOKEN}"], status=400),
    V("obs-fold", [b"Authorization: Bearer", b" " + TOKEN.encode()], status=400),
    # oversized: above max_header_bytes (64K by default)
    V("long-token-100k", ["Authorization: Bearer " + "a" * 100_000], status=431),
    V("token-plus-100k", [GOOD + "a" * 100_000], status=431),
]


@pytest.mark.parametrize("method,path,body", ROUTES)
@pytest.mark.parametrize("fields,query,status", REFUSED)
def test_admin_refuses(server, method, path, body, fields, query, status):
    r = raw(server.ports["admin"], request(method, path + query, fields, body))
    what = f"{method} {path}{query} with {[f[:80] for f in fields]} -> {r!r}"
    assert r.status == status, what
    assert r.header("Content-Type").startswith("application/json"), what
    err = r.json()["error"]
    assert OTHER_SECRET.encode() not in r.body and b"instances" not in r.body, what
    if status == 401:
        assert r.header("WWW-Authenticate") == 'Bearer realm="wharf-admin"', what
        assert err["type"] == "unauthorized", what
        assert r.header("Cache-Control") == "no-store", what
    else:
        assert r.header("WWW-Authenticate") is None, what
    assert_untouched(server)


@pytest.mark.parametrize("fields", [
    pytest.param([f"Authorization: Bearer {TOKEN} "], id="trailing-space"),
    pytest.param([f"Authorization: Bearer {TOKEN}\t"], id="trailing-tab"),
    pytest.param([f"Authorization:    Bearer {TOKEN}"], id="leading-spaces"),
    pytest.param([f"Authorization:Bearer {TOKEN}"], id="no-space-after-colon"),
    pytest.param([f"authorization: Bearer {TOKEN}"], id="lower-case-field-name"),
    pytest.param([f"AUTHORIZATION: Bearer {TOKEN}"], id="upper-case-field-name"),
    pytest.param([GOOD, b"Authorization: Bearer wrong"], id="two-headers-token-first"),
])
def test_admin_accepts_only_the_exact_value(server, fields):
    # The guard sees the field value, which excludes the optional whitespace around it (RFC 9110
    # 5.5) and whose name is case-insensitive: these are the exact "Bearer <token>". (The first of
    # two fields is the one compared: a client that sends the token first has the token.)
    r = raw(server.ports["admin"], request("GET", "/admin/plugins", fields))
    assert r.status == 200, r
    assert any(i["instance"] == "echo" for i in r.json()["instances"])
    assert_untouched(server)


@pytest.mark.parametrize("method,target,status", [
    ("GET", "/admin/plugins/", 401),
    ("GET", "/admin/plugins/../config", 401),
    ("GET", "/admin/plugins%2f..%2fconfig", 401),
    ("GET", "/%61dmin/config", 401),
    ("GET", "/admin%2fconfig", 401),
    ("GET", "http://127.0.0.1/admin/config", 401),
    ("GET", "/admin/config?", 401),
    ("GET", "/admin/config#x", 404),  # a fragment is no part of a request target
    ("POST", "/admin/drain/", 401),
    ("POST", "/admin/drain/now", 401),
    ("POST", "/admin/%64rain", 401),
    ("PUT", "/admin/log-level/../log-level", 401),
    ("GET", "/admin//config", 404),
    ("GET", "/admin/./config", 404),
    ("GET", "/ADMIN/CONFIG", 404),
    ("GET", "/Admin/config", 404),
    ("GET", "/admin/config%00", 400),  # an encoded NUL is refused before routing
    ("GET", "/admin/config;x", 404),
    ("GET", "/admin", 404),
    ("POST", "//admin/drain", 404),
], ids=lambda v: v if isinstance(v, str) else None)
def test_admin_path_variants_stay_guarded(server, method, target, status):
    body = b'{"level":"trace"}' if method == "PUT" else b""
    r = raw(server.ports["admin"], request(method, target, [], body))
    assert r.status == status, f"{method} {target} -> {r!r}"
    assert b"instances" not in r.body and b"sections" not in r.body, r
    if status == 401:
        assert r.header("WWW-Authenticate") == 'Bearer realm="wharf-admin"', r
    assert_untouched(server)


def test_admin_is_not_reachable_from_the_api_listener(server):
    for method, path in (("GET", "/admin/config"), ("POST", "/admin/drain"),
                         ("GET", "/echo-admin")):
        r = raw(server.ports["api"], request(method, path, [GOOD]))
        assert r.status == 404, (method, path, r)
    assert_untouched(server)


# ---- 4. allow-lists ------------------------------------------------------------------------

SPOOF_FIELDS = [
    ("x-forwarded-for", [b"X-Forwarded-For: 10.0.0.1"]),
    ("x-forwarded-for-chain-allowed-first", [b"X-Forwarded-For: 10.0.0.1, 127.0.0.1"]),
    ("x-forwarded-for-chain-allowed-last", [b"X-Forwarded-For: 127.0.0.1, 10.0.0.1"]),
    ("x-forwarded-for-twice", [b"X-Forwarded-For: 10.0.0.1", b"X-Forwarded-For: 10.1.2.3"]),
    ("x-forwarded-for-ipv6", [b"X-Forwarded-For: fd00::1"]),
    ("x-forwarded-for-ipv4-mapped", [b"X-Forwarded-For: ::ffff:10.0.0.1"]),
    ("x-forwarded-for-bracketed-mapped", [b"X-Forwarded-For: [::ffff:10.0.0.1]:80"]),
    ("x-real-ip", [b"X-Real-IP: 10.0.0.1"]),
    ("forwarded-for", [b"Forwarded: for=10.0.0.1"]),
    ("forwarded-for-ipv6", [b'Forwarded: for="[fd00::1]"']),
    ("forwarded-for-ipv4-mapped", [b'Forwarded: for="[::ffff:10.0.0.1]"']),
    ("forwarded-full", [b"Forwarded: for=10.0.0.1;proto=http;by=10.0.0.2;host=10.0.0.1"]),
    ("via", [b"Via: 1.1 10.0.0.1"]),
    ("true-client-ip", [b"True-Client-IP: 10.0.0.1"]),
    ("cf-connecting-ip", [b"CF-Connecting-IP: 10.0.0.1"]),
    ("x-client-ip", [b"X-Client-IP: 10.0.0.1"]),
    ("x-cluster-client-ip", [b"X-Cluster-Client-IP: 10.0.0.1"]),
    ("client-ip", [b"Client-IP: 10.0.0.1"]),
    ("x-originating-ip", [b"X-Originating-IP: 10.0.0.1"]),
    ("x-remote-addr", [b"X-Remote-Addr: 10.0.0.1", b"X-Remote-IP: 10.0.0.1"]),
    ("fastly-client-ip", [b"Fastly-Client-IP: 10.0.0.1"]),
    ("x-forwarded-host", [b"X-Forwarded-Host: 10.0.0.1"]),
    ("x-original-forwarded-for", [b"X-Original-Forwarded-For: 10.0.0.1"]),
    ("all-at-once", [b"X-Forwarded-For: 10.0.0.1", b"X-Real-IP: 10.0.0.1",
                     b"Forwarded: for=10.0.0.1", b"True-Client-IP: 10.0.0.1",
                     b"CF-Connecting-IP: 10.0.0.1", b"Via: 1.1 10.0.0.1"]),
]


@pytest.mark.parametrize("fields", [pytest.param(f, id=i) for i, f in SPOOF_FIELDS])
def test_allow_list_ignores_client_headers(server, fields):
    r = raw(server.ports["walled"], request("GET", "/health", fields))
    assert_refused(r)


@pytest.mark.parametrize("target,host", [
    pytest.param("/health", b"10.0.0.1", id="host-10.0.0.1"),
    pytest.param("/health", b"10.0.0.1:80", id="host-10.0.0.1-port"),
    pytest.param("/health", b"[fd00::1]", id="host-fd00"),
    pytest.param("/health", b"[::ffff:10.0.0.1]", id="host-ipv4-mapped"),
    pytest.param("http://10.0.0.1/health", b"127.0.0.1", id="absolute-form"),
    pytest.param("http://10.0.0.1:80/health", b"10.0.0.1", id="absolute-form-with-port"),
    pytest.param("http://[fd00::1]/health", b"[fd00::1]", id="absolute-form-ipv6"),
    pytest.param("http://[::ffff:10.0.0.1]/health", b"127.0.0.1", id="absolute-form-mapped"),
    pytest.param("https://10.0.0.1/ready", b"10.0.0.1", id="absolute-form-https"),
    pytest.param("http://10.0.0.1@127.0.0.1/health", b"127.0.0.1", id="absolute-form-userinfo"),
])
def test_allow_list_ignores_host_and_target(server, target, host):
    r = raw(server.ports["walled"], request("GET", target, [], host=host))
    assert_refused(r)


def test_allow_list_refuses_every_method_and_route(server):
    for method, target in (("POST", "/health"), ("OPTIONS", "*"), ("HEAD", "/health"),
                           ("GET", "/ready"), ("GET", "/metrics"), ("GET", "/admin/config"),
                           ("GET", "/nothing-here"), ("DELETE", "/")):
        r = raw(server.ports["walled"], request(method, target, [b"X-Forwarded-For: 10.0.0.1"]))
        assert_refused(r, head=method == "HEAD")


def test_allow_list_refuses_http_1_0_and_a_proxy_protocol_preamble(server):
    # HTTP/1.0 without Host, with a forwarded-for field
    r = raw(server.ports["walled"], b"GET /health HTTP/1.0\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n")
    assert_refused(r)
    # a PROXY protocol v1 line is not a request line: the parser's 400, never the route
    r = raw(server.ports["walled"], b"PROXY TCP4 10.0.0.1 127.0.0.1 40000 80\r\n"
            b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert r.status == 400 and r.json()["error"]["type"] == "bad_request", r
    assert b'"status":"ok"' not in r.raw, r


def assert_refused(r, head=False):
    assert r.status == 403, r
    assert b'"status":"ok"' not in r.raw and b"instances" not in r.raw, r
    if not head:
        msg = r.json()["error"]["message"]
        # the refused client is the TCP peer, whatever the request claimed
        assert msg == "client 127.0.0.1 is not allowed on listener walled", r


def test_the_server_never_drained_nor_changed_level(server):
    assert_untouched(server)
    # the guard still lets the real token in: the refusals above were not a closed door
    r = raw(server.ports["admin"], request("GET", "/admin/config", [GOOD]))
    assert r.status == 200 and r.json()["sections"]["plugin.echo"]["secret_token"] == "<redacted>"
    assert pathlib.Path(server.tmp / "token").read_text() == TOKEN + "\n"
