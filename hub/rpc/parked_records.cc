#include "hub/rpc/parked_records.h"

#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "base/timestamp.h"
#include "hub/common/contract_check.h"
#include "hub/common/log.h"
#include "hub/common/paging.h"

namespace hub {
namespace {

constexpr std::string_view kPageKind = "parked";
constexpr size_t kMaxDiscardReason = 200;

// The analyst's view: ids, codes, counts and times only.
void Redact(hub::v1::ParkedRecord& record) {
  record.clear_file_name();
  record.clear_discard_reason();
  record.clear_record();
}

absl::Status CheckParkedId(std::string_view id) {
  if (id.empty()) {
    return absl::InvalidArgumentError(
        "parked_id is required, e.g. pk_0123456789abcdef (`hubctl parked list` shows them)");
  }
  return absl::OkStatus();
}

}  // namespace

bool ParksUpload(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kResourceExhausted:
    case absl::StatusCode::kDataLoss:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kCancelled:
    case absl::StatusCode::kDeadlineExceeded:
      return true;
    default:
      return false;
  }
}

ParkedRecords::ParkedRecords(ParkedRecordsOptions options) : options_(std::move(options)) {}

absl::StatusOr<bool> ParkedRecords::SeesEverything(const auth::Identity& caller) const {
  if (caller.kind == auth::Identity::Kind::kLocal) return true;
  if (caller.kind != auth::Identity::Kind::kCounty) {
    return absl::PermissionDeniedError(
        "parked records are the county's: only county analysts and administrators may see them");
  }
  absl::StatusOr<auth::Role> role = options_.county_roles.RoleOf(caller.id);
  if (!role.ok()) {
    return absl::PermissionDeniedError(
        absl::StrCat("county user ", caller.id, " has no role; add it to --county_roles_file"));
  }
  return *role == auth::Role::kCountyAdmin;
}

std::string ParkedRecords::KeptPath(std::string_view parked_id) const {
  return (std::filesystem::path(options_.kept_dir) / absl::StrCat(Absl(parked_id), ".file"))
      .string();
}

absl::Status ParkedRecords::List(const auth::Identity& caller,
                                 const hub::v1::ListParkedRecordsRequest& request,
                                 hub::v1::ListParkedRecordsResponse& response) const {
  ASSIGN_OR_RETURN(const bool admin, SeesEverything(caller));
  ASSIGN_OR_RETURN(const int page_size, EffectivePageSize(request.page_size()));
  ASSIGN_OR_RETURN(const std::string after, DecodePageToken(kPageKind, request.page_token()));
  ASSIGN_OR_RETURN(auto page,
                   options_.parked->List(request.state(), request.plan_id(), after, page_size));
  for (hub::v1::ParkedRecord& record : page.first) {
    if (!admin) Redact(record);
    *response.add_records() = std::move(record);
  }
  if (!page.second.empty()) {
    response.set_next_page_token(EncodePageToken(kPageKind, page.second));
  }
  return absl::OkStatus();
}

absl::Status ParkedRecords::Get(const auth::Identity& caller,
                                const hub::v1::GetParkedRecordRequest& request,
                                hub::v1::GetParkedRecordResponse& response) const {
  ASSIGN_OR_RETURN(const bool admin, SeesEverything(caller));
  RETURN_IF_ERROR(CheckParkedId(request.parked_id()));
  ASSIGN_OR_RETURN(hub::v1::ParkedRecord record, options_.parked->Get(request.parked_id()));
  if (!admin) {
    Redact(record);
  } else if (record.reason() == hub::v1::PARKED_REASON_UNRENDERABLE_RECORD &&
             options_.feed != nullptr && record.feed_sequence() > 0) {
    ASSIGN_OR_RETURN(std::vector<hub::v1::FeedItem> items,
                     options_.feed->ReadItems(record.plan_id(), record.feed_sequence() - 1, 1));
    if (!items.empty() && items[0].record_id() == record.record_id()) {
      *record.mutable_record() = std::move(items[0]);
    }
  }
  *response.mutable_record() = std::move(record);
  return absl::OkStatus();
}

absl::Status ParkedRecords::Rerun(const auth::Identity& caller,
                                  const hub::v1::RerunParkedRecordRequest& request,
                                  hub::v1::RerunParkedRecordResponse& response) {
  ASSIGN_OR_RETURN(const bool admin, SeesEverything(caller));
  if (!admin) {
    return absl::PermissionDeniedError("only the county administrator reruns parked records");
  }
  RETURN_IF_ERROR(CheckParkedId(request.parked_id()));
  const std::string by = caller.Organization();
  ASSIGN_OR_RETURN(hub::v1::ParkedRecord record,
                   options_.parked->BeginRerun(request.parked_id(), by, options_.clock()));
  bool resolved = false;
  absl::StatusOr<std::string> outcome = record.reason() == hub::v1::PARKED_REASON_INGEST_INTERRUPTED
                                            ? RerunUpload(record, resolved)
                                            : RerunExport(record, resolved);
  const std::string sentence = outcome.ok() ? *outcome : std::string(outcome.status().message());
  ASSIGN_OR_RETURN(hub::v1::ParkedRecord finished,
                   options_.parked->FinishRerun(record.parked_id(), resolved && outcome.ok(),
                                                sentence, by, options_.clock()));
  log::Info("parked_record_rerun", {{"parked_id", record.parked_id()},
                                    {"record_id", record.record_id()},
                                    {"resolved", resolved && outcome.ok() ? "true" : "false"}});
  if (!outcome.ok()) {
    return absl::Status(
        outcome.status().code(),
        absl::StrCat("rerun of ", record.parked_id(), " failed: ", sentence, "; it stays parked"));
  }
  if (!resolved) {
    return absl::FailedPreconditionError(
        absl::StrCat("rerun of ", record.parked_id(), " did not resolve it: ", sentence,
                     "; it stays parked (fix the cause and rerun, or discard it)"));
  }
  *response.mutable_record() = std::move(finished);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParkedRecords::RerunExport(const hub::v1::ParkedRecord& record,
                                                       bool& resolved) {
  if (options_.feed == nullptr) return absl::UnavailableError("this hub serves no feeds");
  ASSIGN_OR_RETURN(std::vector<hub::v1::FeedItem> items,
                   options_.feed->ReadItems(record.plan_id(), record.feed_sequence() - 1, 1));
  if (items.empty() || items[0].record_id() != record.record_id()) {
    return absl::StrCat("record ", record.record_id(), " is no longer in plan ", record.plan_id(),
                        "'s feed at sequence ", record.feed_sequence());
  }
  if (std::optional<ContractViolation> bad = CheckContract(items[0].submission())) {
    return absl::StrCat("record ", record.record_id(), " still cannot be rendered: ", bad->field,
                        ": ", bad->message);
  }
  resolved = true;
  return absl::StrCat("record ", record.record_id(), " renders now: plan ", record.plan_id(),
                      "'s next export of ", record.period(), " carries it");
}

absl::StatusOr<std::string> ParkedRecords::RerunUpload(const hub::v1::ParkedRecord& record,
                                                       bool& resolved) {
  if (!options_.ingest) return absl::UnavailableError("this hub ingests no plan files");
  SpooledUpload upload;
  upload.plan_id = record.plan_id();
  upload.kind = record.file_kind();
  upload.file_name = record.file_name();
  upload.spool_path = KeptPath(record.parked_id());
  upload.content_sha256 = record.content_sha256();
  upload.size_bytes = record.size_bytes();
  upload.receive_time = options_.clock();
  std::error_code ec;
  if (!std::filesystem::exists(upload.spool_path, ec)) {
    return absl::StrCat("the kept copy of the file is gone; ask plan ", record.plan_id(),
                        " to upload it again, then discard this record");
  }
  ASSIGN_OR_RETURN(hub::v1::IngestReport report, options_.ingest(upload));
  std::filesystem::remove(upload.spool_path, ec);
  resolved = true;
  return absl::StrCat("ingested again: report ", report.report_id(), ", outcome ",
                      hub::v1::IngestOutcome_Name(report.outcome()));
}

absl::Status ParkedRecords::Discard(const auth::Identity& caller,
                                    const hub::v1::DiscardParkedRecordRequest& request,
                                    hub::v1::DiscardParkedRecordResponse& response) {
  ASSIGN_OR_RETURN(const bool admin, SeesEverything(caller));
  if (!admin) {
    return absl::PermissionDeniedError("only the county administrator discards parked records");
  }
  RETURN_IF_ERROR(CheckParkedId(request.parked_id()));
  if (request.reason().empty() || request.reason().size() > kMaxDiscardReason) {
    return absl::InvalidArgumentError(
        "reason is required, 1 to 200 characters: why the record is closed without a rerun "
        "(ids and words, never a member's data)");
  }
  const std::string by = caller.Organization();
  const absl::Time now = options_.clock();
  ASSIGN_OR_RETURN(hub::v1::ParkedRecord record,
                   options_.parked->Discard(request.parked_id(), by, request.reason(), now));
  if (record.reason() == hub::v1::PARKED_REASON_INGEST_INTERRUPTED) {
    std::error_code ec;
    std::filesystem::remove(KeptPath(record.parked_id()), ec);
  }
  if (options_.audit != nullptr) {
    hub::v1::AuditRecord audit;
    *audit.mutable_time() = ToTimestamp(now);
    audit.set_organization(by);
    audit.set_method("/hub.v1.AdminService/DiscardParkedRecord");
    audit.add_record_ids(record.parked_id());
    audit.add_record_ids(record.record_id());
    audit.set_outcome("OK");
    audit.set_detail(
        absl::StrCat("parked record discarded: ", hub::v1::ParkedReason_Name(record.reason()),
                     ", plan ", record.plan_id(), ", ", hub::v1::FileKind_Name(record.file_kind()),
                     "; reason: ", request.reason()));
    RETURN_IF_ERROR(options_.audit->Append(std::move(audit)).status());
  }
  log::Info("parked_record_discarded",
            {{"parked_id", record.parked_id()}, {"record_id", record.record_id()}, {"by", by}});
  *response.mutable_record() = std::move(record);
  return absl::OkStatus();
}

absl::StatusOr<std::string> ParkedRecords::ParkUpload(const SpooledUpload& upload,
                                                      std::string_view report_id,
                                                      const absl::Status& error) {
  const std::string id = storage::ParkedId(hub::v1::PARKED_REASON_INGEST_INTERRUPTED,
                                           upload.plan_id, upload.kind, report_id);
  std::error_code ec;
  std::filesystem::create_directories(options_.kept_dir, ec);
  const std::string kept = KeptPath(id);
  if (!ec) std::filesystem::rename(upload.spool_path, kept, ec);
  if (ec) {
    log::Error("upload_not_parked", {{"plan_id", upload.plan_id}, {"cause", ec.message()}});
    return absl::UnavailableError("the file could not be kept for a rerun");
  }
  hub::v1::ParkedRecord record;
  record.set_reason(hub::v1::PARKED_REASON_INGEST_INTERRUPTED);
  record.set_plan_id(upload.plan_id);
  record.set_file_kind(upload.kind);
  record.set_record_id(std::string(report_id));
  record.set_detail(absl::StrCat("the ingest stopped part way (",
                                 absl::StatusCodeToString(error.code()), "): ", error.message()));
  record.set_file_name(upload.file_name);
  record.set_size_bytes(upload.size_bytes);
  record.set_content_sha256(upload.content_sha256);
  absl::StatusOr<hub::v1::ParkedRecord> parked = options_.parked->Park(record, options_.clock());
  if (!parked.ok()) {
    std::filesystem::rename(kept, upload.spool_path, ec);
    return parked.status();
  }
  if (parked->state() == hub::v1::PARKED_STATE_DISCARDED) {
    std::filesystem::remove(kept, ec);  // Closed by the administrator before.
  }
  log::Warning("upload_parked", {{"plan_id", upload.plan_id},
                                 {"report_id", std::string(report_id)},
                                 {"parked_id", id},
                                 {"code", absl::StatusCodeToString(error.code())}});
  return id;
}

}  // namespace hub
