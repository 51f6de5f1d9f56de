// The generic check of a message against the contract (hub.v1): every enum
// field holds one of its enum's declared values (proto3 parsers keep unknown
// numbers, which no code path of the hub can render), and every integer
// field with hub.v1.rules (hub/v1/field_rules.proto) lies within its range.
// One walk over the descriptor, so a rule added to a .proto is enforced
// without code.
//
// Used where records cross the hub's boundary: each submission before
// validation (hub/submit), each stored record before a file is rendered
// from it (hub/export).
//
// Thread safety: pure functions.
#ifndef HUB_HUB_COMMON_CONTRACT_CHECK_H_
#define HUB_HUB_COMMON_CONTRACT_CHECK_H_

#include <google/protobuf/message.h>

#include <optional>
#include <string>
#include <string_view>

namespace hub {

// The first field of a message the contract does not allow.
struct ContractViolation {
  // Path from the message checked, e.g. "outreach_attempt.method" or
  // "care_plan.goals[2].status"; prefixed by the caller's root if any.
  std::string field;
  // What is wrong and what the contract allows; holds the offending number
  // (never a string value, so never PHI).
  std::string message;
};

// Walks `message` (set sub-messages, every element of repeated fields) in
// field number order and returns the first violation, or nullopt. `root`
// prefixes the field paths ("" = none).
std::optional<ContractViolation> CheckContract(const google::protobuf::Message& message,
                                               std::string_view root = "");

}  // namespace hub

#endif  // HUB_HUB_COMMON_CONTRACT_CHECK_H_
