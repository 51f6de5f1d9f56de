#include "hub/cli/hubctl_views.h"

#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/timestamp.h"
#include "hub/cli/cli_table.h"
#include "hub/cli/hubctl_command.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/provider_service.grpc.pb.h"

namespace hub {
namespace {

// How long a view command waits for each RPC.
constexpr absl::Duration kViewDeadline = absl::Seconds(30);

// An enum value's name without its prefix: ENROLLMENT_STATUS_ASSIGNED ->
// ASSIGNED; "-" for the UNSPECIFIED value.
std::string Short(const std::string& name, std::string_view prefix) {
  std::string out = name;
  if (out.rfind(prefix, 0) == 0) out = out.substr(prefix.size());
  return out == "UNSPECIFIED" || out.empty() ? "-" : out;
}

std::string TimeText(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%d %H:%M", FromTimestamp(ts), absl::UTCTimeZone());
}

int Fail(const ViewCommandContext& ctx, std::string_view command, const absl::Status& status,
         std::ostream& err) {
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    err << "hubctl: cannot reach hubd at " << ctx.server
        << " (is it running? set --server or HUB_SERVER)\n";
    return 1;
  }
  return hubctl::PrintFailure(err, command, status);
}

}  // namespace

std::string FormatWorklistTable(const std::vector<hub::v1::WorklistEntry>& entries) {
  TextTable table({"PLAN", "CIN", "NAME", "REASON", "STATUS", "DETAIL", "AUTH", "UNITS LEFT",
                   "START", "OUTREACH DUE (UTC)", "FLAGS"});
  for (const hub::v1::WorklistEntry& e : entries) {
    const bool cs = e.reason() == hub::v1::WORKLIST_REASON_CS_REFERRAL;
    std::string name =
        absl::StrCat(e.name().last(), e.name().last().empty() ? "" : ", ", e.name().first());
    std::vector<std::string> pofs;
    for (int pof : e.populations_of_focus()) {
      pofs.push_back(Short(hub::v1::PopulationOfFocus_Name(pof), "POPULATION_OF_FOCUS_"));
    }
    std::vector<std::string> flags;
    if (e.outreach_overdue()) flags.push_back("OVERDUE");
    if (e.over_capacity()) flags.push_back("OVER_CAPACITY");
    table.AddRow({
        e.plan_id(),
        e.cin(),
        OrDash(name),
        cs ? "CS" : "ECM",
        cs ? Short(hub::v1::ReferralStatus_Name(e.referral_status()), "REFERRAL_STATUS_")
           : Short(hub::v1::EnrollmentStatus_Name(e.enrollment_status()), "ENROLLMENT_STATUS_"),
        cs ? Short(hub::v1::CommunitySupport_Name(e.community_support()), "COMMUNITY_SUPPORT_")
           : OrDash(absl::StrJoin(pofs, ",")),
        OrDash(e.authorization_number()),
        cs ? absl::StrCat(e.units_remaining()) : "-",
        OrDash(e.start_date()),
        e.has_outreach_due_by() ? TimeText(e.outreach_due_by()) : "-",
        OrDash(absl::StrJoin(flags, ",")),
    });
  }
  return table.Render();
}

std::string FormatQualityTable(const std::vector<hub::v1::QualityMeasureReport>& reports) {
  TextTable table({"PERIOD", "MEASURE", "PLAN", "STRATIFIER", "NUMERATOR", "DENOMINATOR", "RATE"});
  for (const hub::v1::QualityMeasureReport& r : reports) {
    table.AddRow({r.period(), r.measure_id(), r.plan_id(), OrDash(r.stratifier()),
                  absl::StrCat(r.numerator()), absl::StrCat(r.denominator()),
                  absl::StrFormat("%.1f%%", r.rate() * 100.0)});
  }
  return table.Render();
}

std::string FormatCarePlan(const hub::v1::GetCarePlanResponse& response) {
  const hub::v1::CarePlan& plan = response.care_plan();
  std::string out;
  absl::StrAppend(&out, "member          ", plan.cin(), "\n");
  absl::StrAppend(&out, "written by      ", response.author_provider_id(), " (record ",
                  response.record_id(), ", accepted ", TimeText(response.accept_time()), ")\n");
  absl::StrAppend(&out, "effective       ", OrDash(plan.effective_date()), "\n");
  absl::StrAppend(&out, "assessment      ", OrDash(plan.assessment_date()), "\n");
  absl::StrAppend(&out, "next review     ", OrDash(plan.next_review_date()), "\n");
  if (!plan.goals().empty()) {
    TextTable goals({"GOAL", "TARGET", "STATUS"});
    for (const hub::v1::CarePlanGoal& g : plan.goals()) {
      goals.AddRow({g.description(), OrDash(g.target_date()), OrDash(g.status())});
    }
    absl::StrAppend(&out, "\n", goals.Render());
  }
  if (!plan.interventions().empty()) {
    absl::StrAppend(&out, "\nINTERVENTIONS\n");
    for (const std::string& i : plan.interventions()) absl::StrAppend(&out, "- ", i, "\n");
  }
  if (!plan.care_team().empty()) {
    TextTable team({"CARE TEAM", "ROLE", "ORGANIZATION", "PHONE"});
    for (const hub::v1::CareTeamMember& m : plan.care_team()) {
      team.AddRow({m.name(), OrDash(m.role()), OrDash(m.organization()), OrDash(m.phone())});
    }
    absl::StrAppend(&out, "\n", team.Render());
  }
  return out;
}

int WorklistCommand(const ViewCommandContext& ctx, const std::string& provider_id,
                    const std::string& plan_id, const std::string& as_of, std::ostream& out,
                    std::ostream& err) {
  auto stub = hub::v1::ProviderService::NewStub(ctx.channel);
  hub::v1::ListMembersRequest request;
  request.set_provider_id(provider_id);
  request.set_plan_id(plan_id);
  request.set_as_of_date(as_of);
  request.set_page_size(1000);
  std::vector<hub::v1::WorklistEntry> entries;
  hub::v1::ClaimWork claims;  // On the first page.
  do {
    grpc::ClientContext context;
    hubctl::PrepareContext(context, kViewDeadline);
    hub::v1::ListMembersResponse response;
    absl::Status status = FromGrpcStatus(stub->ListMembers(&context, request, &response));
    if (!status.ok()) return Fail(ctx, "worklist", status, err);
    for (hub::v1::WorklistEntry& e : *response.mutable_entries()) entries.push_back(std::move(e));
    if (request.page_token().empty()) claims = std::move(*response.mutable_claims());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  int overdue = 0;
  int due = 0;
  int over_capacity = 0;
  for (const hub::v1::WorklistEntry& e : entries) {
    due += e.has_outreach_due_by();
    overdue += e.outreach_overdue();
    over_capacity += e.over_capacity();
  }
  out << FormatWorklistTable(entries);
  out << entries.size() << " members on the worklist; outreach due for " << due << " (" << overdue
      << " overdue); " << over_capacity << " arrived over capacity\n";
  out << FormatClaimWork(claims);
  return 0;
}

int QualityCommand(const ViewCommandContext& ctx, const std::string& provider_id,
                   const std::string& period, std::ostream& out, std::ostream& err) {
  auto stub = hub::v1::ProviderService::NewStub(ctx.channel);
  hub::v1::ListQualityReportsRequest request;
  request.set_provider_id(provider_id);
  request.set_period(period);
  grpc::ClientContext context;
  hubctl::PrepareContext(context, kViewDeadline);
  hub::v1::ListQualityReportsResponse response;
  absl::Status status = FromGrpcStatus(stub->ListQualityReports(&context, request, &response));
  if (!status.ok()) return Fail(ctx, "quality", status, err);
  out << FormatQualityTable(std::vector<hub::v1::QualityMeasureReport>(response.reports().begin(),
                                                                       response.reports().end()));
  return 0;
}

int CarePlanCommand(const ViewCommandContext& ctx, const std::string& provider_id,
                    const std::string& cin, std::ostream& out, std::ostream& err) {
  auto stub = hub::v1::ProviderService::NewStub(ctx.channel);
  hub::v1::GetCarePlanRequest request;
  request.set_provider_id(provider_id);
  request.set_cin(cin);
  grpc::ClientContext context;
  hubctl::PrepareContext(context, kViewDeadline);
  hub::v1::GetCarePlanResponse response;
  absl::Status status = FromGrpcStatus(stub->GetCarePlan(&context, request, &response));
  if (!status.ok()) return Fail(ctx, "careplan", status, err);
  out << FormatCarePlan(response);
  return 0;
}

namespace {

// "ACCEPTED", "REJECTED", "PAID", "DENIED" or "-" (no answer yet).
std::string DecisionWord(const hub::v1::PlanDecision& d) {
  switch (d.decision()) {
    case hub::v1::CLAIM_DECISION_ACCEPTED:
      return "ACCEPTED";
    case hub::v1::CLAIM_DECISION_REJECTED:
      return "REJECTED";
    case hub::v1::CLAIM_DECISION_PAID:
      return "PAID";
    case hub::v1::CLAIM_DECISION_DENIED:
      return "DENIED";
    default:
      return "-";
  }
}

std::string Dollars(int64_t cents) {
  return absl::StrFormat("$%d.%02d", cents / 100, (cents < 0 ? -cents : cents) % 100);
}

}  // namespace

std::string FormatClaimWork(const hub::v1::ClaimWork& work) {
  if (work.plans().empty() && work.needs_action().empty()) return "";
  std::string out = "\nclaims (the plans' answers to this provider's billed lines)\n";
  for (const hub::v1::PlanClaimWork& plan : work.plans()) {
    const hub::v1::ClaimCounts& c = plan.counts();
    absl::StrAppend(&out, "plan ", plan.plan_id(), ": ", c.accepted(), " accepted, ", c.rejected(),
                    " rejected, ", c.paid(), " paid (", Dollars(c.paid_cents()), "), ", c.denied(),
                    " denied\n");
  }
  if (work.needs_action().empty()) return out;
  TextTable table({"RECORD", "PLAN", "CLAIM:LINE", "SERVICE DATE", "ANSWER", "DATE", "PLAN CODES"});
  for (const hub::v1::ClaimActionLine& line : work.needs_action()) {
    const hub::v1::BillingStatus& b = line.billing();
    table.AddRow({line.record_id(), line.plan_id(),
                  b.claim_id().empty() ? "-" : absl::StrCat(b.claim_id(), ":", b.line_number()),
                  OrDash(b.service_date()), DecisionWord(b.plan_decision()),
                  OrDash(b.plan_decision().date()),
                  OrDash(absl::StrJoin(b.plan_decision().reason_codes(), "; "))});
  }
  absl::StrAppend(&out, "\nlines needing action (fix and submit again, or appeal)\n",
                  table.Render(), work.needs_action_size(), " line(s) rejected or denied",
                  work.more_need_action() ? " listed; more in hubctl billing" : "", "\n");
  return out;
}

std::string FormatBillingTable(const std::vector<hub::v1::FeedbackItem>& items) {
  TextTable table({"RECORD", "KEY", "PLAN", "KIND", "BILLING", "FILE", "CLAIM:LINE", "PERIOD",
                   "REASON", "WHAT TO FIX", "PLAN ANSWER", "PAID", "DATE", "PLAN CODES"});
  for (const hub::v1::FeedbackItem& item : items) {
    if (item.kind() != hub::v1::RECORD_KIND_SERVICE &&
        item.kind() != hub::v1::RECORD_KIND_INVOICE_LINE) {
      continue;
    }
    const hub::v1::BillingStatus& b = item.billing();
    std::string state = "-";
    if (b.state() == hub::v1::BILLING_STATE_BILLED) state = "BILLED";
    if (b.state() == hub::v1::BILLING_STATE_NOT_BILLED) state = "NOT_BILLED";
    std::string file = "-";
    if (b.file_kind() == hub::v1::FILE_KIND_CLAIMS_837P) file = "837P";
    if (b.file_kind() == hub::v1::FILE_KIND_INVOICE) file = "INVOICE";
    table.AddRow({item.record_id(), item.idempotency_key(), item.plan_id(),
                  item.kind() == hub::v1::RECORD_KIND_SERVICE ? "service" : "invoice_line", state,
                  file,
                  b.claim_id().empty() ? "-" : absl::StrCat(b.claim_id(), ":", b.line_number()),
                  OrDash(b.period()), OrDash(b.reason_code()), OrDash(b.message()),
                  DecisionWord(b.plan_decision()),
                  b.plan_decision().decision() == hub::v1::CLAIM_DECISION_PAID
                      ? Dollars(b.plan_decision().paid_cents())
                      : "-",
                  OrDash(b.plan_decision().date()),
                  OrDash(absl::StrJoin(b.plan_decision().reason_codes(), "; "))});
  }
  return table.Render();
}

int BillingCommand(const ViewCommandContext& ctx, const std::string& provider_id, std::ostream& out,
                   std::ostream& err) {
  auto stub = hub::v1::ProviderService::NewStub(ctx.channel);
  hub::v1::ListFeedbackRequest request;
  request.set_provider_id(provider_id);
  request.set_page_size(1000);
  std::vector<hub::v1::FeedbackItem> items;
  do {
    grpc::ClientContext context;
    hubctl::PrepareContext(context, kViewDeadline);
    hub::v1::ListFeedbackResponse response;
    absl::Status status = FromGrpcStatus(stub->ListFeedback(&context, request, &response));
    if (!status.ok()) return Fail(ctx, "billing", status, err);
    for (hub::v1::FeedbackItem& item : *response.mutable_items()) {
      if (item.kind() == hub::v1::RECORD_KIND_SERVICE ||
          item.kind() == hub::v1::RECORD_KIND_INVOICE_LINE) {
        items.push_back(std::move(item));
      }
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  int billed = 0, not_billed = 0;
  std::map<std::string, int> answers;
  int64_t paid_cents = 0;
  for (const hub::v1::FeedbackItem& item : items) {
    billed += item.billing().state() == hub::v1::BILLING_STATE_BILLED;
    not_billed += item.billing().state() == hub::v1::BILLING_STATE_NOT_BILLED;
    const hub::v1::PlanDecision& d = item.billing().plan_decision();
    if (d.decision() != hub::v1::CLAIM_DECISION_UNSPECIFIED) ++answers[DecisionWord(d)];
    if (d.decision() == hub::v1::CLAIM_DECISION_PAID) paid_cents += d.paid_cents();
  }
  out << FormatBillingTable(items);
  out << items.size() << " billable lines: " << billed << " billed, " << not_billed
      << " not billed (see REASON), " << (static_cast<int>(items.size()) - billed - not_billed)
      << " awaiting their month's export\n";
  out << "plans' answers: " << answers["ACCEPTED"] << " accepted, " << answers["REJECTED"]
      << " rejected, " << answers["PAID"] << " paid (" << Dollars(paid_cents) << "), "
      << answers["DENIED"] << " denied\n";
  return 0;
}

}  // namespace hub
