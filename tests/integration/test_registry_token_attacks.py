"""Regression suite of forged and wrong bearer tokens against a token-auth registry (auth-token).

One registry trusts three keys by JWK set (ES256 "es-key", RS256 "rs-key", EdDSA "ed-key") and a
test root CA for x5c chains. Every case below sends a request that a valid token makes succeed
(GET /v2/tok/app/tags/list and HEAD /v2/tok/app/manifests/v1; a blob upload POST; the catalog)
with a forged or wrong credential, and asserts the exact refusal:

* 401, `WWW-Authenticate: Bearer realm=..,service=..,scope=..,error="invalid_token"` where the
  token does not parse, is not verified by a trusted key, or its iss/aud/exp/nbf are wrong;
* 401 with error="insufficient_scope" where the token is valid but its access claim does not
  grant the wanted actions on this very resource (token_claims.cpp: exact type and name match);
* 401 with the plain challenge (no error, RFC 6750 §3.1) where no bearer credential was sent
  at all (a token in the Basic password slot, in the query, in a cookie ...);
* 431 from the host for a header larger than its limits (1 MB token).

Header members and claims of the wrong JSON type (alg, kid, x5c, exp, nbf, aud, iss, access) are
refused, never converted (the plugin parses with nlohmann::json).

What the code accepts on purpose is pinned by `test_decided_acceptance` (a kid-less token that a
configured key verifies, iat in the future, no sub, actions "*", lower-case scheme, ...). The
control token (issued by the TokenServer through the real flow) must work before and after.
"""

import base64
import datetime
import hashlib
import hmac
import http.client
import json
import select
import socket
import time
from urllib.parse import quote

import pytest
import requests

pytest.importorskip("cryptography", reason="the token tests sign with `cryptography`")
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from oci import OCI_MANIFEST, error_codes, image, put_manifest  # noqa: E402
from registry_harness import Wharfd  # noqa: E402
from test_registry_auth import ISSUER, SERVICE, _token_registry  # noqa: E402
from tokens import SigningKey, TokenServer, b64url, ca_and_leaves, claims  # noqa: E402

REPO = "tok/app"
DROP = object()  # a header or claim to leave out

# ---- token crafting -------------------------------------------------------------------------


def _seg(part):
    """A JWS segment: a dict or list is JSON-encoded, bytes are encoded as they are, a str is
    taken as an already encoded segment."""
    if isinstance(part, str):
        return part
    if isinstance(part, (dict, list)):
        part = json.dumps(part).encode()
    return b64url(part)


def jws(header, payload, signer=None, sig=b""):
    """header.payload.signature; `signer` is a SigningKey or a function of the signing input."""
    signing_input = _seg(header) + "." + _seg(payload)
    if signer is not None:
        sig = signer(signing_input.encode()) if callable(signer) else signer.sign(signing_input.encode())
    return signing_input + "." + b64url(sig)


def _apply(base, over):
    out = dict(base)
    for k, v in over.items():
        if v is DROP:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def pull_access(name=REPO, actions=("pull",), typ="repository"):
    return [{"type": typ, "name": name, "actions": list(actions)}]


def _spki(key, encoding):
    return key.key.public_key().public_bytes(encoding, serialization.PublicFormat.SubjectPublicKeyInfo)


def _self_signed_der(key):
    now = datetime.datetime.now(datetime.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "token signer")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(key.key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.DER)


def _pem_to_der(pem):
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def _b64(der):
    return base64.b64encode(der).decode()


class K:
    """Keys, certificates and the registry of the module."""

    def __init__(self, w, server, attacker_server):
        self.w, self.server, self.attacker_server = w, server, attacker_server

    # claims and headers of a token that the registry accepts, with overrides
    def claims(self, access=None, **over):
        if access is DROP:
            return _apply(claims(ISSUER, SERVICE, []), {"access": DROP, **over})
        return _apply(claims(ISSUER, SERVICE, pull_access() if access is None else access), over)

    def header(self, key, **over):
        return _apply({"alg": key.alg, "typ": "JWT", "kid": key.kid}, over)

    def token(self, key=None, access=None, header=None, **claim_over):
        key = key or self.es
        return jws(self.header(key, **(header or {})), self.claims(access, **claim_over), key)

    def x5c_token(self, signer, chain, alg="ES256", **header_over):
        h = _apply({"alg": alg, "typ": "JWT", "x5c": [_b64(c) for c in chain]}, header_over)
        return jws(h, self.claims(), signer)


def _hs256(secret):
    return lambda data: hmac.new(secret, data, hashlib.sha256).digest()


# ---- sending ---------------------------------------------------------------------------------


class Probe:
    """What to send instead of `Authorization: Bearer <token>`: raw header lines, a query."""

    def __init__(self, headers=(), query=""):
        self.headers, self.query = list(headers), query


class Reply:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def codes(self):
        return [e["code"] for e in json.loads(self.body).get("errors", [])]

    def __repr__(self):
        return f"<{self.status} {self.headers} {self.body[:300]!r}>"


def send(w, method, path, headers, timeout=10):
    """One request with exactly these header fields (repeated names kept, in order)."""
    conn = http.client.HTTPConnection("127.0.0.1", w.port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if method in ("POST", "PUT", "PATCH"):
            conn.putheader("Content-Length", "0")
        conn.putheader("Connection", "close")
        conn.endheaders()
        r = conn.getresponse()
        body = r.read()
        return Reply(r.status, r.getheaders(), body)
    finally:
        conn.close()


def send_huge(w, method, path, header_line, timeout=10):
    """Sends a head too large for the host, stopping as soon as an answer comes back."""
    head = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"{header_line}\r\n\r\n").encode()
    out = b""
    with socket.create_connection(("127.0.0.1", w.port), timeout=timeout) as s:
        sent = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            readable, writable, _ = select.select([s], [s] if sent < len(head) else [], [], 1)
            if readable:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                out += chunk
            elif writable:
                try:
                    sent += s.send(head[sent:sent + 65536])
                except (BrokenPipeError, ConnectionResetError):
                    sent = len(head)
    status_line, _, rest = out.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 "), f"no answer to a {len(head)}-byte head: {out[:300]!r}"
    head_part, _, body = rest.partition(b"\r\n\r\n")
    hdrs = [tuple(x.strip() for x in line.decode("latin-1").split(":", 1))
            for line in head_part.split(b"\r\n") if b":" in line]
    return Reply(int(status_line.split()[1]), hdrs, body)


# the requests a valid token makes succeed, with the scope their challenge names
PULL = "pull"      # GET tags/list and HEAD manifests/v1
PUSH = "push"      # POST blobs/uploads/
CATALOG = "catalog"
REQUESTS = {
    PULL: ([("GET", f"/v2/{REPO}/tags/list", 200), ("HEAD", f"/v2/{REPO}/manifests/v1", 200)],
           f"repository:{REPO}:pull"),
    PUSH: ([("POST", f"/v2/{REPO}/blobs/uploads/", 202)], f"repository:{REPO}:pull,push"),
    CATALOG: ([("GET", "/v2/_catalog", 200)], "registry:catalog:*"),
}

INVALID, SCOPE, PLAIN, TOO_LARGE = "invalid_token", "insufficient_scope", "plain", "too_large"


def _auth_headers(credential):
    if isinstance(credential, Probe):
        return credential.headers, credential.query
    return [("Authorization", f"Bearer {credential}")], ""


def _describe(method, path, headers):
    shown = [(n, v if len(v) < 400 else v[:200] + f"...({len(v)} chars)") for n, v in headers]
    return f"{method} {path} with {shown}"


# ---- the registry ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("token-attacks")
    es, rs, ed = SigningKey("ES256", "es-key"), SigningKey("RS256", "rs-key"), SigningKey("EdDSA", "ed-key")
    x5c_signer = SigningKey("ES256", "x5c-signer")
    cert_signer_only = SigningKey("ES256", "x5c-certsign")
    root_pem, (leaf_der, cert_sign_der) = ca_and_leaves(
        (x5c_signer, {"digital_signature": True}), (cert_signer_only, {"key_cert_sign": True}))
    # another CA (with the same subject name as ours: ca_and_leaves names every CA alike)
    other = SigningKey("ES256", "es-key")
    other_root_pem, (other_leaf_der,) = ca_and_leaves((other, {"digital_signature": True}))
    attacker = {alg: SigningKey(alg, "es-key" if alg == "ES256" else f"{alg}-attacker")
                for alg in ("ES256", "RS256", "EdDSA")}

    server = TokenServer(es, ISSUER, SERVICE, {"alice": "wonderland"})
    attacker_server = TokenServer(attacker["ES256"], "mallory", SERVICE, {"mallory": "x"})
    section = _token_registry(None, tmp, es, x5c_root=root_pem)
    (tmp / "jwks.json").write_text(json.dumps({"keys": [es.jwk(), rs.jwk(), ed.jwk()]}))
    section["jwks"] = tmp / "jwks.json"
    section["realm"] = server.url
    w = Wharfd(tmp / "wharfd", sections={"plugin.tokens": section},
               registry={"auth": "tokens"}).start()
    ctx = K(w, server, attacker_server)
    ctx.es, ctx.rs, ctx.ed, ctx.keys = es, rs, ed, {"ES256": es, "RS256": rs, "EdDSA": ed}
    ctx.attacker, ctx.other = attacker, other
    ctx.x5c_signer, ctx.cert_signer_only = x5c_signer, cert_signer_only
    ctx.leaf_der, ctx.cert_sign_der = leaf_der, cert_sign_der
    ctx.other_leaf_der, ctx.other_root_der = other_leaf_der, _pem_to_der(other_root_pem)
    ctx.root_der = _pem_to_der(root_pem)
    ctx.rogue_der = _self_signed_der(attacker["ES256"])
    ctx.jwks_path = str(tmp / "jwks.json")
    # the control token, through the real flow, and something to pull
    r = requests.get(server.url, params={"service": SERVICE,
                                         "scope": f"repository:{REPO}:pull,push"},
                     auth=("alice", "wonderland"), timeout=10)
    assert r.status_code == 200, r.text
    ctx.control = r.json()["token"]
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {ctx.control}"
    body, _ = image(w.url, REPO, session=s)
    assert put_manifest(w.url, REPO, "v1", body, session=s).status_code == 201
    yield ctx
    server.close()
    attacker_server.close()
    rc = w.stop()
    assert rc == 0, f"wharfd exited with {rc}:\n{w.log_text()}"


def _challenge(k, scope, error=None):
    c = f'Bearer realm="{k.server.url}",service="{SERVICE}",scope="{scope}"'
    return c + (f',error="{error}"' if error else "")


def assert_refused(k, credential, request, expect):
    calls, scope = REQUESTS[request]
    headers, query = _auth_headers(credential)
    for method, path, _ in calls:
        target = path + query
        what = _describe(method, target, headers)
        if expect == TOO_LARGE:
            (name, value), = headers
            r = send_huge(k.w, method, target, f"{name}: {value}")
            if r.status == 431:
                continue
            expect_now = INVALID
        else:
            r = send(k.w, method, target, headers)
            expect_now = expect
        assert r.status == 401, f"{what}\n-> {r!r}\n{k.w.log_text()[-1500:]}"
        want = _challenge(k, scope, None if expect_now == PLAIN else expect_now)
        assert r.header("WWW-Authenticate") == want, f"{what}\n-> {r!r}"
        if method != "HEAD":
            assert r.codes() == ["UNAUTHORIZED"], f"{what}\n-> {r!r}"


def assert_accepted(k, credential, request):
    calls, _ = REQUESTS[request]
    headers, query = _auth_headers(credential)
    for method, path, status in calls:
        r = send(k.w, method, path + query, headers)
        assert r.status == status, f"{_describe(method, path + query, headers)}\n-> {r!r}"
        if path.endswith("tags/list"):
            assert "v1" in json.loads(r.body)["tags"]
        if method == "POST":  # leave no upload session behind
            loc = r.header("Location")
            assert send(k.w, "DELETE", loc, headers).status in (204, 202)


def test_control_token_works(k):
    assert_accepted(k, k.control, PULL)
    assert_accepted(k, k.control, PUSH)
    # and every configured key signs tokens that are taken: the refusals below are not by accident
    for key in (k.es, k.rs, k.ed):
        assert_accepted(k, k.token(key), PULL)
    assert_accepted(k, k.x5c_token(k.x5c_signer, [k.leaf_der]), PULL)
    assert_accepted(k, k.token(access=[{"type": "registry", "name": "catalog", "actions": ["*"]}]),
                    CATALOG)


# ---- the cases -------------------------------------------------------------------------------


def _swap(t):
    h, p, s = t.split(".")
    return f"{p}.{h}.{s}"


def _resig(t, sig):
    return t.rsplit(".", 1)[0] + "." + b64url(sig)


def _sig(t):
    return base64.urlsafe_b64decode(t.rsplit(".", 1)[1] + "==")


def _with_dash_or_underscore(make, signature_only=False):
    """A token from `make()` whose encoding (or signature) has '-' or '_' (so +/ differs)."""
    for _ in range(50):
        t = make()
        part = t.rsplit(".", 1)[1] if signature_only else t
        if "-" in part or "_" in part:
            return t
    raise AssertionError("no token with - or _ in 50 tries")


def _std_alphabet(t):
    return t.replace("-", "+").replace("_", "/")


def _hs_cases():
    out = []
    for alg in ("ES256", "RS256", "EdDSA"):
        secrets = {
            "pem": lambda k, a=alg: _spki(k.keys[a], serialization.Encoding.PEM),
            "der": lambda k, a=alg: _spki(k.keys[a], serialization.Encoding.DER),
            "jwk": lambda k, a=alg: json.dumps(k.keys[a].jwk()).encode(),
        }
        for form, secret in secrets.items():
            out.append((f"hs256-with-{alg}-public-{form}-as-secret",
                        lambda k, a=alg, s=secret: jws(k.header(k.keys[a], alg="HS256"), k.claims(),
                                                       _hs256(s(k))), PULL, INVALID))
    return out


def _raw_header(h):
    return b64url(h.encode())


CASES = [
    # -- alg
    ("alg-none", lambda k: jws(k.header(k.es, alg="none"), k.claims()), PULL, INVALID),
    ("alg-None", lambda k: jws(k.header(k.es, alg="None"), k.claims()), PULL, INVALID),
    ("alg-NONE", lambda k: jws(k.header(k.es, alg="NONE"), k.claims()), PULL, INVALID),
    ("alg-empty", lambda k: jws(k.header(k.es, alg=""), k.claims()), PULL, INVALID),
    ("alg-missing", lambda k: jws(k.header(k.es, alg=DROP), k.claims(), k.es), PULL, INVALID),
    ("alg-none-with-a-valid-es-signature",
     lambda k: jws(k.header(k.es, alg="none"), k.claims(), k.es), PULL, INVALID),
    ("alg-as-list", lambda k: jws(k.header(k.es, alg=["ES256"]), k.claims(), k.es), PULL, INVALID),
    ("alg-as-number", lambda k: jws(k.header(k.es, alg=256), k.claims(), k.es), PULL, INVALID),
    ("alg-es256-lowercase", lambda k: jws(k.header(k.es, alg="es256"), k.claims(), k.es), PULL,
     INVALID),
    ("alg-PS256-pss-signature-of-rs-key",
     lambda k: jws(k.header(k.rs, alg="PS256"), k.claims(), lambda d: k.rs.key.sign(
         d, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())),
     PULL, INVALID),
    ("alg-RS512-signature-of-rs-key",
     lambda k: jws(k.header(k.rs, alg="RS512"), k.claims(),
                   lambda d: k.rs.key.sign(d, padding.PKCS1v15(), hashes.SHA512())), PULL, INVALID),
    # -- signature
    ("no-signature-part", lambda k: k.token().rsplit(".", 1)[0], PULL, INVALID),
    ("empty-signature", lambda k: k.token().rsplit(".", 1)[0] + ".", PULL, INVALID),
    ("signature-of-another-es-key-same-kid",
     lambda k: jws(k.header(k.es), k.claims(), k.attacker["ES256"]), PULL, INVALID),
    ("signature-of-another-rs-key", lambda k: jws(k.header(k.rs), k.claims(), k.attacker["RS256"]),
     PULL, INVALID),
    ("signature-of-another-ed-key", lambda k: jws(k.header(k.ed), k.claims(), k.attacker["EdDSA"]),
     PULL, INVALID),
    ("es-signature-truncated-by-one-byte", lambda k: (lambda t: _resig(t, _sig(t)[:-1]))(k.token()),
     PULL, INVALID),
    ("rs-signature-truncated-by-one-byte",
     lambda k: (lambda t: _resig(t, _sig(t)[:-1]))(k.token(k.rs)), PULL, INVALID),
    ("ed-signature-truncated-by-one-byte",
     lambda k: (lambda t: _resig(t, _sig(t)[:-1]))(k.token(k.ed)), PULL, INVALID),
    ("es-signature-last-bit-flipped",
     lambda k: (lambda t: _resig(t, _sig(t)[:-1] + bytes([_sig(t)[-1] ^ 1])))(k.token()), PULL, INVALID),
    ("rs-signature-last-bit-flipped",
     lambda k: (lambda t: _resig(t, _sig(t)[:-1] + bytes([_sig(t)[-1] ^ 1])))(k.token(k.rs)), PULL,
     INVALID),
    ("es-signature-with-an-extra-byte", lambda k: (lambda t: _resig(t, _sig(t) + b"\0"))(k.token()),
     PULL, INVALID),
    ("es-signature-der-encoded",
     lambda k: jws(k.header(k.es), k.claims(),
                   lambda d: k.es.key.sign(d, ec.ECDSA(hashes.SHA256()))),
     PULL, INVALID),
    ("es-signature-all-zero-cve-2022-21449", lambda k: jws(k.header(k.es), k.claims(), sig=b"\0" * 64),
     PULL, INVALID),
    ("signature-transplanted-from-another-valid-token",
     lambda k: _resig(k.token(), _sig(k.token(access=[], jti="other"))), PULL, INVALID),
    ("payload-changed-after-signing",
     lambda k: (lambda good, bad: bad.split(".")[0] + "." + good.split(".")[1] + "." +
                bad.split(".")[2])(jws(k.header(k.es), k.claims()),
                                   k.token(access=pull_access("tok/other"))), PULL, INVALID),
    ("header-and-payload-swapped", lambda k: _swap(k.token()), PULL, INVALID),
    ("header-and-payload-swapped-and-resigned",
     lambda k: jws(k.claims(), k.header(k.es), k.es), PULL, INVALID),
    # -- HS/RS, HS/ES, HS/EdDSA confusion: the public key as an HMAC secret
    *_hs_cases(),
    ("hs512-with-rs-public-pem-as-secret",
     lambda k: jws(k.header(k.rs, alg="HS512"), k.claims(), lambda d: hmac.new(
         _spki(k.rs, serialization.Encoding.PEM), d, hashlib.sha512).digest()), PULL, INVALID),
    # -- alg that does not fit the key
    ("rs256-header-on-es-key-es-signature", lambda k: jws(k.header(k.es, alg="RS256"), k.claims(), k.es),
     PULL, INVALID),
    ("es256-header-on-rs-key-rs-signature", lambda k: jws(k.header(k.rs, alg="ES256"), k.claims(), k.rs),
     PULL, INVALID),
    ("eddsa-header-on-es-key-es-signature", lambda k: jws(k.header(k.es, alg="EdDSA"), k.claims(), k.es),
     PULL, INVALID),
    ("eddsa-header-kid-ed-key-es-signature",
     lambda k: jws(k.header(k.ed), k.claims(), k.es), PULL, INVALID),
    ("es256-header-kid-es-key-ed-signature",
     lambda k: jws(k.header(k.es), k.claims(), k.ed), PULL, INVALID),
    # -- kid (the server looks up a given kid and does not fall back to the other keys)
    ("kid-of-rs-key-on-es-signed-token", lambda k: jws(k.header(k.es, kid="rs-key"), k.claims(), k.es),
     PULL, INVALID),
    ("kid-of-ed-key-on-es-signed-token", lambda k: jws(k.header(k.es, kid="ed-key"), k.claims(), k.es),
     PULL, INVALID),
    ("kid-unknown-valid-es-signature", lambda k: jws(k.header(k.es, kid="nope"), k.claims(), k.es),
     PULL, INVALID),
    ("kid-missing-attacker-signature",
     lambda k: jws(k.header(k.es, kid=DROP), k.claims(), k.attacker["ES256"]), PULL, INVALID),
    ("kid-missing-rs256-header-es-signature",
     lambda k: jws(k.header(k.es, kid=DROP, alg="RS256"), k.claims(), k.es), PULL, INVALID),
    ("kid-path-traversal-etc-passwd",
     lambda k: jws(k.header(k.es, kid="../../etc/passwd"), k.claims(), k.es), PULL, INVALID),
    ("kid-absolute-path-of-the-jwks-file",
     lambda k: jws(k.header(k.es, kid=k.jwks_path), k.claims(), k.es), PULL, INVALID),
    ("kid-with-nul-byte", lambda k: jws(k.header(k.es, kid="es-key\0"), k.claims(), k.es), PULL,
     INVALID),
    ("kid-with-trailing-space", lambda k: jws(k.header(k.es, kid="es-key "), k.claims(), k.es), PULL,
     INVALID),
    ("kid-upper-case", lambda k: jws(k.header(k.es, kid="ES-KEY"), k.claims(), k.es), PULL, INVALID),
    # a kid that is not a string is a malformed header (never converted, never taken as absent)
    ("kid-as-number-valid-signature", lambda k: jws(k.header(k.es, kid=1), k.claims(), k.es), PULL,
     INVALID),
    ("kid-as-object-valid-signature", lambda k: jws(k.header(k.es, kid={"kid": "es-key"}), k.claims(),
                                                    k.es), PULL, INVALID),
    ("kid-duplicate-keys-attacker-signature",
     lambda k: jws(_raw_header('{"alg":"ES256","kid":"attacker","kid":"es-key"}'), k.claims(),
                   k.attacker["ES256"]), PULL, INVALID),
    # -- keys carried by the token itself, or fetched from elsewhere
    ("jwk-header-attackers-own-key",
     lambda k: jws(k.header(k.attacker["ES256"], kid="attacker", jwk=k.attacker["ES256"].jwk()),
                   k.claims(), k.attacker["ES256"]), PULL, INVALID),
    ("jwk-header-attackers-key-with-our-kid",
     lambda k: jws(k.header(k.es, jwk=k.attacker["ES256"].jwk()), k.claims(), k.attacker["ES256"]),
     PULL, INVALID),
    ("jwk-header-attackers-key-no-kid",
     lambda k: jws(k.header(k.es, kid=DROP, jwk=k.attacker["ES256"].jwk()), k.claims(),
                   k.attacker["ES256"]), PULL, INVALID),
    ("jwk-header-attackers-rsa-key",
     lambda k: jws(k.header(k.attacker["RS256"], jwk=k.attacker["RS256"].jwk()), k.claims(),
                   k.attacker["RS256"]), PULL, INVALID),
    ("jku-header-pointing-elsewhere",
     lambda k: jws(k.header(k.attacker["ES256"], kid="attacker", jku=k.attacker_server.url + "?jku"),
                   k.claims(), k.attacker["ES256"]), PULL, INVALID),
    ("x5u-header-pointing-elsewhere",
     lambda k: jws(k.header(k.attacker["ES256"], kid=DROP, x5u=k.attacker_server.url + "?x5u"),
                   k.claims(), k.attacker["ES256"]), PULL, INVALID),
    # -- x5c chains
    ("x5c-self-signed-rogue-leaf", lambda k: k.x5c_token(k.attacker["ES256"], [k.rogue_der]), PULL,
     INVALID),
    ("x5c-valid-chain-of-another-ca",
     lambda k: k.x5c_token(k.other, [k.other_leaf_der, k.other_root_der]), PULL, INVALID),
    ("x5c-leaf-of-another-ca-with-our-ca-name", lambda k: k.x5c_token(k.other, [k.other_leaf_der]),
     PULL, INVALID),
    ("x5c-leaf-with-keycertsign-only",
     lambda k: k.x5c_token(k.cert_signer_only, [k.cert_sign_der]), PULL, INVALID),
    ("x5c-rogue-leaf-then-our-genuine-leaf",
     lambda k: k.x5c_token(k.attacker["ES256"], [k.rogue_der, k.leaf_der]), PULL, INVALID),
    ("x5c-rogue-leaf-then-our-root",
     lambda k: k.x5c_token(k.attacker["ES256"], [k.rogue_der, k.root_der]), PULL, INVALID),
    ("x5c-our-genuine-leaf-attacker-signature",
     lambda k: k.x5c_token(k.attacker["ES256"], [k.leaf_der]), PULL, INVALID),
    ("x5c-our-root-cert-as-signer-attacker-signature",
     lambda k: k.x5c_token(k.attacker["ES256"], [k.root_der]), PULL, INVALID),
    ("x5c-genuine-leaf-rs256-header-es-signature",
     lambda k: k.x5c_token(k.x5c_signer, [k.leaf_der], alg="RS256"), PULL, INVALID),
    ("x5c-not-a-certificate",
     lambda k: jws({"alg": "ES256", "x5c": [_b64(b"not a certificate")]}, k.claims(),
                   k.attacker["ES256"]), PULL, INVALID),
    ("x5c-not-base64",
     lambda k: jws({"alg": "ES256", "x5c": ["%%%%"]}, k.claims(), k.attacker["ES256"]), PULL, INVALID),
    ("x5c-empty-list", lambda k: jws({"alg": "ES256", "x5c": []}, k.claims(), k.attacker["ES256"]),
     PULL, INVALID),
    ("x5c-not-a-list-with-valid-kid-signature",
     lambda k: jws(k.header(k.es, x5c=_b64(k.leaf_der)), k.claims(), k.es), PULL, INVALID),
    ("x5c-entry-not-a-string-with-valid-kid-signature",
     lambda k: jws(k.header(k.es, x5c=[1]), k.claims(), k.es), PULL, INVALID),
    # -- claims (leeway 60 s)
    ("exp-past-beyond-leeway", lambda k: k.token(exp=int(time.time()) - 120), PULL, INVALID),
    ("nbf-future-beyond-leeway", lambda k: k.token(nbf=int(time.time()) + 120), PULL, INVALID),
    ("exp-as-string", lambda k: k.token(exp=str(int(time.time()) + 300)), PULL, INVALID),
    ("exp-missing", lambda k: k.token(exp=DROP), PULL, INVALID),
    ("exp-null", lambda k: k.token(exp=None), PULL, INVALID),
    ("exp-as-list", lambda k: k.token(exp=[int(time.time()) + 300]), PULL, INVALID),
    ("exp-huge-float", lambda k: k.token(exp=1e300), PULL, INVALID),
    ("exp-beyond-int64", lambda k: k.token(exp=2 ** 64 - 1), PULL, INVALID),
    ("exp-true", lambda k: k.token(exp=True), PULL, INVALID),
    # a non-numeric nbf is malformed (RFC 7519 §4.1.5: a NumericDate), like a non-numeric exp
    ("nbf-as-string-in-the-future", lambda k: k.token(nbf=str(int(time.time()) + 100000)), PULL,
     INVALID),
    ("aud-wrong", lambda k: k.token(aud="someone-else"), PULL, INVALID),
    ("aud-list-without-our-service", lambda k: k.token(aud=["a", "b"]), PULL, INVALID),
    ("aud-empty-list", lambda k: k.token(aud=[]), PULL, INVALID),
    ("aud-missing", lambda k: k.token(aud=DROP), PULL, INVALID),
    ("aud-upper-case", lambda k: k.token(aud=SERVICE.upper()), PULL, INVALID),
    ("aud-nested-list", lambda k: k.token(aud=[[SERVICE]]), PULL, INVALID),
    ("aud-number", lambda k: k.token(aud=5), PULL, INVALID),
    ("aud-prefix-of-our-service", lambda k: k.token(aud=SERVICE[:-1]), PULL, INVALID),
    ("iss-wrong", lambda k: k.token(iss="mallory"), PULL, INVALID),
    ("iss-missing", lambda k: k.token(iss=DROP), PULL, INVALID),
    ("iss-upper-case", lambda k: k.token(iss=ISSUER.upper()), PULL, INVALID),
    ("iss-as-list", lambda k: k.token(iss=[ISSUER]), PULL, INVALID),
    # -- access: valid tokens that grant too little on tok/app
    ("access-to-another-repository", lambda k: k.token(access=pull_access("tok/other")), PULL, SCOPE),
    ("access-pull-only-on-a-push-request", lambda k: k.token(), PUSH, SCOPE),
    ("access-type-registry-for-a-repository",
     lambda k: k.token(access=pull_access(typ="registry", actions=("pull", "push"))), PULL, SCOPE),
    ("access-type-repository-catalog-for-the-catalog",
     lambda k: k.token(access=pull_access("catalog", ("*",))), CATALOG, SCOPE),
    ("access-registry-catalog-pull-for-the-catalog",
     lambda k: k.token(access=pull_access("catalog", ("pull",), "registry")), CATALOG, SCOPE),
    ("access-type-capitalised", lambda k: k.token(access=pull_access(typ="Repository")), PULL, SCOPE),
    ("access-name-wildcard-tok-star", lambda k: k.token(access=pull_access("tok/*")), PULL, SCOPE),
    ("access-name-star", lambda k: k.token(access=pull_access("*")), PULL, SCOPE),
    ("access-name-upper-case", lambda k: k.token(access=pull_access("TOK/APP")), PULL, SCOPE),
    ("access-name-mixed-case", lambda k: k.token(access=pull_access("Tok/App")), PULL, SCOPE),
    ("access-name-cyrillic-a-look-alike", lambda k: k.token(access=pull_access("tok/\u0430pp")), PULL,
     SCOPE),
    ("access-name-fullwidth-solidus", lambda k: k.token(access=pull_access("tok\uff0fapp")), PULL,
     SCOPE),
    ("access-name-trailing-slash", lambda k: k.token(access=pull_access("tok/app/")), PULL, SCOPE),
    ("access-name-dot-segment", lambda k: k.token(access=pull_access("tok/./app")), PULL, SCOPE),
    ("access-empty-list", lambda k: k.token(access=[]), PULL, SCOPE),
    ("access-missing", lambda k: k.token(access=DROP), PULL, SCOPE),
    ("access-as-object", lambda k: k.token(access=pull_access()[0]), PULL, SCOPE),
    ("access-actions-as-string",
     lambda k: k.token(access=[{"type": "repository", "name": REPO, "actions": "pull"}]), PULL, SCOPE),
    ("access-actions-upper-case", lambda k: k.token(access=pull_access(actions=("PULL",))), PULL, SCOPE),
    ("access-action-not-a-string", lambda k: k.token(access=pull_access(actions=(1,))), PULL, SCOPE),
    ("access-push-only-on-a-pull-request", lambda k: k.token(access=pull_access(actions=("push",))),
     PULL, SCOPE),
    ("access-scope-string-instead-of-claim",
     lambda k: k.token(access=DROP, scope=f"repository:{REPO}:pull"), PULL, SCOPE),
    # -- malformed encodings
    ("header-base64-padding-added", lambda k: (lambda p: f"{p[0]}==.{p[1]}.{p[2]}")(k.token().split(".")),
     PULL, INVALID),
    ("payload-base64-padding-added",
     lambda k: (lambda p: f"{p[0]}.{p[1]}==.{p[2]}")(k.token().split(".")), PULL, INVALID),
    ("standard-base64-alphabet-plus-slash",
     lambda k: _std_alphabet(_with_dash_or_underscore(k.token)), PULL, INVALID),
    ("standard-base64-alphabet-in-the-signature-only",
     lambda k: (lambda t: t.rsplit(".", 1)[0] + "." + _std_alphabet(t.rsplit(".", 1)[1]))(
         _with_dash_or_underscore(lambda: k.token(), signature_only=True)), PULL, INVALID),
    ("extra-dot-between-header-and-payload", lambda k: k.token().replace(".", "..", 1), PULL, INVALID),
    ("trailing-dot", lambda k: k.token() + ".", PULL, INVALID),
    ("leading-dot", lambda k: "." + k.token(), PULL, INVALID),
    ("two-dots-only", lambda k: "..", PULL, INVALID),
    ("four-empty-parts", lambda k: "...", PULL, INVALID),
    ("four-parts", lambda k: (lambda t: t + "." + t.rsplit(".", 1)[1])(k.token()), PULL, INVALID),
    ("five-parts-jwe-shape",
     lambda k: ".".join([_seg({"alg": "dir", "enc": "A128GCM"}), "", b64url(b"iv" * 6),
                         _seg(k.claims()), b64url(b"t" * 16)]), PULL, INVALID),
    ("one-megabyte-token", lambda k: "A" * (1 << 20) + "." + k.token(), PULL, TOO_LARGE),
    ("eight-kilobyte-junk-token", lambda k: "e" * 4000 + "." + "p" * 4000 + ".s", PULL, INVALID),
    ("duplicate-alg-none-last-no-signature",
     lambda k: jws(_raw_header('{"alg":"ES256","kid":"es-key","alg":"none"}'), k.claims()), PULL,
     INVALID),
    ("duplicate-alg-es256-last-no-signature",
     lambda k: jws(_raw_header('{"alg":"none","kid":"es-key","alg":"ES256"}'), k.claims()), PULL,
     INVALID),
    ("duplicate-alg-es256-last-attacker-signature",
     lambda k: jws(_raw_header('{"alg":"none","kid":"es-key","alg":"ES256"}'), k.claims(),
                   k.attacker["ES256"]), PULL, INVALID),
    ("payload-not-json", lambda k: jws(k.header(k.es), b"not json", k.es), PULL, INVALID),
    ("payload-json-array", lambda k: jws(k.header(k.es), [k.claims()], k.es), PULL, INVALID),
    ("payload-json-null", lambda k: jws(k.header(k.es), b"null", k.es), PULL, INVALID),
    ("payload-json-string", lambda k: jws(k.header(k.es), b'"claims"', k.es), PULL, INVALID),
    ("payload-empty", lambda k: jws(k.header(k.es), b"", k.es), PULL, INVALID),
    ("header-not-json", lambda k: jws(b"{alg: ES256}", k.claims(), k.es), PULL, INVALID),
    ("header-json-array", lambda k: jws([k.header(k.es)], k.claims(), k.es), PULL, INVALID),
    # -- where and how the token is sent
    ("token-in-basic-password-slot",
     lambda k: Probe([("Authorization", "Basic " + base64.b64encode(
         f"alice:{k.control}".encode()).decode())]), PULL, PLAIN),
    ("token-in-basic-username-slot",
     lambda k: Probe([("Authorization", "Basic " + base64.b64encode(
         f"{k.control}:".encode()).decode())]), PULL, PLAIN),
    ("token-in-access-token-query-parameter",
     lambda k: Probe(query="?access_token=" + quote(k.control)), PULL, PLAIN),
    ("token-in-a-cookie", lambda k: Probe([("Cookie", f"token={k.control}")]), PULL, PLAIN),
    ("token-scheme-instead-of-bearer",
     lambda k: Probe([("Authorization", f"Token {k.control}")]), PULL, PLAIN),
    ("jwt-scheme-instead-of-bearer",
     lambda k: Probe([("Authorization", f"JWT {k.control}")]), PULL, PLAIN),
    ("bearer-with-tab-instead-of-space",
     lambda k: Probe([("Authorization", f"Bearer\t{k.control}")]), PULL, PLAIN),
    ("bearer-without-token", lambda k: Probe([("Authorization", "Bearer")]), PULL, PLAIN),
    ("bearer-with-two-valid-tokens", lambda k: f"{k.control} {k.control}", PULL, INVALID),
    ("bearer-with-forged-and-valid-token-comma",
     lambda k: f"{jws(k.header(k.es, alg='none'), k.claims())}, Bearer {k.control}", PULL, INVALID),
    ("two-authorization-fields-forged-first",
     lambda k: Probe([("Authorization", "Bearer " + jws(k.header(k.es, alg="none"), k.claims())),
                      ("Authorization", f"Bearer {k.control}")]), PULL, INVALID),
    ("lower-case-bearer-forged-token",
     lambda k: Probe([("Authorization", "bearer " + jws(k.header(k.es), k.claims(),
                                                        k.attacker["ES256"]))]), PULL, INVALID),
    ("upper-case-bearer-forged-token",
     lambda k: Probe([("Authorization", "BEARER " + jws(k.header(k.es, alg="none"), k.claims()))]),
     PULL, INVALID),
]


@pytest.mark.parametrize("build, request_kind, expect", [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_forged_token_refused(k, build, request_kind, expect):
    assert_refused(k, build(k), request_kind, expect)


# What the code accepts on purpose (each with the reason), pinned so that a change is seen.
DECIDED_ACCEPTED = [
    # jwt.cpp: without kid every configured key is tried; the signature is what is trusted
    ("kid-missing-several-keys-es", lambda k: k.token(header={"kid": DROP}), PULL),
    ("kid-missing-several-keys-rs", lambda k: k.token(k.rs, header={"kid": DROP}), PULL),
    ("kid-missing-several-keys-ed", lambda k: k.token(k.ed, header={"kid": DROP}), PULL),
    # iat is informational (RFC 7519 §4.1.6; distribution does not check it either)
    ("iat-far-in-the-future", lambda k: k.token(iat=int(time.time()) + 10 * 365 * 86400), PULL),
    # sub is not required: access is granted by the access claim
    ("sub-missing", lambda k: k.token(sub=DROP), PULL),
    # "*" on a repository grants pull, push and delete (as distribution's actionSet.contains)
    ("actions-star-pull", lambda k: k.token(access=pull_access(actions=("*",))), PULL),
    ("actions-star-push", lambda k: k.token(access=pull_access(actions=("*",))), PUSH),
    ("aud-list-with-our-service", lambda k: k.token(aud=["other", SERVICE]), PULL),
    ("exp-within-leeway", lambda k: k.token(exp=int(time.time()) - 30), PULL),
    # a NumericDate may be fractional (RFC 7519 §2)
    ("exp-fractional", lambda k: k.token(exp=time.time() + 300.5), PULL),
    # RFC 7235 §2.1: the auth scheme is case-insensitive; extra spaces before the token are skipped
    ("lower-case-bearer-valid-token",
     lambda k: Probe([("Authorization", f"bearer {k.control}")]), PULL),
    ("two-spaces-after-bearer", lambda k: Probe([("Authorization", f"Bearer  {k.control}")]), PULL),
    ("two-authorization-fields-valid-first",
     lambda k: Probe([("Authorization", f"Bearer {k.control}"),
                      ("Authorization", "Bearer " + jws(k.header(k.es, alg="none"), k.claims()))]),
     PULL),
    # x5c: the leaf verifies up to our root; extra certificates are only chain-building candidates
    ("x5c-genuine-leaf-and-an-unrelated-cert",
     lambda k: k.x5c_token(k.x5c_signer, [k.leaf_der, k.other_leaf_der]), PULL),
    ("x5c-genuine-leaf-and-our-root", lambda k: k.x5c_token(k.x5c_signer, [k.leaf_der, k.root_der]),
     PULL),
]


@pytest.mark.parametrize("build, request_kind", [pytest.param(*c[1:], id=c[0])
                                                 for c in DECIDED_ACCEPTED])
def test_decided_acceptance(k, build, request_kind):
    assert_accepted(k, build(k), request_kind)


def test_zz_registry_still_healthy(k):
    assert k.w.proc.poll() is None, k.w.log_text()
    assert requests.get(f"{k.w.url}/ready", timeout=10).status_code == 200
    assert_accepted(k, k.control, PULL)
    assert_accepted(k, k.control, PUSH)
    # no key was fetched from where a jku or x5u header pointed
    assert k.attacker_server.requests == []
    r = requests.get(f"{k.w.url}/v2/{REPO}/manifests/v1", timeout=10,
                     headers={"Authorization": f"Bearer {k.control}", "Accept": OCI_MANIFEST})
    assert r.status_code == 200
    assert error_codes(requests.get(f"{k.w.url}/v2/{REPO}/tags/list", timeout=10)) == ["UNAUTHORIZED"]
