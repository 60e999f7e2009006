// Standard Prometheus process metrics read from /proc/self: CPU seconds, resident and virtual
// memory, open and maximum file descriptors, start time.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

namespace wharf::host {

std::vector<prometheus::MetricFamily> collectProcessMetrics();

}  // namespace wharf::host
