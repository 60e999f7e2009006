#include "engine/text/unicode.hpp"

#include <algorithm>

#include "unicode_tables.hpp"

namespace wharf::engine {

namespace {

using unicode_tables::CodepointRange;

bool inRanges(uint32_t cp, const CodepointRange* ranges, size_t count) {
  const CodepointRange* end = ranges + count;
  const CodepointRange* it = std::upper_bound(
      ranges, end, cp, [](uint32_t c, const CodepointRange& r) { return c < r.first; });
  if (it == ranges) return false;
  --it;
  return cp <= it->last;
}

}  // namespace

int utf8SequenceLength(std::string_view s) {
  if (s.empty()) return 0;
  auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t c = b(0);
  if (c < 0x80) return 1;
  int len;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return -1;
  }
  for (int i = 1; i < len; ++i) {
    if (static_cast<size_t>(i) >= s.size()) return 0;
    uint8_t x = b(static_cast<size_t>(i));
    if (i == 1 ? (x < lo || x > hi) : (x < 0x80 || x > 0xBF)) return -1;
  }
  return len;
}

std::vector<Utf8Char> decodeUtf8(std::string_view text) {
  std::vector<Utf8Char> out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    int len = utf8SequenceLength(text.substr(i));
    if (len <= 0) {
      out.push_back({0xFFFD, static_cast<uint32_t>(i), 1, false});
      ++i;
      continue;
    }
    auto b = [&](size_t k) { return static_cast<uint32_t>(static_cast<uint8_t>(text[i + k])); };
    uint32_t cp;
    switch (len) {
      case 1:
        cp = b(0);
        break;
      case 2:
        cp = ((b(0) & 0x1F) << 6) | (b(1) & 0x3F);
        break;
      case 3:
        cp = ((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
        break;
      default:
        cp = ((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    }
    out.push_back({cp, static_cast<uint32_t>(i), static_cast<uint8_t>(len), true});
    i += static_cast<size_t>(len);
  }
  return out;
}

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

CharClass classify(uint32_t cp) {
  if (cp < 0x80) {
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) return CharClass::Letter;
    if (cp >= '0' && cp <= '9') return CharClass::Number;
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) return CharClass::Whitespace;
    return CharClass::Other;
  }
  using namespace unicode_tables;
  if (inRanges(cp, kLetters, kLettersCount)) return CharClass::Letter;
  if (inRanges(cp, kNumbers, kNumbersCount)) return CharClass::Number;
  if (inRanges(cp, kWhitespace, kWhitespaceCount)) return CharClass::Whitespace;
  return CharClass::Other;
}

uint32_t toLower(uint32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0xC0) return c;
  if ((c >= 0xC0 && c <= 0xDE && c != 0xD7)) return c + 32;
  if (c >= 0x100 && c <= 0x17F && c != 0x130 && c != 0x138 && c != 0x149 && c != 0x17F) {
    bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_upper) return (c % 2 == 1) ? c + 1 : c;
    return (c % 2 == 0) ? c + 1 : c;
  }
  if (c >= 0x391 && c <= 0x3AB && c != 0x3A2) return c + 32;
  if (c >= 0x410 && c <= 0x42F) return c + 32;
  if (c >= 0x400 && c <= 0x40F) return c + 80;
  return c;
}

uint32_t toUpper(uint32_t c) {
  if (c >= 'a' && c <= 'z') return c - 32;
  if (c < 0xE0) return c;
  if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return c - 32;
  if (c >= 0x100 && c <= 0x17F && c != 0x131 && c != 0x138 && c != 0x149 && c != 0x17F) {
    bool odd_upper = (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E);
    if (odd_upper) return (c % 2 == 0) ? c - 1 : c;
    return (c % 2 == 1) ? c - 1 : c;
  }
  if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) return c - 32;
  if (c >= 0x430 && c <= 0x44F) return c - 32;
  if (c >= 0x450 && c <= 0x45F) return c - 80;
  return c;
}

namespace {
std::string mapCase(std::string_view text, uint32_t (*fn)(uint32_t)) {
  std::string out;
  out.reserve(text.size());
  for (const Utf8Char& c : decodeUtf8(text)) {
    if (c.valid) {
      appendUtf8(out, fn(c.codepoint));
    } else {
      out.append(text.substr(c.offset, c.length));
    }
  }
  return out;
}
}  // namespace

std::string lowerUtf8(std::string_view text) { return mapCase(text, toLower); }
std::string upperUtf8(std::string_view text) { return mapCase(text, toUpper); }

}  // namespace wharf::engine
