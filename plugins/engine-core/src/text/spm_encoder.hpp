// SentencePiece-style BPE (GGUF tokenizer model "llama", and Hugging Face tokenizer.json files of
// Llama 2 / Mistral checkpoints): starting from UTF-8 characters, adjacent pairs are merged until
// no pair merges. With scores (GGUF), the pair whose concatenation is the vocabulary entry with
// the highest score goes first; with merge ranks (tokenizer.json), the pair with the lowest rank.
// Leftmost wins ties. Characters that are not tokens fall back to byte tokens <0xXX>, or to the
// unknown token when the vocabulary has no byte tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace wharf::engine {

struct SpmVocabulary {
  const std::unordered_map<std::string, int32_t>& ids;
  const std::vector<float>& scores;  // by token id; unused when `merges` is set
  // (left id << 32 | right id) -> (rank << 32 | merged id); null: merge by score
  const std::unordered_map<uint64_t, uint64_t>* merges;
  const int32_t* byte_tokens;  // 256 entries, -1 when missing
  int32_t unknown;
  bool fuse_unknown;  // consecutive unknown characters give one unknown token
};

// The vocabulary text of byte fallback token `b`: "<0x0A>".
std::string spmByteToken(uint8_t b);

// Encodes one text fragment whose spaces are already escaped to U+2581.
void spmEncode(std::string_view text, const SpmVocabulary& vocab, std::vector<int32_t>& out);

}  // namespace wharf::engine
