// The hub's durable store: one embedded RocksDB database with one column
// family per record kind. Nothing of RocksDB is visible outside storage/:
// callers see Store, WriteBatch and the typed stores built on them
// (directory_store.h, member_store.h, coverage_index.h, care_store.h).
//
// Thread safety: Store and the typed stores are safe for concurrent use.
// A WriteBatch is owned by one thread until committed.
#ifndef HUB_STORAGE_STORE_H_
#define HUB_STORAGE_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace hub::storage {

class WalSyncFaults;  // storage/wal_sync_faults.h: a test hook.

namespace internal {
struct RepAccess;  // storage/internal.h: the one way in to Rep.
}  // namespace internal

// The record kinds, one RocksDB column family each. The numeric values are
// never persisted; the names (ColumnFamilyName) are, so never rename one.
enum class ColumnFamily {
  kMeta,                   // Store metadata: schema version, version high-water mark,
                           // plans' export control numbers (control_number_store.h).
  kPlans,                  // plan_id -> hub.v1.Plan
  kProviders,              // provider_id -> hub.v1.Provider
  kProviderByNpi,          // npi -> provider_id
  kMembers,                // cin -> hub.v1.Member
  kCoverage,               // cin, plan_id, start_date -> hub.v1.Coverage
  kAssignments,            // cin, plan_id, provider_id, benefit_start -> hub.v1.Assignment
  kAuthorizations,         // cin, plan_id, authorization_number -> hub.v1.Authorization
  kAuthorizationByNumber,  // plan_id, authorization_number -> cin
  // Plan file ingest (storage/ingest_store.h).
  kIngestReports,        // report_id -> hub.v1.IngestReport (row_errors empty)
  kIngestReportsByPlan,  // plan_id, ~sequence (big-endian) -> report_id (newest first)
  kIngestRowErrors,      // report_id, row_number BE8, ordinal BE4 -> hub.v1.RowError
  // Per-plan indexes that snapshot files use to find what they no longer
  // list (storage/care_store.h): the value is a fixed64 mark, the version of
  // the last put or the epoch of the last snapshot that listed the record.
  kPlanAssignments,     // plan_id, cin, provider_id, benefit_start -> fixed64 mark
  kPlanAuthorizations,  // plan_id, authorization_number -> fixed64 mark
  // Quality measure reports (storage/quality_store.h), provider first.
  kQualityReports,  // provider_id, plan_id, measure_id, period, stratifier -> QualityMeasureReport
  // Plans' feeds and providers' submissions (storage/feed_store.h).
  kFeedItems,        // plan_id, sequence BE8 -> hub.v1.FeedItem
  kFeedHeads,        // plan_id -> last appended sequence (fixed64)
  kFeedCursors,      // plan_id -> acknowledged sequence (fixed64)
  kRecords,          // record_id -> record location and the plan's verdict
  kIdempotency,      // provider_id, idempotency_key -> hub.v1.SubmissionResult
  kProviderRecords,  // provider_id, ~accept time BE8, record_id -> "" (newest first)
  // The latest care plan per member (storage/care_plan_store.h).
  kCarePlans,  // cin -> hub.v1.FeedItem holding the care plan
  // What plans' exports read (storage/feed_store.h): each feed item again,
  // keyed by plan, kind and record month or member -> "" (the item is in
  // kFeedItems).
  kFeedIndex,
  // Providers' worklists and capacity (storage/care_store.h), maintained by
  // CareStore's puts and deletes in the same batch as the records.
  kProviderCare,    // provider_id, plan_id, cin, "A"|"C", start|number -> ProviderCareEntry
  kCapacityCounts,  // provider_id, plan_id, group -> int64 (merged sums): slots held
  kCapacityEnds,    // provider_id, plan_id, group, end_date, record -> "" (slots that end)
  // Outreach attempts accepted from providers (storage/care_store.h).
  kProviderOutreach,  // provider_id, plan_id, cin, authorization_number, date -> record_id
  // Audit log and consents (storage/audit_store.h, storage/consent_store.h).
  kAudit,        // "r" sequence BE8 -> hub.v1.AuditRecord; "key" -> member-ref HMAC key
  kConsents,     // "c" consent_id -> hub.v1.Consent; "m" cin, consent_id -> ""
  kConsentHeld,  // plan_id, sequence BE8 -> record_id (Part 2 items withheld)
  // County monitoring (storage/monitor_store.h): rejected submissions by
  // time, outreach attempts per authorization, RTF rows per month.
  kMonitor,
  // The monitor's flow tallies (storage/flow_tally.h), merged sums:
  // "g" level bucket plan provider kind status reason -> count + latencies;
  // "s" level bucket plan -> count (series).
  kFlowTallies,
  // Billing (storage/claim_store.h): each billable line's latest billing
  // status, and each claim's lines (the crosswalk back to the records).
  kClaims,
  // Parked records (storage/parked_store.h): parked_id -> hub.v1.ParkedRecord.
  kParked,
};

// The persisted name of a column family, e.g. "coverage".
std::string_view ColumnFamilyName(ColumnFamily cf);

// How a commit must reach the disk before Commit returns.
enum class Durability {
  // The write-ahead log is fsynced before Commit returns: the batch survives
  // a process crash or power loss. Concurrent synced commits share one fsync
  // (RocksDB's write group): this is the hub's group commit.
  kSync,
  // Written to the OS page cache only: survives a process crash, not power
  // loss. Used by bulk loads that sync once at the end (see Store::SyncWal).
  kBuffered,
};

struct StoreOptions {
  // Folder holding the database; created if missing.
  std::string data_dir;
  // RocksDB's memory budget, as one block cache: the memtables of all column
  // families (up to 64 MiB, charged to it), data blocks, and every table's
  // index and filter blocks (so memory does not grow with the store's size).
  size_t block_cache_bytes = 128u << 20;
  // Space the store keeps free on the data volume: a commit that finds
  // less free fails with ResourceExhausted and writes nothing, so RocksDB
  // itself never meets a full disk (its flushes and compactions, and a
  // clean Close, run in this reserve). Once space is freed, commits work
  // again at once: no restart, no repair. 0 turns the check off.
  uint64_t min_free_bytes = 512u << 20;
  // Tests only (null in production): the write-ahead log's syncs fail
  // while it is armed (storage/wal_sync_faults.h).
  std::shared_ptr<WalSyncFaults> wal_sync_faults;
};

// What CreateCheckpoint wrote.
struct CheckpointInfo {
  int file_count = 0;
  int64_t size_bytes = 0;
};

class Store;

// A group of writes applied atomically by Store::Commit. Move-only.
// Typed stores add to it (e.g. MemberStore::Put); commit once per logical
// update so a crash never leaves half of one.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;

  // Number of key writes in the batch.
  int Count() const;
  // Approximate bytes the batch holds.
  size_t ByteSize() const;
  // Drops every write, keeping the buffer for reuse.
  void Clear();

  // Internal representation, defined in storage/internal.h; only storage/
  // reaches it (internal::RepOf).
  struct Rep;

 private:
  friend struct internal::RepAccess;
  Rep& rep() { return *rep_; }
  std::unique_ptr<Rep> rep_;
};

class Store {
 public:
  // Opens (creating if needed) the database in options.data_dir with every
  // column family of ColumnFamily. Fails with FailedPrecondition if another
  // process holds the database, DataLoss if it is corrupt.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  // Closes the database (see Close); errors are ignored here: call Close
  // first to see them.
  ~Store();

  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Applies `batch` atomically. OK means every write in it is visible to
  // readers and, for kSync, durable. The batch is left empty (on error too).
  // ResourceExhausted: the data volume has less than
  // StoreOptions::min_free_bytes free; nothing was written.
  absl::Status Commit(WriteBatch& batch, Durability durability);

  // Fsyncs the write-ahead log: everything committed before the call is
  // durable when it returns OK.
  absl::Status SyncWal();

  // Returns a new hub-wide version: strictly greater than every version
  // returned before in this process and every version of a batch committed
  // by an earlier process on the same data. Adds a write to `batch` that
  // persists the high-water mark, so the version is durable exactly when the
  // batch is (a version whose batch never committed was never stored, and
  // may be handed out again after a restart).
  uint64_t NextVersion(WriteBatch& batch);

  // Writes a consistent checkpoint of the whole database into `dir`, which
  // must not exist (its parent must). The checkpoint is itself a data_dir.
  absl::StatusOr<CheckpointInfo> CreateCheckpoint(const std::string& dir);

  // Flushes memtables and closes the database. Further calls fail with
  // FailedPrecondition, including reads through the typed stores. Must not
  // run concurrently with any other call on this store.
  absl::Status Close();

  // Internal representation, defined in storage/internal.h; only storage/
  // reaches it (internal::RepOf).
  struct Rep;

 private:
  friend struct internal::RepAccess;
  Rep& rep() { return *rep_; }
  explicit Store(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_STORE_H_
