"""The registry over other storage instances than storage-fs: storage-memory (no local paths: blob
GETs stream through storage reads) and storage-cache in front of storage-fs."""

import os

import pytest
import requests

from oci import digest, image, push_blob, put_manifest

STORAGES = {
    "memory": ({"module": "storage-memory"}, {}),
    "cache-over-fs": ({"module": "storage-cache", "backend": "disk"},
                      {"plugin.disk": {"module": "storage-fs", "root": "{root}"}}),
}


@pytest.mark.parametrize("kind", sorted(STORAGES))
def test_push_pull_over_storage(wharfd_factory, tmp_path, kind):
    storage, sections = STORAGES[kind]
    sections = {k: {kk: vv.replace("{root}", str(tmp_path / "disk")) for kk, vv in v.items()}
                for k, v in sections.items()}
    w = wharfd_factory(storage=storage, sections=sections)
    body, d = image(w.url, "stores/app", layers=2)
    assert put_manifest(w.url, "stores/app", "v1", body).status_code == 201
    assert requests.get(f"{w.url}/v2/stores/app/manifests/v1").content == body
    data = os.urandom(3 * 1024 * 1024 + 17)
    bd = push_blob(w.url, "stores/app", data)
    assert requests.get(f"{w.url}/v2/stores/app/blobs/{bd}").content == data
    r = requests.get(f"{w.url}/v2/stores/app/blobs/{bd}", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206 and r.content == data[100:200]
    # chunked upload with a re-hash at the end (sha512)
    r = requests.post(f"{w.url}/v2/stores/app/blobs/uploads/")
    loc = w.url + r.headers["Location"]
    r = requests.patch(loc, data=data[:1000], headers={"Content-Range": "0-999"})
    r = requests.patch(w.url + r.headers["Location"], data=data[1000:],
                       headers={"Content-Range": f"1000-{len(data) - 1}"})
    r = requests.put(w.url + r.headers["Location"], params={"digest": digest(data, "sha512")})
    assert r.status_code == 201, r.text
    # a tag moved and deleted: caches must follow
    body2, d2 = image(w.url, "stores/app", seed=b"2")
    put_manifest(w.url, "stores/app", "v1", body2)
    assert requests.get(f"{w.url}/v2/stores/app/manifests/v1").content == body2
    assert requests.delete(f"{w.url}/v2/stores/app/manifests/v1").status_code == 202
    assert requests.get(f"{w.url}/v2/stores/app/manifests/v1").status_code == 404
    assert requests.get(f"{w.url}/v2/stores/app/tags/list").json()["tags"] == []
