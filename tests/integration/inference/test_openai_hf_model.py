"""A Hugging Face model directory (config.json, safetensors, tokenizer.json) served through a real
wharfd: the host accepts the directory for engine-cpu's `model` key (check-config exits 0) and the
openai SDK gets completions from it."""
import subprocess

import pytest

from conftest import HF_MODEL, WHARFD, Server


@pytest.fixture(scope="module")
def hf_server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("inference-hf"), model=HF_MODEL)
    yield s
    assert s.stop() == 0, s.output()


@pytest.fixture(scope="module")
def hf_client(hf_server):
    from openai import OpenAI
    return OpenAI(base_url=hf_server.base_url, api_key="unused", max_retries=0, timeout=120)


def test_check_config_accepts_the_directory(hf_server):
    r = subprocess.run([WHARFD, "check-config", str(hf_server.config)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr


def test_check_config_refuses_a_missing_path(tmp_path, hf_server):
    bad = tmp_path / "bad.ini"
    bad.write_text(hf_server.config.read_text().replace(HF_MODEL, str(tmp_path / "no-such-model")))
    r = subprocess.run([WHARFD, "check-config", str(bad)], capture_output=True, text=True, timeout=60)
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
