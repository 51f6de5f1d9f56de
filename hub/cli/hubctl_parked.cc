#include "hub/cli/hubctl_parked.h"

#include <cctype>
#include <optional>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "hub/cli/cli_table.h"
#include "hub/cli/hubctl_command.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/admin_service.grpc.pb.h"

namespace hub {
namespace {

constexpr char kUsage[] =
    "usage: hubctl parked list [--state=open|parked|rerunning|resolved|discarded] [--plan=ID]\n"
    "       hubctl parked show PARKED_ID\n"
    "       hubctl parked rerun PARKED_ID\n"
    "       hubctl parked discard PARKED_ID --reason=TEXT\n";

// A rerun re-ingests a whole plan file.
constexpr absl::Duration kReadDeadline = absl::Seconds(10);
constexpr absl::Duration kRerunDeadline = absl::Hours(1);

std::string Trim(std::string name, std::string_view prefix) {
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  return name;
}

std::string StateName(hub::v1::ParkedState state) {
  return Trim(hub::v1::ParkedState_Name(state), "PARKED_STATE_");
}
std::string ReasonName(hub::v1::ParkedReason reason) {
  return Trim(hub::v1::ParkedReason_Name(reason), "PARKED_REASON_");
}

void PrintRecord(const hub::v1::ParkedRecord& r, std::ostream& out) {
  out << "parked id:     " << r.parked_id() << "\n"
      << "state:         " << StateName(r.state()) << " (since " << TimestampText(r.state_time())
      << ", by " << r.state_by() << ")\n"
      << "reason:        " << ReasonName(r.reason()) << "\n"
      << "plan:          " << r.plan_id() << "\n"
      << "file kind:     " << Trim(hub::v1::FileKind_Name(r.file_kind()), "FILE_KIND_") << "\n"
      << "record:        " << r.record_id() << "\n";
  if (!r.period().empty()) out << "period:        " << r.period() << "\n";
  if (!r.field().empty()) out << "field:         " << r.field() << "\n";
  out << "detail:        " << r.detail() << "\n"
      << "parked:        " << TimestampText(r.first_parked_time()) << " .. "
      << TimestampText(r.last_parked_time()) << " (" << r.occurrences() << " times)\n"
      << "reruns:        " << r.rerun_attempts() << "\n";
  if (!r.rerun_outcome().empty()) out << "last rerun:    " << r.rerun_outcome() << "\n";
  if (!r.content_sha256().empty()) {
    out << "file:          " << r.size_bytes() << " bytes, sha256 " << r.content_sha256();
    if (!r.file_name().empty()) out << ", uploaded as " << r.file_name();
    out << "\n";
  }
  if (!r.discard_reason().empty()) out << "discarded:     " << r.discard_reason() << "\n";
  if (r.has_record()) out << "stored record:\n" << r.record().DebugString();
}

int List(hub::v1::AdminService::Stub& stub, const ParkedCommandInput& in, std::ostream& out,
         std::ostream& err) {
  hub::v1::ListParkedRecordsRequest request;
  const std::string state = hubctl::OptionalFlag(in.flags, "state").value_or("open");
  if (state != "open") {
    hub::v1::ParkedState parsed;
    std::string upper = absl::StrCat("PARKED_STATE_", state);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!hub::v1::ParkedState_Parse(upper, &parsed) ||
        parsed == hub::v1::PARKED_STATE_UNSPECIFIED) {
      err << "hubctl: parked list: --state must be open, parked, rerunning, resolved or "
             "discarded\n"
          << kUsage;
      return 2;
    }
    request.set_state(parsed);
  }
  request.set_plan_id(hubctl::OptionalFlag(in.flags, "plan").value_or(""));
  request.set_page_size(1000);
  TextTable table({"PARKED ID", "STATE", "REASON", "PLAN", "KIND", "RECORD", "PERIOD", "FIELD",
                   "TIMES", "LAST PARKED"});
  int rows = 0;
  do {
    grpc::ClientContext context;
    hubctl::PrepareContext(context, kReadDeadline);
    hub::v1::ListParkedRecordsResponse response;
    absl::Status status = FromGrpcStatus(stub.ListParkedRecords(&context, request, &response));
    if (!status.ok()) return hubctl::PrintFailure(err, "parked list", status);
    for (const hub::v1::ParkedRecord& r : response.records()) {
      table.AddRow({r.parked_id(), StateName(r.state()), ReasonName(r.reason()), r.plan_id(),
                    Trim(hub::v1::FileKind_Name(r.file_kind()), "FILE_KIND_"), r.record_id(),
                    r.period().empty() ? "-" : r.period(), r.field().empty() ? "-" : r.field(),
                    absl::StrCat(r.occurrences()), TimestampText(r.last_parked_time())});
      ++rows;
    }
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  if (rows == 0) {
    out << "no parked records (" << state << ")\n";
    return 0;
  }
  out << table.Render();
  return 0;
}

}  // namespace

int RunParkedCommand(const ParkedCommandInput& in, std::ostream& out, std::ostream& err) {
  if (in.args.empty()) {
    err << "hubctl: parked needs list, show, rerun or discard\n" << kUsage;
    return 2;
  }
  auto stub = hub::v1::AdminService::NewStub(in.channel);
  const std::string& verb = in.args[0];
  if (verb == "list") {
    if (in.args.size() != 1) {
      err << kUsage;
      return 2;
    }
    return List(*stub, in, out, err);
  }
  if (verb != "show" && verb != "rerun" && verb != "discard") {
    err << "hubctl: parked: unknown action \"" << verb << "\"\n" << kUsage;
    return 2;
  }
  if (in.args.size() != 2) {
    err << "hubctl: parked " << verb << " needs one PARKED_ID\n" << kUsage;
    return 2;
  }
  const std::string& id = in.args[1];
  grpc::ClientContext context;
  if (verb == "show") {
    hubctl::PrepareContext(context, kReadDeadline);
    hub::v1::GetParkedRecordRequest request;
    request.set_parked_id(id);
    hub::v1::GetParkedRecordResponse response;
    absl::Status status = FromGrpcStatus(stub->GetParkedRecord(&context, request, &response));
    if (!status.ok()) return hubctl::PrintFailure(err, "parked show", status);
    PrintRecord(response.record(), out);
    return 0;
  }
  if (verb == "rerun") {
    hubctl::PrepareContext(context, kRerunDeadline);
    hub::v1::RerunParkedRecordRequest request;
    request.set_parked_id(id);
    hub::v1::RerunParkedRecordResponse response;
    absl::Status status = FromGrpcStatus(stub->RerunParkedRecord(&context, request, &response));
    if (!status.ok()) return hubctl::PrintFailure(err, "parked rerun", status);
    out << "rerun " << id << ": " << response.record().rerun_outcome() << "\n";
    return 0;
  }
  const std::optional<std::string> reason = hubctl::OptionalFlag(in.flags, "reason");
  if (!reason.has_value() || reason->empty()) {
    err << "hubctl: parked discard needs --reason=TEXT (why it is closed without a rerun)\n"
        << kUsage;
    return 2;
  }
  hubctl::PrepareContext(context, kReadDeadline);
  hub::v1::DiscardParkedRecordRequest request;
  request.set_parked_id(id);
  request.set_reason(*reason);
  hub::v1::DiscardParkedRecordResponse response;
  absl::Status status = FromGrpcStatus(stub->DiscardParkedRecord(&context, request, &response));
  if (!status.ok()) return hubctl::PrintFailure(err, "parked discard", status);
  out << "discarded " << id << " (record " << response.record().record_id() << ", by "
      << response.record().state_by() << ")\n";
  return 0;
}

}  // namespace hub
