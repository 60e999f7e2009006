// Registration of the quant-squeezellm plugin (no INI keys: the checkpoint's config says
// everything).
#include "squeezellm_backend.hpp"

WHARF_QUANT_PLUGIN(wharf::quant_squeezellm::SqueezeLlmBackend, "quant-squeezellm", "0.1.0",
                   "SqueezeLLM 4-bit lookup-table checkpoints (vLLM <= 0.6.0's format, with "
                   "optional dense-and-sparse f16 outliers) on the CPU, with AVX2/AVX-512 kernels "
                   "and sensitivity-weighted k-means quantization",
                   nullptr)
