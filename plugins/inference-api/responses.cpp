#include "responses.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace wharf::inference {

namespace {

// A logprob as JSON writes it: the float's shortest digits (-0.12345679, not the 17 digits of its
// double), -9999.0 for -inf as OpenAI answers, null for NaN.
Json logprobJson(float lp) {
  if (std::isnan(lp)) return nullptr;
  if (std::isinf(lp)) return lp < 0 ? -9999.0 : 9999.0;
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf - 1, lp).ptr;
  *end = '\0';
  return std::strtod(buf, nullptr);
}

Json optionalString(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

}  // namespace

std::vector<TokenLogprob> promptEntries(const std::vector<int32_t>& prompt,
                                        const std::vector<TokenLogprob>& scores, int top) {
  std::vector<TokenLogprob> out;
  out.reserve(prompt.size());
  for (size_t i = 0; i < prompt.size(); ++i) {
    if (i > 0 && i - 1 < scores.size() && scores[i - 1].token == prompt[i]) {
      TokenLogprob e = scores[i - 1];
      if (e.top.size() > static_cast<size_t>(std::max(top, 0)))
        e.top.resize(static_cast<size_t>(std::max(top, 0)));
      out.push_back(std::move(e));
    } else {
      TokenLogprob e;
      e.token = prompt[i];
      e.unscored = true;
      out.push_back(std::move(e));
    }
  }
  return out;
}

Json ResponseWriter::header(bool streaming) const {
  return {{"id", id_},
          {"object",
           chat_ ? (streaming ? "chat.completion.chunk" : "chat.completion") : "text_completion"},
          {"created", created_},
          {"model", model_}};
}

Json ResponseWriter::usage(const Usage& u) const {
  return {{"prompt_tokens", u.prompt_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens},
          {"completion_tokens", u.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", u.cached_tokens}}}};
}

Json ResponseWriter::logprobs(const std::vector<TokenLogprob>& lps, size_t text_offset) const {
  if (lps.empty()) return nullptr;
  if (chat_) {
    auto entry = [](const std::string& token, float lp) {
      Json bytes = Json::array();
      for (unsigned char c : token) bytes.push_back(static_cast<int>(c));
      return Json{{"token", token}, {"logprob", logprobJson(lp)}, {"bytes", std::move(bytes)}};
    };
    Json content = Json::array();
    for (auto& lp : lps) {
      Json e = entry(token_text_(lp.token), lp.logprob);
      Json top = Json::array();
      for (auto& [id, v] : lp.top) top.push_back(entry(token_text_(id), v));
      e["top_logprobs"] = std::move(top);
      content.push_back(std::move(e));
    }
    return {{"content", std::move(content)}};
  }
  Json offsets = Json::array(), token_logprobs = Json::array(), tokens = Json::array(),
       top_logprobs = Json::array();
  size_t offset = text_offset;
  for (auto& lp : lps) {
    std::string text = token_text_(lp.token);
    offsets.push_back(static_cast<uint64_t>(offset));
    offset += text.size();
    tokens.push_back(std::move(text));
    if (lp.unscored) {  // an echoed prompt's first token
      token_logprobs.push_back(nullptr);
      top_logprobs.push_back(nullptr);
      continue;
    }
    token_logprobs.push_back(logprobJson(lp.logprob));
    Json top = Json::object();
    for (auto& [id, v] : lp.top) top[token_text_(id)] = logprobJson(v);
    top_logprobs.push_back(std::move(top));
  }
  return {{"text_offset", std::move(offsets)},
          {"token_logprobs", std::move(token_logprobs)},
          {"tokens", std::move(tokens)},
          {"top_logprobs", std::move(top_logprobs)}};
}

Json ResponseWriter::promptLogprobs(const std::vector<TokenLogprob>& entries) const {
  Json list = Json::array();
  for (const TokenLogprob& e : entries) {
    if (e.unscored) {
      list.push_back(nullptr);
      continue;
    }
    auto entry = [&](int32_t id, float lp, int32_t rank) {
      return Json{{"logprob", logprobJson(lp)}, {"rank", rank}, {"decoded_token", token_text_(id)}};
    };
    Json scores = Json::object();
    scores[std::to_string(e.token)] = entry(e.token, e.logprob, e.rank);
    for (size_t k = 0; k < e.top.size(); ++k) {
      const std::string key = std::to_string(e.top[k].first);
      if (!scores.contains(key))
        scores[key] = entry(e.top[k].first, e.top[k].second, static_cast<int32_t>(k + 1));
    }
    list.push_back(std::move(scores));
  }
  return list;
}

std::string ResponseWriter::full(const std::vector<ChoiceResult>& choices, const Usage& u) const {
  Json body = header(false);
  Json list = Json::array();
  for (size_t i = 0; i < choices.size(); ++i) {
    const ChoiceResult& c = choices[i];
    Json choice = {{"index", static_cast<uint64_t>(i)}};
    if (chat_) {
      choice["message"] = {
          {"role", "assistant"}, {"content", c.text}, {"tool_calls", Json::array()}};
    } else {
      choice["text"] = c.text;
    }
    choice["logprobs"] = logprobs(c.logprobs, 0);
    choice["finish_reason"] = c.finish_reason;
    choice["stop_reason"] = optionalString(c.stop_reason);
    if (!chat_ && c.prompt_logprobs) choice["prompt_logprobs"] = promptLogprobs(*c.prompt_logprobs);
    list.push_back(std::move(choice));
  }
  body["choices"] = std::move(list);
  body["usage"] = usage(u);
  if (chat_ && !choices.empty() && choices[0].prompt_logprobs)
    body["prompt_logprobs"] = promptLogprobs(*choices[0].prompt_logprobs);
  return toJsonText(body);
}

std::string ResponseWriter::chunk(size_t index, const std::string& text,
                                  const std::vector<TokenLogprob>& lps,
                                  const std::optional<std::string>& finish_reason,
                                  const std::optional<std::string>& stop_reason, bool role_only,
                                  size_t text_offset) const {
  Json body = header(true);
  Json choice = {{"index", static_cast<uint64_t>(index)}};
  if (chat_) {
    Json delta = Json::object();
    if (role_only) delta["role"] = "assistant";
    delta["content"] = text;
    choice["delta"] = std::move(delta);
  } else {
    choice["text"] = text;
  }
  choice["logprobs"] = logprobs(lps, text_offset);
  choice["finish_reason"] = optionalString(finish_reason);
  choice["stop_reason"] = optionalString(stop_reason);
  body["choices"] = Json::array({std::move(choice)});
  return toJsonText(body);
}

std::string ResponseWriter::usageChunk(const Usage& u) const {
  Json body = header(true);
  body["choices"] = Json::array();
  body["usage"] = usage(u);
  return toJsonText(body);
}

}  // namespace wharf::inference
