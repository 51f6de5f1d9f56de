// hubprofile: check a plan's adapter profile and dry-run a file against it,
// without a hub (adapters/profile_check.h). `hubctl profile check` runs it.
//
//   hubprofile check FILE PROFILE [KIND]
//     PROFILE: a profile.textproto, or the folder holding one
//     KIND:    assignment (default), authorization, quality, rtf, otf, invoice
//   hubprofile compile PROFILE
//
// Prints the profile version, the file-level verdict, rows read, mapped and
// rejected, the first row errors (row, field, reason code; never values) and
// how many rows fill each column. Exit 0 when the file reads and at least
// one row maps (compile: when the profile compiles), 1 otherwise, 2 for a
// usage error.
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "adapters/profile_check.h"

namespace {

using hub::adapters::CompiledProfile;

int Usage() {
  std::cerr << "usage: hubprofile check FILE PROFILE [assignment|authorization|quality|rtf|otf|"
               "invoice]\n       hubprofile compile PROFILE\n"
               "PROFILE is a profile.textproto or the folder holding one.\n";
  return 2;
}

bool Compile(const std::string& where, CompiledProfile* out) {
  std::filesystem::path path(where);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) path /= "profile.textproto";
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "hubprofile: cannot read the profile " << path.string() << "\n";
    return false;
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<CompiledProfile> compiled =
      hub::adapters::CompileProfileText(text.str(), path.string());
  if (!compiled.ok()) {
    std::cerr << "hubprofile: " << compiled.status().message() << "\n";
    return false;
  }
  *out = *std::move(compiled);
  return true;
}

int Check(const std::string& file, const std::string& profile_path, const std::string& word) {
  const hub::v1::FileKind kind = hub::adapters::FileKindOfWord(word);
  if (kind == hub::v1::FILE_KIND_UNSPECIFIED) return Usage();
  CompiledProfile profile;
  if (!Compile(profile_path, &profile)) return 1;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::cerr << "hubprofile: cannot read " << file << "\n";
    return 1;
  }
  absl::StatusOr<hub::adapters::FileCheck> check = CheckPlanFile(profile, kind, in);
  if (!check.ok()) {
    std::cerr << "hubprofile: " << check.status().message() << "\n";
    return 1;
  }
  std::cout << "profile   " << profile.profile.name() << " (version "
            << hub::adapters::ProfileVersion(profile.profile, kind) << ")\n"
            << "kind      " << hub::v1::FileKind_Name(kind) << "\n";
  if (!check->file_error_code.empty()) {
    std::cout << "verdict   REJECTED " << check->file_error_code << ": " << check->file_error
              << "\n";
    return 1;
  }
  std::cout << "verdict   the file reads\n"
            << "rows      read " << check->rows_read << ", mapped " << check->rows_mapped
            << ", rejected " << check->rows_rejected << "\n"
            << "(the hub also checks NPIs against the directory, contracts and coverage when the "
               "file is uploaded)\n";
  if (!check->errors.empty()) {
    std::cout << "\nROW     FIELD                          CODE                     MESSAGE\n";
    for (const hub::adapters::RowError& e : check->errors) {
      std::cout << std::left << std::setw(8) << e.row_number << std::setw(31)
                << (e.field.empty() ? "-" : e.field) << std::setw(25) << e.reason_code << e.message
                << "\n";
    }
  }
  std::cout << "\nCOLUMN                                           ROWS FILLED\n";
  for (const hub::adapters::ColumnFill& f : check->fill) {
    std::cout << std::left << std::setw(48) << f.column << " " << f.filled << "\n";
  }
  return check->rows_mapped > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() >= 3 && args.size() <= 4 && args[0] == "check") {
    return Check(args[1], args[2], args.size() == 4 ? args[3] : "assignment");
  }
  if (args.size() == 2 && args[0] == "compile") {
    CompiledProfile profile;
    if (!Compile(args[1], &profile)) return 1;
    std::cout << "profile " << profile.profile.name() << " compiles\n";
    return 0;
  }
  return Usage();
}
