#include "awq_config.hpp"

#include <algorithm>
#include <cctype>

#include "wharf/cpp/error.hpp"
#include "wharf/cpp/json.hpp"

namespace wharf::quant_awq {

namespace {

nlohmann::json parseObject(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object())
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "the AWQ quantization config is not a JSON object");
  return j;
}

// The first of `keys` present in `j`, or null.
const nlohmann::json& firstOf(const nlohmann::json& j, std::initializer_list<const char*> keys,
                              std::string& found) {
  for (const char* k : keys) {
    const nlohmann::json& v = jsonMemberOrNull(j, k);
    if (!v.is_null()) {
      found = k;
      return v;
    }
  }
  return jsonMemberOrNull(j, "");
}

int64_t integerKey(const nlohmann::json& j, std::initializer_list<const char*> keys,
                   int64_t fallback) {
  std::string key;
  const nlohmann::json& v = firstOf(j, keys, key);
  if (v.is_null()) return fallback;
  if (!v.is_number_integer())
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "AWQ config: '" + key + "' is not an integer");
  return v.get<int64_t>();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

AwqConfig AwqConfig::parse(const std::string& json) {
  const nlohmann::json j = parseObject(json);
  AwqConfig c;
  const std::string method = lower(jsonStringOr(jsonMemberOrNull(j, "quant_method")));
  if (!method.empty() && method != "awq")
    throw Error(WHARF_ERR_UNSUPPORTED, "AWQ config: quant_method is '" + method + "', not 'awq'");
  c.bits = static_cast<int>(integerKey(j, {"bits", "w_bit", "wbits"}, 4));
  if (c.bits != 4)
    throw Error(WHARF_ERR_UNSUPPORTED,
                "AWQ config: bits = " + std::to_string(c.bits) + " (only 4-bit AWQ is supported)");
  c.group_size = integerKey(j, {"group_size", "q_group_size"}, 128);
  if (c.group_size <= 0 || c.group_size % 32 != 0)
    throw Error(WHARF_ERR_INVALID_ARGUMENT,
                "AWQ config: group_size = " + std::to_string(c.group_size) +
                    " (a positive multiple of 32 is needed: 32, 64, 128, ...)");
  const nlohmann::json& zp = jsonMemberOrNull(j, "zero_point");
  if (!zp.is_null() && !zp.is_boolean())
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "AWQ config: 'zero_point' is not a boolean");
  c.zero_point = jsonBoolOr(zp, true);
  const nlohmann::json& version = jsonMemberOrNull(j, "version");
  if (!version.is_null() && !version.is_string())
    throw Error(WHARF_ERR_INVALID_ARGUMENT, "AWQ config: 'version' is not a string");
  c.version = lower(jsonStringOr(version, "gemm"));
  if (c.version != "gemm")
    throw Error(WHARF_ERR_UNSUPPORTED,
                "AWQ config: version '" + c.version +
                    "' is another packing; quant-awq reads AutoAWQ's 'gemm' checkpoints");
  return c;
}

bool AwqConfig::recognizes(const std::string& json) {
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return false;
  const std::string method = lower(jsonStringOr(jsonMemberOrNull(j, "quant_method")));
  if (!method.empty()) return method == "awq";
  return !jsonMemberOrNull(j, "w_bit").is_null();
}

}  // namespace wharf::quant_awq
