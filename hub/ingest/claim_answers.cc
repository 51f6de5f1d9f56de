#include "hub/ingest/claim_answers.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "adapters/readers/record.h"
#include "adapters/readers/x12_claim_answers.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "google/protobuf/util/message_differencer.h"
#include "storage/claim_store.h"
#include "storage/claim_tally.h"
#include "storage/control_number_store.h"
#include "storage/store.h"

namespace hub {
namespace {

using adapters::AnswerKind;
using adapters::ClaimAnswer;
using hub::v1::ClaimDecision;
using hub::v1::PlanDecision;
using hub::v1::RowError;

std::string Dollars(int64_t cents) {
  return absl::StrFormat("%s$%d.%02d", cents < 0 ? "-" : "", (cents < 0 ? -cents : cents) / 100,
                         (cents < 0 ? -cents : cents) % 100);
}

RowError Error(const ClaimAnswer& a, std::string_view code, std::string message,
               bool warning = false) {
  RowError e;
  e.set_row_number(a.segment);
  e.set_field(a.line_id.empty() ? "claim_id" : "line_id");
  e.set_reason_code(std::string(code));
  e.set_message(std::move(message));
  e.set_warning(warning);
  return e;
}

// A claim id the hub could have written (x12_837p_writer.h): 1-38
// characters, no NUL (which would break the crosswalk's keys).
bool PlausibleClaimId(std::string_view id) {
  return !id.empty() && id.size() <= 38 && id.find('\0') == std::string_view::npos;
}

ClaimDecision DecisionOf(AnswerKind kind) {
  switch (kind) {
    case AnswerKind::kClaimAccepted:
      return hub::v1::CLAIM_DECISION_ACCEPTED;
    case AnswerKind::kClaimRejected:
      return hub::v1::CLAIM_DECISION_REJECTED;
    case AnswerKind::kPaid:
      return hub::v1::CLAIM_DECISION_PAID;
    case AnswerKind::kDenied:
      return hub::v1::CLAIM_DECISION_DENIED;
    default:
      return hub::v1::CLAIM_DECISION_UNSPECIFIED;
  }
}

PlanDecision ToDecision(const ClaimAnswer& a, hub::v1::FileKind kind, std::string_view report_id,
                        bool with_amounts) {
  PlanDecision d;
  d.set_decision(DecisionOf(a.kind));
  for (const std::string& r : a.reasons) d.add_reason_codes(r);
  if (with_amounts) {
    d.set_charge_cents(a.charge_cents);
    d.set_paid_cents(a.paid_cents);
  } else if (kind == hub::v1::FILE_KIND_X12_835) {
    // The claim's totals cannot be split between its lines.
    d.add_reason_codes(absl::StrCat("835 claim total paid ", Dollars(a.paid_cents), " of ",
                                    Dollars(a.charge_cents), " (no line detail)"));
  }
  d.set_date(a.date);
  d.set_file_kind(kind);
  d.set_report_id(std::string(report_id));
  return d;
}

// The lines whose decision this file replaces: the stored decision (none
// if the line had none) and the last one written to the batch.
struct DecisionChange {
  std::optional<PlanDecision> before;
  PlanDecision after;
};
using DecisionChanges = absl::flat_hash_map<std::string, DecisionChange>;

// The stage of the file a decision comes from: a decision never replaces
// one of a later stage (999, then 277CA, then 835).
int Stage(hub::v1::FileKind kind) {
  switch (kind) {
    case hub::v1::FILE_KIND_X12_999:
      return 1;
    case hub::v1::FILE_KIND_X12_277CA:
      return 2;
    case hub::v1::FILE_KIND_X12_835:
      return 3;
    default:
      return 0;
  }
}

// Writes `decision` for `record_id` unless the stored one wins or is equal.
absl::Status Decide(const storage::ClaimStore& claims, storage::WriteBatch& batch,
                    const std::string& record_id, const PlanDecision& decision,
                    DecisionChanges& changes, ClaimAnswerResult& result) {
  ASSIGN_OR_RETURN(std::optional<PlanDecision> stored, claims.GetDecision(record_id));
  if (stored.has_value()) {
    PlanDecision a = *stored;
    PlanDecision b = decision;
    a.clear_report_id();
    b.clear_report_id();
    if (Stage(stored->file_kind()) > Stage(decision.file_kind()) ||
        google::protobuf::util::MessageDifferencer::Equals(a, b)) {
      result.changes.set_rows_unchanged(result.changes.rows_unchanged() + 1);
      return absl::OkStatus();
    }
  }
  claims.PutDecision(batch, record_id, decision);
  auto [change, added] = changes.try_emplace(record_id);
  if (added) change->second.before = std::move(stored);
  change->second.after = decision;
  result.changes.set_claim_lines_answered(result.changes.claim_lines_answered() + 1);
  return absl::OkStatus();
}

// 277CA and 835: one claim's answers (in file order).
absl::Status ApplyClaim(const storage::ClaimStore& claims, storage::WriteBatch& batch,
                        std::string_view plan_id, hub::v1::FileKind kind,
                        std::string_view report_id, const std::vector<const ClaimAnswer*>& answers,
                        DecisionChanges& changes, ClaimAnswerResult& result) {
  const std::string& claim_id = answers.front()->claim_id;
  std::vector<storage::ClaimStore::ClaimLine> lines;
  if (PlausibleClaimId(claim_id)) {
    ASSIGN_OR_RETURN(lines, claims.ListClaimLines(plan_id, claim_id));
  }
  if (lines.empty()) {
    for (const ClaimAnswer* a : answers) {
      ++result.rows_rejected;
      result.errors.push_back(Error(
          *a, "ROW_CLAIM_NOT_SENT",
          absl::StrCat("claim \"", PlausibleClaimId(claim_id) ? Absl(claim_id) : "(invalid id)",
                       "\" is not a claim this hub sent plan ", Absl(plan_id),
                       " on an 837P; nothing was applied for it: check that the file is meant "
                       "for this hub and ask the plan to correct it")));
    }
    return absl::OkStatus();
  }
  // Line answers first decide their lines; claim answers decide the rest.
  absl::flat_hash_map<std::string, PlanDecision> decided;
  std::vector<const ClaimAnswer*> claim_level;
  for (const ClaimAnswer* a : answers) {
    if (a->line_id.empty()) {
      claim_level.push_back(a);
      continue;
    }
    bool found = false;
    for (const auto& line : lines) found = found || line.record_id == a->line_id;
    if (!found) {
      ++result.rows_rejected;
      result.errors.push_back(
          Error(*a, "ROW_CLAIM_LINE_NOT_SENT",
                absl::StrCat("line \"", a->line_id.size() <= 50 ? Absl(a->line_id) : "(invalid id)",
                             "\" is not a line of claim ", Absl(claim_id),
                             " as the hub sent it; nothing was applied for it: ask the plan to "
                             "correct the line reference (REF*6R / REF*FJ)")));
      continue;
    }
    ++result.rows_accepted;
    decided[a->line_id] = ToDecision(*a, kind, report_id, /*with_amounts=*/true);
  }
  for (const ClaimAnswer* a : claim_level) {
    ++result.rows_accepted;
    for (const auto& line : lines) {
      if (decided.contains(line.record_id)) continue;
      RETURN_IF_ERROR(Decide(claims, batch, line.record_id,
                             ToDecision(*a, kind, report_id, lines.size() == 1), changes, result));
    }
  }
  for (const auto& [record_id, decision] : decided) {
    RETURN_IF_ERROR(Decide(claims, batch, record_id, decision, changes, result));
  }
  return absl::OkStatus();
}

// A rejected set of a 999 (`number` is its group's control number, checked):
// every line the hub billed in it, unless billed since on a later file,
// becomes REJECTED with the 999's codes. Set "" is the group's own verdict
// (AK9 without sets): every set of the file.
absl::Status Reject999Set(const storage::ClaimStore& claims, storage::WriteBatch& batch,
                          std::string_view plan_id, std::string_view report_id,
                          const ClaimAnswer& a, int64_t number, DecisionChanges& changes,
                          ClaimAnswerResult& result) {
  int set = 0;
  std::vector<std::string> lines;
  if (a.transaction_control_number.empty() ||
      (absl::SimpleAtoi(Absl(a.transaction_control_number), &set) && set >= 1 && set <= 9999)) {
    ASSIGN_OR_RETURN(lines, claims.ListTransactionSetLines(plan_id, number, set));
  }
  const std::string set_words =
      a.transaction_control_number.empty()
          ? std::string("every transaction set")
          : absl::StrCat("transaction set ", a.transaction_control_number.size() <= 9
                                                 ? Absl(a.transaction_control_number)
                                                 : "(invalid)");
  if (lines.empty()) {
    ++result.rows_rejected;
    RowError e = Error(
        a, "ROW_TRANSACTION_SET_NOT_SENT",
        absl::StrCat(set_words, " of the 837P with control number ", number,
                     " carried no claim line the hub has on record for plan ", Absl(plan_id),
                     "; nothing was applied for it: check that the file is meant for this hub "
                     "and names the 837P's ST02"));
    e.set_field("AK202");
    result.errors.push_back(std::move(e));
    return absl::OkStatus();
  }
  ++result.rows_accepted;
  PlanDecision decision;
  decision.set_decision(hub::v1::CLAIM_DECISION_REJECTED);
  for (const std::string& r : a.reasons) decision.add_reason_codes(r);
  decision.set_file_kind(hub::v1::FILE_KIND_X12_999);
  decision.set_report_id(std::string(report_id));
  int64_t marked = 0;
  int64_t billed_since = 0;
  for (const std::string& record_id : lines) {
    ASSIGN_OR_RETURN(std::optional<hub::v1::BillingStatus> line, claims.GetLine(record_id));
    if (!line.has_value() || line->state() != hub::v1::BILLING_STATE_BILLED ||
        line->file_kind() != hub::v1::FILE_KIND_CLAIMS_837P || line->control_number() != number ||
        (set != 0 && line->transaction_set() != set)) {
      ++billed_since;  // Not about the line as the hub bills it now.
      continue;
    }
    RETURN_IF_ERROR(Decide(claims, batch, record_id, decision, changes, result));
    ++marked;
  }
  RowError e = Error(
      a, "ROW_837P_REJECTED_BY_PLAN",
      absl::StrCat("the plan rejected ", set_words, " of the 837P with control number ", number,
                   " (", absl::StrJoin(a.reasons, ", "), "); its ", marked,
                   " claim line(s) are marked rejected with these codes for their providers",
                   billed_since > 0 ? absl::StrCat(" (", billed_since,
                                                   " billed since on a later file are left as "
                                                   "they are)")
                                    : "",
                   ": the hub administrator exports the month again once the cause is fixed"),
      /*warning=*/true);
  e.set_field("IK5");
  result.errors.push_back(std::move(e));
  return absl::OkStatus();
}

absl::Status Apply999(storage::Store* store, const storage::ClaimStore& claims,
                      storage::WriteBatch& batch, std::string_view plan_id,
                      std::string_view report_id, const std::vector<ClaimAnswer>& answers,
                      DecisionChanges& changes, ClaimAnswerResult& result) {
  ASSIGN_OR_RETURN(const int64_t last, storage::ControlNumberStore(store).Last(plan_id));
  for (const ClaimAnswer& a : answers) {
    int64_t number = 0;
    if (!absl::SimpleAtoi(Absl(a.group_control_number), &number) || number < 1 || number > last) {
      ++result.rows_rejected;
      RowError e = Error(
          a, "ROW_CONTROL_NUMBER_NOT_SENT",
          absl::StrCat("the acknowledged group control number (AK102) is not one "
                       "this hub gave plan ",
                       Absl(plan_id), "'s 837P files; check that the file is meant for this hub"));
      e.set_field("AK102");
      result.errors.push_back(std::move(e));
      continue;
    }
    if (a.kind == AnswerKind::kFileRejected) {
      RETURN_IF_ERROR(Reject999Set(claims, batch, plan_id, report_id, a, number, changes, result));
    } else {
      ++result.rows_accepted;
    }
  }
  return absl::OkStatus();
}

// Moves each changed line from its old decision's buckets of the plan's
// claim tally to its new one's, in the same batch (storage/claim_tally.h).
absl::Status UpdateTally(const storage::ClaimStore& claims, storage::WriteBatch& batch,
                         std::string_view plan_id, const DecisionChanges& changes) {
  if (changes.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(hub::v1::PlanClaims tally, claims.GetTally(plan_id));
  for (const auto& [record_id, change] : changes) {
    ASSIGN_OR_RETURN(std::optional<hub::v1::BillingStatus> line, claims.GetLine(record_id));
    if (!line.has_value()) line.emplace();  // Unreachable: a crosswalked line has a status.
    if (change.before.has_value()) storage::CountClaimLine(tally, *line, *change.before, -1);
    storage::CountClaimLine(tally, *line, change.after, +1);
    if (!line->provider_id().empty()) {
      const hub::v1::ClaimDecision d = change.after.decision();
      claims.PutNeedsAction(
          batch, line->provider_id(), record_id, plan_id,
          d == hub::v1::CLAIM_DECISION_REJECTED || d == hub::v1::CLAIM_DECISION_DENIED);
    }
  }
  claims.PutTally(batch, tally);
  return absl::OkStatus();
}

}  // namespace

bool IsClaimAnswerKind(hub::v1::FileKind kind) {
  return kind == hub::v1::FILE_KIND_X12_999 || kind == hub::v1::FILE_KIND_X12_277CA ||
         kind == hub::v1::FILE_KIND_X12_835;
}

bool PlanSendsClaimAnswers(const hub::v1::PlanProfile& profile, hub::v1::FileKind kind) {
  if (!IsClaimAnswerKind(kind)) return false;
  for (int k : profile.claim_answers()) {
    if (k == kind) return true;
  }
  return false;
}

absl::StatusOr<ClaimAnswerResult> ApplyClaimAnswers(storage::Store* store, std::string_view plan_id,
                                                    hub::v1::FileKind kind, std::string_view bytes,
                                                    std::string_view report_id,
                                                    storage::WriteBatch& batch) {
  absl::StatusOr<std::vector<ClaimAnswer>> answers;
  switch (kind) {
    case hub::v1::FILE_KIND_X12_999:
      answers = adapters::Read999(bytes);
      break;
    case hub::v1::FILE_KIND_X12_277CA:
      answers = adapters::Read277CA(bytes);
      break;
    case hub::v1::FILE_KIND_X12_835:
      answers = adapters::Read835(bytes);
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat(hub::v1::FileKind_Name(kind), " is not a plan's answer to an 837P"));
  }
  ClaimAnswerResult result;
  if (!answers.ok()) {
    result.rejection_code = adapters::FileErrorCode(answers.status());
    if (result.rejection_code.empty()) return answers.status();
    result.rejection_reason = std::string(answers.status().message());
    return result;
  }
  result.rows_read = static_cast<int64_t>(answers->size());
  const storage::ClaimStore claims(store);
  DecisionChanges changes;
  if (kind == hub::v1::FILE_KIND_X12_999) {
    RETURN_IF_ERROR(Apply999(store, claims, batch, plan_id, report_id, *answers, changes, result));
  } else {
    // Group by claim, in the order each claim first appears.
    std::vector<std::string> order;
    absl::flat_hash_map<std::string, std::vector<const ClaimAnswer*>> by_claim;
    for (const ClaimAnswer& a : *answers) {
      auto [it, added] = by_claim.try_emplace(a.claim_id);
      if (added) order.push_back(a.claim_id);
      it->second.push_back(&a);
    }
    for (const std::string& claim_id : order) {
      RETURN_IF_ERROR(
          ApplyClaim(claims, batch, plan_id, kind, report_id, by_claim[claim_id], changes, result));
    }
  }
  RETURN_IF_ERROR(UpdateTally(claims, batch, plan_id, changes));
  // Errors in file order, as the report lists them.
  std::stable_sort(
      result.errors.begin(), result.errors.end(),
      [](const RowError& a, const RowError& b) { return a.row_number() < b.row_number(); });
  return result;
}

}  // namespace hub
