// FeedNotifier: wakes PullFeed streams in follow mode when their plan's feed
// grows.
//
// A stream that has caught up with its plan's head registers a one-shot
// callback for the plan (Register), then checks the feed once more (an item
// committed between its last read and Register would otherwise be missed).
// The submit pipeline calls Notify(plan_id) after each successful commit
// (after FeedStore::CommitAppends). Notify only records the plan and wakes
// the notifier's own dispatch thread, so it never blocks the writer behind
// a slow stream; the dispatch thread runs (and forgets) every callback
// registered for the plan at that moment.
//
// Lifetime: Unregister(id) returns once the callback of `id` is neither
// registered nor running, so a stream calls it before it is destroyed
// (e.g. in its OnDone) and a late Notify can never touch a deleted object.
// A callback may call Register and Unregister (also for its own id) itself.
//
// Thread safety: every method may be called from any thread.
#ifndef HUB_HUB_FEED_FEED_NOTIFIER_H_
#define HUB_HUB_FEED_FEED_NOTIFIER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace hub {

class FeedNotifier {
 public:
  using Callback = std::function<void()>;

  // Starts the dispatch thread.
  FeedNotifier();
  // Stops the dispatch thread; callbacks still registered are dropped, never
  // run. Destroy only after every registrant is gone (the gRPC server has
  // shut down).
  ~FeedNotifier();

  FeedNotifier(const FeedNotifier&) = delete;
  FeedNotifier& operator=(const FeedNotifier&) = delete;

  // A new id for Register; ids are never reused.
  uint64_t NewId();

  // Runs `callback` once, on the dispatch thread, after the next
  // Notify(plan_id). Replaces an earlier registration with the same id.
  // The callback must not block for long: it holds up the other streams.
  void Register(std::string_view plan_id, uint64_t id, Callback callback);

  // Forgets the registration of `id` (if any) and waits until its callback
  // is not running (except when called from that callback itself).
  void Unregister(uint64_t id);

  // The plan's feed has new committed items. Never blocks on callbacks.
  void Notify(std::string_view plan_id);
  // Wakes every registration (e.g. the revocation list changed: streams
  // check whether their certificate is still good). Never blocks.
  void NotifyAll();

  // Registrations waiting now (for tests).
  int RegisteredCount() const;

 private:
  struct Registration {
    std::string plan_id;
    Callback callback;
  };

  void DispatchLoop();

  mutable absl::Mutex mu_;
  uint64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  // id -> registration, and plan -> ids registered for it.
  absl::flat_hash_map<uint64_t, Registration> registrations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::set<uint64_t>, std::less<>> by_plan_ ABSL_GUARDED_BY(mu_);
  // Plans notified and not yet dispatched.
  std::set<std::string, std::less<>> notified_ ABSL_GUARDED_BY(mu_);
  // The id whose callback the dispatch thread is running (0 = none).
  uint64_t running_id_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread::id dispatch_thread_id_;
  std::thread dispatch_thread_;
};

}  // namespace hub

#endif  // HUB_HUB_FEED_FEED_NOTIFIER_H_
