/* Inference engines: load one model, own its paged KV cache, continuous-batching scheduler and
 * sampler, and stream generated tokens per request.
 * Threading: every function may be called from any thread, concurrently; events are delivered
 * from the engine's own threads. */
#ifndef WHARF_ENGINE_H
#define WHARF_ENGINE_H

#include "wharf/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives token ids (borrowed for the call). */
typedef void (*wharf_tokens_fn)(void* ctx, const int32_t* tokens, size_t count);

typedef struct wharf_sampling_params {
  uint32_t struct_size;
  int32_t max_tokens; /* > 0 */
  int32_t min_tokens; /* EOS and stop tokens are suppressed until this many were made */
  float temperature;  /* 0 = greedy */
  float top_p;        /* (0, 1] */
  int32_t top_k;      /* <= 0 = off */
  float min_p;        /* [0, 1] */
  float presence_penalty;
  float frequency_penalty;
  float repetition_penalty; /* 1 = off */
  int32_t has_seed;
  uint64_t seed;
  const char* const* stop; /* stop strings */
  size_t stop_count;
  const int32_t* stop_token_ids;
  size_t stop_token_count;
  const int32_t* logit_bias_ids;
  const float* logit_bias_values;
  size_t logit_bias_count;
  int32_t ignore_eos;
  int32_t include_stop_str_in_output;
  int32_t skip_special_tokens;
  int32_t logprobs; /* < 0: none; k >= 0: the sampled token's logprob plus the top k */
} wharf_sampling_params;

/* One step of a request's output. Borrowed for the call. */
typedef struct wharf_generation_event {
  uint32_t struct_size;
  uint64_t request_id;
  const int32_t* tokens; /* tokens accepted since the last event */
  size_t token_count;
  const char* text; /* the new UTF-8 text, never a partial code point or a held-back stop
                       prefix */
  size_t text_length;
  const float* logprobs;  /* per token, when requested, else NULL */
  const int32_t* top_ids; /* token_count * top_count, when requested */
  const float* top_logprobs;
  size_t top_count;
  int32_t finished;          /* non-zero on the last event */
  const char* finish_reason; /* "stop", "length", "abort" or "error" when finished */
  const char* stop_reason;   /* the stop string or token that ended it, else NULL */
  uint32_t prompt_tokens;
  uint32_t completion_tokens;
  uint32_t cached_tokens;    /* prompt tokens served from the prefix cache */
  const char* error_message; /* when finish_reason is "error" */
} wharf_generation_event;

typedef void (*wharf_generation_fn)(void* ctx, const wharf_generation_event* event);

typedef struct wharf_generation_request {
  uint32_t struct_size;
  const int32_t* prompt_tokens; /* borrowed for the call */
  size_t prompt_length;
  const wharf_sampling_params* sampling;
  wharf_generation_fn on_event; /* called until an event with finished != 0; never after */
  void* on_event_ctx;
} wharf_generation_request;

typedef struct wharf_engine_v1 {
  uint32_t struct_size;
  /* JSON object: {"id", "max_model_len", "vocab_size", "architecture", ...}. */
  wharf_status (*model_info)(void* inst, wharf_string_fn fn, void* ctx, wharf_error** err);
  wharf_status (*tokenize)(void* inst, const char* text, size_t length, int add_special_tokens,
                           wharf_tokens_fn fn, void* ctx, wharf_error** err);
  wharf_status (*detokenize)(void* inst, const int32_t* tokens, size_t count,
                             int skip_special_tokens, wharf_string_fn fn, void* ctx,
                             wharf_error** err);
  /* Renders the model's chat template over `messages_json` (an OpenAI messages array). */
  wharf_status (*apply_chat_template)(void* inst, const char* messages_json,
                                      int add_generation_prompt, wharf_string_fn fn, void* ctx,
                                      wharf_error** err);
  /* Queues a request; stores its id. WHARF_ERR_UNAVAILABLE when the waiting queue is full,
   * WHARF_ERR_INVALID_ARGUMENT when the prompt does not fit the context. */
  wharf_status (*submit)(void* inst, const wharf_generation_request* req, uint64_t* request_id,
                         wharf_error** err);
  /* Cancels a request: its last event (finish_reason "abort") follows soon, its blocks are freed.*/
  void (*cancel)(void* inst, uint64_t request_id);
  /* JSON object with KV blocks used/free, running/waiting counts, model info. */
  wharf_status (*stats)(void* inst, wharf_string_fn fn, void* ctx, wharf_error** err);
} wharf_engine_v1;

#ifdef __cplusplus
}
#endif

#endif /* WHARF_ENGINE_H */
