"""Garbage collection: `wharfd gc` offline (mark through indexes and referrers, --dry-run,
--delete-untagged) and online GC on a schedule with a grace period."""

import json
import os
import time

import requests

from oci import (OCI_EMPTY, OCI_INDEX, OCI_MANIFEST, descriptor, digest, image, push_blob,
                 put_manifest)


def _blob_exists(w, d):
    alg, hexd = d.split(":")
    return (w.storage_root / "docker/registry/v2/blobs" / alg / hexd[:2] / hexd / "data").exists()


def _refs(body):
    m = json.loads(body)
    out = [m["config"]["digest"]] if "config" in m else []
    out += [l["digest"] for l in m.get("layers", [])]
    return out


def _populate(w):
    url, repo = w.url, "gc/app"
    tagged, tagged_d = image(url, repo, seed=b"tagged")
    assert put_manifest(url, repo, "v1", tagged).status_code == 201
    untagged, untagged_d = image(url, repo, seed=b"untagged")
    assert put_manifest(url, repo, untagged_d, untagged).status_code == 201
    child, child_d = image(url, repo, seed=b"child")
    assert put_manifest(url, repo, child_d, child).status_code == 201
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        {"mediaType": OCI_MANIFEST, "digest": child_d, "size": len(child)}]}).encode()
    assert put_manifest(url, repo, "multi", index, OCI_INDEX).status_code == 201
    empty = b"{}"
    push_blob(url, repo, empty)
    sig = os.urandom(64)
    push_blob(url, repo, sig)
    referrer = json.dumps({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                           "artifactType": "application/vnd.example.sig",
                           "config": descriptor(OCI_EMPTY, empty),
                           "layers": [descriptor("application/octet-stream", sig)],
                           "subject": {"mediaType": OCI_MANIFEST, "digest": tagged_d,
                                       "size": len(tagged)}}).encode()
    assert put_manifest(url, repo, digest(referrer), referrer).status_code == 201
    orphan = push_blob(url, repo, os.urandom(3000))
    return {
        "keep": [tagged_d, child_d, digest(index), digest(referrer), *_refs(tagged),
                 *_refs(child), *_refs(referrer)],
        "untagged": [untagged_d, *[d for d in _refs(untagged)]],
        "orphan": orphan,
    }


def test_offline_gc(wharfd_factory):
    w = wharfd_factory()
    blobs = _populate(w)
    assert w.stop() == 0

    r = w.run_command("gc", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert blobs["orphan"] in r.stdout and "would be deleted" in r.stdout
    assert _blob_exists(w, blobs["orphan"])

    r = w.run_command("gc")
    assert r.returncode == 0, r.stderr
    assert not _blob_exists(w, blobs["orphan"])
    for d in blobs["keep"] + blobs["untagged"]:
        assert _blob_exists(w, d), d

    r = w.run_command("gc", "--delete-untagged")
    assert r.returncode == 0, r.stderr
    for d in blobs["keep"]:
        assert _blob_exists(w, d), d
    for d in blobs["untagged"]:
        assert not _blob_exists(w, d), d

    w.start()
    assert requests.get(f"{w.url}/v2/gc/app/manifests/v1").status_code == 200
    assert requests.get(f"{w.url}/v2/gc/app/manifests/multi").status_code == 200
    assert requests.get(f"{w.url}/v2/gc/app/manifests/{blobs['untagged'][0]}").status_code == 404
    for d in blobs["keep"]:
        if d.startswith("sha256"):
            r = requests.get(f"{w.url}/v2/gc/app/blobs/{d}")
            assert r.status_code == 200 and digest(r.content) == d

    r = w.run_command("gc", "--bogus")
    assert r.returncode != 0


def test_online_gc_respects_grace(wharfd_factory):
    w = wharfd_factory(registry={"gc_interval": "1s", "gc_grace": "6s"})
    body, d = image(w.url, "gc/online")
    assert put_manifest(w.url, "gc/online", "v1", body).status_code == 201
    orphan = push_blob(w.url, "gc/online", os.urandom(2048))
    time.sleep(2.5)  # two or so GC passes
    assert _blob_exists(w, orphan)  # younger than gc_grace
    deadline = time.time() + 20
    while time.time() < deadline and _blob_exists(w, orphan):
        time.sleep(0.3)
    assert not _blob_exists(w, orphan)
    for ref in [d, *_refs(body)]:
        assert _blob_exists(w, ref)
    assert requests.get(f"{w.url}/v2/gc/online/manifests/v1").status_code == 200
    text = requests.get(w.metrics_url).text
    assert "wharf_registry_gc_blobs_deleted_total" in text
