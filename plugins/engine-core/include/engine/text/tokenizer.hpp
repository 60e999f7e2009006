// Tokenizers built from GGUF metadata or a Hugging Face tokenizer.json: byte-level BPE (GGUF model
// "gpt2": SmolLM2, Llama 3, Qwen2; pre-tokenizer regex, merge ranks) and SentencePiece-style BPE
// (GGUF model "llama", or tokenizer.json of Llama 2 / Mistral: U+2581 for spaces, byte fallback;
// merged by score from GGUF, by merge rank from tokenizer.json). Special and user-defined tokens
// written in the text are matched before BPE (leftmost-longest).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/text/pretokenizer.hpp"

namespace wharf::engine {

class GgufFile;

// GGUF tokenizer.ggml.token_type values.
enum class TokenType : int32_t {
  Undefined = 0,
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
};

class Tokenizer {
 public:
  // Throws UNSUPPORTED for tokenizer models other than "gpt2" and "llama".
  static std::unique_ptr<Tokenizer> fromGguf(const GgufFile& gguf);
  // Reads a Hugging Face directory: tokenizer.json (BPE, byte-level or SentencePiece-style;
  // merges as "a b" or [a, b]; added_tokens), tokenizer_config.json (bos/eos, add_bos_token) and,
  // when present, generation_config.json (eos ids). Defined in hf_tokenizer.cpp. Throws naming the
  // file.
  static std::unique_ptr<Tokenizer> fromHfDirectory(const std::string& dir);

  // Encodes text. Special tokens written in the text are always recognised; BOS is prepended
  // when add_special_tokens is set and the model asks for it (tokenizer.ggml.add_bos_token).
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens) const;

  // The bytes a token stands for (may be part of a UTF-8 sequence). Control tokens give their
  // text unless skip_special is set, then nothing.
  std::string tokenBytes(int32_t id, bool skip_special) const;
  // Concatenated bytes of the tokens (invalid UTF-8 is replaced with U+FFFD); for SentencePiece
  // the space its encoder put in front of the text is removed again.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special) const;

  size_t vocabSize() const { return tokens_.size(); }
  const std::string& tokenText(int32_t id) const { return tokens_.at(static_cast<size_t>(id)); }
  bool isSpecial(int32_t id) const;
  bool isEndOfGeneration(int32_t id) const;
  const std::vector<int32_t>& endOfGenerationIds() const { return eog_ids_; }
  int32_t bosId() const { return bos_id_; }
  int32_t eosId() const { return eos_id_; }
  bool addBos() const { return add_bos_; }
  // Looks a token up by its vocabulary text; -1 when absent.
  int32_t find(std::string_view text) const;

 private:
  Tokenizer() = default;
  void encodeWord(std::string_view word, std::vector<int32_t>& out) const;
  void encodeText(std::string_view text, std::vector<int32_t>& out) const;
  void encodeSentencePiece(std::string_view text, bool at_start, std::vector<int32_t>& out) const;

  enum class Model { ByteLevelBpe, SentencePiece };
  // SentencePiece: where a U+2581 is put in front of a text fragment (the text between special
  // tokens). Every: llama.cpp's add_space_prefix and tokenizer.json's Prepend normalizer;
  // EveryUnlessSpace / FirstUnlessSpace: tokenizer.json's Metaspace prepend_scheme "always" /
  // "first" (not when the fragment starts with a space or U+2581; "first": only at offset 0).
  enum class SpacePrefix { None, Every, EveryUnlessSpace, FirstUnlessSpace };
  Model model_ = Model::ByteLevelBpe;
  std::vector<float> scores_;  // SentencePiece from GGUF
  SpacePrefix space_prefix_ = SpacePrefix::None;
  bool spm_by_rank_ = false;    // SentencePiece from tokenizer.json: merges_ ranks, not scores_
  bool spm_split_ = false;      // Metaspace split: each U+2581 starts a word of its own
  bool fuse_unknown_ = false;   // tokenizer.json fuse_unk
  bool ignore_merges_ = false;  // Llama 3: a word that is a token is not split

  std::vector<std::string> tokens_;
  std::vector<TokenType> types_;
  std::unordered_map<std::string, int32_t> ids_;
  // (left id << 32 | right id) -> (rank << 32 | merged id)
  std::unordered_map<uint64_t, uint64_t> merges_;
  int32_t byte_ids_[256] = {};
  std::vector<int32_t> specials_;  // control and user-defined tokens, longest text first
  bool special_first_byte_[256] = {};
  PreTokenizer pre_ = PreTokenizer::Gpt2;
  int32_t bos_id_ = -1, eos_id_ = -1, unk_id_ = -1;
  bool add_bos_ = false;
  std::vector<int32_t> eog_ids_;
};

}  // namespace wharf::engine
