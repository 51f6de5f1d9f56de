#include "generator/provider_day.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapters/plan_adapter.h"
#include "adapters/plan_billing.h"
#include "adapters/templates/cbo_template.h"
#include "base/status_macros.h"
#include "generator/rng.h"
#include "google/protobuf/util/json_util.h"

namespace hub::generator {
namespace {

// Streams of the day, apart from the county's own (county.cc uses 1..6).
constexpr uint64_t kStreamDay = 101;

// The reason codes the hub answers (hub/submit/submit_validation.h).
constexpr char kFutureDate[] = "FUTURE_DATE";
constexpr char kUnknownMember[] = "UNKNOWN_MEMBER";
constexpr char kUnitsExceeded[] = "UNITS_EXCEEDED";
constexpr char kCodeModifierMismatch[] = "CODE_MODIFIER_MISMATCH";
constexpr char kMissingDiagnosis[] = "MISSING_DIAGNOSIS";
// ICD-10-CM social-needs codes a CBO may record for a housed member:
// problems related to living alone, other primary support group problems,
// other psychosocial circumstances, food insecurity.
constexpr const char* kHousedDiagnoses[] = {"Z60.2", "Z63.8", "Z65.8", "Z59.41"};

// Fictional care-team and goal vocabulary (no real people).
constexpr const char* kGoals[] = {
    "Move into permanent housing",         "Attend primary care visit",
    "Keep behavioral health appointments", "Enroll in CalFresh",
    "Reduce emergency department visits",  "Fill prescriptions on time",
    "Reconnect with family supports",      "Complete Medi-Cal renewal"};
constexpr const char* kInterventions[] = {
    "Weekly home visit",         "Accompany to appointments", "Housing navigation referral",
    "Medication reconciliation", "Benefits enrollment help",  "Transportation arranged"};
constexpr const char* kStaffFirst[] = {"Alex", "Jordan", "Sam", "Taylor", "Casey", "Morgan"};
constexpr const char* kStaffLast[] = {"Reyes", "Tran", "Okafor", "Silva", "Park", "Cohen"};

std::optional<CivilDate> Iso(const std::string& text) {
  if (text.empty()) return std::nullopt;
  absl::StatusOr<CivilDate> date = CivilDate::ParseIso(text);
  if (!date.ok()) return std::nullopt;
  return *date;
}

// [lo, hi] clipped to the window a period allows; nullopt when empty.
struct Window {
  CivilDate lo;
  CivilDate hi;
  bool Clip(const std::string& start, const std::string& end) {
    if (std::optional<CivilDate> s = Iso(start); s.has_value() && *s > lo) lo = *s;
    if (std::optional<CivilDate> e = Iso(end); e.has_value() && *e < hi) hi = *e;
    return lo <= hi;
  }
  CivilDate Pick(Rng& rng) const {
    return lo.AddDays(rng.Between(0, hi.DaysSinceEpoch() - lo.DaysSinceEpoch()));
  }
};

class DayWriter {
 public:
  DayWriter(const County& county, const ProviderDayOptions& options,
            const DaySubmissionCallback& callback)
      : county_(county), options_(options), callback_(callback) {
    for (const auto& row : county.options().reference.ecm_codes()) {
      if (!row.modifiers().empty()) ecm_codes_.push_back(&row);
    }
  }

  absl::Status Member(int64_t i) {
    county_.FillMember(i, member_);
    Rng rng =
        Rng::For(county_.options().seed, static_cast<uint64_t>(i),
                 HashCombine(kStreamDay, static_cast<uint64_t>(options_.day.DaysSinceEpoch())));
    sequence_ = 0;
    for (const Enrollment& e : member_.enrollments) {
      Window covered{options_.day.AddDays(-6), options_.day};
      if (covered.lo < county_.period_start()) covered.lo = county_.period_start();
      if (e.row.action() == hub::v1::ROW_ACTION_TERMINATE) continue;
      if (!covered.Clip(e.row.coverage().start_date(), e.row.coverage().end_date())) continue;
      if (e.has_ecm && options_.coverage_from_ecm_period.contains(e.plan_id) &&
          !covered.Clip(e.row.assignment().benefit_start_date(),
                        e.row.assignment().benefit_end_date())) {
        continue;
      }
      if (e.has_ecm) RETURN_IF_ERROR(Ecm(i, e, covered, rng));
      for (const hub::v1::AuthorizationFileRow& a : e.authorizations) {
        RETURN_IF_ERROR(CommunitySupport(i, e, a.authorization(), covered, rng));
      }
    }
    return absl::OkStatus();
  }

 private:
  // Starts the next record of member `i` for `provider_id`.
  DaySubmission& Start(int64_t i, const std::string& provider_id, const std::string& plan_id) {
    out_.provider_id = provider_id;
    out_.plan_id = plan_id;
    out_.submission.Clear();
    out_.submission.set_idempotency_key(absl::StrFormat("d%04d%02d%02d-%d-%d", options_.day.year(),
                                                        options_.day.month(), options_.day.day(), i,
                                                        sequence_++));
    out_.expected_reason.clear();
    return out_;
  }

  bool Wrong(Rng& rng) { return options_.error_rate > 0 && rng.Chance(options_.error_rate); }

  // True if an assignment or authorization of the current member, in any of
  // its enrollments, names `provider_id`.
  bool Serves(const std::string& provider_id) const {
    for (const Enrollment& e : member_.enrollments) {
      if (e.has_ecm && e.row.assignment().provider_id() == provider_id) return true;
      for (const hub::v1::AuthorizationFileRow& a : e.authorizations) {
        if (a.authorization().provider_id() == provider_id) return true;
      }
    }
    return false;
  }

  // A date after any "today" the demo's hub can have while the as-of month
  // is current: the record is in the future.
  std::string FutureDate() const { return options_.day.AddDays(400).ToIso(); }

  absl::Status Ecm(int64_t i, const Enrollment& e, Window window, Rng& rng) {
    const hub::v1::Assignment& a = e.row.assignment();
    if (!window.Clip(a.benefit_start_date(), a.benefit_end_date())) return absl::OkStatus();
    if (rng.Chance(0.6)) RETURN_IF_ERROR(EcmOutreach(i, e, window, rng));
    if (!ecm_codes_.empty() && rng.Chance(0.45)) RETURN_IF_ERROR(EcmService(i, e, window, rng));
    if (rng.Chance(0.15)) RETURN_IF_ERROR(EcmEnrollmentStatus(i, e, window, rng));
    if (rng.Chance(0.08)) RETURN_IF_ERROR(EcmCarePlan(i, e, window, rng));
    return absl::OkStatus();
  }

  // An outreach attempt (wrong: dated in the future).
  absl::Status EcmOutreach(int64_t i, const Enrollment& e, const Window& window, Rng& rng) {
    const hub::v1::Assignment& a = e.row.assignment();
    const std::string& provider = a.provider_id();
    const std::string& cin = a.cin();
    DaySubmission& s = Start(i, provider, e.plan_id);
    auto* o = s.submission.mutable_outreach_attempt();
    o->set_cin(cin);
    o->set_attempt_date(window.Pick(rng).ToIso());
    static constexpr hub::v1::OutreachMethod kMethods[] = {
        hub::v1::OUTREACH_METHOD_TELEPHONE, hub::v1::OUTREACH_METHOD_IN_PERSON,
        hub::v1::OUTREACH_METHOD_TEXT_MESSAGE, hub::v1::OUTREACH_METHOD_VIDEO};
    o->set_method(kMethods[rng.Below(4)]);
    o->set_successful(rng.Chance(0.55));
    o->set_minutes(static_cast<int32_t>(rng.Between(5, 60)));
    if (Wrong(rng)) {
      o->set_attempt_date(FutureDate());
      s.expected_reason = kFutureDate;
    }
    RETURN_IF_ERROR(callback_(s));
    return absl::OkStatus();
  }

  // A G9008 service line (wrong: without a diagnosis where the plan bills
  // on an 837P, or sent by another ECM provider), then sometimes its
  // invoice line.
  absl::Status EcmService(int64_t i, const Enrollment& e, const Window& window, Rng& rng) {
    const hub::v1::Assignment& a = e.row.assignment();
    const std::string& provider = a.provider_id();
    const std::string& cin = a.cin();
    DaySubmission& s = Start(i, provider, e.plan_id);
    const size_t k = rng.Below(ecm_codes_.size());
    const auto& code = *ecm_codes_[k];
    auto* v = s.submission.mutable_service();
    v->set_cin(cin);
    v->set_service_date(window.Pick(rng).ToIso());
    v->set_hcpcs_code(code.hcpcs_code());
    for (const std::string& m : code.modifiers()) v->add_modifiers(m);
    v->set_units(static_cast<int32_t>(rng.Between(1, 4)));
    const bool in_person = k < 2;
    v->set_in_person(in_person);
    v->set_place_of_service(in_person ? (rng.Chance(0.6) ? "12" : "11") : "10");
    v->set_staff_type(k % 2 == 0 ? hub::v1::STAFF_TYPE_CLINICAL : hub::v1::STAFF_TYPE_NON_CLINICAL);
    v->add_diagnosis_codes(Diagnosis(e, rng));
    v->set_charge_cents(v->units() * 7500);
    if (Wrong(rng)) MakeServiceWrong(e, provider, s, rng);
    RETURN_IF_ERROR(callback_(s));
    if (s.expected_reason.empty() && rng.Chance(0.5)) RETURN_IF_ERROR(EcmInvoiceLine(i, e, *v));
    return absl::OkStatus();
  }

  // Makes a service line wrong: without its diagnosis (some of the time,
  // where the plan bills ECM on an 837P), else sent by another ECM provider
  // of the plan, one that serves the member in none of its enrollments.
  void MakeServiceWrong(const Enrollment& e, const std::string& provider, DaySubmission& s,
                        Rng& rng) {
    if (BillsOn837P(e.plan_id, hub::v1::BILLING_PROGRAM_ECM) && rng.Chance(0.3)) {
      s.submission.mutable_service()->clear_diagnosis_codes();  // The plan's 837P cannot bill it.
      s.expected_reason = kMissingDiagnosis;
      return;
    }
    // The hub answers as for an unknown CIN (it is no membership oracle).
    const std::vector<const hub::v1::Provider*> others =
        county_.ContractedProviders(e.plan_id, hub::v1::PROVIDER_KIND_ECM);
    for (const hub::v1::Provider* p : others) {
      if (p->provider_id() != provider && !Serves(p->provider_id())) {
        s.provider_id = p->provider_id();
        s.expected_reason = kUnknownMember;
        return;
      }
    }
  }

  // The invoice line that bills `service_record` (copied first: it is the
  // record Start reuses).
  absl::Status EcmInvoiceLine(int64_t i, const Enrollment& e,
                              const hub::v1::ServiceRecord& service_record) {
    const hub::v1::Assignment& a = e.row.assignment();
    const std::string& provider = a.provider_id();
    const std::string& cin = a.cin();
    const hub::v1::ServiceRecord* v = &service_record;
    const ServiceCopy service{
        v->service_date(), v->hcpcs_code(),
        std::vector<std::string>(v->modifiers().begin(), v->modifiers().end()), v->units(),
        v->charge_cents()};
    DaySubmission& inv = Start(i, provider, e.plan_id);
    auto* line = inv.submission.mutable_invoice_line();
    line->set_invoice_number(InvoiceNumber(provider));
    line->set_line_number(++invoice_lines_[provider]);
    line->set_cin(cin);
    line->set_service_date(service.date);
    line->set_hcpcs_code(service.code);
    for (const std::string& m : service.modifiers) line->add_modifiers(m);
    line->set_units(service.units);
    line->set_charge_cents(service.charge_cents);
    return callback_(inv);
  }

  // An enrollment status update (the RTF content).
  absl::Status EcmEnrollmentStatus(int64_t i, const Enrollment& e, const Window& window, Rng& rng) {
    const hub::v1::Assignment& a = e.row.assignment();
    const std::string& provider = a.provider_id();
    const std::string& cin = a.cin();
    DaySubmission& s = Start(i, provider, e.plan_id);
    auto* u = s.submission.mutable_enrollment_status();
    u->set_cin(cin);
    const CivilDate as_of = window.Pick(rng);
    u->set_as_of_date(as_of.ToIso());
    u->set_status(rng.Chance(0.8) ? hub::v1::ENROLLMENT_STATUS_ENROLLED
                                  : hub::v1::ENROLLMENT_STATUS_OUTREACH);
    u->set_acuity(rng.Chance(0.3) ? hub::v1::ACUITY_HIGH : hub::v1::ACUITY_LOW);
    if (u->status() == hub::v1::ENROLLMENT_STATUS_ENROLLED) {
      u->set_enrollment_start_date(a.benefit_start_date());
      u->set_last_encounter_date(as_of.ToIso());
      u->set_in_person_encounters(static_cast<int32_t>(rng.Between(0, 4)));
      u->set_telephonic_encounters(static_cast<int32_t>(rng.Between(0, 6)));
    }
    RETURN_IF_ERROR(callback_(s));
    return absl::OkStatus();
  }

  // A care plan: goals, an intervention and the lead care manager.
  absl::Status EcmCarePlan(int64_t i, const Enrollment& e, const Window& window, Rng& rng) {
    const hub::v1::Assignment& a = e.row.assignment();
    const std::string& provider = a.provider_id();
    const std::string& cin = a.cin();
    DaySubmission& s = Start(i, provider, e.plan_id);
    auto* p = s.submission.mutable_care_plan();
    p->set_cin(cin);
    const CivilDate effective = window.Pick(rng);
    p->set_effective_date(effective.ToIso());
    p->set_assessment_date(std::max(window.lo, effective.AddDays(-3)).ToIso());
    const size_t goals = static_cast<size_t>(rng.Between(1, 3));
    for (size_t g = 0; g < goals; ++g) {
      auto* goal = p->add_goals();
      goal->set_description(kGoals[rng.Below(std::size(kGoals))]);
      goal->set_target_date(effective.AddDays(rng.Between(30, 120)).ToIso());
      goal->set_status("open");
    }
    p->add_interventions(kInterventions[rng.Below(std::size(kInterventions))]);
    auto* lead = p->add_care_team();
    lead->set_name(absl::StrCat(kStaffFirst[rng.Below(std::size(kStaffFirst))], " ",
                                kStaffLast[rng.Below(std::size(kStaffLast))]));
    lead->set_role("Lead care manager");
    lead->set_organization(provider);
    p->set_next_review_date(effective.AddDays(90).ToIso());
    RETURN_IF_ERROR(callback_(s));
    return absl::OkStatus();
  }

  absl::Status CommunitySupport(int64_t i, const Enrollment& e, const hub::v1::Authorization& a,
                                Window window, Rng& rng) {
    if (a.status() != hub::v1::AUTHORIZATION_STATUS_APPROVED) return absl::OkStatus();
    if (!window.Clip(a.start_date(), a.end_date())) return absl::OkStatus();
    const std::string& provider = a.provider_id();
    if (rng.Chance(0.5)) {  // Closed-loop referral status.
      DaySubmission& s = Start(i, provider, e.plan_id);
      auto* r = s.submission.mutable_referral_status();
      r->set_authorization_number(a.authorization_number());
      r->set_cin(a.cin());
      r->set_status(rng.Chance(0.7) ? hub::v1::REFERRAL_STATUS_IN_PROGRESS
                                    : hub::v1::REFERRAL_STATUS_ACCEPTED);
      r->set_status_date(window.Pick(rng).ToIso());
      RETURN_IF_ERROR(callback_(s));
    }
    if (rng.Chance(0.2)) {  // Outreach on the referral.
      DaySubmission& s = Start(i, provider, e.plan_id);
      auto* o = s.submission.mutable_outreach_attempt();
      o->set_cin(a.cin());
      o->set_attempt_date(window.Pick(rng).ToIso());
      o->set_method(hub::v1::OUTREACH_METHOD_TELEPHONE);
      o->set_successful(true);
      o->set_minutes(static_cast<int32_t>(rng.Between(5, 30)));
      o->set_authorization_number(a.authorization_number());
      RETURN_IF_ERROR(callback_(s));
    }
    const int32_t left = a.units_approved() - a.units_used();
    if (left > 0 && rng.Chance(0.6)) {  // A service on the authorization.
      DaySubmission& s = Start(i, provider, e.plan_id);
      auto* v = s.submission.mutable_service();
      v->set_cin(a.cin());
      v->set_service_date(window.Pick(rng).ToIso());
      v->set_hcpcs_code(a.hcpcs_code());
      for (const std::string& m : a.modifiers()) v->add_modifiers(m);
      v->set_units(static_cast<int32_t>(rng.Between(1, std::min<int32_t>(left, 3))));
      v->set_place_of_service("12");
      v->set_in_person(true);
      v->set_staff_type(hub::v1::STAFF_TYPE_NON_CLINICAL);
      v->set_authorization_number(a.authorization_number());
      v->add_diagnosis_codes(Diagnosis(e, rng));
      v->set_charge_cents(v->units() * 5000);
      if (Wrong(rng)) {
        if (rng.Chance(0.5)) {
          v->set_units(left + 5);
          s.expected_reason = kUnitsExceeded;
        } else {
          v->clear_modifiers();
          v->add_modifiers("UA");  // Bills no Community Support (not a DHCS CS modifier).
          s.expected_reason = kCodeModifierMismatch;
        }
      }
      RETURN_IF_ERROR(callback_(s));
    }
    return absl::OkStatus();
  }

  // The line's diagnosis: Z59.00 (homelessness, unspecified) for a member
  // experiencing homelessness, else a social-needs Z code.
  static std::string Diagnosis(const Enrollment& e, Rng& rng) {
    if (e.row.member().experiencing_homelessness()) return "Z59.00";
    return kHousedDiagnoses[rng.Below(std::size(kHousedDiagnoses))];
  }

  bool BillsOn837P(const std::string& plan_id, hub::v1::BillingProgram program) const {
    auto it = options_.plan_profiles.find(plan_id);
    return adapters::BillingFileFor(it == options_.plan_profiles.end() ? nullptr : &it->second,
                                    program) == hub::v1::FILE_KIND_CLAIMS_837P;
  }

  struct ServiceCopy {
    std::string date;
    std::string code;
    std::vector<std::string> modifiers;
    int32_t units = 0;
    int64_t charge_cents = 0;
  };

  // At most 30 characters (the hub's limit): "INV-20261120-3fa9c2".
  std::string InvoiceNumber(const std::string& provider) const {
    return absl::StrFormat("INV-%04d%02d%02d-%06x", options_.day.year(), options_.day.month(),
                           options_.day.day(), HashString(provider) & 0xffffff);
  }

  const County& county_;
  const ProviderDayOptions& options_;
  const DaySubmissionCallback& callback_;
  std::vector<const hub::v1::EcmBillingCode*> ecm_codes_;
  GeneratedMember member_;
  DaySubmission out_;
  int64_t sequence_ = 0;
  absl::flat_hash_map<std::string, int32_t> invoice_lines_;
};

}  // namespace

bool CoverageSpanIsEcmPeriod(const hub::v1::FileLayout& layout) {
  for (const auto& a : layout.fields()) {
    if (a.target() != "assignment.benefit_start_date") continue;
    for (const auto& c : layout.fields()) {
      if (c.target() == "coverage.start_date" && c.source() == a.source()) return true;
    }
  }
  return false;
}

absl::Status ProviderDaySubmissions(const County& county, const ProviderDayOptions& options,
                                    const DaySubmissionCallback& callback) {
  if (options.day < county.period_start() || options.day > county.period_end()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the provider day ", options.day.ToIso(), " is outside the county's as-of month ",
        county.options().as_of_month, "; pick a day of that month"));
  }
  if (!(options.error_rate >= 0 && options.error_rate <= 1)) {
    return absl::InvalidArgumentError("the error rate must be between 0 and 1");
  }
  DayWriter writer(county, options, callback);
  for (int64_t i = 0; i < county.member_count(); ++i) RETURN_IF_ERROR(writer.Member(i));
  return absl::OkStatus();
}

namespace {

// One provider's open file.
struct OpenDayFile {
  ProviderDayFile summary;
  std::ofstream out;
  std::unique_ptr<adapters::PlanFileRenderer> renderer;  // CSV only.
  std::string buffer;
};

}  // namespace

absl::StatusOr<std::vector<ProviderDayFile>> WriteProviderDayFiles(
    const County& county, const ProviderDayOptions& options, const std::string& out_dir) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", out_dir));
  // Directory order, and who sends the CSV template.
  absl::flat_hash_map<std::string, size_t> order;
  for (const auto& p : county.options().directory.providers()) {
    order.try_emplace(p.provider_id(), order.size());
  }
  ASSIGN_OR_RETURN(const adapters::PlanAdapter* csv_adapter, adapters::CboTemplateAdapter());
  absl::flat_hash_map<std::string, std::unique_ptr<OpenDayFile>> files;
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  std::string line;

  auto open = [&](const std::string& provider_id) -> absl::StatusOr<OpenDayFile*> {
    auto [it, inserted] = files.try_emplace(provider_id);
    if (!inserted) return it->second.get();
    auto file = std::make_unique<OpenDayFile>();
    file->summary.provider_id = provider_id;
    auto index = order.find(provider_id);
    file->summary.csv = index != order.end() && index->second % 4 == 3;
    file->summary.file_name = absl::StrCat(provider_id, file->summary.csv ? ".csv" : ".jsonl");
    const std::string path = absl::StrCat(out_dir, "/", file->summary.file_name);
    file->out.open(path, std::ios::binary | std::ios::trunc);
    if (!file->out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
    if (file->summary.csv) {
      ASSIGN_OR_RETURN(file->renderer, csv_adapter->OpenRenderer(hub::v1::FILE_KIND_CBO_SUBMISSIONS,
                                                                 adapters::RenderOptions{}));
    }
    it->second = std::move(file);
    return it->second.get();
  };

  RETURN_IF_ERROR(
      ProviderDaySubmissions(county, options, [&](const DaySubmission& s) -> absl::Status {
        ASSIGN_OR_RETURN(OpenDayFile * file, open(s.provider_id));
        if (file->summary.csv) {
          if (s.submission.has_care_plan()) return absl::OkStatus();
          ASSIGN_OR_RETURN(hub::v1::CboTemplateRow row,
                           adapters::TemplateRowFromSubmission(s.submission));
          RETURN_IF_ERROR(file->renderer->Add(row, file->buffer));
        } else {
          line.clear();
          const auto printed =
              google::protobuf::util::MessageToJsonString(s.submission, &line, json);
          if (!printed.ok()) return absl::InternalError("cannot print a submission as JSON");
          file->buffer += line;
          file->buffer += '\n';
        }
        ++file->summary.records;
        if (!s.expected_reason.empty()) ++file->summary.expected_rejections[s.expected_reason];
        if (file->buffer.size() >= (1u << 16)) {
          file->out.write(file->buffer.data(), static_cast<std::streamsize>(file->buffer.size()));
          file->buffer.clear();
        }
        return absl::OkStatus();
      }));

  std::vector<ProviderDayFile> written;
  for (auto& [id, file] : files) {
    if (file->renderer != nullptr) RETURN_IF_ERROR(file->renderer->Finish(file->buffer));
    file->out.write(file->buffer.data(), static_cast<std::streamsize>(file->buffer.size()));
    file->out.close();
    if (!file->out) {
      return absl::DataLossError(absl::StrCat("could not finish ", file->summary.file_name));
    }
    written.push_back(std::move(file->summary));
  }
  std::sort(written.begin(), written.end(),
            [&](const ProviderDayFile& a, const ProviderDayFile& b) {
              return order[a.provider_id] < order[b.provider_id];
            });
  return written;
}

}  // namespace hub::generator
