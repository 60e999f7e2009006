// Quantization backends in C++: the QuantBackend base class with WHARF_QUANT_PLUGIN, and
// QuantClient for engines that load quantized checkpoints.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "wharf/cpp/plugin.hpp"
#include "wharf/quant.h"

namespace wharf {

// One repacked linear layer; owned by the backend that made it.
class QuantLayer {
 public:
  virtual ~QuantLayer() = default;
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
  virtual void forward(QuantLayer& layer, const wharf_tensor& x, wharf_tensor& y, void* stream) = 0;
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
      return t;
    }();
    return &t;
  }

 private:
  static QuantBackend* self(void* inst) { return static_cast<QuantBackend*>(inst); }
};

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
  std::string method() const { return t_->method(inst_); }
  bool recognizes(const std::string& json) const {
    return t_->recognizes(inst_, json.c_str()) != 0;
  }

 private:
  const wharf_quant_v1* t_ = nullptr;
  void* inst_ = nullptr;
};

}  // namespace wharf

#define WHARF_QUANT_PLUGIN(Class, Name, Version, Description, Keys)                              \
  WHARF_PLUGIN_ENTRY(Class, ::wharf::QuantBackend, WHARF_KIND_QUANT, Name, Version, Description, \
                     Keys)
