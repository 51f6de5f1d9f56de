#include "hub/cli/hubctl_command.h"

#include "absl/status/status.h"
#include "absl/time/clock.h"

namespace hub::hubctl {

void PrepareContext(grpc::ClientContext& context, absl::Duration deadline) {
  context.set_wait_for_ready(false);
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
}

std::optional<std::string> OptionalFlag(const std::map<std::string, std::string>& flags,
                                        const std::string& name) {
  auto it = flags.find(name);
  if (it == flags.end()) return std::nullopt;
  return it->second;
}

int PrintFailure(std::ostream& err, std::string_view what, const absl::Status& status) {
  err << "hubctl: " << what << ": " << status.message() << " ("
      << absl::StatusCodeToString(status.code()) << ")\n";
  return 1;
}

// Prints why an RPC failed and returns exit code 1.
int Fail(const Invocation& inv, std::string_view command, const absl::Status& status) {
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    inv.err << "hubctl: cannot reach hubd at " << inv.server
            << " (is it running? set --server or HUB_SERVER"
            << (inv.tls ? "; check that your certificate is signed by the county CA, current "
                          "and not revoked"
                        : "; a hub serving TLS needs --tls_dir or HUB_TLS_DIR")
            << ")\n";
    return 1;
  }
  return PrintFailure(inv.err, command, status);
}

}  // namespace hub::hubctl
