// What submission validation (submit_validation.h) asks the store about a
// record's member, from one of two sources:
//   - StoreMemberReads: the stores, one read per question (a record checked
//     alone);
//   - GroupMemberReads: what storage::MemberCareReader read in one pass for
//     every CIN of a group of batches (the submit pipeline), falling back to
//     the stores for a CIN outside the group and for an authorization that
//     is not the member's.
// Both answer every question identically for the same stored data (tests:
// member_care_test, submit_group_reads_test).
//
// Thread safety: both are immutable; the stores are thread-safe.
#ifndef HUB_HUB_SUBMIT_MEMBER_READS_H_
#define HUB_HUB_SUBMIT_MEMBER_READS_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "hub/v1/care.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/member_care.h"
#include "storage/member_store.h"

namespace hub {

class MemberReads {
 public:
  virtual ~MemberReads() = default;
  // True if a member has `cin`.
  virtual absl::StatusOr<bool> Known(std::string_view cin) const = 0;
  // The plan covering `cin` on `iso_date` (CoverageIndex::CoveringPlan's
  // rule). NotFound if no plan covers it.
  virtual absl::StatusOr<std::string> CoveringPlanId(std::string_view cin,
                                                     std::string_view iso_date) const = 0;
  // True if `plan_id` assigned `cin` to `provider_id` for ECM with a
  // benefit period containing `iso_date`.
  virtual absl::StatusOr<bool> AssignedOn(std::string_view cin, std::string_view plan_id,
                                          std::string_view provider_id,
                                          std::string_view iso_date) const = 0;
  // True if an assignment or authorization of `cin` (any plan, any date)
  // names `provider_id`.
  virtual absl::StatusOr<bool> Serves(std::string_view cin, std::string_view provider_id) const = 0;
  // `plan_id`'s authorization `authorization_number` (whichever member it
  // is for; `cin` is the record's member, where it is looked for first).
  // NotFound if the plan has none with that number.
  virtual absl::StatusOr<hub::v1::Authorization> Authorization(
      std::string_view cin, std::string_view plan_id,
      std::string_view authorization_number) const = 0;
};

// One store read per question. The pointers are not owned and must outlive
// this object.
class StoreMemberReads : public MemberReads {
 public:
  StoreMemberReads(const storage::MemberStore* members, const storage::CoverageIndex* coverage,
                   const storage::CareStore* care);

  absl::StatusOr<bool> Known(std::string_view cin) const override;
  absl::StatusOr<std::string> CoveringPlanId(std::string_view cin,
                                             std::string_view iso_date) const override;
  absl::StatusOr<bool> AssignedOn(std::string_view cin, std::string_view plan_id,
                                  std::string_view provider_id,
                                  std::string_view iso_date) const override;
  absl::StatusOr<bool> Serves(std::string_view cin, std::string_view provider_id) const override;
  absl::StatusOr<hub::v1::Authorization> Authorization(
      std::string_view cin, std::string_view plan_id,
      std::string_view authorization_number) const override;

 private:
  const storage::MemberStore* members_;
  const storage::CoverageIndex* coverage_;
  const storage::CareStore* care_;
};

// Answers from `group` (the group's members as read at one moment); a CIN
// `group` does not hold, an authorization number not among the member's
// own authorizations, and the questions about authorizations of a CIN whose
// authorizations `group` did not read (Serves: only on rejections), go to
// `fallback`. Neither pointer is owned;
// both must outlive this object.
class GroupMemberReads : public MemberReads {
 public:
  GroupMemberReads(const storage::MemberCareSet* group, const MemberReads* fallback);

  absl::StatusOr<bool> Known(std::string_view cin) const override;
  absl::StatusOr<std::string> CoveringPlanId(std::string_view cin,
                                             std::string_view iso_date) const override;
  absl::StatusOr<bool> AssignedOn(std::string_view cin, std::string_view plan_id,
                                  std::string_view provider_id,
                                  std::string_view iso_date) const override;
  absl::StatusOr<bool> Serves(std::string_view cin, std::string_view provider_id) const override;
  absl::StatusOr<hub::v1::Authorization> Authorization(
      std::string_view cin, std::string_view plan_id,
      std::string_view authorization_number) const override;

 private:
  const storage::MemberCareSet* group_;
  const MemberReads* fallback_;
};

}  // namespace hub

#endif  // HUB_HUB_SUBMIT_MEMBER_READS_H_
