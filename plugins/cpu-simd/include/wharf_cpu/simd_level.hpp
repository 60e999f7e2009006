// The x86 SIMD levels Wharf's CPU kernels are compiled for (with target attributes, so one binary
// runs everywhere) and the level this CPU supports. WHARF_SIMD=scalar|avx2|avx512 caps the level
// that kernel tables pick (tests and benchmarks compare levels with it).
#pragma once

namespace wharf::cpu {

// Scalar: any CPU. Avx2: avx2 + fma + f16c. Avx512: avx512 f + bw + vl (with Avx2's). Avx512Vnni:
// Avx512 + avx512vnni.
enum class SimdLevel { Scalar, Avx2, Avx512, Avx512Vnni };

const char* simdLevelName(SimdLevel level);

// True when this CPU can run kernels compiled for `level`.
bool cpuSupports(SimdLevel level);

// The highest level WHARF_SIMD allows (Avx512Vnni when it is unset or names no level).
SimdLevel simdCap();

// The highest level this CPU supports within simdCap().
SimdLevel bestSimdLevel();

}  // namespace wharf::cpu
