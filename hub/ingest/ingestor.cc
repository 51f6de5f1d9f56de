// The Ingestor's commit machinery: row accounting, batches committed on the
// BatchCommitter, row errors and warnings, and the member locks reads and
// writes hold (see ingestor.h).
#include "hub/ingest/ingestor.h"

#include <utility>

#include "hub/v1/adapter_config.pb.h"

namespace hub {

using hub::v1::AssignmentFileRow;
using hub::v1::AuthorizationFileRow;
using hub::v1::QualityFileRow;

Ingestor::Ingestor(IngestContext ctx)
    : ctx_(std::move(ctx)),
      s_(*ctx_.stores),
      committer_(ctx_.store),
      held_(MemberLocks::kStripes, false) {}

Ingestor::~Ingestor() {
  WaitInFlight().IgnoreError();
  ReleaseMemberLocks();
}

void Ingestor::Start() {
  if (ctx_.snapshot && !ctx_.count_only) epoch_ = ctx_.store->NextVersion(batch_);
  s_.ingest.DeleteRowErrors(batch_, ctx_.report_id);
}

absl::Status Ingestor::OnRow(int64_t row_number, const google::protobuf::Message& row) {
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

absl::Status Ingestor::OnRowError(const adapters::RowError& error) {
  RETURN_IF_ERROR(BeginRow(error.row_number));
  if (row_identity_.empty()) row_identity_ = error.identity;
  AddError(error.field, error.reason_code, error.message);
  return absl::OkStatus();
}

absl::Status Ingestor::Commit() {
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

// ------------------------------------------------------------ row accounting

absl::Status Ingestor::BeginRow(int64_t row_number) {
  if (in_row_ && row_number == row_) return absl::OkStatus();
  RETURN_IF_ERROR(EndRow());
  in_row_ = true;
  row_ = row_number;
  row_rejected_ = false;
  row_wrote_ = false;
  row_identity_.clear();
  return absl::OkStatus();
}

absl::Status Ingestor::EndRow() {
  if (!in_row_) return absl::OkStatus();
  in_row_ = false;
  if (row_rejected_) {
    if (ctx_.snapshot && !ctx_.count_only) RETURN_IF_ERROR(ProtectRejectedRow());
    ++rows_rejected_;
  } else {
    ++rows_accepted_;
    if (!row_wrote_) changes_.set_rows_unchanged(changes_.rows_unchanged() + 1);
  }
  ++rows_handled_;
  ++rows_in_batch_;
  RETURN_IF_ERROR(CheckCancelled());
  if (ctx_.options->row_hook && !ctx_.count_only) {
    RETURN_IF_ERROR(ctx_.options->row_hook(rows_handled_));
  }
  if (rows_in_batch_ >= ctx_.options->commit_every_rows) return CommitAsync();
  return absl::OkStatus();
}

// Hands the current batch to the committer (after the previous one is
// committed) and starts a new one. Its member locks stay held until it is
// committed; its keys count as written until then.
absl::Status Ingestor::CommitAsync() {
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
absl::Status Ingestor::WaitInFlight() {
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
bool Ingestor::Pending(uint64_t hash) const {
  return written_.contains(hash) || (in_flight_ && in_flight_written_.contains(hash));
}

// Makes the writes of `key` (by hash) committed before it is read.
absl::Status Ingestor::CommitBeforeRead(uint64_t hash) {
  if (written_.contains(hash)) return Commit();
  if (in_flight_ && in_flight_written_.contains(hash)) return WaitInFlight();
  return absl::OkStatus();
}

absl::Status Ingestor::CheckCancelled() const {
  if (ctx_.cancelled != nullptr && ctx_.cancelled->load(std::memory_order_relaxed)) {
    return IngestCancelledStatus();
  }
  return absl::OkStatus();
}

// Counts one write of the snapshot pass towards the batch size.
absl::Status Ingestor::CountWrite() {
  if (++writes_in_batch_ >= ctx_.options->commit_every_rows) return Commit();
  return absl::OkStatus();
}

void Ingestor::AddError(std::string_view field, std::string_view code, std::string_view message) {
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
void Ingestor::AddWarning(std::string_view field, std::string_view code, std::string_view message) {
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

void Ingestor::Reject(std::string field, const char* code, std::string message) {
  errors_.push_back(PendingError{std::move(field), code, std::move(message)});
}

// Reports the row's validation errors; true if there were any.
bool Ingestor::FlushErrors() {
  for (const PendingError& e : errors_) AddError(e.field, e.code, e.message);
  return !errors_.empty();
}

// ---------------------------------------------------------------- locks

// Takes the lock on `cin`'s member record for this batch. A stripe held by
// another ingest: commit this batch first (releasing every stripe held),
// then wait for it.
absl::Status Ingestor::LockMember(const std::string& cin) {
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

void Ingestor::ReleaseMemberLocks() {
  if (held_list_.empty()) return;
  ctx_.member_locks->Release(held_list_, ctx_.ingest_id);
  for (size_t stripe : held_list_) held_[stripe] = false;
  held_list_.clear();
}

}  // namespace hub
