// Helpers of the feed tests (feed_test.cc, feed_crash_test.cc) and the
// PullFeed benchmark: members a Submit accepts, written straight into a data
// directory before a hub starts on it, and feed items appended the same way.
#ifndef HUB_TESTS_HUB_FEED_TEST_UTIL_H_
#define HUB_TESTS_HUB_FEED_TEST_UTIL_H_

#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "hub/v1/feed.pb.h"
#include "hub/v1/submission.pb.h"

namespace hub::testing {

// The CIN of feed test member `i` (0 <= i < 10^7): "9%07dF".
std::string FeedCin(int i);

// The day that routes a record of the test members to `plan_id`: members
// are covered by "molina" through 2025 and by "chg" from 2026-01-01 on.
inline constexpr char kMolinaDay[] = "2025-06-02";
inline constexpr char kChgDay[] = "2026-03-03";

// Writes members 0..count-1 into the store in `data_dir` (no hub may run
// on it): each covered by molina in 2025 and by chg from 2026, and
// assigned for ECM to alpha_cbo (of SmallSeedText) by both plans.
absl::Status SeedFeedMembers(const std::string& data_dir, int count);

// An ECM outreach attempt of member `cin` on `date` (accepted for
// alpha_cbo when the member was seeded).
hub::v1::Submission OutreachSubmission(std::string_view key, std::string_view cin,
                                       std::string_view date);

// Appends `count` items to `plan_id`'s feed in the store in `data_dir` (no
// hub may run on it), in batches, synced. fill(i, item) fills item i
// (record_id, provider_id, kind, ...); record_id defaults to "rec_<i>" and
// provider_id to "alpha_cbo" when fill leaves them empty.
absl::Status AppendFeedItems(const std::string& data_dir, const std::string& plan_id, int count,
                             const std::function<void(int, hub::v1::FeedItem&)>& fill);

}  // namespace hub::testing

#endif  // HUB_TESTS_HUB_FEED_TEST_UTIL_H_
