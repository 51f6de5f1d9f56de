// `hubctl pull`: streams a plan's feed to stdout, one line per item, and
// optionally acknowledges what it received. Lives apart from hubctl.cc's
// command table, which only parses the flags and calls PullFeedCommand.
//
// Default output is one line per item with no PHI: sequence, record id,
// kind, provider id, accept time (UTC). --json prints each whole item (the
// record, PHI included) as one JSON object per line, for a plan's system.
// With ack, the items received are acknowledged (Ack through the last
// sequence received) every `ack_every` items, whenever the stream reaches
// the head, and at the end.
#ifndef HUB_HUB_CLI_HUBCTL_PULL_H_
#define HUB_HUB_CLI_HUBCTL_PULL_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/v1/submission.pb.h"

namespace hub {

struct PullCommandOptions {
  std::string plan_id;
  // Only these kinds; empty = all.
  std::vector<hub::v1::RecordKind> kinds;
  // Stop after this many items; 0 = no limit.
  int max_items = 0;
  bool ack = false;
  bool follow = false;
  bool json = false;
  int ack_every = 1000;
};

// Parses "service,outreach_attempt" (case-insensitive, with or without the
// RECORD_KIND_ prefix). InvalidArgument naming the bad word otherwise.
absl::StatusOr<std::vector<hub::v1::RecordKind>> ParseRecordKinds(std::string_view text);

// Runs the pull. Items go to `out`; the closing summary and errors to
// `err`. Returns the exit code (0 OK, 1 RPC failure).
int PullFeedCommand(const std::shared_ptr<grpc::Channel>& channel, std::string_view server,
                    const PullCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace hub

#endif  // HUB_HUB_CLI_HUBCTL_PULL_H_
