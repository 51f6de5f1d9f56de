#include "hub/server/flag_table.h"

#include <algorithm>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "base/string_view.h"

namespace hub {
namespace {

constexpr size_t kTextWidth = 100;
constexpr std::string_view kTextIndent = "      ";

// `text` as lines of at most kTextWidth columns, each starting with
// kTextIndent (a longer word gets a line of its own).
std::string Wrap(const std::string& text) {
  std::string out;
  std::string line;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (!line.empty() && kTextIndent.size() + line.size() + 1 + word.size() > kTextWidth) {
      absl::StrAppend(&out, Absl(kTextIndent), line, "\n");
      line.clear();
    }
    absl::StrAppend(&line, line.empty() ? "" : " ", word);
  }
  if (!line.empty()) absl::StrAppend(&out, Absl(kTextIndent), line, "\n");
  return out;
}

std::string MarkdownCell(const std::string& text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"<", "&lt;"}, {">", "&gt;"}});
}

}  // namespace

std::string FlagTable(std::string_view defined_in, FlagTableFormat format) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::EndsWith(flag->Filename(), Absl(defined_in))) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const absl::CommandLineFlag* a, const absl::CommandLineFlag* b) {
              return a->Name() < b->Name();
            });
  std::string out;
  if (format == FlagTableFormat::kMarkdown && !flags.empty()) {
    out = "| Flag | Default | What it does |\n| --- | --- | --- |\n";
  }
  for (const absl::CommandLineFlag* flag : flags) {
    const std::string default_value = flag->DefaultValue();
    if (format == FlagTableFormat::kText) {
      absl::StrAppend(&out, "  --", flag->Name(), "=", default_value, "\n", Wrap(flag->Help()));
    } else {
      absl::StrAppend(&out, "| `--", flag->Name(), "` | ",
                      default_value.empty() ? "" : absl::StrCat("`", default_value, "`"), " | ",
                      MarkdownCell(flag->Help()), " |\n");
    }
  }
  return out;
}

}  // namespace hub
