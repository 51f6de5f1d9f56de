#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/enum_label.h"
#include "base/timestamp.h"
#include "hub/monitor/monitor.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/monitor/monitor_util.h"

// The monitor's gauges: set from each evaluated summary, and the feeds'
// gauges refreshed at each /metrics scrape.
namespace hub {
namespace {

using hub::v1::MonitorSummary;
using monitor_internal::AllPlans;
using monitor_internal::KindLabel;
using monitor_internal::ServiceLabel;

}  // namespace

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
  UpdateClaimGauges(summary);
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
