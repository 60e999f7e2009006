// JSON bodies of the OpenAI API: completion and chat completion responses, their streaming
// chunks, usage and logprobs.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "generation.hpp"
#include "wharf/cpp/json.hpp"

namespace wharf::inference {

struct ChoiceResult {
  std::string text;
  std::vector<TokenLogprob> logprobs;
  std::string finish_reason;
  std::optional<std::string> stop_reason;
  uint32_t completion_tokens = 0;
  // vLLM's prompt_logprobs (one entry per prompt token, the first unscored), when asked for: a
  // completion choice's member; a chat completion's top-level member (its first choice's).
  std::optional<std::vector<TokenLogprob>> prompt_logprobs;
};

// One entry per prompt token from the engine's scores (scores[i] scores prompt token i + 1): the
// first token unscored, as is any the scores do not reach; alternatives cut to `top`.
std::vector<TokenLogprob> promptEntries(const std::vector<int32_t>& prompt,
                                        const std::vector<TokenLogprob>& scores, int top);

struct Usage {
  uint64_t prompt_tokens = 0;
  uint64_t completion_tokens = 0;
  uint64_t cached_tokens = 0;
};

// The text of one token id (for logprobs).
using TokenText = std::function<std::string(int32_t)>;

class ResponseWriter {
 public:
  ResponseWriter(bool chat, std::string id, int64_t created, std::string model,
                 TokenText token_text)
      : chat_(chat),
        id_(std::move(id)),
        created_(created),
        model_(std::move(model)),
        token_text_(std::move(token_text)) {}

  std::string full(const std::vector<ChoiceResult>& choices, const Usage& usage) const;
  // One streaming chunk for a choice; `role_only` writes the opening chat delta.
  std::string chunk(size_t index, const std::string& text,
                    const std::vector<TokenLogprob>& logprobs,
                    const std::optional<std::string>& finish_reason,
                    const std::optional<std::string>& stop_reason, bool role_only = false,
                    size_t text_offset = 0) const;
  std::string usageChunk(const Usage& usage) const;

 private:
  // {"id", "object", "created", "model"}: the members every body starts with.
  Json header(bool streaming) const;
  Json usage(const Usage& u) const;
  Json logprobs(const std::vector<TokenLogprob>& lps, size_t text_offset) const;
  // vLLM's prompt_logprobs: [null, {"<id>": {"logprob", "rank", "decoded_token"}, ...}, ...], the
  // prompt's token first, then the alternatives not already there.
  Json promptLogprobs(const std::vector<TokenLogprob>& entries) const;

  bool chat_;
  std::string id_;
  int64_t created_;
  std::string model_;
  TokenText token_text_;
};

}  // namespace wharf::inference
