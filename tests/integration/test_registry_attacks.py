"""Regression suite of an attack run on the registry: what it found to hold must keep holding.

1. Path tricks: dot segments (plain, %2e, %2E%2e%2f, ..%2f, %252e), backslashes, empty and dot
   segments, NUL, overlong UTF-8, odd names, tags, digests and upload ids, reserved storage words
   (_uploads, _layers, _manifests) as name components, query-string digests, trailing slashes.
   Each is sent as raw bytes (requests would normalise the path) and must end in its exact 4xx
   with an OCI error JSON (or the host's 404), never 200 with content, never 500; no canary file
   outside the storage root is read or served, no blob of another repository is served and
   nothing is written to the storage.
2. Repository confusion under htpasswd rules (alice: alice/*, bob: bob/*): bob reaches none of
   alice's blobs, manifests, tags or upload sessions, by any spelling of her repository.

Only loopback; every wait is bounded; nothing sleeps for a state.
"""

import base64
import hashlib
import json
import os
import pathlib
import socket
import subprocess
import uuid

import pytest
import requests

from clients import require
from oci import OCI_INDEX, OCI_MANIFEST, descriptor, digest, error_codes, image, push_blob, \
    put_manifest
from registry_harness import Wharfd

# ---- raw HTTP ------------------------------------------------------------------------------


class Reply:
    def __init__(self, raw):
        self.raw = raw
        head, sep, body = raw.partition(b"\r\n\r\n")
        if not sep:
            raise AssertionError(f"no complete answer: {raw[:300]!r}")
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        self.status = int(parts[1])
        self.headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(b":")
            self.headers[k.strip().lower().decode("latin-1")] = v.strip().decode("latin-1")
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            body = _dechunk(body)
        self.body = body

    def json(self):
        """The body as JSON; JSON text is UTF-8 (RFC 8259), so other bytes fail here."""
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError as e:
            raise AssertionError(f"the error body is not valid UTF-8 ({e}): {self!r}") from None
        return json.loads(text)

    def codes(self):
        return [e["code"] for e in self.json().get("errors", [])]

    def __repr__(self):
        return f"<{self.status} {self.headers} {self.body[:400]!r}>"


def _dechunk(data):
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += data[:size]
        data = data[size + 2:]
    return out


def raw(port, method, target, headers=(), body=b"", timeout=10):
    """Sends exactly `method target` (bytes or latin-1 str, not normalised) and returns the
    Reply; the connection is closed after one answer."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    req = method.encode() + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    for h in headers:
        req += (h.encode("latin-1") if isinstance(h, str) else h) + b"\r\n"
    if body or method in ("PUT", "POST", "PATCH"):
        req += b"Content-Length: %d\r\n" % len(body)
    req += b"\r\n" + body
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(req)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            out += chunk
    return Reply(out)


def basic(user, password):
    return "Authorization: Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# ---- canaries and the storage snapshot -----------------------------------------------------

ARMED_ATIME = 1_000_000_000
ARMED_MTIME = ARMED_ATIME + 100


def _atime_is_kept(directory):
    """True when reading a file moves its atime here (not mounted noatime)."""
    probe = directory / "atime-probe"
    probe.write_bytes(b"probe")
    os.utime(probe, (ARMED_ATIME, ARMED_MTIME))
    probe.read_bytes()
    moved = os.stat(probe).st_atime != ARMED_ATIME
    probe.unlink()
    return moved


class Canary:
    """A file outside (or beside) the registry tree. Its content must never be served and, where
    the file system keeps atimes, it must never be read (its atime is set far back: under
    relatime the first read moves it)."""

    def __init__(self, path, watch_atime):
        self.path = pathlib.Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.content = f"CANARY {uuid.uuid4()} at {self.path}\n".encode()
        self.path.write_bytes(self.content)
        self.watch_atime = watch_atime
        self.arm()

    def arm(self):
        os.utime(self.path, (ARMED_ATIME, ARMED_MTIME))

    def was_read(self):
        return self.watch_atime and os.stat(self.path).st_atime != ARMED_ATIME


def storage_snapshot(root):
    """Every file and directory under the storage root, with size and mtime: a write shows."""
    out = set()
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for d in dirnames:
            out.add((os.path.join(rel, d), "dir"))
        for f in filenames:
            st = os.stat(os.path.join(dirpath, f))
            out.add((os.path.join(rel, f), st.st_size, st.st_mtime_ns))
    return out


# ---- category 1: path tricks ---------------------------------------------------------------


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One registry without auth, with canaries around its storage root: repository x holds a
    blob and the manifest x:v1, secret/app holds a blob not linked to x and an open upload."""
    base = tmp_path_factory.mktemp("attacks")
    w = Wharfd(base / "wharfd")
    w.storage_root.mkdir(parents=True, exist_ok=True)
    atime = _atime_is_kept(base)
    # the registry tree lies at <root>/docker/registry/v2/repositories/<name>: six ".." from a
    # one-component name reach the workdir, seven the test's directory
    w.canaries = [Canary(p, atime) for p in (
        base / "canary", w.workdir / "canary", w.workdir / "etc" / "passwd",
        w.storage_root / "canary", w.storage_root / "docker" / "canary")]
    w.watch_atime = atime
    w.start()
    w.known_data = b"x's own blob " + os.urandom(64)
    w.known = push_blob(w.url, "x", w.known_data)
    w.manifest, w.manifest_digest = image(w.url, "x", seed=b"x")
    assert put_manifest(w.url, "x", "v1", w.manifest).status_code == 201
    w.secret_data = b"secret/app's blob, never served via x " + os.urandom(64)
    w.secret = push_blob(w.url, "secret/app", w.secret_data)
    r = requests.post(f"{w.url}/v2/secret/app/blobs/uploads/", timeout=10)
    assert r.status_code == 202
    w.secret_upload = r.headers["Docker-Upload-UUID"]
    r = requests.patch(w.url + r.headers["Location"], data=b"secret upload part", timeout=10)
    assert r.status_code == 202
    for c in w.canaries:
        c.arm()
    yield w
    rc = w.stop()
    assert rc == 0, f"wharfd exited with {rc}:\n{w.log_text()}"


UP6 = "../" * 6
P6 = "..%2f" * 6


def T(method, target, status, code, name, body=b"", alt=None):
    """A path trick: sent as is (placeholders filled from the world), expected status and OCI
    error code (None: an answer of the host, not of the registry). `alt`: one more answer that is
    as right, as (status, code)."""
    outcomes = [(status, code)] + ([alt] if alt else [])
    return pytest.param(method, target, outcomes, body, id=name)


# A decoded %00 may be refused by the host itself (400 with its own error JSON) or reach the
# registry whole (its own answer); it must never be cut off at the NUL.
HOST_400 = (400, None)


PATH_TRICKS = [
    # dot segments, plain and percent-encoded
    T("GET", "/v2/x/../secret/app/blobs/{secret}", 400, "NAME_INVALID", "dotdot-into-other-repo"),
    T("GET", "/v2/x/" + UP6 + "canary", 400, "NAME_INVALID", "dotdot-to-canary"),
    T("GET", "/v2/" + UP6 + "etc/passwd", 400, "NAME_INVALID", "dotdot-etc-passwd"),
    T("GET", "/v2/x/" + UP6 + "canary/blobs/{known}", 400, "NAME_INVALID",
      "dotdot-name-to-canary-blob"),
    T("GET", "/v2/x/%2e%2e/secret/app/blobs/{secret}", 400, "NAME_INVALID", "pct2e-dotdot"),
    T("GET", "/v2/x/%2E%2e%2fsecret/app/blobs/{secret}", 400, "NAME_INVALID",
      "pct2E2e2f-mixed-case"),
    T("GET", "/v2/x/" + P6 + "canary/blobs/{known}", 400, "NAME_INVALID", "dotdot-pct2f"),
    T("GET", "/v2/..%2f..%2f..%2fetc%2fpasswd", 400, "NAME_INVALID", "dotdot-pct2f-etc-passwd"),
    T("GET", "/v2/x/%252e%252e/secret/app/blobs/{secret}", 400, "NAME_INVALID",
      "double-encoded-dotdot-in-name"),
    T("GET", "/v2/x/%252e%252e%252f%252e%252e%252fcanary", 404, "UNSUPPORTED",
      "double-encoded-dotdot-no-endpoint"),
    T("GET", "/v2/x/blobs/%2e%2e%2f%2e%2e%2fsecret%2fapp%2fblobs%2f{secret}", 400, "NAME_INVALID",
      "pct-encoded-walk-from-blobs"),
    # backslashes
    T("GET", "/v2/x/..\\..\\..\\canary/blobs/{known}", 400, "NAME_INVALID", "backslash-dotdot"),
    T("GET", "/v2/x/..%5c..%5c..%5ccanary/blobs/{known}", 400, "NAME_INVALID",
      "pct5c-backslash-dotdot"),
    T("GET", "/v2/x\\blobs\\{known}", 404, "UNSUPPORTED", "backslash-separators"),
    # empty and dot segments
    T("GET", "/v2/x//blobs/{known}", 400, "NAME_INVALID", "double-slash-in-name"),
    T("GET", "/v2//x/blobs/{known}", 400, "NAME_INVALID", "double-slash-after-v2"),
    T("GET", "//v2/x/blobs/{known}", 404, None, "double-slash-before-v2"),
    T("GET", "/v2/x/./blobs/{known}", 400, "NAME_INVALID", "dot-segment-in-name"),
    T("GET", "/v2/./x/blobs/{known}", 400, "NAME_INVALID", "dot-segment-first"),
    T("GET", "/v2/x/blobs/./{known}", 404, "UNSUPPORTED", "dot-segment-before-digest"),
    T("GET", "/v2/x/blobs/{known}/..", 400, "NAME_INVALID", "dotdot-after-digest"),
    # NUL
    T("GET", "/v2/x%00/blobs/{known}", 400, "NAME_INVALID", "nul-in-name", alt=HOST_400),
    T("GET", "/v2/x%00/../../secret/app/blobs/{secret}", 400, "NAME_INVALID", "nul-then-dotdot",
      alt=HOST_400),
    T("GET", "/v2/x/blobs/{known}%00", 400, "DIGEST_INVALID", "nul-after-digest", alt=HOST_400),
    T("GET", "/v2/x/blobs/{known}%00/../../../secret/app/blobs/{secret}", 400, "NAME_INVALID",
      "nul-hides-dotdot-after-digest", alt=HOST_400),
    T("GET", "/v2/x/manifests/v1%00", 404, "MANIFEST_UNKNOWN", "nul-after-tag", alt=HOST_400),
    T("GET", "/v2/x/blobs/uploads/{secret_upload}%00", 404, "BLOB_UPLOAD_UNKNOWN",
      "nul-after-upload-uuid", alt=HOST_400),
    # overlong UTF-8 for '.' (c0 ae, e0 80 ae) and '/' (c0 af)
    T("GET", "/v2/x/%c0%ae%c0%ae/secret/app/blobs/{secret}", 400, "NAME_INVALID",
      "overlong-utf8-dotdot"),
    T("GET", "/v2/x/%e0%80%ae%e0%80%ae/secret/app/blobs/{secret}", 400, "NAME_INVALID",
      "overlong-utf8-3-byte-dotdot"),
    T("GET", "/v2/x/%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afcanary", 404, "UNSUPPORTED",
      "overlong-utf8-dotdot-slash"),
    # names
    T("GET", "/v2/X/blobs/{known}", 400, "NAME_INVALID", "upper-case-name"),
    T("GET", "/v2/Secret/App/blobs/{secret}", 400, "NAME_INVALID", "upper-case-components"),
    T("GET", "/v2/%78/blobs/{known}", 400, "NAME_INVALID", "pct-encoded-name-letter"),
    T("GET", "/v2/secret%2fapp/blobs/{secret}", 400, "NAME_INVALID", "pct-encoded-slash-in-name"),
    T("GET", "/v2/" + "a" * 256 + "/tags/list", 400, "NAME_INVALID", "name-256-chars"),
    T("GET", "/v2/" + "/".join(["a" * 50] * 6) + "/manifests/v1", 400, "NAME_INVALID",
      "name-305-chars-in-components"),
    T("GET", "/v2/" + "a" * 4000 + "/blobs/{known}", 400, "NAME_INVALID", "name-4000-chars"),
    T("GET", "/v2/x;/../secret/app/blobs/{secret}", 400, "NAME_INVALID", "semicolon-param-dotdot"),
    T("GET", "/v2/_catalog/../x/tags/list", 400, "NAME_INVALID", "catalog-dotdot"),
    # storage words as name components
    T("GET", "/v2/x/_uploads/blobs/{known}", 400, "NAME_INVALID", "uploads-component"),
    T("GET", "/v2/_uploads/tags/list", 400, "NAME_INVALID", "uploads-as-name"),
    T("GET", "/v2/x/_layers/sha256/blobs/{known}", 400, "NAME_INVALID", "layers-component"),
    T("GET", "/v2/x/_manifests/tags/list", 400, "NAME_INVALID", "manifests-component"),
    T("GET", "/v2/x/_manifests/revisions/sha256/manifests/v1", 400, "NAME_INVALID",
      "manifests-revisions-component"),
    T("POST", "/v2/x/_uploads/blobs/uploads/", 400, "NAME_INVALID", "start-upload-in-uploads-dir"),
    # tags
    T("GET", "/v2/x/manifests/v1/../../secret/app/manifests/v1", 400, "NAME_INVALID",
      "tag-dotdot-walk"),
    T("GET", "/v2/x/manifests/v1%2f..%2f..%2f..%2fcanary", 400, "NAME_INVALID",
      "tag-pct2f-dotdot"),
    T("GET", "/v2/x/manifests/v1%2fextra", 404, "UNSUPPORTED", "tag-with-pct-slash"),
    T("GET", "/v2/x/manifests/..", 404, "MANIFEST_UNKNOWN", "tag-dotdot"),
    T("GET", "/v2/x/manifests/%2e%2e", 404, "MANIFEST_UNKNOWN", "tag-pct2e-dotdot"),
    T("GET", "/v2/x/manifests/v1:latest", 404, "MANIFEST_UNKNOWN", "tag-with-colon"),
    T("GET", "/v2/x/manifests/:v1", 404, "MANIFEST_UNKNOWN", "tag-leading-colon"),
    T("GET", "/v2/x/manifests/v1@{manifest}", 404, "MANIFEST_UNKNOWN", "tag-and-digest"),
    T("GET", "/v2/x/manifests/{manifest}@v1", 404, "MANIFEST_UNKNOWN", "digest-and-tag"),
    T("PUT", "/v2/x/manifests/v1:evil", 400, "DIGEST_INVALID", "put-tag-with-colon", "{mbody}"),
    T("PUT", "/v2/x/manifests/v1@{manifest}", 400, "DIGEST_INVALID", "put-tag-and-digest",
      "{mbody}"),
    T("PUT", "/v2/x/manifests/..", 400, "TAG_INVALID", "put-tag-dotdot", "{mbody}"),
    T("PUT", "/v2/x/manifests/-v1", 400, "TAG_INVALID", "put-tag-leading-dash", "{mbody}"),
    T("PUT", "/v2/x/manifests/" + "t" * 129, 400, "TAG_INVALID", "put-tag-129-chars", "{mbody}"),
    # digests
    T("GET", "/v2/x/blobs/sha256:" + UP6 + "canary", 400, "NAME_INVALID", "digest-dotdot-slash"),
    T("GET", "/v2/x/blobs/sha256:" + P6 + "etc%2fpasswd", 400, "NAME_INVALID",
      "digest-pct2f-dotdot"),
    T("GET", "/v2/x/blobs/sha256:..", 400, "DIGEST_INVALID", "digest-just-dotdot"),
    T("GET", "/v2/x/blobs/sha256:" + "a" * 63, 400, "DIGEST_INVALID", "sha256-63-hex"),
    T("GET", "/v2/x/blobs/sha256:" + "a" * 65, 400, "DIGEST_INVALID", "sha256-65-hex"),
    T("GET", "/v2/x/blobs/{known}0", 400, "DIGEST_INVALID", "known-digest-plus-a-hex"),
    T("GET", "/v2/x/blobs/{known_upper}", 400, "DIGEST_INVALID", "known-digest-upper-hex"),
    T("GET", "/v2/x/blobs/SHA256:{known_hex}", 400, "DIGEST_INVALID", "upper-case-algorithm"),
    T("GET", "/v2/x/blobs/{known}:extra", 400, "DIGEST_INVALID", "digest-with-suffix"),
    T("GET", "/v2/x/blobs/:{known_hex}", 400, "DIGEST_INVALID", "digest-without-algorithm"),
    T("GET", "/v2/x/blobs/sha512:{known_hex}", 400, "DIGEST_INVALID", "sha512-with-64-hex"),
    T("GET", "/v2/x/blobs/sha512:" + "a" * 127, 400, "DIGEST_INVALID", "sha512-127-hex"),
    T("GET", "/v2/x/blobs/sha512:" + "a" * 129, 400, "DIGEST_INVALID", "sha512-129-hex"),
    T("GET", "/v2/x/blobs/sha384:" + "a" * 96, 400, "DIGEST_INVALID", "sha384-unsupported"),
    T("GET", "/v2/x/blobs/md5:" + "0" * 32, 400, "DIGEST_INVALID", "md5"),
    T("GET", "/v2/x/blobs/sha256+b64u:" + "A" * 43, 400, "DIGEST_INVALID", "sha256-b64u"),
    T("DELETE", "/v2/x/blobs/sha256:" + "a" * 63, 400, "DIGEST_INVALID", "delete-sha256-63-hex"),
    T("GET", "/v2/x/referrers/sha256:" + UP6 + "canary", 400, "NAME_INVALID",
      "referrers-digest-dotdot"),
    T("GET", "/v2/x/referrers/md5:" + "0" * 32, 400, "DIGEST_INVALID", "referrers-md5"),
    # upload ids
    T("GET", "/v2/x/blobs/uploads/../../etc", 400, "NAME_INVALID", "upload-uuid-dotdot-etc"),
    T("GET", "/v2/x/blobs/uploads/..", 404, "BLOB_UPLOAD_UNKNOWN", "upload-uuid-dotdot"),
    T("PATCH", "/v2/x/blobs/uploads/%2e%2e", 404, "BLOB_UPLOAD_UNKNOWN", "patch-upload-pct2e",
      b"data"),
    T("DELETE", "/v2/x/blobs/uploads/.", 404, "BLOB_UPLOAD_UNKNOWN", "cancel-upload-dot"),
    T("PUT", "/v2/x/blobs/uploads/" + P6 + "canary?digest={known}", 400, "NAME_INVALID",
      "put-upload-pct2f-dotdot"),
    T("GET", "/v2/x/blobs/uploads/{secret_upload}/../../../secret/app/blobs/uploads/"
      "{secret_upload}", 400, "NAME_INVALID", "upload-uuid-walk-to-other-repo"),
    T("PATCH", "/v2/x/blobs/uploads/{secret_upload}", 404, "BLOB_UPLOAD_UNKNOWN",
      "patch-other-repos-upload", b"appended via x"),
    T("PUT", "/v2/x/blobs/uploads/{secret_upload}?digest={secret}", 404, "BLOB_UPLOAD_UNKNOWN",
      "finish-other-repos-upload"),
    T("GET", "/v2/x/blobs/uploads/" + "a" * 129, 404, "BLOB_UPLOAD_UNKNOWN",
      "upload-uuid-129-chars"),
    # query strings
    T("POST", "/v2/x/blobs/uploads/?digest=sha256:" + UP6 + "canary", 400, "DIGEST_INVALID",
      "post-digest-dotdot", b"data"),
    T("POST", "/v2/x/blobs/uploads/?digest=sha256%3a" + P6 + "canary", 400, "DIGEST_INVALID",
      "post-digest-pct-dotdot", b"data"),
    T("POST", "/v2/x/blobs/uploads/?digest=" + UP6 + "canary", 400, "DIGEST_INVALID",
      "post-digest-path-only", b"data"),
    T("POST", "/v2/x/blobs/uploads/?digest={known}%00", 400, "DIGEST_INVALID",
      "post-digest-nul", b"data", alt=HOST_400),
    T("POST", "/v2/x/blobs/uploads/?mount=sha256:" + UP6 + "canary&from=secret/app", 400,
      "DIGEST_INVALID", "mount-digest-dotdot"),
    T("GET", "/v2/x/blobs/{secret}?from=secret/app", 404, "BLOB_UNKNOWN",
      "blob-get-with-from-query"),
    T("GET", "/v2/x/blobs/{secret}", 404, "BLOB_UNKNOWN", "other-repos-blob-by-digest"),
    T("GET", "/v2/x/manifests/{secret}", 404, "MANIFEST_UNKNOWN", "other-repos-blob-as-manifest"),
    # trailing slashes
    T("GET", "/v2/x/tags/list/", 404, "UNSUPPORTED", "tags-list-trailing-slash"),
    T("GET", "/v2/x/blobs/{known}/", 404, "UNSUPPORTED", "blob-trailing-slash"),
    T("GET", "/v2/x/blobs/", 404, "UNSUPPORTED", "blobs-without-digest"),
    T("GET", "/v2/x/manifests/v1/", 404, "UNSUPPORTED", "manifest-trailing-slash"),
    T("GET", "/v2/x/", 404, "UNSUPPORTED", "name-trailing-slash"),
    # outside /v2/, absolute form
    T("GET", "/../etc/passwd", 404, None, "host-dotdot-etc-passwd"),
    T("GET", "/%2e%2e/%2e%2e/etc/passwd", 404, None, "host-pct2e-dotdot"),
    T("GET", "/v2;/x/blobs/{known}", 404, None, "v2-semicolon"),
    T("GET", "http://127.0.0.1/v2/x/../secret/app/blobs/{secret}", 400, "NAME_INVALID",
      "absolute-form-dotdot"),
    T("HEAD", "/v2/x/blobs/{secret}", 404, None, "head-other-repos-blob"),
    T("HEAD", "/v2/x/%2e%2e/secret/app/blobs/{secret}", 400, None, "head-pct2e-dotdot"),
]


def _fill(world, text):
    values = {
        "known": world.known, "known_hex": world.known.split(":")[1],
        "known_upper": "sha256:" + world.known.split(":")[1].upper(),
        "secret": world.secret, "manifest": world.manifest_digest,
        "secret_upload": world.secret_upload,
    }
    for k, v in values.items():
        text = text.replace("{" + k + "}", v)
    return text


def assert_nothing_leaked(world, r, before):
    for c in world.canaries:
        assert c.content not in r.body, f"canary {c.path} served: {r!r}"
        assert not c.was_read(), f"canary {c.path} was read by wharfd"
    assert world.secret_data not in r.body, f"secret/app's blob served: {r!r}"
    assert b"root:x:0:0" not in r.body, f"/etc/passwd served: {r!r}"
    after = storage_snapshot(world.storage_root)
    assert after == before, f"the storage changed: added {sorted(after - before)[:10]}, " \
                            f"removed {sorted(before - after)[:10]}"


def _outcome(method, r):
    """(status, OCI code or None for the host's own error JSON) of an error answer."""
    if method == "HEAD":
        return r.status, None
    assert r.headers.get("content-type", "").startswith("application/json"), r
    doc = r.json()
    if "errors" in doc:
        return r.status, doc["errors"][0]["code"] if len(doc["errors"]) == 1 else doc["errors"]
    assert "error" in doc, r
    return r.status, None


@pytest.mark.parametrize("method,target,outcomes,body", PATH_TRICKS)
def test_path_trick(world, method, target, outcomes, body):
    target = _fill(world, target)
    body = world.manifest if body == "{mbody}" else body
    headers = ["Content-Type: " + OCI_MANIFEST] if body == world.manifest else []
    before = storage_snapshot(world.storage_root)
    r = raw(world.port, method, target, headers, body)
    what = f"{method} {target[:300]} -> {r!r}"
    assert r.status != 500, what
    assert r.status in [s for s, _ in outcomes], what
    assert _outcome(method, r) in outcomes, what
    assert_nothing_leaked(world, r, before)
    # the registry still serves what it should, and the other repository's upload is intact
    assert requests.get(f"{world.url}/v2/x/blobs/{world.known}", timeout=10).content == \
        world.known_data
    st = requests.get(f"{world.url}/v2/secret/app/blobs/uploads/{world.secret_upload}", timeout=10)
    assert st.status_code == 204 and st.headers["Range"] == f"0-{len(b'secret upload part') - 1}"


@pytest.mark.parametrize("source", [
    "secret/../secret/app", "secret%252fapp", "SECRET/APP", "../secret/app", "secret/app/",
    "secret//app", "secret/app%00", "secret%2f..%2fsecret%2fapp",
], ids=["dotdot", "double-encoded-slash", "upper-case", "leading-dotdot", "trailing-slash",
        "double-slash", "nul", "pct2f-dotdot"])
def test_mount_from_a_tricky_source_mounts_nothing(world, source):
    # ?mount with an unusable `from` falls back to a new upload session (202, OCI spec): the blob
    # of secret/app must not be linked into x. (A host that refuses a decoded NUL outright, 400,
    # is as right.)
    target = f"/v2/x/blobs/uploads/?mount={world.secret}&from={source}"
    r = raw(world.port, "POST", target)
    if "%00" in source and r.status == 400:
        assert requests.head(f"{world.url}/v2/x/blobs/{world.secret}",
                             timeout=10).status_code == 404
        return
    try:
        assert r.status == 202, f"POST {target} -> {r!r}"
        assert r.headers["location"].startswith("/v2/x/blobs/uploads/"), r
        assert requests.head(f"{world.url}/v2/x/blobs/{world.secret}",
                             timeout=10).status_code == 404
        assert requests.delete(world.url + r.headers["location"], timeout=10).status_code == 204
    finally:
        if r.status == 201:  # a wrong mount: unlink it so that the next variants start clean
            requests.delete(f"{world.url}/v2/x/blobs/{world.secret}", timeout=10)
    for c in world.canaries:
        assert not c.was_read(), f"canary {c.path} was read by wharfd"


def test_put_upload_with_tricky_digest_commits_nothing(world):
    r = requests.post(f"{world.url}/v2/x/blobs/uploads/", timeout=10)
    loc = world.url + r.headers["Location"]
    for bad in ("sha256:" + UP6 + "canary", "sha256:..", "../../blobs/" + world.known,
                world.known + "/../" + world.known):
        before = storage_snapshot(world.storage_root)
        r = requests.put(loc, params={"digest": bad}, data=b"content", timeout=10)
        assert r.status_code == 400 and error_codes(r) == ["DIGEST_INVALID"], (bad, r.text)
        assert storage_snapshot(world.storage_root) == before, bad
    assert requests.delete(loc, timeout=10).status_code == 204
    for c in world.canaries:  # stat only: reading them here would move their atime
        assert not c.was_read() and c.path.stat().st_size == len(c.content)


def test_the_canaries_were_watched(world):
    # Not a tautology: the canaries exist where the traversals point, and are armed.
    assert (world.workdir / "canary").exists() and (world.workdir / "etc" / "passwd").exists()
    for c in world.canaries:
        assert not c.was_read(), f"canary {c.path} was read"
    if not world.watch_atime:
        pytest.skip("this file system does not keep atimes: only served content was checked")


# ---- category 2: repository confusion under htpasswd rules ---------------------------------


def _htpasswd(path, users):
    require("htpasswd")
    lines = [subprocess.run(["htpasswd", "-nbB", "-C", "5", u, p], capture_output=True, text=True,
                            check=True).stdout.strip() for u, p in users.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


ALICE = ("alice", "wonderland")
BOB = ("bob", "builder")


@pytest.fixture(scope="module")
def realm(tmp_path_factory):
    """alice may pull, push and delete alice/*, bob bob/*; no anonymous access. alice has
    alice/app:v1 (and a referrer of it) and an open upload session with 10 bytes in it."""
    base = tmp_path_factory.mktemp("realm")
    users = _htpasswd(base / "htpasswd", dict([ALICE, BOB]))
    rules = base / "rules"
    rules.write_text("alice alice/* pull,push,delete\n"
                     "bob   bob/*   pull,push,delete\n")
    w = Wharfd(base / "wharfd", registry={"auth": "users"},
               sections={"plugin.users": {"module": "auth-htpasswd", "file": users,
                                          "rules": rules, "realm": "Wharf Attacks"}})
    w.start()
    alice = requests.Session()
    alice.auth = ALICE
    w.alice = alice
    w.alice_blob_data = b"alice's private layer " + os.urandom(64)
    w.alice_blob = push_blob(w.url, "alice/app", w.alice_blob_data, session=alice)
    w.alice_manifest, w.alice_digest = image(w.url, "alice/app", seed=b"alice", session=alice)
    r = put_manifest(w.url, "alice/app", "v1", w.alice_manifest, session=alice)
    assert r.status_code == 201, r.text
    w.alice_config = json.loads(w.alice_manifest)["config"]
    r = alice.post(f"{w.url}/v2/alice/app/blobs/uploads/", timeout=10)
    assert r.status_code == 202
    w.alice_upload = r.headers["Docker-Upload-UUID"]
    assert alice.patch(w.url + r.headers["Location"], data=b"0123456789",
                       timeout=10).status_code == 202
    empty = b"{}"
    push_blob(w.url, "alice/app", empty, session=alice)
    art = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                      "artifactType": "application/vnd.example.sig",
                      "config": descriptor("application/vnd.oci.empty.v1+json", empty),
                      "layers": [descriptor("application/octet-stream", w.alice_blob_data)],
                      "subject": {"mediaType": OCI_MANIFEST, "digest": w.alice_digest,
                                  "size": len(w.alice_manifest)}}).encode()
    assert put_manifest(w.url, "alice/app", digest(art), art, session=alice).status_code == 201
    bob = requests.Session()
    bob.auth = BOB
    w.bob = bob
    bob_manifest, _ = image(w.url, "bob/app", seed=b"bob", session=bob)
    assert put_manifest(w.url, "bob/app", "v1", bob_manifest, session=bob).status_code == 201
    yield w
    rc = w.stop()
    assert rc == 0, f"wharfd exited with {rc}:\n{w.log_text()}"


def _alice_intact(w):
    """Everything of alice's is where it was, unchanged."""
    a = w.alice
    assert a.get(f"{w.url}/v2/alice/app/blobs/{w.alice_blob}", timeout=10).content == \
        w.alice_blob_data
    r = a.get(f"{w.url}/v2/alice/app/manifests/v1", headers={"Accept": OCI_MANIFEST}, timeout=10)
    assert r.status_code == 200 and r.content == w.alice_manifest
    assert a.get(f"{w.url}/v2/alice/app/tags/list", timeout=10).json()["tags"] == ["v1"]
    st = a.get(f"{w.url}/v2/alice/app/blobs/uploads/{w.alice_upload}", timeout=10)
    assert st.status_code == 204 and st.headers["Range"] == "0-9"


def _bob_has_not(w, d):
    assert w.bob.head(f"{w.url}/v2/bob/app/blobs/{d}", timeout=10).status_code == 404
    assert w.bob.get(f"{w.url}/v2/bob/app/blobs/{d}", timeout=10).status_code == 404


def C(name, method, target, status, code, body=None, user=BOB, headers=()):
    return pytest.param(method, target, status, code, body, user, headers, id=name)


CONFUSION = [
    # alice's blob and manifest through bob's repository
    C("pull-alice-blob-via-bob-repo", "GET", "/v2/bob/app/blobs/{alice_blob}", 404, "BLOB_UNKNOWN"),
    C("head-alice-blob-via-bob-repo", "HEAD", "/v2/bob/app/blobs/{alice_blob}", 404, None),
    C("pull-alice-config-via-bob-repo", "GET", "/v2/bob/app/blobs/{alice_config}", 404,
      "BLOB_UNKNOWN"),
    C("pull-alice-manifest-as-blob-via-bob-repo", "GET", "/v2/bob/app/blobs/{alice_digest}", 404,
      "BLOB_UNKNOWN"),
    C("pull-alice-manifest-via-bob-repo", "GET", "/v2/bob/app/manifests/{alice_digest}", 404,
      "MANIFEST_UNKNOWN"),
    C("delete-alice-blob-via-bob-repo", "DELETE", "/v2/bob/app/blobs/{alice_blob}", 404,
      "BLOB_UNKNOWN"),
    C("delete-alice-manifest-via-bob-repo", "DELETE", "/v2/bob/app/manifests/{alice_digest}", 404,
      "MANIFEST_UNKNOWN"),
    # alice's repository itself
    C("pull-alice-blob", "GET", "/v2/alice/app/blobs/{alice_blob}", 403, "DENIED"),
    C("pull-alice-manifest", "GET", "/v2/alice/app/manifests/v1", 403, "DENIED"),
    C("list-alice-tags", "GET", "/v2/alice/app/tags/list", 403, "DENIED"),
    C("alice-referrers", "GET", "/v2/alice/app/referrers/{alice_digest}", 403, "DENIED"),
    C("catalog", "GET", "/v2/_catalog", 403, "DENIED"),
    C("push-manifest-into-alice", "PUT", "/v2/alice/app/manifests/evil", 403, "DENIED",
      "{alice_manifest}"),
    C("overwrite-alice-tag", "PUT", "/v2/alice/app/manifests/v1", 403, "DENIED", "{bob_manifest}"),
    C("start-upload-in-alice", "POST", "/v2/alice/app/blobs/uploads/", 403, "DENIED"),
    C("monolithic-push-into-alice", "POST", "/v2/alice/new/blobs/uploads/?digest={evil}", 403,
      "DENIED", b"evil"),
    C("delete-alice-tag", "DELETE", "/v2/alice/app/manifests/v1", 403, "DENIED"),
    C("delete-alice-manifest", "DELETE", "/v2/alice/app/manifests/{alice_digest}", 403, "DENIED"),
    C("delete-alice-blob", "DELETE", "/v2/alice/app/blobs/{alice_blob}", 403, "DENIED"),
    # other spellings of alice's repository
    C("case-variant-Alice", "GET", "/v2/Alice/app/tags/list", 400, "NAME_INVALID"),
    C("case-variant-ALICE-APP", "GET", "/v2/ALICE/APP/manifests/v1", 400, "NAME_INVALID"),
    C("case-variant-blob", "GET", "/v2/alicE/app/blobs/{alice_blob}", 400, "NAME_INVALID"),
    C("alice-dotdot-alice", "GET", "/v2/alice/../alice/app/manifests/v1", 400, "NAME_INVALID"),
    C("bob-dotdot-alice", "GET", "/v2/bob/../alice/app/blobs/{alice_blob}", 400, "NAME_INVALID"),
    C("bob-pct-dotdot-alice", "GET", "/v2/bob/%2e%2e/alice/app/tags/list", 400, "NAME_INVALID"),
    C("bob-dotdot-alice-push", "POST", "/v2/bob/../alice/app/blobs/uploads/", 400, "NAME_INVALID"),
    C("encoded-slash-alice-app", "GET", "/v2/alice%2fapp/manifests/v1", 400, "NAME_INVALID"),
    C("encoded-slash-bob-walk", "GET", "/v2/bob%2f..%2falice%2fapp/tags/list", 400, "NAME_INVALID"),
    C("encoded-slash-upper", "GET", "/v2/alice%2Fapp/blobs/{alice_blob}", 400, "NAME_INVALID"),
    C("bob-prefix-alice", "GET", "/v2/bob/alice/app/blobs/{alice_blob}", 404, "BLOB_UNKNOWN"),
    # manifests in bob's repository that reference what he may not pull
    C("manifest-referencing-alice-config", "PUT", "/v2/bob/app/manifests/stolen", 400,
      "MANIFEST_BLOB_UNKNOWN", "{stolen_manifest}"),
    C("alice-manifest-by-its-digest-into-bob", "PUT", "/v2/bob/app/manifests/{alice_digest}", 400,
      "MANIFEST_BLOB_UNKNOWN", "{alice_manifest}"),
    C("index-referencing-alice-manifest", "PUT", "/v2/bob/app/manifests/stolen-index", 400,
      "MANIFEST_BLOB_UNKNOWN", "{stolen_index}"),
    # alice's upload session
    C("patch-alice-upload-via-bob-repo", "PATCH", "/v2/bob/app/blobs/uploads/{alice_upload}", 404,
      "BLOB_UPLOAD_UNKNOWN", b"bob's bytes"),
    C("status-alice-upload-via-bob-repo", "GET", "/v2/bob/app/blobs/uploads/{alice_upload}", 404,
      "BLOB_UPLOAD_UNKNOWN"),
    C("finish-alice-upload-via-bob-repo", "PUT",
      "/v2/bob/app/blobs/uploads/{alice_upload}?digest={alice_upload_digest}", 404,
      "BLOB_UPLOAD_UNKNOWN"),
    C("cancel-alice-upload-via-bob-repo", "DELETE", "/v2/bob/app/blobs/uploads/{alice_upload}", 404,
      "BLOB_UPLOAD_UNKNOWN"),
    C("patch-alice-upload-in-alice-repo", "PATCH", "/v2/alice/app/blobs/uploads/{alice_upload}",
      403, "DENIED", b"bob's bytes"),
    C("cancel-alice-upload-in-alice-repo", "DELETE", "/v2/alice/app/blobs/uploads/{alice_upload}",
      403, "DENIED"),
    # credentials
    C("alice-name-bob-password", "GET", "/v2/alice/app/tags/list", 401, "UNAUTHORIZED",
      user=("alice", "builder")),
    C("anonymous", "GET", "/v2/alice/app/blobs/{alice_blob}", 401, "UNAUTHORIZED", user=None),
    C("upper-case-username", "GET", "/v2/alice/app/tags/list", 401, "UNAUTHORIZED",
      user=("Alice", "wonderland")),
]


def _confusion_values(w):
    stolen = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                         "config": w.alice_config, "layers": []}).encode()
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": w.alice_digest, "size": len(w.alice_manifest)}]}
    ).encode()
    bob_manifest = w.bob.get(f"{w.url}/v2/bob/app/manifests/v1", headers={"Accept": OCI_MANIFEST},
                             timeout=10).content
    return {
        "alice_blob": w.alice_blob, "alice_config": w.alice_config["digest"],
        "alice_digest": w.alice_digest, "alice_upload": w.alice_upload,
        "alice_upload_digest": digest(b"0123456789"), "evil": digest(b"evil"),
    }, {"{alice_manifest}": (w.alice_manifest, OCI_MANIFEST),
        "{bob_manifest}": (bob_manifest, OCI_MANIFEST),
        "{stolen_manifest}": (stolen, OCI_MANIFEST), "{stolen_index}": (index, OCI_INDEX)}


@pytest.mark.parametrize("method,target,status,code,body,user,headers", CONFUSION)
def test_repository_confusion(realm, method, target, status, code, body, user, headers):
    w = realm
    values, bodies = _confusion_values(w)
    for k, v in values.items():
        target = target.replace("{" + k + "}", v)
    hdrs = list(headers)
    if user:
        hdrs.append(basic(*user))
    if body in bodies:
        body, media = bodies[body]
        hdrs.append("Content-Type: " + media)
    r = raw(w.port, method, target, hdrs, body or b"")
    assert r.status != 500, f"{method} {target} -> {r!r}"
    assert r.status == status, f"{method} {target} -> {r!r}"
    if method != "HEAD":
        assert r.codes() == [code], f"{method} {target} -> {r!r}"
    if status == 401:
        assert r.headers["www-authenticate"] == 'Basic realm="Wharf Attacks"', r
    assert w.alice_blob_data not in r.body and w.alice_manifest not in r.body, r
    _alice_intact(w)
    # what bob tried to take is not his now
    for d in (w.alice_blob, w.alice_config["digest"], w.alice_digest):
        _bob_has_not(w, d)
    assert w.bob.get(f"{w.url}/v2/bob/app/tags/list", timeout=10).json()["tags"] == ["v1"]


@pytest.mark.parametrize("source", ["alice/app", "alice%2fapp", "ALICE/app", "bob/../alice/app",
                                    "alice/app/", "bob/app/../../alice/app"],
                         ids=["plain", "pct2f", "upper-case", "bob-dotdot", "trailing-slash",
                              "deep-dotdot"])
def test_mount_from_alice_without_pull_on_it(realm, source):
    # No pull on the source: no mount, a new upload session in bob's repository (202).
    w = realm
    r = raw(w.port, "POST", f"/v2/bob/app/blobs/uploads/?mount={w.alice_blob}&from={source}",
            [basic(*BOB)])
    assert r.status == 202, r
    assert r.headers["location"].startswith("/v2/bob/app/blobs/uploads/"), r
    _bob_has_not(w, w.alice_blob)
    assert w.bob.delete(w.url + r.headers["location"], timeout=10).status_code == 204
    _alice_intact(w)


def test_referrers_of_alice_subject_via_bob_repo_list_nothing(realm):
    # The referrers API of bob's repository answers from bob's revisions only: an empty index.
    w = realm
    r = w.bob.get(f"{w.url}/v2/bob/app/referrers/{w.alice_digest}", timeout=10)
    assert r.status_code == 200 and r.json()["manifests"] == [], r.text
    r = w.alice.get(f"{w.url}/v2/alice/app/referrers/{w.alice_digest}", timeout=10)
    assert len(r.json()["manifests"]) == 1  # the referrer is there, for alice


def test_bob_pushing_the_same_bytes_gets_his_own_link_only(realm):
    # Content-addressed storage is shared, links are not: pushing bytes equal to alice's blob
    # gives bob his copy, and deleting it leaves alice's intact.
    w = realm
    d = push_blob(w.url, "bob/app", w.alice_blob_data, session=w.bob)
    assert d == w.alice_blob
    assert w.bob.get(f"{w.url}/v2/bob/app/blobs/{d}", timeout=10).content == w.alice_blob_data
    assert w.bob.delete(f"{w.url}/v2/bob/app/blobs/{d}", timeout=10).status_code == 202
    _bob_has_not(w, d)
    _alice_intact(w)
    assert hashlib.sha256(w.alice_blob_data).hexdigest() == d.split(":")[1]
