#include "engine/text/utf8_stream.hpp"

#include "engine/text/unicode.hpp"

namespace wharf::engine {

std::string Utf8Stream::push(std::string_view bytes) {
  pending_.append(bytes);
  std::string out;
  size_t i = 0;
  while (i < pending_.size()) {
    int len = utf8SequenceLength(std::string_view(pending_).substr(i));
    if (len == 0) break;  // incomplete: wait for more bytes
    if (len < 0) {
      appendUtf8(out, 0xFFFD);
      ++i;
      continue;
    }
    out.append(pending_, i, static_cast<size_t>(len));
    i += static_cast<size_t>(len);
  }
  pending_.erase(0, i);
  return out;
}

std::string Utf8Stream::finish() {
  std::string out;
  if (!pending_.empty()) appendUtf8(out, 0xFFFD);
  pending_.clear();
  return out;
}

}  // namespace wharf::engine
