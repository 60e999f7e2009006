"""Drop-in compatibility with Debian's docker-registry (distribution 2.8): a tree written by it is
served unchanged by wharfd, and a tree written by wharfd is served by it."""

import json
import os
import pathlib
import shutil
import subprocess

import pytest
import requests

from clients import layout_manifest, skopeo, umoci_layout
from registry_harness import free_port, wait_http
from oci import DOCKER_MANIFEST, digest, image, put_manifest


class Distribution:
    def __init__(self, workdir, root):
        if shutil.which("docker-registry") is None:
            pytest.skip("docker-registry is not installed")
        self.dir = pathlib.Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self.config = self.dir / "config.yml"
        self.config.write_text(
            "version: 0.1\n"
            "log:\n  level: warn\n"
            "storage:\n"
            f"  filesystem:\n    rootdirectory: {root}\n"
            "  delete:\n    enabled: true\n"
            f"http:\n  addr: {self.host}\n")
        self.proc = None

    def __enter__(self):
        self.log = open(self.dir / "registry.log", "ab")
        self.proc = subprocess.Popen(["docker-registry", "serve", str(self.config)],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_http(f"{self.url}/v2/", 20, proc=self.proc)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(20)
        self.log.close()


def _push_content(url, host, tmp_path, repo):
    """An umoci image through skopeo plus a Docker schema2 image by protocol; returns
    {reference: manifest digest}."""
    src = umoci_layout(tmp_path / f"src-{repo.replace('/', '-')}",
                       files={"f": os.urandom(30_000)})
    skopeo("copy", "--dest-tls-verify=false", f"oci:{src}:v1", f"docker://{host}/{repo}:oci")
    body, d = image(url, repo, media=DOCKER_MANIFEST, seed=b"docker")
    assert put_manifest(url, repo, "docker", body, DOCKER_MANIFEST).status_code == 201
    return {"oci": layout_manifest(src), "docker": d}


def _check_content(url, host, tmp_path, repo, refs):
    tags = requests.get(f"{url}/v2/{repo}/tags/list").json()["tags"]
    assert sorted(tags) == sorted(refs)
    assert repo in requests.get(f"{url}/v2/_catalog").json()["repositories"]
    for tag, d in refs.items():
        r = requests.get(f"{url}/v2/{repo}/manifests/{tag}", headers={"Accept": ", ".join([
            DOCKER_MANIFEST, "application/vnd.oci.image.manifest.v1+json"])})
        assert r.status_code == 200 and digest(r.content) == d
        for ref in [json.loads(r.content)["config"]] + json.loads(r.content)["layers"]:
            b = requests.get(f"{url}/v2/{repo}/blobs/{ref['digest']}")
            assert b.status_code == 200 and digest(b.content) == ref["digest"]
    out = tmp_path / f"out-{abs(hash(url))}"
    skopeo("copy", "--src-tls-verify=false", f"docker://{host}/{repo}:oci", f"oci:{out}:v1")
    assert layout_manifest(out) == refs["oci"]


def test_tree_written_by_distribution_is_served_by_wharfd(wharfd_factory, tmp_path):
    root = tmp_path / "shared-root"
    with Distribution(tmp_path / "distribution", root) as dist:
        refs = _push_content(dist.url, dist.host, tmp_path, "dropin/from-distribution")
    w = wharfd_factory(storage_root=root)
    _check_content(w.url, w.host, tmp_path, "dropin/from-distribution", refs)


def test_tree_written_by_wharfd_is_served_by_distribution(wharfd_factory, tmp_path):
    root = tmp_path / "shared-root"
    w = wharfd_factory(storage_root=root)
    refs = _push_content(w.url, w.host, tmp_path, "dropin/from-wharf")
    assert w.stop() == 0
    with Distribution(tmp_path / "distribution", root) as dist:
        _check_content(dist.url, dist.host, tmp_path, "dropin/from-wharf", refs)
