#include "adapters/writers/x12_837p_writer.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "adapters/writers/x12_syntax.h"
#include "base/civil_date.h"
#include "base/identifiers.h"
#include "base/status_macros.h"

namespace hub::adapters {
// X12 decimal (R): no trailing zeros after the point, no point for whole
// dollars.
std::string X12Amount(int64_t cents) {
  const int64_t whole = cents / 100;
  const int64_t frac = cents % 100;
  if (frac == 0) return absl::StrCat(whole);
  if (frac % 10 == 0) return absl::StrCat(whole, ".", frac / 10);
  return absl::StrFormat("%d.%02d", whole, frac);
}

namespace {

using x12_syntax::HasSeparator;
using x12_syntax::Join;
using x12_syntax::kComponent;
using x12_syntax::kElement;
using x12_syntax::kRepetition;
using x12_syntax::kTerminator;
using x12_syntax::Pad;
constexpr int kMaxLinesPerClaim = 50;
constexpr int kMaxDiagnoses = 12;
constexpr int kMaxPointers = 4;

std::string JoinComponents(const std::vector<std::string>& parts) {
  return absl::StrJoin(parts, std::string(1, kComponent));
}

std::string Digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= '0' && c <= '9') out.push_back(c);
  }
  return out;
}

// ICD-10-CM as the HI segment writes it: no dot, upper case.
std::string IcdCode(std::string_view code) {
  std::string out;
  for (char c : code) {
    if (c != '.') out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string SexCode(hub::v1::Sex sex) {
  switch (sex) {
    case hub::v1::SEX_FEMALE:
      return "F";
    case hub::v1::SEX_MALE:
      return "M";
    default:
      return "U";
  }
}

absl::StatusOr<std::string> D8(std::string_view iso) {
  auto date = CivilDate::ParseIso(iso);
  if (!date.ok()) return date.status();
  return date->Format(DateFormat::kCompact);
}

// A claim checked and prepared for writing.
struct PreparedClaim {
  const Claim837* claim = nullptr;
  std::string dob;                     // D8 or empty
  std::string service_d8;              // D8
  std::vector<std::string> diagnoses;  // HI order, ICD without dot
  std::vector<std::string> pointers;   // per line: "1:2"
  int64_t total_cents = 0;
};

absl::Status ClaimError(size_t index, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("837P claim #", index + 1, ": ", absl::string_view(what.data(), what.size())));
}

// Checks the claim id, the subscriber (2010BA) and the line ids; sets p.dob.
absl::Status CheckSubscriber(const Claim837& claim, size_t index, PreparedClaim& p) {
  const auto& m = claim.member;
  if (claim.claim_id.empty() || claim.claim_id.size() > 38 || HasSeparator(claim.claim_id)) {
    return ClaimError(index, "the claim id must be 1 to 38 characters without * : ^ ~");
  }
  for (std::string_view v :
       {std::string_view(m.cin()), std::string_view(m.name().last()),
        std::string_view(m.name().first()), std::string_view(m.name().middle()),
        std::string_view(claim.subscriber_address.line1()),
        std::string_view(claim.subscriber_address.line2()),
        std::string_view(claim.subscriber_address.city()),
        std::string_view(claim.subscriber_address.state()),
        std::string_view(claim.subscriber_address.zip())}) {
    if (HasSeparator(v)) {
      return ClaimError(index, "a member field holds an X12 separator (* : ^ ~) or a line break");
    }
  }
  if (!ValidateCin(m.cin()).ok()) {
    return ClaimError(index, "the member's CIN must be 8 digits then a letter");
  }
  if (m.name().last().empty()) return ClaimError(index, "the member's last name is empty");
  auto dob = D8(m.date_of_birth());
  if (!dob.ok()) {
    return ClaimError(index,
                      "the member's date of birth (DMG, required when the subscriber is the "
                      "patient) is missing or not an ISO date");
  }
  p.dob = *dob;
  const hub::v1::PostalAddress& address = claim.subscriber_address;
  if (address.line1().empty() || address.city().empty() || address.state().size() != 2 ||
      Digits(address.zip()).size() < 5) {
    return ClaimError(index,
                      "the subscriber's address (2010BA N3/N4, required when the subscriber is "
                      "the patient) needs a street, city, 2-letter state and ZIP");
  }
  for (const std::string& id : claim.line_ids) {
    if (id.size() > 50 || HasSeparator(id)) {
      return ClaimError(index, "a line id (REF*6R) is at most 50 characters without * : ^ ~");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<PreparedClaim> Prepare(const Claim837& claim, size_t index) {
  PreparedClaim p;
  p.claim = &claim;
  if (absl::Status s = CheckSubscriber(claim, index, p); !s.ok()) return s;
  if (claim.lines.empty()) return ClaimError(index, "a claim needs at least one service line");
  if (claim.lines.size() > kMaxLinesPerClaim) {
    return ClaimError(index, "a claim holds at most 50 service lines; split the group");
  }
  const auto& first = claim.lines.front();
  auto service_d8 = D8(first.service_date());
  if (!service_d8.ok()) return ClaimError(index, "the service date is not an ISO date");
  p.service_d8 = *service_d8;
  if (HasSeparator(first.authorization_number())) {
    return ClaimError(index, "the authorization number holds an X12 separator");
  }
  for (size_t i = 0; i < claim.lines.size(); ++i) {
    const auto& line = claim.lines[i];
    const std::string where = absl::StrCat("line ", i + 1, ": ");
    if (line.cin() != claim.member.cin() || line.service_date() != first.service_date() ||
        line.authorization_number() != first.authorization_number()) {
      return ClaimError(index, absl::StrCat(where,
                                            "every line of a claim must have the member's CIN, "
                                            "the same service date and authorization number"));
    }
    if (line.hcpcs_code().size() != 5 || !AllAlnum(line.hcpcs_code())) {
      return ClaimError(index, absl::StrCat(where, "the HCPCS code must be 5 letters or digits"));
    }
    if (line.modifiers_size() > 4) {
      return ClaimError(index, absl::StrCat(where, "at most 4 modifiers fit SV101"));
    }
    for (const auto& mod : line.modifiers()) {
      if (mod.size() != 2 || !AllAlnum(mod)) {
        return ClaimError(index, absl::StrCat(where, "modifiers must be 2 letters or digits"));
      }
    }
    if (line.units() < 1) return ClaimError(index, absl::StrCat(where, "units must be 1 or more"));
    if (line.charge_cents() < 0) {
      return ClaimError(index, absl::StrCat(where, "the charge must not be negative"));
    }
    if (line.place_of_service().size() != 2 || !AllDigits(line.place_of_service())) {
      return ClaimError(index,
                        absl::StrCat(where, "the place of service must be a 2-digit CMS code"));
    }
    std::vector<std::string> pointer;
    for (const auto& dx : line.diagnosis_codes()) {
      const std::string code = IcdCode(dx);
      if (code.size() < 3 || code.size() > 7 || !AllAlnum(code)) {
        return ClaimError(index, absl::StrCat(where, "a diagnosis code is not an ICD-10-CM code"));
      }
      auto it = std::find(p.diagnoses.begin(), p.diagnoses.end(), code);
      size_t position = static_cast<size_t>(it - p.diagnoses.begin());
      if (it == p.diagnoses.end()) {
        if (p.diagnoses.size() == kMaxDiagnoses) {
          return ClaimError(index, "the lines use more than 12 diagnosis codes; split the claim");
        }
        p.diagnoses.push_back(code);
      }
      const std::string number = absl::StrCat(position + 1);
      if (pointer.size() < kMaxPointers &&
          std::find(pointer.begin(), pointer.end(), number) == pointer.end()) {
        pointer.push_back(number);
      }
    }
    // A line without its own codes points at the principal diagnosis.
    if (pointer.empty()) pointer.push_back("1");
    p.pointers.push_back(JoinComponents(pointer));
    p.total_cents += line.charge_cents();
  }
  if (p.diagnoses.empty()) {
    return ClaimError(index, "a claim needs at least one diagnosis code (HI); add one to a line");
  }
  return p;
}

absl::Status CheckEnvelope(const X12_837PEnvelope& e) {
  for (std::string_view v :
       {std::string_view(e.sender_id), std::string_view(e.receiver_id),
        std::string_view(e.submitter_name), std::string_view(e.submitter_contact),
        std::string_view(e.submitter_phone), std::string_view(e.receiver_name)}) {
    if (v.empty() || HasSeparator(v)) {
      return absl::InvalidArgumentError(
          "837P envelope: sender, receiver, submitter and contact must be set and hold no X12 "
          "separator (* : ^ ~)");
    }
  }
  if (e.sender_id.size() > 15 || e.receiver_id.size() > 15) {
    return absl::InvalidArgumentError(
        "837P envelope: sender and receiver ids are at most 15 characters");
  }
  if (!CivilDate::ParseIso(e.date).ok()) {
    return absl::InvalidArgumentError("837P envelope: the date must be ISO YYYY-MM-DD");
  }
  if (e.time.size() != 4 || !AllDigits(e.time)) {
    return absl::InvalidArgumentError("837P envelope: the time must be HHMM");
  }
  if (e.control_number < 1 || e.control_number > 999999999) {
    return absl::InvalidArgumentError("837P envelope: the control number must be 1 to 999999999");
  }
  return absl::OkStatus();
}

// OK if the billing provider and the payer can head an 837P: no X12
// separator in any field, a name, a valid NPI and TIN, a full street
// address; the payer's name and id. InvalidArgument says what is missing.
absl::Status CheckBillingProviderAndPayer(const BillingProvider837& provider,
                                          const Payer837& payer) {
  for (std::string_view v :
       {std::string_view(provider.name), std::string_view(provider.npi),
        std::string_view(provider.tin), std::string_view(provider.taxonomy_code),
        std::string_view(provider.address.line1()), std::string_view(provider.address.line2()),
        std::string_view(provider.address.city()), std::string_view(provider.address.state()),
        std::string_view(payer.name), std::string_view(payer.id)}) {
    if (HasSeparator(v)) {
      return absl::InvalidArgumentError(
          "a billing provider or payer field holds an X12 separator (* : ^ ~) or a line break");
    }
  }
  if (provider.name.empty()) return absl::InvalidArgumentError("the billing provider has no name");
  if (!ValidateNpi(provider.npi).ok()) {
    return absl::InvalidArgumentError("the billing provider's NPI is not a valid 10-digit NPI");
  }
  if (!ValidateTin(provider.tin).ok()) {
    return absl::InvalidArgumentError("the billing provider's TIN must be 9 digits");
  }
  if (provider.address.line1().empty() || provider.address.city().empty() ||
      provider.address.state().size() != 2 || Digits(provider.address.zip()).size() < 5) {
    return absl::InvalidArgumentError(
        "the billing provider needs a street address, city, 2-letter state and ZIP");
  }
  if (payer.name.empty() || payer.id.empty()) {
    return absl::InvalidArgumentError("the payer needs a name and an id");
  }
  return absl::OkStatus();
}

// Every claim prepared (Prepare), in order; the first claim's error if any.
absl::StatusOr<std::vector<PreparedClaim>> PrepareClaims(std::span<const Claim837> claims) {
  std::vector<PreparedClaim> prepared;
  prepared.reserve(claims.size());
  for (size_t i = 0; i < claims.size(); ++i) {
    ASSIGN_OR_RETURN(PreparedClaim p, Prepare(claims[i], i));
    prepared.push_back(std::move(p));
  }
  return prepared;
}

// Appends the 2000B subscriber loop of a claim, HL `hl` under the billing
// provider's HL `billing_hl`: the member is the patient (no child loop),
// then the payer's name.
void SubscriberLoop(const PreparedClaim& p, const Payer837& payer, int hl, int billing_hl,
                    std::vector<std::string>& segments) {
  const Claim837& claim = *p.claim;
  const hub::v1::Member& m = claim.member;
  segments.push_back(Join({"HL", absl::StrCat(hl), absl::StrCat(billing_hl), "22", "0"}));
  segments.push_back("SBR*P*18*******MC");
  segments.push_back(Join({"NM1", "IL", "1", m.name().last(), m.name().first(), m.name().middle(),
                           "", "", "MI", m.cin()}));
  const hub::v1::PostalAddress& address = claim.subscriber_address;
  segments.push_back(Join({"N3", address.line1(), address.line2()}));
  segments.push_back(Join({"N4", address.city(), address.state(), Digits(address.zip())}));
  segments.push_back(Join({"DMG", "D8", p.dob, SexCode(m.sex())}));
  segments.push_back(Join({"NM1", "PR", "2", payer.name, "", "", "", "", "PI", payer.id}));
}

// Appends the 2300 claim loop (CLM, the authorization, the diagnoses) and
// its 2400 service lines.
void ClaimLoop(const PreparedClaim& p, std::vector<std::string>& segments) {
  const Claim837& claim = *p.claim;
  const auto& first = claim.lines.front();
  const std::string pos = JoinComponents({first.place_of_service(), "B", "1"});
  segments.push_back(
      Join({"CLM", claim.claim_id, X12Amount(p.total_cents), "", "", pos, "Y", "A", "Y", "Y"}));
  if (!first.authorization_number().empty()) {
    segments.push_back(Join({"REF", "G1", first.authorization_number()}));
  }
  std::vector<std::string> hi = {"HI"};
  for (size_t d = 0; d < p.diagnoses.size(); ++d) {
    hi.push_back(JoinComponents({d == 0 ? "ABK" : "ABF", p.diagnoses[d]}));
  }
  segments.push_back(absl::StrJoin(hi, std::string(1, kElement)));
  for (size_t i = 0; i < claim.lines.size(); ++i) {
    const auto& line = claim.lines[i];
    std::vector<std::string> procedure = {"HC", line.hcpcs_code()};
    for (const auto& mod : line.modifiers()) procedure.push_back(mod);
    segments.push_back(Join({"LX", absl::StrCat(i + 1)}));
    const std::string line_pos =
        line.place_of_service() == first.place_of_service() ? "" : line.place_of_service();
    segments.push_back(Join({"SV1", JoinComponents(procedure), X12Amount(line.charge_cents()), "UN",
                             absl::StrCat(line.units()), line_pos, "", p.pointers[i]}));
    segments.push_back(Join({"DTP", "472", "D8", p.service_d8}));
    if (i < claim.line_ids.size() && !claim.line_ids[i].empty()) {
      segments.push_back(Join({"REF", "6R", claim.line_ids[i]}));
    }
  }
}

}  // namespace

std::vector<Claim837> GroupServicesIntoClaims(std::span<const BilledService> services) {
  std::vector<Claim837> claims;
  absl::flat_hash_map<std::string, size_t> index;  // group key -> claim
  for (const BilledService& s : services) {
    // '\x1f' cannot occur in the fields (they may not hold control bytes).
    const std::string key = absl::StrCat(s.service.cin(), "\x1f", s.service.service_date(), "\x1f",
                                         s.service.authorization_number());
    auto [it, inserted] = index.try_emplace(key, claims.size());
    if (inserted) {
      Claim837 claim;
      claim.claim_id = s.record_id;
      claim.member = s.member;
      claim.subscriber_address = s.member.address();
      claims.push_back(std::move(claim));
    }
    claims[it->second].lines.push_back(s.service);
    claims[it->second].line_ids.push_back(s.record_id);
  }
  return claims;
}

X12_837PWriter::X12_837PWriter(X12_837PEnvelope envelope) : envelope_(std::move(envelope)) {
  d8_ = D8(envelope_.date).value_or("20260101");
}

void X12_837PWriter::Segment(std::string_view text, std::string& out) {
  out.append(text);
  out.push_back(kTerminator);
  out.push_back('\n');
  if (in_transaction_) ++segments_in_transaction_;
}

void X12_837PWriter::StartInterchange(std::string& out) {
  started_ = true;
  const int64_t control = envelope_.control_number % 1000000000;
  Segment(absl::StrCat("ISA*00*", Pad("", 10), "*00*", Pad("", 10), "*ZZ*",
                       Pad(envelope_.sender_id, 15), "*ZZ*", Pad(envelope_.receiver_id, 15), "*",
                       d8_.substr(2), "*", envelope_.time, "*", std::string(1, kRepetition),
                       "*00501*", absl::StrFormat("%09d", control), "*0*",
                       envelope_.test ? "T" : "P", "*", std::string(1, kComponent)),
          out);
  Segment(absl::StrCat("GS*HC*", envelope_.sender_id, "*", envelope_.receiver_id, "*", d8_, "*",
                       envelope_.time, "*", control, "*X*005010X222A1"),
          out);
}

void X12_837PWriter::StartTransaction(std::string& out) {
  in_transaction_ = true;
  ++transactions_;
  claims_in_transaction_ = 0;
  segments_in_transaction_ = 0;
  hl_ = 0;
  billing_hl_ = 0;
  Segment(absl::StrFormat("ST*837*%04d*005010X222A1", transactions_), out);
  Segment(Join({"BHT", "0019", "00", absl::StrCat(envelope_.control_number, "-", transactions_),
                d8_, envelope_.time, "CH"}),
          out);
  Segment(
      Join({"NM1", "41", "2", envelope_.submitter_name, "", "", "", "", "46", envelope_.sender_id}),
      out);
  Segment(Join({"PER", "IC", envelope_.submitter_contact, "TE", envelope_.submitter_phone}), out);
  Segment(Join({"NM1", "40", "2", envelope_.receiver_name, "", "", "", "", "46",
                envelope_.receiver_id}),
          out);
}

void X12_837PWriter::EndTransaction(std::string& out) {
  Segment(absl::StrFormat("SE*%d*%04d", segments_in_transaction_ + 1, transactions_), out);
  in_transaction_ = false;
}

void X12_837PWriter::BillingProviderLoop(const BillingProvider837& provider, std::string& out) {
  billing_hl_ = ++hl_;
  Segment(Join({"HL", absl::StrCat(billing_hl_), "", "20", "1"}), out);
  if (!provider.taxonomy_code.empty()) {
    Segment(Join({"PRV", "BI", "PXC", provider.taxonomy_code}), out);
  }
  Segment(Join({"NM1", "85", "2", provider.name, "", "", "", "", "XX", provider.npi}), out);
  Segment(Join({"N3", provider.address.line1(), provider.address.line2()}), out);
  Segment(Join({"N4", provider.address.city(), provider.address.state(),
                Digits(provider.address.zip())}),
          out);
  Segment(Join({"REF", "EI", provider.tin}), out);
}

absl::Status X12_837PWriter::AddBillingProvider(const BillingProvider837& provider,
                                                const Payer837& payer,
                                                std::span<const Claim837> claims, std::string& out,
                                                std::vector<int>* transaction_sets) {
  if (finished_) return absl::FailedPreconditionError("the 837P file is already finished");
  if (absl::Status s = CheckEnvelope(envelope_); !s.ok()) return s;
  // Check everything before writing anything.
  RETURN_IF_ERROR(CheckBillingProviderAndPayer(provider, payer));
  ASSIGN_OR_RETURN(std::vector<PreparedClaim> prepared, PrepareClaims(claims));
  if (transaction_sets != nullptr) transaction_sets->clear();
  if (prepared.empty()) return absl::OkStatus();

  if (!started_) StartInterchange(out);
  bool provider_open = false;
  std::vector<std::string> segments;
  for (const PreparedClaim& p : prepared) {
    if (in_transaction_ &&
        claims_in_transaction_ >= std::max(1, envelope_.claims_per_transaction)) {
      EndTransaction(out);
      provider_open = false;
    }
    if (!in_transaction_) StartTransaction(out);
    if (!provider_open) {
      BillingProviderLoop(provider, out);
      provider_open = true;
    }
    ++claims_in_transaction_;
    ++claims_;
    if (transaction_sets != nullptr) transaction_sets->push_back(transactions_);
    segments.clear();
    SubscriberLoop(p, payer, ++hl_, billing_hl_, segments);
    ClaimLoop(p, segments);
    for (const std::string& segment : segments) Segment(segment, out);
  }
  return absl::OkStatus();
}

absl::Status X12_837PWriter::Finish(std::string& out) {
  if (finished_) return absl::FailedPreconditionError("the 837P file is already finished");
  if (absl::Status s = CheckEnvelope(envelope_); !s.ok()) return s;
  finished_ = true;
  if (!started_) StartInterchange(out);
  if (!in_transaction_ && transactions_ == 0) StartTransaction(out);
  if (in_transaction_) EndTransaction(out);
  const int64_t control = envelope_.control_number % 1000000000;
  Segment(absl::StrCat("GE*", transactions_, "*", control), out);
  Segment(absl::StrFormat("IEA*1*%09d", control), out);
  return absl::OkStatus();
}

}  // namespace hub::adapters
