// The transport side of issue 15: revocation without a restart (finding 4),
// slow and idle clients that cost nothing (item 6), the HTTP port behind the
// county's mutual TLS (item 7) and files at rest for the hub alone (item 9).
// Waits are condition waits with generous deadlines; the limits under test
// are made short through HubServer::Options::limits.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/rpc/client_connections.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "hub/v1/directory_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/raw_call_util.h"
#include "tests/hub/tls_test_util.h"

namespace hub::testing {
namespace {

using ::testing::AnyOf;
using ::testing::HasSubstr;

grpc::Status ListPlans(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = hub::v1::DirectoryService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  hub::v1::ListPlansRequest request;
  hub::v1::ListPlansResponse response;
  return stub->ListPlans(&context, request, &response);
}

// An open PullFeed(follow) stream of `plan_id` that has sent its initial
// metadata (the hub holds it open).
struct OpenFeed {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<hub::v1::PullFeedResponse>> reader;
};
std::unique_ptr<OpenFeed> Follow(const std::shared_ptr<grpc::Channel>& channel,
                                 const std::string& plan_id) {
  auto feed = std::make_unique<OpenFeed>();
  auto stub = hub::v1::PlanService::NewStub(channel);
  hub::v1::PullFeedRequest request;
  request.set_plan_id(plan_id);
  request.set_follow(true);
  feed->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  feed->reader = stub->PullFeed(&feed->context, request);
  feed->reader->WaitForInitialMetadata();
  return feed;
}

// ------------------------------------------------------------ finding 4

class CrlReloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pki_ = MakeTestPki();
    AddClientCertificate(pki_, "late", "urn:hub:plan:molina");
  }
  TestPki pki_;
};

// A certificate revoked while the hub runs is refused on new connections,
// its calls on existing connections are refused, and its open streams are
// ended, after one reload (here triggered by the test; the watcher's own
// polling is the next test). `existing` is connected but has carried no
// call, so the hub does not know its certificate and cannot close it: the
// AccessGate refuses its calls.
TEST_F(CrlReloadTest, ARevokedCertificateIsRefusedWithoutARestart) {
  std::unique_ptr<TlsTestHub> hub = StartTlsTestHub(pki_, SmallSeedText(), "", nullptr);
  ASSERT_NE(hub, nullptr);
  std::shared_ptr<grpc::Channel> existing = hub->Channel(pki_, "late");
  ASSERT_TRUE(
      existing->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(30)));
  std::unique_ptr<OpenFeed> feed = Follow(hub->Channel(pki_, "late"), "molina");

  RevokeCertificate(pki_, "late");
  ASSERT_TRUE(hub->server->ReloadCrl().ok());

  const grpc::Status fresh = ListPlans(hub->Channel(pki_, "late"));
  EXPECT_EQ(fresh.error_code(), grpc::StatusCode::UNAVAILABLE) << fresh.error_message();
  const grpc::Status reused = ListPlans(existing);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::UNAUTHENTICATED) << reused.error_message();
  EXPECT_THAT(reused.error_message(), HasSubstr("revoked"));
  hub::v1::PullFeedResponse response;
  EXPECT_FALSE(feed->reader->Read(&response));
  const grpc::Status ended = feed->reader->Finish();
  EXPECT_FALSE(ended.ok());
  // Everyone else is unaffected.
  EXPECT_TRUE(ListPlans(hub->Channel(pki_, "molina")).ok());
}

// A revocation closes the open connections of the certificate (those that
// carried a call), instead of leaving them to the idle limit: the client's
// channel leaves READY without making a call, and its next call has to
// handshake again, which is refused. Other certificates' connections stay.
TEST_F(CrlReloadTest, ARevocationClosesTheCertificatesOpenConnections) {
  std::unique_ptr<TlsTestHub> hub = StartTlsTestHub(
      pki_, SmallSeedText(), "",
      [](HubServer::Options& options) { options.limits.max_connection_idle = absl::Hours(1); });
  ASSERT_NE(hub, nullptr);
  std::shared_ptr<grpc::Channel> late = hub->Channel(pki_, "late");
  std::shared_ptr<grpc::Channel> other = hub->Channel(pki_, "molina");
  ASSERT_TRUE(ListPlans(late).ok());
  ASSERT_TRUE(ListPlans(other).ok());
  ASSERT_EQ(late->GetState(false), GRPC_CHANNEL_READY);

  RevokeCertificate(pki_, "late");
  ASSERT_TRUE(hub->server->ReloadCrl().ok());

  ASSERT_TRUE(late->WaitForStateChange(GRPC_CHANNEL_READY,
                                       std::chrono::system_clock::now() + std::chrono::seconds(30)))
      << "the revoked certificate's connection is still open";
  EXPECT_EQ(ListPlans(late).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(other->GetState(false), GRPC_CHANNEL_READY);
  EXPECT_TRUE(ListPlans(other).ok());
}

// ShutdownConnectionsFrom finds an accepted socket by its peer address as
// gRPC names it, and only on the given local port.
TEST(ClientConnectionsTest, ShutdownConnectionsFromEndsExactlyThatConnection) {
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(listener, 4), 0);
  socklen_t size = sizeof(address);
  ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &size), 0);
  const int listen_port = ntohs(address.sin_port);
  const int client = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  const int accepted = accept(listener, nullptr, nullptr);
  ASSERT_GE(accepted, 0);
  sockaddr_in client_address{};
  size = sizeof(client_address);
  ASSERT_EQ(getsockname(client, reinterpret_cast<sockaddr*>(&client_address), &size), 0);
  const std::string peer = absl::StrCat("ipv4:127.0.0.1:", ntohs(client_address.sin_port));

  EXPECT_EQ(ShutdownConnectionsFrom(peer, listen_port + 1).value_or(-1), 0);  // Other port.
  EXPECT_EQ(ShutdownConnectionsFrom("ipv4:127.0.0.1:1", listen_port).value_or(-1), 0);
  EXPECT_EQ(ShutdownConnectionsFrom("unix:/tmp/hub.sock", listen_port).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ShutdownConnectionsFrom(peer, listen_port).value_or(-1), 1);
  char byte = 0;
  EXPECT_EQ(recv(client, &byte, 1, 0), 0);  // The client sees the connection end.
  close(accepted);
  close(client);
  close(listener);
}

// The watcher notices a new CRL file by itself; a file that does not parse
// keeps the revocations in force and is reported.
TEST_F(CrlReloadTest, TheWatcherReloadsAChangedFileAndKeepsTheOldListOnABadOne) {
  std::unique_ptr<TlsTestHub> hub =
      StartTlsTestHub(pki_, SmallSeedText(), "", [](HubServer::Options& options) {
        options.limits.crl_poll_interval = absl::Milliseconds(20);
      });
  ASSERT_NE(hub, nullptr);
  ASSERT_TRUE(ListPlans(hub->Channel(pki_, "late")).ok());
  RevokeCertificate(pki_, "late");
  // The revoke step rewrites the file in more than one write, so the watcher
  // may put an intermediate (still valid) list in force first: wait for
  // reloads until the new revocation is in force, 30 s at most.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  grpc::StatusCode late = grpc::StatusCode::OK;
  while (absl::Now() < give_up) {
    const int64_t reloads = hub->server->crl_reloads();
    late = ListPlans(hub->Channel(pki_, "late")).error_code();
    if (late != grpc::StatusCode::OK) break;
    hub->server->WaitForCrlReloads(reloads + 1, absl::Seconds(5));
  }
  // Refused either way: a handshake after the reload is refused
  // (UNAVAILABLE); a connection whose handshake passed just before the new
  // list was in force, and which carried no call yet, is not among the
  // connections the reload closes, so its call is refused by the AccessGate
  // (UNAUTHENTICATED). CI saw the second once (stop 28).
  EXPECT_THAT(late, AnyOf(grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::UNAUTHENTICATED));

  // Counted before the write: a 20 ms watcher may see the bad file before
  // this thread reads the count, and it reports a file once per change.
  const int64_t failures = hub->server->crl_reload_failures();
  WriteFile(pki_.dir + "/crl.pem", "-----BEGIN X509 CRL-----\nnot a crl\n");
  ASSERT_TRUE(hub->server->WaitForCrlReloadFailures(failures + 1, absl::Seconds(30)));
  EXPECT_THAT(ListPlans(hub->Channel(pki_, "late")).error_code(),
              AnyOf(grpc::StatusCode::UNAVAILABLE, grpc::StatusCode::UNAUTHENTICATED));
  EXPECT_EQ(ListPlans(hub->Channel(pki_, "revoked")).error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_TRUE(ListPlans(hub->Channel(pki_, "molina")).ok());
}

// --------------------------------------------------------------- item 6

// Beyond the cap of open PullFeed streams per plan, a new stream is refused
// with RESOURCE_EXHAUSTED saying what to do; closing one makes room.
TEST(SlowClientTest, PullFeedStreamsPerPlanAreCapped) {
  std::unique_ptr<TestHub> hub = StartTestHub(SmallSeedText());
  ASSERT_NE(hub, nullptr);
  const int cap = HubServer::Limits().max_pull_feed_streams_per_plan;
  ASSERT_GT(cap, 0);
  std::vector<std::unique_ptr<OpenFeed>> open;
  for (int i = 0; i < cap; ++i) open.push_back(Follow(hub->channel, "molina"));
  std::unique_ptr<OpenFeed> extra = Follow(hub->channel, "molina");
  hub::v1::PullFeedResponse response;
  EXPECT_FALSE(extra->reader->Read(&response));
  const grpc::Status refused = extra->reader->Finish();
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr(absl::StrCat(cap)));
  // Another plan is not affected.
  std::unique_ptr<OpenFeed> other = Follow(hub->channel, "aetna");
  other->context.TryCancel();
  other->reader->Finish();
  // Closing one makes room.
  open[0]->context.TryCancel();
  open[0]->reader->Finish();
  open.erase(open.begin());
  ASSERT_TRUE(hub->server->WaitForPullFeedStreams("molina", cap - 1, absl::Seconds(30)));
  open.push_back(Follow(hub->channel, "molina"));
  EXPECT_TRUE(ListPlans(hub->channel).ok());
  for (auto& feed : open) {
    feed->context.TryCancel();
    feed->reader->Finish();
  }
}

// The finding: 50 PullFeed streams that never read stalled other calls for
// 4-5 s while they opened. Now all but the plan's few slots are refused at
// once, and a unary call made while they are all open answers well within
// a deadline far below the old stall (a liveness bound, not a timing
// target: the hub is otherwise idle).
TEST(SlowClientTest, FiftyStreamsThatNeverReadDoNotDelayOtherCalls) {
  std::unique_ptr<TestHub> hub = StartTestHub(SmallSeedText());
  ASSERT_NE(hub, nullptr);
  const int cap = HubServer::Limits().max_pull_feed_streams_per_plan;
  std::vector<std::unique_ptr<OpenFeed>> streams;
  for (int i = 0; i < 50; ++i) streams.push_back(Follow(hub->channel, "molina"));
  auto stub = hub::v1::DirectoryService::NewStub(hub->channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  hub::v1::ListPlansRequest request;
  hub::v1::ListPlansResponse response;
  const grpc::Status status = stub->ListPlans(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  // The first `cap` hold the plan's slots; every later one was refused.
  for (int i = 0; i < 50; ++i) {
    if (i < cap) streams[i]->context.TryCancel();
    const grpc::Status ended = streams[i]->reader->Finish();
    if (i >= cap) {
      EXPECT_EQ(ended.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << i;
    }
  }
}

// An idle connection is closed after max_connection_idle (GOAWAY: the
// client's channel leaves READY by itself).
TEST(SlowClientTest, IdleConnectionsAreClosed) {
  const std::string root = MakeTempDir();
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = root + "/data";
  options.clock = [] { return FixedTime(); };
  options.limits.max_connection_idle = absl::Milliseconds(300);
  absl::StatusOr<std::unique_ptr<HubServer>> hub = HubServer::Start(options);
  ASSERT_TRUE(hub.ok()) << hub.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*hub)->port()),
                                     grpc::InsecureChannelCredentials());
  ASSERT_TRUE(ListPlans(channel).ok());
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  EXPECT_TRUE(channel->WaitForStateChange(
      GRPC_CHANNEL_READY, std::chrono::system_clock::now() + std::chrono::seconds(30)));
  EXPECT_NE(channel->GetState(false), GRPC_CHANNEL_READY);
}

// A TCP connection that never completes the TLS handshake is closed after
// the handshake timeout.
TEST(SlowClientTest, SilentConnectionsAreClosedAfterTheHandshakeTimeout) {
  const TestPki pki = MakeTestPki();
  std::unique_ptr<TlsTestHub> hub =
      StartTlsTestHub(pki, SmallSeedText(), "", [](HubServer::Options& options) {
        options.limits.handshake_timeout = absl::Milliseconds(300);
      });
  ASSERT_NE(hub, nullptr);
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(hub->server->port()));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  timeval timeout{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  char byte = 0;
  const ssize_t n = recv(fd, &byte, 1, 0);  // Blocks until the hub closes it.
  EXPECT_EQ(n, 0) << "the hub kept a silent connection open";
  close(fd);
}

// An upload that sends its header and then nothing is ended after the stall
// timeout, and its spool file is gone.
TEST(SlowClientTest, StalledUploadsAreEnded) {
  const std::string root = MakeTempDir();
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = root + "/data";
  options.spool_dir = root + "/spool";
  options.clock = [] { return FixedTime(); };
  options.seed_path = root + "/seed.textproto";
  WriteFile(options.seed_path, SmallSeedText());
  options.limits.upload_stall_timeout = absl::Milliseconds(300);
  absl::StatusOr<std::unique_ptr<HubServer>> hub = HubServer::Start(options);
  ASSERT_TRUE(hub.ok()) << hub.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*hub)->port()),
                                     grpc::InsecureChannelCredentials());
  auto providers = hub::v1::ProviderService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  hub::v1::ProviderServiceUploadFileResponse response;
  auto writer = providers->UploadFile(&context, &response);
  hub::v1::ProviderServiceUploadFileRequest header;
  header.mutable_header()->set_provider_id("alpha_cbo");
  header.mutable_header()->set_file_name("records.csv");
  ASSERT_TRUE(writer->Write(header));
  const grpc::Status status = writer->Finish();  // The client never sends more.
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("stalled"));
  // The reactor deletes its spool file when the call is done, just after the
  // client has its answer.
  ASSERT_TRUE((*hub)->WaitForUploads(0, absl::Seconds(30)));
  int spooled = 0;
  for (const auto& entry : std::filesystem::directory_iterator(options.spool_dir)) {
    (void)entry;
    ++spooled;
  }
  EXPECT_EQ(spooled, 0);
}

// --------------------------------------------------------------- item 7

TEST(HttpPortTest, NothingListensUnauthenticatedOffLoopback) {
  const std::string root = MakeTempDir();
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = root + "/data";
  options.http_listen = "0.0.0.0:0";
  absl::StatusOr<std::unique_ptr<HubServer>> hub = HubServer::Start(options);
  ASSERT_FALSE(hub.ok());
  EXPECT_EQ(hub.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(hub.status().message(), HasSubstr("loopback"));
}

TEST(HttpPortTest, MetricsAndDashboardOffLoopbackNeedACountyCertificate) {
  TestPki pki = MakeTestPki();
  std::unique_ptr<TlsTestHub> hub =
      StartTlsTestHub(pki, SmallSeedText(), "",
                      [](HubServer::Options& options) { options.http_listen = "0.0.0.0:0"; });
  ASSERT_NE(hub, nullptr);
  const int port = hub->server->http_port();
  ASSERT_GT(port, 0);
  {
    httplib::Client plain("127.0.0.1", port);
    plain.set_connection_timeout(10);
    plain.set_read_timeout(10);
    auto res = plain.Get("/metrics");
    EXPECT_TRUE(!res || res->status != 200) << "plain HTTP answered /metrics";
  }
  auto get = [&](const std::string& cert, const std::string& path) -> int {
    std::unique_ptr<httplib::SSLClient> client;
    if (cert.empty()) {
      client = std::make_unique<httplib::SSLClient>("127.0.0.1", port);
    } else {
      client = std::make_unique<httplib::SSLClient>("127.0.0.1", port, pki.Dir(cert) + "/tls.crt",
                                                    pki.Dir(cert) + "/tls.key");
    }
    client->set_ca_cert_path((pki.dir + "/ca.crt").c_str());
    client->enable_server_certificate_verification(true);
    client->set_connection_timeout(10);
    client->set_read_timeout(10);
    auto res = client->Get(path.c_str());
    return res ? res->status : -1;
  };
  EXPECT_EQ(get("", "/metrics"), -1);          // No client certificate: no handshake.
  EXPECT_EQ(get("revoked", "/metrics"), -1);   // Revoked.
  EXPECT_EQ(get("molina", "/metrics"), 403);   // A plan is not the county.
  EXPECT_EQ(get("alpha_cbo", "/"), 403);       // Nor a provider.
  EXPECT_EQ(get("analyst", "/metrics"), 200);  // County roles.
  EXPECT_EQ(get("admin", "/api/summary"), 200);
}

// --------------------------------------------------------------- item 9

mode_t ModeOf(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

// Every folder the hub keeps is 0700 and every file 0600, whatever the
// umask, including folders and files an older hub left 0755 / 0644.
TEST(FilesAtRestTest, DataSpoolAndBackupsAreTheHubsAlone) {
  namespace fs = std::filesystem;
  const std::string root = MakeTempDir();
  const mode_t old_umask = umask(022);
  fs::create_directories(root + "/backups/old-backup");
  WriteFile(root + "/backups/old-backup/CURRENT", "x");
  fs::permissions(root + "/backups/old-backup/CURRENT", fs::perms(0644));
  fs::permissions(root + "/backups", fs::perms(0755));
  std::unique_ptr<TestHub> hub = StartTestHub(SmallSeedText(), root);
  ASSERT_NE(hub, nullptr);
  {
    auto admin = hub::v1::AdminService::NewStub(hub->channel);
    grpc::ClientContext context;
    hub::v1::CreateBackupRequest request;
    request.set_label("modes");
    hub::v1::CreateBackupResponse response;
    ASSERT_TRUE(admin->CreateBackup(&context, request, &response).ok());
  }
  umask(old_umask);
  int files = 0;
  for (const std::string& dir : {root + "/data", root + "/backups", root + "/spool"}) {
    SCOPED_TRACE(dir);
    EXPECT_EQ(ModeOf(dir), 0700u);
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      SCOPED_TRACE(entry.path().string());
      if (entry.is_directory()) {
        EXPECT_EQ(ModeOf(entry.path()), 0700u);
      } else if (entry.is_regular_file()) {
        EXPECT_EQ(ModeOf(entry.path()), 0600u);
        ++files;
      }
    }
  }
  EXPECT_GT(files, 10);
}

}  // namespace
}  // namespace hub::testing
