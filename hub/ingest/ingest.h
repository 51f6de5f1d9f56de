// The plan file ingest pipeline: from a spooled upload to applied records
// and a stored IngestReport (hub.v1.PlanService.UploadFile).
//
// Per upload, on a worker thread (never a gRPC callback thread):
//   1. DEDUPE: report_id = IngestReportId(plan, content SHA-256, profile
//      version); if that report exists, it is returned (replay = true) and
//      nothing is read or applied.
//   2. PASS 1, only for layouts with end-of-file checks (a delimited trailer,
//      fixed-width header/trailer records, X12): the adapter parses the
//      spool with a sink that drops rows. A file-level error rejects the
//      file whole (outcome REJECTED, rejection_code = the reader's FILE_*
//      code); nothing is applied.
//      SHARE: for SNAPSHOT member assignment and CS authorization files,
//      pass 1 is instead a whole validation of every row, as pass 2 does it
//      (an Ingestor with count_only: the adapter's row errors, the hub's row
//      checks, coverage conflicts with other plans), storing the row errors
//      and writing nothing else. When more than the profile's
//      max_rejected_rows_percent of the data rows (default 10) is rejected,
//      the file applies nothing: outcome REJECTED, rejection_code
//      FILE_TOO_MANY_REJECTED_ROWS (FILE_NO_ROWS_ACCEPTED when no row was
//      good), the report's rejected_rows_percent and
//      max_rejected_rows_percent, every row error; no assignment is ended.
//      A file of fewer than 10 data rows with a good row is exempt (one
//      typo in a three-row file is not a broken export; its rejected rows
//      change nothing anyway).
//      A profile allowing 100 skips this pass (the plain pass 1 runs).
//      A file within the limit goes on to pass 2 (which stores the row
//      errors again). This costs a second read and validation of the file,
//      without writes: what a snapshot would half-apply cannot be undone
//      once its batches are committed, so the decision comes first. Another
//      plan's file committed between the two passes can change a coverage
//      conflict; pass 2's counts are the report's.
//   3. PASS 2: the spool is parsed again (on a parser thread feeding this
//      one through a small bounded queue) and every row validated: CIN;
//      provider NPI valid and in the directory; contracted with the plan for
//      ECM (assignments), CS (authorizations) or anything (quality); the
//      Community Support offered; dates and periods; POFs; units; measure
//      counts and periods. Bad rows become RowErrors (row number, field, stable
//      reason code, a sentence; never a value); good rows are applied:
//      members upserted (merged), coverage periods, assignments,
//      authorizations and quality reports written. A row identical to what
//      is stored writes nothing (rows_unchanged), which is what makes an
//      interrupted ingest followed by a re-upload end in the same state as
//      one clean ingest. Writes are committed every `commit_every_rows` rows
//      without fsync; the write-ahead log is synced once before the report is
//      written synced: durable before acknowledged.
//   4. SNAPSHOT files (profile semantics SNAPSHOT) that were not rejected,
//      with at least one row applied: every open assignment (authorization)
//      of the plan that the file did not list is ended the day before the
//      upload was received: benefit_end_date (end_date) = that day, status
//      DISCONTINUED (authorizations: CANCELLED; DENIED or CANCELLED ones are
//      left alone). One that would only start after that day never began and
//      is deleted. A rejected row whose CIN (authorization number) is valid
//      still counts as listing that member's assignments with the plan (that
//      authorization), so a typo does not end them; a row the adapter could
//      not read at all protects nothing. Delta files never end what they do
//      not list.
//   5. REPORT: counts, outcome (ACCEPTED, PARTIALLY_ACCEPTED when any row was
//      rejected, REJECTED), every row error stored (the first 100 inline),
//      one JSON log line without PHI; the spool file is deleted by its owner.
//
// CAPACITY: a provider's contract with the plan (the one in effect on the
// upload's day) may set an ECM capacity and a per-Community-Support CS
// capacity (0 = no limit). When an assignment (authorization) starts holding
// one of the provider's slots with this plan (storage/care_store.h,
// HoldsSlot: new, reopened or moved to the provider) while the slots held on
// the upload's day already reach the capacity, it is still applied, with
// over_capacity = true, counted in changes.assignments_over_capacity
// (authorizations_over_capacity) and reported as a RowError with
// reason_code ROW_OVER_CAPACITY and warning = true (the row counts as
// accepted; only the first 100 warnings of an upload are stored, the counts
// give the total). Capacity is judged row by row, before a snapshot ends what
// the file no longer lists. The slot counts come from storage (one read per
// provider and upload) plus this ingest's own changes kept in memory, so
// judging costs no read per row.
//
// Memory is bounded: reads of 1 MiB, one batch of rows, a provider cache.
//
// Thread safety: Run may be called concurrently; uploads of one plan are
// serialized (the snapshot logic needs one ingest per plan at a time),
// uploads of different plans run in parallel. Member records are shared by
// all plans: an ingest holds a striped lock on each member it reads and
// merges until the batch with its write is committed, so two plans'
// concurrent updates of one member never lose each other's fields (an
// ingest that meets a stripe held by another commits its own batch, which
// releases its stripes, before it waits: no deadlock).
#ifndef HUB_HUB_INGEST_INGEST_H_
#define HUB_HUB_INGEST_INGEST_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/common/metrics.h"
#include "hub/common/plan_adapters.h"
#include "hub/v1/ingest.pb.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {
namespace storage {
class Store;
class DirectoryStore;
}  // namespace storage

// The typed stores the pipeline writes through, and the locks on member
// records that ingests of different plans share (ingestor.h,
// ingest_threads.h).
struct IngestStores;
class MemberLocks;

struct IngestOptions {
  // Wall clock for receive/complete times and the snapshot cutoff day (UTC).
  // Required.
  std::function<absl::Time()> clock;
  // Rows per WriteBatch committed without fsync.
  int commit_every_rows = 2000;
  // Where hub_ingest_coverage_conflicts_total{plan,covering_plan} counts
  // rows rejected with ROW_COVERAGE_CONFLICT; null = not counted. Not owned.
  MetricsRegistry* metrics = nullptr;
  // Bytes read from the spool per Feed.
  size_t read_block_bytes = 1u << 20;
  // Row errors inline in a report (all are stored).
  int inline_row_errors = 100;
  // Test hook: called in pass 2 after each data row is handled, with the
  // number of rows handled so far. A non-OK status aborts the ingest as a
  // crash would: what was committed stays, no report is written, Run
  // returns that status.
  std::function<absl::Status(int64_t rows_handled)> row_hook;
};

// One upload, spooled to a file, ready to ingest.
struct SpooledUpload {
  std::string plan_id;
  hub::v1::FileKind kind = hub::v1::FILE_KIND_UNSPECIFIED;
  // As uploaded; only for the report.
  std::string file_name;
  // The spooled bytes. The caller owns (and deletes) the file.
  std::string spool_path;
  // Lowercase hex SHA-256 of the bytes.
  std::string content_sha256;
  int64_t size_bytes = 0;
  // When the last byte arrived.
  absl::Time receive_time;
};

// The replay key of an upload: "<plan_id>-<16 hex digits>", the first 16
// hex digits of SHA-256("<content_sha256>:<profile_version>"), or of
// content_sha256 itself when profile_version is empty (reports made before
// profiles had versions). The same bytes read by another version of the
// plan's profile (LoadedPlanProfile::Version) get a new key and are read
// again: a file rejected for a profile mistake is read anew once the
// profile is fixed.
std::string IngestReportId(std::string_view plan_id, std::string_view content_sha256,
                           std::string_view profile_version = "");

// True if `report_id` has the shape IngestReportId returns.
bool IsIngestReportId(std::string_view report_id);

class IngestPipeline {
 public:
  // `store` and `directory` must outlive the pipeline.
  IngestPipeline(storage::Store* store, storage::DirectoryStore* directory, IngestOptions options);
  ~IngestPipeline();

  // Ingests `upload` with `profile`'s adapter (see the file comment) and
  // returns its report with the first inline_row_errors row errors. Blocks
  // for the whole ingest: call it from a worker thread. `cancelled` (may be
  // null) is polled between rows: when it becomes true, Run stops with
  // Cancelled. Errors (nothing is reported; what was committed stays and a
  // re-upload of the same file completes it): Cancelled; the row hook's
  // status; Internal if the spool cannot be read; storage errors;
  // AlreadyExists if the same content was ingested as another file kind.
  absl::StatusOr<hub::v1::IngestReport> Run(const SpooledUpload& upload,
                                            const LoadedPlanProfile& profile,
                                            const std::atomic<bool>* cancelled);

  // The stored report `report_id` with its first `inline_errors` row errors.
  // NotFound if there is none.
  absl::StatusOr<hub::v1::IngestReport> GetReport(std::string_view report_id,
                                                  int inline_errors) const;

  const IngestOptions& options() const { return options_; }

 private:
  // One upload's ingest, under its plan's lock (ingest.cc).
  class Attempt;

  absl::Mutex& PlanMutex(const std::string& plan_id);

  storage::Store* store_;
  storage::DirectoryStore* directory_;
  const IngestOptions options_;
  std::unique_ptr<IngestStores> stores_;
  std::unique_ptr<MemberLocks> member_locks_;
  // hub_ingest_coverage_conflicts_total, or null.
  MetricFamily* coverage_conflicts_ = nullptr;
  std::atomic<uint64_t> next_ingest_id_{1};
  absl::Mutex plans_mu_;
  std::map<std::string, std::unique_ptr<absl::Mutex>> plan_mutexes_ ABSL_GUARDED_BY(plans_mu_);
};

}  // namespace hub

#endif  // HUB_HUB_INGEST_INGEST_H_
