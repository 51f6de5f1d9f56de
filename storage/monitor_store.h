// What the county monitor reads: providers' records received in a time
// window with where they stand, rejected submissions by time, outreach
// attempts per authorization, RTF rows per month, and whole-store scans of
// assignments and authorizations (capacity, outreach deadlines).
//
// Choices (counters at write time vs scans), so the cost is known:
//   * Flows (accepted records by where they stand, rejected submissions,
//     ack latencies, the series) are counted as they commit, in the flow
//     tallies (storage/flow_tally.h): FeedStore::AppendItem, FeedStore::Ack
//     and AddRejection add to them in the batch that stores the record, so
//     they are exact after a crash or restart. A summary reads the tallies
//     of its window (TallyFlows): its cost does not grow with the flows.
//   * Rejected submissions also leave a time-ordered log (AddRejection):
//     kIdempotency has no time, and a window's partial seconds are read from
//     it record by record.
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
#include "storage/flow_tally.h"
#include "storage/store.h"

namespace hub::storage {

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

  // The flows of [start_micros, end_micros) from the flow tallies
  // (storage/flow_tally.h), as of one snapshot: every group's count and ack
  // latencies, and the series in `bars` bars of `bar_seconds` (bar i holds
  // the whole seconds from floor(start) + i * bar_seconds; the last bar
  // runs to the end). Costs the buckets that tile the window plus the
  // records of its two partial seconds, whatever the window holds.
  // `through_now`: the window ends now, so no record of the current second
  // is newer than the end but those committed during the call (accepted at
  // most a second later): the current second is read from its tally, not
  // record by record (under a sustained load, thousands of records).
  absl::StatusOr<FlowTallies> TallyFlows(int64_t start_micros, int64_t end_micros,
                                         int64_t bar_seconds, int bars,
                                         bool through_now = false) const;

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
