// Pre-tokenization: splitting text into words before BPE, as the regular expressions of GPT-2,
// Llama 3 and Qwen2 tokenizers do, implemented by hand over Unicode character classes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wharf::engine {

enum class PreTokenizer {
  Gpt2,            // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
  DigitsThenGpt2,  // every \p{N} character on its own, GPT-2 between them (SmolLM, StarCoder)
  Llama3,          // (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|...
  Qwen2,           // as Llama3 with \p{N} (one digit per word)
};

// Maps GGUF `tokenizer.ggml.pre` to a pre-tokenizer; throws UNSUPPORTED for unknown names.
PreTokenizer preTokenizerFromName(const std::string& name);

// Splits `text` into consecutive words that cover it exactly.
std::vector<std::string_view> splitWords(std::string_view text, PreTokenizer kind);

}  // namespace wharf::engine
