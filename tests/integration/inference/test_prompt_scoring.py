"""Scoring a text through the API (the openai SDK against a real wharfd): /v1/completions with echo +
logprobs (OpenAI's legacy semantics, max_tokens 0 for the prompt alone) and vLLM's prompt_logprobs,
consistent with generation, across chunked prefill and with the prefix cache on."""
import json
import math
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

import openai
import pytest
from conftest import Server

TEXT = ("The quick brown fox jumps over the lazy dog. A journey of a thousand miles begins with a "
        "single step, and the river flows quietly to the sea.")


def long_text():
    """A prompt of some hundreds of tokens, longer than the small server's 64-token steps."""
    parts = [f"Paragraph {i}: the committee met on day {i * 3} to discuss budget line {i * 7}, "
             f"and agreed that the {['red', 'green', 'blue', 'amber'][i % 4]} plan should go ahead."
             for i in range(12)]
    return " ".join(parts)


@pytest.fixture(scope="module")
def small_steps(tmp_path_factory):
    """A server whose steps hold 64 tokens: a long prompt is prefilled (and scored) in chunks."""
    s = Server(tmp_path_factory.mktemp("small-steps"), extra_engine="max_num_batched_tokens = 64")
    yield s
    assert s.stop() == 0, s.output()


@pytest.fixture(scope="module")
def small_client(small_steps):
    from openai import OpenAI
    return OpenAI(base_url=small_steps.base_url, api_key="unused", max_retries=0, timeout=300)


def post(server, path, body):
    """(status, JSON body) of a POST to the API listener."""
    req = urllib.request.Request(f"http://127.0.0.1:{server.api_port}{path}", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def tokenize(server, text):
    status, body = post(server, "/tokenize", {"model": "smollm2", "prompt": text})
    assert status == 200, body
    return body["tokens"]


def echo_scores(client, prompt, logprobs=1):
    """The echoed prompt's logprobs (max_tokens 0: the prompt alone)."""
    r = client.completions.create(model="smollm2", prompt=prompt, echo=True, logprobs=logprobs, max_tokens=0,
                                  temperature=0)
    return r, r.choices[0].logprobs


def prompt_logprobs(client, prompt, k=0, **kwargs):
    """vLLM's choices[0].prompt_logprobs for `prompt` (text or token ids)."""
    r = client.completions.create(model="smollm2", prompt=prompt, max_tokens=1, temperature=0,
                                  extra_body={"prompt_logprobs": k}, **kwargs)
    return r, r.choices[0].model_dump()["prompt_logprobs"]


def actual(entries, ids):
    """The prompt tokens' own logprobs from prompt_logprobs entries (None for the first)."""
    return [None if e is None else e[str(t)]["logprob"] for e, t in zip(entries, ids)]


def test_echo_with_max_tokens_0_scores_every_prompt_token(client):
    r, lp = echo_scores(client, TEXT)
    choice = r.choices[0]
    assert choice.text == TEXT
    assert choice.finish_reason == "length"
    assert r.usage.completion_tokens == 0 and r.usage.total_tokens == r.usage.prompt_tokens
    n = r.usage.prompt_tokens
    assert n > 20
    assert len(lp.tokens) == len(lp.token_logprobs) == len(lp.top_logprobs) == len(lp.text_offset) == n
    assert lp.token_logprobs[0] is None and lp.top_logprobs[0] is None
    assert all(isinstance(v, float) and v <= 0 for v in lp.token_logprobs[1:])
    assert all(len(top) == 1 and max(top.values()) >= v - 1e-6
               for top, v in zip(lp.top_logprobs[1:], lp.token_logprobs[1:]))
    assert "".join(lp.tokens) == TEXT
    assert lp.text_offset == [sum(len(t) for t in lp.tokens[:i]) for i in range(n)]
    # A sensible language model: English is far likelier than chance (vocabulary 49152).
    mean = -sum(lp.token_logprobs[1:]) / (n - 1)
    assert mean < math.log(49152) / 2, mean


def test_echo_sum_matches_prompt_logprobs(client, server):
    ids = tokenize(server, TEXT)
    _, lp = echo_scores(client, TEXT)
    r, entries = prompt_logprobs(client, TEXT, k=2)
    assert len(entries) == len(ids) == r.usage.prompt_tokens
    assert entries[0] is None
    for e, t in zip(entries[1:], ids[1:]):
        assert str(t) in e and 1 <= len(e) <= 3
        mine = e[str(t)]
        assert mine["rank"] >= 1 and mine["logprob"] <= 0 and isinstance(mine["decoded_token"], str)
        assert all(1 <= v["rank"] <= 2 for k, v in e.items() if k != str(t))
        best = max(e.values(), key=lambda v: v["logprob"])
        assert best["rank"] == 1
    total_echo = sum(lp.token_logprobs[1:])
    total_prompt = sum(v for v in actual(entries, ids)[1:])
    assert total_echo == pytest.approx(total_prompt, abs=1e-3)


def test_generation_and_scoring_agree(client, server):
    """A greedy token's logprob at generation (decode) equals its prompt logprob once the prompt is
    extended by it (prefill), step after step."""
    ids = tokenize(server, "The capital of France is")
    for _ in range(3):
        gen = client.completions.create(model="smollm2", prompt=ids, max_tokens=1, temperature=0, logprobs=1)
        g = gen.choices[0].logprobs
        # The greedy token is the most likely under the scored extended prompt: find its id there.
        _, entries = prompt_logprobs(client, ids + [0], k=1)
        (tid, best), = [(int(k), v) for k, v in entries[-1].items() if v["rank"] == 1]
        assert best["decoded_token"] == g.tokens[0]
        assert best["logprob"] == pytest.approx(g.token_logprobs[0], abs=1e-3)
        ids = ids + [tid]
        _, lp = echo_scores(client, ids, logprobs=0)
        assert lp.token_logprobs[-1] == pytest.approx(g.token_logprobs[0], abs=1e-3)


def test_chunked_prefill_gives_the_same_scores(client, small_client, server, small_steps):
    text = long_text()
    ids = tokenize(server, text)
    assert len(ids) > 4 * 64
    _, whole = echo_scores(client, text)
    _, chunked = echo_scores(small_client, text)
    assert len(chunked.token_logprobs) == len(whole.token_logprobs) == len(ids)
    assert chunked.token_logprobs[0] is None
    for i, (a, b) in enumerate(zip(whole.token_logprobs[1:], chunked.token_logprobs[1:]), 1):
        assert a == pytest.approx(b, abs=1e-3), i
    _, entries = prompt_logprobs(small_client, text, k=1)
    assert actual(entries, ids)[1:] == pytest.approx(chunked.token_logprobs[1:], abs=1e-6)
    assert small_steps.engine_stats()["max_num_batched_tokens"] == 64


def test_prefix_cache_serves_no_scored_position(client, server):
    """With the prefix cache on, a scoring request recomputes every position (the cached KV has no
    logits): the same text scores the same, warm or cold, and what it computed is cached."""
    text = long_text() + " Then the meeting ended."
    r1, cold = echo_scores(client, text)
    assert r1.usage.prompt_tokens_details.cached_tokens == 0
    plain = client.completions.create(model="smollm2", prompt=text, max_tokens=1, temperature=0)
    assert plain.usage.prompt_tokens_details.cached_tokens >= 16  # blocks the scoring request left
    r2, warm = echo_scores(client, text)
    assert r2.usage.prompt_tokens_details.cached_tokens == 0
    assert warm.token_logprobs == cold.token_logprobs
    _, again = echo_scores(client, text)
    assert again.token_logprobs == cold.token_logprobs


def test_echo_with_generation_and_streaming(client):
    whole = client.completions.create(model="smollm2", prompt=TEXT, echo=True, logprobs=2, max_tokens=5,
                                      temperature=0)
    w = whole.choices[0]
    n = whole.usage.prompt_tokens
    assert w.text.startswith(TEXT) and len(w.text) > len(TEXT)
    assert len(w.logprobs.tokens) == n + 5 and w.logprobs.token_logprobs[0] is None
    assert all(v <= 0 for v in w.logprobs.token_logprobs[1:])
    assert "".join(w.logprobs.tokens) == w.text
    chunks = list(client.completions.create(model="smollm2", prompt=TEXT, echo=True, logprobs=2, max_tokens=5,
                                            temperature=0, stream=True))
    assert "".join(c.choices[0].text for c in chunks) == w.text
    first = chunks[0].choices[0]
    assert first.text.startswith(TEXT) and first.logprobs.token_logprobs[0] is None
    streamed = [v for c in chunks if c.choices[0].logprobs for v in c.choices[0].logprobs.token_logprobs]
    assert streamed[1:] == pytest.approx(w.logprobs.token_logprobs[1:], abs=1e-6)
    # max_tokens 0 streams the scored prompt in one chunk, then ends.
    only = list(client.completions.create(model="smollm2", prompt=TEXT, echo=True, logprobs=0, max_tokens=0,
                                          stream=True))
    assert "".join(c.choices[0].text for c in only) == TEXT
    assert only[-1].choices[0].finish_reason == "length"


def test_chat_prompt_logprobs(client):
    r = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Say hello."}],
                                       max_tokens=4, temperature=0, extra_body={"prompt_logprobs": 1})
    entries = r.model_dump()["prompt_logprobs"]
    assert len(entries) == r.usage.prompt_tokens and entries[0] is None
    assert all(1 <= len(e) <= 2 and all(v["logprob"] <= 0 for v in e.values()) for e in entries[1:])


@pytest.mark.parametrize("body", [
    {"prompt_logprobs": -1}, {"prompt_logprobs": 21}, {"prompt_logprobs": 1.5}, {"prompt_logprobs": "2"},
    {"prompt_logprobs": True}, {"prompt_logprobs": 1, "stream": True},
    {"max_tokens": 0}, {"max_tokens": -1, "echo": True}, {"logprobs": 21, "echo": True},
], ids=["negative", "above-20", "fraction", "string", "bool", "stream", "max-tokens-0-without-echo",
        "max-tokens-negative", "logprobs-21"])
def test_bad_scoring_requests_are_400s(server, body):
    status, reply = post(server, "/v1/completions", {"model": "smollm2", "prompt": "Hi", **body})
    assert status == 400, reply
    err = reply["error"]
    assert err["type"] == "BadRequestError" and err["code"] == 400 and err["message"]
    assert err["param"] in ("prompt_logprobs", "max_tokens", "logprobs")
    with pytest.raises(openai.BadRequestError):
        openai.OpenAI(base_url=server.base_url, api_key="unused", max_retries=0).completions.create(
            model="smollm2", prompt="Hi", max_tokens=1, extra_body={"prompt_logprobs": 99})


def test_a_prompt_that_fills_the_context_can_be_scored(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("short-context"), extra_engine="max_model_len = 48")
    try:
        text = long_text()
        ids = tokenize(s, text)[:48]
        status, body = post(s, "/v1/completions", {"model": "smollm2", "prompt": ids, "echo": True,
                                                   "logprobs": 0, "max_tokens": 0})
        assert status == 200, body
        assert len(body["choices"][0]["logprobs"]["token_logprobs"]) == 48
        status, body = post(s, "/v1/completions", {"model": "smollm2", "prompt": ids, "max_tokens": 1})
        assert status == 400 and "maximum context length" in body["error"]["message"]
    finally:
        assert s.stop() == 0, s.output()


def test_perplexity_script(client, server, tmp_path):
    """tests/bench/perplexity.py: one window gives exp(-mean) of the echoed prompt's logprobs;
    strided windows score every token but the first once."""
    text = long_text()
    path = tmp_path / "text.txt"
    path.write_text(text)
    script = pathlib.Path(__file__).resolve().parents[2] / "bench" / "perplexity.py"

    def run(*args):
        r = subprocess.run([sys.executable, str(script), "--base-url", server.base_url, "--model", "smollm2",
                            "--text", str(path), *args], capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    r, lp = echo_scores(client, text)
    n = r.usage.prompt_tokens
    whole = run("--window", "4096", "--stride", "4096")
    assert whole["windows"] == 1 and whole["tokens"] == n - 1
    assert whole["perplexity"] == pytest.approx(math.exp(-sum(lp.token_logprobs[1:]) / (n - 1)), rel=1e-6)
    strided = run("--window", "128", "--stride", "64")
    assert strided["tokens"] == n - 1 and strided["windows"] == math.ceil((n - 128) / 64) + 1
    assert 1 < whole["perplexity"] < strided["perplexity"] < 10 * whole["perplexity"]
