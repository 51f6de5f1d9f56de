#include "hub/feed/feed_notifier.h"

#include <string>
#include <utility>
#include <vector>

namespace hub {

FeedNotifier::FeedNotifier() {
  dispatch_thread_ = std::thread([this] { DispatchLoop(); });
  // Written before any registrant can exist; read only by Unregister.
  dispatch_thread_id_ = dispatch_thread_.get_id();
}

FeedNotifier::~FeedNotifier() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  dispatch_thread_.join();
}

uint64_t FeedNotifier::NewId() {
  absl::MutexLock lock(&mu_);
  return next_id_++;
}

void FeedNotifier::Register(std::string_view plan_id, uint64_t id, Callback callback) {
  absl::MutexLock lock(&mu_);
  auto existing = registrations_.find(id);
  if (existing != registrations_.end()) {
    auto plan = by_plan_.find(existing->second.plan_id);
    if (plan != by_plan_.end()) {
      plan->second.erase(id);
      if (plan->second.empty()) by_plan_.erase(plan);
    }
  }
  registrations_[id] = Registration{std::string(plan_id), std::move(callback)};
  by_plan_[std::string(plan_id)].insert(id);
}

void FeedNotifier::Unregister(uint64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = registrations_.find(id);
  if (it != registrations_.end()) {
    auto plan = by_plan_.find(it->second.plan_id);
    if (plan != by_plan_.end()) {
      plan->second.erase(id);
      if (plan->second.empty()) by_plan_.erase(plan);
    }
    registrations_.erase(it);
  }
  if (std::this_thread::get_id() == dispatch_thread_id_) return;  // From a callback.
  auto not_running = [this, id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return running_id_ != id; };
  mu_.Await(absl::Condition(&not_running));
}

void FeedNotifier::Notify(std::string_view plan_id) {
  absl::MutexLock lock(&mu_);
  if (by_plan_.find(plan_id) == by_plan_.end()) return;  // Nobody waits.
  notified_.emplace(plan_id);
}

void FeedNotifier::NotifyAll() {
  absl::MutexLock lock(&mu_);
  for (const auto& [plan_id, ids] : by_plan_) notified_.emplace(plan_id);
}

int FeedNotifier::RegisteredCount() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(registrations_.size());
}

void FeedNotifier::DispatchLoop() {
  absl::MutexLock lock(&mu_);
  auto has_work = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return stopping_ || !notified_.empty();
  };
  std::vector<uint64_t> ids;
  while (true) {
    mu_.Await(absl::Condition(&has_work));
    if (stopping_) return;
    ids.clear();
    for (const std::string& plan_id : notified_) {
      auto plan = by_plan_.find(plan_id);
      if (plan == by_plan_.end()) continue;
      ids.insert(ids.end(), plan->second.begin(), plan->second.end());
      by_plan_.erase(plan);
    }
    notified_.clear();
    for (uint64_t id : ids) {
      auto it = registrations_.find(id);
      if (it == registrations_.end()) continue;  // Unregistered meanwhile.
      Callback callback = std::move(it->second.callback);
      // Re-registered since the plan was taken: drop its new plan entry too.
      auto plan = by_plan_.find(it->second.plan_id);
      if (plan != by_plan_.end()) {
        plan->second.erase(id);
        if (plan->second.empty()) by_plan_.erase(plan);
      }
      registrations_.erase(it);
      running_id_ = id;
      mu_.Unlock();
      callback();
      mu_.Lock();
      running_id_ = 0;
      if (stopping_) return;
    }
  }
}

}  // namespace hub
