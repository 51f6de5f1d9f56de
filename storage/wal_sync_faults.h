// A test hook (never set in production): makes the store's write-ahead
// log fail its syncs (fsync/fdatasync) with an I/O error while armed, the
// way a failing disk or a lost network volume does. Installed through
// StoreOptions::wal_sync_faults (storage/store.h); the store then opens
// RocksDB on a file system wrapper (storage/wal_sync_faults.cc) that asks
// this object before each WAL sync. What the store does after such a
// failure: README "Operating: a full disk, sanitizers".
//
// Thread safety: Arm and the counters may be used from any thread.
#ifndef HUB_STORAGE_WAL_SYNC_FAULTS_H_
#define HUB_STORAGE_WAL_SYNC_FAULTS_H_

#include <atomic>
#include <cstdint>

namespace hub::storage {

class WalSyncFaults {
 public:
  // While armed, every sync of a write-ahead log file fails (EIO).
  void Arm(bool armed) { armed_.store(armed, std::memory_order_release); }
  bool armed() const { return armed_.load(std::memory_order_acquire); }
  // Syncs of a write-ahead log file that failed because of this hook.
  int64_t failed_syncs() const { return failed_syncs_.load(std::memory_order_acquire); }
  void CountFailure() { failed_syncs_.fetch_add(1, std::memory_order_acq_rel); }

 private:
  std::atomic<bool> armed_{false};
  std::atomic<int64_t> failed_syncs_{0};
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_WAL_SYNC_FAULTS_H_
