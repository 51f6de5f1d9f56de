#include "storage/store.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "base/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/utilities/checkpoint.h"
#include "rocksdb/write_buffer_manager.h"
#include "storage/feed_store.h"
#include "storage/feed_store_internal.h"
#include "storage/flow_tally_internal.h"
#include "storage/internal.h"
#include "storage/retention_internal.h"
#include "storage/store_options.h"
#include "storage/wal_sync_faults_internal.h"

namespace hub::storage {

using internal::FromRocksDb;
using internal::ToSlice;

namespace {

// Bump when the on-disk layout changes incompatibly; Open refuses data
// written with a different schema.
constexpr std::string_view kSchemaVersion = "1";

// Open's errors go to the local operator's terminal only, so they may name
// the data directory and quote RocksDB.
absl::Status OpenError(const rocksdb::Status& status, const std::string& data_dir) {
  const std::string detail = status.ToString();
  if (status.IsIOError() && (absl::StrContains(detail, "While lock file") ||
                             absl::StrContains(detail, "lock hold by current process"))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the data directory is in use by another hubd process; stop it or choose another "
        "--data_dir (",
        data_dir, ": ", detail, ")"));
  }
  if (status.IsCorruption()) {
    return absl::DataLossError(absl::StrCat("the database in ", data_dir, " is corrupt (", detail,
                                            "); restore the data directory from a checkpoint"));
  }
  if (status.IsIOError()) {
    return absl::UnavailableError(
        absl::StrCat("cannot open the database in ", data_dir, " (", detail,
                     "); check that the directory is readable and writable and the volume has "
                     "free space"));
  }
  if (status.IsInvalidArgument() || status.IsNotSupported()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open ", data_dir, " as a hub data directory (", detail,
                     "); point --data_dir at a directory written by hubd, or at a new one"));
  }
  return absl::InternalError(absl::StrCat("cannot open the database in ", data_dir, " (", detail,
                                          "); report this with hubd's log"));
}

}  // namespace

std::string_view ColumnFamilyName(ColumnFamily cf) {
  switch (cf) {
    case ColumnFamily::kMeta:
      return "meta";
    case ColumnFamily::kPlans:
      return "plans";
    case ColumnFamily::kProviders:
      return "providers";
    case ColumnFamily::kProviderByNpi:
      return "provider_by_npi";
    case ColumnFamily::kMembers:
      return "members";
    case ColumnFamily::kCoverage:
      return "coverage";
    case ColumnFamily::kAssignments:
      return "assignments";
    case ColumnFamily::kAuthorizations:
      return "authorizations";
    case ColumnFamily::kAuthorizationByNumber:
      return "authorization_by_number";
    case ColumnFamily::kIngestReports:
      return "ingest_reports";
    case ColumnFamily::kIngestReportsByPlan:
      return "ingest_reports_by_plan";
    case ColumnFamily::kIngestRowErrors:
      return "ingest_row_errors";
    case ColumnFamily::kPlanAssignments:
      return "plan_assignments";
    case ColumnFamily::kPlanAuthorizations:
      return "plan_authorizations";
    case ColumnFamily::kQualityReports:
      return "quality_reports";
    case ColumnFamily::kFeedItems:
      return "feed_items";
    case ColumnFamily::kFeedHeads:
      return "feed_heads";
    case ColumnFamily::kFeedCursors:
      return "feed_cursors";
    case ColumnFamily::kRecords:
      return "records";
    case ColumnFamily::kIdempotency:
      return "idempotency";
    case ColumnFamily::kProviderRecords:
      return "provider_records";
    case ColumnFamily::kCarePlans:
      return "care_plans";
    case ColumnFamily::kFeedIndex:
      return "feed_index";
    case ColumnFamily::kProviderCare:
      return "provider_care";
    case ColumnFamily::kCapacityCounts:
      return "capacity_counts";
    case ColumnFamily::kCapacityEnds:
      return "capacity_ends";
    case ColumnFamily::kProviderOutreach:
      return "provider_outreach";
    case ColumnFamily::kAudit:
      return "audit";
    case ColumnFamily::kConsents:
      return "consents";
    case ColumnFamily::kConsentHeld:
      return "consent_held";
    case ColumnFamily::kMonitor:
      return "monitor";
    case ColumnFamily::kFlowTallies:
      return "flow_tallies";
    case ColumnFamily::kClaims:
      return "claims";
    case ColumnFamily::kParked:
      return "parked";
  }
  return "unknown";
}

// ---------------------------------------------------------------- Store::Rep

absl::Status Store::Rep::CheckOpen() const {
  if (closed.load(std::memory_order_acquire) || db == nullptr) {
    return absl::FailedPreconditionError(
        "storage: the store is closed; this is a hub bug (a call after shutdown)");
  }
  return absl::OkStatus();
}

absl::Status Store::Rep::CloseDb() {
  closed.store(true, std::memory_order_release);
  if (db == nullptr) return absl::OkStatus();
  if (wal_failed.load(std::memory_order_acquire)) {
    // Closing would abort on the broken log writer: leave the DB (and its
    // handles) to the process's exit; the next open recovers from the log.
    for (auto& handle : handles) static_cast<void>(handle.release());
    for (auto& handle : other_handles) static_cast<void>(handle.release());
    static_cast<void>(db.release());
    static_cast<void>(fault_env.release());
    return absl::UnavailableError(
        "storage: the store was closed without flushing after its write-ahead log failed; the "
        "next start recovers every acknowledged write from the log");
  }
  // Handles must be released before the DB closes.
  for (auto& handle : handles) handle.reset();
  other_handles.clear();
  std::fill(handles_by_id.begin(), handles_by_id.end(), nullptr);
  rocksdb::Status status = db->Close();
  db.reset();
  return FromRocksDb(status, "closing the database");
}

Store::Rep::~Rep() { CloseDb().IgnoreError(); }

// ---------------------------------------------------------------- WriteBatch

WriteBatch::WriteBatch() : rep_(std::make_unique<Rep>()) {}
WriteBatch::~WriteBatch() = default;
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;

int WriteBatch::Count() const {
  return static_cast<int>(rep_->batch.Count() + rep_->capacity_deltas.size() +
                          rep_->feed_heads.size() + rep_->flow_tallies.size());
}

size_t WriteBatch::ByteSize() const { return rep_->batch.GetDataSize(); }

void WriteBatch::Clear() {
  rep_->batch.Clear();
  rep_->pending_authorizations.clear();
  rep_->capacity_deltas.clear();
  rep_->feed_heads.clear();
  rep_->flow_tallies.clear();
}

// --------------------------------------------------------------------- Store

Store::Store(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

Store::~Store() {
  if (rep_ != nullptr && !rep_->closed.load(std::memory_order_acquire)) Close().IgnoreError();
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  if (options.data_dir.empty()) {
    return absl::InvalidArgumentError("no data directory given; pass --data_dir");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat("cannot create the data directory ",
                                                      options.data_dir, " (", ec.message(),
                                                      "); check its parent's permissions"));
  }

  auto rep = std::make_unique<Rep>();
  rep->data_dir = options.data_dir;
  rep->min_free_bytes = options.min_free_bytes;
  std::shared_ptr<rocksdb::Cache> block_cache = internal::MakeBlockCache(options.block_cache_bytes);
  rocksdb::DBOptions db_options = internal::MakeDbOptions();
  if (options.wal_sync_faults != nullptr) {  // A test hook (storage/wal_sync_faults.h).
    rep->fault_env = internal::NewWalSyncFaultEnv(options.wal_sync_faults);
    db_options.env = rep->fault_env.get();
  }
  // The memtables are charged to the block cache: block_cache_bytes bounds
  // RocksDB's memory as a whole (memtables, data, index and filter blocks).
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(db_options.db_write_buffer_size, block_cache);

  // Every column family on disk must be opened: ours, "default", and any a
  // newer hubd may have added (opened with default options, never used).
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(db_options, options.data_dir, &existing).ok()) {
    existing.clear();  // A new database; real problems surface in DB::Open.
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  rep->idempotency_expiry = std::make_shared<internal::IdempotencyExpiry>();
  rep->feed_purge_marks = std::make_shared<internal::FeedPurgeMarks>();
  rep->care_index_expiry = std::make_shared<internal::CareIndexExpiry>();
  rep->class_expiry = std::make_shared<internal::ClassExpiry>();
  for (int i = 0; i < kColumnFamilyCount; ++i) {
    const auto family = static_cast<ColumnFamily>(i);
    descriptors.emplace_back(std::string(ColumnFamilyName(family)),
                             internal::MakeCfOptions(family, block_cache));
    // Retention (storage/retention.h): expired idempotency results go at
    // compaction.
    if (family == ColumnFamily::kIdempotency) {
      descriptors.back().options.compaction_filter = rep->idempotency_expiry.get();
    }
    // The feed's derived entries of purged items go at compaction.
    if (family == ColumnFamily::kRecords || family == ColumnFamily::kFeedIndex ||
        family == ColumnFamily::kProviderRecords) {
      rep->feed_purge_filters.push_back(
          std::make_shared<internal::FeedPurgeFilter>(family, rep->feed_purge_marks));
      descriptors.back().options.compaction_filter = rep->feed_purge_filters.back().get();
    }
    // The monitor's and the worklists' care indexes: old entries at a purge.
    if (family == ColumnFamily::kMonitor || family == ColumnFamily::kProviderOutreach) {
      descriptors.back().options.compaction_filter_factory =
          internal::NewCareIndexExpiryFactory(family, rep->care_index_expiry);
    }
    // Claims, quality reports and parked records: old ones at a purge.
    if (family == ColumnFamily::kClaims || family == ColumnFamily::kQualityReports ||
        family == ColumnFamily::kParked) {
      descriptors.back().options.compaction_filter_factory =
          internal::NewClassExpiryFactory(family, rep->class_expiry);
    }
  }
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (const std::string& name : existing) {
    const bool known = std::any_of(descriptors.begin(), descriptors.end(),
                                   [&](const auto& d) { return d.name == name; });
    if (!known) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }

  std::vector<rocksdb::ColumnFamilyHandle*> raw_handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(db_options, options.data_dir, descriptors, &raw_handles, &raw_db);
  if (!status.ok()) return OpenError(status, options.data_dir);
  rep->db.reset(raw_db);
  for (size_t i = 0; i < raw_handles.size(); ++i) {
    if (i < static_cast<size_t>(kColumnFamilyCount)) {
      rep->handles[i].reset(raw_handles[i]);
    } else {
      rep->other_handles.emplace_back(raw_handles[i]);
    }
    const uint32_t id = raw_handles[i]->GetID();
    if (rep->handles_by_id.size() <= id) rep->handles_by_id.resize(id + 1, nullptr);
    rep->handles_by_id[id] = raw_handles[i];
  }
  // From here on, an early return closes the DB through ~Rep.

  rocksdb::ColumnFamilyHandle* meta = rep->cf(ColumnFamily::kMeta);
  std::string schema;
  status =
      rep->db->Get(rocksdb::ReadOptions(), meta, ToSlice(internal::kSchemaVersionKey), &schema);
  if (status.IsNotFound()) {
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    status = rep->db->Put(write_options, meta, ToSlice(internal::kSchemaVersionKey),
                          ToSlice(kSchemaVersion));
    if (!status.ok()) return OpenError(status, options.data_dir);
  } else if (!status.ok()) {
    return OpenError(status, options.data_dir);
  } else if (schema != kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("the data directory ", options.data_dir, " has storage schema version ",
                     schema, " but this hubd reads version ", internal::Absl(kSchemaVersion),
                     "; run the hubd release that wrote it"));
  }

  std::string hwm;
  status =
      rep->db->Get(rocksdb::ReadOptions(), meta, ToSlice(internal::kVersionHighWaterMarkKey), &hwm);
  if (status.ok()) {
    uint64_t version = 0;
    if (!internal::DecodeFixed64(hwm, &version)) {
      return absl::DataLossError(
          absl::StrCat("the version high-water mark in ", options.data_dir,
                       " is damaged; restore the data directory from a checkpoint"));
    }
    rep->last_version.store(version);
  } else if (!status.IsNotFound()) {
    return OpenError(status, options.data_dir);
  }
  RETURN_IF_ERROR(internal::LoadFeedPurgeMarks(*rep, *rep->feed_purge_marks));
  auto store = std::unique_ptr<Store>(new Store(std::move(rep)));
  // A data directory from before the provider views: build them once.
  RETURN_IF_ERROR(internal::BuildCareViewsIfMissing(*store));
  // The feeds' derived indexes (storage/feed_store.h): checkpoints for a
  // store from before the indexer, then the tails a crash left unindexed,
  // so whoever opens the store finds them complete.
  RETURN_IF_ERROR(feed_internal::StartFeedIndexer(*store));
  // On a full volume the store still opens (to read what it holds): the
  // tails are then indexed once space returns, by the first reader or
  // indexer that needs them.
  if (absl::Status caught_up = FeedStore(store.get()).CatchUpIndexes();
      !caught_up.ok() && !absl::IsResourceExhausted(caught_up)) {
    return caught_up;
  }
  // A data directory from before the monitor's flow tallies: build them once
  // (from the record index, complete now).
  RETURN_IF_ERROR(internal::BuildFlowTalliesIfMissing(*store));
  return store;
}

namespace {

// One operation of a write batch, pointing into the batch's bytes.
struct BatchOperation {
  enum class Kind { kPut, kMerge, kDelete };
  uint32_t column_family_id;
  Kind kind;
  rocksdb::Slice key;
  rocksdb::Slice value;
};

// Collects a batch's puts, merges and deletes; any other kind of record
// (single deletes, range deletes, log data: the hub writes none) makes the
// batch unsortable and it is written as it is.
class BatchOperations : public rocksdb::WriteBatch::Handler {
 public:
  std::vector<BatchOperation> operations;
  bool other = false;

  rocksdb::Status PutCF(uint32_t id, const rocksdb::Slice& key,
                        const rocksdb::Slice& value) override {
    operations.push_back({id, BatchOperation::Kind::kPut, key, value});
    return rocksdb::Status::OK();
  }
  rocksdb::Status MergeCF(uint32_t id, const rocksdb::Slice& key,
                          const rocksdb::Slice& value) override {
    operations.push_back({id, BatchOperation::Kind::kMerge, key, value});
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteCF(uint32_t id, const rocksdb::Slice& key) override {
    operations.push_back({id, BatchOperation::Kind::kDelete, key, rocksdb::Slice()});
    return rocksdb::Status::OK();
  }
  rocksdb::Status SingleDeleteCF(uint32_t, const rocksdb::Slice&) override {
    other = true;
    return rocksdb::Status::OK();
  }
  rocksdb::Status DeleteRangeCF(uint32_t, const rocksdb::Slice&, const rocksdb::Slice&) override {
    other = true;
    return rocksdb::Status::OK();
  }
  void LogData(const rocksdb::Slice&) override { other = true; }
};

// Batches smaller than this are written as they are.
constexpr uint32_t kMinOperationsToSort = 32;

// `in` with its operations ordered by (column family, key), in `out`; false
// (and `out` untouched) when `in` holds an operation this does not reorder.
// The order is stable, so operations on one key keep their order and the
// batch's outcome is the same. Why: RocksDB inserts a batch into each column
// family's memtable (a skip list) in batch order, and an insert next to the
// previous one reuses its search path, so a sorted batch costs far fewer key
// comparisons, i.e. cache misses, than one in row order (measured: +20%
// rows/s on a 1,000,000-row 834 ingest, bare and full path alike).
bool OrderForMemtables(const Store::Rep& rep, const rocksdb::WriteBatch& in,
                       rocksdb::WriteBatch* out) {
  BatchOperations collected;
  collected.operations.reserve(in.Count());
  if (!in.Iterate(&collected).ok() || collected.other) return false;
  std::stable_sort(collected.operations.begin(), collected.operations.end(),
                   [](const BatchOperation& a, const BatchOperation& b) {
                     if (a.column_family_id != b.column_family_id) {
                       return a.column_family_id < b.column_family_id;
                     }
                     return a.key.compare(b.key) < 0;
                   });
  for (const BatchOperation& op : collected.operations) {
    if (op.column_family_id >= rep.handles_by_id.size() ||
        rep.handles_by_id[op.column_family_id] == nullptr) {
      return false;
    }
  }
  for (const BatchOperation& op : collected.operations) {
    rocksdb::ColumnFamilyHandle* family = rep.handles_by_id[op.column_family_id];
    switch (op.kind) {
      case BatchOperation::Kind::kPut:
        out->Put(family, op.key, op.value).PermitUncheckedError();
        break;
      case BatchOperation::Kind::kMerge:
        out->Merge(family, op.key, op.value).PermitUncheckedError();
        break;
      case BatchOperation::Kind::kDelete:
        out->Delete(family, op.key).PermitUncheckedError();
        break;
    }
  }
  return true;
}

// How long a look at the volume's free space stays good while the estimate
// (free space minus bytes committed since) is comfortably above the
// reserve: flushes and compactions also take space the estimate does not
// see.
constexpr int64_t kFreeSpaceRecheckMicros = 200'000;

// OK while the data volume has more than rep.min_free_bytes free. Looks at
// the volume (statvfs) only when the estimate nears the reserve or has not
// been checked for kFreeSpaceRecheckMicros, so a busy store pays about one
// system call per 200 ms.
absl::Status CheckFreeSpace(Store::Rep& rep, size_t batch_bytes) {
  if (rep.min_free_bytes == 0) return absl::OkStatus();
  const auto reserve = static_cast<int64_t>(rep.min_free_bytes);
  const int64_t now = absl::ToUnixMicros(absl::Now());
  const int64_t estimate = rep.free_bytes_estimate.fetch_sub(static_cast<int64_t>(batch_bytes),
                                                             std::memory_order_relaxed) -
                           static_cast<int64_t>(batch_bytes);
  if (estimate > 2 * reserve &&
      now - rep.free_bytes_checked_at_micros.load(std::memory_order_relaxed) <
          kFreeSpaceRecheckMicros) {
    return absl::OkStatus();
  }
  struct statvfs volume;
  if (statvfs(rep.data_dir.c_str(), &volume) != 0) {
    return absl::UnavailableError(
        absl::StrCat("storage: cannot read the data volume's free space (", std::strerror(errno),
                     "); check the data volume (mount, permissions), then retry"));
  }
  const auto free_bytes =
      static_cast<int64_t>(volume.f_bavail) * static_cast<int64_t>(volume.f_frsize);
  rep.free_bytes_estimate.store(free_bytes, std::memory_order_relaxed);
  rep.free_bytes_checked_at_micros.store(now, std::memory_order_relaxed);
  if (free_bytes - static_cast<int64_t>(batch_bytes) >= reserve) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("storage: the data volume is full (", free_bytes >> 20,
                   " MiB free, the hub keeps ", reserve >> 20,
                   " MiB in reserve); nothing was stored: free space on it or grow it, then "
                   "retry (writes resume at once, no restart)"));
}

// What every write answers once a commit met an I/O error (Rep::wal_failed).
absl::Status WalFailed() {
  return absl::UnavailableError(
      "storage: the data volume failed to write or sync the write-ahead log, so the store "
      "refuses writes until hubd restarts (nothing acknowledged is lost; the write that failed "
      "was not acknowledged): check the data volume's health and mount, then restart hubd");
}

}  // namespace

absl::Status Store::Commit(WriteBatch& batch, Durability durability) {
  absl::Status open = rep_->CheckOpen();
  if (!open.ok()) {
    batch.Clear();
    return open;
  }
  if (rep_->wal_failed.load(std::memory_order_acquire)) {
    batch.Clear();
    return WalFailed();
  }
  if (absl::Status space = CheckFreeSpace(*rep_, batch.ByteSize()); !space.ok()) {
    batch.Clear();
    return space;
  }
  rocksdb::WriteOptions write_options;
  // kSync: RocksDB appends the batch to the WAL and fsyncs it before Write
  // returns. Concurrent writers join one write group whose leader writes all
  // their batches to the WAL and issues a single fsync for the group: this
  // is the hub's group commit, N concurrent synced commits cost ~one fsync.
  write_options.sync = durability == Durability::kSync;
  internal::FlushTallies(*rep_, internal::RepOf(batch));
  for (const auto& [key, delta] : internal::RepOf(batch).capacity_deltas) {
    if (delta == 0) continue;
    internal::RepOf(batch)
        .batch
        .Merge(rep_->cf(ColumnFamily::kCapacityCounts), key,
               internal::EncodeFixed64(static_cast<uint64_t>(delta)))
        .PermitUncheckedError();
  }
  for (const auto& [plan_id, head] : internal::RepOf(batch).feed_heads) {
    internal::RepOf(batch)
        .batch.Put(rep_->cf(ColumnFamily::kFeedHeads), plan_id, internal::EncodeFixed64(head))
        .PermitUncheckedError();
  }
  rocksdb::WriteBatch ordered;
  rocksdb::WriteBatch* to_write = &internal::RepOf(batch).batch;
  if (to_write->Count() >= kMinOperationsToSort && OrderForMemtables(*rep_, *to_write, &ordered)) {
    to_write = &ordered;
  }
  rocksdb::Status status = rep_->db->Write(write_options, to_write);
  batch.Clear();
  if (status.IsIOError()) {
    rep_->wal_failed.store(true, std::memory_order_release);
    if (!status.IsNoSpace()) return WalFailed();  // A full volume says so first.
  } else if (!status.ok() && rep_->wal_failed.load(std::memory_order_acquire)) {
    return WalFailed();
  }
  return FromRocksDb(status, "committing a write batch");
}

absl::Status Store::SyncWal() {
  RETURN_IF_ERROR(rep_->CheckOpen());
  if (rep_->wal_failed.load(std::memory_order_acquire)) return WalFailed();
  return FromRocksDb(rep_->db->FlushWAL(/*sync=*/true), "syncing the write-ahead log");
}

uint64_t Store::NextVersion(WriteBatch& batch) {
  const uint64_t version = rep_->last_version.fetch_add(1, std::memory_order_relaxed) + 1;
  // After Close the handle is null and the merge lands in the default column
  // family of a batch that can no longer commit.
  internal::RepOf(batch)
      .batch
      .Merge(rep_->cf(ColumnFamily::kMeta), ToSlice(internal::kVersionHighWaterMarkKey),
             internal::EncodeFixed64(version))
      .PermitUncheckedError();
  return version;
}

absl::StatusOr<CheckpointInfo> Store::CreateCheckpoint(const std::string& dir) {
  RETURN_IF_ERROR(rep_->CheckOpen());
  std::error_code ec;
  const std::filesystem::path path = std::filesystem::absolute(dir, ec);
  if (ec || dir.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("bad checkpoint directory \"", dir,
                                                   "\"; give a path that does not exist yet"));
  }
  if (std::filesystem::exists(path, ec)) {
    return absl::AlreadyExistsError(
        absl::StrCat("checkpoint directory ", path.string(), " already exists; choose a new path"));
  }
  rocksdb::Checkpoint* raw_checkpoint = nullptr;
  rocksdb::Status status = rocksdb::Checkpoint::Create(rep_->db.get(), &raw_checkpoint);
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw_checkpoint);
  if (status.ok()) status = checkpoint->CreateCheckpoint(path.string());
  if (!status.ok()) {
    absl::Status error = FromRocksDb(status, "writing a checkpoint");
    return absl::Status(error.code(), absl::StrCat(error.message(), " (checkpoint directory ",
                                                   path.string(), "; its parent must exist)"));
  }
  CheckpointInfo info;
  for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const auto size = it->file_size(ec);
    if (ec) break;
    ++info.file_count;
    info.size_bytes += static_cast<int64_t>(size);
  }
  if (ec) {
    return absl::UnavailableError(absl::StrCat("checkpoint written to ", path.string(),
                                               " but listing it failed (", ec.message(),
                                               "); check the directory"));
  }
  return info;
}

absl::Status Store::Close() {
  if (rep_->closed.load(std::memory_order_acquire)) {
    return absl::FailedPreconditionError("storage: the store is already closed");
  }
  if (rep_->wal_failed.load(std::memory_order_acquire)) return rep_->CloseDb();
  absl::Status result =
      FromRocksDb(rep_->db->FlushWAL(/*sync=*/true), "syncing the write-ahead log at close");
  std::vector<rocksdb::ColumnFamilyHandle*> families;
  for (auto& handle : rep_->handles) families.push_back(handle.get());
  rocksdb::FlushOptions flush_options;
  flush_options.wait = true;
  absl::Status flushed =
      FromRocksDb(rep_->db->Flush(flush_options, families), "flushing memtables at close");
  if (result.ok()) result = flushed;
  absl::Status closed = rep_->CloseDb();
  if (result.ok()) result = closed;
  return result;
}

}  // namespace hub::storage
