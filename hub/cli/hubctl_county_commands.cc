// hubctl's county commands: the directory (plans, providers, plan,
// provider, profile), health, backup, consents, the audit log, parked
// records and the county's summary (hub/cli/hubctl_command.h).
#include <grpcpp/grpcpp.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "base/timestamp.h"
#include "hub/cli/cli_table.h"
#include "hub/cli/health_client.h"
#include "hub/cli/hubctl_command.h"
#include "hub/cli/hubctl_directory.h"
#include "hub/cli/hubctl_identity.h"
#include "hub/cli/hubctl_parked.h"
#include "hub/cli/hubctl_profile.h"
#include "hub/cli/hubctl_stats.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/admin_service.grpc.pb.h"
#include "hub/v1/directory_service.grpc.pb.h"

namespace hub::hubctl {

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
  const absl::Time created = FromTimestamp(response.create_time());
  TextTable table({"BACKUP ID", "CREATED (UTC)", "FILES", "SIZE BYTES"});
  table.AddRow({response.backup_id(),
                absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", created, absl::UTCTimeZone()),
                absl::StrCat(response.file_count()), absl::StrCat(response.size_bytes())});
  inv.out << table.Render();
  return 0;
}

int RunPlan(Invocation& inv) {
  return PlanCommand(inv.channel, inv.args.empty() ? "" : inv.args[0], inv.flags, inv.out, inv.err);
}

int RunProfile(Invocation& inv) { return ProfileCommand(inv.args, inv.out, inv.err); }

int RunProvider(Invocation& inv) {
  return ProviderCommand(inv.channel, inv.args.empty() ? "" : inv.args[0], inv.flags, inv.out,
                         inv.err);
}

int RunConsent(Invocation& inv) {
  return RunConsentCommand({inv.channel, inv.flags, inv.args}, inv.out, inv.err);
}
int RunAudit(Invocation& inv) {
  return RunAuditCommand({inv.channel, inv.flags, inv.args}, inv.out, inv.err);
}

// Parked records (hub/cli/hubctl_parked.h).
int RunParked(Invocation& inv) {
  return RunParkedCommand({inv.channel, inv.flags, inv.args}, inv.out, inv.err);
}

// `hubctl stats`: see hub/cli/hubctl_stats.h.
int RunStats(Invocation& inv) {
  constexpr char kUsage[] = "usage: hubctl stats [--window=24h] [--json]\n";
  StatsCommandOptions options;
  if (auto window = inv.Flag("window")) {
    absl::Duration d;
    if (!absl::ParseDuration(*window, &d) || d < absl::Minutes(1) || d > absl::Hours(24 * 31)) {
      inv.err << "hubctl: stats: --window must be a duration from 1m to 744h, e.g. 1h, 24h, "
                 "168h\n"
              << kUsage;
      return 2;
    }
    options.window_seconds = absl::ToInt64Seconds(d);
  }
  const std::optional<std::string> json = inv.Flag("json");
  options.json = json.has_value() && *json != "false" && *json != "0";
  return StatsCommand(inv.channel, inv.server, options, inv.out, inv.err);
}

}  // namespace hub::hubctl
