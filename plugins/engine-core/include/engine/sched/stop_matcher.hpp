// Stop strings over streamed text: text that might be the start of a stop string is held back
// until it is known not to be, so a stop string split across tokens is still found and never
// partly sent. Input must be whole UTF-8 code points (Utf8Stream output); output stays so.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wharf::engine {

class StopMatcher {
 public:
  StopMatcher(std::vector<std::string> stops, bool include_stop_in_output);

  struct Result {
    std::string text;                 // safe to send now
    std::optional<std::string> stop;  // set when a stop string matched: the stream is over
  };

  Result push(std::string_view text);
  // End of stream without a stop string: everything held back is released.
  std::string flush();

 private:
  std::vector<std::string> stops_;
  bool include_;
  std::string held_;
  bool stopped_ = false;
};

}  // namespace wharf::engine
