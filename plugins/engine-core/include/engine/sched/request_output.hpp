// Turns one request's sampled tokens into stream text: token bytes (special tokens skipped or
// kept), whole UTF-8 code points only, stop strings held back and cut.
#pragma once

#include <optional>
#include <string>

#include "engine/sched/sampling.hpp"
#include "engine/sched/stop_matcher.hpp"
#include "engine/text/tokenizer.hpp"
#include "engine/text/utf8_stream.hpp"

namespace wharf::engine {

class RequestText {
 public:
  RequestText(const Tokenizer& tokenizer, const SamplingParams& params)
      : tokenizer_(tokenizer),
        skip_special_(params.skip_special_tokens),
        stops_(params.stop, params.include_stop_str_in_output) {}

  struct Piece {
    std::string text;
    std::optional<std::string> stop;  // a stop string matched: the request is finished
  };

  // Adds a generated token's text.
  Piece add(int32_t token) {
    Piece p;
    auto r = stops_.push(utf8_.push(tokenizer_.tokenBytes(token, skip_special_)));
    p.text = std::move(r.text);
    p.stop = std::move(r.stop);
    return p;
  }
  // The request ends for another reason: release what is held back.
  std::string finish() {
    auto r = stops_.push(utf8_.finish());
    return r.stop ? r.text : r.text + stops_.flush();
  }

 private:
  const Tokenizer& tokenizer_;
  bool skip_special_;
  Utf8Stream utf8_;
  StopMatcher stops_;
};

}  // namespace wharf::engine
