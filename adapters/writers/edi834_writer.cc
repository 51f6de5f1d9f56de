#include "adapters/writers/edi834_writer.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapters/writers/x12_syntax.h"
#include "base/civil_date.h"

namespace hub::adapters {
namespace {

using x12_syntax::HasSeparator;
using x12_syntax::Join;
using x12_syntax::kComponent;
using x12_syntax::kElement;
using x12_syntax::kRepetition;
using x12_syntax::kTerminator;
using x12_syntax::Pad;

const std::string& FieldValue(const absl::flat_hash_map<std::string, std::string>& fields,
                              const std::string& name) {
  static const std::string* const kEmpty = new std::string();
  auto it = fields.find(name);
  return it == fields.end() ? *kEmpty : it->second;
}

// ISO "YYYY-MM-DD" -> D8 "CCYYMMDD" (the envelope date).
absl::StatusOr<std::string> D8(const std::string& iso, const char* what) {
  auto date = CivilDate::ParseIso(iso);
  if (!date.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not an ISO date (YYYY-MM-DD)"));
  }
  return date->Format(DateFormat::kCompact);
}

// A member date column holds D8 "CCYYMMDD", as the reader's columns do.
absl::StatusOr<std::string> CheckD8(const std::string& d8, const char* what) {
  if (!CivilDate::Parse(d8, DateFormat::kCompact).ok()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not a D8 date (CCYYMMDD)"));
  }
  return d8;
}

}  // namespace

Edi834Writer::Edi834Writer(Edi834Envelope envelope) : envelope_(std::move(envelope)) {}

void Edi834Writer::Segment(std::string_view text, std::string& out) {
  out.append(text);
  out.push_back(kTerminator);
  out.push_back('\n');
  if (in_transaction_) ++segments_in_transaction_;
}

void Edi834Writer::StartInterchange(std::string& out) {
  started_ = true;
  const std::string d8 = D8(envelope_.date, "the envelope date").value_or("20260101");
  const std::string control = absl::StrFormat("%09d", envelope_.control_number % 1000000000);
  Segment(absl::StrCat("ISA*00*", Pad("", 10), "*00*", Pad("", 10), "*ZZ*",
                       Pad(envelope_.sender_id, 15), "*ZZ*", Pad(envelope_.receiver_id, 15), "*",
                       d8.substr(2), "*", envelope_.time, "*", std::string(1, kRepetition),
                       "*00501*", control, "*0*P*", std::string(1, kComponent)),
          out);
  Segment(
      absl::StrCat("GS*BE*", envelope_.sender_id, "*", envelope_.receiver_id, "*", d8, "*",
                   envelope_.time, "*", envelope_.control_number % 1000000000, "*X*005010X220A1"),
      out);
}

void Edi834Writer::StartTransaction(std::string& out) {
  in_transaction_ = true;
  ++transactions_;
  members_in_transaction_ = 0;
  segments_in_transaction_ = 0;
  const std::string d8 = D8(envelope_.date, "the envelope date").value_or("20260101");
  Segment(absl::StrFormat("ST*834*%04d*005010X220A1", transactions_), out);
  Segment(absl::StrCat("BGN*00*", envelope_.control_number, "-", transactions_, "*", d8, "*",
                       envelope_.time, "****2"),
          out);
  Segment(absl::StrCat("N1*P5*", envelope_.sponsor_name), out);
  Segment(absl::StrCat("N1*IN*", envelope_.payer_name), out);
}

void Edi834Writer::EndTransaction(std::string& out) {
  Segment(absl::StrFormat("SE*%d*%04d", segments_in_transaction_ + 1, transactions_), out);
  in_transaction_ = false;
}

absl::Status Edi834Writer::AddMember(const absl::flat_hash_map<std::string, std::string>& fields,
                                     std::string& out) {
  for (const auto& [name, value] : fields) {
    if (HasSeparator(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "834 field ", name, " holds an X12 separator character (* : ^ ~) or a line break"));
    }
  }
  auto f = [&](const char* name) -> const std::string& { return FieldValue(fields, name); };
  std::string birth, begin, end;
  if (!f("birth_date").empty()) {
    auto d = CheckD8(f("birth_date"), "birth_date");
    if (!d.ok()) return d.status();
    birth = *d;
  }
  if (!f("benefit_begin").empty()) {
    auto d = CheckD8(f("benefit_begin"), "benefit_begin");
    if (!d.ok()) return d.status();
    begin = *d;
  }
  if (!f("benefit_end").empty()) {
    auto d = CheckD8(f("benefit_end"), "benefit_end");
    if (!d.ok()) return d.status();
    end = *d;
  }
  if (!started_) StartInterchange(out);
  if (in_transaction_ &&
      members_in_transaction_ >= std::max(1, envelope_.members_per_transaction)) {
    EndTransaction(out);
  }
  if (!in_transaction_) StartTransaction(out);
  ++members_in_transaction_;

  const std::string& maintenance = f("maintenance_type").empty() ? "021" : f("maintenance_type");
  Segment(Join({"INS", "Y", "18", maintenance, f("maintenance_reason"),
                f("benefit_status").empty() ? "A" : f("benefit_status")}),
          out);
  Segment(Join({"REF", "0F", f("subscriber_id")}), out);
  if (!f("ref_zz").empty()) Segment(Join({"REF", "ZZ", f("ref_zz")}), out);
  const std::string& id = f("member_id").empty() ? f("subscriber_id") : f("member_id");
  Segment(
      Join({"NM1", "IL", "1", f("last_name"), f("first_name"), f("middle_name"), "", "",
            id.empty() ? "" : (f("member_id_qualifier").empty() ? "ZZ" : f("member_id_qualifier")),
            id}),
      out);
  if (!f("phone").empty()) Segment(Join({"PER", "IP", "", "TE", f("phone")}), out);
  if (!f("address_line1").empty()) {
    Segment(Join({"N3", f("address_line1"), f("address_line2")}), out);
  }
  if (!f("city").empty() || !f("zip").empty()) {
    Segment(Join({"N4", f("city"), f("state"), f("zip")}), out);
  }
  if (!birth.empty() || !f("gender").empty()) {
    Segment(Join({"DMG", birth.empty() ? "" : "D8", birth, f("gender")}), out);
  }
  if (!f("spoken_language").empty()) {
    Segment(Join({"LUI", "LE", f("spoken_language"), "", "7"}), out);
  }
  if (!f("written_language").empty()) {
    Segment(Join({"LUI", "LE", f("written_language"), "", "5"}), out);
  }
  if (f("spoken_language").empty() && f("written_language").empty() && !f("language").empty()) {
    Segment(Join({"LUI", "LE", f("language")}), out);
  }
  if (!begin.empty() || !f("hd04").empty()) {
    Segment(Join({"HD", f("hd01").empty() ? maintenance : f("hd01"), "",
                  f("hd03").empty() ? "HLT" : f("hd03"), f("hd04"), f("hd05")}),
            out);
    if (!begin.empty()) Segment(Join({"DTP", "348", "D8", begin}), out);
    if (!end.empty()) Segment(Join({"DTP", "349", "D8", end}), out);
    const std::string& npi =
        f("provider_npi").empty() ? f("coverage_provider_id") : f("provider_npi");
    if (!npi.empty()) {
      Segment("LX*1", out);
      Segment(Join({"NM1", "P3", "2", "ECM PROVIDER", "", "", "", "", "XX", npi}), out);
    }
  }
  return absl::OkStatus();
}

absl::Status Edi834Writer::Finish(std::string& out) {
  if (!started_) StartInterchange(out);
  if (!in_transaction_ && transactions_ == 0) StartTransaction(out);
  if (in_transaction_) EndTransaction(out);
  Segment(absl::StrCat("GE*", transactions_, "*", envelope_.control_number % 1000000000), out);
  Segment(absl::StrFormat("IEA*1*%09d", envelope_.control_number % 1000000000), out);
  return absl::OkStatus();
}

}  // namespace hub::adapters
