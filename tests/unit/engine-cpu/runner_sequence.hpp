// Drives one sequence through a ModelRunner in the CPU runner's tests: a prefill chunk of any
// tokens, then greedy decode steps, over a KV cache of scattered blocks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "engine/sched/model_runner.hpp"

namespace wharf::engine {

// The largest |a - b| over rows of logits, and the largest |a| it is measured against.
struct LogitsGap {
  double max_diff = 0, scale = 0;
  double relative() const { return scale > 0 ? max_diff / scale : max_diff; }
};

inline LogitsGap logitsGap(const std::vector<std::vector<float>>& a,
                           const std::vector<std::vector<float>>& b) {
  LogitsGap g;
  EXPECT_EQ(a.size(), b.size());
  for (size_t t = 0; t < a.size() && t < b.size(); ++t) {
    EXPECT_EQ(a[t].size(), b[t].size());
    for (size_t v = 0; v < a[t].size() && v < b[t].size(); ++v) {
      g.max_diff = std::max(g.max_diff, static_cast<double>(std::fabs(a[t][v] - b[t][v])));
      g.scale = std::max(g.scale, static_cast<double>(std::fabs(a[t][v])));
    }
  }
  return g;
}

// One sequence through a runner: a prefill chunk, then decode steps.
class Sequence {
 public:
  static constexpr size_t kBlocks = 12;
  explicit Sequence(ModelRunner& runner) : runner_(runner), table_(kBlocks) {
    runner_.allocateKvCache(kBlocks);
    std::iota(table_.begin(), table_.end(), 0);
    std::reverse(table_.begin(), table_.end());  // scattered, not in order
  }
  // Logits of every position of `tokens`, appended after `start` (positions start, start+1...).
  std::vector<std::vector<float>> run(const std::vector<int32_t>& tokens, int32_t start) {
    ForwardBatch b;
    b.block_tables.push_back(&table_);
    for (size_t i = 0; i < tokens.size(); ++i)
      b.add(tokens[i], start + static_cast<int32_t>(i), 0, true);
    std::vector<float> logits;
    runner_.forward(b, logits);
    const size_t vocab = static_cast<size_t>(runner_.config().vocab_size);
    EXPECT_EQ(logits.size(), tokens.size() * vocab);
    std::vector<std::vector<float>> rows;
    for (size_t i = 0; i < tokens.size(); ++i)
      rows.emplace_back(logits.begin() + static_cast<std::ptrdiff_t>(i * vocab),
                        logits.begin() + static_cast<std::ptrdiff_t>((i + 1) * vocab));
    return rows;
  }
  // The prompt, then `steps` greedy tokens one at a time; returns the generated tokens and, in
  // `margins`, the top-2 gap of each choice.
  std::vector<int32_t> greedy(const std::vector<int32_t>& prompt, int steps,
                              std::vector<float>* margins = nullptr) {
    std::vector<float> last = run(prompt, 0).back();
    std::vector<int32_t> out;
    for (int i = 0; i < steps; ++i) {
      const auto best = std::max_element(last.begin(), last.end());
      if (margins) {
        float second = -INFINITY;
        for (auto it = last.begin(); it != last.end(); ++it)
          if (it != best) second = std::max(second, *it);
        margins->push_back(*best - second);
      }
      out.push_back(static_cast<int32_t>(best - last.begin()));
      last = run({out.back()}, static_cast<int32_t>(prompt.size()) + i).back();
    }
    return out;
  }

 private:
  ModelRunner& runner_;
  std::vector<int32_t> table_;
};

}  // namespace wharf::engine
