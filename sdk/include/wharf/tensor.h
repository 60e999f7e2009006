/* Tensor views shared by the quant and engine plugin kinds. */
#ifndef WHARF_TENSOR_H
#define WHARF_TENSOR_H

#include "wharf/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum wharf_dtype {
  WHARF_DTYPE_F32 = 0,
  WHARF_DTYPE_F16 = 1,
  WHARF_DTYPE_BF16 = 2,
  WHARF_DTYPE_I32 = 3,
  WHARF_DTYPE_I16 = 4,
  WHARF_DTYPE_I8 = 5,
  WHARF_DTYPE_U8 = 6
} wharf_dtype;

typedef enum wharf_device_type { WHARF_DEVICE_CPU = 0, WHARF_DEVICE_CUDA = 1 } wharf_device_type;

#define WHARF_TENSOR_MAX_DIMS 4

/* A borrowed, dense, row-major tensor. `data` is a host pointer for WHARF_DEVICE_CPU and a device
 * pointer for WHARF_DEVICE_CUDA. */
typedef struct wharf_tensor {
  const char* name; /* e.g. "qweight"; may be NULL */
  wharf_dtype dtype;
  wharf_device_type device;
  int32_t device_index;
  int32_t ndim;
  int64_t shape[WHARF_TENSOR_MAX_DIMS];
  const void* data;
} wharf_tensor;

/* Receives an output tensor (borrowed for the call). */
typedef wharf_status (*wharf_tensor_sink_fn)(void* ctx, const wharf_tensor* tensor,
                                             wharf_error** err);

#ifdef __cplusplus
}
#endif

#endif /* WHARF_TENSOR_H */
