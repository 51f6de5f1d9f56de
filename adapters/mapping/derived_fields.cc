#include "adapters/mapping/derived_fields.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapters/mapping/row_mapper.h"
#include "base/civil_date.h"
#include "hub/v1/plan_file.pb.h"

namespace hub::adapters {

using google::protobuf::Message;

std::string FormatDollars(int64_t cents) {
  const bool negative = cents < 0;
  // Magnitude without overflow for INT64_MIN.
  const uint64_t magnitude =
      negative ? 0 - static_cast<uint64_t>(cents) : static_cast<uint64_t>(cents);
  return absl::StrFormat("%s%d.%02d", negative ? "-" : "", magnitude / 100, magnitude % 100);
}

std::optional<int64_t> ParseDollars(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (!text.empty() && text.front() == '$') text.remove_prefix(1);
  int64_t whole = 0;
  int integer_digits = 0;
  size_t i = 0;
  for (; i < text.size() && text[i] != '.'; ++i) {
    const char c = text[i];
    if (c == ',') {
      if (integer_digits == 0) return std::nullopt;
      continue;
    }
    if (c < '0' || c > '9') return std::nullopt;
    if (++integer_digits > 15) return std::nullopt;
    whole = whole * 10 + (c - '0');
  }
  int64_t fraction = 0;
  int decimals = 0;
  if (i < text.size()) {  // text[i] == '.'
    for (++i; i < text.size(); ++i) {
      const char c = text[i];
      if (c < '0' || c > '9' || ++decimals > 2) return std::nullopt;
      fraction = fraction * 10 + (c - '0');
    }
  }
  if (integer_digits == 0 && decimals == 0) return std::nullopt;
  if (decimals == 1) fraction *= 10;
  return whole * 100 + fraction;
}

namespace {

using hub::v1::PopulationOfFocus;

// The column an age-neutral layout shows `pof` in: a Children and Youth
// population's adult counterpart; family homelessness in homelessness.
PopulationOfFocus AgeNeutral(PopulationOfFocus pof) {
  switch (pof) {
    case hub::v1::POPULATION_OF_FOCUS_ADULT_FAMILY_HOMELESSNESS:
    case hub::v1::POPULATION_OF_FOCUS_CHILD_INDIVIDUAL_HOMELESSNESS:
    case hub::v1::POPULATION_OF_FOCUS_CHILD_FAMILY_HOMELESSNESS:
      return hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS;
    case hub::v1::POPULATION_OF_FOCUS_CHILD_AVOIDABLE_UTILIZATION:
      return hub::v1::POPULATION_OF_FOCUS_ADULT_AVOIDABLE_UTILIZATION;
    case hub::v1::POPULATION_OF_FOCUS_CHILD_SMI_SUD_SED:
      return hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD;
    case hub::v1::POPULATION_OF_FOCUS_CHILD_TRANSITIONING_FROM_INCARCERATION:
      return hub::v1::POPULATION_OF_FOCUS_ADULT_TRANSITIONING_FROM_INCARCERATION;
    case hub::v1::POPULATION_OF_FOCUS_CHILD_BIRTH_EQUITY:
      return hub::v1::POPULATION_OF_FOCUS_ADULT_BIRTH_EQUITY;
    default:
      return pof;
  }
}

// The Children and Youth population an age-neutral column means for a member
// under 21. The adult-only populations (institutionalization, nursing
// facility transition) and the child-only ones are kept as read.
PopulationOfFocus ForChild(PopulationOfFocus pof) {
  switch (pof) {
    case hub::v1::POPULATION_OF_FOCUS_ADULT_INDIVIDUAL_HOMELESSNESS:
      return hub::v1::POPULATION_OF_FOCUS_CHILD_INDIVIDUAL_HOMELESSNESS;
    case hub::v1::POPULATION_OF_FOCUS_ADULT_FAMILY_HOMELESSNESS:
      return hub::v1::POPULATION_OF_FOCUS_CHILD_FAMILY_HOMELESSNESS;
    case hub::v1::POPULATION_OF_FOCUS_ADULT_AVOIDABLE_UTILIZATION:
      return hub::v1::POPULATION_OF_FOCUS_CHILD_AVOIDABLE_UTILIZATION;
    case hub::v1::POPULATION_OF_FOCUS_ADULT_SMI_SUD:
      return hub::v1::POPULATION_OF_FOCUS_CHILD_SMI_SUD_SED;
    case hub::v1::POPULATION_OF_FOCUS_ADULT_TRANSITIONING_FROM_INCARCERATION:
      return hub::v1::POPULATION_OF_FOCUS_CHILD_TRANSITIONING_FROM_INCARCERATION;
    case hub::v1::POPULATION_OF_FOCUS_ADULT_BIRTH_EQUITY:
      return hub::v1::POPULATION_OF_FOCUS_CHILD_BIRTH_EQUITY;
    default:
      return pof;
  }
}

// Replaces every population in `pofs` by map(population), keeping the first
// of any duplicates, in order. True if anything changed.
template <typename Map>
bool MapPopulations(google::protobuf::RepeatedField<int>& pofs, Map map) {
  bool changed = false;
  int kept = 0;
  for (int i = 0; i < pofs.size(); ++i) {
    const int mapped = map(static_cast<PopulationOfFocus>(pofs.Get(i)));
    changed = changed || mapped != pofs.Get(i);
    bool seen = false;
    for (int j = 0; j < kept && !seen; ++j) seen = pofs.Get(j) == mapped;
    if (seen) {
      changed = true;
      continue;
    }
    pofs.Set(kept++, mapped);
  }
  pofs.Truncate(kept);
  return changed;
}

bool NeedsAgeNeutral(const google::protobuf::RepeatedField<int>& pofs) {
  for (int pof : pofs) {
    if (AgeNeutral(static_cast<PopulationOfFocus>(pof)) != pof) return true;
  }
  return false;
}

template <typename Row>
Row& ScratchCopy(const Row& row, std::unique_ptr<Message>& scratch) {
  if (scratch == nullptr || scratch->GetDescriptor() != Row::descriptor()) {
    scratch.reset(row.New());
  }
  auto& copy = static_cast<Row&>(*scratch);
  copy.CopyFrom(row);
  return copy;
}

// Whole years from `birth` to `day` (ISO dates); nullopt if either is unset
// or not a date.
std::optional<int> AgeOn(std::string_view birth, std::string_view day) {
  absl::StatusOr<CivilDate> b = CivilDate::ParseIso(birth);
  absl::StatusOr<CivilDate> d = CivilDate::ParseIso(day);
  if (!b.ok() || !d.ok()) return std::nullopt;
  int age = d->year() - b->year();
  if (d->month() < b->month() || (d->month() == b->month() && d->day() < b->day())) --age;
  return age;
}

// Reading an age-neutral layout: the Children and Youth populations for a
// member under 21 on the benefit start (else coverage start).
void ResolveAgeNeutralPopulations(hub::v1::AssignmentFileRow& row) {
  auto& pofs = *row.mutable_assignment()->mutable_populations_of_focus();
  if (pofs.empty()) return;
  const std::string& start = row.assignment().benefit_start_date().empty()
                                 ? row.coverage().start_date()
                                 : row.assignment().benefit_start_date();
  const std::optional<int> age = AgeOn(row.member().date_of_birth(), start);
  if (age.has_value() && *age < 21) MapPopulations(pofs, ForChild);
}

}  // namespace

const Message& WithDerivedFields(const hub::v1::FileLayout& layout, const Message& row,
                                 std::unique_ptr<Message>& scratch) {
  const auto* descriptor = row.GetDescriptor();
  const bool age_neutral = layout.age_neutral_populations_of_focus();
  if (descriptor == hub::v1::InvoiceFileRow::descriptor()) {
    const auto& invoice = static_cast<const hub::v1::InvoiceFileRow&>(row);
    auto& copy = ScratchCopy(invoice, scratch);
    if (invoice.has_line()) {
      copy.set_charge(FormatDollars(invoice.line().charge_cents()));
    } else {
      copy.clear_charge();
    }
    return copy;
  }
  if (descriptor == hub::v1::ReturnTransmissionRow::descriptor()) {
    const auto& rtf = static_cast<const hub::v1::ReturnTransmissionRow&>(row);
    const bool neutralize = age_neutral && NeedsAgeNeutral(rtf.populations_of_focus());
    if (!neutralize && (rtf.pof_indicator() || rtf.populations_of_focus().empty())) return row;
    auto& copy = ScratchCopy(rtf, scratch);
    if (!copy.populations_of_focus().empty()) copy.set_pof_indicator(true);
    if (neutralize) MapPopulations(*copy.mutable_populations_of_focus(), AgeNeutral);
    return copy;
  }
  if (descriptor == hub::v1::AssignmentFileRow::descriptor() && age_neutral) {
    const auto& assignment = static_cast<const hub::v1::AssignmentFileRow&>(row);
    if (!NeedsAgeNeutral(assignment.assignment().populations_of_focus())) return row;
    auto& copy = ScratchCopy(assignment, scratch);
    MapPopulations(*copy.mutable_assignment()->mutable_populations_of_focus(), AgeNeutral);
    return copy;
  }
  return row;
}

bool ResolveDerivedFields(const hub::v1::FileLayout& layout, int64_t row_number, Message& row,
                          std::vector<RowError>& errors) {
  if (row.GetDescriptor() == hub::v1::AssignmentFileRow::descriptor()) {
    if (layout.age_neutral_populations_of_focus()) {
      ResolveAgeNeutralPopulations(static_cast<hub::v1::AssignmentFileRow&>(row));
    }
    return true;
  }
  if (row.GetDescriptor() != hub::v1::InvoiceFileRow::descriptor()) return true;
  auto& invoice = static_cast<hub::v1::InvoiceFileRow&>(row);
  if (invoice.charge().empty()) return true;
  std::optional<int64_t> cents = ParseDollars(invoice.charge());
  if (!cents.has_value()) {
    std::string column = "charge";
    for (const auto& m : layout.fields()) {
      if (m.target() == "charge") {
        column = m.source();
        break;
      }
    }
    RowError e;
    e.row_number = row_number;
    e.field = column;
    e.reason_code = std::string(kRowBadNumber);
    e.message = absl::StrCat(
        "column ", column, " must be an amount in dollars with at most two decimals, e.g. 125.00");
    errors.push_back(std::move(e));
    return false;
  }
  invoice.mutable_line()->set_charge_cents(*cents);
  return true;
}

}  // namespace hub::adapters
