// A write-ahead log whose fsync fails (storage/wal_sync_faults.h, a test
// hook installed through StoreOptions): the write fails cleanly with
// UNAVAILABLE and a message a person can act on (no path), every later
// write is refused the same way until the process restarts (Debian's
// RocksDB 7.8 stops all writes after a failed WAL sync, DB::Resume answers
// the same error, and a WAL flush or Close asserts on the broken log
// writer), Close does not crash, and a restart finds every acknowledged
// write and takes writes again.
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "storage/member_store.h"
#include "storage/store.h"
#include "storage/wal_sync_faults.h"
#include "tests/storage/storage_test_util.h"

namespace hub::storage {
namespace {

using test_util::OptionsFor;
using test_util::TempDir;

absl::Status PutMember(Store& store, const std::string& cin) {
  MemberStore members(&store);
  hub::v1::Member member;
  member.set_cin(cin);
  WriteBatch batch;
  members.Put(batch, member);
  return store.Commit(batch, Durability::kSync);
}

bool RefusedUntilRestart(const absl::Status& status, const std::string& dir) {
  return absl::IsUnavailable(status) && absl::StrContains(status.message(), "restart hubd") &&
         absl::StrContains(status.message(), "nothing acknowledged is lost") &&
         !absl::StrContains(status.message(), dir);
}

// The process that meets the failure (a death test's child: the store it
// leaves open is released by the process's exit, as in hubd). Exits 0 when
// every expectation held, else the number of the first that did not.
void FailingProcess(const std::string& dir) {
  auto faults = std::make_shared<WalSyncFaults>();
  StoreOptions options = OptionsFor(dir);
  options.wal_sync_faults = faults;
  auto store = Store::Open(options);
  if (!store.ok()) _exit(10);
  if (!PutMember(**store, "91000001A").ok()) _exit(11);  // Acknowledged.
  faults->Arm(true);
  if (!RefusedUntilRestart(PutMember(**store, "91000002B"), dir)) _exit(12);
  if (faults->failed_syncs() < 1) _exit(13);
  // The volume comes back: the store still refuses (no half-recovered
  // writer), with the same message.
  faults->Arm(false);
  if (!RefusedUntilRestart(PutMember(**store, "91000003C"), dir)) _exit(14);
  if (!RefusedUntilRestart((*store)->SyncWal(), dir)) _exit(15);
  // Close neither crashes nor pretends to have flushed.
  if (!absl::IsUnavailable((*store)->Close())) _exit(16);
  _exit(0);
}

TEST(WalSyncTest, AFailedWalSyncRefusesWritesUntilRestartAndLosesNothingAcknowledged) {
  TempDir dir;
  EXPECT_EXIT(FailingProcess(dir.path()), ::testing::ExitedWithCode(0), "");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Store> store, Store::Open(OptionsFor(dir.path())));
  MemberStore members(store.get());
  EXPECT_OK(members.Get("91000001A").status());  // Acknowledged before the failure.
  // Refused after the failure: never stored. (91000002B, whose sync
  // failed, was not acknowledged; it may be in the log or not.)
  EXPECT_TRUE(absl::IsNotFound(members.Get("91000003C").status()));
  ASSERT_OK(PutMember(*store, "91000004D"));
  EXPECT_OK(members.Get("91000004D").status());
  ASSERT_OK(store->Close());
}

}  // namespace
}  // namespace hub::storage
