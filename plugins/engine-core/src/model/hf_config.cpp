#include "engine/model/hf_config.hpp"

#include "engine/model/json_file.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

[[noreturn]] void invalid(const std::string& file, const std::string& what) {
  throw Error(WHARF_ERR_DATA, "'" + file + "': " + what);
}

const Json* member(const Json& c, const std::string& key, const std::string& file, bool required) {
  const Json* v = c.find(key);
  if (v && v->isNull()) v = nullptr;
  if (!v && required) invalid(file, "missing key '" + key + "'");
  return v;
}

int64_t positiveInt(const Json& c, const std::string& key, const std::string& file,
                    int64_t fallback = 0) {
  const Json* v = member(c, key, file, fallback == 0);
  if (!v) return fallback;
  if (!v->isNumber() || v->asNumber() != static_cast<double>(v->asInt()) || v->asInt() <= 0) {
    invalid(file, "'" + key + "' must be a positive integer");
  }
  return v->asInt();
}

double number(const Json& c, const std::string& key, const std::string& file, double fallback) {
  const Json* v = member(c, key, file, false);
  if (!v) return fallback;
  if (!v->isNumber()) invalid(file, "'" + key + "' must be a number");
  return v->asNumber();
}

}  // namespace

ModelConfig parseHfConfig(const Json& c, const std::string& file) {
  if (!c.isObject()) invalid(file, "not a JSON object");
  ModelConfig m;
  const Json* type = member(c, "model_type", file, true);
  if (!type->isString()) invalid(file, "'model_type' must be a string");
  m.architecture = type->asString();
  if (m.architecture != "llama" && m.architecture != "mistral" && m.architecture != "qwen2") {
    throw Error(WHARF_ERR_UNSUPPORTED, "'" + file + "': model_type '" + m.architecture +
                                           "' is not supported (llama, mistral, qwen2)");
  }
  if (const Json* n = c.find("_name_or_path"); n && n->isString()) m.name = n->asString();
  m.context_length = positiveInt(c, "max_position_embeddings", file);
  m.embedding_length = positiveInt(c, "hidden_size", file);
  m.block_count = positiveInt(c, "num_hidden_layers", file);
  m.feed_forward_length = positiveInt(c, "intermediate_size", file);
  m.head_count = positiveInt(c, "num_attention_heads", file);
  m.head_count_kv = positiveInt(c, "num_key_value_heads", file, m.head_count);
  if (m.head_count % m.head_count_kv != 0) {
    invalid(file, "num_attention_heads must be a multiple of num_key_value_heads");
  }
  if (m.embedding_length % m.head_count != 0) {
    invalid(file, "hidden_size is not a multiple of num_attention_heads");
  }
  m.head_dim = positiveInt(c, "head_dim", file, m.embedding_length / m.head_count);
  m.rope_dim = m.head_dim;
  if (m.head_dim % 2 != 0) invalid(file, "the head size must be even");
  m.vocab_size = positiveInt(c, "vocab_size", file);
  m.rms_eps = number(c, "rms_norm_eps", file, 1e-6);
  m.rope_freq_base = number(c, "rope_theta", file, 10000.0);
  m.rope_style = RopeStyle::Neox;
  if (const Json* s = member(c, "rope_scaling", file, false)) {
    const Json& kind = (*s)["rope_type"].isString() ? (*s)["rope_type"] : (*s)["type"];
    const std::string name = kind.isString() ? kind.asString() : "";
    if (name == "linear") {
      const double factor = number(*s, "factor", file, 0.0);
      if (factor <= 0) invalid(file, "rope_scaling.factor must be positive");
      m.rope_scaling = RopeScaling::Linear;
      m.rope_scaling_factor = factor;
    } else if (name == "llama3") {
      m.rope_scaling = RopeScaling::Llama3;
      m.rope_scaling_factor = number(*s, "factor", file, 0.0);
      m.rope_low_freq_factor = number(*s, "low_freq_factor", file, 0.0);
      m.rope_high_freq_factor = number(*s, "high_freq_factor", file, 0.0);
      m.rope_original_context = positiveInt(*s, "original_max_position_embeddings", file);
      if (m.rope_scaling_factor <= 0 || m.rope_low_freq_factor <= 0 ||
          m.rope_high_freq_factor <= m.rope_low_freq_factor) {
        invalid(
            file,
            "rope_scaling (llama3) needs factor > 0 and high_freq_factor > low_freq_factor > 0");
      }
    } else if (name != "default") {
      throw Error(WHARF_ERR_UNSUPPORTED,
                  "'" + file + "': rope scaling '" + name + "' is not supported (linear, llama3)");
    }
  }
  const Json* tied = member(c, "tie_word_embeddings", file, false);
  m.tied_embeddings = tied ? (tied->isBool() && tied->asBool()) : false;
  if (const Json* bias = member(c, "attention_bias", file, false)) {
    m.attention_bias = bias->isBool() && bias->asBool();
  } else {
    m.attention_bias = m.architecture == "qwen2";
  }
  if (m.architecture == "qwen2") {
    const Json* use = member(c, "use_sliding_window", file, false);
    if (use && use->isBool() && use->asBool()) {
      throw Error(WHARF_ERR_UNSUPPORTED,
                  "'" + file + "': qwen2 use_sliding_window (per-layer windows) is not supported");
    }
  } else if (member(c, "sliding_window", file, false)) {
    m.sliding_window = positiveInt(c, "sliding_window", file);
  }
  return m;
}

ModelConfig readHfConfig(const std::string& dir) {
  const std::string file = dir + "/config.json";
  return parseHfConfig(readJsonFile(file), file);
}

}  // namespace wharf::engine
