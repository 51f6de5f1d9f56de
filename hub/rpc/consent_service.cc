#include "hub/rpc/consent_service.h"

#include <openssl/rand.h>

#include "absl/strings/str_cat.h"
#include "auth/call_scope.h"
#include "base/civil_date.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "base/timestamp.h"
#include "hub/common/log.h"
#include "hub/common/rpc_status.h"
#include "hub/feed/feed_disclosure.h"

namespace hub {
namespace {

constexpr int kMaxListed = 10000;

std::string NewConsentId() {
  unsigned char random[8];
  RAND_bytes(random, sizeof(random));
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string id = "cns_";
  for (unsigned char b : random) {
    id.push_back(kDigits[b >> 4]);
    id.push_back(kDigits[b & 15]);
  }
  return id;
}

// The caller's provider id for a provider caller, "" for the county (or a
// plaintext loopback caller, which acts as the administrator).
absl::StatusOr<std::string> CallerProvider(const grpc::CallbackServerContext& context,
                                           const std::string& request_provider_id) {
  ASSIGN_OR_RETURN(auth::Identity caller, auth::CallerOf(context));
  if (caller.kind == auth::Identity::Kind::kProvider) return caller.id;
  if (caller.kind == auth::Identity::Kind::kLocal) return request_provider_id;
  return std::string();
}

std::string RecordedBy(const grpc::CallbackServerContext& context) {
  absl::StatusOr<auth::Identity> caller = auth::CallerOf(context);
  return caller.ok() ? caller->Organization() : "unknown";
}

// The administrator manages every consent; a provider those it recorded and
// those covering its records (it discloses them, or the consent covers any
// discloser).
bool MayManage(const hub::v1::Consent& consent, const std::string& provider_id) {
  if (provider_id.empty() || consent.recorded_by() == "provider:" + provider_id) return true;
  const std::string discloser = ConsentDiscloser(consent);
  return discloser.empty() || discloser == provider_id;
}

// "cns_" and 16 lowercase hex digits (NewConsentId).
bool IsConsentId(const std::string& id) {
  if (id.size() != 20 || id.rfind("cns_", 0) != 0) return false;
  for (char c : id.substr(4)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The answer for a member the provider does not serve, the same whether the
// CIN is a member of the hub or not.
absl::Status NotYourMember() {
  return absl::NotFoundError(
      "no member with this CIN is assigned or referred to your organization: a program records "
      "consents only for the members it serves; check the CIN against the plan's assignment file "
      "or referral, or ask the county administrator to record the consent");
}

}  // namespace

ConsentService::ConsentService(storage::ConsentStore* consents, storage::DirectoryStore* directory,
                               storage::Store* store, std::function<absl::Time()> clock)
    : consents_(consents), directory_(directory), care_(store), clock_(std::move(clock)) {}

absl::StatusOr<bool> ConsentService::Serves(const std::string& provider_id,
                                            const std::string& cin) const {
  ASSIGN_OR_RETURN(std::vector<hub::v1::Assignment> assignments, care_.Assignments(cin));
  for (const hub::v1::Assignment& a : assignments) {
    if (a.provider_id() == provider_id) return true;
  }
  ASSIGN_OR_RETURN(std::vector<hub::v1::Authorization> authorizations, care_.Authorizations(cin));
  for (const hub::v1::Authorization& a : authorizations) {
    if (a.provider_id() == provider_id) return true;
  }
  return false;
}

absl::Status ConsentService::CheckAuthority(const std::string& provider,
                                            const hub::v1::Consent& consent) const {
  if (consent.discloser_provider_id().empty()) {
    return InvalidFieldError(
        "consent.discloser_provider_id",
        "consent.discloser_provider_id is required: the Part 2 program whose records this "
        "consent lets it disclose (a form naming several programs is recorded once per program)");
  }
  if (!provider.empty() && consent.discloser_provider_id() != provider) {
    return absl::PermissionDeniedError(absl::StrCat(
        "a program records consents for its own records only: set "
        "consent.discloser_provider_id to \"",
        provider, "\" (the county administrator records consents for other programs)"));
  }
  RETURN_IF_ERROR(ValidateProviderId(consent.discloser_provider_id()));
  absl::Status discloser = directory_->GetProvider(consent.discloser_provider_id()).status();
  if (absl::IsNotFound(discloser)) {
    return absl::NotFoundError("consent.discloser_provider_id is not in the directory");
  }
  RETURN_IF_ERROR(discloser);
  if (provider.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(const bool serves, Serves(provider, consent.member_cin()));
  return serves ? absl::OkStatus() : NotYourMember();
}

absl::Status ConsentService::DoRecord(const grpc::CallbackServerContext& context,
                                      const hub::v1::RecordConsentRequest& request,
                                      hub::v1::RecordConsentResponse& response) {
  RETURN_IF_ERROR(auth::CheckCallScope(context, "/hub.v1.ConsentService/RecordConsent", request));
  ASSIGN_OR_RETURN(const std::string provider, CallerProvider(context, request.provider_id()));
  hub::v1::Consent consent = request.consent();
  if (!ValidateCin(consent.member_cin()).ok()) {
    return absl::InvalidArgumentError(
        "consent.member_cin must be the member's CIN (8 digits and a letter, as on the "
        "Medi-Cal card)");
  }
  RETURN_IF_ERROR(CheckAuthority(provider, consent));
  if (!consent.recipient_plan_id().empty()) {
    RETURN_IF_ERROR(ValidatePlanId(consent.recipient_plan_id()));
    if (absl::IsNotFound(directory_->GetPlan(consent.recipient_plan_id()).status())) {
      return absl::NotFoundError("consent.recipient_plan_id is not in the directory");
    }
  }
  if (consent.purposes().empty()) {
    return absl::InvalidArgumentError(
        "consent.purposes needs at least one purpose the form checks, e.g. "
        "CONSENT_PURPOSE_TREATMENT_PAYMENT_OPERATIONS");
  }
  for (int p : consent.purposes()) {
    if (p == hub::v1::CONSENT_PURPOSE_UNSPECIFIED || !hub::v1::ConsentPurpose_IsValid(p)) {
      return absl::InvalidArgumentError("consent.purposes holds an unknown purpose");
    }
  }
  const absl::Time now = clock_();
  const std::string today = absl::FormatTime("%Y-%m-%d", now, absl::UTCTimeZone());
  if (!IsIsoDate(consent.signed_date()) || consent.signed_date() > today) {
    return absl::InvalidArgumentError(
        "consent.signed_date must be the day the member signed, YYYY-MM-DD, not in the future");
  }
  if (!IsIsoDate(consent.expiration_date()) || consent.expiration_date() < consent.signed_date()) {
    return absl::InvalidArgumentError(
        "consent.expiration_date must be the form's expiration date, YYYY-MM-DD, on or after "
        "the signed date");
  }
  consent.set_consent_id(NewConsentId());
  consent.set_recorded_by(RecordedBy(context));
  *consent.mutable_record_time() = ToTimestamp(now);
  consent.clear_revoke_time();
  consent.clear_revoked_by();
  {
    absl::MutexLock lock(&mu_);
    RETURN_IF_ERROR(consents_->Put(consent));
  }
  log::Info("consent_recorded",
            {{"consent_id", consent.consent_id()}, {"recorded_by", consent.recorded_by()}});
  *response.mutable_consent() = std::move(consent);
  return absl::OkStatus();
}

absl::Status ConsentService::DoRevoke(const grpc::CallbackServerContext& context,
                                      const hub::v1::RevokeConsentRequest& request,
                                      hub::v1::RevokeConsentResponse& response) {
  RETURN_IF_ERROR(auth::CheckCallScope(context, "/hub.v1.ConsentService/RevokeConsent", request));
  ASSIGN_OR_RETURN(const std::string provider, CallerProvider(context, request.provider_id()));
  if (!IsConsentId(request.consent_id())) {
    return InvalidFieldError("consent_id",
                             "consent_id must be \"cns_\" and 16 hex digits, as RecordConsent or "
                             "ListConsents returned it");
  }
  absl::MutexLock lock(&mu_);
  absl::StatusOr<hub::v1::Consent> consent = consents_->Get(request.consent_id());
  if (absl::IsNotFound(consent.status()) || (consent.ok() && !MayManage(*consent, provider))) {
    return absl::NotFoundError(
        "no consent with this consent_id covers your records; ListConsents lists those that do");
  }
  RETURN_IF_ERROR(consent.status());
  if (!consent->has_revoke_time()) {
    *consent->mutable_revoke_time() = ToTimestamp(clock_());
    consent->set_revoked_by(RecordedBy(context));
    RETURN_IF_ERROR(consents_->Put(*consent));
    log::Info("consent_revoked",
              {{"consent_id", consent->consent_id()}, {"revoked_by", consent->revoked_by()}});
  }
  *response.mutable_consent() = *std::move(consent);
  return absl::OkStatus();
}

absl::Status ConsentService::DoList(const grpc::CallbackServerContext& context,
                                    const hub::v1::ListConsentsRequest& request,
                                    hub::v1::ListConsentsResponse& response) {
  RETURN_IF_ERROR(auth::CheckCallScope(context, "/hub.v1.ConsentService/ListConsents", request));
  ASSIGN_OR_RETURN(const std::string provider, CallerProvider(context, request.provider_id()));
  std::vector<hub::v1::Consent> consents;
  if (!request.member_cin().empty()) {
    ASSIGN_OR_RETURN(consents, consents_->ListByMember(request.member_cin()));
  } else {
    ASSIGN_OR_RETURN(consents, consents_->ListAll(kMaxListed));
  }
  for (hub::v1::Consent& c : consents) {
    if (MayManage(c, provider)) *response.add_consents() = std::move(c);
  }
  return absl::OkStatus();
}

grpc::ServerUnaryReactor* ConsentService::RecordConsent(
    grpc::CallbackServerContext* context, const hub::v1::RecordConsentRequest* request,
    hub::v1::RecordConsentResponse* response) {
  return FinishUnary(context, DoRecord(*context, *request, *response));
}

grpc::ServerUnaryReactor* ConsentService::RevokeConsent(
    grpc::CallbackServerContext* context, const hub::v1::RevokeConsentRequest* request,
    hub::v1::RevokeConsentResponse* response) {
  return FinishUnary(context, DoRevoke(*context, *request, *response));
}

grpc::ServerUnaryReactor* ConsentService::ListConsents(grpc::CallbackServerContext* context,
                                                       const hub::v1::ListConsentsRequest* request,
                                                       hub::v1::ListConsentsResponse* response) {
  return FinishUnary(context, DoList(*context, *request, *response));
}

}  // namespace hub
