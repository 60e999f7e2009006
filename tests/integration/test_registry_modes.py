"""Configuration-dependent behaviour: deletes disabled, read-only mode, manifest size limit,
stale upload purge, and uploads that survive a restart (their hash state is rebuilt)."""

import os
import time

import requests

from oci import digest, error_codes, image, push_blob, put_manifest


def test_deletes_disabled_by_default(wharfd_factory):
    w = wharfd_factory(registry={"delete": "false"})
    body, d = image(w.url, "modes/nodelete")
    put_manifest(w.url, "modes/nodelete", "v1", body)
    blob = push_blob(w.url, "modes/nodelete", b"keep me")
    for url in (f"/v2/modes/nodelete/manifests/{d}", "/v2/modes/nodelete/manifests/v1",
                f"/v2/modes/nodelete/blobs/{blob}"):
        r = requests.delete(w.url + url)
        assert r.status_code == 405 and error_codes(r) == ["UNSUPPORTED"], url
    assert requests.get(f"{w.url}/v2/modes/nodelete/manifests/v1").status_code == 200
    # cancelling an upload is not a delete
    r = requests.post(f"{w.url}/v2/modes/nodelete/blobs/uploads/")
    assert requests.delete(w.url + r.headers["Location"]).status_code == 204


def test_read_only(wharfd_factory, tmp_path):
    storage = tmp_path / "shared"
    w = wharfd_factory("writer", storage_root=storage)
    body, d = image(w.url, "modes/ro")
    put_manifest(w.url, "modes/ro", "v1", body)
    assert w.stop() == 0
    ro = wharfd_factory("reader", storage_root=storage, registry={"read_only": "true"})
    assert requests.get(f"{ro.url}/v2/modes/ro/manifests/v1").content == body
    r = requests.post(f"{ro.url}/v2/modes/ro/blobs/uploads/")
    assert r.status_code == 405 and error_codes(r) == ["UNSUPPORTED"]
    r = put_manifest(ro.url, "modes/ro", "v2", body)
    assert r.status_code == 405
    assert requests.delete(f"{ro.url}/v2/modes/ro/manifests/{d}").status_code == 405


def test_manifest_size_limit(wharfd_factory):
    w = wharfd_factory(registry={"max_manifest_bytes": "1K"})
    body, _ = image(w.url, "modes/limit")
    assert len(body) < 1024
    assert put_manifest(w.url, "modes/limit", "small", body).status_code == 201
    padded = body[:-1] + b', "annotations": {"pad": "' + b"x" * 2000 + b'"}}'
    assert put_manifest(w.url, "modes/limit", "big", padded).status_code == 413


def test_sha512_manifest(registry):
    body, _ = image(registry.url, "modes/sha512")
    d = digest(body, "sha512")
    r = put_manifest(registry.url, "modes/sha512", d, body)
    assert r.status_code == 201 and r.headers["Docker-Content-Digest"] == d
    assert requests.get(f"{registry.url}/v2/modes/sha512/manifests/{d}").content == body


def test_stale_uploads_are_purged(wharfd_factory):
    w = wharfd_factory(registry={"upload_purge_age": "1s", "upload_purge_interval": "1s"})
    r = requests.post(f"{w.url}/v2/modes/purge/blobs/uploads/")
    loc = w.url + r.headers["Location"]
    requests.patch(loc, data=b"partial")
    uploads = w.storage_root / "docker/registry/v2/repositories/modes/purge/_uploads"
    assert any(uploads.iterdir())
    deadline = time.time() + 75  # the first purge runs within a minute of start
    while time.time() < deadline and uploads.exists() and any(uploads.iterdir()):
        time.sleep(0.5)
    assert not uploads.exists() or not any(uploads.iterdir())
    assert requests.get(loc).status_code == 404


def test_upload_survives_restart(wharfd_factory):
    w = wharfd_factory()
    data = os.urandom(700_000)
    d = digest(data)
    r = requests.post(f"{w.url}/v2/modes/resume/blobs/uploads/")
    r = requests.patch(w.url + r.headers["Location"], data=data[:300_000],
                       headers={"Content-Range": "0-299999"})
    loc = r.headers["Location"]
    assert w.stop() == 0
    w.start()
    r = requests.get(w.url + loc)
    assert r.status_code == 204 and r.headers["Range"] == "0-299999"
    r = requests.patch(w.url + loc, data=data[300_000:], headers={"Content-Range": "300000-699999"})
    assert r.status_code == 202
    r = requests.put(w.url + r.headers["Location"], params={"digest": d})
    assert r.status_code == 201, r.text
    assert requests.get(f"{w.url}/v2/modes/resume/blobs/{d}").content == data
