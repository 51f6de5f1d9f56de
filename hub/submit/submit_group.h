// SubmitPipeline's group of batches and the decisions it carries between
// groups (hub/submit/submit_pipeline.h), shared by submit_pipeline.cc (the
// writer and committer threads) and submit_group.cc (validating a group and
// building its write batch). Internal to hub/submit.
#ifndef HUB_HUB_SUBMIT_SUBMIT_GROUP_H_
#define HUB_HUB_SUBMIT_SUBMIT_GROUP_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "hub/submit/submit_pipeline.h"

namespace hub {

// One group of batches on its way through the two stages.
struct SubmitPipeline::Group {
  std::vector<Batch> batches;
  int64_t records = 0;
  absl::Time now;
  std::string today;
  google::protobuf::Timestamp accept_time;
  // One result per submission, per batch.
  std::vector<std::vector<hub::v1::SubmissionResult>> results;
  // Accepted records, in order: where their result is and where they go.
  struct Accepted {
    size_t batch = 0;
    size_t index = 0;
    std::string plan_id;
    hub::v1::RecordKind kind = hub::v1::RECORD_KIND_UNSPECIFIED;
  };
  std::vector<Accepted> accepted;
  // Results decided in this group, to store: (batch, index).
  std::vector<std::pair<size_t, size_t>> to_store;
  // In-group repeats of a key: (batch, index) copies (batch, index), or,
  // when the record differs (reused), is refused naming it.
  struct Repeat {
    size_t batch = 0;
    size_t index = 0;
    size_t source_batch = 0;
    size_t source_index = 0;
    bool reused = false;
  };
  std::vector<Repeat> repeats;
  // Providers of the batches (nullopt: not in the directory).
  std::vector<std::optional<hub::v1::Provider>> providers;
  storage::WriteBatch write;
  std::vector<std::string> plans_appended;
  // The latest care plan of each member among the accepted ones:
  // cin -> (batch, index).
  absl::flat_hash_map<std::string, std::pair<size_t, size_t>> care_plans;
  // Authorizations whose units this group changed (keys of Decisions).
  absl::flat_hash_set<std::string> authorizations_touched;
};

// What a group decided that the store does not show until it commits.
struct SubmitPipeline::Decisions {
  // GroupKey(provider, key) -> the final result (replayed = false) and the
  // fingerprint of the submission it answers.
  absl::flat_hash_map<std::string, hub::v1::SubmissionResult> results;
  absl::flat_hash_map<std::string, std::string> fingerprints;
  // Group-key -> (batch, index) of the deciding submission (in-group only).
  absl::flat_hash_map<std::string, std::pair<size_t, size_t>> where;
  PendingAuthorizations authorizations;
  // cin -> the care plan item written.
  absl::flat_hash_map<std::string, hub::v1::FeedItem> care_plans;

  void Clear() {
    results.clear();
    fingerprints.clear();
    where.clear();
    authorizations.Clear();
    care_plans.clear();
  }
};
}  // namespace hub

#endif  // HUB_HUB_SUBMIT_SUBMIT_GROUP_H_
