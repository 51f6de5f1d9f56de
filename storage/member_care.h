// What the hub holds about a set of members, read in one pass: for
// submission validation, which checks every record of a group of providers'
// batches against its member's record, coverage periods, ECM assignments and
// Community Supports authorizations.
//
// Read takes the group's CINs and reads them all over one consistent view
// of the store: the member records with one batched point lookup
// (MultiGet), and each CIN-keyed family (coverage, assignments,
// authorizations) with ONE iterator, seeked once per CIN in key order,
// instead of one iterator per record and question. What it returns is a
// copy: later writes do not show up in it.
//
// Member records are PHI: this class never logs them, and its errors never
// quote a CIN.
//
// Thread safety: MemberCareReader is immutable and the store is
// thread-safe; a MemberCareSet belongs to its caller.
#ifndef HUB_STORAGE_MEMBER_CARE_H_
#define HUB_STORAGE_MEMBER_CARE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/v1/care.pb.h"
#include "hub/v1/member.pb.h"
#include "storage/store.h"

namespace hub::storage {

// Everything stored under one CIN that validation reads.
struct MemberCare {
  std::string cin;
  // The member record; nullopt if no member has this CIN.
  std::optional<hub::v1::Member> member;
  // As CoverageIndex::Periods: ordered by (plan_id, start_date).
  std::vector<hub::v1::Coverage> periods;
  // As CareStore::Assignments: ordered by (plan_id, provider_id,
  // benefit_start_date).
  std::vector<hub::v1::Assignment> assignments;
  // False if the read was not asked for this CIN's authorizations (then
  // `authorizations` is empty and says nothing).
  bool authorizations_read = false;
  // As CareStore::Authorizations: ordered by (plan_id,
  // authorization_number).
  std::vector<hub::v1::Authorization> authorizations;
};

// The result of a read: one MemberCare per distinct CIN asked for, sorted by
// CIN.
class MemberCareSet {
 public:
  MemberCareSet() = default;
  explicit MemberCareSet(std::vector<MemberCare> members);

  // The entry of `cin`, or nullptr if `cin` was not asked for (a CIN asked
  // for always has an entry, also when nothing is stored under it).
  const MemberCare* Find(std::string_view cin) const;
  const std::vector<MemberCare>& members() const { return members_; }

 private:
  std::vector<MemberCare> members_;
};

// How many RocksDB operations the last Read on this thread made (a test
// hook: the cost of a read must not grow with the records of a group).
struct MemberCareReadCounts {
  int multi_gets = 0;  // Batched point lookups (one per Read with CINs).
  int iterators = 0;   // Iterators created.
  int seeks = 0;       // Iterator seeks (one per family read and distinct CIN).
};

class MemberCareReader {
 public:
  // `store` must outlive this object.
  explicit MemberCareReader(Store* store);

  // Reads what is stored under each CIN of `cins` (any order, duplicates
  // allowed; a CIN with no member and nothing stored gets an empty entry):
  // member, periods and assignments; authorizations only for the CINs also
  // in `authorization_cins` (which may name CINs `cins` does not: they get
  // an entry too). DataLoss if a stored record does not parse;
  // FailedPrecondition if the store is closed; another code if RocksDB
  // fails a read.
  absl::StatusOr<MemberCareSet> Read(std::vector<std::string_view> cins,
                                     std::vector<std::string_view> authorization_cins) const;
  // Everything, authorizations included, for every CIN of `cins`.
  absl::StatusOr<MemberCareSet> Read(const std::vector<std::string_view>& cins) const {
    return Read(cins, cins);
  }

  // The counts of the calling thread's last Read (test hook).
  static MemberCareReadCounts LastReadCounts();

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_MEMBER_CARE_H_
