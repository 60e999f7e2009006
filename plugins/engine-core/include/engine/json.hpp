// The engine's JSON: wharf/cpp/json.hpp's nlohmann-json, the one JSON library of the tree. Integers
// and floats stay apart ("1" is an integer, "1.0" and "1e3" are floats), as in Python's json
// module, so that a chat template's `tojson` writes numbers back as transformers would.
#pragma once

#include <string>
#include <string_view>

#include "wharf/cpp/json.hpp"

namespace wharf::engine {

// Chat messages and what the engine writes (model info, stats): members in the order written, so
// that a template sees a client's object exactly as it was sent.
using Json = wharf::Json;
// Model files (config.json, tokenizer.json, a safetensors header): members sorted. A tokenizer's
// vocabulary has up to 150k members, which an insertion-ordered object would parse in O(n^2).
using JsonDocument = nlohmann::json;

// Deeper nesting is refused: templates and the loaders walk values recursively.
inline constexpr int kMaxJsonDepth = 200;

// Parses `text` into J; throws wharf::Error(INVALID_ARGUMENT) "invalid JSON at byte N: ..." on
// malformed text, invalid UTF-8 or more than kMaxJsonDepth levels.
template <class J>
J parseJson(std::string_view text);
extern template Json parseJson<Json>(std::string_view);
extern template JsonDocument parseJson<JsonDocument>(std::string_view);

// Python's repr() of a float: the shortest digits that read back as `d`, in fixed notation for
// decimal exponents -4..15 ("1.0", "0.0001", "1000.0") and scientific otherwise ("1e-05",
// "1e+16"); "nan", "inf", "-inf". A template's `tojson` writes floats so.
std::string pythonFloatRepr(double d);

// Appends `s` as a JSON string literal (quotes included), as json.dumps(ensure_ascii=False) writes
// it; invalid UTF-8 becomes U+FFFD.
void appendJsonString(std::string& out, std::string_view s);

}  // namespace wharf::engine
