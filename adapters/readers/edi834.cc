#include "adapters/readers/edi834.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "adapters/readers/text_util.h"
#include "base/civil_date.h"
#include "base/status_macros.h"

namespace hub::adapters {
namespace {

using internal::IsValidUtf8;
using internal::TrimSpaces;

// Segments allowed in the transaction set header (before the first INS).
bool IsHeaderSegment(std::string_view id) {
  return id == "BGN" || id == "REF" || id == "DTP" || id == "QTY" || id == "N1" || id == "N2" ||
         id == "N3" || id == "N4" || id == "PER" || id == "ACT";
}

// `d8` if it is a real day written CCYYMMDD, else nullopt.
std::optional<std::string> ValidD8(std::string_view d8) {
  if (!CivilDate::Parse(d8, DateFormat::kCompact).ok()) return std::nullopt;
  return std::string(d8);
}

std::string Str(std::string_view s) { return std::string(TrimSpaces(s)); }

}  // namespace

// Turns the segments of each transaction set into MemberLoops.
class Edi834Reader::Interpreter : public X12Handler {
 public:
  Interpreter(Edi834Options options, MemberLoopSink* sink)
      : options_(std::move(options)), sink_(sink) {}

  absl::Status OnTransactionSetStart(const X12TransactionSet& set) override {
    header_ = MemberLoop();
    header_.transaction_set_control_number = set.control_number;
    in_header_ = true;
    loop_open_ = false;
    return absl::OkStatus();
  }

  absl::Status OnSegment(const X12Segment& s) override {
    const std::string_view id = s.id();
    if (id == "INS") {
      RETURN_IF_ERROR(CloseLoop());
      OpenLoop(s);
      in_header_ = false;
      return absl::OkStatus();
    }
    if (in_header_) {
      if (IsHeaderSegment(id)) return OnHeaderSegment(s);
      // A member segment before any INS: an orphan loop.
      in_header_ = false;
      OpenLoop(s);
      has_ins_ = false;
      AddError(s, "INS", kRowMissingSegment,
               absl::StrCat(Absl(id),
                            " appears before the member's INS segment; every member loop "
                            "must start with INS"));
      skipping_ = true;
      return absl::OkStatus();
    }
    if (!loop_open_ || skipping_) return absl::OkStatus();
    if (++loop_segments_ > options_.max_segments_per_loop) {
      AddError(s, "", kRowLoopTooLong,
               absl::StrCat("the member loop has more than ", options_.max_segments_per_loop,
                            " segments; check for a missing INS segment"));
      skipping_ = true;
      return absl::OkStatus();
    }
    for (size_t i = 1; i <= s.size(); ++i) {
      if (!IsValidUtf8(s.element(i))) {
        AddError(s, absl::StrCat(Absl(id), i < 10 ? "0" : "", i), kRowInvalidUtf8,
                 "the element is not valid UTF-8; send the file in UTF-8 (or ASCII)");
        return absl::OkStatus();
      }
    }
    OnLoopSegment(s);
    return absl::OkStatus();
  }

  absl::Status OnTransactionSetEnd(const X12TransactionSet& set) override {
    RETURN_IF_ERROR(CloseLoop());
    in_header_ = false;
    return absl::OkStatus();
  }

  const ReaderStats& stats() const { return stats_; }
  ReaderStats& mutable_stats() { return stats_; }

 private:
  enum class Context {
    kMember,            // 2000 after INS
    kMemberName,        // 2100A NM1*IL
    kMailing,           // 2100C NM1*31
    kOther,             // other 2100/2200 loops, 2320 COB, 2700 reporting
    kCoverage,          // 2300 HD
    kCoverageProvider,  // 2310 LX / NM1*P3
  };

  absl::Status OnHeaderSegment(const X12Segment& s) {
    for (size_t i = 1; i <= s.size(); ++i) {
      if (!IsValidUtf8(s.element(i))) {
        return FileError(
            kFileX12BadHeader,
            absl::StrCat("the transaction set header segment ", Absl(s.id()), " at position ",
                         s.position(), " is not valid UTF-8; send the file in UTF-8 (or ASCII)"));
      }
    }
    const std::string_view id = s.id();
    if (id == "BGN") {
      header_.purpose_code = Str(s.element(1));
      header_.reference = Str(s.element(2));
      header_.action_code = Str(s.element(8));
      if (!s.element(3).empty()) {
        std::optional<std::string> date = ValidD8(s.element(3));
        if (!date.has_value()) {
          return FileError(kFileX12BadHeader,
                           absl::StrCat("BGN03 at position ", s.position(),
                                        " is not a CCYYMMDD date; fix the file's BGN segment"));
        }
        header_.file_date = *date;
      }
    } else if (id == "N1") {
      if (s.element(1) == "P5") {
        header_.sponsor_name = Str(s.element(2));
        header_.sponsor_id = Str(s.element(4));
      } else if (s.element(1) == "IN") {
        header_.payer_name = Str(s.element(2));
        header_.payer_id = Str(s.element(4));
      }
    }
    return absl::OkStatus();
  }

  void OpenLoop(const X12Segment& s) {
    loop_ = header_;  // carries the transaction set header context
    loop_.loop_number = ++stats_.rows_read;
    loop_.line_number = s.line_number();
    loop_.segment_position = s.position();
    loop_open_ = true;
    has_ins_ = true;
    has_member_name_ = false;
    skipping_ = false;
    loop_segments_ = 1;
    context_ = Context::kMember;
    errors_.clear();
    if (s.id() == "INS") {
      loop_.subscriber_indicator = Str(s.element(1));
      loop_.relationship_code = Str(s.element(2));
      loop_.maintenance_type = Str(s.element(3));
      loop_.maintenance_reason = Str(s.element(4));
      loop_.benefit_status = Str(s.element(5));
      for (size_t i = 1; i <= 5; ++i) {
        if (!IsValidUtf8(s.element(i))) {
          AddError(s, absl::StrCat("INS0", i), kRowInvalidUtf8,
                   "the element is not valid UTF-8; send the file in UTF-8 (or ASCII)");
        }
      }
    }
  }

  void AddError(const X12Segment& s, std::string field, std::string_view code,
                std::string_view what) {
    RowError e;
    e.row_number = loop_.loop_number;
    e.line_number = s.line_number();
    e.segment_position = s.position();
    e.field = std::move(field);
    e.reason_code = std::string(code);
    e.message = absl::StrCat("member loop ", loop_.loop_number, " (transaction set ",
                             loop_.transaction_set_control_number, ", segment position ",
                             s.position(), ", line ", s.line_number(), "): ", Absl(what));
    errors_.push_back(std::move(e));
  }

  // Copies the D8 date of DTP `s` into `out`; a row error if it is not D8.
  void Date(const X12Segment& s, std::string* out) {
    std::optional<std::string> iso;
    if (s.element(2) == "D8") iso = ValidD8(s.element(3));
    if (!iso.has_value()) {
      AddError(s, absl::StrCat("DTP*", Absl(s.element(1))), kRowInvalidDate,
               "the date is not a real date in D8 (CCYYMMDD) format; correct DTP02/DTP03");
      return;
    }
    *out = std::move(*iso);
  }

  // One segment of an open member loop, by its id and the loop it is in.
  void OnLoopSegment(const X12Segment& s) {
    const std::string_view id = s.id();
    if (id == "NM1") return OnName(s);
    if (id == "HD") return OnHealthCoverage(s);
    if (id == "LX" && (context_ == Context::kCoverage || context_ == Context::kCoverageProvider)) {
      context_ = Context::kCoverageProvider;
      return;
    }
    if (id == "COB" || id == "LS" || id == "LX" || id == "DSB") {
      context_ = Context::kOther;
      return;
    }
    switch (context_) {
      case Context::kMember:
        return OnMemberSegment(s);
      case Context::kMemberName:
        return OnMemberNameSegment(s);
      case Context::kMailing:
        return OnMailingSegment(s);
      case Context::kCoverage:
        return OnCoverageSegment(s);
      case Context::kCoverageProvider:
      case Context::kOther:
        break;
    }
  }

  // NM1 opens a name loop: the coverage's provider (2310 NM1*P3), the member
  // name (2100A NM1*IL or *74, once per loop), the mailing address (2100C
  // NM1*31) or another loop whose segments are skipped.
  void OnName(const X12Segment& s) {
    const std::string_view who = s.element(1);
    const bool in_coverage =
        context_ == Context::kCoverage || context_ == Context::kCoverageProvider;
    if (in_coverage && who == "P3") {
      context_ = Context::kCoverageProvider;
      Edi834Coverage& c = loop_.coverages.back();
      if (c.provider_id.empty()) {
        c.provider_id_qualifier = Str(s.element(8));
        c.provider_id = Str(s.element(9));
      }
    } else if (!in_coverage && (who == "IL" || who == "74")) {
      OnMemberName(s);
    } else if (!in_coverage && who == "31") {
      context_ = Context::kMailing;
    } else {
      context_ = Context::kOther;
    }
  }

  // 2100A member name: IL insured or subscriber, 74 corrected insured.
  void OnMemberName(const X12Segment& s) {
    if (has_member_name_) {
      AddError(s, absl::StrCat("NM1*", Absl(s.element(1))), kRowInvalidValue,
               "the member loop has a second member name (NM1*IL or NM1*74); each member "
               "needs its own INS");
      return;
    }
    has_member_name_ = true;
    context_ = Context::kMemberName;
    loop_.last_name = Str(s.element(3));
    loop_.first_name = Str(s.element(4));
    loop_.middle_name = Str(s.element(5));
    loop_.name_prefix = Str(s.element(6));
    loop_.name_suffix = Str(s.element(7));
    loop_.id_qualifier = Str(s.element(8));
    loop_.member_id = Str(s.element(9));
  }

  // 2300 HD opens one health coverage.
  void OnHealthCoverage(const X12Segment& s) {
    context_ = Context::kCoverage;
    Edi834Coverage& c = loop_.coverages.emplace_back();
    c.maintenance_type = Str(s.element(1));
    c.insurance_line = Str(s.element(3));
    c.plan_coverage_description = Str(s.element(4));
    c.coverage_level = Str(s.element(5));
  }

  // 2000 after INS: the member's REF ids and DTP dates.
  void OnMemberSegment(const X12Segment& s) {
    const std::string_view id = s.id();
    const std::string_view q = s.element(1);
    if (id == "REF") {
      if (q == "0F") {
        loop_.subscriber_id = Str(s.element(2));
      } else if (q == "1L") {
        loop_.group_policy_number = Str(s.element(2));
      } else {
        loop_.refs.emplace_back(Str(q), Str(s.element(2)));
      }
    } else if (id == "DTP") {
      if (q == "303") Date(s, &loop_.maintenance_effective_date);
      if (q == "356") Date(s, &loop_.eligibility_begin_date);
      if (q == "357") Date(s, &loop_.eligibility_end_date);
    }
  }

  // 2100A after NM1*IL: contacts (PER), residence (N3/N4), demographics
  // (DMG) and languages (LUI).
  void OnMemberNameSegment(const X12Segment& s) {
    const std::string_view id = s.id();
    if (id == "PER") {
      OnContacts(s);
    } else if (id == "N3") {
      loop_.address_line1 = Str(s.element(1));
      loop_.address_line2 = Str(s.element(2));
    } else if (id == "N4") {
      loop_.city = Str(s.element(1));
      loop_.state = Str(s.element(2));
      loop_.zip = Str(s.element(3));
      if (s.element(5) == "CY") loop_.county_code = Str(s.element(6));
    } else if (id == "DMG") {
      OnDemographics(s);
    } else if (id == "LUI") {
      Edi834Language& l = loop_.languages.emplace_back();
      l.qualifier = Str(s.element(1));
      l.code = Str(s.element(2));
      l.description = Str(s.element(3));
      l.use = Str(s.element(4));
    }
  }

  // PER: the first email and the first phone of any kind.
  void OnContacts(const X12Segment& s) {
    for (size_t i = 3; i + 1 <= s.size(); i += 2) {
      const std::string_view q = s.element(i);
      if (q == "EM") {
        if (loop_.email.empty()) loop_.email = Str(s.element(i + 1));
      } else if (q == "TE" || q == "HP" || q == "WP" || q == "CP" || q == "AP") {
        if (loop_.phone.empty()) loop_.phone = Str(s.element(i + 1));
      }
    }
  }

  // DMG: the birth date (a row error if it is not a real D8 date) and gender.
  void OnDemographics(const X12Segment& s) {
    if (!s.element(2).empty()) {
      std::optional<std::string> iso;
      if (s.element(1) == "D8") iso = ValidD8(s.element(2));
      if (!iso.has_value()) {
        AddError(s, "DMG02", kRowInvalidDate,
                 "the birth date is not a real date in D8 (CCYYMMDD) format; correct "
                 "DMG01/DMG02");
      } else {
        loop_.birth_date = std::move(*iso);
      }
    }
    loop_.gender = Str(s.element(3));
  }

  // 2100C after NM1*31: the mailing address.
  void OnMailingSegment(const X12Segment& s) {
    const std::string_view id = s.id();
    if (id == "N3") {
      loop_.mailing_address_line1 = Str(s.element(1));
      loop_.mailing_address_line2 = Str(s.element(2));
    } else if (id == "N4") {
      loop_.mailing_city = Str(s.element(1));
      loop_.mailing_state = Str(s.element(2));
      loop_.mailing_zip = Str(s.element(3));
    }
  }

  // 2300 after HD: the coverage's dates and REF ids.
  void OnCoverageSegment(const X12Segment& s) {
    const std::string_view id = s.id();
    Edi834Coverage& c = loop_.coverages.back();
    if (id == "DTP") {
      const std::string_view q = s.element(1);
      if (q == "348") Date(s, &c.begin_date);
      if (q == "349") Date(s, &c.end_date);
      if (q == "303") Date(s, &c.maintenance_effective_date);
    } else if (id == "REF") {
      c.refs.emplace_back(Str(s.element(1)), Str(s.element(2)));
    }
  }

  absl::Status CloseLoop() {
    if (!loop_open_) return absl::OkStatus();
    loop_open_ = false;
    if (has_ins_ && !skipping_) {
      if (!has_member_name_) {
        AddLoopError("NM1*IL", kRowMissingSegment,
                     "the member loop has no member name loop (NM1*IL, or NM1*74 for a "
                     "corrected name)");
      }
      if (loop_.subscriber_id.empty()) {
        AddLoopError("REF*0F", kRowMissingSegment,
                     "the member loop has no REF*0F (subscriber identifier)");
      }
      if (loop_.subscriber_indicator != "Y" && loop_.subscriber_indicator != "N") {
        AddLoopError("INS01", kRowInvalidValue, "INS01 must be Y (subscriber) or N (dependent)");
      }
      if (loop_.maintenance_type.empty()) {
        AddLoopError("INS03", kRowMissingValue, "INS03 (maintenance type code) is empty");
      }
    }
    if (!errors_.empty()) {
      ++stats_.rows_rejected;
      for (const RowError& e : errors_) {
        RETURN_IF_ERROR(has_ins_ ? sink_->OnRejectedLoop(loop_, e) : sink_->OnRowError(e));
      }
      errors_.clear();
      return absl::OkStatus();
    }
    return sink_->OnMemberLoop(loop_);
  }

  // An error about the loop as a whole, located at its INS.
  void AddLoopError(std::string field, std::string_view code, std::string_view what) {
    RowError e;
    e.row_number = loop_.loop_number;
    e.line_number = loop_.line_number;
    e.segment_position = loop_.segment_position;
    e.field = std::move(field);
    e.reason_code = std::string(code);
    e.message =
        absl::StrCat("member loop ", loop_.loop_number, " (transaction set ",
                     loop_.transaction_set_control_number, ", INS at segment position ",
                     loop_.segment_position, ", line ", loop_.line_number, "): ", Absl(what));
    errors_.push_back(std::move(e));
  }

  const Edi834Options options_;
  MemberLoopSink* const sink_;
  ReaderStats stats_;
  MemberLoop header_;  // header context of the current transaction set
  MemberLoop loop_;    // the loop being read
  bool in_header_ = false;
  bool loop_open_ = false;
  bool has_ins_ = false;
  bool has_member_name_ = false;
  bool skipping_ = false;
  size_t loop_segments_ = 0;
  Context context_ = Context::kMember;
  std::vector<RowError> errors_;
};

Edi834Reader::Edi834Reader(Edi834Options options, MemberLoopSink* sink)
    : interpreter_(std::make_unique<Interpreter>(options, sink)),
      x12_(options.x12, interpreter_.get()) {}

Edi834Reader::~Edi834Reader() = default;

absl::Status Edi834Reader::Feed(std::string_view chunk) {
  interpreter_->mutable_stats().bytes += static_cast<int64_t>(chunk.size());
  return x12_.Feed(chunk);
}

absl::Status Edi834Reader::Finish() { return x12_.Finish(); }

const ReaderStats& Edi834Reader::stats() const { return interpreter_->stats(); }

}  // namespace hub::adapters
