#include "adapters/readers/x12_reader.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "adapters/readers/record.h"
#include "base/status_macros.h"
#include "base/string_view.h"

namespace hub::adapters {
namespace {

using internal::ParseCount;
using internal::TrimSpaces;

bool IsAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool IsLineSpace(char c) { return c == '\r' || c == '\n' || c == ' ' || c == '\t'; }

// Envelope error with the segment's place in the file.
absl::Status EnvelopeError(const X12Segment& s, std::string_view what) {
  return FileError(kFileX12Envelope,
                   absl::StrCat("X12 envelope error at segment ", s.ordinal(), " (", Absl(s.id()),
                                ", line ", s.line_number(), "): ", Absl(what)));
}

std::string Trimmed(std::string_view s) { return std::string(TrimSpaces(s)); }

// Checks a count element (IEA01, GE01, SE01) against what was seen.
absl::Status CheckCount(const X12Segment& s, std::string_view element, std::string_view what,
                        int64_t seen, std::string_view where) {
  std::optional<int64_t> count = ParseCount(s.element(1));
  if (!count.has_value()) {
    return EnvelopeError(
        s, absl::StrCat(Absl(element), " is not a number; it must count the ", Absl(what)));
  }
  if (*count != seen) {
    return EnvelopeError(s, absl::StrCat(Absl(element), " says ", *count, " ", Absl(what), " but ",
                                         Absl(where), " has ", seen));
  }
  return absl::OkStatus();
}

}  // namespace

std::optional<int64_t> X12Cents(std::string_view amount) {
  if (amount.empty()) return 0;
  // Digits only, no exponent, "inf" or "nan" (a double's parser takes them,
  // and a huge value overflowed the cast: found by fuzzing the 277CA).
  const bool negative = amount.front() == '-';
  if (negative) amount.remove_prefix(1);
  const size_t point = amount.find('.');
  const std::string_view whole = amount.substr(0, point);
  const std::string_view fraction =
      point == std::string_view::npos ? std::string_view() : amount.substr(point + 1);
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.size() + fraction.size() == 0 || whole.size() + fraction.size() > kX12MaxAmountDigits ||
      !digits(whole) || !digits(fraction)) {
    return std::nullopt;
  }
  int64_t cents = 0;
  for (char c : whole) cents = cents * 10 + (c - '0');
  for (size_t i = 0; i < 2; ++i) cents = cents * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  if (fraction.size() > 2 && fraction[2] >= '5') ++cents;  // Half a cent rounds away from 0.
  return negative ? -cents : cents;
}

std::string_view X12Segment::element(size_t i) const {
  if (i >= starts_->size()) return {};
  const size_t begin = (*starts_)[i];
  const size_t end = i + 1 < starts_->size() ? (*starts_)[i + 1] - 1 : text_.size();
  return text_.substr(begin, end - begin);
}

std::string_view X12Segment::component(size_t i, size_t j) const {
  std::string_view e = element(i);
  if (j == 0) return {};
  for (size_t k = 1; k < j; ++k) {
    size_t at = e.find(separators_->component);
    if (at == std::string_view::npos) return {};
    e.remove_prefix(at + 1);
  }
  size_t at = e.find(separators_->component);
  return at == std::string_view::npos ? e : e.substr(0, at);
}

X12Reader::X12Reader(X12ReaderOptions options, X12Handler* handler)
    : options_(std::move(options)), handler_(handler) {}

absl::Status X12Reader::Fail(absl::Status status) {
  spent_ = true;
  return status;
}

absl::Status X12Reader::Feed(std::string_view chunk) {
  if (spent_) return internal::SpentReaderError();
  absl::Status s = bom_.Feed(chunk, [this](std::string_view b) { return Parse(b); });
  if (!s.ok()) return Fail(std::move(s));
  return absl::OkStatus();
}

absl::Status X12Reader::Parse(std::string_view bytes) {
  size_t i = 0;
  while (stage_ == Stage::kSeekIsa && i < bytes.size()) {
    RETURN_IF_ERROR(ParseIsaPrefix(bytes[i]));
    ++i;
  }
  if (i < bytes.size()) return Segments(bytes.substr(i));
  return absl::OkStatus();
}

// Collects the first ISA until the 16th element separator and the two bytes
// after it (ISA16 and the segment terminator), then replays it as segments.
absl::Status X12Reader::ParseIsaPrefix(char c) {
  if (isa_.empty() && IsLineSpace(c)) {
    if (c == '\n') ++line_;
    return absl::OkStatus();
  }
  isa_.push_back(c);
  if (isa_.size() <= 3) {
    if (c != "ISA"[isa_.size() - 1]) {
      return FileError(kFileNotX12,
                       "the file does not start with an ISA segment: it is not an X12 file "
                       "(an 834 starts with \"ISA\")");
    }
    return absl::OkStatus();
  }
  const char element = isa_[3];
  if (isa_.size() == 4 && (IsAlnum(element) || IsLineSpace(element))) {
    return FileError(kFileNotX12,
                     "the ISA segment's element separator (its 4th byte) is a letter, "
                     "digit or space; the file is not a valid X12 interchange");
  }
  size_t separators = 0;
  size_t last = 0;
  for (size_t k = 3; k < isa_.size(); ++k) {
    if (isa_[k] == element) {
      ++separators;
      last = k;
    }
    if (separators == 16) break;
  }
  if (separators == 16 && isa_.size() >= last + 3) {
    separators_.element = element;
    separators_.component = isa_[last + 1];
    separators_.segment = isa_[last + 2];
    const char comp = separators_.component;
    const char term = separators_.segment;
    if (comp == element || term == element || term == comp || IsAlnum(comp) || IsAlnum(term) ||
        term == ' ') {
      return FileError(kFileNotX12,
                       "the ISA segment's separators are not distinct punctuation (element "
                       "separator, ISA16 component separator and the segment terminator after "
                       "it); fix the ISA segment");
    }
    stage_ = Stage::kSegments;
    std::string isa = std::move(isa_);
    isa_.clear();
    return Segments(isa);
  }
  if (isa_.size() > 256) {
    return FileError(kFileNotX12,
                     "the ISA segment is malformed: 16 elements followed by a one-character "
                     "ISA16 and a segment terminator were not found");
  }
  return absl::OkStatus();
}

absl::Status X12Reader::Segments(std::string_view bytes) {
  const char term = separators_.segment;
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  while (p < end) {
    const char c = *p;
    if (segment_.empty()) {
      if (c != term && IsLineSpace(c)) {
        if (c == '\n') ++line_;
        ++p;
        continue;
      }
      segment_line_ = line_;
    }
    // Copy a run up to the terminator.
    const char* q = p;
    while (q < end && *q != term) {
      if (*q == '\n') ++line_;
      ++q;
    }
    const size_t n = static_cast<size_t>(q - p);
    if (segment_.size() + n > options_.max_segment_bytes) {
      return FileError(
          kFileX12SegmentTooLong,
          absl::StrCat("segment ", ordinal_ + 1, " (line ", segment_line_, ") is longer than ",
                       options_.max_segment_bytes, " bytes; the segment terminator may be wrong"));
    }
    segment_.append(p, n);
    p = q;
    if (p < end) {  // terminator
      if (*p == '\n') ++line_;
      ++p;
      RETURN_IF_ERROR(EndSegment());
    }
  }
  return absl::OkStatus();
}

absl::Status X12Reader::EndSegment() {
  if (segment_.empty()) return absl::OkStatus();  // "~~": nothing between terminators
  // Trailing line breaks before the terminator (some writers) are not data.
  while (!segment_.empty() && (segment_.back() == '\r' || segment_.back() == '\n')) {
    segment_.pop_back();
  }
  starts_.clear();
  starts_.push_back(0);
  for (size_t k = 0; k < segment_.size(); ++k) {
    if (segment_[k] == separators_.element) starts_.push_back(k + 1);
  }
  ++ordinal_;
  const int64_t position =
      envelope_ == Envelope::kTransaction || envelope_ == Envelope::kGroup ? position_ + 1 : 0;
  X12Segment seg(segment_, &starts_, &separators_, ordinal_, position, segment_line_);
  std::string_view id = seg.id();
  bool id_ok = id.size() >= 2 && id.size() <= 3;
  for (char c : id) id_ok = id_ok && IsAlnum(c);
  absl::Status status;
  if (!id_ok) {
    status = FileError(kFileX12Envelope,
                       absl::StrCat("segment ", ordinal_, " (line ", segment_line_,
                                    ") has no valid segment id; the file's separators or "
                                    "terminators are inconsistent"));
  } else {
    status = OnEnvelope(seg);
  }
  segment_.clear();
  return status;
}

absl::Status X12Reader::OnEnvelope(const X12Segment& s) {
  const std::string_view id = s.id();
  if (id == "ISA") return OnIsa(s);
  if (id == "IEA") return OnIea(s);
  if (id == "GS") return OnGs(s);
  if (id == "GE") return OnGe(s);
  if (id == "ST") return OnSt(s);
  if (id == "SE") return OnSe(s);
  if (envelope_ == Envelope::kTransaction) {
    ++position_;
    X12Segment inner(s.text(), &starts_, &separators_, s.ordinal(), position_, s.line_number());
    return handler_->OnSegment(inner);
  }
  if (id == "TA1" && envelope_ == Envelope::kInterchange) return absl::OkStatus();
  return EnvelopeError(s, "segment outside a transaction set (ST ... SE)");
}

absl::Status X12Reader::OnIsa(const X12Segment& s) {
  if (envelope_ != Envelope::kExpectIsa && envelope_ != Envelope::kAfterIea) {
    return EnvelopeError(s, "ISA inside an open interchange; the previous IEA is missing");
  }
  if (s.size() != 16) {
    return EnvelopeError(s, absl::StrCat("ISA has ", s.size(), " elements; it must have 16"));
  }
  if (s.element(16).size() != 1 || s.element(16)[0] != separators_.component) {
    return EnvelopeError(s,
                         "ISA16 differs from the first interchange's component separator; send one "
                         "interchange per file or use the same separators");
  }
  if (TrimSpaces(s.element(13)).empty()) {
    return EnvelopeError(s, "ISA13 (interchange control number) is empty");
  }
  std::string_view rep = s.element(11);
  separators_.repetition = rep.size() == 1 && !IsAlnum(rep[0]) && rep[0] != ' ' ? rep[0] : '\0';
  set_ = X12TransactionSet();
  set_.interchange_control_number = Trimmed(s.element(13));
  set_.sender_id = Trimmed(s.element(6));
  set_.receiver_id = Trimmed(s.element(8));
  groups_ = 0;
  envelope_ = Envelope::kInterchange;
  return absl::OkStatus();
}

absl::Status X12Reader::OnIea(const X12Segment& s) {
  if (envelope_ != Envelope::kInterchange) {
    return EnvelopeError(
        s, envelope_ == Envelope::kTransaction ? "IEA before SE: the transaction set is not closed"
           : envelope_ == Envelope::kGroup     ? "IEA before GE: the functional group is not closed"
                                               : "IEA without an ISA");
  }
  RETURN_IF_ERROR(CheckCount(s, "IEA01", "functional groups", groups_, "the interchange"));
  if (Trimmed(s.element(2)) != set_.interchange_control_number) {
    return EnvelopeError(s, "IEA02 does not match ISA13 (interchange control number)");
  }
  envelope_ = Envelope::kAfterIea;
  return absl::OkStatus();
}

absl::Status X12Reader::OnGs(const X12Segment& s) {
  if (envelope_ != Envelope::kInterchange) {
    return EnvelopeError(s, envelope_ == Envelope::kGroup || envelope_ == Envelope::kTransaction
                                ? "GS inside an open functional group; GE is missing"
                                : "GS outside an interchange (ISA ... IEA)");
  }
  if (!options_.functional_group.empty() && s.element(1) != options_.functional_group) {
    return FileError(
        kFileX12WrongTransaction,
        absl::StrCat("functional group at segment ", s.ordinal(), " is not GS01 \"",
                     options_.functional_group, "\" (benefit enrollment); send an 834 file"));
  }
  if (!options_.implementation_guide.empty() && !s.element(8).empty() &&
      s.element(8) != options_.implementation_guide) {
    return FileError(kFileX12WrongTransaction, absl::StrCat("GS08 at segment ", s.ordinal(),
                                                            " names another version; "
                                                            "the hub reads ",
                                                            options_.implementation_guide));
  }
  if (TrimSpaces(s.element(6)).empty()) {
    return EnvelopeError(s, "GS06 (group control number) is empty");
  }
  set_.group_control_number = Trimmed(s.element(6));
  set_.group_version = std::string(s.element(8));
  ++groups_;
  sets_in_group_ = 0;
  envelope_ = Envelope::kGroup;
  return absl::OkStatus();
}

absl::Status X12Reader::OnGe(const X12Segment& s) {
  if (envelope_ != Envelope::kGroup) {
    return EnvelopeError(s, envelope_ == Envelope::kTransaction
                                ? "GE before SE: the transaction set is not closed"
                                : "GE without a GS");
  }
  RETURN_IF_ERROR(CheckCount(s, "GE01", "transaction sets", sets_in_group_, "the group"));
  if (Trimmed(s.element(2)) != set_.group_control_number) {
    return EnvelopeError(s, "GE02 does not match GS06 (group control number)");
  }
  envelope_ = Envelope::kInterchange;
  return absl::OkStatus();
}

absl::Status X12Reader::OnSt(const X12Segment& s) {
  if (envelope_ != Envelope::kGroup) {
    return EnvelopeError(s, envelope_ == Envelope::kTransaction
                                ? "ST inside an open transaction set; SE is missing"
                                : "ST outside a functional group (GS ... GE)");
  }
  if (s.element(1) != options_.transaction_set) {
    return FileError(kFileX12WrongTransaction,
                     absl::StrCat("transaction set at segment ", s.ordinal(), " is not a ",
                                  options_.transaction_set, " (ST01); send an ",
                                  options_.transaction_set, " file"));
  }
  if (!options_.implementation_guide.empty() && !s.element(3).empty() &&
      s.element(3) != options_.implementation_guide) {
    return FileError(kFileX12WrongTransaction,
                     absl::StrCat("ST03 at segment ", s.ordinal(),
                                  " names another implementation guide; the hub reads ",
                                  options_.implementation_guide));
  }
  if (TrimSpaces(s.element(2)).empty()) {
    return EnvelopeError(s, "ST02 (transaction set control number) is empty");
  }
  set_.control_number = Trimmed(s.element(2));
  set_.implementation_guide = std::string(s.element(3));
  set_.ordinal = ++sets_total_;
  ++sets_in_group_;
  position_ = 1;
  envelope_ = Envelope::kTransaction;
  return handler_->OnTransactionSetStart(set_);
}

absl::Status X12Reader::OnSe(const X12Segment& s) {
  if (envelope_ != Envelope::kTransaction) return EnvelopeError(s, "SE without an ST");
  ++position_;
  RETURN_IF_ERROR(CheckCount(s, "SE01", "segments (ST to SE inclusive)", position_,
                             absl::StrCat("transaction set ", set_.control_number)));
  if (Trimmed(s.element(2)) != set_.control_number) {
    return EnvelopeError(s, "SE02 does not match ST02 (transaction set control number)");
  }
  envelope_ = Envelope::kGroup;
  position_ = 0;
  return handler_->OnTransactionSetEnd(set_);
}

absl::Status X12Reader::Finish() {
  if (spent_) return internal::SpentReaderError();
  spent_ = true;
  RETURN_IF_ERROR(bom_.Finish([this](std::string_view b) { return Parse(b); }));
  if (stage_ == Stage::kSeekIsa) {
    if (isa_.empty()) return FileError(kFileEmpty, "the file is empty");
    return FileError(kFileX12Truncated,
                     "the file ends inside its ISA segment; send the complete file");
  }
  if (!segment_.empty()) {
    return FileError(kFileX12Truncated,
                     absl::StrCat("the file ends in the middle of segment ", ordinal_ + 1,
                                  " (line ", segment_line_,
                                  ", no segment terminator); it may be truncated: send the "
                                  "complete file"));
  }
  switch (envelope_) {
    case Envelope::kAfterIea:
      return absl::OkStatus();
    case Envelope::kTransaction:
      return FileError(kFileX12Truncated,
                       absl::StrCat("the file ends inside transaction set ", set_.control_number,
                                    ": SE, GE and IEA are missing; it may be truncated"));
    case Envelope::kGroup:
      return FileError(kFileX12Truncated,
                       "the file ends inside a functional group: GE and IEA are missing; it may "
                       "be truncated");
    case Envelope::kInterchange:
      return FileError(kFileX12Truncated,
                       "the file ends inside the interchange: IEA is missing; it may be truncated");
    case Envelope::kExpectIsa:
      break;
  }
  return FileError(kFileEmpty, "the file has no X12 segments");
}

}  // namespace hub::adapters
