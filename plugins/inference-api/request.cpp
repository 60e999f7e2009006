#include "request.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "api_error.hpp"
#include "wharf/cpp/json.hpp"

namespace wharf::inference {

namespace {

// wharf::Json is insertion-ordered, with integers and floats apart: the messages reach the chat
// template exactly as the client wrote them (sorted members or 1.0 written as 1 would change the
// prompt).

Json parseObject(const std::string& body) {
  Json v;
  try {
    v = Json::parse(body);
  } catch (const Json::exception&) {
    throw badRequest("The request body is not valid JSON.");
  }
  if (!v.is_object()) throw badRequest("The request body must be a JSON object.");
  return v;
}

bool present(const Json& o, const std::string& k) {
  auto it = o.find(k);
  return it != o.end() && !it->is_null();
}

double number(const Json& o, const std::string& k, double fallback) {
  if (!present(o, k)) return fallback;
  const Json& v = o.at(k);
  if (!v.is_number()) throw badRequest("'" + k + "' must be a number.", k);
  double d = v.get<double>();
  if (!std::isfinite(d)) throw badRequest("'" + k + "' must be finite.", k);
  return d;
}

std::optional<int64_t> integer(const Json& o, const std::string& k) {
  if (!present(o, k)) return std::nullopt;
  const Json& v = o.at(k);
  if (v.is_number_unsigned() && v.get<uint64_t>() > uint64_t{INT64_MAX})
    throw badRequest("'" + k + "' is too large.", k);
  if (v.is_number_integer()) return v.get<int64_t>();
  // 16.0 is accepted as 16 by pydantic; 16.5 is not.
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
  }
  throw badRequest("'" + k + "' must be an integer.", k);
}

bool boolean(const Json& o, const std::string& k, bool fallback) {
  if (!present(o, k)) return fallback;
  const Json& v = o.at(k);
  if (!v.is_boolean()) throw badRequest("'" + k + "' must be a boolean.", k);
  return v.get<bool>();
}

std::string string(const Json& o, const std::string& k, const std::string& fallback = {}) {
  if (!present(o, k)) return fallback;
  const Json& v = o.at(k);
  if (!v.is_string()) throw badRequest("'" + k + "' must be a string.", k);
  return v.get<std::string>();
}

std::vector<int32_t> tokenList(const Json& a, const std::string& k) {
  std::vector<int32_t> out;
  for (const Json& v : a) {
    if (!v.is_number_integer()) throw badRequest("'" + k + "' must be a list of token ids.", k);
    if (v.is_number_unsigned() ? v.get<uint64_t>() > uint64_t{INT32_MAX}
                               : (v.get<int64_t>() < 0 || v.get<int64_t>() > INT32_MAX))
      throw badRequest("token id out of range in '" + k + "'.", k);
    out.push_back(static_cast<int32_t>(v.get<int64_t>()));
  }
  return out;
}

// The chat messages, checked and re-serialised for the chat template: each an object with a string
// role; content a string, null, or a list of text parts ({"type":"text","text":...}), which are
// joined with newlines as vLLM does (templates expect a string).
std::string messages_json(const Json& o) {
  if (!present(o, "messages") || !o.at("messages").is_array())
    throw badRequest("'messages' must be a list of messages.", "messages");
  Json msgs = o.at("messages");
  if (msgs.empty()) throw badRequest("'messages' must not be empty.", "messages");
  for (Json& m : msgs) {
    if (!m.is_object()) throw badRequest("each message must be an object.", "messages");
    if (!present(m, "role") || !m.at("role").is_string())
      throw badRequest("each message needs a string 'role'.", "messages");
    if (!present(m, "content")) continue;
    Json& content = m.at("content");
    if (content.is_string()) continue;
    if (!content.is_array())
      throw badRequest("message 'content' must be a string or a list of parts.", "messages");
    std::string text;
    for (const Json& part : content) {
      if (!part.is_object() || !part.contains("type") || !part.at("type").is_string())
        throw badRequest("each content part must be an object with a string 'type'.", "messages");
      const std::string type = part.at("type").get<std::string>();
      if (type != "text")
        throw badRequest(
            "content parts of type '" + type + "' are not supported by this model (text only).",
            "messages");
      if (!part.contains("text") || !part.at("text").is_string())
        throw badRequest("a text content part needs a string 'text'.", "messages");
      if (!text.empty()) text += "\n";
      text += part.at("text").get<std::string>();
    }
    content = text;
  }
  return toJsonText(msgs);
}

// Fields shared by both endpoints.
void parseCommon(const Json& o, GenerationRequest& r) {
  if (!present(o, "model")) throw badRequest("'model' is required.", "model");
  r.model = string(o, "model");
  r.stream = boolean(o, "stream", false);
  if (present(o, "stream_options")) {
    const Json& so = o.at("stream_options");
    if (!so.is_object()) throw badRequest("'stream_options' must be an object.", "stream_options");
    if (!r.stream)
      throw badRequest("'stream_options' is only allowed when 'stream' is true.", "stream_options");
    r.include_usage = boolean(so, "include_usage", false);
  }
  int64_t n = integer(o, "n").value_or(1);
  if (n < 1 || n > 128) throw badRequest("'n' must be between 1 and 128.", "n");
  r.n = static_cast<int>(n);
  r.temperature = number(o, "temperature", 1.0);
  if (r.temperature < 0 || r.temperature > 100)
    throw badRequest("'temperature' must be in [0, 100].", "temperature");
  r.top_p = number(o, "top_p", 1.0);
  if (r.top_p <= 0 || r.top_p > 1) throw badRequest("'top_p' must be in (0, 1].", "top_p");
  int64_t top_k = integer(o, "top_k").value_or(-1);
  if (top_k < -1 || top_k == 0 || top_k > INT32_MAX)
    throw badRequest("'top_k' must be -1 (disabled) or at least 1.", "top_k");
  r.top_k = static_cast<int>(top_k);
  r.min_p = number(o, "min_p", 0.0);
  if (r.min_p < 0 || r.min_p > 1) throw badRequest("'min_p' must be in [0, 1].", "min_p");
  r.presence_penalty = number(o, "presence_penalty", 0.0);
  r.frequency_penalty = number(o, "frequency_penalty", 0.0);
  if (std::fabs(r.presence_penalty) > 2)
    throw badRequest("'presence_penalty' must be in [-2, 2].", "presence_penalty");
  if (std::fabs(r.frequency_penalty) > 2)
    throw badRequest("'frequency_penalty' must be in [-2, 2].", "frequency_penalty");
  r.repetition_penalty = number(o, "repetition_penalty", 1.0);
  if (r.repetition_penalty <= 0 || r.repetition_penalty > 2)
    throw badRequest("'repetition_penalty' must be in (0, 2].", "repetition_penalty");
  if (auto s = integer(o, "seed")) r.seed = static_cast<uint64_t>(*s);
  if (present(o, "stop")) {
    const Json& s = o.at("stop");
    if (s.is_string()) {
      r.stop.push_back(s.get<std::string>());
    } else if (s.is_array()) {
      for (const Json& item : s) {
        if (!item.is_string())
          throw badRequest("'stop' must be a string or a list of strings.", "stop");
        r.stop.push_back(item.get<std::string>());
      }
    } else {
      throw badRequest("'stop' must be a string or a list of strings.", "stop");
    }
    for (auto& stop : r.stop)
      if (stop.empty()) throw badRequest("'stop' strings must not be empty.", "stop");
  }
  if (present(o, "stop_token_ids")) {
    if (!o.at("stop_token_ids").is_array())
      throw badRequest("'stop_token_ids' must be a list of integers.", "stop_token_ids");
    r.stop_token_ids = tokenList(o.at("stop_token_ids"), "stop_token_ids");
  }
  if (present(o, "logit_bias")) {
    const Json& lb = o.at("logit_bias");
    if (!lb.is_object())
      throw badRequest("'logit_bias' must be an object of token id to bias.", "logit_bias");
    for (auto& [k, v] : lb.items()) {
      int64_t id = -1;
      auto [end, ec] = std::from_chars(k.data(), k.data() + k.size(), id);
      if (ec != std::errc() || end != k.data() + k.size() || id < 0 || id > INT32_MAX ||
          !v.is_number())
        throw badRequest("'logit_bias' keys must be token ids and values numbers.", "logit_bias");
      double b = v.get<double>();
      if (b < -100 || b > 100)
        throw badRequest("'logit_bias' values must be in [-100, 100].", "logit_bias");
      r.logit_bias.emplace_back(static_cast<int32_t>(id), static_cast<float>(b));
    }
  }
  r.ignore_eos = boolean(o, "ignore_eos", false);
  r.include_stop_str_in_output = boolean(o, "include_stop_str_in_output", false);
  r.skip_special_tokens = boolean(o, "skip_special_tokens", true);
  int64_t min_tokens = integer(o, "min_tokens").value_or(0);
  if (min_tokens < 0 || min_tokens > 1'000'000'000)
    throw badRequest("'min_tokens' must be non-negative.", "min_tokens");
  r.min_tokens = static_cast<int>(min_tokens);
  r.user = present(o, "user") ? string(o, "user") : "";
}

// Completions with echo may ask for max_tokens 0: the (scored) prompt alone, as OpenAI and vLLM
// answer.
void parseMaxTokens(const Json& o, const std::string& key, GenerationRequest& r) {
  if (auto m = integer(o, key)) {
    const bool zero_ok = !r.chat && r.echo;
    if (*m < (zero_ok ? 0 : 1))
      throw badRequest("'" + key + "' must be at least " + (zero_ok ? "0" : "1") + ", got " +
                           std::to_string(*m) + (r.chat || *m != 0 ? "." : " (0 needs 'echo')."),
                       key);
    if (*m > 1'000'000'000) throw badRequest("'" + key + "' is too large.", key);
    r.max_tokens = static_cast<int>(*m);
  }
  if (r.max_tokens && r.min_tokens > *r.max_tokens)
    throw badRequest("'min_tokens' must not exceed '" + key + "'.", "min_tokens");
}

// vLLM's prompt_logprobs: an integer in [0, 20] (its max_logprobs), not with stream when > 0.
void parsePromptLogprobs(const Json& o, GenerationRequest& r) {
  auto k = integer(o, "prompt_logprobs");
  if (!k) return;
  if (*k < 0 || *k > 20)
    throw badRequest("'prompt_logprobs' must be between 0 and 20.", "prompt_logprobs");
  if (r.stream && *k > 0)
    throw badRequest("'prompt_logprobs' is not available when 'stream' is true.",
                     "prompt_logprobs");
  r.prompt_logprobs = static_cast<int>(*k);
}

}  // namespace

int GenerationRequest::promptScoring() const {
  int k = stream ? -1 : prompt_logprobs;
  if (echo && logprobs >= 0) k = std::max(k, logprobs);
  return k;
}

wharf_sampling_params GenerationRequest::sampling(int max_tokens_now, int choice_index) const {
  wharf_sampling_params p{};
  p.struct_size = sizeof(p);
  p.max_tokens = max_tokens_now;
  p.min_tokens = min_tokens;
  p.temperature = static_cast<float>(temperature);
  p.top_p = static_cast<float>(top_p);
  p.top_k = top_k;
  p.min_p = static_cast<float>(min_p);
  p.presence_penalty = static_cast<float>(presence_penalty);
  p.frequency_penalty = static_cast<float>(frequency_penalty);
  p.repetition_penalty = static_cast<float>(repetition_penalty);
  p.has_seed = seed.has_value();
  // n choices with one seed must differ and still be reproducible.
  p.seed = seed.value_or(0) + static_cast<uint64_t>(choice_index);
  stop_ptrs_.clear();
  for (auto& s : stop) stop_ptrs_.push_back(s.c_str());
  p.stop = stop_ptrs_.data();
  p.stop_count = stop_ptrs_.size();
  p.stop_token_ids = stop_token_ids.data();
  p.stop_token_count = stop_token_ids.size();
  bias_ids_.clear();
  bias_values_.clear();
  for (auto& [id, v] : logit_bias) {
    bias_ids_.push_back(id);
    bias_values_.push_back(v);
  }
  p.logit_bias_ids = bias_ids_.data();
  p.logit_bias_values = bias_values_.data();
  p.logit_bias_count = bias_ids_.size();
  p.ignore_eos = ignore_eos;
  p.include_stop_str_in_output = include_stop_str_in_output;
  p.skip_special_tokens = skip_special_tokens;
  p.logprobs = logprobs;
  const int score = promptScoring();
  p.score_prompt = score >= 0;
  p.prompt_top_logprobs = std::max(score, 0);
  return p;
}

GenerationRequest parseCompletionRequest(const std::string& body) {
  auto o = parseObject(body);
  GenerationRequest r;
  parseCommon(o, r);
  if (!present(o, "prompt")) throw badRequest("'prompt' is required.", "prompt");
  const Json& p = o.at("prompt");
  if (p.is_string()) {
    r.prompts.push_back({p.get<std::string>(), {}});
  } else if (p.is_array()) {
    if (p.empty()) throw badRequest("'prompt' must not be empty.", "prompt");
    if (p[0].is_string()) {
      for (const Json& item : p) {
        if (!item.is_string())
          throw badRequest("'prompt' list items must all be strings.", "prompt");
        r.prompts.push_back({item.get<std::string>(), {}});
      }
    } else if (p[0].is_array()) {
      for (const Json& item : p) {
        if (!item.is_array())
          throw badRequest("'prompt' must be a list of token id lists.", "prompt");
        r.prompts.push_back({std::nullopt, tokenList(item, "prompt")});
      }
    } else {
      r.prompts.push_back({std::nullopt, tokenList(p, "prompt")});
    }
  } else {
    throw badRequest("'prompt' must be a string, a list of strings, or token ids.", "prompt");
  }
  if (r.prompts.size() > 64) throw badRequest("at most 64 prompts per request.", "prompt");
  r.echo = boolean(o, "echo", false);
  r.max_tokens = 16;  // the OpenAI/vLLM default for completions
  if (present(o, "max_tokens")) {
    r.max_tokens.reset();
    parseMaxTokens(o, "max_tokens", r);
  }
  r.add_special_tokens = boolean(o, "add_special_tokens", true);
  if (auto lp = integer(o, "logprobs")) {
    if (*lp < 0 || *lp > 20) throw badRequest("'logprobs' must be between 0 and 20.", "logprobs");
    r.logprobs = static_cast<int>(*lp);
  }
  parsePromptLogprobs(o, r);
  return r;
}

GenerationRequest parseChatRequest(const std::string& body) {
  auto o = parseObject(body);
  GenerationRequest r;
  r.chat = true;
  parseCommon(o, r);
  r.messages_json = messages_json(o);
  r.add_generation_prompt = boolean(o, "add_generation_prompt", true);
  r.add_special_tokens = boolean(o, "add_special_tokens", false);
  if (present(o, "max_completion_tokens"))
    parseMaxTokens(o, "max_completion_tokens", r);
  else
    parseMaxTokens(o, "max_tokens", r);
  if (boolean(o, "logprobs", false)) {
    const int64_t top = integer(o, "top_logprobs").value_or(0);
    if (top < 0 || top > 20)
      throw badRequest("'top_logprobs' must be between 0 and 20.", "top_logprobs");
    r.logprobs = static_cast<int>(top);
  } else if (present(o, "top_logprobs") && integer(o, "top_logprobs").value_or(0) > 0) {
    throw badRequest("'top_logprobs' needs 'logprobs' to be true.", "top_logprobs");
  }
  parsePromptLogprobs(o, r);
  return r;
}

TokenizeRequest parseTokenizeRequest(const std::string& body) {
  auto o = parseObject(body);
  TokenizeRequest r;
  if (present(o, "model")) r.model = string(o, "model");
  if (present(o, "messages")) {
    r.messages_json = messages_json(o);
    r.add_special_tokens = boolean(o, "add_special_tokens", false);
    r.add_generation_prompt = boolean(o, "add_generation_prompt", true);
  } else if (present(o, "prompt") && o.at("prompt").is_string()) {
    r.prompt = o.at("prompt").get<std::string>();
    r.add_special_tokens = boolean(o, "add_special_tokens", true);
  } else {
    throw badRequest("'prompt' (a string) or 'messages' is required.", "prompt");
  }
  return r;
}

DetokenizeRequest parseDetokenizeRequest(const std::string& body) {
  auto o = parseObject(body);
  DetokenizeRequest r;
  if (present(o, "model")) r.model = string(o, "model");
  if (!present(o, "tokens") || !o.at("tokens").is_array())
    throw badRequest("'tokens' must be a list of token ids.", "tokens");
  r.tokens = tokenList(o.at("tokens"), "tokens");
  return r;
}

}  // namespace wharf::inference
