#include "storage/internal.h"

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace hub::storage::internal {

std::string Key(std::initializer_list<std::string_view> fields) {
  std::string key;
  size_t size = fields.size();
  for (std::string_view field : fields) size += field.size();
  key.reserve(size);
  bool first = true;
  for (std::string_view field : fields) {
    if (!first) key.push_back(kSeparator);
    key.append(field.data(), field.size());
    first = false;
  }
  return key;
}

std::vector<std::string_view> SplitFields(std::string_view key) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t end = key.find(kSeparator, start);
    fields.push_back(key.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return fields;
    start = end + 1;
  }
}

std::string Prefix(std::initializer_list<std::string_view> fields) {
  std::string prefix = Key(fields);
  prefix.push_back(kSeparator);
  return prefix;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix.data(), prefix.size());
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  // Every byte was 0xff (or the prefix was empty): no finite upper bound.
  // Not reachable with our keys; an empty bound would match nothing, so
  // return the largest practical key instead.
  return std::string(256, '\xff');
}

std::string EncodeBigEndian64(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[7 - i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

std::string EncodeBigEndian32(uint32_t value) {
  std::string bytes(4, '\0');
  for (int i = 0; i < 4; ++i) bytes[3 - i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

bool DecodeBigEndian64(std::string_view bytes, uint64_t* value) {
  if (bytes.size() != 8) return false;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  *value = v;
  return true;
}

std::string EncodeFixed64(uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return bytes;
}

bool DecodeFixed64(std::string_view bytes, uint64_t* value) {
  if (bytes.size() != 8) return false;
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(bytes[i]);
  *value = v;
  return true;
}

namespace {

std::string_view CodeName(const rocksdb::Status& status) {
  using Code = rocksdb::Status::Code;
  switch (status.code()) {
    case Code::kOk:
      return "ok";
    case Code::kNotFound:
      return "not found";
    case Code::kCorruption:
      return "corruption";
    case Code::kNotSupported:
      return "not supported";
    case Code::kInvalidArgument:
      return "invalid argument";
    case Code::kIOError:
      if (status.IsNoSpace()) return "I/O error: no space left on device";
      if (status.IsPathNotFound()) return "I/O error: path not found";
      return "I/O error";
    case Code::kMergeInProgress:
      return "merge in progress";
    case Code::kIncomplete:
      return "incomplete";
    case Code::kShutdownInProgress:
      return "shutdown in progress";
    case Code::kTimedOut:
      return "timed out";
    case Code::kAborted:
      return "aborted";
    case Code::kBusy:
      return "busy";
    case Code::kExpired:
      return "expired";
    case Code::kTryAgain:
      return "try again";
    case Code::kCompactionTooLarge:
      return "compaction too large";
    case Code::kColumnFamilyDropped:
      return "column family dropped";
    default:
      return "unknown error";
  }
}

}  // namespace

absl::Status FromRocksDb(const rocksdb::Status& status, std::string_view action) {
  if (status.ok()) return absl::OkStatus();
  const std::string what =
      absl::StrCat("storage: ", Absl(action), " failed (RocksDB: ", Absl(CodeName(status)), ")");
  using Code = rocksdb::Status::Code;
  switch (status.code()) {
    case Code::kCorruption:
      return absl::DataLossError(absl::StrCat(
          what,
          "; the database is damaged: stop hubd and restore the data directory from a checkpoint"));
    case Code::kIOError:
      if (status.IsNoSpace()) {
        // gRPC's code for "the entire file system is out of space". Writes
        // start again by themselves once space returns (Store::Commit).
        return absl::ResourceExhaustedError(
            absl::StrCat(what, "; the data volume is full: free space on it, then retry"));
      }
      return absl::UnavailableError(absl::StrCat(
          what, "; check the data volume (mount, permissions, disk health), then retry"));
    case Code::kBusy:
    case Code::kTimedOut:
    case Code::kTryAgain:
    case Code::kIncomplete:
    case Code::kShutdownInProgress:
      return absl::UnavailableError(absl::StrCat(what, "; retry"));
    case Code::kAborted:
      return absl::AbortedError(absl::StrCat(what, "; retry"));
    case Code::kNotFound:
      return absl::NotFoundError(what);
    default:
      return absl::InternalError(
          absl::StrCat(what, "; this is a hub bug: report it with hubd's log"));
  }
}

absl::Status UnparsableRecord(std::string_view kind) {
  return absl::DataLossError(absl::StrCat(
      "storage: a stored ", Absl(kind),
      " record does not parse; the database is damaged or was written by an incompatible hubd: "
      "restore the data directory from a checkpoint"));
}

absl::StatusOr<bool> Get(const Store::Rep& rep, ColumnFamily family, std::string_view key,
                         std::string* value, const rocksdb::Snapshot* snapshot) {
  absl::Status open = rep.CheckOpen();
  if (!open.ok()) return open;
  rocksdb::ReadOptions read_options;
  read_options.snapshot = snapshot;
  rocksdb::Status status = rep.db->Get(read_options, rep.cf(family), ToSlice(key), value);
  if (status.IsNotFound()) return false;
  if (!status.ok()) return FromRocksDb(status, "reading a record");
  return true;
}

void Put(const Store::Rep& store, WriteBatch& batch, ColumnFamily family, const rocksdb::Slice& key,
         const rocksdb::Slice& value) {
  internal::RepOf(batch).batch.Put(store.cf(family), key, value).PermitUncheckedError();
}

void Delete(const Store::Rep& store, WriteBatch& batch, ColumnFamily family,
            const rocksdb::Slice& key) {
  internal::RepOf(batch).batch.Delete(store.cf(family), key).PermitUncheckedError();
}

void DeleteRange(const Store::Rep& store, WriteBatch& batch, ColumnFamily family,
                 const rocksdb::Slice& begin, const rocksdb::Slice& end) {
  if (family == ColumnFamily::kFlowTallies) internal::RepOf(batch).flow_tallies_deleted = true;
  internal::RepOf(batch).batch.DeleteRange(store.cf(family), begin, end).PermitUncheckedError();
}

void Merge(const Store::Rep& store, WriteBatch& batch, ColumnFamily family,
           const rocksdb::Slice& key, const rocksdb::Slice& value) {
  internal::RepOf(batch).batch.Merge(store.cf(family), key, value).PermitUncheckedError();
}

}  // namespace hub::storage::internal
