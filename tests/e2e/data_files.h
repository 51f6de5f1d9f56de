// Reads the repository's data files (demo seed, reference tables) in tests.
// HUB_SOURCE_DIR is a compile definition naming the repository root.
#ifndef HUB_TESTS_E2E_DATA_FILES_H_
#define HUB_TESTS_E2E_DATA_FILES_H_

#include <fstream>
#include <sstream>
#include <string>

#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"

namespace hub::testing {

// Collects text-format parse errors so a failing test names line and column.
class CollectingErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_ += "line " + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " +
               message + "\n";
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

// Path of `relative` under the repository root.
inline std::string SourcePath(const std::string& relative) {
  return std::string(HUB_SOURCE_DIR) + "/" + relative;
}

// Parses the text-format file at repository path `relative` into `out`.
// Returns an empty string on success, else what went wrong.
inline std::string ParseTextFile(const std::string& relative, google::protobuf::Message* out) {
  std::ifstream in(SourcePath(relative));
  if (!in) return "cannot open " + SourcePath(relative);
  std::stringstream buffer;
  buffer << in.rdbuf();
  google::protobuf::TextFormat::Parser parser;
  CollectingErrors errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(buffer.str(), out)) {
    return relative + " does not parse:\n" + errors.errors();
  }
  return "";
}

}  // namespace hub::testing

#endif  // HUB_TESTS_E2E_DATA_FILES_H_
