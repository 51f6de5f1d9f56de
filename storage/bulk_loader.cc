#include "storage/bulk_loader.h"

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "rocksdb/env.h"
#include "rocksdb/sst_file_writer.h"
#include "storage/internal.h"

namespace hub::storage {
// Named, not anonymous: BulkLoader::Rep (external linkage) holds these.
namespace bulk_load {

// Table files are cut at this size (the store's compactions would cut the
// same data into 32 MiB tables; larger ingested files are fine).
constexpr uint64_t kFileBytes = 256u << 20;

// One column family's table files.
class FamilyWriter {
 public:
  FamilyWriter(Store::Rep& rep, ColumnFamily family, std::string dir)
      : rep_(rep), family_(family), dir_(std::move(dir)) {}
  ~FamilyWriter() {
    if (writer_ != nullptr) writer_->Finish().PermitUncheckedError();
  }

  absl::Status Add(std::string_view key, std::string_view value) {
    if (!last_key_.empty() && key <= last_key_) {
      return absl::InvalidArgumentError(
          absl::StrCat("bulk load of ", internal::Absl(ColumnFamilyName(family_)),
                       ": records must come in increasing key order"));
    }
    last_key_.assign(key);
    if (writer_ == nullptr || writer_->FileSize() >= kFileBytes) RETURN_IF_ERROR(NextFile());
    return internal::FromRocksDb(writer_->Put(internal::ToSlice(key), internal::ToSlice(value)),
                                 "writing a table file");
  }

  // Closes the last file and ingests them all.
  absl::Status Ingest() {
    RETURN_IF_ERROR(CloseFile());
    if (files_.empty()) return absl::OkStatus();
    rocksdb::IngestExternalFileOptions options;
    options.move_files = true;
    return internal::FromRocksDb(rep_.db->IngestExternalFile(rep_.cf(family_), files_, options),
                                 "ingesting table files");
  }

 private:
  absl::Status NextFile() {
    RETURN_IF_ERROR(CloseFile());
    rocksdb::ColumnFamilyDescriptor descriptor;
    RETURN_IF_ERROR(
        internal::FromRocksDb(rep_.cf(family_)->GetDescriptor(&descriptor), "reading options"));
    rocksdb::Options options(rep_.db->GetDBOptions(), descriptor.options);
    writer_ =
        std::make_unique<rocksdb::SstFileWriter>(rocksdb::EnvOptions(), options, rep_.cf(family_));
    files_.push_back(absl::StrCat(dir_, "/", internal::Absl(ColumnFamilyName(family_)), "-",
                                  files_.size(), ".sst"));
    return internal::FromRocksDb(writer_->Open(files_.back()), "creating a table file");
  }

  absl::Status CloseFile() {
    if (writer_ == nullptr) return absl::OkStatus();
    rocksdb::Status status = writer_->Finish();
    writer_.reset();
    return internal::FromRocksDb(status, "finishing a table file");
  }

  Store::Rep& rep_;
  const ColumnFamily family_;
  const std::string dir_;
  std::unique_ptr<rocksdb::SstFileWriter> writer_;
  std::vector<std::string> files_;
  std::string last_key_;
};

}  // namespace bulk_load

struct BulkLoader::Rep {
  Store* store;
  std::string dir;
  std::unique_ptr<bulk_load::FamilyWriter> members;
  std::unique_ptr<bulk_load::FamilyWriter> coverage;
  std::string value;
  hub::v1::Coverage period;
};

BulkLoader::BulkLoader(Store* store, std::string scratch_dir) : rep_(std::make_unique<Rep>()) {
  rep_->store = store;
  rep_->dir = std::move(scratch_dir);
  std::error_code ec;
  std::filesystem::create_directories(rep_->dir, ec);
  rep_->members = std::make_unique<bulk_load::FamilyWriter>(internal::RepOf(*store),
                                                            ColumnFamily::kMembers, rep_->dir);
  rep_->coverage = std::make_unique<bulk_load::FamilyWriter>(internal::RepOf(*store),
                                                             ColumnFamily::kCoverage, rep_->dir);
}

BulkLoader::~BulkLoader() {
  rep_->members.reset();
  rep_->coverage.reset();
  std::error_code ec;
  std::filesystem::remove_all(rep_->dir, ec);
}

absl::Status BulkLoader::AddMember(const hub::v1::Member& member) {
  RETURN_IF_ERROR(internal::RepOf(*rep_->store).CheckOpen());
  member.SerializeToString(&rep_->value);
  return rep_->members->Add(member.cin(), rep_->value);
}

absl::Status BulkLoader::AddCoverage(const hub::v1::Coverage& coverage) {
  RETURN_IF_ERROR(internal::RepOf(*rep_->store).CheckOpen());
  rep_->period = coverage;
  WriteBatch unused;  // NextVersion's high-water mark: persisted by Finish.
  rep_->period.set_version(rep_->store->NextVersion(unused));
  rep_->period.SerializeToString(&rep_->value);
  return rep_->coverage->Add(
      internal::Key({coverage.cin(), coverage.plan_id(), coverage.start_date()}), rep_->value);
}

absl::Status BulkLoader::Finish() {
  RETURN_IF_ERROR(rep_->members->Ingest());
  RETURN_IF_ERROR(rep_->coverage->Ingest());
  // Persists the high-water mark past every version handed out.
  WriteBatch batch;
  rep_->store->NextVersion(batch);
  return rep_->store->Commit(batch, Durability::kSync);
}

}  // namespace hub::storage
