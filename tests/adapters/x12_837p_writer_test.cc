// X12_837PWriter: the 837P (005010X222A1) it writes is read back by the
// hub's own X12Reader configured for 837/HC/005010X222A1 (which checks the
// envelope: ISA13 = IEA02, GS06 = GE02, ST02 = SE02, SE01 = segment count,
// GE01 = transaction sets), and its structure is asserted: HL parent links,
// claims per (member, day, authorization), CLM02 = sum of the SV1 charges,
// HI / SV1 diagnosis pointers, control numbers from the caller.

#include "adapters/writers/x12_837p_writer.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/readers/x12_reader.h"
#include "gtest/gtest.h"

namespace hub::adapters {
namespace {

// One parsed transaction set.
struct ParsedSet {
  X12TransactionSet envelope;
  std::vector<std::vector<std::string>> segments;  // elements, [0] = id
};

class Collector : public X12Handler {
 public:
  absl::Status OnTransactionSetStart(const X12TransactionSet& set) override {
    sets.push_back(ParsedSet{set, {}});
    return absl::OkStatus();
  }
  absl::Status OnSegment(const X12Segment& segment) override {
    std::vector<std::string> elements;
    for (size_t i = 0; i <= segment.size(); ++i) elements.emplace_back(segment.element(i));
    sets.back().segments.push_back(std::move(elements));
    return absl::OkStatus();
  }
  absl::Status OnTransactionSetEnd(const X12TransactionSet& set) override {
    return absl::OkStatus();
  }
  std::vector<ParsedSet> sets;
};

X12ReaderOptions Options837() {
  X12ReaderOptions o;
  o.transaction_set = "837";
  o.functional_group = "HC";
  o.implementation_guide = "005010X222A1";
  return o;
}

absl::Status Read(const std::string& bytes, Collector& collector) {
  X12Reader reader(Options837(), &collector);
  // Small chunks: results must not depend on chunk boundaries.
  for (size_t at = 0; at < bytes.size(); at += 11) {
    if (absl::Status s = reader.Feed(std::string_view(bytes).substr(at, 11)); !s.ok()) return s;
  }
  return reader.Finish();
}

// X12 decimal dollars -> cents.
int64_t Cents(const std::string& amount) {
  double d = 0;
  EXPECT_TRUE(absl::SimpleAtod(amount, &d)) << amount;
  return static_cast<int64_t>(d * 100 + 0.5);
}

hub::v1::Member Member(const std::string& cin, const std::string& last) {
  hub::v1::Member m;
  m.set_cin(cin);
  m.mutable_name()->set_first("Pat");
  m.mutable_name()->set_last(last);
  m.set_date_of_birth("1975-05-05");
  m.set_sex(hub::v1::SEX_MALE);
  m.mutable_address()->set_line1("12 Elm St");
  m.mutable_address()->set_city("San Diego");
  m.mutable_address()->set_state("CA");
  m.mutable_address()->set_zip("92103");
  return m;
}

hub::v1::ServiceRecord Line(const std::string& cin, const std::string& date, int64_t cents,
                            const std::string& auth, std::vector<std::string> dx,
                            const std::string& code = "G9008") {
  hub::v1::ServiceRecord s;
  s.set_cin(cin);
  s.set_service_date(date);
  s.set_hcpcs_code(code);
  s.add_modifiers("U1");
  s.add_modifiers("U2");
  s.set_units(1);
  s.set_charge_cents(cents);
  s.set_place_of_service("12");
  s.set_authorization_number(auth);
  for (auto& d : dx) s.add_diagnosis_codes(d);
  return s;
}

BillingProvider837 Provider(const std::string& npi = "1234567893") {
  BillingProvider837 p;
  p.name = "Harbor Community Services";
  p.npi = npi;
  p.tin = "953456789";
  p.address.set_line1("500 Harbor Dr");
  p.address.set_city("San Diego");
  p.address.set_state("CA");
  p.address.set_zip("92101-1234");
  return p;
}

const Payer837 kPayer{"MOLINA HEALTHCARE OF CALIFORNIA", "MOLINACA"};

X12_837PEnvelope Envelope(int64_t control = 777) {
  X12_837PEnvelope e;
  e.sender_id = "SDCOUNTYHUB";
  e.receiver_id = "MOLINACA";
  e.date = "2026-12-03";
  e.time = "1405";
  e.control_number = control;
  return e;
}

std::vector<BilledService> SampleServices() {
  const auto a = Member("11111111A", "Alpha");
  const auto b = Member("22222222B", "Bravo");
  return {
      {"rec_a1", a, Line("11111111A", "2026-11-02", 12500, "", {"Z59.00", "F20.9"})},
      {"rec_b1", b, Line("22222222B", "2026-11-02", 30050, "AUTH-1", {"Z59.01"}, "H0043")},
      {"rec_a2", a, Line("11111111A", "2026-11-02", 4999, "", {"F20.9", "I10"})},
      {"rec_a3", a, Line("11111111A", "2026-11-03", 12500, "", {"Z59.00"})},
      {"rec_b2", b, Line("22222222B", "2026-11-02", 100, "AUTH-2", {"Z59.01"}, "H0043")},
  };
}

TEST(X12_837PWriterTest, GroupsLinesByMemberDayAndAuthorization) {
  const auto claims = GroupServicesIntoClaims(SampleServices());
  ASSERT_EQ(claims.size(), 4u);
  EXPECT_EQ(claims[0].claim_id, "rec_a1");
  ASSERT_EQ(claims[0].lines.size(), 2u);  // a1 + a2: same member, day, no auth
  EXPECT_EQ(claims[0].lines[1].charge_cents(), 4999);
  EXPECT_EQ(claims[1].claim_id, "rec_b1");
  EXPECT_EQ(claims[2].claim_id, "rec_a3");  // another day
  EXPECT_EQ(claims[3].claim_id, "rec_b2");  // another authorization
  EXPECT_EQ(claims[3].member.name().last(), "Bravo");
}

TEST(X12_837PWriterTest, ReadsBackWithCorrectEnvelopeAndStructure) {
  X12_837PWriter writer(Envelope(777));
  std::string bytes;
  const auto claims = GroupServicesIntoClaims(SampleServices());
  ASSERT_TRUE(writer.AddBillingProvider(Provider(), kPayer, claims, bytes).ok());
  BillingProvider837 second = Provider("1508273640");
  second.name = "Meals on Wheels SD";
  const auto one = GroupServicesIntoClaims(std::vector<BilledService>{SampleServices()[3]});
  ASSERT_TRUE(writer.AddBillingProvider(second, kPayer, one, bytes).ok());
  ASSERT_TRUE(writer.Finish(bytes).ok());
  EXPECT_EQ(writer.claims(), 5);

  Collector c;
  absl::Status read = Read(bytes, c);
  ASSERT_TRUE(read.ok()) << read << "\n" << bytes;
  ASSERT_EQ(c.sets.size(), 1u);
  const ParsedSet& set = c.sets[0];
  EXPECT_EQ(set.envelope.interchange_control_number, "000000777");
  EXPECT_EQ(set.envelope.group_control_number, "777");
  EXPECT_EQ(set.envelope.control_number, "0001");
  EXPECT_EQ(set.envelope.implementation_guide, "005010X222A1");
  EXPECT_EQ(set.envelope.group_version, "005010X222A1");
  EXPECT_EQ(set.envelope.sender_id, "SDCOUNTYHUB");
  EXPECT_EQ(set.envelope.receiver_id, "MOLINACA");
  EXPECT_TRUE(absl::StrContains(bytes, "*261203*1405*^*00501*000000777*0*P*:~"));
  EXPECT_TRUE(absl::StrContains(bytes, "IEA*1*000000777~"));
  EXPECT_TRUE(absl::StrContains(bytes, "GE*1*777~"));

  // SE01 counts ST..SE: the handler saw the segments strictly between.
  const std::string se = absl::StrCat("SE*", set.segments.size() + 2, "*0001~");
  EXPECT_TRUE(absl::StrContains(bytes, se)) << se;
  EXPECT_EQ(set.segments[0][0], "BHT");
  EXPECT_EQ(set.segments[0][3], "777-1");
  EXPECT_EQ(set.segments[0][4], "20261203");

  // HL: ids 1..n in order; 22 levels point at the latest 20 level.
  int expected_id = 0;
  std::string billing_id;
  int billing = 0, subscribers = 0;
  // Per claim: CLM02 and the SV1 charges after it.
  std::vector<std::pair<int64_t, int64_t>> totals;  // (CLM02, sum SV102)
  std::vector<std::string> npis;
  for (const auto& s : set.segments) {
    if (s[0] == "HL") {
      EXPECT_EQ(s[1], absl::StrCat(++expected_id));
      if (s[3] == "20") {
        ++billing;
        EXPECT_EQ(s[2], "");
        EXPECT_EQ(s[4], "1");
        billing_id = s[1];
      } else {
        ++subscribers;
        EXPECT_EQ(s[3], "22");
        EXPECT_EQ(s[2], billing_id);
        EXPECT_EQ(s[4], "0");
      }
    } else if (s[0] == "NM1" && s[1] == "85") {
      EXPECT_EQ(s[8], "XX");
      npis.push_back(s[9]);
    } else if (s[0] == "SBR") {
      EXPECT_EQ(s[1], "P");
      EXPECT_EQ(s[2], "18");
      EXPECT_EQ(s[9], "MC");
    } else if (s[0] == "NM1" && s[1] == "IL") {
      EXPECT_EQ(s[8], "MI");
      EXPECT_EQ(s[9].size(), 9u);
    } else if (s[0] == "CLM") {
      totals.emplace_back(Cents(s[2]), 0);
      EXPECT_EQ(s[5], "12:B:1");
    } else if (s[0] == "SV1") {
      ASSERT_FALSE(totals.empty());
      totals.back().second += Cents(s[2]);
      EXPECT_EQ(s[3], "UN");
      EXPECT_TRUE(absl::StartsWith(s[1], "HC:")) << s[1];
    } else if (s[0] == "DTP") {
      EXPECT_EQ(s[1], "472");
      EXPECT_EQ(s[2], "D8");
    }
  }
  EXPECT_EQ(billing, 2);
  EXPECT_EQ(subscribers, 5);
  EXPECT_EQ(npis, (std::vector<std::string>{"1234567893", "1508273640"}));
  ASSERT_EQ(totals.size(), 5u);
  for (const auto& [clm, lines] : totals) EXPECT_EQ(clm, lines);
  EXPECT_EQ(totals[0].first, 12500 + 4999);

  // The first claim: two lines, HI lists each code once (principal first),
  // SV1 pointers reference them, modifiers in SV101.
  EXPECT_TRUE(absl::StrContains(bytes, "CLM*rec_a1*174.99***12:B:1*Y*A*Y*Y~"));
  EXPECT_TRUE(absl::StrContains(bytes, "HI*ABK:Z5900*ABF:F209*ABF:I10~"));
  EXPECT_TRUE(absl::StrContains(bytes, "SV1*HC:G9008:U1:U2*125*UN*1***1:2~"));
  EXPECT_TRUE(absl::StrContains(bytes, "SV1*HC:G9008:U1:U2*49.99*UN*1***2:3~"));
  // Community Supports: the authorization as prior authorization.
  EXPECT_TRUE(absl::StrContains(bytes, "CLM*rec_b1*300.5***12:B:1*Y*A*Y*Y~\nREF*G1*AUTH-1~"));
  EXPECT_TRUE(absl::StrContains(bytes, "REF*EI*953456789~"));
  EXPECT_TRUE(absl::StrContains(bytes, "N4*San Diego*CA*921011234~"));
  EXPECT_TRUE(absl::StrContains(bytes, "DMG*D8*19750505*M~"));
  EXPECT_TRUE(
      absl::StrContains(bytes, "NM1*PR*2*MOLINA HEALTHCARE OF CALIFORNIA*****PI*MOLINACA~"));
}

TEST(X12_837PWriterTest, SplitsTransactionSetsAndRepeatsTheBillingProvider) {
  X12_837PEnvelope e = Envelope(5);
  e.claims_per_transaction = 2;
  X12_837PWriter writer(e);
  std::string bytes;
  const auto claims = GroupServicesIntoClaims(SampleServices());  // 4 claims
  ASSERT_TRUE(writer.AddBillingProvider(Provider(), kPayer, claims, bytes).ok());
  ASSERT_TRUE(writer.Finish(bytes).ok());
  EXPECT_EQ(writer.transactions(), 2);
  Collector c;
  absl::Status read = Read(bytes, c);
  ASSERT_TRUE(read.ok()) << read;
  ASSERT_EQ(c.sets.size(), 2u);
  EXPECT_EQ(c.sets[1].envelope.control_number, "0002");
  EXPECT_TRUE(absl::StrContains(bytes, "GE*2*5~"));
  for (const auto& set : c.sets) {
    int clm = 0, billing = 0, first_hl = 0;
    for (const auto& s : set.segments) {
      clm += s[0] == "CLM";
      if (s[0] == "HL" && s[3] == "20") ++billing;
      if (s[0] == "HL" && first_hl == 0) first_hl = std::stoi(s[1]);
    }
    EXPECT_EQ(clm, 2);
    EXPECT_EQ(billing, 1);
    EXPECT_EQ(first_hl, 1);  // HL numbering restarts in each set
    EXPECT_TRUE(absl::StrContains(bytes, absl::StrCat("SE*", set.segments.size() + 2, "*",
                                                      set.envelope.control_number, "~")));
  }
}

TEST(X12_837PWriterTest, EmptyFileHasACompleteEnvelope) {
  X12_837PWriter writer(Envelope(9));
  std::string bytes;
  ASSERT_TRUE(writer.AddBillingProvider(Provider(), kPayer, {}, bytes).ok());
  EXPECT_TRUE(bytes.empty());
  ASSERT_TRUE(writer.Finish(bytes).ok());
  Collector c;
  ASSERT_TRUE(Read(bytes, c).ok()) << bytes;
  ASSERT_EQ(c.sets.size(), 1u);
  EXPECT_EQ(c.sets[0].segments.size(), 4u);  // BHT, NM1*41, PER, NM1*40
  EXPECT_EQ(writer.Finish(bytes).code(), absl::StatusCode::kFailedPrecondition);
}

TEST(X12_837PWriterTest, RejectsBadInputWithoutWritingOrEchoingIt) {
  const auto good = GroupServicesIntoClaims(SampleServices());
  struct Case {
    std::string name;
    std::function<void(BillingProvider837&, std::vector<Claim837>&)> spoil;
  };
  const std::vector<Case> cases = {
      {"bad npi", [](BillingProvider837& p, auto&) { p.npi = "1234567890"; }},
      {"bad tin", [](BillingProvider837& p, auto&) { p.tin = "12-345"; }},
      {"separator in name", [](BillingProvider837& p, auto&) { p.name = "A*B"; }},
      {"separator in member",
       [](auto&, std::vector<Claim837>& c) { c[0].member.mutable_name()->set_last("Ri~vera"); }},
      {"bad cin", [](auto&, std::vector<Claim837>& c) { c[0].member.set_cin("12345"); }},
      {"no lines", [](auto&, std::vector<Claim837>& c) { c[0].lines.clear(); }},
      {"mixed days",
       [](auto&, std::vector<Claim837>& c) { c[0].lines[1].set_service_date("2026-11-09"); }},
      {"no diagnosis",
       [](auto&, std::vector<Claim837>& c) {
         for (auto& l : c[0].lines) l.clear_diagnosis_codes();
       }},
      {"13 diagnoses",
       [](auto&, std::vector<Claim837>& c) {
         for (int i = 0; i < 13; ++i)
           c[0].lines[0].add_diagnosis_codes(absl::StrCat("Z59.", 10 + i));
       }},
      {"bad hcpcs", [](auto&, std::vector<Claim837>& c) { c[0].lines[0].set_hcpcs_code("G90"); }},
      {"zero units", [](auto&, std::vector<Claim837>& c) { c[0].lines[0].set_units(0); }},
      {"bad pos", [](auto&, std::vector<Claim837>& c) { c[0].lines[0].set_place_of_service("1"); }},
      {"long claim id",
       [](auto&, std::vector<Claim837>& c) { c[0].claim_id = std::string(39, 'x'); }},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    BillingProvider837 provider = Provider();
    std::vector<Claim837> claims = good;
    tc.spoil(provider, claims);
    X12_837PWriter writer(Envelope());
    std::string bytes = "before";
    absl::Status s = writer.AddBillingProvider(provider, kPayer, claims, bytes);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(bytes, "before");
    EXPECT_FALSE(absl::StrContains(s.message(), "11111111A"));
    EXPECT_FALSE(absl::StrContains(s.message(), "Alpha"));
  }
  X12_837PEnvelope bad = Envelope();
  bad.receiver_id = "PLAN~X";
  X12_837PWriter writer(bad);
  std::string bytes;
  EXPECT_EQ(writer.AddBillingProvider(Provider(), kPayer, good, bytes).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
// 2010BA: the subscriber is the patient, so N3/N4 and DMG are required
// (005010X222A1); each line's id goes out as REF*6R (line item control
// number), which the plan's 835 returns.
TEST(X12_837PWriterTest, SubscriberAddressAndBirthDateAreRequiredAndLinesCarryTheirIds) {
  std::vector<Claim837> claims = GroupServicesIntoClaims(SampleServices());
  ASSERT_FALSE(claims.empty());
  EXPECT_EQ(claims[0].line_ids, (std::vector<std::string>{"rec_a1", "rec_a2"}));
  EXPECT_EQ(claims[0].subscriber_address.line1(), "12 Elm St");
  {
    X12_837PWriter writer(Envelope());
    std::string out;
    ASSERT_TRUE(writer.AddBillingProvider(Provider(), kPayer, claims, out).ok());
    EXPECT_TRUE(
        absl::StrContains(out, "N3*12 Elm St~\nN4*San Diego*CA*92103~\nDMG*D8*19750505*M~"));
    EXPECT_TRUE(absl::StrContains(out, "DTP*472*D8*20261102~\nREF*6R*rec_a1~"));
    EXPECT_TRUE(absl::StrContains(out, "REF*6R*rec_b2~"));
  }
  std::vector<Claim837> homeless = claims;
  homeless[0].subscriber_address.Clear();
  {
    X12_837PWriter writer(Envelope());
    std::string out;
    absl::Status s = writer.AddBillingProvider(Provider(), kPayer, homeless, out);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(s.message(), "subscriber's address")) << s;
    EXPECT_TRUE(out.empty());
  }
  std::vector<Claim837> no_birth = claims;
  no_birth[1].member.clear_date_of_birth();
  {
    X12_837PWriter writer(Envelope());
    std::string out;
    absl::Status s = writer.AddBillingProvider(Provider(), kPayer, no_birth, out);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(s.message(), "claim #2")) << s;
    EXPECT_TRUE(absl::StrContains(s.message(), "date of birth")) << s;
  }
}

}  // namespace hub::adapters
