// The restore drill (issue 19 item 3). A busy hub (a generated county's
// plan files, three days of every provider's records, Part 2 consents, one
// revoked, plans' acknowledged cursors, parked records, its audit log) is
// backed up while providers keep submitting, and the backup is restored
// into a new data folder with exactly the steps of README "Restore a
// backup": `hubctl backup`, `hubd --restore_from=BACKUP --data_dir=NEW`,
// hubd started on NEW, `hubctl audit verify`. The restored hub holds every
// feed item, cursor, consent (revoked ones as revoked), parked record,
// directory entry and audit record of the backup point: all that was
// acknowledged before the backup began, none of what was written after it
// returned, each feed and the audit chain a prefix of the original's.
//
// The backups go to another volume when the machine has one (a tmpfs at
// /dev/shm), as the chart's backup volume is: the checkpoint is then copied,
// not hard-linked, and its files are the hub's alone (0700 / 0600).
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/common/rpc_status.h"
#include "hub/v1/admin_service.pb.h"
#include "hub/v1/consent.grpc.pb.h"
#include "hub/v1/directory_service.grpc.pb.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "storage/audit_store.h"
#include "storage/consent_store.h"
#include "storage/feed_store.h"
#include "storage/parked_store.h"
#include "tests/hub/county_test_util.h"
#include "tests/hub/hub_test_util.h"

#ifndef HUBD_PATH
#error "HUBD_PATH must name the hubd binary"
#endif
#ifndef HUBCTL_PATH
#error "HUBCTL_PATH must name the hubctl binary"
#endif

namespace hub::testing {
namespace {

using ::testing::HasSubstr;
using Day = std::map<std::string, std::vector<generator::DaySubmission>>;

// hubctl backup --label=drill at the test hub's FixedTime().
constexpr char kBackupId[] = "20261123T105600Z-drill";

// A folder for backups on another volume than the data (a tmpfs at
// /dev/shm) when there is one, else beside the data; removed at the end.
struct BackupVolume {
  BackupVolume() {
    struct stat shm, temp;
    const std::string data_root = MakeTempDir();
    std::string pattern = "/dev/shm/hub_backups_XXXXXX";
    if (stat("/dev/shm", &shm) == 0 && stat(data_root.c_str(), &temp) == 0 &&
        shm.st_dev != temp.st_dev && mkdtemp(pattern.data()) != nullptr) {
      dir = pattern;
      other_volume = true;
    } else {
      dir = data_root + "/backups";
    }
  }
  ~BackupVolume() {
    std::error_code ec;
    if (other_volume) std::filesystem::remove_all(dir, ec);
  }
  std::string dir;
  bool other_volume = false;
};

// Everything the drill compares, as stored bytes, read from the hub's
// stores (reads that append nothing to the audit log) and its directory.
struct HubState {
  std::map<std::string, std::vector<std::string>> feeds;  // plan -> items in order
  std::map<std::string, uint64_t> cursors;
  std::map<std::string, std::string> consents;  // consent_id -> consent
  std::map<std::string, std::string> parked;    // parked_id -> record, every state
  std::vector<std::string> audit;               // records in sequence order
  std::vector<std::string> directory;           // plans, then providers

  int64_t FeedItems() const {
    int64_t n = 0;
    for (const auto& [plan, items] : feeds) n += static_cast<int64_t>(items.size());
    return n;
  }
};

void ReadDirectory(grpc::Channel& channel, HubState& state) {
  auto stub = hub::v1::DirectoryService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  hub::v1::ListPlansRequest plans;
  do {
    grpc::ClientContext context;
    hub::v1::ListPlansResponse page;
    ASSERT_TRUE(stub->ListPlans(&context, plans, &page).ok());
    for (const hub::v1::Plan& plan : page.plans()) {
      state.directory.push_back(plan.SerializeAsString());
      state.feeds[plan.plan_id()];
    }
    plans.set_page_token(page.next_page_token());
  } while (!plans.page_token().empty());
  hub::v1::ListProvidersRequest providers;
  do {
    grpc::ClientContext context;
    hub::v1::ListProvidersResponse page;
    ASSERT_TRUE(stub->ListProviders(&context, providers, &page).ok());
    for (const hub::v1::Provider& p : page.providers()) {
      state.directory.push_back(p.SerializeAsString());
    }
    providers.set_page_token(page.next_page_token());
  } while (!providers.page_token().empty());
}

void ReadStores(const HubServer& server, HubState& state) {
  storage::FeedStore& feed = *server.feed_store();
  for (auto& [plan, items] : state.feeds) {
    absl::StatusOr<uint64_t> head = feed.Head(plan);
    ASSERT_TRUE(head.ok()) << head.status();
    while (items.size() < *head) {
      auto page = feed.ReadItems(plan, items.size(), 1000);
      ASSERT_TRUE(page.ok() && !page->empty()) << plan;
      for (const hub::v1::FeedItem& item : *page) items.push_back(item.SerializeAsString());
    }
    absl::StatusOr<uint64_t> cursor = feed.Cursor(plan);
    ASSERT_TRUE(cursor.ok()) << cursor.status();
    state.cursors[plan] = *cursor;
  }
  auto consents = server.consent_store()->ListAll(1 << 20);
  ASSERT_TRUE(consents.ok()) << consents.status();
  for (const hub::v1::Consent& c : *consents)
    state.consents[c.consent_id()] = c.SerializeAsString();
  for (hub::v1::ParkedState s : {hub::v1::PARKED_STATE_PARKED, hub::v1::PARKED_STATE_RERUNNING,
                                 hub::v1::PARKED_STATE_RESOLVED, hub::v1::PARKED_STATE_DISCARDED}) {
    std::string after;
    do {
      auto page = server.parked_store()->List(s, "", after, 1000);
      ASSERT_TRUE(page.ok()) << page.status();
      for (const hub::v1::ParkedRecord& r : page->first) {
        state.parked[r.parked_id()] = r.SerializeAsString();
      }
      after = page->second;
    } while (!after.empty());
  }
  ASSERT_TRUE(server.audit_store()
                  ->Scan(0,
                         [&](const hub::v1::AuditRecord& r) {
                           state.audit.push_back(r.SerializeAsString());
                           return true;
                         })
                  .ok());
}

HubState ReadState(const TestHub& hub) {
  HubState state;
  ReadDirectory(*hub.channel, state);
  ReadStores(*hub.server, state);
  return state;
}

bool IsPrefix(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  return a.size() <= b.size() && std::equal(a.begin(), a.end(), b.begin());
}

// Submits `day` in calls of `batch` records; returns the results in order.
std::vector<hub::v1::SubmissionResult> SubmitDay(grpc::Channel& channel, const Day& day,
                                                 size_t batch) {
  auto stub = hub::v1::ProviderService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  std::vector<hub::v1::SubmissionResult> results;
  for (const auto& [provider, records] : day) {
    for (size_t start = 0; start < records.size(); start += batch) {
      hub::v1::SubmitRequest request;
      request.set_provider_id(provider);
      for (size_t k = start; k < std::min(records.size(), start + batch); ++k) {
        *request.add_submissions() = records[k].submission;
      }
      grpc::ClientContext context;
      hub::v1::SubmitResponse response;
      EXPECT_TRUE(stub->Submit(&context, request, &response).ok()) << provider;
      results.insert(results.end(), response.results().begin(), response.results().end());
    }
  }
  return results;
}

// Providers submitting their records in small calls on two threads until
// stopped: the writes in flight while the backup is taken.
class Writers {
 public:
  Writers(std::shared_ptr<grpc::Channel> channel, const Day& day) {
    std::vector<hub::v1::SubmitRequest> calls[2];
    int next = 0;
    for (const auto& [provider, records] : day) {
      for (size_t start = 0; start < records.size(); start += 3, next ^= 1) {
        hub::v1::SubmitRequest& request = calls[next].emplace_back();
        request.set_provider_id(provider);
        for (size_t k = start; k < std::min(records.size(), start + 3); ++k) {
          *request.add_submissions() = records[k].submission;
        }
      }
    }
    for (auto& requests : calls) {
      threads_.emplace_back([this, channel, requests = std::move(requests)] {
        auto stub = hub::v1::ProviderService::NewStub(channel);
        for (const hub::v1::SubmitRequest& request : requests) {
          if (stop_.load()) return;
          grpc::ClientContext context;
          hub::v1::SubmitResponse response;
          const bool ok = stub->Submit(&context, request, &response).ok();
          absl::MutexLock lock(&mu_);
          ++calls_;
          failures_ += ok ? 0 : 1;
        }
        absl::MutexLock lock(&mu_);
        ++exhausted_;
      });
    }
  }
  ~Writers() { Stop(); }

  // True once `n` calls have returned (false after a minute).
  bool AwaitCalls(int64_t n) {
    absl::MutexLock lock(&mu_);
    auto reached = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return calls_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), absl::Minutes(1));
  }
  int64_t calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  // Threads that ran out of records (a drill whose writers are not all
  // out when the backup returns had writes in flight throughout it).
  int exhausted() {
    absl::MutexLock lock(&mu_);
    return exhausted_;
  }
  int64_t failures() {
    absl::MutexLock lock(&mu_);
    return failures_;
  }
  void Stop() {
    stop_.store(true);
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  int64_t calls_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t failures_ ABSL_GUARDED_BY(mu_) = 0;
  int exhausted_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::thread> threads_;
};

// The CIN of a submitted record (every record kind carries one).
std::string CinOf(const hub::v1::Submission& s) {
  const google::protobuf::Reflection& reflection = *s.GetReflection();
  const auto* field =
      reflection.GetOneofFieldDescriptor(s, s.GetDescriptor()->FindOneofByName("record"));
  const google::protobuf::Message& record = reflection.GetMessage(s, field);
  return record.GetReflection()->GetString(record, record.GetDescriptor()->FindFieldByName("cin"));
}

// The county administrator records a Part 2 consent of `record`'s member
// for its provider's disclosures to its plan; returns its id.
std::string RecordConsent(grpc::Channel& channel, const generator::DaySubmission& record) {
  auto stub = hub::v1::ConsentService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  hub::v1::RecordConsentRequest request;
  hub::v1::Consent& consent = *request.mutable_consent();
  consent.set_member_cin(CinOf(record.submission));
  consent.set_discloser_provider_id(record.provider_id);
  consent.set_recipient_plan_id(record.plan_id);
  consent.add_purposes(hub::v1::CONSENT_PURPOSE_TREATMENT_PAYMENT_OPERATIONS);
  consent.set_signed_date("2026-11-01");
  consent.set_expiration_date("2027-10-31");
  grpc::ClientContext context;
  hub::v1::RecordConsentResponse response;
  grpc::Status status = stub->RecordConsent(&context, request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.consent().consent_id();
}

void RevokeConsent(grpc::Channel& channel, const std::string& consent_id) {
  auto stub = hub::v1::ConsentService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  hub::v1::RevokeConsentRequest request;
  request.set_consent_id(consent_id);
  grpc::ClientContext context;
  hub::v1::RevokeConsentResponse response;
  EXPECT_TRUE(stub->RevokeConsent(&context, request, &response).ok());
}

// `plan` acknowledges its feed through `sequence`.
void Ack(grpc::Channel& channel, const std::string& plan, uint64_t sequence) {
  auto stub = hub::v1::PlanService::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  hub::v1::AckRequest request;
  request.set_plan_id(plan);
  request.set_through_sequence(sequence);
  grpc::ClientContext context;
  hub::v1::AckResponse response;
  grpc::Status status = stub->Ack(&context, request, &response);
  EXPECT_TRUE(status.ok()) << plan << ": " << status.error_message();
  EXPECT_EQ(response.cursor(), sequence) << plan;
}

// Parks an export's record of `plan` (what an unrenderable record leaves).
std::string Park(HubServer& server, const std::string& plan, const std::string& record_id) {
  hub::v1::ParkedRecord record;
  record.set_reason(hub::v1::PARKED_REASON_UNRENDERABLE_RECORD);
  record.set_plan_id(plan);
  record.set_file_kind(hub::v1::FILE_KIND_RETURN_TRANSMISSION);
  record.set_record_id(record_id);
  record.set_period("2026-11");
  record.set_field("enrollment_status.status");
  record.set_detail("enrollment_status.status holds a value no contract version defines");
  auto parked = server.parked_store()->Park(record, FixedTime());
  EXPECT_TRUE(parked.ok()) << parked.status();
  return parked.ok() ? parked->parked_id() : "";
}

// The files and folders under `dir` whose mode is not 0600 / 0700.
std::vector<std::string> NotPrivate(const std::string& dir) {
  std::vector<std::string> loose;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    const auto perms = entry.status().permissions() & std::filesystem::perms::mask;
    const auto wanted =
        entry.is_directory()
            ? std::filesystem::perms::owner_all
            : (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
    if (perms != wanted) loose.push_back(entry.path().string());
  }
  return loose;
}

// The busy hub up to the backup: plan files, a day of records, consents
// (one revoked), every plan's cursor half way, parked records (one
// discarded). Returns the records accepted, for the replay after restore.
std::vector<std::pair<generator::DaySubmission, hub::v1::SubmissionResult>> LoadBusyHub(
    TestHub& hub, const generator::County& county, const CountyPlanFiles& files) {
  absl::StatusOr<Day> day = CountyDay(county, files, "2026-11-21", 0.05);
  EXPECT_TRUE(day.ok()) << day.status();
  if (!day.ok()) return {};
  std::vector<hub::v1::SubmissionResult> results = SubmitDay(*hub.channel, *day, 50);
  std::vector<std::pair<generator::DaySubmission, hub::v1::SubmissionResult>> accepted;
  // Consents for the members of the Part 2 programs' records first, then
  // of other providers' (one record per provider), four in all.
  std::set<std::string> part2;
  for (const hub::v1::Provider& p : county.options().directory.providers()) {
    if (p.part2_program()) part2.insert(p.provider_id());
  }
  size_t k = 0;
  std::vector<const generator::DaySubmission*> for_consent;
  std::vector<const generator::DaySubmission*> others;
  for (const auto& [provider, records] : *day) {
    for (const generator::DaySubmission& record : records) {
      if (k < results.size() && results[k].has_accepted()) {
        accepted.emplace_back(record, results[k]);
        auto& into = part2.contains(provider) ? for_consent : others;
        if (into.empty() || into.back()->provider_id != provider) into.push_back(&record);
      }
      ++k;
    }
  }
  for (const generator::DaySubmission* other : others) {
    if (for_consent.size() < 4) for_consent.push_back(other);
  }
  for_consent.resize(std::min<size_t>(for_consent.size(), 4));
  std::vector<std::string> consents;
  for (const generator::DaySubmission* record : for_consent) {
    consents.push_back(RecordConsent(*hub.channel, *record));
  }
  if (!consents.empty()) RevokeConsent(*hub.channel, consents.front());
  for (const hub::v1::Plan& plan : county.options().directory.plans()) {
    absl::StatusOr<uint64_t> head = hub.server->feed_store()->Head(plan.plan_id());
    EXPECT_TRUE(head.ok());
    if (head.ok() && *head >= 2) Ack(*hub.channel, plan.plan_id(), *head / 2);
  }
  std::vector<std::string> parked;
  for (int i = 0; i < 3 && i < static_cast<int>(accepted.size()); ++i) {
    parked.push_back(Park(*hub.server, accepted[i].second.accepted().plan_id(),
                          accepted[i].second.accepted().record_id()));
  }
  if (!parked.empty()) {
    EXPECT_TRUE(
        hub.server->parked_store()
            ->Discard(parked.front(), "county:admin", "provider resubmitted it", FixedTime())
            .ok());
  }
  return accepted;
}

// Days of records the writers submit while the backup is taken.
Day FlightDays(const generator::County& county, const CountyPlanFiles& files) {
  Day all;
  for (const char* date : {"2026-11-22", "2026-11-20", "2026-11-19", "2026-11-18"}) {
    absl::StatusOr<Day> day = CountyDay(county, files, date, 0.05);
    EXPECT_TRUE(day.ok()) << day.status();
    if (!day.ok()) return all;
    for (auto& [provider, records] : *day) {
      all[provider].insert(all[provider].end(), records.begin(), records.end());
    }
  }
  return all;
}

// After the backup returned: a day's records, a new consent, a revocation,
// every cursor at its head, a parked record, a provider.
void WriteAfterBackup(TestHub& hub, const generator::County& county, const CountyPlanFiles& files,
                      const HubState& before) {
  absl::StatusOr<Day> day = CountyDay(county, files, "2026-11-23", 0);
  ASSERT_TRUE(day.ok()) << day.status();
  SubmitDay(*hub.channel, *day, 100);
  RecordConsent(*hub.channel, day->begin()->second.front());
  for (const auto& [id, bytes] : before.consents) {
    hub::v1::Consent consent;
    ASSERT_TRUE(consent.ParseFromString(bytes));
    if (!consent.has_revoke_time()) {
      RevokeConsent(*hub.channel, id);
      break;
    }
  }
  for (const auto& [plan, items] : before.feeds) {
    absl::StatusOr<uint64_t> head = hub.server->feed_store()->Head(plan);
    ASSERT_TRUE(head.ok());
    if (*head > 0) Ack(*hub.channel, plan, *head);
  }
  Park(*hub.server, "molina", "rec_after_backup");
  auto directory = hub::v1::DirectoryService::NewStub(hub.channel);
  hub::v1::CreateProviderRequest request;
  hub::v1::Provider& provider = *request.mutable_provider();
  provider.set_provider_id("after_backup_outreach");
  provider.set_npi(Npi("199999990"));
  provider.set_tin("999999990");
  provider.set_name("After Backup Outreach");
  provider.add_kinds(hub::v1::PROVIDER_KIND_ECM);
  grpc::ClientContext context;
  hub::v1::CreateProviderResponse response;
  grpc::Status status = directory->CreateProvider(&context, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
}

TEST(RestoreDrillTest, ABusyHubBackedUpUnderLoadRestoresEverythingOfTheBackupPoint) {
  BackupVolume volume;
  std::unique_ptr<TestHub> hub =
      StartTestHub(ReadFile(Source("demo/san_diego/directory.textproto")), "", false, volume.dir);
  ASSERT_NE(hub, nullptr);
  absl::StatusOr<std::unique_ptr<generator::County>> county = MakeSanDiegoCounty(20261206, 600);
  ASSERT_TRUE(county.ok()) << county.status();
  absl::StatusOr<CountyPlanFiles> files = UploadCountyPlanFiles(
      **county, *hub->channel,
      {hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, hub::v1::FILE_KIND_CS_AUTHORIZATION});
  ASSERT_TRUE(files.ok()) << files.status();
  const auto accepted = LoadBusyHub(*hub, **county, *files);
  ASSERT_FALSE(HasFailure());
  const HubState before = ReadState(*hub);

  // The backup, taken while two providers' threads keep submitting.
  HubState at_backup;
  {
    Writers writers(hub->channel, FlightDays(**county, *files));
    ASSERT_TRUE(writers.AwaitCalls(4));
    const int64_t calls_before = writers.calls();
    CommandResult backup = RunCommand(
        absl::StrCat(HUBCTL_PATH, " --server=", hub->address(), " backup --label=drill"));
    const int64_t calls_during = writers.calls() - calls_before;
    EXPECT_EQ(writers.exhausted(), 0) << "the writers ran out before the backup returned";
    writers.Stop();
    ASSERT_EQ(backup.exit_code, 0) << backup.output;
    EXPECT_THAT(backup.output, HasSubstr(kBackupId));
    EXPECT_EQ(writers.failures(), 0);
    std::cout << "submit calls returned while the backup ran: " << calls_during << "\n";
    at_backup = ReadState(*hub);  // All the backup can hold, and more.
  }
  WriteAfterBackup(*hub, **county, *files, before);
  const HubState after = ReadState(*hub);
  // Each class changed after the backup, so its absence below is checked.
  ASSERT_GT(after.FeedItems(), at_backup.FeedItems());
  ASSERT_NE(after.cursors, before.cursors);
  ASSERT_NE(after.consents, before.consents);
  ASSERT_NE(after.parked, before.parked);
  ASSERT_NE(after.directory, before.directory);
  ASSERT_TRUE(hub->server->Shutdown(absl::ZeroDuration()).ok());
  hub.reset();

  // The backup: on its own volume when there is one, the hub's alone.
  const std::string backup = absl::StrCat(volume.dir, "/", kBackupId);
  EXPECT_THAT(NotPrivate(volume.dir), ::testing::IsEmpty());
  std::cout << "backup folder on " << (volume.other_volume ? "another volume" : "the data volume")
            << "\n";

  // README "Restore a backup", step by step.
  const std::string root = MakeTempDir();
  const std::string restore_command =
      absl::StrCat(HUBD_PATH, " --restore_from=", backup, " --data_dir=", root, "/data");
  CommandResult restored = RunCommand(restore_command);
  ASSERT_EQ(restored.exit_code, 0) << restored.output;
  EXPECT_THAT(restored.output, HasSubstr("audit log verified"));
  EXPECT_THAT(NotPrivate(root + "/data"), ::testing::IsEmpty());
  std::unique_ptr<TestHub> back = StartTestHub("", root);
  ASSERT_NE(back, nullptr);
  const HubState got = ReadState(*back);
  absl::StatusOr<storage::AuditStore::Verification> chain =
      back->server->audit_store()->VerifyChain();
  ASSERT_TRUE(chain.ok()) << chain.status();
  EXPECT_TRUE(chain->ok) << chain->reason;
  EXPECT_EQ(chain->records_checked, static_cast<int64_t>(got.audit.size()));
  CommandResult verify =
      RunCommand(absl::StrCat(HUBCTL_PATH, " --server=", back->address(), " audit verify"));
  EXPECT_EQ(verify.exit_code, 0) << verify.output;
  EXPECT_THAT(verify.output, HasSubstr("audit chain OK"));

  // What was there when the backup began is all there; what came after it
  // returned is not; the feeds and the audit log are prefixes in between.
  EXPECT_EQ(got.directory, before.directory);
  EXPECT_EQ(got.cursors, before.cursors);
  EXPECT_EQ(got.consents, before.consents);
  EXPECT_EQ(got.parked, before.parked);
  for (const auto& [plan, items] : at_backup.feeds) {
    EXPECT_TRUE(IsPrefix(before.feeds.at(plan), got.feeds.at(plan))) << plan;
    EXPECT_TRUE(IsPrefix(got.feeds.at(plan), items)) << plan;
  }
  EXPECT_EQ(got.feeds.size(), before.feeds.size());
  EXPECT_TRUE(IsPrefix(before.audit, got.audit));
  EXPECT_TRUE(IsPrefix(got.audit, at_backup.audit));
  EXPECT_LT(got.audit.size(), after.audit.size());

  // The restored hub works on: the indexes derived from the restored feeds
  // agree with them, and a provider's retry of a record accepted before the
  // backup replays its result without a second copy.
  ASSERT_TRUE(back->server->feed_store()->AwaitAllIndexed().ok());
  absl::StatusOr<storage::FeedIndexCheck> indexes = back->server->feed_store()->CheckIndexes();
  ASSERT_TRUE(indexes.ok()) << indexes.status();
  EXPECT_TRUE(indexes->consistent());
  ASSERT_FALSE(accepted.empty());
  const auto& [record, result] = accepted.back();
  auto provider = hub::v1::ProviderService::NewStub(back->channel);
  hub::v1::SubmitRequest retry;
  retry.set_provider_id(record.provider_id);
  *retry.add_submissions() = record.submission;
  grpc::ClientContext context;
  hub::v1::SubmitResponse replayed;
  ASSERT_TRUE(provider->Submit(&context, retry, &replayed).ok());
  EXPECT_TRUE(replayed.results(0).replayed());
  EXPECT_EQ(replayed.results(0).accepted().SerializeAsString(),
            result.accepted().SerializeAsString());
  EXPECT_EQ(*back->server->feed_store()->Head(result.accepted().plan_id()),
            got.feeds.at(result.accepted().plan_id()).size());

  // A second restore into the (now used) folder is refused, changing nothing.
  CommandResult again = RunCommand(restore_command);
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_THAT(again.output, HasSubstr("is not empty"));

  // Step 3 with the hubd binary too: it serves the restored folder (plaintext
  // on loopback here), hubctl verifies the chain through it, SIGTERM stops it
  // cleanly. Its start-up is polled (bounded), as hubd_process_test does.
  ASSERT_TRUE(back->server->Shutdown(absl::ZeroDuration()).ok());
  back.reset();
  CommandResult served =
      RunCommand(absl::StrCat(HUBD_PATH, " --data_dir=", root,
                              "/data --insecure_loopback --listen=127.0.0.1:0 --port_file=", root,
                              "/port 2>", root, "/hubd.log & pid=$!; i=0; while [ ! -s ", root,
                              "/port ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; ",
                              HUBCTL_PATH, " --server=127.0.0.1:$(cat ", root,
                              "/port) audit verify; rc=$?; kill -TERM $pid; wait $pid; ",
                              "echo \"hubd exit $?\"; exit $rc"));
  EXPECT_EQ(served.exit_code, 0) << served.output;
  EXPECT_THAT(served.output, HasSubstr("audit chain OK"));
  EXPECT_THAT(served.output, HasSubstr("hubd exit 0"));

  int64_t revoked = 0;
  for (const auto& [id, bytes] : got.consents) {
    hub::v1::Consent consent;
    ASSERT_TRUE(consent.ParseFromString(bytes));
    revoked += consent.has_revoke_time() ? 1 : 0;
  }
  int cursors = 0;
  for (const auto& [plan, cursor] : got.cursors) cursors += cursor > 0 ? 1 : 0;
  EXPECT_GE(got.FeedItems(), 500);
  EXPECT_GE(cursors, 5);
  EXPECT_GE(got.consents.size(), 4u);
  EXPECT_EQ(revoked, 1);
  EXPECT_GE(got.parked.size(), 3u);
  EXPECT_GE(got.audit.size(), 100u);
  std::cout << "restored: " << got.FeedItems() << " feed items of " << got.feeds.size()
            << " plans (" << before.FeedItems() << " before the backup began, "
            << at_backup.FeedItems() << " when it returned), " << cursors << " non-zero cursors, "
            << got.consents.size() << " consents (" << revoked << " revoked), " << got.parked.size()
            << " parked records, " << got.audit.size() << " audit records (" << before.audit.size()
            << " / " << at_backup.audit.size() << "), " << got.directory.size()
            << " directory entries\n";
}

}  // namespace
}  // namespace hub::testing
