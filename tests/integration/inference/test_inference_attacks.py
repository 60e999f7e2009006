"""What an attack run on inference-api found to hold, kept holding: every API key variant but the
exact one is refused, bad input is a 4xx in OpenAI's error format (never a 500, a hang or a crash),
and clients that vanish mid-stream leave no request running and no KV block held.

Requests go out as raw HTTP over loopback sockets, so that no client library tidies a header or a
body before the server sees it. Every request has a 30 s timeout: a hang fails the test."""
import base64
import json
import socket
import struct
import threading

import pytest

from conftest import Server
from wharf_testing import wait_until

KEY = "sk-wharf-attack"
TIMEOUT = 30
VOCAB = 49152  # SmolLM2's vocabulary: ids 0..49151 (checked in test_the_cases_assume_smollm2)
MAX_REQUEST_BYTES = 16 * 1024 * 1024  # inference-api's max_request_bytes default ("16M")
BIG_PROMPT_TOKENS = 20000  # more than the model's context (checked in test_the_cases_assume_smollm2)

ENDPOINTS = {
    "models": ("GET", "/v1/models", None),
    "completions": ("POST", "/v1/completions", {"model": "smollm2", "prompt": "Hi", "max_tokens": 1}),
    "chat": ("POST", "/v1/chat/completions",
             {"model": "smollm2", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 1}),
    "tokenize": ("POST", "/tokenize", {"model": "smollm2", "prompt": "Hi"}),
    "detokenize": ("POST", "/detokenize", {"model": "smollm2", "tokens": [1]}),
}


# ---------------------------------------------------------------------------------------------
# Raw HTTP/1.1 over a socket.

class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"HTTP {self.status} {self.body[:600]!r}"


def _dechunk(data):
    out = b""
    while True:
        line, _, data = data.partition(b"\r\n")
        size = int(line.split(b";")[0], 16)
        if size == 0:
            return out
        out, data = out + data[:size], data[size + 2:]


def http(port, method, target, headers=(), body=None, chunked=False, content_type=b"application/json"):
    """Sends one request (header lines as bytes, exactly as given) with Connection: close and reads
    the whole reply. A reply that does not come within TIMEOUT raises socket.timeout."""
    head = [f"{method} {target} HTTP/1.1".encode(), f"Host: 127.0.0.1:{port}".encode(), b"Connection: close"]
    if body is not None and content_type is not None:
        head.append(b"Content-Type: " + content_type)
    if body is not None:
        head.append(b"Transfer-Encoding: chunked" if chunked else b"Content-Length: %d" % len(body))
    head += list(headers)
    payload = b"\r\n".join(head) + b"\r\n\r\n"
    if body is not None and chunked:
        step = 1 << 20
        for i in range(0, len(body), step):
            part = body[i:i + step]
            payload += b"%x\r\n" % len(part) + part + b"\r\n"
        payload += b"0\r\n\r\n"
    elif body is not None:
        payload += body
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as s:
        try:
            s.sendall(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused early (a head too large): the answer is still there to read
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    assert data, f"{method} {target}: the connection closed without a reply"
    raw_head, _, rest = data.partition(b"\r\n\r\n")
    lines = raw_head.split(b"\r\n")
    status = int(lines[0].split()[1])
    fields = {}
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        fields[k.strip().lower().decode()] = v.strip().decode("latin-1")
    if fields.get("transfer-encoding", "").lower() == "chunked":
        rest = _dechunk(rest)
    elif "content-length" in fields:
        rest = rest[:int(fields["content-length"])]
    return Reply(status, fields, rest)


_MISSING = object()


def assert_error(reply, status, type_=None, param=_MISSING):
    """The OpenAI error shape: {"error": {"message", "type", "code"}} (inference-api adds "param")."""
    assert reply.status == status, reply
    err = reply.json()["error"]
    assert isinstance(err["message"], str) and err["message"], reply
    assert isinstance(err["type"], str) and err["type"], reply
    assert err["code"] == status, reply
    if type_ is not None:
        assert err["type"] == type_, reply
    if param is not _MISSING:
        assert err["param"] == param, reply


def post(port, path, body, **kw):
    return http(port, "POST", path, body=body if isinstance(body, bytes) else json.dumps(body).encode(), **kw)


def assert_success(name, reply):
    assert reply.status == 200, reply
    j = reply.json()
    if name == "models":
        assert [m["id"] for m in j["data"]] == ["smollm2"]
    elif name == "completions":
        assert j["object"] == "text_completion" and j["usage"]["completion_tokens"] == 1
    elif name == "chat":
        assert j["object"] == "chat.completion" and j["choices"][0]["message"]["role"] == "assistant"
    elif name == "tokenize":
        assert j["count"] == len(j["tokens"]) > 0
    else:
        assert isinstance(j["prompt"], str)


# ---------------------------------------------------------------------------------------------
# Fixtures: `server` (conftest: no key) for bad inputs and disconnects; `keyed` for the key.

@pytest.fixture(scope="module")
def keyed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("attack-keyed")
    (tmp / "key").write_text(KEY + "\n")
    s = Server(tmp, extra_api=f"api_key_file = {tmp / 'key'}")
    yield s
    assert s.stop() == 0, s.output()


def test_the_cases_assume_smollm2(server):
    """The constants the cases below are built on: the vocabulary's last id and the context."""
    models = http(server.api_port, "GET", "/v1/models").json()
    assert models["data"][0]["max_model_len"] < BIG_PROMPT_TOKENS
    assert post(server.api_port, "/detokenize", {"tokens": [VOCAB - 1]}).status == 200
    assert_error(post(server.api_port, "/detokenize", {"tokens": [VOCAB]}), 400)


# ---------------------------------------------------------------------------------------------
# 1. API key variants. check_api_key compares the Authorization field, byte for byte and in
# constant time, with "Bearer <key>"; the host hands it the FIRST field of that name, its value
# without leading and trailing SP/HTAB (RFC 9110 §5.5: they are not part of the value), and refuses
# a head with control bytes, a bare LF, obs-fold or a field value over 8192 bytes before any
# service sees it (400 / 431).

def auth(value):
    return [b"Authorization: " + (value if isinstance(value, bytes) else value.encode())]


K = KEY.encode()
REFUSED, ACCEPTED = "401", "200"

# (id, header lines, query string, outcome): "401" refused by inference-api, "200" the right key,
# an int a status the host answers before the service (the head is malformed or too large).
KEY_VARIANTS = [
    ("no-header", [], "", REFUSED),
    ("empty-value", [b"Authorization:"], "", REFUSED),
    ("bearer-alone", auth("Bearer"), "", REFUSED),
    ("bearer-space-alone", auth("Bearer "), "", REFUSED),
    ("key-without-scheme", auth(K), "", REFUSED),
    ("bearer-two-spaces", auth(b"Bearer  " + K), "", REFUSED),
    ("bearer-tab-separator", auth(b"Bearer\t" + K), "", REFUSED),
    ("bearer-no-separator", auth(b"Bearer" + K), "", REFUSED),
    ("lower-case-bearer", auth(b"bearer " + K), "", REFUSED),
    ("upper-case-bearer", auth(b"BEARER " + K), "", REFUSED),
    ("token-scheme", auth(b"Token " + K), "", REFUSED),
    ("basic-key-as-user", auth(b"Basic " + base64.b64encode(K + b":")), "", REFUSED),
    ("basic-key-as-password", auth(b"Basic " + base64.b64encode(b":" + K)), "", REFUSED),
    ("basic-raw-key", auth(b"Basic " + K), "", REFUSED),
    ("prefix-one-short", auth(b"Bearer " + K[:-1]), "", REFUSED),
    ("prefix-sk-dash", auth(b"Bearer sk-"), "", REFUSED),
    ("prefix-one-char", auth(b"Bearer s"), "", REFUSED),
    ("key-plus-suffix", auth(b"Bearer " + K + b"x"), "", REFUSED),
    ("key-twice", auth(b"Bearer " + K + K), "", REFUSED),
    ("key-upper-case", auth(b"Bearer " + K.upper()), "", REFUSED),
    ("trailing-nbsp", auth(b"Bearer " + K + "\u00a0".encode()), "", REFUSED),
    ("trailing-percent-0a", auth(b"Bearer " + K + b"%0A"), "", REFUSED),
    ("trailing-backslash-n", auth(b"Bearer " + K + b"\\n"), "", REFUSED),
    ("trailing-nul", auth(b"Bearer " + K + b"\x00"), "", 400),
    ("trailing-bare-lf", auth(b"Bearer " + K + b"\n"), "", 400),
    ("trailing-cr", auth(b"Bearer " + K + b"\r"), "", 400),
    ("trailing-vertical-tab", auth(b"Bearer " + K + b"\x0b"), "", 400),
    ("trailing-del", auth(b"Bearer " + K + b"\x7f"), "", 400),
    ("obs-fold-continuation", [b"Authorization: Bearer", b" " + K], "", 400),
    ("space-before-colon", [b"Authorization : Bearer " + K], "", 400),
    ("api-key-header-only", [b"api-key: " + K], "", REFUSED),
    ("x-api-key-header-only", [b"x-api-key: " + K], "", REFUSED),
    ("api-key-header-bearer", [b"api-key: Bearer " + K], "", REFUSED),
    ("proxy-authorization", [b"Proxy-Authorization: Bearer " + K], "", REFUSED),
    ("cookie", [b"Cookie: api_key=" + K], "", REFUSED),
    ("query-api-key", [], "?api_key=" + KEY, REFUSED),
    ("query-access-token", [], "?access_token=" + KEY, REFUSED),
    ("query-key-and-wrong-header", auth("Bearer nope"), "?api_key=" + KEY, REFUSED),
    ("two-fields-wrong-then-right", auth("Bearer nope") + auth(b"Bearer " + K), "", REFUSED),
    ("two-fields-empty-then-right", [b"Authorization:"] + auth(b"Bearer " + K), "", REFUSED),
    ("two-fields-other-case-wrong-first", [b"authorization: Bearer nope"] + auth(b"Bearer " + K), "", REFUSED),
    ("list-wrong-then-right", auth(b"Bearer nope, Bearer " + K), "", REFUSED),
    ("list-right-then-wrong", auth(b"Bearer " + K + b", Bearer nope"), "", REFUSED),
    ("key-8000-bytes", auth(b"Bearer " + b"k" * 8000), "", REFUSED),
    ("key-8193-bytes", auth(b"Bearer " + b"k" * 8193), "", 431),
    ("key-100KB", auth(b"Bearer " + b"k" * 100_000), "", 431),
    ("cyrillic-dze-for-s", auth("Bearer \u0455k-wharf-attack"), "", REFUSED),
    ("fullwidth-hyphens", auth("Bearer sk\uff0dwharf\uff0dattack"), "", REFUSED),
    ("en-dash-for-hyphen", auth("Bearer sk\u2013wharf-attack"), "", REFUSED),
    ("greek-beta-in-bearer", auth("\u0392earer " + KEY), "", REFUSED),
    ("zero-width-space-inside", auth("Bearer sk-\u200bwharf-attack"), "", REFUSED),
    ("fullwidth-key", auth("Bearer " + "".join(chr(ord(c) + 0xFEE0) for c in KEY)), "", REFUSED),
    ("latin1-byte-for-a", auth(b"Bearer sk-wh\xe1rf-attack"), "", REFUSED),
    # Accepted, as the code decides: OWS around a field value is not part of it, the field name is
    # case-insensitive, and the host reads the first of two Authorization fields.
    ("trailing-space", auth(b"Bearer " + K + b" "), "", ACCEPTED),
    ("trailing-tab", auth(b"Bearer " + K + b"\t"), "", ACCEPTED),
    ("leading-spaces", [b"Authorization:    Bearer " + K], "", ACCEPTED),
    ("lower-case-field-name", [b"authorization: Bearer " + K], "", ACCEPTED),
    ("two-fields-right-then-wrong", auth(b"Bearer " + K) + auth("Bearer nope"), "", ACCEPTED),
]


def _send_keyed(port, name, headers, query=""):
    method, path, body = ENDPOINTS[name]
    return http(port, method, path + query, headers=headers,
                body=None if body is None else json.dumps(body).encode())


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("headers,query,outcome", [v[1:] for v in KEY_VARIANTS], ids=[v[0] for v in KEY_VARIANTS])
def test_api_key_variant(keyed, endpoint, headers, query, outcome):
    reply = _send_keyed(keyed.api_port, endpoint, headers, query)
    if outcome == ACCEPTED:
        assert_success(endpoint, reply)
    elif outcome == REFUSED:
        assert_error(reply, 401, "AuthenticationError", param=None)
        assert reply.json()["error"]["message"] == "Invalid or missing API key."
    else:  # the host refused the head before inference-api saw it
        assert_error(reply, outcome)


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_the_right_key_is_accepted(keyed, endpoint):
    assert_success(endpoint, _send_keyed(keyed.api_port, endpoint, auth(b"Bearer " + K)))


def test_keyed_server_survived(keyed):
    assert keyed.proc.poll() is None, keyed.output()
    assert http(keyed.api_port, "GET", "/health").status == 200


# ---------------------------------------------------------------------------------------------
# 2. Bad inputs: each a 4xx in the OpenAI error format with the `param` request.cpp names (None
# where it names none: a body that is not JSON, or an engine refusal mapped to 400).

BASES = {  # the valid body of each endpoint, as JSON text
    "/v1/completions": '{"model":"smollm2","prompt":"Hi","max_tokens":1}',
    "/v1/chat/completions": '{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":1}',
    "/tokenize": '{"model":"smollm2","prompt":"Hi"}',
    "/detokenize": '{"model":"smollm2","tokens":[1]}',
}
SHORT = {"/v1/completions": "completions", "/v1/chat/completions": "chat", "/tokenize": "tokenize",
         "/detokenize": "detokenize"}
MAIN_FIELD = {"/v1/completions": "prompt", "/v1/chat/completions": "messages", "/tokenize": "prompt",
              "/detokenize": "tokens"}
REQUIRED_FIRST = {"/v1/completions": "model", "/v1/chat/completions": "model", "/tokenize": "prompt",
                  "/detokenize": "tokens"}  # the param of an object that has none of the fields


def with_extra(path, raw):
    """The endpoint's valid body with `raw` (JSON text, maybe not valid) added as more members."""
    return (BASES[path][:-1] + "," + raw + "}").encode() if isinstance(raw, str) else \
        BASES[path][:-1].encode() + b"," + raw + b"}"


DEEP = 10_000
DEEP_ARRAY = "[" * DEEP + "]" * DEEP

# (id, body builder(path) -> bytes, status, param builder(path) -> param)
SYNTAX = [
    ("truncated", lambda p: BASES[p][:-1].encode(), 400, None),
    ("truncated-in-string", lambda p: BASES[p][:20].encode(), 400, None),
    ("trailing-garbage", lambda p: BASES[p].encode() + b" xyz", 400, None),
    ("trailing-second-object", lambda p: BASES[p].encode() + b"{}", 400, None),
    ("trailing-comma", lambda p: BASES[p][:-1].encode() + b",}", 400, None),
    ("single-quotes", lambda p: BASES[p].replace('"', "'").encode(), 400, None),
    ("comment", lambda p: b"// hi\n" + BASES[p].encode(), 400, None),
    ("deep-array-10000-deep", lambda p: DEEP_ARRAY.encode(), 400, None),
    ("unclosed-array-10000-deep", lambda p: ("[" * DEEP).encode(), 400, None),
    ("deep-object-10000-deep", lambda p: ('{"a":' * DEEP + "1" + "}" * DEEP).encode(), 400,
     lambda p: REQUIRED_FIRST[p]),
    ("main-field-10000-deep", lambda p: with_extra(p, f'"{MAIN_FIELD[p]}":{DEEP_ARRAY}'), 400,
     lambda p: MAIN_FIELD[p]),
    ("number-1e400", lambda p: with_extra(p, '"x":1e400'), 400, None),
    ("number-minus-1e400", lambda p: with_extra(p, '"x":-1e400'), 400, None),
    ("integer-400-digits", lambda p: with_extra(p, '"x":1' + "0" * 400), 400, None),
    ("nan-literal", lambda p: with_extra(p, '"x":NaN'), 400, None),
    ("infinity-literal", lambda p: with_extra(p, '"x":Infinity'), 400, None),
    ("minus-infinity-literal", lambda p: with_extra(p, '"x":-Infinity'), 400, None),
    ("duplicate-key-bad-value-last", lambda p: with_extra(p, {
        "/v1/completions": '"max_tokens":-1', "/v1/chat/completions": '"max_tokens":-1',
        "/tokenize": '"prompt":5', "/detokenize": '"tokens":"1"'}[p]), 400,
     lambda p: {"/v1/completions": "max_tokens", "/v1/chat/completions": "max_tokens"}.get(p, MAIN_FIELD[p])),
    ("duplicate-model-unknown-last", lambda p: with_extra(p, '"model":"gpt-9"'), 404, "model"),
    ("invalid-utf8-in-string", lambda p: with_extra(p, b'"x":"\xff\xfe"'), 400, None),
    ("overlong-utf8-slash", lambda p: with_extra(p, b'"x":"\xc0\xaf"'), 400, None),
    ("utf8-surrogate-bytes", lambda p: with_extra(p, b'"x":"\xed\xa0\x80"'), 400, None),
    ("lone-surrogate-escape", lambda p: with_extra(p, '"x":"\\ud800"'), 400, None),
    ("invalid-utf8-outside-string", lambda p: BASES[p][:-1].encode() + b"\xff}", 400, None),
    ("bom-only", lambda p: b"\xef\xbb\xbf", 400, None),
    ("double-bom", lambda p: b"\xef\xbb\xbf\xef\xbb\xbf" + BASES[p].encode(), 400, None),
    ("partial-bom", lambda p: b"\xef\xbb" + BASES[p].encode(), 400, None),
    ("utf16-body-with-bom", lambda p: BASES[p].encode("utf-16"), 400, None),
    ("empty-body", lambda p: b"", 400, None),
    ("whitespace-body", lambda p: b" \r\n\t ", 400, None),
    ("json-array", lambda p: b"[]", 400, None),
    ("json-array-of-the-object", lambda p: b"[" + BASES[p].encode() + b"]", 400, None),
    ("json-string", lambda p: b'"hello"', 400, None),
    ("json-number", lambda p: b"5", 400, None),
    ("json-null", lambda p: b"null", 400, None),
    ("json-true", lambda p: b"true", 400, None),
    ("form-encoded-body", lambda p: b"model=smollm2&prompt=Hi", 400, None),
]


def fields(path, **kw):
    """The endpoint's valid body with fields replaced or added (None values are sent as null)."""
    body = json.loads(BASES[path])
    body.update(kw)
    return json.dumps(body).encode()


def drop(path, key):
    body = json.loads(BASES[path])
    body.pop(key)
    return json.dumps(body).encode()


C, CH, T, D = "/v1/completions", "/v1/chat/completions", "/tokenize", "/detokenize"
BIG = 2 ** 31

# (id, path, body, status, param)
FIELDS = [
    # model
    ("completions-model-int", C, fields(C, model=5), 400, "model"),
    ("completions-model-null", C, fields(C, model=None), 400, "model"),
    ("completions-model-missing", C, drop(C, "model"), 400, "model"),
    ("completions-model-unknown", C, fields(C, model="gpt-9"), 404, "model"),
    ("chat-model-list", CH, fields(CH, model=["smollm2"]), 400, "model"),
    ("tokenize-model-int", T, fields(T, model=5), 400, "model"),
    ("detokenize-model-object", D, fields(D, model={}), 400, "model"),
    ("detokenize-model-unknown", D, fields(D, model="gpt-9"), 404, "model"),
    # prompt
    ("prompt-int", C, fields(C, prompt=5), 400, "prompt"),
    ("prompt-object", C, fields(C, prompt={}), 400, "prompt"),
    ("prompt-null", C, fields(C, prompt=None), 400, "prompt"),
    ("prompt-missing", C, drop(C, "prompt"), 400, "prompt"),
    ("prompt-empty-list", C, fields(C, prompt=[]), 400, "prompt"),
    ("prompt-empty-text-no-specials", C, fields(C, prompt="", add_special_tokens=False), 400, "prompt"),
    ("prompt-mixed-strings-and-ints", C, fields(C, prompt=["a", 1]), 400, "prompt"),
    ("prompt-token-float", C, fields(C, prompt=[1.5]), 400, "prompt"),
    ("prompt-token-bool", C, fields(C, prompt=[True]), 400, "prompt"),
    ("prompt-token-lists-then-string", C, fields(C, prompt=[[1], "a"]), 400, "prompt"),
    ("prompt-token-minus-1", C, fields(C, prompt=[-1]), 400, "prompt"),
    ("prompt-token-vocab-size", C, fields(C, prompt=[VOCAB]), 400, "prompt"),
    ("prompt-token-2^31", C, fields(C, prompt=[BIG]), 400, "prompt"),
    ("prompt-token-2^64", C, fields(C, prompt=[2 ** 64]), 400, "prompt"),
    ("prompt-second-list-minus-1", C, fields(C, prompt=[[1], [-1]]), 400, "prompt"),
    ("prompt-text-over-context", C, fields(C, prompt="x " * BIG_PROMPT_TOKENS), 400, "prompt"),
    ("prompt-tokens-over-context", C, fields(C, prompt=[1] * BIG_PROMPT_TOKENS), 400, "prompt"),
    ("prompt-65-prompts", C, fields(C, prompt=["Hi"] * 65), 400, "prompt"),
    # messages
    ("messages-missing", CH, drop(CH, "messages"), 400, "messages"),
    ("messages-string", CH, fields(CH, messages="hi"), 400, "messages"),
    ("messages-int", CH, fields(CH, messages=5), 400, "messages"),
    ("messages-empty", CH, fields(CH, messages=[]), 400, "messages"),
    ("messages-item-int", CH, fields(CH, messages=[5]), 400, "messages"),
    ("messages-without-role", CH, fields(CH, messages=[{"content": "x"}]), 400, "messages"),
    ("messages-role-int", CH, fields(CH, messages=[{"role": 5, "content": "x"}]), 400, "messages"),
    ("messages-role-null", CH, fields(CH, messages=[{"role": None, "content": "x"}]), 400, "messages"),
    ("messages-content-int", CH, fields(CH, messages=[{"role": "user", "content": 5}]), 400, "messages"),
    ("messages-content-object", CH, fields(CH, messages=[{"role": "user", "content": {"a": 1}}]), 400, "messages"),
    ("messages-part-int", CH, fields(CH, messages=[{"role": "user", "content": [5]}]), 400, "messages"),
    ("messages-part-without-type", CH, fields(CH, messages=[{"role": "user", "content": [{"text": "x"}]}]),
     400, "messages"),
    ("messages-part-type-int", CH, fields(CH, messages=[{"role": "user", "content": [{"type": 5}]}]), 400, "messages"),
    ("messages-part-image-url", CH, fields(CH, messages=[{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": "http://127.0.0.1/x.png"}}]}]), 400, "messages"),
    ("messages-part-input-audio", CH, fields(CH, messages=[{"role": "user", "content": [
        {"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}]}]), 400, "messages"),
    ("messages-part-text-int", CH, fields(CH, messages=[{"role": "user", "content": [{"type": "text", "text": 5}]}]),
     400, "messages"),
    # An extra member nested past the engine's JSON depth limit: the engine refuses the template input.
    ("messages-extra-member-10000-deep", CH, ('{"model":"smollm2","max_tokens":1,"messages":'
                                              '[{"role":"user","content":"Hi","x":' + DEEP_ARRAY + "}]}").encode(),
     400, None),
    ("messages-text-over-context", CH, fields(CH, messages=[{"role": "user", "content": "x " * BIG_PROMPT_TOKENS}]),
     400, "messages"),
    ("tokenize-messages-string", T, json.dumps({"messages": "hi"}).encode(), 400, "messages"),
    ("tokenize-messages-empty", T, json.dumps({"messages": []}).encode(), 400, "messages"),
    ("tokenize-messages-role-int", T, json.dumps({"messages": [{"role": 5}]}).encode(), 400, "messages"),
    ("tokenize-prompt-int", T, fields(T, prompt=5), 400, "prompt"),
    ("tokenize-prompt-list", T, fields(T, prompt=["Hi"]), 400, "prompt"),
    ("tokenize-prompt-missing", T, drop(T, "prompt"), 400, "prompt"),
    ("tokenize-add-special-tokens-string", T, fields(T, add_special_tokens="yes"), 400, "add_special_tokens"),
    ("tokenize-add-generation-prompt-int", T, json.dumps(
        {"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": 1}).encode(), 400,
     "add_generation_prompt"),
    # tokens (/detokenize)
    ("detokenize-tokens-missing", D, drop(D, "tokens"), 400, "tokens"),
    ("detokenize-tokens-null", D, fields(D, tokens=None), 400, "tokens"),
    ("detokenize-tokens-string", D, fields(D, tokens="12"), 400, "tokens"),
    ("detokenize-tokens-nested", D, fields(D, tokens=[[1]]), 400, "tokens"),
    ("detokenize-token-float", D, fields(D, tokens=[1.5]), 400, "tokens"),
    ("detokenize-token-string", D, fields(D, tokens=["a"]), 400, "tokens"),
    ("detokenize-token-bool", D, fields(D, tokens=[True]), 400, "tokens"),
    ("detokenize-token-minus-1", D, fields(D, tokens=[-1]), 400, "tokens"),
    ("detokenize-token-vocab-size", D, fields(D, tokens=[VOCAB]), 400, None),
    ("detokenize-token-2^31", D, fields(D, tokens=[BIG]), 400, "tokens"),
    # max_tokens
    ("max-tokens-string", C, fields(C, max_tokens="8"), 400, "max_tokens"),
    ("max-tokens-float", C, fields(C, max_tokens=1.5), 400, "max_tokens"),
    ("max-tokens-bool", C, fields(C, max_tokens=True), 400, "max_tokens"),
    ("max-tokens-minus-1", C, fields(C, max_tokens=-1), 400, "max_tokens"),
    ("max-tokens-0", C, fields(C, max_tokens=0), 400, "max_tokens"),
    ("max-tokens-2^63", C, fields(C, max_tokens=2 ** 63), 400, "max_tokens"),
    ("max-tokens-over-1e9", C, fields(C, max_tokens=1_000_000_001), 400, "max_tokens"),
    ("max-tokens-over-context", C, fields(C, max_tokens=1_000_000), 400, "max_tokens"),
    ("chat-max-tokens-minus-1", CH, fields(CH, max_tokens=-1), 400, "max_tokens"),
    ("chat-max-completion-tokens-string", CH, fields(CH, max_completion_tokens="1"), 400, "max_completion_tokens"),
    ("chat-max-completion-tokens-0", CH, fields(CH, max_completion_tokens=0), 400, "max_completion_tokens"),
    # sampling numbers
    ("temperature-string", C, fields(C, temperature="hot"), 400, "temperature"),
    ("temperature-list", C, fields(C, temperature=[1]), 400, "temperature"),
    ("temperature-minus-1", C, fields(C, temperature=-1), 400, "temperature"),
    ("temperature-101", C, fields(C, temperature=101), 400, "temperature"),
    ("chat-temperature-minus-1", CH, fields(CH, temperature=-1), 400, "temperature"),
    ("top-p-string", C, fields(C, top_p="x"), 400, "top_p"),
    ("top-p-2", C, fields(C, top_p=2), 400, "top_p"),
    ("top-p-0", C, fields(C, top_p=0), 400, "top_p"),
    ("chat-top-p-2", CH, fields(CH, top_p=2), 400, "top_p"),
    ("top-k-string", C, fields(C, top_k="x"), 400, "top_k"),
    ("top-k-float", C, fields(C, top_k=1.5), 400, "top_k"),
    ("top-k-0", C, fields(C, top_k=0), 400, "top_k"),
    ("top-k-minus-2", C, fields(C, top_k=-2), 400, "top_k"),
    ("min-p-string", C, fields(C, min_p="x"), 400, "min_p"),
    ("min-p-1.5", C, fields(C, min_p=1.5), 400, "min_p"),
    ("min-p-minus", C, fields(C, min_p=-0.1), 400, "min_p"),
    ("presence-penalty-string", C, fields(C, presence_penalty="x"), 400, "presence_penalty"),
    ("presence-penalty-3", C, fields(C, presence_penalty=3), 400, "presence_penalty"),
    ("frequency-penalty-string", C, fields(C, frequency_penalty="x"), 400, "frequency_penalty"),
    ("frequency-penalty-minus-3", C, fields(C, frequency_penalty=-3), 400, "frequency_penalty"),
    ("repetition-penalty-string", C, fields(C, repetition_penalty="x"), 400, "repetition_penalty"),
    ("repetition-penalty-0", C, fields(C, repetition_penalty=0), 400, "repetition_penalty"),
    ("repetition-penalty-3", C, fields(C, repetition_penalty=3), 400, "repetition_penalty"),
    ("chat-repetition-penalty-bool", CH, fields(CH, repetition_penalty=True), 400, "repetition_penalty"),
    # n
    ("n-string", C, fields(C, n="2"), 400, "n"),
    ("n-float", C, fields(C, n=1.5), 400, "n"),
    ("n-0", C, fields(C, n=0), 400, "n"),
    ("n-minus-1", C, fields(C, n=-1), 400, "n"),
    ("n-10000", C, fields(C, n=10000), 400, "n"),
    ("chat-n-10000", CH, fields(CH, n=10000), 400, "n"),
    # stop, stop_token_ids
    ("stop-int", C, fields(C, stop=5), 400, "stop"),
    ("stop-list-of-int", C, fields(C, stop=[5]), 400, "stop"),
    ("stop-empty-string", C, fields(C, stop=""), 400, "stop"),
    ("stop-list-with-empty", C, fields(C, stop=["a", ""]), 400, "stop"),
    ("stop-object", C, fields(C, stop={"a": 1}), 400, "stop"),
    ("stop-token-ids-string", C, fields(C, stop_token_ids="1"), 400, "stop_token_ids"),
    ("stop-token-ids-list-of-string", C, fields(C, stop_token_ids=["a"]), 400, "stop_token_ids"),
    ("stop-token-ids-float", C, fields(C, stop_token_ids=[1.5]), 400, "stop_token_ids"),
    ("stop-token-ids-minus-1", C, fields(C, stop_token_ids=[-1]), 400, "stop_token_ids"),
    ("stop-token-ids-vocab-size", C, fields(C, stop_token_ids=[VOCAB]), 400, None),
    ("stop-token-ids-2^31", C, fields(C, stop_token_ids=[BIG]), 400, "stop_token_ids"),
    ("chat-stop-token-ids-vocab-size", CH, fields(CH, stop_token_ids=[VOCAB]), 400, None),
    # seed
    ("seed-string", C, fields(C, seed="x"), 400, "seed"),
    ("seed-float", C, fields(C, seed=1.5), 400, "seed"),
    ("seed-2^64-1", C, fields(C, seed=2 ** 64 - 1), 400, "seed"),
    # logit_bias
    ("logit-bias-list", C, fields(C, logit_bias=[1]), 400, "logit_bias"),
    ("logit-bias-string", C, fields(C, logit_bias="x"), 400, "logit_bias"),
    ("logit-bias-key-not-id", C, fields(C, logit_bias={"a": 1}), 400, "logit_bias"),
    ("logit-bias-value-string", C, fields(C, logit_bias={"1": "x"}), 400, "logit_bias"),
    ("logit-bias-101", C, fields(C, logit_bias={"1": 101}), 400, "logit_bias"),
    ("logit-bias-minus-101", C, fields(C, logit_bias={"1": -101}), 400, "logit_bias"),
    ("logit-bias-key-minus-1", C, fields(C, logit_bias={"-1": 1}), 400, "logit_bias"),
    ("logit-bias-key-vocab-size", C, fields(C, logit_bias={str(VOCAB): 1}), 400, None),
    ("logit-bias-key-2^31", C, fields(C, logit_bias={str(BIG): 1}), 400, "logit_bias"),
    ("chat-logit-bias-101", CH, fields(CH, logit_bias={"1": 101}), 400, "logit_bias"),
    # logprobs, top_logprobs
    ("logprobs-string", C, fields(C, logprobs="x"), 400, "logprobs"),
    ("logprobs-bool", C, fields(C, logprobs=True), 400, "logprobs"),
    ("logprobs-21", C, fields(C, logprobs=21), 400, "logprobs"),
    ("logprobs-minus-1", C, fields(C, logprobs=-1), 400, "logprobs"),
    ("chat-logprobs-int", CH, fields(CH, logprobs=5), 400, "logprobs"),
    ("chat-top-logprobs-string", CH, fields(CH, logprobs=True, top_logprobs="x"), 400, "top_logprobs"),
    ("chat-top-logprobs-21", CH, fields(CH, logprobs=True, top_logprobs=21), 400, "top_logprobs"),
    ("chat-top-logprobs-minus-1", CH, fields(CH, logprobs=True, top_logprobs=-1), 400, "top_logprobs"),
    # parse_chat_request casts top_logprobs to int before the range check: 2^32 + k reads as k.
    ("chat-top-logprobs-2^32", CH, fields(CH, logprobs=True, top_logprobs=2 ** 32), 400, "top_logprobs"),
    ("chat-top-logprobs-2^32+1", CH, fields(CH, logprobs=True, top_logprobs=2 ** 32 + 1), 400, "top_logprobs"),
    ("chat-top-logprobs-without-logprobs", CH, fields(CH, top_logprobs=5), 400, "top_logprobs"),
    # stream, stream_options
    ("stream-string", C, fields(C, stream="yes"), 400, "stream"),
    ("stream-int", C, fields(C, stream=1), 400, "stream"),
    ("chat-stream-string", CH, fields(CH, stream="true"), 400, "stream"),
    ("stream-options-string", C, fields(C, stream=True, stream_options="x"), 400, "stream_options"),
    ("stream-options-without-stream", C, fields(C, stream_options={"include_usage": True}), 400, "stream_options"),
    ("stream-options-include-usage-string", CH, fields(CH, stream=True, stream_options={"include_usage": "yes"}),
     400, "include_usage"),
    # booleans
    ("echo-string", C, fields(C, echo="yes"), 400, "echo"),
    ("echo-int", C, fields(C, echo=1), 400, "echo"),
    ("ignore-eos-string", C, fields(C, ignore_eos="yes"), 400, "ignore_eos"),
    ("chat-ignore-eos-int", CH, fields(CH, ignore_eos=1), 400, "ignore_eos"),
    ("skip-special-tokens-string", C, fields(C, skip_special_tokens="no"), 400, "skip_special_tokens"),
    ("add-special-tokens-int", C, fields(C, add_special_tokens=1), 400, "add_special_tokens"),
    ("chat-add-special-tokens-string", CH, fields(CH, add_special_tokens="no"), 400, "add_special_tokens"),
    ("chat-add-generation-prompt-string", CH, fields(CH, add_generation_prompt="no"), 400, "add_generation_prompt"),
    ("include-stop-str-string", C, fields(C, include_stop_str_in_output="x"), 400, "include_stop_str_in_output"),
    # min_tokens, user
    ("min-tokens-minus-1", C, fields(C, min_tokens=-1), 400, "min_tokens"),
    ("min-tokens-over-max-tokens", C, fields(C, min_tokens=5, max_tokens=2), 400, "min_tokens"),
    ("user-int", C, fields(C, user=5), 400, "user"),
]

BAD_INPUTS = [pytest.param(path, build(path), status, param(path) if callable(param) else param,
                           id=f"{SHORT[path]}-{name}")
              for name, build, status, param in SYNTAX for path in BASES]
BAD_INPUTS += [pytest.param(path, body, status, param, id=name) for name, path, body, status, param in FIELDS]


@pytest.mark.parametrize("path,body,status,param", BAD_INPUTS)
def test_bad_input_is_a_4xx(server, path, body, status, param):
    assert_error(post(server.api_port, path, body), status, param=param)


@pytest.mark.parametrize("path", list(BASES), ids=list(SHORT.values()))
@pytest.mark.parametrize("content_type", [b"text/plain", None, b"application/x-www-form-urlencoded",
                                          b"application/json; charset=utf-16", b"multipart/form-data; boundary=x"],
                         ids=["text-plain", "none", "form-urlencoded", "json-charset-utf16", "multipart"])
def test_content_type_is_not_checked(server, path, content_type):
    # inference-api never reads Content-Type (nor does the host): a JSON body is read as JSON.
    reply = post(server.api_port, path, BASES[path].encode(), content_type=content_type)
    assert_success(SHORT[path], reply)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("path", list(BASES), ids=list(SHORT.values()))
def test_a_body_over_max_request_bytes_is_413(server, path, chunked):
    filler = b"x" * (MAX_REQUEST_BYTES + 1)
    body = b'{"model":"smollm2","prompt":"' + filler + b'"}'
    assert_error(post(server.api_port, path, body, chunked=chunked), 413, "RequestTooLargeError", param=None)


@pytest.mark.parametrize("method,path", [("GET", C), ("PUT", CH), ("GET", T), ("DELETE", D), ("POST", "/v1/models")],
                         ids=["get-completions", "put-chat", "get-tokenize", "delete-detokenize", "post-models"])
def test_a_wrong_method_is_405(server, method, path):
    body = None if method in ("GET", "DELETE") else BASES.get(path, "{}").encode()
    assert_error(http(server.api_port, method, path, body=body), 405, "MethodNotAllowedError", param=None)


def test_the_server_survived_the_bad_inputs(server):
    assert server.proc.poll() is None, server.output()
    assert http(server.api_port, "GET", "/health").status == 200
    reply = post(server.api_port, C, {"model": "smollm2", "prompt": "The capital of France is", "max_tokens": 4,
                                      "temperature": 0})
    assert reply.status == 200, reply
    assert reply.json()["usage"]["completion_tokens"] == 4 and reply.json()["choices"][0]["text"]


# ---------------------------------------------------------------------------------------------
# 3. Clients that vanish mid-stream: each stream's generation is cancelled and its KV blocks
# freed, whether the client closes (FIN) or resets (SO_LINGER 0: RST).

STREAM_BODY = json.dumps({"model": "smollm2", "max_tokens": 200, "stream": True, "ignore_eos": True,
                          "messages": [{"role": "user", "content": "Write a long story about ships."}]}).encode()
_disconnects = []  # one entry per stream a test abandoned


def abandon_stream(port, reset):
    """Starts a streaming chat completion, reads its first SSE event, and drops the connection."""
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(STREAM_BODY) + STREAM_BODY)
        data = b""
        while True:
            chunk = s.recv(4096)
            assert chunk, f"the stream closed before its first event: {data!r}"
            data += chunk
            head, sep, rest = data.partition(b"\r\n\r\n")
            if sep and b"data: " in rest and b"\n\n" in rest[rest.index(b"data: "):]:
                break
        assert head.split(b"\r\n")[0].split()[1] == b"200", data
        event = rest[rest.index(b"data: ") + 6:].split(b"\n\n")[0]
        assert json.loads(event)["object"] == "chat.completion.chunk"
        if reset:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    finally:
        s.close()
    _disconnects.append(reset)


@pytest.fixture(scope="module")
def stream_baseline(server):
    return server.engine_stats()


@pytest.mark.parametrize("i", range(20), ids=[f"{'rst' if i % 2 else 'fin'}-{i + 1:02d}" for i in range(20)])
def test_disconnect_mid_stream(server, stream_baseline, i):
    abandon_stream(server.api_port, reset=bool(i % 2))


@pytest.mark.parametrize("reset", [False, True], ids=["fin", "rst"])
def test_10_concurrent_disconnects_mid_stream(server, stream_baseline, reset):
    errors = []

    def one():
        try:
            abandon_stream(server.api_port, reset)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=one) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=TIMEOUT + 5)
    assert not any(t.is_alive() for t in threads), "a stream did not start within the timeout"
    assert not errors, errors


def test_abandoned_streams_free_everything(server, stream_baseline):
    def idle():
        s = server.engine_stats()
        return (s["num_requests_running"] == 0 and s["num_requests_waiting"] == 0 and s["kv_blocks_used"] == 0
                and s["kv_cache_usage"] == 0) and s

    stats = wait_until(idle, timeout=30, what="no request running and the KV cache back at 0", proc=server.proc)
    aborted = stats["request_success_total"]["abort"] - stream_baseline["request_success_total"]["abort"]
    assert aborted == len(_disconnects), (aborted, len(_disconnects), stats)
    assert server.proc.poll() is None, server.output()
    reply = post(server.api_port, CH, {"model": "smollm2", "messages": [{"role": "user", "content": "Say hello."}],
                                       "max_tokens": 8, "temperature": 0})
    assert reply.status == 200, reply
    assert reply.json()["choices"][0]["message"]["content"].strip()
