#include "engine/cuda/nccl_communicator.hpp"

#include <cstring>

#include "engine/cuda/cuda_check.hpp"

namespace wharf::engine::cuda {

namespace {

void checkNccl(ncclResult_t status, const char* what) {
  if (status == ncclSuccess) return;
  throw DeviceError(std::string("NCCL error in ") + what + ": " + ncclGetErrorString(status));
}

}  // namespace

class NcclCommunicatorGroup::Rank : public Communicator {
 public:
  Rank(ncclComm_t comm, int rank, int size, int device, const bool& aborted)
      : comm_(comm), rank_(rank), size_(size), device_(device), aborted_(aborted) {
    check(cudaSetDevice(device_), "cudaSetDevice");
    check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  }
  ~Rank() override {
    cudaSetDevice(device_);
    if (comm_) ncclCommDestroy(comm_);
    if (stream_) cudaStreamDestroy(stream_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void allReduceSum(float* data, size_t n) override {
    live();
    checkNccl(ncclAllReduce(data, data, n, ncclFloat32, ncclSum, comm_, stream_), "all-reduce");
  }

  // Uneven contributions: one broadcast per rank into its place, in one NCCL group.
  void allGather(const float* in, const std::vector<size_t>& counts, float* out) override {
    live();
    if (counts.size() != static_cast<size_t>(size_))
      throw Error(WHARF_ERR_INTERNAL, "all-gather: one count per rank");
    checkNccl(ncclGroupStart(), "all-gather");
    size_t offset = 0;
    for (int r = 0; r < size_; ++r) {
      checkNccl(ncclBroadcast(in, out + offset, counts[static_cast<size_t>(r)], ncclFloat32, r,
                              comm_, stream_),
                "all-gather");
      offset += counts[static_cast<size_t>(r)];
    }
    checkNccl(ncclGroupEnd(), "all-gather");
  }

  void abortComm() {
    if (comm_) ncclCommAbort(comm_);
    comm_ = nullptr;
  }
  cudaStream_t stream() const { return stream_; }

 private:
  void live() const {
    if (aborted_ || !comm_) throw DeviceError("NCCL communicator aborted: a peer rank failed");
  }

  ncclComm_t comm_;
  int rank_, size_, device_;
  const bool& aborted_;
  cudaStream_t stream_ = nullptr;
};

NcclCommunicatorGroup::NcclCommunicatorGroup(const std::vector<int>& devices) {
  if (devices.empty()) throw Error(WHARF_ERR_INVALID_ARGUMENT, "NCCL group: no devices");
  std::vector<ncclComm_t> comms(devices.size());
  checkNccl(ncclCommInitAll(comms.data(), static_cast<int>(devices.size()), devices.data()),
            "ncclCommInitAll");
  for (size_t r = 0; r < devices.size(); ++r) {
    ranks_.push_back(std::make_unique<Rank>(
        comms[r], static_cast<int>(r), static_cast<int>(devices.size()), devices[r], aborted_));
  }
}

NcclCommunicatorGroup::NcclCommunicatorGroup(int rank, int world, const std::string& unique_id,
                                             int device) {
  ncclUniqueId id;
  if (unique_id.size() != sizeof id.internal)
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "NCCL group: the unique id has the wrong size");
  std::memcpy(id.internal, unique_id.data(), sizeof id.internal);
  check(cudaSetDevice(device), "cudaSetDevice");
  ncclComm_t comm = nullptr;
  checkNccl(ncclCommInitRank(&comm, world, id, rank), "ncclCommInitRank");
  ranks_.push_back(std::make_unique<Rank>(comm, rank, world, device, aborted_));
}

NcclCommunicatorGroup::~NcclCommunicatorGroup() = default;

std::string NcclCommunicatorGroup::newUniqueId() {
  ncclUniqueId id;
  checkNccl(ncclGetUniqueId(&id), "ncclGetUniqueId");
  return std::string(id.internal, sizeof id.internal);
}

Communicator& NcclCommunicatorGroup::rank(int r) {
  if (r < 0 || r >= size()) throw Error(WHARF_ERR_INTERNAL, "no rank " + std::to_string(r));
  return *ranks_[static_cast<size_t>(r)];
}

cudaStream_t NcclCommunicatorGroup::stream(int r) const {
  return ranks_.at(static_cast<size_t>(r))->stream();
}

void NcclCommunicatorGroup::abort() {
  aborted_ = true;
  for (auto& r : ranks_) r->abortComm();
}

}  // namespace wharf::engine::cuda
