#include "engine/text/pretokenizer.hpp"

#include "engine/text/unicode.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::engine {

namespace {

// The text as characters plus their classes, with helpers that read past either end safely.
class Chars {
 public:
  explicit Chars(std::string_view text) : text_(text), chars_(decodeUtf8(text)) {
    classes_.reserve(chars_.size());
    for (const Utf8Char& c : chars_) classes_.push_back(classify(c.codepoint));
  }
  size_t size() const { return chars_.size(); }
  uint32_t cp(size_t i) const { return i < chars_.size() ? chars_[i].codepoint : 0xFFFFFFFF; }
  bool is(size_t i, CharClass c) const { return i < chars_.size() && classes_[i] == c; }
  bool letter(size_t i) const { return is(i, CharClass::Letter); }
  bool number(size_t i) const { return is(i, CharClass::Number); }
  bool space(size_t i) const { return is(i, CharClass::Whitespace); }
  bool other(size_t i) const { return is(i, CharClass::Other); }
  bool newline(size_t i) const { return cp(i) == '\r' || cp(i) == '\n'; }
  std::string_view slice(size_t begin, size_t end) const {
    size_t b = chars_[begin].offset;
    size_t e = end < chars_.size() ? chars_[end].offset : text_.size();
    return text_.substr(b, e - b);
  }
  size_t runEnd(size_t i, CharClass c) const {
    while (is(i, c)) ++i;
    return i;
  }

 private:
  std::string_view text_;
  std::vector<Utf8Char> chars_;
  std::vector<CharClass> classes_;
};

uint32_t lower(uint32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// Length in characters of a contraction ('s 't 're 've 'm 'll 'd) at i, or 0.
size_t contraction(const Chars& c, size_t i, bool ignore_case) {
  if (c.cp(i) != '\'') return 0;
  auto at = [&](size_t k) { return ignore_case ? lower(c.cp(i + k)) : c.cp(i + k); };
  uint32_t a = at(1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
  uint32_t b = at(2);
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
  return 0;
}

// \s+(?!\S)|\s+ at a whitespace character i: the run, less its last character when a non-space
// follows (that character then prefixes the next word), but never empty.
size_t trailingSpaceEnd(const Chars& c, size_t i) {
  size_t k = c.runEnd(i, CharClass::Whitespace);
  if (k < c.size() && k - i >= 2) return k - 1;
  return k;
}

void gpt2Words(const Chars& c, size_t begin, size_t end, std::vector<std::string_view>& out) {
  size_t i = begin;
  auto clip = [&](size_t k) { return k < end ? k : end; };
  auto run = [&](size_t k, CharClass cls) {
    while (k < end && c.is(k, cls)) ++k;
    return k;
  };
  while (i < end) {
    size_t next;
    size_t j = i + (c.cp(i) == ' ' ? 1 : 0);
    if (size_t n = contraction(c, i, false); n && i + n <= end) {
      next = i + n;
    } else if (j < end && c.letter(j)) {
      next = run(j, CharClass::Letter);
    } else if (j < end && c.number(j)) {
      next = run(j, CharClass::Number);
    } else if (j < end && c.other(j)) {
      next = run(j, CharClass::Other);
    } else {
      size_t k = run(i, CharClass::Whitespace);
      next = (k < end && k - i >= 2) ? k - 1 : clip(k);
      if (next == i) next = i + 1;  // unreachable for well-formed classes; guarantees progress
    }
    out.push_back(c.slice(i, next));
    i = next;
  }
}

void llama3Words(const Chars& c, size_t max_digits, std::vector<std::string_view>& out) {
  size_t i = 0, n = c.size();
  while (i < n) {
    size_t next = i;
    if (size_t k = contraction(c, i, true)) {
      next = i + k;
    } else if (c.letter(i) || (!c.newline(i) && !c.letter(i) && !c.number(i) && c.letter(i + 1))) {
      next = c.runEnd(c.letter(i) ? i : i + 1, CharClass::Letter);
    } else if (c.number(i)) {
      next = i;
      while (next < n && next - i < max_digits && c.number(next)) ++next;
    } else if (size_t j = i + (c.cp(i) == ' ' ? 1 : 0); c.other(j)) {
      next = c.runEnd(j, CharClass::Other);
      while (c.newline(next)) ++next;
    } else {
      // \s*[\r\n]+ : up to the last newline of the whitespace run, else \s+(?!\S)|\s+
      size_t k = c.runEnd(i, CharClass::Whitespace);
      size_t last_newline = k;
      for (size_t m = i; m < k; ++m) {
        if (c.newline(m)) last_newline = m;
      }
      next = last_newline < k ? last_newline + 1 : trailingSpaceEnd(c, i);
      if (next == i) next = i + 1;
    }
    out.push_back(c.slice(i, next));
    i = next;
  }
}

}  // namespace

PreTokenizer preTokenizerFromName(const std::string& name) {
  if (name.empty() || name == "default" || name == "gpt-2" || name == "gpt2") {
    return PreTokenizer::Gpt2;
  }
  if (name == "smollm" || name == "starcoder" || name == "refact" || name == "codeshell") {
    return PreTokenizer::DigitsThenGpt2;
  }
  if (name == "llama-bpe" || name == "llama3" || name == "smaug-bpe") return PreTokenizer::Llama3;
  if (name == "qwen2" || name == "deepseek-r1-qwen") return PreTokenizer::Qwen2;
  throw Error(WHARF_ERR_UNSUPPORTED, "unsupported pre-tokenizer '" + name + "'");
}

std::vector<std::string_view> splitWords(std::string_view text, PreTokenizer kind) {
  std::vector<std::string_view> out;
  if (text.empty()) return out;
  Chars c(text);
  switch (kind) {
    case PreTokenizer::Gpt2:
      gpt2Words(c, 0, c.size(), out);
      break;
    case PreTokenizer::DigitsThenGpt2: {
      size_t start = 0;
      for (size_t i = 0; i < c.size(); ++i) {
        if (!c.number(i)) continue;
        gpt2Words(c, start, i, out);
        out.push_back(c.slice(i, i + 1));
        start = i + 1;
      }
      gpt2Words(c, start, c.size(), out);
      break;
    }
    case PreTokenizer::Llama3:
      llama3Words(c, 3, out);
      break;
    case PreTokenizer::Qwen2:
      llama3Words(c, 1, out);
      break;
  }
  return out;
}

}  // namespace wharf::engine
