#include "tests/hub/feed_test_util.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status_macros.h"
#include "hub/v1/care.pb.h"
#include "hub/v1/member.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/feed_store.h"
#include "storage/member_store.h"
#include "storage/store.h"

namespace hub::testing {

std::string FeedCin(int i) { return absl::StrFormat("9%07dF", i); }

absl::Status SeedFeedMembers(const std::string& data_dir, int count) {
  storage::StoreOptions options;
  options.data_dir = data_dir;
  ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store, storage::Store::Open(options));
  storage::MemberStore members(store.get());
  storage::CoverageIndex coverage(store.get());
  storage::CareStore care(store.get());
  storage::WriteBatch batch;
  for (int i = 0; i < count; ++i) {
    const std::string cin = FeedCin(i);
    hub::v1::Member member;
    member.set_cin(cin);
    member.mutable_name()->set_first(absl::StrCat("First", i));
    member.mutable_name()->set_last("Feedtest");
    member.set_date_of_birth("1970-01-01");
    members.Put(batch, member);
    struct Period {
      const char* plan;
      const char* start;
      const char* end;
    };
    for (const Period& p :
         {Period{"molina", "2025-01-01", "2025-12-31"}, Period{"chg", "2026-01-01", ""}}) {
      hub::v1::Coverage c;
      c.set_cin(cin);
      c.set_plan_id(p.plan);
      c.set_start_date(p.start);
      c.set_end_date(p.end);
      coverage.Put(batch, c);
      hub::v1::Assignment a;
      a.set_cin(cin);
      a.set_plan_id(p.plan);
      a.set_provider_id("alpha_cbo");
      a.add_populations_of_focus(hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS);
      a.set_benefit_start_date(p.start);
      a.set_benefit_end_date(p.end);
      care.PutAssignment(batch, a);
    }
    if (batch.Count() > 5000) RETURN_IF_ERROR(store->Commit(batch, storage::Durability::kSync));
  }
  RETURN_IF_ERROR(store->Commit(batch, storage::Durability::kSync));
  return store->Close();
}

hub::v1::Submission OutreachSubmission(std::string_view key, std::string_view cin,
                                       std::string_view date) {
  hub::v1::Submission s;
  s.set_idempotency_key(std::string(key));
  hub::v1::OutreachAttempt* o = s.mutable_outreach_attempt();
  o->set_cin(std::string(cin));
  o->set_attempt_date(std::string(date));
  o->set_method(hub::v1::OUTREACH_METHOD_TELEPHONE);
  o->set_successful(true);
  o->set_minutes(15);
  return s;
}

absl::Status AppendFeedItems(const std::string& data_dir, const std::string& plan_id, int count,
                             const std::function<void(int, hub::v1::FeedItem&)>& fill) {
  storage::StoreOptions options;
  options.data_dir = data_dir;
  ASSIGN_OR_RETURN(std::unique_ptr<storage::Store> store, storage::Store::Open(options));
  storage::FeedStore feed(store.get());
  storage::WriteBatch batch;
  hub::v1::FeedItem item;
  for (int i = 0; i < count; ++i) {
    item.Clear();
    fill(i, item);
    if (item.record_id().empty()) item.set_record_id(absl::StrCat("rec_", i));
    if (item.provider_id().empty()) item.set_provider_id("alpha_cbo");
    // The item's own key if `fill` gave it one (the log carries the key).
    const std::string key = item.submission().idempotency_key().empty()
                                ? absl::StrCat("key-", i)
                                : item.submission().idempotency_key();
    ASSIGN_OR_RETURN(const uint64_t sequence, feed.AppendItem(batch, plan_id, item, key));
    (void)sequence;
    if (batch.Count() >= 4000 || i + 1 == count) {
      absl::Status committed = store->Commit(batch, storage::Durability::kSync);
      if (!committed.ok()) {
        feed.AbortAppends();
        return committed;
      }
      feed.CommitAppends();
    }
  }
  return store->Close();
}

}  // namespace hub::testing
