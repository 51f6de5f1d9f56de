#include "hub/cli/ingest_report_text.h"

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "hub/cli/cli_table.h"

namespace hub {
namespace {

// What a snapshot file ended (the plan's own members: it sent their CINs),
// or why it ended nothing.
void PrintSnapshotEnding(std::ostream& os, const hub::v1::IngestReport& r) {
  if (r.snapshot_ending() == hub::v1::SNAPSHOT_ENDING_SKIPPED_UNREAD_ROWS) {
    os << "snapshot  nothing ended: " << r.snapshot_note() << "\n";
  }
  if (r.ended_records().empty()) return;
  const int64_t total = r.changes().assignments_ended() + r.changes().authorizations_ended();
  os << "\nended by this snapshot (no longer listed):\n";
  TextTable table({"CIN", "PLAN MEMBER ID", "PROVIDER", "ECM START / AUTHORIZATION", "ENDED"});
  for (const hub::v1::EndedRecord& e : r.ended_records()) {
    table.AddRow(
        {e.cin(), e.plan_member_id().empty() ? "-" : e.plan_member_id(), e.provider_id(),
         e.authorization_number().empty() ? e.benefit_start_date() : e.authorization_number(),
         e.withdrawn() ? "withdrawn (not begun)" : e.end_date()});
  }
  os << table.Render();
  if (r.ended_records_size() < total) {
    os << "(first " << r.ended_records_size() << " of " << total
       << " shown; GetIngestReport pages through every one)\n";
  }
}

}  // namespace

std::string IngestOutcomeName(hub::v1::IngestOutcome outcome) {
  std::string name = hub::v1::IngestOutcome_Name(outcome);
  constexpr std::string_view kPrefix = "INGEST_OUTCOME_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  return name;
}

std::string FileKindName(hub::v1::FileKind kind) {
  std::string name = hub::v1::FileKind_Name(kind);
  constexpr std::string_view kPrefix = "FILE_KIND_";
  if (name.rfind(kPrefix, 0) == 0) name = name.substr(kPrefix.size());
  return name;
}

void PrintIngestReport(std::ostream& os, const hub::v1::IngestReport& r, int max_errors) {
  const hub::v1::IngestChanges& c = r.changes();
  os << "report    " << r.report_id() << "\n"
     << "file      " << r.file_name() << " (" << FileKindName(r.file_kind()) << ", "
     << r.size_bytes() << " bytes, sha256 " << r.content_sha256().substr(0, 16) << "...)\n"
     << "outcome   " << IngestOutcomeName(r.outcome()) << "\n";
  if (r.replay()) {
    os << "replay    yes: the hub read these same bytes before with the same version of the plan's "
          "profile; this is that report, and nothing was read or applied now (a corrected "
          "profile reads them again)\n";
  }
  if (r.outcome() == hub::v1::INGEST_OUTCOME_REJECTED) {
    os << "rejected  " << r.rejection_code() << ": " << r.rejection_reason() << "\n";
  }
  // A provider's CBO CSV report (hubctl submit) has no plan-file changes.
  const bool cbo = r.file_kind() == hub::v1::FILE_KIND_CBO_SUBMISSIONS;
  os << "rows      read " << r.rows_read() << ", accepted " << r.rows_accepted() << ", rejected "
     << r.rows_rejected();
  if (r.max_rejected_rows_percent() > 0 || r.rejected_rows_percent() > 0) {
    os << " (" << absl::StrFormat("%.4g", r.rejected_rows_percent()) << "% rejected; limit "
       << absl::StrFormat("%.4g", r.max_rejected_rows_percent()) << "%)";
  }
  if (cbo) {
    os << "\n";
  } else {
    os << " (unchanged " << c.rows_unchanged() << ")\n"
       << "changes   members " << c.members_upserted() << ", coverage periods "
       << c.coverage_periods_written() << ", assignments " << c.assignments_written() << " (ended "
       << c.assignments_ended() << ", over capacity " << c.assignments_over_capacity()
       << "), authorizations " << c.authorizations_written() << " (ended "
       << c.authorizations_ended() << ", over capacity " << c.authorizations_over_capacity()
       << "), quality reports " << c.quality_reports_written() << "\n";
  }
  os << "received  " << TimestampText(r.receive_time()) << ", completed "
     << TimestampText(r.complete_time()) << "\n";
  PrintSnapshotEnding(os, r);
  if (r.row_errors().empty()) return;
  TextTable table({"ROW", "FIELD", "CODE", "MESSAGE"});
  int shown = 0;
  for (const hub::v1::RowError& e : r.row_errors()) {
    if (max_errors >= 0 && shown == max_errors) break;
    table.AddRow({absl::StrCat(e.row_number()), e.field().empty() ? "-" : e.field(),
                  e.warning() ? absl::StrCat(e.reason_code(), " (warning)") : e.reason_code(),
                  e.message()});
    ++shown;
  }
  os << "\n" << table.Render();
  if (shown < r.rows_rejected() || shown < r.row_errors_size()) {
    if (cbo) {
      os << "(first " << shown << " row errors shown)\n";
    } else {
      os << "(first " << shown << " row errors shown; `hubctl report " << r.report_id()
         << " --all` lists every one)\n";
    }
  }
}

int IngestExitCode(const hub::v1::IngestReport& report) {
  return report.outcome() == hub::v1::INGEST_OUTCOME_ACCEPTED ||
                 report.outcome() == hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED
             ? 0
             : 1;
}

}  // namespace hub
