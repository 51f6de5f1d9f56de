// Restoring a backup: `hubd --restore_from=BACKUP --data_dir=NEW` (README
// "Back up and restore"; tests/hub/restore_drill_test.cc runs exactly that).
//
// A backup is the RocksDB checkpoint AdminService.CreateBackup wrote under
// --backup_dir (hub/rpc/admin_service.h). RestoreBackup copies it into a
// staging folder beside the new data folder (never hard links: the backup
// may sit on another volume, and must stay untouched by the restored hub),
// syncs every file, opens the copy as a store (RocksDB replays the
// checkpoint's write-ahead log), verifies the audit log's hash chain from
// its anchor to its last record, closes it and only then renames the
// staging folder to the data folder. A restore that fails at any step
// leaves no data folder behind, so hubd can never start on half a copy.
//
// Thread safety: one restore at a time per data folder; call before any
// HubServer opens it.
#ifndef HUB_HUB_SERVER_RESTORE_H_
#define HUB_HUB_SERVER_RESTORE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"

namespace hub {

// What RestoreBackup copied and checked.
struct RestoreResult {
  int file_count = 0;
  int64_t size_bytes = 0;
  // Audit records the chain verification checked, and the last one's
  // sequence (the backup point of the audit log).
  int64_t audit_records = 0;
  uint64_t last_audit_sequence = 0;
};

// Restores the backup folder `backup_dir` (one folder under --backup_dir,
// e.g. .../backups/20261123T105600Z-nightly) into `data_dir`, which must not
// exist or be an empty folder. The restored folder and its files are 0700 /
// 0600 (hub/server/private_files.h). Errors (nothing is left in data_dir):
//   InvalidArgument     a path is empty, or the two overlap;
//   NotFound            backup_dir does not exist;
//   FailedPrecondition  backup_dir is not a backup (no CURRENT file, or an
//                       entry that is not a regular file), data_dir is not
//                       empty, or <data_dir>.restoring is left from an
//                       interrupted restore (delete it and run again);
//   DataLoss            the copy does not open as a store, or its audit
//                       chain does not verify (restore an earlier backup);
//   Unavailable / ResourceExhausted  copying or syncing failed (disk full).
absl::StatusOr<RestoreResult> RestoreBackup(const std::string& backup_dir,
                                            const std::string& data_dir);

}  // namespace hub

#endif  // HUB_HUB_SERVER_RESTORE_H_
