// Implementation details of storage/: the RocksDB handles behind Store and
// WriteBatch, key encoding and status mapping. Included only by storage/*.cc;
// nothing here may leak into a public header.
//
// Key encoding: a record key is its identity fields joined with '\0'
// (identifiers, CINs and ISO dates never contain '\0'), e.g. coverage is
// "cin\0plan_id\0start_date". All keys of one member therefore share the
// prefix "cin\0", and a member's records are one bounded prefix scan
// (iterate_upper_bound = "cin\1"). Column families whose keys start with a
// CIN (coverage, assignments, authorizations) also have a prefix extractor
// (the first field) so the prefix Bloom filters skip SST files that hold
// nothing for the member.
#ifndef HUB_STORAGE_INTERNAL_H_
#define HUB_STORAGE_INTERNAL_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/string_view.h"
#include "hub/v1/care.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/iterator.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/status.h"
#include "rocksdb/write_batch.h"
#include "storage/store.h"

namespace hub::storage {

namespace internal {
class IdempotencyExpiry;  // storage/retention_internal.h
class FeedPurgeMarks;     // storage/retention_internal.h
class FeedPurgeFilter;    // storage/retention_internal.h
class CareIndexExpiry;    // storage/retention_internal.h
class ClassExpiry;        // storage/retention_internal.h
class FlowTallyCache;     // storage/flow_tally_cache.h
}  // namespace internal

inline constexpr int kColumnFamilyCount = static_cast<int>(ColumnFamily::kParked) + 1;

struct Store::Rep {
  // kIdempotency's compaction filter (retention.h); first, so it outlives
  // the DB that uses it.
  std::shared_ptr<internal::IdempotencyExpiry> idempotency_expiry;
  // The feed purge's marks and the filters of the feed's derived indexes
  // (kRecords, kFeedIndex, kProviderRecords), for the same reason.
  std::shared_ptr<internal::FeedPurgeMarks> feed_purge_marks;
  std::vector<std::shared_ptr<internal::FeedPurgeFilter>> feed_purge_filters;
  // The cutoffs of kMonitor's and kProviderOutreach's compaction filters.
  std::shared_ptr<internal::CareIndexExpiry> care_index_expiry;
  std::shared_ptr<internal::ClassExpiry> class_expiry;
  // The flow tallies' read cache and its write marks (Commit keeps them).
  std::shared_ptr<internal::FlowTallyCache> flow_tally_cache;

  // Destroys the column family handles (they must go before the DB), then
  // closes and deletes the DB. Returns the first error. Idempotent.
  absl::Status CloseDb();
  ~Rep();

  // The handle of `cf`; null once the store is closed (a null handle makes
  // rocksdb::WriteBatch target the default column family, and Commit then
  // fails because the store is closed, so late writes never crash).
  rocksdb::ColumnFamilyHandle* cf(ColumnFamily family) const {
    return handles[static_cast<int>(family)].get();
  }
  // FailedPrecondition once Close has run.
  absl::Status CheckOpen() const;

  std::string data_dir;
  // StoreOptions::wal_sync_faults' Env (tests only); outlives `db`.
  std::unique_ptr<rocksdb::Env> fault_env;
  std::unique_ptr<rocksdb::DB> db;
  // Indexed by ColumnFamily. Owned here; released before `db` is closed.
  std::array<std::unique_ptr<rocksdb::ColumnFamilyHandle>, kColumnFamilyCount> handles;
  // The "default" column family (unused, RocksDB requires it) and any
  // column family found on disk that this build does not know.
  std::vector<std::unique_ptr<rocksdb::ColumnFamilyHandle>> other_handles;
  // Every handle above by its RocksDB column family id (not owned).
  std::vector<rocksdb::ColumnFamilyHandle*> handles_by_id;
  // The last version handed out by NextVersion.
  std::atomic<uint64_t> last_version{0};
  std::atomic<bool> closed{false};
  // A commit failed with an I/O error (a write-ahead log write or sync):
  // RocksDB stops every write after one (its DB::Resume answers the same
  // error) and Debian's build asserts on the broken log writer at the next
  // WAL flush or Close. The store then refuses writes until hubd restarts,
  // and Close leaves the DB open for the process's exit to release (the
  // next start recovers every acknowledged write from the synced log).
  std::atomic<bool> wal_failed{false};
  // StoreOptions::min_free_bytes, and what the last look at the volume
  // found minus the bytes committed since (see Store::Commit).
  uint64_t min_free_bytes = 0;
  std::atomic<int64_t> free_bytes_estimate{0};
  std::atomic<int64_t> free_bytes_checked_at_micros{0};
};

// A change to one flow tally (storage/flow_tally.h): a count and
// latency bins to add, merged into kFlowTallies by Store::Commit.
struct TallyDelta {
  int64_t count = 0;
  std::map<int32_t, int64_t> bins;
};

struct WriteBatch::Rep {
  rocksdb::WriteBatch batch;
  // CareStore::PutAuthorization: (plan_id\0authorization_number) -> the
  // authorization as this batch left it, so a later put or delete of the
  // same authorization in one batch sees the earlier one. present = false:
  // DeleteAuthorization removed it in this batch.
  struct PendingAuthorization {
    bool present = false;
    hub::v1::Authorization record;
  };
  std::map<std::string, PendingAuthorization, std::less<>> pending_authorizations;
  // Sums to merge into kCapacityCounts keys (CareStore), added to `batch`
  // by Store::Commit: one merge per key and batch, however many records of
  // the batch moved.
  std::map<std::string, int64_t, std::less<>> capacity_deltas;
  // FeedStore::AppendItem: plan_id -> the last sequence this batch appends
  // to the plan's feed, written to kFeedHeads by Store::Commit: one put per
  // plan and batch, however many items it appends.
  std::map<std::string, uint64_t, std::less<>> feed_heads;
  // Flow tally key -> change (storage/flow_tally_internal.h), merged into
  // kFlowTallies by Store::Commit: one merge per key and batch.
  std::map<std::string, TallyDelta, std::less<>> flow_tallies;
  // The batch deletes a range of kFlowTallies (retention): Store::Commit
  // drops every cached flow tally run (storage/flow_tally_cache.h).
  bool flow_tallies_deleted = false;
};

namespace internal {

// The representations behind Store and WriteBatch, for storage/ alone (their
// rep() accessors are private).
struct RepAccess {
  static Store::Rep& Of(Store& store) { return store.rep(); }
  static WriteBatch::Rep& Of(WriteBatch& batch) { return batch.rep(); }
};
inline Store::Rep& RepOf(Store& store) { return RepAccess::Of(store); }
inline WriteBatch::Rep& RepOf(WriteBatch& batch) { return RepAccess::Of(batch); }

inline constexpr char kSeparator = '\0';

// Key of the meta column family holding the version high-water mark
// (fixed64, merged with the "hub.max_u64" operator).
inline constexpr std::string_view kVersionHighWaterMarkKey = "version_hwm";
// Key of the meta column family holding the on-disk schema version.
inline constexpr std::string_view kSchemaVersionKey = "schema_version";
// Key of the meta column family set once the provider views of
// storage/care_store.h (provider care index, capacity counts and ends,
// outreach index) hold every stored record.
inline constexpr std::string_view kCareViewsBuiltKey = "care_views_built";

// Fields joined with '\0': Key({"a", "b"}) == "a\0b".
std::string Key(std::initializer_list<std::string_view> fields);
// The '\0'-separated fields of a key (or part of one): the inverse of
// Key. SplitFields("a\0b") == {"a", "b"}; SplitFields("") == {""}.
std::vector<std::string_view> SplitFields(std::string_view key);
// Each field followed by '\0': the prefix of every key whose leading fields
// are `fields`. Prefix({"a"}) == "a\0".
std::string Prefix(std::initializer_list<std::string_view> fields);
// The smallest key greater than every key that starts with `prefix`
// (for a prefix ending in '\0', the same prefix ending in '\1').
std::string PrefixEnd(std::string_view prefix);

// Big-endian fixed-width encodings: keys whose numeric fields sort in
// numeric order (ingest report sequences, row numbers).
std::string EncodeBigEndian64(uint64_t value);
std::string EncodeBigEndian32(uint32_t value);
// False if `bytes` is not exactly 8 bytes.
bool DecodeBigEndian64(std::string_view bytes, uint64_t* value);

// Little-endian fixed 64-bit encoding (the version high-water mark).
std::string EncodeFixed64(uint64_t value);
// False if `bytes` is not exactly 8 bytes.
bool DecodeFixed64(std::string_view bytes, uint64_t* value);

// Debian's absl::string_view is not std::string_view: wrap a
// std::string_view with this before passing it to absl::StrCat.
using ::hub::Absl;

inline rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
inline std::string_view ToView(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

// Maps a RocksDB status of a runtime operation (read, commit, checkpoint)
// to absl. The message names `action` and the RocksDB code only: RocksDB's
// free text may quote keys, and keys hold CINs.
absl::Status FromRocksDb(const rocksdb::Status& status, std::string_view action);

// DataLoss for a stored value of `kind` that does not parse.
absl::Status UnparsableRecord(std::string_view kind);

// Parses a stored protobuf value; DataLoss if it does not parse.
template <typename Message>
absl::Status ParseRecord(const rocksdb::Slice& bytes, std::string_view kind, Message* out) {
  if (!out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return UnparsableRecord(kind);
  }
  return absl::OkStatus();
}

// Writes to `family` of `store`, added to `batch` (applied by Store::Commit,
// atomically with the rest of the batch): the one place storage's typed
// stores reach rocksdb::WriteBatch. Adding cannot fail (RocksDB's statuses
// here are always OK); a write to a closed store targets the default column
// family (null handle) and Commit then fails, so late writes never crash.
void Put(const Store::Rep& store, WriteBatch& batch, ColumnFamily family, const rocksdb::Slice& key,
         const rocksdb::Slice& value);
void Delete(const Store::Rep& store, WriteBatch& batch, ColumnFamily family,
            const rocksdb::Slice& key);
// Deletes the keys of `family` from `begin` (included) to `end` (excluded).
void DeleteRange(const Store::Rep& store, WriteBatch& batch, ColumnFamily family,
                 const rocksdb::Slice& begin, const rocksdb::Slice& end);
// Merges `value` into `key` with `family`'s merge operator (store.cc).
void Merge(const Store::Rep& store, WriteBatch& batch, ColumnFamily family,
           const rocksdb::Slice& key, const rocksdb::Slice& value);

// Reads `key` of `family`. Returns true and fills `value` if present, false
// if absent.
// `snapshot` (optional) reads the store as of that snapshot.
absl::StatusOr<bool> Get(const Store::Rep& rep, ColumnFamily family, std::string_view key,
                         std::string* value, const rocksdb::Snapshot* snapshot = nullptr);

// Calls fn(key, value) -> absl::Status for every record of `family` whose
// key starts with `prefix`, in key order. Stops at and returns the first
// error of `fn` or of the iterator.
// `fill_cache` false keeps a bulk scan (e.g. a whole plan's index) from
// evicting the block cache's working set.
template <typename Fn>
absl::Status ForEachWithPrefix(const Store::Rep& rep, ColumnFamily family, std::string_view prefix,
                               Fn&& fn, bool fill_cache = true) {
  absl::Status open = rep.CheckOpen();
  if (!open.ok()) return open;
  const std::string upper = PrefixEnd(prefix);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_slice;
  read_options.fill_cache = fill_cache;
  std::unique_ptr<rocksdb::Iterator> it(rep.db->NewIterator(read_options, rep.cf(family)));
  for (it->Seek(ToSlice(prefix)); it->Valid(); it->Next()) {
    absl::Status status = fn(it->key(), it->value());
    if (!status.ok()) return status;
  }
  return FromRocksDb(it->status(), "scanning records");
}

// Calls fn(key, value) -> absl::StatusOr<bool> for the records of `family`
// whose key starts with `prefix`, in key order, beginning at the first key
// >= `start` (which must start with `prefix`; "" = the prefix itself). fn
// returns true to go on, false to stop. Returns the first error of fn or of
// the iterator.
// `snapshot` (optional) reads the store as of that snapshot.
template <typename Fn>
absl::Status ForEachFrom(const Store::Rep& rep, ColumnFamily family, std::string_view prefix,
                         std::string_view start, Fn&& fn,
                         const rocksdb::Snapshot* snapshot = nullptr) {
  absl::Status open = rep.CheckOpen();
  if (!open.ok()) return open;
  const std::string upper = PrefixEnd(prefix);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions read_options;
  read_options.iterate_upper_bound = &upper_slice;
  read_options.snapshot = snapshot;
  std::unique_ptr<rocksdb::Iterator> it(rep.db->NewIterator(read_options, rep.cf(family)));
  for (it->Seek(ToSlice(start.empty() ? prefix : start)); it->Valid(); it->Next()) {
    absl::StatusOr<bool> more = fn(it->key(), it->value());
    if (!more.ok()) return more.status();
    if (!*more) return absl::OkStatus();
  }
  return FromRocksDb(it->status(), "scanning records");
}

// Builds the provider views of storage/care_store.h from the stored
// assignments, authorizations and feed items, unless kCareViewsBuiltKey says
// they are complete (a data directory written before the views existed, or
// a build a crash interrupted, which is redone whole). Store::Open calls it.
absl::Status BuildCareViewsIfMissing(Store& store);

}  // namespace internal
}  // namespace hub::storage

#endif  // HUB_STORAGE_INTERNAL_H_
