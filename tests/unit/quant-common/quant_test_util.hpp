// Helpers of the quant backends' unit tests: safetensors fixtures as wharf_tensors, a CPU pool of
// real threads, and a double-precision reference product.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "engine/model/safetensors.hpp"
#include "wharf/cpp/quant.hpp"
#include "wharf/cpp/tensor.hpp"

namespace wharf::quant_test {

// A fixture file of tests/fixtures/quant, opened once per test.
class Fixture {
 public:
  explicit Fixture(const std::string& name)
      : file_(engine::SafetensorsFile::open(std::string(WHARF_QUANT_FIXTURES_DIR) + "/" + name)) {}

  // Tensor `name` as the engine hands it to a backend, renamed `as` (the checkpoint suffix).
  wharf_tensor tensor(const std::string& name, const char* as = nullptr) const {
    const engine::SafetensorsTensor* t = file_.find(name);
    EXPECT_NE(t, nullptr) << name;
    wharf_tensor w{};
    if (!t) return w;
    w.name = as ? as : t->name.c_str();
    w.dtype = t->dtype == "I32"   ? WHARF_DTYPE_I32
              : t->dtype == "F16" ? WHARF_DTYPE_F16
              : t->dtype == "U8"  ? WHARF_DTYPE_U8
                                  : WHARF_DTYPE_F32;
    w.device = WHARF_DEVICE_CPU;
    w.ndim = static_cast<int32_t>(t->shape.size());
    for (size_t i = 0; i < t->shape.size(); ++i) w.shape[i] = static_cast<int64_t>(t->shape[i]);
    w.data = t->data;
    return w;
  }
  std::vector<float> floats(const std::string& name) const {
    const engine::SafetensorsTensor* t = file_.find(name);
    EXPECT_TRUE(t && t->dtype == "F32") << name;
    std::vector<float> out(t ? t->elements() : 0);
    if (t) std::memcpy(out.data(), t->data, out.size() * 4);
    return out;
  }
  std::vector<uint8_t> bytes(const std::string& name) const {
    const engine::SafetensorsTensor* t = file_.find(name);
    EXPECT_NE(t, nullptr) << name;
    return t ? std::vector<uint8_t>(t->data, t->data + t->bytes) : std::vector<uint8_t>{};
  }

 private:
  engine::SafetensorsFile file_;
};

// A wharf_cpu_pool of `workers` real threads (a new thread per range: tests only).
class ThreadsPool {
 public:
  explicit ThreadsPool(uint32_t workers) {
    pool_.struct_size = sizeof pool_;
    pool_.workers = workers;
    pool_.ctx = this;
    pool_.parallel_for = [](void* ctx, size_t count, wharf_range_fn fn, void* fn_ctx) {
      const uint32_t n = static_cast<ThreadsPool*>(ctx)->pool_.workers;
      std::vector<std::thread> threads;
      for (uint32_t w = 0; w < n; ++w) {
        const size_t begin = count * w / n, end = count * (w + 1) / n;
        if (begin < end) threads.emplace_back([=] { fn(fn_ctx, begin, end, w); });
      }
      for (std::thread& t : threads) t.join();
    };
  }
  const wharf_cpu_pool* get() const { return &pool_; }

 private:
  wharf_cpu_pool pool_{};
};

inline wharf_tensor hostF32(const void* data, int64_t rows, int64_t cols) {
  wharf_tensor t{};
  t.dtype = WHARF_DTYPE_F32;
  t.device = WHARF_DEVICE_CPU;
  t.ndim = 2;
  t.shape[0] = rows;
  t.shape[1] = cols;
  t.data = data;
  return t;
}

// y[t][n] = sum_k x[t][k] * w(n, k), in double.
inline std::vector<double> referenceProduct(const std::vector<float>& x, int64_t rows, int64_t k,
                                            int64_t n,
                                            const std::function<double(int64_t, int64_t)>& w) {
  std::vector<double> y(static_cast<size_t>(rows * n));
  for (int64_t t = 0; t < rows; ++t)
    for (int64_t r = 0; r < n; ++r) {
      double acc = 0;
      for (int64_t i = 0; i < k; ++i) acc += static_cast<double>(x[t * k + i]) * w(r, i);
      y[t * n + r] = acc;
    }
  return y;
}

}  // namespace wharf::quant_test
