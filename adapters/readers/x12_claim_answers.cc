#include "adapters/readers/x12_claim_answers.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/readers/record.h"
#include "adapters/readers/x12_reader.h"
#include "base/string_view.h"

namespace hub::adapters {
namespace {

constexpr std::string_view kFileX12AnswerMalformed = "FILE_X12_ANSWER_MALFORMED";

absl::Status Malformed(const X12Segment& segment, std::string_view what) {
  return FileError(kFileX12AnswerMalformed,
                   absl::StrCat(Absl(kFileX12AnswerMalformed), ": segment ", segment.ordinal(),
                                " (", Absl(segment.id()), "): ", Absl(what),
                                "; the file was not applied: ask the plan for a corrected file"));
}

// "CCYYMMDD" -> "CCYY-MM-DD"; "" for anything else.
std::string IsoDate(std::string_view d8) {
  if (d8.size() != 8) return "";
  for (char c : d8) {
    if (c < '0' || c > '9') return "";
  }
  return absl::StrCat(Absl(d8.substr(0, 4)), "-", Absl(d8.substr(4, 2)), "-",
                      Absl(d8.substr(6, 2)));
}

// Runs `handler` over `bytes` with the reader checking the envelope.
absl::Status Read(std::string_view bytes, X12ReaderOptions options, X12Handler& handler) {
  X12Reader reader(std::move(options), &handler);
  absl::Status s = reader.Feed(bytes);
  if (s.ok()) s = reader.Finish();
  // The reason code leads the message, so a person (and the upload's
  // report) sees it without reading the status payload.
  const std::string code = FileErrorCode(s);
  if (code.empty()) return s;
  return FileError(
      code,
      absl::StrCat(code, ": ", Absl(std::string_view(s.message().data(), s.message().size()))));
}

class Handler999 : public X12Handler {
 public:
  absl::Status OnTransactionSetStart(const X12TransactionSet&) override { return absl::OkStatus(); }
  absl::Status OnTransactionSetEnd(const X12TransactionSet&) override { return absl::OkStatus(); }
  absl::Status OnSegment(const X12Segment& s) override {
    const std::string_view id = s.id();
    if (id == "AK1") {
      group_ = std::string(s.element(2));
      if (group_.empty()) return Malformed(s, "AK1 names no group control number");
    } else if (id == "AK2") {
      open_ = ClaimAnswer();
      errors_.clear();
      open_->group_control_number = group_;
      open_->transaction_control_number = std::string(s.element(2));
      open_->segment = s.ordinal();
    } else if (id == "IK3" || id == "IK4") {
      // The segment (IK3: id, position, loop, error code) or element (IK4:
      // position, reference number, error code) the plan found in error.
      if (!open_.has_value()) return Malformed(s, "an error (IK3/IK4) without its AK2");
      const bool segment = id == "IK3";
      std::string reason = absl::StrCat("999 ", Absl(id));
      for (size_t i : segment ? std::vector<size_t>{1, 2, 4} : std::vector<size_t>{1, 2, 3}) {
        absl::StrAppend(&reason, " ", s.element(i).empty() ? "-" : Absl(s.element(i)));
      }
      errors_.push_back(std::move(reason));
    } else if (id == "IK5") {
      if (!open_.has_value()) return Malformed(s, "IK5 without its AK2");
      const std::string_view code = s.element(1);
      open_->kind =
          code == "A" || code == "E" ? AnswerKind::kFileAccepted : AnswerKind::kFileRejected;
      std::string reason = absl::StrCat("999 IK5 ", Absl(code));
      for (size_t i = 2; i <= s.size(); ++i) {
        if (!s.element(i).empty()) absl::StrAppend(&reason, " ", Absl(s.element(i)));
      }
      open_->reasons.push_back(std::move(reason));
      for (std::string& error : errors_) open_->reasons.push_back(std::move(error));
      errors_.clear();
      answers.push_back(*std::move(open_));
      open_.reset();
      ++sets_;
    } else if (id == "AK9") {
      if (group_.empty()) return Malformed(s, "AK9 without its AK1");
      if (sets_ == 0) {  // The group's verdict alone.
        ClaimAnswer a;
        a.group_control_number = group_;
        a.segment = s.ordinal();
        const std::string_view code = s.element(1);
        a.kind = code == "A" || code == "E" ? AnswerKind::kFileAccepted : AnswerKind::kFileRejected;
        std::string reason = absl::StrCat("999 AK9 ", Absl(code));
        for (size_t i = 5; i <= s.size() && i <= 9; ++i) {
          if (!s.element(i).empty()) absl::StrAppend(&reason, " ", Absl(s.element(i)));
        }
        a.reasons.push_back(std::move(reason));
        answers.push_back(std::move(a));
      }
      sets_ = 0;
    }
    return absl::OkStatus();
  }

  std::vector<ClaimAnswer> answers;

 private:
  std::string group_;
  std::optional<ClaimAnswer> open_;
  std::vector<std::string> errors_;  // IK3/IK4 of the open set
  int sets_ = 0;
};

bool AcceptedCategory(std::string_view category) {
  return category == "A0" || category == "A1" || category == "A2" || category == "A5";
}

class Handler277CA : public X12Handler {
 public:
  absl::Status OnTransactionSetStart(const X12TransactionSet&) override { return absl::OkStatus(); }
  absl::Status OnTransactionSetEnd(const X12TransactionSet&) override {
    FlushLine();
    claim_id_.clear();
    return absl::OkStatus();
  }
  absl::Status OnSegment(const X12Segment& s) override {
    const std::string_view id = s.id();
    if (id == "HL") {
      FlushLine();
      claim_id_.clear();
      patient_ = s.element(3) == "PT";  // Claims sit under the patient level.
    } else if (id == "TRN" && s.element(1) == "2" && patient_) {
      FlushLine();
      claim_id_ = std::string(s.element(2));
      if (claim_id_.empty()) return Malformed(s, "TRN*2 names no claim id");
    } else if (id == "SVC") {
      FlushLine();
      if (claim_id_.empty()) return Malformed(s, "a service line (SVC) outside a claim");
      line_ = ClaimAnswer();
      line_->claim_id = claim_id_;
      line_->segment = s.ordinal();
      std::optional<int64_t> charge = X12Cents(s.element(2));
      if (!charge) return Malformed(s, "SVC02 is not an amount");
      line_->charge_cents = *charge;
    } else if (id == "STC") {
      if (claim_id_.empty()) return absl::OkStatus();  // Status of a provider or the file.
      const std::string_view category = s.component(1, 1);
      if (category.empty()) return Malformed(s, "STC01 has no status category");
      ClaimAnswer* a = line_.has_value() ? &*line_ : nullptr;
      ClaimAnswer claim;
      if (a == nullptr) {
        claim.claim_id = claim_id_;
        claim.segment = s.ordinal();
        a = &claim;
      }
      if (a->reasons.empty()) {
        a->kind =
            AcceptedCategory(category) ? AnswerKind::kClaimAccepted : AnswerKind::kClaimRejected;
        a->date = IsoDate(s.element(2));
      }
      a->reasons.push_back(absl::StrCat("277CA ", Absl(s.element(1))));
      if (!line_.has_value()) answers.push_back(std::move(claim));
    } else if (id == "REF" && s.element(1) == "FJ" && line_.has_value()) {
      line_->line_id = std::string(s.element(2));
    }
    return absl::OkStatus();
  }

  std::vector<ClaimAnswer> answers;

 private:
  void FlushLine() {
    if (line_.has_value() && !line_->reasons.empty()) answers.push_back(*std::move(line_));
    line_.reset();
  }
  std::string claim_id_;
  bool patient_ = false;
  std::optional<ClaimAnswer> line_;
};

class Handler835 : public X12Handler {
 public:
  absl::Status OnTransactionSetStart(const X12TransactionSet&) override {
    date_.clear();
    return absl::OkStatus();
  }
  absl::Status OnTransactionSetEnd(const X12TransactionSet&) override {
    FlushClaim();
    return absl::OkStatus();
  }
  absl::Status OnSegment(const X12Segment& s) override {
    const std::string_view id = s.id();
    if (id == "BPR") {
      date_ = IsoDate(s.element(16));
    } else if (id == "CLP") {
      FlushClaim();
      claim_ = ClaimAnswer();
      claim_->claim_id = std::string(s.element(1));
      if (claim_->claim_id.empty()) return Malformed(s, "CLP01 names no claim id");
      claim_->segment = s.ordinal();
      claim_->date = date_;
      std::optional<int64_t> charge = X12Cents(s.element(3));
      std::optional<int64_t> paid = X12Cents(s.element(4));
      if (!charge || !paid) return Malformed(s, "CLP03/CLP04 are not amounts");
      claim_->charge_cents = *charge;
      claim_->paid_cents = *paid;
      const std::string_view status = s.element(2);
      claim_->kind =
          status != "4" && status != "22" && *paid > 0 ? AnswerKind::kPaid : AnswerKind::kDenied;
      if (status == "4") claim_->reasons.push_back("CLP02 4 denied");
      if (status == "22") claim_->reasons.push_back("CLP02 22 reversal of a previous payment");
    } else if (id == "SVC") {
      if (!claim_.has_value()) return Malformed(s, "a service line (SVC) outside a claim (CLP)");
      FlushLine();
      line_ = ClaimAnswer();
      line_->claim_id = claim_->claim_id;
      line_->segment = s.ordinal();
      line_->date = date_;
      std::optional<int64_t> charge = X12Cents(s.element(2));
      std::optional<int64_t> paid = X12Cents(s.element(3));
      if (!charge || !paid) return Malformed(s, "SVC02/SVC03 are not amounts");
      line_->charge_cents = *charge;
      line_->paid_cents = *paid;
      line_->kind = *paid > 0 ? AnswerKind::kPaid : AnswerKind::kDenied;
    } else if (id == "CAS") {
      ClaimAnswer* a = line_.has_value() ? &*line_ : (claim_.has_value() ? &*claim_ : nullptr);
      if (a == nullptr) return Malformed(s, "an adjustment (CAS) outside a claim");
      for (size_t i = 2; i + 1 <= s.size() && i <= 17; i += 3) {
        if (s.element(i).empty()) continue;
        a->reasons.push_back(absl::StrCat("CARC ", Absl(s.element(1)), "-", Absl(s.element(i))));
      }
    } else if (id == "LQ" && s.element(1) == "HE" && line_.has_value()) {
      line_->reasons.push_back(absl::StrCat("RARC ", Absl(s.element(2))));
    } else if (id == "MOA" && claim_.has_value()) {
      for (size_t i = 3; i <= 7; ++i) {
        if (!s.element(i).empty()) {
          claim_->reasons.push_back(absl::StrCat("RARC ", Absl(s.element(i))));
        }
      }
    } else if (id == "REF" && s.element(1) == "6R" && line_.has_value()) {
      line_->line_id = std::string(s.element(2));
    }
    return absl::OkStatus();
  }

  std::vector<ClaimAnswer> answers;

 private:
  void FlushLine() {
    if (line_.has_value() && !line_->line_id.empty()) answers.push_back(*std::move(line_));
    line_.reset();
  }
  void FlushClaim() {
    FlushLine();
    if (claim_.has_value()) answers.push_back(*std::move(claim_));
    claim_.reset();
  }
  std::string date_;
  std::optional<ClaimAnswer> claim_;
  std::optional<ClaimAnswer> line_;
};

}  // namespace

absl::StatusOr<std::vector<ClaimAnswer>> Read999(std::string_view bytes) {
  Handler999 handler;
  absl::Status s = Read(bytes, {"999", "FA", "005010X231A1", 1 << 16}, handler);
  if (!s.ok()) return s;
  return std::move(handler.answers);
}

absl::StatusOr<std::vector<ClaimAnswer>> Read277CA(std::string_view bytes) {
  Handler277CA handler;
  absl::Status s = Read(bytes, {"277", "HN", "005010X214", 1 << 16}, handler);
  if (!s.ok()) return s;
  return std::move(handler.answers);
}

absl::StatusOr<std::vector<ClaimAnswer>> Read835(std::string_view bytes) {
  Handler835 handler;
  absl::Status s = Read(bytes, {"835", "HP", "005010X221A1", 1 << 16}, handler);
  if (!s.ok()) return s;
  return std::move(handler.answers);
}

}  // namespace hub::adapters
