// A plan's billing rules (hub.v1.PlanProfile.billing): which file bills a
// service line. Pure functions of the profile, shared by the hub's submit
// (a line the plan's file cannot bill is refused at once) and export (each
// line billed once, on that file) and by the county generator.
//
// Thread safety: pure functions.
#ifndef HUB_ADAPTERS_PLAN_BILLING_H_
#define HUB_ADAPTERS_PLAN_BILLING_H_

#include <string_view>

#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/submission.pb.h"

namespace hub::adapters {

// ECM for a line without an authorization number, else Community Supports.
hub::v1::BillingProgram ProgramOf(const hub::v1::ServiceRecord& line);

// The file that bills `program` under `profile` (nullptr: a plan without a
// profile): its rule's file kind, or FILE_KIND_CLAIMS_837P without one.
hub::v1::FileKind BillingFileFor(const hub::v1::PlanProfile* profile,
                                 hub::v1::BillingProgram program);

// "ECM" or "Community Supports", for messages.
std::string_view ProgramWords(hub::v1::BillingProgram program);

// True if `code` is written as an ICD-10-CM code: a letter, a digit, a
// letter or digit, then (after an optional dot) up to 4 letters or digits,
// e.g. "Z59.00", "F209".
bool LooksLikeIcd10Cm(std::string_view code);

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_PLAN_BILLING_H_
