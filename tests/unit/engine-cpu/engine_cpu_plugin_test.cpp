// Loads libwharf-engine-cpu.so as the host does (dlopen, wharf_plugin_init) and drives it through
// the SDK's C table with EngineClient.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "engine/json.hpp"
#include "plugin_loader.hpp"
#include "test_hf_model.hpp"
#include "test_model.hpp"
#include "wharf/cpp/engine.hpp"

namespace {

using wharf::engine::Json;

struct Plugin {
  Plugin() {
    handle = dlopen(WHARF_ENGINE_CPU_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    if (!handle) return;
    auto init = reinterpret_cast<const wharf_plugin* (*)(const wharf_host_api*)>(
        dlsym(handle, "wharf_plugin_init"));
    if (init) plugin = init(nullptr);
  }
  ~Plugin() {
    if (handle) dlclose(handle);
  }
  void* handle = nullptr;
  const wharf_plugin* plugin = nullptr;
};

// An instance created as wharfd creates it: the section validated and its defaults filled in by
// the host's own validator (PluginConfig), then create(). A section the host refuses is reported
// like a failed create(), with the host's message.
struct Instance {
  Instance(const Plugin& p, const std::map<std::string, std::string>& values) : plugin(p.plugin) {
    try {
      wharf::test::PluginConfig cfg(*plugin, "engine", values);
      status = plugin->create(cfg.get(), nullptr, &inst, &err);
    } catch (const std::invalid_argument& e) {
      status = WHARF_ERR_INVALID_ARGUMENT;
      host_error = e.what();
    }
  }
  ~Instance() {
    if (inst) plugin->destroy(inst);
    if (err) err->release(err);
  }
  std::string error() const { return err && err->message ? err->message : host_error; }
  wharf::EngineClient client() const {
    return wharf::EngineClient(static_cast<const wharf_engine_v1*>(plugin->table), inst);
  }
  const wharf_plugin* plugin;
  void* inst = nullptr;
  wharf_error* err = nullptr;
  std::string host_error;
  wharf_status status;
};

TEST(EngineCpuPlugin, DescribesItself) {
  Plugin p;
  ASSERT_NE(p.handle, nullptr) << dlerror();
  ASSERT_NE(p.plugin, nullptr);
  EXPECT_EQ(p.plugin->kind, WHARF_KIND_ENGINE);
  EXPECT_STREQ(p.plugin->name, "engine-cpu");
  std::vector<std::string> keys;
  for (size_t i = 0; i < p.plugin->config_key_count; ++i)
    keys.push_back(p.plugin->config_keys[i].name);
  for (const char* k : {"model", "threads", "kv_cache_bytes", "max_num_seqs",
                        "max_num_batched_tokens", "max_waiting", "max_model_len"}) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), k), keys.end()) << k;
  }
}

TEST(EngineCpuPlugin, ReportsBadConfiguration) {
  Plugin p;
  ASSERT_NE(p.plugin, nullptr);
  Instance missing(p, {{"model", "/nonexistent.gguf"}});
  EXPECT_NE(missing.status, WHARF_OK);
  EXPECT_NE(missing.error().find("/nonexistent.gguf"), std::string::npos) << missing.error();
  Instance none(p, {});
  EXPECT_NE(none.status, WHARF_OK);
  EXPECT_NE(none.error().find("model"), std::string::npos) << none.error();
}

struct Events {
  static void on(void* ctx, const wharf_generation_event* ev) {
    auto* self = static_cast<Events*>(ctx);
    std::lock_guard<std::mutex> lock(self->mutex);
    self->text.append(ev->text, ev->text_length);
    self->completion = ev->completion_tokens;
    if (ev->finished) {
      self->reason = ev->finish_reason;
      self->done = true;
      self->cv.notify_all();
    }
  }
  std::mutex mutex;
  std::condition_variable cv;
  std::string text, reason;
  uint32_t completion = 0;
  bool done = false;

  // Waits for the last event; false on timeout.
  bool wait(std::chrono::seconds timeout) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, timeout, [&] { return done; });
  }
};

// Greedy sampling of `max_tokens` tokens.
wharf_sampling_params greedy(int32_t max_tokens) {
  wharf_sampling_params sp{};
  sp.struct_size = sizeof sp;
  sp.max_tokens = max_tokens;
  sp.temperature = 0;
  sp.top_p = 1;
  sp.repetition_penalty = 1;
  sp.logprobs = -1;
  sp.skip_special_tokens = 1;
  return sp;
}

// A request for `tokens` whose events go to `ev`.
wharf_generation_request request(const std::vector<int32_t>& tokens,
                                 const wharf_sampling_params& sp, Events& ev) {
  wharf_generation_request req{};
  req.struct_size = sizeof req;
  req.prompt_tokens = tokens.data();
  req.prompt_length = tokens.size();
  req.sampling = &sp;
  req.on_event = &Events::on;
  req.on_event_ctx = &ev;
  return req;
}

TEST(EngineCpuPlugin, ChatsWithTheModel) {
  WHARF_REQUIRE_TEST_MODEL(path);
  Plugin p;
  ASSERT_NE(p.plugin, nullptr);
  Instance inst(p, {{"model", path.c_str()},
                    {"threads", "2"},
                    {"kv_cache_bytes", "67108864"},
                    {"max_model_len", "1024"}});
  ASSERT_EQ(inst.status, WHARF_OK) << inst.error();
  wharf::EngineClient engine = inst.client();
  Json info = Json::parse(engine.modelInfo());
  EXPECT_EQ(info["id"].get<std::string>(), "SmolLM2-135M-Instruct.Q4_1");
  EXPECT_EQ(info["max_model_len"].get<int64_t>(), 1024);
  std::string prompt = engine.applyChatTemplate(
      R"([{"role":"user","content":"What is the capital of Japan?"}])", true);
  EXPECT_NE(prompt.find("<|im_start|>assistant\n"), std::string::npos);
  std::vector<int32_t> tokens = engine.tokenize(prompt, true);
  EXPECT_EQ(engine.detokenize(tokens, false), prompt);

  wharf_sampling_params sp = greedy(12);
  Events ev;
  wharf_generation_request req = request(tokens, sp, ev);
  engine.submit(req);
  ASSERT_TRUE(ev.wait(std::chrono::seconds(120)));
  EXPECT_NE(ev.text.find("Tokyo"), std::string::npos) << "[" << ev.text << "] " << ev.reason;
  Json stats = Json::parse(engine.stats());
  EXPECT_GT(stats["kv_blocks_total"].get<int64_t>(), 0);

  // An over-long prompt is refused with a message that says so.
  std::vector<int32_t> too_long(2000, 28);
  req.prompt_tokens = too_long.data();
  req.prompt_length = too_long.size();
  try {
    engine.submit(req);
    FAIL() << "an over-long prompt was accepted";
  } catch (const wharf::Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("maximum context length"), std::string::npos) << e.what();
  }
}

// A quantized checkpoint needs a quant backend (the `quantization` key): without one the plugin
// says so, naming the method, before it tries to read weights it could not use.
TEST(EngineCpuPlugin, RefusesAQuantizedCheckpointWithoutABackend) {
  Plugin p;
  ASSERT_NE(p.plugin, nullptr);
  const std::string dir = ::testing::TempDir() + "/engine_cpu_awq_hf";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/config.json")
      << R"({"architectures": ["LlamaForCausalLM"], "quantization_config": )"
      << R"({"quant_method": "awq", "bits": 4, "group_size": 128, "version": "gemm"}})";
  Instance inst(p, {{"model", dir.c_str()}});
  EXPECT_EQ(inst.status, WHARF_ERR_UNSUPPORTED) << inst.error();
  EXPECT_NE(inst.error().find("quant_method 'awq'"), std::string::npos) << inst.error();
  EXPECT_NE(inst.error().find("'quantization'"), std::string::npos) << inst.error();
}

TEST(EngineCpuPlugin, LoadsAHuggingFaceDirectory) {
  Plugin p;
  ASSERT_NE(p.plugin, nullptr);
  const std::string empty = ::testing::TempDir() + "/engine_cpu_empty_hf";
  std::filesystem::create_directories(empty);
  Instance bad(p, {{"model", empty.c_str()}});
  EXPECT_NE(bad.status, WHARF_OK);
  EXPECT_NE(bad.error().find(empty + "/config.json"), std::string::npos) << bad.error();

  WHARF_REQUIRE_HF_MODEL(dir);
  Instance inst(p, {{"model", dir.c_str()},
                    {"threads", "2"},
                    {"kv_cache_bytes", "67108864"},
                    {"max_model_len", "512"}});
  ASSERT_EQ(inst.status, WHARF_OK) << inst.error();
  wharf::EngineClient engine = inst.client();
  Json info = Json::parse(engine.modelInfo());
  EXPECT_EQ(info["id"].get<std::string>(), "SmolLM2-135M-Instruct-hf");
  std::string prompt = engine.applyChatTemplate(
      R"([{"role":"user","content":"What is the capital of Japan?"}])", true);
  std::vector<int32_t> tokens = engine.tokenize(prompt, true);
  wharf_sampling_params sp = greedy(12);
  Events ev;
  wharf_generation_request req = request(tokens, sp, ev);
  engine.submit(req);
  ASSERT_TRUE(ev.wait(std::chrono::seconds(120)));
  EXPECT_NE(ev.text.find("Tokyo"), std::string::npos) << "[" << ev.text << "] " << ev.reason;
}

// lm_head = q8_0 (an F16 Hugging Face model): the head is held as Q8_0 beside the F16 embedding it
// is tied to, the model still answers; a value outside the enum is the host's refusal.
TEST(EngineCpuPlugin, TheLmHeadKeyHoldsTheHeadAsQ8_0) {
  Plugin p;
  ASSERT_NE(p.plugin, nullptr);
  WHARF_REQUIRE_HF_MODEL(dir);
  Instance bad(p, {{"model", dir.c_str()}, {"lm_head", "q4_0"}});
  EXPECT_NE(bad.status, WHARF_OK);
  EXPECT_NE(bad.error().find("is not one of as_stored|q8_0"), std::string::npos) << bad.error();
  auto weightsBytes = [&](const char* head) {
    Instance inst(p, {{"model", dir.c_str()},
                      {"threads", "2"},
                      {"kv_cache_bytes", "16777216"},
                      {"max_model_len", "256"},
                      {"lm_head", head}});
    EXPECT_EQ(inst.status, WHARF_OK) << inst.error();
    if (inst.status != WHARF_OK) return int64_t{0};
    wharf::EngineClient engine = inst.client();
    std::vector<int32_t> tokens = engine.tokenize("The capital of France is", true);
    wharf_sampling_params sp = greedy(4);
    Events ev;
    wharf_generation_request req = request(tokens, sp, ev);
    engine.submit(req);
    EXPECT_TRUE(ev.wait(std::chrono::seconds(120)));
    EXPECT_NE(ev.text.find("Paris"), std::string::npos) << head << ": [" << ev.text << "]";
    return Json::parse(engine.stats())["memory"]["weights_bytes"].get<int64_t>();
  };
  // SmolLM2 ties its 49152 x 576 head to the embedding: the Q8_0 copy is 34 bytes per 32.
  EXPECT_EQ(weightsBytes("q8_0") - weightsBytes("as_stored"), int64_t{49152} * 576 / 32 * 34);
}

}  // namespace
