"""AutoAWQ "gemm" checkpoints served through a real wharfd: engine-cpu loads the quantized linear
layers through the quant-awq plugin (`quantization = awq` naming a [plugin.awq] instance), the
openai SDK gets completions from them, and checkpoints the plugin cannot read stop start-up with
one message naming what is wrong.

The checkpoints are made here from the float16 test model (WHARF_TEST_HF_MODEL) by
tests/quant/make_awq_checkpoint.py (round-to-nearest, the numpy reference packing). SmolLM2-135M
has K = 576 inputs in most projections, which 128 does not divide: the tests use group size 64."""
import json
import os
import pathlib
import sys

import numpy as np
import pytest
from safetensors.numpy import load_file, save_file

from conftest import HF_MODEL, Server, client_of, skip_without, start_fails, teacher_forced

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "quant"))
import packing_reference as ref  # noqa: E402
from make_awq_checkpoint import make_awq_checkpoint  # noqa: E402

GROUP = 64
QUANT_ENGINE = "quantization = awq"
QUANT_SECTION = "[plugin.awq]\nmodule = quant-awq"
# Prompts whose continuations are plain ASCII (the teacher-forced prompts cut the text at byte
# offsets).
PROMPTS = ("The capital of France is", "Once upon a time, there was a", "def fibonacci(n):")
FORCED_TOKENS = 8


def awq_server(tmp, model):
    return Server(tmp, model=str(model), extra_engine=QUANT_ENGINE, extra_sections=QUANT_SECTION)


# --- checkpoints ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hf_model():
    skip_without(HF_MODEL)
    return pathlib.Path(HF_MODEL)


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, hf_model):
    return tmp_path_factory.mktemp("awq-checkpoints")


@pytest.fixture(scope="module")
def awq_dir(checkpoints, hf_model):
    return pathlib.Path(make_awq_checkpoint(hf_model, checkpoints / "awq-g64", group_size=GROUP))


def dequantized_checkpoint(awq, out):
    """The float16 HF directory of the AWQ checkpoint `awq`: each projection is
    packing_reference.awq_dequantize(...) rounded to float16 (2^-11 relative, far below the 4-bit
    steps), so the plain float16 path computes what the AWQ kernels should."""
    out.mkdir()
    config = json.loads((awq / "config.json").read_text())
    group = config.pop("quantization_config")["group_size"]
    (out / "config.json").write_text(json.dumps(config, indent=2))
    for f in awq.iterdir():
        if f.name not in ("config.json", "model.safetensors"):
            os.symlink(f, out / f.name)
    t = load_file(awq / "model.safetensors")
    dense = {}
    for name, v in t.items():
        if name.endswith(".qweight"):
            p = name[:-len(".qweight")]
            w = ref.awq_dequantize(v, t[p + ".qzeros"], t[p + ".scales"], group)
            dense[p + ".weight"] = w.astype(np.float16)
        elif not name.endswith((".qzeros", ".scales")):
            dense[name] = v
    save_file(dense, out / "model.safetensors", metadata={"format": "pt"})
    return out


# --- servers ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def awq(tmp_path_factory, awq_dir):
    s = awq_server(tmp_path_factory.mktemp("awq-server"), awq_dir)
    yield s
    assert s.stop() == 0, s.output()


@pytest.fixture(scope="module")
def f16(tmp_path_factory, hf_model):
    s = Server(tmp_path_factory.mktemp("f16-server"), model=str(hf_model))
    yield s
    assert s.stop() == 0, s.output()


@pytest.fixture(scope="module")
def dequantized(tmp_path_factory, awq_dir, checkpoints):
    s = Server(tmp_path_factory.mktemp("dequantized-server"),
               model=str(dequantized_checkpoint(awq_dir, checkpoints / "dequantized-g64")))
    yield s
    assert s.stop() == 0, s.output()


# --- teacher-forced comparison ------------------------------------------------------------------

def summary(per_prompt):
    rows = [row for rows in per_prompt for row in rows]
    agree = [sum(a for a, _, _ in rows_) for rows_ in per_prompt]
    diffs = [abs(r - c) for _, r, c in rows]
    gaps = [r - c for _, r, c in rows]
    return {"agree": agree, "total": len(rows), "mean_abs": float(np.mean(diffs)),
            "max_abs": float(np.max(diffs)), "mean_gap": float(np.mean(gaps))}


# --- serving ------------------------------------------------------------------------------------

def test_models_and_engine_report_awq(awq, f16):
    models = client_of(awq).models.list().data
    assert [m.id for m in models] == ["smollm2"]
    assert models[0].model_extra["quantization"] == "awq"
    assert awq.engine_stats()["quantization"] == "awq"
    assert client_of(f16).models.list().data[0].model_extra["quantization"] is None
    assert f16.engine_stats()["quantization"] is None
    assert "quant backend awq" in awq.output()


def test_weights_take_less_memory(awq, f16):
    # 4 bits plus one f32 scale and min per 64 weights: ~0.6 bytes a weight instead of 2 (the
    # f16 embeddings stay as they are).
    q, f = awq.engine_stats()["memory"]["weights_bytes"], f16.engine_stats()["memory"]["weights_bytes"]
    assert 0 < q < 0.6 * f, (q, f)


def test_greedy_completion(awq):
    r = client_of(awq).completions.create(model="smollm2", prompt="The capital of France is",
                                          max_tokens=12, temperature=0)
    text = r.choices[0].text
    # " Paris" leads the quantized model's first-token distribution by 1.5 nats (-1.16 vs -2.69
    # for " the"): no run-to-run or SIMD-level noise moves that.
    assert text.strip() and "Paris" in text, text
    assert r.usage.completion_tokens == 12


def test_chat_completion_streams(awq):
    chunks = list(client_of(awq).chat.completions.create(
        model="smollm2", messages=[{"role": "user", "content": "Say hello."}], max_tokens=16,
        temperature=0, stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip()


def test_matches_the_dequantized_checkpoint(awq, dequantized):
    """The AWQ kernels against the float16 path over the reference dequantization of the same
    checkpoint: what differs is only the kernels' Q8 activations (and f16 rounding of the
    dequantized weights). Measured on SmolLM2-135M, g64 (AVX-512 VNNI / AVX2 kernels): top-1
    agreement 7-8, 7, 8 of 8, mean |diff| of the reference token's logprob 0.05-0.06 nats, max
    0.21-0.28. Checkpoints that stand for a kernel misreading the packing measured: AWQ's nibble
    order ignored in one layer (model.layers.5.mlp.gate_proj) agree 15/24, mean 0.64, max 2.3;
    in every layer, zeros read as 8, or each group given its neighbour's scale: agree 0-2/24,
    mean 3.5-5 nats. This test fails all of them, the f16 comparison below only the global ones."""
    s = summary(teacher_forced(dequantized, awq, PROMPTS, FORCED_TOKENS))
    assert sum(s["agree"]) >= s["total"] - 4 and s["mean_abs"] < 0.3 and s["max_abs"] < 1.0, s


@pytest.mark.parametrize("group_size, zero_point", [(32, True), (96, True), (64, False)],
                         ids=["g32", "g96", "g64-symmetric"])
def test_other_layouts_match_their_dequantized_checkpoints(tmp_path, hf_model, group_size,
                                                           zero_point):
    """Group sizes 32 and 96 (a group that ends inside a kernel superblock of 64 inputs), and no
    zero point (qzeros all 8): the same comparison as above. Measured (AVX-512 VNNI): top-1
    agreement g32 23/24, g96 21/24, symmetric 18/19 (its reference stops after 3 tokens on one
    prompt); mean |diff| 0.04-0.07 nats, max 0.49 (g32), 0.23, 0.12."""
    d = pathlib.Path(make_awq_checkpoint(hf_model, tmp_path / "awq", group_size=group_size,
                                         zero_point=zero_point))
    reference = Server(mkdir(tmp_path / "dequantized-server"),
                       model=str(dequantized_checkpoint(d, tmp_path / "dequantized")))
    try:
        s = awq_server(mkdir(tmp_path / "awq-server"), d)
        try:
            agreement = summary(teacher_forced(reference, s, PROMPTS, FORCED_TOKENS))
        finally:
            assert s.stop() == 0, s.output()
    finally:
        assert reference.stop() == 0, reference.output()
    assert sum(agreement["agree"]) >= agreement["total"] - 4 and agreement["mean_abs"] < 0.3 \
        and agreement["max_abs"] < 1.0, agreement


def mkdir(path):
    path.mkdir()
    return path


def test_largely_agrees_with_the_f16_model(awq, f16):
    """Against the original float16 model the 4-bit RTN error (~10% of each weight matrix's norm,
    on a 135M model) is large: free-running greedy texts part after 0-4 tokens (first 8 tokens
    equal position by position: 4, 1, 1 for the three prompts). Teacher-forced, the quantized
    model's top token is the f16 model's 5-6, 5, 5 times of 8 (15-16/24) and it gives the f16
    model's token ~0.4 nats less logprob on average. Garbage (a broken kernel: see above) agrees
    0-1 times of 24 and is 4-5.6 nats off; thresholds: at least 9 of 24 and a mean gap under 1.5
    nats."""
    s = summary(teacher_forced(f16, awq, PROMPTS, FORCED_TOKENS))
    assert sum(s["agree"]) >= 9 and s["mean_gap"] < 1.5, s


def test_modules_to_not_convert(tmp_path_factory, checkpoints, hf_model, awq, f16):
    """--keep mlp.down_proj: those layers stay f16 `.weight` (modules_to_not_convert) and load as
    plain matrices next to the AWQ ones."""
    d = pathlib.Path(make_awq_checkpoint(hf_model, checkpoints / "awq-keep-down", group_size=GROUP,
                                         keep=["mlp.down_proj"]))
    qc = json.loads((d / "config.json").read_text())["quantization_config"]
    assert qc["modules_to_not_convert"] == ["mlp.down_proj"]
    s = awq_server(tmp_path_factory.mktemp("awq-keep-server"), d)
    try:
        assert s.engine_stats()["quantization"] == "awq"
        r = client_of(s).completions.create(model="smollm2", prompt="The capital of France is",
                                            max_tokens=8, temperature=0)
        assert r.choices[0].text.strip()
        weights = s.engine_stats()["memory"]["weights_bytes"]
        assert awq.engine_stats()["memory"]["weights_bytes"] < weights \
            < f16.engine_stats()["memory"]["weights_bytes"]
        agreement = summary(teacher_forced(f16, s, PROMPTS, FORCED_TOKENS))
        assert sum(agreement["agree"]) >= 9 and agreement["mean_gap"] < 1.5, agreement
    finally:
        assert s.stop() == 0, s.output()


# --- checkpoints that must not serve --------------------------------------------------------------

def variant(base, out, quant=None, tensors=None):
    """A copy of the checkpoint `base` in `out`: quantization_config updated with `quant`, the
    tensors changed by `tensors(dict)`; unchanged files are symbolic links."""
    out.mkdir()
    config = json.loads((base / "config.json").read_text())
    config["quantization_config"].update(quant or {})
    (out / "config.json").write_text(json.dumps(config, indent=2))
    for f in base.iterdir():
        if f.name == "config.json" or (tensors and f.name == "model.safetensors"):
            continue
        os.symlink(f, out / f.name)
    if tensors:
        t = load_file(base / "model.safetensors")
        tensors(t)
        save_file(t, out / "model.safetensors", metadata={"format": "pt"})
    return out


def narrow_qweight(t):
    name = "model.layers.7.mlp.up_proj.qweight"
    t[name] = np.ascontiguousarray(t[name][:, :-1])


def drop_scales(t):
    del t["model.layers.11.self_attn.v_proj.scales"]


BAD = {
    # name: (quantization_config changes, tensor changes, what the message must name)
    "qweight-shape": ({}, narrow_qweight, ["model.layers.7.mlp.up_proj", "'qweight'", "576 x 191"]),
    "bits-3": ({"bits": 3}, None, ["bits = 3", "4-bit"]),
    "gemv": ({"version": "gemv"}, None, ["'gemv'"]),
    # 128 does not divide K = 576 (the tensors are g64's)
    "group-128": ({"group_size": 128}, None, ["group_size 128", "576"]),
    # not a multiple of 32 (96 would be one, and it divides 576 and 1536)
    "group-48": ({"group_size": 48}, None, ["group_size = 48", "multiple of 32"]),
    "missing-scales": ({}, drop_scales, ["model.layers.11.self_attn.v_proj", "'scales'", "missing"]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_checkpoint_stops_start_up(tmp_path, awq_dir, name):
    quant, tensors, words = BAD[name]
    d = variant(awq_dir, tmp_path / name, quant, tensors)
    rc, output = start_fails(tmp_path, str(d), QUANT_ENGINE, QUANT_SECTION)
    assert rc != 0, output
    failed = [line for line in output.splitlines() if "start-up failed" in line]
    assert failed and all(w in failed[0] for w in words), output
    assert "wharfd ready" not in output


def test_quantized_checkpoint_needs_a_quantization_key(tmp_path, awq_dir):
    rc, output = start_fails(tmp_path, str(awq_dir), extra_engine="", extra_sections=QUANT_SECTION)
    assert rc != 0, output
    failed = [line for line in output.splitlines() if "start-up failed" in line]
    assert failed and "'quantization'" in failed[0] and "awq" in failed[0], output
