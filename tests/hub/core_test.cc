// Unit tests of hub_core's small pieces: logging, paging tokens, update
// masks, status conversion, backups. Suites are named hub_* so that
// `ctest -R hub` selects them.
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/common/log.h"
#include "hub/common/paging.h"
#include "hub/common/rpc_status.h"
#include "hub/common/update_mask.h"
#include "hub/rpc/admin_service.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "storage/store.h"
#include "tests/hub/hub_test_util.h"

namespace hub {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(hub_LogTest, FormatsOneJsonObjectWithTypedFields) {
  std::string line = log::FormatLine(
      "2026-11-23T10:56:00.000Z", log::Level::kWarning, "seed_loaded",
      {{"plan_id", "molina"}, {"count", 7}, {"big", int64_t{1} << 40}, {"ok", true}});
  EXPECT_EQ(line,
            "{\"ts\":\"2026-11-23T10:56:00.000Z\",\"level\":\"warning\",\"event\":\"seed_loaded\","
            "\"plan_id\":\"molina\",\"count\":7,\"big\":1099511627776,\"ok\":true}");
}

TEST(hub_LogTest, EscapesJsonProperly) {
  std::string out;
  log::AppendJsonString("a\"b\\c\nd\te\x01 \x7f", &out);
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\te\\u0001 \\u007f\"");
  out.clear();
  log::AppendJsonString("Cl\xc3\xadnica", &out);  // Valid UTF-8 passes through.
  EXPECT_EQ(out, "\"Cl\xc3\xadnica\"");
  out.clear();
  log::AppendJsonString("bad\xff\xc3", &out);  // Invalid bytes become U+FFFD.
  EXPECT_EQ(out, "\"bad\\ufffd\\ufffd\"");
}

TEST(hub_LogTest, SinkReceivesWholeLinesFromManyThreads) {
  absl::Mutex mu;
  std::vector<std::string> lines;
  log::SetSink([&](std::string_view line) {
    absl::MutexLock lock(&mu);
    lines.emplace_back(line);
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 50; ++i) log::Info("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& th : threads) th.join();
  log::SetSink(nullptr);
  absl::MutexLock lock(&mu);
  ASSERT_EQ(lines.size(), 200u);
  for (const std::string& line : lines) {
    EXPECT_THAT(line, ::testing::MatchesRegex(
                          "\\{\"ts\":\"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\",\"level\":\"info\","
                          "\"event\":\"tick\",\"thread\":[0-3],\"i\":[0-9]+\\}"));
  }
}

TEST(hub_PagingTest, PageSizesAndTokens) {
  EXPECT_EQ(*EffectivePageSize(0), 100);
  EXPECT_EQ(*EffectivePageSize(7), 7);
  EXPECT_EQ(*EffectivePageSize(5000), 1000);
  EXPECT_EQ(EffectivePageSize(-1).status().code(), absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(*DecodePageToken("plans", ""), "");
  const std::string token = EncodePageToken("plans", "molina");
  EXPECT_THAT(token, Not(HasSubstr("molina")));  // Opaque.
  EXPECT_EQ(*DecodePageToken("plans", token), "molina");
  EXPECT_EQ(DecodePageToken("providers", token).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("plans", "%%%").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodePageToken("plans", EncodePageToken("plans", "")).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(hub_UpdateMaskTest, MaskedFieldsReplaceWholeAndEmptyMaskTakesSetFields) {
  hub::v1::Provider stored;
  stored.set_provider_id("aa");
  stored.set_name("Old");
  stored.set_tin("111111111");
  stored.add_kinds(hub::v1::PROVIDER_KIND_ECM);
  stored.add_kinds(hub::v1::PROVIDER_KIND_CS);

  hub::v1::Provider update;
  update.set_provider_id("aa");
  update.add_kinds(hub::v1::PROVIDER_KIND_CS);
  google::protobuf::FieldMask mask;
  mask.add_paths("kinds");
  mask.add_paths("tin");  // Masked but empty: cleared.
  ASSERT_TRUE(ApplyUpdateMask(update, mask, "provider_id", &stored).ok());
  EXPECT_THAT(stored.kinds(), ElementsAre(hub::v1::PROVIDER_KIND_CS));
  EXPECT_EQ(stored.tin(), "");
  EXPECT_EQ(stored.name(), "Old");

  update.Clear();
  update.set_provider_id("aa");
  update.set_name("New");
  ASSERT_TRUE(ApplyUpdateMask(update, {}, "provider_id", &stored).ok());
  EXPECT_EQ(stored.name(), "New");
  EXPECT_THAT(stored.kinds(), ElementsAre(hub::v1::PROVIDER_KIND_CS));

  mask.Clear();
  mask.add_paths("contracts.plan_id");
  hub::v1::Provider before = stored;
  EXPECT_EQ(ApplyUpdateMask(update, mask, "provider_id", &stored).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(stored.SerializeAsString(), before.SerializeAsString());
}

TEST(hub_RpcStatusTest, CodesAndMessagesRoundTrip) {
  absl::Status s = absl::FailedPreconditionError("do this first");
  grpc::Status g = ToGrpcStatus(s);
  EXPECT_EQ(g.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(g.error_message(), "do this first");
  EXPECT_EQ(FromGrpcStatus(g), s);
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok());
}

TEST(hub_AdminServiceTest, BackupIdsFromClockAndLabel) {
  EXPECT_EQ(*AdminService::BackupId(testing::FixedTime(), ""), "20261123T105600Z");
  EXPECT_EQ(*AdminService::BackupId(testing::FixedTime(), "nightly"), "20261123T105600Z-nightly");
  for (const char* bad : {"Nightly", "a/b", "..", "x y", "123456789012345678901234567890123"}) {
    EXPECT_EQ(AdminService::BackupId(testing::FixedTime(), bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(hub_AdminServiceTest, CreateBackupWritesAnOpenableCheckpoint) {
  std::unique_ptr<testing::TestHub> hub = testing::StartTestHub(testing::SmallSeedText());
  ASSERT_NE(hub, nullptr);
  auto stub = hub::v1::AdminService::NewStub(hub->channel);
  hub::v1::CreateBackupRequest request;
  request.set_label("nightly");
  hub::v1::CreateBackupResponse response;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub->CreateBackup(&context, request, &response).ok());
  }
  EXPECT_EQ(response.backup_id(), "20261123T105600Z-nightly");
  EXPECT_EQ(response.create_time().seconds(), absl::ToUnixSeconds(testing::FixedTime()));
  EXPECT_GT(response.file_count(), 0);
  EXPECT_GT(response.size_bytes(), 0);

  // Same second, same label: refused, no path in the message.
  {
    grpc::ClientContext context;
    grpc::Status s = stub->CreateBackup(&context, request, &response);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
    EXPECT_THAT(s.error_message(), Not(HasSubstr(hub->root)));
  }
  {
    grpc::ClientContext context;
    request.set_label("../escape");
    EXPECT_EQ(stub->CreateBackup(&context, request, &response).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }

  // The checkpoint is a data dir.
  storage::StoreOptions options;
  options.data_dir = hub->backup_dir + "/20261123T105600Z-nightly";
  absl::StatusOr<std::unique_ptr<storage::Store>> copy = storage::Store::Open(options);
  ASSERT_TRUE(copy.ok()) << copy.status();
  ASSERT_TRUE((*copy)->Close().ok());
}

TEST(hub_AdminServiceTest, FailuresNeverRevealServerPaths) {
  const std::string root = testing::MakeTempDir();
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = root + "/data";
  options.backup_dir = root + "/backups";
  absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  // The backup folder becomes a regular file while the hub runs (Start
  // refuses an unusable one): nothing can be created under it.
  std::filesystem::remove_all(options.backup_dir);
  testing::WriteFile(options.backup_dir, "x");
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string((*server)->port()),
                                     grpc::InsecureChannelCredentials());
  auto stub = hub::v1::AdminService::NewStub(channel);
  grpc::ClientContext context;
  hub::v1::CreateBackupRequest request;
  hub::v1::CreateBackupResponse response;
  grpc::Status s = stub->CreateBackup(&context, request, &response);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.error_message(), HasSubstr("backup"));
  EXPECT_THAT(s.error_message(), Not(HasSubstr(root)));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("/")));
}

TEST(hub_ServerTest, DefaultBackupDirIsBesideTheDataDir) {
  EXPECT_EQ(HubServer::DefaultBackupDir("/var/lib/hub/data"), "/var/lib/hub/backups");
  EXPECT_EQ(HubServer::DefaultBackupDir("/var/lib/hub/data/"), "/var/lib/hub/backups");
  EXPECT_EQ(HubServer::DefaultBackupDir("data"), "backups");
}

TEST(hub_ServerTest, RefusesPlaintextOffLoopbackBeforeTouchingTheStore) {
  const std::string root = testing::MakeTempDir();
  HubServer::Options options;
  options.listen_address = "0.0.0.0:0";
  options.data_dir = root + "/data";
  absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(server.status().message()), HasSubstr("TLS is required off loopback"));
  EXPECT_FALSE(std::filesystem::exists(options.data_dir));
}

TEST(hub_ServerTest, PortInUseIsUnavailableAndReleasesTheStore) {
  std::unique_ptr<testing::TestHub> first = testing::StartTestHub("");
  ASSERT_NE(first, nullptr);
  const std::string root = testing::MakeTempDir();
  HubServer::Options options;
  options.listen_address = first->address();
  options.data_dir = root + "/data";
  absl::StatusOr<std::unique_ptr<HubServer>> second = HubServer::Start(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("--listen"));
  storage::StoreOptions store_options;
  store_options.data_dir = options.data_dir;
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(store_options);
  EXPECT_TRUE(store.ok()) << store.status();
}

}  // namespace
}  // namespace hub
