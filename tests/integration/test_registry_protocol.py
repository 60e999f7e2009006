"""OCI Distribution v1.1 protocol tests, written from the spec: every endpoint, header and error
code of the registry plugin, against a real wharfd over storage-fs."""

import hashlib
import json
import os
import re

import pytest
import requests

from oci import (DOCKER_LIST, DOCKER_MANIFEST, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, descriptor,
                 digest, error_codes, image, push_blob, put_manifest)


def test_base_endpoint(registry):
    r = requests.get(f"{registry.url}/v2/")
    assert r.status_code == 200
    assert r.headers["Docker-Distribution-Api-Version"] == "registry/2.0"


# ---- blobs ----------------------------------------------------------------------------------


def test_monolithic_post_with_digest_and_get(registry):
    data = os.urandom(5000)
    d = digest(data)
    r = requests.post(f"{registry.url}/v2/proto/mono/blobs/uploads/", params={"digest": d},
                      data=data)
    assert r.status_code == 201
    assert r.headers["Location"].endswith(f"/v2/proto/mono/blobs/{d}")
    assert r.headers["Docker-Content-Digest"] == d
    r = requests.get(f"{registry.url}/v2/proto/mono/blobs/{d}")
    assert r.status_code == 200 and r.content == data
    assert r.headers["Docker-Content-Digest"] == d
    assert r.headers["Content-Length"] == str(len(data))
    assert r.headers["ETag"] == f'"{d}"'
    r = requests.head(f"{registry.url}/v2/proto/mono/blobs/{d}")
    assert r.status_code == 200 and r.headers["Content-Length"] == str(len(data))
    assert r.content == b""


def test_post_then_put(registry):
    data = b"post-then-put" * 100
    d = digest(data)
    r = requests.post(f"{registry.url}/v2/proto/pp/blobs/uploads/")
    assert r.status_code == 202
    loc = r.headers["Location"]
    assert r.headers["Docker-Upload-UUID"]
    assert r.headers["Range"] == "0-0"
    r = requests.put(registry.url + loc, params={"digest": d}, data=data,
                     headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    assert requests.get(f"{registry.url}/v2/proto/pp/blobs/{d}").content == data


def test_chunked_upload_with_status_and_out_of_order(registry):
    data = os.urandom(300_000)
    d = digest(data)
    r = requests.post(f"{registry.url}/v2/proto/chunked/blobs/uploads/")
    loc = registry.url + r.headers["Location"]
    chunks = [data[:100_000], data[100_000:250_000], data[250_000:]]
    start = 0
    for i, c in enumerate(chunks):
        end = start + len(c) - 1
        r = requests.patch(loc, data=c, headers={"Content-Range": f"{start}-{end}",
                                                 "Content-Type": "application/octet-stream"})
        assert r.status_code == 202, r.text
        assert r.headers["Range"] == f"0-{end}"
        loc = registry.url + r.headers["Location"] if r.headers["Location"].startswith("/") \
            else r.headers["Location"]
        start = end + 1
        if i == 0:
            # out of order: a chunk that does not start at the current end
            bad = requests.patch(loc, data=b"x" * 10, headers={"Content-Range": "5-14"})
            assert bad.status_code == 416
            assert bad.headers["Range"] == f"0-{end}"
            status = requests.get(loc)
            assert status.status_code == 204
            assert status.headers["Range"] == f"0-{end}"
            assert status.headers["Docker-Upload-UUID"]
    r = requests.put(loc, params={"digest": d})
    assert r.status_code == 201, r.text
    got = requests.get(f"{registry.url}/v2/proto/chunked/blobs/{d}")
    assert got.content == data


def _storage_calls(registry):
    """Storage calls the registry made so far, by action (registry_storage_action_seconds)."""
    text = requests.get(registry.metrics_url, timeout=5).text
    calls = {}
    for m in re.finditer(r'^registry_storage_action_seconds_count\{([^}]*)\} (\S+)$', text, re.M):
        action = re.search(r'action="([^"]*)"', m.group(1)).group(1)
        calls[action] = calls.get(action, 0) + float(m.group(2))
    return calls


def test_a_patch_costs_the_same_storage_calls_however_many_parts_came_before(registry):
    r = requests.post(f"{registry.url}/v2/proto/manyparts/blobs/uploads/")
    loc = registry.url + r.headers["Location"]
    data = os.urandom(40 * 1000)
    cost = []
    for i in range(40):
        before = _storage_calls(registry)
        chunk = data[i * 1000:(i + 1) * 1000]
        r = requests.patch(loc, data=chunk, headers={"Content-Range": f"{i * 1000}-{i * 1000 + 999}",
                                                     "Content-Type": "application/octet-stream"})
        assert r.status_code == 202, r.text
        after = _storage_calls(registry)
        cost.append(sum(after.values()) - sum(before.values()))
    assert cost[-1] == cost[2], f"storage calls per PATCH grew with the parts before it: {cost}"
    r = requests.put(loc, params={"digest": digest(data)})
    assert r.status_code == 201, r.text


def test_streamed_patch_without_content_range(registry):
    data = os.urandom(2_000_000)
    d = digest(data)
    r = requests.post(f"{registry.url}/v2/proto/stream/blobs/uploads/")
    loc = registry.url + r.headers["Location"]

    def gen():
        for i in range(0, len(data), 65536):
            yield data[i:i + 65536]

    r = requests.patch(loc, data=gen())  # chunked transfer encoding
    assert r.status_code == 202
    assert r.headers["Range"] == f"0-{len(data) - 1}"
    r = requests.put(registry.url + r.headers["Location"], params={"digest": d})
    assert r.status_code == 201
    assert hashlib.sha256(requests.get(f"{registry.url}/v2/proto/stream/blobs/{d}").content
                          ).hexdigest() == d.split(":")[1]


def test_sha512_blob(registry):
    data = os.urandom(10_000)
    d = digest(data, "sha512")
    r = requests.post(f"{registry.url}/v2/proto/sha512/blobs/uploads/", params={"digest": d},
                      data=data)
    assert r.status_code == 201, r.text
    assert requests.get(f"{registry.url}/v2/proto/sha512/blobs/{d}").content == data
    # chunked with sha512 only known at the end: re-hashed at PUT
    r = requests.post(f"{registry.url}/v2/proto/sha512/blobs/uploads/")
    loc = registry.url + r.headers["Location"]
    data2 = os.urandom(10_000)
    r = requests.patch(loc, data=data2)
    r = requests.put(registry.url + r.headers["Location"], params={"digest": digest(data2, "sha512")})
    assert r.status_code == 201, r.text


def test_wrong_digest_at_put_commits_nothing(registry):
    data = b"the real content"
    wrong = digest(b"something else")
    r = requests.post(f"{registry.url}/v2/proto/wrong/blobs/uploads/")
    loc = registry.url + r.headers["Location"]
    r = requests.put(loc, params={"digest": wrong}, data=data)
    assert r.status_code == 400
    assert error_codes(r) == ["DIGEST_INVALID"]
    assert requests.head(f"{registry.url}/v2/proto/wrong/blobs/{wrong}").status_code == 404
    assert requests.head(f"{registry.url}/v2/proto/wrong/blobs/{digest(data)}").status_code == 404
    hexes = [p.name for p in (registry.storage_root / "docker/registry/v2/blobs/sha256").glob("*/*")]
    assert wrong.split(":")[1] not in hexes and digest(data).split(":")[1] not in hexes
    # the upload is gone
    assert requests.get(loc).status_code == 404


def test_range_requests(registry):
    data = bytes(range(256)) * 40
    d = push_blob(registry.url, "proto/range", data)
    url = f"{registry.url}/v2/proto/range/blobs/{d}"
    r = requests.get(url, headers={"Range": "bytes=10-19"})
    assert r.status_code == 206 and r.content == data[10:20]
    assert r.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    r = requests.get(url, headers={"Range": "bytes=-5"})
    assert r.status_code == 206 and r.content == data[-5:]
    r = requests.get(url, headers={"Range": f"bytes={len(data) - 3}-"})
    assert r.status_code == 206 and r.content == data[-3:]
    r = requests.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert r.status_code == 416
    assert r.headers["Content-Range"] == f"bytes */{len(data)}"
    r = requests.get(url, headers={"If-None-Match": f'"{d}"'})
    assert r.status_code == 304 and r.content == b""


def test_blob_errors(registry):
    unknown = digest(b"never pushed")
    r = requests.get(f"{registry.url}/v2/proto/err/blobs/{unknown}")
    assert r.status_code == 404 and error_codes(r) == ["BLOB_UNKNOWN"]
    for bad in ("sha256:abc", "sha256:" + "A" * 64, "md5:" + "0" * 32, "nodigest"):
        r = requests.get(f"{registry.url}/v2/proto/err/blobs/{bad}")
        assert r.status_code == 400 and error_codes(r) == ["DIGEST_INVALID"], bad
    r = requests.post(f"{registry.url}/v2/proto/err/blobs/uploads/", params={"digest": "sha256:zz"},
                      data=b"x")
    assert r.status_code == 400 and error_codes(r) == ["DIGEST_INVALID"]
    r = requests.patch(f"{registry.url}/v2/proto/err/blobs/uploads/" + "0" * 36, data=b"x")
    assert r.status_code == 404 and error_codes(r) == ["BLOB_UPLOAD_UNKNOWN"]
    r = requests.get(f"{registry.url}/v2/proto/err/blobs/uploads/nope")
    assert r.status_code == 404 and error_codes(r) == ["BLOB_UPLOAD_UNKNOWN"]
    # a blob of another repository is not visible here
    d = push_blob(registry.url, "proto/other", b"other repo blob")
    assert requests.head(f"{registry.url}/v2/proto/err/blobs/{d}").status_code == 404


def test_cancel_upload(registry):
    r = requests.post(f"{registry.url}/v2/proto/cancel/blobs/uploads/")
    loc = registry.url + r.headers["Location"]
    requests.patch(loc, data=b"abc")
    assert requests.delete(loc).status_code == 204
    assert requests.get(loc).status_code == 404
    assert requests.delete(loc).status_code == 404


def test_cross_repo_mount(registry):
    data = os.urandom(1000)
    d = push_blob(registry.url, "proto/mount-src", data)
    r = requests.post(f"{registry.url}/v2/proto/mount-dst/blobs/uploads/",
                      params={"mount": d, "from": "proto/mount-src"})
    assert r.status_code == 201
    assert r.headers["Location"].endswith(f"/v2/proto/mount-dst/blobs/{d}")
    assert requests.get(f"{registry.url}/v2/proto/mount-dst/blobs/{d}").content == data
    # unknown source blob: falls back to a new upload session
    r = requests.post(f"{registry.url}/v2/proto/mount-dst/blobs/uploads/",
                      params={"mount": digest(b"nope"), "from": "proto/mount-src"})
    assert r.status_code == 202 and "/blobs/uploads/" in r.headers["Location"]


def test_blob_delete(registry):
    d = push_blob(registry.url, "proto/bdel", b"delete me")
    r = requests.delete(f"{registry.url}/v2/proto/bdel/blobs/{d}")
    assert r.status_code == 202
    assert requests.head(f"{registry.url}/v2/proto/bdel/blobs/{d}").status_code == 404
    r = requests.delete(f"{registry.url}/v2/proto/bdel/blobs/{d}")
    assert r.status_code == 404 and error_codes(r) == ["BLOB_UNKNOWN"]


# ---- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/v2/UPPER/tags/list",
    "/v2/a/../b/tags/list",
    "/v2/a/%2e%2e/b/tags/list",
    "/v2/%2e%2e/tags/list",
    "/v2/a//b/tags/list",
    "/v2/-a/tags/list",
    "/v2/a_/tags/list",
    "/v2/a%2fb/tags/list",
    "/v2/" + "a" * 256 + "/tags/list",
    "/v2/" + "/".join(["abcdefgh"] * 30) + "/manifests/latest",
])
def test_invalid_names(registry, path):
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", registry.port, timeout=10)
    conn.request("GET", path)
    r = conn.getresponse()
    body = r.read()
    assert r.status == 400, (path, r.status, body)
    assert json.loads(body)["errors"][0]["code"] == "NAME_INVALID"


@pytest.mark.parametrize("name", ["a", "a/b", "a-b", "a--b", "a.b", "a_b", "a__b", "0/1/2",
                                  "x" * 200])
def test_valid_names(registry, name):
    d = push_blob(registry.url, name, b"valid name " + name.encode())
    assert requests.head(f"{registry.url}/v2/{name}/blobs/{d}").status_code == 200


def test_names_that_contain_endpoint_words(registry):
    d = push_blob(registry.url, "x/blobs/manifests/tags", b"tricky")
    assert requests.get(f"{registry.url}/v2/x/blobs/manifests/tags/blobs/{d}").content == b"tricky"


# ---- manifests ------------------------------------------------------------------------------


def test_manifest_put_get_head_by_tag_and_digest(registry):
    body, d = image(registry.url, "proto/man", layers=2)
    r = put_manifest(registry.url, "proto/man", "v1", body)
    assert r.status_code == 201, r.text
    assert r.headers["Docker-Content-Digest"] == d
    assert r.headers["Location"].endswith(f"/v2/proto/man/manifests/{d}")
    for ref in ("v1", d):
        g = requests.get(f"{registry.url}/v2/proto/man/manifests/{ref}",
                         headers={"Accept": OCI_MANIFEST})
        assert g.status_code == 200
        assert g.content == body  # byte-exact
        assert g.headers["Content-Type"] == OCI_MANIFEST
        assert g.headers["Docker-Content-Digest"] == d
        h = requests.head(f"{registry.url}/v2/proto/man/manifests/{ref}")
        assert h.status_code == 200 and h.headers["Content-Length"] == str(len(body))
        assert h.headers["Docker-Content-Digest"] == d
    r = requests.get(f"{registry.url}/v2/proto/man/manifests/v1",
                     headers={"If-None-Match": f'"{d}"'})
    assert r.status_code == 304


def test_manifest_byte_exact_with_odd_formatting(registry):
    body, _ = image(registry.url, "proto/exact")
    odd = json.dumps(json.loads(body), indent=7, sort_keys=True).encode() + b"\n\n"
    r = put_manifest(registry.url, "proto/exact", "odd", odd)
    assert r.status_code == 201
    assert r.headers["Docker-Content-Digest"] == digest(odd)
    assert requests.get(f"{registry.url}/v2/proto/exact/manifests/odd").content == odd


def test_manifest_put_by_digest_and_mismatch(registry):
    body, d = image(registry.url, "proto/bydigest")
    assert put_manifest(registry.url, "proto/bydigest", d, body).status_code == 201
    r = put_manifest(registry.url, "proto/bydigest", digest(b"other"), body)
    assert r.status_code == 400 and error_codes(r) == ["DIGEST_INVALID"]
    r = put_manifest(registry.url, "proto/bydigest", "bad:tag", body)
    assert r.status_code == 400


def test_manifest_unknown_blob(registry):
    body = json.dumps({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": descriptor("application/vnd.oci.image.config.v1+json", b"missing config"),
        "layers": [],
    }).encode()
    r = put_manifest(registry.url, "proto/mbu", "t", body)
    assert r.status_code == 400 and error_codes(r) == ["MANIFEST_BLOB_UNKNOWN"]
    assert requests.get(f"{registry.url}/v2/proto/mbu/manifests/t").status_code == 404


@pytest.mark.parametrize("body,ctype", [
    (b"not json", OCI_MANIFEST),
    (b'{"schemaVersion": 1}', OCI_MANIFEST),
    (b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json"}',
     OCI_MANIFEST),
    (b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",'
     b' "manifests": [{"digest": "sha256:1", "size": 1}]}', OCI_INDEX),
    (b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",'
     b' "manifests": []}', OCI_MANIFEST),
])
def test_manifest_invalid(registry, body, ctype):
    r = put_manifest(registry.url, "proto/minv", "t", body, media=ctype)
    assert r.status_code == 400 and error_codes(r) == ["MANIFEST_INVALID"], r.text


def test_manifest_too_large(registry):
    big = b'{"schemaVersion":2,"pad":"' + b"x" * (4 * 1024 * 1024 + 10) + b'"}'
    r = put_manifest(registry.url, "proto/big", "t", big)
    assert r.status_code == 413


def test_manifest_unknown_and_name_unknown(registry):
    r = requests.get(f"{registry.url}/v2/proto/nothing-here/manifests/latest")
    assert r.status_code == 404 and error_codes(r) == ["MANIFEST_UNKNOWN"]
    r = requests.get(f"{registry.url}/v2/proto/nothing-here/tags/list")
    assert r.status_code == 404 and error_codes(r) == ["NAME_UNKNOWN"]


def test_docker_schema2_and_manifest_list(registry):
    repo = "proto/docker"
    amd, amd_d = image(registry.url, repo, media=DOCKER_MANIFEST, seed=b"amd64")
    arm, arm_d = image(registry.url, repo, media=DOCKER_MANIFEST, seed=b"arm64")
    assert put_manifest(registry.url, repo, amd_d, amd, DOCKER_MANIFEST).status_code == 201
    assert put_manifest(registry.url, repo, arm_d, arm, DOCKER_MANIFEST).status_code == 201
    lst = json.dumps({
        "schemaVersion": 2, "mediaType": DOCKER_LIST,
        "manifests": [
            {"mediaType": DOCKER_MANIFEST, "digest": amd_d, "size": len(amd),
             "platform": {"os": "linux", "architecture": "amd64"}},
            {"mediaType": DOCKER_MANIFEST, "digest": arm_d, "size": len(arm),
             "platform": {"os": "linux", "architecture": "arm64"}},
        ]}).encode()
    r = put_manifest(registry.url, repo, "multi", lst, DOCKER_LIST)
    assert r.status_code == 201, r.text
    r = requests.get(f"{registry.url}/v2/{repo}/manifests/multi",
                     headers={"Accept": f"{DOCKER_LIST}, {DOCKER_MANIFEST}"})
    assert r.content == lst and r.headers["Content-Type"] == DOCKER_LIST
    # a client that only takes single manifests gets the linux/amd64 one (as distribution does)
    r = requests.get(f"{registry.url}/v2/{repo}/manifests/multi",
                     headers={"Accept": DOCKER_MANIFEST})
    assert r.status_code == 200 and r.content == amd
    assert r.headers["Docker-Content-Digest"] == amd_d
    # an index referencing an unknown manifest
    bad = json.dumps({"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": [
        {"mediaType": DOCKER_MANIFEST, "digest": digest(b"x"), "size": 1}]}).encode()
    r = put_manifest(registry.url, repo, "bad", bad, DOCKER_LIST)
    assert r.status_code == 400 and error_codes(r) == ["MANIFEST_BLOB_UNKNOWN"]


def test_oci_manifest_not_accepted_is_unknown(registry):
    body, d = image(registry.url, "proto/accept")
    put_manifest(registry.url, "proto/accept", "t", body)
    r = requests.get(f"{registry.url}/v2/proto/accept/manifests/t",
                     headers={"Accept": DOCKER_MANIFEST})
    assert r.status_code == 404 and error_codes(r) == ["MANIFEST_UNKNOWN"]
    r = requests.get(f"{registry.url}/v2/proto/accept/manifests/t", headers={"Accept": "*/*"})
    assert r.status_code == 200


def test_manifest_and_tag_delete(registry):
    repo = "proto/mdel"
    body, d = image(registry.url, repo)
    put_manifest(registry.url, repo, "a", body)
    put_manifest(registry.url, repo, "b", body)
    # tag delete removes only that tag
    assert requests.delete(f"{registry.url}/v2/{repo}/manifests/a").status_code == 202
    assert requests.get(f"{registry.url}/v2/{repo}/manifests/a").status_code == 404
    assert requests.get(f"{registry.url}/v2/{repo}/manifests/b").status_code == 200
    # digest delete removes the manifest and the tags pointing to it
    assert requests.delete(f"{registry.url}/v2/{repo}/manifests/{d}").status_code == 202
    assert requests.get(f"{registry.url}/v2/{repo}/manifests/{d}").status_code == 404
    assert requests.get(f"{registry.url}/v2/{repo}/manifests/b").status_code == 404
    r = requests.delete(f"{registry.url}/v2/{repo}/manifests/{d}")
    assert r.status_code == 404 and error_codes(r) == ["MANIFEST_UNKNOWN"]


# ---- tags and catalog -----------------------------------------------------------------------


def test_tags_list_paging(registry):
    repo = "proto/tags"
    body, _ = image(registry.url, repo)
    tags = sorted(["v1", "v2", "v10", "latest", "a", "Z", "_x"])
    for t in tags:
        assert put_manifest(registry.url, repo, t, body).status_code == 201
    r = requests.get(f"{registry.url}/v2/{repo}/tags/list")
    assert r.json() == {"name": repo, "tags": tags}
    assert "Link" not in r.headers
    got, url = [], f"{registry.url}/v2/{repo}/tags/list?n=3"
    while url:
        r = requests.get(url)
        assert r.status_code == 200
        page = r.json()["tags"]
        assert len(page) <= 3
        got += page
        link = r.headers.get("Link")
        url = registry.url + link[1:link.index(">")] if link else None
        if link:
            assert link.endswith('rel="next"')
    assert got == tags
    r = requests.get(f"{registry.url}/v2/{repo}/tags/list", params={"n": 2, "last": "latest"})
    assert r.json()["tags"] == [t for t in tags if t > "latest"][:2]
    r = requests.get(f"{registry.url}/v2/{repo}/tags/list", params={"n": 0})
    assert r.json()["tags"] == []
    r = requests.get(f"{registry.url}/v2/{repo}/tags/list", params={"n": "x"})
    assert r.status_code == 400 and error_codes(r) == ["PAGINATION_NUMBER_INVALID"]
    r = requests.get(f"{registry.url}/v2/{repo}/tags/list", params={"n": "-1"})
    assert r.status_code == 400


def test_catalog_paging(registry):
    for i in range(5):
        body, _ = image(registry.url, f"cat/r{i}")
        put_manifest(registry.url, f"cat/r{i}", "t", body)
    all_repos = requests.get(f"{registry.url}/v2/_catalog").json()["repositories"]
    assert all_repos == sorted(all_repos)
    assert {f"cat/r{i}" for i in range(5)} <= set(all_repos)
    got, url = [], f"{registry.url}/v2/_catalog?n=2"
    while url:
        r = requests.get(url)
        got += r.json()["repositories"]
        link = r.headers.get("Link")
        url = registry.url + link[1:link.index(">")] if link else None
    assert got == all_repos


# ---- referrers ------------------------------------------------------------------------------


def test_referrers_and_subject(registry):
    repo = "proto/refs"
    body, subject = image(registry.url, repo)
    put_manifest(registry.url, repo, "img", body)
    empty = b"{}"
    push_blob(registry.url, repo, empty)
    sig = os.urandom(100)
    push_blob(registry.url, repo, sig)
    refs = {}
    for at in ("application/vnd.example.sig", "application/vnd.example.sbom"):
        art = json.dumps({
            "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": at,
            "config": descriptor(OCI_EMPTY, empty),
            "layers": [descriptor("application/octet-stream", sig)],
            "subject": {"mediaType": OCI_MANIFEST, "digest": subject, "size": len(body)},
            "annotations": {"org.example.kind": at.rsplit(".", 1)[1]},
        }).encode()
        r = put_manifest(registry.url, repo, digest(art), art)
        assert r.status_code == 201, r.text
        assert r.headers["OCI-Subject"] == subject
        refs[at] = (digest(art), len(art))
    r = requests.get(f"{registry.url}/v2/{repo}/referrers/{subject}")
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith(OCI_INDEX)
    idx = r.json()
    assert idx["mediaType"] == OCI_INDEX and idx["schemaVersion"] == 2
    got = {m["artifactType"]: (m["digest"], m["size"]) for m in idx["manifests"]}
    assert got == refs
    for m in idx["manifests"]:
        assert m["mediaType"] == OCI_MANIFEST
        assert m["annotations"]["org.example.kind"] in ("sig", "sbom")
    r = requests.get(f"{registry.url}/v2/{repo}/referrers/{subject}",
                     params={"artifactType": "application/vnd.example.sbom"})
    assert r.headers["OCI-Filters-Applied"] == "artifactType"
    assert [m["digest"] for m in r.json()["manifests"]] == [refs["application/vnd.example.sbom"][0]]
    # a subject without referrers, and one that does not exist: an empty index
    r = requests.get(f"{registry.url}/v2/{repo}/referrers/{digest(b'none')}")
    assert r.status_code == 200 and r.json()["manifests"] == []
    r = requests.get(f"{registry.url}/v2/{repo}/referrers/sha256:bad")
    assert r.status_code == 400 and error_codes(r) == ["DIGEST_INVALID"]


def test_oci_index_with_artifact_type(registry):
    repo = "proto/index"
    a, ad = image(registry.url, repo, seed=b"a")
    put_manifest(registry.url, repo, ad, a)
    idx = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX,
                      "artifactType": "application/vnd.example.bundle",
                      "manifests": [{"mediaType": OCI_MANIFEST, "digest": ad, "size": len(a),
                                     "platform": {"os": "linux", "architecture": "amd64"}}]}
                     ).encode()
    r = put_manifest(registry.url, repo, "idx", idx, OCI_INDEX)
    assert r.status_code == 201, r.text
    r = requests.get(f"{registry.url}/v2/{repo}/manifests/idx", headers={"Accept": OCI_INDEX})
    assert r.content == idx and r.headers["Content-Type"] == OCI_INDEX


# ---- methods and routes ---------------------------------------------------------------------


def test_unsupported_method_and_route(registry):
    r = requests.post(f"{registry.url}/v2/proto/x/manifests/latest")
    assert r.status_code == 405 and error_codes(r) == ["UNSUPPORTED"]
    r = requests.get(f"{registry.url}/v2/proto/x/unknown-endpoint")
    assert r.status_code == 404
    assert r.headers["Docker-Distribution-Api-Version"] == "registry/2.0"


def test_metrics_exposed(registry):
    requests.get(f"{registry.url}/v2/")
    text = requests.get(registry.metrics_url).text
    assert "registry_http_requests_total" in text
    assert "registry_storage_action_seconds" in text
    assert "wharf_registry_bytes_pushed_total" in text
