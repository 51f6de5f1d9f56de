#include "hub/rpc/directory_service.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "hub/common/log.h"
#include "hub/common/paging.h"
#include "hub/common/rpc_status.h"
#include "hub/common/update_mask.h"
#include "hub/directory/directory_validation.h"

namespace hub {
namespace {

using ::hub::v1::Plan;
using ::hub::v1::Provider;

constexpr char kPlansToken[] = "plans";
constexpr char kProvidersToken[] = "providers";

// A NotFound from the store, reworded as a sentence for the client.
absl::Status PlanNotFound(absl::string_view plan_id) {
  return absl::NotFoundError(
      absl::StrCat("no plan has plan_id \"", plan_id, "\"; ListPlans shows the plans of this hub"));
}

absl::Status ProviderNotFound(absl::string_view what, absl::string_view value) {
  return absl::NotFoundError(absl::StrCat("no provider has ", what, " \"", value,
                                          "\"; ListProviders shows the providers of this hub"));
}

// The token's last id, checked with `validate` so a forged token cannot
// smuggle an arbitrary key into the store.
absl::StatusOr<std::string> DecodeToken(std::string_view kind, std::string_view token,
                                        absl::Status (*validate)(std::string_view)) {
  ASSIGN_OR_RETURN(std::string last, DecodePageToken(kind, token));
  if (!last.empty() && !validate(last).ok()) {
    return InvalidPageTokenError();
  }
  return last;
}

bool HasKind(const google::protobuf::RepeatedField<int>& kinds, int kind) {
  for (int k : kinds) {
    if (k == kind) return true;
  }
  return false;
}

// Filters of ListProviders. With both plan_id and kind, the kind must be
// one the provider serves that plan for (a contract listing no kinds
// covers all of the provider's kinds).
bool ProviderMatches(const Provider& provider, const hub::v1::ListProvidersRequest& request) {
  const bool by_kind = request.kind() != hub::v1::PROVIDER_KIND_UNSPECIFIED;
  if (by_kind && !HasKind(provider.kinds(), request.kind())) return false;
  if (!request.plan_id().empty()) {
    const hub::v1::PlanContract* contract = nullptr;
    for (const hub::v1::PlanContract& c : provider.contracts()) {
      if (c.plan_id() == request.plan_id()) contract = &c;
    }
    if (contract == nullptr) return false;
    if (by_kind && !contract->kinds().empty() && !HasKind(contract->kinds(), request.kind())) {
      return false;
    }
  }
  if (request.community_support() != hub::v1::COMMUNITY_SUPPORT_UNSPECIFIED &&
      !HasKind(provider.community_supports(), request.community_support())) {
    return false;
  }
  return true;
}

}  // namespace

// --- gRPC handlers: each finishes the default reactor with the Do* result.

grpc::ServerUnaryReactor* DirectoryService::ListPlans(grpc::CallbackServerContext* context,
                                                      const hub::v1::ListPlansRequest* request,
                                                      hub::v1::ListPlansResponse* response) {
  return FinishUnary(context, DoListPlans(*request, *response));
}
grpc::ServerUnaryReactor* DirectoryService::GetPlan(grpc::CallbackServerContext* context,
                                                    const hub::v1::GetPlanRequest* request,
                                                    hub::v1::GetPlanResponse* response) {
  return FinishUnary(context, DoGetPlan(*request, *response));
}
grpc::ServerUnaryReactor* DirectoryService::CreatePlan(grpc::CallbackServerContext* context,
                                                       const hub::v1::CreatePlanRequest* request,
                                                       hub::v1::CreatePlanResponse* response) {
  return FinishUnary(context, DoCreatePlan(*request, *response));
}
grpc::ServerUnaryReactor* DirectoryService::UpdatePlan(grpc::CallbackServerContext* context,
                                                       const hub::v1::UpdatePlanRequest* request,
                                                       hub::v1::UpdatePlanResponse* response) {
  return FinishUnary(context, DoUpdatePlan(*request, *response));
}
grpc::ServerUnaryReactor* DirectoryService::ListProviders(
    grpc::CallbackServerContext* context, const hub::v1::ListProvidersRequest* request,
    hub::v1::ListProvidersResponse* response) {
  return FinishUnary(context, DoListProviders(*request, *response));
}
grpc::ServerUnaryReactor* DirectoryService::GetProvider(grpc::CallbackServerContext* context,
                                                        const hub::v1::GetProviderRequest* request,
                                                        hub::v1::GetProviderResponse* response) {
  return FinishUnary(context, DoGetProvider(*request, *response));
}
grpc::ServerUnaryReactor* DirectoryService::CreateProvider(
    grpc::CallbackServerContext* context, const hub::v1::CreateProviderRequest* request,
    hub::v1::CreateProviderResponse* response) {
  return FinishUnary(context, DoCreateProvider(*request, *response));
}
grpc::ServerUnaryReactor* DirectoryService::UpdateProvider(
    grpc::CallbackServerContext* context, const hub::v1::UpdateProviderRequest* request,
    hub::v1::UpdateProviderResponse* response) {
  return FinishUnary(context, DoUpdateProvider(*request, *response));
}

// --- Plans.

absl::Status DirectoryService::CheckProfile(const Plan& plan) const {
  if (adapters_ == nullptr || plan.adapter_profile().empty()) return absl::OkStatus();
  absl::StatusOr<const LoadedPlanProfile*> profile = adapters_->GetProfile(plan.adapter_profile());
  if (profile.ok()) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      "the adapter profile \"", plan.adapter_profile(),
      "\" cannot read this plan's files, so the plan was not saved: ", profile.status().message(),
      " (check it with `hubctl profile check FILE PROFILE`, fix it, then try again)"));
}

absl::Status DirectoryService::DoListPlans(const hub::v1::ListPlansRequest& request,
                                           hub::v1::ListPlansResponse& response) {
  ASSIGN_OR_RETURN(int page_size, EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(std::string after,
                   DecodeToken(kPlansToken, request.page_token(), &ValidatePlanId));
  // One more than the page tells whether another page exists.
  ASSIGN_OR_RETURN(std::vector<Plan> plans, directory_->ListPlans(after, page_size + 1));
  const bool more = static_cast<int>(plans.size()) > page_size;
  if (more) plans.resize(page_size);
  for (Plan& plan : plans) *response.add_plans() = std::move(plan);
  if (more) {
    response.set_next_page_token(
        EncodePageToken(kPlansToken, response.plans(response.plans_size() - 1).plan_id()));
  }
  return absl::OkStatus();
}

absl::Status DirectoryService::DoGetPlan(const hub::v1::GetPlanRequest& request,
                                         hub::v1::GetPlanResponse& response) {
  RETURN_IF_ERROR(ValidatePlanId(request.plan_id()));
  absl::StatusOr<Plan> plan = directory_->GetPlan(request.plan_id());
  if (absl::IsNotFound(plan.status())) return PlanNotFound(request.plan_id());
  RETURN_IF_ERROR(plan.status());
  *response.mutable_plan() = *std::move(plan);
  return absl::OkStatus();
}

absl::Status DirectoryService::DoCreatePlan(const hub::v1::CreatePlanRequest& request,
                                            hub::v1::CreatePlanResponse& response) {
  const Plan& plan = request.plan();
  RETURN_IF_ERROR(ValidatePlan(plan));
  RETURN_IF_ERROR(CheckProfile(plan));
  absl::Status created = directory_->CreatePlan(plan);
  if (absl::IsAlreadyExists(created)) {
    return absl::AlreadyExistsError(absl::StrCat("plan_id \"", plan.plan_id(),
                                                 "\" is already taken; choose another id, or "
                                                 "use UpdatePlan to change that plan"));
  }
  RETURN_IF_ERROR(created);
  log::Info("plan_created", {{"plan_id", plan.plan_id()}});
  *response.mutable_plan() = plan;
  return absl::OkStatus();
}

absl::Status DirectoryService::DoUpdatePlan(const hub::v1::UpdatePlanRequest& request,
                                            hub::v1::UpdatePlanResponse& response) {
  const std::string& plan_id = request.plan().plan_id();
  if (plan_id.empty()) {
    return absl::InvalidArgumentError("plan.plan_id is required: it selects the plan to update");
  }
  RETURN_IF_ERROR(ValidatePlanId(plan_id));
  absl::MutexLock lock(&update_mu_);
  absl::StatusOr<Plan> stored = directory_->GetPlan(plan_id);
  if (absl::IsNotFound(stored.status())) return PlanNotFound(plan_id);
  RETURN_IF_ERROR(stored.status());
  RETURN_IF_ERROR(ApplyUpdateMask(request.plan(), request.update_mask(), "plan_id", &*stored));
  RETURN_IF_ERROR(ValidatePlan(*stored));
  RETURN_IF_ERROR(CheckProfile(*stored));
  absl::Status updated = directory_->UpdatePlan(*stored);
  if (absl::IsNotFound(updated)) return PlanNotFound(plan_id);
  RETURN_IF_ERROR(updated);
  log::Info("plan_updated", {{"plan_id", plan_id}});
  *response.mutable_plan() = *std::move(stored);
  return absl::OkStatus();
}

// --- Providers.

absl::Status DirectoryService::DoListProviders(const hub::v1::ListProvidersRequest& request,
                                               hub::v1::ListProvidersResponse& response) {
  ASSIGN_OR_RETURN(int page_size, EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(std::string after,
                   DecodeToken(kProvidersToken, request.page_token(), &ValidateProviderId));
  if (!request.plan_id().empty()) RETURN_IF_ERROR(ValidatePlanId(request.plan_id()));
  // Scan in provider_id order, keeping matches, until one match more than a
  // page is found (so next_page_token is set only when a next page exists)
  // or the directory ends.
  const int batch_size = std::max(page_size + 1, 256);
  std::vector<Provider> matches;
  bool more = false;
  while (!more) {
    ASSIGN_OR_RETURN(std::vector<Provider> batch, directory_->ListProviders(after, batch_size));
    if (batch.empty()) break;
    // Taken before matches are moved out of the batch.
    std::string last_id = batch.back().provider_id();
    for (Provider& provider : batch) {
      if (!ProviderMatches(provider, request)) continue;
      if (static_cast<int>(matches.size()) == page_size) {
        more = true;
        break;
      }
      matches.push_back(std::move(provider));
    }
    if (static_cast<int>(batch.size()) < batch_size) break;
    after = std::move(last_id);
  }
  for (Provider& provider : matches) *response.add_providers() = std::move(provider);
  if (more) {
    response.set_next_page_token(EncodePageToken(
        kProvidersToken, response.providers(response.providers_size() - 1).provider_id()));
  }
  return absl::OkStatus();
}

absl::Status DirectoryService::DoGetProvider(const hub::v1::GetProviderRequest& request,
                                             hub::v1::GetProviderResponse& response) {
  absl::StatusOr<Provider> provider;
  switch (request.key_case()) {
    case hub::v1::GetProviderRequest::kProviderId:
      RETURN_IF_ERROR(ValidateProviderId(request.provider_id()));
      provider = directory_->GetProvider(request.provider_id());
      if (absl::IsNotFound(provider.status())) {
        return ProviderNotFound("provider_id", request.provider_id());
      }
      break;
    case hub::v1::GetProviderRequest::kNpi:
      RETURN_IF_ERROR(ValidateNpi(request.npi()));
      provider = directory_->GetProviderByNpi(request.npi());
      if (absl::IsNotFound(provider.status())) return ProviderNotFound("NPI", request.npi());
      break;
    default:
      return absl::InvalidArgumentError("set provider_id or npi to say which provider to return");
  }
  RETURN_IF_ERROR(provider.status());
  *response.mutable_provider() = *std::move(provider);
  return absl::OkStatus();
}

namespace {

// PlanExists backed by the store.
PlanExists StorePlanExists(const storage::DirectoryStore* directory) {
  return [directory](std::string_view plan_id) -> absl::StatusOr<bool> {
    absl::StatusOr<Plan> plan = directory->GetPlan(plan_id);
    if (plan.ok()) return true;
    if (absl::IsNotFound(plan.status())) return false;
    return plan.status();
  };
}

// AlreadyExists naming the provider that holds `npi`, if another does.
absl::Status CheckNpiFree(const storage::DirectoryStore& directory, const std::string& npi,
                          const std::string& provider_id) {
  absl::StatusOr<Provider> holder = directory.GetProviderByNpi(npi);
  if (absl::IsNotFound(holder.status())) return absl::OkStatus();
  RETURN_IF_ERROR(holder.status());
  if (holder->provider_id() == provider_id) return absl::OkStatus();
  return absl::AlreadyExistsError(
      absl::StrCat("NPI ", npi, " already belongs to provider \"", holder->provider_id(),
                   "\"; check the NPI, or update that provider instead"));
}

}  // namespace

absl::Status DirectoryService::DoCreateProvider(const hub::v1::CreateProviderRequest& request,
                                                hub::v1::CreateProviderResponse& response) {
  const Provider& provider = request.provider();
  RETURN_IF_ERROR(ValidateProvider(provider, StorePlanExists(directory_)));
  absl::StatusOr<Provider> existing = directory_->GetProvider(provider.provider_id());
  if (existing.ok()) {
    return absl::AlreadyExistsError(absl::StrCat("provider_id \"", provider.provider_id(),
                                                 "\" is already taken; choose another id, or "
                                                 "use UpdateProvider to change that provider"));
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();
  RETURN_IF_ERROR(CheckNpiFree(*directory_, provider.npi(), provider.provider_id()));
  // The store re-checks both under its lock; a race ends here as AlreadyExists.
  RETURN_IF_ERROR(directory_->CreateProvider(provider));
  log::Info("provider_created", {{"provider_id", provider.provider_id()},
                                 {"contract_count", provider.contracts_size()}});
  *response.mutable_provider() = provider;
  return absl::OkStatus();
}

absl::Status DirectoryService::DoUpdateProvider(const hub::v1::UpdateProviderRequest& request,
                                                hub::v1::UpdateProviderResponse& response) {
  const std::string& provider_id = request.provider().provider_id();
  if (provider_id.empty()) {
    return absl::InvalidArgumentError(
        "provider.provider_id is required: it selects the provider to update");
  }
  RETURN_IF_ERROR(ValidateProviderId(provider_id));
  absl::MutexLock lock(&update_mu_);
  absl::StatusOr<Provider> stored = directory_->GetProvider(provider_id);
  if (absl::IsNotFound(stored.status())) return ProviderNotFound("provider_id", provider_id);
  RETURN_IF_ERROR(stored.status());
  RETURN_IF_ERROR(
      ApplyUpdateMask(request.provider(), request.update_mask(), "provider_id", &*stored));
  RETURN_IF_ERROR(ValidateProvider(*stored, StorePlanExists(directory_)));
  RETURN_IF_ERROR(CheckNpiFree(*directory_, stored->npi(), provider_id));
  absl::Status updated = directory_->UpdateProvider(*stored);
  if (absl::IsNotFound(updated)) return ProviderNotFound("provider_id", provider_id);
  RETURN_IF_ERROR(updated);
  log::Info("provider_updated", {{"provider_id", provider_id}});
  *response.mutable_provider() = *std::move(stored);
  return absl::OkStatus();
}

}  // namespace hub
