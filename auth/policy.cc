#include "auth/policy.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/identifiers.h"
#include "base/string_view.h"

namespace hub::auth {
namespace {

constexpr uint32_t kProvider = RoleBit(Role::kProvider);
constexpr uint32_t kPlan = RoleBit(Role::kPlan);
constexpr uint32_t kAnalyst = RoleBit(Role::kCountyAnalyst);
constexpr uint32_t kAdmin = RoleBit(Role::kCountyAdmin);
constexpr uint32_t kAll = kProvider | kPlan | kAnalyst | kAdmin;

// The string value at dotted `path` of `message`; false if a field on the
// way does not exist or is not a singular string / message.
bool FieldValue(const google::protobuf::Message& message, std::string_view path,
                std::string* value) {
  const google::protobuf::Message* current = &message;
  std::vector<absl::string_view> parts = absl::StrSplit(Absl(path), '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    const google::protobuf::FieldDescriptor* field =
        current->GetDescriptor()->FindFieldByName(std::string(parts[i]));
    if (field == nullptr || field->is_repeated()) return false;
    const google::protobuf::Reflection* reflection = current->GetReflection();
    if (i + 1 == parts.size()) {
      if (field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) return false;
      *value = reflection->GetString(*current, field);
      return true;
    }
    if (field->type() != google::protobuf::FieldDescriptor::TYPE_MESSAGE) return false;
    current = &reflection->GetMessage(*current, field);
  }
  return false;
}

}  // namespace

const std::vector<MethodPolicy>& PolicyTable() {
  static const auto* const table = new std::vector<MethodPolicy>{
      // The directory: organizations, no PHI. Everyone reads; the county
      // administrator writes.
      {"/hub.v1.DirectoryService/ListPlans", kAll},
      {"/hub.v1.DirectoryService/GetPlan", kAll},
      {"/hub.v1.DirectoryService/ListProviders", kAll},
      {"/hub.v1.DirectoryService/GetProvider", kAll},
      {"/hub.v1.DirectoryService/CreatePlan", kAdmin},
      {"/hub.v1.DirectoryService/UpdatePlan", kAdmin},
      {"/hub.v1.DirectoryService/CreateProvider", kAdmin},
      {"/hub.v1.DirectoryService/UpdateProvider", kAdmin},
      // Backups: the county administrator.
      {"/hub.v1.AdminService/CreateBackup", kAdmin},
      // Parked records: the county's. The analyst lists and shows them
      // (ids and reason codes only); the administrator also reruns and
      // discards (and sees the stored record: PHI).
      {"/hub.v1.AdminService/ListParkedRecords", kAnalyst | kAdmin},
      {"/hub.v1.AdminService/GetParkedRecord", kAnalyst | kAdmin, true},
      {"/hub.v1.AdminService/RerunParkedRecord", kAdmin, true},
      {"/hub.v1.AdminService/DiscardParkedRecord", kAdmin, true},
      // A plan: its own files, reports, feed and exports.
      {"/hub.v1.PlanService/UploadFile", kPlan, true, "", "header.plan_id"},
      {"/hub.v1.PlanService/GetIngestReport", kPlan, true, "", "report_id"},
      {"/hub.v1.PlanService/ListIngestReports", kPlan, true, "", "plan_id"},
      {"/hub.v1.PlanService/PullFeed", kPlan, true, "", "plan_id"},
      {"/hub.v1.PlanService/Ack", kPlan, true, "", "plan_id"},
      {"/hub.v1.PlanService/ExportFile", kPlan, true, "", "plan_id"},
      // A provider: its own submissions, worklist, feedback and reports.
      {"/hub.v1.ProviderService/Submit", kProvider, true, "provider_id"},
      {"/hub.v1.ProviderService/UploadFile", kProvider, true, "header.provider_id"},
      {"/hub.v1.ProviderService/ListMembers", kProvider, true, "provider_id"},
      {"/hub.v1.ProviderService/ListFeedback", kProvider, true, "provider_id"},
      {"/hub.v1.ProviderService/ListQualityReports", kProvider, true, "provider_id"},
      {"/hub.v1.ProviderService/GetCarePlan", kProvider, true, "provider_id"},
      // Part 2 consents: the disclosing provider, or the administrator.
      {"/hub.v1.ConsentService/RecordConsent", kProvider | kAdmin, true, "provider_id"},
      {"/hub.v1.ConsentService/RevokeConsent", kProvider | kAdmin, true, "provider_id"},
      {"/hub.v1.ConsentService/ListConsents", kProvider | kAdmin, true, "provider_id"},
      // The audit log: the administrator.
      {"/hub.v1.AuditService/QueryAudit", kAdmin},
      {"/hub.v1.AuditService/VerifyAudit", kAdmin},
      // County monitoring: aggregates only, for the analyst.
      {"/hub.v1.MonitorService/*", kAnalyst},
      // Health and the schema (no data).
      {"/grpc.health.v1.Health/Check", kAll},
      {"/grpc.health.v1.Health/Watch", kAll},
      {"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", kAll},
      // Clients (buf curl) try v1 first and fall back to v1alpha only on
      // UNIMPLEMENTED, which gRPC answers once the policy lets the call in.
      {"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", kAll},
  };
  return *table;
}

const MethodPolicy* FindPolicy(std::string_view method) {
  const MethodPolicy* wildcard = nullptr;
  const size_t slash = method.rfind('/');
  const std::string service_wildcard =
      slash == std::string_view::npos ? "" : absl::StrCat(Absl(method.substr(0, slash)), "/*");
  for (const MethodPolicy& row : PolicyTable()) {
    if (row.method == method) return &row;
    if (!service_wildcard.empty() && row.method == service_wildcard) wildcard = &row;
  }
  return wildcard;
}

bool IsAllowed(std::string_view method, Role role) {
  const MethodPolicy* row = FindPolicy(method);
  return row != nullptr && (row->roles & RoleBit(role)) != 0;
}

absl::Status CheckAllowed(std::string_view method, Role role, std::string_view organization) {
  const MethodPolicy* row = FindPolicy(method);
  if (row == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(Absl(method), " is not in the hub's access policy, so no one may call it"));
  }
  if ((row->roles & RoleBit(role)) != 0) return absl::OkStatus();
  std::vector<std::string> allowed;
  for (Role r : kAllRoles) {
    if (row->roles & RoleBit(r)) allowed.emplace_back(RoleName(r));
  }
  return absl::PermissionDeniedError(
      absl::StrCat(Absl(organization), " (role ", Absl(RoleName(role)), ") may not call ",
                   Absl(method), "; it is open to: ", absl::StrJoin(allowed, ", "),
                   ". Use the certificate of an organization with that role"));
}

absl::Status CheckScope(const Identity& caller, std::string_view method,
                        const google::protobuf::Message& request) {
  if (caller.kind == Identity::Kind::kLocal || caller.kind == Identity::Kind::kCounty) {
    return absl::OkStatus();
  }
  const MethodPolicy* row = FindPolicy(method);
  if (row == nullptr) {
    return absl::PermissionDeniedError(
        absl::StrCat(Absl(method), " is not in the hub's access policy, so no one may call it"));
  }
  const bool plan = caller.kind == Identity::Kind::kPlan;
  const std::string_view field = plan ? row->plan_field : row->provider_field;
  const uint32_t bit = RoleBit(plan ? Role::kPlan : Role::kProvider);
  if ((row->roles & bit) == 0) {
    return CheckAllowed(method, plan ? Role::kPlan : Role::kProvider, caller.Organization());
  }
  if (field.empty()) return absl::OkStatus();
  std::string value;
  if (!FieldValue(request, field, &value)) {
    return absl::PermissionDeniedError(
        absl::StrCat("the hub cannot tell whose data ", Absl(method), " asks for"));
  }
  if (plan && field == "report_id") {
    if (value.rfind(caller.id + "-", 0) == 0) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat("your certificate identifies plan ", caller.id,
                     "; a plan may only read its own ingest reports (ids starting with \"",
                     caller.id, "-\"); ListIngestReports lists them"));
  }
  if (value == caller.id) return absl::OkStatus();
  // A malformed id is a bad request, whoever sends it (and is never echoed).
  const absl::Status shape = plan ? ValidatePlanId(value) : ValidateProviderId(value);
  if (!shape.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Absl(field), shape.message().substr(shape.message().find(' '))));
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "your certificate identifies ", caller.Organization(), "; this request's ", Absl(field),
      " names another ", plan ? "plan" : "provider", ": a ", plan ? "plan" : "provider",
      " may only act as itself; set ", Absl(field), " to \"", caller.id, "\""));
}

}  // namespace hub::auth
