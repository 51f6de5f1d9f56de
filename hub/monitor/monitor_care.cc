#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "hub/monitor/monitor.h"
#include "hub/monitor/monitor_rules.h"
#include "hub/monitor/monitor_util.h"

// The care scan: capacity (active assignments and authorizations against
// the contracts), 24-hour outreach on CS referrals and overdue RTFs.
namespace hub {
namespace {

using hub::v1::MonitorSummary;
using monitor_internal::HasKind;

// Referrals older than this (by deadline) are left out of the care scan:
// no window reaches them.
constexpr absl::Duration kReferralLookback = absl::Hours(24 * 62);

}  // namespace

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

absl::Status Monitor::SummarizeCare(const Frame& frame,
                                    const std::vector<hub::v1::Provider>& providers,
                                    MonitorSummary& summary) {
  absl::MutexLock lock(&care_mu_);
  RETURN_IF_ERROR(RefreshCare(frame.now, /*force=*/false));
  const CareSnapshot& care = *care_;
  *summary.mutable_care_scan_time() = ToTimestamp(care.scan_time);
  AddCapacity(care, providers, summary);
  RETURN_IF_ERROR(AddOutreachSla(care, frame, summary));
  return AddOverdueRtfs(care, frame, summary);
}

void Monitor::AddCapacity(const CareSnapshot& care, const std::vector<hub::v1::Provider>& providers,
                          MonitorSummary& summary) {
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
}

absl::Status Monitor::AddOutreachSla(const CareSnapshot& care, const Frame& frame,
                                     MonitorSummary& summary) const {
  std::map<std::pair<std::string, std::string>, hub::v1::OutreachSla> sla;
  for (const Referral& r : care.referrals) {
    const bool in_window = r.due >= frame.start && r.due <= frame.end;
    const bool ahead = frame.live && r.due > frame.end;
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
    } else if (r.due <= frame.now) {
      row.set_missing(row.missing() + 1);
      row.set_due(row.due() + 1);
    } else {
      row.set_pending(row.pending() + 1);
    }
  }
  for (auto& [key, row] : sla) *summary.add_outreach_sla() = std::move(row);
  return absl::OkStatus();
}

absl::Status Monitor::AddOverdueRtfs(const CareSnapshot& care, const Frame& frame,
                                     MonitorSummary& summary) const {
  if (options_.config.rtf_due_day() > 0) {
    const RtfDue due = CurrentRtfDue(frame.now, options_.config.rtf_due_day());
    if (frame.now >= due.due_time) {
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
        *r.mutable_due_time() = ToTimestamp(due.due_time);
        r.set_assigned_members(assigned);
      }
      std::sort(overdue.begin(), overdue.end(), [](const auto& a, const auto& b) {
        return std::tie(a.plan_id(), a.provider_id()) < std::tie(b.plan_id(), b.provider_id());
      });
      for (auto& r : overdue) *summary.add_overdue_rtfs() = std::move(r);
    }
  }
  return absl::OkStatus();
}

}  // namespace hub
