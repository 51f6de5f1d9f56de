// RETURN_IF_ERROR and ASSIGN_OR_RETURN for absl::Status / absl::StatusOr.
// Abseil 20220623 (Debian 12) ships no status macros; these are the only ones
// the hub uses.
#ifndef HUB_BASE_STATUS_MACROS_H_
#define HUB_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function if it is not OK.
#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status hub_status_ = (expr);       \
    if (!hub_status_.ok()) return hub_status_; \
  } while (false)

#define HUB_STATUS_CONCAT_INNER_(a, b) a##b
#define HUB_STATUS_CONCAT_(a, b) HUB_STATUS_CONCAT_INNER_(a, b)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be
// a declaration: ASSIGN_OR_RETURN(auto plan, store.GetPlan(id));
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  HUB_ASSIGN_OR_RETURN_IMPL_(HUB_STATUS_CONCAT_(hub_statusor_, __LINE__), lhs, rexpr)

#define HUB_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr)   \
  auto statusor = (rexpr);                                 \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // HUB_BASE_STATUS_MACROS_H_
