// `hubctl submit FILE.jsonl`: a provider's canonical records (one
// hub.v1.Submission per line, protobuf JSON) sent through
// ProviderService.Submit in batches, with a report of every record's result.
// (`hubctl submit FILE.csv` uploads the CBO CSV template instead; hubctl.cc.)
//
// The report: records read, accepted, rejected and replayed; accepted
// records per plan they were routed to; rejections per reason code; then
// the first rejections as a table (line, idempotency key, field, code,
// message). The hub's messages never contain PHI.
#ifndef HUB_HUB_CLI_HUBCTL_SUBMIT_H_
#define HUB_HUB_CLI_HUBCTL_SUBMIT_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <ostream>
#include <string>

namespace hub {

struct SubmitCommandOptions {
  std::string provider_id;
  std::string path;
  // Submissions per Submit call (1..1000).
  int batch_size = 500;
  // Rejections shown in the table; -1 = all.
  int shown_rejections = 20;
};

// Reads the file and submits it. Returns the exit code: 0 when the hub
// answered every record (accepted or rejected), 1 when the file cannot be
// read or a line is not a Submission (nothing is sent then) or a call
// failed (the records of calls already answered stay stored; sending the
// file again is safe: their idempotency keys replay their first results).
int SubmitJsonLinesCommand(const std::shared_ptr<grpc::Channel>& channel,
                           const SubmitCommandOptions& options, std::ostream& out,
                           std::ostream& err);

}  // namespace hub

#endif  // HUB_HUB_CLI_HUBCTL_SUBMIT_H_
