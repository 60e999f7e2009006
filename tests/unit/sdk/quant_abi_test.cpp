// Quant backends through the C ABI: a layer loaded with load_linear runs on the engine's CPU
// threads through forward_cpu and the lent wharf_cpu_pool (ABI 1.1), falls back to forward() for
// an ABI 1.0 table, and an exception on a worker comes back as an error; layers that read the same
// input run in one forward_cpu_many call (ABI 1.3) when one instance has it, else layer by layer.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "wharf/cpp/quant.hpp"

namespace {

// y = x * W^T with W an F32 [N, K] "weight" tensor: the smallest possible backend.
class DenseLayer : public wharf::QuantLayer {
 public:
  std::vector<float> w;
  int64_t n = 0, k = 0;
};

class DenseBackend : public wharf::QuantBackend {
 public:
  const char* method() const override { return "dense-test"; }
  bool recognizes(const std::string& json) override {
    return json.find("\"dense-test\"") != std::string::npos;
  }
  const char* const* tensorSuffixes(const std::string&) override {
    static const char* const kSuffixes[] = {"weight", nullptr};
    return kSuffixes;
  }
  std::unique_ptr<wharf::QuantLayer> loadLinear(const std::string&,
                                                const std::vector<wharf_tensor>& tensors,
                                                wharf_device_type, int32_t,
                                                wharf_linear_info& info) override {
    const wharf_tensor& t = tensors.at(0);
    auto l = std::make_unique<DenseLayer>();
    l->n = t.shape[0];
    l->k = t.shape[1];
    const float* p = static_cast<const float*>(t.data);
    l->w.assign(p, p + l->n * l->k);
    info.in_features = l->k;
    info.out_features = l->n;
    info.device_bytes = l->w.size() * sizeof(float);
    return l;
  }
  void forward(wharf::QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y, void*) override {
    ++serial_calls;
    rows(static_cast<DenseLayer&>(layer), x, y, 0, static_cast<size_t>(y.shape[1]));
  }
  void forwardCpu(wharf::QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y,
                  const wharf::CpuPool& pool) override {
    auto& l = static_cast<DenseLayer&>(layer);
    pool.parallelFor(static_cast<size_t>(l.n), [&](size_t begin, size_t end, uint32_t worker) {
      if (fail_on_worker >= 0 && worker == static_cast<uint32_t>(fail_on_worker))
        throw wharf::Error(WHARF_ERR_INTERNAL, "worker failed");
      rows(l, x, y, begin, end);
    });
  }
  static void rows(const DenseLayer& l, const wharf_tensor& x, wharf_tensor& y, size_t begin,
                   size_t end) {
    const float* xs = static_cast<const float*>(x.data);
    float* ys = static_cast<float*>(const_cast<void*>(y.data));
    for (int64_t r = 0; r < x.shape[0]; ++r)
      for (size_t j = begin; j < end; ++j) {
        float acc = 0;
        for (int64_t i = 0; i < l.k; ++i)
          acc += xs[r * l.k + i] * l.w[j * static_cast<size_t>(l.k) + static_cast<size_t>(i)];
        ys[r * l.n + static_cast<int64_t>(j)] = acc;
      }
  }
  std::atomic<int> serial_calls{0};
  int fail_on_worker = -1;
};

// A backend with forward_cpu_many: every layer's features in one parallel loop.
class FusedBackend : public DenseBackend {
 public:
  void forwardCpuMany(std::span<wharf::QuantLayer* const> layers, const wharf_tensor& x,
                      std::span<wharf_tensor> ys, const wharf::CpuPool& pool) override {
    ++many_calls;
    size_t total = 0;
    for (wharf::QuantLayer* l : layers)
      total += static_cast<size_t>(static_cast<DenseLayer*>(l)->n);
    pool.parallelFor(total, [&](size_t begin, size_t end, uint32_t) {
      size_t base = 0;
      for (size_t i = 0; i < layers.size(); ++i) {
        const auto& l = static_cast<const DenseLayer&>(*layers[i]);
        const size_t lo = std::max(begin, base),
                     hi = std::min(end, base + static_cast<size_t>(l.n));
        if (lo < hi) rows(l, x, ys[i], lo - base, hi - base);
        base += static_cast<size_t>(l.n);
      }
    });
  }
  std::atomic<int> many_calls{0};
};

// A wharf_cpu_pool over plain threads: range i of `workers` runs on thread i.
struct ThreadsPool {
  explicit ThreadsPool(uint32_t workers) {
    c.struct_size = sizeof c;
    c.workers = workers;
    c.ctx = this;
    c.parallel_for = [](void* ctx, size_t count, wharf_range_fn fn, void* fn_ctx) {
      auto* self = static_cast<ThreadsPool*>(ctx);
      std::vector<std::thread> threads;
      for (uint32_t w = 0; w < self->c.workers; ++w) {
        size_t begin = count * w / self->c.workers, end = count * (w + 1) / self->c.workers;
        threads.emplace_back([=] { fn(fn_ctx, begin, end, w); });
      }
      for (auto& t : threads) t.join();
      ++self->loops;
    };
  }
  wharf_cpu_pool c{};
  std::atomic<int> loops{0};
};

wharf_tensor tensor(const char* name, const std::vector<float>& data, int64_t rows, int64_t cols) {
  wharf_tensor t{};
  t.name = name;
  t.dtype = WHARF_DTYPE_F32;
  t.device = WHARF_DEVICE_CPU;
  t.ndim = 2;
  t.shape[0] = rows;
  t.shape[1] = cols;
  t.data = data.data();
  return t;
}

struct Fixture {
  static constexpr int64_t kN = 37, kK = 19, kRows = 3;
  Fixture() {
    for (int64_t i = 0; i < kN * kK; ++i) w.push_back(static_cast<float>((i * 7) % 11) - 5.0f);
    for (int64_t i = 0; i < kRows * kK; ++i) x.push_back(static_cast<float>(i % 5) * 0.25f);
    for (int64_t r = 0; r < kRows; ++r)
      for (int64_t j = 0; j < kN; ++j) {
        float acc = 0;
        for (int64_t i = 0; i < kK; ++i) acc += x[r * kK + i] * w[j * kK + i];
        want.push_back(acc);
      }
  }
  std::vector<float> w, x, want;
};

// Loads the fixture's layer through `table` and runs forwardCpu on 4 lent threads into `y`.
void runForwardCpu(const wharf_quant_v1* table, DenseBackend& backend, const Fixture& f,
                   std::vector<float>& y, ThreadsPool& pool) {
  wharf::QuantClient client(table, &backend);
  auto layer = client.loadLinear("{}", {tensor("weight", f.w, Fixture::kN, Fixture::kK)},
                                 WHARF_DEVICE_CPU, 0);
  EXPECT_EQ(layer.info().out_features, Fixture::kN);
  y.assign(Fixture::kRows * Fixture::kN, -1);
  wharf_tensor xt = tensor("x", f.x, Fixture::kRows, Fixture::kK);
  wharf_tensor yt = tensor("y", y, Fixture::kRows, Fixture::kN);
  layer.forwardCpu(xt, yt, pool.c);
}

}  // namespace

TEST(QuantAbi, ForwardCpuRunsOnTheLentThreads) {
  Fixture f;
  DenseBackend backend;
  wharf::QuantClient client(wharf::QuantBackend::table(), &backend);
  EXPECT_EQ(client.method(), "dense-test");
  EXPECT_EQ(client.tensorSuffixes("{}"), std::vector<std::string>{"weight"});
  std::vector<float> y;
  ThreadsPool pool(4);
  runForwardCpu(wharf::QuantBackend::table(), backend, f, y, pool);
  EXPECT_EQ(pool.loops.load(), 1);
  EXPECT_EQ(backend.serial_calls.load(), 0);
  EXPECT_EQ(y, f.want);
}

TEST(QuantAbi, AnAbi10BackendRunsForwardInstead) {
  Fixture f;
  DenseBackend backend;
  wharf_quant_v1 old = *wharf::QuantBackend::table();
  old.struct_size = offsetof(wharf_quant_v1, forward_cpu);  // built before ABI 1.1
  std::vector<float> y;
  ThreadsPool pool(4);
  runForwardCpu(&old, backend, f, y, pool);
  EXPECT_EQ(pool.loops.load(), 0);
  EXPECT_EQ(backend.serial_calls.load(), 1);
  EXPECT_EQ(y, f.want);
}

TEST(QuantAbi, AWorkersExceptionBecomesAnError) {
  Fixture f;
  DenseBackend backend;
  backend.fail_on_worker = 2;
  std::vector<float> y;
  ThreadsPool pool(4);
  try {
    runForwardCpu(wharf::QuantBackend::table(), backend, f, y, pool);
    FAIL() << "no error";
  } catch (const wharf::Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_INTERNAL);
    EXPECT_NE(std::string(e.what()).find("worker failed"), std::string::npos) << e.what();
  }
}

namespace {

// Two layers (the fixture's weight and its first 11 rows) through QuantLinear::forwardCpuMany on
// 4 lent threads; checks both outputs.
void runForwardCpuMany(const wharf::QuantClient& first, const wharf::QuantClient& second,
                       const Fixture& f, ThreadsPool& pool) {
  constexpr int64_t kSmall = 11;
  auto a = first.loadLinear("{}", {tensor("weight", f.w, Fixture::kN, Fixture::kK)},
                            WHARF_DEVICE_CPU, 0);
  auto b =
      second.loadLinear("{}", {tensor("weight", f.w, kSmall, Fixture::kK)}, WHARF_DEVICE_CPU, 0);
  std::vector<float> ya(Fixture::kRows * Fixture::kN, -1), yb(Fixture::kRows * kSmall, -1);
  wharf_tensor xt = tensor("x", f.x, Fixture::kRows, Fixture::kK);
  std::vector<wharf_tensor> ys = {tensor("ya", ya, Fixture::kRows, Fixture::kN),
                                  tensor("yb", yb, Fixture::kRows, kSmall)};
  const wharf::QuantLinear* layers[] = {&a, &b};
  wharf::QuantLinear::forwardCpuMany(layers, xt, ys, pool.c);
  EXPECT_EQ(ya, f.want);
  for (int64_t r = 0; r < Fixture::kRows; ++r)
    for (int64_t j = 0; j < kSmall; ++j)
      EXPECT_EQ(yb[r * kSmall + j], f.want[r * Fixture::kN + j]) << r << "," << j;
}

}  // namespace

TEST(QuantAbi, LayersOfOneInstanceRunInOneForwardCpuManyCall) {
  Fixture f;
  FusedBackend backend;
  const wharf::QuantClient client(wharf::QuantBackend::table(), &backend);
  ThreadsPool pool(4);
  runForwardCpuMany(client, client, f, pool);
  EXPECT_EQ(backend.many_calls.load(), 1);
  EXPECT_EQ(pool.loops.load(), 1);
}

TEST(QuantAbi, ABackendWithoutItsOwnForwardCpuManyRunsLayerByLayer) {
  Fixture f;
  DenseBackend backend;
  const wharf::QuantClient client(wharf::QuantBackend::table(), &backend);
  ThreadsPool pool(4);
  runForwardCpuMany(client, client, f, pool);
  EXPECT_EQ(pool.loops.load(), 2);
}

TEST(QuantAbi, AnAbi12TableOrLayersOfTwoInstancesRunLayerByLayer) {
  Fixture f;
  FusedBackend backend, other;
  wharf_quant_v1 old = *wharf::QuantBackend::table();
  old.struct_size = offsetof(wharf_quant_v1, forward_cpu_many);  // built before ABI 1.3
  const wharf::QuantClient old_client(&old, &backend);
  ThreadsPool pool(4);
  runForwardCpuMany(old_client, old_client, f, pool);
  EXPECT_EQ(backend.many_calls.load(), 0);
  EXPECT_EQ(pool.loops.load(), 2);

  const wharf::QuantClient a(wharf::QuantBackend::table(), &backend);
  const wharf::QuantClient b(wharf::QuantBackend::table(), &other);
  ThreadsPool pool2(4);
  runForwardCpuMany(a, b, f, pool2);
  EXPECT_EQ(backend.many_calls.load() + other.many_calls.load(), 0);
  EXPECT_EQ(pool2.loops.load(), 2);
}
