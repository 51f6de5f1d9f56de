#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "adapters/readers/edi834.h"
#include "adapters/readers/text_util.h"
#include "base/civil_date.h"
#include "base/status_macros.h"

namespace hub::adapters {

// ---------------------------------------------------------------------------
// Flattening to Records.

namespace {

enum Col : size_t {
  kTransactionSetControlNumber,
  kBgnPurpose,
  kBgnReference,
  kBgnDate,
  kBgnAction,
  kSponsorName,
  kSponsorId,
  kPayerName,
  kPayerId,
  kSubscriberIndicator,
  kRelationshipCode,
  kMaintenanceType,
  kMaintenanceReason,
  kBenefitStatus,
  kSubscriberId,
  kGroupPolicyNumber,
  kRef17,
  kRef23,
  kRef3H,
  kRef6O,
  kRefAbb,
  kRefDx,
  kRefF6,
  kRefQ4,
  kRefQq,
  kRefZz,
  kMaintenanceEffectiveDate,
  kEligibilityBeginDate,
  kEligibilityEndDate,
  kLastName,
  kFirstName,
  kMiddleName,
  kNamePrefix,
  kNameSuffix,
  kMemberIdQualifier,
  kMemberId,
  kPhone,
  kEmail,
  kAddressLine1,
  kAddressLine2,
  kCity,
  kState,
  kZip,
  kCountyCode,
  kBirthDate,
  kGender,
  kLanguage,
  kSpokenLanguage,
  kWrittenLanguage,
  kMailingAddressLine1,
  kMailingAddressLine2,
  kMailingCity,
  kMailingState,
  kMailingZip,
  kCoverageNumber,
  kHd01,
  kHd03,
  kHd04,
  kHd05,
  kCoverageBeginDate,
  kCoverageEndDate,
  kCoverageMaintenanceEffectiveDate,
  kCoverageProviderIdQualifier,
  kCoverageProviderId,
  kProviderNpi,
  kColumnCount,
};

// Member-level REF qualifiers exposed as ref_<qualifier> columns, in Col order.
constexpr std::string_view kRefColumns[] = {"17", "23", "3H", "6O", "ABB",
                                            "DX", "F6", "Q4", "QQ", "ZZ"};

constexpr std::string_view kCoverageNumbers[] = {"1", "2", "3", "4", "5", "6", "7", "8", "9"};

std::string_view FirstRef(const MemberLoop& loop, std::string_view qualifier) {
  for (const X12QualifiedValue& r : loop.refs) {
    if (r.first == qualifier) return r.second;
  }
  return {};
}

std::string_view Language(const MemberLoop& loop, std::string_view use_a, std::string_view use_b) {
  for (const Edi834Language& l : loop.languages) {
    if (use_a.empty() || l.use == use_a || l.use == use_b) {
      return l.code.empty() ? std::string_view(l.description) : std::string_view(l.code);
    }
  }
  return {};
}

}  // namespace

const std::vector<std::string>& Edi834ColumnNames() {
  static const auto* const kNames = new std::vector<std::string>{
      "transaction_set_control_number",
      "bgn_purpose",
      "bgn_reference",
      "bgn_date",
      "bgn_action",
      "sponsor_name",
      "sponsor_id",
      "payer_name",
      "payer_id",
      "subscriber_indicator",
      "relationship_code",
      "maintenance_type",
      "maintenance_reason",
      "benefit_status",
      "subscriber_id",
      "group_policy_number",
      "ref_17",
      "ref_23",
      "ref_3h",
      "ref_6o",
      "ref_abb",
      "ref_dx",
      "ref_f6",
      "ref_q4",
      "ref_qq",
      "ref_zz",
      "maintenance_effective",
      "eligibility_begin",
      "eligibility_end",
      "last_name",
      "first_name",
      "middle_name",
      "name_prefix",
      "name_suffix",
      "member_id_qualifier",
      "member_id",
      "phone",
      "email",
      "address_line1",
      "address_line2",
      "city",
      "state",
      "zip",
      "county_code",
      "birth_date",
      "gender",
      "language",
      "spoken_language",
      "written_language",
      "mailing_address_line1",
      "mailing_address_line2",
      "mailing_city",
      "mailing_state",
      "mailing_zip",
      "coverage_number",
      "hd01",
      "hd03",
      "hd04",
      "hd05",
      "benefit_begin",
      "benefit_end",
      "coverage_maintenance_effective",
      "coverage_provider_id_qualifier",
      "coverage_provider_id",
      "provider_npi",
  };
  return *kNames;
}

Edi834RecordSink::Edi834RecordSink(RecordSink* sink, std::vector<std::string> insurance_lines)
    : sink_(sink),
      insurance_lines_(std::move(insurance_lines)),
      columns_(Edi834ColumnNames()),
      views_(kColumnCount) {}

bool Edi834RecordSink::Selected(const Edi834Coverage& c) const {
  if (insurance_lines_.empty()) return true;
  for (const std::string& line : insurance_lines_) {
    if (line == c.insurance_line) return true;
  }
  return false;
}

absl::Status Edi834RecordSink::OnRowError(const RowError& error) {
  if (!announced_) {
    announced_ = true;
    RETURN_IF_ERROR(sink_->OnColumns(columns_));
  }
  return sink_->OnRowError(error);
}

absl::Status Edi834RecordSink::OnRejectedLoop(const MemberLoop& loop, const RowError& error) {
  if (!announced_) {
    announced_ = true;
    RETURN_IF_ERROR(sink_->OnColumns(columns_));
  }
  MemberViews(loop);
  for (size_t c = kCoverageNumber; c < kColumnCount; ++c) views_[c] = {};
  Record record(loop.loop_number, loop.line_number, views_.data(), views_.size(), &columns_);
  return sink_->OnRejectedRecord(record, error);
}

void Edi834RecordSink::MemberViews(const MemberLoop& m) {
  std::vector<std::string_view>& v = views_;
  v[kTransactionSetControlNumber] = m.transaction_set_control_number;
  v[kBgnPurpose] = m.purpose_code;
  v[kBgnReference] = m.reference;
  v[kBgnDate] = m.file_date;
  v[kBgnAction] = m.action_code;
  v[kSponsorName] = m.sponsor_name;
  v[kSponsorId] = m.sponsor_id;
  v[kPayerName] = m.payer_name;
  v[kPayerId] = m.payer_id;
  v[kSubscriberIndicator] = m.subscriber_indicator;
  v[kRelationshipCode] = m.relationship_code;
  v[kMaintenanceType] = m.maintenance_type;
  v[kMaintenanceReason] = m.maintenance_reason;
  v[kBenefitStatus] = m.benefit_status;
  v[kSubscriberId] = m.subscriber_id;
  v[kGroupPolicyNumber] = m.group_policy_number;
  for (size_t i = 0; i < std::size(kRefColumns); ++i) v[kRef17 + i] = FirstRef(m, kRefColumns[i]);
  v[kMaintenanceEffectiveDate] = m.maintenance_effective_date;
  v[kEligibilityBeginDate] = m.eligibility_begin_date;
  v[kEligibilityEndDate] = m.eligibility_end_date;
  v[kLastName] = m.last_name;
  v[kFirstName] = m.first_name;
  v[kMiddleName] = m.middle_name;
  v[kNamePrefix] = m.name_prefix;
  v[kNameSuffix] = m.name_suffix;
  v[kMemberIdQualifier] = m.id_qualifier;
  v[kMemberId] = m.member_id;
  v[kPhone] = m.phone;
  v[kEmail] = m.email;
  v[kAddressLine1] = m.address_line1;
  v[kAddressLine2] = m.address_line2;
  v[kCity] = m.city;
  v[kState] = m.state;
  v[kZip] = m.zip;
  v[kCountyCode] = m.county_code;
  v[kBirthDate] = m.birth_date;
  v[kGender] = m.gender;
  v[kLanguage] = Language(m, "", "");
  v[kSpokenLanguage] = Language(m, "7", "8");
  v[kWrittenLanguage] = Language(m, "6", "5");
  v[kMailingAddressLine1] = m.mailing_address_line1;
  v[kMailingAddressLine2] = m.mailing_address_line2;
  v[kMailingCity] = m.mailing_city;
  v[kMailingState] = m.mailing_state;
  v[kMailingZip] = m.mailing_zip;
}

absl::Status Edi834RecordSink::OnMemberLoop(const MemberLoop& m) {
  if (!announced_) {
    announced_ = true;
    RETURN_IF_ERROR(sink_->OnColumns(columns_));
  }
  MemberViews(m);
  std::vector<std::string_view>& v = views_;
  // The selected coverages, numbered by their place in the loop.
  selected_.clear();
  std::vector<size_t> numbers;
  for (size_t k = 0; k < m.coverages.size(); ++k) {
    if (Selected(m.coverages[k])) {
      selected_.push_back(&m.coverages[k]);
      numbers.push_back(k);
    }
  }
  const size_t records = selected_.empty() ? 1 : selected_.size();
  std::string number;
  for (size_t r = 0; r < records; ++r) {
    if (selected_.empty()) {
      for (size_t c = kCoverageNumber; c < kColumnCount; ++c) v[c] = {};
    } else {
      const Edi834Coverage& c = *selected_[r];
      const size_t k = numbers[r];
      if (k < std::size(kCoverageNumbers)) {
        v[kCoverageNumber] = kCoverageNumbers[k];
      } else {
        number = absl::StrCat(k + 1);
        v[kCoverageNumber] = number;
      }
      v[kHd01] = c.maintenance_type;
      v[kHd03] = c.insurance_line;
      v[kHd04] = c.plan_coverage_description;
      v[kHd05] = c.coverage_level;
      v[kCoverageBeginDate] = c.begin_date;
      v[kCoverageEndDate] = c.end_date;
      v[kCoverageMaintenanceEffectiveDate] = c.maintenance_effective_date;
      v[kCoverageProviderIdQualifier] = c.provider_id_qualifier;
      v[kCoverageProviderId] = c.provider_id;
      v[kProviderNpi] =
          c.provider_id_qualifier == "XX" ? std::string_view(c.provider_id) : std::string_view();
    }
    Record record(m.loop_number, m.line_number, v.data(), v.size(), &columns_);
    RETURN_IF_ERROR(sink_->OnRecord(record));
  }
  return absl::OkStatus();
}

namespace {

class Edi834RecordReader : public StreamReader {
 public:
  Edi834RecordReader(Edi834Options options, RecordSink* sink)
      : adapter_(sink, options.insurance_lines), reader_(std::move(options), &adapter_) {}
  absl::Status Feed(std::string_view chunk) override { return reader_.Feed(chunk); }
  absl::Status Finish() override { return reader_.Finish(); }
  const ReaderStats& stats() const override { return reader_.stats(); }

 private:
  Edi834RecordSink adapter_;
  Edi834Reader reader_;
};

}  // namespace

std::unique_ptr<StreamReader> Make834RecordReader(Edi834Options options, RecordSink* sink) {
  return std::make_unique<Edi834RecordReader>(std::move(options), sink);
}

}  // namespace hub::adapters
