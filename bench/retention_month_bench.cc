// Disk use over a simulated month of steady days, with and without
// retention (storage/retention.h), in the same run.
//
//   retention_month_bench [--days=30] [--window_days=7] [--audit_per_day=20000]
//                         [--results_per_day=20000] [--reports_per_day=20]
//                         [--row_errors_per_report=500] [--feed_per_day=20000]
//                         [--care_plans_per_day=1000] [--members=20000]
//                         [--outreach_per_day=2000] [--rtf_providers=200]
//
// Each simulated day appends the same load: audit records, accepted
// submission results (idempotency keys), plan file ingest reports with row
// errors, feed items (service records accepted through the day, indexed,
// with the monitor's flow tallies) that the plan acknowledges at the day's
// end, care plan updates (each replaces the member's stored plan; members
// drawn in turn from --members), outreach attempts (new members' ECM
// outreach and CS referrals' first attempts, half each, both indexes) and
// the RTF row index of each provider for the day's month, all stamped
// with that day; the retention store then runs one
// purge at the day's end with every window set to --window_days (scaled
// down from the real defaults so a month reaches the steady state). The
// baseline store gets the same days and never purges. Prints per day the
// data folder's bytes on disk and RocksDB's live bytes of some classes,
// then each class's live bytes at the first full window and the month's
// end, with and without retention: a flat line with retention, a growing
// one without (care plans: flat in both, they grow with members).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "storage/audit_store.h"
#include "storage/care_plan_store.h"
#include "storage/care_store.h"
#include "storage/feed_store.h"
#include "storage/ingest_store.h"
#include "storage/monitor_store.h"
#include "storage/retention.h"
#include "storage/store.h"

namespace hub::storage {
namespace {

struct Args {
  int days = 30;
  int window_days = 7;
  int audit_per_day = 20000;
  int results_per_day = 20000;
  int reports_per_day = 20;
  int row_errors_per_report = 500;
  int feed_per_day = 20000;
  int care_plans_per_day = 1000;
  int members = 20000;
  int outreach_per_day = 2000;
  int rtf_providers = 200;
};

// Bytes of the folder's table files (.sst): the data at rest. The
// write-ahead log (.log) is bounded apart from the data (max_total_wal_size
// in storage/store_options.cc) and reported on its own.
int64_t FolderBytes(const std::string& dir, std::string_view extension) {
  int64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec) && entry.path().extension() == extension) {
      total += static_cast<int64_t>(entry.file_size(ec));
    }
  }
  return total;
}

struct Hub {
  std::string dir;
  std::unique_ptr<Store> store;
  std::unique_ptr<AuditStore> audit;
  std::unique_ptr<FeedStore> feed;
};

bool Open(Hub& hub, const std::string& dir) {
  hub.dir = dir;
  StoreOptions options;
  options.data_dir = dir;
  options.min_free_bytes = 0;
  auto store = Store::Open(options);
  if (!store.ok()) return false;
  hub.store = *std::move(store);
  auto audit = AuditStore::Open(hub.store.get());
  if (!audit.ok()) return false;
  hub.audit = *std::move(audit);
  hub.feed = std::make_unique<FeedStore>(hub.store.get());
  return true;
}

// A day of provider submissions to one plan, spread over the day (the
// monitor tallies them per second, minute, ... day), indexed, and
// acknowledged by the plan at 22:00.
bool FeedDay(Hub& hub, const Args& args, int day, absl::Time when) {
  const std::string date = absl::FormatTime("%Y-%m-%d", when, absl::UTCTimeZone());
  const int64_t step = args.feed_per_day > 0 ? 79'200'000'000 / args.feed_per_day : 0;
  WriteBatch batch;
  for (int i = 0; i < args.feed_per_day; ++i) {
    hub::v1::FeedItem item;
    item.set_record_id(absl::StrCat("fr_", day, "_", i));
    item.set_provider_id(absl::StrCat("cbo_", i % 40));
    item.set_kind(hub::v1::RECORD_KIND_SERVICE);
    const int64_t micros = absl::ToUnixMicros(when) + step * i;
    item.mutable_accept_time()->set_seconds(micros / 1000000);
    item.mutable_accept_time()->set_nanos(static_cast<int32_t>(micros % 1000000) * 1000);
    hub::v1::ServiceRecord* service = item.mutable_submission()->mutable_service();
    service->set_cin(absl::StrCat(91000000 + i % 5000, "A"));
    service->set_service_date(date);
    service->set_authorization_number(absl::StrCat("AUTH", i % 5000));
    service->set_hcpcs_code("G9008");
    service->set_units(1);
    if (!hub.feed->AppendItem(batch, "molina", item, absl::StrCat("fkey-", day, "-", i)).ok()) {
      return false;
    }
    if (batch.Count() >= 2000 || i + 1 == args.feed_per_day) {
      if (!hub.store->Commit(batch, Durability::kBuffered).ok()) return false;
      hub.feed->CommitAppends();
    }
  }
  auto head = hub.feed->Head("molina");
  return head.ok() && hub.feed->AwaitAllIndexed().ok() &&
         hub.feed->Ack("molina", *head, {}, absl::ToUnixMicros(when + absl::Hours(22))).ok();
}

hub::v1::FeedItem CarePlanItem(int day, int i, int cin, absl::Time when) {
  const std::string date = absl::FormatTime("%Y-%m-%d", when, absl::UTCTimeZone());
  hub::v1::FeedItem item;
  item.set_record_id(absl::StrCat("cp_", day, "_", i));
  item.set_provider_id(absl::StrCat("cbo_", i % 40));
  item.set_kind(hub::v1::RECORD_KIND_CARE_PLAN);
  item.mutable_accept_time()->set_seconds(absl::ToUnixSeconds(when));
  hub::v1::CarePlan* plan = item.mutable_submission()->mutable_care_plan();
  plan->set_cin(absl::StrCat(cin, "A"));
  plan->set_effective_date(date);
  plan->set_assessment_date(date);
  for (const char* goal : {"stable housing within 90 days", "keep primary care appointments"}) {
    hub::v1::CarePlanGoal* g = plan->add_goals();
    g->set_description(goal);
    g->set_status("open");
  }
  plan->add_interventions("weekly check-in by the lead care manager");
  plan->add_interventions("transport to appointments");
  plan->add_care_team()->set_name("Lead Care Manager");
  plan->set_next_review_date(date);
  return item;
}

// A day's care plan updates, outreach attempts and RTF row index entries.
bool CareDay(Hub& hub, const Args& args, int day, absl::Time when) {
  const std::string date = absl::FormatTime("%Y-%m-%d", when, absl::UTCTimeZone());
  const std::string month = date.substr(0, 7);
  CarePlanStore plans(hub.store.get());
  CareStore care(hub.store.get());
  MonitorStore monitor(hub.store.get());
  WriteBatch batch;
  auto commit_if_full = [&] {
    return batch.Count() < 2000 || hub.store->Commit(batch, Durability::kBuffered).ok();
  };
  for (int i = 0; i < args.care_plans_per_day; ++i) {
    const int64_t turn = static_cast<int64_t>(day) * args.care_plans_per_day + i;
    plans.Put(batch, CarePlanItem(day, i, 91000000 + static_cast<int>(turn % args.members), when));
    if (!commit_if_full()) return false;
  }
  for (int i = 0; i < args.outreach_per_day; ++i) {
    const std::string cin = absl::StrCat(92000000 + day * args.outreach_per_day + i, "A");
    const std::string number = i % 2 == 0 ? "" : absl::StrCat("CS", day, "-", i);
    care.PutOutreachAttempt(batch, absl::StrCat("cbo_", i % 40), "molina", cin, number, date,
                            absl::StrCat("or_", day, "_", i));
    if (!number.empty()) {
      monitor.AddOutreach(batch, "molina", number, absl::ToUnixMicros(when) + i);
    }
    if (!commit_if_full()) return false;
  }
  for (int p = 0; p < args.rtf_providers; ++p) {
    monitor.AddRtfRow(batch, "molina", absl::StrCat("cbo_", p), month);
  }
  return hub.store->Commit(batch, Durability::kBuffered).ok();
}

bool Day(Hub& hub, const Args& args, int day, absl::Time when) {
  const std::string detail(200, 'd');
  for (int i = 0; i < args.audit_per_day; ++i) {
    hub::v1::AuditRecord record;
    record.mutable_time()->set_seconds(absl::ToUnixSeconds(when));
    record.set_organization("plan:molina");
    record.set_method("/hub.v1.PlanService/PullFeed");
    record.add_record_ids(absl::StrCat("rec_", day, "_", i));
    record.set_detail(detail);
    if (!hub.audit->Append(record).ok()) return false;
  }
  FeedStore& feed = *hub.feed;
  WriteBatch batch;
  for (int i = 0; i < args.results_per_day; ++i) {
    hub::v1::SubmissionResult result;
    result.set_idempotency_key(absl::StrCat("key-", day, "-", i));
    result.mutable_accepted()->set_record_id(absl::StrCat("rec_", day, "_", i));
    result.mutable_accepted()->set_plan_id("molina");
    result.mutable_accepted()->mutable_accept_time()->set_seconds(absl::ToUnixSeconds(when));
    feed.PutSubmissionResult(batch, "alpha_cbo", result, "0123456789abcdef0123456789abcdef");
    if (batch.Count() >= 2000 && !hub.store->Commit(batch, Durability::kBuffered).ok()) {
      return false;
    }
  }
  IngestStore ingest(hub.store.get());
  for (int r = 0; r < args.reports_per_day; ++r) {
    hub::v1::IngestReport report;
    report.set_report_id(absl::StrCat("molina-", day, "-", r));
    report.set_plan_id("molina");
    report.mutable_complete_time()->set_seconds(absl::ToUnixSeconds(when));
    std::vector<hub::v1::RowError> errors(args.row_errors_per_report);
    for (int e = 0; e < args.row_errors_per_report; ++e) {
      errors[e].set_row_number(e + 2);
      errors[e].set_field("member.cin");
      errors[e].set_reason_code("ROW_INVALID_CIN");
      errors[e].set_message("the CIN must be 9 characters: 8 digits and a letter");
    }
    ingest.PutReport(batch, report);
    ingest.AddRowErrors(batch, report.report_id(), 0, errors);
    if (!hub.store->Commit(batch, Durability::kBuffered).ok()) return false;
  }
  return hub.store->Commit(batch, Durability::kBuffered).ok() && CareDay(hub, args, day, when) &&
         hub.store->SyncWal().ok() && FeedDay(hub, args, day, when);
}

// RocksDB's live bytes of every class (the bench writes all but parked);
// `only` one class.
int64_t LiveBytes(Hub& hub, std::string_view only = {}) {
  int64_t total = 0;
  auto usage = UsageByClass(*hub.store);
  if (!usage.ok()) return -1;
  for (const ClassUsage& u : *usage) {
    if (!only.empty() && u.data_class != only) continue;
    total += u.live_bytes;
  }
  return total;
}

// Each class's live bytes and keys at the first full window and at the
// month's end, with retention and without.
void PrintClasses(const Args& args, const std::vector<ClassUsage> (&kept)[2],
                  const std::vector<ClassUsage> (&baseline)[2]) {
  const std::string first = absl::StrCat("d", args.window_days + 1);
  const std::string last = absl::StrCat("d", args.days);
  std::printf("\n%-16s %11s %11s %6s %11s %11s %6s | %9s %9s %9s %9s\n", "class",
              ("kept " + first).c_str(), ("kept " + last).c_str(), "x", ("base " + first).c_str(),
              ("base " + last).c_str(), "x", ("keys " + first).c_str(), ("keys " + last).c_str(),
              ("bkeys " + first).c_str(), ("bkeys " + last).c_str());
  auto ratio = [](int64_t a, int64_t b) {
    return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
  };
  for (size_t c = 0; c < kept[0].size() && c < kept[1].size(); ++c) {
    const ClassUsage &k0 = kept[0][c], &k1 = kept[1][c];
    const ClassUsage &b0 = baseline[0][c], &b1 = baseline[1][c];
    std::printf("%-16s %11lld %11lld %6.2f %11lld %11lld %6.2f | %9lld %9lld %9lld %9lld\n",
                k0.data_class.c_str(), static_cast<long long>(k0.live_bytes),
                static_cast<long long>(k1.live_bytes), ratio(k1.live_bytes, k0.live_bytes),
                static_cast<long long>(b0.live_bytes), static_cast<long long>(b1.live_bytes),
                ratio(b1.live_bytes, b0.live_bytes), static_cast<long long>(k0.keys),
                static_cast<long long>(k1.keys), static_cast<long long>(b0.keys),
                static_cast<long long>(b1.keys));
  }
  std::printf(
      "(live bytes: RocksDB's estimate-live-data-size + memtables; keys: "
      "estimate-num-keys)\n");
}

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto flag = [&](const char* name, int* into) {
      const std::string prefix = absl::StrCat("--", name, "=");
      return arg.rfind(prefix, 0) == 0 && absl::SimpleAtoi(arg.substr(prefix.size()), into);
    };
    if (!flag("days", &args.days) && !flag("window_days", &args.window_days) &&
        !flag("audit_per_day", &args.audit_per_day) &&
        !flag("results_per_day", &args.results_per_day) &&
        !flag("reports_per_day", &args.reports_per_day) &&
        !flag("row_errors_per_report", &args.row_errors_per_report) &&
        !flag("feed_per_day", &args.feed_per_day) &&
        !flag("care_plans_per_day", &args.care_plans_per_day) && !flag("members", &args.members) &&
        !flag("outreach_per_day", &args.outreach_per_day) &&
        !flag("rtf_providers", &args.rtf_providers)) {
      std::fprintf(stderr, "unknown or malformed argument %s\n", arg.c_str());
      return false;
    }
  }
  return args.members > 0;
}

int Main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) return 2;
  const std::string root =
      (std::filesystem::temp_directory_path() / absl::StrCat("retention_bench_", getpid()))
          .string();
  Hub kept, baseline;
  if (!Open(kept, root + "/retention") || !Open(baseline, root + "/baseline")) {
    std::fprintf(stderr, "cannot open the stores under %s\n", root.c_str());
    return 1;
  }
  RetentionPolicy policy;
  policy.audit_log = policy.idempotency = policy.ingest_reports = policy.feed = policy.monitoring =
      policy.outreach = policy.claims = policy.quality_reports = policy.parked =
          absl::Hours(24) * args.window_days;
  std::vector<ClassUsage> kept_usage[2], base_usage[2];  // First full window, last day.
  const absl::Time start = absl::FromUnixSeconds(1780000000);
  std::printf(
      "day  retention_sst_bytes  retention_wal_bytes  retention_live_bytes  "
      "feed_live  monitoring_live  baseline_sst_bytes  baseline_live_bytes  "
      "purged(audit,results,reports,feed,monitoring,rtf,outreach)\n");
  int64_t window_disk = 0, window_live = 0;
  int64_t last_disk = 0, last_live = 0, last_base_disk = 0;
  int64_t last_total = 0, last_base_total = 0;  // Tables and write-ahead log.
  for (int day = 0; day < args.days; ++day) {
    const absl::Time when = start + absl::Hours(24) * day;
    if (!Day(kept, args, day, when) || !Day(baseline, args, day, when)) {
      std::fprintf(stderr, "day %d failed\n", day);
      return 1;
    }
    auto counts = PurgeExpired(*kept.store, *kept.audit, policy, when + absl::Hours(23));
    if (!counts.ok()) {
      std::fprintf(stderr, "purge failed: %s\n", std::string(counts.status().message()).c_str());
      return 1;
    }
    const int64_t disk = FolderBytes(kept.dir, ".sst"), live = LiveBytes(kept);
    const int64_t wal = FolderBytes(kept.dir, ".log");
    const int64_t base_disk = FolderBytes(baseline.dir, ".sst"), base_live = LiveBytes(baseline);
    last_base_total = base_disk + FolderBytes(baseline.dir, ".log");
    last_total = disk + wal;
    std::printf(
        "%3d  %19lld  %19lld  %20lld  %9lld  %15lld  %18lld  %19lld  "
        "%lld,%lld,%lld,%lld,%lld,%lld,%lld\n",
        day + 1, static_cast<long long>(disk), static_cast<long long>(wal),
        static_cast<long long>(live), static_cast<long long>(LiveBytes(kept, "feed")),
        static_cast<long long>(LiveBytes(kept, "monitoring")), static_cast<long long>(base_disk),
        static_cast<long long>(base_live), static_cast<long long>(counts->audit_records),
        static_cast<long long>(counts->idempotency_results),
        static_cast<long long>(counts->ingest_reports), static_cast<long long>(counts->feed_items),
        static_cast<long long>(counts->monitor_records), static_cast<long long>(counts->rtf_rows),
        static_cast<long long>(counts->outreach_records));
    const bool window_day = day + 1 == args.window_days + 1;
    if (window_day || day + 1 == args.days) {
      kept_usage[window_day ? 0 : 1] =
          UsageByClass(*kept.store).value_or(std::vector<ClassUsage>{});
      base_usage[window_day ? 0 : 1] =
          UsageByClass(*baseline.store).value_or(std::vector<ClassUsage>{});
    }
    if (window_day) {
      window_disk = disk;
      window_live = live;
    }
    last_disk = disk;
    last_live = live;
    last_base_disk = base_disk;
  }
  auto verified = kept.audit->VerifyChain();
  std::printf(
      "\nafter the first full window (day %d): %lld bytes in tables, %lld live\n"
      "after day %d:                          %lld bytes in tables, %lld live (x%.2f of day %d)\n"
      "baseline without retention, day %d:    %lld bytes in tables (x%.2f of retention's)\n"
      "audit chain after %d purges: %s\n",
      args.window_days + 1, static_cast<long long>(window_disk),
      static_cast<long long>(window_live), args.days, static_cast<long long>(last_disk),
      static_cast<long long>(last_live),
      window_disk > 0 ? static_cast<double>(last_disk) / static_cast<double>(window_disk) : 0.0,
      args.window_days + 1, args.days, static_cast<long long>(last_base_disk),
      last_disk > 0 ? static_cast<double>(last_base_disk) / static_cast<double>(last_disk) : 0.0,
      args.days, verified.ok() && verified->ok ? "verifies" : "BROKEN");
  std::printf(
      "day %d, tables + write-ahead log: %lld bytes with retention, %lld without (x%.2f)\n",
      args.days, static_cast<long long>(last_total), static_cast<long long>(last_base_total),
      last_total > 0 ? static_cast<double>(last_base_total) / static_cast<double>(last_total)
                     : 0.0);
  PrintClasses(args, kept_usage, base_usage);
  kept.audit.reset();
  baseline.audit.reset();
  kept.feed.reset();
  baseline.feed.reset();
  if (!kept.store->Close().ok() || !baseline.store->Close().ok()) return 1;
  std::filesystem::remove_all(root);
  return 0;
}

}  // namespace
}  // namespace hub::storage

int main(int argc, char** argv) { return hub::storage::Main(argc, argv); }
