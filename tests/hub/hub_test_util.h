// Shared helpers for the hub/ tests: temp folders, a small valid seed, and an
// in-process HubServer on 127.0.0.1:0 with a channel to it.
#ifndef HUB_TESTS_HUB_HUB_TEST_UTIL_H_
#define HUB_TESTS_HUB_HUB_TEST_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "hub/server/server.h"
#include "hub/v1/monitor.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"

namespace hub::testing {

// A new empty folder under $TEST_TMPDIR (or gtest's TempDir()), removed when
// the test program ends with every test passed (kept after a failure).
std::string MakeTempDir();

// Writes `text` to `path`, failing the test on error.
void WriteFile(const std::string& path, std::string_view text);
std::string ReadFile(const std::string& path);

// A valid NPI: the 9 digits plus their check digit.
std::string Npi(std::string_view nine_digits);

// The fixed time the test hub's clock returns: 2026-11-23 10:56:00 UTC.
absl::Time FixedTime();

// Seed text with 5 plans (aetna, blue_shield, chg, health_net, molina) and
// 5 providers:
//   alpha_cbo      ECM      molina(ECM), chg(ECM)
//   bravo_housing  CS       molina(CS)                  HOUSING_DEPOSITS
//   charlie_fqhc   ECM, CS  molina(ECM), health_net(CS) RECUPERATIVE_CARE
//   delta_county   ECM      health_net(no kinds)
//   echo_meals     CS       molina(no kinds)            MEDICALLY_TAILORED_MEALS
std::string SmallSeedText();
std::vector<std::string> SmallSeedPlanNames();
// SmallSeedText with molina's plan reading its files through the shipped
// molina profile (adapters/plans/molina).
std::string SeedWithMolinaProfile();

// 1-based line of the `occurrence`-th (1-based) line starting with `prefix`.
int LineOfNth(std::string_view text, std::string_view prefix, int occurrence);

// An in-process hub on 127.0.0.1:0 over a temp data dir.
struct TestHub {
  std::string root;  // Temp folder holding data/, backups/, seed.
  std::string data_dir;
  std::string backup_dir;
  std::unique_ptr<HubServer> server;
  std::shared_ptr<grpc::Channel> channel;
  std::string address() const;  // "127.0.0.1:PORT"
};

// Starts a hub with `seed_text` as its seed ("" = no seed) in a new temp
// folder, or in `root` if given (to restart on the same data).
// With `http`, it also serves /metrics and the dashboard on 127.0.0.1:0
// (HubServer::http_port()). Backups go to `backup_dir`, default root/backups.
std::unique_ptr<TestHub> StartTestHub(std::string_view seed_text, std::string root = "",
                                      bool http = false, std::string backup_dir = "");

// A loopback port nothing listens on (bound, then closed).
int UnusedPort();

// What a shell command printed (stdout and stderr together) and its exit
// code (-1 if it did not exit normally).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
// Runs `command` with /bin/sh, capturing both streams.
CommandResult RunCommand(const std::string& command);

// Pulls `plan_id`'s feed (no follow) to its end, dropping the items, and
// returns how the stream ended.
// MonitorService.GetSummary of the hub's configured window (a failed call
// fails the test and gives an empty summary).
hub::v1::MonitorSummary GetMonitorSummary(const std::shared_ptr<grpc::Channel>& channel);

// The body of GET `path` on 127.0.0.1:`port` (anything but 200 fails the
// test; "" if nothing came back).
std::string HttpGetBody(int port, const std::string& path);

grpc::Status PullFeedToEnd(hub::v1::PlanService::Stub& plan, const std::string& plan_id);

// PlanService.ExportFile of `plan_id`'s file of `kind` for `period` (60 s
// deadline): the call's status, the header message and the file's bytes.
struct ExportedFile {
  grpc::Status status;
  hub::v1::ExportFileHeader header;
  std::string bytes;
};
ExportedFile ExportPlanFile(hub::v1::PlanService::Stub& plans, const std::string& plan_id,
                            hub::v1::FileKind kind, const std::string& period);

}  // namespace hub::testing

#endif  // HUB_TESTS_HUB_HUB_TEST_UTIL_H_
