// The revocation list file (auth/tls.h LoadRevokedSerials) and its watcher
// (auth/revocation.h): a file that is empty or cut short never lifts the
// revocations in force (issue 15 item 4). Deny lists need no CA; the
// CRL-signed paths are covered end to end in tests/hub/transport_limits_test.
#include "auth/revocation.h"

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "auth/tls.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace hub::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

class auth_RevocationFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "revocation-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    file_ = dir_ + "/deny.txt";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Replaces the file the way an operator's tool would (write, rename), so
  // the watcher never sees a half-written file.
  void Write(const std::string& text) {
    const std::string next = file_ + ".next";
    {
      std::ofstream out(next, std::ios::binary | std::ios::trunc);
      out << text;
    }
    std::filesystem::rename(next, file_);
  }

  std::string dir_;
  std::string file_;
};

TEST_F(auth_RevocationFileTest, ADenyListNamesItsSerials) {
  Write("# revoked 2026-11\n0a1b\n  00FF  # leading zeros and case do not matter\n");
  absl::StatusOr<std::set<std::string>> revoked = LoadRevokedSerials(file_, "");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_THAT(*revoked, UnorderedElementsAre("A1B", "FF"));
}

TEST_F(auth_RevocationFileTest, AnEmptyFileIsRefusedAndACommentOnlyListLiftsOnPurpose) {
  for (const std::string empty : {"", "\n", "  \n\t\n"}) {
    Write(empty);
    absl::StatusOr<std::set<std::string>> revoked = LoadRevokedSerials(file_, "");
    ASSERT_EQ(revoked.status().code(), absl::StatusCode::kInvalidArgument) << revoked.status();
    EXPECT_THAT(std::string(revoked.status().message()), HasSubstr("is empty"));
    EXPECT_THAT(std::string(revoked.status().message()), HasSubstr("# no revocations"));
  }
  Write("# no revocations\n");
  absl::StatusOr<std::set<std::string>> lifted = LoadRevokedSerials(file_, "");
  ASSERT_TRUE(lifted.ok()) << lifted.status();
  EXPECT_TRUE(lifted->empty());
}

TEST_F(auth_RevocationFileTest, AFileCutShortIsRefused) {
  // A deny list cut in the middle of its last serial would lift it.
  Write("0A1B\n0C2");
  absl::StatusOr<std::set<std::string>> deny = LoadRevokedSerials(file_, "");
  ASSERT_EQ(deny.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(deny.status().message()), HasSubstr("ends in the middle of a line"));
  // A PEM CRL cut short is not read as a deny list.
  Write("-----BEGIN X509 CRL-----\nMIIBpjCBjwIBATANBgkqhkiG9w0BAQsFADAU\n");
  absl::StatusOr<std::set<std::string>> crl = LoadRevokedSerials(file_, "");
  ASSERT_EQ(crl.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(crl.status().message()), HasSubstr("not a whole X.509 CRL"));
}

TEST_F(auth_RevocationFileTest, TheWatcherKeepsTheRevocationsInForceOnAnEmptyOrCutFile) {
  Write("0A1B\n0C2D\n");
  absl::StatusOr<std::set<std::string>> first = LoadRevokedSerials(file_, "");
  ASSERT_TRUE(first.ok()) << first.status();
  RevocationList list(*std::move(first));
  CrlWatcherOptions options;
  options.crl_file = file_;
  options.poll_interval = absl::Milliseconds(5);
  CrlWatcher watcher(options, &list);

  Write("");
  ASSERT_TRUE(watcher.WaitForFailures(1, absl::Seconds(30)));
  EXPECT_TRUE(list.IsRevoked("A1B"));
  EXPECT_TRUE(list.IsRevoked("C2D"));

  Write("0A1B\n0C");
  ASSERT_TRUE(watcher.WaitForFailures(2, absl::Seconds(30)));
  EXPECT_TRUE(list.IsRevoked("C2D"));
  EXPECT_EQ(watcher.reloads(), 0);

  // A whole file is put in force; lifting everything takes a deliberate
  // comment-only list.
  Write("0A1B\n");
  ASSERT_TRUE(watcher.WaitForReloads(1, absl::Seconds(30)));
  EXPECT_TRUE(list.IsRevoked("A1B"));
  EXPECT_FALSE(list.IsRevoked("C2D"));
  Write("# no revocations\n");
  ASSERT_TRUE(watcher.WaitForReloads(2, absl::Seconds(30)));
  EXPECT_EQ(list.size(), 0u);
}

}  // namespace
}  // namespace hub::auth
