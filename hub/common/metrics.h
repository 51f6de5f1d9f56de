// A small metrics registry rendered in the Prometheus text exposition
// format 0.0.4 (what hubd serves at /metrics).
//
// A family is a metric name with fixed label names; each distinct tuple of
// label values is one series. Counters only go up (Add); gauges are set
// (Set) and may be cleared as a whole (Clear) when the set of series
// changes, e.g. alerts that stopped firing. Collectors run before each
// render to set gauges from current state.
//
// Labels carry ids and codes only (plan_id, provider_id, record kind,
// status, reason code, RPC method): NEVER a member's data. Values are
// escaped as the format requires.
//
// Thread safety: every method may be called from any thread. Families live
// as long as the registry; the references returned stay valid.
#ifndef HUB_HUB_COMMON_METRICS_H_
#define HUB_HUB_COMMON_METRICS_H_

#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace hub {

class MetricFamily {
 public:
  enum class Type { kCounter, kGauge };

  MetricFamily(std::string name, std::string help, Type type, std::vector<std::string> label_names);

  MetricFamily(const MetricFamily&) = delete;
  MetricFamily& operator=(const MetricFamily&) = delete;

  // Adds `delta` (>= 0 for counters) to the series with these label values
  // (one per label name, in order; missing values are "").
  void Add(std::initializer_list<std::string_view> label_values, double delta = 1);
  void Add(const std::vector<std::string>& label_values, double delta);
  // Sets the series (gauges).
  void Set(std::initializer_list<std::string_view> label_values, double value);
  void Set(const std::vector<std::string>& label_values, double value);
  // Drops every series.
  void Clear();
  // The series' value; 0 if absent.
  double Value(std::initializer_list<std::string_view> label_values) const;

  const std::string& name() const { return name_; }
  // Appends the family's # HELP, # TYPE and sample lines.
  void Render(std::string* out) const;

 private:
  std::vector<std::string> Key(std::initializer_list<std::string_view> values) const;

  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> label_names_;
  mutable absl::Mutex mu_;
  std::map<std::vector<std::string>, double> series_ ABSL_GUARDED_BY(mu_);
};

class MetricsRegistry {
 public:
  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Returns the family `name`, creating it. Asking again with the same name
  // returns the same family (type, help and labels of the first call).
  MetricFamily& Counter(std::string_view name, std::string_view help,
                        std::vector<std::string> label_names);
  MetricFamily& Gauge(std::string_view name, std::string_view help,
                      std::vector<std::string> label_names);

  // Runs `collector` before each RenderText (in registration order) until
  // RemoveCollector(returned id).
  int AddCollector(std::function<void()> collector);
  // Returns once the collector is no longer registered (it may still be
  // running on a thread in RenderText: render only while its owner lives).
  void RemoveCollector(int id);

  // Every family, by name, in the text format (Content-Type
  // kPrometheusContentType).
  std::string RenderText();

 private:
  MetricFamily& Family(std::string_view name, std::string_view help, MetricFamily::Type type,
                       std::vector<std::string> label_names);

  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<MetricFamily>, std::less<>> families_ ABSL_GUARDED_BY(mu_);
  std::map<int, std::function<void()>> collectors_ ABSL_GUARDED_BY(mu_);
  int next_collector_id_ ABSL_GUARDED_BY(mu_) = 1;
};

inline constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// A label value escaped for the text format: \ -> \\, " -> \", newline -> \n.
std::string EscapeLabelValue(std::string_view value);

// A sample value as the text format writes it: integers without a decimal
// point, "+Inf", "-Inf", "NaN".
std::string FormatSampleValue(double value);

}  // namespace hub

#endif  // HUB_HUB_COMMON_METRICS_H_
