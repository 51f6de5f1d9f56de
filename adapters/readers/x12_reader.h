// X12Reader: streaming X12 tokenizer and envelope validator.
//
// Separators come from the ISA segment: the element separator is its 4th
// byte, the component separator is ISA16, the segment terminator is the byte
// after ISA16 and the repetition separator is ISA11. Line breaks (CR/LF)
// after terminators are ignored. The envelope is checked as it streams:
// ISA13 == IEA02, IEA01 == number of GS, GS06 == GE02, GE01 == number of ST
// in the group, ST02 == SE02, SE01 == number of segments from ST to SE
// inclusive; ST01 must be the configured transaction set and GS08/ST03 (when
// present) the configured implementation guide. Several groups per
// interchange, several transaction sets per group and several interchanges
// per file (same separators) are accepted.
//
// Every envelope problem is a file error (FILE_NOT_X12, FILE_X12_ENVELOPE,
// FILE_X12_TRUNCATED, FILE_X12_WRONG_TRANSACTION, FILE_X12_SEGMENT_TOO_LONG,
// FILE_EMPTY): the caller rejects the file. Segments inside a transaction set
// go to an X12Handler (the 834 interpreter, edi834.h).
#ifndef HUB_ADAPTERS_READERS_X12_READER_H_
#define HUB_ADAPTERS_READERS_X12_READER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "adapters/readers/text_util.h"

namespace hub::adapters {

// The most digits X12Cents reads. An X12 decimal (type R) element is at most
// 18 characters; 16 digits keep any amount's cents within int64 (and no claim
// is a quadrillion dollars).
inline constexpr size_t kX12MaxAmountDigits = 16;

// An X12 decimal amount in dollars ("125", "125.5", "-12.05", ".5") as cents,
// rounded to the nearest cent (half away from zero); 0 for an empty element;
// nullopt if it is not a plain decimal (a sign, digits, at most one point: no
// exponent, "inf" or "nan") or has more than kX12MaxAmountDigits digits.
std::optional<int64_t> X12Cents(std::string_view amount);

struct X12Separators {
  char element = '*';
  char component = ':';
  char repetition = '^';  // '\0' when ISA11 is not a separator (pre-5010 "U")
  char segment = '~';
};

// One segment. A view valid only during the X12Handler call.
class X12Segment {
 public:
  X12Segment(std::string_view text, const std::vector<size_t>* element_starts,
             const X12Separators* separators, int64_t ordinal, int64_t position,
             int64_t line_number)
      : text_(text),
        starts_(element_starts),
        separators_(separators),
        ordinal_(ordinal),
        position_(position),
        line_number_(line_number) {}

  // Segment id, e.g. "NM1".
  std::string_view id() const { return element(0); }
  // Number of elements after the id (trailing empty elements count only if
  // the file writes their separators).
  size_t size() const { return starts_->size() - 1; }
  // Element `i` (1-based as the X12 guides number them: NM1's NM103 is
  // element(3)); element(0) is the id; "" if absent.
  std::string_view element(size_t i) const;
  // Component `j` (1-based) of element `i`; "" if absent.
  std::string_view component(size_t i, size_t j) const;
  // The whole segment without its terminator.
  std::string_view text() const { return text_; }
  const X12Separators& separators() const { return *separators_; }
  // 1-based number of the segment in the file (ISA = 1).
  int64_t ordinal() const { return ordinal_; }
  // 1-based position within its transaction set (ST = 1); 0 outside one.
  int64_t position() const { return position_; }
  // 1-based physical line where the segment starts.
  int64_t line_number() const { return line_number_; }

 private:
  std::string_view text_;
  const std::vector<size_t>* starts_;  // start offset of each element in text_
  const X12Separators* separators_;
  int64_t ordinal_;
  int64_t position_;
  int64_t line_number_;
};

// The envelope around one transaction set.
struct X12TransactionSet {
  std::string interchange_control_number;  // ISA13
  std::string sender_id;                   // ISA06, trimmed
  std::string receiver_id;                 // ISA08, trimmed
  std::string group_control_number;        // GS06
  std::string group_version;               // GS08
  std::string control_number;              // ST02
  std::string implementation_guide;        // ST03 (may be empty)
  int64_t ordinal = 0;                     // 1-based count of ST in the file
};

// Receives the contents of transaction sets. A non-OK status stops the
// reader and is returned by Feed/Finish unchanged.
class X12Handler {
 public:
  virtual ~X12Handler() = default;
  virtual absl::Status OnTransactionSetStart(const X12TransactionSet& set) = 0;
  // Each segment strictly between ST and SE, in order.
  virtual absl::Status OnSegment(const X12Segment& segment) = 0;
  // After SE, once SE01/SE02 were checked.
  virtual absl::Status OnTransactionSetEnd(const X12TransactionSet& set) = 0;
};

struct X12ReaderOptions {
  // Required ST01.
  std::string transaction_set = "834";
  // Required GS01 when present; empty = not checked.
  std::string functional_group = "BE";
  // Required GS08 and ST03 when present; empty = not checked.
  std::string implementation_guide = "005010X220A1";
  // Longest accepted segment; beyond, the file is rejected (the terminator
  // is probably wrong). Bounds the reader's memory.
  size_t max_segment_bytes = 1 << 16;
};

class X12Reader {
 public:
  // `handler` is not owned and must outlive the reader.
  X12Reader(X12ReaderOptions options, X12Handler* handler);

  // Same contract as StreamReader::Feed / Finish.
  absl::Status Feed(std::string_view chunk);
  absl::Status Finish();

  // Separators found in the ISA (valid once the ISA was read).
  const X12Separators& separators() const { return separators_; }
  // Segments read so far.
  int64_t segments() const { return ordinal_; }

 private:
  enum class Stage { kSeekIsa, kSegments };
  enum class Envelope { kExpectIsa, kInterchange, kGroup, kTransaction, kAfterIea };

  absl::Status Parse(std::string_view bytes);
  absl::Status ParseIsaPrefix(char c);
  absl::Status Segments(std::string_view bytes);
  absl::Status EndSegment();
  absl::Status OnEnvelope(const X12Segment& segment);
  // The envelope's segments, each checked against the envelope state:
  // ISA opens an interchange (its repetition separator, control number).
  absl::Status OnIsa(const X12Segment& s);
  // IEA closes the interchange: its group count and control number match.
  absl::Status OnIea(const X12Segment& s);
  // GS opens a functional group of the configured kind and version.
  absl::Status OnGs(const X12Segment& s);
  // GE closes the group: its transaction set count and control number match.
  absl::Status OnGe(const X12Segment& s);
  // ST opens a transaction set of the configured kind; the handler is told.
  absl::Status OnSt(const X12Segment& s);
  // SE closes the set: its segment count and control number match; the handler is told.
  absl::Status OnSe(const X12Segment& s);
  absl::Status Fail(absl::Status status);

  const X12ReaderOptions options_;
  X12Handler* const handler_;
  internal::BomSkipper bom_;
  bool spent_ = false;

  Stage stage_ = Stage::kSeekIsa;
  std::string isa_;  // bytes of the first ISA until its separators are known
  X12Separators separators_;

  std::string segment_;  // the partial segment
  std::vector<size_t> starts_;
  int64_t line_ = 1;
  int64_t segment_line_ = 1;
  int64_t ordinal_ = 0;

  Envelope envelope_ = Envelope::kExpectIsa;
  X12TransactionSet set_;
  int64_t groups_ = 0;         // GS in this interchange
  int64_t sets_in_group_ = 0;  // ST in this group
  int64_t position_ = 0;       // segments in this transaction set so far
  int64_t sets_total_ = 0;
};

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_READERS_X12_READER_H_
