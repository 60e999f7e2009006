// Collective operations among the ranks of a tensor-parallel group, in NCCL's vocabulary. Every
// rank calls the same collectives in the same order with the same sizes; results are bitwise
// identical on every rank, so that the ranks' copies of replicated state (the residual stream)
// never drift apart. Implementations: CpuCommunicatorGroup (threads as ranks, shared memory) here;
// NCCL in engine-cuda.
#pragma once

#include <cstddef>
#include <vector>

namespace wharf::engine {

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // data (n floats) becomes the elementwise sum over the ranks.
  virtual void allReduceSum(float* data, size_t n) = 0;
  // Rank r contributes counts[r] floats from `in`; `out` (the sum of counts) receives every
  // rank's contribution in rank order.
  virtual void allGather(const float* in, const std::vector<size_t>& counts, float* out) = 0;
};

// The ranks of one group, and the way out of a collective when a rank fails: abort() makes every
// pending and later collective throw wharf::Error (so no rank waits forever for a peer that threw),
// reset() re-arms the group once every rank has left its collectives.
class CommunicatorGroup {
 public:
  virtual ~CommunicatorGroup() = default;
  virtual int size() const = 0;
  virtual Communicator& rank(int r) = 0;
  virtual void abort() = 0;
  virtual void reset() = 0;
};

}  // namespace wharf::engine
