#include "hub/monitor/monitor.h"

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "hub/common/log.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/monitor/monitor_util.h"

// The monitor's life: its metrics, the background loop, watchers and
// Evaluate (alerts). Summarize is in monitor_summary.cc, the care scan in
// monitor_care.cc, the gauges in monitor_gauges.cc.
namespace hub {
namespace {

using hub::v1::MonitorSummary;
using monitor_internal::AllPlans;

// Alert events kept for ListAlertEvents.
constexpr size_t kMaxAlertEvents = 1000;

}  // namespace

Monitor::Monitor(storage::Store* store, storage::DirectoryStore* directory,
                 storage::FeedStore* feed, MetricsRegistry* metrics, MonitorOptions options)
    : store_(store),
      directory_(directory),
      feed_(feed),
      metrics_(metrics),
      options_(std::move(options)),
      monitor_store_(store),
      ingest_store_(store),
      consents_(store),
      feed_appended_(metrics->Counter(
          "hub_feed_appended_records_total",
          "Records appended to the plan's feed since it began (its head sequence).", {"plan"})),
      feed_acked_(metrics->Counter("hub_feed_acked_records_total",
                                   "Records of the plan's feed it has acknowledged (its cursor).",
                                   {"plan"})),
      feed_backlog_(metrics->Gauge("hub_feed_backlog_records",
                                   "Records in the plan's feed not yet acknowledged.", {"plan"})),
      feed_oldest_age_(metrics->Gauge(
          "hub_feed_oldest_unacked_age_seconds",
          "Age of the plan's oldest unacknowledged record (0 when none waits).", {"plan"})),
      part2_held_(metrics->Gauge(
          "hub_part2_held_records",
          "42 CFR Part 2 records withheld from the plan's feed for want of the member's consent.",
          {"plan"})),
      ack_latency_(metrics->Gauge(
          "hub_feed_ack_latency_seconds",
          "Receipt -> plan ack latency of the records received in the monitor window, by plan "
          "and quantile (0.5, 0.9, 0.99; nearest rank).",
          {"plan", "quantile"})),
      window_records_(metrics->Gauge(
          "hub_window_records",
          "Provider records received in the monitor window by plan, provider, kind and status "
          "(rejected_by_hub, delivered_pending, accepted_by_plan, rejected_by_plan).",
          {"plan", "provider", "kind", "status"})),
      window_rejections_(metrics->Gauge(
          "hub_window_rejections",
          "Most frequent rejection reasons in the monitor window, by source (submission, "
          "plan_feed, plan_file) and reason code.",
          {"source", "reason"})),
      ingest_files_(metrics->Counter("hub_ingest_files_total",
                                     "Plan files ingested, by plan, file kind and outcome.",
                                     {"plan", "file_kind", "outcome"})),
      ingest_rows_(metrics->Counter(
          "hub_ingest_rows_total",
          "Data rows of plan files, by plan, file kind and outcome (accepted, rejected).",
          {"plan", "file_kind", "outcome"})),
      outreach_sla_(metrics->Gauge(
          "hub_outreach_sla_referrals",
          "Community Supports referrals whose 24-hour outreach deadline fell in the monitor "
          "window, by plan, provider and outcome (met, late, missing, pending).",
          {"plan", "provider", "outcome"})),
      rtf_overdue_(metrics->Gauge("hub_rtf_overdue",
                                  "1 for each provider's overdue monthly RTF to a plan.",
                                  {"plan", "provider", "period"})),
      capacity_assigned_(metrics->Gauge(
          "hub_capacity_assigned_members",
          "Members a provider serves now for a plan, by service (ecm or the Community Support).",
          {"plan", "provider", "service"})),
      capacity_agreed_(metrics->Gauge(
          "hub_capacity_agreed_members",
          "Members the provider's contract with the plan agrees to serve at one time (0 = not "
          "set), by service.",
          {"plan", "provider", "service"})),
      alerts_firing_(metrics->Gauge("hub_alerts_firing", "1 for each alert firing now.",
                                    {"rule", "plan", "provider"})),
      claim_lines_(metrics->Gauge(
          "hub_claim_lines",
          "Billed claim lines by plan, provider and the plan's latest decision (accepted, "
          "rejected, paid, denied; 277CA and 835), all time.",
          {"plan", "provider", "decision"})),
      claim_paid_cents_(metrics->Gauge("hub_claim_paid_cents",
                                       "What the plans' 835s paid, in cents, by plan and provider.",
                                       {"plan", "provider"})),
      claim_denials_(metrics->Gauge(
          "hub_claim_denials",
          "Rejected and denied claim lines by plan and reason code (CARC, RARC, 277CA, CLP02).",
          {"plan", "reason"})),
      claim_days_to_payment_(metrics->Gauge(
          "hub_claim_days_to_payment",
          "Days from service to the 835's payment of the paid claim lines, by plan and quantile "
          "(0.5, 0.9; nearest rank).",
          {"plan", "quantile"})),
      alert_events_(metrics->Counter("hub_alert_events_total",
                                     "Alert state changes, by rule and state (firing, resolved).",
                                     {"rule", "state"})),
      evaluations_total_(metrics->Counter("hub_monitor_evaluations_total",
                                          "Monitor evaluations (alerts and gauges refreshed).",
                                          {})),
      evaluation_seconds_(metrics->Gauge("hub_monitor_evaluation_seconds",
                                         "Duration of the last monitor evaluation.", {})) {
  collector_id_ = metrics_->AddCollector([this] { CollectFeedGauges(); });
  if (options_.background) {
    {
      absl::MutexLock lock(&loop_mu_);
      poked_ = true;  // A first evaluation at once.
    }
    thread_ = std::thread([this] { BackgroundLoop(); });
  }
}

Monitor::~Monitor() {
  {
    absl::MutexLock lock(&loop_mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  metrics_->RemoveCollector(collector_id_);
}

int64_t Monitor::evaluations() const {
  absl::MutexLock lock(&state_mu_);
  return evaluations_;
}

std::shared_ptr<const MonitorSummary> Monitor::Latest() const {
  absl::MutexLock lock(&state_mu_);
  return latest_;
}

void Monitor::Poke() {
  absl::MutexLock lock(&loop_mu_);
  poked_ = true;
}

void Monitor::BackgroundLoop() {
  absl::Time last = absl::InfinitePast();
  const absl::Duration interval = absl::Seconds(options_.config.evaluate_interval_seconds());
  const absl::Duration min_gap = absl::Milliseconds(options_.config.min_evaluate_interval_ms());
  while (true) {
    {
      absl::MutexLock lock(&loop_mu_);
      loop_mu_.AwaitWithTimeout(absl::Condition(
                                    +[](Monitor* m) ABSL_EXCLUSIVE_LOCKS_REQUIRED(m->loop_mu_) {
                                      return m->poked_ || m->stopping_;
                                    },
                                    this),
                                interval);
      if (stopping_) return;
      // Scheduling runs on real time, whatever clock the numbers use.
      const absl::Duration since = absl::Now() - last;
      if (since < min_gap) {
        loop_mu_.AwaitWithTimeout(absl::Condition(&stopping_), min_gap - since);
        if (stopping_) return;
      }
      poked_ = false;
    }
    last = absl::Now();
    absl::StatusOr<MonitorSummary> evaluated = Evaluate();
    if (!evaluated.ok()) {
      log::Error("monitor_evaluation_failed",
                 {{"code", absl::StatusCodeToString(evaluated.status().code())},
                  {"cause", std::string(evaluated.status().message())}});
    }
  }
}

uint64_t Monitor::Watch(Watcher watcher) {
  uint64_t id = 0;
  {
    absl::MutexLock lock(&watch_mu_);
    id = next_watch_id_++;
    watchers_.emplace(id, std::move(watcher));
  }
  Poke();
  return id;
}

void Monitor::Unwatch(uint64_t id) {
  absl::MutexLock lock(&watch_mu_);
  watchers_.erase(id);
  if (running_watch_id_ == id && running_thread_ == std::this_thread::get_id()) return;
  std::pair<Monitor*, uint64_t> arg(this, id);
  watch_mu_.Await(absl::Condition(
      +[](std::pair<Monitor*, uint64_t>* a)
           ABSL_NO_THREAD_SAFETY_ANALYSIS { return a->first->running_watch_id_ != a->second; },
      &arg));
}

std::vector<hub::v1::AlertEvent> Monitor::AlertEvents(uint64_t before_id, int limit) const {
  std::vector<hub::v1::AlertEvent> out;
  absl::MutexLock lock(&state_mu_);
  for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
    if (static_cast<int>(out.size()) >= limit) break;
    if (before_id != 0 && it->event_id() >= before_id) continue;
    out.push_back(*it);
  }
  return out;
}

// --------------------------------------------------------------- evaluate

absl::StatusOr<MonitorSummary> Monitor::Evaluate() {
  absl::MutexLock eval_lock(&eval_mu_);
  const absl::Time started = absl::Now();
  ASSIGN_OR_RETURN(const std::vector<hub::v1::Plan> plans, AllPlans(*directory_));
  std::vector<std::string> plan_ids;
  for (const hub::v1::Plan& p : plans) plan_ids.push_back(p.plan_id());
  ASSIGN_OR_RETURN(const bool new_files, TallyNewReports(plan_ids));
  if (new_files) {
    absl::MutexLock lock(&care_mu_);
    care_stale_ = true;  // New assignments or authorizations.
  }
  ASSIGN_OR_RETURN(MonitorSummary summary, Summarize(absl::ZeroDuration(), std::nullopt));
  const absl::Time now = FromTimestamp(summary.compute_time());

  std::shared_ptr<const MonitorSummary> latest = UpdateAlerts(now, summary);
  UpdateGauges(summary);
  evaluations_total_.Add({}, 1);
  evaluation_seconds_.Set({}, absl::ToDoubleSeconds(absl::Now() - started));

  NotifyWatchers(latest);
  return summary;
}

std::shared_ptr<const MonitorSummary> Monitor::UpdateAlerts(absl::Time now,
                                                            MonitorSummary& summary) {
  std::vector<hub::v1::Alert> alerts = EvaluateAlerts(summary, options_.config);
  std::shared_ptr<const MonitorSummary> latest;
  {
    absl::MutexLock lock(&state_mu_);
    std::map<std::string, hub::v1::Alert> firing;
    auto add_event = [&](hub::v1::AlertState state, const hub::v1::Alert& alert) {
      hub::v1::AlertEvent& e = events_.emplace_back();
      e.set_event_id(next_event_id_++);
      e.set_state(state);
      *e.mutable_alert() = alert;
      *e.mutable_event_time() = ToTimestamp(now);
      if (events_.size() > kMaxAlertEvents) events_.pop_front();
      alert_events_.Add({AlertRuleName(alert.rule()),
                         state == hub::v1::ALERT_STATE_FIRING ? "firing" : "resolved"});
    };
    for (hub::v1::Alert& alert : alerts) {
      auto was = firing_.find(alert.alert_id());
      if (was != firing_.end()) {
        *alert.mutable_since() = was->second.since();
      } else {
        *alert.mutable_since() = ToTimestamp(now);
        add_event(hub::v1::ALERT_STATE_FIRING, alert);
        log::Warning("monitor_alert_firing",
                     {{"alert_id", alert.alert_id()},
                      {"rule", AlertRuleName(alert.rule())},
                      {"plan_id", alert.plan_id()},
                      {"provider_id", alert.provider_id()},
                      {"value", absl::StrFormat("%g", alert.value())},
                      {"threshold", absl::StrFormat("%g", alert.threshold())},
                      {"message", alert.message()}});
      }
      firing.emplace(alert.alert_id(), std::move(alert));
    }
    for (const auto& [id, alert] : firing_) {
      if (firing.contains(id)) continue;
      add_event(hub::v1::ALERT_STATE_RESOLVED, alert);
      log::Info("monitor_alert_resolved", {{"alert_id", id},
                                           {"rule", AlertRuleName(alert.rule())},
                                           {"plan_id", alert.plan_id()},
                                           {"provider_id", alert.provider_id()}});
    }
    firing_ = std::move(firing);
    summary.clear_alerts();
    for (const auto& [id, alert] : firing_) *summary.add_alerts() = alert;
    latest = std::make_shared<const MonitorSummary>(summary);
    latest_ = latest;
    ++evaluations_;
  }
  return latest;
}

void Monitor::NotifyWatchers(const std::shared_ptr<const MonitorSummary>& latest) {
  // Watchers, one at a time; Unwatch waits for a running one.
  std::vector<uint64_t> ids;
  {
    absl::MutexLock lock(&watch_mu_);
    for (const auto& [id, w] : watchers_) ids.push_back(id);
  }
  for (uint64_t id : ids) {
    Watcher watcher;
    {
      absl::MutexLock lock(&watch_mu_);
      auto it = watchers_.find(id);
      if (it == watchers_.end()) continue;
      watcher = it->second;
      running_watch_id_ = id;
      running_thread_ = std::this_thread::get_id();
    }
    watcher(latest);
    absl::MutexLock lock(&watch_mu_);
    running_watch_id_ = 0;
  }
}

}  // namespace hub
