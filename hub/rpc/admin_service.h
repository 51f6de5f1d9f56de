// hub.v1.AdminService: operational tasks on a running hub (callback API).
//
// CreateBackup writes a RocksDB checkpoint into
// <backup_dir>/<UTC yyyymmddTHHMMSSZ>[-label]. Errors never carry server
// filesystem paths: the cause goes to the log (event "backup_failed").
//
// Thread safety: handlers may run concurrently; backups are serialized.
#ifndef HUB_HUB_RPC_ADMIN_SERVICE_H_
#define HUB_HUB_RPC_ADMIN_SERVICE_H_

#include <functional>
#include <string>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "storage/store.h"

namespace hub {

struct AdminServiceOptions {
  // Folder that receives one sub-folder per backup; created when the first
  // backup is taken (its parent must exist or be creatable).
  std::string backup_dir;
  // Wall clock that names backups; tests inject a fixed time.
  std::function<absl::Time()> clock;
};

class AdminService final : public hub::v1::AdminService::CallbackService {
 public:
  // `store` must outlive the service. `options.clock` must be set.
  AdminService(storage::Store* store, AdminServiceOptions options)
      : store_(store), options_(std::move(options)) {}

  grpc::ServerUnaryReactor* CreateBackup(grpc::CallbackServerContext* context,
                                         const hub::v1::CreateBackupRequest* request,
                                         hub::v1::CreateBackupResponse* response) override;

  // The backup folder name for `label` at `time`, e.g.
  // "20261123T105600Z-nightly". InvalidArgument if the label is not 0 to 32
  // characters of [a-z0-9_-].
  static absl::StatusOr<std::string> BackupId(absl::Time time, std::string_view label);

 private:
  absl::Status DoCreateBackup(const hub::v1::CreateBackupRequest& request,
                              hub::v1::CreateBackupResponse& response);

  storage::Store* store_;  // Not owned.
  const AdminServiceOptions options_;
  absl::Mutex backup_mu_;  // Held while a checkpoint is written.
};

}  // namespace hub

#endif  // HUB_HUB_RPC_ADMIN_SERVICE_H_
