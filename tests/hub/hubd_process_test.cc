// The hubd binary (HUBD_PATH) as a process: start on port 0, answer health,
// stop on SIGTERM with exit 0 and a cleanly closed store; refuse plaintext
// off loopback; reject bad flags with exit 2.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/cli/health_client.h"
#include "storage/directory_store.h"
#include "storage/store.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUBD_PATH
#error "HUBD_PATH must name the hubd binary"
#endif

namespace hub {
namespace {

using ::testing::HasSubstr;

// Process start-up and exit are waited for by polling with short naps,
// bounded; nothing asserts on elapsed wall time.
constexpr auto kHubdPollInterval = std::chrono::milliseconds(20);
constexpr int kHubdMaxPolls = 1500;  // 30 s.

class HubdProcess {
 public:
  // Starts hubd with `flags`; its stderr goes to `stderr_path`.
  HubdProcess(const std::vector<std::string>& flags, const std::string& stderr_path) {
    std::vector<std::string> args = {HUBD_PATH};
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ == 0) {  // Child: only async-signal-safe calls until exec.
      int fd = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) dup2(fd, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }

  ~HubdProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      int status;
      waitpid(pid_, &status, 0);
    }
  }

  pid_t pid() const { return pid_; }

  // True once exited; sets *exit_code (-signal if killed by a signal).
  bool PollExit(int* exit_code) {
    if (exited_) {
      *exit_code = exit_code_;
      return true;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return false;
    exited_ = true;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    *exit_code = exit_code_;
    return true;
  }

  // Waits (bounded) for exit; -1000 if it did not exit in time.
  int WaitForExit() {
    int code = 0;
    for (int i = 0; i < kHubdMaxPolls; ++i) {
      if (PollExit(&code)) return code;
      std::this_thread::sleep_for(kHubdPollInterval);
    }
    return -1000;
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = 0;
};

// Waits for hubd to write its port file; 0 if it exits or times out first.
int WaitForPort(HubdProcess& hubd, const std::string& port_file) {
  for (int i = 0; i < kHubdMaxPolls; ++i) {
    if (std::filesystem::exists(port_file)) {
      int port = 0;
      std::string text = testing::ReadFile(port_file);
      if (absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &port)) return port;
    }
    int code;
    if (hubd.PollExit(&code)) return 0;
    std::this_thread::sleep_for(kHubdPollInterval);
  }
  return 0;
}

TEST(HubdProcessTest, ServesThenStopsCleanlyOnSigterm) {
  const std::string root = testing::MakeTempDir();
  testing::WriteFile(root + "/seed.textproto", testing::SmallSeedText());
  const std::string port_file = root + "/port";
  const std::string log_file = root + "/hubd.log";
  HubdProcess hubd({"--listen=127.0.0.1:0", "--insecure_loopback", "--data_dir=" + root + "/data",
                    "--seed=" + root + "/seed.textproto", "--port_file=" + port_file},
                   log_file);
  ASSERT_GT(hubd.pid(), 0);
  const int port = WaitForPort(hubd, port_file);
  ASSERT_GT(port, 0) << testing::ReadFile(log_file);

  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  absl::StatusOr<ServingStatus> health = CheckHealth(channel, "", absl::Seconds(5));
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, ServingStatus::kServing);

  ASSERT_EQ(kill(hubd.pid(), SIGTERM), 0);
  EXPECT_EQ(hubd.WaitForExit(), 0) << testing::ReadFile(log_file);

  const std::string log = testing::ReadFile(log_file);
  EXPECT_THAT(log, HasSubstr(absl::StrCat("\"event\":\"hubd_started\"")));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("\"port\":", port)));
  EXPECT_THAT(log, HasSubstr("\"provider_count\":5"));
  EXPECT_THAT(log, HasSubstr("\"event\":\"hubd_stopped\""));
  // Every log line is one JSON object.
  for (absl::string_view line : absl::StrSplit(log, '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(absl::StartsWith(line, "{\"ts\":\"") && absl::EndsWith(line, "}")) << line;
  }

  // The store was closed cleanly: it opens, with the seeded directory.
  storage::StoreOptions options;
  options.data_dir = root + "/data";
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  storage::DirectoryStore directory(store->get());
  EXPECT_TRUE(directory.GetProvider("echo_meals").ok());
  ASSERT_TRUE((*store)->Close().ok());
}

TEST(HubdProcessTest, SigintAlsoStopsCleanly) {
  const std::string root = testing::MakeTempDir();
  const std::string port_file = root + "/port";
  HubdProcess hubd({"--listen=127.0.0.1:0", "--insecure_loopback", "--data_dir", root + "/data",
                    "--port_file", port_file},
                   root + "/hubd.log");
  ASSERT_GT(WaitForPort(hubd, port_file), 0) << testing::ReadFile(root + "/hubd.log");
  ASSERT_EQ(kill(hubd.pid(), SIGINT), 0);
  EXPECT_EQ(hubd.WaitForExit(), 0);
}

TEST(HubdProcessTest, RefusesPlaintextOffLoopback) {
  const std::string root = testing::MakeTempDir();
  HubdProcess hubd({"--listen=0.0.0.0:0", "--insecure_loopback", "--data_dir=" + root + "/data",
                    "--port_file=" + root + "/port"},
                   root + "/hubd.log");
  const int code = hubd.WaitForExit();
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1000) << "hubd kept running";
  const std::string log = testing::ReadFile(root + "/hubd.log");
  EXPECT_THAT(log, HasSubstr("TLS is required off loopback"));
  EXPECT_THAT(log, HasSubstr("hubd_start_failed"));
  EXPECT_FALSE(std::filesystem::exists(root + "/port"));
}

TEST(HubdProcessTest, BadCommandLinesExitTwoWithUsage) {
  const std::string root = testing::MakeTempDir();
  const std::vector<std::vector<std::string>> cases = {
      {},                                          // --data_dir missing
      {"--data_dir=" + root + "/d", "--bogus=1"},  // unknown flag
      {"--data_dir=" + root + "/d", "stray"},      // positional argument
      {"--data_dir"},                              // value missing
      {"--data_dir=" + root + "/d", "--insecure_loopback", "--listen=localhost"},  // no port
      {"--data_dir=" + root + "/d"},  // neither TLS files nor --insecure_loopback
      {"--data_dir=" + root + "/d", "--tls_cert_file=x"},  // TLS files incomplete
      {"--data_dir=" + root + "/d", "--insecure_loopback", "--tls_cert_file=x"},  // both
  };
  for (const auto& flags : cases) {
    HubdProcess hubd(flags, root + "/hubd.log");
    EXPECT_EQ(hubd.WaitForExit(), 2) << absl::StrJoin(flags, " ");
    EXPECT_THAT(testing::ReadFile(root + "/hubd.log"), HasSubstr("usage: hubd"));
  }
}

}  // namespace
}  // namespace hub
