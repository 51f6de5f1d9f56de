#include "tests/hub/hub_test_util.h"

#include <httplib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "base/identifiers.h"
#include "gtest/gtest.h"
#include "hub/v1/monitor_service.grpc.pb.h"

namespace hub::testing {

namespace {

// The folders MakeTempDir made in this process: removed when the test
// program ends with every test passed, kept for a look after a failure.
class TempDirs final : public ::testing::Environment {
 public:
  static TempDirs& Get() {
    static TempDirs* const dirs = [] {
      auto* made = new TempDirs();
      ::testing::AddGlobalTestEnvironment(made);  // gtest owns it.
      return made;
    }();
    return *dirs;
  }
  void Add(std::string dir) {
    std::lock_guard<std::mutex> lock(mu_);
    dirs_.push_back(std::move(dir));
  }
  void TearDown() override {
    if (!::testing::UnitTest::GetInstance()->Passed()) return;
    std::lock_guard<std::mutex> lock(mu_);
    for (const std::string& dir : dirs_) {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
    dirs_.clear();
  }

 private:
  std::mutex mu_;
  std::vector<std::string> dirs_;
};

// Registered before main() runs the tests, so TearDown runs at the end.
[[maybe_unused]] const TempDirs& kRegistered = TempDirs::Get();

}  // namespace

std::string MakeTempDir() {
  const char* env = std::getenv("TEST_TMPDIR");
  std::string base = env != nullptr && *env != '\0' ? env : ::testing::TempDir();
  if (!base.empty() && base.back() != '/') base.push_back('/');
  std::string pattern = base + "hub_test_XXXXXX";
  char* made = mkdtemp(pattern.data());
  EXPECT_NE(made, nullptr) << "mkdtemp failed under " << base;
  if (made != nullptr) TempDirs::Get().Add(pattern);
  return pattern;
}

void WriteFile(const std::string& path, std::string_view text) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  ASSERT_TRUE(file.good()) << "cannot write " << path;
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

std::string Npi(std::string_view nine_digits) {
  return absl::StrCat(absl::string_view(nine_digits.data(), nine_digits.size()),
                      std::string(1, NpiCheckDigit(nine_digits)));
}

absl::Time FixedTime() {
  return absl::FromCivil(absl::CivilSecond(2026, 11, 23, 10, 56, 0), absl::UTCTimeZone());
}

std::string SeedWithMolinaProfile() {
  return absl::StrReplaceAll(SmallSeedText(), {{"plan_id: \"molina\"\n",
                                                "plan_id: \"molina\"\n  adapter_profile: "
                                                "\"molina\"\n"}});
}

std::vector<std::string> SmallSeedPlanNames() {
  return {"Aetna Better Health of California", "Blue Shield of California Promise",
          "Community Health Group", "Health Net", "Molina Healthcare of California"};
}

std::string SmallSeedText() {
  const std::vector<std::string> names = SmallSeedPlanNames();
  const char* const ids[] = {"aetna", "blue_shield", "chg", "health_net", "molina"};
  std::string text = "# Test seed: 5 plans, 5 providers.\n";
  for (int i = 0; i < 5; ++i) {
    absl::StrAppendFormat(&text,
                          "plans {\n  plan_id: \"%s\"\n  name: \"%s\"\n  county: \"San Diego\"\n"
                          "  dhcs_plan_code: \"P%d\"\n}\n",
                          ids[i], names[i], i + 1);
  }
  absl::StrAppendFormat(&text, R"(providers {
  provider_id: "alpha_cbo"
  npi: "%s"
  tin: "111111111"
  name: "Alpha Community Services"
  kinds: PROVIDER_KIND_ECM
  contracts { plan_id: "molina" kinds: PROVIDER_KIND_ECM ecm_capacity: 100 }
  contracts { plan_id: "chg" kinds: PROVIDER_KIND_ECM ecm_capacity: 40 start_date: "2025-01-01" }
}
providers {
  provider_id: "bravo_housing"
  npi: "%s"
  tin: "222222222"
  name: "Bravo Housing Partners"
  kinds: PROVIDER_KIND_CS
  community_supports: COMMUNITY_SUPPORT_HOUSING_DEPOSITS
  contracts { plan_id: "molina" kinds: PROVIDER_KIND_CS cs_capacity: 25 }
}
providers {
  provider_id: "charlie_fqhc"
  npi: "%s"
  tin: "333333333"
  name: "Charlie Health Center"
  kinds: [PROVIDER_KIND_ECM, PROVIDER_KIND_CS]
  community_supports: COMMUNITY_SUPPORT_RECUPERATIVE_CARE
  contracts { plan_id: "molina" kinds: PROVIDER_KIND_ECM }
  contracts { plan_id: "health_net" kinds: PROVIDER_KIND_CS }
  provider_type: PROVIDER_TYPE_FQHC
}
providers {
  provider_id: "delta_county"
  npi: "%s"
  tin: "444444444"
  name: "Delta County Behavioral Health"
  kinds: PROVIDER_KIND_ECM
  contracts { plan_id: "health_net" }
}
providers {
  provider_id: "echo_meals"
  npi: "%s"
  tin: "555555555"
  name: "Echo Meals"
  kinds: PROVIDER_KIND_CS
  community_supports: COMMUNITY_SUPPORT_MEDICALLY_TAILORED_MEALS
  contracts { plan_id: "molina" }
}
)",
                        Npi("100000001"), Npi("100000002"), Npi("100000003"), Npi("100000004"),
                        Npi("100000005"));
  return text;
}

int LineOfNth(std::string_view text, std::string_view prefix, int occurrence) {
  int line = 1;
  size_t start = 0;
  while (start <= text.size()) {
    if (text.substr(start, prefix.size()) == prefix && --occurrence == 0) return line;
    size_t newline = text.find('\n', start);
    if (newline == std::string_view::npos) break;
    start = newline + 1;
    ++line;
  }
  return -1;
}

std::string TestHub::address() const { return absl::StrCat("127.0.0.1:", server->port()); }

std::unique_ptr<TestHub> StartTestHub(std::string_view seed_text, std::string root, bool http,
                                      std::string backup_dir) {
  auto hub = std::make_unique<TestHub>();
  hub->root = root.empty() ? MakeTempDir() : root;
  hub->data_dir = hub->root + "/data";
  hub->backup_dir = backup_dir.empty() ? hub->root + "/backups" : std::move(backup_dir);
  HubServer::Options options;
  options.listen_address = "127.0.0.1:0";
  options.data_dir = hub->data_dir;
  options.backup_dir = hub->backup_dir;
  options.clock = [] { return FixedTime(); };
  if (http) options.http_listen = "127.0.0.1:0";
  if (!seed_text.empty()) {
    options.seed_path = hub->root + "/seed.textproto";
    WriteFile(options.seed_path, seed_text);
  }
  absl::StatusOr<std::unique_ptr<HubServer>> server = HubServer::Start(options);
  EXPECT_TRUE(server.ok()) << server.status();
  if (!server.ok()) return nullptr;
  hub->server = *std::move(server);
  hub->channel = grpc::CreateChannel(hub->address(), grpc::InsecureChannelCredentials());
  return hub;
}

CommandResult RunCommand(const std::string& command) {
  const std::string both = absl::StrCat(command, " 2>&1");
  CommandResult result;
  FILE* pipe = popen(both.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

int UnusedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  close(fd);
  return ntohs(addr.sin_port);
}

ExportedFile ExportPlanFile(hub::v1::PlanService::Stub& plans, const std::string& plan_id,
                            hub::v1::FileKind kind, const std::string& period) {
  hub::v1::ExportFileRequest request;
  request.set_plan_id(plan_id);
  request.set_kind(kind);
  request.set_period(period);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto reader = plans.ExportFile(&context, request);
  ExportedFile out;
  hub::v1::ExportFileResponse response;
  while (reader->Read(&response)) {
    if (response.has_header()) out.header = response.header();
    out.bytes += response.chunk();
  }
  out.status = reader->Finish();
  return out;
}

grpc::Status PullFeedToEnd(hub::v1::PlanService::Stub& plan, const std::string& plan_id) {
  grpc::ClientContext context;
  hub::v1::PullFeedRequest request;
  request.set_plan_id(plan_id);
  auto reader = plan.PullFeed(&context, request);
  hub::v1::PullFeedResponse response;
  while (reader->Read(&response)) {
  }
  return reader->Finish();
}

hub::v1::MonitorSummary GetMonitorSummary(const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = hub::v1::MonitorService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  hub::v1::GetSummaryResponse response;
  grpc::Status status = stub->GetSummary(&context, hub::v1::GetSummaryRequest(), &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.summary();
}

std::string HttpGetBody(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  httplib::Result result = client.Get(path.c_str());
  EXPECT_TRUE(result && result->status == 200) << path;
  return result ? result->body : "";
}

}  // namespace hub::testing
