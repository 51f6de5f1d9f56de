#include "hub/hubctl.h"

#include <map>
#include <memory>
#include <optional>
#include <utility>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hub/cli_table.h"
#include "hub/health_client.h"
#include "hub/rpc_status.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "hub/v1/directory_service.grpc.pb.h"

namespace hub {
namespace {

// How long a read command waits for hubd. Connection failures are reported
// at once (wait_for_ready is false); this bounds a stuck server.
constexpr absl::Duration kReadDeadline = absl::Seconds(5);
// A checkpoint of a large store takes longer than a read.
constexpr absl::Duration kBackupDeadline = absl::Minutes(10);

struct Invocation {
  std::string server;
  std::map<std::string, std::string> flags;  // Command flags given.
  std::ostream& out;
  std::ostream& err;
  std::shared_ptr<grpc::Channel> channel;

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
};

void PrepareContext(grpc::ClientContext& context, absl::Duration deadline) {
  context.set_wait_for_ready(false);
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
}

// Prints why an RPC failed and returns exit code 1.
int Fail(const Invocation& inv, std::string_view command, const absl::Status& status) {
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    inv.err << "hubctl: cannot reach hubd at " << inv.server
            << " (is it running? set --server or HUB_SERVER)\n";
  } else {
    inv.err << "hubctl: " << command << ": " << status.message() << " ("
            << absl::StatusCodeToString(status.code()) << ")\n";
  }
  return 1;
}

int RunPlans(Invocation& inv) {
  auto stub = hub::v1::DirectoryService::NewStub(inv.channel);
  std::vector<hub::v1::Plan> plans;
  hub::v1::ListPlansRequest request;
  request.set_page_size(1000);
  do {
    grpc::ClientContext context;
    PrepareContext(context, kReadDeadline);
    hub::v1::ListPlansResponse response;
    absl::Status status = FromGrpcStatus(stub->ListPlans(&context, request, &response));
    if (!status.ok()) return Fail(inv, "plans", status);
    for (auto& plan : *response.mutable_plans()) plans.push_back(std::move(plan));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  inv.out << FormatPlansTable(plans);
  return 0;
}

int RunProviders(Invocation& inv) {
  hub::v1::ListProvidersRequest request;
  request.set_page_size(1000);
  if (auto plan = inv.Flag("plan")) request.set_plan_id(*plan);
  if (auto kind = inv.Flag("kind")) {
    if (*kind == "ecm") {
      request.set_kind(hub::v1::PROVIDER_KIND_ECM);
    } else if (*kind == "cs") {
      request.set_kind(hub::v1::PROVIDER_KIND_CS);
    } else {
      inv.err << "hubctl: providers: --kind must be ecm or cs\n";
      return 2;
    }
  }
  auto stub = hub::v1::DirectoryService::NewStub(inv.channel);
  std::vector<hub::v1::Provider> providers;
  do {
    grpc::ClientContext context;
    PrepareContext(context, kReadDeadline);
    hub::v1::ListProvidersResponse response;
    absl::Status status = FromGrpcStatus(stub->ListProviders(&context, request, &response));
    if (!status.ok()) return Fail(inv, "providers", status);
    for (auto& provider : *response.mutable_providers()) providers.push_back(std::move(provider));
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  inv.out << FormatProvidersTable(providers);
  return 0;
}

int RunHealth(Invocation& inv) {
  absl::StatusOr<ServingStatus> health = CheckHealth(inv.channel, "", kReadDeadline);
  if (!health.ok()) return Fail(inv, "health", health.status());
  inv.out << ServingStatusName(*health) << "\n";
  return *health == ServingStatus::kServing ? 0 : 1;
}

int RunBackup(Invocation& inv) {
  auto stub = hub::v1::AdminService::NewStub(inv.channel);
  hub::v1::CreateBackupRequest request;
  if (auto label = inv.Flag("label")) request.set_label(*label);
  grpc::ClientContext context;
  PrepareContext(context, kBackupDeadline);
  hub::v1::CreateBackupResponse response;
  absl::Status status = FromGrpcStatus(stub->CreateBackup(&context, request, &response));
  if (!status.ok()) return Fail(inv, "backup", status);
  const absl::Time created = absl::FromUnixSeconds(response.create_time().seconds()) +
                             absl::Nanoseconds(response.create_time().nanos());
  TextTable table({"BACKUP ID", "CREATED (UTC)", "FILES", "SIZE BYTES"});
  table.AddRow({response.backup_id(),
                absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", created, absl::UTCTimeZone()),
                absl::StrCat(response.file_count()), absl::StrCat(response.size_bytes())});
  inv.out << table.Render();
  return 0;
}

// The command table. Keep it sorted by name as `hubctl --help` shows it.
const std::vector<Command>& Commands() {
  static const auto* const commands = new std::vector<Command>{
      {"backup", {"label"}, "[--label=L]",
       "write a checkpoint of the store under hubd's --backup_dir", &RunBackup},
      {"health", {}, "", "print SERVING or NOT_SERVING; exit 0 only if SERVING", &RunHealth},
      {"plans", {}, "", "list the plans of the county", &RunPlans},
      {"providers", {"plan", "kind"}, "[--plan=ID] [--kind=ecm|cs]",
       "list providers, optionally those contracted with a plan or of a kind", &RunProviders},
  };
  return *commands;
}

void PrintUsage(std::ostream& os) {
  os << "usage: hubctl [--server=HOST:PORT] <command> [flags]\n\n"
        "The server defaults to $HUB_SERVER, else "
     << kDefaultHubServer << ".\n\ncommands:\n";
  TextTable table({"", "", ""});
  for (const Command& c : Commands()) {
    table.AddRow({std::string(c.name), std::string(c.flags_usage), std::string(c.summary)});
  }
  // Skip the (empty) header line.
  std::string rendered = table.Render();
  os << rendered.substr(rendered.find('\n') + 1);
}

// Splits "--name=value" / "--name value" at args[*i]; advances *i past the
// value. False if args[*i] is not a flag or a value is missing.
bool TakeFlag(const std::vector<std::string>& args, size_t* i, std::string* name,
              std::string* value) {
  const std::string& arg = args[*i];
  if (arg.size() < 2 || arg[0] != '-') return false;
  std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
  size_t eq = body.find('=');
  if (eq != std::string::npos) {
    *name = body.substr(0, eq);
    *value = body.substr(eq + 1);
    return !name->empty();
  }
  *name = body;
  if (*name == "help" || *name == "h") return true;
  if (*i + 1 >= args.size()) return false;
  *value = args[++*i];
  return !name->empty();
}

}  // namespace

int RunHubctl(const std::vector<std::string>& args, std::string_view env_server,
              std::ostream& out, std::ostream& err) {
  std::string server = env_server.empty() ? kDefaultHubServer : std::string(env_server);
  size_t i = 0;
  // Global flags, before the command.
  for (; i < args.size() && !args[i].empty() && args[i][0] == '-'; ++i) {
    std::string name, value;
    if (!TakeFlag(args, &i, &name, &value)) {
      err << "hubctl: flag " << args[i] << " needs a value\n\n";
      PrintUsage(err);
      return 2;
    }
    if (name == "help" || name == "h") {
      PrintUsage(out);
      return 0;
    }
    if (name == "server" && value.empty()) {
      err << "hubctl: --server needs HOST:PORT, e.g. --server=127.0.0.1:50051\n";
      return 2;
    }
    if (name != "server") {
      err << "hubctl: unknown flag --" << name << "\n\n";
      PrintUsage(err);
      return 2;
    }
    server = value;
  }
  if (i >= args.size()) {
    err << "hubctl: missing command\n\n";
    PrintUsage(err);
    return 2;
  }
  const Command* command = nullptr;
  for (const Command& c : Commands()) {
    if (c.name == args[i]) command = &c;
  }
  if (command == nullptr) {
    err << "hubctl: unknown command \"" << args[i] << "\"\n\n";
    PrintUsage(err);
    return 2;
  }
  Invocation inv{server, {}, out, err, nullptr};
  for (++i; i < args.size(); ++i) {
    std::string name, value;
    const std::string arg = args[i];
    const bool is_flag = TakeFlag(args, &i, &name, &value);
    bool known = false;
    for (std::string_view f : command->flags) known = known || f == name;
    if (!is_flag || !known) {
      err << "hubctl: " << command->name << ": unexpected argument " << arg
          << "\nusage: hubctl [--server=HOST:PORT] " << command->name
          << (command->flags_usage.empty() ? "" : " ") << command->flags_usage << "\n";
      return 2;
    }
    inv.flags[name] = value;
  }
  inv.channel = grpc::CreateChannel(server, grpc::InsecureChannelCredentials());
  return command->run(inv);
}

}  // namespace hub
