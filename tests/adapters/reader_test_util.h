// Test helpers for adapters/readers: collect what a reader emits, and read the
// same bytes with different chunkings to check the results do not change.
#ifndef HUB_TESTS_ADAPTERS_READER_TEST_UTIL_H_
#define HUB_TESTS_ADAPTERS_READER_TEST_UTIL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"
#include "adapters/readers/record.h"
#include "gtest/gtest.h"

namespace hub::adapters::testing {

struct Row {
  int64_t row = 0;
  int64_t line = 0;
  std::vector<std::string> fields;
  friend bool operator==(const Row&, const Row&) = default;
};

// Everything a reader produced for one file.
struct Result {
  absl::Status status;          // first non-OK of Feed/Finish
  std::string file_error_code;  // FileErrorCode(status)
  std::vector<std::string> columns;
  std::vector<Row> rows;
  std::vector<RowError> errors;
  ReaderStats stats;

  std::vector<std::string> ErrorCodes() const {
    std::vector<std::string> codes;
    for (const RowError& e : errors) codes.push_back(e.reason_code);
    return codes;
  }
  // Value of column `name` in rows[i].
  std::string Value(size_t i, std::string_view name) const {
    for (size_t c = 0; c < columns.size(); ++c) {
      if (columns[c] == name) return rows.at(i).fields.at(c);
    }
    ADD_FAILURE() << "no column " << name;
    return "";
  }
};

class CollectingSink : public RecordSink {
 public:
  explicit CollectingSink(Result* result) : result_(result) {}
  absl::Status OnColumns(const ColumnMap& columns) override {
    ++columns_calls_;
    EXPECT_EQ(columns_calls_, 1) << "OnColumns called more than once";
    EXPECT_TRUE(result_->rows.empty()) << "OnColumns after a record";
    result_->columns.clear();
    for (size_t i = 0; i < columns.size(); ++i) result_->columns.push_back(columns.name(i));
    return absl::OkStatus();
  }
  absl::Status OnRecord(const Record& record) override {
    Row row{record.row_number(), record.line_number(), {}};
    for (std::string_view f : record.fields()) row.fields.emplace_back(f);
    EXPECT_EQ(row.fields.size(), record.size());
    EXPECT_EQ(record.field(record.size()), "");  // past the end reads empty
    result_->rows.push_back(std::move(row));
    return absl::OkStatus();
  }
  absl::Status OnRowError(const RowError& error) override {
    result_->errors.push_back(error);
    return absl::OkStatus();
  }

 private:
  Result* result_;
  int columns_calls_ = 0;
};

using ReaderFactory = std::function<std::unique_ptr<StreamReader>(RecordSink*)>;

// Feeds `data` in chunks whose sizes `next_size` picks (0 = the rest).
inline Result ReadWith(const ReaderFactory& factory, std::string_view data,
                       const std::function<size_t()>& next_size) {
  Result result;
  CollectingSink sink(&result);
  std::unique_ptr<StreamReader> reader = factory(&sink);
  size_t pos = 0;
  absl::Status status;
  while (pos < data.size() && status.ok()) {
    size_t n = next_size();
    if (n == 0 || n > data.size() - pos) n = data.size() - pos;
    status = reader->Feed(data.substr(pos, n));
    pos += n;
  }
  if (status.ok()) status = reader->Finish();
  result.status = status;
  result.file_error_code = FileErrorCode(status);
  result.stats = reader->stats();
  return result;
}

inline void ExpectSameResult(const Result& a, const Result& b, const std::string& what) {
  EXPECT_EQ(a.status, b.status) << what;
  EXPECT_EQ(a.columns, b.columns) << what;
  EXPECT_EQ(a.rows, b.rows) << what;
  EXPECT_EQ(a.errors, b.errors) << what;
  EXPECT_EQ(a.stats.rows_read, b.stats.rows_read) << what;
  EXPECT_EQ(a.stats.rows_rejected, b.stats.rows_rejected) << what;
}

// Reads `data` whole, byte by byte and in random chunk sizes; expects the
// same result every time and returns it.
inline Result ReadAllWays(const ReaderFactory& factory, std::string_view data) {
  Result whole = ReadWith(factory, data, [] { return size_t{0}; });
  Result bytes = ReadWith(factory, data, [] { return size_t{1}; });
  ExpectSameResult(whole, bytes, "byte-by-byte differs from whole");
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<size_t> dist(1, 7 * seed);
    Result random = ReadWith(factory, data, [&] { return dist(rng); });
    ExpectSameResult(whole, random, "random chunks (seed " + std::to_string(seed) + ") differ");
  }
  // Empty chunks change nothing either.
  {
    Result result;
    CollectingSink sink(&result);
    std::unique_ptr<StreamReader> reader = factory(&sink);
    absl::Status status = reader->Feed("");
    for (size_t i = 0; i < data.size() && status.ok(); ++i) {
      status = reader->Feed(data.substr(i, 1));
      if (status.ok()) status = reader->Feed("");
    }
    if (status.ok()) status = reader->Finish();
    result.status = status;
    result.stats = reader->stats();
    ExpectSameResult(whole, result, "with empty chunks");
  }
  return whole;
}

// Fails if any row error message contains `secret` (field values are PHI).
inline void ExpectNoSecretInMessages(const Result& r, std::string_view secret) {
  for (const RowError& e : r.errors) {
    EXPECT_EQ(e.message.find(secret), std::string::npos) << e.message;
    EXPECT_EQ(e.field.find(secret), std::string::npos) << e.field;
  }
  EXPECT_EQ(std::string(r.status.message()).find(secret), std::string::npos) << r.status;
}

inline std::ostream& operator<<(std::ostream& os, const Row& row) {
  return os << "{row " << row.row << ", line " << row.line << ": " << absl::StrJoin(row.fields, "|")
            << "}";
}

}  // namespace hub::adapters::testing

namespace hub::adapters {
inline std::ostream& operator<<(std::ostream& os, const RowError& e) {
  return os << "{row " << e.row_number << ", line " << e.line_number << ", pos "
            << e.segment_position << ", " << e.field << ", " << e.reason_code << ": " << e.message
            << "}";
}
}  // namespace hub::adapters

#endif  // HUB_TESTS_ADAPTERS_READER_TEST_UTIL_H_
