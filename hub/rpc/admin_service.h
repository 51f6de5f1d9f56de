// hub.v1.AdminService: operational tasks on a running hub (callback API).
//
// CreateBackup writes a RocksDB checkpoint into
// <backup_dir>/<UTC yyyymmddTHHMMSSZ>[-label]. Errors never carry server
// filesystem paths: the cause goes to the log (event "backup_failed").
//
// The parked-record RPCs are ParkedRecords' (hub/rpc/parked_records.h).
//
// Thread safety: handlers may run concurrently; backups are serialized.
#ifndef HUB_HUB_RPC_ADMIN_SERVICE_H_
#define HUB_HUB_RPC_ADMIN_SERVICE_H_

#include <functional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/rpc/parked_records.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "storage/store.h"

namespace hub {

struct AdminServiceOptions {
  // Folder that receives one sub-folder per backup; created when the first
  // backup is taken (its parent must exist or be creatable).
  std::string backup_dir;
  // Wall clock that names backups; tests inject a fixed time.
  std::function<absl::Time()> clock;
  // The parked records (not owned); null = those RPCs answer UNIMPLEMENTED.
  ParkedRecords* parked = nullptr;
  // Backups kept (retention, storage/retention.h): after a backup, the
  // oldest folders under backup_dir beyond this many are deleted (only
  // folders named as BackupId names them); 0 = keep all.
  int backups_kept = 0;
  // Runs a rerun (a whole plan file may be ingested again) off gRPC's
  // threads, e.g. UploadStreams::StartWorker; null = on the calling thread.
  std::function<void(std::function<void()>)> start_worker;
};

class AdminService final : public hub::v1::AdminService::CallbackService {
 public:
  // `store` must outlive the service. `options.clock` must be set.
  AdminService(storage::Store* store, AdminServiceOptions options)
      : store_(store), options_(std::move(options)) {}

  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* context,
                                         const hub::v1::CreateBackupRequest* request,
                                         hub::v1::CreateBackupResponse* response) override;
  grpc::ServerUnaryReactor* ListParkedRecords(
      grpc::CallbackServerContext* context, const hub::v1::ListParkedRecordsRequest* request,
      hub::v1::ListParkedRecordsResponse* response) override;
  grpc::ServerUnaryReactor* GetParkedRecord(grpc::CallbackServerContext* context,
                                            const hub::v1::GetParkedRecordRequest* request,
                                            hub::v1::GetParkedRecordResponse* response) override;
  grpc::ServerUnaryReactor* RerunParkedRecord(
      grpc::CallbackServerContext* context, const hub::v1::RerunParkedRecordRequest* request,
      hub::v1::RerunParkedRecordResponse* response) override;
  grpc::ServerUnaryReactor* DiscardParkedRecord(
      grpc::CallbackServerContext* context, const hub::v1::DiscardParkedRecordRequest* request,
      hub::v1::DiscardParkedRecordResponse* response) override;

  // The backup folder name for `label` at `time`, e.g.
  // "20261123T105600Z-nightly". InvalidArgument if the label is not 0 to 32
  // characters of [a-z0-9_-].
  static absl::StatusOr<std::string> BackupId(absl::Time time, std::string_view label);

 private:
  absl::Status DoCreateBackup(const hub::v1::CreateBackupRequest& request,
                              hub::v1::CreateBackupResponse& response);
  // Deletes the oldest backups beyond options_.backups_kept.
  void PruneBackups();

  storage::Store* store_;  // Not owned.
  const AdminServiceOptions options_;
  absl::Mutex backup_mu_;  // Held while a checkpoint is written.
};

}  // namespace hub

#endif  // HUB_HUB_RPC_ADMIN_SERVICE_H_
