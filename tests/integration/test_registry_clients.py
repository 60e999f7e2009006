"""Real clients against wharfd over plain HTTP: skopeo copy round trips of umoci-made OCI layouts
(single image and a multi-arch index), podman and buildah push/pull with vfs storage, and the
Docker CLI against a dockerd started here."""

import hashlib
import io
import json
import os
import pathlib
import tarfile

import pytest
import requests

from clients import (Dockerd, layout_manifest, podman, podman_round_trip, run, skopeo,
                     umoci_layout)
from oci import OCI_INDEX, digest


def _blob_files(layout):
    return {p.name: p.read_bytes() for p in (pathlib.Path(layout) / "blobs/sha256").iterdir()}


def test_skopeo_round_trip(registry, tmp_path):
    src = umoci_layout(tmp_path / "src", files={"a.txt": os.urandom(100_000), "b": b"bee"})
    want = layout_manifest(src)
    ref = f"docker://{registry.host}/clients/skopeo:v1"
    skopeo("copy", "--dest-tls-verify=false", f"oci:{src}:v1", ref)
    raw = skopeo("inspect", "--raw", "--tls-verify=false", ref).stdout
    assert digest(raw.encode()) == want
    dst = tmp_path / "dst"
    skopeo("copy", "--src-tls-verify=false", ref, f"oci:{dst}:v1")
    assert layout_manifest(dst) == want
    src_blobs, dst_blobs = _blob_files(src), _blob_files(dst)
    assert len(dst_blobs) == 3  # manifest, config, layer
    assert all(src_blobs[name] == data for name, data in dst_blobs.items())
    tags = skopeo("list-tags", "--tls-verify=false", f"docker://{registry.host}/clients/skopeo")
    assert json.loads(tags.stdout)["Tags"] == ["v1"]
    skopeo("delete", "--tls-verify=false", ref)
    r = requests.get(f"{registry.url}/v2/clients/skopeo/manifests/{want}")
    assert r.status_code == 404


def test_skopeo_multi_arch_index(registry, tmp_path):
    # Two single-platform images in one layout, joined by an OCI index tagged "multi".
    layout = umoci_layout(tmp_path / "multi", tag="amd64", files={"arch": b"amd64"})
    bundle_layout = umoci_layout(tmp_path / "other", tag="arm64", files={"arch": b"arm64"})
    blobs = layout / "blobs/sha256"
    for p in (bundle_layout / "blobs/sha256").iterdir():
        if not (blobs / p.name).exists():
            (blobs / p.name).write_bytes(p.read_bytes())
    entries = []
    for lay, arch in ((layout, "amd64"), (bundle_layout, "arm64")):
        d = layout_manifest(lay, arch)
        size = len((blobs / d.split(":")[1]).read_bytes())
        entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": d,
                        "size": size, "platform": {"os": "linux", "architecture": arch}})
    index = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()
    (blobs / hashlib.sha256(index).hexdigest()).write_bytes(index)
    top = json.loads((layout / "index.json").read_text())
    top["manifests"] = [{"mediaType": OCI_INDEX, "digest": digest(index), "size": len(index),
                         "annotations": {"org.opencontainers.image.ref.name": "multi"}}]
    (layout / "index.json").write_text(json.dumps(top))

    ref = f"docker://{registry.host}/clients/multi:latest"
    skopeo("copy", "--all", "--dest-tls-verify=false", f"oci:{layout}:multi", ref)
    raw = skopeo("inspect", "--raw", "--tls-verify=false", ref).stdout.encode()
    assert raw == index
    for e in entries:
        r = requests.get(f"{registry.url}/v2/clients/multi/manifests/{e['digest']}")
        assert r.status_code == 200 and digest(r.content) == e["digest"]
    out = tmp_path / "back"
    skopeo("copy", "--all", "--src-tls-verify=false", ref, f"oci:{out}:multi")
    assert layout_manifest(out, "multi") == digest(index)


def test_podman_push_pull(registry, tmp_path):
    podman_round_trip(tmp_path, f"{registry.host}/clients/podman:v1")


def test_buildah_push(registry, tmp_path):
    base, env = podman(tmp_path, "buildah")
    r = run(base + ["from", "scratch"], env=env, check=False)
    if r.returncode != 0:
        pytest.skip(f"buildah cannot work here: {r.stderr[-500:]}")
    ctr = r.stdout.strip()
    f = tmp_path / "payload.bin"
    f.write_bytes(os.urandom(20_000))
    run(base + ["copy", ctr, str(f), "/payload.bin"], env=env)
    run(base + ["config", "--label", "wharf.test=buildah", ctr], env=env)
    run(base + ["commit", ctr, "buildah-img"], env=env)
    target = f"docker://{registry.host}/clients/buildah:v1"
    run(base + ["push", "--tls-verify=false", "buildah-img", target], env=env)
    raw = skopeo("inspect", "--tls-verify=false", target).stdout
    assert json.loads(raw)["Labels"]["wharf.test"] == "buildah"


def _rootfs_tar(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@pytest.fixture(scope="module")
def dockerd(tmp_path_factory):
    d = Dockerd(tmp_path_factory.mktemp("dockerd"))
    d.start()
    yield d
    d.stop()


def test_docker_push_pull(registry, dockerd):
    tag = f"{registry.host}/clients/docker:v1"
    tar = _rootfs_tar({"hello.txt": b"hello from docker", "rand.bin": os.urandom(100_000)})
    r = run(dockerd.cli_args("import", "-", tag), input=tar, text=False, check=False,
            env={**os.environ, "DOCKER_CONFIG": str(dockerd.dir / "config")})
    assert r.returncode == 0, r.stderr
    push = dockerd.cli("push", tag).stdout
    pushed_digest = [w for w in push.split() if w.startswith("sha256:")][-1]
    image_id = dockerd.cli("image", "inspect", "-f", "{{.Id}}", tag).stdout.strip()
    dockerd.cli("rmi", "-f", tag)
    dockerd.cli("pull", tag)
    assert dockerd.cli("image", "inspect", "-f", "{{.Id}}", tag).stdout.strip() == image_id
    repo_digests = dockerd.cli("image", "inspect", "-f", "{{json .RepoDigests}}", tag).stdout
    assert pushed_digest in repo_digests
    r = requests.get(f"{registry.url}/v2/clients/docker/manifests/v1",
                     headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"})
    assert r.status_code == 200 and digest(r.content) == pushed_digest


def test_docker_pull_multi_arch(registry, dockerd, tmp_path):
    test_skopeo_multi_arch_index(registry, tmp_path)
    tag = f"{registry.host}/clients/multi:latest"
    dockerd.cli("pull", "--platform", "linux/amd64", tag)
    dockerd.cli("rmi", "-f", tag)
