#include "engine/model/quant_checkpoint.hpp"

#include <filesystem>

#include "engine/model/json_file.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

QuantizationConfig fromObject(const JsonDocument& object, const std::string& source) {
  if (!object.is_object())
    throw Error(WHARF_ERR_DATA, source + ": the quantization config is not a JSON object");
  QuantizationConfig c;
  c.method = jsonStringOr(jsonMemberOrNull(object, "quant_method"));
  c.json = toJsonText(object);
  c.source = source;
  return c;
}

}  // namespace

std::optional<QuantizationConfig> readQuantizationConfig(const std::string& dir) {
  const std::filesystem::path root(dir);
  const std::string config = (root / "config.json").string();
  if (auto j = readOptionalJsonFile(config)) {
    if (const JsonDocument* q = jsonMember(*j, "quantization_config"); q && !q->is_null())
      return fromObject(*q, config + " (quantization_config)");
  }
  for (const char* name : {"quant_config.json", "quantize_config.json"}) {
    const std::string path = (root / name).string();
    if (auto j = readOptionalJsonFile(path)) return fromObject(*j, path);
  }
  return std::nullopt;
}

QuantClient selectQuantBackend(const std::vector<QuantClient>& backends,
                               const QuantizationConfig& config, const std::string& key) {
  const std::string what = "the checkpoint is quantized (" +
                           (config.method.empty() ? std::string("no quant_method")
                                                  : "quant_method '" + config.method + "'") +
                           ", " + config.source + ")";
  if (backends.empty())
    throw Error(
        WHARF_ERR_UNSUPPORTED,
        what + " and no quant backend is configured: name a quant instance in '" + key + "'");
  if (!config.method.empty())
    for (const QuantClient& b : backends)
      if (b.method() == config.method) return b;
  std::string tried;
  for (const QuantClient& b : backends) {
    if (b.recognizes(config.json)) return b;
    tried += (tried.empty() ? "" : ", ") + b.method();
  }
  throw Error(WHARF_ERR_UNSUPPORTED,
              what + " and no configured quant backend supports it (tried " + tried + ")");
}

}  // namespace wharf::engine
