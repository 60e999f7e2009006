// Tokenizer::fromHfDirectory: a BPE tokenizer from Hugging Face tokenizer files, byte-level
// (GPT-2 / Llama 3 / Qwen2 pre-tokenizers) or SentencePiece-style (Llama 2 / Mistral: spaces as
// U+2581 through a Prepend + Replace normalizer or a Metaspace pre-tokenizer, byte fallback).
#include <algorithm>
#include <limits>

#include "engine/model/json_file.hpp"
#include "engine/text/byte_level.hpp"
#include "engine/text/tokenizer.hpp"
#include "engine/text/unicode.hpp"
#include "spm_encoder.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

const JsonDocument& at(const JsonDocument& j, std::string_view key) {
  return jsonMemberOrNull(j, key);
}

[[noreturn]] void invalid(const std::string& file, const std::string& what) {
  throw Error(WHARF_ERR_DATA, "'" + file + "': " + what);
}

[[noreturn]] void unsupported(const std::string& file, const std::string& what) {
  throw Error(WHARF_ERR_UNSUPPORTED, "'" + file + "': " + what);
}

constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581, SentencePiece's space

std::string typeOf(const JsonDocument& step) { return jsonStringOr(at(step, "type")); }

// Collects the steps of a pre-tokenizer or normalizer (a Sequence under `list` is flattened).
void steps(const JsonDocument& p, const char* list, std::vector<const JsonDocument*>& out) {
  if (p.is_null()) return;
  if (typeOf(p) == "Sequence") {
    for (const JsonDocument& s : at(p, list)) steps(s, list, out);
  } else {
    out.push_back(&p);
  }
}

// How a SentencePiece-style tokenizer.json turns text into U+2581-escaped pieces.
struct SentencePieceStyle {
  bool sentencepiece = false;
  std::string prepend;  // "", "every" (Prepend normalizer), "always" or "first" (Metaspace)
  bool split = false;   // Metaspace split
};

SentencePieceStyle sentencePieceStyleOf(const JsonDocument& root, const std::string& file) {
  SentencePieceStyle style;
  std::vector<const JsonDocument*> norms, pres;
  steps(at(root, "normalizer"), "normalizers", norms);
  steps(at(root, "pre_tokenizer"), "pretokenizers", pres);
  bool escapes_spaces = false, metaspace = false;
  std::string other_normalizer;
  for (const JsonDocument* p : pres) metaspace = metaspace || typeOf(*p) == "Metaspace";
  for (const JsonDocument* n : norms) {
    const std::string type = typeOf(*n);
    if (type == "Prepend" && at((*n), "prepend").is_string() &&
        at((*n), "prepend").get<std::string>() == kSpace) {
      style.prepend = "every";
    } else if (type == "Replace" && at(at((*n), "pattern"), "String").is_string() &&
               at(at((*n), "pattern"), "String").get<std::string>() == " " &&
               at((*n), "content").is_string() &&
               at((*n), "content").get<std::string>() == kSpace) {
      escapes_spaces = true;
    } else {
      other_normalizer = type;
    }
  }
  if (!metaspace && !escapes_spaces) return style;  // not SentencePiece-style
  if (!other_normalizer.empty()) {
    unsupported(file, "normalizer '" + other_normalizer + "' is not supported");
  }
  style.sentencepiece = true;
  for (const JsonDocument* p : pres) {
    if (typeOf(*p) != "Metaspace") {
      unsupported(file, "pre-tokenizer '" + typeOf(*p) + "' with SentencePiece-style spaces");
    }
    if (!at((*p), "replacement").is_string() ||
        at((*p), "replacement").get<std::string>() != kSpace) {
      unsupported(file, "Metaspace replacement other than U+2581");
    }
    if (at((*p), "prepend_scheme").is_string()) {
      const std::string scheme = at((*p), "prepend_scheme").get<std::string>();
      if (scheme != "always" && scheme != "first" && scheme != "never") {
        invalid(file, "Metaspace prepend_scheme '" + scheme + "'");
      }
      style.prepend = scheme == "never" ? "" : scheme;
    } else {  // tokenizers < 0.14: add_prefix_space, always split
      style.prepend =
          at((*p), "add_prefix_space").is_boolean() && !at((*p), "add_prefix_space").get<bool>()
              ? ""
              : "always";
    }
    style.split = !at((*p), "split").is_boolean() || at((*p), "split").get<bool>();
  }
  return style;
}

// Maps the pre-tokenizer of tokenizer.json onto the hand-written splitters.
PreTokenizer preTokenizerOf(const JsonDocument& p, const std::string& file) {
  std::vector<const JsonDocument*> list;
  steps(p, "pretokenizers", list);
  bool digits = false, byte_level = false;
  std::string pattern;
  for (const JsonDocument* s : list) {
    const std::string type = jsonStringOr(at((*s), "type"));
    if (type == "Digits" && at((*s), "individual_digits").is_boolean() &&
        at((*s), "individual_digits").get<bool>()) {
      digits = true;
    } else if (type == "ByteLevel") {
      byte_level = true;
      if (jsonBoolOr(at((*s), "add_prefix_space"), false)) {
        unsupported(file, "ByteLevel add_prefix_space is not supported");
      }
    } else if (type == "Split" && at(at((*s), "pattern"), "Regex").is_string()) {
      pattern = at(at((*s), "pattern"), "Regex").get<std::string>();
    } else {
      unsupported(file, "pre-tokenizer '" + type + "' is not supported");
    }
  }
  if (!byte_level) unsupported(file, "only byte-level pre-tokenizers are supported");
  if (!pattern.empty()) {
    if (pattern.find("\\p{N}{1,3}") != std::string::npos) return PreTokenizer::Llama3;
    if (pattern.find("\\p{N}") != std::string::npos && pattern.find("(?i:") != std::string::npos) {
      return PreTokenizer::Qwen2;
    }
    unsupported(file, "pre-tokenizer regex is not one of GPT-2, Llama 3, Qwen2");
  }
  return digits ? PreTokenizer::DigitsThenGpt2 : PreTokenizer::Gpt2;
}

std::string tokenContent(const JsonDocument& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && at(v, "content").is_string()) return at(v, "content").get<std::string>();
  return "";
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::fromHfDirectory(const std::string& dir) {
  const std::string file = dir + "/tokenizer.json";
  const JsonDocument root = readJsonFile(file);
  const JsonDocument& model = at(root, "model");
  if (!model.is_object() || !at(model, "type").is_string() ||
      at(model, "type").get<std::string>() != "BPE") {
    unsupported(file, "only BPE tokenizer models are supported");
  }
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    if (at(model, key).is_string() && !at(model, key).get<std::string>().empty()) {
      unsupported(file, std::string("BPE ") + key + " is not supported");
    }
  }
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  const SentencePieceStyle spm = sentencePieceStyleOf(root, file);
  const bool byte_fallback = jsonBoolOr(at(model, "byte_fallback"), false);
  if (spm.sentencepiece) {
    t->model_ = Model::SentencePiece;
    t->spm_by_rank_ = true;
    t->spm_split_ = spm.split;
    t->fuse_unknown_ = jsonBoolOr(at(model, "fuse_unk"), false);
    t->space_prefix_ = spm.prepend == "every"    ? SpacePrefix::Every
                       : spm.prepend == "always" ? SpacePrefix::EveryUnlessSpace
                       : spm.prepend == "first"  ? SpacePrefix::FirstUnlessSpace
                                                 : SpacePrefix::None;
  } else {
    t->model_ = Model::ByteLevelBpe;
    t->pre_ = preTokenizerOf(at(root, "pre_tokenizer"), file);
  }
  t->ignore_merges_ = jsonBoolOr(at(model, "ignore_merges"), false);

  const JsonDocument& vocab = at(model, "vocab");
  if (!vocab.is_object() || vocab.size() == 0) invalid(file, "model.vocab is missing or empty");
  const JsonDocument& added = at(root, "added_tokens");
  std::vector<std::pair<std::string, int64_t>> entries;
  for (const auto& [text, id] : vocab.items()) {
    if (!id.is_number()) invalid(file, "vocab id of '" + text + "' is not a number");
    entries.emplace_back(text, id.get<int64_t>());
  }
  for (const JsonDocument& a : added) {
    if (!at(a, "content").is_string() || !at(a, "id").is_number())
      invalid(file, "malformed added_tokens");
    entries.emplace_back(at(a, "content").get<std::string>(), at(a, "id").get<int64_t>());
  }
  int64_t size = 0;
  for (const auto& [text, id] : entries) {
    if (id < 0 || id >= std::numeric_limits<int32_t>::max()) invalid(file, "token id out of range");
    size = std::max(size, id + 1);
  }
  if (size > 16 * static_cast<int64_t>(entries.size()) + 1024) invalid(file, "sparse token ids");
  t->tokens_.assign(static_cast<size_t>(size), std::string());
  t->types_.assign(static_cast<size_t>(size), TokenType::Unused);
  for (const auto& [text, id] : entries) {
    t->tokens_[static_cast<size_t>(id)] = text;
    t->types_[static_cast<size_t>(id)] = TokenType::Normal;
  }
  for (const JsonDocument& a : added) {
    bool special = jsonBoolOr(at(a, "special"), false);
    t->types_[static_cast<size_t>(at(a, "id").get<int64_t>())] =
        special ? TokenType::Control : TokenType::UserDefined;
  }
  for (size_t i = 0; i < t->tokens_.size(); ++i) {
    if (t->types_[i] != TokenType::Unused) t->ids_.emplace(t->tokens_[i], static_cast<int32_t>(i));
  }
  for (int b = 0; b < 256; ++b) {
    std::string s;
    if (t->model_ == Model::SentencePiece) {
      s = byte_fallback ? spmByteToken(static_cast<uint8_t>(b)) : std::string();
    } else {
      appendUtf8(s, byteToCodepoint(static_cast<uint8_t>(b)));
    }
    t->byte_ids_[b] = s.empty() ? -1 : t->find(s);
    if (t->model_ == Model::SentencePiece && t->byte_ids_[b] >= 0) {
      t->types_[static_cast<size_t>(t->byte_ids_[b])] = TokenType::Byte;
    }
  }

  const JsonDocument& merges = at(model, "merges");
  t->merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const JsonDocument& m = merges[rank];
    std::string left, right;
    if (m.is_string()) {
      size_t space = m.get<std::string>().find(' ', 1);
      if (space == std::string::npos)
        invalid(file, "malformed merge '" + m.get<std::string>() + "'");
      left = m.get<std::string>().substr(0, space);
      right = m.get<std::string>().substr(space + 1);
    } else if (m.is_array() && m.size() == 2 && m[size_t{0}].is_string() &&
               m[size_t{1}].is_string()) {
      left = m[size_t{0}].get<std::string>();
      right = m[size_t{1}].get<std::string>();
    } else {
      invalid(file, "merge " + std::to_string(rank) + " is neither \"a b\" nor [a, b]");
    }
    int32_t a = t->find(left), b = t->find(right), merged = t->find(left + right);
    if (a < 0 || b < 0 || merged < 0) continue;
    const uint64_t key =
        (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    t->merges_.emplace(key, (static_cast<uint64_t>(rank) << 32) | static_cast<uint32_t>(merged));
  }

  const std::string config_file = dir + "/tokenizer_config.json";
  const JsonDocument config = readOptionalJsonFile(config_file).value_or(JsonDocument::object());
  t->bos_id_ = t->find(tokenContent(at(config, "bos_token")));
  t->eos_id_ = t->find(tokenContent(at(config, "eos_token")));
  t->unk_id_ = t->find(jsonStringOr(at(model, "unk_token"), tokenContent(at(config, "unk_token"))));
  if (t->unk_id_ >= 0 && t->types_[static_cast<size_t>(t->unk_id_)] == TokenType::Normal) {
    t->types_[static_cast<size_t>(t->unk_id_)] = TokenType::Unknown;
  }
  t->add_bos_ = jsonBoolOr(at(config, "add_bos_token"), false) && t->bos_id_ >= 0;
  auto addEog = [&](int64_t id) {
    if (id < 0 || id >= size) return;
    if (std::find(t->eog_ids_.begin(), t->eog_ids_.end(), id) == t->eog_ids_.end()) {
      t->eog_ids_.push_back(static_cast<int32_t>(id));
    }
  };
  addEog(t->eos_id_);
  if (auto gen = readOptionalJsonFile(dir + "/generation_config.json")) {
    const JsonDocument& eos = at(*gen, "eos_token_id");
    if (eos.is_number()) addEog(eos.get<int64_t>());
    for (const JsonDocument& e : eos) {
      if (e.is_number()) addEog(e.get<int64_t>());
    }
    if (t->eos_id_ < 0 && !t->eog_ids_.empty()) t->eos_id_ = t->eog_ids_.front();
  }

  for (size_t i = 0; i < t->tokens_.size(); ++i) {
    TokenType ty = t->types_[i];
    if ((ty == TokenType::Control || ty == TokenType::UserDefined) && !t->tokens_[i].empty()) {
      t->specials_.push_back(static_cast<int32_t>(i));
      t->special_first_byte_[static_cast<uint8_t>(t->tokens_[i][0])] = true;
    }
  }
  std::stable_sort(t->specials_.begin(), t->specials_.end(), [&](int32_t a, int32_t b) {
    return t->tokens_[static_cast<size_t>(a)].size() > t->tokens_[static_cast<size_t>(b)].size();
  });
  return t;
}

}  // namespace wharf::engine
