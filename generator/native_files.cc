#include "generator/native_files.h"

#include <algorithm>
#include <array>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "adapters/mapping/row_mapper.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "generator/rng.h"

namespace hub::generator {
namespace {

using google::protobuf::Message;
using hub::v1::AssignmentFileRow;
using hub::v1::AuthorizationFileRow;
using hub::v1::FileKind;
using hub::v1::QualityFileRow;

constexpr size_t kFlushBytes = size_t{64} << 10;

// The sentinel date a bad-date row is rendered with, and its renderings in
// each date format with the month patched to 13 (same width).
constexpr std::string_view kSentinelIso = "2199-12-31";
struct DatePatch {
  std::string_view rendered;
  std::string_view patched;
};
constexpr DatePatch kDatePatches[] = {
    {"2199-12-31", "2199-13-31"},
    {"12/31/2199", "13/31/2199"},
    {"12-31-2199", "13-31-2199"},
    {"21991231", "21991331"},
};

size_t CountOccurrences(std::string_view haystack, std::string_view needle) {
  size_t count = 0;
  for (size_t pos = haystack.find(needle); pos != std::string_view::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++count;
  }
  return count;
}

// Replaces the one rendered sentinel in out[from:] by its month-13 form.
absl::Status PatchDate(std::string& out, size_t from, int64_t row_number) {
  std::string_view region(out.data() + from, out.size() - from);
  size_t total = 0;
  const DatePatch* found = nullptr;
  for (const DatePatch& p : kDatePatches) {
    const size_t n = CountOccurrences(region, p.rendered);
    total += n;
    if (n > 0) found = &p;
  }
  if (total != 1 || found == nullptr) {
    return absl::InternalError(absl::StrCat(
        "row ", row_number,
        ": could not locate the rendered date to corrupt exactly once; use another seed"));
  }
  const size_t pos = region.find(found->rendered);
  out.replace(from + pos, found->patched.size(), found->patched);
  return absl::OkStatus();
}

// A CIN that fails ValidateCin (and stays invalid after upper-casing).
std::string BadCin(std::string_view cin, Rng& rng) {
  std::string digits;
  for (char c : cin) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  while (digits.size() < 8) digits.push_back('0');
  const char letter = cin.empty() ? 'A' : cin.back();
  switch (rng.Below(3)) {
    case 0:  // one digit short
      return absl::StrCat(digits.substr(0, 7), std::string(1, letter));
    case 1:  // the letter replaced by a digit
      return absl::StrCat(digits.substr(0, 8), std::to_string(rng.Below(10)));
    default:  // the letter in front
      return absl::StrCat(std::string(1, letter), digits.substr(0, 8));
  }
}

struct Candidate {
  InjectedErrorKind kind;
  double weight;
};

// Whether to corrupt a row (at the injection's rate) and how: a bad CIN,
// an unknown or uncontracted provider, a missing required field or a bad
// date, as far as the row has such fields. Draws from `rng` first.
std::optional<InjectedErrorKind> ChooseError(const Message& row, const ErrorInjection& errors,
                                             Rng& rng) {
  if (!(errors.rate > 0 && rng.Chance(errors.rate))) return std::nullopt;
  const auto* assignment = dynamic_cast<const AssignmentFileRow*>(&row);
  const auto* authorization = dynamic_cast<const AuthorizationFileRow*>(&row);
  const auto* quality = dynamic_cast<const QualityFileRow*>(&row);
  const bool has_npi = (assignment != nullptr && !assignment->provider_npi().empty()) ||
                       authorization != nullptr || quality != nullptr;
  std::array<Candidate, 5> candidates{};
  size_t n = 0;
  if (quality == nullptr) candidates[n++] = {InjectedErrorKind::kBadCin, 25};
  if (has_npi && !errors.unknown_npis.empty()) {
    candidates[n++] = {InjectedErrorKind::kUnknownProvider, 20};
  }
  if (has_npi && !errors.uncontracted_npis.empty()) {
    candidates[n++] = {InjectedErrorKind::kProviderNotContracted, 20};
  }
  candidates[n++] = {InjectedErrorKind::kRequiredMissing, 15};
  if (quality == nullptr && !errors.x12) candidates[n++] = {InjectedErrorKind::kBadDate, 20};
  std::array<double, 5> weights{};
  for (size_t k = 0; k < n; ++k) weights[k] = candidates[k].weight;
  return candidates[rng.Weighted(std::span<const double>(weights.data(), n))].kind;
}

// Corrupts `row` (a copy the renderer will render) with the chosen error,
// drawing from `rng` after ChooseError. The error as the manifest lists it.
InjectedError CorruptRow(Message& row, InjectedErrorKind chosen, int64_t row_number,
                         const ErrorInjection& errors, Rng& rng) {
  InjectedError e;
  e.row_number = row_number;
  e.kind = chosen;
  // Where the row keeps its CIN, NPI and corruptible date.
  std::string* cin = nullptr;
  std::string* npi = nullptr;
  std::string* date = nullptr;
  std::string cin_field, date_field;
  if (auto* r = dynamic_cast<AssignmentFileRow*>(&row)) {
    cin = r->mutable_member()->mutable_cin();
    npi = r->mutable_provider_npi();
    date = r->mutable_member()->mutable_date_of_birth();
    cin_field = "member.cin";
    date_field = "member.date_of_birth";
  } else if (auto* r = dynamic_cast<AuthorizationFileRow*>(&row)) {
    cin = r->mutable_authorization()->mutable_cin();
    npi = r->mutable_provider_npi();
    date = r->mutable_authorization()->mutable_start_date();
    cin_field = "authorization.cin";
    date_field = "authorization.start_date";
  } else if (auto* r = dynamic_cast<QualityFileRow*>(&row)) {
    npi = r->mutable_provider_npi();
  }
  switch (chosen) {
    case InjectedErrorKind::kBadCin:
      *cin = BadCin(*cin, rng);
      e.reason_code = std::string(kRowBadCin);
      e.field = cin_field;
      break;
    case InjectedErrorKind::kUnknownProvider:
      *npi = errors.unknown_npis[rng.Below(errors.unknown_npis.size())];
      e.reason_code = std::string(kRowUnknownProvider);
      e.field = "provider_npi";
      break;
    case InjectedErrorKind::kProviderNotContracted:
      *npi = errors.uncontracted_npis[rng.Below(errors.uncontracted_npis.size())];
      e.reason_code = std::string(kRowProviderNotContracted);
      e.field = "provider_npi";
      break;
    case InjectedErrorKind::kRequiredMissing:
      if (cin != nullptr) {
        cin->clear();
        e.field = cin_field;
      } else {
        npi->clear();
        e.field = "provider_npi";
      }
      e.reason_code =
          std::string(errors.x12 ? adapters::kRowMissingSegment : adapters::kRowRequiredMissing);
      e.reported_by_parser = true;
      break;
    case InjectedErrorKind::kBadDate:
      *date = std::string(kSentinelIso);
      e.reason_code = std::string(adapters::kRowBadDate);
      e.field = date_field;
      e.reported_by_parser = true;
      break;
  }
  return e;
}

}  // namespace

std::string_view InjectedErrorKindName(InjectedErrorKind kind) {
  switch (kind) {
    case InjectedErrorKind::kBadCin:
      return "bad_cin";
    case InjectedErrorKind::kUnknownProvider:
      return "unknown_provider";
    case InjectedErrorKind::kProviderNotContracted:
      return "provider_not_contracted";
    case InjectedErrorKind::kRequiredMissing:
      return "required_missing";
    case InjectedErrorKind::kBadDate:
      return "bad_date";
  }
  return "unknown";
}

absl::StatusOr<FileManifest> WritePlanFile(const adapters::PlanAdapter& adapter, FileKind kind,
                                           const RowSource& rows,
                                           const adapters::RenderOptions& render,
                                           const ErrorInjection& errors, const ChunkSink& sink) {
  ASSIGN_OR_RETURN(std::unique_ptr<adapters::PlanFileRenderer> renderer,
                   adapter.OpenRenderer(kind, render));
  ASSIGN_OR_RETURN(const Message* prototype, adapters::CanonicalRowPrototype(kind));
  std::unique_ptr<Message> scratch(prototype->New());
  FileManifest manifest;
  std::string out;
  out.reserve(kFlushBytes + 4096);

  auto flush = [&]() -> absl::Status {
    if (out.empty()) return absl::OkStatus();
    manifest.bytes += static_cast<int64_t>(out.size());
    RETURN_IF_ERROR(sink(out));
    out.clear();
    return absl::OkStatus();
  };

  auto add_row = [&](const Message& row) -> absl::Status {
    if (row.GetDescriptor() != prototype->GetDescriptor()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a ", hub::v1::FileKind_Name(kind), " file takes ", prototype->GetDescriptor()->name(),
          " rows, not ", row.GetDescriptor()->name()));
    }
    const int64_t row_number = ++manifest.rows;
    const Message* to_render = &row;
    std::optional<InjectedError> injected;
    Rng rng = Rng::For(errors.seed, static_cast<uint64_t>(row_number), 0xE77);
    if (std::optional<InjectedErrorKind> chosen = ChooseError(row, errors, rng)) {
      scratch->CopyFrom(row);
      to_render = scratch.get();
      injected = CorruptRow(*scratch, *chosen, row_number, errors, rng);
    }
    const size_t before = out.size();
    RETURN_IF_ERROR(renderer->Add(*to_render, out));
    if (injected.has_value()) {
      if (injected->kind == InjectedErrorKind::kBadDate) {
        RETURN_IF_ERROR(PatchDate(out, before, row_number));
      }
      manifest.errors.push_back(std::move(*injected));
    }
    if (out.size() >= kFlushBytes) RETURN_IF_ERROR(flush());
    return absl::OkStatus();
  };

  RETURN_IF_ERROR(rows(add_row));
  RETURN_IF_ERROR(renderer->Finish(out));
  RETURN_IF_ERROR(flush());
  return manifest;
}

RowSource CountyRows(const County& county, std::string plan_id, FileKind kind,
                     AssignmentRowOptions assignment_options) {
  return [&county, plan_id = std::move(plan_id), kind,
          assignment_options](const RowEmitter& emit) -> absl::Status {
    switch (kind) {
      case hub::v1::FILE_KIND_MEMBER_ASSIGNMENT:
        return county.AssignmentRowsForPlan(
            plan_id, assignment_options,
            [&emit](const AssignmentFileRow& row) { return emit(row); });
      case hub::v1::FILE_KIND_CS_AUTHORIZATION:
        return county.AuthorizationRowsForPlan(
            plan_id, [&emit](const AuthorizationFileRow& row) { return emit(row); });
      case hub::v1::FILE_KIND_QUALITY_REPORT:
        return county.QualityRowsForPlan(plan_id,
                                         [&emit](const QualityFileRow& row) { return emit(row); });
      default:
        return absl::InvalidArgumentError(
            absl::StrCat("the generator makes no rows for ", hub::v1::FileKind_Name(kind),
                         "; use member assignment, CS authorization or quality report"));
    }
  };
}

const hub::v1::FileLayout* FindLayout(const hub::v1::PlanProfile& profile, FileKind kind) {
  for (const auto& layout : profile.layouts()) {
    if (layout.kind() == kind) return &layout;
  }
  return nullptr;
}

AssignmentRowOptions AssignmentRowOptionsFor(const hub::v1::FileLayout& layout) {
  AssignmentRowOptions options;
  bool npi_mapped = false, npi_required = false;
  for (const auto& field : layout.fields()) {
    if (field.target() != "provider_npi") continue;
    npi_mapped = true;
    npi_required = npi_required || field.required();
  }
  options.include_coverage_only = npi_mapped && !npi_required;
  return options;
}

ErrorInjection MakeErrorInjection(const County& county, std::string_view plan_id, FileKind kind,
                                  const hub::v1::FileLayout& layout) {
  ErrorInjection e;
  e.rate = county.options().error_rate;
  e.seed = HashCombine(HashCombine(Mix64(county.options().seed), HashString(plan_id)),
                       static_cast<uint64_t>(kind));
  e.x12 = layout.has_x12();
  absl::flat_hash_set<std::string> known;
  for (const auto& provider : county.options().directory.providers()) known.insert(provider.npi());
  Rng rng = Rng::For(county.options().seed, 0x4E5049, 0);  // "NPI"
  while (e.unknown_npis.size() < 16) {
    std::string npi9 = absl::StrFormat("%d%08d", 1 + rng.Below(2), rng.Below(100'000'000));
    std::string npi = absl::StrCat(npi9, std::string(1, NpiCheckDigit(npi9)));
    if (known.contains(npi) || !ValidateNpi(npi).ok()) continue;
    if (std::find(e.unknown_npis.begin(), e.unknown_npis.end(), npi) != e.unknown_npis.end()) {
      continue;
    }
    e.unknown_npis.push_back(std::move(npi));
  }
  for (const auto* provider : county.UncontractedProviders(plan_id)) {
    e.uncontracted_npis.push_back(provider->npi());
  }
  return e;
}

std::string_view FileKindSlug(FileKind kind) {
  switch (kind) {
    case hub::v1::FILE_KIND_MEMBER_ASSIGNMENT:
      return "assignment";
    case hub::v1::FILE_KIND_CS_AUTHORIZATION:
      return "authorization";
    case hub::v1::FILE_KIND_QUALITY_REPORT:
      return "quality";
    default:
      return "";
  }
}

std::string_view FileExtension(const hub::v1::FileLayout& layout) {
  switch (layout.format_case()) {
    case hub::v1::FileLayout::kDelimited:
      return layout.delimited().delimiter().empty() || layout.delimited().delimiter() == ","
                 ? "csv"
                 : "txt";
    case hub::v1::FileLayout::kFixedWidth:
      return "dat";
    case hub::v1::FileLayout::kX12:
      return "x12";
    default:
      return "dat";
  }
}

}  // namespace hub::generator
