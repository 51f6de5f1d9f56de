#include "hub/cli/cli_table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "base/timestamp.h"
#include "hub/v1/codes.pb.h"

namespace hub {
namespace {

// Characters on screen: UTF-8 lead bytes only.
size_t DisplayWidth(const std::string& s) {
  size_t width = 0;
  for (char c : s) width += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return width;
}

}  // namespace

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

TextTable::TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render() const {
  std::vector<size_t> widths(headers_.size());
  for (size_t i = 0; i < headers_.size(); ++i) widths[i] = DisplayWidth(headers_[i]);
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], DisplayWidth(row[i]));
  }
  std::string out;
  auto append_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line.append(2, ' ');
      line.append(cells[i]);
      if (i + 1 < cells.size()) line.append(widths[i] - DisplayWidth(cells[i]), ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, line, "\n");
  };
  append_line(headers_);
  for (const auto& row : rows_) append_line(row);
  return out;
}

std::string FormatPlansTable(const std::vector<hub::v1::Plan>& plans) {
  TextTable table({"PLAN ID", "NAME", "DHCS CODE", "ADAPTER"});
  for (const hub::v1::Plan& plan : plans) {
    table.AddRow({plan.plan_id(), OrDash(plan.name()), OrDash(plan.dhcs_plan_code()),
                  OrDash(plan.adapter_profile())});
  }
  return table.Render();
}

std::string FormatProvidersTable(const std::vector<hub::v1::Provider>& providers) {
  TextTable table({"PROVIDER ID", "NPI", "NAME", "KINDS", "CS COUNT", "PLANS"});
  for (const hub::v1::Provider& provider : providers) {
    std::vector<std::string> kinds;
    for (int kind : provider.kinds()) {
      kinds.push_back(kind == hub::v1::PROVIDER_KIND_ECM  ? "ECM"
                      : kind == hub::v1::PROVIDER_KIND_CS ? "CS"
                                                          : "?");
    }
    std::vector<std::string> plans;
    for (const hub::v1::PlanContract& contract : provider.contracts()) {
      plans.push_back(contract.plan_id());
    }
    table.AddRow({provider.provider_id(), OrDash(provider.npi()), OrDash(provider.name()),
                  OrDash(absl::StrJoin(kinds, ",")),
                  absl::StrCat(provider.community_supports_size()),
                  OrDash(absl::StrJoin(plans, ","))});
  }
  return table.Render();
}

std::string TimestampText(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", FromTimestamp(ts), absl::UTCTimeZone());
}

}  // namespace hub
