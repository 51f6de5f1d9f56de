// IngestPipeline: one upload from its spool to its stored report (see
// ingest.h). The rows themselves go through the Ingestor (ingestor.h).
#include "hub/ingest/ingest.h"

#include <chrono>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "adapters/plan_adapter.h"
#include "adapters/readers/record.h"
#include "base/identifiers.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "base/timestamp.h"
#include "google/protobuf/timestamp.pb.h"
#include "hub/common/log.h"
#include "hub/ingest/claim_answers.h"
#include "hub/ingest/ingest_threads.h"
#include "hub/ingest/ingestor.h"
#include "hub/v1/adapter_config.pb.h"
#include "storage/claim_store.h"

namespace hub {
namespace {

using hub::v1::FileKind;
using hub::v1::IngestReport;

// The rejection code of a file none of whose rows could be applied.
constexpr std::string_view kFileNoRowsAccepted = "FILE_NO_ROWS_ACCEPTED";
// The rejection code of a snapshot file with more rows rejected than its
// plan's profile allows (max_rejected_rows_percent).
constexpr std::string_view kFileTooManyRejectedRows = "FILE_TOO_MANY_REJECTED_ROWS";
// A file with fewer data rows is not refused for its share: one typo in a
// three-row file is a third of it, not a broken export, and its rejected
// rows change nothing (their members keep what they have).
constexpr int64_t kMinRowsForShareLimit = 10;

// True for the snapshot files whose share of rejected rows is checked
// before anything is applied (ingest.h, SHARE): the files that end what
// they do not list. A profile allowing 100% turns the check (and its
// pass) off.
bool GuardsRejectedShare(const hub::v1::PlanProfile& profile, const adapters::PlanAdapter& adapter,
                         FileKind kind) {
  return (kind == hub::v1::FILE_KIND_MEMBER_ASSIGNMENT ||
          kind == hub::v1::FILE_KIND_CS_AUTHORIZATION) &&
         adapter.Semantics(kind) == hub::v1::FILE_SEMANTICS_SNAPSHOT &&
         adapters::MaxRejectedRowsPercent(profile) < 100;
}

// "12.5" for 12.5, "10" for 10: a share as people write it.
std::string Percent(double value) { return absl::StrFormat("%.4g", value); }

// The ISO day before `t`'s UTC day.
std::string DayBefore(absl::Time t) {
  const absl::CivilDay day = absl::ToCivilDay(t, absl::UTCTimeZone()) - 1;
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// Pass 1's sink: the rows are not needed, only whether the file reads.
class DiscardSink final : public adapters::CanonicalRowSink {
 public:
  explicit DiscardSink(const std::atomic<bool>* cancelled) : cancelled_(cancelled) {}
  absl::Status OnRow(int64_t, const google::protobuf::Message&) override { return Check(); }
  absl::Status OnRowError(const adapters::RowError&) override { return Check(); }

 private:
  absl::Status Check() {
    if (cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed)) {
      return IngestCancelledStatus();
    }
    return absl::OkStatus();
  }
  const std::atomic<bool>* cancelled_;
};

// True if the layout of `kind` has checks only the end of the file can
// settle (a trailer count, the X12 envelope, header/trailer record order):
// then the whole file is read once before anything is applied. Layouts
// without them can only fail at their first records, before any commit.
bool NeedsWholeFileCheck(const hub::v1::PlanProfile& profile, FileKind kind) {
  for (const hub::v1::FileLayout& layout : profile.layouts()) {
    if (layout.kind() != kind) continue;
    switch (layout.format_case()) {
      case hub::v1::FileLayout::kDelimited:
        return !layout.delimited().trailer_tag().empty();
      case hub::v1::FileLayout::kFixedWidth:
        return !layout.fixed_width().trailer_record_type().empty() ||
               !layout.fixed_width().header_record_type().empty();
      default:
        return true;
    }
  }
  return true;  // Unknown layout (a custom adapter): be safe.
}

// The whole spool (answer files, bounded by kMaxClaimAnswerFileBytes).
absl::StatusOr<std::string> ReadSpool(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (!in.is_open() || !(bytes << in.rdbuf()) || in.bad()) {
    return absl::InternalError("the spooled upload could not be read; upload the file again");
  }
  return std::move(bytes).str();
}

void LogReport(const IngestReport& r, std::chrono::steady_clock::time_point started) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  const hub::v1::IngestChanges& c = r.changes();
  log::Info("plan_file_ingested",
            {{"report_id", r.report_id()},
             {"plan_id", r.plan_id()},
             {"file_kind", hub::v1::FileKind_Name(r.file_kind())},
             {"outcome", hub::v1::IngestOutcome_Name(r.outcome())},
             {"rejection_code", r.rejection_code()},
             {"size_bytes", r.size_bytes()},
             {"rows_read", r.rows_read()},
             {"rows_accepted", r.rows_accepted()},
             {"rows_rejected", r.rows_rejected()},
             {"members_upserted", c.members_upserted()},
             {"coverage_periods_written", c.coverage_periods_written()},
             {"assignments_written", c.assignments_written()},
             {"assignments_ended", c.assignments_ended()},
             {"assignments_over_capacity", c.assignments_over_capacity()},
             {"authorizations_written", c.authorizations_written()},
             {"authorizations_ended", c.authorizations_ended()},
             {"authorizations_over_capacity", c.authorizations_over_capacity()},
             {"quality_reports_written", c.quality_reports_written()},
             {"rows_unchanged", c.rows_unchanged()},
             {"claim_lines_answered", c.claim_lines_answered()},
             {"duration_ms", static_cast<int64_t>(ms)}});
}

}  // namespace

std::string IngestReportId(std::string_view plan_id, std::string_view content_sha256,
                           std::string_view profile_version) {
  if (profile_version.empty()) {
    return absl::StrCat(Absl(plan_id), "-", Absl(content_sha256.substr(0, 16)));
  }
  Sha256 key;
  key.Update(content_sha256);
  key.Update(":");
  key.Update(profile_version);
  return absl::StrCat(Absl(plan_id), "-", key.HexDigest().substr(0, 16));
}

bool IsIngestReportId(std::string_view report_id) {
  const size_t dash = report_id.rfind('-');
  if (dash == std::string_view::npos || report_id.size() - dash - 1 != 16) return false;
  if (!ValidatePlanId(report_id.substr(0, dash)).ok()) return false;
  for (char c : report_id.substr(dash + 1)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// One upload's ingest: DEDUPE, PASS 1, PASS 2, SNAPSHOT, REPORT (ingest.h).
class IngestPipeline::Attempt {
 public:
  Attempt(IngestPipeline& pipeline, const SpooledUpload& upload, const LoadedPlanProfile& profile,
          const std::atomic<bool>* cancelled)
      : p_(pipeline),
        upload_(upload),
        profile_(profile),
        adapter_(*profile.adapter),
        cancelled_(cancelled),
        profile_version_(profile.Version(upload.kind)),
        report_id_(IngestReportId(upload.plan_id, upload.content_sha256, profile_version_)) {}

  absl::StatusOr<IngestReport> Go() {
    ASSIGN_OR_RETURN(std::optional<IngestReport> past, Replay());
    if (past.has_value()) return *std::move(past);
    if (IsClaimAnswerKind(upload_.kind)) {
      if (!PlanSendsClaimAnswers(profile_.profile, upload_.kind)) {
        return absl::FailedPreconditionError(
            absl::StrCat("the adapter profile of plan ", upload_.plan_id, " does not list ",
                         hub::v1::FileKind_Name(upload_.kind), " in claim_answers"));
      }
    } else if (!adapter_.Handles(upload_.kind)) {
      return absl::FailedPreconditionError(absl::StrCat("the adapter profile of plan ",
                                                        upload_.plan_id, " has no layout for ",
                                                        hub::v1::FileKind_Name(upload_.kind)));
    }
    StartReport();
    if (upload_.size_bytes == 0) {
      return Reject(adapters::kFileEmpty, "The file is empty (0 bytes); send the complete file.");
    }
    if (IsClaimAnswerKind(upload_.kind)) return ApplyAnswers();
    if (GuardsRejectedShare(profile_.profile, adapter_, upload_.kind)) {
      // PASS 1 of a snapshot: can the file be read, and is enough of it
      // good? (It reads the whole file, so it also makes the check below.)
      ASSIGN_OR_RETURN(std::optional<IngestReport> refused, CheckRejectedShare());
      if (refused.has_value()) return *std::move(refused);
      return Apply();
    }
    // PASS 1: can the file be read at all?
    if (NeedsWholeFileCheck(profile_.profile, upload_.kind)) {
      DiscardSink discard(cancelled_);
      ASSIGN_OR_RETURN(std::unique_ptr<adapters::StreamReader> parser,
                       adapter_.OpenParser(upload_.kind, &discard));
      absl::Status read =
          FeedFile(upload_.spool_path, p_.options_.read_block_bytes, *parser, cancelled_);
      if (!read.ok()) {
        const std::string code = adapters::FileErrorCode(read);
        if (code.empty()) return read;
        return Reject(code, std::string_view(read.message().data(), read.message().size()));
      }
    }
    return Apply();
  }

 private:
  // DEDUPE (again under the plan's lock: the same file may have been
  // uploaded twice at once): the past report of the same content, if any.
  absl::StatusOr<std::optional<IngestReport>> Replay() {
    absl::StatusOr<IngestReport> existing = p_.GetReport(report_id_, p_.options_.inline_row_errors);
    if (absl::IsNotFound(existing.status())) return std::nullopt;
    RETURN_IF_ERROR(existing.status());
    if (existing->content_sha256() != upload_.content_sha256) {
      // Two files whose hashes share their first 64 bits: astronomically
      // unlikely, but never answer with another file's report.
      return absl::AlreadyExistsError(
          absl::StrCat("report ", report_id_,
                       " belongs to a different file with the same hash prefix; "
                       "change the file (e.g. add a blank line) and upload it again"));
    }
    if (existing->file_kind() != upload_.kind) {
      return absl::AlreadyExistsError(absl::StrCat("this file's content was already uploaded as ",
                                                   hub::v1::FileKind_Name(existing->file_kind()),
                                                   " (report ", report_id_,
                                                   "); check the file kind"));
    }
    log::Info("plan_file_duplicate", {{"report_id", report_id_}, {"plan_id", upload_.plan_id}});
    existing->set_replay(true);
    return std::optional<IngestReport>(*std::move(existing));
  }

  void StartReport() {
    report_.set_report_id(report_id_);
    report_.set_plan_id(upload_.plan_id);
    report_.set_file_kind(upload_.kind);
    report_.set_file_name(upload_.file_name);
    report_.set_content_sha256(upload_.content_sha256);
    report_.set_profile_version(profile_version_);
    report_.set_size_bytes(upload_.size_bytes);
    *report_.mutable_receive_time() = ToTimestamp(upload_.receive_time);
  }

  // Writes the report synced, then returns it as stored.
  absl::StatusOr<IngestReport> StoreReport(storage::WriteBatch& batch) {
    *report_.mutable_complete_time() = ToTimestamp(p_.options_.clock());
    p_.stores_->ingest.PutReport(batch, report_);
    RETURN_IF_ERROR(p_.store_->Commit(batch, storage::Durability::kSync));
    LogReport(report_, started_);
    return p_.GetReport(report_id_, p_.options_.inline_row_errors);
  }

  // A file that cannot be read at all: nothing applied.
  absl::StatusOr<IngestReport> Reject(std::string_view code, std::string_view reason) {
    report_.set_outcome(hub::v1::INGEST_OUTCOME_REJECTED);
    report_.set_rejection_code(std::string(code));
    report_.set_rejection_reason(std::string(reason));
    storage::WriteBatch batch;
    p_.stores_->ingest.DeleteRowErrors(batch, report_id_);
    return StoreReport(batch);
  }

  // SHARE (ingest.h): validates every row of a snapshot file without
  // applying any, storing the row errors. Returns the stored report when the
  // file is refused (unreadable, no row good, or more rows rejected than the
  // profile allows), nullopt when pass 2 may apply it.
  absl::StatusOr<std::optional<IngestReport>> CheckRejectedShare() {
    IngestContext ctx = Context();
    ctx.count_only = true;
    Ingestor counter(std::move(ctx));
    counter.Start();
    const ParseAhead::Result parsed =
        ParseAhead::Run(adapter_, upload_.kind, upload_.spool_path, p_.options_.read_block_bytes,
                        cancelled_, counter);
    const absl::Status drained = counter.Drain();
    if (!parsed.status.ok()) {
      const std::string code = adapters::FileErrorCode(parsed.status);
      if (code.empty()) return parsed.status;  // Cancelled, storage.
      const absl::Status& read = parsed.status;
      ASSIGN_OR_RETURN(
          IngestReport rejected,
          Reject(code, std::string_view(read.message().data(), read.message().size())));
      return std::optional<IngestReport>(std::move(rejected));
    }
    RETURN_IF_ERROR(drained);
    RETURN_IF_ERROR(counter.FinishRows());
    RETURN_IF_ERROR(counter.Commit());  // The row errors (pass 2 rewrites them).
    const int64_t rejected = counter.rows_rejected();
    const int64_t rows = counter.rows_accepted() + rejected;
    const double limit = adapters::MaxRejectedRowsPercent(profile_.profile);
    const double share =
        rows == 0 ? 0.0 : 100.0 * static_cast<double>(rejected) / static_cast<double>(rows);
    report_.set_rejected_rows_percent(share);
    report_.set_max_rejected_rows_percent(limit);
    // Refused only above the limit: a share exactly at it applies, and so
    // does a small file with a good row.
    if (rejected == 0 || (counter.rows_accepted() > 0 && rows < kMinRowsForShareLimit) ||
        static_cast<double>(rejected) * 100.0 <= limit * static_cast<double>(rows)) {
      return std::nullopt;
    }
    report_.set_rows_read(parsed.rows_read);
    report_.set_rows_accepted(0);
    report_.set_rows_rejected(rejected);
    report_.set_outcome(hub::v1::INGEST_OUTCOME_REJECTED);
    if (counter.rows_accepted() == 0) {
      report_.set_rejection_code(std::string(kFileNoRowsAccepted));
      report_.set_rejection_reason(NoRowsAcceptedReason(rejected));
    } else {
      report_.set_rejection_code(std::string(kFileTooManyRejectedRows));
      report_.set_rejection_reason(absl::StrCat(
          rejected, " of the file's ", rows, " data rows (", Percent(share),
          "%) were rejected, more than the ", Percent(limit),
          "% this plan's profile allows for a snapshot file (max_rejected_rows_percent), so "
          "nothing in the file was applied: no member, coverage, ",
          upload_.kind == hub::v1::FILE_KIND_MEMBER_ASSIGNMENT ? "assignment" : "authorization",
          " or ending changed. Correct the rejected rows (see the row errors) and upload the whole "
          "file again; if the plan's file format changed, ask the hub administrator to update the "
          "plan's profile."));
    }
    log::Info("plan_file_rejected_share", {{"report_id", report_id_},
                                           {"plan_id", upload_.plan_id},
                                           {"rows", rows},
                                           {"rows_rejected", rejected}});
    storage::WriteBatch batch;
    ASSIGN_OR_RETURN(IngestReport stored, StoreReport(batch));
    return std::optional<IngestReport>(std::move(stored));
  }

  static std::string NoRowsAcceptedReason(int64_t rejected) {
    return absl::StrCat(
        "No row of the file could be applied (", rejected,
        " rejected; see the row errors). A whole file rejected row by row usually means the "
        "plan's profile does not match the file (date format, delimiter, code lists): fix the "
        "file or ask the hub administrator to fix the profile, then upload it again.");
  }

  IngestContext Context() const {
    IngestContext ctx;
    ctx.store = p_.store_;
    ctx.directory = p_.directory_;
    ctx.stores = p_.stores_.get();
    ctx.plan_id = upload_.plan_id;
    ctx.kind = upload_.kind;
    ctx.report_id = report_id_;
    ctx.snapshot = adapter_.Semantics(upload_.kind) == hub::v1::FILE_SEMANTICS_SNAPSHOT;
    ctx.cutoff = DayBefore(upload_.receive_time);
    ctx.today = absl::FormatTime("%Y-%m-%d", upload_.receive_time, absl::UTCTimeZone());
    ctx.options = &p_.options_;
    ctx.cancelled = cancelled_;
    ctx.member_locks = p_.member_locks_.get();
    ctx.ingest_id = p_.next_ingest_id_.fetch_add(1, std::memory_order_relaxed);
    ctx.coverage_conflicts = p_.coverage_conflicts_;
    return ctx;
  }

  // PASS 2, SNAPSHOT and REPORT.
  absl::StatusOr<IngestReport> Apply() {
    Ingestor ingestor(Context());
    ingestor.Start();
    const ParseAhead::Result parsed =
        ParseAhead::Run(adapter_, upload_.kind, upload_.spool_path, p_.options_.read_block_bytes,
                        cancelled_, ingestor);
    const absl::Status& read = parsed.status;
    // Whatever happened, the batch in flight is committed (or failed) before
    // anything else is written.
    const absl::Status drained = ingestor.Drain();
    if (!read.ok()) {
      const std::string code = adapters::FileErrorCode(read);
      if (code.empty()) return read;  // Cancelled, the row hook, storage.
      if (ingestor.committed_any()) {
        // Layouts whose errors can come late are read whole in pass 1, so
        // this means a reader broke its contract.
        log::Error("ingest_late_file_error", {{"report_id", report_id_}, {"rejection_code", code}});
        return absl::InternalError(absl::StrCat(
            "the file became unreadable after part of it was applied (", code,
            "); this is a hub bug: report it with hubd's log, then upload the corrected file"));
      }
      return Reject(code, std::string_view(read.message().data(), read.message().size()));
    }
    RETURN_IF_ERROR(drained);
    RETURN_IF_ERROR(ingestor.FinishRows());
    report_.set_rows_read(parsed.rows_read);
    report_.set_rows_accepted(ingestor.rows_accepted());
    report_.set_rows_rejected(ingestor.rows_rejected());
    report_.set_outcome(ingestor.rows_rejected() > 0 ? hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED
                                                     : hub::v1::INGEST_OUTCOME_ACCEPTED);
    if (ingestor.rows_accepted() == 0 && ingestor.rows_rejected() > 0) {
      // Nothing applied: the row errors say why, row by row.
      report_.set_outcome(hub::v1::INGEST_OUTCOME_REJECTED);
      report_.set_rejection_code(std::string(kFileNoRowsAccepted));
      report_.set_rejection_reason(NoRowsAcceptedReason(ingestor.rows_rejected()));
    }
    // SNAPSHOT: end what the file no longer lists, unless no row was usable
    // or some rejected row could not be tied to its record.
    if (adapter_.Semantics(upload_.kind) == hub::v1::FILE_SEMANTICS_SNAPSHOT &&
        ingestor.rows_accepted() > 0) {
      RETURN_IF_ERROR(EndUnlisted(ingestor));
    }
    RETURN_IF_ERROR(ingestor.Commit());
    // Durable before acknowledged: every applied row is synced before the
    // report that acknowledges it.
    RETURN_IF_ERROR(p_.store_->SyncWal());
    *report_.mutable_changes() = ingestor.changes();
    storage::WriteBatch batch;
    return StoreReport(batch);
  }

  // A 999, 277CA or 835 (claim_answers.h): read whole, applied in one
  // synced batch with its report, so a re-upload applies nothing twice.
  absl::StatusOr<IngestReport> ApplyAnswers() {
    if (upload_.size_bytes > kMaxClaimAnswerFileBytes) {
      return Reject("FILE_ANSWER_TOO_LARGE",
                    absl::StrCat("The file is larger than ", kMaxClaimAnswerFileBytes >> 20,
                                 " MiB; ask the plan to split it by payment or claim date."));
    }
    ASSIGN_OR_RETURN(const std::string bytes, ReadSpool(upload_.spool_path));
    // Decisions and the claim tally are read and written under the one lock
    // that an export withdrawing a decision also takes, until the commit.
    absl::MutexLock decisions(&storage::ClaimStore::DecisionMutex());
    storage::WriteBatch batch;
    ASSIGN_OR_RETURN(
        ClaimAnswerResult answers,
        ApplyClaimAnswers(p_.store_, upload_.plan_id, upload_.kind, bytes, report_id_, batch));
    if (!answers.rejection_code.empty()) {
      return Reject(answers.rejection_code, answers.rejection_reason);
    }
    report_.set_rows_read(answers.rows_read);
    report_.set_rows_accepted(answers.rows_accepted);
    report_.set_rows_rejected(answers.rows_rejected);
    report_.set_outcome(answers.rows_rejected > 0 ? hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED
                                                  : hub::v1::INGEST_OUTCOME_ACCEPTED);
    *report_.mutable_changes() = answers.changes;
    p_.stores_->ingest.DeleteRowErrors(batch, report_id_);
    p_.stores_->ingest.AddRowErrors(batch, report_id_, 0, answers.errors);
    // The decisions, the errors and the report commit together, synced.
    return StoreReport(batch);
  }

  // SNAPSHOT (ingest.h, step 4).
  absl::Status EndUnlisted(Ingestor& ingestor) {
    if (upload_.kind != hub::v1::FILE_KIND_MEMBER_ASSIGNMENT &&
        upload_.kind != hub::v1::FILE_KIND_CS_AUTHORIZATION) {
      return absl::OkStatus();
    }
    if (ingestor.rows_unidentified() > 0) {
      report_.set_snapshot_ending(hub::v1::SNAPSHOT_ENDING_SKIPPED_UNREAD_ROWS);
      report_.set_snapshot_note(absl::StrCat(
          ingestor.rows_unidentified(), " rejected row(s) could not be tied to a ",
          upload_.kind == hub::v1::FILE_KIND_MEMBER_ASSIGNMENT ? "member (no readable CIN)"
                                                               : "authorization (no number)",
          ", e.g. row(s) ", absl::StrJoin(ingestor.unidentified_rows(), ", "),
          ": the file was not fully read, so nothing it no longer lists was ended. Fix those "
          "rows and upload the file again."));
      return absl::OkStatus();
    }
    report_.set_snapshot_ending(hub::v1::SNAPSHOT_ENDING_APPLIED);
    return ingestor.EndUnlisted();
  }

  IngestPipeline& p_;
  const SpooledUpload& upload_;
  const LoadedPlanProfile& profile_;
  const adapters::PlanAdapter& adapter_;
  const std::atomic<bool>* const cancelled_;
  const std::string profile_version_;
  const std::string report_id_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  IngestReport report_;
};

IngestPipeline::IngestPipeline(storage::Store* store, storage::DirectoryStore* directory,
                               IngestOptions options)
    : store_(store),
      directory_(directory),
      options_(std::move(options)),
      stores_(std::make_unique<IngestStores>(store)),
      member_locks_(std::make_unique<MemberLocks>()) {
  if (options_.metrics != nullptr) {
    coverage_conflicts_ = &options_.metrics->Counter(
        "hub_ingest_coverage_conflicts_total",
        "Plan file rows rejected because they claimed a member another plan covers on "
        "overlapping dates (ROW_COVERAGE_CONFLICT), by claiming plan and covering plan.",
        {"plan", "covering_plan"});
  }
}

IngestPipeline::~IngestPipeline() = default;

absl::Mutex& IngestPipeline::PlanMutex(const std::string& plan_id) {
  absl::MutexLock lock(&plans_mu_);
  std::unique_ptr<absl::Mutex>& mu = plan_mutexes_[plan_id];
  if (mu == nullptr) mu = std::make_unique<absl::Mutex>();
  return *mu;
}

absl::StatusOr<IngestReport> IngestPipeline::GetReport(std::string_view report_id,
                                                       int inline_errors) const {
  ASSIGN_OR_RETURN(IngestReport report, stores_->ingest.GetReport(report_id));
  if (inline_errors > 0) {
    ASSIGN_OR_RETURN(storage::IngestStore::RowErrorPage page,
                     stores_->ingest.ListRowErrors(report_id, "", inline_errors));
    for (hub::v1::RowError& e : page.errors) *report.add_row_errors() = std::move(e);
    ASSIGN_OR_RETURN(storage::IngestStore::EndedRecordPage ended,
                     stores_->ingest.ListEndedRecords(report_id, "", inline_errors));
    for (hub::v1::EndedRecord& e : ended.records) *report.add_ended_records() = std::move(e);
  }
  return report;
}

absl::StatusOr<IngestReport> IngestPipeline::Run(const SpooledUpload& upload,
                                                 const LoadedPlanProfile& profile,
                                                 const std::atomic<bool>* cancelled) {
  absl::MutexLock lock(&PlanMutex(upload.plan_id));
  return Attempt(*this, upload, profile, cancelled).Go();
}

}  // namespace hub
