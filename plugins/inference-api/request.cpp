#include "request.hpp"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "api_error.hpp"

namespace wharf::inference {

namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr parse_object(const std::string& body) {
  Var v;
  try {
    v = Poco::JSON::Parser().parse(body);
  } catch (const std::exception&) {
    throw bad_request("The request body is not valid JSON.");
  }
  if (v.type() != typeid(Object::Ptr)) throw bad_request("The request body must be a JSON object.");
  return v.extract<Object::Ptr>();
}

bool present(const Object::Ptr& o, const std::string& k) {
  return o->has(k) && !o->get(k).isEmpty();
}

bool is_array(const Var& v) { return v.type() == typeid(Array::Ptr); }

double number(const Object::Ptr& o, const std::string& k, double fallback) {
  if (!present(o, k)) return fallback;
  Var v = o->get(k);
  if (!v.isNumeric() || v.isBoolean()) throw bad_request("'" + k + "' must be a number.", k);
  double d = v.convert<double>();
  if (!std::isfinite(d)) throw bad_request("'" + k + "' must be finite.", k);
  return d;
}

std::optional<int64_t> integer(const Object::Ptr& o, const std::string& k) {
  if (!present(o, k)) return std::nullopt;
  Var v = o->get(k);
  if (!v.isInteger() || v.isBoolean()) {
    // 16.0 is accepted as 16 by pydantic; 16.5 is not.
    if (v.isNumeric() && !v.isBoolean()) {
      double d = v.convert<double>();
      if (std::floor(d) == d && std::fabs(d) < 9e15) return static_cast<int64_t>(d);
    }
    throw bad_request("'" + k + "' must be an integer.", k);
  }
  return v.convert<int64_t>();
}

bool boolean(const Object::Ptr& o, const std::string& k, bool fallback) {
  if (!present(o, k)) return fallback;
  Var v = o->get(k);
  if (!v.isBoolean()) throw bad_request("'" + k + "' must be a boolean.", k);
  return v.convert<bool>();
}

std::string string(const Object::Ptr& o, const std::string& k, const std::string& fallback = {}) {
  if (!present(o, k)) return fallback;
  Var v = o->get(k);
  if (!v.isString()) throw bad_request("'" + k + "' must be a string.", k);
  return v.convert<std::string>();
}

std::vector<int32_t> token_list(const Array::Ptr& a, const std::string& k) {
  std::vector<int32_t> out;
  for (size_t i = 0; i < a->size(); ++i) {
    Var v = a->get(i);
    if (!v.isInteger() || v.isBoolean())
      throw bad_request("'" + k + "' must be a list of token ids.", k);
    int64_t t = v.convert<int64_t>();
    if (t < 0 || t > std::numeric_limits<int32_t>::max())
      throw bad_request("token id out of range in '" + k + "'.", k);
    out.push_back(static_cast<int32_t>(t));
  }
  return out;
}

// Fields shared by both endpoints.
void parse_common(const Object::Ptr& o, GenerationRequest& r) {
  if (!present(o, "model")) throw bad_request("'model' is required.", "model");
  r.model = string(o, "model");
  r.stream = boolean(o, "stream", false);
  if (present(o, "stream_options")) {
    Var so = o->get("stream_options");
    if (so.type() != typeid(Object::Ptr))
      throw bad_request("'stream_options' must be an object.", "stream_options");
    if (!r.stream)
      throw bad_request("'stream_options' is only allowed when 'stream' is true.",
                        "stream_options");
    r.include_usage = boolean(so.extract<Object::Ptr>(), "include_usage", false);
  }
  int64_t n = integer(o, "n").value_or(1);
  if (n < 1 || n > 128) throw bad_request("'n' must be between 1 and 128.", "n");
  r.n = static_cast<int>(n);
  r.temperature = number(o, "temperature", 1.0);
  if (r.temperature < 0 || r.temperature > 100)
    throw bad_request("'temperature' must be in [0, 100].", "temperature");
  r.top_p = number(o, "top_p", 1.0);
  if (r.top_p <= 0 || r.top_p > 1) throw bad_request("'top_p' must be in (0, 1].", "top_p");
  r.top_k = static_cast<int>(integer(o, "top_k").value_or(-1));
  if (r.top_k < -1 || r.top_k == 0)
    throw bad_request("'top_k' must be -1 (disabled) or at least 1.", "top_k");
  r.min_p = number(o, "min_p", 0.0);
  if (r.min_p < 0 || r.min_p > 1) throw bad_request("'min_p' must be in [0, 1].", "min_p");
  r.presence_penalty = number(o, "presence_penalty", 0.0);
  r.frequency_penalty = number(o, "frequency_penalty", 0.0);
  if (std::fabs(r.presence_penalty) > 2)
    throw bad_request("'presence_penalty' must be in [-2, 2].", "presence_penalty");
  if (std::fabs(r.frequency_penalty) > 2)
    throw bad_request("'frequency_penalty' must be in [-2, 2].", "frequency_penalty");
  r.repetition_penalty = number(o, "repetition_penalty", 1.0);
  if (r.repetition_penalty <= 0 || r.repetition_penalty > 2)
    throw bad_request("'repetition_penalty' must be in (0, 2].", "repetition_penalty");
  if (auto s = integer(o, "seed")) r.seed = static_cast<uint64_t>(*s);
  if (present(o, "stop")) {
    Var s = o->get("stop");
    if (s.isString()) {
      r.stop.push_back(s.convert<std::string>());
    } else if (is_array(s)) {
      auto a = s.extract<Array::Ptr>();
      for (size_t i = 0; i < a->size(); ++i) {
        if (!a->get(i).isString())
          throw bad_request("'stop' must be a string or a list of strings.", "stop");
        r.stop.push_back(a->get(i).convert<std::string>());
      }
    } else {
      throw bad_request("'stop' must be a string or a list of strings.", "stop");
    }
    for (auto& s : r.stop)
      if (s.empty()) throw bad_request("'stop' strings must not be empty.", "stop");
  }
  if (present(o, "stop_token_ids")) {
    if (!is_array(o->get("stop_token_ids")))
      throw bad_request("'stop_token_ids' must be a list of integers.", "stop_token_ids");
    r.stop_token_ids = token_list(o->get("stop_token_ids").extract<Array::Ptr>(), "stop_token_ids");
  }
  if (present(o, "logit_bias")) {
    Var lb = o->get("logit_bias");
    if (lb.type() != typeid(Object::Ptr))
      throw bad_request("'logit_bias' must be an object of token id to bias.", "logit_bias");
    auto obj = lb.extract<Object::Ptr>();
    for (auto& [k, v] : *obj) {
      char* end = nullptr;
      long id = std::strtol(k.c_str(), &end, 10);
      if (*end || id < 0 || !v.isNumeric())
        throw bad_request("'logit_bias' keys must be token ids and values numbers.", "logit_bias");
      double b = v.convert<double>();
      if (b < -100 || b > 100)
        throw bad_request("'logit_bias' values must be in [-100, 100].", "logit_bias");
      r.logit_bias.emplace_back(static_cast<int32_t>(id), static_cast<float>(b));
    }
  }
  r.ignore_eos = boolean(o, "ignore_eos", false);
  r.include_stop_str_in_output = boolean(o, "include_stop_str_in_output", false);
  r.skip_special_tokens = boolean(o, "skip_special_tokens", true);
  r.min_tokens = static_cast<int>(integer(o, "min_tokens").value_or(0));
  if (r.min_tokens < 0) throw bad_request("'min_tokens' must be non-negative.", "min_tokens");
  r.user = present(o, "user") ? string(o, "user") : "";
}

void parse_max_tokens(const Object::Ptr& o, const std::string& key, GenerationRequest& r) {
  if (auto m = integer(o, key)) {
    if (*m < 1)
      throw bad_request("'" + key + "' must be at least 1, got " + std::to_string(*m) + ".", key);
    if (*m > 1'000'000'000) throw bad_request("'" + key + "' is too large.", key);
    r.max_tokens = static_cast<int>(*m);
  }
  if (r.max_tokens && r.min_tokens > *r.max_tokens)
    throw bad_request("'min_tokens' must not exceed '" + key + "'.", "min_tokens");
}

}  // namespace

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
  return p;
}

GenerationRequest parse_completion_request(const std::string& body) {
  auto o = parse_object(body);
  GenerationRequest r;
  parse_common(o, r);
  if (!present(o, "prompt")) throw bad_request("'prompt' is required.", "prompt");
  Var p = o->get("prompt");
  if (p.isString()) {
    r.prompts.push_back({p.convert<std::string>(), {}});
  } else if (is_array(p)) {
    auto a = p.extract<Array::Ptr>();
    if (a->size() == 0) throw bad_request("'prompt' must not be empty.", "prompt");
    if (a->get(0).isString()) {
      for (size_t i = 0; i < a->size(); ++i) {
        if (!a->get(i).isString())
          throw bad_request("'prompt' list items must all be strings.", "prompt");
        r.prompts.push_back({a->get(i).convert<std::string>(), {}});
      }
    } else if (is_array(a->get(0))) {
      for (size_t i = 0; i < a->size(); ++i) {
        if (!is_array(a->get(i)))
          throw bad_request("'prompt' must be a list of token id lists.", "prompt");
        r.prompts.push_back({std::nullopt, token_list(a->get(i).extract<Array::Ptr>(), "prompt")});
      }
    } else {
      r.prompts.push_back({std::nullopt, token_list(a, "prompt")});
    }
  } else {
    throw bad_request("'prompt' must be a string, a list of strings, or token ids.", "prompt");
  }
  if (r.prompts.size() > 64) throw bad_request("at most 64 prompts per request.", "prompt");
  r.max_tokens = 16;  // the OpenAI/vLLM default for completions
  if (present(o, "max_tokens")) {
    r.max_tokens.reset();
    parse_max_tokens(o, "max_tokens", r);
  }
  r.echo = boolean(o, "echo", false);
  r.add_special_tokens = boolean(o, "add_special_tokens", true);
  if (auto lp = integer(o, "logprobs")) {
    if (*lp < 0 || *lp > 20) throw bad_request("'logprobs' must be between 0 and 20.", "logprobs");
    r.logprobs = static_cast<int>(*lp);
  }
  return r;
}

GenerationRequest parse_chat_request(const std::string& body) {
  auto o = parse_object(body);
  GenerationRequest r;
  r.chat = true;
  parse_common(o, r);
  if (!present(o, "messages") || !is_array(o->get("messages")))
    throw bad_request("'messages' must be a list of messages.", "messages");
  auto msgs = o->get("messages").extract<Array::Ptr>();
  if (msgs->size() == 0) throw bad_request("'messages' must not be empty.", "messages");
  for (size_t i = 0; i < msgs->size(); ++i) {
    Var m = msgs->get(i);
    if (m.type() != typeid(Object::Ptr))
      throw bad_request("each message must be an object.", "messages");
    auto mo = m.extract<Object::Ptr>();
    if (!present(mo, "role") || !mo->get("role").isString())
      throw bad_request("each message needs a string 'role'.", "messages");
    if (mo->has("content") && !mo->get("content").isEmpty() && !mo->get("content").isString() &&
        !is_array(mo->get("content")))
      throw bad_request("message 'content' must be a string or a list of parts.", "messages");
  }
  std::ostringstream s;
  Poco::JSON::Stringifier::stringify(msgs, s);
  r.messages_json = s.str();
  r.add_generation_prompt = boolean(o, "add_generation_prompt", true);
  r.add_special_tokens = boolean(o, "add_special_tokens", false);
  if (present(o, "max_completion_tokens"))
    parse_max_tokens(o, "max_completion_tokens", r);
  else
    parse_max_tokens(o, "max_tokens", r);
  if (boolean(o, "logprobs", false)) {
    int top = static_cast<int>(integer(o, "top_logprobs").value_or(0));
    if (top < 0 || top > 20)
      throw bad_request("'top_logprobs' must be between 0 and 20.", "top_logprobs");
    r.logprobs = top;
  } else if (present(o, "top_logprobs") && integer(o, "top_logprobs").value_or(0) > 0) {
    throw bad_request("'top_logprobs' needs 'logprobs' to be true.", "top_logprobs");
  }
  return r;
}

}  // namespace wharf::inference
