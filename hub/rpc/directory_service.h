// hub.v1.DirectoryService: the county's plans and providers over gRPC
// (callback API). Reads are open; writes validate with directory_validation.h
// and are synced by the DirectoryStore before the reply.
//
// Thread safety: handlers run concurrently on gRPC's callback threads; the
// service keeps no mutable state except a lock that serializes the
// read-modify-write of Update RPCs.
#ifndef HUB_HUB_RPC_DIRECTORY_SERVICE_H_
#define HUB_HUB_RPC_DIRECTORY_SERVICE_H_

#include "absl/synchronization/mutex.h"
#include "hub/common/plan_adapters.h"
#include "hub/v1/directory_service.grpc.pb.h"
#include "storage/directory_store.h"

namespace hub {

class DirectoryService final : public hub::v1::DirectoryService::CallbackService {
 public:
  // `directory` must outlive the service (and the grpc::Server using it);
  // so must `adapters` (may be null: then profiles are not checked).
  // CreatePlan and UpdatePlan load and compile a plan's adapter_profile and
  // refuse the plan (FailedPrecondition, with the profile's error) when it
  // does not compile or does not exist.
  explicit DirectoryService(storage::DirectoryStore* directory, PlanAdapterSet* adapters = nullptr)
      : directory_(directory), adapters_(adapters) {}

  grpc::ServerUnaryReactor* ListPlans(grpc::CallbackServerContext* context,
                                      const hub::v1::ListPlansRequest* request,
                                      hub::v1::ListPlansResponse* response) override;
  grpc::ServerUnaryReactor* GetPlan(grpc::CallbackServerContext* context,
                                    const hub::v1::GetPlanRequest* request,
                                    hub::v1::GetPlanResponse* response) override;
  grpc::ServerUnaryReactor* CreatePlan(grpc::CallbackServerContext* context,
                                       const hub::v1::CreatePlanRequest* request,
                                       hub::v1::CreatePlanResponse* response) override;
  grpc::ServerUnaryReactor* UpdatePlan(grpc::CallbackServerContext* context,
                                       const hub::v1::UpdatePlanRequest* request,
                                       hub::v1::UpdatePlanResponse* response) override;
  grpc::ServerUnaryReactor* ListProviders(grpc::CallbackServerContext* context,
                                          const hub::v1::ListProvidersRequest* request,
                                          hub::v1::ListProvidersResponse* response) override;
  grpc::ServerUnaryReactor* GetProvider(grpc::CallbackServerContext* context,
                                        const hub::v1::GetProviderRequest* request,
                                        hub::v1::GetProviderResponse* response) override;
  grpc::ServerUnaryReactor* CreateProvider(grpc::CallbackServerContext* context,
                                           const hub::v1::CreateProviderRequest* request,
                                           hub::v1::CreateProviderResponse* response) override;
  grpc::ServerUnaryReactor* UpdateProvider(grpc::CallbackServerContext* context,
                                           const hub::v1::UpdateProviderRequest* request,
                                           hub::v1::UpdateProviderResponse* response) override;

 private:
  absl::Status DoListPlans(const hub::v1::ListPlansRequest& request,
                           hub::v1::ListPlansResponse& response);
  absl::Status DoGetPlan(const hub::v1::GetPlanRequest& request,
                         hub::v1::GetPlanResponse& response);
  absl::Status DoCreatePlan(const hub::v1::CreatePlanRequest& request,
                            hub::v1::CreatePlanResponse& response);
  absl::Status DoUpdatePlan(const hub::v1::UpdatePlanRequest& request,
                            hub::v1::UpdatePlanResponse& response);
  absl::Status DoListProviders(const hub::v1::ListProvidersRequest& request,
                               hub::v1::ListProvidersResponse& response);
  absl::Status DoGetProvider(const hub::v1::GetProviderRequest& request,
                             hub::v1::GetProviderResponse& response);
  absl::Status DoCreateProvider(const hub::v1::CreateProviderRequest& request,
                                hub::v1::CreateProviderResponse& response);
  absl::Status DoUpdateProvider(const hub::v1::UpdateProviderRequest& request,
                                hub::v1::UpdateProviderResponse& response);

  // FailedPrecondition if `plan` names a profile that cannot be used.
  absl::Status CheckProfile(const hub::v1::Plan& plan) const;

  storage::DirectoryStore* directory_;  // Not owned.
  PlanAdapterSet* adapters_;            // Not owned; may be null.
  // Serializes Update RPCs so two concurrent updates of one record cannot
  // lose each other's fields.
  absl::Mutex update_mu_;
};

}  // namespace hub

#endif  // HUB_HUB_RPC_DIRECTORY_SERVICE_H_
