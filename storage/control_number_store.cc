#include "storage/control_number_store.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

std::string CounterKey(std::string_view plan_id) {
  return internal::Key({"control_number", plan_id});
}

// One lock for every ControlNumberStore of the process: two objects over
// one store must not hand out the same number.
absl::Mutex& CounterMutex() {
  static absl::Mutex* const mu = new absl::Mutex();
  return *mu;
}

}  // namespace

ControlNumberStore::ControlNumberStore(Store* store) : store_(store) {}

absl::StatusOr<int64_t> ControlNumberStore::Last(std::string_view plan_id) const {
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(internal::RepOf(*store_), ColumnFamily::kMeta,
                                                   CounterKey(plan_id), &value));
  uint64_t last = 0;
  if (found && !internal::DecodeFixed64(value, &last)) {
    return absl::DataLossError(
        "storage: a plan's control number counter is damaged; restore the data directory from "
        "a checkpoint");
  }
  return static_cast<int64_t>(last);
}

absl::StatusOr<int64_t> ControlNumberStore::Next(std::string_view plan_id) {
  if (plan_id.empty() || plan_id.find('\0') != std::string_view::npos) {
    return absl::InvalidArgumentError("storage: a control number needs a plan_id");
  }
  absl::MutexLock lock(&CounterMutex());
  ASSIGN_OR_RETURN(const int64_t last, Last(plan_id));
  if (last >= kMaxControlNumber) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "plan ", internal::Absl(plan_id), " has used every control number up to ",
        kMaxControlNumber, "; the hub administrator must agree a new sender id with the plan"));
  }
  const int64_t next = last + 1;
  WriteBatch batch;
  internal::Merge(internal::RepOf(*store_), batch, ColumnFamily::kMeta, CounterKey(plan_id),
                  internal::EncodeFixed64(static_cast<uint64_t>(next)));
  RETURN_IF_ERROR(store_->Commit(batch, Durability::kSync));
  return next;
}

}  // namespace hub::storage
