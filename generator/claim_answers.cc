#include "generator/claim_answers.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "adapters/readers/x12_reader.h"
#include "adapters/writers/x12_837p_writer.h"
#include "base/status_macros.h"
#include "base/string_view.h"
#include "generator/rng.h"

namespace hub::generator {
namespace {

using adapters::X12Amount;

struct Line {
  std::string id;         // REF*6R
  std::string procedure;  // SV101, components joined by ':'
  std::string units;      // SV104
  std::string date;       // DTP*472, CCYYMMDD
  int64_t charge_cents = 0;
};

struct Claim {
  std::string id;         // CLM01
  std::string member_id;  // the subscriber's NM109
  int64_t total_cents = 0;
  std::vector<Line> lines;
};

struct BillingProvider {
  std::string name;
  std::string npi;
  std::string tin;
  std::vector<Claim> claims;
};

struct ClaimFile {
  std::string sender;    // ISA06: the hub
  std::string receiver;  // ISA08: the plan
  std::string group;     // GS06
  std::string payer_name;
  std::vector<std::string> sets;  // ST02 of each transaction set
  std::vector<BillingProvider> providers;
};

// A charge of the hub's 837P: an X12 amount, never negative.
bool ParseCents(std::string_view text, int64_t* cents) {
  const std::optional<int64_t> parsed = adapters::X12Cents(text);
  if (!parsed.has_value() || *parsed < 0 || text.empty()) return false;
  *cents = *parsed;
  return true;
}

absl::Status Bad(const adapters::X12Segment& s, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("837P segment ", s.ordinal(), " (", Absl(s.id()), "): ", Absl(what)));
}

// Collects the claims of an 837P (the hub's own layout, x12_837p_writer.h).
class ClaimCollector : public adapters::X12Handler {
 public:
  explicit ClaimCollector(ClaimFile* file) : file_(file) {}

  absl::Status OnTransactionSetStart(const adapters::X12TransactionSet& set) override {
    file_->sender = set.sender_id;
    file_->receiver = set.receiver_id;
    file_->group = set.group_control_number;
    file_->sets.push_back(set.control_number);
    return absl::OkStatus();
  }

  absl::Status OnSegment(const adapters::X12Segment& s) override {
    const std::string_view id = s.id();
    if (id == "NM1") return Name(s);
    if (id == "REF" && s.element(1) == "EI" && !file_->providers.empty()) {
      file_->providers.back().tin = std::string(s.element(2));
    } else if (id == "CLM") {
      if (file_->providers.empty()) return Bad(s, "a claim before its billing provider");
      Claim claim;
      claim.id = std::string(s.element(1));
      claim.member_id = member_id_;
      if (claim.id.empty() || !ParseCents(s.element(2), &claim.total_cents)) {
        return Bad(s, "CLM01/CLM02 unreadable");
      }
      file_->providers.back().claims.push_back(std::move(claim));
    } else if (id == "SV1") {
      Claim* claim = CurrentClaim();
      if (claim == nullptr) return Bad(s, "a service line outside a claim");
      Line line;
      std::vector<absl::string_view> parts;
      for (size_t j = 1; !s.component(1, j).empty(); ++j) parts.push_back(Absl(s.component(1, j)));
      line.procedure = absl::StrJoin(parts, ":");
      line.units = std::string(s.element(4));
      if (!ParseCents(s.element(2), &line.charge_cents)) return Bad(s, "SV102 unreadable");
      claim->lines.push_back(std::move(line));
    } else if (id == "DTP" && s.element(1) == "472") {
      if (Line* line = CurrentLine()) line->date = std::string(s.element(3));
    } else if (id == "REF" && s.element(1) == "6R") {
      if (Line* line = CurrentLine()) line->id = std::string(s.element(2));
    }
    return absl::OkStatus();
  }

  absl::Status OnTransactionSetEnd(const adapters::X12TransactionSet&) override {
    return absl::OkStatus();
  }

 private:
  absl::Status Name(const adapters::X12Segment& s) {
    const std::string_view entity = s.element(1);
    if (entity == "40") {
      file_->payer_name = std::string(s.element(3));
    } else if (entity == "85") {
      BillingProvider provider;
      provider.name = std::string(s.element(3));
      provider.npi = std::string(s.element(9));
      file_->providers.push_back(std::move(provider));
    } else if (entity == "IL") {
      member_id_ = std::string(s.element(9));
    }
    return absl::OkStatus();
  }
  Claim* CurrentClaim() {
    if (file_->providers.empty() || file_->providers.back().claims.empty()) return nullptr;
    return &file_->providers.back().claims.back();
  }
  Line* CurrentLine() {
    Claim* claim = CurrentClaim();
    return claim == nullptr || claim->lines.empty() ? nullptr : &claim->lines.back();
  }

  ClaimFile* file_;
  std::string member_id_;
};

// One answer file: ISA/GS around transaction sets the caller adds.
class AnswerFile {
 public:
  AnswerFile(const ClaimFile& claims, const std::string& functional_group, const std::string& guide,
             int64_t control, const absl::CivilDay& day)
      : guide_(guide), control_(control) {
    const std::string date = absl::FormatCivilTime(day);  // YYYY-MM-DD
    const std::string ccyymmdd = absl::StrCat(date.substr(0, 4), date.substr(5, 2), date.substr(8));
    out_ = absl::StrFormat(
        "ISA*00*          *00*          *ZZ*%-15s*ZZ*%-15s*%s*1200*^*00501*%09d*0*P*:~",
        claims.receiver, claims.sender, ccyymmdd.substr(2), control);
    Add({"GS", functional_group, claims.receiver, claims.sender, ccyymmdd, "1200",
         absl::StrCat(control), "X", guide});
    ccyymmdd_ = ccyymmdd;
  }

  void StartSet(const std::string& transaction_set) {
    ++sets_;
    set_segments_ = 0;
    Add({"ST", transaction_set, absl::StrFormat("%04d", sets_), guide_});
  }
  void EndSet() { Add({"SE", absl::StrCat(set_segments_ + 1), absl::StrFormat("%04d", sets_)}); }
  void Add(std::initializer_list<absl::string_view> elements) {
    absl::StrAppend(&out_, absl::StrJoin(elements, "*"), "~");
    ++set_segments_;
  }
  std::string Finish() {
    Add({"GE", absl::StrCat(sets_), absl::StrCat(control_)});
    Add({"IEA", "1", absl::StrFormat("%09d", control_)});
    return std::move(out_);
  }
  const std::string& date() const { return ccyymmdd_; }

 private:
  std::string guide_;
  int64_t control_;
  std::string out_;
  std::string ccyymmdd_;
  int sets_ = 0;
  int set_segments_ = 0;
};

std::string Ccyymmdd(const absl::CivilDay& day) {
  return absl::StrFormat("%04d%02d%02d", day.year(), day.month(), day.day());
}

// The plan's decisions, a pure function of (seed, claim, line).
struct Decisions {
  const ClaimAnswerOptions& options;
  bool Rejected(const Claim& claim) const {
    Rng rng = Rng::For(options.seed, HashString(claim.id), 277);
    return static_cast<double>(rng.Below(1000000)) < options.rejected_claims * 1e6;
  }
  // 0: paid; 1: denied CO-197; 2: denied CO-16.
  int LineOutcome(const Line& line) const {
    Rng rng = Rng::For(options.seed, HashString(line.id), 835);
    if (static_cast<double>(rng.Below(1000000)) >= options.denied_lines * 1e6) return 0;
    return 1 + static_cast<int>(rng.Below(2));
  }
  int64_t Paid(const Line& line) const {
    return static_cast<int64_t>(static_cast<double>(line.charge_cents) * options.paid_share);
  }
};

std::string Write999(const ClaimFile& claims, const ClaimAnswerOptions& options,
                     const absl::CivilDay& day) {
  AnswerFile file(claims, "FA", "005010X231A1", options.control_number, day);
  file.StartSet("999");
  file.Add({"AK1", "HC", claims.group, "005010X222A1"});
  for (const std::string& set : claims.sets) {
    file.Add({"AK2", "837", set, "005010X222A1"});
    file.Add({"IK5", "A"});
  }
  const std::string n = absl::StrCat(claims.sets.size());
  file.Add({"AK9", "A", n, n, n});
  file.EndSet();
  return file.Finish();
}

std::string Write277CA(const ClaimFile& claims, const ClaimAnswerOptions& options,
                       const absl::CivilDay& day, const Decisions& decide, PlanAnswers& counts) {
  AnswerFile file(claims, "HN", "005010X214", options.control_number + 1, day);
  const std::string& date = file.date();
  file.StartSet("277");
  file.Add({"BHT", "0085", "08", absl::StrCat("277CA-", claims.group), date, "1200", "TH"});
  int hl = 0;
  file.Add({"HL", absl::StrCat(++hl), "", "20", "1"});
  file.Add({"NM1", "PR", "2", claims.payer_name, "", "", "", "", "PI", claims.receiver});
  file.Add({"TRN", "1", absl::StrCat("B", claims.group)});
  file.Add({"DTP", "050", "D8", date});
  file.Add({"DTP", "009", "D8", date});
  const int receiver_hl = ++hl;
  file.Add({"HL", absl::StrCat(receiver_hl), "1", "21", "1"});
  file.Add({"NM1", "41", "2", "COUNTY HUB", "", "", "", "", "46", claims.sender});
  file.Add({"TRN", "2", claims.group});
  int64_t total = 0;
  for (const BillingProvider& p : claims.providers) {
    for (const Claim& c : p.claims) total += c.total_cents;
  }
  file.Add({"STC", "A1:19:PR", date, "WQ", X12Amount(total)});
  for (const BillingProvider& p : claims.providers) {
    const int provider_hl = ++hl;
    file.Add({"HL", absl::StrCat(provider_hl), absl::StrCat(receiver_hl), "19", "1"});
    file.Add({"NM1", "85", "2", p.name, "", "", "", "", "XX", p.npi});
    for (const Claim& c : p.claims) {
      const bool rejected = decide.Rejected(c);
      ++counts.claims;
      counts.lines += static_cast<int64_t>(c.lines.size());
      if (rejected) {
        ++counts.claims_rejected;
        counts.lines_rejected += static_cast<int64_t>(c.lines.size());
      }
      file.Add({"HL", absl::StrCat(++hl), absl::StrCat(provider_hl), "PT"});
      file.Add({"NM1", "QC", "1", "MEMBER", "", "", "", "", "MI", c.member_id});
      file.Add({"TRN", "2", c.id});
      file.Add({"STC", rejected ? "A7:21:85" : "A1:20:PR", date, rejected ? "U" : "WQ",
                X12Amount(c.total_cents)});
      if (!c.lines.empty() && !c.lines.front().date.empty()) {
        file.Add({"DTP", "472", "D8", c.lines.front().date});
      }
    }
  }
  file.EndSet();
  return file.Finish();
}

std::string Write835(const ClaimFile& claims, const ClaimAnswerOptions& options,
                     const absl::CivilDay& day, const Decisions& decide, PlanAnswers& counts) {
  const absl::CivilDay paid_day = day + options.payment_delay_days;
  AnswerFile file(claims, "HP", "005010X221A1", options.control_number + 2, day);
  int payee = 0;
  for (const BillingProvider& p : claims.providers) {
    std::vector<const Claim*> accepted;
    int64_t paid_total = 0;
    for (const Claim& c : p.claims) {
      if (decide.Rejected(c)) continue;
      accepted.push_back(&c);
      for (const Line& l : c.lines) paid_total += decide.LineOutcome(l) == 0 ? decide.Paid(l) : 0;
    }
    if (accepted.empty()) continue;
    ++payee;
    file.StartSet("835");
    file.Add({"BPR", paid_total > 0 ? "I" : "H", X12Amount(paid_total), "C", "ACH", "CCP", "01",
              "999999999", "DA", "123456", "1999999999", "", "01", "999999999", "DA", "654321",
              Ccyymmdd(paid_day)});
    file.Add({"TRN", "1", absl::StrCat("EFT", claims.group, "-", payee), "1999999999"});
    file.Add({"DTM", "405", Ccyymmdd(paid_day)});
    file.Add({"N1", "PR", claims.payer_name});
    file.Add({"N1", "PE", p.name, "XX", p.npi});
    file.Add({"LX", "1"});
    for (const Claim* c : accepted) {
      int64_t claim_paid = 0;
      int denied = 0;
      for (const Line& l : c->lines) {
        if (decide.LineOutcome(l) == 0) {
          claim_paid += decide.Paid(l);
        } else {
          ++denied;
        }
      }
      const bool all_denied = denied == static_cast<int>(c->lines.size());
      file.Add({"CLP", c->id, all_denied ? "4" : "1", X12Amount(c->total_cents),
                X12Amount(claim_paid), "", "MC", absl::StrCat("P", c->id), "12"});
      file.Add({"NM1", "QC", "1", "MEMBER", "", "", "", "", "MI", c->member_id});
      for (const Line& l : c->lines) {
        const int outcome = decide.LineOutcome(l);
        const int64_t paid = outcome == 0 ? decide.Paid(l) : 0;
        file.Add({"SVC", l.procedure, X12Amount(l.charge_cents), X12Amount(paid), "", l.units});
        if (!l.date.empty()) file.Add({"DTM", "472", l.date});
        if (outcome == 0) {
          if (l.charge_cents > paid)
            file.Add({"CAS", "CO", "45", X12Amount(l.charge_cents - paid)});
          ++counts.lines_paid;
          counts.paid_cents += paid;
        } else {
          file.Add({"CAS", "CO", outcome == 1 ? "197" : "16", X12Amount(l.charge_cents)});
          ++counts.lines_denied;
        }
        file.Add({"REF", "6R", l.id});
        if (outcome != 0) file.Add({"LQ", "HE", outcome == 1 ? "N54" : "M51"});
      }
    }
    file.EndSet();
  }
  return file.Finish();
}

}  // namespace

absl::StatusOr<PlanAnswers> AnswerClaimFile(std::string_view claims_837p,
                                            const ClaimAnswerOptions& options) {
  absl::CivilDay day;
  if (options.answer_date.size() != 10 || !absl::ParseCivilTime(options.answer_date, &day)) {
    return absl::InvalidArgumentError("the answer date must be YYYY-MM-DD");
  }
  ClaimFile claims;
  ClaimCollector collector(&claims);
  adapters::X12ReaderOptions reader_options;
  reader_options.transaction_set = "837";
  reader_options.functional_group = "HC";
  reader_options.implementation_guide = "005010X222A1";
  adapters::X12Reader reader(reader_options, &collector);
  RETURN_IF_ERROR(reader.Feed(claims_837p));
  RETURN_IF_ERROR(reader.Finish());
  int64_t claim_count = 0;
  for (const BillingProvider& p : claims.providers) {
    for (const Claim& c : p.claims) {
      ++claim_count;
      for (const Line& l : c.lines) {
        if (l.id.empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat("claim ", c.id, " has a line without its REF*6R line id"));
        }
      }
    }
  }
  if (claim_count == 0) return absl::InvalidArgumentError("the 837P carries no claim");

  PlanAnswers answers;
  answers.transaction_sets = static_cast<int64_t>(claims.sets.size());
  const Decisions decide{options};
  answers.file_999 = Write999(claims, options, day);
  answers.file_277ca = Write277CA(claims, options, day, decide, answers);
  answers.file_835 = Write835(claims, options, day, decide, answers);
  return answers;
}

}  // namespace hub::generator
