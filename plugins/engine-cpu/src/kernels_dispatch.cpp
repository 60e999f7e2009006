#include "engine/cpu/kernels.hpp"

namespace wharf::engine {

const KernelTable* kernelsFor(SimdLevel level) {
  if (!cpu::cpuSupports(level)) return nullptr;
  switch (level) {
    case SimdLevel::Scalar:
      return &detail::scalarKernels();
    case SimdLevel::Avx2:
      return detail::avx2Kernels();
    case SimdLevel::Avx512:
      return detail::avx512Kernels(false);
    case SimdLevel::Avx512Vnni:
      return detail::avx512Kernels(true);
  }
  return nullptr;
}

std::vector<SimdLevel> availableSimdLevels() {
  std::vector<SimdLevel> out;
  for (SimdLevel l :
       {SimdLevel::Scalar, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Avx512Vnni}) {
    if (kernelsFor(l)) out.push_back(l);
  }
  return out;
}

const KernelTable& kernels() {
  static const KernelTable* best = [] {
    const KernelTable* t = &detail::scalarKernels();
    SimdLevel limit = cpu::simdCap();
    for (SimdLevel l : availableSimdLevels()) {
      if (static_cast<int>(l) <= static_cast<int>(limit)) t = kernelsFor(l);
    }
    return t;
  }();
  return *best;
}

}  // namespace wharf::engine
