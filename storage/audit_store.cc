#include "storage/audit_store.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/sha256.h"
#include "base/status_macros.h"
#include "storage/internal.h"

namespace hub::storage {
namespace {

constexpr std::string_view kRecordPrefix = "r";
constexpr std::string_view kKeyKey = "key";
// The chain's anchor after a purge: an AuditRecord holding the first kept
// record's sequence and prev_hash.
constexpr std::string_view kAnchorKey = "anchor";

// The anchor (sequence 1, no previous hash when nothing was purged).
absl::StatusOr<hub::v1::AuditRecord> ReadAnchor(const Store::Rep& rep) {
  hub::v1::AuditRecord anchor;
  std::string value;
  ASSIGN_OR_RETURN(const bool found, internal::Get(rep, ColumnFamily::kAudit, kAnchorKey, &value));
  if (found) {
    RETURN_IF_ERROR(internal::ParseRecord(rocksdb::Slice(value), "audit anchor", &anchor));
  } else {
    anchor.set_sequence(1);
  }
  return anchor;
}

std::string Hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 15]);
  }
  return out;
}

}  // namespace

std::string AuditRecordHash(const hub::v1::AuditRecord& record) {
  hub::v1::AuditRecord copy = record;
  copy.clear_hash();
  std::string bytes;
  // Deterministic: the same record always hashes the same.
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream out(&stream);
    out.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&out);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string AuditStore::RecordKey(uint64_t sequence) {
  return absl::StrCat(internal::Absl(kRecordPrefix), internal::EncodeBigEndian64(sequence));
}

AuditStore::AuditStore(Store* store, std::unique_ptr<const HmacSha256> member_mac,
                       uint64_t last_sequence, std::string last_hash)
    : store_(store),
      member_mac_(std::move(member_mac)),
      last_sequence_(last_sequence),
      last_hash_(std::move(last_hash)) {}

AuditStore::~AuditStore() = default;

absl::StatusOr<std::unique_ptr<AuditStore>> AuditStore::Open(Store* store) {
  Store::Rep& rep = internal::RepOf(*store);
  RETURN_IF_ERROR(rep.CheckOpen());
  std::string key;
  ASSIGN_OR_RETURN(const bool has_key, internal::Get(rep, ColumnFamily::kAudit, kKeyKey, &key));
  if (!has_key) {
    unsigned char random[32];
    if (RAND_bytes(random, sizeof(random)) != 1) {
      return absl::InternalError("cannot create the audit key: no randomness available");
    }
    key.assign(reinterpret_cast<const char*>(random), sizeof(random));
    WriteBatch batch;
    internal::Put(rep, batch, ColumnFamily::kAudit, internal::ToSlice(kKeyKey),
                  internal::ToSlice(key));
    RETURN_IF_ERROR(store->Commit(batch, Durability::kSync));
  }
  // The tail: the last record key.
  uint64_t last_sequence = 0;
  std::string last_hash;
  {
    const std::string upper = internal::PrefixEnd(std::string(kRecordPrefix));
    const rocksdb::Slice upper_slice(upper);
    rocksdb::ReadOptions options;
    options.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        rep.db->NewIterator(options, rep.cf(ColumnFamily::kAudit)));
    it->SeekForPrev(internal::ToSlice(upper));
    if (it->Valid() && it->key().starts_with(internal::ToSlice(kRecordPrefix))) {
      internal::DecodeBigEndian64(internal::ToView(it->key()).substr(kRecordPrefix.size()),
                                  &last_sequence);
      // A damaged tail still lets the hub start: VerifyChain reports it.
      hub::v1::AuditRecord last;
      if (last.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) {
        last_hash = last.hash();
      }
    }
    RETURN_IF_ERROR(internal::FromRocksDb(it->status(), "reading the audit log"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<const HmacSha256> member_mac, HmacSha256::Create(key));
  return std::unique_ptr<AuditStore>(
      new AuditStore(store, std::move(member_mac), last_sequence, std::move(last_hash)));
}

absl::StatusOr<uint64_t> AuditStore::Append(hub::v1::AuditRecord record) {
  absl::MutexLock lock(&mu_);
  record.set_sequence(last_sequence_ + 1);
  record.set_prev_hash(last_hash_);
  record.clear_hash();
  std::string hash = AuditRecordHash(record);
  record.set_hash(hash);
  WriteBatch batch;
  internal::Put(internal::RepOf(*store_), batch, ColumnFamily::kAudit, RecordKey(record.sequence()),
                record.SerializeAsString());
  RETURN_IF_ERROR(store_->Commit(batch, Durability::kBuffered));
  last_sequence_ = record.sequence();
  last_hash_ = std::move(hash);
  return last_sequence_;
}

std::string AuditStore::MemberRef(std::string_view cin) const {
  const std::string digest = member_mac_->Mac(cin);
  return absl::StrCat("mbr_", Hex(reinterpret_cast<const unsigned char*>(digest.data()), 8));
}

uint64_t AuditStore::last_sequence() const {
  absl::MutexLock lock(&mu_);
  return last_sequence_;
}

absl::Status AuditStore::Scan(uint64_t after_sequence,
                              const std::function<bool(const hub::v1::AuditRecord&)>& fn) const {
  return internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kAudit, kRecordPrefix, RecordKey(after_sequence + 1),
      [&](const rocksdb::Slice&, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        hub::v1::AuditRecord record;
        RETURN_IF_ERROR(internal::ParseRecord(value, "audit record", &record));
        return fn(record);
      });
}

absl::StatusOr<uint64_t> AuditStore::FirstSequence() const {
  ASSIGN_OR_RETURN(const hub::v1::AuditRecord anchor, ReadAnchor(internal::RepOf(*store_)));
  return anchor.sequence();
}

absl::StatusOr<int64_t> AuditStore::PurgeBefore(absl::Time cutoff) {
  absl::MutexLock lock(&mu_);
  Store::Rep& rep = internal::RepOf(*store_);
  ASSIGN_OR_RETURN(const hub::v1::AuditRecord anchor, ReadAnchor(rep));
  const uint64_t first = anchor.sequence();
  if (last_sequence_ <= first) return 0;
  auto read = [&](uint64_t sequence) -> absl::StatusOr<hub::v1::AuditRecord> {
    std::string value;
    ASSIGN_OR_RETURN(const bool found,
                     internal::Get(rep, ColumnFamily::kAudit, RecordKey(sequence), &value));
    if (!found) return absl::DataLossError(absl::StrCat("audit record ", sequence, " is missing"));
    hub::v1::AuditRecord record;
    RETURN_IF_ERROR(internal::ParseRecord(rocksdb::Slice(value), "audit record", &record));
    return record;
  };
  // The first record at or after the cutoff, by binary search over
  // [first, last]: the newest record is always kept.
  const int64_t cutoff_seconds = absl::ToUnixSeconds(cutoff);
  uint64_t lo = first, hi = last_sequence_;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo) / 2;
    ASSIGN_OR_RETURN(const hub::v1::AuditRecord record, read(mid));
    if (record.time().seconds() < cutoff_seconds) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == first) return 0;
  ASSIGN_OR_RETURN(const hub::v1::AuditRecord kept, read(lo));
  hub::v1::AuditRecord new_anchor;
  new_anchor.set_sequence(lo);
  new_anchor.set_prev_hash(kept.prev_hash());
  WriteBatch batch;
  internal::Put(rep, batch, ColumnFamily::kAudit, internal::ToSlice(kAnchorKey),
                new_anchor.SerializeAsString());
  internal::DeleteRange(rep, batch, ColumnFamily::kAudit, RecordKey(first), RecordKey(lo));
  RETURN_IF_ERROR(store_->Commit(batch, Durability::kSync));
  return static_cast<int64_t>(lo - first);
}

absl::StatusOr<AuditStore::Verification> AuditStore::VerifyChain() const {
  Verification v;
  ASSIGN_OR_RETURN(const hub::v1::AuditRecord anchor, ReadAnchor(internal::RepOf(*store_)));
  uint64_t expected = anchor.sequence();
  std::string prev_hash = anchor.prev_hash();
  absl::Status scan = internal::ForEachFrom(
      internal::RepOf(*store_), ColumnFamily::kAudit, kRecordPrefix, RecordKey(expected),
      [&](const rocksdb::Slice& key, const rocksdb::Slice& value) -> absl::StatusOr<bool> {
        uint64_t key_sequence = 0;
        internal::DecodeBigEndian64(internal::ToView(key).substr(kRecordPrefix.size()),
                                    &key_sequence);
        auto broken = [&](uint64_t at, std::string reason) {
          v.ok = false;
          v.first_broken_sequence = at;
          v.reason = std::move(reason);
          return false;
        };
        if (key_sequence != expected) {
          return broken(expected, absl::StrCat("record ", expected,
                                               " is missing (the next stored "
                                               "record is ",
                                               key_sequence, ")"));
        }
        hub::v1::AuditRecord record;
        if (!record.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          return broken(key_sequence, "the stored record does not parse (its bytes were changed)");
        }
        ++v.records_checked;
        if (record.sequence() != key_sequence) {
          return broken(key_sequence,
                        absl::StrCat("the record says it is number ", record.sequence()));
        }
        if (record.prev_hash() != prev_hash) {
          return broken(key_sequence, "its link to the previous record does not match");
        }
        if (AuditRecordHash(record) != record.hash()) {
          return broken(key_sequence, "its content does not match its hash (it was changed)");
        }
        prev_hash = record.hash();
        ++expected;
        return true;
      });
  RETURN_IF_ERROR(scan);
  return v;
}

}  // namespace hub::storage
