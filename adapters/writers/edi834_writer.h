// Edi834Writer: renders member loops as an X12 834 (005010X220A1) file,
// the inverse of Make834RecordReader (adapters/readers/edi834.h). Members
// come as the flattened 834 columns (Edi834ColumnNames), so a plan profile's
// field mappings drive both directions.
//
// Pure: the caller passes the envelope's control numbers and timestamps (no
// clock here). Appends bytes to a caller-owned string, so a long file can be
// flushed in pieces with bounded memory.
#ifndef HUB_ADAPTERS_WRITERS_EDI834_WRITER_H_
#define HUB_ADAPTERS_WRITERS_EDI834_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace hub::adapters {

struct Edi834Envelope {
  std::string sender_id = "HUB";         // ISA06 / GS02
  std::string receiver_id = "PLAN";      // ISA08 / GS03
  std::string date = "2026-01-01";       // ISO; ISA09 (YYMMDD), GS04, BGN03
  std::string time = "0000";             // HHMM; ISA10, GS05, BGN04
  int64_t control_number = 1;            // ISA13 / IEA02 (9 digits), GS06, BGN02
  std::string sponsor_name = "SPONSOR";  // N1*P5
  std::string payer_name = "PAYER";      // N1*IN
  // Member loops per transaction set (ST/SE); the file holds as many sets as
  // needed, all in one functional group.
  int members_per_transaction = 5000;
};

class Edi834Writer {
 public:
  explicit Edi834Writer(Edi834Envelope envelope);

  // Appends one member loop (INS, REF*0F, NM1*IL, PER, N3, N4, DMG, LUI,
  // HD, DTP*348/349, LX + NM1*P3 when a provider is given, REF*ZZ) built
  // from `fields`, keyed by Edi834ColumnNames(); absent keys are empty.
  // Dates are D8 "CCYYMMDD", as the reader's columns carry them.
  // Writes ISA/GS/ST/BGN/N1 before the first member. InvalidArgument if a
  // value holds a separator character or a date is not a real D8 day.
  absl::Status AddMember(const absl::flat_hash_map<std::string, std::string>& fields,
                         std::string& out);

  // Closes the open transaction set, the group and the interchange with
  // correct counts and control numbers. A file with no member still gets a
  // complete envelope with one empty transaction set.
  absl::Status Finish(std::string& out);

 private:
  // Defined in the .cc.
  void StartInterchange(std::string& out);
  void StartTransaction(std::string& out);
  void EndTransaction(std::string& out);
  void Segment(std::string_view text, std::string& out);

  Edi834Envelope envelope_;
  bool started_ = false;
  bool in_transaction_ = false;
  int transactions_ = 0;
  int members_in_transaction_ = 0;
  int64_t segments_in_transaction_ = 0;
};

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_WRITERS_EDI834_WRITER_H_
