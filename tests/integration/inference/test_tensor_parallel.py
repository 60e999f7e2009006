"""engine-cpu sharded over tensor-parallel ranks (`tensor_parallel_size`), served through a real
wharfd and read with the openai SDK: SmolLM2-135M (9 attention heads, 3 KV heads) in float16 over
3 ranks answers every greedy request with the tokens one rank gives, sequentially and with
concurrent streams batched together; /admin/engine reports the ranks; a size that does not split
the heads stops start-up with the head count named."""
import concurrent.futures

import pytest

from conftest import HF_MODEL, Server, client_of, skip_without, start_fails

PROMPTS = ("The capital of France is", "def fibonacci(n):", "Once upon a time, there was a",
           "The three primary colors are")
TOKENS = 24


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    skip_without(HF_MODEL)
    whole = Server(tmp_path_factory.mktemp("tp1"), model=HF_MODEL)
    sharded = Server(tmp_path_factory.mktemp("tp3"), model=HF_MODEL,
                     extra_engine="tensor_parallel_size = 3")
    yield whole, sharded
    assert sharded.stop() == 0
    assert whole.stop() == 0


def complete(server, prompt):
    r = client_of(server).completions.create(model="smollm2", prompt=prompt, max_tokens=TOKENS,
                                             temperature=0, logprobs=1)
    return r.choices[0].logprobs.tokens, r.choices[0].text


def test_three_ranks_give_the_tokens_of_one(servers):
    whole, sharded = servers
    for prompt in PROMPTS:
        want, text = complete(whole, prompt)
        assert len(want) == TOKENS
        assert complete(sharded, prompt) == (want, text), prompt


def test_concurrent_streams_on_three_ranks_match_one_at_a_time(servers):
    whole, sharded = servers
    want = {p: complete(whole, p) for p in PROMPTS}
    with concurrent.futures.ThreadPoolExecutor(len(PROMPTS) * 2) as pool:
        # Each prompt twice at once: the ranks see batches of several sequences.
        futures = {pool.submit(complete, sharded, p): p for p in PROMPTS * 2}
        for f in concurrent.futures.as_completed(futures):
            assert f.result() == want[futures[f]], futures[f]


def test_admin_engine_reports_the_ranks(servers):
    whole, sharded = servers
    assert whole.engine_stats()["tensor_parallel_size"] == 1
    stats = sharded.engine_stats()
    assert stats["tensor_parallel_size"] == 3
    # Three ranks of one thread each (threads = 2, at least one per rank), each holding one of
    # the three KV heads: the same KV cache budget holds as many blocks as one rank's.
    assert stats["kv_blocks_total"] == whole.engine_stats()["kv_blocks_total"]
    assert "3 tensor-parallel ranks" in sharded.output()


def test_a_size_that_does_not_split_the_heads_is_refused_by_name(tmp_path):
    skip_without(HF_MODEL)
    status, output = start_fails(tmp_path, HF_MODEL, "tensor_parallel_size = 2", "")
    assert status != 0
    assert "tensor_parallel_size 2 does not split the model's 9 attention heads" in output
