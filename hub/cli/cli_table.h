// Plain-text tables for hubctl: aligned columns, a header row, two spaces
// between columns, no trailing spaces. Width counts UTF-8 characters, so
// names such as "Clínica" line up.
#ifndef HUB_HUB_CLI_CLI_TABLE_H_
#define HUB_HUB_CLI_CLI_TABLE_H_

#include <string>
#include <vector>

#include "google/protobuf/timestamp.pb.h"
#include "hub/v1/organization.pb.h"

namespace hub {

// `s`, or "-" when it is empty (an empty table cell).
std::string OrDash(const std::string& s);

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers);

  // Adds a row; missing cells print empty, extra cells are dropped.
  void AddRow(std::vector<std::string> cells);

  // The header line then one line per row, each ending in '\n'.
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// PLAN ID, NAME, DHCS CODE, ADAPTER ("-" for an empty value).
std::string FormatPlansTable(const std::vector<hub::v1::Plan>& plans);

// PROVIDER ID, NPI, NAME, KINDS ("ECM,CS"), CS COUNT (community supports
// offered), PLANS (contracted plan ids, comma-separated).
std::string FormatProvidersTable(const std::vector<hub::v1::Provider>& providers);

// `ts` as "2026-01-31T14:05:09Z" (UTC, whole seconds); "-" when unset (zero).
std::string TimestampText(const google::protobuf::Timestamp& ts);

}  // namespace hub

#endif  // HUB_HUB_CLI_CLI_TABLE_H_
