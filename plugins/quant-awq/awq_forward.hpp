// y = x · Wᵀ for repacked AWQ layers on the engine's threads: the activation rows are quantized to
// Q8 once, then the output features of every layer given (q/k/v together) are split across the
// pool in one parallel loop (wharf_cpu/row_tiles.hpp), each weight row unpacked once per 4 tokens.
#pragma once

#include <span>

#include "awq_kernels.hpp"
#include "wharf/cpp/quant.hpp"

namespace wharf::quant_awq {

// x: host F32 [rows, K]; y: host F32 [rows, N]. Throws wharf::Error(INVALID_ARGUMENT) naming the
// shape on a mismatch.
void awqForward(const AwqWeights& w, const AwqKernels& kernels, const wharf_tensor& x,
                wharf_tensor& y, const CpuPool& pool);

// ys[i] = x · layers[i]ᵀ, every layer with x's K; layers with the same group size share one
// quantization of x. Each ys[i] equals awqForward's bit for bit.
void awqForwardMany(std::span<const AwqWeights* const> layers, const AwqKernels& kernels,
                    const wharf_tensor& x, std::span<wharf_tensor> ys, const CpuPool& pool);

}  // namespace wharf::quant_awq
