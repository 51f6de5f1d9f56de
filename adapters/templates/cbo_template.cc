#include "adapters/templates/cbo_template.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "adapters/mapping/derived_fields.h"
#include "adapters/mapping/row_mapper.h"
#include "base/identifiers.h"
#include "base/string_view.h"
#include "google/protobuf/text_format.h"

namespace hub::adapters {
namespace internal {
// The text of adapters/templates/cbo_template.textproto, generated into the
// build tree by adapters/CMakeLists.txt.
extern const std::string_view kCboTemplateProfileText;
}  // namespace internal

namespace {

using hub::v1::CboTemplateRow;
using hub::v1::Submission;

// Upper-cases and drops spaces, underscores and dashes: how a row's record
// type is compared.
std::string FoldRecordType(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '_' || c == '\t' || c == '-') continue;
    out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

bool ValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != ':' &&
        c != '-') {
      return false;
    }
  }
  return true;
}

// Collects a row's problems. Messages name the column and what to do; they
// never quote the value.
class Checker {
 public:
  Checker(int64_t row_number, std::vector<RowError>& errors)
      : row_number_(row_number), errors_(errors) {}

  void Add(std::string_view column, std::string_view code, std::string message) {
    RowError e;
    e.row_number = row_number_;
    e.field = std::string(column);
    e.reason_code = std::string(code);
    e.message = std::move(message);
    errors_.push_back(std::move(e));
  }

  // Reports `column` missing for `record_type` unless `present`.
  bool Require(bool present, std::string_view column, std::string_view record_type) {
    if (!present) {
      Add(column, kRowRequiredMissing,
          absl::StrCat("column ", Absl(column), " is required for ", Absl(record_type),
                       " rows; fill it in and upload the row again"));
    }
    return present;
  }

  void Invalid(std::string_view column, std::string_view what) {
    Add(column, kRowInvalidValue, absl::StrCat("column ", Absl(column), " ", Absl(what)));
  }

  int64_t row_number() const { return row_number_; }

 private:
  int64_t row_number_;
  std::vector<RowError>& errors_;
};

void CheckPhone(Checker& c, std::string_view column, const std::string& phone) {
  if (!phone.empty() && (phone.size() != 10 || !AllDigits(phone))) {
    c.Invalid(column, "must be a 10-digit phone number");
  }
}

void CheckCodes(Checker& c, const CboTemplateRow& row) {
  if (!row.hcpcs_code().empty() && (row.hcpcs_code().size() != 5 || !AllAlnum(row.hcpcs_code()))) {
    c.Invalid("hcpcs_code", "must be a 5-character HCPCS code, e.g. G9008");
  }
  if (row.modifiers_size() > 4) c.Invalid("modifiers", "holds more than 4 modifiers");
  for (const auto& m : row.modifiers()) {
    if (m.size() != 2 || !AllAlnum(m)) {
      c.Invalid("modifiers", "must be 2-character modifiers separated by ';', e.g. U6;U1");
      break;
    }
  }
}

std::optional<int64_t> Charge(Checker& c, const CboTemplateRow& row) {
  if (row.charge().empty()) return std::nullopt;
  std::optional<int64_t> cents = ParseDollars(row.charge());
  if (!cents.has_value()) {
    c.Add("charge", kRowBadNumber,
          "column charge must be an amount in dollars with at most two decimals, e.g. 125.00");
  }
  return cents;
}

void CheckUnits(Checker& c, const CboTemplateRow& row, std::string_view record_type) {
  if (c.Require(row.has_units(), "units", record_type) && row.units() < 1) {
    c.Invalid("units", "must be 1 or more");
  }
}

void Outreach(Checker& c, const CboTemplateRow& row, Submission& out) {
  constexpr std::string_view kType = kTemplateOutreach;
  c.Require(row.method() != hub::v1::OUTREACH_METHOD_UNSPECIFIED, "method", kType);
  c.Require(row.has_successful(), "successful", kType);
  if (c.Require(row.has_minutes(), "minutes", kType) &&
      (row.minutes() < 0 || row.minutes() > 1440)) {
    c.Invalid("minutes", "must be between 0 and 1440");
  }
  auto* a = out.mutable_outreach_attempt();
  a->set_cin(row.cin());
  a->set_attempt_date(row.record_date());
  a->set_method(row.method());
  a->set_successful(row.successful());
  a->set_minutes(row.minutes());
  a->set_authorization_number(row.authorization_number());
}

void EnrollmentStatus(Checker& c, const CboTemplateRow& row, Submission& out) {
  constexpr std::string_view kType = kTemplateEnrollmentStatus;
  c.Require(row.ecm_status() != hub::v1::ENROLLMENT_STATUS_UNSPECIFIED, "ecm_status", kType);
  CheckPhone(c, "lead_care_manager_phone", row.lead_care_manager_phone());
  CheckPhone(c, "new_phone", row.new_phone());
  if (row.has_in_person_encounters() && row.in_person_encounters() < 0) {
    c.Invalid("in_person_encounters", "must be 0 or more");
  }
  if (row.has_telephonic_encounters() && row.telephonic_encounters() < 0) {
    c.Invalid("telephonic_encounters", "must be 0 or more");
  }
  const bool discontinued = row.ecm_status() == hub::v1::ENROLLMENT_STATUS_DISCONTINUED;
  const bool any_discontinuation = discontinued || !row.discontinuation_date().empty() ||
                                   row.has_discontinuation_code() ||
                                   !row.discontinuation_reason().empty();
  if (any_discontinuation) {
    constexpr std::string_view kWhy = "enrollment_status rows that report a discontinuation";
    c.Require(!row.discontinuation_date().empty(), "discontinuation_date", kWhy);
    if (c.Require(row.has_discontinuation_code(), "discontinuation_code", kWhy)) {
      if (row.discontinuation_code() < 1 || row.discontinuation_code() > 15) {
        c.Invalid("discontinuation_code", "must be a DHCS reason code from 1 to 15 (15 = other)");
      } else if (row.discontinuation_code() == 15) {
        c.Require(!row.discontinuation_reason().empty(), "discontinuation_reason",
                  "discontinuation code 15 (other)");
      }
    }
  }
  const bool any_address = !row.new_address_line1().empty() || !row.new_address_line2().empty() ||
                           !row.new_address_city().empty() || !row.new_address_state().empty() ||
                           !row.new_address_zip().empty();
  if (any_address) {
    constexpr std::string_view kWhy = "a new address";
    c.Require(!row.new_address_line1().empty(), "new_address_line1", kWhy);
    c.Require(!row.new_address_city().empty(), "new_address_city", kWhy);
    const std::string& state = row.new_address_state();
    if (c.Require(!state.empty(), "new_address_state", kWhy) &&
        (state.size() != 2 || !absl::ascii_isalpha(static_cast<unsigned char>(state[0])) ||
         !absl::ascii_isalpha(static_cast<unsigned char>(state[1])))) {
      c.Invalid("new_address_state", "must be a two-letter state code, e.g. CA");
    }
    c.Require(!row.new_address_zip().empty(), "new_address_zip", kWhy);
  }

  auto* e = out.mutable_enrollment_status();
  e->set_cin(row.cin());
  e->set_as_of_date(row.record_date());
  e->set_status(row.ecm_status());
  e->set_acuity(row.acuity());
  e->set_enrollment_start_date(row.enrollment_start_date());
  e->set_enrollment_end_date(row.enrollment_end_date());
  if (!row.lead_care_manager_name().empty() || !row.lead_care_manager_phone().empty() ||
      !row.lead_care_manager_email().empty()) {
    e->mutable_lead_care_manager()->set_name(row.lead_care_manager_name());
    e->mutable_lead_care_manager()->set_phone(row.lead_care_manager_phone());
    e->mutable_lead_care_manager()->set_email(row.lead_care_manager_email());
  }
  e->set_care_plan_revision_date(row.care_plan_revision_date());
  e->set_care_conference_date(row.care_conference_date());
  e->set_assessment_start_date(row.assessment_start_date());
  e->set_assessment_completed_date(row.assessment_completed_date());
  e->set_last_encounter_date(row.last_encounter_date());
  e->set_in_person_encounters(row.in_person_encounters());
  e->set_telephonic_encounters(row.telephonic_encounters());
  if (any_discontinuation) {
    e->mutable_discontinuation()->set_date(row.discontinuation_date());
    e->mutable_discontinuation()->set_dhcs_code(row.discontinuation_code());
    e->mutable_discontinuation()->set_reason(row.discontinuation_reason());
  }
  if (any_address) {
    auto* a = e->mutable_new_address();
    a->set_line1(row.new_address_line1());
    a->set_line2(row.new_address_line2());
    a->set_city(row.new_address_city());
    a->set_state(row.new_address_state());
    a->set_zip(row.new_address_zip());
  }
  e->set_new_phone(row.new_phone());
  if (row.has_experiencing_homelessness()) {
    e->set_experiencing_homelessness(row.experiencing_homelessness());
  }
}

void Service(Checker& c, const CboTemplateRow& row, Submission& out) {
  constexpr std::string_view kType = kTemplateService;
  c.Require(!row.hcpcs_code().empty(), "hcpcs_code", kType);
  CheckCodes(c, row);
  CheckUnits(c, row, kType);
  if (c.Require(!row.place_of_service().empty(), "place_of_service", kType) &&
      (row.place_of_service().size() != 2 || !AllDigits(row.place_of_service()))) {
    c.Invalid("place_of_service", "must be a 2-digit CMS place of service code, e.g. 12");
  }
  c.Require(row.has_in_person(), "in_person", kType);
  c.Require(row.staff_type() != hub::v1::STAFF_TYPE_UNSPECIFIED, "staff_type", kType);
  if (row.diagnosis_codes_size() > 12) c.Invalid("diagnosis_codes", "holds more than 12 codes");
  const std::optional<int64_t> cents = Charge(c, row);

  auto* s = out.mutable_service();
  s->set_cin(row.cin());
  s->set_service_date(row.record_date());
  s->set_hcpcs_code(row.hcpcs_code());
  *s->mutable_modifiers() = row.modifiers();
  s->set_units(row.units());
  s->set_place_of_service(row.place_of_service());
  s->set_in_person(row.in_person());
  s->set_staff_type(row.staff_type());
  s->set_authorization_number(row.authorization_number());
  *s->mutable_diagnosis_codes() = row.diagnosis_codes();
  s->set_charge_cents(cents.value_or(0));
}

void InvoiceLine(Checker& c, const CboTemplateRow& row, Submission& out) {
  constexpr std::string_view kType = kTemplateInvoiceLine;
  if (c.Require(!row.invoice_number().empty(), "invoice_number", kType) &&
      row.invoice_number().size() > 30) {
    c.Invalid("invoice_number", "must be at most 30 characters");
  }
  if (c.Require(row.has_line_number(), "line_number", kType) && row.line_number() < 1) {
    c.Invalid("line_number", "must be 1 or more");
  }
  c.Require(!row.hcpcs_code().empty(), "hcpcs_code", kType);
  CheckCodes(c, row);
  CheckUnits(c, row, kType);
  c.Require(!row.charge().empty(), "charge", kType);
  const std::optional<int64_t> cents = Charge(c, row);

  auto* l = out.mutable_invoice_line();
  l->set_invoice_number(row.invoice_number());
  l->set_line_number(row.line_number());
  l->set_cin(row.cin());
  l->set_service_date(row.record_date());
  l->set_hcpcs_code(row.hcpcs_code());
  *l->mutable_modifiers() = row.modifiers();
  l->set_units(row.units());
  l->set_charge_cents(cents.value_or(0));
  l->set_authorization_number(row.authorization_number());
}

void ReferralStatus(Checker& c, const CboTemplateRow& row, Submission& out) {
  constexpr std::string_view kType = kTemplateReferralStatus;
  // No authorization number: the status of the plan's ECM referral (its
  // assignment of the member to the provider).
  c.Require(row.referral_status() != hub::v1::REFERRAL_STATUS_UNSPECIFIED, "referral_status",
            kType);
  if (row.referral_status() == hub::v1::REFERRAL_STATUS_DECLINED ||
      row.referral_status() == hub::v1::REFERRAL_STATUS_CLOSED) {
    c.Require(row.closure_reason() != hub::v1::LOOP_CLOSURE_REASON_UNSPECIFIED, "closure_reason",
              "declined and closed referral_status rows");
  }
  if (row.closure_reason() == hub::v1::LOOP_CLOSURE_REASON_OTHER) {
    c.Require(!row.closure_reason_text().empty(), "closure_reason_text", "closure reason other");
  }
  auto* r = out.mutable_referral_status();
  r->set_authorization_number(row.authorization_number());
  r->set_cin(row.cin());
  r->set_status(row.referral_status());
  r->set_status_date(row.record_date());
  r->set_closure_reason(row.closure_reason());
  r->set_closure_reason_text(row.closure_reason_text());
}

absl::StatusOr<hub::v1::PlanProfile> ParseProfile() {
  hub::v1::PlanProfile profile;
  const std::string text(internal::kCboTemplateProfileText);
  if (!google::protobuf::TextFormat::ParseFromString(text, &profile)) {
    return absl::InternalError(
        "the compiled-in CBO template profile does not parse; fix "
        "adapters/templates/cbo_template.textproto and rebuild");
  }
  return profile;
}

// Adapts the template layout's CanonicalRowSink to a SubmissionSink.
class TemplateReader : public StreamReader, private CanonicalRowSink {
 public:
  explicit TemplateReader(SubmissionSink* sink) : sink_(sink) {}

  absl::Status Open(const PlanAdapter& adapter) {
    auto parser = adapter.OpenParser(hub::v1::FILE_KIND_CBO_SUBMISSIONS, this);
    if (!parser.ok()) return parser.status();
    parser_ = std::move(*parser);
    return absl::OkStatus();
  }

  absl::Status Feed(std::string_view chunk) override { return parser_->Feed(chunk); }
  absl::Status Finish() override { return parser_->Finish(); }
  const ReaderStats& stats() const override {
    stats_ = parser_->stats();
    stats_.rows_rejected += template_rejects_;
    return stats_;
  }

 private:
  absl::Status OnRow(int64_t row_number, const google::protobuf::Message& row) override {
    errors_.clear();
    auto submission =
        SubmissionFromTemplateRow(static_cast<const CboTemplateRow&>(row), row_number, &errors_);
    if (submission.ok()) return sink_->OnSubmission(row_number, *submission);
    ++template_rejects_;
    for (const RowError& e : errors_) {
      if (absl::Status s = sink_->OnRowError(e); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

  absl::Status OnRowError(const RowError& error) override { return sink_->OnRowError(error); }

  SubmissionSink* const sink_;
  std::unique_ptr<StreamReader> parser_;
  std::vector<RowError> errors_;
  int64_t template_rejects_ = 0;
  mutable ReaderStats stats_;
};

}  // namespace

const hub::v1::PlanProfile& CboTemplateProfile() {
  static const hub::v1::PlanProfile* const profile = [] {
    auto parsed = ParseProfile();
    return new hub::v1::PlanProfile(parsed.ok() ? *std::move(parsed) : hub::v1::PlanProfile());
  }();
  return *profile;
}

absl::StatusOr<const PlanAdapter*> CboTemplateAdapter() {
  static const absl::StatusOr<std::unique_ptr<PlanAdapter>>* const adapter = [] {
    auto parsed = ParseProfile();
    if (!parsed.ok()) return new absl::StatusOr<std::unique_ptr<PlanAdapter>>(parsed.status());
    return new absl::StatusOr<std::unique_ptr<PlanAdapter>>(CreateDeclarativePlanAdapter(*parsed));
  }();
  if (!adapter->ok()) {
    return absl::InternalError(absl::StrCat("the compiled-in CBO template profile is broken: ",
                                            adapter->status().message()));
  }
  return adapter->value().get();
}

std::vector<std::string> CboTemplateColumns() {
  std::vector<std::string> columns;
  for (const auto& layout : CboTemplateProfile().layouts()) {
    for (const auto& field : layout.fields()) columns.push_back(field.source());
  }
  return columns;
}

absl::StatusOr<Submission> SubmissionFromTemplateRow(const CboTemplateRow& row, int64_t row_number,
                                                     std::vector<RowError>* errors) {
  std::vector<RowError> found;
  Checker c(row_number, found);
  Submission out;
  const std::string type = FoldRecordType(row.record_type());
  if (type.empty()) {
    c.Add("record_type", kRowRequiredMissing,
          "column record_type is required: outreach, enrollment_status, service, invoice_line "
          "or referral_status");
  } else if (type != FoldRecordType(kTemplateOutreach) &&
             type != FoldRecordType(kTemplateEnrollmentStatus) &&
             type != FoldRecordType(kTemplateService) &&
             type != FoldRecordType(kTemplateInvoiceLine) &&
             type != FoldRecordType(kTemplateReferralStatus)) {
    c.Add("record_type", kRowUnknownRecordType,
          type == "CAREPLAN"
              ? "care plans cannot be sent in the CSV template (goals and care teams do not fit "
                "a row); send them with ProviderService.Submit"
              : "column record_type must be outreach, enrollment_status, service, invoice_line "
                "or referral_status");
  }
  if (!row.idempotency_key().empty() && !ValidIdempotencyKey(row.idempotency_key())) {
    c.Invalid("idempotency_key", "must be 1 to 64 characters of letters, digits, . _ : -");
  }
  if (c.Require(!row.cin().empty(), "cin", "every row") && !ValidateCin(row.cin()).ok()) {
    c.Add("cin", kRowBadCin, "column cin must be a Medi-Cal CIN: 8 digits then a letter");
  }
  c.Require(!row.record_date().empty(), "record_date", "every row");
  // The record type's own columns (nothing more for an unknown type).
  if (type == FoldRecordType(kTemplateOutreach)) {
    Outreach(c, row, out);
  } else if (type == FoldRecordType(kTemplateEnrollmentStatus)) {
    EnrollmentStatus(c, row, out);
  } else if (type == FoldRecordType(kTemplateService)) {
    Service(c, row, out);
  } else if (type == FoldRecordType(kTemplateInvoiceLine)) {
    InvoiceLine(c, row, out);
  } else if (type == FoldRecordType(kTemplateReferralStatus)) {
    ReferralStatus(c, row, out);
  }
  if (!found.empty()) {
    std::vector<std::string> parts;
    for (const RowError& e : found) parts.push_back(absl::StrCat(e.field, " ", e.reason_code));
    absl::Status status = absl::InvalidArgumentError(
        absl::StrCat("row ", row_number, " rejected: ", absl::StrJoin(parts, ", ")));
    if (errors != nullptr) {
      for (RowError& e : found) errors->push_back(std::move(e));
    }
    return status;
  }
  out.set_idempotency_key(row.idempotency_key());
  if (row.has_substance_use_disorder()) {
    out.set_substance_use_disorder(row.substance_use_disorder());
  }
  return out;
}

namespace {

// The template columns of an outreach attempt.
void OutreachRow(const hub::v1::OutreachAttempt& a, CboTemplateRow& row) {
  row.set_record_type(std::string(kTemplateOutreach));
  row.set_cin(a.cin());
  row.set_record_date(a.attempt_date());
  row.set_method(a.method());
  row.set_successful(a.successful());
  row.set_minutes(a.minutes());
  row.set_authorization_number(a.authorization_number());
}

// The template columns of an enrollment status update (its discontinuation and new address only
// when set).
void EnrollmentStatusRow(const hub::v1::EnrollmentStatusUpdate& e, CboTemplateRow& row) {
  row.set_record_type(std::string(kTemplateEnrollmentStatus));
  row.set_cin(e.cin());
  row.set_record_date(e.as_of_date());
  row.set_ecm_status(e.status());
  row.set_acuity(e.acuity());
  row.set_enrollment_start_date(e.enrollment_start_date());
  row.set_enrollment_end_date(e.enrollment_end_date());
  row.set_lead_care_manager_name(e.lead_care_manager().name());
  row.set_lead_care_manager_phone(e.lead_care_manager().phone());
  row.set_lead_care_manager_email(e.lead_care_manager().email());
  row.set_care_plan_revision_date(e.care_plan_revision_date());
  row.set_care_conference_date(e.care_conference_date());
  row.set_assessment_start_date(e.assessment_start_date());
  row.set_assessment_completed_date(e.assessment_completed_date());
  row.set_last_encounter_date(e.last_encounter_date());
  row.set_in_person_encounters(e.in_person_encounters());
  row.set_telephonic_encounters(e.telephonic_encounters());
  if (e.has_discontinuation()) {
    row.set_discontinuation_date(e.discontinuation().date());
    row.set_discontinuation_code(e.discontinuation().dhcs_code());
    row.set_discontinuation_reason(e.discontinuation().reason());
  }
  if (e.has_new_address()) {
    row.set_new_address_line1(e.new_address().line1());
    row.set_new_address_line2(e.new_address().line2());
    row.set_new_address_city(e.new_address().city());
    row.set_new_address_state(e.new_address().state());
    row.set_new_address_zip(e.new_address().zip());
  }
  row.set_new_phone(e.new_phone());
  if (e.has_experiencing_homelessness()) {
    row.set_experiencing_homelessness(e.experiencing_homelessness());
  }
}

// The template columns of a service record.
void ServiceRow(const hub::v1::ServiceRecord& s, CboTemplateRow& row) {
  row.set_record_type(std::string(kTemplateService));
  row.set_cin(s.cin());
  row.set_record_date(s.service_date());
  row.set_hcpcs_code(s.hcpcs_code());
  *row.mutable_modifiers() = s.modifiers();
  row.set_units(s.units());
  row.set_place_of_service(s.place_of_service());
  row.set_in_person(s.in_person());
  row.set_staff_type(s.staff_type());
  row.set_authorization_number(s.authorization_number());
  *row.mutable_diagnosis_codes() = s.diagnosis_codes();
  row.set_charge(FormatDollars(s.charge_cents()));
}

// The template columns of an invoice line.
void InvoiceLineRow(const hub::v1::InvoiceLine& l, CboTemplateRow& row) {
  row.set_record_type(std::string(kTemplateInvoiceLine));
  row.set_cin(l.cin());
  row.set_record_date(l.service_date());
  row.set_invoice_number(l.invoice_number());
  row.set_line_number(l.line_number());
  row.set_hcpcs_code(l.hcpcs_code());
  *row.mutable_modifiers() = l.modifiers();
  row.set_units(l.units());
  row.set_charge(FormatDollars(l.charge_cents()));
  row.set_authorization_number(l.authorization_number());
}

// The template columns of a referral status update.
void ReferralStatusRow(const hub::v1::ReferralStatusUpdate& r, CboTemplateRow& row) {
  row.set_record_type(std::string(kTemplateReferralStatus));
  row.set_cin(r.cin());
  row.set_record_date(r.status_date());
  row.set_authorization_number(r.authorization_number());
  row.set_referral_status(r.status());
  row.set_closure_reason(r.closure_reason());
  row.set_closure_reason_text(r.closure_reason_text());
}

}  // namespace

absl::StatusOr<CboTemplateRow> TemplateRowFromSubmission(const Submission& submission) {
  CboTemplateRow row;
  row.set_idempotency_key(submission.idempotency_key());
  if (submission.substance_use_disorder()) row.set_substance_use_disorder(true);
  switch (submission.record_case()) {
    case Submission::kOutreachAttempt:
      OutreachRow(submission.outreach_attempt(), row);
      break;
    case Submission::kEnrollmentStatus:
      EnrollmentStatusRow(submission.enrollment_status(), row);
      break;
    case Submission::kService:
      ServiceRow(submission.service(), row);
      break;
    case Submission::kInvoiceLine:
      InvoiceLineRow(submission.invoice_line(), row);
      break;
    case Submission::kReferralStatus:
      ReferralStatusRow(submission.referral_status(), row);
      break;
    case Submission::kCarePlan:
      return absl::InvalidArgumentError(
          "care plans are not in the CBO CSV template; send them with ProviderService.Submit");
    default:
      return absl::InvalidArgumentError("the submission holds no record");
  }
  return row;
}

absl::StatusOr<std::unique_ptr<StreamReader>> OpenCboTemplateReader(SubmissionSink* sink) {
  auto adapter = CboTemplateAdapter();
  if (!adapter.ok()) return adapter.status();
  auto reader = std::make_unique<TemplateReader>(sink);
  if (absl::Status s = reader->Open(**adapter); !s.ok()) return s;
  return std::unique_ptr<StreamReader>(std::move(reader));
}

}  // namespace hub::adapters
