#include "hub/monitor/monitor.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/monitor/monitor_rules.h"

namespace hub {
namespace {

using hub::v1::MonitorSummary;

// Records one summary reads at most (flows_truncated beyond).
constexpr int64_t kMaxFlowRecords = 5'000'000;
// Alert events kept for ListAlertEvents.
constexpr size_t kMaxAlertEvents = 1000;
// Ingest reports whose row error reasons stay cached.
constexpr size_t kMaxCachedReports = 4096;
// Referrals older than this (by deadline) are left out of the care scan:
// no window reaches them.
constexpr absl::Duration kReferralLookback = absl::Hours(24 * 62);
constexpr absl::Duration kMinWindow = absl::Seconds(60);
constexpr absl::Duration kMaxWindow = absl::Hours(24 * 31);

void SetTime(absl::Time t, google::protobuf::Timestamp* ts) {
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    rest += 1000000;
    --seconds;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rest * 1000));
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

absl::StatusOr<std::vector<hub::v1::Plan>> AllPlans(const storage::DirectoryStore& directory) {
  std::vector<hub::v1::Plan> all;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<hub::v1::Plan> page, directory.ListPlans(after, 1000));
    for (auto& p : page) all.push_back(std::move(p));
    if (page.size() < 1000) return all;
    after = all.back().plan_id();
  }
}

absl::StatusOr<std::vector<hub::v1::Provider>> AllProviders(
    const storage::DirectoryStore& directory) {
  std::vector<hub::v1::Provider> all;
  std::string after;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<hub::v1::Provider> page, directory.ListProviders(after, 1000));
    for (auto& p : page) all.push_back(std::move(p));
    if (page.size() < 1000) return all;
    after = all.back().provider_id();
  }
}

bool HasKind(const google::protobuf::RepeatedField<int>& kinds, hub::v1::ProviderKind kind) {
  return std::find(kinds.begin(), kinds.end(), static_cast<int>(kind)) != kinds.end();
}

std::string KindLabel(int kind) {
  return EnumLabel(hub::v1::RecordKind_Name(static_cast<hub::v1::RecordKind>(kind)),
                   "RECORD_KIND_");
}

std::string ServiceLabel(const hub::v1::CapacityRow& row) {
  if (row.kind() == hub::v1::PROVIDER_KIND_ECM) return "ecm";
  return EnumLabel(hub::v1::CommunitySupport_Name(row.community_support()), "COMMUNITY_SUPPORT_");
}

}  // namespace

struct Monitor::Referral {
  std::string plan_id;
  std::string provider_id;
  std::string authorization_number;
  absl::Time due;
};

struct Monitor::CareSnapshot {
  absl::Time scan_time;
  std::string today;
  // (provider, plan) -> active ECM assignments.
  std::map<std::pair<std::string, std::string>, int64_t> ecm_active;
  // (provider, plan, community support) -> active authorizations.
  std::map<std::tuple<std::string, std::string, int>, int64_t> cs_active;
  // Referrals with a deadline in the last kReferralLookback or ahead.
  std::vector<Referral> referrals;
};

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

// ------------------------------------------------------------------- care

absl::Status Monitor::RefreshCare(absl::Time now, bool force) {
  const std::string today = absl::FormatTime("%Y-%m-%d", now, absl::UTCTimeZone());
  const bool stale =
      force || care_ == nullptr || care_stale_ || care_->today != today || now < care_->scan_time ||
      now - care_->scan_time >= absl::Seconds(options_.config.care_refresh_seconds());
  if (!stale) return absl::OkStatus();
  auto snapshot = std::make_unique<CareSnapshot>();
  snapshot->scan_time = now;
  snapshot->today = today;
  RETURN_IF_ERROR(monitor_store_.ScanAssignments([&](const hub::v1::Assignment& a) {
    if (IsActiveAssignment(a, today)) ++snapshot->ecm_active[{a.provider_id(), a.plan_id()}];
    return absl::OkStatus();
  }));
  RETURN_IF_ERROR(monitor_store_.ScanAuthorizations([&](const hub::v1::Authorization& a) {
    if (IsActiveAuthorization(a, today)) {
      ++snapshot
            ->cs_active[{a.provider_id(), a.plan_id(), static_cast<int>(a.community_support())}];
    }
    const std::optional<absl::Time> due = OutreachDueBy(a, options_.outreach_rule);
    if (due.has_value() && *due >= now - kReferralLookback) {
      snapshot->referrals.push_back(
          Referral{a.plan_id(), a.provider_id(), a.authorization_number(), *due});
    }
    return absl::OkStatus();
  }));
  care_ = std::move(snapshot);
  care_stale_ = false;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> Monitor::RowErrorReasons(
    const std::string& report_id) {
  {
    absl::MutexLock lock(&reasons_mu_);
    auto it = reasons_.find(report_id);
    if (it != reasons_.end()) return it->second;
  }
  std::map<std::string, int64_t> counts;
  std::string cursor;
  do {
    ASSIGN_OR_RETURN(storage::IngestStore::RowErrorPage page,
                     ingest_store_.ListRowErrors(report_id, cursor, 10000));
    for (const hub::v1::RowError& e : page.errors) ++counts[e.reason_code()];
    cursor = std::move(page.next_cursor);
  } while (!cursor.empty());
  std::vector<std::pair<std::string, int64_t>> reasons(counts.begin(), counts.end());
  absl::MutexLock lock(&reasons_mu_);
  if (reasons_.size() >= kMaxCachedReports) reasons_.clear();
  reasons_.emplace(report_id, reasons);
  return reasons;
}

absl::StatusOr<bool> Monitor::TallyNewReports(const std::vector<std::string>& plan_ids) {
  bool any = false;
  for (const std::string& plan_id : plan_ids) {
    const auto known = tallied_newest_.find(plan_id);
    std::string newest;
    std::string cursor;
    bool done = false;
    while (!done) {
      ASSIGN_OR_RETURN(storage::IngestStore::ReportPage page,
                       ingest_store_.ListReports(plan_id, cursor, 100));
      for (const hub::v1::IngestReport& r : page.reports) {
        if (known != tallied_newest_.end() && r.report_id() == known->second) {
          done = true;
          break;
        }
        if (newest.empty()) newest = r.report_id();
        any = true;
        const std::string kind = EnumLabel(hub::v1::FileKind_Name(r.file_kind()), "FILE_KIND_");
        ingest_files_.Add({plan_id, kind,
                           EnumLabel(hub::v1::IngestOutcome_Name(r.outcome()), "INGEST_OUTCOME_")});
        ingest_rows_.Add({plan_id, kind, "accepted"}, static_cast<double>(r.rows_accepted()));
        ingest_rows_.Add({plan_id, kind, "rejected"}, static_cast<double>(r.rows_rejected()));
      }
      cursor = std::move(page.next_cursor);
      if (cursor.empty()) done = true;
    }
    if (!newest.empty()) tallied_newest_[plan_id] = newest;
  }
  return any;
}

// -------------------------------------------------------------- summarize

absl::StatusOr<MonitorSummary> Monitor::Summarize(absl::Duration window,
                                                  std::optional<absl::Time> end) {
  if (window == absl::ZeroDuration()) window = absl::Seconds(options_.config.window_seconds());
  if (window < kMinWindow || window > kMaxWindow) {
    return absl::InvalidArgumentError(
        "window_seconds must be 60 to 2678400 (31 days), or 0 for the hub's configured window");
  }
  const absl::Time now = options_.clock();
  const absl::Time end_time = end.value_or(now);
  const absl::Time start_time = end_time - window;
  const bool live = end_time >= now;
  const int64_t start_us = absl::ToUnixMicros(start_time);
  // The window includes its end: a record accepted at this very instant
  // counts.
  const int64_t end_us = absl::ToUnixMicros(end_time) + 1;

  MonitorSummary summary;
  SetTime(start_time, summary.mutable_window_start());
  SetTime(end_time, summary.mutable_window_end());
  SetTime(now, summary.mutable_compute_time());

  ASSIGN_OR_RETURN(const std::vector<hub::v1::Plan> plans, AllPlans(*directory_));
  ASSIGN_OR_RETURN(const std::vector<hub::v1::Provider> providers, AllProviders(*directory_));

  // Series buckets.
  const int buckets = options_.config.series_buckets();
  const int64_t window_seconds = absl::ToInt64Seconds(window);
  const int64_t bucket_seconds = (window_seconds + buckets - 1) / buckets;
  const int64_t bucket_us = bucket_seconds * 1000000;
  auto bucket_of = [&](int64_t micros) {
    return static_cast<size_t>(
        std::clamp<int64_t>((micros - start_us) / bucket_us, 0, buckets - 1));
  };
  std::map<std::string, std::vector<int64_t>> plan_series;
  for (const hub::v1::Plan& plan : plans) {
    plan_series[plan.plan_id()].assign(static_cast<size_t>(buckets), 0);
  }
  std::vector<int64_t> rejected_series(static_cast<size_t>(buckets), 0);

  // ---- Flows.
  struct GroupTally {
    int64_t count = 0;
    std::vector<double> latencies;
  };
  using GroupKey = std::tuple<std::string, std::string, int, int, std::string>;
  std::map<GroupKey, GroupTally> groups;
  std::map<std::string, std::vector<double>> plan_latencies;
  std::vector<double> all_latencies;
  std::map<std::pair<int, std::string>, int64_t> reasons;
  hub::v1::FlowTotals& totals = *summary.mutable_totals();
  int64_t budget = kMaxFlowRecords;
  for (const hub::v1::Provider& provider : providers) {
    bool complete = true;
    RETURN_IF_ERROR(monitor_store_.ScanProviderFlows(
        provider.provider_id(), start_us, end_us, budget,
        [&](const storage::FlowRecord& r) {
          --budget;
          hub::v1::FlowStatus status = hub::v1::FLOW_STATUS_DELIVERED_PENDING;
          if (r.ack_micros.has_value()) {
            status = r.plan_rejection_code.empty() ? hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN
                                                   : hub::v1::FLOW_STATUS_REJECTED_BY_PLAN;
          }
          GroupTally& g = groups[{r.plan_id, r.provider_id, r.kind, static_cast<int>(status),
                                  r.plan_rejection_code}];
          ++g.count;
          totals.set_accepted(totals.accepted() + 1);
          switch (status) {
            case hub::v1::FLOW_STATUS_DELIVERED_PENDING:
              totals.set_delivered_pending(totals.delivered_pending() + 1);
              break;
            case hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN:
              totals.set_accepted_by_plan(totals.accepted_by_plan() + 1);
              break;
            default:
              totals.set_rejected_by_plan(totals.rejected_by_plan() + 1);
              ++reasons[{hub::v1::REJECTION_SOURCE_PLAN_FEED, r.plan_rejection_code}];
          }
          if (r.ack_micros.has_value()) {
            const double seconds =
                static_cast<double>(std::max<int64_t>(*r.ack_micros - r.accept_micros, 0)) / 1e6;
            g.latencies.push_back(seconds);
            plan_latencies[r.plan_id].push_back(seconds);
            all_latencies.push_back(seconds);
          }
          auto series = plan_series.find(r.plan_id);
          if (series == plan_series.end()) {
            series = plan_series.emplace(r.plan_id, std::vector<int64_t>(buckets, 0)).first;
          }
          ++series->second[bucket_of(r.accept_micros)];
        },
        &complete));
    if (!complete || budget <= 0) {
      summary.set_flows_truncated(true);
      break;
    }
  }
  if (summary.flows_truncated()) {
    log::Warning("monitor_flows_truncated",
                 {{"max_records", kMaxFlowRecords}, {"window_seconds", window_seconds}});
  }
  RETURN_IF_ERROR(
      monitor_store_.ScanRejections(start_us, end_us, [&](const storage::RejectionEntry& e) {
        ++groups[{"", e.provider_id, e.kind, static_cast<int>(hub::v1::FLOW_STATUS_REJECTED_BY_HUB),
                  e.reason_code}]
              .count;
        totals.set_rejected_by_hub(totals.rejected_by_hub() + 1);
        ++rejected_series[bucket_of(e.micros)];
        ++reasons[{hub::v1::REJECTION_SOURCE_SUBMISSION, e.reason_code}];
      }));
  for (auto& [key, tally] : groups) {
    hub::v1::FlowGroup& g = *summary.add_flows();
    g.set_plan_id(std::get<0>(key));
    g.set_provider_id(std::get<1>(key));
    g.set_kind(static_cast<hub::v1::RecordKind>(std::get<2>(key)));
    g.set_status(static_cast<hub::v1::FlowStatus>(std::get<3>(key)));
    g.set_reason_code(std::get<4>(key));
    g.set_count(tally.count);
    if (!tally.latencies.empty()) *g.mutable_ack_latency() = Percentiles(tally.latencies);
  }
  *totals.mutable_ack_latency() = Percentiles(all_latencies);

  hub::v1::FlowSeries& series = *summary.mutable_series();
  SetTime(start_time, series.mutable_start_time());
  series.set_bucket_seconds(bucket_seconds);
  for (auto& [plan_id, counts] : plan_series) {
    hub::v1::PlanSeries& p = *series.add_plans();
    p.set_plan_id(plan_id);
    p.mutable_accepted()->Add(counts.begin(), counts.end());
  }
  series.mutable_rejected_by_hub()->Add(rejected_series.begin(), rejected_series.end());

  // ---- Backlogs, now.
  for (const hub::v1::Plan& plan : plans) {
    hub::v1::PlanBacklog& b = *summary.add_backlogs();
    b.set_plan_id(plan.plan_id());
    ASSIGN_OR_RETURN(const uint64_t head, feed_->Head(plan.plan_id()));
    ASSIGN_OR_RETURN(const uint64_t cursor, feed_->Cursor(plan.plan_id()));
    b.set_head_sequence(head);
    b.set_cursor(cursor);
    b.set_unacked_count(head > cursor ? static_cast<int64_t>(head - cursor) : 0);
    ASSIGN_OR_RETURN(const int64_t held, consents_.CountHeld(plan.plan_id()));
    b.set_part2_held_count(held);
    if (head > cursor) {
      ASSIGN_OR_RETURN(const std::vector<hub::v1::FeedItem> oldest,
                       feed_->ReadItems(plan.plan_id(), cursor, 1));
      if (!oldest.empty()) {
        *b.mutable_oldest_unacked_accept_time() = oldest.front().accept_time();
        b.set_oldest_unacked_age_seconds(std::max(
            0.0, absl::ToDoubleSeconds(now - FromTimestamp(oldest.front().accept_time()))));
      }
    }
    auto latencies = plan_latencies.find(plan.plan_id());
    if (latencies != plan_latencies.end()) {
      *b.mutable_ack_latency() = Percentiles(latencies->second);
    }
  }

  // ---- Plan files completed in the window.
  std::map<std::pair<std::string, int>, hub::v1::IngestFlow> ingest;
  for (const hub::v1::Plan& plan : plans) {
    std::string cursor;
    bool done = false;
    while (!done) {
      ASSIGN_OR_RETURN(storage::IngestStore::ReportPage page,
                       ingest_store_.ListReports(plan.plan_id(), cursor, 100));
      for (const hub::v1::IngestReport& r : page.reports) {
        const absl::Time completed = FromTimestamp(r.complete_time());
        if (completed < start_time) {
          done = true;  // Newest first: the rest is older.
          break;
        }
        if (completed > end_time) continue;
        hub::v1::IngestFlow& f = ingest[{plan.plan_id(), static_cast<int>(r.file_kind())}];
        f.set_plan_id(plan.plan_id());
        f.set_file_kind(r.file_kind());
        f.set_files(f.files() + 1);
        f.set_rows_read(f.rows_read() + r.rows_read());
        f.set_rows_accepted(f.rows_accepted() + r.rows_accepted());
        f.set_rows_rejected(f.rows_rejected() + r.rows_rejected());
        f.set_coverage_conflicts(f.coverage_conflicts() + r.changes().coverage_conflicts());
        if (r.outcome() == hub::v1::INGEST_OUTCOME_REJECTED) {
          f.set_files_rejected(f.files_rejected() + 1);
          ++reasons[{hub::v1::REJECTION_SOURCE_PLAN_FILE, r.rejection_code()}];
        } else if (r.rows_rejected() > 0) {
          ASSIGN_OR_RETURN(const auto counts, RowErrorReasons(r.report_id()));
          for (const auto& [code, n] : counts) {
            reasons[{hub::v1::REJECTION_SOURCE_PLAN_FILE, code}] += n;
          }
        }
      }
      cursor = std::move(page.next_cursor);
      if (cursor.empty()) done = true;
    }
  }
  for (auto& [key, flow] : ingest) *summary.add_ingest() = std::move(flow);

  // ---- Rejection reasons, most frequent first.
  std::vector<hub::v1::RejectionReason> top;
  for (const auto& [key, count] : reasons) {
    hub::v1::RejectionReason& r = top.emplace_back();
    r.set_source(static_cast<hub::v1::RejectionSource>(key.first));
    r.set_reason_code(key.second);
    r.set_count(count);
  }
  std::stable_sort(top.begin(), top.end(),
                   [](const hub::v1::RejectionReason& a, const hub::v1::RejectionReason& b) {
                     return a.count() > b.count();
                   });
  if (top.size() > static_cast<size_t>(options_.config.top_rejection_reasons())) {
    top.resize(static_cast<size_t>(options_.config.top_rejection_reasons()));
  }
  for (auto& r : top) *summary.add_rejection_reasons() = std::move(r);

  // ---- Capacity, outreach deadlines and RTFs (the care scan).
  {
    absl::MutexLock lock(&care_mu_);
    RETURN_IF_ERROR(RefreshCare(now, /*force=*/false));
    const CareSnapshot& care = *care_;
    SetTime(care.scan_time, summary.mutable_care_scan_time());

    for (const hub::v1::Provider& provider : providers) {
      std::vector<const hub::v1::PlanContract*> contracts;
      for (const hub::v1::PlanContract& c : provider.contracts()) contracts.push_back(&c);
      std::sort(contracts.begin(), contracts.end(),
                [](const auto* a, const auto* b) { return a->plan_id() < b->plan_id(); });
      for (const hub::v1::PlanContract* c : contracts) {
        auto add_row = [&](hub::v1::ProviderKind kind, hub::v1::CommunitySupport support,
                           int64_t assigned, int64_t capacity) {
          hub::v1::CapacityRow& row = *summary.add_capacity();
          row.set_provider_id(provider.provider_id());
          row.set_plan_id(c->plan_id());
          row.set_kind(kind);
          row.set_community_support(support);
          row.set_assigned(assigned);
          row.set_capacity(capacity);
          if (capacity > 0) {
            row.set_utilization(static_cast<double>(assigned) / static_cast<double>(capacity));
          }
          row.set_at_capacity(capacity > 0 && assigned >= capacity);
        };
        if (HasKind(c->kinds(), hub::v1::PROVIDER_KIND_ECM)) {
          auto it = care.ecm_active.find({provider.provider_id(), c->plan_id()});
          add_row(hub::v1::PROVIDER_KIND_ECM, hub::v1::COMMUNITY_SUPPORT_UNSPECIFIED,
                  it == care.ecm_active.end() ? 0 : it->second, c->ecm_capacity());
        }
        if (HasKind(c->kinds(), hub::v1::PROVIDER_KIND_CS)) {
          for (int support : provider.community_supports()) {
            auto it = care.cs_active.find({provider.provider_id(), c->plan_id(), support});
            add_row(hub::v1::PROVIDER_KIND_CS, static_cast<hub::v1::CommunitySupport>(support),
                    it == care.cs_active.end() ? 0 : it->second, c->cs_capacity());
          }
        }
      }
    }

    std::map<std::pair<std::string, std::string>, hub::v1::OutreachSla> sla;
    for (const Referral& r : care.referrals) {
      const bool in_window = r.due >= start_time && r.due <= end_time;
      const bool ahead = live && r.due > end_time;
      if (!in_window && !ahead) continue;
      ASSIGN_OR_RETURN(const std::optional<int64_t> first,
                       monitor_store_.FirstOutreach(r.plan_id, r.authorization_number));
      hub::v1::OutreachSla& row = sla[{r.plan_id, r.provider_id}];
      row.set_plan_id(r.plan_id);
      row.set_provider_id(r.provider_id);
      if (first.has_value() && absl::FromUnixMicros(*first) <= r.due) {
        row.set_met(row.met() + 1);
        row.set_due(row.due() + 1);
      } else if (first.has_value()) {
        row.set_late(row.late() + 1);
        row.set_due(row.due() + 1);
      } else if (r.due <= now) {
        row.set_missing(row.missing() + 1);
        row.set_due(row.due() + 1);
      } else {
        row.set_pending(row.pending() + 1);
      }
    }
    for (auto& [key, row] : sla) *summary.add_outreach_sla() = std::move(row);

    if (options_.config.rtf_due_day() > 0) {
      const RtfDue due = CurrentRtfDue(now, options_.config.rtf_due_day());
      if (now >= due.due_time) {
        // ecm_active is ordered by (provider, plan); report by (plan, provider).
        std::vector<hub::v1::OverdueRtf> overdue;
        for (const auto& [key, assigned] : care.ecm_active) {
          if (assigned <= 0) continue;
          ASSIGN_OR_RETURN(const bool sent,
                           monitor_store_.HasRtfRows(key.second, key.first, due.period));
          if (sent) continue;
          hub::v1::OverdueRtf& r = overdue.emplace_back();
          r.set_plan_id(key.second);
          r.set_provider_id(key.first);
          r.set_period(due.period);
          SetTime(due.due_time, r.mutable_due_time());
          r.set_assigned_members(assigned);
        }
        std::sort(overdue.begin(), overdue.end(), [](const auto& a, const auto& b) {
          return std::tie(a.plan_id(), a.provider_id()) < std::tie(b.plan_id(), b.provider_id());
        });
        for (auto& r : overdue) *summary.add_overdue_rtfs() = std::move(r);
      }
    }
  }

  {
    absl::MutexLock lock(&state_mu_);
    for (const auto& [id, alert] : firing_) *summary.add_alerts() = alert;
  }
  return summary;
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
      SetTime(now, e.mutable_event_time());
      if (events_.size() > kMaxAlertEvents) events_.pop_front();
      alert_events_.Add({AlertRuleName(alert.rule()),
                         state == hub::v1::ALERT_STATE_FIRING ? "firing" : "resolved"});
    };
    for (hub::v1::Alert& alert : alerts) {
      auto was = firing_.find(alert.alert_id());
      if (was != firing_.end()) {
        *alert.mutable_since() = was->second.since();
      } else {
        SetTime(now, alert.mutable_since());
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
  UpdateGauges(summary);
  evaluations_total_.Add({}, 1);
  evaluation_seconds_.Set({}, absl::ToDoubleSeconds(absl::Now() - started));

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
  return summary;
}

// ----------------------------------------------------------------- gauges

void Monitor::UpdateGauges(const MonitorSummary& summary) {
  using Series = std::vector<std::pair<std::vector<std::string>, double>>;
  auto replace = [](MetricFamily& family, const Series& series) {
    family.Clear();
    for (const auto& [labels, value] : series) family.Add(labels, value);
  };
  Series latency;
  for (const hub::v1::PlanBacklog& b : summary.backlogs()) {
    feed_appended_.Set({b.plan_id()}, static_cast<double>(b.head_sequence()));
    feed_acked_.Set({b.plan_id()}, static_cast<double>(b.cursor()));
    feed_backlog_.Set({b.plan_id()}, static_cast<double>(b.unacked_count()));
    feed_oldest_age_.Set({b.plan_id()}, b.oldest_unacked_age_seconds());
    part2_held_.Set({b.plan_id()}, static_cast<double>(b.part2_held_count()));
    if (b.ack_latency().count() > 0) {
      latency.push_back({{b.plan_id(), "0.5"}, b.ack_latency().p50_seconds()});
      latency.push_back({{b.plan_id(), "0.9"}, b.ack_latency().p90_seconds()});
      latency.push_back({{b.plan_id(), "0.99"}, b.ack_latency().p99_seconds()});
    }
  }
  replace(ack_latency_, latency);

  std::map<std::vector<std::string>, double> records;
  for (const hub::v1::FlowGroup& g : summary.flows()) {
    records[{g.plan_id(), g.provider_id(), KindLabel(g.kind()),
             EnumLabel(hub::v1::FlowStatus_Name(g.status()), "FLOW_STATUS_")}] +=
        static_cast<double>(g.count());
  }
  replace(window_records_, Series(records.begin(), records.end()));

  Series rejections;
  for (const hub::v1::RejectionReason& r : summary.rejection_reasons()) {
    rejections.push_back(
        {{EnumLabel(hub::v1::RejectionSource_Name(r.source()), "REJECTION_SOURCE_"),
          r.reason_code()},
         static_cast<double>(r.count())});
  }
  replace(window_rejections_, rejections);

  Series sla;
  for (const hub::v1::OutreachSla& s : summary.outreach_sla()) {
    sla.push_back({{s.plan_id(), s.provider_id(), "met"}, static_cast<double>(s.met())});
    sla.push_back({{s.plan_id(), s.provider_id(), "late"}, static_cast<double>(s.late())});
    sla.push_back({{s.plan_id(), s.provider_id(), "missing"}, static_cast<double>(s.missing())});
    sla.push_back({{s.plan_id(), s.provider_id(), "pending"}, static_cast<double>(s.pending())});
  }
  replace(outreach_sla_, sla);

  Series rtf;
  for (const hub::v1::OverdueRtf& r : summary.overdue_rtfs()) {
    rtf.push_back({{r.plan_id(), r.provider_id(), r.period()}, 1});
  }
  replace(rtf_overdue_, rtf);

  Series assigned;
  Series agreed;
  for (const hub::v1::CapacityRow& row : summary.capacity()) {
    const std::vector<std::string> labels = {row.plan_id(), row.provider_id(), ServiceLabel(row)};
    assigned.push_back({labels, static_cast<double>(row.assigned())});
    agreed.push_back({labels, static_cast<double>(row.capacity())});
  }
  replace(capacity_assigned_, assigned);
  replace(capacity_agreed_, agreed);

  Series firing;
  for (const hub::v1::Alert& a : summary.alerts()) {
    firing.push_back({{AlertRuleName(a.rule()), a.plan_id(), a.provider_id()}, 1});
  }
  replace(alerts_firing_, firing);
}

void Monitor::CollectFeedGauges() {
  absl::StatusOr<std::vector<hub::v1::Plan>> plans = AllPlans(*directory_);
  if (!plans.ok()) return;
  const absl::Time now = options_.clock();
  for (const hub::v1::Plan& plan : *plans) {
    absl::StatusOr<uint64_t> head = feed_->Head(plan.plan_id());
    absl::StatusOr<uint64_t> cursor = feed_->Cursor(plan.plan_id());
    if (!head.ok() || !cursor.ok()) return;
    feed_appended_.Set({plan.plan_id()}, static_cast<double>(*head));
    feed_acked_.Set({plan.plan_id()}, static_cast<double>(*cursor));
    feed_backlog_.Set({plan.plan_id()}, *head > *cursor ? static_cast<double>(*head - *cursor) : 0);
    double age = 0;
    if (*head > *cursor) {
      absl::StatusOr<std::vector<hub::v1::FeedItem>> oldest =
          feed_->ReadItems(plan.plan_id(), *cursor, 1);
      if (oldest.ok() && !oldest->empty()) {
        age = std::max(0.0,
                       absl::ToDoubleSeconds(now - FromTimestamp(oldest->front().accept_time())));
      }
    }
    feed_oldest_age_.Set({plan.plan_id()}, age);
  }
}

}  // namespace hub
