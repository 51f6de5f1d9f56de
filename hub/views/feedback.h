// ProviderService.ListFeedback's body: the plans' verdicts on a provider's
// records, newest first, with their status computed at read time from each
// plan's cursor and rejections (storage/feed_store.h). ProviderService calls
// it; kept apart so the feed's rules live next to the feed.
//
// Thread safety: stateless; safe from any thread.
#ifndef HUB_HUB_VIEWS_FEEDBACK_H_
#define HUB_HUB_VIEWS_FEEDBACK_H_

#include "absl/status/status.h"
#include "hub/v1/provider_service.pb.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/store.h"

namespace hub {

// Fills `response` with one page of request.provider_id's records; with
// `store` (may be null), each service line and invoice line also carries its
// billing status (storage/claim_store.h: billed on which file and claim, or
// not billed with the reason and what to fix).
// InvalidArgument for a malformed provider_id, an unknown status value, a
// negative page_size or a page_token this list did not return; NotFound if
// the provider is not in the directory. Messages carry no PHI (record ids,
// plan ids and keys only).
absl::Status ListFeedback(const storage::FeedStore& feed, const storage::DirectoryStore& directory,
                          storage::Store* store, const hub::v1::ListFeedbackRequest& request,
                          hub::v1::ListFeedbackResponse& response);

}  // namespace hub

#endif  // HUB_HUB_VIEWS_FEEDBACK_H_
