// InferenceEngine end to end over a deterministic fake runner: streaming, stop conditions,
// cancellation, bounded queue, chunked prefill and preemption.
#include <gtest/gtest.h>

#include <thread>

#include "engine/json.hpp"
#include "engine_harness.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

using test::bytes;
using test::Collector;
using test::FakeRunner;

// Options for the fake runner (1 KiB per KV block).
EngineOptions options(size_t max_model_len = 0, size_t max_num_seqs = 256,
                      size_t max_waiting = 1024, size_t kv_blocks = 64, size_t max_batched = 2048) {
  EngineOptions o;
  o.max_model_len = max_model_len;
  o.max_num_seqs = max_num_seqs;
  o.max_waiting = max_waiting;
  o.kv_cache_bytes = kv_blocks * 1024;
  o.max_num_batched_tokens = max_batched;
  o.prefix_caching = true;
  return o;
}

struct FakeEngine {
  explicit FakeEngine(EngineOptions o = options(), const std::string& tmpl = "") {
    auto runner = std::make_unique<FakeRunner>();
    fake = runner.get();
    auto gguf = test::byteTokenizerGguf(tmpl);
    engine = std::make_unique<InferenceEngine>(Tokenizer::fromGguf(*gguf),
                                               gguf->stringValue("tokenizer.chat_template"),
                                               std::move(runner), o);
  }
  FakeRunner* fake;
  std::unique_ptr<InferenceEngine> engine;
};

TEST(Engine, GeneratesTheScriptedTextWithUsage) {
  FakeEngine f;
  Collector c;
  auto params = test::greedyParams(5);
  uint64_t id = f.engine->submit(c.request(bytes("hello a"), &params));
  auto r = c.wait(id);
  EXPECT_EQ(r.text, "bcdef");
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_EQ(r.prompt_tokens, 7u);
  EXPECT_EQ(r.completion_tokens, 5u);
  EXPECT_EQ(r.events, 5u);
  EXPECT_TRUE(c.violations().empty());
}

// The runner seam: a runner that samples on its device returns ids and logprobs only, and the
// engine streams them as it streams host-sampled tokens.
TEST(Engine, ADeviceSamplingRunnerNeedsNoHostLogits) {
  auto runner = std::make_unique<test::DeviceSamplingRunner>();
  test::DeviceSamplingRunner* device = runner.get();
  auto gguf = test::byteTokenizerGguf("");
  InferenceEngine engine(Tokenizer::fromGguf(*gguf), std::nullopt, std::move(runner), options());
  Collector c;
  auto params = test::greedyParams(5);
  params.logprobs = 0;
  uint64_t id = engine.submit(c.request(bytes("hello a"), &params));
  auto r = c.wait(id);
  EXPECT_EQ(r.text, "bcdef");
  EXPECT_EQ(r.finish_reason, "length");
  ASSERT_EQ(r.logprobs.size(), 5u);
  EXPECT_FLOAT_EQ(r.logprobs[0], -0.5f);
  EXPECT_GE(device->device_steps, 5u);
}

// What the runner holds is in the engine's stats (/admin/engine).
TEST(Engine, StatsReportTheRunnersMemory) {
  FakeEngine f;
  Json stats = Json::parse(f.engine->stats());
  const Json& m = stats["memory"];
  EXPECT_EQ(m["device"].get<std::string>(), "fake");
  EXPECT_EQ(m["weights_bytes"].get<int64_t>(), 4096);
  EXPECT_EQ(m["kv_cache_bytes"].get<int64_t>(), static_cast<int64_t>(f.engine->kvBlocks()) * 1024);
}

TEST(Engine, EosEndsWithStopAndNoText) {
  FakeEngine f;
  Collector c;
  auto params = test::greedyParams(10);
  uint64_t id = f.engine->submit(c.request(bytes("x,"), &params));  // ',' -> '-' -> '.' -> eos
  auto r = c.wait(id);
  EXPECT_EQ(r.text, "-.");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.stop_reason, "");
  EXPECT_EQ(r.tokens.back(), test::kFakeEos);

  params.ignore_eos = 1;
  params.max_tokens = 4;
  id = f.engine->submit(c.request(bytes("x,"), &params));
  EXPECT_EQ(c.wait(id).finish_reason, "length");

  params.ignore_eos = 0;
  params.min_tokens = 3;  // eos masked for the first 3 tokens: the runner's second choice wins
  params.max_tokens = 3;
  id = f.engine->submit(c.request(bytes("x,"), &params));
  EXPECT_EQ(c.wait(id).finish_reason, "length");
}

TEST(Engine, StopStringsAreHeldBackAndCut) {
  FakeEngine f;
  Collector c;
  auto params = test::greedyParams(20);
  const char* stops[] = {"fgh"};
  params.stop = stops;
  params.stop_count = 1;
  uint64_t id = f.engine->submit(c.request(bytes("a"), &params));
  auto r = c.wait(id);
  EXPECT_EQ(r.text, "bcde");
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.stop_reason, "fgh");
  for (const std::string& frame : r.frames) {
    EXPECT_EQ(frame.find('f'), std::string::npos) << "a stop prefix was sent: " << frame;
  }
  params.include_stop_str_in_output = 1;
  id = f.engine->submit(c.request(bytes("a"), &params));
  EXPECT_EQ(c.wait(id).text, "bcdefgh");
}

TEST(Engine, StopTokenIds) {
  FakeEngine f;
  Collector c;
  auto params = test::greedyParams(20);
  int32_t stop_id = 'e';
  params.stop_token_ids = &stop_id;
  params.stop_token_count = 1;
  uint64_t id = f.engine->submit(c.request(bytes("a"), &params));
  auto r = c.wait(id);
  EXPECT_EQ(r.text, "bcd");
  EXPECT_EQ(r.stop_reason, std::to_string('e'));
}

TEST(Engine, ValidatesRequests) {
  FakeEngine f(options(64));
  Collector c;
  auto params = test::greedyParams(5);
  std::vector<int32_t> long_prompt(64, 'a');
  try {
    f.engine->submit(c.request(long_prompt, &params));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_INVALID_ARGUMENT);
    EXPECT_NE(std::string(e.what()).find("maximum context length is 64"), std::string::npos);
  }
  std::vector<int32_t> bad = {9999};
  EXPECT_THROW(f.engine->submit(c.request(bad, &params)), Error);
  params.max_tokens = 0;
  EXPECT_THROW(f.engine->submit(c.request(bytes("a"), &params)), Error);
}

TEST(Engine, LengthStopsAtMaxModelLen) {
  FakeEngine f(options(32));
  Collector c;
  auto params = test::greedyParams(100);
  params.ignore_eos = 1;
  uint64_t id = f.engine->submit(c.request(bytes("0123456789"), &params));
  auto r = c.wait(id);
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_EQ(r.completion_tokens, 22u);
}

TEST(Engine, CancelAbortsAndFreesBlocks) {
  FakeEngine f;
  Collector c;
  auto params = test::greedyParams(100000);
  params.ignore_eos = 1;
  // Too long to finish (max_tokens above the context is allowed; length ends it at 512). The
  // runner is held while the request is submitted and cancelled, so that a loaded machine cannot
  // let the engine run to the length limit first.
  uint64_t id = 0;
  {
    std::lock_guard<std::mutex> hold(f.fake->mutex_);
    id = f.engine->submit(c.request(bytes("a"), &params));
    f.engine->cancel(id);
  }
  auto r = c.wait(id);
  EXPECT_EQ(r.finish_reason, "abort");
  for (int i = 0; i < 1000; ++i) {  // up to 10 s on a loaded machine
    Json s = Json::parse(f.engine->stats());
    if (s["kv_blocks_used"].get<int64_t>() == 0 && s["num_requests_running"].get<int64_t>() == 0)
      return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "blocks not freed: " << f.engine->stats();
}

TEST(Engine, BoundedWaitingQueue) {
  FakeEngine f(options(0, 1, 2));
  Collector c;
  auto params = test::greedyParams(400);
  params.ignore_eos = 1;
  std::vector<uint64_t> ids;
  bool rejected = false;
  {
    std::lock_guard<std::mutex> hold(f.fake->mutex_);  // nothing finishes while we submit
    for (int i = 0; i < 10 && !rejected; ++i) {
      try {
        ids.push_back(f.engine->submit(c.request(bytes("a"), &params)));
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), WHARF_ERR_UNAVAILABLE);
        rejected = true;
      }
    }
  }
  EXPECT_TRUE(rejected);
  for (uint64_t id : ids) f.engine->cancel(id);
  for (uint64_t id : ids) EXPECT_TRUE(c.wait(id).finished);
}

TEST(Engine, ManyConcurrentRequestsWithChunkedPrefillAndPreemption) {
  // 12 blocks (192 token slots) for 16 sequences of up to ~100 tokens: preemption is certain.
  FakeEngine f(options(128, 16, 1024, 12, 24));
  Collector c;
  std::vector<uint64_t> ids;
  std::vector<std::string> prompts;
  auto params = test::greedyParams(60);
  params.ignore_eos = 1;
  for (int i = 0; i < 16; ++i) {
    std::string p(static_cast<size_t>(10 + 3 * i), static_cast<char>('A' + i));
    prompts.push_back(p);
    ids.push_back(f.engine->submit(c.request(bytes(p), &params)));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    auto r = c.wait(ids[i]);
    ASSERT_EQ(r.finish_reason, "length") << r.error;
    EXPECT_EQ(r.completion_tokens, 60u);
    std::string want;
    unsigned char last = static_cast<unsigned char>(prompts[i].back());
    for (int k = 0; k < 60; ++k) {
      last = static_cast<unsigned char>((last + 1) % 256);
      want += static_cast<char>(last);
    }
    // Only whole code points are sent; invalid bytes surface as U+FFFD, so compare tokens.
    std::vector<int32_t> want_tokens(want.begin(), want.end());
    for (int32_t& t : want_tokens) t &= 0xFF;
    EXPECT_EQ(r.tokens, want_tokens) << "request " << i;
  }
  Json s = Json::parse(f.engine->stats());
  EXPECT_GT(s["num_preemptions_total"].get<int64_t>(), 0) << f.engine->stats();
  EXPECT_LE(f.fake->max_batch_tokens, 24u);
  EXPECT_TRUE(c.violations().empty());
}

TEST(Engine, PrefixCacheReportsCachedTokens) {
  FakeEngine f;
  Collector c;
  auto params = test::greedyParams(1);
  std::string prompt(40, 'p');
  uint64_t a = f.engine->submit(c.request(bytes(prompt), &params));
  c.wait(a);
  uint64_t b = f.engine->submit(c.request(bytes(prompt), &params));
  auto r = c.wait(b);
  EXPECT_EQ(r.cached_tokens, 32u);
}

TEST(Engine, ChatTemplateAndTokenizerEntryPoints) {
  FakeEngine f(options(), "{% for m in messages %}<|user|>{{ m['content'] }}{% endfor %}");
  EXPECT_EQ(f.engine->applyChatTemplate(R"([{"role":"user","content":"hi"}])", true), "<|user|>hi");
  auto ids = f.engine->tokenize("<|user|>hi", true);
  EXPECT_EQ(ids, (std::vector<int32_t>{257, 'h', 'i'}));
  EXPECT_EQ(f.engine->detokenize(ids, true), "hi");
  EXPECT_EQ(f.engine->detokenize(ids, false), "<|user|>hi");
  EXPECT_THROW(f.engine->applyChatTemplate("not json", true), Error);
  Json info = Json::parse(f.engine->modelInfo());
  EXPECT_EQ(info["vocab_size"].get<int64_t>(), test::kFakeVocab);
  EXPECT_EQ(info["max_model_len"].get<int64_t>(), 512);
}

TEST(Engine, ShutdownAbortsOutstandingRequests) {
  Collector c;
  uint64_t id;
  {
    FakeEngine f;
    auto params = test::greedyParams(100000);
    params.ignore_eos = 1;
    id = f.engine->submit(c.request(bytes("a"), &params));
  }
  auto r = c.wait(id);
  EXPECT_TRUE(r.finish_reason == "abort" || r.finish_reason == "length");
}

}  // namespace
}  // namespace wharf::engine
