// Plan file ingest's own threads, driven without gRPC so that the TSan stage
// (scripts/sanitize.sh tsan) runs them: each ingest's parser thread
// (ParseAhead) and commit thread (BatchCommitter), the member locks every
// plan's ingest shares (MemberLocks) and the per-plan lock, with every plan's
// member file ingested at once. The upload path through gRPC is
// IngestTest.ConcurrentUploadsOfOneFileIngestItOnce.
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "adapters/plan_adapter.h"
#include "base/sha256.h"
#include "generator/inputs.h"
#include "generator/native_files.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "hub/common/plan_adapters.h"
#include "hub/directory/seed_loader.h"
#include "hub/ingest/ingest.h"
#include "storage/directory_store.h"
#include "storage/store.h"
#include "tests/hub/county_test_util.h"
#include "tests/hub/hub_test_util.h"

namespace hub {
namespace {

using google::protobuf::util::MessageDifferencer;
using hub::v1::IngestReport;

constexpr hub::v1::FileKind kMemberFile = hub::v1::FILE_KIND_MEMBER_ASSIGNMENT;

// A store with the San Diego directory and an ingest pipeline over it.
struct IngestHub {
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<storage::DirectoryStore> directory;
  std::unique_ptr<IngestPipeline> pipeline;
};

IngestHub OpenIngestHub(const std::string& root) {
  IngestHub hub;
  storage::StoreOptions options;
  options.data_dir = root + "/data";
  options.block_cache_bytes = 8u << 20;
  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(options);
  EXPECT_TRUE(store.ok()) << store.status();
  if (!store.ok()) return hub;
  hub.store = *std::move(store);
  hub.directory = std::make_unique<storage::DirectoryStore>(hub.store.get());
  EXPECT_TRUE(
      LoadSeedIfEmpty(*hub.directory, testing::Source("demo/san_diego/directory.textproto")).ok());
  IngestOptions ingest;
  ingest.clock = [] { return absl::FromUnixSeconds(1797500000); };  // 2026-12
  hub.pipeline =
      std::make_unique<IngestPipeline>(hub.store.get(), hub.directory.get(), std::move(ingest));
  return hub;
}

// One plan's member file, spooled, with the profile that reads it.
struct PlanFile {
  LoadedPlanProfile profile;
  SpooledUpload upload;
  int64_t rows = 0;
};

// Every plan of the county whose profile has a member file layout (all seven
// today), rendered by its shipped profile and spooled under `root`.
std::vector<std::unique_ptr<PlanFile>> SpoolMemberFiles(const generator::County& county,
                                                        const std::string& root) {
  std::vector<std::unique_ptr<PlanFile>> files;
  for (const hub::v1::Plan& plan : county.options().directory.plans()) {
    auto file = std::make_unique<PlanFile>();
    absl::StatusOr<hub::v1::PlanProfile> profile =
        generator::LoadPlanProfile(testing::Source("adapters/plans"), plan.adapter_profile());
    EXPECT_TRUE(profile.ok()) << profile.status();
    if (!profile.ok()) continue;
    const hub::v1::FileLayout* layout = generator::FindLayout(*profile, kMemberFile);
    if (layout == nullptr) continue;
    file->profile.profile = *profile;
    absl::StatusOr<std::unique_ptr<adapters::PlanAdapter>> adapter =
        adapters::CreateDeclarativePlanAdapter(*profile);
    EXPECT_TRUE(adapter.ok()) << adapter.status();
    if (!adapter.ok()) continue;
    file->profile.adapter = *std::move(adapter);
    absl::StatusOr<testing::RenderedPlanFile> rendered = testing::RenderCountyPlanFile(
        county, plan.plan_id(), *file->profile.adapter, *layout, kMemberFile);
    EXPECT_TRUE(rendered.ok()) << rendered.status();
    if (!rendered.ok()) continue;
    file->rows = rendered->rows;
    file->upload.plan_id = plan.plan_id();
    file->upload.kind = kMemberFile;
    file->upload.file_name = plan.plan_id() + ".members";
    file->upload.spool_path = root + "/" + plan.plan_id() + ".spool";
    testing::WriteFile(file->upload.spool_path, rendered->bytes);
    Sha256 sha;
    sha.Update(rendered->bytes);
    file->upload.content_sha256 = sha.HexDigest();
    file->upload.size_bytes = static_cast<int64_t>(rendered->bytes.size());
    file->upload.receive_time = absl::FromUnixSeconds(1797500000);
    files.push_back(std::move(file));
  }
  return files;
}

// Every plan's member file at once, the first plan's twice, against the same
// files one after another in a store of their own: the same report for each
// plan (rows read, accepted and rejected, its outcome and changes, the
// replay key), and the
// second upload of the same bytes answered with the first one's report.
TEST(IngestConcurrencyTest, EveryPlansFileAtOnceReadsAsOneAfterAnotherAndTheSameFileOnce) {
  absl::StatusOr<std::unique_ptr<generator::County>> county =
      testing::MakeSanDiegoCounty(/*seed=*/21, /*members=*/1200);
  ASSERT_TRUE(county.ok()) << county.status();
  const std::string root = testing::MakeTempDir();
  std::vector<std::unique_ptr<PlanFile>> files = SpoolMemberFiles(**county, root);
  ASSERT_EQ(files.size(), 7u);

  IngestHub serial = OpenIngestHub(root + "/serial");
  ASSERT_NE(serial.pipeline, nullptr);
  std::vector<IngestReport> expected;
  for (const auto& file : files) {
    absl::StatusOr<IngestReport> report =
        serial.pipeline->Run(file->upload, file->profile, nullptr);
    ASSERT_TRUE(report.ok()) << file->upload.plan_id << ": " << report.status();
    ASSERT_EQ(report->rows_read(), file->rows) << file->upload.plan_id;
    expected.push_back(*std::move(report));
  }

  IngestHub together = OpenIngestHub(root + "/together");
  ASSERT_NE(together.pipeline, nullptr);
  std::vector<absl::StatusOr<IngestReport>> reports(files.size() + 1,
                                                    absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (size_t i = 0; i <= files.size(); ++i) {
    const PlanFile& file = *files[i % files.size()];
    threads.emplace_back(
        [&, i] { reports[i] = together.pipeline->Run(file.upload, file.profile, nullptr); });
  }
  for (std::thread& thread : threads) thread.join();

  for (size_t i = 0; i <= files.size(); ++i) {
    const IngestReport& want = expected[i % files.size()];
    SCOPED_TRACE(want.plan_id());
    ASSERT_TRUE(reports[i].ok()) << reports[i].status();
    EXPECT_EQ(reports[i]->report_id(), want.report_id());
    EXPECT_EQ(reports[i]->rows_read(), want.rows_read());
    EXPECT_EQ(reports[i]->rows_accepted(), want.rows_accepted());
    EXPECT_EQ(reports[i]->rows_rejected(), want.rows_rejected());
    EXPECT_EQ(reports[i]->outcome(), want.outcome());
    EXPECT_TRUE(MessageDifferencer::Equals(reports[i]->changes(), want.changes()))
        << reports[i]->changes().ShortDebugString() << " vs " << want.changes().ShortDebugString();
  }
  EXPECT_GT(expected[0].rows_accepted(), 0);
}

}  // namespace
}  // namespace hub
