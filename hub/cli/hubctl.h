// hubctl, the county administrator's command line, as a library function so
// tests can run it in-process; hubctl_main.cc only gathers argv and the
// environment.
//
//   hubctl [--server=HOST:PORT] <command> [command flags]
//
// Commands live in one table in hubctl.cc (name, flags, summary, handler):
// adding a command is adding a row and a function.
//
// Exit codes: 0 success; 1 the command failed (server unreachable, RPC
// error, health not SERVING); 2 usage error (unknown command or flag).
#ifndef HUB_HUB_CLI_HUBCTL_H_
#define HUB_HUB_CLI_HUBCTL_H_

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace hub {

// Address used when neither --server nor HUB_SERVER is given.
inline constexpr char kDefaultHubServer[] = "127.0.0.1:50051";

// Runs hubctl with `args` (argv without the program name). `env_server` is
// $HUB_SERVER ("" if unset). Output goes to `out`, errors and usage to `err`.
// Returns the process exit code.
int RunHubctl(const std::vector<std::string>& args, std::string_view env_server, std::ostream& out,
              std::ostream& err);

}  // namespace hub

#endif  // HUB_HUB_CLI_HUBCTL_H_
