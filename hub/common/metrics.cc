#include "hub/common/metrics.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"

namespace hub {

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatSampleValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  return buffer;
}

MetricFamily::MetricFamily(std::string name, std::string help, Type type,
                           std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)) {}

std::vector<std::string> MetricFamily::Key(std::initializer_list<std::string_view> values) const {
  std::vector<std::string> key;
  key.reserve(label_names_.size());
  for (std::string_view v : values) {
    if (key.size() == label_names_.size()) break;
    key.emplace_back(v);
  }
  key.resize(label_names_.size());
  return key;
}

void MetricFamily::Add(std::initializer_list<std::string_view> label_values, double delta) {
  Add(Key(label_values), delta);
}

void MetricFamily::Add(const std::vector<std::string>& label_values, double delta) {
  if (type_ == Type::kCounter && !(delta >= 0)) return;  // Counters never go down.
  std::vector<std::string> key = label_values;
  key.resize(label_names_.size());
  absl::MutexLock lock(&mu_);
  series_[std::move(key)] += delta;
}

void MetricFamily::Set(std::initializer_list<std::string_view> label_values, double value) {
  Set(Key(label_values), value);
}

void MetricFamily::Set(const std::vector<std::string>& label_values, double value) {
  std::vector<std::string> key = label_values;
  key.resize(label_names_.size());
  absl::MutexLock lock(&mu_);
  series_[std::move(key)] = value;
}

void MetricFamily::Clear() {
  absl::MutexLock lock(&mu_);
  series_.clear();
}

double MetricFamily::Value(std::initializer_list<std::string_view> label_values) const {
  const std::vector<std::string> key = Key(label_values);
  absl::MutexLock lock(&mu_);
  auto it = series_.find(key);
  return it == series_.end() ? 0 : it->second;
}

void MetricFamily::Render(std::string* out) const {
  // HELP text escapes only backslash and newline.
  std::string help;
  for (char c : help_) {
    if (c == '\\') {
      help += "\\\\";
    } else if (c == '\n') {
      help += "\\n";
    } else {
      help += c;
    }
  }
  absl::StrAppend(out, "# HELP ", name_, " ", help, "\n# TYPE ", name_, " ",
                  type_ == Type::kCounter ? "counter" : "gauge", "\n");
  absl::MutexLock lock(&mu_);
  for (const auto& [labels, value] : series_) {
    out->append(name_);
    if (!label_names_.empty()) {
      out->push_back('{');
      for (size_t i = 0; i < label_names_.size(); ++i) {
        if (i > 0) out->push_back(',');
        absl::StrAppend(out, label_names_[i], "=\"", EscapeLabelValue(labels[i]), "\"");
      }
      out->push_back('}');
    }
    absl::StrAppend(out, " ", FormatSampleValue(value), "\n");
  }
}

MetricFamily& MetricsRegistry::Family(std::string_view name, std::string_view help,
                                      MetricFamily::Type type,
                                      std::vector<std::string> label_names) {
  absl::MutexLock lock(&mu_);
  auto it = families_.find(name);
  if (it != families_.end()) return *it->second;
  auto family = std::make_unique<MetricFamily>(std::string(name), std::string(help), type,
                                               std::move(label_names));
  MetricFamily& ref = *family;
  families_.emplace(std::string(name), std::move(family));
  return ref;
}

MetricFamily& MetricsRegistry::Counter(std::string_view name, std::string_view help,
                                       std::vector<std::string> label_names) {
  return Family(name, help, MetricFamily::Type::kCounter, std::move(label_names));
}

MetricFamily& MetricsRegistry::Gauge(std::string_view name, std::string_view help,
                                     std::vector<std::string> label_names) {
  return Family(name, help, MetricFamily::Type::kGauge, std::move(label_names));
}

int MetricsRegistry::AddCollector(std::function<void()> collector) {
  absl::MutexLock lock(&mu_);
  const int id = next_collector_id_++;
  collectors_.emplace(id, std::move(collector));
  return id;
}

void MetricsRegistry::RemoveCollector(int id) {
  absl::MutexLock lock(&mu_);
  collectors_.erase(id);
}

std::string MetricsRegistry::RenderText() {
  std::vector<std::function<void()>> collectors;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, collect] : collectors_) collectors.push_back(collect);
  }
  for (const auto& collect : collectors) collect();
  std::vector<const MetricFamily*> families;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, family] : families_) families.push_back(family.get());
  }
  std::string out;
  for (const MetricFamily* family : families) family->Render(&out);
  return out;
}

}  // namespace hub
