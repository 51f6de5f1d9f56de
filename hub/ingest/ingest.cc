#include "hub/ingest/ingest.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "adapters/plan_adapter.h"
#include "adapters/readers/record.h"
#include "base/civil_date.h"
#include "base/identifiers.h"
#include "base/status_macros.h"
#include "google/protobuf/timestamp.pb.h"
#include "hub/common/log.h"
#include "hub/ingest/claim_answers.h"
#include "hub/v1/adapter_config.pb.h"
#include "hub/v1/organization.pb.h"
#include "storage/care_store.h"
#include "storage/coverage_index.h"
#include "storage/directory_store.h"
#include "storage/ingest_store.h"
#include "storage/member_store.h"
#include "storage/quality_store.h"
#include "storage/store.h"

namespace hub {

using hub::v1::AssignmentFileRow;
using hub::v1::AuthorizationFileRow;
using hub::v1::FileKind;
using hub::v1::IngestReport;
using hub::v1::QualityFileRow;

struct IngestStores {
  explicit IngestStores(storage::Store* store)
      : members(store), coverage(store), care(store), quality(store), ingest(store) {}
  storage::MemberStore members;
  storage::CoverageIndex coverage;
  storage::CareStore care;
  storage::QualityStore quality;
  storage::IngestStore ingest;
};

// Striped exclusive locks on member records, owned by ingests (see
// ingest.h). One mutex guards the owner table: taking a free stripe costs one
// uncontended lock.
class MemberLocks {
 public:
  static constexpr size_t kStripes = 1024;
  static size_t StripeOf(std::string_view cin) {
    return std::hash<std::string_view>()(cin) % kStripes;
  }
  // True if `owner` now holds `stripe` (it was free or already its own).
  bool TryAcquire(size_t stripe, uint64_t owner) {
    absl::MutexLock lock(&mu_);
    if (owners_[stripe] != 0 && owners_[stripe] != owner) return false;
    owners_[stripe] = owner;
    return true;
  }
  // Waits until `stripe` is free, then takes it. The caller must hold no
  // stripe while it waits.
  void Acquire(size_t stripe, uint64_t owner) {
    absl::MutexLock lock(&mu_);
    struct Args {
      MemberLocks* self;
      size_t stripe;
      uint64_t owner;
    } args{this, stripe, owner};
    mu_.Await(absl::Condition(
        +[](Args* a) {
          a->self->mu_.AssertHeld();
          return a->self->owners_[a->stripe] == 0 || a->self->owners_[a->stripe] == a->owner;
        },
        &args));
    owners_[stripe] = owner;
  }
  void Release(const std::vector<size_t>& stripes, uint64_t owner) {
    absl::MutexLock lock(&mu_);
    for (size_t stripe : stripes) {
      if (owners_[stripe] == owner) owners_[stripe] = 0;
    }
  }

 private:
  absl::Mutex mu_;
  std::vector<uint64_t> owners_ ABSL_GUARDED_BY(mu_) = std::vector<uint64_t>(kStripes, 0);
};

namespace {

// Reason codes the hub's own row validation adds to the adapters' (see
// adapters/README.md).
constexpr char kRowBadCin[] = "ROW_BAD_CIN";
constexpr char kRowBadNpi[] = "ROW_BAD_NPI";
constexpr char kRowUnknownProvider[] = "ROW_UNKNOWN_PROVIDER";
constexpr char kRowProviderNotContracted[] = "ROW_PROVIDER_NOT_CONTRACTED";
constexpr char kRowServiceNotOffered[] = "ROW_SERVICE_NOT_OFFERED";
constexpr char kRowRequiredMissing[] = "ROW_REQUIRED_MISSING";
constexpr char kRowBadPeriod[] = "ROW_BAD_PERIOD";
constexpr char kRowMissingPof[] = "ROW_MISSING_POF";
constexpr char kRowBadUnits[] = "ROW_BAD_UNITS";
constexpr char kRowBadMeasure[] = "ROW_BAD_MEASURE";
// A warning, not a rejection: the row was applied (see ingest.h, CAPACITY).
constexpr char kRowOverCapacity[] = "ROW_OVER_CAPACITY";
// Row warnings stored per report; the report's counts give the total.
constexpr int kMaxRowWarnings = 100;

// The provider cache is cleared when it grows past this (a county has a few
// hundred providers).
constexpr size_t kProviderCacheLimit = 4096;

absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

google::protobuf::Timestamp ToTimestamp(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t nanos = absl::ToUnixNanos(t);
  int64_t seconds = nanos / 1000000000;
  int64_t rest = nanos % 1000000000;
  if (rest < 0) {
    rest += 1000000000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rest));
  return ts;
}

// The ISO day before `t`'s UTC day.
std::string DayBefore(absl::Time t) {
  const absl::CivilDay day = absl::ToCivilDay(t, absl::UTCTimeZone()) - 1;
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

bool HasKind(const google::protobuf::RepeatedField<int>& kinds, int kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

// True if `provider` has a contract with `plan_id` covering `kind`
// (UNSPECIFIED: any contract). A contract listing no kinds covers all of the
// provider's kinds, as in DirectoryService.ListProviders.
bool Contracted(const hub::v1::Provider& provider, std::string_view plan_id,
                hub::v1::ProviderKind kind) {
  for (const hub::v1::PlanContract& c : provider.contracts()) {
    if (c.plan_id() != plan_id) continue;
    if (kind == hub::v1::PROVIDER_KIND_UNSPECIFIED) return true;
    if (c.kinds().empty() ? HasKind(provider.kinds(), kind) : HasKind(c.kinds(), kind)) return true;
  }
  return false;
}

// The capacity `provider` agreed with `plan_id` for `kind` in its contract
// in effect on `iso_day` (the first such contract covering the kind); 0 = no
// limit.
int AgreedCapacity(const hub::v1::Provider& provider, std::string_view plan_id,
                   hub::v1::ProviderKind kind, std::string_view iso_day) {
  for (const hub::v1::PlanContract& c : provider.contracts()) {
    if (c.plan_id() != plan_id) continue;
    if (!c.start_date().empty() && iso_day < c.start_date()) continue;
    if (!c.end_date().empty() && iso_day > c.end_date()) continue;
    if (!(c.kinds().empty() ? HasKind(provider.kinds(), kind) : HasKind(c.kinds(), kind))) {
      continue;
    }
    return kind == hub::v1::PROVIDER_KIND_ECM ? c.ecm_capacity() : c.cs_capacity();
  }
  return 0;
}

// "YYYY-MM", "YYYY Qn" or "YYYY".
bool IsMeasurePeriod(std::string_view p) {
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i) {
      if (p[i] < '0' || p[i] > '9') return false;
    }
    return true;
  };
  if (p.size() < 4 || !digits(0, 4) || p[0] == '0') return false;
  if (p.size() == 4) return true;
  if (p.size() == 7 && p[4] == '-' && digits(5, 2)) {
    const int month = (p[5] - '0') * 10 + (p[6] - '0');
    return month >= 1 && month <= 12;
  }
  return p.size() == 7 && p[4] == ' ' && p[5] == 'Q' && p[6] >= '1' && p[6] <= '4';
}

// True if the two records are equal except for their output-only version.
template <typename Record>
bool SameIgnoringVersion(Record a, Record b) {
  a.clear_version();
  b.clear_version();
  return a.SerializeAsString() == b.SerializeAsString();
}

bool SameMember(const hub::v1::Member& a, const hub::v1::Member& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

bool HasAddress(const hub::v1::PostalAddress& a) {
  return !a.line1().empty() || !a.line2().empty() || !a.city().empty() || !a.state().empty() ||
         !a.zip().empty();
}

// The stored member updated with what `row` says: fields the row lacks keep
// their stored values; the plan's identifiers entry is set.
hub::v1::Member MergeMember(const std::optional<hub::v1::Member>& stored,
                            const AssignmentFileRow& row, const std::string& plan_id) {
  hub::v1::Member m = stored.has_value() ? *stored : hub::v1::Member();
  const hub::v1::Member& in = row.member();
  m.set_cin(in.cin());
  if (!in.name().first().empty() || !in.name().last().empty()) *m.mutable_name() = in.name();
  if (!in.date_of_birth().empty()) m.set_date_of_birth(in.date_of_birth());
  if (in.sex() != hub::v1::SEX_UNSPECIFIED) m.set_sex(in.sex());
  if (HasAddress(in.address())) *m.mutable_address() = in.address();
  if (!in.phone().empty()) m.set_phone(in.phone());
  if (!in.preferred_spoken_language().empty()) {
    m.set_preferred_spoken_language(in.preferred_spoken_language());
  }
  if (!in.preferred_written_language().empty()) {
    m.set_preferred_written_language(in.preferred_written_language());
  }
  if (in.has_experiencing_homelessness()) {
    m.set_experiencing_homelessness(in.experiencing_homelessness());
  }
  if (!row.plan_member_id().empty() || !row.medical_record_number().empty()) {
    hub::v1::PlanMemberId* entry = nullptr;
    for (hub::v1::PlanMemberId& id : *m.mutable_plan_member_ids()) {
      if (id.plan_id() == plan_id) entry = &id;
    }
    if (entry == nullptr) {
      entry = m.add_plan_member_ids();
      entry->set_plan_id(plan_id);
    }
    if (!row.plan_member_id().empty()) entry->set_member_id(row.plan_member_id());
    if (!row.medical_record_number().empty()) {
      entry->set_medical_record_number(row.medical_record_number());
    }
  }
  return m;
}

std::string CoverageKey(const hub::v1::Coverage& c) {
  return absl::StrCat(c.cin(), std::string(1, '\0'), c.plan_id(), std::string(1, '\0'),
                      c.start_date());
}

std::string AssignmentKey(const hub::v1::Assignment& a) {
  const std::string sep(1, '\0');
  return absl::StrCat(a.cin(), sep, a.plan_id(), sep, a.provider_id(), sep, a.benefit_start_date());
}

std::string QualityKey(const hub::v1::QualityMeasureReport& r) {
  const std::string sep(1, '\0');
  return absl::StrCat(r.provider_id(), sep, r.plan_id(), sep, r.measure_id(), sep, r.period(), sep,
                      r.stratifier());
}

absl::Status CancelledStatus() {
  return absl::CancelledError(
      "the upload was cancelled (the client went away or the hub is stopping); upload the file "
      "again: rows already applied are recognized as unchanged");
}

// Feeds the file at `path` to `reader` in `block`-byte reads, then Finish.
absl::Status FeedFile(const std::string& path, size_t block, adapters::StreamReader& reader,
                      const std::atomic<bool>* cancelled) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    log::Error("ingest_spool_unreadable", {{"spool_path", path}});
    return absl::InternalError(
        "the hub cannot read back the uploaded file from its spool folder; upload it again, and "
        "if this persists, the administrator checks hubd's log (ingest_spool_unreadable)");
  }
  std::string buffer(std::max<size_t>(block, 1), '\0');
  while (true) {
    if (cancelled != nullptr && cancelled->load(std::memory_order_relaxed)) {
      return CancelledStatus();
    }
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize n = in.gcount();
    if (n > 0)
      RETURN_IF_ERROR(reader.Feed(std::string_view(buffer.data(), static_cast<size_t>(n))));
    if (!in) {
      if (in.bad()) {
        log::Error("ingest_spool_unreadable", {{"spool_path", path}});
        return absl::InternalError(
            "the hub could not read the uploaded file back from its spool folder; upload it "
            "again");
      }
      break;  // End of file.
    }
  }
  return reader.Finish();
}

// Pass 1's sink: the rows are not needed, only whether the file reads.
class DiscardSink final : public adapters::CanonicalRowSink {
 public:
  explicit DiscardSink(const std::atomic<bool>* cancelled) : cancelled_(cancelled) {}
  absl::Status OnRow(int64_t, const google::protobuf::Message&) override { return Check(); }
  absl::Status OnRowError(const adapters::RowError&) override { return Check(); }

 private:
  absl::Status Check() {
    if (cancelled_ != nullptr && cancelled_->load(std::memory_order_relaxed)) {
      return CancelledStatus();
    }
    return absl::OkStatus();
  }
  const std::atomic<bool>* cancelled_;
};

// True if the layout of `kind` has checks only the end of the file can
// settle (a trailer count, the X12 envelope, header/trailer record order):
// then the whole file is read once before anything is applied. Layouts
// without them can only fail at their first records, before any commit.
// The whole spool (answer files, bounded by kMaxClaimAnswerFileBytes).
absl::StatusOr<std::string> ReadSpool(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  if (!in.is_open() || !(bytes << in.rdbuf()) || in.bad()) {
    return absl::InternalError("the spooled upload could not be read; upload the file again");
  }
  return std::move(bytes).str();
}

bool NeedsWholeFileCheck(const hub::v1::PlanProfile& profile, FileKind kind) {
  for (const hub::v1::FileLayout& layout : profile.layouts()) {
    if (layout.kind() != kind) continue;
    switch (layout.format_case()) {
      case hub::v1::FileLayout::kDelimited:
        return !layout.delimited().trailer_tag().empty();
      case hub::v1::FileLayout::kFixedWidth:
        return !layout.fixed_width().trailer_record_type().empty() ||
               !layout.fixed_width().header_record_type().empty();
      default:
        return true;
    }
  }
  return true;  // Unknown layout (a custom adapter): be safe.
}

// Runs the adapter's parser over the spool on its own thread and hands the
// canonical rows and row errors to `sink` on the calling thread, in file
// order, through a small bounded queue of blocks: parsing and mapping
// overlap with validation and storage, and memory stays bounded (the
// blocks' messages are reused).
class ParseAhead {
 public:
  struct Result {
    // The parser's status (OK, a file error, Cancelled), or the sink's first
    // error, which stops the parser.
    absl::Status status;
    int64_t rows_read = 0;
  };

  static Result Run(const adapters::PlanAdapter& adapter, FileKind kind, const std::string& path,
                    size_t read_block_bytes, const std::atomic<bool>* cancelled,
                    adapters::CanonicalRowSink& sink) {
    ParseAhead queue;
    Result result;
    absl::Status producer_status;
    std::thread producer([&] {
      Producer producer_sink(&queue);
      absl::StatusOr<std::unique_ptr<adapters::StreamReader>> parser =
          adapter.OpenParser(kind, &producer_sink);
      absl::Status status = parser.status();
      if (status.ok()) status = FeedFile(path, read_block_bytes, **parser, cancelled);
      if (status.ok()) status = producer_sink.Flush();
      if (parser.ok()) result.rows_read = (*parser)->stats().rows_read;
      queue.ProducerDone(status);
    });
    absl::Status consumer_status = queue.Consume(sink);
    producer.join();
    absl::MutexLock lock(&queue.mu_);
    result.status = consumer_status.ok() ? queue.producer_status_ : consumer_status;
    return result;
  }

 private:
  static constexpr int kBlocks = 4;
  static constexpr size_t kBlockItems = 512;

  struct Item {
    bool is_error = false;
    int64_t row_number = 0;
    std::unique_ptr<google::protobuf::Message> row;  // Reused across blocks.
    adapters::RowError error;
  };
  struct Block {
    std::vector<Item> items;
    size_t size = 0;
  };

  // The parser's sink, on the producer thread.
  class Producer final : public adapters::CanonicalRowSink {
   public:
    explicit Producer(ParseAhead* queue) : queue_(queue) {}
    absl::Status OnRow(int64_t row_number, const google::protobuf::Message& row) override {
      ASSIGN_OR_RETURN(Item * item, Next());
      item->is_error = false;
      item->row_number = row_number;
      if (item->row == nullptr || item->row->GetDescriptor() != row.GetDescriptor()) {
        item->row.reset(row.New());
      }
      item->row->CopyFrom(row);
      return absl::OkStatus();
    }
    absl::Status OnRowError(const adapters::RowError& error) override {
      ASSIGN_OR_RETURN(Item * item, Next());
      item->is_error = true;
      item->row_number = error.row_number;
      item->error = error;
      return absl::OkStatus();
    }
    // Hands over the last, partly filled block.
    absl::Status Flush() {
      if (block_ != nullptr && block_->size > 0) return queue_->Push(std::move(block_));
      return absl::OkStatus();
    }

   private:
    absl::StatusOr<Item*> Next() {
      if (block_ != nullptr && block_->size == kBlockItems) {
        RETURN_IF_ERROR(queue_->Push(std::move(block_)));
      }
      if (block_ == nullptr) {
        ASSIGN_OR_RETURN(block_, queue_->TakeFree());
        block_->size = 0;
      }
      if (block_->items.size() <= block_->size) block_->items.emplace_back();
      return &block_->items[block_->size++];
    }
    ParseAhead* queue_;
    std::unique_ptr<Block> block_;
  };

  ParseAhead() {
    for (int i = 0; i < kBlocks; ++i) free_.push_back(std::make_unique<Block>());
  }

  absl::Status ConsumerStopped() {
    return absl::CancelledError("ingest: the row consumer stopped");
  }

  absl::StatusOr<std::unique_ptr<Block>> TakeFree() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](ParseAhead* q) { return !q->free_.empty() || q->consumer_stopped_; }, this));
    if (consumer_stopped_) return ConsumerStopped();
    std::unique_ptr<Block> block = std::move(free_.back());
    free_.pop_back();
    return block;
  }

  absl::Status Push(std::unique_ptr<Block> block) {
    absl::MutexLock lock(&mu_);
    if (consumer_stopped_) return ConsumerStopped();
    full_.push_back(std::move(block));
    return absl::OkStatus();
  }

  void ProducerDone(absl::Status status) {
    absl::MutexLock lock(&mu_);
    producer_done_ = true;
    producer_status_ = std::move(status);
  }

  // Feeds every queued item to `sink` until the producer is done; on the
  // sink's first error, stops the producer and returns that error.
  absl::Status Consume(adapters::CanonicalRowSink& sink) {
    while (true) {
      std::unique_ptr<Block> block;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](ParseAhead* q) { return !q->full_.empty() || q->producer_done_; }, this));
        if (full_.empty()) return absl::OkStatus();  // Producer done.
        // A producer that failed stops the rows where it failed.
        if (producer_done_ && !producer_status_.ok()) return absl::OkStatus();
        block = std::move(full_.front());
        full_.pop_front();
      }
      absl::Status status = absl::OkStatus();
      for (size_t i = 0; i < block->size && status.ok(); ++i) {
        const Item& item = block->items[i];
        status =
            item.is_error ? sink.OnRowError(item.error) : sink.OnRow(item.row_number, *item.row);
      }
      absl::MutexLock lock(&mu_);
      free_.push_back(std::move(block));
      if (!status.ok()) {
        consumer_stopped_ = true;
        return status;
      }
    }
  }

  absl::Mutex mu_;
  std::deque<std::unique_ptr<Block>> full_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<Block>> free_ ABSL_GUARDED_BY(mu_);
  bool producer_done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status producer_status_ ABSL_GUARDED_BY(mu_);
  bool consumer_stopped_ ABSL_GUARDED_BY(mu_) = false;
};

// Commits one ingest's write batches on a thread of its own, one at a time
// and in order, so that the ingest builds batch N+1 (reads, validation,
// serialization) while batch N is inserted into the memtables: on a
// multi-core host the commit no longer stalls the row pipeline. At most one
// batch is in flight; the caller waits for it (Wait) before submitting the
// next one, before reading what it wrote, and before anything else that must
// see it committed.
class BatchCommitter {
 public:
  explicit BatchCommitter(storage::Store* store) : store_(store) {}
  // Waits for the batch in flight, then stops the thread.
  ~BatchCommitter() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    if (thread_.joinable()) thread_.join();
  }

  // Hands over `batch`'s writes for a kBuffered commit and leaves `batch`
  // empty (it gets the committer's spare, already cleared). Precondition:
  // nothing in flight (Wait returned since the last Submit).
  void Submit(storage::WriteBatch& batch) {
    if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
    absl::MutexLock lock(&mu_);
    std::swap(batch, batch_);
    in_flight_ = true;
  }

  // Waits for the batch in flight (if any) and returns its commit status.
  absl::Status Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](BatchCommitter* c) { return !c->in_flight_; }, this));
    absl::Status status = std::move(status_);
    status_ = absl::OkStatus();
    return status;
  }

 private:
  void Loop() {
    absl::MutexLock lock(&mu_);
    while (true) {
      mu_.Await(absl::Condition(
          +[](BatchCommitter* c) { return c->in_flight_ || c->stop_; }, this));
      if (!in_flight_) return;  // Stopped with nothing in flight.
      mu_.Unlock();
      // batch_ belongs to this thread while in_flight_ is set.
      absl::Status status = store_->Commit(batch_, storage::Durability::kBuffered);
      mu_.Lock();
      status_ = std::move(status);
      in_flight_ = false;
    }
  }

  storage::Store* const store_;
  std::thread thread_;
  absl::Mutex mu_;
  storage::WriteBatch batch_;
  bool in_flight_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

// What the pass-2 sink needs to know about the upload.
struct IngestContext {
  storage::Store* store = nullptr;
  storage::DirectoryStore* directory = nullptr;
  IngestStores* stores = nullptr;
  std::string plan_id;
  FileKind kind = hub::v1::FILE_KIND_UNSPECIFIED;
  std::string report_id;
  bool snapshot = false;
  // The day before the upload was received: the end date of what a
  // snapshot no longer lists or a TERMINATE row leaves open.
  std::string cutoff;
  // The day the upload was received: capacity is judged as of this day.
  std::string today;
  const IngestOptions* options = nullptr;
  const std::atomic<bool>* cancelled = nullptr;
  MemberLocks* member_locks = nullptr;
  // This ingest's id in member_locks.
  uint64_t ingest_id = 0;
};

// Pass 2's sink: validates each canonical row, applies the good ones and
// records the bad ones, committing every options.commit_every_rows rows.
class Ingestor final : public adapters::CanonicalRowSink {
 public:
  explicit Ingestor(IngestContext ctx)
      : ctx_(std::move(ctx)),
        s_(*ctx_.stores),
        committer_(ctx_.store),
        held_(MemberLocks::kStripes, false) {}
  // Waits for the batch in flight, then releases the member locks;
  // uncommitted writes are dropped.
  ~Ingestor() {
    WaitInFlight().IgnoreError();
    ReleaseMemberLocks();
  }

  // Starts the first batch: a snapshot's epoch, and the removal of row
  // errors an interrupted earlier attempt at the same file left behind.
  void Start() {
    if (ctx_.snapshot) epoch_ = ctx_.store->NextVersion(batch_);
    s_.ingest.DeleteRowErrors(batch_, ctx_.report_id);
  }

  absl::Status OnRow(int64_t row_number, const google::protobuf::Message& row) override {
    RETURN_IF_ERROR(BeginRow(row_number));
    errors_.clear();
    switch (ctx_.kind) {
      case hub::v1::FILE_KIND_MEMBER_ASSIGNMENT:
        return OnAssignmentRow(static_cast<const AssignmentFileRow&>(row));
      case hub::v1::FILE_KIND_CS_AUTHORIZATION:
        return OnAuthorizationRow(static_cast<const AuthorizationFileRow&>(row));
      case hub::v1::FILE_KIND_QUALITY_REPORT:
        return OnQualityRow(static_cast<const QualityFileRow&>(row));
      default:
        return absl::InternalError("ingest: unexpected file kind; this is a hub bug");
    }
  }

  absl::Status OnRowError(const adapters::RowError& error) override {
    RETURN_IF_ERROR(BeginRow(error.row_number));
    AddError(error.field, error.reason_code, error.message);
    return absl::OkStatus();
  }

  // Accounts for the last row; call after the parser's Finish returned OK.
  absl::Status FinishRows() { return EndRow(); }

  // Ends what a snapshot file no longer lists (see ingest.h).
  // A member assignment file ends only assignments and an authorization
  // file only authorizations: each lists one kind of record (the plan's
  // epoch is shared by both kinds of file).
  absl::Status EndUnlisted() {
    RETURN_IF_ERROR(Commit());
    if (ctx_.kind == hub::v1::FILE_KIND_MEMBER_ASSIGNMENT)
      RETURN_IF_ERROR(EndUnlistedAssignments());
    if (ctx_.kind == hub::v1::FILE_KIND_CS_AUTHORIZATION) {
      RETURN_IF_ERROR(EndUnlistedAuthorizations());
    }
    return Commit();
  }

  absl::Status EndUnlistedAssignments() {
    const std::string& cutoff = ctx_.cutoff;
    return s_.care.ScanPlanAssignments(
        ctx_.plan_id, [&](const storage::PlanAssignmentMark& mark) -> absl::Status {
          RETURN_IF_ERROR(CheckCancelled());
          if (mark.mark >= epoch_) return absl::OkStatus();
          hub::v1::Assignment identity;
          identity.set_cin(mark.cin);
          identity.set_plan_id(ctx_.plan_id);
          identity.set_provider_id(mark.provider_id);
          identity.set_benefit_start_date(mark.benefit_start_date);
          absl::StatusOr<hub::v1::Assignment> stored = s_.care.GetAssignment(identity);
          if (absl::IsNotFound(stored.status())) {
            // Repairs a stray index entry.
            s_.care.DeleteAssignment(batch_, identity, /*stored=*/nullptr);
            return CountWrite();
          }
          RETURN_IF_ERROR(stored.status());
          const hub::v1::Assignment before = *stored;
          hub::v1::Assignment& a = *stored;
          if (!a.benefit_end_date().empty() && a.benefit_end_date() <= cutoff) {
            return absl::OkStatus();  // Already ended.
          }
          if (a.benefit_start_date() > cutoff) {
            s_.care.DeleteAssignment(batch_, a, &before);  // Withdrawn before it began.
          } else {
            a.set_benefit_end_date(cutoff);
            a.set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
            if (!a.has_discontinuation()) {
              a.mutable_discontinuation()->set_date(cutoff);
              a.mutable_discontinuation()->set_dhcs_code(15);
              a.mutable_discontinuation()->set_reason(
                  "The plan's snapshot assignment file no longer lists this assignment.");
            }
            s_.care.PutAssignment(batch_, a, &before);
          }
          changes_.set_assignments_ended(changes_.assignments_ended() + 1);
          return CountWrite();
        });
  }

  absl::Status EndUnlistedAuthorizations() {
    const std::string& cutoff = ctx_.cutoff;
    return s_.care.ScanPlanAuthorizations(
        ctx_.plan_id, [&](const storage::PlanAuthorizationMark& mark) -> absl::Status {
          RETURN_IF_ERROR(CheckCancelled());
          if (mark.mark >= epoch_) return absl::OkStatus();
          absl::StatusOr<hub::v1::Authorization> stored =
              s_.care.GetAuthorization(ctx_.plan_id, mark.authorization_number);
          if (absl::IsNotFound(stored.status())) {
            RETURN_IF_ERROR(
                s_.care.DeleteAuthorization(batch_, ctx_.plan_id, mark.authorization_number));
            return CountWrite();
          }
          RETURN_IF_ERROR(stored.status());
          const hub::v1::Authorization before = *stored;
          hub::v1::Authorization& a = *stored;
          if (a.status() == hub::v1::AUTHORIZATION_STATUS_DENIED ||
              a.status() == hub::v1::AUTHORIZATION_STATUS_CANCELLED) {
            return absl::OkStatus();  // Not in effect.
          }
          if (!a.end_date().empty() && a.end_date() <= cutoff) return absl::OkStatus();
          if (a.start_date() > cutoff) {
            RETURN_IF_ERROR(
                s_.care.DeleteAuthorization(batch_, ctx_.plan_id, a.authorization_number()));
          } else {
            a.set_end_date(cutoff);
            a.set_status(hub::v1::AUTHORIZATION_STATUS_CANCELLED);
            RETURN_IF_ERROR(s_.care.PutAuthorization(batch_, a, &before).status());
          }
          changes_.set_authorizations_ended(changes_.authorizations_ended() + 1);
          return CountWrite();
        });
  }

  // Commits the batch in flight and the current batch without fsync
  // (Store::SyncWal makes them durable before the report); returns once both
  // are committed.
  absl::Status Commit() {
    absl::Status status = WaitInFlight();
    if (batch_.Count() > 0) {
      absl::Status committed = ctx_.store->Commit(batch_, storage::Durability::kBuffered);
      committed_any_ = committed_any_ || committed.ok();
      if (status.ok()) status = committed;
    }
    batch_.Clear();
    // Members written under these locks are committed (or dropped) now.
    ReleaseMemberLocks();
    writes_in_batch_ = 0;
    rows_in_batch_ = 0;
    written_.clear();
    return status;
  }

  // Waits for the batch in flight (see BatchCommitter) and returns its
  // commit status.
  absl::Status Drain() { return WaitInFlight(); }

  bool committed_any() const { return committed_any_; }
  int64_t rows_accepted() const { return rows_accepted_; }
  int64_t rows_rejected() const { return rows_rejected_; }
  const hub::v1::IngestChanges& changes() const { return changes_; }

 private:
  struct PendingError {
    std::string field;
    const char* code;
    std::string message;
  };

  // ------------------------------------------------------------ row accounting

  absl::Status BeginRow(int64_t row_number) {
    if (in_row_ && row_number == row_) return absl::OkStatus();
    RETURN_IF_ERROR(EndRow());
    in_row_ = true;
    row_ = row_number;
    row_rejected_ = false;
    row_wrote_ = false;
    return absl::OkStatus();
  }

  absl::Status EndRow() {
    if (!in_row_) return absl::OkStatus();
    in_row_ = false;
    if (row_rejected_) {
      ++rows_rejected_;
    } else {
      ++rows_accepted_;
      if (!row_wrote_) changes_.set_rows_unchanged(changes_.rows_unchanged() + 1);
    }
    ++rows_handled_;
    ++rows_in_batch_;
    RETURN_IF_ERROR(CheckCancelled());
    if (ctx_.options->row_hook) RETURN_IF_ERROR(ctx_.options->row_hook(rows_handled_));
    if (rows_in_batch_ >= ctx_.options->commit_every_rows) return CommitAsync();
    return absl::OkStatus();
  }

  // Hands the current batch to the committer (after the previous one is
  // committed) and starts a new one. Its member locks stay held until it is
  // committed; its keys count as written until then.
  absl::Status CommitAsync() {
    RETURN_IF_ERROR(WaitInFlight());
    if (batch_.Count() == 0) return Commit();
    committed_any_ = true;  // It will be, unless the commit fails.
    std::swap(written_, in_flight_written_);
    written_.clear();
    std::swap(held_list_, in_flight_held_);
    held_list_.clear();
    for (size_t stripe : in_flight_held_) held_[stripe] = false;
    committer_.Submit(batch_);
    in_flight_ = true;
    writes_in_batch_ = 0;
    rows_in_batch_ = 0;
    return absl::OkStatus();
  }

  // Waits for the batch in flight, then releases the member locks it held
  // that the current batch does not hold.
  absl::Status WaitInFlight() {
    if (!in_flight_) return absl::OkStatus();
    absl::Status status = committer_.Wait();
    in_flight_ = false;
    in_flight_written_.clear();
    release_.clear();
    for (size_t stripe : in_flight_held_) {
      if (!held_[stripe]) release_.push_back(stripe);
    }
    in_flight_held_.clear();
    if (!release_.empty()) ctx_.member_locks->Release(release_, ctx_.ingest_id);
    return status;
  }

  // True if this ingest wrote `key` (by hash) in a batch not yet committed.
  bool Pending(uint64_t hash) const {
    return written_.contains(hash) || (in_flight_ && in_flight_written_.contains(hash));
  }

  // Makes the writes of `key` (by hash) committed before it is read.
  absl::Status CommitBeforeRead(uint64_t hash) {
    if (written_.contains(hash)) return Commit();
    if (in_flight_ && in_flight_written_.contains(hash)) return WaitInFlight();
    return absl::OkStatus();
  }

  absl::Status CheckCancelled() const {
    if (ctx_.cancelled != nullptr && ctx_.cancelled->load(std::memory_order_relaxed)) {
      return CancelledStatus();
    }
    return absl::OkStatus();
  }

  // Counts one write of the snapshot pass towards the batch size.
  absl::Status CountWrite() {
    if (++writes_in_batch_ >= ctx_.options->commit_every_rows) return Commit();
    return absl::OkStatus();
  }

  void AddError(std::string_view field, std::string_view code, std::string_view message) {
    hub::v1::RowError e;
    e.set_row_number(row_);
    e.set_field(std::string(field));
    e.set_reason_code(std::string(code));
    e.set_message(std::string(message));
    s_.ingest.AddRowErrors(batch_, ctx_.report_id, next_error_ordinal_++, {&e, 1});
    row_rejected_ = true;
  }

  // Reports a warning about the current row, which is applied all the same
  // (the first kMaxRowWarnings of the upload only).
  void AddWarning(std::string_view field, std::string_view code, std::string_view message) {
    if (warnings_ >= kMaxRowWarnings) return;
    ++warnings_;
    hub::v1::RowError e;
    e.set_row_number(row_);
    e.set_field(std::string(field));
    e.set_reason_code(std::string(code));
    e.set_message(std::string(message));
    e.set_warning(true);
    s_.ingest.AddRowErrors(batch_, ctx_.report_id, next_error_ordinal_++, {&e, 1});
  }

  void Reject(std::string field, const char* code, std::string message) {
    errors_.push_back(PendingError{std::move(field), code, std::move(message)});
  }

  // Reports the row's validation errors; true if there were any.
  bool FlushErrors() {
    for (const PendingError& e : errors_) AddError(e.field, e.code, e.message);
    return !errors_.empty();
  }

  // ------------------------------------------------------------- validation

  // The provider with `npi` (null if none), cached for the upload.
  absl::StatusOr<const hub::v1::Provider*> FindProvider(const std::string& npi) {
    if (auto it = providers_.find(npi); it != providers_.end()) return it->second.get();
    if (providers_.size() >= kProviderCacheLimit) providers_.clear();
    absl::StatusOr<hub::v1::Provider> found = ctx_.directory->GetProviderByNpi(npi);
    std::unique_ptr<hub::v1::Provider> provider;
    if (found.ok()) {
      provider = std::make_unique<hub::v1::Provider>(*std::move(found));
    } else if (!absl::IsNotFound(found.status())) {
      return found.status();
    }
    const hub::v1::Provider* result = provider.get();
    providers_.emplace(npi, std::move(provider));
    return result;
  }

  // Checks the row's provider: a valid NPI, in the directory, contracted
  // with the plan for `kind`. Returns the provider, or null after adding the
  // row's error.
  absl::StatusOr<const hub::v1::Provider*> CheckProvider(const std::string& npi,
                                                         hub::v1::ProviderKind kind) {
    if (npi.empty()) {
      Reject("provider_npi", kRowRequiredMissing,
             "The provider NPI is missing; every row of this file names its provider by NPI.");
      return nullptr;
    }
    if (!ValidateNpi(npi).ok()) {
      Reject("provider_npi", kRowBadNpi,
             "The provider NPI is not 10 digits with a valid check digit; correct it.");
      return nullptr;
    }
    ASSIGN_OR_RETURN(const hub::v1::Provider* provider, FindProvider(npi));
    if (provider == nullptr) {
      Reject("provider_npi", kRowUnknownProvider,
             "No provider in the county directory has this NPI; correct the NPI, or ask the "
             "county to add the provider to the directory.");
      return nullptr;
    }
    if (!Contracted(*provider, ctx_.plan_id, kind)) {
      const char* service = kind == hub::v1::PROVIDER_KIND_ECM  ? "an ECM contract"
                            : kind == hub::v1::PROVIDER_KIND_CS ? "a Community Supports contract"
                                                                : "a contract";
      Reject("provider_npi", kRowProviderNotContracted,
             absl::StrCat("The provider has no ", service,
                          " with this plan in the county directory; correct the NPI, or ask the "
                          "county to record the contract."));
      return nullptr;
    }
    return provider;
  }

  void CheckPeriod(const std::string& start, const std::string& end, const char* end_field) {
    if (!start.empty() && !end.empty() && end < start) {
      Reject(end_field, kRowBadPeriod,
             "The end date is before the start date; correct the period.");
    }
  }

  // The end date a TERMINATE row sets: its own, else the day before the
  // upload; never before `start`.
  std::string TerminationDate(const std::string& row_end, const std::string& start) const {
    std::string end = row_end.empty() ? ctx_.cutoff : row_end;
    return end < start ? start : end;
  }

  // In a snapshot, a rejected row for a known member still lists that
  // member's assignments with the plan: a typo must not end them.
  absl::Status ProtectMemberAssignments(const std::string& cin) {
    if (!ctx_.snapshot) return absl::OkStatus();
    RETURN_IF_ERROR(WaitInFlight());
    ASSIGN_OR_RETURN(std::vector<hub::v1::Assignment> assignments, s_.care.Assignments(cin));
    for (const hub::v1::Assignment& a : assignments) {
      if (a.plan_id() == ctx_.plan_id) s_.care.MarkAssignmentListed(batch_, a, epoch_);
    }
    return absl::OkStatus();
  }

  absl::Status ProtectAuthorization(const std::string& number) {
    if (!ctx_.snapshot || number.empty()) return absl::OkStatus();
    RETURN_IF_ERROR(WaitInFlight());
    absl::StatusOr<hub::v1::Authorization> stored = s_.care.GetAuthorization(ctx_.plan_id, number);
    if (absl::IsNotFound(stored.status())) return absl::OkStatus();
    RETURN_IF_ERROR(stored.status());
    s_.care.MarkAuthorizationListed(batch_, ctx_.plan_id, number, epoch_);
    return absl::OkStatus();
  }

  // ------------------------------------------------------------------ reads

  // Reads see committed data only, so a record this uncommitted batch
  // already wrote (one member on two rows, an 834 loop with two coverages)
  // commits the batch first. Keys are remembered by 64-bit hash: a collision
  // only costs an early commit.
  template <typename Record, typename Load>
  absl::StatusOr<std::optional<Record>> Lookup(std::string_view key, Load load) {
    RETURN_IF_ERROR(CommitBeforeRead(std::hash<std::string_view>()(key)));
    absl::StatusOr<Record> stored = load();
    if (absl::IsNotFound(stored.status())) return std::optional<Record>();
    RETURN_IF_ERROR(stored.status());
    return std::optional<Record>(*std::move(stored));
  }

  void Wrote(std::string_view key) { written_.insert(std::hash<std::string_view>()(key)); }

  // Takes the lock on `cin`'s member record for this batch. A stripe held by
  // another ingest: commit this batch first (releasing every stripe held),
  // then wait for it.
  absl::Status LockMember(const std::string& cin) {
    const size_t stripe = MemberLocks::StripeOf(cin);
    if (held_[stripe]) return absl::OkStatus();
    if (!ctx_.member_locks->TryAcquire(stripe, ctx_.ingest_id)) {
      RETURN_IF_ERROR(Commit());
      ctx_.member_locks->Acquire(stripe, ctx_.ingest_id);
    }
    held_[stripe] = true;
    held_list_.push_back(stripe);
    return absl::OkStatus();
  }

  void ReleaseMemberLocks() {
    if (held_list_.empty()) return;
    ctx_.member_locks->Release(held_list_, ctx_.ingest_id);
    for (size_t stripe : held_list_) held_[stripe] = false;
    held_list_.clear();
  }

  // ---------------------------------------------------------------- capacity

  // The slots `provider_id` holds with this plan in `group` on ctx_.today,
  // counting this ingest's writes. Loaded from the store the first time a
  // key is used, which is always before this ingest writes anything that
  // moves it (every such write goes through TrackSlots first), and only this
  // ingest writes this plan's records: the loaded value plus the running
  // changes is exact without ever waiting for a commit.
  absl::StatusOr<int64_t*> Slots(const std::string& provider_id, const std::string& group) {
    slot_key_.assign(provider_id);
    slot_key_.push_back('\0');
    slot_key_.append(group);
    if (auto it = slots_.find(slot_key_); it != slots_.end()) return &it->second;
    ASSIGN_OR_RETURN(const int64_t held,
                     s_.care.SlotsHeldOn(provider_id, ctx_.plan_id, group, ctx_.today));
    return &slots_.emplace(slot_key_, held).first->second;
  }

  // Accounts for a put of `after` replacing `before` (null: none) in the
  // running slot counts. Call before adding the put to the batch.
  template <typename Record>
  absl::Status TrackSlots(const Record* before, const Record& after) {
    if (before != nullptr && storage::CareStore::HoldsSlotOn(*before, ctx_.today)) {
      ASSIGN_OR_RETURN(int64_t * held,
                       Slots(before->provider_id(), storage::CareStore::CapacityGroup(*before)));
      --*held;
    }
    ASSIGN_OR_RETURN(int64_t * held,
                     Slots(after.provider_id(), storage::CareStore::CapacityGroup(after)));
    if (storage::CareStore::HoldsSlotOn(after, ctx_.today)) ++*held;
    return absl::OkStatus();
  }

  // For a record that starts holding a slot with this put (new, reopened,
  // or moved to this provider): sets its over_capacity flag from the
  // provider's agreed capacity, and on excess adds the ROW_OVER_CAPACITY
  // warning. Returns true if it is over capacity. Other puts keep the flag
  // they had.
  template <typename Record>
  absl::StatusOr<bool> CheckCapacity(const hub::v1::Provider& provider, const Record* stored,
                                     Record& record, hub::v1::ProviderKind kind) {
    const bool arrives =
        storage::CareStore::HoldsSlotOn(record, ctx_.today) &&
        !(stored != nullptr && stored->provider_id() == record.provider_id() &&
          storage::CareStore::CapacityGroup(*stored) == storage::CareStore::CapacityGroup(record) &&
          storage::CareStore::HoldsSlotOn(*stored, ctx_.today));
    if (!arrives) return false;
    const int capacity = AgreedCapacity(provider, ctx_.plan_id, kind, ctx_.today);
    ASSIGN_OR_RETURN(int64_t * held,
                     Slots(record.provider_id(), storage::CareStore::CapacityGroup(record)));
    const bool over = capacity > 0 && *held >= capacity;
    record.set_over_capacity(over);
    if (over) {
      AddWarning(
          "provider_npi", kRowOverCapacity,
          absl::StrCat("The provider is at its agreed ",
                       kind == hub::v1::PROVIDER_KIND_ECM ? "ECM" : "Community Supports",
                       " capacity with this plan (", capacity, " members); the ",
                       kind == hub::v1::PROVIDER_KIND_ECM ? "assignment" : "authorization",
                       " was kept and flagged over capacity: confirm it with the provider, or "
                       "assign the member to another provider."));
    }
    return over;
  }

  // ------------------------------------------------------------- assignment rows

  absl::Status OnAssignmentRow(const AssignmentFileRow& row) {
    const std::string& cin = row.member().cin();
    const bool cin_ok = ValidateCin(cin).ok();
    if (!cin_ok) {
      Reject("member.cin", kRowBadCin,
             "The CIN is not 8 digits followed by an uppercase letter; correct the member's CIN.");
    }
    const bool has_provider = !row.provider_npi().empty();
    const hub::v1::Provider* provider = nullptr;
    if (has_provider) {
      ASSIGN_OR_RETURN(provider, CheckProvider(row.provider_npi(), hub::v1::PROVIDER_KIND_ECM));
    }
    CheckPeriod(row.coverage().start_date(), row.coverage().end_date(), "coverage.end_date");
    const hub::v1::Assignment& in = row.assignment();
    if (has_provider) {
      if (in.benefit_start_date().empty()) {
        Reject("assignment.benefit_start_date", kRowRequiredMissing,
               "The ECM benefit start date is missing; an assignment needs one.");
      }
      CheckPeriod(in.benefit_start_date(), in.benefit_end_date(), "assignment.benefit_end_date");
      if (in.populations_of_focus().empty()) {
        Reject("assignment.populations_of_focus", kRowMissingPof,
               "The assignment names no population of focus; add at least one.");
      }
    }
    if (FlushErrors()) return cin_ok ? ProtectMemberAssignments(cin) : absl::OkStatus();

    const bool terminate = row.action() == hub::v1::ROW_ACTION_TERMINATE;
    // Member: read, merged and written under its lock, which is released
    // only once the batch holding the write is committed.
    RETURN_IF_ERROR(CommitBeforeRead(std::hash<std::string_view>()(cin)));
    RETURN_IF_ERROR(LockMember(cin));
    ASSIGN_OR_RETURN(std::optional<hub::v1::Member> stored_member,
                     Lookup<hub::v1::Member>(cin, [&] { return s_.members.Get(cin); }));
    // Ingest writes a member no later than its coverage and assignments (in
    // the same batch or an earlier one), so a member the hub has never seen
    // has neither: their lookups are skipped (the common case of a first
    // load).
    const bool known_member = stored_member.has_value();
    hub::v1::Member member = MergeMember(stored_member, row, ctx_.plan_id);
    if (!stored_member.has_value() || !SameMember(*stored_member, member)) {
      s_.members.Put(batch_, member);
      Wrote(cin);
      changes_.set_members_upserted(changes_.members_upserted() + 1);
      row_wrote_ = true;
    }
    // Coverage.
    if (!row.coverage().start_date().empty()) {
      hub::v1::Coverage c;
      c.set_cin(cin);
      c.set_plan_id(ctx_.plan_id);
      c.set_start_date(row.coverage().start_date());
      c.set_end_date(terminate ? TerminationDate(row.coverage().end_date(), c.start_date())
                               : row.coverage().end_date());
      const std::string key = CoverageKey(c);
      std::optional<hub::v1::Coverage> stored;
      if (known_member) {
        ASSIGN_OR_RETURN(stored, Lookup<hub::v1::Coverage>(key, [&] {
                           return s_.coverage.Get(cin, ctx_.plan_id, c.start_date());
                         }));
      }
      if (!stored.has_value() || !SameIgnoringVersion(*stored, c)) {
        s_.coverage.Put(batch_, c);
        Wrote(key);
        changes_.set_coverage_periods_written(changes_.coverage_periods_written() + 1);
        row_wrote_ = true;
      }
    }
    // Assignment.
    if (provider != nullptr) {
      hub::v1::Assignment identity;
      identity.set_cin(cin);
      identity.set_plan_id(ctx_.plan_id);
      identity.set_provider_id(provider->provider_id());
      identity.set_benefit_start_date(in.benefit_start_date());
      const std::string key = AssignmentKey(identity);
      std::optional<hub::v1::Assignment> stored;
      if (known_member) {
        ASSIGN_OR_RETURN(stored, Lookup<hub::v1::Assignment>(
                                     key, [&] { return s_.care.GetAssignment(identity); }));
      }
      hub::v1::Assignment a = stored.has_value() ? *stored : identity;
      *a.mutable_populations_of_focus() = in.populations_of_focus();
      a.set_benefit_end_date(in.benefit_end_date());
      if (in.acuity() != hub::v1::ACUITY_UNSPECIFIED) a.set_acuity(in.acuity());
      if (in.has_lead_care_manager()) *a.mutable_lead_care_manager() = in.lead_care_manager();
      if (in.has_discontinuation()) *a.mutable_discontinuation() = in.discontinuation();
      if (in.status() != hub::v1::ENROLLMENT_STATUS_UNSPECIFIED) {
        a.set_status(in.status());
      } else if (!stored.has_value()) {
        a.set_status(hub::v1::ENROLLMENT_STATUS_ASSIGNED);
      } else if (a.status() == hub::v1::ENROLLMENT_STATUS_DISCONTINUED &&
                 a.benefit_end_date().empty() && !in.has_discontinuation() && !terminate) {
        // Listed open again after it had ended: reopened.
        a.set_status(hub::v1::ENROLLMENT_STATUS_ASSIGNED);
        a.clear_discontinuation();
      }
      if (terminate) {
        a.set_benefit_end_date(TerminationDate(in.benefit_end_date(), a.benefit_start_date()));
        a.set_status(hub::v1::ENROLLMENT_STATUS_DISCONTINUED);
      }
      const hub::v1::Assignment* before = stored.has_value() ? &*stored : nullptr;
      ASSIGN_OR_RETURN(const bool over,
                       CheckCapacity(*provider, before, a, hub::v1::PROVIDER_KIND_ECM));
      if (over) changes_.set_assignments_over_capacity(changes_.assignments_over_capacity() + 1);
      if (!stored.has_value() || !SameIgnoringVersion(*stored, a)) {
        RETURN_IF_ERROR(TrackSlots(before, a));
        s_.care.PutAssignment(batch_, a, before);
        Wrote(key);
        changes_.set_assignments_written(changes_.assignments_written() + 1);
        row_wrote_ = true;
      } else if (ctx_.snapshot) {
        s_.care.MarkAssignmentListed(batch_, a, epoch_);
      }
    }
    return absl::OkStatus();
  }

  // ------------------------------------------------------- authorization rows

  absl::Status OnAuthorizationRow(const AuthorizationFileRow& row) {
    const hub::v1::Authorization& in = row.authorization();
    if (!ValidateCin(in.cin()).ok()) {
      Reject("authorization.cin", kRowBadCin,
             "The CIN is not 8 digits followed by an uppercase letter; correct the member's CIN.");
    }
    if (in.authorization_number().empty()) {
      Reject("authorization.authorization_number", kRowRequiredMissing,
             "The authorization number is missing; every authorization needs one.");
    }
    ASSIGN_OR_RETURN(const hub::v1::Provider* provider,
                     CheckProvider(row.provider_npi(), hub::v1::PROVIDER_KIND_CS));
    if (in.community_support() == hub::v1::COMMUNITY_SUPPORT_UNSPECIFIED) {
      Reject("authorization.community_support", kRowRequiredMissing,
             "The Community Support is missing; name the service authorized.");
    } else if (provider != nullptr &&
               !HasKind(provider->community_supports(), in.community_support())) {
      Reject("authorization.community_support", kRowServiceNotOffered,
             "The provider does not offer this Community Support in the county directory; "
             "correct the service or the provider, or ask the county to update the directory.");
    }
    if (in.start_date().empty()) {
      Reject("authorization.start_date", kRowRequiredMissing,
             "The authorization start date is missing; an authorization needs one.");
    }
    CheckPeriod(in.start_date(), in.end_date(), "authorization.end_date");
    if (in.units_approved() < 0 || in.units_used() < 0) {
      Reject("authorization.units_approved", kRowBadUnits,
             "Units must not be negative; correct the units.");
    } else if (in.units_used() > in.units_approved()) {
      Reject("authorization.units_used", kRowBadUnits,
             "More units are used than approved; correct the units used or approved.");
    }
    if (FlushErrors()) return ProtectAuthorization(in.authorization_number());

    const std::string& number = in.authorization_number();
    ASSIGN_OR_RETURN(std::optional<hub::v1::Authorization> stored,
                     Lookup<hub::v1::Authorization>(
                         number, [&] { return s_.care.GetAuthorization(ctx_.plan_id, number); }));
    hub::v1::Authorization a = in;
    a.set_plan_id(ctx_.plan_id);
    a.set_provider_id(provider->provider_id());
    a.clear_version();
    // Output only: the flag is the hub's, kept from the stored record.
    a.set_over_capacity(stored.has_value() && stored->over_capacity());
    if (stored.has_value()) {
      // The closed-loop fields come from the provider: keep them when the
      // plan's file does not carry them.
      if (a.referral_status() == hub::v1::REFERRAL_STATUS_UNSPECIFIED) {
        a.set_referral_status(stored->referral_status());
        if (a.referral_status_date().empty()) {
          a.set_referral_status_date(stored->referral_status_date());
        }
      }
      if (a.closure_reason() == hub::v1::LOOP_CLOSURE_REASON_UNSPECIFIED) {
        a.set_closure_reason(stored->closure_reason());
        if (a.closure_reason_text().empty())
          a.set_closure_reason_text(stored->closure_reason_text());
      }
    }
    if (row.action() == hub::v1::ROW_ACTION_TERMINATE) {
      a.set_end_date(TerminationDate(in.end_date(), a.start_date()));
      a.set_status(hub::v1::AUTHORIZATION_STATUS_CANCELLED);
    }
    const hub::v1::Authorization* before = stored.has_value() ? &*stored : nullptr;
    ASSIGN_OR_RETURN(const bool over,
                     CheckCapacity(*provider, before, a, hub::v1::PROVIDER_KIND_CS));
    if (over) {
      changes_.set_authorizations_over_capacity(changes_.authorizations_over_capacity() + 1);
    }
    if (!stored.has_value() || !SameIgnoringVersion(*stored, a)) {
      RETURN_IF_ERROR(TrackSlots(before, a));
      RETURN_IF_ERROR(s_.care.PutAuthorization(batch_, a, before).status());
      Wrote(number);
      changes_.set_authorizations_written(changes_.authorizations_written() + 1);
      row_wrote_ = true;
    } else if (ctx_.snapshot) {
      s_.care.MarkAuthorizationListed(batch_, ctx_.plan_id, number, epoch_);
    }
    return absl::OkStatus();
  }

  // ------------------------------------------------------------- quality rows

  absl::Status OnQualityRow(const QualityFileRow& row) {
    const hub::v1::QualityMeasureReport& in = row.report();
    ASSIGN_OR_RETURN(const hub::v1::Provider* provider,
                     CheckProvider(row.provider_npi(), hub::v1::PROVIDER_KIND_UNSPECIFIED));
    if (in.measure_id().empty()) {
      Reject("report.measure_id", kRowRequiredMissing,
             "The measure id is missing; name the measure, e.g. FUM.");
    }
    if (!IsMeasurePeriod(in.period())) {
      Reject("report.period", kRowBadPeriod,
             "The measurement period must be YYYY-MM (month), YYYY Qn (quarter) or YYYY (year).");
    }
    if (in.numerator() < 0 || in.denominator() < 0) {
      Reject("report.numerator", kRowBadMeasure,
             "The numerator and denominator must not be negative; correct the counts.");
    } else if (in.numerator() > in.denominator()) {
      Reject("report.numerator", kRowBadMeasure,
             "The numerator is greater than the denominator; correct the counts.");
    }
    if (FlushErrors()) return absl::OkStatus();

    hub::v1::QualityMeasureReport q = in;
    q.set_plan_id(ctx_.plan_id);
    q.set_provider_id(provider->provider_id());
    q.set_rate(q.denominator() == 0
                   ? 0.0
                   : static_cast<double>(q.numerator()) / static_cast<double>(q.denominator()));
    const std::string key = QualityKey(q);
    ASSIGN_OR_RETURN(std::optional<hub::v1::QualityMeasureReport> stored,
                     Lookup<hub::v1::QualityMeasureReport>(key, [&] { return s_.quality.Get(q); }));
    if (!stored.has_value() || stored->SerializeAsString() != q.SerializeAsString()) {
      s_.quality.Put(batch_, q);
      Wrote(key);
      changes_.set_quality_reports_written(changes_.quality_reports_written() + 1);
      row_wrote_ = true;
    }
    return absl::OkStatus();
  }

  const IngestContext ctx_;
  IngestStores& s_;
  BatchCommitter committer_;
  storage::WriteBatch batch_;
  // A batch handed to committer_ and not yet known to be committed, the
  // hashes of the keys it wrote and the member lock stripes it holds.
  bool in_flight_ = false;
  absl::flat_hash_set<uint64_t> in_flight_written_;
  std::vector<size_t> in_flight_held_;
  std::vector<size_t> release_;  // Scratch of WaitInFlight.
  uint64_t epoch_ = 0;
  bool committed_any_ = false;
  int64_t rows_in_batch_ = 0;
  int64_t writes_in_batch_ = 0;
  uint32_t next_error_ordinal_ = 0;
  int warnings_ = 0;

  bool in_row_ = false;
  int64_t row_ = 0;
  bool row_rejected_ = false;
  bool row_wrote_ = false;
  int64_t rows_handled_ = 0;
  int64_t rows_accepted_ = 0;
  int64_t rows_rejected_ = 0;
  hub::v1::IngestChanges changes_;
  std::vector<PendingError> errors_;

  absl::flat_hash_map<std::string, std::unique_ptr<hub::v1::Provider>> providers_;
  // Slots held on ctx_.today per (provider_id \0 capacity group) of this
  // plan, counting this ingest's writes (see Slots).
  absl::flat_hash_map<std::string, int64_t> slots_;
  std::string slot_key_;  // Scratch of Slots.
  // Hashes of the keys this batch wrote (cleared at each commit).
  absl::flat_hash_set<uint64_t> written_;
  // Member lock stripes held until the next commit.
  std::vector<bool> held_;
  std::vector<size_t> held_list_;
};

}  // namespace

std::string IngestReportId(std::string_view plan_id, std::string_view content_sha256) {
  return absl::StrCat(Absl(plan_id), "-", Absl(content_sha256.substr(0, 16)));
}

bool IsIngestReportId(std::string_view report_id) {
  const size_t dash = report_id.rfind('-');
  if (dash == std::string_view::npos || report_id.size() - dash - 1 != 16) return false;
  if (!ValidatePlanId(report_id.substr(0, dash)).ok()) return false;
  for (char c : report_id.substr(dash + 1)) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

IngestPipeline::IngestPipeline(storage::Store* store, storage::DirectoryStore* directory,
                               IngestOptions options)
    : store_(store),
      directory_(directory),
      options_(std::move(options)),
      stores_(std::make_unique<IngestStores>(store)),
      member_locks_(std::make_unique<MemberLocks>()) {}

IngestPipeline::~IngestPipeline() = default;

absl::Mutex& IngestPipeline::PlanMutex(const std::string& plan_id) {
  absl::MutexLock lock(&plans_mu_);
  std::unique_ptr<absl::Mutex>& mu = plan_mutexes_[plan_id];
  if (mu == nullptr) mu = std::make_unique<absl::Mutex>();
  return *mu;
}

absl::StatusOr<IngestReport> IngestPipeline::GetReport(std::string_view report_id,
                                                       int inline_errors) const {
  ASSIGN_OR_RETURN(IngestReport report, stores_->ingest.GetReport(report_id));
  if (inline_errors > 0) {
    ASSIGN_OR_RETURN(storage::IngestStore::RowErrorPage page,
                     stores_->ingest.ListRowErrors(report_id, "", inline_errors));
    for (hub::v1::RowError& e : page.errors) *report.add_row_errors() = std::move(e);
  }
  return report;
}

absl::StatusOr<IngestReport> IngestPipeline::Run(const SpooledUpload& upload,
                                                 const LoadedPlanProfile& profile,
                                                 const std::atomic<bool>* cancelled) {
  absl::MutexLock lock(&PlanMutex(upload.plan_id));
  return RunLocked(upload, profile, cancelled);
}

absl::StatusOr<IngestReport> IngestPipeline::RunLocked(const SpooledUpload& upload,
                                                       const LoadedPlanProfile& profile,
                                                       const std::atomic<bool>* cancelled) {
  const auto started = std::chrono::steady_clock::now();
  const std::string report_id = IngestReportId(upload.plan_id, upload.content_sha256);
  const std::string kind_name = hub::v1::FileKind_Name(upload.kind);

  // DEDUPE (again under the plan's lock: the same file may have been
  // uploaded twice at once).
  absl::StatusOr<IngestReport> existing = GetReport(report_id, options_.inline_row_errors);
  if (existing.ok()) {
    if (existing->content_sha256() != upload.content_sha256) {
      // Two files whose hashes share their first 64 bits: astronomically
      // unlikely, but never answer with another file's report.
      return absl::AlreadyExistsError(
          absl::StrCat("report ", report_id,
                       " belongs to a different file with the same hash prefix; "
                       "change the file (e.g. add a blank line) and upload it again"));
    }
    if (existing->file_kind() != upload.kind) {
      return absl::AlreadyExistsError(absl::StrCat("this file's content was already uploaded as ",
                                                   hub::v1::FileKind_Name(existing->file_kind()),
                                                   " (report ", report_id,
                                                   "); check the file kind"));
    }
    log::Info("plan_file_duplicate", {{"report_id", report_id}, {"plan_id", upload.plan_id}});
    return existing;
  }
  if (!absl::IsNotFound(existing.status())) return existing.status();

  const adapters::PlanAdapter& adapter = *profile.adapter;
  if (IsClaimAnswerKind(upload.kind)) {
    if (!PlanSendsClaimAnswers(profile.profile, upload.kind)) {
      return absl::FailedPreconditionError(absl::StrCat("the adapter profile of plan ",
                                                        upload.plan_id, " does not list ",
                                                        kind_name, " in claim_answers"));
    }
  } else if (!adapter.Handles(upload.kind)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the adapter profile of plan ", upload.plan_id, " has no layout for ", kind_name));
  }

  IngestReport report;
  report.set_report_id(report_id);
  report.set_plan_id(upload.plan_id);
  report.set_file_kind(upload.kind);
  report.set_file_name(upload.file_name);
  report.set_content_sha256(upload.content_sha256);
  report.set_size_bytes(upload.size_bytes);
  *report.mutable_receive_time() = ToTimestamp(upload.receive_time);

  auto log_report = [&](const IngestReport& r) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    const hub::v1::IngestChanges& c = r.changes();
    log::Info("plan_file_ingested",
              {{"report_id", r.report_id()},
               {"plan_id", r.plan_id()},
               {"file_kind", kind_name},
               {"outcome", hub::v1::IngestOutcome_Name(r.outcome())},
               {"rejection_code", r.rejection_code()},
               {"size_bytes", r.size_bytes()},
               {"rows_read", r.rows_read()},
               {"rows_accepted", r.rows_accepted()},
               {"rows_rejected", r.rows_rejected()},
               {"members_upserted", c.members_upserted()},
               {"coverage_periods_written", c.coverage_periods_written()},
               {"assignments_written", c.assignments_written()},
               {"assignments_ended", c.assignments_ended()},
               {"assignments_over_capacity", c.assignments_over_capacity()},
               {"authorizations_written", c.authorizations_written()},
               {"authorizations_ended", c.authorizations_ended()},
               {"authorizations_over_capacity", c.authorizations_over_capacity()},
               {"quality_reports_written", c.quality_reports_written()},
               {"rows_unchanged", c.rows_unchanged()},
               {"duration_ms", static_cast<int64_t>(ms)}});
  };

  // Writes `report` synced, then returns it as stored.
  auto store_report = [&](IngestReport& r,
                          storage::WriteBatch& batch) -> absl::StatusOr<IngestReport> {
    *r.mutable_complete_time() = ToTimestamp(options_.clock());
    stores_->ingest.PutReport(batch, r);
    RETURN_IF_ERROR(store_->Commit(batch, storage::Durability::kSync));
    log_report(r);
    return GetReport(report_id, options_.inline_row_errors);
  };

  // A file that cannot be read at all: nothing applied.
  auto reject = [&](std::string_view code,
                    std::string_view reason) -> absl::StatusOr<IngestReport> {
    report.set_outcome(hub::v1::INGEST_OUTCOME_REJECTED);
    report.set_rejection_code(std::string(code));
    report.set_rejection_reason(std::string(reason));
    storage::WriteBatch batch;
    stores_->ingest.DeleteRowErrors(batch, report_id);
    return store_report(report, batch);
  };

  if (upload.size_bytes == 0) {
    return reject(adapters::kFileEmpty, "The file is empty (0 bytes); send the complete file.");
  }

  if (IsClaimAnswerKind(upload.kind)) {
    if (upload.size_bytes > kMaxClaimAnswerFileBytes) {
      return reject("FILE_ANSWER_TOO_LARGE",
                    absl::StrCat("The file is larger than ", kMaxClaimAnswerFileBytes >> 20,
                                 " MiB; ask the plan to split it by payment or claim date."));
    }
    ASSIGN_OR_RETURN(const std::string bytes, ReadSpool(upload.spool_path));
    storage::WriteBatch batch;
    ASSIGN_OR_RETURN(
        ClaimAnswerResult answers,
        ApplyClaimAnswers(store_, upload.plan_id, upload.kind, bytes, report_id, batch));
    if (!answers.rejection_code.empty()) {
      return reject(answers.rejection_code, answers.rejection_reason);
    }
    report.set_rows_read(answers.rows_read);
    report.set_rows_accepted(answers.rows_accepted);
    report.set_rows_rejected(answers.rows_rejected);
    report.set_outcome(answers.rows_rejected > 0 ? hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED
                                                 : hub::v1::INGEST_OUTCOME_ACCEPTED);
    *report.mutable_changes() = answers.changes;
    stores_->ingest.DeleteRowErrors(batch, report_id);
    stores_->ingest.AddRowErrors(batch, report_id, 0, answers.errors);
    // The decisions, the errors and the report commit together, synced.
    return store_report(report, batch);
  }

  // PASS 1: can the file be read at all?
  if (NeedsWholeFileCheck(profile.profile, upload.kind)) {
    DiscardSink discard(cancelled);
    ASSIGN_OR_RETURN(std::unique_ptr<adapters::StreamReader> parser,
                     adapter.OpenParser(upload.kind, &discard));
    absl::Status read = FeedFile(upload.spool_path, options_.read_block_bytes, *parser, cancelled);
    if (!read.ok()) {
      const std::string code = adapters::FileErrorCode(read);
      if (code.empty()) return read;
      return reject(code, std::string_view(read.message().data(), read.message().size()));
    }
  }

  // PASS 2: validate and apply.
  IngestContext ctx;
  ctx.store = store_;
  ctx.directory = directory_;
  ctx.stores = stores_.get();
  ctx.plan_id = upload.plan_id;
  ctx.kind = upload.kind;
  ctx.report_id = report_id;
  ctx.snapshot = adapter.Semantics(upload.kind) == hub::v1::FILE_SEMANTICS_SNAPSHOT;
  ctx.cutoff = DayBefore(upload.receive_time);
  ctx.today = absl::FormatTime("%Y-%m-%d", upload.receive_time, absl::UTCTimeZone());
  ctx.options = &options_;
  ctx.cancelled = cancelled;
  ctx.member_locks = member_locks_.get();
  ctx.ingest_id = next_ingest_id_.fetch_add(1, std::memory_order_relaxed);
  Ingestor ingestor(std::move(ctx));
  ingestor.Start();
  const ParseAhead::Result parsed = ParseAhead::Run(adapter, upload.kind, upload.spool_path,
                                                    options_.read_block_bytes, cancelled, ingestor);
  const absl::Status& read = parsed.status;
  // Whatever happened, the batch in flight is committed (or failed) before
  // anything else is written.
  const absl::Status drained = ingestor.Drain();
  if (!read.ok()) {
    const std::string code = adapters::FileErrorCode(read);
    if (code.empty()) return read;  // Cancelled, the row hook, storage.
    if (ingestor.committed_any()) {
      // Layouts whose errors can come late are read whole in pass 1, so
      // this means a reader broke its contract.
      log::Error("ingest_late_file_error", {{"report_id", report_id}, {"rejection_code", code}});
      return absl::InternalError(absl::StrCat(
          "the file became unreadable after part of it was applied (", code,
          "); this is a hub bug: report it with hubd's log, then upload the corrected file"));
    }
    return reject(code, std::string_view(read.message().data(), read.message().size()));
  }
  RETURN_IF_ERROR(drained);
  RETURN_IF_ERROR(ingestor.FinishRows());
  report.set_rows_read(parsed.rows_read);
  report.set_rows_accepted(ingestor.rows_accepted());
  report.set_rows_rejected(ingestor.rows_rejected());
  report.set_outcome(ingestor.rows_rejected() > 0 ? hub::v1::INGEST_OUTCOME_PARTIALLY_ACCEPTED
                                                  : hub::v1::INGEST_OUTCOME_ACCEPTED);
  // SNAPSHOT: end what the file no longer lists, unless no row was usable.
  if (adapter.Semantics(upload.kind) == hub::v1::FILE_SEMANTICS_SNAPSHOT &&
      ingestor.rows_accepted() > 0) {
    RETURN_IF_ERROR(ingestor.EndUnlisted());
  }
  RETURN_IF_ERROR(ingestor.Commit());
  // Durable before acknowledged: every applied row is synced before the
  // report that acknowledges it.
  RETURN_IF_ERROR(store_->SyncWal());
  *report.mutable_changes() = ingestor.changes();
  storage::WriteBatch batch;
  return store_report(report, batch);
}

}  // namespace hub
