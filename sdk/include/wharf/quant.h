/* Quantization backends: recognise a checkpoint's quantization_config, repack a quantized linear
 * layer's tensors for a device, compute y = x * W^T with it, and quantize fp16 weights offline.
 *
 * How an engine uses one: its INI names quant instances (engine-cpu's `quantization` key, a list
 * of WHARF_KEY_INSTANCE of kind quant); for a checkpoint with a quantization_config (config.json,
 * or quant_config.json / quantize_config.json beside it) the engine takes the instance whose
 * method() is the config's quant_method, else the first that recognizes() it, and refuses the
 * model naming the method when none does. It then loads every quantized linear layer once
 * (load_linear with the tensors named by tensor_suffixes, for its device) and calls the layer on
 * each step: forward_cpu on the engine's CPU threads (a CPU backend splits its work with the
 * wharf_cpu_pool it is lent, so that it runs on the threads the engine sized, never threads of
 * its own), forward with a cudaStream_t on a device.
 *
 * Which layers are quantized: an engine gives load_linear every tensor `<layer>.<suffix>` it finds
 * for the suffixes of tensor_suffixes(); a layer counts as quantized when its first suffix's tensor
 * exists (e.g. `<layer>.qweight`), else it is read from `<layer>.weight` as a plain matrix (that
 * is how modules_to_not_convert work). Optional tensors may be absent; the backend names what it
 * misses.
 *
 * Offline quantization (`wharfd quantize --method M [--backend MODULE]`) calls quantize() once
 * per linear layer with the weight as F32 [N, K]; a backend without calibration gets options "{}"
 * and the output's config.json gets quantization_config {"quant_method": M}, which the backend's
 * recognizes() must accept.
 *
 * Threading: load_linear/free_linear from one thread at a time per instance; forward and
 * forward_cpu from any thread, concurrently on distinct layers or streams. */
#ifndef WHARF_QUANT_H
#define WHARF_QUANT_H

#include "wharf/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wharf_quant_layer wharf_quant_layer; /* opaque, owned by the backend */

typedef struct wharf_linear_info {
  uint32_t struct_size;
  int64_t in_features;   /* K */
  int64_t out_features;  /* N */
  uint64_t device_bytes; /* memory held by the repacked layer */
} wharf_linear_info;

/* (1.1) Receives one range of a parallel loop: items [begin, end), on worker `worker`
 * (< wharf_cpu_pool.workers; per-worker scratch can be indexed by it). */
typedef void (*wharf_range_fn)(void* ctx, size_t begin, size_t end, uint32_t worker);

/* (1.1) The engine's CPU threads, lent to a backend for one call. */
typedef struct wharf_cpu_pool {
  uint32_t struct_size;
  uint32_t workers; /* threads that may run ranges at once, the calling thread included */
  void* ctx;        /* the first argument of parallel_for */
  /* Calls fn(fn_ctx, begin, end, worker) over disjoint ranges that cover [0, count) exactly once
   * and returns when all have run. Not re-entrant: fn must not call parallel_for. */
  void (*parallel_for)(void* ctx, size_t count, wharf_range_fn fn, void* fn_ctx);
} wharf_cpu_pool;

typedef struct wharf_quant_v1 {
  uint32_t struct_size;
  /* Method name as written in quantization_config.quant_method, e.g. "awq". Static string. */
  const char* (*method)(void* inst);
  /* Non-zero when this backend can load a checkpoint with the given quantization config (the JSON
   * object of config.json's quantization_config, or of quant_config.json). */
  int (*recognizes)(void* inst, const char* quant_config_json);
  /* NULL-terminated list of the tensor name suffixes one linear layer needs, e.g.
   * {"qweight", "qzeros", "scales", NULL}. Static. */
  const char* const* (*tensor_suffixes)(void* inst, const char* quant_config_json);
  /* Repacks one layer from its checkpoint tensors (host memory, named by suffix) for `device`.
   * The tensors are borrowed for the call. */
  wharf_status (*load_linear)(void* inst, const char* quant_config_json,
                              const wharf_tensor* tensors, size_t tensor_count,
                              wharf_device_type device, int32_t device_index,
                              wharf_quant_layer** layer, wharf_linear_info* info,
                              wharf_error** err);
  /* y[rows, N] = x[rows, K] * W^T on the layer's device. x and y are F32 or F16 (x->dtype ==
   * y->dtype) in that device's memory; y->data is writable (wharf_tensor's pointer is const for
   * the inputs' sake). `stream` is a cudaStream_t for CUDA, NULL on the CPU. */
  wharf_status (*forward)(void* inst, wharf_quant_layer* layer, const wharf_tensor* x,
                          wharf_tensor* y, void* stream, wharf_error** err);
  void (*free_linear)(void* inst, wharf_quant_layer* layer);
  /* Optional: quantizes an F16/F32 weight [N, K] (host memory) with the options JSON (e.g.
   * {"group_size":128}); emits the checkpoint tensors through `sink`. */
  wharf_status (*quantize)(void* inst, const wharf_tensor* weight, const char* options_json,
                           wharf_tensor_sink_fn sink, void* sink_ctx, wharf_error** err);
  /* (1.1; check struct_size, may be NULL) y[rows, N] = x[rows, K] * W^T for a layer loaded for
   * WHARF_DEVICE_CPU, on the engine's threads: the backend splits the work with `pool` (rows 1-16
   * are decode-shaped, GEMV-like; more are prefill-shaped, GEMM-like). x and y are host F32. An
   * engine calls forward(stream = NULL) instead when a backend lacks it. */
  wharf_status (*forward_cpu)(void* inst, wharf_quant_layer* layer, const wharf_tensor* x,
                              wharf_tensor* y, const wharf_cpu_pool* pool, wharf_error** err);
  /* (1.3; check struct_size, may be NULL) Several layers of this instance that read the same x
   * (a transformer block's q/k/v projections, or gate/up): ys[i][rows, N_i] = x[rows, K] * W_i^T
   * for i < count, all loaded for WHARF_DEVICE_CPU with the same K, in one call, so that the
   * backend prepares x once and splits every layer's output features in one parallel loop. Each
   * ys[i] is as forward_cpu's y, and each result equals forward_cpu's bit for bit. An engine calls
   * forward_cpu per layer when a backend lacks it. */
  wharf_status (*forward_cpu_many)(void* inst, wharf_quant_layer* const* layers, size_t count,
                                   const wharf_tensor* x, wharf_tensor* ys,
                                   const wharf_cpu_pool* pool, wharf_error** err);
} wharf_quant_v1;

#ifdef __cplusplus
}
#endif

#endif /* WHARF_QUANT_H */
