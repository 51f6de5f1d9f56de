// An ingest report (hub.v1.IngestReport) as hubctl prints it: `upload`,
// `submit` (a CBO CSV), `report` and `reports`. Pure functions of the report.
#ifndef HUB_HUB_CLI_INGEST_REPORT_TEXT_H_
#define HUB_HUB_CLI_INGEST_REPORT_TEXT_H_

#include <ostream>
#include <string>

#include "hub/v1/ingest.pb.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {

// "ACCEPTED" for INGEST_OUTCOME_ACCEPTED; "MEMBER_ASSIGNMENT" for
// FILE_KIND_MEMBER_ASSIGNMENT (the enum name without its prefix).
std::string IngestOutcomeName(hub::v1::IngestOutcome outcome);
std::string FileKindName(hub::v1::FileKind kind);

// The report's summary lines (file, outcome, rows, changes, times), what a
// snapshot ended, then its inline row errors (at most `max_errors`; -1 =
// all) as a table, with a note when more exist.
void PrintIngestReport(std::ostream& os, const hub::v1::IngestReport& r, int max_errors);

// hubctl's exit code for a finished ingest: 0 if the file was accepted
// (wholly or partly), else 1.
int IngestExitCode(const hub::v1::IngestReport& report);

}  // namespace hub

#endif  // HUB_HUB_CLI_INGEST_REPORT_TEXT_H_
