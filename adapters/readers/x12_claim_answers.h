// The plans' answers to the hub's 837P, read from their X12 files: the 999
// implementation acknowledgement (005010X231A1: was the file accepted), the
// 277CA claim acknowledgement (005010X214: was each claim, or line,
// accepted into adjudication) and the 835 remittance (005010X221A1: what was
// paid or denied, with CARC/RARC codes). Pure: bytes in, answers out (no
// storage, no clock); the hub matches them to its claims
// (storage/claim_store.h's crosswalk: CLM01 and each line's REF*6R).
//
// The envelope is checked by X12Reader (control numbers, SE/GE/IEA counts,
// truncation): any envelope problem rejects the whole file with the
// reader's file error (record.h FileError: InvalidArgument whose
// FileErrorCode, also leading the message, is e.g. FILE_X12_ENVELOPE,
// FILE_X12_TRUNCATED). A segment the reader cannot use (e.g. a CLP without a
// claim id, an amount that is not a number) rejects the file too, with
// FILE_X12_ANSWER_MALFORMED naming the segment number: answers are about
// money, so a file is taken whole or not at all.
//
// Thread safety: pure functions.
#ifndef HUB_ADAPTERS_READERS_X12_CLAIM_ANSWERS_H_
#define HUB_ADAPTERS_READERS_X12_CLAIM_ANSWERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace hub::adapters {

enum class AnswerKind {
  // 999: the 837P transaction set (or file) was accepted (IK5/AK9 A or E).
  kFileAccepted,
  // 999: rejected (IK5/AK9 R, or P for a group partly accepted and this set
  // rejected).
  kFileRejected,
  // 277CA STC category A0, A1, A2 or A5: accepted into the payer's system.
  kClaimAccepted,
  // 277CA STC category A3, A4, A6, A7 or A8: rejected, not adjudicated.
  kClaimRejected,
  // 835: paid (an amount above zero) for the claim or line.
  kPaid,
  // 835: processed with nothing paid, or CLP02 = 4 (denied).
  kDenied,
};

// One answer about a file, a claim or a claim's line.
struct ClaimAnswer {
  AnswerKind kind = AnswerKind::kFileAccepted;
  // 999: the acknowledged group's control number (AK102 = the 837P's GS06,
  // the hub's control number) and transaction set control number (AK202).
  std::string group_control_number;
  std::string transaction_control_number;
  // 277CA: TRN02 (the claim's CLM01); 835: CLP01.
  std::string claim_id;
  // The line's REF*6R (835 loop 2110) or REF*FJ (277CA loop 2220D); empty for
  // an answer about the whole claim.
  std::string line_id;
  // 835: amounts in cents (CLP03/CLP04 or SVC02/SVC03).
  int64_t charge_cents = 0;
  int64_t paid_cents = 0;
  // 835: the payment date, ISO "YYYY-MM-DD" (BPR16); 277CA: the status
  // date (STC02), ISO; empty if absent.
  std::string date;
  // The plan's reason codes, each prefixed by its code list: "CARC CO-45"
  // (CAS group-reason), "RARC N290" (LQ*HE, or MIA/MOA remarks),
  // "277CA A7:21:85" (STC01 category:status:entity), "999 IK5 R 5" (the
  // set's verdict and its IK502-IK506 codes), "999 IK3 CLM 22 8" (segment
  // id, position and IK304 error code), "999 IK4 5 1029 7" (element
  // position, reference number and IK403 error code; "-" for an empty
  // element), "999 AK9 R 4" (a group's verdict and its AK905-AK909 codes).
  std::vector<std::string> reasons;
  // The 1-based segment of the file the answer comes from (CLP, SVC, STC,
  // AK2), for messages.
  int64_t segment = 0;
};

// Reads a 999. A file error (see above) for a file that is not a 999 or has
// a broken envelope (the message names the reason code and segment).
absl::StatusOr<std::vector<ClaimAnswer>> Read999(std::string_view bytes);
// Reads a 277CA (ST01 277, 005010X214).
absl::StatusOr<std::vector<ClaimAnswer>> Read277CA(std::string_view bytes);
// Reads an 835 (005010X221A1): one answer per service line with a
// REF*6R, and one per claim (line_id empty) with the claim's totals.
absl::StatusOr<std::vector<ClaimAnswer>> Read835(std::string_view bytes);

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_READERS_X12_CLAIM_ANSWERS_H_
