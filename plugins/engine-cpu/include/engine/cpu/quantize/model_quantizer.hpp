// `wharfd quantize`: writes a quantized Hugging Face directory from an unquantized one (or from a
// GGUF file, through an F16 Hugging Face copy: quantizeGgufModel), through a
// quant backend's offline quantization (wharf/quant.h), with calibration on the CPU runner.
//  - rtn: round-to-nearest 4-bit, group-wise with zero points (the baseline; AWQ's layout).
//  - awq: AWQ's activation-aware scale search per group of layers sharing an input
//    (awq_scale_search.hpp); the inverse scales are folded into the op before (input_layernorm for
//    q/k/v, post_attention_layernorm for gate/up, up_proj's rows for down_proj, v_proj's rows for
//    o_proj when it has as many rows as o_proj has inputs, i.e. without grouped-query attention).
//  - squeezellm: the backend's sensitivity-weighted k-means, with each layer's mean squared input
//    per channel as the sensitivity, and optional dense-and-sparse outliers.
//  - any other method: each layer through that backend's quantize() with its default options,
//    and config.json's quantization_config = {"quant_method": method}.
// The output is written into OUT.partial-<pid> and renamed to OUT when complete; an error or an
// interruption (SIGINT/SIGTERM: the host's stopping flag) removes it. OUT must not exist.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/model/hf_checkpoint.hpp"
#include "engine/text/tokenizer.hpp"
#include "wharf/cpp/quant.hpp"

namespace wharf::engine {

struct QuantizeOptions {
  std::string method;  // "awq", "squeezellm", "rtn" or another backend's method()
  std::string model;   // the source directory (as given)
  std::string out;     // the output directory
  std::string calib;   // calibration text file (awq, squeezellm)
  int64_t group_size = 128;
  double sparse = 0;          // squeezellm: fraction of each layer's weights kept as fp16 outliers
  int64_t samples = 16;       // calibration windows
  int64_t seq_len = 256;      // tokens per window
  int64_t search_rows = 256;  // rows per layer input that the AWQ search replays
  int grid = 20;              // AWQ: alpha values tried

  // The words after `wharfd quantize`; throws wharf::Error(INVALID_ARGUMENT) naming the option.
  static QuantizeOptions parse(const std::vector<std::string>& args);
  // awq and squeezellm calibrate; rtn and other backends' methods quantize each layer alone.
  bool calibrated() const { return method == "awq" || method == "squeezellm"; }
};

void quantizeModel(std::shared_ptr<const HfCheckpoint> source, const Tokenizer& tokenizer,
                   const QuantClient& backend, const QuantizeOptions& options, int threads,
                   const std::function<bool()>& stopping,
                   const std::function<void(const std::string&)>& out);

// As quantizeModel, from a GGUF file: it is first written as an F16 Hugging Face directory
// (gguf_to_hf.hpp) beside the output, `OUT.gguf-source-<pid>`, which is removed however the run
// ends (it needs the disk space of the model in F16 while it runs).
void quantizeGgufModel(const GgufFile& gguf, const QuantClient& backend,
                       const QuantizeOptions& options, int threads,
                       const std::function<bool()>& stopping,
                       const std::function<void(const std::string&)>& out);

}  // namespace wharf::engine
