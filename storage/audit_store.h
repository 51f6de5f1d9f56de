// The audit log: an append-only, hash-chained sequence of hub.v1.AuditRecord
// in its own column family (ColumnFamily::kAudit).
//
// Each record carries sequence = previous + 1, prev_hash = the previous
// record's hash, and hash = SHA-256(serialized record with `hash` cleared).
// Changing any stored byte breaks the chain at that record (its hash no
// longer matches, or it no longer parses), and VerifyChain names it.
//
// Appends are written in chain order under one lock with
// Durability::kBuffered: a process crash loses nothing; a power loss may
// lose the newest records, never one in the middle (the write-ahead log is
// sequential), so the chain stays verifiable. Every synced commit of the
// hub (submissions, ingest) also syncs the audit records appended before it.
//
// Member references: MemberRef(cin) = "mbr_" + 16 hex digits of
// HMAC-SHA-256(key, cin), with a random key created on first use and kept
// in the same column family: the log never holds a CIN, and a ref cannot be
// reversed by hashing every possible CIN without the key.
//
// Thread safety: all methods may be called concurrently.
#ifndef HUB_STORAGE_AUDIT_STORE_H_
#define HUB_STORAGE_AUDIT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "base/sha256.h"
#include "hub/v1/audit.pb.h"
#include "storage/store.h"

namespace hub::storage {

class AuditStore {
 public:
  // Reads the chain's tail and the member-ref key (creating the key on
  // first use). `store` is not owned and must outlive the AuditStore.
  static absl::StatusOr<std::unique_ptr<AuditStore>> Open(Store* store);
  ~AuditStore();

  // Sets sequence, prev_hash and hash of `record` and appends it. Returns
  // the stored record's sequence.
  absl::StatusOr<uint64_t> Append(hub::v1::AuditRecord record);

  // The keyed hash of a CIN: "mbr_" + 16 lowercase hex digits (the first 8
  // bytes of HMAC-SHA256 under the store's key). Thread-safe; cheap enough
  // to call per streamed record (the key's pads are hashed once).
  std::string MemberRef(std::string_view cin) const;

  // Calls `fn` for each record with sequence > after_sequence, in order,
  // until it returns false. DataLoss for a record that does not parse.
  absl::Status Scan(uint64_t after_sequence,
                    const std::function<bool(const hub::v1::AuditRecord&)>& fn) const;

  struct Verification {
    bool ok = true;
    int64_t records_checked = 0;
    uint64_t first_broken_sequence = 0;  // 0 if ok
    std::string reason;                  // why it is broken; no PHI
  };
  // Recomputes the whole chain from its first kept record (the anchor a
  // purge leaves; sequence 1 with no previous hash before any purge).
  absl::StatusOr<Verification> VerifyChain() const;

  // Retention (storage/retention.h): removes the records whose time is
  // before `cutoff` with one range delete, never the newest record. The
  // first kept record's sequence and previous hash become the chain's
  // anchor (kept in the same column family, written in the same batch), so
  // VerifyChain still verifies every kept record and link. Records are
  // taken as appended in time order (the hub's clock). Returns the number
  // of records removed.
  absl::StatusOr<int64_t> PurgeBefore(absl::Time cutoff);

  // The first kept sequence (1 before any purge).
  absl::StatusOr<uint64_t> FirstSequence() const;

  // The last appended sequence (0 = empty log).
  uint64_t last_sequence() const;

  // The stored key of record `sequence` (for tests that tamper with it).
  static std::string RecordKey(uint64_t sequence);

 private:
  AuditStore(Store* store, std::unique_ptr<const HmacSha256> member_mac, uint64_t last_sequence,
             std::string last_hash);

  Store* const store_;
  // HMAC-SHA-256 under the store's audit key (member references).
  const std::unique_ptr<const HmacSha256> member_mac_;
  mutable absl::Mutex mu_;
  uint64_t last_sequence_ ABSL_GUARDED_BY(mu_);
  std::string last_hash_ ABSL_GUARDED_BY(mu_);
};

// SHA-256 of the record as stored for hashing (serialized with `hash`
// cleared). Exposed for tests.
std::string AuditRecordHash(const hub::v1::AuditRecord& record);

}  // namespace hub::storage

#endif  // HUB_STORAGE_AUDIT_STORE_H_
