// Registration of the quant-awq plugin (no INI keys: the checkpoint's config says everything).
#include "awq_backend.hpp"

WHARF_QUANT_PLUGIN(wharf::quant_awq::AwqBackend, "quant-awq", "0.1.0",
                   "AutoAWQ 'gemm' 4-bit checkpoints (group sizes 32/64/128, zero point on or "
                   "off) on the CPU, with AVX2/AVX-512 kernels and round-to-nearest quantization",
                   nullptr)
