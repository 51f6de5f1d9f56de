// `hubctl profile check FILE PROFILE [KIND]`: dry-runs a plan file against
// an adapter profile without a hub. hubctl may not link the adapters
// (README, Layering), so it runs the `hubprofile` tool (adapters/tools/,
// built and installed next to hubctl) and passes its output and exit code
// through. The tool is found at $HUB_PROFILE_TOOL, else next to the running
// hubctl, else on PATH.
#ifndef HUB_HUB_CLI_HUBCTL_PROFILE_H_
#define HUB_HUB_CLI_HUBCTL_PROFILE_H_

#include <ostream>
#include <string>
#include <vector>

namespace hub {

// `args` are the words after `profile`, e.g. {"check", FILE, PROFILE}.
// Returns hubprofile's exit code (2 for a usage error, 1 if it cannot run).
int ProfileCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace hub

#endif  // HUB_HUB_CLI_HUBCTL_PROFILE_H_
