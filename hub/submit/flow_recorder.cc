#include "hub/submit/flow_recorder.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/civil_date.h"
#include "base/enum_label.h"
#include "hub/submit/submit_validation.h"

namespace hub {
namespace {

std::string KindLabel(hub::v1::RecordKind kind) {
  return EnumLabel(hub::v1::RecordKind_Name(kind), "RECORD_KIND_");
}

}  // namespace

FlowRecorder::FlowRecorder(storage::Store* store, MetricsRegistry* metrics,
                           std::function<void()> on_group_done)
    : monitor_(store),
      submissions_(metrics->Counter(
          "hub_submissions_total",
          "Provider submissions decided by the hub (replays not counted), by provider, the plan "
          "an accepted record was routed to, record kind, outcome (accepted|rejected) and "
          "rejection reason code.",
          {"provider", "plan", "kind", "outcome", "reason"})),
      on_group_done_(std::move(on_group_done)) {}

void FlowRecorder::Record(storage::WriteBatch& batch, std::string_view provider_id,
                          const hub::v1::Submission& submission,
                          const hub::v1::SubmissionResult& result, absl::Time now) {
  const int64_t micros = absl::ToUnixMicros(now);
  if (result.has_rejected()) {
    std::string unique = result.idempotency_key();
    if (unique.empty() || unique.find('\0') != std::string::npos) {
      // An invalid key is not stored with its result; any unique suffix will do.
      unique = absl::StrCat("~", micros, ".", unkeyed_.fetch_add(1));
    }
    monitor_.AddRejection(batch, micros, provider_id, unique, KindOf(submission),
                          result.rejected().reason_code());
    return;
  }
  if (!result.has_accepted()) return;
  const std::string& plan_id = result.accepted().plan_id();
  if (submission.has_outreach_attempt() &&
      !submission.outreach_attempt().authorization_number().empty()) {
    monitor_.AddOutreach(batch, plan_id, submission.outreach_attempt().authorization_number(),
                         micros);
  }
  if (submission.has_enrollment_status()) {
    const std::string period = MonthOfIsoDate(submission.enrollment_status().as_of_date());
    if (!period.empty()) monitor_.AddRtfRow(batch, plan_id, provider_id, period);
  }
}

void FlowRecorder::Committed(std::string_view provider_id, const hub::v1::Submission& submission,
                             const hub::v1::SubmissionResult& result) {
  const std::string kind = KindLabel(KindOf(submission));
  if (result.has_accepted()) {
    submissions_.Add({provider_id, result.accepted().plan_id(), kind, "accepted", ""});
  } else if (result.has_rejected()) {
    submissions_.Add({provider_id, "", kind, "rejected", result.rejected().reason_code()});
  }
}

void FlowRecorder::GroupDone() {
  if (on_group_done_) on_group_done_();
}

}  // namespace hub
