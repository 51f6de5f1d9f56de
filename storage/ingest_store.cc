#include "storage/ingest_store.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

// Row error key suffix after "report_id\0": row_number BE8, '\0', ordinal BE4.
constexpr size_t kRowErrorSuffixSize = 8 + 1 + 4;
// Report list key suffix after "plan_id\0": ~sequence BE8.
constexpr size_t kReportSuffixSize = 8;

absl::Status BadCursor() {
  return absl::InvalidArgumentError(
      "the page cursor was not returned by this list; start again from the first page");
}

std::string RowErrorKey(std::string_view report_id, int64_t row_number, uint32_t ordinal) {
  std::string key = internal::Prefix({report_id});
  key += internal::EncodeBigEndian64(static_cast<uint64_t>(row_number));
  key.push_back(internal::kSeparator);
  key += internal::EncodeBigEndian32(ordinal);
  return key;
}

// Ended records sort apart from the row errors: "report_id\x01" + BE4.
constexpr char kEndedSeparator = '\x01';
constexpr size_t kEndedSuffixSize = 4;

std::string EndedPrefix(std::string_view report_id) {
  std::string key(report_id);
  key.push_back(kEndedSeparator);
  return key;
}

}  // namespace

IngestStore::IngestStore(Store* store) : store_(store) {}

void IngestStore::PutReport(WriteBatch& batch, const hub::v1::IngestReport& report) {
  hub::v1::IngestReport stored = report;
  stored.clear_row_errors();
  stored.clear_ended_records();
  const uint64_t sequence = store_->NextVersion(batch);
  Store::Rep& rep = internal::RepOf(*store_);
  internal::Put(rep, batch, ColumnFamily::kIngestReports, internal::ToSlice(stored.report_id()),
                stored.SerializeAsString());
  // Inverted, so the newest report sorts first.
  std::string key = internal::Prefix({stored.plan_id()});
  key += internal::EncodeBigEndian64(~sequence);
  internal::Put(rep, batch, ColumnFamily::kIngestReportsByPlan, key,
                internal::ToSlice(stored.report_id()));
}

absl::StatusOr<hub::v1::IngestReport> IngestStore::GetReport(std::string_view report_id) const {
  std::string value;
  ASSIGN_OR_RETURN(
      const bool found,
      internal::Get(internal::RepOf(*store_), ColumnFamily::kIngestReports, report_id, &value));
  if (!found) {
    return absl::NotFoundError(
        absl::StrCat("no ingest report has id \"", internal::Absl(report_id), "\""));
  }
  hub::v1::IngestReport report;
  RETURN_IF_ERROR(internal::ParseRecord(value, "ingest report", &report));
  return report;
}

absl::StatusOr<IngestStore::ReportPage> IngestStore::ListReports(std::string_view plan_id,
                                                                 std::string_view cursor,
                                                                 int limit) const {
  if (!cursor.empty() && cursor.size() != kReportSuffixSize) return BadCursor();
  const std::string prefix = internal::Prefix({plan_id});
  const std::string start = cursor.empty() ? std::string() : prefix + std::string(cursor);
  ReportPage page;
  std::vector<std::string> ids;
  std::string last_suffix;
  bool more = false;
  RETURN_IF_ERROR(internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kIngestReportsByPlan, prefix, start,
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        const std::string_view suffix = internal::ToView(key).substr(prefix.size());
        if (suffix == cursor) return true;  // The previous page's last entry.
        if (static_cast<int>(ids.size()) == limit) {
          more = true;
          return false;
        }
        ids.emplace_back(internal::ToView(value));
        last_suffix.assign(suffix.data(), suffix.size());
        return true;
      }));
  for (const std::string& id : ids) {
    absl::StatusOr<hub::v1::IngestReport> report = GetReport(id);
    if (absl::IsNotFound(report.status())) {
      return absl::DataLossError(
          "storage: the ingest report list points at a missing report; restore the data "
          "directory from a checkpoint");
    }
    RETURN_IF_ERROR(report.status());
    page.reports.push_back(*std::move(report));
  }
  if (more) page.next_cursor = last_suffix;
  return page;
}

void IngestStore::AddRowErrors(WriteBatch& batch, std::string_view report_id,
                               uint32_t first_ordinal, std::span<const hub::v1::RowError> errors) {
  std::string value;
  for (size_t i = 0; i < errors.size(); ++i) {
    errors[i].SerializeToString(&value);
    internal::Put(
        internal::RepOf(*store_), batch, ColumnFamily::kIngestRowErrors,
        RowErrorKey(report_id, errors[i].row_number(), first_ordinal + static_cast<uint32_t>(i)),
        value);
  }
}

void IngestStore::DeleteRowErrors(WriteBatch& batch, std::string_view report_id) {
  for (const std::string& begin : {internal::Prefix({report_id}), EndedPrefix(report_id)}) {
    const std::string end = internal::PrefixEnd(begin);
    internal::DeleteRange(internal::RepOf(*store_), batch, ColumnFamily::kIngestRowErrors, begin,
                          end);
  }
}

void IngestStore::AddEndedRecords(WriteBatch& batch, std::string_view report_id,
                                  uint32_t first_ordinal,
                                  std::span<const hub::v1::EndedRecord> records) {
  const std::string prefix = EndedPrefix(report_id);
  std::string value;
  for (size_t i = 0; i < records.size(); ++i) {
    records[i].SerializeToString(&value);
    internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kIngestRowErrors,
                  prefix + internal::EncodeBigEndian32(first_ordinal + static_cast<uint32_t>(i)),
                  value);
  }
}

namespace {

// One page of the records stored under `prefix` in kIngestRowErrors, in key
// order, after `cursor` (a key suffix; "" = from the start): appends up to
// `limit` to `out` and returns the cursor of the next page ("" at the end).
template <typename Record>
absl::StatusOr<std::string> ListPage(Store::Rep& rep, const std::string& prefix,
                                     std::string_view cursor, int limit, std::string_view what,
                                     std::vector<Record>& out) {
  const std::string start = cursor.empty() ? std::string() : prefix + std::string(cursor);
  std::string last_suffix;
  bool more = false;
  RETURN_IF_ERROR(internal::ForEachFrom(
      rep, ColumnFamily::kIngestRowErrors, prefix, start,
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        const std::string_view suffix = internal::ToView(key).substr(prefix.size());
        if (suffix == cursor) return true;
        if (static_cast<int>(out.size()) == limit) {
          more = true;
          return false;
        }
        RETURN_IF_ERROR(internal::ParseRecord(value, what, &out.emplace_back()));
        last_suffix.assign(suffix.data(), suffix.size());
        return true;
      }));
  return more ? last_suffix : std::string();
}

}  // namespace

absl::StatusOr<IngestStore::EndedRecordPage> IngestStore::ListEndedRecords(
    std::string_view report_id, std::string_view cursor, int limit) const {
  if (!cursor.empty() && cursor.size() != kEndedSuffixSize) return BadCursor();
  EndedRecordPage page;
  ASSIGN_OR_RETURN(page.next_cursor, ListPage(internal::RepOf(*store_), EndedPrefix(report_id),
                                              cursor, limit, "ended record", page.records));
  return page;
}

absl::StatusOr<IngestStore::RowErrorPage> IngestStore::ListRowErrors(std::string_view report_id,
                                                                     std::string_view cursor,
                                                                     int limit) const {
  if (!cursor.empty() && cursor.size() != kRowErrorSuffixSize) return BadCursor();
  RowErrorPage page;
  ASSIGN_OR_RETURN(page.next_cursor,
                   ListPage(internal::RepOf(*store_), internal::Prefix({report_id}), cursor, limit,
                            "row error", page.errors));
  return page;
}

}  // namespace hub::storage
