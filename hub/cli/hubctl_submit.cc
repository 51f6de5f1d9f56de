#include "hub/cli/hubctl_submit.h"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hub/cli/cli_table.h"
#include "hub/cli/submission_lines.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/provider_service.grpc.pb.h"

namespace hub {
namespace {

constexpr absl::Duration kSubmitDeadline = absl::Seconds(120);

}  // namespace

int SubmitJsonLinesCommand(const std::shared_ptr<grpc::Channel>& channel,
                           const SubmitCommandOptions& options, std::ostream& out,
                           std::ostream& err) {
  if (options.batch_size < 1 || options.batch_size > 1000) {
    err << "hubctl: submit: the batch size must be 1 to 1000\n";
    return 2;
  }
  std::ifstream in(options.path, std::ios::binary);
  if (!in) {
    err << "hubctl: submit: cannot read " << options.path << "\n";
    return 1;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    err << "hubctl: submit: reading " << options.path << " failed; nothing was sent\n";
    return 1;
  }
  // Every line is parsed before anything is sent: a file with a broken line
  // is fixed and sent whole, never half.
  absl::StatusOr<std::vector<SubmissionLine>> read = ReadSubmissionLines(text);
  if (!read.ok()) {
    err << "hubctl: submit: " << options.path << ": " << read.status().message()
        << "; nothing was sent\n";
    return 1;
  }
  const std::vector<SubmissionLine>& lines = *read;

  auto stub = hub::v1::ProviderService::NewStub(channel);
  int64_t accepted = 0, rejected = 0, replayed = 0;
  std::map<std::string, int64_t> by_plan;
  std::map<std::string, int64_t> by_reason;
  struct Shown {
    int64_t line = 0;
    std::string key;
    std::string field;
    std::string code;
    std::string message;
  };
  std::vector<Shown> shown;
  for (size_t start = 0; start < lines.size(); start += static_cast<size_t>(options.batch_size)) {
    const size_t end = std::min(lines.size(), start + static_cast<size_t>(options.batch_size));
    hub::v1::SubmitRequest request;
    request.set_provider_id(options.provider_id);
    for (size_t k = start; k < end; ++k) *request.add_submissions() = lines[k].submission;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kSubmitDeadline));
    hub::v1::SubmitResponse response;
    const absl::Status status = FromGrpcStatus(stub->Submit(&context, request, &response));
    if (!status.ok()) {
      err << "hubctl: submit: lines " << lines[start].line << " to " << lines[end - 1].line << ": "
          << status.message() << " (" << absl::StatusCodeToString(status.code()) << "); " << start
          << " records before them were answered; send the file again "
          << "(their idempotency keys replay the first results)\n";
      return 1;
    }
    if (response.results_size() != static_cast<int>(end - start)) {
      err << "hubctl: submit: the hub answered " << response.results_size() << " results for "
          << end - start << " records\n";
      return 1;
    }
    for (size_t k = start; k < end; ++k) {
      const hub::v1::SubmissionResult& r = response.results(static_cast<int>(k - start));
      replayed += r.replayed() ? 1 : 0;
      if (r.has_accepted()) {
        ++accepted;
        ++by_plan[r.accepted().plan_id()];
        continue;
      }
      ++rejected;
      const hub::v1::RejectedRecord& bad = r.rejected();
      ++by_reason[bad.reason_code()];
      if (options.shown_rejections < 0 ||
          static_cast<int>(shown.size()) < options.shown_rejections) {
        Shown s{lines[k].line, r.idempotency_key(), "-", bad.reason_code(), ""};
        if (bad.bad_request().field_violations_size() > 0) {
          s.field = bad.bad_request().field_violations(0).field();
          s.message = bad.bad_request().field_violations(0).description();
        }
        shown.push_back(std::move(s));
      }
    }
  }

  out << "file      " << options.path << " (" << lines.size() << " records in "
      << (lines.size() + static_cast<size_t>(options.batch_size) - 1) /
             static_cast<size_t>(options.batch_size)
      << " Submit calls)\n"
      << "records   read " << lines.size() << ", accepted " << accepted << ", rejected " << rejected
      << " (replayed " << replayed << ")\n";
  if (!by_plan.empty()) {
    out << "routed   ";
    for (const auto& [plan, n] : by_plan) out << " " << plan << " " << n;
    out << "\n";
  }
  if (!by_reason.empty()) {
    out << "reasons  ";
    for (const auto& [code, n] : by_reason) out << " " << code << " " << n;
    out << "\n";
  }
  if (!shown.empty()) {
    TextTable table({"LINE", "KEY", "FIELD", "CODE", "MESSAGE"});
    for (const Shown& s : shown) {
      table.AddRow({absl::StrCat(s.line), s.key, s.field, s.code, s.message});
    }
    out << "\n" << table.Render();
    if (static_cast<int64_t>(shown.size()) < rejected) {
      out << "(first " << shown.size() << " rejections shown)\n";
    }
  }
  return 0;
}

}  // namespace hub
