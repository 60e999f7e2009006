#include "engine/sched/stop_matcher.hpp"

#include <algorithm>

namespace wharf::engine {

StopMatcher::StopMatcher(std::vector<std::string> stops, bool include_stop_in_output)
    : stops_(std::move(stops)), include_(include_stop_in_output) {
  stops_.erase(std::remove(stops_.begin(), stops_.end(), std::string()), stops_.end());
}

StopMatcher::Result StopMatcher::push(std::string_view text) {
  Result r;
  if (stopped_) return r;
  held_.append(text);
  if (stops_.empty()) {
    r.text.swap(held_);
    return r;
  }
  // The earliest complete match wins (the longest one at that position).
  size_t best = std::string::npos;
  const std::string* which = nullptr;
  for (const std::string& s : stops_) {
    size_t at = held_.find(s);
    if (at != std::string::npos &&
        (at < best || (at == best && which && s.size() > which->size()))) {
      best = at;
      which = &s;
    }
  }
  if (which) {
    r.text = held_.substr(0, include_ ? best + which->size() : best);
    r.stop = *which;
    held_.clear();
    stopped_ = true;
    return r;
  }
  // Hold back the longest suffix that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const std::string& s : stops_) {
    size_t max = std::min(s.size() - 1, held_.size());
    for (size_t n = max; n > hold; --n) {
      if (held_.compare(held_.size() - n, n, s, 0, n) == 0) {
        hold = n;
        break;
      }
    }
  }
  r.text = held_.substr(0, held_.size() - hold);
  held_.erase(0, held_.size() - hold);
  return r;
}

std::string StopMatcher::flush() {
  std::string out;
  out.swap(held_);
  return out;
}

}  // namespace wharf::engine
