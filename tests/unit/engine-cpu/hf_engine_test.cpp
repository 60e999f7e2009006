// InferenceEngine over the Hugging Face copy of SmolLM2: same tokens, chat template and special ids
// as over the GGUF; greedy generation runs and its first token is the reference argmax.
#include <gtest/gtest.h>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/model/hf_checkpoint.hpp"
#include "engine/model/json_file.hpp"
#include "engine/sched/inference_engine.hpp"
#include "engine/text/hf_chat_template.hpp"
#include "engine_harness.hpp"
#include "test_hf_model.hpp"
#include "test_model.hpp"

namespace wharf::engine {
namespace {

EngineOptions options() {
  EngineOptions o = test::cpuDefaults();
  o.kv_cache_bytes = 64u << 20;
  o.max_model_len = 256;
  return o;
}

TEST(HfModel, EngineMatchesGgufEngine) {
  WHARF_REQUIRE_HF_MODEL(dir);
  WHARF_REQUIRE_TEST_MODEL(path);
  auto hf = HfCheckpoint::open(dir);
  InferenceEngine e(Tokenizer::fromHfDirectory(dir), readHfChatTemplate(dir),
                    std::make_unique<CpuLlamaRunner>(hf, 2), options());
  auto gguf = std::make_shared<GgufFile>(GgufFile::open(path));
  InferenceEngine g(Tokenizer::fromGguf(*gguf), gguf->stringValue("tokenizer.chat_template"),
                    std::make_unique<CpuLlamaRunner>(gguf, 1), options());

  const std::string messages = R"([{"role":"user","content":"What is 2+2?"}])";
  EXPECT_EQ(e.applyChatTemplate(messages, true), g.applyChatTemplate(messages, true));
  const std::string prompt = e.applyChatTemplate(messages, true);
  EXPECT_EQ(e.tokenize(prompt, true), g.tokenize(prompt, true));

  const JsonDocument refs = readJsonFile(dir + "/hf_reference_logits.json");
  const JsonDocument& ref = refs[size_t{1}];  // "The capital of France is"
  const auto& want = ref["logits"];
  size_t argmax = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].get<double>() > want[argmax].get<double>()) argmax = i;
  }
  auto params = test::greedyParams(4);
  params.ignore_eos = 1;
  test::Collector c;
  auto ids = e.tokenize(ref["prompt"].get<std::string>(), true);
  auto out = c.wait(e.submit(c.request(ids, &params))).tokens;
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], static_cast<int32_t>(argmax));
}

}  // namespace
}  // namespace wharf::engine
