// InferenceEngine end to end over a deterministic fake runner: streaming, stop conditions,
// cancellation, bounded queue, chunked prefill and preemption.
#include <gtest/gtest.h>

#include <cmath>
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
  params.max_tokens = -1;
  EXPECT_THROW(f.engine->submit(c.request(bytes("a"), &params)), Error);
  params.max_tokens = 1;
  params.score_prompt = 1;
  params.prompt_top_logprobs = 21;
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

// A runner whose device fails in a step (as a CUDA runner after a sticky error): the step's
// requests end with the error, the engine reports itself unhealthy with the runner's fault and
// refuses new requests.
class FailingDeviceRunner : public FakeRunner {
 public:
  void forward(const ForwardBatch&, std::vector<float>&) override {
    {
      std::lock_guard<std::mutex> lock(fault_mutex_);
      fault_ = "CUDA error in forward: cudaErrorIllegalAddress";
    }
    throw Error(WHARF_ERR_INTERNAL, "CUDA error in forward: cudaErrorIllegalAddress");
  }
  std::string fault() const override {
    std::lock_guard<std::mutex> lock(fault_mutex_);
    return fault_;
  }

 private:
  mutable std::mutex fault_mutex_;
  std::string fault_;
};

TEST(Engine, ADeviceFaultFailsTheStepTurnsHealthRedAndRefusesNewWork) {
  auto gguf = test::byteTokenizerGguf("");
  InferenceEngine engine(Tokenizer::fromGguf(*gguf), std::nullopt,
                         std::make_unique<FailingDeviceRunner>(), options());
  EXPECT_NO_THROW(engine.health());
  Collector c;
  auto params = test::greedyParams(5);
  const uint64_t id = engine.submit(c.request(bytes("hello"), &params));
  const auto r = c.wait(id);
  EXPECT_EQ(r.finish_reason, "error");
  EXPECT_NE(r.error.find("cudaErrorIllegalAddress"), std::string::npos) << r.error;
  try {
    engine.health();
    FAIL() << "healthy after a device fault";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_UNAVAILABLE);
    EXPECT_STREQ(e.what(),
                 "the engine's device failed: CUDA error in forward: cudaErrorIllegalAddress");
  }
  try {
    engine.submit(c.request(bytes("again"), &params));
    FAIL() << "a failed device took new work";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), WHARF_ERR_UNAVAILABLE);
  }
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

// The fake runner's logits: 10 for the scripted next token, 0 for the other 257.
const double kLogZ = std::log(std::exp(10.0) + 257.0);
const float kHit = static_cast<float>(10.0 - kLogZ), kMiss = static_cast<float>(-kLogZ);
int32_t scripted(int32_t last) { return last == '.' ? test::kFakeEos : (last + 1) % 256; }

wharf_sampling_params scoring(int32_t max_tokens, int32_t top) {
  auto p = test::greedyParams(max_tokens);
  p.score_prompt = 1;
  p.prompt_top_logprobs = top;
  return p;
}

// Each prompt token after the first: its raw logprob and rank given the tokens before it.
void expectScores(const test::Collected& r, const std::vector<int32_t>& prompt, size_t top) {
  ASSERT_EQ(r.prompt_logprobs.size(), prompt.size() - 1);
  ASSERT_EQ(r.prompt_top, top);
  for (size_t i = 1; i < prompt.size(); ++i) {
    const bool hit = prompt[i] == scripted(prompt[i - 1]);
    EXPECT_NEAR(r.prompt_logprobs[i - 1], hit ? kHit : kMiss, 1e-5) << "token " << i;
    EXPECT_EQ(r.prompt_ranks[i - 1], hit ? 1 : 2) << "token " << i;
    if (top > 0) {
      EXPECT_EQ(r.prompt_top_ids[(i - 1) * top], scripted(prompt[i - 1]));
      EXPECT_NEAR(r.prompt_top_logprobs[(i - 1) * top], kHit, 1e-5);
    }
    if (top > 1) {  // the 257 ties: the lowest id first
      EXPECT_EQ(r.prompt_top_ids[(i - 1) * top + 1], scripted(prompt[i - 1]) == 0 ? 1 : 0);
      EXPECT_NEAR(r.prompt_top_logprobs[(i - 1) * top + 1], kMiss, 1e-5);
    }
  }
}

TEST(Engine, ScoresThePromptThenGenerates) {
  FakeEngine f;
  Collector c;
  auto params = scoring(3, 2);
  const auto prompt = bytes("abcxyz q");
  uint64_t id = f.engine->submit(c.request(prompt, &params));
  auto r = c.wait(id);
  EXPECT_EQ(r.text, "rst");
  EXPECT_EQ(r.completion_tokens, 3u);
  expectScores(r, prompt, 2);
  EXPECT_EQ(r.score_events, 1u);  // one chunk: the scores come with the first token
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0];
  // Generation logprobs are the same raw log-softmax.
  params.logprobs = 0;
  id = f.engine->submit(c.request(prompt, &params));
  r = c.wait(id);
  ASSERT_EQ(r.logprobs.size(), 3u);
  EXPECT_NEAR(r.logprobs[0], kHit, 1e-5);
}

// max_tokens 0: the prompt is computed and scored, nothing is generated; such a prompt may fill
// the whole context.
TEST(Engine, MaxTokensZeroOnlyScoresThePrompt) {
  FakeEngine f(options(32));
  Collector c;
  auto params = scoring(0, 0);
  std::vector<int32_t> prompt;
  for (int i = 0; i < 32; ++i) prompt.push_back('A' + i / 2);
  uint64_t id = f.engine->submit(c.request(prompt, &params));
  auto r = c.wait(id);
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_TRUE(r.tokens.empty());
  EXPECT_EQ(r.text, "");
  EXPECT_EQ(r.completion_tokens, 0u);
  EXPECT_EQ(r.prompt_tokens, 32u);
  expectScores(r, prompt, 0);
  EXPECT_TRUE(c.violations().empty());
  // Without scoring, max_tokens 0 computes the prompt only (a prefill).
  params.score_prompt = 0;
  id = f.engine->submit(c.request(prompt, &params));
  r = c.wait(id);
  EXPECT_EQ(r.finish_reason, "length");
  EXPECT_TRUE(r.prompt_logprobs.empty());
  // Generating needs room for a token.
  params.max_tokens = 1;
  EXPECT_THROW(f.engine->submit(c.request(prompt, &params)), Error);
  // The stats are published after the step that sent the last event.
  int64_t length = 0;
  for (int i = 0; i < 1000 && length != 2; ++i) {
    if (i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    length = Json::parse(f.engine->stats())["request_success_total"]["length"].get<int64_t>();
  }
  EXPECT_EQ(length, 2);
  EXPECT_TRUE(Json::parse(f.engine->modelInfo())["prompt_scoring"].get<bool>());
}

// Chunked prefill: every chunk's positions are scored, in order, as the chunk is computed.
TEST(Engine, ChunkedPrefillScoresEveryChunk) {
  FakeEngine f(options(0, 256, 1024, 64, 8));
  Collector c;
  auto params = scoring(1, 1);
  std::vector<int32_t> prompt;
  for (int i = 0; i < 30; ++i) prompt.push_back('a' + i / 2);
  uint64_t id = f.engine->submit(c.request(prompt, &params));
  auto r = c.wait(id);
  expectScores(r, prompt, 1);
  EXPECT_EQ(r.score_events, 4u);  // chunks of 8: 8, 8, 8 and the last 5 with the token
  EXPECT_EQ(r.completion_tokens, 1u);
  EXPECT_LE(f.fake->max_batch_tokens, 8u);
  EXPECT_TRUE(c.violations().empty());
}

// A scoring request needs every position's logits: it reads nothing from the prefix cache, and
// what it computes is cached for the requests after it.
TEST(Engine, ScoringBypassesThePrefixCacheAndFillsIt) {
  FakeEngine f;
  Collector c;
  auto plain = test::greedyParams(1);
  auto scored = scoring(1, 0);
  std::vector<int32_t> prompt;
  for (int i = 0; i < 40; ++i) prompt.push_back('a' + i % 7);
  auto first = c.wait(f.engine->submit(c.request(prompt, &scored)));
  EXPECT_EQ(first.cached_tokens, 0u);
  auto warm = c.wait(f.engine->submit(c.request(prompt, &plain)));
  EXPECT_EQ(warm.cached_tokens, 32u);  // the scoring request's blocks
  auto again = c.wait(f.engine->submit(c.request(prompt, &scored)));
  EXPECT_EQ(again.cached_tokens, 0u);
  EXPECT_EQ(again.prompt_logprobs, first.prompt_logprobs);
  expectScores(again, prompt, 0);
}

// Preempted scoring requests are prefilled again without scoring twice: every prompt token is
// scored exactly once, in order, and the outputs are those of an unloaded engine.
TEST(Engine, ScoringSurvivesChunkingAndPreemption) {
  FakeEngine f(options(128, 16, 1024, 12, 24));
  Collector c;
  std::vector<uint64_t> ids;
  std::vector<std::vector<int32_t>> prompts;
  auto params = scoring(40, 3);
  params.ignore_eos = 1;
  for (int i = 0; i < 16; ++i) {
    std::vector<int32_t> p;
    for (int k = 0; k < 10 + 3 * i; ++k) p.push_back('A' + i + k / 2);
    prompts.push_back(p);
    ids.push_back(f.engine->submit(c.request(p, &params)));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    auto r = c.wait(ids[i]);
    ASSERT_EQ(r.finish_reason, "length") << r.error;
    EXPECT_EQ(r.completion_tokens, 40u);
    expectScores(r, prompts[i], 3);
    EXPECT_EQ(r.tokens.front(), scripted(prompts[i].back()));
  }
  Json s = Json::parse(f.engine->stats());
  EXPECT_GT(s["num_preemptions_total"].get<int64_t>(), 0) << f.engine->stats();
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0];
}

// A runner that samples on its device scores there too: the engine streams what it returns.
TEST(Engine, ADeviceSamplingRunnerScoresThePrompt) {
  auto runner = std::make_unique<test::DeviceSamplingRunner>();
  auto gguf = test::byteTokenizerGguf("");
  InferenceEngine engine(Tokenizer::fromGguf(*gguf), std::nullopt, std::move(runner), options());
  Collector c;
  auto params = scoring(2, 0);
  auto r = c.wait(engine.submit(c.request(bytes("hello"), &params)));
  ASSERT_EQ(r.prompt_logprobs.size(), 4u);
  EXPECT_FLOAT_EQ(r.prompt_logprobs[3], -0.25f);
  EXPECT_EQ(r.text, "pq");
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
