#include "hub/rpc/admin_service.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "auth/call_scope.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
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

namespace {

// Runs `fn(caller)` for a parked-record RPC.
template <typename Fn>
grpc::ServerUnaryReactor* ParkedCall(grpc::CallbackServerContext* context, ParkedRecords* parked,
                                     Fn&& fn) {
  if (parked == nullptr) {
    return FinishUnary(context, absl::UnimplementedError("this hub keeps no parked records"));
  }
  absl::StatusOr<auth::Identity> caller = auth::CallerOf(*context);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  return FinishUnary(context, fn(*caller));
}

}  // namespace

grpc::ServerUnaryReactor* AdminService::ListParkedRecords(
    grpc::CallbackServerContext* context, const hub::v1::ListParkedRecordsRequest* request,
    hub::v1::ListParkedRecordsResponse* response) {
  return ParkedCall(context, options_.parked, [&](const auth::Identity& caller) {
    return options_.parked->List(caller, *request, *response);
  });
}

grpc::ServerUnaryReactor* AdminService::GetParkedRecord(
    grpc::CallbackServerContext* context, const hub::v1::GetParkedRecordRequest* request,
    hub::v1::GetParkedRecordResponse* response) {
  return ParkedCall(context, options_.parked, [&](const auth::Identity& caller) {
    return options_.parked->Get(caller, *request, *response);
  });
}

grpc::ServerUnaryReactor* AdminService::RerunParkedRecord(
    grpc::CallbackServerContext* context, const hub::v1::RerunParkedRecordRequest* request,
    hub::v1::RerunParkedRecordResponse* response) {
  if (!options_.start_worker) {
    return ParkedCall(context, options_.parked, [&](const auth::Identity& caller) {
      return options_.parked->Rerun(caller, *request, *response);
    });
  }
  if (options_.parked == nullptr) {
    return FinishUnary(context, absl::UnimplementedError("this hub keeps no parked records"));
  }
  absl::StatusOr<auth::Identity> caller = auth::CallerOf(*context);
  if (!caller.ok()) return FinishUnary(context, caller.status());
  // A rerun may ingest a whole plan file: a worker thread finishes the call.
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ParkedRecords* parked = options_.parked;
  options_.start_worker([reactor, parked, caller = *std::move(caller), request, response] {
    reactor->Finish(ToGrpcStatus(parked->Rerun(caller, *request, *response)));
  });
  return reactor;
}

grpc::ServerUnaryReactor* AdminService::DiscardParkedRecord(
    grpc::CallbackServerContext* context, const hub::v1::DiscardParkedRecordRequest* request,
    hub::v1::DiscardParkedRecordResponse* response) {
  return ParkedCall(context, options_.parked, [&](const auth::Identity& caller) {
    return options_.parked->Discard(caller, *request, *response);
  });
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
  *response.mutable_create_time() = ToTimestamp(now);
  response.set_file_count(info->file_count);
  response.set_size_bytes(info->size_bytes);
  log::Info("backup_created", {{"backup_id", backup_id},
                               {"file_count", info->file_count},
                               {"size_bytes", info->size_bytes}});
  PruneBackups();
  return absl::OkStatus();
}

void AdminService::PruneBackups() {
  if (options_.backups_kept <= 0) return;
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = fs::directory_iterator(options_.backup_dir, ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // Only what BackupId names: "YYYYMMDDTHHMMSSZ[-label]".
    if (name.size() >= 16 && name[8] == 'T' && name[15] == 'Z' && it->is_directory()) {
      names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());  // Oldest first (the names start with the time).
  const size_t keep = static_cast<size_t>(options_.backups_kept);
  for (size_t i = 0; i + keep < names.size(); ++i) {
    fs::remove_all(fs::path(options_.backup_dir) / names[i], ec);
    log::Info("backup_removed", {{"backup_id", names[i]}, {"kept", options_.backups_kept}});
  }
}

}  // namespace hub
