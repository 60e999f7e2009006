// Helpers of the quant backends' unit tests: safetensors fixtures as wharf_tensors, a CPU pool of
// real threads, a double-precision reference product, tensor views, a sink that keeps what a
// quantizer emits, and the message of a wharf::Error.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <map>
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

using wharf::hostF32;  // the SDK's host F32 view

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

// A host tensor view named `name` of any rank.
inline wharf_tensor view(const char* name, wharf_dtype dtype, std::initializer_list<int64_t> shape,
                         const void* data) {
  wharf_tensor t{};
  t.name = name;
  t.dtype = dtype;
  t.device = WHARF_DEVICE_CPU;
  for (int64_t d : shape) t.shape[t.ndim++] = d;
  t.data = data;
  return t;
}

// A wharf_tensor_sink_fn that keeps a copy of every tensor it receives, by name.
class CollectedTensors {
 public:
  static wharf_status sink(void* ctx, const wharf_tensor* t, wharf_error**) {
    auto* self = static_cast<CollectedTensors*>(ctx);
    Entry& e = self->entries_[t->name ? t->name : ""];
    e.tensor = *t;
    e.bytes.assign(static_cast<size_t>(tensorElements(*t)) * dtypeBytes(t->dtype), 0);
    if (!e.bytes.empty()) std::memcpy(e.bytes.data(), t->data, e.bytes.size());
    e.bytes.push_back(0);  // an empty tensor still has a data pointer
    return WHARF_OK;
  }
  bool has(const std::string& name) const { return entries_.count(name) != 0; }
  // The kept tensor `name` (its data is the copy), or a tensor without data.
  wharf_tensor tensor(const std::string& name) const {
    auto it = entries_.find(name);
    EXPECT_NE(it, entries_.end()) << name;
    if (it == entries_.end()) return wharf_tensor{};
    wharf_tensor t = it->second.tensor;
    t.name = it->first.c_str();
    t.data = it->second.bytes.data();
    return t;
  }
  // Every kept tensor, as a backend's load_linear receives them.
  std::vector<wharf_tensor> all() const {
    std::vector<wharf_tensor> out;
    for (const auto& [name, e] : entries_) out.push_back(tensor(name));
    return out;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [name, e] : entries_) out.push_back(name);
    return out;
  }

 private:
  struct Entry {
    wharf_tensor tensor{};
    std::vector<uint8_t> bytes;
  };
  std::map<std::string, Entry> entries_;
};

// The message of the wharf::Error `fn` throws, its code in *code (fails the test when it throws
// none).
template <class Fn>
std::string errorOf(Fn&& fn, wharf_status* code = nullptr) {
  try {
    fn();
  } catch (const Error& e) {
    if (code) *code = e.code();
    return e.what();
  }
  ADD_FAILURE() << "no error";
  return "";
}

}  // namespace wharf::quant_test
