"""config/all-in-one.ini, the quickstart default, on a real wharfd: the same file with its
loopback ports swapped for free ones and its relative paths anchored in a temp dir. A docker-style
push and pull through the registry, and a chat with SmolLM2 through the openai SDK."""
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import oci  # noqa: E402
from wharf_testing import free_port, wait_until  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
WHARFD = os.environ.get("WHARFD", "wharfd")
PLUGIN_DIR = os.environ.get("WHARF_PLUGIN_DIR", "")
MODEL = ROOT / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"


def ready(port):
    return requests.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200


@pytest.fixture(scope="module")
def all_in_one(tmp_path_factory):
    if not MODEL.exists():
        pytest.skip(f"{MODEL} missing: run packaging/fetch-model.sh models")
    tmp = tmp_path_factory.mktemp("aio")
    text = (ROOT / "config" / "all-in-one.ini").read_text()
    ports = {}
    for default in ("5000", "8000", "8080", "9100"):
        ports[default] = free_port()
        text, n = re.subn(rf"^bind = 127\.0\.0\.1:{default}$", f"bind = 127.0.0.1:{ports[default]}", text,
                          flags=re.MULTILINE)
        assert n == 1, f"all-in-one.ini should bind 127.0.0.1:{default} once"
    text = text.replace("[host]", f"[host]\nplugin_path = {PLUGIN_DIR}", 1)
    (tmp / "models").symlink_to(MODEL.parent)
    (tmp / "all-in-one.ini").write_text(text)
    log = open(tmp / "wharfd.log", "wb")
    proc = subprocess.Popen([WHARFD, "--config", "all-in-one.ini"], cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: ready(ports["8000"]), timeout=60, what="/ready on the inference listener", proc=proc)
    except AssertionError as e:
        raise AssertionError(f"{e}:\n{(tmp / 'wharfd.log').read_text()}") from None
    yield {"ports": ports, "tmp": tmp}
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, (tmp / "wharfd.log").read_text()


def test_registry_push_and_pull(all_in_one):
    url = f"http://127.0.0.1:{all_in_one['ports']['5000']}"
    assert requests.get(url + "/v2/").headers["Docker-Distribution-Api-Version"] == "registry/2.0"
    body, manifest_digest = oci.image(url, "quickstart/hello", layers=2, seed=b"aio")
    oci.put_manifest(url, "quickstart/hello", "v1", body)
    got = requests.get(url + "/v2/quickstart/hello/manifests/v1", headers={"Accept": oci.OCI_MANIFEST})
    assert got.status_code == 200 and got.content == body
    assert got.headers["Docker-Content-Digest"] == manifest_digest
    # Stored in distribution's layout under the configured data dir.
    blobs = all_in_one["tmp"] / ".data" / "registry" / "docker" / "registry" / "v2" / "blobs" / "sha256"
    assert (blobs / manifest_digest[7:9] / manifest_digest[7:] / "data").read_bytes() == body


def test_chat_with_the_default_model(all_in_one):
    from openai import OpenAI
    client = OpenAI(base_url=f"http://127.0.0.1:{all_in_one['ports']['8000']}/v1", api_key="unused", max_retries=0)
    (model,) = client.models.list().data
    assert model.id == "SmolLM2-135M-Instruct"
    r = client.chat.completions.create(model=model.id, messages=[{"role": "user", "content": "What is 2+2?"}],
                                       max_tokens=24, temperature=0)
    assert r.choices[0].message.content.strip()


def test_admin_and_metrics(all_in_one):
    ports = all_in_one["ports"]
    plugins = requests.get(f"http://127.0.0.1:{ports['8080']}/admin/plugins").json()
    assert {i["instance"] for i in plugins["instances"]} == {"fs", "blobcache", "registry", "engine", "openai"}
    engine = requests.get(f"http://127.0.0.1:{ports['8080']}/admin/engine").json()
    assert engine["kv_blocks_total"] > 0
    metrics = requests.get(f"http://127.0.0.1:{ports['9100']}/metrics").text
    assert "vllm:num_requests_running" in metrics and "process_resident_memory_bytes" in metrics
