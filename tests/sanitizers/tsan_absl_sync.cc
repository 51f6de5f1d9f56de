// ThreadSanitizer's view of Abseil's locks, for -DHUB_SANITIZE=thread only.
//
// Debian's Abseil is not built with TSan, so the lock and unlock inside
// libabsl_synchronization.so are invisible to it: every ABSL_GUARDED_BY
// field would look racy (a false report for each). Rebuilding Abseil is not
// an option (Debian packages only), so this file interposes the out-of-line
// absl::Mutex, absl::CondVar and absl::Notification entry points our code
// calls: each forwards to the real function (dlsym RTLD_NEXT) and tells TSan
// the happens-before edge it implies (__tsan_acquire after a lock is taken,
// __tsan_release before it is given up). TSan then checks our code's
// accesses against the real synchronization, so a missing lock is still
// reported. Linked into every executable of a TSan build (CMakeLists.txt).
//
// Limits: readers acquire from each other's releases (TSan may miss a race
// between two readers, which cannot write anyway); calls Abseil makes to
// itself are not interposed (Notification is annotated at its own API).
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);

namespace {

// The real function behind `mangled`, found once.
void* Real(const char* mangled) {
  void* f = dlsym(RTLD_NEXT, mangled);
  if (f == nullptr) {
    std::fprintf(stderr, "tsan_absl_sync: %s not found in the Abseil libraries\n", mangled);
    std::abort();
  }
  return f;
}

template <typename Fn>
Fn RealFn(const char* mangled) {
  return reinterpret_cast<Fn>(Real(mangled));
}

void* Addr(const void* p) { return const_cast<void*>(p); }

// HasBeenNotified() is inline: an atomic load of notified_yet_, the member
// right after the Notification's Mutex.
void* NotifiedFlag(const absl::Notification* n) {
  return const_cast<char*>(reinterpret_cast<const char*>(n) + sizeof(absl::Mutex));
}

// Abseil's own deadlock detector (on in Debian's build) keeps a lock graph,
// GraphCycles, under an internal spin lock of the uninstrumented library:
// every Mutex::Lock of ours then shows up as a race inside GraphCycles (the
// first TSan run's most frequent report). TSan detects lock-order
// inversions itself, so the detector is turned off in TSan builds, before
// main and any thread.
[[maybe_unused]] const bool kAbseilDeadlockDetectionOff = [] {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return true;
}();

// A Condition is evaluated inside the uninstrumented library, with the
// lock held (by the waiter once it has the lock again, or by the thread
// that is giving the lock up): the acquire of the wrappers below comes only
// after the real call returns, too late for those reads (the second TSan
// run's reports in ParseAhead, SubmitPipeline, FeedIndexer, FeedNotifier and
// Monitor, each a condition reading a field its mutex guards). HeldCondition
// wraps the caller's condition so that each evaluation first acquires the
// mutex's release history, as holding the lock implies.
class HeldCondition {
 public:
  HeldCondition(absl::Mutex* mu, const absl::Condition& cond)
      : mu_(mu), cond_(&cond), condition_(&HeldCondition::Eval, this) {}
  HeldCondition(const HeldCondition&) = delete;
  HeldCondition& operator=(const HeldCondition&) = delete;
  const absl::Condition& get() const { return condition_; }

 private:
  // Evaluated with the lock held: ordered after the last release of the
  // mutex, and before its next acquire (a false condition gives the lock
  // up inside Abseil, where the wrappers cannot release it).
  static bool Eval(void* self) {
    const auto* held = static_cast<const HeldCondition*>(self);
    __tsan_acquire(held->mu_);
    const bool met = held->cond_->Eval();
    __tsan_release(held->mu_);
    return met;
  }
  absl::Mutex* mu_;
  const absl::Condition* cond_;
  absl::Condition condition_;
};

}  // namespace

namespace absl {
ABSL_NAMESPACE_BEGIN

using MutexFn = void (*)(Mutex*);
using MutexBoolFn = bool (*)(Mutex*);
using MutexCondFn = void (*)(Mutex*, const Condition&);
using MutexCondDurFn = bool (*)(Mutex*, const Condition&, Duration);
using MutexCondTimeFn = bool (*)(Mutex*, const Condition&, Time);

void Mutex::Lock() {
  static const auto real = RealFn<MutexFn>("_ZN4absl7debian35Mutex4LockEv");
  real(this);
  __tsan_acquire(this);
}

void Mutex::Unlock() {
  static const auto real = RealFn<MutexFn>("_ZN4absl7debian35Mutex6UnlockEv");
  __tsan_release(this);
  real(this);
}

bool Mutex::TryLock() {
  static const auto real = RealFn<MutexBoolFn>("_ZN4absl7debian35Mutex7TryLockEv");
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::ReaderLock() {
  static const auto real = RealFn<MutexFn>("_ZN4absl7debian35Mutex10ReaderLockEv");
  real(this);
  __tsan_acquire(this);
}

void Mutex::ReaderUnlock() {
  static const auto real = RealFn<MutexFn>("_ZN4absl7debian35Mutex12ReaderUnlockEv");
  __tsan_release(this);
  real(this);
}

bool Mutex::ReaderTryLock() {
  static const auto real = RealFn<MutexBoolFn>("_ZN4absl7debian35Mutex13ReaderTryLockEv");
  const bool locked = real(this);
  if (locked) __tsan_acquire(this);
  return locked;
}

void Mutex::LockWhen(const Condition& cond) {
  static const auto real = RealFn<MutexCondFn>("_ZN4absl7debian35Mutex8LockWhenERKNS0_9ConditionE");
  const HeldCondition held(this, cond);
  real(this, held.get());
  __tsan_acquire(this);
}

void Mutex::ReaderLockWhen(const Condition& cond) {
  static const auto real =
      RealFn<MutexCondFn>("_ZN4absl7debian35Mutex14ReaderLockWhenERKNS0_9ConditionE");
  const HeldCondition held(this, cond);
  real(this, held.get());
  __tsan_acquire(this);
}

bool Mutex::LockWhenWithTimeout(const Condition& cond, Duration timeout) {
  static const auto real = RealFn<MutexCondDurFn>(
      "_ZN4absl7debian35Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  const HeldCondition held(this, cond);
  const bool met = real(this, held.get(), timeout);
  __tsan_acquire(this);  // Held either way.
  return met;
}

bool Mutex::LockWhenWithDeadline(const Condition& cond, Time deadline) {
  static const auto real = RealFn<MutexCondTimeFn>(
      "_ZN4absl7debian35Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  const HeldCondition held(this, cond);
  const bool met = real(this, held.get(), deadline);
  __tsan_acquire(this);
  return met;
}

void Mutex::Await(const Condition& cond) {
  static const auto real = RealFn<MutexCondFn>("_ZN4absl7debian35Mutex5AwaitERKNS0_9ConditionE");
  __tsan_release(this);  // May give the lock up while it waits.
  const HeldCondition held(this, cond);
  real(this, held.get());
  __tsan_acquire(this);
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  static const auto real = RealFn<MutexCondDurFn>(
      "_ZN4absl7debian35Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  __tsan_release(this);
  const HeldCondition held(this, cond);
  const bool met = real(this, held.get(), timeout);
  __tsan_acquire(this);
  return met;
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static const auto real = RealFn<MutexCondTimeFn>(
      "_ZN4absl7debian35Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  __tsan_release(this);
  const HeldCondition held(this, cond);
  const bool met = real(this, held.get(), deadline);
  __tsan_acquire(this);
  return met;
}

void CondVar::Wait(Mutex* mu) {
  static const auto real =
      RealFn<void (*)(CondVar*, Mutex*)>("_ZN4absl7debian37CondVar4WaitEPNS0_5MutexE");
  __tsan_release(mu);
  real(this, mu);
  __tsan_acquire(mu);
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  static const auto real = RealFn<bool (*)(CondVar*, Mutex*, Duration)>(
      "_ZN4absl7debian37CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  __tsan_release(mu);
  const bool timed_out = real(this, mu, timeout);
  __tsan_acquire(mu);
  return timed_out;
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static const auto real = RealFn<bool (*)(CondVar*, Mutex*, Time)>(
      "_ZN4absl7debian37CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  __tsan_release(mu);
  const bool timed_out = real(this, mu, deadline);
  __tsan_acquire(mu);
  return timed_out;
}

void Notification::Notify() {
  static const auto real =
      RealFn<void (*)(Notification*)>("_ZN4absl7debian312Notification6NotifyEv");
  __tsan_release(this);
  __tsan_release(NotifiedFlag(this));
  real(this);
}

void Notification::WaitForNotification() const {
  static const auto real = RealFn<void (*)(const Notification*)>(
      "_ZNK4absl7debian312Notification19WaitForNotificationEv");
  real(this);
  __tsan_acquire(Addr(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  static const auto real = RealFn<bool (*)(const Notification*, Duration)>(
      "_ZNK4absl7debian312Notification30WaitForNotificationWithTimeoutENS0_8DurationE");
  const bool notified = real(this, timeout);
  if (notified) __tsan_acquire(Addr(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  static const auto real = RealFn<bool (*)(const Notification*, Time)>(
      "_ZNK4absl7debian312Notification31WaitForNotificationWithDeadlineENS0_4TimeE");
  const bool notified = real(this, deadline);
  if (notified) __tsan_acquire(Addr(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
