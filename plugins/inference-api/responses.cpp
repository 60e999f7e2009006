#include "responses.hpp"

namespace wharf::inference {

void ResponseWriter::header(JsonWriter& w, bool streaming) const {
  w.field("id", id_);
  w.field("object",
          chat_ ? (streaming ? "chat.completion.chunk" : "chat.completion") : "text_completion");
  w.field("created", created_);
  w.field("model", model_);
}

void ResponseWriter::usage(JsonWriter& w, const Usage& u) const {
  w.key("usage").begin_object();
  w.field("prompt_tokens", u.prompt_tokens);
  w.field("total_tokens", u.prompt_tokens + u.completion_tokens);
  w.field("completion_tokens", u.completion_tokens);
  w.key("prompt_tokens_details")
      .begin_object()
      .field("cached_tokens", u.cached_tokens)
      .end_object();
  w.end_object();
}

void ResponseWriter::logprobs(JsonWriter& w, const std::vector<TokenLogprob>& lps,
                              size_t text_offset) const {
  w.key("logprobs");
  if (lps.empty()) {
    w.null();
    return;
  }
  if (chat_) {
    auto bytes = [&](const std::string& s) {
      w.key("bytes").begin_array();
      for (unsigned char c : s) w.value(static_cast<int>(c));
      w.end_array();
    };
    w.begin_object().key("content").begin_array();
    for (auto& lp : lps) {
      std::string tok = token_text_(lp.token);
      w.begin_object().field("token", tok).field("logprob", static_cast<double>(lp.logprob));
      bytes(tok);
      w.key("top_logprobs").begin_array();
      for (auto& [id, v] : lp.top) {
        std::string t = token_text_(id);
        w.begin_object().field("token", t).field("logprob", static_cast<double>(v));
        bytes(t);
        w.end_object();
      }
      w.end_array().end_object();
    }
    w.end_array().end_object();
    return;
  }
  std::vector<std::string> texts;
  for (auto& lp : lps) texts.push_back(token_text_(lp.token));
  w.begin_object();
  w.key("text_offset").begin_array();
  size_t offset = text_offset;
  for (auto& t : texts) {
    w.value(static_cast<uint64_t>(offset));
    offset += t.size();
  }
  w.end_array();
  w.key("token_logprobs").begin_array();
  for (auto& lp : lps) w.value(static_cast<double>(lp.logprob));
  w.end_array();
  w.key("tokens").begin_array();
  for (auto& t : texts) w.value(t);
  w.end_array();
  w.key("top_logprobs").begin_array();
  for (auto& lp : lps) {
    w.begin_object();
    for (auto& [id, v] : lp.top) w.field(token_text_(id), static_cast<double>(v));
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

std::string ResponseWriter::full(const std::vector<ChoiceResult>& choices, const Usage& u) const {
  JsonWriter w;
  w.begin_object();
  header(w, false);
  w.key("choices").begin_array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const ChoiceResult& c = choices[i];
    w.begin_object().field("index", static_cast<uint64_t>(i));
    if (chat_) {
      w.key("message").begin_object().field("role", "assistant").field("content", c.text);
      w.key("tool_calls").begin_array().end_array().end_object();
    } else {
      w.field("text", c.text);
    }
    logprobs(w, c.logprobs, 0);
    w.field("finish_reason", c.finish_reason);
    w.key("stop_reason");
    if (c.stop_reason)
      w.value(*c.stop_reason);
    else
      w.null();
    w.end_object();
  }
  w.end_array();
  usage(w, u);
  return w.end_object().str();
}

std::string ResponseWriter::chunk(size_t index, const std::string& text,
                                  const std::vector<TokenLogprob>& lps,
                                  const std::optional<std::string>& finish_reason,
                                  const std::optional<std::string>& stop_reason, bool role_only,
                                  size_t text_offset) const {
  JsonWriter w;
  w.begin_object();
  header(w, true);
  w.key("choices").begin_array().begin_object().field("index", static_cast<uint64_t>(index));
  if (chat_) {
    w.key("delta").begin_object();
    if (role_only) w.field("role", "assistant");
    w.field("content", text).end_object();
  } else {
    w.field("text", text);
  }
  logprobs(w, lps, text_offset);
  w.key("finish_reason");
  if (finish_reason)
    w.value(*finish_reason);
  else
    w.null();
  w.key("stop_reason");
  if (stop_reason)
    w.value(*stop_reason);
  else
    w.null();
  w.end_object().end_array();
  return w.end_object().str();
}

std::string ResponseWriter::usage_chunk(const Usage& u) const {
  JsonWriter w;
  w.begin_object();
  header(w, true);
  w.key("choices").begin_array().end_array();
  usage(w, u);
  return w.end_object().str();
}

}  // namespace wharf::inference
