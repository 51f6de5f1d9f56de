// Internal to storage/: the Env behind WalSyncFaults (wal_sync_faults.h).
#ifndef HUB_STORAGE_WAL_SYNC_FAULTS_INTERNAL_H_
#define HUB_STORAGE_WAL_SYNC_FAULTS_INTERNAL_H_

#include <memory>

#include "rocksdb/env.h"
#include "storage/wal_sync_faults.h"

namespace hub::storage::internal {

// An Env on the default file system whose write-ahead log files fail
// their syncs while `faults` is armed. Must outlive the DB opened on it.
std::unique_ptr<rocksdb::Env> NewWalSyncFaultEnv(std::shared_ptr<WalSyncFaults> faults);

}  // namespace hub::storage::internal

#endif  // HUB_STORAGE_WAL_SYNC_FAULTS_INTERNAL_H_
