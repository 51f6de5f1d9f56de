#include "hub/cli/hubctl_submit.h"

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
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

// Every record of the JSON lines file at `path`, parsed before anything is
// sent: a file with a broken line is fixed and sent whole, never half.
// nullopt (said on `err`) if the file cannot be read or a line is broken.
std::optional<std::vector<SubmissionLine>> ReadSubmissionFile(const std::string& path,
                                                              std::ostream& err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    err << "hubctl: submit: cannot read " << path << "\n";
    return std::nullopt;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    err << "hubctl: submit: reading " << path << " failed; nothing was sent\n";
    return std::nullopt;
  }
  absl::StatusOr<std::vector<SubmissionLine>> read = ReadSubmissionLines(text);
  if (!read.ok()) {
    err << "hubctl: submit: " << path << ": " << read.status().message() << "; nothing was sent\n";
    return std::nullopt;
  }
  return *std::move(read);
}

// The answers to a file's records, tallied for the report.
struct SubmitReport {
  struct Shown {  // One rejection shown in the table.
    int64_t line = 0;
    std::string key;
    std::string field;
    std::string code;
    std::string message;
  };
  int64_t accepted = 0, rejected = 0, replayed = 0;
  std::map<std::string, int64_t> by_plan;
  std::map<std::string, int64_t> by_reason;
  std::vector<Shown> shown;

  // Tallies the hub's answer `r` to the record on file line `line`; shows a
  // rejection while fewer than `shown_limit` are shown (< 0: all).
  void Add(const hub::v1::SubmissionResult& r, int64_t line, int shown_limit) {
    replayed += r.replayed() ? 1 : 0;
    if (r.has_accepted()) {
      ++accepted;
      ++by_plan[r.accepted().plan_id()];
      return;
    }
    ++rejected;
    const hub::v1::RejectedRecord& bad = r.rejected();
    ++by_reason[bad.reason_code()];
    if (shown_limit >= 0 && static_cast<int>(shown.size()) >= shown_limit) return;
    Shown s{line, r.idempotency_key(), "-", bad.reason_code(), ""};
    if (bad.bad_request().field_violations_size() > 0) {
      s.field = bad.bad_request().field_violations(0).field();
      s.message = bad.bad_request().field_violations(0).description();
    }
    shown.push_back(std::move(s));
  }
};

// Sends lines [start, end) in one Submit call and tallies the answers.
// False (said on `err`) if the call fails or answers the wrong count.
bool SubmitBatch(hub::v1::ProviderService::Stub& stub, const SubmitCommandOptions& options,
                 const std::vector<SubmissionLine>& lines, size_t start, size_t end,
                 SubmitReport& report, std::ostream& err) {
  hub::v1::SubmitRequest request;
  request.set_provider_id(options.provider_id);
  for (size_t k = start; k < end; ++k) *request.add_submissions() = lines[k].submission;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kSubmitDeadline));
  hub::v1::SubmitResponse response;
  const absl::Status status = FromGrpcStatus(stub.Submit(&context, request, &response));
  if (!status.ok()) {
    err << "hubctl: submit: lines " << lines[start].line << " to " << lines[end - 1].line << ": "
        << status.message() << " (" << absl::StatusCodeToString(status.code()) << "); " << start
        << " records before them were answered; send the file again "
        << "(their idempotency keys replay the first results)\n";
    return false;
  }
  if (response.results_size() != static_cast<int>(end - start)) {
    err << "hubctl: submit: the hub answered " << response.results_size() << " results for "
        << end - start << " records\n";
    return false;
  }
  for (size_t k = start; k < end; ++k) {
    report.Add(response.results(static_cast<int>(k - start)), lines[k].line,
               options.shown_rejections);
  }
  return true;
}

// The file's totals, where the accepted records went, the rejection
// reasons and the rejections shown.
void PrintSubmitReport(const SubmitCommandOptions& options, size_t records,
                       const SubmitReport& report, std::ostream& out) {
  out << "file      " << options.path << " (" << records << " records in "
      << (records + static_cast<size_t>(options.batch_size) - 1) /
             static_cast<size_t>(options.batch_size)
      << " Submit calls)\n"
      << "records   read " << records << ", accepted " << report.accepted << ", rejected "
      << report.rejected << " (replayed " << report.replayed << ")\n";
  if (!report.by_plan.empty()) {
    out << "routed   ";
    for (const auto& [plan, n] : report.by_plan) out << " " << plan << " " << n;
    out << "\n";
  }
  if (!report.by_reason.empty()) {
    out << "reasons  ";
    for (const auto& [code, n] : report.by_reason) out << " " << code << " " << n;
    out << "\n";
  }
  if (!report.shown.empty()) {
    TextTable table({"LINE", "KEY", "FIELD", "CODE", "MESSAGE"});
    for (const SubmitReport::Shown& s : report.shown) {
      table.AddRow({absl::StrCat(s.line), s.key, s.field, s.code, s.message});
    }
    out << "\n" << table.Render();
    if (static_cast<int64_t>(report.shown.size()) < report.rejected) {
      out << "(first " << report.shown.size() << " rejections shown)\n";
    }
  }
}

}  // namespace

int SubmitJsonLinesCommand(const std::shared_ptr<grpc::Channel>& channel,
                           const SubmitCommandOptions& options, std::ostream& out,
                           std::ostream& err) {
  if (options.batch_size < 1 || options.batch_size > 1000) {
    err << "hubctl: submit: the batch size must be 1 to 1000\n";
    return 2;
  }
  std::optional<std::vector<SubmissionLine>> lines = ReadSubmissionFile(options.path, err);
  if (!lines.has_value()) return 1;
  auto stub = hub::v1::ProviderService::NewStub(channel);
  SubmitReport report;
  const size_t batch = static_cast<size_t>(options.batch_size);
  for (size_t start = 0; start < lines->size(); start += batch) {
    const size_t end = std::min(lines->size(), start + batch);
    if (!SubmitBatch(*stub, options, *lines, start, end, report, err)) return 1;
  }
  PrintSubmitReport(options, lines->size(), report, out);
  return 0;
}

}  // namespace hub
