// The 837P (FILE_KIND_CLAIMS_837P): the period's service lines as X12
// 005010X222A1 professional claims, one billing provider loop per provider
// (rules in file_export.h).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/writers/x12_837p_writer.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/export/export_renderers.h"
#include "hub/export/export_run.h"

namespace hub {
namespace {

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Service lines gathered per billing provider before they are written.
constexpr size_t kClaimBatchLines = 1000;
// X12 837P limits of one claim (the writer refuses more).
constexpr size_t kMaxLinesPerClaim = 50;
constexpr size_t kMaxDiagnosesPerClaim = 12;

// ICD-10-CM as an 837P HI segment compares it: no dot, upper case.
std::string DiagnosisKey(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c != '.') out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string ClaimGroupKey(const hub::v1::ServiceRecord& s) {
  return absl::StrCat(s.cin(), "\x1f", s.service_date(), "\x1f", s.authorization_number());
}

class ClaimsRenderer {
 public:
  explicit ClaimsRenderer(ExportRun& run) : run_(run), job_(run.job()) {}

  absl::Status Render() {
    StartWriter();
    ASSIGN_OR_RETURN(std::unique_ptr<storage::FeedScan> scan,
                     run_.stores().feed->ScanMonth(job_.plan.plan_id(),
                                                   hub::v1::RECORD_KIND_SERVICE, job_.period));
    hub::v1::FeedItem item;
    while (true) {
      ASSIGN_OR_RETURN(const bool more, run_.NextDisclosed(*scan, item));
      if (!more) break;
      const hub::v1::ServiceRecord& line = item.submission().service();
      // Lines come by (provider, member, day, authorization): write a batch
      // when the provider changes, or when it is large and a member ends
      // (a claim's lines never straddle two batches).
      if (!pending_.empty() &&
          (item.provider_id() != pending_provider_ ||
           (pending_.size() >= kClaimBatchLines && line.cin() != pending_.back().service.cin()))) {
        RETURN_IF_ERROR(WriteClaims());
      }
      if (pending_.empty()) pending_provider_ = item.provider_id();
      adapters::BilledService& billed = pending_.emplace_back();
      billed.record_id = item.record_id();
      if (line.cin() != member_.cin()) {
        ASSIGN_OR_RETURN(member_, run_.MemberOf(line.cin()));
      }
      billed.member = member_;
      billed.service = line;
      pending_npi_ = item.provider_npi();
      RETURN_IF_ERROR(run_.CheckCancelled());
    }
    if (!pending_.empty()) RETURN_IF_ERROR(WriteClaims());
    absl::Status finished = writer_->Finish(run_.out());
    if (!finished.ok()) return Unwritable837(finished, "");
    if (skipped_lines_ > 0) {
      log::Warning("claims_without_diagnosis_skipped",
                   {{"plan_id", job_.plan.plan_id()},
                    {"period", job_.period},
                    {"lines", skipped_lines_},
                    {"claims", static_cast<int64_t>(skipped_claims_)},
                    {"record_ids", absl::StrJoin(skipped_ids_, ",")}});
    }
    return absl::OkStatus();
  }

 private:
  void StartWriter() {
    const FileExportOptions& options = run_.options();
    adapters::X12_837PEnvelope envelope;
    envelope.sender_id = options.x12_sender_id;
    envelope.submitter_name = options.x12_submitter_name;
    envelope.submitter_contact = options.x12_submitter_contact;
    envelope.submitter_phone = options.x12_submitter_phone;
    payer_.name = job_.plan.name().empty() ? job_.plan.plan_id() : job_.plan.name();
    payer_.id = job_.plan.dhcs_plan_code().empty() ? absl::AsciiStrToUpper(job_.plan.plan_id())
                                                   : job_.plan.dhcs_plan_code();
    envelope.receiver_id = payer_.id.substr(0, 15);
    envelope.receiver_name = payer_.name;
    envelope.date = run_.render().file_date;
    envelope.time = run_.render().file_time;
    envelope.control_number = run_.result().control_number;
    writer_ = std::make_unique<adapters::X12_837PWriter>(std::move(envelope));
  }

  absl::Status Unwritable837(const absl::Status& cause, std::string_view provider_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the 837P of plan ", job_.plan.plan_id(), " for ", job_.period, " cannot be written",
        provider_id.empty() ? "" : absl::StrCat(" (billing provider ", Absl(provider_id), ")"),
        ": ", cause.message()));
  }

  // The billing provider (2010AA) of the pending lines.
  absl::StatusOr<adapters::BillingProvider837> BillingProvider() {
    hub::v1::FeedItem who;
    who.set_provider_id(pending_provider_);
    who.set_provider_npi(pending_npi_);
    ASSIGN_OR_RETURN(const hub::v1::Provider* provider, run_.ProviderOf(who));
    const hub::v1::PostalAddress& address = provider->address();
    if (address.line1().empty() || address.city().empty() || address.state().size() != 2 ||
        address.zip().empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "provider ", provider->provider_id(),
          " has no complete address (street, city, 2-letter state, ZIP), which an 837P needs "
          "for the billing provider (loop 2010AA); the county administrator sets it with "
          "UpdateProvider (update_mask \"address\"), then export again"));
    }
    adapters::BillingProvider837 billing;
    billing.name = provider->name();
    billing.npi = provider->npi();
    billing.tin = provider->tin();
    billing.address = address;
    return billing;
  }

  // Splits one grouped claim at 50 lines or 12 distinct diagnosis codes;
  // `ids` are the record ids of its lines, in order.
  static void SplitClaim(adapters::Claim837& claim, const std::vector<const std::string*>& ids,
                         std::vector<adapters::Claim837>& claims) {
    adapters::Claim837 part;
    absl::flat_hash_set<std::string> diagnoses;
    for (size_t i = 0; i < claim.lines.size(); ++i) {
      const hub::v1::ServiceRecord& line = claim.lines[i];
      size_t added = 0;
      for (const std::string& dx : line.diagnosis_codes()) {
        if (!diagnoses.contains(DiagnosisKey(dx))) ++added;
      }
      if (!part.lines.empty() && (part.lines.size() >= kMaxLinesPerClaim ||
                                  diagnoses.size() + added > kMaxDiagnosesPerClaim)) {
        claims.push_back(std::move(part));
        part = adapters::Claim837();
        diagnoses.clear();
      }
      if (part.lines.empty()) {
        part.claim_id = i == 0 ? claim.claim_id : *ids[i];
        part.member = claim.member;
      }
      for (const std::string& dx : line.diagnosis_codes()) diagnoses.insert(DiagnosisKey(dx));
      part.lines.push_back(line);
    }
    claims.push_back(std::move(part));
  }

  // Groups the pending lines (one billing provider) into claims and writes
  // them.
  absl::Status WriteClaims() {
    ASSIGN_OR_RETURN(const adapters::BillingProvider837 billing, BillingProvider());
    // The record ids of each claim's lines, in the order
    // GroupServicesIntoClaims keeps them, to name the split-off claims.
    absl::flat_hash_map<std::string, std::vector<const std::string*>> ids_by_group;
    for (const adapters::BilledService& s : pending_) {
      ids_by_group[ClaimGroupKey(s.service)].push_back(&s.record_id);
    }
    std::vector<adapters::Claim837> grouped = adapters::GroupServicesIntoClaims(pending_);
    std::vector<adapters::Claim837> claims;
    int64_t lines = 0;
    for (adapters::Claim837& claim : grouped) {
      bool any_diagnosis = false;
      for (const hub::v1::ServiceRecord& line : claim.lines) {
        any_diagnosis = any_diagnosis || line.diagnosis_codes_size() > 0;
      }
      if (!any_diagnosis) {
        skipped_lines_ += static_cast<int64_t>(claim.lines.size());
        ++skipped_claims_;
        if (skipped_ids_.size() < kLoggedRecordIds) skipped_ids_.push_back(claim.claim_id);
        continue;
      }
      lines += static_cast<int64_t>(claim.lines.size());
      SplitClaim(claim, ids_by_group[ClaimGroupKey(claim.lines[0])], claims);
    }
    pending_.clear();
    if (claims.empty()) return absl::OkStatus();
    absl::Status added = writer_->AddBillingProvider(billing, payer_, claims, run_.out());
    if (!added.ok()) return Unwritable837(added, pending_provider_);
    run_.result().record_count += lines;
    return run_.Flush(/*all=*/false);
  }

  ExportRun& run_;
  const ExportJob& job_;
  std::unique_ptr<adapters::X12_837PWriter> writer_;
  adapters::Payer837 payer_;
  std::vector<adapters::BilledService> pending_;
  std::string pending_provider_;
  std::string pending_npi_;
  hub::v1::Member member_;
  int64_t skipped_lines_ = 0;
  size_t skipped_claims_ = 0;
  std::vector<std::string> skipped_ids_;
};

}  // namespace

absl::Status RenderClaims837P(ExportRun& run) { return ClaimsRenderer(run).Render(); }

}  // namespace hub
