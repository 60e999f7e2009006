#include "runtime/host_api.hpp"

#include <Poco/Logger.h>

#include "http/exchange.hpp"
#include "wharf/cpp/error.hpp"

namespace wharf::host {

namespace {

int pocoPriority(wharf_log_level level) {
  switch (level) {
    case WHARF_LOG_TRACE:
      return Poco::Message::PRIO_TRACE;
    case WHARF_LOG_DEBUG:
      return Poco::Message::PRIO_DEBUG;
    case WHARF_LOG_INFO:
      return Poco::Message::PRIO_INFORMATION;
    case WHARF_LOG_WARNING:
      return Poco::Message::PRIO_WARNING;
    case WHARF_LOG_ERROR:
      return Poco::Message::PRIO_ERROR;
    case WHARF_LOG_FATAL:
      return Poco::Message::PRIO_FATAL;
  }
  return Poco::Message::PRIO_INFORMATION;
}

Poco::Logger& pluginLogger(const char* component) {
  return Poco::Logger::get(std::string("wharf.") +
                           (component && *component ? component : "plugin"));
}

std::vector<std::string> strings(const char* const* items, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.emplace_back(items && items[i] ? items[i] : "");
  return out;
}

}  // namespace

HostApi::HostApi(MetricsHub& metrics, const std::atomic<bool>& draining,
                 const std::atomic<bool>& stopping)
    : metrics_(metrics), draining_(draining), stopping_(stopping) {
  api_.abi_major = WHARF_ABI_MAJOR;
  api_.abi_minor = WHARF_ABI_MINOR;
  api_.struct_size = sizeof(wharf_host_api);
  api_.ctx = this;
  api_.log = [](void*, const char* component, wharf_log_level level, const char* message) {
    Poco::Logger& logger = pluginLogger(component);
    int prio = pocoPriority(level);
    if (logger.getLevel() >= prio)
      logger.log(Poco::Message(logger.name(), message ? message : "",
                               static_cast<Poco::Message::Priority>(prio)));
  };
  api_.log_enabled = [](void*, const char* component, wharf_log_level level) -> int {
    return pluginLogger(component).getLevel() >= pocoPriority(level) ? 1 : 0;
  };
  api_.metric_family = [](void* ctx, wharf_metric_type type, const char* name, const char* help,
                          const char* const* labels, size_t label_count, const double* buckets,
                          size_t bucket_count) -> wharf_metric_family* {
    if (!name) return nullptr;
    std::vector<double> b(buckets, buckets ? buckets + bucket_count : buckets);
    return self(ctx)->metrics_.family(type, name, help ? help : name, strings(labels, label_count),
                                      b);
  };
  api_.metric = [](void* ctx, wharf_metric_family* family, const char* const* values,
                   size_t count) -> wharf_metric* {
    return self(ctx)->metrics_.metric(family, strings(values, count));
  };
  api_.metric_add = &MetricsHub::add;
  api_.metric_set = &MetricsHub::set;
  api_.metric_observe = &MetricsHub::observe;
  api_.lookup = [](void* ctx, const char* name, wharf_plugin_kind kind, const void** table,
                   void** instance, wharf_error** err) -> wharf_status {
    HostApi* h = self(ctx);
    std::string why = "the host is not ready for lookups";
    wharf_status st = WHARF_ERR_UNAVAILABLE;
    if (h->instances_ && name && table && instance)
      st = h->instances_->lookup(name, kind, table, instance, why);
    if (st != WHARF_OK) detail::storeError(err, st, why);
    return st;
  };
  api_.error_new = [](void*, wharf_status code, const char* message) -> wharf_error* {
    wharf_error* e = nullptr;
    detail::storeError(&e, code, message ? message : "");
    return e;
  };
  api_.http = httpApi();
  api_.draining = [](void* ctx) -> int { return self(ctx)->draining_.load() ? 1 : 0; };
  api_.stopping = [](void* ctx) -> int { return self(ctx)->stopping_.load() ? 1 : 0; };
}

}  // namespace wharf::host
