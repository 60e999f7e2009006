// wharf-engine-bench: throughput of the engine core with the CPU runner on a GGUF model.
//   wharf-engine-bench MODEL [threads=0] [prompt_tokens=512] [decode_tokens=128] [streams=16]
//                      [tensor_parallel_ranks=1]
// Prints prefill (TTFT for one prompt), single-stream decode tokens/s, and aggregate decode
// tokens/s with `streams` concurrent requests, all through InferenceEngine.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "engine/cpu/cpu_llama_runner.hpp"
#include "engine/cpu/kernels.hpp"
#include "engine/sched/inference_engine.hpp"

using namespace wharf::engine;
using Clock = std::chrono::steady_clock;

namespace {

struct Stream {
  std::mutex mutex;
  std::condition_variable cv;
  size_t tokens = 0;
  Clock::time_point first, last;
  bool done = false;
  static void on(void* ctx, const wharf_generation_event* ev) {
    auto* s = static_cast<Stream*>(ctx);
    std::lock_guard<std::mutex> lock(s->mutex);
    if (s->tokens == 0) s->first = Clock::now();
    s->tokens += ev->token_count;
    s->last = Clock::now();
    if (ev->finished) {
      s->done = true;
      s->cv.notify_all();
    }
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return done; });
  }
};

double seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: %s MODEL [threads] [prompt_tokens] [decode_tokens] [streams] [ranks]\n",
                 argv[0]);
    return 2;
  }
  int threads = argc > 2 ? std::atoi(argv[2]) : 0;
  size_t prompt_len = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 512;
  int decode = argc > 4 ? std::atoi(argv[4]) : 128;
  size_t streams = argc > 5 ? std::strtoul(argv[5], nullptr, 10) : 16;
  int ranks = argc > 6 ? std::atoi(argv[6]) : 1;
  try {
    auto gguf = std::make_shared<GgufFile>(GgufFile::open(argv[1]));
    auto runner = CpuLlamaRunner::create(gguf, threads, ranks);
    int used_threads = runner->parallelism();
    EngineOptions o;
    o.max_num_seqs = 256;
    o.max_num_batched_tokens = 2048;
    o.max_waiting = 1024;
    o.kv_cache_bytes = 1024u << 20;
    o.max_model_len = 4096;
    o.prefix_caching = false;  // measure real prefill work
    InferenceEngine engine(Tokenizer::fromGguf(*gguf), gguf->stringValue("tokenizer.chat_template"),
                           std::move(runner), o);
    std::printf("model %s, %d threads in %d ranks, kernels %s\n", argv[1], used_threads, ranks,
                simdLevelName(kernels().level));

    wharf_sampling_params sp{};
    sp.struct_size = sizeof sp;
    sp.temperature = 0;
    sp.top_p = 1;
    sp.repetition_penalty = 1;
    sp.logprobs = -1;
    sp.ignore_eos = 1;
    auto run = [&](const std::vector<int32_t>& prompt, int max_tokens, Stream& s) {
      sp.max_tokens = max_tokens;
      wharf_generation_request r{};
      r.struct_size = sizeof r;
      r.prompt_tokens = prompt.data();
      r.prompt_length = prompt.size();
      r.sampling = &sp;
      r.on_event = &Stream::on;
      r.on_event_ctx = &s;
      engine.submit(r);
    };
    std::vector<int32_t> prompt;
    for (size_t i = 0; i < prompt_len; ++i) prompt.push_back(static_cast<int32_t>(100 + i % 5000));

    {  // warm-up
      Stream s;
      run({1, 2, 3}, 4, s);
      s.wait();
    }
    {
      Stream s;
      auto t0 = Clock::now();
      run(prompt, 1, s);
      s.wait();
      std::printf("TTFT, %zu-token prompt: %.3f s (prefill %.1f tokens/s)\n", prompt_len,
                  seconds(t0, s.first), prompt_len / seconds(t0, s.first));
    }
    {
      Stream s;
      run({504, 3575, 282, 4649, 314}, decode, s);
      s.wait();
      std::printf("single stream decode: %.1f tokens/s (%d tokens)\n",
                  (s.tokens - 1) / seconds(s.first, s.last), decode);
    }
    if (streams > 0) {
      std::vector<Stream> all(streams);
      auto t0 = Clock::now();
      for (size_t i = 0; i < streams; ++i) {
        run({504, 3575 + static_cast<int32_t>(i), 282}, decode, all[i]);
      }
      size_t total = 0;
      for (Stream& s : all) {
        s.wait();
        total += s.tokens;
      }
      std::printf("%zu concurrent streams: %.1f tokens/s aggregate (%zu tokens in %.2f s)\n",
                  streams, total / seconds(t0, Clock::now()), total, seconds(t0, Clock::now()));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
