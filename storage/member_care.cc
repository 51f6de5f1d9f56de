#include "storage/member_care.h"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

thread_local MemberCareReadCounts last_read_counts;

// Releases a RocksDB snapshot when the read is done.
class SnapshotHolder {
 public:
  explicit SnapshotHolder(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
  ~SnapshotHolder() { db_->ReleaseSnapshot(snapshot_); }
  SnapshotHolder(const SnapshotHolder&) = delete;
  SnapshotHolder& operator=(const SnapshotHolder&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

// The member records of `members` (sorted, distinct CINs) with one MultiGet.
absl::Status ReadMembers(const Store::Rep& rep, const rocksdb::Snapshot* snapshot,
                         std::vector<MemberCare>& members) {
  std::vector<rocksdb::Slice> keys;
  keys.reserve(members.size());
  for (const MemberCare& m : members) keys.push_back(internal::ToSlice(m.cin));
  std::vector<rocksdb::PinnableSlice> values(members.size());
  std::vector<rocksdb::Status> statuses(members.size());
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  rep.db->MultiGet(read_options, rep.cf(ColumnFamily::kMembers), keys.size(), keys.data(),
                   values.data(), statuses.data(), /*sorted_input=*/true);
  ++last_read_counts.multi_gets;
  for (size_t i = 0; i < members.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return internal::FromRocksDb(statuses[i], "reading a record");
    RETURN_IF_ERROR(internal::ParseRecord(values[i], "member", &members[i].member.emplace()));
  }
  return absl::OkStatus();
}

// For each of `members` (sorted, distinct CINs), the records of `family`
// keyed by its CIN, parsed as `kind` into `out(member)` (a null `out`: skip
// that member): one iterator, seeked once per CIN read.
template <typename Record, typename Out>
absl::Status ReadFamily(const Store::Rep& rep, const rocksdb::Snapshot* snapshot,
                        ColumnFamily family, std::string_view kind,
                        std::vector<MemberCare>& members, Out out) {
  if (std::none_of(members.begin(), members.end(),
                   [&out](MemberCare& m) { return out(m) != nullptr; })) {
    return absl::OkStatus();
  }
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  // The family's prefix extractor is the CIN field ("cin\0"): each seek
  // uses the prefix Bloom filters, and iteration stops at the member's last
  // record.
  read_options.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(rep.db->NewIterator(read_options, rep.cf(family)));
  ++last_read_counts.iterators;
  std::string prefix;
  for (MemberCare& m : members) {
    std::vector<Record>* records = out(m);
    if (records == nullptr) continue;
    prefix = internal::Prefix({m.cin});
    const std::string_view prefix_view(prefix);
    ++last_read_counts.seeks;
    for (it->Seek(internal::ToSlice(prefix)); it->Valid(); it->Next()) {
      if (!internal::ToView(it->key()).starts_with(prefix_view)) break;
      RETURN_IF_ERROR(internal::ParseRecord(it->value(), kind, &records->emplace_back()));
    }
    RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "scanning records"));
  }
  return absl::OkStatus();
}

}  // namespace

MemberCareSet::MemberCareSet(std::vector<MemberCare> members) : members_(std::move(members)) {}

const MemberCare* MemberCareSet::Find(std::string_view cin) const {
  auto it = std::lower_bound(members_.begin(), members_.end(), cin,
                             [](const MemberCare& m, std::string_view c) { return m.cin < c; });
  if (it == members_.end() || it->cin != cin) return nullptr;
  return &*it;
}

MemberCareReader::MemberCareReader(Store* store) : store_(store) {}

MemberCareReadCounts MemberCareReader::LastReadCounts() { return last_read_counts; }

absl::StatusOr<MemberCareSet> MemberCareReader::Read(
    std::vector<std::string_view> cins, std::vector<std::string_view> authorization_cins) const {
  last_read_counts = MemberCareReadCounts{};
  std::sort(authorization_cins.begin(), authorization_cins.end());
  cins.insert(cins.end(), authorization_cins.begin(), authorization_cins.end());
  std::sort(cins.begin(), cins.end());
  cins.erase(std::unique(cins.begin(), cins.end()), cins.end());
  std::vector<MemberCare> members(cins.size());
  for (size_t i = 0; i < cins.size(); ++i) {
    members[i].cin = std::string(cins[i]);
    members[i].authorizations_read =
        std::binary_search(authorization_cins.begin(), authorization_cins.end(), cins[i]);
  }
  if (members.empty()) return MemberCareSet();
  const Store::Rep& rep = internal::RepOf(*store_);
  RETURN_IF_ERROR(rep.CheckOpen());
  // One view for all four families: a member's records agree with each
  // other as one commit left them.
  const SnapshotHolder snapshot(rep.db.get());
  RETURN_IF_ERROR(ReadMembers(rep, snapshot.get(), members));
  RETURN_IF_ERROR(ReadFamily<hub::v1::Coverage>(rep, snapshot.get(), ColumnFamily::kCoverage,
                                                "coverage", members,
                                                [](MemberCare& m) { return &m.periods; }));
  RETURN_IF_ERROR(ReadFamily<hub::v1::Assignment>(rep, snapshot.get(), ColumnFamily::kAssignments,
                                                  "assignment", members,
                                                  [](MemberCare& m) { return &m.assignments; }));
  RETURN_IF_ERROR(ReadFamily<hub::v1::Authorization>(
      rep, snapshot.get(), ColumnFamily::kAuthorizations, "authorization", members,
      [](MemberCare& m) { return m.authorizations_read ? &m.authorizations : nullptr; }));
  return MemberCareSet(std::move(members));
}

}  // namespace hub::storage
