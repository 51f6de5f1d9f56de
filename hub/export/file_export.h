// FileExporter: the files a plan receives from the hub, rendered from the
// records providers submitted, the hub accepted and routed to that plan (the
// plan's feed, read through its export index, storage/feed_store.h), in the
// plan's own layout (its adapter profile, hub/common/plan_adapters.h).
//
// Kinds and what they hold for a period "YYYY-MM" (a record belongs to the
// month of its own date: attempt, service, status or as-of date):
//   FILE_KIND_RETURN_TRANSMISSION  the monthly RTF. One row per provider
//     with an ECM assignment of the plan in effect on any day of the period
//     (benefit start <= last day, end empty or >= first day; a member
//     re-assigned to one provider in the month: its latest assignment),
//     whether or not the provider sent anything: the row holds that
//     provider's latest enrollment status and latest referral status (ECM
//     referrals carry no authorization number) dated on or before the
//     period's last day, where it sent them, and otherwise what the hub
//     knows (rtf_fill.h: the assignment's status, acuity, benefit dates,
//     lead care manager and discontinuation; the provider's latest care
//     plan's dates and lead care manager). Then one row per member with an
//     enrollment or referral status that no assignment row took (a provider
//     without an assignment in the period, a CS referral): the latest
//     enrollment status merged with the latest referral status, listed
//     only if the plan covered the member on the period's first or last
//     day or one of the two is dated in the period, and left out once
//     everything about it ended before the period (its latest enrollment
//     status predates the period and shows ECM ended: end or
//     discontinuation date before the period, or DECLINED, DISCONTINUED,
//     UNABLE_TO_REACH; its latest referral, if any, predates the period and
//     is CLOSED or DECLINED). Every row carries the member's demographics
//     and populations of focus (the plan's assignments overlapping the
//     period). Encounter counts come from a status dated in the period (0
//     otherwise); the new-address / new-phone indicators are Y when a status
//     dated in the period reported a new one or a plan's member file
//     changed the member's address / phone during the period
//     (Member.address_changed_date / phone_changed_date). Rows in CIN
//     order.
//   FILE_KIND_OUTREACH_TRACKER  the OTF: every outreach attempt of the period,
//     by attempt date.
//   FILE_KIND_INVOICE and FILE_KIND_CLAIMS_837P  the plan's billing files:
//     every billable line of the period (service lines and invoice lines) is
//     billed once, on the file the plan profile's billing rules name for its
//     program, or reported with a reason (billing_month.h, docs/billing.md);
//     ExportResult::billing is the account. The invoice holds the lines of
//     the programs the plan takes on invoices and the invoice lines
//     providers sent, with what a plan needs to make an encounter (birth
//     date, sex, place of service, diagnoses, billing provider address). The
//     837P (005010X222A1, needs no layout) has one billing provider loop per
//     provider, one claim per (member, service date, authorization)
//     (split at 50 lines or 12 diagnosis codes) with a 15-character claim id
//     stable across re-exports, each line's record id in REF*6R, the
//     member's residence or, without one, the billing provider's address as
//     the subscriber's. Each line's billing status and the claims' crosswalk
//     go to storage/claim_store.h.
// record_count is the number of records rendered: RTF rows, attempts, invoice
// rows, 837P service lines. Only the columns the plan's layout declares are
// written (minimum necessary).
//
// Every export takes the plan's next durable control number
// (storage/control_number_store.h): ISA13/GS06 of an 837P and the control
// number of any layout that renders one.
//
// Thread safety: Prepare and Render may run concurrently on many threads.
#ifndef HUB_HUB_EXPORT_FILE_EXPORT_H_
#define HUB_HUB_EXPORT_FILE_EXPORT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "hub/common/metrics.h"
#include "hub/common/plan_adapters.h"
#include "hub/feed/feed_disclosure.h"
#include "hub/v1/organization.pb.h"
#include "hub/v1/plan_service.pb.h"
#include "storage/care_plan_store.h"
#include "storage/care_store.h"
#include "storage/claim_store.h"
#include "storage/control_number_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/feed_store.h"
#include "storage/member_store.h"
#include "storage/parked_store.h"
#include "storage/store.h"

namespace hub {

struct FileExportOptions {
  // Wall clock: the production date and time written in files, and "this
  // month" (UTC) for refusing future periods. Required.
  std::function<absl::Time()> clock;
  // The hub in the 837P envelope: interchange sender id (ISA06, GS02,
  // NM1*41, at most 15 characters), submitter name and contact.
  std::string x12_sender_id = "COUNTYHUB";
  std::string x12_submitter_name = "COUNTY HUB";
  std::string x12_submitter_contact = "HUB SUPPORT";
  std::string x12_submitter_phone = "6195550100";
  // Rendered bytes are handed to the sink in pieces of about this size.
  size_t flush_bytes = 1u << 20;
  // 42 CFR Part 2 (hub/feed/feed_disclosure.h): a Part 2 record is written only
  // if a consent covers disclosing it to the plan at render time; the rest
  // are left out and counted. Not owned; null = every record as stored.
  const FeedDisclosure* disclosure = nullptr;
  // The county's /metrics: each invoice or 837P export sets
  // hub_billing_lines{plan, period, outcome, reason} from its account
  // (outcome billable, billed_837p, billed_invoice or not_billed with the
  // reason code). Not owned; null = no metrics.
  MetricsRegistry* metrics = nullptr;
  // Where records no layout can render are parked for the county
  // administrator (storage/parked_store.h, reason UNRENDERABLE_RECORD).
  // Not owned; null = only logged and reported in the result.
  storage::ParkedStore* parked = nullptr;
};

// A checked export request.
struct ExportJob {
  hub::v1::Plan plan;
  hub::v1::FileKind kind = hub::v1::FILE_KIND_UNSPECIFIED;
  // The plan's profile (its layouts and billing rules); may be null for an
  // 837P (which needs no layout: then every program is billed on it).
  const LoadedPlanProfile* profile = nullptr;
  // "YYYY-MM" and its first and last days, "YYYY-MM-DD".
  std::string period;
  std::string first_day;
  std::string last_day;
  // "<plan>_<rtf|otf|invoice|837p>_<period>.<csv|tsv|txt|dat|x12>".
  std::string file_name;
};

// What Render wrote.
struct ExportResult {
  int64_t record_count = 0;
  int64_t control_number = 0;
  int64_t bytes = 0;
  // Part 2 records left out (no consent covers them) and the re-disclosure
  // notice when the file holds covered ones (see FileExportOptions).
  int64_t part2_withheld = 0;
  std::string redisclosure_notice;
  // FILE_KIND_INVOICE and FILE_KIND_CLAIMS_837P: the account of the plan's
  // billable lines of the period (hub/export/billing_month.h).
  hub::v1::BillingSummary billing;
  // Records left out because they are outside the contract (an enum number
  // no version defines, a number outside its field's declared range): no
  // layout can render them. The first kReportedUnrenderable ids; each is
  // logged (event export_record_parked) and parked for the county
  // administrator (FileExportOptions::parked).
  int64_t unrenderable = 0;
  std::vector<std::string> unrenderable_ids;
};

inline constexpr size_t kReportedUnrenderable = 100;

class FileExporter {
 public:
  // Receives the file's bytes in order; a non-OK status stops the export.
  using Sink = std::function<absl::Status(std::string_view bytes)>;

  // None of the pointers is owned; all must outlive the exporter.
  FileExporter(storage::Store* store, storage::DirectoryStore* directory, storage::FeedStore* feed,
               PlanAdapterSet* adapters, FileExportOptions options);

  // Checks a request. InvalidArgument: plan_id missing or malformed, a kind
  // the hub does not render, a period that is not "YYYY-MM" or has not
  // begun. NotFound: no such plan. FailedPrecondition: the plan has no
  // adapter profile, its profile cannot be loaded, or it has no layout for
  // the kind, or (FILE_KIND_CLAIMS_837P) its profile's billing rules bill
  // every program by invoice. Messages say what to do and hold no PHI.
  absl::StatusOr<ExportJob> Prepare(const hub::v1::ExportFileRequest& request) const;

  // Takes the plan's next control number, renders the file and hands its
  // bytes to `sink`. Cancelled once *cancelled (may be null) turns true.
  // FailedPrecondition, naming the record id or provider id, when a record
  // cannot be written in the plan's layout (e.g. a value without a code in
  // its code maps) or a billing provider lacks what an 837P needs.
  absl::StatusOr<ExportResult> Render(const ExportJob& job, const Sink& sink,
                                      const std::atomic<bool>* cancelled = nullptr) const;

 private:
  void SetBillingMetrics(const ExportJob& job, const hub::v1::BillingSummary& billing) const;
  absl::StatusOr<const LoadedPlanProfile*> ProfileFor(const hub::v1::Plan& plan,
                                                      hub::v1::FileKind kind,
                                                      std::string_view* extension) const;

  storage::DirectoryStore* directory_;
  storage::FeedStore* feed_;
  PlanAdapterSet* adapters_;
  const FileExportOptions options_;
  storage::MemberStore members_;
  storage::CareStore care_;
  storage::CarePlanStore care_plans_;
  storage::CoverageIndex coverage_;
  storage::ClaimStore claims_;
  mutable storage::ControlNumberStore control_numbers_;
};

// "rtf", "otf", "invoice" or "837p" for the exported kinds; "" otherwise.
std::string_view ExportKindWord(hub::v1::FileKind kind);

}  // namespace hub

#endif  // HUB_HUB_EXPORT_FILE_EXPORT_H_
