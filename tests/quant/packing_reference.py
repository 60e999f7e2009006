"""An independent numpy reference of two 4-bit quantized-checkpoint packings, written from their
documented layouts (not from AutoAWQ or vLLM code). The C++ loaders are tested against fixtures
made from it (make_packing_fixtures.py), bit for bit.

Conventions shared by both formats:
  * a linear layer has N output features and K input features, y = x @ W.T, W is [N, K];
  * the integer tensors are indexed [input k, output n] (the transpose of W);
  * an int32 holds 8 nibbles, nibble i in bits 4i..4i+3. Packing goes through uint32 and is viewed
    as int32, so a value >= 8 in nibble 7 makes the int32 negative;
  * all arithmetic is float32 (float16 tensors are widened exactly first); float16 rounding is
    numpy's round-to-nearest-even, integer rounding np.round (half to even), i.e. C++'s
    std::nearbyint in the default rounding mode.

AWQ ("gemm" version, AutoAWQ layout), group size G dividing K:
  * qweight int32 [K, N/8]: for input row k and output-column group c (columns 8c..8c+7), nibble i
    holds q[k, 8c + AWQ_ORDER[i]]; unpacking, column 8c+j is nibble AWQ_REVERSE[j];
  * qzeros int32 [K/G, N/8]: the same packing of the zeros z[K/G, N];
  * scales float16 [K/G, N];
  * W[n, k] = (q[k, n] - z[k//G, n]) * s[k//G, n].

SqueezeLLM (vLLM <= 0.6.0 format, wbits=4):
  * qweight int32 [K/8, N], packed along the input dimension without interleave: nibble j of
    packed row r, column n holds q[8r + j, n];
  * lookup_table float16 [N, 16]; W[n, k] = LUT[n, q[k, n]];
  * Wharf's dense-and-sparse extension: optional sparse_indptr int32 [N+1], sparse_indices int32
    [nnz] (input index k, strictly increasing within a row) and sparse_values float16 [nnz] form a
    CSR matrix S[N, K] over output rows; W[n, k] = LUT[n, q[k, n]] + S[n, k]. The sparse values
    are additive corrections: a quantizer sets S[n, k] = W_true[n, k] - LUT[n, q[k, n]] at its
    outlier positions.
"""
import numpy as np

AWQ_ORDER = (0, 2, 4, 6, 1, 3, 5, 7)    # nibble i holds column AWQ_ORDER[i] of its group of 8
AWQ_REVERSE = (0, 4, 1, 5, 2, 6, 3, 7)  # column j is in nibble AWQ_REVERSE[j]

_SHIFTS = np.arange(8, dtype=np.uint32) * np.uint32(4)


def _check_nibbles(q):
    q = np.asarray(q)
    if q.dtype.kind not in "iu":
        raise TypeError(f"integer values expected, got {q.dtype}")
    if q.size and (q.min() < 0 or q.max() > 15):
        raise ValueError("values must be in 0..15")
    return q.astype(np.uint32)


def _pack_last_axis(q8):
    """[..., 8] values 0..15 -> [...] int32, element j into nibble j."""
    return np.bitwise_or.reduce(q8 << _SHIFTS, axis=-1).astype(np.uint32).view(np.int32)


def _unpack_last_axis(packed):
    """[...] int32 -> [..., 8] uint8, nibble j to element j."""
    u = np.asarray(packed, dtype=np.int32).view(np.uint32)
    return ((u[..., None] >> _SHIFTS) & np.uint32(0xF)).astype(np.uint8)


# --- AWQ ----------------------------------------------------------------------------------------

def awq_pack(q):
    """q [R, N] in 0..15 (R = K for qweight, K/G for qzeros) -> int32 [R, N/8] in AWQ order."""
    q = _check_nibbles(q)
    rows, n = q.shape
    if n % 8:
        raise ValueError("N must be a multiple of 8")
    groups = q.reshape(rows, n // 8, 8)
    return _pack_last_axis(groups[:, :, list(AWQ_ORDER)])


def awq_unpack(packed):
    """int32 [R, N/8] in AWQ order -> uint8 [R, N]."""
    packed = np.asarray(packed)
    if packed.dtype != np.int32 or packed.ndim != 2:
        raise TypeError("int32 [R, N/8] expected")
    nibbles = _unpack_last_axis(packed)                    # [R, N/8, 8], by nibble
    columns = nibbles[:, :, list(AWQ_REVERSE)]             # [R, N/8, 8], by column
    return columns.reshape(packed.shape[0], packed.shape[1] * 8)


def awq_dequantize(qweight, qzeros, scales, group_size):
    """AWQ tensors -> float32 W [N, K]; (q - z) is an exact small integer, times float32(s), so
    every element is one float32 multiplication."""
    q = awq_unpack(qweight)                                # [K, N]
    z = awq_unpack(qzeros)                                 # [K/G, N]
    scales = np.asarray(scales)
    k, n = q.shape
    if scales.dtype != np.float16 or k % group_size or scales.shape != (k // group_size, n) \
            or z.shape != scales.shape:
        raise ValueError("inconsistent AWQ shapes")
    zk = np.repeat(z, group_size, axis=0).astype(np.float32)
    sk = np.repeat(scales.astype(np.float32), group_size, axis=0)
    w = (q.astype(np.float32) - zk) * sk
    return np.ascontiguousarray(w.T)


def awq_quantize_rtn(w, group_size, zero_point=True):
    """Round-to-nearest AWQ quantization of float32 W [N, K] -> (qweight, qzeros, scales).

    Per output n and group of G inputs, in float32 (np.round is round half to even, as C++
    std::nearbyint in the default rounding mode):
      zero_point=True (asymmetric): max and min are over the group's own values (0 is not added
        to the range); s = (max - min) / 15 clamped to >= 1e-5, rounded to float16 (s below is
        float32 of that float16); z = clip(round(-min / s), 0, 15);
        q = clip(round(w / s) + z, 0, 15);
      zero_point=False (symmetric): s = max(|w|) / 7 clamped to >= 1e-5, rounded to float16;
        z = 8; q = clip(round(w / s) + 8, 0, 15); qzeros is still written (all 8s).
    """
    w = np.asarray(w)
    if w.dtype != np.float32 or w.ndim != 2:
        raise TypeError("float32 W [N, K] expected")
    n, k = w.shape
    if k % group_size:
        raise ValueError("group size must divide K")
    g = w.reshape(n, k // group_size, group_size)
    if zero_point:
        wmax = g.max(axis=-1)
        wmin = g.min(axis=-1)
        s = (wmax - wmin) / np.float32(15)
    else:
        s = np.abs(g).max(axis=-1) / np.float32(7)
    s = np.maximum(s, np.float32(1e-5)).astype(np.float16)
    s32 = s.astype(np.float32)
    if zero_point:
        z = np.clip(np.round(-wmin / s32), 0, 15)
    else:
        z = np.full_like(s32, 8)
    q = np.clip(np.round(g / s32[..., None]) + z[..., None], 0, 15)
    q_kn = q.reshape(n, k).T.astype(np.uint8)              # [K, N]
    z_gn = z.T.astype(np.uint8)                            # [K/G, N]
    return awq_pack(q_kn), awq_pack(z_gn), np.ascontiguousarray(s.T)


# --- SqueezeLLM ---------------------------------------------------------------------------------

def squeezellm_pack(q):
    """Indices q [K, N] in 0..15 -> int32 [K/8, N], nibble j of row r = q[8r + j]."""
    q = _check_nibbles(q)
    k, n = q.shape
    if k % 8:
        raise ValueError("K must be a multiple of 8")
    return _pack_last_axis(q.reshape(k // 8, 8, n).transpose(0, 2, 1))


def squeezellm_unpack(packed):
    """int32 [K/8, N] -> uint8 indices [K, N]."""
    packed = np.asarray(packed)
    if packed.dtype != np.int32 or packed.ndim != 2:
        raise TypeError("int32 [K/8, N] expected")
    rows, n = packed.shape
    return _unpack_last_axis(packed).transpose(0, 2, 1).reshape(rows * 8, n)


def squeezellm_dequantize(qweight, lut, indptr=None, indices=None, values=None):
    """SqueezeLLM tensors -> float32 W [N, K]: W[n, k] = LUT[n, q[k, n]] (+ S[n, k], one float32
    addition, where the CSR sparse part is given)."""
    q = squeezellm_unpack(qweight)                         # [K, N]
    k, n = q.shape
    lut = np.asarray(lut)
    if lut.dtype != np.float16 or lut.shape != (n, 16):
        raise ValueError("lookup_table must be float16 [N, 16]")
    w = np.take_along_axis(lut.astype(np.float32), q.T.astype(np.intp), axis=1)  # [N, K]
    parts = (indptr, indices, values)
    if all(p is None for p in parts):
        return w
    if any(p is None for p in parts):
        raise ValueError("sparse_indptr, sparse_indices and sparse_values come together")
    indptr, indices, values = (np.asarray(p) for p in parts)
    if indptr.dtype != np.int32 or indices.dtype != np.int32 or values.dtype != np.float16:
        raise TypeError("sparse part: int32 indptr, int32 indices, float16 values")
    nnz = indices.shape[0]
    if indptr.shape != (n + 1,) or values.shape != (nnz,) or indptr[0] != 0 or indptr[-1] != nnz \
            or np.any(np.diff(indptr) < 0):
        raise ValueError("bad CSR row pointers")
    rows = np.repeat(np.arange(n), np.diff(indptr))
    if nnz and (indices.min() < 0 or indices.max() >= k):
        raise ValueError("sparse index out of range")
    same_row = rows[1:] == rows[:-1]
    if np.any(same_row & (indices[1:] <= indices[:-1])):
        raise ValueError("sparse indices must be strictly increasing within a row")
    w[rows, indices] += values.astype(np.float32)
    return w
