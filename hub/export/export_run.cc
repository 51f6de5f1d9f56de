#include "hub/export/export_run.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "hub/common/contract_check.h"
#include "hub/common/log.h"

namespace hub {

std::string_view ExportKindTitle(hub::v1::FileKind kind) {
  switch (kind) {
    case hub::v1::FILE_KIND_RETURN_TRANSMISSION:
      return "Return Transmission File";
    case hub::v1::FILE_KIND_OUTREACH_TRACKER:
      return "Outreach Tracker File";
    case hub::v1::FILE_KIND_INVOICE:
      return "invoice file";
    default:
      return "837P claims file";
  }
}

ExportRun::ExportRun(const ExportStores& stores, const FileExportOptions& options,
                     const ExportJob& job, const FileExporter::Sink& sink,
                     const std::atomic<bool>* cancelled)
    : stores_(stores), options_(options), job_(job), sink_(sink), cancelled_(cancelled) {}

void ExportRun::Start(absl::Time now, int64_t control_number) {
  result_.control_number = control_number;
  render_.file_date = absl::FormatTime("%Y-%m-%d", now, absl::UTCTimeZone());
  render_.file_time = absl::FormatTime("%H%M", now, absl::UTCTimeZone());
  render_.control_number = control_number;
}

absl::StatusOr<bool> ExportRun::NextDisclosed(storage::FeedScan& scan, hub::v1::FeedItem& item) {
  while (true) {
    ASSIGN_OR_RETURN(const bool more, scan.Next(item));
    if (!more) return false;
    if (Park(item)) continue;
    if (item.redisclosure_notice().empty() || options_.disclosure == nullptr) return true;
    ASSIGN_OR_RETURN(const bool covered,
                     options_.disclosure->MayDisclose(job_.plan.plan_id(), item));
    if (covered) {
      result_.redisclosure_notice = item.redisclosure_notice();
      return true;
    }
    if (++result_.part2_withheld <= static_cast<int64_t>(kLoggedRecordIds)) {
      withheld_ids_.push_back(item.record_id());
    }
  }
}

absl::StatusOr<bool> ExportRun::MayDisclose(const hub::v1::FeedItem& item) {
  if (item.redisclosure_notice().empty() || options_.disclosure == nullptr) return true;
  ASSIGN_OR_RETURN(const bool covered, options_.disclosure->MayDisclose(job_.plan.plan_id(), item));
  if (covered) result_.redisclosure_notice = item.redisclosure_notice();
  return covered;
}

bool ExportRun::Park(const hub::v1::FeedItem& item) {
  std::optional<ContractViolation> bad = CheckContract(item.submission());
  if (!bad.has_value()) return false;
  if (result_.unrenderable_ids.size() < kReportedUnrenderable) {
    result_.unrenderable_ids.push_back(item.record_id());
  }
  ++result_.unrenderable;
  std::string parked_id;
  if (options_.parked != nullptr) {
    hub::v1::ParkedRecord parked;
    parked.set_reason(hub::v1::PARKED_REASON_UNRENDERABLE_RECORD);
    parked.set_plan_id(job_.plan.plan_id());
    parked.set_file_kind(job_.kind);
    parked.set_record_id(item.record_id());
    parked.set_period(job_.period);
    parked.set_field(bad->field);
    parked.set_detail(bad->message);
    parked.set_feed_sequence(item.sequence());
    absl::StatusOr<hub::v1::ParkedRecord> stored = options_.parked->Park(parked, options_.clock());
    // The record is left out and reported either way; the next export
    // parks it again.
    if (stored.ok()) {
      parked_id = stored->parked_id();
    } else {
      log::Warning("record_not_parked", {{"record_id", item.record_id()},
                                         {"code", absl::StatusCodeToString(stored.status().code())},
                                         {"cause", std::string(stored.status().message())}});
    }
  }
  log::Warning("export_record_parked", {{"plan_id", job_.plan.plan_id()},
                                        {"kind", std::string(ExportKindWord(job_.kind))},
                                        {"period", job_.period},
                                        {"record_id", item.record_id()},
                                        {"parked_id", parked_id},
                                        {"field", bad->field}});
  return true;
}

absl::Status ExportRun::CheckCancelled() const {
  if (cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed)) {
    return absl::CancelledError("the export was cancelled");
  }
  return absl::OkStatus();
}

absl::Status ExportRun::Flush(bool all) {
  if (out_.empty() || (!all && out_.size() < options_.flush_bytes)) return absl::OkStatus();
  RETURN_IF_ERROR(sink_(out_));
  result_.bytes += static_cast<int64_t>(out_.size());
  out_.clear();
  return absl::OkStatus();
}

void ExportRun::LogDone() const {
  if (result_.part2_withheld > 0) {
    log::Info("part2_records_not_exported", {{"plan_id", job_.plan.plan_id()},
                                             {"kind", std::string(ExportKindWord(job_.kind))},
                                             {"period", job_.period},
                                             {"records", result_.part2_withheld},
                                             {"record_ids", absl::StrJoin(withheld_ids_, ",")}});
  }
  log::Info("plan_file_exported", {{"plan_id", job_.plan.plan_id()},
                                   {"kind", std::string(ExportKindWord(job_.kind))},
                                   {"period", job_.period},
                                   {"records", result_.record_count},
                                   {"control_number", result_.control_number},
                                   {"bytes", result_.bytes}});
}

absl::StatusOr<const hub::v1::Provider*> ExportRun::ProviderOf(const hub::v1::FeedItem& item) {
  auto it = providers_.find(item.provider_id());
  if (it != providers_.end()) return &it->second;
  absl::StatusOr<hub::v1::Provider> got = stores_.directory->GetProvider(item.provider_id());
  hub::v1::Provider provider;
  if (got.ok()) {
    provider = *std::move(got);
  } else if (absl::IsNotFound(got.status())) {
    // Removed from the directory since: what the feed item says.
    provider.set_provider_id(item.provider_id());
    provider.set_npi(item.provider_npi());
    provider.set_name(item.provider_id());
  } else {
    return got.status();
  }
  return &providers_.emplace(item.provider_id(), std::move(provider)).first->second;
}

absl::StatusOr<hub::v1::Member> ExportRun::MemberOf(const std::string& cin) const {
  absl::StatusOr<hub::v1::Member> member = stores_.members->Get(cin);
  if (absl::IsNotFound(member.status())) {
    hub::v1::Member bare;
    bare.set_cin(cin);
    return bare;
  }
  return member;
}

absl::StatusOr<bool> ExportRun::CoveredInPeriod(const std::string& cin) const {
  for (const std::string* day : {&job_.first_day, &job_.last_day}) {
    absl::StatusOr<hub::v1::Coverage> coverage = stores_.coverage->CoveringPlan(cin, *day);
    if (coverage.ok() && coverage->plan_id() == job_.plan.plan_id()) return true;
    if (!coverage.ok() && !absl::IsNotFound(coverage.status())) return coverage.status();
  }
  return false;
}

void ExportRun::SetPlan(hub::v1::Plan* plan) const {
  plan->set_plan_id(job_.plan.plan_id());
  plan->set_name(job_.plan.name());
  plan->set_dhcs_plan_code(job_.plan.dhcs_plan_code());
}

void ExportRun::SetProvider(const hub::v1::Provider& from, hub::v1::Provider* to) {
  to->set_provider_id(from.provider_id());
  to->set_name(from.name());
  to->set_npi(from.npi());
  to->set_tin(from.tin());
  to->set_phone(from.phone());
  to->set_provider_type(from.provider_type());
}

void ExportRun::SetMemberName(const hub::v1::Member& from, hub::v1::Member* to) {
  to->set_cin(from.cin());
  *to->mutable_name() = from.name();
}

absl::Status ExportRun::OpenRenderer() {
  ASSIGN_OR_RETURN(renderer_, job_.profile->adapter->OpenRenderer(job_.kind, render_));
  return absl::OkStatus();
}

absl::Status ExportRun::AddRow(const google::protobuf::Message& row, const std::string& record_id) {
  absl::Status added = renderer_->Add(row, out_);
  if (!added.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "record ", record_id, " cannot be written in plan ", job_.plan.plan_id(), "'s layout: ",
        added.message(), " (adapters/plans/", job_.plan.adapter_profile(), "/profile.textproto)"));
  }
  ++result_.record_count;
  RETURN_IF_ERROR(CheckCancelled());
  return Flush(/*all=*/false);
}

absl::Status ExportRun::FinishRenderer() {
  absl::Status finished = renderer_->Finish(out_);
  if (!finished.ok()) {
    return absl::FailedPreconditionError(absl::StrCat("the ", Absl(ExportKindTitle(job_.kind)),
                                                      " of plan ", job_.plan.plan_id(),
                                                      " cannot be finished: ", finished.message()));
  }
  return absl::OkStatus();
}

}  // namespace hub
