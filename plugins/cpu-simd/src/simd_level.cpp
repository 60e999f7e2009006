#include "wharf_cpu/simd_level.hpp"

#include <cstdlib>
#include <string>

namespace wharf::cpu {

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

bool cpuSupports(SimdLevel level) {
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

SimdLevel simdCap() {
  const char* v = std::getenv("WHARF_SIMD");
  const std::string s = v ? v : "";
  if (s == "scalar") return SimdLevel::Scalar;
  if (s == "avx2") return SimdLevel::Avx2;
  if (s == "avx512") return SimdLevel::Avx512;
  return SimdLevel::Avx512Vnni;
}

SimdLevel bestSimdLevel() {
  SimdLevel best = SimdLevel::Scalar;
  const SimdLevel limit = simdCap();
  for (SimdLevel l : {SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Avx512Vnni})
    if (static_cast<int>(l) <= static_cast<int>(limit) && cpuSupports(l)) best = l;
  return best;
}

}  // namespace wharf::cpu
