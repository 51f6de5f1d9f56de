// A full data volume: writes fail cleanly, nothing acknowledged is lost,
// and the hub writes again as soon as space returns, without a restart.
//
// The data folder is a small tmpfs the test mounts itself: main() enters a
// private mount namespace (and a user namespace when not root, where the
// kernel allows unprivileged ones) before any thread starts, then points
// TEST_TMPDIR at a fresh tmpfs, so every store the tests open lives on it
// and the machine's own disks are never touched. A filler file takes the
// remaining space; deleting it is "space returns".
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "storage/feed_store.h"
#include "storage/store.h"
#include "submit_test_env.h"

namespace hub::testing {
namespace {

// The store's reserve in these tests (StoreOptions::min_free_bytes).
constexpr uint64_t kReserve = 16u << 20;

uint64_t FreeBytes(const std::string& dir) {
  struct statvfs volume;
  EXPECT_EQ(statvfs(dir.c_str(), &volume), 0) << std::strerror(errno);
  return static_cast<uint64_t>(volume.f_bavail) * volume.f_frsize;
}

// Fills the file system holding `dir` with one file until less than half
// the store's reserve is free (another program filling the disk); returns
// its path. Deleting it gives the space back.
std::string FillVolume(const std::string& dir) {
  const std::string path = dir + "/filler";
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  EXPECT_GE(fd, 0) << std::strerror(errno);
  const std::string block(256 << 10, 'x');
  while (FreeBytes(dir) > kReserve / 2) {
    if (write(fd, block.data(), block.size()) <= 0) {
      ADD_FAILURE() << "filling the volume: " << std::strerror(errno);
      break;
    }
  }
  close(fd);
  return path;
}

std::string Key(int call, int record) { return absl::StrCat("k-", call, "-", record); }

std::vector<hub::v1::Submission> Call(int call, const char* cin) {
  std::vector<hub::v1::Submission> records;
  for (int r = 0; r < 10; ++r) records.push_back(EcmOutreach(Key(call, r), cin, "2026-11-03"));
  return records;
}

// Idempotency key -> how many times it is in the plan's feed.
std::map<std::string, int> FeedKeys(const std::string& data_dir, const std::string& plan_id) {
  storage::StoreOptions options;
  options.data_dir = data_dir;
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  std::map<std::string, int> keys;
  if (!store.ok()) return keys;
  storage::FeedStore feed(store->get());
  uint64_t after = 0;
  while (true) {
    absl::StatusOr<std::vector<hub::v1::FeedItem>> page = feed.ReadItems(plan_id, after, 500);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok() || page->empty()) break;
    after = page->back().sequence();
    for (const auto& item : *page) ++keys[item.submission().idempotency_key()];
  }
  EXPECT_TRUE((*store)->Close().ok());
  return keys;
}

TEST(DiskFullTest, SubmitRefusesCleanlyKeepsEveryAckAndResumesWhenSpaceReturns) {
  const char* cin = "40000001A";
  std::string data_dir;
  std::set<std::string> acknowledged;
  {
    SubmitEnvOptions options;
    options.min_free_bytes = kReserve;
    auto env = SubmitEnv::Start(options);
    ASSERT_NE(env, nullptr);
    data_dir = env->data_dir();
    env->AddEcmMember(cin, "molina", "alpha_cbo");
    for (int call = 0; call < 20; ++call) {
      absl::StatusOr<hub::v1::SubmitResponse> response = env->Submit("alpha_cbo", Call(call, cin));
      ASSERT_TRUE(response.ok()) << response.status();
      for (const auto& result : response->results()) {
        ASSERT_TRUE(result.has_accepted()) << result.DebugString();
        acknowledged.insert(result.idempotency_key());
      }
    }

    const std::string filler = FillVolume(std::filesystem::path(data_dir).parent_path());
    // The next call is refused (the store looks at the volume when its
    // estimate nears the reserve, or every 200 ms at most; allow a few
    // calls for the estimate to run down).
    int refused_call = -1;
    absl::Status refusal;
    for (int call = 20; call < 2000 && refused_call < 0; ++call) {
      absl::StatusOr<hub::v1::SubmitResponse> response = env->Submit("alpha_cbo", Call(call, cin));
      if (!response.ok()) {
        refused_call = call;
        refusal = response.status();
        break;
      }
      for (const auto& result : response->results()) {
        ASSERT_TRUE(result.has_accepted()) << result.DebugString();
        acknowledged.insert(result.idempotency_key());
      }
    }
    ASSERT_GE(refused_call, 0) << "the full volume never refused a write";
    EXPECT_EQ(refusal.code(), absl::StatusCode::kResourceExhausted) << refusal;
    EXPECT_TRUE(absl::StrContains(refusal.message(), "free space")) << refusal;
    EXPECT_FALSE(absl::StrContains(refusal.message(), cin)) << refusal;
    // Still full: still refused, still cleanly.
    absl::StatusOr<hub::v1::SubmitResponse> again =
        env->Submit("alpha_cbo", Call(refused_call, cin));
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.status().code(), absl::StatusCode::kResourceExhausted) << again.status();

    // Space returns: the same call goes through, no restart.
    ASSERT_EQ(std::remove(filler.c_str()), 0);
    absl::StatusOr<hub::v1::SubmitResponse> retried =
        env->Submit("alpha_cbo", Call(refused_call, cin));
    ASSERT_TRUE(retried.ok()) << retried.status();
    for (const auto& result : retried->results()) {
      ASSERT_TRUE(result.has_accepted()) << result.DebugString();
      acknowledged.insert(result.idempotency_key());
    }
    absl::StatusOr<hub::v1::SubmitResponse> next =
        env->Submit("alpha_cbo", Call(refused_call + 1, cin));
    ASSERT_TRUE(next.ok()) << next.status();
    for (const auto& result : next->results()) acknowledged.insert(result.idempotency_key());
  }

  // After a restart every acknowledged record is in the plan's feed once,
  // and nothing else is.
  const std::map<std::string, int> stored = FeedKeys(data_dir, "molina");
  for (const std::string& key : acknowledged) {
    auto it = stored.find(key);
    ASSERT_NE(it, stored.end()) << "acknowledged record " << key << " was lost";
    EXPECT_EQ(it->second, 1) << key;
  }
  EXPECT_EQ(stored.size(), acknowledged.size());
}

TEST(DiskFullTest, ClosesOnAFullVolumeAndOpensAgainWithEveryAcknowledgedRecord) {
  // The hub stops while the volume is full (an operator restarts it before
  // freeing space): its last flush runs in the reserve; it then starts on
  // the same data once space is back.
  std::string data_dir;
  std::string filler;
  std::set<std::string> acknowledged;
  const char* cin = "40000002A";
  {
    SubmitEnvOptions options;
    options.min_free_bytes = kReserve;
    auto env = SubmitEnv::Start(options);
    ASSERT_NE(env, nullptr);
    data_dir = env->data_dir();
    env->AddEcmMember(cin, "molina", "alpha_cbo");
    for (int call = 0; call < 20; ++call) {
      absl::StatusOr<hub::v1::SubmitResponse> response = env->Submit("alpha_cbo", Call(call, cin));
      ASSERT_TRUE(response.ok()) << response.status();
      for (const auto& result : response->results()) acknowledged.insert(result.idempotency_key());
    }
    filler = FillVolume(std::filesystem::path(data_dir).parent_path());
    for (int call = 20; call < 2000; ++call) {
      absl::StatusOr<hub::v1::SubmitResponse> response = env->Submit("alpha_cbo", Call(call, cin));
      if (!response.ok()) {
        EXPECT_EQ(response.status().code(), absl::StatusCode::kResourceExhausted)
            << response.status();
        break;
      }
      for (const auto& result : response->results()) acknowledged.insert(result.idempotency_key());
    }
    // The 200 acknowledged before the fill, plus any the store took before
    // it looked at the volume again (none when its last look is over 200 ms
    // old, as on a loaded machine).
    ASSERT_GE(acknowledged.size(), 200u);
  }
  ASSERT_EQ(std::remove(filler.c_str()), 0);
  const std::map<std::string, int> stored = FeedKeys(data_dir, "molina");
  for (const std::string& key : acknowledged) {
    auto it = stored.find(key);
    ASSERT_NE(it, stored.end()) << "acknowledged record " << key << " was lost";
    EXPECT_EQ(it->second, 1) << key;
  }
}

}  // namespace
}  // namespace hub::testing

namespace {

bool WriteProcFile(const char* path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  file.close();
  return file.good();
}

// A private mount namespace (as root: mounts need only CAP_SYS_ADMIN; as
// another user: inside a new user namespace that maps the user to root).
bool EnterMountNamespace(std::string* error) {
  const uid_t uid = geteuid();
  const gid_t gid = getegid();
  if (uid == 0) {
    if (unshare(CLONE_NEWNS) != 0) {
      *error = absl::StrCat("unshare(CLONE_NEWNS): ", std::strerror(errno));
      return false;
    }
  } else {
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
      *error = absl::StrCat("unshare(CLONE_NEWUSER|CLONE_NEWNS): ", std::strerror(errno),
                            " (the kernel must allow unprivileged user namespaces)");
      return false;
    }
    if (!WriteProcFile("/proc/self/setgroups", "deny") ||
        !WriteProcFile("/proc/self/uid_map", absl::StrCat("0 ", uid, " 1")) ||
        !WriteProcFile("/proc/self/gid_map", absl::StrCat("0 ", gid, " 1"))) {
      *error = "cannot write the user namespace's uid/gid maps";
      return false;
    }
  }
  // Mounts made here must not propagate back to the machine.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    *error = absl::StrCat("making / private: ", std::strerror(errno));
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // Listing the tests (CTest's discovery) needs no volume.
  if (::testing::GTEST_FLAG(list_tests)) return RUN_ALL_TESTS();
  std::string error;
  if (!EnterMountNamespace(&error)) {
    std::fprintf(stderr, "disk_full_test: cannot make a private tmpfs: %s\n", error.c_str());
    return 1;
  }
  const char* base_env = std::getenv("TMPDIR");
  std::string mount_point = absl::StrCat(base_env ? base_env : "/tmp", "/hub_disk_full_XXXXXX");
  if (mkdtemp(mount_point.data()) == nullptr ||
      mount("tmpfs", mount_point.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, "size=48m,mode=0700") !=
          0) {
    std::fprintf(stderr, "disk_full_test: cannot mount a 48 MiB tmpfs: %s\n", std::strerror(errno));
    return 1;
  }
  setenv("TEST_TMPDIR", mount_point.c_str(), 1);
  const int result = RUN_ALL_TESTS();
  umount2(mount_point.c_str(), MNT_DETACH);
  rmdir(mount_point.c_str());
  return result;
}
