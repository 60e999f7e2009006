#include <cstdlib>
#include <string>

#include "engine/cpu/kernels.hpp"

namespace wharf::engine {

namespace {

bool cpuHas(SimdLevel level) {
#if defined(__x86_64__)
  __builtin_cpu_init();
  bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
              __builtin_cpu_supports("f16c");
  bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl");
  switch (level) {
    case SimdLevel::Scalar:
      return true;
    case SimdLevel::Avx2:
      return avx2;
    case SimdLevel::Avx512:
      return avx512;
    case SimdLevel::Avx512Vnni:
      return avx512 && __builtin_cpu_supports("avx512vnni");
  }
  return false;
#else
  return level == SimdLevel::Scalar;
#endif
}

// The highest level WHARF_SIMD allows (no variable: no cap).
SimdLevel cap() {
  const char* v = std::getenv("WHARF_SIMD");
  std::string s = v ? v : "";
  if (s == "scalar") return SimdLevel::Scalar;
  if (s == "avx2") return SimdLevel::Avx2;
  if (s == "avx512") return SimdLevel::Avx512;
  return SimdLevel::Avx512Vnni;
}

}  // namespace

const char* simdLevelName(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar:
      return "scalar";
    case SimdLevel::Avx2:
      return "avx2";
    case SimdLevel::Avx512:
      return "avx512";
    case SimdLevel::Avx512Vnni:
      return "avx512-vnni";
  }
  return "?";
}

const KernelTable* kernelsFor(SimdLevel level) {
  if (!cpuHas(level)) return nullptr;
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
    SimdLevel limit = cap();
    for (SimdLevel l : availableSimdLevels()) {
      if (static_cast<int>(l) <= static_cast<int>(limit)) t = kernelsFor(l);
    }
    return t;
  }();
  return *best;
}

}  // namespace wharf::engine
