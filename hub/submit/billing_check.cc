#include "hub/submit/billing_check.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "adapters/plan_billing.h"
#include "base/string_view.h"
#include "hub/submit/record_shape.h"

namespace hub {
namespace {

bool Telehealth(std::string_view place_of_service) {
  return place_of_service == "02" || place_of_service == "10";
}

}  // namespace

const std::vector<SubmitReason>& BillingSubmitReasons() {
  static const auto* const reasons = new std::vector<SubmitReason>{
      {kInvalidDiagnosisCode,
       "A diagnosis code is not written as an ICD-10-CM code (a letter, a digit, a letter or "
       "digit, then up to 4 letters or digits after an optional dot).",
       "Write the code as ICD-10-CM, e.g. Z59.00 or F20.9, and send the line again under a new "
       "idempotency key."},
      {kPlaceOfServiceMismatch,
       "The place of service does not fit the service: a telephonic or video service must use a "
       "telehealth place of service (02, or 10 in the member's home), an in-person service must "
       "not.",
       "Set place_of_service to where the service happened (e.g. 12 home, 11 office, 10 "
       "telehealth in the member's home) and send the line again under a new idempotency key."},
      {kMissingDiagnosis,
       "The plan bills this program (ECM or Community Supports) on X12 837P claims, which need "
       "an ICD-10-CM diagnosis code on the line.",
       "Add the member's diagnosis (diagnosis_codes, e.g. Z59.00) and send the line again under "
       "a new idempotency key."},
  };
  return *reasons;
}

std::optional<Violation> CheckBillable(const hub::v1::Submission& submission,
                                       std::string_view plan_id,
                                       const hub::v1::PlanProfile* profile) {
  if (!submission.has_service()) return std::nullopt;
  const hub::v1::ServiceRecord& line = submission.service();
  for (int i = 0; i < line.diagnosis_codes_size(); ++i) {
    if (!adapters::LooksLikeIcd10Cm(line.diagnosis_codes(i))) {
      return MakeViolation(kInvalidDiagnosisCode, absl::StrCat("service.diagnosis_codes[", i, "]"),
                           "the diagnosis code is not an ICD-10-CM code; write it like Z59.00");
    }
  }
  if (line.in_person() == Telehealth(line.place_of_service())) {
    return MakeViolation(
        kPlaceOfServiceMismatch, "service.place_of_service",
        line.in_person()
            ? "an in-person service cannot have a telehealth place of service (02, 10); "
              "set where it happened, e.g. 12 home or 11 office"
            : "a telephonic or video service needs a telehealth place of service: 10 "
              "(member's home) or 02 (elsewhere)");
  }
  const hub::v1::BillingProgram program = adapters::ProgramOf(line);
  if (line.diagnosis_codes().empty() &&
      adapters::BillingFileFor(profile, program) == hub::v1::FILE_KIND_CLAIMS_837P) {
    return MakeViolation(
        kMissingDiagnosis, "service.diagnosis_codes",
        absl::StrCat("plan ", Absl(plan_id), " bills ", Absl(adapters::ProgramWords(program)),
                     " on X12 837P claims, which need an ICD-10-CM diagnosis code; add "
                     "one and send the line again under a new idempotency key"));
  }
  return std::nullopt;
}

}  // namespace hub
