// A model's chat template (tokenizer.chat_template) rendered like Hugging Face's
// apply_chat_template: trim_blocks + lstrip_blocks, raise_exception(), namespace(), range(),
// strftime_now(), messages / add_generation_prompt / bos_token / eos_token.
#pragma once

#include <memory>
#include <string>

#include "engine/json.hpp"
#include "engine/text/jinja_template.hpp"

namespace wharf::engine {

class ChatTemplate {
 public:
  // Throws wharf::Error(DATA) when the template does not parse.
  explicit ChatTemplate(const std::string& source);
  // Throws wharf::Error(INVALID_ARGUMENT) with the template's message (raise_exception) or the
  // evaluation error.
  std::string render(const Json& messages, bool add_generation_prompt, const std::string& bos_token,
                     const std::string& eos_token, const Json& extra = Json()) const;

 private:
  jinja::Template template_;
};

}  // namespace wharf::engine
