// Loads a large set of members and coverage periods into a store by
// writing RocksDB table files directly and ingesting them (no memtables,
// no write-ahead log, no compaction of the loaded data): minutes instead of
// hours for a state-sized membership on 2 cores. Used to build the
// benchmarks' full stores (bench/), cached on disk between runs.
//
// Records must come in increasing CIN order (a member before its coverage
// periods is not required: each family is written in its own files), and a
// member's coverage periods in increasing (plan_id, start_date) order. Each
// coverage period gets a fresh hub-wide version, as CoverageIndex::Put
// gives it. Nothing is visible in the store before Finish returns OK.
//
// Thread safety: one thread at a time.
#ifndef HUB_STORAGE_BULK_LOADER_H_
#define HUB_STORAGE_BULK_LOADER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "hub/v1/member.pb.h"
#include "storage/store.h"

namespace hub::storage {

class BulkLoader {
 public:
  // `store` must outlive the loader. Table files are written under
  // `scratch_dir` (created if missing; on the same file system as the
  // store, so ingestion moves them instead of copying).
  BulkLoader(Store* store, std::string scratch_dir);
  // Deletes table files not ingested yet.
  ~BulkLoader();
  BulkLoader(const BulkLoader&) = delete;
  BulkLoader& operator=(const BulkLoader&) = delete;

  // InvalidArgument if the CIN is not greater than the previous member's.
  absl::Status AddMember(const hub::v1::Member& member);
  // InvalidArgument if (cin, plan_id, start_date) is not greater than the
  // previous period's.
  absl::Status AddCoverage(const hub::v1::Coverage& coverage);
  // Ingests every table file written and persists the version high-water
  // mark. The loader is unusable afterwards.
  absl::Status Finish();

  struct Rep;

 private:
  std::unique_ptr<Rep> rep_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_BULK_LOADER_H_
