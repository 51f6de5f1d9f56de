// libFuzzer target for the plans' answer readers (X12 999, 277CA, 835;
// adapters/readers/x12_claim_answers.h). Input: byte 0 picks the reader; the
// rest is the file. Traps if a reader answers other than OK or a coded file
// error, an answer names no segment of the file, or two reads of the same
// bytes differ.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "adapters/readers/record.h"
#include "adapters/readers/x12_claim_answers.h"
#include "tests/adapters/fuzz/fuzz_util.h"

namespace {

using hub::adapters::ClaimAnswer;

absl::StatusOr<std::vector<ClaimAnswer>> Read(uint8_t which, std::string_view file) {
  switch (which % 3) {
    case 0:
      return hub::adapters::Read999(file);
    case 1:
      return hub::adapters::Read277CA(file);
    default:
      return hub::adapters::Read835(file);
  }
}

bool Same(const ClaimAnswer& a, const ClaimAnswer& b) {
  return a.kind == b.kind && a.group_control_number == b.group_control_number &&
         a.transaction_control_number == b.transaction_control_number && a.claim_id == b.claim_id &&
         a.line_id == b.line_id && a.charge_cents == b.charge_cents &&
         a.paid_cents == b.paid_cents && a.date == b.date && a.reasons == b.reasons &&
         a.segment == b.segment;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hub::adapters::fuzz::Sink;
  if (size < 1) return 0;
  std::string_view file(reinterpret_cast<const char*>(data + 1), size - 1);
  const absl::StatusOr<std::vector<ClaimAnswer>> first = Read(data[0], file);
  if (!first.ok()) {
    if (first.status().code() != absl::StatusCode::kInvalidArgument) {
      Sink::Die("answer file errors must be InvalidArgument");
    }
    if (hub::adapters::FileErrorCode(first.status()).empty()) {
      Sink::Die("answer file error without a code");
    }
  } else {
    // Every answer points at a segment, and a segment needs at least "XX~".
    for (const ClaimAnswer& a : *first) {
      if (a.segment < 1 || static_cast<size_t>(a.segment) > file.size() / 3 + 1) {
        Sink::Die("answer names no segment of the file");
      }
      for (const auto& reason : a.reasons) {
        if (reason.empty()) Sink::Die("empty reason code");
      }
    }
  }
  const absl::StatusOr<std::vector<ClaimAnswer>> second = Read(data[0], file);
  if (first.status() != second.status()) Sink::Die("two reads differ in status");
  if (first.ok()) {
    if (first->size() != second->size()) Sink::Die("two reads differ in answers");
    for (size_t i = 0; i < first->size(); ++i) {
      if (!Same((*first)[i], (*second)[i])) Sink::Die("two reads differ in an answer");
    }
  }
  return 0;
}
