// How plan file rows merge into stored records (hub/ingest/ingest.h), as
// pure functions: the member a row updates, the change tests that let an
// unchanged row write nothing, and the storage identities of the records a
// batch writes (to know when a read must wait for a commit).
//
// Internal to hub/ingest.
#ifndef HUB_HUB_INGEST_MEMBER_MERGE_H_
#define HUB_HUB_INGEST_MEMBER_MERGE_H_

#include <optional>
#include <string>

#include "hub/v1/care.pb.h"
#include "hub/v1/member.pb.h"
#include "hub/v1/plan_file.pb.h"
#include "hub/v1/quality.pb.h"

namespace hub {

// The stored member updated with what `row` says: fields the row lacks keep
// their stored values; the plan's identifiers entry is set. When the row's
// address (phone) differs from a stored one, address_changed_date
// (phone_changed_date) becomes `today` ("YYYY-MM-DD", the upload's day); a
// first address (phone) is no change. The row's own values of those two
// output-only fields are ignored.
hub::v1::Member MergeMember(const std::optional<hub::v1::Member>& stored,
                            const hub::v1::AssignmentFileRow& row, const std::string& plan_id,
                            const std::string& today);

// True if the two records are equal except for their output-only version.
template <typename Record>
bool SameIgnoringVersion(Record a, Record b) {
  a.clear_version();
  b.clear_version();
  return a.SerializeAsString() == b.SerializeAsString();
}

// True if the two members serialize alike.
bool SameMember(const hub::v1::Member& a, const hub::v1::Member& b);

// True if any field of `a` is set.
bool HasAddress(const hub::v1::PostalAddress& a);

// Storage identities, as keys of the records an ingest batch wrote.
std::string CoverageKey(const hub::v1::Coverage& c);
std::string AssignmentKey(const hub::v1::Assignment& a);
std::string QualityKey(const hub::v1::QualityMeasureReport& r);

}  // namespace hub

#endif  // HUB_HUB_INGEST_MEMBER_MERGE_H_
