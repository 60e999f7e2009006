// UTF-8 decoding/encoding and the character classes the pre-tokenizers need.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::engine {

enum class CharClass : uint8_t { Letter, Number, Whitespace, Other };

// One decoded character with its byte span in the source. Invalid bytes decode one at a time as
// U+FFFD (valid = false) so that byte spans still cover the input exactly.
struct Utf8Char {
  uint32_t codepoint;
  uint32_t offset;
  uint8_t length;
  bool valid;
};

std::vector<Utf8Char> decodeUtf8(std::string_view text);
void appendUtf8(std::string& out, uint32_t codepoint);
CharClass classify(uint32_t codepoint);

// Simple case mapping for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic (other scripts
// are returned unchanged).
uint32_t toLower(uint32_t codepoint);
uint32_t toUpper(uint32_t codepoint);
std::string lowerUtf8(std::string_view text);
std::string upperUtf8(std::string_view text);

// Length of a complete, valid UTF-8 sequence starting at s[0], 0 if s[0..] is a valid but
// incomplete prefix, or -1 if it is invalid.
int utf8SequenceLength(std::string_view s);

}  // namespace wharf::engine
