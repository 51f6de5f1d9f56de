#include "hub/monitor/monitor_rules.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/civil_date.h"
#include "base/string_view.h"

namespace hub {
namespace {

using hub::v1::Alert;
using hub::v1::AlertRule;
using hub::v1::MonitorConfig;
using hub::v1::MonitorSummary;

// Collects the text format parser's errors (line, column, message).
class ParseErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (text_.empty()) text_ = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

Alert MakeAlert(AlertRule rule, std::string_view plan_id, std::string_view provider_id,
                double value, double threshold, std::string message) {
  Alert alert;
  alert.set_rule(rule);
  alert.set_plan_id(std::string(plan_id));
  alert.set_provider_id(std::string(provider_id));
  alert.set_alert_id(absl::StrCat(AlertRuleName(rule), "/", Absl(plan_id), "/", Absl(provider_id)));
  alert.set_value(value);
  alert.set_threshold(threshold);
  alert.set_message(std::move(message));
  return alert;
}

std::string Percent(double fraction) { return absl::StrFormat("%.1f%%", fraction * 100); }

}  // namespace

MonitorConfig DefaultMonitorConfig() {
  MonitorConfig config;
  config.set_window_seconds(86400);
  config.set_backlog_age_alert_seconds(3600);
  config.set_backlog_count_alert(10000);
  config.set_submission_rejection_rate_alert(0.25);
  config.set_file_rejection_rate_alert(0.05);
  config.set_rejection_rate_min_count(20);
  config.set_outreach_sla_alert(1);
  config.set_rtf_due_day(10);
  config.set_evaluate_interval_seconds(15);
  config.set_min_evaluate_interval_ms(1000);
  config.set_care_refresh_seconds(60);
  config.set_top_rejection_reasons(10);
  config.set_series_buckets(24);
  config.set_parked_records_alert(1);
  return config;
}

absl::Status ValidateMonitorConfig(const MonitorConfig& c) {
  auto bad = [](std::string_view field, std::string_view rule) {
    return absl::InvalidArgumentError(absl::StrCat("monitor config: ", Absl(field), " ", Absl(rule),
                                                   "; fix it in --monitor_config"));
  };
  if (c.window_seconds() < 60 || c.window_seconds() > 31 * 86400) {
    return bad("window_seconds", "must be 60 to 2678400 (31 days)");
  }
  if (c.backlog_age_alert_seconds() < 0) return bad("backlog_age_alert_seconds", "must be >= 0");
  if (c.backlog_count_alert() < 0) return bad("backlog_count_alert", "must be >= 0");
  if (c.submission_rejection_rate_alert() < 0 || c.submission_rejection_rate_alert() > 1) {
    return bad("submission_rejection_rate_alert", "must be a fraction 0 to 1");
  }
  if (c.file_rejection_rate_alert() < 0 || c.file_rejection_rate_alert() > 1) {
    return bad("file_rejection_rate_alert", "must be a fraction 0 to 1");
  }
  if (c.rejection_rate_min_count() < 0) return bad("rejection_rate_min_count", "must be >= 0");
  if (c.outreach_sla_alert() < 0) return bad("outreach_sla_alert", "must be >= 0");
  if (c.rtf_due_day() < 0 || c.rtf_due_day() > 28) {
    return bad("rtf_due_day", "must be 0 (off) or a day 1 to 28");
  }
  if (c.evaluate_interval_seconds() < 1) return bad("evaluate_interval_seconds", "must be >= 1");
  if (c.min_evaluate_interval_ms() < 0) return bad("min_evaluate_interval_ms", "must be >= 0");
  if (c.care_refresh_seconds() < 0) return bad("care_refresh_seconds", "must be >= 0");
  if (c.top_rejection_reasons() < 1 || c.top_rejection_reasons() > 1000) {
    return bad("top_rejection_reasons", "must be 1 to 1000");
  }
  if (c.series_buckets() < 1 || c.series_buckets() > 1000) {
    return bad("series_buckets", "must be 1 to 1000");
  }
  return absl::OkStatus();
}

absl::StatusOr<MonitorConfig> LoadMonitorConfig(const std::string& path) {
  MonitorConfig config = DefaultMonitorConfig();
  if (path.empty()) return config;
  std::ifstream file(path);
  if (!file) {
    return absl::NotFoundError(
        absl::StrCat("cannot read the monitor config ", path, "; check --monitor_config"));
  }
  std::stringstream text;
  text << file.rdbuf();
  google::protobuf::TextFormat::Parser parser;
  ParseErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.MergeFromString(text.str(), &config)) {
    return absl::InvalidArgumentError(
        absl::StrCat("the monitor config ", path, " is not a hub.v1.MonitorConfig in text format (",
                     errors.text(), ")"));
  }
  if (absl::Status valid = ValidateMonitorConfig(config); !valid.ok()) return valid;
  return config;
}

hub::v1::LatencyPercentiles Percentiles(std::vector<double>& seconds) {
  hub::v1::LatencyPercentiles out;
  out.set_count(static_cast<int64_t>(seconds.size()));
  if (seconds.empty()) return out;
  std::sort(seconds.begin(), seconds.end());
  auto rank = [&](double p) {
    // Nearest rank: the smallest value with at least p of the values at or below it.
    size_t index = static_cast<size_t>(std::ceil(p * static_cast<double>(seconds.size())));
    index = std::clamp<size_t>(index, 1, seconds.size());
    return seconds[index - 1];
  };
  out.set_p50_seconds(rank(0.50));
  out.set_p90_seconds(rank(0.90));
  out.set_p99_seconds(rank(0.99));
  return out;
}

bool IsActiveAssignment(const hub::v1::Assignment& a, std::string_view today) {
  if (a.benefit_start_date().empty() || a.benefit_start_date() > today) return false;
  if (!a.benefit_end_date().empty() && a.benefit_end_date() < today) return false;
  switch (a.status()) {
    case hub::v1::ENROLLMENT_STATUS_DECLINED:
    case hub::v1::ENROLLMENT_STATUS_UNABLE_TO_REACH:
    case hub::v1::ENROLLMENT_STATUS_DISCONTINUED:
      return false;
    default:
      return true;
  }
}

bool IsActiveAuthorization(const hub::v1::Authorization& a, std::string_view today) {
  if (a.status() != hub::v1::AUTHORIZATION_STATUS_APPROVED) return false;
  if (a.start_date().empty() || a.start_date() > today) return false;
  if (!a.end_date().empty() && a.end_date() < today) return false;
  return a.referral_status() != hub::v1::REFERRAL_STATUS_CLOSED &&
         a.referral_status() != hub::v1::REFERRAL_STATUS_DECLINED;
}

std::optional<absl::Time> OutreachDueBy(const hub::v1::Authorization& a, const OutreachRule& rule) {
  return rule.DueBy(a);
}

std::optional<absl::Time> OutreachDueBy(const hub::v1::Authorization& a) {
  return OutreachDueBy(a, DefaultOutreachRule());
}

RtfDue CurrentRtfDue(absl::Time now, int due_day) {
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  const absl::CivilMonth this_month(today);
  const absl::CivilMonth previous = this_month - 1;
  RtfDue due;
  due.period = absl::StrFormat("%04d-%02d", previous.year(), previous.month());
  // End of day `due_day` = start of the next day.
  const absl::CivilDay due_end = absl::CivilDay(this_month) + due_day;
  due.due_time = absl::FromCivil(due_end, absl::UTCTimeZone());
  return due;
}

std::string AlertRuleName(hub::v1::AlertRule rule) {
  std::string name = hub::v1::AlertRule_Name(rule);
  constexpr std::string_view kPrefix = "ALERT_RULE_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  return name;
}

namespace {

// A plan's feed waiting too long or too deep (BACKLOG_AGE, BACKLOG_COUNT).
void BacklogAlerts(const MonitorSummary& summary, const MonitorConfig& config,
                   std::vector<Alert>& alerts) {
  for (const hub::v1::PlanBacklog& b : summary.backlogs()) {
    if (config.backlog_age_alert_seconds() > 0 &&
        b.oldest_unacked_age_seconds() > static_cast<double>(config.backlog_age_alert_seconds())) {
      alerts.push_back(MakeAlert(
          hub::v1::ALERT_RULE_BACKLOG_AGE, b.plan_id(), "", b.oldest_unacked_age_seconds(),
          static_cast<double>(config.backlog_age_alert_seconds()),
          absl::StrFormat("plan %s has not acknowledged a record for %.0f minutes (%d waiting; "
                          "threshold %d minutes): check the plan's feed puller",
                          b.plan_id(), b.oldest_unacked_age_seconds() / 60, b.unacked_count(),
                          config.backlog_age_alert_seconds() / 60)));
    }
    if (config.backlog_count_alert() > 0 && b.unacked_count() > config.backlog_count_alert()) {
      alerts.push_back(MakeAlert(
          hub::v1::ALERT_RULE_BACKLOG_COUNT, b.plan_id(), "",
          static_cast<double>(b.unacked_count()), static_cast<double>(config.backlog_count_alert()),
          absl::StrFormat("plan %s has %d unacknowledged records (threshold %d)", b.plan_id(),
                          b.unacked_count(), config.backlog_count_alert())));
    }
  }
}

// A provider whose submissions (accepted plus rejected) are rejected too often.
void SubmissionRejectionRateAlerts(const MonitorSummary& summary, const MonitorConfig& config,
                                   std::vector<Alert>& alerts) {
  std::map<std::string, std::pair<int64_t, int64_t>> by_provider;  // (total, rejected)
  for (const hub::v1::FlowGroup& g : summary.flows()) {
    auto& [total, rejected] = by_provider[g.provider_id()];
    total += g.count();
    if (g.status() == hub::v1::FLOW_STATUS_REJECTED_BY_HUB) rejected += g.count();
  }
  for (const auto& [provider, counts] : by_provider) {
    const auto [total, rejected] = counts;
    if (total == 0 || total < config.rejection_rate_min_count()) continue;
    const double rate = static_cast<double>(rejected) / static_cast<double>(total);
    if (rate > config.submission_rejection_rate_alert()) {
      alerts.push_back(MakeAlert(
          hub::v1::ALERT_RULE_SUBMISSION_REJECTION_RATE, "", provider, rate,
          config.submission_rejection_rate_alert(),
          absl::StrFormat("provider %s had %s of its %d submissions rejected (threshold %s): "
                          "see its rejection reasons",
                          provider, Percent(rate), total,
                          Percent(config.submission_rejection_rate_alert()))));
    }
  }
}

// A plan whose files' rows are rejected too often.
void FileRejectionRateAlerts(const MonitorSummary& summary, const MonitorConfig& config,
                             std::vector<Alert>& alerts) {
  std::map<std::string, std::pair<int64_t, int64_t>> by_plan;  // (rows read, rejected)
  for (const hub::v1::IngestFlow& f : summary.ingest()) {
    auto& [read, rejected] = by_plan[f.plan_id()];
    read += f.rows_read();
    rejected += f.rows_rejected();
  }
  for (const auto& [plan, counts] : by_plan) {
    const auto [read, rejected] = counts;
    if (read == 0 || read < config.rejection_rate_min_count()) continue;
    const double rate = static_cast<double>(rejected) / static_cast<double>(read);
    if (rate > config.file_rejection_rate_alert()) {
      alerts.push_back(MakeAlert(
          hub::v1::ALERT_RULE_FILE_REJECTION_RATE, plan, "", rate,
          config.file_rejection_rate_alert(),
          absl::StrFormat("plan %s's files had %s of %d rows rejected (threshold %s): see its "
                          "ingest reports",
                          plan, Percent(rate), read, Percent(config.file_rejection_rate_alert()))));
    }
  }
}

// A provider missing the 24-hour outreach deadline on too many referrals.
void OutreachSlaAlerts(const MonitorSummary& summary, const MonitorConfig& config,
                       std::vector<Alert>& alerts) {
  for (const hub::v1::OutreachSla& s : summary.outreach_sla()) {
    const int64_t breaches = s.late() + s.missing();
    if (breaches >= config.outreach_sla_alert()) {
      alerts.push_back(MakeAlert(
          hub::v1::ALERT_RULE_OUTREACH_SLA, s.plan_id(), s.provider_id(),
          static_cast<double>(breaches), static_cast<double>(config.outreach_sla_alert()),
          absl::StrFormat("provider %s missed the 24-hour outreach deadline on %d of %d %s "
                          "referrals (%d still without outreach)",
                          s.provider_id(), breaches, s.due(), s.plan_id(), s.missing())));
    }
  }
}

// A plan whose files claimed members another plan covers on the same dates.
void CoverageConflictAlerts(const MonitorSummary& summary, std::vector<Alert>& alerts) {
  std::map<std::string, int64_t> conflicts;  // By plan.
  for (const hub::v1::IngestFlow& f : summary.ingest())
    conflicts[f.plan_id()] += f.coverage_conflicts();
  for (const auto& [plan, count] : conflicts) {
    if (count == 0) continue;
    alerts.push_back(MakeAlert(
        hub::v1::ALERT_RULE_COVERAGE_CONFLICT, plan, "", static_cast<double>(count), 0,
        absl::StrFormat("plan %s's files claimed %d member(s) another plan covers on the same "
                        "dates; those rows were rejected and the members' records still route "
                        "to the covering plan: resolve it with both plans (ROW_COVERAGE_CONFLICT "
                        "rows of %s's ingest reports; hub_ingest_coverage_conflicts_total)",
                        plan, count, plan)));
  }
}

// A plan with too many parked records waiting.
void ParkedRecordsAlerts(const MonitorSummary& summary, const MonitorConfig& config,
                         std::vector<Alert>& alerts) {
  std::map<std::string, int64_t> parked;  // By plan.
  for (const hub::v1::ParkedCount& p : summary.parked()) parked[p.plan_id()] += p.count();
  for (const auto& [plan, count] : parked) {
    if (count < config.parked_records_alert()) continue;
    alerts.push_back(MakeAlert(
        hub::v1::ALERT_RULE_PARKED_RECORDS, plan, "", static_cast<double>(count),
        static_cast<double>(config.parked_records_alert()),
        absl::StrFormat("plan %s has %d parked record(s) waiting: the county administrator "
                        "reruns or discards them (`hubctl parked list --plan=%s`; "
                        "hub_parked_records)",
                        plan, count, plan)));
  }
}

// A provider that has not sent a plan its monthly RTF.
void OverdueRtfAlerts(const MonitorSummary& summary, std::vector<Alert>& alerts) {
  for (const hub::v1::OverdueRtf& r : summary.overdue_rtfs()) {
    alerts.push_back(MakeAlert(
        hub::v1::ALERT_RULE_RTF_OVERDUE, r.plan_id(), r.provider_id(), 1, 0,
        absl::StrFormat("provider %s has not sent plan %s its RTF for %s (%d members assigned)",
                        r.provider_id(), r.plan_id(), r.period(), r.assigned_members())));
  }
}

}  // namespace

std::vector<Alert> EvaluateAlerts(const MonitorSummary& summary, const MonitorConfig& config) {
  std::vector<Alert> alerts;
  // One evaluation per rule; a rule with a threshold only when it is set (> 0).
  BacklogAlerts(summary, config, alerts);
  if (config.submission_rejection_rate_alert() > 0)
    SubmissionRejectionRateAlerts(summary, config, alerts);
  if (config.file_rejection_rate_alert() > 0) FileRejectionRateAlerts(summary, config, alerts);
  if (config.outreach_sla_alert() > 0) OutreachSlaAlerts(summary, config, alerts);
  CoverageConflictAlerts(summary, alerts);
  if (config.parked_records_alert() > 0) ParkedRecordsAlerts(summary, config, alerts);
  OverdueRtfAlerts(summary, alerts);
  std::sort(alerts.begin(), alerts.end(),
            [](const Alert& a, const Alert& b) { return a.alert_id() < b.alert_id(); });
  return alerts;
}

}  // namespace hub
