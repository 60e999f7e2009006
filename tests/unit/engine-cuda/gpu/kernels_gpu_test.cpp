// Every engine-cuda kernel against a CPU reference in double precision on random inputs.
// Tolerances: f16 outputs are compared within 2^-10 relative (one f16 rounding) plus what the
// reference's f32 inputs explain; f32 outputs within 1e-5 relative.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "engine/cuda/cuda_check.hpp"
#include "engine/cuda/kernels.hpp"
#include "wharf/cpp/half.hpp"

namespace wharf::engine::cuda {
namespace {

// A device copy of a host vector.
template <class T>
class DeviceVector {
 public:
  explicit DeviceVector(const std::vector<T>& host) : n_(host.size()) {
    check(cudaMalloc(reinterpret_cast<void**>(&ptr_), std::max<size_t>(1, n_) * sizeof(T)),
          "cudaMalloc");
    check(cudaMemcpy(ptr_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice), "cudaMemcpy");
  }
  explicit DeviceVector(size_t n) : DeviceVector(std::vector<T>(n)) {}
  ~DeviceVector() { cudaFree(ptr_); }
  DeviceVector(const DeviceVector&) = delete;
  DeviceVector& operator=(const DeviceVector&) = delete;
  T* get() { return ptr_; }
  std::vector<T> host() const {
    std::vector<T> out(n_);
    check(cudaDeviceSynchronize(), "kernel");
    check(cudaMemcpy(out.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost), "cudaMemcpy");
    return out;
  }

 private:
  T* ptr_ = nullptr;
  size_t n_;
};

std::vector<float> randomFloats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

std::vector<uint16_t> toHalf(const std::vector<float>& v) {
  std::vector<uint16_t> h(v.size());
  for (size_t i = 0; i < v.size(); ++i) h[i] = floatToFp16(v[i]);
  return h;
}

float fromHalf(uint16_t h) { return fp16ToFloat(h); }

TEST(CudaKernels, EmbedRowsCopiesTheTokensRows) {
  const int vocab = 50, d = 96;
  const auto table = toHalf(randomFloats(vocab * d, 1));
  const std::vector<int32_t> ids = {3, 49, 0, 3};
  DeviceVector<uint16_t> t(table);
  DeviceVector<int32_t> i(ids);
  DeviceVector<float> out(ids.size() * d);
  embedRows(t.get(), i.get(), out.get(), 4, d, nullptr);
  const auto got = out.host();
  for (size_t r = 0; r < ids.size(); ++r)
    for (int c = 0; c < d; ++c)
      ASSERT_EQ(got[r * d + c], fromHalf(table[static_cast<size_t>(ids[r]) * d + c]));
}

TEST(CudaKernels, AddRmsNormMatchesTheReference) {
  const int rows = 5, d = 576;
  auto residual = randomFloats(rows * d, 2), delta = randomFloats(rows * d, 3);
  auto weight = randomFloats(d, 4, 0.1f);
  for (float& w : weight) w += 1.0f;
  DeviceVector<float> res(residual), del(delta), w(weight);
  DeviceVector<uint16_t> out(rows * d);
  addRmsNorm(res.get(), del.get(), w.get(), out.get(), rows, d, 1e-5f, nullptr);
  const std::vector<uint16_t> got = out.host();
  const std::vector<float> sum = res.host();
  for (int r = 0; r < rows; ++r) {
    double ss = 0;
    for (int i = 0; i < d; ++i) {
      const double x = static_cast<double>(residual[r * d + i]) + delta[r * d + i];
      EXPECT_NEAR(sum[r * d + i], x, 1e-6 * std::fabs(x) + 1e-7);
      ss += x * x;
    }
    const double scale = 1.0 / std::sqrt(ss / d + 1e-5);
    for (int i = 0; i < d; ++i) {
      const double want =
          (static_cast<double>(residual[r * d + i]) + delta[r * d + i]) * scale * weight[i];
      ASSERT_NEAR(fromHalf(got[r * d + i]), want, std::fabs(want) * 1.5e-3 + 1e-4);
    }
  }
}

TEST(CudaKernels, RopeMatchesTheReferenceInBothPairings) {
  const int rows = 3, heads = 4, head_dim = 64, pairs = 32;
  std::vector<float> inv_freq(pairs);
  for (int i = 0; i < pairs; ++i)
    inv_freq[i] = static_cast<float>(std::pow(10000.0, -2.0 * i / head_dim));
  const std::vector<int32_t> positions = {0, 7, 8191};
  for (bool neox : {false, true}) {
    const auto x = randomFloats(rows * heads * head_dim, 5);
    DeviceVector<float> dx(x), f(inv_freq);
    DeviceVector<int32_t> p(positions);
    applyRope(dx.get(), p.get(), f.get(), rows, heads, head_dim, pairs, neox, nullptr);
    const auto got = dx.host();
    for (int r = 0; r < rows; ++r) {
      for (int h = 0; h < heads; ++h) {
        const float* v = x.data() + (r * heads + h) * head_dim;
        const float* g = got.data() + (r * heads + h) * head_dim;
        for (int i = 0; i < pairs; ++i) {
          const double theta = static_cast<double>(positions[r]) * inv_freq[i];
          const int a = neox ? i : 2 * i, b = neox ? i + pairs : 2 * i + 1;
          const double c = static_cast<float>(std::cos(theta)),
                       s = static_cast<float>(std::sin(theta));
          ASSERT_NEAR(g[a], v[a] * c - v[b] * s, 1e-5) << neox;
          ASSERT_NEAR(g[b], v[a] * s + v[b] * c, 1e-5) << neox;
        }
      }
    }
  }
}

TEST(CudaKernels, SiluMulMatchesTheReference) {
  const auto gate = randomFloats(1000, 6, 3.0f), up = randomFloats(1000, 7);
  DeviceVector<float> g(gate), u(up);
  DeviceVector<uint16_t> out(1000);
  siluMul(g.get(), u.get(), out.get(), 1000, nullptr);
  const auto got = out.host();
  for (size_t i = 0; i < gate.size(); ++i) {
    const double want = gate[i] / (1.0 + std::exp(-static_cast<double>(gate[i]))) * up[i];
    ASSERT_NEAR(fromHalf(got[i]), want, std::fabs(want) * 1e-3 + 1e-5);
  }
}

TEST(CudaKernels, ArgmaxTakesTheLowestIndexOnTies) {
  const int rows = 3, vocab = 49152;
  auto logits = randomFloats(rows * vocab, 8);
  logits[0 * vocab + 40000] = 9.0f;
  logits[1 * vocab + 17] = 9.0f;
  logits[1 * vocab + 30000] = 9.0f;  // a tie: 17 wins
  logits[2 * vocab + vocab - 1] = 100.0f;
  DeviceVector<float> l(logits), values(rows);
  DeviceVector<int32_t> ids(rows);
  argmaxRows(l.get(), rows, vocab, ids.get(), values.get(), nullptr);
  EXPECT_EQ(ids.host(), (std::vector<int32_t>{40000, 17, vocab - 1}));
  EXPECT_EQ(values.host(), (std::vector<float>{9.0f, 9.0f, 100.0f}));
}

struct AttentionCase {
  int heads, kv_heads, head_dim, window;
};

class PagedAttention : public ::testing::TestWithParam<AttentionCase> {};

// Three sequences of 1, 37 and 70 positions in scattered blocks, K/V written with storeKv; one
// query row per position of each sequence (prefill-shaped) plus decode rows.
TEST_P(PagedAttention, MatchesTheReferenceOverScatteredBlocks) {
  const AttentionCase c = GetParam();
  const int kv_dim = c.kv_heads * c.head_dim, blocks = 16;
  const std::vector<int> lengths = {1, 37, 70};
  const int max_blocks = 5;
  std::vector<int32_t> tables = {3, 0, 0, 0, 0, 9, 1, 12, 0, 0, 4, 15, 2, 7, 11};
  std::vector<int32_t> sequence_of, positions;
  std::vector<int64_t> slots;
  for (int s = 0; s < 3; ++s) {
    for (int p = 0; p < lengths[s]; ++p) {
      sequence_of.push_back(s);
      positions.push_back(p);
      slots.push_back(static_cast<int64_t>(tables[s * max_blocks + p / 16]) * 16 + p % 16);
    }
  }
  const int rows = static_cast<int>(positions.size());
  const auto k = randomFloats(rows * kv_dim, 9), v = randomFloats(rows * kv_dim, 10);
  const auto q = randomFloats(rows * c.heads * c.head_dim, 11);
  DeviceVector<float> dk(k), dv(v), dq(q);
  DeviceVector<int64_t> ds(slots);
  DeviceVector<uint16_t> kc(blocks * 16 * kv_dim), vc(blocks * 16 * kv_dim);
  storeKv(dk.get(), dv.get(), ds.get(), kc.get(), vc.get(), rows, kv_dim, nullptr);
  DeviceVector<int32_t> dt(tables), dseq(sequence_of), dpos(positions);
  DeviceVector<uint16_t> out(rows * c.heads * c.head_dim);
  const float scale = 1.0f / std::sqrt(static_cast<float>(c.head_dim));
  pagedAttention(dq.get(), kc.get(), vc.get(), dt.get(), max_blocks, dseq.get(), dpos.get(),
                 out.get(), rows, c.heads, c.kv_heads, c.head_dim, scale, c.window, nullptr);
  const auto got = out.host();
  const auto kcache = kc.host();
  // The cache holds f16 K/V at the slots.
  for (int r = 0; r < rows; ++r)
    for (int i = 0; i < kv_dim; ++i)
      ASSERT_EQ(kcache[static_cast<size_t>(slots[r]) * kv_dim + i], floatToFp16(k[r * kv_dim + i]));
  auto half = [](float x) { return static_cast<double>(fp16ToFloat(floatToFp16(x))); };
  double worst = 0;
  for (int r = 0; r < rows; ++r) {
    const int first_row = r - positions[r];  // the sequence's position 0
    const int len = positions[r] + 1;
    const int from = c.window > 0 && len > c.window ? len - c.window : 0;
    for (int h = 0; h < c.heads; ++h) {
      const int g = h / (c.heads / c.kv_heads);
      std::vector<double> s(len);
      double m = -1e300;
      for (int j = from; j < len; ++j) {
        double dot = 0;
        for (int i = 0; i < c.head_dim; ++i)
          dot += q[(r * c.heads + h) * c.head_dim + i] *
                 half(k[(first_row + j) * kv_dim + g * c.head_dim + i]);
        s[j] = dot * scale;
        m = std::max(m, s[j]);
      }
      double sum = 0;
      for (int j = from; j < len; ++j) sum += (s[j] = std::exp(s[j] - m));
      for (int i = 0; i < c.head_dim; ++i) {
        double want = 0;
        for (int j = from; j < len; ++j)
          want += s[j] / sum * half(v[(first_row + j) * kv_dim + g * c.head_dim + i]);
        const double diff = std::fabs(fromHalf(got[(r * c.heads + h) * c.head_dim + i]) - want);
        worst = std::max(worst, diff);
        ASSERT_LE(diff, std::fabs(want) * 2e-3 + 2e-3) << "row " << r << " head " << h;
      }
    }
  }
  std::printf("max |diff| %.3g\n", worst);
}

INSTANTIATE_TEST_SUITE_P(Shapes, PagedAttention,
                         ::testing::Values(AttentionCase{9, 3, 64, 0}, AttentionCase{8, 2, 128, 0},
                                           AttentionCase{4, 4, 256, 0},
                                           AttentionCase{8, 2, 64, 5}));

}  // namespace
}  // namespace wharf::engine::cuda
