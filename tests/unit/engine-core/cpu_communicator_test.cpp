// The CPU communicator (threads as ranks): all-reduce sums in rank order and leaves the same bits
// on every rank, all-gather concatenates uneven contributions in rank order, mismatched sizes fail
// on every rank, and abort() releases ranks waiting for a peer that will never come.
#include "engine/parallel/cpu_communicator.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <random>
#include <thread>

#include "engine/parallel/tensor_parallel_runner.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {
namespace {

// Runs fn(rank) on one thread per rank of `group`.
void onRanks(CpuCommunicatorGroup& group, const std::function<void(Communicator&)>& fn) {
  std::vector<std::thread> threads;
  for (int r = 0; r < group.size(); ++r) threads.emplace_back([&, r] { fn(group.rank(r)); });
  for (std::thread& t : threads) t.join();
}

TEST(CpuCommunicator, AllReduceSumsInRankOrderWithTheSameBitsEverywhere) {
  for (int ranks : {1, 2, 3, 4, 7}) {
    CpuCommunicatorGroup group(ranks);
    const size_t n = 1001;  // not a multiple of the ranks: uneven reduce-scatter slices
    std::vector<std::vector<float>> data(static_cast<size_t>(ranks));
    std::mt19937 rng(static_cast<uint32_t>(ranks));
    std::uniform_real_distribution<float> u(-1e4f, 1e4f);
    for (auto& d : data) {
      d.resize(n);
      for (float& x : d) x = u(rng) * (rng() % 2 ? 1e-4f : 1.0f);  // mixed magnitudes
    }
    std::vector<float> want(n);
    for (size_t i = 0; i < n; ++i) {
      float s = data[0][i];
      for (int k = 1; k < ranks; ++k) s += data[static_cast<size_t>(k)][i];
      want[i] = s;
    }
    onRanks(group, [&](Communicator& c) {
      for (int iteration = 0; iteration < 3; ++iteration) {
        std::vector<float> mine = data[static_cast<size_t>(c.rank())];
        c.allReduceSum(mine.data(), n);
        EXPECT_EQ(std::memcmp(mine.data(), want.data(), n * sizeof(float)), 0)
            << "rank " << c.rank() << " of " << ranks;
      }
    });
  }
}

TEST(CpuCommunicator, AllGatherConcatenatesUnevenSlicesInRankOrder) {
  CpuCommunicatorGroup group(3);
  const std::vector<size_t> counts = {4, 0, 3};
  onRanks(group, [&](Communicator& c) {
    std::vector<float> in(counts[static_cast<size_t>(c.rank())]);
    for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(c.rank() * 10 + i);
    std::vector<float> out(7, -1);
    c.allGather(in.data(), counts, out.data());
    EXPECT_EQ(out, (std::vector<float>{0, 1, 2, 3, 20, 21, 22}));
  });
}

TEST(CpuCommunicator, ManyBackToBackCollectivesStayInStep) {
  CpuCommunicatorGroup group(4);
  onRanks(group, [&](Communicator& c) {
    for (int i = 0; i < 2000; ++i) {
      float x = static_cast<float>(c.rank() + i);
      c.allReduceSum(&x, 1);
      ASSERT_EQ(x, static_cast<float>(6 + 4 * i));
    }
  });
}

TEST(CpuCommunicator, SizeMismatchFailsOnEveryRank) {
  CpuCommunicatorGroup group(2);
  std::atomic<int> failed{0};
  onRanks(group, [&](Communicator& c) {
    std::vector<float> x(4, 1.0f);
    try {
      c.allReduceSum(x.data(), c.rank() == 0 ? 4 : 3);
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("ranks disagree on the size (4 and 3)"),
                std::string::npos);
      ++failed;
    }
  });
  EXPECT_EQ(failed, 2);
}

TEST(CpuCommunicator, AbortReleasesRanksWaitingForAPeer) {
  CpuCommunicatorGroup group(3);
  std::atomic<int> released{0};
  std::vector<std::thread> waiting;
  for (int r = 0; r < 2; ++r) {
    waiting.emplace_back([&, r] {
      float x = 1;
      try {
        group.rank(r).allReduceSum(&x, 1);  // rank 2 never comes
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("a peer rank failed"), std::string::npos);
        ++released;
      }
    });
  }
  group.abort();
  for (std::thread& t : waiting) t.join();
  EXPECT_EQ(released, 2);
  // Re-armed, the group works again.
  group.reset();
  onRanks(group, [&](Communicator& c) {
    float x = 2;
    c.allReduceSum(&x, 1);
    EXPECT_EQ(x, 6);
  });
}

// A runner whose rank `failing` throws in forward() while its peers wait in a collective.
class CollectiveRank : public ModelRunner {
 public:
  CollectiveRank(Communicator& c, const int& failing) : c_(c), failing_(failing) {}
  const ModelConfig& config() const override { return config_; }
  size_t kvBytesPerBlock() const override { return 10; }
  void allocateKvCache(size_t) override {}
  void forward(const ForwardBatch&, std::vector<float>& logits) override {
    if (c_.rank() == failing_) throw Error(WHARF_ERR_INVALID_ARGUMENT, "rank failed");
    float x = static_cast<float>(c_.rank() + 1);
    c_.allReduceSum(&x, 1);
    logits.assign(1, x);
  }
  RunnerMemory memory() const override { return {}; }
  int parallelism() const override { return 1; }

 private:
  Communicator& c_;
  const int& failing_;
  ModelConfig config_;
};

TEST(TensorParallelRunner, AFailingRankFailsTheStepWithItsOwnErrorAndTheNextStepRuns) {
  auto group = std::make_shared<CpuCommunicatorGroup>(3);
  int failing = 1;
  std::vector<std::unique_ptr<ModelRunner>> ranks;
  for (int r = 0; r < 3; ++r)
    ranks.push_back(std::make_unique<CollectiveRank>(group->rank(r), failing));
  TensorParallelRunner runner(ModelConfig{}, group, std::move(ranks));
  EXPECT_EQ(runner.tensorParallelSize(), 3);
  EXPECT_EQ(runner.kvBytesPerBlock(), 30u);
  EXPECT_EQ(runner.parallelism(), 3);
  ForwardBatch batch;
  std::vector<float> logits;
  try {
    runner.forward(batch, logits);
    FAIL() << "the step succeeded";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "rank failed");  // the cause, not a peer's "aborted"
  }
  failing = -1;
  runner.forward(batch, logits);
  EXPECT_EQ(logits, std::vector<float>{6});
}

TEST(TensorParallelRunner, RanksRunTogetherAndRankZeroAnswers) {
  auto group = std::make_shared<CpuCommunicatorGroup>(4);
  const int none = -1;
  std::vector<std::unique_ptr<ModelRunner>> ranks;
  for (int r = 0; r < 4; ++r)
    ranks.push_back(std::make_unique<CollectiveRank>(group->rank(r), none));
  TensorParallelRunner runner(ModelConfig{}, group, std::move(ranks));
  ForwardBatch batch;
  std::vector<float> logits;
  for (int step = 0; step < 100; ++step) {
    runner.forward(batch, logits);
    ASSERT_EQ(logits, std::vector<float>{10});
  }
}

}  // namespace
}  // namespace wharf::engine
