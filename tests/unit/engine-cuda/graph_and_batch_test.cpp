// CUDA-graph batch sizes and padding, and the device batch layout (slots, block-table matrix,
// validation) that the kernels read.
#include <gtest/gtest.h>

#include "engine/cuda/device_batch.hpp"
#include "engine/cuda/graph_batch_sizes.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine::cuda {
namespace {

TEST(GraphBatchSizes, VllmListUpToMaxNumSeqs) {
  EXPECT_EQ(graphCaptureSizes(32), (std::vector<int>{1, 2, 4, 8, 16, 24, 32}));
  EXPECT_EQ(graphCaptureSizes(3), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(graphCaptureSizes(1), (std::vector<int>{1}));
  EXPECT_EQ(graphCaptureSizes(20), (std::vector<int>{1, 2, 4, 8, 16, 20}));  // the max itself
  const auto big = graphCaptureSizes(1024);
  EXPECT_EQ(big.back(), 512);  // capped
  EXPECT_EQ(big.size(), 3u + 64u);
}

TEST(GraphBatchSizes, ADecodeStepReplaysTheSmallestGraphThatHoldsIt) {
  const auto sizes = graphCaptureSizes(64);
  EXPECT_EQ(graphBatchFor(sizes, 1), 1);
  EXPECT_EQ(graphBatchFor(sizes, 3), 4);
  EXPECT_EQ(graphBatchFor(sizes, 9), 16);
  EXPECT_EQ(graphBatchFor(sizes, 64), 64);
  EXPECT_EQ(graphBatchFor(sizes, 65), 0);  // eager
  EXPECT_EQ(graphBatchFor(sizes, 0), 0);
}

TEST(DeviceBatch, PacksSlotsTablesAndPadding) {
  const std::vector<int32_t> a = {7, 3}, b = {5};
  ForwardBatch batch;
  batch.block_tables = {&a, &b};
  batch.add(11, 17, 0, true);  // sequence a, position 17: block a[1] = 3, offset 1
  batch.add(12, 4, 1, false);  // sequence b, position 4: block 5, offset 4
  batch.add(13, 5, 1, true);
  const DeviceBatch d = packDeviceBatch(batch, 8, 100, 4);
  EXPECT_EQ(d.tokens, 3u);
  EXPECT_EQ(d.padded, 4u);
  EXPECT_EQ(d.max_blocks, 2u);
  EXPECT_EQ(d.block_tables, (std::vector<int32_t>{7, 3, 5, 0}));
  EXPECT_EQ(d.slots, (std::vector<int64_t>{3 * 16 + 1, 5 * 16 + 4, 5 * 16 + 5, -1}));
  EXPECT_EQ(d.token_ids, (std::vector<int32_t>{11, 12, 13, 0}));
  EXPECT_EQ(d.positions, (std::vector<int32_t>{17, 4, 5, 0}));
  EXPECT_EQ(d.sequence_of, (std::vector<int32_t>{0, 1, 1, 0}));
  EXPECT_EQ(d.logit_rows, (std::vector<int32_t>{0, 2}));
  EXPECT_EQ(d.max_position, 17);
}

TEST(DeviceBatch, RefusesWhatWouldReadOrWriteOutsideTheCache) {
  const std::vector<int32_t> short_table = {1}, bad_block = {1, 9};
  auto pack = [](const std::vector<int32_t>& table, int32_t token, int32_t pos) {
    ForwardBatch b;
    b.block_tables = {&table};
    b.add(token, pos, 0, true);
    try {
      packDeviceBatch(b, 8, 100);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("packed");
  };
  EXPECT_EQ(pack(short_table, 1, 16), "position 16 has no KV block");
  EXPECT_EQ(pack(bad_block, 1, 20), "KV block id out of range");  // 9 >= 8 blocks
  EXPECT_EQ(pack(short_table, 100, 0), "token id 100 out of range");
  EXPECT_EQ(pack(short_table, 1, 15), "packed");
}

}  // namespace
}  // namespace wharf::engine::cuda
