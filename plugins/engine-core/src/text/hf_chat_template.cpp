#include "engine/text/hf_chat_template.hpp"

#include <fstream>
#include <sstream>

#include "engine/model/json_file.hpp"

namespace wharf::engine {

std::optional<std::string> readHfChatTemplate(const std::string& dir) {
  if (auto config = readOptionalJsonFile(dir + "/tokenizer_config.json")) {
    const Json& t = (*config)["chat_template"];
    if (t.isString()) return t.asString();
    for (const Json& named : t.asArray()) {
      if (named["name"].isString() && named["name"].asString() == "default" &&
          named["template"].isString()) {
        return named["template"].asString();
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
