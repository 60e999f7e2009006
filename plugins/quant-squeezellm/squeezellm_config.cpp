#include "squeezellm_config.hpp"

#include <algorithm>
#include <cctype>

#include "wharf/cpp/error.hpp"
#include "wharf/cpp/json.hpp"

namespace wharf::quant_squeezellm {

namespace {

nlohmann::json parseObject(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object())
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "the SqueezeLLM quantization config is not a JSON object");
  return j;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

SqueezeLlmConfig SqueezeLlmConfig::parse(const std::string& json) {
  const nlohmann::json j = parseObject(json);
  SqueezeLlmConfig c;
  const std::string method = lower(jsonStringOr(jsonMemberOrNull(j, "quant_method")));
  if (!method.empty() && method != "squeezellm")
    throw Error(WHARF_ERR_UNSUPPORTED,
                "SqueezeLLM config: quant_method is '" + method + "', not 'squeezellm'");
  for (const char* key : {"wbits", "bits"}) {
    const nlohmann::json& v = jsonMemberOrNull(j, key);
    if (v.is_null()) continue;
    if (!v.is_number_integer())
      throw Error(WHARF_ERR_INVALID_ARGUMENT,
                  std::string("SqueezeLLM config: '") + key + "' is not an integer");
    const int64_t bits = v.get<int64_t>();
    if (bits != 4)
      throw Error(WHARF_ERR_UNSUPPORTED, "SqueezeLLM config: bits = " + std::to_string(bits) +
                                             " (only 4-bit SqueezeLLM is supported)");
    c.bits = static_cast<int>(bits);
    break;
  }
  return c;
}

bool SqueezeLlmConfig::recognizes(const std::string& json) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return false;
  const std::string method = lower(jsonStringOr(jsonMemberOrNull(j, "quant_method")));
  if (!method.empty()) return method == "squeezellm";
  return !jsonMemberOrNull(j, "wbits").is_null();
}

}  // namespace wharf::quant_squeezellm
