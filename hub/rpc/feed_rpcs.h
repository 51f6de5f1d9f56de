// The bodies of PlanService.PullFeed and PlanService.Ack (hub/rpc/plan_service.h
// forwards to them), kept next to the feed's storage and notifier.
//
// PullFeed streams the plan's feed from just after max(after_sequence,
// cursor), in sequence order, one item per response. It reads the feed in
// pages of kPullFeedPageSize items (never holding more than one page; the
// items' stored bytes are written as they are, never parsed) and
// has at most ONE write in flight: the next item is written only when gRPC
// reports the previous one sent (OnWriteDone), so HTTP/2 flow control
// bounds what a slow plan costs the hub to one page and one message. Items
// of other kinds than request.kinds are skipped (they still advance with
// Ack). With max_items the stream ends after that many items. Without
// follow it ends (OK) once it has sent everything up to the head; with
// follow it then registers with the FeedNotifier and continues when the
// submit pipeline reports new items: no thread blocks and nothing polls
// while it waits (a follow stream with nothing to send yet sends its
// initial metadata, so a client can tell it is open). Errors before the first item: InvalidArgument
// (plan_id, kinds, max_items), NotFound (unknown plan), OutOfRange (after_sequence beyond the
// head), ResourceExhausted (the plan has PullFeedLimits::streams->max_per_plan() streams open
// already).
//
// What a client that does not read costs: one page of items and one
// message in the hub (HTTP/2 flow control and the client's own transport
// decide how much it accepts), and one of its plan's few stream slots. A
// stream whose client certificate is revoked while it runs ends
// UNAUTHENTICATED at its next item or wake-up (FeedNotifier::NotifyAll).
//
// Ack durably advances the plan's cursor and records its rejections
// (storage/feed_store.h has the rules) and answers the cursor and head.
#ifndef HUB_HUB_RPC_FEED_RPCS_H_
#define HUB_HUB_RPC_FEED_RPCS_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/revocation.h"
#include "hub/common/metrics.h"
#include "hub/feed/feed_disclosure.h"
#include "hub/feed/feed_notifier.h"
#include "hub/v1/plan_service.pb.h"
#include "storage/audit_store.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"

namespace hub {

// Items read from storage per page.
inline constexpr int kPullFeedPageSize = 128;

// What every PullFeed stream did, process-wide, for tests and metrics.
struct PullFeedCounters {
  // Items handed to StartWrite.
  std::atomic<int64_t> writes_started{0};
  // The most writes one stream ever had in flight at once (must stay 1).
  std::atomic<int> max_writes_in_flight{0};
  // Items read from storage (including those skipped by a kinds filter).
  std::atomic<int64_t> items_read{0};
  // Streams open now.
  std::atomic<int> open_streams{0};
};
PullFeedCounters& GetPullFeedCounters();

// Who learns of each PullFeed call: no interceptor sees PullFeed
// (ObservedByHandler in hub/rpc/rpc_metrics.h), so the stream itself counts its
// call (hub_rpc_requests_total) and appends its audit record (the record
// ids and members of the items it sent: hub/rpc/audit_interceptor.h CallAudit)
// just before it finishes. Null members: not counted, not audited.
struct PullFeedObservers {
  MetricsRegistry* metrics = nullptr;
  storage::AuditStore* audit = nullptr;
  // The audit record's time; required with `audit`.
  std::function<absl::Time()> clock;
};

// The open PullFeed streams of each plan, and how many a plan may have.
// Thread-safe.
class PullFeedStreams {
 public:
  explicit PullFeedStreams(int max_per_plan) : max_per_plan_(max_per_plan) {}
  // Takes a slot of `plan_id`; false if all max_per_plan() are taken.
  bool TryOpen(const std::string& plan_id);
  // Gives a slot back.
  void Close(const std::string& plan_id);
  int open(const std::string& plan_id) const;
  int max_per_plan() const { return max_per_plan_; }
  // True once `plan_id` has at most `count` streams open; false after
  // `timeout`.
  bool WaitForAtMost(const std::string& plan_id, int count, absl::Duration timeout) const;

 private:
  const int max_per_plan_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, int> open_ ABSL_GUARDED_BY(mu_);
};

// Limits every PullFeed stream is held to; null members: none.
struct PullFeedLimits {
  // Not owned.
  PullFeedStreams* streams = nullptr;
  // The revocations in force (not owned): a stream of a revoked client
  // certificate ends.
  const auth::RevocationList* revocations = nullptr;
};

// Starts one PullFeed stream for `request` (a serialized PullFeedRequest:
// PlanService serves PullFeed as a raw method so stored items are streamed
// without re-encoding; clients see ordinary PullFeedResponses). The reactor
// deletes itself when done. The pointers are not owned and must outlive
// every stream (until the gRPC server has shut down). `disclosure` (may be
// null: items are sent as stored) limits each item to what the plan may
// receive (hub/feed/feed_disclosure.h). The caller must be the plan itself
// (auth/call_scope.h).
grpc::ServerWriteReactor<grpc::ByteBuffer>* StartPullFeed(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer& request, storage::FeedStore* feed,
    const storage::DirectoryStore* directory, FeedNotifier* notifier,
    const FeedDisclosure* disclosure, const PullFeedObservers* observers,
    const PullFeedLimits& limits = {});

// A PullFeed stream that ends at once with `status` (not OK), counted and
// audited through `observers` (not owned; may be null) with `context`.
grpc::ServerWriteReactor<grpc::ByteBuffer>* RefusePullFeed(
    const absl::Status& status, grpc::CallbackServerContext* context = nullptr,
    const PullFeedObservers* observers = nullptr);

// PlanService.Ack. InvalidArgument for a malformed plan_id or rejection
// (and the storage rules), NotFound for an unknown plan, OutOfRange beyond
// the head.
absl::Status AckFeed(storage::FeedStore& feed, const storage::DirectoryStore& directory,
                     const hub::v1::AckRequest& request, absl::Time now,
                     hub::v1::AckResponse& response);

}  // namespace hub

#endif  // HUB_HUB_RPC_FEED_RPCS_H_
