// Files at rest are the hub's alone: the store, the upload spool and the
// backups hold PHI, so no other local user may read them, whatever umask
// hubd was started with and whatever an older hub left behind.
//
// Thread safety: call from Start only (the umask is process-wide).
#ifndef HUB_HUB_SERVER_PRIVATE_FILES_H_
#define HUB_HUB_SERVER_PRIVATE_FILES_H_

#include <string>

#include "absl/status/status.h"

namespace hub {

// Sets the process umask to 077: every file the hub (RocksDB, the spool,
// checkpoints) creates from now on is 0600, every folder 0700.
void KeepFilesPrivate();

// Creates `dir` (0700) if missing, then makes it and everything in it 0700
// (folders) and 0600 (files). Symbolic links are left alone (not followed).
// FailedPrecondition naming the folder if a mode cannot be set.
absl::Status MakePrivateTree(const std::string& dir);

}  // namespace hub

#endif  // HUB_HUB_SERVER_PRIVATE_FILES_H_
