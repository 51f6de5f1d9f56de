#include "hub/views/feedback.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "hub/common/paging.h"
#include "storage/claim_store.h"

namespace hub {

absl::Status ListFeedback(const storage::FeedStore& feed, const storage::DirectoryStore& directory,
                          storage::Store* store, const hub::v1::ListFeedbackRequest& request,
                          hub::v1::ListFeedbackResponse& response) {
  if (request.provider_id().empty()) {
    return absl::InvalidArgumentError(
        "provider_id is required: the provider whose records to list");
  }
  RETURN_IF_ERROR(ValidateProviderId(request.provider_id()));
  if (!hub::v1::FeedbackStatus_IsValid(request.status())) {
    return absl::InvalidArgumentError(
        "status must be FEEDBACK_STATUS_UNSPECIFIED (all), DELIVERED_PENDING, ACCEPTED_BY_PLAN "
        "or REJECTED_BY_PLAN");
  }
  ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  // A token from one status filter is not valid for another.
  const std::string token_kind =
      absl::StrCat("feedback/", request.provider_id(), "/", static_cast<int>(request.status()));
  ASSIGN_OR_RETURN(std::string after, DecodePageToken(token_kind, request.page_token()));
  if (!request.page_token().empty() && after.empty()) return InvalidPageTokenError();
  absl::StatusOr<hub::v1::Provider> provider = directory.GetProvider(request.provider_id());
  if (absl::IsNotFound(provider.status())) {
    return absl::NotFoundError(absl::StrCat("no provider has provider_id \"", request.provider_id(),
                                            "\"; ListProviders shows the providers of this hub"));
  }
  RETURN_IF_ERROR(provider.status());
  absl::StatusOr<std::pair<std::vector<hub::v1::FeedbackItem>, std::string>> page =
      feed.ListFeedback(request.provider_id(), request.status(), after, page_size);
  if (absl::IsInvalidArgument(page.status())) return InvalidPageTokenError();
  RETURN_IF_ERROR(page.status());
  for (hub::v1::FeedbackItem& item : page->first) {
    if (store != nullptr && (item.kind() == hub::v1::RECORD_KIND_SERVICE ||
                             item.kind() == hub::v1::RECORD_KIND_INVOICE_LINE)) {
      ASSIGN_OR_RETURN(std::optional<hub::v1::BillingStatus> billing,
                       storage::ClaimStore(store).GetLine(item.record_id()));
      if (billing.has_value()) *item.mutable_billing() = *std::move(billing);
    }
    *response.add_items() = std::move(item);
  }
  if (!page->second.empty()) {
    response.set_next_page_token(EncodePageToken(token_kind, page->second));
  }
  return absl::OkStatus();
}

}  // namespace hub
