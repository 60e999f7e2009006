// SentencePiece-style BPE (GGUF tokenizer model "llama"): starting from UTF-8 characters, the
// adjacent pair whose concatenation is the vocabulary entry with the highest score is merged
// first (leftmost on ties), until no pair is in the vocabulary; characters that are not tokens
// fall back to byte tokens <0xXX>.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wharf::engine {

struct SpmVocabulary {
  const std::unordered_map<std::string, int32_t>& ids;
  const std::vector<float>& scores;
  const int32_t* byte_tokens;  // 256 entries, -1 when missing
  int32_t unknown;
};

// Encodes one text fragment whose spaces are already escaped to U+2581.
void spmEncode(std::string_view text, const SpmVocabulary& vocab, std::vector<int32_t>& out);

}  // namespace wharf::engine
