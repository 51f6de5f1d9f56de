// ProviderDay: what the county's providers send the hub on one day.
//
// For every member of a County, the ECM provider the member's plan assigned
// and the Community Supports providers it authorized submit the records a
// working day produces: outreach attempts, G9008 service lines, enrollment
// status updates, care plans and invoice lines for ECM; referral status
// updates, outreach and service lines on the authorization for Community
// Supports. Service lines carry an ICD-10-CM diagnosis (Z59.00 for a member
// experiencing homelessness, else one of a few social-needs Z codes) and a
// place of service that fits in-person or telephonic delivery. Each record
// is dated within the week before `day`, inside the
// member's coverage, the assignment's benefit window or the authorization's
// period, and the as-of month, so a hub that ingested the county's plan files
// (without injected errors) accepts it.
//
// A chosen share of records is made wrong on purpose, each with the reason
// code the hub answers (docs/submission-reasons.md): a date in the future, a
// provider that is not the member's ECM provider, more units than the
// authorization has left, a modifier that does not bill the authorized
// Community Support, an ECM line without a diagnosis for a plan that bills
// ECM on the 837P.
//
// Deterministic: a pure function of (county, options), streamed in member
// order; O(number of providers) memory. Nothing here reads files or clocks.
#ifndef HUB_GENERATOR_PROVIDER_DAY_H_
#define HUB_GENERATOR_PROVIDER_DAY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/civil_date.h"
#include "generator/county.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/submission.pb.h"

namespace hub::generator {

struct ProviderDayOptions {
  // The day the providers submit: records are dated on it or up to six days
  // before it. It must lie in the county's as-of month.
  CivilDate day;
  // Share of records made wrong on purpose (0..1).
  double error_rate = 0;
  // Plans whose member file carries one span for both the ECM benefit and
  // the coverage (Kaiser's template, an 834's DTP*348/349; see
  // CoverageSpanIsEcmPeriod): for their ECM-assigned members the hub knows
  // coverage only within the ECM benefit window, so every record about such
  // a member is dated inside it.
  std::set<std::string> coverage_from_ecm_period;
  // Each plan's profile, for its billing rules (adapters/plan_billing.h): a
  // service line of a program the plan bills on the 837P carries a
  // diagnosis, except the ones made wrong on purpose (MISSING_DIAGNOSIS). A
  // plan not listed bills every program on the 837P.
  std::map<std::string, hub::v1::PlanProfile> plan_profiles;
};

// True if `layout` (a member assignment layout) fills the coverage start from
// the same column as the ECM benefit start.
bool CoverageSpanIsEcmPeriod(const hub::v1::FileLayout& layout);

// One record a provider submits.
struct DaySubmission {
  // The provider submitting it.
  std::string provider_id;
  // The plan the hub should route it to (the plan covering the member on the
  // record's date).
  std::string plan_id;
  // The record, with an idempotency key unique in the county and stable
  // across runs ("d<YYYYMMDD>-<member index>-<n>").
  hub::v1::Submission submission;
  // Empty when the hub should accept it; else the reason code it should
  // reject it with.
  std::string expected_reason;
};

using DaySubmissionCallback = std::function<absl::Status(const DaySubmission&)>;

// Streams every provider's records for `options.day`, in member order. The
// record is valid only during the callback; a non-OK status from it stops
// the stream and is returned. InvalidArgument if the day is outside the
// as-of month or error_rate outside 0..1.
absl::Status ProviderDaySubmissions(const County& county, const ProviderDayOptions& options,
                                    const DaySubmissionCallback& callback);

// One provider's file of the day.
struct ProviderDayFile {
  std::string provider_id;
  // File name inside the output folder: "<provider_id>.jsonl" (one
  // hub.v1.Submission per line in protobuf JSON, for ProviderService.Submit)
  // or "<provider_id>.csv" (the standard CBO CSV template,
  // docs/cbo-csv-template.md, for ProviderService.UploadFile).
  std::string file_name;
  bool csv = false;
  int64_t records = 0;
  // Records made wrong on purpose, by the reason code the hub should give.
  std::map<std::string, int64_t> expected_rejections;
};

// Writes every provider's records of the day into `out_dir` (created if
// missing), one file per provider with records, in directory order. Every
// fourth provider in directory order keeps its records in a spreadsheet and
// sends the CSV template; its care plans are left out (the template has no
// care plans). The others send JSON lines. PermissionDenied/DataLoss when a
// file cannot be written.
absl::StatusOr<std::vector<ProviderDayFile>> WriteProviderDayFiles(
    const County& county, const ProviderDayOptions& options, const std::string& out_dir);

}  // namespace hub::generator

#endif  // HUB_GENERATOR_PROVIDER_DAY_H_
