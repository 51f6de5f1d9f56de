// PlanService.PullFeed and Ack, ProviderService.ListFeedback and
// `hubctl pull`, end to end over a real channel to an in-process hub; and
// FeedNotifier on its own.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "hub/cli/hubctl.h"
#include "hub/feed/feed_notifier.h"
#include "hub/rpc/feed_rpcs.h"
#include "hub/v1/plan_service.grpc.pb.h"
#include "hub/v1/provider_service.grpc.pb.h"
#include "tests/hub/feed_test_util.h"
#include "tests/hub/hub_test_util.h"

namespace hub {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kPollInterval = std::chrono::milliseconds(10);
constexpr int kMaxPolls = 3000;  // 30 s: only reached when something is broken.

// ------------------------------------------------------------ FeedNotifier

TEST(FeedNotifierTest, NotifyRunsEachRegistrationOnceForItsPlanOnly) {
  FeedNotifier notifier;
  std::atomic<int> molina{0}, chg{0};
  absl::Notification first;
  const uint64_t a = notifier.NewId();
  const uint64_t b = notifier.NewId();
  EXPECT_NE(a, b);
  notifier.Register("molina", a, [&] {
    ++molina;
    first.Notify();
  });
  notifier.Register("chg", b, [&] { ++chg; });
  EXPECT_EQ(notifier.RegisteredCount(), 2);
  notifier.Notify("aetna");  // Nobody waits for it.
  notifier.Notify("molina");
  first.WaitForNotification();
  // One-shot: a second Notify finds nothing for molina.
  notifier.Notify("molina");
  for (int i = 0; i < kMaxPolls && notifier.RegisteredCount() != 1; ++i) {
    std::this_thread::sleep_for(kPollInterval);
  }
  EXPECT_EQ(notifier.RegisteredCount(), 1);
  notifier.Unregister(b);  // Returns once nothing of b runs.
  EXPECT_EQ(notifier.RegisteredCount(), 0);
  notifier.Notify("chg");
  notifier.Unregister(a);
  EXPECT_EQ(molina.load(), 1);
  EXPECT_EQ(chg.load(), 0);
}

TEST(FeedNotifierTest, ACallbackMayRegisterAndUnregisterItself) {
  FeedNotifier notifier;
  const uint64_t id = notifier.NewId();
  std::atomic<int> runs{0};
  absl::Notification second;
  std::function<void()> callback = [&] {
    if (++runs == 1) {
      notifier.Register("molina", id, callback);  // Wait again.
    } else {
      notifier.Unregister(id);  // Must not deadlock on itself.
      second.Notify();
    }
  };
  notifier.Register("molina", id, callback);
  notifier.Notify("molina");
  for (int i = 0; i < kMaxPolls && runs.load() < 1; ++i) std::this_thread::sleep_for(kPollInterval);
  for (int i = 0; i < kMaxPolls && notifier.RegisteredCount() != 1; ++i) {
    std::this_thread::sleep_for(kPollInterval);
  }
  notifier.Notify("molina");
  second.WaitForNotification();
  notifier.Unregister(id);
  EXPECT_EQ(runs.load(), 2);
  EXPECT_EQ(notifier.RegisteredCount(), 0);
}

// ------------------------------------------------------------ end to end

struct Pulled {
  grpc::Status status;
  std::vector<hub::v1::PullFeedResponse> responses;
  std::vector<uint64_t> Sequences() const {
    std::vector<uint64_t> out;
    for (const auto& r : responses) out.push_back(r.item().sequence());
    return out;
  }
  std::vector<std::string> RecordIds() const {
    std::vector<std::string> out;
    for (const auto& r : responses) out.push_back(r.item().record_id());
    return out;
  }
};

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

class FeedTest : public ::testing::Test {
 protected:
  // Starts a hub over a data dir holding `members` feed test members.
  void StartHub(int members = 20) {
    root_ = testing::MakeTempDir();
    ASSERT_TRUE(testing::SeedFeedMembers(root_ + "/data", members).ok());
    Restart();
  }

  void Restart() {
    if (hub_ != nullptr) {
      ASSERT_TRUE(hub_->server->Shutdown(absl::Seconds(5)).ok());
      hub_.reset();
    }
    hub_ = testing::StartTestHub(testing::SmallSeedText(), root_);
    ASSERT_NE(hub_, nullptr);
    plans_ = hub::v1::PlanService::NewStub(hub_->channel);
    providers_ = hub::v1::ProviderService::NewStub(hub_->channel);
  }

  // Submits `submissions` as alpha_cbo; returns the results.
  std::vector<hub::v1::SubmissionResult> Submit(
      const std::vector<hub::v1::Submission>& submissions) {
    hub::v1::SubmitRequest request;
    request.set_provider_id("alpha_cbo");
    for (const auto& s : submissions) *request.add_submissions() = s;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    hub::v1::SubmitResponse response;
    grpc::Status status = providers_->Submit(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.results().begin(), response.results().end()};
  }

  // `count` outreach attempts of distinct members; even i to molina, odd i
  // to chg. Returns the accepted results in order.
  std::vector<hub::v1::SubmissionResult> SubmitMixed(int count, const std::string& key_prefix) {
    std::vector<hub::v1::Submission> batch;
    for (int i = 0; i < count; ++i) {
      batch.push_back(
          testing::OutreachSubmission(absl::StrCat(key_prefix, i), testing::FeedCin(i % 20),
                                      i % 2 == 0 ? testing::kMolinaDay : testing::kChgDay));
    }
    std::vector<hub::v1::SubmissionResult> results = Submit(batch);
    EXPECT_EQ(results.size(), static_cast<size_t>(count));
    for (const auto& r : results) {
      EXPECT_TRUE(r.has_accepted()) << r.ShortDebugString();
    }
    return results;
  }

  Pulled Pull(const hub::v1::PullFeedRequest& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    auto reader = plans_->PullFeed(&context, request);
    Pulled pulled;
    hub::v1::PullFeedResponse response;
    while (reader->Read(&response)) pulled.responses.push_back(response);
    pulled.status = reader->Finish();
    return pulled;
  }

  Pulled Pull(const std::string& plan, int max_items = 0, uint64_t after = 0) {
    hub::v1::PullFeedRequest request;
    request.set_plan_id(plan);
    request.set_max_items(max_items);
    request.set_after_sequence(after);
    return Pull(request);
  }

  grpc::Status Ack(const std::string& plan, uint64_t through, hub::v1::AckResponse* response,
                   const std::vector<hub::v1::ItemRejection>& rejections = {}) {
    hub::v1::AckRequest request;
    request.set_plan_id(plan);
    request.set_through_sequence(through);
    for (const auto& r : rejections) *request.add_rejections() = r;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return plans_->Ack(&context, request, response);
  }

  uint64_t AckOk(const std::string& plan, uint64_t through) {
    hub::v1::AckResponse response;
    grpc::Status status = Ack(plan, through, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.cursor();
  }

  std::string root_;
  std::unique_ptr<testing::TestHub> hub_;
  std::unique_ptr<hub::v1::PlanService::Stub> plans_;
  std::unique_ptr<hub::v1::ProviderService::Stub> providers_;
};

TEST_F(FeedTest, FeedsAreOrderedGapFreeAndHoldExactlyTheRoutedRecords) {
  StartHub();
  std::vector<std::string> molina_ids, chg_ids;
  for (int round = 0; round < 3; ++round) {
    for (const auto& r : SubmitMixed(400, absl::StrCat("r", round, "-"))) {
      (r.accepted().plan_id() == "molina" ? molina_ids : chg_ids)
          .push_back(r.accepted().record_id());
    }
  }
  ASSERT_EQ(molina_ids.size(), 600u);
  ASSERT_EQ(chg_ids.size(), 600u);

  Pulled molina = Pull("molina");
  ASSERT_TRUE(molina.status.ok()) << molina.status.error_message();
  EXPECT_EQ(molina.Sequences(), Range(1, 600));
  EXPECT_EQ(molina.RecordIds(), molina_ids);  // In acceptance order.
  for (const auto& r : molina.responses) {
    EXPECT_EQ(r.head_sequence(), 600u);
    EXPECT_EQ(r.item().provider_id(), "alpha_cbo");
    EXPECT_EQ(r.item().kind(), hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
    EXPECT_EQ(r.item().submission().outreach_attempt().attempt_date(), testing::kMolinaDay);
  }
  Pulled chg = Pull("chg");
  ASSERT_TRUE(chg.status.ok());
  EXPECT_EQ(chg.Sequences(), Range(1, 600));
  EXPECT_EQ(chg.RecordIds(), chg_ids);
  // An empty feed ends at once.
  Pulled aetna = Pull("aetna");
  EXPECT_TRUE(aetna.status.ok());
  EXPECT_TRUE(aetna.responses.empty());
  // Resubmitting adds nothing to any feed.
  SubmitMixed(400, "r0-");
  EXPECT_EQ(Pull("molina").responses.size(), 600u);
}

TEST_F(FeedTest, ResumesAfterTheAcknowledgedCursorOnly) {
  StartHub();
  SubmitMixed(24, "k");  // 12 items per plan.
  Pulled first = Pull("molina", /*max_items=*/5);
  ASSERT_TRUE(first.status.ok());
  EXPECT_EQ(first.Sequences(), Range(1, 5));
  // Disconnected without an ack: the same items again, same record ids.
  Pulled again = Pull("molina", 5);
  EXPECT_EQ(again.Sequences(), Range(1, 5));
  EXPECT_EQ(again.RecordIds(), first.RecordIds());

  EXPECT_EQ(AckOk("molina", 5), 5u);
  Pulled next = Pull("molina", 5);
  EXPECT_EQ(next.Sequences(), Range(6, 10));
  // after_sequence starts later without acking; never before the cursor.
  EXPECT_EQ(Pull("molina", 0, 9).Sequences(), Range(10, 12));
  EXPECT_EQ(Pull("molina", 0, 2).Sequences(), Range(6, 12));
  // The other plan's cursor did not move.
  EXPECT_EQ(Pull("chg", 2).Sequences(), Range(1, 2));

  // The cursor survives a restart; acked items are never re-delivered, and
  // the others come again with the same record ids.
  EXPECT_EQ(AckOk("molina", 8), 8u);
  const std::vector<std::string> ids_before = Pull("molina").RecordIds();
  ASSERT_EQ(ids_before.size(), 4u);
  Restart();
  Pulled after_restart = Pull("molina");
  ASSERT_TRUE(after_restart.status.ok());
  EXPECT_EQ(after_restart.Sequences(), Range(9, 12));
  EXPECT_EQ(after_restart.RecordIds(), ids_before);
  // New records continue the sequence after the restart.
  SubmitMixed(2, "after-restart-");
  EXPECT_EQ(Pull("molina").Sequences(), Range(9, 13));
}

TEST_F(FeedTest, FollowDeliversItemsAcceptedAfterTheStreamStarted) {
  StartHub();
  SubmitMixed(4, "before-");  // molina 1, 2
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  hub::v1::PullFeedRequest request;
  request.set_plan_id("molina");
  request.set_follow(true);
  auto reader = plans_->PullFeed(&context, request);
  hub::v1::PullFeedResponse response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.item().sequence(), 1u);
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.item().sequence(), 2u);
  EXPECT_EQ(response.head_sequence(), 2u);

  // The stream is caught up and waits; new records arrive on it.
  for (int round = 0; round < 3; ++round) {
    std::vector<hub::v1::SubmissionResult> results =
        Submit({testing::OutreachSubmission(absl::StrCat("later-", round), testing::FeedCin(3),
                                            testing::kMolinaDay),
                testing::OutreachSubmission(absl::StrCat("later-chg-", round), testing::FeedCin(3),
                                            testing::kChgDay)});
    ASSERT_EQ(results.size(), 2u);
    ASSERT_TRUE(reader->Read(&response));
    EXPECT_EQ(response.item().sequence(), 3u + round);
    EXPECT_EQ(response.item().record_id(), results[0].accepted().record_id());
    EXPECT_EQ(response.head_sequence(), 3u + round);
  }
  context.TryCancel();
  while (reader->Read(&response)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The cancelled reactor is gone.
  for (int i = 0; i < kMaxPolls && GetPullFeedCounters().open_streams.load() != 0; ++i) {
    std::this_thread::sleep_for(kPollInterval);
  }
  EXPECT_EQ(GetPullFeedCounters().open_streams.load(), 0);
}

TEST_F(FeedTest, FollowWithMaxItemsEndsAfterThemAndManyFollowersAllWake) {
  StartHub();
  constexpr int kFollowers = 4;
  std::vector<std::thread> threads;
  std::vector<std::vector<uint64_t>> got(kFollowers);
  std::vector<grpc::Status> statuses(kFollowers);
  std::atomic<int> started{0};
  for (int f = 0; f < kFollowers; ++f) {
    threads.emplace_back([&, f] {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
      hub::v1::PullFeedRequest request;
      request.set_plan_id("chg");
      request.set_follow(true);
      request.set_max_items(5);
      auto reader = plans_->PullFeed(&context, request);
      // The stream is open once its initial metadata arrived.
      reader->WaitForInitialMetadata();
      ++started;
      hub::v1::PullFeedResponse response;
      while (reader->Read(&response)) got[f].push_back(response.item().sequence());
      statuses[f] = reader->Finish();
    });
  }
  for (int i = 0; i < kMaxPolls && started.load() < kFollowers; ++i) {
    std::this_thread::sleep_for(kPollInterval);
  }
  // One record per call, so followers wake for each commit.
  for (int i = 0; i < 5; ++i) {
    Submit(
        {testing::OutreachSubmission(absl::StrCat("f", i), testing::FeedCin(i), testing::kChgDay)});
  }
  for (auto& t : threads) t.join();
  for (int f = 0; f < kFollowers; ++f) {
    EXPECT_TRUE(statuses[f].ok()) << statuses[f].error_message();
    EXPECT_EQ(got[f], Range(1, 5)) << "follower " << f;
  }
}

TEST_F(FeedTest, KindsFilterSkipsOtherKindsAndAckStillCoversThem) {
  root_ = testing::MakeTempDir();
  const hub::v1::RecordKind kinds[] = {hub::v1::RECORD_KIND_SERVICE,
                                       hub::v1::RECORD_KIND_OUTREACH_ATTEMPT,
                                       hub::v1::RECORD_KIND_CARE_PLAN};
  ASSERT_TRUE(
      testing::AppendFeedItems(root_ + "/data", "molina", 300, [&](int i, hub::v1::FeedItem& item) {
        item.set_kind(kinds[i % 3]);
      }).ok());
  Restart();
  hub::v1::PullFeedRequest request;
  request.set_plan_id("molina");
  request.add_kinds(hub::v1::RECORD_KIND_SERVICE);
  request.add_kinds(hub::v1::RECORD_KIND_CARE_PLAN);
  Pulled pulled = Pull(request);
  ASSERT_TRUE(pulled.status.ok());
  ASSERT_EQ(pulled.responses.size(), 200u);
  for (const auto& r : pulled.responses) {
    EXPECT_NE(r.item().sequence() % 3, 2u) << r.item().sequence();  // Outreach is 2 mod 3.
    EXPECT_NE(r.item().kind(), hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
    EXPECT_EQ(r.head_sequence(), 300u);
  }
  EXPECT_EQ(pulled.responses.back().item().sequence(), 300u);
  // max_items counts delivered items only.
  request.set_max_items(3);
  EXPECT_EQ(Pull(request).Sequences(), (std::vector<uint64_t>{1, 3, 4}));
  request.set_max_items(0);
  EXPECT_EQ(AckOk("molina", 298), 298u);
  EXPECT_EQ(Pull(request).Sequences(), (std::vector<uint64_t>{300}));
  request.clear_kinds();
  request.add_kinds(hub::v1::RECORD_KIND_INVOICE_LINE);
  Pulled none = Pull(request);
  EXPECT_TRUE(none.status.ok());
  EXPECT_TRUE(none.responses.empty());
}

TEST_F(FeedTest, BadRequestsAreRefusedWithActionableErrors) {
  StartHub();
  SubmitMixed(6, "k");  // 3 per plan.
  // PullFeed.
  hub::v1::PullFeedRequest request;
  request.set_plan_id("nope");
  EXPECT_EQ(Pull(request).status.error_code(), grpc::StatusCode::NOT_FOUND);
  request.set_plan_id("");
  EXPECT_EQ(Pull(request).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_plan_id("molina");
  request.add_kinds(hub::v1::RECORD_KIND_UNSPECIFIED);
  EXPECT_EQ(Pull(request).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.clear_kinds();
  request.add_kinds(static_cast<hub::v1::RecordKind>(42));
  EXPECT_EQ(Pull(request).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.clear_kinds();
  request.set_max_items(-1);
  EXPECT_EQ(Pull(request).status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  request.set_max_items(0);
  request.set_after_sequence(4);
  Pulled beyond = Pull(request);
  EXPECT_EQ(beyond.status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(beyond.status.error_message(), HasSubstr("beyond the feed's head 3"));

  // Ack.
  hub::v1::AckResponse response;
  EXPECT_EQ(Ack("nope", 1, &response).error_code(), grpc::StatusCode::NOT_FOUND);
  grpc::Status status = Ack("molina", 4, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(status.error_message(), HasSubstr("beyond the feed's head 3"));
  Pulled items = Pull("molina");
  ASSERT_EQ(items.responses.size(), 3u);
  hub::v1::ItemRejection wrong_id;
  wrong_id.set_sequence(2);
  wrong_id.set_record_id(items.responses[0].item().record_id());
  wrong_id.set_reason_code("PLAN_MEMBER_NOT_ELIGIBLE");
  status = Ack("molina", 3, &response, {wrong_id});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("copy the record_id"));
  hub::v1::ItemRejection beyond_ack = wrong_id;
  beyond_ack.set_sequence(3);
  beyond_ack.set_record_id(items.responses[2].item().record_id());
  EXPECT_EQ(Ack("molina", 2, &response, {beyond_ack}).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  hub::v1::ItemRejection bad_code = beyond_ack;
  bad_code.set_reason_code("not a code");
  EXPECT_EQ(Ack("molina", 3, &response, {bad_code}).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  // Nothing of the refused calls was written.
  ASSERT_TRUE(Ack("molina", 0, &response).ok());
  EXPECT_EQ(response.cursor(), 0u);
  EXPECT_EQ(response.head_sequence(), 3u);
  // Older than the cursor: a no-op answering the cursor.
  EXPECT_EQ(AckOk("molina", 3), 3u);
  ASSERT_TRUE(Ack("molina", 1, &response).ok());
  EXPECT_EQ(response.cursor(), 3u);
  EXPECT_EQ(response.head_sequence(), 3u);
}

TEST_F(FeedTest, ProvidersSeeThePlansVerdictsInListFeedback) {
  StartHub();
  std::vector<hub::v1::SubmissionResult> results = SubmitMixed(6, "fb");  // molina 1..3
  Pulled molina = Pull("molina");
  ASSERT_EQ(molina.responses.size(), 3u);
  hub::v1::ItemRejection rejection;
  rejection.set_sequence(2);
  rejection.set_record_id(molina.responses[1].item().record_id());
  rejection.set_reason_code("PLAN_MEMBER_NOT_ELIGIBLE");
  rejection.set_message("The member was disenrolled on that day; check the date.");
  hub::v1::AckResponse ack;
  ASSERT_TRUE(Ack("molina", 2, &ack, {rejection}).ok());
  EXPECT_EQ(ack.cursor(), 2u);

  hub::v1::ListFeedbackRequest request;
  request.set_provider_id("alpha_cbo");
  request.set_page_size(4);
  std::vector<hub::v1::FeedbackItem> items;
  for (int page = 0; page < 10; ++page) {
    grpc::ClientContext context;
    hub::v1::ListFeedbackResponse response;
    grpc::Status status = providers_->ListFeedback(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    items.insert(items.end(), response.items().begin(), response.items().end());
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  ASSERT_EQ(items.size(), 6u);
  int accepted = 0, rejected = 0, pending = 0;
  for (const auto& item : items) {
    if (item.record_id() == molina.responses[0].item().record_id()) {
      EXPECT_EQ(item.status(), hub::v1::FEEDBACK_STATUS_ACCEPTED_BY_PLAN);
      EXPECT_TRUE(item.has_ack_time());
    }
    if (item.record_id() == molina.responses[1].item().record_id()) {
      EXPECT_EQ(item.status(), hub::v1::FEEDBACK_STATUS_REJECTED_BY_PLAN);
      EXPECT_EQ(item.reason_code(), "PLAN_MEMBER_NOT_ELIGIBLE");
      EXPECT_EQ(item.message(), "The member was disenrolled on that day; check the date.");
      EXPECT_EQ(item.plan_id(), "molina");
    }
    accepted += item.status() == hub::v1::FEEDBACK_STATUS_ACCEPTED_BY_PLAN;
    rejected += item.status() == hub::v1::FEEDBACK_STATUS_REJECTED_BY_PLAN;
    pending += item.status() == hub::v1::FEEDBACK_STATUS_DELIVERED_PENDING;
    EXPECT_EQ(item.kind(), hub::v1::RECORD_KIND_OUTREACH_ATTEMPT);
    EXPECT_TRUE(absl::StartsWith(item.idempotency_key(), "fb"));
  }
  EXPECT_EQ(accepted, 1);
  EXPECT_EQ(rejected, 1);
  EXPECT_EQ(pending, 4);

  // Filter by status; unknown providers and foreign tokens are refused.
  hub::v1::ListFeedbackRequest only_rejected;
  only_rejected.set_provider_id("alpha_cbo");
  only_rejected.set_status(hub::v1::FEEDBACK_STATUS_REJECTED_BY_PLAN);
  grpc::ClientContext c1;
  hub::v1::ListFeedbackResponse r1;
  ASSERT_TRUE(providers_->ListFeedback(&c1, only_rejected, &r1).ok());
  ASSERT_EQ(r1.items_size(), 1);
  EXPECT_EQ(r1.items(0).record_id(), rejection.record_id());
  hub::v1::ListFeedbackRequest unknown;
  unknown.set_provider_id("nobody_here");
  grpc::ClientContext c2;
  EXPECT_EQ(providers_->ListFeedback(&c2, unknown, &r1).error_code(), grpc::StatusCode::NOT_FOUND);
  hub::v1::ListFeedbackRequest foreign = only_rejected;
  foreign.set_page_token(request.page_token());  // Issued for the unfiltered list.
  grpc::ClientContext c3;
  if (!request.page_token().empty()) {
    EXPECT_EQ(providers_->ListFeedback(&c3, foreign, &r1).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(FeedTest, ASlowClientMakesTheServerWaitNotBuffer) {
  root_ = testing::MakeTempDir();
  constexpr int kItems = 20000;
  const std::string bulk(900, 'x');  // ~1 KB per item: 20 MB of feed.
  ASSERT_TRUE(testing::AppendFeedItems(
                  root_ + "/data", "molina", kItems,
                  [&](int i, hub::v1::FeedItem& item) {
                    item.set_kind(hub::v1::RECORD_KIND_CARE_PLAN);
                    item.mutable_submission()->mutable_care_plan()->add_interventions(bulk);
                  })
                  .ok());
  Restart();
  // A client with a small, fixed receive window.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
  auto channel =
      grpc::CreateCustomChannel(hub_->address(), grpc::InsecureChannelCredentials(), args);
  auto stub = hub::v1::PlanService::NewStub(channel);
  PullFeedCounters& counters = GetPullFeedCounters();
  const int64_t writes_before = counters.writes_started.load();
  const int64_t reads_before = counters.items_read.load();
  counters.max_writes_in_flight.store(0);

  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(120));
  hub::v1::PullFeedRequest request;
  request.set_plan_id("molina");
  auto reader = stub->PullFeed(&context, request);
  hub::v1::PullFeedResponse response;
  ASSERT_TRUE(reader->Read(&response));
  EXPECT_EQ(response.item().sequence(), 1u);
  // Let the server run as far ahead as it can: until its write count stays
  // put for a while (bounded wait; the assertions do not depend on timing).
  int64_t last = -1;
  int stable = 0;
  for (int i = 0; i < kMaxPolls && stable < 30; ++i) {
    const int64_t now = counters.writes_started.load();
    stable = now == last ? stable + 1 : 0;
    last = now;
    std::this_thread::sleep_for(kPollInterval);
  }
  const int64_t ahead = counters.writes_started.load() - writes_before;
  const int64_t read_ahead = counters.items_read.load() - reads_before;
  std::printf("slow client read 1 item; server wrote %lld and read %lld of %d items\n",
              static_cast<long long>(ahead), static_cast<long long>(read_ahead), kItems);
  // Bounded by the flow-control window (~1 KB items), not by the feed.
  EXPECT_LT(ahead, 1000);
  EXPECT_LT(read_ahead, ahead + 2 * kPullFeedPageSize);
  EXPECT_EQ(counters.max_writes_in_flight.load(), 1);

  // The rest arrives complete and in order.
  uint64_t expected = 2;
  while (reader->Read(&response)) {
    ASSERT_EQ(response.item().sequence(), expected);
    ++expected;
  }
  EXPECT_TRUE(reader->Finish().ok());
  EXPECT_EQ(expected, static_cast<uint64_t>(kItems) + 1);
  EXPECT_EQ(counters.max_writes_in_flight.load(), 1);
}

TEST_F(FeedTest, HubctlPullPrintsItemsWithoutPhiAndAcks) {
  StartHub();
  std::vector<hub::v1::SubmissionResult> results = SubmitMixed(10, "ctl");  // molina 1..5
  std::ostringstream out, err;
  int code = RunHubctl({"--server=" + hub_->address(), "pull", "--plan=molina", "--max=3", "--ack"},
                       "", out, err);
  ASSERT_EQ(code, 0) << err.str();
  std::vector<std::string> lines;
  std::istringstream lines_in(out.str());
  for (std::string line; std::getline(lines_in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 3u) << out.str();
  EXPECT_TRUE(absl::StartsWith(lines[0], "1 "));
  EXPECT_THAT(lines[0], HasSubstr(results[0].accepted().record_id()));
  EXPECT_THAT(lines[0], HasSubstr("OUTREACH_ATTEMPT"));
  EXPECT_THAT(lines[0], HasSubstr("alpha_cbo"));
  EXPECT_TRUE(absl::StartsWith(lines[2], "3 "));
  EXPECT_THAT(out.str(), Not(HasSubstr(testing::FeedCin(0))));  // No PHI.
  EXPECT_THAT(out.str(), Not(HasSubstr(testing::kMolinaDay)));
  EXPECT_THAT(err.str(), HasSubstr("acknowledged through 3"));
  hub::v1::AckResponse ack;
  ASSERT_TRUE(Ack("molina", 0, &ack).ok());
  EXPECT_EQ(ack.cursor(), 3u);

  // --json: whole items for a plan's system; the rest of the feed.
  std::ostringstream json_out, json_err;
  code = RunHubctl({"--server=" + hub_->address(), "pull", "--plan=molina", "--json", "--ack"}, "",
                   json_out, json_err);
  ASSERT_EQ(code, 0) << json_err.str();
  EXPECT_THAT(json_out.str(), HasSubstr("\"sequence\":\"4\""));
  EXPECT_THAT(json_out.str(), HasSubstr("\"attempt_date\":\"2025-06-02\""));
  EXPECT_THAT(json_out.str(), Not(HasSubstr("\"sequence\":\"3\"")));
  ASSERT_TRUE(Ack("molina", 0, &ack).ok());
  EXPECT_EQ(ack.cursor(), 5u);

  // Kinds filter and usage errors.
  std::ostringstream k_out, k_err;
  EXPECT_EQ(
      RunHubctl({"--server=" + hub_->address(), "pull", "--plan=chg", "--kinds=service,care_plan"},
                "", k_out, k_err),
      0)
      << k_err.str();
  EXPECT_EQ(k_out.str(), "");
  std::ostringstream bad_out, bad_err;
  EXPECT_EQ(RunHubctl({"--server=" + hub_->address(), "pull", "--plan=chg", "--kinds=bogus"}, "",
                      bad_out, bad_err),
            2);
  EXPECT_THAT(bad_err.str(), HasSubstr("unknown record kind"));
  EXPECT_EQ(RunHubctl({"--server=" + hub_->address(), "pull"}, "", bad_out, bad_err), 2);
  std::ostringstream nf_out, nf_err;
  EXPECT_EQ(RunHubctl({"--server=" + hub_->address(), "pull", "--plan=nope"}, "", nf_out, nf_err),
            1);
  EXPECT_THAT(nf_err.str(), HasSubstr("no plan has plan_id"));
}

}  // namespace
}  // namespace hub
