// What the county monitor reads: providers' records received in a time
// window with where they stand, rejected submissions by time, outreach
// attempts per authorization, RTF rows per month, and whole-store scans of
// assignments and authorizations (capacity, outreach deadlines).
//
// Choices (counters at write time vs scans), so the cost is known:
//   * Accepted records need no new write: the provider listing
//     (kProviderRecords, newest first by accept time) bounds a window scan
//     to the records in it, kRecords says where each went and the plan's
//     rejection, the feed cursor and the Ack log (kFeedCursors) give its ack
//     time. Cost: a few point reads per record in the window, and exact
//     latency percentiles.
//   * Rejected submissions leave no timed trace elsewhere (kIdempotency has
//     no time), so the submit pipeline adds one small key per rejection
//     (AddRejection) to the batch that stores it: a time-ordered log.
//   * Outreach attempts on an authorization and RTF rows (enrollment status)
//     per (plan, provider, month) are indexed at submit time
//     (AddOutreach, AddRtfRow) so the deadline checks are point seeks.
//   * Capacity and outreach deadlines need every assignment and
//     authorization: ScanAssignments / ScanAuthorizations read those column
//     families sequentially without filling the block cache; the monitor
//     repeats them at most every MonitorConfig.care_refresh_seconds.
//
// Keys of the kMonitor column family:
//   "rej" \0 micros(BE8) \0 provider_id \0 unique  -> kind(decimal) \0 reason_code
//   "out" \0 plan_id \0 authorization_number \0 micros(BE8) -> ""
//   "rtf" \0 plan_id \0 provider_id \0 "YYYY-MM"   -> ""
//
// Thread safety: safe for concurrent use; writes go into a caller's batch.
#ifndef HUB_STORAGE_MONITOR_STORE_H_
#define HUB_STORAGE_MONITOR_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/v1/care.pb.h"
#include "storage/store.h"

namespace hub::storage {

// One accepted record as the monitor sees it (no member data).
struct FlowRecord {
  std::string record_id;
  std::string plan_id;
  std::string provider_id;
  int kind = 0;  // hub.v1.RecordKind
  int64_t accept_micros = 0;
  uint64_t sequence = 0;
  // The plan's rejection reason ("" if none or not yet acknowledged).
  std::string plan_rejection_code;
  // When the plan's cursor first reached the record; nullopt while pending.
  std::optional<int64_t> ack_micros;
};

// One rejected submission.
struct RejectionEntry {
  int64_t micros = 0;
  std::string provider_id;
  int kind = 0;  // hub.v1.RecordKind, 0 if the submission held no record
  std::string reason_code;
};

class MonitorStore {
 public:
  // `store` must outlive this object.
  explicit MonitorStore(Store* store);

  // --- Writes (into the caller's batch) -----------------------------------

  // A submission of `provider_id` rejected at `micros`; `unique` keeps
  // entries of one instant apart (e.g. the record id).
  void AddRejection(WriteBatch& batch, int64_t micros, std::string_view provider_id,
                    std::string_view unique, int kind, std::string_view reason_code);
  // An outreach attempt on the plan's authorization accepted at `micros`.
  void AddOutreach(WriteBatch& batch, std::string_view plan_id,
                   std::string_view authorization_number, int64_t micros);
  // An RTF row (enrollment status) of `provider_id` for `plan_id` about
  // month `period` ("YYYY-MM").
  void AddRtfRow(WriteBatch& batch, std::string_view plan_id, std::string_view provider_id,
                 std::string_view period);

  // --- Reads --------------------------------------------------------------

  // Calls fn for every record `provider_id` had accepted in
  // [start_micros, end_micros), newest first, with its status now. Stops
  // after `limit` records (returns false in *complete then). Cursors and
  // ack times are read per call, so a record's status is current.
  absl::Status ScanProviderFlows(std::string_view provider_id, int64_t start_micros,
                                 int64_t end_micros, int64_t limit,
                                 const std::function<void(const FlowRecord&)>& fn,
                                 bool* complete) const;

  // Calls fn for every rejected submission in [start_micros, end_micros),
  // oldest first.
  absl::Status ScanRejections(int64_t start_micros, int64_t end_micros,
                              const std::function<void(const RejectionEntry&)>& fn) const;

  // When the first outreach attempt on the plan's authorization was
  // accepted; nullopt if none.
  absl::StatusOr<std::optional<int64_t>> FirstOutreach(std::string_view plan_id,
                                                       std::string_view authorization_number) const;

  // True if `provider_id` sent at least one RTF row for `plan_id` about
  // `period`.
  absl::StatusOr<bool> HasRtfRows(std::string_view plan_id, std::string_view provider_id,
                                  std::string_view period) const;

  // Every assignment / authorization in the store, in key order, one at a
  // time (bounded memory). Stops at fn's first error.
  absl::Status ScanAssignments(
      const std::function<absl::Status(const hub::v1::Assignment&)>& fn) const;
  absl::Status ScanAuthorizations(
      const std::function<absl::Status(const hub::v1::Authorization&)>& fn) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_MONITOR_STORE_H_
