#include "storage/parked_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

using hub::v1::ParkedRecord;
using hub::v1::ParkedState;

std::string FormatTime(const google::protobuf::Timestamp& time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromTimestamp(time), absl::UTCTimeZone());
}

std::string StateWord(ParkedState state) {
  switch (state) {
    case hub::v1::PARKED_STATE_PARKED:
      return "parked";
    case hub::v1::PARKED_STATE_RERUNNING:
      return "being rerun";
    case hub::v1::PARKED_STATE_RESOLVED:
      return "already rerun and resolved";
    case hub::v1::PARKED_STATE_DISCARDED:
      return "discarded";
    default:
      return "in an unknown state";
  }
}

// FailedPrecondition: `record` is not in a state that allows `action`.
absl::Status NotParked(const ParkedRecord& record, std::string_view action) {
  return absl::FailedPreconditionError(
      absl::StrCat("parked record ", record.parked_id(), " is ", StateWord(record.state()),
                   " (since ", FormatTime(record.state_time()), ", by ", record.state_by(),
                   "), so it cannot be ", Absl(action), "; nothing was done"));
}

bool IsOpen(ParkedState state) {
  return state == hub::v1::PARKED_STATE_PARKED || state == hub::v1::PARKED_STATE_RERUNNING;
}

}  // namespace

std::string ParkedId(hub::v1::ParkedReason reason, std::string_view plan_id, hub::v1::FileKind kind,
                     std::string_view record_id) {
  Sha256 hash;
  hash.Update(absl::StrCat(static_cast<int>(reason), "\n", Absl(plan_id), "\n",
                           static_cast<int>(kind), "\n", Absl(record_id)));
  return absl::StrCat("pk_", hash.HexDigest().substr(0, 16));
}

absl::StatusOr<std::unique_ptr<ParkedStore>> ParkedStore::Open(Store* store) {
  std::unique_ptr<ParkedStore> parked(new ParkedStore(store));
  std::vector<ParkedRecord> interrupted;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(*store), ColumnFamily::kParked, "",
      [&](const rocksdb::Slice&, const rocksdb::Slice& value) -> absl::Status {
        ParkedRecord record;
        RETURN_IF_ERROR(internal::ParseRecord(value, "parked record", &record));
        if (record.state() == hub::v1::PARKED_STATE_RERUNNING) {
          interrupted.push_back(std::move(record));
        }
        return absl::OkStatus();
      }));
  for (ParkedRecord& record : interrupted) {
    record.set_state(hub::v1::PARKED_STATE_PARKED);
    record.set_rerun_outcome("the rerun did not finish (the hub stopped); rerun it again");
    RETURN_IF_ERROR(parked->Write(record));
  }
  return parked;
}

absl::StatusOr<bool> ParkedStore::Read(std::string_view parked_id, ParkedRecord& out) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(internal::RepOf(*store_), ColumnFamily::kParked,
                                                   parked_id, &value));
  if (!found) return false;
  RETURN_IF_ERROR(internal::ParseRecord(rocksdb::Slice(value), "parked record", &out));
  return true;
}

absl::Status ParkedStore::Write(const ParkedRecord& record) {
  WriteBatch batch;
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kParked,
                internal::ToSlice(record.parked_id()), record.SerializeAsString());
  return store_->Commit(batch, Durability::kSync);
}

absl::StatusOr<ParkedRecord> ParkedStore::Park(const ParkedRecord& record, absl::Time now) {
  if (record.reason() == hub::v1::PARKED_REASON_UNSPECIFIED || record.plan_id().empty() ||
      record.file_kind() == hub::v1::FILE_KIND_UNSPECIFIED || record.record_id().empty()) {
    return absl::InvalidArgumentError(
        "a parked record needs its reason, plan_id, file_kind and record_id");
  }
  const std::string id =
      ParkedId(record.reason(), record.plan_id(), record.file_kind(), record.record_id());
  absl::MutexLock lock(&mu_);
  ParkedRecord stored;
  ASSIGN_OR_RETURN(const bool found, Read(id, stored));
  if (!found) {
    stored = record;
    stored.set_parked_id(id);
    stored.set_state(hub::v1::PARKED_STATE_PARKED);
    *stored.mutable_first_parked_time() = ToTimestamp(now);
    *stored.mutable_state_time() = ToTimestamp(now);
    stored.set_state_by("hub");
    stored.set_occurrences(0);
    stored.set_rerun_attempts(0);
    stored.clear_record();
  } else {
    stored.set_detail(record.detail());
    stored.set_field(record.field());
    if (!record.period().empty()) stored.set_period(record.period());
    if (stored.state() == hub::v1::PARKED_STATE_RESOLVED) {
      stored.set_state(hub::v1::PARKED_STATE_PARKED);
      *stored.mutable_state_time() = ToTimestamp(now);
      stored.set_state_by("hub");
    }
  }
  stored.set_occurrences(stored.occurrences() + 1);
  *stored.mutable_last_parked_time() = ToTimestamp(now);
  RETURN_IF_ERROR(Write(stored));
  return stored;
}

absl::StatusOr<ParkedRecord> ParkedStore::Get(std::string_view parked_id) const {
  ParkedRecord record;
  ASSIGN_OR_RETURN(const bool found, Read(parked_id, record));
  if (!found) {
    return absl::NotFoundError(absl::StrCat("no parked record has id \"", Absl(parked_id),
                                            "\"; `hubctl parked list` shows them"));
  }
  return record;
}

absl::StatusOr<std::pair<std::vector<ParkedRecord>, std::string>> ParkedStore::List(
    ParkedState state, std::string_view plan_id, std::string_view after, int limit) const {
  std::vector<ParkedRecord> records;
  std::string last;
  bool more = false;
  const std::string start = after.empty() ? std::string() : absl::StrCat(Absl(after), "\x01");
  RETURN_IF_ERROR(internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kParked, "", start,
      [&](const rocksdb::Slice&, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        ParkedRecord record;
        RETURN_IF_ERROR(internal::ParseRecord(value, "parked record", &record));
        const bool wanted = state == hub::v1::PARKED_STATE_UNSPECIFIED ? IsOpen(record.state())
                                                                       : record.state() == state;
        if (!wanted || (!plan_id.empty() && record.plan_id() != plan_id)) return true;
        if (static_cast<int>(records.size()) == limit) {
          more = true;
          return false;
        }
        last = record.parked_id();
        records.push_back(std::move(record));
        return true;
      }));
  return std::make_pair(std::move(records), more ? last : std::string());
}

absl::StatusOr<ParkedRecord> ParkedStore::BeginRerun(std::string_view parked_id,
                                                     std::string_view by, absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(ParkedRecord record, Get(parked_id));
  if (record.state() != hub::v1::PARKED_STATE_PARKED) return NotParked(record, "rerun");
  record.set_state(hub::v1::PARKED_STATE_RERUNNING);
  record.set_state_by(std::string(by));
  *record.mutable_state_time() = ToTimestamp(now);
  RETURN_IF_ERROR(Write(record));
  return record;
}

absl::StatusOr<ParkedRecord> ParkedStore::FinishRerun(std::string_view parked_id, bool resolved,
                                                      std::string_view outcome, std::string_view by,
                                                      absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(ParkedRecord record, Get(parked_id));
  if (record.state() != hub::v1::PARKED_STATE_RERUNNING) {
    return NotParked(record, "marked as rerun");
  }
  record.set_state(resolved ? hub::v1::PARKED_STATE_RESOLVED : hub::v1::PARKED_STATE_PARKED);
  record.set_rerun_attempts(record.rerun_attempts() + 1);
  record.set_rerun_outcome(std::string(outcome));
  record.set_state_by(std::string(by));
  *record.mutable_state_time() = ToTimestamp(now);
  RETURN_IF_ERROR(Write(record));
  return record;
}

absl::StatusOr<ParkedRecord> ParkedStore::Discard(std::string_view parked_id, std::string_view by,
                                                  std::string_view reason, absl::Time now) {
  absl::MutexLock lock(&mu_);
  ASSIGN_OR_RETURN(ParkedRecord record, Get(parked_id));
  if (record.state() != hub::v1::PARKED_STATE_PARKED) return NotParked(record, "discarded");
  record.set_state(hub::v1::PARKED_STATE_DISCARDED);
  record.set_discard_reason(std::string(reason));
  record.set_state_by(std::string(by));
  *record.mutable_state_time() = ToTimestamp(now);
  RETURN_IF_ERROR(Write(record));
  return record;
}

absl::StatusOr<std::map<std::pair<std::string, hub::v1::ParkedReason>, int64_t>>
ParkedStore::CountOpen() const {
  return CountOpenParked(*store_);
}

absl::StatusOr<std::map<std::pair<std::string, hub::v1::ParkedReason>, int64_t>> CountOpenParked(
    Store& store) {
  std::map<std::pair<std::string, hub::v1::ParkedReason>, int64_t> counts;
  RETURN_IF_ERROR(internal::ForEachWithPrefix(
      internal::RepOf(store), ColumnFamily::kParked, "",
      [&](const rocksdb::Slice&, const rocksdb::Slice& value) -> absl::Status {
        ParkedRecord record;
        RETURN_IF_ERROR(internal::ParseRecord(value, "parked record", &record));
        if (IsOpen(record.state())) ++counts[{record.plan_id(), record.reason()}];
        return absl::OkStatus();
      }));
  return counts;
}

}  // namespace hub::storage
