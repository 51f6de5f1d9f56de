#include "adapters/mapping/derived_fields.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapters/mapping/row_mapper.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::adapters {

using google::protobuf::Message;

std::string FormatDollars(int64_t cents) {
  const bool negative = cents < 0;
  // Magnitude without overflow for INT64_MIN.
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  return absl::StrFormat("%s%d.%02d", negative ? "-" : "", magnitude / 100, magnitude % 100);
}

std::optional<int64_t> ParseDollars(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (!text.empty() && text.front() == '$') text.remove_prefix(1);
  int64_t whole = 0;
  int integer_digits = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] != '.'; ++i) {
    const char c = text[i];
    if (c == ',') {
      if (integer_digits == 0) return std::nullopt;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (++integer_digits > 15) return std::nullopt;
    whole = whole * 10 + (c - '0');
  }
  int64_t fraction = 0;
  int decimals = 0;
  if (i < text.size()) {  // text[i] == '.'
    for (++i; i < text.size(); ++i) {
      const char c = text[i];
      if (c < '0' || c > '9' || ++decimals > 2) return std::nullopt;
      fraction = fraction * 10 + (c - '0');
    }
  }
  if (integer_digits == 0 && decimals == 0) return std::nullopt;
  if (decimals == 1) fraction *= 10;
  return whole * 100 + fraction;
}

const Message& WithDerivedFields(const Message& row, std::unique_ptr<Message>& scratch) {
  const auto* descriptor = row.GetDescriptor();
  if (descriptor == hub::v1::InvoiceFileRow::descriptor()) {
    const auto& invoice = static_cast<const hub::v1::InvoiceFileRow&>(row);
    if (scratch == nullptr || scratch->GetDescriptor() != descriptor) {
      scratch.reset(row.New());
    }
    auto& copy = static_cast<hub::v1::InvoiceFileRow&>(*scratch);
    copy.CopyFrom(invoice);
    if (invoice.has_line()) {
      copy.set_charge(FormatDollars(invoice.line().charge_cents()));
    } else {
      copy.clear_charge();
    }
    return copy;
  }
  if (descriptor == hub::v1::ReturnTransmissionRow::descriptor()) {
    const auto& rtf = static_cast<const hub::v1::ReturnTransmissionRow&>(row);
    if (rtf.pof_indicator() || rtf.populations_of_focus().empty()) return row;
    if (scratch == nullptr || scratch->GetDescriptor() != descriptor) {
      scratch.reset(row.New());
    }
    auto& copy = static_cast<hub::v1::ReturnTransmissionRow&>(*scratch);
    copy.CopyFrom(rtf);
    copy.set_pof_indicator(true);
    return copy;
  }
  return row;
}

bool ResolveDerivedFields(const hub::v1::FileLayout& layout, int64_t row_number, Message& row,
                          std::vector<RowError>& errors) {
  if (row.GetDescriptor() != hub::v1::InvoiceFileRow::descriptor()) return true;
  auto& invoice = static_cast<hub::v1::InvoiceFileRow&>(row);
  if (invoice.charge().empty()) return true;
  std::optional<int64_t> cents = ParseDollars(invoice.charge());
  if (!cents.has_value()) {
    std::string column = "charge";
    for (const auto& m : layout.fields()) {
      if (m.target() == "charge") {
        column = m.source();
        break;
      }
    }
    RowError e;
    e.row_number = row_number;
    e.field = column;
    e.reason_code = std::string(kRowBadNumber);
    e.message = absl::StrCat("column ", column,
                             " must be an amount in dollars with at most two decimals, e.g. 125.00");
    errors.push_back(std::move(e));
    return false;
  }
  invoice.mutable_line()->set_charge_cents(*cents);
  return true;
}

}  // namespace hub::adapters
