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

/* Prompt scoring (ABI 1.2; check struct_size; an engine that has it says "prompt_scoring": true in
 * its model_info, and reads the tail only when the caller's struct_size covers it):
 *  - wharf_sampling_params.score_prompt asks for each prompt token's logprob, rank and the top
 *    prompt_top_logprobs alternatives under the model (the raw logits' log-softmax, given the
 *    tokens before it), delivered in the events' prompt_* fields;
 *  - max_tokens 0 computes the prompt and generates nothing: the request ends with
 *    finish_reason "length" and no tokens once the prompt is computed (and scored). The prompt
 *    may then fill the whole context (prompt_length <= max_model_len). An engine without prompt
 *    scoring refuses max_tokens 0. */

typedef struct wharf_sampling_params {
  uint32_t struct_size;
  int32_t max_tokens; /* > 0; 0 (prompt scoring): compute the prompt only */
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
  int32_t logprobs; /* < 0: none; k >= 0: the sampled token's logprob plus the top k, from the
                       raw logits (before penalties, bias and temperature) */
  /* (1.2, prompt scoring) Non-zero: score every prompt token after the first, with the
   * prompt_top_logprobs (0 to 20) most likely alternatives. Such a request reads no KV from the
   * prefix cache (it needs every position's logits, and shared blocks are never recomputed); the
   * blocks it computes are cached for later requests. Zero (a zeroed struct): no scoring. */
  int32_t score_prompt;
  int32_t prompt_top_logprobs;
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
  /* (1.2, prompt scoring; read only when struct_size covers them) With score_prompt: the
   * scores of prompt tokens [prompt_logprob_start, prompt_logprob_start + prompt_logprob_count).
   * The first prompt token has none, so the first start is 1; every later prompt token is scored
   * exactly once, in order, in events with token_count 0 while the prompt is computed (chunked
   * prefill) and at the latest in the event of the first generated token (or the last event),
   * unless the request ends first (abort, error). */
  size_t prompt_logprob_start;
  size_t prompt_logprob_count;
  const float* prompt_logprobs;  /* per token: log P(prompt[i] | prompt[0, i)) */
  const int32_t* prompt_ranks;   /* per token: its rank in that distribution, 1 = most likely */
  const int32_t* prompt_top_ids; /* prompt_logprob_count * prompt_top_count, most likely first
                                    (-1 pads a row with fewer) */
  const float* prompt_top_logprobs;
  size_t prompt_top_count;
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
  /* JSON object: {"id", "max_model_len", "vocab_size", "architecture", ...}; "prompt_scoring":
   * true when the engine has prompt scoring (see wharf_sampling_params). */
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
