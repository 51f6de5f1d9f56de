// Monitor: the county's view of the hub (hub.v1.MonitorSummary), its alerts
// and its gauges, computed from the store; MonitorService, the dashboard's
// JSON endpoints, /metrics and `hubctl stats` all read it.
//
// Summarize(window) reads (storage/monitor_store.h explains each choice):
//   flows     the flow tallies of the window (storage/flow_tally.h): the
//             records accepted in it by plan, provider, kind and status now,
//             with receipt -> ack latencies once the plan acknowledged them,
//             and the submissions rejected in it; kept as records commit,
//             so this costs the same whatever the window holds;
//   backlogs  each plan's head, cursor and oldest unacknowledged item, now;
//   ingest    each plan's ingest reports completed in the window, with the
//             reason codes of their rejected rows (counted once per report
//             and cached: reports never change);
//   care      capacity (active assignments and authorizations against the
//             contracts) and 24-hour outreach (CS referrals), from a scan of
//             all assignments and authorizations that is repeated when older
//             than care_refresh_seconds, when the day changes or after a plan
//             file was ingested; outreach attempts are point seeks;
//   RTFs      for each (plan, ECM provider with members assigned), whether
//             last month's RTF rows arrived once they are due.
// Evaluate() summarizes the configured window, raises and resolves alerts
// (hub/monitor/monitor_rules.h) with a log line and an AlertEvent for each change,
// refreshes the gauges, then hands the summary to every watcher
// (WatchFlows). A background thread evaluates every
// evaluate_interval_seconds and soon after Poke() (new records, acks,
// files), at most once per min_evaluate_interval_ms.
//
// Nothing here holds a member's data: only ids, codes, counts and times.
//
// Thread safety: every public method may be called from any thread.
// Evaluate calls are serialized. Watchers run on the evaluating thread and
// must not block.
#ifndef HUB_HUB_MONITOR_MONITOR_H_
#define HUB_HUB_MONITOR_MONITOR_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/common/metrics.h"
#include "hub/common/outreach_rule.h"
#include "hub/v1/monitor.pb.h"
#include "storage/consent_store.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/flow_tally.h"
#include "storage/ingest_store.h"
#include "storage/monitor_store.h"
#include "storage/store.h"

namespace hub {

struct MonitorOptions {
  // Wall clock: "now" for windows, ages and deadlines. Required.
  std::function<absl::Time()> clock;
  // Thresholds and timings (DefaultMonitorConfig() + --monitor_config).
  hub::v1::MonitorConfig config;
  // Start the background evaluation thread (tests may drive Evaluate).
  bool background = true;
  // The 24-hour CS outreach rule: the county's zone and exempt supports.
  OutreachRule outreach_rule = DefaultOutreachRule();
};

class Monitor {
 public:
  using Watcher = std::function<void(const std::shared_ptr<const hub::v1::MonitorSummary>&)>;

  // None of the pointers is owned; all must outlive the monitor. Registers
  // the gauges (and a collector refreshing the feeds' gauges at each
  // scrape) in `metrics`.
  Monitor(storage::Store* store, storage::DirectoryStore* directory, storage::FeedStore* feed,
          MetricsRegistry* metrics, MonitorOptions options);
  // Stops the background thread.
  ~Monitor();

  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  // The summary of [end - window, end]; window zero = the configured one,
  // end nullopt = now. `alerts` holds the alerts firing since the last
  // Evaluate. InvalidArgument for a window outside 60 s .. 31 days.
  absl::StatusOr<hub::v1::MonitorSummary> Summarize(absl::Duration window,
                                                    std::optional<absl::Time> end);

  // Summarizes the configured window now, updates alerts, gauges and
  // watchers; returns that summary.
  absl::StatusOr<hub::v1::MonitorSummary> Evaluate();

  // Something changed: evaluate soon on the background thread. Never blocks.
  void Poke();

  // Alert events, newest first, with event_id < before_id (0 = from the
  // newest), at most `limit`.
  std::vector<hub::v1::AlertEvent> AlertEvents(uint64_t before_id, int limit) const;

  // The latest evaluated summary (null before the first evaluation).
  std::shared_ptr<const hub::v1::MonitorSummary> Latest() const;

  // Calls `watcher` after every evaluation from now on; returns its id.
  // Also prompts an evaluation, so a new watcher gets a summary soon.
  uint64_t Watch(Watcher watcher);
  // Stops calling the watcher; returns once it is not running (unless
  // called from the watcher itself).
  void Unwatch(uint64_t id);

  const hub::v1::MonitorConfig& config() const { return options_.config; }
  // Evaluations done so far (for tests and the demo).
  int64_t evaluations() const;

 private:
  // A Community Supports referral whose 24-hour outreach is watched.
  struct Referral {
    std::string plan_id;
    std::string provider_id;
    std::string authorization_number;
    absl::Time due;
  };
  // What the care scan (RefreshCare) found.
  struct CareSnapshot {
    absl::Time scan_time;
    std::string today;
    // (provider, plan) -> active ECM assignments.
    std::map<std::pair<std::string, std::string>, int64_t> ecm_active;
    // (provider, plan, community support) -> active authorizations.
    std::map<std::tuple<std::string, std::string, int>, int64_t> cs_active;
    // Referrals with a deadline in the last kReferralLookback or ahead.
    std::vector<Referral> referrals;
  };
  // The time frame of one summary.
  struct Frame {
    absl::Time now;
    absl::Time start;
    absl::Time end;
    // The window reaches now: referrals due later count as pending.
    bool live = false;
    // [start_us, end_us): the window includes its end instant.
    int64_t start_us = 0;
    int64_t end_us = 0;
    int64_t window_seconds = 0;
  };
  // (hub.v1.RejectionSource, reason code) -> count.
  using ReasonCounts = std::map<std::pair<int, std::string>, int64_t>;
  // plan_id -> receipt -> ack latencies of the window's records.
  using PlanLatencies = std::map<std::string, storage::LatencyHistogram>;

  // Summarize's parts (hub/monitor/monitor_summary.cc, monitor_care.cc).
  absl::Status SummarizeFlows(const Frame& frame, const std::vector<hub::v1::Plan>& plans,
                              hub::v1::MonitorSummary& summary, ReasonCounts& reasons,
                              PlanLatencies& plan_latencies);
  static void AddToTotals(const storage::FlowGroupKey& key, int64_t count,
                          hub::v1::FlowTotals& totals, ReasonCounts& reasons);
  absl::Status SummarizeBacklogs(const Frame& frame, const std::vector<hub::v1::Plan>& plans,
                                 const PlanLatencies& plan_latencies,
                                 hub::v1::MonitorSummary& summary);
  absl::Status SummarizeIngest(const Frame& frame, const std::vector<hub::v1::Plan>& plans,
                               hub::v1::MonitorSummary& summary, ReasonCounts& reasons);
  void AddTopReasons(const ReasonCounts& reasons, hub::v1::MonitorSummary& summary) const;
  absl::Status SummarizeCare(const Frame& frame, const std::vector<hub::v1::Provider>& providers,
                             hub::v1::MonitorSummary& summary);
  static void AddCapacity(const CareSnapshot& care, const std::vector<hub::v1::Provider>& providers,
                          hub::v1::MonitorSummary& summary);
  absl::Status AddOutreachSla(const CareSnapshot& care, const Frame& frame,
                              hub::v1::MonitorSummary& summary) const;
  absl::Status AddOverdueRtfs(const CareSnapshot& care, const Frame& frame,
                              hub::v1::MonitorSummary& summary) const;
  // The plans' answers to the claim lines (hub/monitor/monitor_claims.cc).
  absl::Status SummarizeClaims(hub::v1::MonitorSummary& summary) const;
  void UpdateClaimGauges(const hub::v1::MonitorSummary& summary);

  // Evaluate's parts: raises and resolves alerts of `summary` (its alerts
  // replaced by those firing), returns the summary to publish.
  std::shared_ptr<const hub::v1::MonitorSummary> UpdateAlerts(absl::Time now,
                                                              hub::v1::MonitorSummary& summary);
  void NotifyWatchers(const std::shared_ptr<const hub::v1::MonitorSummary>& latest);

  // Refreshes care_ if stale (under care_mu_).
  absl::Status RefreshCare(absl::Time now, bool force) ABSL_EXCLUSIVE_LOCKS_REQUIRED(care_mu_);
  // Row error reason counts of a report (cached).
  absl::StatusOr<std::vector<std::pair<std::string, int64_t>>> RowErrorReasons(
      const std::string& report_id);
  // Counts reports not counted yet in the ingest counters; true if any.
  absl::StatusOr<bool> TallyNewReports(const std::vector<std::string>& plan_ids);
  // Sets the gauges of an evaluated summary.
  void UpdateGauges(const hub::v1::MonitorSummary& summary);
  // Sets the feeds' gauges from the store now (also a /metrics collector).
  void CollectFeedGauges();
  void BackgroundLoop();

  storage::Store* store_;
  storage::DirectoryStore* directory_;
  storage::FeedStore* feed_;
  MetricsRegistry* metrics_;
  const MonitorOptions options_;
  storage::MonitorStore monitor_store_;
  storage::IngestStore ingest_store_;
  storage::ConsentStore consents_;

  // Gauges and counters.
  MetricFamily& feed_appended_;
  MetricFamily& feed_acked_;
  MetricFamily& feed_backlog_;
  MetricFamily& feed_oldest_age_;
  MetricFamily& part2_held_;
  MetricFamily& ack_latency_;
  MetricFamily& window_records_;
  MetricFamily& window_rejections_;
  MetricFamily& ingest_files_;
  MetricFamily& ingest_rows_;
  MetricFamily& outreach_sla_;
  MetricFamily& rtf_overdue_;
  MetricFamily& capacity_assigned_;
  MetricFamily& capacity_agreed_;
  MetricFamily& alerts_firing_;
  MetricFamily& claim_lines_;
  MetricFamily& claim_paid_cents_;
  MetricFamily& claim_denials_;
  MetricFamily& claim_days_to_payment_;
  MetricFamily& alert_events_;
  MetricFamily& evaluations_total_;
  MetricFamily& evaluation_seconds_;
  int collector_id_ = 0;

  // The care scan.
  absl::Mutex care_mu_;
  std::unique_ptr<CareSnapshot> care_ ABSL_GUARDED_BY(care_mu_);
  bool care_stale_ ABSL_GUARDED_BY(care_mu_) = true;

  absl::Mutex reasons_mu_;
  absl::flat_hash_map<std::string, std::vector<std::pair<std::string, int64_t>>> reasons_
      ABSL_GUARDED_BY(reasons_mu_);

  // Evaluate's state.
  absl::Mutex eval_mu_ ABSL_ACQUIRED_BEFORE(state_mu_);
  // The newest ingest report counted per plan.
  std::map<std::string, std::string> tallied_newest_ ABSL_GUARDED_BY(eval_mu_);

  mutable absl::Mutex state_mu_;
  std::map<std::string, hub::v1::Alert> firing_ ABSL_GUARDED_BY(state_mu_);
  std::deque<hub::v1::AlertEvent> events_ ABSL_GUARDED_BY(state_mu_);
  uint64_t next_event_id_ ABSL_GUARDED_BY(state_mu_) = 1;
  std::shared_ptr<const hub::v1::MonitorSummary> latest_ ABSL_GUARDED_BY(state_mu_);
  int64_t evaluations_ ABSL_GUARDED_BY(state_mu_) = 0;

  // Watchers (see FeedNotifier for the same pattern).
  mutable absl::Mutex watch_mu_;
  std::map<uint64_t, Watcher> watchers_ ABSL_GUARDED_BY(watch_mu_);
  uint64_t next_watch_id_ ABSL_GUARDED_BY(watch_mu_) = 1;
  uint64_t running_watch_id_ ABSL_GUARDED_BY(watch_mu_) = 0;
  std::thread::id running_thread_ ABSL_GUARDED_BY(watch_mu_);

  // The background thread.
  absl::Mutex loop_mu_;
  bool poked_ ABSL_GUARDED_BY(loop_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(loop_mu_) = false;
  std::thread thread_;
};

}  // namespace hub

#endif  // HUB_HUB_MONITOR_MONITOR_H_
