// The Ingestor's row handlers: validation of each canonical row against the
// directory, then the writes of a good row (member, coverage, assignment,
// authorization, quality report), with capacity judged as they arrive (see
// ingest.h, CAPACITY).
#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/identifiers.h"
#include "hub/common/measure_period.h"
#include "hub/ingest/ingestor.h"
#include "hub/ingest/member_merge.h"

namespace hub {
namespace {

using hub::v1::AssignmentFileRow;
using hub::v1::AuthorizationFileRow;
using hub::v1::QualityFileRow;

// The provider cache is cleared when it grows past this (a county has a few
// hundred providers).
constexpr size_t kProviderCacheLimit = 4096;

bool HasKind(const google::protobuf::RepeatedField<int>& kinds, int kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

// True if `provider` has a contract with `plan_id` covering `kind`
// (UNSPECIFIED: any contract). A contract listing no kinds covers all of the
// provider's kinds, as in DirectoryService.ListProviders.
bool Contracted(const hub::v1::Provider& provider, std::string_view plan_id,
                hub::v1::ProviderKind kind) {
  for (const hub::v1::PlanContract& c : provider.contracts()) {
    if (c.plan_id() != plan_id) continue;
    if (kind == hub::v1::PROVIDER_KIND_UNSPECIFIED) return true;
    if (c.kinds().empty() ? HasKind(provider.kinds(), kind) : HasKind(c.kinds(), kind)) return true;
  }
  return false;
}

// The capacity `provider` agreed with `plan_id` for `kind` in its contract
// in effect on `iso_day` (the first such contract covering the kind); 0 = no
// limit.
int AgreedCapacity(const hub::v1::Provider& provider, std::string_view plan_id,
                   hub::v1::ProviderKind kind, std::string_view iso_day) {
  for (const hub::v1::PlanContract& c : provider.contracts()) {
    if (c.plan_id() != plan_id) continue;
    if (!c.start_date().empty() && iso_day < c.start_date()) continue;
    if (!c.end_date().empty() && iso_day > c.end_date()) continue;
    if (!(c.kinds().empty() ? HasKind(provider.kinds(), kind) : HasKind(c.kinds(), kind))) {
      continue;
    }
    return kind == hub::v1::PROVIDER_KIND_ECM ? c.ecm_capacity() : c.cs_capacity();
  }
  return 0;
}

}  // namespace

// ------------------------------------------------------------- validation

// The provider with `npi` (null if none), cached for the upload.
absl::StatusOr<const hub::v1::Provider*> Ingestor::FindProvider(const std::string& npi) {
  if (auto it = providers_.find(npi); it != providers_.end()) return it->second.get();
  if (providers_.size() >= kProviderCacheLimit) providers_.clear();
  absl::StatusOr<hub::v1::Provider> found = ctx_.directory->GetProviderByNpi(npi);
  std::unique_ptr<hub::v1::Provider> provider;
  if (found.ok()) {
    provider = std::make_unique<hub::v1::Provider>(*std::move(found));
  } else if (!absl::IsNotFound(found.status())) {
    return found.status();
  }
  const hub::v1::Provider* result = provider.get();
  providers_.emplace(npi, std::move(provider));
  return result;
}

// Checks the row's provider: a valid NPI, in the directory, contracted with
// the plan for `kind`. Returns the provider, or null after adding the row's
// error.
absl::StatusOr<const hub::v1::Provider*> Ingestor::CheckProvider(const std::string& npi,
                                                                 hub::v1::ProviderKind kind) {
  if (npi.empty()) {
    Reject("provider_npi", kRowRequiredMissing,
           "The provider NPI is missing; every row of this file names its provider by NPI.");
    return nullptr;
  }
  if (!ValidateNpi(npi).ok()) {
    Reject("provider_npi", kRowBadNpi,
           "The provider NPI is not 10 digits with a valid check digit; correct it.");
    return nullptr;
  }
  ASSIGN_OR_RETURN(const hub::v1::Provider* provider, FindProvider(npi));
  if (provider == nullptr) {
    Reject("provider_npi", kRowUnknownProvider,
           "No provider in the county directory has this NPI; correct the NPI, or ask the "
           "county to add the provider to the directory.");
    return nullptr;
  }
  if (!Contracted(*provider, ctx_.plan_id, kind)) {
    const char* service = kind == hub::v1::PROVIDER_KIND_ECM  ? "an ECM contract"
                          : kind == hub::v1::PROVIDER_KIND_CS ? "a Community Supports contract"
                                                              : "a contract";
    Reject("provider_npi", kRowProviderNotContracted,
           absl::StrCat("The provider has no ", service,
                        " with this plan in the county directory; correct the NPI, or ask the "
                        "county to record the contract."));
    return nullptr;
  }
  return provider;
}

void Ingestor::CheckPeriod(const std::string& start, const std::string& end,
                           const char* end_field) {
  if (!start.empty() && !end.empty() && end < start) {
    Reject(end_field, kRowBadPeriod, "The end date is before the start date; correct the period.");
  }
}

// The end date a TERMINATE row sets: its own, else the day before the
// upload; never before `start`.
std::string Ingestor::TerminationDate(const std::string& row_end, const std::string& start) const {
  std::string end = row_end.empty() ? ctx_.cutoff : row_end;
  return end < start ? start : end;
}

// ---------------------------------------------------------------- capacity

// The slots `provider_id` holds with this plan in `group` on ctx_.today,
// counting this ingest's writes. Loaded from the store the first time a key
// is used, which is always before this ingest writes anything that moves it
// (every such write goes through TrackSlots first), and only this ingest
// writes this plan's records: the loaded value plus the running changes is
// exact without ever waiting for a commit.
absl::StatusOr<int64_t*> Ingestor::Slots(const std::string& provider_id, const std::string& group) {
  slot_key_.assign(provider_id);
  slot_key_.push_back('\0');
  slot_key_.append(group);
  if (auto it = slots_.find(slot_key_); it != slots_.end()) return &it->second;
  ASSIGN_OR_RETURN(const int64_t held,
                   s_.care.SlotsHeldOn(provider_id, ctx_.plan_id, group, ctx_.today));
  return &slots_.emplace(slot_key_, held).first->second;
}

// Accounts for a put of `after` replacing `before` (null: none) in the
// running slot counts. Call before adding the put to the batch.
template <typename Record>
absl::Status Ingestor::TrackSlots(const Record* before, const Record& after) {
  if (before != nullptr && storage::CareStore::HoldsSlotOn(*before, ctx_.today)) {
    ASSIGN_OR_RETURN(int64_t * held,
                     Slots(before->provider_id(), storage::CareStore::CapacityGroup(*before)));
    --*held;
  }
  ASSIGN_OR_RETURN(int64_t * held,
                   Slots(after.provider_id(), storage::CareStore::CapacityGroup(after)));
  if (storage::CareStore::HoldsSlotOn(after, ctx_.today)) ++*held;
  return absl::OkStatus();
}

// For a record that starts holding a slot with this put (new, reopened, or
// moved to this provider): sets its over_capacity flag from the provider's
// agreed capacity, and on excess adds the ROW_OVER_CAPACITY warning. Returns
// true if it is over capacity. Other puts keep the flag they had.
template <typename Record>
absl::StatusOr<bool> Ingestor::CheckCapacity(const hub::v1::Provider& provider,
                                             const Record* stored, Record& record,
                                             hub::v1::ProviderKind kind) {
  const bool arrives =
      storage::CareStore::HoldsSlotOn(record, ctx_.today) &&
      !(stored != nullptr && stored->provider_id() == record.provider_id() &&
        storage::CareStore::CapacityGroup(*stored) == storage::CareStore::CapacityGroup(record) &&
        storage::CareStore::HoldsSlotOn(*stored, ctx_.today));
  if (!arrives) return false;
  const int capacity = AgreedCapacity(provider, ctx_.plan_id, kind, ctx_.today);
  ASSIGN_OR_RETURN(int64_t * held,
                   Slots(record.provider_id(), storage::CareStore::CapacityGroup(record)));
  const bool over = capacity > 0 && *held >= capacity;
  record.set_over_capacity(over);
  if (over) {
    AddWarning("provider_npi", kRowOverCapacity,
               absl::StrCat("The provider is at its agreed ",
                            kind == hub::v1::PROVIDER_KIND_ECM ? "ECM" : "Community Supports",
                            " capacity with this plan (", capacity, " members); the ",
                            kind == hub::v1::PROVIDER_KIND_ECM ? "assignment" : "authorization",
                            " was kept and flagged over capacity: confirm it with the provider, or "
                            "assign the member to another provider."));
  }
  return over;
}

// --------------------------------------------------------- assignment rows

absl::Status Ingestor::OnAssignmentRow(const AssignmentFileRow& row) {
  row_identity_ = row.member().cin();
  ASSIGN_OR_RETURN(const hub::v1::Provider* provider, ValidateAssignmentRow(row));
  if (FlushErrors()) return absl::OkStatus();
  if (ctx_.count_only) {
    // The coverage of other plans is all the conflict check reads, and
    // nothing of this plan's file changes it: pass 2 rejects the same rows.
    // As in pass 2, a member the hub has never seen has no coverage to
    // conflict with (a point read, cheap when absent, spares the scan).
    absl::StatusOr<hub::v1::Member> known = s_.members.Get(row.member().cin());
    if (absl::IsNotFound(known.status())) return absl::OkStatus();
    RETURN_IF_ERROR(known.status());
    RETURN_IF_ERROR(CheckCoverageConflict(row));
    FlushErrors();
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(const std::optional<hub::v1::Member> stored, LoadMember(row.member().cin()));
  // Ingest writes a member no later than its coverage and assignments (in
  // the same batch or an earlier one), so a member the hub has never seen
  // has neither: their lookups are skipped (the common case of a first
  // load).
  const bool known_member = stored.has_value();
  if (known_member) {
    RETURN_IF_ERROR(CheckCoverageConflict(row));
    if (FlushErrors()) return absl::OkStatus();
  }
  WriteMember(row, stored);
  RETURN_IF_ERROR(ApplyCoverage(row, known_member));
  if (provider != nullptr) RETURN_IF_ERROR(ApplyAssignment(row, *provider, known_member));
  return absl::OkStatus();
}

// Adds the row's validation errors (Reject); returns its ECM provider, null
// when the row names none or it was rejected.
absl::StatusOr<const hub::v1::Provider*> Ingestor::ValidateAssignmentRow(
    const AssignmentFileRow& row) {
  if (!ValidateCin(row.member().cin()).ok()) {
    Reject("member.cin", kRowBadCin,
           "The CIN is not 8 digits followed by an uppercase letter; correct the member's CIN.");
  }
  const bool has_provider = !row.provider_npi().empty();
  const hub::v1::Provider* provider = nullptr;
  if (has_provider) {
    ASSIGN_OR_RETURN(provider, CheckProvider(row.provider_npi(), hub::v1::PROVIDER_KIND_ECM));
  }
  CheckPeriod(row.coverage().start_date(), row.coverage().end_date(), "coverage.end_date");
  const hub::v1::Assignment& in = row.assignment();
  if (has_provider) {
    if (in.benefit_start_date().empty()) {
      Reject("assignment.benefit_start_date", kRowRequiredMissing,
             "The ECM benefit start date is missing; an assignment needs one.");
    }
    CheckPeriod(in.benefit_start_date(), in.benefit_end_date(), "assignment.benefit_end_date");
    if (in.populations_of_focus().empty()) {
      Reject("assignment.populations_of_focus", kRowMissingPof,
             "The assignment names no population of focus; add at least one.");
    }
  }
  return provider;
}

// The member is read, merged and written under its lock, which is released
// only once the batch holding the write is committed: the stored member
// (nullopt if the hub has never seen it). Another plan's coverage of the
// member is committed before that plan's ingest releases the lock, so the
// conflict check after this sees it.
absl::StatusOr<std::optional<hub::v1::Member>> Ingestor::LoadMember(const std::string& cin) {
  RETURN_IF_ERROR(CommitBeforeRead(std::hash<std::string_view>()(cin)));
  RETURN_IF_ERROR(LockMember(cin));
  return Lookup<hub::v1::Member>(cin, [&] { return s_.members.Get(cin); });
}

// A row claiming coverage on days another plan covers the member is
// rejected whole: routing never moves on a plan's say-so alone. A transfer
// is a new plan's coverage that starts after the old plan's ends (the old
// plan sends the end date first). TERMINATE rows only shorten coverage and
// are not checked.
absl::Status Ingestor::CheckCoverageConflict(const AssignmentFileRow& row) {
  const std::string& start = row.coverage().start_date();
  if (start.empty() || row.action() == hub::v1::ROW_ACTION_TERMINATE) return absl::OkStatus();
  const std::string& end = row.coverage().end_date();
  ASSIGN_OR_RETURN(const std::vector<hub::v1::Coverage> periods,
                   s_.coverage.Periods(row.member().cin()));
  for (const hub::v1::Coverage& p : periods) {
    if (p.plan_id() == ctx_.plan_id) continue;
    const bool overlaps =
        (end.empty() || p.start_date() <= end) && (p.end_date().empty() || p.end_date() >= start);
    if (!overlaps) continue;
    Reject("coverage.start_date", kRowCoverageConflict,
           "Another plan covers this member on dates this row claims, so the row was not applied "
           "and the member's records still go to that plan. A transfer needs the other plan's "
           "coverage to end before this plan's starts: the county sees the conflict and resolves "
           "it with both plans; then send the row again.");
    changes_.set_coverage_conflicts(changes_.coverage_conflicts() + 1);
    if (ctx_.coverage_conflicts != nullptr && !ctx_.count_only) {
      ctx_.coverage_conflicts->Add({ctx_.plan_id, p.plan_id()});
    }
    return absl::OkStatus();
  }
  return absl::OkStatus();
}

void Ingestor::WriteMember(const AssignmentFileRow& row,
                           const std::optional<hub::v1::Member>& stored) {
  hub::v1::Member member = MergeMember(stored, row, ctx_.plan_id, ctx_.today);
  if (!stored.has_value() || !SameMember(*stored, member)) {
    s_.members.Put(batch_, member);
    Wrote(row.member().cin());
    changes_.set_members_upserted(changes_.members_upserted() + 1);
    row_wrote_ = true;
  }
}

absl::Status Ingestor::ApplyCoverage(const AssignmentFileRow& row, bool known_member) {
  if (row.coverage().start_date().empty()) return absl::OkStatus();
  const std::string& cin = row.member().cin();
  const bool terminate = row.action() == hub::v1::ROW_ACTION_TERMINATE;
  hub::v1::Coverage c;
  c.set_cin(cin);
  c.set_plan_id(ctx_.plan_id);
  c.set_start_date(row.coverage().start_date());
  c.set_end_date(terminate ? TerminationDate(row.coverage().end_date(), c.start_date())
                           : row.coverage().end_date());
  const std::string key = CoverageKey(c);
  std::optional<hub::v1::Coverage> stored;
  if (known_member) {
    ASSIGN_OR_RETURN(stored, Lookup<hub::v1::Coverage>(key, [&] {
                       return s_.coverage.Get(cin, ctx_.plan_id, c.start_date());
                     }));
  }
  if (!stored.has_value() || !SameIgnoringVersion(*stored, c)) {
    s_.coverage.Put(batch_, c);
    Wrote(key);
    changes_.set_coverage_periods_written(changes_.coverage_periods_written() + 1);
    row_wrote_ = true;
  }
  return absl::OkStatus();
}

absl::Status Ingestor::ApplyAssignment(const AssignmentFileRow& row,
                                       const hub::v1::Provider& provider, bool known_member) {
  const hub::v1::Assignment& in = row.assignment();
  const bool terminate = row.action() == hub::v1::ROW_ACTION_TERMINATE;
  hub::v1::Assignment identity;
  identity.set_cin(row.member().cin());
  identity.set_plan_id(ctx_.plan_id);
  identity.set_provider_id(provider.provider_id());
  identity.set_benefit_start_date(in.benefit_start_date());
  const std::string key = AssignmentKey(identity);
  std::optional<hub::v1::Assignment> stored;
  if (known_member) {
    ASSIGN_OR_RETURN(
        stored, Lookup<hub::v1::Assignment>(key, [&] { return s_.care.GetAssignment(identity); }));
  }
  hub::v1::Assignment a = stored.has_value() ? *stored : identity;
  *a.mutable_populations_of_focus() = in.populations_of_focus();
  a.set_benefit_end_date(in.benefit_end_date());
  if (in.acuity() != hub::v1::ACUITY_UNSPECIFIED) a.set_acuity(in.acuity());
  if (in.has_lead_care_manager()) *a.mutable_lead_care_manager() = in.lead_care_manager();
  if (in.has_discontinuation()) *a.mutable_discontinuation() = in.discontinuation();
  if (in.status() != hub::v1::ENROLLMENT_STATUS_UNSPECIFIED) {
    a.set_status(in.status());
  } else if (!stored.has_value()) {
    a.set_status(hub::v1::ENROLLMENT_STATUS_ASSIGNED);
  } else if (a.status() == hub::v1::ENROLLMENT_STATUS_DISCONTINUED &&
             a.benefit_end_date().empty() && !in.has_discontinuation() && !terminate) {
    // Listed open again after it had ended: reopened.
    a.set_status(hub::v1::ENROLLMENT_STATUS_ASSIGNED);
    a.clear_discontinuation();
  }
  if (terminate) {
    a.set_benefit_end_date(TerminationDate(in.benefit_end_date(), a.benefit_start_date()));
    a.set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
  }
  const hub::v1::Assignment* before = stored.has_value() ? &*stored : nullptr;
  ASSIGN_OR_RETURN(const bool over, CheckCapacity(provider, before, a, hub::v1::PROVIDER_KIND_ECM));
  if (over) changes_.set_assignments_over_capacity(changes_.assignments_over_capacity() + 1);
  if (!stored.has_value() || !SameIgnoringVersion(*stored, a)) {
    RETURN_IF_ERROR(TrackSlots(before, a));
    s_.care.PutAssignment(batch_, a, before);
    Wrote(key);
    changes_.set_assignments_written(changes_.assignments_written() + 1);
    row_wrote_ = true;
  } else if (ctx_.snapshot) {
    s_.care.MarkAssignmentListed(batch_, a, epoch_);
  }
  return absl::OkStatus();
}

// ------------------------------------------------------ authorization rows

// Adds the row's validation errors (Reject); returns its CS provider, null
// when it was rejected.
absl::StatusOr<const hub::v1::Provider*> Ingestor::ValidateAuthorizationRow(
    const AuthorizationFileRow& row) {
  const hub::v1::Authorization& in = row.authorization();
  if (!ValidateCin(in.cin()).ok()) {
    Reject("authorization.cin", kRowBadCin,
           "The CIN is not 8 digits followed by an uppercase letter; correct the member's CIN.");
  }
  if (in.authorization_number().empty()) {
    Reject("authorization.authorization_number", kRowRequiredMissing,
           "The authorization number is missing; every authorization needs one.");
  }
  ASSIGN_OR_RETURN(const hub::v1::Provider* provider,
                   CheckProvider(row.provider_npi(), hub::v1::PROVIDER_KIND_CS));
  if (in.community_support() == hub::v1::COMMUNITY_SUPPORT_UNSPECIFIED) {
    Reject("authorization.community_support", kRowRequiredMissing,
           "The Community Support is missing; name the service authorized.");
  } else if (provider != nullptr &&
             !HasKind(provider->community_supports(), in.community_support())) {
    Reject("authorization.community_support", kRowServiceNotOffered,
           "The provider does not offer this Community Support in the county directory; "
           "correct the service or the provider, or ask the county to update the directory.");
  }
  if (in.start_date().empty()) {
    Reject("authorization.start_date", kRowRequiredMissing,
           "The authorization start date is missing; an authorization needs one.");
  }
  CheckPeriod(in.start_date(), in.end_date(), "authorization.end_date");
  if (in.units_approved() < 0 || in.units_used() < 0) {
    Reject("authorization.units_approved", kRowBadUnits,
           "Units must not be negative; correct the units.");
  } else if (in.units_used() > in.units_approved()) {
    Reject("authorization.units_used", kRowBadUnits,
           "More units are used than approved; correct the units used or approved.");
  }
  return provider;
}

absl::Status Ingestor::OnAuthorizationRow(const AuthorizationFileRow& row) {
  const hub::v1::Authorization& in = row.authorization();
  row_identity_ = in.authorization_number();
  ASSIGN_OR_RETURN(const hub::v1::Provider* provider, ValidateAuthorizationRow(row));
  if (FlushErrors() || ctx_.count_only) return absl::OkStatus();

  const std::string& number = in.authorization_number();
  ASSIGN_OR_RETURN(std::optional<hub::v1::Authorization> stored,
                   Lookup<hub::v1::Authorization>(
                       number, [&] { return s_.care.GetAuthorization(ctx_.plan_id, number); }));
  hub::v1::Authorization a = in;
  a.set_plan_id(ctx_.plan_id);
  a.set_provider_id(provider->provider_id());
  a.clear_version();
  // Output only: the flag is the hub's, kept from the stored record.
  a.set_over_capacity(stored.has_value() && stored->over_capacity());
  if (stored.has_value()) {
    // The closed-loop fields come from the provider: keep them when the
    // plan's file does not carry them.
    if (a.referral_status() == hub::v1::REFERRAL_STATUS_UNSPECIFIED) {
      a.set_referral_status(stored->referral_status());
      if (a.referral_status_date().empty()) {
        a.set_referral_status_date(stored->referral_status_date());
      }
    }
    if (a.closure_reason() == hub::v1::LOOP_CLOSURE_REASON_UNSPECIFIED) {
      a.set_closure_reason(stored->closure_reason());
      if (a.closure_reason_text().empty()) a.set_closure_reason_text(stored->closure_reason_text());
    }
  }
  if (row.action() == hub::v1::ROW_ACTION_TERMINATE) {
    a.set_end_date(TerminationDate(in.end_date(), a.start_date()));
    a.set_status(hub::v1::AUTHORIZATION_STATUS_CANCELLED);
  }
  const hub::v1::Authorization* before = stored.has_value() ? &*stored : nullptr;
  ASSIGN_OR_RETURN(const bool over, CheckCapacity(*provider, before, a, hub::v1::PROVIDER_KIND_CS));
  if (over) {
    changes_.set_authorizations_over_capacity(changes_.authorizations_over_capacity() + 1);
  }
  if (!stored.has_value() || !SameIgnoringVersion(*stored, a)) {
    RETURN_IF_ERROR(TrackSlots(before, a));
    RETURN_IF_ERROR(s_.care.PutAuthorization(batch_, a, before).status());
    Wrote(number);
    changes_.set_authorizations_written(changes_.authorizations_written() + 1);
    row_wrote_ = true;
  } else if (ctx_.snapshot) {
    s_.care.MarkAuthorizationListed(batch_, ctx_.plan_id, number, epoch_);
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------ quality rows

absl::Status Ingestor::OnQualityRow(const QualityFileRow& row) {
  const hub::v1::QualityMeasureReport& in = row.report();
  ASSIGN_OR_RETURN(const hub::v1::Provider* provider,
                   CheckProvider(row.provider_npi(), hub::v1::PROVIDER_KIND_UNSPECIFIED));
  if (in.measure_id().empty()) {
    Reject("report.measure_id", kRowRequiredMissing,
           "The measure id is missing; name the measure, e.g. FUM.");
  }
  if (!IsMeasurePeriod(in.period())) {
    Reject("report.period", kRowBadPeriod,
           "The measurement period must be YYYY-MM (month), YYYY Qn (quarter) or YYYY (year).");
  }
  if (in.numerator() < 0 || in.denominator() < 0) {
    Reject("report.numerator", kRowBadMeasure,
           "The numerator and denominator must not be negative; correct the counts.");
  } else if (in.numerator() > in.denominator()) {
    Reject("report.numerator", kRowBadMeasure,
           "The numerator is greater than the denominator; correct the counts.");
  }
  if (FlushErrors()) return absl::OkStatus();

  hub::v1::QualityMeasureReport q = in;
  q.set_plan_id(ctx_.plan_id);
  q.set_provider_id(provider->provider_id());
  q.set_rate(q.denominator() == 0
                 ? 0.0
                 : static_cast<double>(q.numerator()) / static_cast<double>(q.denominator()));
  const std::string key = QualityKey(q);
  ASSIGN_OR_RETURN(std::optional<hub::v1::QualityMeasureReport> stored,
                   Lookup<hub::v1::QualityMeasureReport>(key, [&] { return s_.quality.Get(q); }));
  if (!stored.has_value() || stored->SerializeAsString() != q.SerializeAsString()) {
    s_.quality.Put(batch_, q);
    Wrote(key);
    changes_.set_quality_reports_written(changes_.quality_reports_written() + 1);
    row_wrote_ = true;
  }
  return absl::OkStatus();
}

}  // namespace hub
