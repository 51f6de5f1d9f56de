// countygen: writes a synthetic county's plan files in each plan's native
// layout, with injected errors, plus a manifest of what was injected.
//
//   countygen --seed=42 --members=100000 --error_rate=0.01 --as_of=2026-11
//     --directory=demo/san_diego/directory.textproto --profiles_dir=adapters/plans
//     --reference_dir=data/reference --out=/tmp/county [--plans=aetna,kaiser]
//     [--kinds=assignment,authorization,quality]
//
// Output: <out>/<plan_id>/<kind>.<ext> (kind: assignment, authorization,
// quality; ext: csv, txt, dat or x12 by the plan's layout) and
// <out>/manifest.json listing per file its rows, bytes and every injected
// error (row number, reason code, field). Same flags, same bytes.
// Prints per-file counts and throughput; never prints member data.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/plan_adapter.h"
#include "adapters/writers/x12_837p_writer.h"
#include "base/status_macros.h"
#include "generator/claim_answers.h"
#include "generator/county.h"
#include "generator/inputs.h"
#include "generator/native_files.h"
#include "generator/provider_day.h"

ABSL_FLAG(uint64_t, seed, 1, "Seed of the county: same seed and flags, same bytes.");
ABSL_FLAG(int64_t, members, 1000, "Number of members in the county.");
ABSL_FLAG(double, error_rate, 0.0, "Fraction of data rows to corrupt (0..1).");
ABSL_FLAG(std::string, as_of, "2026-11", "Reporting month of the files, YYYY-MM.");
ABSL_FLAG(std::string, directory, "demo/san_diego/directory.textproto",
          "Directory seed (hub.v1.DirectorySeed text format): plans and providers.");
ABSL_FLAG(std::string, profiles_dir, "adapters/plans",
          "Folder of plan profiles: <profiles_dir>/<profile>/profile.textproto.");
ABSL_FLAG(std::string, reference_dir, "data/reference",
          "Folder of reference tables (*.textproto, hub.v1.ReferenceTables).");
ABSL_FLAG(std::string, out, "", "Output folder (created if missing). Required.");
ABSL_FLAG(std::string, plans, "", "Comma-separated plan ids; empty = every onboarded plan.");
ABSL_FLAG(std::string, kinds, "assignment,authorization,quality",
          "Comma-separated file kinds: assignment, authorization, quality.");
ABSL_FLAG(std::string, plan_weights, "",
          "Optional market shares, e.g. \"molina=1\" (only Molina) or \"kaiser=2,aetna=1\"; "
          "empty = realistic San Diego shares.");
ABSL_FLAG(double, ecm_rate, 0.60, "Fraction of members assigned to an ECM provider.");
ABSL_FLAG(std::string, provider_day, "",
          "Also write what every provider submits on this day (YYYY-MM-DD, in the --as_of "
          "month) into <out>/providers/: <provider_id>.jsonl (hub.v1.Submission JSON lines) or "
          "<provider_id>.csv (the CBO CSV template), plus providers/manifest.json. Empty = no.");
ABSL_FLAG(double, provider_day_error_rate, -1,
          "Fraction of the day's records made wrong on purpose; -1 = --error_rate.");

ABSL_FLAG(std::string, answer_837p, "",
          "Instead of a county: play the plan answering this 837P (a file the hub exported): "
          "write <out>/<name>.999.x12, .277ca.x12 and .835.x12 (generator/claim_answers.h; "
          "--seed picks the decisions) and print what they say.");
ABSL_FLAG(std::string, answer_date, "2026-12-10",
          "With --answer_837p: the day the plan answers, YYYY-MM-DD.");

namespace hub::generator {
namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&out, "\\u00", c < 0x10 ? "0" : "", absl::Hex(static_cast<int>(c)));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

absl::StatusOr<hub::v1::FileKind> KindFromSlug(std::string_view slug) {
  for (auto kind : {hub::v1::FILE_KIND_MEMBER_ASSIGNMENT, hub::v1::FILE_KIND_CS_AUTHORIZATION,
                    hub::v1::FILE_KIND_QUALITY_REPORT}) {
    if (FileKindSlug(kind) == slug) return kind;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown kind \"", std::string(slug),
                   "\" in --kinds; use assignment, authorization or quality"));
}

// --provider_day: every provider's records of the day, and their manifest.
absl::Status WriteProviderDay(const County& county, const std::string& out_dir) {
  ProviderDayOptions options;
  const std::string day = absl::GetFlag(FLAGS_provider_day);
  absl::StatusOr<CivilDate> parsed = CivilDate::ParseIso(day);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError("--provider_day must be a date, YYYY-MM-DD");
  }
  options.day = *parsed;
  const double rate = absl::GetFlag(FLAGS_provider_day_error_rate);
  options.error_rate = rate < 0 ? county.options().error_rate : rate;
  for (const hub::v1::Plan& plan : county.options().directory.plans()) {
    if (plan.adapter_profile().empty()) continue;
    ASSIGN_OR_RETURN(hub::v1::PlanProfile profile,
                     LoadPlanProfile(absl::GetFlag(FLAGS_profiles_dir), plan.adapter_profile()));
    const hub::v1::FileLayout* layout = FindLayout(profile, hub::v1::FILE_KIND_MEMBER_ASSIGNMENT);
    if (layout != nullptr && CoverageSpanIsEcmPeriod(*layout)) {
      options.coverage_from_ecm_period.insert(plan.plan_id());
    }
    options.plan_profiles[plan.plan_id()] = std::move(profile);
  }
  const std::string dir = (std::filesystem::path(out_dir) / "providers").string();
  ASSIGN_OR_RETURN(std::vector<ProviderDayFile> files, WriteProviderDayFiles(county, options, dir));
  std::string manifest =
      absl::StrCat("{\n  \"day\": ", JsonString(options.day.ToIso()),
                   ",\n  \"error_rate\": ", options.error_rate, ",\n  \"files\": [");
  int64_t records = 0, wrong = 0;
  for (size_t k = 0; k < files.size(); ++k) {
    const ProviderDayFile& f = files[k];
    absl::StrAppend(
        &manifest, k == 0 ? "\n" : ",\n", "    {\"provider_id\": ", JsonString(f.provider_id),
        ", \"path\": ", JsonString(f.file_name), ", \"format\": ", f.csv ? "\"csv\"" : "\"jsonl\"",
        ", \"records\": ", f.records, ", \"expected_rejections\": {");
    bool first = true;
    for (const auto& [code, n] : f.expected_rejections) {
      absl::StrAppend(&manifest, first ? "" : ", ", JsonString(code), ": ", n);
      first = false;
      wrong += n;
    }
    absl::StrAppend(&manifest, "}}");
    records += f.records;
  }
  absl::StrAppend(&manifest, files.empty() ? "]\n}\n" : "\n  ]\n}\n");
  std::ofstream out(std::filesystem::path(dir) / "manifest.json",
                    std::ios::binary | std::ios::trunc);
  out << manifest;
  out.close();
  if (!out) return absl::DataLossError(absl::StrCat("could not write ", dir, "/manifest.json"));
  std::cout << "providers/: " << files.size() << " providers' files for " << options.day.ToIso()
            << ", " << records << " records, " << wrong << " wrong on purpose\n";
  return absl::OkStatus();
}

// --answer_837p: the plan's 999, 277CA and 835 for one 837P.
absl::Status WriteClaimAnswers(const std::string& claims_path, const std::string& out_dir) {
  std::ifstream in(claims_path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", claims_path));
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ClaimAnswerOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.answer_date = absl::GetFlag(FLAGS_answer_date);
  ASSIGN_OR_RETURN(const PlanAnswers answers, AnswerClaimFile(bytes, options));
  std::filesystem::create_directories(out_dir);
  const std::string stem = std::filesystem::path(claims_path).stem().string();
  for (const auto& [suffix, text] :
       {std::pair<std::string, const std::string*>{"999", &answers.file_999},
        {"277ca", &answers.file_277ca},
        {"835", &answers.file_835}}) {
    const std::filesystem::path path =
        std::filesystem::path(out_dir) / (stem + "." + suffix + ".x12");
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << *text;
    out.close();
    if (!out) return absl::DataLossError(absl::StrCat("could not write ", path.string()));
  }
  std::cout << stem << ": " << answers.claims << " claims (" << answers.claims_rejected
            << " rejected on the 277CA), " << answers.lines << " lines: " << answers.lines_paid
            << " paid ($" << adapters::X12Amount(answers.paid_cents) << "), "
            << answers.lines_denied << " denied, " << answers.lines_rejected << " rejected\n";
  return absl::OkStatus();
}

// The county's options from the flags (--seed, --members, --error_rate,
// --as_of, --ecm_rate, --directory, --reference_dir, --plan_weights).
absl::StatusOr<CountyOptions> CountyOptionsFromFlags() {
  CountyOptions options;
  options.seed = absl::GetFlag(FLAGS_seed);
  options.members = absl::GetFlag(FLAGS_members);
  options.error_rate = absl::GetFlag(FLAGS_error_rate);
  options.as_of_month = absl::GetFlag(FLAGS_as_of);
  options.ecm_rate = absl::GetFlag(FLAGS_ecm_rate);
  ASSIGN_OR_RETURN(options.directory, LoadDirectorySeed(absl::GetFlag(FLAGS_directory)));
  ASSIGN_OR_RETURN(options.reference, LoadReferenceTables(absl::GetFlag(FLAGS_reference_dir)));
  for (absl::string_view pair :
       absl::StrSplit(absl::GetFlag(FLAGS_plan_weights), ',', absl::SkipWhitespace())) {
    std::vector<std::string> parts = absl::StrSplit(pair, '=');
    double weight = 0;
    if (parts.size() != 2 || !absl::SimpleAtod(parts[1], &weight)) {
      return absl::InvalidArgumentError(
          "--plan_weights must look like \"molina=1,kaiser=2\" (plan id = weight)");
    }
    options.plan_weights[parts[0]] = weight;
  }
  return options;
}

// The file kinds of --kinds.
absl::StatusOr<std::vector<hub::v1::FileKind>> KindsFromFlag() {
  std::vector<hub::v1::FileKind> kinds;
  for (absl::string_view slug :
       absl::StrSplit(absl::GetFlag(FLAGS_kinds), ',', absl::SkipWhitespace())) {
    ASSIGN_OR_RETURN(auto kind, KindFromSlug(std::string_view(slug.data(), slug.size())));
    kinds.push_back(kind);
  }
  return kinds;
}

// The plans to write, (directory index, plan) in directory order: those
// named in `wanted` (all if empty). A plan without an adapter profile is
// skipped unless named (then FailedPrecondition); NotFound for a name the
// directory lacks.
absl::StatusOr<std::vector<std::pair<int, const hub::v1::Plan*>>> PlansToWrite(
    const hub::v1::DirectorySeed& directory, const std::vector<std::string>& wanted) {
  for (const std::string& id : wanted) {
    bool found = false;
    for (const auto& plan : directory.plans()) found = found || plan.plan_id() == id;
    if (!found) {
      return absl::NotFoundError(
          absl::StrCat("plan \"", id, "\" in --plans is not in the directory"));
    }
  }
  std::vector<std::pair<int, const hub::v1::Plan*>> plans;
  for (int p = 0; p < directory.plans_size(); ++p) {
    const auto& plan = directory.plans(p);
    const bool named = std::find(wanted.begin(), wanted.end(), plan.plan_id()) != wanted.end();
    if (!wanted.empty() && !named) continue;
    if (plan.adapter_profile().empty()) {
      if (named) {
        return absl::FailedPreconditionError(
            absl::StrCat("plan \"", plan.plan_id(),
                         "\" has no adapter_profile in the directory; onboard it first"));
      }
      continue;
    }
    plans.emplace_back(p, &plan);
  }
  return plans;
}

// Writes one plan file of `kind` in the plan's layout to `path` and says
// on stdout what it holds and how fast it went.
absl::StatusOr<FileManifest> WriteOneFile(const County& county,
                                          const adapters::PlanAdapter& adapter, int plan_index,
                                          const hub::v1::Plan& plan, hub::v1::FileKind kind,
                                          const hub::v1::FileLayout& layout,
                                          const std::string& relative,
                                          const std::filesystem::path& path) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path.string()));
  adapters::RenderOptions render;
  render.file_date = county.period_end().ToIso();
  render.file_time = "0600";
  render.control_number =
      (static_cast<int64_t>(county.period_start().year()) * 100 + county.period_start().month()) *
          1000 +
      plan_index * 10 + static_cast<int>(kind);
  const ErrorInjection errors = MakeErrorInjection(county, plan.plan_id(), kind, layout);
  const AssignmentRowOptions row_options = AssignmentRowOptionsFor(layout);
  const auto started = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(
      FileManifest written,
      WritePlanFile(adapter, kind, CountyRows(county, plan.plan_id(), kind, row_options), render,
                    errors, [&file](std::string_view chunk) -> absl::Status {
                      file.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                      if (!file) return absl::DataLossError("write failed (disk full?)");
                      return absl::OkStatus();
                    }));
  file.close();
  if (!file) return absl::DataLossError(absl::StrCat("could not finish ", path.string()));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << relative << ": " << written.rows << " rows, " << written.errors.size()
            << " injected errors, " << written.bytes << " bytes, " << seconds << " s ("
            << static_cast<int64_t>(seconds > 0 ? written.rows / seconds : 0) << " rows/s)\n";
  return written;
}

// manifest.json as it is written: the header, then one entry per file.
class ManifestJson {
 public:
  explicit ManifestJson(const CountyOptions& options)
      : text_(absl::StrCat(
            "{\n  \"generator\": \"countygen\",\n  \"seed\": ", options.seed,
            ",\n  \"members\": ", options.members, ",\n  \"error_rate\": ", options.error_rate,
            ",\n  \"as_of\": ", JsonString(options.as_of_month), ",\n  \"files\": [")) {}

  // One written file and the errors injected into it.
  void AddFile(const hub::v1::Plan& plan, const hub::v1::PlanProfile& profile,
               hub::v1::FileKind kind, const std::string& relative, const FileManifest& written) {
    absl::StrAppend(&text_, first_file_ ? "\n" : ",\n",
                    "    {\"plan_id\": ", JsonString(plan.plan_id()),
                    ", \"profile\": ", JsonString(profile.name()),
                    ", \"kind\": ", JsonString(FileKindSlug(kind)),
                    ", \"file_kind\": ", JsonString(hub::v1::FileKind_Name(kind)),
                    ", \"path\": ", JsonString(relative), ", \"rows\": ", written.rows,
                    ", \"bytes\": ", written.bytes, ", \"errors\": [");
    first_file_ = false;
    for (size_t k = 0; k < written.errors.size(); ++k) {
      const InjectedError& e = written.errors[k];
      absl::StrAppend(&text_, k == 0 ? "\n" : ",\n", "      {\"row\": ", e.row_number,
                      ", \"code\": ", JsonString(e.reason_code),
                      ", \"kind\": ", JsonString(InjectedErrorKindName(e.kind)),
                      ", \"field\": ", JsonString(e.field),
                      ", \"reported_by_parser\": ", e.reported_by_parser ? "true" : "false", "}");
    }
    absl::StrAppend(&text_, written.errors.empty() ? "]}" : "\n    ]}");
  }

  // Writes <out_dir>/manifest.json and says so on stdout.
  absl::Status Write(const std::string& out_dir) {
    absl::StrAppend(&text_, first_file_ ? "]\n}\n" : "\n  ]\n}\n");
    const std::filesystem::path manifest_path = std::filesystem::path(out_dir) / "manifest.json";
    std::ofstream manifest_file(manifest_path, std::ios::binary | std::ios::trunc);
    manifest_file << text_;
    manifest_file.close();
    if (!manifest_file) {
      return absl::DataLossError(absl::StrCat("could not write ", manifest_path.string()));
    }
    std::cout << "manifest: " << manifest_path.string() << "\n";
    return absl::OkStatus();
  }

 private:
  std::string text_;
  bool first_file_ = true;
};

// Writes one plan's files of `kinds` (a kind its profile has no layout for
// is skipped, and said) into <out_dir>/<plan_id>/.
absl::Status WritePlanFiles(const County& county, int plan_index, const hub::v1::Plan& plan,
                            const std::vector<hub::v1::FileKind>& kinds, const std::string& out_dir,
                            ManifestJson& manifest) {
  ASSIGN_OR_RETURN(hub::v1::PlanProfile profile,
                   LoadPlanProfile(absl::GetFlag(FLAGS_profiles_dir), plan.adapter_profile()));
  ASSIGN_OR_RETURN(std::unique_ptr<adapters::PlanAdapter> adapter,
                   adapters::CreateDeclarativePlanAdapter(profile));
  std::filesystem::create_directories(std::filesystem::path(out_dir) / plan.plan_id());
  for (hub::v1::FileKind kind : kinds) {
    const hub::v1::FileLayout* layout = FindLayout(profile, kind);
    if (layout == nullptr) {
      std::cout << plan.plan_id() << ": no " << FileKindSlug(kind) << " layout, skipped\n";
      continue;
    }
    const std::string relative = absl::StrCat(plan.plan_id(), "/", std::string(FileKindSlug(kind)),
                                              ".", std::string(FileExtension(*layout)));
    ASSIGN_OR_RETURN(const FileManifest written,
                     WriteOneFile(county, *adapter, plan_index, plan, kind, *layout, relative,
                                  std::filesystem::path(out_dir) / relative));
    manifest.AddFile(plan, profile, kind, relative, written);
  }
  return absl::OkStatus();
}

absl::Status Run() {
  const std::string out_dir = absl::GetFlag(FLAGS_out);
  if (out_dir.empty()) return absl::InvalidArgumentError("--out is required");
  if (!absl::GetFlag(FLAGS_answer_837p).empty()) {
    return WriteClaimAnswers(absl::GetFlag(FLAGS_answer_837p), out_dir);
  }
  ASSIGN_OR_RETURN(CountyOptions options, CountyOptionsFromFlags());
  ASSIGN_OR_RETURN(const std::vector<hub::v1::FileKind> kinds, KindsFromFlag());
  const std::vector<std::string> wanted_plans =
      absl::StrSplit(absl::GetFlag(FLAGS_plans), ',', absl::SkipWhitespace());
  const hub::v1::DirectorySeed directory = options.directory;
  ASSIGN_OR_RETURN(std::unique_ptr<County> county, County::Create(std::move(options)));
  ASSIGN_OR_RETURN(const auto plans, PlansToWrite(directory, wanted_plans));

  std::filesystem::create_directories(out_dir);
  ManifestJson manifest(county->options());
  for (const auto& [plan_index, plan] : plans) {
    RETURN_IF_ERROR(WritePlanFiles(*county, plan_index, *plan, kinds, out_dir, manifest));
  }
  RETURN_IF_ERROR(manifest.Write(out_dir));
  if (!absl::GetFlag(FLAGS_provider_day).empty()) {
    RETURN_IF_ERROR(WriteProviderDay(*county, out_dir));
  }
  return absl::OkStatus();
}

}  // namespace
}  // namespace hub::generator

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Writes a synthetic county's plan files in each plan's native layout with injected "
      "errors, plus <out>/manifest.json. Example: countygen --seed=42 --members=100000 "
      "--error_rate=0.01 --as_of=2026-11 --out=/tmp/county");
  absl::ParseCommandLine(argc, argv);
  const absl::Status status = hub::generator::Run();
  if (!status.ok()) {
    std::cerr << "countygen: " << status.message() << "\n";
    return 1;
  }
  return 0;
}
