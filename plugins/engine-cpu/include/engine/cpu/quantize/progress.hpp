// Progress of a long offline command: on a terminal (stderr is a tty) one line redrawn in place,
// "quantize [#######.........] layer 12 of 30, ETA 41 s"; otherwise one plain line per step
// through `lines` (logs, CI).
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace wharf::engine {

class Progress {
 public:
  Progress(std::string what, size_t total, std::function<void(const std::string&)> lines);
  ~Progress();
  // Step `done` (1-based) of total is finished; `detail` says what it was.
  void update(size_t done, const std::string& detail);

 private:
  std::string what_;
  size_t total_;
  std::function<void(const std::string&)> lines_;
  bool tty_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace wharf::engine
