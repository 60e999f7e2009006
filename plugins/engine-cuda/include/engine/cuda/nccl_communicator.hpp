// The NCCL communicator: the ranks are CUDA devices, collectives run in stream order on each
// rank's stream over device memory (Communicator's float pointers are device pointers here).
// Either one process drives every device, one thread per rank (ncclCommInitAll), or each process
// is one rank of a multi-node group, joined with the unique id rank 0 made (newUniqueId) and handed
// over by the TCP rendezvous (engine/parallel/tcp_rendezvous.hpp). NCCL errors are DeviceErrors.
// After abort() (ncclCommAbort) the group is dead: reset() leaves it so, and every later
// collective throws, since NCCL cannot re-arm an aborted communicator.
#pragma once

#include <cuda_runtime_api.h>
#include <nccl.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/parallel/communicator.hpp"

namespace wharf::engine::cuda {

class NcclCommunicatorGroup : public CommunicatorGroup {
 public:
  // One rank per device of `devices`, all in this process.
  explicit NcclCommunicatorGroup(const std::vector<int>& devices);
  // This process's rank of a group of `world` processes, on `device`.
  NcclCommunicatorGroup(int rank, int world, const std::string& unique_id, int device);
  ~NcclCommunicatorGroup() override;

  // A new group's id (ncclGetUniqueId), for rank 0 to hand to the others.
  static std::string newUniqueId();

  int size() const override { return static_cast<int>(ranks_.size()); }
  Communicator& rank(int r) override;
  void abort() override;
  void reset() override {}
  cudaStream_t stream(int r) const;

 private:
  class Rank;
  std::vector<std::unique_ptr<Rank>> ranks_;
  bool aborted_ = false;
};

}  // namespace wharf::engine::cuda
