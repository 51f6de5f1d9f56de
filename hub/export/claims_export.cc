// The 837P (FILE_KIND_CLAIMS_837P): the period's service lines as X12
// 005010X222A1 professional claims, one billing provider loop per provider
// (rules in file_export.h).
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "adapters/writers/x12_837p_writer.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "hub/export/billing_month.h"
#include "hub/export/export_renderers.h"
#include "hub/export/export_run.h"

namespace hub {
namespace {

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

// CLM01: "C" and 14 uppercase hex digits of SHA-256 over (billing NPI, member, day,
// authorization, part): 15 characters, stable across re-exports, within the
// 20 characters many payers keep and return (835 CLP01) with headroom. The
// crosswalk (storage/claim_store.h) leads from it back to each line's record.
std::string ClaimId(std::string_view npi, const hub::v1::ServiceRecord& first, int part) {
  Sha256 sha;
  sha.Update(absl::StrCat(Absl(npi), "\x1f", ClaimGroupKey(first), "\x1f", part));
  return absl::StrCat("C", absl::AsciiStrToUpper(sha.HexDigest().substr(0, 14)));
}

class ClaimsRenderer {
 public:
  explicit ClaimsRenderer(ExportRun& run)
      : run_(run), job_(run.job()), month_(run, *run.stores().claims) {}

  absl::Status Render() {
    StartWriter();
    RETURN_IF_ERROR(month_.Scan(hub::v1::FILE_KIND_CLAIMS_837P,
                                [this](const LineToBill& line) { return Add(line); }));
    if (!pending_.empty()) RETURN_IF_ERROR(WriteClaims());
    RETURN_IF_ERROR(month_.Finish());
    absl::Status finished = writer_->Finish(run_.out());
    if (!finished.ok()) return Unwritable837(finished, "");
    run_.result().billing = month_.summary();
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

  // Gathers a line the billing month routes to the 837P. Lines come by
  // (provider, member, day, authorization): a batch is written when the
  // provider changes, or when it is large and a member ends (a claim's lines
  // never straddle two batches).
  absl::Status Add(const LineToBill& line) {
    const hub::v1::FeedItem& item = *line.item;
    const hub::v1::ServiceRecord& service = item.submission().service();
    if (!pending_.empty() &&
        (item.provider_id() != billing_provider_.provider_id() ||
         (pending_.size() >= kClaimBatchLines && service.cin() != pending_.back().service.cin()))) {
      RETURN_IF_ERROR(WriteClaims());
    }
    if (pending_.empty()) billing_provider_ = *line.provider;
    adapters::BilledService& billed = pending_.emplace_back();
    billed.record_id = item.record_id();
    billed.member = *line.member;
    billed.service = service;
    return absl::OkStatus();
  }

  absl::Status Unwritable837(const absl::Status& cause, std::string_view provider_id) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the 837P of plan ", job_.plan.plan_id(), " for ", job_.period, " cannot be written",
        provider_id.empty() ? "" : absl::StrCat(" (billing provider ", Absl(provider_id), ")"),
        ": ", cause.message()));
  }

  // The billing provider (2010AA) of the pending lines (BillingMonth
  // checked its NPI, TIN and address).
  adapters::BillingProvider837 BillingProvider() const {
    adapters::BillingProvider837 billing;
    billing.name = billing_provider_.name();
    billing.npi = billing_provider_.npi();
    billing.tin = billing_provider_.tin();
    billing.address = billing_provider_.address();
    billing.taxonomy_code = billing_provider_.taxonomy_code();
    return billing;
  }

  // Splits one grouped claim at 50 lines or 12 distinct diagnosis codes.
  static void SplitClaim(adapters::Claim837& claim, std::vector<adapters::Claim837>& claims) {
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
        part.member = claim.member;
        part.subscriber_address = claim.subscriber_address;
      }
      for (const std::string& dx : line.diagnosis_codes()) diagnoses.insert(DiagnosisKey(dx));
      part.lines.push_back(line);
      part.line_ids.push_back(claim.line_ids[i]);
    }
    claims.push_back(std::move(part));
  }

  // Groups the pending lines (one billing provider) into claims, names
  // them, writes them and records each line's billing status.
  absl::Status WriteClaims() {
    const adapters::BillingProvider837 billing = BillingProvider();
    std::vector<adapters::Claim837> claims;
    for (adapters::Claim837& claim : adapters::GroupServicesIntoClaims(pending_)) {
      SplitClaim(claim, claims);
    }
    pending_.clear();
    int part = 0;
    for (size_t c = 0; c < claims.size(); ++c) {
      adapters::Claim837& claim = claims[c];
      // Same group, same part: the same claim id at every export.
      const bool continues =
          c > 0 && ClaimGroupKey(claims[c - 1].lines[0]) == ClaimGroupKey(claim.lines[0]);
      part = continues ? part + 1 : 0;
      claim.claim_id = ClaimId(billing.npi, claim.lines[0], part);
      if (!CompleteAddress(claim.subscriber_address)) {
        // A member without a residence on file (e.g. experiencing
        // homelessness): the billing provider's address (docs/billing.md).
        claim.subscriber_address = billing.address;
      }
    }
    if (claims.empty()) return absl::OkStatus();
    std::vector<int> sets;
    absl::Status added = writer_->AddBillingProvider(billing, payer_, claims, run_.out(), &sets);
    if (!added.ok()) return Unwritable837(added, billing_provider_.provider_id());
    int64_t lines = 0;
    for (size_t c = 0; c < claims.size(); ++c) {
      const adapters::Claim837& claim = claims[c];
      for (size_t i = 0; i < claim.lines.size(); ++i) {
        hub::v1::BillingStatus status;
        status.set_state(hub::v1::BILLING_STATE_BILLED);
        status.set_file_kind(hub::v1::FILE_KIND_CLAIMS_837P);
        status.set_period(job_.period);
        status.set_control_number(run_.result().control_number);
        status.set_claim_id(claim.claim_id);
        status.set_line_number(static_cast<int>(i + 1));
        status.set_provider_id(billing_provider_.provider_id());
        status.set_service_date(claim.lines[i].service_date());
        status.set_transaction_set(c < sets.size() ? sets[c] : 0);
        RETURN_IF_ERROR(month_.Billed(claim.line_ids[i], status));
      }
      lines += static_cast<int64_t>(claim.lines.size());
    }
    run_.result().record_count += lines;
    return run_.Flush(/*all=*/false);
  }

  ExportRun& run_;
  const ExportJob& job_;
  std::unique_ptr<adapters::X12_837PWriter> writer_;
  adapters::Payer837 payer_;
  std::vector<adapters::BilledService> pending_;
  hub::v1::Provider billing_provider_;
  BillingMonth month_;
};

}  // namespace

absl::Status RenderClaims837P(ExportRun& run) { return ClaimsRenderer(run).Render(); }

}  // namespace hub
