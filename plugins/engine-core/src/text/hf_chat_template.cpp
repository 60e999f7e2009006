#include "engine/text/hf_chat_template.hpp"

#include <fstream>
#include <sstream>

#include "engine/model/json_file.hpp"

namespace wharf::engine {

std::optional<std::string> readHfChatTemplate(const std::string& dir) {
  if (auto config = readOptionalJsonFile(dir + "/tokenizer_config.json")) {
    const JsonDocument& t = jsonMemberOrNull(*config, "chat_template");
    if (t.is_string()) return t.get<std::string>();
    for (const JsonDocument& named : t) {  // [{"name": ..., "template": ...}, ...]
      const JsonDocument& text = jsonMemberOrNull(named, "template");
      if (jsonStringOr(jsonMemberOrNull(named, "name")) == "default" && text.is_string()) {
        return text.get<std::string>();
      }
    }
  }
  std::ifstream in(dir + "/chat_template.jinja", std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace wharf::engine
