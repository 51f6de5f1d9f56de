#include "storage/store.h"

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
#include "storage/flow_tally_cache.h"
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
  rep_->flow_tallies_deleted = false;
}

namespace {

// Creates the data directory if it is missing.
absl::Status CreateDataDir(const std::string& data_dir) {
  if (data_dir.empty()) {
    return absl::InvalidArgumentError("no data directory given; pass --data_dir");
  }
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(absl::StrCat("cannot create the data directory ", data_dir,
                                                      " (", ec.message(),
                                                      "); check its parent's permissions"));
  }
  return absl::OkStatus();
}

// The database's options: the hub's tuning, the test hook's Env (kept in
// `rep`), and the memtables charged to the block cache.
rocksdb::DBOptions DbOptions(const StoreOptions& options,
                             const std::shared_ptr<rocksdb::Cache>& block_cache, Store::Rep& rep) {
  rocksdb::DBOptions db_options = internal::MakeDbOptions();
  if (options.wal_sync_faults != nullptr) {  // A test hook (storage/wal_sync_faults.h).
    rep.fault_env = internal::NewWalSyncFaultEnv(options.wal_sync_faults);
    db_options.env = rep.fault_env.get();
  }
  // The memtables are charged to the block cache: block_cache_bytes bounds
  // RocksDB's memory as a whole (memtables, data, index and filter blocks).
  db_options.write_buffer_manager =
      std::make_shared<rocksdb::WriteBufferManager>(db_options.db_write_buffer_size, block_cache);
  return db_options;
}

// Every column family on disk must be opened: ours (in ColumnFamily order,
// with their compaction filters, kept in `rep`), "default", and any a newer
// hubd may have added (opened with default options, never used).
std::vector<rocksdb::ColumnFamilyDescriptor> ColumnFamilies(
    const std::string& data_dir, const rocksdb::DBOptions& db_options,
    const std::shared_ptr<rocksdb::Cache>& block_cache, Store::Rep& rep) {
  std::vector<std::string> existing;
  if (!rocksdb::DB::ListColumnFamilies(db_options, data_dir, &existing).ok()) {
    existing.clear();  // A new database; real problems surface in DB::Open.
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  rep.idempotency_expiry = std::make_shared<internal::IdempotencyExpiry>();
  rep.feed_purge_marks = std::make_shared<internal::FeedPurgeMarks>();
  rep.flow_tally_cache = std::make_shared<internal::FlowTallyCache>();
  rep.care_index_expiry = std::make_shared<internal::CareIndexExpiry>();
  rep.class_expiry = std::make_shared<internal::ClassExpiry>();
  for (int i = 0; i < kColumnFamilyCount; ++i) {
    const auto family = static_cast<ColumnFamily>(i);
    descriptors.emplace_back(std::string(ColumnFamilyName(family)),
                             internal::MakeCfOptions(family, block_cache));
    // Retention (storage/retention.h): expired idempotency results go at
    // compaction.
    if (family == ColumnFamily::kIdempotency) {
      descriptors.back().options.compaction_filter = rep.idempotency_expiry.get();
    }
    // The feed's derived entries of purged items go at compaction.
    if (family == ColumnFamily::kRecords || family == ColumnFamily::kFeedIndex ||
        family == ColumnFamily::kProviderRecords) {
      rep.feed_purge_filters.push_back(
          std::make_shared<internal::FeedPurgeFilter>(family, rep.feed_purge_marks));
      descriptors.back().options.compaction_filter = rep.feed_purge_filters.back().get();
    }
    // The monitor's and the worklists' care indexes: old entries at a purge.
    if (family == ColumnFamily::kMonitor || family == ColumnFamily::kProviderOutreach) {
      descriptors.back().options.compaction_filter_factory =
          internal::NewCareIndexExpiryFactory(family, rep.care_index_expiry);
    }
    // Claims, quality reports and parked records: old ones at a purge.
    if (family == ColumnFamily::kClaims || family == ColumnFamily::kQualityReports ||
        family == ColumnFamily::kParked) {
      descriptors.back().options.compaction_filter_factory =
          internal::NewClassExpiryFactory(family, rep.class_expiry);
    }
  }
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (const std::string& name : existing) {
    const bool known = std::any_of(descriptors.begin(), descriptors.end(),
                                   [&](const auto& d) { return d.name == name; });
    if (!known) descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  return descriptors;
}

// Opens the database with `descriptors`; its column family handles go into
// `rep` (ours by ColumnFamily, the others kept open, all by id).
absl::Status OpenDb(const std::string& data_dir, const rocksdb::DBOptions& db_options,
                    const std::vector<rocksdb::ColumnFamilyDescriptor>& descriptors,
                    Store::Rep& rep) {
  std::vector<rocksdb::ColumnFamilyHandle*> raw_handles;
  rocksdb::DB* raw_db = nullptr;
  rocksdb::Status status =
      rocksdb::DB::Open(db_options, data_dir, descriptors, &raw_handles, &raw_db);
  if (!status.ok()) return OpenError(status, data_dir);
  rep.db.reset(raw_db);
  for (size_t i = 0; i < raw_handles.size(); ++i) {
    if (i < static_cast<size_t>(kColumnFamilyCount)) {
      rep.handles[i].reset(raw_handles[i]);
    } else {
      rep.other_handles.emplace_back(raw_handles[i]);
    }
    const uint32_t id = raw_handles[i]->GetID();
    if (rep.handles_by_id.size() <= id) rep.handles_by_id.resize(id + 1, nullptr);
    rep.handles_by_id[id] = raw_handles[i];
  }
  return absl::OkStatus();
}

// Writes the schema version into a new database; FailedPrecondition if an
// existing one was written with another.
absl::Status CheckSchemaVersion(Store::Rep& rep) {
  rocksdb::ColumnFamilyHandle* meta = rep.cf(ColumnFamily::kMeta);
  std::string schema;
  rocksdb::Status status =
      rep.db->Get(rocksdb::ReadOptions(), meta, ToSlice(internal::kSchemaVersionKey), &schema);
  if (status.IsNotFound()) {
    rocksdb::WriteOptions write_options;
    write_options.sync = true;
    status = rep.db->Put(write_options, meta, ToSlice(internal::kSchemaVersionKey),
                         ToSlice(kSchemaVersion));
    if (!status.ok()) return OpenError(status, rep.data_dir);
  } else if (!status.ok()) {
    return OpenError(status, rep.data_dir);
  } else if (schema != kSchemaVersion) {
    return absl::FailedPreconditionError(
        absl::StrCat("the data directory ", rep.data_dir, " has storage schema version ", schema,
                     " but this hubd reads version ", internal::Absl(kSchemaVersion),
                     "; run the hubd release that wrote it"));
  }
  return absl::OkStatus();
}

// Loads the last record version handed out (NextVersion) into `rep`.
absl::Status LoadVersionHighWaterMark(Store::Rep& rep) {
  std::string hwm;
  rocksdb::Status status = rep.db->Get(rocksdb::ReadOptions(), rep.cf(ColumnFamily::kMeta),
                                       ToSlice(internal::kVersionHighWaterMarkKey), &hwm);
  if (status.ok()) {
    uint64_t version = 0;
    if (!internal::DecodeFixed64(hwm, &version)) {
      return absl::DataLossError(
          absl::StrCat("the version high-water mark in ", rep.data_dir,
                       " is damaged; restore the data directory from a checkpoint"));
    }
    rep.last_version.store(version);
  } else if (!status.IsNotFound()) {
    return OpenError(status, rep.data_dir);
  }
  return absl::OkStatus();
}

// What opening runs on the store before anyone uses it: the views and
// indexes a data directory from an older hubd lacks, and the feeds' tails.
absl::Status RunOpenUpgrades(Store& store) {
  // A data directory from before the provider views: build them once.
  RETURN_IF_ERROR(internal::BuildCareViewsIfMissing(store));
  // The feeds' derived indexes (storage/feed_store.h): checkpoints for a
  // store from before the indexer, then the tails a crash left unindexed,
  // so whoever opens the store finds them complete.
  RETURN_IF_ERROR(feed_internal::StartFeedIndexer(store));
  // On a full volume the store still opens (to read what it holds): the
  // tails are then indexed once space returns, by the first reader or
  // indexer that needs them.
  if (absl::Status caught_up = FeedStore(&store).CatchUpIndexes();
      !caught_up.ok() && !absl::IsResourceExhausted(caught_up)) {
    return caught_up;
  }
  // A data directory from before the monitor's flow tallies: build them once
  // (from the record index, complete now).
  return internal::BuildFlowTalliesIfMissing(store);
}

}  // namespace

// --------------------------------------------------------------------- Store

Store::Store(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

Store::~Store() {
  if (rep_ != nullptr && !rep_->closed.load(std::memory_order_acquire)) Close().IgnoreError();
}

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  RETURN_IF_ERROR(CreateDataDir(options.data_dir));
  auto rep = std::make_unique<Rep>();
  rep->data_dir = options.data_dir;
  rep->min_free_bytes = options.min_free_bytes;
  std::shared_ptr<rocksdb::Cache> block_cache = internal::MakeBlockCache(options.block_cache_bytes);
  const rocksdb::DBOptions db_options = DbOptions(options, block_cache, *rep);
  RETURN_IF_ERROR(OpenDb(options.data_dir, db_options,
                         ColumnFamilies(options.data_dir, db_options, block_cache, *rep), *rep));
  // From here on, an early return closes the DB through ~Rep.
  RETURN_IF_ERROR(CheckSchemaVersion(*rep));
  RETURN_IF_ERROR(LoadVersionHighWaterMark(*rep));
  RETURN_IF_ERROR(internal::LoadFeedPurgeMarks(*rep, *rep->feed_purge_marks));
  auto store = std::unique_ptr<Store>(new Store(std::move(rep)));
  RETURN_IF_ERROR(RunOpenUpgrades(*store));
  return store;
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
