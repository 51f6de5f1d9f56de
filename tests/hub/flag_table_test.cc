#include "hub/server/flag_table.h"

#include <string>

#include "absl/flags/flag.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

// Flags of this file only: FlagTable lists the flags of the file it is given.
ABSL_FLAG(int, flag_table_test_limit, 7, "Uploads at once; one more is refused.");
ABSL_FLAG(std::string, flag_table_test_roles, "",
          "One \"<name> admin|analyst\" per line, a long help text that the text form wraps "
          "at one hundred columns so that a terminal shows it whole and nothing runs off.");

namespace hub {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kThisFile[] = "tests/hub/flag_table_test.cc";

TEST(FlagTableTest, TextListsThisFilesFlagsByNameWithDefaultsAndWrappedHelp) {
  const std::string text = FlagTable(kThisFile, FlagTableFormat::kText);
  EXPECT_EQ(text,
            "  --flag_table_test_limit=7\n"
            "      Uploads at once; one more is refused.\n"
            "  --flag_table_test_roles=\n"
            "      One \"<name> admin|analyst\" per line, a long help text that the text form "
            "wraps at one hundred\n"
            "      columns so that a terminal shows it whole and nothing runs off.\n");
}

TEST(FlagTableTest, MarkdownEscapesWhatWouldBreakTheTable) {
  const std::string table = FlagTable(kThisFile, FlagTableFormat::kMarkdown);
  EXPECT_THAT(table, HasSubstr("| Flag | Default | What it does |\n| --- | --- | --- |\n"));
  EXPECT_THAT(table, HasSubstr("| `--flag_table_test_limit` | `7` | Uploads at once; one more is "
                               "refused. |\n"));
  EXPECT_THAT(table,
              HasSubstr("| `--flag_table_test_roles` |  | One \"&lt;name&gt; admin\\|analyst\""));
  EXPECT_THAT(table, Not(HasSubstr("<name>")));
}

TEST(FlagTableTest, OtherFilesFlagsAreLeftOut) {
  EXPECT_EQ(FlagTable("no/such/file.cc", FlagTableFormat::kText), "");
  EXPECT_EQ(FlagTable("no/such/file.cc", FlagTableFormat::kMarkdown), "");
  // gtest's and Abseil's own flags are not this file's.
  EXPECT_THAT(FlagTable(kThisFile, FlagTableFormat::kText), Not(HasSubstr("--flagfile")));
}

}  // namespace
}  // namespace hub
