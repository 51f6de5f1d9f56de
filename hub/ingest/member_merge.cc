#include "hub/ingest/member_merge.h"

#include "absl/strings/str_cat.h"

namespace hub {

bool SameMember(const hub::v1::Member& a, const hub::v1::Member& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

bool HasAddress(const hub::v1::PostalAddress& a) {
  return !a.line1().empty() || !a.line2().empty() || !a.city().empty() || !a.state().empty() ||
         !a.zip().empty();
}

hub::v1::Member MergeMember(const std::optional<hub::v1::Member>& stored,
                            const hub::v1::AssignmentFileRow& row, const std::string& plan_id,
                            const std::string& today) {
  hub::v1::Member m = stored.has_value() ? *stored : hub::v1::Member();
  const hub::v1::Member& in = row.member();
  m.set_cin(in.cin());
  if (!in.name().first().empty() || !in.name().last().empty()) *m.mutable_name() = in.name();
  if (!in.date_of_birth().empty()) m.set_date_of_birth(in.date_of_birth());
  if (in.sex() != hub::v1::SEX_UNSPECIFIED) m.set_sex(in.sex());
  if (HasAddress(in.address())) {
    if (HasAddress(m.address()) &&
        m.address().SerializeAsString() != in.address().SerializeAsString()) {
      m.set_address_changed_date(today);
    }
    *m.mutable_address() = in.address();
  }
  if (!in.phone().empty()) {
    if (!m.phone().empty() && m.phone() != in.phone()) m.set_phone_changed_date(today);
    m.set_phone(in.phone());
  }
  if (!in.preferred_spoken_language().empty()) {
    m.set_preferred_spoken_language(in.preferred_spoken_language());
  }
  if (!in.preferred_written_language().empty()) {
    m.set_preferred_written_language(in.preferred_written_language());
  }
  if (in.has_experiencing_homelessness()) {
    m.set_experiencing_homelessness(in.experiencing_homelessness());
  }
  if (!row.plan_member_id().empty() || !row.medical_record_number().empty()) {
    hub::v1::PlanMemberId* entry = nullptr;
    for (hub::v1::PlanMemberId& id : *m.mutable_plan_member_ids()) {
      if (id.plan_id() == plan_id) entry = &id;
    }
    if (entry == nullptr) {
      entry = m.add_plan_member_ids();
      entry->set_plan_id(plan_id);
    }
    if (!row.plan_member_id().empty()) entry->set_member_id(row.plan_member_id());
    if (!row.medical_record_number().empty()) {
      entry->set_medical_record_number(row.medical_record_number());
    }
  }
  return m;
}

std::string CoverageKey(const hub::v1::Coverage& c) {
  return absl::StrCat(c.cin(), std::string(1, '\0'), c.plan_id(), std::string(1, '\0'),
                      c.start_date());
}

std::string AssignmentKey(const hub::v1::Assignment& a) {
  const std::string sep(1, '\0');
  return absl::StrCat(a.cin(), sep, a.plan_id(), sep, a.provider_id(), sep, a.benefit_start_date());
}

std::string QualityKey(const hub::v1::QualityMeasureReport& r) {
  const std::string sep(1, '\0');
  return absl::StrCat(r.provider_id(), sep, r.plan_id(), sep, r.measure_id(), sep, r.period(), sep,
                      r.stratifier());
}

}  // namespace hub
