// ParkedRecords: the county's list of parked records (storage/parked_store.h)
// as AdminService serves it (List/Get/Rerun/DiscardParkedRecord), and the
// parking of plan files whose ingest stopped part way.
//
// Who sees what: the policy table (auth/policy.h) lets the county analyst
// and administrator list and show, and only the administrator rerun and
// discard; plans and providers reach none of it. The analyst's view holds
// ids, reason codes, counts and times only: the file name, the discard
// note and the stored record are cleared (they may hold what a member
// said). Callers other than the county (or plaintext loopback in tests)
// are refused here too.
//
// A rerun runs at most once per parked record: ParkedStore::BeginRerun
// admits one caller; every other concurrent or later rerun of the same id
// is refused FAILED_PRECONDITION with the state, when and who.
//
// Thread safety: all methods may be called concurrently.
#ifndef HUB_HUB_RPC_PARKED_RECORDS_H_
#define HUB_HUB_RPC_PARKED_RECORDS_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "auth/identity.h"
#include "hub/ingest/ingest.h"
#include "hub/v1/admin_service.pb.h"
#include "hub/v1/ingest.pb.h"
#include "storage/audit_store.h"
#include "storage/feed_store.h"
#include "storage/parked_store.h"

namespace hub {

struct ParkedRecordsOptions {
  // Required, not owned.
  storage::ParkedStore* parked = nullptr;
  // Where export records are read again for a rerun; not owned (null:
  // those reruns fail UNAVAILABLE).
  const storage::FeedStore* feed = nullptr;
  // Discards leave a record here (not owned; null = none).
  storage::AuditStore* audit = nullptr;
  // Required.
  std::function<absl::Time()> clock;
  // Which county users are analysts (their view is redacted).
  auth::CountyRoles county_roles = auth::CountyRoles::Default();
  // Folder keeping the files of parked uploads (created on first use),
  // "<spool_dir>/parked" in hubd. Required for upload parking.
  std::string kept_dir;
  // Ingests a kept plan file again (PlanService::IngestKeptFile); null =
  // upload reruns fail UNAVAILABLE.
  std::function<absl::StatusOr<hub::v1::IngestReport>(const SpooledUpload&)> ingest;
};

class ParkedRecords {
 public:
  explicit ParkedRecords(ParkedRecordsOptions options);

  storage::ParkedStore* store() const { return options_.parked; }

  // The RPCs; `caller` is the call's identity (auth::CallerOf).
  absl::Status List(const auth::Identity& caller, const hub::v1::ListParkedRecordsRequest& request,
                    hub::v1::ListParkedRecordsResponse& response) const;
  absl::Status Get(const auth::Identity& caller, const hub::v1::GetParkedRecordRequest& request,
                   hub::v1::GetParkedRecordResponse& response) const;
  absl::Status Rerun(const auth::Identity& caller, const hub::v1::RerunParkedRecordRequest& request,
                     hub::v1::RerunParkedRecordResponse& response);
  absl::Status Discard(const auth::Identity& caller,
                       const hub::v1::DiscardParkedRecordRequest& request,
                       hub::v1::DiscardParkedRecordResponse& response);

  // A plan file whose ingest failed with `error` part way: moves the spool
  // file into kept_dir and parks it (reason INGEST_INTERRUPTED, record id
  // `report_id`). Returns the parked id. On failure the file is left where
  // it was (its owner deletes it) and the error says why.
  absl::StatusOr<std::string> ParkUpload(const SpooledUpload& upload, std::string_view report_id,
                                         const absl::Status& error);

 private:
  // True if `caller` sees administrator fields; PermissionDenied for
  // callers outside the county.
  absl::StatusOr<bool> SeesEverything(const auth::Identity& caller) const;
  // The outcome of re-checking / re-ingesting (`resolved` set when done).
  absl::StatusOr<std::string> RerunExport(const hub::v1::ParkedRecord& record, bool& resolved);
  absl::StatusOr<std::string> RerunUpload(const hub::v1::ParkedRecord& record, bool& resolved);
  std::string KeptPath(std::string_view parked_id) const;

  const ParkedRecordsOptions options_;
};

// The upload failures that park the file: the hub's own (storage, disk
// full, an unreadable spool) or an interrupted call, never a client's
// mistake (which a new upload fixes).
bool ParksUpload(absl::StatusCode code);

}  // namespace hub

#endif  // HUB_HUB_RPC_PARKED_RECORDS_H_
