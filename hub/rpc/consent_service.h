// hub.v1.ConsentService (callback API): patients' consents for 42 CFR
// Part 2 data (hub/v1/consent.proto), recorded by the disclosing provider
// or the county administrator. A provider may record a consent only when it
// is the discloser or the form names any discloser, and may revoke or list
// only consents it recorded or that name it as discloser. Revocation takes
// effect at once: later PullFeed deliveries are not covered.
//
// Thread safety: handlers run concurrently; writes of one consent are
// serialized by the service's mutex.
#ifndef HUB_HUB_RPC_CONSENT_SERVICE_H_
#define HUB_HUB_RPC_CONSENT_SERVICE_H_

#include <functional>

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "hub/v1/consent.grpc.pb.h"
#include "storage/consent_store.h"
#include "storage/directory_store.h"

namespace hub {

class ConsentService final : public hub::v1::ConsentService::CallbackService {
 public:
  // Not owned; must outlive the service.
  ConsentService(storage::ConsentStore* consents, storage::DirectoryStore* directory,
                 std::function<absl::Time()> clock);

  grpc::ServerUnaryReactor* RecordConsent(grpc::CallbackServerContext* context,
                                          const hub::v1::RecordConsentRequest* request,
                                          hub::v1::RecordConsentResponse* response) override;
  grpc::ServerUnaryReactor* RevokeConsent(grpc::CallbackServerContext* context,
                                          const hub::v1::RevokeConsentRequest* request,
                                          hub::v1::RevokeConsentResponse* response) override;
  grpc::ServerUnaryReactor* ListConsents(grpc::CallbackServerContext* context,
                                         const hub::v1::ListConsentsRequest* request,
                                         hub::v1::ListConsentsResponse* response) override;

 private:
  absl::Status DoRecord(const grpc::CallbackServerContext& context,
                        const hub::v1::RecordConsentRequest& request,
                        hub::v1::RecordConsentResponse& response);
  absl::Status DoRevoke(const grpc::CallbackServerContext& context,
                        const hub::v1::RevokeConsentRequest& request,
                        hub::v1::RevokeConsentResponse& response);
  absl::Status DoList(const grpc::CallbackServerContext& context,
                      const hub::v1::ListConsentsRequest& request,
                      hub::v1::ListConsentsResponse& response);

  storage::ConsentStore* const consents_;
  storage::DirectoryStore* const directory_;
  const std::function<absl::Time()> clock_;
  absl::Mutex mu_;
};

}  // namespace hub

#endif  // HUB_HUB_RPC_CONSENT_SERVICE_H_
