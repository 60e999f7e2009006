// Inference engines in C++: the Engine base class with WHARF_ENGINE_PLUGIN, and EngineClient for
// services (inference-api) that drive an engine instance.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wharf/cpp/plugin.hpp"
#include "wharf/engine.h"

namespace wharf {

class Engine : public Instance {
 public:
  virtual std::string modelInfo() = 0;  // JSON object
  virtual std::vector<int32_t> tokenize(std::string_view text, bool add_special_tokens) = 0;
  virtual std::string detokenize(const std::vector<int32_t>& tokens, bool skip_special_tokens) = 0;
  virtual std::string applyChatTemplate(const std::string& messages_json,
                                        bool add_generation_prompt) = 0;
  // Queue a request; events go to req.on_event. Throw UNAVAILABLE when the queue is full.
  virtual uint64_t submit(const wharf_generation_request& req) = 0;
  virtual void cancel(uint64_t request_id) = 0;
  virtual std::string stats() = 0;  // JSON object

  static const wharf_engine_v1* table() {
    static const wharf_engine_v1 t = [] {
      wharf_engine_v1 t{};
      t.struct_size = sizeof(wharf_engine_v1);
      t.model_info = [](void* inst, wharf_string_fn fn, void* ctx, wharf_error** err) {
        return detail::guard(err, [&] { fn(ctx, self(inst)->modelInfo().c_str()); });
      };
      t.tokenize = [](void* inst, const char* text, size_t len, int add_special, wharf_tokens_fn fn,
                      void* ctx, wharf_error** err) {
        return detail::guard(err, [&] {
          auto ids = self(inst)->tokenize(std::string_view(text, len), add_special != 0);
          fn(ctx, ids.data(), ids.size());
        });
      };
      t.detokenize = [](void* inst, const int32_t* tokens, size_t n, int skip, wharf_string_fn fn,
                        void* ctx, wharf_error** err) {
        return detail::guard(err, [&] {
          fn(ctx,
             self(inst)->detokenize(std::vector<int32_t>(tokens, tokens + n), skip != 0).c_str());
        });
      };
      t.apply_chat_template = [](void* inst, const char* messages, int add_gen, wharf_string_fn fn,
                                 void* ctx, wharf_error** err) {
        return detail::guard(err, [&] {
          fn(ctx, self(inst)->applyChatTemplate(messages ? messages : "[]", add_gen != 0).c_str());
        });
      };
      t.submit = [](void* inst, const wharf_generation_request* req, uint64_t* id,
                    wharf_error** err) {
        return detail::guard(err, [&] { *id = self(inst)->submit(*req); });
      };
      t.cancel = [](void* inst, uint64_t id) {
        try {
          self(inst)->cancel(id);
        } catch (...) {
        }
      };
      t.stats = [](void* inst, wharf_string_fn fn, void* ctx, wharf_error** err) {
        return detail::guard(err, [&] { fn(ctx, self(inst)->stats().c_str()); });
      };
      return t;
    }();
    return &t;
  }

 private:
  static Engine* self(void* inst) { return static_cast<Engine*>(inst); }
};

class EngineClient {
 public:
  EngineClient() = default;
  EngineClient(const wharf_engine_v1* t, void* inst) : t_(t), inst_(inst) {}
  static EngineClient lookup(const Host& host, const std::string& name) {
    auto [t, i] = host.lookup(name, WHARF_KIND_ENGINE);
    return EngineClient(static_cast<const wharf_engine_v1*>(t), i);
  }
  explicit operator bool() const { return t_ != nullptr; }

  std::string modelInfo() const { return str(t_->model_info, "model info"); }
  std::string stats() const { return str(t_->stats, "engine stats"); }
  std::vector<int32_t> tokenize(std::string_view text, bool add_special) const {
    std::vector<int32_t> out;
    wharf_error* err = nullptr;
    auto fn = [](void* c, const int32_t* t, size_t n) {
      static_cast<std::vector<int32_t>*>(c)->assign(t, t + n);
    };
    check(t_->tokenize(inst_, text.data(), text.size(), add_special ? 1 : 0, fn, &out, &err), err,
          "tokenize");
    return out;
  }
  std::string detokenize(const std::vector<int32_t>& tokens, bool skip_special) const {
    std::string out;
    wharf_error* err = nullptr;
    check(t_->detokenize(inst_, tokens.data(), tokens.size(), skip_special ? 1 : 0, assign, &out,
                         &err),
          err, "detokenize");
    return out;
  }
  std::string applyChatTemplate(const std::string& messages, bool add_generation_prompt) const {
    std::string out;
    wharf_error* err = nullptr;
    check(t_->apply_chat_template(inst_, messages.c_str(), add_generation_prompt ? 1 : 0, assign,
                                  &out, &err),
          err, "chat template");
    return out;
  }
  uint64_t submit(const wharf_generation_request& req) const {
    uint64_t id = 0;
    wharf_error* err = nullptr;
    check(t_->submit(inst_, &req, &id, &err), err);
    return id;
  }
  void cancel(uint64_t id) const { t_->cancel(inst_, id); }

 private:
  static void assign(void* c, const char* v) { *static_cast<std::string*>(c) = v ? v : ""; }
  using StrFn = wharf_status (*)(void*, wharf_string_fn, void*, wharf_error**);
  std::string str(StrFn f, const char* what) const {
    std::string out;
    wharf_error* err = nullptr;
    check(f(inst_, assign, &out, &err), err, what);
    return out;
  }
  const wharf_engine_v1* t_ = nullptr;
  void* inst_ = nullptr;
};

}  // namespace wharf

#define WHARF_ENGINE_PLUGIN(Class, Name, Version, Description, Keys) \
  WHARF_PLUGIN_ENTRY(Class, ::wharf::Engine, WHARF_KIND_ENGINE, Name, Version, Description, Keys)
