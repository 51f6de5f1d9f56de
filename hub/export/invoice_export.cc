// The invoice file (FILE_KIND_INVOICE), in the plan's layout: the lines the
// plan's billing rules put on the invoice (billing_month.h), in walk order:
// service lines of the programs the plan takes on invoices, then the invoice
// lines providers sent. Each row carries what a plan needs to make an
// encounter of it: the member's date of birth and sex, the place of service,
// the diagnosis codes, the billing provider's address and taxonomy, and the
// hub's record id of the line.
#include <memory>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "hub/export/billing_month.h"
#include "hub/export/export_renderers.h"
#include "hub/export/export_run.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {
namespace {

// The hub's invoice number for a provider's service lines of a period:
// "HUB-YYYYMM-" and 8 hex digits of the provider id's SHA-256 (19
// characters; the invoice number field holds 30).
std::string HubInvoiceNumber(std::string_view provider_id, std::string_view period) {
  Sha256 sha;
  sha.Update(provider_id);
  const std::string month(period.substr(0, 4).data(), 4);
  return absl::StrCat("HUB-", month, std::string(period.substr(5, 2)), "-",
                      sha.HexDigest().substr(0, 8));
}

class InvoiceRenderer {
 public:
  explicit InvoiceRenderer(ExportRun& run)
      : run_(run), job_(run.job()), month_(run, *run.stores().claims) {}

  absl::Status Render() {
    RETURN_IF_ERROR(run_.OpenRenderer());
    RETURN_IF_ERROR(month_.Scan(hub::v1::FILE_KIND_INVOICE,
                                [this](const LineToBill& line) { return Add(line); }));
    RETURN_IF_ERROR(month_.Finish());
    run_.result().billing = month_.summary();
    return run_.FinishRenderer();
  }

 private:
  absl::Status Add(const LineToBill& line) {
    const hub::v1::FeedItem& item = *line.item;
    row_.Clear();
    run_.SetPlan(row_.mutable_plan());
    const hub::v1::Provider& provider = *line.provider;
    ExportRun::SetProvider(provider, row_.mutable_provider());
    *row_.mutable_provider()->mutable_address() = provider.address();
    row_.mutable_provider()->set_taxonomy_code(provider.taxonomy_code());
    hub::v1::Member& member = *row_.mutable_member();
    ExportRun::SetMemberName(*line.member, &member);
    member.set_date_of_birth(line.member->date_of_birth());
    member.set_sex(line.member->sex());
    row_.set_record_id(item.record_id());
    hub::v1::InvoiceLine& out = *row_.mutable_line();
    if (item.submission().has_invoice_line()) {
      out = item.submission().invoice_line();
    } else {
      const hub::v1::ServiceRecord& s = item.submission().service();
      out.set_invoice_number(HubInvoiceNumber(item.provider_id(), job_.period));
      out.set_line_number(++lines_by_provider_[item.provider_id()]);
      out.set_cin(s.cin());
      out.set_service_date(s.service_date());
      out.set_hcpcs_code(s.hcpcs_code());
      *out.mutable_modifiers() = s.modifiers();
      out.set_units(s.units());
      out.set_charge_cents(s.charge_cents());
      out.set_authorization_number(s.authorization_number());
      row_.set_place_of_service(s.place_of_service());
      *row_.mutable_diagnosis_codes() = s.diagnosis_codes();
    }
    RETURN_IF_ERROR(run_.AddRow(row_, item.record_id()));
    hub::v1::BillingStatus status;
    status.set_state(hub::v1::BILLING_STATE_BILLED);
    status.set_file_kind(hub::v1::FILE_KIND_INVOICE);
    status.set_period(job_.period);
    status.set_control_number(run_.result().control_number);
    status.set_claim_id(out.invoice_number());
    status.set_line_number(out.line_number());
    return month_.Billed(item.record_id(), status);
  }

  ExportRun& run_;
  const ExportJob& job_;
  hub::v1::InvoiceFileRow row_;
  absl::flat_hash_map<std::string, int32_t> lines_by_provider_;
  BillingMonth month_;
};

}  // namespace

absl::Status RenderInvoice(ExportRun& run) { return InvoiceRenderer(run).Render(); }

}  // namespace hub
