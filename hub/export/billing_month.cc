#include "hub/export/billing_month.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/identifiers.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "storage/claim_tally.h"

namespace hub {
namespace {

// Unbillable statuses written per batch.
constexpr int kStatusBatch = 1000;

// The line's identity for duplicates: provider, member, day, code and the
// modifiers in any order.
std::string LineKey(std::string_view provider_id, std::string_view cin, std::string_view date,
                    std::string_view code,
                    const google::protobuf::RepeatedPtrField<std::string>& modifiers) {
  std::vector<std::string> sorted(modifiers.begin(), modifiers.end());
  std::sort(sorted.begin(), sorted.end());
  Sha256 sha;
  for (std::string_view part : {provider_id, cin, date, code}) {
    sha.Update(part);
    sha.Update(std::string_view("\0", 1));
  }
  for (const std::string& m : sorted) {
    sha.Update(m);
    sha.Update(std::string_view("\0", 1));
  }
  return sha.HexDigest().substr(0, 32);
}

}  // namespace

bool CompleteAddress(const hub::v1::PostalAddress& a) {
  return !a.line1().empty() && !a.city().empty() && a.state().size() == 2 && a.zip().size() >= 5;
}

BillingMonth::BillingMonth(ExportRun& run, const storage::ClaimStore& claims)
    : run_(run), claims_(claims) {}

absl::Status BillingMonth::Scan(hub::v1::FileKind target,
                                const std::function<absl::Status(const LineToBill&)>& bill) {
  RETURN_IF_ERROR(ScanKind(hub::v1::RECORD_KIND_SERVICE, target, bill));
  RETURN_IF_ERROR(ScanKind(hub::v1::RECORD_KIND_INVOICE_LINE, target, bill));
  RETURN_IF_ERROR(FlushStatuses(/*all=*/true));
  for (const auto& [reason, lines] : unbillable_) {
    hub::v1::UnbillableLines* out = summary_.add_unbillable();
    out->set_reason_code(reason);
    out->set_lines(lines);
  }
  return absl::OkStatus();
}

absl::Status BillingMonth::ScanKind(hub::v1::RecordKind kind, hub::v1::FileKind target,
                                    const std::function<absl::Status(const LineToBill&)>& bill) {
  const ExportJob& job = run_.job();
  ASSIGN_OR_RETURN(std::unique_ptr<storage::FeedScan> scan,
                   run_.stores().feed->ScanMonth(job.plan.plan_id(), kind, job.period));
  const bool service = kind == hub::v1::RECORD_KIND_SERVICE;
  const hub::v1::PlanProfile* profile = job.profile == nullptr ? nullptr : &job.profile->profile;
  hub::v1::FeedItem item;
  while (true) {
    ASSIGN_OR_RETURN(const bool more, run_.NextDisclosed(*scan, item));
    if (!more) break;
    RETURN_IF_ERROR(run_.CheckCancelled());
    summary_.set_billable_lines(summary_.billable_lines() + 1);
    const std::string& cin =
        service ? item.submission().service().cin() : item.submission().invoice_line().cin();
    const hub::v1::FileKind file =
        service
            ? adapters::BillingFileFor(profile, adapters::ProgramOf(item.submission().service()))
            : hub::v1::FILE_KIND_INVOICE;
    if (cin != member_.cin()) {
      ASSIGN_OR_RETURN(member_, run_.MemberOf(cin));
    }
    ASSIGN_OR_RETURN(const hub::v1::Provider* provider, run_.ProviderOf(item));
    std::string message;
    ASSIGN_OR_RETURN(const std::string_view reason,
                     Check(item, file, member_, *provider, &message));
    if (!reason.empty()) {
      RETURN_IF_ERROR(Unbillable(item, reason, message));
      continue;
    }
    if (file != target) {
      summary_.set_billed_on_other_file(summary_.billed_on_other_file() + 1);
      continue;
    }
    summary_.set_billed_lines(summary_.billed_lines() + 1);
    RETURN_IF_ERROR(bill(LineToBill{&item, &member_, provider}));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string_view> BillingMonth::Check(const hub::v1::FeedItem& item,
                                                     hub::v1::FileKind file,
                                                     const hub::v1::Member& member,
                                                     const hub::v1::Provider& provider,
                                                     std::string* message) {
  const bool service = item.submission().has_service();
  const std::string key = service
                              ? LineKey(item.provider_id(), item.submission().service().cin(),
                                        item.submission().service().service_date(),
                                        item.submission().service().hcpcs_code(),
                                        item.submission().service().modifiers())
                              : LineKey(item.provider_id(), item.submission().invoice_line().cin(),
                                        item.submission().invoice_line().service_date(),
                                        item.submission().invoice_line().hcpcs_code(),
                                        item.submission().invoice_line().modifiers());
  auto [it, first] = seen_.try_emplace(key, item.record_id(), service);
  if (!first) {
    if (!service && it->second.second) {
      *message = absl::StrCat(
          "this invoice line repeats service line ", it->second.first,
          " (same member, day, code and modifiers), which the plan is billed for; nothing to "
          "send: a service is submitted once, and the plan's profile decides how it is billed");
      return kDuplicateOfService;
    }
    *message = absl::StrCat("this line repeats line ", it->second.first,
                            " (same member, day, code and modifiers), which is billed once; if "
                            "the service was given twice, send one line with the total units");
    return kDuplicateLine;
  }
  if (member.name().last().empty() || member.date_of_birth().empty()) {
    *message =
        "the hub has no name or date of birth for this member, which the plan needs to make an "
        "encounter; the line is billed by the first export after the plan's member file lists "
        "the member";
    return kMemberDemographicsMissing;
  }
  if (file != hub::v1::FILE_KIND_CLAIMS_837P) return std::string_view();
  const hub::v1::ServiceRecord& line = item.submission().service();
  if (line.diagnosis_codes().empty()) {
    *message = absl::StrCat("plan ", run_.job().plan.plan_id(), " bills ",
                            Absl(adapters::ProgramWords(adapters::ProgramOf(line))),
                            " on the 837P, which needs an ICD-10-CM diagnosis code on the line; "
                            "send the service again under a new idempotency key with "
                            "diagnosis_codes");
    return kMissingDiagnosis;
  }
  if (!ValidateNpi(provider.npi()).ok() || !ValidateTin(provider.tin()).ok() ||
      !CompleteAddress(provider.address())) {
    *message = absl::StrCat(
        "provider ", provider.provider_id(),
        " has no valid NPI, TIN or complete address (street, city, 2-letter state, ZIP) in the "
        "hub's directory, which the 837P's billing provider loop needs; the county administrator "
        "sets it with UpdateProvider, and the next export bills the line");
    return kBillingProviderIncomplete;
  }
  return std::string_view();
}

absl::Status BillingMonth::Unbillable(const hub::v1::FeedItem& item, std::string_view reason,
                                      const std::string& message) {
  ++unbillable_[std::string(reason)];
  hub::v1::BillingStatus status;
  status.set_state(hub::v1::BILLING_STATE_NOT_BILLED);
  status.set_period(run_.job().period);
  status.set_reason_code(std::string(reason));
  status.set_message(message);
  claims_.PutLine(statuses_, run_.job().plan.plan_id(), item.record_id(), status);
  written_.emplace_back(item.record_id(), std::move(status));
  return FlushStatuses(/*all=*/false);
}

absl::Status BillingMonth::Billed(std::string_view record_id,
                                  const hub::v1::BillingStatus& status) {
  claims_.PutLine(statuses_, run_.job().plan.plan_id(), record_id, status);
  written_.emplace_back(std::string(record_id), status);
  return FlushStatuses(/*all=*/false);
}

absl::Status BillingMonth::FlushStatuses(bool all) {
  if (statuses_.Count() == 0 || (!all && written_.size() < kStatusBatch)) {
    return absl::OkStatus();
  }
  // Under the decisions' lock from the first read to the commit, so an
  // answer file being applied meanwhile cannot lose a tally move.
  absl::MutexLock lock(&storage::ClaimStore::DecisionMutex());
  RETURN_IF_ERROR(WithdrawDecisions());
  written_.clear();
  return claims_.Commit(statuses_);
}

namespace {

bool SameClaimLine(const hub::v1::BillingStatus& a, const hub::v1::BillingStatus& b) {
  return a.state() == hub::v1::BILLING_STATE_BILLED && b.state() == hub::v1::BILLING_STATE_BILLED &&
         a.file_kind() == b.file_kind() && a.claim_id() == b.claim_id() &&
         a.line_number() == b.line_number();
}

std::string ClaimLineKey(std::string_view claim_id, int line_number) {
  return absl::StrCat(Absl(claim_id), "#", line_number);
}

}  // namespace

absl::Status BillingMonth::WithdrawDecisions() {
  const std::string& plan_id = run_.job().plan.plan_id();
  // The claim lines this batch writes: an old crosswalk entry of one of
  // them now names its new line and stays.
  absl::flat_hash_set<std::string> rewritten;
  for (const auto& [record_id, now] : written_) {
    if (now.state() == hub::v1::BILLING_STATE_BILLED) {
      rewritten.insert(ClaimLineKey(now.claim_id(), now.line_number()));
    }
  }
  std::optional<hub::v1::PlanClaims> tally;
  for (const auto& [record_id, now] : written_) {
    ASSIGN_OR_RETURN(std::optional<hub::v1::PlanDecision> decision, claims_.GetDecision(record_id));
    if (!decision.has_value()) continue;
    // The status the line was answered under (this batch's is not
    // committed yet).
    ASSIGN_OR_RETURN(std::optional<hub::v1::BillingStatus> before, claims_.GetLine(record_id));
    if (!before.has_value()) before.emplace();
    if (SameClaimLine(*before, now)) continue;  // Exported again: the answer stands.
    if (!tally.has_value()) {
      ASSIGN_OR_RETURN(tally, claims_.GetTally(plan_id));
    }
    storage::CountClaimLine(*tally, *before, *decision, -1);
    claims_.DeleteDecision(statuses_, record_id);
    if (!before->provider_id().empty()) {
      claims_.PutNeedsAction(statuses_, before->provider_id(), record_id, plan_id, false);
    }
    // Answers about the claim line it was on no longer reach it.
    if (before->state() == hub::v1::BILLING_STATE_BILLED && !before->claim_id().empty() &&
        !rewritten.contains(ClaimLineKey(before->claim_id(), before->line_number()))) {
      ASSIGN_OR_RETURN(std::optional<std::string> on_line,
                       claims_.FindClaimLine(plan_id, before->claim_id(), before->line_number()));
      if (on_line.has_value() && *on_line == record_id) {
        claims_.DeleteClaimLine(statuses_, plan_id, before->claim_id(), before->line_number());
      }
    }
    summary_.set_decisions_withdrawn(summary_.decisions_withdrawn() + 1);
  }
  if (tally.has_value()) claims_.PutTally(statuses_, *tally);
  return absl::OkStatus();
}

}  // namespace hub
