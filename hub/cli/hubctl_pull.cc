#include "hub/cli/hubctl_pull.h"

#include <google/protobuf/util/json_util.h>

#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hub/cli/cli_table.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/plan_service.grpc.pb.h"

namespace hub {
namespace {

constexpr std::string_view kKindPrefix = "RECORD_KIND_";
// A pull without --follow is bounded by this; Ack calls by kAckDeadline.
constexpr absl::Duration kPullDeadline = absl::Hours(6);
constexpr absl::Duration kAckDeadline = absl::Seconds(30);

std::string KindWord(hub::v1::RecordKind kind) {
  std::string name = hub::v1::RecordKind_Name(kind);
  if (name.rfind(kKindPrefix, 0) == 0) name = name.substr(kKindPrefix.size());
  return name;
}

void ReportError(std::ostream& err, std::string_view server, std::string_view what,
                 const absl::Status& status) {
  if (absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status)) {
    err << "hubctl: cannot reach hubd at " << server
        << " (is it running? set --server or HUB_SERVER)\n";
  } else {
    err << "hubctl: " << what << ": " << status.message() << " ("
        << absl::StatusCodeToString(status.code()) << ")\n";
  }
}

}  // namespace

absl::StatusOr<std::vector<hub::v1::RecordKind>> ParseRecordKinds(std::string_view text) {
  std::vector<hub::v1::RecordKind> kinds;
  for (absl::string_view word :
       absl::StrSplit(absl::string_view(text.data(), text.size()), ',', absl::SkipWhitespace())) {
    std::string name = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(word));
    if (name.rfind(kKindPrefix, 0) != 0) name = std::string(kKindPrefix) + name;
    hub::v1::RecordKind kind;
    if (!hub::v1::RecordKind_Parse(name, &kind) || kind == hub::v1::RECORD_KIND_UNSPECIFIED) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown record kind \"", word,
          "\"; use outreach_attempt, enrollment_status, care_plan, service, invoice_line or "
          "referral_status"));
    }
    kinds.push_back(kind);
  }
  return kinds;
}

namespace {

// Acknowledges a plan's feed for `hubctl pull --ack`, once per new sequence.
class FeedAcknowledger {
 public:
  FeedAcknowledger(hub::v1::PlanService::Stub& stub, std::string_view server,
                   const PullCommandOptions& options, std::ostream& err)
      : stub_(stub), server_(server), options_(options), err_(err) {}

  // Acknowledges through `through` if --ack and that is new. False (and
  // reported on `err`) on error.
  bool AckThrough(uint64_t through) {
    if (!options_.ack || through <= acked_) return true;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kAckDeadline));
    hub::v1::AckRequest request;
    request.set_plan_id(options_.plan_id);
    request.set_through_sequence(through);
    hub::v1::AckResponse response;
    absl::Status status = FromGrpcStatus(stub_.Ack(&context, request, &response));
    if (!status.ok()) {
      ReportError(err_, server_, "pull: ack", status);
      return false;
    }
    acked_ = response.cursor();
    return true;
  }

  // The plan's cursor after the last acknowledgement (0 before any).
  uint64_t acked() const { return acked_; }

 private:
  hub::v1::PlanService::Stub& stub_;
  const std::string_view server_;
  const PullCommandOptions& options_;
  std::ostream& err_;
  uint64_t acked_ = 0;
};

// Prints one feed item: its JSON (`json` is a reused buffer), or a table
// line where a withheld item (42 CFR Part 2, no consent) shows its reason.
void PrintFeedItem(const hub::v1::FeedItem& item, bool as_json, std::string& json,
                   std::ostream& out) {
  if (as_json) {
    google::protobuf::util::JsonPrintOptions json_options;
    json_options.preserve_proto_field_names = true;
    json.clear();
    if (!google::protobuf::util::MessageToJsonString(item, &json, json_options).ok()) {
      json = "{}";
    }
    out << json << "\n";
    return;
  }
  out << absl::StrFormat(
      "%-8d %-22s %-18s %-16s %s\n", item.sequence(), item.record_id(),
      item.withheld_reason().empty() ? KindWord(item.kind()) : "WITHHELD",
      item.withheld_reason().empty() ? item.provider_id() : item.withheld_reason(),
      TimestampText(item.accept_time()));
}

// What one pull received.
struct PullTally {
  int64_t received = 0;
  uint64_t first = 0;  // sequences of the first and last item
  uint64_t last = 0;
  uint64_t head = 0;  // the feed's head when the last item came
};

// The closing line on `err`: how many items, which sequences, what is acked.
void PrintPullSummary(const PullCommandOptions& options, const PullTally& tally, uint64_t acked,
                      std::ostream& err) {
  if (tally.received == 0) {
    err << "hubctl: pull: no new items in plan " << options.plan_id << "'s feed\n";
    return;
  }
  err << "hubctl: pull: " << tally.received << " items (sequences " << tally.first << ".."
      << tally.last << ", feed head " << tally.head << ")";
  if (options.ack) err << "; acknowledged through " << acked;
  err << "\n";
}

}  // namespace

int PullFeedCommand(const std::shared_ptr<grpc::Channel>& channel, std::string_view server,
                    const PullCommandOptions& options, std::ostream& out, std::ostream& err) {
  auto stub = hub::v1::PlanService::NewStub(channel);
  FeedAcknowledger acknowledger(*stub, server, options, err);
  grpc::ClientContext context;
  context.set_wait_for_ready(false);
  if (!options.follow) context.set_deadline(absl::ToChronoTime(absl::Now() + kPullDeadline));
  hub::v1::PullFeedRequest request;
  request.set_plan_id(options.plan_id);
  for (hub::v1::RecordKind kind : options.kinds) request.add_kinds(kind);
  request.set_max_items(options.max_items);
  request.set_follow(options.follow);
  std::unique_ptr<grpc::ClientReader<hub::v1::PullFeedResponse>> reader =
      stub->PullFeed(&context, request);

  hub::v1::PullFeedResponse response;
  PullTally tally;
  int since_ack = 0;
  bool ack_failed = false;
  std::string json;
  while (reader->Read(&response)) {
    const hub::v1::FeedItem& item = response.item();
    if (tally.received == 0) tally.first = item.sequence();
    ++tally.received;
    tally.last = item.sequence();
    tally.head = response.head_sequence();
    PrintFeedItem(item, options.json, json, out);
    ++since_ack;
    // Every ack_every items, and whenever the stream has caught up.
    if (options.ack && !ack_failed &&
        (since_ack >= options.ack_every || tally.last >= tally.head)) {
      out.flush();
      if (!acknowledger.AckThrough(tally.last)) {
        ack_failed = true;
        context.TryCancel();
        break;
      }
      since_ack = 0;
    }
  }
  absl::Status status = FromGrpcStatus(reader->Finish());
  out.flush();
  if (ack_failed) return 1;
  if (!status.ok()) {
    ReportError(err, server, "pull", status);
    // Acknowledge what did arrive: it was printed.
    if (tally.received > 0) acknowledger.AckThrough(tally.last);
    return 1;
  }
  if (tally.received > 0 && !acknowledger.AckThrough(tally.last)) return 1;
  PrintPullSummary(options, tally, acknowledger.acked(), err);
  return 0;
}

}  // namespace hub
