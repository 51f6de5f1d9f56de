// The X12 834 (005010X220A1, benefit enrollment and maintenance) interpreter.
//
// Edi834Reader streams an 834 through X12Reader (envelope checks) and turns
// each member loop (INS up to the next INS or SE) into a MemberLoop. The
// member name loop 2100A is NM1*IL (insured or subscriber) or NM1*74
// (corrected insured, followed by the incorrect name in 2100B NM1*70, which
// is ignored like the other 2100 loops but 2100C mailing). A loop that
// cannot be used (no INS before member segments, no member name loop, no
// REF*0F,
// a bad D8 date, invalid UTF-8) is reported as RowErrors carrying the loop
// number and the offending segment's position, and reading continues.
// Envelope errors reject the file (see x12_reader.h).
//
// For declarative mappings, Make834RecordReader flattens every MemberLoop
// into Records with fixed column names (kEdi834Columns): one record per HD
// coverage (or one record when the loop has no HD), the member fields
// repeated on each. Dates are CCYYMMDD as in the file (D8), checked to be
// real days: map them with date_format "yyyymmdd".
#ifndef HUB_ADAPTERS_READERS_EDI834_H_
#define HUB_ADAPTERS_READERS_EDI834_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "adapters/readers/record.h"
#include "adapters/readers/x12_reader.h"

namespace hub::adapters {

// A (qualifier, value) pair, e.g. REF*23*value -> {"23", value}.
using X12QualifiedValue = std::pair<std::string, std::string>;

// Loop 2300: one health coverage (HD) of a member.
struct Edi834Coverage {
  std::string maintenance_type;            // HD01, e.g. "021" add, "024" cancel
  std::string insurance_line;              // HD03, e.g. "HLT"
  std::string plan_coverage_description;   // HD04
  std::string coverage_level;              // HD05
  std::string begin_date;                  // DTP*348 benefit begin, CCYYMMDD
  std::string end_date;                    // DTP*349 benefit end, CCYYMMDD
  std::string maintenance_effective_date;  // DTP*303, CCYYMMDD
  std::vector<X12QualifiedValue> refs;     // REF in loop 2300
  std::string provider_id_qualifier;       // first NM1*P3 (loop 2310) NM108
  std::string provider_id;                 // NM109, e.g. the PCP's NPI
};

// LUI: a language of the member.
struct Edi834Language {
  std::string qualifier;    // LUI01, "LD" or "LE"
  std::string code;         // LUI02
  std::string description;  // LUI03
  std::string use;          // LUI04: "5" reading, "6" writing, "7" speaking, "8" native
};

// One member loop (2000) with the transaction set's header context.
// Everything except the numbers and codes is PHI.
struct MemberLoop {
  // 1-based member loop number across the file (the RowError row number).
  int64_t loop_number = 0;
  // Where its INS is: physical line and position in the transaction set.
  int64_t line_number = 0;
  int64_t segment_position = 0;

  // Transaction set header.
  std::string transaction_set_control_number;  // ST02
  std::string purpose_code;                    // BGN01, "00" original
  std::string reference;                       // BGN02
  std::string file_date;                       // BGN03, CCYYMMDD
  std::string action_code;                     // BGN08: "2" change, "4" verify, "RX" replace
  std::string sponsor_name;                    // N1*P5 N102
  std::string sponsor_id;                      // N1*P5 N104
  std::string payer_name;                      // N1*IN N102
  std::string payer_id;                        // N1*IN N104

  // INS.
  std::string subscriber_indicator;  // INS01, "Y" or "N"
  std::string relationship_code;     // INS02, "18" self
  std::string maintenance_type;      // INS03: "021" add, "001" change, "024" cancel, "030" audit
  std::string maintenance_reason;    // INS04
  std::string benefit_status;        // INS05, "A" active
  // REF in loop 2000.
  std::string subscriber_id;            // REF*0F
  std::string group_policy_number;      // REF*1L
  std::vector<X12QualifiedValue> refs;  // other REFs, e.g. {"23", client number}
  // DTP in loop 2000, CCYYMMDD.
  std::string maintenance_effective_date;  // DTP*303
  std::string eligibility_begin_date;      // DTP*356
  std::string eligibility_end_date;        // DTP*357

  // Loop 2100A NM1*IL (or NM1*74, corrected insured) and its segments.
  std::string last_name;      // NM103
  std::string first_name;     // NM104
  std::string middle_name;    // NM105
  std::string name_prefix;    // NM106
  std::string name_suffix;    // NM107
  std::string id_qualifier;   // NM108, e.g. "34" SSN, "ZZ" mutually defined
  std::string member_id;      // NM109
  std::string phone;          // first PER number qualified TE, HP, WP, CP or AP
  std::string email;          // first PER number qualified EM
  std::string address_line1;  // N301
  std::string address_line2;  // N302
  std::string city;           // N401
  std::string state;          // N402
  std::string zip;            // N403
  std::string county_code;    // N406 when N405 is "CY"
  std::string birth_date;     // DMG02, CCYYMMDD
  std::string gender;         // DMG03: "F", "M", "U"
  std::vector<Edi834Language> languages;
  // Loop 2100C NM1*31 (mailing address).
  std::string mailing_address_line1;
  std::string mailing_address_line2;
  std::string mailing_city;
  std::string mailing_state;
  std::string mailing_zip;

  // Loops 2300.
  std::vector<Edi834Coverage> coverages;
};

// Receives member loops. A non-OK status stops the reader.
class MemberLoopSink {
 public:
  virtual ~MemberLoopSink() = default;
  // A member loop without errors. Valid only during the call.
  virtual absl::Status OnMemberLoop(const MemberLoop& loop) = 0;
  // A problem with one member loop (row_number = loop number).
  virtual absl::Status OnRowError(const RowError& error) = 0;
  // A problem with one member loop that has an INS, with what was read of
  // the loop. Defaults to OnRowError(error).
  virtual absl::Status OnRejectedLoop(const MemberLoop& loop, const RowError& error) {
    return OnRowError(error);
  }
};

struct Edi834Options {
  X12ReaderOptions x12;
  // Most segments a member loop may have (ROW_LOOP_TOO_LONG beyond).
  size_t max_segments_per_loop = 1000;
  // Flattening (Make834RecordReader): the HD03 insurance line codes whose
  // coverages become records, e.g. {"HLT"}; empty = every HD. A loop none
  // of whose HDs is selected yields one record without coverage fields.
  std::vector<std::string> insurance_lines;
};

// 834 reader producing MemberLoops. stats().rows_read counts member loops.
class Edi834Reader : public StreamReader {
 public:
  // `sink` is not owned and must outlive the reader.
  Edi834Reader(Edi834Options options, MemberLoopSink* sink);
  ~Edi834Reader() override;

  absl::Status Feed(std::string_view chunk) override;
  absl::Status Finish() override;
  const ReaderStats& stats() const override;

 private:
  class Interpreter;
  std::unique_ptr<Interpreter> interpreter_;
  X12Reader x12_;
};

// Column names of the flattened 834 records, in field order. Member fields:
// transaction_set_control_number, bgn_purpose, bgn_reference, bgn_date,
// bgn_action, sponsor_name, sponsor_id, payer_name, payer_id,
// subscriber_indicator, relationship_code, maintenance_type,
// maintenance_reason, benefit_status, subscriber_id, group_policy_number,
// ref_17, ref_23, ref_3h, ref_6o, ref_abb, ref_dx, ref_f6, ref_q4, ref_qq,
// ref_zz (first member-level REF with that qualifier),
// maintenance_effective, eligibility_begin, eligibility_end,
// last_name, first_name, middle_name, name_prefix, name_suffix,
// member_id_qualifier, member_id, phone, email, address_line1, address_line2,
// city, state, zip, county_code, birth_date, gender, language (first LUI02),
// spoken_language (LUI04 7 or 8), written_language (LUI04 5 or 6),
// mailing_address_line1, mailing_address_line2, mailing_city, mailing_state,
// mailing_zip. Coverage fields (empty when the loop has no HD):
// coverage_number (1-based HD within the loop), hd01, hd03, hd04, hd05,
// benefit_begin, benefit_end, coverage_maintenance_effective,
// coverage_provider_id_qualifier, coverage_provider_id, provider_npi
// (coverage_provider_id when its qualifier is XX, the NPI).
const std::vector<std::string>& Edi834ColumnNames();

// Adapts MemberLoops to Records with Edi834ColumnNames() columns. Row errors
// pass through. `sink` is not owned and must outlive this object.
class Edi834RecordSink : public MemberLoopSink {
 public:
  // `insurance_lines`: see Edi834Options.
  explicit Edi834RecordSink(RecordSink* sink, std::vector<std::string> insurance_lines = {});
  absl::Status OnMemberLoop(const MemberLoop& loop) override;
  absl::Status OnRowError(const RowError& error) override;
  // Passes the loop's member fields (coverage columns empty) with the error
  // to RecordSink::OnRejectedRecord.
  absl::Status OnRejectedLoop(const MemberLoop& loop, const RowError& error) override;

 private:
  // Fills views_ with the loop's member fields.
  void MemberViews(const MemberLoop& m);

  // True if coverage `c` is one of the selected insurance lines.
  bool Selected(const Edi834Coverage& c) const;

  RecordSink* const sink_;
  const std::vector<std::string> insurance_lines_;
  std::vector<const Edi834Coverage*> selected_;  // Scratch of OnMemberLoop.
  ColumnMap columns_;
  bool announced_ = false;
  std::vector<std::string_view> views_;
};

// An 834 reader whose output is flattened Records (see Edi834ColumnNames).
// `sink` is not owned and must outlive the reader.
std::unique_ptr<StreamReader> Make834RecordReader(Edi834Options options, RecordSink* sink);

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_READERS_EDI834_H_
