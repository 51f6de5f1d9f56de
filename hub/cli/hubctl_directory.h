// `hubctl plan create|update` and `hubctl provider create|update`: the
// county administrator edits the directory (DirectoryService.CreatePlan,
// UpdatePlan, CreateProvider, UpdateProvider).
//
//   plan create   --plan=ID --name=N [--county=C] [--dhcs_plan_code=X]
//                 [--adapter_profile=P]
//   plan update   --plan=ID and any of --name --county --dhcs_plan_code
//                 --adapter_profile (only the fields given change)
//   provider create --file=PROVIDER.textproto    a hub.v1.Provider in text
//                 format (contracts, kinds, Community Supports, address...)
//   provider update --provider=ID --file=F --fields=name,phone,...
//                 the named fields of the file replace the stored ones
//
// The hub validates every field and, for a plan, compiles the named adapter
// profile: a profile that does not compile is refused with the reason.
// Prints the stored record. Exit 0 on success, 1 if the hub refused, 2 for
// a usage error.
#ifndef HUB_HUB_CLI_HUBCTL_DIRECTORY_H_
#define HUB_HUB_CLI_HUBCTL_DIRECTORY_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <ostream>
#include <string>

namespace hub {

// `verb` is "create" or "update"; `flags` the command's flags by name.
int PlanCommand(const std::shared_ptr<grpc::Channel>& channel, const std::string& verb,
                const std::map<std::string, std::string>& flags, std::ostream& out,
                std::ostream& err);
int ProviderCommand(const std::shared_ptr<grpc::Channel>& channel, const std::string& verb,
                    const std::map<std::string, std::string>& flags, std::ostream& out,
                    std::ostream& err);

}  // namespace hub

#endif  // HUB_HUB_CLI_HUBCTL_DIRECTORY_H_
