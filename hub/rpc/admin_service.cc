#include "hub/rpc/admin_service.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/common/rpc_status.h"

namespace hub {

absl::StatusOr<std::string> AdminService::BackupId(absl::Time time, std::string_view label) {
  bool ok = label.size() <= 32;
  for (char c : label) {
    ok = ok && (absl::ascii_islower(static_cast<unsigned char>(c)) ||
                absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        "label must be 0 to 32 characters of a-z, 0-9, _ and -, e.g. \"nightly\"");
  }
  std::string id = absl::FormatTime("%Y%m%dT%H%M%SZ", time, absl::UTCTimeZone());
  if (!label.empty()) absl::StrAppend(&id, "-", absl::string_view(label.data(), label.size()));
  return id;
}

grpc::ServerUnaryReactor* AdminService::CreateBackup(grpc::CallbackServerContext* context,
                                                     const hub::v1::CreateBackupRequest* request,
                                                     hub::v1::CreateBackupResponse* response) {
  return FinishUnary(context, DoCreateBackup(*request, *response));
}

absl::Status AdminService::DoCreateBackup(const hub::v1::CreateBackupRequest& request,
                                          hub::v1::CreateBackupResponse& response) {
  const absl::Time now = options_.clock();
  ASSIGN_OR_RETURN(std::string backup_id, BackupId(now, request.label()));
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(options_.backup_dir) / backup_id;

  absl::MutexLock lock(&backup_mu_);
  std::error_code ec;
  fs::create_directories(options_.backup_dir, ec);
  if (ec) {
    log::Error(
        "backup_failed",
        {{"backup_id", backup_id}, {"backup_dir", options_.backup_dir}, {"cause", ec.message()}});
    return absl::FailedPreconditionError(
        "the backup folder (hubd --backup_dir) cannot be created; see hubd's log, event "
        "backup_failed");
  }
  if (fs::exists(dir, ec)) {
    return absl::AlreadyExistsError(absl::StrCat(
        "a backup named ", backup_id, " already exists; wait a second or give a different label"));
  }
  absl::StatusOr<storage::CheckpointInfo> info = store_->CreateCheckpoint(dir.string());
  if (!info.ok()) {
    log::Error("backup_failed", {{"backup_id", backup_id},
                                 {"code", absl::StatusCodeToString(info.status().code())},
                                 {"cause", std::string(info.status().message())}});
    return absl::Status(info.status().code(),
                        absl::StrCat("backup ", backup_id,
                                     " could not be written; see hubd's log, event "
                                     "backup_failed, for the cause"));
  }
  response.set_backup_id(backup_id);
  const int64_t seconds = absl::ToUnixSeconds(now);
  response.mutable_create_time()->set_seconds(seconds);
  response.mutable_create_time()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(now - absl::FromUnixSeconds(seconds))));
  response.set_file_count(info->file_count);
  response.set_size_bytes(info->size_bytes);
  log::Info("backup_created", {{"backup_id", backup_id},
                               {"file_count", info->file_count},
                               {"size_bytes", info->size_bytes}});
  return absl::OkStatus();
}

}  // namespace hub
