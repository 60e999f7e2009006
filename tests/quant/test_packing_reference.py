"""Tests of the numpy packing reference (packing_reference.py) and of the committed fixtures made
from it (make_packing_fixtures.py -> tests/fixtures/quant/)."""
import os

import numpy as np
import pytest

import make_packing_fixtures
import packing_reference as ref


def _random_nibbles(rng, shape):
    q = rng.integers(0, 16, size=shape, dtype=np.uint8)
    q.flat[0] = 15                                         # at least one high nibble is set
    return q


# --- (a) round trips ----------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 8), (7, 16), (128, 64), (4, 48)])
def test_awq_round_trip(shape):
    rng = np.random.default_rng(1)
    q = _random_nibbles(rng, shape)
    packed = ref.awq_pack(q)
    assert packed.dtype == np.int32 and packed.shape == (shape[0], shape[1] // 8)
    assert np.array_equal(ref.awq_unpack(packed), q)


@pytest.mark.parametrize("shape", [(8, 1), (16, 7), (128, 40), (256, 3)])
def test_squeezellm_round_trip(shape):
    rng = np.random.default_rng(2)
    q = _random_nibbles(rng, shape)
    packed = ref.squeezellm_pack(q)
    assert packed.dtype == np.int32 and packed.shape == (shape[0] // 8, shape[1])
    assert np.array_equal(ref.squeezellm_unpack(packed), q)


def test_high_nibble_gives_negative_int32():
    all15 = np.full((1, 8), 15, dtype=np.uint8)
    assert ref.awq_pack(all15)[0, 0] == -1
    assert ref.squeezellm_pack(all15.T)[0, 0] == -1
    # AWQ: nibble 7 holds column 7; SqueezeLLM: nibble 7 holds input 7.
    one = np.zeros((1, 8), dtype=np.uint8)
    one[0, 7] = 8
    assert ref.awq_pack(one)[0, 0] == np.int32(-2**31)
    assert ref.squeezellm_pack(one.T)[0, 0] == np.int32(-2**31)
    assert np.array_equal(ref.awq_unpack(np.array([[-2**31]], dtype=np.int32)), one)
    assert np.array_equal(ref.squeezellm_unpack(np.array([[-2**31]], dtype=np.int32)), one.T)


def test_pack_rejects_out_of_range():
    with pytest.raises(ValueError):
        ref.awq_pack(np.full((1, 8), 16, dtype=np.int32))
    with pytest.raises(ValueError):
        ref.squeezellm_pack(np.full((8, 1), -1, dtype=np.int32))
    with pytest.raises(ValueError):
        ref.awq_pack(np.zeros((1, 12), dtype=np.uint8))
    with pytest.raises(ValueError):
        ref.squeezellm_pack(np.zeros((12, 1), dtype=np.uint8))


# --- (b) hand-computed examples -----------------------------------------------------------------

def test_awq_hand_example():
    # Columns 0..7 hold 0..7; nibble i holds column AWQ_ORDER[i] = [0, 2, 4, 6, 1, 3, 5, 7], so
    # from nibble 7 down to nibble 0 the hex digits read 7 5 3 1 6 4 2 0.
    q = np.arange(8, dtype=np.uint8)[None, :]
    assert ref.awq_pack(q)[0, 0] == 0x75316420
    # A second group of 8 columns goes into the second int32 of the row.
    q2 = np.concatenate([q, 15 - q], axis=1)
    # columns 8..15 hold 15..8; nibbles [15, 13, 11, 9, 14, 12, 10, 8] -> 0x8ACE9BDF (negative)
    assert ref.awq_pack(q2)[0, 1] == np.uint32(0x8ACE9BDF).view(np.int32)
    assert np.array_equal(ref.awq_unpack(np.array([[0x75316420]], dtype=np.int32)), q)


def test_squeezellm_hand_example():
    # Inputs 0..7 of one output column hold 0..7; nibble j holds input j.
    q = np.arange(8, dtype=np.uint8)[:, None]
    assert ref.squeezellm_pack(q)[0, 0] == 0x76543210
    assert np.array_equal(ref.squeezellm_unpack(np.array([[0x76543210]], dtype=np.int32)), q)


def test_awq_dequantize_hand_example():
    # K = 8, N = 8, one group; column n has q = n, z = 3, s = 0.5 -> W[n, k] = (n - 3) * 0.5.
    q = np.tile(np.arange(8, dtype=np.uint8), (8, 1))
    z = np.full((1, 8), 3, dtype=np.uint8)
    s = np.full((1, 8), 0.5, dtype=np.float16)
    w = ref.awq_dequantize(ref.awq_pack(q), ref.awq_pack(z), s, 8)
    assert w.dtype == np.float32 and w.shape == (8, 8)
    assert np.array_equal(w, np.repeat((np.arange(8, dtype=np.float32)[:, None] - 3) * 0.5, 8, axis=1))


def test_squeezellm_dequantize_hand_example():
    # K = 8, N = 2: W[n, k] = LUT[n, q[k, n]], plus S[1, 2] = 0.25 and S[1, 5] = -1.
    q = np.stack([np.arange(8), 15 - np.arange(8)], axis=1).astype(np.uint8)
    lut = np.stack([np.arange(16), -np.arange(16)]).astype(np.float16)
    packed = ref.squeezellm_pack(q)
    dense = ref.squeezellm_dequantize(packed, lut)
    assert np.array_equal(dense, np.stack([np.arange(8), -(15 - np.arange(8))]).astype(np.float32))
    indptr = np.array([0, 0, 2], dtype=np.int32)
    indices = np.array([2, 5], dtype=np.int32)
    values = np.array([0.25, -1], dtype=np.float16)
    sparse = ref.squeezellm_dequantize(packed, lut, indptr, indices, values)
    expected = dense.copy()
    expected[1, 2] += 0.25
    expected[1, 5] -= 1
    assert np.array_equal(sparse, expected)
    with pytest.raises(ValueError):                        # not strictly increasing in a row
        ref.squeezellm_dequantize(packed, lut, indptr, indices[::-1].copy(), values)
    with pytest.raises(ValueError):                        # out of range
        ref.squeezellm_dequantize(packed, lut, indptr, np.array([2, 8], dtype=np.int32), values)


# --- (c) RTN quantization -----------------------------------------------------------------------

# The float16 rounding of s can make (max - min) / s exceed 15 by a relative 2^-11, so the element
# at the top of a group may be off by a little more than s / 2.
_F16_SLACK = 15 * 2.0**-11 + 1e-6


@pytest.mark.parametrize("group_size", [32, 64, 128])
def test_awq_rtn_asymmetric_within_half_step(group_size):
    rng = np.random.default_rng(group_size)
    w = (rng.standard_normal((24, 256)) * 0.02).astype(np.float32)
    w[0, :group_size] += 0.1                               # one group entirely positive ...
    w[1, :group_size] -= 0.1                               # ... and one entirely negative
    qweight, qzeros, scales = ref.awq_quantize_rtn(w, group_size, zero_point=True)
    assert qweight.shape == (256, 3) and qzeros.shape == (256 // group_size, 3)
    assert scales.dtype == np.float16 and scales.shape == (256 // group_size, 24)
    deq = ref.awq_dequantize(qweight, qzeros, scales, group_size)
    s = np.repeat(scales.astype(np.float32), group_size, axis=0).T      # [N, K]
    err = np.abs(deq - w)
    rows = slice(2, None)                                  # groups that straddle 0
    assert np.all(err[rows] <= s[rows] * (0.5 + _F16_SLACK))
    # Group entirely on one side of 0: z clips to 0 (or 15) and w is no longer reachable to s/2,
    # but the quantization is still the documented one.
    z = ref.awq_unpack(qzeros)
    assert z[0, 0] == 0 and z[0, 1] == 15


def test_awq_rtn_symmetric():
    rng = np.random.default_rng(7)
    w = (rng.standard_normal((16, 128)) * 0.02).astype(np.float32)
    qweight, qzeros, scales = ref.awq_quantize_rtn(w, 64, zero_point=False)
    assert np.all(ref.awq_unpack(qzeros) == 8)
    s32 = scales.astype(np.float32)
    expected = (np.abs(w.reshape(16, 2, 64)).max(axis=-1) / np.float32(7)).astype(np.float16)
    assert np.array_equal(scales, np.ascontiguousarray(expected.T))
    q = ref.awq_unpack(qweight)
    assert q.min() >= 1                                    # |round(w / s)| <= 7
    deq = ref.awq_dequantize(qweight, qzeros, scales, 64)
    s = np.repeat(s32, 64, axis=0).T
    assert np.all(np.abs(deq - w) <= s * (0.5 + _F16_SLACK))


def test_awq_rtn_rounding_is_half_to_even():
    # One group of 8: min = 0, max = 15 -> s = 1, z = 0; w = 2.5 -> 2, w = 3.5 -> 4.
    w = np.array([[0, 15, 2.5, 3.5, 1, 1, 1, 1]], dtype=np.float32).repeat(8, axis=0)
    qweight, qzeros, scales = ref.awq_quantize_rtn(w, 8, zero_point=True)
    assert np.all(scales == 1) and np.all(ref.awq_unpack(qzeros) == 0)
    assert np.array_equal(ref.awq_unpack(qweight)[:, 0], [0, 15, 2, 4, 1, 1, 1, 1])


def test_awq_rtn_constant_group_uses_minimum_scale():
    w = np.zeros((8, 16), dtype=np.float32)
    qweight, qzeros, scales = ref.awq_quantize_rtn(w, 8, zero_point=True)
    assert np.all(scales == np.float16(1e-5))
    assert np.all(ref.awq_dequantize(qweight, qzeros, scales, 8) == 0)


# --- (d) the committed fixtures are what the reference makes ------------------------------------

def test_fixtures_are_up_to_date(tmp_path):
    make_packing_fixtures.main(str(tmp_path))
    committed = make_packing_fixtures.DEFAULT_OUT
    assert sorted(os.listdir(tmp_path)) == sorted(make_packing_fixtures.FIXTURE_NAMES)
    for name in make_packing_fixtures.FIXTURE_NAMES:
        with open(tmp_path / name, "rb") as f:
            fresh = f.read()
        with open(os.path.join(committed, name), "rb") as f:
            assert f.read() == fresh, f"{name} differs: rerun tests/quant/make_packing_fixtures.py"
        assert len(fresh) < 100 * 1024


def test_fixtures_are_consistent():
    from safetensors.numpy import load_file
    d = load_file(os.path.join(make_packing_fixtures.DEFAULT_OUT, "awq_g32.safetensors"))
    assert np.array_equal(ref.awq_unpack(d["qweight"]), d["q"])
    assert np.array_equal(ref.awq_unpack(d["qzeros"]), d["z"])
    w = (d["q"].T.astype(np.float64) - np.repeat(d["z"], 32, axis=0).T) \
        * np.repeat(d["scales"].astype(np.float64), 32, axis=0).T
    assert np.array_equal(d["weight"], w.astype(np.float32))
    d = load_file(os.path.join(make_packing_fixtures.DEFAULT_OUT, "squeezellm.safetensors"))
    assert np.array_equal(ref.squeezellm_unpack(d["qweight"]), d["q"])
    assert np.all(np.diff(d["lookup_table"].astype(np.float32), axis=1) >= 0)
    nnz = int(d["sparse_indptr"][-1])
    assert 0 < nnz == d["sparse_indices"].shape[0] == d["sparse_values"].shape[0]
    diff = d["weight_sparse"] - d["weight"]
    assert np.count_nonzero(diff) <= nnz
