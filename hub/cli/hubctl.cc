#include "hub/cli/hubctl.h"

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hub/cli/cli_table.h"
#include "hub/cli/hubctl_command.h"
#include "hub/cli/hubctl_identity.h"

namespace hub {
namespace hubctl {
namespace {

// The command table. Keep it sorted by name as `hubctl --help` shows it.
const std::vector<Command>& Commands() {
  static const auto* const commands = new std::vector<Command>{
      {"audit",
       {"org", "member", "since", "until"},
       "verify | query [--org=ORG] [--member=CIN|mbr_...] [--since=T] [--until=T]",
       "verify the audit log's hash chain, or list its records (county administrator)",
       &RunAudit,
       1},
      {"backup",
       {"label"},
       "[--label=L]",
       "write a checkpoint of the store under hubd's --backup_dir",
       &RunBackup},
      {"billing",
       {"provider"},
       "--provider=ID",
       "list a provider's service and invoice lines: billed on which file and claim, or why not",
       &RunBilling},
      {"careplan",
       {"provider", "cin"},
       "--provider=ID --cin=CIN",
       "print a member's latest care plan, if the provider serves the member",
       &RunCarePlan},
      {"consent",
       {"member", "purposes", "signed", "expires", "provider", "discloser", "recipient"},
       "grant|revoke|list [CONSENT_ID] [--member=CIN] [--provider=ID] ...",
       "record, revoke or list members' 42 CFR Part 2 consents",
       &RunConsent,
       2},
      {"export",
       {"plan", "kind", "period", "out"},
       "--plan=ID --kind=rtf|otf|invoice|837p --period=YYYY-MM [--out=DIR] | --plan=ID --fhir",
       "write one of a plan's files for a month into DIR (default .), named by the hub; "
       "--fhir: the plan's FHIR R4 bulk export (one NDJSON per resource type + manifest.json)",
       &RunExport,
       0,
       {"fhir"}},
      {"health", {}, "", "print SERVING or NOT_SERVING; exit 0 only if SERVING", &RunHealth},
      {"parked",
       {"state", "plan", "reason"},
       "list [--state=open|parked|rerunning|resolved|discarded] [--plan=ID] | show ID | "
       "rerun ID | discard ID --reason=TEXT",
       "the county's parked records: list or show them, rerun one once, or discard it with a "
       "reason (county administrator; the analyst lists and shows)",
       &RunParked,
       2},
      {"plan",
       {"plan", "name", "county", "dhcs_plan_code", "adapter_profile"},
       "create|update --plan=ID [--name=N] [--county=C] [--dhcs_plan_code=X] "
       "[--adapter_profile=P]",
       "add a plan or change its fields (the hub compiles its adapter profile first)",
       &RunPlan,
       1},
      {"plans", {}, "", "list the plans of the county", &RunPlans},
      {"profile",
       {},
       "check FILE PROFILE [KIND]",
       "dry-run a plan file against an adapter profile, without a hub (runs hubprofile)",
       &RunProfile,
       4},
      {"provider",
       {"provider", "file", "fields"},
       "create --file=P.textproto | update --provider=ID --file=P.textproto --fields=a,b",
       "add a provider (a hub.v1.Provider in text format) or change named fields",
       &RunProvider,
       1},
      {"providers",
       {"plan", "kind"},
       "[--plan=ID] [--kind=ecm|cs]",
       "list providers, optionally those contracted with a plan or of a kind",
       &RunProviders},
      {"pull",
       {"plan", "kinds", "max"},
       "--plan=ID [--kinds=K,...] [--max=N] [--ack] [--follow] [--json]",
       "print a plan's feed from its cursor, one line per item; --ack acknowledges it",
       &RunPull,
       0,
       {"ack", "follow", "json"}},
      {"quality",
       {"provider", "period"},
       "--provider=ID [--period=P]",
       "list every plan's quality reports about a provider",
       &RunQuality},
      {"report",
       {"all", "plan", "quarter", "out"},
       "REPORT_ID [--all] | quarterly --plan=ID|--county --quarter=YYYYQn [--out=DIR]",
       "print a past ingest report (--all: every rejected row); quarterly: write a plan's "
       "quarterly ECM/CS monitoring workbook (.xlsx) and one CSV per tab into DIR (--county: the "
       "roll-up across plans)",
       &RunReport,
       1,
       {"all", "county"}},
      {"reports", {"plan"}, "--plan=ID", "list a plan's ingest reports, newest first", &RunReports},
      {"stats",
       {"window"},
       "[--window=24h] [--json]",
       "the county's summary: flows, backlogs, rejections, outreach, RTFs, capacity, alerts",
       &RunStats,
       0,
       {"json"}},
      {"submit",
       {"provider"},
       "--provider=ID FILE",
       "submit a CBO CSV (docs/cbo-csv-template.md) or JSON lines of hub.v1.Submission (.jsonl) "
       "and print the per-record report",
       &RunSubmit,
       1},
      {"upload",
       {"plan", "kind"},
       "--plan=ID --kind=assignment|authorization|quality|999|277ca|835 FILE",
       "upload a plan's native file and print the hub's report (exit 1 if REJECTED)",
       &RunUpload,
       1},
      {"worklist",
       {"provider", "plan", "as_of"},
       "--provider=ID [--plan=P] [--as_of=YYYY-MM-DD]",
       "print a provider's worklist across plans: status, units left, outreach due",
       &RunWorklist},
  };
  return *commands;
}

void PrintUsage(std::ostream& os) {
  os << "usage: hubctl [--server=HOST:PORT] [--tls_dir=DIR | --tls_cert_file=F --tls_key_file=F "
        "--tls_ca_file=F] [--tls_server_name=NAME] <command> [flags]\n\n"
        "The server defaults to $HUB_SERVER, else "
     << kDefaultHubServer
     << ".\nTLS: --tls_dir is a folder with tls.crt, tls.key and ca.crt; the environment's\n"
        "HUB_TLS_DIR, HUB_TLS_CERT_FILE, HUB_TLS_KEY_FILE, HUB_TLS_CA_FILE and\n"
        "HUB_TLS_SERVER_NAME apply when the flags are not given; without any, plaintext.\n"
        "\ncommands:\n";
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

// Reads the global flags before the command into *server and *tls_flags,
// advancing *i to the command. Returns -1 to go on, else the exit code.
int ParseGlobalFlags(const std::vector<std::string>& args, size_t* i, std::string* server,
                     std::map<std::string, std::string>* tls_flags, std::ostream& out,
                     std::ostream& err) {
  for (; *i < args.size() && !args[*i].empty() && args[*i][0] == '-'; ++*i) {
    std::string name, value;
    if (!TakeFlag(args, i, &name, &value)) {
      err << "hubctl: flag " << args[*i] << " needs a value\n\n";
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
    if (IsTlsFlag(name)) {
      (*tls_flags)[name] = value;
      continue;
    }
    if (name != "server") {
      err << "hubctl: unknown flag --" << name << "\n\n";
      PrintUsage(err);
      return 2;
    }
    *server = value;
  }
  return -1;
}

// Reads the command's flags and positional arguments from args[i] on into
// `inv`. Returns -1 to go on, else the exit code (2, usage printed).
int ParseCommandArgs(const Command& c, const std::vector<std::string>& args, size_t i,
                     Invocation& inv, std::ostream& err) {
  const Command* command = &c;
  for (; i < args.size(); ++i) {
    std::string name, value;
    const std::string arg = args[i];
    if (arg.size() >= 2 && arg[0] == '-') {
      // A flag without a value: "--all" (or "--all=false").
      const std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
      const size_t eq = body.find('=');
      const std::string flag_name = body.substr(0, eq);
      bool is_bool = false;
      for (std::string_view f : command->bool_flags) is_bool = is_bool || f == flag_name;
      if (is_bool) {
        inv.flags[flag_name] = eq == std::string::npos ? "true" : body.substr(eq + 1);
        continue;
      }
    } else if (inv.args.size() < command->max_args) {
      inv.args.push_back(arg);
      continue;
    }
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
  return -1;
}

}  // namespace
}  // namespace hubctl

int RunHubctl(const std::vector<std::string>& args, std::string_view env_server, std::ostream& out,
              std::ostream& err) {
  using hubctl::Command;
  using hubctl::Invocation;
  std::string server = env_server.empty() ? kDefaultHubServer : std::string(env_server);
  std::map<std::string, std::string> tls_flags;
  size_t i = 0;
  // Global flags, before the command.
  if (int code = hubctl::ParseGlobalFlags(args, &i, &server, &tls_flags, out, err); code >= 0) {
    return code;
  }
  if (i >= args.size()) {
    err << "hubctl: missing command\n\n";
    hubctl::PrintUsage(err);
    return 2;
  }
  const Command* command = nullptr;
  for (const Command& c : hubctl::Commands()) {
    if (c.name == args[i]) command = &c;
  }
  if (command == nullptr) {
    err << "hubctl: unknown command \"" << args[i] << "\"\n\n";
    hubctl::PrintUsage(err);
    return 2;
  }
  Invocation inv{server, {}, out, err, nullptr, {}};
  if (int code = hubctl::ParseCommandArgs(*command, args, i + 1, inv, err); code >= 0) {
    return code;
  }
  const auth::TlsClientFiles tls = TlsFromFlagsAndEnv(tls_flags);
  inv.tls = tls.enabled();
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = HubctlChannel(server, tls);
  if (!channel.ok()) {
    err << "hubctl: " << channel.status().message() << "\n";
    return 2;
  }
  inv.channel = *std::move(channel);
  return command->run(inv);
}

}  // namespace hub
