// What the hub fills into a Return Transmission File row beyond the
// provider's last status update: the care plan's dates and
// lead care manager, and the homelessness indicator a population of focus
// implies. Pure functions of their arguments; thread-safe.
#ifndef HUB_HUB_EXPORT_RTF_FILL_H_
#define HUB_HUB_EXPORT_RTF_FILL_H_

#include <string_view>

#include "hub/v1/care.pb.h"
#include "hub/v1/feed.pb.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {

// Fills the fields of `enrollment` the provider left empty from the member's
// latest care plan `care_plan_item` (a FeedItem holding a care_plan), when
// that plan was written by `provider_id` (the RTF row's provider) and took
// effect on or before `last_day` ("YYYY-MM-DD", the period's last day):
//   care_plan_revision_date   <- care_plan.effective_date
//   assessment_completed_date <- care_plan.assessment_date (if <= last_day)
//   lead_care_manager         <- the care team member whose role reads
//                                "lead care manager" (case-insensitive):
//                                name and phone (email is not in a care team)
// Never overwrites what the provider reported; the care conference and
// assessment start dates have no source in a care plan and stay as they are.
// Returns true if anything was filled.
bool FillFromCarePlan(const hub::v1::FeedItem& care_plan_item, std::string_view provider_id,
                      std::string_view last_day, hub::v1::EnrollmentStatusUpdate* enrollment);

// Fills the fields of `enrollment` the provider left empty (or, for a
// member the provider sent no status about, all of them) from the plan's
// ECM `assignment` the row reports on:
//   status                 <- assignment.status (ASSIGNED when unset)
//   acuity                 <- assignment.acuity
//   enrollment_start_date  <- assignment.benefit_start_date
//   enrollment_end_date    <- assignment.benefit_end_date (only while the
//                             start date came from the assignment too)
//   lead_care_manager      <- assignment.lead_care_manager
//   discontinuation        <- assignment.discontinuation
// Never overwrites what the provider reported. Returns true if anything was
// filled.
bool FillFromAssignment(const hub::v1::Assignment& assignment,
                        hub::v1::EnrollmentStatusUpdate* enrollment);

// When the row's member has no homelessness indicator (the plan's file and
// the provider reported none) and one of the row's populations of focus is a
// homelessness population (adult or child, individual or family), sets
// member.experiencing_homelessness = true: the population says it. An
// explicit indicator, true or false, is left alone. Returns true if set.
bool HomelessnessFromPopulations(hub::v1::ReturnTransmissionRow* row);

}  // namespace hub

#endif  // HUB_HUB_EXPORT_RTF_FILL_H_
