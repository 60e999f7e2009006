"""The openai Python SDK against a real wharfd serving SmolLM2 (engine-cpu + inference-api)."""
import contextlib
import json
import threading
import urllib.request

import openai
import pytest
from wharf_testing import wait_until


def test_models_list(client):
    models = client.models.list()
    assert [m.id for m in models.data] == ["smollm2"]
    assert models.data[0].owned_by == "wharf"


def test_completion_greedy_with_usage(client):
    r = client.completions.create(model="smollm2", prompt="The capital of France is", max_tokens=8, temperature=0)
    assert r.object == "text_completion" and r.id.startswith("cmpl-")
    choice = r.choices[0]
    assert "Paris" in choice.text
    assert choice.finish_reason == "length"
    assert r.usage.completion_tokens == 8
    assert r.usage.prompt_tokens > 3 and r.usage.total_tokens == r.usage.prompt_tokens + 8


def test_chat_completion(client):
    r = client.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Say hello."}],
                                       max_tokens=16, temperature=0)
    msg = r.choices[0].message
    assert r.object == "chat.completion" and msg.role == "assistant" and msg.content.strip()
    assert r.choices[0].finish_reason in ("stop", "length")


def test_chat_streaming_matches_non_streaming(client):
    kwargs = dict(model="smollm2", messages=[{"role": "user", "content": "Count to five."}], max_tokens=20,
                  temperature=0)
    whole = client.chat.completions.create(**kwargs).choices[0].message.content
    chunks = list(client.chat.completions.create(stream=True, stream_options={"include_usage": True}, **kwargs))
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole
    assert chunks[-1].choices == [] and chunks[-1].usage.completion_tokens > 0
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finishes) == 1


def test_n_choices_and_seed_reproducibility(client):
    kwargs = dict(model="smollm2", prompt="Once upon a time", max_tokens=12, temperature=1.0, n=3, seed=1234,
                  extra_body={"ignore_eos": True})
    a = client.completions.create(**kwargs)
    b = client.completions.create(**kwargs)
    assert len(a.choices) == 3 and [c.index for c in a.choices] == [0, 1, 2]
    assert [c.text for c in a.choices] == [c.text for c in b.choices]
    assert len({c.text for c in a.choices}) > 1  # different choices differ
    assert a.usage.completion_tokens == 3 * 12


def test_stop_strings(client):
    free = client.completions.create(model="smollm2", prompt="1, 2, 3, 4,", max_tokens=12, temperature=0).choices[0].text
    assert " 7" in free, free
    r = client.completions.create(model="smollm2", prompt="1, 2, 3, 4,", max_tokens=12, temperature=0, stop=[" 7"])
    assert r.choices[0].text == free[: free.index(" 7")]
    assert r.choices[0].finish_reason == "stop"
    # Streaming never emits any part of the stop string.
    text = "".join(c.choices[0].text for c in client.completions.create(
        model="smollm2", prompt="1, 2, 3, 4,", max_tokens=12, temperature=0, stop=[" 7"], stream=True))
    assert text == r.choices[0].text


def test_logprobs(client):
    r = client.completions.create(model="smollm2", prompt="Hello", max_tokens=3, temperature=0, logprobs=2)
    lp = r.choices[0].logprobs
    assert len(lp.tokens) == 3 and len(lp.token_logprobs) == 3 and all(v <= 0 for v in lp.token_logprobs)
    assert all(len(t) == 2 for t in lp.top_logprobs)
    # Greedy: the sampled token is the most likely one.
    for tok, top in zip(lp.token_logprobs, lp.top_logprobs):
        assert tok == pytest.approx(max(top.values()), abs=1e-4)


def test_errors_in_openai_format(client, server):
    with pytest.raises(openai.NotFoundError) as e:
        client.completions.create(model="gpt-9", prompt="x", max_tokens=1)
    assert "does not exist" in str(e.value)
    with pytest.raises(openai.BadRequestError) as e:
        client.completions.create(model="smollm2", prompt="x", max_tokens=-1)
    assert "max_tokens" in str(e.value)
    with pytest.raises(openai.BadRequestError) as e:
        client.completions.create(model="smollm2", prompt="x " * 20000, max_tokens=4)
    assert "maximum context length" in str(e.value)
    with pytest.raises(openai.BadRequestError):
        client.completions.create(model="smollm2", prompt="x", max_tokens=1_000_000)
    req = urllib.request.Request(server.base_url + "/completions", data=b"{not json", method="POST",
                                 headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=10)
        raise AssertionError("expected 400")
    except urllib.error.HTTPError as err:
        body = json.loads(err.read())
        assert err.code == 400 and body["error"]["type"] == "BadRequestError"
    with pytest.raises(openai.BadRequestError) as e:
        client.completions.create(model="smollm2", prompt="x", max_tokens=2, temperature="hot")
    assert "temperature" in str(e.value)


def test_tokenize_detokenize(server):
    def post(path, body):
        req = urllib.request.Request(f"http://127.0.0.1:{server.api_port}{path}", data=json.dumps(body).encode(),
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())
    t = post("/tokenize", {"model": "smollm2", "prompt": "Hello world"})
    assert t["count"] == len(t["tokens"]) > 0
    assert post("/detokenize", {"model": "smollm2", "tokens": t["tokens"]})["prompt"] == "Hello world"


def _post_status(server, path, body):
    req = urllib.request.Request(f"http://127.0.0.1:{server.api_port}{path}", data=json.dumps(body).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


@pytest.mark.parametrize("path,body", [
    ("/v1/completions", {"model": "smollm2", "prompt": [5, 999999], "max_tokens": 2}),
    ("/v1/completions", {"model": "smollm2", "prompt": [[5], [2 ** 31 - 1]], "max_tokens": 2}),
    ("/v1/chat/completions", {"model": "smollm2", "max_tokens": 2,
                              "messages": [{"role": "user", "content": [{"type": "image_url",
                                                                         "image_url": {"url": "x"}}]}]}),
    ("/v1/chat/completions", {"model": "smollm2", "max_tokens": 2,
                              "messages": [{"role": "user", "content": [{"type": "text"}]}]}),
    ("/tokenize", {"messages": "hi"}),
    ("/tokenize", {"messages": [5]}),
    ("/tokenize", {"messages": [{"content": "no role"}]}),
    ("/detokenize", {"tokens": [2 ** 40]}),
    ("/detokenize", {"tokens": [999999]}),
    ("/detokenize", {"tokens": "12"}),
    ("/v1/completions", {"model": "smollm2", "prompt": "x", "max_tokens": 2, "logit_bias": {"4294967296": 100}}),
    ("/v1/completions", {"model": "smollm2", "prompt": "x", "max_tokens": 2, "top_k": 2 ** 32 + 1}),
], ids=["prompt-token-beyond-vocab", "prompt-token-int32-max", "image-part", "text-part-without-text",
        "tokenize-messages-string", "tokenize-messages-ints", "tokenize-message-without-role",
        "detokenize-2^40", "detokenize-beyond-vocab", "detokenize-not-a-list", "logit-bias-2^32",
        "top-k-2^32+1"])
def test_bad_input_is_a_400_not_a_500(server, path, body):
    # These answered 500 (or silently truncated the number) before.
    status, reply = _post_status(server, path, body)
    assert status == 400, reply
    assert reply["error"]["type"] == "BadRequestError" and reply["error"]["code"] == 400


def test_chat_content_as_text_parts(client):
    # OpenAI clients send content as a list of parts; text parts are joined as vLLM does.
    parts = client.chat.completions.create(
        model="smollm2", max_tokens=8, temperature=0,
        messages=[{"role": "user", "content": [{"type": "text", "text": "Say hello"},
                                               {"type": "text", "text": "in French."}]}])
    plain = client.chat.completions.create(
        model="smollm2", max_tokens=8, temperature=0,
        messages=[{"role": "user", "content": "Say hello\nin French."}])
    assert parts.choices[0].message.content == plain.choices[0].message.content
    assert parts.usage.prompt_tokens == plain.usage.prompt_tokens


def test_32_concurrent_streams_finish_with_correct_usage(client):
    results, errors = [None] * 32, []

    def one(i):
        try:
            chunks = list(client.completions.create(model="smollm2", prompt=f"Story number {i}:", max_tokens=16,
                                                    temperature=0.8, seed=i, stream=True,
                                                    stream_options={"include_usage": True},
                                                    extra_body={"ignore_eos": True}))
            text = "".join(c.choices[0].text for c in chunks if c.choices)
            results[i] = (text, chunks[-1].usage)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(repr(e))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    for text, usage in results:
        assert usage.completion_tokens == 16 and text
        assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_disconnect_mid_stream_frees_kv_blocks(server):
    idle = server.engine_stats()
    req = urllib.request.Request(server.base_url + "/completions", method="POST",
                                 data=json.dumps({"model": "smollm2", "prompt": "Write a long essay.",
                                                  "max_tokens": 2000, "stream": True, "ignore_eos": True}).encode(),
                                 headers={"Content-Type": "application/json"})
    with contextlib.closing(urllib.request.urlopen(req, timeout=30)) as r:
        r.readline()
        # The engine publishes its stats once a step: wait for the state, not for the first line.
        wait_until(lambda: server.engine_stats()["kv_blocks_used"] > idle["kv_blocks_used"], timeout=20,
                   what="the stream's KV blocks in /admin/engine")
    # The client has gone away mid-stream.
    def freed():
        stats = server.engine_stats()
        return stats["kv_blocks_used"] == idle["kv_blocks_used"] and stats["num_requests_running"] == 0

    wait_until(freed, timeout=20, what="the KV blocks to be freed and no request running")


def test_vllm_metrics(client, server):
    client.completions.create(model="smollm2", prompt="Hi", max_tokens=2)
    text = server.metrics()
    for name in ("vllm:prompt_tokens_total", "vllm:generation_tokens_total", "vllm:request_success_total",
                 "vllm:time_to_first_token_seconds", "vllm:e2e_request_latency_seconds",
                 "vllm:num_requests_running", "vllm:num_requests_waiting"):
        assert name in text, name
    assert 'model_name="smollm2"' in text
