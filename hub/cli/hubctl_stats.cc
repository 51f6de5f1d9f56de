#include "hub/cli/hubctl_stats.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/enum_label.h"
#include "base/timestamp.h"
#include "hub/cli/cli_table.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/monitor_service.grpc.pb.h"

namespace hub {
namespace {

std::string Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M:%S UTC", FromTimestamp(ts), absl::UTCTimeZone());
}

std::string Latency(const hub::v1::LatencyPercentiles& l) {
  if (l.count() == 0) return "-";
  return absl::StrCat(FormatSeconds(l.p50_seconds()), " / ", FormatSeconds(l.p90_seconds()), " / ",
                      FormatSeconds(l.p99_seconds()));
}

std::string Label(const std::string& name, std::string_view prefix) {
  return EnumLabel(name, prefix);
}

std::string Or(const std::string& s) { return s.empty() ? "-" : s; }

void Section(std::ostream& os, std::string_view title, const TextTable& table, bool empty) {
  os << "\n" << title << "\n";
  if (empty) {
    os << "  none\n";
    return;
  }
  os << table.Render();
}

std::string Rate(const hub::v1::ClaimCounts& c) {
  const int64_t answered = c.accepted() + c.rejected() + c.paid() + c.denied();
  if (answered == 0) return "-";
  return absl::StrFormat("%.1f%%", 100.0 *
                                       static_cast<double>(c.accepted() + c.paid() + c.denied()) /
                                       static_cast<double>(answered));
}

void AddClaimRow(TextTable& table, const std::string& plan, const std::string& provider,
                 const hub::v1::ClaimCounts& c, const std::string& median) {
  table.AddRow({plan, provider, absl::StrCat(c.accepted()), absl::StrCat(c.rejected()),
                absl::StrCat(c.paid()), absl::StrCat(c.denied()),
                absl::StrFormat("%d.%02d", c.paid_cents() / 100, std::abs(c.paid_cents() % 100)),
                Rate(c), median});
}

// The plans' answers to the claim lines: per plan (provider "all") and per
// provider, then each plan's five most frequent denial reasons.
void ClaimsSections(std::ostream& os, const hub::v1::MonitorSummary& s) {
  TextTable table({"PLAN", "PROVIDER", "ACCEPTED", "REJECTED", "PAID", "DENIED", "PAID $",
                   "ACCEPTANCE", "MEDIAN DAYS TO PAY"});
  TextTable reasons({"PLAN", "REASON", "LINES"});
  bool any_reason = false;
  for (const auto& p : s.claims()) {
    AddClaimRow(table, p.plan_id(), "all", p.counts(),
                p.median_days_to_payment() >= 0 ? absl::StrCat(p.median_days_to_payment()) : "-");
    std::vector<std::pair<std::string, hub::v1::ClaimCounts>> providers;
    for (const auto& [id, c] : p.providers()) providers.emplace_back(id, c);
    std::sort(providers.begin(), providers.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [provider, c] : providers) {
      AddClaimRow(table, p.plan_id(), provider.empty() ? "(not recorded)" : provider, c, "");
    }
    std::vector<std::pair<std::string, int64_t>> top;
    for (const auto& [reason, count] : p.denial_reasons()) top.emplace_back(reason, count);
    std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (top.size() > 5) top.resize(5);
    for (const auto& [reason, count] : top) {
      reasons.AddRow({p.plan_id(), reason, absl::StrCat(count)});
      any_reason = true;
    }
  }
  Section(os, "CLAIMS (the plans' latest answer to each billed line, all time)", table,
          s.claims().empty());
  Section(os, "TOP CLAIM DENIAL REASONS (rejected and denied lines)", reasons, !any_reason);
}

}  // namespace

std::string FormatSeconds(double seconds) {
  int64_t s = static_cast<int64_t>(std::llround(std::max(0.0, seconds)));
  const int64_t days = s / 86400;
  s %= 86400;
  const int64_t hours = s / 3600;
  s %= 3600;
  const int64_t minutes = s / 60;
  s %= 60;
  if (days > 0) return absl::StrCat(days, "d", hours, "h", minutes, "m", s, "s");
  if (hours > 0) return absl::StrCat(hours, "h", minutes, "m", s, "s");
  if (minutes > 0) return absl::StrCat(minutes, "m", s, "s");
  return absl::StrCat(s, "s");
}

namespace {

// The window, the record totals, the ack latency and a truncation note.
void TotalsLines(std::ostream& os, const hub::v1::MonitorSummary& s) {
  const hub::v1::FlowTotals& t = s.totals();
  os << "window    " << Time(s.window_start()) << " .. " << Time(s.window_end()) << " ("
     << FormatSeconds(static_cast<double>(s.window_end().seconds() - s.window_start().seconds()))
     << ")\n";
  os << "records   accepted " << t.accepted() << " (pending " << t.delivered_pending()
     << ", accepted by plan " << t.accepted_by_plan() << ", rejected by plan "
     << t.rejected_by_plan() << "), rejected by hub " << t.rejected_by_hub() << "\n";
  os << "latency   receipt -> plan ack p50 / p90 / p99: " << Latency(t.ack_latency()) << " ("
     << t.ack_latency().count() << " acknowledged)\n";
  if (s.flows_truncated()) os << "note      the window held too many records; flows are partial\n";
}

// The backlog of each plan's feed, now.
void BacklogSection(std::ostream& os, const hub::v1::MonitorSummary& s) {
  TextTable table(
      {"PLAN", "HEAD", "CURSOR", "UNACKED", "OLDEST UNACKED", "ACK P50/P90/P99", "PART 2 HELD"});
  for (const auto& b : s.backlogs()) {
    table.AddRow({b.plan_id(), absl::StrCat(b.head_sequence()), absl::StrCat(b.cursor()),
                  absl::StrCat(b.unacked_count()),
                  b.unacked_count() > 0 ? FormatSeconds(b.oldest_unacked_age_seconds()) : "-",
                  Latency(b.ack_latency()), absl::StrCat(b.part2_held_count())});
  }
  Section(os, "BACKLOG (each plan's feed, now)", table, s.backlogs().empty());
}

// The records received in the window, by flow and status now.
void FlowsSection(std::ostream& os, const hub::v1::MonitorSummary& s) {
  TextTable table({"PLAN", "PROVIDER", "KIND", "STATUS", "REASON", "COUNT", "ACK P50/P90/P99"});
  for (const auto& g : s.flows()) {
    table.AddRow({Or(g.plan_id()), g.provider_id(),
                  Label(hub::v1::RecordKind_Name(g.kind()), "RECORD_KIND_"),
                  Label(hub::v1::FlowStatus_Name(g.status()), "FLOW_STATUS_"), Or(g.reason_code()),
                  absl::StrCat(g.count()), Latency(g.ack_latency())});
  }
  Section(os, "FLOWS (records received in the window, status now)", table, s.flows().empty());
}

// The top rejection reasons.
void RejectionReasonsSection(std::ostream& os, const hub::v1::MonitorSummary& s) {
  TextTable table({"SOURCE", "REASON", "COUNT"});
  for (const auto& r : s.rejection_reasons()) {
    table.AddRow({Label(hub::v1::RejectionSource_Name(r.source()), "REJECTION_SOURCE_"),
                  r.reason_code(), absl::StrCat(r.count())});
  }
  Section(os, "TOP REJECTION REASONS", table, s.rejection_reasons().empty());
}

// The plan files ingested in the window.
void PlanFilesSection(std::ostream& os, const hub::v1::MonitorSummary& s) {
  TextTable table({"PLAN", "FILE KIND", "FILES", "FILES REJECTED", "ROWS", "ACCEPTED", "REJECTED"});
  for (const auto& f : s.ingest()) {
    table.AddRow({f.plan_id(), Label(hub::v1::FileKind_Name(f.file_kind()), "FILE_KIND_"),
                  absl::StrCat(f.files()), absl::StrCat(f.files_rejected()),
                  absl::StrCat(f.rows_read()), absl::StrCat(f.rows_accepted()),
                  absl::StrCat(f.rows_rejected())});
  }
  Section(os, "PLAN FILES", table, s.ingest().empty());
}

// Outreach within 24 hours of a Community Supports referral.
void OutreachSlaSection(std::ostream& os, const hub::v1::MonitorSummary& s) {
  TextTable table({"PLAN", "PROVIDER", "DUE", "MET", "LATE", "MISSING", "PENDING"});
  for (const auto& r : s.outreach_sla()) {
    table.AddRow({r.plan_id(), r.provider_id(), absl::StrCat(r.due()), absl::StrCat(r.met()),
                  absl::StrCat(r.late()), absl::StrCat(r.missing()), absl::StrCat(r.pending())});
  }
  Section(os, "OUTREACH WITHIN 24 HOURS OF A CS REFERRAL", table, s.outreach_sla().empty());
}

// The monthly return transmission files overdue.
void OverdueRtfsSection(std::ostream& os, const hub::v1::MonitorSummary& s) {
  TextTable table({"PLAN", "PROVIDER", "PERIOD", "DUE", "ASSIGNED"});
  for (const auto& r : s.overdue_rtfs()) {
    table.AddRow({r.plan_id(), r.provider_id(), r.period(), Time(r.due_time()),
                  absl::StrCat(r.assigned_members())});
  }
  Section(os, "OVERDUE MONTHLY RTFS", table, s.overdue_rtfs().empty());
}

// Each provider's members served now against its contract's capacity.
void CapacitySection(std::ostream& os, const hub::v1::MonitorSummary& s) {
  TextTable table({"PROVIDER", "PLAN", "SERVICE", "ASSIGNED", "CAPACITY", "USE"});
  for (const auto& c : s.capacity()) {
    const std::string service =
        c.kind() == hub::v1::PROVIDER_KIND_ECM
            ? "ecm"
            : Label(hub::v1::CommunitySupport_Name(c.community_support()), "COMMUNITY_SUPPORT_");
    table.AddRow({c.provider_id(), c.plan_id(), service, absl::StrCat(c.assigned()),
                  c.capacity() > 0 ? absl::StrCat(c.capacity()) : "-",
                  c.capacity() > 0 ? absl::StrFormat("%.0f%%%s", c.utilization() * 100,
                                                     c.at_capacity() ? " FULL" : "")
                                   : "-"});
  }
  Section(os, "CAPACITY (members served now vs contract)", table, s.capacity().empty());
}

// The alerts firing.
void AlertsSection(std::ostream& os, const hub::v1::MonitorSummary& s) {
  TextTable table({"ALERT", "SINCE", "MESSAGE"});
  for (const auto& a : s.alerts()) table.AddRow({a.alert_id(), Time(a.since()), a.message()});
  Section(os, "ALERTS FIRING", table, s.alerts().empty());
}

}  // namespace

std::string FormatMonitorSummary(const hub::v1::MonitorSummary& s) {
  std::ostringstream os;
  TotalsLines(os, s);
  BacklogSection(os, s);
  FlowsSection(os, s);
  RejectionReasonsSection(os, s);
  PlanFilesSection(os, s);
  OutreachSlaSection(os, s);
  OverdueRtfsSection(os, s);
  CapacitySection(os, s);
  AlertsSection(os, s);
  ClaimsSections(os, s);
  return os.str();
}

int StatsCommand(const std::shared_ptr<grpc::Channel>& channel, std::string_view server,
                 const StatsCommandOptions& options, std::ostream& out, std::ostream& err) {
  auto stub = hub::v1::MonitorService::NewStub(channel);
  grpc::ClientContext context;
  context.set_wait_for_ready(false);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  hub::v1::GetSummaryRequest request;
  request.set_window_seconds(options.window_seconds);
  hub::v1::GetSummaryResponse response;
  absl::Status status = FromGrpcStatus(stub->GetSummary(&context, request, &response));
  if (!status.ok()) {
    if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
      err << "hubctl: cannot reach hubd at " << server
          << " (is it running? set --server or HUB_SERVER)\n";
    } else {
      err << "hubctl: stats: " << status.message() << " ("
          << absl::StatusCodeToString(status.code()) << ")\n";
    }
    return 1;
  }
  if (options.json) {
    std::string json;
    google::protobuf::util::JsonPrintOptions print;
    print.add_whitespace = true;
    if (!google::protobuf::util::MessageToJsonString(response, &json, print).ok()) {
      err << "hubctl: stats: cannot print the summary as JSON\n";
      return 1;
    }
    out << json;
    return 0;
  }
  out << FormatMonitorSummary(response.summary());
  return 0;
}

}  // namespace hub
