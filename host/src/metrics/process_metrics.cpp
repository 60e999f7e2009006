#include "metrics/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace wharf::host {

namespace {

prometheus::MetricFamily single(const char* name, const char* help, prometheus::MetricType type,
                                double v) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  prometheus::ClientMetric m;
  if (type == prometheus::MetricType::Counter)
    m.counter.value = v;
  else
    m.gauge.value = v;
  f.metric.push_back(m);
  return f;
}

double bootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 16, '\n');
  }
  return 0;
}

int countOpenFds() {
  int n = 0;
  if (DIR* d = opendir("/proc/self/fd")) {
    while (readdir(d)) ++n;
    closedir(d);
    n -= 3;  // ".", ".." and the directory's own fd
  }
  return n;
}

}  // namespace

std::vector<prometheus::MetricFamily> collectProcessMetrics() {
  std::vector<prometheus::MetricFamily> out;
  std::ifstream in("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t close = content.rfind(')');
  if (close == std::string::npos) return out;
  std::istringstream fields(content.substr(close + 2));
  std::vector<std::string> f;
  for (std::string x; fields >> x;) f.push_back(x);
  // After "pid (comm) ": state is field 3 → index 0; utime 14 → 11; stime 15 → 12;
  // starttime 22 → 19; vsize 23 → 20; rss 24 → 21.
  if (f.size() < 22) return out;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));
  double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  double start = bootTimeSeconds() + std::stod(f[19]) / ticks;
  out.push_back(single("process_cpu_seconds_total",
                       "Total user and system CPU time spent in seconds.",
                       prometheus::MetricType::Counter, cpu));
  out.push_back(single("process_resident_memory_bytes", "Resident memory size in bytes.",
                       prometheus::MetricType::Gauge, std::stod(f[21]) * page));
  out.push_back(single("process_virtual_memory_bytes", "Virtual memory size in bytes.",
                       prometheus::MetricType::Gauge, std::stod(f[20])));
  out.push_back(single("process_start_time_seconds",
                       "Start time of the process since unix epoch in seconds.",
                       prometheus::MetricType::Gauge, start));
  out.push_back(single("process_open_fds", "Number of open file descriptors.",
                       prometheus::MetricType::Gauge, countOpenFds()));
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
    out.push_back(single("process_max_fds", "Maximum number of open file descriptors.",
                         prometheus::MetricType::Gauge, static_cast<double>(rl.rlim_cur)));
  return out;
}

}  // namespace wharf::host
