"""Client-side helpers for the protocol tests: digests, blob and manifest pushes, image layouts."""

import hashlib
import json
import os

import requests

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar"
OCI_EMPTY = "application/vnd.oci.empty.v1+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"


def digest(data, alg="sha256"):
    return f"{alg}:" + hashlib.new(alg, data).hexdigest()


def push_blob(url, repo, data, session=requests, alg="sha256"):
    d = digest(data, alg)
    r = session.post(f"{url}/v2/{repo}/blobs/uploads/", params={"digest": d}, data=data,
                     headers={"Content-Type": "application/octet-stream"}, verify=False)
    if r.status_code == 202:  # a registry without single-request uploads (distribution 2.8)
        loc = r.headers["Location"]
        loc = loc if loc.startswith("http") else url + loc
        r = session.put(loc, params={"digest": d}, data=data, verify=False,
                        headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    return d


def descriptor(media_type, data, alg="sha256", **extra):
    return {"mediaType": media_type, "digest": digest(data, alg), "size": len(data), **extra}


def image(url, repo, layers=1, seed=b"", session=requests, media=OCI_MANIFEST, extra=None):
    """Pushes a config and `layers` random layers; returns (manifest bytes, its digest)."""
    config = json.dumps({"architecture": "amd64", "os": "linux", "seed": seed.hex()}).encode()
    push_blob(url, repo, config, session)
    layer_descs = []
    for _ in range(layers):
        data = os.urandom(1024) + seed
        push_blob(url, repo, data, session)
        layer_descs.append(descriptor(OCI_LAYER if media == OCI_MANIFEST else DOCKER_LAYER, data))
    manifest = {
        "schemaVersion": 2,
        "mediaType": media,
        "config": descriptor(OCI_CONFIG if media == OCI_MANIFEST else DOCKER_CONFIG, config),
        "layers": layer_descs,
    }
    manifest.update(extra or {})
    body = json.dumps(manifest).encode()
    return body, digest(body)


def put_manifest(url, repo, ref, body, media=OCI_MANIFEST, session=requests):
    return session.put(f"{url}/v2/{repo}/manifests/{ref}", data=body,
                       headers={"Content-Type": media}, verify=False)


def error_codes(response):
    return [e["code"] for e in response.json().get("errors", [])]
