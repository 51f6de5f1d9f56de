// The file system wrapper behind WalSyncFaults (storage/wal_sync_faults.h):
// write-ahead log files (*.log) whose Sync/Fsync/RangeSync fail while the
// hook is armed. Everything else passes through to the default file system.
#include "storage/wal_sync_faults.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "storage/wal_sync_faults_internal.h"

namespace hub::storage::internal {
namespace {

class FaultyWalFile final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  FaultyWalFile(std::unique_ptr<rocksdb::FSWritableFile> file,
                std::shared_ptr<WalSyncFaults> faults)
      : FSWritableFileOwnerWrapper(std::move(file)), faults_(std::move(faults)) {}

  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    if (faults_->armed()) return Failure();
    return FSWritableFileOwnerWrapper::Sync(options, dbg);
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    if (faults_->armed()) return Failure();
    return FSWritableFileOwnerWrapper::Fsync(options, dbg);
  }
  rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    if (faults_->armed()) return Failure();
    return FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, options, dbg);
  }

 private:
  rocksdb::IOStatus Failure() {
    faults_->CountFailure();
    return rocksdb::IOStatus::IOError("injected WAL sync failure (test hook)");
  }

  const std::shared_ptr<WalSyncFaults> faults_;
};

class FaultyWalFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit FaultyWalFileSystem(std::shared_ptr<WalSyncFaults> faults)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), faults_(std::move(faults)) {}
  const char* Name() const override { return "hub.FaultyWalFileSystem"; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* file,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status = FileSystemWrapper::NewWritableFile(name, options, file, dbg);
    if (status.ok() && absl::EndsWith(name, ".log")) {
      *file = std::make_unique<FaultyWalFile>(std::move(*file), faults_);
    }
    return status;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& name, const std::string& old_name,
                                      const rocksdb::FileOptions& options,
                                      std::unique_ptr<rocksdb::FSWritableFile>* file,
                                      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus status =
        FileSystemWrapper::ReuseWritableFile(name, old_name, options, file, dbg);
    if (status.ok() && absl::EndsWith(name, ".log")) {
      *file = std::make_unique<FaultyWalFile>(std::move(*file), faults_);
    }
    return status;
  }

 private:
  const std::shared_ptr<WalSyncFaults> faults_;
};

}  // namespace

std::unique_ptr<rocksdb::Env> NewWalSyncFaultEnv(std::shared_ptr<WalSyncFaults> faults) {
  return rocksdb::NewCompositeEnv(std::make_shared<FaultyWalFileSystem>(std::move(faults)));
}

}  // namespace hub::storage::internal
