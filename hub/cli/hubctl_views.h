// hubctl's provider views, apart from hubctl.cc's command table (which only
// parses the flags and calls these):
//   hubctl worklist --provider=ID [--plan=P] [--as_of=YYYY-MM-DD]
//       the provider's worklist across plans (ProviderService.ListMembers,
//       every page) as a table, then a summary line;
//   hubctl quality --provider=ID [--period=P]
//       every plan's quality reports about the provider;
//   hubctl careplan --provider=ID --cin=CIN
//       the member's latest care plan, if the provider may read it;
//   hubctl billing --provider=ID
//       the provider's service and invoice lines (ListFeedback, every page)
//       with where each stands with the plan's billing, then the counts.
// These print PHI (CINs, names, care plans) to stdout for the provider's own
// staff; nothing goes to logs.
#ifndef HUB_HUB_CLI_HUBCTL_VIEWS_H_
#define HUB_HUB_CLI_HUBCTL_VIEWS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "hub/v1/provider_service.pb.h"

namespace hub {

// What a view command needs besides its output streams.
struct ViewCommandContext {
  std::shared_ptr<grpc::Channel> channel;
  // For "cannot reach hubd at ..." messages.
  std::string server;
};

// PLAN, CIN, NAME, REASON (ECM|CS), STATUS, DETAIL (populations of focus or
// the Community Support), AUTH, UNITS LEFT, START, OUTREACH DUE (UTC), FLAGS
// (OVERDUE, OVER_CAPACITY); "-" for an empty value.
std::string FormatWorklistTable(const std::vector<hub::v1::WorklistEntry>& entries);

// The billing side of the worklist: one line per plan ("plan P: N accepted,
// N rejected, N paid ($X.YY), N denied"), then the lines a plan rejected or
// denied: RECORD, PLAN, CLAIM:LINE, SERVICE DATE, ANSWER, DATE, PLAN CODES.
// Empty when no plan answered any line.
std::string FormatClaimWork(const hub::v1::ClaimWork& work);

// PERIOD, MEASURE, PLAN, STRATIFIER, NUMERATOR, DENOMINATOR, RATE ("62.5%").
std::string FormatQualityTable(const std::vector<hub::v1::QualityMeasureReport>& reports);

// The care plan as labelled lines, goals, interventions and care team.
std::string FormatCarePlan(const hub::v1::GetCarePlanResponse& response);

// RECORD, KEY, PLAN, KIND, BILLING (BILLED, NOT_BILLED, "-" before the
// month's export), FILE (837P, INVOICE), CLAIM:LINE, PERIOD, REASON, WHAT TO
// FIX, for the service and invoice lines among `items`.
std::string FormatBillingTable(const std::vector<hub::v1::FeedbackItem>& items);

// Each returns the exit code (0 OK, 1 RPC failure) and writes errors to
// `err`. `plan_id`, `as_of` and `period` may be empty (no filter / today).
int WorklistCommand(const ViewCommandContext& ctx, const std::string& provider_id,
                    const std::string& plan_id, const std::string& as_of, std::ostream& out,
                    std::ostream& err);
int QualityCommand(const ViewCommandContext& ctx, const std::string& provider_id,
                   const std::string& period, std::ostream& out, std::ostream& err);
int CarePlanCommand(const ViewCommandContext& ctx, const std::string& provider_id,
                    const std::string& cin, std::ostream& out, std::ostream& err);
int BillingCommand(const ViewCommandContext& ctx, const std::string& provider_id, std::ostream& out,
                   std::ostream& err);

}  // namespace hub

#endif  // HUB_HUB_CLI_HUBCTL_VIEWS_H_
