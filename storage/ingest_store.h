// Reports of plan file ingest (hub.v1.IngestReport) and every row error of
// each, so a past report and all its rejected rows can be read back.
//
// Layout: a report is stored once under its report_id without its
// row_errors and ended_records; a per-plan index lists reports newest first; row errors are
// stored one per key, in row order (report_id, row_number, ordinal), so a
// file with millions of bad rows is paged through, never held in memory;
// the records a snapshot ended likewise, under (report_id, 0x01, ordinal)
// in the same column family.
//
// Thread safety: safe for concurrent use (see store.h). Writes go into a
// caller's WriteBatch; the caller commits.
#ifndef HUB_STORAGE_INGEST_STORE_H_
#define HUB_STORAGE_INGEST_STORE_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "hub/v1/ingest.pb.h"
#include "storage/store.h"

namespace hub::storage {

class IngestStore {
 public:
  // `store` must outlive this object.
  explicit IngestStore(Store* store);

  // Adds to `batch` the report (without its row_errors: store those with
  // AddRowErrors) and an entry at the head of its plan's list (a new Store
  // version orders the list). Call once per report_id: a second call lists
  // the report twice.
  void PutReport(WriteBatch& batch, const hub::v1::IngestReport& report);

  // The report with that id, row_errors empty. NotFound if there is none.
  absl::StatusOr<hub::v1::IngestReport> GetReport(std::string_view report_id) const;

  struct ReportPage {
    // Newest first, row_errors empty.
    std::vector<hub::v1::IngestReport> reports;
    // Pass to the next call; "" when there are no more reports.
    std::string next_cursor;
  };
  // Up to `limit` (>= 1) reports of `plan_id`, newest first, after `cursor`
  // ("" = from the newest). InvalidArgument if `cursor` is not one this
  // method returned.
  absl::StatusOr<ReportPage> ListReports(std::string_view plan_id, std::string_view cursor,
                                         int limit) const;

  // Adds `errors` of `report_id` to `batch`; errors[i] is stored under
  // (errors[i].row_number, first_ordinal + i). Ordinals keep several errors
  // of one row apart and in order; a writer numbers a report's errors
  // 0, 1, 2... so that writing the same errors again overwrites them.
  void AddRowErrors(WriteBatch& batch, std::string_view report_id, uint32_t first_ordinal,
                    std::span<const hub::v1::RowError> errors);

  // Adds to `batch` the removal of every row error and ended record of
  // `report_id` (two range deletions). Writes added to the batch after it
  // are kept.
  void DeleteRowErrors(WriteBatch& batch, std::string_view report_id);

  // Adds `records` (what a snapshot file ended) of `report_id` to `batch`;
  // records[i] is stored under first_ordinal + i, so that writing the same
  // records again overwrites them. DeleteRowErrors removes them too.
  void AddEndedRecords(WriteBatch& batch, std::string_view report_id, uint32_t first_ordinal,
                       std::span<const hub::v1::EndedRecord> records);

  struct EndedRecordPage {
    // In ordinal order.
    std::vector<hub::v1::EndedRecord> records;
    // Pass to the next call; "" when there are no more records.
    std::string next_cursor;
  };
  // Up to `limit` (>= 1) ended records of `report_id` after `cursor` ("" =
  // from the first). InvalidArgument if `cursor` is not one this method
  // returned.
  absl::StatusOr<EndedRecordPage> ListEndedRecords(std::string_view report_id,
                                                   std::string_view cursor, int limit) const;

  struct RowErrorPage {
    // In (row_number, ordinal) order.
    std::vector<hub::v1::RowError> errors;
    // Pass to the next call; "" when there are no more errors.
    std::string next_cursor;
  };
  // Up to `limit` (>= 1) row errors of `report_id` after `cursor` ("" = from
  // the first). InvalidArgument if `cursor` is not one this method returned.
  absl::StatusOr<RowErrorPage> ListRowErrors(std::string_view report_id, std::string_view cursor,
                                             int limit) const;

 private:
  Store* store_;
};

}  // namespace hub::storage

#endif  // HUB_STORAGE_INGEST_STORE_H_
