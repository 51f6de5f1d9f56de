// hubd's flag documentation, generated from the flag definitions themselves
// (the ABSL_FLAG help strings and defaults): `hubd --help` prints the text
// form, `hubd --help=markdown` the table kept in docs/hubd-flags.md (CTest
// hubd_flag_docs fails when the two differ). There is no other copy.
#ifndef HUB_HUB_SERVER_FLAG_TABLE_H_
#define HUB_HUB_SERVER_FLAG_TABLE_H_

#include <string>
#include <string_view>

namespace hub {

enum class FlagTableFormat {
  // "  --name=default\n      help, wrapped at 100 columns\n" per flag.
  kText,
  // "| `--name` | `default` | help |" rows under a header row; '|', '<' and
  // '>' in help text escaped so the table renders.
  kMarkdown,
};

// Every registered flag whose definition's file name ends with `defined_in`
// (e.g. "hub/server/hubd_main.cc"), sorted by name. Empty when none match.
// Reads the process's flag registry: call after flags are registered (any
// time in main). Thread-safe.
std::string FlagTable(std::string_view defined_in, FlagTableFormat format);

}  // namespace hub

#endif  // HUB_HUB_SERVER_FLAG_TABLE_H_
