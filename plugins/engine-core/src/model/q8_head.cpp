#include "engine/model/q8_head.hpp"

#include <vector>

#include "engine/model/quant_blocks.hpp"

namespace wharf::engine {

namespace {

struct HeadCopy {
  std::shared_ptr<const void> storage;
  std::vector<uint8_t> rows;
};

}  // namespace

OwnedWeights withQ8_0Head(std::shared_ptr<const void> storage, LlamaWeights weights,
                          bool* converted) {
  WeightMatrix& head = weights.output;
  const bool plain = !head.quant && (head.type == GgmlType::F32 || head.type == GgmlType::F16 ||
                                     head.type == GgmlType::BF16);
  if (converted) *converted = false;
  if (!plain || head.cols % static_cast<int64_t>(kQBlock) != 0)
    return {std::move(storage), std::move(weights)};
  auto copy = std::make_shared<HeadCopy>();
  const size_t cols = static_cast<size_t>(head.cols);
  const size_t row_bytes = cols / kQBlock * kQ8_0Bytes;
  copy->rows.resize(static_cast<size_t>(head.rows) * row_bytes);
  std::vector<float> row(cols);
  for (int64_t r = 0; r < head.rows; ++r) {
    dequantizeRow(head.type, head.row(r), row.data(), cols);
    quantizeRowQ8_0(row.data(), copy->rows.data() + static_cast<size_t>(r) * row_bytes, cols);
  }
  copy->storage = std::move(storage);
  head.type = GgmlType::Q8_0;
  head.data = copy->rows.data();
  head.row_bytes = row_bytes;
  if (converted) *converted = true;
  return {std::move(copy), std::move(weights)};
}

}  // namespace wharf::engine
