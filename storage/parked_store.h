// Parked records: what a flow of the hub could not finish (a stored record
// no export can render, a plan file whose ingest stopped part way), kept
// with its reason until the county administrator reruns or discards it
// (README "Operating: parked records and retention"). Nothing is deleted:
// a discarded record stays, DISCARDED, with who, when and why.
//
// Keys (store.h, ColumnFamily::kParked): parked_id -> hub.v1.ParkedRecord.
// The parked id is derived from (reason, plan, file kind, record id), so
// the same record parked again (each export of the month meets it) is one
// parked record whose occurrences grow.
//
// States: PARKED -> RERUNNING -> RESOLVED (or back to PARKED if the rerun
// failed again); PARKED -> DISCARDED. BeginRerun is the one way into
// RERUNNING and is atomic, so of two concurrent reruns of one record
// exactly one runs; a RESOLVED or DISCARDED record is never rerun. Open
// returns records a crash left RERUNNING to PARKED (every rerun is safe to
// repeat once its first attempt did not finish: re-ingesting a file is
// idempotent, re-checking a record reads only).
//
// Thread safety: all methods may be called concurrently (state changes
// are serialized by one lock). Every change is committed synced.
#ifndef HUB_STORAGE_PARKED_STORE_H_
#define HUB_STORAGE_PARKED_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/v1/admin_service.pb.h"
#include "storage/store.h"

namespace hub::storage {

// "pk_" + 16 lowercase hex digits of SHA-256 over the four fields.
std::string ParkedId(hub::v1::ParkedReason reason, std::string_view plan_id, hub::v1::FileKind kind,
                     std::string_view record_id);

// Open (PARKED or RERUNNING) records by (plan_id, reason), read from
// `store` (ParkedStore::CountOpen; for readers that hold no ParkedStore).
absl::StatusOr<std::map<std::pair<std::string, hub::v1::ParkedReason>, int64_t>> CountOpenParked(
    Store& store);

class ParkedStore {
 public:
  // Returns records left RERUNNING (by a process that stopped mid-rerun) to
  // PARKED. `store` is not owned and must outlive the ParkedStore.
  static absl::StatusOr<std::unique_ptr<ParkedStore>> Open(Store* store);

  // Parks `record`: reason, plan_id, file_kind and record_id must be set
  // (InvalidArgument otherwise); detail, field, period, feed_sequence and
  // the upload fields are taken from it. A new record is PARKED with
  // first/last parked time `now` and occurrences 1. One already stored
  // gets last_parked_time, occurrences + 1 and the new detail; a RESOLVED
  // one is PARKED again (the flow met it again); a DISCARDED one stays
  // discarded. Returns the stored record.
  absl::StatusOr<hub::v1::ParkedRecord> Park(const hub::v1::ParkedRecord& record, absl::Time now);

  // NotFound naming the id if there is none.
  absl::StatusOr<hub::v1::ParkedRecord> Get(std::string_view parked_id) const;

  // Up to `limit` (>= 1) records in parked_id order after `after` ("" =
  // from the start), of `state` (UNSPECIFIED = PARKED and RERUNNING) and
  // `plan_id` ("" = any). Returns the records and the id to resume after
  // ("" at the end).
  absl::StatusOr<std::pair<std::vector<hub::v1::ParkedRecord>, std::string>> List(
      hub::v1::ParkedState state, std::string_view plan_id, std::string_view after,
      int limit) const;

  // PARKED -> RERUNNING, by `by` at `now`. NotFound; FailedPrecondition
  // when the record is RERUNNING, RESOLVED or DISCARDED (the message names
  // the state, when and by whom).
  absl::StatusOr<hub::v1::ParkedRecord> BeginRerun(std::string_view parked_id, std::string_view by,
                                                   absl::Time now);
  // RERUNNING -> RESOLVED (resolved) or PARKED, with rerun_attempts + 1
  // and `outcome` (a sentence without PHI). FailedPrecondition if the
  // record is not RERUNNING.
  absl::StatusOr<hub::v1::ParkedRecord> FinishRerun(std::string_view parked_id, bool resolved,
                                                    std::string_view outcome, std::string_view by,
                                                    absl::Time now);
  // PARKED -> DISCARDED with `reason`. NotFound; FailedPrecondition for any
  // other state.
  absl::StatusOr<hub::v1::ParkedRecord> Discard(std::string_view parked_id, std::string_view by,
                                                std::string_view reason, absl::Time now);

  // Open (PARKED or RERUNNING) records by (plan_id, reason).
  absl::StatusOr<std::map<std::pair<std::string, hub::v1::ParkedReason>, int64_t>> CountOpen()
      const;

 private:
  explicit ParkedStore(Store* store) : store_(store) {}
  absl::StatusOr<bool> Read(std::string_view parked_id, hub::v1::ParkedRecord& out) const;
  absl::Status Write(const hub::v1::ParkedRecord& record);

  Store* const store_;
  absl::Mutex mu_;  // Serializes read-modify-write of records.
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_PARKED_STORE_H_
