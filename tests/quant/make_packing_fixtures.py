#!/usr/bin/env python3
"""Writes the quantized-packing fixtures (tests/fixtures/quant/*.safetensors) from the numpy
reference in packing_reference.py; the C++ unit tests compare against them bit for bit. The output
is byte-for-byte deterministic (fixed seeds); test_packing_reference.py regenerates it and checks
the committed files are identical.

Usage (from the repository root):
  .venv/bin/python tests/quant/make_packing_fixtures.py [OUTPUT_DIR]
"""
import os
import sys

import numpy as np
from safetensors.numpy import save_file

import packing_reference as ref

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_OUT = os.path.join(ROOT, "tests", "fixtures", "quant")
METADATA = {"generator": "tests/quant/make_packing_fixtures.py"}

FIXTURE_NAMES = ("awq_g32.safetensors", "awq_g128.safetensors", "awq_rtn_g64.safetensors",
                 "squeezellm.safetensors")


def _matmul_t(x, w):
    """y = x @ w.T in float64, cast to float32."""
    return (x.astype(np.float64) @ w.astype(np.float64).T).astype(np.float32)


def awq_fixture(seed, k, n, group_size):
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 16, size=(k, n), dtype=np.uint8)
    z = rng.integers(0, 16, size=(k // group_size, n), dtype=np.uint8)
    scales = rng.uniform(0.001, 0.05, size=(k // group_size, n)).astype(np.float16)
    x = rng.standard_normal((5, k)).astype(np.float32)
    qweight = ref.awq_pack(q)
    qzeros = ref.awq_pack(z)
    assert np.array_equal(ref.awq_unpack(qweight), q) and np.array_equal(ref.awq_unpack(qzeros), z)
    weight = ref.awq_dequantize(qweight, qzeros, scales, group_size)
    return {"q": q, "z": z, "qweight": qweight, "qzeros": qzeros, "scales": scales,
            "weight": weight, "x": x, "y": _matmul_t(x, weight)}


def awq_rtn_fixture(seed, n, k, group_size):
    rng = np.random.default_rng(seed)
    w_in = (rng.standard_normal((n, k)) * 0.02).astype(np.float32)
    qweight, qzeros, scales = ref.awq_quantize_rtn(w_in, group_size, zero_point=True)
    sym_qweight, sym_qzeros, sym_scales = ref.awq_quantize_rtn(w_in, group_size, zero_point=False)
    return {"w_in": w_in, "qweight": qweight, "qzeros": qzeros, "scales": scales,
            "sym_qweight": sym_qweight, "sym_qzeros": sym_qzeros, "sym_scales": sym_scales}


def squeezellm_fixture(seed, k, n, density):
    rng = np.random.default_rng(seed)
    q = rng.integers(0, 16, size=(k, n), dtype=np.uint8)
    lut = np.sort((rng.standard_normal((n, 16)) * 0.02).astype(np.float16), axis=1)
    x = rng.standard_normal((5, k)).astype(np.float32)
    mask = rng.random((n, k)) < density
    rows, cols = np.nonzero(mask)                          # row-major: indices increase in a row
    indptr = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int32)
    indices = cols.astype(np.int32)
    values = (rng.standard_normal(rows.shape[0]) * 0.1).astype(np.float16)
    qweight = ref.squeezellm_pack(q)
    assert np.array_equal(ref.squeezellm_unpack(qweight), q)
    weight = ref.squeezellm_dequantize(qweight, lut)
    weight_sparse = ref.squeezellm_dequantize(qweight, lut, indptr, indices, values)
    return {"q": q, "qweight": qweight, "lookup_table": lut, "weight": weight, "x": x,
            "y": _matmul_t(x, weight), "sparse_indptr": indptr, "sparse_indices": indices,
            "sparse_values": values, "weight_sparse": weight_sparse,
            "y_sparse": _matmul_t(x, weight_sparse)}


def fixtures():
    """{file name: {tensor name: array}}."""
    return {
        "awq_g32.safetensors": awq_fixture(seed=3201, k=128, n=64, group_size=32),
        "awq_g128.safetensors": awq_fixture(seed=12801, k=256, n=48, group_size=128),
        "awq_rtn_g64.safetensors": awq_rtn_fixture(seed=6401, n=32, k=128, group_size=64),
        "squeezellm.safetensors": squeezellm_fixture(seed=4001, k=128, n=40, density=0.01),
    }


def main(out_dir=DEFAULT_OUT):
    os.makedirs(out_dir, exist_ok=True)
    for name, tensors in fixtures().items():
        tensors = {key: np.ascontiguousarray(value) for key, value in tensors.items()}
        save_file(tensors, os.path.join(out_dir, name), metadata=METADATA)
    return out_dir


if __name__ == "__main__":
    if len(sys.argv) > 2:
        sys.exit(__doc__)
    print(main(sys.argv[1] if len(sys.argv) == 2 else DEFAULT_OUT))
