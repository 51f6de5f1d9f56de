// `hubctl parked`: the county's parked records (AdminService, hub.v1):
//
//   hubctl parked list [--state=open|parked|rerunning|resolved|discarded] [--plan=ID]
//   hubctl parked show PARKED_ID
//   hubctl parked rerun PARKED_ID
//   hubctl parked discard PARKED_ID --reason=TEXT
//
// list and show work for the county analyst too (ids and reason codes
// only); rerun and discard are the administrator's. Exit codes as hubctl.h;
// a rerun that is refused (already rerun, being rerun, discarded) or that
// does not resolve the record exits 1 with the hub's sentence.
#ifndef HUB_HUB_CLI_HUBCTL_PARKED_H_
#define HUB_HUB_CLI_HUBCTL_PARKED_H_

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace hub {

struct ParkedCommandInput {
  std::shared_ptr<grpc::Channel> channel;
  std::map<std::string, std::string> flags;
  std::vector<std::string> args;
};

int RunParkedCommand(const ParkedCommandInput& in, std::ostream& out, std::ostream& err);

}  // namespace hub

#endif  // HUB_HUB_CLI_HUBCTL_PARKED_H_
