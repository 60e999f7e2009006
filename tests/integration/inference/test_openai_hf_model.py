"""A Hugging Face model directory (config.json, safetensors, tokenizer.json) served through a real
wharfd: the host accepts the directory for engine-cpu's `model` key (check-config exits 0) and the
openai SDK gets completions from it."""
import subprocess

import pytest

from conftest import HF_MODEL, WHARFD, Server
from wharf_testing import free_port


@pytest.fixture(scope="module")
def hf_server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("inference-hf"), model=HF_MODEL)
    yield s
    assert s.stop() == 0, s.output()


@pytest.fixture(scope="module")
def hf_client(hf_server):
    from openai import OpenAI
    return OpenAI(base_url=hf_server.base_url, api_key="unused", max_retries=0, timeout=120)


def check_config(server, path, model):
    """`wharfd check-config` on the server's configuration with `model` and ports of its own (the
    check binds them)."""
    text = server.config.read_text().replace(HF_MODEL, model)
    for port in (server.api_port, server.admin_port):
        text = text.replace(f"127.0.0.1:{port}", f"127.0.0.1:{free_port()}")
    path.write_text(text)
    return subprocess.run([WHARFD, "check-config", str(path)], capture_output=True, text=True, timeout=60)


def test_check_config_accepts_the_directory(tmp_path, hf_server):
    r = check_config(hf_server, tmp_path / "hf.ini", HF_MODEL)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_config_refuses_a_missing_path(tmp_path, hf_server):
    r = check_config(hf_server, tmp_path / "bad.ini", str(tmp_path / "no-such-model"))
    assert r.returncode == 78 and "does not exist" in r.stdout + r.stderr, r.stdout + r.stderr


def test_models_and_completion(hf_client):
    assert [m.id for m in hf_client.models.list().data] == ["smollm2"]
    r = hf_client.completions.create(model="smollm2", prompt="The capital of France is", max_tokens=8,
                                     temperature=0)
    assert "Paris" in r.choices[0].text and r.usage.completion_tokens == 8


def test_chat_completion_streams(hf_client):
    chunks = list(hf_client.chat.completions.create(
        model="smollm2", messages=[{"role": "user", "content": "Say hello."}], max_tokens=16, temperature=0,
        stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()
    assert chunks[-1].choices[0].finish_reason in ("stop", "length")
