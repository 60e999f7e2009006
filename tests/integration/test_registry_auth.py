"""Authentication and authorization of the registry: auth-htpasswd (bcrypt files made with
`htpasswd -B`, rules, anonymous pull, reload) and auth-token (JWT ES256/RS256/EdDSA, JWK set and
x5c chains), by protocol and with skopeo, podman and the Docker CLI over TLS."""

import base64
import json
import os
import signal
import subprocess
import time

import pytest
import requests
import urllib3

from clients import Dockerd, layout_manifest, podman_round_trip, require, run, skopeo, umoci_layout
from oci import error_codes, image, push_blob, put_manifest
from wharf_testing import wait_until
pytest.importorskip("cryptography", reason="the token tests sign with `cryptography`")
from tokens import SigningKey, TokenServer, ca_and_leaf, ca_and_leaves, claims, make_token  # noqa: E402

urllib3.disable_warnings()


def htpasswd_file(path, users):
    require("htpasswd")
    lines = []
    for user, password in users.items():
        out = subprocess.run(["htpasswd", "-nbB", "-C", "5", user, password], capture_output=True,
                             text=True, check=True).stdout
        lines.append(out.strip())
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def basic_registry(wharfd_factory, tmp_path):
    users = htpasswd_file(tmp_path / "htpasswd", {"alice": "wonderland", "bob": "builder"})
    rules = tmp_path / "rules"
    rules.write_text("alice * pull,push,delete,catalog\n"
                     "bob   team/* pull,push\n"
                     "*     public/* pull\n")
    w = wharfd_factory(sections={"plugin.users": {"module": "auth-htpasswd", "file": users,
                                                  "rules": rules, "realm": "Wharf Test",
                                                  "anonymous_pull": "true"}},
                       registry={"auth": "users"})
    w.users_file = users
    return w


ALICE = ("alice", "wonderland")
BOB = ("bob", "builder")


def test_basic_challenge_and_credentials(basic_registry):
    url = basic_registry.url
    r = requests.get(f"{url}/v2/")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == 'Basic realm="Wharf Test"'
    assert error_codes(r) == ["UNAUTHORIZED"]
    assert requests.get(f"{url}/v2/", auth=("alice", "wrong")).status_code == 401
    assert requests.get(f"{url}/v2/", auth=("nobody", "x")).status_code == 401
    assert requests.get(f"{url}/v2/", auth=ALICE).status_code == 200


def test_basic_push_pull_rules_and_anonymous(basic_registry):
    url = basic_registry.url
    s = requests.Session()
    s.auth = ALICE
    body, d = image(url, "team/app", session=s)
    assert put_manifest(url, "team/app", "v1", body, session=s).status_code == 201
    # no credentials: pull only where anonymous_pull allows, never push
    assert requests.get(f"{url}/v2/team/app/manifests/v1").status_code == 200
    r = requests.post(f"{url}/v2/team/app/blobs/uploads/")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    # bob: pull and push under team/*, nothing else
    bob = requests.Session()
    bob.auth = BOB
    push_blob(url, "team/bob", b"bob's blob", session=bob)
    r = bob.post(f"{url}/v2/other/blobs/uploads/")
    assert r.status_code == 403 and error_codes(r) == ["DENIED"]
    r = bob.delete(f"{url}/v2/team/app/manifests/{d}")
    assert r.status_code == 403
    assert bob.get(f"{url}/v2/_catalog").status_code == 403
    assert s.get(f"{url}/v2/_catalog").status_code == 200
    assert s.delete(f"{url}/v2/team/app/manifests/{d}").status_code == 202


def test_mount_needs_pull_on_source(basic_registry):
    url = basic_registry.url
    alice = requests.Session()
    alice.auth = ALICE
    d = push_blob(url, "secret/src", b"secret layer", session=alice)
    bob = requests.Session()
    bob.auth = BOB
    r = bob.post(f"{url}/v2/team/dst/blobs/uploads/", params={"mount": d, "from": "secret/src"})
    assert r.status_code == 202  # no mount: bob may not pull secret/src
    assert bob.head(f"{url}/v2/team/dst/blobs/{d}").status_code == 404
    r = alice.post(f"{url}/v2/team/dst/blobs/uploads/", params={"mount": d, "from": "secret/src"})
    assert r.status_code == 201


def test_htpasswd_reload_on_change(basic_registry):
    url = basic_registry.url
    assert requests.get(f"{url}/v2/", auth=("carol", "c")).status_code == 401
    extra = subprocess.run(["htpasswd", "-nbB", "-C", "5", "carol", "c"], capture_output=True,
                           text=True, check=True).stdout
    with open(basic_registry.users_file, "a") as f:
        f.write(extra)
    wait_until(lambda: requests.get(f"{url}/v2/", auth=("carol", "c")).status_code == 200,
               timeout=20, interval=0.2, what="the new htpasswd entry to be picked up")


def test_ready_follows_the_htpasswd_file_through_sighup(basic_registry):
    # A file with no valid line used to be taken on SIGHUP with /ready at 200, and once /ready had
    # turned 503 it stayed so after the file was restored and SIGHUP'd.
    w = basic_registry
    ready = lambda: requests.get(f"{w.url}/ready").status_code  # noqa: E731
    good = w.users_file.read_text()
    assert ready() == 200
    w.users_file.write_text("alice:not-a-bcrypt-hash\nbob\n")
    w.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: ready() == 503, timeout=20, what="/ready to report the broken file")
    assert "no valid" in requests.get(f"{w.url}/ready").text
    # the old entries stay in use meanwhile
    assert requests.get(f"{w.url}/v2/", auth=ALICE).status_code == 200
    w.users_file.write_text(good)
    w.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: ready() == 200, timeout=20, what="/ready after the file was restored")
    assert requests.get(f"{w.url}/v2/", auth=ALICE).status_code == 200


def _tls_htpasswd_registry(wharfd_factory, tmp_path):
    """A registry on a self-signed TLS listener where alice:wonderland may push and pull."""
    users = htpasswd_file(tmp_path / "htpasswd", {"alice": "wonderland"})
    return wharfd_factory(listener={"tls": "self-signed"},
                          sections={"plugin.users": {"module": "auth-htpasswd", "file": users}},
                          registry={"auth": "users"})


def test_skopeo_over_tls_with_htpasswd(wharfd_factory, tmp_path):
    w = _tls_htpasswd_registry(wharfd_factory, tmp_path)
    assert w.url.startswith("https://")
    src = umoci_layout(tmp_path / "src")
    ref = f"docker://{w.host}/tls/skopeo:v1"
    r = run(["skopeo", "--insecure-policy", "copy", "--dest-tls-verify=false",
             f"oci:{src}:v1", ref], check=False)
    assert r.returncode != 0  # no credentials
    skopeo("copy", "--dest-tls-verify=false", "--dest-creds=alice:wonderland", f"oci:{src}:v1", ref)
    out = tmp_path / "out"
    skopeo("copy", "--src-tls-verify=false", "--src-creds=alice:wonderland", ref, f"oci:{out}:v1")
    assert layout_manifest(out) == layout_manifest(src)


def test_podman_over_tls_with_htpasswd(wharfd_factory, tmp_path):
    w = _tls_htpasswd_registry(wharfd_factory, tmp_path)
    assert w.url.startswith("https://")
    podman_round_trip(tmp_path, f"{w.host}/tls/podman:v1", creds="alice:wonderland")


def test_docker_over_tls_with_htpasswd(wharfd_factory, tmp_path):
    w = _tls_htpasswd_registry(wharfd_factory, tmp_path)
    d = Dockerd(tmp_path / "dockerd")
    d.start(insecure=[w.host])
    try:
        d.cli("login", "-u", "alice", "--password-stdin", w.host, input="wonderland\n")
        _docker_round_trip(d, f"{w.host}/tls/docker:v1")
    finally:
        d.stop()


def _docker_round_trip(d, tag):
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = os.urandom(50_000)
        info = tarfile.TarInfo("payload")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    run(d.cli_args("import", "-", tag), input=buf.getvalue(), text=False,
        env={**os.environ, "DOCKER_CONFIG": str(d.dir / "config")})
    image_id = d.cli("image", "inspect", "-f", "{{.Id}}", tag).stdout.strip()
    d.cli("push", tag)
    d.cli("rmi", "-f", tag)
    d.cli("pull", tag)
    assert d.cli("image", "inspect", "-f", "{{.Id}}", tag).stdout.strip() == image_id


# ---- token auth -----------------------------------------------------------------------------


ISSUER, SERVICE = "wharf-test-issuer", "wharf-test"


def _token_registry(wharfd_factory, tmp_path, key, x5c_root=None, tls=False):
    section = {"module": "auth-token", "issuer": ISSUER, "service": SERVICE}
    if x5c_root:
        (tmp_path / "roots.pem").write_bytes(x5c_root)
        section["root_cert_bundle"] = tmp_path / "roots.pem"
    else:
        (tmp_path / "jwks.json").write_text(json.dumps({"keys": [key.jwk()]}))
        section["jwks"] = tmp_path / "jwks.json"
    return section


@pytest.fixture
def token_setup(wharfd_factory, tmp_path):
    key = SigningKey("ES256", "es-key")
    server = TokenServer(key, ISSUER, SERVICE, {"alice": "wonderland"})
    section = _token_registry(wharfd_factory, tmp_path, key)
    section["realm"] = server.url
    w = wharfd_factory(sections={"plugin.tokens": section}, registry={"auth": "tokens"})
    yield w, key, server
    server.close()


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_token_challenges(token_setup):
    w, key, server = token_setup
    r = requests.get(f"{w.url}/v2/")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == f'Bearer realm="{server.url}",service="{SERVICE}"'
    r = requests.get(f"{w.url}/v2/tok/app/tags/list")
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"] == (
        f'Bearer realm="{server.url}",service="{SERVICE}",scope="repository:tok/app:pull"')
    r = requests.post(f"{w.url}/v2/tok/app/blobs/uploads/")
    assert 'scope="repository:tok/app:pull,push"' in r.headers["WWW-Authenticate"]
    r = requests.get(f"{w.url}/v2/_catalog")
    assert 'scope="registry:catalog:*"' in r.headers["WWW-Authenticate"]


def test_token_access_claims(token_setup):
    w, key, _ = token_setup
    pull_only = make_token(key, claims(ISSUER, SERVICE, [
        {"type": "repository", "name": "tok/app", "actions": ["pull"]}]))
    full = make_token(key, claims(ISSUER, SERVICE, [
        {"type": "repository", "name": "tok/app", "actions": ["pull", "push"]}]))
    assert requests.get(f"{w.url}/v2/", headers=_bearer(pull_only)).status_code == 200
    s = requests.Session()
    s.headers.update(_bearer(full))
    d = push_blob(w.url, "tok/app", b"token blob", session=s)
    assert requests.get(f"{w.url}/v2/tok/app/blobs/{d}", headers=_bearer(pull_only)).content == \
        b"token blob"
    r = requests.post(f"{w.url}/v2/tok/app/blobs/uploads/", headers=_bearer(pull_only))
    assert r.status_code == 401
    assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]
    r = requests.get(f"{w.url}/v2/tok/other/tags/list", headers=_bearer(full))
    assert r.status_code == 401 and 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]


@pytest.mark.parametrize("bad", ["expired", "future", "audience", "issuer", "signature", "alg"])
def test_token_rejected(token_setup, bad):
    w, key, _ = token_setup
    access = [{"type": "repository", "name": "tok/app", "actions": ["pull"]}]
    c = claims(ISSUER, SERVICE, access)
    other = SigningKey("ES256", "es-key")
    signer = key
    header = None
    if bad == "expired":
        c["exp"] = int(time.time()) - 120  # beyond the 60 s leeway
    elif bad == "future":
        c["nbf"] = int(time.time()) + 120
    elif bad == "audience":
        c["aud"] = "someone-else"
    elif bad == "issuer":
        c["iss"] = "mallory"
    elif bad == "signature":
        signer = other
    elif bad == "alg":
        header = {"alg": "none"}
    token = make_token(signer, c, header)
    r = requests.get(f"{w.url}/v2/tok/app/tags/list", headers=_bearer(token))
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]


def test_token_leeway_accepts_slightly_expired(token_setup):
    w, key, _ = token_setup
    c = claims(ISSUER, SERVICE, [])
    c["exp"] = int(time.time()) - 30
    assert requests.get(f"{w.url}/v2/", headers=_bearer(make_token(key, c))).status_code == 200


@pytest.mark.parametrize("alg", ["RS256", "EdDSA"])
def test_token_other_algorithms(wharfd_factory, tmp_path, alg):
    key = SigningKey(alg, f"{alg}-key")
    section = _token_registry(wharfd_factory, tmp_path, key)
    section["realm"] = "http://127.0.0.1:1/token"
    w = wharfd_factory(sections={"plugin.tokens": section}, registry={"auth": "tokens"})
    token = make_token(key, claims(ISSUER, SERVICE, []))
    assert requests.get(f"{w.url}/v2/", headers=_bearer(token)).status_code == 200


def test_token_x5c_chain(wharfd_factory, tmp_path):
    key = SigningKey("ES256", "x5c")
    not_a_signer = SigningKey("ES256", "x5c")
    signer = SigningKey("ES256", "x5c")
    root_pem, (leaf_der, cert_signer_der, signer_der) = ca_and_leaves(
        (key, None), (not_a_signer, {"key_cert_sign": True}), (signer, {"digital_signature": True}))
    section = _token_registry(wharfd_factory, tmp_path, key, x5c_root=root_pem)
    section["realm"] = "http://127.0.0.1:1/token"
    w = wharfd_factory(sections={"plugin.tokens": section}, registry={"auth": "tokens"})
    x5c = [base64.b64encode(leaf_der).decode()]
    token = make_token(key, claims(ISSUER, SERVICE, []), {"x5c": x5c}, use_kid=False)
    assert requests.get(f"{w.url}/v2/", headers=_bearer(token)).status_code == 200
    # a leaf whose key usage allows signatures is taken; one limited to other purposes is not
    for k, der, status in ((signer, signer_der, 200), (not_a_signer, cert_signer_der, 401)):
        token = make_token(k, claims(ISSUER, SERVICE, []), {"x5c": [base64.b64encode(der).decode()]},
                           use_kid=False)
        assert requests.get(f"{w.url}/v2/", headers=_bearer(token)).status_code == status
    # a chain that does not lead to the configured root
    other = SigningKey("ES256", "x5c")
    _, other_leaf = ca_and_leaf(other)
    token = make_token(other, claims(ISSUER, SERVICE, []),
                       {"x5c": [base64.b64encode(other_leaf).decode()]}, use_kid=False)
    assert requests.get(f"{w.url}/v2/", headers=_bearer(token)).status_code == 401


def test_skopeo_podman_and_docker_with_token_auth_over_tls(wharfd_factory, tmp_path):
    key = SigningKey("ES256", "es-key")
    server = TokenServer(key, ISSUER, SERVICE, {"alice": "wonderland"})
    try:
        section = _token_registry(wharfd_factory, tmp_path, key)
        section["realm"] = server.url
        w = wharfd_factory(listener={"tls": "self-signed"}, sections={"plugin.tokens": section},
                           registry={"auth": "tokens"})
        src = umoci_layout(tmp_path / "src")
        ref = f"docker://{w.host}/tok/skopeo:v1"
        skopeo("copy", "--dest-tls-verify=false", "--dest-creds=alice:wonderland",
               f"oci:{src}:v1", ref)
        out = tmp_path / "out"
        skopeo("copy", "--src-tls-verify=false", "--src-creds=alice:wonderland", ref,
               f"oci:{out}:v1")
        assert layout_manifest(out) == layout_manifest(src)
        assert any("repository:tok/skopeo:pull,push" in s for q in server.requests
                   for s in q.get("scope", []))
        podman_round_trip(tmp_path, f"{w.host}/tok/podman:v1", creds="alice:wonderland")
        assert any("repository:tok/podman:pull,push" in s for q in server.requests
                   for s in q.get("scope", []))
        d = Dockerd(tmp_path / "dockerd")
        d.start(insecure=[w.host])
        try:
            d.cli("login", "-u", "alice", "--password-stdin", w.host, input="wonderland\n")
            _docker_round_trip(d, f"{w.host}/tok/docker:v1")
        finally:
            d.stop()
    finally:
        server.close()


# ---- auth-ipallow ---------------------------------------------------------------------------


def test_ipallow_chained_before_htpasswd(wharfd_factory, tmp_path):
    users = htpasswd_file(tmp_path / "htpasswd", {"alice": "wonderland"})
    w = wharfd_factory(sections={
        "plugin.lan": {"module": "auth-ipallow", "networks": "127.0.0.0/8, ::1/128",
                       "actions": "pull", "repositories": "public/*"},
        "plugin.users": {"module": "auth-htpasswd", "file": users}},
        registry={"auth": "lan, users"})
    alice = requests.Session()
    alice.auth = ALICE
    d = push_blob(w.url, "public/app", b"public blob", session=alice)
    push_blob(w.url, "private/app", b"private blob", session=alice)
    # loopback pulls public/* anonymously ...
    assert requests.get(f"{w.url}/v2/public/app/blobs/{d}").content == b"public blob"
    # ... but may not push, nor pull elsewhere: the htpasswd challenge is offered
    r = requests.post(f"{w.url}/v2/public/app/blobs/uploads/")
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Basic")
    r = requests.get(f"{w.url}/v2/private/app/tags/list")
    assert r.status_code == 401


def test_ipallow_alone_refuses_other_networks(wharfd_factory):
    w = wharfd_factory(sections={"plugin.lan": {"module": "auth-ipallow",
                                                "networks": "10.0.0.0/8"}},
                       registry={"auth": "lan"})
    r = requests.get(f"{w.url}/v2/any/tags/list")
    assert r.status_code == 403 and error_codes(r) == ["DENIED"]
