// Quantization backends in C++: the QuantBackend base class with WHARF_QUANT_PLUGIN, and
// QuantClient for engines that load quantized checkpoints.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "wharf/cpp/plugin.hpp"
#include "wharf/quant.h"

namespace wharf {

// One repacked linear layer; owned by the backend that made it.
class QuantLayer {
 public:
  virtual ~QuantLayer() = default;
};

// The engine's CPU threads as lent to a backend (a view of wharf_cpu_pool).
class CpuPool {
 public:
  explicit CpuPool(const wharf_cpu_pool* pool) : pool_(pool) {}
  uint32_t workers() const { return pool_ ? pool_->workers : 1; }
  // fn(begin, end, worker) over disjoint ranges covering [0, count); returns when all have run.
  // Exceptions thrown by fn are rethrown here (the first one), after every range has ended.
  template <class Fn>
  void parallelFor(size_t count, Fn&& fn) const {
    if (!pool_ || !pool_->parallel_for || pool_->workers <= 1) {
      if (count) fn(size_t{0}, count, 0u);
      return;
    }
    struct Ctx {
      Fn* fn;
      std::mutex mutex;
      std::exception_ptr error;
    } ctx{&fn, {}, nullptr};
    pool_->parallel_for(
        pool_->ctx, count,
        [](void* c, size_t begin, size_t end, uint32_t worker) {
          auto* x = static_cast<Ctx*>(c);
          try {
            (*x->fn)(begin, end, worker);
          } catch (...) {
            std::lock_guard lock(x->mutex);
            if (!x->error) x->error = std::current_exception();
          }
        },
        &ctx);
    if (ctx.error) std::rethrow_exception(ctx.error);
  }

 private:
  const wharf_cpu_pool* pool_;
};

class QuantBackend : public Instance {
 public:
  virtual const char* method() const = 0;
  virtual bool recognizes(const std::string& quant_config_json) = 0;
  // NULL-terminated static list of tensor suffixes one layer needs.
  virtual const char* const* tensorSuffixes(const std::string& quant_config_json) = 0;
  virtual std::unique_ptr<QuantLayer> loadLinear(const std::string& quant_config_json,
                                                 const std::vector<wharf_tensor>& tensors,
                                                 wharf_device_type device, int32_t device_index,
                                                 wharf_linear_info& info) = 0;
  // On the layer's device (stream: a cudaStream_t, NULL on the CPU). A CPU-only backend
  // implements forwardCpu and lets forward run it without a pool: forwardCpu(layer, x, y,
  // CpuPool(nullptr)).
  virtual void forward(QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y, void* stream) = 0;
  // On the engine's CPU threads; a CPU backend overrides it (the default runs forward() on the
  // calling thread).
  virtual void forwardCpu(QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y,
                          const CpuPool& /*pool*/) {
    forward(layer, x, y, nullptr);
  }
  // (1.3) Layers that read the same x (q/k/v, gate/up): ys[i] = x * W_i^T, each equal to
  // forwardCpu's result bit for bit. A backend overrides it to prepare x once and split all the
  // layers' rows in one parallel loop; the default runs forwardCpu per layer.
  virtual void forwardCpuMany(std::span<QuantLayer* const> layers, const wharf_tensor& x,
                              std::span<wharf_tensor> ys, const CpuPool& pool) {
    for (size_t i = 0; i < layers.size(); ++i) forwardCpu(*layers[i], x, ys[i], pool);
  }
  virtual void quantize(const wharf_tensor&, const std::string&, wharf_tensor_sink_fn, void*) {
    throw Error(WHARF_ERR_UNSUPPORTED,
                std::string(method()) + ": offline quantization unsupported");
  }

  static const wharf_quant_v1* table() {
    static const wharf_quant_v1 t = [] {
      wharf_quant_v1 t{};
      t.struct_size = sizeof(wharf_quant_v1);
      t.method = [](void* inst) { return self(inst)->method(); };
      t.recognizes = [](void* inst, const char* json) -> int {
        try {
          return self(inst)->recognizes(json ? json : "") ? 1 : 0;
        } catch (...) {
          return 0;
        }
      };
      t.tensor_suffixes = [](void* inst, const char* json) -> const char* const* {
        try {
          return self(inst)->tensorSuffixes(json ? json : "");
        } catch (...) {
          return nullptr;
        }
      };
      t.load_linear = [](void* inst, const char* json, const wharf_tensor* tensors, size_t n,
                         wharf_device_type device, int32_t index, wharf_quant_layer** layer,
                         wharf_linear_info* info, wharf_error** err) {
        return detail::guard(err, [&] {
          std::vector<wharf_tensor> v(tensors, tensors + n);
          info->struct_size = sizeof(wharf_linear_info);
          auto l = self(inst)->loadLinear(json ? json : "", v, device, index, *info);
          *layer = reinterpret_cast<wharf_quant_layer*>(l.release());
        });
      };
      t.forward = [](void* inst, wharf_quant_layer* layer, const wharf_tensor* x, wharf_tensor* y,
                     void* stream, wharf_error** err) {
        return detail::guard(err, [&] {
          self(inst)->forward(*reinterpret_cast<QuantLayer*>(layer), *x, *y, stream);
        });
      };
      t.free_linear = [](void*, wharf_quant_layer* layer) {
        delete reinterpret_cast<QuantLayer*>(layer);
      };
      t.quantize = [](void* inst, const wharf_tensor* w, const char* options,
                      wharf_tensor_sink_fn sink, void* ctx, wharf_error** err) {
        return detail::guard(
            err, [&] { self(inst)->quantize(*w, options ? options : "{}", sink, ctx); });
      };
      t.forward_cpu = [](void* inst, wharf_quant_layer* layer, const wharf_tensor* x,
                         wharf_tensor* y, const wharf_cpu_pool* pool, wharf_error** err) {
        return detail::guard(err, [&] {
          self(inst)->forwardCpu(*reinterpret_cast<QuantLayer*>(layer), *x, *y, CpuPool(pool));
        });
      };
      t.forward_cpu_many = [](void* inst, wharf_quant_layer* const* layers, size_t count,
                              const wharf_tensor* x, wharf_tensor* ys, const wharf_cpu_pool* pool,
                              wharf_error** err) {
        return detail::guard(err, [&] {
          std::vector<QuantLayer*> v(count);
          for (size_t i = 0; i < count; ++i) v[i] = reinterpret_cast<QuantLayer*>(layers[i]);
          self(inst)->forwardCpuMany(v, *x, std::span<wharf_tensor>(ys, count), CpuPool(pool));
        });
      };
      return t;
    }();
    return &t;
  }

 private:
  static QuantBackend* self(void* inst) { return static_cast<QuantBackend*>(inst); }
};

class QuantLinear;

class QuantClient {
 public:
  QuantClient() = default;
  QuantClient(const wharf_quant_v1* t, void* inst) : t_(t), inst_(inst) {}
  static QuantClient lookup(const Host& host, const std::string& name) {
    auto [t, i] = host.lookup(name, WHARF_KIND_QUANT);
    return QuantClient(static_cast<const wharf_quant_v1*>(t), i);
  }
  const wharf_quant_v1* table() const { return t_; }
  void* instance() const { return inst_; }
  explicit operator bool() const { return t_ != nullptr; }
  std::string method() const {
    const char* m = t_->method(inst_);
    return m ? m : "";
  }
  bool recognizes(const std::string& json) const {
    return t_->recognizes(inst_, json.c_str()) != 0;
  }
  // The tensor name suffixes one linear layer needs ("qweight", "qzeros", "scales", ...).
  std::vector<std::string> tensorSuffixes(const std::string& json) const {
    std::vector<std::string> out;
    const char* const* s = t_->tensor_suffixes(inst_, json.c_str());
    for (; s && *s; ++s) out.emplace_back(*s);
    return out;
  }

  // Quantizes an F16/F32 weight [N, K] (host memory) with the options JSON; `sink` receives each
  // checkpoint tensor (borrowed for the call). Throws wharf::Error (UNSUPPORTED when the backend
  // has no offline quantization).
  template <class Sink>
  void quantize(const wharf_tensor& weight, const std::string& options_json, Sink&& sink) const {
    struct Ctx {
      Sink* sink;
    } ctx{&sink};
    if (!t_->quantize)
      throw Error(WHARF_ERR_UNSUPPORTED, method() + ": offline quantization unsupported");
    wharf_error* err = nullptr;
    check(t_->quantize(
              inst_, &weight, options_json.c_str(),
              [](void* c, const wharf_tensor* t, wharf_error** e) {
                return detail::guard(e, [&] { (*static_cast<Ctx*>(c)->sink)(*t); });
              },
              &ctx, &err),
          err, "quantize");
  }

  // Repacks one layer from its checkpoint tensors for `device`.
  QuantLinear loadLinear(const std::string& json, const std::vector<wharf_tensor>& tensors,
                         wharf_device_type device, int32_t device_index) const;

 private:
  const wharf_quant_v1* t_ = nullptr;
  void* inst_ = nullptr;
};

// One layer loaded through a QuantClient; the backend frees it when the handle goes.
class QuantLinear {
 public:
  QuantLinear() = default;
  QuantLinear(const QuantClient& c, wharf_quant_layer* l, wharf_linear_info info)
      : client_(c), layer_(l), info_(info) {}
  QuantLinear(QuantLinear&& o) noexcept { *this = std::move(o); }
  QuantLinear& operator=(QuantLinear&& o) noexcept {
    if (this != &o) {
      reset();
      client_ = o.client_;
      layer_ = o.layer_;
      info_ = o.info_;
      o.layer_ = nullptr;
    }
    return *this;
  }
  QuantLinear(const QuantLinear&) = delete;
  QuantLinear& operator=(const QuantLinear&) = delete;
  ~QuantLinear() { reset(); }
  const wharf_linear_info& info() const { return info_; }
  // y = x * W^T on the layer's device (`stream`: a cudaStream_t, NULL on the CPU).
  void forward(const wharf_tensor& x, wharf_tensor& y, void* stream) const {
    wharf_error* err = nullptr;
    check(client_.table()->forward(client_.instance(), layer_, &x, &y, stream, &err), err,
          "forward");
  }
  // On the engine's CPU threads; a backend without forward_cpu (ABI 1.0) runs forward().
  void forwardCpu(const wharf_tensor& x, wharf_tensor& y, const wharf_cpu_pool& pool) const {
    const wharf_quant_v1* t = client_.table();
    if (t->struct_size < offsetof(wharf_quant_v1, forward_cpu) + sizeof(t->forward_cpu) ||
        !t->forward_cpu)
      return forward(x, y, nullptr);
    wharf_error* err = nullptr;
    check(t->forward_cpu(client_.instance(), layer_, &x, &y, &pool, &err), err, "forward_cpu");
  }
  // (1.3) ys[i] = x * W_i^T for layers that read the same x: one forward_cpu_many call when they
  // share one backend instance that has it, else forwardCpu layer by layer.
  static void forwardCpuMany(std::span<const QuantLinear* const> layers, const wharf_tensor& x,
                             std::span<wharf_tensor> ys, const wharf_cpu_pool& pool) {
    if (layers.size() != ys.size())
      throw Error(WHARF_ERR_INTERNAL, "forwardCpuMany: layers and outputs differ in number");
    if (layers.empty()) return;
    const QuantClient& c = layers[0]->client_;
    const wharf_quant_v1* t = c.table();
    bool fused = layers.size() > 1 &&
                 t->struct_size >=
                     offsetof(wharf_quant_v1, forward_cpu_many) + sizeof(t->forward_cpu_many) &&
                 t->forward_cpu_many;
    std::vector<wharf_quant_layer*> handles;
    for (const QuantLinear* l : layers) {
      fused = fused && l->client_.table() == t && l->client_.instance() == c.instance();
      handles.push_back(l->layer_);
    }
    if (!fused) {
      for (size_t i = 0; i < layers.size(); ++i) layers[i]->forwardCpu(x, ys[i], pool);
      return;
    }
    wharf_error* err = nullptr;
    check(t->forward_cpu_many(c.instance(), handles.data(), handles.size(), &x, ys.data(), &pool,
                              &err),
          err, "forward_cpu_many");
  }

 private:
  void reset() {
    if (layer_) client_.table()->free_linear(client_.instance(), layer_);
    layer_ = nullptr;
  }
  QuantClient client_;
  wharf_quant_layer* layer_ = nullptr;
  wharf_linear_info info_{};
};

inline QuantLinear QuantClient::loadLinear(const std::string& json,
                                           const std::vector<wharf_tensor>& tensors,
                                           wharf_device_type device, int32_t device_index) const {
  wharf_quant_layer* layer = nullptr;
  wharf_linear_info info{};
  info.struct_size = sizeof info;
  wharf_error* err = nullptr;
  check(t_->load_linear(inst_, json.c_str(), tensors.data(), tensors.size(), device, device_index,
                        &layer, &info, &err),
        err, "load_linear");
  return QuantLinear(*this, layer, info);
}

}  // namespace wharf

#define WHARF_QUANT_PLUGIN(Class, Name, Version, Description, Keys)                              \
  WHARF_PLUGIN_ENTRY(Class, ::wharf::QuantBackend, WHARF_KIND_QUANT, Name, Version, Description, \
                     Keys)
