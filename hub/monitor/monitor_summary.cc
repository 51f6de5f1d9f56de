#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "base/enum_label.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "hub/common/log.h"
#include "hub/monitor/monitor.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/monitor/monitor_util.h"
#include "storage/parked_store.h"

// Monitor::Summarize: flows, backlogs, plan files and rejection reasons
// (the care scan's parts are in monitor_care.cc).
namespace hub {
namespace {

using hub::v1::MonitorSummary;
using monitor_internal::AllPlans;
using monitor_internal::AllProviders;
using monitor_internal::ToPercentiles;

// Ingest reports whose row error reasons stay cached.
constexpr size_t kMaxCachedReports = 4096;
constexpr absl::Duration kMinWindow = absl::Seconds(60);
constexpr absl::Duration kMaxWindow = absl::Hours(24 * 31);

}  // namespace

absl::StatusOr<MonitorSummary> Monitor::Summarize(absl::Duration window,
                                                  std::optional<absl::Time> end) {
  if (window == absl::ZeroDuration()) window = absl::Seconds(options_.config.window_seconds());
  if (window < kMinWindow || window > kMaxWindow) {
    return absl::InvalidArgumentError(
        "window_seconds must be 60 to 2678400 (31 days), or 0 for the hub's configured window");
  }
  Frame frame;
  frame.now = options_.clock();
  frame.end = end.value_or(frame.now);
  frame.start = frame.end - window;
  frame.live = frame.end >= frame.now;
  frame.start_us = absl::ToUnixMicros(frame.start);
  // The window includes its end: a record accepted at this very instant
  // counts.
  frame.end_us = absl::ToUnixMicros(frame.end) + 1;
  frame.window_seconds = absl::ToInt64Seconds(window);

  MonitorSummary summary;
  *summary.mutable_window_start() = ToTimestamp(frame.start);
  *summary.mutable_window_end() = ToTimestamp(frame.end);
  *summary.mutable_compute_time() = ToTimestamp(frame.now);

  ASSIGN_OR_RETURN(const std::vector<hub::v1::Plan> plans, AllPlans(*directory_));
  ASSIGN_OR_RETURN(const std::vector<hub::v1::Provider> providers, AllProviders(*directory_));
  ReasonCounts reasons;
  PlanLatencies plan_latencies;
  RETURN_IF_ERROR(SummarizeFlows(frame, plans, summary, reasons, plan_latencies));
  RETURN_IF_ERROR(SummarizeBacklogs(frame, plans, plan_latencies, summary));
  RETURN_IF_ERROR(SummarizeIngest(frame, plans, summary, reasons));
  AddTopReasons(reasons, summary);
  RETURN_IF_ERROR(SummarizeCare(frame, providers, summary));
  // Parked records (storage/parked_store.h): a count per plan and reason.
  ASSIGN_OR_RETURN(const auto parked, storage::CountOpenParked(*store_));
  for (const auto& [key, count] : parked) {
    hub::v1::ParkedCount& p = *summary.add_parked();
    p.set_plan_id(key.first);
    std::string reason = hub::v1::ParkedReason_Name(key.second);
    p.set_reason(reason.substr(std::min(reason.size(), sizeof("PARKED_REASON_") - 1)));
    p.set_count(count);
  }
  RETURN_IF_ERROR(SummarizeClaims(summary));
  {
    absl::MutexLock lock(&state_mu_);
    for (const auto& [id, alert] : firing_) *summary.add_alerts() = alert;
  }
  return summary;
}

absl::Status Monitor::SummarizeFlows(const Frame& frame, const std::vector<hub::v1::Plan>& plans,
                                     MonitorSummary& summary, ReasonCounts& reasons,
                                     PlanLatencies& plan_latencies) {
  const int bars = options_.config.series_buckets();
  const int64_t bar_seconds = (frame.window_seconds + bars - 1) / bars;
  ASSIGN_OR_RETURN(const storage::FlowTallies tallies,
                   monitor_store_.TallyFlows(frame.start_us, frame.end_us, bar_seconds, bars,
                                             /*through_now=*/frame.live));
  hub::v1::FlowTotals& totals = *summary.mutable_totals();
  for (const auto& [key, tally] : tallies.groups) {
    hub::v1::FlowGroup& g = *summary.add_flows();
    g.set_plan_id(key.plan_id);
    g.set_provider_id(key.provider_id);
    g.set_kind(static_cast<hub::v1::RecordKind>(key.kind));
    g.set_status(static_cast<hub::v1::FlowStatus>(key.status));
    g.set_reason_code(key.reason_code);
    g.set_count(tally.count);
    if (!tally.latency.empty()) *g.mutable_ack_latency() = ToPercentiles(tally.latency);
    AddToTotals(key, tally.count, totals, reasons);
  }
  // Merged per plan and in all by the read (kept with the window's groups).
  plan_latencies = tallies.plan_latencies;
  *totals.mutable_ack_latency() = ToPercentiles(tallies.latency);

  hub::v1::FlowSeries& series = *summary.mutable_series();
  *series.mutable_start_time() = ToTimestamp(frame.start);
  series.set_bucket_seconds(bar_seconds);
  std::map<std::string, std::vector<int64_t>> plan_series;
  for (const hub::v1::Plan& plan : plans) {
    plan_series[plan.plan_id()].assign(static_cast<size_t>(bars), 0);
  }
  std::vector<int64_t> rejected(static_cast<size_t>(bars), 0);
  for (size_t bar = 0; bar < tallies.series.size(); ++bar) {
    for (const auto& [plan_id, count] : tallies.series[bar]) {
      if (plan_id.empty()) {
        rejected[bar] += count;
        continue;
      }
      std::vector<int64_t>& counts = plan_series[plan_id];
      counts.resize(static_cast<size_t>(bars), 0);
      counts[bar] += count;
    }
  }
  for (auto& [plan_id, counts] : plan_series) {
    hub::v1::PlanSeries& p = *series.add_plans();
    p.set_plan_id(plan_id);
    p.mutable_accepted()->Add(counts.begin(), counts.end());
  }
  series.mutable_rejected_by_hub()->Add(rejected.begin(), rejected.end());
  return absl::OkStatus();
}

void Monitor::AddToTotals(const storage::FlowGroupKey& key, int64_t count,
                          hub::v1::FlowTotals& totals, ReasonCounts& reasons) {
  switch (key.status) {
    case hub::v1::FLOW_STATUS_REJECTED_BY_HUB:
      totals.set_rejected_by_hub(totals.rejected_by_hub() + count);
      reasons[{hub::v1::REJECTION_SOURCE_SUBMISSION, key.reason_code}] += count;
      return;
    case hub::v1::FLOW_STATUS_DELIVERED_PENDING:
      totals.set_delivered_pending(totals.delivered_pending() + count);
      break;
    case hub::v1::FLOW_STATUS_ACCEPTED_BY_PLAN:
      totals.set_accepted_by_plan(totals.accepted_by_plan() + count);
      break;
    default:
      totals.set_rejected_by_plan(totals.rejected_by_plan() + count);
      reasons[{hub::v1::REJECTION_SOURCE_PLAN_FEED, key.reason_code}] += count;
  }
  totals.set_accepted(totals.accepted() + count);
}

absl::Status Monitor::SummarizeBacklogs(const Frame& frame, const std::vector<hub::v1::Plan>& plans,
                                        const PlanLatencies& plan_latencies,
                                        MonitorSummary& summary) {
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
            0.0, absl::ToDoubleSeconds(frame.now - FromTimestamp(oldest.front().accept_time()))));
      }
    }
    auto latencies = plan_latencies.find(plan.plan_id());
    if (latencies != plan_latencies.end()) {
      *b.mutable_ack_latency() = ToPercentiles(latencies->second);
    }
  }
  return absl::OkStatus();
}

absl::Status Monitor::SummarizeIngest(const Frame& frame, const std::vector<hub::v1::Plan>& plans,
                                      MonitorSummary& summary, ReasonCounts& reasons) {
  std::map<std::pair<std::string, int>, hub::v1::IngestFlow> ingest;
  for (const hub::v1::Plan& plan : plans) {
    std::string cursor;
    bool done = false;
    while (!done) {
      ASSIGN_OR_RETURN(storage::IngestStore::ReportPage page,
                       ingest_store_.ListReports(plan.plan_id(), cursor, 100));
      for (const hub::v1::IngestReport& r : page.reports) {
        const absl::Time completed = FromTimestamp(r.complete_time());
        if (completed < frame.start) {
          done = true;  // Newest first: the rest is older.
          break;
        }
        if (completed > frame.end) continue;
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
  return absl::OkStatus();
}

void Monitor::AddTopReasons(const ReasonCounts& reasons, MonitorSummary& summary) const {
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
}

// ------------------------------------------------------------ plan files

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

}  // namespace hub
