// What a plan answers to the hub's 837P in the demo county: its X12 999
// (implementation acknowledgement, 005010X231A1), 277CA (claim
// acknowledgement, 005010X214) and 835 (remittance, 005010X221A1) for one
// 837P file the hub exported, so the demo and the tests can play the plans'
// side of billing end to end (the hub reads these back through
// PlanService.UploadFile; hub/ingest/claim_answers.h).
//
// The plan's decisions are a pure function of (seed, claim id, line id):
//   - the 999 accepts every transaction set of the file (a plan's EDI
//     gateway rejects whole sets only for syntax errors, which the hub's
//     837P does not make: CI checks it with node-x12);
//   - the 277CA rejects about `rejected_claims` of the claims (STC A7:21
//     "missing or invalid information", claim level) and accepts the rest;
//   - the 835 answers every accepted claim line by line: about
//     `denied_lines` of the lines are denied (CARC CO-197 "precertification/
//     authorization absent" with RARC N54, or CO-16 "claim lacks
//     information" with RARC M51), the others paid at `paid_share` of the
//     charge (the rest a CO-45 contractual adjustment); a claim whose every
//     line is denied is CLP02 4 (denied), else 1. One 835 transaction set per
//     billing provider (the payee), paid `payment_delay_days` after
//     `answer_date`.
// Same bytes and options, same answers. Member names are not repeated: the
// 277CA's and 835's patient loops name the member by the 837P's member id
// only.
//
// Thread safety: pure function.
#ifndef HUB_GENERATOR_CLAIM_ANSWERS_H_
#define HUB_GENERATOR_CLAIM_ANSWERS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace hub::generator {

struct ClaimAnswerOptions {
  uint64_t seed = 1;
  // The day the plan answers, "YYYY-MM-DD" (999 and 277CA dates).
  std::string answer_date;
  // The 835's payment date is this many days after answer_date.
  int payment_delay_days = 0;
  double rejected_claims = 0.05;
  double denied_lines = 0.10;
  double paid_share = 0.80;
  // The interchange control numbers of the three answers (ISA13/GS06).
  int64_t control_number = 900;
};

struct PlanAnswers {
  std::string file_999;
  std::string file_277ca;
  std::string file_835;
  // What the answers say, for the demo's printout and the tests.
  int64_t transaction_sets = 0;
  int64_t claims = 0;
  int64_t claims_rejected = 0;
  int64_t lines = 0;
  int64_t lines_rejected = 0;  // the lines of rejected claims
  int64_t lines_paid = 0;
  int64_t lines_denied = 0;
  int64_t paid_cents = 0;
};

// Reads `claims_837p` (an 837P the hub exported) and writes the plan's three
// answers. InvalidArgument if the file is not a readable 837P (the reader's
// file error), has no claim, or a line has no REF*6R line id (the hub writes
// one on every line) or an unreadable charge; InvalidArgument for an
// answer_date that is not YYYY-MM-DD.
absl::StatusOr<PlanAnswers> AnswerClaimFile(std::string_view claims_837p,
                                            const ClaimAnswerOptions& options);

}  // namespace hub::generator

#endif  // HUB_GENERATOR_CLAIM_ANSWERS_H_
