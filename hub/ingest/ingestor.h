// Pass 2 of a plan file ingest (hub/ingest/ingest.h): the sink that
// validates each canonical row, applies the good ones and records the bad
// ones, committing every options.commit_every_rows rows; and, for snapshot
// files, what the file no longer lists.
//
// Its code is in three files: ingestor.cc (the commit machinery, row
// accounting, reads under member locks, capacity), ingest_rows.cc (the
// assignment, authorization and quality row handlers) and
// ingest_snapshot.cc (what a snapshot ends and protects).
//
// Internal to hub/ingest. One Ingestor per upload, used by one thread.
#ifndef HUB_HUB_INGEST_INGESTOR_H_
#define HUB_HUB_INGEST_INGESTOR_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "adapters/plan_adapter.h"
#include "base/status_macros.h"
#include "hub/ingest/ingest.h"
#include "hub/ingest/ingest_threads.h"
#include "hub/v1/ingest.pb.h"
#include "hub/v1/organization.pb.h"
#include "hub/v1/plan_file.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/ingest_store.h"
#include "storage/member_store.h"
#include "storage/quality_store.h"
#include "storage/store.h"

namespace hub {

// Reason codes the hub's own row validation adds to the adapters' (see
// adapters/README.md).
inline constexpr char kRowBadCin[] = "ROW_BAD_CIN";
inline constexpr char kRowBadNpi[] = "ROW_BAD_NPI";
inline constexpr char kRowUnknownProvider[] = "ROW_UNKNOWN_PROVIDER";
inline constexpr char kRowProviderNotContracted[] = "ROW_PROVIDER_NOT_CONTRACTED";
inline constexpr char kRowServiceNotOffered[] = "ROW_SERVICE_NOT_OFFERED";
inline constexpr char kRowRequiredMissing[] = "ROW_REQUIRED_MISSING";
inline constexpr char kRowBadPeriod[] = "ROW_BAD_PERIOD";
inline constexpr char kRowMissingPof[] = "ROW_MISSING_POF";
inline constexpr char kRowBadUnits[] = "ROW_BAD_UNITS";
inline constexpr char kRowBadMeasure[] = "ROW_BAD_MEASURE";
inline constexpr char kRowCoverageConflict[] = "ROW_COVERAGE_CONFLICT";
// A warning, not a rejection: the row was applied (see ingest.h, CAPACITY).
inline constexpr char kRowOverCapacity[] = "ROW_OVER_CAPACITY";
// Row warnings stored per report; the report's counts give the total.
inline constexpr int kMaxRowWarnings = 100;

// The typed stores the pipeline writes through.
struct IngestStores {
  explicit IngestStores(storage::Store* store)
      : members(store), coverage(store), care(store), quality(store), ingest(store) {}
  storage::MemberStore members;
  storage::CoverageIndex coverage;
  storage::CareStore care;
  storage::QualityStore quality;
  storage::IngestStore ingest;
};

// What the pass-2 sink needs to know about the upload.
struct IngestContext {
  storage::Store* store = nullptr;
  storage::DirectoryStore* directory = nullptr;
  IngestStores* stores = nullptr;
  std::string plan_id;
  hub::v1::FileKind kind = hub::v1::FILE_KIND_UNSPECIFIED;
  std::string report_id;
  bool snapshot = false;
  // The day before the upload was received: the end date of what a
  // snapshot no longer lists or a TERMINATE row leaves open.
  std::string cutoff;
  // The day the upload was received: capacity is judged as of this day.
  std::string today;
  const IngestOptions* options = nullptr;
  const std::atomic<bool>* cancelled = nullptr;
  MemberLocks* member_locks = nullptr;
  // This ingest's id in member_locks.
  uint64_t ingest_id = 0;
  // hub_ingest_coverage_conflicts_total, or null.
  MetricFamily* coverage_conflicts = nullptr;
  // The first pass of a snapshot file (see ingest.h, SHARE): every row is
  // validated exactly as pass 2 would, and its row errors are stored, but
  // nothing else is written (no member, coverage, assignment, authorization
  // or snapshot mark; no metric), so the share of rejected rows is known
  // before anything is applied.
  bool count_only = false;
};

class Ingestor final : public adapters::CanonicalRowSink {
 public:
  explicit Ingestor(IngestContext ctx);
  // Waits for the batch in flight, then releases the member locks;
  // uncommitted writes are dropped.
  ~Ingestor() override;

  // Starts the first batch: a snapshot's epoch, and the removal of row
  // errors an interrupted earlier attempt at the same file left behind.
  void Start();

  absl::Status OnRow(int64_t row_number, const google::protobuf::Message& row) override;
  absl::Status OnRowError(const adapters::RowError& error) override;

  // Accounts for the last row; call after the parser's Finish returned OK.
  absl::Status FinishRows() { return EndRow(); }

  // Ends what a snapshot file no longer lists (see ingest.h). A member
  // assignment file ends only assignments and an authorization file only
  // authorizations: each lists one kind of record (the plan's epoch is
  // shared by both kinds of file).
  absl::Status EndUnlisted();

  // Commits the batch in flight and the current batch without fsync
  // (Store::SyncWal makes them durable before the report); returns once both
  // are committed.
  absl::Status Commit();

  // Waits for the batch in flight (see BatchCommitter) and returns its
  // commit status.
  absl::Status Drain() { return WaitInFlight(); }

  bool committed_any() const { return committed_any_; }
  // Rejected rows of a snapshot file that could not be tied to a member
  // (authorization): their numbers, the first few.
  int64_t rows_unidentified() const { return rows_unidentified_; }
  const std::vector<int64_t>& unidentified_rows() const { return unidentified_rows_; }
  int64_t rows_accepted() const { return rows_accepted_; }
  int64_t rows_rejected() const { return rows_rejected_; }
  const hub::v1::IngestChanges& changes() const { return changes_; }

 private:
  struct PendingError {
    std::string field;
    const char* code;
    std::string message;
  };

  // Row accounting and commits (ingestor.cc).
  absl::Status BeginRow(int64_t row_number);
  absl::Status EndRow();
  absl::Status CommitAsync();
  absl::Status WaitInFlight();
  bool Pending(uint64_t hash) const;
  absl::Status CommitBeforeRead(uint64_t hash);
  absl::Status CheckCancelled() const;
  absl::Status CountWrite();
  void AddError(std::string_view field, std::string_view code, std::string_view message);
  void AddWarning(std::string_view field, std::string_view code, std::string_view message);
  void Reject(std::string field, const char* code, std::string message);
  bool FlushErrors();

  // Reads see committed data only, so a record this uncommitted batch
  // already wrote (one member on two rows, an 834 loop with two coverages)
  // commits the batch first. Keys are remembered by 64-bit hash: a collision
  // only costs an early commit.
  template <typename Record, typename Load>
  absl::StatusOr<std::optional<Record>> Lookup(std::string_view key, Load load) {
    RETURN_IF_ERROR(CommitBeforeRead(std::hash<std::string_view>()(key)));
    absl::StatusOr<Record> stored = load();
    if (absl::IsNotFound(stored.status())) return std::optional<Record>();
    RETURN_IF_ERROR(stored.status());
    return std::optional<Record>(*std::move(stored));
  }
  void Wrote(std::string_view key) { written_.insert(std::hash<std::string_view>()(key)); }
  absl::Status LockMember(const std::string& cin);
  void ReleaseMemberLocks();

  // Capacity (ingest_rows.cc).
  absl::StatusOr<int64_t*> Slots(const std::string& provider_id, const std::string& group);
  template <typename Record>
  absl::Status TrackSlots(const Record* before, const Record& after);
  template <typename Record>
  absl::StatusOr<bool> CheckCapacity(const hub::v1::Provider& provider, const Record* stored,
                                     Record& record, hub::v1::ProviderKind kind);

  // Validation and row handlers (ingest_rows.cc).
  absl::StatusOr<const hub::v1::Provider*> FindProvider(const std::string& npi);
  absl::StatusOr<const hub::v1::Provider*> CheckProvider(const std::string& npi,
                                                         hub::v1::ProviderKind kind);
  void CheckPeriod(const std::string& start, const std::string& end, const char* end_field);
  std::string TerminationDate(const std::string& row_end, const std::string& start) const;
  absl::Status OnAssignmentRow(const hub::v1::AssignmentFileRow& row);
  absl::StatusOr<const hub::v1::Provider*> ValidateAssignmentRow(
      const hub::v1::AssignmentFileRow& row);
  absl::StatusOr<std::optional<hub::v1::Member>> LoadMember(const std::string& cin);
  absl::Status CheckCoverageConflict(const hub::v1::AssignmentFileRow& row);
  void WriteMember(const hub::v1::AssignmentFileRow& row,
                   const std::optional<hub::v1::Member>& stored);
  absl::Status ApplyCoverage(const hub::v1::AssignmentFileRow& row, bool known_member);
  absl::Status ApplyAssignment(const hub::v1::AssignmentFileRow& row,
                               const hub::v1::Provider& provider, bool known_member);
  absl::Status OnAuthorizationRow(const hub::v1::AuthorizationFileRow& row);
  absl::StatusOr<const hub::v1::Provider*> ValidateAuthorizationRow(
      const hub::v1::AuthorizationFileRow& row);
  absl::Status OnQualityRow(const hub::v1::QualityFileRow& row);

  // Snapshot (ingest_snapshot.cc).
  absl::Status EndUnlistedAssignments();
  absl::Status EndUnlistedAuthorizations();
  absl::Status ProtectMemberAssignments(const std::string& cin);
  absl::Status ProtectAuthorization(const std::string& number);
  // A rejected row of a snapshot still lists its record when its identity
  // is known; otherwise it counts as unidentified (see ingest.h, step 4).
  absl::Status ProtectRejectedRow();
  // Stores one EndedRecord of the report.
  absl::Status RecordEnded(hub::v1::EndedRecord record);

  const IngestContext ctx_;
  IngestStores& s_;
  BatchCommitter committer_;
  storage::WriteBatch batch_;
  // A batch handed to committer_ and not yet known to be committed, the
  // hashes of the keys it wrote and the member lock stripes it holds.
  bool in_flight_ = false;
  absl::flat_hash_set<uint64_t> in_flight_written_;
  std::vector<size_t> in_flight_held_;
  std::vector<size_t> release_;  // Scratch of WaitInFlight.
  uint64_t epoch_ = 0;
  bool committed_any_ = false;
  int64_t rows_in_batch_ = 0;
  int64_t writes_in_batch_ = 0;
  uint32_t next_error_ordinal_ = 0;
  int warnings_ = 0;

  bool in_row_ = false;
  int64_t row_ = 0;
  // The current row's member CIN (authorization number), as far as known.
  std::string row_identity_;
  int64_t rows_unidentified_ = 0;
  std::vector<int64_t> unidentified_rows_;
  uint32_t next_ended_ordinal_ = 0;
  bool row_rejected_ = false;
  bool row_wrote_ = false;
  int64_t rows_handled_ = 0;
  int64_t rows_accepted_ = 0;
  int64_t rows_rejected_ = 0;
  hub::v1::IngestChanges changes_;
  std::vector<PendingError> errors_;

  absl::flat_hash_map<std::string, std::unique_ptr<hub::v1::Provider>> providers_;
  // Slots held on ctx_.today per (provider_id \0 capacity group) of this
  // plan, counting this ingest's writes (see Slots).
  absl::flat_hash_map<std::string, int64_t> slots_;
  std::string slot_key_;  // Scratch of Slots.
  // Hashes of the keys this batch wrote (cleared at each commit).
  absl::flat_hash_set<uint64_t> written_;
  // Member lock stripes held until the next commit.
  std::vector<bool> held_;
  std::vector<size_t> held_list_;
};

}  // namespace hub

#endif  // HUB_HUB_INGEST_INGESTOR_H_
