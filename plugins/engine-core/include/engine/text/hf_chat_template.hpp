// The chat template of a Hugging Face model directory.
#pragma once

#include <optional>
#include <string>

namespace wharf::engine {

// tokenizer_config.json "chat_template" (a string, or the "default" entry of a list of
// {name, template}), else chat_template.jinja; nullopt when the model has none.
std::optional<std::string> readHfChatTemplate(const std::string& dir);

}  // namespace wharf::engine
