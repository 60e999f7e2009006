#include "engine/text/tokenizer.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "engine/model/gguf.hpp"
#include "engine/text/byte_level.hpp"
#include "engine/text/unicode.hpp"
#include "spm_encoder.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

uint64_t pairKey(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

[[noreturn]] void invalidVocab(const GgufFile& g, const std::string& what) {
  throw Error(WHARF_ERR_DATA, "tokenizer in '" + g.name() + "': " + what);
}

}  // namespace

std::unique_ptr<Tokenizer> Tokenizer::fromGguf(const GgufFile& g) {
  std::string model = g.stringValue("tokenizer.ggml.model").value_or("");
  if (model != "gpt2" && model != "llama") {
    throw Error(WHARF_ERR_UNSUPPORTED,
                "tokenizer model '" + model +
                    "' is not supported (byte-level BPE 'gpt2', SentencePiece BPE 'llama')");
  }
  std::unique_ptr<Tokenizer> t(new Tokenizer());
  if (model == "llama") {
    t->model_ = Model::SentencePiece;
    t->space_prefix_ = g.boolValue("tokenizer.ggml.add_space_prefix").value_or(true)
                           ? SpacePrefix::Every
                           : SpacePrefix::None;
  } else {
    t->pre_ = preTokenizerFromName(g.stringValue("tokenizer.ggml.pre").value_or("default"));
    t->ignore_merges_ = t->pre_ == PreTokenizer::Llama3;
  }

  auto tokens = g.stringArray("tokenizer.ggml.tokens");
  if (tokens.empty()) invalidVocab(g, "tokenizer.ggml.tokens is missing or empty");
  if (tokens.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    invalidVocab(g, "too many tokens");
  }
  t->tokens_.reserve(tokens.size());
  t->ids_.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    t->tokens_.emplace_back(tokens[i]);
    t->ids_.emplace(t->tokens_.back(), static_cast<int32_t>(i));  // first occurrence wins
  }

  t->types_.assign(tokens.size(), TokenType::Normal);
  if (const GgufValue* types = g.find("tokenizer.ggml.token_type")) {
    if (types->type != GgufValueType::ARRAY || types->elements.size() != tokens.size()) {
      invalidVocab(g, "tokenizer.ggml.token_type does not match the token list");
    }
    for (size_t i = 0; i < tokens.size(); ++i) {
      int64_t v = types->elements[i].asInt();
      t->types_[i] = (v >= 0 && v <= 6) ? static_cast<TokenType>(v) : TokenType::Normal;
    }
  }

  for (int b = 0; b < 256; ++b) {
    std::string s;
    if (t->model_ == Model::SentencePiece) {
      s = spmByteToken(static_cast<uint8_t>(b));
    } else {
      appendUtf8(s, byteToCodepoint(static_cast<uint8_t>(b)));
    }
    t->byte_ids_[b] = t->find(s);
  }
  if (t->model_ == Model::SentencePiece) {
    const GgufValue* scores = g.find("tokenizer.ggml.scores");
    if (!scores || scores->type != GgufValueType::ARRAY ||
        scores->elements.size() != tokens.size()) {
      invalidVocab(g, "tokenizer.ggml.scores is missing or does not match the token list");
    }
    t->scores_.reserve(tokens.size());
    for (const GgufValue& v : scores->elements)
      t->scores_.push_back(static_cast<float>(v.asFloat()));
  }

  auto merges = g.stringArray("tokenizer.ggml.merges");
  t->merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    std::string_view m = merges[rank];
    size_t space = m.find(' ', 1);
    if (space == std::string_view::npos)
      invalidVocab(g, "malformed merge '" + std::string(m) + "'");
    std::string_view left = m.substr(0, space), right = m.substr(space + 1);
    int32_t a = t->find(left), b = t->find(right),
            merged = t->find(std::string(left) + std::string(right));
    if (a < 0 || b < 0 || merged < 0) continue;  // a merge that cannot apply to this vocabulary
    t->merges_.emplace(pairKey(a, b),
                       (static_cast<uint64_t>(rank) << 32) | static_cast<uint32_t>(merged));
  }

  auto id = [&](const char* key) -> int32_t {
    auto v = g.intValue(key);
    if (!v) return -1;
    if (*v < 0 || static_cast<size_t>(*v) >= tokens.size()) {
      invalidVocab(g, std::string(key) + " is out of range");
    }
    return static_cast<int32_t>(*v);
  };
  t->bos_id_ = id("tokenizer.ggml.bos_token_id");
  t->eos_id_ = id("tokenizer.ggml.eos_token_id");
  t->unk_id_ = id("tokenizer.ggml.unknown_token_id");
  bool add_bos_default = t->model_ == Model::SentencePiece;
  t->add_bos_ =
      g.boolValue("tokenizer.ggml.add_bos_token").value_or(add_bos_default) && t->bos_id_ >= 0;
  for (const char* key : {"tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
                          "tokenizer.ggml.eom_token_id"}) {
    int32_t v = id(key);
    if (v >= 0 && std::find(t->eog_ids_.begin(), t->eog_ids_.end(), v) == t->eog_ids_.end()) {
      t->eog_ids_.push_back(v);
    }
  }

  for (size_t i = 0; i < tokens.size(); ++i) {
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

int32_t Tokenizer::find(std::string_view text) const {
  auto it = ids_.find(std::string(text));
  return it == ids_.end() ? -1 : it->second;
}

bool Tokenizer::isSpecial(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= types_.size()) return false;
  TokenType t = types_[static_cast<size_t>(id)];
  return t == TokenType::Control || t == TokenType::Unknown || t == TokenType::Unused;
}

bool Tokenizer::isEndOfGeneration(int32_t id) const {
  return std::find(eog_ids_.begin(), eog_ids_.end(), id) != eog_ids_.end();
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::vector<int32_t> out;
  if (add_special_tokens && add_bos_) out.push_back(bos_id_);
  // Split out special tokens (leftmost, then longest), BPE-encode the text between them.
  auto text_fragment = [&](std::string_view fragment) {
    if (fragment.empty()) return;
    if (model_ == Model::SentencePiece) {
      encodeSentencePiece(fragment, fragment.data() == text.data(), out);
    } else {
      encodeText(fragment, out);
    }
  };
  size_t start = 0, pos = 0;
  while (pos < text.size()) {
    int32_t hit = -1;
    if (!special_first_byte_[static_cast<uint8_t>(text[pos])]) {
      ++pos;
      continue;
    }
    for (int32_t s : specials_) {
      const std::string& st = tokens_[static_cast<size_t>(s)];
      if (text.compare(pos, st.size(), st) == 0) {
        hit = s;
        break;  // longest first
      }
    }
    if (hit < 0) {
      ++pos;
      continue;
    }
    text_fragment(text.substr(start, pos - start));
    out.push_back(hit);
    pos += tokens_[static_cast<size_t>(hit)].size();
    start = pos;
  }
  text_fragment(text.substr(start));
  return out;
}

void Tokenizer::encodeSentencePiece(std::string_view text, bool at_start,
                                    std::vector<int32_t>& out) const {
  static constexpr std::string_view kSpace = "\xE2\x96\x81";  // U+2581
  const bool starts_with_space = text[0] == ' ' || text.substr(0, kSpace.size()) == kSpace;
  bool prefix = false;
  switch (space_prefix_) {
    case SpacePrefix::None:
      break;
    case SpacePrefix::Every:
      prefix = true;
      break;
    case SpacePrefix::EveryUnlessSpace:
      prefix = !starts_with_space;
      break;
    case SpacePrefix::FirstUnlessSpace:
      prefix = at_start && !starts_with_space;
      break;
  }
  std::string escaped(prefix ? kSpace : std::string_view());
  for (char c : text) {
    if (c == ' ') {
      escaped += kSpace;
    } else {
      escaped += c;
    }
  }
  const SpmVocabulary vocab{ids_,      scores_, spm_by_rank_ ? &merges_ : nullptr,
                            byte_ids_, unk_id_, fuse_unknown_};
  if (!spm_split_) {
    spmEncode(escaped, vocab, out);
    return;
  }
  std::string_view rest = escaped;
  while (!rest.empty()) {
    size_t next = rest.find(kSpace, 1);
    spmEncode(rest.substr(0, next), vocab, out);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next);
  }
}

void Tokenizer::encodeText(std::string_view text, std::vector<int32_t>& out) const {
  for (std::string_view word : splitWords(text, pre_)) encodeWord(word, out);
}

void Tokenizer::encodeWord(std::string_view word, std::vector<int32_t>& out) const {
  if (ignore_merges_) {
    std::string mapped;
    for (char ch : word) appendUtf8(mapped, byteToCodepoint(static_cast<uint8_t>(ch)));
    if (int32_t id = find(mapped); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  std::vector<int32_t> syms;
  syms.reserve(word.size());
  for (char ch : word) {
    int32_t id = byte_ids_[static_cast<uint8_t>(ch)];
    syms.push_back(id >= 0 ? id : unk_id_);
  }
  // Merge the lowest-ranked adjacent pair (leftmost on ties) until no pair merges.
  while (syms.size() > 1) {
    uint64_t best = std::numeric_limits<uint64_t>::max();
    size_t at = 0;
    for (size_t i = 0; i + 1 < syms.size(); ++i) {
      auto it = merges_.find(pairKey(syms[i], syms[i + 1]));
      if (it != merges_.end() && it->second < best) {
        best = it->second;
        at = i;
      }
    }
    if (best == std::numeric_limits<uint64_t>::max()) break;
    syms[at] = static_cast<int32_t>(best & 0xFFFFFFFFu);
    syms.erase(syms.begin() + static_cast<long>(at) + 1);
  }
  out.insert(out.end(), syms.begin(), syms.end());
}

std::string Tokenizer::tokenBytes(int32_t id, bool skip_special) const {
  if (id < 0 || static_cast<size_t>(id) >= tokens_.size()) return {};
  const std::string& text = tokens_[static_cast<size_t>(id)];
  TokenType ty = types_[static_cast<size_t>(id)];
  if (ty == TokenType::Control || ty == TokenType::Unknown || ty == TokenType::Unused) {
    return skip_special ? std::string() : text;
  }
  if (ty == TokenType::UserDefined) return text;
  if (model_ == Model::SentencePiece) {
    if (ty == TokenType::Byte && text.size() == 6 && text.compare(0, 3, "<0x") == 0) {
      return std::string(1, static_cast<char>(std::strtol(text.substr(3, 2).c_str(), nullptr, 16)));
    }
    std::string out;
    for (size_t i = 0; i < text.size();) {
      if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
        out += ' ';
        i += 3;
      } else {
        out += text[i++];
      }
    }
    return out;
  }
  std::string out;
  out.reserve(text.size());
  for (const Utf8Char& c : decodeUtf8(text)) {
    int b = byteFromCodepoint(c.codepoint);
    if (b >= 0) {
      out += static_cast<char>(b);
    } else {
      out.append(text, c.offset, c.length);
    }
  }
  return out;
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string bytes;
  for (int32_t id : ids) bytes += tokenBytes(id, skip_special);
  if (model_ == Model::SentencePiece && space_prefix_ != SpacePrefix::None && !bytes.empty() &&
      bytes[0] == ' ') {
    bytes.erase(0, 1);
  }
  std::string out;
  out.reserve(bytes.size());
  for (const Utf8Char& c : decodeUtf8(bytes)) {
    if (c.valid) {
      out.append(bytes, c.offset, c.length);
    } else {
      appendUtf8(out, 0xFFFD);
    }
  }
  return out;
}

}  // namespace wharf::engine
