// The Outreach Tracker File (FILE_KIND_OUTREACH_TRACKER): every outreach
// attempt of the period, by attempt date, in the plan's layout.
#include <memory>

#include "absl/status/status.h"
#include "base/status_macros.h"
#include "hub/export/export_renderers.h"
#include "hub/export/export_run.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {

absl::Status RenderOutreachTracker(ExportRun& run) {
  const ExportJob& job = run.job();
  RETURN_IF_ERROR(run.OpenRenderer());
  ASSIGN_OR_RETURN(std::unique_ptr<storage::FeedScan> scan,
                   run.stores().feed->ScanMonth(job.plan.plan_id(),
                                                hub::v1::RECORD_KIND_OUTREACH_ATTEMPT, job.period));
  hub::v1::FeedItem item;
  hub::v1::OutreachTrackerRow row;
  while (true) {
    ASSIGN_OR_RETURN(const bool more, run.NextDisclosed(*scan, item));
    if (!more) break;
    const hub::v1::OutreachAttempt& attempt = item.submission().outreach_attempt();
    row.Clear();
    run.SetPlan(row.mutable_plan());
    ASSIGN_OR_RETURN(const hub::v1::Provider* provider, run.ProviderOf(item));
    ExportRun::SetProvider(*provider, row.mutable_provider());
    ASSIGN_OR_RETURN(const hub::v1::Member member, run.MemberOf(attempt.cin()));
    ExportRun::SetMemberName(member, row.mutable_member());
    *row.mutable_attempt() = attempt;
    RETURN_IF_ERROR(run.AddRow(row, item.record_id()));
  }
  return run.FinishRenderer();
}

}  // namespace hub
