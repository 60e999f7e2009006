#include <gtest/gtest.h>

#include "metrics/metrics_hub.hpp"

using namespace wharf::host;

TEST(Metrics, ExpositionOfEveryType) {
  MetricsHub hub;
  auto* c = hub.family(WHARF_METRIC_COUNTER, "test_requests_total", "Requests.", {"code"}, {});
  auto* g = hub.family(WHARF_METRIC_GAUGE, "test_in_flight", "In flight.", {}, {});
  auto* h =
      hub.family(WHARF_METRIC_HISTOGRAM, "test_latency_seconds", "Latency.", {"route"}, {0.1, 1});
  ASSERT_TRUE(c && g && h);
  MetricsHub::add(hub.metric(c, {"200"}), 3);
  MetricsHub::add(hub.metric(c, {"404"}), 1);
  MetricsHub::add(hub.metric(c, {"200"}), -5);  // counters never go down
  MetricsHub::set(hub.metric(g, {}), 7);
  MetricsHub::add(hub.metric(g, {}), -2);
  MetricsHub::observe(hub.metric(h, {"/x"}), 0.05);
  MetricsHub::observe(hub.metric(h, {"/x"}), 0.5);
  std::string text = hub.expose();
  EXPECT_NE(text.find("# TYPE test_requests_total counter"), std::string::npos);
  EXPECT_NE(text.find("test_requests_total{code=\"200\"} 3"), std::string::npos);
  EXPECT_NE(text.find("test_requests_total{code=\"404\"} 1"), std::string::npos);
  EXPECT_NE(text.find("test_in_flight 5"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_bucket{route=\"/x\",le=\"0.1\"} 1"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_bucket{route=\"/x\",le=\"1\"} 2"), std::string::npos);
  EXPECT_NE(text.find("test_latency_seconds_count{route=\"/x\"} 2"), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("process_open_fds "), std::string::npos);
  EXPECT_NE(text.find("process_start_time_seconds "), std::string::npos);
}

TEST(Metrics, SameNameSameFamilyOtherTypeRefused) {
  MetricsHub hub;
  auto* a = hub.family(WHARF_METRIC_COUNTER, "x_total", "X.", {"a"}, {});
  EXPECT_EQ(hub.family(WHARF_METRIC_COUNTER, "x_total", "X.", {"a"}, {}), a);
  EXPECT_EQ(hub.family(WHARF_METRIC_GAUGE, "x_total", "X.", {"a"}, {}), nullptr);
  EXPECT_EQ(hub.family(WHARF_METRIC_COUNTER, "x_total", "X.", {"b"}, {}), nullptr);
  EXPECT_EQ(hub.family(WHARF_METRIC_COUNTER, "bad name!", "X.", {}, {}), nullptr);
  EXPECT_EQ(hub.metric(a, {"1", "2"}), nullptr);  // wrong label count
  EXPECT_EQ(hub.metric(a, {"1"}), hub.metric(a, {"1"}));
}
