// How the CPU quant backends walk y = x · Wᵀ over one or several layers that read the same x: the
// layers' output features form one flat range, split across the engine's threads (one parallel
// loop for q/k/v together); each thread walks its features in tiles of 64, 16 tokens at a time,
// and hands the kernel up to 4 tokens per weight row, so that a row is unpacked once per 4 tokens
// while the tile's activations stay in cache.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

namespace wharf::cpu {

constexpr int64_t kRowTile = 64;
constexpr int64_t kTokenTile = 16;
constexpr int kTokensPerDot = 4;

// The part of the flat range [begin, end) that falls in each layer, as fn(layer, lo, hi) with
// lo < hi local to that layer; `rows[i]` is layer i's number of output features.
template <class Fn>
void forEachLayerSlice(std::span<const int64_t> rows, size_t begin, size_t end, Fn&& fn) {
  int64_t base = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const int64_t lo = std::max<int64_t>(static_cast<int64_t>(begin), base);
    const int64_t hi = std::min<int64_t>(static_cast<int64_t>(end), base + rows[i]);
    if (lo < hi) fn(i, lo - base, hi - base);
    base += rows[i];
  }
}

// dot(r, t, nt) for every weight row r in [r0, r1) and token tile of `tokens`, nt in 1..4 tokens
// from t; the kernel writes those nt results.
template <class Dot>
void tileRows(int64_t r0, int64_t r1, int64_t tokens, Dot&& dot) {
  for (int64_t a = r0; a < r1; a += kRowTile) {
    const int64_t b = std::min(r1, a + kRowTile);
    for (int64_t t0 = 0; t0 < tokens; t0 += kTokenTile) {
      const int64_t t1 = std::min(tokens, t0 + kTokenTile);
      for (int64_t r = a; r < b; ++r) {
        for (int64_t t = t0; t < t1; t += kTokensPerDot) {
          dot(r, t, static_cast<int>(std::min<int64_t>(kTokensPerDot, t1 - t)));
        }
      }
    }
  }
}

}  // namespace wharf::cpu
