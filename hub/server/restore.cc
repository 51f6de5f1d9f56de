#include "hub/server/restore.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "hub/server/private_files.h"
#include "storage/audit_store.h"
#include "storage/store.h"

namespace hub {
namespace {

namespace fs = std::filesystem;

// A failed copy or sync: ResourceExhausted for a full volume, else
// Unavailable.
absl::Status IoError(const std::string& what, const fs::path& path, int error) {
  const std::string message =
      absl::StrCat(what, " ", path.string(), " failed (", std::strerror(error), ")");
  if (error == ENOSPC || error == EDQUOT) {
    return absl::ResourceExhaustedError(
        absl::StrCat(message, "; free space on the target volume and run the restore again"));
  }
  return absl::UnavailableError(absl::StrCat(message, "; fix the cause and run the restore again"));
}

// fsync(2) on a file or folder.
absl::Status Sync(const fs::path& path, bool folder) {
  const int fd = ::open(path.c_str(), (folder ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return IoError("opening", path, errno);
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  return synced == 0 ? absl::OkStatus() : IoError("syncing", path, error);
}

// True if `inner` is `outer` or lies under it (both absolute, normal).
bool Within(const fs::path& inner, const fs::path& outer) {
  auto [end, unused] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return end == outer.end();
}

absl::Status CheckPaths(const fs::path& backup, const fs::path& data, const fs::path& staging) {
  std::error_code ec;
  if (!fs::is_directory(backup, ec)) {
    return absl::NotFoundError(absl::StrCat(
        "no backup folder ", backup.string(),
        "; give one folder under hubd's --backup_dir, e.g. .../backups/20261123T105600Z-nightly"));
  }
  if (!fs::is_regular_file(backup / "CURRENT", ec)) {
    return absl::FailedPreconditionError(absl::StrCat(
        backup.string(),
        " is not a hub backup (no CURRENT file); give one folder under hubd's --backup_dir, "
        "named like 20261123T105600Z-nightly"));
  }
  if (Within(data, backup) || Within(backup, data)) {
    return absl::InvalidArgumentError(
        "--data_dir and --restore_from overlap; restore into a folder outside the backup");
  }
  if (fs::exists(data, ec) && !(fs::is_directory(data, ec) && fs::is_empty(data, ec))) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the data folder ", data.string(),
        " is not empty: restore into a new (or empty) folder, or stop hubd and move the old "
        "folder aside first; nothing was changed"));
  }
  if (fs::exists(staging, ec)) {
    return absl::FailedPreconditionError(
        absl::StrCat(staging.string(),
                     " is left from an interrupted restore; delete it and run the restore again"));
  }
  return absl::OkStatus();
}

// Copies every file of `backup` into `staging` (created 0700) and syncs it.
absl::Status CopyBackup(const fs::path& backup, const fs::path& staging, RestoreResult& result) {
  RETURN_IF_ERROR(MakePrivateTree(staging.string()));
  std::error_code ec;
  for (auto it = fs::directory_iterator(backup, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    const fs::path& from = it->path();
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) {
      return absl::FailedPreconditionError(
          absl::StrCat(from.string(),
                       " is not a regular file: a hub backup holds only the checkpoint's files; "
                       "restore an untouched backup folder"));
    }
    const fs::path to = staging / from.filename();
    if (!fs::copy_file(from, to, ec)) return IoError("copying", from, ec.value());
    RETURN_IF_ERROR(Sync(to, /*folder=*/false));
    ++result.file_count;
    result.size_bytes += static_cast<int64_t>(fs::file_size(to, ec));
  }
  if (ec) return IoError("listing", backup, ec.value());
  return Sync(staging, /*folder=*/true);
}

// Opens the copy as a store and verifies its audit chain.
absl::Status CheckCopy(const fs::path& staging, RestoreResult& result) {
  storage::StoreOptions options;
  options.data_dir = staging.string();
  options.min_free_bytes = 0;  // Opening writes nothing the hub relies on.
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  if (!store.ok()) {
    return absl::DataLossError(absl::StrCat("the backup does not open as a store (",
                                            store.status().message(),
                                            "); restore an earlier backup"));
  }
  {
    ASSIGN_OR_RETURN(std::unique_ptr<storage::AuditStore> audit,
                     storage::AuditStore::Open(store->get()));
    ASSIGN_OR_RETURN(storage::AuditStore::Verification verified, audit->VerifyChain());
    if (!verified.ok) {
      return absl::DataLossError(absl::StrCat("the backup's audit log does not verify at record ",
                                              verified.first_broken_sequence, " (", verified.reason,
                                              "); restore an earlier backup"));
    }
    result.audit_records = verified.records_checked;
    result.last_audit_sequence = audit->last_sequence();
  }
  return (*store)->Close();
}

}  // namespace

absl::StatusOr<RestoreResult> RestoreBackup(const std::string& backup_dir,
                                            const std::string& data_dir) {
  if (backup_dir.empty() || data_dir.empty()) {
    return absl::InvalidArgumentError("give both --restore_from=BACKUP and --data_dir=NEW_FOLDER");
  }
  std::error_code ec;
  const fs::path backup = fs::absolute(backup_dir, ec).lexically_normal();
  fs::path data = fs::absolute(data_dir, ec).lexically_normal();
  if (!data.has_filename()) data = data.parent_path();  // "a/data/" -> "a/data"
  const fs::path staging = data.string() + ".restoring";
  RETURN_IF_ERROR(CheckPaths(backup, data, staging));

  // Every file the restore writes is the hub's alone (umask 077).
  KeepFilesPrivate();
  RestoreResult result;
  absl::Status done = CopyBackup(backup, staging, result);
  if (done.ok()) done = CheckCopy(staging, result);
  if (done.ok()) done = MakePrivateTree(staging.string());
  if (done.ok()) {
    fs::rename(staging, data, ec);  // Replaces an empty folder.
    if (ec) done = IoError("renaming the restored copy to", data, ec.value());
  }
  if (done.ok()) done = Sync(data.parent_path(), /*folder=*/true);
  if (!done.ok()) {
    fs::remove_all(staging, ec);
    return done;
  }
  return result;
}

}  // namespace hub
