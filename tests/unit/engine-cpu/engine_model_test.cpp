// InferenceEngine over the real SmolLM2 model and the CPU runner: batching, chunked prefill and
// preemption must not change greedy outputs; seeds make sampling reproducible.
#include <gtest/gtest.h>

#include <numeric>
#include <thread>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/json.hpp"
#include "engine_harness.hpp"
#include "fixtures.hpp"
#include "test_model.hpp"

namespace wharf::engine {
namespace {

using test::Collector;

class EngineOnModel : public ::testing::Test {
 protected:
  void SetUp() override {
    WHARF_REQUIRE_TEST_MODEL(path);
    gguf_ = std::make_shared<GgufFile>(GgufFile::open(path));
  }

  std::unique_ptr<InferenceEngine> engine(size_t kv_bytes, size_t max_batched, size_t max_len) {
    EngineOptions o = test::cpuDefaults();
    o.kv_cache_bytes = kv_bytes;
    o.max_num_batched_tokens = max_batched;
    o.max_model_len = max_len;
    return std::make_unique<InferenceEngine>(Tokenizer::fromGguf(*gguf_),
                                             gguf_->stringValue("tokenizer.chat_template"),
                                             std::make_unique<CpuLlamaRunner>(gguf_, 2), o);
  }

  std::shared_ptr<GgufFile> gguf_;
};

TEST_F(EngineOnModel, BatchingChunkingAndPreemptionKeepGreedyOutputs) {
  const std::vector<std::string> prompts = {"The capital of France is",
                                            "def add(a, b):\n    return",
                                            "1, 2, 3, 4, 5,",
                                            "Once upon a time, there was a",
                                            "The chemical symbol for gold is",
                                            "Here is a list of fruits: apple, banana,"};
  const size_t per_block = CpuLlamaRunner(gguf_, 1).kvBytesPerBlock();
  auto params = test::greedyParams(16);
  params.ignore_eos = 1;

  // Alone, one at a time, with a roomy cache.
  std::vector<std::vector<int32_t>> solo;
  {
    auto e = engine(per_block * 64, 2048, 256);
    Collector c;
    for (const std::string& p : prompts) {
      auto ids = e->tokenize(p, true);
      solo.push_back(c.wait(e->submit(c.request(ids, &params))).tokens);
    }
  }
  // All at once, 8-token prefill chunks, and a cache too small for all of them (preemption).
  auto e = engine(per_block * 8, 8, 64);
  Collector c;
  std::vector<uint64_t> ids;
  for (const std::string& p : prompts) {
    auto tokens = e->tokenize(p, true);
    ids.push_back(e->submit(c.request(tokens, &params)));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    auto r = c.wait(ids[i]);
    ASSERT_EQ(r.finish_reason, "length") << r.error;
    EXPECT_EQ(r.tokens, solo[i]) << "prompt: " << prompts[i];
  }
  // Stats are published when the step that finished the last request completes.
  Json s;
  for (int i = 0; i < 1000; ++i) {  // up to 10 s on a loaded machine
    s = Json::parse(e->stats());
    if (s["num_requests_running"].get<int64_t>() == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::cout << "engine stats after the batched run: " << s.dump() << "\n";
  EXPECT_GT(s["num_preemptions_total"].get<int64_t>(), 0);
  EXPECT_EQ(s["kv_blocks_used"].get<int64_t>(), 0);
}

TEST_F(EngineOnModel, SeededSamplingIsReproducible) {
  auto e = engine(64u << 20, 2048, 512);
  auto prompt = e->tokenize("Write a story about a dragon.", true);
  auto params = test::greedyParams(24);
  params.temperature = 0.9f;
  params.top_p = 0.95f;
  params.top_k = 50;
  params.has_seed = 1;
  params.seed = 42;
  params.logprobs = 2;
  Collector c;
  auto a = c.wait(e->submit(c.request(prompt, &params)));
  auto b = c.wait(e->submit(c.request(prompt, &params)));
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.text, b.text);
  ASSERT_EQ(a.logprobs.size(), a.tokens.size());
  for (float lp : a.logprobs) EXPECT_LE(lp, 0.0f);
  params.seed = 7;
  auto d = c.wait(e->submit(c.request(prompt, &params)));
  EXPECT_NE(a.tokens, d.tokens);
}

TEST_F(EngineOnModel, UsesTheModelsChatTemplate) {
  auto e = engine(64u << 20, 2048, 512);
  Json fx = test::loadFixture("chat_templates.json");
  std::string messages = fx["conversations"][0].dump();
  std::string want;
  for (const Json& r : fx["renderings"]) {
    if (r["template"].get<std::string>() == "smollm2" && r["conversation"].get<int64_t>() == 0 &&
        r["add_generation_prompt"].get<bool>()) {
      want = r["text"].get<std::string>();
    }
  }
  EXPECT_EQ(e->applyChatTemplate(messages, true), want);
  auto ids = e->tokenize(want, true);
  EXPECT_EQ(ids.front(), 1);  // <|im_start|> matched as a special token
}

}  // namespace
}  // namespace wharf::engine
