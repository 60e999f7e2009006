// The NCCL communicator on the visible devices (one rank per device, one thread per rank): the
// all-reduce sums every rank's buffer, the all-gather places uneven slices in rank order, and a
// rank of a one-process "multi-node" group joins through the TCP rendezvous's unique id.
#include <gtest/gtest.h>

#include <thread>

#include "engine/cuda/cuda_check.hpp"
#include "engine/cuda/device_buffer.hpp"
#include "engine/cuda/nccl_communicator.hpp"
#include "engine/parallel/tcp_rendezvous.hpp"

namespace wharf::engine::cuda {
namespace {

int deviceCount() {
  int n = 0;
  check(cudaGetDeviceCount(&n), "cudaGetDeviceCount");
  return n;
}

TEST(NcclCommunicator, AllReduceAndAllGatherOverTheVisibleDevices) {
  const int n = deviceCount();
  std::vector<int> devices(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) devices[static_cast<size_t>(i)] = i;
  NcclCommunicatorGroup group(devices);
  std::vector<std::thread> threads;
  std::vector<std::string> failures(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      try {
        check(cudaSetDevice(r), "cudaSetDevice");
        std::vector<float> x(1000);
        for (size_t i = 0; i < x.size(); ++i)
          x[i] = static_cast<float>(r + 1) * static_cast<float>(i);
        DeviceBuffer d;
        d.upload(x.data(), x.size() * sizeof(float));
        group.rank(r).allReduceSum(d.as<float>(), x.size());
        std::vector<size_t> counts;
        for (int k = 0; k < n; ++k) counts.push_back(static_cast<size_t>(k + 2));
        std::vector<float> mine(static_cast<size_t>(r + 2), static_cast<float>(r));
        DeviceBuffer in, out;
        in.upload(mine.data(), mine.size() * sizeof(float));
        size_t total = 0;
        for (size_t c : counts) total += c;
        out.reserve(total * sizeof(float));
        group.rank(r).allGather(in.as<float>(), counts, out.as<float>());
        check(cudaStreamSynchronize(group.stream(r)), "collectives");
        std::vector<float> sum(x.size()), gathered(total);
        check(cudaMemcpy(sum.data(), d.as<void>(), sum.size() * 4, cudaMemcpyDeviceToHost), "copy");
        check(cudaMemcpy(gathered.data(), out.as<void>(), total * 4, cudaMemcpyDeviceToHost),
              "copy");
        const float ranks_sum = static_cast<float>(n * (n + 1) / 2);
        for (size_t i = 0; i < sum.size(); ++i)
          if (sum[i] != ranks_sum * static_cast<float>(i))
            throw Error(WHARF_ERR_DATA, "all-reduce");
        size_t o = 0;
        for (int k = 0; k < n; ++k)
          for (size_t j = 0; j < counts[static_cast<size_t>(k)]; ++j)
            if (gathered[o++] != static_cast<float>(k)) throw Error(WHARF_ERR_DATA, "all-gather");
      } catch (const std::exception& e) {
        failures[static_cast<size_t>(r)] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int r = 0; r < n; ++r) EXPECT_EQ(failures[static_cast<size_t>(r)], "") << "rank " << r;
}

TEST(NcclCommunicator, AProcessRankJoinsWithTheUniqueIdRankZeroServes) {
  RendezvousServer server("127.0.0.1", 0);
  const std::string id = NcclCommunicatorGroup::newUniqueId();
  // A world of one: rank 0 serves no peer, and joins with its own id.
  server.serve(id, 1, std::chrono::milliseconds(1000));
  NcclCommunicatorGroup group(0, 1, id, 0);
  DeviceBuffer d;
  const float x = 3.0f;
  d.upload(&x, sizeof x);
  group.rank(0).allReduceSum(d.as<float>(), 1);
  check(cudaStreamSynchronize(group.stream(0)), "all-reduce");
  float y = 0;
  check(cudaMemcpy(&y, d.as<void>(), sizeof y, cudaMemcpyDeviceToHost), "copy");
  EXPECT_EQ(y, 3.0f);
}

}  // namespace
}  // namespace wharf::engine::cuda
