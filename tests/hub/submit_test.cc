// ProviderService.Submit and UploadFile end to end: routing to the plan
// covering the member on the record's date, per-plan ordered feeds,
// idempotency, units across batches, group commit under concurrency, the
// CBO CSV template, Part 2 notices and the hub wiring.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/cli/health_client.h"
#include "hub/cli/hubctl.h"
#include "hub/submit/submit_pipeline.h"
#include "hub/submit/submit_validation.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "storage/audit_store.h"
#include "storage/care_plan_store.h"
#include "storage/retention.h"
#include "tests/hub/hub_test_util.h"
#include "tests/hub/submit_test_env.h"

namespace hub::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> Keys(const std::vector<hub::v1::FeedItem>& items) {
  std::vector<std::string> keys;
  for (const auto& item : items) keys.push_back(item.submission().idempotency_key());
  return keys;
}

void ExpectGapFree(const std::vector<hub::v1::FeedItem>& items) {
  for (size_t i = 0; i < items.size(); ++i) EXPECT_EQ(items[i].sequence(), i + 1);
}

// --------------------------------------------------------------- routing

TEST(SubmitTest, MixedBatchFansOutAcrossPlansInOrder) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const std::vector<std::string> plans = {"aetna", "blue_shield", "chg", "health_net", "molina"};
  std::vector<hub::v1::Submission> batch;
  std::map<std::string, std::vector<std::string>> expected;  // plan -> keys in order
  for (size_t p = 0; p < plans.size(); ++p) {
    env->AddEcmMember(absl::StrCat("2000000", p, "A"), plans[p], "golf_network");
  }
  for (int i = 0; i < 20; ++i) {
    const size_t p = static_cast<size_t>(i * 3 % 5);
    const std::string key = absl::StrCat("mix-", i);
    batch.push_back(i % 2 == 0 ? EcmOutreach(key, absl::StrCat("2000000", p, "A"), "2026-11-10")
                               : EcmService(key, absl::StrCat("2000000", p, "A"), "2026-11-10"));
    expected[plans[p]].push_back(key);
  }
  absl::StatusOr<hub::v1::SubmitResponse> response = env->Submit("golf_network", batch);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->results_size(), 20);
  std::map<std::string, uint64_t> last_sequence;
  for (int i = 0; i < 20; ++i) {
    const hub::v1::SubmissionResult& r = response->results(i);
    ASSERT_TRUE(r.has_accepted()) << r.DebugString();
    EXPECT_EQ(r.idempotency_key(), batch[i].idempotency_key());
    EXPECT_EQ(r.accepted().plan_id(), plans[static_cast<size_t>(i * 3 % 5)]);
    EXPECT_EQ(r.accepted().feed_sequence(), last_sequence[r.accepted().plan_id()] + 1);
    last_sequence[r.accepted().plan_id()] = r.accepted().feed_sequence();
    EXPECT_EQ(r.accepted().record_id(),
              SubmitPipeline::RecordId("golf_network", batch[i].idempotency_key(),
                                       absl::ToUnixMicros(FixedTime())));
    EXPECT_EQ(r.accepted().accept_time().seconds(), absl::ToUnixSeconds(FixedTime()));
  }
  for (const std::string& plan : plans) {
    std::vector<hub::v1::FeedItem> feed = env->Feed(plan);
    EXPECT_EQ(Keys(feed), expected[plan]) << plan;
    ExpectGapFree(feed);
    for (const auto& item : feed) {
      EXPECT_EQ(item.provider_id(), "golf_network");
      EXPECT_EQ(item.provider_npi(), Npi("100000007"));
      EXPECT_TRUE(item.redisclosure_notice().empty());
      EXPECT_EQ(item.kind(), item.submission().has_service()
                                 ? hub::v1::RECORD_KIND_SERVICE
                                 : hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
    }
    absl::StatusOr<uint64_t> head = env->feed()->Head(plan);
    ASSERT_TRUE(head.ok());
    EXPECT_EQ(*head, expected[plan].size());
  }
}

TEST(SubmitTest, MidMonthPlanSwitchRoutesByRecordDate) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const char* cin = "30000001A";
  env->AddMember(cin);
  env->AddCoverage(cin, "molina", "2026-01-01", "2026-11-14");
  env->AddCoverage(cin, "chg", "2026-11-15");
  env->AddAssignment(cin, "molina", "alpha_cbo", "2026-01-01", "2026-11-14");
  env->AddAssignment(cin, "chg", "alpha_cbo", "2026-11-15");
  absl::StatusOr<hub::v1::SubmitResponse> response = env->Submit(
      "alpha_cbo",
      {EcmOutreach("before", cin, "2026-11-14"), EcmOutreach("after", cin, "2026-11-15"),
       EcmService("svc-before", cin, "2026-11-10"), EcmService("svc-after", cin, "2026-11-20")});
  ASSERT_TRUE(response.ok()) << response.status();
  std::vector<std::string> routed;
  for (const auto& r : response->results()) routed.push_back(r.accepted().plan_id());
  EXPECT_THAT(routed, ElementsAre("molina", "chg", "molina", "chg"));
  EXPECT_THAT(Keys(env->Feed("molina")), ElementsAre("before", "svc-before"));
  EXPECT_THAT(Keys(env->Feed("chg")), ElementsAre("after", "svc-after"));
}

TEST(SubmitTest, RetroactiveCoverageChangeIsRespected) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const char* cin = "30000002B";
  env->AddEcmMember(cin, "molina", "alpha_cbo");
  absl::StatusOr<hub::v1::SubmitResponse> first =
      env->Submit("alpha_cbo", {EcmOutreach("first", cin, "2026-11-05")});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->results(0).accepted().plan_id(), "molina");
  // The plans then say: chg has covered the member since 2026-11-01 (a
  // newer statement about those days wins), with an ECM assignment.
  env->AddCoverage(cin, "chg", "2026-11-01");
  env->AddAssignment(cin, "chg", "alpha_cbo", "2026-11-01");
  absl::StatusOr<hub::v1::SubmitResponse> second = env->Submit(
      "alpha_cbo",
      {EcmOutreach("second", cin, "2026-11-05"), EcmOutreach("october", cin, "2026-10-20")});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->results(0).accepted().plan_id(), "chg");
  EXPECT_EQ(second->results(1).accepted().plan_id(), "molina");
  // What was accepted stays where it was delivered.
  EXPECT_THAT(Keys(env->Feed("molina")), ElementsAre("first", "october"));
  EXPECT_THAT(Keys(env->Feed("chg")), ElementsAre("second"));
}

// ----------------------------------------------------------- idempotency

TEST(SubmitTest, SameKeyReturnsTheFirstResultAndAddsNothing) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const char* cin = "40000001A";
  env->AddEcmMember(cin, "molina", "alpha_cbo");
  absl::StatusOr<hub::v1::SubmitResponse> first =
      env->Submit("alpha_cbo",
                  {EcmOutreach("k-1", cin, "2026-11-03"), EcmOutreach("k-bad", cin, "2026-11-30")});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->results(0).has_accepted());
  ASSERT_TRUE(first->results(1).has_rejected());
  EXPECT_FALSE(first->results(0).replayed());

  // The same records again: the first results, replayed, byte for byte.
  absl::StatusOr<hub::v1::SubmitResponse> again =
      env->Submit("alpha_cbo",
                  {EcmOutreach("k-1", cin, "2026-11-03"), EcmOutreach("k-bad", cin, "2026-11-30")});
  ASSERT_TRUE(again.ok());
  for (int i = 0; i < 2; ++i) {
    hub::v1::SubmissionResult expected = first->results(i);
    expected.set_replayed(true);
    EXPECT_EQ(again->results(i).SerializeAsString(), expected.SerializeAsString())
        << again->results(i).DebugString();
  }
  // A different (now valid) record under a used key is refused, never stored
  // (issue 15: it used to replay the first result silently).
  absl::StatusOr<hub::v1::SubmitResponse> changed =
      env->Submit("alpha_cbo",
                  {EcmOutreach("k-1", cin, "2026-11-04"), EcmOutreach("k-bad", cin, "2026-11-04")});
  ASSERT_TRUE(changed.ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(changed->results(i).rejected().reason_code(), "IDEMPOTENCY_KEY_REUSED")
        << changed->results(i).DebugString();
    EXPECT_FALSE(changed->results(i).replayed());
  }
  EXPECT_EQ(env->Feed("molina").size(), 1u);

  // The same key twice in one batch: one record, the second replays it.
  absl::StatusOr<hub::v1::SubmitResponse> twice = env->Submit(
      "alpha_cbo", {EcmOutreach("k-2", cin, "2026-11-05"), EcmOutreach("k-2", cin, "2026-11-05")});
  ASSERT_TRUE(twice.ok());
  EXPECT_FALSE(twice->results(0).replayed());
  EXPECT_TRUE(twice->results(1).replayed());
  EXPECT_EQ(twice->results(1).accepted().feed_sequence(),
            twice->results(0).accepted().feed_sequence());
  EXPECT_THAT(Keys(env->Feed("molina")), ElementsAre("k-1", "k-2"));

  // Keys belong to a provider: another provider's same key is its own record.
  env->AddAssignment(cin, "molina", "charlie_fqhc", "2026-01-01");
  absl::StatusOr<hub::v1::SubmitResponse> other =
      env->Submit("charlie_fqhc", {EcmOutreach("k-1", cin, "2026-11-03")});
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->results(0).replayed());
  EXPECT_NE(other->results(0).accepted().record_id(), first->results(0).accepted().record_id());
  EXPECT_EQ(env->Feed("molina").size(), 3u);
}

// A key reused after the idempotency window (storage/retention.h: 90 days)
// is a new submission: a new record with its own id, while the first record
// is still in the feed (400 days). With one id for both, the plan's verdict
// on one, its claim line and its listing would name the other.
TEST(SubmitTest, AKeyReusedAfterTheIdempotencyWindowIsANewRecordWithItsOwnId) {
  absl::Time now = FixedTime() - absl::Hours(24 * 100);
  SubmitEnvOptions options;
  options.clock = [&now] { return now; };
  auto env = SubmitEnv::Start(options);
  ASSERT_NE(env, nullptr);
  const char* cin = "40000002A";
  env->AddEcmMember(cin, "molina", "alpha_cbo");
  absl::StatusOr<hub::v1::SubmitResponse> first =
      env->Submit("alpha_cbo", {EcmService("svc-1", cin, "2026-08-14")});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->results(0).has_accepted()) << first->results(0).DebugString();

  now = FixedTime();
  ASSERT_TRUE(env->feed()->AwaitAllIndexed().ok());
  absl::StatusOr<std::unique_ptr<storage::AuditStore>> audit =
      storage::AuditStore::Open(env->store());
  ASSERT_TRUE(audit.ok()) << audit.status();
  absl::StatusOr<storage::PurgeCounts> purged =
      storage::PurgeExpired(*env->store(), **audit, storage::RetentionPolicy(), now);
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(purged->idempotency_results, 1);
  EXPECT_EQ(purged->feed_items, 0);
  {
    auto gone = env->feed()->GetSubmissionResult("alpha_cbo", "svc-1");
    ASSERT_TRUE(gone.ok());
    EXPECT_FALSE(gone->has_value()) << (*gone)->DebugString();
  }

  absl::StatusOr<hub::v1::SubmitResponse> second =
      env->Submit("alpha_cbo", {EcmService("svc-1", cin, "2026-11-20")});
  ASSERT_TRUE(second.ok()) << second.status();
  ASSERT_TRUE(second->results(0).has_accepted()) << second->results(0).DebugString();
  EXPECT_FALSE(second->results(0).replayed());
  const hub::v1::AcceptedRecord& a = first->results(0).accepted();
  const hub::v1::AcceptedRecord& b = second->results(0).accepted();
  EXPECT_NE(a.record_id(), b.record_id());
  EXPECT_EQ(b.feed_sequence(), a.feed_sequence() + 1);
  EXPECT_EQ(a.record_id(),
            SubmitPipeline::RecordId("alpha_cbo", "svc-1",
                                     absl::ToUnixMicros(now - absl::Hours(24 * 100))));
  EXPECT_EQ(b.record_id(), SubmitPipeline::RecordId("alpha_cbo", "svc-1", absl::ToUnixMicros(now)));

  // Each record keeps its own entry: the provider's listing shows both, each
  // with its own feed position.
  ASSERT_TRUE(env->feed()->AwaitAllIndexed().ok());
  auto listed =
      env->feed()->ListFeedback("alpha_cbo", hub::v1::FEEDBACK_STATUS_UNSPECIFIED, "", 10);
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->first.size(), 2u);
  EXPECT_EQ(listed->first[0].record_id(), b.record_id());
  EXPECT_EQ(listed->first[0].accept_time().seconds(), b.accept_time().seconds());
  EXPECT_EQ(listed->first[1].record_id(), a.record_id());
  EXPECT_EQ(listed->first[1].accept_time().seconds(), a.accept_time().seconds());
  absl::StatusOr<storage::FeedIndexCheck> check = env->feed()->CheckIndexes();
  ASSERT_TRUE(check.ok()) << check.status();
  EXPECT_TRUE(check->consistent()) << check->missing << " missing, " << check->differing
                                   << " differing, " << check->extra << " extra";
}

// The concurrency tests run twice: through the RPC, and straight into the
// pipeline (no gRPC in the path: what the TSan stage runs, since Debian's
// gRPC is not built with TSan; scripts/sanitize.sh).
enum class SubmitPath { kRpc, kPipeline };

class SubmitConcurrencyTest : public ::testing::TestWithParam<SubmitPath> {
 protected:
  absl::StatusOr<hub::v1::SubmitResponse> Send(SubmitEnv& env, std::string_view provider_id,
                                               const std::vector<hub::v1::Submission>& records) {
    return GetParam() == SubmitPath::kRpc ? env.Submit(provider_id, records)
                                          : env.SubmitToPipeline(provider_id, records);
  }
};

INSTANTIATE_TEST_SUITE_P(Paths, SubmitConcurrencyTest,
                         ::testing::Values(SubmitPath::kRpc, SubmitPath::kPipeline),
                         [](const ::testing::TestParamInfo<SubmitPath>& info) {
                           return info.param == SubmitPath::kRpc ? "Rpc" : "Pipeline";
                         });

TEST_P(SubmitConcurrencyTest, ConcurrentCallsWithTheSameKeyStoreOneRecord) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const char* cin = "40000002B";
  env->AddEcmMember(cin, "molina", "alpha_cbo");
  std::vector<std::thread> threads;
  std::vector<std::string> record_ids(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      absl::StatusOr<hub::v1::SubmitResponse> r =
          Send(*env, "alpha_cbo", {EcmOutreach("race", cin, "2026-11-03")});
      ASSERT_TRUE(r.ok());
      record_ids[t] = r->results(0).accepted().record_id();
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& id : record_ids) EXPECT_EQ(id, record_ids[0]);
  EXPECT_EQ(env->Feed("molina").size(), 1u);
}

// ----------------------------------------------------------------- units

// A member covered by molina from 2026-01-01 with `units` of housing
// deposits authorized to bravo_housing under `number` (2026-10-01 to
// 2026-12-31); returns the builder of its service lines (2026-11-03, H0044
// U2) by idempotency key and units.
std::function<hub::v1::Submission(const std::string&, int)> AddHousingDepositMember(
    SubmitEnv& env, const std::string& cin, const std::string& number, int units) {
  env.AddMember(cin);
  env.AddCoverage(cin, "molina", "2026-01-01");
  env.AddAuthorization(MakeAuthorization(number, cin, "molina", "bravo_housing",
                                         hub::v1::COMMUNITY_SUPPORT_HOUSING_DEPOSITS, units,
                                         "2026-10-01", "2026-12-31"));
  return [cin, number](const std::string& key, int n) {
    return CsService(key, cin, "2026-11-03", number, "H0044", {"U2"}, n);
  };
}

TEST(SubmitTest, UnitsRunOutAcrossAndWithinBatches) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const auto service = AddHousingDepositMember(*env, "50000001A", "AUTH-U", 10);
  absl::StatusOr<hub::v1::SubmitResponse> first = env->Submit("bravo_housing", {service("u-1", 6)});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->results(0).has_accepted());
  EXPECT_EQ(env->GetAuthorization("molina", "AUTH-U").units_used(), 6);

  // 4 left: 5 is too many; in one batch 3 then 2 uses the 3 first.
  absl::StatusOr<hub::v1::SubmitResponse> second =
      env->Submit("bravo_housing",
                  {service("u-2", 5), service("u-3", 3), service("u-4", 2), service("u-5", 1)});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->results(0).rejected().reason_code(), kUnitsExceeded);
  EXPECT_TRUE(second->results(1).has_accepted());
  EXPECT_EQ(second->results(2).rejected().reason_code(), kUnitsExceeded);
  EXPECT_TRUE(second->results(3).has_accepted());
  EXPECT_EQ(env->GetAuthorization("molina", "AUTH-U").units_used(), 10);

  absl::StatusOr<hub::v1::SubmitResponse> third = env->Submit("bravo_housing", {service("u-6", 1)});
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->results(0).rejected().reason_code(), kUnitsExceeded);
  // A replayed accepted line does not count twice.
  absl::StatusOr<hub::v1::SubmitResponse> replay =
      env->Submit("bravo_housing", {service("u-1", 6)});
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->results(0).replayed());
  EXPECT_EQ(env->GetAuthorization("molina", "AUTH-U").units_used(), 10);
  EXPECT_THAT(Keys(env->Feed("molina")), ElementsAre("u-1", "u-3", "u-5"));
}

// A plan's file that changes an authorization between two calls is seen by
// the second: the writer checks a new group against what the group before
// it decided only while that group is still committing (it used to keep
// the last group's authorizations until the next group came, however late).
TEST(SubmitTest, AnAuthorizationAPlanChangesBetweenCallsIsReadAgain) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const auto service = AddHousingDepositMember(*env, "50000002A", "AUTH-R", 10);
  absl::StatusOr<hub::v1::SubmitResponse> first = env->Submit("bravo_housing", {service("r-1", 6)});
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->results(0).has_accepted());
  // The plan raises the authorization to 20 units (6 used so far).
  hub::v1::Authorization raised = env->GetAuthorization("molina", "AUTH-R");
  ASSERT_EQ(raised.units_used(), 6);
  raised.set_units_approved(20);
  env->AddAuthorization(raised);
  absl::StatusOr<hub::v1::SubmitResponse> second =
      env->Submit("bravo_housing", {service("r-2", 10)});
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->results(0).has_accepted()) << second->results(0).DebugString();
  EXPECT_EQ(env->GetAuthorization("molina", "AUTH-R").units_used(), 16);
}

TEST_P(SubmitConcurrencyTest, ConcurrentCallsNeverOverspendAnAuthorization) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const auto service = AddHousingDepositMember(*env, "50000002B", "AUTH-C", 100);
  std::atomic<int> accepted_units{0};
  std::atomic<int> exceeded{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < 10; ++c) {
        std::vector<hub::v1::Submission> batch;
        for (int r = 0; r < 3; ++r) {
          batch.push_back(service(absl::StrCat("c", t, "-", c, "-", r), 2));
        }
        absl::StatusOr<hub::v1::SubmitResponse> response = Send(*env, "bravo_housing", batch);
        ASSERT_TRUE(response.ok()) << response.status();
        for (const auto& r : response->results()) {
          if (r.has_accepted()) {
            accepted_units += 2;
          } else {
            EXPECT_EQ(r.rejected().reason_code(), kUnitsExceeded);
            ++exceeded;
          }
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted_units.load(), 100);
  EXPECT_EQ(exceeded.load(), 240 - 50);
  EXPECT_EQ(env->GetAuthorization("molina", "AUTH-C").units_used(), 100);
  std::vector<hub::v1::FeedItem> feed = env->Feed("molina");
  EXPECT_EQ(feed.size(), 50u);
  ExpectGapFree(feed);
}

// -------------------------------------------------------- batch behaviour

TEST(SubmitTest, OneBadRecordNeverRejectsTheBatch) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const char* cin = "60000001A";
  env->AddEcmMember(cin, "molina", "alpha_cbo");
  hub::v1::Submission bad = EcmOutreach("b-2", cin, "2026-11-03");
  bad.mutable_outreach_attempt()->set_minutes(5000);
  hub::v1::Submission empty;
  empty.set_idempotency_key("b-4");
  absl::StatusOr<hub::v1::SubmitResponse> response =
      env->Submit("alpha_cbo", {EcmOutreach("b-1", cin, "2026-11-03"), bad,
                                EcmOutreach("b-3", cin, "2026-11-04"), empty,
                                EcmOutreach("b-5", "99999999Z", "2026-11-04")});
  ASSERT_TRUE(response.ok());
  ASSERT_EQ(response->results_size(), 5);
  EXPECT_TRUE(response->results(0).has_accepted());
  EXPECT_EQ(response->results(1).rejected().reason_code(), kOutOfRange);
  EXPECT_TRUE(response->results(2).has_accepted());
  EXPECT_EQ(response->results(3).rejected().reason_code(), kMissingRecord);
  EXPECT_EQ(response->results(4).rejected().reason_code(), kUnknownMember);
  EXPECT_THAT(Keys(env->Feed("molina")), ElementsAre("b-1", "b-3"));
}

TEST(SubmitTest, WholeCallErrors) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  EXPECT_EQ(
      env->Submit("nobody_here", {EcmOutreach("x", "60000001A", "2026-11-03")}).status().code(),
      absl::StatusCode::kNotFound);
  EXPECT_EQ(env->Submit("alpha_cbo", {}).status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<hub::v1::Submission> many(1001, EcmOutreach("x", "60000001A", "2026-11-03"));
  EXPECT_EQ(env->Submit("alpha_cbo", many).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(env->Submit("Bad-Id", {EcmOutreach("x", "60000001A", "2026-11-03")}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(SubmitConcurrencyTest, ConcurrentCallsAreAllAcceptedWithGapFreeFeeds) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const std::vector<std::string> plans = {"aetna", "chg", "molina"};
  for (size_t p = 0; p < plans.size(); ++p) {
    for (int m = 0; m < 4; ++m) {
      env->AddEcmMember(absl::StrCat("7000", p, "00", m, "A"), plans[p], "golf_network");
    }
  }
  constexpr int kThreads = 16;
  constexpr int kCalls = 15;
  constexpr int kRecords = 7;
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  std::mutex mu;
  std::map<std::string, std::map<uint64_t, std::string>> seen;  // plan -> seq -> key
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCalls; ++c) {
        std::vector<hub::v1::Submission> batch;
        for (int r = 0; r < kRecords; ++r) {
          const int n = t * 1000 + c * 10 + r;
          batch.push_back(EcmService(absl::StrCat("t", t, "-c", c, "-r", r),
                                     absl::StrCat("7000", n % 3, "00", n % 4, "A"), "2026-11-12"));
        }
        absl::StatusOr<hub::v1::SubmitResponse> response = Send(*env, "golf_network", batch);
        ASSERT_TRUE(response.ok()) << response.status();
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& result : response->results()) {
          ASSERT_TRUE(result.has_accepted()) << result.DebugString();
          ++accepted;
          auto [it, inserted] = seen[result.accepted().plan_id()].emplace(
              result.accepted().feed_sequence(), result.idempotency_key());
          EXPECT_TRUE(inserted) << "sequence given twice";
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), kThreads * kCalls * kRecords);
  size_t total = 0;
  for (const std::string& plan : plans) {
    std::vector<hub::v1::FeedItem> feed = env->Feed(plan);
    ExpectGapFree(feed);
    total += feed.size();
    ASSERT_EQ(feed.size(), seen[plan].size());
    std::set<std::string> record_ids;
    for (const auto& item : feed) {
      EXPECT_EQ(seen[plan][item.sequence()], item.submission().idempotency_key());
      EXPECT_TRUE(record_ids.insert(item.record_id()).second);
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kThreads * kCalls * kRecords));
}

TEST(SubmitTest, FailedCommitStoresNothingAndLeavesNoGap) {
  std::atomic<bool> fail{true};
  SubmitEnvOptions options;
  options.before_commit = [&](int) {
    return fail.load() ? absl::UnavailableError("disk full (test)") : absl::OkStatus();
  };
  auto env = SubmitEnv::Start(options);
  ASSERT_NE(env, nullptr);
  const char* cin = "80000001A";
  env->AddEcmMember(cin, "molina", "alpha_cbo");
  absl::StatusOr<hub::v1::SubmitResponse> failed =
      env->Submit("alpha_cbo", {EcmOutreach("f-1", cin, "2026-11-03")});
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(failed.status().message(), HasSubstr("same idempotency keys"));
  EXPECT_TRUE(env->Feed("molina").empty());
  fail = false;
  absl::StatusOr<hub::v1::SubmitResponse> retried =
      env->Submit("alpha_cbo", {EcmOutreach("f-1", cin, "2026-11-03")});
  ASSERT_TRUE(retried.ok());
  EXPECT_FALSE(retried->results(0).replayed());
  EXPECT_EQ(retried->results(0).accepted().feed_sequence(), 1u);
  EXPECT_THAT(Keys(env->Feed("molina")), ElementsAre("f-1"));
}

// ------------------------------------------------------ Part 2, care plans

TEST(SubmitTest, Part2RecordsCarryTheRedisclosureNotice) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const char* cin = "90000001A";
  env->AddEcmMember(cin, "molina", "alpha_cbo");
  env->AddAssignment(cin, "molina", "hotel_recovery", "2026-01-01");
  hub::v1::Submission sud = EcmOutreach("sud", cin, "2026-11-03");
  sud.set_substance_use_disorder(true);
  ASSERT_TRUE(env->Submit("alpha_cbo", {EcmOutreach("plain", cin, "2026-11-03"), sud}).ok());
  ASSERT_TRUE(env->Submit("hotel_recovery", {EcmOutreach("program", cin, "2026-11-03")}).ok());
  std::vector<hub::v1::FeedItem> feed = env->Feed("molina");
  ASSERT_EQ(feed.size(), 3u);
  EXPECT_EQ(feed[0].redisclosure_notice(), "");
  EXPECT_EQ(feed[1].redisclosure_notice(), kPart2RedisclosureNotice);
  EXPECT_EQ(feed[2].redisclosure_notice(), kPart2RedisclosureNotice);
  EXPECT_THAT(std::string(kPart2RedisclosureNotice), HasSubstr("42 CFR part 2"));
}

TEST(SubmitTest, LatestCarePlanIsKeptPerMember) {
  auto env = SubmitEnv::Start();
  ASSERT_NE(env, nullptr);
  const char* cin = "90000002B";
  env->AddEcmMember(cin, "molina", "alpha_cbo");
  ASSERT_TRUE(env->Submit("alpha_cbo", {CarePlanRecord("cp-2", cin, "2026-10-01"),
                                        CarePlanRecord("cp-1", cin, "2026-09-01")})
                  .ok());
  storage::CarePlanStore plans(env->store());
  absl::StatusOr<hub::v1::FeedItem> stored = plans.Get(cin);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->submission().idempotency_key(), "cp-2");
  EXPECT_EQ(stored->record_id(),
            SubmitPipeline::RecordId("alpha_cbo", "cp-2", absl::ToUnixMicros(FixedTime())));
  // An older plan sent later does not replace it; a newer one does.
  ASSERT_TRUE(env->Submit("alpha_cbo", {CarePlanRecord("cp-0", cin, "2026-08-01")}).ok());
  EXPECT_EQ(plans.Get(cin)->submission().idempotency_key(), "cp-2");
  ASSERT_TRUE(env->Submit("alpha_cbo", {CarePlanRecord("cp-3", cin, "2026-11-01")}).ok());
  EXPECT_EQ(plans.Get(cin)->submission().idempotency_key(), "cp-3");
  EXPECT_EQ(env->Feed("molina").size(), 4u);
}

// -------------------------------------------------------------- CSV upload

constexpr char kCsvHeader[] =
    "record_type,idempotency_key,cin,record_date,method,successful,minutes,ecm_status,acuity,"
    "enrollment_start_date,enrollment_end_date,lead_care_manager_name,lead_care_manager_phone,"
    "lead_care_manager_email,care_plan_revision_date,care_conference_date,assessment_start_date,"
    "assessment_completed_date,last_encounter_date,in_person_encounters,telephonic_encounters,"
    "discontinuation_date,discontinuation_code,discontinuation_reason,new_address_line1,"
    "new_address_line2,new_address_city,new_address_state,new_address_zip,new_phone,"
    "experiencing_homelessness,hcpcs_code,modifiers,units,place_of_service,in_person,staff_type,"
    "diagnosis_codes,charge,invoice_number,line_number,authorization_number,referral_status,"
    "closure_reason,closure_reason_text,substance_use_disorder\n";

// A CSV row from (column -> value); other columns empty.
std::string Row(const std::map<std::string, std::string>& values) {
  std::vector<std::string> columns =
      absl::StrSplit(std::string(kCsvHeader).substr(0, std::string(kCsvHeader).size() - 1), ',');
  std::vector<std::string> cells;
  for (const std::string& c : columns) {
    auto it = values.find(c);
    cells.push_back(it == values.end() ? "" : it->second);
  }
  return absl::StrJoin(cells, ",") + "\n";
}

class SubmitCsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SubmitEnvOptions options;
    options.upload_group_rows = 3;  // Several pipeline groups per file.
    env_ = SubmitEnv::Start(options);
    ASSERT_NE(env_, nullptr);
    env_->AddEcmMember("99898657G", "molina", "charlie_fqhc");
    env_->AddEcmMember("12345678A", "molina", "alpha_cbo");
    env_->AddMember("87654321B");
    env_->AddCoverage("87654321B", "health_net", "2026-01-01");
    env_->AddAuthorization(MakeAuthorization(
        "AUTH-2026-000200", "87654321B", "health_net", "charlie_fqhc",
        hub::v1::COMMUNITY_SUPPORT_RECUPERATIVE_CARE, 5, "2026-11-01", "2026-11-30"));
  }

  // Rows 1-5 good (ECM outreach, CS outreach, ECM service, CS service,
  // referral status), row 6 an unreadable CIN (template), row 7 an unknown
  // member (hub), row 8 too many units, row 9 a good enrollment status, row
  // 10 a bad date (template), row 11 an ECM member of another provider.
  std::string Csv() {
    std::string csv = kCsvHeader;
    csv += Row({{"record_type", "outreach"},
                {"cin", "99898657G"},
                {"record_date", "2026-11-03"},
                {"method", "telephone"},
                {"successful", "N"},
                {"minutes", "15"}});
    csv += Row({{"record_type", "outreach"},
                {"idempotency_key", "own-key-2"},
                {"cin", "87654321B"},
                {"record_date", "2026-11-04"},
                {"method", "in_person"},
                {"successful", "Y"},
                {"minutes", "45"},
                {"authorization_number", "AUTH-2026-000200"}});
    csv += Row({{"record_type", "service"},
                {"cin", "99898657G"},
                {"record_date", "2026-11-18"},
                {"hcpcs_code", "G9008"},
                {"modifiers", "U1"},
                {"units", "1"},
                {"place_of_service", "12"},
                {"in_person", "Y"},
                {"staff_type", "non_clinical"},
                {"diagnosis_codes", "Z59.00;F20.9"},
                {"charge", "125.00"}});
    csv += Row({{"record_type", "service"},
                {"cin", "87654321B"},
                {"record_date", "2026-11-20"},
                {"hcpcs_code", "T2033"},
                {"modifiers", "U6"},
                {"units", "4"},
                {"place_of_service", "99"},
                {"in_person", "Y"},
                {"staff_type", "non_clinical"},
                {"diagnosis_codes", "Z59.00"},
                {"charge", "300.50"},
                {"authorization_number", "AUTH-2026-000200"}});
    csv += Row({{"record_type", "referral_status"},
                {"cin", "87654321B"},
                {"record_date", "2026-11-02"},
                {"authorization_number", "AUTH-2026-000200"},
                {"referral_status", "accepted"}});
    csv += Row({{"record_type", "outreach"},
                {"cin", "9989865"},
                {"record_date", "2026-11-03"},
                {"method", "telephone"},
                {"successful", "N"},
                {"minutes", "15"}});
    csv += Row({{"record_type", "outreach"},
                {"cin", "55555555C"},
                {"record_date", "2026-11-03"},
                {"method", "telephone"},
                {"successful", "N"},
                {"minutes", "15"}});
    csv += Row({{"record_type", "service"},
                {"cin", "87654321B"},
                {"record_date", "2026-11-21"},
                {"hcpcs_code", "T2033"},
                {"modifiers", "U6"},
                {"units", "2"},
                {"place_of_service", "99"},
                {"in_person", "Y"},
                {"staff_type", "non_clinical"},
                {"diagnosis_codes", "Z59.00"},
                {"authorization_number", "AUTH-2026-000200"}});
    csv += Row({{"record_type", "enrollment_status"},
                {"cin", "99898657G"},
                {"record_date", "2026-11-20"},
                {"ecm_status", "enrolled"},
                {"acuity", "high"}});
    csv += Row({{"record_type", "outreach"},
                {"cin", "99898657G"},
                {"record_date", "2026-13-03"},
                {"method", "telephone"},
                {"successful", "N"},
                {"minutes", "15"}});
    csv += Row({{"record_type", "outreach"},
                {"cin", "12345678A"},
                {"record_date", "2026-11-03"},
                {"method", "telephone"},
                {"successful", "N"},
                {"minutes", "15"}});
    return csv;
  }

  std::unique_ptr<SubmitEnv> env_;
};

TEST_F(SubmitCsvTest, UploadReportsBadRowsByRowNumberAndRoutesGoodOnes) {
  const std::string csv = Csv();
  absl::StatusOr<hub::v1::IngestReport> report = env_->Upload("charlie_fqhc", csv);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED);
  EXPECT_EQ(report->file_kind(), hub::v1::FILE_KIND_CBO_SUBMISSIONS);
  EXPECT_EQ(report->rows_read(), 11);
  EXPECT_EQ(report->rows_accepted(), 6);
  EXPECT_EQ(report->rows_rejected(), 5);
  EXPECT_EQ(report->size_bytes(), static_cast<int64_t>(csv.size()));
  ASSERT_EQ(report->content_sha256().size(), 64u);
  EXPECT_EQ(report->report_id(), "charlie_fqhc-" + report->content_sha256().substr(0, 16));
  std::vector<std::string> errors;
  for (const auto& e : report->row_errors()) {
    errors.push_back(absl::StrCat(e.row_number(), " ", e.field(), " ", e.reason_code()));
    EXPECT_FALSE(e.message().empty());
    EXPECT_THAT(e.message(), ::testing::Not(HasSubstr("55555555C")));
  }
  EXPECT_THAT(errors,
              ElementsAre("6 cin ROW_BAD_CIN", "7 cin UNKNOWN_MEMBER", "8 units UNITS_EXCEEDED",
                          "10 record_date ROW_BAD_DATE", "11 cin UNKNOWN_MEMBER"));

  // Routed by member and date: molina (ECM), health_net (CS).
  const std::string prefix = report->content_sha256().substr(0, 16);
  EXPECT_THAT(Keys(env_->Feed("molina")), ElementsAre(prefix + ":1", prefix + ":3", prefix + ":9"));
  EXPECT_THAT(Keys(env_->Feed("health_net")),
              ElementsAre("own-key-2", prefix + ":4", prefix + ":5"));
  EXPECT_EQ(env_->GetAuthorization("health_net", "AUTH-2026-000200").units_used(), 4);

  // The same file again adds nothing and reports the same.
  absl::StatusOr<hub::v1::IngestReport> again = env_->Upload("charlie_fqhc", csv, 1000);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->rows_accepted(), 6);
  EXPECT_EQ(again->rows_rejected(), 5);
  EXPECT_EQ(again->row_errors_size(), 5);
  EXPECT_EQ(env_->Feed("molina").size(), 3u);
  EXPECT_EQ(env_->Feed("health_net").size(), 3u);
  EXPECT_EQ(env_->GetAuthorization("health_net", "AUTH-2026-000200").units_used(), 4);
}

TEST_F(SubmitCsvTest, UnreadableFileIsRejectedWholeAndStoresNothing) {
  const std::string csv =
      "record_type,cin,record_date\noutreach,99898657G,2026-11-03\n";  // Columns missing.
  absl::StatusOr<hub::v1::IngestReport> report = env_->Upload("charlie_fqhc", csv);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->outcome(), hub::v1::INGEST_OUTCOME_REJECTED);
  EXPECT_EQ(report->rejection_code(), "FILE_MISSING_COLUMNS");
  EXPECT_FALSE(report->rejection_reason().empty());
  EXPECT_TRUE(env_->Feed("molina").empty());
}

TEST_F(SubmitCsvTest, UploadNeedsAKnownProvider) {
  EXPECT_EQ(env_->Upload("nobody_here", Csv()).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(SubmitCsvTest, HubctlSubmitPrintsTheReport) {
  const std::string path = MakeTempDir() + "/november.csv";
  WriteFile(path, Csv());
  std::ostringstream out, err;
  const int code = RunHubctl(
      {"--server=" + env_->address(), "submit", "--provider=charlie_fqhc", path}, "", out, err);
  EXPECT_EQ(code, 0) << err.str();
  EXPECT_THAT(out.str(), HasSubstr("outcome   PARTIALLY_ACCEPTED"));
  EXPECT_THAT(out.str(), HasSubstr("rows      read 11, accepted 6, rejected 5"));
  EXPECT_THAT(out.str(), HasSubstr("UNITS_EXCEEDED"));
  EXPECT_THAT(out.str(), HasSubstr("november.csv"));
  EXPECT_EQ(env_->Feed("molina").size(), 3u);

  std::ostringstream out2, err2;
  EXPECT_EQ(RunHubctl({"--server=" + env_->address(), "submit", path}, "", out2, err2), 2);
  EXPECT_THAT(err2.str(), HasSubstr("--provider"));
}

// ------------------------------------------------------------- hub wiring

TEST(SubmitHubTest, HubServesProviderService) {
  std::unique_ptr<TestHub> hub = StartTestHub(SmallSeedText());
  ASSERT_NE(hub, nullptr);
  absl::StatusOr<ServingStatus> health =
      CheckHealth(hub->channel, hub::v1::ProviderService::service_full_name(), absl::Seconds(5));
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, ServingStatus::kServing);
  auto stub = hub::v1::ProviderService::NewStub(hub->channel);
  {
    hub::v1::SubmitRequest request;
    request.set_provider_id("alpha_cbo");
    *request.add_submissions() = EcmOutreach("k", "10000001A", "2026-11-03");
    hub::v1::SubmitResponse response;
    grpc::ClientContext context;
    ASSERT_TRUE(stub->Submit(&context, request, &response).ok());
    ASSERT_EQ(response.results_size(), 1);
    EXPECT_EQ(response.results(0).rejected().reason_code(), kUnknownMember);
  }
  {
    // The views are served too (hub/views/provider_views.h).
    hub::v1::ListMembersRequest request;
    hub::v1::ListMembersResponse response;
    grpc::ClientContext context;
    grpc::Status status = stub->ListMembers(&context, request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("provider_id"));
    request.set_provider_id("alpha_cbo");
    grpc::ClientContext again;
    ASSERT_TRUE(stub->ListMembers(&again, request, &response).ok());
    EXPECT_EQ(response.entries_size(), 0);
  }
}

}  // namespace
}  // namespace hub::testing
