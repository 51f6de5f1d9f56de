// X12_837PWriter: renders service lines as X12 837 professional claims,
// implementation guide 005010X222A1, for the plan's claims intake.
//
//   ISA / GS*HC / ST*837*0001*005010X222A1 / BHT*0019*00
//   1000A NM1*41 submitter + PER*IC      1000B NM1*40 receiver
//   2000A HL*n**20*1 billing provider: [PRV*BI*PXC] NM1*85 (XX = NPI), N3, N4,
//         REF*EI (TIN)
//     2000B HL*n*parent*22*0 subscriber = the member (no patient loop):
//           SBR*P*18*******MC (Medicaid)
//       2010BA NM1*IL (MI = CIN), N3/N4 (required: the subscriber is the
//              patient), DMG*D8*birth*sex (required, same reason)
//       2010BB NM1*PR payer (PI = payer id)
//       2300 CLM*id*total***POS:B:1*Y*A*Y*Y, REF*G1 (prior authorization,
//            when the lines carry one), HI*ABK:principal*ABF:other...
//         2400 LX*n, SV1*HC:code:mod...*charge*UN*units***pointers,
//              DTP*472*D8*CCYYMMDD, REF*6R*line id (when given)
//   SE (segment count ST..SE) / GE / IEA
//
// One claim (CLM) per (member, service date, authorization number) group of
// lines (GroupServicesIntoClaims), several claims per billing provider, all
// billing providers in one interchange. Pure: control numbers, date and time
// come from the caller (no clock). Bytes are appended to a caller-owned
// string, one billing provider at a time, so a long file can be flushed in
// pieces. Not thread-safe: one file, one thread.
#ifndef HUB_ADAPTERS_WRITERS_X12_837P_WRITER_H_
#define HUB_ADAPTERS_WRITERS_X12_837P_WRITER_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "hub/v1/member.pb.h"
#include "hub/v1/submission.pb.h"

namespace hub::adapters {

// An amount in cents as X12 writes a decimal (R): no trailing zeros after the
// point, no point for whole dollars: 12500 -> "125", 12550 -> "125.5",
// 12555 -> "125.55". Used for 837P charges and, in the demo county, for the
// plans' 835 amounts.
std::string X12Amount(int64_t cents);

// The interchange envelope and the submitter/receiver loops.
struct X12_837PEnvelope {
  // ISA06 / GS02 and the submitter's id in NM1*41 (qualifier 46); up to 15
  // characters.
  std::string sender_id = "HUB";
  // ISA08 / GS03 and the receiver's id in NM1*40; up to 15 characters.
  std::string receiver_id = "PLAN";
  // NM1*41 submitter (the hub) name and its PER*IC contact name and phone
  // (10 digits).
  std::string submitter_name = "COUNTY HUB";
  std::string submitter_contact = "HUB SUPPORT";
  std::string submitter_phone = "6195550100";
  // NM1*40 receiver (the plan) name.
  std::string receiver_name = "PLAN";
  // Creation day, ISO "YYYY-MM-DD" (ISA09 as YYMMDD, GS04 and BHT04 as
  // CCYYMMDD), and time "HHMM" (ISA10, GS05, BHT05).
  std::string date = "2026-01-01";
  std::string time = "0000";
  // ISA13 / IEA02 (9 digits, zero-padded) and GS06 / GE02; 1 to 999999999.
  // BHT03 is "<control_number>-<transaction set number>".
  int64_t control_number = 1;
  // ISA15: false "P" production, true "T" test.
  bool test = false;
  // Claims per transaction set (ST/SE); the guide recommends at most 5000.
  // A billing provider whose claims straddle the limit is repeated at the top
  // of the next set.
  int claims_per_transaction = 5000;
};

// 2010AA billing provider.
struct BillingProvider837 {
  // Organization name (NM103).
  std::string name;
  // NPI, 10 digits with a valid check digit (NM109, qualifier XX).
  std::string npi;
  // TIN / EIN, 9 digits (REF*EI).
  std::string tin;
  // Street address (N3) and city, state, ZIP (N4). The guide wants a 9-digit
  // ZIP for the billing provider; digits only are written.
  hub::v1::PostalAddress address;
  // Provider taxonomy code (PRV*BI*PXC), e.g. "251S00000X"; empty = no PRV.
  std::string taxonomy_code;
};

// 2010BB payer: the plan.
struct Payer837 {
  // Plan name (NM103), e.g. "MOLINA HEALTHCARE OF CALIFORNIA".
  std::string name;
  // Payer id (NM109, qualifier PI), e.g. the plan's DHCS plan code.
  std::string id;
};

// One claim: service lines of one member on one day under one
// authorization (or none).
struct Claim837 {
  // CLM01, the patient control number: 1 to 38 characters; stable across
  // re-exports so the plan can drop a repeat.
  std::string claim_id;
  // The member (subscriber and patient): name, cin (NM109, qualifier MI),
  // date_of_birth and sex (DMG, required).
  hub::v1::Member member;
  // The subscriber's address (2010BA N3/N4, required when the subscriber is
  // the patient): street, city, 2-letter state, ZIP. The caller chooses it
  // (e.g. the member's residence, or a fallback for a member without one).
  hub::v1::PostalAddress subscriber_address;
  // 1 to 50 lines with the member's CIN, the same service_date and the same
  // authorization_number. Each needs hcpcs_code, units >= 1, charge_cents
  // >= 0, place_of_service (the first line's is the claim's, CLM05; a line
  // with another writes it in SV105) and its diagnosis codes (the claim's HI
  // lists the lines' codes in order of first use, at most 12, at least 1).
  std::vector<hub::v1::ServiceRecord> lines;
  // Per line, its line item control number (2400 REF*6R, 1 to 50
  // characters), e.g. the hub's record id of the line; empty or shorter
  // than `lines` = no REF*6R for the lines without one.
  std::vector<std::string> line_ids;
};

// A service line with what the 837 needs around it.
struct BilledService {
  // The hub's record id of the line; the first line's becomes the claim id.
  std::string record_id;
  // The member the line is for.
  hub::v1::Member member;
  // The line.
  hub::v1::ServiceRecord service;
};

// Groups lines into claims, one per (CIN, service date, authorization
// number), in order of each group's first line; lines keep their order and
// their record_id becomes their line id. The claim id is the group's first
// record_id, the member its first line's (and its address the subscriber's).
std::vector<Claim837> GroupServicesIntoClaims(std::span<const BilledService> services);

class X12_837PWriter {
 public:
  explicit X12_837PWriter(X12_837PEnvelope envelope);

  // Appends one billing provider loop and its claims, all billed to `payer`
  // (ISA/GS/ST and the 1000A/B loops come before the first). Every value is
  // checked first: InvalidArgument naming the claim (its index, never member
  // data) and what to fix, and nothing is appended, if a value holds an X12
  // separator (* : ^ ~) or a line break, an identifier or date is malformed,
  // a claim has no line, more than 50 lines, lines of another member, day or
  // authorization, no diagnosis or more than 12. An empty `claims` appends
  // nothing. With `transaction_sets`, also replaces its content with the
  // transaction set number (ST02) each claim was written in, by index.
  absl::Status AddBillingProvider(const BillingProvider837& provider, const Payer837& payer,
                                  std::span<const Claim837> claims, std::string& out,
                                  std::vector<int>* transaction_sets = nullptr);

  // Closes the transaction set, the group and the interchange with their
  // counts and control numbers. A file without claims still gets a complete
  // envelope with one transaction set holding the 1000A/B loops. Call once.
  absl::Status Finish(std::string& out);

  // Claims written so far.
  int64_t claims() const { return claims_; }
  // Transaction sets started so far.
  int transactions() const { return transactions_; }

 private:
  // Defined in the .cc.
  void StartInterchange(std::string& out);
  void StartTransaction(std::string& out);
  void EndTransaction(std::string& out);
  void BillingProviderLoop(const BillingProvider837& provider, std::string& out);
  void Segment(std::string_view text, std::string& out);

  X12_837PEnvelope envelope_;
  std::string d8_;  // the envelope date as CCYYMMDD
  bool started_ = false;
  bool finished_ = false;
  bool in_transaction_ = false;
  int transactions_ = 0;
  int claims_in_transaction_ = 0;
  int64_t claims_ = 0;
  int64_t segments_in_transaction_ = 0;
  int hl_ = 0;          // last HL id in the transaction set
  int billing_hl_ = 0;  // HL id of the open billing provider loop
};

}  // namespace hub::adapters

#endif  // HUB_ADAPTERS_WRITERS_X12_837P_WRITER_H_
