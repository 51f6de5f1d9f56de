// hubctl's commands, as hubctl.cc's command table sees them: what one run
// of a command gets (Invocation), a row of the table (Command), and the
// handlers, one file per command group:
//   hubctl_county_commands.cc    plans, providers, plan, provider, profile,
//                                health, backup, consent, audit, parked, stats
//   hubctl_file_commands.cc      upload, submit, report, reports, pull, export
//   hubctl_provider_commands.cc  worklist, quality, careplan, billing
// A handler parses its flags, calls the hub (or the helper in its
// hubctl_<group>.h) and returns the exit code (hub/cli/hubctl.h). Internal
// to hub_cli: not thread-safe, one Invocation per run.
#ifndef HUB_HUB_CLI_HUBCTL_COMMAND_H_
#define HUB_HUB_CLI_HUBCTL_COMMAND_H_

#include <grpcpp/grpcpp.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace hub::hubctl {

// How long a read command waits for hubd. Connection failures are reported
// at once (wait_for_ready is false); this bounds a stuck server.
constexpr absl::Duration kReadDeadline = absl::Seconds(5);
// A checkpoint of a large store takes longer than a read.
constexpr absl::Duration kBackupDeadline = absl::Minutes(10);
// An upload of a multi-gigabyte file, then its ingest.
constexpr absl::Duration kUploadDeadline = absl::Hours(6);
// Bytes per upload chunk.
constexpr size_t kUploadChunkBytes = 1u << 20;
// Files larger than this show progress on stderr.
constexpr int64_t kProgressMinBytes = 8 << 20;
// Row errors `upload` and `report` print without --all.
constexpr int kShownRowErrors = 20;

struct Invocation {
  std::string server;
  std::map<std::string, std::string> flags;  // Command flags given.
  std::ostream& out;
  std::ostream& err;
  std::shared_ptr<grpc::Channel> channel;
  std::vector<std::string> args;  // Positional arguments after the command.
  bool tls = false;               // The channel is mutual TLS.

  std::optional<std::string> Flag(const std::string& name) const {
    auto it = flags.find(name);
    if (it == flags.end()) return std::nullopt;
    return it->second;
  }
};

struct Command {
  std::string_view name;
  std::vector<std::string_view> flags;  // Accepted --flags, each taking a value.
  std::string_view flags_usage;
  std::string_view summary;
  int (*run)(Invocation&);
  // Positional arguments accepted (e.g. a file).
  size_t max_args = 0;
  // Flags that take no value (--all); "--all=false" also works.
  std::vector<std::string_view> bool_flags = {};
};

// Sets `deadline` from now and fails at once when hubd is unreachable.
void PrepareContext(grpc::ClientContext& context, absl::Duration deadline);

// The value of --`name` in `flags`, or nullopt when it was not given.
std::optional<std::string> OptionalFlag(const std::map<std::string, std::string>& flags,
                                        const std::string& name);

// Prints "hubctl: <what>: <message> (<CODE>)" to `err` and returns exit code 1.
int PrintFailure(std::ostream& err, std::string_view what, const absl::Status& status);

// Prints why an RPC failed and returns exit code 1.
int Fail(const Invocation& inv, std::string_view command, const absl::Status& status);

// hubctl_county_commands.cc
int RunPlans(Invocation& inv);
int RunProviders(Invocation& inv);
int RunHealth(Invocation& inv);
int RunBackup(Invocation& inv);
int RunPlan(Invocation& inv);
int RunProfile(Invocation& inv);
int RunProvider(Invocation& inv);
int RunConsent(Invocation& inv);
int RunAudit(Invocation& inv);
int RunParked(Invocation& inv);
int RunStats(Invocation& inv);

// hubctl_file_commands.cc
int RunUpload(Invocation& inv);
int RunSubmit(Invocation& inv);
int RunReport(Invocation& inv);
int RunReports(Invocation& inv);
int RunPull(Invocation& inv);
int RunExport(Invocation& inv);

// hubctl_provider_commands.cc
int RunWorklist(Invocation& inv);
int RunQuality(Invocation& inv);
int RunCarePlan(Invocation& inv);
int RunBilling(Invocation& inv);

}  // namespace hub::hubctl

#endif  // HUB_HUB_CLI_HUBCTL_COMMAND_H_
