#include "engine/cuda/graph_batch_sizes.hpp"

#include <algorithm>

namespace wharf::engine::cuda {

std::vector<int> graphCaptureSizes(int max_num_seqs, int limit) {
  const int top = std::max(1, std::min(max_num_seqs, limit));
  std::vector<int> sizes;
  for (int s : {1, 2, 4})
    if (s <= top) sizes.push_back(s);
  for (int s = 8; s <= top; s += 8) sizes.push_back(s);
  if (sizes.back() != top) sizes.push_back(top);
  return sizes;
}

int graphBatchFor(const std::vector<int>& sizes, int n) {
  if (n <= 0) return 0;
  auto it = std::lower_bound(sizes.begin(), sizes.end(), n);
  return it == sizes.end() ? 0 : *it;
}

}  // namespace wharf::engine::cuda
