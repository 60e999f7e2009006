// Incremental UTF-8 assembly for streamed token bytes: emits only complete code points, holding
// back the bytes of a sequence that a later token may complete. Bytes that can never form a valid
// sequence come out as U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace wharf::engine {

class Utf8Stream {
 public:
  // Appends bytes; returns the newly complete text.
  std::string push(std::string_view bytes);
  // Ends the stream: any held-back incomplete sequence becomes U+FFFD.
  std::string finish();
  bool holding() const { return !pending_.empty(); }

 private:
  std::string pending_;
};

}  // namespace wharf::engine
