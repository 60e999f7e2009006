#include "engine/model/hf_config.hpp"

#include "engine/model/json_file.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

[[noreturn]] void invalid(const std::string& file, const std::string& what) {
  throw Error(WHARF_ERR_DATA, "'" + file + "': " + what);
}

const JsonDocument* member(const JsonDocument& c, const std::string& key, const std::string& file,
                           bool required) {
  const JsonDocument* v = jsonMember(c, key);
  if (v && v->is_null()) v = nullptr;
  if (!v && required) invalid(file, "missing key '" + key + "'");
  return v;
}

int64_t positiveInt(const JsonDocument& c, const std::string& key, const std::string& file,
                    int64_t fallback = 0) {
  const JsonDocument* v = member(c, key, file, fallback == 0);
  if (!v) return fallback;
  // 4096.0 is taken as 4096, as Python's int() comparison would.
  const int64_t n = v->is_number_integer() ? v->get<int64_t>()
                    : v->is_number_float() ? static_cast<int64_t>(v->get<double>())
                                           : 0;
  if (n <= 0 || (v->is_number_float() && v->get<double>() != static_cast<double>(n))) {
    invalid(file, "'" + key + "' must be a positive integer");
  }
  return n;
}

double number(const JsonDocument& c, const std::string& key, const std::string& file,
              double fallback) {
  const JsonDocument* v = member(c, key, file, false);
  if (!v) return fallback;
  if (!v->is_number()) invalid(file, "'" + key + "' must be a number");
  return v->get<double>();
}

}  // namespace

ModelConfig parseHfConfig(const JsonDocument& c, const std::string& file) {
  if (!c.is_object()) invalid(file, "not a JSON object");
  ModelConfig m;
  const JsonDocument* type = member(c, "model_type", file, true);
  if (!type->is_string()) invalid(file, "'model_type' must be a string");
  m.architecture = type->get<std::string>();
  if (m.architecture != "llama" && m.architecture != "mistral" && m.architecture != "qwen2") {
    throw Error(WHARF_ERR_UNSUPPORTED, "'" + file + "': model_type '" + m.architecture +
                                           "' is not supported (llama, mistral, qwen2)");
  }
  if (const JsonDocument* n = jsonMember(c, "_name_or_path")) m.name = jsonStringOr(*n);
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
  if (const JsonDocument* s = member(c, "rope_scaling", file, false)) {
    const JsonDocument* kind = jsonMember(*s, "rope_type");
    if (!kind || !kind->is_string()) kind = jsonMember(*s, "type");
    const std::string name = kind ? jsonStringOr(*kind) : "";
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
  const JsonDocument* tied = member(c, "tie_word_embeddings", file, false);
  m.tied_embeddings = tied ? (tied->is_boolean() && tied->get<bool>()) : false;
  if (const JsonDocument* bias = member(c, "attention_bias", file, false)) {
    m.attention_bias = bias->is_boolean() && bias->get<bool>();
  } else {
    m.attention_bias = m.architecture == "qwen2";
  }
  if (m.architecture == "qwen2") {
    const JsonDocument* use = member(c, "use_sliding_window", file, false);
    if (use && use->is_boolean() && use->get<bool>()) {
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
