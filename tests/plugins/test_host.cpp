#include "test_host.hpp"

#include <cstdio>

#include "wharf/cpp/error.hpp"
#include "wharf/http_service.h"

namespace wharf::test {

struct TestHost::Child {
  wharf_metric_type type;
  std::atomic<double> value{0};
  std::atomic<uint64_t> count{0};
};

struct TestHost::Family {
  wharf_metric_type type;
  std::vector<std::string> labels;
  std::map<std::vector<std::string>, std::unique_ptr<Child>> children;
};

namespace {

// Zeroed except struct_size: storage tests never call it.
const wharf_http_api kNoHttp = [] {
  wharf_http_api t{};
  t.struct_size = sizeof(wharf_http_api);
  return t;
}();

const char* levelName(wharf_log_level level) {
  switch (level) {
    case WHARF_LOG_TRACE:
      return "trace";
    case WHARF_LOG_DEBUG:
      return "debug";
    case WHARF_LOG_INFO:
      return "info";
    case WHARF_LOG_WARNING:
      return "warning";
    case WHARF_LOG_ERROR:
      return "error";
    case WHARF_LOG_FATAL:
      return "fatal";
  }
  return "?";
}

TestHost* self(void* ctx) { return static_cast<TestHost*>(ctx); }

}  // namespace

TestHost::TestHost() {
  api_.abi_major = WHARF_ABI_MAJOR;
  api_.abi_minor = WHARF_ABI_MINOR;
  api_.struct_size = sizeof(wharf_host_api);
  api_.ctx = this;
  api_.log = &logFn;
  api_.log_enabled = &logEnabledFn;
  api_.metric_family = &familyFn;
  api_.metric = &metricFn;
  api_.metric_add = &addFn;
  api_.metric_set = &setFn;
  api_.metric_observe = &observeFn;
  api_.lookup = &lookupFn;
  api_.error_new = &errorNewFn;
  api_.http = &kNoHttp;
  api_.draining = &drainingFn;
  api_.stopping = &stoppingFn;
}

TestHost::~TestHost() = default;

void TestHost::addInstance(const std::string& name, wharf_plugin_kind kind, const void* table,
                           void* instance) {
  std::lock_guard lock(mu_);
  instances_[name] = Instance{kind, table, instance};
}

void TestHost::removeInstance(const std::string& name) {
  std::lock_guard lock(mu_);
  instances_.erase(name);
}

const TestHost::Child* TestHost::findChild(const std::string& name,
                                           const std::map<std::string, std::string>& labels) const {
  std::lock_guard lock(mu_);
  auto f = families_.find(name);
  if (f == families_.end() || labels.size() != f->second->labels.size()) return nullptr;
  std::vector<std::string> values;
  for (auto& l : f->second->labels) {
    auto it = labels.find(l);
    if (it == labels.end()) return nullptr;
    values.push_back(it->second);
  }
  auto c = f->second->children.find(values);
  return c == f->second->children.end() ? nullptr : c->second.get();
}

std::optional<double> TestHost::metric(const std::string& name,
                                       const std::map<std::string, std::string>& labels) const {
  const Child* c = findChild(name, labels);
  if (!c) return std::nullopt;
  return c->value.load();
}

double TestHost::value(const std::string& name,
                       const std::map<std::string, std::string>& labels) const {
  return metric(name, labels).value_or(0.0);
}

uint64_t TestHost::observations(const std::string& name,
                                const std::map<std::string, std::string>& labels) const {
  const Child* c = findChild(name, labels);
  return c ? c->count.load() : 0;
}

std::vector<std::string> TestHost::logs() const {
  std::lock_guard lock(mu_);
  return logs_;
}

void TestHost::logFn(void* ctx, const char* component, wharf_log_level level, const char* message) {
  TestHost* h = self(ctx);
  if (level < h->log_level_) return;
  std::string line = std::string(levelName(level)) + " " + (component ? component : "") + ": " +
                     (message ? message : "");
  std::fprintf(stderr, "[plugin] %s\n", line.c_str());
  std::lock_guard lock(h->mu_);
  h->logs_.push_back(std::move(line));
}

int TestHost::logEnabledFn(void* ctx, const char*, wharf_log_level level) {
  return level >= self(ctx)->log_level_ ? 1 : 0;
}

wharf_metric_family* TestHost::familyFn(void* ctx, wharf_metric_type type, const char* name,
                                        const char*, const char* const* label_names,
                                        size_t label_count, const double*, size_t) {
  TestHost* h = self(ctx);
  if (!name || !*name) return nullptr;
  std::lock_guard lock(h->mu_);
  auto& f = h->families_[name];
  if (!f) {
    f = std::make_unique<Family>();
    f->type = type;
    for (size_t i = 0; i < label_count; ++i) f->labels.emplace_back(label_names[i]);
  } else if (f->type != type || f->labels.size() != label_count) {
    return nullptr;
  }
  return reinterpret_cast<wharf_metric_family*>(f.get());
}

wharf_metric* TestHost::metricFn(void* ctx, wharf_metric_family* family,
                                 const char* const* label_values, size_t label_count) {
  TestHost* h = self(ctx);
  auto* f = reinterpret_cast<Family*>(family);
  if (!f || label_count != f->labels.size()) return nullptr;
  std::vector<std::string> values(label_values, label_values + label_count);
  std::lock_guard lock(h->mu_);
  auto& c = f->children[values];
  if (!c) {
    c = std::make_unique<Child>();
    c->type = f->type;
  }
  return reinterpret_cast<wharf_metric*>(c.get());
}

void TestHost::addFn(wharf_metric* m, double v) {
  auto* c = reinterpret_cast<Child*>(m);
  if (c->type != WHARF_METRIC_HISTOGRAM) c->value.fetch_add(v);
}

void TestHost::setFn(wharf_metric* m, double v) {
  auto* c = reinterpret_cast<Child*>(m);
  if (c->type == WHARF_METRIC_GAUGE) c->value.store(v);
}

void TestHost::observeFn(wharf_metric* m, double v) {
  auto* c = reinterpret_cast<Child*>(m);
  if (c->type != WHARF_METRIC_HISTOGRAM) return;
  c->value.fetch_add(v);
  c->count.fetch_add(1);
}

wharf_status TestHost::lookupFn(void* ctx, const char* name, wharf_plugin_kind kind,
                                const void** table, void** instance, wharf_error** err) {
  TestHost* h = self(ctx);
  std::lock_guard lock(h->mu_);
  auto it = h->instances_.find(name ? name : "");
  if (it == h->instances_.end() || it->second.kind != kind) {
    detail::storeError(
        err, WHARF_ERR_NOT_FOUND,
        std::string("no ") + wharf_kind_name(kind) + " instance '" + (name ? name : "") + "'");
    return WHARF_ERR_NOT_FOUND;
  }
  *table = it->second.table;
  *instance = it->second.instance;
  return WHARF_OK;
}

wharf_error* TestHost::errorNewFn(void*, wharf_status code, const char* message) {
  return new detail::OwnedError(code, message ? message : "");
}

int TestHost::drainingFn(void* ctx) { return self(ctx)->draining_ ? 1 : 0; }
int TestHost::stoppingFn(void* ctx) { return self(ctx)->stopping_ ? 1 : 0; }

}  // namespace wharf::test
