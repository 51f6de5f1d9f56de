// hub.v1.ConsentService (callback API): patients' consents for 42 CFR
// Part 2 data (hub/v1/consent.proto). Who may record one:
//   * the disclosing program itself, for its own records: a provider names
//     itself as discloser_provider_id (PERMISSION_DENIED otherwise), and only
//     for a member it serves (an assignment or authorization of the member
//     names it); for any other CIN the answer is the same NOT_FOUND as for a
//     CIN that is no member at all, so RecordConsent is no membership oracle;
//   * a county administrator, for any program.
// Every consent names its discloser (INVALID_ARGUMENT without one): one
// form that names several programs is recorded once per program. A program
// lists and revokes every consent that covers its records, whoever recorded
// it (ConsentDiscloser in hub/feed/feed_disclosure.h: a consent stored
// before this rule with no discloser counts as its recording provider's).
// Plans and county analysts record none (auth/policy.h). Revocation takes
// effect at once: later PullFeed deliveries and exports are not covered.
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
#include "storage/care_store.h"
#include "storage/consent_store.h"
#include "storage/directory_store.h"
#include "storage/store.h"

namespace hub {

class ConsentService final : public hub::v1::ConsentService::CallbackService {
 public:
  // Not owned; must outlive the service. `store` holds the assignments and
  // authorizations that tell which members a provider serves.
  ConsentService(storage::ConsentStore* consents, storage::DirectoryStore* directory,
                 storage::Store* store, std::function<absl::Time()> clock);

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
  // Who may record `consent`: `provider` ("" for the administrator) and the
  // discloser it names.
  absl::Status CheckAuthority(const std::string& provider, const hub::v1::Consent& consent) const;
  // True if an assignment or authorization of `cin` names `provider_id`.
  absl::StatusOr<bool> Serves(const std::string& provider_id, const std::string& cin) const;

  storage::ConsentStore* const consents_;
  storage::DirectoryStore* const directory_;
  const storage::CareStore care_;
  const std::function<absl::Time()> clock_;
  absl::Mutex mu_;
};

}  // namespace hub

#endif  // HUB_HUB_RPC_CONSENT_SERVICE_H_
