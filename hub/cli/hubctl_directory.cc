#include "hub/cli/hubctl_directory.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "google/protobuf/text_format.h"
#include "hub/cli/hubctl_command.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/directory_service.grpc.pb.h"

namespace hub {
namespace {

constexpr absl::Duration kWriteDeadline = absl::Seconds(30);
constexpr const char* kPlanFields[] = {"name", "county", "dhcs_plan_code", "adapter_profile"};

int Refused(std::ostream& err, const std::string& what, const grpc::Status& status) {
  const absl::Status s = FromGrpcStatus(status);
  err << "hubctl: " << what << ": " << s.message() << " (" << absl::StatusCodeToString(s.code())
      << ")\n";
  return 1;
}

void PrintPlan(std::ostream& out, const hub::v1::Plan& plan) {
  out << "plan_id          " << plan.plan_id() << "\n"
      << "name             " << plan.name() << "\n"
      << "county           " << plan.county() << "\n"
      << "dhcs_plan_code   " << plan.dhcs_plan_code() << "\n"
      << "adapter_profile  " << plan.adapter_profile() << "\n";
}

}  // namespace

int PlanCommand(const std::shared_ptr<grpc::Channel>& channel, const std::string& verb,
                const std::map<std::string, std::string>& flags, std::ostream& out,
                std::ostream& err) {
  const std::optional<std::string> id = hubctl::OptionalFlag(flags, "plan");
  if ((verb != "create" && verb != "update") || !id) {
    err << "usage: hubctl plan create|update --plan=ID [--name=N] [--county=C] "
           "[--dhcs_plan_code=X] [--adapter_profile=P]\n";
    return 2;
  }
  hub::v1::Plan plan;
  plan.set_plan_id(*id);
  std::vector<std::string> mask;
  for (const char* field : kPlanFields) {
    const std::optional<std::string> value = hubctl::OptionalFlag(flags, field);
    if (!value) continue;
    mask.push_back(field);
    const auto* f = plan.GetDescriptor()->FindFieldByName(field);
    plan.GetReflection()->SetString(&plan, f, *value);
  }
  auto stub = hub::v1::DirectoryService::NewStub(channel);
  grpc::ClientContext context;
  hubctl::PrepareContext(context, kWriteDeadline);
  grpc::Status status;
  hub::v1::Plan stored;
  if (verb == "create") {
    hub::v1::CreatePlanRequest request;
    *request.mutable_plan() = plan;
    hub::v1::CreatePlanResponse response;
    status = stub->CreatePlan(&context, request, &response);
    stored = response.plan();
  } else {
    if (mask.empty()) {
      err << "hubctl: plan update: name at least one of --name, --county, --dhcs_plan_code, "
             "--adapter_profile\n";
      return 2;
    }
    hub::v1::UpdatePlanRequest request;
    *request.mutable_plan() = plan;
    for (const std::string& path : mask) request.mutable_update_mask()->add_paths(path);
    hub::v1::UpdatePlanResponse response;
    status = stub->UpdatePlan(&context, request, &response);
    stored = response.plan();
  }
  if (!status.ok()) return Refused(err, absl::StrCat("plan ", verb), status);
  PrintPlan(out, stored);
  return 0;
}

int ProviderCommand(const std::shared_ptr<grpc::Channel>& channel, const std::string& verb,
                    const std::map<std::string, std::string>& flags, std::ostream& out,
                    std::ostream& err) {
  const std::optional<std::string> file = hubctl::OptionalFlag(flags, "file");
  if ((verb != "create" && verb != "update") || !file ||
      (verb == "update" &&
       (!hubctl::OptionalFlag(flags, "provider") || !hubctl::OptionalFlag(flags, "fields")))) {
    err << "usage: hubctl provider create --file=PROVIDER.textproto\n"
           "       hubctl provider update --provider=ID --file=PROVIDER.textproto "
           "--fields=name,phone,...\n";
    return 2;
  }
  std::ifstream in(*file, std::ios::binary);
  if (!in) {
    err << "hubctl: provider " << verb << ": cannot read " << *file << "\n";
    return 1;
  }
  std::stringstream text;
  text << in.rdbuf();
  hub::v1::Provider provider;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &provider)) {
    err << "hubctl: provider " << verb << ": " << *file
        << " is not a hub.v1.Provider in protobuf text format (see "
           "demo/san_diego/directory.textproto for examples)\n";
    return 2;
  }
  auto stub = hub::v1::DirectoryService::NewStub(channel);
  grpc::ClientContext context;
  hubctl::PrepareContext(context, kWriteDeadline);
  grpc::Status status;
  hub::v1::Provider stored;
  if (verb == "create") {
    hub::v1::CreateProviderRequest request;
    *request.mutable_provider() = provider;
    hub::v1::CreateProviderResponse response;
    status = stub->CreateProvider(&context, request, &response);
    stored = response.provider();
  } else {
    provider.set_provider_id(*hubctl::OptionalFlag(flags, "provider"));
    hub::v1::UpdateProviderRequest request;
    *request.mutable_provider() = provider;
    for (absl::string_view path :
         absl::StrSplit(*hubctl::OptionalFlag(flags, "fields"), ',', absl::SkipEmpty())) {
      request.mutable_update_mask()->add_paths(std::string(path));
    }
    hub::v1::UpdateProviderResponse response;
    status = stub->UpdateProvider(&context, request, &response);
    stored = response.provider();
  }
  if (!status.ok()) return Refused(err, absl::StrCat("provider ", verb), status);
  std::string printed;
  google::protobuf::TextFormat::PrintToString(stored, &printed);
  out << printed;
  return 0;
}

}  // namespace hub
