#include "engine/cpu/quantize/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace wharf::engine {

Progress::Progress(std::string what, size_t total, std::function<void(const std::string&)> lines)
    : what_(std::move(what)),
      total_(total ? total : 1),
      lines_(std::move(lines)),
      tty_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  if (tty_ && drawn_) std::fputs("\n", stderr);
}

void Progress::update(size_t done, const std::string& detail) {
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta =
      done ? elapsed / static_cast<double>(done) * static_cast<double>(total_ - done) : 0.0;
  char numbers[96];
  std::snprintf(numbers, sizeof numbers, "%zu of %zu, %.0f s, ETA %.0f s", done, total_, elapsed,
                eta);
  if (!tty_) {
    lines_(what_ + ": " + detail + " (" + numbers + ")");
    return;
  }
  constexpr size_t kWidth = 30;
  const size_t filled = done * kWidth / total_;
  const std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
  std::fprintf(stderr, "\r%s [%s] %s  %-40.40s", what_.c_str(), bar.c_str(), numbers,
               detail.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace wharf::engine
