// The plans' answers to the hub's 837P, taken in through
// PlanService.UploadFile (FILE_KIND_X12_999, FILE_KIND_X12_277CA,
// FILE_KIND_X12_835; a plan's profile lists those it sends in
// claim_answers). The ingest pipeline (ingest.h) dedupes the upload and
// writes the report; this file reads the answers (adapters/readers/
// x12_claim_answers.h) and matches them to the hub's claims.
//
// Matching, per answer (one "row" of the report, numbered by the answer's
// segment):
//   - 277CA and 835: the claim id (TRN02 / CLP01) must be a claim the hub
//     sent this plan (storage/claim_store.h crosswalk), else the answer is a
//     ROW_CLAIM_NOT_SENT error; a line answer's REF*FJ / REF*6R must name a
//     line of that claim, else ROW_CLAIM_LINE_NOT_SENT. A claim-level answer
//     decides every line of the claim the same file does not answer line by
//     line; its amounts go to the line only when the claim has one line.
//     The line's PlanDecision is written; an 835 decision is never replaced
//     by a 277CA one (adjudication comes after acknowledgement), so a late
//     277CA changes nothing (rows_unchanged), nor does an answer equal to the
//     stored one.
//   - 999: the acknowledged group (AK102) must be a control number the hub
//     handed this plan (storage/control_number_store.h), else
//     ROW_CONTROL_NUMBER_NOT_SENT. An accepted set is counted. A rejected
//     set (IK5 R, or AK9 R for a group without sets: all its sets) must be
//     one that carried lines the hub billed this plan (AK202 = the 837P's
//     ST02; storage/claim_store.h "t"), else ROW_TRANSACTION_SET_NOT_SENT;
//     each of its lines still billed on that file becomes REJECTED with the
//     999's codes (IK5, and the IK3/IK4 segment and element errors), and a
//     ROW_837P_REJECTED_BY_PLAN warning says how many. A line billed since
//     on a later file is left alone (the 999 is about an older file).
//   Decisions go by stage: a 999's never replaces a 277CA's or an 835's, a
//   277CA's never an 835's (adjudication comes after acknowledgement).
// A file the reader refuses (envelope counts, truncation, wrong transaction
// set, a malformed answer) is rejected whole: nothing is applied.
//
// Idempotence: everything is added to one batch that the caller commits
// with the report, so a crash applies all or nothing; the same bytes again
// return the stored report (ingest.h DEDUPE); other bytes carrying the same
// answers write the same decisions (state, not increments), so nothing is
// ever counted twice. The plan's claim tally (storage/claim_tally.h: what
// the county monitor shows) is updated in the same batch: each line whose
// decision the file changes leaves its old decision's buckets and enters
// the new one's.
//
// The lines a plan rejected or denied also enter their provider's worklist
// (ClaimStore::PutNeedsAction), and leave it when a later answer accepts or
// pays them.
//
// Thread safety: call under the plan's ingest lock (ingest.h) and
// storage::ClaimStore::DecisionMutex(), held until `batch` is committed.
#ifndef HUB_HUB_INGEST_CLAIM_ANSWERS_H_
#define HUB_HUB_INGEST_CLAIM_ANSWERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/ingest.pb.h"
#include "hub/v1/plan_file.pb.h"

namespace hub {
namespace storage {
class Store;
class WriteBatch;
}  // namespace storage

// Answer files are read whole (a plan's monthly 835 for one county is a few
// MiB); a larger one is refused with FILE_ANSWER_TOO_LARGE.
inline constexpr int64_t kMaxClaimAnswerFileBytes = int64_t{64} << 20;

// True for FILE_KIND_X12_999, FILE_KIND_X12_277CA and FILE_KIND_X12_835.
bool IsClaimAnswerKind(hub::v1::FileKind kind);

// True if `profile` lists `kind` in claim_answers.
bool PlanSendsClaimAnswers(const hub::v1::PlanProfile& profile, hub::v1::FileKind kind);

// What reading and matching one answer file gave.
struct ClaimAnswerResult {
  // Non-empty: the file was refused whole (a FILE_* code and a sentence);
  // nothing was added to the batch.
  std::string rejection_code;
  std::string rejection_reason;
  int64_t rows_read = 0;
  int64_t rows_accepted = 0;
  int64_t rows_rejected = 0;
  hub::v1::IngestChanges changes;
  // Per-answer errors and warnings, in file order.
  std::vector<hub::v1::RowError> errors;
};

// Reads `bytes` (a file of `kind`, uploaded by `plan_id`, whose report is
// `report_id`) and adds the plan decisions to `batch` (see the file
// comment). Errors: InvalidArgument for a kind that is not an answer kind;
// storage errors (nothing is committed here).
absl::StatusOr<ClaimAnswerResult> ApplyClaimAnswers(storage::Store* store, std::string_view plan_id,
                                                    hub::v1::FileKind kind, std::string_view bytes,
                                                    std::string_view report_id,
                                                    storage::WriteBatch& batch);

}  // namespace hub

#endif  // HUB_HUB_INGEST_CLAIM_ANSWERS_H_
