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

int PullFeedCommand(const std::shared_ptr<grpc::Channel>& channel, std::string_view server,
                    const PullCommandOptions& options, std::ostream& out, std::ostream& err) {
  auto stub = hub::v1::PlanService::NewStub(channel);
  uint64_t acked = 0;
  // Acknowledges through `through` if that is new. False (and reported) on error.
  auto ack = [&](uint64_t through) -> bool {
    if (!options.ack || through <= acked) return true;
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + kAckDeadline));
    hub::v1::AckRequest request;
    request.set_plan_id(options.plan_id);
    request.set_through_sequence(through);
    hub::v1::AckResponse response;
    absl::Status status = FromGrpcStatus(stub->Ack(&context, request, &response));
    if (!status.ok()) {
      ReportError(err, server, "pull: ack", status);
      return false;
    }
    acked = response.cursor();
    return true;
  };

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
  int64_t received = 0;
  uint64_t first = 0;
  uint64_t last = 0;
  uint64_t head = 0;
  int since_ack = 0;
  bool ack_failed = false;
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.preserve_proto_field_names = true;
  std::string json;
  while (reader->Read(&response)) {
    const hub::v1::FeedItem& item = response.item();
    if (received == 0) first = item.sequence();
    ++received;
    last = item.sequence();
    head = response.head_sequence();
    if (options.json) {
      json.clear();
      if (!google::protobuf::util::MessageToJsonString(item, &json, json_options).ok()) {
        json = "{}";
      }
      out << json << "\n";
    } else {
      // A withheld item (42 CFR Part 2, no consent) shows its reason.
      out << absl::StrFormat(
          "%-8d %-22s %-18s %-16s %s\n", item.sequence(), item.record_id(),
          item.withheld_reason().empty() ? KindWord(item.kind()) : "WITHHELD",
          item.withheld_reason().empty() ? item.provider_id() : item.withheld_reason(),
          TimestampText(item.accept_time()));
    }
    ++since_ack;
    // Every ack_every items, and whenever the stream has caught up.
    if (options.ack && !ack_failed && (since_ack >= options.ack_every || last >= head)) {
      out.flush();
      if (!ack(last)) {
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
    if (received > 0) ack(last);
    return 1;
  }
  if (received > 0 && !ack(last)) return 1;
  if (received == 0) {
    err << "hubctl: pull: no new items in plan " << options.plan_id << "'s feed\n";
  } else {
    err << "hubctl: pull: " << received << " items (sequences " << first << ".." << last
        << ", feed head " << head << ")";
    if (options.ack) err << "; acknowledged through " << acked;
    err << "\n";
  }
  return 0;
}

}  // namespace hub
