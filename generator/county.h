// County: a deterministic, seeded synthetic Medi-Cal county.
//
// Every member is a pure function of (options, member index i): the member's
// demographics, plan coverage, ECM assignment and Community Supports
// authorizations come from pseudo-random streams seeded by hash(seed, i), so
// a file of any size streams in O(1) memory, any member can be recomputed
// without the others, and member i does not depend on how many members the
// county has. Plans and providers come from the directory seed; HCPCS codes
// come from the reference tables. Nothing here reads files, clocks or the
// environment: the caller loads the inputs (see generator/inputs.h).
//
// The data is fictional but shaped like San Diego County: names reflecting
// its population, real ZIP/city pairs, 555-01xx phones, plan market shares,
// ~3% mid-month plan switches, ~2% retroactive coverage corrections, ~60% of
// members assigned to ECM, ~25% with Community Supports authorizations.
//
// A County is immutable after Create and safe to share across threads.
#ifndef HUB_GENERATOR_COUNTY_H_
#define HUB_GENERATOR_COUNTY_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "base/civil_date.h"
#include "hub/v1/directory_seed.pb.h"
#include "hub/v1/plan_file.pb.h"
#include "hub/v1/reference.pb.h"

namespace hub::generator {

struct CountyOptions {
  // Seed of every pseudo-random stream. Same seed and options: same county.
  uint64_t seed = 1;
  // Number of members (indexes 0 .. members-1). At most 2,600,000,000.
  int64_t members = 1000;
  // Fraction of data rows to corrupt when native files are written (0..1);
  // see generator/native_files.h. Not used by County itself.
  double error_rate = 0.0;
  // The files' reporting month, "YYYY-MM". Ages, benefit windows and the
  // quality quarter are relative to it.
  std::string as_of_month = "2026-11";
  // Plans and providers with their contracts (e.g. the demo seed,
  // demo/san_diego/directory.textproto). At least one plan.
  hub::v1::DirectorySeed directory;
  // Reference tables: community_support_codes (HCPCS + modifiers per
  // Community Support) and discontinuation_reasons (DHCS codes), e.g. the
  // merge of data/reference/*.textproto. A Community Support without a code
  // is never authorized; with no discontinuation reasons, 1..8 and 15 are used.
  hub::v1::ReferenceTables reference;

  // Plan market shares by plan_id (relative weights). Empty: realistic San
  // Diego shares for the seven demo plans, the mean share for other plans.
  // A plan weighted 0 gets no member (e.g. {{"molina", 1}} puts every
  // member in Molina, for benchmarks).
  std::map<std::string, double> plan_weights;
  // Probability that a member is assigned to an ECM provider.
  double ecm_rate = 0.60;
  // Probability that a member has 1-2 Community Supports authorizations.
  double cs_rate = 0.25;
  // Probability that a member switches plans mid-month in the as-of month.
  double plan_switch_rate = 0.03;
  // Probability of a retroactive coverage correction.
  double retro_correction_rate = 0.02;
};

// What happened to a member's coverage in the as-of month.
enum class CoverageEvent {
  kNone,
  // Switched plans on day d of the as-of month: plan A covers to d-1, plan B
  // from d. The member appears in both plans' files.
  kPlanSwitch,
  // The plan retroactively ended coverage on the last day of an earlier
  // month (action TERMINATE; ECM ended with DHCS code 5 if assigned).
  kRetroTermination,
  // Eligibility granted retroactively: coverage starts on the first day of
  // a month 1-3 months before the as-of month; ECM (if any) in the as-of month.
  kRetroEnrollment,
};

// One plan's view of a member: the row of that plan's member assignment
// file, and the member's authorizations from that plan.
struct Enrollment {
  // The plan's directory index and id.
  int plan_index = 0;
  std::string plan_id;
  // member (demographics), coverage (cin and plan_id filled), assignment
  // (when has_ecm: cin, plan_id and provider_id filled), provider_npi,
  // action, plan_member_id, medical_record_number (= plan_member_id).
  hub::v1::AssignmentFileRow row;
  bool has_ecm = false;
  // CS authorizations (plan_id and provider_id filled), at most two.
  std::vector<hub::v1::AuthorizationFileRow> authorizations;
};

struct GeneratedMember {
  int64_t index = 0;
  // Age in whole years on the first day of the as-of month; populations of
  // focus follow it (child POFs under 21, adult POFs 21 and over).
  int age = 0;
  CoverageEvent event = CoverageEvent::kNone;
  // One enrollment, or two for kPlanSwitch (plan A first).
  std::vector<Enrollment> enrollments;

  // The member's demographics (the same in every enrollment).
  const hub::v1::Member& member() const { return enrollments.front().row.member(); }
};

// Which rows AssignmentRowsForPlan yields.
struct AssignmentRowOptions {
  // Also yield members the plan covers without an ECM assignment (rows with
  // an empty provider_npi and no assignment). Only layouts whose provider
  // NPI is optional can carry them (e.g. an 834); a Member Information File
  // lists ECM-assigned members only.
  bool include_coverage_only = false;
};

class County {
 public:
  // InvalidArgument if as_of_month is not "YYYY-MM", members is out of
  // range, a rate is outside 0..1, the directory has no plan, or every plan
  // weight is 0.
  static absl::StatusOr<std::unique_ptr<County>> Create(CountyOptions options);

  const CountyOptions& options() const { return options_; }
  int64_t member_count() const { return options_.members; }
  // First and last day of the as-of month.
  const CivilDate& period_start() const { return period_start_; }
  const CivilDate& period_end() const { return period_end_; }
  // The as-of quarter, "YYYY Qn", the period of quality rows.
  const std::string& quality_period() const { return quality_period_; }

  // Member i, 0 <= i < member_count() (i beyond it is computed the same way).
  GeneratedMember Member(int64_t i) const;
  // Fills `out`, reusing its storage (for tight loops).
  void FillMember(int64_t i, GeneratedMember& out) const;

  // The CIN of member i: 8 digits then a letter, distinct for every i below
  // 2,600,000,000 (a bijection of i, seeded).
  std::string Cin(int64_t i) const;
  // The member index whose CIN is `cin`, nullopt if no index maps to it.
  std::optional<int64_t> MemberIndexOfCin(std::string_view cin) const;

  // Streams the canonical rows of `plan_id`'s files, in member order; a
  // member who switched plans appears in both plans' files, each with its
  // own period. The row is valid only during the callback; a non-OK status
  // from the callback stops the stream and is returned. NotFound for a plan
  // not in the directory. O(1) memory.
  using AssignmentRowCallback = std::function<absl::Status(const hub::v1::AssignmentFileRow&)>;
  using AuthorizationRowCallback =
      std::function<absl::Status(const hub::v1::AuthorizationFileRow&)>;
  using QualityRowCallback = std::function<absl::Status(const hub::v1::QualityFileRow&)>;
  absl::Status AssignmentRowsForPlan(std::string_view plan_id, const AssignmentRowOptions& options,
                                     const AssignmentRowCallback& callback) const;
  absl::Status AuthorizationRowsForPlan(std::string_view plan_id,
                                        const AuthorizationRowCallback& callback) const;
  // Quality results for the as-of quarter: per ECM provider contracted with
  // the plan, 3-6 measures (FUM-7, FUM-30, FUA-7, FUA-30, FMC, CDF), some
  // also stratified by age; numerator <= denominator. Rate is left 0 (the
  // hub computes it).
  absl::Status QualityRowsForPlan(std::string_view plan_id,
                                  const QualityRowCallback& callback) const;

  // Providers the generator uses for `plan_id`: contract with the plan active
  // on the first day of the as-of month and listing the kind, and the
  // provider itself of that kind. Directory order. Empty for unknown plans.
  std::vector<const hub::v1::Provider*> ContractedProviders(std::string_view plan_id,
                                                            hub::v1::ProviderKind kind) const;
  // Directory providers with no contract at all with `plan_id`.
  std::vector<const hub::v1::Provider*> UncontractedProviders(std::string_view plan_id) const;

  ~County();

  struct PlanInfo;  // Per-plan pools; defined in county.cc.

 private:
  County() = default;
  struct Sketch;
  class MemberBuilder;  // FillMember's steps (county.cc).
  Sketch SketchOf(int64_t i) const;
  int PlanIndex(std::string_view plan_id) const;

  CountyOptions options_;
  CivilDate period_start_;
  CivilDate period_end_;
  std::string quality_period_;
  std::vector<PlanInfo> plans_;
  std::vector<double> plan_weights_;
  std::vector<int32_t> discontinuation_codes_;
  std::vector<double> discontinuation_weights_;
};

}  // namespace hub::generator

#endif  // HUB_GENERATOR_COUNTY_H_
